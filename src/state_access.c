/*-------------------------------------------------------------------------
 *
 * state_access.c
 *		The workers' state stores, reached from any process of the server:
 *		which store owns a key, and reading, putting and deleting keys in
 *		it.
 *
 * Routing: a key belongs to worker (high 32 bits of its hash) mod workers;
 * the store uses the low bits, so the two do not correlate.
 *
 * Reads take no lock: numapg_store_read() validates what it copied against
 * the store's seq counter (seqlock style), and only if writers kept
 * changing the store through NUMAPG_STORE_READ_TRIES tries does the
 * reader take the store's lock, shared, and read again.
 *
 * Writes are made by the calling process itself, under the store's lock
 * (an LWLock per store, exclusive): the change to the store, and its
 * record staged in the owner's WAL staging buffer, so that records are in
 * the order of the changes.  Room for the record is made before the store
 * changes (writing the staged batch to WAL if the record does not fit),
 * so that a put refused as full or too large changes nothing, and a change
 * that is made is always staged.  Nothing between the lock and its release
 * can raise an error but the WAL insertion of a batch, which happens
 * before the change.  The owner worker writes what is staged to WAL: the
 * writer that stages a buffer's first record, or fills it to half, sets
 * the worker's latch, and the worker flushes the batch once
 * numa_pg.wal_flush_delay has passed or at once when half full.  A writer
 * that writes a batch itself (its record did not fit) waits for that WAL
 * to reach disk after it has released the lock, as the worker does.
 *
 * Why the caller writes, rather than its worker (a request through the
 * inbox, the path of numa_pg.direct_writes = off): a request costs two
 * sleeps and two wake-ups, tens of microseconds, for a change that costs
 * a few hundred nanoseconds; the store's memory stays on the owner's node
 * all the same, and a writer on another node pays for the remote cache
 * lines it touches, which is what NUMA placement is about.  doc/state.md
 * has the measurements.
 *
 * IDENTIFICATION
 *	  src/state_access.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "storage/lwlock.h"

#include "registry.h"
#include "state_access.h"
#include "wal_batch.h"

/* Most stores a batch put locks at once (PostgreSQL allows 200 LWLocks). */
#define BATCH_MAX_LOCKS		128

/* The worker that owns a key of this hash. */
int
numapg_worker_for_hash(uint64 hash)
{
	return (int) ((hash >> 32) % (uint64) numapg_shared->nworkers);
}

/* The worker that owns a key. */
int
numapg_worker_for_key(const char *key, int keylen)
{
	return numapg_worker_for_hash(numapg_state_hash(key, keylen));
}

/* A worker's state store. */
NumaPgStateStore *
numapg_store_of(int worker)
{
	return (NumaPgStateStore *) numapg_state_region_of(worker)->base;
}

/* A worker's WAL staging buffer. */
NumaPgWalStaging *
numapg_staging_of(int worker)
{
	return (NumaPgWalStaging *) numapg_wal_region_of(worker)->base;
}

/*
 * Can worker, which writes the WAL of the changes to its store, run?  Not
 * when its last starts failed before it reached numa_pg.database.  Read
 * without the lock: a hint, one shared cache line that changes only when
 * the worker starts or stops.
 */
bool
numapg_owner_can_run(int worker)
{
	volatile NumaPgWorkerSlot *slot = &numapg_shared->workers[worker];

	return likely(slot->failed_starts == 0 || slot->connected);
}

/* The lock that writers of a worker's store (and its staging) hold. */
static inline LWLock *
store_lock(int worker)
{
	return &numapg_shared->store_locks[worker].lock;
}

/*
 * How a writer that finds its store's lock taken waits: it tries again up
 * to STORE_LOCK_TRIES times, STORE_LOCK_PAUSES spin-wait hints apart (a
 * few microseconds in all), before it queues and sleeps in
 * LWLockAcquire().  A writer holds the lock for well under a microsecond,
 * and a sleep costs a futex wait, a wake-up by the releaser and two
 * context switches: with two backends putting keys in one statement each,
 * LWLockAcquire() alone made them slower together than one alone (400,000
 * puts: 490 to 550 ms each, against 210 to 280 ms for one).
 */
