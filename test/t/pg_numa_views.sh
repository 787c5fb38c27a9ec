# test/t/pg_numa_views.sh: where numa_pg's reports overlap PostgreSQL 18's
# own NUMA views, they agree: numa_shmem_allocations() with
# pg_shmem_allocations_numa, and numa_buffer_nodes() with
# pg_buffercache_numa, on a server whose shared memory is interleaved
# (numa_pg.shared_memory_policy).
#
# PostgreSQL's views fault every page of what they report in (they touch it)
# before they ask the kernel; numa_pg's fault nothing in.  So PostgreSQL's
# are read first, after which no page of theirs is left unfaulted, and the
# two must give the same bytes (pages) on the same nodes.  That is also why
# this runs on a server of its own: the pgTAP suite checks that unused
# shared buffers stay unfaulted.  numa_shmem_allocations() also lists the
# segment's unused space ("<unnamed>", as pg_shmem_allocations does), which
# pg_shmem_allocations_numa leaves out: it is left out of the comparison.
# On 15 to 17, and on a server built without libnuma, there is nothing to
# compare, and the test says so and skips.

. "$(dirname "$0")/tap.bash"
make_workdir

cluster_init v "$(free_port)" "shared_preload_libraries = 'numa_pg'" "numa_pg.workers = 1" \
	"numa_pg.shared_memory_policy = 'interleave'"
cluster_start v || cluster_failed v
sql_value v "CREATE EXTENSION numa_pg" >/dev/null

available=$(sql_value v "SELECT to_regproc('pg_catalog.pg_numa_available') IS NOT NULL
	AND (SELECT setting ~ '--with-libnuma' FROM pg_config WHERE name = 'CONFIGURE')")
case $available in
t) ;;
f) ;;
*) ok 1 "the server says whether it has PostgreSQL's NUMA views (got: '$available')"; done_testing; exit 1 ;;
esac
if [ "$available" = f ]; then
	echo "1..0 # SKIP PostgreSQL $(sql_value v "SHOW server_version") has no NUMA views (18 and later, built --with-libnuma)"
	exit 0
fi
is "$(sql_value v "SELECT pg_numa_available()")" t "PostgreSQL's pg_numa_available() is true"
sql_value v "CREATE EXTENSION pg_buffercache" >/dev/null

# PostgreSQL's first (they fault the pages in), then numa_pg's, then the
# rows each has that the other has not
sql_value v "CREATE TABLE theirs AS SELECT name, numa_node AS node, size FROM pg_shmem_allocations_numa WHERE size > 0" >/dev/null
sql_value v "CREATE TABLE ours AS SELECT name, node, size FROM numa_shmem_allocations()
	WHERE node IS NOT NULL AND name <> '<unnamed>'" >/dev/null
out=$(sql_value v "SELECT (SELECT count(*) FROM theirs) || ' ' ||
		(SELECT count(*) FROM (SELECT * FROM ours EXCEPT SELECT * FROM theirs) o) || ' ' ||
		(SELECT count(*) FROM (SELECT * FROM theirs EXCEPT SELECT * FROM ours) t) || ' ' ||
		(SELECT coalesce(string_agg(format('%s: ours %s, theirs %s', name, o, t), '; '), '-') FROM
			(SELECT name, node, o.size AS o, t.size AS t FROM ours o FULL JOIN theirs t USING (name, node)
			 WHERE o.size IS DISTINCT FROM t.size LIMIT 5) d)")
set -- $out
ok $(( ${1:-0} > 0 ? 0 : 1 )) "pg_shmem_allocations_numa has ${1:-no} (allocation, node) rows"
is "${2:-?} ${3:-?}" "0 0" "numa_shmem_allocations() gives every allocation the bytes on each node that pg_shmem_allocations_numa gives it"
[ "${2:-?} ${3:-?}" = "0 0" ] || echo "# differences: ${*:4}"

sql_value v "CREATE TABLE theirs_b AS SELECT numa_node AS node, count(DISTINCT os_page_num) AS pages FROM pg_buffercache_numa GROUP BY numa_node" >/dev/null
sql_value v "CREATE TABLE ours_b AS SELECT node, pages FROM numa_buffer_nodes() WHERE node IS NOT NULL" >/dev/null
out=$(sql_value v "SELECT (SELECT sum(pages) FROM theirs_b) || ' ' ||
		(SELECT count(*) FROM (SELECT * FROM ours_b EXCEPT SELECT * FROM theirs_b) o) || ' ' ||
		(SELECT count(*) FROM (SELECT * FROM theirs_b EXCEPT SELECT * FROM ours_b) t) || ' ' ||
		(SELECT string_agg(format('node %s: ours %s, theirs %s', node, o.pages, t.pages), '; ')
		 FROM ours_b o FULL JOIN theirs_b t USING (node))")
set -- $out
ok $(( ${1:-0} > 0 ? 0 : 1 )) "pg_buffercache_numa counts ${1:-no} OS pages of shared buffers"
is "${2:-?} ${3:-?}" "0 0" "numa_buffer_nodes() counts the OS pages of shared buffers on each node as pg_buffercache_numa does"
echo "# per node: ${*:4}"
is "$(sql_value v "SELECT count(*) FROM numa_buffer_nodes() WHERE node IS NULL")" 0 \
	"  and after pg_buffercache_numa, numa_buffer_nodes() finds no page of shared buffers unfaulted"

done_testing
