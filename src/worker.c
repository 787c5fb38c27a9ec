/*-------------------------------------------------------------------------
 *
 * worker.c
 *		The pool of background workers, each pinned to one CPU.
 *
 * Process-per-core: numa_pg.workers background workers, worker i pinned
 * with sched_setaffinity to the CPU the plan gives it (worker_plan.c),
 * with its own memory policy set to local so that its private memory is
 * on its node too (unless the server was started under a bind policy,
 * which it keeps).  Its shared regions (state store, WAL staging buffer)
 * were placed on that node by the postmaster before it started; a worker
 * that dies is started again by the postmaster and finds them there.
 *
 * The plan is made once, in the postmaster, from _PG_init: a plan that
 * cannot be met (more workers than CPUs, too few max_worker_processes)
 * stops the server with a FATAL and a hint, rather than running a pool
 * that is not what was configured.
 *
 * IDENTIFICATION
 *	  src/worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sched.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/bgworker_internals.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "compat.h"
#include "guc.h"
#include "numa_support.h"
#include "serve.h"
#include "shmem.h"
#include "worker.h"

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

const NumaPgTopology *
numapg_pool_topology(void)
{
	return pool_topology;
}

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
					(errmsg("numa_pg: worker %d runs on CPU %d of NUMA node %d, which has no memory it may use; its memory goes to node %d, the nearest that has",
							w, pool_places[w].cpu, pool_places[w].node,
							pool_places[w].memory_node)));
		else
			ereport(LOG,
					(errmsg("numa_pg: worker %d: CPU %d, NUMA node %d",
							w, pool_places[w].cpu, pool_places[w].node)));
	}
}

/* Number of background workers registered so far. */
static int
registered_workers(void)
{
	NumaPgBgWorkerIter iter;
	int			n = 0;

	NumaPgForeachBgWorker(iter)
		n++;
	return n;
}

/*
 * Register one static background worker per planned worker.  PostgreSQL
 * refuses one with a LOG line only, and it would never run: after
 * check_worker_slots() that cannot happen, so if it does, stop the server.
 */
void
numapg_register_workers(void)
{
	for (int w = 0; w < pool_nworkers; w++)
	{
		BackgroundWorker worker;
		int			before = registered_workers();

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
			BGWORKER_BACKEND_DATABASE_CONNECTION;
		worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
		worker.bgw_restart_time = 1;
		strlcpy(worker.bgw_library_name, "numa_pg", BGW_MAXLEN);
		strlcpy(worker.bgw_function_name, "numapg_worker_main", BGW_MAXLEN);
		snprintf(worker.bgw_name, BGW_MAXLEN, "numa_pg worker %d (CPU %d)",
				 w, pool_places[w].cpu);
		strlcpy(worker.bgw_type, "numa_pg worker", BGW_MAXLEN);
		worker.bgw_main_arg = Int32GetDatum(w);
		RegisterBackgroundWorker(&worker);
		if (registered_workers() == before)
			ereport(FATAL,
					(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
					 errmsg("numa_pg: PostgreSQL did not register numa_pg worker %d", w),
					 errdetail("The log line before this one says why; a worker that is not registered never runs."),
					 errhint("Raise max_worker_processes, or lower numa_pg.workers.")));
	}
}

/*
 * Initialise the contents of every worker's regions.  Postmaster, once
 * the regions are placed and prefaulted, before any worker starts.
 */
void
numapg_init_worker_regions(void)
{
	for (int w = 0; w < pool_nworkers; w++)
		numapg_serve_init_regions(w);
	numapg_serve_restore_after_restart();
	/* after a crash, 18 would never start them again (compat.h) */
	numapg_forget_stale_worker_pids("numa_pg", "numapg_worker_main");
}

/* before_shmem_exit callback: the worker is gone. */
static void
worker_detach(int code, Datum arg)
{
	NumaPgWorkerSlot *slot = &numapg_shared->workers[DatumGetInt32(arg)];

	LWLockAcquire(numapg_shared->lock, LW_EXCLUSIVE);
	slot->pid = 0;
	slot->latch = NULL;
	/* gone before reaching its database: the backends' errors say so */
	if (!slot->connected)
		slot->failed_starts++;
	LWLockRelease(numapg_shared->lock);
}

/* Error context while a worker connects to numa_pg.database. */
static void
connect_context(void *arg)
{
	errcontext("numa_pg worker %d connecting to database \"%s\" (numa_pg.database)",
			   DatumGetInt32(PointerGetDatum(arg)), numapg_database);
}

/* Pin this process to one CPU; false (with a WARNING) if refused. */
static bool
pin_to_cpu(int id, int cpu)
{
	cpu_set_t	set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
	{
		ereport(WARNING,
				(errmsg("numa_pg: worker %d could not pin itself to CPU %d: %m",
						id, cpu),
				 errdetail("It runs wherever the scheduler puts it.")));
		return false;
	}
	return true;
}

/*
 * Entry point of a worker.  main_arg is its id.
 */
void
numapg_worker_main(Datum main_arg)
{
	int			id = DatumGetInt32(main_arg);
	NumaPgWorkerSlot *slot;
	NumaPgSupport support;
	bool		pinned;
	ErrorContextCallback context;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();

	if (numapg_shared == NULL || id < 0 || id >= numapg_shared->nworkers)
		elog(FATAL, "numa_pg worker %d has no shared state", id);
	slot = &numapg_shared->workers[id];

	pinned = pin_to_cpu(id, slot->cpu);
	numapg_probe_support(numapg_pool_topology(), &support);

	/*
	 * Local memory for this worker's own allocations, unless the server
	 * was started bound to some nodes (numactl --membind): local could be
	 * outside them, so the worker keeps that bind, under which the kernel
	 * takes the nearest of those nodes first.
	 */
	if (support.libnuma_usable &&
		numapg_inherited_policy()->mode != NUMAPG_TASK_POLICY_BIND)
	{
		int			err = numapg_set_local_policy();

		if (err != 0)
			ereport(WARNING,
					(errmsg("numa_pg: worker %d could not set its memory policy to local: %s",
							id, strerror(err))));
	}

	LWLockAcquire(numapg_shared->lock, LW_EXCLUSIVE);
	slot->pid = MyProcPid;
	slot->latch = MyLatch;
	slot->pinned = pinned;
	slot->starts++;
	slot->connected = false;
	LWLockRelease(numapg_shared->lock);
	before_shmem_exit(worker_detach, Int32GetDatum(id));

	/*
	 * The WAL messages carry this database's OID, for logical decoding.
	 * If it cannot be reached (it does not exist, or refuses connections)
	 * this exits with a FATAL, in context, and counts a failed start.
	 */
	context.callback = connect_context;
	context.arg = DatumGetPointer(Int32GetDatum(id));
	context.previous = error_context_stack;
	error_context_stack = &context;
	BackgroundWorkerInitializeConnection(numapg_database, NULL, 0);
	error_context_stack = context.previous;
	LWLockAcquire(numapg_shared->lock, LW_EXCLUSIVE);
	slot->connected = true;
	slot->failed_starts = 0;
	LWLockRelease(numapg_shared->lock);

	ereport(LOG,
			(errmsg("numa_pg worker %d started on CPU %d (NUMA node %d)",
					id, slot->cpu, slot->node)));

	while (!ShutdownRequestPending)
	{
		/* serve what came while we slept (or were not running) */
		long		sleep_ms = numapg_serve(id);

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 sleep_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
	}
	/* leave nothing staged behind */
	numapg_serve_flush(id);
	/* exit 1: if the server is not shutting down, the postmaster restarts us */
	proc_exit(1);
}
