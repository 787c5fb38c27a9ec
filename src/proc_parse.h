/*-------------------------------------------------------------------------
 *
 * proc_parse.h
 *		Parse the lines of /proc/PID/numa_maps and /proc/PID/stat.
 *
 * numa_processes() and numa_process_nodes() read these files of every
 * PostgreSQL process; the parsing lives here, apart from the reading, so
 * that the C unit tests replay fixture files (test/fixtures/proc/) of
 * mappings this machine does not have: huge pages, several nodes, policies
 * of every kind, truncated lines and garbage.  (/proc/PID/status lists are
 * parsed by numapg_status_list() of topology.h.)  Pure C: no PostgreSQL
 * header.
 *
 * IDENTIFICATION
 *	  src/proc_parse.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef NUMAPG_PROC_PARSE_H
#define NUMAPG_PROC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topology.h"

/* Most N<node>= fields one numa_maps line may hold (online nodes). */
#define NUMAPG_MAPS_MAX_NODES	NUMAPG_TOPO_MAX_NODES

/*
 * One line of /proc/PID/numa_maps: one mapping (VMA) of the process, and
 * how many of its pages are present on each node.  The kernel counts the
 * pages this process's page tables map, walking them: it faults nothing
 * in.  The counts are in pages of page_size.
 */
typedef struct NumaPgMapsLine
{
	uint64_t	start;			/* the mapping's first address */
	NumaPgTaskPolicy policy;	/* its policy: its own (mbind), or else the
								 * task's (set_mempolicy) */
	bool		has_file;		/* file=: a file, or memory the kernel
								 * backs with one (MAP_SHARED anonymous
								 * memory, SysV, hugetlbfs) */
	bool		heap;			/* the process's initial heap (brk) */
	bool		stack;			/* the main thread's stack */
	bool		huge;			/* hugetlbfs pages */
	int64_t		page_size;		/* bytes, from kernelpagesize_kB; 0 if the
								 * line has no such field */
	int			nnodes;			/* N<node>= fields, in the line's order */
	int			nodes[NUMAPG_MAPS_MAX_NODES];
	int64_t		pages[NUMAPG_MAPS_MAX_NODES];
} NumaPgMapsLine;

/* What numa_processes() takes from /proc/PID/stat. */
typedef struct NumaPgProcStat
{
	char		state;			/* R, S, D, Z, X... */
	int			ppid;
	uint64_t	start_time;		/* clock ticks after boot: with the pid, it
								 * names one process */
	int			cpu;			/* the CPU it last ran on (field 39) */
} NumaPgProcStat;

extern bool numapg_parse_maps_policy(const char *text, size_t len,
									 NumaPgTaskPolicy *policy);
extern bool numapg_parse_numa_maps_line(const char *line, NumaPgMapsLine *out,
										char *errbuf, size_t errlen);
extern bool numapg_parse_proc_stat(const char *text, NumaPgProcStat *out);

#endif							/* NUMAPG_PROC_PARSE_H */
