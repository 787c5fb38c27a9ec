/*-------------------------------------------------------------------------
 *
 * crash_keep.c
 *		Keep the workers' state stores and staged WAL across a crash of
 *		any server process.
 *
 * When any server process dies unexpectedly, the
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
 *	  src/crash_keep.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "crash_keep.h"
#include "layout.h"
#include "pool_plan.h"
#include "registry.h"
#include "state_access.h"
#include "state_store.h"
#include "wal_staging.h"

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
numapg_crash_keep_save(void)
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
 * Put back what numapg_crash_keep_save() kept, into the fresh
 * regions, and say what was recovered and what was lost.  Postmaster only.
 */
void
numapg_crash_keep_restore(void)
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
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("numa_pg: worker %d lost %u state entries and %s staged WAL record torn by the crash",
							w, sw->torn_entries, sw->wal_torn ? "one" : "no")));
		free(sw->entries);
		free(sw->wal);
	}
	free(saved);
	saved = NULL;
	nsaved = 0;
}
