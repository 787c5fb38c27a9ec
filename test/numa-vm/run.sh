#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# test/numa-vm/run.sh: numa_pg's tests inside QEMU guests with emulated NUMA
# nodes.
#
#   test/numa-vm/run.sh TOPOLOGY...      2node, 4node, memoryless, or all
#   test/numa-vm/run.sh --shell TOPOLOGY a root shell in such a guest
#
# For each topology (see topologies.sh) it boots Debian's kernel under QEMU
# (TCG software emulation; KVM only when asked, see NUMAPG_VM_ACCEL) with
# those nodes,
# CPUs, memory sizes and distances, automatic NUMA balancing off.  The guest
# sees the host's / read-only over 9p under a tmpfs overlay, and a fresh
# results directory under /tmp read-write; it runs guest-test.sh, which
# installs the already built numa_pg into the overlay and runs the tests.
# The guest's output is printed as it comes; the run ends with a summary of
# the prove/pg_prove results per topology.  Exits non-zero if any topology
# failed, or if QEMU did not run a guest to its end: that is reported loudly
# and never passes.
#
# Build first (make && make unit): the guest does not compile.  setup.sh is
# run first (idempotent; installs QEMU and caches the kernel).
#
# The PostgreSQL tested is the one PG_CONFIG names (Debian's 15 by default;
# PG_LABEL, as scripts/lib.sh's pg_select sets it, names it), and the
# numa_pg installed into it in the guest is the build in NUMAPG_VM_BUILD
# (default: this tree).  They reach the guest as SHARE/pg.env.
#
#   NUMAPG_VM_BUILD       directory numa_pg (test/client, bench/numa_pg_bench) was built in
#                         for that PostgreSQL (scripts/test.sh's build
#                         directory of a version), default this tree
#   NUMAPG_VM_TIMEOUT     seconds a guest may take before it is killed (1200)
#   NUMAPG_VM_ACCEL       tcg (the default) or kvm.  TCG is the default even
#                         where /dev/kvm exists: under a nested hypervisor,
#                         KVM has been seen to abort QEMU ("failed to set
#                         MSR 0x10a") or to hang the guest at boot, and CI
#                         must not depend on the host's virtualisation.
#   NUMAPG_VM_JOB         bash script the guest runs instead of guest-test.sh
#                         (for debugging; it gets the results directory as $1)
#   NUMAPG_VM_SKIP_SETUP  1: do not run setup.sh
#   NUMAPG_KEEP           1: keep each guest's results directory (logs)

# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=topologies.sh
. "$NUMAPG_VM_DIR/topologies.sh"

TIMEOUT=${NUMAPG_VM_TIMEOUT:-1200}
ACCEL=${NUMAPG_VM_ACCEL:-tcg}
case $ACCEL in
tcg | kvm) ;;
*) echo "NUMAPG_VM_ACCEL must be tcg or kvm, not '$ACCEL'" >&2 && exit 2 ;;
esac
JOB=${NUMAPG_VM_JOB:-$NUMAPG_VM_DIR/guest-test.sh}
BUILD=${NUMAPG_VM_BUILD:-$NUMAPG_SRC}
PG_MAJOR=${PG_MAJOR:-15}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
SHELL_MODE=0
SUMMARY=()
FAILED=0
QEMU_PID=
SHARE=

usage() {
	echo "usage: $0 [--shell] {$(echo "$TOPOLOGIES" | tr ' ' '|')|all}..." >&2
	exit 2
}

