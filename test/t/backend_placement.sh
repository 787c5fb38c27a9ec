# test/t/backend_placement.sh: numa_pg.backend_placement on a live server.
#
# On any machine (one node here; the QEMU guests check several nodes,
# test/numa-vm/t/backend_placement.sh):
#  - off (the default): no backend placed, its memory policy the default;
#  - spread: every client backend placed, counted in numa_backend_nodes()
#    while it lives and no longer once it has exited; its affinity the
#    node's CPUs (/proc/PID/status) and its memory policy prefer:<node>
#    (/proc/PID/numa_maps: the policy of its private heap), bind:<node>
#    under numa_pg.strict;
#  - rules by database and role, the first match winning, and a backend
#    no rule matches left alone;
#  - a parallel worker on its leader's node, counted apart;
#  - a reload changes where new backends go, not where old ones are;
#  - every bad value refused by ALTER SYSTEM (postgresql.auto.conf
#    unchanged), by a reload (the old value kept, the server running) and
#    at start (FATAL), with a detail and a hint; SET refused.

. "$(dirname "$0")/tap.bash"
make_workdir

cluster_init p "$(free_port)" "shared_preload_libraries = 'numa_pg'" \
	"max_parallel_workers_per_gather = 2" "max_worker_processes = 8"
cluster_start p || cluster_failed p
ok $? "server starts with numa_pg.backend_placement at its default"
log=$(cluster_log p)
sql_value p "CREATE EXTENSION numa_pg" >/dev/null
sql_value p "CREATE DATABASE other" >/dev/null
sql_value p "CREATE ROLE alice LOGIN" >/dev/null
cpus=$(sql_value p "SELECT string_agg(cpus, ',') FROM numa_backend_nodes()")
node=$(sql_value p "SELECT min(node) FROM numa_backend_nodes() WHERE cpus IS NOT NULL")
mem_node=$(sql_value p "SELECT memory_node FROM numa_backend_nodes() WHERE node = $node")

# psql ARGS...: a client of the test cluster
psql_p() {
	cluster_env p
	"$PG_BIN/psql" -X -At -v ON_ERROR_STOP=1 "$@" 2>&1
}
# placed: the backends placed now, as "placed+parallel" over all nodes
placed() { psql_p -c "SELECT sum(placed_backends) || '+' || sum(parallel_workers) FROM numa_backend_nodes()"; }
placed_is() { [ "$(placed)" = "$1" ]; }

# open_backend NAME [psql args]: a backend kept open (a psql reading a
# fifo); its pid in $NAME_pid
open_backend() {
	local name=$1
	shift
	mkfifo "$NUMAPG_WORK/$name.in"
	(
		cluster_env p
		exec "$PG_BIN/psql" -X -At "$@" <"$NUMAPG_WORK/$name.in" >"$NUMAPG_WORK/$name.out" 2>&1
	) &
	eval "exec {fd_$name}>\"$NUMAPG_WORK/$name.in\""
	local fd=fd_$name
	printf 'SELECT pg_backend_pid();\n' >&"${!fd}"
	wait_until grep -q '^[0-9]' "$NUMAPG_WORK/$name.out"
	eval "${name}_pid=$(head -1 "$NUMAPG_WORK/$name.out")"
}
# close_backend NAME: end it
close_backend() {
	local fd=fd_$1
	eval "exec ${!fd}>&-"
	rm -f "$NUMAPG_WORK/$1.in"
}
# text_like TEXT REGEX NAME: a line of TEXT matches the extended REGEX
text_like() {
	printf '%s\n' "$1" >"$NUMAPG_WORK/text_like.txt"
	like "$NUMAPG_WORK/text_like.txt" "$2" "$3"
}
# heap_policy PID: the memory policy numa_maps shows for the process's heap
heap_policy() { awk '/ heap / { print $2; exit }' "/proc/$1/numa_maps"; }
# cpus_of PID: its allowed CPUs
cpus_of() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$1/status"; }

