/*-------------------------------------------------------------------------
 *
 * check_sql.c
 *		numa_check(): the NUMA health checks, one row each.
 *
 * This file gathers the facts (the kernel's files, the topology this
 * server may use, numa_pg's settings and workers, and from the kernel where
 * the pages of shared buffers are) and numa_check.c decides.  Asking where
 * shared buffers are faults nothing in (placement.c: mincore, then
 * move_pages on the pages that exist).
 *
 * IDENTIFICATION
 *	  src/check_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include <errno.h>
#include <sched.h>

#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/tuplestore.h"

#include "backend_placement.h"
#include "guc.h"
#include "live_topology.h"
#include "numa_check.h"
#include "numa_support.h"
#include "placement.h"
#include "pool_plan.h"
#include "registry.h"
#include "worker_plan.h"

PG_FUNCTION_INFO_V1(numapg_sql_check);

/* An integer parameter of PostgreSQL's, or -1 when it has none of that name. */
static int64
int_setting(const char *name)
{
	const char *value = GetConfigOption(name, true, false);

	return value ? strtoll(value, NULL, 10) : -1;
}

/* huge_pages, as numa_check.c takes it */
static NumaPgHugePagesSetting
huge_pages_setting(void)
{
	const char *value = GetConfigOption("huge_pages", true, false);

	if (value && strcmp(value, "on") == 0)
		return NUMAPG_HUGE_PAGES_ON;
	if (value && strcmp(value, "try") == 0)
		return NUMAPG_HUGE_PAGES_TRY;
	return NUMAPG_HUGE_PAGES_OFF;
}

/*
 * The huge page size PostgreSQL asks for: huge_page_size, or the kernel's
 * default (Hugepagesize in /proc/meminfo) when it is 0.
 */
static size_t
huge_page_bytes(void)
{
	int64		kb = int_setting("huge_page_size");
	char		meminfo[16384];

	if (kb > 0)
		return (size_t) kb << 10;
	if (numapg_read_small_file("/", "proc/meminfo", meminfo, sizeof(meminfo)))
	{
		int64		bytes = numapg_meminfo_bytes(meminfo, "Hugepagesize");

		if (bytes > 0)
			return (size_t) bytes;
	}
	return 0;
}

/* numa_pg's workers: their planned CPU, and whether each is pinned to it. */
static void
gather_workers(NumaPgCheckFacts *f)
{
	f->nworkers = Min(numapg_shared->nworkers, NUMAPG_CHECK_MAX_WORKERS);
	for (int w = 0; w < f->nworkers; w++)
	{
		NumaPgWorkerSlot slot;
		NumaPgCheckWorker *k = &f->workers[w];
		cpu_set_t	set;

		LWLockAcquire(numapg_shared->lock, LW_SHARED);
		slot = numapg_shared->workers[w];
		LWLockRelease(numapg_shared->lock);
		k->cpu = slot.cpu;
		k->running = slot.pid != 0;
		k->pinned = k->running && slot.pinned;
		k->affinity_exact = k->running &&
			sched_getaffinity(slot.pid, sizeof(set), &set) == 0 &&
			CPU_COUNT(&set) == 1 && slot.cpu >= 0 && slot.cpu < CPU_SETSIZE &&
			CPU_ISSET(slot.cpu, &set);
	}
}

/* Where the pages of shared buffers are, per node index of the topology. */
static void
gather_buffers(NumaPgCheckFacts *f, bool libnuma_usable)
{
	size_t		page_size = numapg_page_size_of(BufferBlocks);
	char	   *start = (char *) TYPEALIGN_DOWN(page_size, BufferBlocks);
	char	   *end = (char *) TYPEALIGN(page_size, BufferBlocks + (Size) NBuffers * BLCKSZ);
	NumaPgPageCounts *counts;
	int			err;

	if (!libnuma_usable)
	{
		snprintf(f->segment_unknown_why, sizeof(f->segment_unknown_why),
				 "the NUMA system calls do not work here (see numa_status()): where shared buffers are cannot be asked");
		return;
	}
	counts = palloc0(sizeof(NumaPgPageCounts));
	err = numapg_query_range(start, end - start, page_size, counts);
	if (err != 0)
	{
		snprintf(f->segment_unknown_why, sizeof(f->segment_unknown_why),
				 "the kernel did not say where shared buffers are: %s", strerror(err));
		pfree(counts);
		return;
	}
	f->segment_known = true;
	f->segment_page_size = page_size;
	f->segment_not_faulted = counts->not_present;
	for (int i = 0; i < f->topo->node_count; i++)
		f->segment_pages[i] = f->topo->nodes[i].id < NUMAPG_MAX_NODES
			? counts->per_node[f->topo->nodes[i].id] : 0;
	pfree(counts);
}

