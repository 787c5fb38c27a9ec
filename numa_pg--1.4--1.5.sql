/* numa_pg--1.4--1.5.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION numa_pg UPDATE TO '1.5'" to load this file. \quit

-- Version 1.5: the hot-path benchmarks of numa_pg's own internals leave
-- numa_pg for the extension numa_pg_bench (bench/numa_pg_bench), which
-- declares them again, without the target columns; numa_memory_latency()
-- stays, a DBA's diagnostic.  The functions go first, then their type.
-- No CASCADE: if a view or function of the user's depends on them, the
-- update stops and says which, rather than drop it.

DROP FUNCTION numa_bench_state(integer, integer, integer);
DROP FUNCTION numa_bench_wal(integer, integer);
DROP FUNCTION numa_bench_queue(integer, integer, integer);
DROP TYPE numa_bench_result;
