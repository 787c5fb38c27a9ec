/*-------------------------------------------------------------------------
 *
 * membench.c
 *		Memory latency and bandwidth between NUMA nodes, measured the way
 *		Intel's Memory Latency Checker reports them.
 *
 * Latency is a pointer chase: the buffer holds one pointer per 64-byte
 * cache line, and the pointers form a single random cycle through every
 * line (Sattolo's algorithm, seeded, so a run is repeatable).  Each load
 * depends on the one before, so neither out-of-order execution nor the
 * prefetchers can overlap them, and the time per load is the memory's
 * latency (plus a TLB miss now and then, as in MLC's random-access mode).
 * As MLC does, a trial is a fixed number of loads (1 million), and the
 * figure is the best trial of a few.
 *
 * Bandwidth is one thread reading the whole buffer sequentially, eight
 * 64-bit words a line into eight independent sums, repeated for the time
 * given; the figure is the best pass, as STREAM reports it.
 *
 * The buffer is private anonymous memory bound to the memory node with
 * mbind(MPOL_BIND, MPOL_MF_STRICT) before any page exists, so every page
 * is allocated there when the chase is written into it.  move_pages(2) in
 * query mode then says where the pages really are; the fraction on the
 * intended node is reported, so that a binding that silently did not hold
 * is seen.  When the kernel refuses the NUMA system calls (EPERM under a
 * container's seccomp profile, ENOSYS), the buffer is measured where the
 * kernel put it and the result says it was not bound, rather than fail.
 *
 * This module does not use placement.c: that one serves shared memory in
 * a backend (palloc, CHECK_FOR_INTERRUPTS, mincore to avoid faulting in
 * pages of other processes), while this one must also link into a plain
 * command, and its buffer is private and entirely faulted in by itself.
 *
 * IDENTIFICATION
 *	  src/membench.c
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE 1

#include "membench.h"

#include <errno.h>
#include <math.h>
#include <numaif.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "errbuf.h"
#include "worker_plan.h"

/* Pages per move_pages(2) call, with a check between calls. */
#define QUERY_CHUNK		1024
/* Swaps between two checks while the chase is built. */
#define BUILD_CHECK_EVERY	(1 << 20)

/* Where results go so that the compiler cannot drop the loads. */
static void *volatile chase_sink;
static volatile uint64_t sum_sink;

/* Seconds on the monotonic clock. */
static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* splitmix64: a small, good, seedable generator. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t	z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Index of node id in plan->memory_nodes, or -1. */
static int
memory_index(const NumaPgMembenchPlan *plan, int node)
{
	for (int j = 0; j < plan->nmemory_nodes; j++)
		if (plan->memory_nodes[j] == node)
			return j;
	return -1;
}

/* The first CPU of node i this process may run on, or -1. */
static int
first_allowed_cpu(const NumaPgTopology *topo, int i)
{
	for (int cpu = numapg_mask_next(&topo->nodes[i].cpus, -1); cpu >= 0;
		 cpu = numapg_mask_next(&topo->nodes[i].cpus, cpu))
		if (numapg_mask_test(&topo->cpus_allowed, cpu))
			return cpu;
	return -1;
}

/* "0, 1, 3": the node ids of the topology, for error messages. */
static const char *
node_ids(const NumaPgTopology *topo)
{
	static char buf[512];
	size_t		len = 0;

	buf[0] = '\0';
	for (int i = 0; i < topo->node_count && len < sizeof(buf); i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%d", i ? ", " : "",
						topo->nodes[i].id);
	return buf;
}

/* Every id of a filter must be a node of the topology. */
static bool
check_filter(const NumaPgTopology *topo, const NumaPgMask *filter,
			 const char *what, char *errbuf, size_t errlen)
{
	if (filter == NULL)
		return true;
	if (numapg_mask_count(filter) == 0)
		return numapg_errorf(errbuf, errlen, "the list of %s nodes is empty", what);
	for (int id = numapg_mask_next(filter, -1); id >= 0;
		 id = numapg_mask_next(filter, id))
		if (numapg_topology_index_of_node(topo, id) < 0)
			return numapg_errorf(errbuf, errlen,
								 "%s node %d does not exist (the nodes are %s)",
								 what, id, node_ids(topo));
	return true;
}

