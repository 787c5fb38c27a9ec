/*-------------------------------------------------------------------------
 *
 * test_membench.c
 *		Unit tests of the memory latency and bandwidth benchmark: the
 *		pointer chase is one cycle through every line, the plan on the
 *		fixture topologies, refused arguments, and a real run on this
 *		machine that must give positive finite figures and leave no pinned
 *		thread and no mapping behind, also when the check callback jumps
 *		out of it.  No assertion is about speed.
 *
 * IDENTIFICATION
 *	  test/unit/test_membench.c
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE 1

#include <math.h>
#include <sched.h>
#include <setjmp.h>
#include <stdlib.h>
#include <unistd.h>

#include "membench.h"
#include "tap.h"

#define LINE NUMAPG_MEMBENCH_LINE

static const char *fixtures;

/* Read fixture "name" (or the live system for NULL). */
static bool
load(const char *name, NumaPgTopology *topo)
{
	char		root[4096];
	char		err[512] = "";

	if (name)
		snprintf(root, sizeof(root), "%s/%s", fixtures, name);
	else
		snprintf(root, sizeof(root), "/");
	return numapg_topology_read(root, topo, err, sizeof(err));
}

/*
 * Follow the chase from line "from" until it comes back; true if it took
 * exactly "lines" steps and saw every line once.
 */
static bool
single_cycle(char *base, size_t lines, size_t from)
{
	unsigned char *seen = calloc(lines, 1);
	char	   *p = base + from * LINE;
	size_t		steps = 0;
	bool		good = true;

	do
	{
		size_t		off = (size_t) (p - base);

		if (off % LINE != 0 || off / LINE >= lines || seen[off / LINE])
		{
			good = false;
			break;
		}
		seen[off / LINE] = 1;
		p = *(char **) p;
		steps++;
	} while (p != base + from * LINE && steps <= lines);
	free(seen);
	return good && steps == lines;
}

/* A CPU this process may run on. */
static int
some_allowed_cpu(void)
{
	cpu_set_t	set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return -1;
	for (int c = CPU_SETSIZE - 1; c >= 0; c--)
		if (CPU_ISSET(c, &set))
			return c;
	return -1;
}

static bool
same_affinity(const cpu_set_t *a)
{
	cpu_set_t	now;

	return sched_getaffinity(0, sizeof(now), &now) == 0 && CPU_EQUAL(a, &now);
}

static int	checks;
static int	jump_after;
static jmp_buf jump_to;

/* The check callback: counts, and longjmps (as an ERROR would) if told. */
static void
check(void *arg __attribute__((unused)))
{
	checks++;
	if (jump_after > 0 && checks >= jump_after)
		longjmp(jump_to, 1);
}

static bool
finite_positive(double x)
{
	return isfinite(x) && x > 0;
}

static void
test_chase(void)
{
	size_t		lines = 1000;
	char	   *base = aligned_alloc(LINE, lines * LINE);
	char	   *other = aligned_alloc(LINE, lines * LINE);
	size_t		differ = 0;

	numapg_membench_build_chase(base, lines, 42, NULL, NULL);
	ok(single_cycle(base, lines, 0), "1000 lines: one cycle through every line, from line 0");
	ok(single_cycle(base, lines, 777), "and from line 777");
	ok(numapg_membench_chase(base, (long) lines) == base,
	   "the chase comes back to its start after one load per line");
	ok(numapg_membench_chase(base, 1) != base, "and not after one load (no line points to itself)");

	numapg_membench_build_chase(other, lines, 42, NULL, NULL);
	for (size_t i = 0; i < lines; i++)
		if (*(char **) (base + i * LINE) - base != *(char **) (other + i * LINE) - other)
			differ++;
	is_int(differ, 0, "the same seed gives the same chase");
	differ = 0;
	numapg_membench_build_chase(other, lines, 43, NULL, NULL);
	for (size_t i = 0; i < lines; i++)
		if (*(char **) (base + i * LINE) - base != *(char **) (other + i * LINE) - other)
			differ++;
	ok(differ > lines / 2, "another seed gives another chase (%zu of %zu lines differ)", differ, lines);
	ok(single_cycle(other, lines, 0), "which is one cycle too");

	numapg_membench_build_chase(base, 2, 7, NULL, NULL);
	ok(*(char **) base == base + LINE && *(char **) (base + LINE) == base,
	   "2 lines: each points to the other");

	checks = 0;
	jump_after = 0;
	numapg_membench_build_chase(base, lines, 1, check, NULL);
	is_int(checks, 0, "no check in a small build (one per million swaps)");
	free(base);
	free(other);
}

