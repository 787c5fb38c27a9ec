/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Every PG_VERSION_NUM difference numa_pg cares about, in one place.
 *
 * numa_pg needs PostgreSQL 15 or later (shmem_request_hook).  It is built
 * and tested on 15; the shims below keep it building on 16 to 18.
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
#define NUMAPG_MODULE_MAGIC \
	PG_MODULE_MAGIC_EXT(.name = "numa_pg", .version = NUMAPG_VERSION)
#else
#define NUMAPG_MODULE_MAGIC PG_MODULE_MAGIC
#endif

#define NUMAPG_VERSION "1.2"

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

#endif							/* NUMAPG_COMPAT_H */