/*
 * Check the arguments and work out what to measure: every node with a CPU
 * this process may run on (or those of cpu_node_filter) against every node
 * with memory it may allocate on (or those of memory_node_filter).  A
 * memoryless node is never a memory node, a node without allowed CPUs
 * never a CPU node.  The filters may be NULL.  Returns false with a message
 * when an argument is out of range or a node cannot be used.
 */
bool
numapg_membench_plan(const NumaPgTopology *topo, int size_mb, int duration_ms,
					 const NumaPgMask *cpu_node_filter,
					 const NumaPgMask *memory_node_filter,
					 NumaPgMembenchPlan *plan, char *errbuf, size_t errlen)
{
	memset(plan, 0, sizeof(*plan));
	if (size_mb < NUMAPG_MEMBENCH_MIN_MB || size_mb > NUMAPG_MEMBENCH_MAX_MB)
		return numapg_errorf(errbuf, errlen,
							 "buffer size %d MB is out of range (%d to %d MB)",
							 size_mb, NUMAPG_MEMBENCH_MIN_MB, NUMAPG_MEMBENCH_MAX_MB);
	if (duration_ms < NUMAPG_MEMBENCH_MIN_MS || duration_ms > NUMAPG_MEMBENCH_MAX_MS)
		return numapg_errorf(errbuf, errlen,
							 "duration %d ms is out of range (%d to %d ms)",
							 duration_ms, NUMAPG_MEMBENCH_MIN_MS, NUMAPG_MEMBENCH_MAX_MS);
	if (!check_filter(topo, cpu_node_filter, "CPU", errbuf, errlen) ||
		!check_filter(topo, memory_node_filter, "memory", errbuf, errlen))
		return false;

	plan->size = (size_t) size_mb << 20;
	plan->duration_ms = duration_ms;
	plan->loads = NUMAPG_MEMBENCH_LOADS;

	for (int i = 0; i < topo->node_count; i++)
	{
		const NumaPgNode *n = &topo->nodes[i];
		int			cpu = first_allowed_cpu(topo, i);

		if (cpu_node_filter && !numapg_mask_test(cpu_node_filter, n->id))
			continue;
		if (cpu < 0)
		{
			if (cpu_node_filter)
				return numapg_errorf(errbuf, errlen,
									 "node %d has no CPU this process may run on",
									 n->id);
			continue;
		}
		plan->cpu_nodes[plan->ncpu_nodes].node = n->id;
		plan->cpu_nodes[plan->ncpu_nodes++].cpu = cpu;
	}

	for (int i = 0; i < topo->node_count; i++)
	{
		const NumaPgNode *n = &topo->nodes[i];
		bool		usable = numapg_topology_memory_usable(topo, i);

		if (memory_node_filter && !numapg_mask_test(memory_node_filter, n->id))
			continue;
		if (!usable)
		{
			if (memory_node_filter)
				return numapg_errorf(errbuf, errlen,
									 n->has_memory ?
									 "node %d is not a node this process may allocate memory on" :
									 "node %d has no memory (a memoryless node)",
									 n->id);
			continue;
		}
		if ((uint64_t) n->memory_free / 100 * NUMAPG_MEMBENCH_MAX_FREE_PCT < plan->size)
			return numapg_errorf(errbuf, errlen,
								 "a %d MB buffer does not fit in node %d, which has %lld MB free (at most %d%% of it may be used)",
								 size_mb, n->id, (long long) (n->memory_free >> 20),
								 NUMAPG_MEMBENCH_MAX_FREE_PCT);
		plan->memory_nodes[plan->nmemory_nodes++] = n->id;
	}

	if (plan->ncpu_nodes == 0)
		return numapg_errorf(errbuf, errlen, "no node has a CPU this process may run on");
	if (plan->nmemory_nodes == 0)
		return numapg_errorf(errbuf, errlen, "no node has memory this process may allocate");

	for (int i = 0; i < plan->ncpu_nodes; i++)
	{
		int			from = numapg_topology_index_of_node(topo, plan->cpu_nodes[i].node);

		for (int j = 0; j < plan->nmemory_nodes; j++)
			plan->distance[i][j] = topo->nodes[from].distances[
				numapg_topology_index_of_node(topo, plan->memory_nodes[j])];
		plan->local[i] = memory_index(plan,
									  numapg_nearest_memory_node(topo, plan->cpu_nodes[i].node));
	}
	return true;
}

