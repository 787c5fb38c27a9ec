/*-------------------------------------------------------------------------
 *
 * layout.h
 *		The layout of numa_pg's shared memory, planned by the postmaster.
 *
 * IDENTIFICATION
 *	  src/layout.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_LAYOUT_H
#define NUMAPG_LAYOUT_H

#include "registry.h"

/* Regions start and end on this boundary. */
#define NUMAPG_REGION_ALIGN		((Size) 4096)

/* The regions bound for one node, or the interleaved ones: one allocation. */
typedef struct NumaPgSlab
{
	int			node;			/* -1 for the interleaved slab */
	Size		size;			/* whole slab, a multiple of the alignment */
} NumaPgSlab;

/* Where one worker's regions are, as indexes into the layout's regions. */
typedef struct NumaPgWorkerRegions
{
	int			state_region;
	int			wal_region;
	int			first_queue_region; /* then one per producer node, in order */
} NumaPgWorkerRegions;

typedef struct NumaPgLayout
{
	NumaPgRegion *regions;		/* base set at shmem startup (shmem.c) */
	int			nregions;
	NumaPgSlab	slabs[NUMAPG_TOPO_MAX_NODES + 1];
	int			nslabs;
	Size		slab_alignment; /* bytes; a huge page if they may be used */
	int			producer_nodes[NUMAPG_TOPO_MAX_NODES];
	int			nproducer_nodes;
	NumaPgPool	pools[NUMAPG_TOPO_MAX_NODES + 1];
	int			npools;
	NumaPgWorkerRegions workers[NUMAPG_MAX_WORKERS];
} NumaPgLayout;

extern NumaPgLayout *numapg_plan_layout(void);
extern NumaPgLayout *numapg_layout(void);
extern Size numapg_layout_registry_size(void);
extern Size numapg_huge_page_size_in_use(void);
extern bool numapg_planned_worker_region(int worker, NumaPgRegionKind kind,
										 char **base, Size *size);

#endif							/* NUMAPG_LAYOUT_H */
