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
# Versions: unit and package run on Debian's PostgreSQL $PG_MAJOR; the guests
# 2node and memoryless on the release build of 18 of ../shared/postgresql
# and 4node on $PG_MAJOR (NUMAPG_GUESTS=all: every topology on both), in the
# background while the server steps run; the
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
VERSION_BUILD[$PG_MAJOR]=$NUMAPG_SRC
step cycles scripts/check_cycles.sh
step unit prove test/unit/bin/test_*
# before the server suites, which then run on what the package step put back
step package prove -e bash test/package/*.sh

# build_version LABEL: numa_pg built and installed for a version other than
# Debian's, in a copy of this tree (VERSION_BUILD); status 1 (and
# build@LABEL: FAILED) if that failed
build_version() {
	local label=$1 dir=$NUMAPG_WORK/build/$1
	[ -n "${VERSION_BUILD[$label]:-}" ] && return 0
	pg_select "$label" "${VERSION_CONFIG[$label]}"
	if ! { copy_tree "$dir" && build_and_install_in "$dir" all; }; then
		FAILED+=("build@$label")
		RESULTS+=("build@$label: FAILED")
		VERSION_BUILD[$label]=failed
		return 1
	fi
	VERSION_BUILD[$label]=$dir
}

# The QEMU guests with emulated NUMA nodes (test/numa-vm/): each topology on
# one version, Debian's PostgreSQL and the 18 build between them (18 for the
# suite that compares with PostgreSQL's NUMA views; the unit tests run in
# the guest on Debian's), so that a run stays well inside CI's 90 minutes:
# each guest takes 5 to 13 minutes of emulation.  NUMAPG_GUESTS=all runs
# every topology on both.  A version not found (no ../shared) gives its
# topologies to Debian's PostgreSQL, and the summary says so.  The guests
# boot this machine's / under an overlay and install there the build made
# for the version (run.sh gets PG_CONFIG and NUMAPG_VM_BUILD).
GUEST_TOPOLOGIES="2node 4node memoryless"
if [ "${NUMAPG_GUESTS:-}" = all ]; then
	GUEST_PLAN=""
	for label in "$PG_MAJOR" 18; do
		for name in $GUEST_TOPOLOGIES; do GUEST_PLAN+=" $name:$label"; done
	done
else
	GUEST_PLAN="2node:18 4node:$PG_MAJOR memoryless:18"
fi
GUEST_RUNS=()
GUEST_NOTES=()
GUEST_TIMES=()
for entry in $GUEST_PLAN; do
	name=numa-${entry%%:*} label=${entry#*:}
	if [ -z "${VERSION_CONFIG[$label]:-}" ]; then
		GUEST_NOTES+=("$name: PostgreSQL $label not found, runs on $PG_MAJOR")
		label=$PG_MAJOR
	fi
	if [ -n "${NUMAPG_STEPS:-}" ] && [[ " $NUMAPG_STEPS " != *" $name "* ]]; then
		SKIPPED+=("$name@$label")
	elif ! version_selected "$label"; then
		SKIPPED_VERSIONS+=("$name@$label")
	elif [[ " ${GUEST_RUNS[*]} " != *" $name:$label "* ]]; then
		GUEST_RUNS+=("$name:$label")
	fi
done

# run_guests: the guests one after the other, in the background while the
# server suites run here (a guest needs about one of the two CPUs, the
# server suites less than the other); the output goes to guests.log, shown
# after the server suites, and each result to guests.results
run_guests() {
	local entry name label t0 result
	for entry in "${GUEST_RUNS[@]}"; do
		name=${entry%%:*} label=${entry#*:} t0=$SECONDS
		say "$name@$label"
		pg_select "$label" "${VERSION_CONFIG[$label]}"
		# beside the server suites a guest runs slower than alone
		if NUMAPG_VM_BUILD=${VERSION_BUILD[$label]} NUMAPG_VM_TIMEOUT=${NUMAPG_VM_TIMEOUT:-2400} \
			test/numa-vm/run.sh "${name#numa-}"; then
			result=ok
		else
			result=FAILED
		fi
		echo "$result $name@$label $((SECONDS - t0))" >>"$NUMAPG_WORK/guests.results"
	done
}
GUESTS_PID=""
GUESTS_START=$SECONDS
: >"$NUMAPG_WORK/guests.results"
if [ ${#GUEST_RUNS[@]} -gt 0 ]; then
	# the guests' versions are built first, so that nothing is built or
	# installed into what a running guest reads
	guest_runs=()
	for entry in "${GUEST_RUNS[@]}"; do
		build_version "${entry#*:}" && guest_runs+=("$entry")
	done
	GUEST_RUNS=("${guest_runs[@]}")
	say "guests: ${GUEST_RUNS[*]}, in the background (their output follows the server suites)"
	# a process group of their own, which cleanup stops if this run ends first
	set -m
	run_guests >"$NUMAPG_WORK/guests.log" 2>&1 </dev/null &
	GUESTS_PID=$!
	set +m
	NUMAPG_BACKGROUND+=("$GUESTS_PID")
fi

for label in "${VERSIONS[@]}"; do
	if ! version_selected "$label"; then
		SKIPPED_VERSIONS+=("$label")
		continue
	fi
	t0=$SECONDS
	if [ "$label" != "$PG_MAJOR" ]; then
		build_version "$label" || continue
		[ "${VERSION_BUILD[$label]}" = failed ] && continue
	fi
	pg_select "$label" "${VERSION_CONFIG[$label]}"
	BUILD_DIR=${VERSION_BUILD[$label]}
	server_steps
	VERSION_TIMES+=("$label: $((SECONDS - t0)) s")
done

if [ -n "$GUESTS_PID" ]; then
	say "waiting for the guests"
	wait "$GUESTS_PID"
	cat "$NUMAPG_WORK/guests.log"
	while read -r result name seconds; do
		if [ "$result" = ok ]; then
			PASSED+=("$name")
			RESULTS+=("$name: ok ($seconds s)")
		else
			FAILED+=("$name")
			RESULTS+=("$name: FAILED ($seconds s)")
		fi
	done <"$NUMAPG_WORK/guests.results"
	# a guest that did not report (the background run died) fails
	for entry in "${GUEST_RUNS[@]}"; do
		name=${entry%%:*}@${entry#*:}
		grep -q " $name " "$NUMAPG_WORK/guests.results" ||
			{ FAILED+=("$name"); RESULTS+=("$name: FAILED (no result)"); }
	done
	GUEST_TIMES=("$((SECONDS - GUESTS_START)) s from their start, beside the server suites")
fi

say "summary"
printf '%s\n' "${RESULTS[@]}"
echo "failed: ${FAILED[*]:-none}"
[ ${#SKIPPED[@]} -gt 0 ] && echo "skipped (NUMAPG_STEPS): ${SKIPPED[*]}"
[ ${#SKIPPED_VERSIONS[@]} -gt 0 ] && echo "skipped (NUMAPG_VERSIONS): ${SKIPPED_VERSIONS[*]}"
[ ${#GUEST_NOTES[@]} -gt 0 ] && printf '%s\n' "${GUEST_NOTES[@]}"
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
[ ${#GUEST_TIMES[@]} -gt 0 ] && echo "time of the guests: ${GUEST_TIMES[*]}"
echo "${#PASSED[@]} passed, ${#FAILED[@]} failed"
[ ${#FAILED[@]} -eq 0 ]
