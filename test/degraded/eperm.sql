-- test/degraded/eperm.sql: the server runs with get_mempolicy() and the
-- other NUMA system calls refused with EPERM, as under a container's
-- seccomp profile.  libnuma 2.0.16 still says NUMA is available; numa_pg
-- must see through that, keep working and say why it cannot place.
\set ON_ERROR_STOP true
\ir ../lib/setup.sql
BEGIN;
SELECT plan(15);

SELECT is(numa_available(), false, 'NUMA is not available when its system calls are refused');

-- PostgreSQL's own answer: pg_temp.pg_numa_available(), NULL where it has none
\ir ../lib/pg_numa_available.sql
-- PostgreSQL 18's pg_numa_available() takes libnuma's word, which does not
-- see EPERM; 19's says false here, as numa_pg does
SELECT CASE WHEN pg_temp.pg_numa_available() IS NULL
            THEN skip('PostgreSQL ' || current_setting('server_version') || ' has no pg_numa_available() with libnuma (18 and later, built --with-libnuma)')
            ELSE is(pg_temp.pg_numa_available(), current_setting('server_version_num')::int < 190000,
                    'PostgreSQL''s pg_numa_available() says true on 18 (as libnuma 2.0.16 does), false from 19') END;
SELECT is((SELECT mode FROM numa_status()), 'unavailable', 'mode is unavailable');
SELECT matches((SELECT reason FROM numa_status()),
               'refused \(get_mempolicy: Operation not permitted\).*seccomp',
               'the reason names get_mempolicy, EPERM and seccomp');
SELECT is((SELECT (preloaded, enabled)::text FROM numa_status()), '(t,t)', 'numa_pg is still loaded and enabled');
SELECT is((SELECT (memory_policy IS NULL AND memory_policy_nodes IS NULL) FROM numa_status()), true,
          'the memory policy the server started under is unknown (NULL): get_mempolicy is refused');
SELECT ok((SELECT count(*) FROM numa_topology()) >= 1, 'the topology is still reported from sysfs');
SELECT is(numa_node_of_cpu(0), (SELECT node FROM numa_topology() WHERE 0 = ANY (cpus)),
          'numa_node_of_cpu() still works');

-- the pool still runs, pinned, with its regions unbound and the kernel's
-- placement query refused
SELECT ok((SELECT count(*) = :workers AND bool_and(running AND pinned AND affinity = ARRAY[cpu]) FROM numa_workers()),
          'every worker runs, pinned to its CPU');
SELECT ok((SELECT count(*) > 0 AND bool_and(policy = 'default') FROM numa_regions()),
          'regions exist, with the default policy (nothing could be bound)');
SELECT ok((SELECT bool_and(query_error = 'Operation not permitted' AND pages_on_target IS NULL) FROM numa_regions()),
          'numa_regions() reports the refused placement query instead of failing');
SELECT throws_ok('SELECT * FROM numa_region_nodes()', '58000', NULL,
                 'numa_region_nodes() raises a clear error when the kernel refuses the query');

-- PostgreSQL's own shared memory: the kernel refuses the query, and the
-- reports say so rather than report every page as not faulted in
SELECT throws_ok('SELECT * FROM numa_shmem_allocations()', '58000',
                 'could not query the NUMA placement of shared memory: Operation not permitted',
                 'numa_shmem_allocations() raises a clear error when the kernel refuses the query');
SELECT throws_ok('SELECT * FROM numa_buffer_nodes()', '58000',
                 'could not query the NUMA placement of shared buffers: Operation not permitted',
                 'numa_buffer_nodes() too');

-- the memory latency matrix is measured without binding, and says so
SET LOCAL client_min_messages = warning;
SELECT ok((SELECT count(*) > 0 AND bool_and(NOT bound AND pages_on_node IS NULL
                                            AND latency_ns > 0 AND bandwidth_mb_s > 0)
           FROM numa_memory_latency(16, 10)),
          'numa_memory_latency() measures unbound memory and says so (bound false, placement unknown)');

SELECT * FROM finish();
ROLLBACK;
