/*-------------------------------------------------------------------------
 *
 * test_state_store.c
 *		Unit tests of the per-worker state store: sizes, boundaries, probe
 *		chains across the end of the table, deletion, statistics, a
 *		randomized comparison with a simple model, and crash recovery
 *		(corrupted slots, duplicated slots, and a writer killed at random
 *		moments).
 *
 * The tests read slots through the layout documented in state_store.h.
 *
 * IDENTIFICATION
 *	  test/unit/test_state_store.c
 *
 *-------------------------------------------------------------------------
 */
#include "crc32c.h"
#include "state_store.h"
#include "tap.h"
#include "test_rng.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLOT_STATE_OFFSET	14
#define SLOT_CRC_OFFSET		16

/* A fresh, initialised store of the given capacity (64-byte aligned). */
static NumaPgStateStore *
new_store(uint32_t capacity)
{
	void	   *mem = NULL;
	size_t		size = numapg_state_store_size(capacity);

	if (size == 0 || posix_memalign(&mem, 64, size) != 0)
		return NULL;
	if (!numapg_state_store_init(mem, size))
	{
		free(mem);
		return NULL;
	}
	return mem;
}

/* Start of slot idx: the slots follow the header and the index. */
static unsigned char *
slot_ptr(const NumaPgStateStore *s, uint32_t idx)
{
	return (unsigned char *) s + s->slots_offset +
		(size_t) idx * NUMAPG_STATE_SLOT_SIZE;
}

/* Index of the slot holding a value pointer returned by lookup. */
static uint32_t
slot_of_value(const NumaPgStateStore *s, const void *value, uint32_t keylen)
{
	const unsigned char *slot = (const unsigned char *) value - keylen -
		NUMAPG_STATE_SLOT_HEADER;

	return (uint32_t) ((slot - slot_ptr(s, 0)) / NUMAPG_STATE_SLOT_SIZE);
}

static uint64_t
slot_hash(const NumaPgStateStore *s, uint32_t idx)
{
	uint64_t	h;

	memcpy(&h, slot_ptr(s, idx), sizeof(h));
	return h;
}

static uint8_t
slot_state(const NumaPgStateStore *s, uint32_t idx)
{
	return slot_ptr(s, idx)[SLOT_STATE_OFFSET];
}

/* The index's entries: ((slot + 1) << 32) | low 32 hash bits, 0 empty. */
static const uint64_t *
index_entries(const NumaPgStateStore *s)
{
	return (const uint64_t *) ((const char *) s + sizeof(NumaPgStateStore));
}

/*
 * Position in the index of the entry naming the slot that holds key
 * (which must be there); UINT32_MAX if no entry names it.
 */
static uint32_t
entry_pos(NumaPgStateStore *s, const char *key)
{
	uint32_t	len;
	const void *v = numapg_store_lookup(s, key, strlen(key), &len);
	uint32_t	slot;

	if (v == NULL)
		return UINT32_MAX;
	slot = slot_of_value(s, v, strlen(key));
	for (uint32_t pos = 0; pos <= s->index_mask; pos++)
		if (index_entries(s)[pos] != 0 &&
			(uint32_t) (index_entries(s)[pos] >> 32) - 1 == slot)
			return pos;
	return UINT32_MAX;
}

/*
 * Count violations of the store's invariants: the used slots are exactly
 * slots 0 to entries - 1 (packing); every index entry names a used slot
 * and carries its hash's low 32 bits, and every used slot is named by
 * exactly one entry; and linear probing's: every entry between an entry's
 * home and the entry itself is occupied.
 */
static int
structure_errors(const NumaPgStateStore *s)
{
	NumaPgStateStats st;
	const uint64_t *index = index_entries(s);
	uint32_t	mask = s->index_mask;
	uint32_t   *named;
	uint64_t	indexed = 0;
	int			errors = 0;

	numapg_state_stats(s, &st);
	if (mask != st.capacity * NUMAPG_STATE_INDEX_PER_SLOT - 1)
		errors++;
	for (uint32_t i = 0; i < st.capacity; i++)
		if ((slot_state(s, i) != 0) != (i < st.entries))
			errors++;
	named = calloc(st.capacity, sizeof(uint32_t));
	if (named == NULL)
		abort();
	for (uint32_t pos = 0; pos <= mask; pos++)
	{
		uint64_t	e = index[pos];
		uint32_t	slot;

		if (e == 0)
			continue;
		indexed++;
		slot = (uint32_t) (e >> 32) - 1;
		if (slot >= st.entries || (uint32_t) slot_hash(s, slot) != (uint32_t) e)
		{
			errors++;
			continue;
		}
		named[slot]++;
		for (uint32_t j = (uint32_t) e & mask; j != pos; j = (j + 1) & mask)
			if (index[j] == 0)
			{
				errors++;
				break;
			}
	}
	for (uint32_t i = 0; i < st.entries; i++)
		if (named[i] != 1)
			errors++;
	free(named);
	if (indexed != st.entries)
		errors++;
	return errors;
}

/* Is the value stored for key exactly (want, wantlen)? */
static bool
has_value(NumaPgStateStore *s, const void *key, uint32_t keylen,
		  const void *want, uint32_t wantlen)
{
	uint32_t	len = UINT32_MAX;
	const void *got = numapg_store_lookup(s, key, keylen, &len);

	return got != NULL && len == wantlen &&
		(wantlen == 0 || memcmp(got, want, wantlen) == 0);
}

/* ---- visitors ---- */

/* Counts entries and remembers the last value seen for one key. */
typedef struct CountVisit
{
	uint32_t	visits;
	const char *watch_key;
	uint32_t	watch_seen;
	char		watch_value[NUMAPG_STATE_MAX_DATA + 1];
} CountVisit;

static void
count_visitor(void *arg, const void *key, uint32_t keylen, const void *value,
			  uint32_t vallen)
{
	CountVisit *cv = arg;

	cv->visits++;
	if (cv->watch_key && keylen == strlen(cv->watch_key) &&
		memcmp(key, cv->watch_key, keylen) == 0)
	{
		cv->watch_seen++;
		memcpy(cv->watch_value, value, vallen);
		cv->watch_value[vallen] = '\0';
	}
}

/* Puts every visited entry into another store (recovery). */
typedef struct CopyVisit
{
	NumaPgStateStore *dst;
	uint32_t	failures;
} CopyVisit;

static void
copy_visitor(void *arg, const void *key, uint32_t keylen, const void *value,
			 uint32_t vallen)
{
	CopyVisit  *cv = arg;

	if (numapg_store_put(cv->dst, key, keylen, value, vallen, NULL) !=
		NUMAPG_STORE_OK)
		cv->failures++;
}

/* ---- test groups ---- */

