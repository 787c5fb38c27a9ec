/*-------------------------------------------------------------------------
 *
 * request.c
 *		Requests from backends to the workers, and their replies.
 *
 * Routing: a key belongs to worker (high 32 bits of its hash) mod workers;
 * the state store uses the low bits, so the two do not correlate.
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
 * IDENTIFICATION
 *	  src/request.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sched.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "request.h"
#include "shmem.h"
#include "spsc.h"
#include "worker.h"

int			numapg_request_timeout_ms = 10000;

static NumaPgReply *replies = NULL;
static uint32 request_counter = 0;

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
			pg_atomic_init_u64(&replies[i].answered_id, 0);
		}
}

/* The worker that owns a key. */
int
numapg_worker_for_key(const char *key, int keylen)
{
	uint64		hash = numapg_state_hash(key, keylen);

	return (int) ((hash >> 32) % (uint64) numapg_shared->nworkers);
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

/* Complain that worker did not answer in time. */
static void
timed_out(int worker, const char *what)
{
	pid_t		pid;

	LWLockAcquire(numapg_shared->lock, LW_SHARED);
	pid = numapg_shared->workers[worker].pid;
	LWLockRelease(numapg_shared->lock);
	ereport(ERROR,
			(errcode(ERRCODE_QUERY_CANCELED),
			 errmsg("numa_pg worker %d did not %s within %d ms",
					worker, what, numapg_request_timeout_ms),
			 pid == 0 ? errdetail("The worker is not running; the postmaster restarts it within a few seconds unless the server is shutting down.")
			 : errdetail("The worker (PID %d) is running but busy.", (int) pid),
			 errhint("Retry, or raise numa_pg.request_timeout.")));
}

/*
 * Send a request to a worker and wait for its answer.  Raises an ERROR if
 * the pool is not running or the worker does not answer in time.
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
	NumaPgSpscRing *ring = (NumaPgSpscRing *)
		numapg_shared->regions[slot->first_queue_region + p].base;
	LWLock	   *ring_lock = &numapg_shared->ring_locks[worker * numapg_shared->nproducer_nodes + p].lock;
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													   numapg_request_timeout_ms);
	Latch	   *latch;

	Assert(keylen + vallen <= NUMAPG_STATE_MAX_DATA);
	memset(&msg.req, 0, offsetof(NumaPgRequest, data));
	msg.req.request_id = ((uint64) MyProcPid << 32) | ++request_counter;
	msg.req.reply_slot = NumaPgMyProcNumber();
	msg.req.op = op;
	msg.req.keylen = keylen;
	msg.req.vallen = vallen;
	memcpy(msg.req.data, key, keylen);
	if (vallen > 0)
		memcpy(msg.req.data + keylen, value, vallen);

	/* from now on, only this request's answer may be written to our slot */
	SpinLockAcquire(&reply->mutex);
	reply->expected_id = msg.req.request_id;
	SpinLockRelease(&reply->mutex);

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
			timed_out(worker, "take the request");
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

		if (pg_atomic_read_u64(&reply->answered_id) == msg.req.request_id)
			break;
		left = ms_left(deadline);
		if (left <= 0)
			timed_out(worker, "answer");
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	SpinLockAcquire(&reply->mutex);
	answer->status = reply->status;
	answer->worker = reply->worker;
	answer->vallen = reply->vallen;
	answer->lsn = reply->lsn;
	memcpy(answer->value, reply->value, Min(reply->vallen, sizeof(answer->value)));
	SpinLockRelease(&reply->mutex);
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
