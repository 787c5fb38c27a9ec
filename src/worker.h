/*-------------------------------------------------------------------------
 *
 * worker.h
 *		The pool of background workers, each pinned to one CPU.
 *
 * IDENTIFICATION
 *	  src/worker.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_WORKER_H
#define NUMAPG_WORKER_H

#include "postgres.h"

extern void numapg_register_workers(void);

extern PGDLLEXPORT void numapg_worker_main(Datum main_arg);

#endif							/* NUMAPG_WORKER_H */
