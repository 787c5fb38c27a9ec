/*-------------------------------------------------------------------------
 *
 * crash_keep.h
 *		Keep the workers' state across the postmaster's reinitialisation of
 *		shared memory after a crash.
 *
 * IDENTIFICATION
 *	  src/crash_keep.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_CRASH_KEEP_H
#define NUMAPG_CRASH_KEEP_H

extern void numapg_crash_keep_save(void);
extern void numapg_crash_keep_restore(void);

#endif							/* NUMAPG_CRASH_KEEP_H */
