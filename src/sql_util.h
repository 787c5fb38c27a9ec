/*-------------------------------------------------------------------------
 *
 * sql_util.h
 *		Small conversions the SQL functions share.
 *
 * IDENTIFICATION
 *	  src/sql_util.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_SQL_UTIL_H
#define NUMAPG_SQL_UTIL_H

#include "postgres.h"

#include "nodemask.h"

extern Datum numapg_mask_to_int_array(const NumaPgMask *mask);

#endif							/* NUMAPG_SQL_UTIL_H */
