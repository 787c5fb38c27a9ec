/*-------------------------------------------------------------------------
 *
 * membench_sql.c
 *		numa_memory_latency(): the memory latency and bandwidth matrix of
 *		src/membench.c, measured in the calling backend.
 *
 * The backend pins itself to a CPU of each CPU node in turn and maps a
 * buffer on each memory node in turn, so the function is for superusers
 * only, its size and duration are bounded, and whatever happens (an error,
 * a cancel, statement_timeout) the buffer is unmapped and the backend's
 * CPU affinity restored before the error goes on: membench.c keeps both in
 * a state that PG_FINALLY hands to numapg_membench_cleanup(), and it calls
 * CHECK_FOR_INTERRUPTS() between trials, passes and steps of the setup.
 *
 * IDENTIFICATION
 *	  src/membench_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/tuplestore.h"

#include "membench.h"
#include "live_topology.h"
#include "numa_support.h"

PG_FUNCTION_INFO_V1(numapg_sql_memory_latency);

/* The check callback of membench.c: lets a cancel or a timeout in. */
static void
check_interrupts(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

/* An integer argument, refused when NULL or outside [min, max]. */
static int32
bounded_arg(FunctionCallInfo fcinfo, int argno, const char *name,
			int32 min, int32 max, const char *unit)
{
	int32		value;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	value = PG_GETARG_INT32(argno);
	if (value < min || value > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %d is out of range", name, value),
				 errdetail("%s must be between %d and %d %s.", name, min, max, unit)));
	return value;
}

/* A float8 column that is NULL when the figure is not known. */
static Datum
float_or_null(double value, bool *isnull)
{
	*isnull = !isfinite(value);
	return Float8GetDatum(value);
}

/*
 * One row per cell of the matrix into the result set.  Returns the errno
 * of a refused binding, or 0 if every buffer was bound.
 */
static int
put_rows(ReturnSetInfo *rsinfo, const NumaPgMembenchPlan *plan,
		 const NumaPgMembenchResult *results)
{
	int			unbound_errno = 0;

	for (int i = 0; i < plan->ncpu_nodes; i++)
		for (int j = 0; j < plan->nmemory_nodes; j++)
		{
			const NumaPgMembenchResult *r = &results[i * plan->nmemory_nodes + j];
			Datum		values[10];
			bool		nulls[10] = {0};

			values[0] = Int32GetDatum(plan->cpu_nodes[i].node);
			values[1] = Int32GetDatum(plan->cpu_nodes[i].cpu);
			values[2] = Int32GetDatum(plan->memory_nodes[j]);
			values[3] = Int32GetDatum(plan->distance[i][j]);
			values[4] = float_or_null(r->latency_ns, &nulls[4]);
			values[5] = float_or_null(r->bandwidth_mb_s, &nulls[5]);
			values[6] = float_or_null(r->latency_ratio, &nulls[6]);
			values[7] = float_or_null(r->bandwidth_ratio, &nulls[7]);
			values[8] = float_or_null(r->pages_on_node, &nulls[8]);
			values[9] = BoolGetDatum(r->bound);
			if (!r->bound)
				unbound_errno = r->bind_errno;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}

	return unbound_errno;
}

/*
 * numa_memory_latency(size_mb, duration_ms): one row per pair of a CPU
 * node and a memory node, with the latency of dependent loads, the read
 * bandwidth of one thread, their ratios to the CPU node's local memory,
 * and where the buffer's pages really were.
 */
Datum
numapg_sql_memory_latency(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		size_mb;
	int32		duration_ms;
	NumaPgTopology *topo;
	NumaPgMembenchPlan *plan;
	NumaPgMembenchState *state;
	NumaPgMembenchResult *results;
	volatile bool measured = false;
	char		err[512] = "";
	int			unbound_errno = 0;
	int64_t		llc;

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser to run numa_memory_latency()"),
				 errdetail("It pins the backend to a CPU of each node in turn and maps up to %d MB on each node.",
						   NUMAPG_MEMBENCH_MAX_MB),
				 errhint("Run it as a superuser, or run the command numa_pg_membench, which needs no server.")));

	size_mb = bounded_arg(fcinfo, 0, "size_mb", NUMAPG_MEMBENCH_MIN_MB,
						  NUMAPG_MEMBENCH_MAX_MB, "MB");
	duration_ms = bounded_arg(fcinfo, 1, "duration_ms", NUMAPG_MEMBENCH_MIN_MS,
							  NUMAPG_MEMBENCH_MAX_MS, "ms");

	topo = numapg_read_topology();
	plan = palloc(sizeof(NumaPgMembenchPlan));
	if (!numapg_membench_plan(topo, size_mb, duration_ms, NULL, NULL, plan,
							  err, sizeof(err)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot measure memory latency: %s", err),
				 errhint("numa_topology() shows the nodes, their free memory and what this server may use.")));

	llc = numapg_membench_llc_bytes();
	if (llc > 0 && (int64_t) plan->size < 4 * llc)
		ereport(NOTICE,
				(errmsg("a %d MB buffer is less than 4 times the last-level cache (%lld kB)",
						size_mb, (long long) (llc >> 10)),
				 errdetail("Part of the loads hit the cache, so latencies are lower than memory's."),
				 errhint("Pass a larger size_mb.")));

	InitMaterializedSRF(fcinfo, 0);
	results = palloc0(sizeof(NumaPgMembenchResult) * plan->ncpu_nodes * plan->nmemory_nodes);
	state = palloc(sizeof(NumaPgMembenchState));
	numapg_membench_init_state(state);

	PG_TRY();
	{
		measured = numapg_membench_run(plan, state, results, check_interrupts,
									   NULL, err, sizeof(err));
	}
	PG_FINALLY();
	{
		char		cleanup_err[256];

		if (!numapg_membench_cleanup(state, cleanup_err, sizeof(cleanup_err)))
			ereport(WARNING,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("numa_memory_latency: %s", cleanup_err),
					 errdetail("This backend may stay pinned to one CPU."),
					 errhint("Disconnect to end the backend.")));
	}
	PG_END_TRY();

	if (!measured)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not measure memory latency: %s", err)));

	unbound_errno = put_rows(rsinfo, plan, results);
	if (unbound_errno != 0)
		ereport(NOTICE,
				(errmsg("memory was not bound to the memory nodes"),
				 errdetail("The kernel refused mbind(2): %s.  Each buffer was measured where the kernel placed it; the rows say bound = false.",
						   strerror(unbound_errno)),
				 errhint("This happens in containers whose seccomp profile refuses the NUMA system calls; run numa_pg_membench on the host.")));
	return (Datum) 0;
}
