# test/t/server_start.sh: numa_pg at server start.
#
# - the topology is logged once, at LOG level, one line per node;
# - each bad value of a numa_pg parameter in postgresql.conf stops the start
#   with a FATAL naming the parameter, a DETAIL saying what is wrong and a
#   HINT; fixing the value lets the server start with its data intact.

. "$(dirname "$0")/tap.bash"
make_workdir

nodes=$(numactl --hardware | sed -n 's/^available: \([0-9]*\) nodes.*/\1/p')

cluster_init s "$(free_port)" "shared_preload_libraries = 'numa_pg'"
cluster_start s
ok $? "server starts with numa_pg preloaded"
log=$(cluster_log s)
like "$log" "LOG:  numa_pg: $nodes NUMA node\(s\), mode (numa|single_node)" "the summary line is logged"
is "$(grep -c 'LOG:  numa_pg: node [0-9]*: CPUs' "$log")" "$nodes" "one LOG line per node"
like "$log" "numa_pg: node 0: CPUs [0-9].*, memory [0-9]+ MB \([0-9]+ MB free\).*distances 10" \
	"a node line has CPUs, memory, free memory and distances"

sql_value s "CREATE TABLE kept AS SELECT 42 AS answer" >/dev/null
cluster_stop s >/dev/null

# numa_pg.prefault: the time it took is logged
cluster_set s "numa_pg.prefault = on"
: >"$log"
cluster_start s
ok $? "server starts with numa_pg.prefault = on"
like "$log" "LOG:  numa_pg: prefaulted [0-9]+ MB of shared memory in [0-9.]+ ms with [0-9]+ process\(es\)" \
	"the prefault and its duration are logged"
cluster_set s "numa_pg.prefault = off"
cluster_stop s >/dev/null

# bad_value SETTING DETAIL-REGEX [WRAPPER...]: start must fail with FATAL
bad_value() {
	local setting=$1 detail=$2
	local fatal=${FATAL_RE:-'invalid value for parameter "numa_pg\.[a-z_]+": '}
	shift 2
	cp "$NUMAPG_WORK/s/data/postgresql.conf" "$NUMAPG_WORK/s/postgresql.conf.good"
	cluster_set s "$setting"
	: >"$log"
	if cluster_start s "$@"; then
		ok 1 "server refuses to start with $setting"
		cluster_stop s >/dev/null
	else
		ok 0 "server refuses to start with $setting"
	fi
	like "$log" "FATAL:  $fatal" "  with a FATAL naming the parameter"
	[ -n "$detail" ] && like "$log" "DETAIL:  $detail" "  and a detail: $detail"
	cp "$NUMAPG_WORK/s/postgresql.conf.good" "$NUMAPG_WORK/s/data/postgresql.conf"
}

bad_value "numa_pg.worker_cpus = '3-1'" 'Range "3-1" is reversed; write "1-3"\.'
like "$log" 'HINT:  Use "auto" or a list of CPUs such as "0-3,8"\.' "  and a hint"
bad_value "numa_pg.worker_cpus = 'abc'" 'Unexpected character "a" at position 1 of "abc"\.'
bad_value "numa_pg.worker_cpus = ''" 'The CPU list is empty\.'
bad_value "numa_pg.worker_cpus = '0,0'" 'CPU 0 is listed more than once\.'
bad_value "numa_pg.worker_cpus = '8191'" 'CPU 8191 does not exist; the online CPUs are [0-9,-]+\.'
bad_value "numa_pg.worker_cpus = '9999'" 'CPU number "9999" is out of range \(at most 8191\)\.'
bad_value "numa_pg.shared_memory_policy = 'bind:'" 'In "bind:", the node list is empty\.'
like "$log" 'HINT:  Use default, interleave, interleave:<nodes>, bind:<nodes> or preferred:<node>, with nodes written as numactl does, such as "0-1,3"\.' \
	"  and a hint"
