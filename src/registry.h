/*-------------------------------------------------------------------------
 *
 * registry.h
 *		The registry of numa_pg's shared memory: where each worker's
 *		regions are, the workers' slots, the allocator's pools and the
 *		locks.  Made by the postmaster at shmem startup (shmem.c), read by
 *		every process.
 *
 * IDENTIFICATION
 *	  src/registry.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_REGISTRY_H
#define NUMAPG_REGISTRY_H

#include "postgres.h"

#include "storage/latch.h"
#include "storage/lwlock.h"

#include "placement.h"
#include "worker_plan.h"

/* What a region holds; decides its placement policy. */
typedef enum NumaPgRegionKind
{
	NUMAPG_REGION_STATE_STORE,	/* a worker's state: local to the worker */
	NUMAPG_REGION_WAL_STAGING,	/* a worker's WAL staging: local to it */
	NUMAPG_REGION_QUEUE,		/* an inbox ring: on its producers' node */
	NUMAPG_REGION_POOL,			/* an allocator pool: on its node */
	NUMAPG_REGION_SHARED		/* shared read-mostly: interleaved */
} NumaPgRegionKind;

#define NUMAPG_REGION_NAME_LEN 64

typedef struct NumaPgRegion
{
	char		name[NUMAPG_REGION_NAME_LEN];
	NumaPgRegionKind kind;
	int			worker;			/* owning worker, or -1 */
	int			producer_node;	/* queues: node of the producers, or -1 */
	int			target_node;	/* -1 when interleaved */
	NumaPgPolicy policy;		/* what was asked of the kernel */
	int			bind_errno;		/* 0, or why mbind failed */
	char	   *base;			/* in the main shared memory segment, at
								 * the same address in every process */
	Size		size;
} NumaPgRegion;

/* What numa_workers() shows of a worker, kept by the worker itself. */
typedef struct NumaPgWorkerSlot
{
	pid_t		pid;			/* 0 when not running */
	int			cpu;
	int			node;
	int			memory_node;
	bool		pinned;			/* sched_setaffinity succeeded */
	int			starts;			/* times the postmaster started it */
	bool		connected;		/* this start reached numa_pg.database */
	int			failed_starts;	/* starts in a row that exited before
								 * connecting to numa_pg.database */
	Latch	   *latch;			/* to wake it; NULL when not running */
	int			state_region;	/* index into regions[] */
	int			wal_region;
	int			first_queue_region; /* one per producer node, in order */
} NumaPgWorkerSlot;

/* A pool of the NUMA allocator (allocator.c). */
typedef struct NumaPgPool
{
	int			node;			/* -1 for the interleaved pool */
	int			region;			/* index into regions[] */
	LWLock	   *lock;
} NumaPgPool;

typedef struct NumaPgShared
{
	LWLock	   *lock;			/* protects the worker slots */
	LWLockPadded *ring_locks;	/* one per inbox ring: [worker][producer] */
	LWLockPadded *pool_locks;	/* one per allocator pool */
	LWLockPadded *store_locks;	/* one per worker: its store's writers */
	int			nworkers;
	int			nproducer_nodes;
	int			producer_nodes[NUMAPG_TOPO_MAX_NODES];
	int			nregions;
	Size		slab_alignment;	/* bytes; a huge page if they may be used */
	/* PostgreSQL's main segment and what numa_shared_memory_policy did */
	char	   *segment_base;
	Size		segment_size;
	NumaPgPolicy segment_policy;
	int			segment_errno;
	double		segment_policy_ms;
	NumaPgWorkerSlot workers[NUMAPG_MAX_WORKERS];
	int			npools;
	NumaPgPool	pools[NUMAPG_TOPO_MAX_NODES + 1];
	NumaPgRegion regions[FLEXIBLE_ARRAY_MEMBER];
} NumaPgShared;


/* in every process after shmem startup; NULL when not preloaded */
extern NumaPgShared *numapg_shared;

extern void numapg_require_shared(void);

/*
 * Where things are, for a process that has numapg_shared.  The indexes
 * are set at shmem startup and never change while the segment lives.
 */

/* Worker's state store region. */
static inline NumaPgRegion *
numapg_state_region_of(int worker)
{
	return &numapg_shared->regions[numapg_shared->workers[worker].state_region];
}

/* Worker's WAL staging region. */
static inline NumaPgRegion *
numapg_wal_region_of(int worker)
{
	return &numapg_shared->regions[numapg_shared->workers[worker].wal_region];
}

/* Worker's inbox from the producer-th producer node (producer_nodes[]). */
static inline NumaPgRegion *
numapg_inbox_region_of(int worker, int producer)
{
	return &numapg_shared->regions[numapg_shared->workers[worker].first_queue_region + producer];
}

/* The lock of that inbox, which its producers hold to push. */
static inline LWLock *
numapg_inbox_lock_of(int worker, int producer)
{
	return &numapg_shared->ring_locks[worker * numapg_shared->nproducer_nodes + producer].lock;
}

/* An allocator pool's region. */
static inline NumaPgRegion *
numapg_pool_region_of(const NumaPgPool *pool)
{
	return &numapg_shared->regions[pool->region];
}

#endif							/* NUMAPG_REGISTRY_H */
