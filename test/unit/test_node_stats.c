/*-------------------------------------------------------------------------
 *
 * test_node_stats.c
 *		Unit tests of the reader of the kernel's NUMA counters (nodeN/numastat
 *		and /proc/vmstat) on fixture trees: a 2-socket server with a counter
 *		no kernel has yet, a node without a numastat file, a kernel without
 *		NUMA, a missing /proc/vmstat, and garbled files.
 *
 * Run with the fixture directory as the only argument.
 *
 * IDENTIFICATION
 *	  test/unit/test_node_stats.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "node_stats.h"
#include "tap.h"

static const char *fixtures;

/* The root of fixture "name" (static buffer). */
static const char *
root_of(const char *name)
{
	static char root[4096];

	snprintf(root, sizeof(root), "%s/%s", fixtures, name);
	return root;
}

/* Parsing text directly: what passes and what is refused. */
static void
test_parse(void)
{
	NumaPgCounter c[4];
	int			n;
	char		err[256] = "";

	ok(numapg_parse_counters("a 1\n\nb_2 30\n", "t", c, 4, &n, err, sizeof(err)),
	   "two counters and an empty line parse");
	is_int(n, 2, "  two counters");
	is_str(c[1].name, "b_2", "  the second's name");
	is_int(c[1].value, 30, "  and value");
	ok(numapg_parse_counters("big 9223372036854775807", "t", c, 4, &n, err, sizeof(err)),
	   "the largest int64 parses, without a final newline");
	is_int(c[0].value, 9223372036854775807LL, "  its value");
	ok(numapg_parse_counters("", "t", c, 4, &n, err, sizeof(err)) && n == 0,
	   "an empty file is no counter");

	ok(!numapg_parse_counters("a 1\nnocount\n", "f", c, 4, &n, err, sizeof(err)),
	   "a name without a count is refused");
	contains(err, "Line 2 of f", "  the message names the line and the file");
	ok(!numapg_parse_counters("a -1\n", "f", c, 4, &n, err, sizeof(err)), "a negative count is refused");
	ok(!numapg_parse_counters("a 12x\n", "f", c, 4, &n, err, sizeof(err)), "a count with trailing garbage is refused");
	ok(!numapg_parse_counters("a-b 1\n", "f", c, 4, &n, err, sizeof(err)), "a name with a dash is refused");
	ok(!numapg_parse_counters(" 1\n", "f", c, 4, &n, err, sizeof(err)), "a line without a name is refused");
	ok(!numapg_parse_counters("a 99999999999999999999\n", "f", c, 4, &n, err, sizeof(err)),
	   "a count beyond int64 is refused");
	ok(!numapg_parse_counters("a 1\nb 2\nc 3\nd 4\ne 5\n", "f", c, 4, &n, err, sizeof(err)),
	   "more counters than room is refused");
	contains(err, "more than 4", "  saying how many fit");
}

static void
test_two_socket(void)
{
	NumaPgMask	nodes;
	int64_t		v[NUMAPG_NUMASTAT_COUNTERS];
	NumaPgCounter c[NUMAPG_VMSTAT_MAX];
	int			n;
	char		err[512] = "";
	const char *root = root_of("two_socket");

	ok(numapg_numa_nodes(root, &nodes, err, sizeof(err)), "two_socket: nodes read");
	is_int(numapg_mask_count(&nodes), 2, "  2 nodes");
	ok(numapg_node_stats_read(root, 0, v, err, sizeof(err)), "node 0's numastat is read%s", err);
	is_int(v[0], 1000, "  numa_hit");
	is_int(v[1], 20, "  numa_miss");
	is_int(v[2], 30, "  numa_foreign");
	is_int(v[3], 4, "  interleave_hit");
	is_int(v[4], 990, "  local_node");
	is_int(v[5], 30, "  other_node");
	ok(numapg_node_stats_read(root, 1, v, err, sizeof(err)),
	   "node 1's numastat, with a counter numa_pg does not know, is read");
	is_int(v[0], 2000, "  numa_hit");
	is_int(v[5], 50, "  other_node, after which the unknown counter comes");

	ok(numapg_vmstat_read(root, c, NUMAPG_VMSTAT_MAX, &n, err, sizeof(err)), "two_socket: vmstat is read");
	is_int(n, 15, "  its 15 NUMA counters (no pgpgin, nr_free_pages or compact_stall)");
	is_str(c[0].name, "numa_hit", "  in the file's order: numa_hit first");
	is_int(c[0].value, 3000, "  its value");
	is_str(c[6].name, "zone_reclaim_failed", "  zone_reclaim_failed among them");
	is_int(numapg_counter_value(c, n, "numa_pages_migrated"), 88, "  numa_pages_migrated");
	is_int(numapg_counter_value(c, n, "numa_future_counter"), 11, "  a counter numa_pg does not know is kept");
	ok(numapg_vmstat_info("numa_future_counter") == NULL, "  and has no description");
	is_int(numapg_counter_value(c, n, "pgpgin"), -1, "  pgpgin is not a NUMA counter");
	is_str(numapg_vmstat_info("numa_pte_updates")->unit, "pages", "numa_pte_updates counts pages");
	is_str(numapg_vmstat_info("numa_hint_faults")->unit, "events", "numa_hint_faults counts events");
}

