/*-------------------------------------------------------------------------
 *
 * shmem.c
 *		numa_pg's shared memory at server start: reserve it, then make
 *		the registry and the slabs, place them on their nodes before
 *		anything touches them, and fill them in.
 *
 * What the regions and slabs are, and their sizes, is the layout's
 * (layout.c), planned in the shmem request hook; what every process reads
 * of them afterwards is the registry (registry.h).
 *
 * The slabs are placed by slab_placement.c, PostgreSQL's own segment by
 * segment_policy.c (numa_pg.shared_memory_policy, numa_pg.prefault), and
 * numa_pg's start-up fits in PostgreSQL's memory, or stops it, by
 * shmem_budget.c.
 *
 * IDENTIFICATION
 *	  src/shmem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/memutils.h"

#include "allocator.h"
#include "compat.h"
#include "backend_placement.h"
#include "crash_keep.h"
#include "guc.h"
#include "layout.h"
#include "live_topology.h"
#include "numa_support.h"
#include "pool_plan.h"
#include "request.h"
#include "segment_policy.h"
#include "serve.h"
#include "shmem.h"
#include "shmem_budget.h"
#include "slab_placement.h"

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/*
 * shmem_request hook: reserve the registry and one slab per node (plus
 * room to align it), and the lock tranche: the registry's lock, one per
 * inbox ring, one per allocator pool and one per state store.
 */
static void
numapg_shmem_request(void)
{
	NumaPgLayout *layout;
	Size		size;

	if (prev_shmem_request_hook)
		prev_shmem_request_hook();

	layout = numapg_plan_layout();
	size = MAXALIGN(numapg_layout_registry_size());
	for (int s = 0; s < layout->nslabs; s++)
		size = add_size(size, add_size(layout->slabs[s].size, layout->slab_alignment));
	size = add_size(size, numapg_replies_size());
	size = add_size(size, numapg_backend_placement_shmem_size());
	numapg_check_shmem_budget(size);
	RequestAddinShmemSpace(size);
	RequestNamedLWLockTranche("numa_pg", 1 + numapg_pool_nworkers() * layout->nproducer_nodes +
							  layout->npools + numapg_pool_nworkers());
}

/*
 * Initialise the contents of every worker's regions.  Postmaster, once
 * the regions are placed and prefaulted, before any worker starts.
 */
static void
init_worker_regions(void)
{
	for (int w = 0; w < numapg_pool_nworkers(); w++)
		numapg_serve_init_regions(w);
	numapg_crash_keep_restore();
	/* after a crash, 18 would never start them again (compat.h) */
	numapg_forget_stale_worker_pids("numa_pg", "numapg_worker_main");
}

/*
 * on_shmem_exit callback of the postmaster.  Exit code 1 while the
 * postmaster lives on means it is about to recreate shared memory after a
 * crash: keep the workers' state for the new segment.
 */
static void
numapg_shmem_exit(int code, Datum arg)
{
	if (code != 0)
		numapg_crash_keep_save();
}

/*
 * shmem_startup hook: attach to (or, in the postmaster, create, place and
 * register) the registry and the slabs.
 */
static void
numapg_shmem_startup(void)
{
	NumaPgLayout *layout = numapg_layout();
	bool		found;
	char	   *slab_base[NUMAPG_TOPO_MAX_NODES + 1];

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	/* reset in case this is a restart within the postmaster */
	numapg_shared = NULL;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	numapg_shared = ShmemInitStruct("numa_pg", numapg_layout_registry_size(), &found);
	for (int s = 0; s < layout->nslabs; s++)
	{
		char		name[64];
		bool		slab_found;
		char	   *raw;

		snprintf(name, sizeof(name), "numa_pg slab node %d", layout->slabs[s].node);
		raw = ShmemInitStruct(name, layout->slabs[s].size + layout->slab_alignment,
							  &slab_found);
		slab_base[s] = (char *) TYPEALIGN(layout->slab_alignment, raw);
	}

	numapg_replies_attach(!found);
	numapg_backend_placement_shmem_init();

	if (!found)
	{
		NumaPgTopology *live = numapg_read_topology();
		NumaPgSupport support;
		bool		enabled;
		const NumaPgWorkerPlace *places = numapg_pool_places();
		LWLockPadded *locks;

		numapg_probe_support(live, &support);

		memset(numapg_shared, 0, numapg_layout_registry_size());
		/* the tranche: the registry's lock, then the rings', pools', stores' */
		locks = GetNamedLWLockTranche("numa_pg");
		numapg_shared->lock = &locks[0].lock;
		numapg_shared->ring_locks = locks + 1;
		numapg_shared->pool_locks = numapg_shared->ring_locks +
			numapg_pool_nworkers() * layout->nproducer_nodes;
		numapg_shared->store_locks = numapg_shared->pool_locks + layout->npools;
		numapg_shared->npools = layout->npools;
		for (int i = 0; i < layout->npools; i++)
		{
			numapg_shared->pools[i] = layout->pools[i];
			numapg_shared->pools[i].lock = &numapg_shared->pool_locks[i].lock;
		}
		numapg_shared->nworkers = numapg_pool_nworkers();
		numapg_shared->nproducer_nodes = layout->nproducer_nodes;
		memcpy(numapg_shared->producer_nodes, layout->producer_nodes,
			   sizeof(int) * layout->nproducer_nodes);
		numapg_shared->slab_alignment = layout->slab_alignment;
		numapg_shared->nregions = layout->nregions;
		if (layout->nregions > 0)
			memcpy(numapg_shared->regions, layout->regions,
				   sizeof(NumaPgRegion) * layout->nregions);

		/* give each region its address inside its node's slab */
		for (int s = 0; s < layout->nslabs; s++)
		{
			Size		offset = 0;

			for (int r = 0; r < layout->nregions; r++)
			{
				NumaPgRegion *region = &numapg_shared->regions[r];

				if (region->target_node != layout->slabs[s].node)
					continue;
				region->base = slab_base[s] + offset;
				layout->regions[r].base = region->base; /* the postmaster's copy */
				offset += region->size;
			}
		}

		for (int w = 0; w < numapg_pool_nworkers(); w++)
		{
			NumaPgWorkerSlot *slot = &numapg_shared->workers[w];

			slot->cpu = places[w].cpu;
			slot->node = places[w].node;
			slot->memory_node = places[w].memory_node;
			slot->state_region = layout->workers[w].state_region;
			slot->wal_region = layout->workers[w].wal_region;
			slot->first_queue_region = layout->workers[w].first_queue_region;
		}

		/*
		 * numa_pg.enabled = off: nothing is placed or prefaulted (there are
		 * no slabs either: numapg_plan_layout() read no topology).
		 */
		enabled = support.mode != NUMAPG_MODE_DISABLED;
		numapg_apply_segment_policy(live, support.libnuma_usable, enabled);
		for (int s = 0; s < layout->nslabs; s++)
			numapg_place_slab(slab_base[s], &layout->slabs[s],
					   support.libnuma_usable, live);
		if (enabled)
			numapg_prefault_segment_pages(live, support.libnuma_usable);
		init_worker_regions();
		numapg_allocator_init();
		pfree(live);
	}
	LWLockRelease(AddinShmemInitLock);

	if (!IsUnderPostmaster)
		on_shmem_exit(numapg_shmem_exit, (Datum) 0);
}

/* Install the hooks; _PG_init calls this when preloading. */
void
numapg_install_shmem_hooks(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = numapg_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = numapg_shmem_startup;
}
