# scripts/lib.sh: shared by scripts/test.sh and scripts/demo.sh.
#
# Installs what is missing, builds and installs numa_pg, and runs throwaway
# PostgreSQL clusters as an unprivileged user (PostgreSQL refuses root),
# listening only on a Unix socket in a private directory, so that they
# never collide with another server on this machine.  Every cluster started
# here is stopped on exit, whatever happens.

set -u

NUMAPG_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Debian's PostgreSQL, the one the packages below install.  The tests find
# the server they test through PG_CONFIG and PG_BIN: scripts/test.sh exports
# them for each version it tests (pg_select), and the scripts it runs
# inherit them.
PG_MAJOR=${PG_MAJOR:-15}
PG_SYSTEM_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
export PG_CONFIG=${PG_CONFIG:-$PG_SYSTEM_CONFIG}
export PG_BIN=${PG_BIN:-$(dirname "$PG_CONFIG")}
PG_LABEL=${PG_LABEL:-$PG_MAJOR}

NUMAPG_PACKAGES="make gcc libc6-dev postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR \
libnuma-dev libkrb5-dev numactl postgresql-$PG_MAJOR-pgtap libtap-parser-sourcehandler-pgtap-perl"

say() { printf '\n== %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# apt-get update, once per run of a script.
APT_UPDATED=0
apt_update_once() {
	[ $APT_UPDATED -eq 1 ] && return 0
	apt-get update -qq || die "apt-get update failed"
	APT_UPDATED=1
}

# Install the Debian packages in $* (NAME or NAME=VERSION) that are not
# installed yet, and change
# no installed one: apt-get would upgrade or remove one that a new package
# needs in another version (postgresql-common, for postgresql-server-dev-all
# from the security updates), under the servers of this run and of others.
# apt-get -s says first what it would do; then it stops, naming them.
ensure_packages() {
	local missing=() p changed
	for p in "$@"; do
		# NAME=VERSION asks for that version if NAME is missing
		dpkg-query -W -f='${Status}' "${p%%=*}" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}; install them or run as root"
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt_update_once
	# "Inst NAME [installed version] (new version ...)" is an upgrade
	changed=$(apt-get install -s --no-upgrade --no-install-recommends "${missing[@]}" 2>&1 |
		sed -n 's/^Inst \([^ ]*\) \[.*/upgrade \1/p; s/^Remv \([^ ]*\).*/remove \1/p' | tr '\n' ' ')
	[ -z "$changed" ] ||
		die "installing ${missing[*]} would ${changed% }: install them by hand, between runs"
	apt-get install -y -qq --no-upgrade --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# Build numa_pg (warnings are errors), its unit tests, and install it, for
# the PostgreSQL that PG_CONFIG names, in the source tree.
build_and_install() {
	build_and_install_in "$NUMAPG_SRC" all unit test/unit/bin/bench_state_store ||
		die "build or install failed"
}

# build_and_install_in DIR TARGETS...: make clean, make TARGETS and install
# numa_pg in DIR, then test/client and the benchmarks' extension
# (bench/numa_pg_bench), against PG_CONFIG; status 1 if any of it failed
# (the output says what).
build_and_install_in() {
	local dir=$1 sudo=run_as_root
	shift
	# a tree the user may write to (an extracted build) is installed into
	# without root
	[ -w "$("$PG_CONFIG" --pkglibdir)" ] && sudo=
	say "building numa_pg for PostgreSQL $PG_LABEL ($("$PG_CONFIG" --version), -Wall -Wextra -Werror) in $dir"
	make -C "$dir" -s clean PG_CONFIG="$PG_CONFIG" >/dev/null &&
		make -C "$dir" -s "$@" PG_CONFIG="$PG_CONFIG" ||
		{ echo "build failed"; return 1; }
	# scripts of versions this tree no longer ships (a branch tried
	# earlier) would be offered as updates: install the tree's own only
	$sudo rm -f "$("$PG_CONFIG" --sharedir)"/extension/numa_pg--*.sql
	$sudo make -C "$dir" -s install PG_CONFIG="$PG_CONFIG" >/dev/null ||
		{ echo "make install failed"; return 1; }
	# a client of the installed C API, as another extension would be built
	make -C "$dir/test/client" -s clean all PG_CONFIG="$PG_CONFIG" >/dev/null ||
		{ echo "build of test/client failed"; return 1; }
	$sudo make -C "$dir/test/client" -s install PG_CONFIG="$PG_CONFIG" >/dev/null ||
		{ echo "make install of test/client failed"; return 1; }
	# the hot-path benchmarks, an extension apart from numa_pg
	make -C "$dir/bench/numa_pg_bench" -s clean all PG_CONFIG="$PG_CONFIG" >/dev/null ||
		{ echo "build of bench/numa_pg_bench failed"; return 1; }
	$sudo make -C "$dir/bench/numa_pg_bench" -s install PG_CONFIG="$PG_CONFIG" >/dev/null ||
		{ echo "make install of bench/numa_pg_bench failed"; return 1; }
}

# copy_tree DEST: this source tree without git and build products, where
# numa_pg is built for one version other than Debian's (scripts/test.sh,
# bench/run.sh's pgviews) or packaged (test/package/debian.sh)
copy_tree() {
	mkdir -p "$1" &&
		tar -C "$NUMAPG_SRC" --exclude=./.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
			--exclude=./test/unit/bin --exclude=./test/tools/bin --exclude=./results \
			--exclude=./log -cf - . | tar -C "$1" -xf -
}

# pg_select LABEL PG_CONFIG: the PostgreSQL the next builds and tests use.
# Its programs load its own libpq: the builds of ../shared/postgresql look
# for it where they were built (RUNPATH /opt/postgresql/NN/lib), and would
# otherwise take Debian's, which lacks what a newer psql needs.
NUMAPG_LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}
pg_select() {
	export PG_LABEL=$1 PG_CONFIG=$2
	PG_BIN=$("$PG_CONFIG" --bindir) || die "$PG_CONFIG does not run"
	LD_LIBRARY_PATH=$("$PG_CONFIG" --libdir)${NUMAPG_LD_LIBRARY_PATH:+:$NUMAPG_LD_LIBRARY_PATH}
	export PG_BIN LD_LIBRARY_PATH
}

