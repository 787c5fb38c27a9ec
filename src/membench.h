/*-------------------------------------------------------------------------
 *
 * membench.h
 *		Memory latency and bandwidth between NUMA nodes, measured the way
 *		Intel's Memory Latency Checker reports them: one row per CPU node,
 *		one column per memory node.
 *
 * Pure C (no PostgreSQL header): the SQL function numa_memory_latency()
 * (membench_sql.c), the command numa_pg_membench (bench/) and the unit
 * tests share it.
 *
 * A run is planned (which CPU of which node, which memory nodes; the
 * arguments checked), then measured one memory node at a time: a buffer is
 * mapped and bound to the node, filled with a random pointer chase and its
 * placement checked; then the calling thread is pinned to a CPU of each
 * CPU node in turn and measures latency and bandwidth; then the buffer is
 * unmapped and the thread's previous CPU affinity restored.
 *
 * The caller owns the NumaPgMembenchState that holds the buffer and the
 * saved affinity, and numapg_membench_cleanup() undoes both whenever it is
 * called: the SQL function calls it from PG_FINALLY, so that an error or a
 * cancel raised by the "check" callback (a longjmp out of the measurement)
 * leaves no mapping and no pinned backend behind.
 *
 * IDENTIFICATION
 *	  src/membench.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_MEMBENCH_H
#define NUMAPG_MEMBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topology.h"

/* Bounds of the arguments, shared by the SQL function and the command. */
#define NUMAPG_MEMBENCH_MIN_MB			16
#define NUMAPG_MEMBENCH_MAX_MB			4096
#define NUMAPG_MEMBENCH_DEFAULT_MB		256
#define NUMAPG_MEMBENCH_MIN_MS			10
#define NUMAPG_MEMBENCH_MAX_MS			60000
#define NUMAPG_MEMBENCH_DEFAULT_MS		500

/* One pointer per cache line. */
#define NUMAPG_MEMBENCH_LINE			64
/* Loads per latency trial, as MLC ("1 million loads"). */
#define NUMAPG_MEMBENCH_LOADS			1000000
/* Latency trials and bandwidth passes at most, per pair of nodes. */
#define NUMAPG_MEMBENCH_MAX_REPEATS		16
/* Share of a node's free memory the buffer may take, in percent. */
#define NUMAPG_MEMBENCH_MAX_FREE_PCT	80

/* Called between steps; may longjmp (CHECK_FOR_INTERRUPTS). */
typedef void (*NumaPgMembenchCheck) (void *arg);

/* Who measures: a CPU node and the CPU of it the thread is pinned to. */
typedef struct NumaPgMembenchCpuNode
{
	int			node;
	int			cpu;
} NumaPgMembenchCpuNode;

/* What to measure, from numapg_membench_plan(). */
typedef struct NumaPgMembenchPlan
{
	size_t		size;			/* buffer bytes */
	int			duration_ms;	/* per pair of nodes: half latency, half
								 * bandwidth */
	long		loads;			/* loads per latency trial */
	int			ncpu_nodes;
	NumaPgMembenchCpuNode cpu_nodes[NUMAPG_TOPO_MAX_NODES];
	int			nmemory_nodes;
	int			memory_nodes[NUMAPG_TOPO_MAX_NODES];
	/* distance from cpu_nodes[i] to memory_nodes[j] */
	int			distance[NUMAPG_TOPO_MAX_NODES][NUMAPG_TOPO_MAX_NODES];
	/* the memory node that counts as local to cpu_nodes[i] (its own, or
	 * the nearest with memory); index into memory_nodes, -1 if not planned */
	int			local[NUMAPG_TOPO_MAX_NODES];
} NumaPgMembenchPlan;

/* One cell of the matrix. */
typedef struct NumaPgMembenchResult
{
	double		latency_ns;		/* per dependent load, best trial */
	double		bandwidth_mb_s; /* 10^6 bytes per second, best pass */
	double		latency_ratio;	/* to the row's local cell; NaN if none */
	double		bandwidth_ratio;
	double		pages_on_node;	/* fraction 0..1; NaN if not known */
	bool		bound;			/* mbind succeeded */
	int			bind_errno;		/* why not, if it did not */
	int			trials;			/* latency trials made */
	int			passes;			/* bandwidth passes made */
} NumaPgMembenchResult;

/* A buffer on one memory node, filled with a pointer chase. */
typedef struct NumaPgMembenchBuffer
{
	char	   *base;			/* NULL when not mapped */
	size_t		size;
	size_t		lines;
	int			node;			/* memory node asked for */
	bool		bound;			/* mbind(MPOL_BIND) succeeded */
	int			bind_errno;		/* why not, if it did not */
	double		pages_on_node;	/* fraction 0..1; NaN if not known */
	int			query_errno;	/* why not known */
} NumaPgMembenchBuffer;

/* Everything numapg_membench_cleanup() must undo. */
typedef struct NumaPgMembenchState
{
	NumaPgMembenchBuffer buffer;
	bool		affinity_saved;
	/* the thread's CPU affinity before pinning, as sched_getaffinity(2)
	 * gives it (a cpu_set_t large enough for NUMAPG_MAX_CPUS) */
	unsigned long saved_affinity[NUMAPG_MAX_CPUS / (8 * sizeof(unsigned long))];
} NumaPgMembenchState;

/* Planning and the whole run */
extern bool numapg_membench_plan(const NumaPgTopology *topo, int size_mb,
								 int duration_ms,
								 const NumaPgMask *cpu_node_filter,
								 const NumaPgMask *memory_node_filter,
								 NumaPgMembenchPlan *plan,
								 char *errbuf, size_t errlen);
extern void numapg_membench_init_state(NumaPgMembenchState *state);
extern bool numapg_membench_run(const NumaPgMembenchPlan *plan,
								NumaPgMembenchState *state,
								NumaPgMembenchResult *results,
								NumaPgMembenchCheck check, void *arg,
								char *errbuf, size_t errlen);
extern bool numapg_membench_cleanup(NumaPgMembenchState *state,
									char *errbuf, size_t errlen);
extern void numapg_membench_ratios(const NumaPgMembenchPlan *plan,
								   NumaPgMembenchResult *results);
extern int64_t numapg_membench_llc_bytes(void);

/* The steps (exposed for the unit tests) */
extern bool numapg_membench_map(NumaPgMembenchBuffer *buf, size_t size,
								int node, NumaPgMembenchCheck check, void *arg,
								char *errbuf, size_t errlen);
extern void numapg_membench_unmap(NumaPgMembenchBuffer *buf);
extern void numapg_membench_build_chase(void *base, size_t lines,
										uint64_t seed,
										NumaPgMembenchCheck check, void *arg);
extern void *numapg_membench_chase(void *start, long loads);
extern bool numapg_membench_pin(NumaPgMembenchState *state, int cpu,
								char *errbuf, size_t errlen);
extern double numapg_membench_latency(const NumaPgMembenchBuffer *buf,
									  long loads, double budget_ms,
									  int *trials,
									  NumaPgMembenchCheck check, void *arg);
extern double numapg_membench_bandwidth(const NumaPgMembenchBuffer *buf,
										double budget_ms, int *passes,
										NumaPgMembenchCheck check, void *arg);

#endif							/* NUMAPG_MEMBENCH_H */
