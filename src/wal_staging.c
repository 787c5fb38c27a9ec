/*-------------------------------------------------------------------------
 *
 * wal_staging.c
 *		A worker's WAL staging buffer: change records appended locally, to
 *		be written to PostgreSQL's WAL in batches.
 *
 * The buffer lives on the worker's NUMA node, beside its state store, and
 * whoever changes the store stages the change's record here under the
 * same lock (state_access.c), so that records are in the order of the
 * changes.  Appending a record is a copy; everything staged goes to WAL
 * as one logical message (prefix "numa_pg", wal_batch.c) when the buffer
 * is half full, when numa_pg.wal_flush_delay has passed, on request, or
 * when a record does not fit, and numapg_wal_staging_flushed() then
 * empties it.  The used byte count may be read without the lock
 * (numapg_wal_staged_bytes()), as a hint of when to flush.
 *
 * Each record carries a CRC-32C, written last, so that after a crash the
 * records that were completely staged can be told from a torn last one.
 *
 * IDENTIFICATION
 *	  src/wal_staging.c
 *
 *-------------------------------------------------------------------------
 */
#include "wal_staging.h"

#include "crc32c.h"

#include <string.h>

#define WAL_STAGING_MAGIC 0x4e505753	/* "NPWS" */

/* Set up an empty buffer filling region_bytes; false if too small. */
bool
numapg_wal_staging_init(NumaPgWalStaging *ws, size_t region_bytes)
{
	if (region_bytes < sizeof(NumaPgWalStaging) + 1024)
		return false;
	memset(ws, 0, sizeof(NumaPgWalStaging));
	ws->magic = WAL_STAGING_MAGIC;
	ws->capacity = (region_bytes - sizeof(NumaPgWalStaging)) & ~(uint64_t) 7;
	ws->next_sequence = 1;
	return true;
}

/* Bytes a record of these sizes takes in the buffer. */
size_t
numapg_wal_record_size(uint32_t keylen, uint32_t vallen)
{
	return (sizeof(NumaPgWalRecord) + keylen + vallen + 7) & ~(size_t) 7;
}

/* CRC of a record's contents after the crc field. */
static uint32_t
record_crc(const NumaPgWalRecord *rec)
{
	const char *start = (const char *) &rec->sequence;
	size_t		len = sizeof(NumaPgWalRecord) - offsetof(NumaPgWalRecord, sequence)
		+ rec->keylen + rec->vallen;

	return numapg_crc32c(start, len);
}

/*
 * Append a record.  Returns false, staging nothing, when it does not fit:
 * the caller flushes and tries again.
 */
bool
numapg_wal_stage(NumaPgWalStaging *ws, uint8_t op, const void *key,
				 uint16_t keylen, const void *value, uint32_t vallen)
{
	size_t		size = numapg_wal_record_size(keylen, vallen);
	NumaPgWalRecord *rec;
	char	   *payload;

	if (size > ws->capacity - ws->used)
		return false;
	rec = (NumaPgWalRecord *) (ws->data + ws->used);
	rec->crc = 0;
	rec->sequence = ws->next_sequence;
	rec->op = op;
	rec->pad = 0;
	rec->keylen = keylen;
	rec->vallen = vallen;
	payload = (char *) (rec + 1);
	memcpy(payload, key, keylen);
	if (vallen > 0)
		memcpy(payload + keylen, value, vallen);
	memset(payload + keylen + vallen, 0,
		   size - sizeof(NumaPgWalRecord) - keylen - vallen);
	rec->length = (uint32_t) size;
	rec->crc = record_crc(rec);

	ws->next_sequence++;
	/* read without the lock by the owner, to know when to flush */
	__atomic_store_n(&ws->used, ws->used + size, __ATOMIC_RELAXED);
	ws->staged_records++;
	return true;
}

/* Everything staged is now in WAL up to lsn: empty the buffer. */
void
numapg_wal_staging_flushed(NumaPgWalStaging *ws, uint64_t lsn)
{
	ws->flushed_records += ws->staged_records;
	ws->flushed_bytes += ws->used;
	ws->flushes++;
	ws->last_flush_lsn = lsn;
	__atomic_store_n(&ws->used, 0, __ATOMIC_RELAXED);
	ws->staged_records = 0;
}

/* Is the record at rec, with avail bytes after it, whole and intact? */
bool
numapg_wal_record_valid(const NumaPgWalRecord *rec, size_t avail)
{
	if (avail < sizeof(NumaPgWalRecord) || rec->length > avail ||
		rec->length != numapg_wal_record_size(rec->keylen, rec->vallen))
		return false;
	return rec->crc == record_crc(rec);
}
