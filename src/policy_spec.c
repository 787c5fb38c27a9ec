/*-------------------------------------------------------------------------
 *
 * policy_spec.c
 *		Parse numa_pg.shared_memory_policy.
 *
 * Accepted (case-insensitive keywords, node lists in the kernel's syntax):
 *
 *	default					PostgreSQL's memory is left to the kernel
 *	interleave				page by page over every node with memory
 *	interleave:<nodes>		page by page over these nodes
 *	bind:<nodes>			only on these nodes
 *	preferred:<node>		on this node while it has memory, else anywhere
 *
 * Whether the nodes exist and have memory is for the caller to check.
 * Messages quote the value through numapg_quote() (errbuf.h).
 *
 * IDENTIFICATION
 *	  src/policy_spec.c
 *
 *-------------------------------------------------------------------------
 */
#include "policy_spec.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "errbuf.h"

/*
 * Parse text into *spec.  Returns false, with a message in errbuf, on any
 * error.
 */
bool
numapg_parse_policy_spec(const char *text, NumaPgPolicySpec *spec,
						 char *errbuf, size_t errlen)
{
	const char *colon;
	size_t		keylen;
	char		why[NUMAPG_ERRBUF_SIZE];
	char		quoted[NUMAPG_QUOTE_BUF];

	memset(spec, 0, sizeof(*spec));
	if (text == NULL || text[0] == '\0')
		return numapg_errorf(errbuf, errlen, "The policy is empty");

	colon = strchr(text, ':');
	keylen = colon ? (size_t) (colon - text) : strlen(text);

	if (keylen == 7 && strncasecmp(text, "default", 7) == 0)
		spec->kind = NUMAPG_SPEC_DEFAULT;
	else if (keylen == 10 && strncasecmp(text, "interleave", 10) == 0)
		spec->kind = NUMAPG_SPEC_INTERLEAVE;
	else if (keylen == 4 && strncasecmp(text, "bind", 4) == 0)
		spec->kind = NUMAPG_SPEC_BIND;
	else if (keylen == 9 && strncasecmp(text, "preferred", 9) == 0)
		spec->kind = NUMAPG_SPEC_PREFERRED;
	else
		return numapg_errorf(errbuf, errlen,
							 "Unknown policy \"%s\"; use default, interleave, interleave:<nodes>, bind:<nodes> or preferred:<node>",
							 numapg_quote(text, keylen, quoted, sizeof(quoted)));

	if (colon == NULL)
	{
		if (spec->kind == NUMAPG_SPEC_BIND || spec->kind == NUMAPG_SPEC_PREFERRED)
			return numapg_errorf(errbuf, errlen,
								 "Policy \"%s\" needs nodes, as in \"%s:0\"",
								 text, text);
		spec->all_nodes = spec->kind == NUMAPG_SPEC_INTERLEAVE;
		return true;
	}
	if (spec->kind == NUMAPG_SPEC_DEFAULT)
		return numapg_errorf(errbuf, errlen, "Policy \"default\" takes no nodes");
	if (!numapg_parse_list(colon + 1, NUMAPG_LIST_NODES, &spec->nodes,
						   why, sizeof(why)))
	{
		/* mid-sentence: "In "bind:", the node list is empty" */
		why[0] = (char) tolower((unsigned char) why[0]);
		return numapg_errorf(errbuf, errlen, "In \"%s\", %s",
							 numapg_quote(text, strlen(text), quoted, sizeof(quoted)),
							 why);
	}
	if (spec->kind == NUMAPG_SPEC_PREFERRED && numapg_mask_count(&spec->nodes) != 1)
		return numapg_errorf(errbuf, errlen,
							 "Policy \"preferred\" takes exactly one node, not \"%s\"",
							 numapg_quote(colon + 1, strlen(colon + 1), quoted, sizeof(quoted)));
	return true;
}
