#!/usr/bin/env bash
# test/numa-vm/t/backend_placement.sh: TAP.  numa_pg.backend_placement in
# a NUMA guest: client backends placed on the nodes, from the kernel's
# point of view (/proc/PID/status for the CPUs a backend may run on,
# /proc/PID/numa_maps for its memory policy and where its pages are).
#
#  - spread: 8 backends over the nodes with CPUs, as evenly as can be
#    (on 2 nodes 4 and 4, on 4 nodes 2 each, on 3 nodes 3, 3 and 2), each
#    allowed exactly its node's CPUs, its memory preferred on its node, or
#    on the nearest node with memory for a memoryless node's CPUs (from
#    sysfs: the distances and which nodes have memory); numa_backend_nodes()
#    counting them where they are;
#  - a backend on each node that sorts with work_mem and keeps the sort
#    (an open cursor): at least 90% of its private pages on its memory node
#    (numa_maps);
#  - rules: a database on the first node with CPUs, another on the last;
#  - a parallel query of a backend on the last node: its workers allowed
#    only that node's CPUs, counted as following their leader there.
#
# Run by guest-test.sh with prove, as root, after the main cluster stopped.

. "$(dirname "$0")/../../t/tap.bash"
make_workdir

# the nodes with CPUs and their CPUs; the nodes with memory; distances
cpu_nodes=()
declare -A node_cpus=() has_mem=() dist=()
for d in /sys/devices/system/node/node[0-9]*; do
	n=${d##*node}
	c=$(cat "$d/cpulist")
	[ -n "$c" ] && { cpu_nodes+=("$n"); node_cpus[$n]=$c; }
	kb=$(awk '/MemTotal/ { print $4 }' "$d/meminfo")
	[ "$kb" -gt 0 ] && has_mem[$n]=1
	dist[$n]=$(cat "$d/distance")
done
mapfile -t all_nodes < <(ls -d /sys/devices/system/node/node[0-9]* | sed 's/.*node//' | sort -n)
# memory_node_of N: N if it has memory, else the nearest node with memory
# (the lower id on a tie), as numa_pg's workers take theirs
memory_node_of() {
	local n=$1 best="" bestd i=0 d
	[ -n "${has_mem[$n]:-}" ] && { echo "$n"; return; }
	for d in ${dist[$n]}; do
		local m=${all_nodes[$i]}
		if [ -n "${has_mem[$m]:-}" ] && { [ -z "$best" ] || [ "$d" -lt "$bestd" ]; }; then
			best=$m
			bestd=$d
		fi
		i=$((i + 1))
	done
	echo "$best"
}
for n in "${cpu_nodes[@]}"; do echo "# node $n: CPUs ${node_cpus[$n]}, memory on node $(memory_node_of "$n")"; done
first=${cpu_nodes[0]}
last=${cpu_nodes[-1]}

cluster_init s "$(free_port)" "shared_preload_libraries = 'numa_pg'" "jit = off" \
	"numa_pg.backend_placement = 'template1:off, spread'" \
	"max_parallel_workers_per_gather = 2" "max_worker_processes = 8"
cluster_start s || cluster_failed s
ok $? "the server starts with numa_pg.backend_placement = 'template1:off, spread'"
# the test's own queries run in template1, which the first rule leaves alone
mon() { cluster_env s; "$PG_BIN/psql" -X -At -d template1 -c "$1" 2>&1; }
mon "CREATE EXTENSION numa_pg" >/dev/null
sql_value s "CREATE EXTENSION numa_pg" >/dev/null

# open_backend NAME DB: a backend kept open (psql reading a fifo); its pid
# in NAME_pid; run SQL in it with "send NAME SQL"
open_backend() {
	local name=$1 db=$2
	mkfifo "$NUMAPG_WORK/$name.in"
	(
		cluster_env s
		exec "$PG_BIN/psql" -X -At -d "$db" <"$NUMAPG_WORK/$name.in" >"$NUMAPG_WORK/$name.out" 2>&1
	) &
	eval "exec {fd_$name}>\"$NUMAPG_WORK/$name.in\""
	send "$name" "SELECT 'pid=' || pg_backend_pid();"
	wait_until grep -q '^pid=' "$NUMAPG_WORK/$name.out"
	eval "${name}_pid=$(sed -n 's/^pid=//p' "$NUMAPG_WORK/$name.out" | head -1)"
}
send() {
	local fd=fd_$1
	printf '%s\n' "$2" >&"${!fd}"
}
close_backend() {
	local fd=fd_$1
	eval "exec ${!fd}>&-"
	rm -f "$NUMAPG_WORK/$1.in"
}
cpus_of() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$1/status"; }
heap_policy() { awk '/ heap / { print $2; exit }' "/proc/$1/numa_maps"; }
# node_of_cpus LIST: the node whose CPU list that is (none: "?")
node_of_cpus() {
	local n
	for n in "${cpu_nodes[@]}"; do [ "${node_cpus[$n]}" = "$1" ] && { echo "$n"; return; }; done
	echo "?"
}

# spread: 8 backends
declare -A count=()
wrong=""
for i in 1 2 3 4 5 6 7 8; do
	open_backend "b$i" postgres
	pid_var=b${i}_pid
	pid=${!pid_var}
	n=$(node_of_cpus "$(cpus_of "$pid")")
	count[$n]=$((${count[$n]:-0} + 1))
	want="prefer:$(memory_node_of "$n")"
	got=$(heap_policy "$pid")
	[ "$n" != "?" ] && [ "$got" = "$want" ] || wrong+=" backend $pid: CPUs $(cpus_of "$pid") policy $got;"
done
is "$wrong" "" "spread: each of 8 backends allowed exactly one node's CPUs, its memory preferred on that node's memory node"
min=8 max=0 desc=""
for n in "${cpu_nodes[@]}"; do
	c=${count[$n]:-0}
	desc+=" node $n: $c"
	[ "$c" -lt "$min" ] && min=$c
	[ "$c" -gt "$max" ] && max=$c
done
ok "$([ $((max - min)) -le 1 ] && [ -z "${count[?]:-}" ] && echo 0 || echo 1)" \
	"  as evenly as can be over the ${#cpu_nodes[@]} nodes with CPUs:$desc"
reported=$(mon "SELECT string_agg(node || ': ' || placed_backends, ' ' ORDER BY node) FROM numa_backend_nodes() WHERE cpus IS NOT NULL")
expected_counts=$(for n in "${cpu_nodes[@]}"; do printf '%s: %s ' "$n" "${count[$n]:-0}"; done)
is "$reported" "${expected_counts% }" "  numa_backend_nodes() counts them where the kernel has them"
is "$(mon "SELECT status || ': ' || found FROM numa_check() WHERE name = 'backend_placement'")" \
	"ok: 8 backend(s) placed, spread: $(for n in "${cpu_nodes[@]}"; do printf 'node %s: %s, ' "$n" "${count[$n]:-0}"; done | sed 's/, $//')" \
	"  numa_check() finds them spread"
for i in 1 2 3 4 5 6 7 8; do close_backend "b$i"; done
wait_until sql_is s "SELECT sum(placed_backends) FROM numa_backend_nodes()" 1
ok $? "  once they exit only the querying backend is counted"

# a sort kept in memory by a backend on each node (rules put them there)
rules="template1:off"
for n in "${cpu_nodes[@]}"; do
	mon "CREATE DATABASE db$n" >/dev/null
	rules+=", db$n:$n"
done
rules+=", *:off"
mon "ALTER SYSTEM SET numa_pg.backend_placement = '$rules'" >/dev/null
mon "SELECT pg_reload_conf()" >/dev/null
by_rules() { [ "$(mon "SHOW numa_pg.backend_placement")" = "$rules" ]; }
wait_until by_rules
ok $? "rules: '$rules'"
# private_on PID NODE: "pages on NODE / private pages" of the process's
# anonymous private mappings (no file, not the shared segment: numa_maps
# marks shared pages with mapmax > 1 only sometimes, so take the heap and
# anonymous mappings that are not shared)
private_on() {
	awk -v node="$2" '
		/ file=/ || / shmem / || /SYSV/ || /zero/ { next }
		/ heap / || / anon=/ {
			for (i = 1; i <= NF; i++)
				if ($i ~ /^N[0-9]+=/) {
					split(substr($i, 2), kv, "=")
					total += kv[2]
					if (kv[1] == node) on += kv[2]
				}
		}
		END { printf "%d %d\n", on, total }' "/proc/$1/numa_maps"
}
for n in "${cpu_nodes[@]}"; do
	open_backend "s$n" "db$n"
	pid_var=s${n}_pid
	pid=${!pid_var}
	is "$(node_of_cpus "$(cpus_of "$pid")")" "$n" "  a backend of db$n runs on node $n's CPUs"
	send "s$n" "SET work_mem = '24MB'; BEGIN; DECLARE c CURSOR FOR SELECT g FROM generate_series(1, 400000) g ORDER BY g DESC; FETCH 1 FROM c; SELECT 'sorted';"
	wait_until grep -q '^sorted' "$NUMAPG_WORK/s$n.out"
	read -r on total <<<"$(private_on "$pid" "$(memory_node_of "$n")")"
	ok "$([ "$total" -gt 2000 ] && [ $((on * 100)) -ge $((total * 90)) ] && echo 0 || echo 1)" \
		"  after a sort it keeps (an open cursor), $on of its $total private pages are on node $(memory_node_of "$n") (at least 90%)"
	close_backend "s$n"
done

# a parallel query of a backend on the last node
mon "ALTER SYSTEM SET numa_pg.backend_placement = 'template1:off, db$last:$last, *:off'" >/dev/null
mon "SELECT pg_reload_conf()" >/dev/null
on_last() { [ "$(mon "SHOW numa_pg.backend_placement")" = "template1:off, db$last:$last, *:off" ]; }
wait_until on_last
cluster_env s
"$PG_BIN/psql" -X -At -d "db$last" -c "CREATE TABLE t AS SELECT g FROM generate_series(1, 2000) g" -c "ANALYZE t" >/dev/null
"$PG_BIN/psql" -X -At -q -d "db$last" -c "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SELECT count(*) FROM t WHERE pg_sleep(0.004) IS NOT NULL" >"$NUMAPG_WORK/par.out" 2>&1 &
par=$!
workers_run() { [ "$(mon "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'parallel worker'")" -gt 0 ]; }
wait_until workers_run
workers=$(mon "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE backend_type = 'parallel worker'")
followers=$(mon "SELECT parallel_workers FROM numa_backend_nodes() WHERE node = $last")
wrong=""
for w in $workers; do
	[ "$(cpus_of "$w")" = "${node_cpus[$last]}" ] || wrong+=" $w: $(cpus_of "$w")"
done
is "$wrong" "" "a parallel query's workers ($workers) run on their leader's node $last's CPUs (${node_cpus[$last]})"
ok "$([ "${followers:-0}" -ge 1 ] && echo 0 || echo 1)" "  numa_backend_nodes() counts $followers following their leader on node $last"
wait "$par"
is "$(cat "$NUMAPG_WORK/par.out")" 2000 "  and the query's answer is right"

done_testing
