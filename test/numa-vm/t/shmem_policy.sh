#!/usr/bin/env bash
# test/numa-vm/t/shmem_policy.sh: TAP.  numa_pg.shared_memory_policy on a
# live server in a NUMA guest, each value with numa_pg.prefault = on, so
# that every page of PostgreSQL's main segment exists and is where the
# policy put it; where the pages are comes from the kernel (move_pages, via
# numa_shmem_allocations() and numa_buffer_nodes()).
#
#  - interleave: every allocation of PostgreSQL's (numa_pg's own slabs keep
#    their own placement and are left out) has its pages spread over the
#    memory nodes with per-node counts at most 1 apart.  The bound: the
#    kernel interleaves a shared mapping by page offset (page i on the
#    (i mod k)-th node), and each allocation is one contiguous run of pages,
#    so each node has floor or ceil of n/k of them.  Shared buffers (one run
#    too): pages at most 1 apart; buffers, counted by their bytes, at most
#    1.5 apart (a page is half a buffer, and the first and last page are
#    partly outside the buffers, half a buffer each at most);
#  - interleave:<two nodes>: pages on those nodes only, as evenly;
#  - bind:<node>, preferred:<node>: every page on that node;
#  - the estimates (numa_shmem_allocations_estimate(64),
#    numa_buffer_nodes_estimate(64)) within the bound they state of the
#    exact reports, node by node, under interleave (where a fixed page in
#    each run of 64 would see one node only: the estimate must see every
#    node) and exactly the exact report under bind: and preferred:;
#  - bind:<node> with shared_buffers larger than the node: a WARNING, or a
#    FATAL under numa_pg.strict (no prefault here: it would run out);
#  - in the memoryless guest, bind: and preferred: naming the memoryless
#    node are refused at start, with a detail and a hint.
#
# Run by guest-test.sh with prove, as root, after the main cluster stopped.

. "$(dirname "$0")/../../t/tap.bash"
make_workdir

# memory nodes, smallest first by memory, and memoryless nodes
mem_nodes=() memoryless=() sized=()
for d in /sys/devices/system/node/node[0-9]*; do
	kb=$(awk '/MemTotal/ {print $4}' "$d/meminfo")
	if [ "$kb" -gt 0 ]; then mem_nodes+=("${d##*node}"); sized+=("$kb ${d##*node}"); else memoryless+=("${d##*node}"); fi
