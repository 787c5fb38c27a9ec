/*-------------------------------------------------------------------------
 *
 * numa_pg_bench.c
 *		numa_pg_bench: numa_pg's hot paths against PostgreSQL's own
 *		equivalents, an extension apart from numa_pg.
 *
 * The benchmarks are numa_bench_state() (bench_state.c), numa_bench_wal()
 * (bench_wal.c) and numa_bench_queue() (bench_queue.c), with what they
 * share in bench_common.c.  The numa_pg code they measure is compiled into
 * this library from numa_pg's src/ (see the Makefile for which and why).
 * Nothing happens at load: there is no _PG_init.
 *
 * IDENTIFICATION
 *	  bench/numa_pg_bench/numa_pg_bench.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

NUMAPG_MODULE_MAGIC_OF("numa_pg_bench", "1.0");
