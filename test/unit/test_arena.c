/*-------------------------------------------------------------------------
 *
 * test_arena.c
 *		Unit tests of the pool arena: argument checks, size classes and
 *		alignment, exhaustion, refused frees, coalescing, the slab policy,
 *		a damaged free list, and randomized runs against a model with 4 kB
 *		and 2 MB pages.
 *
 * The regions come from posix_memalign(); the tests that depend on where
 * the pages start use regions starting off a page boundary too.
 *
 * IDENTIFICATION
 *	  test/unit/test_arena.c
 *
 *-------------------------------------------------------------------------
 */
#include "arena.h"
#include "tap.h"
#include "test_rng.h"

#include <stdint.h>
#include <stdlib.h>

#define KB		((size_t) 1024)
#define MB		(KB * KB)

/* A region of bytes bytes on a page_size boundary (free() it). */
static void *
new_region(size_t bytes, size_t page_size)
{
	void	   *mem = NULL;

	if (posix_memalign(&mem, page_size, bytes) != 0)
		return NULL;
	return mem;
}

/* A fresh arena over a new region (free() it); NULL if init fails. */
static NumaPgArena *
new_arena(size_t bytes, size_t page_size)
{
	void	   *mem = new_region(bytes, page_size);

	if (mem == NULL || !numapg_arena_init(mem, bytes, page_size))
	{
		free(mem);
		return NULL;
	}
	return mem;
}

/* Run the consistency check; one TAP line. */
static void
check_ok(const NumaPgArena *a, const char *what)
{
	char		err[256];
	bool		good = numapg_arena_check(a, err, sizeof(err));

	ok(good, "arena is consistent %s", what);
	if (!good)
		printf("#   %s\n", err);
}

/* What the arena should charge for size bytes: class or whole pages. */
static size_t
rounded(size_t size, size_t page_size)
{
	size_t		r = 16;

	if (size > page_size / 8)
		return (size + page_size - 1) / page_size * page_size;
	while (r < size)
		r *= 2;
	return r;
}

static NumaPgArenaStats
stats_of(const NumaPgArena *a)
{
	NumaPgArenaStats s;

	numapg_arena_stats(a, &s);
	return s;
}

