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
 * The plan of the pool (which CPU each worker runs on) is pool_plan.c's;
 * this file registers the workers and is what each of them runs.
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
#include "live_topology.h"
#include "numa_support.h"
#include "pool_plan.h"
#include "registry.h"
#include "serve.h"
#include "worker.h"

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
	for (int w = 0; w < numapg_pool_nworkers(); w++)
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
				 w, numapg_pool_places()[w].cpu);
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
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("numa_pg: worker %d could not pin itself to CPU %d: %m",
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
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("numa_pg: worker %d could not set its memory policy to local: %s",
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