# expand_cpus LIST: the CPUs of a kernel CPU list, one per word
expand_cpus() {
	local item
	for item in ${1//,/ }; do
		seq "${item%-*}" "${item#*-}"
	done | tr '\n' ' '
}

# Build QEMU's NUMA options from the loaded topology: sets QEMU_NUMA,
# TOTAL_CPUS and TOTAL_MEM.
qemu_numa_args() {
	local n m cpus row
	QEMU_NUMA=() TOTAL_CPUS=0 TOTAL_MEM=0
	for n in "${!NODE_CPUS[@]}"; do
		cpus="cpus=${NODE_CPUS[n]//,/,cpus=}"
		if [ "${NODE_MEM[n]}" -gt 0 ]; then
			QEMU_NUMA+=(-object "memory-backend-ram,id=mem$n,size=${NODE_MEM[n]}M"
				-numa "node,nodeid=$n,$cpus,memdev=mem$n")
		else
			QEMU_NUMA+=(-numa "node,nodeid=$n,$cpus")
		fi
		TOTAL_CPUS=$((TOTAL_CPUS + $(expand_cpus "${NODE_CPUS[n]}" | wc -w)))
		TOTAL_MEM=$((TOTAL_MEM + NODE_MEM[n]))
	done
	for n in "${!NODE_DIST[@]}"; do
		read -ra row <<<"${NODE_DIST[n]}"
		for m in "${!row[@]}"; do
			[ "$n" -eq "$m" ] && continue
			QEMU_NUMA+=(-numa "dist,src=$n,dst=$m,val=${row[m]}")
		done
	done
}

# assign NAME VALUE: a shell assignment of VALUE, single-quoted
assign() {
	printf "%s='%s'\n" "$1" "${2//\'/\'\\\'\'}"
}

# write_expectations FILE: the loaded topology, for the guest's tests, as
# shell assignments: SQL and JSON literals (passed on with pg_prove --set),
# and the topology's own arrays.
write_expectations() {
	local n cpus=() dist=() mem=() memoryless=()
	for n in "${!NODE_CPUS[@]}"; do
		cpus+=("\"$n\": [$(expand_cpus "${NODE_CPUS[n]}" | xargs | tr ' ' ',')]")
		dist+=("{$(echo "${NODE_DIST[n]}" | tr ' ' ',')}")
		mem+=("${NODE_MEM[n]}")
		[ "${NODE_MEM[n]}" -eq 0 ] && memoryless+=("$n")
	done
	{
		assign EXPECT_TOPOLOGY "$TOPOLOGY"
		assign EXPECT_NODE_COUNT "${#NODE_CPUS[@]}"
		assign EXPECT_CPU_COUNT "$TOTAL_CPUS"
		assign EXPECT_CPUS "{$(IFS=,; echo "${cpus[*]}")}"
		assign EXPECT_DISTANCES "{$(IFS=,; echo "${dist[*]}")}"
		assign EXPECT_MEMORY_MB "{$(IFS=,; echo "${mem[*]}")}"
		assign EXPECT_MEMORYLESS "{$(IFS=,; echo "${memoryless[*]}")}"
		declare -p NODE_CPUS NODE_MEM NODE_DIST
	} >"$1"
}

# write_pg_env FILE: the PostgreSQL to test and the numa_pg build to install
# in the guest (which the host's environment does not reach), as shell
# assignments; its programs load their own libpq, as pg_select has them
write_pg_env() {
	local libdir
	libdir=$("$PG_CONFIG" --libdir)
	{
		assign PG_CONFIG "$PG_CONFIG"
		assign PG_BIN "$("$PG_CONFIG" --bindir)"
		assign PG_LABEL "$PG_LABEL"
		assign NUMAPG_BUILD "$BUILD"
		if [ "$PG_CONFIG" != "/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" ]; then
			assign LD_LIBRARY_PATH "$libdir"
		fi
	} >"$1"
}

# pg_label: the major version of PG_CONFIG (what the summary calls it)
pg_label() { "$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/'; }

# run_qemu SHARE: boot the guest; its console goes to stdout and
# SHARE/console.log.  Returns QEMU's (or timeout's) exit status.
run_qemu() {
	local share=$1 cpu=max append serial=stdio rc
	# nested hypervisors often refuse IA32_ARCH_CAPABILITIES
	[ "$ACCEL" = kvm ] && cpu=max,-arch-capabilities
	append="console=ttyS0 quiet loglevel=3 panic=-1 mitigations=off nokaslr tsc=reliable"
	append+=" numa_balancing=disable rdinit=/init numapg.init=$NUMAPG_VM_DIR/guest-init.sh"
	append+=" numapg.run=$JOB numapg.share=$share"
	[ "$SHELL_MODE" = 1 ] && append+=" numapg.shell=1" serial=mon:stdio
	# shellcheck disable=SC2054 # the commas are in QEMU options
	local qemu=(qemu-system-x86_64
		-machine "pc,accel=$ACCEL" -cpu "$cpu"
		-smp "$TOTAL_CPUS,sockets=$TOTAL_CPUS,cores=1,threads=1" -m "${TOTAL_MEM}M"
		"${QEMU_NUMA[@]}"
		-kernel "$VM_KERNEL" -initrd "$VM_INITRD" -append "$append"
		-nodefaults -no-user-config -display none -vga none -nic none
		-serial "$serial" -no-reboot
		-fsdev "local,id=rootfs,path=/,security_model=none,readonly=on,multidevs=remap"
		-device virtio-9p-pci,fsdev=rootfs,mount_tag=root
		-fsdev "local,id=sharefs,path=$share,security_model=none,multidevs=remap"
		-device virtio-9p-pci,fsdev=sharefs,mount_tag=share)
	echo "${qemu[*]}" >"$share/qemu.cmd"
	if [ "$SHELL_MODE" = 1 ]; then
		timeout --foreground -k 10 "$TIMEOUT" "${qemu[@]}"
		return
	fi
	# QEMU's stdio backend fails if fd 0 is closed, as it may be in CI.
	# In the background, so that stop_qemu can end it if we are stopped.
	timeout -k 10 "$TIMEOUT" "${qemu[@]}" </dev/null \
		> >(sed -u 's/\r$//' | tee "$share/console.log") 2>&1 &
	QEMU_PID=$!
	wait "$QEMU_PID"
	rc=$?
	QEMU_PID=
	wait # for the console's last lines
	return "$rc"
}

# On exit or interruption: no guest may outlive us (timeout passes the
# signal on to QEMU), and no results directory either unless kept.
stop_qemu() {
	[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null
	QEMU_PID=
	remove_share
}

# remove_share: remove the current results directory, unless it is kept
remove_share() {
	[ -n "$SHARE" ] || return 0
	if [ "${NUMAPG_KEEP:-0}" = 1 ] || [ "$SHELL_MODE" = 1 ]; then
		echo "numa-vm: results of $TOPOLOGY kept in $SHARE"
	else
		rm -rf "$SHARE"
	fi
	SHARE=
}

# run_topology NAME: boot a guest with topology NAME and run the tests;
# adds a line per result to SUMMARY.  Returns the guest's status.
run_topology() {
	local t0 qrc rc
	TOPOLOGY=$1
	load_topology "$TOPOLOGY" || usage
	qemu_numa_args
	SHARE=$(mktemp -d /tmp/numa_pg-vm.XXXXXX) || die "mktemp failed"
	chmod 755 "$SHARE"
	write_expectations "$SHARE/expected.env"
	write_pg_env "$SHARE/pg.env"
	say "numa-vm $TOPOLOGY: $TOTAL_CPUS CPUs, $TOTAL_MEM MB, timeout $TIMEOUT s, PostgreSQL $PG_LABEL ($PG_CONFIG), numa_pg built in $BUILD"
	describe_topology
	t0=$(now)
	run_qemu "$SHARE"
	qrc=$?
	if [ -f "$SHARE/rc" ]; then
		rc=$(cat "$SHARE/rc")
		SUMMARY+=("$TOPOLOGY@$PG_LABEL: $([ "$rc" = 0 ] && echo PASS || echo "FAIL (status $rc)") in $(elapsed "$t0") s")
		[ -f "$SHARE/summary" ] && mapfile -t -O ${#SUMMARY[@]} SUMMARY < <(sed 's/^/    /' "$SHARE/summary")
	else
		rc=125
		qemu_failed "$qrc" "$SHARE"
		SUMMARY+=("$TOPOLOGY@$PG_LABEL: FAIL: QEMU did not run the guest to its end (exit status $qrc)")
	fi
	remove_share
	return "$rc"
}

# describe_topology: the loaded topology, a line per node
describe_topology() {
	local n
	for n in "${!NODE_CPUS[@]}"; do
		echo "  node $n: CPUs ${NODE_CPUS[n]}, ${NODE_MEM[n]} MB, distances ${NODE_DIST[n]}"
	done
}

# qemu_failed STATUS SHARE: say loudly that the guest did not finish
qemu_failed() {
	local why="QEMU exited with status $1"
	[ "$1" -eq 124 ] && why="it was killed after $TIMEOUT s (NUMAPG_VM_TIMEOUT)"
	cat >&2 <<-EOF

		!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
		numa-vm: ERROR: the $TOPOLOGY guest did not report an exit status: $why.
		The multi-node tests did NOT run; this counts as a failure.
		QEMU command: $(cat "$2/qemu.cmd" 2>/dev/null)
		!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
	EOF
}

# The host must have QEMU, the cached kernel and a built numa_pg.
check_host() {
	command -v qemu-system-x86_64 >/dev/null ||
		die "qemu-system-x86_64 not found: run $NUMAPG_VM_DIR/setup.sh (as root)"
	if [ ! -f "$VM_KERNEL" ] || [ ! -f "$VM_INITRD" ]; then
		die "no guest kernel or initramfs in $NUMAPG_VM_CACHE: run $NUMAPG_VM_DIR/setup.sh"
	fi
	[ -x "$PG_CONFIG" ] || die "PG_CONFIG: $PG_CONFIG is not an executable pg_config"
	PG_LABEL=${PG_LABEL:-$(pg_label)}
	[ -f "$BUILD/numa_pg.so" ] ||
		die "numa_pg is not built in $BUILD: run make && make unit in $NUMAPG_SRC first (the guest does not compile)"
	[ -f "$BUILD/test/client/numa_pg_client.so" ] ||
		die "test/client is not built in $BUILD: make -C $BUILD/test/client (the guest does not compile)"
	[ -f "$BUILD/bench/numa_pg_bench/numa_pg_bench.so" ] ||
		die "bench/numa_pg_bench is not built in $BUILD: make -C $BUILD/bench/numa_pg_bench (the guest does not compile)"
	case "$NUMAPG_SRC$NUMAPG_VM_CACHE$JOB" in
	*[[:space:]]*) die "paths with blanks cannot go on the guest's kernel command line" ;;
	esac
}

print_summary() {
	say "numa-vm summary"
	printf '%s\n' "${SUMMARY[@]}"
	echo "numa-vm: $1 topologies passed, $FAILED failed (PostgreSQL $PG_LABEL)"
}

main() {
	local names=() all=() name passed=0
	while [ $# -gt 0 ]; do
		case $1 in
		--shell) SHELL_MODE=1 ;;
		all) read -ra all <<<"$TOPOLOGIES" && names+=("${all[@]}") ;;
		-*) usage ;;
		*) names+=("$1") ;;
		esac
		shift
	done
	[ ${#names[@]} -gt 0 ] || usage
	for name in "${names[@]}"; do load_topology "$name" || usage; done
	if [ "${NUMAPG_VM_SKIP_SETUP:-0}" != 1 ]; then
		"$NUMAPG_VM_DIR/setup.sh" || die "setup.sh failed: the multi-node tests cannot run"
	fi
	check_host
	trap stop_qemu EXIT
	trap 'stop_qemu; exit 130' INT TERM
	for name in "${names[@]}"; do
		if run_topology "$name"; then passed=$((passed + 1)); else FAILED=$((FAILED + 1)); fi
	done
	print_summary "$passed"
	[ "$FAILED" -eq 0 ]
}

main "$@"
