#!/usr/bin/env bash
# scripts/test.sh: numa_pg's whole test suite, from nothing.
#
# Installs what is missing (as root, with apt-get), builds numa_pg with
# warnings as errors, installs it, and runs, each against a real server
# started here as an unprivileged user:
#
#   cycles     no dependency cycle between numa_pg.so's modules
#              (scripts/check_cycles.sh, from nm of the objects)
#   unit       C unit tests of the pure modules (prove)
#   package    prove, test/package/*.sh: the Debian package built from
#              debian/ in a copy of this tree, installed with dpkg -i, a
#              server on it, removed with dpkg -r (what make install had put
#              there is put back, and checked); META.json against
#              numa_pg.control
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
# Versions: unit and package run on Debian's PostgreSQL $PG_MAJOR; the guests on it
# and on 18 (GUEST_VERSIONS; the release build of ../shared/postgresql,
# skipped, and the summary says so, where it is not found); the
# steps from regress to server run on it and then on every other version:
# each build found in ../shared/postgresql (extracted once into a cache,
# see shared_builds in lib.sh) and each installation named in
# NUMAPG_PG_CONFIGS="/path/to/bin/pg_config ...".  numa_pg is built and
# installed into each, with test/client and bench/numa_pg_bench (in a copy
# of this tree, so that the builds never mix), and the summary names the version of every step (pgtap@18: ok).
#
# A failed assertion (TRAP: in a server log, from the builds with
# assertions) fails the suite whose server wrote it, whatever its tests said.
# Exits non-zero if anything failed, after stopping every cluster.
# NUMAPG_KEEP=1 keeps the scratch directory (logs, regression.diffs).
# NUMAPG_STEPS="pgtap server" runs only the steps named (while developing;
# the summary then says which were skipped); NUMAPG_VERSIONS="15 18-cassert"
# only the versions named (labels as the summary prints them).

. "$(dirname "$0")/lib.sh"

hold_machine_lock
ensure_packages $NUMAPG_PACKAGES
make_workdir
cd "$NUMAPG_SRC" || exit 1

RESULTS=()
PASSED=()
FAILED=()
SKIPPED=()
RUN_START=$SECONDS

# step NAME COMMAND...: run a step on the selected PostgreSQL, remember
# whether it passed (as NAME@VERSION)
step() {
	local name=$1 t0=$SECONDS
	shift
	if [ -n "${NUMAPG_STEPS:-}" ] && [[ " $NUMAPG_STEPS " != *" $name "* ]]; then
		SKIPPED+=("$name@$PG_LABEL")
		return 0
	fi
	say "$name@$PG_LABEL"
	if "$@"; then
		PASSED+=("$name@$PG_LABEL")
		RESULTS+=("$name@$PG_LABEL: ok ($((SECONDS - t0)) s)")
	else
		FAILED+=("$name@$PG_LABEL")
		RESULTS+=("$name@$PG_LABEL: FAILED ($((SECONDS - t0)) s)")
	fi
}

# The versions to test: labels, and the pg_config of each.
VERSIONS=()
declare -A VERSION_CONFIG=()
# add_version LABEL PG_CONFIG: once per installation; a second one of the
# same major version gets a suffix (17-2)
add_version() {
	local label=$1 config=$2 l n=2
	for l in "${VERSIONS[@]}"; do
		[ "$(realpath "${VERSION_CONFIG[$l]}")" = "$(realpath "$config")" ] && return 0
	done
	while [ -n "${VERSION_CONFIG[$label]:-}" ]; do
		label=$1-$n
		n=$((n + 1))
	done
	VERSIONS+=("$label")
	VERSION_CONFIG[$label]=$config
}
add_version "$PG_MAJOR" "$PG_SYSTEM_CONFIG"
while read -r label config; do
	add_version "$label" "$config"
done < <(shared_builds)
for config in ${NUMAPG_PG_CONFIGS:-}; do
	[ -x "$config" ] || die "NUMAPG_PG_CONFIGS: $config is not an executable pg_config"
	add_version "$(pg_major "$config")" "$config"
done

# The builds ../shared/postgresql has in the numa_pg workspace.
KNOWN_VERSIONS="16 17 18 19 15-cassert 18-cassert"

