/*-------------------------------------------------------------------------
 *
 * placement_rules.h
 *		The text of numa_pg.backend_placement: which NUMA node a new client
 *		backend goes to, by its database and role.
 *
 * Pure C (no PostgreSQL header): unit-tested directly.
 *
 * IDENTIFICATION
 *	  src/placement_rules.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_PLACEMENT_RULES_H
#define NUMAPG_PLACEMENT_RULES_H

#include <stdbool.h>
#include <stddef.h>

/* at most this many rules; names as long as PostgreSQL's (NAMEDATALEN - 1) */
#define NUMAPG_MAX_PLACEMENT_RULES	32
#define NUMAPG_PLACEMENT_NAME_LEN	64

typedef enum NumaPgPlacementTarget
{
	NUMAPG_PLACE_OFF,			/* leave the backend where the kernel puts it */
	NUMAPG_PLACE_SPREAD,		/* the usable node with the fewest placed */
	NUMAPG_PLACE_NODE			/* this one node */
} NumaPgPlacementTarget;

typedef struct NumaPgPlacementRule
{
	bool		any_database;	/* "*" */
	bool		any_role;		/* "*", or no "/role" */
	char		database[NUMAPG_PLACEMENT_NAME_LEN];
	char		role[NUMAPG_PLACEMENT_NAME_LEN];
	NumaPgPlacementTarget target;
	int			node;			/* NUMAPG_PLACE_NODE only */
} NumaPgPlacementRule;

typedef struct NumaPgPlacementRules
{
	int			nrules;
	NumaPgPlacementRule rules[NUMAPG_MAX_PLACEMENT_RULES];
} NumaPgPlacementRules;

extern bool numapg_parse_placement_rules(const char *text,
										 NumaPgPlacementRules *rules,
										 char *errbuf, size_t errlen);
extern const NumaPgPlacementRule *numapg_match_placement_rule(const NumaPgPlacementRules *rules,
															  const char *database,
															  const char *role);
extern int	numapg_choose_spread_slot(const int *placed, const bool *usable,
									  int nslots);

#endif							/* NUMAPG_PLACEMENT_RULES_H */