static void
test_hash_and_crc(void)
{
	static const char check[] = "123456789";
	unsigned char buf[64];
	uint32_t	low[256] = {0};
	uint32_t	high[256] = {0};
	double		chi_low = 0;
	double		chi_high = 0;
	double		flips = 0;
	int			samples = 0;
	const int	nkeys = 1 << 16;
	bool		all_lengths_differ = true;

	is_int(numapg_crc32c(check, 9), 0xe3069283,
		   "CRC-32C of \"123456789\" is the standard check value");
	is_int(numapg_crc32c(NULL, 0), 0, "CRC-32C of nothing is 0");
	ok(numapg_state_hash("abc", 3) == numapg_state_hash("abc", 3),
	   "the hash is deterministic");
	ok(numapg_state_hash(NULL, 0) == numapg_state_hash("x", 0),
	   "the empty key hashes without reading the pointer");
	/* zero bytes of different lengths must not collide */
	memset(buf, 0, sizeof(buf));
	for (uint32_t a = 0; a < 64 && all_lengths_differ; a++)
		for (uint32_t b = a + 1; b < 64; b++)
			if (numapg_state_hash(buf, a) == numapg_state_hash(buf, b))
				all_lengths_differ = false;
	ok(all_lengths_differ, "runs of zero bytes of lengths 0-63 all hash differently");

	/* sequential 8-byte keys: both ends of the hash spread evenly */
	for (uint64_t i = 0; i < (uint64_t) nkeys; i++)
	{
		uint64_t	h = numapg_state_hash(&i, sizeof(i));

		low[h & 0xff]++;
		high[h >> 56]++;
	}
	for (int b = 0; b < 256; b++)
	{
		double		e = nkeys / 256.0;

		chi_low += (low[b] - e) * (low[b] - e) / e;
		chi_high += (high[b] - e) * (high[b] - e) / e;
	}
	printf("# chi-square over 256 buckets (255 d.f.): low bits %.1f, high bits %.1f\n",
		   chi_low, chi_high);
	ok(chi_low < 340, "the low 8 bits of sequential keys are uniform");
	ok(chi_high < 340, "the high 8 bits of sequential keys are uniform");

	/* avalanche: one flipped input bit flips about half the output bits */
	for (int trial = 0; trial < 200; trial++)
	{
		uint32_t	len = 1 + rng_below(40);
		uint64_t	h0;

		for (uint32_t i = 0; i < len; i++)
			buf[i] = (unsigned char) rng();
		h0 = numapg_state_hash(buf, len);
		for (uint32_t bit = 0; bit < len * 8; bit++)
		{
			buf[bit / 8] ^= (unsigned char) (1 << (bit % 8));
			flips += __builtin_popcountll(h0 ^ numapg_state_hash(buf, len));
			buf[bit / 8] ^= (unsigned char) (1 << (bit % 8));
			samples++;
		}
	}
	printf("# avalanche: %.2f of 64 output bits flip per input bit\n",
		   flips / samples);
	ok(flips / samples > 31 && flips / samples < 33,
	   "a one-bit change flips about half the hash bits");
}

static void
test_sizes(void)
{
	NumaPgStateStore *s;
	void	   *mem;
	size_t		hdr = sizeof(NumaPgStateStore);
	size_t		size1024 = numapg_state_store_size(1024);
	NumaPgStateStats st;

	is_int(hdr, 128, "the header is 128 bytes");
	is_int(NUMAPG_STATE_MAX_DATA, 492, "an entry holds 492 key + value bytes");
	is_int(numapg_state_store_size(2), 192 + 2 * 512,
		   "size of 2 slots: the header, 4 index entries padded to 64 bytes, the slots");
	is_int(size1024, 128 + 1024 * 16 + 1024 * 512,
		   "size of 1024 slots: the header, 2048 index entries, the slots");
	is_int(numapg_state_store_size(0), 0, "0 slots: no size");
	is_int(numapg_state_store_size(1), 0, "1 slot is below the minimum");
	is_int(numapg_state_store_size(3), 0, "3 slots is not a power of two");
	is_int(numapg_state_store_size(1000), 0, "1000 slots is not a power of two");
	is_int(numapg_state_store_size(UINT32_C(1) << 30),
		   128 + ((uint64_t) 528 << 30), "size of 2^30 slots");
	is_int(numapg_state_store_size(UINT32_C(1) << 31), 0,
		   "2^31 slots is above the maximum");

	is_int(numapg_state_store_capacity_for(0), 0, "an empty region holds no slot");
	is_int(numapg_state_store_capacity_for(numapg_state_store_size(2) - 1), 0,
		   "one byte short of 2 slots holds none");
	is_int(numapg_state_store_capacity_for(numapg_state_store_size(2)), 2,
		   "the size of 2 slots holds 2");
	is_int(numapg_state_store_capacity_for(size1024), 1024,
		   "the size of 1024 slots holds 1024");
	is_int(numapg_state_store_capacity_for(size1024 - 1), 512,
		   "one byte less holds 512");
	is_int(numapg_state_store_capacity_for(numapg_state_store_size(2048) - 1), 1024,
		   "one byte short of 2048 slots still holds 1024");
	is_int(numapg_state_store_capacity_for((size_t) 64 << 20), 65536,
		   "exactly 64 MB holds 65536 slots (header and index cost the rest)");
	is_int(numapg_state_store_capacity_for(SIZE_MAX), UINT32_C(1) << 30,
		   "capacity is capped at 2^30");

	is_int(numapg_state_slots_in(0), 0, "no room holds no slot");
	is_int(numapg_state_slots_in(1023), 0, "room for 1.99 slots holds none");
	is_int(numapg_state_slots_in(1024), 2, "room for 2 slots holds 2");
	is_int(numapg_state_slots_in(1000 * 1024), 1024,
		   "1000 kB of room holds 1024 slots (a power of two, rounded down)");
	is_int(numapg_state_slots_in((size_t) 64 << 20), 131072,
		   "64 MB of room holds 131072 slots");
	is_int(numapg_state_slots_in(SIZE_MAX), UINT32_C(1) << 30,
		   "  capped at 2^30");
	is_int(numapg_state_store_capacity_for(numapg_state_store_size(numapg_state_slots_in((size_t) 64 << 20))),
		   131072, "a region of numapg_state_store_size() of them holds them all");

	is_int(numapg_state_max_value(0), 492, "max value for the empty key");
	is_int(numapg_state_max_value(16), 476, "max value for a 16-byte key");
	is_int(numapg_state_max_value(255), 237, "max value for a 255-byte key");
	is_int(numapg_state_max_value(256), 0, "a 256-byte key has no value room");

	/* init */
	mem = NULL;
	if (posix_memalign(&mem, 64, size1024 + 64) != 0)
		abort();
	memset(mem, 0xa5, size1024 + 64);
	ok(!numapg_state_store_init(mem, hdr + 1023), "init refuses a region too small");
	is_int(*(unsigned char *) mem, 0xa5, "  and writes nothing");
	ok(!numapg_state_store_init(NULL, size1024), "init refuses NULL");
	ok(!numapg_state_store_init((NumaPgStateStore *) ((char *) mem + 4), size1024),
	   "init refuses a misaligned region");
	ok(!numapg_state_store_looks_valid(mem, size1024),
	   "a region of garbage does not look valid");
	ok(numapg_state_store_init(mem, size1024 + 64), "init takes a region with a spare tail");
	s = mem;
	numapg_state_stats(s, &st);
	is_int(st.capacity, 1024, "  capacity 1024");
	is_int(st.max_entries, 921, "  fill limit 90%% (921)");
	ok(st.entries == 0 && st.bytes_used == 0 && st.lookups == 0 &&
	   st.inserts == 0 && st.seq == 0, "  counters start at zero");
	ok(numapg_state_store_looks_valid(s, size1024 + 64), "it looks valid");
	ok(numapg_state_store_looks_valid(s, size1024), "  and for the exact size");
	ok(!numapg_state_store_looks_valid(s, size1024 - 1),
	   "not for a size that gives another capacity");
	ok(!numapg_state_store_looks_valid(NULL, size1024), "not for NULL");
	s->version++;
	ok(!numapg_state_store_looks_valid(s, size1024), "not with another version");
	s->version--;
	s->magic ^= 1;
	ok(!numapg_state_store_looks_valid(s, size1024), "not with a bad magic");
	s->magic ^= 1;
	s->index_mask = 1023;
	ok(!numapg_state_store_looks_valid(s, size1024), "not with a bad index mask");
	s->index_mask = 2047;
	s->slots_offset += 64;
	ok(!numapg_state_store_looks_valid(s, size1024), "not with a bad slots offset");
	s->slots_offset -= 64;
	ok(numapg_state_store_looks_valid(s, size1024), "valid again once repaired");
	free(mem);

	s = new_store(2);
	ok(s != NULL, "the smallest store (2 slots) initialises");
	ok(numapg_store_put(s, "a", 1, "1", 1, NULL) == NUMAPG_STORE_OK,
	   "  it takes one entry");
	ok(numapg_store_put(s, "b", 1, "2", 1, NULL) == NUMAPG_STORE_FULL,
	   "  and refuses a second");
	ok(numapg_store_lookup(s, "b", 1, NULL) == NULL,
	   "  a miss in a full store ends at an empty index entry");
	free(s);
}

