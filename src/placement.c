/*-------------------------------------------------------------------------
 *
 * placement.c
 *		Put memory on NUMA nodes, and ask the kernel where it really is.
 *
 * Binding uses mbind(2) with MPOL_MF_MOVE, so pages already faulted in are
 * moved too.  Shared memory takes the policy on the shared object's range,
 * so what the postmaster sets holds for every process.
 *
 * The placement query must not change placement.  move_pages(2) in query
 * mode only sees pages mapped in the calling process, and a backend has
 * not mapped shared pages it never touched (fork does not copy page tables
 * of shared mappings).  Touching a page that does not exist yet would
 * allocate it, on whatever node the policy or the toucher says.  So we
 * first ask mincore(2), which for shared memory reports whether the page
 * exists in the shared object at all; pages that exist are mapped (by
 * MADV_POPULATE_READ over each run of them, or a read of each page; mapping
 * an existing page allocates nothing) and queried; pages that do
 * not exist are reported as not faulted in, and left alone.  The query
 * runs in chunks of 1024 pages with CHECK_FOR_INTERRUPTS between them.
 * The sampled reports ask the same way about a list of pages
 * (numapg_query_page_list), one mincore and one mapping per run of
 * consecutive pages in it.
 *
 * Huge pages (hugetlbfs) are the exception: there mincore only says whether
 * the calling process has the page mapped.  A huge page this backend has
 * not mapped is looked up in the postmaster's page tables (move_pages with
 * its pid; numa_pg's slabs are all mapped there), and if the postmaster has
 * not mapped it either, it is reported as not faulted in, although another
 * backend may have it.
 *
 * IDENTIFICATION
 *	  src/placement.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <numaif.h>
#include <sys/mman.h>
#include <unistd.h>

#include "miscadmin.h"

#include "placement.h"

#define QUERY_CHUNK 1024

/* Text of a policy, as the reports show it. */
const char *
numapg_policy_name(NumaPgPolicy policy)
{
	switch (policy)
	{
		case NUMAPG_POLICY_DEFAULT:
			return "default";
		case NUMAPG_POLICY_PREFERRED:
			return "preferred";
		case NUMAPG_POLICY_BIND:
			return "bind";
		case NUMAPG_POLICY_INTERLEAVE:
			return "interleave";
	}
	return "unknown";			/* keep compiler quiet */
}

/* Copy a node mask into the kernel's unsigned long bitmap. */
static void
to_kernel_mask(const NumaPgMask *nodes, unsigned long *kmask, size_t words)
{
	memset(kmask, 0, words * sizeof(unsigned long));
	for (int n = numapg_mask_next(nodes, -1); n >= 0 && n < NUMAPG_MAX_NODES;
		 n = numapg_mask_next(nodes, n))
		kmask[n / (8 * sizeof(unsigned long))] |=
			1UL << (n % (8 * sizeof(unsigned long)));
}

/* The nodes of the kernel's unsigned long bitmap (NUMAPG_MAX_NODES bits). */
static void
from_kernel_mask(const unsigned long *kmask, NumaPgMask *nodes)
{
	numapg_mask_clear(nodes);
	for (int n = 0; n < NUMAPG_MAX_NODES; n++)
		if (kmask[n / (8 * sizeof(unsigned long))] &
			(1UL << (n % (8 * sizeof(unsigned long)))))
			numapg_mask_set(nodes, n);
}

/*
 * Apply a policy to [addr, addr+len); addr must be page-aligned.  Returns 0
 * or an errno value.  Pages already present are moved (MPOL_MF_MOVE).
 */
int
numapg_bind_range(void *addr, size_t len, NumaPgPolicy policy,
				  const NumaPgMask *nodes)
{
	unsigned long kmask[NUMAPG_MAX_NODES / (8 * sizeof(unsigned long))];
	int			mode;

	switch (policy)
	{
		case NUMAPG_POLICY_PREFERRED:
			mode = MPOL_PREFERRED;
			break;
		case NUMAPG_POLICY_BIND:
			mode = MPOL_BIND;
			break;
		case NUMAPG_POLICY_INTERLEAVE:
			mode = MPOL_INTERLEAVE;
			break;
		default:
			mode = MPOL_DEFAULT;
			break;
	}
	to_kernel_mask(nodes, kmask, lengthof(kmask));
	if (mbind(addr, len, mode, mode == MPOL_DEFAULT ? NULL : kmask,
			  mode == MPOL_DEFAULT ? 0 : NUMAPG_MAX_NODES + 1,
			  MPOL_MF_MOVE) != 0)
		return errno;
	return 0;
}

