/*-------------------------------------------------------------------------
 *
 * test_numa_check.c
 *		Unit tests of numa_check()'s decisions: a table of cases, each a
 *		fixture machine (test/fixtures/), a change to its facts, a check
 *		and the status and words it must give; every check is seen ok,
 *		warning or problem, and skipped, where it can be.
 *
 * Run with the fixture directory as the only argument.
 *
 * IDENTIFICATION
 *	  test/unit/test_numa_check.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "numa_check.h"
#include "tap.h"

static const char *fixtures;
static NumaPgTopology topos[4];
static const char *const topo_names[] = {"two_socket", "four_node_memoryless", "no_numa", "sparse"};

typedef void (*Setup) (NumaPgCheckFacts *f);

typedef struct Case
{
	const char *fixture;
	Setup		setup;			/* NULL: the fixture's facts as read */
	const char *check;
	NumaPgCheckStatus status;
	const char *found;			/* a part of what was found */
} Case;

static void
balancing_off(NumaPgCheckFacts *f)
{
	f->numa_balancing = 0;
}

static void
interleaved(NumaPgCheckFacts *f)
{
	f->preloaded = true;
	f->policy_text = "interleave";
	f->policy.kind = NUMAPG_SPEC_INTERLEAVE;
	f->policy.all_nodes = true;
}

static void
workers_only(NumaPgCheckFacts *f)
{
	f->preloaded = true;
	f->nworkers = 2;
}

static void
zone_reclaim_off(NumaPgCheckFacts *f)
{
	f->zone_reclaim_mode = 0;
}

static void
no_zone_reclaim_file(NumaPgCheckFacts *f)
{
	f->zone_reclaim_mode = -1;
}

static void
thp_never(NumaPgCheckFacts *f)
{
	snprintf(f->thp_enabled, sizeof(f->thp_enabled), "never");
}

/* default policy, segment pages per node index (set by the two below) */
static void
segment(NumaPgCheckFacts *f, int64_t a, int64_t b)
{
	f->preloaded = true;
	f->segment_known = true;
	f->segment_page_size = 4096;
	f->segment_pages[0] = a;
	f->segment_pages[1] = b;
	f->segment_not_faulted = 10;
}

static void
segment_concentrated(NumaPgCheckFacts *f)
{
	segment(f, 9500, 500);
}

static void
segment_imbalanced(NumaPgCheckFacts *f)
{
	segment(f, 8000, 2000);
}

static void
segment_spread(NumaPgCheckFacts *f)
{
	segment(f, 5100, 4900);
}

static void
segment_cold(NumaPgCheckFacts *f)
{
	segment(f, 500, 100);
}

static void
segment_interleaved(NumaPgCheckFacts *f)
{
	segment(f, 9500, 500);
	interleaved(f);
}

static void
segment_not_preloaded(NumaPgCheckFacts *f)
{
	segment(f, 9500, 500);
	f->preloaded = false;
}

static void
node0_full(NumaPgCheckFacts *f)
{
	NumaPgTopology *t = (NumaPgTopology *) f->topo;

	t->nodes[0].memory_free = t->nodes[0].memory_total / 20;
}

/* 2 MB huge pages, shared memory of the given MB, huge_pages as given */
static void
huge(NumaPgCheckFacts *f, int64_t mb, NumaPgHugePagesSetting setting)
{
	f->huge_pages = setting;
	f->huge_page_size = 2 << 20;
	f->shared_memory_bytes = mb << 20;
}

static void
huge_interleave_short(NumaPgCheckFacts *f)
{
	interleaved(f);
	huge(f, 4096, NUMAPG_HUGE_PAGES_TRY);
}

static void
huge_interleave_short_own(NumaPgCheckFacts *f)
{
	/* the segment's own 24 huge pages on node 0 make up for it */
	huge_interleave_short(f);
	f->segment_known = true;
	f->segment_page_size = 2 << 20;
	f->segment_pages[0] = 24;
}