static void
test_basics(void)
{
	NumaPgStateStore *s = new_store(1024);
	char		key[NUMAPG_STATE_MAX_KEY + 2];
	char		val[NUMAPG_STATE_MAX_DATA + 2];
	bool		replaced = true;
	uint32_t	len = 0;
	const void *v;
	NumaPgStateStats st;

	ok(numapg_store_put(s, "alpha", 5, "one", 3, &replaced) == NUMAPG_STORE_OK,
	   "put alpha");
	ok(!replaced, "  it was new");
	ok(has_value(s, "alpha", 5, "one", 3), "lookup alpha gives one");
	ok(numapg_store_lookup(s, "alph", 4, &len) == NULL, "a prefix of alpha is absent");
	ok(numapg_store_lookup(s, "alphab", 6, &len) == NULL, "an extension of alpha is absent");
	ok(numapg_store_put(s, "alpha", 5, "uno!", 4, &replaced) == NUMAPG_STORE_OK,
	   "put alpha again");
	ok(replaced, "  it replaced the value");
	ok(has_value(s, "alpha", 5, "uno!", 4), "lookup alpha gives the new value");
	ok(numapg_store_put(s, "alpha", 5, NULL, 0, NULL) == NUMAPG_STORE_OK,
	   "an empty value is allowed");
	ok(has_value(s, "alpha", 5, "", 0), "  and reads back with length 0");
	v = numapg_store_lookup(s, "alpha", 5, &len);
	ok(numapg_store_put(s, "alpha", 5, v, len, NULL) == NUMAPG_STORE_OK,
	   "putting a value read from the store itself");
	ok(numapg_store_put(s, "beta", 4, "two", 3, NULL) == NUMAPG_STORE_OK, "put beta");
	ok(numapg_store_delete(s, "alpha", 5) == NUMAPG_STORE_OK, "delete alpha");
	ok(numapg_store_lookup(s, "alpha", 5, NULL) == NULL, "  alpha is gone");
	ok(has_value(s, "beta", 4, "two", 3), "  beta stays");
	ok(numapg_store_delete(s, "alpha", 5) == NUMAPG_STORE_NOT_FOUND,
	   "deleting alpha again: not found");
	ok(numapg_store_put(s, "alpha", 5, "again", 5, &replaced) == NUMAPG_STORE_OK &&
	   !replaced, "re-insert alpha after delete, as a new key");
	ok(has_value(s, "alpha", 5, "again", 5), "  it reads back");

	/* the empty key is a key like any other */
	ok(numapg_store_put(s, NULL, 0, "empty", 5, &replaced) == NUMAPG_STORE_OK &&
	   !replaced, "the empty key (length 0, NULL pointer) is accepted");
	ok(has_value(s, "", 0, "empty", 5), "  and found with a non-NULL pointer");
	ok(numapg_store_lookup(s, "x", 1, NULL) == NULL, "  distinct from a 1-byte key");
	ok(numapg_store_delete(s, NULL, 0) == NUMAPG_STORE_OK, "  and deleted");
	ok(numapg_store_lookup(s, NULL, 0, NULL) == NULL, "  gone");

	/* boundaries */
	memset(key, 'k', sizeof(key));
	memset(val, 'v', sizeof(val));
	ok(numapg_store_put(s, key, 255, val, 237, NULL) == NUMAPG_STORE_OK,
	   "255-byte key with a 237-byte value (exactly full)");
	ok(has_value(s, key, 255, val, 237), "  reads back");
	ok(numapg_store_put(s, key, 255, val, 238, NULL) == NUMAPG_STORE_TOO_LARGE,
	   "255-byte key with 238 bytes: too large");
	ok(has_value(s, key, 255, val, 237), "  the old value stays");
	ok(numapg_store_put(s, key, 256, val, 0, NULL) == NUMAPG_STORE_TOO_LARGE,
	   "256-byte key: too large");
	ok(numapg_store_lookup(s, key, 256, NULL) == NULL, "lookup of a 256-byte key: absent");
	ok(numapg_store_delete(s, key, 256) == NUMAPG_STORE_NOT_FOUND,
	   "delete of a 256-byte key: not found");
	ok(numapg_store_put(s, "z", 0, val, 492, NULL) == NUMAPG_STORE_OK,
	   "empty key with a 492-byte value");
	ok(numapg_store_put(s, "z", 0, val, 493, NULL) == NUMAPG_STORE_TOO_LARGE,
	   "empty key with 493 bytes: too large");
	ok(numapg_store_put(s, "z", 1, val, UINT32_MAX, NULL) == NUMAPG_STORE_TOO_LARGE,
	   "a 4 GB value: too large (no overflow)");
	ok(numapg_store_put(s, key, UINT32_MAX, val, 1, NULL) == NUMAPG_STORE_TOO_LARGE,
	   "a 4 GB key: too large");

	/* stats */
	numapg_state_stats(s, &st);
	is_int(st.entries, 4, "stats: 4 entries (alpha, beta, long key, empty key)");
	is_int(st.bytes_used, 5 + 5 + 4 + 3 + 255 + 237 + 0 + 492, "stats: key + value bytes");
	is_int(st.inserts, 6, "stats: 6 inserts");
	is_int(st.updates, 3, "stats: 3 updates");
	is_int(st.deletes, 2, "stats: 2 deletes");
	is_int(st.full_refusals, 0, "stats: no refusal");
	is_int(st.lookups, 15, "stats: 15 lookups");
	is_int(st.hits, 9, "stats: 9 hits");
	is_int(st.seq, 2 * (6 + 3 + 2), "stats: seq counts two per modification");
	is_int(structure_errors(s), 0, "the probe invariant holds");
	free(s);
}

