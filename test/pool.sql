-- test/pool.sql: the worker pool and its regions, on a server started with
-- numa_pg.workers = :workers and numa_pg.worker_cpus = auto.  Placement is
-- checked from the kernel (numa_regions() uses move_pages), not from our
-- own bookkeeping.  Runs unchanged in the multi-node guests.
\set ON_ERROR_STOP true
\ir lib/setup.sql
BEGIN;
SELECT plan(18);

CREATE TEMP TABLE w AS SELECT * FROM numa_workers();
CREATE TEMP TABLE r AS SELECT * FROM numa_regions();
CREATE TEMP TABLE topo AS SELECT * FROM numa_topology();

SELECT is((SELECT count(*)::int FROM w), :workers, 'numa_workers() has one row per configured worker');
SELECT ok((SELECT bool_and(running) FROM w), 'every worker is running');
SELECT is((SELECT count(DISTINCT cpu)::int FROM w), :workers, 'no two workers share a CPU');
SELECT ok((SELECT bool_and(node = numa_node_of_cpu(cpu)) FROM w), 'each worker''s node is its CPU''s node');
SELECT ok((SELECT bool_and(pinned AND affinity = ARRAY[cpu]) FROM w),
          'each worker is pinned to its CPU alone (sched_getaffinity)');
SELECT ok((SELECT bool_and(last_cpu = cpu) FROM w), 'each worker last ran on its CPU (/proc/pid/stat)');

-- auto: worker i goes to the (i mod n)-th node that has CPUs, ascending CPU within a node
SELECT results_eq(
    $$SELECT worker, node FROM w ORDER BY worker$$,
    $$WITH nodes AS (SELECT node, row_number() OVER (ORDER BY node) - 1 AS i,
                            count(*) OVER () AS n
                     FROM topo WHERE cardinality(cpus_allowed) > 0)
      SELECT g.w, nodes.node FROM generate_series(0, (SELECT count(*)::int FROM w) - 1) AS g(w)
      JOIN nodes ON nodes.i = g.w % nodes.n ORDER BY g.w$$,
    'auto spreads the workers round-robin over the nodes');
SELECT ok((SELECT bool_and(w.cpu = (SELECT min(c) FROM unnest(t.cpus_allowed) c
                                    WHERE c NOT IN (SELECT cpu FROM w w2 WHERE w2.node = w.node AND w2.worker < w.worker)))
           FROM w JOIN topo t USING (node)),
          'within a node, auto takes the allowed CPUs in ascending order');

-- regions
SELECT is((SELECT count(*)::int FROM r WHERE kind = 'state_store'), :workers, 'one state store per worker');
SELECT is((SELECT count(*)::int FROM r WHERE kind = 'wal_staging'), :workers, 'one WAL staging buffer per worker');
SELECT is((SELECT count(*)::int FROM r WHERE kind = 'queue'),
          :workers * (SELECT count(*)::int FROM topo WHERE cardinality(cpus_allowed) > 0),
          'one inbox queue per worker and producer node');
SELECT ok((SELECT bool_and(r.target_node = w.memory_node) FROM r JOIN w USING (worker)
           WHERE r.kind IN ('state_store', 'wal_staging')),
          'state stores and WAL staging buffers target their worker''s memory node');
SELECT ok((SELECT bool_and(w.memory_node = w.node) FROM w JOIN topo t USING (node) WHERE t.has_memory),
          'a worker on a node with memory keeps its memory on that node');
SELECT ok((SELECT bool_and(target_node = producer_node) FROM r JOIN topo t ON t.node = r.producer_node
           WHERE kind = 'queue' AND t.has_memory),
          'queues target their producers'' node');
SELECT ok((SELECT bool_and(CASE WHEN page_size = 4096 THEN pages = size / page_size
                                ELSE pages BETWEEN ceil(size::numeric / page_size) AND ceil(size::numeric / page_size) + 1 END) FROM r),
          'page counts match sizes (a region inside a slab of huge pages may touch one page more)');
SELECT ok((SELECT bool_and(pages_not_faulted = 0) FROM r WHERE kind IN ('state_store', 'wal_staging', 'queue')),
          'the workers'' regions were faulted in at start');
SELECT is((SELECT sum(pages_on_target) FROM r), (SELECT sum(pages - pages_not_faulted) FROM r),
          'the kernel has every page of every region on its target node');
SELECT ok((SELECT bool_and(bind_error IS NULL AND query_error IS NULL AND policy IN ('preferred', 'bind', 'interleave')) FROM r),
          'every region was bound and queried without error');

SELECT * FROM finish();
ROLLBACK;