#define STORE_LOCK_TRIES	32
#define STORE_LOCK_PAUSES	8

/*
 * Take worker's store lock, exclusive, as a writer: spinning a bounded
 * while before sleeping (above).
 */
static void
lock_store(int worker)
{
	LWLock	   *lock = store_lock(worker);

	for (int i = 0; i < STORE_LOCK_TRIES; i++)
	{
		if (LWLockConditionalAcquire(lock, LW_EXCLUSIVE))
			return;
		for (int j = 0; j < STORE_LOCK_PAUSES; j++)
			pg_spin_delay();
	}
	LWLockAcquire(lock, LW_EXCLUSIVE);
}

/*
 * Read key's value (hash is its numapg_state_hash(), which routed it to
 * worker) from worker's store into value (room for NUMAPG_STATE_MAX_DATA
 * bytes): OK or NOT_FOUND.  Without a lock, unless writers kept changing
 * the store: then under its lock, shared.
 */
NumaPgStoreResult
numapg_access_read(int worker, uint64 hash, const char *key, int keylen,
				   char *value, uint32 *vallen)
{
	const NumaPgStateStore *store = numapg_store_of(worker);
	NumaPgStoreResult result;

	result = numapg_store_read_hashed(store, hash, key, keylen, value, vallen,
									  NUMAPG_STORE_READ_TRIES);
	if (result != NUMAPG_STORE_RETRY)
		return result;
	LWLockAcquire(store_lock(worker), LW_SHARED);
	result = numapg_store_read_hashed(store, hash, key, keylen, value, vallen, 1);
	LWLockRelease(store_lock(worker));
	if (result == NUMAPG_STORE_RETRY)
		elog(ERROR, "numa_pg: worker %d's state store changed under its lock", worker);
	return result;
}

/*
 * The owner's lookup, counted in the store's statistics (a get through the
 * worker): copy key's value into value, OK or NOT_FOUND.  Under the
 * store's lock, shared: the writers are other processes.
 */
NumaPgStoreResult
numapg_access_lookup(int worker, const char *key, int keylen, char *value,
					 uint32 *vallen)
{
	const void *found;

	LWLockAcquire(store_lock(worker), LW_SHARED);
	found = numapg_store_lookup(numapg_store_of(worker), key, keylen, vallen);
	if (found)
		memcpy(value, found, *vallen);
	LWLockRelease(store_lock(worker));
	return found ? NUMAPG_STORE_OK : NUMAPG_STORE_NOT_FOUND;
}

/* Set worker's latch, if it runs, so that it looks at its staged WAL. */
static void
wake_owner(int worker)
{
	Latch	   *latch;

	LWLockAcquire(numapg_shared->lock, LW_SHARED);
	latch = numapg_shared->workers[worker].latch;
	if (latch && latch != MyLatch)
		SetLatch(latch);
	LWLockRelease(numapg_shared->lock);
}

/*
 * What staging one record did to a buffer: whether its owner must be told
 * (the buffer was empty, or is now half full for the first time), and the
 * LSN of a batch written to make room (InvalidXLogRecPtr if none).
 */
typedef struct StagingOutcome
{
	bool		wake;
	XLogRecPtr	written;
} StagingOutcome;

/*
 * Make room in ws for a record of these sizes, before the store changes:
 * write the staged batch to WAL if the record would not fit.
 */
static void
make_room(NumaPgWalStaging *ws, uint32 keylen, uint32 vallen,
		  StagingOutcome *outcome)
{
	XLogRecPtr	lsn = numapg_wal_make_room(ws, keylen, vallen);

	if (lsn > outcome->written)
		outcome->written = lsn;
}

/* Stage the record of a change just made; room was made for it. */
static void
stage(NumaPgWalStaging *ws, uint8 op, const char *key, uint16 keylen,
	  const char *value, uint32 vallen, StagingOutcome *outcome)
{
	bool		was_empty = ws->used == 0;
	bool		was_half = numapg_wal_staging_half_full(ws);

	if (!numapg_wal_stage(ws, op, key, keylen, value, vallen))
		elog(PANIC, "numa_pg: no room for a WAL record after making room for it");
	if (was_empty || (!was_half && numapg_wal_staging_half_full(ws)))
		outcome->wake = true;
}

