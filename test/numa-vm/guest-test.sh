#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# test/numa-vm/guest-test.sh: the tests, run as root INSIDE a NUMA guest by
# guest-init.sh, with the results directory SHARE as $1.
#
#  1. checks the guest: NUMA balancing off, numactl --hardware shown;
#  2. installs the numa_pg the host built (numa_pg.so, the control and SQL
#     files, and those of test/client and bench/numa_pg_bench, from
#     NUMAPG_BUILD) into the overlay's directories of the
#     PostgreSQL that PG_CONFIG names (both from SHARE/pg.env, written by
#     run.sh; default Debian's 15 and this tree): no compiler, and nothing
#     written to the read-only source tree;
#  3. starts a throwaway cluster with numa_pg preloaded (scripts/lib.sh), one
#     worker per guest CPU, allocator pools and an interleaved shared memory
#     policy, and runs with pg_prove: the project's pgTAP suite test/*.sql,
#     with the variables scripts/test.sh gives it (here it checks placement
#     on several nodes, from the kernel), and test/numa-vm/sql/*.sql, given the topology
#     the runner built (SHARE/expected.env, written by run.sh); then checks
#     that the server's start-up log names each node (t/start_log.sh);
#     then, with a cluster of its own, that a node too small for its
#     worker's memory stops the start under numa_pg.strict and makes it
#     fall back with a warning without (t/strict.sh); and, with a cluster
#     restarted for each value, where numa_pg.shared_memory_policy puts
#     PostgreSQL's prefaulted segment (t/shmem_policy.sh); and, on 18 and
#     later, under interleave and bind:, that numa_pg's reports give each
#     allocation and the shared buffers the same pages on each node as
#     PostgreSQL's own NUMA views (test/t/pg_numa_views.sh); and, started
#     under numactl --membind, --interleave, --preferred and --cpunodebind,
#     that numa_pg honours and reports the policy it inherits
#     (t/inherited_policy.sh); and, with one worker per CPU and a backend
#     pinned on each node, that puts, gets and deletes from every node to
#     stores on every node read back exactly, leave every store and WAL
#     staging buffer on its worker's node and reach WAL (t/state_nodes.sh);
#     and that numa_check() reports zone reclaim, NUMA balancing and shared
#     buffers on one node when they are so, and ok once fixed
#     (t/numa_check.sh);
#  4. runs the C unit tests (test/unit/bin/test_*, built on the host, but
#     not the thread stress tests) with prove, on Debian's PostgreSQL only.
#
# Each suite's output goes to SHARE/NAME.log and then to the console (prove
# shows failed tests and their diagnostics); its prove result lines go to
# SHARE/summary; the log of the server the pgTAP suite ran on goes to
# SHARE/server-main.log (and its end to the console if the suite failed).
# Exits non-zero if anything failed.

GUEST_SHARE=${1:?usage: guest-test.sh SHARE}
NUMAPG_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The PostgreSQL to test (PG_CONFIG, PG_BIN, PG_LABEL, and LD_LIBRARY_PATH
# for a build of ../shared/postgresql) and the directory numa_pg was built
# in for it (NUMAPG_BUILD), written by run.sh; exported before lib.sh, which
# keeps them.  Without the file: Debian's PostgreSQL and this tree.
if [ -f "$GUEST_SHARE/pg.env" ]; then
	set -a
	# shellcheck source=/dev/null # written by run.sh
	. "$GUEST_SHARE/pg.env"
	set +a
fi
# shellcheck source=../../scripts/lib.sh
. "$NUMAPG_VM_DIR/../../scripts/lib.sh"
# shellcheck source=/dev/null # written by run.sh
. "$GUEST_SHARE/expected.env"
NUMAPG_BUILD=${NUMAPG_BUILD:-$NUMAPG_SRC}

FAILED=()

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# suite NAME COMMAND...: run a suite, show and time it, keep its result lines
suite() {
	local name=$1 t0 rc
	shift
	say "$name"
	t0=$(now)
	# Into a file, then shown: not a pipeline, so that the command runs in
	# this shell (cluster_env exports), and not through tee in a process
	# substitution, whose pipe the postmasters started here would inherit.
	"$@" >"$GUEST_SHARE/$name.log" 2>&1 </dev/null
	rc=$?
	cat "$GUEST_SHARE/$name.log"
	{
		printf '%s: %s in %s s\n' "$name" "$([ "$rc" -eq 0 ] && echo ok || echo "FAILED (status $rc)")" "$(elapsed "$t0")"
		# (and why a test file was skipped)
		grep -E '^(Files=|Result:)|\.\. skipped: ' "$GUEST_SHARE/$name.log" | sed 's/^/    /'
	} >>"$GUEST_SHARE/summary"
	[ "$rc" -eq 0 ] || FAILED+=("$name")
	return "$rc"
}

# The guest as the tests will see it.
check_guest() {
	echo "kernel $(uname -r), $(nproc) CPUs online ($(cat /sys/devices/system/cpu/online))"
	numactl --hardware
	local balancing
	balancing=$(cat /proc/sys/kernel/numa_balancing 2>/dev/null || echo absent)
	echo "kernel.numa_balancing = $balancing"
	case $balancing in
	0 | absent) ;;
	*) echo "NUMA balancing is on: pages could move during the tests"; return 1 ;;
	esac
}

