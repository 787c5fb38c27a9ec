/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Every PG_VERSION_NUM difference numa_pg cares about, in one place.
 *
 * numa_pg needs PostgreSQL 15 or later (shmem_request_hook).  It is built
 * with -Werror and tested on 15, 16, 17, 18 and 19 (and on 15 and 18 built
 * with assertions).  Each shim below names the version that changed and what
 * changed.  One concern needs code, in a module of its own: 18's restart of
 * background workers after a crash (compat_bgworker.c).  The extension of
 * the benchmarks, numa_pg_bench, builds on this header too and has two of
 * its own: its LWLock tranche (bench/numa_pg_bench/compat_tranche.c) and
 * the layout of a shared dynahash table (bench/numa_pg_bench/compat_hash.h).
 *
 * IDENTIFICATION
 *	  src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_COMPAT_H
#define NUMAPG_COMPAT_H

#include "postgres.h"
#include "fmgr.h"
#include "funcapi.h"

#if PG_VERSION_NUM < 150000
#error "numa_pg requires PostgreSQL 15 or later"
#endif

/* 15.0 called InitMaterializedSRF() SetSingleFuncCall(). */
#if PG_VERSION_NUM < 150001
#define InitMaterializedSRF(fcinfo, flags) SetSingleFuncCall(fcinfo, flags)
#endif

/* 18 lets a module say its name and version. */
#if PG_VERSION_NUM >= 180000
#define NUMAPG_MODULE_MAGIC_OF(module, module_version) \
	PG_MODULE_MAGIC_EXT(.name = (module), .version = (module_version))
#else
#define NUMAPG_MODULE_MAGIC_OF(module, module_version) PG_MODULE_MAGIC
#endif

#define NUMAPG_VERSION "1.5"
#define NUMAPG_MODULE_MAGIC NUMAPG_MODULE_MAGIC_OF("numa_pg", NUMAPG_VERSION)

/*
 * 16 replaced pg_proc_aclcheck() with object_aclcheck() on the catalog
 * ProcedureRelationId (utils/acl.h and catalog/pg_proc.h, included by the
 * caller).
 */
#if PG_VERSION_NUM >= 160000
#define NumaPgProcAclcheck(proc, role, mode) \
	object_aclcheck(ProcedureRelationId, proc, role, mode)
#else
#define NumaPgProcAclcheck(proc, role, mode) pg_proc_aclcheck(proc, role, mode)
#endif

/* 17 replaced MyProc->pgprocno with MyProcNumber. */
#if PG_VERSION_NUM >= 170000
#define NumaPgMyProcNumber() MyProcNumber
#else
#define NumaPgMyProcNumber() (MyProc->pgprocno)
#endif

/* 17 gave LogLogicalMessage() a "flush" argument; we flush ourselves. */
#if PG_VERSION_NUM >= 170000
#define NumaPgLogLogicalMessage(prefix, message, size, transactional) \
	LogLogicalMessage(prefix, message, size, transactional, false)
#else
#define NumaPgLogLogicalMessage(prefix, message, size, transactional) \
	LogLogicalMessage(prefix, message, size, transactional)
#endif

/*
 * The background workers registered so far, to count the slots of
 * max_worker_processes they take (postmaster/bgworker_internals.h): 18
 * made BackgroundWorkerList a dlist; it was an slist.
 */
#if PG_VERSION_NUM >= 180000
#define NumaPgBgWorkerIter dlist_iter
#define NumaPgForeachBgWorker(iter) dlist_foreach(iter, &BackgroundWorkerList)
#define NumaPgBgWorkerOf(iter) \
	dlist_container(RegisteredBgWorker, rw_lnode, (iter).cur)
#else
#define NumaPgBgWorkerIter slist_iter
#define NumaPgForeachBgWorker(iter) slist_foreach(iter, &BackgroundWorkerList)
#define NumaPgBgWorkerOf(iter) \
	slist_container(RegisteredBgWorker, rw_lnode, (iter).cur)
#endif

/*
 * Every configuration parameter, placeholders included
 * (utils/guc_tables.h): 16 keeps them in a hash table, and
 * get_guc_variables() builds an array and says its length; 15 returned its
 * own array, whose length GetNumConfigOptions() gives.
 */
#if PG_VERSION_NUM >= 160000
#define NumaPgGetGucVariables(num) get_guc_variables(num)
#else
#define NumaPgGetGucVariables(num) \
	(*(num) = GetNumConfigOptions(), get_guc_variables())
