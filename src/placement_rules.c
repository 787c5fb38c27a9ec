/*-------------------------------------------------------------------------
 *
 * placement_rules.c
 *		Parse numa_pg.backend_placement, match a backend's database and
 *		role against it, and choose the node of a spread backend.
 *
 * Accepted (keywords case-insensitive, names exactly as written):
 *
 *	off							no backend is placed (the default)
 *	spread						every client backend: the node with the
 *								fewest backends numa_pg placed
 *	<rule>, <rule>, ...			the first rule that matches wins; a backend
 *								no rule matches is not placed
 *
 * where a rule is <database>[/<role>]:<target>, <database> and <role> are a
 * name or "*" (any), a name in double quotes may hold any character ("" for
 * a quote), and <target> is a node number, "spread" or "off".  A lone
 * "spread" or "off" among rules stands for "*:spread" or "*:off".
 *
 * Whether a node exists and may be used is for the caller to check.
 *
 * IDENTIFICATION
 *	  src/placement_rules.c
 *
 *-------------------------------------------------------------------------
 */
#include "placement_rules.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "errbuf.h"
#include "nodemask.h"

/* The parser's position in the text, and where its message goes. */
typedef struct RuleParser
{
	const char *text;
	const char *p;
	int			rule;			/* 1-based, for messages */
	char	   *errbuf;
	size_t		errlen;
} RuleParser;

