-- test/shmem.sql: PostgreSQL's own shared memory, on a server started with
-- numa_pg.shared_memory_policy = 'interleave': where its pages are, per
-- allocation and per node of shared buffers, without faulting any in; and
-- the calling backend's CPU and policy.
\set ON_ERROR_STOP true
BEGIN;
SELECT plan(15);

CREATE TEMP TABLE memnodes AS SELECT node FROM numa_topology() WHERE has_memory AND memory_allowed;

SELECT is(current_setting('numa_pg.shared_memory_policy'), 'interleave', 'the server interleaves its shared memory');

-- per allocation
CREATE TEMP TABLE a AS SELECT * FROM numa_shmem_allocations();
SELECT ok((SELECT count(DISTINCT name) FROM a) >= (SELECT count(*) FROM pg_shmem_allocations WHERE off IS NOT NULL AND allocated_size > 0) - 1,
          'every allocation of pg_shmem_allocations is reported');
SELECT ok((SELECT bool_and(node IN (SELECT node FROM memnodes)) FROM a WHERE node IS NOT NULL),
          'faulted pages are on nodes with memory');
SELECT ok((SELECT sum(pages) FROM a WHERE name = 'Buffer Blocks' AND node IS NULL) > 0,
          'shared buffers never used are reported as not faulted in');
SELECT ok((SELECT bool_and(size = pages * (SELECT size / pages FROM a LIMIT 1)) FROM a), 'size is pages times the page size');

-- asking faults nothing in: the not-faulted count of Buffer Blocks stays the same
SELECT count(*) FROM numa_shmem_allocations();
-- (both in one statement, so that nothing else reads new pages into buffers in between)
SELECT is(q2, q1, 'a second query finds exactly as many pages not faulted in')
FROM (SELECT (SELECT pages FROM numa_shmem_allocations() WHERE name = 'Buffer Blocks' AND node IS NULL) AS q1,
             (SELECT pages FROM numa_shmem_allocations() WHERE name = 'Buffer Blocks' AND node IS NULL) AS q2) AS x;

-- agreement with numastat -p.  numa_shmem_allocations() read-touches every
-- page of the segment that exists (placement.c), so this backend now maps
-- them all, and numastat -p of this backend counts them, on their nodes,
-- plus the backend's private memory.  So on each node numastat shows at
-- least what we report (less the pages two neighbouring allocations share,
-- counted by both), and in all no more than a backend's private memory on top.
CREATE TEMP TABLE ours AS
SELECT t.node, coalesce(sum(a.size), 0) / 1048576.0 AS mb
FROM numa_topology() AS t LEFT JOIN numa_shmem_allocations() AS a ON a.node = t.node GROUP BY t.node;
CREATE TEMP TABLE numastat_out (line text);
DO $$ BEGIN EXECUTE format('COPY numastat_out FROM PROGRAM %L', 'numastat -p ' || pg_backend_pid()); END $$;
CREATE TEMP TABLE theirs AS
WITH header AS (SELECT line FROM numastat_out WHERE line ~ '^ +Node [0-9]'),
     ids AS (SELECT m[1]::int AS node, ord FROM header, regexp_matches(header.line, 'Node ([0-9]+)', 'g') WITH ORDINALITY AS r(m, ord)),
     total AS (SELECT regexp_split_to_array(trim(line), ' +') AS f FROM numastat_out WHERE line ~ '^Total ')
SELECT ids.node, total.f[ids.ord + 1]::numeric AS mb FROM ids, total;
SELECT is((SELECT array_agg(node ORDER BY node) FROM theirs), (SELECT array_agg(node ORDER BY node) FROM ours),
          'numastat -p of this backend lists the nodes numa_topology() does');
SELECT is((SELECT array_agg(format('node %s: numastat %s MB < ours %s MB', o.node, t.mb, round(o.mb, 2)))
           FROM ours o JOIN theirs t USING (node)
           WHERE t.mb < o.mb - 0.01 - (SELECT count(DISTINCT name) FROM numa_shmem_allocations()) * (SELECT size / pages FROM a LIMIT 1) / 1048576.0),
          NULL, 'on every node numastat -p counts at least the shared memory numa_shmem_allocations() reports there');
SELECT cmp_ok((SELECT sum(mb) FROM theirs) - (SELECT sum(mb) FROM ours), '<', 256::numeric,
              'and less than 256 MB (a backend''s private memory) more in all');

-- shared buffers per node
CREATE TEMP TABLE b AS SELECT * FROM numa_buffer_nodes();
SELECT is((SELECT sum(buffers) FROM b), (SELECT setting::numeric FROM pg_settings WHERE name = 'shared_buffers'),
          'every shared buffer is counted once');
SELECT ok((SELECT sum(used_buffers) FROM b) > 0, 'some buffers hold pages');
SELECT ok((SELECT bool_and(used_buffers <= buffers AND dirty_buffers <= used_buffers) FROM b), 'dirty <= used <= all');
SELECT is((SELECT coalesce(sum(used_buffers), 0) FROM b WHERE node IS NULL), 0::numeric,
          'no buffer holding a page is on memory never faulted in');

-- the calling backend
CREATE TEMP TABLE p AS SELECT * FROM numa_process();
SELECT ok((SELECT cpu = ANY (cpus_allowed) AND node = numa_node_of_cpu(cpu) AND pid = pg_backend_pid() FROM p),
          'numa_process() gives this backend''s CPU, its node and its pid');
SELECT ok((SELECT memory_policy IS NOT NULL AND nodes_allowed <@ (SELECT array_agg(node) FROM numa_topology()) FROM p),
          'and its memory policy and allowed nodes');

SELECT * FROM finish();
ROLLBACK;
