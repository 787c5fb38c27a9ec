/*-------------------------------------------------------------------------
 *
 * test_policy_spec.c
 *		Unit tests of the numa_pg.shared_memory_policy parser.
 *
 * IDENTIFICATION
 *	  test/unit/test_policy_spec.c
 *
 *-------------------------------------------------------------------------
 */
#include <locale.h>
#include <stdlib.h>

#include "policy_spec.h"
#include "tap.h"
#include "text.h"

static NumaPgPolicySpec spec;
static char err[256];

static const char *
nodes(void)
{
	static char buf[256];

	numapg_format_list(&spec.nodes, buf, sizeof(buf));
	return buf;
}

static void
refused(const char *text, const char *want)
{
	err[0] = '\0';
	ok(!numapg_parse_policy_spec(text, &spec, err, sizeof(err)), "\"%s\" is refused", text ? text : "(null)");
	contains(err, want, "  saying \"%s\"", want);
}

/*
 * Check that text is refused with exactly the message want, in a buffer of
 * 256 bytes (as the GUC check hook uses), and that it is valid UTF-8.
 */
static void
refused_with(const char *text, const char *want, const char *name)
{
	err[0] = '\0';
	ok(!numapg_parse_policy_spec(text, &spec, err, sizeof(err)), "%s is refused", name);
	is_str(err, want, "  with the whole message");
	ok(valid_utf8(err), "  which is valid UTF-8");
}

int
main(void)
{
	ok(numapg_parse_policy_spec("default", &spec, err, sizeof(err)), "default");
	is_int(spec.kind, NUMAPG_SPEC_DEFAULT, "  is the default policy");
	ok(numapg_parse_policy_spec("interleave", &spec, err, sizeof(err)), "interleave");
	ok(spec.kind == NUMAPG_SPEC_INTERLEAVE && spec.all_nodes, "  over all nodes");
	ok(numapg_parse_policy_spec("INTERLEAVE:0-1,3", &spec, err, sizeof(err)), "interleave with a list, upper case");
	ok(spec.kind == NUMAPG_SPEC_INTERLEAVE && !spec.all_nodes, "  over listed nodes");
	is_str(nodes(), "0-1,3", "  nodes 0-1,3");
	ok(numapg_parse_policy_spec("bind:1", &spec, err, sizeof(err)), "bind:1");
	ok(spec.kind == NUMAPG_SPEC_BIND, "  is bind");
	is_str(nodes(), "1", "  to node 1");
	ok(numapg_parse_policy_spec("preferred:2", &spec, err, sizeof(err)), "preferred:2");
	ok(spec.kind == NUMAPG_SPEC_PREFERRED, "  is preferred");
	is_str(nodes(), "2", "  node 2");

	refused("", "The policy is empty");
	refused(NULL, "The policy is empty");
	refused("spread", "Unknown policy \"spread\"");
	refused("interleaved:0", "Unknown policy \"interleaved\"");
	refused("bind", "Policy \"bind\" needs nodes");
	refused("preferred", "Policy \"preferred\" needs nodes");
	refused("default:0", "Policy \"default\" takes no nodes");
	refused("bind:", "In \"bind:\", the node list is empty");
	refused("bind:1-0", "In \"bind:1-0\", range \"1-0\" is reversed");
	refused("interleave:0,0", "In \"interleave:0,0\", node 0 is listed more than once");
	refused("bind:x", "In \"bind:x\", unexpected character \"x\"");
	refused("preferred:0-1", "Policy \"preferred\" takes exactly one node, not \"0-1\"");
	refused("bind:1024", "In \"bind:1024\", node number \"1024\" is out of range");

	/*
	 * Messages quote whole characters, and a bounded excerpt of a long
	 * value, so that the explanation is never cut off (in UTF-8 here).
	 */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "en_US.UTF-8");
	refused_with("bind:\xc3\xa9",
				 "In \"bind:\xc3\xa9\", unexpected character \"\xc3\xa9\" at position 1 of \"\xc3\xa9\"",
				 "\"bind:\xc3\xa9\"");
	refused_with(repeat("bind:0", "\xc3\xa9", 200, ""),
				 repeat(repeat("In \"bind:0", "\xc3\xa9", 17, "...\", unexpected character \"\xc3\xa9\" at position 2 of \"0"),
						"\xc3\xa9", 19, "...\""),
				 "\"bind:0\" and 200 two-byte characters");
	refused_with(repeat("", "x", 10000, ""),
				 "Unknown policy \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"; use default, interleave, interleave:<nodes>, bind:<nodes> or preferred:<node>",
				 "a policy of 10000 characters");
	refused_with(repeat("", "\xc3\xa9", 300, ":0"),
				 repeat("Unknown policy \"", "\xc3\xa9", 20, "...\"; use default, interleave, interleave:<nodes>, bind:<nodes> or preferred:<node>"),
				 "a policy of 300 two-byte characters");
	refused_with(repeat("bind:", "9", 10000, ""),
				 "In \"bind:99999999999999999999999999999999999...\", node number \"9999999999999999999999999999999999999999...\" is out of range (at most 1023)",
				 "a node number of 10000 digits");
	refused_with(repeat("interleave:0,", " ", 3000, "\xc3\xa9"),
				 repeat(repeat("In \"interleave:0,", " ", 27, "...\", unexpected character \"\xc3\xa9\" at position 3003 of \"0,"),
						" ", 38, "...\""),
				 "a stray two-byte character after 3000 blanks");
	refused_with(repeat("preferred:0,", " ", 5000, "1"),
				 repeat("Policy \"preferred\" takes exactly one node, not \"0,", " ", 38, "...\""),
				 "preferred with a list of 5003 characters");

	return done_testing();
}
