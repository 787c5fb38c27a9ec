/*-------------------------------------------------------------------------
 *
 * shmem.c
 *		numa_pg's shared memory at server start: reserve it, then make
 *		the registry and the slabs, place them on their nodes before
 *		anything touches them, and fill them in.
 *
 * What the regions and slabs are, and their sizes, is the layout's
 * (layout.c), planned in the shmem request hook; what every process reads
 * of them afterwards is the registry (registry.h).
 *
 * Placement.  In the postmaster, in shmem_startup_hook, before any other
 * process exists: each slab is bound with mbind(2) (PREFERRED, or BIND
 * under numa_pg.strict; INTERLEAVE for the shared slab), then prefaulted so
 * that its pages exist on that node now.  Then the kernel is asked where
 * the pages went, and a WARNING says so if some did not land on target
 * (PREFERRED falls back to other nodes when a node is full).
 *
 * Policy per kind of data: a worker's state store and WAL staging buffer
 * go to the worker's node; an inbox queue goes to the node of its
 * producers (the backends that run there); allocator pools to their node;
 * shared read-mostly data is interleaved over the nodes.
 *
 * IDENTIFICATION
 *	  src/shmem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "storage/ipc.h"
#include "storage/pg_shmem.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "allocator.h"
#include "compat.h"
#include "crash_keep.h"
#include "guc.h"
#include "layout.h"
#include "numa_support.h"
#include "policy_spec.h"
#include "pool_plan.h"
#include "request.h"
#include "serve.h"
#include "shmem.h"
#include "state_store.h"

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

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
static void
report_and_check_size(Size size)
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

/*
 * shmem_request hook: reserve the registry and one slab per node (plus
 * room to align it), and the lock tranche: the registry's lock, one per
 * inbox ring, one per allocator pool and one per state store.
 */
static void
numapg_shmem_request(void)
{
	NumaPgLayout *layout;
	Size		size;

	if (prev_shmem_request_hook)
		prev_shmem_request_hook();

	layout = numapg_plan_layout();
	size = MAXALIGN(numapg_layout_registry_size());
	for (int s = 0; s < layout->nslabs; s++)
		size = add_size(size, add_size(layout->slabs[s].size, layout->slab_alignment));
	size = add_size(size, numapg_replies_size());
	report_and_check_size(size);
	RequestAddinShmemSpace(size);
	RequestNamedLWLockTranche("numa_pg", 1 + numapg_pool_nworkers() * layout->nproducer_nodes +
							  layout->npools + numapg_pool_nworkers());
}

/*
 * Memory a node can give a slab now, in bytes (0 if unknown): when shared
 * memory is on huge pages (page_size) of 2 MB or 1 GB, its free huge pages
 * of that size; otherwise its
 * free memory plus what the kernel can reclaim (page cache, reclaimable
 * slab), since a warm server's MemFree alone is small.
 */
static int64
node_available_bytes(const NumaPgTopology *topo, int node, size_t page_size)
{
	int			i = numapg_topology_index_of_node(topo, node);
	const NumaPgNode *n;

	if (i < 0)
		return 0;
	n = &topo->nodes[i];
	if (page_size == ((size_t) 2 << 20) && n->hugepages_2mb_free >= 0)
		return n->hugepages_2mb_free * ((int64) 2 << 20);
	if (page_size == ((size_t) 1 << 30) && n->hugepages_1gb_free >= 0)
		return n->hugepages_1gb_free * ((int64) 1 << 30);
	return n->memory_free + n->memory_reclaimable;
}

/*
 * Bind one slab to its node and fault its pages in; then check where the
 * pages went and warn if some are not on target.  Postmaster only.
 */