/*
 * Make this process's own future allocations local to the CPU it runs on
 * (MPOL_LOCAL).  Returns 0 or an errno value.
 */
int
numapg_set_local_policy(void)
{
	if (set_mempolicy(MPOL_LOCAL, NULL, 0) != 0)
		return errno;
	return 0;
}

/*
 * Make this process's own future allocations go to one node: preferred
 * there (other nodes when it is full), or bound to it when bind.  Returns
 * 0 or an errno value.
 */
int
numapg_set_node_policy(int node, bool bind)
{
	NumaPgMask	nodes;
	unsigned long kmask[NUMAPG_MAX_NODES / (8 * sizeof(unsigned long))];

	numapg_mask_clear(&nodes);
	numapg_mask_set(&nodes, node);
	to_kernel_mask(&nodes, kmask, lengthof(kmask));
	if (set_mempolicy(bind ? MPOL_BIND : MPOL_PREFERRED, kmask,
					  NUMAPG_MAX_NODES + 1) != 0)
		return errno;
	return 0;
}

/* Linux's policy modes that Debian 12's numaif.h does not name yet */
#ifndef MPOL_PREFERRED_MANY
#define MPOL_PREFERRED_MANY 5
#endif
#ifndef MPOL_WEIGHTED_INTERLEAVE
#define MPOL_WEIGHTED_INTERLEAVE 6
#endif
/* the flags get_mempolicy() adds to the mode (linux/mempolicy.h) */
#define NUMAPG_MPOL_MODE_FLAGS ((1 << 15) | (1 << 14) | (1 << 13))

/*
 * Read this process's task memory policy with get_mempolicy(2).  Mode
 * UNKNOWN (and false) when the call is refused or absent.
 */
bool
numapg_read_task_policy(NumaPgTaskPolicy *policy)
{
	int			mode;
	unsigned long mask[NUMAPG_MAX_NODES / (8 * sizeof(unsigned long))];

	memset(policy, 0, sizeof(*policy));
	if (get_mempolicy(&mode, mask, NUMAPG_MAX_NODES + 1, NULL, 0) != 0)
	{
		policy->mode = NUMAPG_TASK_POLICY_UNKNOWN;
		return false;
	}
	from_kernel_mask(mask, &policy->nodes);
	switch (mode & ~NUMAPG_MPOL_MODE_FLAGS)
	{
		case MPOL_DEFAULT:
			policy->mode = NUMAPG_TASK_POLICY_DEFAULT;
			break;
		case MPOL_BIND:
			policy->mode = NUMAPG_TASK_POLICY_BIND;
			break;
		case MPOL_INTERLEAVE:
			policy->mode = NUMAPG_TASK_POLICY_INTERLEAVE;
			break;
		case MPOL_WEIGHTED_INTERLEAVE:
			policy->mode = NUMAPG_TASK_POLICY_WEIGHTED_INTERLEAVE;
			break;
		case MPOL_PREFERRED:
			/* preferred with no node is how old kernels say local */
			policy->mode = numapg_mask_count(&policy->nodes) > 0 ?
				NUMAPG_TASK_POLICY_PREFERRED : NUMAPG_TASK_POLICY_LOCAL;
			break;
		case MPOL_PREFERRED_MANY:
			policy->mode = NUMAPG_TASK_POLICY_PREFERRED_MANY;
			break;
		case MPOL_LOCAL:
			policy->mode = NUMAPG_TASK_POLICY_LOCAL;
			break;
		default:
			policy->mode = NUMAPG_TASK_POLICY_UNKNOWN;
			break;
	}
	if (policy->mode == NUMAPG_TASK_POLICY_DEFAULT ||
		policy->mode == NUMAPG_TASK_POLICY_LOCAL ||
		policy->mode == NUMAPG_TASK_POLICY_UNKNOWN)
		numapg_mask_clear(&policy->nodes);
	return true;
}

/*
 * Fault every page of the range in, by writing to it, so that the pages
 * exist now, where the policy says, rather than wherever the first user
 * happens to run.  The range must not hold data yet.
 */
void
numapg_prefault(void *addr, size_t len, size_t page_size)
{
	volatile char *p = (volatile char *) addr;

	for (size_t off = 0; off < len; off += page_size)
		p[off] = 0;
}

