#!/usr/bin/env bash
# scripts/demo.sh: numa_pg on a live server, from nothing.
#
# Installs what is missing, builds and installs numa_pg, starts a
# throwaway cluster with numa_pg preloaded (as an unprivileged user), and
# shows what numa_pg sees: its status, the topology, the distance matrix,
# and what it logged at start.  The cluster is removed at the end.

. "$(dirname "$0")/lib.sh"

ensure_packages $NUMAPG_PACKAGES
build_and_install
make_workdir

cluster_init demo "$(free_port)" "shared_preload_libraries = 'numa_pg'" || exit 1
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

say "demo done; the cluster is stopped and removed"