static void
huge_bind_short(NumaPgCheckFacts *f)
{
	f->preloaded = true;
	f->policy_text = "bind:0";
	f->policy.kind = NUMAPG_SPEC_BIND;
	numapg_mask_set(&f->policy.nodes, 0);
	huge(f, 4096, NUMAPG_HUGE_PAGES_ON);
}

static void
huge_enough(NumaPgCheckFacts *f)
{
	interleaved(f);
	huge(f, 1024, NUMAPG_HUGE_PAGES_ON);
}

static void
huge_try_fell_back(NumaPgCheckFacts *f)
{
	huge(f, 1024, NUMAPG_HUGE_PAGES_TRY);
	f->segment_known = true;
	f->segment_page_size = 4096;
}

static void
huge_off(NumaPgCheckFacts *f)
{
	huge(f, 1024, NUMAPG_HUGE_PAGES_OFF);
}

static void
bound_by_numactl(NumaPgCheckFacts *f)
{
	NumaPgTopology *t = (NumaPgTopology *) f->topo;
	NumaPgTaskPolicy p = {.mode = NUMAPG_TASK_POLICY_BIND};

	numapg_mask_set(&p.nodes, 1);
	numapg_topology_apply_task_policy(t, &p);
}

static void
packages_unknown(NumaPgCheckFacts *f)
{
	f->packages_known = false;
}

/* workers: n planned, each running and pinned unless changed after */
static void
workers(NumaPgCheckFacts *f, int n)
{
	f->preloaded = true;
	f->nworkers = n;
	for (int w = 0; w < n; w++)
	{
		f->workers[w].cpu = w;
		f->workers[w].running = f->workers[w].pinned = f->workers[w].affinity_exact = true;
	}
}

static void
workers_pinned(NumaPgCheckFacts *f)
{
	workers(f, 4);
}

static void
worker_unpinned(NumaPgCheckFacts *f)
{
	workers(f, 4);
	f->workers[2].affinity_exact = false;
}

static void
worker_stopped(NumaPgCheckFacts *f)
{
	workers(f, 4);
	f->workers[3].running = false;
}

static void
no_workers(NumaPgCheckFacts *f)
{
	workers(f, 0);
}

static void
swap_unused(NumaPgCheckFacts *f)
{
	f->swap_free = f->swap_total;
}

/* backends placed: counts on the two_socket nodes 0 and 1, both placeable */
static void
placed(NumaPgCheckFacts *f, bool spread, int on0, int on1)
{
	f->preloaded = true;
	f->placement_on = true;
	f->placement_spread = spread;
	f->placeable[0] = f->placeable[1] = true;
	f->placed[0] = on0;
	f->placed[1] = on1;
}

static void
spread_even(NumaPgCheckFacts *f)
{
	placed(f, true, 5, 4);
}

static void
spread_slack(NumaPgCheckFacts *f)
{
	placed(f, true, 3, 1);		/* 2 apart: within the slack of 2 */
}

static void
spread_uneven(NumaPgCheckFacts *f)
{
	placed(f, true, 9, 1);
}

static void
spread_many_uneven(NumaPgCheckFacts *f)
{
	placed(f, true, 70, 30);	/* 40 apart, slack 25 (half the average) */
}

static void
spread_many_even(NumaPgCheckFacts *f)
{
	placed(f, true, 60, 40);	/* 20 apart, within 25 */
}

static void
rules_uneven(NumaPgCheckFacts *f)
{
	placed(f, false, 9, 0);
}

static void
placement_off(NumaPgCheckFacts *f)
{
	placed(f, true, 0, 0);
	f->placement_on = false;
}

static void
one_placeable(NumaPgCheckFacts *f)
{
	placed(f, true, 9, 0);
	f->placeable[1] = false;
}

