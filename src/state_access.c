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
 * lines it touches, which is what NUMA placement is about.  The README's
 * "State store" section has the measurements.
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

#include "shmem.h"
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
	return (NumaPgStateStore *)
		numapg_shared->regions[numapg_shared->workers[worker].state_region].base;
}

/* A worker's WAL staging buffer. */
NumaPgWalStaging *
numapg_staging_of(int worker)
{
	return (NumaPgWalStaging *)
		numapg_shared->regions[numapg_shared->workers[worker].wal_region].base;
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
 * Read key's value from worker's store into value (room for
 * NUMAPG_STATE_MAX_DATA bytes): OK or NOT_FOUND.  Without a lock, unless
 * writers kept changing the store: then under its lock, shared.
 */
NumaPgStoreResult
numapg_access_read(int worker, const char *key, int keylen, char *value,
				   uint32 *vallen)
{
	const NumaPgStateStore *store = numapg_store_of(worker);
	NumaPgStoreResult result;

	result = numapg_store_read(store, key, keylen, value, vallen,
							   NUMAPG_STORE_READ_TRIES);
	if (result != NUMAPG_STORE_RETRY)
		return result;
	LWLockAcquire(store_lock(worker), LW_SHARED);
	result = numapg_store_read(store, key, keylen, value, vallen, 1);
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
 * Set key to value in worker's store, and stage the change's WAL record:
 * OK, FULL (a new key and the store holds its most entries) or TOO_LARGE;
 * a refused put changes nothing.
 */
NumaPgStoreResult
numapg_access_put(int worker, const char *key, int keylen, const char *value,
				  int vallen)
{
	NumaPgStateStore *store = numapg_store_of(worker);
	NumaPgWalStaging *ws = numapg_staging_of(worker);
	StagingOutcome outcome = {false, InvalidXLogRecPtr};
	NumaPgStoreResult result;
	bool		replaced;

	if ((uint32) vallen > numapg_state_max_value(keylen))
		return NUMAPG_STORE_TOO_LARGE;
	LWLockAcquire(store_lock(worker), LW_EXCLUSIVE);
	make_room(ws, keylen, vallen, &outcome);
	result = numapg_store_put(store, key, keylen, value, vallen, &replaced);
	if (result == NUMAPG_STORE_OK)
		stage(ws, NUMAPG_WAL_PUT, key, keylen, value, vallen, &outcome);
	LWLockRelease(store_lock(worker));
	finish(worker, &outcome);
	return result;
}

/*
 * Remove key from worker's store, and stage the deletion's WAL record:
 * OK, or NOT_FOUND (nothing changed, nothing staged).
 */
NumaPgStoreResult
numapg_access_delete(int worker, const char *key, int keylen)
{
	NumaPgStateStore *store = numapg_store_of(worker);
	NumaPgWalStaging *ws = numapg_staging_of(worker);
	StagingOutcome outcome = {false, InvalidXLogRecPtr};
	NumaPgStoreResult result;

	LWLockAcquire(store_lock(worker), LW_EXCLUSIVE);
	make_room(ws, keylen, 0, &outcome);
	result = numapg_store_delete(store, key, keylen);
	if (result == NUMAPG_STORE_OK)
		stage(ws, NUMAPG_WAL_DELETE, key, keylen, NULL, 0, &outcome);
	LWLockRelease(store_lock(worker));
	finish(worker, &outcome);
	return result;
}

/*
 * Order of a batch's items: by store, then by key (hash, length, bytes),
 * then as given, so that the puts of one key stay in the caller's order
 * and the last one wins.
 */
static int
item_order(const void *a, const void *b, void *arg)
{
	const NumaPgPutItem *items = arg;
	const NumaPgPutItem *x = &items[*(const int *) a];
	const NumaPgPutItem *y = &items[*(const int *) b];
	int			c;

	if (x->worker != y->worker)
		return x->worker < y->worker ? -1 : 1;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->keylen != y->keylen)
		return x->keylen < y->keylen ? -1 : 1;
	c = memcmp(x->key, y->key, x->keylen);
	if (c != 0)
		return c;
	return *(const int *) a < *(const int *) b ? -1 : 1;
}

/* Do two items have the same key? */
static inline bool
same_key(const NumaPgPutItem *x, const NumaPgPutItem *y)
{
	return x->hash == y->hash && x->keylen == y->keylen &&
		memcmp(x->key, y->key, x->keylen) == 0;
}

/*
 * Apply the items order[first..last) (in store order) in one go: lock
 * their stores, in ascending order (so that two batches cannot deadlock;
 * a single put holds one lock only); check that every store has room for
 * the keys new to it, refusing the whole part with FULL (*full_worker
 * says which store) if one has not; then put and stage each, and unlock.
 */
static NumaPgStoreResult
put_part(NumaPgPutItem *items, const int *order, int first, int last,
		 int *full_worker)
{
	int			locked[BATCH_MAX_LOCKS];
	StagingOutcome outcome[BATCH_MAX_LOCKS];
	int			nlocked = 0;
	int			i = first;

	/* lock each store and count the distinct keys new to it */
	while (i < last)
	{
		int			worker = items[order[i]].worker;
		NumaPgStateStore *store = numapg_store_of(worker);
		NumaPgStateStats stats;
		uint64		fresh = 0;

		LWLockAcquire(store_lock(worker), LW_EXCLUSIVE);
		locked[nlocked] = worker;
		outcome[nlocked].wake = false;
		outcome[nlocked].written = InvalidXLogRecPtr;
		nlocked++;
		for (; i < last && items[order[i]].worker == worker; i++)
		{
			const NumaPgPutItem *it = &items[order[i]];

			if (i > first && items[order[i - 1]].worker == worker &&
				same_key(&items[order[i - 1]], it))
				continue;
			if (!numapg_store_contains(store, it->key, it->keylen))
				fresh++;
		}
		numapg_state_stats(store, &stats);
		if (stats.entries + fresh > stats.max_entries)
		{
			/* refuse the whole part: nothing is changed yet */
			numapg_store_count_refusal(store);
			for (int l = nlocked - 1; l >= 0; l--)
				LWLockRelease(store_lock(locked[l]));
			*full_worker = worker;
			return NUMAPG_STORE_FULL;
		}
	}

	/* every store has room: nothing below is refused */
	for (int l = 0, k = first; l < nlocked; l++)
	{
		int			worker = locked[l];
		NumaPgStateStore *store = numapg_store_of(worker);
		NumaPgWalStaging *ws = numapg_staging_of(worker);

		for (; k < last && items[order[k]].worker == worker; k++)
		{
			const NumaPgPutItem *it = &items[order[k]];
			bool		replaced;

			make_room(ws, it->keylen, it->vallen, &outcome[l]);
			if (numapg_store_put(store, it->key, it->keylen, it->value,
								 it->vallen, &replaced) != NUMAPG_STORE_OK)
				elog(PANIC, "numa_pg: a put checked to fit was refused");
			stage(ws, NUMAPG_WAL_PUT, it->key, it->keylen, it->value,
				  it->vallen, &outcome[l]);
		}
	}
	for (int l = nlocked - 1; l >= 0; l--)
		LWLockRelease(store_lock(locked[l]));
	for (int l = 0; l < nlocked; l++)
		finish(locked[l], &outcome[l]);
	return NUMAPG_STORE_OK;
}

/*
 * Put many keys at once, each into its worker's store (items[].worker and
 * .hash filled in by the caller; every key and value already checked for
 * size).  All or nothing: if a store has no room for the keys new to it,
 * FULL, *full_worker says which, and nothing is changed.  A key given
 * twice takes the value given last.  The stores are locked together for
 * the whole batch, so others' writes to them wait for it; a batch over
 * more than BATCH_MAX_LOCKS stores is applied in parts of that many
 * stores, each all or nothing (a later part refused leaves the earlier
 * ones applied).
 */
NumaPgStoreResult
numapg_access_put_many(NumaPgPutItem *items, int n, int *full_worker)
{
	int		   *order;
	int			first = 0;
	NumaPgStoreResult result = NUMAPG_STORE_OK;

	if (n == 0)
		return NUMAPG_STORE_OK;
	order = palloc(sizeof(int) * n);
	for (int i = 0; i < n; i++)
		order[i] = i;
	qsort_arg(order, n, sizeof(int), item_order, items);

	while (first < n && result == NUMAPG_STORE_OK)
	{
		int			last = first;
		int			stores = 0;

		for (; last < n; last++)
		{
			if (last == first || items[order[last]].worker != items[order[last - 1]].worker)
			{
				if (stores == BATCH_MAX_LOCKS)
					break;
				stores++;
			}
		}
		result = put_part(items, order, first, last, full_worker);
		first = last;
	}
	pfree(order);
	return result;
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

	LWLockAcquire(store_lock(worker), LW_EXCLUSIVE);
	lsn = numapg_wal_write_batch(ws);
	last = ws->last_flush_lsn;
	LWLockRelease(store_lock(worker));
	*wrote = lsn != InvalidXLogRecPtr;
	if (*wrote)
		XLogFlush(lsn);
	return last;
}
