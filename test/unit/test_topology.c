/*-------------------------------------------------------------------------
 *
 * test_topology.c
 *		Unit tests of the sysfs topology reader, on fixture trees of
 *		machines this one is not: a 2-socket server, 4 nodes with a
 *		memoryless node and a restricted cpuset, sparse node ids, a kernel
 *		without NUMA, and a broken sysfs.
 *
 * Run with the fixture directory as the only argument.
 *
 * IDENTIFICATION
 *	  test/unit/test_topology.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "topology.h"
#include "tap.h"
#include "text.h"

static const char *fixtures;
static NumaPgTopology topo;

/* Read fixture "name"; report the error as a failed test. */
static bool
load(const char *name)
{
	char		root[4096];
	char		err[512] = "";
	bool		loaded;

	snprintf(root, sizeof(root), "%s/%s", fixtures, name);
	loaded = numapg_topology_read(root, &topo, err, sizeof(err));
	ok(loaded, "%s: topology is read%s%s", name, loaded ? "" : ": ", err);
	return loaded;
}

static void
test_two_socket(void)
{
	if (!load("two_socket"))
		return;
	is_int(topo.node_count, 2, "two_socket: 2 nodes");
	ok(!topo.synthesized, "two_socket: read from the node directory");
	is_str(list(&topo.nodes[0].cpus), "0-15,32-47", "node 0 CPUs with SMT siblings");
	is_str(list(&topo.nodes[1].cpus), "16-31,48-63", "node 1 CPUs with SMT siblings");
	is_int(topo.nodes[0].memory_total, 134217728LL * 1024, "node 0 MemTotal in bytes");
	is_int(topo.nodes[1].memory_free, 125000000LL * 1024, "node 1 MemFree in bytes");
	is_int(topo.nodes[1].memory_reclaimable, (2000000LL + 1500000 + 300000) * 1024,
		   "node 1 reclaimable: Active(file) + Inactive(file) + SReclaimable, not anon");
	is_int(topo.nodes[0].memory_reclaimable, 0, "node 0 lists none of those: 0 reclaimable");
	is_int(topo.nodes[0].hugepages_2mb_total, 1024, "node 0 2 MB huge pages total");
	is_int(topo.nodes[0].hugepages_2mb_free, 1000, "node 0 2 MB huge pages free");
	is_int(topo.nodes[1].hugepages_1gb_free, 2, "node 1 1 GB huge pages free");
	is_int(topo.nodes[0].distances[1], 21, "distance 0->1 is 21");
	is_int(topo.nodes[1].distances[1], 10, "distance 1->1 is 10");
	ok(topo.nodes[0].has_memory && topo.nodes[1].has_memory, "both nodes have memory");
	is_int(numapg_topology_node_of_cpu(&topo, 40), 0, "CPU 40 (an SMT sibling) is on node 0");
	is_int(numapg_topology_node_of_cpu(&topo, 63), 1, "CPU 63 is on node 1");
	is_int(numapg_topology_node_of_cpu(&topo, 64), -1, "CPU 64 is on no node");
	is_str(list(&topo.cpus_allowed), "0-63", "all CPUs allowed");
	is_str(list(&topo.mems_allowed), "0-1", "both nodes allowed");
}

static void
test_four_node_memoryless(void)
{
	if (!load("four_node_memoryless"))
		return;
	is_int(topo.node_count, 4, "four_node: 4 nodes");
	ok(!topo.nodes[2].has_memory, "node 2 is memoryless");
	is_int(topo.nodes[2].memory_total, 0, "node 2 has 0 bytes");
	is_str(list(&topo.nodes[2].cpus), "8-11", "but node 2 has CPUs 8-11");
	ok(topo.nodes[0].has_memory && topo.nodes[1].has_memory && topo.nodes[3].has_memory,
	   "nodes 0, 1, 3 have memory");
	is_int(numapg_topology_memory_node_count(&topo), 3, "3 nodes have memory");
	is_int(topo.nodes[2].hugepages_2mb_total, -1, "memoryless node: no huge page directory");
	is_int(topo.nodes[3].hugepages_2mb_free, 0, "node 3: 0 free huge pages");
	is_int(topo.nodes[0].distances[3], 22, "distance 0->3 is 22");
	is_int(topo.nodes[3].distances[1], 16, "distance 3->1 is 16");
	is_int(topo.nodes[2].distances[2], 10, "distance 2->2 is 10");
	is_str(list(&topo.cpus_allowed), "0-5,8-11", "cpuset restricts CPUs to 0-5,8-11");
	is_str(list(&topo.mems_allowed), "0-1,3", "cpuset restricts memory to nodes 0,1,3");
}