static void
place_slab(char *base, const NumaPgSlab *slab, bool can_bind,
		   const NumaPgTopology *live)
{
	NumaPgMask	nodes;
	NumaPgPolicy policy = numapg_strict ? NUMAPG_POLICY_BIND
		: NUMAPG_POLICY_PREFERRED;
	int			err = 0;

	numapg_mask_clear(&nodes);
	if (slab->node >= 0)
	{
#ifdef NUMAPG_TEST_MISPLACE
		/*
		 * Test builds only (make NUMAPG_TEST_MISPLACE=1): bind each node's
		 * slab to the next node, to show that the multi-node suite, which
		 * asks the kernel, catches a wrong placement.
		 */
		int			i = numapg_topology_index_of_node(live, slab->node);

		numapg_mask_set(&nodes, live->nodes[(i + 1) % live->node_count].id);
#else
		numapg_mask_set(&nodes, slab->node);
#endif
	}
	else
	{
		/* interleave over every node with memory this server may use */
		policy = NUMAPG_POLICY_INTERLEAVE;
		for (int i = 0; i < live->node_count; i++)
			if (numapg_topology_memory_usable(live, i))
				numapg_mask_set(&nodes, live->nodes[i].id);
	}

	if (can_bind && slab->node >= 0)
	{
		int64		available = node_available_bytes(live, slab->node,
														 numapg_page_size_of(base));

		if (available < (int64) slab->size)
		{
			if (numapg_strict)
				ereport(FATAL,
						(errcode(ERRCODE_OUT_OF_MEMORY),
						 errmsg("numa_pg: NUMA node %d has %lld MB available, but the memory numa_pg places there needs %lld MB",
								slab->node, (long long) (available >> 20),
								(long long) (slab->size >> 20)),
						 errdetail("Available is free memory plus reclaimable page cache, or free huge pages when shared memory is on huge pages."),
						 errhint("Reduce numa_pg.state_store_size, numa_pg.wal_staging_size, numa_pg.pool_size or numa_pg.workers, or turn off numa_pg.strict to let the memory fall back to other nodes.")));
			ereport(WARNING,
					(errmsg("numa_pg: NUMA node %d has %lld MB available, but the memory numa_pg places there needs %lld MB",
							slab->node, (long long) (available >> 20),
							(long long) (slab->size >> 20)),
					 errdetail("Pages that do not fit will be placed on other nodes.")));
		}
	}
	if (can_bind)
	{
		err = numapg_bind_range(base, slab->size, policy, &nodes);
		if (err != 0)
			ereport(WARNING,
					(errmsg("numa_pg: could not apply policy %s to %lld MB of shared memory for NUMA node %d: %s",
							numapg_policy_name(policy),
							(long long) (slab->size >> 20), slab->node,
							strerror(err)),
					 errdetail("The memory stays where the kernel puts it.")));
	}
	else
		policy = NUMAPG_POLICY_DEFAULT;

	/*
	 * Record the outcome in each region of the slab, and fault in the
	 * workers' regions and the interleaved pool now, where the policy says,
	 * so that their pages exist before anyone runs (and interleaving is
	 * even).  The per-node pools are left to fault in when blocks are first
	 * used: the policy places them all the same, and large pools then cost
	 * nothing at start.
	 */
	for (int r = 0; r < numapg_shared->nregions; r++)
	{
		NumaPgRegion *region = &numapg_shared->regions[r];

		if (region->target_node != slab->node)
			continue;
		region->policy = err ? NUMAPG_POLICY_DEFAULT : policy;
		region->bind_errno = err;
		if (region->kind != NUMAPG_REGION_POOL)
			numapg_prefault(region->base, region->size, NUMAPG_REGION_ALIGN);
	}

	if (can_bind && err == 0 && slab->node >= 0)
	{
		NumaPgPageCounts *counts = palloc(sizeof(NumaPgPageCounts));

		if (numapg_query_range(base, slab->size,
							   numapg_page_size_of(base), counts) == 0 &&
			counts->per_node[slab->node] < counts->pages - counts->not_present)
			ereport(WARNING,
					(errmsg("numa_pg: %lld of %lld pages meant for NUMA node %d are elsewhere",
							(long long) (counts->pages - counts->not_present -
										 counts->per_node[slab->node]),
							(long long) (counts->pages - counts->not_present), slab->node),
					 errdetail("Node %d did not have enough free memory; the policy was %s.",
							   slab->node, numapg_policy_name(policy))));
		pfree(counts);
	}
}

