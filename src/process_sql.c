/*-------------------------------------------------------------------------
 *
 * process_sql.c
 *		PostgreSQL's own processes on NUMA nodes: numa_processes() and
 *		numa_process_nodes().
 *
 * The processes are the postmaster and every entry of the backend status
 * array, which pg_stat_activity reads (client backends, parallel workers,
 * autovacuum, the checkpointer, walwriter, background writer, numa_pg's
 * workers...).  For each, the kernel says, in files of /proc/PID that the
 * server's user may read for its own processes: where it runs now and
 * what it may use (stat, status), and its mappings with the pages present
 * on each node (numa_maps).  numa_maps walks the process's page tables: it
 * faults nothing in, and counts only what this process maps.  It is read a
 * line at a time (a process that mapped 1 GB of shared buffers has long
 * walks but few lines), with interrupts checked between lines and
 * processes.  A process that ends while it is read is left out.  Parsing
 * is in proc_parse.c.
 *
 * IDENTIFICATION
 *	  src/process_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* get_database_name(): in dbcommands.h up to 18, lsyscache.h from 19 */
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/bufmgr.h"
#include "storage/fd.h"
#include "utils/acl.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "backend_placement.h"
#include "errbuf.h"
#include "live_topology.h"
#include "numa_support.h"
#include "placement.h"
#include "proc_parse.h"
#include "registry.h"
#include "sql_util.h"

PG_FUNCTION_INFO_V1(numapg_sql_processes);
PG_FUNCTION_INFO_V1(numapg_sql_process_nodes);

/* Longest numa_maps line we read: a path of PATH_MAX escaped, and fields. */
#define MAPS_LINE_MAX	(4 * 4096 + 8192)

/* A PostgreSQL process of this server, as the backend status array has it. */
typedef struct NumaPgServerProc
{
	int			pid;
	const char *backend_type;
	Oid			database;		/* InvalidOid: none */
	Oid			role;			/* InvalidOid: none */
	const char *application_name;	/* NULL: none */
	int			placed_node;	/* numa_pg's workers: their planned node;
								 * placed backends: their node; -1
								 * otherwise */
} NumaPgServerProc;

/* What numa_process_nodes() counts of a process: pages per kind and node. */
typedef struct NumaPgNodePages
{
	int			node;
	bool		shared;			/* PostgreSQL's main segment, or private */
	int64		page_size;
	int64		pages;
} NumaPgNodePages;

/* The most rows one process gives numa_process_nodes() */
#define NODE_PAGES_MAX	(2 * NUMAPG_MAPS_MAX_NODES * 4)

/* What reading a process's /proc files found. */
typedef enum NumaPgProcRead
{
	PROC_READ_OK,
	PROC_READ_GONE				/* it ended (ENOENT, ESRCH, a zombie) */
} NumaPgProcRead;

/*
 * The backend type as pg_stat_activity shows it: a background worker's
 * own type (bgw_type, e.g. "parallel worker", "numa_pg worker").
 */
static const char *
backend_type_of(const PgBackendStatus *be)
{
	if (be->st_backendType == B_BG_WORKER)
	{
		const char *bgw_type = GetBackgroundWorkerTypeByPid(be->st_procpid);

		if (bgw_type != NULL)
			return pstrdup(bgw_type);
	}
	return GetBackendTypeDesc(be->st_backendType);
}

/*
 * The node numa_pg put the process of this pid on: a worker's planned node,
 * a client backend's by numa_pg.backend_placement (and a parallel worker's
 * that followed its leader); -1 for none.
 */
static int
placed_node_of(int pid)
{
	int			node = -1;
	int			memory_node;
	int			rule;
	bool		with_leader;

	if (numapg_backend_placed_node(pid, &node, &memory_node, &rule, &with_leader))
		return node;
	if (numapg_shared == NULL)
		return -1;
	LWLockAcquire(numapg_shared->lock, LW_SHARED);
	for (int w = 0; w < numapg_shared->nworkers; w++)
		if (numapg_shared->workers[w].pid == pid)
			node = numapg_shared->workers[w].node;
	LWLockRelease(numapg_shared->lock);
	return node;
}

/*
 * The processes of this server: the postmaster, then the backend status
 * array in its order (this transaction's snapshot of it, the one
 * pg_stat_activity shows).  Returns how many; *procs is palloc'd.
 */
