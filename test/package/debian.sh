# test/package/debian.sh: the Debian package, as a user builds and installs it.
#
# - builds postgresql-15-numa-pg with dpkg-buildpackage from debian/, in a
#   copy of this tree (this tree stays as it is), and checks its version
#   (numa_pg.control's default_version), its dependencies (libnuma1,
#   PostgreSQL 15) and that it holds what make install installs: numa_pg.so,
#   the control file, every numa_pg--*.sql, the header numa_pg.h and
#   numa_pg_membench;
# - installs it with dpkg -i, starts a server that preloads numa_pg, creates
#   the extension at its default version, and builds test/client (an
#   extension using the C API) against the installed header;
# - removes it with dpkg -r and checks that its files are gone.
#
# The package installs into Debian's PostgreSQL 15 directories, where
# scripts/test.sh's make install puts the tree's own build.  dpkg -i
# replaces those files (no package owns them) and dpkg -r deletes them, so
# the files of the package that were there before are saved first and put
# back at the end (also when the test fails or is interrupted), and the
# test checks that they are back byte for byte.  It holds the machine lock
# (hold_machine_lock) for the whole run, so no other run of numa_pg's tests
# sees the package's files instead of its own.  Needs root (apt-get, dpkg).

. "$(dirname "$0")/../t/tap.bash"

PACKAGE=postgresql-$PG_MAJOR-numa-pg
DEFAULT_VERSION=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$NUMAPG_SRC/numa_pg.control")

[ "$(id -u)" -eq 0 ] || { echo "Bail out! needs root: it installs and removes a package"; exit 1; }
if dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q 'install ok installed'; then
	echo "Bail out! $PACKAGE is installed already; this test would remove it: dpkg -r $PACKAGE first"
	exit 1
fi
hold_machine_lock
ensure_packages dpkg-dev build-essential debhelper postgresql-server-dev-all libnuma-dev \
	"postgresql-$PG_MAJOR"
pg_select "$PG_MAJOR" "$PG_SYSTEM_CONFIG"
make_workdir

# run_ok NAME COMMAND...: COMMAND succeeds; its output (the end of it) is
# shown only if it fails
run_ok() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	ok $rc "$name"
	[ $rc -eq 0 ] || printf '%s\n' "$out" | tail -30 | sed 's/^/#   /'
}

SAVED=$NUMAPG_WORK/saved.tar
# restore_system: remove the package if it is installed, and put back the
# files it replaced; run at the end and on exit
restore_system() {
	[ -d "$NUMAPG_WORK/p/data" ] && cluster_stop p >/dev/null 2>&1
	if dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q 'install ok installed'; then
		dpkg -r "$PACKAGE" >/dev/null 2>&1
	fi
	[ -f "$SAVED" ] && tar -C / -xpf "$SAVED" && rm -f "$SAVED"
}
# on exit: that, then lib.sh's cleanup, with the exit status it would have had
on_exit() {
	local rc=$?
	restore_system
	(exit $rc)
	cleanup
}
trap on_exit EXIT

# the build, in a copy of the tree; the .deb lands next to the copy
src=$NUMAPG_WORK/src/numa-pg
copy_tree "$src" || { echo "Bail out! could not copy the tree"; exit 1; }
cd "$src" || exit 1
run_ok "dpkg-buildpackage -b builds the package" dpkg-buildpackage -us -uc -b
cd "$NUMAPG_SRC" || exit 1
version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$src/debian/changelog")
deb=$NUMAPG_WORK/src/${PACKAGE}_${version}_$(dpkg --print-architecture).deb
if [ ! -f "$deb" ]; then
	echo "Bail out! no $deb to test"
	exit 1
fi
is "${version%-*}" "$DEFAULT_VERSION" "the package's upstream version is numa_pg.control's default_version"

depends=$(dpkg-deb -f "$deb" Depends)
[[ "$depends" =~ (^|, )libnuma1( |,|$) ]]
ok $? "it depends on libnuma1 ($depends)"
[[ "$depends" =~ (^|, )postgresql-$PG_MAJOR( |,|$) ]]
ok $? "it depends on postgresql-$PG_MAJOR"

