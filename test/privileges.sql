-- test/privileges.sql: the reports of server internals are for pg_monitor;
-- the topology is for everyone; the state functions for no one but the
-- roles they are granted to.
\set ON_ERROR_STOP true
\ir lib/setup.sql
BEGIN;
SELECT plan(32);

CREATE ROLE numapg_plain LOGIN;
CREATE ROLE numapg_monitor LOGIN IN ROLE pg_monitor;
CREATE ROLE numapg_stats LOGIN IN ROLE pg_read_all_stats;

SET ROLE numapg_plain;
SELECT throws_ok('SELECT * FROM numa_regions()', '42501', 'permission denied for function numa_regions',
                 'a plain user may not read numa_regions()');
SELECT throws_ok('SELECT * FROM numa_region_nodes()', '42501', 'permission denied for function numa_region_nodes',
                 'a plain user may not read numa_region_nodes()');
SELECT throws_ok('SELECT * FROM numa_workers()', '42501', 'permission denied for function numa_workers',
                 'a plain user may not read numa_workers()');
SELECT lives_ok('SELECT * FROM numa_topology()', 'a plain user may read numa_topology()');
SELECT lives_ok('SELECT * FROM numa_status()', 'a plain user may read numa_status()');
SELECT throws_ok('SELECT * FROM numa_shmem_allocations()', '42501', 'permission denied for function numa_shmem_allocations',
                 'a plain user may not read numa_shmem_allocations()');
SELECT throws_ok('SELECT * FROM numa_buffer_nodes()', '42501', 'permission denied for function numa_buffer_nodes',
                 'a plain user may not read numa_buffer_nodes()');
SELECT lives_ok('SELECT * FROM numa_process()', 'a plain user may read numa_process() (its own process)');
SELECT throws_ok('SELECT * FROM numa_processes()', '42501', 'permission denied for function numa_processes',
                 'a plain user may not read numa_processes() (every process, its role and application)');
SELECT throws_ok('SELECT * FROM numa_process_nodes()', '42501', 'permission denied for function numa_process_nodes',
                 'a plain user may not read numa_process_nodes()');
SELECT throws_ok('SELECT * FROM numa_pools()', '42501', 'permission denied for function numa_pools',
                 'a plain user may not read numa_pools()');
SELECT throws_ok($$SELECT numa_state_put('priv', '\x01')$$, '42501', 'permission denied for function numa_state_put',
                 'a plain user may not call numa_state_put()');
SELECT throws_ok($$SELECT numa_state_get('priv')$$, '42501', 'permission denied for function numa_state_get',
                 'a plain user may not call numa_state_get()');
SELECT throws_ok($$SELECT numa_state_delete('priv')$$, '42501', 'permission denied for function numa_state_delete',
                 'a plain user may not call numa_state_delete()');
SELECT throws_ok($$SELECT numa_state_put_many(ARRAY['priv'], ARRAY['\x01'::bytea])$$, '42501',
                 'permission denied for function numa_state_put_many', 'a plain user may not call numa_state_put_many()');
SELECT throws_ok($$SELECT * FROM numa_state_get_many(ARRAY['priv'])$$, '42501',
                 'permission denied for function numa_state_get_many', 'a plain user may not call numa_state_get_many()');
SELECT throws_ok('SELECT numa_state_flush()', '42501', 'permission denied for function numa_state_flush',
                 'a plain user may not call numa_state_flush()');
SELECT throws_ok($$SELECT numa_state_worker('priv')$$, '42501', 'permission denied for function numa_state_worker',
                 'a plain user may not call numa_state_worker()');
RESET ROLE;

-- granted, a role may
GRANT EXECUTE ON FUNCTION numa_state_put(text, bytea), numa_state_get(text) TO numapg_plain;
SET ROLE numapg_plain;
SELECT lives_ok($$SELECT numa_state_put('priv', '\x01')$$, 'granted EXECUTE, a plain user may call numa_state_put()');
SELECT is(numa_state_get('priv'), '\x01'::bytea, '  and numa_state_get()');
RESET ROLE;
SELECT ok(numa_state_delete('priv'), 'the key is removed again');

SET ROLE numapg_stats;
SELECT lives_ok('SELECT * FROM numa_shmem_allocations()', 'pg_read_all_stats may read numa_shmem_allocations()');
SELECT lives_ok('SELECT * FROM numa_buffer_nodes()', 'pg_read_all_stats may read numa_buffer_nodes()');
SELECT ok((SELECT count(*) FROM numa_processes()) > 1, 'pg_read_all_stats may read numa_processes()');
SELECT ok((SELECT count(*) FROM numa_process_nodes()) > 1, 'pg_read_all_stats may read numa_process_nodes()');
RESET ROLE;

-- granted numa_shmem_allocations() without pg_read_all_stats, a role is
-- told what it lacks: errcode, message, detail and hint; no internal query
CREATE FUNCTION numapg_error_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	state text; msg text; detail text; hint text; context text;
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
		detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT, context = PG_EXCEPTION_CONTEXT;
	RETURN state || ': ' || msg || E'\nDETAIL: ' || detail || E'\nHINT: ' || hint ||
		CASE WHEN context LIKE '%pg_get_shmem_allocations%' THEN E'\nCONTEXT: ' || context ELSE '' END;
END $$;
GRANT EXECUTE ON FUNCTION numa_shmem_allocations() TO numapg_plain;
SET ROLE numapg_plain;
SELECT is(numapg_error_of('SELECT * FROM numa_shmem_allocations()'),
          E'42501: permission denied to read PostgreSQL''s shared memory allocations\n'
          'DETAIL: numa_shmem_allocations() reads pg_get_shmem_allocations(), which role "numapg_plain" may not execute.\n'
          'HINT: Grant the role pg_read_all_stats (which may execute it), or EXECUTE on function pg_get_shmem_allocations().',
          'granted numa_shmem_allocations() without pg_read_all_stats, a role is told what it needs, with no internal query');
RESET ROLE;
GRANT EXECUTE ON FUNCTION pg_get_shmem_allocations() TO numapg_plain;
SET ROLE numapg_plain;
SELECT lives_ok('SELECT * FROM numa_shmem_allocations()',
                '  granted EXECUTE on pg_get_shmem_allocations() as well, it may read numa_shmem_allocations()');
SELECT throws_ok('SELECT * FROM numa_buffer_nodes()', '42501', 'permission denied for function numa_buffer_nodes',
                 '  (which grants nothing else)');
RESET ROLE;

SET ROLE numapg_monitor;
SELECT lives_ok('SELECT * FROM numa_regions()', 'pg_monitor may read numa_regions()');
SELECT lives_ok('SELECT * FROM numa_region_nodes()', 'pg_monitor may read numa_region_nodes()');
SELECT lives_ok('SELECT * FROM numa_workers()', 'pg_monitor may read numa_workers()');
SELECT lives_ok('SELECT * FROM numa_pools()', 'pg_monitor may read numa_pools()');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
