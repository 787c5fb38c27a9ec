/*-------------------------------------------------------------------------
 *
 * worker.h
 *		The pool of background workers, each pinned to one CPU.
 *
 * IDENTIFICATION
 *	  src/worker.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_WORKER_H
#define NUMAPG_WORKER_H

#include "postgres.h"

#include "topology.h"
#include "worker_plan.h"

extern void numapg_plan_pool(void);
extern void numapg_register_workers(void);
extern int	numapg_pool_nworkers(void);
extern const NumaPgTopology *numapg_pool_topology(void);
extern const NumaPgWorkerPlace *numapg_pool_places(void);
extern void numapg_init_worker_regions(void);
extern int	numapg_node_of_cpu_cached(int cpu);

extern PGDLLEXPORT void numapg_worker_main(Datum main_arg);

#endif							/* NUMAPG_WORKER_H */
