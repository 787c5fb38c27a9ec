/*-------------------------------------------------------------------------
 *
 * state_store.h
 *		A worker's state store: a fixed-capacity key/value hash table that
 *		lives in one shared-memory region on the worker's NUMA node.
 *
 * The region starts with a NumaPgStateStore header, followed by an index
 * of 2 * capacity 8-byte entries, then "capacity" slots of
 * NUMAPG_STATE_SLOT_SIZE bytes each, from slots_offset (64-byte aligned);
 * capacity is a power of two.  The index is a hash table with open
 * addressing, linear probing and backward-shift deletion (no tombstones):
 * an entry is 0 (empty) or ((slot + 1) << 32) | the key's hash's low 32
 * bits, and it is at most 45% full.  The slots are packed: the used ones
 * are always slots 0 to entries - 1, so that a store with few keys keeps
 * them in few pages (fewer TLB misses), whatever its size.  A slot holds
 * a small header (the key's 64-bit hash, the key and value lengths, a
 * state byte and a CRC-32C), then the key bytes and the value bytes
 * inline.  Nothing in the region is a pointer, so it may be mapped at a
 * different address in each process; the index is derived from the
 * slots, so recovery reads the slots alone.
 *
 * Slot layout (native byte order, offsets in bytes):
 *	  0  uint64 hash	numapg_state_hash() of the key
 *	  8  uint32 vallen
 *	 12  uint16 keylen
 *	 14  uint8  state	0 empty, 1 used, 2 busy (being rewritten)
 *	 15  uint8  pad		zero
 *	 16  uint32 crc		CRC-32C of bytes 0-13, then of the key and value
 *	 20  key bytes, then value bytes (NUMAPG_STATE_MAX_DATA = 492 in all)
 *
 * One process at a time modifies the store and looks keys up with
 * numapg_store_lookup() (in numa_pg, whoever holds the store's lock:
 * state_access.c); other processes may read the header statistics
 * (numapg_state_stats) and read entries (numapg_store_read) at any time.
 * Nothing here takes a lock.
 *
 * Reads without the writer's lock (numapg_store_read) are validated seqlock style
 * against the header's seq counter, which every modification makes odd
 * before it writes a slot or an index entry and even again after (release
 * ordering): a reader loads seq (acquire), probes the index and copies key
 * and value, then loads seq again after an acquire fence; it trusts what
 * it copied, a hit or a miss, only if seq was even and had not changed.
 * The whole probe is inside the window, so an index entry moved back by a
 * deletion's backward shift, past a reader's position, or a slot moved by
 * a deletion, cannot make a present key look absent.
 * A try that does not validate is retried, at most "tries" times; then
 * NUMAPG_STORE_RETRY says to read under the writers' lock instead.  The
 * reader's copies race with the writer's stores, by design: the seq check
 * discards a copy that overlapped a modification.  Built with
 * -fsanitize=thread, state_store.c makes those copies and stores relaxed
 * atomic byte and field accesses, so that ThreadSanitizer sees no race
 * there and reports any other; test/unit/stress_state_read.c runs under
 * it in threads mode (test_state_read_tsan).
 *
 * Hash bits: the index uses the low log2(2 * capacity) bits of
 * numapg_state_hash() (at most 31 bits) for a key's home, and keeps the
 * low 32 in its entry, so that a probe rarely reads a slot that is not
 * the key's; the router that picks a worker for a key uses the high 32
 * bits, so the keys routed to one worker still spread evenly over its
 * index.  The hash reads the key in native byte
 * order: values are stable on one machine, not across endiannesses.
 *
 * Crash safety: each operation writes a slot so that at every instant it
 * is either valid (state "used" and checksum matching) or visibly
 * invalid (state "busy", or a checksum that does not match); the header's
 * seq counter is odd while an operation is under way.  After a crash,
 * check numapg_state_store_looks_valid(), then copy what
 * numapg_state_foreach_valid() visits into a fresh store.  An operation
 * cut short by a crash loses at most the entry it was writing (an update
 * in place may lose the old value along with the new one); it never
 * yields a torn entry.  A deletion moves the last used slot into the
 * deleted one (busy, copy, used) before it empties the last: interrupted,
 * it may leave one entry in two slots, with identical contents, so the
 * visitor may see a key twice:
 * re-inserting with numapg_store_put() makes the last one win, which is
 * the same value.  A store whose seq is even was not interrupted and may
 * be used in place.
 *
 * This module is pure C: it includes no PostgreSQL header.
 *
 * IDENTIFICATION
 *	  src/state_store.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_STATE_STORE_H
#define NUMAPG_STATE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "key_hash.h"

/* Bytes per slot, and its log2 (the probe loop shifts, never divides). */
#define NUMAPG_STATE_SLOT_SIZE		512
#define NUMAPG_STATE_SLOT_SHIFT		9
/* Bytes of a slot's header; key and value bytes follow it. */
#define NUMAPG_STATE_SLOT_HEADER	20
/* Most key + value bytes one entry may hold. */
#define NUMAPG_STATE_MAX_DATA		(NUMAPG_STATE_SLOT_SIZE - NUMAPG_STATE_SLOT_HEADER)
/* Longest key; keys of length 0 are allowed (the empty key). */
#define NUMAPG_STATE_MAX_KEY		255
/* Fewest slots a store has: room for one entry (the fill limit is 90%). */
#define NUMAPG_STATE_MIN_CAPACITY	2
/* Most slots a store has (its index's mask and slot numbers are 32-bit). */
#define NUMAPG_STATE_MAX_CAPACITY	(UINT32_C(1) << 30)
/* Index entries per slot. */
#define NUMAPG_STATE_INDEX_PER_SLOT	2

