/*-------------------------------------------------------------------------
 *
 * registry.c
 *		The registry of numa_pg's shared memory, as every process sees it.
 *
 * IDENTIFICATION
 *	  src/registry.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "registry.h"

/* set at shmem startup (shmem.c); NULL when numa_pg is not preloaded */
NumaPgShared *numapg_shared = NULL;

/*
 * Raise an error unless numa_pg's shared memory exists: for the functions
 * that need the library preloaded.
 */
void
numapg_require_shared(void)
{
	if (numapg_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("numa_pg must be loaded via \"shared_preload_libraries\""),
				 errhint("Add numa_pg to \"shared_preload_libraries\" in postgresql.conf and restart the server.")));
}
