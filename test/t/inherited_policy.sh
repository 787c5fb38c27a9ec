# test/t/inherited_policy.sh: a server started under numactl.
#
# DBAs start PostgreSQL as `numactl --membind=N pg_ctl start` (or with
# --interleave, --preferred).  numa_pg reads that policy once, in the
# postmaster, before it sets any of its own, and reports it: numa_status()
# shows it, the start-up log says what it means for numa_pg, and a backend
# runs under it.  On one node there is nothing outside a bind to refuse;
# that is tested in the multi-node guests (test/numa-vm/t/inherited_policy.sh).

. "$(dirname "$0")/tap.bash"
make_workdir

node=$(numactl --hardware | sed -n 's/^node \([0-9]*\) size: [1-9].*/\1/p' | head -1)

cluster_init p "$(free_port)" "shared_preload_libraries = 'numa_pg'" \
	"numa_pg.workers = 1" "numa_pg.state_store_size = '1MB'" "numa_pg.wal_staging_size = '256kB'"
log=$(cluster_log p)

# started_under POLICY-OPTION: start the server under numactl POLICY-OPTION
started_under() {
	[ -f "$log" ] && : >"$log"
	cluster_start p numactl "$1"
	ok $? "the server starts under numactl $1"
	sql_value p "CREATE EXTENSION IF NOT EXISTS numa_pg" >/dev/null
}

started_under "--membind=$node"
is "$(sql_value p "SELECT memory_policy || ' ' || memory_policy_nodes::text FROM numa_status()")" "bind {$node}" \
	"  numa_status() shows the bind and its node"
is "$(sql_value p "SELECT memory_policy || ' ' || policy_nodes::text FROM numa_process()")" "bind {$node}" \
	"  a backend runs under it"
like "$log" "LOG:  numa_pg: this server was started under memory policy bind to nodes $node, so numa_pg places memory on nodes $node only" \
	"  the log says numa_pg places memory on the bound node only"
is "$(sql_value p "SELECT string_agg(node::text, ',') FROM numa_topology() WHERE memory_allowed")" "$node" \
	"  numa_topology() allows memory on the bound node"
is "$(sql_value p "SELECT count(*) FROM numa_workers() WHERE running" 2>&1)" 1 "  the worker runs"
is "$(sql_value p "SELECT numa_state_put('k', 'v'::bytea) IS NOT NULL AND numa_state_get('k') = 'v'::bytea" 2>&1)" t \
	"  and answers"
cluster_stop p >/dev/null

started_under "--interleave=$node"
is "$(sql_value p "SELECT memory_policy || ' ' || memory_policy_nodes::text FROM numa_status()")" "interleave {$node}" \
	"  numa_status() shows the interleave and its nodes"
like "$log" "LOG:  numa_pg: this server was started under memory policy interleave on nodes $node" \
	"  the log names it"
like "$log" "DETAIL:  It applies to the memory numa_pg does not place: the backends' private memory, and PostgreSQL's shared memory while numa_pg.shared_memory_policy is default\." \
	"  and says what it applies to"
cluster_stop p >/dev/null

started_under "--preferred=$node"
is "$(sql_value p "SELECT memory_policy || ' ' || memory_policy_nodes::text FROM numa_status()")" "preferred {$node}" \
	"  numa_status() shows the preferred node"
like "$log" "LOG:  numa_pg: this server was started under memory policy preferred on nodes $node" \
	"  the log names it"
cluster_stop p >/dev/null

# without numactl: the default policy, and nothing logged about it
[ -f "$log" ] && : >"$log"
cluster_start p
ok $? "the server starts without numactl"
is "$(sql_value p "SELECT memory_policy || ' ' || memory_policy_nodes::text FROM numa_status()")" "default {}" \
	"  numa_status() shows the default policy"
! grep -q "started under memory policy" "$log"
ok $? "  and the log says nothing of it"
cluster_stop p >/dev/null

done_testing
