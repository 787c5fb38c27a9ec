# test/t/state_errors.sh: the state functions' failures, each with its
# SQLSTATE, message and detail, on one worker with a small store, a small
# WAL staging buffer and a small inbox queue:
#
# - the staging buffer written to WAL once half full, with no flush asked;
#   and, while the worker is stopped, by the writer whose record does not
#   fit;
# - a full state store, for single puts and for a batch (all or nothing);
# - puts made directly (numa_pg.direct_writes on) while the worker is
#   stopped, or not running: they succeed;
# - sent to the worker (direct_writes off): a call that gives up
#   (request_timeout, statement_timeout, its backend terminated) changes
#   nothing, even once the worker runs again: its request is withdrawn;
# - a full inbox queue ("did not take the request");
# - a worker that is not running (the postmaster held, the worker gone);
# - numa_pg.database naming a database that does not exist, or one that
#   refuses connections: direct puts are refused too.

. "$(dirname "$0")/tap.bash"
make_workdir

cluster_init e "$(free_port)" "shared_preload_libraries = 'numa_pg'" \
	"numa_pg.workers = 1" "numa_pg.state_store_size = '64kB'" \
	"numa_pg.wal_staging_size = '64kB'" "numa_pg.queue_size = '8kB'" \
	"numa_pg.wal_flush_delay = '60s'" "log_min_messages = log"
cluster_start e || cluster_failed e
ok $? "server starts with one worker, a 64 kB store and an 8 kB queue"
sql_value e "CREATE EXTENSION numa_pg" >/dev/null
log=$(cluster_log e)

# sql_out QUERY...: what psql prints, errors included, with SQLSTATEs
sql_out() {
	local args=()
	for q in "$@"; do args+=(-c "$q"); done
	cluster_env e
	"$PG_BIN/psql" -X -At -d postgres -v VERBOSITY=verbose "${args[@]}" 2>&1
}

# has TEXT PATTERN NAME: TEXT matches the shell PATTERN
has() {
	# shellcheck disable=SC2053
	[[ $1 == $2 ]]
	local rc=$?
	ok $rc "$3"
	[ $rc -eq 0 ] || printf '#      got: %s\n# expected: %s\n' "$1" "$2"
}

worker_pid() { sql_value e "SELECT pid FROM numa_workers() WHERE worker = 0"; }

# wait_running: until worker 0 runs (at most 60 s)
wait_running() { wait_until sql_is e "SELECT running FROM numa_workers() WHERE worker = 0" t; }

# -- WAL staging written on size: 100 puts of 400 bytes (> 32 kB of records)
flushes=$(sql_value e "SELECT wal_flushes FROM numa_workers()")
sql_value e "SELECT count(numa_state_put('w' || g, decode(repeat('ab', 400), 'hex'))) FROM generate_series(1, 100) g" >/dev/null
# the writer that fills it to half wakes the worker, which writes it
wait_until sql_is e "SELECT wal_flushes > $flushes AND wal_flushed_bytes >= 32768 AND wal_staged_bytes < 32768 AND wal_flush_lsn IS NOT NULL FROM numa_workers()" t
ok $? "a half-full staging buffer is written to WAL without numa_state_flush() (flush delay 60 s)"

# -- with the worker stopped, direct puts still succeed, and the writer
# whose record does not fit writes the staged batch to WAL itself
pid=$(worker_pid)
kill -STOP "$pid"
flushes=$(sql_value e "SELECT wal_flushes FROM numa_workers()")
# (200 records of 400 bytes and more, over 64 kB, on 10 keys: the store has room for 15)
is "$(sql_out "SELECT count(numa_state_put('s' || g % 10, decode(repeat(to_hex(g % 10 + 16), 400), 'hex'))) FROM generate_series(1, 200) g" "SELECT numa_state_get('s9') = decode(repeat('19', 400), 'hex')")" "200
t" "with the worker stopped, 200 direct puts of 400 bytes succeed at once and are read back"
is "$(sql_value e "SELECT wal_flushes > $flushes AND wal_staged_bytes < 65536 FROM numa_workers()")" t \
	"  the writers wrote the full staging buffer to WAL themselves"
kill -CONT "$pid"
sql_value e "SELECT count(numa_state_delete('s' || g)) FROM generate_series(0, 9) g" >/dev/null

# -- a full store: 64 kB is 128 slots, filled to 90%
out=$(sql_out "DO \$\$ BEGIN FOR g IN 1..300 LOOP PERFORM numa_state_put('f' || g, '\\x01'); END LOOP; END \$\$")
has "$out" "ERROR:  53200: numa_pg worker 0's state store is full*HINT:  Delete keys, or raise numa_pg.state_store_size and restart the server.*" \
	"a put into a full store fails with 53200 and a hint"