/*
 * Before binding PostgreSQL's segment (bind:<nodes> or preferred:<node>):
 * does it fit in what those nodes have available (node_available_bytes:
 * free and reclaimable memory, or free huge pages of the segment's size)?
 * numa_pg's own slabs in it keep their own placement, so they do not count.
 * If not: FATAL under numa_pg.strict, else a WARNING saying what will
 * happen.  With hugetlbfs, huge pages come from per-node pools: a page that
 * no bound node's pool can supply is not taken from another node, and the
 * process that first touches it gets SIGBUS; preferred falls back to other
 * nodes' pools.  Postmaster only.
 */
static void
check_segment_fits(const NumaPgTopology *live, NumaPgPolicy policy,
				   const NumaPgMask *nodes)
{
	NumaPgLayout *layout = numapg_layout();
	size_t		page_size = numapg_page_size_of(numapg_shared->segment_base);
	bool		huge = page_size > (size_t) sysconf(_SC_PAGESIZE);
	int64		needed = (int64) numapg_shared->segment_size;
	int64		available = 0;
	char		list[256];

	for (int s = 0; s < layout->nslabs; s++)
		needed -= (int64) (layout->slabs[s].size + layout->slab_alignment);
	for (int node = numapg_mask_next(nodes, -1); node >= 0;
		 node = numapg_mask_next(nodes, node))
		available += node_available_bytes(live, node, page_size);
	if (needed <= available)
		return;

	numapg_format_list(nodes, list, sizeof(list));
	ereport(numapg_strict ? FATAL : WARNING,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("numa_pg: numa_pg.shared_memory_policy \"%s\" puts %lld MB of shared memory on NUMA node(s) %s, which have %lld MB available",
					numapg_shared_memory_policy, (long long) (needed >> 20),
					list, (long long) (available >> 20)),
			 policy == NUMAPG_POLICY_PREFERRED ?
			 errdetail("Available is %s; the pages that do not fit will be placed on other nodes.",
					   huge ? "the free huge pages of those nodes" : "free memory plus reclaimable page cache") :
			 huge ?
			 errdetail("Available is the free huge pages of those nodes.  Huge pages come from per-node pools, and under bind a page that those pools cannot supply is not taken from another node: the process that first touches it is killed by SIGBUS.") :
			 errdetail("Available is free memory plus reclaimable page cache.  Under bind the kernel will not use other nodes: it will swap, or its OOM killer will end processes."),
			 numapg_strict ?
			 errhint("Reduce shared_buffers, bind more nodes, use interleave, or turn off numa_pg.strict to start anyway.") :
			 errhint("Reduce shared_buffers, bind more nodes, or use interleave; numa_pg.strict = on refuses to start instead.")));
}

/*
 * Apply numa_pg.shared_memory_policy to PostgreSQL's whole main shared
 * memory segment, moving the pages already touched.  Runs before numa_pg
 * places its own regions, whose mbind then overrides it on their ranges.
 * With numa_pg.enabled off (enabled false) it only records where the
 * segment is, and says that the policy and the prefault are not applied.
 * Postmaster only.
 */
