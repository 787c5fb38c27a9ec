-- test/degraded/enosys.sql: the server runs with the NUMA system calls
-- failing with ENOSYS, as on a kernel without them: numa_available() in
-- libnuma is -1.  numa_pg loads, reports and says why it cannot place.
\set ON_ERROR_STOP true
\ir ../lib/setup.sql
BEGIN;
SELECT plan(10);

SELECT is(numa_available(), false, 'NUMA is not available');

-- PostgreSQL's own answer: pg_temp.pg_numa_available(), NULL where it has none
\ir ../lib/pg_numa_available.sql
SELECT CASE WHEN pg_temp.pg_numa_available() IS NULL
            THEN skip('PostgreSQL ' || current_setting('server_version') || ' has no pg_numa_available() with libnuma (18 and later, built --with-libnuma)')
            ELSE is(pg_temp.pg_numa_available(), false, 'and PostgreSQL''s pg_numa_available() agrees') END;
SELECT is((SELECT mode FROM numa_status()), 'unavailable', 'mode is unavailable');
SELECT matches((SELECT reason FROM numa_status()),
               'libnuma reports NUMA as unavailable \(get_mempolicy: Function not implemented\)',
               'the reason says libnuma found no NUMA and why');
SELECT is((SELECT (preloaded, enabled)::text FROM numa_status()), '(t,t)', 'numa_pg is still loaded and enabled');
SELECT ok((SELECT count(*) FROM numa_topology()) >= 1, 'the topology is still reported from sysfs');

-- the pool still runs, pinned, with its regions unbound and the kernel's
-- placement query refused
SELECT ok((SELECT count(*) = :workers AND bool_and(running AND pinned AND affinity = ARRAY[cpu]) FROM numa_workers()),
          'every worker runs, pinned to its CPU');
SELECT ok((SELECT count(*) > 0 AND bool_and(policy = 'default') FROM numa_regions()),
          'regions exist, with the default policy (nothing could be bound)');
SELECT ok((SELECT bool_and(query_error = 'Function not implemented' AND pages_on_target IS NULL) FROM numa_regions()),
          'numa_regions() reports the refused placement query instead of failing');
SELECT throws_ok('SELECT * FROM numa_region_nodes()', '58000', NULL,
                 'numa_region_nodes() raises a clear error when the kernel refuses the query');

SELECT * FROM finish();
ROLLBACK;
