/*-------------------------------------------------------------------------
 *
 * node_stats.c
 *		Read the kernel's NUMA counters: nodeN/numastat and /proc/vmstat.
 *
 *	sys/devices/system/node/online			the nodes
 *	sys/devices/system/node/nodeN/numastat	"numa_hit 123" lines: what
 *											numastat(8) prints per node
 *	proc/vmstat								"name value" lines; those of
 *											NUMA allocation, balancing,
 *											migration, demotion and zone
 *											reclaim are kept
 *
 * Both files are lines of a name and a decimal count.  A line that is not
 * (the kernel writes none) makes the file unreadable, with its number in
 * the message: a report made of half a file would mislead.  Counters the
 * kernel adds in later versions are accepted: numastat's extra ones are
 * left out of its six columns, vmstat's are kept, marked undocumented.
 *
 * IDENTIFICATION
 *	  src/node_stats.c
 *
 *-------------------------------------------------------------------------
 */
#include "node_stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "topology.h"

const char *const numapg_numastat_names[NUMAPG_NUMASTAT_COUNTERS] = {
	"numa_hit", "numa_miss", "numa_foreign", "interleave_hit",
	"local_node", "other_node"
};

/*
 * The NUMA counters of /proc/vmstat that numa_pg documents.  The kernel's
 * own sources (mm/vmstat.c, mm/mempolicy.c, mm/migrate.c) say what each
 * counts; the allocation counters count pages since 4.14 (each page of a
 * multi-page allocation).
 */
static const NumaPgCounterInfo vmstat_info[] = {
	{"numa_hit", "pages", "allocated on the node the allocation wanted (all nodes: the sum of numastat's numa_hit)"},
	{"numa_miss", "pages", "allocated on a node other than the one wanted, because that one was short of memory"},
	{"numa_foreign", "pages", "wanted on a node but allocated on another (numa_miss seen from the node that was wanted)"},
	{"numa_interleave", "pages", "allocated under an interleave policy on the node it chose (numastat's interleave_hit)"},
	{"numa_local", "pages", "allocated on the node of the CPU that asked (numastat's local_node)"},
	{"numa_other", "pages", "allocated on a node other than the asking CPU's (numastat's other_node)"},
	{"numa_pte_updates", "pages", "page table entries automatic NUMA balancing made inaccessible to sample where pages are used (a huge page counts its 4 kB pages)"},
	{"numa_huge_pte_updates", "events", "huge page (PMD) entries among numa_pte_updates"},
	{"numa_hint_faults", "events", "NUMA hinting faults: accesses to those entries, taken by automatic NUMA balancing"},
	{"numa_hint_faults_local", "events", "hinting faults on a page already on the faulting CPU's node"},
	{"numa_pages_migrated", "pages", "pages automatic NUMA balancing moved to the node of the CPU that used them"},
	{"pgmigrate_success", "pages", "pages migrated between nodes for any reason (balancing, move_pages, mbind, compaction, demotion)"},
	{"pgmigrate_fail", "pages", "pages a migration failed to move"},
	{"thp_migration_success", "events", "transparent huge pages migrated whole"},
	{"thp_migration_fail", "events", "transparent huge pages that could not be migrated"},
	{"thp_migration_split", "events", "transparent huge pages split to be migrated"},
	{"pgdemote_kswapd", "pages", "pages moved to a slower memory tier by kswapd (memory tiering)"},
	{"pgdemote_direct", "pages", "pages moved to a slower memory tier by direct reclaim"},
	{"pgdemote_khugepaged", "pages", "pages moved to a slower memory tier by khugepaged"},
	{"pgdemote_proactive", "pages", "pages moved to a slower memory tier by proactive reclaim"},
	{"pgpromote_success", "pages", "pages moved to a faster memory tier by NUMA balancing in tiering mode"},
	{"pgpromote_candidate", "pages", "pages found worth promoting to a faster tier"},
	{"pgpromote_candidate_nrl", "pages", "promotion candidates not subject to the promotion rate limit"},
	{"zone_reclaim_success", "events", "zone reclaims (vm.zone_reclaim_mode) that freed enough memory on the node"},
	{"zone_reclaim_failed", "events", "zone reclaims that did not free enough, after which the allocation went to another node"},
};

/* Name prefixes of /proc/vmstat's NUMA counters, documented or not. */
static const char *const vmstat_prefixes[] = {
	"numa_", "pgmigrate_", "thp_migration_", "pgdemote_", "pgpromote_",
	"zone_reclaim_"
};

/*
 * Parse "name value" lines (what names the text in messages).  Fills at
 * most max counters into out, setting *n.  Returns false, saying which
 * line, when a line is not a name and a non-negative decimal count, or
 * when there are more than max.
 */
