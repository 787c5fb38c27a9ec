/*-------------------------------------------------------------------------
 *
 * arena.h
 *		An allocator for one pool region of numa_pg's NUMA allocator: page
 *		runs for large allocations, slabs of size classes for small ones.
 *
 * At server start numa_pg carves one pool per NUMA node (and one
 * interleaved pool) out of shared memory and binds each to its node; an
 * arena manages the allocations inside one such region.  The caller
 * serialises every call (numa_pg holds an LWLock around each): the arena
 * itself does no locking.
 *
 * Layout of a region (all positions are offsets from the region start,
 * where the NumaPgArena header sits; nothing in the region is a pointer):
 *
 *	  header			struct NumaPgArena, 640 bytes
 *	  descriptors		one 32-byte NumaPgArenaPage per page, from offset
 *						NUMAPG_ARENA_HEADER_BYTES
 *	  (gap)				up to the next page boundary
 *	  pages				npages pages of page_size bytes, from
 *						numapg_arena_first_page_offset(); the region's tail
 *						that does not fill a page is left unused
 *
 * "Page boundary" means an address that is a multiple of page_size in the
 * process that ran numapg_arena_init().  Every process must map the region
 * at an address congruent to it modulo page_size (PostgreSQL maps its
 * main shared memory segment at one address in all processes).
 *
 * Allocations of more than page_size / 8 bytes take a run of whole pages
 * and are page-aligned.  Smaller ones come from slabs: pages cut into
 * chunks of one power-of-two size class, 16, 32, ..., page_size / 8
 * bytes; a chunk is aligned to its size.  Each slab keeps a free list of
 * its chunks (threaded through the free chunks by chunk index) and a
 * bitmap of live chunks, so every bad free (foreign pointer, interior
 * pointer, double free) is detected, as long as the memory has not been
 * handed out again in between.  A slab whose chunks are all free is kept
 * if it is its class's only empty slab, and returned to the page runs
 * otherwise: at most one empty slab per class, so a class that grows and
 * shrinks by one slab does not take and return a page each time.  The
 * kept empty slabs are returned as soon as a request finds no free run
 * long enough (or by numapg_arena_trim()): they never make an allocation
 * fail.
 *
 * Free page runs are coalesced with their neighbours when freed and kept
 * in 32 lists by the log2 of their length; an allocation of n pages takes
 * the first run long enough in n's list, or else the head of the next
 * non-empty list (a good fit), and leaves the remainder free.
 *
 * numapg_arena_init() writes the header and the descriptors only; a page
 * is first written by the caller, or when it becomes a slab (its bitmap,
 * up to page_size / 128 bytes, is zeroed).  Bind the region before
 * allocating from it.
 *
 * This module is pure C: it includes no PostgreSQL header.
 *
 * IDENTIFICATION
 *	  src/arena.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_ARENA_H
#define NUMAPG_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Page sizes accepted: powers of two in this range (4 kB to 1 GB). */
#define NUMAPG_ARENA_MIN_PAGE_SIZE	((size_t) 4096)
#define NUMAPG_ARENA_MAX_PAGE_SIZE	((size_t) 1 << 30)

/* Smallest chunk and alignment of every allocation. */
#define NUMAPG_ARENA_ALIGN			16

/* Bytes before the page descriptors (the size of the header). */
#define NUMAPG_ARENA_HEADER_BYTES	640

/* Bytes of metadata per page (one page descriptor). */
#define NUMAPG_ARENA_PAGE_DESC_BYTES 32

/* The region must start on a multiple of this. */
#define NUMAPG_ARENA_REGION_ALIGN	8

/* The header at the start of the region; its layout is private. */
typedef struct NumaPgArena NumaPgArena;

typedef struct NumaPgArenaStats
{
	uint64_t	region_bytes;	/* as given to numapg_arena_init() */
	uint64_t	usable_bytes;	/* pages * page_size */
	uint64_t	used_bytes;		/* live allocations, each rounded up to its
								 * size class or to whole pages */
	uint64_t	free_bytes;		/* usable - used - slab bitmaps: free pages
								 * plus free chunks in slabs */
	uint64_t	allocs;			/* successful allocations */
	uint64_t	frees;			/* successful frees */
	uint64_t	failed_allocs;	/* allocations refused for lack of space */
	uint64_t	small_allocs;	/* successful allocations from slabs */
	uint64_t	large_allocs;	/* successful allocations of page runs */
	/* added beyond the original interface */
	uint64_t	page_size;
	uint64_t	free_page_bytes;	/* pages in free runs */
	uint64_t	slab_bytes;		/* pages held by slabs */
	uint64_t	largest_free_bytes; /* longest free run (kept empty slabs,
									 * which a request would take back, not
									 * counted) */
	uint64_t	bad_frees;		/* frees refused (foreign, interior, double) */
	uint64_t	damaged_free_lists; /* slab free lists found overwritten
									 * (by a write after free) and cut */
} NumaPgArenaStats;

extern size_t numapg_arena_required_bytes(size_t npages, size_t page_size);
extern bool numapg_arena_init(void *region, size_t region_bytes,
							  size_t page_size);
extern void *numapg_arena_alloc(NumaPgArena *arena, size_t size);
extern bool numapg_arena_free(NumaPgArena *arena, void *ptr);
extern bool numapg_arena_contains(const NumaPgArena *arena, const void *ptr);
extern size_t numapg_arena_alloc_size(const NumaPgArena *arena,
									  const void *ptr);
extern void numapg_arena_stats(const NumaPgArena *arena,
							   NumaPgArenaStats *out);
extern size_t numapg_arena_first_page_offset(const NumaPgArena *arena);
extern size_t numapg_arena_page_count(const NumaPgArena *arena);
extern size_t numapg_arena_trim(NumaPgArena *arena);
extern bool numapg_arena_check(const NumaPgArena *arena, char *errbuf,
							   size_t errlen);

#endif							/* NUMAPG_ARENA_H */
