-- test/degraded/enosys.sql: the server runs with the NUMA system calls
-- failing with ENOSYS, as on a kernel without them: numa_available() in
-- libnuma is -1.  numa_pg loads, reports and says why it cannot place.
\set ON_ERROR_STOP true
BEGIN;
SELECT plan(5);

SELECT is(numa_available(), false, 'NUMA is not available');
SELECT is((SELECT mode FROM numa_status()), 'unavailable', 'mode is unavailable');
SELECT matches((SELECT reason FROM numa_status()),
               'libnuma reports NUMA as unavailable \(get_mempolicy: Function not implemented\)',
               'the reason says libnuma found no NUMA and why');
SELECT is((SELECT (preloaded, enabled)::text FROM numa_status()), '(t,t)', 'numa_pg is still loaded and enabled');
SELECT ok((SELECT count(*) FROM numa_topology()) >= 1, 'the topology is still reported from sysfs');

SELECT * FROM finish();
ROLLBACK;
