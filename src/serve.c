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
 * Surviving a crash.  When any server process dies unexpectedly, the
 * postmaster kills the others and recreates shared memory.  Just before
 * the old segment goes (an on_shmem_exit callback of the postmaster, which
 * runs before the segment is detached), every worker's state store entries
 * and staged WAL records that pass their checksums are copied into the
 * postmaster's private memory; once the new segment is placed, they are
 * put back.  An operation cut in half by the crash fails its checksum and
 * is dropped, and reported in the log.  A clean shutdown or restart
 * starts empty: the durable history is the WAL.
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
#include "request.h"
#include "serve.h"
#include "shmem.h"
#include "spsc.h"
#include "state_access.h"
#include "state_store.h"
#include "wal_staging.h"
#include "worker.h"

/* requests one numapg_serve() call carries out at most */
#define NUMAPG_SERVE_BATCH	1024

/* when the oldest unflushed record of this worker was staged */
static TimestampTz first_staged_at = 0;

static NumaPgSpscRing *
inbox_of(int worker, int producer)
{
	return (NumaPgSpscRing *)
		numapg_shared->regions[numapg_shared->workers[worker].first_queue_region + producer].base;
}

/*
 * Set up a worker's state store, WAL staging buffer and inbox rings in
 * their (placed, prefaulted) regions.  Postmaster, before workers start.
 */