/* Argument checks of init and the sizing helper. */
static void
test_init(void)
{
	size_t		big = 1 * MB;
	char	   *mem = new_region(big, 4096);
	NumaPgArena *a = (NumaPgArena *) mem;
	NumaPgArenaStats s;
	size_t		first;
	size_t		need;
	bool		all_fit = true;

	ok(!numapg_arena_init(NULL, big, 4096), "init refuses a NULL region");
	ok(!numapg_arena_init(mem, big, 0), "init refuses page size 0");
	ok(!numapg_arena_init(mem, big, 2048), "init refuses page size 2048 (< 4096)");
	ok(!numapg_arena_init(mem, big, 3000),
	   "init refuses page size 3000 (not a power of two)");
	ok(!numapg_arena_init(mem, big, 12288),
	   "init refuses page size 12288 (not a power of two)");
	ok(!numapg_arena_init(mem, big, (size_t) 1 << 31),
	   "init refuses page size 2 GB (> 1 GB)");
	ok(!numapg_arena_init(mem + 1, big - 1, 4096),
	   "init refuses a region that is not 8-byte aligned");
	ok(!numapg_arena_init(mem, 100, 4096),
	   "init refuses a region smaller than the header");
	ok(!numapg_arena_init(mem, 4096, 4096),
	   "init refuses a region of one page (no room for header and page)");
	ok(!numapg_arena_init(mem, 8191, 4096),
	   "init refuses a region one byte short of header + page");

	/* nothing was written: an arena was never set up */
	memset(mem, 0, big);
	ok(numapg_arena_alloc(a, 16) == NULL,
	   "alloc on an uninitialised region returns NULL");
	ok(!numapg_arena_free(a, mem + 8192),
	   "free on an uninitialised region returns false");
	s = stats_of(a);
	is_int(s.usable_bytes, 0, "stats of an uninitialised region are zero");
	ok(!numapg_arena_check(a, NULL, 0), "check refuses an uninitialised region");

	ok(numapg_arena_init(mem, 8192, 4096), "init accepts header + one page");
	is_int(numapg_arena_page_count(a), 1, "  and makes one page");
	is_int(numapg_arena_first_page_offset(a), 4096, "  which starts at offset 4096");

	ok(numapg_arena_init(mem, big, 4096), "init accepts 1 MB with 4 kB pages");
	first = numapg_arena_first_page_offset(a);
	s = stats_of(a);
	is_int(first % 4096, 0, "first page offset is page-aligned");
	ok(first >= NUMAPG_ARENA_HEADER_BYTES +
	   numapg_arena_page_count(a) * NUMAPG_ARENA_PAGE_DESC_BYTES,
	   "first page lies after the header and descriptors");
	ok(first + numapg_arena_page_count(a) * 4096 <= big,
	   "last page lies inside the region");
	is_int(numapg_arena_page_count(a), 253,
		   "1 MB holds 253 pages of 4 kB (8 kB of header and descriptors, 4 kB gap)");
	is_int(s.region_bytes, big, "stats: region_bytes");
	is_int(s.usable_bytes, 253 * 4096, "stats: usable_bytes");
	is_int(s.used_bytes, 0, "stats: nothing used");
	is_int(s.free_bytes, s.usable_bytes, "stats: all usable bytes free");
	is_int(s.largest_free_bytes, s.usable_bytes, "stats: one free run of everything");
	is_int(s.page_size, 4096, "stats: page_size");
	check_ok(a, "after init");

	/* the sizing helper */
	is_int(numapg_arena_required_bytes(0, 4096), 0, "required_bytes refuses 0 pages");
	is_int(numapg_arena_required_bytes(1, 5000), 0,
		   "required_bytes refuses a bad page size");
	is_int(numapg_arena_required_bytes(SIZE_MAX / 2, 4096), 0,
		   "required_bytes refuses too many pages");
	need = numapg_arena_required_bytes(10, 4096);
	for (size_t shift = 0; shift < 4096; shift += 8)
	{
		NumaPgArena *at = (NumaPgArena *) (mem + shift);

		if (!numapg_arena_init(at, need, 4096) ||
			numapg_arena_page_count(at) < 10 ||
			((uintptr_t) at + numapg_arena_first_page_offset(at)) % 4096 != 0)
			all_fit = false;
	}
	ok(all_fit, "required_bytes(10) holds 10 page-aligned pages at every 8-byte start");
	free(mem);
}

/* Size classes, alignment, small/large split, size 0. */
static void
test_sizes(void)
{
	NumaPgArena *a = new_arena(1 * MB, 4096);
	static const size_t sizes[] = {1, 15, 16, 17, 32, 33, 64, 65, 100, 128,
	129, 256, 257, 500, 512};
	static const size_t classes[] = {16, 16, 16, 32, 32, 64, 64, 128, 128, 128,
	256, 256, 512, 512, 512};
	bool		class_ok = true;
	bool		align_ok = true;
	void	   *p;
	NumaPgArenaStats s;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
	{
		p = numapg_arena_alloc(a, sizes[i]);
		if (p == NULL || numapg_arena_alloc_size(a, p) != classes[i])
			class_ok = false;
		if (p == NULL || (uintptr_t) p % classes[i] != 0 || (uintptr_t) p % 16 != 0)
			align_ok = false;
	}
	ok(class_ok, "small sizes get the power-of-two class 16..512");
	ok(align_ok, "small chunks are aligned to their class (so to 16)");
	s = stats_of(a);
	is_int(s.small_allocs, 15, "15 small allocations counted");
	is_int(s.large_allocs, 0, "no large allocation yet");

	p = numapg_arena_alloc(a, 513);
	ok(p != NULL && (uintptr_t) p % 4096 == 0,
	   "513 bytes (> page/8) is a page-aligned large allocation");
	is_int(numapg_arena_alloc_size(a, p), 4096, "  of one page");
	p = numapg_arena_alloc(a, 4097);
	ok(p != NULL && (uintptr_t) p % 4096 == 0, "4097 bytes is page-aligned");
	is_int(numapg_arena_alloc_size(a, p), 8192, "  and takes two pages");
	p = numapg_arena_alloc(a, 3 * 4096);
	is_int(numapg_arena_alloc_size(a, p), 3 * 4096, "3 pages exactly take 3 pages");
	s = stats_of(a);
	is_int(s.large_allocs, 3, "3 large allocations counted");
	is_int(s.allocs, 18, "18 allocations counted");

	ok(numapg_arena_alloc(a, 0) == NULL, "alloc of 0 bytes returns NULL");
	is_int(stats_of(a).failed_allocs, 0, "  and is not counted as a failure");
	ok(numapg_arena_alloc(NULL, 16) == NULL, "alloc on a NULL arena returns NULL");
	check_ok(a, "after the size tests");
	free(a);
}

