/*-------------------------------------------------------------------------
 *
 * compat_hash.c
 *		A shared dynahash table laid out as this version's ShmemInitHash()
 *		lays one out (see compat_hash.h for what changed in 19).
 *
 * IDENTIFICATION
 *	  bench/numa_pg_bench/compat_hash.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat_hash.h"

#if PG_VERSION_NUM >= 190000

/*
 * 19's ShmemInitHash() allocator: MAXALIGNed pieces of the one region,
 * NULL once it is used up (dynahash then reports out of memory).
 */
static void *
region_alloc(Size size, void *alloc_arg)
{
	NumaPgHashRegion *region = (NumaPgHashRegion *) alloc_arg;
	char	   *p = region->next;

	size = MAXALIGN(size);
	if (p == NULL || (Size) (region->end - p) < size)
		return NULL;
	region->next = p + size;
	return p;
}

/* 19: one region of hash_estimate_size() bytes holds all of the table. */
Size
numapg_shared_hash_size(int64 nelem, const HASHCTL *info, int flags)
{
	return hash_estimate_size(nelem, info->entrysize);
}

/*
 * Make the table in region (at least numapg_shared_hash_size() bytes, its
 * start cache-line aligned as ShmemInitStruct() returns it), with
 * ShmemInitHash()'s allocator and flags.
 */
HTAB *
numapg_shared_hash_create(const char *name, int64 nelem, HASHCTL *info,
						  int flags, NumaPgHashRegion *region)
{
	info->alloc = region_alloc;
	info->alloc_arg = region;
	return hash_create(name, nelem, info,
					   flags | HASH_SHARED_MEM | HASH_ALLOC | HASH_FIXED_SIZE);
}

/* 19: the table holds no pointer to the allocator's state after it is made. */
void
numapg_shared_hash_forget(NumaPgHashRegion *region)
{
	region->next = region->end = NULL;
}

#else							/* PG_VERSION_NUM < 190000 */

/* Up to 18 HashAllocFunc has no argument: the region being allocated from. */
static NumaPgHashRegion *current_region = NULL;

/*
 * The allocator for the elements: cache-line aligned pieces of the region,
 * as ShmemAllocNoError() gives pieces of the main segment; NULL once it is
 * used up (dynahash then reports out of memory).
 */
static void *
region_alloc(Size size)
{
	char	   *p;

	if (current_region == NULL || current_region->next == NULL)
		return NULL;
	p = (char *) CACHELINEALIGN(current_region->next);
	if (p > current_region->end || (Size) (current_region->end - p) < size)
		return NULL;
	current_region->next = p + size;
	return p;
}

/* The flags and directory size ShmemInitHash() sets up to 18. */
static int
shmem_hash_flags(int64 nelem, HASHCTL *info, int flags)
{
	info->dsize = info->max_dsize = hash_select_dirsize(nelem);
	info->alloc = region_alloc;
	return flags | HASH_SHARED_MEM | HASH_ALLOC | HASH_DIRSIZE;
}

/*
 * Up to 18: the header and directory, then the elements, which
 * hash_estimate_size() counts with a header and a directory of their own,
 * and 64 kB for the rounding of the per-freelist preallocation.
 */
Size
numapg_shared_hash_size(int64 nelem, const HASHCTL *info, int flags)
{
	HASHCTL		copy = *info;

	flags = shmem_hash_flags(nelem, &copy, flags);
	return CACHELINEALIGN(hash_get_shared_size(&copy, flags)) +
		hash_estimate_size(nelem, info->entrysize) + 64 * 1024;
}

/*
 * Make the table in region (at least numapg_shared_hash_size() bytes, its
 * start cache-line aligned as ShmemInitStruct() returns it): the header and
 * directory first, then the elements, with ShmemInitHash()'s flags.  The
 * region stays the allocator's until numapg_shared_hash_forget(), since the
 * table may grow.
 */
HTAB *
numapg_shared_hash_create(const char *name, int64 nelem, HASHCTL *info,
						  int flags, NumaPgHashRegion *region)
{
	flags = shmem_hash_flags(nelem, info, flags);
	info->hctl = (HASHHDR *) region->next;
	region->next += CACHELINEALIGN(hash_get_shared_size(info, flags));
	current_region = region;
	return hash_create(name, nelem, info, flags);
}

/* The region is no longer the allocator's (it is about to be unmapped). */
void
numapg_shared_hash_forget(NumaPgHashRegion *region)
{
	if (current_region == region)
		current_region = NULL;
	region->next = region->end = NULL;
}

#endif							/* PG_VERSION_NUM >= 190000 */
