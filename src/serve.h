/*-------------------------------------------------------------------------
 *
 * serve.h
 *		What a worker does with its inbox, its state store and its WAL
 *		staging buffer.
 *
 * IDENTIFICATION
 *	  src/serve.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_SERVE_H
#define NUMAPG_SERVE_H

#include "postgres.h"

#include "access/xlogdefs.h"

#include "wal_staging.h"

/* The prefix of numa_pg's logical messages in WAL. */
#define NUMAPG_WAL_PREFIX "numa_pg"

extern void numapg_serve_init_regions(int worker);
extern long numapg_serve(int worker);
extern void numapg_serve_flush(int worker);
extern XLogRecPtr numapg_wal_write_batch(NumaPgWalStaging *ws, bool wait_flush);
extern bool numapg_wal_append(NumaPgWalStaging *ws, uint8 op, const char *key,
							  uint16 keylen, const char *value, uint32 vallen,
							  bool wait_flush);
extern void numapg_serve_save_for_restart(void);
extern void numapg_serve_restore_after_restart(void);

/* GUC (src/guc.c) */
extern int	numapg_wal_flush_delay_ms;

#endif							/* NUMAPG_SERVE_H */
