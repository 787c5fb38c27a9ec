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
-- each node's nearest node with memory, by distance (then by number).
-- Written as a join of the distance rows with the nodes' positions, not as
-- a correlated subquery that subscripts distances: that form crashed
-- PostgreSQL 18beta1 itself (a segmentation fault in array_get_element,
-- without numa_pg loaded), while 17 and 19beta1 run it.
CREATE TEMP TABLE nearest AS
SELECT DISTINCT ON (m.node) m.node, t.node AS memory_node
FROM topo m
     CROSS JOIN LATERAL unnest(m.distances) WITH ORDINALITY AS d(distance, idx)
     JOIN (SELECT node, has_memory, row_number() OVER (ORDER BY node) AS idx FROM topo) t USING (idx)
WHERE t.has_memory
ORDER BY m.node, d.distance, t.node;
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
SELECT ok((SELECT bool_and(w.memory_node = n.memory_node) FROM w JOIN nearest n USING (node)),
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
           FROM mat x JOIN nearest n ON n.node = x.cpu_node AND n.memory_node = x.memory_node
           WHERE x.cpu_node IN (SELECT node FROM memoryless)),
          'its ratios are 1 for the nearest node with memory (its local memory)');

SELECT * FROM finish();
ROLLBACK;
