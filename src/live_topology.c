/*-------------------------------------------------------------------------
 *
 * live_topology.c
 *		This machine's topology as the server may use it: sysfs, limited by
 *		the memory policy the server was started under.
 *
 * Every reading of this machine's topology goes through here (the check
 * hooks of the GUCs, the pool's plan, the reports), so that a server
 * started under numactl --membind is limited by it as by a cpuset.
 *
 * IDENTIFICATION
 *	  src/live_topology.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "live_topology.h"
#include "placement.h"

/*
 * The memory policy the server was started under, read before numa_pg
 * changes anything (_PG_init in the postmaster; every child inherits it),
 * or, when not preloaded, at the first call in this backend, whose policy
 * nobody has changed.
 */
static NumaPgTaskPolicy inherited_policy;
static bool inherited_policy_read = false;

/*
 * The memory policy this server was started under (numactl --membind,
 * --interleave, --preferred...).  The first call reads it; _PG_init makes
 * that call before numa_pg sets any policy of its own.
 */
const NumaPgTaskPolicy *
numapg_inherited_policy(void)
{
	if (!inherited_policy_read)
	{
		(void) numapg_read_task_policy(&inherited_policy);
		inherited_policy_read = true;
	}
	return &inherited_policy;
}

/*
 * Read the live topology, as numapg_topology_read() does for "/", and
 * restrict what it allows by the policy this server was started under.
 * Every reading of this machine's topology goes through here, so that an
 * inherited bind limits numa_pg as a cpuset does.
 */
bool
numapg_topology_read_live(NumaPgTopology *topo, char *errbuf, size_t errlen)
{
	if (!numapg_topology_read("/", topo, errbuf, errlen))
		return false;
	numapg_topology_apply_task_policy(topo, numapg_inherited_policy());
	return true;
}

/*
 * Read the live topology into palloc'd memory, or raise an ERROR saying
 * what in sysfs could not be read.
 */
NumaPgTopology *
numapg_read_topology(void)
{
	NumaPgTopology *topo = palloc(sizeof(NumaPgTopology));
	char		err[512];

	if (!numapg_topology_read_live(topo, err, sizeof(err)))
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not read the NUMA topology"),
				 errdetail("%s.", err)));
	return topo;
}
