/*-------------------------------------------------------------------------
 *
 * guc.h
 *		numa_pg's configuration parameters (numa_pg.*).
 *
 * IDENTIFICATION
 *	  src/guc.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_GUC_H
#define NUMAPG_GUC_H

#include "nodemask.h"

/* GUC variables */
extern bool numapg_enabled;
extern char *numapg_worker_cpus;

extern void numapg_define_gucs(void);
extern bool numapg_check_list_on_machine(const char *value, NumaPgListKind kind,
										 NumaPgMask *out);

#endif							/* NUMAPG_GUC_H */
