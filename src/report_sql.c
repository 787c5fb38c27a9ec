/*-------------------------------------------------------------------------
 *
 * report_sql.c
 *		SQL reports of the worker pool and of where its memory really is.
 *
 * numa_regions() asks the kernel, with move_pages(2) in query mode, where
 * each region's pages are; it faults no page in to answer (placement.c).
 * numa_workers() reads each worker's slot and, from the kernel, the CPU it
 * last ran on and its CPU affinity.
 *
 * IDENTIFICATION
 *	  src/report_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include <sched.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/pg_lsn.h"
#include "utils/tuplestore.h"

#include "allocator.h"
#include "placement.h"
#include "registry.h"
#include "spsc.h"
#include "state_store.h"
#include "wal_staging.h"

PG_FUNCTION_INFO_V1(numapg_sql_regions);
PG_FUNCTION_INFO_V1(numapg_sql_region_nodes);
PG_FUNCTION_INFO_V1(numapg_sql_workers);
PG_FUNCTION_INFO_V1(numapg_sql_pools);

/* A region's kind as numa_regions() shows it. */
static const char *
region_kind_name(NumaPgRegionKind kind)
{
	switch (kind)
	{
		case NUMAPG_REGION_STATE_STORE:
			return "state_store";
		case NUMAPG_REGION_WAL_STAGING:
			return "wal_staging";
		case NUMAPG_REGION_QUEUE:
			return "queue";
		case NUMAPG_REGION_POOL:
			return "pool";
		case NUMAPG_REGION_SHARED:
			return "shared";
	}
	return "unknown";			/* keep compiler quiet */
}

/* An int column that is NULL when negative (no worker, no node). */
static Datum
int_or_null(int value, bool *isnull)
{
	*isnull = value < 0;
	return Int32GetDatum(value);
}

/*
 * Query where a region's pages are.  Returns the kernel's errno (0 when
 * the counts are valid).
 */
static int
query_region(const NumaPgRegion *region, size_t page_size,
			 NumaPgPageCounts *counts)
{
	return numapg_query_range(region->base, region->size, page_size, counts);
}

/*
 * The page size of numa_pg's regions: they are all in PostgreSQL's main
 * segment.  Read once per call (it walks /proc/self/smaps).
 */
static size_t
regions_page_size(void)
{
	return numapg_page_size_of(numapg_shared->segment_base);
}

/*
 * numa_regions(): one row per region: what it is, where it was asked to
 * be, and where its pages are.
 */
Datum
numapg_sql_regions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NumaPgPageCounts *counts = palloc(sizeof(NumaPgPageCounts));
	size_t		page_size;

	numapg_require_shared();
	InitMaterializedSRF(fcinfo, 0);
	page_size = regions_page_size();

	for (int r = 0; r < numapg_shared->nregions; r++)
	{
		const NumaPgRegion *region = &numapg_shared->regions[r];
		Datum		values[14] = {0};
		bool		nulls[14] = {0};
		int			err = query_region(region, page_size, counts);
		int64		on_target = 0;

		/* interleaved: on target wherever it is, so long as it is placed */
		if (region->target_node >= 0)
			on_target = counts->per_node[region->target_node];
		else
			on_target = counts->pages - counts->not_present - counts->unknown;

		values[0] = CStringGetTextDatum(region->name);
		values[1] = CStringGetTextDatum(region_kind_name(region->kind));
		values[2] = int_or_null(region->worker, &nulls[2]);
		values[3] = int_or_null(region->producer_node, &nulls[3]);
		values[4] = CStringGetTextDatum(numapg_policy_name(region->policy));
		values[5] = int_or_null(region->target_node, &nulls[5]);
		values[6] = Int64GetDatum((int64) region->size);
		values[7] = Int64GetDatum((int64) page_size);
		values[8] = Int64GetDatum(counts->pages);
		if (err == 0)
		{
			values[9] = Int64GetDatum(on_target);
			values[10] = Int64GetDatum(counts->pages - counts->not_present -
									   counts->unknown - on_target);
			values[11] = Int64GetDatum(counts->not_present);
		}
		else
			nulls[9] = nulls[10] = nulls[11] = true;
		if (region->bind_errno != 0)
			values[12] = CStringGetTextDatum(strerror(region->bind_errno));
		else
			nulls[12] = true;
		if (err != 0)
			values[13] = CStringGetTextDatum(strerror(err));
		else
			nulls[13] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(counts);
	return (Datum) 0;
}

/*
 * numa_region_nodes(): one row per region and node holding some of its
 * pages, plus a row with node NULL for pages not faulted in.
 */
Datum
numapg_sql_region_nodes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NumaPgPageCounts *counts = palloc(sizeof(NumaPgPageCounts));
	size_t		page_size;

	numapg_require_shared();
	InitMaterializedSRF(fcinfo, 0);
	page_size = regions_page_size();

	for (int r = 0; r < numapg_shared->nregions; r++)
	{
		const NumaPgRegion *region = &numapg_shared->regions[r];
		int			err = query_region(region, page_size, counts);

		if (err != 0)
			ereport(ERROR,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("could not query the NUMA placement of region \"%s\": %s",
							region->name, strerror(err))));
		for (int node = 0; node <= NUMAPG_MAX_NODES; node++)
		{
			Datum		values[3];
			bool		nulls[3] = {0};
			int64		pages;

			if (node == NUMAPG_MAX_NODES)
			{
				pages = counts->not_present;
				nulls[1] = true;
			}
			else
				pages = counts->per_node[node];
			if (pages == 0)
				continue;
			values[0] = CStringGetTextDatum(region->name);
			values[1] = Int32GetDatum(node);
			values[2] = Int64GetDatum(pages);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	pfree(counts);
	return (Datum) 0;
}

