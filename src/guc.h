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
#include "placement_rules.h"

/* GUC variables, each defined in guc.c */
extern bool numapg_enabled;
extern char *numapg_worker_cpus;
extern int	numapg_workers;
extern int	numapg_state_store_size_kb;
extern int	numapg_wal_staging_size_kb;
extern int	numapg_queue_size_kb;
extern bool numapg_strict;
extern char *numapg_database;
extern int	numapg_pool_size_kb;
extern int	numapg_interleaved_pool_size_kb;
extern char *numapg_shared_memory_policy;
extern bool numapg_prefault_segment;
extern int	numapg_request_timeout_ms;
extern bool numapg_direct_reads;
extern bool numapg_direct_writes;
extern int	numapg_wal_flush_delay_ms;
extern char *numapg_backend_placement;
extern const NumaPgPlacementRules *numapg_backend_placement_rules;

extern void numapg_define_gucs(void);
extern bool numapg_check_list_on_machine(const char *value, NumaPgListKind kind,
										 NumaPgMask *out);

#endif							/* NUMAPG_GUC_H */
