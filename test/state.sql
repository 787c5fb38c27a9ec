-- test/state.sql: the workers' state stores through SQL: routing by key
-- hash to every worker, put/get/update/delete round trips, the counts the
-- workers report, the batch calls, and every bad argument.
\set ON_ERROR_STOP true
\ir lib/setup.sql
BEGIN;
SELECT plan(40);

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

-- batch calls: one call for many keys
SELECT lives_ok($$SELECT numa_state_put_many(array_agg('m' || g), array_agg(convert_to('batch ' || g, 'UTF8')))
                  FROM generate_series(1, 400) g$$, 'put 400 keys in one batch');
SELECT is((SELECT count(*)::int FROM generate_series(1, 400) g
           WHERE numa_state_get('m' || g) = convert_to('batch ' || g, 'UTF8')),
          400, 'each key of the batch reads back its value, one by one');
SELECT is((SELECT count(DISTINCT numa_state_worker('m' || g))::int FROM generate_series(1, 400) g),
          :workers, '  the batch went to every worker');
SELECT is((SELECT array_agg(key || '=' || convert_from(value, 'UTF8') ORDER BY ord)
           FROM numa_state_get_many(ARRAY['m3', 'm1', 'm3']) WITH ORDINALITY AS t(key, value, ord)),
          ARRAY['m3=batch 3', 'm1=batch 1', 'm3=batch 3'], 'a batch get answers each key in the order given, twice if given twice');
SELECT is((SELECT count(*)::int FROM numa_state_get_many(ARRAY(SELECT 'm' || g FROM generate_series(1, 400) g)) t
           WHERE t.value = convert_to('batch ' || substr(t.key, 2), 'UTF8')), 400, '  all 400 in one call');
SELECT is((SELECT value FROM numa_state_get_many(ARRAY['never stored'])), NULL, '  and NULL for a key that is absent');
SELECT lives_ok($$SELECT numa_state_put_many(ARRAY['m1', 'm2', 'm1'], ARRAY['\x01', '\x02', '\x03']::bytea[])$$,
                'a batch may give a key twice');
SELECT is(numa_state_get('m1'), '\x03'::bytea, '  its last value wins');
SELECT is((SELECT count(*)::int FROM numa_state_get_many('{}')), 0, 'an empty batch get answers no row');
SELECT lives_ok($$SELECT numa_state_put_many('{}', '{}')$$, 'an empty batch put does nothing');
SELECT throws_ok($$SELECT numa_state_put_many(NULL, ARRAY['\x01'::bytea])$$, '22004', 'keys must not be null',
                 'a batch put refuses NULL keys');
SELECT throws_ok($$SELECT numa_state_put_many(ARRAY['a'], NULL)$$, '22004', 'values must not be null',
                 '  and NULL values');
SELECT throws_ok($$SELECT numa_state_put_many(ARRAY['a', NULL], ARRAY['\x01', '\x02']::bytea[])$$, '22004',
                 'element 2 of keys is null', '  a NULL key in the array');
SELECT throws_ok($$SELECT numa_state_put_many(ARRAY['a', 'b'], ARRAY['\x01', NULL]::bytea[])$$, '22004',
                 'element 2 of values is null', '  a NULL value in the array');
SELECT throws_ok($$SELECT numa_state_put_many(ARRAY['a', 'b'], ARRAY['\x01']::bytea[])$$, '2202E',
                 'keys and values must have as many elements, not 2 and 1', '  arrays of different lengths');
SELECT throws_ok($$SELECT numa_state_put_many(ARRAY['new1', repeat('x', 256)], ARRAY['\x01', '\x02']::bytea[])$$, '22023',
                 'key 2 must be 1 to 255 bytes long, not 256', '  a key too long');
SELECT throws_ok($$SELECT numa_state_put_many(ARRAY['new1', 'm2'], ARRAY['\x01'::bytea, convert_to(repeat('v', 10000), 'UTF8')])$$,
                 '54000', 'value 2, of 10000 bytes, is too large for its key of 2 bytes', '  a value too large');
SELECT is((SELECT numa_state_get('new1') IS NULL AND numa_state_get('m2') = '\x02'), true,
          '  and a refused batch stored nothing, not even the keys before the bad one');
SELECT throws_ok($$SELECT * FROM numa_state_get_many(ARRAY['m1', ''])$$, '22023',
                 'key 2 must be 1 to 255 bytes long, not 0', 'a batch get refuses an empty key');
SELECT throws_ok($$SELECT * FROM numa_state_get_many(NULL)$$, '22004', 'keys must not be null',
                 '  and NULL keys');

SELECT numa_state_delete('k' || g) FROM generate_series(1, 400) g;
SELECT numa_state_delete('m' || g) FROM generate_series(1, 400) g;
SELECT numa_state_delete(repeat('x', 255));
SELECT * FROM finish();
ROLLBACK;