bool
numapg_parse_counters(const char *text, const char *what, NumaPgCounter *out,
					  int max, int *n, char *errbuf, size_t errlen)
{
	const char *line = text;
	int			lineno = 0;

	*n = 0;
	while (*line)
	{
		const char *eol = strchr(line, '\n');
		size_t		len = eol ? (size_t) (eol - line) : strlen(line);
		size_t		namelen = 0;
		const char *p;
		char	   *end;
		long long	v;
		char		num[32];
		size_t		numlen;

		lineno++;
		if (len == 0)
			goto next;
		while (namelen < len && line[namelen] != ' ')
		{
			char		c = line[namelen];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				  (c >= '0' && c <= '9') || c == '_'))
				break;
			namelen++;
		}
		p = line + namelen;
		if (namelen == 0 || namelen >= sizeof(out->name) || *p != ' ')
			return numapg_errorf(errbuf, errlen,
								 "Line %d of %s is not a counter name and a count", lineno, what);
		while (p < line + len && *p == ' ')
			p++;
		numlen = (size_t) (line + len - p);
		if (numlen == 0 || numlen >= sizeof(num) || *p < '0' || *p > '9')
			return numapg_errorf(errbuf, errlen,
								 "Line %d of %s is not a counter name and a count", lineno, what);
		memcpy(num, p, numlen);
		num[numlen] = '\0';
		errno = 0;
		v = strtoll(num, &end, 10);
		if (errno != 0 || *end != '\0' || v < 0)
			return numapg_errorf(errbuf, errlen,
								 "Line %d of %s is not a counter name and a count", lineno, what);
		if (*n >= max)
			return numapg_errorf(errbuf, errlen,
								 "%s has more than %d counters", what, max);
		memcpy(out[*n].name, line, namelen);
		out[*n].name[namelen] = '\0';
		out[*n].value = (int64_t) v;
		(*n)++;
next:
		if (eol == NULL)
			break;
		line = eol + 1;
	}
	return true;
}

/*
 * The online nodes, from sys/devices/system/node/online.  A kernel without
 * NUMA has no such file: true, with no node.  False when it cannot be
 * parsed.
 */
bool
numapg_numa_nodes(const char *root, NumaPgMask *nodes, char *errbuf,
				  size_t errlen)
{
	char		buf[4096];
	char		why[256];

	numapg_mask_clear(nodes);
	if (!numapg_read_small_file(root, "sys/devices/system/node/online", buf,
								sizeof(buf)))
		return true;
	if (!numapg_parse_list(buf, NUMAPG_LIST_NODES, nodes, why, sizeof(why)))
		return numapg_errorf(errbuf, errlen,
							 "Could not parse %s/sys/devices/system/node/online: %s",
							 root, why);
	return true;
}

/* The value of counter "name" among counters[0..n-1], or -1. */
int64_t
numapg_counter_value(const NumaPgCounter *counters, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(counters[i].name, name) == 0)
			return counters[i].value;
	return -1;
}

/*
 * Node "node"'s numastat counters, in numapg_numastat_names' order; -1 for
 * one the file lacks.  A node without a numastat file (no such node, or a
 * kernel that does not write it) has -1 everywhere and is not an error;
 * a file that cannot be parsed is.
 */
bool
numapg_node_stats_read(const char *root, int node,
					   int64_t values[NUMAPG_NUMASTAT_COUNTERS],
					   char *errbuf, size_t errlen)
{
	char		rel[128];
	char		what[4200];
	char		buf[8192];
	NumaPgCounter counters[64];
	int			n;

	for (int i = 0; i < NUMAPG_NUMASTAT_COUNTERS; i++)
		values[i] = -1;
	snprintf(rel, sizeof(rel), "sys/devices/system/node/node%d/numastat", node);
	if (!numapg_read_small_file(root, rel, buf, sizeof(buf)))
		return true;
	snprintf(what, sizeof(what), "%s/%s", root, rel);
	if (!numapg_parse_counters(buf, what, counters, 64, &n, errbuf, errlen))
		return false;
	for (int i = 0; i < NUMAPG_NUMASTAT_COUNTERS; i++)
		values[i] = numapg_counter_value(counters, n, numapg_numastat_names[i]);
	return true;
}

/* Is this /proc/vmstat counter about NUMA (allocation, balancing, migration...)? */
bool
numapg_vmstat_is_numa(const char *name)
{
	for (size_t i = 0; i < sizeof(vmstat_prefixes) / sizeof(vmstat_prefixes[0]); i++)
		if (strncmp(name, vmstat_prefixes[i], strlen(vmstat_prefixes[i])) == 0)
			return true;
	return false;
}

/* What a /proc/vmstat counter counts, or NULL if numa_pg does not know it. */
const NumaPgCounterInfo *
numapg_vmstat_info(const char *name)
{
	for (size_t i = 0; i < sizeof(vmstat_info) / sizeof(vmstat_info[0]); i++)
		if (strcmp(vmstat_info[i].name, name) == 0)
			return &vmstat_info[i];
	return NULL;
}

/*
 * The NUMA counters of proc/vmstat, in the file's order.  False when the
 * file cannot be read or parsed.
 */
bool
numapg_vmstat_read(const char *root, NumaPgCounter *out, int max, int *n,
				   char *errbuf, size_t errlen)
{
	static char buf[65536];
	static NumaPgCounter all[512];
	char		what[4200];
	int			nall;

	*n = 0;
	snprintf(what, sizeof(what), "%s/proc/vmstat", root);
	if (!numapg_read_small_file(root, "proc/vmstat", buf, sizeof(buf)))
		return numapg_errorf(errbuf, errlen, "Could not read %s: %s", what,
							 strerror(errno));
	if (!numapg_parse_counters(buf, what, all, 512, &nall, errbuf, errlen))
		return false;
	for (int i = 0; i < nall; i++)
	{
		if (!numapg_vmstat_is_numa(all[i].name))
			continue;
		if (*n >= max)
			return numapg_errorf(errbuf, errlen,
								 "%s has more than %d NUMA counters", what, max);
		out[(*n)++] = all[i];
	}
	return true;
}
