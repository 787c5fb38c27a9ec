/* numa_pg--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION numa_pg UPDATE TO '1.1'" to load this file. \quit

-- Version 1.1 adds the benchmarks.  A fresh CREATE EXTENSION runs
-- numa_pg--1.0.sql and then this script, so an updated database and a new
-- one have the same objects (test/upgrade checks it).
--
-- They cost CPU time and memory and pin the calling backend for a while, so
-- they are for superusers only: EXECUTE is revoked from PUBLIC and each one
-- also checks superuser() itself.

-- Memory latency and bandwidth matrix (src/membench*).
CREATE FUNCTION numa_memory_latency(
	size_mb integer DEFAULT 256,
	duration_ms integer DEFAULT 500,
	OUT cpu_node integer,
	OUT cpu integer,
	OUT memory_node integer,
	OUT distance integer,
	OUT latency_ns double precision,
	OUT bandwidth_mb_s double precision,
	OUT latency_ratio double precision,
	OUT bandwidth_ratio double precision,
	OUT pages_on_node double precision,
	OUT bound boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_memory_latency'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 4;

COMMENT ON FUNCTION numa_memory_latency(integer, integer) IS
'Memory latency (random pointer chase) and read bandwidth from each CPU node to each memory node, as Intel MLC reports them';

REVOKE ALL ON FUNCTION numa_memory_latency(integer, integer) FROM PUBLIC;

-- Hot paths against PostgreSQL's own equivalents (src/bench_*).
--
-- Each measures one of numa_pg's hot paths side by side, in the same run,
-- with PostgreSQL's own equivalent, and returns rows of the same shape, so
-- that a runner can UNION ALL them:
--   benchmark          state_lookup, state_update, wal_append, queue
--   implementation     numa_pg's (state_store, wal_staging, spsc_ring) or
--                      PostgreSQL's (dynahash, log_logical_message, shm_mq)
--   placement          local: memory on the node of the CPU the backend is
--                      pinned to (queue: the consumer on that node too);
--                      remote: memory (queue: the consumer) on another node
--   cpu, peer_cpu      the backend's CPU; the queue consumer's CPU
--   memory_node        the node the memory was bound to (NULL: not bound)
--   ops, ns_per_op, ops_per_s
--   ratio_vs_postgres  PostgreSQL's ns_per_op / this row's (1 on its rows)
--   target, target_met the ratio the issue asks for, and whether it was met
--   lost, duplicated   queue messages lost (or torn) and duplicated
--   note               caveats, and by how much a missed target was missed

-- One row of a hot-path benchmark: every function returns these columns,
-- so that a runner can UNION ALL them.
CREATE TYPE numa_bench_result AS (
	benchmark text,
	implementation text,
	placement text,
	cpu integer,
	peer_cpu integer,
	memory_node integer,
	ops bigint,
	ns_per_op double precision,
	ops_per_s double precision,
	ratio_vs_postgres double precision,
	target double precision,
	target_met boolean,
	lost bigint,
	duplicated bigint,
	note text);

CREATE FUNCTION numa_bench_state(
	entries integer,
	operations integer,
	memory_node integer DEFAULT NULL)
RETURNS SETOF numa_bench_result
AS 'MODULE_PATHNAME', 'numapg_sql_bench_state'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 8;

COMMENT ON FUNCTION numa_bench_state(integer, integer, integer) IS
'State store lookups and updates against a shared dynahash table under its partition lock';

CREATE FUNCTION numa_bench_wal(
	records integer,
	record_size integer DEFAULT 64)
RETURNS SETOF numa_bench_result
AS 'MODULE_PATHNAME', 'numapg_sql_bench_wal'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 4;

COMMENT ON FUNCTION numa_bench_wal(integer, integer) IS
'WAL staging with batched logical messages against one LogLogicalMessage per record (writes WAL)';

CREATE FUNCTION numa_bench_queue(
	messages integer,
	message_size integer DEFAULT 8,
	consumer_cpu integer DEFAULT NULL)
RETURNS SETOF numa_bench_result
AS 'MODULE_PATHNAME', 'numapg_sql_bench_queue'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 4;

COMMENT ON FUNCTION numa_bench_queue(integer, integer, integer) IS
'SPSC ring against shm_mq between the backend and a pinned background worker';

REVOKE ALL ON FUNCTION numa_bench_state(integer, integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_bench_wal(integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_bench_queue(integer, integer, integer) FROM PUBLIC;
