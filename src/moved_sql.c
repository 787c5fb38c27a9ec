/*-------------------------------------------------------------------------
 *
 * moved_sql.c
 *		The SQL entry points of numa_pg 1.1 to 1.4's benchmarks, which moved
 *		to the extension numa_pg_bench in 1.5: each says so.
 *
 * numa_pg 1.1 to 1.4 declare numa_bench_state(), numa_bench_wal() and
 * numa_bench_queue() in numa_pg.so.  Their scripts still run (CREATE
 * EXTENSION numa_pg VERSION '1.4', the way to 1.5 from 1.0, a restore of a
 * database at 1.4), and CREATE FUNCTION checks that each C symbol exists,
 * so the symbols stay, as PostgreSQL's contrib modules keep those of
 * functions their later versions dropped.  Called from a database not yet
 * updated, each raises an error with what to do.  The benchmarks
 * themselves are in bench/numa_pg_bench.
 *
 * IDENTIFICATION
 *	  src/moved_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "compat.h"

PG_FUNCTION_INFO_V1(numapg_sql_bench_state);
PG_FUNCTION_INFO_V1(numapg_sql_bench_wal);
PG_FUNCTION_INFO_V1(numapg_sql_bench_queue);

/* The error of a benchmark called through numa_pg 1.4's declaration. */
static void
moved_to_numa_pg_bench(const char *function)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s moved to the extension numa_pg_bench", function),
			 errdetail("This database still has numa_pg 1.4's declaration of it, or an earlier one; numa_pg %s no longer ships the benchmarks.",
					   NUMAPG_VERSION),
			 errhint("Run ALTER EXTENSION numa_pg UPDATE, then CREATE EXTENSION numa_pg_bench.")));
}

/* numa_bench_state(entries int, operations int, memory_node int) of 1.1-1.4 */
Datum
numapg_sql_bench_state(PG_FUNCTION_ARGS)
{
	moved_to_numa_pg_bench("numa_bench_state()");
	PG_RETURN_VOID();
}

/* numa_bench_wal(records int, record_size int) of 1.1-1.4 */
Datum
numapg_sql_bench_wal(PG_FUNCTION_ARGS)
{
	moved_to_numa_pg_bench("numa_bench_wal()");
	PG_RETURN_VOID();
}

/* numa_bench_queue(messages int, message_size int, consumer_cpu int) of 1.1-1.4 */
Datum
numapg_sql_bench_queue(PG_FUNCTION_ARGS)
{
	moved_to_numa_pg_bench("numa_bench_queue()");
	PG_RETURN_VOID();
}
