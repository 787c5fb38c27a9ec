/*-------------------------------------------------------------------------
 *
 * compat_tranche.c
 *		The LWLock tranche of the benchmarks' scratch mappings, which 19
 *		allocates differently.
 *
 * IDENTIFICATION
 *	  bench/numa_pg_bench/compat_tranche.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include "storage/lwlock.h"
#if PG_VERSION_NUM >= 190000
#include "storage/dsm_registry.h"
#endif

#include "bench_common.h"

/* This backend's tranche ID, once it has one. */
static int	numapg_tranche_id = 0;

#if PG_VERSION_NUM >= 190000
/* Allocate the server's tranche ID, once, in the DSM registry's segment. */
static void
init_tranche_id(void *ptr, void *arg)
{
	*(int *) ptr = LWLockNewTrancheId((const char *) arg);
}
#endif

/*
 * The tranche ID of the LWLocks in the benchmarks' scratch mappings, named
 * "numa_pg_bench" in wait events.  Up to 18 the
 * ID is allocated and named in each backend that asks.  19 allocates IDs
 * and their names in shared memory, at most 256 per server, so an ID per
 * backend would run out: the first backend that asks allocates it in a
 * DSM registry segment, and every later one reads it there.
 */
int
numapg_bench_lwlock_tranche(void)
{
	if (numapg_tranche_id == 0)
	{
#if PG_VERSION_NUM >= 190000
		bool		found;
		int		   *id = GetNamedDSMSegment("numa_pg_bench_tranche", sizeof(int),
											init_tranche_id, &found,
											"numa_pg_bench");

		numapg_tranche_id = *id;
#else
		numapg_tranche_id = LWLockNewTrancheId();
		LWLockRegisterTranche(numapg_tranche_id, "numa_pg_bench");
#endif
	}
	return numapg_tranche_id;
}
