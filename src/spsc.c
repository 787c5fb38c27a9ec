/*-------------------------------------------------------------------------
 *
 * spsc.c
 *		A lock-free single-producer/single-consumer ring of fixed-size
 *		message slots, living in shared memory.
 *
 * The protocol is the classic one: the producer fills the slot at head,
 * then publishes it by storing head + 1; the consumer reads the slot at
 * tail, then frees it by storing tail + 1.  Each counter has a single
 * writer, so no read-modify-write instruction is needed, only ordering:
 *
 *	- head is stored with release and loaded with acquire.  A consumer that
 *	  sees head = h + 1 therefore also sees every byte the producer wrote
 *	  into slot h before publishing it: no torn or stale message.
 *	- tail is stored with release and loaded with acquire.  A producer that
 *	  sees tail = t + 1 therefore knows the consumer's reads of slot t are
 *	  finished (they happen before the store), so it may overwrite it.
 *
 * Nothing needs sequential consistency: neither side stores one variable
 * and then loads another that it expects the other side to have stored
 * (no Dekker pattern).  A caller that adds a sleep/wake-up protocol on top
 * (a "consumer is asleep" flag) does need a full barrier there; PostgreSQL
 * latches provide it.
 *
 * Each side reads its own counter with a relaxed load (it is the only
 * writer, or it follows the previous writer under a lock) and keeps a
 * private copy of the other side's counter (cached_tail, cached_head).  It
 * reloads that copy only when the ring looks full or empty, so in the
 * common case a push touches only the producer's line and the slot, and a
 * pop only the consumer's line and the slot.
 *
 * The counters for reports are written with relaxed atomic stores by their
 * side's single writer, so a reader in another process never sees a torn
 * value.  The GCC __atomic builtins on 8-byte naturally aligned words are
 * lock-free on the platforms we build for (checked below), hence
 * address-free, which is what makes them valid across processes.
 *
 * IDENTIFICATION
 *	  src/spsc.c
 *
 *-------------------------------------------------------------------------
 */
#include "spsc.h"

#include <string.h>

/* the layout the header comment documents */
_Static_assert(offsetof(NumaPgSpscRing, head) == NUMAPG_SPSC_CACHE_LINE,
			   "producer fields start on the second cache line");
_Static_assert(offsetof(NumaPgSpscRing, tail) == 2 * NUMAPG_SPSC_CACHE_LINE,
			   "consumer fields start on the third cache line");
_Static_assert(offsetof(NumaPgSpscRing, slots) == 3 * NUMAPG_SPSC_CACHE_LINE,
			   "slots start on the fourth cache line");
_Static_assert(__atomic_always_lock_free(sizeof(uint64_t), 0),
			   "64-bit atomics must be lock-free to work across processes");

/* Add one to a counter that only the calling side writes. */
static inline void
count(uint64_t *counter)
{
	__atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + 1,
					 __ATOMIC_RELAXED);
}

/* Start of the slot that the message with this index uses. */
static inline char *
slot_at(NumaPgSpscRing *ring, uint64_t index)
{
	return ring->slots + (size_t) (index & ring->mask) * ring->slot_size;
}

/*
 * Bytes a ring needs for "capacity" slots of "slot_size" bytes, header
 * included; 0 if the parameters are invalid (capacity not a power of 2 or
 * below 2, slot_size not a multiple of 8 or below 16) or the size does
 * not fit in a size_t.
 */
size_t
numapg_spsc_size(uint32_t capacity, uint32_t slot_size)
{
	uint64_t	slots_bytes;

	if (capacity < 2 || (capacity & (capacity - 1)) != 0)
		return 0;
	if (slot_size < 16 || slot_size % 8 != 0)
		return 0;
	/* both factors are below 2^32, so the product fits in 64 bits */
	slots_bytes = (uint64_t) capacity * slot_size;
	if (slots_bytes > (uint64_t) SIZE_MAX - sizeof(NumaPgSpscRing))
		return 0;
	return sizeof(NumaPgSpscRing) + (size_t) slots_bytes;
}

/*
 * Set up an empty ring in memory the caller provides, of at least
 * numapg_spsc_size(capacity, slot_size) bytes.  Returns false, touching
 * nothing, if the parameters are invalid or the ring is not 8-byte
 * aligned (the 64-bit atomics need it).  The slots are left as they are:
 * the caller has placed and prefaulted them, and a slot is read only after
 * a push has filled it.  No process may use the ring during this call;
 * whatever starts them afterwards (fork, a lock) orders these stores
 * before their first access.
 */
bool
numapg_spsc_init(NumaPgSpscRing *ring, uint32_t capacity, uint32_t slot_size)
{
	if (ring == NULL || ((uintptr_t) ring % 8) != 0)
		return false;
	if (numapg_spsc_size(capacity, slot_size) == 0)
		return false;
	memset(ring, 0, sizeof(NumaPgSpscRing));
	ring->capacity = capacity;
	ring->mask = capacity - 1;
	ring->slot_size = slot_size;
	ring->max_message = slot_size - NUMAPG_SPSC_SLOT_HEADER;
	return true;
}