static void
test_sparse(void)
{
	if (!load("sparse"))
		return;
	is_int(topo.node_count, 2, "sparse: 2 nodes");
	is_int(topo.nodes[0].id, 0, "first node id is 0");
	is_int(topo.nodes[1].id, 4, "second node id is 4");
	is_int(numapg_topology_index_of_node(&topo, 4), 1, "node 4 is at index 1");
	is_int(numapg_topology_index_of_node(&topo, 1), -1, "node 1 does not exist");
	is_int(numapg_topology_node_of_cpu(&topo, 5), 4, "CPU 5 is on node 4");
	is_int(topo.nodes[0].distances[1], 32, "distance 0->4 is 32 (by index)");
	is_int(topo.nodes[1].hugepages_1gb_total, -1, "no 1 GB pages on node 4");
}

static void
test_no_numa(void)
{
	if (!load("no_numa"))
		return;
	ok(topo.synthesized, "no_numa: a single node is made up");
	is_int(topo.node_count, 1, "no_numa: 1 node");
	is_int(topo.nodes[0].id, 0, "it is node 0");
	is_str(list(&topo.nodes[0].cpus), "0-3", "with every online CPU");
	is_int(topo.nodes[0].memory_total, 8388608LL * 1024, "and /proc/meminfo's MemTotal");
	is_int(topo.nodes[0].hugepages_2mb_total, 16, "and the global 2 MB huge pages");
	is_int(topo.nodes[0].distances[0], 10, "distance to itself is 10");
}

static void
test_broken(void)
{
	char		root[4096];
	char		err[512] = "";

	snprintf(root, sizeof(root), "%s/broken_cpulist", fixtures);
	ok(!numapg_topology_read(root, &topo, err, sizeof(err)),
	   "broken_cpulist: reading fails");
	contains(err, "node0/cpulist", "the error names the file");
	contains(err, "Unexpected character \"z\"", "and says what is wrong in it");

	snprintf(root, sizeof(root), "%s/does_not_exist", fixtures);
	ok(!numapg_topology_read(root, &topo, err, sizeof(err)),
	   "a missing root fails");
	contains(err, "Could not read", "with a message saying what could not be read");
}

static void
test_imbalance(void)
{
	int			low = -1,
				high = -1;

	if (!load("two_socket"))
		return;
	ok(!numapg_topology_imbalanced(&topo, &low, &high), "two_socket: 89%% and 93%% free is balanced");
	topo.nodes[0].memory_free = topo.nodes[0].memory_total / 20;
	ok(numapg_topology_imbalanced(&topo, &low, &high), "node 0 at 5%% free while node 1 has 93%%: imbalanced");
	is_int(low, 0, "the low node is node 0");
	is_int(high, 1, "the high node is node 1");
	topo.nodes[1].memory_free = topo.nodes[1].memory_total / 3;
	ok(!numapg_topology_imbalanced(&topo, &low, &high), "5%% and 33%% free: both short, not an imbalance to warn about");

	if (!load("four_node_memoryless"))
		return;
	topo.nodes[2].memory_free = 0;
	ok(!numapg_topology_imbalanced(&topo, &low, &high), "a memoryless node does not count as full");
	topo.nodes[3].memory_free = topo.nodes[3].memory_total / 50;
	ok(!numapg_mask_test(&topo.mems_allowed, 2) && numapg_topology_imbalanced(&topo, &low, &high),
	   "node 3 at 2%% free among nodes at ~90%%: imbalanced");
	is_int(topo.nodes[low].id, 3, "the low node is node 3");
}

/*
 * An inherited task policy: a bind takes the nodes outside it away from
 * what may be used, as a cpuset does, and the detail says which limits;
 * interleave and preferred are kept but restrict nothing.
 */
