-- test/degraded/disabled.sql: numa_pg preloaded with numa_pg.enabled = off,
-- and numa_pg.shared_memory_policy = 'interleave' and numa_pg.prefault = on
-- in the same postgresql.conf (scripts/test.sh): numa_pg places nothing,
-- so neither may take effect.  Checked from the kernel: the policy of the
-- main segment in the postmaster's numa_maps, and mincore (the test
-- extension numa_pg_client) on the upper half of shared buffers, which a
-- prefault would have faulted in and nothing else uses.
\set ON_ERROR_STOP true
\ir ../lib/setup.sql
BEGIN;
SELECT plan(12);

SELECT is(current_setting('numa_pg.enabled'), 'off', 'numa_pg.enabled is off');
SELECT is((SELECT mode FROM numa_status()), 'disabled', 'mode is disabled');
SELECT is((SELECT reason FROM numa_status()), 'numa_pg.enabled is off', 'the reason names the setting');
SELECT is((SELECT (preloaded, enabled)::text FROM numa_status()), '(t,f)', 'preloaded but not enabled');

SELECT is(current_setting('numa_pg.workers'), '2', 'workers are configured');
SELECT is((SELECT count(*)::int FROM numa_workers()), 0, 'but none runs when numa_pg is disabled');

-- nothing placed
SELECT is(current_setting('numa_pg.shared_memory_policy') || ' ' || current_setting('numa_pg.prefault'), 'interleave on',
          'a shared memory policy and prefault are configured');
CREATE TEMP TABLE raw (line text);
DO $$ BEGIN
	EXECUTE format('COPY raw FROM PROGRAM %L',
				   'cat /proc/' || split_part(pg_read_file('postmaster.pid'), E'\n', 1) || '/numa_maps');
END $$;
SELECT is((SELECT array_agg(split_part(line, ' ', 2)) FROM raw WHERE line ~ 'file=/(dev/zero|anon_hugepage)'), ARRAY['default'],
          'the kernel has the default policy for the main segment (postmaster''s numa_maps): none was applied');
CREATE EXTENSION numa_pg_client;
CREATE TEMP TABLE upper_half AS
SELECT r.* FROM pg_settings, numa_pg_client_resident(setting::int / 2, setting::int - setting::int / 2) AS r
WHERE name = 'shared_buffers';
SELECT cmp_ok((SELECT pages - resident FROM upper_half), '>', 0::bigint,
              'the upper half of shared buffers has pages never faulted in (mincore): it was not prefaulted');
SELECT ok((SELECT sum(pages) FROM numa_shmem_allocations() WHERE name = 'Buffer Blocks' AND node IS NULL) > 0,
          'and numa_shmem_allocations() reports them as not faulted in');
SELECT is((SELECT count(*)::int FROM numa_regions()), 0, 'numa_pg has no regions of its own to place');
-- the server log (scripts/lib.sh keeps it next to the data directory)
SELECT ok(pg_read_file(regexp_replace(current_setting('data_directory'), '/data$', '/server.log'))
          ~ 'LOG:  numa_pg: numa_pg.enabled is off, so numa_pg.shared_memory_policy and numa_pg.prefault are not applied',
          'and the log says they are not applied');

SELECT * FROM finish();
ROLLBACK;
