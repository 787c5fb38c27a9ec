-- test/bench.sql: the hot-path benchmarks numa_bench_state(), numa_bench_wal()
-- and numa_bench_queue() of the extension numa_pg_bench (bench/numa_pg_bench,
-- created here if it is not yet), with tiny sizes: their rows and figures, both
-- implementations side by side, each ratio PostgreSQL's time over numa_pg's
-- and no target in any row (bench/run.sh judges), no queue message lost or duplicated, the
-- WAL records really in WAL (test_decoding), the backend's CPU affinity given
-- back (also after a cancel), the consumer worker gone after a cancel, every
-- bad argument, and non-superusers refused.  Speed and ratios are never
-- asserted: they depend on the machine.  Not in a transaction: a logical
-- slot cannot be created after writes.
\set ON_ERROR_STOP true
\ir lib/setup.sql
-- the benchmarks are numa_pg_bench's; dropped at the end if created here
SELECT NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'numa_pg_bench') AS bench_created \gset
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS numa_pg_bench;
RESET client_min_messages;
SELECT 'slot' FROM pg_create_logical_replication_slot('numapg_bench_test', 'test_decoding');
SELECT plan(58);

CREATE TEMP TABLE affinity_before AS SELECT cpus_allowed FROM numa_process();
SELECT min(node) AS mem_node FROM numa_topology() WHERE has_memory AND memory_allowed \gset
SELECT max(c) AS last_cpu FROM numa_topology(), unnest(cpus_allowed) AS c \gset