static void
test_full(void)
{
	NumaPgStateStore *s = new_store(16);
	NumaPgStateStats st;
	char		key[16];
	int			accepted = 0;

	for (int i = 0; i < 20; i++)
	{
		snprintf(key, sizeof(key), "key%d", i);
		if (numapg_store_put(s, key, strlen(key), "v", 1, NULL) == NUMAPG_STORE_OK)
			accepted++;
	}
	numapg_state_stats(s, &st);
	is_int(st.max_entries, 14, "16 slots take 14 entries");
	is_int(accepted, 14, "14 of 20 puts were accepted");
	is_int(st.entries, 14, "14 entries");
	is_int(st.full_refusals, 6, "6 refusals counted");
	ok(numapg_store_put(s, "key15", 5, "v", 1, NULL) == NUMAPG_STORE_FULL,
	   "a new key is refused with FULL");
	ok(numapg_store_put(s, "key3", 4, "updated", 7, NULL) == NUMAPG_STORE_OK,
	   "an existing key may still be updated");
	ok(has_value(s, "key3", 4, "updated", 7), "  with its new value");
	ok(numapg_store_lookup(s, "key19", 5, NULL) == NULL, "a refused key is absent");
	ok(numapg_store_delete(s, "key0", 4) == NUMAPG_STORE_OK, "delete one");
	ok(numapg_store_put(s, "key19", 5, "w", 1, NULL) == NUMAPG_STORE_OK,
	   "  and there is room again");
	ok(numapg_store_put(s, "key18", 5, "w", 1, NULL) == NUMAPG_STORE_FULL,
	   "  for one only");
	numapg_state_stats(s, &st);
	is_int(st.full_refusals, 8, "8 refusals counted");
	is_int(structure_errors(s), 0, "the probe invariant holds");
	free(s);
}

/* Keys whose low hash bits say home "home" in an index of n entries. */
static int
keys_with_home(uint32_t n_entries, uint32_t home, int want, char keys[][16],
			   uint32_t *counter)
{
	int			n = 0;

	while (n < want)
	{
		snprintf(keys[n], 16, "c%u", (*counter)++);
		if ((numapg_state_hash(keys[n], strlen(keys[n])) & (n_entries - 1)) == home)
			n++;
	}
	return n;
}

static void
test_collisions(void)
{
	NumaPgStateStore *s = new_store(64);	/* an index of 128 entries */
	char		at126[12][16];
	char		at127[3][16];
	char		at0[3][16];
	char		at5[2][16];
	uint32_t	counter = 0;
	bool		all = true;
	bool		wrapped = false;

	keys_with_home(128, 126, 12, at126, &counter);
	keys_with_home(128, 127, 3, at127, &counter);
	keys_with_home(128, 0, 3, at0, &counter);
	keys_with_home(128, 5, 2, at5, &counter);

	/* interleave homes so chains mix: 126, 126, 127, 0, 126, ... */
	for (int i = 0; i < 12; i++)
	{
		numapg_store_put(s, at126[i], strlen(at126[i]), at126[i], strlen(at126[i]), NULL);
		if (i < 3)
		{
			numapg_store_put(s, at127[i], strlen(at127[i]), at127[i], strlen(at127[i]), NULL);
			numapg_store_put(s, at0[i], strlen(at0[i]), at0[i], strlen(at0[i]), NULL);
		}
		if (i < 2)
			numapg_store_put(s, at5[i], strlen(at5[i]), at5[i], strlen(at5[i]), NULL);
	}
	for (int i = 0; i < 12; i++)
	{
		all &= has_value(s, at126[i], strlen(at126[i]), at126[i], strlen(at126[i]));
		if (entry_pos(s, at126[i]) < 126)
			wrapped = true;
	}
	ok(all, "12 keys with home 126 of 128 index entries are all found");
	ok(wrapped, "  their probe chain wraps past the end of the index");
	is_int(structure_errors(s), 0, "the invariants hold");
	{
		uint32_t	pos = entry_pos(s, at5[1]);

		ok(pos != UINT32_MAX && pos > 5,
		   "a key of home 5 was pushed along by the wrapped chain");
	}

	/* delete in the middle of the chain, on both sides of the wrap */
	ok(numapg_store_delete(s, at126[1], strlen(at126[1])) == NUMAPG_STORE_OK &&
	   numapg_store_delete(s, at0[0], strlen(at0[0])) == NUMAPG_STORE_OK &&
	   numapg_store_delete(s, at126[6], strlen(at126[6])) == NUMAPG_STORE_OK,
	   "delete three keys inside the chain");
	is_int(structure_errors(s), 0, "the invariants still hold");
	all = true;
	for (int i = 0; i < 12; i++)
		if (i != 1 && i != 6)
			all &= has_value(s, at126[i], strlen(at126[i]), at126[i], strlen(at126[i]));
	for (int i = 0; i < 3; i++)
	{
		all &= has_value(s, at127[i], strlen(at127[i]), at127[i], strlen(at127[i]));
		if (i != 0)
			all &= has_value(s, at0[i], strlen(at0[i]), at0[i], strlen(at0[i]));
	}
	for (int i = 0; i < 2; i++)
		all &= has_value(s, at5[i], strlen(at5[i]), at5[i], strlen(at5[i]));
	ok(all, "every later key of the chain is still found");
	ok(numapg_store_lookup(s, at126[1], strlen(at126[1]), NULL) == NULL &&
	   numapg_store_lookup(s, at126[6], strlen(at126[6]), NULL) == NULL &&
	   numapg_store_lookup(s, at0[0], strlen(at0[0]), NULL) == NULL,
	   "the deleted keys are gone");

	/* empty the chain from its head: everything shifts back each time */
	all = true;
	for (int i = 0; i < 12; i++)
		if (i != 1 && i != 6)
		{
			all &= numapg_store_delete(s, at126[i], strlen(at126[i])) == NUMAPG_STORE_OK;
			all &= structure_errors(s) == 0;
		}
	all &= has_value(s, at127[2], strlen(at127[2]), at127[2], strlen(at127[2]));
	all &= has_value(s, at0[2], strlen(at0[2]), at0[2], strlen(at0[2]));
	all &= has_value(s, at5[1], strlen(at5[1]), at5[1], strlen(at5[1]));
	ok(all, "deleting the chain's head repeatedly keeps the rest reachable");
	ok(entry_pos(s, at0[2]) <= 4,
	   "  and shifts entries back across the wrap toward their home");
	free(s);
}

