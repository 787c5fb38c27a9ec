/*-------------------------------------------------------------------------
 *
 * key_hash.c
 *		The hash of a state key: which worker owns it (high bits) and where
 *		its store starts probing (low bits).
 *
 * Pure C, no PostgreSQL headers: the unit tests use it directly.
 *
 * IDENTIFICATION
 *	  src/key_hash.c
 *
 *-------------------------------------------------------------------------
 */
#include "key_hash.h"

#include <string.h>

#define HASH_K1		UINT64_C(0x9e3779b97f4a7c15)	/* 2^64 / golden ratio */
#define HASH_K2		UINT64_C(0xbf58476d1ce4e5b9)
#define HASH_K3		UINT64_C(0x94d049bb133111eb)

/* Rotate left by r bits (0 < r < 64). */
static inline uint64_t
rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/*
 * murmur3's 64-bit finalizer: every input bit flips each output bit with
 * probability close to 1/2.
 */
static inline uint64_t
fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	k *= UINT64_C(0xc4ceb9fe1a85ec53);
	k ^= k >> 33;
	return k;
}

/* An unaligned native-order 64-bit load. */
static inline uint64_t
load64(const unsigned char *p)
{
	uint64_t	v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* An unaligned native-order 32-bit load. */
static inline uint32_t
load32(const unsigned char *p)
{
	uint32_t	v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Fold one 64-bit word of key into the running hash. */
static inline uint64_t
hash_round(uint64_t h, uint64_t w)
{
	h ^= rotl64(w * HASH_K2, 31) * HASH_K3;
	return rotl64(h, 29) * HASH_K1 + HASH_K2;
}

/*
 * 64-bit hash of a key: 8 bytes per round, a last round for the 1-7 bytes
 * left (each byte read at least once), the length in the seed, then
 * fmix64 so that both the low bits (the table's) and the high bits (the
 * router's) are well mixed.  Each round is a bijection of the running
 * hash, and of the word for a given running hash.
 */
uint64_t
numapg_state_hash(const void *key, uint32_t keylen)
{
	const unsigned char *p = key;
	uint32_t	n = keylen;
	uint64_t	h = HASH_K1 ^ ((uint64_t) keylen * HASH_K3);

	while (n >= 8)
	{
		h = hash_round(h, load64(p));
		p += 8;
		n -= 8;
	}
	if (n >= 4)
		h = hash_round(h, load32(p) | ((uint64_t) load32(p + n - 4) << 32));
	else if (n > 0)
		h = hash_round(h, (uint64_t) p[0] | ((uint64_t) p[n / 2] << 8) |
					   ((uint64_t) p[n - 1] << 16));
	return fmix64(h);
}
