/*-------------------------------------------------------------------------
 *
 * policy_spec.h
 *		The text of numa_pg.shared_memory_policy: "default", "interleave",
 *		"interleave:<nodes>", "bind:<nodes>" or "preferred:<node>".
 *
 * Pure C (no PostgreSQL header): unit-tested directly.
 *
 * IDENTIFICATION
 *	  src/policy_spec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_POLICY_SPEC_H
#define NUMAPG_POLICY_SPEC_H

#include "nodemask.h"

typedef enum NumaPgSpecKind
{
	NUMAPG_SPEC_DEFAULT,		/* leave PostgreSQL's memory alone */
	NUMAPG_SPEC_INTERLEAVE,		/* over "nodes", or all usable if all_nodes */
	NUMAPG_SPEC_BIND,			/* only on "nodes" */
	NUMAPG_SPEC_PREFERRED		/* on the one node of "nodes", else anywhere */
} NumaPgSpecKind;

typedef struct NumaPgPolicySpec
{
	NumaPgSpecKind kind;
	bool		all_nodes;		/* "interleave" without a list */
	NumaPgMask	nodes;
} NumaPgPolicySpec;

extern bool numapg_parse_policy_spec(const char *text, NumaPgPolicySpec *spec,
									 char *errbuf, size_t errlen);

#endif							/* NUMAPG_POLICY_SPEC_H */
