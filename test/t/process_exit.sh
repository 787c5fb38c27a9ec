# test/t/process_exit.sh: numa_processes() and numa_process_nodes() leave
# out a process that ends while they run, instead of failing.
#
# First, deterministically: in one transaction, a first read of
# pg_stat_activity takes the snapshot of the backend status array that the
# functions then read too; five backends in it are terminated (and waited
# for), so the functions find them gone (/proc/PID missing, or a zombie)
# and must leave them out, with a DEBUG1 line for each in each call.  Then, by chance: while
# backends that live 0 to 50 ms are started and end all the time, the
# functions are called 200 times each, and none may fail; the DEBUG1 lines
# say how many processes ended mid-call (printed, not required: it is
# luck).

. "$(dirname "$0")/tap.bash"
make_workdir

cluster_init x "$(free_port)" "shared_preload_libraries = 'numa_pg'" "numa_pg.workers = 1" \
	"max_connections = 40"
cluster_start x || cluster_failed x
ok $? "server starts"
sql_value x "CREATE EXTENSION numa_pg" >/dev/null
cluster_env x

# five backends that sleep until terminated
pids=()
for i in 1 2 3 4 5; do
	PGAPPNAME=victim "$PG_BIN/psql" -X -At -d postgres -c "SELECT pg_sleep(600)" >/dev/null 2>&1 &
	pids+=($!)
done
wait_until sql_is x "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'victim'" 5
ok $? "five backends to end are running"

for fn in numa_processes numa_process_nodes; do
	out=$("$PG_BIN/psql" -X -At -d postgres -v ON_ERROR_STOP=1 2>&1 <<EOF
BEGIN;
CREATE TEMP TABLE victims AS SELECT pid FROM pg_stat_activity WHERE application_name = 'victim';
SELECT 'terminated', count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM victims;
SET client_min_messages = debug1;
SELECT 'listed', count(*) FROM $fn() WHERE pid IN (SELECT pid FROM victims);
SELECT 'others', count(DISTINCT pid) > 1 FROM $fn();
RESET client_min_messages;
COMMIT;
EOF
	)
	if [ "$fn" = numa_processes ]; then
		like <(echo "$out") '^terminated\|5$' "the five backends are terminated within a transaction that still lists them"
		# start five more for the second function
		for i in 1 2 3 4 5; do
			PGAPPNAME=victim "$PG_BIN/psql" -X -At -d postgres -c "SELECT pg_sleep(600)" >/dev/null 2>&1 &
		done
		wait_until sql_is x "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'victim'" 5
	fi
	like <(echo "$out") '^listed\|0$' "$fn(): the ended backends are left out, without an error"
	like <(echo "$out") '^others\|t$' "$fn():   the others are listed"
	is "$(echo "$out" | grep -c 'ended while it was read: left out')" 10 "$fn():   a DEBUG1 line says so for each, in each of the two calls"
done
wait

# by chance: short-lived backends all the time, the functions in a loop
stop=$NUMAPG_WORK/stop
churn() {
	while [ ! -e "$stop" ]; do
		"$PG_BIN/psql" -X -At -d postgres -c "SELECT pg_sleep(random() * 0.05)" >/dev/null 2>&1
	done
}
for i in 1 2 3 4 5 6; do churn & done
{
	echo "SET client_min_messages = debug1;"
	for i in $(seq 200); do
		echo "SELECT count(*) >= 0 FROM numa_processes();"
		echo "SELECT count(*) >= 0 FROM numa_process_nodes();"
	done
} >"$NUMAPG_WORK/loop.sql"
"$PG_BIN/psql" -X -At -d postgres -f "$NUMAPG_WORK/loop.sql" >"$NUMAPG_WORK/loop.out" 2>"$NUMAPG_WORK/loop.err"
rc=$?
touch "$stop"
wait
is "$rc:$(grep -c '^t$' "$NUMAPG_WORK/loop.out"):$(grep -c 'ERROR' "$NUMAPG_WORK/loop.err")" "0:400:0" \
	"400 calls while backends start and end: all answer, no error"
grep 'ERROR' "$NUMAPG_WORK/loop.err" | head -5 | sed 's/^/# /'
echo "# processes that ended while they were read, over the 400 calls: $(grep -c 'left out' "$NUMAPG_WORK/loop.err")"

done_testing
