# test/t/state_reads.sh: the state stores stay right while many clients
# read and write them at once: gets read the owning worker's store
# directly, without a lock; puts and deletes are made by the backends
# themselves under the store's lock, or (half the clients) sent to the
# worker, which takes the same lock.
#
# pgbench runs 8 clients for 60 s (NUMAPG_STATE_READS_SECONDS) against 2
# workers.  Each transaction puts a fresh value under one of its client's
# own keys and reads it back (exactly that value: read-your-writes through
# a direct read), deletes another of its own keys and reads it as absent,
# then puts, deletes and reads keys that all clients share, and puts and
# reads a batch of its own keys (numa_state_put_many/get_many).  Every
# value carries its writer's client id, a random number, a padding of
# random length and an MD5 of the rest, so a value read from a shared key
# must be one that some client wrote, whole.  Each client also counts its
# transactions in its own key (read, add one, write): at the end the
# counts must add up to the transactions pgbench ran, so no write was lost
# and no read was stale.  A check that fails divides by zero, which aborts
# the client and makes pgbench exit non-zero.  Clients with an odd id send
# their puts and deletes to the worker (numa_pg.direct_writes off).  Then,
# with a worker stopped, a get of its key still answers (it did not ask the
# worker), and with numa_pg.direct_reads off it asks the worker and times
# out.

. "$(dirname "$0")/tap.bash"
make_workdir

SECONDS_RUN=${NUMAPG_STATE_READS_SECONDS:-60}

cluster_init r "$(free_port)" "shared_preload_libraries = 'numa_pg'" \
	"numa_pg.workers = 2" "numa_pg.state_store_size = '1MB'" "numa_pg.wal_flush_delay = '100ms'"
cluster_start r || cluster_failed r
ok $? "server starts with 2 workers"
sql_value r "CREATE EXTENSION numa_pg" >/dev/null
sql_value r "CREATE FUNCTION signed(c int, n int, r int) RETURNS bytea LANGUAGE sql IMMUTABLE
	AS \$\$ SELECT convert_to(x || ':' || md5(x), 'UTF8') FROM (SELECT 'w' || c || ':' || n || ':' || repeat('p', r) AS x) s \$\$" >/dev/null
sql_value r "CREATE FUNCTION well_signed(v bytea) RETURNS bool LANGUAGE sql IMMUTABLE
	AS \$\$ SELECT v IS NULL OR (SELECT t ~ '^w[0-7]:[0-9]+:p*:[0-9a-f]{32}\$' AND md5(left(t, -33)) = right(t, 32)
		FROM convert_from(v, 'UTF8') t) \$\$" >/dev/null
is "$(sql_value r "SELECT well_signed(signed(3, 42, 7)) AND NOT well_signed(overlay(signed(3, 42, 7) PLACING '\\x71' FROM 5))
	AND NOT well_signed('\\x77333a34323a')")" t "a signed value checks out, a changed or cut one does not"

cat >"$NUMAPG_WORK/reads.pgbench" <<'EOF'
\if :client_id % 2 = 1
SET numa_pg.direct_writes = off;
\endif
SELECT coalesce(convert_from(numa_state_get('count:' || :client_id), 'UTF8')::bigint, 0) AS count \gset
SELECT numa_state_put('count:' || :client_id, convert_to((:count + 1)::text, 'UTF8'));
SELECT 1 / (numa_state_get('count:' || :client_id) = convert_to((:count + 1)::text, 'UTF8'))::int;
\set p random(1, 20)
\set q random(1, 20)
\set k random(1, 40)
\set d random(1, 40)
\set n random(1, 1000000000)
\set r random(0, 300)
SELECT numa_state_put('own:' || :client_id || ':' || :p, signed(:client_id, :n, :r));
SELECT 1 / coalesce(numa_state_get('own:' || :client_id || ':' || :p) = signed(:client_id, :n, :r), false)::int;
SELECT numa_state_delete('own:' || :client_id || ':' || :q);
SELECT 1 / (numa_state_get('own:' || :client_id || ':' || :q) IS NULL)::int;
SELECT numa_state_put('shared:' || :k, signed(:client_id, :n, :r));
SELECT 1 / coalesce(well_signed(numa_state_get('shared:' || :k)), false)::int;
SELECT numa_state_delete('shared:' || :d);
SELECT 1 / coalesce((SELECT bool_and(well_signed(numa_state_get('shared:' || g))) FROM generate_series(1, 40) g), false)::int;
SELECT numa_state_put_many(ARRAY['batch:' || :client_id || ':1', 'batch:' || :client_id || ':2', 'shared:' || :k],
	ARRAY[signed(:client_id, :n, 1), signed(:client_id, :n, 2), signed(:client_id, :n, :r)]);
