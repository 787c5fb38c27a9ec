/*-------------------------------------------------------------------------
 *
 * numa_check.c
 *		Decide each NUMA health check from the facts: ok, warning, problem,
 *		or skipped with the reason.
 *
 * One function per check, each filling a result: what was found (with the
 * figures it was decided on), why it matters, and what to do.  numa_check()
 * shows them all; the start-up warnings about zone reclaim and free memory
 * are the same results (numa_support.c), so the log and the function can
 * never disagree.  A check that cannot be made (a file missing, one node
 * where it needs several, numa_pg not preloaded) is skipped and says why.
 *
 * The kernel's facts come from files under a root directory:
 *
 *	proc/sys/vm/zone_reclaim_mode, proc/sys/kernel/numa_balancing
 *	sys/kernel/mm/transparent_hugepage/enabled	"always [madvise] never"
 *	proc/meminfo								SwapTotal, SwapFree
 *	proc/vmstat									numa_pages_migrated
 *	sys/devices/system/cpu/cpuN/topology/physical_package_id
 *
 * IDENTIFICATION
 *	  src/numa_check.c
 *
 *-------------------------------------------------------------------------
 */
#include "numa_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_stats.h"

/* Below this many faulted-in pages, where the segment is says nothing. */
#define SEGMENT_MIN_PAGES	1024

/* Text of a status, as numa_check() shows it. */
const char *
numapg_check_status_name(NumaPgCheckStatus status)
{
	switch (status)
	{
		case NUMAPG_CHECK_OK:
			return "ok";
		case NUMAPG_CHECK_WARNING:
			return "warning";
		case NUMAPG_CHECK_PROBLEM:
			return "problem";
		case NUMAPG_CHECK_SKIPPED:
			return "skipped";
	}
	return "unknown";
}

/* Facts that are all unknown. */
void
numapg_check_facts_init(NumaPgCheckFacts *facts)
{
	memset(facts, 0, sizeof(*facts));
	facts->zone_reclaim_mode = -1;
	facts->numa_balancing = -1;
	facts->numa_pages_migrated = -1;
	facts->swap_total = facts->swap_free = -1;
	facts->policy_text = "default";
	facts->policy.kind = NUMAPG_SPEC_DEFAULT;
	snprintf(facts->segment_unknown_why, sizeof(facts->segment_unknown_why),
			 "where PostgreSQL's shared memory is was not asked");
}

/* Read an int sysctl file; -1 when missing or not a number. */
static int
read_int(const char *root, const char *rel)
{
	int64_t		v = numapg_read_int_file(root, rel);

	return v < 0 || v > 1000000 ? -1 : (int) v;
}

/*
 * Read the kernel's facts under root into facts (the topology is the
 * caller's: facts->topo).  What cannot be read stays unknown.
 */
