/*-------------------------------------------------------------------------
 *
 * test_spsc.c
 *		Unit tests of the single-producer/single-consumer ring, in one
 *		thread.  stress_spsc.c tests it with two processes and two threads.
 *
 * IDENTIFICATION
 *	  test/unit/test_spsc.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "spsc.h"
#include "tap.h"

/* size bytes of 64-byte aligned memory (aligned_alloc is C11, not gnu99) */
static void *
alloc64(size_t size)
{
	void	   *mem = NULL;

	if (size == 0 || posix_memalign(&mem, 64, size) != 0)
		return NULL;
	return mem;
}

/* A ring of the given shape in fresh 64-byte aligned memory. */
static NumaPgSpscRing *
new_ring(uint32_t capacity, uint32_t slot_size)
{
	size_t		size = numapg_spsc_size(capacity, slot_size);
	void	   *mem = alloc64(size);

	if (mem == NULL)
		return NULL;
	memset(mem, 0x7f, size);	/* garbage: init must not rely on zeroes */
	if (!numapg_spsc_init((NumaPgSpscRing *) mem, capacity, slot_size))
	{
		free(mem);
		return NULL;
	}
	return (NumaPgSpscRing *) mem;
}

/* Fill buf with len bytes that depend on seed. */
static void
fill(unsigned char *buf, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (unsigned char) (seed * 31 + i * 7 + 1);
}

/* Does buf hold what fill(seed) writes? */
static bool
check(const unsigned char *buf, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		if (buf[i] != (unsigned char) (seed * 31 + i * 7 + 1))
			return false;
	return true;
}

/*
 * Move an empty ring's counters to "start", as if that many messages had
 * gone through it, to test positions past 2^32 and the wrap of 2^64
 * without pushing billions of messages.
 */
static void
start_at(NumaPgSpscRing *ring, uint64_t start)
{
	ring->head = ring->tail = start;
	ring->cached_head = ring->cached_tail = start;
}

/*
 * Push and pop "rounds" bursts of 1..capacity messages of varied lengths
 * (0..max), checking each one.  Returns the number of failures.
 */
static int
churn(NumaPgSpscRing *ring, int rounds)
{
	uint32_t	cap = numapg_spsc_capacity(ring);
	uint32_t	max = numapg_spsc_max_message(ring);
	unsigned char *msg = malloc(max + 1);
	unsigned char *got = malloc(max + 1);
	uint32_t	sent = 0;
	uint32_t	received = 0;
	int			failures = 0;

	for (int r = 0; r < rounds; r++)
	{
		uint32_t	burst = 1 + (uint32_t) r % cap;

		for (uint32_t i = 0; i < burst; i++, sent++)
		{
			uint32_t	len = (sent * 13) % (max + 1);

			fill(msg, len, sent);
			if (!numapg_spsc_push(ring, msg, len))
				failures++;
		}
		if (numapg_spsc_depth(ring) != burst)
			failures++;
		for (uint32_t i = 0; i < burst; i++, received++)
		{
			uint32_t	len = 0;

			if (!numapg_spsc_pop(ring, got, max, &len) ||
				len != (received * 13) % (max + 1) ||
				!check(got, len, received))
				failures++;
		}
	}
	if (numapg_spsc_pop(ring, got, max, NULL))
		failures++;
	free(msg);
	free(got);
	return failures;
}