/* A state with nothing to undo; call it before the first step. */
void
numapg_membench_init_state(NumaPgMembenchState *state)
{
	memset(state, 0, sizeof(*state));
	state->buffer.base = NULL;
	state->buffer.pages_on_node = NAN;
}

/*
 * Write a pointer chase into lines cache lines from base: line i points
 * to line perm[i], where perm is a random cyclic permutation (Sattolo's
 * shuffle of the identity), so following the pointers from any line
 * visits every line once before it comes back.  The permutation is built
 * in place, in the first word of each line, so no memory is needed beside
 * the buffer.  Writing every line faults every page in.
 */
void
numapg_membench_build_chase(void *base, size_t lines, uint64_t seed,
							NumaPgMembenchCheck check, void *arg)
{
	char	   *b = (char *) base;
	uint64_t	rng = seed;

#define SLOT(i) (*(uintptr_t *) (b + (size_t) (i) * NUMAPG_MEMBENCH_LINE))
	for (size_t i = 0; i < lines; i++)
		SLOT(i) = i;
	for (size_t i = lines - 1; i > 0; i--)
	{
		size_t		j = (size_t) (next_random(&rng) % i);	/* 0 <= j < i */
		uintptr_t	t = SLOT(i);

		SLOT(i) = SLOT(j);
		SLOT(j) = t;
		if (check && (i % BUILD_CHECK_EVERY) == 0)
			check(arg);
	}
	for (size_t i = 0; i < lines; i++)
		SLOT(i) = (uintptr_t) (b + SLOT(i) * NUMAPG_MEMBENCH_LINE);
#undef SLOT
}

/*
 * Follow the chase for loads loads from start; returns where it stopped.
 * Every load depends on the previous one.
 */
void *
numapg_membench_chase(void *start, long loads)
{
	void	  **p = (void **) start;

	while (loads >= 8)
	{
		p = (void **) *p;
		p = (void **) *p;
		p = (void **) *p;
		p = (void **) *p;
		p = (void **) *p;
		p = (void **) *p;
		p = (void **) *p;
		p = (void **) *p;
		loads -= 8;
	}
	while (loads-- > 0)
		p = (void **) *p;
	return p;
}

/*
 * Where are the buffer's pages?  Sets buf->pages_on_node to the fraction
 * on buf->node, or leaves it NaN and sets buf->query_errno.
 */
static void
query_placement(NumaPgMembenchBuffer *buf, NumaPgMembenchCheck check,
				void *arg)
{
	size_t		page = (size_t) sysconf(_SC_PAGESIZE);
	size_t		npages = buf->size / page;
	size_t		on_node = 0;
	void	   *pages[QUERY_CHUNK];
	int			status[QUERY_CHUNK];

	for (size_t first = 0; first < npages; first += QUERY_CHUNK)
	{
		size_t		n = 0;

		if (check)
			check(arg);
		for (size_t i = first; i < npages && n < QUERY_CHUNK; i++)
			pages[n++] = buf->base + i * page;
		if (move_pages(0, n, pages, NULL, status, 0) != 0)
		{
			buf->query_errno = errno;
			return;
		}
		for (size_t k = 0; k < n; k++)
			if (status[k] == buf->node)
				on_node++;
	}
	buf->pages_on_node = npages ? (double) on_node / (double) npages : NAN;
}

