/*-------------------------------------------------------------------------
 *
 * state_sql.c
 *		SQL functions that drive the worker pool end to end: put, get and
 *		delete keys in the workers' NUMA-local state stores.
 *
 * Each call is routed by the key's hash to the worker that owns the key.
 * A put or delete goes through that worker's inbox queue for the caller's
 * NUMA node; the worker applies it, stages a WAL record of the change, and
 * answers.  A get reads the worker's state store directly
 * (numapg_store_read(), validated against the store's seq counter, no
 * lock), and sends the worker a request only if the store kept changing
 * during NUMAPG_STORE_READ_TRIES tries, or numa_pg.direct_reads is off.
 *
 * Read-your-writes: a put or delete returns once the worker has answered,
 * and the worker answers after the change is in the store (its seq made
 * even by a release store, then the reply written under the reply slot's
 * spinlock, which the caller takes to read it).  So a later direct read by
 * the same backend, whose first load of seq is an acquire, sees the
 * change.
 *
 * IDENTIFICATION
 *	  src/state_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include "access/xlog.h"
#include "utils/builtins.h"
#include "utils/pg_lsn.h"

#include "request.h"
#include "shmem.h"
#include "state_store.h"

PG_FUNCTION_INFO_V1(numapg_sql_state_put);
PG_FUNCTION_INFO_V1(numapg_sql_state_get);
PG_FUNCTION_INFO_V1(numapg_sql_state_delete);
PG_FUNCTION_INFO_V1(numapg_sql_state_flush);
PG_FUNCTION_INFO_V1(numapg_sql_state_worker);

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
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("numa_pg worker %d's state store is full", answer->worker),
					 errhint("Delete keys, or raise numa_pg.state_store_size and restart the server.")));
			break;
		case NUMAPG_REPLY_TOO_LARGE:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("value of %d bytes is too large for a key of %d bytes", vallen, keylen),
					 errdetail("A state store entry holds at most %u bytes of value with this key.",
							   numapg_state_max_value(keylen))));
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
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("value of %d bytes is too large for a key of %d bytes", vallen, keylen),
				 errdetail("A state store entry holds at most %u bytes of value with this key.",
						   numapg_state_max_value(keylen))));

	numapg_request(numapg_worker_for_key(VARDATA_ANY(key), keylen),
				   NUMAPG_OP_PUT, VARDATA_ANY(key), keylen,
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
	int			worker;
	NumaPgAnswer answer;
	bytea	   *result;

	require_pool();
	worker = numapg_worker_for_key(VARDATA_ANY(key), keylen);
	if (numapg_direct_reads)
	{
		const NumaPgStateStore *store = (const NumaPgStateStore *)
			numapg_shared->regions[numapg_shared->workers[worker].state_region].base;
		char		value[NUMAPG_STATE_MAX_DATA];
		uint32		vallen;

		switch (numapg_store_read(store, VARDATA_ANY(key), keylen, value,
								  &vallen, NUMAPG_STORE_READ_TRIES))
		{
			case NUMAPG_STORE_OK:
				result = palloc(VARHDRSZ + vallen);
				SET_VARSIZE(result, VARHDRSZ + vallen);
				memcpy(VARDATA(result), value, vallen);
				PG_RETURN_BYTEA_P(result);
			case NUMAPG_STORE_NOT_FOUND:
				PG_RETURN_NULL();
			default:
				break;			/* the store kept changing: ask its worker */
		}
	}
	numapg_request(worker, NUMAPG_OP_GET, VARDATA_ANY(key), keylen, NULL, 0, &answer);
	check_answer(&answer, keylen, 0);
	if (answer.status == NUMAPG_REPLY_NOT_FOUND)
		PG_RETURN_NULL();
	result = palloc(VARHDRSZ + answer.vallen);
	SET_VARSIZE(result, VARHDRSZ + answer.vallen);
	memcpy(VARDATA(result), answer.value, answer.vallen);
	PG_RETURN_BYTEA_P(result);
}

/*
 * numa_state_delete(key text) returns boolean: whether the key existed.
 */
Datum
numapg_sql_state_delete(PG_FUNCTION_ARGS)
{
	text	   *key = key_arg(fcinfo);
	int			keylen = VARSIZE_ANY_EXHDR(key);
	NumaPgAnswer answer;

	require_pool();
	numapg_request(numapg_worker_for_key(VARDATA_ANY(key), keylen),
				   NUMAPG_OP_DELETE, VARDATA_ANY(key), keylen, NULL, 0, &answer);
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