static const Case cases[] = {
	{"two_socket", NULL, "backend_placement", NUMAPG_CHECK_SKIPPED, "not preloaded"},
	{"two_socket", placement_off, "backend_placement", NUMAPG_CHECK_SKIPPED, "numa_pg.backend_placement is off"},
	{"two_socket", one_placeable, "backend_placement", NUMAPG_CHECK_SKIPPED, "fewer than two nodes"},
	{"two_socket", spread_even, "backend_placement", NUMAPG_CHECK_OK, "9 backend(s) placed, spread: node 0: 5, node 1: 4"},
	{"two_socket", spread_slack, "backend_placement", NUMAPG_CHECK_OK, "node 0: 3, node 1: 1"},
	{"two_socket", spread_uneven, "backend_placement", NUMAPG_CHECK_WARNING, "10 backend(s) placed, unevenly for spread: node 0: 9, node 1: 1"},
	{"two_socket", spread_many_uneven, "backend_placement", NUMAPG_CHECK_WARNING, "node 0: 70, node 1: 30"},
	{"two_socket", spread_many_even, "backend_placement", NUMAPG_CHECK_OK, "node 0: 60, node 1: 40"},
	{"two_socket", rules_uneven, "backend_placement", NUMAPG_CHECK_OK, "placed by rules naming their nodes: node 0: 9, node 1: 0"},
	/* two_socket: zone reclaim 1, balancing 1, THP madvise, 4 MB of swap used */
	{"two_socket", NULL, "zone_reclaim_mode", NUMAPG_CHECK_PROBLEM, "vm.zone_reclaim_mode is 1"},
	{"two_socket", zone_reclaim_off, "zone_reclaim_mode", NUMAPG_CHECK_OK, "is 0"},
	{"two_socket", no_zone_reclaim_file, "zone_reclaim_mode", NUMAPG_CHECK_SKIPPED, "could not be read"},
	{"sparse", NULL, "zone_reclaim_mode", NUMAPG_CHECK_SKIPPED, "could not be read"},
	{"two_socket", interleaved, "numa_balancing", NUMAPG_CHECK_WARNING, "88 pages migrated"},
	{"two_socket", workers_only, "numa_balancing", NUMAPG_CHECK_WARNING, "2 worker(s)"},
	{"two_socket", NULL, "numa_balancing", NUMAPG_CHECK_OK, "numa_pg places nothing"},
	{"two_socket", balancing_off, "numa_balancing", NUMAPG_CHECK_OK, "is 0"},
	{"four_node_memoryless", NULL, "numa_balancing", NUMAPG_CHECK_SKIPPED, "no automatic NUMA balancing"},
	{"two_socket", NULL, "transparent_hugepages", NUMAPG_CHECK_OK, "enabled madvise"},
	{"two_socket", thp_never, "transparent_hugepages", NUMAPG_CHECK_OK, "enabled never"},
	{"four_node_memoryless", NULL, "transparent_hugepages", NUMAPG_CHECK_WARNING, "enabled always"},
	{"sparse", NULL, "transparent_hugepages", NUMAPG_CHECK_SKIPPED, "could not be read"},
	{"two_socket", segment_concentrated, "shared_memory_placement", NUMAPG_CHECK_WARNING, "95% of the faulted-in pages of shared buffers are on node 0"},
	{"two_socket", segment_imbalanced, "shared_memory_placement", NUMAPG_CHECK_WARNING, "80%"},
	{"two_socket", segment_spread, "shared_memory_placement", NUMAPG_CHECK_OK, "node 0: 5100, node 1: 4900"},
	{"two_socket", segment_not_preloaded, "shared_memory_placement", NUMAPG_CHECK_WARNING, "95%"},
	{"two_socket", segment_cold, "shared_memory_placement", NUMAPG_CHECK_SKIPPED, "only 600 pages"},
	{"two_socket", segment_interleaved, "shared_memory_placement", NUMAPG_CHECK_OK, "is interleave"},
	{"two_socket", NULL, "shared_memory_placement", NUMAPG_CHECK_SKIPPED, "was not asked"},
	{"no_numa", segment_concentrated, "shared_memory_placement", NUMAPG_CHECK_SKIPPED, "no NUMA support"},
	{"two_socket", bound_by_numactl, "shared_memory_placement", NUMAPG_CHECK_SKIPPED, "one NUMA node only"},
	{"two_socket", NULL, "free_memory_balance", NUMAPG_CHECK_OK, "no node"},
	{"two_socket", node0_full, "free_memory_balance", NUMAPG_CHECK_WARNING, "node 0 has 6553 MB free of 131072 MB"},
	{"no_numa", NULL, "free_memory_balance", NUMAPG_CHECK_SKIPPED, "no NUMA support"},
	{"two_socket", huge_interleave_short, "huge_pages_per_node", NUMAPG_CHECK_WARNING, "node(s) 0 have fewer"},
	{"two_socket", huge_interleave_short_own, "huge_pages_per_node", NUMAPG_CHECK_OK, "node 0: 1024"},
	{"two_socket", huge_bind_short, "huge_pages_per_node", NUMAPG_CHECK_PROBLEM, "needs 2048 huge pages"},
	{"two_socket", huge_enough, "huge_pages_per_node", NUMAPG_CHECK_OK, "needs 512 huge pages"},
	{"two_socket", huge_try_fell_back, "huge_pages_per_node", NUMAPG_CHECK_WARNING, "on 4 kB pages"},
	{"two_socket", huge_off, "huge_pages_per_node", NUMAPG_CHECK_SKIPPED, "huge_pages is off"},
	{"no_numa", huge_enough, "huge_pages_per_node", NUMAPG_CHECK_SKIPPED, "no NUMA support"},
	{"two_socket", NULL, "cpuset_and_policy", NUMAPG_CHECK_OK, "every online CPU (0-63)"},
	{"four_node_memoryless", NULL, "cpuset_and_policy", NUMAPG_CHECK_WARNING, "may not run on CPU(s) 6-7,12-15"},
	{"two_socket", bound_by_numactl, "cpuset_and_policy", NUMAPG_CHECK_WARNING, "may not allocate on node(s) 0"},
	{"two_socket", NULL, "sub_numa_clustering", NUMAPG_CHECK_OK, "2 package(s), 2 node(s)"},
	{"four_node_memoryless", NULL, "sub_numa_clustering", NUMAPG_CHECK_WARNING, "package 0 has nodes 0, 1, 2, 3"},
	{"two_socket", packages_unknown, "sub_numa_clustering", NUMAPG_CHECK_SKIPPED, "physical_package_id"},
	{"no_numa", NULL, "sub_numa_clustering", NUMAPG_CHECK_SKIPPED, "one NUMA node"},
	{"four_node_memoryless", NULL, "memoryless_nodes", NUMAPG_CHECK_WARNING, "node(s) 2 have CPUs but no memory"},
	{"two_socket", NULL, "memoryless_nodes", NUMAPG_CHECK_OK, "every node"},
	{"no_numa", NULL, "memoryless_nodes", NUMAPG_CHECK_SKIPPED, "one NUMA node"},
	{"two_socket", workers_pinned, "worker_pinning", NUMAPG_CHECK_OK, "all 4 worker(s)"},
	{"two_socket", worker_unpinned, "worker_pinning", NUMAPG_CHECK_PROBLEM, "worker 2 (CPU 2)"},
	{"two_socket", worker_stopped, "worker_pinning", NUMAPG_CHECK_WARNING, "3 of 4"},
	{"two_socket", no_workers, "worker_pinning", NUMAPG_CHECK_SKIPPED, "numa_pg.workers is 0"},
	{"two_socket", NULL, "worker_pinning", NUMAPG_CHECK_SKIPPED, "not preloaded"},
	{"two_socket", NULL, "swap", NUMAPG_CHECK_WARNING, "4096 kB of 8388608 kB"},
	{"two_socket", swap_unused, "swap", NUMAPG_CHECK_OK, "none in use"},
	{"four_node_memoryless", NULL, "swap", NUMAPG_CHECK_OK, "no swap"},
	{"sparse", NULL, "swap", NUMAPG_CHECK_SKIPPED, "/proc/meminfo"},
};

