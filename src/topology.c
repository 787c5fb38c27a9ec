/*-------------------------------------------------------------------------
 *
 * topology.c
 *		Read the machine's NUMA topology from sysfs and procfs.
 *
 * Everything comes from files, under a root directory given by the caller:
 *
 *	sys/devices/system/node/online			nodes (ids may be sparse)
 *	sys/devices/system/node/has_memory		nodes with memory
 *	sys/devices/system/node/nodeN/cpulist	CPUs of node N
 *	sys/devices/system/node/nodeN/meminfo	MemTotal, MemFree, and what the
 *											kernel can reclaim, of node N
 *	sys/devices/system/node/nodeN/distance	row N of the distance matrix,
 *											in the order of "online"
 *	sys/devices/system/node/nodeN/hugepages/hugepages-{2048,1048576}kB/
 *											nr_hugepages, free_hugepages
 *	sys/devices/system/cpu/online			online CPUs
 *	proc/self/status						Cpus_allowed_list and
 *											Mems_allowed_list: the cpuset
 *											and affinity of this process
 *
 * Reading files rather than asking libnuma keeps this usable where libnuma
 * is not (seccomp, no NUMA syscalls) and lets unit tests replay fixture
 * trees.  A kernel built without NUMA has no node directory: we then make
 * up one node 0 from the CPU list and /proc/meminfo, and say so.
 *
 * IDENTIFICATION
 *	  src/topology.c
 *
 *-------------------------------------------------------------------------
 */
#include "topology.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"

#define NODE_DIR "sys/devices/system/node"

/*
 * Read a small file under root into buf, NUL-terminated and with trailing
 * newlines removed.  Returns false if it cannot be opened or read.
 */
bool
numapg_read_small_file(const char *root, const char *relpath, char *buf,
					   size_t len)
{
	char		path[4096];
	FILE	   *f;
	size_t		n;

	snprintf(path, sizeof(path), "%s/%s", root, relpath);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	n = fread(buf, 1, len - 1, f);
	if (ferror(f))
	{
		fclose(f);
		return false;
	}
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return true;
}

/*
 * Read a file holding one integer; -1 when missing or unreadable (or
 * negative).
 */
int64_t
numapg_read_int_file(const char *root, const char *relpath)
{
	char		buf[64];
	char	   *end;
	long long	v;

	if (!numapg_read_small_file(root, relpath, buf, sizeof(buf)))
		return -1;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno != 0 || end == buf || v < 0)
		return -1;
	return (int64_t) v;
}

/*
 * Find "key" in a meminfo-style text (lines "[Node N ]Key:   123 kB") and
 * return its value in bytes, or -1.
 */
