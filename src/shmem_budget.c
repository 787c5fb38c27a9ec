/*-------------------------------------------------------------------------
 *
 * shmem_budget.c
 *		How much shared memory numa_pg adds, said at start, and whether
 *		the kernel will map it with shared_buffers.
 *
 * IDENTIFICATION
 *	  src/shmem_budget.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/pg_shmem.h"
#include "utils/guc.h"

#include "layout.h"
#include "pool_plan.h"
#include "shmem_budget.h"
#include "topology.h"

/* "12 kB", "345 MB" or "16 GB": a size for a message, rounded. */
static char *
pretty_size(uint64 bytes)
{
	if (bytes < ((uint64) 1 << 20))
		return psprintf("%llu kB", (unsigned long long) ((bytes + 1023) >> 10));
	if (bytes < ((uint64) 10 << 30))
		return psprintf("%llu MB", (unsigned long long) ((bytes + (1 << 19)) >> 20));
	return psprintf("%llu GB", (unsigned long long) ((bytes + (1 << 29)) >> 30));
}

/*
 * How many bytes of shared memory the kernel will let PostgreSQL map now,
 * or -1 when it sets no limit (or we cannot tell); *basis says, in a
 * sentence, what the figure is.  What the kernel checks when PostgreSQL
 * maps its segment (an anonymous shared mapping, or MAP_HUGETLB):
 *
 * - huge_pages = on: the segment is all huge pages of the size in use, and
 *   the mapping reserves them: it needs that many free huge pages not
 *   already reserved (free_hugepages less resv_hugepages in sysfs).
 *   huge_pages = try falls back to ordinary pages, checked as below.
 * - vm.overcommit_memory = 0 (heuristic): a single mapping larger than
 *   MemTotal plus SwapTotal is refused; anything smaller is allowed.  Free
 *   memory is not the limit: pages are only taken when first touched.
 * - vm.overcommit_memory = 1: never refused.
 * - vm.overcommit_memory = 2: refused past CommitLimit, counting what is
 *   already committed, so the room left is CommitLimit less Committed_AS.
 */
static int64
mappable_bytes(const char **basis)
{
	int64		mode;
	char		meminfo[8192];

	if (huge_pages == HUGE_PAGES_ON)
	{
		Size		page = numapg_huge_page_size_in_use();
		char		path[MAXPGPATH];
		int64		free_pages;
		int64		reserved;

		snprintf(path, sizeof(path), "sys/kernel/mm/hugepages/hugepages-%zukB/free_hugepages",
				 page / 1024);
		free_pages = numapg_read_int_file("/", path);
		snprintf(path, sizeof(path), "sys/kernel/mm/hugepages/hugepages-%zukB/resv_hugepages",
				 page / 1024);
		reserved = numapg_read_int_file("/", path);
		if (free_pages < 0 || reserved < 0)
			return -1;
		*basis = psprintf("It is the free huge pages of %zu kB not yet reserved, as huge_pages is on.",
						  page / 1024);
		return Max(free_pages - reserved, 0) * (int64) page;
	}

	mode = numapg_read_int_file("/", "proc/sys/vm/overcommit_memory");
	if ((mode == 0 || mode == 2) &&
		!numapg_read_small_file("/", "proc/meminfo", meminfo, sizeof(meminfo)))
		return -1;
	if (mode == 0)
	{
		int64		ram = numapg_meminfo_bytes(meminfo, "MemTotal");
		int64		swap = numapg_meminfo_bytes(meminfo, "SwapTotal");

		if (ram < 0 || swap < 0)
			return -1;
		*basis = "It is MemTotal plus SwapTotal (/proc/meminfo): with vm.overcommit_memory = 0, the kernel refuses a larger mapping.";
		return ram + swap;
	}
	if (mode == 2)
	{
		int64		limit = numapg_meminfo_bytes(meminfo, "CommitLimit");
		int64		committed = numapg_meminfo_bytes(meminfo, "Committed_AS");

		if (limit < 0 || committed < 0)
			return -1;
		*basis = "It is CommitLimit less Committed_AS (/proc/meminfo): with vm.overcommit_memory = 2, the kernel refuses to commit more.";
		return Max(limit - committed, 0);
	}
	return -1;
}

