--
-- Upgrade scripts: ALTER EXTENSION numa_pg UPDATE from 1.0, 1.1, 1.2, 1.3 or 1.4 (every
-- earlier version) gives the same objects (definitions, comments, privileges) as a
-- fresh CREATE EXTENSION.
--
CREATE FUNCTION numa_pg_objects()
RETURNS TABLE (object text, definition text, comment text, acl text)
LANGUAGE sql AS $$
	SELECT pg_describe_object(d.classid, d.objid, 0),
		   CASE WHEN d.classid = 'pg_proc'::regclass THEN pg_get_functiondef(d.objid) END,
		   obj_description(d.objid, d.classid::regclass::text),
		   CASE WHEN d.classid = 'pg_proc'::regclass
				THEN (SELECT proacl::text FROM pg_proc WHERE oid = d.objid) END
	FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
	WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'numa_pg'
	  -- 18 and 19 (not 15) also record a composite type's array type as a member
	  -- (dropped with its element type on every version)
	  AND NOT (d.classid = 'pg_type'::regclass AND
			   EXISTS (SELECT FROM pg_type t WHERE t.oid = d.objid AND t.typcategory = 'A'))
$$;
-- a fresh install of the default version
DROP EXTENSION numa_pg;
CREATE EXTENSION numa_pg;
SELECT extversion FROM pg_extension WHERE extname = 'numa_pg';
CREATE TEMP TABLE fresh AS SELECT * FROM numa_pg_objects();
-- from 1.0 and from 1.1: what differs between an updated and a fresh
-- install (nothing may)
DROP EXTENSION numa_pg;
CREATE EXTENSION numa_pg VERSION '1.0';
CREATE TEMP TABLE v10 AS SELECT * FROM numa_pg_objects();
ALTER EXTENSION numa_pg UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'numa_pg';
CREATE TEMP TABLE from10 AS SELECT * FROM numa_pg_objects();
DROP EXTENSION numa_pg;
CREATE EXTENSION numa_pg VERSION '1.1';
CREATE TEMP TABLE v11 AS SELECT * FROM numa_pg_objects();
ALTER EXTENSION numa_pg UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'numa_pg';
CREATE TEMP TABLE from11 AS SELECT * FROM numa_pg_objects();
DROP EXTENSION numa_pg;
CREATE EXTENSION numa_pg VERSION '1.2';
CREATE TEMP TABLE v12 AS SELECT * FROM numa_pg_objects();
-- numa_status() as 1.2 declares it (eight columns), called on the 1.3
-- library: each column has its value, of its type
SELECT available IS NOT NULL AS available_set, mode IN ('numa', 'single_node', 'unavailable', 'disabled') AS mode_known,
       node_count >= 1 AS nodes, memory_node_count BETWEEN 1 AND node_count AS memory_nodes,
       cpu_count >= 1 AS cpus, preloaded, enabled
