/*-------------------------------------------------------------------------
 *
 * serve.h
 *		What a worker does with its inbox, its state store and its WAL
 *		staging buffer.
 *
 * IDENTIFICATION
 *	  src/serve.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_SERVE_H
#define NUMAPG_SERVE_H

#include "postgres.h"

extern void numapg_serve_init_regions(int worker);
extern long numapg_serve(int worker);
extern void numapg_serve_flush(int worker);

#endif							/* NUMAPG_SERVE_H */
