/*-------------------------------------------------------------------------
 *
 * numa_support.c
 *		Find out whether NUMA placement works in this process, say why not,
 *		and route libnuma's own messages through ereport.
 *
 * Three things can stand in the way, and none of them may crash us:
 *
 *	- numa_available() < 0: a kernel without NUMA, or the NUMA system calls
 *	  answered with ENOSYS (e.g. blocked by a seccomp profile that way);
 *	- get_mempolicy() failing with EPERM: the usual seccomp profile of a
 *	  container.  libnuma before 2.0.19 (Debian 12 ships 2.0.16) does not
 *	  treat that as unavailable, so we probe it ourselves, as PostgreSQL
 *	  18's pg_numa_init() does;
 *	- one node (or one node this process may allocate on): nothing to place.
 *
 * In each case numa_pg still loads, reports the topology that sysfs shows,
 * and numa_status() says what degraded and why.
 *
 * IDENTIFICATION
 *	  src/numa_support.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <numa.h>
#include <numaif.h>

#include "lib/stringinfo.h"

#include "guc.h"
#include "live_topology.h"
#include "numa_check.h"
#include "numa_support.h"
#include "placement.h"

bool		numapg_preloaded = false;

/* Text of a mode, as numa_status() shows it. */
const char *
numapg_mode_name(NumaPgMode mode)
{
	switch (mode)
	{
		case NUMAPG_MODE_NUMA:
			return "numa";
		case NUMAPG_MODE_SINGLE_NODE:
			return "single_node";
		case NUMAPG_MODE_UNAVAILABLE:
			return "unavailable";
		case NUMAPG_MODE_DISABLED:
			return "disabled";
	}
	return "unknown";			/* keep compiler quiet */
}

/* errno of get_mempolicy(), or 0 when it works. */
static int
mempolicy_errno(void)
{
	if (get_mempolicy(NULL, NULL, 0, NULL, 0) < 0)
		return errno;
	return 0;
}

/*
 * Work out what numa_pg can do in this process, given the topology.
 * Cheap (two system calls), so callers need not cache it.
 */
void
numapg_probe_support(const NumaPgTopology *topo, NumaPgSupport *support)
{
	int			err;
	int			nodes;

	memset(support, 0, sizeof(*support));

	if (numa_available() < 0)
	{
		err = mempolicy_errno();
		support->mode = NUMAPG_MODE_UNAVAILABLE;
		snprintf(support->reason, sizeof(support->reason),
				 "libnuma reports NUMA as unavailable (get_mempolicy: %s); memory is left to the kernel's default policy",
				 err ? strerror(err) : "no error");
	}
	else if ((err = mempolicy_errno()) != 0)
	{
		support->mode = NUMAPG_MODE_UNAVAILABLE;
		snprintf(support->reason, sizeof(support->reason),
				 "the NUMA system calls are refused (get_mempolicy: %s), as under a container's seccomp profile; memory is left to the kernel's default policy",
				 strerror(err));
	}
	else
	{
		support->libnuma_usable = true;
		nodes = numapg_topology_usable_memory_nodes(topo);
		if (nodes > 1)
			support->mode = NUMAPG_MODE_NUMA;
		else
		{
			support->mode = NUMAPG_MODE_SINGLE_NODE;
			if (topo->node_count > 1)
			{
				char		allowed[384];

				numapg_describe_mems_restriction(topo, allowed, sizeof(allowed));
				snprintf(support->reason, sizeof(support->reason),
						 "%d NUMA nodes, but this server may allocate memory on only one, node %s; there is nothing to place",
						 topo->node_count, allowed);
			}
			else
				snprintf(support->reason, sizeof(support->reason),
						 "this machine has one NUMA node; there is nothing to place");
		}
	}

	if (numapg_preloaded && !numapg_enabled)
	{
		support->mode = NUMAPG_MODE_DISABLED;
		snprintf(support->reason, sizeof(support->reason),
				 "numa_pg.enabled is off");
	}
}

/* "12345 MB" or "none" for huge pages of a size the kernel does not offer */
static void
format_hugepages(char *buf, size_t len, int64_t total, int64_t free_pages)
{
	if (total < 0)
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%lld of %lld free", (long long) free_pages,
				 (long long) total);
}

/* A check's warning or problem as a start-up WARNING; nothing if ok. */
static void
warn_if_not_ok(const NumaPgCheckResult *r)
{
	if (r->status != NUMAPG_CHECK_WARNING && r->status != NUMAPG_CHECK_PROBLEM)
		return;
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("numa_pg: %s", r->found),
			 errdetail("%s", r->why),
			 errhint("%s", r->action)));
}

/*
 * Warn about what makes NUMA placement go wrong whatever numa_pg does:
 * zone reclaim, and free memory that is badly imbalanced across nodes.
 * These are numa_check()'s checks of the same name (numa_check.c), so the
 * log and the function say the same.
 */
static void
warn_about_memory(const NumaPgTopology *topo)
{
	NumaPgCheckFacts *facts = palloc(sizeof(NumaPgCheckFacts));
	NumaPgCheckResult result;

	numapg_check_facts_init(facts);
	facts->topo = topo;
	numapg_check_read_kernel("/", facts);
	numapg_check_zone_reclaim(facts, &result);
	warn_if_not_ok(&result);
	numapg_check_free_memory(facts, &result);
	warn_if_not_ok(&result);
	pfree(facts);
}

/*
 * Say at start what the memory policy the server was started under means
 * for numa_pg.  A bind restricts it, as a cpuset does.  Interleave and
 * preferred are preferences: they stay in force for the memory numa_pg
 * does not place (the backends' private memory, and PostgreSQL's shared
 * memory while numa_pg.shared_memory_policy is default), and give way to
 * numa_pg's own placements, which are settings the DBA made for them.
 */
