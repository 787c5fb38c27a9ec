-- test/numa-vm/sql/multinode.sql: numa_pg in a QEMU guest with several NUMA
-- nodes, against the topology the runner gave QEMU (test/numa-vm/topologies.sh),
-- passed in by guest-test.sh with pg_prove --set:
--   :expected_node_count  number of nodes (ids 0..N-1)
--   :expected_cpu_count   number of CPUs
--   :expected_cpus        JSON, node -> CPUs: {"0": [0,4], "1": [1,5], ...}
--   :expected_distances   int[][], the distance matrix, row = from, column = to
--   :expected_memory_mb   int[], each node's memory in MB (0: memoryless)
--   :expected_memoryless  int[], the memoryless nodes ({} if none)
-- test/topology.sql checks numa_pg against numactl; this checks both against
-- what the machine was built to be.
\set ON_ERROR_STOP true
BEGIN;
SELECT plan(21);

CREATE TEMP TABLE topo AS SELECT * FROM numa_topology();
CREATE TEMP TABLE st AS SELECT * FROM numa_status();

-- the expectations, one row per node
CREATE TEMP TABLE want AS
SELECT n AS node,
       ARRAY(SELECT c::int
             FROM jsonb_array_elements_text(:'expected_cpus'::jsonb -> n::text) WITH ORDINALITY AS e(c, i)
             ORDER BY i) AS cpus,
       (:'expected_memory_mb'::int[])[n + 1] AS memory_mb,
       ARRAY(SELECT (:'expected_distances'::int[])[n + 1][j]
             FROM generate_subscripts(:'expected_distances'::int[], 2) AS j
             ORDER BY j) AS distances
FROM generate_series(0, :expected_node_count - 1) AS n;

-- nodes and CPUs
SELECT is((SELECT node_count FROM st), :expected_node_count,
          'numa_status() counts the nodes the guest was given');
SELECT results_eq('SELECT node FROM topo ORDER BY node', 'SELECT node FROM want ORDER BY node',
                  'numa_topology() has one row per node, ids 0 to N-1');
SELECT results_eq('SELECT node, cpus FROM topo ORDER BY node', 'SELECT node, cpus FROM want ORDER BY node',
                  'each node has the CPUs it was given (also non-contiguous ones)');
SELECT results_eq('SELECT node, cpu_count FROM topo ORDER BY node',
                  'SELECT node, cardinality(cpus) FROM want ORDER BY node',
                  'cpu_count of each node is the number it was given');
SELECT is((SELECT cpu_count FROM st), :expected_cpu_count, 'numa_status() counts every CPU');
SELECT results_eq('SELECT node, cpus_allowed FROM topo ORDER BY node',
                  'SELECT node, cpus FROM want ORDER BY node',
                  'the server may run on every CPU of every node (no cpuset in the guest)');
SELECT results_eq('SELECT c, numa_node_of_cpu(c) FROM want, unnest(cpus) AS c ORDER BY c',
                  'SELECT c, node FROM want, unnest(cpus) AS c ORDER BY c',
                  'numa_node_of_cpu() gives each CPU''s node');

-- distances: none is QEMU's default, and one 4node pair is directional
SELECT results_eq('SELECT node, distances FROM topo ORDER BY node',
                  'SELECT node, distances FROM want ORDER BY node',
                  'each node''s distance row is the configured one');
SELECT results_eq('SELECT a.node, b.node, numa_distance(a.node, b.node) FROM topo a, topo b ORDER BY 1, 2',
                  'SELECT a.node, b.node, a.distances[b.node + 1] FROM want a, want b ORDER BY 1, 2',
                  'numa_distance(a, b) is the configured distance from a to b');

-- memory
SELECT results_eq('SELECT node, has_memory FROM topo ORDER BY node',
                  'SELECT node, memory_mb > 0 FROM want ORDER BY node',
                  'has_memory is true exactly for the nodes given memory');
