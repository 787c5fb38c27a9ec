#!/usr/bin/env bash
# scripts/test.sh: numa_pg's whole test suite, from nothing.
#
# Installs what is missing (as root, with apt-get), builds numa_pg with
# warnings as errors, installs it, and runs, each against a real server
# started here as an unprivileged user:
#
#   unit       C unit tests of the pure modules (prove)
#   regress    pg_regress, sql/ + expected/, numa_pg preloaded
#   pgtap      pgTAP, test/*.sql, numa_pg preloaded with a worker pool,
#              checked against numactl --hardware, sysfs and move_pages
#   explicit   pgTAP, test/explicit/*.sql, one worker on an explicit CPU,
#              numa_pg.strict = on, numa_pg.prefault = on
#   nopreload  pgTAP, test/nopreload/*.sql, numa_pg not preloaded
#   eperm      pgTAP, test/degraded/eperm.sql, NUMA syscalls refused (EPERM)
#   enosys     pgTAP, test/degraded/enosys.sql, NUMA syscalls absent (ENOSYS)
#   disabled   pgTAP, test/degraded/disabled.sql, numa_pg.enabled = off (with
#              a shared memory policy and prefault set, which must not apply)
#   hugepages  pgTAP, test/*.sql and test/hugepages/*.sql, huge_pages = on
#              (reserves 256 huge pages for the run)
#   server     prove, test/t/*.sh: server start and its log (bad settings
#              refused with FATAL, topology logged), workers killed and back
#   numa-2node, numa-4node, numa-memoryless
#              the pgTAP suite and multi-node placement checks inside QEMU
#              guests with emulated NUMA nodes (test/numa-vm/README.md);
#              if QEMU cannot run, these fail and say so
#
# Exits non-zero if anything failed, after stopping every cluster.
# NUMAPG_KEEP=1 keeps the scratch directory (logs, regression.diffs).
# NUMAPG_STEPS="pgtap server" runs only the steps named (while developing;
# the summary then says which were skipped).

. "$(dirname "$0")/lib.sh"

hold_machine_lock
ensure_packages $NUMAPG_PACKAGES
build_and_install
make_workdir
cd "$NUMAPG_SRC" || exit 1

PASSED=()
FAILED=()
SKIPPED=()

# step NAME COMMAND...: run a step, remember whether it passed
step() {
	local name=$1
	shift
	if [ -n "${NUMAPG_STEPS:-}" ] && [[ " $NUMAPG_STEPS " != *" $name "* ]]; then
		SKIPPED+=("$name")
		return 0
	fi
	say "$name"
	if "$@"; then PASSED+=("$name"); else FAILED+=("$name"); fi
}

# pgtap_suite NAME WRAPPER CONF FILES...: a fresh cluster with the given
# settings, started through WRAPPER (may be empty), and pg_prove on FILES
pgtap_suite() {
	local name=$1 wrapper=$2 conf=$3 port
	shift 3
	port=$(free_port)
	cluster_init "$name" "$port" "$conf" || return 1
	# shellcheck disable=SC2086
	cluster_start "$name" $wrapper || cluster_failed "$name" || return 1
	cluster_env "$name"
	"$PG_BIN/psql" -X -q -d postgres -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION numa_pg' ||
		return 1
	pg_prove -d postgres --psql-bin "$PG_BIN/psql" \
		--set numactl="$(numactl --hardware)" \
		--set online_cpus="$(cat /sys/devices/system/cpu/online)" \
		--set pg_os_user="$PG_OS_USER" \
		--set workers="$POOL_WORKERS" \
		--set explicit_cpu="$EXPLICIT_CPU" \
		"$@"
	local rc=$?
	cluster_stop "$name" >/dev/null
	return $rc
}

regress() {
	local port rc
	port=$(free_port)
	cluster_init regress "$port" "shared_preload_libraries = 'numa_pg'" || return 1
	cluster_start regress || cluster_failed regress || return 1
	cluster_env regress
	make -s installcheck PG_CONFIG="$PG_CONFIG"
	rc=$?
	[ $rc -ne 0 ] && [ -f regression.diffs ] && cat regression.diffs
	cluster_stop regress >/dev/null
	return $rc
}

# hugepages_suite CONF FILES...: pgtap_suite with enough 2 MB huge pages
# reserved for the server (as root), and the reservation undone after
hugepages_suite() {
	local sysfs=/proc/sys/vm/nr_hugepages before rc
	before=$(cat $sysfs)
	if ! echo $((before + 256)) >$sysfs 2>/dev/null || [ "$(cat $sysfs)" -lt $((before + 256)) ]; then
		echo "could not reserve 256 huge pages (need root and 512 MB free): the huge page suite cannot run"
		echo "$before" >$sysfs 2>/dev/null
		return 1
	fi
	pgtap_suite hugepages "" "$@"
	rc=$?
	echo "$before" >$sysfs
	return $rc
}

WRAP=test/tools/bin/numa_syscalls_fail
PRELOAD="shared_preload_libraries = 'numa_pg'"
# one worker per CPU this machine has, at most 4
POOL_WORKERS=$(nproc)
[ "$POOL_WORKERS" -gt 4 ] && POOL_WORKERS=4
POOL="numa_pg.workers = $POOL_WORKERS
numa_pg.state_store_size = '1MB'
numa_pg.wal_staging_size = '256kB'
numa_pg.pool_size = '1MB'
numa_pg.interleaved_pool_size = '1MB'
numa_pg.shared_memory_policy = 'interleave'
wal_level = logical"
EXPLICIT_CPU=$(($(nproc) - 1))

step unit prove test/unit/bin/test_*
step regress regress
step pgtap pgtap_suite main "" "$PRELOAD
$POOL" test/*.sql
step explicit pgtap_suite explicit "" "$PRELOAD
numa_pg.workers = 1
numa_pg.worker_cpus = '$EXPLICIT_CPU'
numa_pg.strict = on
numa_pg.prefault = on" test/explicit/explicit.sql
step nopreload pgtap_suite nopreload "" "" test/nopreload/*.sql
step eperm pgtap_suite eperm "$NUMAPG_SRC/$WRAP EPERM" "$PRELOAD
$POOL" test/degraded/eperm.sql
step enosys pgtap_suite enosys "$NUMAPG_SRC/$WRAP ENOSYS" "$PRELOAD
$POOL" test/degraded/enosys.sql
step disabled pgtap_suite disabled "" "$PRELOAD
numa_pg.enabled = off
numa_pg.workers = 2
numa_pg.shared_memory_policy = 'interleave'
numa_pg.prefault = on" test/degraded/disabled.sql
step hugepages hugepages_suite "$PRELOAD
$POOL
huge_pages = on" test/*.sql test/hugepages/hugepages.sql
step server prove -e bash test/t/*.sh
# the same tests inside QEMU guests with emulated NUMA nodes
step numa-2node test/numa-vm/run.sh 2node
step numa-4node test/numa-vm/run.sh 4node
step numa-memoryless test/numa-vm/run.sh memoryless

say "summary"
echo "passed: ${PASSED[*]:-none}"
echo "failed: ${FAILED[*]:-none}"
[ ${#SKIPPED[@]} -gt 0 ] && echo "skipped (NUMAPG_STEPS): ${SKIPPED[*]}"
echo "${#PASSED[@]} passed, ${#FAILED[@]} failed"
[ ${#FAILED[@]} -eq 0 ]
