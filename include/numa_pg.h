/*-------------------------------------------------------------------------
 *
 * numa_pg.h
 *		numa_pg's C API for other extensions: allocate shared memory on a
 *		chosen NUMA node, on the caller's node, or interleaved over nodes.
 *
 * Installed as $(pg_config --includedir-server)/extension/numa_pg/numa_pg.h.
 *
 * What it gives.  At server start numa_pg carves one pool per NUMA node
 * (numa_pg.pool_size each) and one interleaved pool
 * (numa_pg.interleaved_pool_size) out of PostgreSQL's main shared memory,
 * binds each to its node(s) and faults its pages in there.  These
 * functions hand out memory from those pools.  The memory is shared: a
 * pointer is valid, at the same address, in every backend and background
 * worker of the server, so it can be stored in other shared structures.
 * Allocation and free take the pool's LWLock; they may be called from any
 * backend or background worker (not from the postmaster), but not from a
 * signal handler.
 *
 * Sizes.  Allocations up to 512 bytes come from size classes (16, 32, ...,
 * 512 bytes, each aligned to its size); larger ones take whole 4 kB pages
 * and are page-aligned.  numapg_alloc_size() says what a block really has.
 *
 * Failure.  The functions return NULL, and raise no error, when the size
 * is 0, when the pool is exhausted, or when the pools are not configured
 * (pool size 0, numa_pg.enabled off, or numa_pg not in
 * shared_preload_libraries): callers decide whether to fall back to
 * ShmemAlloc or to raise an error.  numapg_free() raises an ERROR for a
 * pointer that is not a live block of numa_pg's pools.
 *
 * Nodes.  A node without memory (or one this server may not allocate on)
 * has no pool: numapg_alloc_on_node() and numapg_alloc_local() then use
 * the nearest node that has one, by the distance matrix.  On a machine, or
 * in a container, where NUMA placement is not available, the pools still
 * exist (one, node 0) and the functions still work; the memory is simply
 * not bound.  numa_pools() and numa_regions() in SQL show the pools and,
 * from the kernel, where their pages are.
 *
 * Linking.  Your module calls these functions directly.  List numa_pg
 * before your library in shared_preload_libraries (or load numa_pg
 * first), so that the symbols are there when your library is loaded:
 *
 *		shared_preload_libraries = 'numa_pg, your_extension'
 *
 * and build with PG_CPPFLAGS += -I$(shell $(PG_CONFIG) --includedir-server)/extension/numa_pg.
 * test/client/ in numa_pg's sources is a complete example.
 *
 * IDENTIFICATION
 *	  include/numa_pg.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMA_PG_H
#define NUMA_PG_H

#include <stddef.h>

/* The version of this API; grows when functions are added. */
#define NUMAPG_API_VERSION 1

/*
 * Exported from numa_pg.so even when it is built with -fvisibility=hidden,
 * as PGXS does from PostgreSQL 16 on.
 */
#if defined(__GNUC__)
#define NUMAPG_API extern __attribute__((visibility("default")))
#else
#define NUMAPG_API extern
#endif

/* Memory on the NUMA node of the CPU the caller runs on now. */
NUMAPG_API void *numapg_alloc_local(size_t size);

/* Memory on the given node (or the nearest node with a pool); NULL for a
 * node the machine does not have. */
NUMAPG_API void *numapg_alloc_on_node(int node, size_t size);

/* Memory interleaved page by page over the nodes: for shared, read-mostly
 * data used from every node. */
NUMAPG_API void *numapg_alloc_interleaved(size_t size);

/* Give a block back to its pool.  NULL is ignored. */
NUMAPG_API void numapg_free(void *ptr);

/* Usable bytes of a live block (>= the size asked for); 0 if not one. */
NUMAPG_API size_t numapg_alloc_size(const void *ptr);

/* The node whose pool a block came from; -1 for the interleaved pool or
 * a pointer that is not numa_pg's. */
NUMAPG_API int	numapg_pool_node_of(const void *ptr);

#endif							/* NUMA_PG_H */