void
numapg_check_read_kernel(const char *root, NumaPgCheckFacts *facts)
{
	char		buf[16384];
	NumaPgCounter counters[NUMAPG_VMSTAT_MAX];
	int			n;
	char		err[256];

	facts->zone_reclaim_mode = read_int(root, "proc/sys/vm/zone_reclaim_mode");
	facts->numa_balancing = read_int(root, "proc/sys/kernel/numa_balancing");

	facts->thp_enabled[0] = '\0';
	if (numapg_read_small_file(root, "sys/kernel/mm/transparent_hugepage/enabled",
							   buf, sizeof(buf)))
	{
		const char *open = strchr(buf, '[');
		const char *close = open ? strchr(open, ']') : NULL;

		if (close && (size_t) (close - open - 1) < sizeof(facts->thp_enabled))
		{
			memcpy(facts->thp_enabled, open + 1, close - open - 1);
			facts->thp_enabled[close - open - 1] = '\0';
		}
	}

	facts->swap_total = facts->swap_free = -1;
	if (numapg_read_small_file(root, "proc/meminfo", buf, sizeof(buf)))
	{
		facts->swap_total = numapg_meminfo_bytes(buf, "SwapTotal");
		facts->swap_free = numapg_meminfo_bytes(buf, "SwapFree");
		if (facts->swap_total < 0 || facts->swap_free < 0)
			facts->swap_total = facts->swap_free = -1;
	}

	facts->numa_pages_migrated = -1;
	if (numapg_vmstat_read(root, counters, NUMAPG_VMSTAT_MAX, &n, err, sizeof(err)))
		facts->numa_pages_migrated = numapg_counter_value(counters, n, "numa_pages_migrated");

	facts->packages_known = false;
	if (facts->topo)
	{
		facts->packages_known = numapg_mask_count(&facts->topo->cpus_online) > 0;
		for (int cpu = numapg_mask_next(&facts->topo->cpus_online, -1); cpu >= 0;
			 cpu = numapg_mask_next(&facts->topo->cpus_online, cpu))
		{
			char		rel[128];
			int64_t		pkg;

			snprintf(rel, sizeof(rel),
					 "sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
			pkg = numapg_read_int_file(root, rel);
			if (pkg < 0 || pkg > 1000000)
			{
				facts->packages_known = false;
				break;
			}
			facts->cpu_package[cpu] = (int) pkg;
		}
	}
}

/* Start a result: its name and status, and empty texts. */
static void
begin(NumaPgCheckResult *r, const char *name, NumaPgCheckStatus status)
{
	r->name = name;
	r->status = status;
	r->found[0] = r->why[0] = r->action[0] = '\0';
}

/* printf into one of a result's texts */
static void
put(char *field, size_t len, const char *fmt,...) __attribute__((format(printf, 3, 4)));

static void
put(char *field, size_t len, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(field, len, fmt, ap);
	va_end(ap);
}

#define FOUND(r, ...)	put((r)->found, sizeof((r)->found), __VA_ARGS__)
#define WHY(r, ...)		put((r)->why, sizeof((r)->why), __VA_ARGS__)
#define ACTION(r, ...)	put((r)->action, sizeof((r)->action), __VA_ARGS__)

/* A check that cannot be made, and why. */
static void
skip(NumaPgCheckResult *r, const char *name, const char *why)
{
	begin(r, name, NUMAPG_CHECK_SKIPPED);
	FOUND(r, "%s", why);
}

/*
 * The reason a check needing several memory nodes is skipped, or NULL
 * when there are several.
 */
static const char *
needs_nodes(const NumaPgCheckFacts *f)
{
	if (f->topo == NULL)
		return "the NUMA topology could not be read";
	if (f->topo->synthesized)
		return "this kernel has no NUMA support (no /sys/devices/system/node)";
	if (numapg_topology_usable_memory_nodes(f->topo) < 2)
		return f->topo->node_count < 2 ? "this machine has one NUMA node"
			: "this server may allocate on one NUMA node only";
	return NULL;
}

/* Does numa_pg place this server's memory: a segment policy, or workers? */
static bool
numa_pg_places(const NumaPgCheckFacts *f)
{
	return f->preloaded && (f->policy.kind != NUMAPG_SPEC_DEFAULT || f->nworkers > 0);
}

/*
 * vm.zone_reclaim_mode: non-zero makes the kernel reclaim a node's page
 * cache rather than allocate on another node.  Logged at start too.
 */
void
numapg_check_zone_reclaim(const NumaPgCheckFacts *f, NumaPgCheckResult *r)
{
	const char *name = "zone_reclaim_mode";

	if (f->zone_reclaim_mode < 0)
	{
		skip(r, name, "/proc/sys/vm/zone_reclaim_mode could not be read");
		return;
	}
	if (f->zone_reclaim_mode == 0)
	{
		begin(r, name, NUMAPG_CHECK_OK);
		FOUND(r, "vm.zone_reclaim_mode is 0");
		WHY(r, "The kernel allocates on another node when one is full, keeping the page cache.");
		return;
	}
	if (f->topo && numapg_topology_usable_memory_nodes(f->topo) < 2)
	{
		begin(r, name, NUMAPG_CHECK_OK);
		FOUND(r, "vm.zone_reclaim_mode is %d, which has no effect with one memory node",
			  f->zone_reclaim_mode);
		WHY(r, "Zone reclaim only chooses between reclaiming on a node and allocating on another.");
		ACTION(r, "Set vm.zone_reclaim_mode = 0 with sysctl before the machine has several nodes.");
		return;
	}
	begin(r, name, NUMAPG_CHECK_PROBLEM);
	FOUND(r, "vm.zone_reclaim_mode is %d", f->zone_reclaim_mode);
	WHY(r, "The kernel then evicts a node's page cache before it allocates on another node, which shrinks the file cache a database relies on.");
	ACTION(r, "Set vm.zone_reclaim_mode = 0 with sysctl.");
}

/* kernel.numa_balancing against memory numa_pg placed on purpose. */
static void
check_balancing(const NumaPgCheckFacts *f, NumaPgCheckResult *r)
{
	const char *name = "numa_balancing";
	const char *why_skip = needs_nodes(f);
	char		migrated[64] = "";

	if (f->numa_balancing < 0)
	{
		skip(r, name, "/proc/sys/kernel/numa_balancing could not be read: this kernel has no automatic NUMA balancing");
		return;
	}
	if (why_skip)
	{
		skip(r, name, why_skip);
		return;
	}
	if (f->numa_pages_migrated >= 0)
		snprintf(migrated, sizeof(migrated), " (%lld pages migrated by it since boot)",
				 (long long) f->numa_pages_migrated);
	if (f->numa_balancing == 0)
	{
		begin(r, name, NUMAPG_CHECK_OK);
		FOUND(r, "kernel.numa_balancing is 0%s", migrated);
		WHY(r, "Pages stay where they were placed.");
		return;
	}
	if (!numa_pg_places(f))
	{
		begin(r, name, NUMAPG_CHECK_OK);
		FOUND(r, "kernel.numa_balancing is %d%s; numa_pg places nothing on this server (numa_pg.shared_memory_policy is %s, no workers)",
			  f->numa_balancing, migrated, f->policy_text);
		WHY(r, "With nothing placed, the kernel's balancing is what moves pages towards the backends that use them.");
		ACTION(r, "If PostgreSQL's shared memory is placed with numa_pg.shared_memory_policy, turn balancing off.");
		return;
	}
	begin(r, name, NUMAPG_CHECK_WARNING);
	FOUND(r, "kernel.numa_balancing is %d%s, and numa_pg places this server's memory (numa_pg.shared_memory_policy is %s, %d worker(s))",
		  f->numa_balancing, migrated, f->policy_text, f->nworkers);
	WHY(r, "Automatic NUMA balancing unmaps pages periodically to sample who uses them, so backends take hinting faults, and it moves pages without a policy of their own towards whichever backend touched them last: shared buffers used from every node move back and forth, against a placement made on purpose.");
	ACTION(r, "Set kernel.numa_balancing = 0 with sysctl.");
}

/* transparent_hugepage/enabled = always is a latency risk for PostgreSQL. */
static void
check_thp(const NumaPgCheckFacts *f, NumaPgCheckResult *r)
{
	const char *name = "transparent_hugepages";

	if (f->thp_enabled[0] == '\0')
	{
		skip(r, name, "/sys/kernel/mm/transparent_hugepage/enabled could not be read: this kernel has no transparent huge pages");
		return;
	}
	if (strcmp(f->thp_enabled, "always") == 0)
	{
		begin(r, name, NUMAPG_CHECK_WARNING);
		FOUND(r, "transparent huge pages are enabled always");
		WHY(r, "The kernel then compacts memory and collapses pages (khugepaged) behind every process, which stalls backends and bloats their private memory; PostgreSQL gets huge pages for its shared memory from huge_pages instead.");
		ACTION(r, "Write madvise (or never) to /sys/kernel/mm/transparent_hugepage/enabled, and reserve huge pages for huge_pages = on.");
		return;
	}
	begin(r, name, NUMAPG_CHECK_OK);
	FOUND(r, "transparent huge pages are enabled %s", f->thp_enabled);
	WHY(r, "Only memory that asks for them gets transparent huge pages.");
}

/* Nodes, by id, as "0, 2" from a per-index condition (helper for texts). */
static void
node_list(const NumaPgTopology *topo, const bool *which, char *buf, size_t len)
{
	size_t		used = 0;

	buf[0] = '\0';
	for (int i = 0; i < topo->node_count && used < len; i++)
		if (which[i])
			used += snprintf(buf + used, len - used, "%s%d", used ? ", " : "",
							 topo->nodes[i].id);
}

/*
 * PostgreSQL's segment with numa_pg.shared_memory_policy = default: all on
 * one node, or much more on one than its share.
 */
static void
check_segment(const NumaPgCheckFacts *f, NumaPgCheckResult *r)
{
	const char *name = "shared_memory_placement";
	const char *why_skip = needs_nodes(f);
	int64_t		faulted = 0;
	int64_t		most = 0;
	int			most_index = -1;
	int			nodes = 0;
	char		per_node[512] = "";
	size_t		used = 0;
	double		share;

	if (why_skip)
	{
		skip(r, name, why_skip);
		return;
	}
	if (f->preloaded && f->policy.kind != NUMAPG_SPEC_DEFAULT)
	{
		begin(r, name, NUMAPG_CHECK_OK);
		FOUND(r, "numa_pg.shared_memory_policy is %s: numa_pg placed PostgreSQL's shared memory", f->policy_text);
		WHY(r, "The policy says where the pages go; numa_shmem_allocations() shows where they are.");
		return;
	}
	if (!f->segment_known)
	{
		skip(r, name, f->segment_unknown_why);
		return;
	}
	for (int i = 0; i < f->topo->node_count; i++)
	{
		if (!numapg_topology_memory_usable(f->topo, i))
			continue;
		nodes++;
		faulted += f->segment_pages[i];
		if (most_index < 0 || f->segment_pages[i] > most)
		{
			most = f->segment_pages[i];
			most_index = i;
		}
		if (used < sizeof(per_node))
			used += snprintf(per_node + used, sizeof(per_node) - used, "%snode %d: %lld",
							 used ? ", " : "", f->topo->nodes[i].id,
							 (long long) f->segment_pages[i]);
	}
	if (faulted < SEGMENT_MIN_PAGES)
	{
		begin(r, name, NUMAPG_CHECK_SKIPPED);
		FOUND(r, "only %lld pages of shared buffers are faulted in (%s), fewer than %d: too few to judge",
			  (long long) faulted, per_node, SEGMENT_MIN_PAGES);
		return;
	}
	share = (double) most / (double) faulted;
	if (share > 0.9 || share > 1.5 / nodes)
	{
		begin(r, name, NUMAPG_CHECK_WARNING);
		FOUND(r, "numa_pg.shared_memory_policy is %s and %.0f%% of the faulted-in pages of shared buffers are on node %d (pages %s; %lld not faulted in)",
			  f->policy_text, share * 100, f->topo->nodes[most_index].id, per_node,
			  (long long) f->segment_not_faulted);
		WHY(r, "Each page went to the node of the process that touched it first; backends on the other nodes reach those shared buffers remotely, and node %d's memory fills first.",
			f->topo->nodes[most_index].id);
		ACTION(r, "Set numa_pg.shared_memory_policy = 'interleave' (and numa_pg.prefault = on), then restart.");
		return;
	}
	begin(r, name, NUMAPG_CHECK_OK);
	FOUND(r, "numa_pg.shared_memory_policy is %s; the faulted-in pages of shared buffers are spread: %s (at most %.0f%% on one node)",
		  f->policy_text, per_node, share * 100);
	WHY(r, "No node holds much more than its share of shared buffers.");
}

/* Free memory badly imbalanced across nodes.  Logged at start too. */
void
numapg_check_free_memory(const NumaPgCheckFacts *f, NumaPgCheckResult *r)
{
	const char *name = "free_memory_balance";
	const char *why_skip = needs_nodes(f);
	int			low,
				high;
	const NumaPgNode *lo,
			   *hi;

	if (why_skip)
	{
		skip(r, name, why_skip);
		return;
	}
	if (!numapg_topology_imbalanced(f->topo, &low, &high))
	{
		begin(r, name, NUMAPG_CHECK_OK);
		FOUND(r, "no node this server may use has less than 10%% of its memory free while another has more than half");
		WHY(r, "Memory meant for a node can be had there.");
		return;
	}
	lo = &f->topo->nodes[low];
	hi = &f->topo->nodes[high];
	begin(r, name, NUMAPG_CHECK_WARNING);
	FOUND(r, "free memory is imbalanced across NUMA nodes: node %d has %lld MB free of %lld MB, node %d has %lld MB free of %lld MB",
		  lo->id, (long long) (lo->memory_free >> 20), (long long) (lo->memory_total >> 20),
		  hi->id, (long long) (hi->memory_free >> 20), (long long) (hi->memory_total >> 20));
	WHY(r, "Memory that is meant to be local to node %d will be placed elsewhere.", lo->id);
	ACTION(r, "Look for processes bound to node %d (numactl --membind, cpusets), or set numa_pg.shared_memory_policy = 'interleave'.",
		   lo->id);
}

/* A node's free huge pages of the given size; -1 when it has none of it. */
static int64_t
free_huge_pages(const NumaPgNode *n, size_t size)
{
	if (size == ((size_t) 2 << 20))
		return n->hugepages_2mb_free;
	if (size == ((size_t) 1 << 30))
		return n->hugepages_1gb_free;
	return -1;
}

/*
 * Huge pages on each node against what the segment policy needs there.
 * A node's huge pages for a restart are its free ones plus those of the
 * running segment on it (freed when the server stops).
 */
static void
check_huge_pages(const NumaPgCheckFacts *f, NumaPgCheckResult *r)
{
	const char *name = "huge_pages_per_node";
	const char *why_skip = needs_nodes(f);
	bool		on_huge;
	int64_t		needed;
	int64_t		have[NUMAPG_TOPO_MAX_NODES];
	bool		target[NUMAPG_TOPO_MAX_NODES] = {0};
	bool		short_of[NUMAPG_TOPO_MAX_NODES] = {0};
	int			ntargets = 0;
	int64_t		have_sum = 0;
	int64_t		per_target;
	char		detail[512] = "";
	char		shortlist[256];
	size_t		used = 0;
	bool		any_short = false;
	const char *kind;

	if (f->huge_pages == NUMAPG_HUGE_PAGES_OFF)
	{
		skip(r, name, "huge_pages is off");
		return;
	}
	if (why_skip)
	{
		skip(r, name, why_skip);
		return;
	}
	if (f->huge_page_size == 0 || f->shared_memory_bytes <= 0)
	{
		skip(r, name, "the huge page size or the size of PostgreSQL's shared memory is not known");
		return;
	}
	on_huge = f->segment_known && f->segment_page_size == f->huge_page_size;
	needed = (f->shared_memory_bytes + (int64_t) f->huge_page_size - 1) / (int64_t) f->huge_page_size;
	for (int i = 0; i < f->topo->node_count; i++)
	{
		const NumaPgNode *n = &f->topo->nodes[i];
		int64_t		free_pages = free_huge_pages(n, f->huge_page_size);

		have[i] = (free_pages < 0 ? 0 : free_pages) + (on_huge ? f->segment_pages[i] : 0);
		if (!numapg_topology_memory_usable(f->topo, i))
			continue;
		switch (f->policy.kind)
		{
			case NUMAPG_SPEC_DEFAULT:
				target[i] = true;
				break;
			case NUMAPG_SPEC_INTERLEAVE:
				target[i] = f->policy.all_nodes || numapg_mask_test(&f->policy.nodes, n->id);
				break;
			case NUMAPG_SPEC_BIND:
			case NUMAPG_SPEC_PREFERRED:
				target[i] = numapg_mask_test(&f->policy.nodes, n->id);
				break;
		}
		if (target[i])
		{
			ntargets++;
			have_sum += have[i];
		}
		if (used < sizeof(detail))
			used += snprintf(detail + used, sizeof(detail) - used, "%snode %d: %lld",
							 used ? ", " : "", n->id, (long long) have[i]);
	}
	if (ntargets == 0)
	{
		skip(r, name, "the policy names no node this server may allocate on");
		return;
	}
	per_target = f->policy.kind == NUMAPG_SPEC_INTERLEAVE ? (needed + ntargets - 1) / ntargets : needed;
	if (f->policy.kind == NUMAPG_SPEC_INTERLEAVE)
	{
		for (int i = 0; i < f->topo->node_count; i++)
			if (target[i] && have[i] < per_target)
				short_of[i] = any_short = true;
	}
	else if (have_sum < needed)
	{
		for (int i = 0; i < f->topo->node_count; i++)
			short_of[i] = target[i];
		any_short = true;
	}
	node_list(f->topo, short_of, shortlist, sizeof(shortlist));
	kind = f->huge_pages == NUMAPG_HUGE_PAGES_ON ? "on" : "try";

	if (any_short)
	{
		begin(r, name, f->policy.kind == NUMAPG_SPEC_BIND && f->huge_pages == NUMAPG_HUGE_PAGES_ON
			  ? NUMAPG_CHECK_PROBLEM : NUMAPG_CHECK_WARNING);
		FOUND(r, "huge_pages is %s and numa_pg.shared_memory_policy is %s: the segment needs %lld huge pages of %zu kB (%lld per node under interleave), but node(s) %s have fewer for it (free plus the segment's own: %s)",
			  kind, f->policy_text, (long long) needed, f->huge_page_size >> 10,
			  (long long) per_target, shortlist, detail);
		WHY(r, "A huge page the policy wants on a node without one free goes to another node (interleave, preferred, default) or cannot be had at all (bind: the process that faults it in is killed with SIGBUS); with huge_pages = try a start may fall back to 4 kB pages.");
		ACTION(r, "Reserve huge pages on each node: echo N > /sys/devices/system/node/nodeX/hugepages/hugepages-%zukB/nr_hugepages.",
			   f->huge_page_size >> 10);
		return;
	}
	if (f->huge_pages == NUMAPG_HUGE_PAGES_TRY && f->segment_known && !on_huge)
	{
		begin(r, name, NUMAPG_CHECK_WARNING);
		FOUND(r, "huge_pages is try but PostgreSQL's shared memory is on %zu kB pages; the nodes now have enough for it (%s)",
			  f->segment_page_size >> 10, detail);
		WHY(r, "Every backend maps shared buffers with small pages: more TLB misses and page tables.");
		ACTION(r, "Restart the server to get huge pages, or set huge_pages = on so that a start without them fails.");
		return;
	}
	begin(r, name, NUMAPG_CHECK_OK);
	FOUND(r, "huge_pages is %s; the segment needs %lld huge pages of %zu kB and each node the policy %s uses has enough (free plus the segment's own: %s)",
		  kind, (long long) needed, f->huge_page_size >> 10, f->policy_text, detail);
	WHY(r, "A restart finds the huge pages where the policy places the segment.");
}

/* Nodes or CPUs this server may not use: a cpuset, affinity, or numactl. */
static void
check_restrictions(const NumaPgCheckFacts *f, NumaPgCheckResult *r)
{
	const char *name = "cpuset_and_policy";
	const NumaPgTopology *t = f->topo;
	bool		excluded[NUMAPG_TOPO_MAX_NODES] = {0};
	bool		any_node = false;
	NumaPgMask	cpus_out;
	char		nodes[256];
	char		cpus[512];
	char		allowed[512];
	char		policy_nodes[256];
	bool		policy = false;

	if (t == NULL)
	{
		skip(r, name, "the NUMA topology could not be read");
		return;
	}
	for (int i = 0; i < t->node_count; i++)
		if (t->nodes[i].has_memory && !numapg_mask_test(&t->mems_allowed, t->nodes[i].id))
			excluded[i] = any_node = true;
	numapg_mask_clear(&cpus_out);
	for (int cpu = numapg_mask_next(&t->cpus_online, -1); cpu >= 0;
		 cpu = numapg_mask_next(&t->cpus_online, cpu))
		if (!numapg_mask_test(&t->cpus_allowed, cpu))
			numapg_mask_set(&cpus_out, cpu);
	node_list(t, excluded, nodes, sizeof(nodes));
	numapg_format_list(&cpus_out, cpus, sizeof(cpus));
	numapg_format_list(&t->cpus_allowed, allowed, sizeof(allowed));
	numapg_format_list(&t->task_policy.nodes, policy_nodes, sizeof(policy_nodes));
	policy = t->task_policy.mode != NUMAPG_TASK_POLICY_DEFAULT &&
		t->task_policy.mode != NUMAPG_TASK_POLICY_LOCAL &&
		t->task_policy.mode != NUMAPG_TASK_POLICY_UNKNOWN;

	if (!any_node && numapg_mask_count(&cpus_out) == 0 && !policy)
	{
		begin(r, name, NUMAPG_CHECK_OK);
		FOUND(r, "this server may run on every online CPU (%s) and allocate on every node with memory; it was started under the %s memory policy",
			  allowed, numapg_task_policy_name(t->task_policy.mode));
		WHY(r, "Nothing outside PostgreSQL limits where its processes and memory go.");
		return;
	}
	begin(r, name, NUMAPG_CHECK_WARNING);
	FOUND(r, "this server may not allocate on node(s) %s, may not run on CPU(s) %s (it may run on %s), and was started under the %s memory policy%s%s",
		  nodes[0] ? nodes : "(none excluded)", cpus[0] ? cpus : "(none excluded)", allowed,
		  numapg_task_policy_name(t->task_policy.mode), policy ? " on nodes " : "",
		  policy ? policy_nodes : "");
	WHY(r, "A cpuset, a CPU affinity or numactl (--membind, --interleave, --preferred, --cpunodebind) decides for the whole server where it runs and allocates; numa_pg honours it and places memory only within it.");
	ACTION(r, "If that was not meant, start PostgreSQL outside the cpuset or without numactl (see numa_status() and numa_topology().cpus_allowed, memory_allowed).");
}

/* Several NUMA nodes in one CPU package (sub-NUMA clustering, SNC/NPS). */
static void
check_snc(const NumaPgCheckFacts *f, NumaPgCheckResult *r)
{
	const char *name = "sub_numa_clustering";
	const NumaPgTopology *t = f->topo;
	char		found[512] = "";
	size_t		used = 0;
	int			packages[NUMAPG_TOPO_MAX_NODES];
	int			npackages = 0;
	bool		snc = false;

	if (t == NULL || t->node_count < 2 || t->synthesized)
	{
		skip(r, name, t == NULL ? "the NUMA topology could not be read"
			 : "this machine has one NUMA node");
		return;
	}
	if (!f->packages_known)
	{
		skip(r, name, "a CPU's /sys/devices/system/cpu/cpuN/topology/physical_package_id could not be read");
		return;
	}
	/* each package, once, with the nodes its CPUs are on */
	for (int cpu = numapg_mask_next(&t->cpus_online, -1); cpu >= 0;
		 cpu = numapg_mask_next(&t->cpus_online, cpu))
	{
		int			pkg = f->cpu_package[cpu];
		bool		seen = false;

		for (int p = 0; p < npackages; p++)
			seen = seen || packages[p] == pkg;
		if (seen || npackages >= NUMAPG_TOPO_MAX_NODES)
			continue;
		packages[npackages++] = pkg;
		{
			bool		on[NUMAPG_TOPO_MAX_NODES] = {0};
			int			count = 0;
			char		list[256];

			for (int c = numapg_mask_next(&t->cpus_online, -1); c >= 0;
				 c = numapg_mask_next(&t->cpus_online, c))
			{
				int			node;
				int			i;

				if (f->cpu_package[c] != pkg)
					continue;
				node = numapg_topology_node_of_cpu(t, c);
				i = node < 0 ? -1 : numapg_topology_index_of_node(t, node);
				if (i >= 0 && !on[i])
				{
					on[i] = true;
					count++;
				}
			}
			if (count > 1)
			{
				snc = true;
				node_list(t, on, list, sizeof(list));
				if (used < sizeof(found))
					used += snprintf(found + used, sizeof(found) - used, "%spackage %d has nodes %s",
									 used ? "; " : "", pkg, list);
			}
		}
	}
	if (!snc)
	{
		begin(r, name, NUMAPG_CHECK_OK);
		FOUND(r, "each CPU package (socket) is one NUMA node or less: %d package(s), %d node(s)",
			  npackages, t->node_count);
		WHY(r, "The nodes are sockets: remote memory is the other socket's.");
		return;
	}
	begin(r, name, NUMAPG_CHECK_WARNING);
	FOUND(r, "sub-NUMA clustering: %s", found);
	WHY(r, "The firmware splits a socket into several nodes (Intel SNC, AMD NPS): memory of a node of the same socket is only a little slower than local, and binding PostgreSQL to one such node leaves it a fraction of the socket's memory and memory channels.");
	ACTION(r, "Interleave over all the nodes (numa_pg.shared_memory_policy = 'interleave'), or over a socket's nodes; or turn the clustering off in the firmware if nothing is pinned per node.");
}

/* Nodes with CPUs but no memory. */
static void
check_memoryless(const NumaPgCheckFacts *f, NumaPgCheckResult *r)
{
	const char *name = "memoryless_nodes";
	const NumaPgTopology *t = f->topo;
	bool		which[NUMAPG_TOPO_MAX_NODES] = {0};
	bool		any = false;
	char		list[256];

	if (t == NULL || t->node_count < 2 || t->synthesized)
	{
		skip(r, name, t == NULL ? "the NUMA topology could not be read"
			 : "this machine has one NUMA node");
		return;
	}
	for (int i = 0; i < t->node_count; i++)
		if (!t->nodes[i].has_memory && numapg_mask_count(&t->nodes[i].cpus) > 0)
			which[i] = any = true;
	if (!any)
	{
		begin(r, name, NUMAPG_CHECK_OK);
		FOUND(r, "every node with CPUs has memory");
		WHY(r, "Every CPU has local memory.");
		return;
	}
	node_list(t, which, list, sizeof(list));
	begin(r, name, NUMAPG_CHECK_WARNING);
	FOUND(r, "node(s) %s have CPUs but no memory", list);
	WHY(r, "Every process on those CPUs reaches all its memory remotely; numa_pg gives their workers memory on the nearest node with memory.");
	ACTION(r, "Check the DIMM population and the firmware's NUMA settings; keep latency-critical backends off those CPUs.");
}

/*
 * The client backends numa_pg.backend_placement placed, per node: under
 * spread they should be about even, since each new one goes to the node
 * with the fewest.  An uneven count under spread means backends placed by
 * fixed rules crowd one node, or many placed on one node exited; rules
 * alone place where they say, which is reported, not judged.
 */
static void
check_backends(const NumaPgCheckFacts *f, NumaPgCheckResult *r)
{
	const char *name = "backend_placement";
	const NumaPgTopology *t = f->topo;
	int			nplaceable = 0;
	int			total = 0;
	int			min = -1;
	int			max = 0;
	int			slack;
	char		counts[512] = "";
	size_t		used = 0;

	if (!f->preloaded)
	{
		skip(r, name, "numa_pg is not preloaded (or numa_pg.enabled is off): it places no backend");
		return;
	}
	if (!f->placement_on)
	{
		skip(r, name, "numa_pg.backend_placement is off: no backend is placed");
		return;
	}
	for (int i = 0; t != NULL && i < t->node_count; i++)
	{
		if (!f->placeable[i])
			continue;
		nplaceable++;
		total += f->placed[i];
		if (min < 0 || f->placed[i] < min)
			min = f->placed[i];
		if (f->placed[i] > max)
			max = f->placed[i];
		if (used < sizeof(counts))
			used += snprintf(counts + used, sizeof(counts) - used, "%snode %d: %d",
							 used ? ", " : "", t->nodes[i].id, f->placed[i]);
	}
	if (nplaceable < 2)
	{
		skip(r, name, "fewer than two nodes have CPUs this server may run on: there is no choice of node");
		return;
	}
	if (!f->placement_spread)
	{
		begin(r, name, NUMAPG_CHECK_OK);
		FOUND(r, "backends placed by rules naming their nodes: %s", counts);
		WHY(r, "The rules put each database's or role's backends where they say; their counts are as the workload makes them.");
		return;
	}
	/* spread: apart by more than 2, or by half the average, is not spread */
	slack = total / nplaceable / 2;
	if (slack < 2)
		slack = 2;
	if (max - min <= slack)
	{
		begin(r, name, NUMAPG_CHECK_OK);
		FOUND(r, "%d backend(s) placed, spread: %s", total, counts);
		WHY(r, "Each node's CPUs and memory serve a like share of the backends.");
		return;
	}
	begin(r, name, NUMAPG_CHECK_WARNING);
	FOUND(r, "%d backend(s) placed, unevenly for spread: %s", total, counts);
	WHY(r, "The busiest node's CPUs and memory bandwidth serve more backends than the others', while spread meant them even; rules naming a node before the spread rule, or backends exiting unevenly, do this.");
	ACTION(r, "Look at numa_processes() for the databases and roles on the busy node, and at the rules of numa_pg.backend_placement; new backends go to the least busy node, so short-lived connections even it out.");
}

/* numa_pg's workers pinned on the CPUs planned for them. */
static void
check_workers(const NumaPgCheckFacts *f, NumaPgCheckResult *r)
{
	const char *name = "worker_pinning";
	int			running = 0;
	int			bad = 0;
	char		bads[512] = "";
	size_t		used = 0;

	if (!f->preloaded)
	{
		skip(r, name, "numa_pg is not preloaded (or numa_pg.enabled is off): it has no workers");
		return;
	}
	if (f->nworkers == 0)
	{
		skip(r, name, "numa_pg.workers is 0: there are no workers to pin");
		return;
	}
	for (int w = 0; w < f->nworkers && w < NUMAPG_CHECK_MAX_WORKERS; w++)
	{
		const NumaPgCheckWorker *k = &f->workers[w];

		if (!k->running)
			continue;
		running++;
		if (k->pinned && k->affinity_exact)
			continue;
		bad++;
		if (used < sizeof(bads))
			used += snprintf(bads + used, sizeof(bads) - used, "%sworker %d (CPU %d)",
							 used ? ", " : "", w, k->cpu);
	}
	if (bad > 0)
	{
		begin(r, name, NUMAPG_CHECK_PROBLEM);
		FOUND(r, "%d of %d running worker(s) are not pinned to their CPU alone: %s",
			  bad, running, bads);
		WHY(r, "A worker off its CPU serves its node's store from another node, and the CPU it was planned on may be taken by others.");
		ACTION(r, "See numa_workers() (pinned, affinity) and the server log for why pinning failed (a cpuset that lacks the CPU, sched_setaffinity refused).");
		return;
	}
	if (running < f->nworkers)
	{
		begin(r, name, NUMAPG_CHECK_WARNING);
		FOUND(r, "%d of %d worker(s) are running; each running one is pinned to its CPU", running, f->nworkers);
		WHY(r, "The keys of a worker that is not running are not served through its inbox.");
		ACTION(r, "See numa_workers() and the server log (a worker restarting, max_worker_processes).");
		return;
	}
	begin(r, name, NUMAPG_CHECK_OK);
	FOUND(r, "all %d worker(s) are running, each pinned to its planned CPU alone", f->nworkers);
	WHY(r, "Each worker's store is on its node and served from it.");
}

/* Swap in use. */
static void
check_swap(const NumaPgCheckFacts *f, NumaPgCheckResult *r)
{
	const char *name = "swap";
	int64_t		used;

	if (f->swap_total < 0)
	{
		skip(r, name, "/proc/meminfo could not be read (SwapTotal, SwapFree)");
		return;
	}
	if (f->swap_total == 0)
	{
		begin(r, name, NUMAPG_CHECK_OK);
		FOUND(r, "no swap is configured");
		WHY(r, "No memory of PostgreSQL can be swapped out.");
		return;
	}
	used = f->swap_total - f->swap_free;
	if (used > 0)
	{
		begin(r, name, NUMAPG_CHECK_WARNING);
		FOUND(r, "%lld kB of %lld kB of swap are in use", (long long) (used >> 10),
			  (long long) (f->swap_total >> 10));
		WHY(r, "Swapped-out pages of shared buffers or backends cost a disk read when touched; on a NUMA machine a node short of memory can swap while another has memory free.");
		ACTION(r, "See which processes use swap (/proc/PID/status VmSwap) and free_memory_balance; lower shared_buffers or work_mem, or interleave the segment.");
		return;
	}
	begin(r, name, NUMAPG_CHECK_OK);
	FOUND(r, "%lld kB of swap are configured, none in use", (long long) (f->swap_total >> 10));
	WHY(r, "Nothing is swapped out.");
}

/*
 * Run every check on facts into out (NUMAPG_CHECK_COUNT results).  Returns
 * the number of results.
 */
int
numapg_run_checks(const NumaPgCheckFacts *facts, NumaPgCheckResult *out)
{
	int			n = 0;

	numapg_check_zone_reclaim(facts, &out[n++]);
	check_balancing(facts, &out[n++]);
	check_thp(facts, &out[n++]);
	check_segment(facts, &out[n++]);
	numapg_check_free_memory(facts, &out[n++]);
	check_huge_pages(facts, &out[n++]);
	check_restrictions(facts, &out[n++]);
	check_snc(facts, &out[n++]);
	check_memoryless(facts, &out[n++]);
	check_workers(facts, &out[n++]);
	check_swap(facts, &out[n++]);
	check_backends(facts, &out[n++]);
	return n;
}