static void
skip_space(RuleParser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

/* true if c ends a name written without quotes */
static bool
ends_bare_name(char c)
{
	return c == '\0' || c == ',' || c == ':' || c == '/' || c == '"' ||
		c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Read a name, or "*", at the parser's position into name (any is set for
 * "*").  what says which it is, for messages ("database" or "role").
 */
static bool
parse_name(RuleParser *ps, const char *what, char *name, bool *any)
{
	size_t		len = 0;
	char		quoted[NUMAPG_QUOTE_BUF];

	*any = false;
	name[0] = '\0';
	skip_space(ps);
	if (*ps->p == '"')
	{
		const char *start = ps->p;

		ps->p++;
		for (;;)
		{
			if (*ps->p == '\0')
				return numapg_errorf(ps->errbuf, ps->errlen,
									 "In rule %d, the quoted %s name \"%s\" has no closing quote",
									 ps->rule, what,
									 numapg_quote(start, strlen(start), quoted, sizeof(quoted)));
			if (*ps->p == '"' && ps->p[1] != '"')
				break;
			if (*ps->p == '"')
				ps->p++;		/* "" stands for one quote */
			if (len + 1 >= NUMAPG_PLACEMENT_NAME_LEN)
				return numapg_errorf(ps->errbuf, ps->errlen,
									 "In rule %d, the %s name \"%s\" is longer than %d bytes",
									 ps->rule, what,
									 numapg_quote(start, strlen(start), quoted, sizeof(quoted)),
									 NUMAPG_PLACEMENT_NAME_LEN - 1);
			name[len++] = *ps->p++;
		}
		ps->p++;
		name[len] = '\0';
		if (len == 0)
			return numapg_errorf(ps->errbuf, ps->errlen,
								 "In rule %d, the %s name is empty", ps->rule, what);
		return true;
	}
	if (*ps->p == '*' && ends_bare_name(ps->p[1]))
	{
		ps->p++;
		*any = true;
		return true;
	}
	{
		const char *start = ps->p;

		while (!ends_bare_name(*ps->p))
			ps->p++;
		len = (size_t) (ps->p - start);
		if (len == 0)
			return numapg_errorf(ps->errbuf, ps->errlen,
								 "Rule %d names no %s; write it as <database>[/<role>]:<node, spread or off>, with * for any",
								 ps->rule, what);
		if (len >= NUMAPG_PLACEMENT_NAME_LEN)
			return numapg_errorf(ps->errbuf, ps->errlen,
								 "In rule %d, the %s name \"%s\" is longer than %d bytes",
								 ps->rule, what,
								 numapg_quote(start, len, quoted, sizeof(quoted)),
								 NUMAPG_PLACEMENT_NAME_LEN - 1);
		memcpy(name, start, len);
		name[len] = '\0';
	}
	return true;
}

/* Read a rule's target (after its colon): a node number, spread or off. */
static bool
parse_target(RuleParser *ps, NumaPgPlacementRule *rule)
{
	const char *start;
	size_t		len;
	char		quoted[NUMAPG_QUOTE_BUF];

	skip_space(ps);
	start = ps->p;
	while (*ps->p != '\0' && *ps->p != ',' && *ps->p != ' ' && *ps->p != '\t' &&
		   *ps->p != '\n' && *ps->p != '\r')
		ps->p++;
	len = (size_t) (ps->p - start);
	if (len == 0)
		return numapg_errorf(ps->errbuf, ps->errlen,
							 "Rule %d has no target after its colon; use a node number, spread or off",
							 ps->rule);
	if (len == 6 && strncasecmp(start, "spread", 6) == 0)
		rule->target = NUMAPG_PLACE_SPREAD;
	else if (len == 3 && strncasecmp(start, "off", 3) == 0)
		rule->target = NUMAPG_PLACE_OFF;
	else
	{
		int			node = 0;

		for (size_t i = 0; i < len; i++)
		{
			if (!isdigit((unsigned char) start[i]))
				return numapg_errorf(ps->errbuf, ps->errlen,
									 "Rule %d has the target \"%s\"; use a node number, spread or off",
									 ps->rule, numapg_quote(start, len, quoted, sizeof(quoted)));
			node = node * 10 + (start[i] - '0');
			if (node >= NUMAPG_MAX_NODES)
				return numapg_errorf(ps->errbuf, ps->errlen,
									 "Rule %d names node \"%s\"; node numbers are below %d",
									 ps->rule, numapg_quote(start, len, quoted, sizeof(quoted)),
									 NUMAPG_MAX_NODES);
		}
		rule->target = NUMAPG_PLACE_NODE;
		rule->node = node;
	}
	return true;
}

/* true if the text at p is the keyword kw alone, up to a comma or the end */
static bool
lone_keyword(const char *p, const char *kw)
{
	size_t		n = strlen(kw);

	if (strncasecmp(p, kw, n) != 0)
		return false;
	p += n;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return *p == '\0' || *p == ',';
}

/* Parse one rule at the parser's position into *rule. */
static bool
parse_rule(RuleParser *ps, NumaPgPlacementRule *rule)
{
	memset(rule, 0, sizeof(*rule));
	skip_space(ps);
	if (*ps->p == '\0' || *ps->p == ',')
		return numapg_errorf(ps->errbuf, ps->errlen,
							 "Rule %d is empty (two commas, or one at an end)", ps->rule);
	/* a lone "spread" or "off": every database and role */
	if (lone_keyword(ps->p, "spread") || lone_keyword(ps->p, "off"))
	{
		rule->any_database = rule->any_role = true;
		rule->target = (tolower((unsigned char) *ps->p) == 's') ?
			NUMAPG_PLACE_SPREAD : NUMAPG_PLACE_OFF;
		ps->p += rule->target == NUMAPG_PLACE_SPREAD ? 6 : 3;
		return true;
	}
	if (!parse_name(ps, "database", rule->database, &rule->any_database))
		return false;
	skip_space(ps);
	rule->any_role = true;
	if (*ps->p == '/')
	{
		ps->p++;
		if (!parse_name(ps, "role", rule->role, &rule->any_role))
			return false;
		skip_space(ps);
	}
	if (*ps->p != ':')
	{
		char		quoted[NUMAPG_QUOTE_BUF];
		const char *end = strchr(ps->p, ',');

		return numapg_errorf(ps->errbuf, ps->errlen,
							 "Rule %d has no colon before its target%s%s%s; write it as <database>[/<role>]:<node, spread or off>",
							 ps->rule, *ps->p ? " but \"" : "",
							 *ps->p ? numapg_quote(ps->p, end ? (size_t) (end - ps->p) : strlen(ps->p),
												   quoted, sizeof(quoted)) : "",
							 *ps->p ? "\"" : "");
	}
	ps->p++;
	return parse_target(ps, rule);
}

/*
 * Parse text into *rules.  "off" gives no rules.  Returns false, with a
 * message in errbuf (a sentence without its final period), on any error,
 * and on a rule that can never match because an earlier one matches every
 * backend.
 */
bool
numapg_parse_placement_rules(const char *text, NumaPgPlacementRules *rules,
							 char *errbuf, size_t errlen)
{
	RuleParser	ps = {text, text, 0, errbuf, errlen};
	int			catch_all = 0;

	rules->nrules = 0;
	if (text == NULL)
		return numapg_errorf(errbuf, errlen, "The value is empty; use off, spread, or rules such as \"sales:0, *:spread\"");
	skip_space(&ps);
	if (*ps.p == '\0')
		return numapg_errorf(errbuf, errlen, "The value is empty; use off, spread, or rules such as \"sales:0, *:spread\"");
	if (lone_keyword(ps.p, "off") && strchr(ps.p, ',') == NULL)
		return true;

	for (;;)
	{
		NumaPgPlacementRule *rule;

		ps.rule++;
		if (rules->nrules == NUMAPG_MAX_PLACEMENT_RULES)
			return numapg_errorf(errbuf, errlen, "There are more than %d rules",
								 NUMAPG_MAX_PLACEMENT_RULES);
		rule = &rules->rules[rules->nrules];
		if (!parse_rule(&ps, rule))
			return false;
		if (catch_all)
			return numapg_errorf(errbuf, errlen,
								 "Rule %d can never match: rule %d before it matches every database and role",
								 ps.rule, catch_all);
		if (rule->any_database && rule->any_role)
			catch_all = ps.rule;
		rules->nrules++;
		skip_space(&ps);
		if (*ps.p == '\0')
			break;
		if (*ps.p != ',')
		{
			char		quoted[NUMAPG_QUOTE_BUF];

			return numapg_errorf(errbuf, errlen,
								 "Rule %d is followed by \"%s\"; separate rules with commas",
								 ps.rule, numapg_quote(ps.p, strlen(ps.p), quoted, sizeof(quoted)));
		}
		ps.p++;
	}
	return true;
}

/*
 * The first rule matching a backend of this database and role, or NULL if
 * none does.
 */
const NumaPgPlacementRule *
numapg_match_placement_rule(const NumaPgPlacementRules *rules,
							const char *database, const char *role)
{
	for (int i = 0; i < rules->nrules; i++)
	{
		const NumaPgPlacementRule *rule = &rules->rules[i];

		if (!rule->any_database && (database == NULL || strcmp(rule->database, database) != 0))
			continue;
		if (!rule->any_role && (role == NULL || strcmp(rule->role, role) != 0))
			continue;
		return rule;
	}
	return NULL;
}

/*
 * The slot a spread backend goes to: among the usable ones, that with the
 * fewest backends placed, the first of those on a tie.  -1 if none is
 * usable.
 */
int
numapg_choose_spread_slot(const int *placed, const bool *usable, int nslots)
{
	int			best = -1;

	for (int i = 0; i < nslots; i++)
		if (usable[i] && (best < 0 || placed[i] < placed[best]))
			best = i;
	return best;
}
