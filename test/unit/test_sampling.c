/*-------------------------------------------------------------------------
 *
 * test_sampling.c
 *		Unit tests of the estimates' sampling (sampling.c): the strata and
 *		clusters cover every page once, the bound is the documented one,
 *		and simulated page patterns (interleaved over 2, 3 and 4 nodes, and
 *		in long runs per node) are estimated within it, without bias; a
 *		fixed page in each run of 64, the design the sample replaces,
 *		misreads interleaving.
 *
 * IDENTIFICATION
 *	  test/unit/test_sampling.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>

#include "sampling.h"
#include "tap.h"
#include "test_rng.h"

#define NPAGES 262147			/* 1 GB of 4 kB pages and a tail of 3 */
#define TRIALS 200

/* the node of page i under a pattern: interleave over k, or runs of len */
static int
node_of(int64_t i, int k, int64_t run)
{
	return (int) ((run > 0 ? i / run : i) % k);
}

/*
 * One estimate of the pages on node 0, sampling as the SQL functions do
 * (numapg_sample_choose for each stratum).
 */
static double
estimate(int64_t npages, int every, int cluster, int k, int64_t run)
{
	double		sum = 0;

	for (int64_t s = 0; s < numapg_sample_strata(npages, every, cluster); s++)
	{
		NumaPgSampledCluster c = numapg_sample_choose(npages, every, cluster, s, rng());

		for (int64_t p = c.first; p < c.first + c.pages; p++)
			if (node_of(p, k, run) == 0)
				sum += c.weight;
	}
	return sum;
}

int
main(void)
{
	static const int64_t sizes[] = {1, 15, 16, 17, 1023, 1024, 1025, 65536, NPAGES};
	static const int everies[] = {1, 2, 63, 64, 1048576};
	static const int clusters[] = {1, 16};
	bool		covered = true;
	NumaPgSampleBound b;

	/* the strata cover every page exactly once, in order */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (size_t e = 0; e < sizeof(everies) / sizeof(everies[0]); e++)
			for (size_t c = 0; c < sizeof(clusters) / sizeof(clusters[0]); c++)
			{
				int64_t		next = 0;

				for (int64_t s = 0; s < numapg_sample_strata(sizes[i], everies[e], clusters[c]); s++)
				{
					NumaPgStratum st = numapg_sample_stratum(sizes[i], everies[e], clusters[c], s);

					if (st.first != next || st.pages <= 0 ||
						st.clusters != (st.pages + clusters[c] - 1) / clusters[c])
						covered = false;
					next = st.first + st.pages;
				}
				if (next != sizes[i])
					covered = false;
			}
	ok(covered, "the strata cover every page once, in order, for sizes around cluster and stratum boundaries");
	is_int(numapg_sample_cluster(4096), 16, "a cluster is 16 pages of 4 kB");
	is_int(numapg_sample_cluster(2 << 20), 1, "a cluster is 1 huge page");

	b = numapg_sample_bound(NPAGES, 1, 16);
	ok(b.certain && b.error == 0, "sample_every 1: a certain bound of 0");
	b = numapg_sample_bound(15, 64, 16);
	ok(b.certain && b.error == 0, "fewer pages than a cluster (the tail, asked about whole): a certain bound of 0");
	b = numapg_sample_bound(1024, 64, 16);
	ok(b.certain && b.error == 16 * 63, "one stratum of 64 clusters: certain, 63 clusters");
	b = numapg_sample_bound(NPAGES, 64, 16);
	ok(!b.certain && fabs(b.error - 1024 * sqrt(256.0 * log(2 / NUMAPG_SAMPLE_DELTA) / 2)) < 1e-6,
	   "256 strata of 64 clusters of 16: Hoeffding's bound, 1024 sqrt(256 ln(2/delta) / 2) pages (%.1f)", b.error);

	/* patterns: interleave over 2, 3, 4 nodes, and runs of 5000 pages per node */
	for (int pattern = 0; pattern < 4; pattern++)
	{
		int			k = pattern < 3 ? pattern + 2 : 2;
		int64_t		run = pattern < 3 ? 0 : 5000;
		double		exact = 0;
		double		mean = 0;
		double		squares = 0;
		double		sd;
		double		worst = 0;

		for (int64_t i = 0; i < NPAGES; i++)
			exact += node_of(i, k, run) == 0;
		b = numapg_sample_bound(NPAGES, 64, 16);
		for (int t = 0; t < TRIALS; t++)
		{
			double		e = estimate(NPAGES, 64, 16, k, run);

			mean += e / TRIALS;
			squares += e * e / TRIALS;
			worst = fmax(worst, fabs(e - exact));
		}
		sd = sqrt(fmax(0, squares - mean * mean));
		ok(worst <= b.error, "%s: every one of %d estimates within the bound (worst %.0f of %.0f pages)",
		   run ? "runs of 5000 pages on 2 nodes" : (k == 2 ? "interleave over 2" : k == 3 ? "interleave over 3" : "interleave over 4"),
		   TRIALS, worst, b.error);
		/*
		 * unbiased: the mean of the trials within 4 of its standard errors
		 * (from the trials' spread) of the exact count; a sample that does
		 * not vary must be exact
		 */
		ok(fabs(mean - exact) <= 4 * sd / sqrt(TRIALS) + 1e-6,
		   "  and their mean is the exact count (%.1f against %.0f, standard deviation %.1f)", mean, exact, sd);
	}

	/* the naive design: page 0 of each run of 64, under interleave over 2 */
	{
		double		naive = 0;
		double		exact = 0;

		for (int64_t i = 0; i < NPAGES; i++)
		{
			exact += node_of(i, 2, 0) == 0;
			if (i % 64 == 0 && node_of(i, 2, 0) == 0)
				naive += 64;
		}
		ok(fabs(naive - exact) > numapg_sample_bound(NPAGES, 64, 1).error,
		   "a fixed page in each run of 64 misreads interleave over 2 beyond any such bound (%.0f for %.0f)", naive, exact);
	}

	/* all pages on one node: exact whatever is chosen */
	{
		bool		exact = true;

		for (int t = 0; t < 20; t++)
			exact &= estimate(NPAGES, 64, 16, 1, 0) == NPAGES;
		ok(exact, "every page on one node: every estimate is exact");
	}
	return done_testing();
}