static void
test_map_errors(void)
{
	NumaPgMembenchBuffer buf;
	char		err[256] = "";

	ok(!numapg_membench_map(&buf, 0, -1, NULL, NULL, err, sizeof(err)), "size 0 is refused");
	contains(err, "must be positive", "with a message");
	ok(buf.base == NULL, "and nothing is mapped");
	ok(!numapg_membench_map(&buf, LINE, -1, NULL, NULL, err, sizeof(err)), "one line is refused");
	contains(err, "too small", "with a message");
	ok(!numapg_membench_map(&buf, 1000, -1, NULL, NULL, err, sizeof(err)),
	   "a size not a multiple of a line is refused");
	contains(err, "not a multiple of 64 bytes", "with a message");
	ok(!numapg_membench_map(&buf, 1 << 20, NUMAPG_MAX_NODES, NULL, NULL, err, sizeof(err)),
	   "node %d is refused", NUMAPG_MAX_NODES);
	contains(err, "memory node 1024 is out of range (0 to 1023)", "with a message");
	ok(!numapg_membench_map(&buf, 1 << 20, -2, NULL, NULL, err, sizeof(err)), "node -2 is refused");
	ok(buf.base == NULL, "and nothing is mapped");
}

static void
test_buffer(const NumaPgTopology *live)
{
	NumaPgMembenchBuffer buf;
	char		err[256] = "";
	int			trials = 0,
				passes = 0;
	double		lat,
				bw;
	int			node = -1;

	ok(numapg_membench_map(&buf, 4 << 20, -1, NULL, NULL, err, sizeof(err)),
	   "a 4 MB buffer, not bound%s%s", err[0] ? ": " : "", err);
	is_int(buf.lines, (4 << 20) / LINE, "holds one pointer per line");
	ok(!buf.bound && isnan(buf.pages_on_node), "not bound, placement not asked");
	ok(single_cycle(buf.base, buf.lines, 0), "its chase visits every line once");
	lat = numapg_membench_latency(&buf, 100000, 1, &trials, NULL, NULL);
	ok(finite_positive(lat), "latency is positive and finite (%.1f ns)", lat);
	ok(trials >= 1 && trials <= NUMAPG_MEMBENCH_MAX_REPEATS, "after 1 to %d trials (%d)",
	   NUMAPG_MEMBENCH_MAX_REPEATS, trials);
	bw = numapg_membench_bandwidth(&buf, 1, &passes, NULL, NULL);
	ok(finite_positive(bw), "bandwidth is positive and finite (%.0f MB/s)", bw);
	ok(passes >= 1, "after at least one pass (%d)", passes);
	ok(isnan(numapg_membench_latency(&buf, 0, 1, NULL, NULL, NULL)), "0 loads give no latency");
	numapg_membench_unmap(&buf);
	ok(buf.base == NULL, "unmapped");
	numapg_membench_unmap(&buf);
	ok(buf.base == NULL, "unmapping again does nothing");

	for (int i = 0; i < live->node_count && node < 0; i++)
		if (live->nodes[i].has_memory && numapg_mask_test(&live->mems_allowed, live->nodes[i].id))
			node = live->nodes[i].id;
	ok(numapg_membench_map(&buf, 4 << 20, node, NULL, NULL, err, sizeof(err)),
	   "a 4 MB buffer bound to node %d%s%s", node, err[0] ? ": " : "", err);
	ok(buf.bound, "the binding holds (NUMA system calls work here)");
	ok(buf.pages_on_node == 1.0, "every page is on node %d (fraction %.3f)", node, buf.pages_on_node);
	ok(single_cycle(buf.base, buf.lines, 0), "its chase visits every line once");
	numapg_membench_unmap(&buf);
}

