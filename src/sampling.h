/*-------------------------------------------------------------------------
 *
 * sampling.h
 *		Stratified sampling of a run of pages, and the error bound it gives.
 *
 * IDENTIFICATION
 *	  src/sampling.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_SAMPLING_H
#define NUMAPG_SAMPLING_H

#include <stdbool.h>
#include <stdint.h>

/* the largest sample_every the estimates accept: one page in 1M pages */
#define NUMAPG_SAMPLE_EVERY_MAX 1048576

/*
 * The probability with which a probabilistic bound holds, per row: its
 * failure probability is 1 - this (NUMAPG_SAMPLE_DELTA).
 */
#define NUMAPG_SAMPLE_DELTA 1e-4
#define NUMAPG_SAMPLE_CONFIDENCE (1.0 - NUMAPG_SAMPLE_DELTA)

/* The bound on the error of an estimate, in the units of one page's value. */
typedef struct NumaPgSampleBound
{
	double		error;			/* |estimate - exact| <= error ... */
	bool		certain;		/* ... always (true), or with probability
								 * NUMAPG_SAMPLE_CONFIDENCE */
} NumaPgSampleBound;

extern int64_t numapg_sample_strata(int64_t npages, int every);
extern int64_t numapg_sample_stratum_size(int64_t npages, int every,
										  int64_t stratum);
extern NumaPgSampleBound numapg_sample_bound(int64_t npages, int every);

#endif							/* NUMAPG_SAMPLING_H */
