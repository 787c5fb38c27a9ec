#!/usr/bin/env bash
# scripts/demo.sh: numa_pg on a live server, from nothing.
#
# Installs what is missing, builds and installs numa_pg, starts a
# throwaway cluster with numa_pg preloaded (as an unprivileged user), and
# shows what numa_pg sees and does: its status, the topology and distance
# matrix, the pinned workers and where the kernel put their memory, the
# allocator's pools, a round trip through the workers, and short
# benchmarks (the state store, memory latency per node pair, the hot paths
# against PostgreSQL's own).  The cluster is removed at the end.

. "$(dirname "$0")/lib.sh"

hold_machine_lock
ensure_packages $NUMAPG_PACKAGES
build_and_install
make_workdir

WORKERS=$(nproc)
[ "$WORKERS" -gt 4 ] && WORKERS=4
cluster_init demo "$(free_port)" "shared_preload_libraries = 'numa_pg'" \
	"numa_pg.workers = $WORKERS" "numa_pg.state_store_size = '16MB'" \
	"numa_pg.pool_size = '8MB'" "numa_pg.interleaved_pool_size = '8MB'" \
	"numa_pg.backend_placement = 'spread'" || exit 1
cluster_start demo || cluster_failed demo || exit 1
cluster_env demo

psql_demo() { "$PG_BIN/psql" -X -q -d postgres "$@"; }

say "what numa_pg logged at server start"
grep 'numa_pg:' "$(cluster_log demo)" | sed 's/^.*LOG:  //'

psql_demo -c 'CREATE EXTENSION numa_pg'

say "SELECT * FROM numa_status();"
psql_demo -x -c 'SELECT * FROM numa_status()'

say "SELECT * FROM numa_topology();"
psql_demo -x -c 'SELECT * FROM numa_topology()'

say "distance matrix: SELECT a.node, b.node, numa_distance(a.node, b.node) ..."
psql_demo -c "SELECT a.node AS from_node, string_agg(numa_distance(a.node, b.node)::text, ' ' ORDER BY b.node) AS distances_to_each_node
FROM numa_topology() a, numa_topology() b GROUP BY a.node ORDER BY a.node"

say "which node each CPU is on: SELECT cpu, numa_node_of_cpu(cpu) ..."
psql_demo -c "SELECT cpu, numa_node_of_cpu(cpu) AS node FROM numa_topology(), unnest(cpus) AS cpu ORDER BY cpu"

say "the workers, each pinned to its CPU: SELECT ... FROM numa_workers();"
psql_demo -c "SELECT worker, pid, cpu, node, memory_node, pinned, last_cpu, affinity, queue_depths FROM numa_workers()"

say "where the kernel put their memory (move_pages): SELECT ... FROM numa_regions();"
psql_demo -c "SELECT name, kind, policy, target_node, pg_size_pretty(size) AS size, pages, pages_on_target, pages_elsewhere, pages_not_faulted FROM numa_regions()"

say "the NUMA allocator's pools: SELECT * FROM numa_pools();"
psql_demo -c "SELECT * FROM numa_pools()"

say "PostgreSQL's own processes on nodes: SELECT ... FROM numa_processes();"
psql_demo -c "SELECT pid, backend_type, cpu, node, cpus_allowed, memory_policy, policy_nodes, placed_node FROM numa_processes()"

say "their memory per node, from numa_maps: SELECT ... FROM numa_process_nodes();"
psql_demo -c "SELECT p.backend_type, n.kind, n.node, sum(n.pages) AS pages
FROM numa_process_nodes() n JOIN numa_processes() p USING (pid) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"

say "client backends placed on nodes (numa_pg.backend_placement = 'spread'): SELECT * FROM numa_backend_nodes();"
psql_demo -c "SELECT * FROM numa_backend_nodes()"

say "the kernel's NUMA counters per node (as numastat prints them): SELECT * FROM numa_node_stats();"
psql_demo -c "SELECT * FROM numa_node_stats()"

say "is this machine set up right for PostgreSQL on NUMA? SELECT name, status, found FROM numa_check();"
psql_demo -c "SELECT name, status, found FROM numa_check()"

say "a round trip through the workers"
psql_demo -c "SELECT numa_state_put('greeting', convert_to('hello from a NUMA-local state store', 'UTF8'))" \
	-c "SELECT numa_state_worker('greeting') AS owner, convert_from(numa_state_get('greeting'), 'UTF8') AS value"

say "short benchmark: 20000 puts and 20000 gets through SQL (one backend, one request at a time)"
psql_demo -c "CREATE TEMP TABLE t AS SELECT clock_timestamp() AS t0;
SELECT count(numa_state_put('bench-' || g, '\x00112233'::bytea)) FROM generate_series(1, 20000) g;
CREATE TEMP TABLE t1 AS SELECT clock_timestamp() AS t1;
SELECT count(numa_state_get('bench-' || g)) FROM generate_series(1, 20000) g;
SELECT round(extract(epoch FROM (t1 - t0)) * 1e6 / 20000, 1) AS us_per_put,
       round(extract(epoch FROM (clock_timestamp() - t1)) * 1e6 / 20000, 1) AS us_per_get
FROM t, t1" -c "SELECT worker, state_entries, wal_flushed_records, wal_flushes, wal_flush_lsn FROM numa_workers()"

say "short benchmark: the state store's hot path in C (16 MB store, half full)"
"$NUMAPG_SRC/test/unit/bin/bench_state_store" 16 | grep '^# ' | sed 's/^# //'

say "short benchmark: memory latency and bandwidth per (CPU node, memory node)"
psql_demo -c "SET client_min_messages = warning" -c "SELECT cpu_node, cpu, memory_node, distance,
       round(latency_ns::numeric, 1) AS latency_ns, round(bandwidth_mb_s::numeric) AS bandwidth_mb_s,
       round(latency_ratio::numeric, 2) AS latency_ratio, pages_on_node, bound
FROM numa_memory_latency(64, 200)"

say "short benchmark: numa_pg's hot paths against PostgreSQL's own (bench/run.sh does it properly)"
psql_demo -c "CREATE EXTENSION numa_pg_bench" -c "SELECT benchmark, implementation, placement, round(ns_per_op::numeric, 1) AS ns_per_op,
       round(ratio_vs_postgres::numeric, 2) AS times_faster
FROM (SELECT * FROM numa_bench_state(10000, 500000)
      UNION ALL SELECT * FROM numa_bench_wal(50000)
      UNION ALL SELECT * FROM numa_bench_queue(500000)) AS b"

say "demo done; the cluster is stopped and removed"