SELECT is((SELECT memory_node_count FROM st), (SELECT count(*)::int FROM want WHERE memory_mb > 0),
          'numa_status() counts the nodes with memory');
-- the kernel keeps some of each node (node 0 most: the kernel itself), so a
-- node shows 60% to 100% of its size; shown as the expected MB when it does
SELECT results_eq($$SELECT t.node, CASE WHEN (t.memory_total >> 20) BETWEEN w.memory_mb * 0.6 AND w.memory_mb
                                    THEN w.memory_mb ELSE (t.memory_total >> 20)::int END
                    FROM topo t JOIN want w USING (node) ORDER BY node$$,
                  'SELECT node, memory_mb FROM want ORDER BY node',
                  'each node has about the memory it was given (MB)');
SELECT results_eq('SELECT node, memory_allowed FROM topo WHERE has_memory ORDER BY node',
                  'SELECT node, true FROM want WHERE memory_mb > 0 ORDER BY node',
                  'the server may allocate on every node with memory');
SELECT is((SELECT count(*)::int FROM topo WHERE memory_free > 0 AND memory_free <= memory_total),
          (SELECT count(*)::int FROM want WHERE memory_mb > 0),
          'every node with memory has some of it free');

-- status
SELECT is(numa_available(), true, 'NUMA is available');
SELECT is((SELECT mode FROM st), 'numa', 'mode is numa');
SELECT is((SELECT reason FROM st), NULL, 'no reason is given for mode numa');

-- the memory latency matrix: a row per CPU node and memory node (no
-- timing: emulated nodes are all the same memory), each buffer on its node
SET LOCAL client_min_messages = warning;	-- no NOTICE about the cache size
CREATE TEMP TABLE mat AS SELECT * FROM numa_memory_latency(16, 10);
SELECT is((SELECT count(*)::int FROM mat),
          (SELECT count(*)::int FROM want WHERE cardinality(cpus) > 0)
          * (SELECT count(*)::int FROM want WHERE memory_mb > 0),
          'numa_memory_latency() has node_count^2 rows (a memoryless node is no memory node)');
SELECT results_eq('SELECT cpu_node, memory_node, distance FROM mat ORDER BY 1, 2',
                  $$SELECT c.node, m.node, c.distances[m.node + 1] FROM want c, want m
                    WHERE cardinality(c.cpus) > 0 AND m.memory_mb > 0 ORDER BY 1, 2$$,
                  'one row per pair of a node with CPUs and a node with memory, at the configured distance');
SELECT ok(bool_and(bound AND pages_on_node = 1), 'each buffer was bound and all its pages are on its memory node')
FROM mat;

-- the hot-path benchmarks add "remote" rows when there is a second node:
-- memory on another node than the local rows', the queue's consumer on
-- another node than the producer (test/bench.sql checks the rest); they
-- are the extension numa_pg_bench's (dropped again with the ROLLBACK)
CREATE EXTENSION IF NOT EXISTS numa_pg_bench;
CREATE TEMP TABLE bench AS
SELECT * FROM numa_bench_state(100, 200)
UNION ALL SELECT * FROM numa_bench_wal(50)
UNION ALL SELECT * FROM numa_bench_queue(200);
SELECT ok((SELECT count(*) FROM bench WHERE placement = 'remote') = 8
          AND NOT EXISTS (SELECT 1 FROM bench r JOIN bench l USING (benchmark, implementation)
                          WHERE r.placement = 'remote' AND l.placement = 'local' AND r.benchmark <> 'queue'
                            AND (r.memory_node IS NULL OR r.memory_node = l.memory_node))
          AND (SELECT bool_and(numa_node_of_cpu(peer_cpu) <> numa_node_of_cpu(cpu) AND lost = 0 AND duplicated = 0)
               FROM bench WHERE benchmark = 'queue' AND placement = 'remote'),
          'the benchmarks measure a remote placement too: memory, or the queue consumer, on another node');

SELECT * FROM finish();
ROLLBACK;
