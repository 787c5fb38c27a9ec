/*-------------------------------------------------------------------------
 *
 * numa_pg.h
 *		numa_pg's C API for other extensions: allocate shared memory on a
 *		chosen NUMA node, on the caller's node, or interleaved over nodes;
 *		and get, put and delete keys in the workers' NUMA-local state
 *		stores (see "State stores" below).
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

/* The version of this API; grows when functions are added (2: state). */
#define NUMAPG_API_VERSION 2

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

/*
 * State stores.  numa_pg's workers (numa_pg.workers) each own a key/value
 * store on their NUMA node; a key belongs to one worker, by its hash.
 * These functions are what numa_state_get(), numa_state_put() and
 * numa_state_delete() do in SQL, without the SQL: a get reads the owner's
 * store directly, without a lock (validated against the store's change
 * counter, and read again under the store's lock if writers kept changing
 * it); a put or delete changes the store under its lock and stages the
 * change for WAL in the owner's buffer, which the owner writes to WAL in
 * batches (logical messages with prefix "numa_pg").  A change is seen by
 * every later get, in any process, once the call returns.  Changes are not
 * transactional: a rollback does not undo them.
 *
 * Call them from a backend or background worker (not the postmaster, not a
 * signal handler); puts and deletes write WAL, so not during recovery.
 * They raise no error, except for PostgreSQL's own (out of memory while
 * writing WAL): the status says what happened.  A put or delete may wait
 * for WAL to reach disk when its record did not fit the staging buffer.
 */
typedef enum NumaPgStateStatus
{
	NUMAPG_STATE_OK = 0,		/* done (a get: the key was found) */
	NUMAPG_STATE_NOT_FOUND,		/* get, delete: the key is absent */
	NUMAPG_STATE_FULL,			/* put: the owner's store has no room for
								 * a new key; nothing changed */
	NUMAPG_STATE_TOO_LARGE,		/* key empty or longer than
								 * NUMAPG_STATE_KEY_MAX, or key + value
								 * longer than NUMAPG_STATE_ENTRY_MAX */
	NUMAPG_STATE_UNAVAILABLE	/* numa_pg is not preloaded, has no
								 * workers, the server is in recovery, or
								 * the owner worker cannot run (its last
								 * starts failed to reach numa_pg.database):
								 * nothing changed */
} NumaPgStateStatus;

/* Longest key, and most key + value bytes of one entry. */
#define NUMAPG_STATE_KEY_MAX	255
#define NUMAPG_STATE_ENTRY_MAX	492

/*
 * Copy key's value into value, at most valsize bytes, and its whole length
 * into *vallen (a value longer than valsize is cut; compare *vallen).
 * NUMAPG_STATE_OK, or NOT_FOUND, TOO_LARGE (the key), UNAVAILABLE.
 */
NUMAPG_API NumaPgStateStatus numapg_state_get(const void *key, size_t keylen,
											  void *value, size_t valsize,
											  size_t *vallen);

/* Store value under key, adding the key or replacing its value. */
NUMAPG_API NumaPgStateStatus numapg_state_put(const void *key, size_t keylen,
											  const void *value,
											  size_t vallen);

/* Remove key: NUMAPG_STATE_OK if it was there, NOT_FOUND if not. */
NUMAPG_API NumaPgStateStatus numapg_state_delete(const void *key,
												 size_t keylen);

#endif							/* NUMA_PG_H */
