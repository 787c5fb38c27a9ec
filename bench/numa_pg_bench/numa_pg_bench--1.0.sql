/* numa_pg_bench--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION numa_pg_bench" to load this file. \quit

-- numa_pg up to 1.4 declared these functions and their type itself: it
-- must be updated first (ALTER EXTENSION numa_pg UPDATE drops them), or the
-- names below would clash.
DO $$
DECLARE
	v text := (SELECT extversion FROM pg_extension WHERE extname = 'numa_pg');
BEGIN
	IF v IN ('1.0', '1.1', '1.2', '1.3', '1.4') THEN
		RAISE EXCEPTION 'numa_pg_bench needs numa_pg 1.5 or later'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('numa_pg %s is installed, which still declares the benchmarks itself.', v),
				  HINT = 'Run ALTER EXTENSION numa_pg UPDATE first.';
	END IF;
END
$$;

-- Hot paths against PostgreSQL's own equivalents.
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
--   lost, duplicated   queue messages lost (or torn) and duplicated
--   note               caveats
-- What a ratio should be is the runner's to say (bench/run.sh holds the
-- targets), not the function's.

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
	lost bigint,
	duplicated bigint,
	note text);

CREATE FUNCTION numa_bench_state(
	entries integer,
	operations integer,
	memory_node integer DEFAULT NULL)
RETURNS SETOF numa_bench_result
AS 'MODULE_PATHNAME', 'numapg_bench_sql_state'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 8;

COMMENT ON FUNCTION numa_bench_state(integer, integer, integer) IS
'State store lookups and updates against a shared dynahash table under its partition lock';

CREATE FUNCTION numa_bench_wal(
	records integer,
	record_size integer DEFAULT 64)
RETURNS SETOF numa_bench_result
AS 'MODULE_PATHNAME', 'numapg_bench_sql_wal'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 4;

COMMENT ON FUNCTION numa_bench_wal(integer, integer) IS
'WAL staging with batched logical messages against one LogLogicalMessage per record (writes WAL)';

CREATE FUNCTION numa_bench_queue(
	messages integer,
	message_size integer DEFAULT 8,
	consumer_cpu integer DEFAULT NULL)
RETURNS SETOF numa_bench_result
AS 'MODULE_PATHNAME', 'numapg_bench_sql_queue'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 4;

COMMENT ON FUNCTION numa_bench_queue(integer, integer, integer) IS
'SPSC ring against shm_mq between the backend and a pinned background worker';

-- They pin the backend, take memory and CPU time, and one writes WAL: for
-- superusers (each also checks superuser() itself).
REVOKE ALL ON FUNCTION numa_bench_state(integer, integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_bench_wal(integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_bench_queue(integer, integer, integer) FROM PUBLIC;
