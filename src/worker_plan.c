/*-------------------------------------------------------------------------
 *
 * worker_plan.c
 *		Which CPU each worker is pinned to, and which node holds its memory.
 *
 * "auto" spreads the workers round-robin over the nodes that have CPUs
 * this server may use (worker 0 on the first such node, worker 1 on the
 * next, ...), taking each node's allowed CPUs in ascending order, so that
 * any number of workers is balanced across sockets.  An explicit list
 * assigns its CPUs, in ascending order, to workers 0, 1, ...  A CPU never
 * gets two workers: process-per-core.
 *
 * A worker's memory goes to its CPU's node.  When that node has no memory
 * (a memoryless node) or this server may not allocate there (cpuset mems),
 * it goes to the nearest node that qualifies, by the distance matrix, and
 * the caller warns about it.
 *
 * IDENTIFICATION
 *	  src/worker_plan.c
 *
 *-------------------------------------------------------------------------
 */
#include "worker_plan.h"

#include <stdio.h>
#include <string.h>

#include "errbuf.h"

/*
 * The node with memory nearest to "node" (itself if it qualifies); ties go
 * to the lower node id.  -1 if no node qualifies.
 */
int
numapg_nearest_memory_node(const NumaPgTopology *topo, int node)
{
	int			from = numapg_topology_index_of_node(topo, node);
	int			best = -1;

	if (from < 0)
		return -1;
	if (numapg_topology_memory_usable(topo, from))
		return node;
	for (int i = 0; i < topo->node_count; i++)
	{
		if (!numapg_topology_memory_usable(topo, i))
			continue;
		if (best < 0 ||
			topo->nodes[from].distances[i] < topo->nodes[from].distances[best])
			best = i;
	}
	return best < 0 ? -1 : topo->nodes[best].id;
}

/*
 * Can a process be placed on topology node i: the node has CPUs this
 * process may run on (cpus gets them), and memory of its own or on a node
 * nearest to it.  numa_pg.backend_placement's nodes, and its reports.
 */
bool
numapg_node_can_host(const NumaPgTopology *topo, int i, NumaPgMask *cpus)
{
	numapg_mask_and(cpus, &topo->nodes[i].cpus, &topo->cpus_allowed);
	return numapg_mask_count(cpus) > 0 &&
		numapg_nearest_memory_node(topo, topo->nodes[i].id) >= 0;
}

/*
 * Plan nworkers workers.  cpus is the explicit CPU list, or NULL for
 * "auto".  Fills places[0..nworkers-1]; returns false with a message when
 * there are not enough usable CPUs (the caller has already checked that
 * the listed CPUs exist and are allowed).
 */
bool
numapg_plan_workers(const NumaPgTopology *topo, int nworkers,
					const NumaPgMask *cpus, NumaPgWorkerPlace *places,
					char *errbuf, size_t errlen)
{
	NumaPgMask	usable;
	int			available;

	if (nworkers < 0 || nworkers > NUMAPG_MAX_WORKERS)
		return numapg_errorf(errbuf, errlen, "%d workers is out of range (0 to %d)",
						  nworkers, NUMAPG_MAX_WORKERS);

	if (cpus)
		numapg_mask_and(&usable, cpus, &topo->cpus_allowed);
	else
		usable = topo->cpus_allowed;
	available = numapg_mask_count(&usable);
	if (nworkers > available)
		return numapg_errorf(errbuf, errlen,
						  "%d workers need %d CPUs, but %s provides %d",
						  nworkers, nworkers,
						  cpus ? "the CPU list" : "this server's allowed CPU set",
						  available);

	if (cpus)
	{
		int			cpu = -1;

		for (int w = 0; w < nworkers; w++)
		{
			cpu = numapg_mask_next(&usable, cpu);
			places[w].cpu = cpu;
		}
	}
	else
	{
		/* round-robin over the nodes, each node's CPUs in ascending order */
		int			next_cpu[NUMAPG_TOPO_MAX_NODES];
		int			w = 0;

		for (int i = 0; i < topo->node_count; i++)
			next_cpu[i] = -1;
		while (w < nworkers)
		{
			for (int i = 0; i < topo->node_count && w < nworkers; i++)
			{
				NumaPgMask	mine;
				int			cpu;

				numapg_mask_and(&mine, &topo->nodes[i].cpus, &usable);
				cpu = numapg_mask_next(&mine, next_cpu[i]);
				if (cpu < 0)
					continue;	/* this node is used up */
				next_cpu[i] = cpu;
				places[w++].cpu = cpu;
			}
		}
	}

	for (int w = 0; w < nworkers; w++)
	{
		places[w].node = numapg_topology_node_of_cpu(topo, places[w].cpu);
		places[w].memory_node = numapg_nearest_memory_node(topo, places[w].node);
		if (places[w].node < 0 || places[w].memory_node < 0)
			return numapg_errorf(errbuf, errlen,
							  "CPU %d has no NUMA node with memory to use",
							  places[w].cpu);
	}
	return true;
}
