-- test/allocator.sql: the NUMA allocator's pools, used through the C API
-- by another extension (test/client, numa_pg_client), with placement
-- checked from the kernel (move_pages on each block).
\set ON_ERROR_STOP true
\ir lib/setup.sql
BEGIN;
SELECT plan(21);

CREATE EXTENSION numa_pg_client;
CREATE TEMP TABLE memnodes AS SELECT node FROM numa_topology() WHERE has_memory AND memory_allowed;
CREATE TEMP TABLE pools0 AS SELECT * FROM numa_pools();

SELECT is((SELECT count(*)::int FROM pools0 WHERE kind = 'node'), (SELECT count(*)::int FROM memnodes),
          'one pool per node with memory');
SELECT is((SELECT count(*)::int FROM pools0 WHERE kind = 'interleaved' AND node IS NULL), 1,
          'and one interleaved pool');
SELECT ok((SELECT bool_and(size > 0 AND free > 0 AND used = 0) FROM pools0), 'the pools are empty and usable');
SELECT ok((SELECT bool_and(r.policy = 'interleave' AND r.pages_on_target = r.pages) FROM numa_regions() r
           WHERE r.kind = 'shared'),
          'the interleaved pool is bound with MPOL_INTERLEAVE and faulted in');

-- per-node pools are not prefaulted; asking where their pages are faults none in
-- (with huge pages, a 1 MB pool shares the page the postmaster touched)
CREATE TEMP TABLE q1 AS SELECT name, page_size, pages, pages_not_faulted FROM numa_regions() WHERE kind = 'pool';
CREATE TEMP TABLE q2 AS SELECT name, page_size, pages, pages_not_faulted FROM numa_regions() WHERE kind = 'pool';
SELECT ok((SELECT bool_and(pages_not_faulted > pages / 2 OR page_size > 4096) FROM q1),
          'most pages of an unused pool are not faulted in, and are reported so');
SELECT results_eq('SELECT * FROM q2 ORDER BY name', 'SELECT * FROM q1 ORDER BY name',
                  'querying the placement faulted no page in');
SELECT ok((SELECT bool_and(r.pages_elsewhere = 0) FROM numa_regions() r WHERE r.kind = 'pool'),
          'the pages of the pools that exist are on their node');

-- on each node: blocks from that node's pool, pages on that node
SELECT ok((SELECT bool_and(a.pool_node = m.node AND a.page_node = m.node AND a.aligned)
           FROM memnodes m, numa_pg_client_alloc('node', m.node, 100, 20) a),
          'small blocks on each node come from its pool and its pages are on it');
SELECT ok((SELECT bool_and(a.pool_node = m.node AND a.page_node = m.node AND a.aligned AND a.usable = 8192)
           FROM memnodes m, numa_pg_client_alloc('node', m.node, 5000, 8) a),
          'large blocks are page-aligned whole pages on the node');
SELECT ok((SELECT bool_and(usable = 128) FROM numa_pg_client_alloc('node', 0, 100, 3)),
          'a 100-byte block has the 128-byte size class');
SELECT ok((SELECT bool_and(pool_node IN (SELECT node FROM memnodes) AND page_node = pool_node)
           FROM numa_pg_client_alloc('local', 0, 64, 20)),
          'local blocks come from a node pool, on its node');
SELECT ok((SELECT bool_and(pool_node = -1) FROM numa_pg_client_alloc('interleaved', 0, 4096, 32)),
          'interleaved blocks come from the interleaved pool');
SELECT is((SELECT count(DISTINCT page_node)::int FROM numa_pg_client_alloc('interleaved', 0, 4096, 32)),
          (SELECT count(*)::int FROM memnodes),
          'and 32 page-sized interleaved blocks touch every memory node');

SELECT ok((SELECT bool_and(p.used = 0 AND p.allocs = p.frees AND p.allocs > 0) FROM numa_pools() p),
          'every block was freed: the pools are empty again');

-- exhaustion gives NULL (no error), counted; everything comes back
SELECT cmp_ok(numa_pg_client_exhaust(0, 65536), '>', 0, 'a pool hands out blocks until it is exhausted');
SELECT ok((SELECT failed_allocs > 0 AND used = 0 FROM numa_pools() WHERE node = 0),
          'the refusal is counted, and all was freed');
SELECT is(numa_pg_client_exhaust(0, 0), 0, 'a 0-byte allocation gives NULL');
SELECT is(numa_pg_client_exhaust(-1, 64), 0, 'numapg_alloc_on_node() on node -1 gives NULL, not interleaved memory');
SELECT is(numa_pg_client_exhaust(1000, 64), 0, 'numapg_alloc_on_node() on a node the machine does not have gives NULL');

-- bad frees are errors, not corruption
SELECT throws_ok('SELECT numa_pg_client_free_foreign()', 'XX000', NULL, 'freeing a pointer numa_pg did not give is an error');
SELECT throws_like('SELECT numa_pg_client_double_free()', '%is not a live block%', 'a double free is an error');

SELECT * FROM finish();
ROLLBACK;
