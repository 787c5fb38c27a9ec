-- test/numa-vm/sql/placement.sql: placement on several nodes, from the
-- kernel (move_pages), in a guest with one numa_pg worker per CPU, pools of
-- 1 MB, and numa_pg.shared_memory_policy = 'interleave'.  test/pool.sql
-- (run in the same guest) checks that every region is on its target; this
-- checks the multi-node meaning of "target" and of interleaving.
\set ON_ERROR_STOP true
BEGIN;
SELECT plan(12);

CREATE TEMP TABLE memnodes AS SELECT node FROM numa_topology() WHERE has_memory AND memory_allowed;
CREATE TEMP TABLE w AS SELECT * FROM numa_workers();
CREATE TEMP TABLE r AS SELECT * FROM numa_regions();
CREATE TEMP TABLE rn AS SELECT * FROM numa_region_nodes();

SELECT is((SELECT count(DISTINCT node)::int FROM w), (SELECT count(*)::int FROM numa_topology()),
          'the workers run on every node');
SELECT ok((SELECT bool_and(r.target_node = w.memory_node AND r.pages_on_target = r.pages)
           FROM r JOIN w USING (worker) WHERE r.kind IN ('state_store', 'wal_staging')),
          'each worker''s state store and WAL staging buffer have every page on its memory node');
SELECT is((SELECT count(DISTINCT rn.node)::int FROM rn JOIN r USING (name)
           WHERE r.kind IN ('state_store', 'wal_staging')),
          (SELECT count(DISTINCT memory_node)::int FROM w),
          'the workers'' memory is spread over as many nodes as their memory nodes');
SELECT ok((SELECT bool_and(NOT EXISTS (SELECT 1 FROM rn WHERE rn.name = r.name AND rn.node IS DISTINCT FROM r.target_node))
           FROM r WHERE r.kind IN ('state_store', 'wal_staging', 'queue')),
          'no page of a worker region is on any other node');
SELECT ok((SELECT bool_and(r.pages_on_target = r.pages) FROM r WHERE r.kind = 'queue'),
          'each inbox queue has every page on its producers'' node (or the nearest with memory)');
SELECT ok((SELECT bool_and(pages_elsewhere = 0) FROM r WHERE kind = 'pool'), 'allocator pools: faulted pages on their node');

-- interleaved: the interleaved pool is faulted in at start, page by page over the nodes
SELECT is((SELECT count(*)::int FROM rn WHERE name = 'interleaved pool' AND node IS NOT NULL),
          (SELECT count(*)::int FROM memnodes), 'the interleaved pool has pages on every memory node');
SELECT cmp_ok((SELECT max(pages) - min(pages) FROM rn WHERE name = 'interleaved pool' AND node IS NOT NULL), '<=', 1::bigint,
              'evenly: no node has more than one page more than another');

-- PostgreSQL's own shared memory, interleaved by numa_pg.shared_memory_policy
SELECT is((SELECT count(DISTINCT node)::int FROM numa_shmem_allocations() WHERE node IS NOT NULL),
          (SELECT count(*)::int FROM memnodes),
          'PostgreSQL''s shared memory has pages on every memory node');
-- evenly: the kernel interleaves a shared mapping by page offset (page i
-- on the (i + inode mod k)-th node), and numa_pg moves the pages the
-- postmaster touched before the policy was applied to the same node, so an
-- allocation whose pages are all faulted in (one contiguous run) has floor
-- or ceil of n/k of them on each node: at most 1 apart.  Allocations partly faulted in may be uneven (which
-- pages were touched decides), and numa_pg's slabs keep their own
-- placement; test/numa-vm/t/shmem_policy.sh checks every allocation with
-- numa_pg.prefault on.
CREATE TEMP TABLE sa AS SELECT * FROM numa_shmem_allocations() WHERE name NOT LIKE 'numa_pg slab%';
CREATE TEMP TABLE whole AS
SELECT names.name, m.node, coalesce(sum(sa.pages), 0) AS pages
FROM (SELECT name FROM sa GROUP BY name HAVING bool_and(node IS NOT NULL) AND sum(pages) >= (SELECT count(*) FROM memnodes)) AS names
CROSS JOIN memnodes AS m LEFT JOIN sa ON sa.name = names.name AND sa.node = m.node
GROUP BY 1, 2;
SELECT cmp_ok((SELECT count(DISTINCT name)::int FROM whole), '>=', 5,
              'several of PostgreSQL''s allocations (of at least a page per node) are wholly faulted in');
SELECT is((SELECT string_agg(format('%s: %s to %s pages a node', name, lo, hi), '; ')
           FROM (SELECT name, min(pages) AS lo, max(pages) AS hi FROM whole GROUP BY name) AS x WHERE hi - lo > 1),
          NULL, 'each has its pages spread over the memory nodes at most 1 page apart');
SELECT cmp_ok((SELECT sum(pages) FROM whole), '>=', 256::numeric,
              'and they are not small: at least 256 pages (Buffer Descriptors alone, all initialised at start, is 1 MB)');

SELECT * FROM finish();
ROLLBACK;
