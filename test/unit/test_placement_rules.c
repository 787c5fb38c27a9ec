/*-------------------------------------------------------------------------
 *
 * test_placement_rules.c
 *		Unit tests of the numa_pg.backend_placement parser, of matching a
 *		backend against its rules, and of the choice of a spread node.
 *
 * IDENTIFICATION
 *	  test/unit/test_placement_rules.c
 *
 *-------------------------------------------------------------------------
 */
#include <locale.h>
#include <stdlib.h>

#include "placement_rules.h"
#include "tap.h"
#include "text.h"

static NumaPgPlacementRules rules;
static char err[256];

static void
refused(const char *text, const char *want)
{
	err[0] = '\0';
	ok(!numapg_parse_placement_rules(text, &rules, err, sizeof(err)),
	   "\"%s\" is refused", text ? text : "(null)");
	contains(err, want, "  saying \"%s\"", want);
	ok(valid_utf8(err), "  in valid UTF-8");
}

/* The target a backend of database and role gets, as text: "off" if none. */
static const char *
placed(const char *database, const char *role)
{
	static char buf[32];
	const NumaPgPlacementRule *rule = numapg_match_placement_rule(&rules, database, role);

	if (rule == NULL || rule->target == NUMAPG_PLACE_OFF)
		return "off";
	if (rule->target == NUMAPG_PLACE_SPREAD)
		return "spread";
	snprintf(buf, sizeof(buf), "node %d", rule->node);
	return buf;
}

int
main(void)
{
	int			placed_counts[4] = {2, 1, 1, 0};
	bool		usable[4] = {true, true, true, false};
	bool		none[4] = {false, false, false, false};

	ok(numapg_parse_placement_rules("off", &rules, err, sizeof(err)), "off");
	is_int(rules.nrules, 0, "  has no rule");
	is_str(placed("sales", "alice"), "off", "  and places no backend");
	ok(numapg_parse_placement_rules("  OFF ", &rules, err, sizeof(err)), "OFF with blanks");
	is_int(rules.nrules, 0, "  has no rule");

	ok(numapg_parse_placement_rules("spread", &rules, err, sizeof(err)), "spread");
	is_int(rules.nrules, 1, "  is one rule");
	is_str(placed("sales", "alice"), "spread", "  spreading every backend");
	is_str(placed(NULL, NULL), "spread", "  even one without a database");

	ok(numapg_parse_placement_rules("sales:0, reports:1, *:spread", &rules, err, sizeof(err)),
	   "the issue's example");
	is_int(rules.nrules, 3, "  is three rules");
	is_str(placed("sales", "alice"), "node 0", "  sales on node 0");
	is_str(placed("reports", "bob"), "node 1", "  reports on node 1");
	is_str(placed("postgres", "bob"), "spread", "  the others spread");
	is_str(placed("Sales", "bob"), "spread", "  names are exact: Sales is not sales");

	ok(numapg_parse_placement_rules("*/etl:1,sales/alice:off,sales:0,spread", &rules, err, sizeof(err)),
	   "roles, off, and a lone spread");
	is_str(placed("sales", "etl"), "node 1", "  etl on node 1 whatever its database (first rule wins)");
	is_str(placed("sales", "alice"), "off", "  alice in sales not placed");
	is_str(placed("sales", "bob"), "node 0", "  bob in sales on node 0");
	is_str(placed("other", "bob"), "spread", "  the rest spread");

	ok(numapg_parse_placement_rules("sales:0", &rules, err, sizeof(err)), "one rule");
	is_str(placed("other", "bob"), "off", "  a backend no rule matches is not placed");

	ok(numapg_parse_placement_rules("\"my db, 2\"/\"o\"\"brien\":3 , \"*\":2", &rules, err, sizeof(err)),
	   "quoted names with a comma, a quote and a star");
	is_str(rules.rules[0].database, "my db, 2", "  the database name");
	is_str(rules.rules[0].role, "o\"brien", "  the role name, \"\" for a quote");
	is_str(placed("my db, 2", "o\"brien"), "node 3", "  matches");
	is_str(placed("*", "x"), "node 2", "  a quoted * is a database called *");
	is_str(placed("x", "x"), "off", "  and not any database");

	refused("", "The value is empty");
	refused("   ", "The value is empty");
	refused(NULL, "The value is empty");
	refused("sales", "Rule 1 has no colon before its target; write it as <database>[/<role>]:<node, spread or off>");
	refused("sales 0", "Rule 1 has no colon before its target but \"0\"");
	refused("sales:", "Rule 1 has no target after its colon");
	refused("sales:two", "Rule 1 has the target \"two\"; use a node number, spread or off");
	refused("sales:-1", "Rule 1 has the target \"-1\"");
	refused("sales:1024", "Rule 1 names node \"1024\"; node numbers are below 1024");
	refused(":0", "Rule 1 names no database");
	refused("sales/:0", "Rule 1 names no role");
	refused("sales:0,,reports:1", "Rule 2 is empty");
	refused("sales:0,", "Rule 2 is empty");
	refused("sales:0 reports:1", "Rule 1 is followed by \"reports:1\"; separate rules with commas");
	refused("\"sales:0", "In rule 1, the quoted database name \"\"sales:0\" has no closing quote");
	refused("\"\":0", "In rule 1, the database name is empty");
	refused("*:spread, sales:0", "Rule 2 can never match: rule 1 before it matches every database and role");
	refused("spread, off", "Rule 2 can never match");
	refused(repeat("", "d", 64, ":0"), "the database name \"dddddddddddddddddddddddddddddddddddddddd...\" is longer than 63 bytes");
	refused(repeat("x/", "r", 70, ":0"), "the role name");
	ok(numapg_parse_placement_rules(repeat("", "d", 63, ":0"), &rules, err, sizeof(err)),
	   "a database name of 63 bytes is taken");

	{
		char		many[4096] = "";

		for (int i = 0; i < NUMAPG_MAX_PLACEMENT_RULES + 1; i++)
			snprintf(many + strlen(many), sizeof(many) - strlen(many), "%sdb%d:0", i ? "," : "", i);
		refused(many, "There are more than 32 rules");
		*strrchr(many, ',') = '\0';
		ok(numapg_parse_placement_rules(many, &rules, err, sizeof(err)), "32 rules are taken");
		is_int(rules.nrules, NUMAPG_MAX_PLACEMENT_RULES, "  all 32");
	}

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "en_US.UTF-8");
	refused("caf\xc3\xa9:zwei", "Rule 1 has the target \"zwei\"");
	refused(repeat("", "\xc3\xa9", 40, ":0"), "is longer than 63 bytes");

	is_int(numapg_choose_spread_slot(placed_counts, usable, 4), 1,
		   "spread: the usable slot with the fewest placed, the first on a tie");
	placed_counts[1] = 3;
	is_int(numapg_choose_spread_slot(placed_counts, usable, 4), 2, "  slot 2 once slot 1 has more");
	is_int(numapg_choose_spread_slot(placed_counts, none, 4), -1, "  -1 when none is usable");
	is_int(numapg_choose_spread_slot(placed_counts, usable, 0), -1, "  -1 with no slots");

	return done_testing();
}
