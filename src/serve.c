/*-------------------------------------------------------------------------
 *
 * serve.c
 *		What a worker does with its inbox, its state store and its WAL
 *		staging buffer.
 *
 * Backends change the stores themselves, and stage each change's record
 * in the owner's WAL staging buffer (state_access.c).  The worker writes
 * what is staged to PostgreSQL's WAL as one logical message with prefix
 * "numa_pg" (so that logical decoding consumers can follow the change
 * stream) when the buffer is half full, when numa_pg.wal_flush_delay has
 * passed since it saw the first record staged, or when asked
 * (numa_state_flush()), and waits for that WAL to be flushed to disk; a
 * writer that stages a buffer's first record, or fills it to half, wakes
 * it.  The worker also drains its inbox rings (one per producer node):
 * flush requests, and the puts, gets and deletes of backends that send
 * them rather than make them (numa_pg.direct_writes or direct_reads off),
 * which it makes the same way, under the store's lock, and answers.
 *
 * What a crash keeps of the stores and the staged WAL is crash_keep.c's.
 *
 * IDENTIFICATION
 *	  src/serve.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "miscadmin.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "guc.h"
#include "pool_plan.h"
#include "request.h"
#include "serve.h"
#include "shmem.h"
#include "spsc.h"
#include "state_access.h"
#include "state_store.h"
#include "wal_staging.h"

/* requests one numapg_serve() call carries out at most */
#define NUMAPG_SERVE_BATCH	1024

/* when the oldest unflushed record of this worker was staged */
static TimestampTz first_staged_at = 0;

/* Worker's inbox ring from the producer-th producer node. */
static NumaPgSpscRing *
inbox_of(int worker, int producer)
{
	return (NumaPgSpscRing *) numapg_inbox_region_of(worker, producer)->base;
}

/*
 * Set up a worker's state store, WAL staging buffer and inbox rings in
 * their (placed, prefaulted) regions.  Postmaster, before workers start.
 */
void
numapg_serve_init_regions(int worker)
{
	NumaPgRegion *state = numapg_state_region_of(worker);
	NumaPgRegion *wal = numapg_wal_region_of(worker);

	if (!numapg_state_store_init((NumaPgStateStore *) state->base, state->size))
		elog(FATAL, "numa_pg: region \"%s\" is too small for a state store", state->name);
	if (!numapg_wal_staging_init((NumaPgWalStaging *) wal->base, wal->size))
		elog(FATAL, "numa_pg: region \"%s\" is too small for WAL staging", wal->name);
	for (int p = 0; p < numapg_shared->nproducer_nodes; p++)
	{
		NumaPgRegion *q = numapg_inbox_region_of(worker, p);
		uint32		capacity = 2;

		while (capacity < (UINT32_C(1) << 30) &&
			   (Size) numapg_spsc_size(capacity * 2, NUMAPG_QUEUE_SLOT_SIZE) <= q->size)
			capacity *= 2;
		if (!numapg_spsc_init((NumaPgSpscRing *) q->base, capacity,
							  NUMAPG_QUEUE_SLOT_SIZE) ||
			numapg_spsc_size(capacity, NUMAPG_QUEUE_SLOT_SIZE) > q->size)
			elog(FATAL, "numa_pg: region \"%s\" is too small for a queue", q->name);
	}
}

/*
 * Write everything staged in this worker's buffer to WAL as one logical
 * message, wait for it to reach disk, and empty the buffer.
 */
void
numapg_serve_flush(int worker)
{
	bool		wrote;

	(void) numapg_access_flush(worker, &wrote);
	first_staged_at = 0;
}

/* The name of an operation, for messages. */
static const char *
op_name(uint8 op)
{
	switch (op)
	{
		case NUMAPG_OP_PUT:
			return "put";
		case NUMAPG_OP_GET:
			return "get";
		case NUMAPG_OP_DELETE:
			return "delete";
		case NUMAPG_OP_FLUSH:
			return "flush";
	}
	return "malformed";
}

/*
 * Carry out one request and answer it, unless its backend has given up
 * on it: then it is skipped, so that a call that failed changes nothing.
 */
