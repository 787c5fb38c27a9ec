# test/t/pg_numa_views.sh: where numa_pg's reports overlap PostgreSQL 18's
# own NUMA views, they agree: numa_shmem_allocations() with
# pg_shmem_allocations_numa, and numa_buffer_nodes() with
# pg_buffercache_numa, per (allocation, node) and per node, on a server
# restarted under each numa_pg.shared_memory_policy of interest:
# 'interleave' and 'bind:<the highest-numbered memory node>', each with
# numa_pg.prefault off and on.  It runs on the one-node machines (scripts/
# test.sh's server step) and in the multi-node guests (test/numa-vm), where
# the per-node split is what is compared.
#
# Which pages each report sees: PostgreSQL's views fault every page of what
# they report in (they touch it) before they ask the kernel; numa_pg's fault
# nothing in.  With prefault off, PostgreSQL's are read first, after which
# no page of theirs is left unfaulted; with prefault on, every page of the
# segment exists from the start, and numa_pg's are read first (finding none
# unfaulted), before PostgreSQL's touch anything.  Either way both ask the
# kernel (move_pages) about the same pages: each allocation's range rounded
# out to whole pages (so a page two allocations share counts in both, in
# both reports), and the shared buffers' pages.  Pages do not move in
# between (the guests boot with NUMA balancing off, and nothing migrates
# them), so the two must give the same bytes (pages) on the same nodes,
# exactly, on one node or several: any difference fails.
#
# Where the pages are, in both reports: under interleave, PostgreSQL's
# allocations and shared buffers have pages on every memory node (from
# sysfs) and on no other; under bind:<node>, every page is on that node.
# numa_pg's own slabs ("numa_pg slab ...") are left out of that check: numa_pg
# binds each to its worker's node, over the segment's policy (the
# comparison keeps them).
#
# A server of its own: the pgTAP suite checks that unused shared buffers
# stay unfaulted, which PostgreSQL's views undo.  numa_shmem_allocations()
# also lists the segment's unused space ("<unnamed>", as
# pg_shmem_allocations does), which pg_shmem_allocations_numa leaves out: it
# is left out of the comparison.  On 15 to 17 there is nothing to compare,
# and the test says so and skips, before starting a server; on a server
# built without libnuma (pg_config --configure) it skips too, unless
# NUMAPG_VIEWS_REQUIRED=1 (as the guests set it on 18 and later), where
# that fails.

. "$(dirname "$0")/tap.bash"

major=$(pg_major "$PG_CONFIG")
if [ "$major" -lt 18 ]; then
	echo "1..0 # SKIP PostgreSQL $major has no NUMA views (pg_shmem_allocations_numa, pg_buffercache_numa: 18 and later)"
	exit 0
fi
# built without libnuma, PostgreSQL has the views but they report nothing
if ! "$PG_CONFIG" --configure | grep -q -- "--with-libnuma"; then
	if [ "${NUMAPG_VIEWS_REQUIRED:-0}" = 1 ]; then
		echo "not ok 1 - PostgreSQL $major has its NUMA views (NUMAPG_VIEWS_REQUIRED=1), but $PG_CONFIG was built without --with-libnuma"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP PostgreSQL $major was built without --with-libnuma: its NUMA views report nothing"
	exit 0
fi
make_workdir