/* Running out of room, and getting it back. */
static void
test_exhaustion(void)
{
	NumaPgArena *a = new_arena(64 * KB, 4096);
	size_t		npages = numapg_arena_page_count(a);
	void	   *pages[64];
	size_t		got = 0;
	void	   *p;
	NumaPgArenaStats s;

	while (got < 64 && (pages[got] = numapg_arena_alloc(a, 4096)) != NULL)
		got++;
	is_int(got, npages,
		   "one-page allocations succeed until every page is taken (%zu)", npages);
	is_int(stats_of(a).failed_allocs, 1, "the refused one is counted");
	ok(numapg_arena_alloc(a, 16) == NULL,
	   "a small allocation fails too (no page for a slab)");
	ok(numapg_arena_alloc(a, SIZE_MAX) == NULL, "SIZE_MAX fails");
	ok(numapg_arena_alloc(a, SIZE_MAX / 2 + 1) == NULL, "SIZE_MAX / 2 + 1 fails");
	s = stats_of(a);
	is_int(s.failed_allocs, 4, "4 failures counted");
	is_int(s.free_bytes, 0, "no free bytes");
	is_int(s.used_bytes, s.usable_bytes, "used bytes = usable bytes");
	ok(numapg_arena_free(a, pages[3]), "freeing one page works");
	p = numapg_arena_alloc(a, 100);
	ok(p != NULL, "then a small allocation succeeds (a slab takes the page)");
	ok(numapg_arena_alloc(a, 4096) == NULL, "but no page is left for a large one");
	ok(numapg_arena_free(a, p), "freeing the chunk works");
	p = numapg_arena_alloc(a, 4096);
	ok(p == pages[3], "the kept empty slab is given back when a page is needed");
	is_int(stats_of(a).slab_bytes, 0, "  and no slab is left");
	check_ok(a, "after exhaustion");
	free(a);

	/* a request larger than the arena */
	a = new_arena(64 * KB, 4096);
	s = stats_of(a);
	ok(numapg_arena_alloc(a, s.usable_bytes + 1) == NULL,
	   "usable_bytes + 1 fails on a fresh arena");
	ok(numapg_arena_alloc(a, s.usable_bytes) != NULL,
	   "usable_bytes succeeds on a fresh arena");
	free(a);
}