is "$(sql_value e "SELECT state_entries || ' ' || state_capacity FROM numa_workers()")" "115 128" \
	"  with 115 of 128 slots used: the puts before the error stay, though the DO block rolled back"
sql_value e "CREATE EXTENSION numa_pg_client" >/dev/null
is "$(sql_value e "SELECT numa_pg_client_state_put('capi-new', '\\x01') || ' ' || numa_pg_client_state_put('f1', '\\x02')")" "full ok" \
	"  through the C API a new key is refused with NUMAPG_STATE_FULL, an update of a present key is not"
is "$(sql_value e "SELECT numa_state_delete('w1')::text || numa_state_delete('w2')::text")" truetrue \
	"deleting keys makes room"
is "$(sql_out "SELECT numa_state_put('after-full', '\\x02')" "SELECT numa_state_get('after-full')")" '
\x02' "  and a put fits again"
# a batch: all or nothing (114 of 115 entries are used now)
entries=$(sql_value e "SELECT state_entries FROM numa_workers()")
out=$(sql_out "SELECT numa_state_put_many(ARRAY['b1', 'b2', 'after-full'], ARRAY['\\x01', '\\x02', '\\x03']::bytea[])")
has "$out" "ERROR:  53200: numa_pg worker 0's state store is full*DETAIL:  The store has no room for all the keys of the batch that are new to it, so nothing was stored.*HINT:  Delete keys, or raise numa_pg.state_store_size and restart the server.*" \
	"a batch put with two new keys for one free slot fails with 53200, saying nothing was stored"
is "$(sql_value e "SELECT state_entries FROM numa_workers()")|$(sql_value e "SELECT numa_state_get('after-full')")|$(sql_value e "SELECT count(*) FROM numa_state_get_many(ARRAY['b1', 'b2']) WHERE value IS NOT NULL")" \
	"$entries|\x02|0" "  and nothing was: no new key, the existing key keeps its value"
is "$(sql_out "SELECT numa_state_put_many(ARRAY['b1', 'after-full', 'b1'], ARRAY['\\x01', '\\x04', '\\x05']::bytea[])" "SELECT string_agg(key || '=' || value::text, ',') FROM numa_state_get_many(ARRAY['b1', 'after-full'])")" "
b1=\x05,after-full=\x04" "  one new key (given twice: the last value wins) fits the one free slot"
sql_value e "SELECT numa_state_delete('b1')" >/dev/null

# -- a call that gives up changes nothing, even once the worker runs again
# (first, room for what follows)
sql_value e "SELECT count(numa_state_delete('w' || g)) FROM generate_series(3, 100) g" >/dev/null
pid=$(worker_pid)
sql_value e "SELECT numa_state_put('kept', '\\x03')" >/dev/null
kill -STOP "$pid"
out=$(sql_out "SET numa_pg.direct_writes = off" "SET numa_pg.request_timeout = '300ms'" "SELECT numa_state_put('abandoned', '\\x04')")
has "$out" "*ERROR:  57014: numa_pg worker 0 did not answer within 300 ms*DETAIL:  The worker (PID $pid) is running but busy. The request was withdrawn: the worker will skip it and change nothing.*HINT:  Retry, or raise numa_pg.request_timeout.*" \
	"a put to a stopped worker times out (57014), saying the request was withdrawn"
out=$(sql_out "SET numa_pg.direct_writes = off" "SET numa_pg.request_timeout = '300ms'" "SELECT numa_state_delete('kept')")
has "$out" "*ERROR:  57014: numa_pg worker 0 did not answer within 300 ms*" "  so does a delete"
out=$(sql_out "SET numa_pg.direct_writes = off" "SET statement_timeout = '300ms'" "SELECT numa_state_put('cancelled', '\\x05')")
has "$out" "*ERROR:  57014: canceling statement due to statement timeout*" \
	"  and a put cancelled by statement_timeout fails"
# a backend terminated while it waits (a FATAL: no PG_CATCH runs)
(
	cluster_env e
	"$PG_BIN/psql" -X -At -d postgres -c "SET numa_pg.direct_writes = off" -c "SELECT numa_state_put('terminated', '\\x0b')" >/dev/null 2>&1
) &
bg=$!
bpid=$(wait_until sql_some e "SELECT pid FROM pg_stat_activity WHERE query LIKE '%numa_state_put(''terminated''%' AND pid <> pg_backend_pid() AND wait_event_type = 'Extension'")
is "$(sql_value e "SELECT pg_terminate_backend(${bpid:-0}, 10000)")" t \
	"  and a backend waiting for the stopped worker is terminated"