static void
test_pin(void)
{
	NumaPgMembenchState state;
	cpu_set_t	before;
	int			cpu = some_allowed_cpu();
	char		err[256] = "";

	sched_getaffinity(0, sizeof(before), &before);
	numapg_membench_init_state(&state);
	ok(numapg_membench_pin(&state, cpu, err, sizeof(err)), "pinned to CPU %d%s%s", cpu,
	   err[0] ? ": " : "", err);
	is_int(sched_getcpu(), cpu, "runs on CPU %d", cpu);
	ok(CPU_COUNT(&before) == 1 || !same_affinity(&before), "the affinity changed");
	ok(!numapg_membench_pin(&state, -1, err, sizeof(err)), "CPU -1 is refused");
	contains(err, "CPU -1 is out of range", "with a message");
	ok(!numapg_membench_pin(&state, NUMAPG_MAX_CPUS - 1, err, sizeof(err)),
	   "a CPU that does not exist is refused");
	contains(err, "could not pin this process to CPU 8191", "with a message");
	ok(numapg_membench_cleanup(&state, err, sizeof(err)), "cleanup");
	ok(same_affinity(&before), "restores the affinity from before");
	ok(numapg_membench_cleanup(&state, err, sizeof(err)) && same_affinity(&before),
	   "cleanup again changes nothing");
}