static void
test_task_policy(void)
{
	NumaPgTaskPolicy policy;
	char		why[512];

	if (!load("four_node_memoryless"))
		return;
	is_str(list(&topo.mems_cpuset), "0-1,3", "policy: the cpuset's nodes are kept apart");
	is_int(topo.task_policy.mode, NUMAPG_TASK_POLICY_DEFAULT, "policy: default until applied");

	memset(&policy, 0, sizeof(policy));
	policy.mode = NUMAPG_TASK_POLICY_INTERLEAVE;
	numapg_mask_set(&policy.nodes, 0);
	numapg_mask_set(&policy.nodes, 1);
	numapg_topology_apply_task_policy(&topo, &policy);
	is_str(list(&topo.mems_allowed), "0-1,3", "policy: interleave restricts nothing");
	is_str(numapg_task_policy_name(topo.task_policy.mode), "interleave", "policy: interleave is kept to be reported");
	numapg_describe_mems_restriction(&topo, why, sizeof(why));
	is_str(why, "0-1,3", "policy: a cpuset leaving out only the memoryless node limits nothing");

	policy.mode = NUMAPG_TASK_POLICY_BIND;
	numapg_mask_clear(&policy.nodes);
	numapg_mask_set(&policy.nodes, 1);
	numapg_mask_set(&policy.nodes, 2);
	numapg_topology_apply_task_policy(&topo, &policy);
	is_str(list(&topo.mems_allowed), "1", "policy: bind to 1-2 within cpuset 0-1,3 allows node 1 only");
	numapg_describe_mems_restriction(&topo, why, sizeof(why));
	is_str(why, "1 (the memory policy it was started under binds it to nodes 1-2, as numactl --membind does)",
		   "policy: the bind is named");

	if (!load("two_socket"))
		return;
	numapg_mask_clear(&policy.nodes);
	numapg_mask_set(&policy.nodes, 1);
	numapg_topology_apply_task_policy(&topo, &policy);
	is_str(list(&topo.mems_allowed), "1", "policy: bind to node 1 of 0-1 allows node 1");
	numapg_describe_mems_restriction(&topo, why, sizeof(why));
	is_str(why, "1 (the memory policy it was started under binds it to nodes 1, as numactl --membind does)",
		   "policy: the bind alone is named");

	numapg_mask_clear(&policy.nodes);
	numapg_mask_set(&policy.nodes, 5);
	topo.mems_allowed = topo.mems_cpuset;
	numapg_topology_apply_task_policy(&topo, &policy);
	is_str(list(&topo.mems_allowed), "0-1", "policy: a bind outside the cpuset is ignored");

	/* a cpuset with node 1's memory only, then a bind to both nodes too */
	numapg_mask_clear(&topo.mems_cpuset);
	numapg_mask_set(&topo.mems_cpuset, 1);
	topo.mems_allowed = topo.mems_cpuset;
	policy.mode = NUMAPG_TASK_POLICY_DEFAULT;
	numapg_mask_clear(&policy.nodes);
	numapg_topology_apply_task_policy(&topo, &policy);
	numapg_describe_mems_restriction(&topo, why, sizeof(why));
	is_str(why, "1 (its cpuset allows only these)", "policy: the cpuset is named as the limit");
	policy.mode = NUMAPG_TASK_POLICY_BIND;
	numapg_mask_set(&policy.nodes, 0);
	numapg_topology_apply_task_policy(&topo, &policy);
	numapg_describe_mems_restriction(&topo, why, sizeof(why));
	is_str(why, "1 (its cpuset allows only these)", "policy: a bind wider than the cpuset limits nothing more");

	/* a cpuset without node 3 (which has memory) and a bind to node 1 */
	if (!load("four_node_memoryless"))
		return;
	numapg_mask_clear(&topo.mems_cpuset);
	numapg_mask_set(&topo.mems_cpuset, 0);
	numapg_mask_set(&topo.mems_cpuset, 1);
	topo.mems_allowed = topo.mems_cpuset;
	numapg_mask_clear(&policy.nodes);
	numapg_mask_set(&policy.nodes, 1);
	numapg_topology_apply_task_policy(&topo, &policy);
	numapg_describe_mems_restriction(&topo, why, sizeof(why));
	is_str(why, "1 (its cpuset allows nodes 0-1, and the memory policy it was started under binds it to nodes 1, as numactl --membind does)",
		   "policy: both limits are named");
}

int
main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "test/fixtures";
	test_two_socket();
	test_four_node_memoryless();
	test_sparse();
	test_no_numa();
	test_broken();
	test_imbalance();
	test_task_policy();
	return done_testing();
}