/* After the lock is released: tell the owner, wait for a batch written. */
static void
finish(int worker, const StagingOutcome *outcome)
{
	if (outcome->wake)
		wake_owner(worker);
	if (outcome->written != InvalidXLogRecPtr)
		XLogFlush(outcome->written);
}

/*
 * Take worker's store lock (exclusive) for a put of the key of this hash,
 * and start the key's two cache misses early: its index entry before the
 * lock, so that fetching it overlaps taking the lock, and the slot that
 * entry names once the lock is held, so that fetching it overlaps making
 * room in the staging buffer.  (20,000 puts in one statement: 8.2 to 9.4
 * ms against 8.9 to 10.2 without.  A delete does not: it measured 3 to 6%
 * slower with it, its last slot being the other miss.)
 */
static inline void
lock_for_put(NumaPgStateStore *store, int worker, uint64 hash)
{
	numapg_store_prefetch(store, hash);
	lock_store(worker);
	numapg_store_prefetch_slot(store, hash);
}

/*
 * Set key to value in worker's store (hash is the key's
 * numapg_state_hash(), which routed it there), and stage the change's WAL
 * record: OK, FULL (a new key and the store holds its most entries) or
 * TOO_LARGE; a refused put changes nothing.
 */
NumaPgStoreResult
numapg_access_put(int worker, uint64 hash, const char *key, int keylen,
				  const char *value, int vallen)
{
	NumaPgStateStore *store = numapg_store_of(worker);
	NumaPgWalStaging *ws = numapg_staging_of(worker);
	StagingOutcome outcome = {false, InvalidXLogRecPtr};
	NumaPgStoreResult result;
	bool		replaced;

	if ((uint32) vallen > numapg_state_max_value(keylen))
		return NUMAPG_STORE_TOO_LARGE;
	lock_for_put(store, worker, hash);
	make_room(ws, keylen, vallen, &outcome);
	result = numapg_store_put_hashed(store, hash, key, keylen, value, vallen,
									 &replaced);
	if (result == NUMAPG_STORE_OK)
		stage(ws, NUMAPG_WAL_PUT, key, keylen, value, vallen, &outcome);
	LWLockRelease(store_lock(worker));
	finish(worker, &outcome);
	return result;
}

/*
 * Remove key (of this numapg_state_hash()) from worker's store, and stage
 * the deletion's WAL record: OK, or NOT_FOUND (nothing changed, nothing
 * staged).
 */
NumaPgStoreResult
numapg_access_delete(int worker, uint64 hash, const char *key, int keylen)
{
	NumaPgStateStore *store = numapg_store_of(worker);
	NumaPgWalStaging *ws = numapg_staging_of(worker);
	StagingOutcome outcome = {false, InvalidXLogRecPtr};
	NumaPgStoreResult result;

	lock_store(worker);
	make_room(ws, keylen, 0, &outcome);
	result = numapg_store_delete_hashed(store, hash, key, keylen);
	if (result == NUMAPG_STORE_OK)
		stage(ws, NUMAPG_WAL_DELETE, key, keylen, NULL, 0, &outcome);
	LWLockRelease(store_lock(worker));
	finish(worker, &outcome);
	return result;
}

/*
 * Order of keys, for counting a batch's distinct new keys: by hash,
 * length, bytes.
 */
static int
key_order(const void *a, const void *b, void *arg)
{
	const NumaPgPutItem *items = arg;
	const NumaPgPutItem *x = &items[*(const int *) a];
	const NumaPgPutItem *y = &items[*(const int *) b];

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->keylen != y->keylen)
		return x->keylen < y->keylen ? -1 : 1;
	return memcmp(x->key, y->key, x->keylen);
}

/*
 * While a batch walks its keys (a put's items, a get's keys), the index
 * entries of the keys this far ahead are prefetched, and the slots of
 * those this far ahead.
 */
#define BATCH_PREFETCH_INDEX	16
#define BATCH_PREFETCH_SLOT		8

