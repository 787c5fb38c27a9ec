/*-------------------------------------------------------------------------
 *
 * test_worker_plan.c
 *		Unit tests of the worker placement plan on the fixture topologies.
 *
 * IDENTIFICATION
 *	  test/unit/test_worker_plan.c
 *
 *-------------------------------------------------------------------------
 */
#include "worker_plan.h"
#include "tap.h"

static const char *fixtures;
static NumaPgTopology topo;

static bool
load(const char *name)
{
	char		root[4096];
	char		err[512] = "";

	snprintf(root, sizeof(root), "%s/%s", fixtures, name);
	return numapg_topology_read(root, &topo, err, sizeof(err));
}

/* "cpu/node/memory_node" of each worker, space separated */
static const char *
describe(const NumaPgWorkerPlace *places, int n)
{
	static char buf[1024];
	size_t		len = 0;

	buf[0] = '\0';
	for (int w = 0; w < n; w++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%d/%d/%d",
						w ? " " : "", places[w].cpu, places[w].node,
						places[w].memory_node);
	return buf;
}

int
main(int argc, char **argv)
{
	NumaPgWorkerPlace places[NUMAPG_MAX_WORKERS];
	NumaPgMask	cpus;
	char		err[256];

	fixtures = argc > 1 ? argv[1] : "test/fixtures";

	ok(load("two_socket"), "two_socket loads");
	ok(numapg_plan_workers(&topo, 4, NULL, places, err, sizeof(err)), "auto, 4 workers");
	is_str(describe(places, 4), "0/0/0 16/1/1 1/0/0 17/1/1",
		   "auto alternates sockets, CPUs ascending within each");
	ok(numapg_plan_workers(&topo, 64, NULL, places, err, sizeof(err)), "auto, one worker per CPU");
	is_int(places[63].cpu, 63, "the 64th worker gets the last CPU");
	ok(!numapg_plan_workers(&topo, 65, NULL, places, err, sizeof(err)), "auto, more workers than CPUs fails");
	contains(err, "65 workers need 65 CPUs, but this server's allowed CPU set provides 64", "and says why");
	numapg_parse_list("40,8,3", NUMAPG_LIST_CPUS, &cpus, NULL, 0);
	ok(numapg_plan_workers(&topo, 3, &cpus, places, err, sizeof(err)), "explicit list");
	is_str(describe(places, 3), "3/0/0 8/0/0 40/0/0", "explicit CPUs in ascending order, SMT sibling 40 on node 0");
	ok(numapg_plan_workers(&topo, 2, &cpus, places, err, sizeof(err)), "a list longer than the pool");
	is_str(describe(places, 2), "3/0/0 8/0/0", "uses its first CPUs");
	ok(!numapg_plan_workers(&topo, 4, &cpus, places, err, sizeof(err)), "a list shorter than the pool fails");
	contains(err, "4 workers need 4 CPUs, but the CPU list provides 3", "and says why");
	ok(numapg_plan_workers(&topo, 0, NULL, places, err, sizeof(err)), "0 workers is a valid plan");
	ok(!numapg_plan_workers(&topo, -1, NULL, places, err, sizeof(err)), "-1 workers is not");

	ok(load("four_node_memoryless"), "four_node_memoryless loads");
	ok(numapg_plan_workers(&topo, 5, NULL, places, err, sizeof(err)), "auto, 5 workers");
	is_str(describe(places, 5), "0/0/0 4/1/1 8/2/0 1/0/0 5/1/1",
		   "node 3 is skipped (its CPUs are outside the cpuset); the worker on memoryless node 2 keeps its memory on node 0, the nearest (tie broken by id)");
	is_int(numapg_nearest_memory_node(&topo, 2), 0, "nearest memory node to 2 is 0");
	is_int(numapg_nearest_memory_node(&topo, 3), 3, "node 3 has memory of its own");
	is_int(numapg_nearest_memory_node(&topo, 7), -1, "no such node");
	numapg_parse_list("12", NUMAPG_LIST_CPUS, &cpus, NULL, 0);
	ok(!numapg_plan_workers(&topo, 1, &cpus, places, err, sizeof(err)),
	   "a listed CPU outside the cpuset provides nothing");

	ok(load("sparse"), "sparse loads");
	ok(numapg_plan_workers(&topo, 3, NULL, places, err, sizeof(err)), "auto, 3 workers");
	is_str(describe(places, 3), "0/0/0 4/4/4 1/0/0", "sparse node ids 0 and 4 alternate");

	return done_testing();
}
