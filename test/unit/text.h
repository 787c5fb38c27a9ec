/*-------------------------------------------------------------------------
 *
 * text.h
 *		Text helpers for the C unit tests of the messages of numa_pg's pure
 *		modules: long inputs made by repetition, and a UTF-8 check.
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

#endif							/* NUMAPG_TEST_TEXT_H */
