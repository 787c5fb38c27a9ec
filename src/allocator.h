/*-------------------------------------------------------------------------
 *
 * allocator.h
 *		numa_pg's NUMA allocator, inside numa_pg (the C API for other
 *		extensions is include/numa_pg.h).
 *
 * IDENTIFICATION
 *	  src/allocator.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_ALLOCATOR_H
#define NUMAPG_ALLOCATOR_H

#include "arena.h"

extern void numapg_allocator_init(void);
extern void numapg_allocator_stats(int i, NumaPgArenaStats *stats);

#endif							/* NUMAPG_ALLOCATOR_H */
