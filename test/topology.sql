-- test/topology.sql: numa_topology(), numa_node_of_cpu() and numa_distance()
-- against two oracles that do not share our code: numactl --hardware
-- (libnuma), run by the server into :numactl, and the kernel's files read with
-- pg_read_file().  Runs unchanged on one node and in the multi-node guests.
\set ON_ERROR_STOP true
\ir lib/setup.sql
-- numactl --hardware, run by the server, as :numactl
CREATE TEMP TABLE numactl_output (n serial, line text);
COPY numactl_output (line) FROM PROGRAM 'numactl --hardware';
SELECT string_agg(line, E'\n' ORDER BY n) AS numactl FROM numactl_output
\gset
DROP TABLE numactl_output;
BEGIN;
SELECT plan(27);

SELECT has_function('numa_topology', 'numa_topology() exists');
SELECT has_function('numa_node_of_cpu', ARRAY['integer'], 'numa_node_of_cpu(int) exists');
SELECT has_function('numa_distance', ARRAY['integer', 'integer'], 'numa_distance(int, int) exists');

-- numactl --hardware, parsed: node list, CPUs, distance rows
CREATE TEMP TABLE numactl AS
SELECT n AS node,
       coalesce(string_to_array(trim((regexp_match(:'numactl', '(?n)^node ' || n || ' cpus:(.*)$'))[1]), ' ')::int[], '{}') AS cpus,
       regexp_split_to_array(trim((regexp_match(:'numactl', '(?n)^ *' || n || ':((?: +\d+)+) *$'))[1]), ' +')::int[] AS distances
FROM unnest((SELECT array_agg(x::int) FROM regexp_split_to_table(
        substring(:'numactl' FROM '(?n)^available: \d+ nodes \(([^)]*)\)$'), ',') AS r,
        LATERAL generate_series(split_part(r, '-', 1)::int,
                                coalesce(nullif(split_part(r, '-', 2), ''), split_part(r, '-', 1))::int) AS x)) AS n;

-- A node's MemTotal can change while the machine runs (some VMs add memory
-- as it is used), so numactl's figure from the start of the run may be out
-- of date.  The sizes are compared with numactl run just before and just
-- after numa_topology(), by the server itself: a node's size must lie
-- between those two readings, the only tolerance this derives.
CREATE TEMP TABLE numactl_before (line text);
CREATE TEMP TABLE numactl_after (line text);
COPY numactl_before FROM PROGRAM 'numactl --hardware';
CREATE TEMP TABLE topo AS SELECT * FROM numa_topology();
COPY numactl_after FROM PROGRAM 'numactl --hardware';
CREATE TEMP TABLE size_bracket AS
SELECT b.node, least(b.size_mb, a.size_mb) AS low_mb, greatest(b.size_mb, a.size_mb) AS high_mb
FROM (SELECT m[1]::int AS node, m[2]::bigint AS size_mb FROM numactl_before,
             LATERAL regexp_match(line, '^node (\d+) size: (\d+) MB$') AS m WHERE m IS NOT NULL) b
JOIN (SELECT m[1]::int AS node, m[2]::bigint AS size_mb FROM numactl_after,
             LATERAL regexp_match(line, '^node (\d+) size: (\d+) MB$') AS m WHERE m IS NOT NULL) a
USING (node);

SELECT ok((SELECT count(*) FROM numactl) >= 1, 'numactl --hardware was parsed');
SELECT results_eq('SELECT node FROM topo ORDER BY node', 'SELECT node FROM numactl ORDER BY node',
                  'one row per node numactl lists');
SELECT results_eq('SELECT node, cpus FROM topo ORDER BY node', 'SELECT node, cpus FROM numactl ORDER BY node',
                  'each node has the CPUs numactl lists');
-- shown as numactl's earlier figure when it lies in the bracket, as itself if not
SELECT results_eq($$SELECT t.node, CASE WHEN (t.memory_total >> 20) BETWEEN s.low_mb AND s.high_mb
                                    THEN s.low_mb ELSE t.memory_total >> 20 END
                    FROM topo t LEFT JOIN size_bracket s USING (node) ORDER BY node$$,
                  'SELECT node, low_mb FROM size_bracket ORDER BY node',
                  'each node has the memory size numactl reports just before and after (MB)');
