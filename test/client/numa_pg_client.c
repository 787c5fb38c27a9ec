/*-------------------------------------------------------------------------
 *
 * numa_pg_client.c
 *		A test extension that uses numa_pg's C API (numa_pg.h) the way
 *		another extension would: allocate on a node, locally and
 *		interleaved, ask the kernel where the blocks are, free them.  Also
 *		numa_pg_client_resident(), a check of numa_pg's reports that does
 *		not use numa_pg's code.
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
#include "fmgr.h"
#include "funcapi.h"
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