-- a query run under a statement timeout: 'cancelled' or 'finished'
CREATE FUNCTION pg_temp.run_cancelled(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'finished';
EXCEPTION WHEN query_canceled THEN
	RETURN 'cancelled';
END $$;

-- true if each numa_pg row's ratio_vs_postgres is PostgreSQL's ns_per_op
-- over its own, PostgreSQL's row of the same benchmark and placement
CREATE FUNCTION pg_temp.ratios_sound(tab regclass, mine text, theirs text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	sound boolean;
BEGIN
	EXECUTE format($q$SELECT count(*) > 0 AND bool_and(abs(n.ratio_vs_postgres - p.ns_per_op / n.ns_per_op)
	                                               <= 1e-6 * n.ratio_vs_postgres)
	                 FROM %1$s n JOIN %1$s p USING (benchmark, placement)
	                 WHERE n.implementation = %2$L AND p.implementation = %3$L$q$, tab, mine, theirs)
	INTO sound;
	RETURN sound;
END $$;

-- true once no benchmark consumer worker runs (waits up to 60 s)
CREATE FUNCTION pg_temp.consumers_gone() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1 .. 600 LOOP
		PERFORM pg_stat_clear_snapshot();
		IF NOT EXISTS (SELECT 1 FROM pg_stat_activity
					   WHERE backend_type = 'numa_pg benchmark consumer') THEN
			RETURN true;
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
	RETURN false;
END $$;

---- numa_bench_state()
CREATE TEMP TABLE st AS SELECT * FROM numa_bench_state(200, 2000);
SELECT is((SELECT count(*)::int FROM st WHERE placement = 'local'), 4,
          'numa_bench_state() gives four local rows');
SELECT results_eq($$SELECT DISTINCT benchmark, implementation FROM st ORDER BY 1, 2$$,
                  $$VALUES ('state_lookup', 'dynahash'), ('state_lookup', 'state_store'),
                           ('state_update', 'dynahash'), ('state_update', 'state_store')$$,
                  'the state store and dynahash, for lookups and for updates');
SELECT ok((SELECT bool_and(ops = 2000 AND ns_per_op > 0 AND ops_per_s > 0 AND ratio_vs_postgres > 0) FROM st),
          'every state row has positive figures');
SELECT ok((SELECT bool_and(memory_node IS NOT NULL AND cpu = ANY (a.cpus_allowed)) FROM st, affinity_before a),
          'memory is bound to a node, and the backend was pinned to a CPU it may use');
SELECT ok((SELECT bool_and(ratio_vs_postgres = 1) FROM st WHERE implementation = 'dynahash'),
          'dynahash rows are the reference: ratio 1');
SELECT ok(pg_temp.ratios_sound('st', 'state_store', 'dynahash'),
          'the state store''s ratio is dynahash''s ns_per_op over its own, for bench/run.sh to judge');
SELECT is((SELECT count(*)::int FROM numa_bench_state(100, 500, :mem_node) WHERE memory_node = :mem_node), 4,
          'memory_node puts both tables on that node');

---- numa_bench_wal()
SELECT pg_current_wal_lsn() AS lsn_before \gset
CREATE TEMP TABLE wl AS SELECT * FROM numa_bench_wal(300, 64);
SELECT is((SELECT count(*)::int FROM wl WHERE placement = 'local'), 2,
          'numa_bench_wal() gives two local rows');
SELECT results_eq($$SELECT DISTINCT implementation FROM wl ORDER BY 1$$,
                  $$VALUES ('log_logical_message'), ('wal_staging')$$,
                  'WAL staging and one LogLogicalMessage per record');
SELECT ok((SELECT bool_and(benchmark = 'wal_append' AND ops = 300 AND ns_per_op > 0 AND ops_per_s > 0
                           AND ratio_vs_postgres > 0) FROM wl),
          'every WAL row has positive figures');
SELECT ok(pg_temp.ratios_sound('wl', 'wal_staging', 'log_logical_message'),
          'WAL staging''s ratio is one LogLogicalMessage''s ns_per_op over its own');
SELECT cmp_ok(pg_wal_lsn_diff(pg_current_wal_lsn(), :'lsn_before'), '>=',
              (2 * 300 * 88 * (SELECT count(DISTINCT placement) FROM wl))::numeric,
              'WAL grew by at least the records of both paths');
CREATE TEMP TABLE wdec AS
SELECT data FROM pg_logical_slot_get_binary_changes('numapg_bench_test', NULL, NULL)
WHERE position(convert_to('prefix: numa_pg, sz: ', 'UTF8') IN data) > 0;
SELECT cmp_ok((SELECT count(*) FROM wdec WHERE position(convert_to('sz: 88 content', 'UTF8') IN data) > 0), '>=',
              (300 * (SELECT count(DISTINCT placement) FROM wl)),
              'logical decoding sees one 88-byte message per record of the baseline');
SELECT cmp_ok((SELECT count(*) FROM wdec WHERE position(convert_to('sz: 26400 content', 'UTF8') IN data) > 0), '>=',
              (SELECT count(DISTINCT placement) FROM wl),
              'and the 300 staged records as one batch of 26400 bytes per placement');

---- numa_bench_queue()
CREATE TEMP TABLE q AS SELECT * FROM numa_bench_queue(2000);
SELECT is((SELECT count(*)::int FROM q WHERE placement = 'local'), 2,
          'numa_bench_queue() gives two local rows');
SELECT results_eq($$SELECT DISTINCT benchmark, implementation FROM q ORDER BY 1, 2$$,
                  $$VALUES ('queue', 'shm_mq'), ('queue', 'spsc_ring')$$,
                  'the SPSC ring and shm_mq');
SELECT ok((SELECT bool_and(lost = 0 AND duplicated = 0) FROM q),
          'no message lost, torn or duplicated in either queue');
SELECT ok((SELECT bool_and(ops = 2000 AND ns_per_op > 0 AND ops_per_s > 0 AND ratio_vs_postgres > 0) FROM q),
          'every queue row has positive figures');
SELECT ok((SELECT bool_and(peer_cpu IS NOT NULL AND peer_cpu <> cpu) FROM q),
          'producer and consumer are pinned to different CPUs');
SELECT ok(pg_temp.ratios_sound('q', 'spsc_ring', 'shm_mq'),
          'the SPSC ring''s ratio is shm_mq''s ns_per_op over its own');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_attribute
                      WHERE attrelid = (SELECT typrelid FROM pg_type WHERE typname = 'numa_bench_result')
                        AND attname IN ('target', 'target_met'))
          AND NOT EXISTS (SELECT 1 FROM (SELECT note FROM st UNION ALL SELECT note FROM wl
                                         UNION ALL SELECT note FROM q) AS n WHERE note ~ 'target'),
          'no row carries a target: no target columns, no note about one');
