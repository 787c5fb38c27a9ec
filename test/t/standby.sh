# test/t/standby.sh: on a server in recovery (a standby), numa_pg loads,
# reports, and says at once that its workers do not run yet, rather than
# making every state call wait for its timeout.

. "$(dirname "$0")/tap.bash"
make_workdir

cluster_init s "$(free_port)" "shared_preload_libraries = 'numa_pg'" \
	"numa_pg.workers = 2" "numa_pg.state_store_size = '1MB'" "numa_pg.wal_staging_size = '256kB'"
cluster_start s
ok $? "the server starts as a primary"
sql_value s "CREATE EXTENSION numa_pg" >/dev/null
cluster_stop s >/dev/null

# a standby without a primary: it replays what it has and stays in recovery
touch "$NUMAPG_WORK/s/data/standby.signal"
chown "$PG_OS_USER" "$NUMAPG_WORK/s/data/standby.signal"
cluster_start s
ok $? "it starts again as a standby"
is "$(sql_value s "SELECT pg_is_in_recovery()")" t "in recovery"
is "$(sql_value s "SELECT count(*) > 0 FROM numa_topology()")" t "numa_topology() works on the standby"
is "$(sql_value s "SELECT count(*) FROM numa_workers() WHERE running")" 0 "no worker runs during recovery"

out=$(cluster_env s; "$PG_BIN/psql" -X -At -d postgres -c "SELECT numa_state_get('k')" 2>&1)
# (without the check, the call would wait out numa_pg.request_timeout and
# then blame a worker)
case $out in
*"ERROR:  numa_pg's workers do not run during recovery"*"HINT:  Use the numa_pg state functions on the primary."*)
	ok 0 "numa_state_get() says the workers do not run during recovery, with a hint" ;;
*) ok 1 "numa_state_get() says the workers do not run during recovery, with a hint"; echo "# $out" ;;
esac
is "$(sql_value s "SELECT 1")" 1 "the standby still serves queries"

done_testing