static int
server_processes(NumaPgServerProc **procs)
{
	int			nbackends = pgstat_fetch_stat_numbackends();
	NumaPgServerProc *list = palloc0(sizeof(NumaPgServerProc) * (nbackends + 1));
	int			n = 0;

	list[n].pid = PostmasterPid;
	list[n].backend_type = "postmaster";
	list[n].placed_node = -1;
	n++;
	for (int i = 1; i <= nbackends; i++)
	{
		LocalPgBackendStatus *local = NumaPgLocalBeentry(i);
		PgBackendStatus *be;

		if (local == NULL)
			continue;
		be = &local->backendStatus;
		if (be->st_procpid <= 0)
			continue;
		list[n].pid = be->st_procpid;
		list[n].backend_type = backend_type_of(be);
		list[n].database = be->st_databaseid;
		list[n].role = be->st_userid;
		list[n].application_name = be->st_appname && be->st_appname[0] != '\0' ?
			be->st_appname : NULL;
		list[n].placed_node = placed_node_of(be->st_procpid);
		n++;
	}
	*procs = list;
	return n;
}

/* Raise the error of a /proc file we could not read (saved_errno). */
static void
proc_read_failed(const char *path, int saved_errno)
{
	errno = saved_errno;
	ereport(ERROR,
			(errcode_for_file_access(),
			 errmsg("could not read \"%s\": %m", path),
			 errdetail("numa_processes() and numa_process_nodes() read the /proc files of every process of this server."),
			 errhint("The server's processes must be able to read each other's /proc files (as one user they can, unless /proc is mounted with hidepid or a security module forbids it).")));
}

/* Did the error saved_errno, on a process's /proc file, mean it ended? */
static inline bool
process_gone(int saved_errno)
{
	return saved_errno == ENOENT || saved_errno == ESRCH;
}

/*
 * Read the small file /proc/<pid>/<name> into buf (NUL-terminated).
 * Returns PROC_READ_GONE if the process has ended; raises any other error.
 */
static NumaPgProcRead
read_proc_file(int pid, const char *name, char *buf, size_t len)
{
	char		path[64];
	int			fd;
	size_t		n = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = OpenTransientFile(path, O_RDONLY);
	if (fd < 0)
	{
		if (process_gone(errno))
			return PROC_READ_GONE;
		proc_read_failed(path, errno);
	}
	while (n < len - 1)
	{
		ssize_t		r = read(fd, buf + n, len - 1 - n);

		if (r < 0)
		{
			int			saved_errno = errno;

			if (saved_errno == EINTR)
				continue;
			CloseTransientFile(fd);
			if (process_gone(saved_errno))
				return PROC_READ_GONE;
			proc_read_failed(path, saved_errno);
		}
		if (r == 0)
			break;
		n += r;
	}
	CloseTransientFile(fd);
	buf[n] = '\0';
	/* an ended process's files may read empty */
	return n == 0 ? PROC_READ_GONE : PROC_READ_OK;
}

/* Read /proc/<pid>/stat; PROC_READ_GONE also for a zombie. */
static NumaPgProcRead
read_proc_stat(int pid, NumaPgProcStat *st)
{
	char		buf[1024];
	char		path[64];

	if (read_proc_file(pid, "stat", buf, sizeof(buf)) == PROC_READ_GONE)
		return PROC_READ_GONE;
	if (!numapg_parse_proc_stat(buf, st))
	{
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("could not parse \"%s\"", path),
				 errdetail("Its text is \"%.200s\".", buf),
				 errhint("The kernel's format is not the one numa_pg knows: report it to numa_pg's developers.")));
	}
	return (st->state == 'Z' || st->state == 'X') ? PROC_READ_GONE : PROC_READ_OK;
}

/*
 * Is the process we started reading (its start time) still there?  A pid
 * may be reused, and a process that ended mid-read gives cut-short files.
 */
static bool
still_running(int pid, const NumaPgProcStat *first)
{
	NumaPgProcStat now;

	return read_proc_stat(pid, &now) == PROC_READ_OK &&
		now.start_time == first->start_time;
}

/*
 * PostgreSQL's main shared memory segment, at the same address in every
 * process of the server: where the postmaster found it at start
 * (registry), or, without numa_pg preloaded (nothing then splits it into
 * several mappings with mbind), the mapping that holds the shared buffers.
 */
static void
main_segment(uintptr_t *lo, uintptr_t *hi)
{
	char	   *base = NULL;
	size_t		len = 0;

	if (numapg_shared != NULL && numapg_shared->segment_base != NULL &&
		numapg_shared->segment_size > 0)
	{
		base = numapg_shared->segment_base;
		len = numapg_shared->segment_size;
	}
	else if (!numapg_mapping_of(BufferBlocks, &base, &len, NULL))
	{
		base = NULL;
		len = 0;
	}
	*lo = (uintptr_t) base;
	*hi = (uintptr_t) base + len;
}

