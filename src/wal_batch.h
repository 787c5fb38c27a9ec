/*-------------------------------------------------------------------------
 *
 * wal_batch.h
 *		Writing a WAL staging buffer's records to PostgreSQL's WAL, as one
 *		logical message per batch.
 *
 * IDENTIFICATION
 *	  src/wal_batch.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_WAL_BATCH_H
#define NUMAPG_WAL_BATCH_H

#include "postgres.h"

#include "access/xlogdefs.h"

#include "wal_staging.h"

/* The prefix of numa_pg's logical messages in WAL. */
#define NUMAPG_WAL_PREFIX "numa_pg"

extern XLogRecPtr numapg_wal_write_batch(NumaPgWalStaging *ws);
extern XLogRecPtr numapg_wal_make_room(NumaPgWalStaging *ws, uint32 keylen,
									   uint32 vallen);

#endif							/* NUMAPG_WAL_BATCH_H */