/*
 * Packing: the used slots are the first ones whatever is deleted, and a
 * deletion moves the last slot into the hole with its value intact.
 */
static void
test_packing(void)
{
	NumaPgStateStore *s = new_store(64);
	char		key[16];
	char		val[32];
	uint32_t	len;
	const void *v;
	bool		all = true;

	for (int i = 0; i < 40; i++)
	{
		snprintf(key, sizeof(key), "p%d", i);
		snprintf(val, sizeof(val), "value %d", i);
		numapg_store_put(s, key, strlen(key), val, strlen(val), NULL);
	}
	v = numapg_store_lookup(s, "p0", 2, &len);
	is_int(slot_of_value(s, v, 2), 0, "the first key takes slot 0");
	v = numapg_store_lookup(s, "p39", 3, &len);
	is_int(slot_of_value(s, v, 3), 39, "the 40th key takes slot 39");
	ok(numapg_store_delete(s, "p3", 2) == NUMAPG_STORE_OK, "delete the key of slot 3");
	v = numapg_store_lookup(s, "p39", 3, &len);
	ok(v != NULL && slot_of_value(s, v, 3) == 3 && len == 8 && memcmp(v, "value 39", 8) == 0,
	   "  the last key moved into slot 3, with its value");
	is_int(slot_state(s, 39), 0, "  and slot 39 is empty");
	ok(numapg_store_delete(s, "p38", 3) == NUMAPG_STORE_OK, "delete the key of the last slot");
	is_int(slot_state(s, 38), 0, "  its slot is emptied, nothing moved");
	is_int(structure_errors(s), 0, "the invariants hold");
	for (int i = 0; i < 40; i += 2)
	{
		snprintf(key, sizeof(key), "p%d", i);
		numapg_store_delete(s, key, strlen(key));
		all &= structure_errors(s) == 0;
	}
	ok(all, "deleting every other key keeps the used slots packed");
	all = true;
	for (int i = 1; i < 38; i += 2)
	{
		snprintf(key, sizeof(key), "p%d", i);
		snprintf(val, sizeof(val), "value %d", i);
		all &= i == 3 || has_value(s, key, strlen(key), val, strlen(val));
	}
	ok(all, "  and every other key keeps its value");
	free(s);
}

/* ---- randomized comparison with a model ---- */

typedef struct ModelEntry
{
	bool		present;
	uint32_t	vallen;
	unsigned char value[NUMAPG_STATE_MAX_DATA];
} ModelEntry;

/* Key bytes of key id: length 0 for id 0, else 4..32 or 200..255 bytes. */
static uint32_t
model_key(uint32_t id, unsigned char *key)
{
	uint32_t	len;

	if (id == 0)
		return 0;
	len = (id % 13 == 0) ? 200 + id % 56 : 4 + id % 29;
	memcpy(key, &id, 4);
	for (uint32_t j = 4; j < len; j++)
		key[j] = (unsigned char) (id * 7 + j);
	return len;
}

typedef struct ModelVisit
{
	ModelEntry *model;
	uint32_t	nkeys;
	uint32_t	visits;
	uint32_t	mismatches;
	unsigned char *seen;
} ModelVisit;

/* Each visited entry must be a present model key with its value, once. */
static void
model_visitor(void *arg, const void *key, uint32_t keylen, const void *value,
			  uint32_t vallen)
{
	ModelVisit *mv = arg;
	uint32_t	id = 0;
	unsigned char want[NUMAPG_STATE_MAX_KEY];

	mv->visits++;
	if (keylen >= 4)
		memcpy(&id, key, 4);
	if (id >= mv->nkeys || model_key(id, want) != keylen ||
		memcmp(want, key, keylen) != 0 || mv->seen[id] ||
		!mv->model[id].present || mv->model[id].vallen != vallen ||
		(vallen && memcmp(mv->model[id].value, value, vallen) != 0))
		mv->mismatches++;
	else
		mv->seen[id] = 1;
}

static void
random_test(uint32_t capacity, uint32_t nkeys, uint32_t nops, uint32_t check_every)
{
	NumaPgStateStore *s = new_store(capacity);
	ModelEntry *model = calloc(nkeys, sizeof(ModelEntry));
	ModelVisit	mv = {0};
	NumaPgStateStats st;
	unsigned char key[NUMAPG_STATE_MAX_KEY];
	unsigned char value[NUMAPG_STATE_MAX_DATA];
	uint64_t	count = 0;
	uint64_t	bytes = 0;
	uint64_t	fulls = 0;
	uint64_t	full_expected = 0;
	uint32_t	fails = 0;
	uint32_t	first_fail_op = 0;
	uint32_t	scans = 0;
	uint32_t	max_fill = capacity * 9 / 10;

	for (uint32_t op = 0; op < nops; op++)
	{
		uint32_t	id = rng_below(nkeys);
		uint32_t	keylen = model_key(id, key);
		ModelEntry *m = &model[id];
		uint32_t	r = rng_below(100);
		/* alternate put-heavy and delete-heavy phases, to reach FULL */
		bool		put_heavy = (op / (nops / 8 + 1)) % 2 == 0;
		uint32_t	put_pct = put_heavy ? 60 : 30;
		uint32_t	del_pct = put_heavy ? 15 : 45;
		bool		bad = false;

		if (r < put_pct)
		{
			uint32_t	maxv = numapg_state_max_value(keylen);
			uint32_t	pick = rng_below(100);
			uint32_t	vallen;
			bool		replaced = false;
			NumaPgStoreResult res;
			NumaPgStoreResult want;

			if (pick < 5)
				vallen = maxv;
			else if (pick < 8)
				vallen = maxv + 1 + rng_below(3);	/* too large */
			else if (pick < 75)
				vallen = rng_below(65);
			else
				vallen = rng_below(maxv + 1);
			for (uint32_t j = 0; j < vallen && j < sizeof(value); j++)
				value[j] = (unsigned char) rng();
			res = numapg_store_put(s, key, keylen, value, vallen, &replaced);
			if (vallen > maxv)
				want = NUMAPG_STORE_TOO_LARGE;
			else if (!m->present && count >= max_fill)
				want = NUMAPG_STORE_FULL;
			else
				want = NUMAPG_STORE_OK;
			if (res != want || (res == NUMAPG_STORE_OK && replaced != m->present))
				bad = true;
			if (want == NUMAPG_STORE_FULL)
				full_expected++;
			if (res == NUMAPG_STORE_FULL)
				fulls++;
			if (want == NUMAPG_STORE_OK)
			{
				if (m->present)
					bytes -= m->vallen;
				else
				{
					count++;
					bytes += keylen;
				}
				bytes += vallen;
				m->present = true;
				m->vallen = vallen;
				memcpy(m->value, value, vallen);
			}
		}
		else if (r < put_pct + del_pct)
		{
			NumaPgStoreResult res = numapg_store_delete(s, key, keylen);

			if (res != (m->present ? NUMAPG_STORE_OK : NUMAPG_STORE_NOT_FOUND))
				bad = true;
			if (m->present)
			{
				count--;
				bytes -= keylen + m->vallen;
				m->present = false;
			}
		}
		/* after every op: the key touched, and the counters */
		if (m->present ? !has_value(s, key, keylen, m->value, m->vallen)
			: numapg_store_lookup(s, key, keylen, NULL) != NULL)
			bad = true;
		numapg_state_stats(s, &st);
		if (st.entries != count || st.bytes_used != bytes ||
			st.full_refusals != fulls || (st.seq & 1) != 0)
			bad = true;

		/* every check_every ops: every key, the structure, the visitor */
		if ((op + 1) % check_every == 0 || op + 1 == nops)
		{
			scans++;
			for (uint32_t k = 0; k < nkeys; k++)
			{
				uint32_t	kl = model_key(k, key);

				if (model[k].present ? !has_value(s, key, kl, model[k].value, model[k].vallen)
					: numapg_store_lookup(s, key, kl, NULL) != NULL)
					bad = true;
			}
			if (structure_errors(s) != 0)
				bad = true;
			mv.model = model;
			mv.nkeys = nkeys;
			mv.visits = 0;
			mv.mismatches = 0;
			mv.seen = calloc(nkeys, 1);
			if (numapg_state_foreach_valid(s, model_visitor, &mv) != 0 ||
				mv.visits != count || mv.mismatches != 0)
				bad = true;
			free(mv.seen);
		}
		if (bad && fails++ == 0)
			first_fail_op = op;
	}
	ok(fails == 0, "%u random ops over %u keys in %u slots match the model (%u full scans)",
	   nops, nkeys, capacity, scans);
	if (fails)
		printf("#   %u ops failed, the first at op %u\n", fails, first_fail_op);
	printf("#   %llu FULL refusals, %llu entries at the end\n",
		   (unsigned long long) fulls, (unsigned long long) count);
	ok(full_expected > 0, "  the fill limit was reached and refused");
	free(model);
	free(s);
}