static void
handle(int worker, const NumaPgRequest *req, uint32 len)
{
	const char *key = req->data;
	const char *value = req->data + req->keylen;
	NumaPgStoreResult result;
	char		found[NUMAPG_STATE_MAX_DATA];
	uint32		vallen;
	bool		wrote;
	XLogRecPtr	lsn;

	if (len < offsetof(NumaPgRequest, data) ||
		len != offsetof(NumaPgRequest, data) + req->keylen + req->vallen)
	{
		numapg_reply(req, worker, NUMAPG_REPLY_BAD, NULL, 0, 0);
		return;
	}

	/* a request its backend gave up on (timeout, cancel) is not carried out */
	if (!numapg_request_take(req))
	{
		ereport(LOG,
				(errmsg("numa_pg worker %d skipped a %s request that its backend had given up on",
						worker, op_name(req->op))));
		return;
	}

	switch (req->op)
	{
		case NUMAPG_OP_PUT:
			result = numapg_access_put(worker, numapg_state_hash(key, req->keylen),
									   key, req->keylen, value, req->vallen);
			numapg_reply(req, worker,
						 result == NUMAPG_STORE_OK ? NUMAPG_REPLY_OK :
						 result == NUMAPG_STORE_FULL ? NUMAPG_REPLY_FULL :
						 NUMAPG_REPLY_TOO_LARGE, NULL, 0, 0);
			break;
		case NUMAPG_OP_GET:
			if (numapg_access_lookup(worker, key, req->keylen, found, &vallen) == NUMAPG_STORE_OK)
				numapg_reply(req, worker, NUMAPG_REPLY_OK, found, vallen, 0);
			else
				numapg_reply(req, worker, NUMAPG_REPLY_NOT_FOUND, NULL, 0, 0);
			break;
		case NUMAPG_OP_DELETE:
			numapg_reply(req, worker,
						 numapg_access_delete(worker, numapg_state_hash(key, req->keylen),
											  key, req->keylen) == NUMAPG_STORE_OK ?
						 NUMAPG_REPLY_OK : NUMAPG_REPLY_NOT_FOUND, NULL, 0, 0);
			break;
		case NUMAPG_OP_FLUSH:
			lsn = numapg_access_flush(worker, &wrote);
			first_staged_at = 0;
			numapg_reply(req, worker, NUMAPG_REPLY_OK, NULL, 0, lsn);
			break;
		default:
			numapg_reply(req, worker, NUMAPG_REPLY_BAD, NULL, 0, 0);
			break;
	}
}

/*
 * Drain the inbox (at most NUMAPG_SERVE_BATCH requests), and flush if the
 * flush delay has passed.  Returns how long the worker may sleep, in ms,
 * before the next flush is due: 0 if requests are still waiting.
 */
long
numapg_serve(int worker)
{
	union
	{
		NumaPgRequest req;
		char		bytes[NUMAPG_REQUEST_MAX];
	}			msg;
	uint32		len;
	bool		more = true;
	int			served = 0;

	/*
	 * Records staged by this worker's previous life (it restarted, or the
	 * server restored them after a crash) are due a delay from now.
	 */
	if (first_staged_at == 0 && numapg_wal_staged_bytes(numapg_staging_of(worker)) > 0)
		first_staged_at = GetCurrentTimestamp();

	/*
	 * At most NUMAPG_SERVE_BATCH requests per call, so that under constant
	 * load the caller still gets back to its shutdown and reload checks,
	 * and the flush delay below is still honoured.
	 */
	while (more && served < NUMAPG_SERVE_BATCH)
	{
		more = false;
		for (int p = 0; p < numapg_shared->nproducer_nodes; p++)
		{
			NumaPgSpscRing *ring = inbox_of(worker, p);

			/* a bounded batch per ring, so no node starves the others */
			for (int n = 0; n < 64; n++)
			{
				if (!numapg_spsc_pop(ring, &msg, sizeof(msg), &len))
				{
					if (len == 0)
						break;	/* empty */

					/*
					 * Longer than any request: a corrupted slot.  Nobody
					 * can be waiting for an answer we could give, and
					 * leaving it would block the ring for good: drop it.
					 */
					ereport(WARNING,
							(errcode(ERRCODE_DATA_CORRUPTED),
							 errmsg("numa_pg worker %d dropped a %u-byte message from inbox %d, longer than any request (%u bytes)",
									worker, (unsigned) len, p, (unsigned) sizeof(msg)),
							 errdetail("The queue's slot was corrupted; its backend, if any, gets a timeout.")));
					(void) numapg_spsc_skip(ring);
				}
				else
					handle(worker, &msg.req, len);
				served++;
				more = true;
			}
		}
		CHECK_FOR_INTERRUPTS();
	}

	/* a writer filled the buffer to half (and woke us): write it now */
	if (numapg_wal_staging_half_full(numapg_staging_of(worker)))
		numapg_serve_flush(worker);
	if (first_staged_at == 0 && numapg_wal_staged_bytes(numapg_staging_of(worker)) > 0)
		first_staged_at = GetCurrentTimestamp();

	if (first_staged_at != 0)
	{
		long		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(),
														   TimestampTzPlusMilliseconds(first_staged_at,
																					   numapg_wal_flush_delay_ms));

		if (left <= 0)
		{
			numapg_serve_flush(worker);
			left = 1000L;
		}
		return more ? 0L : left;
	}
	/* with more waiting, come back at once */
	return more ? 0L : 1000L;
}
