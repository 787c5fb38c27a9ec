/*-------------------------------------------------------------------------
 *
 * worker_plan.h
 *		Which CPU each worker is pinned to, and which node holds its memory.
 *
 * Pure C (no PostgreSQL header): unit-tested on the fixture topologies.
 *
 * IDENTIFICATION
 *	  src/worker_plan.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_WORKER_PLAN_H
#define NUMAPG_WORKER_PLAN_H

#include "topology.h"

/* Most workers numa_pg runs. */
#define NUMAPG_MAX_WORKERS	256

typedef struct NumaPgWorkerPlace
{
	int			cpu;			/* CPU the worker is pinned to */
	int			node;			/* node of that CPU */
	int			memory_node;	/* node its memory goes to: "node", or the
								 * nearest node with memory if "node" has
								 * none or may not be used */
} NumaPgWorkerPlace;

extern bool numapg_plan_workers(const NumaPgTopology *topo, int nworkers,
								const NumaPgMask *cpus,
								NumaPgWorkerPlace *places,
								char *errbuf, size_t errlen);
extern int	numapg_nearest_memory_node(const NumaPgTopology *topo, int node);
extern bool numapg_node_can_host(const NumaPgTopology *topo, int i,
								 NumaPgMask *cpus);

#endif							/* NUMAPG_WORKER_PLAN_H */
