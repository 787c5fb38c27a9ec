-- test/nopreload/nopreload.sql: CREATE EXTENSION on a server that does not
-- preload numa_pg.  The reporting functions work (numa_buffer_nodes() too);
-- numa_status() says the library is not preloaded, and its parameters are
-- not defined; what needs numa_pg's shared memory (reports of placed memory,
-- the state functions) says it needs preloading.
\set ON_ERROR_STOP true
\ir ../lib/setup.sql
BEGIN;
SELECT plan(16);

SELECT is((SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'), '',
          'numa_pg is not preloaded on this server');
SELECT ok((SELECT count(*) FROM numa_topology()) >= 1, 'numa_topology() works without preloading');
SELECT is(numa_node_of_cpu(0), (SELECT node FROM numa_topology() WHERE 0 = ANY (cpus)),
          'numa_node_of_cpu() works without preloading');
SELECT is((SELECT (preloaded, enabled)::text FROM numa_status()), '(f,f)',
          'numa_status() says numa_pg is neither preloaded nor enabled');
SELECT is((SELECT count(*)::int FROM pg_settings WHERE name LIKE 'numa_pg.%'), 0,
          'no numa_pg parameter is defined');
SELECT is(numa_available(), true, 'numa_available() still answers');
SELECT throws_ok('SELECT * FROM numa_workers()', '55000',
                 'numa_pg must be loaded via "shared_preload_libraries"',
                 'numa_workers() needs the library preloaded, and says so');
SELECT throws_ok('SELECT * FROM numa_regions()', '55000',
                 'numa_pg must be loaded via "shared_preload_libraries"',
                 'numa_regions() needs the library preloaded, and says so');
SELECT throws_ok('SELECT * FROM numa_region_nodes()', '55000',
                 'numa_pg must be loaded via "shared_preload_libraries"',
                 'numa_region_nodes() needs the library preloaded, and says so');

SELECT throws_ok($$SELECT numa_state_put('k', '\x01')$$, '55000',
                 'numa_pg must be loaded via "shared_preload_libraries"',
                 'numa_state_put() needs the library preloaded, and says so');
SELECT throws_ok($$SELECT numa_state_get('k')$$, '55000',
                 'numa_pg must be loaded via "shared_preload_libraries"',
                 'numa_state_get() needs the library preloaded, and says so');
SELECT throws_ok($$SELECT numa_state_delete('k')$$, '55000',
                 'numa_pg must be loaded via "shared_preload_libraries"',
                 'numa_state_delete() needs the library preloaded, and says so');
SELECT throws_ok('SELECT numa_state_flush()', '55000',
                 'numa_pg must be loaded via "shared_preload_libraries"',
                 'numa_state_flush() needs the library preloaded, and says so');
SELECT throws_ok($$SELECT numa_state_worker('k')$$, '55000',
                 'numa_pg must be loaded via "shared_preload_libraries"',
                 'numa_state_worker() needs the library preloaded, and says so');
SELECT throws_ok('SELECT * FROM numa_shmem_allocations()', '55000',
                 'numa_pg must be loaded via "shared_preload_libraries"',
                 'numa_shmem_allocations() needs the library preloaded, and says so');
SELECT is((SELECT sum(buffers) FROM numa_buffer_nodes()), (SELECT setting::float8 FROM pg_settings WHERE name = 'shared_buffers'),
          'numa_buffer_nodes() needs nothing of numa_pg''s shared memory, and works without preloading');

SELECT * FROM finish();
ROLLBACK;
