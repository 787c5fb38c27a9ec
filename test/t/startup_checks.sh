# test/t/startup_checks.sh: what numa_pg refuses before the server runs.
#
# - numa_pg.workers that max_worker_processes cannot start, counting the
#   slots PostgreSQL's own workers (the logical replication launcher) and
#   earlier libraries take: a FATAL naming both parameters, with a hint;
#   a library loaded after numa_pg cannot take the workers' slots;
# - ALTER SYSTEM refuses numa_pg.workers and numa_pg.worker_cpus values
#   that would stop the restart (more workers than CPUs, a CPU list shorter
#   than numa_pg.workers), leaving postgresql.auto.conf as it was, and
#   checks each against the other's value in the configuration files;
# - a misspelt numa_pg.* name, in postgresql.conf or on the command line,
#   stops the start with a FATAL naming the nearest real parameter;
# - a numa_pg size that the kernel would not map is refused before the
#   segment is created, naming numa_pg's parameters; numa_pg's share of
#   shared memory is logged per parameter at each start;
# - a refused value in postgresql.conf is logged once, not twice.

. "$(dirname "$0")/tap.bash"
make_workdir

cpus=$(nproc)
cluster_init s "$(free_port)" "shared_preload_libraries = 'numa_pg'"
conf=$NUMAPG_WORK/s/data/postgresql.conf
auto=$NUMAPG_WORK/s/data/postgresql.auto.conf
log=$(cluster_log s)
as_pg_user touch "$log"	# the server writes it; the tests empty it
cp "$conf" "$NUMAPG_WORK/s/postgresql.conf.good"
cp "$auto" "$NUMAPG_WORK/s/postgresql.auto.conf.good"

# restore: postgresql.conf and postgresql.auto.conf as at the start
restore() {
	cp "$NUMAPG_WORK/s/postgresql.conf.good" "$conf"
	cp "$NUMAPG_WORK/s/postgresql.auto.conf.good" "$auto"
}

# start_fails NAME [wrapper...]: the start fails (the log is emptied first)
start_fails() {
	local name=$1
	shift
	: >"$log"
	if cluster_start s "$@"; then
		ok 1 "$name"
		cluster_stop s >/dev/null
	else
		ok 0 "$name"
	fi
}

# count_lines REGEX: lines of the log matching REGEX
count_lines() { grep -Ec -- "$1" "$log"; }

# psql_out QUERY: what psql prints, errors included (also kept in $outf)
outf=$NUMAPG_WORK/psql.out
psql_out() {
	cluster_env s
	"$PG_BIN/psql" -X -At -d postgres -c "$1" >"$outf" 2>&1
	cat "$outf"
}

##### 3. numa_pg.workers and max_worker_processes

# the logical replication launcher (max_logical_replication_workers is 4 by
# default) takes one of the 2 slots: the second worker would never run
cluster_set s "numa_pg.workers = 2" "max_worker_processes = 2"
start_fails "numa_pg.workers = 2 with max_worker_processes = 2: the start fails"
like "$log" 'FATAL:  numa_pg: numa_pg.workers \(2\) is more than max_worker_processes \(2\) allows' \
	"  with a FATAL naming both parameters"
like "$log" 'DETAIL:  Each numa_pg worker takes a slot of max_worker_processes, and 1 slot is taken before numa_pg.s: 1 by PostgreSQL itself: "logical replication launcher", 0 by libraries earlier in shared_preload_libraries\.' \
	"  a detail with the slot PostgreSQL's launcher takes"
like "$log" 'HINT:  Raise max_worker_processes to at least 3 \(plus what parallel queries, logical replication workers and other extensions need\), or lower numa_pg.workers\.' \
	"  and a hint with the number needed"
is "$(count_lines 'too many background workers')" 0 "  no worker was left unregistered"
restore

# without the launcher, both slots are numa_pg's
if [ "$cpus" -ge 2 ]; then
	cluster_set s "numa_pg.workers = 2" "max_worker_processes = 2" "max_logical_replication_workers = 0"
	: >"$log"
	cluster_start s
	ok $? "with max_logical_replication_workers = 0, 2 workers fit in max_worker_processes = 2"
	sql_value s "CREATE EXTENSION IF NOT EXISTS numa_pg" >/dev/null
	wait_until sql_is s "SELECT count(*) FROM numa_workers() WHERE running" 2
	ok $? "  and both run"
	cluster_stop s >/dev/null
	restore
fi

# a library earlier in shared_preload_libraries (pg_prewarm's autoprewarm
# leader) takes a slot too
cluster_set s "shared_preload_libraries = 'pg_prewarm, numa_pg'" "numa_pg.workers = 2" \
	"max_worker_processes = 3"
start_fails "pg_prewarm before numa_pg, 2 workers, max_worker_processes = 3: the start fails"
like "$log" 'DETAIL:  .*and 2 slots are taken before numa_pg.s: 1 by PostgreSQL itself: "logical replication launcher", 1 by libraries earlier in shared_preload_libraries\.' \
	"  the detail counts the earlier library's worker"
