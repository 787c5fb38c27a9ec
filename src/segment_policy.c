/*-------------------------------------------------------------------------
 *
 * segment_policy.c
 *		PostgreSQL's own shared memory: numa_pg.shared_memory_policy
 *		applied to its whole main segment, and numa_pg.prefault, which
 *		faults it all in at start with one process per node.
 *
 * IDENTIFICATION
 *	  src/segment_policy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "portability/instr_time.h"

#include "guc.h"
#include "layout.h"
#include "placement.h"
#include "policy_spec.h"
#include "registry.h"
#include "segment_policy.h"
#include "topology.h"

/*
 * Before binding PostgreSQL's segment (bind:<nodes> or preferred:<node>):
 * does it fit in what those nodes have available (numapg_topology_available_bytes():
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
		available += numapg_topology_available_bytes(live, node, page_size);
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
void
numapg_apply_segment_policy(const NumaPgTopology *live, bool can_bind,
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
				(errcode(ERRCODE_WARNING),
				 errmsg("numa_pg: numa_pg.shared_memory_policy is \"%s\", but NUMA placement is not available here",
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
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("numa_pg: could not interleave the pages of PostgreSQL's shared memory that exist already: %s",
							strerror(merr)),
					 errdetail("Those pages stay on the node where they are.")));
	}
	INSTR_TIME_SET_CURRENT(duration);
	INSTR_TIME_SUBTRACT(duration, start);
	numapg_shared->segment_policy_ms = INSTR_TIME_GET_MILLISEC(duration);

	if (numapg_shared->segment_errno != 0)
		ereport(WARNING,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("numa_pg: could not apply numa_pg.shared_memory_policy \"%s\" to PostgreSQL's shared memory: %s",
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
void
numapg_prefault_segment_pages(const NumaPgTopology *live, bool can_bind)
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
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("numa_pg: %d of %d processes could not prefault their share of shared memory",
						failed, nprocs)));
	ereport(LOG,
			(errmsg("numa_pg: prefaulted %zu MB of shared memory in %.1f ms with %d process(es)",
					numapg_shared->segment_size >> 20,
					INSTR_TIME_GET_MILLISEC(duration), nprocs)));
}
