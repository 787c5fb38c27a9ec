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
