/*-------------------------------------------------------------------------
 *
 * test_proc_parse.c
 *		Unit tests of the parsers of /proc/PID/numa_maps, stat and status
 *		lines, on fixture files (test/fixtures/proc/): a backend's
 *		mappings on two nodes with a huge page segment, every policy the
 *		kernel prints, a mapping with no N= fields, a line cut short of
 *		its newline, garbage; stat lines with an odd command name, cut
 *		short, or malformed; status lists.
 *
 * Run with the fixture directory as the only argument.
 *
 * IDENTIFICATION
 *	  test/unit/test_proc_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "proc_parse.h"
#include "tap.h"
#include "text.h"

static const char *fixtures;

/* Read fixture proc/<name> whole into buf; false (and a failed test) if not. */
static bool
load(const char *name, char *buf, size_t len)
{
	char		path[4096];
	FILE	   *f;
	size_t		n;

	snprintf(path, sizeof(path), "%s/proc/%s", fixtures, name);
	f = fopen(path, "r");
	ok(f != NULL, "fixture %s is read", name);
	if (f == NULL)
		return false;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return true;
}

/* The pages of line on node, 0 if it lists none there. */
static int64_t
pages_on(const NumaPgMapsLine *line, int node)
{
	for (int i = 0; i < line->nnodes; i++)
		if (line->nodes[i] == node)
			return line->pages[i];
	return 0;
}

static void
test_two_node(void)
{
	static char text[65536];
	NumaPgMapsLine lines[32];
	int			n = 0;
	char		err[512];
	int64_t		anon[2] = {0, 0};
	char	   *line;
	char	   *save = NULL;

	if (!load("numa_maps_two_node", text, sizeof(text)))
		return;
	for (line = strtok_r(text, "\n", &save); line && n < 32; line = strtok_r(NULL, "\n", &save))
	{
		bool		parsed = numapg_parse_numa_maps_line(line, &lines[n], err, sizeof(err));

		ok(parsed, "two_node line %d is parsed%s%s", n + 1, parsed ? "" : ": ", parsed ? "" : err);
		n++;
	}
	is_int(n, 15, "two_node: 15 lines");

	is_int(lines[0].start, 0x55d0c4a00000ULL, "the address is read in hex");
	is_int(lines[0].policy.mode, NUMAPG_TASK_POLICY_DEFAULT, "default policy");
	ok(lines[0].has_file && !lines[0].heap && !lines[0].huge, "a file mapping");
	is_int(pages_on(&lines[0], 0), 80, "file mapping: 80 pages on node 0");
	is_int(pages_on(&lines[0], 1), 40, "  and 40 on node 1");
	is_int(lines[0].page_size, 4096, "4 kB pages");

	ok(lines[2].heap && !lines[2].has_file, "the heap");
	is_int(lines[2].policy.mode, NUMAPG_TASK_POLICY_INTERLEAVE, "heap: interleave");
	is_str(list(&lines[2].policy.nodes), "0-1", "  over nodes 0-1");

	ok(lines[3].huge && lines[3].has_file, "the huge page segment: file= and huge");
	is_int(lines[3].page_size, 2048 * 1024, "  in 2 MB pages (kernelpagesize_kB=2048)");
	is_int(pages_on(&lines[3], 0) + pages_on(&lines[3], 1), 540, "  540 huge pages, counted as such");

	is_int(lines[4].policy.mode, NUMAPG_TASK_POLICY_BIND, "bind:1");
	is_str(list(&lines[4].policy.nodes), "1", "  on node 1");
	is_int(lines[5].policy.mode, NUMAPG_TASK_POLICY_PREFERRED, "prefer:0 is preferred");
	is_int(lines[6].policy.mode, NUMAPG_TASK_POLICY_PREFERRED_MANY, "prefer (many) (a space in the mode)");
	is_str(list(&lines[6].policy.nodes), "0-1", "  over nodes 0-1");
	is_int(pages_on(&lines[6], 1), 2, "  and its counts after the space are read");
	is_int(lines[7].policy.mode, NUMAPG_TASK_POLICY_WEIGHTED_INTERLEAVE, "weighted interleave");
	is_int(lines[8].policy.mode, NUMAPG_TASK_POLICY_LOCAL, "local");
	is_int(lines[8].policy.nodes.words[0], 0, "  with no nodes");
	is_int(lines[9].policy.mode, NUMAPG_TASK_POLICY_INTERLEAVE, "interleave=static:0-1 (a flag)");
	is_str(list(&lines[9].policy.nodes), "0-1", "  over nodes 0-1");
	is_int(lines[10].policy.mode, NUMAPG_TASK_POLICY_BIND, "bind=relative|balancing:0 (two flags)");

	is_int(lines[11].nnodes, 0, "a mapping with no N= fields: no nodes");
	is_int(lines[11].page_size, 0, "  and no page size");
	ok(lines[12].has_file && lines[12].nnodes == 0, "an untouched SysV mapping: no nodes");
	ok(lines[13].stack, "the stack");
	is_int(pages_on(&lines[14], 0), 2, "an unknown field is skipped, the counts read");

	for (int i = 0; i < n; i++)
		if (!lines[i].has_file)
			for (int j = 0; j < lines[i].nnodes; j++)
				anon[lines[i].nodes[j]] += lines[i].pages[j];
	is_int(anon[0], 512 + 3 + 4 + 3 + 1 + 17 + 2, "anonymous pages on node 0");
	is_int(anon[1], 512 + 300 + 2 + 4 + 2 + 3 + 16, "anonymous pages on node 1");
}

