/*-------------------------------------------------------------------------
 *
 * slab_placement.h
 *		Put a slab of numa_pg's shared memory on its node.
 *
 * IDENTIFICATION
 *	  src/slab_placement.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_SLAB_PLACEMENT_H
#define NUMAPG_SLAB_PLACEMENT_H

#include "layout.h"
#include "topology.h"

extern void numapg_place_slab(char *base, const NumaPgSlab *slab,
							  bool can_bind, const NumaPgTopology *live);

#endif							/* NUMAPG_SLAB_PLACEMENT_H */