/*
 * Which of npages pages of page_size from addr exist: resident[i] & 1.
 * mincore(2) fills one byte per base page, so for huge pages it is asked
 * about the first base page of each (a vector sized in huge pages would
 * overflow 512 times over).  Returns 0 or an errno value.
 */
static int
pages_existing(const void *addr, size_t npages, size_t page_size,
			   unsigned char *resident)
{
	size_t		base_page_size = (size_t) sysconf(_SC_PAGESIZE);

	if (page_size <= base_page_size)
		return mincore((void *) addr, npages * page_size, resident) == 0 ? 0 : errno;
	for (size_t i = 0; i < npages; i++)
	{
		if (i % QUERY_CHUNK == 0)
			CHECK_FOR_INTERRUPTS();
		if (mincore((char *) addr + i * page_size, base_page_size, &resident[i]) != 0)
			return errno;
	}
	return 0;
}

/*
 * Map into this process the pages i in [first, end) from addr that exist
 * (resident[i] & 1, from mincore), so that move_pages sees them.  Mapping
 * an existing page allocates nothing.  One MADV_POPULATE_READ (Linux
 * 5.14) per run of existing pages costs much less than a fault per page;
 * where it is missing or fails, each page is read.
 */
static void
map_existing_pages(const void *addr, const unsigned char *resident,
				   size_t first, size_t end, size_t page_size)
{
	size_t		i = first;

	while (i < end)
	{
		size_t		run_end = i + 1;

		if (!(resident[i] & 1))
		{
			i++;
			continue;
		}
		while (run_end < end && (resident[run_end] & 1))
			run_end++;
#ifdef MADV_POPULATE_READ
		if (madvise((char *) addr + i * page_size, (run_end - i) * page_size,
					MADV_POPULATE_READ) != 0)
#endif
			for (size_t j = i; j < run_end; j++)
				(void) *((volatile const char *) addr + j * page_size);
		i = run_end;
	}
}

/* The address of page i: list[i], or the i-th page from addr. */
static inline void *
page_address(const void *addr, void *const *list, size_t i, size_t page_size)
{
	return list ? list[i] : (char *) addr + i * page_size;
}

/*
 * Huge pages this process has not mapped (status -ENOENT): mincore cannot
 * tell whether they exist, so ask the kernel where the postmaster has them.
 * The postmaster placed and prefaulted numa_pg's slabs, so their pages are
 * all mapped there; shared memory has the same address in every process.
 * A page that neither has mapped stays -ENOENT.  Failures (the postmaster
 * gone, move_pages refused) leave status as it was.  The pages are the
 * npages from addr, or those of list when it is not NULL.
 */
static void
ask_postmaster(const void *addr, void *const *list, size_t npages,
			   size_t page_size, int *status)
{
	void	   *pages[QUERY_CHUNK];
	int			chunk_status[QUERY_CHUNK];
	size_t		index[QUERY_CHUNK];
	size_t		n = 0;

	if (MyProcPid == PostmasterPid)
		return;
	for (size_t i = 0; i <= npages; i++)
	{
		if (n == QUERY_CHUNK || (i == npages && n > 0))
		{
			CHECK_FOR_INTERRUPTS();
			if (move_pages(PostmasterPid, n, pages, NULL, chunk_status, 0) != 0)
				return;
			for (size_t j = 0; j < n; j++)
				if (chunk_status[j] >= 0)
					status[index[j]] = chunk_status[j];
			n = 0;
		}
		if (i < npages && status[i] == -ENOENT)
		{
			index[n] = i;
			pages[n++] = page_address(addr, list, i, page_size);
		}
	}
}

/*
 * Ask the kernel on which node each of npages pages from addr is, without
 * faulting any page in (see the file header).  status[i] receives the node,
 * or -ENOENT for a page that does not exist yet, or another negative errno
 * the kernel gave for that page.  addr must be page-aligned.  Returns 0 or
 * the errno of a failing system call.
 */
