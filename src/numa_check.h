/*-------------------------------------------------------------------------
 *
 * numa_check.h
 *		The NUMA health checks of numa_check(), and of the warnings logged
 *		at start: from facts, a status, what was found, why it matters and
 *		what to do.
 *
 * The decisions are pure (no PostgreSQL header), so that the unit tests
 * can give each check the facts of machines and servers we do not have.
 * The kernel's facts are read from files under a root directory
 * (numapg_check_read_kernel); the server's (its policy, its workers, where
 * its segment is) are gathered by the SQL function.
 *
 * IDENTIFICATION
 *	  src/numa_check.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_NUMA_CHECK_H
#define NUMAPG_NUMA_CHECK_H

#include "policy_spec.h"
#include "topology.h"

typedef enum NumaPgCheckStatus
{
	NUMAPG_CHECK_OK,
	NUMAPG_CHECK_WARNING,
	NUMAPG_CHECK_PROBLEM,
	NUMAPG_CHECK_SKIPPED
} NumaPgCheckStatus;

typedef struct NumaPgCheckResult
{
	const char *name;
	NumaPgCheckStatus status;
	char		found[768];
	char		why[512];
	char		action[512];
} NumaPgCheckResult;

/* huge_pages, as PostgreSQL's parameter */
typedef enum NumaPgHugePagesSetting
{
	NUMAPG_HUGE_PAGES_OFF,
	NUMAPG_HUGE_PAGES_TRY,
	NUMAPG_HUGE_PAGES_ON
} NumaPgHugePagesSetting;

/* One worker as numa_workers() sees it. */
typedef struct NumaPgCheckWorker
{
	int			cpu;			/* the CPU it was planned on */
	bool		running;
	bool		pinned;			/* it says it pinned itself */
	bool		affinity_exact; /* sched_getaffinity is {cpu} exactly */
} NumaPgCheckWorker;

#define NUMAPG_CHECK_MAX_WORKERS 256

typedef struct NumaPgCheckFacts
{
	/* the kernel's (numapg_check_read_kernel); -1 or "" when unknown */
	const NumaPgTopology *topo; /* NULL when it could not be read */
	int			zone_reclaim_mode;
	int			numa_balancing;
	int64_t		numa_pages_migrated;
	char		thp_enabled[32];	/* the bracketed word: always, madvise,
									 * never */
	int64_t		swap_total;		/* bytes */
	int64_t		swap_free;
	bool		packages_known; /* physical_package_id of every online CPU */
	int			cpu_package[NUMAPG_MAX_CPUS];

	/* the server's */
	bool		preloaded;		/* numa_pg preloaded and enabled */
	const char *policy_text;	/* numa_pg.shared_memory_policy */
	NumaPgPolicySpec policy;
	int			nworkers;
	NumaPgCheckWorker workers[NUMAPG_CHECK_MAX_WORKERS];
	bool		segment_known;	/* the pages below were read */
	char		segment_unknown_why[256];
	int64_t		segment_pages[NUMAPG_TOPO_MAX_NODES];	/* by node index */
	int64_t		segment_not_faulted;
	size_t		segment_page_size;
	NumaPgHugePagesSetting huge_pages;
	size_t		huge_page_size; /* bytes */
	int64_t		shared_memory_bytes;	/* the segment's size */
	/* numa_pg.backend_placement: does it place backends, and spread them */
	bool		placement_on;
	bool		placement_spread;
	int			placed[NUMAPG_TOPO_MAX_NODES];	/* by node index, now */
	bool		placeable[NUMAPG_TOPO_MAX_NODES];	/* backends can go there */
} NumaPgCheckFacts;

/* The checks numa_check() makes, at most. */
#define NUMAPG_CHECK_COUNT 12

extern const char *numapg_check_status_name(NumaPgCheckStatus status);
extern void numapg_check_facts_init(NumaPgCheckFacts *facts);
extern void numapg_check_read_kernel(const char *root, NumaPgCheckFacts *facts);
extern void numapg_check_zone_reclaim(const NumaPgCheckFacts *f, NumaPgCheckResult *r);
extern void numapg_check_free_memory(const NumaPgCheckFacts *f, NumaPgCheckResult *r);
extern int	numapg_run_checks(const NumaPgCheckFacts *facts,
							  NumaPgCheckResult *out);

#endif							/* NUMAPG_NUMA_CHECK_H */
