/*-------------------------------------------------------------------------
 *
 * arena.c
 *		An allocator for one pool region of numa_pg's NUMA allocator: page
 *		runs for large allocations, slabs of size classes for small ones.
 *
 * arena.h describes the layout and the policies; this comment is about
 * the invariants the code keeps.
 *
 * Runs.  The pages are tiled by runs: free runs, live page runs (a large
 * allocation) and slabs (one page each).  Only the first and the last
 * page descriptor of a run are kept exact: the head says what the run is
 * and, for page runs, its length; the tail (for runs of more than one
 * page) repeats the length, with kind PAGE_FREE for a free run and
 * PAGE_CONT for a live one.  The descriptors of the pages in between are
 * stale: PAGE_NONE, PAGE_FREE or PAGE_CONT, never PAGE_LARGE or PAGE_SLAB
 * (a head that stops being one is reset to PAGE_NONE).  So allocating and
 * freeing a run costs O(1) whatever its length, and a pointer into any
 * page but a head is recognised as not an allocation's start.  Freeing a
 * run looks at the page before it, which is the tail of the previous run,
 * and the page after it, which is the head of the next one, and merges
 * with whichever is free: two free runs are never adjacent.
 *
 * Free runs are in doubly linked lists (page indexes, NO_PAGE at the
 * ends), one per floor(log2(length)); bin_mask has a bit per non-empty
 * list.  A request for n pages scans n's own list for a run long enough
 * (first fit), and otherwise takes the head of the lowest non-empty list
 * above, whose runs are all longer than n.  It carves the run from its
 * start and puts the remainder back.
 *
 * Slabs.  A slab of class k holds chunks of 16 << k bytes.  Its bitmap of
 * live chunks is in the page descriptor when the page holds 64 chunks or
 * fewer, and at the start of the page otherwise, taking the first
 * "first" chunks (at most 1/128 of the page, see slab_first_chunk).
 * Chunks below "bump" have been handed out at least once; those of them
 * not live are on the slab's free list, each free chunk holding the index
 * + 1 of the next in its first four bytes (0 ends the list).  A chunk is
 * live if and only if its bit is set, so free() needs no trust in the
 * list.  When popping a chunk the link to the next one is checked (below
 * bump, not live): a link broken by a write after free cuts the list
 * instead of handing out a live chunk twice; the chunks cut off come back
 * when the slab empties.
 *
 * A slab with a chunk available (on the free list or above bump) is on
 * its class's list.  Slabs that gain a free chunk go to the head, the one
 * slab allowed to be empty goes to the tail, allocation takes from the
 * head: partly used slabs fill up before the empty one is touched.  A
 * slab that empties while its class already has an empty slab goes back
 * to the free runs; the one kept is reset (bump back to the first chunk),
 * which also recovers chunks cut off by a damaged list.  The kept slabs
 * are at the tails of their lists; a request for pages that finds no free
 * run long enough returns them all (release_empty_slabs) and tries again.
 *
 * IDENTIFICATION
 *	  src/arena.c
 *
 *-------------------------------------------------------------------------
 */
#include "arena.h"

#include <stdio.h>
#include <string.h>

#include "errbuf.h"

#define ARENA_MAGIC			0x4e504152	/* "NPAR" */
#define ARENA_VERSION		1

/* one free-run list per floor(log2(run length)); lengths are 32-bit */
#define ARENA_NBINS			32
/* size classes 16 .. page_size / 8: log2(page_size) - 6 of them, <= 24 */
#define ARENA_MAX_CLASSES	24
/* end of a list of pages */
#define NO_PAGE				UINT32_MAX
/* page indexes are 32-bit and NO_PAGE is reserved */
#define ARENA_MAX_PAGES		(UINT32_MAX - 1)
/* a slab with this many chunks or fewer keeps its bitmap in its descriptor */
#define SLAB_INLINE_CHUNKS	64

/* What a page descriptor says; see the comment at the top. */
typedef enum PageKind
{
	PAGE_NONE = 0,				/* inside a run: not a head nor a tail */
	PAGE_FREE,					/* head or tail of a free run */
	PAGE_LARGE,					/* head of a live page run */
	PAGE_CONT,					/* tail of a live page run of 2+ pages */
	PAGE_SLAB					/* a slab page */
} PageKind;

/* One per page, in the region after the header. */
typedef struct NumaPgArenaPage
{
	uint8_t		kind;			/* PageKind */
	uint8_t		cls;			/* slab: size class */
	uint16_t	reserved;
	uint32_t	count;			/* run head/tail: length in pages; slab:
								 * live chunks */
	uint32_t	next;			/* free run head: its bin list; slab: its
								 * class list */
	uint32_t	prev;
	uint32_t	free_head;		/* slab: first free-list chunk + 1, or 0 */
	uint32_t	bump;			/* slab: chunks below were handed out */
	uint64_t	bits;			/* slab of <= 64 chunks: live chunks */
} NumaPgArenaPage;