int
numapg_query_pages(const void *addr, size_t npages, size_t page_size,
				   int *status)
{
	unsigned char *resident;
	void	   *pages[QUERY_CHUNK];
	int			chunk_status[QUERY_CHUNK];
	size_t		index[QUERY_CHUNK];
	int			result = 0;

	if (npages == 0)
		return 0;
	resident = palloc(npages);
	result = pages_existing(addr, npages, page_size, resident);
	if (result != 0)
	{
		pfree(resident);
		return result;
	}

	for (size_t first = 0; first < npages; first += QUERY_CHUNK)
	{
		size_t		n = 0;
		size_t		end = Min(npages, first + QUERY_CHUNK);

		CHECK_FOR_INTERRUPTS();
		map_existing_pages(addr, resident, first, end, page_size);
		for (size_t i = first; i < end; i++)
		{
			if (!(resident[i] & 1))
			{
				status[i] = -ENOENT;
				continue;
			}
			index[n] = i;
			pages[n++] = (char *) addr + i * page_size;
		}
		if (n == 0)
			continue;
		if (move_pages(0, n, pages, NULL, chunk_status, 0) != 0)
		{
			result = errno;
			break;
		}
		for (size_t j = 0; j < n; j++)
			status[index[j]] = chunk_status[j];
	}
	pfree(resident);
	if (result == 0 && page_size > (size_t) sysconf(_SC_PAGESIZE))
		ask_postmaster(addr, NULL, npages, page_size, status);
	return result;
}

/*
 * The same as numapg_query_pages for n pages anywhere (pages[i], each
 * page-aligned, in increasing order), as a sampled report asks about: for
 * each run of consecutive pages among them, one mincore(2) says which
 * exist, and those are mapped (which allocates nothing; see
 * map_existing_pages); then move_pages(2) asks about the existing ones,
 * 1024 a call.  status[i] as there.  Returns 0 or the errno of a failing
 * call.
 */
int
numapg_query_page_list(void *const *pages, size_t n, size_t page_size,
					   int *status)
{
	unsigned char *resident;
	void	   *asked[QUERY_CHUNK];
	int			chunk_status[QUERY_CHUNK];
	size_t		index[QUERY_CHUNK];
	size_t		k = 0;
	int			result = 0;

	if (n == 0)
		return 0;
	resident = palloc_extended(n, MCXT_ALLOC_HUGE);
	for (size_t i = 0; i < n && result == 0;)
	{
		size_t		run = 1;

		while (i + run < n &&
			   (char *) pages[i + run] == (char *) pages[i] + run * page_size)
			run++;
		CHECK_FOR_INTERRUPTS();
		result = pages_existing(pages[i], run, page_size, resident + i);
		if (result == 0)
			map_existing_pages(pages[i], resident + i, 0, run, page_size);
		i += run;
	}
	for (size_t i = 0; i <= n && result == 0; i++)
	{
		if (k == QUERY_CHUNK || (i == n && k > 0))
		{
			CHECK_FOR_INTERRUPTS();
			if (move_pages(0, k, asked, NULL, chunk_status, 0) != 0)
				result = errno;
			for (size_t j = 0; j < k && result == 0; j++)
				status[index[j]] = chunk_status[j];
			k = 0;
		}
		if (i == n)
			break;
		if (!(resident[i] & 1))
		{
			status[i] = -ENOENT;
			continue;
		}
		index[k] = i;
		asked[k++] = pages[i];
	}
	pfree(resident);
	if (result == 0 && page_size > (size_t) sysconf(_SC_PAGESIZE))
		ask_postmaster(NULL, pages, n, page_size, status);
	return result;
}

/*
 * Fault in every page of [addr, addr+len) without changing its contents:
 * MADV_POPULATE_WRITE (Linux 5.14), or on older kernels a read of each
 * page (which, for shared memory, allocates it too).  Returns 0 or an
 * errno value.
 */
