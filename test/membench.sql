-- test/membench.sql: numa_memory_latency(), the memory latency and bandwidth
-- matrix.  Its rows against numa_topology(), the placement of its buffers
-- from the kernel, the backend's CPU affinity, memory policy and mappings
-- the same afterwards (also after a cancel in the middle), every bad
-- argument and a non-superuser refused.  No assertion is about speed.
-- Runs unchanged on one node and in the multi-node guests; small sizes and
-- durations keep it short there.
\set ON_ERROR_STOP true
\ir lib/setup.sql
BEGIN;
SELECT plan(26);
SET LOCAL client_min_messages = warning;

SELECT has_function('numa_memory_latency', ARRAY['integer', 'integer'],
                    'numa_memory_latency(int, int) exists');

-- the backend's virtual memory size in kB, from the kernel
CREATE FUNCTION pg_temp.vm_size_kb() RETURNS bigint LANGUAGE sql AS
$$SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmSize:\s+(\d+) kB'))[1]::bigint$$;
-- the errdetail of a statement's error
CREATE FUNCTION pg_temp.detail_of(query text) RETURNS text LANGUAGE plpgsql AS
$$DECLARE d text;
BEGIN
    EXECUTE query;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN d;
END$$;

-- the SQLSTATE of a statement's error, a cancel included (throws_ok
-- catches WHEN OTHERS, which a cancel is not)
CREATE FUNCTION pg_temp.sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN
    EXECUTE query;
    RETURN NULL;
EXCEPTION WHEN query_canceled OR others THEN
    RETURN SQLSTATE;
END$$;

CREATE TEMP TABLE topo AS SELECT * FROM numa_topology();
CREATE TEMP TABLE proc_before AS SELECT *, pg_temp.vm_size_kb() AS vm_kb FROM numa_process();
CREATE TEMP TABLE mat AS SELECT * FROM numa_memory_latency(16, 20);
CREATE TEMP TABLE proc_after AS SELECT *, pg_temp.vm_size_kb() AS vm_kb FROM numa_process();

-- the rows: CPU nodes x memory nodes, as numa_topology() has them
SELECT results_eq('SELECT cpu_node, memory_node FROM mat ORDER BY 1, 2',
                  $$SELECT c.node, m.node FROM topo c, topo m
                    WHERE cardinality(c.cpus_allowed) > 0 AND m.has_memory AND m.memory_allowed
                    ORDER BY 1, 2$$,
                  'one row per node with a CPU this server may use and node with memory it may allocate');
SELECT is((SELECT count(*) FROM mat WHERE memory_node IN (SELECT node FROM topo WHERE NOT has_memory)), 0::bigint,
          'no memoryless node is a memory node');
SELECT results_eq('SELECT DISTINCT cpu_node, cpu FROM mat ORDER BY 1',
                  'SELECT node, cpus_allowed[1] FROM topo WHERE cardinality(cpus_allowed) > 0 ORDER BY 1',
                  'each CPU node is measured from its first allowed CPU');
SELECT ok(bool_and(numa_node_of_cpu(cpu) = cpu_node), 'that CPU is on the CPU node') FROM mat;
SELECT ok(bool_and(distance = numa_distance(cpu_node, memory_node)), 'distance is numa_distance()') FROM mat;

-- the figures (positive and finite; never how large)
SELECT ok(bool_and(latency_ns > 0 AND latency_ns < 'Infinity'), 'every latency is positive and finite') FROM mat;
SELECT ok(bool_and(bandwidth_mb_s > 0 AND bandwidth_mb_s < 'Infinity'), 'every bandwidth is positive and finite') FROM mat;
SELECT ok(bool_and(latency_ratio = 1 AND bandwidth_ratio = 1), 'a node''s own memory has ratio 1')
FROM mat WHERE cpu_node = memory_node;
SELECT ok(bool_and(abs(m.latency_ratio - m.latency_ns / l.latency_ns) < 1e-9
                   AND abs(m.bandwidth_ratio - m.bandwidth_mb_s / l.bandwidth_mb_s) < 1e-9),
          'ratios are against the CPU node''s own memory')