/* Add pages of a kind, node and page size to a process's counts. */
static void
count_pages(NumaPgNodePages *counts, int *ncounts, int node, bool shared,
			int64 page_size, int64 pages)
{
	for (int i = 0; i < *ncounts; i++)
		if (counts[i].node == node && counts[i].shared == shared &&
			counts[i].page_size == page_size)
		{
			counts[i].pages += pages;
			return;
		}
	if (*ncounts == NODE_PAGES_MAX)
		elog(ERROR, "too many kinds of pages in one process");
	counts[*ncounts].node = node;
	counts[*ncounts].shared = shared;
	counts[*ncounts].page_size = page_size;
	counts[*ncounts].pages = pages;
	(*ncounts)++;
}

/*
 * Read /proc/<pid>/numa_maps a line at a time.  With policy set, stop at
 * the heap's line (or go on to the stack's, with no heap) and give its
 * policy, which is the process's own unless the heap was mbind()-ed
 * (nothing in PostgreSQL or numa_pg does).  With counts set, read every
 * line and add up the pages present: those of the main segment
 * [seg_lo, seg_hi) as shared, those of anonymous private mappings (no
 * file=: heap, stack, malloc's and palloc's mmaps) as private; file
 * mappings (programs, libraries, dynamic shared memory) are not counted.
 * Returns PROC_READ_GONE if the process ended.
 */
static NumaPgProcRead
read_numa_maps(int pid, char *line, NumaPgTaskPolicy *policy,
			   uintptr_t seg_lo, uintptr_t seg_hi,
			   NumaPgNodePages *counts, int *ncounts)
{
	char		path[64];
	FILE	   *f;
	bool		found_policy = false;
	uint64		nlines = 0;

	snprintf(path, sizeof(path), "/proc/%d/numa_maps", pid);
	f = AllocateFile(path, "r");
	if (f == NULL)
	{
		if (process_gone(errno))
			return PROC_READ_GONE;
		proc_read_failed(path, errno);
	}
	if (policy != NULL)
		policy->mode = NUMAPG_TASK_POLICY_UNKNOWN;
	errno = 0;
	while (fgets(line, MAPS_LINE_MAX, f) != NULL)
	{
		NumaPgMapsLine m;
		char		why[NUMAPG_ERRBUF_SIZE];
		size_t		len = strlen(line);

		if ((++nlines & 63) == 0)
			CHECK_FOR_INTERRUPTS();
		if (len == MAPS_LINE_MAX - 1 && line[len - 1] != '\n')
		{
			FreeFile(f);
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a line of \"%s\" is longer than %d bytes", path, MAPS_LINE_MAX - 1),
					 errdetail("It starts \"%.80s\".", line),
					 errhint("Report it to numa_pg's developers.")));
		}
		if (!numapg_parse_numa_maps_line(line, &m, why, sizeof(why)))
		{
			FreeFile(f);
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("could not parse a line of \"%s\": %s", path, why),
					 errdetail("The line is \"%.200s\".", line),
					 errhint("The kernel's format is not the one numa_pg knows: report it to numa_pg's developers.")));
		}
		if (policy != NULL && (m.heap || (m.stack && !found_policy)))
		{
			*policy = m.policy;
			found_policy = true;
			if (m.heap && counts == NULL)
				break;
		}
		if (counts != NULL)
		{
			bool		shared = m.start >= seg_lo && m.start < seg_hi;

			if (!shared && m.has_file)
				continue;
			for (int i = 0; i < m.nnodes; i++)
				if (m.pages[i] > 0)
					count_pages(counts, ncounts, m.nodes[i], shared,
								m.page_size > 0 ? m.page_size : (int64) sysconf(_SC_PAGESIZE),
								m.pages[i]);
		}
		errno = 0;
	}
	if (ferror(f))
	{
		int			saved_errno = errno;

		FreeFile(f);
		if (process_gone(saved_errno))
			return PROC_READ_GONE;
		proc_read_failed(path, saved_errno);
	}
	FreeFile(f);
	return PROC_READ_OK;
}

/*
 * numa_processes(): one row per process of this server: who it is (as
 * pg_stat_activity says), where it runs and may run, its memory policy,
 * and the node numa_pg placed it on.
 */
