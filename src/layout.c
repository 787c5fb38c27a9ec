/*-------------------------------------------------------------------------
 *
 * layout.c
 *		The layout of numa_pg's shared memory: every region (a worker's
 *		state store, WAL staging buffer and inboxes; the allocator's
 *		pools), its size and its target node, grouped into one slab per
 *		node.
 *
 * Every region is page-aligned and a whole number of pages.  The regions
 * bound for one node are grouped into one slab per node, and the
 * interleaved regions into one more slab: with huge pages (2 MB), a region
 * smaller than a huge page could not be placed on its own, but a slab can,
 * because slabs are aligned and sized to the huge page size whenever
 * huge_pages is not off.
 *
 * Where each kind of region goes: a worker's state store and WAL staging buffer
 * go to the worker's node; an inbox queue goes to the node of its
 * producers (the backends that run there); allocator pools to their node;
 * shared read-mostly data is interleaved over the nodes.
 *
 * Computed once, in the postmaster, from the pool's plan and the size
 * GUCs (shmem request hook); shmem.c makes the slabs and records each
 * region's address here (shmem startup).  This copy is the postmaster's
 * own: after a crash it says where the old regions were, whatever a dying
 * process wrote over the shared registry.
 *
 * IDENTIFICATION
 *	  src/layout.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "storage/pg_shmem.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "guc.h"
#include "layout.h"
#include "pool_plan.h"
#include "state_store.h"
#include "topology.h"

/* The layout, computed once in the postmaster; children inherit it. */
static NumaPgLayout layout;

/* The postmaster's layout (empty before numapg_plan_layout()). */
NumaPgLayout *
numapg_layout(void)
{
	return &layout;
}

/*
 * The size of the huge pages PostgreSQL will ask for: its huge_page_size
 * setting, or else the kernel's default from /proc/meminfo (2 MB if that
 * cannot be read).
 */
Size
numapg_huge_page_size_in_use(void)
{
	char		meminfo[8192];
	int64		bytes = -1;

	if (huge_page_size > 0)
		return (Size) huge_page_size * 1024;
	if (numapg_read_small_file("/", "proc/meminfo", meminfo, sizeof(meminfo)))
		bytes = numapg_meminfo_bytes(meminfo, "Hugepagesize");
	return bytes > 0 ? (Size) bytes : (Size) 2048 * 1024;
}

/* Add a region to the plan; returns its index. */
static int
plan_region(const char *name, NumaPgRegionKind kind, int worker,
			int producer_node, int target_node, Size size)
{
	NumaPgRegion *r = &layout.regions[layout.nregions];

	memset(r, 0, sizeof(*r));
	strlcpy(r->name, name, sizeof(r->name));
	r->kind = kind;
	r->worker = worker;
	r->producer_node = producer_node;
	r->target_node = target_node;
	r->size = TYPEALIGN(NUMAPG_REGION_ALIGN, size);
	return layout.nregions++;
}

/*
 * Work out every region and slab from the worker plan and the size GUCs,
 * and return the layout.  Postmaster only, from the shmem request hook.
 */
