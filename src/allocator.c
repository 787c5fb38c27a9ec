/*-------------------------------------------------------------------------
 *
 * allocator.c
 *		numa_pg's NUMA allocator: per-node pools and an interleaved pool in
 *		shared memory, behind the C API of include/numa_pg.h.
 *
 * The pools are regions like the workers' (shmem.c places them): one per
 * node with memory this server may use, bound to that node, and one
 * interleaved over those nodes.  Each pool is an arena (arena.c) guarded
 * by its own LWLock; a pool is found from a pointer by its address range.
 *
 * IDENTIFICATION
 *	  src/allocator.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sched.h>

#include "storage/lwlock.h"

#include "allocator.h"
#include "arena.h"
#include "numa_pg.h"
#include "pool_plan.h"
#include "registry.h"

/* The pool whose region holds ptr, or NULL. */
static NumaPgPool *
pool_of(const void *ptr)
{
	if (numapg_shared == NULL)
		return NULL;
	for (int i = 0; i < numapg_shared->npools; i++)
	{
		NumaPgRegion *region = numapg_pool_region_of(&numapg_shared->pools[i]);

		if ((const char *) ptr >= region->base &&
			(const char *) ptr < region->base + region->size)
			return &numapg_shared->pools[i];
	}
	return NULL;
}

/* The pool of a node (-1: the interleaved one), or NULL. */
static NumaPgPool *
pool_for_node(int node)
{
	if (numapg_shared == NULL)
		return NULL;
	for (int i = 0; i < numapg_shared->npools; i++)
		if (numapg_shared->pools[i].node == node)
			return &numapg_shared->pools[i];
	return NULL;
}

/* The arena that manages a pool's region. */
static NumaPgArena *
arena_of(const NumaPgPool *pool)
{
	return (NumaPgArena *) numapg_pool_region_of(pool)->base;
}

/* Allocate from a pool under its lock. */
static void *
pool_alloc(NumaPgPool *pool, size_t size)
{
	void	   *ptr;

	if (pool == NULL || size == 0)
		return NULL;
	LWLockAcquire(pool->lock, LW_EXCLUSIVE);
	ptr = numapg_arena_alloc(arena_of(pool), size);
	LWLockRelease(pool->lock);
	return ptr;
}

/*
 * Set up the arena of every pool region.  Postmaster, once the regions are
 * placed; shmem.c has filled numapg_shared->pools.
 */
void
numapg_allocator_init(void)
{
	for (int i = 0; i < numapg_shared->npools; i++)
	{
		NumaPgPool *pool = &numapg_shared->pools[i];
		NumaPgRegion *region = numapg_pool_region_of(pool);

		if (!numapg_arena_init(region->base, region->size, 4096))
			ereport(FATAL,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("numa_pg: region \"%s\" of %zu bytes is too small for an allocator pool",
							region->name, (size_t) region->size),
					 errdetail("A pool needs room for its allocator's header and at least one page."),
					 errhint("Raise numa_pg.pool_size or numa_pg.interleaved_pool_size, or set it to 0 for no pool.")));
	}
}

/* See numa_pg.h: from the pool of that node, NULL if none or full. */
void *
numapg_alloc_on_node(int node, size_t size)
{
	NumaPgPool *pool;

	/* not a node (-1 would be the interleaved pool's key) */
	if (node < 0)
		return NULL;
	pool = pool_for_node(node);
	/* no pool there (memoryless node, outside the cpuset): the nearest */
	if (pool == NULL && numapg_pool_topology() != NULL)
	{
		int			nearest = numapg_nearest_memory_node(numapg_pool_topology(), node);

		/* a node this machine does not have gets nothing */
		if (nearest >= 0)
			pool = pool_for_node(nearest);
	}
	return pool_alloc(pool, size);
}

/* See numa_pg.h: from the pool of the calling process's node. */
void *
numapg_alloc_local(size_t size)
{
	int			node = numapg_node_of_cpu_cached(sched_getcpu());

	return numapg_alloc_on_node(node < 0 ? 0 : node, size);
}

/* See numa_pg.h: from the interleaved pool. */
void *
numapg_alloc_interleaved(size_t size)
{
	return pool_alloc(pool_for_node(-1), size);
}

/* See numa_pg.h: an ERROR for a pointer no pool gave out. */
void
numapg_free(void *ptr)
{
	NumaPgPool *pool;
	bool		freed;

	if (ptr == NULL)
		return;
	pool = pool_of(ptr);
	if (pool == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("numapg_free: pointer %p is not in numa_pg's pools", ptr)));
	LWLockAcquire(pool->lock, LW_EXCLUSIVE);
	freed = numapg_arena_free(arena_of(pool), ptr);
	LWLockRelease(pool->lock);
	if (!freed)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("numapg_free: pointer %p is not a live block of numa_pg's pool", ptr),
				 errdetail("It is inside a block, or was freed already.")));
}

/* See numa_pg.h: the usable size of a live block. */
size_t
numapg_alloc_size(const void *ptr)
{
	NumaPgPool *pool = pool_of(ptr);
	size_t		size;

	if (pool == NULL)
		return 0;
	LWLockAcquire(pool->lock, LW_SHARED);
	size = numapg_arena_alloc_size(arena_of(pool), ptr);
	LWLockRelease(pool->lock);
	return size;
}

/* See numa_pg.h: the node of the pool a block came from, -1 if interleaved. */
int
numapg_pool_node_of(const void *ptr)
{
	NumaPgPool *pool = pool_of(ptr);

	return pool ? pool->node : -1;
}

/* Statistics of pool i, under its lock (for numa_pools()). */
void
numapg_allocator_stats(int i, NumaPgArenaStats *stats)
{
	NumaPgPool *pool = &numapg_shared->pools[i];

	LWLockAcquire(pool->lock, LW_SHARED);
	numapg_arena_stats(arena_of(pool), stats);
	LWLockRelease(pool->lock);
}
