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
# Then it works out each module's layer (0 for one that uses no other,
# else one more than the highest of those it uses) and fails if
# doc/architecture.md's table of layers puts a module elsewhere, or lacks
# it: the map of the code stays the code's.
#
# Without arguments: the objects of numa_pg.so as the Makefile lists them
# (OBJS), which must be built.  Exits 0 with "no dependency cycle between
# N modules", 1 on a cycle or a layer the doc does not draw, 2 on a
# missing object.
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

# Name the modules of each loop tsort found, and the edges between them
# with their symbols.
report_cycle() {
	# tsort prints each loop as "tsort: -: input contains a loop:" followed by
	# one "tsort: MODULE" line per member
	members=$(sed -n 's/^tsort: \([A-Za-z0-9_]*\)$/\1/p' "$work/loops" | sort -u | tr '\n' ' ')
	echo "check_cycles: the modules ${members% } depend on each other in a cycle; the edges between them:"
	awk -v members=" $members" '
		{ if (index(members, " " $1 " ") && index(members, " " $2 " ")) e[$1 " -> " $2] = e[$1 " -> " $2] " " $3 }
		END { for (k in e) print "  " k ":" e[k] }' "$work/edges" | sort
}

if ! tsort "$work/pairs" >/dev/null 2>"$work/loops"; then
	report_cycle
	exit 1
fi
echo "check_cycles: no dependency cycle between ${#objects[@]} modules"

# The layers: a module that uses no other is in layer 0, any other in one
# more than the highest layer of those it uses.  With a graph without a
# cycle the loop ends within as many rounds as there are modules.
awk '
	{ if ($1 != $2) { dep[$1] = dep[$1] " " $2 }; mod[$1] = 1; mod[$2] = 1 }
	END {
		do {
			changed = 0
			for (m in mod) {
				l = 0; n = split(dep[m], d, " ")
				for (i = 1; i <= n; i++) if (layer[d[i]] + 1 > l) l = layer[d[i]] + 1
				if (!(m in layer) || layer[m] != l) { layer[m] = l; changed = 1 }
			}
		} while (changed)
		for (m in mod) print m, layer[m] + 0
	}' "$work/pairs" | sort >"$work/layers"

# doc/architecture.md draws these layers in a table whose rows begin
# "| N | `module`, `module` (pure) | job |": the map must be the code's.
doc=doc/architecture.md
if [ -f "$doc" ]; then
	sed -n 's/^| \([0-9][0-9]*\) | \([^|]*\)|.*/\1 \2/p' "$doc" |
		awk '{ l = $1; for (i = 2; i <= NF; i++) if ($i ~ /^`[a-z0-9_.]*`,?$/) { gsub(/[`,]/, "", $i); sub(/\.c$/, "", $i); print $i, l } }' |
		sort >"$work/documented"
	mismatch=$(join -a1 -a2 -e none -o 0,1.2,2.2 "$work/layers" "$work/documented" | awk '$2 != $3')
	if [ -n "$mismatch" ]; then
		echo "check_cycles: $doc does not draw the layers the objects have (module, layer from nm, layer in the doc):"
		echo "$mismatch" | sed 's/^/  /'
		exit 1
	fi
	echo "check_cycles: the ${#objects[@]} modules are in the layers $doc draws"
fi
