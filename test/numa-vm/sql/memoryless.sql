-- test/numa-vm/sql/memoryless.sql: a NUMA node with CPUs but no memory
-- (QEMU -numa node without memdev).  Run by guest-test.sh only when the
-- topology has one; same --set variables as multinode.sql.  numa_pg must
-- report such a node, not skip it or fail on it: its CPUs are real and
-- allocate from the nearest nodes with memory.
\set ON_ERROR_STOP true
BEGIN;
SELECT plan(14);

CREATE TEMP TABLE topo AS SELECT * FROM numa_topology();
CREATE TEMP TABLE st AS SELECT * FROM numa_status();
CREATE TEMP TABLE memoryless AS SELECT unnest(:'expected_memoryless'::int[]) AS node;
CREATE TEMP TABLE want AS
SELECT m.node,
       ARRAY(SELECT c::int
             FROM jsonb_array_elements_text(:'expected_cpus'::jsonb -> m.node::text) WITH ORDINALITY AS e(c, i)
             ORDER BY i) AS cpus
FROM memoryless m;

SELECT ok((SELECT count(*) FROM memoryless) > 0, 'the topology has a memoryless node');
SELECT results_eq('SELECT node FROM topo WHERE NOT has_memory ORDER BY node',
                  'SELECT node FROM memoryless ORDER BY node',
                  'has_memory is false for the memoryless node, and only for it');
SELECT results_eq('SELECT node, memory_total, memory_free FROM topo JOIN memoryless USING (node) ORDER BY node',
                  'SELECT node, 0::bigint, 0::bigint FROM memoryless ORDER BY node',
                  'the memoryless node has memory_total = 0 and memory_free = 0');
SELECT results_eq('SELECT node, cpus, cpu_count FROM topo JOIN memoryless USING (node) ORDER BY node',
                  'SELECT node, cpus, cardinality(cpus) FROM want ORDER BY node',
                  'the memoryless node still lists its CPUs');
SELECT results_eq('SELECT c, numa_node_of_cpu(c) FROM want, unnest(cpus) AS c ORDER BY c',
                  'SELECT c, node FROM want, unnest(cpus) AS c ORDER BY c',
                  'numa_node_of_cpu() gives the memoryless node for its CPUs');
SELECT results_eq($$SELECT node, coalesce(hugepages_2mb_total, 0), coalesce(hugepages_1gb_total, 0)
                    FROM topo JOIN memoryless USING (node) ORDER BY node$$,
                  'SELECT node, 0::bigint, 0::bigint FROM memoryless ORDER BY node',
                  'the memoryless node has no huge pages');
SELECT is((SELECT (node_count - memory_node_count, mode)::text FROM st),
          (SELECT (count(*), 'numa')::text FROM memoryless),
          'numa_status(): the memoryless node is not a memory node, and mode stays numa');
SELECT results_eq('SELECT node, memory_allowed FROM topo JOIN memoryless USING (node) ORDER BY node',
                  'SELECT node, false FROM memoryless ORDER BY node',
                  'the server is not offered the memoryless node to allocate on (the kernel''s Mems_allowed)');

-- placement falls back to the nearest node with memory, and says where
CREATE TEMP TABLE w AS SELECT * FROM numa_workers() WHERE node IN (SELECT node FROM memoryless);
SELECT ok((SELECT count(*) > 0 FROM w), 'a worker runs on a CPU of the memoryless node');
SELECT ok((SELECT bool_and(w.memory_node = (SELECT t.node FROM topo t, topo m
                                            WHERE m.node = w.node AND t.has_memory
                                            ORDER BY m.distances[(SELECT count(*) FROM topo x WHERE x.node <= t.node)], t.node
                                            LIMIT 1))
           FROM w),
          'its memory node is the nearest node with memory, by distance');
SELECT ok((SELECT bool_and(r.target_node = w.memory_node AND r.pages_on_target = r.pages)
           FROM numa_regions() r JOIN w USING (worker) WHERE r.kind IN ('state_store', 'wal_staging')),
          'and the kernel has its state store and WAL staging pages there');

-- the memory latency matrix measures from the memoryless node's CPUs, never
-- on its memory, and its ratios are against the nearest node with memory
SET LOCAL client_min_messages = warning;
CREATE TEMP TABLE mat AS SELECT * FROM numa_memory_latency(16, 10);
SELECT results_eq('SELECT DISTINCT cpu_node FROM mat WHERE cpu_node IN (SELECT node FROM memoryless) ORDER BY 1',
                  'SELECT node FROM memoryless ORDER BY 1',
                  'numa_memory_latency() measures from the memoryless node''s CPUs');
SELECT is((SELECT count(*)::int FROM mat WHERE memory_node IN (SELECT node FROM memoryless)), 0,
          'but never on its memory: it is no memory node');
SELECT ok((SELECT bool_and(latency_ratio = 1 AND bandwidth_ratio = 1)
           FROM mat x
           WHERE cpu_node IN (SELECT node FROM memoryless)
             AND memory_node = (SELECT t.node FROM topo t, topo m
                                WHERE m.node = x.cpu_node AND t.has_memory
                                ORDER BY m.distances[(SELECT count(*) FROM topo y WHERE y.node <= t.node)], t.node
                                LIMIT 1)),
          'its ratios are 1 for the nearest node with memory (its local memory)');

SELECT * FROM finish();
ROLLBACK;