NumaPgLayout *
numapg_plan_layout(void)
{
	const NumaPgTopology *topo = numapg_pool_topology();
	const NumaPgWorkerPlace *places = numapg_pool_places();
	int			nworkers = numapg_pool_nworkers();
	int			max_regions;

	layout.nregions = 0;
	layout.nslabs = 0;
	layout.npools = 0;
	layout.nproducer_nodes = 0;
	layout.slab_alignment = NUMAPG_REGION_ALIGN;
	if (topo == NULL)
		return &layout;			/* disabled: no topology was read */

	/* producers: backends may run on any node with CPUs we may use */
	for (int i = 0; i < topo->node_count; i++)
	{
		NumaPgMask	mine;

		numapg_mask_and(&mine, &topo->nodes[i].cpus, &topo->cpus_allowed);
		if (numapg_mask_count(&mine) > 0)
			layout.producer_nodes[layout.nproducer_nodes++] = topo->nodes[i].id;
	}

	/*
	 * A store has a power of two of slots: a size that is not one is
	 * rounded down, so that numa_pg never takes more memory than it was
	 * given (rounding up could double it, past what a node has).  Say so.
	 */
	if (nworkers > 0)
	{
		uint32		slots = numapg_state_slots_in((Size) numapg_state_store_size_kb * 1024);

		if ((uint64) slots * NUMAPG_STATE_SLOT_SIZE != (uint64) numapg_state_store_size_kb * 1024)
			ereport(LOG,
					(errmsg("numa_pg: numa_pg.state_store_size of %d kB holds %u slots of %d bytes (%llu kB) per worker",
							numapg_state_store_size_kb, slots, NUMAPG_STATE_SLOT_SIZE,
							(unsigned long long) slots * NUMAPG_STATE_SLOT_SIZE / 1024),
					 errdetail("A state store has a power of two of slots; the rest of the size is not used."),
					 errhint("Set numa_pg.state_store_size to a power of two, such as %llu kB, to use all of it.",
							 (unsigned long long) slots * 2 * NUMAPG_STATE_SLOT_SIZE / 1024)));
	}

	max_regions = nworkers * (2 + layout.nproducer_nodes) + topo->node_count + 1;
	layout.regions = MemoryContextAllocZero(TopMemoryContext,
											 sizeof(NumaPgRegion) * max_regions);

	for (int w = 0; w < nworkers; w++)
	{
		char		name[NUMAPG_REGION_NAME_LEN];

		snprintf(name, sizeof(name), "worker %d state store", w);
		/*
		 * numa_pg.state_store_size is the room for entries, rounded down
		 * to a power of two of slots (logged above); add the header and
		 * the index (16 bytes a slot)
		 */
		layout.workers[w].state_region =
			plan_region(name, NUMAPG_REGION_STATE_STORE, w, -1,
					places[w].memory_node,
					numapg_state_store_size(numapg_state_slots_in((Size) numapg_state_store_size_kb * 1024)));
		snprintf(name, sizeof(name), "worker %d WAL staging", w);
		layout.workers[w].wal_region =
			plan_region(name, NUMAPG_REGION_WAL_STAGING, w, -1,
					places[w].memory_node,
					(Size) numapg_wal_staging_size_kb * 1024);
		/* a worker's inboxes are consecutive regions, in producer order */
		for (int p = 0; p < layout.nproducer_nodes; p++)
		{
			int			region;

			snprintf(name, sizeof(name), "worker %d inbox from node %d",
					 w, layout.producer_nodes[p]);
			region = plan_region(name, NUMAPG_REGION_QUEUE, w,
								 layout.producer_nodes[p],
								 numapg_nearest_memory_node(topo, layout.producer_nodes[p]),
								 (Size) numapg_queue_size_kb * 1024);
			if (p == 0)
				layout.workers[w].first_queue_region = region;
		}
	}

	/* the allocator's pools: one per node with usable memory, one interleaved */
	for (int i = 0; i < topo->node_count && numapg_pool_size_kb > 0; i++)
	{
		char		name[NUMAPG_REGION_NAME_LEN];

		if (!numapg_topology_memory_usable(topo, i))
			continue;
		snprintf(name, sizeof(name), "pool node %d", topo->nodes[i].id);
		layout.pools[layout.npools].node = topo->nodes[i].id;
		layout.pools[layout.npools++].region =
			plan_region(name, NUMAPG_REGION_POOL, -1, -1, topo->nodes[i].id,
						(Size) numapg_pool_size_kb * 1024);
	}
	if (numapg_interleaved_pool_size_kb > 0)
	{
		layout.pools[layout.npools].node = -1;
		layout.pools[layout.npools++].region =
			plan_region("interleaved pool", NUMAPG_REGION_SHARED, -1, -1, -1,
						(Size) numapg_interleaved_pool_size_kb * 1024);
	}

	/* one slab per target node, in node order, then the interleaved one */
	if (strcmp(GetConfigOption("huge_pages", false, false), "off") != 0)
		layout.slab_alignment = Max(layout.slab_alignment, numapg_huge_page_size_in_use());
	for (int i = 0; i < topo->node_count; i++)
	{
		Size		size = 0;

		for (int r = 0; r < layout.nregions; r++)
			if (layout.regions[r].target_node == topo->nodes[i].id)
				size += layout.regions[r].size;
		if (size == 0)
			continue;
		layout.slabs[layout.nslabs].node = topo->nodes[i].id;
		layout.slabs[layout.nslabs].size = TYPEALIGN(layout.slab_alignment, size);
		layout.nslabs++;
	}
	if (numapg_interleaved_pool_size_kb > 0)
	{
		layout.slabs[layout.nslabs].node = -1;
		layout.slabs[layout.nslabs].size =
			TYPEALIGN(layout.slab_alignment, (Size) numapg_interleaved_pool_size_kb * 1024);
		layout.nslabs++;
	}
	return &layout;
}

/* Bytes of the registry (NumaPgShared) for this layout. */
Size
numapg_layout_registry_size(void)
{
	return add_size(offsetof(NumaPgShared, regions),
					mul_size(sizeof(NumaPgRegion), Max(layout.nregions, 1)));
}

/*
 * Postmaster only: where worker's region of the given kind is, from the
 * postmaster's own copy of the plan, never from shared memory, which a
 * crashing process may have written over.  False if there is none.
 */
bool
numapg_planned_worker_region(int worker, NumaPgRegionKind kind,
							 char **base, Size *size)
{
	for (int r = 0; r < layout.nregions; r++)
		if (layout.regions[r].worker == worker && layout.regions[r].kind == kind &&
			layout.regions[r].base != NULL)
		{
			*base = layout.regions[r].base;
			*size = layout.regions[r].size;
			return true;
		}
	return false;
}
