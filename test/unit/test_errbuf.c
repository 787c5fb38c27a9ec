/*-------------------------------------------------------------------------
 *
 * test_errbuf.c
 *		Unit tests of the pure modules' messages: whole characters, bounded
 *		quotes of user input, and cuts between characters.
 *
 * IDENTIFICATION
 *	  test/unit/test_errbuf.c
 *
 *-------------------------------------------------------------------------
 */
#include <locale.h>
#include <stdlib.h>

#include "errbuf.h"
#include "nodemask.h"
#include "tap.h"
#include "text.h"

/*
 * A double-byte encoding shaped like EUC: a byte of 0x80 or more starts a
 * character of two bytes.  Not valid UTF-8, so the default rule would cut
 * its characters in two.
 */
static size_t
euc_like_length(const char *s, size_t avail)
{
	return ((unsigned char) s[0] >= 0x80 && avail >= 2) ? 2 : 1;
}

int
main(void)
{
	char		quoted[NUMAPG_QUOTE_BUF];
	char		small[16];
	char		err[256];
	NumaPgMask	mask;
	const char *e = "\xc3\xa9";

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "en_US.UTF-8");

	/* characters */
	is_int(numapg_utf8_char_length("a", 1), 1, "ASCII is one byte");
	is_int(numapg_utf8_char_length(e, 2), 2, "\"%s\" is two bytes", e);
	is_int(numapg_utf8_char_length("\xe2\x82\xac", 3), 3, "the euro sign is three bytes");
	is_int(numapg_utf8_char_length("\xf0\x9f\x98\x80", 4), 4, "an emoji is four bytes");
	is_int(numapg_utf8_char_length("\xc3,", 2), 1, "a lead byte before a comma is a character of its own");
	is_int(numapg_utf8_char_length(e, 1), 1, "a sequence cut short is one byte");
	is_int(numapg_utf8_char_length("\xa9", 1), 1, "a lone continuation byte is one");
	is_int(numapg_utf8_char_length("\xc0\xaf", 2), 1, "an overlong form is not a character");
	is_int(numapg_utf8_char_length("\xed\xa0\x80", 3), 1, "a surrogate is not a character");
	is_int(numapg_utf8_char_length("\xf4\x90\x80\x80", 4), 1, "beyond U+10FFFF is not a character");
	is_int(numapg_char_position("a\xc3\xa9" "b", 3), 3, "positions count characters, not bytes");

	/* quotes */
	is_str(numapg_quote("0-3", 3, quoted, sizeof(quoted)), "0-3", "a short text is quoted whole");
	is_str(numapg_quote("0123456789012345678901234567890123456789", 40, quoted, sizeof(quoted)),
		   "0123456789012345678901234567890123456789", "  so is one of exactly NUMAPG_QUOTE_MAX bytes");
	is_str(numapg_quote("01234567890123456789012345678901234567890", 41, quoted, sizeof(quoted)),
		   "0123456789012345678901234567890123456789...", "  one byte more ends in \"...\"");
	numapg_quote("0123456789012345678901234567890123456789\xc3\xa9\xc3\xa9", 44, quoted, sizeof(quoted));
	is_str(quoted, "0123456789012345678901234567890123456789...", "  a character across the limit is left out whole");
	numapg_quote("012345678901234567890123456789012345678\xc3\xa9", 41, quoted, sizeof(quoted));
	is_str(quoted, "012345678901234567890123456789012345678...", "  even the character that would end at byte 41");
	ok(valid_utf8(quoted), "  and the quote is valid UTF-8");
	is_str(numapg_quote("abc", 2, quoted, sizeof(quoted)), "ab", "only len bytes are quoted");
	is_str(numapg_quote("abc", 3, small, sizeof(small)), "", "a buffer too small for any quote gets an empty string");

	/* a message too long for its buffer is cut between characters */
	numapg_errorf(small, sizeof(small), "%s%s%s%s%s%s%s%s", e, e, e, e, e, e, e, e);
	is_str(small, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...",
		   "a cut message keeps whole characters and ends in \"...\"");
	ok(valid_utf8(small), "  and is valid UTF-8");
	numapg_errorf(small, sizeof(small), "short");
	is_str(small, "short", "a message that fits is left alone");

	/* another encoding's characters, as the server installs */
	numapg_set_char_length(euc_like_length);
	ok(!numapg_parse_list("0\xa4\xa2,1", NUMAPG_LIST_NODES, &mask, err, sizeof(err)),
	   "with an EUC-like encoding, \"0\\xa4\\xa2,1\" is rejected");
	is_str(err, "Unexpected character \"\xa4\xa2\" at position 2 of \"0\xa4\xa2,1\"",
		   "  quoting the two-byte character whole");
	numapg_set_char_length(NULL);
	ok(!numapg_parse_list("0\xa4\xa2,1", NUMAPG_LIST_NODES, &mask, err, sizeof(err)),
	   "back to UTF-8, the same bytes are two characters");
	is_str(err, "Unexpected character \"\xa4\" at position 2 of \"0\xa4\xa2,1\"", "  of one byte each");

	return done_testing();
}