/* Frees that must be refused, and leave everything as it was. */
static void
test_bad_frees(void)
{
	NumaPgArena *a = new_arena(256 * KB, 4096);
	NumaPgArena *b = new_arena(256 * KB, 4096);
	char		local[64];
	char	   *heap = malloc(64);
	char	   *small = numapg_arena_alloc(a, 64);
	char	   *small2 = numapg_arena_alloc(a, 64);
	char	   *large = numapg_arena_alloc(a, 3 * 4096);
	char	   *other = numapg_arena_alloc(b, 64);
	NumaPgArenaStats before;
	NumaPgArenaStats after;

	before = stats_of(a);
	ok(!numapg_arena_free(a, NULL), "free(NULL) is refused");
	ok(!numapg_arena_free(a, local), "free of a stack address is refused");
	ok(!numapg_arena_free(a, heap), "free of a malloc()ed pointer is refused");
	ok(!numapg_arena_free(a, other), "free of another arena's chunk is refused");
	ok(!numapg_arena_free(a, (char *) a), "free of the header is refused");
	ok(!numapg_arena_free(a, (char *) a + NUMAPG_ARENA_HEADER_BYTES),
	   "free of a descriptor is refused");
	ok(!numapg_arena_free(a, (char *) a + 256 * KB),
	   "free of the region's end is refused");
	ok(!numapg_arena_free(a, small + 1), "free of a chunk + 1 is refused");
	ok(!numapg_arena_free(a, small + 16),
	   "free of a chunk + 16 (16-aligned interior) is refused");
	ok(!numapg_arena_free(a, small2 + 64),
	   "free of a chunk never handed out is refused");
	ok(!numapg_arena_free(a, large + 16),
	   "free inside the first page of a large run is refused");
	ok(!numapg_arena_free(a, large + 4096),
	   "free of a large run's second page is refused");
	ok(!numapg_arena_free(a, large + 2 * 4096),
	   "free of a large run's last page is refused");
	ok(!numapg_arena_free(a, large + 3 * 4096),
	   "free of a never-allocated page is refused");
	ok(!numapg_arena_free(NULL, small), "free on a NULL arena is refused");
	is_int(numapg_arena_alloc_size(a, small + 16), 0,
		   "alloc_size of an interior pointer is 0");
	is_int(numapg_arena_alloc_size(a, large + 4096), 0,
		   "alloc_size inside a large run is 0");
	is_int(numapg_arena_alloc_size(a, heap), 0, "alloc_size of a foreign pointer is 0");
	after = stats_of(a);
	ok(after.used_bytes == before.used_bytes && after.frees == before.frees,
	   "refused frees change nothing");
	is_int(after.bad_frees, 14, "14 refused frees counted");

	ok(numapg_arena_free(a, small), "freeing a chunk works");
	ok(!numapg_arena_free(a, small), "freeing it again is refused (double free)");
	is_int(numapg_arena_alloc_size(a, small), 0, "alloc_size of a freed chunk is 0");
	ok(numapg_arena_free(a, large), "freeing a large run works");
	ok(!numapg_arena_free(a, large), "freeing it again is refused (double free)");
	ok(numapg_arena_free(a, small2), "freeing the last chunk works (the slab is kept)");
	ok(!numapg_arena_free(a, small2), "freeing it again is refused (empty slab)");
	is_int(stats_of(a).used_bytes, 0, "nothing is used");
	check_ok(a, "after refused frees");

	ok(numapg_arena_contains(a, small), "contains: a chunk");
	ok(numapg_arena_contains(a, large + 4096 + 5), "contains: inside a freed page");
	ok(!numapg_arena_contains(a, a), "contains: not the header");
	ok(!numapg_arena_contains(a, (char *) a + 256 * KB),
	   "contains: not the region's end");
	ok(!numapg_arena_contains(a, other), "contains: not another arena's chunk");
	ok(!numapg_arena_contains(a, NULL), "contains: not NULL");
	free(heap);
	free(a);
	free(b);
}

/* Fill the arena with page runs, free them in a shuffled order, merge. */
static void
test_coalescing(void)
{
	NumaPgArena *a = new_arena(1 * MB, 4096);
	NumaPgArenaStats s = stats_of(a);
	void	   *runs[256];
	size_t		n = 0;
	void	   *p;
	int			rounds_ok = 0;

	for (int round = 0; round < 20; round++)
	{
		bool		merged;
		void	   *all;

		n = 0;
		/* runs of 1..5 pages, then single pages to fill the gaps */
		while ((p = numapg_arena_alloc(a, (1 + rng_below(5)) * 4096)) != NULL)
			runs[n++] = p;
		while ((p = numapg_arena_alloc(a, 4096)) != NULL)
			runs[n++] = p;
		if (stats_of(a).free_bytes != 0)
			break;
		/* shuffle, then free: every pattern of neighbours shows up */
		for (size_t i = n - 1; i > 0; i--)
		{
			size_t		j = rng_below(i + 1);

			p = runs[i];
			runs[i] = runs[j];
			runs[j] = p;
		}
		for (size_t i = 0; i < n; i++)
			if (!numapg_arena_free(a, runs[i]))
				break;
		merged = stats_of(a).largest_free_bytes == s.usable_bytes;
		all = numapg_arena_alloc(a, s.usable_bytes);
		if (!merged || all == NULL || !numapg_arena_free(a, all))
			break;
		rounds_ok++;
	}
	is_int(rounds_ok, 20,
		   "20 rounds: fill with runs, free in random order, "
		   "then one allocation of everything");
	check_ok(a, "after coalescing");

	/* free every other run, then the rest */
	n = 0;
	while ((p = numapg_arena_alloc(a, 2 * 4096)) != NULL)
		runs[n++] = p;
	for (size_t i = 0; i < n; i += 2)
		numapg_arena_free(a, runs[i]);
	ok(stats_of(a).largest_free_bytes == 2 * 4096,
	   "with every other run freed, the longest free run is 2 pages");
	ok(numapg_arena_alloc(a, 3 * 4096) == NULL, "  and 3 pages cannot be had");
	for (size_t i = 1; i < n; i += 2)
		numapg_arena_free(a, runs[i]);
	is_int(stats_of(a).largest_free_bytes, s.usable_bytes,
		   "freeing the rest merges everything");
	check_ok(a, "after alternate frees");
	free(a);
}

