/*-------------------------------------------------------------------------
 *
 * proc_parse.c
 *		Parse the lines of /proc/PID/numa_maps and /proc/PID/stat.
 *
 * A numa_maps line (fs/proc/task_mmu.c, show_numa_map) is
 *
 *	<start> <policy> [file=<path>|heap|stack] [huge] [anon=N] [dirty=N]
 *		[mapped=N] [mapmax=N] [swapcache=N] [active=N] [writeback=N]
 *		[N<node>=<pages>...] [kernelpagesize_kB=<kB>]
 *
 * where the policy is mpol_to_str()'s text: a mode ("default", "prefer",
 * "bind", "interleave", "weighted interleave", "local", "prefer (many)"),
 * then "=static", "=relative" or "=balancing" flags, then ":<nodes>".  Two
 * of the modes hold a space; the path escapes its spaces (\040).  Fields
 * we do not know are skipped (a later kernel may add some); an N<node>=
 * field or a page size we cannot read makes the whole line an error,
 * since its counts would be wrong.
 *
 * IDENTIFICATION
 *	  src/proc_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include "proc_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"

/* The modes of mpol_to_str(), longest first where one prefixes another. */
static const struct
{
	const char *text;
	NumaPgTaskPolicyMode mode;
}			maps_modes[] =
{
	{"weighted interleave", NUMAPG_TASK_POLICY_WEIGHTED_INTERLEAVE},
	{"prefer (many)", NUMAPG_TASK_POLICY_PREFERRED_MANY},
	{"interleave", NUMAPG_TASK_POLICY_INTERLEAVE},
	{"default", NUMAPG_TASK_POLICY_DEFAULT},
	{"prefer", NUMAPG_TASK_POLICY_PREFERRED},
	{"local", NUMAPG_TASK_POLICY_LOCAL},
	{"bind", NUMAPG_TASK_POLICY_BIND},
};

/*
 * The policy of a numa_maps line, from its text (len bytes, not
 * NUL-terminated).  Returns false, with mode UNKNOWN and no nodes, for a
 * mode or node list we do not know.
 */
bool
numapg_parse_maps_policy(const char *text, size_t len, NumaPgTaskPolicy *policy)
{
	char		nodes[1024];
	const char *colon;

	policy->mode = NUMAPG_TASK_POLICY_UNKNOWN;
	numapg_mask_clear(&policy->nodes);
	for (size_t i = 0; i < sizeof(maps_modes) / sizeof(maps_modes[0]); i++)
	{
		size_t		n = strlen(maps_modes[i].text);

		/* the mode, then flags (=...), the nodes (:...) or the end */
		if (len < n || strncmp(text, maps_modes[i].text, n) != 0 ||
			(len > n && text[n] != '=' && text[n] != ':'))
			continue;
		colon = memchr(text + n, ':', len - n);
		if (colon != NULL)
		{
			size_t		nlen = len - (colon + 1 - text);

			if (nlen == 0 || nlen >= sizeof(nodes))
				return false;
			memcpy(nodes, colon + 1, nlen);
			nodes[nlen] = '\0';
			if (!numapg_parse_list(nodes, NUMAPG_LIST_NODES, &policy->nodes, NULL, 0))
			{
				numapg_mask_clear(&policy->nodes);
				return false;
			}
		}
		policy->mode = maps_modes[i].mode;
		return true;
	}
	return false;
}

