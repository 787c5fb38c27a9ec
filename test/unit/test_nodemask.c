/*-------------------------------------------------------------------------
 *
 * test_nodemask.c
 *		Unit tests of the CPU/node list parser and formatter.
 *
 * IDENTIFICATION
 *	  test/unit/test_nodemask.c
 *
 *-------------------------------------------------------------------------
 */
#include <locale.h>
#include <stdlib.h>

#include "nodemask.h"
#include "tap.h"
#include "text.h"

/* Parse text, and return its canonical form ("" on error, errbuf set). */
static const char *
roundtrip(const char *text, NumaPgListKind kind, char *errbuf, size_t errlen)
{
	static char out[1024];
	NumaPgMask	mask;

	errbuf[0] = '\0';
	if (!numapg_parse_list(text, kind, &mask, errbuf, errlen))
		return "";
	numapg_format_list(&mask, out, sizeof(out));
	return out;
}

/* Check that text is rejected with a message containing want. */
static void
rejects(const char *text, NumaPgListKind kind, const char *want)
{
	char		err[256];
	NumaPgMask	mask;
	bool		parsed;

	err[0] = '\0';
	parsed = numapg_parse_list(text, kind, &mask, err, sizeof(err));
	ok(!parsed, "\"%s\" is rejected", text ? text : "(null)");
	contains(err, want, "  and the message says \"%s\"", want);
}

/*
 * Check that text is rejected with exactly the message want, in a buffer
 * of 256 bytes (as the GUC check hooks use), and that it is valid UTF-8.
 */
static void
rejects_with(const char *text, NumaPgListKind kind, const char *want,
			 const char *name)
{
	char		err[256];
	NumaPgMask	mask;

	err[0] = '\0';
	ok(!numapg_parse_list(text, kind, &mask, err, sizeof(err)), "%s is rejected", name);
	is_str(err, want, "  with the whole message");
	ok(valid_utf8(err), "  which is valid UTF-8");
}

