/*-------------------------------------------------------------------------
 *
 * node_stats.h
 *		The kernel's NUMA counters: per node (nodeN/numastat, as numastat
 *		prints them) and machine-wide (the NUMA lines of /proc/vmstat).
 *
 * Everything is read under a root directory ("/" on a live system) so that
 * the C unit tests can replay fixture trees.  Pure C: no PostgreSQL header.
 *
 * IDENTIFICATION
 *	  src/node_stats.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_NODE_STATS_H
#define NUMAPG_NODE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodemask.h"

/* The counters of nodeN/numastat, in numastat's order. */
#define NUMAPG_NUMASTAT_COUNTERS 6
extern const char *const numapg_numastat_names[NUMAPG_NUMASTAT_COUNTERS];

/* Most NUMA counters one /proc/vmstat holds (6.18 has 25). */
#define NUMAPG_VMSTAT_MAX	64

typedef struct NumaPgCounter
{
	char		name[64];
	int64_t		value;
} NumaPgCounter;

/* What a counter of /proc/vmstat counts, as numa_vmstat() documents it. */
typedef struct NumaPgCounterInfo
{
	const char *name;
	const char *unit;			/* "pages" or "events" */
	const char *description;
} NumaPgCounterInfo;

extern bool numapg_parse_counters(const char *text, const char *what,
								  NumaPgCounter *out, int max, int *n,
								  char *errbuf, size_t errlen);
extern bool numapg_numa_nodes(const char *root, NumaPgMask *nodes,
							  char *errbuf, size_t errlen);
extern bool numapg_node_stats_read(const char *root, int node,
								   int64_t values[NUMAPG_NUMASTAT_COUNTERS],
								   char *errbuf, size_t errlen);
extern bool numapg_vmstat_is_numa(const char *name);
extern const NumaPgCounterInfo *numapg_vmstat_info(const char *name);
extern bool numapg_vmstat_read(const char *root, NumaPgCounter *out, int max,
							   int *n, char *errbuf, size_t errlen);
extern int64_t numapg_counter_value(const NumaPgCounter *counters, int n,
									const char *name);

#endif							/* NUMAPG_NODE_STATS_H */
