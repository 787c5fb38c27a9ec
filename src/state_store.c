/*-------------------------------------------------------------------------
 *
 * state_store.c
 *		A worker's state store: a fixed-capacity key/value hash table in one
 *		shared-memory region, written by one process at a time.
 *
 * An index in front of packed 512-byte slots (see state_store.h).  A
 * lookup hashes the key once, then walks the index from the entry the low
 * hash bits name; an entry holds its slot's number and 32 bits of the
 * key's hash, so a probe reads a slot only when those bits match (for
 * another key of the same chain, once in 2^14 at 131,072 slots: the low
 * bits beyond the home's), and compares the slot's whole hash, lengths
 * and key bytes then.  The entry keeps the low bits, not others, so that
 * a deletion finds each entry's home without reading its slot.  The index
 * has two entries per slot and the fill limit is 90% of the slots, so it
 * is at most 45% full and its probes are short; deletion shifts the later
 * members of a probe chain back (no tombstones), so chains never grow
 * with churn.  The used slots are slots 0 to entries - 1: a new key takes
 * slot "entries",
 * and a deletion moves the last used slot into the hole.  A store's few
 * keys therefore lie in its first pages, which matters when its memory
 * is in 4 kB pages: 20,000 keys in two 64 MB stores were in about 14,000
 * of their 32,768 pages, and are now in about 2,500 pages of slots and
 * 1,024 of index.
 *
 * Write ordering, for crash safety (see state_store.h):
 *	- insert: fill an empty slot, compute its checksum, then set its state
 *	  to "used" (a release store): until then the slot is still empty.
 *	- update in place: set the state to "busy", rewrite the value and the
 *	  checksum, then set it back to "used".
 *	- delete: the last used slot is copied into the deleted one the same way
 *	  ("busy", copy, "used"), its index entry repointed, the deleted key's
 *	  entry removed, and only then the last slot emptied: a crash leaves at
 *	  worst an identical copy.  The index is never trusted after a crash
 *	  (recovery reads the slots), so its order of writes does not matter.
 * For crash safety only compiler ordering matters: a killed process's
 * stores are not lost, and other processes read the memory after it died.
 * The fences keep the compiler (and weakly ordered CPUs) from reordering
 * the stores.
 *
 * Reads by other processes while a writer works (numapg_store_read) rely
 * on the same fences: every modification sits between change_begin()
 * (seq made odd, then a release fence, so that no slot or index store is
 * seen before the odd seq) and change_end() (seq made even by a release
 * store, after every slot and index store).  A reader that sees the same even seq before
 * and after its copies (acquire load, copies, acquire fence, load) saw no
 * store of any modification.  The copies race with the writer's stores,
 * which is benign; under ThreadSanitizer both sides are relaxed atomic
 * accesses (slot_copy_in() and its kin, below).
 *
 * The checksum is CRC-32C (Castagnoli, crc32c.c) of the slot's hash, value
 * length and key length fields followed by the key and value bytes.
 *
 * IDENTIFICATION
 *	  src/state_store.c
 *
 *-------------------------------------------------------------------------
 */
#include "state_store.h"

#include <string.h>

#include "crc32c.h"


/* A slot's state byte. */
#define SLOT_EMPTY		0
#define SLOT_USED		1
#define SLOT_BUSY		2		/* being rewritten; invalid if seen after a
								 * crash */

/* Bytes of the header fields the checksum covers: hash, vallen, keylen. */
#define SLOT_SUMMED_HEADER	14

typedef struct StateSlot
{
	uint64_t	hash;			/* numapg_state_hash() of the key */
	uint32_t	vallen;
	uint16_t	keylen;
	uint8_t		state;			/* SLOT_EMPTY, SLOT_USED or SLOT_BUSY */
	uint8_t		pad;			/* zero */
	uint32_t	crc;			/* CRC-32C, see slot_checksum() */
	unsigned char data[NUMAPG_STATE_MAX_DATA];	/* key, then value */
} StateSlot;

_Static_assert(sizeof(StateSlot) == NUMAPG_STATE_SLOT_SIZE,
			   "a slot is NUMAPG_STATE_SLOT_SIZE bytes");
_Static_assert(offsetof(StateSlot, data) == NUMAPG_STATE_SLOT_HEADER,
			   "key bytes start at NUMAPG_STATE_SLOT_HEADER");
_Static_assert(offsetof(StateSlot, state) == SLOT_SUMMED_HEADER,
			   "the checksummed header fields come first");
_Static_assert((1 << NUMAPG_STATE_SLOT_SHIFT) == NUMAPG_STATE_SLOT_SIZE,
			   "NUMAPG_STATE_SLOT_SHIFT is log2 of the slot size");
_Static_assert(sizeof(NumaPgStateStore) == 128,
			   "the store header is two cache lines");
_Static_assert(NUMAPG_STATE_MAX_KEY <= UINT16_MAX,
			   "key lengths fit the slot's 16-bit field");
