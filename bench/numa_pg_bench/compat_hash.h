/*-------------------------------------------------------------------------
 *
 * compat_hash.h
 *		A shared dynahash table laid out in a given region of memory exactly
 *		as this version's ShmemInitHash() lays one out in the main segment.
 *
 * numa_bench_state() measures PostgreSQL's shared hash table against a
 * state store, each in a mapping bound to the node under test, so it makes
 * its dynahash table itself.  How ShmemInitHash() makes one changed in 19:
 *
 * - up to 18, the header and a fixed directory (HASH_DIRSIZE, sized by
 *   hash_select_dirsize()) come from ShmemInitStruct(), of
 *   hash_get_shared_size() bytes, and the elements from ShmemAllocNoError(),
 *   each piece cache-line aligned; the table may grow while the segment has
 *   room;
 * - 19 dropped the directory size and the segment size (HASH_DIRSIZE,
 *   HASH_SEGMENT, HASHCTL.dsize, hash_select_dirsize(),
 *   hash_get_shared_size()): ShmemInitHash() takes one ShmemInitStruct() of
 *   hash_estimate_size() bytes and hands dynahash an allocator that carves
 *   the header, directory, buckets and elements out of it in MAXALIGNed
 *   pieces (HashAllocFunc got an argument, HASHCTL.alloc_arg, for that),
 *   and always adds HASH_FIXED_SIZE: the table never grows past what it was
 *   made for.
 *
 * IDENTIFICATION
 *	  bench/numa_pg_bench/compat_hash.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_COMPAT_HASH_H
#define NUMAPG_COMPAT_HASH_H

#include "compat.h"

#include "utils/hsearch.h"

/* The memory a table is laid out in; owned by the caller. */
typedef struct NumaPgHashRegion
{
	char	   *next;			/* first free byte */
	char	   *end;			/* one past the last byte */
} NumaPgHashRegion;

extern Size numapg_shared_hash_size(int64 nelem, const HASHCTL *info, int flags);
extern HTAB *numapg_shared_hash_create(const char *name, int64 nelem,
									   HASHCTL *info, int flags,
									   NumaPgHashRegion *region);
extern void numapg_shared_hash_forget(NumaPgHashRegion *region);

#endif							/* NUMAPG_COMPAT_HASH_H */