static void
apply_shared_memory_policy(const NumaPgTopology *live, bool can_bind,
						   bool enabled)
{
	NumaPgPolicySpec spec;
	NumaPgMask	nodes;
	NumaPgPolicy policy;
	instr_time	start,
				duration;
	char		err[256];
	unsigned long inode;
	int64_t		moved = 0;

	numapg_shared->segment_policy = NUMAPG_POLICY_DEFAULT;
	if (!numapg_mapping_of(numapg_shared, &numapg_shared->segment_base,
						   &numapg_shared->segment_size, &inode))
		return;
	if (!numapg_parse_policy_spec(numapg_shared_memory_policy, &spec, err, sizeof(err)))
		elog(FATAL, "numa_pg.shared_memory_policy was not validated: %s", err);
	if (!enabled)
	{
		if (spec.kind != NUMAPG_SPEC_DEFAULT || numapg_prefault_segment)
			ereport(LOG,
					(errmsg("numa_pg: numa_pg.enabled is off, so numa_pg.shared_memory_policy and numa_pg.prefault are not applied")));
		return;
	}
	if (spec.kind == NUMAPG_SPEC_DEFAULT)
		return;
	if (!can_bind)
	{
		ereport(WARNING,
				(errmsg("numa_pg: numa_pg.shared_memory_policy is \"%s\", but NUMA placement is not available here",
						numapg_shared_memory_policy),
				 errdetail("PostgreSQL's shared memory is left to the kernel's default policy.")));
		return;
	}

	nodes = spec.nodes;
	if (spec.all_nodes)
	{
		numapg_mask_clear(&nodes);
		for (int i = 0; i < live->node_count; i++)
			if (numapg_topology_memory_usable(live, i))
				numapg_mask_set(&nodes, live->nodes[i].id);
	}
	policy = spec.kind == NUMAPG_SPEC_INTERLEAVE ? NUMAPG_POLICY_INTERLEAVE
		: spec.kind == NUMAPG_SPEC_BIND ? NUMAPG_POLICY_BIND
		: NUMAPG_POLICY_PREFERRED;
	if (policy != NUMAPG_POLICY_INTERLEAVE)
		check_segment_fits(live, policy, &nodes);

	INSTR_TIME_SET_CURRENT(start);
	numapg_shared->segment_errno =
		numapg_bind_range(numapg_shared->segment_base, numapg_shared->segment_size,
						  policy, &nodes);

	/*
	 * mbind moved only the pages on no node of the mask: interleave the ones
	 * the postmaster touched already (all on its node) as well.  The kernel
	 * biases shmem's interleave by the inode number, hugetlbfs' not at all.
	 */
	if (numapg_shared->segment_errno == 0 && policy == NUMAPG_POLICY_INTERLEAVE)
	{
		size_t		page_size = numapg_page_size_of(numapg_shared->segment_base);
		unsigned long bias = page_size > (size_t) sysconf(_SC_PAGESIZE) ? 0 : inode;
		int			merr = numapg_interleave_existing(numapg_shared->segment_base,
													  numapg_shared->segment_size,
													  page_size, &nodes, bias, &moved);

		if (merr != 0)
			ereport(WARNING,
					(errmsg("numa_pg: could not interleave the pages of PostgreSQL's shared memory that exist already: %s",
							strerror(merr)),
					 errdetail("Those pages stay on the node where they are.")));
	}
	INSTR_TIME_SET_CURRENT(duration);
	INSTR_TIME_SUBTRACT(duration, start);
	numapg_shared->segment_policy_ms = INSTR_TIME_GET_MILLISEC(duration);

	if (numapg_shared->segment_errno != 0)
		ereport(WARNING,
				(errmsg("numa_pg: could not apply numa_pg.shared_memory_policy \"%s\" to PostgreSQL's shared memory: %s",
						numapg_shared_memory_policy, strerror(numapg_shared->segment_errno))));
	else
	{
		numapg_shared->segment_policy = policy;
		ereport(LOG,
				(errmsg("numa_pg: applied numa_pg.shared_memory_policy \"%s\" to %zu MB of shared memory in %.1f ms (%lld pages already touched moved)",
						numapg_shared_memory_policy,
						numapg_shared->segment_size >> 20,
						numapg_shared->segment_policy_ms, (long long) moved)));
	}
}

/*
 * numa_pg.prefault: fault in all of PostgreSQL's shared memory at start,
 * in parallel: one process per node with memory, pinned to that node's
 * CPUs, each populating one contiguous share of the segment.  Under the
 * default policy (first touch) each share lands on its process's node;
 * under interleave or bind the policy decides and the processes only
 * share the work.  Postmaster only; the processes exit with _exit().
 */
