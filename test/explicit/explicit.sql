-- test/explicit/explicit.sql: numa_pg.workers = 1 with an explicit
-- numa_pg.worker_cpus = :worker_cpus (the last online CPU, not the one
-- auto would pick), numa_pg.strict = on and numa_pg.prefault = on.
\set ON_ERROR_STOP true
\ir ../lib/setup.sql
BEGIN;
SELECT plan(7);

SELECT is((SELECT count(*)::int FROM numa_workers()), 1, 'one worker');
SELECT is((SELECT cpu FROM numa_workers()), :worker_cpus, 'it got the listed CPU');
SELECT is((SELECT affinity FROM numa_workers()), ARRAY[:worker_cpus], 'and is pinned to it');
SELECT is((SELECT sum(pages_on_target) FROM numa_regions() WHERE worker = 0),
          (SELECT sum(pages) FROM numa_regions() WHERE worker = 0),
          'its regions are all on its node');

SELECT ok((SELECT bool_and(policy = 'bind') FROM numa_regions() WHERE worker = 0),
          'under numa_pg.strict its regions are bound (MPOL_BIND), not preferred');

SELECT is((SELECT coalesce(sum(pages), 0)::int FROM numa_shmem_allocations() WHERE node IS NULL), 0,
          'numa_pg.prefault faulted in every page of PostgreSQL''s shared memory');
SELECT is((SELECT coalesce(sum(buffers), 0)::int FROM numa_buffer_nodes() WHERE node IS NULL), 0,
          'including every shared buffer');

SELECT * FROM finish();
ROLLBACK;
