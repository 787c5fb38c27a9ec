# test/package/debian.sh: the Debian package, as a user builds and installs it.
#
# - builds postgresql-15-numa-pg with dpkg-buildpackage from debian/, in a
#   copy of this tree (this tree stays as it is), every C file compiled with
#   -Wall -Wextra -Werror as make does, and checks its version
#   (numa_pg.control's default_version), its dependencies (libnuma1,
#   PostgreSQL 15) and its files: those make install installs (numa_pg.so,
#   the control file, every numa_pg--*.sql, the header numa_pg.h,
#   numa_pg_membench, the reference in DOCS) and nothing else (no other
#   extension, no benchmark or test build);
# - installs it with dpkg -i, starts a server that preloads numa_pg, creates
#   the extension at its default version, and builds test/client (an
#   extension using the C API) against the installed header;
# - removes it with dpkg -r and checks that its files are gone.
#
# The package installs into Debian's PostgreSQL 15 directories, where
# scripts/test.sh's make install puts the tree's own build, which the other
# suites of the run use.  dpkg -i replaces those files (no package owns
# them) and dpkg -r deletes them, so the files of the package that were
# there before are saved first and put back at the end (also when the test
# fails or is interrupted), and the test checks that every numa_pg file in
# PostgreSQL 15's directories is then as it was (path, type, mode, owner,
# size, checksum), and that no installed Debian package changed.  It holds
# the machine lock (hold_machine_lock) for the whole run, so no other run of
# numa_pg's tests sees the package's files instead of its own.  Needs root
# (dpkg; apt-get if a build dependency is missing: ensure_packages installs
# it only if that upgrades nothing).

. "$(dirname "$0")/../t/tap.bash"

PACKAGE=postgresql-$PG_MAJOR-numa-pg
DEFAULT_VERSION=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$NUMAPG_SRC/numa_pg.control")

[ "$(id -u)" -eq 0 ] || { echo "Bail out! needs root: it installs and removes a package"; exit 1; }
if dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q 'install ok installed'; then
	echo "Bail out! $PACKAGE is installed already; this test would remove it: dpkg -r $PACKAGE first"
	exit 1
fi
hold_machine_lock
# postgresql-server-dev-all (pg_buildext) must be of the installed
# postgresql-common's version, which it depends on exactly: the newest
# would upgrade postgresql-common under this run's servers, which
# ensure_packages refuses.  A machine with PostgreSQL from Debian 12's
# release has 248+deb12u1 while the updates have 248+deb12u2.
dev_all=postgresql-server-dev-all
common=$(dpkg-query -W -f='${Version}' postgresql-common 2>/dev/null) && dev_all+="=$common"
ensure_packages dpkg-dev build-essential debhelper "$dev_all" libnuma-dev libkrb5-dev \
	"postgresql-$PG_MAJOR"
pg_select "$PG_MAJOR" "$PG_SYSTEM_CONFIG"
make_workdir

# what make install installs, where it installs it
LIBDIR=$("$PG_CONFIG" --pkglibdir)
EXTDIR=$("$PG_CONFIG" --sharedir)/extension
INCDIR=$("$PG_CONFIG" --includedir-server)/extension/numa_pg
HEADER=$INCDIR/numa_pg.h
DOCDIR=$("$PG_CONFIG" --docdir)/extension/numa_pg

# installed_numa_pg: every numa_pg file and directory in PostgreSQL 15's
# directories (the package's and make install's), one line each: path,
# type, mode, owner, size, and a file's checksum
installed_numa_pg() {
	local p t rest
	find "$LIBDIR" "$EXTDIR" "$INCDIR" "$DOCDIR" "$PG_BIN" \( -name 'numa_pg*' -o -path '*/numa_pg/*' \) \
		-printf '%p %y %m %u:%g %s\n' 2>/dev/null | sort -u | while read -r p t rest; do
		if [ "$t" = f ]; then
			echo "$p $t $rest $(sha256sum <"$p" | cut -d' ' -f1)"
		else
			echo "$p $t ${rest% *}"
		fi
	done
}
# installed_packages: the Debian packages installed, with their versions
installed_packages() {
	dpkg-query -W -f='${db:Status-Abbrev} ${Package}:${Architecture} ${Version}\n' | grep '^ii'
}
installed_numa_pg >"$NUMAPG_WORK/numa_pg.before"
installed_packages >"$NUMAPG_WORK/packages.before"

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
dpkg-buildpackage -us -uc -b >"$NUMAPG_WORK/build.log" 2>&1
rc=$?
ok $rc "dpkg-buildpackage -b builds the package"
[ $rc -eq 0 ] || tail -30 "$NUMAPG_WORK/build.log" | sed 's/^/#   /'
cd "$NUMAPG_SRC" || exit 1
# the C compiler's lines (not clang's bitcode): objects and numa_pg_membench
mapfile -t compiles < <(grep -E '^(gcc|cc|[a-z0-9_]+-linux-gnu-gcc) .*( -c | -o bench/numa_pg_membench )' \
	"$NUMAPG_WORK/build.log")
