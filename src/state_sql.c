/*-------------------------------------------------------------------------
 *
 * state_sql.c
 *		SQL functions that drive the worker pool end to end: put, get and
 *		delete keys in the workers' NUMA-local state stores.
 *
 * Each call is routed by the key's hash to the worker that owns the key,
 * and reaches that worker's state store directly (state_access.c): a get
 * reads it without a lock, a put or delete changes it under the store's
 * lock and stages the change's WAL record in the worker's buffer.  With
 * numa_pg.direct_reads or numa_pg.direct_writes off, the call is instead
 * a request through the worker's inbox queue for the caller's NUMA node,
 * which the worker carries out and answers.  The batch calls (arrays of
 * keys) always go directly; a batch put takes the lock of every store it
 * writes, in order, so that it is all or nothing.
 *
 * Read-your-writes: a put or delete returns once the change is in the
 * store (its seq made even by a release store, then the store's lock
 * released; or, through the worker, the reply read under the reply slot's
 * spinlock), so a later read by the same backend, whose first load of seq
 * is an acquire, sees it.
 *
 * IDENTIFICATION
 *	  src/state_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/pg_lsn.h"
#include "utils/tuplestore.h"

#include "guc.h"
#include "request.h"
#include "registry.h"
#include "state_access.h"
#include "state_store.h"

PG_FUNCTION_INFO_V1(numapg_sql_state_put);
PG_FUNCTION_INFO_V1(numapg_sql_state_get);
PG_FUNCTION_INFO_V1(numapg_sql_state_delete);
PG_FUNCTION_INFO_V1(numapg_sql_state_flush);
PG_FUNCTION_INFO_V1(numapg_sql_state_worker);
PG_FUNCTION_INFO_V1(numapg_sql_state_get_many);
PG_FUNCTION_INFO_V1(numapg_sql_state_put_many);

/* Check that the pool runs; raise an error with a hint if not. */
static void
require_pool(void)
{
	numapg_require_shared();
	if (numapg_shared->nworkers == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("numa_pg has no workers"),
				 errdetail("numa_pg.workers is 0, or numa_pg.enabled is off."),
				 errhint("Set numa_pg.workers to 1 or more in postgresql.conf and restart the server.")));
	/* the workers connect to numa_pg.database: it must exist */
	numapg_require_database();
	/* the workers write WAL, so they start only once recovery has ended */
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("numa_pg's workers do not run during recovery"),
				 errdetail("The workers log their changes to WAL, so they start when the server accepts writes; this server is a standby or is still recovering."),
				 errhint("Use the numa_pg state functions on the primary.")));
}

/* The key argument: not NULL, 1 to NUMAPG_STATE_MAX_KEY bytes. */
static text *
key_arg(FunctionCallInfo fcinfo)
{
	text	   *key;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("key must not be null")));
	key = PG_GETARG_TEXT_PP(0);
	if (VARSIZE_ANY_EXHDR(key) == 0 || VARSIZE_ANY_EXHDR(key) > NUMAPG_STATE_MAX_KEY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("key must be 1 to %d bytes long, not %d",
						NUMAPG_STATE_MAX_KEY, (int) VARSIZE_ANY_EXHDR(key))));
	return key;
}

/* A bytea holding len bytes of data. */
static bytea *
make_bytea(const char *data, uint32 len)
{
	bytea	   *result = palloc(VARHDRSZ + len);

	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), data, len);
	return result;
}

/* Raise the error for a value too large for its key. */
static void
too_large(int keylen, int vallen)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("value of %d bytes is too large for a key of %d bytes", vallen, keylen),
			 errdetail("A state store entry holds at most %u bytes of value with this key.",
					   numapg_state_max_value(keylen))));
}

/* Raise the error for a put refused by a full store. */
static void
store_full(int worker)
{
	ereport(ERROR,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("numa_pg worker %d's state store is full", worker),
			 errhint("Delete keys, or raise numa_pg.state_store_size and restart the server.")));
}

/* Raise the error a worker's status stands for. */
static void
check_answer(const NumaPgAnswer *answer, int keylen, int vallen)
{
	switch (answer->status)
	{
		case NUMAPG_REPLY_OK:
		case NUMAPG_REPLY_NOT_FOUND:
			return;
		case NUMAPG_REPLY_FULL:
			store_full(answer->worker);
			break;
		case NUMAPG_REPLY_TOO_LARGE:
			too_large(keylen, vallen);
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("numa_pg worker %d refused a malformed request", answer->worker)));
	}
}

/*
 * numa_state_put(key text, value bytea): store value under key.
 */
