/*-------------------------------------------------------------------------
 *
 * nodemask.h
 *		Bitmaps of CPU or node ids, and the kernel's list syntax for them.
 *
 * A NumaPgMask holds a set of small non-negative ids (CPUs or NUMA nodes).
 * The list syntax is the one the kernel prints in sysfs and accepts in
 * cpusets: comma-separated ids and inclusive ranges, e.g. "0-3,8,10-11".
 *
 * This module is pure C: it includes no PostgreSQL header, so the C unit
 * tests link it directly and the GUC check hooks reuse it.
 *
 * IDENTIFICATION
 *	  src/nodemask.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_NODEMASK_H
#define NUMAPG_NODEMASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest CPU id + 1 we handle: Debian's kernels set CONFIG_NR_CPUS=8192. */
#define NUMAPG_MAX_CPUS		8192
/* Largest node id + 1 we handle: CONFIG_NODES_SHIFT=10 gives 1024. */
#define NUMAPG_MAX_NODES	1024

#define NUMAPG_MASK_WORDS	(NUMAPG_MAX_CPUS / 64)

typedef struct NumaPgMask
{
	uint64_t	words[NUMAPG_MASK_WORDS];
} NumaPgMask;

/* What a parsed list may contain; used in error messages. */
typedef enum NumaPgListKind
{
	NUMAPG_LIST_CPUS,
	NUMAPG_LIST_NODES
} NumaPgListKind;

extern void numapg_mask_clear(NumaPgMask *mask);
extern void numapg_mask_set(NumaPgMask *mask, int id);
extern bool numapg_mask_test(const NumaPgMask *mask, int id);
extern int	numapg_mask_count(const NumaPgMask *mask);
extern int	numapg_mask_next(const NumaPgMask *mask, int after);
extern void numapg_mask_and(NumaPgMask *dst, const NumaPgMask *a,
							const NumaPgMask *b);
extern bool numapg_mask_is_subset(const NumaPgMask *sub,
								  const NumaPgMask *super, int *first_missing);

extern bool numapg_parse_list(const char *text, NumaPgListKind kind,
							  NumaPgMask *out, char *errbuf, size_t errlen);
extern size_t numapg_format_list(const NumaPgMask *mask, char *buf,
								 size_t buflen);

#endif							/* NUMAPG_NODEMASK_H */
