/*-------------------------------------------------------------------------
 *
 * numa_pg.c
 *		numa_pg: NUMA awareness for PostgreSQL.
 *
 * This file holds _PG_init only, which reads as the list of numa_pg's
 * parts.  Each part lives in src/ and has one job.
 *
 * numa_pg is meant to be in shared_preload_libraries: its parameters take
 * effect at server start and it logs the topology then.  Loaded any other
 * way (CREATE EXTENSION, LOAD), its reporting functions still work and
 * numa_status() says it is not preloaded.
 *
 * IDENTIFICATION
 *	  numa_pg.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include "miscadmin.h"

#include "backend_placement.h"
#include "guc.h"
#include "live_topology.h"
#include "numa_support.h"
#include "pool_plan.h"
#include "shmem.h"
#include "worker.h"

NUMAPG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * Module load callback.
 */
void
_PG_init(void)
{
	/*
	 * Without shared_preload_libraries there is no server start to take
	 * part in: define nothing, and let the reporting functions work alone.
	 */
	if (!process_shared_preload_libraries_in_progress)
		return;

	numapg_preloaded = true;
	/* before numa_pg sets a policy of its own: what numactl left us */
	(void) numapg_inherited_policy();
	numapg_define_gucs();
	numapg_log_topology();
	numapg_plan_pool();
	numapg_install_shmem_hooks();
	numapg_install_backend_placement();
	numapg_register_workers();
}
