/*-------------------------------------------------------------------------
 *
 * state_api.c
 *		The state stores' C API for other extensions (include/numa_pg.h):
 *		numapg_state_get(), numapg_state_put(), numapg_state_delete().
 *
 * The same path as the SQL calls (state_access.c), without the SQL and
 * with statuses instead of errors: a caller in C decides what a full
 * store or an absent key means to it.
 *
 * IDENTIFICATION
 *	  src/state_api.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"

#include "numa_pg.h"
#include "registry.h"
#include "state_access.h"

StaticAssertDecl(NUMAPG_STATE_KEY_MAX == NUMAPG_STATE_MAX_KEY,
				 "numa_pg.h states the longest key");
StaticAssertDecl(NUMAPG_STATE_ENTRY_MAX == NUMAPG_STATE_MAX_DATA,
				 "numa_pg.h states the largest entry");

/* Is there a pool whose stores this process may use? */
static inline bool
pool_available(void)
{
	return numapg_shared != NULL && numapg_shared->nworkers > 0;
}

/* A key the SQL calls accept too: 1 to NUMAPG_STATE_KEY_MAX bytes. */
static inline bool
key_ok(size_t keylen)
{
	return keylen >= 1 && keylen <= NUMAPG_STATE_KEY_MAX;
}

/*
 * The key's numapg_state_hash() in *hash, and the worker whose store it
 * goes to in *worker, if this process may change it now: NUMAPG_STATE_OK,
 * or UNAVAILABLE (no pool, recovery, or an owner that cannot run to write
 * the change's WAL).
 */
static NumaPgStateStatus
owner_for_write(const void *key, size_t keylen, uint64 *hash, int *worker)
{
	if (!pool_available() || RecoveryInProgress())
		return NUMAPG_STATE_UNAVAILABLE;
	*hash = numapg_state_hash(key, keylen);
	*worker = numapg_worker_for_hash(*hash);
	if (!numapg_owner_can_run(*worker))
		return NUMAPG_STATE_UNAVAILABLE;
	return NUMAPG_STATE_OK;
}

/* The C API's status for a store's result. */
static inline NumaPgStateStatus
status_of(NumaPgStoreResult result)
{
	switch (result)
	{
		case NUMAPG_STORE_OK:
			return NUMAPG_STATE_OK;
		case NUMAPG_STORE_NOT_FOUND:
			return NUMAPG_STATE_NOT_FOUND;
		case NUMAPG_STORE_FULL:
			return NUMAPG_STATE_FULL;
		case NUMAPG_STORE_TOO_LARGE:
			return NUMAPG_STATE_TOO_LARGE;
		case NUMAPG_STORE_RETRY:
			break;
	}
	elog(ERROR, "numa_pg: unexpected state store result %d", (int) result);
	return NUMAPG_STATE_UNAVAILABLE;	/* keep the compiler quiet */
}

/* See numa_pg.h. */
NumaPgStateStatus
numapg_state_get(const void *key, size_t keylen, void *value, size_t valsize,
				 size_t *vallen)
{
	char		copy[NUMAPG_STATE_MAX_DATA];
	uint32		len;
	uint64		hash;
	bool		fits;
	NumaPgStoreResult result;

	if (!key_ok(keylen))
		return NUMAPG_STATE_TOO_LARGE;
	if (!pool_available())
		return NUMAPG_STATE_UNAVAILABLE;
	hash = numapg_state_hash(key, keylen);
	/* read straight into the caller's buffer when any value fits it */
	fits = valsize >= numapg_state_max_value(keylen);
	result = numapg_access_read(numapg_worker_for_hash(hash), hash, key, keylen,
								fits ? value : copy, &len);
	if (result != NUMAPG_STORE_OK)
		return status_of(result);
	if (!fits)
		memcpy(value, copy, Min(len, valsize));
	*vallen = len;
	return NUMAPG_STATE_OK;
}

/* See numa_pg.h. */
NumaPgStateStatus
numapg_state_put(const void *key, size_t keylen, const void *value,
				 size_t vallen)
{
	uint64		hash;
	int			worker;
	NumaPgStateStatus status;

	if (!key_ok(keylen) || vallen > numapg_state_max_value(keylen))
		return NUMAPG_STATE_TOO_LARGE;
	if ((status = owner_for_write(key, keylen, &hash, &worker)) != NUMAPG_STATE_OK)
		return status;
	return status_of(numapg_access_put(worker, hash, key, keylen, value, vallen));
}

/* See numa_pg.h. */
NumaPgStateStatus
numapg_state_delete(const void *key, size_t keylen)
{
	uint64		hash;
	int			worker;
	NumaPgStateStatus status;

	if (!key_ok(keylen))
		return NUMAPG_STATE_TOO_LARGE;
	if ((status = owner_for_write(key, keylen, &hash, &worker)) != NUMAPG_STATE_OK)
		return status;
	return status_of(numapg_access_delete(worker, hash, key, keylen));
}
