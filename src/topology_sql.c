/*-------------------------------------------------------------------------
 *
 * topology_sql.c
 *		SQL functions that report the NUMA topology and numa_pg's status.
 *
 * Each call reads sysfs afresh: free memory and huge pages change, and a
 * cpuset can be changed under a running server.  None of these functions
 * needs numa_pg to be preloaded, so CREATE EXTENSION works on any server
 * and a DBA can look at the machine before deciding to preload it.
 *
 * IDENTIFICATION
 *	  src/topology_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "guc.h"
#include "live_topology.h"
#include "numa_support.h"
#include "sql_util.h"

PG_FUNCTION_INFO_V1(numapg_sql_available);
PG_FUNCTION_INFO_V1(numapg_sql_status);
PG_FUNCTION_INFO_V1(numapg_sql_topology);
PG_FUNCTION_INFO_V1(numapg_sql_node_of_cpu);
PG_FUNCTION_INFO_V1(numapg_sql_distance);

/* Error out on a NULL argument: these functions have no NULL answer. */
static int32
int_arg_not_null(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return PG_GETARG_INT32(argno);
}

/* Index of a node in topo, or an ERROR naming the nodes that exist. */
static int
node_index_or_error(const NumaPgTopology *topo, int32 node)
{
	int			i = numapg_topology_index_of_node(topo, node);

	if (i < 0)
	{
		StringInfoData have;

		initStringInfo(&have);
		for (int j = 0; j < topo->node_count; j++)
			appendStringInfo(&have, "%s%d", j ? ", " : "", topo->nodes[j].id);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("NUMA node %d does not exist", node),
				 errdetail("The online nodes are %s.", have.data)));
	}
	return i;
}

/*
 * numa_available() returns boolean
 *
 * Can this server place memory on NUMA nodes (libnuma works and the NUMA
 * system calls are permitted)?  True on a one-node machine too, as
 * PostgreSQL 18's pg_numa_available(); numa_status() says more.
 */
Datum
numapg_sql_available(PG_FUNCTION_ARGS)
{
	NumaPgTopology *topo = numapg_read_topology();
	NumaPgSupport support;

	numapg_probe_support(topo, &support);
	PG_RETURN_BOOL(support.libnuma_usable);
}

/*
 * numa_status() returns one row: what numa_pg can do here and why, and the
 * memory policy the server was started under (since 1.3).
 *
 * The row is formed from the declared columns: the 1.0 to 1.2 declaration
 * has the first eight, in the same order, so a database not yet updated to
 * 1.3 gets those right (heap_form_tuple reads only as many values as the
 * descriptor has columns).
 */
Datum
numapg_sql_status(PG_FUNCTION_ARGS)
{
	NumaPgTopology *topo = numapg_read_topology();
	NumaPgSupport support;
	TupleDesc	tupdesc;
	Datum		values[10] = {0};
	bool		nulls[10] = {0};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	numapg_probe_support(topo, &support);
	values[0] = BoolGetDatum(support.libnuma_usable);
	values[1] = CStringGetTextDatum(numapg_mode_name(support.mode));
	if (support.reason[0])
		values[2] = CStringGetTextDatum(support.reason);
	else
		nulls[2] = true;
	values[3] = Int32GetDatum(topo->node_count);
	values[4] = Int32GetDatum(numapg_topology_memory_node_count(topo));
	values[5] = Int32GetDatum(numapg_mask_count(&topo->cpus_online));
	values[6] = BoolGetDatum(numapg_preloaded);
	values[7] = BoolGetDatum(numapg_preloaded && numapg_enabled);
	if (topo->task_policy.mode == NUMAPG_TASK_POLICY_UNKNOWN)
		nulls[8] = nulls[9] = true;
	else
	{
		values[8] = CStringGetTextDatum(numapg_task_policy_name(topo->task_policy.mode));
		values[9] = numapg_mask_to_int_array(&topo->task_policy.nodes);
	}
	if (tupdesc->natts < 8 || tupdesc->natts > (int) lengthof(values))
		elog(ERROR, "numa_status() is declared with %d columns, not 8 to %d",
			 tupdesc->natts, (int) lengthof(values));

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* A huge page count, or NULL when the kernel offers no such page size. */
static Datum
hugepages_datum(int64_t count, bool *isnull)
{
	*isnull = count < 0;
	return Int64GetDatum(count);
}

/*
 * numa_topology() returns one row per node: its CPUs, memory, huge pages,
 * row of the distance matrix, and what of it this server may use.
 */
Datum
numapg_sql_topology(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NumaPgTopology *topo;

	InitMaterializedSRF(fcinfo, 0);
	topo = numapg_read_topology();

	for (int i = 0; i < topo->node_count; i++)
	{
		NumaPgNode *node = &topo->nodes[i];
		NumaPgMask	allowed;
		Datum	   *dist = palloc(sizeof(Datum) * topo->node_count);
		Datum		values[13] = {0};
		bool		nulls[13] = {0};

		for (int j = 0; j < topo->node_count; j++)
			dist[j] = Int32GetDatum(node->distances[j]);
		numapg_mask_and(&allowed, &node->cpus, &topo->cpus_allowed);

		values[0] = Int32GetDatum(node->id);
		values[1] = numapg_mask_to_int_array(&node->cpus);
		values[2] = Int32GetDatum(numapg_mask_count(&node->cpus));
		values[3] = BoolGetDatum(node->has_memory);
		values[4] = Int64GetDatum(node->memory_total);
		values[5] = Int64GetDatum(node->memory_free);
		values[6] = hugepages_datum(node->hugepages_2mb_total, &nulls[6]);
		values[7] = hugepages_datum(node->hugepages_2mb_free, &nulls[7]);
		values[8] = hugepages_datum(node->hugepages_1gb_total, &nulls[8]);
		values[9] = hugepages_datum(node->hugepages_1gb_free, &nulls[9]);
		values[10] = PointerGetDatum(construct_array(dist, topo->node_count,
													 INT4OID, sizeof(int32),
													 true, TYPALIGN_INT));
		values[11] = numapg_mask_to_int_array(&allowed);
		values[12] = BoolGetDatum(numapg_mask_test(&topo->mems_allowed,
												   node->id));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * numa_node_of_cpu(cpu int) returns int: the node a CPU belongs to.
 */
Datum
numapg_sql_node_of_cpu(PG_FUNCTION_ARGS)
{
	int32		cpu = int_arg_not_null(fcinfo, 0, "cpu");
	NumaPgTopology *topo = numapg_read_topology();
	int			node = numapg_topology_node_of_cpu(topo, cpu);

	if (node < 0)
	{
		char		have[1024];

		numapg_format_list(&topo->cpus_online, have, sizeof(have));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("CPU %d does not exist", cpu),
				 errdetail("The online CPUs are %s.", have)));
	}
	PG_RETURN_INT32(node);
}

/*
 * numa_distance(a int, b int) returns int: the distance between two nodes,
 * as the firmware's SLIT table gives it (10 = local).
 */
Datum
numapg_sql_distance(PG_FUNCTION_ARGS)
{
	int32		a = int_arg_not_null(fcinfo, 0, "node_a");
	int32		b = int_arg_not_null(fcinfo, 1, "node_b");
	NumaPgTopology *topo = numapg_read_topology();
	int			ia = node_index_or_error(topo, a);
	int			ib = node_index_or_error(topo, b);

	PG_RETURN_INT32(topo->nodes[ia].distances[ib]);
}