static void
test_missing_and_no_numa(void)
{
	NumaPgMask	nodes;
	int64_t		v[NUMAPG_NUMASTAT_COUNTERS];
	NumaPgCounter c[NUMAPG_VMSTAT_MAX];
	int			n = -1;
	char		err[512] = "";

	ok(numapg_node_stats_read(root_of("four_node_memoryless"), 0, v, err, sizeof(err)),
	   "four_node_memoryless: a numastat with two counters is read");
	is_int(v[1], 0, "  numa_miss");
	is_int(v[2], -1, "  numa_foreign, which it lacks, is unknown");
	ok(numapg_node_stats_read(root_of("four_node_memoryless"), 1, v, err, sizeof(err)),
	   "a node without a numastat file is no error");
	is_int(v[0], -1, "  its numa_hit is unknown");
	is_int(v[5], -1, "  and its other_node");

	ok(numapg_numa_nodes(root_of("no_numa"), &nodes, err, sizeof(err)),
	   "no_numa: a kernel without NUMA is no error");
	is_int(numapg_mask_count(&nodes), 0, "  it has no node");
	ok(numapg_vmstat_read(root_of("no_numa"), c, NUMAPG_VMSTAT_MAX, &n, err, sizeof(err)),
	   "  its vmstat is read");
	is_int(n, 0, "  and has no NUMA counter");

	ok(!numapg_vmstat_read(root_of("sparse"), c, NUMAPG_VMSTAT_MAX, &n, err, sizeof(err)),
	   "sparse: a missing /proc/vmstat is an error");
	contains(err, "Could not read", "  saying it could not be read");
	contains(err, "proc/vmstat", "  and naming it");
}

static void
test_garbage(void)
{
	NumaPgMask	nodes;
	int64_t		v[NUMAPG_NUMASTAT_COUNTERS];
	NumaPgCounter c[NUMAPG_VMSTAT_MAX];
	int			n;
	char		err[512] = "";
	const char *root = root_of("garbage_stats");

	ok(numapg_numa_nodes(root, &nodes, err, sizeof(err)), "garbage_stats: nodes read");
	ok(!numapg_node_stats_read(root, 0, v, err, sizeof(err)), "a numastat with a negative count is refused");
	contains(err, "Line 2 of", "  naming the line");
	contains(err, "node0/numastat", "  and the file");
	ok(!numapg_vmstat_read(root, c, NUMAPG_VMSTAT_MAX, &n, err, sizeof(err)),
	   "a vmstat with a line of words is refused");
	contains(err, "Line 2 of", "  naming the line");
}

/* Every documented counter is one the prefixes select, in pages or events. */
static void
test_documented(void)
{
	static const char *const names[] = {
		"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local",
		"numa_other", "numa_pte_updates", "numa_huge_pte_updates", "numa_hint_faults",
		"numa_hint_faults_local", "numa_pages_migrated", "pgmigrate_success",
		"pgmigrate_fail", "thp_migration_success", "thp_migration_fail",
		"thp_migration_split", "pgdemote_kswapd", "pgdemote_direct",
		"pgdemote_khugepaged", "pgdemote_proactive", "pgpromote_success",
		"pgpromote_candidate", "pgpromote_candidate_nrl", "zone_reclaim_success",
		"zone_reclaim_failed"
	};
	int			good = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		const NumaPgCounterInfo *info = numapg_vmstat_info(names[i]);

		if (info && numapg_vmstat_is_numa(names[i]) &&
			(strcmp(info->unit, "pages") == 0 || strcmp(info->unit, "events") == 0) &&
			info->description[0])
			good++;
		else
			printf("# %s: not documented, or not selected\n", names[i]);
	}
	is_int(good, 25, "the 25 NUMA counters of Linux 6.18 are each selected and documented");
	ok(!numapg_vmstat_is_numa("compact_stall") && !numapg_vmstat_is_numa("nr_free_pages"),
	   "compaction and free pages are not NUMA counters");
}

int
main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "test/fixtures";
	test_parse();
	test_two_socket();
	test_missing_and_no_numa();
	test_garbage();
	test_documented();
	return done_testing();
}