int
main(void)
{
	NumaPgSpscRing *ring;
	NumaPgSpscRing *copy;
	NumaPgSpscStats stats;
	unsigned char msg[256];
	unsigned char got[256];
	uint32_t	len;
	int			failures;
	bool		all;
	char	   *raw;

	/* sizes and parameter validation */
	is_int(sizeof(NumaPgSpscRing), 3 * 64, "the header is three cache lines");
	is_int(numapg_spsc_size(2, 16), 3 * 64 + 2 * 16, "size of the smallest ring");
	is_int(numapg_spsc_size(1024, 128), 3 * 64 + 1024 * 128,
		   "size of a 1024 x 128 ring");
	is_int(numapg_spsc_size(0, 64), 0, "capacity 0 is invalid");
	is_int(numapg_spsc_size(1, 64), 0, "capacity 1 is invalid");
	is_int(numapg_spsc_size(3, 64), 0, "capacity 3 (not a power of 2) is invalid");
	is_int(numapg_spsc_size(1000, 64), 0, "capacity 1000 is invalid");
	is_int(numapg_spsc_size(UINT32_MAX, 64), 0, "capacity 2^32-1 is invalid");
	is_int(numapg_spsc_size(4, 0), 0, "slot size 0 is invalid");
	is_int(numapg_spsc_size(4, 8), 0, "slot size 8 (below 16) is invalid");
	is_int(numapg_spsc_size(4, 20), 0, "slot size 20 (not a multiple of 8) is invalid");
	is_int(numapg_spsc_size(4, 17), 0, "slot size 17 is invalid");
	ok(numapg_spsc_size(UINT32_C(1) << 31, 16) > 0,
	   "capacity 2^31 is valid (the largest power of 2 in 32 bits)");

	raw = alloc64(4096);
	ok(!numapg_spsc_init((NumaPgSpscRing *) raw, 3, 64),
	   "init refuses capacity 3");
	ok(!numapg_spsc_init((NumaPgSpscRing *) raw, 1, 64),
	   "init refuses capacity 1");
	ok(!numapg_spsc_init((NumaPgSpscRing *) raw, 4, 12),
	   "init refuses slot size 12");
	ok(!numapg_spsc_init((NumaPgSpscRing *) (raw + 4), 4, 64),
	   "init refuses a ring that is not 8-byte aligned");
	ok(!numapg_spsc_init(NULL, 4, 64), "init refuses NULL");
	ok(numapg_spsc_init((NumaPgSpscRing *) (raw + 8), 4, 64),
	   "init accepts a ring that is 8-byte aligned only");
	free(raw);

	/* round trip */
	ring = new_ring(8, 64);
	ok(ring != NULL, "a ring of 8 slots of 64 bytes");
	is_int(numapg_spsc_capacity(ring), 8, "capacity is 8");
	is_int(numapg_spsc_max_message(ring), 64 - NUMAPG_SPSC_SLOT_HEADER,
		   "max message is the slot size minus the 8-byte slot header");
	is_int(numapg_spsc_depth(ring), 0, "a new ring is empty");
	len = 12345;
	ok(!numapg_spsc_pop(ring, got, sizeof(got), &len), "pop on an empty ring is refused");
	is_int(len, 0, "  and sets the length to 0");
	ok(numapg_spsc_push(ring, "hello", 5), "push \"hello\"");
	is_int(numapg_spsc_depth(ring), 1, "depth is 1");
	memset(got, 0, sizeof(got));
	ok(numapg_spsc_pop(ring, got, sizeof(got), &len), "pop it");
	is_int(len, 5, "  length 5");
	is_str((char *) got, "hello", "  same bytes");
	is_int(numapg_spsc_depth(ring), 0, "depth is 0 again");
	ok(!numapg_spsc_pop(ring, got, sizeof(got), &len), "the ring is empty again");

	/* FIFO order, full ring */
	all = true;
	for (uint32_t i = 0; i < 8; i++)
	{
		fill(msg, i + 1, i);
		all = all && numapg_spsc_push(ring, msg, i + 1);
	}
	ok(all, "8 pushes fill the ring");
	is_int(numapg_spsc_depth(ring), 8, "depth is 8");
	ok(!numapg_spsc_push(ring, "x", 1), "a push into the full ring is refused");
	ok(!numapg_spsc_push(ring, "", 0), "  even of an empty message");
	is_int(numapg_spsc_depth(ring), 8, "depth is still 8");
	all = true;
	for (uint32_t i = 0; i < 8; i++)
		all = all && numapg_spsc_pop(ring, got, sizeof(got), &len) &&
			len == i + 1 && check(got, len, i);
	ok(all, "8 pops return the messages in order, intact");
	ok(!numapg_spsc_pop(ring, got, sizeof(got), &len), "then the ring is empty");
	ok(numapg_spsc_push(ring, "y", 1), "and accepts a push again");
	ok(numapg_spsc_pop(ring, got, sizeof(got), &len) && len == 1 && got[0] == 'y',
	   "  which pops back");

	/* counters */
	numapg_spsc_stats(ring, &stats);
	is_int(stats.pushed, 10, "stats: 10 pushed");
	is_int(stats.popped, 10, "stats: 10 popped");
	is_int(stats.push_full, 2, "stats: 2 pushes refused because full");
	is_int(stats.push_too_long, 0, "stats: no push too long");
	is_int(stats.pop_too_small, 0, "stats: no pop into too small a buffer");

	/* message size boundaries */
	fill(msg, 56, 99);
	ok(numapg_spsc_push(ring, msg, 56), "a message of exactly max (56) bytes is accepted");
	ok(!numapg_spsc_push(ring, msg, 57), "a message of max+1 bytes is refused");
	ok(!numapg_spsc_push(ring, msg, UINT32_MAX), "a message of 2^32-1 bytes is refused");
	is_int(numapg_spsc_depth(ring), 1, "refused pushes leave the depth alone");
	memset(got, 0, sizeof(got));
	ok(numapg_spsc_pop(ring, got, 56, &len),
	   "the max message pops into a buffer of exactly max bytes");
	ok(len == 56 && check(got, 56, 99) && got[56] == 0,
	   "  intact, and nothing written past it");

	/* zero-length messages */
	ok(numapg_spsc_push(ring, NULL, 0), "a zero-length message (NULL data) is accepted");
	is_int(numapg_spsc_depth(ring), 1, "  and counts as one message");
	len = 777;
	ok(numapg_spsc_pop(ring, NULL, 0, &len), "it pops into no buffer at all");
	is_int(len, 0, "  with length 0");
	ok(!numapg_spsc_pop(ring, NULL, 0, &len), "the ring is empty again");

	/* pop into too small a buffer: refused, message kept */
	fill(msg, 10, 5);
	ok(numapg_spsc_push(ring, msg, 10), "push 10 bytes");
	memset(got, 0xEE, sizeof(got));
	len = 0;
	ok(!numapg_spsc_pop(ring, got, 9, &len), "pop into a 9-byte buffer is refused");
	is_int(len, 10, "  and reports the length needed (10 > 9, unlike empty)");
	ok(got[0] == 0xEE && got[8] == 0xEE, "  and copies nothing");
	is_int(numapg_spsc_depth(ring), 1, "  and leaves the message in the ring");
	ok(!numapg_spsc_pop(ring, NULL, 0, NULL), "pop into no buffer is refused too");
	ok(numapg_spsc_pop(ring, got, 10, &len) && len == 10 && check(got, 10, 5),
	   "then a 10-byte buffer gets it, intact");

	/* skip: a message no buffer takes is dropped, the next one is intact */
	ok(!numapg_spsc_skip(ring), "skip on an empty ring does nothing");
	fill(msg, 12, 6);
	ok(numapg_spsc_push(ring, msg, 12) && numapg_spsc_push(ring, "next", 4),
	   "push 12 bytes, then 4");
	ok(!numapg_spsc_pop(ring, got, 8, &len) && len == 12,
	   "an 8-byte buffer cannot take the first");
	ok(numapg_spsc_skip(ring), "skip drops it");
	memset(got, 0, sizeof(got));
	ok(numapg_spsc_pop(ring, got, 8, &len) && len == 4 && memcmp(got, "next", 4) == 0,
	   "  and the next message pops intact");
	ok(!numapg_spsc_pop(ring, got, sizeof(got), &len) && len == 0, "  and the ring is empty");

	numapg_spsc_stats(ring, &stats);
	is_int(stats.pushed, 15, "stats: 15 pushed");
	is_int(stats.popped, 15, "stats: 15 popped (a skipped message counts)");
	is_int(stats.push_too_long, 2, "stats: 2 pushes refused as too long");
	is_int(stats.pop_too_small, 3, "stats: 3 pops refused for a small buffer");
	is_int(stats.push_full, 2, "stats: still 2 pushes refused because full");

	/* the region holds no pointer: a byte copy elsewhere works */
	ok(numapg_spsc_push(ring, "one", 3) && numapg_spsc_push(ring, "two", 3),
	   "push two messages");
	copy = alloc64(numapg_spsc_size(8, 64));
	memcpy(copy, ring, numapg_spsc_size(8, 64));
	memset(ring, 0, numapg_spsc_size(8, 64));
	free(ring);
	memset(got, 0, sizeof(got));
	ok(numapg_spsc_pop(copy, got, sizeof(got), &len) && len == 3 &&
	   memcmp(got, "one", 3) == 0, "a copy of the region at another address pops the first");
	ok(numapg_spsc_pop(copy, got, sizeof(got), &len) && len == 3 &&
	   memcmp(got, "two", 3) == 0, "  then the second");
	free(copy);

	/* wrap-around, many times, with the smallest ring */
	ring = new_ring(2, 16);
	is_int(churn(ring, 100000), 0,
		   "a 2-slot ring wraps 75000 times without a wrong message");
	free(ring);
	ring = new_ring(16, 200);
	is_int(churn(ring, 20000), 0,
		   "a 16-slot ring wraps over 10000 times without a wrong message");
	numapg_spsc_stats(ring, &stats);
	is_int(stats.pushed, stats.popped, "  pushed equals popped");
	is_int(stats.pushed, 20000 / 16 * (16 * 17 / 2), "  and counts every message");
	free(ring);

	/* positions beyond 2^32, and the wrap of the 64-bit counters */
	ring = new_ring(4, 32);
	start_at(ring, (UINT64_C(1) << 32) - 2);
	all = true;
	for (uint32_t i = 0; i < 4; i++)
		all = all && numapg_spsc_push(ring, &i, sizeof(i));
	ok(all, "4 pushes across position 2^32");
	is_int(numapg_spsc_depth(ring), 4, "  depth is 4 across 2^32");
	ok(!numapg_spsc_push(ring, "z", 1), "  the ring is seen full across 2^32");
	all = true;
	for (uint32_t i = 0; i < 4; i++)
	{
		uint32_t	v = 99;

		all = all && numapg_spsc_pop(ring, &v, sizeof(v), &len) && v == i;
	}
	ok(all, "  and they pop back in order");
	numapg_spsc_stats(ring, &stats);
	ok(stats.pushed == (UINT64_C(1) << 32) + 2 && stats.popped == stats.pushed,
	   "  the counters passed 2^32 (64-bit, not truncated)");

	start_at(ring, UINT64_MAX - 1);
	is_int(churn(ring, 1000), 0, "churn across the wrap of 2^64");
	is_int(numapg_spsc_depth(ring), 0, "  depth is 0 after the wrap");
	start_at(ring, UINT64_MAX - 1);
	all = true;
	for (uint32_t i = 0; i < 4; i++)
		all = all && numapg_spsc_push(ring, &i, sizeof(i));
	ok(all && numapg_spsc_depth(ring) == 4 && !numapg_spsc_push(ring, "z", 1),
	   "full with head past 2^64 and tail before it: depth 4, push refused");
	failures = 0;
	for (uint32_t i = 0; i < 4; i++)
	{
		uint32_t	v = 99;

		if (!numapg_spsc_pop(ring, &v, sizeof(v), &len) || v != i)
			failures++;
	}
	is_int(failures, 0, "  and they pop back in order");
	free(ring);

	return done_testing();
}
