/*-------------------------------------------------------------------------
 *
 * shmem_report.c
 *		Where PostgreSQL's own shared memory is: per allocation, per node
 *		of shared buffers, and the calling process's CPU and memory policy.
 *
 * Unlike PostgreSQL 18's pg_shmem_allocations_numa, these fault no page in
 * to answer (placement.c): a page never touched is reported as not
 * faulted in, rather than allocated by the query on the querying
 * backend's node.
 *
 * The estimates (numa_shmem_allocations_estimate(),
 * numa_buffer_nodes_estimate()) answer the same from a stratified random
 * sample of clusters of pages (sampling.c), each row with its error bound:
 * their cost is in the pages sampled, not in the memory.
 *
 * IDENTIFICATION
 *	  src/shmem_report.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include <errno.h>
#include <math.h>
#include <numaif.h>
#include <sched.h>

#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/buf_internals.h"
#include "storage/bufmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/tuplestore.h"

#include "live_topology.h"
#include "numa_support.h"
#include "placement.h"
#include "registry.h"
#include "sampling.h"
#include "sql_util.h"
#include "worker.h"

PG_FUNCTION_INFO_V1(numapg_sql_shmem_allocations);
PG_FUNCTION_INFO_V1(numapg_sql_buffer_nodes);
PG_FUNCTION_INFO_V1(numapg_sql_process);
PG_FUNCTION_INFO_V1(numapg_sql_shmem_allocations_estimate);
PG_FUNCTION_INFO_V1(numapg_sql_buffer_nodes_estimate);

/* Raise the error of a failed placement query. */
static void
query_failed(const char *what, int err)
{
	ereport(ERROR,
			(errcode(ERRCODE_SYSTEM_ERROR),
			 errmsg("could not query the NUMA placement of %s: %s", what, strerror(err)),
			 err == EPERM ? errhint("The NUMA system calls are refused here (see numa_status()).") : 0));
}

/*
 * numa_shmem_allocations() reads PostgreSQL's pg_get_shmem_allocations(),
 * which only pg_read_all_stats may execute unless granted otherwise.  A role
 * granted numa_shmem_allocations() without it would get PostgreSQL's
 * "permission denied for function pg_get_shmem_allocations", with our
 * internal query as context: say instead what the role needs.
 */
static void
require_shmem_allocations_privilege(void)
{
	if (NumaPgProcAclcheck(F_PG_GET_SHMEM_ALLOCATIONS, GetUserId(),
						   ACL_EXECUTE) == ACLCHECK_OK)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to read PostgreSQL's shared memory allocations"),
			 errdetail("numa_shmem_allocations() reads pg_get_shmem_allocations(), which role \"%s\" may not execute.",
					   GetUserNameFromId(GetUserId(), false)),
			 errhint("Grant the role pg_read_all_stats (which may execute it), or EXECUTE on function pg_get_shmem_allocations().")));
}

/* One of PostgreSQL's shared memory allocations, as whole pages. */
typedef struct ShmemRange
{
	const char *name;
	char	   *start;			/* page-aligned */
	size_t		npages;
} ShmemRange;

/*
 * PostgreSQL's shared memory allocations (pg_get_shmem_allocations(), in
 * offset order) that lie in the main segment, each widened to whole pages:
 * the pages at either end may be shared with a neighbour.  Called
 * connected to SPI, whose context holds the names until SPI_finish.
 */
