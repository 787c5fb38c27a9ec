/*-------------------------------------------------------------------------
 *
 * topology.h
 *		The machine's NUMA topology as the kernel describes it in sysfs.
 *
 * numapg_topology_read() takes the root directory to read from ("/" on a
 * live system), so that the C unit tests can replay sysfs-shaped fixture
 * trees of machines we do not have.  Pure C: no PostgreSQL header.
 *
 * IDENTIFICATION
 *	  src/topology.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_TOPOLOGY_H
#define NUMAPG_TOPOLOGY_H

#include "nodemask.h"

/* Most nodes one topology holds (node ids themselves may go to 1023). */
#define NUMAPG_TOPO_MAX_NODES	64

/* sysfs' default distances when a node has no distance file */
#define NUMAPG_LOCAL_DISTANCE	10
#define NUMAPG_REMOTE_DISTANCE	20

typedef struct NumaPgNode
{
	int			id;				/* kernel node id; may be sparse */
	bool		has_memory;		/* false for a memoryless (CPU-only) node */
	NumaPgMask	cpus;			/* CPUs of this node */
	int64_t		memory_total;	/* bytes */
	int64_t		memory_free;	/* bytes */
	int64_t		memory_reclaimable; /* bytes of page cache and slab the
									 * kernel can reclaim (file pages,
									 * SReclaimable) */
	/* huge page counts; -1 when the kernel offers no pages of that size */
	int64_t		hugepages_2mb_total;
	int64_t		hugepages_2mb_free;
	int64_t		hugepages_1gb_total;
	int64_t		hugepages_1gb_free;
	/* distance to nodes[i] of the same topology (index, not node id) */
	int			distances[NUMAPG_TOPO_MAX_NODES];
} NumaPgNode;

/*
 * The memory policy of a task (set_mempolicy(2)), as numactl --membind,
 * --interleave, --preferred or --localalloc leave it for the programs they
 * start.  Only BIND restricts where memory may go; the others say where it
 * should go when nothing more specific (a mapping's own policy) does.
 */
typedef enum NumaPgTaskPolicyMode
{
	NUMAPG_TASK_POLICY_DEFAULT,
	NUMAPG_TASK_POLICY_BIND,
	NUMAPG_TASK_POLICY_INTERLEAVE,
	NUMAPG_TASK_POLICY_WEIGHTED_INTERLEAVE,
	NUMAPG_TASK_POLICY_PREFERRED,
	NUMAPG_TASK_POLICY_PREFERRED_MANY,
	NUMAPG_TASK_POLICY_LOCAL,
	NUMAPG_TASK_POLICY_UNKNOWN	/* could not be read (EPERM, ENOSYS) */
} NumaPgTaskPolicyMode;

typedef struct NumaPgTaskPolicy
{
	NumaPgTaskPolicyMode mode;
	NumaPgMask	nodes;			/* the policy's nodes; empty for DEFAULT,
								 * LOCAL and UNKNOWN */
} NumaPgTaskPolicy;

typedef struct NumaPgTopology
{
	int			node_count;
	NumaPgNode	nodes[NUMAPG_TOPO_MAX_NODES];	/* ascending node id */
	NumaPgMask	cpus_online;	/* every online CPU */
	NumaPgMask	cpus_allowed;	/* what this process may run on (cpuset
								 * and affinity) */
	NumaPgMask	mems_allowed;	/* nodes this process may allocate on: the
								 * cpuset's, less those outside an
								 * inherited bind policy */
	NumaPgMask	mems_cpuset;	/* nodes the cpuset allows (Mems_allowed) */
	NumaPgTaskPolicy task_policy;	/* the policy this server started under;
									 * DEFAULT until applied */
	bool		synthesized;	/* kernel has no node directory: one node
								 * made up from the CPU and memory totals */
} NumaPgTopology;

/*
 * The readers of procfs and sysfs files the topology is read with, for the
 * other modules that read such files (paths relative to root).
 */
extern bool numapg_read_small_file(const char *root, const char *relpath,
								   char *buf, size_t len);
extern int64_t numapg_read_int_file(const char *root, const char *relpath);
extern int64_t numapg_meminfo_bytes(const char *text, const char *key);
extern bool numapg_status_list(const char *status, const char *key,
							   NumaPgListKind kind, NumaPgMask *mask);

extern bool numapg_topology_read(const char *root, NumaPgTopology *topo,
								 char *errbuf, size_t errlen);
extern void numapg_topology_apply_task_policy(NumaPgTopology *topo,
											  const NumaPgTaskPolicy *policy);
extern const char *numapg_task_policy_name(NumaPgTaskPolicyMode mode);
extern size_t numapg_describe_mems_restriction(const NumaPgTopology *topo,
											   char *buf, size_t buflen);
extern int	numapg_topology_index_of_node(const NumaPgTopology *topo,
										  int node);
extern int	numapg_topology_node_of_cpu(const NumaPgTopology *topo, int cpu);
extern bool numapg_topology_memory_usable(const NumaPgTopology *topo, int i);
extern int	numapg_topology_memory_node_count(const NumaPgTopology *topo);
extern int	numapg_topology_usable_memory_nodes(const NumaPgTopology *topo);
extern int64_t numapg_topology_available_bytes(const NumaPgTopology *topo,
											   int node, size_t page_size);
extern bool numapg_topology_imbalanced(const NumaPgTopology *topo, int *low_index,
									   int *high_index);

#endif							/* NUMAPG_TOPOLOGY_H */
