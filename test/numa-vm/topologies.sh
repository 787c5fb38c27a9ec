# shellcheck shell=bash disable=SC2034
# test/numa-vm/topologies.sh: the guest topologies, sourced by run.sh.
#
# One table per topology is the single source of both the QEMU command line
# and what the guest's tests expect: QEMU turns it into ACPI SRAT/SLIT
# tables, the guest kernel into sysfs, numa_pg into SQL, and the tests
# compare that SQL with this table.  Node ids are 0..N-1 (QEMU wants them
# contiguous).
#
#   NODE_CPUS[n]   CPUs of node n, as a kernel CPU list ("0-1", "0,4")
#   NODE_MEM[n]    memory of node n in MB; 0 makes a memoryless node
#                  (QEMU -numa node without memdev: CPUs, no memory)
#   NODE_DIST[n]   row n of the distance matrix (10 = local).  QEMU gets
#                  every entry, so the matrix may be asymmetric.
#
# Node sizes differ on purpose, so that sizes swapped between nodes are
# noticed; no distance is QEMU's default (20 or 21).

TOPOLOGIES="2node 4node memoryless"

# load_topology NAME: set NODE_CPUS, NODE_MEM and NODE_DIST; false if unknown
load_topology() {
	case $1 in
	2node)
		# two sockets, two CPUs each
		NODE_CPUS=("0-1" "2-3")
		NODE_MEM=(1280 768)
		NODE_DIST=("10 17" "17 10")
		;;
	4node)
		# four sockets in a ring (neighbours 16, across 22), CPUs numbered
		# round-robin over the nodes as many BIOSes do, so a node's CPUs are
		# not contiguous; 1 or 2 CPUs a node.  One pair is directional
		# (3 -> 0 is 24, 0 -> 3 is 22): a transposed matrix, or
		# numa_distance() with its arguments swapped, would pass a symmetric one.
		NODE_CPUS=("0,4" "1,5" "2" "3")
		NODE_MEM=(768 512 512 256)
		NODE_DIST=("10 16 16 22" "16 10 22 16" "16 22 10 16" "24 16 16 10")
		;;
	memoryless)
		# node 2 has a CPU but no memory (as a CPU-only die, or a socket
		# whose DIMMs failed): its CPU allocates from nodes 0 and 1
		NODE_CPUS=("0-1" "2" "3")
		NODE_MEM=(1280 768 0)
		NODE_DIST=("10 21 12" "21 10 21" "12 21 10")
		;;
	*)
		return 1
		;;
	esac
}