/* Slab geometry, which slab serves, and which empty slabs are kept. */
static void
test_slabs(void)
{
	NumaPgArena *a = new_arena(1 * MB, 4096);
	char	   *chunks[3 * 254];
	char	   *big[8];
	bool		same_page = true;
	char	   *again;

	/* class 16: 256 chunks a page, the first 2 hold the bitmap */
	for (int i = 0; i < 3 * 254; i++)
		chunks[i] = numapg_arena_alloc(a, 16);
	is_int((uintptr_t) chunks[0] % 4096, 32,
		   "a 16-byte slab starts after its 32-byte bitmap");
	is_int(stats_of(a).slab_bytes, 3 * 4096,
		   "3 * 254 chunks of 16 bytes fill 3 slab pages");
	for (int i = 0; i < 3 * 254; i++)
		if ((uintptr_t) chunks[i] / 4096 != (uintptr_t) chunks[i / 254 * 254] / 4096)
			same_page = false;
	ok(same_page, "a slab is filled before the next one is started");

	/* slab 0 gets one free chunk, slab 1 empties */
	numapg_arena_free(a, chunks[7]);
	for (int i = 254; i < 2 * 254; i++)
		numapg_arena_free(a, chunks[i]);
	is_int(stats_of(a).slab_bytes, 3 * 4096,
		   "an emptied slab is kept while it is its class's only empty one");
	again = numapg_arena_alloc(a, 16);
	ok(again == chunks[7],
	   "allocation takes from a partly used slab before the empty one");
	for (int i = 0; i < 254; i++)
		if (i != 7)
			numapg_arena_free(a, chunks[i]);
	numapg_arena_free(a, again);
	is_int(stats_of(a).slab_bytes, 2 * 4096,
		   "a second empty slab of the class goes back to the free pages");
	for (int i = 2 * 254; i < 3 * 254; i++)
		numapg_arena_free(a, chunks[i]);
	is_int(stats_of(a).slab_bytes, 1 * 4096, "one empty slab is left at the end");
	check_ok(a, "with a kept empty slab");
	again = numapg_arena_alloc(a, 16);
	is_int(stats_of(a).slab_bytes, 1 * 4096, "the next allocation uses the kept slab");
	numapg_arena_free(a, again);
	is_int(numapg_arena_trim(a), 4096, "trim returns the kept empty slab");
	is_int(stats_of(a).slab_bytes, 0, "  and no slab is left");
	is_int(stats_of(a).largest_free_bytes, stats_of(a).usable_bytes,
		   "  and the pages are merged again");

	/* class 512: 8 chunks, bitmap in the descriptor */
	for (int i = 0; i < 8; i++)
		big[i] = numapg_arena_alloc(a, 512);
	is_int((uintptr_t) big[0] % 4096, 0,
		   "a 512-byte slab starts at its page start (bitmap in the descriptor)");
	ok(big[7] == big[0] + 7 * 512, "8 chunks of 512 fill one page");
	is_int(stats_of(a).slab_bytes, 4096, "  and only one");
	is_int(stats_of(a).free_bytes + stats_of(a).used_bytes, stats_of(a).usable_bytes,
		   "no bitmap bytes in a slab of 8 chunks");
	check_ok(a, "after the slab tests");
	free(a);
}

