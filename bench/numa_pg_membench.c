/*-------------------------------------------------------------------------
 *
 * numa_pg_membench.c
 *		numa_pg_membench: memory latency and bandwidth between NUMA nodes,
 *		printed as Intel's Memory Latency Checker prints its matrices.
 *
 * The command line face of src/membench.c, which the SQL function
 * numa_memory_latency() also runs: the same plan, the same measurement,
 * the same figures.  It needs no server, so it can be run on a machine
 * before PostgreSQL is set up there, or next to a busy one.
 *
 * IDENTIFICATION
 *	  bench/numa_pg_membench.c
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "membench.h"

static const char *progname = "numa_pg_membench";

/* Print the usage text. */
static void
usage(FILE *out)
{
	fprintf(out,
			"%s measures, for each pair of a CPU node and a memory node, the latency of\n"
			"dependent loads (a random pointer chase over a buffer much larger than the\n"
			"last-level cache) and the sequential read bandwidth of one thread, with the\n"
			"process pinned to a CPU of the CPU node and the buffer bound to the memory\n"
			"node, and prints them as matrices, as Intel's Memory Latency Checker does.\n"
			"\n"
			"Usage:\n"
			"  %s [OPTION]...\n"
			"\n"
			"Options:\n"
			"  -s, --size=MB            buffer per memory node, %d to %d MB (default %d)\n"
			"  -d, --duration=MS        time per pair of nodes, half latency and half\n"
			"                           bandwidth, %d to %d ms (default %d)\n"
			"  -c, --cpu-nodes=LIST     CPU nodes to measure from, e.g. \"0,2-3\" (default:\n"
			"                           every node with a CPU this process may run on)\n"
			"  -m, --memory-nodes=LIST  memory nodes to measure (default: every node with\n"
			"                           memory this process may allocate on)\n"
			"      --csv                one comma-separated line per pair instead\n"
			"  -h, --help               show this help and exit\n"
			"\n"
			"Latency is the best of up to %d trials of %d loads, in ns per load;\n"
			"bandwidth the best pass over the buffer, in MB/s (10^6 bytes a second).\n"
			"Ratios are against the CPU node's own memory node (for a node without\n"
			"memory, the nearest node with memory).  When the kernel refuses the NUMA\n"
			"system calls (as in a container), memory is measured where the kernel put\n"
			"it and the output says so.  It takes about (duration + setup) for each pair.\n"
			"\n"
			"Exit status: 0 on success, 1 if the measurement failed, 2 on bad options.\n",
			progname, progname,
			NUMAPG_MEMBENCH_MIN_MB, NUMAPG_MEMBENCH_MAX_MB, NUMAPG_MEMBENCH_DEFAULT_MB,
			NUMAPG_MEMBENCH_MIN_MS, NUMAPG_MEMBENCH_MAX_MS, NUMAPG_MEMBENCH_DEFAULT_MS,
			NUMAPG_MEMBENCH_MAX_REPEATS, NUMAPG_MEMBENCH_LOADS);
}

/* Report a bad option and exit with status 2. */
static void
bad_option(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "%s: ", progname);
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\nTry \"%s --help\" for more information.\n", progname);
	exit(2);
}

/* An option's integer value, or exit with status 2. */
static int
int_option(const char *name, const char *text)
{
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (end == text || *end != '\0' || errno != 0 || v < INT_MIN || v > INT_MAX)
		bad_option("invalid value \"%s\" for %s: not an integer", text, name);
	return (int) v;
}

/* An option's node list, or exit with status 2. */
static void
list_option(const char *name, const char *text, NumaPgMask *mask)
{
	char		err[256];

	if (!numapg_parse_list(text, NUMAPG_LIST_NODES, mask, err, sizeof(err)))
		bad_option("invalid node list for %s: %s", name, err);
}

/* A figure, or "-" when there is none. */
static void
print_cell(double v, int decimals, bool csv)
{
	if (csv)
	{
		if (isfinite(v))
			printf(",%.*f", decimals, v);
		else
			printf(",");
	}
	else if (isfinite(v))
		printf(" %10.*f", decimals, v);
	else
		printf(" %10s", "-");
}

/* One matrix: rows CPU nodes, columns memory nodes. */
static void
print_matrix(const char *title, const NumaPgMembenchPlan *plan,
			 const NumaPgMembenchResult *results, int what, int decimals)
{
	printf("\n%s\n%-16s", title, "");
	printf("%*s\n", 11 * plan->nmemory_nodes, "Memory node");
	printf("%-16s", "CPU node (CPU)");
	for (int j = 0; j < plan->nmemory_nodes; j++)
		printf(" %10d", plan->memory_nodes[j]);
	printf("\n");
	for (int i = 0; i < plan->ncpu_nodes; i++)
	{
		char		row[32];

		snprintf(row, sizeof(row), "%8d (%d)", plan->cpu_nodes[i].node, plan->cpu_nodes[i].cpu);
		printf("%-16s", row);
		for (int j = 0; j < plan->nmemory_nodes; j++)
		{
			const NumaPgMembenchResult *r = &results[i * plan->nmemory_nodes + j];
			double		v;

			switch (what)
			{
				case 0:
					v = r->latency_ns;
					break;
				case 1:
					v = r->bandwidth_mb_s;
					break;
				case 2:
					v = r->latency_ratio;
					break;
				case 3:
					v = r->bandwidth_ratio;
					break;
				default:
					v = r->pages_on_node * 100;
					break;
			}
			print_cell(v, decimals, false);
		}
		printf("\n");
	}
}

