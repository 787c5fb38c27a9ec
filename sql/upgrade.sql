--
-- Upgrade scripts: ALTER EXTENSION numa_pg UPDATE from 1.0 gives the same
-- objects (definitions, comments, privileges) as a fresh CREATE EXTENSION.
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
$$;
DROP EXTENSION numa_pg;
CREATE EXTENSION numa_pg VERSION '1.0';
CREATE TEMP TABLE v10 AS SELECT * FROM numa_pg_objects();
ALTER EXTENSION numa_pg UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'numa_pg';
CREATE TEMP TABLE updated AS SELECT * FROM numa_pg_objects();
DROP EXTENSION numa_pg;
CREATE EXTENSION numa_pg;
CREATE TEMP TABLE fresh AS SELECT * FROM numa_pg_objects();
-- what differs between an updated and a fresh 1.1 (nothing may)
(SELECT 'only after update' AS "where", object FROM (SELECT * FROM updated EXCEPT SELECT * FROM fresh) AS a
 UNION ALL
 SELECT 'only when fresh', object FROM (SELECT * FROM fresh EXCEPT SELECT * FROM updated) AS b)
ORDER BY 1, 2;
-- 1.1 keeps every object of 1.0 as it was, and adds some
SELECT count(*) AS changed_or_lost FROM (SELECT * FROM v10 EXCEPT SELECT * FROM fresh) AS c;
SELECT (SELECT count(*) FROM fresh) > (SELECT count(*) FROM v10) AS adds_objects;
-- the available versions and the update path
SELECT name, version, installed FROM pg_available_extension_versions WHERE name = 'numa_pg' ORDER BY version;
SELECT source, target, path FROM pg_extension_update_paths('numa_pg') WHERE path IS NOT NULL ORDER BY 1, 2;
DROP FUNCTION numa_pg_objects();