/* ---- visitor and recovery ---- */

static void
test_foreach_and_corruption(void)
{
	NumaPgStateStore *s = new_store(256);
	NumaPgStateStore *fresh;
	CountVisit	cv = {0};
	CopyVisit	copy = {0};
	char		key[16];
	char		val[64];
	uint32_t	invalid;
	uint32_t	len;
	unsigned char *v;
	uint32_t	idx;
	uint32_t	crc;
	unsigned char summed[14 + NUMAPG_STATE_MAX_DATA];
	bool		all = true;
	NumaPgStateStats st;

	for (int i = 0; i < 100; i++)
	{
		snprintf(key, sizeof(key), "key%03d", i);
		snprintf(val, sizeof(val), "value of %d", i);
		numapg_store_put(s, key, strlen(key), val, strlen(val), NULL);
	}
	for (int i = 0; i < 100; i += 10)
	{
		snprintf(key, sizeof(key), "key%03d", i);
		numapg_store_delete(s, key, strlen(key));
	}
	cv.watch_key = "key005";
	invalid = numapg_state_foreach_valid(s, count_visitor, &cv);
	is_int(invalid, 0, "an intact store has no invalid slot");
	is_int(cv.visits, 90, "the visitor sees exactly the 90 live entries");
	is_int(cv.watch_seen, 1, "  each once");
	is_str(cv.watch_value, "value of 5", "  with its value");

	/* crash simulation 1: a flipped byte in one value */
	v = (unsigned char *) numapg_store_lookup(s, "key005", 6, &len);
	v[3] ^= 0x20;
	memset(&cv, 0, sizeof(cv));
	cv.watch_key = "key005";
	invalid = numapg_state_foreach_valid(s, count_visitor, &cv);
	is_int(invalid, 1, "a flipped value byte makes its slot invalid");
	is_int(cv.visits, 89, "  the visitor skips it");
	is_int(cv.watch_seen, 0, "  the corrupted key is not visited");

	/* 2: a key length beyond the maximum */
	v = (unsigned char *) numapg_store_lookup(s, "key007", 6, &len);
	idx = slot_of_value(s, v, 6);
	slot_ptr(s, idx)[12] = 0x2c;
	slot_ptr(s, idx)[13] = 0x01;	/* keylen 300 */
	/* 3: a slot left "busy" by an interrupted update */
	v = (unsigned char *) numapg_store_lookup(s, "key008", 6, &len);
	slot_ptr(s, slot_of_value(s, v, 6))[SLOT_STATE_OFFSET] = 2;
	/* 4: a state byte of garbage */
	v = (unsigned char *) numapg_store_lookup(s, "key009", 6, &len);
	slot_ptr(s, slot_of_value(s, v, 6))[SLOT_STATE_OFFSET] = 0x77;
	memset(&cv, 0, sizeof(cv));
	invalid = numapg_state_foreach_valid(s, count_visitor, &cv);
	is_int(invalid, 4, "a bad key length, a busy slot and a bad state are invalid too");
	is_int(cv.visits, 86, "  86 entries remain visible");

	/* 5: an interrupted backward shift leaves an identical copy */
	v = (unsigned char *) numapg_store_lookup(s, "key042", 6, &len);
	idx = slot_of_value(s, v, 6);
	for (uint32_t j = 0; j < 256; j++)
		if (slot_state(s, j) == 0)
		{
			memcpy(slot_ptr(s, j), slot_ptr(s, idx), NUMAPG_STATE_SLOT_SIZE);
			break;
		}
	memset(&cv, 0, sizeof(cv));
	cv.watch_key = "key042";
	invalid = numapg_state_foreach_valid(s, count_visitor, &cv);
	is_int(invalid, 4, "a duplicated slot is valid");
	is_int(cv.watch_seen, 2, "  the visitor sees that key twice");
	is_str(cv.watch_value, "value of 42", "  with the same value");

	/* recovery: copy the valid entries into a fresh store */
	fresh = new_store(256);
	copy.dst = fresh;
	numapg_state_foreach_valid(s, copy_visitor, &copy);
	numapg_state_stats(fresh, &st);
	is_int(copy.failures, 0, "every visited entry goes into a fresh store");
	is_int(st.entries, 86, "  86 entries: the duplicate collapsed into one");
	is_int(st.updates, 1, "  by one update (last one wins)");
	for (int i = 0; i < 100; i++)
	{
		bool		lost = (i % 10 == 0) || i == 5 || (i >= 7 && i <= 9);

		snprintf(key, sizeof(key), "key%03d", i);
		snprintf(val, sizeof(val), "value of %d", i);
		if (lost)
			all &= numapg_store_lookup(fresh, key, strlen(key), NULL) == NULL;
		else
			all &= has_value(fresh, key, strlen(key), val, strlen(val));
	}
	ok(all, "  the fresh store holds exactly the intact entries, with their values");
	is_int(numapg_state_foreach_valid(fresh, count_visitor, &cv), 0,
		   "  and has no invalid slot");
	is_int(structure_errors(fresh), 0, "  and keeps the probe invariant");
	free(fresh);

	/* duplicates with different values: the last one visited wins */
	v = (unsigned char *) numapg_store_lookup(s, "key042", 6, &len);
	idx = slot_of_value(s, v, 6);
	for (uint32_t j = 255; j > idx; j--)
		if (slot_state(s, j) == 0)
		{
			unsigned char *slot = slot_ptr(s, j);

			memcpy(slot, slot_ptr(s, idx), NUMAPG_STATE_SLOT_SIZE);
			memcpy(slot + NUMAPG_STATE_SLOT_HEADER + 6, "VALUE OF 42", 11);
			/* checksum: header bytes 0-13, then key and value */
			memcpy(summed, slot, 14);
			memcpy(summed + 14, slot + NUMAPG_STATE_SLOT_HEADER, 6 + len);
			crc = numapg_crc32c(summed, 14 + 6 + len);
			memcpy(slot + SLOT_CRC_OFFSET, &crc, 4);
			break;
		}
	memset(&cv, 0, sizeof(cv));
	cv.watch_key = "key042";
	numapg_state_foreach_valid(s, count_visitor, &cv);
	is_int(cv.watch_seen, 3, "a rewritten copy with its own checksum is visited too");
	is_str(cv.watch_value, "VALUE OF 42", "  last in slot order");
	fresh = new_store(256);
	copy.dst = fresh;
	numapg_state_foreach_valid(s, copy_visitor, &copy);
	ok(has_value(fresh, "key042", 6, "VALUE OF 42", 11),
	   "  and wins when re-inserted");
	free(fresh);
	free(s);
}