FROM numa_status();
ALTER EXTENSION numa_pg UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'numa_pg';
CREATE TEMP TABLE from12 AS SELECT * FROM numa_pg_objects();
DROP EXTENSION numa_pg;
CREATE EXTENSION numa_pg VERSION '1.3';
CREATE TEMP TABLE v13 AS SELECT * FROM numa_pg_objects();
ALTER EXTENSION numa_pg UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'numa_pg';
CREATE TEMP TABLE from13 AS SELECT * FROM numa_pg_objects();
DROP EXTENSION numa_pg;
CREATE EXTENSION numa_pg VERSION '1.4';
CREATE TEMP TABLE v14 AS SELECT * FROM numa_pg_objects();
-- the benchmarks as 1.4 declares them, called on the 1.5 library: an error
-- that says where they went; and numa_pg_bench refuses to be created
-- before numa_pg is updated (its names would clash with 1.4's)
SELECT * FROM numa_bench_state(10, 10);
SELECT * FROM numa_bench_wal(10);
SELECT * FROM numa_bench_queue(10);
-- (18 and later add the extension script's line to the context)
\set SHOW_CONTEXT never
CREATE EXTENSION numa_pg_bench;
\set SHOW_CONTEXT errors
ALTER EXTENSION numa_pg UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'numa_pg';
CREATE TEMP TABLE from14 AS SELECT * FROM numa_pg_objects();
-- once updated, numa_pg_bench declares them (rows are test/bench.sql's)
CREATE EXTENSION numa_pg_bench;
SELECT p.oid::regprocedure AS function, pg_get_function_result(p.oid) AS result,
       proacl IS NOT NULL AND NOT has_function_privilege('public', p.oid, 'EXECUTE') AS not_public
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'numa_pg_bench'
ORDER BY 1::text;
DROP EXTENSION numa_pg_bench;
(SELECT 'only after update from 1.0' AS "where", object FROM (SELECT * FROM from10 EXCEPT SELECT * FROM fresh) AS a
 UNION ALL
 SELECT 'only when fresh (not from 1.0)', object FROM (SELECT * FROM fresh EXCEPT SELECT * FROM from10) AS b
 UNION ALL
 SELECT 'only after update from 1.1', object FROM (SELECT * FROM from11 EXCEPT SELECT * FROM fresh) AS c
 UNION ALL
 SELECT 'only when fresh (not from 1.1)', object FROM (SELECT * FROM fresh EXCEPT SELECT * FROM from11) AS d
 UNION ALL
 SELECT 'only after update from 1.2', object FROM (SELECT * FROM from12 EXCEPT SELECT * FROM fresh) AS h
 UNION ALL
 SELECT 'only when fresh (not from 1.2)', object FROM (SELECT * FROM fresh EXCEPT SELECT * FROM from12) AS i
 UNION ALL
 SELECT 'only after update from 1.3', object FROM (SELECT * FROM from13 EXCEPT SELECT * FROM fresh) AS l
 UNION ALL
 SELECT 'only when fresh (not from 1.3)', object FROM (SELECT * FROM fresh EXCEPT SELECT * FROM from13) AS m
 UNION ALL
 SELECT 'only after update from 1.4', object FROM (SELECT * FROM from14 EXCEPT SELECT * FROM fresh) AS p
 UNION ALL
 SELECT 'only when fresh (not from 1.4)', object FROM (SELECT * FROM fresh EXCEPT SELECT * FROM from14) AS q)
ORDER BY 1, 2;
-- what each version changed: 1.1 only adds objects to 1.0; 1.2 changes
-- numa_buffer_nodes() (its columns) and nothing else; 1.3 numa_status()
-- (two columns more) and nothing else; 1.4 only adds the two batch calls;
-- 1.5 drops the benchmarks (three functions and their type), which
-- moved to numa_pg_bench, and adds numa_processes(), numa_process_nodes(),
-- numa_backend_nodes(), numa_node_stats(), numa_vmstat(), numa_check() and
-- the two estimates
SELECT 'lost or changed in 1.1' AS "what", object FROM (SELECT * FROM v10 EXCEPT SELECT * FROM v11) AS e
UNION ALL
SELECT 'lost or changed in 1.2', object FROM (SELECT * FROM v11 EXCEPT SELECT * FROM v12) AS f
UNION ALL
SELECT 'new or changed in 1.2', object FROM (SELECT * FROM v12 EXCEPT SELECT * FROM v11) AS g
UNION ALL
SELECT 'lost or changed in 1.3', object FROM (SELECT * FROM v12 EXCEPT SELECT * FROM v13) AS j
UNION ALL
SELECT 'new or changed in 1.3', object FROM (SELECT * FROM v13 EXCEPT SELECT * FROM v12) AS k
UNION ALL
SELECT 'lost or changed in 1.4', object FROM (SELECT * FROM v13 EXCEPT SELECT * FROM v14) AS n
UNION ALL
SELECT 'new or changed in 1.4', object FROM (SELECT * FROM v14 EXCEPT SELECT * FROM v13) AS o
UNION ALL
SELECT 'lost or changed in 1.5', object FROM (SELECT * FROM v14 EXCEPT SELECT * FROM fresh) AS r
UNION ALL
SELECT 'new or changed in 1.5', object FROM (SELECT * FROM fresh EXCEPT SELECT * FROM v14) AS s
ORDER BY 1, 2;
SELECT (SELECT count(*) FROM v11) > (SELECT count(*) FROM v10) AS adds_objects_in_11;
SELECT (SELECT count(*) FROM v12) = (SELECT count(*) FROM v11) AS same_number_of_objects_in_12;
SELECT (SELECT count(*) FROM v13) = (SELECT count(*) FROM v12) AS same_number_of_objects_in_13;
SELECT (SELECT count(*) FROM v14) = (SELECT count(*) FROM v13) + 2 AS two_objects_more_in_14;
SELECT (SELECT count(*) FROM fresh) = (SELECT count(*) FROM v14) - 4 + 8 AS four_objects_fewer_eight_more_in_15;
-- numa_status() of 1.3: the memory policy the server was started under
-- (the test server is started without numactl: the default policy)
SELECT memory_policy, memory_policy_nodes FROM numa_status();
-- the available versions and the update path
SELECT name, version, installed FROM pg_available_extension_versions WHERE name = 'numa_pg' ORDER BY version;
SELECT source, target, path FROM pg_extension_update_paths('numa_pg') WHERE path IS NOT NULL ORDER BY 1, 2;
-- numa_buffer_nodes() in a database still at 1.1 (or 1.0: the same
-- declaration), with this library: the four bigint columns 1.1 declares,
-- with 1.1's meaning (each buffer whole on the node of its first page);
-- then, after ALTER EXTENSION UPDATE, 1.2's.  Checked against
-- shared_buffers and pg_buffercache (used buffers may change by a few
-- between the two scans of one query).
CREATE EXTENSION pg_buffercache;
DROP EXTENSION numa_pg;
CREATE EXTENSION numa_pg VERSION '1.1';
SELECT pg_get_function_arguments('numa_buffer_nodes'::regproc);
SELECT sum(buffers) = (SELECT setting::bigint FROM pg_settings WHERE name = 'shared_buffers') AS all_buffers,
       bool_and(buffers > 0 AND used_buffers BETWEEN 0 AND buffers AND dirty_buffers BETWEEN 0 AND used_buffers) AS each_row_sound,
       count(*) FILTER (WHERE node IS NOT NULL) <= (SELECT count(*) FROM numa_topology()) AS nodes_exist
FROM numa_buffer_nodes();
SELECT abs((SELECT sum(used_buffers) FROM numa_buffer_nodes()) -
           (SELECT count(*) FROM pg_buffercache WHERE relfilenode IS NOT NULL)) <= 16 AS used_as_pg_buffercache,
       (SELECT sum(dirty_buffers) FROM numa_buffer_nodes()) <=
       (SELECT count(*) FROM pg_buffercache WHERE isdirty) + 16 AS dirty_as_pg_buffercache;
ALTER EXTENSION numa_pg UPDATE;
SELECT pg_get_function_arguments('numa_buffer_nodes'::regproc);
SELECT round(sum(buffers)::numeric, 6) = (SELECT setting::bigint FROM pg_settings WHERE name = 'shared_buffers') AS all_buffers,
       sum(pages) BETWEEN 1 AND 2 * (SELECT setting::bigint FROM pg_settings WHERE name = 'shared_buffers') + 2 AS pages,
       bool_and(buffers >= 0 AND used_buffers BETWEEN 0 AND buffers AND dirty_buffers BETWEEN 0 AND used_buffers) AS each_row_sound
FROM numa_buffer_nodes();
SELECT abs((SELECT sum(used_buffers) FROM numa_buffer_nodes()) -
           (SELECT count(*) FROM pg_buffercache WHERE relfilenode IS NOT NULL)) <= 16 AS used_as_pg_buffercache;
DROP EXTENSION pg_buffercache;
-- declared with columns no version had: an error that says so
CREATE FUNCTION numa_buffer_nodes_misdeclared(OUT node integer, OUT buffers text)
RETURNS SETOF record AS '$libdir/numa_pg', 'numapg_sql_buffer_nodes' LANGUAGE C;
SELECT * FROM numa_buffer_nodes_misdeclared();
DROP FUNCTION numa_buffer_nodes_misdeclared();
DROP FUNCTION numa_pg_objects();