/* The facts of fixture "name", topology and kernel files, as read. */
static void
facts_of(const char *name, NumaPgCheckFacts *f)
{
	char		root[4096];

	snprintf(root, sizeof(root), "%s/%s", fixtures, name);
	numapg_check_facts_init(f);
	for (size_t i = 0; i < sizeof(topo_names) / sizeof(topo_names[0]); i++)
		if (strcmp(topo_names[i], name) == 0)
		{
			char		err[512];

			if (!numapg_topology_read(root, &topos[i], err, sizeof(err)))
				printf("# %s: %s\n", name, err);
			f->topo = &topos[i];
		}
	numapg_check_read_kernel(root, f);
}

static void
run_case(const Case *c)
{
	static NumaPgCheckFacts f;
	NumaPgCheckResult results[NUMAPG_CHECK_COUNT];
	const NumaPgCheckResult *r = NULL;
	int			n;

	facts_of(c->fixture, &f);
	if (c->setup)
		c->setup(&f);
	n = numapg_run_checks(&f, results);
	for (int i = 0; i < n; i++)
		if (strcmp(results[i].name, c->check) == 0)
			r = &results[i];
	if (r == NULL)
	{
		ok(false, "%s: check %s exists", c->fixture, c->check);
		return;
	}
	is_str(numapg_check_status_name(r->status), numapg_check_status_name(c->status),
		   "%s: %s is %s", c->fixture, c->check, numapg_check_status_name(c->status));
	contains(r->found, c->found, "  found: %s", r->found);
	if (r->status == NUMAPG_CHECK_WARNING || r->status == NUMAPG_CHECK_PROBLEM)
		ok(r->why[0] && r->action[0], "  says why it matters and what to do");
}

