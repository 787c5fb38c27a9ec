/*-------------------------------------------------------------------------
 *
 * sampling.c
 *		Stratified sampling of a run of pages, and the error bound it gives.
 *
 * A run of npages pages is cut into strata of `every` consecutive pages
 * (the last one shorter when every does not divide npages), and one page
 * is chosen at random in each, uniformly and independently: every page is
 * chosen with probability 1/m, m the size of its stratum.  A page's value
 * (1 if it is on node X, or the bytes of shared buffers it holds on node
 * X), times m, estimates its stratum's sum without bias (Horvitz and
 * Thompson), whatever the pattern of the pages: under interleave, page i
 * is on node i mod k, and a fixed every-64th page would see one node only.
 *
 * The bound, for values in [0, v] (v = 1 page, or the page size in bytes):
 * stratum s adds X_s = m_s * value of its chosen page, in [0, m_s v],
 * independently of the others, and E[sum X_s] is the exact sum.
 * Hoeffding's inequality gives
 *		P(|sum X_s - exact| >= t) <= 2 exp(-2 t^2 / sum (m_s v)^2),
 * so |estimate - exact| < v sqrt(sum m_s^2 ln(2/delta) / 2) with
 * probability at least 1 - delta.  And always (each stratum is off by at
 * most m_s - 1 pages' values: its chosen page stands for the others)
 * |estimate - exact| <= v sum (m_s - 1) = v (npages - strata).  The bound
 * is the smaller of the two; when it is the second, it is certain (and 0
 * with every = 1, or strata of one page: the estimate is then exact).
 *
 * No PostgreSQL headers: the SQL functions choose the pages.
 *
 * IDENTIFICATION
 *	  src/sampling.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "sampling.h"

/* The number of strata of `every` pages that cover npages pages. */
int64_t
numapg_sample_strata(int64_t npages, int every)
{
	return npages <= 0 || every <= 0 ? 0 : (npages + every - 1) / every;
}

/* The number of pages in stratum `stratum` (from 0) of npages pages. */
int64_t
numapg_sample_stratum_size(int64_t npages, int every, int64_t stratum)
{
	int64_t		first = stratum * every;

	if (stratum < 0 || first >= npages)
		return 0;
	return npages - first < every ? npages - first : every;
}

/*
 * The bound on |estimate - exact|, in values of one page, for npages pages
 * sampled one in each stratum of `every` (see the file header).
 */
NumaPgSampleBound
numapg_sample_bound(int64_t npages, int every)
{
	NumaPgSampleBound bound;
	int64_t		strata = numapg_sample_strata(npages, every);
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
	last = numapg_sample_stratum_size(npages, every, strata - 1);
	sum_squares = (double) (strata - 1) * every * every + (double) last * last;
	hoeffding = sqrt(sum_squares * log(2.0 / NUMAPG_SAMPLE_DELTA) / 2.0);
	always = (double) (npages - strata);
	bound.certain = always <= hoeffding;
	bound.error = bound.certain ? always : hoeffding;
	return bound;
}