# what make install installs, where it installs it
LIBDIR=$("$PG_CONFIG" --pkglibdir)
EXTDIR=$("$PG_CONFIG" --sharedir)/extension
HEADER=$("$PG_CONFIG" --includedir-server)/extension/numa_pg/numa_pg.h
expected=("$LIBDIR/numa_pg.so" "$EXTDIR/numa_pg.control" "$HEADER" "$PG_BIN/numa_pg_membench")
for f in "$NUMAPG_SRC"/numa_pg--*.sql; do expected+=("$EXTDIR/$(basename "$f")"); done
# the package's files (not its directories), as absolute paths
mapfile -t files < <(dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -v '/$' | sed 's/^\.//')
missing=()
for f in "${expected[@]}"; do
	printf '%s\n' "${files[@]}" | grep -qxF "$f" || missing+=("$f")
done
ok ${#missing[@]} "it holds the ${#expected[@]} files make install installs: numa_pg.so, the control file, each script, numa_pg.h, numa_pg_membench"
[ ${#missing[@]} -eq 0 ] || printf '#   missing: %s\n' "${missing[@]}"
strays=$(printf '%s\n' "${files[@]}" | grep -F "$EXTDIR/" | grep -vE "/numa_pg(\.control|--[0-9.]+(--[0-9.]+)?\.sql)$")
is "$strays" "" "no other extension's file (test/client is not shipped)"

# save the files the package will replace
present=()
for f in "${files[@]}"; do [ -e "$f" ] && present+=("${f#/}"); done
if [ ${#present[@]} -gt 0 ]; then
	echo "# saving the ${#present[@]} files of a numa_pg installed before (make install)"
	if ! { (cd / && sha256sum "${present[@]}") >"$NUMAPG_WORK/saved.sha256" &&
		tar -C / -cpf "$SAVED" "${present[@]}"; }; then
		echo "Bail out! could not save them"
		exit 1
	fi
fi

run_ok "dpkg -i installs it" dpkg -i "$deb"
notours=()
for f in "${expected[@]}"; do
	[ "$(dpkg-query -S "$f" 2>&1)" = "$PACKAGE: $f" ] || notours+=("$f")
done
ok ${#notours[@]} "those ${#expected[@]} files on the system are the package's (dpkg -S)"
[ ${#notours[@]} -eq 0 ] || printf '#   not installed by the package: %s\n' "${notours[@]}"
is "$(dpkg --verify "$PACKAGE" 2>&1)" "" "dpkg --verify: every file as the package has it"
cmp -s "$HEADER" "$NUMAPG_SRC/include/numa_pg.h"
ok $? "the installed numa_pg.h is include/numa_pg.h"
"$PG_BIN/numa_pg_membench" --help >/dev/null
ok $? "numa_pg_membench --help runs"

# a server that preloads the package's numa_pg
cluster_init p "$(free_port)" "shared_preload_libraries = 'numa_pg'"
cluster_start p || cluster_failed p
ok $? "a server starts with numa_pg preloaded"
sql_value p "CREATE EXTENSION numa_pg" >/dev/null
ok $? "CREATE EXTENSION numa_pg"
is "$(sql_value p "SELECT extversion FROM pg_extension WHERE extname = 'numa_pg'")" "$DEFAULT_VERSION" \
	"the extension's version is default_version"
is "$(sql_value p "SELECT preloaded, enabled, node_count > 0 FROM numa_status()")" "t|t|t" \
	"numa_status() answers: preloaded, enabled, nodes found"
is "$(sql_value p "SELECT count(*) > 0 FROM numa_topology()")" "t" "numa_topology() has rows"
cluster_stop p >/dev/null
! assertion_failures p
ok $? "the server failed no assertion"

# another extension built against the installed C API (not installed)
run_ok "test/client builds against the installed numa_pg.h" \
	make -C "$src/test/client" -s clean all PG_CONFIG="$PG_CONFIG"

run_ok "dpkg -r removes it" dpkg -r "$PACKAGE"
left=()
for f in "${files[@]}"; do [ -e "$f" ] && left+=("$f"); done
ok ${#left[@]} "none of its ${#files[@]} files is left"
[ ${#left[@]} -eq 0 ] || printf '#   left: %s\n' "${left[@]}"

if [ -f "$SAVED" ]; then
	restore_system
	(cd / && sha256sum --quiet -c "$NUMAPG_WORK/saved.sha256")
	ok $? "the numa_pg installed before is back, byte for byte"
fi

done_testing