/* A write after free that breaks a slab's free list is contained. */
static void
test_damaged_free_list(void)
{
	NumaPgArena *a = new_arena(256 * KB, 4096);
	char	   *x = numapg_arena_alloc(a, 32);
	char	   *y = numapg_arena_alloc(a, 32);
	char	   *z = numapg_arena_alloc(a, 32);
	uint32_t	link;
	char	   *got;
	char	   *next;

	numapg_arena_free(a, x);
	numapg_arena_free(a, z);	/* z -> x on the free list */
	/* the caller writes into z after freeing it: z -> y (live) */
	link = (uint32_t) (((uintptr_t) y % 4096) / 32) + 1;
	memcpy(z, &link, sizeof(link));
	got = numapg_arena_alloc(a, 32);
	ok(got == z, "the damaged chunk itself is handed out");
	next = numapg_arena_alloc(a, 32);
	ok(next != NULL && next != y && next != x, "but not the live chunk its link names");
	is_int(stats_of(a).damaged_free_lists, 1, "the damage is counted");
	check_ok(a, "after a damaged link");

	/* a chunk that links to itself */
	numapg_arena_free(a, next);
	link = (uint32_t) (((uintptr_t) next % 4096) / 32) + 1;
	memcpy(next, &link, sizeof(link));
	got = numapg_arena_alloc(a, 32);
	ok(got == next, "a self-linked chunk is handed out once");
	got = numapg_arena_alloc(a, 32);
	ok(got != next, "  and not twice");
	is_int(stats_of(a).damaged_free_lists, 2, "  and the damage is counted");
	check_ok(a, "after a self link");
	free(a);
}

/* One live allocation of the randomized test. */
typedef struct Live
{
	char	   *p;				/* NULL if the slot is empty */
	size_t		charge;			/* usable size: class or pages */
	uint8_t		seed;
} Live;

/* The pattern word at byte offset i (a multiple of 8) of an allocation. */
static inline uint64_t
pattern(uint8_t seed, size_t i)
{
	return (seed + UINT64_C(1)) * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t) i;
}

/*
 * Write (or, with verify, check) the pattern over the allocation, 8 bytes
 * at a time (charges are multiples of 16): all of it up to 64 kB, else 16
 * bytes every charge / 1024 and the last 16.  Returns false on the first
 * wrong word.
 */
static bool
pattern_pass(const Live *l, bool verify)
{
	size_t		step = 16;
	uint64_t   *words = (uint64_t *) l->p;

	if (l->charge > 64 * KB)
		step = (l->charge / 1024 + 15) & ~(size_t) 15;

	for (size_t blk = 0; blk < l->charge + step; blk += step)
	{
		size_t		start = blk < l->charge ? blk : l->charge - 16;

		for (size_t i = start; i < start + 16; i += 8)
		{
			if (!verify)
				words[i / 8] = pattern(l->seed, i);
			else if (words[i / 8] != pattern(l->seed, i))
				return false;
		}
	}
	return true;
}

/* A request size: half up to page_size / 8 (log-uniform), half up to 3 pages. */
static size_t
random_size(size_t page_size)
{
	if (rng() & 1)
		return 1 + rng_below(3 * page_size);
	else
	{
		size_t		bits = (size_t) __builtin_ctzll(page_size / 8);
		size_t		limit = (size_t) 2 << rng_below(bits);

		if (limit > page_size / 8)
			limit = page_size / 8;
		return 1 + rng_below(limit);
	}
}

/*
 * ops random allocations and frees against a model: each allocation is
 * filled with a pattern and checked when freed, checked against every
 * live one for overlap, its size and alignment checked; refused
 * allocations must really find no room; double and interior frees are
 * tried; the counters are compared with the model after every operation
 * and the whole arena checked every check_every operations.
 */
