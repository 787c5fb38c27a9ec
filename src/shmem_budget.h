/*-------------------------------------------------------------------------
 *
 * shmem_budget.h
 *		What numa_pg adds to PostgreSQL's shared memory, and whether it fits.
 *
 * IDENTIFICATION
 *	  src/shmem_budget.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_SHMEM_BUDGET_H
#define NUMAPG_SHMEM_BUDGET_H

#include "postgres.h"

extern void numapg_check_shmem_budget(Size size);

#endif							/* NUMAPG_SHMEM_BUDGET_H */
