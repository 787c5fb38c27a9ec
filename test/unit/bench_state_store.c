/*-------------------------------------------------------------------------
 *
 * bench_state_store.c
 *		Micro-benchmark of the per-worker state store: nanoseconds per
 *		lookup (hit and miss), per update, and per insert + delete, on a
 *		store with 64 MB of slots, half full of 16-byte keys with 64-byte
 *		values.  Prints TAP comments and one "ok" line, so prove(1) can run
 *		it; it asserts nothing about the times.
 *
 * Hits are timed twice: independent lookups (the CPU overlaps their cache
 * misses: throughput), and a dependent chain in which each value names
 * the next key (no overlap: latency).  Each figure is the best of
 * ROUNDS runs, as other processes share the machine.  For scale, the
 * benchmark ends by timing a plain pointer chase through the same memory,
 * one load per slot: a lookup that misses the caches cannot beat it.
 *
 * Usage: bench_state_store [MB of slots] [4k]
 * The store is in anonymous memory with transparent huge pages requested,
 * as PostgreSQL's huge_pages would give; "4k" uses normal pages.
 *
 * IDENTIFICATION
 *	  test/unit/bench_state_store.c
 *
 *-------------------------------------------------------------------------
 */
#include "state_store.h"
#include "tap.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define KEYLEN		16
#define VALLEN		64
#define NOPS		1000000
#define ROUNDS		3

typedef enum BenchKind
{
	BENCH_HASH,
	BENCH_HIT,
	BENCH_HIT_CHAIN,
	BENCH_MISS,
	BENCH_UPDATE,
	BENCH_INSERT_DELETE,
	BENCH_MEMORY,
	BENCH_KINDS
} BenchKind;

static const char *const bench_names[BENCH_KINDS] = {
	"hash of a 16-byte key",
	"lookup, hit (independent)",
	"lookup, hit (dependent)",
	"lookup, miss",
	"update (put, existing key)",
	"insert + delete (pair)",
	"memory: dependent load/slot",
};

static NumaPgStateStore *store;
static unsigned char *keys;		/* nlive live keys, then nlive absent ones */
static uint32_t *succ;			/* next key of the dependent chain */
static uint32_t nlive;
static uint64_t sink;

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64* */
static inline uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