Datum
numapg_sql_state_put(PG_FUNCTION_ARGS)
{
	text	   *key = key_arg(fcinfo);
	bytea	   *value;
	int			keylen = VARSIZE_ANY_EXHDR(key);
	int			vallen;
	uint64		hash;
	int			worker;
	NumaPgAnswer answer;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("value must not be null"),
				 errhint("Use numa_state_delete() to remove a key.")));
	value = PG_GETARG_BYTEA_PP(1);
	vallen = VARSIZE_ANY_EXHDR(value);
	require_pool();
	if ((uint32) vallen > numapg_state_max_value(keylen))
		too_large(keylen, vallen);

	hash = numapg_state_hash(VARDATA_ANY(key), keylen);
	worker = numapg_worker_for_hash(hash);
	if (numapg_direct_writes)
	{
		numapg_require_owner_can_run(worker);
		if (numapg_access_put(worker, hash, VARDATA_ANY(key), keylen,
							  VARDATA_ANY(value), vallen) == NUMAPG_STORE_FULL)
			store_full(worker);
		PG_RETURN_VOID();
	}
	numapg_request(worker, NUMAPG_OP_PUT, VARDATA_ANY(key), keylen,
				   VARDATA_ANY(value), vallen, &answer);
	check_answer(&answer, keylen, vallen);
	PG_RETURN_VOID();
}

/*
 * numa_state_get(key text) returns bytea: the value, or NULL if absent.
 */
Datum
numapg_sql_state_get(PG_FUNCTION_ARGS)
{
	text	   *key = key_arg(fcinfo);
	int			keylen = VARSIZE_ANY_EXHDR(key);
	uint64		hash;
	int			worker;
	NumaPgAnswer answer;

	require_pool();
	hash = numapg_state_hash(VARDATA_ANY(key), keylen);
	worker = numapg_worker_for_hash(hash);
	if (numapg_direct_reads)
	{
		/* a miss allocates nothing; a hit, a result of the value's size */
		char		value[NUMAPG_STATE_MAX_DATA];
		uint32		vallen;

		if (numapg_access_read(worker, hash, VARDATA_ANY(key), keylen,
							   value, &vallen) == NUMAPG_STORE_NOT_FOUND)
			PG_RETURN_NULL();
		PG_RETURN_BYTEA_P(make_bytea(value, vallen));
	}
	numapg_request(worker, NUMAPG_OP_GET, VARDATA_ANY(key), keylen, NULL, 0, &answer);
	check_answer(&answer, keylen, 0);
	if (answer.status == NUMAPG_REPLY_NOT_FOUND)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(make_bytea(answer.value, answer.vallen));
}

/*
 * numa_state_delete(key text) returns boolean: whether the key existed.
 */
Datum
numapg_sql_state_delete(PG_FUNCTION_ARGS)
{
	text	   *key = key_arg(fcinfo);
	int			keylen = VARSIZE_ANY_EXHDR(key);
	uint64		hash;
	int			worker;
	NumaPgAnswer answer;

	require_pool();
	hash = numapg_state_hash(VARDATA_ANY(key), keylen);
	worker = numapg_worker_for_hash(hash);
	if (numapg_direct_writes)
	{
		numapg_require_owner_can_run(worker);
		PG_RETURN_BOOL(numapg_access_delete(worker, hash, VARDATA_ANY(key),
											keylen) == NUMAPG_STORE_OK);
	}
	numapg_request(worker, NUMAPG_OP_DELETE, VARDATA_ANY(key), keylen, NULL, 0, &answer);
	check_answer(&answer, keylen, 0);
	PG_RETURN_BOOL(answer.status == NUMAPG_REPLY_OK);
}

/*
 * numa_state_flush() returns pg_lsn: ask every worker to write what it has
 * staged to WAL now; returns the highest WAL position they flushed to.
 */
Datum
numapg_sql_state_flush(PG_FUNCTION_ARGS)
{
	XLogRecPtr	highest = InvalidXLogRecPtr;

	require_pool();
	for (int w = 0; w < numapg_shared->nworkers; w++)
	{
		NumaPgAnswer answer;

		numapg_request(w, NUMAPG_OP_FLUSH, NULL, 0, NULL, 0, &answer);
		check_answer(&answer, 0, 0);
		if (answer.lsn > highest)
			highest = answer.lsn;
	}
	PG_RETURN_LSN(highest);
}

/*
 * numa_state_worker(key text) returns int: the worker that owns a key.
 */
Datum
numapg_sql_state_worker(PG_FUNCTION_ARGS)
{
	text	   *key = key_arg(fcinfo);

	require_pool();
	PG_RETURN_INT32(numapg_worker_for_key(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key)));
}

/*
 * The elements of a one-argument array of type elemtype (text or bytea),
 * none NULL: what names the argument in messages.
 */
static int
array_arg(FunctionCallInfo fcinfo, int argno, Oid elemtype, const char *what,
		  Datum **elems)
{
	ArrayType  *array;
	bool	   *nulls;
	int			n;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
	array = PG_GETARG_ARRAYTYPE_P(argno);
	deconstruct_array(array, elemtype, -1, false, TYPALIGN_INT, elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("element %d of %s is null", i + 1, what),
					 errhint("%s", elemtype == TEXTOID ? "Every key must be 1 to 255 bytes long." :
							 "Use numa_state_delete() to remove a key.")));
	return n;
}