int
main(void)
{
	char		err[256];
	NumaPgMask	mask;
	NumaPgMask	other;
	char		small[6];
	size_t		need;
	int			missing = -1;

	/* good input */
	is_str(roundtrip("0-3,8,10-11", NUMAPG_LIST_CPUS, err, sizeof(err)),
		   "0-3,8,10-11", "a mixed list round-trips");
	is_str(roundtrip(" 5 , 1-2 ,3 ", NUMAPG_LIST_CPUS, err, sizeof(err)),
		   "1-3,5", "blanks are allowed and ranges merge when formatted");
	is_str(roundtrip("7", NUMAPG_LIST_CPUS, err, sizeof(err)), "7",
		   "a single CPU");
	is_str(roundtrip("4-4", NUMAPG_LIST_CPUS, err, sizeof(err)), "4",
		   "a one-element range");
	is_str(roundtrip("8191", NUMAPG_LIST_CPUS, err, sizeof(err)), "8191",
		   "the largest CPU id is accepted");
	is_str(roundtrip("1023", NUMAPG_LIST_NODES, err, sizeof(err)), "1023",
		   "the largest node id is accepted");
	is_str(roundtrip("0-1\n", NUMAPG_LIST_CPUS, err, sizeof(err)), "0-1",
		   "a trailing newline (as sysfs writes) is accepted");
	is_str(roundtrip("60-70", NUMAPG_LIST_CPUS, err, sizeof(err)), "60-70",
		   "a range across a 64-bit word boundary");

	/* bad input */
	rejects("", NUMAPG_LIST_CPUS, "The CPU list is empty");
	rejects("   ", NUMAPG_LIST_CPUS, "The CPU list is empty");
	rejects(NULL, NUMAPG_LIST_NODES, "The node list is empty");
	rejects("3-1", NUMAPG_LIST_CPUS, "Range \"3-1\" is reversed; write \"1-3\"");
	rejects("0,,1", NUMAPG_LIST_CPUS, "Empty item at position 3");
	rejects(",1", NUMAPG_LIST_CPUS, "Empty item at position 1");
	rejects("0-3,", NUMAPG_LIST_CPUS, "ends with a comma");
	rejects("0-", NUMAPG_LIST_CPUS, "A CPU number is missing at the end");
	rejects("abc", NUMAPG_LIST_CPUS, "Unexpected character \"a\" at position 1");
	rejects("1;2", NUMAPG_LIST_CPUS, "Unexpected character \";\" at position 2");
	rejects("-1", NUMAPG_LIST_CPUS, "Unexpected character \"-\" at position 1");
	rejects("1.5", NUMAPG_LIST_CPUS, "Unexpected character \".\"");
	rejects("0x1", NUMAPG_LIST_CPUS, "Unexpected character \"x\"");
	rejects("8192", NUMAPG_LIST_CPUS, "CPU number \"8192\" is out of range (at most 8191)");
	rejects("1024", NUMAPG_LIST_NODES, "Node number \"1024\" is out of range (at most 1023)");
	rejects("99999999999999999999999", NUMAPG_LIST_CPUS,
			"is out of range");
	rejects("0-99999999999999999999", NUMAPG_LIST_CPUS, "is out of range");
	rejects("1,2,1", NUMAPG_LIST_CPUS, "CPU 1 is listed more than once");
	rejects("0-4,3-6", NUMAPG_LIST_CPUS, "CPU 3 is listed more than once");
	rejects("2,2", NUMAPG_LIST_NODES, "Node 2 is listed more than once");

	/*
	 * Messages quote whole characters, and a bounded excerpt of a long
	 * value, so that the explanation is never cut off (in UTF-8 here).
	 */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "en_US.UTF-8");
	rejects_with("\xc3\xa9", NUMAPG_LIST_CPUS,
				 "Unexpected character \"\xc3\xa9\" at position 1 of \"\xc3\xa9\"",
				 "\"\xc3\xa9\" (a two-byte character)");
	rejects_with("0,\xc3\xa9", NUMAPG_LIST_CPUS,
				 "Unexpected character \"\xc3\xa9\" at position 3 of \"0,\xc3\xa9\"",
				 "\"0,\xc3\xa9\"");
	rejects_with("1\xf0\x9f\x98\x80", NUMAPG_LIST_CPUS,
				 "Unexpected character \"\xf0\x9f\x98\x80\" at position 2 of \"1\xf0\x9f\x98\x80\"",
				 "a four-byte character");
	rejects("\xc3,1", NUMAPG_LIST_CPUS, "Unexpected character \"\xc3\" at position 1 of");
	rejects_with(repeat("", "9", 10000, ""), NUMAPG_LIST_CPUS,
				 "CPU number \"9999999999999999999999999999999999999999...\" is out of range (at most 8191)",
				 "a CPU number of 10000 digits");
	rejects_with(repeat("0-1", ",1", 3000, ""), NUMAPG_LIST_CPUS,
				 "CPU 1 is listed more than once", "a list of 6003 characters");
	rejects_with(repeat("0,1,2,3,4,5,6,7,8,9,", " ", 5000, "x"), NUMAPG_LIST_CPUS,
				 repeat("Unexpected character \"x\" at position 5021 of \"0,1,2,3,4,5,6,7,8,9,", " ", 20, "...\""),
				 "a stray character after 5000 blanks");
	rejects_with(repeat("0", "\xc3\xa9", 200, ""), NUMAPG_LIST_NODES,
				 repeat("Unexpected character \"\xc3\xa9\" at position 2 of \"0", "\xc3\xa9", 19, "...\""),
				 "\"0\" and 200 two-byte characters");
	rejects_with(repeat("1,2,", "\xe2\x82\xac", 30, ""), NUMAPG_LIST_NODES,
				 repeat("Unexpected character \"\xe2\x82\xac\" at position 5 of \"1,2,", "\xe2\x82\xac", 12, "...\""),
				 "\"1,2,\" and 30 three-byte characters (cut between characters)");
	rejects_with(repeat("", "0", 300, ","), NUMAPG_LIST_CPUS,
				 "The list \"0000000000000000000000000000000000000000...\" ends with a comma",
				 "a list of 300 zeros and a comma");
	rejects_with(repeat("", "0", 300, "-"), NUMAPG_LIST_CPUS,
				 "A CPU number is missing at the end of \"0000000000000000000000000000000000000000...\"",
				 "a list of 300 zeros and a dash");
	rejects_with(repeat("", "\xc3\xa9", 100, ""), NUMAPG_LIST_CPUS,
				 repeat("Unexpected character \"\xc3\xa9\" at position 1 of \"", "\xc3\xa9", 20, "...\""),
				 "100 two-byte characters");

	/* mask operations */
	ok(numapg_parse_list("0-3,8", NUMAPG_LIST_CPUS, &mask, err, sizeof(err)),
	   "parse 0-3,8");
	is_int(numapg_mask_count(&mask), 5, "count of 0-3,8");
	is_int(numapg_mask_next(&mask, 3), 8, "next after 3 skips to 8");
	is_int(numapg_mask_next(&mask, 8), -1, "nothing after 8");
	ok(numapg_parse_list("0-8", NUMAPG_LIST_CPUS, &other, err, sizeof(err)),
	   "parse 0-8");
	ok(numapg_mask_is_subset(&mask, &other, NULL), "0-3,8 is within 0-8");
	ok(!numapg_mask_is_subset(&other, &mask, &missing),
	   "0-8 is not within 0-3,8");
	is_int(missing, 4, "the first id missing is 4");
	numapg_mask_and(&other, &other, &mask);
	is_int(numapg_mask_count(&other), 5, "0-8 & 0-3,8 has 5 ids");
	ok(!numapg_mask_test(&mask, -1) && !numapg_mask_test(&mask, 9000),
	   "ids outside the mask test false");

	/* formatting into a short buffer truncates cleanly, without gaps */
	ok(numapg_parse_list("0-3,8,10-11", NUMAPG_LIST_CPUS, &mask, err,
						 sizeof(err)), "parse 0-3,8,10-11");
	need = numapg_format_list(&mask, small, sizeof(small));
	is_int(need, 11, "format reports the full length it needs");
	is_str(small, "0-3,8", "and writes only whole items that fit");
	numapg_mask_clear(&mask);
	need = numapg_format_list(&mask, small, sizeof(small));
	is_str(small, "", "an empty mask formats as an empty string");

	return done_testing();
}
