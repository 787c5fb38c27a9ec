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
#include "policy_spec.h"
#include "tap.h"

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

	return done_testing();
}