SELECT is((SELECT count(*)::int FROM numa_bench_queue(500, 64, :last_cpu)
           WHERE peer_cpu = :last_cpu AND cpu <> :last_cpu AND lost = 0 AND duplicated = 0), 2,
          'consumer_cpu pins the consumer there; 64-byte messages arrive intact');

SELECT is((SELECT cpus_allowed FROM numa_process()), (SELECT cpus_allowed FROM affinity_before),
          'the backend has its CPU affinity back after the runs');

---- cancelled half-way: affinity back, memory freed, the consumer gone
SET statement_timeout = '500ms';
SELECT pg_temp.run_cancelled('SELECT count(*) FROM numa_bench_state(10000, 100000000)') AS state_run \gset
SELECT pg_temp.run_cancelled('SELECT count(*) FROM numa_bench_queue(10000000, 8192)') AS queue_run \gset
RESET statement_timeout;
SELECT is(:'state_run'::text, 'cancelled', 'numa_bench_state() can be cancelled');
SELECT is(:'queue_run'::text, 'cancelled', 'numa_bench_queue() can be cancelled');
SELECT is((SELECT cpus_allowed FROM numa_process()), (SELECT cpus_allowed FROM affinity_before),
          'the backend has its CPU affinity back after a cancel');
SELECT ok(pg_temp.consumers_gone(), 'the consumer worker of the cancelled run exits');
SELECT is((SELECT count(*)::int FROM numa_bench_state(100, 100) WHERE placement = 'local'), 4,
          'numa_bench_state() runs again after a cancel');

---- bad arguments
SELECT throws_ok('SELECT * FROM numa_bench_state(NULL, 10)', '22004', 'entries must not be null',
                 'numa_bench_state: entries NULL');
SELECT throws_ok('SELECT * FROM numa_bench_state(0, 10)', '22023', 'entries 0 is out of range',
                 'numa_bench_state: entries 0');
SELECT throws_ok('SELECT * FROM numa_bench_state(100001, 10)', '22023', 'entries 100001 is out of range',
                 'numa_bench_state: entries above 100000');
SELECT throws_ok('SELECT * FROM numa_bench_state(10, NULL)', '22004', 'operations must not be null',
                 'numa_bench_state: operations NULL');
SELECT throws_ok('SELECT * FROM numa_bench_state(10, 0)', '22023', 'operations 0 is out of range',
                 'numa_bench_state: operations 0');
SELECT throws_ok('SELECT * FROM numa_bench_state(10, 100000001)', '22023', 'operations 100000001 is out of range',
                 'numa_bench_state: operations above 100000000');
SELECT throws_ok('SELECT * FROM numa_bench_state(10, 10, 4096)', '22023',
                 'memory_node 4096 is not a NUMA node this server may allocate memory on',
                 'numa_bench_state: a node that does not exist');
SELECT throws_ok('SELECT * FROM numa_bench_state(10, 10, -1)', '22023',
                 'memory_node -1 is not a NUMA node this server may allocate memory on',
                 'numa_bench_state: a negative node');
SELECT throws_ok('SELECT * FROM numa_bench_wal(NULL)', '22004', 'records must not be null',
                 'numa_bench_wal: records NULL');
SELECT throws_ok('SELECT * FROM numa_bench_wal(0)', '22023', 'records 0 is out of range',
                 'numa_bench_wal: records 0');
SELECT throws_ok('SELECT * FROM numa_bench_wal(1000001)', '22023', 'records 1000001 is out of range',
                 'numa_bench_wal: records above 1000000');
SELECT throws_ok('SELECT * FROM numa_bench_wal(10, NULL)', '22004', 'record_size must not be null',
                 'numa_bench_wal: record_size NULL');
SELECT throws_ok('SELECT * FROM numa_bench_wal(10, 7)', '22023', 'record_size 7 is out of range',
                 'numa_bench_wal: record_size below the 8-byte key');