open_backend a
is "$(placed)" "0+0" "off: no backend placed"
is "$(heap_policy "$a_pid")" default "  a backend's memory policy is the default"
close_backend a

# reload to spread
psql_p -c "ALTER SYSTEM SET numa_pg.backend_placement = 'spread'" -c "SELECT pg_reload_conf()" >/dev/null
backends_spread() { [ "$(psql_p -c "SHOW numa_pg.backend_placement")" = spread ]; }
wait_until backends_spread
open_backend b
open_backend c
is "$(placed)" "3+0" "spread: two open backends placed, and the one asking"
is "$(heap_policy "$b_pid")" "prefer:$mem_node" "  each with its memory preferred on its node's memory node ($mem_node)"
is "$(cpus_of "$c_pid")" "$cpus" "  and running on that node's CPUs ($cpus)"
is "$(psql_p -c "SELECT placed_backends FROM numa_backend_nodes() WHERE node = $node")" 3 \
	"  all on node $node"
is "$(psql_p -c "SELECT placed_node FROM numa_processes() WHERE pid = $b_pid")" "$node" \
	"  numa_processes() shows the node it placed a backend on"
is "$(psql_p -c "SELECT count(*) FROM numa_processes() WHERE placed_node IS NOT NULL AND backend_type = 'checkpointer'")" 0 \
	"  and no node for a process it did not place (the checkpointer)"
is "$(psql_p -c "SELECT status FROM numa_check() WHERE name = 'backend_placement'")" \
	"$([ "$(psql_p -c "SELECT count(*) FROM numa_backend_nodes() WHERE cpus IS NOT NULL")" -ge 2 ] && echo ok || echo skipped)" \
	"  numa_check()'s backend_placement: ok on several nodes, skipped on one"
close_backend c
wait_until placed_is "2+0"
ok $? "  a backend that exits is no longer counted"

# a parallel query: its workers follow the leader
psql_p -c "CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g" -c "ANALYZE t" >/dev/null
par_sql="SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SELECT count(*) FROM t WHERE pg_sleep(0.002) IS NOT NULL"
psql_p -q -c "$par_sql" >"$NUMAPG_WORK/par.out" &
par=$!
parallel_workers_run() {
	[ "$(psql_p -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'parallel worker'")" -gt 0 ]
}
wait_until parallel_workers_run
workers=$(psql_p -c "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE backend_type = 'parallel worker'")
counted=$(psql_p -c "SELECT sum(parallel_workers) FROM numa_backend_nodes()")
ok "$([ -n "$workers" ] && [ "$counted" -ge 1 ] && echo 0 || echo 1)" \
	"a parallel query's workers ($workers) are counted as following their leader ($counted)"
pol=$(for w in $workers; do heap_policy "$w"; done | sort -u)
is "$pol" "prefer:$mem_node" "  each with its leader's memory policy"
wait "$par"
is "$(cat "$NUMAPG_WORK/par.out")" "1000" "  and the query's answer is right"
wait_until placed_is "2+0"
ok $? "  once they exit, none is counted"

# rules by database and role
psql_p -c "ALTER SYSTEM SET numa_pg.backend_placement = 'other:$node, */alice:$node, *:off'" -c "SELECT pg_reload_conf()" >/dev/null
backends_by_rules() { [ "$(psql_p -c "SHOW numa_pg.backend_placement")" = "other:$node, */alice:$node, *:off" ]; }
wait_until backends_by_rules
open_backend d -d postgres
open_backend e -d other
open_backend f -d postgres -U alice
is "$(heap_policy "$d_pid")" default "rules: a backend of postgres as postgres is matched by *:off, not placed"
is "$(heap_policy "$e_pid")" "prefer:$mem_node" "  a backend of database other is placed (other:$node)"
is "$(heap_policy "$f_pid")" "prefer:$mem_node" "  a backend of role alice is placed (*/alice:$node)"
is "$(heap_policy "$b_pid")" "prefer:$mem_node" "  the backend placed before the reload is still placed"
is "$(placed)" "3+0" "  numa_backend_nodes() counts b, e and f"
close_backend d
close_backend e
close_backend f
close_backend b
wait_until placed_is "0+0"
ok $? "  and none once they have exited"