/*
 * Map a buffer of size bytes, bind it to memory node "node" (-1: leave it
 * to the kernel), write the pointer chase into it (which faults it in)
 * and find where its pages are.  buf->base is set as soon as the mapping
 * exists, so that numapg_membench_unmap() frees it whatever happens next,
 * a longjmp from check included.  A refused binding (EPERM, ENOSYS) is not
 * an error: buf->bound says whether the binding holds.  buf must not hold
 * a mapping already (it is overwritten).
 */
bool
numapg_membench_map(NumaPgMembenchBuffer *buf, size_t size, int node,
					NumaPgMembenchCheck check, void *arg,
					char *errbuf, size_t errlen)
{
	void	   *p;

	memset(buf, 0, sizeof(*buf));
	buf->pages_on_node = NAN;
	buf->node = node;
	if (size == 0)
		return numapg_errorf(errbuf, errlen, "the buffer size must be positive");
	if (size < 2 * NUMAPG_MEMBENCH_LINE || size % NUMAPG_MEMBENCH_LINE != 0)
		return numapg_errorf(errbuf, errlen,
							 "a buffer of %zu bytes is too small or not a multiple of %d bytes (at least two cache lines)",
							 size, NUMAPG_MEMBENCH_LINE);
	if (node < -1 || node >= NUMAPG_MAX_NODES)
		return numapg_errorf(errbuf, errlen, "memory node %d is out of range (0 to %d)",
							 node, NUMAPG_MAX_NODES - 1);

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return numapg_errorf(errbuf, errlen, "could not map %zu bytes: %s",
							 size, strerror(errno));
	buf->base = p;
	buf->size = size;
	buf->lines = size / NUMAPG_MEMBENCH_LINE;
	/* fewer TLB misses, as MLC with huge pages; fine if refused */
#ifdef MADV_HUGEPAGE
	(void) madvise(p, size, MADV_HUGEPAGE);
#endif

	if (node >= 0)
	{
		unsigned long mask[NUMAPG_MAX_NODES / (8 * sizeof(unsigned long))];

		memset(mask, 0, sizeof(mask));
		mask[node / (8 * sizeof(unsigned long))] |=
			1UL << (node % (8 * sizeof(unsigned long)));
		if (mbind(p, size, MPOL_BIND, mask, NUMAPG_MAX_NODES + 1, MPOL_MF_STRICT) == 0)
			buf->bound = true;
		else if (errno == EPERM || errno == ENOSYS)
			buf->bind_errno = errno;
		else
			return numapg_errorf(errbuf, errlen, "could not bind the buffer to node %d: %s",
								 node, strerror(errno));
	}

	numapg_membench_build_chase(p, buf->lines, UINT64_C(0x6e756d615f7067) + (uint64_t) node,
								check, arg);
	if (node >= 0)
		query_placement(buf, check, arg);
	return true;
}

/* Unmap the buffer, if mapped; may be called again. */
void
numapg_membench_unmap(NumaPgMembenchBuffer *buf)
{
	if (buf->base != NULL)
	{
		(void) munmap(buf->base, buf->size);
		buf->base = NULL;
	}
}

/*
 * Pin the calling thread to one CPU, after saving its affinity in state
 * (only the first time: the affinity to restore is the one from before
 * the run).
 */
