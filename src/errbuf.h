/*-------------------------------------------------------------------------
 *
 * errbuf.h
 *		Error messages of the pure modules, which cannot ereport: they
 *		format into a caller's buffer and return false.
 *
 * A message that quotes user input (a GUC's value) quotes a bounded
 * excerpt of it, cut between whole characters, so that the explanation
 * that follows is never cut off and the message is always valid text in
 * the server's encoding, whatever the value's length or characters.
 *
 * IDENTIFICATION
 *	  src/errbuf.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_ERRBUF_H
#define NUMAPG_ERRBUF_H

#include <stdbool.h>
#include <stddef.h>

/* Most bytes of user input one quote holds; a longer input ends in "..." */
#define NUMAPG_QUOTE_MAX	40
/* A buffer for numapg_quote(): the excerpt, "..." and the NUL */
#define NUMAPG_QUOTE_BUF	(NUMAPG_QUOTE_MAX + 4)
/* Room for any message of the pure modules, with their quotes */
#define NUMAPG_ERRBUF_SIZE	512

/*
 * Length in bytes (1 to avail) of the character that starts at s, in the
 * encoding of the text being quoted.
 */
typedef size_t (*NumaPgCharLength) (const char *s, size_t avail);

extern bool numapg_errorf(char *errbuf, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
extern void numapg_set_char_length(NumaPgCharLength fn);
extern size_t numapg_utf8_char_length(const char *s, size_t avail);
extern size_t numapg_char_length(const char *s, size_t avail);
extern size_t numapg_char_position(const char *text, size_t offset);
extern const char *numapg_quote(const char *text, size_t len, char *buf,
								size_t buflen);

#endif							/* NUMAPG_ERRBUF_H */