/* Check the length of element i (from 1) of a key array. */
static void
check_array_key(int i, int keylen)
{
	if (keylen == 0 || keylen > NUMAPG_STATE_MAX_KEY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("key %d must be 1 to %d bytes long, not %d",
						i, NUMAPG_STATE_MAX_KEY, keylen)));
}

/*
 * numa_state_get_many(keys text[]) returns table (key text, value bytea): one
 * row per key, in the array's order, value NULL for a key that is absent.
 * Each key is read directly, as numa_state_get(key) does.
 */
Datum
numapg_sql_state_get_many(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum	   *keys;
	int			n = array_arg(fcinfo, 0, TEXTOID, "keys", &keys);
	uint64	   *hashes;
	int		   *workers;
	bytea	   *value;

	for (int i = 0; i < n; i++)
		check_array_key(i + 1, VARSIZE_ANY_EXHDR(DatumGetPointer(keys[i])));
	require_pool();
	InitMaterializedSRF(fcinfo, 0);

	/*
	 * Hash and route every key first, then read them in order, each a few
	 * keys after its index entry and then its slot were prefetched, so
	 * that the cache misses of several keys overlap.  One buffer holds
	 * each value in turn: the tuplestore copies it.
	 */
	hashes = palloc(sizeof(uint64) * Max(n, 1));
	workers = palloc(sizeof(int) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		text	   *key = (text *) DatumGetPointer(keys[i]);

		hashes[i] = numapg_state_hash(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key));
		workers[i] = numapg_worker_for_hash(hashes[i]);
	}
	numapg_access_prefetch_first(workers, hashes, n);
	value = palloc(VARHDRSZ + NUMAPG_STATE_MAX_DATA);
	for (int i = 0; i < n; i++)
	{
		text	   *key = (text *) DatumGetPointer(keys[i]);
		uint32		vallen;
		Datum		values[2];
		bool		nulls[2] = {false, false};

		numapg_access_prefetch_ahead(workers, hashes, i, n);
		values[0] = keys[i];
		if (numapg_access_read(workers[i], hashes[i], VARDATA_ANY(key),
							   VARSIZE_ANY_EXHDR(key), VARDATA(value),
							   &vallen) == NUMAPG_STORE_OK)
		{
			SET_VARSIZE(value, VARHDRSZ + vallen);
			values[1] = PointerGetDatum(value);
		}
		else
			nulls[1] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * numa_state_put_many(keys text[], values bytea[]): store values[i] under
 * keys[i], for every i, in one call: all or nothing (see
 * numapg_access_put_many()); a key given twice takes its last value.
 */
Datum
numapg_sql_state_put_many(PG_FUNCTION_ARGS)
{
	Datum	   *keys;
	Datum	   *values;
	int			n = array_arg(fcinfo, 0, TEXTOID, "keys", &keys);
	int			nvalues = array_arg(fcinfo, 1, BYTEAOID, "values", &values);
	NumaPgPutItem *items;
	int			full_worker = -1;

	if (n != nvalues)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("keys and values must have as many elements, not %d and %d",
						n, nvalues)));
	items = palloc(sizeof(NumaPgPutItem) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		text	   *key = (text *) DatumGetPointer(keys[i]);
		bytea	   *value = (bytea *) DatumGetPointer(values[i]);
		int			keylen = VARSIZE_ANY_EXHDR(key);
		int			vallen = VARSIZE_ANY_EXHDR(value);

		check_array_key(i + 1, keylen);
		if ((uint32) vallen > numapg_state_max_value(keylen))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("value %d, of %d bytes, is too large for its key of %d bytes",
							i + 1, vallen, keylen),
					 errdetail("A state store entry holds at most %u bytes of value with this key. Nothing was stored.",
							   numapg_state_max_value(keylen))));
		items[i].key = VARDATA_ANY(key);
		items[i].keylen = keylen;
		items[i].value = VARDATA_ANY(value);
		items[i].vallen = vallen;
		items[i].hash = numapg_state_hash(items[i].key, keylen);
	}
	require_pool();
	{
		/* each store's owner checked once, as the batch reaches it */
		bool	   *checked = palloc0(sizeof(bool) * numapg_shared->nworkers);

		for (int i = 0; i < n; i++)
		{
			int			worker = numapg_worker_for_hash(items[i].hash);

			items[i].worker = worker;
			if (!checked[worker])
			{
				numapg_require_owner_can_run(worker);
				checked[worker] = true;
			}
		}
		pfree(checked);
	}
	if (numapg_access_put_many(items, n, &full_worker) == NUMAPG_STORE_FULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("numa_pg worker %d's state store is full", full_worker),
				 errdetail("The store has no room for all the keys of the batch that are new to it, so nothing was stored."),
				 errhint("Delete keys, or raise numa_pg.state_store_size and restart the server.")));
	pfree(items);
	PG_RETURN_VOID();
}