/*
 * numa_check(): one row per check (name, status, found, why, action).
 */
/*
 * What numa_pg.backend_placement does, and the backends it placed now on
 * each node of facts->topo (matched by node id with the postmaster's
 * topology, which the counts are kept by).
 */
static void
gather_placement(NumaPgCheckFacts *facts)
{
	const NumaPgPlacementRules *rules = numapg_backend_placement_rules;
	const NumaPgTopology *plan = numapg_pool_topology();
	int			placed[NUMAPG_TOPO_MAX_NODES];
	int			followers[NUMAPG_TOPO_MAX_NODES];
	int			nnodes;

	for (int r = 0; rules != NULL && r < rules->nrules; r++)
	{
		if (rules->rules[r].target != NUMAPG_PLACE_OFF)
			facts->placement_on = true;
		if (rules->rules[r].target == NUMAPG_PLACE_SPREAD)
			facts->placement_spread = true;
	}
	nnodes = numapg_backend_placement_counts(placed, followers);
	if (plan == NULL || facts->topo == NULL)
		return;
	for (int i = 0; i < facts->topo->node_count; i++)
	{
		int			id = facts->topo->nodes[i].id;
		int			j = numapg_topology_index_of_node(plan, id);
		NumaPgMask	cpus;

		if (j < 0 || j >= nnodes)
			continue;
		facts->placeable[i] = numapg_node_can_host(plan, j, &cpus);
		facts->placed[i] = placed[j];
	}
}

Datum
numapg_sql_check(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NumaPgCheckFacts *facts = palloc(sizeof(NumaPgCheckFacts));
	NumaPgCheckResult *results = palloc(sizeof(NumaPgCheckResult) * NUMAPG_CHECK_COUNT);
	NumaPgSupport support;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	numapg_check_facts_init(facts);
	facts->topo = numapg_read_topology();
	numapg_probe_support(facts->topo, &support);
	numapg_check_read_kernel("/", facts);

	facts->preloaded = numapg_preloaded && numapg_enabled && numapg_shared != NULL;
	if (facts->preloaded)
	{
		char		err[256];

		facts->policy_text = numapg_shared_memory_policy;
		/* the check hook accepted it at start: it parses */
		if (!numapg_parse_policy_spec(numapg_shared_memory_policy, &facts->policy,
									  err, sizeof(err)))
			facts->policy.kind = NUMAPG_SPEC_DEFAULT;
		gather_workers(facts);
		gather_placement(facts);
	}
	else
		facts->policy_text = "default (numa_pg is not preloaded or is disabled)";
	gather_buffers(facts, support.libnuma_usable);
	facts->huge_pages = huge_pages_setting();
	facts->huge_page_size = huge_page_bytes();
	facts->shared_memory_bytes = int_setting("shared_memory_size") << 20;

	n = numapg_run_checks(facts, results);
	for (int i = 0; i < n; i++)
	{
		NumaPgCheckResult *r = &results[i];
		Datum		values[5];
		bool		nulls[5] = {0};

		values[0] = CStringGetTextDatum(r->name);
		values[1] = CStringGetTextDatum(numapg_check_status_name(r->status));
		values[2] = CStringGetTextDatum(r->found);
		values[3] = CStringGetTextDatum(r->why);
		nulls[3] = r->why[0] == '\0';
		values[4] = CStringGetTextDatum(r->action);
		nulls[4] = r->action[0] == '\0';
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(results);
	pfree(facts);
	return (Datum) 0;
}