struct NumaPgArena
{
	uint32_t	magic;			/* ARENA_MAGIC, written last by init */
	uint32_t	version;
	uint32_t	page_shift;		/* log2(page_size) */
	uint32_t	nclasses;		/* size classes */
	uint32_t	npages;			/* allocatable pages */
	uint32_t	bin_mask;		/* bit b set: bin_head[b] is a run */
	uint64_t	region_bytes;
	uint64_t	page_size;
	uint64_t	first_page_off; /* offset of page 0 from the header */
	uint32_t	bin_head[ARENA_NBINS];
	uint32_t	class_head[ARENA_MAX_CLASSES];
	uint32_t	class_tail[ARENA_MAX_CLASSES];
	uint32_t	class_empty[ARENA_MAX_CLASSES]; /* empty slabs: 0 or 1 */
	uint64_t	used_bytes;
	uint64_t	free_pages;		/* pages in free runs */
	uint64_t	slab_pages;
	uint64_t	slab_meta_bytes;	/* chunks taken by in-page bitmaps */
	uint64_t	allocs;
	uint64_t	frees;
	uint64_t	failed_allocs;
	uint64_t	small_allocs;
	uint64_t	large_allocs;
	uint64_t	bad_frees;
	uint64_t	damaged_free_lists;
	uint64_t	reserved[11];	/* zero; pads the header */
};

_Static_assert(sizeof(struct NumaPgArena) == NUMAPG_ARENA_HEADER_BYTES,
			   "the header has the size arena.h documents");
_Static_assert(sizeof(NumaPgArenaPage) == NUMAPG_ARENA_PAGE_DESC_BYTES,
			   "a page descriptor has the size arena.h documents");
_Static_assert(NUMAPG_ARENA_HEADER_BYTES % 16 == 0,
			   "the descriptors start 16-byte aligned");

/* Is this an initialised arena? */
static inline bool
arena_ok(const NumaPgArena *a)
{
	return a != NULL && a->magic == ARENA_MAGIC &&
		a->version == ARENA_VERSION;
}

/* The descriptor of page p. */
static inline NumaPgArenaPage *
page_desc(const NumaPgArena *a, uint32_t p)
{
	return (NumaPgArenaPage *) ((char *) a + NUMAPG_ARENA_HEADER_BYTES) + p;
}

/* The first byte of page p. */
static inline char *
page_addr(const NumaPgArena *a, uint32_t p)
{
	return (char *) a + a->first_page_off + ((uint64_t) p << a->page_shift);
}

/* floor(log2(x)) for x > 0 */
static inline uint32_t
floor_log2(uint64_t x)
{
	return 63 - (uint32_t) __builtin_clzll(x);
}

/* The size class of a small request (1 .. page_size / 8 bytes). */
static inline uint32_t
size_class(size_t size)
{
	if (size <= NUMAPG_ARENA_ALIGN)
		return 0;
	return floor_log2((uint64_t) size - 1) + 1 - 4;
}

/* Chunks in a slab page of class k. */
static inline uint32_t
slab_chunks(const NumaPgArena *a, uint32_t k)
{
	return UINT32_C(1) << (a->page_shift - k - 4);
}

/*
 * Index of the first chunk handed out in a slab of class k: the chunks
 * before it hold the bitmap (one bit per chunk of the page).  The bitmap
 * takes page / (8 * size) bytes, so with at least 128 chunks a page it
 * fills ceil(n / (8 * size)) chunks, never more than 1/128 of the page.
 */
static inline uint32_t
slab_first_chunk(const NumaPgArena *a, uint32_t k)
{
	uint32_t	n = slab_chunks(a, k);
	uint32_t	shift = k + 4;

	if (n <= SLAB_INLINE_CHUNKS)
		return 0;
	return (uint32_t) (((uint64_t) (n / 8) + (UINT64_C(1) << shift) - 1) >> shift);
}

/* The live-chunk bitmap of slab page p. */
static inline uint64_t *
slab_bits(const NumaPgArena *a, uint32_t p, NumaPgArenaPage *d)
{
	if (slab_chunks(a, d->cls) <= SLAB_INLINE_CHUNKS)
		return &d->bits;
	return (uint64_t *) page_addr(a, p);
}