SELECT throws_ok('SELECT * FROM numa_bench_wal(10, 493)', '22023', 'record_size 493 is out of range',
                 'numa_bench_wal: record_size above a state entry''s 492 bytes');
SELECT throws_ok('SELECT * FROM numa_bench_queue(NULL)', '22004', 'messages must not be null',
                 'numa_bench_queue: messages NULL');
SELECT throws_ok('SELECT * FROM numa_bench_queue(0)', '22023', 'messages 0 is out of range',
                 'numa_bench_queue: messages 0');
SELECT throws_ok('SELECT * FROM numa_bench_queue(10000001)', '22023', 'messages 10000001 is out of range',
                 'numa_bench_queue: messages above 10000000');
SELECT throws_ok('SELECT * FROM numa_bench_queue(10, NULL)', '22004', 'message_size must not be null',
                 'numa_bench_queue: message_size NULL');
SELECT throws_ok('SELECT * FROM numa_bench_queue(10, 7)', '22023', 'message_size 7 is out of range',
                 'numa_bench_queue: message_size below the 8-byte sequence number');
SELECT throws_ok('SELECT * FROM numa_bench_queue(10, 8193)', '22023', 'message_size 8193 is out of range',
                 'numa_bench_queue: message_size above 8192');
SELECT throws_ok('SELECT * FROM numa_bench_queue(10, 8, -1)', '22023',
                 'consumer_cpu -1 is not a CPU this server may run on',
                 'numa_bench_queue: a negative CPU');
SELECT throws_ok('SELECT * FROM numa_bench_queue(10, 8, 8192)', '22023',
                 'consumer_cpu 8192 is not a CPU this server may run on',
                 'numa_bench_queue: a CPU that does not exist');
SELECT is((SELECT cpus_allowed FROM numa_process()), (SELECT cpus_allowed FROM affinity_before),
          'refused calls leave the CPU affinity alone');

---- only superusers
CREATE ROLE numapg_bench_user LOGIN;
SET ROLE numapg_bench_user;
SELECT throws_ok('SELECT * FROM numa_bench_state(10, 10)', '42501', 'permission denied for function numa_bench_state',
                 'a plain user may not run numa_bench_state()');
SELECT throws_ok('SELECT * FROM numa_bench_wal(10)', '42501', 'permission denied for function numa_bench_wal',
                 'a plain user may not run numa_bench_wal()');
SELECT throws_ok('SELECT * FROM numa_bench_queue(10)', '42501', 'permission denied for function numa_bench_queue',
                 'a plain user may not run numa_bench_queue()');
RESET ROLE;
GRANT EXECUTE ON FUNCTION numa_bench_state(int, int, int), numa_bench_wal(int, int),
                          numa_bench_queue(int, int, int) TO numapg_bench_user;
SET ROLE numapg_bench_user;
SELECT throws_ok('SELECT * FROM numa_bench_state(10, 10)', '42501', 'permission denied to run numa_bench_state()',
                 'granted EXECUTE, a plain user is still refused numa_bench_state()');
SELECT throws_ok('SELECT * FROM numa_bench_wal(10)', '42501', 'permission denied to run numa_bench_wal()',
                 'granted EXECUTE, a plain user is still refused numa_bench_wal()');
SELECT throws_ok('SELECT * FROM numa_bench_queue(10)', '42501', 'permission denied to run numa_bench_queue()',
                 'granted EXECUTE, a plain user is still refused numa_bench_queue()');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION numa_bench_state(int, int, int), numa_bench_wal(int, int),
                           numa_bench_queue(int, int, int) FROM numapg_bench_user;
DROP ROLE numapg_bench_user;
SELECT ok(NOT has_function_privilege('public', 'numa_bench_state(int, int, int)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'numa_bench_wal(int, int)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'numa_bench_queue(int, int, int)', 'EXECUTE'),
          'PUBLIC may not execute the benchmarks');

SELECT * FROM finish();
SELECT pg_drop_replication_slot('numapg_bench_test');
\if :bench_created
DROP EXTENSION numa_pg_bench;
\endif