static void
test_random(size_t page_size, size_t region_bytes, int ops, size_t nslots,
			int check_every)
{
	NumaPgArena *a = new_arena(region_bytes, page_size);
	Live	   *live = calloc(nslots, sizeof(Live));
	uint64_t	used = 0;
	uint64_t	used_pages = 0;	/* bytes of the live page runs */
	uint64_t	nallocs = 0;
	uint64_t	nfrees = 0;
	uint64_t	nfailed = 0;
	uint64_t	nbad = 0;
	uint64_t	nsmall = 0;
	int			checks_failed = 0;
	int			bad_results = 0;
	char		first_problem[512] = "";
	char		err[256];
	NumaPgArenaStats s;
	void	   *all;

#define PROBLEM(...) \
	do { \
		if (bad_results++ == 0) \
			snprintf(first_problem, sizeof(first_problem), __VA_ARGS__); \
	} while (0)

	ok(a != NULL && live != NULL, "random (%zu kB pages): arena of %zu kB",
	   page_size / KB, region_bytes / KB);
	if (a == NULL || live == NULL)
		return;

	for (int op = 0; op < ops; op++)
	{
		Live	   *l = &live[rng_below(nslots)];

		if (l->p == NULL)
		{
			size_t		size = random_size(page_size);
			size_t		charge = rounded(size, page_size);
			size_t		align = size > page_size / 8 ? page_size : charge;
			char	   *p = numapg_arena_alloc(a, size);

			if (p == NULL)
			{
				nfailed++;
				s = stats_of(a);
				if (size > page_size / 8 ? s.largest_free_bytes >= charge
					: s.free_page_bytes != 0)
					PROBLEM("op %d: %zu bytes refused with room left", op, size);
			}
			else
			{
				nallocs++;
				if (size <= page_size / 8)
					nsmall++;
				used += charge;
				if (size > page_size / 8)
					used_pages += charge;
				if ((uintptr_t) p % align != 0)
					PROBLEM("op %d: %zu bytes at %p, not %zu-aligned", op, size,
							(void *) p, align);
				if (numapg_arena_alloc_size(a, p) != charge)
					PROBLEM("op %d: %zu bytes got alloc_size %zu, expected %zu",
							op, size, numapg_arena_alloc_size(a, p), charge);
				if (!numapg_arena_contains(a, p) ||
					!numapg_arena_contains(a, p + charge - 1))
					PROBLEM("op %d: allocation outside the arena's pages", op);
				for (size_t j = 0; j < nslots; j++)
					if (live[j].p != NULL && p < live[j].p + live[j].charge &&
						live[j].p < p + charge)
						PROBLEM("op %d: [%p, +%zu) overlaps [%p, +%zu)", op, (void *) p,
								charge, (void *) live[j].p, live[j].charge);
				l->p = p;
				l->charge = charge;
				l->seed = (uint8_t) rng();
				pattern_pass(l, false);
			}
		}
		else
		{
			if (!pattern_pass(l, true))
				PROBLEM("op %d: allocation at %p (%zu bytes) was overwritten", op,
						(void *) l->p, l->charge);
			if (l->charge > 16 && rng_below(16) == 0)
			{
				char	   *inside = l->p + 16 * (1 + rng_below(l->charge / 16 - 1));

				nbad++;
				if (numapg_arena_free(a, inside))
					PROBLEM("op %d: an interior pointer was freed", op);
			}
			if (!numapg_arena_free(a, l->p))
				PROBLEM("op %d: free of a live allocation refused", op);
			nfrees++;
			used -= l->charge;
			if (l->charge >= page_size)
				used_pages -= l->charge;
			if (rng_below(4) == 0)
			{
				nbad++;
				if (numapg_arena_free(a, l->p))
					PROBLEM("op %d: a double free was accepted", op);
			}
			l->p = NULL;
		}

		s = stats_of(a);
		if (s.used_bytes != used || s.allocs != nallocs || s.frees != nfrees ||
			s.failed_allocs != nfailed || s.bad_frees != nbad ||
			s.small_allocs != nsmall || s.large_allocs != nallocs - nsmall ||
			s.free_page_bytes + s.slab_bytes + used_pages != s.usable_bytes ||
			s.free_bytes > s.usable_bytes - s.used_bytes)
			PROBLEM("op %d: counters disagree with the model: "
					"used %llu/%llu, allocs %llu/%llu, frees %llu/%llu, "
					"failed %llu/%llu, bad frees %llu/%llu, small %llu/%llu", op,
					(unsigned long long) s.used_bytes, (unsigned long long) used,
					(unsigned long long) s.allocs, (unsigned long long) nallocs,
					(unsigned long long) s.frees, (unsigned long long) nfrees,
					(unsigned long long) s.failed_allocs, (unsigned long long) nfailed,
					(unsigned long long) s.bad_frees, (unsigned long long) nbad,
					(unsigned long long) s.small_allocs, (unsigned long long) nsmall);
		if ((op + 1) % check_every == 0 && !numapg_arena_check(a, err, sizeof(err)))
		{
			if (checks_failed++ == 0)
				PROBLEM("op %d: check: %s", op, err);
		}
	}

	s = stats_of(a);
	is_int(bad_results, 0,
		   "random (%zu kB pages): %d operations agree with the model",
		   page_size / KB, ops);
	if (bad_results)
		printf("#   first problem: %s\n", first_problem);
	ok(nfailed > 0 && nsmall > 0 && nallocs - nsmall > 0,
	   "  the run had small (%llu), large (%llu) and refused (%llu) allocations",
	   (unsigned long long) nsmall, (unsigned long long) (nallocs - nsmall),
	   (unsigned long long) nfailed);
	is_int(checks_failed, 0,
		   "  the arena stayed consistent (checked every %d operations)", check_every);

	bad_results = 0;
	for (size_t j = 0; j < nslots; j++)
		if (live[j].p != NULL)
		{
			if (!pattern_pass(&live[j], true) || !numapg_arena_free(a, live[j].p))
				bad_results++;
			live[j].p = NULL;
		}
	s = stats_of(a);
	is_int(bad_results, 0, "  the survivors are intact and free");
	is_int(s.used_bytes, 0, "  nothing is used at the end");
	ok(s.slab_bytes <= (uint64_t) (__builtin_ctzll(page_size) - 6) * page_size,
	   "  at most one empty slab per class is kept (%llu kB)",
	   (unsigned long long) (s.slab_bytes / KB));
	all = numapg_arena_alloc(a, s.usable_bytes);
	ok(all != NULL, "  one allocation of all the usable bytes succeeds");
	ok(numapg_arena_free(a, all), "  and is freed");
	check_ok(a, "at the end");
	free(live);
	free(a);
#undef PROBLEM
}

