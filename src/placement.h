/*-------------------------------------------------------------------------
 *
 * placement.h
 *		Put memory on NUMA nodes, and ask the kernel where it really is.
 *
 * IDENTIFICATION
 *	  src/placement.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_PLACEMENT_H
#define NUMAPG_PLACEMENT_H

#include "nodemask.h"
#include "topology.h"

typedef enum NumaPgPolicy
{
	NUMAPG_POLICY_DEFAULT,		/* leave it to the kernel (first touch) */
	NUMAPG_POLICY_PREFERRED,	/* on the node, fall back if it is full */
	NUMAPG_POLICY_BIND,			/* on the node, or fail */
	NUMAPG_POLICY_INTERLEAVE	/* page by page over the nodes */
} NumaPgPolicy;

/* Where the pages of a range are, from the kernel. */
typedef struct NumaPgPageCounts
{
	int64_t		pages;			/* pages in the range */
	int64_t		not_present;	/* never faulted in (or swapped out) */
	int64_t		unknown;		/* present, but the kernel gave no node */
	int64_t		per_node[NUMAPG_MAX_NODES];
} NumaPgPageCounts;

extern const char *numapg_policy_name(NumaPgPolicy policy);
extern int	numapg_bind_range(void *addr, size_t len, NumaPgPolicy policy,
							  const NumaPgMask *nodes);
extern int	numapg_set_local_policy(void);
extern int	numapg_set_node_policy(int node, bool bind);
extern bool numapg_read_task_policy(NumaPgTaskPolicy *policy);
extern void numapg_prefault(void *addr, size_t len, size_t page_size);
extern int	numapg_populate(void *addr, size_t len, size_t page_size);
extern int	numapg_query_pages(const void *addr, size_t npages, size_t page_size,
							   int *status);
extern int	numapg_query_page_list(void *const *pages, size_t n, size_t page_size,
								   int *status);
extern int	numapg_query_range(const void *addr, size_t len, size_t page_size,
							   NumaPgPageCounts *counts);
extern size_t numapg_page_size_of(const void *addr);
extern bool numapg_mapping_of(const void *addr, char **start, size_t *len,
							  unsigned long *inode);
extern int	numapg_interleave_existing(void *addr, size_t len, size_t page_size,
									   const NumaPgMask *nodes, unsigned long bias,
									   int64_t *moved);

#endif							/* NUMAPG_PLACEMENT_H */