/* Is bit i set? */
static inline bool
bit_test(const uint64_t *bits, uint32_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

/* Set or clear bit i. */
static inline void
bit_assign(uint64_t *bits, uint32_t i, bool on)
{
	if (on)
		bits[i / 64] |= UINT64_C(1) << (i % 64);
	else
		bits[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

/* Does slab d have a chunk to hand out? */
static inline bool
slab_available(const NumaPgArena *a, const NumaPgArenaPage *d)
{
	return d->free_head != 0 || d->bump < slab_chunks(a, d->cls);
}

/* Put the free run headed by p on the list of its length. */
static void
bin_insert(NumaPgArena *a, uint32_t p)
{
	NumaPgArenaPage *d = page_desc(a, p);
	uint32_t	b = floor_log2(d->count);

	d->prev = NO_PAGE;
	d->next = a->bin_head[b];
	if (d->next != NO_PAGE)
		page_desc(a, d->next)->prev = p;
	a->bin_head[b] = p;
	a->bin_mask |= UINT32_C(1) << b;
}

/* Take the free run headed by p off its list. */
static void
bin_remove(NumaPgArena *a, uint32_t p)
{
	NumaPgArenaPage *d = page_desc(a, p);
	uint32_t	b = floor_log2(d->count);

	if (d->prev != NO_PAGE)
		page_desc(a, d->prev)->next = d->next;
	else
		a->bin_head[b] = d->next;
	if (d->next != NO_PAGE)
		page_desc(a, d->next)->prev = d->prev;
	if (a->bin_head[b] == NO_PAGE)
		a->bin_mask &= ~(UINT32_C(1) << b);
}

/* Make pages p .. p+n-1 a free run (head, tail, list). */
static void
set_free_run(NumaPgArena *a, uint32_t p, uint32_t n)
{
	NumaPgArenaPage *head = page_desc(a, p);
	NumaPgArenaPage *tail = page_desc(a, p + n - 1);

	head->kind = PAGE_FREE;
	head->count = n;
	tail->kind = PAGE_FREE;
	tail->count = n;
	bin_insert(a, p);
}

/*
 * Take a run of n free pages off the free runs and return its first page,
 * or NO_PAGE when no free run is long enough.  The caller marks its head
 * and tail.
 */
static uint32_t
take_run(NumaPgArena *a, uint32_t n)
{
	uint32_t	b = floor_log2(n);
	uint32_t	p = NO_PAGE;
	uint32_t	len;

	/* first fit in n's own list: its runs are n / 2 .. 2n - 1 long */
	for (uint32_t q = a->bin_head[b]; q != NO_PAGE; q = page_desc(a, q)->next)
	{
		if (page_desc(a, q)->count >= n)
		{
			p = q;
			break;
		}
	}
	/* else any run of the lowest non-empty list above: all long enough */
	if (p == NO_PAGE)
	{
		uint32_t	above = b + 1 < ARENA_NBINS ?
			a->bin_mask & ~((UINT32_C(2) << b) - 1) : 0;

		if (above == 0)
			return NO_PAGE;
		p = a->bin_head[__builtin_ctz(above)];
	}

	len = page_desc(a, p)->count;
	bin_remove(a, p);
	if (len > n)
		set_free_run(a, p + n, len - n);
	a->free_pages -= n;
	return p;
}

/* Give pages p .. p+n-1 back to the free runs, merging with neighbours. */
static void
release_run(NumaPgArena *a, uint32_t p, uint32_t n)
{
	a->free_pages += n;

	/* its head and tail may end up inside the merged run */
	page_desc(a, p)->kind = PAGE_NONE;
	page_desc(a, p + n - 1)->kind = PAGE_NONE;

	/* page p - 1 is the tail of the run before */
	if (p > 0 && page_desc(a, p - 1)->kind == PAGE_FREE)
	{
		uint32_t	len = page_desc(a, p - 1)->count;
		uint32_t	left = p - len;

		bin_remove(a, left);
		page_desc(a, p - 1)->kind = PAGE_NONE;
		page_desc(a, left)->kind = PAGE_NONE;
		p = left;
		n += len;
	}
	/* page p + n is the head of the run after */
	if (p + n < a->npages && page_desc(a, p + n)->kind == PAGE_FREE)
	{
		uint32_t	right = p + n;
		uint32_t	len = page_desc(a, right)->count;

		bin_remove(a, right);
		page_desc(a, right)->kind = PAGE_NONE;
		page_desc(a, right + len - 1)->kind = PAGE_NONE;
		n += len;
	}
	set_free_run(a, p, n);
}

/* Put slab p at the head of its class's list. */
static void
class_push_head(NumaPgArena *a, uint32_t k, uint32_t p)
{
	NumaPgArenaPage *d = page_desc(a, p);

	d->prev = NO_PAGE;
	d->next = a->class_head[k];
	if (d->next != NO_PAGE)
		page_desc(a, d->next)->prev = p;
	else
		a->class_tail[k] = p;
	a->class_head[k] = p;
}

/* Put slab p at the tail of its class's list. */
static void
class_push_tail(NumaPgArena *a, uint32_t k, uint32_t p)
{
	NumaPgArenaPage *d = page_desc(a, p);

	d->next = NO_PAGE;
	d->prev = a->class_tail[k];
	if (d->prev != NO_PAGE)
		page_desc(a, d->prev)->next = p;
	else
		a->class_head[k] = p;
	a->class_tail[k] = p;
}

/* Take slab p off its class's list. */
static void
class_remove(NumaPgArena *a, uint32_t k, uint32_t p)
{
	NumaPgArenaPage *d = page_desc(a, p);

	if (d->prev != NO_PAGE)
		page_desc(a, d->prev)->next = d->next;
	else
		a->class_head[k] = d->next;
	if (d->next != NO_PAGE)
		page_desc(a, d->next)->prev = d->prev;
	else
		a->class_tail[k] = d->prev;
}

/*
 * Return every class's kept empty slab to the free runs; the number of
 * pages returned.  Called when a request finds no free run long enough,
 * so kept slabs never make an allocation fail.
 */
static uint32_t
release_empty_slabs(NumaPgArena *a)
{
	uint32_t	released = 0;

	for (uint32_t k = 0; k < a->nclasses; k++)
	{
		if (a->class_empty[k] == 0)
			continue;
		/* the empty slab is at the tail of the list: look from there */
		for (uint32_t q = a->class_tail[k]; q != NO_PAGE; q = page_desc(a, q)->prev)
		{
			if (page_desc(a, q)->count != 0)
				continue;
			class_remove(a, k, q);
			a->class_empty[k] = 0;
			a->slab_pages--;
			a->slab_meta_bytes -= (uint64_t) slab_first_chunk(a, k) << (k + 4);
			release_run(a, q, 1);
			released++;
			break;
		}
	}
	return released;
}

/* take_run(), after returning the empty slabs if that is what it takes. */
static uint32_t
take_pages(NumaPgArena *a, uint32_t n)
{
	uint32_t	p = take_run(a, n);

	if (p == NO_PAGE && release_empty_slabs(a) > 0)
		p = take_run(a, n);
	return p;
}

/* Turn page p (just taken from the free runs) into an empty slab of class k. */
static void
slab_init(NumaPgArena *a, uint32_t k, uint32_t p)
{
	NumaPgArenaPage *d = page_desc(a, p);
	uint32_t	first = slab_first_chunk(a, k);

	d->kind = PAGE_SLAB;
	d->cls = (uint8_t) k;
	d->count = 0;
	d->free_head = 0;
	d->bump = first;
	d->bits = 0;
	if (first > 0)
		memset(page_addr(a, p), 0, slab_chunks(a, k) / 8);

	a->slab_pages++;
	a->slab_meta_bytes += (uint64_t) first << (k + 4);
	a->class_empty[k]++;
	class_push_tail(a, k, p);
}

/* Allocate a chunk of class k; NULL when no slab has one and no page is free. */
static void *
alloc_small(NumaPgArena *a, uint32_t k)
{
	uint32_t	shift = k + 4;
	uint32_t	p = a->class_head[k];
	NumaPgArenaPage *d;
	uint64_t   *bits;
	uint32_t	idx;
	char	   *chunk;

	if (p == NO_PAGE)
	{
		p = take_pages(a, 1);
		if (p == NO_PAGE)
			return NULL;
		slab_init(a, k, p);
	}
	d = page_desc(a, p);
	bits = slab_bits(a, p, d);

	if (d->free_head != 0)
	{
		uint32_t	link;

		idx = d->free_head - 1;
		chunk = page_addr(a, p) + ((uint64_t) idx << shift);
		bit_assign(bits, idx, true);
		memcpy(&link, chunk, sizeof(link));
		/* the next free chunk must be below bump and not live */
		if (link != 0 &&
			(link - 1 < slab_first_chunk(a, k) || link - 1 >= d->bump ||
			 bit_test(bits, link - 1)))
		{
			a->damaged_free_lists++;
			link = 0;
		}
		d->free_head = link;
	}
	else
	{
		idx = d->bump++;
		chunk = page_addr(a, p) + ((uint64_t) idx << shift);
		bit_assign(bits, idx, true);
	}

	if (d->count == 0)
		a->class_empty[k]--;
	d->count++;
	if (!slab_available(a, d))
		class_remove(a, k, p);

	a->used_bytes += UINT64_C(1) << shift;
	a->small_allocs++;
	return chunk;
}

/* Allocate a run of pages for size bytes; NULL when none is long enough. */
static void *
alloc_large(NumaPgArena *a, size_t size)
{
	uint64_t	n;
	uint32_t	p;
	NumaPgArenaPage *d;

	if ((uint64_t) size > (uint64_t) a->npages << a->page_shift)
		return NULL;
	n = ((uint64_t) size + a->page_size - 1) >> a->page_shift;
	p = take_pages(a, (uint32_t) n);
	if (p == NO_PAGE)
		return NULL;

	d = page_desc(a, p);
	d->kind = PAGE_LARGE;
	d->count = (uint32_t) n;
	if (n > 1)
	{
		NumaPgArenaPage *tail = page_desc(a, p + (uint32_t) n - 1);

		tail->kind = PAGE_CONT;
		tail->count = (uint32_t) n;
	}

	a->used_bytes += n << a->page_shift;
	a->large_allocs++;
	return page_addr(a, p);
}

/*
 * If ptr is the start of a live allocation, return its usable size and
 * set *page (and, for a chunk, *chunk); otherwise return 0.
 */
static size_t
live_size(const NumaPgArena *a, const void *ptr, uint32_t *page,
		  uint32_t *chunk)
{
	uint64_t	off;
	uint32_t	p;
	uint64_t	in_page;
	NumaPgArenaPage *d;

	if (!numapg_arena_contains(a, ptr))
		return 0;
	off = (uint64_t) ((uintptr_t) ptr - ((uintptr_t) a + a->first_page_off));
	p = (uint32_t) (off >> a->page_shift);
	in_page = off & (a->page_size - 1);
	d = page_desc(a, p);
	*page = p;

	if (d->kind == PAGE_LARGE)
	{
		if (in_page != 0)
			return 0;
		return (size_t) ((uint64_t) d->count << a->page_shift);
	}
	if (d->kind == PAGE_SLAB)
	{
		uint32_t	shift = d->cls + 4;
		uint32_t	idx = (uint32_t) (in_page >> shift);

		if ((in_page & ((UINT64_C(1) << shift) - 1)) != 0 ||
			idx < slab_first_chunk(a, d->cls) || idx >= d->bump ||
			!bit_test(slab_bits(a, p, d), idx))
			return 0;
		*chunk = idx;
		return (size_t) 1 << shift;
	}
	/* inside a run, or a free page */
	return 0;
}

/* Give chunk idx of slab p back to its slab, and maybe the slab to the runs. */
static void
free_small(NumaPgArena *a, uint32_t p, uint32_t idx)
{
	NumaPgArenaPage *d = page_desc(a, p);
	uint32_t	k = d->cls;
	bool		was_available = slab_available(a, d);

	bit_assign(slab_bits(a, p, d), idx, false);
	d->count--;
	a->used_bytes -= UINT64_C(1) << (k + 4);

	if (d->count == 0)
	{
		if (was_available)
			class_remove(a, k, p);
		if (a->class_empty[k] > 0)
		{
			/* the class has an empty slab already: return this page */
			a->slab_pages--;
			a->slab_meta_bytes -= (uint64_t) slab_first_chunk(a, k) << (k + 4);
			release_run(a, p, 1);
		}
		else
		{
			/* keep it, fresh, behind the slabs in use */
			d->free_head = 0;
			d->bump = slab_first_chunk(a, k);
			a->class_empty[k] = 1;
			class_push_tail(a, k, p);
		}
		return;
	}

	memcpy(page_addr(a, p) + ((uint64_t) idx << (k + 4)), &d->free_head,
		   sizeof(d->free_head));
	d->free_head = idx + 1;
	if (!was_available)
		class_push_head(a, k, p);
}

/*
 * The smallest region that holds an arena of npages pages of page_size
 * bytes wherever it starts (on an 8-byte boundary): header, descriptors,
 * the worst gap to a page boundary, and the pages.  0 if the arguments
 * are invalid or the size does not fit in a size_t.  Use it to size the
 * shared memory request.
 */
size_t
numapg_arena_required_bytes(size_t npages, size_t page_size)
{
	uint64_t	per_page;
	uint64_t	total;

	if (page_size < NUMAPG_ARENA_MIN_PAGE_SIZE ||
		page_size > NUMAPG_ARENA_MAX_PAGE_SIZE ||
		(page_size & (page_size - 1)) != 0 ||
		npages == 0 || (uint64_t) npages > ARENA_MAX_PAGES)
		return 0;
	per_page = (uint64_t) page_size + NUMAPG_ARENA_PAGE_DESC_BYTES;
	if ((uint64_t) npages >
		(UINT64_MAX - NUMAPG_ARENA_HEADER_BYTES - page_size) / per_page)
		return 0;
	total = NUMAPG_ARENA_HEADER_BYTES + (uint64_t) npages * per_page +
		page_size - 1;
	if (total > SIZE_MAX)
		return 0;
	return (size_t) total;
}

/*
 * Set up an arena in region_bytes bytes at region, with pages of
 * page_size bytes (a power of two, 4 kB to 1 GB).  The header is written
 * at region, then the page descriptors; the pages start at the first page
 * boundary after them.  Returns false, writing nothing, if an argument is
 * invalid, region is not 8-byte aligned, or not even one page fits.
 */
bool
numapg_arena_init(void *region, size_t region_bytes, size_t page_size)
{
	NumaPgArena *a = region;
	uintptr_t	base = (uintptr_t) region;
	uint64_t	n;
	uint64_t	first_off = 0;

	if (region == NULL || base % NUMAPG_ARENA_REGION_ALIGN != 0 ||
		page_size < NUMAPG_ARENA_MIN_PAGE_SIZE ||
		page_size > NUMAPG_ARENA_MAX_PAGE_SIZE ||
		(page_size & (page_size - 1)) != 0 ||
		region_bytes < NUMAPG_ARENA_HEADER_BYTES)
		return false;

	/* an upper bound, then at most one step down for the alignment gap */
	n = (region_bytes - NUMAPG_ARENA_HEADER_BYTES) /
		((uint64_t) page_size + NUMAPG_ARENA_PAGE_DESC_BYTES);
	if (n > ARENA_MAX_PAGES)
		n = ARENA_MAX_PAGES;
	for (; n > 0; n--)
	{
		uint64_t	meta_end = base + NUMAPG_ARENA_HEADER_BYTES +
			n * NUMAPG_ARENA_PAGE_DESC_BYTES;
		uint64_t	first = (meta_end + page_size - 1) & ~((uint64_t) page_size - 1);

		first_off = first - base;
		if (first_off + n * page_size <= region_bytes)
			break;
	}
	if (n == 0)
		return false;

	memset(a, 0, NUMAPG_ARENA_HEADER_BYTES + n * NUMAPG_ARENA_PAGE_DESC_BYTES);
	a->version = ARENA_VERSION;
	a->page_shift = floor_log2(page_size);
	a->nclasses = a->page_shift - 6;
	a->npages = (uint32_t) n;
	a->region_bytes = region_bytes;
	a->page_size = page_size;
	a->first_page_off = first_off;
	for (int b = 0; b < ARENA_NBINS; b++)
		a->bin_head[b] = NO_PAGE;
	for (int k = 0; k < ARENA_MAX_CLASSES; k++)
	{
		a->class_head[k] = NO_PAGE;
		a->class_tail[k] = NO_PAGE;
	}
	set_free_run(a, 0, (uint32_t) n);
	a->free_pages = n;
	a->magic = ARENA_MAGIC;
	return true;
}

/*
 * Allocate size bytes: a chunk of the smallest class that holds them if
 * size <= page_size / 8 (aligned to that class's size, so at least 16),
 * else a page-aligned run of whole pages.  NULL if size is 0 (not counted
 * as a failure), if the arena is not initialised, or if there is no room
 * (counted in failed_allocs).
 */
void *
numapg_arena_alloc(NumaPgArena *arena, size_t size)
{
	void	   *ptr;

	if (!arena_ok(arena) || size == 0)
		return NULL;
	if (size <= arena->page_size / 8)
		ptr = alloc_small(arena, size_class(size));
	else
		ptr = alloc_large(arena, size);

	if (ptr == NULL)
		arena->failed_allocs++;
	else
		arena->allocs++;
	return ptr;
}

/*
 * Free an allocation.  Returns false, and changes nothing but the
 * bad_frees counter, if ptr is not the start of a live allocation of this
 * arena: NULL, outside the pages, inside an allocation, or already freed
 * (unless the same address was handed out again since).
 */
bool
numapg_arena_free(NumaPgArena *arena, void *ptr)
{
	uint32_t	p = 0;
	uint32_t	idx = 0;
	size_t		size;
	NumaPgArenaPage *d;

	if (!arena_ok(arena))
		return false;
	size = live_size(arena, ptr, &p, &idx);
	if (size == 0)
	{
		arena->bad_frees++;
		return false;
	}

	d = page_desc(arena, p);
	if (d->kind == PAGE_LARGE)
	{
		arena->used_bytes -= (uint64_t) d->count << arena->page_shift;
		release_run(arena, p, d->count);
	}
	else
		free_small(arena, p, idx);
	arena->frees++;
	return true;
}

/*
 * Does ptr point into this arena's pages (live or not)?  Use it to find
 * which pool a pointer came from; numapg_arena_alloc_size() says whether
 * it is a live allocation.
 */
bool
numapg_arena_contains(const NumaPgArena *arena, const void *ptr)
{
	uintptr_t	start;

	if (!arena_ok(arena) || ptr == NULL)
		return false;
	start = (uintptr_t) arena + arena->first_page_off;
	return (uintptr_t) ptr >= start &&
		(uint64_t) ((uintptr_t) ptr - start) <
		((uint64_t) arena->npages << arena->page_shift);
}

/*
 * Usable size of the live allocation that starts at ptr (its size class,
 * or its pages), or 0 if ptr is not the start of one.
 */
size_t
numapg_arena_alloc_size(const NumaPgArena *arena, const void *ptr)
{
	uint32_t	p;
	uint32_t	idx;

	if (!arena_ok(arena))
		return 0;
	return live_size(arena, ptr, &p, &idx);
}

/*
 * Fill *out with the arena's statistics (all zero if it is not
 * initialised).  Costs O(number of free runs of the longest length class)
 * for largest_free_bytes; the rest is read from the header.
 */
void
numapg_arena_stats(const NumaPgArena *arena, NumaPgArenaStats *out)
{
	uint64_t	usable;
	uint32_t	largest = 0;

	memset(out, 0, sizeof(*out));
	if (!arena_ok(arena))
		return;

	if (arena->bin_mask != 0)
	{
		uint32_t	b = floor_log2(arena->bin_mask);

		for (uint32_t q = arena->bin_head[b]; q != NO_PAGE;
			 q = page_desc(arena, q)->next)
			if (page_desc(arena, q)->count > largest)
				largest = page_desc(arena, q)->count;
	}

	usable = (uint64_t) arena->npages << arena->page_shift;
	out->region_bytes = arena->region_bytes;
	out->usable_bytes = usable;
	out->used_bytes = arena->used_bytes;
	out->free_bytes = usable - arena->used_bytes - arena->slab_meta_bytes;
	out->allocs = arena->allocs;
	out->frees = arena->frees;
	out->failed_allocs = arena->failed_allocs;
	out->small_allocs = arena->small_allocs;
	out->large_allocs = arena->large_allocs;
	out->page_size = arena->page_size;
	out->free_page_bytes = arena->free_pages << arena->page_shift;
	out->slab_bytes = arena->slab_pages << arena->page_shift;
	out->largest_free_bytes = (uint64_t) largest << arena->page_shift;
	out->bad_frees = arena->bad_frees;
	out->damaged_free_lists = arena->damaged_free_lists;
}

/*
 * Return the kept empty slabs (at most one per size class) to the free
 * runs, and the number of bytes returned.  Never needed for correctness:
 * an allocation that finds no room does it first.  Useful before reading
 * the statistics, or to let the pages be merged.
 */
size_t
numapg_arena_trim(NumaPgArena *arena)
{
	if (!arena_ok(arena))
		return 0;
	return (size_t) ((uint64_t) release_empty_slabs(arena) << arena->page_shift);
}

/*
 * Offset from the region start of the first allocatable page: a page
 * boundary.  The pages are the numapg_arena_page_count() pages from there;
 * this is the range to bind to a node or to query with move_pages().
 */
size_t
numapg_arena_first_page_offset(const NumaPgArena *arena)
{
	return arena_ok(arena) ? (size_t) arena->first_page_off : 0;
}

/* Number of allocatable pages. */
size_t
numapg_arena_page_count(const NumaPgArena *arena)
{
	return arena_ok(arena) ? arena->npages : 0;
}

/* Check one slab page; add its figures to the totals. */
static bool
check_slab(const NumaPgArena *a, uint32_t p, uint64_t *used, uint64_t *meta,
		   uint32_t *available, uint32_t *empty, char *errbuf, size_t errlen)
{
	NumaPgArenaPage *d = page_desc(a, p);
	uint32_t	k = d->cls;
	uint32_t	n;
	uint32_t	first;
	uint64_t   *bits;
	uint32_t	live = 0;
	uint32_t	steps = 0;

	if (k >= a->nclasses)
		return numapg_errorf(errbuf, errlen, "slab page %u has class %u", p, k);
	n = slab_chunks(a, k);
	first = slab_first_chunk(a, k);
	if (d->bump < first || d->bump > n)
		return numapg_errorf(errbuf, errlen, "slab page %u has bump %u outside %u..%u",
						   p, d->bump, first, n);
	bits = slab_bits(a, p, d);
	for (uint32_t i = 0; i < n; i++)
	{
		if (!bit_test(bits, i))
			continue;
		if (i < first || i >= d->bump)
			return numapg_errorf(errbuf, errlen,
							   "slab page %u has chunk %u live outside %u..%u",
							   p, i, first, d->bump);
		live++;
	}
	if (live != d->count)
		return numapg_errorf(errbuf, errlen,
						   "slab page %u counts %u live chunks, its bitmap %u",
						   p, d->count, live);
	for (uint32_t link = d->free_head; link != 0; steps++)
	{
		uint32_t	i = link - 1;

		if (steps >= d->bump - first - live)
			return numapg_errorf(errbuf, errlen,
							   "slab page %u: free list longer than its free chunks",
							   p);
		if (i < first || i >= d->bump || bit_test(bits, i))
			return numapg_errorf(errbuf, errlen,
							   "slab page %u: free list holds chunk %u, not free",
							   p, i);
		memcpy(&link, page_addr(a, p) + ((uint64_t) i << (k + 4)), sizeof(link));
	}
	*used += (uint64_t) live << (k + 4);
	*meta += (uint64_t) first << (k + 4);
	if (slab_available(a, d))
		available[k]++;
	if (live == 0)
		empty[k]++;
	return true;
}

/*
 * Check every invariant of the arena: the runs tile the pages, heads and
 * tails agree, no two free runs touch, the free-run lists and the slab
 * lists hold exactly what they should, the slabs' bitmaps, counts and
 * free lists agree, and the header's counters match.  O(pages + chunks of
 * the slab pages); for tests and debugging.  On failure, describes the
 * first problem in errbuf.
 */
bool
numapg_arena_check(const NumaPgArena *arena, char *errbuf, size_t errlen)
{
	const NumaPgArena *a = arena;
	uint64_t	used = 0;
	uint64_t	meta = 0;
	uint64_t	free_pages = 0;
	uint64_t	slab_pages = 0;
	uint32_t	free_runs = 0;
	uint32_t	listed_runs = 0;
	uint32_t	available[ARENA_MAX_CLASSES] = {0};
	uint32_t	empty[ARENA_MAX_CLASSES] = {0};
	bool		prev_free = false;

	if (!arena_ok(a))
		return numapg_errorf(errbuf, errlen, "not an initialised arena");

	for (uint32_t p = 0; p < a->npages;)
	{
		NumaPgArenaPage *d = page_desc(a, p);
		uint32_t	len = 1;

		switch (d->kind)
		{
			case PAGE_FREE:
			case PAGE_LARGE:
				len = d->count;
				if (len == 0 || len > a->npages - p)
					return numapg_errorf(errbuf, errlen,
									   "run at page %u has length %u", p, len);
				if (len > 1 &&
					(page_desc(a, p + len - 1)->kind !=
					 (d->kind == PAGE_FREE ? PAGE_FREE : PAGE_CONT) ||
					 page_desc(a, p + len - 1)->count != len))
					return numapg_errorf(errbuf, errlen,
									   "run at page %u has a bad tail", p);
				if (d->kind == PAGE_FREE)
				{
					if (prev_free)
						return numapg_errorf(errbuf, errlen,
										   "free run at page %u follows a free run", p);
					free_pages += len;
					free_runs++;
				}
				else
					used += (uint64_t) len << a->page_shift;
				break;
			case PAGE_SLAB:
				if (!check_slab(a, p, &used, &meta, available, empty,
								errbuf, errlen))
					return false;
				slab_pages++;
				break;
			default:
				return numapg_errorf(errbuf, errlen,
								   "page %u should head a run but has kind %u",
								   p, d->kind);
		}
		prev_free = d->kind == PAGE_FREE;
		p += len;
	}

	for (uint32_t b = 0; b < ARENA_NBINS; b++)
	{
		uint32_t	prev = NO_PAGE;

		if (((a->bin_mask >> b) & 1) != (a->bin_head[b] != NO_PAGE))
			return numapg_errorf(errbuf, errlen, "bin_mask disagrees on list %u", b);
		for (uint32_t q = a->bin_head[b]; q != NO_PAGE; q = page_desc(a, q)->next)
		{
			NumaPgArenaPage *d;

			if (q >= a->npages || ++listed_runs > free_runs)
				return numapg_errorf(errbuf, errlen,
								   "free-run list %u is broken or too long", b);
			d = page_desc(a, q);
			if (d->kind != PAGE_FREE || floor_log2(d->count) != b ||
				d->prev != prev)
				return numapg_errorf(errbuf, errlen,
								   "free-run list %u holds a bad entry at page %u",
								   b, q);
			prev = q;
		}
	}
	if (listed_runs != free_runs)
		return numapg_errorf(errbuf, errlen, "%u free runs, %u listed",
						   free_runs, listed_runs);

	for (uint32_t k = 0; k < ARENA_MAX_CLASSES; k++)
	{
		uint32_t	prev = NO_PAGE;
		uint32_t	listed = 0;

		for (uint32_t q = a->class_head[k]; q != NO_PAGE; q = page_desc(a, q)->next)
		{
			NumaPgArenaPage *d;

			if (q >= a->npages || ++listed > available[k])
				return numapg_errorf(errbuf, errlen,
								   "slab list %u is broken or too long", k);
			d = page_desc(a, q);
			if (d->kind != PAGE_SLAB || d->cls != k || !slab_available(a, d) ||
				d->prev != prev)
				return numapg_errorf(errbuf, errlen,
								   "slab list %u holds a bad entry at page %u", k, q);
			prev = q;
		}
		if (prev != a->class_tail[k] || listed != available[k])
			return numapg_errorf(errbuf, errlen,
							   "slab list %u: %u listed, %u with free chunks",
							   k, listed, available[k]);
		if (empty[k] != a->class_empty[k] || empty[k] > 1)
			return numapg_errorf(errbuf, errlen,
							   "class %u has %u empty slabs, header says %u",
							   k, empty[k], a->class_empty[k]);
	}

	if (used != a->used_bytes || meta != a->slab_meta_bytes ||
		free_pages != a->free_pages || slab_pages != a->slab_pages)
		return numapg_errorf(errbuf, errlen,
						   "counters disagree: used %llu/%llu, bitmaps %llu/%llu, "
						   "free pages %llu/%llu, slab pages %llu/%llu",
						   (unsigned long long) used,
						   (unsigned long long) a->used_bytes,
						   (unsigned long long) meta,
						   (unsigned long long) a->slab_meta_bytes,
						   (unsigned long long) free_pages,
						   (unsigned long long) a->free_pages,
						   (unsigned long long) slab_pages,
						   (unsigned long long) a->slab_pages);
	if (errbuf && errlen > 0)
		errbuf[0] = '\0';
	return true;
}
