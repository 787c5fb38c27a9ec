/*-------------------------------------------------------------------------
 *
 * request.c
 *		Requests from backends to the workers, and their replies.
 *
 * Queues: each worker has one inbox ring per NUMA node that backends run
 * on, placed on that node.  A ring has a single producer at a time: the
 * backends of one node take the ring's LWLock to push (they are local to
 * each other and to the ring), and the worker, the only consumer, pops
 * without a lock.  One ring per (worker, node) rather than one per
 * backend keeps the memory bounded (workers x nodes rings, not workers x
 * max_connections) while every push stays on local memory; the lock is
 * held only for the copy into the ring.
 *
 * Replies: one slot per backend (by pgprocno), under a spinlock.  Before
 * it sends a request, the backend writes the request's id as the one it
 * expects; a worker writes its answer, and the id as answered, only if its
 * request is the one expected, then sets the backend's latch.  So a late
 * answer to a request the backend gave up on (timeout, cancel), or one for
 * a previous backend in the same slot, is dropped, never half-written over
 * the answer being read.  Ids carry the backend's pid and a counter.
 *
 * Giving up withdraws the request: a backend whose call fails for any
 * reason while it waits (timeout, cancel), or that exits meanwhile
 * (terminated), clears the id it expects; a worker takes a request
 * (numapg_request_take(), under the same spinlock) before it carries it
 * out, and skips one that is no longer expected.  So a call that failed
 * has not changed the store, unless the worker had already taken its
 * request when the backend gave up; the timeout error says which.
 *
 * IDENTIFICATION
 *	  src/request.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sched.h>

#include "catalog/pg_database.h"	/* get_database_oid, from 19 */
#include "commands/dbcommands.h"	/* get_database_oid, up to 18 */
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "guc.h"
#include "pool_plan.h"
#include "registry.h"
#include "request.h"
#include "spsc.h"
#include "state_access.h"

static NumaPgReply *replies = NULL;
static uint32 request_counter = 0;
static bool exit_callback_registered = false;

/* numa_pg.database was found to exist by this backend, when last looked up */
static bool database_found = false;

/* Bytes of the reply slots: one per backend. */
Size
numapg_replies_size(void)
{
	return mul_size(sizeof(NumaPgReply), MaxBackends);
}

/* Find (and in the postmaster, initialise) the reply slots. */
void
numapg_replies_attach(bool init)
{
	bool		found;

	replies = ShmemInitStruct("numa_pg replies", numapg_replies_size(), &found);
	if (!found || init)
		for (int i = 0; i < MaxBackends; i++)
		{
			SpinLockInit(&replies[i].mutex);
			replies[i].expected_id = 0;
			replies[i].taken_id = 0;
			pg_atomic_init_u64(&replies[i].answered_id, 0);
		}
}

/* Index of the inbox ring for the node this backend runs on now. */
static int
producer_index(void)
{
	int			node = numapg_node_of_cpu_cached(sched_getcpu());

	for (int p = 0; p < numapg_shared->nproducer_nodes; p++)
		if (numapg_shared->producer_nodes[p] == node)
			return p;
	return 0;					/* a CPU outside the plan: any ring works */
}

/* Milliseconds left until deadline (0 if passed). */
static long
ms_left(TimestampTz deadline)
{
	return TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
}

/*
 * Withdraw request id: no worker may take it, nor answer it, from now on.
 * Returns true if a worker had taken it already, so that it is being (or
 * has been) carried out all the same.  Only a spinlock: safe in PG_CATCH.
 */
static bool
withdraw(NumaPgReply *reply, uint64 id)
{
	bool		taken;

	SpinLockAcquire(&reply->mutex);
	if (reply->expected_id == id)
		reply->expected_id = 0;
	taken = reply->taken_id == id;
	SpinLockRelease(&reply->mutex);
	return taken;
}

/*
 * Raise 3D000 if numa_pg.database, which the workers connect to, does not
 * exist; outcome, if not NULL, says what became of a request that timed
 * out.  Once found, it is not looked up again for every call (a database
 * the workers are connected to cannot be dropped without terminating
 * them), unless a call times out: then it may have been dropped since
 * (DROP DATABASE ... WITH (FORCE) terminates the workers, and they cannot
 * start again), and the timeout is then for that reason.
 */
static void
check_database(const char *outcome)
{
	if (database_found && outcome == NULL)
		return;
	database_found = OidIsValid(get_database_oid(numapg_database, true));
	if (!database_found)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_DATABASE),
				 errmsg("numa_pg's workers cannot run: database \"%s\" does not exist",
						numapg_database),
				 errdetail("The workers connect to the database that numa_pg.database names, and exit at once when it is missing.%s%s",
						   outcome ? " " : "", outcome ? outcome : ""),
				 errhint("Create database \"%s\", or set numa_pg.database to an existing database and restart the server.",
						 numapg_database)));
}

