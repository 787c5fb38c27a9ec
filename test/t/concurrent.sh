# test/t/concurrent.sh: many sessions at once, each getting its own answers
# (and a state store size that is not a power of two of slots, rounded down).
#
# pgbench runs 8 clients against 2 workers; each transaction writes a fresh
# value (client, key, a random nonce) under one of its own keys, reads it
# back and checks that the answer is exactly that value, then deletes one of
# its keys and checks that it is gone.  A reply delivered to the wrong
# session, or a stale one, fails the check (a division by zero), which
# aborts the client and makes pgbench exit non-zero.  On this machine the
# backends of one node share one inbox queue per worker, so the run also
# has many producers taking turns on each queue.

. "$(dirname "$0")/tap.bash"
make_workdir

cluster_init p "$(free_port)" "shared_preload_libraries = 'numa_pg'" \
	"numa_pg.workers = 2" "numa_pg.state_store_size = '1000kB'" \
	"numa_pg.wal_staging_size = '1MB'" "numa_pg.wal_flush_delay = '100ms'"
cluster_start p || cluster_failed p
ok $? "server starts with 2 workers"
sql_value p "CREATE EXTENSION numa_pg" >/dev/null

# 1000 kB is not a power of two of 512-byte slots: rounded down, and logged
is "$(sql_value p "SELECT string_agg(DISTINCT state_capacity::text, ',') FROM numa_workers()")" 1024 \
	"numa_pg.state_store_size = '1000kB' gives 1024 slots (512 kB), as state_capacity says"
like "$(cluster_log p)" "LOG:  numa_pg: numa_pg.state_store_size of 1000 kB holds 1024 slots of 512 bytes \(512 kB\) per worker" \
	"  and the start-up log says so"
like "$(cluster_log p)" "HINT:  Set numa_pg.state_store_size to a power of two, such as 1024 kB, to use all of it\." \
	"  with a hint"

nodes_with_cpus=$(sql_value p "SELECT count(*) FROM numa_topology() WHERE cpu_count > 0")
is "$(sql_value p "SELECT string_agg(DISTINCT array_length(queue_depths, 1)::text, ',') FROM numa_workers()")" \
	"$nodes_with_cpus" "each worker has one inbox queue per node with CPUs, shared by that node's backends"

cat >"$NUMAPG_WORK/state.pgbench" <<'EOF'
\set k random(1, 200)
\set n random(1, 1000000000)
\set d random(1, 200)
SELECT numa_state_put('c' || :client_id || ':' || :k, convert_to('v' || :client_id || ':' || :k || ':' || :n, 'UTF8'));
SELECT 1 / coalesce(numa_state_get('c' || :client_id || ':' || :k) = convert_to('v' || :client_id || ':' || :k || ':' || :n, 'UTF8'), false)::int;
SELECT numa_state_delete('c' || :client_id || ':' || :d);
SELECT 1 / (numa_state_get('c' || :client_id || ':' || :d) IS NULL)::int;
EOF

flushes=$(sql_value p "SELECT sum(wal_flushes) FROM numa_workers()")
cluster_env p
"$PG_BIN/pgbench" -n -c 8 -j 2 -t 300 -f "$NUMAPG_WORK/state.pgbench" postgres >"$NUMAPG_WORK/pgbench.out" 2>&1
rc=$?
ok $rc "8 pgbench clients, 300 transactions each, every answer their own (pgbench exit $rc)"
[ $rc -eq 0 ] || tail -20 "$NUMAPG_WORK/pgbench.out" | sed 's/^/# /'
like "$NUMAPG_WORK/pgbench.out" "number of transactions actually processed: 2400/2400" "  all 2400 transactions ran"
like "$NUMAPG_WORK/pgbench.out" "number of failed transactions: 0 " "  none failed"

is "$(sql_value p "SELECT count(*) FROM generate_series(0, 7) c, generate_series(1, 200) k,
		LATERAL (SELECT convert_from(numa_state_get('c' || c || ':' || k), 'UTF8') AS v) got
	WHERE v IS NOT NULL AND v NOT LIKE 'v' || c || ':' || k || ':%'")" 0 \
	"afterwards every key that is left holds a value its own client wrote"
left=$(sql_value p "SELECT sum(state_entries) FROM numa_workers()")
ok $(( left > 0 ? 0 : 1 )) "  and some are left ($left)"
is "$(sql_value p "SELECT bool_and(state_entries > 0) FROM numa_workers()")" t "  on both workers"
# the staged changes are far below half a buffer: only the flush delay
# (100 ms) can have written them, while the workers were kept busy
is "$(sql_value p "SELECT sum(wal_flushes) > $flushes FROM numa_workers()")" t \
	"under load the workers still wrote their changes to WAL when the flush delay passed"
is "$(sql_value p "SELECT count(*) FROM numa_workers() WHERE running")" 2 "both workers still run"

done_testing
