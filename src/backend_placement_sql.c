/*-------------------------------------------------------------------------
 *
 * backend_placement_sql.c
 *		numa_backend_nodes(): the client backends numa_pg placed on each
 *		NUMA node (numa_pg.backend_placement), and the parallel workers
 *		that followed them.
 *
 * IDENTIFICATION
 *	  src/backend_placement_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "backend_placement.h"
#include "pool_plan.h"
#include "registry.h"
#include "worker_plan.h"

PG_FUNCTION_INFO_V1(numapg_sql_backend_nodes);

/*
 * One row per node of the server's topology: the CPUs a backend placed
 * there runs on (NULL if none: no backend can be placed there), the node
 * its memory goes to, the client backends placed there now and the
 * parallel workers following them.  No rows when numa_pg.enabled is off.
 */
Datum
numapg_sql_backend_nodes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const NumaPgTopology *topo = numapg_pool_topology();
	int			placed[NUMAPG_TOPO_MAX_NODES];
	int			followers[NUMAPG_TOPO_MAX_NODES];
	int			nnodes;

	numapg_require_shared();
	InitMaterializedSRF(fcinfo, 0);
	nnodes = numapg_backend_placement_counts(placed, followers);
	for (int i = 0; i < nnodes; i++)
	{
		Datum		values[5] = {0};
		bool		nulls[5] = {0};
		NumaPgMask	cpus;

		values[0] = Int32GetDatum(topo->nodes[i].id);
		if (numapg_node_can_host(topo, i, &cpus))
		{
			char		list[1024];

			numapg_format_list(&cpus, list, sizeof(list));
			values[1] = CStringGetTextDatum(list);
			values[2] = Int32GetDatum(numapg_nearest_memory_node(topo, topo->nodes[i].id));
		}
		else
			nulls[1] = nulls[2] = true;
		values[3] = Int32GetDatum(placed[i]);
		values[4] = Int32GetDatum(followers[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
