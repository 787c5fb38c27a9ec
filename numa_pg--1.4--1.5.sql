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
