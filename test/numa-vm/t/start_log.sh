#!/usr/bin/env bash
# test/numa-vm/t/start_log.sh: TAP.  In a NUMA guest, the server's start-up
# log names every node the guest was given, with its CPUs and its row of
# the distance matrix, says mode numa, and says a memoryless node has no
# memory.
#
# Run by guest-test.sh with prove, after the cluster has started:
#   NUMAPG_VM_SERVER_LOG  the server's log
#   NUMAPG_VM_EXPECTED    expected.env written by run.sh (NODE_CPUS, NODE_DIST)

set -u
# shellcheck source=/dev/null # written by run.sh
. "${NUMAPG_VM_EXPECTED:?}"
LOG=${NUMAPG_VM_SERVER_LOG:?}
N=0
FAILED=0

# ok STATUS NAME
ok() {
	N=$((N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAILED=$((FAILED + 1)); fi
}

# has REGEX NAME: some line of the log matches the extended REGEX
has() {
	if grep -Eq -- "$1" "$LOG"; then
		ok 0 "$2"
	else
		ok 1 "$2"
		echo "# no log line matches: $1"
		grep 'numa_pg' "$LOG" | sed 's/^/#   /'
	fi
}

memoryless=()
for n in "${!NODE_MEM[@]}"; do
	[ "${NODE_MEM[n]}" -eq 0 ] && memoryless+=("$n")
done

echo "1..$((2 + 2 * ${#NODE_CPUS[@]} + 2 * ${#memoryless[@]}))"
has "LOG:  numa_pg: ${#NODE_CPUS[@]} NUMA node\(s\), mode numa" \
	"the log says ${#NODE_CPUS[@]} nodes, mode numa"
has "WARNING:  numa_pg: vm.zone_reclaim_mode is 1" "zone reclaim (switched on by guest-test.sh) is warned about"
for n in "${!NODE_CPUS[@]}"; do
	has "LOG:  numa_pg: node $n: CPUs ${NODE_CPUS[n]}," "node $n is logged with CPUs ${NODE_CPUS[n]}"
	has "LOG:  numa_pg: node $n: .*distances ${NODE_DIST[n]}\$" "node $n is logged with distances ${NODE_DIST[n]}"
done
for n in "${memoryless[@]}"; do
	has "LOG:  numa_pg: node $n: CPUs [^ ]*, no memory" "memoryless node $n is logged as having no memory"
	has "WARNING:  numa_pg: worker [0-9]+ runs on CPU [0-9]+ of NUMA node $n, which has no memory it may use; its memory goes to node [0-9]+, the nearest that has" \
		"a worker on memoryless node $n warns that its memory falls back to the nearest node"
done
[ "$FAILED" -eq 0 ]
