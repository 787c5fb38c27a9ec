#!/usr/bin/env bash
# test/numa-vm/t/state_nodes.sh: TAP.  The state stores used from backends
# on every node of a NUMA guest: with numa_pg.direct_writes on (the
# default), a backend changes the owning worker's store, and stages the
# change's WAL record in the worker's staging buffer, itself, wherever it
# runs; the stores must stay where they were placed, and every read, from
# any node, must see exactly what was written.
#
#  - a server with one worker per CPU (pinned one per CPU, so the workers
#    sit on every node with CPUs, the memoryless one included);
#  - for each node with CPUs, a psql session kept open, its backend pinned
#    from outside on that node's CPUs (taskset), checked from
#    /proc/PID/stat and numa_process();
#  - each backend puts, with numa_state_put() and numa_state_put_many(),
#    keys owned by every worker (so on every node); then each reads back
#    what the others wrote, with numa_state_get() and
#    numa_state_get_many(), byte for byte; then each deletes and overwrites
#    some of the next node's keys; then each reads every key again: the
#    deleted ones absent, the others at their latest value;
#  - numa_regions() and numa_region_nodes() (move_pages, the kernel's
#    answer) before and after: every state store and WAL staging buffer has
#    all its pages on its worker's memory node, all faulted in, and the
#    same page counts per node after the remote writes as before;
#  - after numa_state_flush(): every worker's wal_flushed_bytes grew, its
#    wal_flushed_records by exactly the changes made to its store, nothing
#    is left staged; and, from a logical slot (test_decoding) created
#    before the writes, the numa_pg messages in WAL hold every key and
#    every value written, and as many bytes as wal_flushed_bytes grew.
#
# How it fails: a store or staging buffer not on its worker's node (as a
# build with NUMAPG_TEST_MISPLACE=1 makes it), or pages that moved or were
# faulted in elsewhere by the remote writes, make the placement tests
# print, per region, the pages that are on the wrong node; a read from
# any node that returns another key's value, a stale or torn one, a
# deleted key or nothing, makes the read tests list those keys (each value
# is a function of its key and version, and is compared whole).
#
# Run by guest-test.sh with prove, as root, after the main cluster stopped.

. "$(dirname "$0")/../../t/tap.bash"
make_workdir

