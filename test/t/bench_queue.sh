# test/t/bench_queue.sh: numa_bench_queue() when its consumer cannot start,
# when the consumer dies mid-run (the backend stops with an error, and does
# not hang), and when the producing backend is terminated mid-run (the
# consumer exits).  test/bench.sql covers the rest.  The benchmarks are the
# extension numa_pg_bench's (bench/numa_pg_bench), which must be installed.

. "$(dirname "$0")/tap.bash"
make_workdir

# no background worker slot left: numa_pg's one worker takes the only one
cluster_init c "$(free_port)" "shared_preload_libraries = 'numa_pg'" \
	"numa_pg.workers = 1" "numa_pg.state_store_size = '1MB'" \
	"numa_pg.wal_staging_size = '256kB'" \
	"max_worker_processes = 1" "max_logical_replication_workers = 0"
cluster_start c
ok $? "server starts with max_worker_processes = 1"
sql_value c "CREATE EXTENSION numa_pg" >/dev/null
sql_value c "CREATE EXTENSION numa_pg_bench" >/dev/null
ok $? "numa_pg_bench is created"
out=$(cluster_env c; "$PG_BIN/psql" -X -At -d postgres -c "SELECT count(*) FROM numa_bench_queue(10)" 2>&1)
case $out in
*"ERROR:  could not start the benchmark's consumer process"*"max_worker_processes = 1"*"HINT:  Raise max_worker_processes"*)
	ok 0 "without a free worker slot: an error with the setting and a hint" ;;
*) ok 1 "without a free worker slot: an error with the setting and a hint"; echo "# $out" ;;
esac
cluster_stop c >/dev/null

cluster_set c "max_worker_processes = 8"
cluster_start c
ok $? "server starts again with max_worker_processes = 8"

# consumer_pid: the consumer's pid once it runs (at most 60 s)
consumer_pid() {
	wait_until sql_some c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'numa_pg benchmark consumer'"
}

# consumers_gone: true once no consumer runs (at most 60 s)
consumers_gone() {
	wait_until sql_is c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'numa_pg benchmark consumer'" 0
}

# the consumer terminated mid-run: the producer reports it, promptly
out_file=$NUMAPG_WORK/killed_consumer.out
(
	cluster_env c
	exec timeout 120 "$PG_BIN/psql" -X -At -d postgres \
		-c "SELECT cpus_allowed FROM numa_process()" \
		-c "SELECT count(*) FROM numa_bench_queue(10000000, 8192)" \
		-c "SELECT cpus_allowed FROM numa_process()" >"$out_file" 2>&1
) &
psql_pid=$!
pid=$(consumer_pid)
ok $? "the consumer worker runs ($pid)"
sql_value c "SELECT pg_terminate_backend($pid)" >/dev/null
wait "$psql_pid"
rc=$?
ok $(( rc == 124 ? 1 : 0 )) "the producer does not hang when its consumer is terminated"
like "$out_file" "ERROR:  the benchmark's consumer process (exited before it was done|detached from its shm_mq)" \
	"it stops with an error saying the consumer went away"
is "$(grep '^{' "$out_file" | sed -n 2p)" "$(grep '^{' "$out_file" | sed -n 1p)" \
	"and has its CPU affinity back"

# the producer terminated mid-run: the consumer exits
(
	cluster_env c
	exec timeout 120 "$PG_BIN/psql" -X -At -d postgres \
		-c "SELECT count(*) FROM numa_bench_queue(10000000, 8192)" >/dev/null 2>&1
) &
psql_pid=$!
pid=$(consumer_pid)
ok $? "a second consumer worker runs ($pid)"
producer=$(sql_value c "SELECT pid FROM pg_stat_activity WHERE query LIKE '%numa_bench_queue(10000000%' AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
sql_value c "SELECT pg_terminate_backend($producer)" >/dev/null
wait "$psql_pid"
consumers_gone
ok $? "the consumer exits when its producer is terminated"

cluster_stop c >/dev/null
done_testing
