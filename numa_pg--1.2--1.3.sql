/* numa_pg--1.2--1.3.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION numa_pg UPDATE TO '1.3'" to load this file. \quit

-- Version 1.3: numa_status() gains memory_policy and memory_policy_nodes,
-- the memory policy the server was started under (numactl --membind,
-- --interleave, --preferred).  New columns change the function's result
-- type, so it is dropped and created again, with its comment.

DROP FUNCTION numa_status();

CREATE FUNCTION numa_status(
	OUT available boolean,
	OUT mode text,
	OUT reason text,
	OUT node_count integer,
	OUT memory_node_count integer,
	OUT cpu_count integer,
	OUT preloaded boolean,
	OUT enabled boolean,
	OUT memory_policy text,
	OUT memory_policy_nodes integer[])
RETURNS record
AS 'MODULE_PATHNAME', 'numapg_sql_status'
LANGUAGE C VOLATILE PARALLEL SAFE;

COMMENT ON FUNCTION numa_status() IS
'What numa_pg can do on this server (numa, single_node, unavailable, disabled) and why, and the memory policy the server was started under';
