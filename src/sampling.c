/*-------------------------------------------------------------------------
 *
 * sampling.c
 *		Stratified cluster sampling of a run of pages, and the error bound
 *		it gives.
 *
 * A run of npages pages is cut into clusters of c consecutive pages, and
 * the clusters into strata of `every` consecutive clusters (the last
 * stratum may have fewer); the tail of fewer than c pages that may be
 * left is asked about whole.  In each stratum one cluster is chosen at
 * random, uniformly and independently of the other strata: every page is
 * sampled with probability 1/n, n the number of clusters of its stratum
 * (every, but in the last stratum).  c is what one page fault maps (the kernel's
 * fault-around, 64 kB: 16 pages of 4 kB; 1 with huge pages), so a cluster
 * costs one fault, as one page would: asking about one page in every
 * costs 1/c of the faults of asking about single pages.
 *
 * Each sampled page's value (1 if it is on node X, or the bytes of shared
 * buffers it holds on node X), times n, estimates its stratum's sum
 * without bias (Horvitz and Thompson), whatever the pattern of the pages:
 * under interleave, page i is on node i mod k, and a fixed page in each
 * run of 64 would see one node only.
 *
 * The bound, for values in [0, v] (v = 1 page, or the page size in bytes):
 * stratum s adds X_s = n_s x (the sum of its sampled cluster), in
 * [0, n_s c v], independently of the others, and E[sum X_s] is the exact
 * sum.  Hoeffding's inequality gives
 *		P(|sum X_s - exact| >= t) <= 2 exp(-2 t^2 / sum (n_s c v)^2),
 * so |estimate - exact| < v sqrt(sum (n_s c)^2 ln(2/delta) / 2) with
 * probability at least 1 - delta.  And always: the sampled cluster is
 * exact and stands for the stratum's other pages, so a stratum is off by
 * at most c (n_s - 1) pages' values, and |estimate - exact| <=
 * v sum c (n_s - 1).  The bound is the smaller of the two; when it is the
 * second, it is certain (and 0 with every = 1: the estimate is exact).
 *
 * No PostgreSQL headers: the SQL functions choose the clusters.
 *
 * IDENTIFICATION
 *	  src/sampling.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "sampling.h"

/* The pages of a cluster for pages of page_size bytes: at least 1. */
int
numapg_sample_cluster(size_t page_size)
{
	return page_size >= NUMAPG_SAMPLE_CLUSTER_BYTES ? 1 :
		(int) (NUMAPG_SAMPLE_CLUSTER_BYTES / page_size);
}

/*
 * The number of strata of npages pages: those of every clusters of
 * `cluster` pages (the last may have fewer clusters), then, when cluster
 * does not divide npages, the tail of fewer than cluster pages, a stratum
 * of one cluster, always sampled whole.
 */
int64_t
numapg_sample_strata(int64_t npages, int every, int cluster)
{
	int64_t		clusters;

	if (npages <= 0 || every <= 0 || cluster <= 0)
		return 0;
	clusters = npages / cluster;
	return (clusters + every - 1) / every + (npages % cluster != 0);
}

/* Stratum number `stratum` (from 0) of npages pages: where, how large. */
NumaPgStratum
numapg_sample_stratum(int64_t npages, int every, int cluster, int64_t stratum)
{
	NumaPgStratum s;
	int64_t		clusters = npages / cluster;
	int64_t		first_cluster = stratum * every;

	if (first_cluster < clusters)
	{
		s.first = first_cluster * cluster;
		s.clusters = clusters - first_cluster < every ? clusters - first_cluster : every;
		s.pages = s.clusters * cluster;
	}
	else
	{
		/* the tail */
		s.first = clusters * cluster;
		s.pages = npages - s.first;
		s.clusters = s.pages > 0 ? 1 : 0;
	}
	return s;
}

/*
 * The cluster sampled in stratum `stratum` of npages pages, given a
 * uniformly random number: cluster random mod (its clusters), all the
 * same for our numbers of clusters (at most NUMAPG_SAMPLE_EVERY_MAX,
 * against 2^64).
 */
NumaPgSampledCluster
numapg_sample_choose(int64_t npages, int every, int cluster, int64_t stratum,
					 uint64_t random)
{
	NumaPgStratum s = numapg_sample_stratum(npages, every, cluster, stratum);
	NumaPgSampledCluster c;
	int64_t		chosen = s.clusters > 1 ? (int64_t) (random % (uint64_t) s.clusters) : 0;

	c.first = s.first + chosen * cluster;
	c.pages = s.first + s.pages - c.first < cluster ? s.first + s.pages - c.first : cluster;
	c.weight = s.clusters;
	return c;
}

/*
 * The bound on |estimate - exact|, in values of one page, for npages pages
 * sampled one cluster of `cluster` pages in each stratum of `every`
 * clusters (see the file header).  The tail, sampled whole, adds nothing.
 */
NumaPgSampleBound
numapg_sample_bound(int64_t npages, int every, int cluster)
{
	NumaPgSampleBound bound;
	int64_t		clusters = npages > 0 && cluster > 0 ? npages / cluster : 0;
	int64_t		strata = every > 0 ? (clusters + every - 1) / every : 0;
	int64_t		last;
	double		sum_squares;
	double		hoeffding;
	double		always;

	if (strata == 0)
	{
		bound.error = 0;
		bound.certain = true;
		return bound;
	}
	last = clusters - (strata - 1) * every;
	sum_squares = (double) (strata - 1) * ((double) every * cluster) * ((double) every * cluster) +
		((double) last * cluster) * ((double) last * cluster);
	hoeffding = sqrt(sum_squares * log(2.0 / NUMAPG_SAMPLE_DELTA) / 2.0);
	always = (double) cluster * ((double) (strata - 1) * (every - 1) + (last - 1));
	bound.certain = always <= hoeffding;
	bound.error = bound.certain ? always : hoeffding;
	return bound;
}
