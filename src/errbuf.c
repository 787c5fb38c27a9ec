/*-------------------------------------------------------------------------
 *
 * errbuf.c
 *		Error messages of the pure modules, which cannot ereport: they
 *		format into a caller's buffer and return false.
 *
 * Characters: this module knows no PostgreSQL encoding.  By default it
 * reads text as UTF-8, a valid sequence being one character and any other
 * byte one character of its own, which is exact for UTF-8 and for every
 * single-byte encoding.  The server, which knows its database encoding,
 * installs its own rule with numapg_set_char_length().
 *
 * IDENTIFICATION
 *	  src/errbuf.c
 *
 *-------------------------------------------------------------------------
 */
#include "errbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static NumaPgCharLength char_length_fn = numapg_utf8_char_length;

/*
 * Length of the UTF-8 character at s: 2 to 4 for a valid multibyte
 * sequence (shortest form, no surrogate, at most U+10FFFF) that fits in
 * avail bytes, else 1.  A lone byte of a broken sequence thus counts as a
 * character of its own and is never glued to the bytes after it.
 */
size_t
numapg_utf8_char_length(const char *s, size_t avail)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		len;
	unsigned int lo = 0x80,
				hi = 0xBF;

	if (avail == 0)
		return 0;
	if (u[0] < 0xC2 || u[0] > 0xF4)
		return 1;				/* ASCII, a continuation byte, or invalid */
	len = u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
	if (len > avail)
		return 1;
	/* the second byte's range excludes overlong forms and surrogates */
	if (u[0] == 0xE0)
		lo = 0xA0;
	else if (u[0] == 0xED)
		hi = 0x9F;
	else if (u[0] == 0xF0)
		lo = 0x90;
	else if (u[0] == 0xF4)
		hi = 0x8F;
	if (u[1] < lo || u[1] > hi)
		return 1;
	for (size_t i = 2; i < len; i++)
		if (u[i] < 0x80 || u[i] > 0xBF)
			return 1;
	return len;
}

/*
 * Use fn to find characters from now on (NULL: back to UTF-8).  The server
 * calls it once, before it validates any setting.
 */
void
numapg_set_char_length(NumaPgCharLength fn)
{
	char_length_fn = fn ? fn : numapg_utf8_char_length;
}

/* Length of the character at s, 1 to avail bytes (0 if avail is 0). */
size_t
numapg_char_length(const char *s, size_t avail)
{
	size_t		len;

	if (avail == 0)
		return 0;
	len = char_length_fn(s, avail);
	return len < 1 ? 1 : len > avail ? avail : len;
}

/* The 1-based position, in characters, of the byte at offset in text. */
size_t
numapg_char_position(const char *text, size_t offset)
{
	size_t		position = 1;

	for (size_t i = 0; i < offset; position++)
		i += numapg_char_length(text + i, offset - i);
	return position;
}

/*
 * Bytes of text's first len bytes that make whole characters and fit in
 * limit bytes.
 */
static size_t
whole_characters(const char *text, size_t len, size_t limit)
{
	size_t		n = 0;

	while (n < len)
	{
		size_t		c = numapg_char_length(text + n, len - n);

		if (n + c > limit)
			break;
		n += c;
	}
	return n;
}

/*
 * An excerpt of the first len bytes of text to quote in a message: all of
 * them if they are at most NUMAPG_QUOTE_MAX bytes, else the whole
 * characters that fit in NUMAPG_QUOTE_MAX bytes followed by "...".  buf
 * must hold NUMAPG_QUOTE_BUF bytes.  Returns buf.
 */
const char *
numapg_quote(const char *text, size_t len, char *buf, size_t buflen)
{
	size_t		n;

	if (buflen < NUMAPG_QUOTE_BUF)
	{
		if (buflen > 0)
			buf[0] = '\0';
		return buf;
	}
	if (text == NULL)
		len = 0;
	n = len <= NUMAPG_QUOTE_MAX ? len : whole_characters(text, len, NUMAPG_QUOTE_MAX);
	if (n > 0)
		memcpy(buf, text, n);
	if (n < len)
	{
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/*
 * Format a message into errbuf (when it is not NULL) and return false, so
 * that a failing function can "return numapg_errorf(...)".  A message too
 * long for errbuf is cut between whole characters and ends in "...".
 */
bool
numapg_errorf(char *errbuf, size_t errlen, const char *fmt,...)
{
	va_list		ap;
	int			n;

	if (errbuf && errlen > 0)
	{
		va_start(ap, fmt);
		n = vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t) n >= errlen && errlen > 4)
		{
			size_t		keep = whole_characters(errbuf, errlen - 1, errlen - 4);

			memcpy(errbuf + keep, "...", 4);
		}
	}
	return false;
}