like "$log" 'HINT:  Raise max_worker_processes to at least 4 ' "  and the hint the slots needed"
restore

# a library after numa_pg: numa_pg's workers have their slots, PostgreSQL
# refuses the library's worker instead
if [ "$cpus" -ge 2 ]; then
	cluster_set s "shared_preload_libraries = 'numa_pg, pg_prewarm'" "numa_pg.workers = 2" \
		"max_worker_processes = 3"
	: >"$log"
	cluster_start s
	ok $? "numa_pg before pg_prewarm, 2 workers, max_worker_processes = 3: the server starts"
	sql_value s "CREATE EXTENSION IF NOT EXISTS numa_pg" >/dev/null
	wait_until sql_is s "SELECT count(*) FROM numa_workers() WHERE running AND starts > 0" 2
	ok $? "  both numa_pg workers run"
	like "$log" 'LOG:  too many background workers' "  and PostgreSQL refused pg_prewarm's worker instead"
	cluster_stop s >/dev/null
	restore
fi

##### 4. ALTER SYSTEM refuses what would stop the restart

if [ "$cpus" -ge 2 ]; then
	cluster_set s "numa_pg.workers = 2"
	: >"$log"
	cluster_start s
	ok $? "the server starts with 2 workers"
	before=$(md5sum <"$auto")

	out=$(psql_out "ALTER SYSTEM SET numa_pg.workers = $((cpus + 1))")
	like "$outf" "ERROR:  invalid value for parameter \"numa_pg.workers\": $((cpus + 1))$" \
		"ALTER SYSTEM SET numa_pg.workers = $((cpus + 1)) ($cpus CPUs) is refused"
	like "$outf" "DETAIL:  $((cpus + 1)) workers need $((cpus + 1)) CPUs, but this server's allowed CPU set provides $cpus\." \
		"  with a detail"
	like "$outf" 'HINT:  Lower numa_pg.workers, or give numa_pg.worker_cpus more CPUs \(one per worker\)\.' \
		"  and a hint"

	out=$(psql_out "ALTER SYSTEM SET numa_pg.worker_cpus = '1'")
	like "$outf" 'ERROR:  invalid value for parameter "numa_pg.worker_cpus": "1"' \
		"ALTER SYSTEM SET numa_pg.worker_cpus = '1' with 2 workers is refused"
	like "$outf" 'DETAIL:  2 workers need 2 CPUs, but the CPU list provides 1\.' "  with a detail"
	is "$(md5sum <"$auto")" "$before" "postgresql.auto.conf is unchanged"
	is "$(sql_value s 'SELECT 1')" 1 "the server still runs"

	# each is checked against the other's value at the next start
	out=$(psql_out "ALTER SYSTEM SET numa_pg.workers = 1")
	is "$out" "ALTER SYSTEM" "ALTER SYSTEM SET numa_pg.workers = 1 is accepted"
	out=$(psql_out "ALTER SYSTEM SET numa_pg.worker_cpus = '1'")
	is "$out" "ALTER SYSTEM" "  then numa_pg.worker_cpus = '1' too: one CPU for one worker"
	out=$(psql_out "ALTER SYSTEM SET numa_pg.workers = 2")
	like "$outf" 'DETAIL:  2 workers need 2 CPUs, but the CPU list provides 1\.' \
		"  and numa_pg.workers = 2 is refused against that list"
	cluster_stop s >/dev/null
	: >"$log"
	cluster_start s
	ok $? "the server restarts with what ALTER SYSTEM accepted"
	wait_until sql_is s "SELECT string_agg(cpu::text, ',') FROM numa_workers() WHERE running" 1
	ok $? "  one worker, on CPU 1"
	cluster_stop s >/dev/null
	restore
fi

##### 5. a misspelt numa_pg.* name

cluster_set s "numa_pg.worker = 2"
start_fails "numa_pg.worker = 2 in postgresql.conf: the start fails"
like "$log" 'FATAL:  unrecognized configuration parameter "numa_pg.worker"' "  with a FATAL naming it"
like "$log" "DETAIL:  It is set in file \".*postgresql.conf\" line $(wc -l <"$conf"), but numa_pg has no such parameter\." \
	"  a detail with the file and line"
like "$log" 'HINT:  Perhaps you meant "numa_pg.workers"\.' "  and a hint with the nearest name"
restore

: >"$log"
if as_pg_user "$PG_BIN/pg_ctl" -D "$NUMAPG_WORK/s/data" -l "$log" -w -t 60 \
	-o "-c numa_pg.worker=2" start >/dev/null 2>&1 9>&-; then
	ok 1 "-c numa_pg.worker=2: the start fails"
	cluster_stop s >/dev/null
else
	ok 0 "-c numa_pg.worker=2: the start fails"