FROM mat m JOIN mat l ON l.cpu_node = m.cpu_node AND l.memory_node = m.cpu_node;

-- placement, from move_pages(2)
SELECT is(bool_and(bound), numa_available(), 'every buffer is bound when NUMA system calls work') FROM mat;
-- with NUMA, the kernel must say where the pages are (a NULL fails); without
-- it, no buffer is bound (above) and there is nothing to check
SELECT ok(CASE WHEN numa_available()
               THEN coalesce(bool_and(pages_on_node IS NOT NULL AND pages_on_node = 1), false)
               ELSE count(*) = 0 END,
          'every page of a bound buffer is on its memory node, as the kernel reports')
FROM mat WHERE bound;

-- the backend is as it was
SELECT results_eq('SELECT pid, cpus_allowed, nodes_allowed, memory_policy, policy_nodes FROM proc_after',
                  'SELECT pid, cpus_allowed, nodes_allowed, memory_policy, policy_nodes FROM proc_before',
                  'the backend''s CPU affinity and memory policy are restored');
SELECT cmp_ok((SELECT vm_kb FROM proc_after) - (SELECT vm_kb FROM proc_before), '<', 16384::bigint,
              'the 16 MB buffer is unmapped');

-- cancelled in the middle (statement_timeout): restored all the same
SET LOCAL statement_timeout = '1s';
SELECT is(pg_temp.sqlstate_of('SELECT * FROM numa_memory_latency(16, 60000)'), '57014',
          'a run cancelled by statement_timeout stops');
RESET statement_timeout;
SELECT results_eq('SELECT pid, cpus_allowed, nodes_allowed, memory_policy, policy_nodes FROM numa_process()',
                  'SELECT pid, cpus_allowed, nodes_allowed, memory_policy, policy_nodes FROM proc_before',
                  'after the cancel, the backend''s CPU affinity and memory policy are restored');
SELECT cmp_ok(pg_temp.vm_size_kb() - (SELECT vm_kb FROM proc_after), '<', 16384::bigint,
              'and the buffer is unmapped');

-- bad arguments
SELECT throws_ok('SELECT * FROM numa_memory_latency(15, 10)', '22023', 'size_mb 15 is out of range',
                 'size_mb below 16 is refused');
SELECT is(pg_temp.detail_of('SELECT * FROM numa_memory_latency(15, 10)'),
          'size_mb must be between 16 and 4096 MB.', 'the detail gives the range');
SELECT throws_ok('SELECT * FROM numa_memory_latency(4097, 10)', '22023', 'size_mb 4097 is out of range',
                 'size_mb above 4096 is refused');
SELECT throws_ok('SELECT * FROM numa_memory_latency(16, 9)', '22023', 'duration_ms 9 is out of range',
                 'duration_ms below 10 is refused');
SELECT is(pg_temp.detail_of('SELECT * FROM numa_memory_latency(16, 60001)'),
          'duration_ms must be between 10 and 60000 ms.', 'duration_ms above 60000 is refused, with the range');
SELECT throws_ok('SELECT * FROM numa_memory_latency(NULL, 10)', '22004', 'size_mb must not be null',
                 'a NULL size_mb is refused');
SELECT throws_ok('SELECT * FROM numa_memory_latency(16, NULL)', '22004', 'duration_ms must not be null',
                 'a NULL duration_ms is refused');

-- superusers only: EXECUTE revoked from PUBLIC, and the function checks too
CREATE ROLE numapg_bench_plain LOGIN;
SET ROLE numapg_bench_plain;
SELECT throws_ok('SELECT * FROM numa_memory_latency(16, 10)', '42501',
                 'permission denied for function numa_memory_latency',
                 'a plain user may not run numa_memory_latency()');
RESET ROLE;
GRANT EXECUTE ON FUNCTION numa_memory_latency(integer, integer) TO numapg_bench_plain;
SET ROLE numapg_bench_plain;
SELECT throws_ok('SELECT * FROM numa_memory_latency(16, 10)', '42501',
                 'must be superuser to run numa_memory_latency()',
                 'not even when granted EXECUTE: the function checks superuser() itself');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