/* ---- a writer killed at random moments ---- */

#define CRASH_KEYS	1000

/* Value of key id at version ver: self-describing, so a torn one shows. */
static uint32_t
crash_value(uint32_t id, uint32_t ver, uint32_t len, unsigned char *out)
{
	memcpy(out, &id, 4);
	memcpy(out + 4, &ver, 4);
	for (uint32_t j = 8; j < len; j++)
		out[j] = (unsigned char) (id * 31 + ver + j);
	return len;
}

/* The child: puts and deletes forever, until killed. */
static void
crash_writer(NumaPgStateStore *s, uint64_t seed)
{
	unsigned char value[NUMAPG_STATE_MAX_DATA];
	char		key[16];
	uint32_t	ver = 0;

	rng_state = seed;
	for (;;)
	{
		uint32_t	id = rng_below(CRASH_KEYS);
		int			klen = snprintf(key, sizeof(key), "crash%u", id);

		if (rng_below(100) < 65)
			numapg_store_put(s, key, klen, value,
							 crash_value(id, ++ver, 8 + rng_below(300), value),
							 NULL);
		else
			numapg_store_delete(s, key, klen);
	}
}

typedef struct CrashVisit
{
	uint32_t	visits;
	uint32_t	unique;
	uint32_t	torn;
	uint32_t	dup_differs;
	const unsigned char *first[CRASH_KEYS];
	uint32_t	firstlen[CRASH_KEYS];
} CrashVisit;

/* Each visited entry must be whole; a duplicate must equal the first. */
static void
crash_visitor(void *arg, const void *key, uint32_t keylen, const void *value,
			  uint32_t vallen)
{
	CrashVisit *cv = arg;
	unsigned char want[NUMAPG_STATE_MAX_DATA];
	char		kbuf[16];
	uint32_t	id;
	uint32_t	ver;

	cv->visits++;
	if (vallen < 8)
	{
		cv->torn++;
		return;
	}
	memcpy(&id, value, 4);
	memcpy(&ver, (const char *) value + 4, 4);
	if (id >= CRASH_KEYS ||
		keylen != (uint32_t) snprintf(kbuf, sizeof(kbuf), "crash%u", id) ||
		memcmp(key, kbuf, keylen) != 0 ||
		memcmp(value, want, crash_value(id, ver, vallen, want)) != 0)
	{
		cv->torn++;
		return;
	}
	if (cv->first[id] == NULL)
	{
		cv->first[id] = value;
		cv->firstlen[id] = vallen;
		cv->unique++;
	}
	else if (cv->firstlen[id] != vallen ||
			 memcmp(cv->first[id], value, vallen) != 0)
		cv->dup_differs++;
}

