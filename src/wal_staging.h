/*-------------------------------------------------------------------------
 *
 * wal_staging.h
 *		A worker's WAL staging buffer: change records appended locally, to
 *		be written to PostgreSQL's WAL in batches.
 *
 * Pure C (no PostgreSQL header), no pointers inside the region.
 *
 * IDENTIFICATION
 *	  src/wal_staging.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_WAL_STAGING_H
#define NUMAPG_WAL_STAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Operations a record describes. */
#define NUMAPG_WAL_PUT		1
#define NUMAPG_WAL_DELETE	2

/*
 * One record, as staged and as written into WAL (little-endian, the
 * machine's byte order), followed by key then value bytes, then padding to
 * 8 bytes.  Logical decoding consumers read a batch as a sequence of these.
 */
typedef struct NumaPgWalRecord
{
	uint32_t	length;			/* whole record, header + data + padding */
	uint32_t	crc;			/* CRC-32C of op..value, 0 before commit */
	uint64_t	sequence;		/* per worker, from 1, never reused */
	uint8_t		op;				/* NUMAPG_WAL_PUT or NUMAPG_WAL_DELETE */
	uint8_t		pad;
	uint16_t	keylen;
	uint32_t	vallen;
	/* key, then value, then zero padding to a multiple of 8 */
} NumaPgWalRecord;

typedef struct NumaPgWalStaging
{
	uint32_t	magic;
	uint32_t	pad;
	uint64_t	capacity;		/* bytes of data[] */
	uint64_t	used;			/* bytes staged, not yet flushed */
	uint64_t	staged_records; /* records staged, not yet flushed */
	uint64_t	next_sequence;
	/* statistics, for numa_workers() */
	uint64_t	flushed_records;
	uint64_t	flushed_bytes;
	uint64_t	flushes;
	uint64_t	last_flush_lsn;
	char		data[];			/* records, 8-byte aligned */
} NumaPgWalStaging;

/*
 * Bytes staged now.  May be read without the lock that writers hold: a
 * hint, for the owner to know when a flush is due.
 */
static inline uint64_t
numapg_wal_staged_bytes(const NumaPgWalStaging *ws)
{
	return __atomic_load_n(&ws->used, __ATOMIC_RELAXED);
}

/* Is the buffer at least half full?  The owner then writes it to WAL. */
static inline bool
numapg_wal_staging_half_full(const NumaPgWalStaging *ws)
{
	return numapg_wal_staged_bytes(ws) >= ws->capacity / 2;
}

extern bool numapg_wal_staging_init(NumaPgWalStaging *ws, size_t region_bytes);
extern size_t numapg_wal_record_size(uint32_t keylen, uint32_t vallen);
extern bool numapg_wal_stage(NumaPgWalStaging *ws, uint8_t op,
							 const void *key, uint16_t keylen,
							 const void *value, uint32_t vallen);
extern void numapg_wal_staging_flushed(NumaPgWalStaging *ws, uint64_t lsn);
extern bool numapg_wal_record_valid(const NumaPgWalRecord *rec, size_t avail);

#endif							/* NUMAPG_WAL_STAGING_H */