/* The parameter each kind of region is sized by. */
static const char *const kind_parameter[] = {
	[NUMAPG_REGION_STATE_STORE] = "numa_pg.state_store_size",
	[NUMAPG_REGION_WAL_STAGING] = "numa_pg.wal_staging_size",
	[NUMAPG_REGION_QUEUE] = "numa_pg.queue_size",
	[NUMAPG_REGION_POOL] = "numa_pg.pool_size",
	[NUMAPG_REGION_SHARED] = "numa_pg.interleaved_pool_size",
};

/*
 * Say how much shared memory numa_pg adds, per parameter, and stop the
 * server, naming them, if that cannot be mapped.  Postmaster, from the
 * shmem request hook, before PostgreSQL creates its segment: otherwise its
 * own FATAL ("could not map anonymous shared memory") tells the DBA to
 * reduce shared_buffers.
 *
 * We compare numa_pg's share plus shared_buffers, the bulk of PostgreSQL's
 * own (the rest, locks, WAL buffers and the like, is not known yet), with
 * mappable_bytes().  If shared_buffers alone does not fit, PostgreSQL's
 * message is the right one and we leave it to say so.
 */
void
numapg_check_shmem_budget(Size size)
{
	NumaPgLayout *layout = numapg_layout();
	Size		by_kind[lengthof(kind_parameter)] = {0};
	int			count[lengthof(kind_parameter)] = {0};
	Size		regions = 0;
	StringInfoData detail;
	StringInfoData hint;
	bool		used[lengthof(kind_parameter)] = {0};
	const char *names[lengthof(kind_parameter) + 1];
	int			nnames = 0;
	uint64		buffers = (uint64) NBuffers * BLCKSZ;
	const char *basis = NULL;
	int64		limit;

	for (int r = 0; r < layout->nregions; r++)
	{
		by_kind[layout->regions[r].kind] += layout->regions[r].size;
		count[layout->regions[r].kind]++;
		regions += layout->regions[r].size;
	}
	initStringInfo(&detail);
	for (int k = 0; k < (int) lengthof(kind_parameter); k++)
	{
		if (count[k] == 0)
			continue;
		appendStringInfo(&detail, "%s: %d × %s; ", kind_parameter[k], count[k],
						 pretty_size(by_kind[k] / count[k]));
	}
	appendStringInfo(&detail, "registry, reply slots and alignment: %s",
					 pretty_size(size - regions));

	ereport(LOG,
			(errmsg("numa_pg: adds %s to PostgreSQL's shared memory", pretty_size(size)),
			 errdetail("%s.", detail.data)));

	limit = mappable_bytes(&basis);
	if (limit < 0 || buffers > (uint64) limit || buffers + size <= (uint64) limit)
		return;

	/* the parameters to reduce, largest share first, then the workers' */
	for (;;)
	{
		int			largest = -1;

		for (int k = 0; k < (int) lengthof(kind_parameter); k++)
			if (!used[k] && by_kind[k] > 0 &&
				(largest < 0 || by_kind[k] > by_kind[largest]))
				largest = k;
		if (largest < 0)
			break;
		used[largest] = true;
		names[nnames++] = kind_parameter[largest];
	}
	if (numapg_pool_nworkers() > 0)
		names[nnames++] = "numa_pg.workers";
	initStringInfo(&hint);
	for (int i = 0; i < nnames; i++)
		appendStringInfo(&hint, "%s%s", i == 0 ? "" : i == nnames - 1 ? " or " : ", ",
						 names[i]);
	ereport(FATAL,
			(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
			 errmsg("numa_pg: %s of shared memory for numa_pg and %s for shared_buffers do not fit in the %s this machine can map",
					pretty_size(size), pretty_size(buffers), pretty_size(limit)),
			 errdetail("numa_pg's share is %s. %s", detail.data, basis),
			 errhint("Reduce %s.", hint.data)));
}
