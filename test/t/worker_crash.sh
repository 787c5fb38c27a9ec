# test/t/worker_crash.sh: a worker that dies is started again and finds its
# state: after SIGTERM (the worker alone restarts; shared memory stays) and
# after SIGKILL (the postmaster recreates all shared memory; numa_pg carries
# the state stores and staged WAL records across).

. "$(dirname "$0")/tap.bash"
make_workdir

cluster_init c "$(free_port)" "shared_preload_libraries = 'numa_pg'" \
	"numa_pg.workers = 2" "numa_pg.state_store_size = '1MB'" \
	"numa_pg.wal_staging_size = '256kB'" "numa_pg.wal_flush_delay = '60s'"
cluster_start c
ok $? "server starts with 2 workers"
sql_value c "CREATE EXTENSION numa_pg" >/dev/null

# wait_restarted WORKER OLD_PID: until the worker runs with another pid
wait_restarted() {
	wait_until sql_some c "SELECT pid FROM numa_workers() WHERE worker = $1 AND running AND pid <> $2" >/dev/null
}

count_keys() {
	sql_value c "SELECT count(*) FROM generate_series(1, 100) g WHERE numa_state_get('crash-' || g) = convert_to('v' || g, 'UTF8')"
}

sql_value c "SELECT count(numa_state_put('crash-' || g, convert_to('v' || g, 'UTF8'))) FROM generate_series(1, 100) g" >/dev/null
is "$(count_keys)" 100 "100 keys stored"
staged=$(sql_value c "SELECT sum(wal_staged_bytes) FROM numa_workers()")
ok $(( staged > 0 ? 0 : 1 )) "their WAL records are staged, not yet flushed ($staged bytes)"

staged0=$(sql_value c "SELECT wal_staged_bytes FROM numa_workers() WHERE worker = 0")
staged1=$(sql_value c "SELECT wal_staged_bytes FROM numa_workers() WHERE worker = 1")

# SIGTERM: the worker writes what it staged to WAL, exits, and the
# postmaster starts it again
pid=$(sql_value c "SELECT pid FROM numa_workers() WHERE worker = 0")
kill -TERM "$pid"
wait_restarted 0 "$pid"
ok $? "worker 0 is started again after SIGTERM"
is "$(count_keys)" 100 "all keys are still there"
is "$(sql_value c "SELECT wal_staged_bytes || ' ' || wal_flushed_bytes FROM numa_workers() WHERE worker = 0")" \
	"0 $staged0" "worker 0 wrote its staged records to WAL before exiting"

# SIGKILL: the postmaster reinitialises shared memory
pid=$(sql_value c "SELECT pid FROM numa_workers() WHERE worker = 1")
pid0=$(sql_value c "SELECT pid FROM numa_workers() WHERE worker = 0")
kill -KILL "$pid"
wait_for_log "$(cluster_log c)" "all server processes terminated; reinitializing"
ok $? "SIGKILL makes the postmaster reinitialise"
wait_until sql_is c "SELECT 1" 1
# (PostgreSQL 18's postmaster would start neither again: compat_bgworker.c)
wait_restarted 1 "$pid"
ok $? "worker 1 is started again after SIGKILL"
wait_restarted 0 "$pid0"
ok $? "and worker 0, which the postmaster stopped in the crash"
like "$(cluster_log c)" "numa_pg: worker 1 kept [0-9]+ state entries and [0-9]+ staged WAL records across the crash" \
	"the log says what the worker kept"
is "$(count_keys)" 100 "all keys are still there after the crash"
is "$(sql_value c "SELECT sum(state_entries) FROM numa_workers()")" 100 "and no more"
is "$(sql_value c "SELECT wal_staged_bytes FROM numa_workers() WHERE worker = 1")" "$staged1" \
	"worker 1's staged WAL records survived too"
# the records it kept are due like any other: with a short flush delay they
# reach WAL without a new change or a numa_state_flush()
sql_value c "ALTER SYSTEM SET numa_pg.wal_flush_delay = '200ms'" >/dev/null
sql_value c "SELECT pg_reload_conf()" >/dev/null
wait_until sql_is c "SELECT wal_staged_bytes FROM numa_workers() WHERE worker = 1" 0
is "$(sql_value c "SELECT wal_staged_bytes || ' ' || (wal_flushed_bytes >= $staged1) FROM numa_workers() WHERE worker = 1")" \
	"0 true" "the records kept across the crash reach WAL once the flush delay passes"
lsn=$(sql_value c "SELECT numa_state_flush()")
ok $? "and can be flushed to WAL ($lsn)"
is "$(sql_value c "SELECT sum(wal_staged_bytes) FROM numa_workers()")" 0 "nothing is staged after the flush"

# a worker that does not answer a request (a put sent to it: direct_writes
# off): the caller gets a clear error in time, and the request is
# withdrawn: the worker skips it once it runs again
key=$(sql_value c "SELECT 'stop-' || g FROM generate_series(1, 100) g WHERE numa_state_worker('stop-' || g) = 0 LIMIT 1")
pid=$(sql_value c "SELECT pid FROM numa_workers() WHERE worker = 0")
kill -STOP "$pid"
out=$(cluster_env c; "$PG_BIN/psql" -X -At -d postgres -c "SET numa_pg.request_timeout = '500ms'" \
	-c "SET numa_pg.direct_writes = off" -c "SELECT numa_state_put('$key', '\\x01')" 2>&1)
kill -CONT "$pid"
case $out in
*"ERROR:  numa_pg worker 0 did not answer within 500 ms"*"The worker (PID $pid) is running but busy. The request was withdrawn"*) ok 0 "a stopped worker gives a timeout error naming it" ;;
*) ok 1 "a stopped worker gives a timeout error naming it"; echo "# $out" ;;
esac
is "$(sql_value c "SELECT numa_state_get('$key') IS NULL")" "t" \
	"once it runs again it skips the request that timed out: the failed put changed nothing"
is "$(sql_value c "SELECT count(*) FROM numa_workers() WHERE running")" "2" "the server and both workers are still up"

done_testing