static void
prefault_segment(const NumaPgTopology *live, bool can_bind)
{
	int			nodes[NUMAPG_TOPO_MAX_NODES];
	pid_t		pids[NUMAPG_TOPO_MAX_NODES];
	int			nprocs = 0;
	int			failed = 0;
	size_t		page_size;
	size_t		share;
	instr_time	start,
				duration;

	if (!numapg_prefault_segment || numapg_shared->segment_base == NULL)
		return;
	page_size = numapg_page_size_of(numapg_shared->segment_base);
	for (int i = 0; i < live->node_count && can_bind; i++)
		if (numapg_topology_memory_usable(live, i))
			nodes[nprocs++] = i;
	if (nprocs == 0)
	{
		nodes[0] = -1;			/* one process, not pinned */
		nprocs = 1;
	}
	share = TYPEALIGN(page_size, numapg_shared->segment_size / nprocs);

	INSTR_TIME_SET_CURRENT(start);
	fflush(NULL);
	for (int p = 0; p < nprocs; p++)
	{
		char	   *from = numapg_shared->segment_base + share * p;
		size_t		len;

		/* the shares are rounded up to whole pages: the last may be empty */
		if (share * p >= numapg_shared->segment_size)
		{
			pids[p] = 0;
			continue;
		}
		len = Min(share, numapg_shared->segment_size - share * p);
		pids[p] = fork();
		if (pids[p] == 0)
		{
			sigset_t	all;

			sigfillset(&all);
			sigprocmask(SIG_BLOCK, &all, NULL);
			if (nodes[p] >= 0)
			{
				cpu_set_t	set;
				NumaPgMask	cpus;

				CPU_ZERO(&set);
				numapg_mask_and(&cpus, &live->nodes[nodes[p]].cpus, &live->cpus_allowed);
				for (int c = numapg_mask_next(&cpus, -1); c >= 0 && c < CPU_SETSIZE;
					 c = numapg_mask_next(&cpus, c))
					CPU_SET(c, &set);
				if (CPU_COUNT(&set) > 0)
					(void) sched_setaffinity(0, sizeof(set), &set);
			}
			_exit(numapg_populate(from, len, page_size) == 0 ? 0 : 1);
		}
		if (pids[p] < 0)
		{
			/* no process: do this share here */
			if (numapg_populate(from, len, page_size) != 0)
				failed++;
		}
	}
	for (int p = 0; p < nprocs; p++)
	{
		int			status;

		if (pids[p] > 0 &&
			(waitpid(pids[p], &status, 0) != pids[p] ||
			 !WIFEXITED(status) || WEXITSTATUS(status) != 0))
			failed++;
	}
	INSTR_TIME_SET_CURRENT(duration);
	INSTR_TIME_SUBTRACT(duration, start);

	if (failed)
		ereport(WARNING,
				(errmsg("numa_pg: %d of %d processes could not prefault their share of shared memory",
						failed, nprocs)));
	ereport(LOG,
			(errmsg("numa_pg: prefaulted %zu MB of shared memory in %.1f ms with %d process(es)",
					numapg_shared->segment_size >> 20,
					INSTR_TIME_GET_MILLISEC(duration), nprocs)));
}

/*
 * Initialise the contents of every worker's regions.  Postmaster, once
 * the regions are placed and prefaulted, before any worker starts.
 */
static void
init_worker_regions(void)
{
	for (int w = 0; w < numapg_pool_nworkers(); w++)
		numapg_serve_init_regions(w);
	numapg_crash_keep_restore();
	/* after a crash, 18 would never start them again (compat.h) */
	numapg_forget_stale_worker_pids("numa_pg", "numapg_worker_main");
}

/*
 * on_shmem_exit callback of the postmaster.  Exit code 1 while the
 * postmaster lives on means it is about to recreate shared memory after a
 * crash: keep the workers' state for the new segment.
 */
static void
numapg_shmem_exit(int code, Datum arg)
{
	if (code != 0)
		numapg_crash_keep_save();
}

/*
 * shmem_startup hook: attach to (or, in the postmaster, create, place and
 * register) the registry and the slabs.
 */
