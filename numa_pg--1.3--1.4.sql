/* numa_pg--1.3--1.4.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION numa_pg UPDATE TO '1.4'" to load this file. \quit

-- Version 1.4: batch calls of the state stores, one call for many keys.
-- Like the single-key calls, they change data: not for PUBLIC.  They are
-- named *_many rather than overloading numa_state_get/put: with an
-- overloaded numa_state_put(text[], bytea[]), the call
-- numa_state_put('k', '\x01') of two untyped literals would no longer
-- resolve ("function is not unique").

CREATE FUNCTION numa_state_get_many(keys text[], OUT key text, OUT value bytea)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'numapg_sql_state_get_many'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;

COMMENT ON FUNCTION numa_state_get_many(text[]) IS
'The value stored under each key, in the order of keys; NULL for a key that is absent';

CREATE FUNCTION numa_state_put_many(keys text[], "values" bytea[])
RETURNS void
AS 'MODULE_PATHNAME', 'numapg_sql_state_put_many'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION numa_state_put_many(text[], bytea[]) IS
'Store values[i] under keys[i] for every i, all or nothing; a key given twice takes its last value';

REVOKE ALL ON FUNCTION numa_state_get_many(text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION numa_state_put_many(text[], bytea[]) FROM PUBLIC;