/* Read a non-negative decimal that ends at a space or the end; -1 if not. */
static int64_t
read_count(const char *p, const char *end)
{
	int64_t		v = 0;

	if (p == end)
		return -1;
	for (; p < end; p++)
	{
		if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

/* Does the token [p, end) begin with key (e.g. "file=")? */
static bool
token_is(const char *p, const char *end, const char *key)
{
	size_t		n = strlen(key);

	return (size_t) (end - p) >= n && strncmp(p, key, n) == 0;
}

/*
 * Parse one numa_maps line (with or without its newline) into out.
 * Returns false, with the reason in errbuf, for a line without an address
 * and a policy, or whose node counts or page size cannot be read.
 */
bool
numapg_parse_numa_maps_line(const char *line, NumaPgMapsLine *out,
							char *errbuf, size_t errlen)
{
	const char *p = line;
	const char *end = line + strcspn(line, "\n");
	const char *tok;
	char	   *after;
	unsigned long long start;

	memset(out, 0, sizeof(*out));
	out->policy.mode = NUMAPG_TASK_POLICY_UNKNOWN;
	if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
		return numapg_errorf(errbuf, errlen, "the line does not start with an address");
	errno = 0;
	start = strtoull(p, &after, 16);
	if (errno != 0 || after > end || (after < end && *after != ' '))
		return numapg_errorf(errbuf, errlen, "the line does not start with an address");
	out->start = (uint64_t) start;
	p = after;
	while (p < end && *p == ' ')
		p++;
	if (p == end)
		return numapg_errorf(errbuf, errlen, "the line has no memory policy");

	/* the policy: up to the next space, past the space of a two-word mode */
	tok = p;
	if (token_is(p, end, "weighted interleave"))
		p += strlen("weighted interleave");
	else if (token_is(p, end, "prefer (many)"))
		p += strlen("prefer (many)");
	while (p < end && *p != ' ')
		p++;
	(void) numapg_parse_maps_policy(tok, p - tok, &out->policy);

	while (p < end)
	{
		const char *tend;

		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		tok = p;
		while (p < end && *p != ' ')
			p++;
		tend = p;

		if (token_is(tok, tend, "file="))
			out->has_file = true;
		else if (tend - tok == 4 && token_is(tok, tend, "heap"))
			out->heap = true;
		else if (tend - tok == 5 && token_is(tok, tend, "stack"))
			out->stack = true;
		else if (tend - tok == 4 && token_is(tok, tend, "huge"))
			out->huge = true;
		else if (token_is(tok, tend, "kernelpagesize_kB="))
		{
			int64_t		kb = read_count(tok + strlen("kernelpagesize_kB="), tend);

			if (kb <= 0 || kb > INT64_MAX / 1024)
				return numapg_errorf(errbuf, errlen, "unreadable page size \"%.*s\"",
									 (int) (tend - tok), tok);
			out->page_size = kb * 1024;
		}
		else if (tok[0] == 'N' && tend - tok > 1 && tok[1] >= '0' && tok[1] <= '9')
		{
			const char *eq = memchr(tok, '=', tend - tok);
			int64_t		node = eq ? read_count(tok + 1, eq) : -1;
			int64_t		pages = eq ? read_count(eq + 1, tend) : -1;

			if (node < 0 || node >= NUMAPG_MAX_NODES || pages < 0)
				return numapg_errorf(errbuf, errlen, "unreadable node count \"%.*s\"",
									 (int) (tend - tok), tok);
			for (int i = 0; i < out->nnodes; i++)
				if (out->nodes[i] == node)
					return numapg_errorf(errbuf, errlen, "node %d is counted twice",
										 (int) node);
			if (out->nnodes == NUMAPG_MAPS_MAX_NODES)
				return numapg_errorf(errbuf, errlen, "more than %d nodes",
									 NUMAPG_MAPS_MAX_NODES);
			out->nodes[out->nnodes] = (int) node;
			out->pages[out->nnodes] = pages;
			out->nnodes++;
		}
		/* anything else (anon=, dirty=, mapped=... or newer fields): skipped */
	}
	return true;
}

/*
 * Parse /proc/PID/stat: the state (field 3), the parent (4), the start
 * time (22) and the CPU last run on (39).  The command name (field 2) may
 * hold spaces and parentheses: the fields start after its last ')'.
 * Returns false if the text is cut short or not of that shape.
 */
bool
numapg_parse_proc_stat(const char *text, NumaPgProcStat *out)
{
	const char *p = strrchr(text, ')');
	int			field = 2;

	memset(out, 0, sizeof(*out));
	out->cpu = -1;
	if (p == NULL)
		return false;
	p++;
	while (*p == ' ')
	{
		char	   *after;
		const char *digits;
		unsigned long long v;

		p++;
		field++;
		if (field == 3)
		{
			if (*p == '\0' || *p == ' ' || *p == '\n')
				return false;
			out->state = *p;
			p++;
			continue;
		}
		/* some fields are negative (priority), some up to 2^64 - 1 (rsslim) */
		digits = *p == '-' ? p + 1 : p;
		if (*digits < '0' || *digits > '9')
			return false;
		errno = 0;
		v = strtoull(digits, &after, 10);
		if (errno != 0 || (*after != ' ' && *after != '\n' && *after != '\0'))
			return false;
		if (field == 4)
			out->ppid = (int) v;
		else if (field == 22)
			out->start_time = (uint64_t) v;
		else if (field == 39)
		{
			if (digits != p || v > INT32_MAX)
				return false;
			out->cpu = (int) v;
			return true;
		}
		p = after;
	}
	return false;
}