/* In the header, to recognise a region that holds a store. */
#define NUMAPG_STATE_MAGIC			0x4e505353	/* "NPSS" */
#define NUMAPG_STATE_VERSION		2

typedef enum NumaPgStoreResult
{
	NUMAPG_STORE_OK,
	NUMAPG_STORE_NOT_FOUND,
	NUMAPG_STORE_FULL,			/* the key is new and the fill limit is
								 * reached */
	NUMAPG_STORE_TOO_LARGE,		/* key longer than NUMAPG_STATE_MAX_KEY,
								 * or key + value over
								 * NUMAPG_STATE_MAX_DATA */
	NUMAPG_STORE_RETRY			/* numapg_store_read(): writers kept
								 * changing the store; read under their
								 * lock instead */
} NumaPgStoreResult;

/* Tries numapg_store_read() callers in numa_pg make before they take the lock. */
#define NUMAPG_STORE_READ_TRIES		8

typedef struct NumaPgStateStats
{
	uint64_t	entries;		/* live entries */
	uint64_t	capacity;		/* slots */
	uint64_t	bytes_used;		/* key + value bytes of the live entries */
	uint64_t	lookups;		/* numapg_store_lookup()'s (numapg_store_read() is not
								 * counted: it writes nothing) */
	uint64_t	hits;			/* lookups that found their key */
	uint64_t	inserts;		/* puts that added a key */
	uint64_t	updates;		/* puts that replaced a value */
	uint64_t	deletes;		/* deletes that removed a key */
	uint64_t	full_refusals;	/* puts refused with NUMAPG_STORE_FULL */
	uint64_t	max_entries;	/* the fill limit: 90% of capacity */
	uint64_t	seq;			/* two per modification; odd while one is
								 * under way */
} NumaPgStateStats;

/*
 * The header at the start of the region; the index and the slots follow
 * it.  Fixed-width
 * fields only, and 128 bytes, so every process sees the same layout.  The
 * counters are written by the one writer at a time (relaxed atomic stores) and may
 * be read by anyone.
 */
typedef struct NumaPgStateStore
{
	uint32_t	magic;			/* NUMAPG_STATE_MAGIC, written last by init */
	uint32_t	version;		/* NUMAPG_STATE_VERSION */
	uint32_t	slot_size;		/* NUMAPG_STATE_SLOT_SIZE */
	uint32_t	capacity;		/* slots, a power of two */
	uint32_t	index_mask;		/* index entries - 1 (2 * capacity - 1) */
	uint32_t	max_fill;		/* most entries accepted */
	uint64_t	seq;
	uint64_t	entries;
	uint64_t	bytes_used;
	uint64_t	lookups;
	uint64_t	hits;
	uint64_t	inserts;
	uint64_t	updates;
	uint64_t	deletes;
	uint64_t	full_refusals;
	uint64_t	slots_offset;	/* bytes from the header to slot 0 */
	uint64_t	reserved[3];	/* zero; pads the header to 128 bytes */
} NumaPgStateStore;

/* Called for each valid entry; key and value are not aligned. */
typedef void (*NumaPgStateVisitor) (void *arg, const void *key,
									uint32_t keylen, const void *value,
									uint32_t vallen);


extern size_t numapg_state_store_size(uint32_t capacity);
extern uint32_t numapg_state_store_capacity_for(size_t region_bytes);
extern uint32_t numapg_state_slots_in(size_t slot_bytes);
extern bool numapg_state_store_init(NumaPgStateStore *s, size_t region_bytes);
extern bool numapg_state_store_looks_valid(const NumaPgStateStore *s,
										   size_t region_bytes);
extern uint32_t numapg_state_max_value(uint32_t keylen);

extern NumaPgStoreResult numapg_store_put(NumaPgStateStore *s,
										  const void *key, uint32_t keylen,
										  const void *value, uint32_t vallen,
										  bool *replaced);
extern NumaPgStoreResult numapg_store_put_hashed(NumaPgStateStore *s,
												 uint64_t hash,
												 const void *key,
												 uint32_t keylen,
												 const void *value,
												 uint32_t vallen,
												 bool *replaced);
extern const void *numapg_store_lookup(NumaPgStateStore *s, const void *key,
									   uint32_t keylen, uint32_t *vallen);
extern void numapg_store_count_refusal(NumaPgStateStore *s);
extern bool numapg_store_contains(const NumaPgStateStore *s, const void *key,
								  uint32_t keylen);
extern bool numapg_store_contains_hashed(const NumaPgStateStore *s,
										 uint64_t hash, const void *key,
										 uint32_t keylen);
extern NumaPgStoreResult numapg_store_read(const NumaPgStateStore *s,
										   const void *key, uint32_t keylen,
										   void *value, uint32_t *vallen,
										   int tries);
extern NumaPgStoreResult numapg_store_read_hashed(const NumaPgStateStore *s,
												  uint64_t hash,
												  const void *key,
												  uint32_t keylen,
												  void *value,
												  uint32_t *vallen,
												  int tries);
extern void numapg_store_prefetch(const NumaPgStateStore *s, uint64_t hash);
extern void numapg_store_prefetch_slot(const NumaPgStateStore *s,
									   uint64_t hash);
extern NumaPgStoreResult numapg_store_delete(NumaPgStateStore *s,
											 const void *key,
											 uint32_t keylen);
extern NumaPgStoreResult numapg_store_delete_hashed(NumaPgStateStore *s,
													uint64_t hash,
													const void *key,
													uint32_t keylen);

extern void numapg_state_stats(const NumaPgStateStore *s,
							   NumaPgStateStats *out);
extern uint32_t numapg_state_foreach_valid(const NumaPgStateStore *s,
										   NumaPgStateVisitor visit,
										   void *arg);

#endif							/* NUMAPG_STATE_STORE_H */