static void
numapg_shmem_startup(void)
{
	NumaPgLayout *layout = numapg_layout();
	bool		found;
	char	   *slab_base[NUMAPG_TOPO_MAX_NODES + 1];

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	/* reset in case this is a restart within the postmaster */
	numapg_shared = NULL;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	numapg_shared = ShmemInitStruct("numa_pg", numapg_layout_registry_size(), &found);
	for (int s = 0; s < layout->nslabs; s++)
	{
		char		name[64];
		bool		slab_found;
		char	   *raw;

		snprintf(name, sizeof(name), "numa_pg slab node %d", layout->slabs[s].node);
		raw = ShmemInitStruct(name, layout->slabs[s].size + layout->slab_alignment,
							  &slab_found);
		slab_base[s] = (char *) TYPEALIGN(layout->slab_alignment, raw);
	}

	numapg_replies_attach(!found);

	if (!found)
	{
		NumaPgTopology *live = numapg_read_topology();
		NumaPgSupport support;
		bool		enabled;
		const NumaPgWorkerPlace *places = numapg_pool_places();
		LWLockPadded *locks;

		numapg_probe_support(live, &support);

		memset(numapg_shared, 0, numapg_layout_registry_size());
		/* the tranche: the registry's lock, then the rings', pools', stores' */
		locks = GetNamedLWLockTranche("numa_pg");
		numapg_shared->lock = &locks[0].lock;
		numapg_shared->ring_locks = locks + 1;
		numapg_shared->pool_locks = numapg_shared->ring_locks +
			numapg_pool_nworkers() * layout->nproducer_nodes;
		numapg_shared->store_locks = numapg_shared->pool_locks + layout->npools;
		numapg_shared->npools = layout->npools;
		for (int i = 0; i < layout->npools; i++)
		{
			numapg_shared->pools[i] = layout->pools[i];
			numapg_shared->pools[i].lock = &numapg_shared->pool_locks[i].lock;
		}
		numapg_shared->nworkers = numapg_pool_nworkers();
		numapg_shared->nproducer_nodes = layout->nproducer_nodes;
		memcpy(numapg_shared->producer_nodes, layout->producer_nodes,
			   sizeof(int) * layout->nproducer_nodes);
		numapg_shared->slab_alignment = layout->slab_alignment;
		numapg_shared->nregions = layout->nregions;
		if (layout->nregions > 0)
			memcpy(numapg_shared->regions, layout->regions,
				   sizeof(NumaPgRegion) * layout->nregions);

		/* give each region its address inside its node's slab */
		for (int s = 0; s < layout->nslabs; s++)
		{
			Size		offset = 0;

			for (int r = 0; r < layout->nregions; r++)
			{
				NumaPgRegion *region = &numapg_shared->regions[r];

				if (region->target_node != layout->slabs[s].node)
					continue;
				region->base = slab_base[s] + offset;
				layout->regions[r].base = region->base; /* the postmaster's copy */
				offset += region->size;
			}
		}

		for (int w = 0; w < numapg_pool_nworkers(); w++)
		{
			NumaPgWorkerSlot *slot = &numapg_shared->workers[w];

			slot->cpu = places[w].cpu;
			slot->node = places[w].node;
			slot->memory_node = places[w].memory_node;
			slot->state_region = layout->workers[w].state_region;
			slot->wal_region = layout->workers[w].wal_region;
			slot->first_queue_region = layout->workers[w].first_queue_region;
		}

		/*
		 * numa_pg.enabled = off: nothing is placed or prefaulted (there are
		 * no slabs either: numapg_plan_layout() read no topology).
		 */
		enabled = support.mode != NUMAPG_MODE_DISABLED;
		apply_shared_memory_policy(live, support.libnuma_usable, enabled);
		for (int s = 0; s < layout->nslabs; s++)
			place_slab(slab_base[s], &layout->slabs[s],
					   support.libnuma_usable, live);
		if (enabled)
			prefault_segment(live, support.libnuma_usable);
		init_worker_regions();
		numapg_allocator_init();
		pfree(live);
	}
	LWLockRelease(AddinShmemInitLock);

	if (!IsUnderPostmaster)
		on_shmem_exit(numapg_shmem_exit, (Datum) 0);
}

/* Install the hooks; _PG_init calls this when preloading. */
void
numapg_install_shmem_hooks(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = numapg_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = numapg_shmem_startup;
}