# bad values: ALTER SYSTEM refuses each, postgresql.auto.conf unchanged
auto="$NUMAPG_WORK/p/data/postgresql.auto.conf"
before=$(cat "$auto")
refused() {
	local value=$1 detail=$2 out
	out=$(psql_p -v VERBOSITY=verbose -c "ALTER SYSTEM SET numa_pg.backend_placement = '$value'")
	text_like "$out" "22023: invalid value for parameter \"numa_pg.backend_placement\"" "ALTER SYSTEM refuses '$value'"
	text_like "$out" "DETAIL:  $detail" "  saying: $detail"
	text_like "$out" "HINT:  " "  with a hint"
}
refused "sales" 'Rule 1 has no colon before its target; write it as'
refused "sales:two" 'Rule 1 has the target "two"; use a node number, spread or off.'
refused "sales:0,,x:1" 'Rule 2 is empty'
refused "*:spread, sales:0" 'Rule 2 can never match: rule 1 before it matches every database and role.'
refused "sales:999" 'Rule 1 names NUMA node 999, which does not exist.'
refused "" 'The value is empty'
text_like "$(psql_p -v VERBOSITY=verbose -c "ALTER SYSTEM SET numa_pg.backend_placement = 'sales:999'")" \
	"HINT:  Name a node with CPUs this server may run on \\($node\\), or use spread." \
	"  a missing node's hint names the nodes that can be used"
is "$(cat "$auto")" "$before" "postgresql.auto.conf is unchanged by the refusals"
text_like "$(psql_p -c "SET numa_pg.backend_placement = 'spread'")" \
	'parameter "numa_pg.backend_placement" cannot be changed now' "SET is refused: it is set in postgresql.conf and reloaded"

# a bad value in postgresql.conf: a reload keeps the old one (the value
# comes from postgresql.conf now: postgresql.auto.conf would override it)
psql_p -c "ALTER SYSTEM RESET numa_pg.backend_placement" >/dev/null
cluster_set p "numa_pg.backend_placement = 'spread'"
psql_p -c "SELECT pg_reload_conf()" >/dev/null
wait_until backends_spread
cluster_set p "numa_pg.backend_placement = 'nowhere:77'"
: >"$log"
psql_p -c "SELECT pg_reload_conf()" >/dev/null
wait_for_log "$log" 'invalid value for parameter "numa_pg.backend_placement": "nowhere:77"'
ok $? "a reload with a bad value logs it"
like "$log" "DETAIL:  Rule 1 names NUMA node 77, which does not exist." "  with the detail"
is "$(psql_p -c "SHOW numa_pg.backend_placement")" "spread" "  and the server keeps the value it had"
is "$(psql_p -c "SELECT 1")" 1 "  and goes on serving"

# and at start: FATAL, then it starts once fixed
cluster_stop p >/dev/null
: >"$log"
cluster_start p
is $? 1 "the server refuses to start with numa_pg.backend_placement = 'nowhere:77'"
like "$log" 'FATAL:  invalid value for parameter "numa_pg.backend_placement": "nowhere:77"' "  with FATAL"
sed -i "/nowhere:77/d" "$NUMAPG_WORK/p/data/postgresql.conf"
cluster_set p "numa_pg.strict = on"
cluster_start p || cluster_failed p
ok $? "  and starts once the line is gone (with numa_pg.strict = on)"
is "$(psql_p -c "SELECT count(*) FROM t")" "1000" "  its data intact"

open_backend g -d other
is "$(heap_policy "$g_pid")" "bind:$mem_node" "strict: a placed backend's memory is bound to its node"
close_backend g

done_testing