/* 2 MB pages: geometry of the slabs and of the region. */
static void
test_huge_pages(void)
{
	size_t		page = 2 * MB;
	NumaPgArena *a = new_arena(64 * MB, page);
	NumaPgArenaStats s = stats_of(a);
	char	   *p16 = numapg_arena_alloc(a, 16);
	char	   *p256k = numapg_arena_alloc(a, 256 * KB);
	char	   *p1 = numapg_arena_alloc(a, 256 * KB + 1);
	char	   *p2 = numapg_arena_alloc(a, 5 * MB);

	ok(a != NULL, "64 MB with 2 MB pages");
	is_int(numapg_arena_first_page_offset(a), page,
		   "the pages start at the second 2 MB boundary");
	is_int(numapg_arena_page_count(a), 31, "31 pages of 2 MB");
	is_int(s.usable_bytes, 31 * page, "usable bytes");
	is_int((uintptr_t) p16 % page, 16 * KB,
		   "a 16-byte slab of a 2 MB page starts after a 16 kB bitmap");
	is_int(numapg_arena_alloc_size(a, p256k), 256 * KB,
		   "256 kB (page/8) is the largest class");
	is_int((uintptr_t) p256k % page, 0,
		   "  its slab keeps the bitmap in the descriptor");
	ok(p1 != NULL && (uintptr_t) p1 % page == 0,
	   "256 kB + 1 is a page-aligned page run");
	is_int(numapg_arena_alloc_size(a, p1), page, "  of one page");
	is_int(numapg_arena_alloc_size(a, p2), 3 * page, "5 MB takes 3 pages");
	s = stats_of(a);
	is_int(s.used_bytes, 16 + 256 * KB + 4 * page,
		   "used bytes count classes and pages");
	is_int(s.usable_bytes - s.used_bytes - s.free_bytes, 16 * KB,
		   "the only overhead in the pages is the 16 kB bitmap");
	check_ok(a, "with 2 MB pages");
	free(a);
}

int
main(void)
{
	test_init();
	test_sizes();
	test_exhaustion();
	test_bad_frees();
	test_coalescing();
	test_slabs();
	test_damaged_free_list();
	test_huge_pages();
	test_random(4096, 2 * MB, 100000, 1024, 1000);
	test_random(2 * MB, 64 * MB, 100000, 48, 5000);
	return done_testing();
}
