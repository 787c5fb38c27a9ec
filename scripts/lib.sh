# scripts/lib.sh: shared by scripts/test.sh and scripts/demo.sh.
#
# Installs what is missing, builds and installs numa_pg, and runs throwaway
# PostgreSQL clusters as an unprivileged user (PostgreSQL refuses root),
# listening only on a Unix socket in a private directory, so that they
# never collide with another server on this machine.  Every cluster started
# here is stopped on exit, whatever happens.

set -u

NUMAPG_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
export PG_CONFIG=$PG_BIN/pg_config

NUMAPG_PACKAGES="make gcc libc6-dev postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR \
libnuma-dev numactl postgresql-$PG_MAJOR-pgtap libtap-parser-sourcehandler-pgtap-perl"

say() { printf '\n== %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# apt-get update, once per run of a script.
APT_UPDATED=0
apt_update_once() {
	[ $APT_UPDATED -eq 1 ] && return 0
	apt-get update -qq || die "apt-get update failed"
	APT_UPDATED=1
}

# Install the Debian packages in $* that are not installed yet.
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}; install them or run as root"
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt_update_once
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# Build numa_pg (warnings are errors), its unit tests, and install it.
build_and_install() {
	say "building numa_pg (PostgreSQL $PG_MAJOR, -Wall -Wextra -Werror)"
	make -C "$NUMAPG_SRC" -s clean >/dev/null
	make -C "$NUMAPG_SRC" -s all unit test/unit/bin/bench_state_store || die "build failed"
	run_as_root make -C "$NUMAPG_SRC" -s install >/dev/null || die "make install failed"
	# a client of the installed C API, as another extension would be built
	make -C "$NUMAPG_SRC/test/client" -s clean all >/dev/null || die "build of test/client failed"
	run_as_root make -C "$NUMAPG_SRC/test/client" -s install >/dev/null ||
		die "make install of test/client failed"
}

# hold_machine_lock: one numa_pg run at a time on this machine.  The test
# suite, the demo and the benchmarks install numa_pg into PostgreSQL's
# directories, reserve huge pages and boot guests: two of them at once would
# test each other's build.  The lock is held until the script exits; the
# scripts it runs inherit it (NUMAPG_LOCK_HELD), the servers it starts do not.
hold_machine_lock() {
	[ -n "${NUMAPG_LOCK_HELD:-}" ] && return 0
	exec 9>>/tmp/numa_pg-run.lock || return 0
	if ! flock -n 9; then
		echo "numa_pg: waiting for another run on this machine to end (/tmp/numa_pg-run.lock)" >&2
		flock 9
	fi
	export NUMAPG_LOCK_HELD=$$
}

run_as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The user that runs the clusters: "postgres" when we are root, else us.
if [ "$(id -u)" -eq 0 ]; then
	PG_OS_USER=postgres
	as_pg_user() { runuser -u "$PG_OS_USER" -- "$@"; }
else
	PG_OS_USER=$(id -un)
	as_pg_user() { "$@"; }
fi

NUMAPG_WORK=""
NUMAPG_CLUSTERS=()

# A private scratch directory, removed on exit (kept if NUMAPG_KEEP=1).
make_workdir() {
	NUMAPG_WORK=$(mktemp -d /tmp/numa_pg.XXXXXX)
	chmod 755 "$NUMAPG_WORK"
	mkdir -p "$NUMAPG_WORK/sock"
	[ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$NUMAPG_WORK/sock"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

cleanup() {
	local rc=$? name
	for name in "${NUMAPG_CLUSTERS[@]}"; do
		cluster_stop "$name" >/dev/null 2>&1
	done
	if [ -n "$NUMAPG_WORK" ] && [ "${NUMAPG_KEEP:-0}" != 1 ]; then
		rm -rf "$NUMAPG_WORK"
	fi
	exit $rc
}

# cluster_init NAME PORT [postgresql.conf lines...]
cluster_init() {
	local name=$1 port=$2 dir=$NUMAPG_WORK/$1
	shift 2
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$dir"
	as_pg_user "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust --no-sync \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; die "initdb failed"; }
	{
		echo "port = $port"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$NUMAPG_WORK/sock'"
		echo "fsync = off"
		echo "max_connections = 30"
		printf '%s\n' "$@"
	} >>"$dir/data/postgresql.conf"
	eval "NUMAPG_PORT_$name=$port"
}

# cluster_set NAME [postgresql.conf lines...]: append settings
cluster_set() {
	local name=$1
	shift
	printf '%s\n' "$@" >>"$NUMAPG_WORK/$name/data/postgresql.conf"
}

# cluster_start NAME [wrapper command...]: start it, wrapped if asked
# (e.g. in test/tools/numa_syscalls_fail).  Returns pg_ctl's status.
cluster_start() {
	local name=$1 dir=$NUMAPG_WORK/$1
	shift
	# 9>&-: the server must not keep hold_machine_lock's lock
	as_pg_user "$@" "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 \
		start >"$dir/pg_ctl.log" 2>&1 9>&- || return 1
	NUMAPG_CLUSTERS+=("$name")
}

cluster_stop() {
	as_pg_user "$PG_BIN/pg_ctl" -D "$NUMAPG_WORK/$1/data" -m fast -w stop
}

cluster_log() { echo "$NUMAPG_WORK/$1/server.log"; }

# cluster_failed NAME: show why a cluster did not start
cluster_failed() {
	echo "# cluster $1 did not start; pg_ctl and server log follow"
	sed 's/^/# /' "$NUMAPG_WORK/$1/pg_ctl.log" "$NUMAPG_WORK/$1/server.log"
	return 1
}

# cluster_env NAME: export PGHOST/PGPORT/PGUSER for the clients
cluster_env() {
	local var=NUMAPG_PORT_$1
	export PGHOST=$NUMAPG_WORK/sock PGPORT=${!var} PGUSER=postgres
}

# A port nothing listens on; the socket is private anyway, so this only
# keeps clusters of one run apart.
free_port() {
	local port=$((20000 + RANDOM % 20000))
	while [ -e "$NUMAPG_WORK/sock/.s.PGSQL.$port" ]; do
		port=$((port + 1))
	done
	echo "$port"
}
