-- test/degraded/disabled.sql: numa_pg preloaded with numa_pg.enabled = off.
\set ON_ERROR_STOP true
BEGIN;
SELECT plan(6);

SELECT is(current_setting('numa_pg.enabled'), 'off', 'numa_pg.enabled is off');
SELECT is((SELECT mode FROM numa_status()), 'disabled', 'mode is disabled');
SELECT is((SELECT reason FROM numa_status()), 'numa_pg.enabled is off', 'the reason names the setting');
SELECT is((SELECT (preloaded, enabled)::text FROM numa_status()), '(t,f)', 'preloaded but not enabled');

SELECT is(current_setting('numa_pg.workers'), '2', 'workers are configured');
SELECT is((SELECT count(*)::int FROM numa_workers()), 0, 'but none runs when numa_pg is disabled');

SELECT * FROM finish();
ROLLBACK;