Datum
numapg_sql_processes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NumaPgTopology *topo = numapg_read_topology();
	NumaPgServerProc *procs;
	int			nprocs;
	char	   *status = palloc(32768);
	char	   *line = palloc(MAPS_LINE_MAX);

	InitMaterializedSRF(fcinfo, 0);
	nprocs = server_processes(&procs);

	for (int i = 0; i < nprocs; i++)
	{
		const NumaPgServerProc *p = &procs[i];
		NumaPgProcStat st;
		NumaPgMask	cpus;
		NumaPgMask	mems;
		NumaPgTaskPolicy policy;
		Datum		values[12] = {0};
		bool		nulls[12] = {0};
		int			node;
		char	   *name;

		CHECK_FOR_INTERRUPTS();
		if (read_proc_stat(p->pid, &st) == PROC_READ_GONE ||
			read_proc_file(p->pid, "status", status, 32768) == PROC_READ_GONE ||
			read_numa_maps(p->pid, line, &policy, 0, 0, NULL, NULL) == PROC_READ_GONE ||
			!still_running(p->pid, &st))
		{
			elog(DEBUG1, "numa_pg: process %d ended while it was read: left out", p->pid);
			continue;
		}

		values[0] = Int32GetDatum(p->pid);
		values[1] = CStringGetTextDatum(p->backend_type);
		name = OidIsValid(p->database) ? get_database_name(p->database) : NULL;
		values[2] = name ? CStringGetTextDatum(name) : (Datum) 0;
		nulls[2] = name == NULL;
		name = OidIsValid(p->role) ? GetUserNameFromId(p->role, true) : NULL;
		values[3] = name ? CStringGetTextDatum(name) : (Datum) 0;
		nulls[3] = name == NULL;
		values[4] = p->application_name ? CStringGetTextDatum(p->application_name) : (Datum) 0;
		nulls[4] = p->application_name == NULL;
		values[5] = Int32GetDatum(st.cpu);
		node = numapg_topology_node_of_cpu(topo, st.cpu);
		values[6] = Int32GetDatum(node);
		nulls[6] = node < 0;
		if (numapg_status_list(status, "Cpus_allowed_list", NUMAPG_LIST_CPUS, &cpus))
			values[7] = numapg_mask_to_int_array(&cpus);
		else
			nulls[7] = true;
		if (numapg_status_list(status, "Mems_allowed_list", NUMAPG_LIST_NODES, &mems))
			values[8] = numapg_mask_to_int_array(&mems);
		else
			nulls[8] = true;
		if (policy.mode != NUMAPG_TASK_POLICY_UNKNOWN)
		{
			values[9] = CStringGetTextDatum(numapg_task_policy_name(policy.mode));
			values[10] = numapg_mask_to_int_array(&policy.nodes);
		}
		else
			nulls[9] = nulls[10] = true;
		values[11] = Int32GetDatum(p->placed_node);
		nulls[11] = p->placed_node < 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(line);
	pfree(status);
	return (Datum) 0;
}

/*
 * numa_process_nodes(): for each process of this server, node and kind
 * (shared: PostgreSQL's main segment; private: its anonymous memory), the
 * pages it maps there.
 */
Datum
numapg_sql_process_nodes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NumaPgServerProc *procs;
	int			nprocs;
	char	   *line = palloc(MAPS_LINE_MAX);
	NumaPgNodePages *counts = palloc(sizeof(NumaPgNodePages) * NODE_PAGES_MAX);
	uintptr_t	seg_lo;
	uintptr_t	seg_hi;

	InitMaterializedSRF(fcinfo, 0);
	main_segment(&seg_lo, &seg_hi);
	nprocs = server_processes(&procs);

	for (int i = 0; i < nprocs; i++)
	{
		int			pid = procs[i].pid;
		NumaPgProcStat st;
		int			ncounts = 0;

		CHECK_FOR_INTERRUPTS();
		if (read_proc_stat(pid, &st) == PROC_READ_GONE ||
			read_numa_maps(pid, line, NULL, seg_lo, seg_hi, counts, &ncounts) == PROC_READ_GONE ||
			!still_running(pid, &st))
		{
			elog(DEBUG1, "numa_pg: process %d ended while it was read: left out", pid);
			continue;
		}
		for (int c = 0; c < ncounts; c++)
		{
			Datum		values[5];
			bool		nulls[5] = {0};

			values[0] = Int32GetDatum(pid);
			values[1] = Int32GetDatum(counts[c].node);
			values[2] = CStringGetTextDatum(counts[c].shared ? "shared" : "private");
			values[3] = Int64GetDatum(counts[c].page_size);
			values[4] = Int64GetDatum(counts[c].pages);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	pfree(counts);
	pfree(line);
	return (Datum) 0;
}