lax=$(printf '%s\n' "${compiles[@]}" | grep -vE -- '-Wall .*-Wextra .*-Werror( |$)' |
	sed 's/.* -o \([^ ]*\).*/\1/' | tr '\n' ' ')
[ ${#compiles[@]} -gt 0 ] && [ -z "$lax" ]
ok $? "its ${#compiles[@]} compilations have -Wall -Wextra -Werror, as make's"
[ -z "$lax" ] || echo "#   without them: $lax"
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

expected=("$LIBDIR/numa_pg.so" "$EXTDIR/numa_pg.control" "$HEADER" "$PG_BIN/numa_pg_membench")
for f in "$NUMAPG_SRC"/numa_pg--*.sql; do expected+=("$EXTDIR/$(basename "$f")"); done
# the Makefile's DOCS
docs=$(make -s -C "$NUMAPG_SRC" -f Makefile -f <(printf 'print-docs:\n\t@echo $(DOCS)\n') print-docs \
	PG_CONFIG="$PG_CONFIG")
ndocs=0
for f in $docs; do
	expected+=("$DOCDIR/$(basename "$f")")
	ndocs=$((ndocs + 1))
done
# the package's files (not its directories), as absolute paths
mapfile -t files < <(dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -v '/$' | sed 's/^\.//')
missing=()
for f in "${expected[@]}"; do
	printf '%s\n' "${files[@]}" | grep -qxF "$f" || missing+=("$f")
done
ok ${#missing[@]} "it holds the ${#expected[@]} files make install installs: numa_pg.so, the control file, each script, numa_pg.h, numa_pg_membench, the $ndocs of DOCS"
[ ${#missing[@]} -eq 0 ] || printf '#   missing: %s\n' "${missing[@]}"
# and nothing else: the bitcode of numa_pg.so's objects, and Debian's own
# documents of the package (README, changelogs, copyright)
strays=$(printf '%s\n' "${files[@]}" | grep -vxF -f <(printf '%s\n' "${expected[@]}") |
	grep -vE "^$LIBDIR/bitcode/numa_pg(\.index\.bc|/[a-z0-9_/]+\.bc)$" |
	grep -vE "^/usr/share/doc/$PACKAGE/(README\.md\.gz|changelog\.Debian\.gz|changelog\.gz|copyright)$")
is "$strays" "" "nothing else (no other extension, no benchmark or test build, no bench/results)"
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
installed_numa_pg >"$NUMAPG_WORK/numa_pg.after"
diff "$NUMAPG_WORK/numa_pg.before" "$NUMAPG_WORK/numa_pg.after" >"$NUMAPG_WORK/numa_pg.diff"
rc=$?
ok $rc "every numa_pg file in PostgreSQL $PG_MAJOR's directories as before ($(wc -l <"$NUMAPG_WORK/numa_pg.before") paths: type, mode, owner, size, checksum)"
[ $rc -eq 0 ] || sed 's/^/#   /' "$NUMAPG_WORK/numa_pg.diff"
installed_packages >"$NUMAPG_WORK/packages.after"
diff "$NUMAPG_WORK/packages.before" "$NUMAPG_WORK/packages.after" >"$NUMAPG_WORK/packages.diff"
rc=$?
ok $rc "no installed Debian package changed ($(wc -l <"$NUMAPG_WORK/packages.before") packages, dpkg-query)"
[ $rc -eq 0 ] || sed 's/^/#   /' "$NUMAPG_WORK/packages.diff"

done_testing