SELECT results_eq('SELECT node, distances FROM topo ORDER BY node',
                  'SELECT node, distances FROM numactl ORDER BY node',
                  'each node''s distance row is numactl''s');
SELECT is((SELECT sum(cpu_count)::int FROM topo),
          (SELECT count(*)::int FROM regexp_split_to_table(:'online_cpus', ',') AS r,
                  LATERAL generate_series(split_part(r, '-', 1)::int,
                                          coalesce(nullif(split_part(r, '-', 2), ''), split_part(r, '-', 1))::int)),
          'the nodes hold every online CPU');
SELECT ok(bool_and(cpu_count = cardinality(cpus)), 'cpu_count counts cpus') FROM topo;
SELECT ok(bool_and(has_memory = (memory_total > 0)), 'has_memory is true exactly for nodes with memory') FROM topo;
SELECT ok(bool_and(memory_free BETWEEN 0 AND memory_total), 'free memory is between 0 and the total') FROM topo;
SELECT ok(bool_and(cpus_allowed <@ cpus), 'allowed CPUs of a node are CPUs of that node') FROM topo;
SELECT ok(bool_or(memory_allowed), 'the server may allocate on at least one node') FROM topo;
SELECT ok(bool_and((hugepages_2mb_total IS NULL) = (hugepages_2mb_free IS NULL)
              AND coalesce(hugepages_2mb_free <= hugepages_2mb_total, true)
              AND coalesce(hugepages_1gb_free <= hugepages_1gb_total, true)),
          'huge page counts are both NULL or free <= total') FROM topo;

-- read when called: free memory agrees with the kernel's file read in the
-- same statement (free memory moves all the time: within 5% of the node, or 64 MB)
SELECT ok(bool_and(abs(t.memory_free / 1024 - (regexp_match(pg_read_file('/sys/devices/system/node/node' || t.node || '/meminfo'),
                                                            'MemFree: +(\d+) kB'))[1]::bigint)
                   < greatest(t.memory_total / 1024 / 20, 65536)),
          'memory_free is what sysfs says now (within 5%)') FROM numa_topology() t;

-- the scalar functions agree with the table
SELECT ok(bool_and(numa_node_of_cpu(c) = t.node), 'numa_node_of_cpu() gives each CPU''s node')
FROM topo t, unnest(t.cpus) AS c;
SELECT ok(bool_and(numa_distance(a.node, b.node)
                   = a.distances[(SELECT count(*) FROM topo c WHERE c.node <= b.node)]),
          'numa_distance() agrees with the distance rows')
FROM topo a, topo b;
SELECT ok(bool_and(numa_distance(node, node) = 10), 'a node is at distance 10 from itself') FROM topo;

-- bad arguments
SELECT throws_ok('SELECT numa_node_of_cpu(-1)', '22023', 'CPU -1 does not exist',
                 'a negative CPU is refused');
SELECT throws_ok('SELECT numa_node_of_cpu(1000000)', '22023', 'CPU 1000000 does not exist',
                 'a CPU beyond the machine is refused');
SELECT throws_ok('SELECT numa_node_of_cpu(NULL)', '22004', 'cpu must not be null',
                 'a NULL CPU is refused');
SELECT throws_ok('SELECT numa_distance(NULL, 0)', '22004', 'node_a must not be null',
                 'a NULL first node is refused');
SELECT throws_ok('SELECT numa_distance(0, NULL)', '22004', 'node_b must not be null',
                 'a NULL second node is refused');
SELECT throws_ok('SELECT numa_distance(0, -1)', '22023', 'NUMA node -1 does not exist',
                 'a negative node is refused');
SELECT throws_ok('SELECT numa_distance(1024, 0)', '22023', 'NUMA node 1024 does not exist',
                 'a node beyond the kernel''s limit is refused');
SELECT throws_ok(format('SELECT numa_distance(0, %s)', (SELECT max(node) + 1 FROM topo)),
                 '22023', format('NUMA node %s does not exist', (SELECT max(node) + 1 FROM topo)),
                 'a node one past the last online node is refused');

SELECT * FROM finish();
ROLLBACK;
