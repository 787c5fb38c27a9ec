/*-------------------------------------------------------------------------
 *
 * backend_placement.c
 *		numa_pg.backend_placement: put each new client backend on a NUMA
 *		node (its CPUs, and its memory preferred or bound there), and
 *		parallel workers on their leader's node.
 *
 * A client backend is placed once, right after it is authenticated
 * (ClientAuthentication_hook), by the first rule of
 * numa_pg.backend_placement that matches its database and role
 * (placement_rules.c): a fixed node, or "spread", the node with the fewest
 * backends numa_pg placed there.  It is pinned to the CPUs of that node it
 * may run on, and its memory policy set to prefer the node (bind to it
 * under numa_pg.strict); a memoryless node's backends take memory from the
 * nearest node with memory, as the workers do.  Memory the backend touched
 * before (a few hundred kB of start-up) stays where it is.  A parallel
 * worker follows its leader's node, at its first ExecutorStart, and is not
 * counted.  The count of placed backends per node is in shared memory,
 * under a spinlock, and drops as soon as a backend exits
 * (before_shmem_exit).  Walsenders and background workers are not placed.
 *
 * The topology used is the postmaster's (pool_plan.c), read at start.
 *
 * IDENTIFICATION
 *	  src/backend_placement.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include <sched.h>

#include "access/parallel.h"
#include "executor/executor.h"
#include "libpq/auth.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "replication/walsender.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "storage/spin.h"

#include "backend_placement.h"
#include "guc.h"
#include "placement.h"
#include "pool_plan.h"
#include "worker_plan.h"

/* What a backend's slot says of it. */
typedef enum PlacedHow
{
	PLACED_NONE = 0,
	PLACED_BY_RULE,				/* a client backend, counted on its node */
	PLACED_WITH_LEADER			/* a parallel worker, not counted */
} PlacedHow;

typedef struct PlacedBackend
{
	int			pid;
	int			node;			/* node id */
	int			memory_node;	/* node id its memory goes to */
	int			rule;			/* 1-based rule that placed it; 0 */
	PlacedHow	how;
} PlacedBackend;

typedef struct NumaPgBackendPlacement
{
	slock_t		mutex;
	int			placed[NUMAPG_TOPO_MAX_NODES];	/* by topology index */
	int			nslots;			/* MaxBackends */
	PlacedBackend backends[FLEXIBLE_ARRAY_MEMBER];
} NumaPgBackendPlacement;

static NumaPgBackendPlacement *placement = NULL;

/* this backend's slot, once placed (-1 otherwise) */
static int	my_slot = -1;
/* a parallel worker looks for its leader's node once */
static bool leader_followed = false;

static ClientAuthentication_hook_type prev_client_authentication = NULL;
static ExecutorStart_hook_type prev_executor_start = NULL;

/* Shared memory for the counts and one slot per backend. */
Size
numapg_backend_placement_shmem_size(void)
{
	return add_size(offsetof(NumaPgBackendPlacement, backends),
					mul_size(MaxBackends, sizeof(PlacedBackend)));
}

/*
 * Attach to (and in the postmaster, make) the shared counts.  Called with
 * AddinShmemInitLock held.
 */
void
numapg_backend_placement_shmem_init(void)
{
	bool		found;

	placement = ShmemInitStruct("numa_pg backend placement",
								numapg_backend_placement_shmem_size(), &found);
	if (!found)
	{
		memset(placement, 0, numapg_backend_placement_shmem_size());
		SpinLockInit(&placement->mutex);
		placement->nslots = MaxBackends;
	}
}

/*
 * Run on the node's CPUs and take memory from its memory node.  A refused
 * affinity leaves the backend unplaced (false); a refused memory policy
 * (EPERM in a container) leaves it pinned, and says so in the log.
 */
static bool
apply_placement(int node, const NumaPgMask *cpus, int memory_node)
{
	cpu_set_t	set;
	int			rc;

	CPU_ZERO(&set);
	for (int c = numapg_mask_next(cpus, -1); c >= 0 && c < CPU_SETSIZE;
		 c = numapg_mask_next(cpus, c))
		CPU_SET(c, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
	{
		ereport(LOG,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("numa_pg: could not place this backend on NUMA node %d: %m", node),
				 errdetail("sched_setaffinity() refused the node's CPUs; the backend runs where the scheduler puts it.")));
		return false;
	}
	rc = numapg_set_node_policy(memory_node, numapg_strict);
	if (rc != 0)
		ereport(LOG,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("numa_pg: backend placed on NUMA node %d could not set its memory policy: %s",
						node, strerror(rc)),
				 errdetail("It runs on the node's CPUs; its memory goes where the kernel puts it.")));
	return true;
}