/* The CPU a process last ran on, from /proc/<pid>/stat; -1 if unknown. */
static int
last_cpu_of(pid_t pid)
{
	char		path[64];
	char		buf[1024];
	FILE	   *f;
	size_t		n;
	char	   *p;
	int			field = 2;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command name may contain spaces: start after its ')' */
	p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	for (p++; *p && field < 39; p++)
		if (*p == ' ')
			field++;
	return field == 39 ? atoi(p) : -1;
}

/* The CPU affinity of a process as int[], or NULL if it cannot be read. */
static Datum
affinity_of(pid_t pid, bool *isnull)
{
	cpu_set_t	set;
	Datum	   *elems;
	int			n = 0;

	if (sched_getaffinity(pid, sizeof(set), &set) != 0)
	{
		*isnull = true;
		return (Datum) 0;
	}
	elems = palloc(sizeof(Datum) * CPU_SETSIZE);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			elems[n++] = Int32GetDatum(cpu);
	*isnull = false;
	return PointerGetDatum(construct_array(elems, n, INT4OID, sizeof(int32),
										   true, TYPALIGN_INT));
}

/*
 * numa_workers(): one row per worker of the pool.
 */
Datum
numapg_sql_workers(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	numapg_require_shared();
	InitMaterializedSRF(fcinfo, 0);

	for (int w = 0; w < numapg_shared->nworkers; w++)
	{
		NumaPgWorkerSlot slot;
		Datum		values[19] = {0};
		bool		nulls[19] = {0};
		NumaPgStateStats stats;
		const NumaPgWalStaging *ws;
		Datum	   *depths;

		LWLockAcquire(numapg_shared->lock, LW_SHARED);
		slot = numapg_shared->workers[w];
		LWLockRelease(numapg_shared->lock);

		values[0] = Int32GetDatum(w);
		values[1] = Int32GetDatum(slot.pid);
		nulls[1] = slot.pid == 0;
		values[2] = Int32GetDatum(slot.cpu);
		values[3] = Int32GetDatum(slot.node);
		values[4] = Int32GetDatum(slot.memory_node);
		values[5] = BoolGetDatum(slot.pid != 0);
		values[6] = BoolGetDatum(slot.pid != 0 && slot.pinned);
		if (slot.pid != 0)
		{
			values[7] = int_or_null(last_cpu_of(slot.pid), &nulls[7]);
			values[8] = affinity_of(slot.pid, &nulls[8]);
		}
		else
			nulls[7] = nulls[8] = true;
		values[9] = Int32GetDatum(slot.starts);

		/* written by the worker alone; 8-byte reads are whole on 64 bits */
		numapg_state_stats((const NumaPgStateStore *)
						   numapg_state_region_of(w)->base, &stats);
		values[10] = Int64GetDatum((int64) stats.entries);
		values[11] = Int64GetDatum((int64) stats.bytes_used);
		values[12] = Int64GetDatum((int64) stats.capacity);
		ws = (const NumaPgWalStaging *) numapg_wal_region_of(w)->base;
		values[13] = Int64GetDatum((int64) ws->used);
		values[14] = Int64GetDatum((int64) ws->flushed_records);
		values[15] = Int64GetDatum((int64) ws->flushed_bytes);
		values[16] = Int64GetDatum((int64) ws->flushes);
		values[17] = LSNGetDatum((XLogRecPtr) ws->last_flush_lsn);
		nulls[17] = ws->last_flush_lsn == 0;
		depths = palloc(sizeof(Datum) * numapg_shared->nproducer_nodes);
		for (int p = 0; p < numapg_shared->nproducer_nodes; p++)
			depths[p] = Int32GetDatum((int32) numapg_spsc_depth((const NumaPgSpscRing *)
																numapg_inbox_region_of(w, p)->base));
		values[18] = PointerGetDatum(construct_array(depths, numapg_shared->nproducer_nodes,
													 INT4OID, sizeof(int32), true,
													 TYPALIGN_INT));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * numa_pools(): one row per pool of the NUMA allocator.
 */
Datum
numapg_sql_pools(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	numapg_require_shared();
	InitMaterializedSRF(fcinfo, 0);

	for (int i = 0; i < numapg_shared->npools; i++)
	{
		const NumaPgPool *pool = &numapg_shared->pools[i];
		NumaPgArenaStats stats;
		Datum		values[10] = {0};
		bool		nulls[10] = {0};

		numapg_allocator_stats(i, &stats);
		values[0] = int_or_null(pool->node, &nulls[0]);
		values[1] = CStringGetTextDatum(pool->node >= 0 ? "node" : "interleaved");
		values[2] = CStringGetTextDatum(numapg_pool_region_of(pool)->name);
		values[3] = Int64GetDatum((int64) stats.usable_bytes);
		values[4] = Int64GetDatum((int64) stats.used_bytes);
		values[5] = Int64GetDatum((int64) stats.free_bytes);
		values[6] = Int64GetDatum((int64) stats.largest_free_bytes);
		values[7] = Int64GetDatum((int64) stats.allocs);
		values[8] = Int64GetDatum((int64) stats.frees);
		values[9] = Int64GetDatum((int64) stats.failed_allocs);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
