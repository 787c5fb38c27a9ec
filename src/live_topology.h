/*-------------------------------------------------------------------------
 *
 * live_topology.h
 *		This machine's topology as the server may use it.
 *
 * IDENTIFICATION
 *	  src/live_topology.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_LIVE_TOPOLOGY_H
#define NUMAPG_LIVE_TOPOLOGY_H

#include "topology.h"

extern bool numapg_topology_read_live(NumaPgTopology *topo, char *errbuf,
									  size_t errlen);
extern NumaPgTopology *numapg_read_topology(void);
extern const NumaPgTaskPolicy *numapg_inherited_policy(void);

#endif							/* NUMAPG_LIVE_TOPOLOGY_H */
