/*-------------------------------------------------------------------------
 *
 * text.h
 *		Text helpers for the C unit tests of numa_pg's pure modules: long
 *		inputs made by repetition, a UTF-8 check, and a mask's list text.
 *
 * IDENTIFICATION
 *	  test/unit/text.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_TEST_TEXT_H
#define NUMAPG_TEST_TEXT_H

#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nodemask.h"

/* Is text valid UTF-8?  (mbstowcs, in a UTF-8 locale, says.) */
static inline bool
valid_utf8(const char *text)
{
	return mbstowcs(NULL, text, 0) != (size_t) -1;
}

/* prefix, n copies of unit, suffix (never freed: the test exits) */
static inline char *
repeat(const char *prefix, const char *unit, int n, const char *suffix)
{
	size_t		len = strlen(prefix) + strlen(unit) * n + strlen(suffix) + 1;
	char	   *s = malloc(len);

	strcpy(s, prefix);
	for (int i = 0; i < n; i++)
		strcat(s, unit);
	strcat(s, suffix);
	return s;
}

/* Canonical list text of a mask ("0-3,8"), in one of 4 static buffers. */
static inline const char *
list(const NumaPgMask *mask)
{
	static char buf[4][256];
	static int	n = 0;

	n = (n + 1) % 4;
	numapg_format_list(mask, buf[n], sizeof(buf[n]));
	return buf[n];
}

#endif							/* NUMAPG_TEST_TEXT_H */