/*
 * Producer: append a message of len bytes (msg may be NULL when len is 0).
 * Returns false, and counts why, if the message is longer than
 * max_message or the ring is full; the caller decides whether to wait.
 *
 * Ordering: the slot is written with plain stores, then published by the
 * release store of head, so a consumer that acquires the new head sees
 * the whole message.  The acquire load of tail (only when the cached
 * value says full) makes the consumer's reads of the slot we are about to
 * reuse happen before our writes into it.
 */
bool
numapg_spsc_push(NumaPgSpscRing *ring, const void *msg, uint32_t len)
{
	uint64_t	head = __atomic_load_n(&ring->head, __ATOMIC_RELAXED);
	uint32_t	reserved = 0;
	char	   *slot;

	if (len > ring->max_message)
	{
		count(&ring->push_too_long);
		return false;
	}
	if (head - ring->cached_tail >= ring->capacity)
	{
		ring->cached_tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
		if (head - ring->cached_tail >= ring->capacity)
		{
			count(&ring->push_full);
			return false;
		}
	}

	slot = slot_at(ring, head);
	memcpy(slot, &len, sizeof(len));
	memcpy(slot + sizeof(len), &reserved, sizeof(reserved));
	if (len > 0)
		memcpy(slot + NUMAPG_SPSC_SLOT_HEADER, msg, len);
	__atomic_store_n(&ring->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

/*
 * Consumer: take the oldest message, copying it into buf and its length
 * into *len (len may be NULL).  Returns false when the ring is empty, with
 * *len = 0.
 *
 * If the message is longer than buflen, nothing is copied and nothing is
 * consumed: pop returns false with *len set to the message length, so the
 * caller can tell this (*len > buflen) from an empty ring and retry with
 * a larger buffer.  A buffer of numapg_spsc_max_message() bytes never
 * fails this way.  We refuse rather than truncate because a request cut
 * short could be misread, and rather than drop because a lost request
 * would leave its backend waiting.  A length word above max_message (a
 * corrupted slot) is refused the same way, so we never read beyond the
 * slot.
 *
 * Ordering: the acquire load of head (only when the cached value says
 * empty) makes the producer's writes of the slot visible before we read
 * it; the release store of tail keeps our reads of the slot before the
 * producer can see it free and overwrite it.
 */
bool
numapg_spsc_pop(NumaPgSpscRing *ring, void *buf, uint32_t buflen,
				uint32_t *len)
{
	uint64_t	tail = __atomic_load_n(&ring->tail, __ATOMIC_RELAXED);
	uint32_t	msglen;
	const char *slot;

	if (tail == ring->cached_head)
	{
		ring->cached_head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
		if (tail == ring->cached_head)
		{
			if (len)
				*len = 0;
			return false;
		}
	}

	slot = slot_at(ring, tail);
	memcpy(&msglen, slot, sizeof(msglen));
	if (len)
		*len = msglen;
	if (msglen > buflen || msglen > ring->max_message)
	{
		count(&ring->pop_too_small);
		return false;
	}
	if (msglen > 0)
		memcpy(buf, slot + NUMAPG_SPSC_SLOT_HEADER, msglen);
	__atomic_store_n(&ring->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}

/*
 * Consumer: drop the oldest message without reading it; returns false if
 * the ring is empty.  For a message pop refuses whatever the buffer (a
 * length word above max_message, i.e. a corrupted slot), which would
 * otherwise block the ring for good.
 */
bool
numapg_spsc_skip(NumaPgSpscRing *ring)
{
	uint64_t	tail = __atomic_load_n(&ring->tail, __ATOMIC_RELAXED);

	if (tail == ring->cached_head)
	{
		ring->cached_head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
		if (tail == ring->cached_head)
			return false;
	}
	__atomic_store_n(&ring->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}

/*
 * Messages waiting, for reports; any process may call it.  While both
 * sides run the answer is a snapshot that may already be stale.  tail is
 * loaded first, with acquire: the consumer had seen a head at least that
 * large before storing it, so the head we load next is not smaller, and
 * the difference never goes negative.  It may exceed the capacity if the
 * consumer moved on between the two loads, so it is clamped.
 */
uint32_t
numapg_spsc_depth(const NumaPgSpscRing *ring)
{
	uint64_t	tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
	uint64_t	head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
	uint64_t	depth = head - tail;

	return depth > ring->capacity ? ring->capacity : (uint32_t) depth;
}

/* Longest message push accepts: slot_size - NUMAPG_SPSC_SLOT_HEADER. */
uint32_t
numapg_spsc_max_message(const NumaPgSpscRing *ring)
{
	return ring->max_message;
}

/* Number of slots, i.e. the most messages that can wait at once. */
uint32_t
numapg_spsc_capacity(const NumaPgSpscRing *ring)
{
	return ring->capacity;
}

/*
 * Copy the counters, for reports; any process may call it.  pushed and
 * popped are head and tail themselves.  Each value is read atomically,
 * but the set is not one snapshot while the ring is in use.
 */
void
numapg_spsc_stats(const NumaPgSpscRing *ring, NumaPgSpscStats *stats)
{
	stats->popped = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
	stats->pushed = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
	stats->push_full = __atomic_load_n(&ring->push_full, __ATOMIC_RELAXED);
	stats->push_too_long = __atomic_load_n(&ring->push_too_long,
										   __ATOMIC_RELAXED);
	stats->pop_too_small = __atomic_load_n(&ring->pop_too_small,
										   __ATOMIC_RELAXED);
}
