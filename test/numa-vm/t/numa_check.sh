#!/usr/bin/env bash
# test/numa-vm/t/numa_check.sh: TAP.  numa_check() in a NUMA guest, whose
# kernel is its own, so that its settings can be made bad on purpose:
#
#  - a badly set server: vm.zone_reclaim_mode = 1, kernel.numa_balancing =
#    1, numa_pg.shared_memory_policy = default with one worker, and the
#    server started under numactl --cpunodebind=<first node> so that every
#    page of shared buffers its backends fault in (an INSERT of some 15 MB)
#    is on that node: zone_reclaim_mode is a problem, numa_balancing and
#    shared_memory_placement warnings (and cpuset_and_policy, for the
#    CPUs numactl took away); the start-up log has the zone reclaim WARNING
#    with the same words as numa_check()'s finding (the same code);
#  - a well-set one: zone reclaim and balancing 0, interleave and prefault
#    on: those three checks are ok.
#
# The sysctls are put back to 0 at the end.  Run by guest-test.sh with
# prove, as root, after the main cluster stopped.

. "$(dirname "$0")/../../t/tap.bash"
make_workdir

restore_sysctls() {
	echo 0 >/proc/sys/vm/zone_reclaim_mode
	echo 0 >/proc/sys/kernel/numa_balancing
}
trap 'restore_sysctls; cleanup' EXIT

first=$(cut -d, -f1 /sys/devices/system/node/has_memory | cut -d- -f1)
echo "# first memory node: $first"

cluster_init c "$(free_port)" "shared_preload_libraries = 'numa_pg'" "shared_buffers = '64MB'" \
	"numa_pg.workers = 1"
conf=$NUMAPG_WORK/c/data/postgresql.conf
cp "$conf" "$conf.base"
log=$(cluster_log c)

# check NAME: "status|found" of numa_check()'s row NAME
check() { sql_value c "SELECT status || '|' || found FROM numa_check() WHERE name = '$1'"; }
status_of() { check "$1" | cut -d'|' -f1; }

# the badly set server
echo 1 >/proc/sys/vm/zone_reclaim_mode
echo 1 >/proc/sys/kernel/numa_balancing
if cluster_start c numactl --cpunodebind="$first"; then
	ok 0 "the server starts under numactl --cpunodebind=$first with zone reclaim and balancing on"
	sql_value c "CREATE EXTENSION numa_pg" >/dev/null
	sql_value c "CREATE TABLE filler AS SELECT 1 AS i, 'x' AS s WITH NO DATA" >/dev/null
	sql_value c "INSERT INTO filler SELECT g, repeat('x', 100) FROM generate_series(1, 100000) AS g" >/dev/null
	found=$(check zone_reclaim_mode)
	is "$found" "problem|vm.zone_reclaim_mode is 1" "zone_reclaim_mode = 1 is a problem"
	like "$log" "WARNING:  numa_pg: ${found#problem|}\$" "  and the start-up log's WARNING has the same words"
	is "$(status_of numa_balancing)" warning "numa_balancing = 1 with a numa_pg worker is a warning"
	echo "# $(check numa_balancing)"
	is "$(status_of shared_memory_placement)" warning "shared buffers faulted in on node $first only, policy default: a warning"
	echo "# $(check shared_memory_placement)"
	check shared_memory_placement | grep -Eq "% of the faulted-in pages of shared buffers are on node $first "
	ok $? "  naming node $first"
	is "$(status_of cpuset_and_policy)" warning "the CPUs numactl took away: a warning"
	is "$(status_of worker_pinning)" ok "the worker is pinned"
	cluster_stop c >/dev/null
else
	cluster_failed c
	ok 1 "the server starts under numactl --cpunodebind=$first with zone reclaim and balancing on"
fi

# the well-set server
restore_sysctls
cp "$conf.base" "$conf"
cluster_set c "numa_pg.shared_memory_policy = 'interleave'" "numa_pg.prefault = on"
: >"$log"
if cluster_start c; then
	ok 0 "the server starts with interleave and prefault, zone reclaim and balancing off"
	is "$(check zone_reclaim_mode)" "ok|vm.zone_reclaim_mode is 0" "zone_reclaim_mode = 0 is ok"
	is "$(status_of numa_balancing)" ok "numa_balancing = 0 is ok"
	is "$(status_of shared_memory_placement)" ok "shared memory interleaved by numa_pg is ok"
	is "$(status_of cpuset_and_policy)" ok "nothing excluded is ok"
	is "$(grep -c 'WARNING:  numa_pg: vm.zone_reclaim_mode' "$log")" 0 "  no zone reclaim WARNING at start"
	echo "# $(sql_value c "SELECT name || ': ' || status FROM numa_check()" | tr '\n' ' ')"
	cluster_stop c >/dev/null
else
	cluster_failed c
	ok 1 "the server starts with interleave and prefault, zone reclaim and balancing off"
fi

done_testing
