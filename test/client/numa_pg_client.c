/*-------------------------------------------------------------------------
 *
 * numa_pg_client.c
 *		A test extension that uses numa_pg's C API (numa_pg.h) the way
 *		another extension would: allocate on a node, locally and
 *		interleaved, ask the kernel where the blocks are, free them; get,
 *		put and delete keys of the state stores, and time a get.  Also
 *		numa_pg_client_resident(), a check of numa_pg's reports that does
 *		not use numa_pg's code, and the no-ops numa_pg_client_noop(),
 *		numa_pg_client_noop_put() and numa_pg_client_noop_delete(), the
 *		cost of calling an extension's C function as numa_state_get(),
 *		numa_state_put() and numa_state_delete() are called, for the
 *		benchmarks.
 *
 * IDENTIFICATION
 *	  test/client/numa_pg_client.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <numa.h>
#include <numaif.h>
#include <sys/mman.h>
#include <unistd.h>

#include "access/htup_details.h"
#include "common/pg_prng.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "numa_pg.h"

PG_MODULE_MAGIC;

/*
 * 15's betas called InitMaterializedSRF() SetSingleFuncCall().  This is
 * another extension, which sees numa_pg's installed header only, not its
 * src/compat.h, so it carries the one shim it needs.
 */
#if PG_VERSION_NUM < 150001
#define InitMaterializedSRF(fcinfo, flags) SetSingleFuncCall(fcinfo, flags)
#endif

PG_FUNCTION_INFO_V1(numa_pg_client_alloc);
PG_FUNCTION_INFO_V1(numa_pg_client_exhaust);
PG_FUNCTION_INFO_V1(numa_pg_client_free_foreign);
PG_FUNCTION_INFO_V1(numa_pg_client_double_free);
PG_FUNCTION_INFO_V1(numa_pg_client_libnuma_warning);
PG_FUNCTION_INFO_V1(numa_pg_client_resident);
PG_FUNCTION_INFO_V1(numa_pg_client_state_put);
PG_FUNCTION_INFO_V1(numa_pg_client_state_get);
PG_FUNCTION_INFO_V1(numa_pg_client_state_delete);
PG_FUNCTION_INFO_V1(numa_pg_client_state_bench);
PG_FUNCTION_INFO_V1(numa_pg_client_noop);
PG_FUNCTION_INFO_V1(numa_pg_client_noop_put);
PG_FUNCTION_INFO_V1(numa_pg_client_noop_delete);

/* The node the kernel has the page of ptr on (-1 if it cannot say). */
static int
page_node(void *ptr)
{
	void	   *page = (void *) ((uintptr_t) ptr & ~(uintptr_t) 4095);
	int			status = -1;

	if (move_pages(0, 1, &page, NULL, &status, 0) != 0)
		return -1;
	return status;
}

/*
 * numa_pg_client_alloc(kind, node, size, count): allocate count blocks of
 * size bytes ('local', 'node' on node, or 'interleaved'), fill them, report
 * each, then free them all.
 */
