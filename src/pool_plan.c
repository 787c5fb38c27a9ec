/*-------------------------------------------------------------------------
 *
 * pool_plan.c
 *		The postmaster's plan of the worker pool: how many workers, which
 *		CPU and node each runs on, and the topology they were placed by.
 *
 * The plan is made once, in the postmaster, from _PG_init: a plan that
 * cannot be met (more workers than CPUs, too few max_worker_processes)
 * stops the server with a FATAL and a hint, rather than running a pool
 * that is not what was configured.  Every child inherits it; the
 * accessors below are how the other modules read it.
 *
 * IDENTIFICATION
 *	  src/pool_plan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "postmaster/bgworker_internals.h"
#include "utils/memutils.h"

#include "compat.h"
#include "guc.h"
#include "live_topology.h"
#include "pool_plan.h"

/* The plan, made in the postmaster and inherited by every child. */
static NumaPgTopology *pool_topology = NULL;
static NumaPgWorkerPlace pool_places[NUMAPG_MAX_WORKERS];
static int	pool_nworkers = 0;
static int16 cpu_to_node[NUMAPG_MAX_CPUS];

/* The node of a CPU, from the plan's topology; -1 if unknown. */
int
numapg_node_of_cpu_cached(int cpu)
{
	if (pool_topology == NULL || cpu < 0 || cpu >= NUMAPG_MAX_CPUS)
		return -1;
	return cpu_to_node[cpu];
}

/* Number of workers the pool runs (0 when disabled or not preloaded). */
int
numapg_pool_nworkers(void)
{
	return pool_nworkers;
}

/* The topology the pool was planned by (NULL when disabled). */
const NumaPgTopology *
numapg_pool_topology(void)
{
	return pool_topology;
}

/* Where each planned worker runs: its CPU, node and memory node. */
const NumaPgWorkerPlace *
numapg_pool_places(void)
{
	return pool_places;
}

/*
 * Stop the server unless max_worker_processes has a slot for every worker.
 * Postmaster, _PG_init.
 *
 * PostgreSQL refuses a background worker beyond max_worker_processes with
 * only a LOG line, and the worker then never runs.  The slots are taken in
 * the order the workers are registered: PostgreSQL's own (the logical
 * replication launcher, from ApplyLauncherRegister(), which PostmasterMain
 * calls before it loads shared_preload_libraries, in 15 to 19), then each
 * preloaded library in turn.  So what is in BackgroundWorkerList now is
 * exactly what comes before our workers; a library loaded after numa_pg
 * cannot take their slots (its own workers are refused instead).
 */
static void
check_worker_slots(void)
{
	NumaPgBgWorkerIter iter;
	StringInfoData own;
	int			taken = 0;
	int			taken_by_postgres = 0;

	initStringInfo(&own);
	NumaPgForeachBgWorker(iter)
	{
		RegisteredBgWorker *rw = NumaPgBgWorkerOf(iter);

		taken++;
		if (strcmp(rw->rw_worker.bgw_library_name, "postgres") == 0)
		{
			appendStringInfo(&own, "%s\"%s\"", taken_by_postgres > 0 ? ", " : "",
							 rw->rw_worker.bgw_name);
			taken_by_postgres++;
		}
	}
	if (taken + numapg_workers <= max_worker_processes)
	{
		pfree(own.data);
		return;
	}
	ereport(FATAL,
			(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
			 errmsg("numa_pg: numa_pg.workers (%d) is more than max_worker_processes (%d) allows",
					numapg_workers, max_worker_processes),
			 taken == 0 ?
			 errdetail("Each numa_pg worker takes a slot of max_worker_processes.") :
			 errdetail_plural("Each numa_pg worker takes a slot of max_worker_processes, and %d slot is taken before numa_pg's: %d by PostgreSQL itself%s%s, %d by libraries earlier in shared_preload_libraries.",
							  "Each numa_pg worker takes a slot of max_worker_processes, and %d slots are taken before numa_pg's: %d by PostgreSQL itself%s%s, %d by libraries earlier in shared_preload_libraries.",
							  taken, taken, taken_by_postgres,
							  taken_by_postgres > 0 ? ": " : "", own.data,
							  taken - taken_by_postgres),
			 errhint("Raise max_worker_processes to at least %d (plus what parallel queries, logical replication workers and other extensions need), or lower numa_pg.workers.",
					 taken + numapg_workers)));
}

/*
 * Make the pool's plan from the GUCs and the topology, log it, and stop
 * the server if it cannot be met.  Postmaster, _PG_init, after the GUCs.
 */
void
numapg_plan_pool(void)
{
	NumaPgMask	cpus;
	bool		explicit_cpus;
	char		err[256];

	pool_nworkers = 0;
	if (!numapg_enabled)
	{
		ereport(LOG,
				(errmsg("numa_pg: numa_pg.enabled is off: no workers and no allocator pools")));
		return;
	}

	/* the workers and the allocator's pools are placed by this topology */
	pool_topology = MemoryContextAlloc(TopMemoryContext, sizeof(NumaPgTopology));
	if (!numapg_topology_read_live(pool_topology, err, sizeof(err)))
		ereport(FATAL,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("numa_pg: could not read the NUMA topology to plan the workers"),
				 errdetail("%s.", err)));
	for (int cpu = 0; cpu < NUMAPG_MAX_CPUS; cpu++)
		cpu_to_node[cpu] = numapg_topology_node_of_cpu(pool_topology, cpu);
	if (numapg_workers == 0)
		return;

	explicit_cpus = pg_strcasecmp(numapg_worker_cpus, "auto") != 0;
	if (explicit_cpus &&
		!numapg_parse_list(numapg_worker_cpus, NUMAPG_LIST_CPUS, &cpus,
						   err, sizeof(err)))
		elog(FATAL, "numa_pg.worker_cpus was not validated: %s", err);

	/* guc.c's check hooks refused a short CPU list already: a fallback */
	if (!numapg_plan_workers(pool_topology, numapg_workers,
							 explicit_cpus ? &cpus : NULL, pool_places,
							 err, sizeof(err)))
		ereport(FATAL,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for parameter \"numa_pg.workers\": %d",
						numapg_workers),
				 errdetail("%s.", err),
				 errhint("Lower numa_pg.workers, or give numa_pg.worker_cpus more CPUs (one per worker).")));

	check_worker_slots();

	pool_nworkers = numapg_workers;
	for (int w = 0; w < pool_nworkers; w++)
	{
		if (pool_places[w].memory_node != pool_places[w].node)
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("numa_pg: worker %d runs on CPU %d of NUMA node %d, which has no memory it may use; its memory goes to node %d, the nearest that has",
							w, pool_places[w].cpu, pool_places[w].node,
							pool_places[w].memory_node)));
		else
			ereport(LOG,
					(errmsg("numa_pg: worker %d: CPU %d, NUMA node %d",
							w, pool_places[w].cpu, pool_places[w].node)));
	}
}
