#!/usr/bin/env bash
# test/numa-vm/guest-init.sh: PID 1 of the guest, run by bash after the
# initramfs has switched to the overlay root (the host's / read-only, writes
# in guest RAM).
#
# Mounts what a PostgreSQL server needs (proc, sys, dev, devpts, /dev/shm,
# /run), mounts the writable results share (9p tag "share") at the same path
# it has on the host, runs the job script with the share as its argument,
# writes the job's exit status to SHARE/rc and powers the guest off.
#
# Kernel command line:
#   numapg.share=DIR   host directory shared read-write (required)
#   numapg.run=PATH    bash script to run (required unless numapg.shell=1)
#   numapg.shell=1     an interactive shell on the console instead
# If this script dies the kernel panics and, with panic=-1 and QEMU's
# -no-reboot, QEMU exits: the runner finds no rc and fails loudly.

set -u

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=linux

mount_runtime() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mkdir -p /dev/pts /dev/shm
	# devtmpfs lacks these; bash's process substitution needs /dev/fd
	ln -sf /proc/self/fd /dev/fd
	ln -sf /proc/self/fd/0 /dev/stdin
	ln -sf /proc/self/fd/1 /dev/stdout
	ln -sf /proc/self/fd/2 /dev/stderr
	mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
	mount -t tmpfs -o mode=1777 shm /dev/shm
	mount -t tmpfs -o mode=755 run /run
	mkdir -p /run/lock /run/postgresql
	chown postgres:postgres /run/postgresql 2>/dev/null
	ip link set lo up 2>/dev/null
	hostname numa-vm 2>/dev/null
}

# cmdline_arg NAME: the value of numapg.NAME= on the kernel command line
cmdline_arg() {
	local arg
	# shellcheck disable=SC2013 # words, not lines
	for arg in $(cat /proc/cmdline); do
		case $arg in "numapg.$1="*) echo "${arg#*=}" ;; esac
	done
}

power_off() {
	sync
	echo "numa-vm guest: powering off after $(cut -d' ' -f1 /proc/uptime) s of uptime"
	busybox poweroff -f 2>/dev/null || echo o >/proc/sysrq-trigger
	sleep 60
}

main() {
	local share run rc
	mount_runtime
	share=$(cmdline_arg share)
	run=$(cmdline_arg run)
	if [ -z "$share" ] || ! mkdir -p "$share" ||
		! mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 share "$share"; then
		echo "numa-vm guest: FAILED: cannot mount the results share '$share'"
		power_off
	fi
	echo "numa-vm guest: up after $(cut -d' ' -f1 /proc/uptime) s of uptime"
	if [ "$(cmdline_arg shell)" = 1 ]; then
		setsid -c /bin/bash -l </dev/ttyS0 >/dev/ttyS0 2>&1
		rc=$?
	else
		bash "$run" "$share" </dev/null
		rc=$?
	fi
	echo "$rc" >"$share/rc"
	echo "numa-vm guest: job exited with status $rc"
	power_off
}

main