Datum
numa_pg_client_alloc(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			node = PG_GETARG_INT32(1);
	int			size = PG_GETARG_INT32(2);
	int			count = PG_GETARG_INT32(3);
	void	  **blocks = palloc0(sizeof(void *) * Max(count, 1));

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < count; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {0};

		if (strcmp(kind, "local") == 0)
			blocks[i] = numapg_alloc_local(size);
		else if (strcmp(kind, "node") == 0)
			blocks[i] = numapg_alloc_on_node(node, size);
		else
			blocks[i] = numapg_alloc_interleaved(size);
		if (blocks[i] == NULL)
			ereport(ERROR,
					(errmsg("numa_pg returned NULL for block %d of %d bytes", i, size)));
		memset(blocks[i], 0xA5, size);
		values[0] = Int32GetDatum(i);
		values[1] = Int32GetDatum(numapg_pool_node_of(blocks[i]));
		values[2] = Int64GetDatum((int64) numapg_alloc_size(blocks[i]));
		values[3] = Int32GetDatum(page_node(blocks[i]));
		values[4] = BoolGetDatum(((uintptr_t) blocks[i] % (size > 512 ? 4096 : 16)) == 0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	for (int i = 0; i < count; i++)
		numapg_free(blocks[i]);
	return (Datum) 0;
}

/*
 * numa_pg_client_exhaust(node, size): allocate until numa_pg says no,
 * free everything, and return how many blocks fitted.
 */
Datum
numa_pg_client_exhaust(PG_FUNCTION_ARGS)
{
	int			node = PG_GETARG_INT32(0);
	int			size = PG_GETARG_INT32(1);
	List	   *blocks = NIL;
	ListCell   *lc;
	void	   *ptr;
	int			n;

	while ((ptr = numapg_alloc_on_node(node, size)) != NULL)
		blocks = lappend(blocks, ptr);
	n = list_length(blocks);
	foreach(lc, blocks)
		numapg_free(lfirst(lc));
	PG_RETURN_INT32(n);
}

/* Free memory numa_pg did not hand out: must raise an ERROR. */
Datum
numa_pg_client_free_foreign(PG_FUNCTION_ARGS)
{
	numapg_free(palloc(64));
	PG_RETURN_VOID();
}

/* Free a block twice: the second must raise an ERROR. */
Datum
numa_pg_client_double_free(PG_FUNCTION_ARGS)
{
	void	   *ptr = numapg_alloc_interleaved(100);

	if (ptr == NULL)
		ptr = numapg_alloc_local(100);
	numapg_free(ptr);
	numapg_free(ptr);
	PG_RETURN_VOID();
}

/*
 * numa_pg_client_libnuma_warning(nodes): hand libnuma a node list to parse,
 * as any extension linked with libnuma might.  libnuma reports a bad list
 * through numa_warn(), which numa_pg replaces so that the message becomes
 * a WARNING in the log instead of a bare line on the server's stderr.
 * Returns whether libnuma could parse it.
 */
Datum
numa_pg_client_libnuma_warning(PG_FUNCTION_ARGS)
{
	char	   *nodes = text_to_cstring(PG_GETARG_TEXT_PP(0));
	struct bitmask *mask = numa_parse_nodestring(nodes);

	if (mask != NULL)
		numa_bitmask_free(mask);
	PG_RETURN_BOOL(mask != NULL);
}

/*
 * numa_pg_client_resident(first, count): how many of the base pages (4 kB)
 * holding shared buffers first .. first+count-1 exist, from mincore(2)
 * directly: for shared memory, whether the page exists in the shared
 * object, whoever faulted it in (with hugetlbfs, whether this backend maps
 * it).  Independent of numa_pg's placement code, to check that asking
 * numa_pg where pages are faults none in.  Returns (pages, resident).
 */
Datum
numa_pg_client_resident(PG_FUNCTION_ARGS)
{
	int32		first = PG_GETARG_INT32(0);
	int32		count = PG_GETARG_INT32(1);
	size_t		page = (size_t) sysconf(_SC_PAGESIZE);
	char	   *from;
	char	   *to;
	size_t		npages;
	unsigned char *vec;
	int64		resident = 0;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {0};

	if (first < 0 || count <= 0 || count > NBuffers - first)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("buffers %d to %d are not all shared buffers", first, first + count - 1),
				 errdetail("There are %d shared buffers, numbered from 0.", NBuffers)));
	from = (char *) ((uintptr_t) (BufferBlocks + (Size) first * BLCKSZ) & ~(uintptr_t) (page - 1));
	to = BufferBlocks + (Size) (first + count) * BLCKSZ;
	npages = (to - from + page - 1) / page;
	vec = palloc(npages);
	if (mincore(from, npages * page, vec) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("mincore failed: %m")));
	for (size_t i = 0; i < npages; i++)
		resident += vec[i] & 1;
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Int64GetDatum((int64) npages);
	values[1] = Int64GetDatum(resident);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}


/* ---- the state stores ---- */

/* The name of a status, as the tests compare it. */
static const char *
status_name(NumaPgStateStatus status)
{
	switch (status)
	{
		case NUMAPG_STATE_OK:
			return "ok";
		case NUMAPG_STATE_NOT_FOUND:
			return "not_found";
		case NUMAPG_STATE_FULL:
			return "full";
		case NUMAPG_STATE_TOO_LARGE:
			return "too_large";
		case NUMAPG_STATE_UNAVAILABLE:
			return "unavailable";
	}
	return "unknown";
}

/* numa_pg_client_state_put(key bytea, value bytea) returns text: the status. */
Datum
numa_pg_client_state_put(PG_FUNCTION_ARGS)
{
	bytea	   *key = PG_GETARG_BYTEA_PP(0);
	bytea	   *value = PG_GETARG_BYTEA_PP(1);

	PG_RETURN_TEXT_P(cstring_to_text(status_name(
												 numapg_state_put(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key),
																  VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value)))));
}

/*
 * numa_pg_client_state_get(key bytea, valsize integer, OUT status text,
 * OUT value bytea, OUT vallen integer): a get into a buffer of valsize
 * bytes; value is what the buffer holds, vallen the length reported.
 */
Datum
numa_pg_client_state_get(PG_FUNCTION_ARGS)
{
	bytea	   *key = PG_GETARG_BYTEA_PP(0);
	int32		valsize = PG_GETARG_INT32(1);
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, true, true};
	bytea	   *buf;
	size_t		vallen = 0;
	NumaPgStateStatus status;

	if (valsize < 0 || valsize > 1024)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("valsize must be between 0 and 1024")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	buf = palloc(VARHDRSZ + valsize);
	status = numapg_state_get(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key),
							  VARDATA(buf), valsize, &vallen);
	values[0] = PointerGetDatum(cstring_to_text(status_name(status)));
	if (status == NUMAPG_STATE_OK)
	{
		SET_VARSIZE(buf, VARHDRSZ + Min(vallen, (size_t) valsize));
		values[1] = PointerGetDatum(buf);
		values[2] = Int32GetDatum((int32) vallen);
		nulls[1] = nulls[2] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* numa_pg_client_state_delete(key bytea) returns text: the status. */
Datum
numa_pg_client_state_delete(PG_FUNCTION_ARGS)
{
	bytea	   *key = PG_GETARG_BYTEA_PP(0);

	PG_RETURN_TEXT_P(cstring_to_text(status_name(
												 numapg_state_delete(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key)))));
}