static void
test_killed_writer(int rounds)
{
	uint32_t	capacity = 2048;
	size_t		size = numapg_state_store_size(capacity);
	NumaPgStateStore *cur = mmap(NULL, size, PROT_READ | PROT_WRITE,
								 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	NumaPgStateStore *next = mmap(NULL, size, PROT_READ | PROT_WRITE,
								  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CrashVisit *cv = calloc(1, sizeof(CrashVisit));
	int			bad_header = 0;
	int			torn = 0;
	int			dup_differs = 0;
	int			count_off = 0;
	int			even_unclean = 0;
	int			recover_fail = 0;
	int			interrupted = 0;
	int			with_invalid = 0;
	int			with_dups = 0;
	uint64_t	total_ops = 0;

	if (cur == MAP_FAILED || next == MAP_FAILED || cv == NULL)
	{
		ok(false, "mmap for the killed-writer test");
		return;
	}
	numapg_state_store_init(cur, size);
	for (int round = 0; round < rounds; round++)
	{
		pid_t		pid;
		NumaPgStateStats st;
		NumaPgStateStats fst;
		uint32_t	invalid;
		CopyVisit	copy = {0};
		NumaPgStateStore *tmp;

		fflush(stdout);
		pid = fork();
		if (pid == 0)
			crash_writer(cur, 1000 + round);
		usleep(300 + rng_below(3000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);

		if (!numapg_state_store_looks_valid(cur, size))
		{
			bad_header++;
			break;
		}
		numapg_state_stats(cur, &st);
		total_ops += st.inserts + st.updates + st.deletes;
		memset(cv, 0, sizeof(*cv));
		invalid = numapg_state_foreach_valid(cur, crash_visitor, cv);
		torn += cv->torn;
		dup_differs += cv->dup_differs;
		if (cv->unique + 1 < st.entries || cv->unique > st.entries + 1)
			count_off++;
		if (st.seq & 1)
			interrupted++;
		else if (invalid != 0 || cv->visits != cv->unique ||
				 cv->unique != st.entries)
			even_unclean++;
		if (invalid)
			with_invalid++;
		if (cv->visits != cv->unique)
			with_dups++;
		if (invalid > 1)
			torn++;

		/* recover into the other region and carry on there */
		numapg_state_store_init(next, size);
		copy.dst = next;
		numapg_state_foreach_valid(cur, copy_visitor, &copy);
		numapg_state_stats(next, &fst);
		if (copy.failures || fst.entries != cv->unique ||
			structure_errors(next) != 0)
			recover_fail++;
		tmp = cur;
		cur = next;
		next = tmp;
	}
	printf("# %d kills, %llu operations in all; %d interrupted mid-operation (odd seq), "
		   "%d with an invalid slot, %d with a duplicate\n",
		   rounds, (unsigned long long) total_ops, interrupted, with_invalid,
		   with_dups);
	is_int(bad_header, 0, "after each kill the store still looks valid");
	is_int(torn, 0, "no torn entry is ever visited, and at most one slot is invalid");
	is_int(dup_differs, 0, "duplicates left by a kill are identical");
	is_int(count_off, 0, "the visited entries match the entries counter within one");
	is_int(even_unclean, 0, "a store with an even seq is exactly consistent");
	is_int(recover_fail, 0, "each recovery into a fresh store succeeds");
	munmap(cur, size);
	munmap(next, size);
	free(cv);
}

/*
 * The read copies key and value out of the slot piece by piece, with a
 * case for each range of lengths: every value length (with a 1-byte key)
 * and every key length (with a 1-byte value) reads back exactly, and the
 * bytes of the caller's buffer after the value are left as they were.
 */
static void
test_read_copy_lengths(void)
{
	NumaPgStateStore *s = new_store(4);
	unsigned char want[NUMAPG_STATE_MAX_DATA];
	unsigned char got[NUMAPG_STATE_MAX_DATA];
	unsigned char key[NUMAPG_STATE_MAX_KEY];
	bool		values_ok = true;
	bool		keys_ok = true;
	bool		tail_ok = true;
	uint32_t	len;

	for (uint32_t i = 0; i < sizeof(want); i++)
		want[i] = (unsigned char) (i * 7 + 1);
	for (uint32_t i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char) (i * 13 + 5);
	for (uint32_t n = 0; n <= numapg_state_max_value(1); n++)
	{
		memset(got, 0xee, sizeof(got));
		values_ok &= numapg_store_put(s, "v", 1, want, n, NULL) == NUMAPG_STORE_OK &&
			numapg_store_read(s, "v", 1, got, &len, 1) == NUMAPG_STORE_OK &&
			len == n && memcmp(got, want, n) == 0;
		for (uint32_t i = n; i < sizeof(got); i++)
			tail_ok &= got[i] == 0xee;
	}
	numapg_store_delete(s, "v", 1);
	for (uint32_t k = 1; k <= NUMAPG_STATE_MAX_KEY; k++)
	{
		keys_ok &= numapg_store_put(s, key, k, "x", 1, NULL) == NUMAPG_STORE_OK &&
			numapg_store_read(s, key, k, got, &len, 1) == NUMAPG_STORE_OK &&
			len == 1 && got[0] == 'x' &&
			(k == 1 || numapg_store_read(s, key, k - 1, got, &len, 1) == NUMAPG_STORE_NOT_FOUND);
		numapg_store_delete(s, key, k);
	}
	ok(values_ok, "direct read: every value length from 0 to 491 reads back exactly");
	ok(tail_ok, "  and the caller's buffer past the value is untouched");
	ok(keys_ok, "  every key length from 1 to 255 is found, and its prefix one byte shorter is not");
	free(s);
}

/*
 * numapg_store_read(), alone: what it answers at rest, and that it gives
 * up (RETRY, for the caller to ask the owner) while seq says that a
 * modification is under way, after the tries it was given.  Its races are
 * for stress_state_read.c.
 */
static void
test_direct_read(void)
{
	NumaPgStateStore *s = new_store(64);
	char		val[NUMAPG_STATE_MAX_DATA];
	char		key[NUMAPG_STATE_MAX_KEY + 1];
	uint32_t	len = 12345;
	uint64_t	seq;

	memset(key, 'k', sizeof(key));
	ok(numapg_store_put(s, "alpha", 5, "one", 3, NULL) == NUMAPG_STORE_OK &&
	   numapg_store_put(s, "", 0, "empty key", 9, NULL) == NUMAPG_STORE_OK &&
	   numapg_store_put(s, key, NUMAPG_STATE_MAX_KEY, NULL, 0, NULL) == NUMAPG_STORE_OK,
	   "direct read: three entries, one with the empty key, one with the longest key");
	ok(numapg_store_read(s, "alpha", 5, val, &len, 1) == NUMAPG_STORE_OK &&
	   len == 3 && memcmp(val, "one", 3) == 0, "  alpha reads one");
	ok(numapg_store_read(s, "", 0, val, &len, 1) == NUMAPG_STORE_OK &&
	   len == 9 && memcmp(val, "empty key", 9) == 0, "  the empty key reads its value");
	ok(numapg_store_read(s, key, NUMAPG_STATE_MAX_KEY, val, &len, 1) == NUMAPG_STORE_OK &&
	   len == 0, "  the longest key reads its empty value");
	ok(numapg_store_read(s, "alph", 4, val, &len, 1) == NUMAPG_STORE_NOT_FOUND,
	   "  a prefix of alpha is absent");
	ok(numapg_store_read(s, key, NUMAPG_STATE_MAX_KEY + 1, val, &len, 1) == NUMAPG_STORE_NOT_FOUND,
	   "  a key longer than any is absent");
	ok(numapg_store_read(s, "alpha", 5, val, &len, 0) == NUMAPG_STORE_OK,
	   "  0 tries still tries once");
	seq = s->seq;
	s->seq = seq + 1;			/* as if a modification were under way */
	ok(numapg_store_read(s, "alpha", 5, val, &len, NUMAPG_STORE_READ_TRIES) == NUMAPG_STORE_RETRY &&
	   numapg_store_read(s, "nobody", 6, val, &len, 1) == NUMAPG_STORE_RETRY,
	   "  while seq is odd, a read (a hit or a miss) gives up with RETRY");
	s->seq = seq;
	ok(numapg_store_read(s, "alpha", 5, val, &len, 1) == NUMAPG_STORE_OK,
	   "  and reads again once it is even");
	ok(numapg_store_delete(s, "alpha", 5) == NUMAPG_STORE_OK &&
	   numapg_store_read(s, "alpha", 5, val, &len, 1) == NUMAPG_STORE_NOT_FOUND,
	   "  a deleted key reads as absent");
	free(s);

	test_read_copy_lengths();
}

int
main(int argc, char **argv)
{
	int			kill_rounds = argc > 1 ? atoi(argv[1]) : 100;

	test_hash_and_crc();
	test_sizes();
	test_basics();
	test_full();
	test_collisions();
	test_packing();
	test_direct_read();
	random_test(4096, 5000, 200000, 10000);
	random_test(64, 100, 50000, 500);
	test_foreach_and_corruption();
	test_killed_writer(kill_rounds);
	return done_testing();
}