/* A random live (or absent) key; nlive is a power of two, so no division. */
static inline const unsigned char *
random_key(bool live)
{
	uint32_t	i = (uint32_t) rng() & (nlive - 1);

	return keys + ((size_t) i + (live ? 0 : nlive)) * KEYLEN;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Key number i: 16 bytes, a tag and the number, as a caller might build. */
static void
make_key(uint32_t i, unsigned char *key)
{
	memcpy(key, "bench-key-", 10);
	memcpy(key + 10, &i, 4);
	key[14] = (unsigned char) (i >> 3);
	key[15] = 'k';
}

/* Time NOPS operations of one kind; returns ns per operation. */
static double
run(BenchKind kind)
{
	unsigned char value[VALLEN];
	uint32_t	next = 0;
	double		t0;

	memset(value, 'v', sizeof(value));
	t0 = now_ns();
	switch (kind)
	{
		case BENCH_HASH:
			for (int i = 0; i < NOPS; i++)
				sink += numapg_state_hash(random_key(true), KEYLEN);
			break;
		case BENCH_HIT:
			for (int i = 0; i < NOPS; i++)
			{
				uint32_t	len;
				const unsigned char *v = numapg_store_lookup(store, random_key(true),
														   KEYLEN, &len);

				sink += v[0] + len;
			}
			break;
		case BENCH_HIT_CHAIN:
			for (int i = 0; i < NOPS; i++)
			{
				const unsigned char *v =
					numapg_store_lookup(store, keys + (size_t) next * KEYLEN,
										KEYLEN, NULL);

				memcpy(&next, v, 4);
			}
			sink += next;
			break;
		case BENCH_MISS:
			for (int i = 0; i < NOPS; i++)
				sink += numapg_store_lookup(store, random_key(false), KEYLEN,
											NULL) != NULL;
			break;
		case BENCH_UPDATE:
			for (int i = 0; i < NOPS; i++)
			{
				uint32_t	k = (uint32_t) rng() & (nlive - 1);

				memcpy(value, &succ[k], 4); /* keep the chain */
				sink += numapg_store_put(store, keys + (size_t) k * KEYLEN,
										 KEYLEN, value, VALLEN, NULL);
			}
			break;
		case BENCH_INSERT_DELETE:
			for (int i = 0; i < NOPS; i++)
			{
				const unsigned char *key = random_key(false);

				sink += numapg_store_put(store, key, KEYLEN, value, VALLEN, NULL);
				sink += numapg_store_delete(store, key, KEYLEN);
			}
			break;
		case BENCH_MEMORY:
		case BENCH_KINDS:
			break;
	}
	return (now_ns() - t0) / NOPS;
}

/*
 * Overwrite the slots with a random cyclic chain of offsets, one per slot,
 * and time following it: the latency of one uncached load.
 */
static double
memory_latency(uint32_t capacity)
{
	char	   *base = (char *) store + sizeof(NumaPgStateStore);
	uint32_t   *order = malloc((size_t) capacity * sizeof(uint32_t));
	uint64_t	at = 0;
	double		t0;
	double		ns;

	if (order == NULL)
		return 0;
	for (uint32_t i = 0; i < capacity; i++)
		order[i] = i;
	for (uint32_t i = capacity - 1; i > 0; i--)
	{
		uint32_t	j = (uint32_t) (rng() % i);
		uint32_t	tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	for (uint32_t i = 0; i < capacity; i++)
	{
		uint64_t	to = (uint64_t) order[i] * NUMAPG_STATE_SLOT_SIZE;

		memcpy(base + (size_t) i * NUMAPG_STATE_SLOT_SIZE, &to, sizeof(to));
	}
	t0 = now_ns();
	for (int i = 0; i < NOPS; i++)
		memcpy(&at, base + at, sizeof(at));
	ns = (now_ns() - t0) / NOPS;
	sink += at;
	free(order);
	return ns;
}

int
main(int argc, char **argv)
{
	size_t		slot_mb = 64;
	bool		huge = true;
	uint32_t	capacity;
	size_t		size;
	double		best[BENCH_KINDS];
	NumaPgStateStats st;
	bool		filled = true;

	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "4k") == 0)
			huge = false;
		else if (atoi(argv[i]) > 0)
			slot_mb = (size_t) atoi(argv[i]);
	}
	capacity = numapg_state_store_capacity_for((slot_mb << 20) +
											   sizeof(NumaPgStateStore));
	size = numapg_state_store_size(capacity);
	nlive = capacity / 2;

	store = mmap(NULL, size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	keys = malloc((size_t) nlive * 2 * KEYLEN);
	succ = malloc((size_t) nlive * sizeof(uint32_t));
	if (capacity < 4 || store == MAP_FAILED || keys == NULL || succ == NULL)
	{
		ok(false, "allocate a store of %zu MB", slot_mb);
		return done_testing();
	}
	if (huge)
		madvise(store, size, MADV_HUGEPAGE);
	if (!numapg_state_store_init(store, size))
	{
		ok(false, "init a store of %zu bytes", size);
		return done_testing();
	}
	for (uint32_t i = 0; i < nlive * 2; i++)
		make_key(i, keys + (size_t) i * KEYLEN);

	/*
	 * The chain for dependent lookups: a random cyclic permutation of the
	 * live keys (Sattolo's shuffle), so it visits them all before it
	 * repeats and the caches cannot hold it.
	 */
	for (uint32_t i = 0; i < nlive; i++)
		succ[i] = i;
	for (uint32_t i = nlive - 1; i > 0; i--)
	{
		uint32_t	j = (uint32_t) (rng() % i);
		uint32_t	tmp = succ[i];

		succ[i] = succ[j];
		succ[j] = tmp;
	}

	/* fill: each value starts with the number of its key's successor */
	for (uint32_t i = 0; i < nlive; i++)
	{
		unsigned char value[VALLEN];

		memset(value, 'v', sizeof(value));
		memcpy(value, &succ[i], 4);
		if (numapg_store_put(store, keys + (size_t) i * KEYLEN, KEYLEN, value,
							 VALLEN, NULL) != NUMAPG_STORE_OK)
			filled = false;
	}

	for (int k = 0; k < BENCH_MEMORY; k++)
	{
		best[k] = 1e30;
		for (int r = 0; r < ROUNDS; r++)
		{
			double		ns = run((BenchKind) k);

			if (ns < best[k])
				best[k] = ns;
		}
	}
	numapg_state_stats(store, &st);
	best[BENCH_MEMORY] = memory_latency(capacity);	/* destroys the store */

	printf("# store: %zu bytes, %llu slots of %d bytes, %llu entries (%.0f%% full), "
		   "%d-byte keys, %d-byte values, %s pages; best of %d x %d ops\n",
		   size, (unsigned long long) st.capacity, NUMAPG_STATE_SLOT_SIZE,
		   (unsigned long long) st.entries, 100.0 * st.entries / st.capacity,
		   KEYLEN, VALLEN, huge ? "huge (THP requested)" : "4 kB", ROUNDS, NOPS);
	for (int k = 0; k < BENCH_KINDS; k++)
		printf("# %-28s %7.1f ns\n", bench_names[k], best[k]);
	printf("# (sink %llu)\n", (unsigned long long) (sink & 0xff));
	ok(filled && st.entries == nlive && st.full_refusals == 0,
	   "benchmark ran; %u entries remain", nlive);
	munmap(store, size);
	free(keys);
	free(succ);
	return done_testing();
}
