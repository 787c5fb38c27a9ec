-- test/wal.sql: the workers' changes reach PostgreSQL's WAL in batches,
-- as logical messages with prefix numa_pg that logical decoding sees
-- (test_decoding), and the flushed WAL position is reported.  Not in a
-- transaction: a logical slot cannot be created after writes.
\set ON_ERROR_STOP true
\ir lib/setup.sql
SELECT 'slot' FROM pg_create_logical_replication_slot('numapg_wal_test', 'test_decoding');
SELECT plan(9);

CREATE TEMP TABLE before AS SELECT sum(wal_flushed_records) AS records, sum(wal_flushes) AS flushes FROM numa_workers();
SELECT numa_state_put('wal-test-' || g, convert_to('payload-' || g, 'UTF8')) FROM generate_series(1, 50) g;
SELECT numa_state_delete('wal-test-' || g) FROM generate_series(1, 10) g;
CREATE TEMP TABLE flushed AS SELECT numa_state_flush() AS lsn;

SELECT ok((SELECT lsn FROM flushed) <= pg_current_wal_lsn(), 'numa_state_flush() returns a WAL position already written');
SELECT is((SELECT max(wal_flush_lsn) FROM numa_workers()), (SELECT lsn FROM flushed),
          'numa_workers() reports the same flushed position');
SELECT is((SELECT sum(wal_staged_bytes)::int FROM numa_workers()), 0, 'nothing stays staged after a flush');
SELECT cmp_ok((SELECT sum(wal_flushed_records) FROM numa_workers()) - (SELECT records FROM before), '>=', 60::numeric,
              'the 60 changes were flushed');
SELECT cmp_ok((SELECT sum(wal_flushes) FROM numa_workers()) - (SELECT flushes FROM before), '<', 60::numeric,
              'in fewer WAL messages than changes (batched)');

CREATE TEMP TABLE decoded AS
SELECT data FROM pg_logical_slot_get_binary_changes('numapg_wal_test', NULL, NULL)
WHERE position(convert_to('prefix: numa_pg', 'UTF8') IN data) > 0;
SELECT ok((SELECT count(*) FROM decoded) >= 1, 'logical decoding sees numa_pg messages');
SELECT is((SELECT count(*)::int FROM generate_series(1, 50) g
           WHERE EXISTS (SELECT 1 FROM decoded WHERE position(convert_to('payload-' || g, 'UTF8') IN data) > 0)),
          50, 'every value put is in the decoded change stream');

-- without numa_state_flush(), numa_pg.wal_flush_delay (200 ms) writes them
CREATE TEMP TABLE before2 AS SELECT sum(wal_flushes) AS flushes FROM numa_workers();
SELECT numa_state_put('wal-timer', '\x01');
SELECT pg_sleep(1.5);
SELECT is((SELECT sum(wal_staged_bytes)::int FROM numa_workers()), 0,
          'a staged change is written to WAL once numa_pg.wal_flush_delay has passed');
SELECT cmp_ok((SELECT sum(wal_flushes) FROM numa_workers()) - (SELECT flushes FROM before2), '>=', 1::numeric,
              'by a flush of its own');
SELECT numa_state_delete('wal-test-' || g) FROM generate_series(11, 50) g;
SELECT numa_state_delete('wal-timer');

SELECT * FROM finish();
SELECT pg_drop_replication_slot('numapg_wal_test');
