/*-------------------------------------------------------------------------
 *
 * nodemask.c
 *		Bitmaps of CPU or node ids, and the kernel's list syntax for them.
 *
 * The parser is strict on purpose: it is what stands between a typo in
 * postgresql.conf and a worker pinned to the wrong CPU.  It rejects empty
 * lists, empty items, reversed ranges, ids beyond what we handle, numbers
 * that overflow, stray characters and ids listed twice, and says which.
 * Its messages quote the text through numapg_quote() (errbuf.h): a value
 * of any length or encoding gives a whole message of valid text.
 * Whether an id exists on this machine is for the caller to check: the
 * parser knows nothing of the machine.
 *
 * IDENTIFICATION
 *	  src/nodemask.c
 *
 *-------------------------------------------------------------------------
 */
#include "nodemask.h"

#include <stdio.h>
#include <string.h>

#include "errbuf.h"

/* Empty the mask. */
void
numapg_mask_clear(NumaPgMask *mask)
{
	memset(mask, 0, sizeof(*mask));
}

/* Add one id; ids outside the mask are ignored (callers range-check). */
void
numapg_mask_set(NumaPgMask *mask, int id)
{
	if (id >= 0 && id < NUMAPG_MAX_CPUS)
		mask->words[id / 64] |= UINT64_C(1) << (id % 64);
}

/* Is the id in the mask? */
bool
numapg_mask_test(const NumaPgMask *mask, int id)
{
	if (id < 0 || id >= NUMAPG_MAX_CPUS)
		return false;
	return (mask->words[id / 64] >> (id % 64)) & 1;
}

/* Number of ids in the mask. */
int
numapg_mask_count(const NumaPgMask *mask)
{
	int			n = 0;

	for (int i = 0; i < NUMAPG_MASK_WORDS; i++)
		n += __builtin_popcountll(mask->words[i]);
	return n;
}

/*
 * Smallest id in the mask greater than "after", or -1 when there is none.
 * Pass -1 to get the first id.
 */
int
numapg_mask_next(const NumaPgMask *mask, int after)
{
	for (int id = after + 1; id < NUMAPG_MAX_CPUS; id++)
	{
		uint64_t	rest = mask->words[id / 64] >> (id % 64);

		if (rest == 0)
		{
			/* nothing left in this word: jump to the next one */
			id = (id / 64) * 64 + 63;
			continue;
		}
		return id + __builtin_ctzll(rest);
	}
	return -1;
}

/* dst = a & b (dst may alias a or b). */
void
numapg_mask_and(NumaPgMask *dst, const NumaPgMask *a, const NumaPgMask *b)
{
	for (int i = 0; i < NUMAPG_MASK_WORDS; i++)
		dst->words[i] = a->words[i] & b->words[i];
}

/*
 * Is every id of "sub" also in "super"?  If not, and first_missing is not
 * NULL, it receives the smallest id that is missing.
 */
bool
numapg_mask_is_subset(const NumaPgMask *sub, const NumaPgMask *super,
					  int *first_missing)
{
	for (int i = 0; i < NUMAPG_MASK_WORDS; i++)
	{
		uint64_t	missing = sub->words[i] & ~super->words[i];

		if (missing)
		{
			if (first_missing)
				*first_missing = i * 64 + __builtin_ctzll(missing);
			return false;
		}
	}
	return true;
}

/* "CPU" or "Node", for messages about a list of that kind. */
static const char *
kind_noun(NumaPgListKind kind)
{
	return kind == NUMAPG_LIST_CPUS ? "CPU" : "node";
}

/* the same, to start a sentence */
static const char *
kind_noun_capitalized(NumaPgListKind kind)
{
	return kind == NUMAPG_LIST_CPUS ? "CPU" : "Node";
}

/* The largest id a list of that kind may name, plus one. */
static int
kind_limit(NumaPgListKind kind)
{
	return kind == NUMAPG_LIST_CPUS ? NUMAPG_MAX_CPUS : NUMAPG_MAX_NODES;
}

/*
 * "Unexpected character" at text[pos]: the whole character, its position
 * in characters, and an excerpt of the text.
 */
static bool
unexpected_character(const char *text, size_t pos, char *errbuf, size_t errlen)
{
	char		quoted[NUMAPG_QUOTE_BUF];

	return numapg_errorf(errbuf, errlen,
						 "Unexpected character \"%.*s\" at position %zu of \"%s\"",
						 (int) numapg_char_length(text + pos, strlen(text + pos)),
						 text + pos, numapg_char_position(text, pos),
						 numapg_quote(text, strlen(text), quoted, sizeof(quoted)));
}

/*
 * Read one id at *pos.  Accepts decimal digits only; stops at the first
 * non-digit.  On error, formats the message and returns false.
 */
