/*-------------------------------------------------------------------------
 *
 * sampling.h
 *		Stratified cluster sampling of a run of pages, and the error bound
 *		it gives.
 *
 * IDENTIFICATION
 *	  src/sampling.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_SAMPLING_H
#define NUMAPG_SAMPLING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* the largest sample_every the estimates accept: one page in 1M pages */
#define NUMAPG_SAMPLE_EVERY_MAX 1048576

/*
 * A cluster: the contiguous pages sampled together, as many as one page
 * fault maps (the kernel's fault-around, 64 kB by default).
 */
#define NUMAPG_SAMPLE_CLUSTER_BYTES 65536

/*
 * The probability with which a probabilistic bound holds, per row: its
 * failure probability is 1 - this (NUMAPG_SAMPLE_DELTA).
 */
#define NUMAPG_SAMPLE_DELTA 1e-4
#define NUMAPG_SAMPLE_CONFIDENCE (1.0 - NUMAPG_SAMPLE_DELTA)

/* One stratum of a sampled run of pages. */
typedef struct NumaPgStratum
{
	int64_t		first;			/* its first page */
	int64_t		pages;			/* its pages (the last stratum may be short) */
	int64_t		clusters;		/* its clusters, one of which is sampled */
} NumaPgStratum;

/* The cluster sampled in a stratum, and the pages each of its pages stands for. */
typedef struct NumaPgSampledCluster
{
	int64_t		first;			/* its first page */
	int64_t		pages;			/* its pages */
	int64_t		weight;			/* the clusters of its stratum */
} NumaPgSampledCluster;

/* The bound on the error of an estimate, in the units of one page's value. */
typedef struct NumaPgSampleBound
{
	double		error;			/* |estimate - exact| <= error ... */
	bool		certain;		/* ... always (true), or with probability
								 * NUMAPG_SAMPLE_CONFIDENCE */
} NumaPgSampleBound;

extern int	numapg_sample_cluster(size_t page_size);
extern int64_t numapg_sample_strata(int64_t npages, int every, int cluster);
extern NumaPgStratum numapg_sample_stratum(int64_t npages, int every, int cluster,
										   int64_t stratum);
extern NumaPgSampledCluster numapg_sample_choose(int64_t npages, int every, int cluster,
												 int64_t stratum, uint64_t random);
extern NumaPgSampleBound numapg_sample_bound(int64_t npages, int every, int cluster);

#endif							/* NUMAPG_SAMPLING_H */