/* Prefetch for item i of n (items idx[]) what it will need soon after. */
static inline void
batch_prefetch(const NumaPgStateStore *store, const NumaPgPutItem *items,
			   const int *idx, int i, int n)
{
	if (i + BATCH_PREFETCH_INDEX < n)
		numapg_store_prefetch(store, items[idx[i + BATCH_PREFETCH_INDEX]].hash);
	if (i + BATCH_PREFETCH_SLOT < n)
		numapg_store_prefetch_slot(store, items[idx[i + BATCH_PREFETCH_SLOT]].hash);
}

/*
 * Has store room for the keys of items idx[0..n) (the batch's keys for
 * it) that are new to it, a key given twice counted once?  Quick when it
 * has room for them counted with their repeats; only near the fill limit
 * are the new keys sorted to count them exactly.
 */
static bool
has_room(NumaPgStateStore *store, NumaPgPutItem *items, const int *idx, int n)
{
	NumaPgStateStats stats;
	int		   *fresh = palloc(sizeof(int) * Max(n, 1));
	int			nfresh = 0;
	int			distinct;

	for (int i = 0; i < n; i++)
	{
		const NumaPgPutItem *it = &items[idx[i]];

		batch_prefetch(store, items, idx, i, n);
		if (!numapg_store_contains_hashed(store, it->hash, it->key, it->keylen))
			fresh[nfresh++] = idx[i];
	}
	numapg_state_stats(store, &stats);
	if (stats.entries + nfresh <= stats.max_entries)
	{
		pfree(fresh);
		return true;
	}
	qsort_arg(fresh, nfresh, sizeof(int), key_order, items);
	distinct = nfresh > 0 ? 1 : 0;
	for (int i = 1; i < nfresh; i++)
		if (key_order(&fresh[i - 1], &fresh[i], items) != 0)
			distinct++;
	pfree(fresh);
	return stats.entries + distinct <= stats.max_entries;
}

/*
 * Apply the items of the stores first_store..last_store - 1 in one go
 * (idx[start[w]..start[w + 1]) are store w's, in the caller's order): lock
 * the stores, in ascending order (so that two batches cannot deadlock; a
 * single put holds one lock only); check that each has room for the keys
 * new to it, refusing the whole part with FULL (*full_worker says which
 * store) if one has not; then put and stage each, in order, and unlock.
 */
static NumaPgStoreResult
put_part(NumaPgPutItem *items, const int *idx, const int *start,
		 int first_store, int last_store, int *full_worker)
{
	StagingOutcome outcome[BATCH_MAX_LOCKS];
	int			nlocked = 0;

	for (int w = first_store; w < last_store; w++)
	{
		if (start[w] == start[w + 1])
			continue;
		lock_store(w);
		nlocked++;
		if (!has_room(numapg_store_of(w), items, idx + start[w],
					  start[w + 1] - start[w]))
		{
			/* refuse the whole part: nothing is changed yet */
			numapg_store_count_refusal(numapg_store_of(w));
			for (int l = w; l >= first_store; l--)
				if (start[l] != start[l + 1])
					LWLockRelease(store_lock(l));
			*full_worker = w;
			return NUMAPG_STORE_FULL;
		}
	}

	/* every store has room: nothing below is refused */
	for (int w = first_store; w < last_store; w++)
	{
		NumaPgStateStore *store = numapg_store_of(w);
		NumaPgWalStaging *ws = numapg_staging_of(w);
		StagingOutcome *out = &outcome[w - first_store];

		out->wake = false;
		out->written = InvalidXLogRecPtr;
		for (int i = start[w]; i < start[w + 1]; i++)
		{
			const NumaPgPutItem *it = &items[idx[i]];
			bool		replaced;

			batch_prefetch(store, items, idx, i, start[w + 1]);
			make_room(ws, it->keylen, it->vallen, out);
			if (numapg_store_put_hashed(store, it->hash, it->key, it->keylen,
										it->value, it->vallen,
										&replaced) != NUMAPG_STORE_OK)
				elog(PANIC, "numa_pg: a put checked to fit was refused");
			stage(ws, NUMAPG_WAL_PUT, it->key, it->keylen, it->value,
				  it->vallen, out);
		}
	}
	for (int w = last_store - 1; w >= first_store; w--)
		if (start[w] != start[w + 1])
			LWLockRelease(store_lock(w));
	for (int w = first_store; w < last_store; w++)
		if (start[w] != start[w + 1])
			finish(w, &outcome[w - first_store]);
	return NUMAPG_STORE_OK;
}