# Install the host's build into the overlay (the guest's writes stay in RAM):
# the overlay covers the whole root, so a build of ../shared/postgresql
# under /var/cache is written to in guest RAM as Debian's /usr/lib is.
install_numa_pg() {
	local lib share f
	lib=$("$PG_CONFIG" --pkglibdir) share=$("$PG_CONFIG" --sharedir)/extension
	[ -f "$NUMAPG_BUILD/numa_pg.so" ] || { echo "numa_pg.so is not built"; return 1; }
	install -m 755 "$NUMAPG_BUILD/numa_pg.so" "$lib/" || return 1
	for f in "$NUMAPG_BUILD"/numa_pg.control "$NUMAPG_BUILD"/numa_pg--*.sql; do
		install -m 644 "$f" "$share/" || return 1
	done
	# the client of the C API (test/client), built on the host
	[ -f "$NUMAPG_BUILD/test/client/numa_pg_client.so" ] || { echo "test/client is not built"; return 1; }
	install -m 755 "$NUMAPG_BUILD/test/client/numa_pg_client.so" "$lib/" || return 1
	for f in "$NUMAPG_BUILD"/test/client/numa_pg_client.control "$NUMAPG_BUILD"/test/client/numa_pg_client--*.sql; do
		install -m 644 "$f" "$share/" || return 1
	done
	# the hot-path benchmarks (bench/numa_pg_bench), built on the host
	[ -f "$NUMAPG_BUILD/bench/numa_pg_bench/numa_pg_bench.so" ] || { echo "bench/numa_pg_bench is not built"; return 1; }
	install -m 755 "$NUMAPG_BUILD/bench/numa_pg_bench/numa_pg_bench.so" "$lib/" || return 1
	for f in "$NUMAPG_BUILD"/bench/numa_pg_bench/numa_pg_bench.control "$NUMAPG_BUILD"/bench/numa_pg_bench/numa_pg_bench--*.sql; do
		install -m 644 "$f" "$share/" || return 1
	done
	echo "PostgreSQL $PG_LABEL: $("$PG_CONFIG" --version) ($PG_CONFIG)"
	echo "installed $NUMAPG_BUILD/numa_pg.so, numa_pg_client.so and numa_pg_bench.so into $lib, control and SQL files into $share"
}

# One worker per CPU of the guest, so every node has workers (and the
# memoryless node's CPU too); the same settings as scripts/test.sh's pgtap
# suite otherwise.
WORKERS=$(nproc)

# A cluster with numa_pg preloaded, pgTAP and numa_pg created.  Zone
# reclaim is switched on in this throwaway kernel first, for the start-up
# warning about it (t/start_log.sh); it is off again once the server is up.
start_cluster() {
	echo 1 >/proc/sys/vm/zone_reclaim_mode || return 1
	cluster_init main "$(free_port)" "shared_preload_libraries = 'numa_pg'" "jit = off" \
		"numa_pg.workers = $WORKERS" "numa_pg.state_store_size = '1MB'" \
		"numa_pg.wal_staging_size = '256kB'" "numa_pg.pool_size = '1MB'" \
		"numa_pg.interleaved_pool_size = '1MB'" \
		"numa_pg.shared_memory_policy = 'interleave'" "wal_level = logical" || return 1
	cluster_start main || cluster_failed main || return 1
	echo 0 >/proc/sys/vm/zone_reclaim_mode
	cluster_env main
	"$PG_BIN/psql" -X -q -d postgres -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION numa_pg' || return 1
	grep 'numa_pg:' "$(cluster_log main)"
}

