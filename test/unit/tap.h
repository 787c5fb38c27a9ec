/*-------------------------------------------------------------------------
 *
 * tap.h
 *		A few macros that print the Test Anything Protocol, for the C unit
 *		tests of numa_pg's pure modules.  prove(1) runs the binaries.
 *
 * IDENTIFICATION
 *	  test/unit/tap.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_TAP_H
#define NUMAPG_TAP_H

#include <stdio.h>
#include <string.h>

static int	tap_count = 0;
static int	tap_failed = 0;

/* ok(cond, name...): one test line; the name is a printf format */
#define ok(cond, ...) \
	do { \
		int			ok_pass_ = (cond) ? 1 : 0; \
		printf("%sok %d - ", ok_pass_ ? "" : "not ", ++tap_count); \
		printf(__VA_ARGS__); \
		printf("\n"); \
		if (!ok_pass_) \
		{ \
			tap_failed++; \
			printf("#   failed at %s line %d: %s\n", __FILE__, __LINE__, #cond); \
		} \
	} while (0)

/* is_int(got, expected, name...) */
#define is_int(got, expected, ...) \
	do { \
		long long	got_ = (long long) (got); \
		long long	exp_ = (long long) (expected); \
		ok(got_ == exp_, __VA_ARGS__); \
		if (got_ != exp_) \
			printf("#          got: %lld\n#     expected: %lld\n", got_, exp_); \
	} while (0)

/* is_str(got, expected, name...) */
#define is_str(got, expected, ...) \
	do { \
		const char *got_ = (got); \
		const char *exp_ = (expected); \
		int			same_ = got_ && exp_ && strcmp(got_, exp_) == 0; \
		ok(same_, __VA_ARGS__); \
		if (!same_) \
			printf("#          got: '%s'\n#     expected: '%s'\n", \
				   got_ ? got_ : "(null)", exp_ ? exp_ : "(null)"); \
	} while (0)

/* contains(haystack, needle, name...) */
#define contains(haystack, needle, ...) \
	do { \
		const char *hay_ = (haystack); \
		int			found_ = hay_ && strstr(hay_, (needle)) != NULL; \
		ok(found_, __VA_ARGS__); \
		if (!found_) \
			printf("#   '%s'\n#   does not contain '%s'\n", hay_ ? hay_ : "(null)", (needle)); \
	} while (0)

/* print the plan (at the end) and return the exit status for main() */
static inline int
done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif							/* NUMAPG_TAP_H */