/*
 * Check, before a call is sent, that numa_pg.database exists (once per
 * backend while it does; see check_database()).
 */
void
numapg_require_database(void)
{
	check_database(NULL);
}

/*
 * Before a change made directly, without a request: refuse it if worker,
 * which writes the change's WAL record, cannot run (its last starts failed
 * before it reached numa_pg.database), as a request to it would time out;
 * 3D000 if the database is gone.
 */
void
numapg_require_owner_can_run(int worker)
{
	int			failed_starts;

	if (numapg_owner_can_run(worker))
		return;
	failed_starts = numapg_shared->workers[worker].failed_starts;
	check_database("Nothing was changed.");
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("numa_pg worker %d is not running", worker),
			 errdetail("Its last %d start(s) failed before it could connect to database \"%s\" (numa_pg.database); the server log says why. Nothing was changed.",
					   failed_starts, numapg_database),
			 errhint("Make database \"%s\" accept connections, or set numa_pg.database to a database that does and restart the server.",
					 numapg_database)));
}

/*
 * Complain that worker did not take or answer request id in time, having
 * withdrawn it.  The detail says whether the worker runs, and whether the
 * request was carried out all the same.
 */
static void
timed_out(int worker, const char *what, NumaPgReply *reply, uint64 id)
{
	NumaPgWorkerSlot slot;
	bool		taken = withdraw(reply, id);
	const char *outcome = taken ?
		"It had already taken the request, so the change is made all the same." :
		strcmp(what, "answer") == 0 ?
		"The request was withdrawn: the worker will skip it and change nothing." :
		"The request never reached the worker's queue, which is full: nothing was changed.";

	/* the workers' database may have been dropped since it was looked up */
	check_database(outcome);

	LWLockAcquire(numapg_shared->lock, LW_SHARED);
	slot = numapg_shared->workers[worker];
	LWLockRelease(numapg_shared->lock);

	if (!slot.connected && slot.failed_starts > 0)
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("numa_pg worker %d did not %s within %d ms",
						worker, what, numapg_request_timeout_ms),
				 errdetail("The worker is not running: its last %d start(s) failed before it could connect to database \"%s\" (numa_pg.database); the server log says why. %s",
						   slot.failed_starts, numapg_database, outcome),
				 errhint("Make database \"%s\" accept connections, or set numa_pg.database to a database that does and restart the server.",
						 numapg_database)));
	if (slot.pid == 0)
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("numa_pg worker %d did not %s within %d ms",
						worker, what, numapg_request_timeout_ms),
				 errdetail("The worker is not running; the postmaster restarts it within a few seconds unless the server is shutting down. %s",
						   outcome),
				 errhint("Retry, or raise numa_pg.request_timeout.")));
	ereport(ERROR,
			(errcode(ERRCODE_QUERY_CANCELED),
			 errmsg("numa_pg worker %d did not %s within %d ms",
					worker, what, numapg_request_timeout_ms),
			 errdetail("The worker (PID %d) is running but busy. %s",
					   (int) slot.pid, outcome),
			 errhint("Retry, or raise numa_pg.request_timeout.")));
}

/*
 * before_shmem_exit callback: a backend that exits while it waits (a FATAL,
 * e.g. pg_terminate_backend(), does not pass through PG_CATCH) withdraws
 * its request too.
 */
static void
withdraw_at_exit(int code, Datum arg)
{
	NumaPgReply *reply = &replies[NumaPgMyProcNumber()];

	SpinLockAcquire(&reply->mutex);
	reply->expected_id = 0;
	SpinLockRelease(&reply->mutex);
}

/*
 * Send a request to a worker and wait for its answer.  Raises an ERROR if
 * the worker does not take or answer the request in time; on that or any
 * other error while waiting (cancel, termination), the request is
 * withdrawn first, so that the worker skips it if it has not taken it yet.
 */