_Static_assert((uint64_t) NUMAPG_STATE_MAX_CAPACITY * NUMAPG_STATE_INDEX_PER_SLOT - 1 <= UINT32_MAX,
			   "the index's mask and the slot numbers + 1 fit 32 bits");


/* ---- slots ---- */

/* Slot number idx (no bounds check: the callers keep idx below capacity). */
static inline StateSlot *
slot_at(const NumaPgStateStore *s, uint32_t idx)
{
	return (StateSlot *) ((char *) s + s->slots_offset +
						  ((size_t) idx << NUMAPG_STATE_SLOT_SHIFT));
}

/*
 * Under ThreadSanitizer (gcc defines __SANITIZE_THREAD__, clang has
 * __has_feature(thread_sanitizer)), every access to a slot that a reader
 * without the lock may race with is atomic; otherwise none is.
 */
#if defined(__SANITIZE_THREAD__)
#define SLOT_ACCESS_ATOMIC 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SLOT_ACCESS_ATOMIC 1
#endif
#endif

/*
 * Copying into a slot (the writer) and out of one (numapg_store_read()),
 * and storing a slot's header fields.  A reader without the lock copies
 * key and value bytes while the writer may be rewriting them, with plain
 * memcpy on one side and plain stores on the other: a data race, benign
 * by design, because the reader's second load of seq discards any copy
 * that overlapped a modification.  ThreadSanitizer cannot know that and
 * would report every such copy.  So under it the copies are relaxed
 * atomic byte loads and stores, and the writer's stores to the header
 * fields relaxed atomic stores (the reader loads those atomically
 * already): the seqlock in the form the C memory model calls race-free,
 * and what TSan is left to check is that nothing else, in the store or
 * around it, races: a plain store added to the write path, say.  That
 * the seq check discards every torn copy is for the stress test's
 * assertions (TSan does not model the fences).  The normal build copies
 * with small fixed-size moves (copy_small()) and memmove, and stores
 * plainly, as fast as ever.
 *
 * slot_copy_in() and slot_copy_out() copy between distinct memory, as
 * memcpy; slot_move_in() allows the source to overlap the destination (a
 * value that points into the store), as memmove.
 */
#ifdef SLOT_ACCESS_ATOMIC
/* Store a slot's header field: a relaxed atomic store. */
#define SLOT_SET(field, value) \
	__atomic_store_n(&(field), (value), __ATOMIC_RELAXED)

/* Copy n bytes into a slot, src possibly overlapping: byte by byte. */
static inline void
slot_move_in(unsigned char *dst, const void *src, size_t n)
{
	const unsigned char *from = src;

	if ((uintptr_t) dst > (uintptr_t) from &&
		(uintptr_t) dst < (uintptr_t) from + n)
	{
		/* dst overlaps the end of src: copy backwards, as memmove does */
		while (n-- > 0)
			__atomic_store_n(&dst[n], from[n], __ATOMIC_RELAXED);
	}
	else
	{
		for (size_t i = 0; i < n; i++)
			__atomic_store_n(&dst[i], from[i], __ATOMIC_RELAXED);
	}
}

/* Copy n bytes into a slot from elsewhere: the same. */
static inline void
slot_copy_in(unsigned char *dst, const void *src, size_t n)
{
	slot_move_in(dst, src, n);
}