# pgtap_suite NAME WRAPPER CONF FILES...: a fresh cluster with the given
# settings, started through WRAPPER (may be empty), and pg_prove on FILES
pgtap_suite() {
	local name=$1 wrapper=$2 conf=$3 port
	shift 3
	port=$(free_port)
	# one cluster directory per version
	name=v${PG_LABEL//[^A-Za-z0-9]/_}_$name
	cluster_init "$name" "$port" "$conf" || return 1
	# shellcheck disable=SC2086
	cluster_start "$name" $wrapper || cluster_failed "$name" || return 1
	cluster_env "$name"
	# each file creates the extensions it needs and finds what it compares
	# with itself (test/lib/setup.sql)
	pg_prove -d postgres --psql-bin "$PG_BIN/psql" "$@"
	local rc=$?
	cluster_stop "$name" >/dev/null
	assertion_failures "$name" && { echo "# the server failed an assertion"; rc=1; }
	return $rc
}

# pg_regress in the tree numa_pg was built in for this version
regress() {
	local port rc name=v${PG_LABEL//[^A-Za-z0-9]/_}_regress
	port=$(free_port)
	cluster_init "$name" "$port" "shared_preload_libraries = 'numa_pg'" || return 1
	cluster_start "$name" || cluster_failed "$name" || return 1
	cluster_env "$name"
	make -C "$BUILD_DIR" -s installcheck PG_CONFIG="$PG_CONFIG"
	rc=$?
	[ $rc -ne 0 ] && [ -f "$BUILD_DIR/regression.diffs" ] && cat "$BUILD_DIR/regression.diffs"
	cluster_stop "$name" >/dev/null
	assertion_failures "$name" && { echo "# the server failed an assertion"; rc=1; }
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

# The steps that need a server, on the selected PostgreSQL.
server_steps() {
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
}

# version_selected LABEL: NUMAPG_VERSIONS names it, or is unset
version_selected() {
	[ -z "${NUMAPG_VERSIONS:-}" ] || [[ " $NUMAPG_VERSIONS " == *" $1 "* ]]
}

# Debian's PostgreSQL: built in this tree, with the unit tests and the
# tools the degraded suites use (test/tools/bin), which every version shares.
SKIPPED_VERSIONS=()
VERSION_TIMES=()
# the directory numa_pg was built in for each version, for the guests
declare -A VERSION_BUILD=()
pg_select "$PG_MAJOR" "$PG_SYSTEM_CONFIG"
BUILD_DIR=$NUMAPG_SRC
build_and_install || die "build failed"
step cycles scripts/check_cycles.sh
step unit prove test/unit/bin/test_*
# before the server suites, which then run on what the package step put back
step package prove -e bash test/package/*.sh

for label in "${VERSIONS[@]}"; do
	if ! version_selected "$label"; then
		SKIPPED_VERSIONS+=("$label")
		continue
	fi
	t0=$SECONDS
	pg_select "$label" "${VERSION_CONFIG[$label]}"
	if [ "$label" != "$PG_MAJOR" ]; then
		BUILD_DIR=$NUMAPG_WORK/build/$label
		if ! { copy_tree "$BUILD_DIR" && build_and_install_in "$BUILD_DIR" all; }; then
			FAILED+=("build@$label")
			RESULTS+=("build@$label: FAILED")
			continue
		fi
	else
		BUILD_DIR=$NUMAPG_SRC
	fi
	VERSION_BUILD[$label]=$BUILD_DIR
	server_steps
	VERSION_TIMES+=("$label: $((SECONDS - t0)) s")
done

# the same tests inside QEMU guests with emulated NUMA nodes, on Debian's
# PostgreSQL and on 18 (the guests boot this machine's / under an overlay,
# and install there the build made above for the version: run.sh passes
# PG_CONFIG and NUMAPG_VM_BUILD on to them)
GUEST_VERSIONS="$PG_MAJOR 18"
GUEST_STEPS="numa-2node numa-4node numa-memoryless"
GUEST_SKIPPED=()
GUEST_TIMES=()
for label in $GUEST_VERSIONS; do
	if [ -z "${VERSION_CONFIG[$label]:-}" ]; then
		for name in $GUEST_STEPS; do GUEST_SKIPPED+=("$name@$label"); done
		continue
	fi
	# not selected (NUMAPG_VERSIONS: listed as skipped already), or its
	# build failed (build@LABEL: FAILED)
	[ -n "${VERSION_BUILD[$label]:-}" ] || continue
	t0=$SECONDS
	pg_select "$label" "${VERSION_CONFIG[$label]}"
	BUILD_DIR=${VERSION_BUILD[$label]}
	export NUMAPG_VM_BUILD=$BUILD_DIR
	for name in $GUEST_STEPS; do
		step "$name" test/numa-vm/run.sh "${name#numa-}"
	done
	GUEST_TIMES+=("$label: $((SECONDS - t0)) s")
done

say "summary"
printf '%s\n' "${RESULTS[@]}"
echo "failed: ${FAILED[*]:-none}"
[ ${#SKIPPED[@]} -gt 0 ] && echo "skipped (NUMAPG_STEPS): ${SKIPPED[*]}"
[ ${#SKIPPED_VERSIONS[@]} -gt 0 ] && echo "skipped (NUMAPG_VERSIONS): ${SKIPPED_VERSIONS[*]}"
[ ${#GUEST_SKIPPED[@]} -gt 0 ] && echo "skipped (PostgreSQL not found): ${GUEST_SKIPPED[*]}"
missing=()
for label in $KNOWN_VERSIONS; do
	[ -n "${VERSION_CONFIG[$label]:-}" ] || missing+=("$label")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "not tested, not found: PostgreSQL ${missing[*]} (no build in $NUMAPG_SHARED_PG);"
	echo "  add installations with NUMAPG_PG_CONFIGS=\"/usr/lib/postgresql/17/bin/pg_config ...\""
	echo "  or put the builds of ../shared/postgresql (see its README) next to this clone"
fi
times=$(printf '%s, ' "${VERSION_TIMES[@]}")
echo "time per version (build and server steps): ${times%, }; whole run: $((SECONDS - RUN_START)) s"
times=$(printf '%s, ' "${GUEST_TIMES[@]}")
[ ${#GUEST_TIMES[@]} -gt 0 ] && echo "time of the guests per version: ${times%, }"
echo "${#PASSED[@]} passed, ${#FAILED[@]} failed"
[ ${#FAILED[@]} -eq 0 ]