#endif

/*
 * 16 moved the varlena macros (VARDATA_ANY, VARSIZE_ANY_EXHDR, SET_VARSIZE...)
 * out of postgres.h into varatt.h; postgres.h went on including it until 18,
 * and 19 stopped.
 */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * 19 widened a buffer header's state to 64 bits (pg_atomic_uint64, read
 * with pg_atomic_read_u64); the BM_* flags are tested the same way.
 */
#if PG_VERSION_NUM >= 190000
#define NumaPgBufferState(desc) pg_atomic_read_u64(&(desc)->state)
#else
#define NumaPgBufferState(desc) ((uint64) pg_atomic_read_u32(&(desc)->state))
#endif

/*
 * The idx-th entry (1-based) of this backend's snapshot of the backend
 * status array, which pg_stat_activity reads (utils/backend_status.h,
 * included by the caller).  15 and 16's betas call it
 * pgstat_fetch_stat_local_beentry(); 16.0 renamed it
 * pgstat_get_local_beentry_by_index() (commit 8dfa37b7), as 17 and later
 * have it.  Both kinds of 16 say PG_VERSION_NUM 160000, so on 16 the name
 * the server defines is found when the library is loaded (weak symbols:
 * the other one is NULL).
 */
#if PG_VERSION_NUM >= 170000
#define NumaPgLocalBeentry(idx) pgstat_get_local_beentry_by_index(idx)
#elif PG_VERSION_NUM >= 160000
#include "utils/backend_status.h"
extern LocalPgBackendStatus *pgstat_get_local_beentry_by_index(int idx) __attribute__((weak));
extern LocalPgBackendStatus *pgstat_fetch_stat_local_beentry(int beid) __attribute__((weak));
static inline LocalPgBackendStatus *
NumaPgLocalBeentry(int idx)
{
	if (pgstat_get_local_beentry_by_index != NULL)
		return pgstat_get_local_beentry_by_index(idx);
	return pgstat_fetch_stat_local_beentry(idx);
}
#else
#define NumaPgLocalBeentry(idx) pgstat_fetch_stat_local_beentry(idx)
#endif

/*
 * 16 keeps GUC values and their "extra" in a memory context of its own and
 * frees them with pfree (guc_malloc(), guc_free()); 15 frees them with
 * free(), so there an extra comes from malloc().  NULL when out of memory.
 */
#if PG_VERSION_NUM >= 160000
#include "utils/guc.h"
#define numapg_guc_extra_alloc(size) guc_malloc(LOG, (size))
#define numapg_guc_extra_free(ptr) guc_free(ptr)
#else
#define numapg_guc_extra_alloc(size) malloc(size)
#define numapg_guc_extra_free(ptr) free(ptr)
#endif

/*
 * 17 numbered every process with a PGPROC by its ProcNumber (MyProcNumber,
 * from 0; a parallel worker's leader ParallelLeaderProcNumber, -1 for
 * none); up to 16 a backend had a BackendId (MyBackendId, from 1; the
 * leader ParallelLeaderBackendId, -1 for none).  numa_pg's per-backend
 * slots count from 0: a slot below MaxBackends is a backend's (client
 * backends, autovacuum, background and parallel workers, walsenders), and
 * anything else (negative, or an auxiliary process) has none.
 */
#if PG_VERSION_NUM >= 170000
#include "storage/proc.h"
#define NUMAPG_MY_BACKEND_SLOT() ((int) MyProcNumber)
#define NUMAPG_LEADER_BACKEND_SLOT() \
	(ParallelLeaderProcNumber == INVALID_PROC_NUMBER ? -1 : (int) ParallelLeaderProcNumber)
#else
#include "storage/backendid.h"
#define NUMAPG_MY_BACKEND_SLOT() \
	(MyBackendId == InvalidBackendId ? -1 : (int) MyBackendId - 1)
#define NUMAPG_LEADER_BACKEND_SLOT() \
	(ParallelLeaderBackendId == InvalidBackendId ? -1 : (int) ParallelLeaderBackendId - 1)
#endif

/*
 * 18's postmaster keeps the PID of a background worker it killed in a
 * crash, so that it never starts the worker again (compat_bgworker.c):
 * called in the postmaster whenever it makes shared memory, this marks
 * numa_pg's workers as not running.  Nothing to do up to 17.
 */
extern void numapg_forget_stale_worker_pids(const char *library,
											const char *function);

#endif							/* NUMAPG_COMPAT_H */
