/*-------------------------------------------------------------------------
 *
 * bench_common.c
 *		What the hot-path benchmarks share: argument checks, the clock,
 *		pinning the calling backend, scratch memory bound to a node,
 *		placements, and result rows.
 *
 * Time is read with clock_gettime(CLOCK_MONOTONIC) once per batch of
 * operations, never per operation, so that the clock costs nothing
 * measurable.  Scratch memory is an anonymous shared mapping (as numa_pg's
 * regions and PostgreSQL's own shared memory are), bound with mbind(2) to
 * the node asked for before any page exists, then faulted in, and checked
 * with move_pages(2): a row whose pages are not all where they should be
 * says so in its note.
 *
 * IDENTIFICATION
 *	  bench/numa_pg_bench/bench_common.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/tuplestore.h"

#include "bench_common.h"
#include "live_topology.h"
#include "placement.h"
#include "worker_plan.h"

/*
 * Refuse anyone but a superuser, even if EXECUTE was granted: a benchmark
 * pins the backend, takes memory and CPU time, and may write WAL.
 */
void
numapg_bench_require_superuser(const char *function)
{
	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to run %s", function),
				 errdetail("The benchmarks pin the calling backend, take memory and CPU time, and may write WAL."),
				 errhint("Run it as a superuser.")));
}

/*
 * An integer argument that must not be NULL and must lie in [min, max];
 * an error with the allowed range otherwise.
 */
int32
numapg_bench_int_arg(FunctionCallInfo fcinfo, int argno, const char *name,
					 int32 min, int32 max)
{
	int32		value;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name),
				 errdetail("%s must be between %d and %d.", name, min, max)));
	value = PG_GETARG_INT32(argno);
	if (value < min || value > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %d is out of range", name, value),
				 errdetail("%s must be between %d and %d.", name, min, max)));
	return value;
}

/* Nanoseconds on the monotonic clock. */
uint64
numapg_bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64) ts.tv_sec * UINT64CONST(1000000000) + (uint64) ts.tv_nsec;
}

/*
 * The machine's topology, as this backend may use it (cpuset and the
 * memory policy the server was started under included), as numa_pg reads it.
 */
NumaPgTopology *
numapg_bench_topology(void)
{
	return numapg_read_topology();
}

/*
 * The size of the workers' WAL staging buffers, numa_pg.wal_staging_size,
 * in bytes.  The parameter exists only when numa_pg is in
 * shared_preload_libraries (a placeholder of that name is not it): an error
 * with a hint otherwise.
 */
void
numapg_bench_require_wal_staging_size(const char *function, Size *size)
{
	const char *name = "numa_pg.wal_staging_size";
	int			flags = GetConfigOptionFlags(name, true);
	const char *value = GetConfigOption(name, true, false);

	if (value == NULL || (flags & GUC_CUSTOM_PLACEHOLDER) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s needs numa_pg in shared_preload_libraries", function),
				 errdetail("It sizes its buffer by %s, which numa_pg defines only when it is preloaded.", name),
				 errhint("Add numa_pg to shared_preload_libraries and restart the server.")));
	/* an integer parameter's value is given in its base unit, kB */
	*size = (Size) strtol(value, NULL, 10) * 1024;
}

/*
 * The CPU to pin the calling backend to: the one it runs on now if it may
 * run there, else the first CPU it may use.
 */
int
numapg_bench_current_cpu(const NumaPgTopology *topo)
{
	int			cpu = sched_getcpu();

	if (cpu >= 0 && numapg_mask_test(&topo->cpus_allowed, cpu))
		return cpu;
	cpu = numapg_mask_next(&topo->cpus_allowed, -1);
	if (cpu < 0)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("this backend may run on no CPU the NUMA topology lists")));
	return cpu;
}

/*
 * The node whose memory is local to a CPU: its own, or the nearest with
 * memory for a CPU of a memoryless node (as the workers' plan does).
 */
int
numapg_bench_memory_node_of_cpu(const NumaPgTopology *topo, int cpu)
{
	return numapg_nearest_memory_node(topo, numapg_topology_node_of_cpu(topo, cpu));
}

/*
 * A node with usable memory other than local_node, for the "remote"
 * placement: the farthest from it (lowest id among equals); -1 if none.
 */