int64_t
numapg_meminfo_bytes(const char *text, const char *key)
{
	size_t		keylen = strlen(key);
	const char *line = text;

	while (line && *line)
	{
		const char *p = line;

		/* per-node meminfo prefixes each line with "Node N " */
		if (strncmp(p, "Node ", 5) == 0)
		{
			p += 5;
			while (*p >= '0' && *p <= '9')
				p++;
			while (*p == ' ')
				p++;
		}
		if (strncmp(p, key, keylen) == 0 && p[keylen] == ':')
		{
			long long	kb = strtoll(p + keylen + 1, NULL, 10);

			return (int64_t) kb * 1024;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}

/*
 * Memory the kernel can reclaim for a new allocation, from a meminfo text:
 * file pages (page cache) and reclaimable slab.  Keys that are missing
 * count 0.
 */
static int64_t
reclaimable_bytes(const char *meminfo)
{
	static const char *const keys[] = {"Active(file)", "Inactive(file)", "SReclaimable"};
	int64_t		sum = 0;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
	{
		int64_t		bytes = numapg_meminfo_bytes(meminfo, keys[i]);

		if (bytes > 0)
			sum += bytes;
	}
	return sum;
}

/* Read a list file (e.g. "0-3,8") under root into mask. */
static bool
read_list_file(const char *root, const char *relpath, NumaPgListKind kind,
			   NumaPgMask *mask, char *errbuf, size_t errlen)
{
	char		buf[8192];
	char		why[256];

	if (!numapg_read_small_file(root, relpath, buf, sizeof(buf)))
		return numapg_errorf(errbuf, errlen, "Could not read %s/%s: %s",
						  root, relpath, strerror(errno));
	/* the kernel writes an empty line for an empty set */
	if (buf[0] == '\0')
	{
		numapg_mask_clear(mask);
		return true;
	}
	if (!numapg_parse_list(buf, kind, mask, why, sizeof(why)))
		return numapg_errorf(errbuf, errlen, "Could not parse %s/%s: %s",
						  root, relpath, why);
	return true;
}

/*
 * Find the "Key:\tlist" line of a /proc/PID/status text (Cpus_allowed_list,
 * Mems_allowed_list) and parse its list.  The key must start a line.
 * Returns false when the key is absent or its list unparsable.
 */
bool
numapg_status_list(const char *status, const char *key, NumaPgListKind kind,
				   NumaPgMask *mask)
{
	size_t		keylen = strlen(key);
	const char *p = status;
	char		value[8192];
	size_t		n = 0;

	while (p != NULL && !(strncmp(p, key, keylen) == 0 && p[keylen] == ':'))
	{
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	if (p == NULL)
		return false;
	p += keylen + 1;
	while (*p == ' ' || *p == '\t')
		p++;
	while (p[n] && p[n] != '\n' && n < sizeof(value) - 1)
	{
		value[n] = p[n];
		n++;
	}
	value[n] = '\0';
	return numapg_parse_list(value, kind, mask, NULL, 0);
}

/* Read huge page counts of one size under dir into total/free (-1 if absent). */
static void
read_hugepages(const char *root, const char *dir, const char *size,
			   int64_t *total, int64_t *free_pages)
{
	char		rel[512];

	snprintf(rel, sizeof(rel), "%s/hugepages/hugepages-%s/nr_hugepages",
			 dir, size);
	*total = numapg_read_int_file(root, rel);
	snprintf(rel, sizeof(rel), "%s/hugepages/hugepages-%s/free_hugepages",
			 dir, size);
	*free_pages = numapg_read_int_file(root, rel);
	if (*total < 0 || *free_pages < 0)
		*total = *free_pages = -1;
}

/* Read everything about node "id" into *node (distances are done later). */
static bool
read_node(const char *root, int id, const NumaPgMask *has_memory,
		  bool has_memory_known, NumaPgNode *node, char *errbuf,
		  size_t errlen)
{
	char		dir[128];
	char		rel[256];
	char		meminfo[8192];

	memset(node, 0, sizeof(*node));
	node->id = id;
	snprintf(dir, sizeof(dir), NODE_DIR "/node%d", id);

	snprintf(rel, sizeof(rel), "%s/cpulist", dir);
	if (!read_list_file(root, rel, NUMAPG_LIST_CPUS, &node->cpus,
						errbuf, errlen))
		return false;

	snprintf(rel, sizeof(rel), "%s/meminfo", dir);
	node->memory_total = node->memory_free = node->memory_reclaimable = 0;
	if (numapg_read_small_file(root, rel, meminfo, sizeof(meminfo)))
	{
		node->memory_total = numapg_meminfo_bytes(meminfo, "MemTotal");
		node->memory_free = numapg_meminfo_bytes(meminfo, "MemFree");
		node->memory_reclaimable = reclaimable_bytes(meminfo);
		if (node->memory_total < 0)
			node->memory_total = 0;
		if (node->memory_free < 0)
			node->memory_free = 0;
	}
	node->has_memory = has_memory_known ? numapg_mask_test(has_memory, id)
		: node->memory_total > 0;

	read_hugepages(root, dir, "2048kB", &node->hugepages_2mb_total,
				   &node->hugepages_2mb_free);
	read_hugepages(root, dir, "1048576kB", &node->hugepages_1gb_total,
				   &node->hugepages_1gb_free);
	return true;
}

/*
 * Fill row i of the distance matrix from nodeN/distance, whose entries
 * follow the order of the online nodes, i.e. our node order.
 */
static bool
read_distances(const char *root, NumaPgTopology *topo, int i,
			   char *errbuf, size_t errlen)
{
	char		rel[128];
	char		buf[4096];
	char	   *p = buf;
	int			j;

	for (j = 0; j < topo->node_count; j++)
		topo->nodes[i].distances[j] = (i == j) ? NUMAPG_LOCAL_DISTANCE
			: NUMAPG_REMOTE_DISTANCE;

	snprintf(rel, sizeof(rel), NODE_DIR "/node%d/distance", topo->nodes[i].id);
	if (!numapg_read_small_file(root, rel, buf, sizeof(buf)))
		return true;			/* keep the defaults */
	for (j = 0; j < topo->node_count; j++)
	{
		char	   *end;
		long		d = strtol(p, &end, 10);

		if (end == p || d <= 0 || d > 255)
			return numapg_errorf(errbuf, errlen,
							  "Could not parse %s/%s: expected %d distances",
							  root, rel, topo->node_count);
		topo->nodes[i].distances[j] = (int) d;
		p = end;
	}
	return true;
}

/*
 * Make up one node 0 for a kernel without NUMA support (no node directory):
 * all online CPUs, the memory of /proc/meminfo and the global huge pages.
 */
static bool
synthesize_single_node(const char *root, NumaPgTopology *topo,
					   char *errbuf, size_t errlen)
{
	NumaPgNode *node = &topo->nodes[0];
	char		meminfo[16384];

	memset(node, 0, sizeof(*node));
	topo->synthesized = true;
	topo->node_count = 1;
	node->id = 0;
	node->cpus = topo->cpus_online;
	if (numapg_read_small_file(root, "proc/meminfo", meminfo, sizeof(meminfo)))
	{
		node->memory_total = numapg_meminfo_bytes(meminfo, "MemTotal");
		node->memory_free = numapg_meminfo_bytes(meminfo, "MemFree");
		node->memory_reclaimable = reclaimable_bytes(meminfo);
	}
	if (node->memory_total <= 0)
		return numapg_errorf(errbuf, errlen,
						  "Could not read the memory size from %s/proc/meminfo",
						  root);
	node->has_memory = true;
	read_hugepages(root, "sys/kernel/mm", "2048kB",
				   &node->hugepages_2mb_total, &node->hugepages_2mb_free);
	read_hugepages(root, "sys/kernel/mm", "1048576kB",
				   &node->hugepages_1gb_total, &node->hugepages_1gb_free);
	node->distances[0] = NUMAPG_LOCAL_DISTANCE;
	return true;
}

/*
 * Read the topology under root ("/" for the live system) into *topo.
 * Returns false, with a message in errbuf, when sysfs cannot be read or
 * makes no sense; a kernel without NUMA support is not an error.
 */
bool
numapg_topology_read(const char *root, NumaPgTopology *topo, char *errbuf,
					 size_t errlen)
{
	NumaPgMask	online_nodes;
	NumaPgMask	has_memory;
	bool		has_memory_known;
	char		path[4096];
	char		status[16384];
	char		probe[16];
	int			id;

	memset(topo, 0, sizeof(*topo));

	if (!read_list_file(root, "sys/devices/system/cpu/online",
						NUMAPG_LIST_CPUS, &topo->cpus_online, errbuf, errlen))
		return false;

	/* What this process may use: its cpuset and affinity. */
	topo->cpus_allowed = topo->cpus_online;
	if (numapg_read_small_file(root, "proc/self/status", status, sizeof(status)))
	{
		NumaPgMask	mask;

		if (numapg_status_list(status, "Cpus_allowed_list", NUMAPG_LIST_CPUS, &mask))
			numapg_mask_and(&topo->cpus_allowed, &mask, &topo->cpus_online);
		if (!numapg_status_list(status, "Mems_allowed_list", NUMAPG_LIST_NODES,
						 &topo->mems_allowed))
			numapg_mask_clear(&topo->mems_allowed);
	}
	else
		numapg_mask_clear(&topo->mems_allowed);

	snprintf(path, sizeof(path), NODE_DIR "/online");
	if (!numapg_read_small_file(root, path, probe, sizeof(probe)))
	{
		if (!synthesize_single_node(root, topo, errbuf, errlen))
			return false;
		numapg_mask_set(&topo->mems_allowed, 0);
		topo->mems_cpuset = topo->mems_allowed;
		return true;
	}
	if (!read_list_file(root, path, NUMAPG_LIST_NODES, &online_nodes,
						errbuf, errlen))
		return false;
	if (numapg_mask_count(&online_nodes) == 0)
		return numapg_errorf(errbuf, errlen, "%s/%s lists no node", root, path);
	if (numapg_mask_count(&online_nodes) > NUMAPG_TOPO_MAX_NODES)
		return numapg_errorf(errbuf, errlen,
						  "This machine has %d NUMA nodes; numa_pg handles at most %d",
						  numapg_mask_count(&online_nodes),
						  NUMAPG_TOPO_MAX_NODES);
	has_memory_known = read_list_file(root, NODE_DIR "/has_memory",
									  NUMAPG_LIST_NODES, &has_memory,
									  NULL, 0);

	for (id = numapg_mask_next(&online_nodes, -1); id >= 0;
		 id = numapg_mask_next(&online_nodes, id))
	{
		if (!read_node(root, id, &has_memory, has_memory_known,
					   &topo->nodes[topo->node_count], errbuf, errlen))
			return false;
		topo->node_count++;
	}
	for (int i = 0; i < topo->node_count; i++)
		if (!read_distances(root, topo, i, errbuf, errlen))
			return false;

	/* no status file (e.g. a fixture without one): everything allowed */
	if (numapg_mask_count(&topo->mems_allowed) == 0)
		topo->mems_allowed = online_nodes;
	topo->mems_cpuset = topo->mems_allowed;
	return true;
}

/*
 * Take into account the memory policy this server was started under.  A
 * bind policy (numactl --membind) is a restriction, as a cpuset is: the
 * nodes outside it are no longer allowed.  Any other policy is only kept,
 * to be reported.  A bind that shares no node with the cpuset cannot come
 * from the kernel (it refuses such a policy) and is ignored.
 */
void
numapg_topology_apply_task_policy(NumaPgTopology *topo,
								  const NumaPgTaskPolicy *policy)
{
	topo->task_policy = *policy;
	if (policy->mode == NUMAPG_TASK_POLICY_BIND)
	{
		NumaPgMask	both;

		numapg_mask_and(&both, &topo->mems_cpuset, &policy->nodes);
		if (numapg_mask_count(&both) > 0)
			topo->mems_allowed = both;
	}
}

/* Name of a task policy mode, as numa_status() shows it. */
const char *
numapg_task_policy_name(NumaPgTaskPolicyMode mode)
{
	switch (mode)
	{
		case NUMAPG_TASK_POLICY_DEFAULT:
			return "default";
		case NUMAPG_TASK_POLICY_BIND:
			return "bind";
		case NUMAPG_TASK_POLICY_INTERLEAVE:
			return "interleave";
		case NUMAPG_TASK_POLICY_WEIGHTED_INTERLEAVE:
			return "weighted_interleave";
		case NUMAPG_TASK_POLICY_PREFERRED:
			return "preferred";
		case NUMAPG_TASK_POLICY_PREFERRED_MANY:
			return "preferred_many";
		case NUMAPG_TASK_POLICY_LOCAL:
			return "local";
		case NUMAPG_TASK_POLICY_UNKNOWN:
			return "unknown";
	}
	return "unknown";
}

/*
 * Say which nodes this server may allocate on and what limits it, as a
 * phrase for error details: "1 (the memory policy it was started under
 * binds it to nodes 1, as numactl --membind does)".  Returns what snprintf
 * would.
 */
size_t
numapg_describe_mems_restriction(const NumaPgTopology *topo, char *buf,
								 size_t buflen)
{
	char		allowed[256];
	char		cpuset[256];
	char		bound[256];
	NumaPgMask	with_memory;
	bool		by_cpuset;
	bool		by_policy;

	/* a cpuset's mems never hold a memoryless node: that is no limit */
	numapg_mask_clear(&with_memory);
	for (int i = 0; i < topo->node_count; i++)
		if (topo->nodes[i].has_memory)
			numapg_mask_set(&with_memory, topo->nodes[i].id);
	by_cpuset = !numapg_mask_is_subset(&with_memory, &topo->mems_cpuset, NULL);
	by_policy = topo->task_policy.mode == NUMAPG_TASK_POLICY_BIND &&
		!numapg_mask_is_subset(&topo->mems_cpuset, &topo->mems_allowed, NULL);
	numapg_format_list(&topo->mems_allowed, allowed, sizeof(allowed));
	numapg_format_list(&topo->mems_cpuset, cpuset, sizeof(cpuset));
	numapg_format_list(&topo->task_policy.nodes, bound, sizeof(bound));

	if (by_cpuset && by_policy)
		return (size_t) snprintf(buf, buflen,
								 "%s (its cpuset allows nodes %s, and the memory policy it was started under binds it to nodes %s, as numactl --membind does)",
								 allowed, cpuset, bound);
	if (by_policy)
		return (size_t) snprintf(buf, buflen,
								 "%s (the memory policy it was started under binds it to nodes %s, as numactl --membind does)",
								 allowed, bound);
	if (by_cpuset)
		return (size_t) snprintf(buf, buflen, "%s (its cpuset allows only these)",
								 allowed);
	return (size_t) snprintf(buf, buflen, "%s", allowed);
}

/* Index into topo->nodes of the given node id, or -1. */
int
numapg_topology_index_of_node(const NumaPgTopology *topo, int node)
{
	for (int i = 0; i < topo->node_count; i++)
		if (topo->nodes[i].id == node)
			return i;
	return -1;
}

/* Node id of the given CPU, or -1 if no node has it. */
int
numapg_topology_node_of_cpu(const NumaPgTopology *topo, int cpu)
{
	for (int i = 0; i < topo->node_count; i++)
		if (numapg_mask_test(&topo->nodes[i].cpus, cpu))
			return topo->nodes[i].id;
	return -1;
}

/*
 * May this process place memory on nodes[i]: has the node memory, and is
 * it in the server's Mems_allowed (cpuset, inherited bind)?
 */
bool
numapg_topology_memory_usable(const NumaPgTopology *topo, int i)
{
	return topo->nodes[i].has_memory &&
		numapg_mask_test(&topo->mems_allowed, topo->nodes[i].id);
}

/* Number of nodes that have memory. */
int
numapg_topology_memory_node_count(const NumaPgTopology *topo)
{
	int			n = 0;

	for (int i = 0; i < topo->node_count; i++)
		if (topo->nodes[i].has_memory)
			n++;
	return n;
}

/* Number of nodes with memory that this process may allocate on. */
int
numapg_topology_usable_memory_nodes(const NumaPgTopology *topo)
{
	int			n = 0;

	for (int i = 0; i < topo->node_count; i++)
		if (numapg_topology_memory_usable(topo, i))
			n++;
	return n;
}

/*
 * Is free memory badly imbalanced across the nodes this process may use:
 * one node below 10% free while another has more than half free?  If so,
 * *low_index and *high_index are the indexes of the fullest and the
 * emptiest such nodes.
 */
bool
numapg_topology_imbalanced(const NumaPgTopology *topo, int *low_index,
						   int *high_index)
{
	int			low = -1;
	int			high = -1;
	double		low_free = 0;
	double		high_free = 0;

	for (int i = 0; i < topo->node_count; i++)
	{
		const NumaPgNode *n = &topo->nodes[i];
		double		free_fraction;

		if (!n->has_memory || n->memory_total <= 0 ||
			!numapg_mask_test(&topo->mems_allowed, n->id))
			continue;
		free_fraction = (double) n->memory_free / (double) n->memory_total;
		if (low < 0 || free_fraction < low_free)
		{
			low = i;
			low_free = free_fraction;
		}
		if (high < 0 || free_fraction > high_free)
		{
			high = i;
			high_free = free_fraction;
		}
	}
	if (low < 0 || low == high)
		return false;
	*low_index = low;
	*high_index = high;
	return low_free < 0.10 && high_free > 0.50;
}

/*
 * Memory a node can give a slab now, in bytes (0 if unknown): when shared
 * memory is on huge pages (page_size) of 2 MB or 1 GB, its free huge pages
 * of that size; otherwise its
 * free memory plus what the kernel can reclaim (page cache, reclaimable
 * slab), since a warm server's MemFree alone is small.
 */
int64_t
numapg_topology_available_bytes(const NumaPgTopology *topo, int node, size_t page_size)
{
	int			i = numapg_topology_index_of_node(topo, node);
	const NumaPgNode *n;

	if (i < 0)
		return 0;
	n = &topo->nodes[i];
	if (page_size == ((size_t) 2 << 20) && n->hugepages_2mb_free >= 0)
		return n->hugepages_2mb_free * ((int64_t) 2 << 20);
	if (page_size == ((size_t) 1 << 30) && n->hugepages_1gb_free >= 0)
		return n->hugepages_1gb_free * ((int64_t) 1 << 30);
	return n->memory_free + n->memory_reclaimable;
}