done
smallest=$(printf '%s\n' "${sized[@]}" | sort -n | head -1 | cut -d' ' -f2)
smallest_mb=$(( $(awk '/MemTotal/ {print $4}' /sys/devices/system/node/node$smallest/meminfo) / 1024 ))
first=${mem_nodes[0]} last=${mem_nodes[${#mem_nodes[@]} - 1]}
echo "# memory nodes ${mem_nodes[*]} (smallest $smallest, $smallest_mb MB), memoryless: ${memoryless[*]:-none}"

cluster_init p "$(free_port)" "shared_preload_libraries = 'numa_pg'" "shared_buffers = '64MB'" \
	"numa_pg.workers = 1" "numa_pg.prefault = on"
conf=$NUMAPG_WORK/p/data/postgresql.conf
cp "$conf" "$conf.base"
log=$(cluster_log p)

# start_with SETTING...: the base configuration plus these, started afresh
start_with() {
	cp "$conf.base" "$conf"
	cluster_set p "$@"
	[ -f "$log" ] && : >"$log"	# (truncated, so that it stays the server's)
	cluster_start p || { cluster_failed p; return 1; }
	sql_value p "CREATE EXTENSION IF NOT EXISTS numa_pg" >/dev/null
}

# Per allocation of PostgreSQL's (not numa_pg's slabs) and per node of
# NODES (an SQL array), the pages there; then the allocations whose counts
# differ by more than 1 between those nodes, or that have pages elsewhere or
# not faulted in.
uneven_allocations() {
	sql_value p "
	WITH a AS (SELECT * FROM numa_shmem_allocations() WHERE name NOT LIKE 'numa_pg slab%'),
	     n AS (SELECT unnest($1::int[]) AS node),
	     per AS (SELECT names.name, n.node, coalesce(sum(a.pages), 0) AS pages
	             FROM (SELECT DISTINCT name FROM a) AS names CROSS JOIN n
	             LEFT JOIN a ON a.name = names.name AND a.node = n.node GROUP BY 1, 2)
	SELECT coalesce(string_agg(name || ': ' || detail, '; '), 'none') FROM (
	  SELECT name, format('%s to %s pages a node', min(pages), max(pages)) AS detail
	  FROM per GROUP BY name HAVING max(pages) - min(pages) > 1
	  UNION ALL
	  SELECT name, format('%s pages on node %s', pages, coalesce(node::text, 'NULL (not faulted in)'))
	  FROM a WHERE node IS NULL OR node <> ALL ($1::int[])) AS bad"
}

nodes_array() { local IFS=,; echo "'{$*}'"; }

# The estimates (numa_shmem_allocations_estimate(64),
# numa_buffer_nodes_estimate(64): one cluster of pages in each run of 64)
# against the exact reports, each in one statement: the rows (an
# allocation or shared buffers, and a node) where they differ by more than
# the bound the estimate states (error_bytes), or none.  A node missing
# from one side counts as 0 there.
estimate_off() {
	sql_value p "
	WITH x AS MATERIALIZED (SELECT name, node, size FROM numa_shmem_allocations()),
	     e AS MATERIALIZED (SELECT * FROM numa_shmem_allocations_estimate(64)),
	     bx AS MATERIALIZED (SELECT node, pages, buffers FROM numa_buffer_nodes()),
	     be AS MATERIALIZED (SELECT * FROM numa_buffer_nodes_estimate(64)),
	     bound AS (SELECT name, max(error_bytes) AS error_bytes FROM e GROUP BY name),
	     ps AS (SELECT size / pages AS page_size FROM numa_shmem_allocations() LIMIT 1)
	SELECT coalesce(string_agg(d, '; '), 'none') FROM (
	  SELECT format('%s node %s: %s bytes estimated, %s exact, bound %s', coalesce(x.name, e.name),
	                coalesce(coalesce(x.node, e.node)::text, 'NULL'), coalesce(e.size, 0), coalesce(x.size, 0), bound.error_bytes) AS d
	  FROM x FULL JOIN e ON x.name = e.name AND coalesce(x.node, -1) = coalesce(e.node, -1)
	  LEFT JOIN bound ON bound.name = coalesce(x.name, e.name)
	  WHERE bound.error_bytes IS NULL OR abs(coalesce(e.size, 0) - coalesce(x.size, 0)) > bound.error_bytes
	  UNION ALL
	  SELECT format('shared buffers node %s: %s pages and %s buffers estimated, %s and %s exact, bound %s bytes',
	                coalesce(coalesce(bx.node, be.node)::text, 'NULL'), coalesce(be.pages, 0), coalesce(be.buffers, 0),
	                coalesce(bx.pages, 0), coalesce(bx.buffers, 0), bb.error_bytes)
	  FROM bx FULL JOIN be ON coalesce(bx.node, -1) = coalesce(be.node, -1), ps,
	       (SELECT max(error_bytes) AS error_bytes FROM be) AS bb
	  WHERE abs(coalesce(be.pages, 0) - coalesce(bx.pages, 0)) * ps.page_size > bb.error_bytes
	     OR abs(coalesce(be.buffers, 0) - coalesce(bx.buffers, 0)) * current_setting('block_size')::int > bb.error_bytes) AS bad"
}

# The rows (name, node, size) of PostgreSQL's allocations (numa_pg's own
# slabs keep their own placement and are left out) where
# numa_shmem_allocations_estimate(64) and numa_shmem_allocations() differ
# at all, or none: under bind every page is on the node, so every stratum
# is all on it and the estimate is exact whatever the bound.
estimate_differs() {
	sql_value p "
	WITH x AS MATERIALIZED (SELECT name, node, size FROM numa_shmem_allocations() WHERE name NOT LIKE 'numa_pg slab%'),
	     e AS MATERIALIZED (SELECT name, node, size FROM numa_shmem_allocations_estimate(64) WHERE name NOT LIKE 'numa_pg slab%')
	SELECT coalesce(string_agg(format('%s node %s: %s', name, node, size), '; '), 'none')
	FROM ((SELECT * FROM x EXCEPT ALL SELECT * FROM e) UNION ALL (SELECT * FROM e EXCEPT ALL SELECT * FROM x)) AS d"
}

# Shared buffers per node, exact and estimated, with the bound, as comment
# lines: the measured error beside the stated one
show_estimate() {
	sql_value p "
	SELECT format('node %s: exact %s pages, estimate %s pages (error %s), sampled %s, bound %s pages at confidence %s',
	              coalesce(coalesce(x.node, e.node)::text, 'NULL'), coalesce(x.pages, 0), coalesce(e.pages, 0),
	              coalesce(e.pages, 0) - coalesce(x.pages, 0), e.pages_sampled,
	              round(e.error_bytes / (SELECT size / pages FROM numa_shmem_allocations() LIMIT 1)::numeric, 1), e.confidence)
	FROM (SELECT * FROM numa_buffer_nodes()) AS x FULL JOIN (SELECT * FROM numa_buffer_nodes_estimate(64)) AS e
	     ON coalesce(x.node, -1) = coalesce(e.node, -1) ORDER BY coalesce(x.node, e.node)" | sed 's/^/#   /'
}

# interleave over every memory node
if start_with "numa_pg.shared_memory_policy = 'interleave'"; then
	ok 0 "the server starts with interleave and prefault"
	like "$log" 'LOG:  numa_pg: prefaulted [0-9]+ MB of shared memory' "  and prefaults"
	is "$(uneven_allocations "$(nodes_array "${mem_nodes[@]}")")" none \
		"  each of PostgreSQL's allocations: every page faulted in, on the memory nodes, at most 1 page apart between nodes"
	is "$(sql_value p "SELECT count(DISTINCT node) FROM numa_shmem_allocations() WHERE name = 'Buffer Blocks'")" "${#mem_nodes[@]}" \
		"  shared buffers have pages on every memory node"
	is "$(sql_value p "SELECT count(*) FILTER (WHERE node IS NULL) || ' ' || (max(pages) - min(pages) <= 1)
	                    || ' ' || (max(buffers) - min(buffers) <= 1.5) || ' ' || sum(buffers)
	                    FROM numa_buffer_nodes()")" \
		"0 true true $((64 * 1024 / 8))" \
		"  numa_buffer_nodes(): none unfaulted, pages at most 1 apart, buffers at most 1.5 apart, all counted"
	sql_value p "SELECT * FROM numa_buffer_nodes()" | sed 's/^/#   /'
	is "$(estimate_off)" none \
		"  the estimates (one cluster in 64) are within their stated bound of the exact reports, on every node"
	is "$(sql_value p "SELECT count(DISTINCT node) FROM numa_shmem_allocations_estimate(64) WHERE name = 'Buffer Blocks'")" \
		"${#mem_nodes[@]}" "  the estimate of shared buffers has pages on every memory node"
	show_estimate
	cluster_stop p >/dev/null
else
	ok 1 "the server starts with interleave and prefault"
fi

# interleave over a list: the first and last memory nodes
list=$first,$last
if start_with "numa_pg.shared_memory_policy = 'interleave:$list'"; then
	ok 0 "the server starts with interleave:$list"
	is "$(uneven_allocations "'{$list}'")" none \
		"  each of PostgreSQL's allocations: every page on nodes $list, at most 1 page apart"
	cluster_stop p >/dev/null
else
	ok 1 "the server starts with interleave:$list"
fi

# bind and preferred: every page on the node
for policy in "bind:$last" "preferred:$first"; do
	node=${policy#*:}
	if start_with "numa_pg.shared_memory_policy = '$policy'"; then
		ok 0 "the server starts with $policy"
		like "$log" "LOG:  numa_pg: applied numa_pg.shared_memory_policy \"$policy\"" "  and logs it"
		is "$(uneven_allocations "'{$node}'")" none "  every page of PostgreSQL's allocations is on node $node"
		is "$(estimate_differs)" none "  numa_shmem_allocations_estimate(64) is exactly numa_shmem_allocations() for PostgreSQL's allocations"
		is "$(estimate_off)" none "  and numa_buffer_nodes_estimate(64) within its bound of numa_buffer_nodes()"
		cluster_stop p >/dev/null
	else
		ok 1 "the server starts with $policy"
	fi
done

# bind to a node too small for shared buffers (not prefaulted: it would not fit)
big=$((smallest_mb + 64))
msg="numa_pg: numa_pg.shared_memory_policy \"bind:$smallest\" puts [0-9]+ MB of shared memory on NUMA node\(s\) $smallest, which have [0-9]+ MB available"
if start_with "numa_pg.shared_memory_policy = 'bind:$smallest'" "shared_buffers = '${big}MB'" \
	"numa_pg.prefault = off" "numa_pg.strict = on" 2>/dev/null; then
	ok 1 "with numa_pg.strict, bind:$smallest and shared_buffers = ${big}MB do not start"
	cluster_stop p >/dev/null
else
	ok 0 "with numa_pg.strict, bind:$smallest and shared_buffers = ${big}MB do not start"
fi
like "$log" "FATAL:  $msg" "  with a FATAL naming the policy, the sizes and the node"
like "$log" "DETAIL:  Available is free memory plus reclaimable page cache\.  Under bind the kernel will not use other nodes" "  a detail"
like "$log" "HINT:  Reduce shared_buffers, bind more nodes, use interleave, or turn off numa_pg.strict" "  and a hint"
if start_with "numa_pg.shared_memory_policy = 'bind:$smallest'" "shared_buffers = '${big}MB'" "numa_pg.prefault = off"; then
	ok 0 "without numa_pg.strict it starts"
	like "$log" "WARNING:  $msg" "  with a warning"
	cluster_stop p >/dev/null
else
	ok 1 "without numa_pg.strict it starts"
fi

# a memoryless node is refused by name
for n in "${memoryless[@]}"; do
	for policy in "bind:$n" "preferred:$n"; do
		if start_with "numa_pg.shared_memory_policy = '$policy'" 2>/dev/null; then
			ok 1 "$policy (memoryless node) is refused at start"
			cluster_stop p >/dev/null
		else
			ok 0 "$policy (memoryless node) is refused at start"
		fi
		like "$log" "FATAL:  invalid value for parameter \"numa_pg.shared_memory_policy\": \"$policy\"" "  with a FATAL"
		like "$log" "DETAIL:  NUMA node $n has no memory this server may use\." "  saying the node has no memory"
		like "$log" "HINT:  Name nodes with memory that this server may use" "  and a hint"
	done
done

done_testing