bool
numapg_membench_pin(NumaPgMembenchState *state, int cpu,
					char *errbuf, size_t errlen)
{
	unsigned long mask[NUMAPG_MAX_CPUS / (8 * sizeof(unsigned long))];

	if (cpu < 0 || cpu >= NUMAPG_MAX_CPUS)
		return numapg_errorf(errbuf, errlen, "CPU %d is out of range (0 to %d)",
							 cpu, NUMAPG_MAX_CPUS - 1);
	if (!state->affinity_saved)
	{
		memset(state->saved_affinity, 0, sizeof(state->saved_affinity));
		if (sched_getaffinity(0, sizeof(state->saved_affinity),
							  (cpu_set_t *) state->saved_affinity) != 0)
			return numapg_errorf(errbuf, errlen, "could not read the CPU affinity: %s",
								 strerror(errno));
		state->affinity_saved = true;
	}
	memset(mask, 0, sizeof(mask));
	mask[cpu / (8 * sizeof(unsigned long))] |= 1UL << (cpu % (8 * sizeof(unsigned long)));
	if (sched_setaffinity(0, sizeof(mask), (cpu_set_t *) mask) != 0)
		return numapg_errorf(errbuf, errlen, "could not pin this process to CPU %d: %s",
							 cpu, strerror(errno));
	return true;
}

/*
 * Unmap the buffer and give the thread back the CPU affinity it had
 * before it was first pinned.  Safe to call at any point, and again.
 * Returns false with a message if the affinity could not be restored.
 */
bool
numapg_membench_cleanup(NumaPgMembenchState *state, char *errbuf, size_t errlen)
{
	numapg_membench_unmap(&state->buffer);
	if (state->affinity_saved)
	{
		state->affinity_saved = false;
		if (sched_setaffinity(0, sizeof(state->saved_affinity),
							  (const cpu_set_t *) state->saved_affinity) != 0)
			return numapg_errorf(errbuf, errlen, "could not restore the CPU affinity: %s",
								 strerror(errno));
	}
	return true;
}

/*
 * Latency in ns per dependent load: the best of trials of "loads" loads,
 * as many as fit in budget_ms (at least one, at most
 * NUMAPG_MEMBENCH_MAX_REPEATS).  Each trial goes on where the last one
 * stopped.  *trials gets the number made.
 */
double
numapg_membench_latency(const NumaPgMembenchBuffer *buf, long loads,
						double budget_ms, int *trials,
						NumaPgMembenchCheck check, void *arg)
{
	void	   *p = buf->base;
	double		best = INFINITY;
	double		start = now_seconds();
	int			n = 0;

	if (loads <= 0)
		return NAN;
	do
	{
		double		t0,
					t1;

		if (check)
			check(arg);
		t0 = now_seconds();
		p = numapg_membench_chase(p, loads);
		t1 = now_seconds();
		chase_sink = p;
		if ((t1 - t0) * 1e9 / (double) loads < best)
			best = (t1 - t0) * 1e9 / (double) loads;
		n++;
	} while (n < NUMAPG_MEMBENCH_MAX_REPEATS &&
			 (now_seconds() - start) * 1e3 < budget_ms);
	if (trials)
		*trials = n;
	return best;
}

/* Sum the buffer's 64-bit words, a cache line at a time. */
static uint64_t
read_buffer(const NumaPgMembenchBuffer *buf)
{
	const uint64_t *w = (const uint64_t *) buf->base;
	const uint64_t *end = w + buf->size / sizeof(uint64_t);
	uint64_t	s0 = 0,
				s1 = 0,
				s2 = 0,
				s3 = 0,
				s4 = 0,
				s5 = 0,
				s6 = 0,
				s7 = 0;

	for (; w < end; w += 8)
	{
		s0 += w[0];
		s1 += w[1];
		s2 += w[2];
		s3 += w[3];
		s4 += w[4];
		s5 += w[5];
		s6 += w[6];
		s7 += w[7];
	}
	return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
}

/*
 * Sequential read bandwidth in MB/s (10^6 bytes a second): the best pass
 * over the whole buffer, passes repeated for budget_ms (at least one).
 * *passes gets the number made.
 */
double
numapg_membench_bandwidth(const NumaPgMembenchBuffer *buf, double budget_ms,
						  int *passes, NumaPgMembenchCheck check, void *arg)
{
	double		best = 0;
	double		start = now_seconds();
	int			n = 0;

	do
	{
		double		t0,
					t1;

		if (check)
			check(arg);
		t0 = now_seconds();
		sum_sink = read_buffer(buf);
		t1 = now_seconds();
		if (t1 > t0 && (double) buf->size / (t1 - t0) / 1e6 > best)
			best = (double) buf->size / (t1 - t0) / 1e6;
		n++;
	} while ((now_seconds() - start) * 1e3 < budget_ms);
	if (passes)
		*passes = n;
	return best;
}