/*
 * numa_pg_client_state_bench(entries integer, gets integer, OUT get_ns
 * float8, OUT put_ns float8): put entries keys through the C API (8-byte
 * keys, 64-byte values, as numa_bench_state's), time gets of them in a
 * random order and puts that replace their values, then delete them.
 * Nanoseconds per call, as a backend sees them: routing, hashing, the
 * store and, for puts, the lock and the WAL record staged.
 */
Datum
numa_pg_client_state_bench(PG_FUNCTION_ARGS)
{
	int32		entries = PG_GETARG_INT32(0);
	int32		gets = PG_GETARG_INT32(1);
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	uint64	   *keys;
	uint32	   *order;
	char		value[64];
	char		out[64];
	pg_prng_state rng;
	instr_time	t0,
				t1;
	uint64		misses = 0;

	if (entries < 1 || entries > 100000 || gets < 1 || gets > 100000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("entries must be 1 to 100000 and gets 1 to 100000000")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	keys = palloc(sizeof(uint64) * entries);
	order = palloc(sizeof(uint32) * 65536);
	pg_prng_seed(&rng, 42);
	for (int i = 0; i < entries; i++)
		keys[i] = pg_prng_uint64(&rng);
	for (int i = 0; i < 65536; i++)
		order[i] = (uint32) pg_prng_uint64_range(&rng, 0, entries - 1);
	memset(value, 'c', sizeof(value));
	for (int i = 0; i < entries; i++)
		if (numapg_state_put(&keys[i], sizeof(uint64), value, sizeof(value)) != NUMAPG_STATE_OK)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("numapg_state_put() refused key %d of %d", i + 1, entries),
					 errhint("Raise numa_pg.state_store_size, or use fewer entries.")));

	INSTR_TIME_SET_CURRENT(t0);
	for (int i = 0; i < gets; i++)
	{
		size_t		len;

		if (numapg_state_get(&keys[order[i & 65535]], sizeof(uint64), out,
							 sizeof(out), &len) != NUMAPG_STATE_OK || len != sizeof(out))
			misses++;
		if ((i & 65535) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	values[0] = Float8GetDatum(INSTR_TIME_GET_DOUBLE(t1) * 1e9 / gets);

	INSTR_TIME_SET_CURRENT(t0);
	for (int i = 0; i < entries; i++)
	{
		value[0] = (char) i;
		if (numapg_state_put(&keys[order[i & 65535]], sizeof(uint64), value,
							 sizeof(value)) != NUMAPG_STATE_OK)
			misses++;
	}
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	values[1] = Float8GetDatum(INSTR_TIME_GET_DOUBLE(t1) * 1e9 / entries);

	for (int i = 0; i < entries; i++)
		(void) numapg_state_delete(&keys[i], sizeof(uint64));
	if (misses > 0)
		elog(ERROR, "numa_pg_client_state_bench: %llu calls missed their key",
			 (unsigned long long) misses);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * numa_pg_client_noop(key text) returns bytea: 16 bytes, each the key's
 * length (NULL for a NULL key), and nothing of numa_pg.  It is declared
 * as numa_state_get() is (not strict, volatile) and takes and returns
 * what it does, so a statement that calls it costs what calling any
 * extension's C function costs PostgreSQL (looking the function up at
 * each executor start, the call, a bytea result): bench/run.sh holds a
 * get against it, the ceiling of a call, beside SELECT 1.  The two below
 * do the same for a put and a delete.
 */
Datum
numa_pg_client_noop(PG_FUNCTION_ARGS)
{
	text	   *key;
	bytea	   *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	key = PG_GETARG_TEXT_PP(0);
	result = palloc(VARHDRSZ + 16);

	SET_VARSIZE(result, VARHDRSZ + 16);
	memset(VARDATA(result), (int) (VARSIZE_ANY_EXHDR(key) & 0xff), 16);
	PG_RETURN_BYTEA_P(result);
}

/*
 * numa_pg_client_noop_put(key text, value bytea) returns void: reads its
 * arguments as numa_state_put() does, and stores nothing anywhere.
 */
Datum
numa_pg_client_noop_put(PG_FUNCTION_ARGS)
{
	if (!PG_ARGISNULL(0))
		(void) PG_GETARG_TEXT_PP(0);
	if (!PG_ARGISNULL(1))
		(void) PG_GETARG_BYTEA_PP(1);
	PG_RETURN_VOID();
}

/*
 * numa_pg_client_noop_delete(key text) returns boolean: whether the key
 * is not empty (NULL for a NULL key), and removes nothing.
 */
Datum
numa_pg_client_noop_delete(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_BOOL(VARSIZE_ANY_EXHDR(PG_GETARG_TEXT_PP(0)) > 0);
}