int
numapg_bench_remote_memory_node(const NumaPgTopology *topo, int local_node)
{
	int			from = numapg_topology_index_of_node(topo, local_node);
	int			best = -1;

	if (from < 0)
		return -1;
	for (int i = 0; i < topo->node_count; i++)
	{
		if (i == from || !numapg_topology_memory_usable(topo, i))
			continue;
		if (best < 0 ||
			topo->nodes[from].distances[i] > topo->nodes[from].distances[best])
			best = i;
	}
	return best < 0 ? -1 : topo->nodes[best].id;
}

/* Refuse a node this server cannot allocate memory on, naming those it can. */
void
numapg_bench_check_memory_node(const NumaPgTopology *topo, int32 node,
							   const char *argname)
{
	int			i = numapg_topology_index_of_node(topo, node);
	StringInfoData have;

	if (i >= 0 && numapg_topology_memory_usable(topo, i))
		return;
	initStringInfo(&have);
	for (int j = 0; j < topo->node_count; j++)
		if (numapg_topology_memory_usable(topo, j))
			appendStringInfo(&have, "%s%d", have.len ? ", " : "", topo->nodes[j].id);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s %d is not a NUMA node this server may allocate memory on", argname, node),
			 errdetail("%s must be one of: %s.", argname, have.data),
			 errhint("Pass NULL to measure the local node and, when there is one, a remote node.")));
}

/*
 * Pin the calling backend to one CPU, saving its affinity first.  Call it
 * inside PG_TRY and numapg_bench_unpin() in PG_FINALLY: once the affinity
 * is saved, unpin restores it whatever happened next.
 */
void
numapg_bench_pin(NumaPgBenchPin *pin, int cpu)
{
	cpu_set_t  *set;

	pin->setsize = CPU_ALLOC_SIZE(NUMAPG_MAX_CPUS);
	pin->saved = CPU_ALLOC(NUMAPG_MAX_CPUS);
	if (pin->saved == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (sched_getaffinity(0, pin->setsize, pin->saved) != 0)
	{
		CPU_FREE(pin->saved);
		pin->saved = NULL;
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not read this backend's CPU affinity: %m")));
	}
	set = CPU_ALLOC(NUMAPG_MAX_CPUS);
	if (set == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	CPU_ZERO_S(pin->setsize, set);
	CPU_SET_S(cpu, pin->setsize, set);
	if (sched_setaffinity(0, pin->setsize, set) != 0)
	{
		int			save_errno = errno;

		CPU_FREE(set);
		errno = save_errno;
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not pin this backend to CPU %d: %m", cpu)));
	}
	CPU_FREE(set);
	pin->pinned = true;
}

/*
 * Give the backend back the affinity it had before numapg_bench_pin().
 * Safe to call whatever state pin is in (zeroed, half done, done); never
 * raises an error, since it runs in PG_FINALLY.
 */
void
numapg_bench_unpin(NumaPgBenchPin *pin)
{
	if (pin->saved == NULL)
		return;
	if (pin->pinned && sched_setaffinity(0, pin->setsize, pin->saved) != 0)
		ereport(WARNING,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not restore this backend's CPU affinity: %m")));
	CPU_FREE(pin->saved);
	pin->saved = NULL;
	pin->pinned = false;
}

/*
 * Bind [base, base+size) (page-aligned, holding no data yet) to node (-1:
 * leave it to the kernel), fault every page in, and check where the pages
 * are.  If binding fails (no NUMA, or the system calls are refused), the
 * memory is used as it is, mem->node is -1 and mem->note says why; if
 * some pages landed elsewhere, the note says how many.
 */
void
numapg_bench_place(NumaPgBenchMemory *mem, char *base, size_t size, int node)
{
	size_t		page = (size_t) sysconf(_SC_PAGESIZE);

	mem->note[0] = '\0';
	mem->node = -1;
	if (node >= 0)
	{
		NumaPgMask	nodes;
		int			err;

		numapg_mask_clear(&nodes);
		numapg_mask_set(&nodes, node);
		err = numapg_bind_range(base, size, NUMAPG_POLICY_BIND, &nodes);
		if (err != 0)
			snprintf(mem->note, sizeof(mem->note),
					 "memory not bound to node %d (%s): placed by the kernel",
					 node, strerror(err));
		else
			mem->node = node;
	}
	numapg_prefault(base, size, page);

	if (mem->node >= 0)
	{
		NumaPgPageCounts *counts = palloc(sizeof(NumaPgPageCounts));
		int			err = numapg_query_range(base, size, page, counts);

		if (err != 0)
			snprintf(mem->note, sizeof(mem->note),
					 "placement not verified (move_pages: %s)", strerror(err));
		else if (counts->per_node[node] != counts->pages)
			snprintf(mem->note, sizeof(mem->note),
					 "only %lld of %lld pages on node %d",
					 (long long) counts->per_node[node],
					 (long long) counts->pages, node);
		pfree(counts);
	}
}

/*
 * Map size bytes of zeroed shared anonymous memory and place it with
 * numapg_bench_place().  Call numapg_bench_unmap() in PG_FINALLY:
 * mem->base is set as soon as the mapping exists.
 */
void
numapg_bench_map(NumaPgBenchMemory *mem, size_t size, int node)
{
	size_t		page = (size_t) sysconf(_SC_PAGESIZE);
	void	   *base;

	size = (size + page - 1) & ~(page - 1);
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				-1, 0);
	if (base == MAP_FAILED)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not map %zu bytes for a benchmark: %m", size),
				 errhint("Use fewer entries.")));
	mem->base = base;
	mem->size = size;
	numapg_bench_place(mem, base, size, node);
}