/* The MLC-like report. */
static void
print_report(const NumaPgMembenchPlan *plan, const NumaPgMembenchResult *results)
{
	int64_t		llc = numapg_membench_llc_bytes();
	int			unbound_errno = 0;
	char		title[128];

	printf("numa_pg_membench: %zu MB buffer per memory node, %d ms per pair of nodes, one thread\n",
		   plan->size >> 20, plan->duration_ms);
	if (llc > 0)
		printf("last-level cache: %lld kB%s\n", (long long) (llc >> 10),
			   (int64_t) plan->size < 4 * llc ?
			   " (WARNING: the buffer is less than 4 times as large, so latencies include cache hits)" : "");
	snprintf(title, sizeof(title),
			 "Idle latency (ns), random pointer chase, best of trials of %ld loads",
			 plan->loads);
	print_matrix(title, plan, results, 0, 1);
	print_matrix("Sequential read bandwidth (MB/s), best pass", plan, results, 1, 0);
	print_matrix("Remote/local latency ratio", plan, results, 2, 2);
	print_matrix("Remote/local bandwidth ratio", plan, results, 3, 2);
	print_matrix("Pages on the memory node (%), from move_pages(2)", plan, results, 4, 1);
	for (int k = 0; k < plan->ncpu_nodes * plan->nmemory_nodes; k++)
		if (!results[k].bound)
			unbound_errno = results[k].bind_errno;
	if (unbound_errno)
		printf("\nNOT BOUND: the kernel refused mbind(2) (%s), so memory was measured\n"
			   "where the kernel put it, not necessarily on the memory node shown.\n",
			   strerror(unbound_errno));
}

/* One CSV line per pair. */
static void
print_csv(const NumaPgMembenchPlan *plan, const NumaPgMembenchResult *results)
{
	printf("cpu_node,cpu,memory_node,distance,size_mb,latency_ns,bandwidth_mb_s,"
		   "latency_ratio,bandwidth_ratio,pages_on_node,bound\n");
	for (int i = 0; i < plan->ncpu_nodes; i++)
		for (int j = 0; j < plan->nmemory_nodes; j++)
		{
			const NumaPgMembenchResult *r = &results[i * plan->nmemory_nodes + j];

			printf("%d,%d,%d,%d,%zu", plan->cpu_nodes[i].node, plan->cpu_nodes[i].cpu,
				   plan->memory_nodes[j], plan->distance[i][j], plan->size >> 20);
			print_cell(r->latency_ns, 2, true);
			print_cell(r->bandwidth_mb_s, 0, true);
			print_cell(r->latency_ratio, 3, true);
			print_cell(r->bandwidth_ratio, 3, true);
			print_cell(r->pages_on_node, 4, true);
			printf(",%s\n", r->bound ? "true" : "false");
		}
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{"size", required_argument, NULL, 's'},
		{"duration", required_argument, NULL, 'd'},
		{"cpu-nodes", required_argument, NULL, 'c'},
		{"memory-nodes", required_argument, NULL, 'm'},
		{"csv", no_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			size_mb = NUMAPG_MEMBENCH_DEFAULT_MB;
	int			duration_ms = NUMAPG_MEMBENCH_DEFAULT_MS;
	NumaPgMask	cpu_nodes,
				memory_nodes;
	bool		have_cpu_nodes = false,
				have_memory_nodes = false,
				csv = false;
	NumaPgTopology *topo = malloc(sizeof(NumaPgTopology));
	NumaPgMembenchPlan *plan = malloc(sizeof(NumaPgMembenchPlan));
	NumaPgMembenchState state;
	NumaPgMembenchResult *results;
	char		err[512];
	int			c;

	if (topo == NULL || plan == NULL)
	{
		fprintf(stderr, "%s: out of memory\n", progname);
		return 1;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:d:c:m:h", options, NULL)) != -1)
	{
		switch (c)
		{
			case 's':
				size_mb = int_option("--size", optarg);
				break;
			case 'd':
				duration_ms = int_option("--duration", optarg);
				break;
			case 'c':
				list_option("--cpu-nodes", optarg, &cpu_nodes);
				have_cpu_nodes = true;
				break;
			case 'm':
				list_option("--memory-nodes", optarg, &memory_nodes);
				have_memory_nodes = true;
				break;
			case 'C':
				csv = true;
				break;
			case 'h':
				usage(stdout);
				return 0;
			case ':':
				bad_option("option %s needs a value%s", argv[optind - 1], "");
				break;
			default:
				bad_option("unknown option \"%s\"%s", argv[optind - 1], "");
				break;
		}
	}
	if (optind < argc)
		bad_option("unexpected argument \"%s\"%s", argv[optind], "");

	if (!numapg_topology_read("/", topo, err, sizeof(err)))
	{
		fprintf(stderr, "%s: could not read the NUMA topology: %s\n", progname, err);
		return 1;
	}
	if (!numapg_membench_plan(topo, size_mb, duration_ms,
							  have_cpu_nodes ? &cpu_nodes : NULL,
							  have_memory_nodes ? &memory_nodes : NULL,
							  plan, err, sizeof(err)))
		bad_option("%s%s", err, "");

	results = calloc((size_t) plan->ncpu_nodes * plan->nmemory_nodes, sizeof(*results));
	if (results == NULL)
	{
		fprintf(stderr, "%s: out of memory\n", progname);
		return 1;
	}
	numapg_membench_init_state(&state);
	if (!numapg_membench_run(plan, &state, results, NULL, NULL, err, sizeof(err)))
	{
		fprintf(stderr, "%s: %s\n", progname, err);
		numapg_membench_cleanup(&state, err, sizeof(err));
		return 1;
	}
	if (csv)
		print_csv(plan, results);
	else
		print_report(plan, results);
	return 0;
}
