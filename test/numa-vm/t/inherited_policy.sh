#!/usr/bin/env bash
# test/numa-vm/t/inherited_policy.sh: TAP.  A server started under numactl
# in a NUMA guest, as DBAs start PostgreSQL today.  Where the pages are
# comes from the kernel (move_pages, via numa_shmem_allocations() and
# numa_regions(), and /proc/PID/numa_maps).
#
#  - --membind=<last node>: a restriction, as a cpuset is.  numa_status()
#    and numa_topology() say so; every page of the prefaulted segment (with
#    numa_pg.shared_memory_policy = 'interleave'), of numa_pg's regions and
#    of the workers' and a backend's private memory is on that node, the
#    workers' memory node and the allocator's pools too; bind:<first node>
#    is refused by ALTER SYSTEM and at start, with a detail that names the
#    restriction;
#  - --interleave=<first>,<last>: reported, not a restriction.  Under
#    numa_pg.shared_memory_policy = default it places PostgreSQL's segment
#    (pages on both nodes, none elsewhere); bind:<first> takes precedence;
#  - --preferred=<last>: reported; interleave still spreads the segment
#    over every memory node;
#  - --cpunodebind=<last>: the workers run on that node's CPUs only;
#  - a cgroup cpuset whose mems exclude the first node: bind:<first> is
#    refused, naming the cpuset.
#
# Run by guest-test.sh with prove, as root, after the main cluster stopped.

. "$(dirname "$0")/../../t/tap.bash"
make_workdir

mem_nodes=()
for d in /sys/devices/system/node/node[0-9]*; do
	[ "$(awk '/MemTotal/ {print $4}' "$d/meminfo")" -gt 0 ] && mem_nodes+=("${d##*node}")