/* Copy n bytes out of a slot: relaxed atomic byte loads. */
static inline void
slot_copy_out(void *dst, const unsigned char *src, size_t n)
{
	unsigned char *to = dst;

	for (size_t i = 0; i < n; i++)
		to[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
#else
/* Store a slot's header field: a plain store. */
#define SLOT_SET(field, value) ((field) = (value))

/* Copy n bytes into a slot, src possibly overlapping: memmove. */
static inline void
slot_move_in(unsigned char *dst, const void *src, size_t n)
{
	memmove(dst, src, n);
}

/*
 * Copy n bytes (at most NUMAPG_STATE_MAX_DATA) between distinct memory, in
 * 16-byte pieces, the last one overlapping the one before, so that nothing
 * outside either range is touched.  Not memcpy: for a length it knows to
 * be small, gcc emits "rep movsq", which on recent Intel CPUs takes tens
 * of cycles to start and holds up the loads after it (the lock-free read
 * of 10,000 keys took 85 ns a key built -fPIC, as PostgreSQL builds
 * extensions, against 32 ns with these moves).  The empty asm makes the
 * loop's position opaque to gcc, which would otherwise see a copy loop
 * and turn it back into "rep movsq".
 */
static inline void
copy_small(void *dst, const void *src, size_t n)
{
	unsigned char *to = dst;
	const unsigned char *from = src;

	if (n >= 16)
	{
		for (size_t i = 0; i + 16 < n; i += 16)
		{
			memcpy(to + i, from + i, 16);
#if defined(__GNUC__)
			__asm__("" : "+r"(i));
#endif
		}
		memcpy(to + n - 16, from + n - 16, 16);
	}
	else if (n >= 8)
	{
		memcpy(to, from, 8);
		memcpy(to + n - 8, from + n - 8, 8);
	}
	else if (n >= 4)
	{
		memcpy(to, from, 4);
		memcpy(to + n - 4, from + n - 4, 4);
	}
	else if (n > 0)
	{
		to[0] = from[0];
		to[n / 2] = from[n / 2];
		to[n - 1] = from[n - 1];
	}
}

/* Copy n bytes into a slot from elsewhere. */
static inline void
slot_copy_in(unsigned char *dst, const void *src, size_t n)
{
	copy_small(dst, src, n);
}

/* Copy n bytes out of a slot. */
static inline void
slot_copy_out(void *dst, const unsigned char *src, size_t n)
{
	copy_small(dst, src, n);
}
#endif

/* The checksum a used slot must carry, from its current contents. */
static inline uint32_t
slot_checksum(const StateSlot *slot)
{
	uint32_t	crc = ~(uint32_t) 0;

	crc = numapg_crc32c_update(crc, slot, SLOT_SUMMED_HEADER);
	crc = numapg_crc32c_update(crc, slot->data,
						(size_t) slot->keylen + slot->vallen);
	return ~crc;
}

/* Does the slot hold this key?  The hash decides most mismatches. */
static inline bool
slot_matches(const StateSlot *slot, uint64_t hash, const void *key,
			 uint32_t keylen)
{
	return slot->hash == hash && slot->keylen == keylen &&
		slot->state == SLOT_USED &&
		(keylen == 0 || memcmp(slot->data, key, keylen) == 0);
}

/* Mark a used slot "busy" before rewriting it in place. */
static inline void
slot_mark_busy(StateSlot *slot)
{
	__atomic_store_n(&slot->state, SLOT_BUSY, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/* Publish a slot whose contents and checksum are written. */
static inline void
slot_publish(StateSlot *slot)
{
	__atomic_store_n(&slot->state, SLOT_USED, __ATOMIC_RELEASE);
}

/* Copy a used slot into a hole, busy first, used last. */
static void
slot_move(StateSlot *dst, const StateSlot *src)
{
	slot_mark_busy(dst);
	SLOT_SET(dst->hash, src->hash);
	SLOT_SET(dst->vallen, src->vallen);
	SLOT_SET(dst->keylen, src->keylen);
	SLOT_SET(dst->pad, 0);
	SLOT_SET(dst->crc, src->crc);
	slot_copy_in(dst->data, src->data, (size_t) src->keylen + src->vallen);
	slot_publish(dst);
}

/*
 * Is this non-empty slot a complete entry?  For recovery, so it trusts
 * nothing: state, lengths, checksum, and the hash against the key.
 */
static bool
slot_is_valid(const StateSlot *slot, uint8_t state)
{
	if (state != SLOT_USED)
		return false;
	if (slot->keylen > NUMAPG_STATE_MAX_KEY ||
		slot->vallen > (uint32_t) NUMAPG_STATE_MAX_DATA - slot->keylen)
		return false;
	if (slot->crc != slot_checksum(slot))
		return false;
	return slot->hash == numapg_state_hash(slot->data, slot->keylen);
}


/* ---- the index ---- */

/* The index's entries, right after the header. */
static inline uint64_t *
index_of(const NumaPgStateStore *s)
{
	return (uint64_t *) ((char *) s + sizeof(NumaPgStateStore));
}

/* The entry naming slot for a key of this hash. */
static inline uint64_t
entry_make(uint32_t slot, uint64_t hash)
{
	return ((uint64_t) (slot + 1) << 32) | (uint32_t) hash;
}

/* The slot an entry (not 0) names. */
static inline uint32_t
entry_slot(uint64_t entry)
{
	return (uint32_t) (entry >> 32) - 1;
}

/* Does an entry (not 0) have the hash bits of a key of this hash? */
static inline bool
entry_has_hash(uint64_t entry, uint64_t hash)
{
	return (uint32_t) entry == (uint32_t) hash;
}

/* Where an entry's probe starts. */
static inline uint32_t
entry_home(uint64_t entry, uint32_t index_mask)
{
	return (uint32_t) entry & index_mask;
}

/*
 * Write an index entry.  Readers without the lock load entries atomically,
 * so the writer stores them atomically (relaxed: a plain 8-byte store).
 */
static inline void
entry_set(uint64_t *entry, uint64_t value)
{
	__atomic_store_n(entry, value, __ATOMIC_RELAXED);
}

/*
 * Where the key is: the position in the index of its entry, and *slot its
 * slot, with *found true; or the position of the empty entry that ends its
 * probe chain, *found false.  For the writer (or under the writers' lock).
 */
static inline uint32_t
find_key(const NumaPgStateStore *s, uint64_t hash, const void *key,
		 uint32_t keylen, uint32_t *slot, bool *found)
{
	const uint64_t *index = index_of(s);
	uint32_t	mask = s->index_mask;
	uint32_t	pos = (uint32_t) hash & mask;

	for (;;)
	{
		uint64_t	entry = index[pos];

		if (entry == 0)
		{
			*found = false;
			return pos;
		}
		if (entry_has_hash(entry, hash) &&
			slot_matches(slot_at(s, entry_slot(entry)), hash, key, keylen))
		{
			*slot = entry_slot(entry);
			*found = true;
			return pos;
		}
		pos = (pos + 1) & mask;
	}
}

/* The position in the index of the entry naming slot (which is used). */
static uint32_t
entry_naming(const NumaPgStateStore *s, uint32_t slot)
{
	const uint64_t *index = index_of(s);
	uint32_t	mask = s->index_mask;
	uint64_t	want = entry_make(slot, slot_at(s, slot)->hash);
	uint32_t	pos = (uint32_t) want & mask;

	while (index[pos] != want)
		pos = (pos + 1) & mask;
	return pos;
}

/*
 * Empty the index entry at pos, backward-shift style: walk the probe
 * chain after the hole, and move back each entry whose home is not
 * between the hole and where it sits (cyclically), so that every entry
 * stays reachable from its home without tombstones.
 */
static void
index_remove(NumaPgStateStore *s, uint32_t pos)
{
	uint64_t   *index = index_of(s);
	uint32_t	mask = s->index_mask;
	uint32_t	hole = pos;
	uint32_t	j = pos;

	for (;;)
	{
		uint64_t	next;
		uint32_t	home;

		j = (j + 1) & mask;
		next = index[j];
		if (next == 0)
			break;
		home = entry_home(next, mask);
		/* distance home->j at least hole->j: home is at or before the hole */
		if (((j - home) & mask) >= ((j - hole) & mask))
		{
			entry_set(&index[hole], next);
			hole = j;
		}
	}
	entry_set(&index[hole], 0);
}


/* ---- header ---- */

/* Add delta to a counter that other processes may read. */
static inline void
counter_add(uint64_t *counter, uint64_t delta)
{
	__atomic_store_n(counter, *counter + delta, __ATOMIC_RELAXED);
}

/* seq becomes odd: a modification starts. */
static inline void
change_begin(NumaPgStateStore *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/* seq becomes even: the modification is complete. */
static inline void
change_end(NumaPgStateStore *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
}

/* The fill limit for a capacity: 90%, rounded down, so a slot stays empty. */
static uint32_t
max_fill_for(uint32_t capacity)
{
	return (uint32_t) (((uint64_t) capacity * 9) / 10);
}

/* Bytes a slot costs: itself and its index entries. */
#define BYTES_PER_SLOT \
	(NUMAPG_STATE_SLOT_SIZE + NUMAPG_STATE_INDEX_PER_SLOT * sizeof(uint64_t))

/* The index's mask for a capacity: its entries less one. */
static uint32_t
index_mask_for(uint32_t capacity)
{
	return capacity * NUMAPG_STATE_INDEX_PER_SLOT - 1;
}

/* Bytes from the header's start to slot 0: header and index, 64-aligned. */
static uint64_t
slots_offset_for(uint32_t capacity)
{
	uint64_t	end = sizeof(NumaPgStateStore) +
		(uint64_t) capacity * NUMAPG_STATE_INDEX_PER_SLOT * sizeof(uint64_t);

	return (end + 63) & ~(uint64_t) 63;
}

/*
 * Bytes a store of "capacity" slots takes: the header, the index (16 bytes
 * a slot) and the slots.  0 if capacity is not a power of two between
 * NUMAPG_STATE_MIN_CAPACITY and NUMAPG_STATE_MAX_CAPACITY, or does not fit
 * a size_t.
 */
size_t
numapg_state_store_size(uint32_t capacity)
{
	uint64_t	bytes;

	if (capacity < NUMAPG_STATE_MIN_CAPACITY ||
		capacity > NUMAPG_STATE_MAX_CAPACITY ||
		(capacity & (capacity - 1)) != 0)
		return 0;
	bytes = slots_offset_for(capacity) +
		((uint64_t) capacity << NUMAPG_STATE_SLOT_SHIFT);
#if SIZE_MAX <= UINT32_MAX
	/* a 32-bit size_t: the largest capacities do not fit */
	if (bytes > SIZE_MAX)
		return 0;
#endif
	return (size_t) bytes;
}

/* The largest power of two at most n (n at least 1). */
static uint32_t
power_of_two_below(uint64_t n)
{
	return (uint32_t) 1 << (63 - __builtin_clzll(n));
}

/*
 * Largest power-of-two slot count whose store fits region_bytes, or 0 if
 * not even NUMAPG_STATE_MIN_CAPACITY fits.  The header and the index take
 * 128 bytes and 16 a slot, so a region of exactly 2^k bytes holds 2^k /
 * 1024 slots, not 2^k / 512: size regions with numapg_state_store_size()
 * to waste nothing.
 */
uint32_t
numapg_state_store_capacity_for(size_t region_bytes)
{
	uint64_t	slots;
	uint32_t	capacity;

	if (region_bytes < sizeof(NumaPgStateStore))
		return 0;
	slots = (uint64_t) (region_bytes - sizeof(NumaPgStateStore)) / BYTES_PER_SLOT;
	if (slots < NUMAPG_STATE_MIN_CAPACITY)
		return 0;
	if (slots > NUMAPG_STATE_MAX_CAPACITY)
		slots = NUMAPG_STATE_MAX_CAPACITY;
	capacity = power_of_two_below(slots);
	/* the index's alignment may cost a few bytes more than 16 a slot */
	while (capacity >= NUMAPG_STATE_MIN_CAPACITY &&
		   numapg_state_store_size(capacity) > region_bytes)
		capacity >>= 1;
	return capacity >= NUMAPG_STATE_MIN_CAPACITY ? capacity : 0;
}

/*
 * Slots in slot_bytes of room for slots (numa_pg.state_store_size): the
 * largest power of two of NUMAPG_STATE_SLOT_SIZE-byte slots that fits,
 * capped at NUMAPG_STATE_MAX_CAPACITY, or 0 if fewer than
 * NUMAPG_STATE_MIN_CAPACITY fit.  The store then takes
 * numapg_state_store_size() of it: the header and the index on top.
 */
uint32_t
numapg_state_slots_in(size_t slot_bytes)
{
	uint64_t	slots = (uint64_t) slot_bytes >> NUMAPG_STATE_SLOT_SHIFT;

	if (slots < NUMAPG_STATE_MIN_CAPACITY)
		return 0;
	if (slots > NUMAPG_STATE_MAX_CAPACITY)
		slots = NUMAPG_STATE_MAX_CAPACITY;
	return power_of_two_below(slots);
}

/*
 * Make an empty store in the region at s, as large as region_bytes allows.
 * Returns false, writing nothing, if the region is too small or s is not
 * 8-byte aligned (64-byte alignment keeps each slot header in one cache
 * line).  The magic number is written last, so a store whose
 * initialisation was cut short does not look valid.  Zeroes the index and
 * every slot, which also faults the pages in.
 */
bool
numapg_state_store_init(NumaPgStateStore *s, size_t region_bytes)
{
	uint32_t	capacity = numapg_state_store_capacity_for(region_bytes);

	if (s == NULL || capacity == 0 || ((uintptr_t) s & 7) != 0)
		return false;
	__atomic_store_n(&s->magic, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memset((char *) s + sizeof(s->magic), 0,
		   numapg_state_store_size(capacity) - sizeof(s->magic));
	s->version = NUMAPG_STATE_VERSION;
	s->slot_size = NUMAPG_STATE_SLOT_SIZE;
	s->capacity = capacity;
	s->index_mask = index_mask_for(capacity);
	s->max_fill = max_fill_for(capacity);
	s->slots_offset = slots_offset_for(capacity);
	__atomic_store_n(&s->magic, NUMAPG_STATE_MAGIC, __ATOMIC_RELEASE);
	return true;
}

/*
 * Does the region at s hold a store of this module's layout, with a
 * capacity that init would have chosen for region_bytes?  Check this
 * before numapg_state_foreach_valid() on a region left by a crash: the
 * visitor trusts the header's capacity and slots_offset.
 */
bool
numapg_state_store_looks_valid(const NumaPgStateStore *s, size_t region_bytes)
{
	uint32_t	capacity = numapg_state_store_capacity_for(region_bytes);

	if (s == NULL || capacity == 0 || ((uintptr_t) s & 7) != 0)
		return false;
	return __atomic_load_n(&s->magic, __ATOMIC_ACQUIRE) == NUMAPG_STATE_MAGIC &&
		s->version == NUMAPG_STATE_VERSION &&
		s->slot_size == NUMAPG_STATE_SLOT_SIZE &&
		s->capacity == capacity &&
		s->index_mask == index_mask_for(capacity) &&
		s->max_fill == max_fill_for(capacity) &&
		s->slots_offset == slots_offset_for(capacity) &&
		s->entries <= s->max_fill;
}

/* Largest value a key of this length may have; 0 for a key too long. */
uint32_t
numapg_state_max_value(uint32_t keylen)
{
	if (keylen > NUMAPG_STATE_MAX_KEY)
		return 0;
	return NUMAPG_STATE_MAX_DATA - keylen;
}


/* ---- operations ---- */

/*
 * The hash of a key the *_hashed operations will look at: 0 for a key too
 * long to be stored, which they refuse before they use the hash (and
 * whose length must not be trusted to read).
 */
static inline uint64_t
hash_if_valid(const void *key, uint32_t keylen)
{
	return keylen <= NUMAPG_STATE_MAX_KEY ? numapg_state_hash(key, keylen) : 0;
}

/*
 * Set key to value, adding the key or replacing its value (*replaced, if
 * not NULL, says which).  TOO_LARGE if the key or key + value is too long;
 * FULL, counted, if the key is new and the store holds max_fill entries;
 * the store is unchanged then.  value may point into the store (at this
 * key's own value, say).  key and value may be NULL when their length is 0.
 */
NumaPgStoreResult
numapg_store_put(NumaPgStateStore *s, const void *key, uint32_t keylen,
				 const void *value, uint32_t vallen, bool *replaced)
{
	return numapg_store_put_hashed(s, hash_if_valid(key, keylen), key, keylen,
								   value, vallen, replaced);
}

/*
 * numapg_store_put() of a key whose numapg_state_hash() the caller has
 * computed already (to route it to this store).
 */
NumaPgStoreResult
numapg_store_put_hashed(NumaPgStateStore *s, uint64_t hash, const void *key,
						uint32_t keylen, const void *value, uint32_t vallen,
						bool *replaced)
{
	uint32_t	pos;
	uint32_t	idx = 0;
	uint32_t	oldlen;
	bool		found;
	StateSlot  *slot;

	if (replaced)
		*replaced = false;
	if (keylen > NUMAPG_STATE_MAX_KEY ||
		vallen > NUMAPG_STATE_MAX_DATA - keylen)
		return NUMAPG_STORE_TOO_LARGE;

	pos = find_key(s, hash, key, keylen, &idx, &found);

	if (found)
	{
		slot = slot_at(s, idx);
		oldlen = slot->vallen;
		change_begin(s);
		slot_mark_busy(slot);
		if (vallen > 0)
			slot_move_in(slot->data + keylen, value, vallen);
		SLOT_SET(slot->vallen, vallen);
		SLOT_SET(slot->crc, slot_checksum(slot));
		slot_publish(slot);
		counter_add(&s->bytes_used, (uint64_t) vallen - oldlen);
		counter_add(&s->updates, 1);
		change_end(s);
		if (replaced)
			*replaced = true;
		return NUMAPG_STORE_OK;
	}

	if (s->entries >= s->max_fill)
	{
		counter_add(&s->full_refusals, 1);
		return NUMAPG_STORE_FULL;
	}

	/* the first unused slot: fill it, mark it used, then index it */
	slot = slot_at(s, (uint32_t) s->entries);
	change_begin(s);
	SLOT_SET(slot->hash, hash);
	SLOT_SET(slot->vallen, vallen);
	SLOT_SET(slot->keylen, (uint16_t) keylen);
	SLOT_SET(slot->pad, 0);
	if (keylen > 0)
		slot_copy_in(slot->data, key, keylen);
	if (vallen > 0)
		slot_copy_in(slot->data + keylen, value, vallen);
	SLOT_SET(slot->crc, slot_checksum(slot));
	slot_publish(slot);
	entry_set(&index_of(s)[pos], entry_make((uint32_t) s->entries, hash));
	counter_add(&s->entries, 1);
	counter_add(&s->bytes_used, (uint64_t) keylen + vallen);
	counter_add(&s->inserts, 1);
	change_end(s);
	return NUMAPG_STORE_OK;
}

/*
 * The value stored for key, and its length in *vallen (if not NULL); NULL
 * if the key is absent.  The pointer is into the store, not aligned, and
 * valid until the next put or delete.
 */
const void *
numapg_store_lookup(NumaPgStateStore *s, const void *key, uint32_t keylen,
					uint32_t *vallen)
{
	uint64_t	hash;
	uint32_t	idx = 0;
	bool		found;
	const StateSlot *slot;

	counter_add(&s->lookups, 1);
	if (keylen > NUMAPG_STATE_MAX_KEY)
		return NULL;
	hash = numapg_state_hash(key, keylen);
	(void) find_key(s, hash, key, keylen, &idx, &found);
	if (!found)
		return NULL;
	counter_add(&s->hits, 1);
	slot = slot_at(s, idx);
	if (vallen)
		*vallen = slot->vallen;
	return slot->data + keylen;
}

/*
 * Is key in the store?  Counts nothing: for a writer that holds the
 * store's lock and wants to know whether a put would add an entry.
 */
bool
numapg_store_contains(const NumaPgStateStore *s, const void *key,
					  uint32_t keylen)
{
	return numapg_store_contains_hashed(s, hash_if_valid(key, keylen), key,
										keylen);
}

/* numapg_store_contains() of a key whose numapg_state_hash() is known. */
bool
numapg_store_contains_hashed(const NumaPgStateStore *s, uint64_t hash,
							 const void *key, uint32_t keylen)
{
	uint32_t	idx;
	bool		found;

	if (keylen > NUMAPG_STATE_MAX_KEY)
		return false;
	(void) find_key(s, hash, key, keylen, &idx, &found);
	return found;
}

/*
 * Ask the CPU to fetch the index entry where a key of this hash starts its
 * probe, ahead of a read or a write of it: a caller with many keys (a
 * batch) prefetches a few keys ahead, so that their cache misses overlap;
 * then, nearer, numapg_store_prefetch_slot() for the slot.
 */
void
numapg_store_prefetch(const NumaPgStateStore *s, uint64_t hash)
{
	__builtin_prefetch(&index_of(s)[(uint32_t) hash & s->index_mask]);
}

/*
 * Ask the CPU to fetch the slot that the entry where a key of this hash
 * starts its probe names, if that entry has the key's hash bits (nearly
 * always, for a key that is there): the second step of a batch's
 * prefetching, once numapg_store_prefetch() has brought the entry in.
 * Reads the entry without the lock, atomically, and only as a hint: a
 * slot number past the store is not prefetched.
 */
void
numapg_store_prefetch_slot(const NumaPgStateStore *s, uint64_t hash)
{
	uint64_t	entry = __atomic_load_n(&index_of(s)[(uint32_t) hash & s->index_mask],
										__ATOMIC_RELAXED);

	if (entry != 0 && entry_has_hash(entry, hash) &&
		entry_slot(entry) < s->capacity)
		__builtin_prefetch(slot_at(s, entry_slot(entry)));
}

/*
 * Count a put refused as FULL that the store itself did not see: a batch
 * whose new keys would not all fit, refused by its caller.
 */
void
numapg_store_count_refusal(NumaPgStateStore *s)
{
	counter_add(&s->full_refusals, 1);
}

/* Tell the CPU we are spinning (a few tens of cycles; nothing if unknown). */
static inline void
spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/*
 * One unvalidated try of numapg_store_read(): probe the index for the key
 * and copy the value of the slot that seems to hold it.  Every entry and
 * field is loaded once, into a local, and checked before it is used as a
 * slot number or a length, so a torn store can make the answer wrong (the
 * caller's seq check catches that) but cannot make it read outside the
 * store or the caller's buffer.  The key is copied before it is compared;
 * the probe ends at an empty entry or after visiting every entry.
 * Returns OK, NOT_FOUND, or RETRY when what it saw cannot be a consistent
 * store.
 */
static NumaPgStoreResult
read_try(const NumaPgStateStore *s, uint64_t hash, const void *key,
		 uint32_t keylen, void *value, uint32_t *vallen)
{
	const uint64_t *index = index_of(s);
	uint32_t	mask = s->index_mask;	/* set by init, never changed */
	uint32_t	capacity = s->capacity; /* likewise */
	uint32_t	pos = (uint32_t) hash & mask;
	unsigned char keycopy[NUMAPG_STATE_MAX_KEY];

	for (uint32_t n = 0; n <= mask; n++)
	{
		uint64_t	entry = __atomic_load_n(&index[pos], __ATOMIC_RELAXED);

		if (entry == 0)
			return NUMAPG_STORE_NOT_FOUND;
		if (entry_has_hash(entry, hash))
		{
			const StateSlot *slot;

			if (entry_slot(entry) >= capacity)
				return NUMAPG_STORE_RETRY;	/* torn: no such slot */
			slot = slot_at(s, entry_slot(entry));
			if (__atomic_load_n(&slot->hash, __ATOMIC_RELAXED) == hash &&
				__atomic_load_n(&slot->keylen, __ATOMIC_RELAXED) == keylen)
			{
				uint32_t	len = __atomic_load_n(&slot->vallen, __ATOMIC_RELAXED);

				if (len > NUMAPG_STATE_MAX_DATA - keylen)
					return NUMAPG_STORE_RETRY;	/* torn: no such length */
				slot_copy_out(keycopy, slot->data, keylen);
				if (keylen == 0 || memcmp(keycopy, key, keylen) == 0)
				{
					slot_copy_out(value, slot->data + keylen, len);
					*vallen = len;
					return NUMAPG_STORE_OK;
				}
			}
		}
		pos = (pos + 1) & mask;
	}
	return NUMAPG_STORE_RETRY;	/* no empty entry seen: not a store at rest */
}

/*
 * Read key's value without the writers' lock, from any process that maps the
 * store: copy it into value (room for NUMAPG_STATE_MAX_DATA bytes) and
 * its length into *vallen, and return OK; or NOT_FOUND.  Seqlock style
 * (see state_store.h): each try loads seq (acquire) and gives up at once
 * if it is odd; otherwise it probes and copies (read_try), then, after an
 * acquire fence, loads seq again.  If seq has not changed, no
 * modification overlapped the try: the copy and the probe's outcome, hit
 * or miss, are those of the store at rest between two modifications.
 * Otherwise it spins briefly and tries again, at most "tries" times (at
 * least once), then returns RETRY, *vallen and value undefined: read
 * again while holding the writers' lock.  Writes nothing to the store (its lookup counters count
 * numapg_store_lookup() only).
 */
NumaPgStoreResult
numapg_store_read(const NumaPgStateStore *s, const void *key, uint32_t keylen,
				  void *value, uint32_t *vallen, int tries)
{
	return numapg_store_read_hashed(s, hash_if_valid(key, keylen), key,
									keylen, value, vallen, tries);
}

/*
 * numapg_store_read() of a key whose numapg_state_hash() the caller has
 * (it routed the key with it): the same, without hashing the key again.
 */
NumaPgStoreResult
numapg_store_read_hashed(const NumaPgStateStore *s, uint64_t hash,
						 const void *key, uint32_t keylen, void *value,
						 uint32_t *vallen, int tries)
{
	if (keylen > NUMAPG_STATE_MAX_KEY)
		return NUMAPG_STORE_NOT_FOUND;
	for (int t = 0; t < tries || t == 0; t++)
	{
		uint64_t	seq0;
		NumaPgStoreResult result;

		if (t > 0)
			spin_pause();
		seq0 = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		if (seq0 & 1)
			continue;			/* a modification is under way */
		result = read_try(s, hash, key, keylen, value, vallen);
		/* the copies above happen before the second load of seq */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq0 &&
			result != NUMAPG_STORE_RETRY)
			return result;
	}
	return NUMAPG_STORE_RETRY;
}

/*
 * Remove key: NOT_FOUND if absent.  The last used slot moves into the
 * deleted key's slot, so that the used slots stay packed, and the key's
 * index entry goes, backward-shift style (index_remove()).
 */
NumaPgStoreResult
numapg_store_delete(NumaPgStateStore *s, const void *key, uint32_t keylen)
{
	return numapg_store_delete_hashed(s, hash_if_valid(key, keylen), key,
									  keylen);
}

/* numapg_store_delete() of a key whose numapg_state_hash() is known. */
NumaPgStoreResult
numapg_store_delete_hashed(NumaPgStateStore *s, uint64_t hash,
						   const void *key, uint32_t keylen)
{
	uint32_t	pos;
	uint32_t	hole = 0;
	uint32_t	last;
	uint64_t	freed;
	bool		found;

	if (keylen > NUMAPG_STATE_MAX_KEY)
		return NUMAPG_STORE_NOT_FOUND;
	pos = find_key(s, hash, key, keylen, &hole, &found);
	if (!found)
		return NUMAPG_STORE_NOT_FOUND;

	change_begin(s);
	freed = (uint64_t) keylen + slot_at(s, hole)->vallen;
	last = (uint32_t) s->entries - 1;
	if (hole != last)
	{
		/* the last slot fills the hole: copied first, its entry repointed */
		uint32_t	moved = entry_naming(s, last);

		slot_move(slot_at(s, hole), slot_at(s, last));
		entry_set(&index_of(s)[moved], entry_make(hole, slot_at(s, hole)->hash));
	}
	index_remove(s, pos);
	__atomic_store_n(&slot_at(s, last)->state, SLOT_EMPTY, __ATOMIC_RELEASE);
	counter_add(&s->entries, (uint64_t) -1);
	counter_add(&s->bytes_used, (uint64_t) 0 - freed);
	counter_add(&s->deletes, 1);
	change_end(s);
	return NUMAPG_STORE_OK;
}

/*
 * A copy of the header's counters.  Any process may call it while the
 * writer works: each counter is read atomically, though not all at one
 * instant.
 */
void
numapg_state_stats(const NumaPgStateStore *s, NumaPgStateStats *out)
{
	out->entries = __atomic_load_n(&s->entries, __ATOMIC_RELAXED);
	out->capacity = s->capacity;
	out->bytes_used = __atomic_load_n(&s->bytes_used, __ATOMIC_RELAXED);
	out->lookups = __atomic_load_n(&s->lookups, __ATOMIC_RELAXED);
	out->hits = __atomic_load_n(&s->hits, __ATOMIC_RELAXED);
	out->inserts = __atomic_load_n(&s->inserts, __ATOMIC_RELAXED);
	out->updates = __atomic_load_n(&s->updates, __ATOMIC_RELAXED);
	out->deletes = __atomic_load_n(&s->deletes, __ATOMIC_RELAXED);
	out->full_refusals = __atomic_load_n(&s->full_refusals, __ATOMIC_RELAXED);
	out->max_entries = s->max_fill;
	out->seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
}

/*
 * Call visit for each valid entry, in slot order, and return how many
 * non-empty slots were skipped as invalid (busy, lengths out of range,
 * checksum or hash not matching).  For recovery: copy the entries into a
 * fresh store with numapg_store_put(); after a crash in a deletion one key
 * may be visited twice, with the same value, and the last put wins.  The
 * visitor must not modify s; check numapg_state_store_looks_valid() first.
 */
uint32_t
numapg_state_foreach_valid(const NumaPgStateStore *s,
						   NumaPgStateVisitor visit, void *arg)
{
	uint32_t	capacity = s->capacity;
	uint32_t	invalid = 0;

	for (uint32_t idx = 0; idx < capacity; idx++)
	{
		const StateSlot *slot = slot_at(s, idx);
		uint8_t		state = __atomic_load_n(&slot->state, __ATOMIC_ACQUIRE);

		if (state == SLOT_EMPTY)
			continue;
		if (!slot_is_valid(slot, state))
		{
			invalid++;
			continue;
		}
		visit(arg, slot->data, slot->keylen, slot->data + slot->keylen,
			  slot->vallen);
	}
	return invalid;
}
