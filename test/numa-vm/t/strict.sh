#!/usr/bin/env bash
# test/numa-vm/t/strict.sh: TAP.  In a NUMA guest, a worker whose node has
# less memory than its state store needs: with numa_pg.strict the server
# refuses to start (FATAL, detail, hint); without it, the server starts,
# warns, and the pages that do not fit go to another node.  (On a one-node
# machine nothing is placed, so this can only be tested here.)
#
# Run by guest-test.sh with prove, as root, after the main cluster stopped.

. "$(dirname "$0")/../../t/tap.bash"
make_workdir

# the node with CPUs and the least memory, one of its CPUs, and a state
# store larger than the whole node (the store rounds its slots down to a
# power of two, so twice the node's size, to be sure)
node=$(for d in /sys/devices/system/node/node[0-9]*; do
	kb=$(awk '/MemTotal/ {print $4}' "$d/meminfo")
	[ "$kb" -gt 0 ] && [ -n "$(cat "$d/cpulist")" ] && echo "$kb ${d##*node}"
done | sort -n | head -1 | cut -d' ' -f2)
node_mb=$(( $(awk '/MemTotal/ {print $4}' /sys/devices/system/node/node$node/meminfo) / 1024 ))
cpu=$(cut -d, -f1 /sys/devices/system/node/node$node/cpulist | cut -d- -f1)
size_mb=$((2 * node_mb + 64))
echo "# node $node ($node_mb MB), CPU $cpu, numa_pg.state_store_size = ${size_mb}MB"

cluster_init strict "$(free_port)" "shared_preload_libraries = 'numa_pg'" \
	"numa_pg.workers = 1" "numa_pg.worker_cpus = '$cpu'" \
	"numa_pg.state_store_size = '${size_mb}MB'" "numa_pg.strict = on"
log=$(cluster_log strict)
if cluster_start strict; then
	ok 1 "with numa_pg.strict the server refuses to start"
	cluster_stop strict >/dev/null
else
	ok 0 "with numa_pg.strict the server refuses to start"
fi
like "$log" "FATAL:  numa_pg: NUMA node $node has [0-9]+ MB available, but the memory numa_pg places there needs [0-9]+ MB" \
	"  with a FATAL naming the node and the sizes"
like "$log" "DETAIL:  Available is free memory plus reclaimable page cache" "  a detail"
like "$log" "HINT:  Reduce numa_pg.state_store_size" "  and a hint"

cluster_set strict "numa_pg.strict = off"
: >"$log"
cluster_start strict
ok $? "without it the server starts"
like "$log" "WARNING:  numa_pg: NUMA node $node has [0-9]+ MB available, but the memory numa_pg places there needs [0-9]+ MB" \
	"  and warns"
sql_value strict "CREATE EXTENSION numa_pg" >/dev/null
elsewhere=$(sql_value strict "SELECT pages_elsewhere FROM numa_regions() WHERE name = 'worker 0 state store'")
ok $(( ${elsewhere:-0} > 0 ? 0 : 1 )) "  and the pages that did not fit are on another node ($elsewhere, from move_pages)"
cluster_stop strict >/dev/null

done_testing
