# test/t/postgres_exporter.sh: numa_pg's queries file for the Prometheus
# PostgreSQL exporter (monitoring/postgres_exporter.yaml), read by Debian's
# prometheus-postgres-exporter against a test server: every query runs
# without error, every metric it declares is served on the exporter's HTTP
# endpoint (127.0.0.1) for every node, and the values are the server's
# own (compared with the same SQL run just before the scrape, for the
# figures that do not move: node memory totals, shared memory and buffer
# pages of a prefaulted segment, placed backends; free memory only has to
# be a number).
#
# Needs root to install the package if it is missing (its service is kept
# from starting: the test runs its own exporter, as the server's user).

. "$(dirname "$0")/tap.bash"

EXPORTER=/usr/bin/prometheus-postgres-exporter
QUERIES=$(cd "$(dirname "$0")/../.." && pwd)/monitoring/postgres_exporter.yaml
if [ ! -x "$EXPORTER" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP prometheus-postgres-exporter is not installed (run as root to install it)"; exit 0; }
	# keep its service from starting while it is installed
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	ensure_packages prometheus-postgres-exporter
	rm -f /usr/sbin/policy-rc.d
fi
command -v curl >/dev/null || ensure_packages curl
make_workdir

cluster_init e "$(free_port)" "shared_preload_libraries = 'numa_pg'" \
	"numa_pg.prefault = on" "numa_pg.backend_placement = 'spread'" "shared_buffers = '64MB'"
cluster_start e || cluster_failed e
ok $? "a server with numa_pg.prefault and numa_pg.backend_placement = 'spread'"
sql_value e "CREATE EXTENSION numa_pg" >/dev/null

port=$((40000 + RANDOM % 10000))
cluster_env e
(
	export DATA_SOURCE_NAME="host=$PGHOST port=$PGPORT user=postgres dbname=postgres sslmode=disable"
	exec "$EXPORTER" --web.listen-address="127.0.0.1:$port" --extend.query-path="$QUERIES" \
		--disable-default-metrics --disable-settings-metrics --no-collector.bgwriter --log.level=warn
) >"$NUMAPG_WORK/exporter.log" 2>&1 &
exporter=$!
scrape() { curl -sf "http://127.0.0.1:$port/metrics" >"$NUMAPG_WORK/metrics"; }
wait_until scrape
ok $? "the exporter serves /metrics on 127.0.0.1:$port"

# metric NAME LABEL: its value in the last scrape ("" if absent), for the
# series with that label (the exporter adds server="host:port")
metric() {
	awk -v name="$1" -v label="$2" 'index($1, name "{") == 1 && index($1, label) { print $2 }' \
		"$NUMAPG_WORK/metrics"
}
# as_int VALUE: the exporter prints large numbers as 1.2345e+09
as_int() { awk -v v="$1" 'BEGIN { printf "%.0f\n", v }'; }

scrape
errors=$(grep -c 'error' "$NUMAPG_WORK/exporter.log")
is "$errors" 0 "no query of the file failed (the exporter's log has no error)"
[ "$errors" -eq 0 ] || sed 's/^/#   /' "$NUMAPG_WORK/exporter.log"
like "$NUMAPG_WORK/metrics" '^pg_up 1' "  the exporter reached the server"

# every metric the file declares, for each node
declared=$(awk '/^[a-z_]+:$/ { q = substr($1, 1, length($1) - 1) }
	/^    - [a-z_0-9]+:$/ { c = $2; sub(":", "", c) }
	/^        usage: / && $2 != "\"LABEL\"" { print q "_" c }' "$QUERIES")
nodes=$(sql_value e "SELECT string_agg(node::text, ' ' ORDER BY node) FROM numa_topology()")
missing=""
for m in $declared; do
	case $m in
	numa_pg_vmstat_* | numa_pg_check_*)
		# labelled by counter or check, not by node
		grep -q "^$m{" "$NUMAPG_WORK/metrics" || missing+=" $m" ;;
	numa_pg_shmem_* | numa_pg_buffers_*)
		# nodes with pages only (a node may hold none)
		grep -q "^$m{" "$NUMAPG_WORK/metrics" || missing+=" $m" ;;
	*)
		for n in $nodes; do [ -n "$(metric "$m" "node=\"$n\"")" ] || missing+=" $m{node=$n}"; done ;;
	esac
done
is "$missing" "" "every metric the file declares is served: $(echo $declared | wc -w) metrics, for nodes $nodes"

for n in $nodes; do
	is "$(as_int "$(metric numa_pg_node_memory_total "node=\"$n\"")")" \
		"$(sql_value e "SELECT memory_total FROM numa_topology() WHERE node = $n")" \
		"node $n: numa_pg_node_memory_total is numa_topology()'s memory_total"
	is "$(as_int "$(metric numa_pg_buffers_pages "node=\"$n\"")")" \
		"$(sql_value e "SELECT coalesce(sum(pages), 0) FROM numa_buffer_nodes() WHERE node = $n")" \
		"  numa_pg_buffers_pages is numa_buffer_nodes()'s pages (prefaulted: they do not move)"
	is "$(as_int "$(metric numa_pg_shmem_pages "node=\"$n\"")")" \
		"$(sql_value e "SELECT coalesce(sum(pages), 0) FROM numa_shmem_allocations() WHERE node = $n")" \
		"  numa_pg_shmem_pages is numa_shmem_allocations()'s pages on the node"
done
# every check, with its status as a number
wrong=""
while IFS='|' read -r name status; do
	case $status in ok) want=0 ;; warning) want=1 ;; problem) want=2 ;; *) want=-1 ;; esac
	[ "$(metric numa_pg_check_status "check_name=\"$name\"")" = "$want" ] || wrong+=" $name ($status)"
done < <(sql_value e "SELECT name || '|' || status FROM numa_check()")
is "$wrong" "" "numa_pg_check_status gives every check of numa_check() its status as a number"
# node counters only grow: between two readings taken around the scrape
before=$(sql_value e "SELECT numa_hit FROM numa_node_stats() ORDER BY node LIMIT 1")
scrape
after=$(sql_value e "SELECT numa_hit FROM numa_node_stats() ORDER BY node LIMIT 1")
got=$(as_int "$(metric numa_pg_node_stats_numa_hit "node=\"${nodes%% *}\"")")
ok "$([ "$got" -ge "$before" ] && [ "$got" -le "$after" ] && echo 0 || echo 1)" \
	"numa_pg_node_stats_numa_hit ($got) is numa_node_stats()'s, between the readings before ($before) and after ($after) the scrape"
# the exporter's own connection is placed (spread), and counted
total=0
for n in $nodes; do
	v=$(as_int "$(metric numa_pg_backends_placed_backends "node=\"$n\"")")
	total=$((total + v))
done
ok "$([ "$total" -ge 1 ] && echo 0 || echo 1)" "numa_pg_backends_placed_backends counts the placed backends ($total, the exporter's connection among them)"

kill "$exporter"
wait "$exporter" 2>/dev/null
done_testing