# The PostgreSQL builds of ../shared/postgresql (see its README), extracted
# once into a cache, and again when a tarball changes (its checksum is kept
# next to the extracted tree).  Prints "LABEL PG_CONFIG" per build, LABEL
# being the directory the tarball holds (16, 18-cassert...).
NUMAPG_SHARED_PG=${NUMAPG_SHARED_PG:-$NUMAPG_SRC/../shared/postgresql}
if [ "$(id -u)" -eq 0 ]; then
	NUMAPG_CACHE=${NUMAPG_CACHE:-/var/cache/numa_pg}
else
	NUMAPG_CACHE=${NUMAPG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/numa_pg}
fi
shared_builds() {
	local tarball name dest sum label
	for tarball in "$NUMAPG_SHARED_PG"/*.tar.xz; do
		[ -f "$tarball" ] || continue
		name=$(basename "$tarball" .tar.xz)
		dest=$NUMAPG_CACHE/postgresql/$name
		sum=$(sha256sum <"$tarball" | cut -d' ' -f1)
		if [ "$(cat "$dest/.tarball.sha256" 2>/dev/null)" != "$sum" ]; then
			echo "numa_pg: extracting $tarball into $dest" >&2
			rm -rf "$dest.new" "$dest"
			mkdir -p "$dest.new" && tar -C "$dest.new" -xJf "$tarball" ||
				{ echo "numa_pg: could not extract $tarball" >&2; rm -rf "$dest.new"; continue; }
			# the servers run as $PG_OS_USER, which must reach and read it all
			chmod -R a+rX "$dest.new" && chmod a+rx "$NUMAPG_CACHE" "$NUMAPG_CACHE/postgresql"
			echo "$sum" >"$dest.new/.tarball.sha256" && mv "$dest.new" "$dest"
		fi
		for label in "$dest"/*/; do
			label=$(basename "$label")
			[ -x "$dest/$label/bin/pg_config" ] && echo "$label $dest/$label/bin/pg_config"
		done
	done
}

# pg_major PG_CONFIG: its major version (15, 19...)
pg_major() { "$1" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/'; }

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
# process groups started in the background (set -m), stopped by cleanup
NUMAPG_BACKGROUND=()

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
	local rc=$? name pgid
	for pgid in "${NUMAPG_BACKGROUND[@]}"; do
		kill -TERM -- "-$pgid" 2>/dev/null && wait "$pgid" 2>/dev/null
	done
	for name in "${NUMAPG_CLUSTERS[@]}"; do
		cluster_stop "$name" >/dev/null 2>&1
	done
	# a server built with assertions that failed one fails the script,
	# whatever its tests said
	if [ -n "$NUMAPG_WORK" ] && assertion_failures >&2; then
		echo "# a server failed an assertion: the TRAP: lines above" >&2
		[ $rc -eq 0 ] && rc=1
	fi
	if [ -n "$NUMAPG_WORK" ] && [ "${NUMAPG_KEEP:-0}" != 1 ]; then
		rm -rf "$NUMAPG_WORK"
	fi
	exit $rc
}

# assertion_failures [NAME...]: print every failed assertion (the TRAP:
# line a server built with assertions writes to its log before it aborts)
# in the logs of the clusters named, or of every cluster here; status 1 if
# there is none
assertion_failures() {
	local logs=() name
	if [ $# -eq 0 ]; then
		logs=("$NUMAPG_WORK"/*/server.log)
	else
		for name in "$@"; do logs+=("$NUMAPG_WORK/$name/server.log"); done
	fi
	grep -H 'TRAP: ' "${logs[@]}" 2>/dev/null
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
