/*-------------------------------------------------------------------------
 *
 * node_stats_sql.c
 *		numa_node_stats() and numa_vmstat(): the kernel's NUMA counters.
 *
 * Each call reads the files afresh (node_stats.c); the counters only grow,
 * from boot.  Neither needs numa_pg preloaded.
 *
 * IDENTIFICATION
 *	  src/node_stats_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "node_stats.h"

PG_FUNCTION_INFO_V1(numapg_sql_node_stats);
PG_FUNCTION_INFO_V1(numapg_sql_vmstat);

/* The kernel wrote a counters file numa_pg cannot read: an ERROR saying so. */
static void
counters_unreadable(const char *err)
{
	ereport(ERROR,
			(errcode(ERRCODE_SYSTEM_ERROR),
			 errmsg("could not read the kernel's NUMA counters"),
			 errdetail("%s.", err),
			 errhint("The kernel writes these files as lines of a name and a count; check that /proc and /sys are the kernel's own (not a container's substitute).")));
}

/*
 * numa_node_stats(): one row per online node, numastat's six counters (a
 * counter the kernel does not write is NULL).  No row without NUMA.
 */
Datum
numapg_sql_node_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NumaPgMask	nodes;
	char		err[512];

	InitMaterializedSRF(fcinfo, 0);
	if (!numapg_numa_nodes("/", &nodes, err, sizeof(err)))
		counters_unreadable(err);
	for (int node = numapg_mask_next(&nodes, -1); node >= 0;
		 node = numapg_mask_next(&nodes, node))
	{
		int64_t		counters[NUMAPG_NUMASTAT_COUNTERS];
		Datum		values[1 + NUMAPG_NUMASTAT_COUNTERS];
		bool		nulls[1 + NUMAPG_NUMASTAT_COUNTERS] = {0};

		if (!numapg_node_stats_read("/", node, counters, err, sizeof(err)))
			counters_unreadable(err);
		values[0] = Int32GetDatum(node);
		for (int i = 0; i < NUMAPG_NUMASTAT_COUNTERS; i++)
		{
			values[1 + i] = Int64GetDatum(counters[i]);
			nulls[1 + i] = counters[i] < 0;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * numa_vmstat(): the NUMA counters of /proc/vmstat, one row each, in the
 * file's order: counter, value, unit and what it counts (NULL for a
 * counter numa_pg does not know).
 */
Datum
numapg_sql_vmstat(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NumaPgCounter *counters = palloc(sizeof(NumaPgCounter) * NUMAPG_VMSTAT_MAX);
	int			n;
	char		err[512];

	InitMaterializedSRF(fcinfo, 0);
	if (!numapg_vmstat_read("/", counters, NUMAPG_VMSTAT_MAX, &n, err, sizeof(err)))
		counters_unreadable(err);
	for (int i = 0; i < n; i++)
	{
		const NumaPgCounterInfo *info = numapg_vmstat_info(counters[i].name);
		Datum		values[4];
		bool		nulls[4] = {0};

		values[0] = CStringGetTextDatum(counters[i].name);
		values[1] = Int64GetDatum(counters[i].value);
		if (info)
		{
			values[2] = CStringGetTextDatum(info->unit);
			values[3] = CStringGetTextDatum(info->description);
		}
		else
			nulls[2] = nulls[3] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(counters);
	return (Datum) 0;
}