# pgTAP: the project's topology/status tests and the multi-node ones
run_pgtap() {
	local files=(test/*.sql test/numa-vm/sql/multinode.sql test/numa-vm/sql/placement.sql)
	[ "$EXPECT_MEMORYLESS" != "{}" ] && files+=(test/numa-vm/sql/memoryless.sql)
	pg_prove --failures --comments -d postgres --psql-bin "$PG_BIN/psql" \
		--set numactl="$(numactl --hardware)" \
		--set online_cpus="$(cat /sys/devices/system/cpu/online)" \
		--set pg_os_user="$PG_OS_USER" \
		--set workers="$WORKERS" \
		--set expected_node_count="$EXPECT_NODE_COUNT" \
		--set expected_cpu_count="$EXPECT_CPU_COUNT" \
		--set expected_cpus="$EXPECT_CPUS" \
		--set expected_distances="$EXPECT_DISTANCES" \
		--set expected_memory_mb="$EXPECT_MEMORY_MB" \
		--set expected_memoryless="$EXPECT_MEMORYLESS" \
		"${files[@]}"
}

# The C unit tests built on the host, less the thread stress tests (a minute
# under emulation, and nothing NUMA about them; scripts/test.sh runs them).
run_unit() {
	local tests=() t
	for t in test/unit/bin/test_*; do
		case $t in *_stress | *_tsan) ;; *) [ -x "$t" ] && tests+=("$t") ;; esac
	done
	[ ${#tests[@]} -gt 0 ] || { echo "no unit tests in test/unit/bin: run make unit on the host"; return 1; }
	prove --failures --comments "${tests[@]}"
}

main() {
	local t0
	t0=$(now)
	cd "$NUMAPG_SRC" || exit 1
	echo "numa-vm guest: PostgreSQL $PG_LABEL, topology $EXPECT_TOPOLOGY, expecting $EXPECT_NODE_COUNT nodes," \
		"CPUs $EXPECT_CPUS, distances $EXPECT_DISTANCES, memory MB $EXPECT_MEMORY_MB," \
		"memoryless $EXPECT_MEMORYLESS"
	echo "boot: the guest was up after $(cut -d' ' -f1 /proc/uptime) s" >"$GUEST_SHARE/summary"
	suite guest check_guest
	suite install install_numa_pg || exit 1
	make_workdir
	if suite cluster start_cluster; then
		suite pgtap run_pgtap || {
			echo "# pgtap failed: the end of the server's log"
			tail -n 40 "$(cluster_log main)" | sed 's/^/# /'
		}
		NUMAPG_VM_SERVER_LOG=$(cluster_log main) NUMAPG_VM_EXPECTED=$GUEST_SHARE/expected.env \
			suite startlog prove --failures --comments -e bash test/numa-vm/t/start_log.sh
		cluster_stop main >/dev/null
		# kept beside the suites' logs: a crash is explained only there
		cp "$(cluster_log main)" "$GUEST_SHARE/server-main.log"
	fi
	suite strict prove --failures --comments -e bash test/numa-vm/t/strict.sh
	suite shmempolicy prove --failures --comments -e bash test/numa-vm/t/shmem_policy.sh
	# numa_pg's reports against PostgreSQL's own NUMA views, per node, under
	# interleave and bind: (test/t/pg_numa_views.sh, the one-node test).
	# Before 18 it skips and says so; from 18 on the views must be there.
	NUMAPG_VIEWS_REQUIRED=$(($(pg_major "$PG_CONFIG") >= 18)) \
		suite pgviews prove --failures --comments -e bash test/t/pg_numa_views.sh
	suite inheritedpolicy prove --failures --comments -e bash test/numa-vm/t/inherited_policy.sh
	suite statenodes prove --failures --comments -e bash test/numa-vm/t/state_nodes.sh
	suite backendplacement prove --failures --comments -e bash test/numa-vm/t/backend_placement.sh
	# last: it turns zone reclaim and NUMA balancing on (and off again)
	suite numacheck prove --failures --comments -e bash test/numa-vm/t/numa_check.sh
	# the C unit tests do not use the server: once, in the guests of
	# Debian's PostgreSQL
	if [ "$PG_LABEL" = "$PG_MAJOR" ]; then
		suite unit run_unit
	else
		echo "unit: not run on PostgreSQL $PG_LABEL (they do not use the server; run on $PG_MAJOR)" >>"$GUEST_SHARE/summary"
	fi
	say "guest done in $(elapsed "$t0") s; failed: ${FAILED[*]:-none}"
	[ ${#FAILED[@]} -eq 0 ]
}

main
