/* numa_pg--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION numa_pg UPDATE TO '1.2'" to load this file. \quit

-- Version 1.2 changes numa_buffer_nodes(): it gains a pages column (the OS
-- pages of shared buffers on each node), and a buffer now counts on each
-- node in proportion to its bytes there, instead of wholly on the node of
-- its first page (which put every buffer on one node under interleave, as
-- an 8 kB buffer spans two 4 kB pages).  The counts become fractional, so
-- the function is dropped and created again, with its comment and
-- privileges.  A fresh CREATE EXTENSION runs 1.0, 1.0--1.1 and this script
-- (test/upgrade checks both ways give the same objects).

DROP FUNCTION numa_buffer_nodes();

CREATE FUNCTION numa_buffer_nodes(
	OUT node integer,
	OUT pages bigint,
	OUT buffers double precision,
	OUT used_buffers double precision,
	OUT dirty_buffers double precision)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_buffer_nodes'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_buffer_nodes() IS
'Shared buffers per NUMA node: OS pages, and buffers (all, holding a page, dirty) counted by their bytes on the node (node NULL: memory not faulted in)';

REVOKE ALL ON FUNCTION numa_buffer_nodes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION numa_buffer_nodes() TO pg_read_all_stats;