fi
like "$log" 'FATAL:  unrecognized configuration parameter "numa_pg.worker"' "  with a FATAL naming it"
like "$log" "DETAIL:  It is set on the server's command line, but numa_pg has no such parameter\." \
	"  a detail saying where"
like "$log" 'HINT:  Perhaps you meant "numa_pg.workers"\.' "  and a hint with the nearest name"

cluster_set s "numa_pg.xyzzy = 1"
start_fails "numa_pg.xyzzy = 1: the start fails"
like "$log" 'HINT:  numa_pg.s parameters are numa_pg.enabled, numa_pg.worker_cpus, .*numa_pg.prefault, numa_pg.backend_placement\.' \
	"  with no name near it, the hint lists the parameters"
restore

##### 6. numa_pg sizes the kernel would not map

# The limit the kernel applies, from /proc/meminfo now: MemTotal + SwapTotal
# under vm.overcommit_memory = 0 (CommitLimit, lower, under 2). numa_pg asks
# for at least twice that (a wide margin: this machine's memory may grow
# while the test runs), with pools of 64 GB (the most allowed) on each node
# with memory and one interleaved.
mode=$(cat /proc/sys/vm/overcommit_memory)
total_kb=$(awk '/^(MemTotal|SwapTotal):/ { s += $2 } END { print s }' /proc/meminfo)
mem_nodes=$(grep -l '' /sys/devices/system/node/node*/meminfo 2>/dev/null |
	xargs -r awk '/MemTotal/ && $4 > 0 { n++ } END { print n + 0 }')
[ "$mem_nodes" -lt 1 ] && mem_nodes=1
asked_kb=$(((mem_nodes + 1) * 64 * 1024 * 1024))
if [ "$mode" = 1 ]; then
	ok 0 "# skip vm.overcommit_memory = 1: the kernel maps any size"
elif [ "$asked_kb" -lt $((2 * total_kb)) ]; then
	ok 0 "# skip this machine has more than half the memory of the largest pools"
else
	cluster_set s "numa_pg.pool_size = '64GB'" "numa_pg.interleaved_pool_size = '64GB'"
	start_fails "pools of 64 GB with $((total_kb / 1024)) MB of memory and swap: the start fails"
	like "$log" 'FATAL:  numa_pg: [0-9]+ GB of shared memory for numa_pg and [0-9]+ MB for shared_buffers do not fit in the [0-9]+ (MB|GB) this machine can map' \
		"  with a FATAL saying numa_pg's share does not fit"
	like "$log" "DETAIL:  numa_pg's share is numa_pg.pool_size: $mem_nodes × 64 GB; numa_pg.interleaved_pool_size: 1 × 64 GB; registry, reply slots and alignment: [0-9]+ [kMG]B\. It is (MemTotal plus SwapTotal|CommitLimit less Committed_AS)" \
		"  a detail with each parameter's share and what the limit is"
	like "$log" 'HINT:  Reduce numa_pg.pool_size or numa_pg.interleaved_pool_size\.' \
		"  and a hint naming the parameters"
	is "$(count_lines 'could not map anonymous shared memory')" 0 "  before PostgreSQL tried to map it"
	restore
fi

# numa_pg's share, per parameter, at each start
cluster_set s "numa_pg.workers = 1" "numa_pg.state_store_size = '1MB'" "numa_pg.wal_staging_size = '256kB'" \
	"numa_pg.pool_size = '1MB'"
: >"$log"
cluster_start s
ok $? "the server starts with one worker and 1 MB pools"
like "$log" "LOG:  numa_pg: adds [0-9]+ (kB|MB) to PostgreSQL's shared memory" "numa_pg's share is logged"
like "$log" "DETAIL:  numa_pg.state_store_size: 1 × 1 MB; numa_pg.wal_staging_size: 1 × 256 kB; numa_pg.queue_size: [0-9]+ × 64 kB; numa_pg.pool_size: $mem_nodes × 1 MB; registry, reply slots and alignment: [0-9]+ [kM]B\." \
	"  per parameter"
cluster_stop s >/dev/null
restore

##### 9.3. a refused value is logged once

cluster_set s "numa_pg.worker_cpus = '3-1'"
start_fails "numa_pg.worker_cpus = '3-1': the start fails"
is "$(count_lines 'Range "3-1" is reversed')" 1 "  its detail is logged once"
is "$(count_lines 'WARNING:  invalid value for parameter "numa_pg.worker_cpus"')" 0 "  with no WARNING before the FATAL"
restore
cluster_set s "numa_pg.state_store_size = '16kB'"
start_fails "numa_pg.state_store_size = '16kB': the start fails"
is "$(count_lines '16 kB is outside the valid range for parameter "numa_pg.state_store_size"')" 1 \
	"  PostgreSQL's own range message is logged once"
restore

# and the server starts as before
: >"$log"
cluster_start s
ok $? "the server starts with the original configuration"
cluster_stop s >/dev/null

done_testing
