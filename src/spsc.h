/*-------------------------------------------------------------------------
 *
 * spsc.h
 *		A lock-free single-producer/single-consumer ring of fixed-size
 *		message slots, living in shared memory.
 *
 * Backends send requests to a pinned worker through one such ring per
 * (worker, producer NUMA node); the caller places the ring's memory on
 * the producer's node.  Exactly one process pushes and exactly one pops
 * at any time: several backends of a node may share the producer side
 * only if they serialise their pushes (with a lock), which also orders
 * their accesses to the producer's fields.  Any process may read the
 * depth and the statistics at any time.
 *
 * The region holds a NumaPgSpscRing header (three 64-byte cache lines)
 * followed by "capacity" slots of "slot_size" bytes each.  Nothing in the
 * region is a pointer: positions are 64-bit counters, and a slot's
 * address is computed from its index, so each process may map the region
 * at a different address.
 *
 * Header, one cache line per writer (offsets in bytes):
 *	   0  read-only after init: capacity, mask, slot_size, max_message
 *	  64  written by the producer only: head, cached_tail, its counters
 *	 128  written by the consumer only: tail, cached_head, its counters
 *	 192  the slots
 *
 * head and tail count the messages ever pushed and popped; they are never
 * reduced modulo the capacity (slot = index & mask), so head - tail is the
 * depth even when the counters wrap past 2^64 (in some 500 years at a
 * billion messages a second).  Each side keeps its last view of the other
 * side's counter in its own line, and reads the other line only when that
 * view says the ring is full (producer) or empty (consumer).
 *
 * Slot layout (native byte order, offsets in bytes):
 *	   0  uint32 length		bytes of payload, 0 .. max_message
 *	   4  uint32 reserved	zero
 *	   8  payload			max_message = slot_size - NUMAPG_SPSC_SLOT_HEADER
 *
 * The payload starts 8-byte aligned when the ring does.  The ring must
 * start at least 8-byte aligned (numapg_spsc_init refuses otherwise), and
 * 64-byte aligned for the cache-line separation to hold.
 *
 * This module is pure C: it includes no PostgreSQL header.
 *
 * IDENTIFICATION
 *	  src/spsc.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_SPSC_H
#define NUMAPG_SPSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NUMAPG_SPSC_CACHE_LINE	64

/* Bytes of a slot before its payload: max message = slot_size - this. */
#define NUMAPG_SPSC_SLOT_HEADER	8

typedef struct NumaPgSpscRing
{
	/* Set by numapg_spsc_init(), read-only afterwards. */
	uint32_t	capacity;		/* slots, a power of 2 >= 2 */
	uint32_t	mask;			/* capacity - 1 */
	uint32_t	slot_size;		/* bytes per slot, a multiple of 8 >= 16 */
	uint32_t	max_message;	/* slot_size - NUMAPG_SPSC_SLOT_HEADER */
	char		pad_config[NUMAPG_SPSC_CACHE_LINE - 4 * sizeof(uint32_t)];

	/* Written by the producer only. */
	uint64_t	head;			/* messages ever pushed; next slot to fill */
	uint64_t	cached_tail;	/* the producer's last view of tail */
	uint64_t	push_full;		/* pushes refused: ring full */
	uint64_t	push_too_long;	/* pushes refused: message too long */
	char		pad_producer[NUMAPG_SPSC_CACHE_LINE - 4 * sizeof(uint64_t)];

	/* Written by the consumer only. */
	uint64_t	tail;			/* messages ever popped; next slot to read */
	uint64_t	cached_head;	/* the consumer's last view of head */
	uint64_t	pop_too_small;	/* pops refused: caller's buffer too small */
	char		pad_consumer[NUMAPG_SPSC_CACHE_LINE - 3 * sizeof(uint64_t)];

	char		slots[];		/* capacity * slot_size bytes */
} NumaPgSpscRing;

/* Counters for reports; see numapg_spsc_stats(). */
typedef struct NumaPgSpscStats
{
	uint64_t	pushed;			/* messages accepted by push */
	uint64_t	popped;			/* messages returned by pop */
	uint64_t	push_full;		/* pushes refused because the ring was full */
	uint64_t	push_too_long;	/* pushes refused: longer than max_message */
	uint64_t	pop_too_small;	/* pops refused: buffer shorter than message */
} NumaPgSpscStats;

extern size_t numapg_spsc_size(uint32_t capacity, uint32_t slot_size);
extern bool numapg_spsc_init(NumaPgSpscRing *ring, uint32_t capacity,
							 uint32_t slot_size);
extern bool numapg_spsc_push(NumaPgSpscRing *ring, const void *msg,
							 uint32_t len);
extern bool numapg_spsc_pop(NumaPgSpscRing *ring, void *buf, uint32_t buflen,
							uint32_t *len);
extern bool numapg_spsc_skip(NumaPgSpscRing *ring);
extern uint32_t numapg_spsc_depth(const NumaPgSpscRing *ring);
extern uint32_t numapg_spsc_max_message(const NumaPgSpscRing *ring);
extern uint32_t numapg_spsc_capacity(const NumaPgSpscRing *ring);
extern void numapg_spsc_stats(const NumaPgSpscRing *ring,
							  NumaPgSpscStats *stats);

#endif							/* NUMAPG_SPSC_H */