static void
test_plan(void)
{
	NumaPgTopology topo;
	NumaPgMembenchPlan plan;
	NumaPgMask	filter;
	char		err[256] = "";

	ok(load("two_socket", &topo), "two_socket loads");
	ok(numapg_membench_plan(&topo, 256, 500, NULL, NULL, &plan, err, sizeof(err)), "plan");
	is_int(plan.ncpu_nodes, 2, "two CPU nodes");
	is_int(plan.nmemory_nodes, 2, "two memory nodes");
	ok(plan.cpu_nodes[0].node == 0 && plan.cpu_nodes[0].cpu == 0 &&
	   plan.cpu_nodes[1].node == 1 && plan.cpu_nodes[1].cpu == 16,
	   "each measured from its first CPU (0 and 16)");
	is_int(plan.size, 256 << 20, "256 MB");
	is_int(plan.loads, NUMAPG_MEMBENCH_LOADS, "a million loads a trial");
	ok(plan.distance[0][0] == 10 && plan.distance[0][1] == 21 && plan.distance[1][0] == 21,
	   "distances");
	ok(plan.local[0] == 0 && plan.local[1] == 1, "each node's own memory is local");

	ok(load("four_node_memoryless", &topo), "four_node_memoryless loads");
	ok(numapg_membench_plan(&topo, 16, 10, NULL, NULL, &plan, err, sizeof(err)), "plan");
	is_int(plan.ncpu_nodes, 3, "three CPU nodes: node 3's CPUs are not allowed");
	ok(plan.cpu_nodes[0].cpu == 0 && plan.cpu_nodes[1].cpu == 4 && plan.cpu_nodes[2].node == 2 &&
	   plan.cpu_nodes[2].cpu == 8, "CPUs 0, 4 and 8 (memoryless node 2's)");
	is_int(plan.nmemory_nodes, 3, "three memory nodes: node 2 is memoryless");
	ok(plan.memory_nodes[0] == 0 && plan.memory_nodes[1] == 1 && plan.memory_nodes[2] == 3,
	   "nodes 0, 1 and 3");
	is_int(plan.local[2], 0, "memoryless node 2's local memory is the nearest, node 0");

	numapg_parse_list("1", NUMAPG_LIST_NODES, &filter, NULL, 0);
	ok(numapg_membench_plan(&topo, 16, 10, &filter, &filter, &plan, err, sizeof(err)),
	   "filtered to node 1");
	ok(plan.ncpu_nodes == 1 && plan.nmemory_nodes == 1 && plan.local[0] == 0, "a 1x1 matrix");
	numapg_parse_list("2", NUMAPG_LIST_NODES, &filter, NULL, 0);
	ok(numapg_membench_plan(&topo, 16, 10, NULL, &filter, &plan, err, sizeof(err)) == false,
	   "memory node 2 is refused");
	contains(err, "node 2 has no memory (a memoryless node)", "as memoryless");
	ok(numapg_membench_plan(&topo, 16, 10, &filter, NULL, &plan, err, sizeof(err)),
	   "but CPU node 2 is fine");
	is_int(plan.local[0], 0, "and its local memory is node 0");
	numapg_parse_list("3", NUMAPG_LIST_NODES, &filter, NULL, 0);
	ok(!numapg_membench_plan(&topo, 16, 10, &filter, NULL, &plan, err, sizeof(err)),
	   "CPU node 3 is refused");
	contains(err, "node 3 has no CPU this process may run on", "its CPUs are not allowed");
	numapg_parse_list("7", NUMAPG_LIST_NODES, &filter, NULL, 0);
	ok(!numapg_membench_plan(&topo, 16, 10, NULL, &filter, &plan, err, sizeof(err)),
	   "memory node 7 is refused");
	contains(err, "memory node 7 does not exist (the nodes are 0, 1, 2, 3)", "as not existing");
	numapg_mask_clear(&filter);
	ok(!numapg_membench_plan(&topo, 16, 10, &filter, NULL, &plan, err, sizeof(err)),
	   "an empty list is refused");
	contains(err, "the list of CPU nodes is empty", "with a message");

	ok(!numapg_membench_plan(&topo, 0, 10, NULL, NULL, &plan, err, sizeof(err)), "size 0 MB");
	contains(err, "buffer size 0 MB is out of range (16 to 4096 MB)", "is refused");
	ok(!numapg_membench_plan(&topo, 15, 10, NULL, NULL, &plan, err, sizeof(err)), "size 15 MB");
	contains(err, "buffer size 15 MB is out of range", "is refused");
	ok(!numapg_membench_plan(&topo, 4097, 10, NULL, NULL, &plan, err, sizeof(err)), "size 4097 MB");
	contains(err, "buffer size 4097 MB is out of range", "is refused");
	ok(!numapg_membench_plan(&topo, 16, 9, NULL, NULL, &plan, err, sizeof(err)), "9 ms");
	contains(err, "duration 9 ms is out of range (10 to 60000 ms)", "is refused");
	ok(!numapg_membench_plan(&topo, 16, 60001, NULL, NULL, &plan, err, sizeof(err)), "60001 ms");
	contains(err, "duration 60001 ms is out of range", "is refused");

	topo.nodes[1].memory_free = (int64_t) 100 << 20;
	ok(!numapg_membench_plan(&topo, 81, 10, NULL, NULL, &plan, err, sizeof(err)),
	   "81 MB on a node with 100 MB free");
	contains(err, "a 81 MB buffer does not fit in node 1, which has 100 MB free", "is refused");
	ok(numapg_membench_plan(&topo, 80, 10, NULL, NULL, &plan, err, sizeof(err)), "80 MB fits");
}

static void
test_ratios(void)
{
	NumaPgMembenchPlan plan;
	NumaPgMembenchResult r[4];

	memset(&plan, 0, sizeof(plan));
	memset(r, 0, sizeof(r));
	plan.ncpu_nodes = plan.nmemory_nodes = 2;
	plan.local[0] = 0;
	plan.local[1] = -1;
	r[0].latency_ns = 80;
	r[1].latency_ns = 120;
	r[0].bandwidth_mb_s = 10000;
	r[1].bandwidth_mb_s = 5000;
	r[2].latency_ns = r[3].latency_ns = 100;
	numapg_membench_ratios(&plan, r);
	ok(r[0].latency_ratio == 1.0 && r[1].latency_ratio == 1.5, "latency ratios to the local cell");
	ok(r[0].bandwidth_ratio == 1.0 && r[1].bandwidth_ratio == 0.5, "bandwidth ratios");
	ok(isnan(r[2].latency_ratio) && isnan(r[3].bandwidth_ratio), "none without a local cell");
}

