#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# test/numa-vm/setup.sh: one-time host setup for the NUMA guests; idempotent.
#
#  1. installs, with apt-get, what is missing: QEMU (qemu-system-x86),
#     busybox-static (the initramfs), and the tools the guest borrows from
#     the host (numactl, PostgreSQL 15, pgTAP, pg_prove);
#  2. downloads Debian's bookworm kernel package with `apt-get download` and
#     unpacks it (it is NOT installed: /boot and the host's modules stay
#     untouched), keeping only the kernel image, its config and the modules
#     the initramfs needs (virtio PCI, 9p, overlayfs) in the cache;
#  3. builds a busybox initramfs (initramfs-init is its /init).
#
# Everything goes to $NUMAPG_VM_CACHE (see common.sh), outside the repository.
# A second run does nothing unless initramfs-init changed.  Takes 8-9 s
# with the packages installed and nothing cached, under 1 s cached.
#
#   NUMAPG_VM_KERNEL_PKG  kernel package to use (default: what
#                         linux-image-amd64 depends on, e.g. linux-image-6.1.0-56-amd64)

# ensure_packages and apt_update_once, as the test and demo scripts use them
# (common.sh, sourced after, keeps its own say and die)
# shellcheck source=../../scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

PG_MAJOR=${PG_MAJOR:-15}
VM_PACKAGES=(qemu-system-x86 busybox-static numactl "postgresql-$PG_MAJOR"
	"postgresql-$PG_MAJOR-pgtap" libtap-parser-sourcehandler-pgtap-perl)

# The modules the initramfs loads to mount a 9p root with an overlay;
# their dependencies are found in the modules themselves.
VM_MODULES="virtio_pci 9pnet_virtio 9p overlay"

# The kernel package linux-image-amd64 points to (needs the apt lists).
kernel_package() {
	[ -n "${NUMAPG_VM_KERNEL_PKG:-}" ] && { echo "$NUMAPG_VM_KERNEL_PKG"; return; }
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

# module_depends FILE: the module names FILE depends on (its modinfo
# "depends=" string; there is no modinfo on a host without kmod).
module_depends() {
	xz -dcf "$1" | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}

# add_module TREE OUT NAME: copy NAME and, first, its dependencies from the
# unpacked package TREE to OUT (decompressed), appending to OUT/order.
add_module() {
	local tree=$1 out=$2 name=$3 kdir file dep
	grep -qx "$name.ko" "$out/order" 2>/dev/null && return 0
	kdir=$(echo "$tree"/lib/modules/*)
	file=$(find "$kdir/kernel" \( -name "$name.ko" -o -name "$name.ko.xz" \
		-o -name "${name//_/-}.ko" -o -name "${name//_/-}.ko.xz" \) | head -n 1)
	if [ -z "$file" ]; then
		grep -q "/${name//_/[-_]}\.ko" "$kdir/modules.builtin" 2>/dev/null && return 0
		die "kernel module $name not found in $(basename "$kdir")"
	fi
	for dep in $(module_depends "$file"); do
		add_module "$tree" "$out" "$dep"
	done
	xz -dcf "$file" >"$out/$name.ko" || die "cannot copy module $name"
	echo "$name.ko" >>"$out/order"
}

# Download and unpack the kernel package into the cache (once).
fetch_kernel() {
	local pkg tmp m
	[ -f "$VM_KERNEL" ] && [ -f "$NUMAPG_VM_CACHE/kernel/modules/order" ] && return 0
	pkg=$(kernel_package)
	if [ -z "$pkg" ]; then
		apt_update_once
		pkg=$(kernel_package)
	fi
	[ -n "$pkg" ] || die "cannot tell which kernel package linux-image-amd64 depends on"
	say "downloading and unpacking $pkg (not installing it)"
	mkdir -p "$NUMAPG_VM_CACHE" || die "cannot create $NUMAPG_VM_CACHE"
	tmp=$(mktemp -d "$NUMAPG_VM_CACHE/tmp.XXXXXX")
	# apt downloads as _apt when it can write the directory (no warning)
	chown _apt "$tmp" 2>/dev/null
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null) || { rm -rf "$tmp"; die "apt-get download $pkg failed"; }
	dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/root" || { rm -rf "$tmp"; die "dpkg-deb -x failed"; }
	check_kernel_config "$tmp"/root/boot/config-* || { rm -rf "$tmp"; exit 1; }
	mkdir -p "$tmp/kernel/modules"
	cp "$tmp"/root/boot/vmlinuz-* "$tmp/kernel/vmlinuz"
	cp "$tmp"/root/boot/config-* "$tmp/kernel/config"
	basename "$(echo "$tmp"/root/lib/modules/*)" >"$tmp/kernel/version"
	for m in $VM_MODULES; do
		add_module "$tmp/root" "$tmp/kernel/modules" "$m"
	done
	rm -rf "$NUMAPG_VM_CACHE/kernel" "$VM_INITRD"
	mv "$tmp/kernel" "$NUMAPG_VM_CACHE/kernel"
	rm -rf "$tmp"
}

# check_kernel_config CONFIG: the guest kernel must know NUMA from ACPI
check_kernel_config() {
	local opt
	for opt in CONFIG_NUMA CONFIG_ACPI_NUMA; do
		grep -q "^$opt=y" "$1" || { echo "numa-vm: ERROR: guest kernel lacks $opt=y" >&2; return 1; }
	done
}

# Build the initramfs: busybox, the modules (in dependency order) and /init.
build_initramfs() {
	local stage
	[ -f "$VM_INITRD" ] && [ "$VM_INITRD" -nt "$NUMAPG_VM_DIR/initramfs-init" ] && return 0
	say "building the initramfs"
	stage=$(mktemp -d "$NUMAPG_VM_CACHE/initramfs.XXXXXX")
	mkdir -p "$stage"/bin "$stage"/dev "$stage"/proc "$stage"/sys "$stage"/lower \
		"$stage"/rw "$stage"/newroot "$stage"/modules
	cp /bin/busybox "$stage/bin/busybox" || die "no /bin/busybox (busybox-static)"
	ln -s busybox "$stage/bin/sh"
	cp "$NUMAPG_VM_CACHE"/kernel/modules/* "$stage/modules/"
	install -m 755 "$NUMAPG_VM_DIR/initramfs-init" "$stage/init"
	(cd "$stage" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$VM_INITRD.tmp") ||
		die "cpio of the initramfs failed"
	mv "$VM_INITRD.tmp" "$VM_INITRD"
	rm -rf "$stage"
}

main() {
	local t0
	t0=$(now)
	ensure_packages "${VM_PACKAGES[@]}"
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is not on PATH"
	fetch_kernel
	build_initramfs
	echo "numa-vm: setup done in $(elapsed "$t0") s: kernel $(cat "$NUMAPG_VM_CACHE/kernel/version"), cache $NUMAPG_VM_CACHE"
}

main "$@"