void
numapg_serve_init_regions(int worker)
{
	NumaPgWorkerSlot *slot = &numapg_shared->workers[worker];
	NumaPgRegion *state = &numapg_shared->regions[slot->state_region];
	NumaPgRegion *wal = &numapg_shared->regions[slot->wal_region];

	if (!numapg_state_store_init((NumaPgStateStore *) state->base, state->size))
		elog(FATAL, "numa_pg: region \"%s\" is too small for a state store", state->name);
	if (!numapg_wal_staging_init((NumaPgWalStaging *) wal->base, wal->size))
		elog(FATAL, "numa_pg: region \"%s\" is too small for WAL staging", wal->name);
	for (int p = 0; p < numapg_shared->nproducer_nodes; p++)
	{
		NumaPgRegion *q = &numapg_shared->regions[slot->first_queue_region + p];
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
							(errmsg("numa_pg worker %d dropped a %u-byte message from inbox %d, longer than any request (%u bytes)",
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

/*---- surviving a crash-and-reinitialise of the postmaster ----*/

/* What one worker had, copied out of the old segment. */
typedef struct SavedWorker
{
	char	   *entries;		/* [uint16 keylen][uint32 vallen][key][value]... */
	size_t		entries_len;
	size_t		entries_cap;
	uint32		nentries;
	uint32		torn_entries;
	char	   *wal;			/* valid staged records, as they were */
	size_t		wal_len;
	uint64		wal_records;
	uint64		next_sequence;
	uint64		flushed_records;
	uint64		flushed_bytes;
	uint64		flushes;
	uint64		last_flush_lsn;
	bool		wal_torn;
} SavedWorker;

static SavedWorker *saved = NULL;
static int	nsaved = 0;

/* Visitor: append one valid entry to the saved copy (malloc: postmaster). */
static void
save_entry(void *arg, const void *key, uint32_t keylen, const void *value,
		   uint32_t vallen)
{
	SavedWorker *sw = arg;
	size_t		need = sizeof(uint16) + sizeof(uint32) + keylen + vallen;
	uint16		k = (uint16) keylen;
	uint32		v = vallen;

	if (sw->entries_len + need > sw->entries_cap)
	{
		size_t		cap = Max(sw->entries_cap * 2, sw->entries_len + need + 65536);
		char	   *grown = realloc(sw->entries, cap);

		if (grown == NULL)
			return;				/* out of memory: this entry is lost */
		sw->entries = grown;
		sw->entries_cap = cap;
	}
	memcpy(sw->entries + sw->entries_len, &k, sizeof(k));
	memcpy(sw->entries + sw->entries_len + sizeof(k), &v, sizeof(v));
	memcpy(sw->entries + sw->entries_len + sizeof(k) + sizeof(v), key, keylen);
	memcpy(sw->entries + sw->entries_len + sizeof(k) + sizeof(v) + keylen, value, vallen);
	sw->entries_len += need;
	sw->nentries++;
}

/*
 * Copy every worker's valid state entries and staged WAL records out of
 * the shared memory that is about to be recreated.  Postmaster only, with
 * every other process gone.
 */
void
numapg_serve_save_for_restart(void)
{
	if (numapg_shared == NULL || numapg_pool_nworkers() == 0)
		return;
	nsaved = numapg_pool_nworkers();
	saved = calloc(nsaved, sizeof(SavedWorker));
	if (saved == NULL)
	{
		nsaved = 0;
		return;
	}
	for (int w = 0; w < nsaved; w++)
	{
		SavedWorker *sw = &saved[w];
		NumaPgWalStaging *ws;
		NumaPgStateStore *store;
		char	   *base;
		Size		state_size,
					wal_size;
		size_t		off = 0;
		size_t		used;

		/*
		 * Addresses and sizes come from the postmaster's own plan; the
		 * headers inside the regions are checked against those sizes
		 * before anything in them is trusted.
		 */
		if (!numapg_planned_worker_region(w, NUMAPG_REGION_STATE_STORE, &base, &state_size))
			continue;
		store = (NumaPgStateStore *) base;
		if (!numapg_planned_worker_region(w, NUMAPG_REGION_WAL_STAGING, &base, &wal_size))
			continue;
		ws = (NumaPgWalStaging *) base;
		used = ws->capacity <= wal_size - offsetof(NumaPgWalStaging, data) &&
			ws->used <= ws->capacity ? ws->used : 0;

		/* the visitor trusts the header's capacity: check it first */
		if (numapg_state_store_looks_valid(store, state_size))
			sw->torn_entries = numapg_state_foreach_valid(store, save_entry, sw);
		while (off < used &&
			   numapg_wal_record_valid((NumaPgWalRecord *) (ws->data + off),
									   used - off))
		{
			off += ((NumaPgWalRecord *) (ws->data + off))->length;
			sw->wal_records++;
		}
		sw->wal_torn = off < used || used < ws->used;	/* or a bad header */
		sw->wal = malloc(Max(off, 1));
		if (sw->wal)
		{
			memcpy(sw->wal, ws->data, off);
			sw->wal_len = off;
		}
		else
			sw->wal_records = 0;
		sw->next_sequence = ws->next_sequence;
		sw->flushed_records = ws->flushed_records;
		sw->flushed_bytes = ws->flushed_bytes;
		sw->flushes = ws->flushes;
		sw->last_flush_lsn = ws->last_flush_lsn;
	}
}

/*
 * Put back what numapg_serve_save_for_restart() kept, into the fresh
 * regions, and say what was recovered and what was lost.  Postmaster only.
 */
void
numapg_serve_restore_after_restart(void)
{
	if (saved == NULL)
		return;
	for (int w = 0; w < nsaved && w < numapg_shared->nworkers; w++)
	{
		SavedWorker *sw = &saved[w];
		NumaPgStateStore *store = numapg_store_of(w);
		NumaPgWalStaging *ws = numapg_staging_of(w);
		size_t		off = 0;
		uint32		restored = 0;

		while (off < sw->entries_len)
		{
			uint16		keylen;
			uint32		vallen;
			bool		replaced;
			const char *key;

			memcpy(&keylen, sw->entries + off, sizeof(keylen));
			memcpy(&vallen, sw->entries + off + sizeof(keylen), sizeof(vallen));
			key = sw->entries + off + sizeof(keylen) + sizeof(vallen);
			if (numapg_store_put(store, key, keylen, key + keylen, vallen,
								 &replaced) == NUMAPG_STORE_OK && !replaced)
				restored++;
			off += sizeof(keylen) + sizeof(vallen) + keylen + vallen;
		}
		if (sw->wal_len <= ws->capacity)
		{
			memcpy(ws->data, sw->wal, sw->wal_len);
			ws->used = sw->wal_len;
			ws->staged_records = sw->wal_records;
		}
		ws->next_sequence = sw->next_sequence;
		ws->flushed_records = sw->flushed_records;
		ws->flushed_bytes = sw->flushed_bytes;
		ws->flushes = sw->flushes;
		ws->last_flush_lsn = sw->last_flush_lsn;

		ereport(LOG,
				(errmsg("numa_pg: worker %d kept %u state entries and %llu staged WAL records across the crash",
						w, restored, (unsigned long long) sw->wal_records)));
		if (sw->torn_entries > 0 || sw->wal_torn)
			ereport(WARNING,
					(errmsg("numa_pg: worker %d lost %u state entries and %s staged WAL record torn by the crash",
							w, sw->torn_entries, sw->wal_torn ? "one" : "no")));
		free(sw->entries);
		free(sw->wal);
	}
	free(saved);
	saved = NULL;
	nsaved = 0;
}