/*
 * Put many keys at once, each into its worker's store (items[].worker and
 * .hash filled in by the caller; every key and value already checked for
 * size).  All or nothing: if a store has no room for the keys new to it,
 * FULL, *full_worker says which, and nothing is changed.  A key given
 * twice takes the value given last.  The stores are locked together for
 * the whole batch, so others' writes to them wait for it; a pool of more
 * than BATCH_MAX_LOCKS workers has its stores written in parts of that
 * many, each all or nothing (a later part refused leaves the earlier ones
 * applied).
 */
NumaPgStoreResult
numapg_access_put_many(NumaPgPutItem *items, int n, int *full_worker)
{
	int			nworkers = numapg_shared->nworkers;
	int		   *start = palloc0(sizeof(int) * (nworkers + 1));
	int		   *idx = palloc(sizeof(int) * Max(n, 1));
	NumaPgStoreResult result = NUMAPG_STORE_OK;

	/* the items grouped by store, each group in the caller's order */
	for (int i = 0; i < n; i++)
		start[items[i].worker + 1]++;
	for (int w = 0; w < nworkers; w++)
		start[w + 1] += start[w];
	{
		int		   *next = palloc(sizeof(int) * nworkers);

		memcpy(next, start, sizeof(int) * nworkers);
		for (int i = 0; i < n; i++)
			idx[next[items[i].worker]++] = i;
		pfree(next);
	}

	for (int first = 0; first < nworkers && result == NUMAPG_STORE_OK;
		 first += BATCH_MAX_LOCKS)
		result = put_part(items, idx, start, first,
						  Min(first + BATCH_MAX_LOCKS, nworkers), full_worker);
	pfree(start);
	pfree(idx);
	return result;
}

/*
 * For a batch get about to read key i of n (keys routed to workers[],
 * hashed to hashes[]): prefetch the index entry of the key
 * BATCH_PREFETCH_INDEX ahead, and the slot of the one BATCH_PREFETCH_SLOT
 * ahead, whose entry came in earlier.  i may be negative, for the first
 * keys (numapg_access_prefetch_first()).
 */
void
numapg_access_prefetch_ahead(const int *workers, const uint64 *hashes,
							 int i, int n)
{
	int			entry = i + BATCH_PREFETCH_INDEX;
	int			slot = i + BATCH_PREFETCH_SLOT;

	if (entry >= 0 && entry < n)
		numapg_store_prefetch(numapg_store_of(workers[entry]), hashes[entry]);
	if (slot >= 0 && slot < n)
		numapg_store_prefetch_slot(numapg_store_of(workers[slot]), hashes[slot]);
}

/* Before a batch get reads its first key: what the keys before it would. */
void
numapg_access_prefetch_first(const int *workers, const uint64 *hashes, int n)
{
	for (int i = -BATCH_PREFETCH_INDEX; i < 0; i++)
		numapg_access_prefetch_ahead(workers, hashes, i, n);
}

/*
 * Write what worker's buffer has staged to WAL as one batch and wait for
 * it to reach disk (*wrote says whether there was anything).  Returns the
 * end of the last batch written, by anyone.  For the owner, and
 * numa_state_flush().
 */
XLogRecPtr
numapg_access_flush(int worker, bool *wrote)
{
	NumaPgWalStaging *ws = numapg_staging_of(worker);
	XLogRecPtr	lsn;
	XLogRecPtr	last;

	lock_store(worker);
	lsn = numapg_wal_write_batch(ws);
	last = ws->last_flush_lsn;
	LWLockRelease(store_lock(worker));
	*wrote = lsn != InvalidXLogRecPtr;
	if (*wrote)
		XLogFlush(lsn);
	return last;
}