/* before_shmem_exit: this backend's node has one backend fewer. */
static void
unplace_backend(int code, Datum arg)
{
	PlacedBackend *me;

	if (placement == NULL || my_slot < 0)
		return;
	SpinLockAcquire(&placement->mutex);
	me = &placement->backends[my_slot];
	if (me->how == PLACED_BY_RULE)
	{
		const NumaPgTopology *topo = numapg_pool_topology();
		int			i = topo ? numapg_topology_index_of_node(topo, me->node) : -1;

		if (i >= 0 && placement->placed[i] > 0)
			placement->placed[i]--;
	}
	memset(me, 0, sizeof(*me));
	SpinLockRelease(&placement->mutex);
	my_slot = -1;
}

/*
 * Place this client backend by the first rule matching its database and
 * role, if any.
 */
static void
place_client_backend(const char *database, const char *role)
{
	const NumaPgPlacementRules *rules = numapg_backend_placement_rules;
	const NumaPgTopology *topo = numapg_pool_topology();
	const NumaPgPlacementRule *rule;
	NumaPgMask	cpus[NUMAPG_TOPO_MAX_NODES];
	bool		usable[NUMAPG_TOPO_MAX_NODES];
	int			slot = NUMAPG_MY_BACKEND_SLOT();
	int			chosen = -1;
	int			memory_node = -1;
	PlacedBackend *me;

	if (rules == NULL || rules->nrules == 0 || placement == NULL || topo == NULL)
		return;
	rule = numapg_match_placement_rule(rules, database, role);
	if (rule == NULL || rule->target == NUMAPG_PLACE_OFF)
		return;
	if (slot < 0 || slot >= placement->nslots)
		return;

	for (int i = 0; i < topo->node_count; i++)
		usable[i] = numapg_node_can_host(topo, i, &cpus[i]);
	if (rule->target == NUMAPG_PLACE_NODE)
	{
		chosen = numapg_topology_index_of_node(topo, rule->node);
		if (chosen < 0 || !usable[chosen])
		{
			ereport(LOG,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("numa_pg: backend not placed: rule %d of numa_pg.backend_placement names NUMA node %d, which this server, as started, cannot run backends on",
							(int) (rule - rules->rules) + 1, rule->node),
					 errhint("Change the rule, or restart the server if the node's CPUs were added since it started.")));
			return;
		}
	}

	SpinLockAcquire(&placement->mutex);
	if (rule->target == NUMAPG_PLACE_SPREAD)
		chosen = numapg_choose_spread_slot(placement->placed, usable, topo->node_count);
	if (chosen >= 0)
	{
		placement->placed[chosen]++;
		me = &placement->backends[slot];
		me->pid = MyProcPid;
		me->node = topo->nodes[chosen].id;
		me->memory_node = memory_node = numapg_nearest_memory_node(topo, me->node);
		me->rule = (int) (rule - rules->rules) + 1;
		me->how = PLACED_BY_RULE;
		my_slot = slot;
	}
	SpinLockRelease(&placement->mutex);
	if (chosen < 0)
		return;

	before_shmem_exit(unplace_backend, (Datum) 0);
	if (!apply_placement(topo->nodes[chosen].id, &cpus[chosen], memory_node))
		unplace_backend(0, (Datum) 0);
}

/*
 * A parallel worker goes where its leader was placed (if it was), without
 * being counted.
 */