static void
test_run(const NumaPgTopology *live)
{
	NumaPgMembenchPlan plan;
	NumaPgMembenchState state;
	NumaPgMembenchResult *results;
	cpu_set_t	before;
	char		err[256] = "";
	bool		good = true;
	bool		placed = true;

	sched_getaffinity(0, sizeof(before), &before);
	ok(numapg_membench_plan(live, 16, 10, NULL, NULL, &plan, err, sizeof(err)),
	   "plan on this machine%s%s", err[0] ? ": " : "", err);
	plan.loads = 100000;		/* keep it short */
	results = calloc((size_t) plan.ncpu_nodes * plan.nmemory_nodes, sizeof(*results));
	numapg_membench_init_state(&state);
	checks = 0;
	jump_after = 0;
	ok(numapg_membench_run(&plan, &state, results, check, NULL, err, sizeof(err)),
	   "a %dx%d run%s%s", plan.ncpu_nodes, plan.nmemory_nodes, err[0] ? ": " : "", err);
	for (int k = 0; k < plan.ncpu_nodes * plan.nmemory_nodes; k++)
	{
		good &= finite_positive(results[k].latency_ns) &&
			finite_positive(results[k].bandwidth_mb_s) && results[k].trials >= 1 &&
			results[k].passes >= 1;
		placed &= results[k].bound && results[k].pages_on_node == 1.0;
	}
	ok(good, "every cell has positive finite figures");
	ok(placed, "every buffer was bound and all its pages were on its node");
	ok(plan.local[0] < 0 || results[plan.local[0]].latency_ratio == 1.0,
	   "the local cell's ratio is 1");
	ok(checks > 0, "the check callback was called (%d times)", checks);
	ok(state.buffer.base == NULL, "no buffer is left mapped");
	ok(same_affinity(&before), "the affinity is restored");

	/* an ERROR or a cancel in the middle: a longjmp out of the run */
	numapg_membench_init_state(&state);
	checks = 0;
	/* the first check after the first pin: one before the buffer is mapped,
	 * one per 1024 pages of the placement query, then the first trial's */
	jump_after = 2 + (int) ((plan.size / (size_t) sysconf(_SC_PAGESIZE) + 1023) / 1024);
	if (setjmp(jump_to) == 0)
	{
		numapg_membench_run(&plan, &state, results, check, NULL, err, sizeof(err));
		ok(false, "the check callback jumps out of the run");
	}
	else
		ok(true, "the check callback jumps out of the run");
	jump_after = 0;
	ok(state.buffer.base != NULL, "leaving a buffer mapped");
	ok(state.affinity_saved && sched_getcpu() == plan.cpu_nodes[0].cpu,
	   "and the thread pinned to CPU %d", plan.cpu_nodes[0].cpu);
	ok(numapg_membench_cleanup(&state, err, sizeof(err)), "which cleanup");
	ok(state.buffer.base == NULL, "unmaps");
	ok(same_affinity(&before), "and the affinity is the one from before");
	free(results);
}

int
main(int argc, char **argv)
{
	NumaPgTopology *live = malloc(sizeof(NumaPgTopology));

	fixtures = argc > 1 ? argv[1] : "test/fixtures";
	ok(load(NULL, live), "the live topology is read");
	test_chase();
	test_map_errors();
	test_buffer(live);
	test_pin();
	test_plan();
	test_ratios();
	test_run(live);
	if (access("/sys/devices/system/cpu/cpu0/cache/index0/size", R_OK) == 0)
		ok(numapg_membench_llc_bytes() >= 4096, "the last-level cache size is read from sysfs (%lld bytes)",
		   (long long) numapg_membench_llc_bytes());
	else
		is_int(numapg_membench_llc_bytes(), -1, "no cache in sysfs: the last-level cache size is unknown");
	free(live);
	return done_testing();
}
