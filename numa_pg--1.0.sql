/* numa_pg--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION numa_pg" to load this file. \quit

-- Topology and status: what sysfs shows is readable by every user on the
-- machine, so these are left to PUBLIC.

CREATE FUNCTION numa_available()
RETURNS boolean
AS 'MODULE_PATHNAME', 'numapg_sql_available'
LANGUAGE C VOLATILE PARALLEL SAFE;

COMMENT ON FUNCTION numa_available() IS
'Can this server place memory on NUMA nodes (libnuma works and its system calls are permitted)?';

CREATE FUNCTION numa_status(
	OUT available boolean,
	OUT mode text,
	OUT reason text,
	OUT node_count integer,
	OUT memory_node_count integer,
	OUT cpu_count integer,
	OUT preloaded boolean,
	OUT enabled boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'numapg_sql_status'
LANGUAGE C VOLATILE PARALLEL SAFE;

COMMENT ON FUNCTION numa_status() IS
'What numa_pg can do on this server (numa, single_node, unavailable, disabled) and why';

CREATE FUNCTION numa_topology(
	OUT node integer,
	OUT cpus integer[],
	OUT cpu_count integer,
	OUT has_memory boolean,
	OUT memory_total bigint,
	OUT memory_free bigint,
	OUT hugepages_2mb_total bigint,
	OUT hugepages_2mb_free bigint,
	OUT hugepages_1gb_total bigint,
	OUT hugepages_1gb_free bigint,
	OUT distances integer[],
	OUT cpus_allowed integer[],
	OUT memory_allowed boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_topology'
LANGUAGE C VOLATILE PARALLEL SAFE ROWS 4;

COMMENT ON FUNCTION numa_topology() IS
'One row per NUMA node: CPUs, memory, huge pages, distances, and what this server may use';

CREATE FUNCTION numa_node_of_cpu(cpu integer)
RETURNS integer
AS 'MODULE_PATHNAME', 'numapg_sql_node_of_cpu'
LANGUAGE C VOLATILE PARALLEL SAFE;

COMMENT ON FUNCTION numa_node_of_cpu(integer) IS
'The NUMA node a CPU belongs to';

CREATE FUNCTION numa_distance(node_a integer, node_b integer)
RETURNS integer
AS 'MODULE_PATHNAME', 'numapg_sql_distance'
LANGUAGE C VOLATILE PARALLEL SAFE;

COMMENT ON FUNCTION numa_distance(integer, integer) IS
'Distance between two NUMA nodes as the firmware reports it (10 = local)';

-- The worker pool and where its memory is.  These show server internals
-- and cost a system call per 1024 pages: pg_monitor only, as PostgreSQL
-- 18's NUMA views.

CREATE FUNCTION numa_workers(
	OUT worker integer,
	OUT pid integer,
	OUT cpu integer,
	OUT node integer,
	OUT memory_node integer,
	OUT running boolean,
	OUT pinned boolean,
	OUT last_cpu integer,
	OUT affinity integer[],
	OUT starts integer,
	OUT state_entries bigint,
	OUT state_bytes bigint,
	OUT state_capacity bigint,
	OUT wal_staged_bytes bigint,
	OUT wal_flushed_records bigint,
	OUT wal_flushed_bytes bigint,
	OUT wal_flushes bigint,
	OUT wal_flush_lsn pg_lsn,
	OUT queue_depths integer[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_workers'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_workers() IS
'One row per numa_pg worker: its CPU and node, whether it runs and is pinned there';

CREATE FUNCTION numa_regions(
	OUT name text,
	OUT kind text,
	OUT worker integer,
	OUT producer_node integer,
	OUT policy text,
	OUT target_node integer,
	OUT size bigint,
	OUT page_size bigint,
	OUT pages bigint,
	OUT pages_on_target bigint,
	OUT pages_elsewhere bigint,
	OUT pages_not_faulted bigint,
	OUT bind_error text,
	OUT query_error text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_regions'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_regions() IS
'One row per numa_pg memory region: where it was asked to be, and where the kernel says its pages are';

CREATE FUNCTION numa_region_nodes(
	OUT name text,
	OUT node integer,
	OUT pages bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_region_nodes'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_region_nodes() IS
'Pages of each numa_pg region per NUMA node, from the kernel (node NULL: not faulted in)';

CREATE FUNCTION numa_pools(
	OUT node integer,
	OUT kind text,
	OUT region text,
	OUT size bigint,
	OUT used bigint,
	OUT free bigint,
	OUT largest_free bigint,
	OUT allocs bigint,
	OUT frees bigint,
	OUT failed_allocs bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_pools'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_pools() IS
'One row per pool of the NUMA allocator: its node (NULL: interleaved), size, use and counts';

REVOKE ALL ON FUNCTION numa_pools() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION numa_pools() TO pg_monitor;
REVOKE ALL ON FUNCTION numa_workers() FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_regions() FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_region_nodes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION numa_workers() TO pg_monitor;
GRANT EXECUTE ON FUNCTION numa_regions() TO pg_monitor;
GRANT EXECUTE ON FUNCTION numa_region_nodes() TO pg_monitor;

-- The state stores, through the workers.  These cost a round trip to a
-- worker and change data: not for PUBLIC; grant them to the roles that
-- need them (see README).

CREATE FUNCTION numa_state_put(key text, value bytea)
RETURNS void
AS 'MODULE_PATHNAME', 'numapg_sql_state_put'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_state_put(text, bytea) IS
'Store value under key, in the state store of the worker that owns the key';

CREATE FUNCTION numa_state_get(key text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'numapg_sql_state_get'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_state_get(text) IS
'The value stored under key, or NULL';

CREATE FUNCTION numa_state_delete(key text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'numapg_sql_state_delete'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_state_delete(text) IS
'Remove key; true if it was there';

CREATE FUNCTION numa_state_flush()
RETURNS pg_lsn
AS 'MODULE_PATHNAME', 'numapg_sql_state_flush'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_state_flush() IS
'Make every worker write its staged changes to WAL now; returns the highest WAL position flushed';

CREATE FUNCTION numa_state_worker(key text)
RETURNS integer
AS 'MODULE_PATHNAME', 'numapg_sql_state_worker'
LANGUAGE C VOLATILE PARALLEL SAFE;

COMMENT ON FUNCTION numa_state_worker(text) IS
'The worker that owns key';

REVOKE ALL ON FUNCTION numa_state_put(text, bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_state_get(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_state_delete(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_state_flush() FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_state_worker(text) FROM PUBLIC;

-- PostgreSQL's own shared memory.  Like PostgreSQL 18's NUMA views: for
-- pg_read_all_stats.  Unlike them, they fault no page in to answer.

CREATE FUNCTION numa_shmem_allocations(
	OUT name text,
	OUT node integer,
	OUT size bigint,
	OUT pages bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_shmem_allocations'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_shmem_allocations() IS
'Bytes of each shared memory allocation per NUMA node, from the kernel (node NULL: not faulted in)';

CREATE FUNCTION numa_buffer_nodes(
	OUT node integer,
	OUT buffers bigint,
	OUT used_buffers bigint,
	OUT dirty_buffers bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_buffer_nodes'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_buffer_nodes() IS
'Shared buffers per NUMA node: all, holding a page, dirty (node NULL: memory not faulted in)';

CREATE FUNCTION numa_process(
	OUT pid integer,
	OUT cpu integer,
	OUT node integer,
	OUT cpus_allowed integer[],
	OUT nodes_allowed integer[],
	OUT memory_policy text,
	OUT policy_nodes integer[])
RETURNS record
AS 'MODULE_PATHNAME', 'numapg_sql_process'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_process() IS
'The calling backend: the CPU and node it runs on, what it may use, its memory policy';

REVOKE ALL ON FUNCTION numa_shmem_allocations() FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_buffer_nodes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION numa_shmem_allocations() TO pg_read_all_stats;
GRANT EXECUTE ON FUNCTION numa_buffer_nodes() TO pg_read_all_stats;