static void
test_no_newline(void)
{
	char		text[1024];
	NumaPgMapsLine line;
	char		err[512];

	if (!load("numa_maps_no_newline", text, sizeof(text)))
		return;
	ok(numapg_parse_numa_maps_line(text, &line, err, sizeof(err)), "a last line without its newline is parsed");
	is_int(pages_on(&line, 0), 1, "  with its count");
	is_int(line.page_size, 4096, "  and its page size");
}

static void
test_bad(void)
{
	static const char *why[] = {
		"does not start with an address",
		"does not start with an address",
		"no memory policy",
		"unreadable node count \"N0=\"",
		"unreadable node count \"N0=12x\"",
		"node 0 is counted twice",
		"unreadable node count \"N1024=1\"",
		"unreadable page size \"kernelpagesize_kB=\"",
		"unreadable node count \"N0=99999999999999999999\"",
		"does not start with an address",
	};
	char		text[4096];
	char	   *line;
	char	   *save = NULL;
	int			n = 0;

	if (!load("numa_maps_bad", text, sizeof(text)))
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++)
	{
		NumaPgMapsLine parsed;
		char		err[512] = "";

		ok(!numapg_parse_numa_maps_line(line, &parsed, err, sizeof(err)),
		   "bad line %d is refused: %s", n + 1, line);
		if (n < (int) (sizeof(why) / sizeof(why[0])))
			contains(err, why[n], "  because: %s", why[n]);
	}
	is_int(n, 10, "10 bad lines");
	{
		NumaPgMapsLine parsed;
		char		err[512];

		ok(!numapg_parse_numa_maps_line("", &parsed, err, sizeof(err)), "an empty line is refused");
		ok(numapg_parse_numa_maps_line("1000 whatever N0=3", &parsed, err, sizeof(err)),
		   "an unknown policy is no error");
		is_int(parsed.policy.mode, NUMAPG_TASK_POLICY_UNKNOWN, "  it is unknown");
		is_int(pages_on(&parsed, 0), 3, "  and the counts are read");
		ok(!numapg_parse_maps_policy("bind:x", 6, &parsed.policy), "a policy's bad node list is refused");
		ok(!numapg_parse_maps_policy("defaultx", 8, &parsed.policy), "a mode with a tail is unknown");
		ok(!numapg_parse_maps_policy("bind:", 5, &parsed.policy), "a policy with an empty node list is refused");
	}
}

static void
test_stat(void)
{
	char		text[4096];
	NumaPgProcStat st;

	if (load("stat_postgres", text, sizeof(text)))
	{
		ok(numapg_parse_proc_stat(text, &st), "a backend's stat is parsed (rsslim 2^64-1 included)");
		is_int(st.state, 'S', "  state S");
		is_int(st.ppid, 4100, "  parent 4100");
		is_int(st.start_time, 3470860, "  start time (field 22)");
		is_int(st.cpu, 1, "  last CPU (field 39)");
	}
	if (load("stat_odd_comm", text, sizeof(text)))
	{
		ok(numapg_parse_proc_stat(text, &st), "a command name with spaces and parentheses");
		is_int(st.state, 'R', "  state R, after the last ')'");
		is_int(st.start_time, 99, "  start time");
		is_int(st.cpu, 63, "  last CPU 63 (a negative priority before it)");
	}
	if (load("stat_truncated", text, sizeof(text)))
		ok(!numapg_parse_proc_stat(text, &st), "a stat line cut short of field 39 is refused");
	if (load("stat_garbage", text, sizeof(text)))
		ok(!numapg_parse_proc_stat(text, &st), "a stat line with a non-number is refused");
	ok(!numapg_parse_proc_stat("4242 postgres S 1", &st), "a stat line without the command's parentheses is refused");
	ok(!numapg_parse_proc_stat("", &st), "an empty stat is refused");
}

static void
test_status(void)
{
	char		text[4096];
	NumaPgMask	mask;

	if (load("status_postgres", text, sizeof(text)))
	{
		ok(numapg_status_list(text, "Cpus_allowed_list", NUMAPG_LIST_CPUS, &mask), "Cpus_allowed_list is found");
		is_str(list(&mask), "32-47", "  32-47");
		ok(numapg_status_list(text, "Mems_allowed_list", NUMAPG_LIST_NODES, &mask), "Mems_allowed_list is found");
		is_str(list(&mask), "1", "  node 1");
		ok(!numapg_status_list(text, "Cpus_allowed", NUMAPG_LIST_CPUS, &mask),
		   "Cpus_allowed (a hex mask) is not read as a list");
		ok(!numapg_status_list(text, "Nodes_list", NUMAPG_LIST_NODES, &mask), "an absent key is refused");
	}
	if (load("status_misleading", text, sizeof(text)))
	{
		ok(numapg_status_list(text, "Cpus_allowed_list", NUMAPG_LIST_CPUS, &mask),
		   "a key inside another line (a process name) is not taken");
		is_str(list(&mask), "0-3,8", "  the line that starts with it is");
	}
}

int
main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "test/fixtures";
	test_two_node();
	test_no_newline();
	test_bad();
	test_stat();
	test_status();
	return done_testing();
}
