/*-------------------------------------------------------------------------
 *
 * wal_batch.c
 *		Writing a WAL staging buffer's records to PostgreSQL's WAL, as one
 *		logical message per batch.
 *
 * A batch is everything staged in a buffer, written as one
 * non-transactional logical message with prefix "numa_pg", so that
 * logical decoding consumers can follow the change stream.  Whoever
 * writes a batch holds the buffer's store lock (state_access.c) and waits
 * for the WAL to reach disk, if it must, only after releasing it: these
 * functions only insert.  numa_bench_wal() times the same functions.
 *
 * IDENTIFICATION
 *	  src/wal_batch.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "replication/message.h"

#include "compat.h"
#include "wal_batch.h"

/*
 * Write everything staged in ws to WAL as one non-transactional logical
 * message with prefix "numa_pg", and empty the buffer.  Returns the
 * message's LSN, or InvalidXLogRecPtr if nothing was staged.  Does not
 * wait for the WAL to be flushed: XLogFlush() the LSN for that.
 */
XLogRecPtr
numapg_wal_write_batch(NumaPgWalStaging *ws)
{
	XLogRecPtr	lsn;

	if (ws->used == 0)
		return InvalidXLogRecPtr;
	lsn = NumaPgLogLogicalMessage(NUMAPG_WAL_PREFIX, ws->data, ws->used, false);
	numapg_wal_staging_flushed(ws, lsn);
	return lsn;
}

/*
 * Make room in ws for a record of these sizes: if it would not fit, write
 * the staged batch to WAL and return its LSN; otherwise InvalidXLogRecPtr.
 * A writer calls this before it changes its store, so that staging the
 * change's record afterwards cannot fail.
 */
XLogRecPtr
numapg_wal_make_room(NumaPgWalStaging *ws, uint32 keylen, uint32 vallen)
{
	if (numapg_wal_record_size(keylen, vallen) <= ws->capacity - ws->used)
		return InvalidXLogRecPtr;
	return numapg_wal_write_batch(ws);
}