static void
follow_leader(void)
{
	const NumaPgTopology *topo = numapg_pool_topology();
	int			leader = NUMAPG_LEADER_BACKEND_SLOT();
	int			slot = NUMAPG_MY_BACKEND_SLOT();
	int			node = -1;
	int			memory_node = -1;
	NumaPgMask	cpus;
	int			i;

	leader_followed = true;
	if (placement == NULL || topo == NULL ||
		leader < 0 || leader >= placement->nslots ||
		slot < 0 || slot >= placement->nslots)
		return;
	SpinLockAcquire(&placement->mutex);
	if (placement->backends[leader].how == PLACED_BY_RULE)
	{
		node = placement->backends[leader].node;
		memory_node = placement->backends[leader].memory_node;
		placement->backends[slot].pid = MyProcPid;
		placement->backends[slot].node = node;
		placement->backends[slot].memory_node = memory_node;
		placement->backends[slot].rule = placement->backends[leader].rule;
		placement->backends[slot].how = PLACED_WITH_LEADER;
		my_slot = slot;
	}
	SpinLockRelease(&placement->mutex);
	if (node < 0)
		return;
	before_shmem_exit(unplace_backend, (Datum) 0);
	i = numapg_topology_index_of_node(topo, node);
	if (i < 0 || !numapg_node_can_host(topo, i, &cpus) ||
		!apply_placement(node, &cpus, memory_node))
		unplace_backend(0, (Datum) 0);
}

/* ExecutorStart_hook: a parallel worker follows its leader, once. */
static void
placement_executor_start(QueryDesc *queryDesc, int eflags)
{
	if (!leader_followed && IsParallelWorker())
		follow_leader();
	if (prev_executor_start)
		prev_executor_start(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/*
 * A client backend has no leader to follow, so its statements need not
 * pass through the ExecutorStart hook: take the hook out of this
 * process's chain, unless a library loaded since has chained onto it (it
 * then stays, and passes straight on).  Only parallel workers keep it.
 */
static void
leave_executor_start(void)
{
	leader_followed = true;
	if (ExecutorStart_hook == placement_executor_start)
		ExecutorStart_hook = prev_executor_start;
}

/* ClientAuthentication_hook: place a client backend once it is in. */
static void
placement_client_authentication(Port *port, int status)
{
	leave_executor_start();
	if (prev_client_authentication)
		prev_client_authentication(port, status);
	if (status != STATUS_OK || am_walsender)
		return;
	place_client_backend(port->database_name, port->user_name);
}

/* Install the hooks.  Postmaster, _PG_init. */
void
numapg_install_backend_placement(void)
{
	prev_client_authentication = ClientAuthentication_hook;
	ClientAuthentication_hook = placement_client_authentication;
	prev_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = placement_executor_start;
}

/*
 * The node numa_pg placed the process pid on, and how ("rule N" or
 * "leader"): false if it did not place it.
 */
bool
numapg_backend_placed_node(int pid, int *node, int *memory_node,
						   int *rule, bool *with_leader)
{
	bool		found = false;

	if (placement == NULL)
		return false;
	SpinLockAcquire(&placement->mutex);
	for (int s = 0; s < placement->nslots && !found; s++)
	{
		const PlacedBackend *b = &placement->backends[s];

		if (b->how == PLACED_NONE || b->pid != pid)
			continue;
		*node = b->node;
		*memory_node = b->memory_node;
		*rule = b->rule;
		*with_leader = b->how == PLACED_WITH_LEADER;
		found = true;
	}
	SpinLockRelease(&placement->mutex);
	return found;
}

/*
 * The backends numa_pg placed on each node of the postmaster's topology,
 * by topology index, into placed[] (NUMAPG_TOPO_MAX_NODES); and the
 * parallel workers that followed their leaders, into followers[].  Returns
 * the number of nodes, 0 when placement is unavailable.
 */
int
numapg_backend_placement_counts(int *placed, int *followers)
{
	const NumaPgTopology *topo = numapg_pool_topology();

	if (placement == NULL || topo == NULL)
		return 0;
	memset(followers, 0, sizeof(int) * NUMAPG_TOPO_MAX_NODES);
	SpinLockAcquire(&placement->mutex);
	memcpy(placed, placement->placed, sizeof(int) * NUMAPG_TOPO_MAX_NODES);
	for (int s = 0; s < placement->nslots; s++)
		if (placement->backends[s].how == PLACED_WITH_LEADER)
		{
			int			i = numapg_topology_index_of_node(topo, placement->backends[s].node);

			if (i >= 0)
				followers[i]++;
		}
	SpinLockRelease(&placement->mutex);
	return topo->node_count;
}
