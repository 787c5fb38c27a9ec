/*-------------------------------------------------------------------------
 *
 * shmem.h
 *		numa_pg's shared memory: asked for at shmem request, then made,
 *		placed and filled in at shmem startup.
 *
 * IDENTIFICATION
 *	  src/shmem.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_SHMEM_H
#define NUMAPG_SHMEM_H

#include "registry.h"

extern void numapg_install_shmem_hooks(void);

#endif							/* NUMAPG_SHMEM_H */