static ShmemRange *
shmem_allocation_ranges(size_t page_size, int *nranges)
{
	char	   *base = NULL;
	size_t		segment_size;
	uint64		nrows;
	SPITupleTable *tuptable;
	ShmemRange *ranges;

	if (SPI_execute("SELECT name, off, allocated_size FROM pg_catalog.pg_get_shmem_allocations() "
					"WHERE off IS NOT NULL ORDER BY off", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_get_shmem_allocations()");
	nrows = SPI_processed;
	tuptable = SPI_tuptable;

	/* the segment's base: where our own struct is, minus its offset */
	for (uint64 i = 0; i < nrows && base == NULL; i++)
	{
		char	   *name = SPI_getvalue(tuptable->vals[i], tuptable->tupdesc, 1);

		if (name && strcmp(name, "numa_pg") == 0)
		{
			bool		isnull;
			int64		off = DatumGetInt64(SPI_getbinval(tuptable->vals[i], tuptable->tupdesc, 2, &isnull));

			base = (char *) numapg_shared - off;
		}
	}
	if (base == NULL)
		elog(ERROR, "numa_pg's own shared memory allocation is not listed");
	/* (0 if the postmaster could not find its mapping: do not clamp) */
	segment_size = numapg_shared->segment_size ? numapg_shared->segment_size : SIZE_MAX / 2;

	ranges = palloc(sizeof(ShmemRange) * Max(nrows, 1));
	*nranges = 0;
	for (uint64 i = 0; i < nrows; i++)
	{
		bool		isnull;
		char	   *name = SPI_getvalue(tuptable->vals[i], tuptable->tupdesc, 1);
		int64		off = DatumGetInt64(SPI_getbinval(tuptable->vals[i], tuptable->tupdesc, 2, &isnull));
		int64		size = DatumGetInt64(SPI_getbinval(tuptable->vals[i], tuptable->tupdesc, 3, &isnull));
		ShmemRange *r = &ranges[*nranges];
		char	   *end;

		/* only ever ask about the segment itself */
		if (off < 0 || size <= 0 || off >= (int64) segment_size ||
			size > (int64) segment_size - off)
			continue;
		r->name = name ? name : "<unnamed>";
		r->start = (char *) TYPEALIGN_DOWN(page_size, base + off);
		end = (char *) TYPEALIGN(page_size, base + off + size);
		r->npages = (end - r->start) / page_size;
		(*nranges)++;
	}
	return ranges;
}

/*
 * The start of numa_shmem_allocations() and its estimate: the checks, the
 * result set, the page size, and the allocations (connected to SPI, which
 * the caller finishes).
 */
static ShmemRange *
begin_allocations_report(FunctionCallInfo fcinfo, size_t *page_size, int *nranges)
{
	numapg_require_shared();
	require_shmem_allocations_privilege();
	InitMaterializedSRF(fcinfo, 0);
	*page_size = numapg_page_size_of(numapg_shared);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	return shmem_allocation_ranges(*page_size, nranges);
}

/*
 * numa_shmem_allocations(): for each shared memory allocation (as
 * pg_shmem_allocations lists them), the bytes on each node, and a row
 * with node NULL for pages not faulted in.
 */
Datum
numapg_sql_shmem_allocations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NumaPgPageCounts *counts = palloc(sizeof(NumaPgPageCounts));
	size_t		page_size;
	ShmemRange *ranges;
	int			nranges;

	ranges = begin_allocations_report(fcinfo, &page_size, &nranges);
	for (int i = 0; i < nranges; i++)
	{
		int			err;

		err = numapg_query_range(ranges[i].start, ranges[i].npages * page_size,
								 page_size, counts);
		if (err != 0)
			query_failed("shared memory", err);
		for (int node = 0; node <= NUMAPG_MAX_NODES; node++)
		{
			Datum		values[4];
			bool		nulls[4] = {0};
			int64		pages = node < NUMAPG_MAX_NODES ? counts->per_node[node]
				: counts->not_present;

			if (pages == 0)
				continue;
			values[0] = CStringGetTextDatum(ranges[i].name);
			values[1] = Int32GetDatum(node);
			nulls[1] = node == NUMAPG_MAX_NODES;
			values[2] = Int64GetDatum(pages * (int64) page_size);
			values[3] = Int64GetDatum(pages);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	SPI_finish();
	pfree(counts);
	return (Datum) 0;
}

/* The row of numa_buffer_nodes() a page status counts in: its node, or NULL. */
static inline int
status_slot(int status)
{
	return (status >= 0 && status < NUMAPG_MAX_NODES) ? status : NUMAPG_MAX_NODES;
}

/*
 * The result shapes numa_buffer_nodes() has had.  A database keeps the
 * declaration of the extension version it is at until ALTER EXTENSION
 * UPDATE, and 1.0, 1.1 and 1.2 all call numapg_sql_buffer_nodes: so the
 * function answers in the shape it is declared with, as
 * pg_stat_statements' legacy entry point does.
 */
typedef enum NumaPgBufferNodesShape
{
	BUFFER_NODES_V1_0,			/* 1.0, 1.1: node, buffers, used_buffers,
								 * dirty_buffers: bigint, each buffer whole
								 * on the node of its first page */
	BUFFER_NODES_V1_2			/* 1.2: node, pages bigint, then buffers,
								 * used_buffers, dirty_buffers: double
								 * precision, by bytes on the node */
} NumaPgBufferNodesShape;

/* Are desc's columns of exactly these types? */
static bool
columns_are(TupleDesc desc, const Oid *types, int ntypes)
{
	if (desc->natts != ntypes)
		return false;
	for (int i = 0; i < ntypes; i++)
		if (TupleDescAttr(desc, i)->atttypid != types[i])
			return false;
	return true;
}

/* The shape numa_buffer_nodes() is declared with, or an error. */
static NumaPgBufferNodesShape
buffer_nodes_shape(TupleDesc desc)
{
	static const Oid v1_0[] = {INT4OID, INT8OID, INT8OID, INT8OID};
	static const Oid v1_2[] = {INT4OID, INT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID};

	if (columns_are(desc, v1_2, lengthof(v1_2)))
		return BUFFER_NODES_V1_2;
	if (columns_are(desc, v1_0, lengthof(v1_0)))
		return BUFFER_NODES_V1_0;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("numa_buffer_nodes() is declared with columns that numa_pg %s does not produce",
					NUMAPG_VERSION),
			 errdetail("It produces (node integer, pages bigint, buffers, used_buffers, dirty_buffers double precision), as versions 1.2 to %s of the extension declare, or the four columns of versions 1.0 and 1.1 (node integer, buffers, used_buffers, dirty_buffers bigint).",
					   NUMAPG_VERSION),
			 errhint("Run ALTER EXTENSION numa_pg UPDATE.")));
	return BUFFER_NODES_V1_2;	/* keep the compiler quiet */
}

/*
 * numa_buffer_nodes(): shared buffers per node.
 *
 * pages: the OS pages of the shared buffers' memory on that node (each
 * counted once; the pages at either end, which the buffers may share with
 * their neighbours in the segment, included).
 *
 * buffers, used_buffers, dirty_buffers: a buffer counts on each node in
 * proportion to its bytes there.  An 8 kB buffer on 4 kB pages spans two
 * pages (three when the buffers do not start on a page boundary, as in
 * PostgreSQL 15), which interleaving puts on different nodes: counting it
 * whole on one of them, as the node of its first page, would report every
 * interleaved buffer on one node.  So under interleave over two nodes each
 * node has half of each buffer, and the counts are 0.5 apart at most; with
 * huge pages a buffer is almost always on one page, so on one node.  The
 * sums over all rows are exactly shared_buffers and the used and dirty
 * buffers.  Node NULL: memory never faulted in (or whose node the kernel
 * did not give).  No page is faulted in (placement.c).
 *
 * Declared as in 1.0 and 1.1 (a database not yet updated), it returns
 * their columns with their meaning: whole buffers, each on the node of its
 * first page, and no pages column.
 */
Datum
numapg_sql_buffer_nodes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NumaPgBufferNodesShape shape;
	size_t		page_size = numapg_page_size_of(BufferBlocks);
	char	   *start = (char *) TYPEALIGN_DOWN(page_size, BufferBlocks);
	char	   *end = (char *) TYPEALIGN(page_size, BufferBlocks + (Size) NBuffers * BLCKSZ);
	size_t		npages = (end - start) / page_size;
	int		   *status = palloc_extended(sizeof(int) * npages, MCXT_ALLOC_HUGE);
	int64	   *pages = palloc0(sizeof(int64) * (NUMAPG_MAX_NODES + 1));
	int64	   *bytes = palloc0(sizeof(int64) * (NUMAPG_MAX_NODES + 1));
	int64	   *used = palloc0(sizeof(int64) * (NUMAPG_MAX_NODES + 1));
	int64	   *dirty = palloc0(sizeof(int64) * (NUMAPG_MAX_NODES + 1));
	int			err;

	InitMaterializedSRF(fcinfo, 0);
	shape = buffer_nodes_shape(rsinfo->setDesc);
	err = numapg_query_pages(start, npages, page_size, status);
	if (err != 0)
		query_failed("shared buffers", err);

	for (size_t i = 0; i < npages; i++)
		pages[status_slot(status[i])]++;

	for (int b = 0; b < NBuffers; b++)
	{
		char	   *block = BufferBlocks + (Size) b * BLCKSZ;
		char	   *block_end = block + BLCKSZ;
		uint64		state = NumaPgBufferState(GetBufferDescriptor(b));

		/* each page the buffer overlaps, and by how many bytes */
		for (size_t p = (block - start) / page_size;
			 p < npages && start + p * page_size < block_end; p++)
		{
			char	   *page = start + p * page_size;
			int64		overlap = Min(block_end, page + page_size) - Max(block, page);
			int			slot = status_slot(status[p]);

			/* 1.0: the whole buffer on the node of its first page */
			if (shape == BUFFER_NODES_V1_0)
			{
				if (page > block)
					break;
				overlap = BLCKSZ;
			}
			bytes[slot] += overlap;
			if (state & BM_VALID)
				used[slot] += overlap;
			if (state & BM_DIRTY)
				dirty[slot] += overlap;
		}
		if ((b & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	for (int node = 0; node <= NUMAPG_MAX_NODES; node++)
	{
		Datum		values[5];
		bool		nulls[5] = {0};

		if (shape == BUFFER_NODES_V1_0 ? bytes[node] == 0 :
			pages[node] == 0 && bytes[node] == 0)
			continue;
		values[0] = Int32GetDatum(node);
		nulls[0] = node == NUMAPG_MAX_NODES;
		if (shape == BUFFER_NODES_V1_0)
		{
			values[1] = Int64GetDatum(bytes[node] / BLCKSZ);
			values[2] = Int64GetDatum(used[node] / BLCKSZ);
			values[3] = Int64GetDatum(dirty[node] / BLCKSZ);
		}
		else
		{
			values[1] = Int64GetDatum(pages[node]);
			values[2] = Float8GetDatum((double) bytes[node] / BLCKSZ);
			values[3] = Float8GetDatum((double) used[node] / BLCKSZ);
			values[4] = Float8GetDatum((double) dirty[node] / BLCKSZ);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * The sample_every argument of the estimates: one page asked about in each
 * run of that many, from 1 (every page: the exact report) to
 * NUMAPG_SAMPLE_EVERY_MAX.
 */
static int
sample_every_arg(FunctionCallInfo fcinfo)
{
	int			every;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sample_every must not be NULL"),
				 errdetail("It is the number of pages each sampled page stands for."),
				 errhint("Give 1 for the exact report, or N from 2 to %d to ask the kernel about one page in N.",
						 NUMAPG_SAMPLE_EVERY_MAX)));
	every = PG_GETARG_INT32(0);
	if (every < 1 || every > NUMAPG_SAMPLE_EVERY_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sample_every must be between 1 and %d, not %d",
						NUMAPG_SAMPLE_EVERY_MAX, every),
				 errdetail("It is the number of pages each sampled page stands for: 1 asks about every page."),
				 errhint("Give 1 for the exact report, or N from 2 to %d to ask the kernel about one page in N.",
						 NUMAPG_SAMPLE_EVERY_MAX)));
	return every;
}

/*
 * A stratified random sample of the npages pages from start (sampling.c):
 * in each run of sample_every clusters, one cluster chosen at random.
 * Returns the number of pages sampled; for each, (*index)[i] is its number
 * in the run, (*weight)[i] the pages it stands for (the clusters of its
 * stratum) and (*status)[i] where the kernel says it is.
 */
static int64
sample_pages(char *start, size_t npages, size_t page_size, int every,
			 int64 **index, int64 **weight, int **status, const char *what)
{
	int			cluster = numapg_sample_cluster(page_size);
	int64		strata = numapg_sample_strata(npages, every, cluster);
	int64		most = Max(strata * cluster, 1);
	int64		n = 0;
	void	  **pages;
	int			err;

	*index = palloc_extended(sizeof(int64) * most, MCXT_ALLOC_HUGE);
	*weight = palloc_extended(sizeof(int64) * most, MCXT_ALLOC_HUGE);
	*status = palloc_extended(sizeof(int) * most, MCXT_ALLOC_HUGE);
	pages = palloc_extended(sizeof(void *) * most, MCXT_ALLOC_HUGE);
	for (int64 s = 0; s < strata; s++)
	{
		NumaPgSampledCluster c = numapg_sample_choose(npages, every, cluster, s,
													  pg_prng_uint64(&pg_global_prng_state));

		for (int64 p = c.first; p < c.first + c.pages; p++)
		{
			(*index)[n] = p;
			(*weight)[n] = c.weight;
			pages[n++] = start + p * page_size;
		}
	}
	err = numapg_query_page_list(pages, n, page_size, *status);
	if (err != 0)
		query_failed(what, err);
	pfree(pages);
	return n;
}

/* error_bytes and confidence of an estimate over npages pages */
static void
bound_values(size_t npages, int every, size_t page_size, Datum *values)
{
	NumaPgSampleBound bound = numapg_sample_bound(npages, every,
												  numapg_sample_cluster(page_size));

	values[0] = Int64GetDatum((int64) ceil(bound.error * page_size));
	values[1] = Float8GetDatum(bound.certain ? 1.0 : NUMAPG_SAMPLE_CONFIDENCE);
}

/*
 * numa_shmem_allocations_estimate(sample_every): numa_shmem_allocations()
 * from a stratified random sample of one page in sample_every of each
 * allocation; each row with the pages sampled there and its error bound.
 */
Datum
numapg_sql_shmem_allocations_estimate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			every = sample_every_arg(fcinfo);
	int64	   *pages = palloc(sizeof(int64) * (NUMAPG_MAX_NODES + 1));
	int64	   *sampled = palloc(sizeof(int64) * (NUMAPG_MAX_NODES + 1));
	size_t		page_size;
	ShmemRange *ranges;
	int			nranges;

	ranges = begin_allocations_report(fcinfo, &page_size, &nranges);
	for (int i = 0; i < nranges; i++)
	{
		int64	   *index;
		int64	   *weight;
		int		   *status;
		int64		sampled_pages;
		Datum		bound[2];

		sampled_pages = sample_pages(ranges[i].start, ranges[i].npages, page_size, every,
									 &index, &weight, &status, "shared memory");
		memset(pages, 0, sizeof(int64) * (NUMAPG_MAX_NODES + 1));
		memset(sampled, 0, sizeof(int64) * (NUMAPG_MAX_NODES + 1));
		for (int64 s = 0; s < sampled_pages; s++)
		{
			/* as numa_shmem_allocations(): no row for a page of no node */
			int			slot = status[s] >= 0 && status[s] < NUMAPG_MAX_NODES ? status[s]
				: status[s] == -ENOENT ? NUMAPG_MAX_NODES : -1;

			if (slot < 0)
				continue;
			pages[slot] += weight[s];
			sampled[slot]++;
		}
		bound_values(ranges[i].npages, every, page_size, bound);
		for (int node = 0; node <= NUMAPG_MAX_NODES; node++)
		{
			Datum		values[7];
			bool		nulls[7] = {0};

			if (pages[node] == 0)
				continue;
			values[0] = CStringGetTextDatum(ranges[i].name);
			values[1] = Int32GetDatum(node);
			nulls[1] = node == NUMAPG_MAX_NODES;
			values[2] = Int64GetDatum(pages[node] * (int64) page_size);
			values[3] = Int64GetDatum(pages[node]);
			values[4] = Int64GetDatum(sampled[node]);
			values[5] = bound[0];
			values[6] = bound[1];
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		pfree(index);
		pfree(weight);
		pfree(status);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * numa_buffer_nodes_estimate(sample_every): numa_buffer_nodes() from a
 * stratified random sample of one page in sample_every of shared buffers'
 * memory.  A sampled page of a stratum of m pages counts m pages on its
 * node, and m times the bytes of each buffer it holds (and of the used
 * and dirty ones): so the cost is in the pages and buffers sampled only.
 */
Datum
numapg_sql_buffer_nodes_estimate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			every = sample_every_arg(fcinfo);
	size_t		page_size = numapg_page_size_of(BufferBlocks);
	char	   *start = (char *) TYPEALIGN_DOWN(page_size, BufferBlocks);
	char	   *buffers_end = BufferBlocks + (Size) NBuffers * BLCKSZ;
	size_t		npages = ((char *) TYPEALIGN(page_size, buffers_end) - start) / page_size;
	int64	   *pages = palloc0(sizeof(int64) * (NUMAPG_MAX_NODES + 1));
	int64	   *sampled = palloc0(sizeof(int64) * (NUMAPG_MAX_NODES + 1));
	double	   *bytes = palloc0(sizeof(double) * (NUMAPG_MAX_NODES + 1));
	double	   *used = palloc0(sizeof(double) * (NUMAPG_MAX_NODES + 1));
	double	   *dirty = palloc0(sizeof(double) * (NUMAPG_MAX_NODES + 1));
	int64	   *index;
	int64	   *weight;
	int		   *status;
	int64		sampled_pages;
	Datum		bound[2];

	InitMaterializedSRF(fcinfo, 0);
	sampled_pages = sample_pages(start, npages, page_size, every, &index, &weight,
								 &status, "shared buffers");
	for (int64 s = 0; s < sampled_pages; s++)
	{
		int64		m = weight[s];
		int			slot = status_slot(status[s]);
		char	   *page = start + index[s] * page_size;
		char	   *page_end = page + page_size;

		pages[slot] += m;
		sampled[slot]++;
		/* each buffer the page holds (part of), by its bytes there */
		for (int64 b = page > BufferBlocks ? (page - BufferBlocks) / BLCKSZ : 0;
			 b < NBuffers && BufferBlocks + (Size) b * BLCKSZ < page_end; b++)
		{
			char	   *block = BufferBlocks + (Size) b * BLCKSZ;
			int64		overlap = Min(block + BLCKSZ, page_end) - Max(block, page);
			uint64		state = NumaPgBufferState(GetBufferDescriptor(b));

			bytes[slot] += (double) m * overlap;
			if (state & BM_VALID)
				used[slot] += (double) m * overlap;
			if (state & BM_DIRTY)
				dirty[slot] += (double) m * overlap;
		}
		if ((s & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	bound_values(npages, every, page_size, bound);
	for (int node = 0; node <= NUMAPG_MAX_NODES; node++)
	{
		Datum		values[8];
		bool		nulls[8] = {0};

		if (pages[node] == 0)
			continue;
		values[0] = Int32GetDatum(node);
		nulls[0] = node == NUMAPG_MAX_NODES;
		values[1] = Int64GetDatum(pages[node]);
		values[2] = Float8GetDatum(bytes[node] / BLCKSZ);
		values[3] = Float8GetDatum(used[node] / BLCKSZ);
		values[4] = Float8GetDatum(dirty[node] / BLCKSZ);
		values[5] = Int64GetDatum(sampled[node]);
		values[6] = bound[0];
		values[7] = bound[1];
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(index);
	pfree(weight);
	pfree(status);
	return (Datum) 0;
}

/*
 * numa_process(): the calling backend's CPU, node, what it may use, and
 * its memory policy.
 */
Datum
numapg_sql_process(PG_FUNCTION_ARGS)
{
	NumaPgTopology *topo = numapg_read_topology();
	TupleDesc	tupdesc;
	Datum		values[7] = {0};
	bool		nulls[7] = {0};
	int			cpu = sched_getcpu();
	NumaPgTaskPolicy policy;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	values[0] = Int32GetDatum(MyProcPid);
	values[1] = Int32GetDatum(cpu);
	values[2] = Int32GetDatum(numapg_topology_node_of_cpu(topo, cpu));
	values[3] = numapg_mask_to_int_array(&topo->cpus_allowed);
	values[4] = numapg_mask_to_int_array(&topo->mems_allowed);
	if (numapg_read_task_policy(&policy))
	{
		values[5] = CStringGetTextDatum(numapg_task_policy_name(policy.mode));
		values[6] = numapg_mask_to_int_array(&policy.nodes);
	}
	else
		nulls[5] = nulls[6] = true;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
