/*-------------------------------------------------------------------------
 *
 * test_rng.h
 *		A small deterministic random number generator for the unit tests,
 *		so that a failing case can be replayed.
 *
 * IDENTIFICATION
 *	  test/unit/test_rng.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_TEST_RNG_H
#define NUMAPG_TEST_RNG_H

#include <stdint.h>

/* xorshift64*, always from the same seed */
static uint64_t rng_state = 88172645463325252ULL;

static inline uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

/* uniform in [0, n) (n > 0); bias is negligible for our n */
static inline uint64_t
rng_below(uint64_t n)
{
	return rng() % n;
}

#endif							/* NUMAPG_TEST_RNG_H */