void
numapg_request(int worker, uint8 op, const char *key, int keylen,
			   const char *value, int vallen, NumaPgAnswer *answer)
{
	union
	{
		NumaPgRequest req;
		char		bytes[NUMAPG_REQUEST_MAX];
	}			msg;
	NumaPgWorkerSlot *slot = &numapg_shared->workers[worker];
	NumaPgReply *reply = &replies[NumaPgMyProcNumber()];
	int			p = producer_index();
	NumaPgSpscRing *ring = (NumaPgSpscRing *) numapg_inbox_region_of(worker, p)->base;
	LWLock	   *ring_lock = numapg_inbox_lock_of(worker, p);
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													   numapg_request_timeout_ms);
	uint64		id;
	Latch	   *latch;

	Assert(keylen + vallen <= NUMAPG_STATE_MAX_DATA);
	memset(&msg.req, 0, offsetof(NumaPgRequest, data));
	id = ((uint64) MyProcPid << 32) | ++request_counter;
	msg.req.request_id = id;
	msg.req.reply_slot = NumaPgMyProcNumber();
	msg.req.op = op;
	msg.req.keylen = keylen;
	msg.req.vallen = vallen;
	memcpy(msg.req.data, key, keylen);
	if (vallen > 0)
		memcpy(msg.req.data + keylen, value, vallen);

	if (!exit_callback_registered)
	{
		before_shmem_exit(withdraw_at_exit, (Datum) 0);
		exit_callback_registered = true;
	}

	/* from now on, only this request's answer may be written to our slot */
	SpinLockAcquire(&reply->mutex);
	reply->expected_id = id;
	SpinLockRelease(&reply->mutex);

	PG_TRY();
	{
		/* push, waiting while the ring is full */
		for (;;)
		{
			bool		pushed;

			LWLockAcquire(ring_lock, LW_EXCLUSIVE);
			pushed = numapg_spsc_push(ring, &msg,
									  offsetof(NumaPgRequest, data) + keylen + vallen);
			LWLockRelease(ring_lock);
			if (pushed)
				break;
			if (ms_left(deadline) <= 0)
				timed_out(worker, "take the request", reply, id);
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 1L, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}

		/* wake the worker (if it is not running, it drains its inbox on start) */
		LWLockAcquire(numapg_shared->lock, LW_SHARED);
		latch = slot->latch;
		if (latch)
			SetLatch(latch);
		LWLockRelease(numapg_shared->lock);

		for (;;)
		{
			long		left;

			if (pg_atomic_read_u64(&reply->answered_id) == id)
				break;
			left = ms_left(deadline);
			if (left <= 0)
				timed_out(worker, "answer", reply, id);
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 left, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}
	PG_CATCH();
	{
		(void) withdraw(reply, id);
		PG_RE_THROW();
	}
	PG_END_TRY();

	SpinLockAcquire(&reply->mutex);
	answer->status = reply->status;
	answer->worker = reply->worker;
	answer->vallen = reply->vallen;
	answer->lsn = reply->lsn;
	memcpy(answer->value, reply->value, Min(reply->vallen, sizeof(answer->value)));
	SpinLockRelease(&reply->mutex);
}

/*
 * Worker side: take a request before carrying it out.  Returns false if
 * its backend no longer waits for it (it gave up: timeout, cancel, or it
 * exited), in which case the worker must skip it.  Once taken, a request
 * is carried out even if its backend gives up while it runs.
 */
bool
numapg_request_take(const NumaPgRequest *req)
{
	NumaPgReply *reply;
	bool		wanted;

	if (req->reply_slot < 0 || req->reply_slot >= MaxBackends)
		return false;			/* not from a backend we know */
	reply = &replies[req->reply_slot];
	SpinLockAcquire(&reply->mutex);
	wanted = reply->expected_id == req->request_id && req->request_id != 0;
	if (wanted)
		reply->taken_id = req->request_id;
	SpinLockRelease(&reply->mutex);
	return wanted;
}

/*
 * Worker side: answer a request and wake its backend.
 */
void
numapg_reply(const NumaPgRequest *req, int worker, int status,
			 const void *value, uint32 vallen, uint64 lsn)
{
	NumaPgReply *reply;
	bool		expected;

	if (req->reply_slot < 0 || req->reply_slot >= MaxBackends)
		return;					/* not from a backend we know: drop it */
	reply = &replies[req->reply_slot];
	SpinLockAcquire(&reply->mutex);
	expected = reply->expected_id == req->request_id;
	if (expected)
	{
		reply->status = status;
		reply->worker = worker;
		reply->vallen = vallen;
		reply->lsn = lsn;
		if (vallen > 0)
			memcpy(reply->value, value, Min(vallen, sizeof(reply->value)));
		pg_atomic_write_u64(&reply->answered_id, req->request_id);
	}
	SpinLockRelease(&reply->mutex);
	/* an answer nobody waits for any more is dropped */
	if (expected)
		SetLatch(&GetPGProcByNumber(req->reply_slot)->procLatch);
}
