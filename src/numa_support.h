/*-------------------------------------------------------------------------
 *
 * numa_support.h
 *		Can this process use NUMA, and if not, why not.
 *
 * IDENTIFICATION
 *	  src/numa_support.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_NUMA_SUPPORT_H
#define NUMAPG_NUMA_SUPPORT_H

#include "topology.h"

/* What numa_pg can do here; numa_status() shows it as text. */
typedef enum NumaPgMode
{
	NUMAPG_MODE_NUMA,			/* libnuma works, several nodes */
	NUMAPG_MODE_SINGLE_NODE,	/* libnuma works, one node: nothing to place */
	NUMAPG_MODE_UNAVAILABLE,	/* libnuma or the kernel cannot place memory */
	NUMAPG_MODE_DISABLED		/* numa_pg.enabled = off */
} NumaPgMode;

typedef struct NumaPgSupport
{
	bool		libnuma_usable; /* NUMA system calls work in this process */
	NumaPgMode	mode;
	char		reason[512];	/* why mode is not NUMAPG_MODE_NUMA; "" if it is */
} NumaPgSupport;

/* set by _PG_init when loaded through shared_preload_libraries */
extern bool numapg_preloaded;

extern const char *numapg_mode_name(NumaPgMode mode);
extern void numapg_probe_support(const NumaPgTopology *topo,
								 NumaPgSupport *support);
extern void numapg_log_topology(void);

#endif							/* NUMAPG_NUMA_SUPPORT_H */
