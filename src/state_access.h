/*-------------------------------------------------------------------------
 *
 * state_access.h
 *		The workers' state stores, reached from any process of the server:
 *		which store owns a key, and reading, putting and deleting keys in
 *		it.
 *
 * IDENTIFICATION
 *	  src/state_access.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_STATE_ACCESS_H
#define NUMAPG_STATE_ACCESS_H

#include "postgres.h"

#include "access/xlogdefs.h"

#include "state_store.h"
#include "wal_staging.h"

/* One key of a batch put: its bytes, its value, and the store it goes to. */
typedef struct NumaPgPutItem
{
	const char *key;
	const char *value;
	uint16		keylen;
	uint32		vallen;
	int			worker;			/* numapg_worker_for_key() */
	uint64		hash;			/* numapg_state_hash() of the key */
} NumaPgPutItem;

extern int	numapg_worker_for_key(const char *key, int keylen);
extern int	numapg_worker_for_hash(uint64 hash);
extern NumaPgStateStore *numapg_store_of(int worker);
extern NumaPgWalStaging *numapg_staging_of(int worker);
extern bool numapg_owner_can_run(int worker);

extern NumaPgStoreResult numapg_access_read(int worker, uint64 hash,
											const char *key, int keylen,
											char *value, uint32 *vallen);
extern void numapg_access_prefetch_ahead(const int *workers,
										 const uint64 *hashes, int i, int n);
extern void numapg_access_prefetch_first(const int *workers,
										 const uint64 *hashes, int n);
extern NumaPgStoreResult numapg_access_lookup(int worker, const char *key,
											  int keylen, char *value,
											  uint32 *vallen);
extern NumaPgStoreResult numapg_access_put(int worker, uint64 hash,
										   const char *key,
										   int keylen, const char *value,
										   int vallen);
extern NumaPgStoreResult numapg_access_delete(int worker, uint64 hash,
											  const char *key,
											  int keylen);
extern NumaPgStoreResult numapg_access_put_many(NumaPgPutItem *items, int n,
												int *full_worker);
extern XLogRecPtr numapg_access_flush(int worker, bool *wrote);

#endif							/* NUMAPG_STATE_ACCESS_H */
