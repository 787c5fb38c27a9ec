/*-------------------------------------------------------------------------
 *
 * bench_common.h
 *		What the hot-path benchmarks (bench_*.c) share: argument checks,
 *		the clock, pinning the calling backend, scratch memory bound to a
 *		node, choosing the local and remote placements, and result rows.
 *
 * Each benchmark measures one of numa_pg's hot paths side by side, in the
 * same run, with PostgreSQL's own equivalent, and returns rows of the same
 * shape (numapg_bench_emit) so that a runner can union them.  How far a
 * ratio is from what it should be is the runner's to judge (bench/run.sh
 * holds the targets): no row carries a target.
 *
 * IDENTIFICATION
 *	  bench/numa_pg_bench/bench_common.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_BENCH_COMMON_H
#define NUMAPG_BENCH_COMMON_H

#include "compat.h"

#include <sched.h>

#include "topology.h"

/* Operations between two interrupt checks (and two clock readings). */
#define NUMAPG_BENCH_BATCH		4096

/* The columns every benchmark returns, in order. */
#define NUMAPG_BENCH_COLUMNS	13

/* One result row; see numapg_bench_emit() for the columns. */
typedef struct NumaPgBenchRow
{
	const char *benchmark;		/* "state_lookup", "wal_append", ... */
	const char *implementation; /* "state_store", "dynahash", ... */
	bool		is_postgres;	/* PostgreSQL's own equivalent */
	const char *placement;		/* "local" or "remote" */
	int			cpu;			/* CPU the calling backend was pinned to */
	int			peer_cpu;		/* the other process's CPU; -1: none */
	int			memory_node;	/* node the memory was bound to; -1: not
								 * bound */
	int64		ops;
	double		ns;				/* total time of the ops, in nanoseconds */
	double		postgres_ns_per_op; /* the equivalent's, for the ratio */
	int64		lost;			/* -1: not applicable */
	int64		duplicated;		/* -1: not applicable */
	const char *note;			/* NULL or why a figure needs a caveat */
} NumaPgBenchRow;

/* The calling backend's CPU affinity, saved to be restored. */
typedef struct NumaPgBenchPin
{
	cpu_set_t  *saved;
	size_t		setsize;
	bool		pinned;
} NumaPgBenchPin;

/* Scratch memory: an anonymous shared mapping bound to a node. */
typedef struct NumaPgBenchMemory
{
	char	   *base;
	size_t		size;
	int			node;			/* -1 if binding failed */
	char		note[160];		/* "" or why placement is not as asked */
} NumaPgBenchMemory;

extern void numapg_bench_require_superuser(const char *function);
extern int32 numapg_bench_int_arg(FunctionCallInfo fcinfo, int argno,
								  const char *name, int32 min, int32 max);
extern uint64 numapg_bench_now_ns(void);

extern NumaPgTopology *numapg_bench_topology(void);
extern int	numapg_bench_current_cpu(const NumaPgTopology *topo);
extern int	numapg_bench_memory_node_of_cpu(const NumaPgTopology *topo, int cpu);
extern int	numapg_bench_remote_memory_node(const NumaPgTopology *topo,
											int local_node);
extern void numapg_bench_check_memory_node(const NumaPgTopology *topo,
										   int32 node, const char *argname);

extern void numapg_bench_pin(NumaPgBenchPin *pin, int cpu);
extern void numapg_bench_unpin(NumaPgBenchPin *pin);

extern void numapg_bench_place(NumaPgBenchMemory *mem, char *base,
							   size_t size, int node);
extern void numapg_bench_map(NumaPgBenchMemory *mem, size_t size, int node);
extern void numapg_bench_unmap(NumaPgBenchMemory *mem);

extern void numapg_bench_require_wal_staging_size(const char *function,
												  Size *size);

extern ReturnSetInfo *numapg_bench_begin(FunctionCallInfo fcinfo);
extern void numapg_bench_emit(ReturnSetInfo *rsinfo, const NumaPgBenchRow *row);

/*
 * The tranche ID of the LWLocks in the scratch mappings (compat_tranche.c):
 * up to 18 each backend allocates an ID (LWLockNewTrancheId()) and names it
 * locally (LWLockRegisterTranche()); 19 names it when it allocates it, in
 * shared memory, at most 256 per server, and dropped
 * LWLockRegisterTranche(), so there it is allocated once per server.
 */
extern int	numapg_bench_lwlock_tranche(void);

#endif							/* NUMAPG_BENCH_COMMON_H */
