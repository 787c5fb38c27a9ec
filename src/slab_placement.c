/*-------------------------------------------------------------------------
 *
 * slab_placement.c
 *		Put one of numa_pg's slabs on its node, and check with the kernel
 *		that it is there.
 *
 * In the postmaster, in shmem_startup_hook, before any other process
 * exists: each slab is bound with mbind(2) (PREFERRED, or BIND under
 * numa_pg.strict; INTERLEAVE for the shared slab), then prefaulted so that
 * its pages exist on that node now.  Then the kernel is asked where the
 * pages went, and a WARNING says so if some did not land on target
 * (PREFERRED falls back to other nodes when a node is full).
 *
 * IDENTIFICATION
 *	  src/slab_placement.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "guc.h"
#include "layout.h"
#include "placement.h"
#include "slab_placement.h"
#include "topology.h"

/*
 * Bind one slab to its node and fault its pages in; then check where the
 * pages went and warn if some are not on target.  Postmaster only.
 */
void
numapg_place_slab(char *base, const NumaPgSlab *slab, bool can_bind,
				  const NumaPgTopology *live)
{
	NumaPgMask	nodes;
	NumaPgPolicy policy = numapg_strict ? NUMAPG_POLICY_BIND
		: NUMAPG_POLICY_PREFERRED;
	int			err = 0;

	numapg_mask_clear(&nodes);
	if (slab->node >= 0)
	{
#ifdef NUMAPG_TEST_MISPLACE
		/*
		 * Test builds only (make NUMAPG_TEST_MISPLACE=1): bind each node's
		 * slab to the next node, to show that the multi-node suite, which
		 * asks the kernel, catches a wrong placement.
		 */
		int			i = numapg_topology_index_of_node(live, slab->node);

		numapg_mask_set(&nodes, live->nodes[(i + 1) % live->node_count].id);
#else
		numapg_mask_set(&nodes, slab->node);
#endif
	}
	else
	{
		/* interleave over every node with memory this server may use */
		policy = NUMAPG_POLICY_INTERLEAVE;
		for (int i = 0; i < live->node_count; i++)
			if (numapg_topology_memory_usable(live, i))
				numapg_mask_set(&nodes, live->nodes[i].id);
	}

	if (can_bind && slab->node >= 0)
	{
		int64		available = numapg_topology_available_bytes(live, slab->node,
														 numapg_page_size_of(base));

		if (available < (int64) slab->size)
		{
			if (numapg_strict)
				ereport(FATAL,
						(errcode(ERRCODE_OUT_OF_MEMORY),
						 errmsg("numa_pg: NUMA node %d has %lld MB available, but the memory numa_pg places there needs %lld MB",
								slab->node, (long long) (available >> 20),
								(long long) (slab->size >> 20)),
						 errdetail("Available is free memory plus reclaimable page cache, or free huge pages when shared memory is on huge pages."),
						 errhint("Reduce numa_pg.state_store_size, numa_pg.wal_staging_size, numa_pg.pool_size or numa_pg.workers, or turn off numa_pg.strict to let the memory fall back to other nodes.")));
			ereport(WARNING,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("numa_pg: NUMA node %d has %lld MB available, but the memory numa_pg places there needs %lld MB",
							slab->node, (long long) (available >> 20),
							(long long) (slab->size >> 20)),
					 errdetail("Pages that do not fit will be placed on other nodes.")));
		}
	}
	if (can_bind)
	{
		err = numapg_bind_range(base, slab->size, policy, &nodes);
		if (err != 0)
			ereport(WARNING,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("numa_pg: could not apply policy %s to %lld MB of shared memory for NUMA node %d: %s",
							numapg_policy_name(policy),
							(long long) (slab->size >> 20), slab->node,
							strerror(err)),
					 errdetail("The memory stays where the kernel puts it.")));
	}
	else
		policy = NUMAPG_POLICY_DEFAULT;

	/*
	 * Record the outcome in each region of the slab, and fault in the
	 * workers' regions and the interleaved pool now, where the policy says,
	 * so that their pages exist before anyone runs (and interleaving is
	 * even).  The per-node pools are left to fault in when blocks are first
	 * used: the policy places them all the same, and large pools then cost
	 * nothing at start.
	 */
	for (int r = 0; r < numapg_shared->nregions; r++)
	{
		NumaPgRegion *region = &numapg_shared->regions[r];

		if (region->target_node != slab->node)
			continue;
		region->policy = err ? NUMAPG_POLICY_DEFAULT : policy;
		region->bind_errno = err;
		if (region->kind != NUMAPG_REGION_POOL)
			numapg_prefault(region->base, region->size, NUMAPG_REGION_ALIGN);
	}

	if (can_bind && err == 0 && slab->node >= 0)
	{
		NumaPgPageCounts *counts = palloc(sizeof(NumaPgPageCounts));

		if (numapg_query_range(base, slab->size,
							   numapg_page_size_of(base), counts) == 0 &&
			counts->per_node[slab->node] < counts->pages - counts->not_present)
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("numa_pg: %lld of %lld pages meant for NUMA node %d are elsewhere",
							(long long) (counts->pages - counts->not_present -
										 counts->per_node[slab->node]),
							(long long) (counts->pages - counts->not_present), slab->node),
					 errdetail("Node %d did not have enough free memory; the policy was %s.",
							   slab->node, numapg_policy_name(policy))));
		pfree(counts);
	}
}