# the nodes with CPUs, and their CPUs (kernel lists), from sysfs
cpu_nodes=()
declare -A node_cpus=()
for d in /sys/devices/system/node/node[0-9]*; do
	c=$(cat "$d/cpulist")
	[ -n "$c" ] || continue
	cpu_nodes+=("${d##*node}")
	node_cpus[${d##*node}]=$c
done
nnodes=${#cpu_nodes[@]}
workers=$(nproc)
for n in "${cpu_nodes[@]}"; do echo "# node $n: CPUs ${node_cpus[$n]}"; done

# expand LIST: the CPUs of a kernel CPU list, comma-separated ("0,4", "2,3")
expand() {
	local item
	for item in ${1//,/ }; do
		seq "${item%-*}" "${item#*-}"
	done | paste -sd,
}

# in_list CPU LIST: CPU is one of the kernel CPU list's
in_list() { [[ ,$(expand "$2"), == *,$1,* ]]; }

# sql QUERY: on the cluster, errors shown in the output
sql() { sql_value s "$1" 2>&1; }

cluster_init s "$(free_port)" "shared_preload_libraries = 'numa_pg'" "jit = off" \
	"numa_pg.workers = $workers" "numa_pg.state_store_size = '1MB'" \
	"numa_pg.wal_staging_size = '256kB'" "wal_level = logical"
cluster_start s || cluster_failed s
ok $? "the server starts with numa_pg.workers = $workers (one per CPU), wal_level = logical"
sql "CREATE EXTENSION numa_pg" >/dev/null
wait_until sql_is s "SELECT count(*) FILTER (WHERE running AND pinned AND last_cpu = cpu) FROM numa_workers()" "$workers"
ok $? "all $workers workers run, each pinned on its own CPU"
is "$(sql "SELECT string_agg(node::text, ' ' ORDER BY node) FROM (SELECT DISTINCT node FROM numa_workers()) AS n")" \
	"${cpu_nodes[*]}" "the workers sit on every node with CPUs"
sql "SELECT worker, cpu, node, memory_node FROM numa_workers() ORDER BY worker" | sed 's/^/#   worker|cpu|node|memory node: /'

# Where each worker's state store and WAL staging buffer are, from the
# kernel: "COUNT none", or what is wrong, per region.
REGIONS="numa_regions() AS r JOIN numa_workers() AS w USING (worker)"
KINDS="r.kind IN ('state_store', 'wal_staging')"
regions_misplaced() {
	sql "SELECT count(*) || ' ' || coalesce(string_agg(format('%s: %s of %s pages on node %s (target %s), %s elsewhere, %s not faulted in',
	       r.name, r.pages_on_target, r.pages, w.memory_node, r.target_node, r.pages_elsewhere, r.pages_not_faulted), '; ')
	       FILTER (WHERE r.pages = 0 OR r.target_node IS DISTINCT FROM w.memory_node OR r.pages_on_target <> r.pages
	               OR r.pages_elsewhere <> 0 OR r.pages_not_faulted <> 0), 'none')
	     FROM $REGIONS WHERE $KINDS"
}
# the same from numa_region_nodes(), per region and node: the pages on any
# node but the worker's memory node (or not faulted in)
REGION_NODES="SELECT rn.name, rn.node, rn.pages, w.memory_node
              FROM numa_region_nodes() AS rn JOIN numa_regions() AS r USING (name)
              JOIN numa_workers() AS w USING (worker) WHERE $KINDS"
region_pages_elsewhere() {
	sql "SELECT coalesce(string_agg(format('%s: %s pages on node %s', name, pages, coalesce(node::text, 'none (not faulted in)')), '; '), 'none')
	     FROM ($REGION_NODES) AS rn WHERE node IS DISTINCT FROM memory_node"
}

is "$(regions_misplaced)" "$((2 * workers)) none" \
	"before: each of the $workers state stores and WAL staging buffers has every page on its worker's memory node, all faulted in (numa_regions)"
is "$(region_pages_elsewhere)" none "before: numa_region_nodes() finds none of their pages on another node"
sql "CREATE TABLE sn_regions_before AS SELECT name, node, pages FROM ($REGION_NODES) AS rn" >/dev/null

# The keys: for each node with CPUs, for each worker, 3 put one by one
# (kind 'one') and 3 in one numa_state_put_many() call (kind 'many'), by
# that node's backend.  A value is a function of its key and version, of
# 33 to 270 bytes: a wrong, stale, torn or another key's value differs.
nodes_sql="'{$(IFS=,; echo "${cpu_nodes[*]}")}'::int[]"
sql "CREATE FUNCTION sn_value(k text, version int) RETURNS bytea LANGUAGE sql IMMUTABLE AS \$\$
       SELECT (SELECT string_agg(sha256(convert_to(k || '#' || version || '#' || i, 'UTF8')), ''::bytea ORDER BY i)
               FROM generate_series(0, get_byte(sha256(convert_to(k, 'UTF8')), 0) % 8) AS i)
              || convert_to(k, 'UTF8') \$\$;
     CREATE TABLE sn_keys (k text PRIMARY KEY, node int, kind text, worker int, r int, value bytea,
                           deleted boolean NOT NULL DEFAULT false);
     INSERT INTO sn_keys (k, node, kind, worker, r, value)
     SELECT k, node, kind, worker, r, sn_value(k, 1) FROM (
       SELECT k, node, kind, worker, row_number() OVER (PARTITION BY node, kind, worker ORDER BY k) AS r
       FROM (SELECT k, node, kind, numa_state_worker(k) AS worker
             FROM unnest($nodes_sql) AS node, unnest('{one,many}'::text[]) AS kind, generate_series(1, 400) AS g,
                  LATERAL format('sn/%s/%s/%s', node, kind, lpad(g::text, 5, '0')) AS k) AS c) AS x
     WHERE r <= 3" >/dev/null
per_node=$((2 * 3 * workers))
is "$(sql "SELECT count(*) || ' ' || count(DISTINCT worker) FROM sn_keys")" "$((nnodes * per_node)) $workers" \
	"$((nnodes * per_node)) keys to write, $per_node for each node's backend, owned by all $workers workers"
sql "SELECT 'values of ' || min(length(value)) || ' to ' || max(length(value)) || ' bytes' FROM sn_keys" | sed 's/^/# /'

# the WAL as it is before the writes: what the workers have flushed, and a
# slot that will decode what comes after
sql "SELECT numa_state_flush()" >/dev/null
sql "CREATE TABLE sn_wal_before AS SELECT worker, wal_flushed_records, wal_flushed_bytes FROM numa_workers()" >/dev/null
# (a statement of its own: a slot cannot be created in a transaction that wrote)
sql "SELECT pg_create_logical_replication_slot('sn', 'test_decoding')" >/dev/null

# The backends kept open: per node, a psql reading from a fifo, its output
# in a file.
declare -A kept_fd=() kept_pid=()
kept_seq=0
open_backend() {
	local node=$1 fd
	mkfifo "$NUMAPG_WORK/kept$node.in"
	(
		cluster_env s
		exec stdbuf -o0 -e0 "$PG_BIN/psql" -X -At -d postgres -v VERBOSITY=verbose \
			<"$NUMAPG_WORK/kept$node.in" >"$NUMAPG_WORK/kept$node.out" 2>&1
	) &
	exec {fd}>"$NUMAPG_WORK/kept$node.in"
	kept_fd[$node]=$fd
}
# kept NODE SQL: run SQL in node NODE's backend; its output in $KEPT
kept() {
	local file=$NUMAPG_WORK/kept$1.out before
	kept_seq=$((kept_seq + 1))
	before=$(wc -l <"$file")
	printf '%s;\n\\echo end-%d\n' "$2" "$kept_seq" >&"${kept_fd[$1]}"
	for _ in $(seq 1 600); do
		grep -q "^end-$kept_seq\$" "$file" && break
		sleep 0.5
	done
	grep -q "^end-$kept_seq\$" "$file" || echo "# the backend on node $1 did not answer"
	KEPT=$(tail -n +$((before + 1)) "$file" | sed "/^end-$kept_seq\$/,\$d")
}
# where NODE: "CPU NODE" of node NODE's backend, from /proc/PID/stat's
# processor field (the CPU it last ran on) and numa_node_of_cpu()
proc_cpu() { sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f37; }

# 1. each node's backend, pinned on its node's CPUs
for n in "${cpu_nodes[@]}"; do
	open_backend "$n"
	kept "$n" "SELECT pg_backend_pid()"
	kept_pid[$n]=$KEPT
	taskset -cp "${node_cpus[$n]}" "${kept_pid[$n]}" >/dev/null
	ok $? "node $n: backend ${kept_pid[$n]} pinned on CPUs ${node_cpus[$n]} (taskset -cp)"
	kept "$n" "SELECT cpu || ' ' || node || ' ' || array_to_string(cpus_allowed, ',') FROM numa_process()"
	read -r cpu node allowed <<<"$KEPT"
	is "${node:-}|${allowed:-}" "$n|$(expand "${node_cpus[$n]}")" \
		"  numa_process(): it runs on node $n (CPU ${cpu:-?}), allowed CPUs $(expand "${node_cpus[$n]}") only"
	pcpu=$(proc_cpu "${kept_pid[$n]}")
	in_list "$pcpu" "${node_cpus[$n]}"
	ok $? "  /proc/${kept_pid[$n]}/stat: it last ran on CPU $pcpu, one of node $n's"
done

# 2. each backend puts its keys, owned by workers on every node
for n in "${cpu_nodes[@]}"; do
	is "$(sql "SELECT count(DISTINCT s.worker) || ' ' || count(DISTINCT w.node) FROM sn_keys AS s JOIN numa_workers() AS w USING (worker) WHERE s.node = $n")" \
		"$workers $nnodes" "node $n's keys are owned by all $workers workers, on all $nnodes nodes (numa_state_worker, numa_workers)"
	kept "$n" "SELECT count(*) FROM sn_keys AS s, LATERAL numa_state_put(s.k, s.value) WHERE s.node = $n AND s.kind = 'one';
	           SELECT count(*) FROM (SELECT array_agg(k ORDER BY k) AS ks, array_agg(value ORDER BY k) AS vs
	                                 FROM sn_keys WHERE node = $n AND kind = 'many') AS a,
	                                LATERAL numa_state_put_many(a.ks, a.vs)"
	is "$KEPT" "$((3 * workers))
1" "  the backend on node $n puts $((3 * workers)) keys with numa_state_put() and $((3 * workers)) with one numa_state_put_many()"
done

# reads_wrong NODE WHERE EXPECTED: the keys of sn_keys matching WHERE that
# numa_state_get() in node NODE's backend does not return as EXPECTED (an
# expression of sn_keys' columns), then the same with one
# numa_state_get_many() of them all: "COUNT none COUNT none" when all
# match (each get_many row in the order of the keys asked)
reads_wrong() {
	kept "$1" "SELECT count(*) || ' ' || coalesce(string_agg(k, ' ' ORDER BY k) FILTER (WHERE numa_state_get(k) IS DISTINCT FROM $3), 'none')
	           FROM sn_keys WHERE $2;
	           WITH want AS (SELECT row_number() OVER (ORDER BY k) AS i, k, $3 AS expected FROM sn_keys WHERE $2),
	                got AS (SELECT g.key, g.value, g.i FROM numa_state_get_many((SELECT array_agg(k ORDER BY k) FROM sn_keys WHERE $2))
	                        WITH ORDINALITY AS g(key, value, i))
	           SELECT count(got.i) || ' ' || coalesce(string_agg(coalesce(want.k, got.key, '?'), ' ' ORDER BY coalesce(want.i, got.i))
	                  FILTER (WHERE got.key IS DISTINCT FROM want.k OR got.value IS DISTINCT FROM want.expected), 'none')
	           FROM want FULL JOIN got USING (i)"
	echo "$KEPT" | tr '\n' ' ' | sed 's/ $//'
}

# 3. each backend reads what the other nodes' backends wrote
for n in "${cpu_nodes[@]}"; do
	others=$((per_node * (nnodes - 1)))
	is "$(reads_wrong "$n" "node <> $n" value)" "$others none $others none" \
		"node $n's backend reads the $others keys the other nodes' backends wrote, each value exact, with numa_state_get() and numa_state_get_many()"
done

# 4. each backend deletes and overwrites some of the next node's keys: per
# worker and kind, the first key deleted, the second overwritten (by
# numa_state_put_many()), and the third of kind 'one' overwritten by
# numa_state_put()
for i in "${!cpu_nodes[@]}"; do
	n=${cpu_nodes[i]} m=${cpu_nodes[(i + 1) % nnodes]}
	kept "$n" "SELECT count(*) FILTER (WHERE d) || ' ' || count(*) FROM (SELECT numa_state_delete(k) AS d FROM sn_keys WHERE node = $m AND r = 1) AS x;
	           SELECT count(*) FROM (SELECT array_agg(k ORDER BY k) AS ks, array_agg(sn_value(k, 2) ORDER BY k) AS vs
	                                 FROM sn_keys WHERE node = $m AND r = 2) AS a,
	                                LATERAL numa_state_put_many(a.ks, a.vs);
	           SELECT count(*) FROM sn_keys AS s, LATERAL numa_state_put(s.k, sn_value(s.k, 2)) WHERE s.node = $m AND s.r = 3 AND s.kind = 'one'"
	is "$KEPT" "$((2 * workers)) $((2 * workers))
1
$workers" "node $n's backend deletes $((2 * workers)) of node $m's keys (each there), overwrites $((2 * workers)) with numa_state_put_many() and $workers with numa_state_put()"
done
sql "UPDATE sn_keys SET deleted = (r = 1), value = CASE WHEN r = 2 OR (r = 3 AND kind = 'one') THEN sn_value(k, 2) ELSE value END" >/dev/null

# 5. each backend reads every key again, still on its node
for n in "${cpu_nodes[@]}"; do
	all=$((per_node * nnodes))
	is "$(reads_wrong "$n" true "CASE WHEN deleted THEN NULL ELSE value END")" "$all none $all none" \
		"node $n's backend reads all $all keys after the deletes and overwrites from other nodes: deleted ones absent, the rest at their latest value"
	kept "$n" "SELECT node FROM numa_process()"
	pcpu=$(proc_cpu "${kept_pid[$n]}")
	in_list "$pcpu" "${node_cpus[$n]}" && [ "$KEPT" = "$n" ]
	ok $? "  and it has stayed on node $n (numa_process() says node $KEPT, /proc/PID/stat CPU $pcpu)"
done

is "$(sql "SELECT coalesce(string_agg(format('worker %s: %s entries, %s expected', w.worker, w.state_entries, coalesce(e.n, 0)), '; '), 'none')
           FROM numa_workers() AS w LEFT JOIN (SELECT worker, count(*) AS n FROM sn_keys WHERE NOT deleted GROUP BY worker) AS e USING (worker)
           WHERE w.state_entries <> coalesce(e.n, 0)")" none \
	"each worker's store holds exactly the keys left for it (numa_workers().state_entries)"

# 6. the stores did not move
is "$(regions_misplaced)" "$((2 * workers)) none" \
	"after the remote writes: every state store and WAL staging buffer still has every page on its worker's memory node (numa_regions)"
is "$(region_pages_elsewhere)" none "after: numa_region_nodes() finds none of their pages on another node"
is "$(sql "SELECT coalesce(string_agg(format('%s node %s: %s pages before, %s after', name, node, b.pages, a.pages), '; '), 'none')
           FROM sn_regions_before AS b
           FULL JOIN ($REGION_NODES) AS a
           USING (name, node) WHERE a.pages IS DISTINCT FROM b.pages")" none \
	"after: each region has the same number of pages on each node as before (nothing moved or was allocated elsewhere)"

# 7. the WAL of the remote changes, flushed from the last node's backend
last=${cpu_nodes[nnodes - 1]}
kept "$last" "SELECT numa_state_flush() IS NOT NULL"
is "$KEPT" t "numa_state_flush() from node $last's backend"
# per worker, the records: a put per key, an overwrite of r = 2 and of
# r = 3 of kind 'one', a deletion of r = 1
WAL="numa_workers() AS w JOIN sn_wal_before AS b USING (worker)
     LEFT JOIN (SELECT worker, count(*) AS n, sum(CASE WHEN r = 3 AND kind = 'many' THEN 1 ELSE 2 END) AS records
                FROM sn_keys GROUP BY worker) AS e USING (worker)"
is "$(sql "SELECT count(e.n) || ' ' || coalesce(string_agg(format('worker %s: %s -> %s bytes', worker, b.wal_flushed_bytes, w.wal_flushed_bytes), '; ')
           FILTER (WHERE e.n > 0 AND w.wal_flushed_bytes <= b.wal_flushed_bytes), 'none') FROM $WAL")" "$workers none" \
	"wal_flushed_bytes grew for each of the $workers workers that own a written key"
is "$(sql "SELECT coalesce(string_agg(format('worker %s: %s records flushed, %s changes made', worker,
                  w.wal_flushed_records - b.wal_flushed_records, coalesce(e.records, 0)), '; '), 'none')
           FROM $WAL WHERE w.wal_flushed_records - b.wal_flushed_records <> coalesce(e.records, 0)")" none \
	"each worker's wal_flushed_records grew by exactly the puts and deletes made to its store"
is "$(sql "SELECT coalesce(string_agg(format('worker %s: %s bytes', worker, wal_staged_bytes), '; '), 'none') FROM numa_workers() WHERE wal_staged_bytes <> 0")" none \
	"nothing is left staged (wal_staged_bytes = 0 for every worker)"

# what reached WAL, decoded from the slot: numa_pg's messages (test_decoding
# prints "message: transactional: 0 prefix: numa_pg, sz: N content:" and
# the bytes of the message)
MSGS="(SELECT data, substring(convert_from(substring(data FROM 1 FOR position(convert_to('content:', 'UTF8') IN data)), 'UTF8')
                              FROM 'sz: ([0-9]+)')::bigint AS sz
       FROM sn_msgs)"