wait $bg
kill -CONT "$pid"
is "$(sql_value e "SELECT numa_state_get('abandoned') IS NULL")" t \
	"once the worker runs again, the timed-out put was not carried out"
is "$(sql_value e "SELECT numa_state_get('kept')")" '\x03' "  nor the timed-out delete"
is "$(sql_value e "SELECT numa_state_get('cancelled') IS NULL")" t "  nor the cancelled put"
is "$(sql_value e "SELECT numa_state_get('terminated') IS NULL")" t "  nor the put of the terminated backend"
like "$log" "LOG:  numa_pg worker 0 skipped a put request that its backend had given up on" \
	"  and the worker logged the requests it skipped"
like "$log" "LOG:  numa_pg worker 0 skipped a delete request that its backend had given up on" \
	"  (the delete too)"

# -- a full inbox queue: each timed-out put stays queued while the worker
# is stopped, until a put finds no room
kill -STOP "$pid"
out=$(sql_out "SET numa_pg.direct_writes = off" "SET numa_pg.request_timeout = '100ms'" "DO \$\$
DECLARE queued int := 0;
BEGIN
	LOOP
		BEGIN
			PERFORM numa_state_put('queued' || queued, '\\x06');
		EXCEPTION WHEN query_canceled THEN
			IF SQLERRM LIKE '%did not take the request%' THEN
				RAISE NOTICE 'queued %', queued;
				EXIT;
			END IF;
			queued := queued + 1;
			IF queued > 1000 THEN RAISE EXCEPTION 'the queue never filled'; END IF;
		END;
	END LOOP;
END \$\$" "SELECT queue_depths[1] FROM numa_workers()" "SELECT numa_state_put('one-more', '\\x07')" \
	"RESET numa_pg.direct_writes" "SELECT numa_state_put('direct-while-full', '\\x0c')" "SELECT numa_state_get('direct-while-full')")
queued=$(sed -n 's/.*NOTICE:  00000: queued \([0-9]*\).*/\1/p' <<<"$out")
depth=$(sed -n '/^[0-9][0-9]*$/p' <<<"$out" | head -1)
ok $(( queued > 0 && queued == depth ? 0 : 1 )) "the queue fills up with $queued timed-out requests (depth ${depth:-?})"
has "$out" "*ERROR:  57014: numa_pg worker 0 did not take the request within 100 ms*DETAIL:  The worker (PID $pid) is running but busy. The request never reached the worker's queue, which is full: nothing was changed.*HINT:  Retry, or raise numa_pg.request_timeout.*" \
	"then a put fails with 57014: the worker did not take the request"
has "$out" '*
\\x0c' "  while a direct put, which needs no queue, succeeds"
kill -CONT "$pid"
sql_value e "SELECT numa_state_put('drained', '\\x08')" >/dev/null
is "$(sql_value e "SELECT numa_state_get('drained') = '\\x08' AND numa_state_get('queued0') IS NULL AND numa_state_get('one-more') IS NULL")" t \
	"once the worker runs again it skips the queued requests and serves new ones"
is "$(sql_value e "SELECT queue_depths[1] FROM numa_workers()")" 0 "  and the queue is empty"

# -- a worker that is not running: hold the postmaster so that it cannot
# start the worker again, stop the worker, and ask it something
pm=$(head -1 "$NUMAPG_WORK/e/data/postmaster.pid")
cat >"$NUMAPG_WORK/gone.sql" <<SQL
\\set VERBOSITY verbose
SELECT 'connected';
\\! kill -STOP $pm; kill -TERM $pid
DO \$\$ BEGIN
	FOR i IN 1..600 LOOP
		EXIT WHEN (SELECT pid FROM numa_workers() WHERE worker = 0) IS NULL;
		PERFORM pg_sleep(0.1);
	END LOOP;
END \$\$;
SELECT 'running=' || running FROM numa_workers() WHERE worker = 0;
SET numa_pg.request_timeout = '500ms';
SET numa_pg.direct_writes = off;
SELECT numa_state_put('while-gone', '\\x09');
RESET numa_pg.direct_writes;
SELECT 'direct=' || numa_state_put('direct-while-gone', '\\x0d')::text;
\\! kill -CONT $pm
SQL
out=$(cluster_env e; "$PG_BIN/psql" -X -At -d postgres -f "$NUMAPG_WORK/gone.sql" 2>&1)
kill -CONT "$pm"
has "$out" "*running=f*" "the worker has exited, and the held postmaster has not restarted it"
has "$out" "*ERROR:  57014: numa_pg worker 0 did not answer within 500 ms*DETAIL:  The worker is not running; the postmaster restarts it within a few seconds unless the server is shutting down. The request was withdrawn: the worker will skip it and change nothing.*" \
	"a call to a worker that is not running fails with 57014, saying so"
has "$out" "*direct=*" "  a direct put, which needs no worker, succeeds"
wait_running
ok $? "the postmaster starts the worker again"
is "$(sql_value e "SELECT numa_state_get('while-gone') IS NULL")" t "  and it did not carry out the withdrawn put"
is "$(sql_value e "SELECT numa_state_get('direct-while-gone')")" '\x0d' "  the direct put is there"

# -- numa_pg.database names a database that does not exist
cluster_stop e >/dev/null
cluster_set e "numa_pg.database = 'nosuchdb'"
: >"$log"
cluster_start e
ok $? "the server starts with numa_pg.database = 'nosuchdb'"
wait_for_log "$log" 'FATAL:  database "nosuchdb" does not exist'
ok $? "  the worker exits with a FATAL"
like "$log" 'CONTEXT:  numa_pg worker 0 connecting to database "nosuchdb" \(numa_pg\.database\)' \
	"  whose context names the worker and numa_pg.database"
has "$(sql_out "SELECT numa_state_put('k', '\\x01')")" '*ERROR:  3D000: numa_pg'"'"'s workers cannot run: database "nosuchdb" does not exist*DETAIL:  The workers connect to the database that numa_pg.database names, and exit at once when it is missing.*HINT:  Create database "nosuchdb", or set numa_pg.database to an existing database and restart the server.*' \
	"a state call fails at once with 3D000, naming the database, with a hint"

# -- numa_pg.database names a database that refuses connections
sql_value e "CREATE DATABASE closed ALLOW_CONNECTIONS false" >/dev/null
cluster_stop e >/dev/null
cluster_set e "numa_pg.database = 'closed'"
: >"$log"
cluster_start e
wait_for_log "$log" 'FATAL:  database "closed" is not currently accepting connections'
ok $? "with numa_pg.database = 'closed' (ALLOW_CONNECTIONS false) the worker exits with a FATAL"
wait_until sql_is e "SELECT running FROM numa_workers() WHERE worker = 0" f
out=$(sql_out "SELECT numa_state_put('k', '\\x01')")
has "$out" '*ERROR:  55000: numa_pg worker 0 is not running*DETAIL:  Its last [0-9]* start(s) failed before it could connect to database "closed" (numa_pg.database); the server log says why. Nothing was changed.*HINT:  Make database "closed" accept connections, or set numa_pg.database to a database that does and restart the server.*' \
	"a direct put is refused with 55000: the worker, which writes its WAL, cannot connect to that database"
out=$(sql_out "SELECT numa_state_put_many(ARRAY['k'], ARRAY['\\x01'::bytea])" "SELECT numa_state_delete('k')")
has "$out" '*ERROR:  55000: numa_pg worker 0 is not running*ERROR:  55000: numa_pg worker 0 is not running*' "  so are a batch put and a delete"
is "$(sql_value e "SELECT numa_pg_client_state_put('k', '\\x01') || ' ' || numa_pg_client_state_delete('f1')")" "unavailable unavailable" \
	"  and through the C API, NUMAPG_STATE_UNAVAILABLE"
out=$(sql_out "SET numa_pg.direct_writes = off" "SET numa_pg.request_timeout = '2s'" "SELECT numa_state_put('k', '\\x01')")
has "$out" '*ERROR:  57014: numa_pg worker 0 did not answer within 2000 ms*DETAIL:  The worker is not running: its last [0-9]* start(s) failed before it could connect to database "closed" (numa_pg.database); the server log says why.*HINT:  Make database "closed" accept connections, or set numa_pg.database to a database that does and restart the server.*' \
	"a state call times out with 57014, saying the worker cannot connect to that database"

# and once fixed, the pool serves again
cluster_stop e >/dev/null
cluster_set e "numa_pg.database = 'postgres'"
cluster_start e
wait_running
sql_value e "SELECT numa_state_put('fixed', '\\x0a')" >/dev/null
is "$(sql_value e "SELECT numa_state_get('fixed') = '\\x0a'")" t \
	"with numa_pg.database fixed, the worker serves again"

done_testing
