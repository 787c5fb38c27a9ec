-- test/state.sql: the workers' state stores through SQL: routing by key
-- hash to every worker, put/get/update/delete round trips, the counts the
-- workers report, and every bad argument.
\set ON_ERROR_STOP true
BEGIN;
SELECT plan(20);

SELECT numa_state_delete('k' || g) FROM generate_series(1, 400) g;	-- start clean

-- 400 keys spread over every worker
SELECT lives_ok($$SELECT numa_state_put('k' || g, convert_to('value ' || g, 'UTF8'))
                  FROM generate_series(1, 400) g$$, 'put 400 keys');
SELECT is((SELECT count(DISTINCT numa_state_worker('k' || g))::int FROM generate_series(1, 400) g),
          :workers, 'the keys are routed to every worker');
SELECT is((SELECT count(*)::int FROM generate_series(1, 400) g
           WHERE numa_state_get('k' || g) = convert_to('value ' || g, 'UTF8')),
          400, 'every key reads back its value');
SELECT is((SELECT sum(state_entries)::int FROM numa_workers()), 400,
          'the workers hold 400 entries between them');
SELECT ok((SELECT bool_and(state_entries = (SELECT count(*) FROM generate_series(1, 400) g
                                            WHERE numa_state_worker('k' || g) = w.worker))
           FROM numa_workers() w),
          'each worker holds exactly the keys routed to it');

-- update, delete
SELECT lives_ok($$SELECT numa_state_put('k' || g, '\xdeadbeef'::bytea) FROM generate_series(1, 400, 2) g$$,
                'update every other key');
SELECT is((SELECT count(*)::int FROM generate_series(1, 400, 2) g WHERE numa_state_get('k' || g) = '\xdeadbeef'),
          200, 'updated keys read the new value');
SELECT is((SELECT sum(state_entries)::int FROM numa_workers()), 400, 'an update adds no entry');
SELECT is((SELECT count(*)::int FROM generate_series(1, 400, 4) g WHERE numa_state_delete('k' || g)),
          100, 'delete 100 keys, each found');
SELECT is((SELECT count(*)::int FROM generate_series(1, 400, 4) g WHERE numa_state_get('k' || g) IS NULL),
          100, 'deleted keys read NULL');
SELECT is(numa_state_delete('k1'), false, 'deleting a missing key says false');
SELECT is((SELECT sum(state_entries)::int FROM numa_workers()), 300, '300 entries remain');
SELECT is(numa_state_get('never stored'), NULL, 'a key never stored reads NULL');

-- limits and bad arguments
SELECT lives_ok($$SELECT numa_state_put(repeat('x', 255), '\x00')$$, 'a 255-byte key is accepted');
SELECT throws_ok($$SELECT numa_state_put(repeat('x', 256), '\x00')$$, '22023',
                 'key must be 1 to 255 bytes long, not 256', 'a 256-byte key is refused');
SELECT throws_ok($$SELECT numa_state_get('')$$, '22023', 'key must be 1 to 255 bytes long, not 0',
                 'an empty key is refused');
SELECT throws_ok($$SELECT numa_state_put(NULL, '\x00')$$, '22004', 'key must not be null', 'a NULL key is refused');
SELECT throws_ok($$SELECT numa_state_put('k', NULL)$$, '22004', 'value must not be null', 'a NULL value is refused');
SELECT throws_ok($$SELECT numa_state_put('k', convert_to(repeat('v', 10000), 'UTF8'))$$, '54000',
                 'value of 10000 bytes is too large for a key of 1 bytes', 'a value too large is refused');
SELECT is(numa_state_get(repeat('x', 255)), '\x00'::bytea, 'and the session still works');

SELECT numa_state_delete('k' || g) FROM generate_series(1, 400) g;
SELECT numa_state_delete(repeat('x', 255));
SELECT * FROM finish();
ROLLBACK;
