/*-------------------------------------------------------------------------
 *
 * compat_bgworker.c
 *		PostgreSQL 18's postmaster forgets to restart static background
 *		workers after a crash; numa_pg makes it restart its own.
 *
 * When a child crashes, the postmaster kills every other child, waits for
 * them all, recreates shared memory and starts again; a background worker
 * whose bgw_restart_time is not BGW_NEVER_RESTART is started again at once
 * (ResetBackgroundWorkerCrashTimes()).  maybe_start_bgworkers() starts a
 * registered worker only if its rw_pid is 0 ("not running").
 *
 * Up to 17, HandleChildCrash() set rw_pid to 0 for the worker that crashed,
 * and the postmaster's cleanup of each worker it killed did the same.  18
 * rewrote that bookkeeping around child slots (PMChild): CleanupBackend()
 * returns right after HandleChildCrash() for a child whose exit counts as
 * a crash (the one that was killed, and every one that exited on the
 * SIGQUIT sent to it), before it clears rw_pid, and nothing clears it
 * later.  So after the restart every static worker still looks as if it
 * ran under its old PID and is never started again: numa_pg's workers,
 * and PostgreSQL's own "logical replication launcher" too (seen on the
 * 18beta1 builds this is tested on, with and without assertions).
 *
 * numa_pg's workers: once every child is gone and shared memory is being
 * made again (the shmem startup hook, in the postmaster), no worker can be
 * running, so an rw_pid that is not 0 is stale; clearing it for numa_pg's
 * own workers lets the postmaster start them as it did up to 17.  On a
 * version whose postmaster clears it itself (19: the 19beta1 build restarts
 * the workers after a crash without this) it finds nothing to do.
 *
 * IDENTIFICATION
 *	  src/compat_bgworker.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include "miscadmin.h"
#include "postmaster/bgworker_internals.h"

/*
 * Postmaster only, while it makes shared memory (at start, and again after
 * a crash, when no child runs): mark the registered workers that run
 * library's function as not running, and say so in the log if any was
 * marked running.  Up to 17 none is; 18 leaves the PIDs of the workers it
 * killed in the crash.
 */
void
numapg_forget_stale_worker_pids(const char *library, const char *function)
{
#if PG_VERSION_NUM >= 180000
	int			stale = 0;
	dlist_iter	iter;

	if (IsUnderPostmaster)
		return;
	dlist_foreach(iter, &BackgroundWorkerList)
	{
		RegisteredBgWorker *rw = dlist_container(RegisteredBgWorker, rw_lnode, iter.cur);

		if (rw->rw_pid != 0 &&
			strcmp(rw->rw_worker.bgw_library_name, library) == 0 &&
			strcmp(rw->rw_worker.bgw_function_name, function) == 0)
		{
			rw->rw_pid = 0;
			stale++;
		}
	}
	if (stale > 0)
		ereport(LOG,
				(errmsg("numa_pg: the postmaster still counted %d numa_pg worker(s) as running after the crash; they are started again",
						stale),
				 errdetail("PostgreSQL 18 keeps the PID of a background worker it killed in a crash, and would never start it again.")));
#endif
}