# the memory nodes, from the kernel, as an SQL array literal
mem_nodes=$(for d in /sys/devices/system/node/node[0-9]*; do
	[ "$(awk '/MemTotal/ {print $4}' "$d/meminfo" 2>/dev/null)" -gt 0 ] 2>/dev/null && echo "${d##*node}"
done | sort -n | paste -sd,)
last=${mem_nodes##*,}
echo "# memory nodes: {$mem_nodes}"

cluster_init v "$(free_port)" "shared_preload_libraries = 'numa_pg'" "numa_pg.workers = 1" \
	"shared_buffers = '32MB'"
log=$(cluster_log v)

# PostgreSQL's reports, into tables theirs (per allocation and node) and
# theirs_b (OS pages of shared buffers per node); they fault pages in
read_theirs() {
	sql_value v "CREATE TABLE theirs AS SELECT name, numa_node AS node, size FROM pg_shmem_allocations_numa WHERE size > 0" >/dev/null
	sql_value v "CREATE TABLE theirs_b AS SELECT numa_node AS node, count(DISTINCT os_page_num) AS pages
		FROM pg_buffercache_numa GROUP BY numa_node" >/dev/null
}

# numa_pg's, into ours and ours_b; they fault nothing in
read_ours() {
	sql_value v "CREATE TABLE ours AS SELECT name, node, size FROM numa_shmem_allocations()
		WHERE node IS NOT NULL AND name <> '<unnamed>'" >/dev/null
	sql_value v "CREATE TABLE ours_b AS SELECT node, pages FROM numa_buffer_nodes() WHERE node IS NOT NULL" >/dev/null
}

# compare_under POLICY PREFAULT NODES: restart with numa_pg.shared_memory_policy
# = POLICY and numa_pg.prefault = PREFAULT, read both reports in the order
# above, and compare them with each other and with NODES (an SQL array: the
# nodes the pages must be on, every one of them)
compare_under() {
	local policy=$1 prefault=$2 nodes=$3 at="[$1, prefault $2]" out rows extra missing diff
	# (the last setting in postgresql.conf wins; the log is emptied so that
	# it says what this start did)
	cluster_set v "numa_pg.shared_memory_policy = '$policy'" "numa_pg.prefault = $prefault"
	[ -f "$log" ] && : >"$log"
	if ! cluster_start v; then
		ok 1 "$at the server starts"
		cluster_failed v
		return
	fi
	ok 0 "$at the server starts"
	# (the previous start's tables dropped, without a NOTICE for each)
	sql_value v "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS numa_pg;
		CREATE EXTENSION IF NOT EXISTS pg_buffercache; DROP TABLE IF EXISTS theirs, theirs_b, ours, ours_b" >/dev/null
	is "$(sql_value v "SELECT pg_numa_available()")" t "$at  PostgreSQL's pg_numa_available() is true"
	like "$log" "LOG:  numa_pg: applied numa_pg.shared_memory_policy \"$policy\"" "$at  numa_pg applied the policy"

	if [ "$prefault" = off ]; then
		read_theirs
		read_ours
	else
		is "$(sql_value v "SELECT (SELECT count(*) FROM numa_shmem_allocations() WHERE node IS NULL) || ' ' ||
			(SELECT count(*) FROM numa_buffer_nodes() WHERE node IS NULL)")" "0 0" \
			"$at  numa_shmem_allocations() and numa_buffer_nodes(), read first, find every page faulted in"
		read_ours
		read_theirs
	fi

	out=$(sql_value v "SELECT (SELECT count(*) FROM theirs) || ' ' ||
		(SELECT count(*) FROM (SELECT * FROM ours EXCEPT SELECT * FROM theirs) o) || ' ' ||
		(SELECT count(*) FROM (SELECT * FROM theirs EXCEPT SELECT * FROM ours) t) || ' ' ||
		(SELECT coalesce(string_agg(format('%s on node %s: ours %s, theirs %s', name, node, o, t), '; '), '-') FROM
			(SELECT name, node, o.size AS o, t.size AS t FROM ours o FULL JOIN theirs t USING (name, node)
			 WHERE o.size IS DISTINCT FROM t.size LIMIT 5) d)")
	read -r rows extra missing diff <<<"$out"
	ok $(( ${rows:-0} > 0 ? 0 : 1 )) "$at pg_shmem_allocations_numa has ${rows:-no} (allocation, node) rows"
	is "${extra:-?} ${missing:-?}" "0 0" "$at  numa_shmem_allocations() gives every allocation the bytes on each node that pg_shmem_allocations_numa gives it"
	[ "${extra:-?} ${missing:-?}" = "0 0" ] || echo "# differences: $diff"
	echo "# bytes per node, ours / theirs: $(sql_value v "SELECT string_agg(format('node %s %s / %s', node, o, t), ', ' ORDER BY node)
		FROM (SELECT node, sum(size) AS o FROM ours GROUP BY node) o FULL JOIN (SELECT node, sum(size) AS t FROM theirs GROUP BY node) t USING (node)")"

	out=$(sql_value v "SELECT (SELECT sum(pages) FROM theirs_b) || ' ' ||
		(SELECT count(*) FROM (SELECT * FROM ours_b EXCEPT SELECT * FROM theirs_b) o) || ' ' ||
		(SELECT count(*) FROM (SELECT * FROM theirs_b EXCEPT SELECT * FROM ours_b) t) || ' ' ||
		(SELECT string_agg(format('node %s: ours %s, theirs %s', node, o.pages, t.pages), '; ' ORDER BY node)
		 FROM ours_b o FULL JOIN theirs_b t USING (node))")
	read -r rows extra missing diff <<<"$out"
	ok $(( ${rows:-0} > 0 ? 0 : 1 )) "$at pg_buffercache_numa counts ${rows:-no} OS pages of shared buffers"
	is "${extra:-?} ${missing:-?}" "0 0" "$at  numa_buffer_nodes() counts the OS pages of shared buffers on each node as pg_buffercache_numa does"
	echo "# per node: $diff"
	is "$(sql_value v "SELECT count(*) FROM numa_buffer_nodes() WHERE node IS NULL")" 0 \
		"$at  and after pg_buffercache_numa, numa_buffer_nodes() finds no page of shared buffers unfaulted"

	# the nodes each report puts pages on
	is "$(sql_value v "SELECT concat_ws(' ',
		(SELECT array_agg(DISTINCT node ORDER BY node) FROM theirs WHERE name NOT LIKE 'numa_pg slab%'),
		(SELECT array_agg(DISTINCT node ORDER BY node) FROM ours WHERE name NOT LIKE 'numa_pg slab%'),
		(SELECT array_agg(DISTINCT node ORDER BY node) FROM theirs_b),
		(SELECT array_agg(DISTINCT node ORDER BY node) FROM ours_b))")" \
		"$nodes $nodes $nodes $nodes" \
		"$at  the pages of PostgreSQL's allocations and of shared buffers are on nodes $nodes, $([ "$policy" = interleave ] &&
			echo "every memory node," || echo "that node only,") in both reports (allocations theirs, ours; buffers theirs, ours)"
	cluster_stop v >/dev/null
}

[ -n "$mem_nodes" ] || { ok 1 "the kernel lists its memory nodes (/sys/devices/system/node)"; done_testing; exit 1; }
for policy in interleave "bind:$last"; do
	case $policy in
	interleave) nodes="{$mem_nodes}" ;;
	*) nodes="{${policy#*:}}" ;;
	esac
	for prefault in off on; do
		compare_under "$policy" "$prefault" "$nodes"
	done
done

done_testing
