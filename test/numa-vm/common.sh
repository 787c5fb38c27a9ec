# shellcheck shell=bash disable=SC2034
# test/numa-vm/common.sh: shared by setup.sh and run.sh (host side).
#
# Where the guest kernel and initramfs are cached (outside the repository),
# and the small helpers both scripts use.  Sourced, not run.
#
#   NUMAPG_VM_CACHE   cache directory; default /var/cache/numa_pg-vm as root,
#                     /tmp/numa_pg-vm-UID otherwise

set -u

NUMAPG_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NUMAPG_SRC=$(cd "$NUMAPG_VM_DIR/../.." && pwd)

if [ "$(id -u)" -eq 0 ]; then
	NUMAPG_VM_CACHE=${NUMAPG_VM_CACHE:-/var/cache/numa_pg-vm}
else
	NUMAPG_VM_CACHE=${NUMAPG_VM_CACHE:-/tmp/numa_pg-vm-$(id -u)}
fi

# The cache holds: kernel/vmlinuz, kernel/config, kernel/version,
# kernel/modules/*.ko (only those the initramfs loads) and initramfs.cpio.gz.
VM_KERNEL=$NUMAPG_VM_CACHE/kernel/vmlinuz
VM_INITRD=$NUMAPG_VM_CACHE/initramfs.cpio.gz

say() { printf '\n== %s\n' "$*"; }
die() { printf 'numa-vm: ERROR: %s\n' "$*" >&2; exit 1; }

# Seconds since the epoch, with fractions: for the timings we print.
now() { date +%s.%N; }

# elapsed START: seconds since START, one decimal
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