static void
log_inherited_policy(const NumaPgTopology *topo)
{
	const NumaPgTaskPolicy *policy = &topo->task_policy;
	char		nodes[256];
	char		allowed[384];

	numapg_format_list(&policy->nodes, nodes, sizeof(nodes));
	switch (policy->mode)
	{
		case NUMAPG_TASK_POLICY_DEFAULT:
		case NUMAPG_TASK_POLICY_LOCAL:
		case NUMAPG_TASK_POLICY_UNKNOWN:
			return;
		case NUMAPG_TASK_POLICY_BIND:
			numapg_describe_mems_restriction(topo, allowed, sizeof(allowed));
			ereport(LOG,
					(errmsg("numa_pg: this server was started under memory policy bind to nodes %s, so numa_pg places memory on nodes %s only",
							nodes, allowed)));
			return;
		default:
			ereport(LOG,
					(errmsg("numa_pg: this server was started under memory policy %s on nodes %s",
							numapg_task_policy_name(policy->mode), nodes),
					 errdetail("It applies to the memory numa_pg does not place: the backends' private memory, and PostgreSQL's shared memory while numa_pg.shared_memory_policy is default. numa_pg's regions, pools and workers, and a numa_pg.shared_memory_policy other than default, are placed as configured.")));
			return;
	}
}

/*
 * Log the topology once, at server start, one line per node.  Never fails
 * the start: a topology that cannot be read is logged as such.
 */
void
numapg_log_topology(void)
{
	NumaPgTopology *topo;
	NumaPgSupport support;
	char		err[512];
	char		allowed_cpus[1024];
	char		allowed_mems[256];

	topo = palloc(sizeof(NumaPgTopology));
	if (!numapg_topology_read_live(topo, err, sizeof(err)))
	{
		ereport(LOG,
				(errmsg("numa_pg: could not read the NUMA topology"),
				 errdetail("%s.", err)));
		pfree(topo);
		return;
	}
	numapg_probe_support(topo, &support);
	numapg_format_list(&topo->cpus_allowed, allowed_cpus, sizeof(allowed_cpus));
	numapg_format_list(&topo->mems_allowed, allowed_mems, sizeof(allowed_mems));

	ereport(LOG,
			(errmsg("numa_pg: %d NUMA node(s), mode %s%s%s; this server may run on CPUs %s and allocate on nodes %s",
					topo->node_count, numapg_mode_name(support.mode),
					support.reason[0] ? ": " : "", support.reason,
					allowed_cpus, allowed_mems)));

	for (int i = 0; i < topo->node_count; i++)
	{
		NumaPgNode *node = &topo->nodes[i];
		char		cpus[1024];
		char		hp2[64];
		char		hp1[64];
		StringInfoData dist;

		numapg_format_list(&node->cpus, cpus, sizeof(cpus));
		format_hugepages(hp2, sizeof(hp2), node->hugepages_2mb_total,
						 node->hugepages_2mb_free);
		format_hugepages(hp1, sizeof(hp1), node->hugepages_1gb_total,
						 node->hugepages_1gb_free);
		initStringInfo(&dist);
		for (int j = 0; j < topo->node_count; j++)
			appendStringInfo(&dist, "%s%d", j ? " " : "", node->distances[j]);

		if (node->has_memory)
			ereport(LOG,
					(errmsg("numa_pg: node %d: CPUs %s, memory %lld MB (%lld MB free), huge pages 2 MB: %s, 1 GB: %s, distances %s",
							node->id, cpus[0] ? cpus : "none",
							(long long) (node->memory_total >> 20),
							(long long) (node->memory_free >> 20),
							hp2, hp1, dist.data)));
		else
			ereport(LOG,
					(errmsg("numa_pg: node %d: CPUs %s, no memory (memoryless node), distances %s",
							node->id, cpus[0] ? cpus : "none", dist.data)));
		pfree(dist.data);
	}
	log_inherited_policy(topo);
	warn_about_memory(topo);
	pfree(topo);
}

/*
 * libnuma prints its warnings and errors to stderr, where nobody reads
 * them and the log has no trace.  These definitions take precedence over
 * libnuma's weak ones and turn them into WARNINGs (never ERRORs: libnuma
 * calls them from the middle of its own functions, which must return).
 *
 * They must be exported: since 16 PGXS builds modules with
 * -fvisibility=hidden, and a hidden definition does not take libnuma's
 * place (PGDLLEXPORT makes them visible).  numa.h declares numa_warn()
 * without a format attribute; since 16 PostgreSQL's vsnprintf() has one, so
 * GCC wants it here too (-Wmissing-format-attribute).
 */
extern PGDLLEXPORT void numa_warn(int num, char *fmt,...) pg_attribute_printf(2, 3);
extern PGDLLEXPORT void numa_error(char *where);

/* libnuma's hook for its warnings: a WARNING, with libnuma's number. */
void
numa_warn(int num, char *fmt,...)
{
	va_list		ap;
	char		msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* libnuma ends its messages with a newline */
	msg[strcspn(msg, "\n")] = '\0';
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("libnuma: %s", msg),
			 errdetail("libnuma warning number %d.", num)));
}

/* libnuma's hook for a failed system call: a WARNING with errno's text. */
void
numa_error(char *where)
{
	/* ereport keeps errno for %m */
	ereport(WARNING,
			(errcode(ERRCODE_SYSTEM_ERROR),
			 errmsg("libnuma: %s failed: %m", where)));
}
