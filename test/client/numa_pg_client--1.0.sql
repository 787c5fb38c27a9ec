/* numa_pg_client--1.0.sql */

\echo Use "CREATE EXTENSION numa_pg_client" to load this file. \quit

CREATE FUNCTION numa_pg_client_alloc(kind text, node integer, size integer, count integer,
	OUT block integer, OUT pool_node integer, OUT usable bigint, OUT page_node integer,
	OUT aligned boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numa_pg_client_alloc'
LANGUAGE C STRICT;

CREATE FUNCTION numa_pg_client_exhaust(node integer, size integer)
RETURNS integer
AS 'MODULE_PATHNAME', 'numa_pg_client_exhaust'
LANGUAGE C STRICT;

CREATE FUNCTION numa_pg_client_free_foreign()
RETURNS void
AS 'MODULE_PATHNAME', 'numa_pg_client_free_foreign'
LANGUAGE C STRICT;

CREATE FUNCTION numa_pg_client_double_free()
RETURNS void
AS 'MODULE_PATHNAME', 'numa_pg_client_double_free'
LANGUAGE C STRICT;

CREATE FUNCTION numa_pg_client_libnuma_warning(nodes text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'numa_pg_client_libnuma_warning'
LANGUAGE C STRICT;

CREATE FUNCTION numa_pg_client_resident(first_buffer integer, buffers integer,
	OUT pages bigint, OUT resident bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'numa_pg_client_resident'
LANGUAGE C STRICT;

-- numa_pg's state stores through its C API (numa_pg.h)
CREATE FUNCTION numa_pg_client_state_put(key bytea, value bytea)
RETURNS text
AS 'MODULE_PATHNAME', 'numa_pg_client_state_put'
LANGUAGE C STRICT;

CREATE FUNCTION numa_pg_client_state_get(key bytea, valsize integer,
	OUT status text, OUT value bytea, OUT vallen integer)
RETURNS record
AS 'MODULE_PATHNAME', 'numa_pg_client_state_get'
LANGUAGE C STRICT;

CREATE FUNCTION numa_pg_client_state_delete(key bytea)
RETURNS text
AS 'MODULE_PATHNAME', 'numa_pg_client_state_delete'
LANGUAGE C STRICT;

CREATE FUNCTION numa_pg_client_state_bench(entries integer, gets integer,
	OUT get_ns float8, OUT put_ns float8)
RETURNS record
AS 'MODULE_PATHNAME', 'numa_pg_client_state_bench'
LANGUAGE C STRICT;

-- a C function with numa_state_get()'s signature that does nothing: what
-- calling an extension's function costs, for bench/run.sh
CREATE FUNCTION numa_pg_client_noop(key text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'numa_pg_client_noop'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

-- the same for numa_state_put() and numa_state_delete(): their signatures,
-- declared as they are, doing nothing (a put stores nothing, a delete
-- returns whether its key is not empty)
CREATE FUNCTION numa_pg_client_noop_put(key text, value bytea)
RETURNS void
AS 'MODULE_PATHNAME', 'numa_pg_client_noop_put'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION numa_pg_client_noop_delete(key text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'numa_pg_client_noop_delete'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
