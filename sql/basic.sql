--
-- basic.sql: numa_pg installs, and its functions return rows of the right
-- shape on any machine (exact values are checked by the pgTAP suite
-- against numactl, and by the multi-node guests).
--
CREATE EXTENSION numa_pg;

SELECT count(*) >= 1 AS has_nodes,
       bool_and(cpu_count = cardinality(cpus)) AS counts_match,
       bool_and(cardinality(distances) = (SELECT count(*) FROM numa_topology())) AS square_matrix,
       bool_and(memory_total >= memory_free) AS free_le_total
FROM numa_topology();

-- every CPU of the topology maps back to its node
SELECT bool_and(numa_node_of_cpu(c) = node) AS cpus_map_back
FROM numa_topology(), unnest(cpus) AS c;

-- the diagonal of the distance matrix is 10
SELECT bool_and(numa_distance(node, node) = 10) AS local_is_10 FROM numa_topology();

SELECT available, mode IN ('numa', 'single_node') AS mode_ok, preloaded, enabled
FROM numa_status();

SELECT numa_available();

-- the column set is part of the API
SELECT p.oid::regprocedure AS function, pg_get_function_result(p.oid) AS result
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'numa_pg'
ORDER BY 1::text;

-- this server runs no worker pool (numa_pg.workers = 0): the reports are empty
SELECT count(*) AS workers FROM numa_workers();
SELECT count(*) AS regions FROM numa_regions();
SELECT count(*) AS region_nodes FROM numa_region_nodes();
SELECT count(*) AS pools FROM numa_pools();
