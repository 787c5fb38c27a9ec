-- test/degraded/eperm.sql: the server runs with get_mempolicy() and the
-- other NUMA system calls refused with EPERM, as under a container's
-- seccomp profile.  libnuma 2.0.16 still says NUMA is available; numa_pg
-- must see through that, keep working and say why it cannot place.
\set ON_ERROR_STOP true
BEGIN;
SELECT plan(6);

SELECT is(numa_available(), false, 'NUMA is not available when its system calls are refused');
SELECT is((SELECT mode FROM numa_status()), 'unavailable', 'mode is unavailable');
SELECT matches((SELECT reason FROM numa_status()),
               'refused \(get_mempolicy: Operation not permitted\).*seccomp',
               'the reason names get_mempolicy, EPERM and seccomp');
SELECT is((SELECT (preloaded, enabled)::text FROM numa_status()), '(t,t)', 'numa_pg is still loaded and enabled');
SELECT ok((SELECT count(*) FROM numa_topology()) >= 1, 'the topology is still reported from sysfs');
SELECT is(numa_node_of_cpu(0), (SELECT node FROM numa_topology() WHERE 0 = ANY (cpus)),
          'numa_node_of_cpu() still works');

SELECT * FROM finish();
ROLLBACK;