/* The kernel files read from the fixtures, and garbage in them. */
static void
test_kernel_facts(void)
{
	static NumaPgCheckFacts f;

	facts_of("two_socket", &f);
	is_int(f.zone_reclaim_mode, 1, "two_socket: vm.zone_reclaim_mode read");
	is_int(f.numa_balancing, 1, "  kernel.numa_balancing read");
	is_str(f.thp_enabled, "madvise", "  the bracketed THP mode read");
	is_int(f.swap_total - f.swap_free, 4096 << 10, "  swap in use read");
	is_int(f.numa_pages_migrated, 88, "  numa_pages_migrated read from vmstat");
	ok(f.packages_known && f.cpu_package[0] == 0 && f.cpu_package[16] == 1 && f.cpu_package[63] == 1,
	   "  the packages of the CPUs read");

	facts_of("garbage_stats", &f);
	is_int(f.zone_reclaim_mode, -1, "garbage_stats: a zone_reclaim_mode that is not a number is unknown");
	is_str(f.thp_enabled, "", "  a THP mode without brackets is unknown");
	is_int(f.swap_total, -1, "  a meminfo without SwapFree leaves swap unknown");
	is_int(f.numa_pages_migrated, -1, "  a garbled vmstat leaves numa_pages_migrated unknown");
	ok(!f.packages_known, "  a package id that is not a number leaves the packages unknown");
}

int
main(int argc, char **argv)
{
	static NumaPgCheckFacts f;
	NumaPgCheckResult results[NUMAPG_CHECK_COUNT];
	int			statuses[4] = {0};

	fixtures = argc > 1 ? argv[1] : "test/fixtures";
	test_kernel_facts();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);

	/* every check, on one fixture, answers once, by its own name */
	facts_of("two_socket", &f);
	is_int(numapg_run_checks(&f, results), NUMAPG_CHECK_COUNT, "every check gives one result");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		statuses[cases[i].status]++;
	ok(statuses[0] && statuses[1] && statuses[2] && statuses[3],
	   "the cases cover ok, warning, problem and skipped");
	return done_testing();
}