/* Unmap what numapg_bench_map() mapped; safe on a zeroed struct. */
void
numapg_bench_unmap(NumaPgBenchMemory *mem)
{
	if (mem->base != NULL)
		munmap(mem->base, mem->size);
	mem->base = NULL;
	mem->size = 0;
}

/* Set up the function's result set (materialised, one tuplestore). */
ReturnSetInfo *
numapg_bench_begin(FunctionCallInfo fcinfo)
{
	InitMaterializedSRF(fcinfo, 0);
	return (ReturnSetInfo *) fcinfo->resultinfo;
}

/*
 * Add one result row.  Columns: benchmark, implementation, placement, cpu,
 * peer_cpu, memory_node, ops, ns_per_op, ops_per_s, ratio_vs_postgres,
 * lost, duplicated, note.  ratio_vs_postgres is how many times faster
 * numa_pg's path is than PostgreSQL's equivalent (1 on the equivalent's own
 * row); whether that is enough is for the runner to say.
 */
void
numapg_bench_emit(ReturnSetInfo *rsinfo, const NumaPgBenchRow *row)
{
	Datum		values[NUMAPG_BENCH_COLUMNS] = {0};
	bool		nulls[NUMAPG_BENCH_COLUMNS] = {0};
	double		ns = Max(row->ns, 1.0);
	double		ns_per_op = ns / (double) row->ops;
	double		ratio = 0;

	values[0] = CStringGetTextDatum(row->benchmark);
	values[1] = CStringGetTextDatum(row->implementation);
	values[2] = CStringGetTextDatum(row->placement);
	values[3] = Int32GetDatum(row->cpu);
	values[4] = Int32GetDatum(row->peer_cpu);
	nulls[4] = row->peer_cpu < 0;
	values[5] = Int32GetDatum(row->memory_node);
	nulls[5] = row->memory_node < 0;
	values[6] = Int64GetDatum(row->ops);
	values[7] = Float8GetDatum(ns_per_op);
	values[8] = Float8GetDatum((double) row->ops * 1e9 / ns);

	if (row->is_postgres)
		ratio = 1.0;
	else if (row->postgres_ns_per_op > 0)
		ratio = row->postgres_ns_per_op / ns_per_op;
	values[9] = Float8GetDatum(ratio);
	nulls[9] = ratio <= 0;

	values[10] = Int64GetDatum(row->lost);
	nulls[10] = row->lost < 0;
	values[11] = Int64GetDatum(row->duplicated);
	nulls[11] = row->duplicated < 0;
	nulls[12] = row->note == NULL || row->note[0] == '\0';
	if (!nulls[12])
		values[12] = CStringGetTextDatum(row->note);

	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}