static bool
parse_id(const char *text, size_t *pos, NumaPgListKind kind, int *id,
		 char *errbuf, size_t errlen)
{
	size_t		start = *pos;
	long		value = 0;
	int			limit = kind_limit(kind);
	char		quoted[NUMAPG_QUOTE_BUF];

	if (text[start] < '0' || text[start] > '9')
	{
		if (text[start] == '\0')
			return numapg_errorf(errbuf, errlen,
								 "A %s number is missing at the end of \"%s\"",
								 kind_noun(kind),
								 numapg_quote(text, strlen(text), quoted, sizeof(quoted)));
		return unexpected_character(text, start, errbuf, errlen);
	}
	while (text[*pos] >= '0' && text[*pos] <= '9')
	{
		/* Saturate rather than overflow; anything >= limit is an error. */
		if (value < limit)
			value = value * 10 + (text[*pos] - '0');
		(*pos)++;
	}
	if (value >= limit)
		return numapg_errorf(errbuf, errlen,
							 "%s number \"%s\" is out of range (at most %d)",
							 kind_noun_capitalized(kind),
							 numapg_quote(text + start, *pos - start, quoted, sizeof(quoted)),
							 limit - 1);
	*id = (int) value;
	return true;
}

/* Move *pos past spaces and tabs. */
static void
skip_blanks(const char *text, size_t *pos)
{
	while (text[*pos] == ' ' || text[*pos] == '\t' || text[*pos] == '\n')
		(*pos)++;
}

/*
 * Parse a list such as "0-3,8,10-11" into *out.  Blanks around items are
 * allowed.  Returns false with a message in errbuf on any error; *out is
 * then unspecified.
 */
bool
numapg_parse_list(const char *text, NumaPgListKind kind, NumaPgMask *out,
				  char *errbuf, size_t errlen)
{
	size_t		pos = 0;
	char		quoted[NUMAPG_QUOTE_BUF];

	numapg_mask_clear(out);
	if (text == NULL)
		return numapg_errorf(errbuf, errlen, "The %s list is empty",
						  kind_noun(kind));
	skip_blanks(text, &pos);
	if (text[pos] == '\0')
		return numapg_errorf(errbuf, errlen, "The %s list is empty",
						  kind_noun(kind));

	for (;;)
	{
		int			first;
		int			last;

		skip_blanks(text, &pos);
		if (text[pos] == ',')
			return numapg_errorf(errbuf, errlen,
								 "Empty item at position %zu of \"%s\"",
								 numapg_char_position(text, pos),
								 numapg_quote(text, strlen(text), quoted, sizeof(quoted)));
		if (!parse_id(text, &pos, kind, &first, errbuf, errlen))
			return false;
		last = first;
		skip_blanks(text, &pos);
		if (text[pos] == '-')
		{
			pos++;
			skip_blanks(text, &pos);
			if (!parse_id(text, &pos, kind, &last, errbuf, errlen))
				return false;
			if (last < first)
				return numapg_errorf(errbuf, errlen,
								  "Range \"%d-%d\" is reversed; write \"%d-%d\"",
								  first, last, last, first);
			skip_blanks(text, &pos);
		}
		for (int id = first; id <= last; id++)
		{
			if (numapg_mask_test(out, id))
				return numapg_errorf(errbuf, errlen,
								  "%s %d is listed more than once",
								  kind_noun_capitalized(kind), id);
			numapg_mask_set(out, id);
		}
		if (text[pos] == '\0')
			return true;
		if (text[pos] != ',')
			return unexpected_character(text, pos, errbuf, errlen);
		pos++;
		skip_blanks(text, &pos);
		if (text[pos] == '\0')
			return numapg_errorf(errbuf, errlen,
								 "The list \"%s\" ends with a comma",
								 numapg_quote(text, strlen(text), quoted, sizeof(quoted)));
	}
}

/*
 * Format the mask in list syntax ("0-3,8"); "" for an empty mask.  Returns
 * the length the full text needs (like snprintf), so callers can detect
 * truncation.
 */
size_t
numapg_format_list(const NumaPgMask *mask, char *buf, size_t buflen)
{
	size_t		len = 0;
	bool		truncated = false;
	int			id = numapg_mask_next(mask, -1);

	if (buflen > 0)
		buf[0] = '\0';
	while (id >= 0)
	{
		int			last = id;
		char		item[32];
		int			n;

		while (numapg_mask_test(mask, last + 1))
			last++;
		if (last == id)
			n = snprintf(item, sizeof(item), "%s%d", len ? "," : "", id);
		else
			n = snprintf(item, sizeof(item), "%s%d-%d", len ? "," : "", id,
						 last);
		/* once an item does not fit, write nothing more: no gaps */
		if (!truncated && len + n < buflen)
			memcpy(buf + len, item, n + 1);
		else
			truncated = true;
		len += n;
		id = numapg_mask_next(mask, last);
	}
	return len;
}
