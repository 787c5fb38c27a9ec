/*-------------------------------------------------------------------------
 *
 * backend_placement.h
 *		numa_pg.backend_placement: client backends on NUMA nodes.
 *
 * IDENTIFICATION
 *	  src/backend_placement.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_BACKEND_PLACEMENT_H
#define NUMAPG_BACKEND_PLACEMENT_H

#include "postgres.h"

extern Size numapg_backend_placement_shmem_size(void);
extern void numapg_backend_placement_shmem_init(void);
extern void numapg_install_backend_placement(void);
extern bool numapg_backend_placed_node(int pid, int *node, int *memory_node,
									   int *rule, bool *with_leader);
extern int	numapg_backend_placement_counts(int *placed, int *followers);

#endif							/* NUMAPG_BACKEND_PLACEMENT_H */
