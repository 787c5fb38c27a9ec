/*-------------------------------------------------------------------------
 *
 * pool_plan.h
 *		The postmaster's plan of the worker pool, inherited by every child.
 *
 * IDENTIFICATION
 *	  src/pool_plan.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_POOL_PLAN_H
#define NUMAPG_POOL_PLAN_H

#include "postgres.h"

#include "topology.h"
#include "worker_plan.h"

extern void numapg_plan_pool(void);
extern int	numapg_pool_nworkers(void);
extern const NumaPgTopology *numapg_pool_topology(void);
extern const NumaPgWorkerPlace *numapg_pool_places(void);
extern int	numapg_node_of_cpu_cached(int cpu);

#endif							/* NUMAPG_POOL_PLAN_H */
