# test/t/drop_database.sh: numa_pg.database dropped while a backend that
# already used the workers stays connected.
#
# DROP DATABASE ... WITH (FORCE) terminates the workers connected to it,
# and they cannot start again.  A backend that had looked the database up
# before must then get what a new backend gets, 3D000 naming the missing
# database, not a timeout with a hint to make it accept connections; and
# once the database exists again, the same backend is served again.

. "$(dirname "$0")/tap.bash"
make_workdir

cluster_init d "$(free_port)" "shared_preload_libraries = 'numa_pg'" "numa_pg.workers = 1"
cluster_start d || cluster_failed d
ok $? "server starts with one worker, numa_pg.database = 'postgres'"
log=$(cluster_log d)
sql_value d "CREATE DATABASE app" >/dev/null

# app SQL: psql in database app (postgres is dropped below), errors shown
app() {
	cluster_env d
	"$PG_BIN/psql" -X -At -d app -v VERBOSITY=verbose -c "$1" 2>&1
}
# app_is QUERY EXPECTED: QUERY in database app prints EXPECTED, for wait_until
app_is() { [ "$(app "$1")" = "$2" ]; }
app "CREATE EXTENSION numa_pg" >/dev/null
wait_until app_is "SELECT running FROM numa_workers() WHERE worker = 0" t
ok $? "the worker runs"

# the backend kept open: a psql reading from a fifo, its output in a file
mkfifo "$NUMAPG_WORK/kept.in"
(
	cluster_env d
	exec stdbuf -o0 -e0 "$PG_BIN/psql" -X -At -d app -v VERBOSITY=verbose \
		<"$NUMAPG_WORK/kept.in" >"$NUMAPG_WORK/kept.out" 2>&1
) &
kept_psql=$!
exec 7>"$NUMAPG_WORK/kept.in"
n=0
# kept SQL: run SQL in the kept backend; its output in $KEPT
kept() {
	local before
	n=$((n + 1))
	before=$(wc -l <"$NUMAPG_WORK/kept.out")
	printf '%s;\n\\echo end-%d\n' "$1" "$n" >&7
	wait_until grep -q "^end-$n\$" "$NUMAPG_WORK/kept.out" || echo "# the kept backend did not answer"
	KEPT=$(tail -n +$((before + 1)) "$NUMAPG_WORK/kept.out" | sed "/^end-$n\$/,\$d")
}
kept "SET numa_pg.request_timeout = '2s'"
kept "SELECT pg_backend_pid()"
kept_pid=$KEPT
kept "SELECT numa_state_put('before', '\\x01'); SELECT numa_state_get('before')"
is "$KEPT" '
\x01' "the kept backend puts and gets a key (it has looked the database up)"

# has TEXT PATTERN NAME: TEXT matches the shell PATTERN
has() {
	# shellcheck disable=SC2053
	[[ $1 == $2 ]]
	local rc=$?
	ok $rc "$3"
	[ $rc -eq 0 ] || printf '#      got: %s\n# expected: %s\n' "$1" "$2"
}

missing='*ERROR:  3D000: numa_pg'"'"'s workers cannot run: database "postgres" does not exist*DETAIL:  The workers connect to the database that numa_pg.database names, and exit at once when it is missing.'
hint='HINT:  Create database "postgres", or set numa_pg.database to an existing database and restart the server.*'

# twice: puts made by the backend itself (numa_pg.direct_writes on, the
# default), then sent to the worker (off)
for mode in on off; do
	kept "SET numa_pg.direct_writes = $mode"
	: >"$log"
	app "DROP DATABASE postgres WITH (FORCE)" >/dev/null
	is "$(app "SELECT count(*) FROM pg_database WHERE datname = 'postgres'")" 0 "direct_writes $mode: DROP DATABASE postgres WITH (FORCE)"
	wait_for_log "$log" 'FATAL:  database "postgres" does not exist'
	ok $? "  the worker, terminated, cannot start again"
	is "$(app "SELECT pid FROM pg_stat_activity WHERE pid = $kept_pid")" "$kept_pid" "  the kept backend (in database app) is still connected"

	if [ $mode = on ]; then
		# its failed start is counted once it has exited, after the FATAL
		wait_until app_is "SELECT running FROM numa_workers() WHERE worker = 0" f
		kept "SELECT numa_state_put('after', '\\x02')"
		has "$KEPT" "$missing Nothing was changed.*$hint" \
			"  the kept backend's put, made directly, fails with 3D000, naming the missing database: the worker cannot write its WAL"
	else
		kept "SELECT numa_state_put('after', '\\x02')"
		has "$KEPT" \
			"$missing The request was withdrawn: the worker will skip it and change nothing.*$hint" \
			"  the kept backend's put, sent to the worker, fails with 3D000, naming the missing database, and says the request was withdrawn"
	fi
	kept "SELECT numa_state_get('after')"
	has "$KEPT" "$missing
$hint" "  its next call fails at once with 3D000"
	has "$(app "SELECT numa_state_get('after')")" "$missing
$hint" "  a new backend's call fails with the same 3D000"

	app "CREATE DATABASE postgres" >/dev/null
	wait_until app_is "SELECT running FROM numa_workers() WHERE worker = 0" t
	ok $? "  with database postgres created again, the worker runs again"
	kept "SELECT numa_state_put('again-$mode', '\\x03'); SELECT numa_state_get('again-$mode')"
	is "$KEPT" '
\x03' "  and serves the kept backend again"
	kept "SELECT numa_state_get('after') IS NULL"
	is "$KEPT" t "  and the refused put was not made"
done

exec 7>&-
wait "$kept_psql"
done_testing
