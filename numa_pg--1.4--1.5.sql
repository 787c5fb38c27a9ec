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

-- Version 1.5 also shows PostgreSQL's own processes on NUMA nodes.  They
-- show every process of the server, its role, database and application,
-- as pg_stat_activity does to pg_read_all_stats: for that role only.

CREATE FUNCTION numa_processes(
	OUT pid integer,
	OUT backend_type text,
	OUT datname text,
	OUT usename text,
	OUT application_name text,
	OUT cpu integer,
	OUT node integer,
	OUT cpus_allowed integer[],
	OUT nodes_allowed integer[],
	OUT memory_policy text,
	OUT policy_nodes integer[],
	OUT placed_node integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_processes'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_processes() IS
'Every process of this server: who it is, the CPU and node it runs on, what it may use, its memory policy, the node numa_pg placed it on';

CREATE FUNCTION numa_process_nodes(
	OUT pid integer,
	OUT node integer,
	OUT kind text,
	OUT page_size bigint,
	OUT pages bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_process_nodes'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_process_nodes() IS
'Pages each process of this server maps on each node: of the main shared memory segment (shared), of its own anonymous memory (private)';

REVOKE ALL ON FUNCTION numa_processes() FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_process_nodes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION numa_processes() TO pg_read_all_stats;
GRANT EXECUTE ON FUNCTION numa_process_nodes() TO pg_read_all_stats;

-- Version 1.5 also places client backends on nodes (numa_pg.backend_placement)
-- and shows how many it placed on each.
CREATE FUNCTION numa_backend_nodes(
	OUT node integer,
	OUT cpus text,
	OUT memory_node integer,
	OUT placed_backends integer,
	OUT parallel_workers integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_backend_nodes'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_backend_nodes() IS
'Per NUMA node: the CPUs and memory node of backends placed there (numa_pg.backend_placement), and how many are now';

REVOKE ALL ON FUNCTION numa_backend_nodes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION numa_backend_nodes() TO pg_monitor;

-- Also in 1.5: the kernel's NUMA counters, and a health check of the
-- machine and the server.  They expose the machine's and the server's
-- internals: for pg_monitor.

-- Per node, the six counters of nodeN/numastat (a fixed set since 2.6:
-- columns, as numastat prints them); machine-wide, the NUMA counters of
-- /proc/vmstat, whose set differs from one kernel to the next (rows).
CREATE FUNCTION numa_node_stats(
	OUT node integer,
	OUT numa_hit bigint,
	OUT numa_miss bigint,
	OUT numa_foreign bigint,
	OUT interleave_hit bigint,
	OUT local_node bigint,
	OUT other_node bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_node_stats'
LANGUAGE C VOLATILE PARALLEL SAFE ROWS 8;

COMMENT ON FUNCTION numa_node_stats() IS
'Per NUMA node, the kernel''s allocation counters in pages, as numastat prints them';

CREATE FUNCTION numa_vmstat(
	OUT counter text,
	OUT value bigint,
	OUT unit text,
	OUT description text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_vmstat'
LANGUAGE C VOLATILE PARALLEL SAFE ROWS 30;

COMMENT ON FUNCTION numa_vmstat() IS
'The NUMA counters of /proc/vmstat: allocation, automatic NUMA balancing, migration, demotion, zone reclaim';

CREATE FUNCTION numa_check(
	OUT name text,
	OUT status text,
	OUT found text,
	OUT why text,
	OUT action text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_check'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 11;

COMMENT ON FUNCTION numa_check() IS
'NUMA health checks of the machine and the server: one row per check, ok, warning, problem or skipped, with what to do';

REVOKE ALL ON FUNCTION numa_node_stats() FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_vmstat() FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_check() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION numa_node_stats() TO pg_monitor;
GRANT EXECUTE ON FUNCTION numa_vmstat() TO pg_monitor;
GRANT EXECUTE ON FUNCTION numa_check() TO pg_monitor;

-- Also in 1.5: estimates of numa_shmem_allocations() and
-- numa_buffer_nodes() from a stratified random sample of the pages (one
-- in each run of sample_every), each row with its error bound.  Separate
-- functions rather than an argument of the exact ones: their rows have
-- three more columns (pages_sampled, error_bytes, confidence), which
-- would change what SELECT * of the exact reports returns, and an
-- overload numa_buffer_nodes(integer DEFAULT 1) beside
-- numa_buffer_nodes() would make the call numa_buffer_nodes() ambiguous.
-- Not STRICT: a NULL sample_every is an error, not an empty report.

CREATE FUNCTION numa_shmem_allocations_estimate(
	sample_every integer DEFAULT 64,
	OUT name text,
	OUT node integer,
	OUT size bigint,
	OUT pages bigint,
	OUT pages_sampled bigint,
	OUT error_bytes bigint,
	OUT confidence double precision)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_shmem_allocations_estimate'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_shmem_allocations_estimate(integer) IS
'numa_shmem_allocations() estimated from one page in sample_every, at random in each run of that many: |size - exact| <= error_bytes with probability confidence';

CREATE FUNCTION numa_buffer_nodes_estimate(
	sample_every integer DEFAULT 64,
	OUT node integer,
	OUT pages bigint,
	OUT buffers double precision,
	OUT used_buffers double precision,
	OUT dirty_buffers double precision,
	OUT pages_sampled bigint,
	OUT error_bytes bigint,
	OUT confidence double precision)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_buffer_nodes_estimate'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_buffer_nodes_estimate(integer) IS
'numa_buffer_nodes() estimated from one page in sample_every, at random in each run of that many: pages and buffers off by at most error_bytes with probability confidence';

REVOKE ALL ON FUNCTION numa_shmem_allocations_estimate(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_buffer_nodes_estimate(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION numa_shmem_allocations_estimate(integer) TO pg_read_all_stats;
GRANT EXECUTE ON FUNCTION numa_buffer_nodes_estimate(integer) TO pg_read_all_stats;