int
numapg_populate(void *addr, size_t len, size_t page_size)
{
#ifdef MADV_POPULATE_WRITE
	if (madvise(addr, len, MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL)
		return errno;
#endif
	for (size_t off = 0; off < len; off += page_size)
		(void) *((volatile const char *) addr + off);
	return 0;
}

/*
 * Count where the pages that [addr, addr+len) touches are, without faulting
 * any page in.  With huge pages, a region inside a slab need not start on a
 * page boundary: the pages it shares with its neighbours count too.
 * Returns 0 or an errno value.
 */
int
numapg_query_range(const void *addr, size_t len, size_t page_size,
				   NumaPgPageCounts *counts)
{
	const char *first = (const char *) TYPEALIGN_DOWN(page_size, addr);
	size_t		npages = ((const char *) addr + len - first + page_size - 1) / page_size;
	int		   *status;
	int			result;

	memset(counts, 0, sizeof(*counts));
	if (len == 0)
		return 0;
	counts->pages = npages;
	status = palloc(sizeof(int) * npages);
	result = numapg_query_pages(first, npages, page_size, status);
	if (result == 0)
		for (size_t i = 0; i < npages; i++)
		{
			if (status[i] >= 0 && status[i] < NUMAPG_MAX_NODES)
				counts->per_node[status[i]]++;
			else if (status[i] == -ENOENT)
				counts->not_present++;
			else
				counts->unknown++;
		}
	pfree(status);
	return result;
}

/*
 * The page size backing the mapping that holds addr (4 kB, or the huge
 * page size), from /proc/self/smaps; the base page size if not found.
 */
size_t
numapg_page_size_of(const void *addr)
{
	FILE	   *f = fopen("/proc/self/smaps", "r");
	char		line[512];
	bool		inside = false;
	size_t		result = (size_t) sysconf(_SC_PAGESIZE);

	if (f == NULL)
		return result;
	while (fgets(line, sizeof(line), f))
	{
		unsigned long start,
					end;
		unsigned long kb;

		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 && strchr(line, '-') < strchr(line, ' '))
			inside = (uintptr_t) addr >= start && (uintptr_t) addr < end;
		else if (inside && sscanf(line, "KernelPageSize: %lu kB", &kb) == 1)
		{
			result = (size_t) kb * 1024;
			break;
		}
	}
	fclose(f);
	return result;
}

/*
 * The mapping (from /proc/self/maps) that holds addr: its start and length,
 * and, if inode is not NULL, the inode number of the object it maps (0 for
 * anonymous memory).  Returns false if it is not found.
 */
bool
numapg_mapping_of(const void *addr, char **start, size_t *len,
				  unsigned long *inode)
{
	FILE	   *f = fopen("/proc/self/maps", "r");
	char		line[512];
	bool		found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f))
	{
		unsigned long lo,
					hi,
					ino = 0;

		if (sscanf(line, "%lx-%lx %*s %*s %*s %lu", &lo, &hi, &ino) >= 2 &&
			(uintptr_t) addr >= lo && (uintptr_t) addr < hi)
		{
			*start = (char *) lo;
			*len = hi - lo;
			if (inode)
				*inode = ino;
			found = true;
		}
	}
	fclose(f);
	return found;
}

/*
 * After mbind(MPOL_INTERLEAVE) of a shared mapping starting at addr (the
 * start of the mapping: offset 0 of the shared object): move the pages
 * that already exist to the node interleaving gives them.  mbind's
 * MPOL_MF_MOVE only moves the pages that are on no node of the mask, so
 * the pages a process touched before, all on its own node, would stay
 * there.  The kernel (mm/mempolicy.c, offset_il_node) puts page i on the
 * ((i + bias) mod k)-th node of the mask, where bias is the inode number
 * for shmem (mm/shmem.c biases interleave by it) and 0 for hugetlbfs.
 * Returns 0 or an errno value; *moved gets the number of pages moved.
 */
int
numapg_interleave_existing(void *addr, size_t len, size_t page_size,
						   const NumaPgMask *nodes, unsigned long bias,
						   int64_t *moved)
{
	size_t		npages = len / page_size;
	int		   *status;
	int			ids[NUMAPG_MAX_NODES];
	int			k = 0;
	void	   *pages[QUERY_CHUNK];
	int			targets[QUERY_CHUNK];
	int			chunk_status[QUERY_CHUNK];
	size_t		n = 0;
	int			result;

	*moved = 0;
	for (int id = numapg_mask_next(nodes, -1); id >= 0 && id < NUMAPG_MAX_NODES;
		 id = numapg_mask_next(nodes, id))
		ids[k++] = id;
	if (k < 2 || npages == 0)
		return 0;
	status = palloc_extended(sizeof(int) * npages, MCXT_ALLOC_HUGE);
	result = numapg_query_pages(addr, npages, page_size, status);
	for (size_t i = 0; result == 0 && i <= npages; i++)
	{
		if (n == QUERY_CHUNK || (i == npages && n > 0))
		{
			CHECK_FOR_INTERRUPTS();
			if (move_pages(0, n, pages, targets, chunk_status, MPOL_MF_MOVE) < 0)
				result = errno;
			else
				for (size_t j = 0; j < n; j++)
					if (chunk_status[j] == targets[j])
						(*moved)++;
			n = 0;
		}
		if (i < npages && status[i] >= 0)
		{
			int			target = ids[(i + bias) % k];

			if (status[i] != target)
			{
				pages[n] = (char *) addr + i * page_size;
				targets[n++] = target;
			}
		}
	}
	pfree(status);
	return result;
}