bad_value "numa_pg.shared_memory_policy = 'preferred:0,1'" 'Policy "preferred" takes exactly one node, not "0,1"\.'
bad_value "numa_pg.shared_memory_policy = 'bind:1023'" 'NUMA node 1023 does not exist\.'
like "$log" 'HINT:  Name nodes with memory that this server may use: numa_topology\(\) lists them, with has_memory and memory_allowed true\.' \
	"  and a hint"
FATAL_RE='parameter "numa_pg\.enabled" requires a Boolean value' bad_value "numa_pg.enabled = maybe" ""

# 17 added the unit to both ends of the range
range='64 \.\. 16777216'
[ "$(pg_major "$PG_CONFIG")" -ge 17 ] && range='64 kB \.\. 16777216 kB'
FATAL_RE="16 kB is outside the valid range for parameter \"numa_pg\\.state_store_size\" \\($range\\)" bad_value "numa_pg.state_store_size = '16kB'" ""
FATAL_RE='invalid value for parameter "numa_pg\.queue_size": "lots"' bad_value "numa_pg.queue_size = 'lots'" ""
bad_value "numa_pg.pool_size = '4kB'" 'A pool of 4 kB is too small: a pool needs at least 64 kB, for its allocator.s header and pages\.'
like "$log" 'HINT:  Use 0 for no pool, or 64 kB or more\.' "  and a hint"
bad_value "numa_pg.interleaved_pool_size = '1kB'" 'A pool of 1 kB is too small: a pool needs at least 64 kB'
like "$log" 'HINT:  Use 0 for no pool, or 64 kB or more\.' "  and a hint"

# a pool that cannot be run as configured: refused by the parameter's name
cpus=$(nproc)
FATAL_RE="invalid value for parameter \"numa_pg.workers\": $((cpus + 1))" bad_value "numa_pg.workers = $((cpus + 1))" \
	"$((cpus + 1)) workers need $((cpus + 1)) CPUs, but this server's allowed CPU set provides $cpus\."
like "$log" 'HINT:  Lower numa_pg.workers, or give numa_pg.worker_cpus more CPUs \(one per worker\)\.' "  and a hint"
bad_value "numa_pg.workers = 2
numa_pg.worker_cpus = '0'" "2 workers need 2 CPUs, but the CPU list provides 1\."
FATAL_RE='numa_pg: numa_pg.workers \(1\) is more than max_worker_processes \(0\)' bad_value "numa_pg.workers = 1
max_worker_processes = 0" ""
like "$log" 'HINT:  Raise max_worker_processes' "  and a hint"

# a CPU that exists but that the server's affinity (as a cpuset would) excludes
if [ "$(nproc --all)" -ge 2 ]; then
	bad_value "numa_pg.worker_cpus = '1'" \
		'CPU 1 is not in the CPUs this server may use \(0\), as set by its cpuset or affinity\.' \
		taskset -c 0
fi

# the smallest pools allowed, 64 kB, work
cp "$NUMAPG_WORK/s/data/postgresql.conf" "$NUMAPG_WORK/s/postgresql.conf.good"
cluster_set s "numa_pg.pool_size = '64kB'" "numa_pg.interleaved_pool_size = '64kB'"
cluster_start s
ok $? "server starts with 64 kB pools"
sql_value s "CREATE EXTENSION IF NOT EXISTS numa_pg" >/dev/null
is "$(sql_value s "SELECT bool_and(free > 0 AND free = size) AND count(*) = $((nodes + 1)) FROM numa_pools()")" t \
	"  one per node and one interleaved, each with free room"
cluster_stop s >/dev/null
cp "$NUMAPG_WORK/s/postgresql.conf.good" "$NUMAPG_WORK/s/data/postgresql.conf"

# and with the value fixed, the server starts and nothing was lost
cluster_start s
ok $? "server starts again once the value is fixed"
is "$(sql_value s 'SELECT answer FROM kept')" "42" "the data written before is intact"

done_testing
