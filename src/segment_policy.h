/*-------------------------------------------------------------------------
 *
 * segment_policy.h
 *		numa_pg.shared_memory_policy and numa_pg.prefault, applied to
 *		PostgreSQL's main shared memory segment.
 *
 * IDENTIFICATION
 *	  src/segment_policy.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_SEGMENT_POLICY_H
#define NUMAPG_SEGMENT_POLICY_H

#include "topology.h"

extern void numapg_apply_segment_policy(const NumaPgTopology *live,
										bool can_bind, bool enabled);
extern void numapg_prefault_segment_pages(const NumaPgTopology *live,
										  bool can_bind);

#endif							/* NUMAPG_SEGMENT_POLICY_H */