done
first=${mem_nodes[0]} last=${mem_nodes[${#mem_nodes[@]} - 1]}
last_cpus=$(cat /sys/devices/system/node/node"$last"/cpulist)
last_ncpus=0
for r in ${last_cpus//,/ }; do
	last_ncpus=$((last_ncpus + ${r#*-} - ${r%-*} + 1))
done
echo "# memory nodes ${mem_nodes[*]}; node $last has CPUs $last_cpus ($last_ncpus)"

cluster_init p "$(free_port)" "shared_preload_libraries = 'numa_pg'" "shared_buffers = '32MB'" \
	"numa_pg.workers = $(nproc)" "numa_pg.state_store_size = '1MB'" "numa_pg.wal_staging_size = '256kB'" \
	"numa_pg.pool_size = '1MB'" "numa_pg.interleaved_pool_size = '1MB'" "numa_pg.prefault = on"
conf=$NUMAPG_WORK/p/data/postgresql.conf
cp "$conf" "$conf.base"
log=$(cluster_log p)

# start_under NUMACTL-OPTIONS SETTING...: the base configuration plus the
# settings, started afresh under numactl with those options
start_under() {
	local options=$1
	shift
	cp "$conf.base" "$conf"
	cluster_set p "$@"
	# (what an ALTER SYSTEM wrongly accepted must not carry over)
	: >"$NUMAPG_WORK/p/data/postgresql.auto.conf"
	[ -f "$log" ] && : >"$log"
	# shellcheck disable=SC2086
	cluster_start p numactl $options || { cluster_failed p; return 1; }
	sql_value p "CREATE EXTENSION IF NOT EXISTS numa_pg" >/dev/null
}

# pages of PostgreSQL's allocations (or all, numa_pg's slabs included, with
# "all") per node: "node:pages ..." of the faulted-in pages
pages_by_node() {
	local filter="name NOT LIKE 'numa_pg slab%'"
	[ "${1:-}" = all ] && filter=true
	sql_value p "SELECT coalesce(string_agg(node || ':' || pages, ' ' ORDER BY node), 'none') FROM (
	  SELECT node, sum(pages) AS pages FROM numa_shmem_allocations()
	  WHERE node IS NOT NULL AND $filter GROUP BY node) AS n"
}

# anonymous private pages of process PID per node, from numa_maps:
# "node:pages ..." (mappings backed by no file: heap, stack, memory contexts)
private_pages_by_node() {
	awk '!/file=/ && / anon=/ { for (i = 1; i <= NF; i++) if ($i ~ /^N[0-9]+=/) { split(substr($i, 2), a, "="); n[a[1]] += a[2] } }
	     END { s = ""; for (k in n) s = s (s ? " " : "") k ":" n[k]; print (s ? s : "none") }' "/proc/$1/numa_maps"
}

# --membind: a restriction
if start_under "--membind=$last" "numa_pg.shared_memory_policy = 'interleave'"; then
	ok 0 "the server starts under numactl --membind=$last"
	is "$(sql_value p "SELECT memory_policy || ' ' || memory_policy_nodes::text || ' ' || mode FROM numa_status()")" \
		"bind {$last} single_node" "  numa_status(): policy bind on node $last, and one node to place on"
	sql_value p "SELECT reason FROM numa_status()" >"$NUMAPG_WORK/reason"
	like "$NUMAPG_WORK/reason" \
		"may allocate memory on only one, node $last \(the memory policy it was started under binds it to nodes $last, as numactl --membind does\)" \
		"  its reason names the bind"
	is "$(sql_value p "SELECT string_agg(node::text, ',' ORDER BY node) FROM numa_topology() WHERE memory_allowed")" "$last" \
		"  numa_topology(): memory allowed on node $last only"
	like "$log" "LOG:  numa_pg: this server was started under memory policy bind to nodes $last, so numa_pg places memory on nodes $last" \
		"  the start-up log says so"
	is "$(pages_by_node all | sed "s/^$last:[0-9]*$/only $last/")" "only $last" \
		"  every faulted-in page of the segment (interleave over what is allowed) and of numa_pg's slabs is on node $last"
	is "$(sql_value p "SELECT count(*) FILTER (WHERE target_node = $last AND pages_on_target = pages) || '/' || count(*)
	                    FROM numa_regions() WHERE kind IN ('state_store', 'wal_staging', 'queue')")" \
		"$(sql_value p "SELECT count(*) || '/' || count(*) FROM numa_regions() WHERE kind IN ('state_store', 'wal_staging', 'queue')")" \
		"  every state store, WAL staging buffer and queue targets node $last and has its pages there"
	is "$(sql_value p "SELECT bool_and(target_node = $last AND pages_elsewhere = 0) FROM numa_regions() WHERE kind = 'pool'")" t \
		"  the pools target node $last, with no page elsewhere"
	is "$(sql_value p "SELECT string_agg(DISTINCT memory_node::text, ',') || ' ' || bool_and(running) FROM numa_workers()")" "$last true" \
		"  every worker runs, with its memory on node $last"
	is "$(sql_value p "SELECT string_agg(node::text, ',' ORDER BY node) FROM numa_pools() WHERE kind <> 'interleaved'")" "$last" \
		"  the allocator has a pool on node $last only"
	bad=""
	for pid in $(sql_value p "SELECT pid FROM numa_workers()") \
		$(sql_value p "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'"); do
		pages=$(private_pages_by_node "$pid")
		[[ $pages =~ ^$last:[0-9]+$ ]] || bad="$bad pid $pid: $pages;"
	done
	is "${bad:-none}" none "  the workers' and the checkpointer's private pages are on node $last"
	out=$NUMAPG_WORK/alter.out
	(cluster_env p; "$PG_BIN/psql" -X -At -d postgres -c "ALTER SYSTEM SET numa_pg.shared_memory_policy = 'bind:$first'") >"$out" 2>&1
	like "$out" "ERROR:  invalid value for parameter \"numa_pg.shared_memory_policy\": \"bind:$first\"" \
		"  ALTER SYSTEM refuses bind:$first"
	like "$out" "DETAIL:  NUMA node $first is not one this server may allocate on; it may allocate on nodes $last \(the memory policy it was started under binds it to nodes $last, as numactl --membind does\)\." \
		"  with a detail that names the restriction"
	cluster_stop p >/dev/null
else
	ok 1 "the server starts under numactl --membind=$last"
fi
if start_under "--membind=$last" "numa_pg.shared_memory_policy = 'bind:$first'" 2>/dev/null; then
	ok 1 "bind:$first under numactl --membind=$last is refused at start"
	cluster_stop p >/dev/null
else
	ok 0 "bind:$first under numactl --membind=$last is refused at start"
fi
like "$log" "FATAL:  invalid value for parameter \"numa_pg.shared_memory_policy\": \"bind:$first\"" "  with a FATAL"
like "$log" "DETAIL:  NUMA node $first is not one this server may allocate on; it may allocate on nodes $last \(the memory policy" \
	"  naming the restriction"

# --interleave: reported; it places what numa_pg does not
if start_under "--interleave=$first,$last" "numa_pg.shared_memory_policy = 'default'"; then
	ok 0 "the server starts under numactl --interleave=$first,$last"
	is "$(sql_value p "SELECT memory_policy || ' ' || memory_policy_nodes::text FROM numa_status()")" "interleave {$first,$last}" \
		"  numa_status() shows the interleave and its nodes"
	is "$(sql_value p "SELECT count(*) FROM numa_topology() WHERE has_memory AND memory_allowed")" "${#mem_nodes[@]}" \
		"  it restricts nothing: memory is allowed on every memory node"
	like "$log" "LOG:  numa_pg: this server was started under memory policy interleave on nodes ($first,$last|$first-$last)$" "  the log names it"
	is "$(pages_by_node | sed -E "s/^$first:[0-9]+ $last:[0-9]+$/both/")" both \
		"  with shared_memory_policy = default, PostgreSQL's segment is on nodes $first and $last, and no other"
	is "$(sql_value p "SELECT count(*) FILTER (WHERE pages_on_target = pages) || '/' || count(*) FROM numa_regions() WHERE kind IN ('state_store', 'wal_staging', 'queue')")" \
		"$(sql_value p "SELECT count(*) || '/' || count(*) FROM numa_regions() WHERE kind IN ('state_store', 'wal_staging', 'queue')")" \
		"  numa_pg's regions are on their targets all the same"
	cluster_stop p >/dev/null
else
	ok 1 "the server starts under numactl --interleave=$first,$last"
fi
if start_under "--interleave=$first,$last" "numa_pg.shared_memory_policy = 'bind:$first'"; then
	ok 0 "with shared_memory_policy = bind:$first under the interleave, the server starts"
	is "$(pages_by_node | sed "s/^$first:[0-9]*$/only $first/")" "only $first" \
		"  numa_pg's setting takes precedence: PostgreSQL's segment is all on node $first"
	cluster_stop p >/dev/null
else
	ok 1 "with shared_memory_policy = bind:$first under the interleave, the server starts"
fi

# --preferred: reported; interleave still spreads the segment
if start_under "--preferred=$last" "numa_pg.shared_memory_policy = 'interleave'"; then
	ok 0 "the server starts under numactl --preferred=$last"
	is "$(sql_value p "SELECT memory_policy || ' ' || memory_policy_nodes::text FROM numa_status()")" "preferred {$last}" \
		"  numa_status() shows the preferred node"
	is "$(sql_value p "SELECT count(DISTINCT node) FROM numa_shmem_allocations() WHERE name = 'Buffer Blocks' AND node IS NOT NULL")" \
		"${#mem_nodes[@]}" "  interleave spreads shared buffers over every memory node"
	cluster_stop p >/dev/null
else
	ok 1 "the server starts under numactl --preferred=$last"
fi

# --cpunodebind: affinity, honoured as a cpuset's CPUs are
if start_under "--cpunodebind=$last" "numa_pg.workers = $last_ncpus"; then
	ok 0 "the server starts under numactl --cpunodebind=$last with $last_ncpus worker(s)"
	is "$(sql_value p "SELECT bool_and(w.cpu = ANY (t.cpus) AND w.running) FROM numa_workers() w, numa_topology() t WHERE t.node = $last")" t \
		"  every worker runs on a CPU of node $last"
	is "$(sql_value p "SELECT string_agg(node::text, ',' ORDER BY node) FROM numa_topology() WHERE cardinality(cpus_allowed) > 0")" "$last" \
		"  numa_topology() allows the CPUs of node $last only"
	is "$(sql_value p "SELECT memory_policy FROM numa_status()")" default "  and the memory policy is the default"
	cluster_stop p >/dev/null
else
	ok 1 "the server starts under numactl --cpunodebind=$last with $last_ncpus worker(s)"
fi

# a cpuset whose mems exclude the first node (cgroup v2): bind:<first> is
# refused with a detail that names the cpuset, not the node's memory
cg=/sys/fs/cgroup
grep -q " $cg cgroup2 " /proc/mounts || mount -t cgroup2 none "$cg" 2>/dev/null
if grep -q " $cg cgroup2 " /proc/mounts && echo +cpuset >"$cg/cgroup.subtree_control" 2>/dev/null &&
	mkdir -p "$cg/numapg" && echo "$last" >"$cg/numapg/cpuset.mems" 2>/dev/null; then
	cp "$conf.base" "$conf"
	cluster_set p "numa_pg.shared_memory_policy = 'bind:$first'"
	: >"$log"
	if (echo "$BASHPID" >"$cg/numapg/cgroup.procs" && cluster_start p) 2>/dev/null; then
		ok 1 "bind:$first in a cpuset with mems $last is refused at start"
		cluster_stop p >/dev/null
	else
		ok 0 "bind:$first in a cpuset with mems $last is refused at start"
	fi
	like "$log" "DETAIL:  NUMA node $first is not one this server may allocate on; it may allocate on nodes $last \(its cpuset allows only these\)\." \
		"  with a detail that names the cpuset"
else
	echo "# no cgroup v2 cpuset controller in this guest: the cpuset case is skipped"
	ok 0 "# SKIP no cgroup v2 cpuset controller in this guest"
fi

done_testing