SELECT 1 / coalesce((SELECT bool_and(value = signed(:client_id, :n, ord::int)) FROM numa_state_get_many(ARRAY['batch:' || :client_id || ':1', 'batch:' || :client_id || ':2']) WITH ORDINALITY AS t(key, value, ord)), false)::int;
EOF

cluster_env r
"$PG_BIN/pgbench" -n -c 8 -j 2 -T "$SECONDS_RUN" -f "$NUMAPG_WORK/reads.pgbench" postgres >"$NUMAPG_WORK/pgbench.out" 2>&1
rc=$?
ok $rc "8 pgbench clients for $SECONDS_RUN s: every read their own write, every shared value whole (pgbench exit $rc)"
[ $rc -eq 0 ] || tail -20 "$NUMAPG_WORK/pgbench.out" | sed 's/^/# /'
like "$NUMAPG_WORK/pgbench.out" "number of failed transactions: 0 " "  no transaction failed"
tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$NUMAPG_WORK/pgbench.out")
ok $(( ${tx:-0} >= 1000 ? 0 : 1 )) "  and they ran ${tx:-no} transactions (46 gets and 2 batch gets each)"
is "$(sql_value r "SELECT count(*) FROM generate_series(1, 40) g WHERE NOT well_signed(numa_state_get('shared:' || g))")" 0 \
	"afterwards every shared key left holds a whole value"
is "$(sql_value r "SELECT sum(convert_from(numa_state_get('count:' || c), 'UTF8')::bigint) FROM generate_series(0, 7) c")" "${tx:-none}" \
	"  and the clients' counts add up to the $tx transactions: no write lost, no read stale"
is "$(sql_value r "SELECT count(*) FROM numa_workers() WHERE running")" 2 "both workers still run"

# a stopped worker: a direct read does not need it; a request does
sql_value r "SELECT numa_state_put('k' || g, '\\x0102') FROM generate_series(1, 20) g" >/dev/null
key=$(sql_value r "SELECT 'k' || g FROM generate_series(1, 20) g WHERE numa_state_worker('k' || g) = 0 LIMIT 1")
pid=$(sql_value r "SELECT pid FROM numa_workers() WHERE worker = 0")
kill -STOP "$pid"
out=$(cluster_env r; "$PG_BIN/psql" -X -q -At -d postgres -c "SET numa_pg.request_timeout = '500ms'" \
	-c "SELECT numa_state_get('$key'), numa_state_get('never-stored-$key') IS NULL" 2>&1)
(
	cluster_env r
	"$PG_BIN/psql" -X -q -At -d postgres -c "SET numa_pg.request_timeout = '500ms'" \
		-c "SET numa_pg.direct_reads = off" -c "SELECT numa_state_get('$key')"
) >"$NUMAPG_WORK/off.out" 2>&1
kill -CONT "$pid"
is "$out" '\x0102|t' "with its worker stopped, a get reads the key's value, and an absent key as NULL, from the store"
like "$NUMAPG_WORK/off.out" "ERROR:  numa_pg worker 0 did not answer within 500 ms" \
	"  with numa_pg.direct_reads off, the get asks the stopped worker and times out"
is "$(cluster_env r; "$PG_BIN/psql" -X -q -At -d postgres -c "SET numa_pg.direct_reads = off" -c "SELECT numa_state_get('$key')")" '\x0102' \
	"  and once the worker runs again, it answers the same"

done_testing