/*
 * Measure the plan: results[i * plan->nmemory_nodes + j] for CPU node i
 * and memory node j.  One buffer per memory node at a time, measured from
 * each CPU node in turn.  On success the buffer is unmapped and the
 * affinity restored; on failure (false, with a message) or a longjmp from
 * check, the caller must call numapg_membench_cleanup().
 */
bool
numapg_membench_run(const NumaPgMembenchPlan *plan, NumaPgMembenchState *state,
					NumaPgMembenchResult *results,
					NumaPgMembenchCheck check, void *arg,
					char *errbuf, size_t errlen)
{
	double		half_ms = plan->duration_ms / 2.0;

	for (int j = 0; j < plan->nmemory_nodes; j++)
	{
		NumaPgMembenchBuffer *buf = &state->buffer;

		if (check)
			check(arg);
		if (!numapg_membench_map(buf, plan->size, plan->memory_nodes[j],
								 check, arg, errbuf, errlen))
			return false;
		for (int i = 0; i < plan->ncpu_nodes; i++)
		{
			NumaPgMembenchResult *r = &results[i * plan->nmemory_nodes + j];

			if (!numapg_membench_pin(state, plan->cpu_nodes[i].cpu, errbuf, errlen))
				return false;
			r->latency_ns = numapg_membench_latency(buf, plan->loads, half_ms,
													&r->trials, check, arg);
			r->bandwidth_mb_s = numapg_membench_bandwidth(buf, half_ms,
														  &r->passes, check, arg);
			r->pages_on_node = buf->pages_on_node;
			r->bound = buf->bound;
			r->bind_errno = buf->bind_errno;
		}
		numapg_membench_unmap(buf);
	}
	if (!numapg_membench_cleanup(state, errbuf, errlen))
		return false;
	numapg_membench_ratios(plan, results);
	return true;
}

/*
 * Remote/local ratios: each cell against its row's local cell (the CPU
 * node's own memory, or the nearest node with memory for a memoryless
 * node); NaN when the local node was not measured.
 */
void
numapg_membench_ratios(const NumaPgMembenchPlan *plan,
					   NumaPgMembenchResult *results)
{
	for (int i = 0; i < plan->ncpu_nodes; i++)
	{
		const NumaPgMembenchResult *local = plan->local[i] >= 0 ?
			&results[i * plan->nmemory_nodes + plan->local[i]] : NULL;

		for (int j = 0; j < plan->nmemory_nodes; j++)
		{
			NumaPgMembenchResult *r = &results[i * plan->nmemory_nodes + j];

			r->latency_ratio = local && local->latency_ns > 0 ?
				r->latency_ns / local->latency_ns : NAN;
			r->bandwidth_ratio = local && local->bandwidth_mb_s > 0 ?
				r->bandwidth_mb_s / local->bandwidth_mb_s : NAN;
		}
	}
}

/*
 * Size of the last-level cache of CPU 0 in bytes, from sysfs; -1 if the
 * kernel does not say.  The buffer should be much larger.
 */
int64_t
numapg_membench_llc_bytes(void)
{
	int			best_level = 0;
	int64_t		best = -1;

	for (int index = 0; index < 16; index++)
	{
		char		path[128];
		FILE	   *f;
		int			level = 0;
		long long	size = 0;
		char		unit = 0;

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%d", &level) != 1)
			level = 0;
		fclose(f);
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%lld%c", &size, &unit) < 1)
			size = 0;
		fclose(f);
		if (unit == 'K')
			size <<= 10;
		else if (unit == 'M')
			size <<= 20;
		if (level > best_level && size > 0)
		{
			best_level = level;
			best = size;
		}
	}
	return best;
}
