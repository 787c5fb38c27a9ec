-- test/state_api.sql: the state stores through numa_pg's C API
-- (numa_pg.h), used by another extension (test/client, numa_pg_client):
-- what it puts SQL reads and the other way round, every status, a value
-- cut to the caller's buffer, and a timed get that finds its keys.
\set ON_ERROR_STOP true
\ir lib/setup.sql
BEGIN;
SELECT plan(21);

CREATE EXTENSION numa_pg_client;

SELECT is(numa_pg_client_state_put('capi-1', '\x0102'), 'ok', 'a put through the C API says ok');
SELECT is(numa_state_get('capi-1'), '\x0102'::bytea, '  and SQL reads it');
SELECT lives_ok($$SELECT numa_state_put('sql-1', '\x030405')$$, 'a put through SQL');
SELECT is((SELECT status || ' ' || value::text || ' ' || vallen FROM numa_pg_client_state_get('sql-1', 16)),
          'ok \x030405 3', '  the C API reads it');
SELECT is((SELECT status || ' ' || value::text || ' ' || vallen FROM numa_pg_client_state_get('sql-1', 2)),
          'ok \x0304 3', '  into a 2-byte buffer: the value cut to 2 bytes, its whole length reported');
SELECT is((SELECT status || ' ' || coalesce(value::text, 'null') FROM numa_pg_client_state_get('never stored', 16)),
          'not_found null', 'an absent key: not_found');
SELECT is(numa_pg_client_state_put('capi-1', '\x09'), 'ok', 'a put replaces a value');
SELECT is(numa_state_get('capi-1'), '\x09'::bytea, '  as SQL sees');
SELECT is(numa_pg_client_state_delete('capi-1'), 'ok', 'a delete of a present key: ok');
SELECT is(numa_pg_client_state_delete('capi-1'), 'not_found', '  of an absent one: not_found');
SELECT is(numa_state_get('capi-1'), NULL, '  and SQL sees it gone');
SELECT is(numa_pg_client_state_put('', '\x01'), 'too_large', 'an empty key: too_large');
SELECT is(numa_pg_client_state_put(convert_to(repeat('k', 256), 'UTF8'), '\x01'), 'too_large', 'a 256-byte key: too_large');
SELECT is(numa_pg_client_state_put('k', convert_to(repeat('v', 492), 'UTF8')), 'too_large',
          'a value over 491 bytes with a 1-byte key: too_large');
SELECT is((SELECT status FROM numa_pg_client_state_get(convert_to(repeat('k', 256), 'UTF8'), 16)), 'too_large',
          '  the same for a get');
SELECT ok((SELECT get_ns > 0 AND put_ns > 0 FROM numa_pg_client_state_bench(1000, 100000)),
          'a timed run of 100,000 gets finds every one of 1,000 keys');

SELECT numa_state_delete('sql-1');
SELECT is(numa_pg_client_noop('abc'), '\x03030303030303030303030303030303'::bytea,
          'the benchmarks'' no-op C function returns 16 bytes of the key''s length');
SELECT lives_ok($$SELECT numa_pg_client_noop_put('noop-key', '\x01')$$, 'the no-op put runs');
SELECT is(numa_state_get('noop-key'), NULL, '  and stores nothing');
SELECT lives_ok($$SELECT numa_state_put('noop-key', '\x02')$$, 'with the key put through SQL,');
SELECT is((SELECT numa_pg_client_noop_delete('noop-key')::text || ' ' || numa_state_get('noop-key')::text),
          'true \x02', '  the no-op delete returns true and removes nothing');
SELECT numa_state_delete('noop-key');
SELECT * FROM finish();
ROLLBACK;
