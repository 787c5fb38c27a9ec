#!/usr/bin/env bash
# scripts/check_cycles.sh [OBJECT...]: fail if the modules of numa_pg.so
# depend on each other in a cycle.
#
# A module is an object file (src/shmem.o is "shmem"); it depends on
# another when it uses a symbol the other defines (nm: undefined in the
# first, defined globally in the second).  That is what the linker sees,
# so a call through a header that is not included, or a variable declared
# in the wrong header, counts as well.  tsort(1) orders the graph and
# names the modules of each loop it finds; the edges between those
# modules are printed with the symbols that make them, so that a cycle
# says which call to move.
#
# Without arguments: the objects of numa_pg.so as the Makefile lists them
# (OBJS), which must be built.  Exits 0 with "no dependency cycle between
# N modules", 1 on a cycle, 2 on a missing object.
set -euo pipefail

cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
	objects=("$@")
else
	mapfile -t objects < <(make -s --no-print-directory print-objs | tr ' ' '\n' | grep '\.o$')
fi
for o in "${objects[@]}"; do
	[ -f "$o" ] || { echo "check_cycles: $o is not built (run make first)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

module_of() { basename "$1" .o; }

# symbol -> defining module; module -> used symbol
for o in "${objects[@]}"; do
	m=$(module_of "$o")
	nm --defined-only -g "$o" | awk -v m="$m" 'NF == 3 { print $3, m }'
	done >"$work/defined"
for o in "${objects[@]}"; do
	m=$(module_of "$o")
	nm -u "$o" | awk -v m="$m" '{ print m, $NF }'
done >"$work/used"

# module -> module edges, with the symbol that makes each
awk 'NR == FNR { def[$1] = $2; next }
	($2 in def) && def[$2] != $1 { print $1, def[$2], $2 }' \
	"$work/defined" "$work/used" | sort -u >"$work/edges"
awk '{ print $1, $2 }' "$work/edges" | sort -u >"$work/pairs"
# every module appears, even one that uses nothing of the others
for o in "${objects[@]}"; do m=$(module_of "$o"); echo "$m $m"; done >>"$work/pairs"

if tsort "$work/pairs" >/dev/null 2>"$work/loops"; then
	echo "check_cycles: no dependency cycle between ${#objects[@]} modules"
	exit 0
fi
# tsort prints each loop as "tsort: -: input contains a loop:" followed by
# one "tsort: MODULE" line per member
members=$(sed -n 's/^tsort: \([A-Za-z0-9_]*\)$/\1/p' "$work/loops" | sort -u | tr '\n' ' ')
echo "check_cycles: the modules ${members% } depend on each other in a cycle; the edges between them:"
awk -v members=" $members" '
	{ if (index(members, " " $1 " ") && index(members, " " $2 " ")) e[$1 " -> " $2] = e[$1 " -> " $2] " " $3 }
	END { for (k in e) print "  " k ":" e[k] }' "$work/edges" | sort
exit 1