sql "CREATE TABLE sn_msgs AS SELECT data FROM pg_logical_slot_get_binary_changes('sn', NULL, NULL)
     WHERE position(convert_to('prefix: numa_pg,', 'UTF8') IN data) > 0" >/dev/null
is "$(sql "SELECT coalesce(string_agg(k || CASE WHEN value = sn_value(k, 1) THEN '' ELSE ' (version 2)' END, ' ' ORDER BY k), 'none')
           FROM sn_keys AS s
           WHERE NOT EXISTS (SELECT 1 FROM sn_msgs AS m WHERE position(sn_value(s.k, 1) IN m.data) > 0)
              OR NOT EXISTS (SELECT 1 FROM sn_msgs AS m WHERE position(s.value IN m.data) > 0)")" none \
	"the numa_pg WAL messages (logical decoding) hold every key and value written from every node"
is "$(sql "SELECT (SELECT coalesce(sum(sz), 0) FROM $MSGS AS m) = (SELECT sum(w.wal_flushed_bytes - b.wal_flushed_bytes) FROM $WAL)
           AND (SELECT count(*) FROM sn_msgs) > 0")" t \
	"and as many bytes as the workers' wal_flushed_bytes grew"
sql "SELECT count(*) || ' numa_pg messages, ' || sum(sz) || ' bytes' FROM $MSGS AS m" | sed 's/^/# /'

for n in "${cpu_nodes[@]}"; do
	fd=${kept_fd[$n]}
	printf '\\q\n' >&"$fd"
	exec {fd}>&-
done
wait
done_testing
