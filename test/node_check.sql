-- test/node_check.sql: numa_node_stats() and numa_vmstat() against the
-- kernel's files and numastat, and numa_check() against the files it
-- decides on.  The counters only grow, so each value is compared with a
-- reading taken just before and one just after, never with one reading.
\set ON_ERROR_STOP true
\ir lib/setup.sql
BEGIN;
SELECT plan(23);

-- name/value lines of a counters file, parsed by SQL (not by numa_pg)
CREATE FUNCTION pg_temp.counters(path text) RETURNS TABLE (counter text, value bigint)
LANGUAGE sql AS $$
	SELECT split_part(l, ' ', 1), split_part(l, ' ', 2)::bigint
	FROM regexp_split_to_table(trim(E'\n' FROM pg_read_file(path)), E'\n') AS l
	WHERE l <> ''
$$;
-- every node's numastat file, read now
CREATE FUNCTION pg_temp.numastat_files() RETURNS TABLE (node int, counter text, value bigint)
LANGUAGE sql AS $$
	SELECT t.node, c.counter, c.value
	FROM numa_topology() AS t,
		 pg_temp.counters(format('/sys/devices/system/node/node%s/numastat', t.node)) AS c
$$;
-- numastat(8)'s table: one line per counter, one column per node (in
-- numa_topology()'s order)
CREATE TEMP TABLE numastat_out (line text);
CREATE FUNCTION pg_temp.numastat_cmd() RETURNS TABLE (node int, counter text, value bigint)
LANGUAGE sql AS $$
	WITH nodes AS (SELECT node, row_number() OVER (ORDER BY node) AS col FROM numa_topology()),
		 lines AS (SELECT regexp_split_to_array(trim(line), '\s+') AS f FROM numastat_out
				   WHERE trim(line) ~ '^[a-z_]+\s+[0-9]')
	SELECT n.node, l.f[1], l.f[n.col + 1]::bigint FROM lines l, nodes n
$$;
CREATE FUNCTION pg_temp.node_stats_long() RETURNS TABLE (node int, counter text, value bigint)
LANGUAGE sql AS $$
	SELECT s.node, c.counter, c.value FROM numa_node_stats() AS s,
		LATERAL (VALUES ('numa_hit', s.numa_hit), ('numa_miss', s.numa_miss),
						('numa_foreign', s.numa_foreign), ('interleave_hit', s.interleave_hit),
						('local_node', s.local_node), ('other_node', s.other_node)) AS c(counter, value)
$$;

COPY numastat_out FROM PROGRAM 'numastat';
CREATE TEMP TABLE cmd_before AS SELECT * FROM pg_temp.numastat_cmd();
CREATE TEMP TABLE file_before AS SELECT * FROM pg_temp.numastat_files();
CREATE TEMP TABLE vm_before AS SELECT * FROM pg_temp.counters('/proc/vmstat');
CREATE TEMP TABLE stats AS SELECT * FROM pg_temp.node_stats_long();
CREATE TEMP TABLE vm AS SELECT * FROM numa_vmstat();
CREATE TEMP TABLE vm_after AS SELECT * FROM pg_temp.counters('/proc/vmstat');
CREATE TEMP TABLE file_after AS SELECT * FROM pg_temp.numastat_files();
TRUNCATE numastat_out;
COPY numastat_out FROM PROGRAM 'numastat';
CREATE TEMP TABLE cmd_after AS SELECT * FROM pg_temp.numastat_cmd();

SELECT is((SELECT count(DISTINCT node) FROM stats), (SELECT count(*) FROM numa_topology()),
		  'numa_node_stats(): one row per node of numa_topology()');
SELECT is((SELECT count(*) FROM stats WHERE value IS NULL), 0::bigint, '  every counter known');
SELECT is((SELECT count(*) FROM stats s JOIN file_before b USING (node, counter)
		   JOIN file_after a USING (node, counter)
		   WHERE s.value BETWEEN b.value AND a.value),
		  (SELECT count(*) FROM stats),
		  '  each counter between the numastat files read just before and just after');
SELECT is((SELECT count(*) FROM stats s JOIN cmd_before b USING (node, counter)
		   JOIN cmd_after a USING (node, counter)
		   WHERE s.value BETWEEN b.value AND a.value),
		  (SELECT count(*) FROM stats),
		  '  and between numastat''s output just before and just after');
SELECT cmp_ok((SELECT sum(value) FROM stats WHERE counter = 'numa_hit'), '>', 0::numeric,
			  '  numa_hit counts allocations');

SELECT set_eq('SELECT counter FROM vm',
			  $$SELECT counter FROM vm_after WHERE counter ~ '^(numa_|pgmigrate_|thp_migration_|pgdemote_|pgpromote_|zone_reclaim_)'$$,
			  'numa_vmstat(): exactly the NUMA counters of /proc/vmstat');
SELECT is((SELECT count(*) FROM vm v JOIN vm_before b USING (counter) JOIN vm_after a USING (counter)
		   WHERE v.value BETWEEN b.value AND a.value),
		  (SELECT count(*) FROM vm),
		  '  each between /proc/vmstat read just before and just after');
SELECT is((SELECT count(*) FROM vm WHERE unit IN ('pages', 'events') AND description <> ''),
		  (SELECT count(*) FROM vm WHERE counter NOT IN
			 (SELECT counter FROM vm WHERE unit IS NULL)),
		  '  every counter numa_pg knows has a unit and a description');
SELECT ok((SELECT count(*) FROM vm WHERE counter = 'numa_hit') <= 1 AND
		  (SELECT value FROM vm WHERE counter = 'numa_hit') >=
		  (SELECT sum(value) FROM file_before WHERE counter = 'numa_hit'),
		  '  vmstat''s numa_hit is at least the sum of the nodes'' read before it');

-- numa_check(): every check once, each status one of four
CREATE TEMP TABLE checks AS SELECT * FROM numa_check();
SELECT set_eq('SELECT name FROM checks',
			  $$VALUES ('zone_reclaim_mode'), ('numa_balancing'), ('transparent_hugepages'),
					   ('shared_memory_placement'), ('free_memory_balance'), ('huge_pages_per_node'),
					   ('cpuset_and_policy'), ('sub_numa_clustering'), ('memoryless_nodes'),
					   ('worker_pinning'), ('swap'), ('backend_placement')$$,
			  'numa_check(): the twelve checks');
SELECT is((SELECT count(*) FROM checks WHERE status IN ('ok', 'warning', 'problem', 'skipped')
		   AND found <> '' AND (status NOT IN ('warning', 'problem') OR (why <> '' AND action <> ''))),
		  12::bigint, '  each with a status, what was found, and why and what to do when not ok');

-- the files they decide on, read in the same test
SELECT trim(E'\n' FROM pg_read_file('/proc/sys/vm/zone_reclaim_mode')) AS zone_reclaim,
	   substring(pg_read_file('/sys/kernel/mm/transparent_hugepage/enabled') FROM '\[(\w+)\]') AS thp,
	   (SELECT count(*) FROM numa_topology() WHERE has_memory AND memory_allowed) AS memory_nodes,
	   (SELECT count(*) FROM numa_topology()) AS nodes,
	   substring(pg_read_file('/proc/meminfo') FROM 'SwapTotal:\s+(\d+)')::bigint AS swap_total_kb
\gset
SELECT is((SELECT found FROM checks WHERE name = 'zone_reclaim_mode') ~ ('vm.zone_reclaim_mode is ' || :'zone_reclaim' || '($|,)'),
		  true, 'zone_reclaim_mode: the value of /proc/sys/vm/zone_reclaim_mode');
SELECT is((SELECT status FROM checks WHERE name = 'zone_reclaim_mode'),
		  CASE WHEN :'zone_reclaim' = '0' OR :memory_nodes < 2 THEN 'ok' ELSE 'problem' END,
		  '  ok when 0 (or one memory node), a problem otherwise');
SELECT is((SELECT found FROM checks WHERE name = 'transparent_hugepages'),
		  'transparent huge pages are enabled ' || :'thp', 'transparent_hugepages: the mode of the THP file');
SELECT is((SELECT status FROM checks WHERE name = 'transparent_hugepages'),
		  CASE :'thp' WHEN 'always' THEN 'warning' ELSE 'ok' END, '  a warning only for always');
SELECT is((SELECT status FROM checks WHERE name = 'swap'),
		  CASE WHEN :swap_total_kb = 0 THEN 'ok' END,
		  'swap: ok without swap (this machine and the guests have none)');
SELECT is((SELECT array_agg(name ORDER BY name) FROM checks WHERE status = 'skipped'
		   AND name IN ('numa_balancing', 'shared_memory_placement', 'free_memory_balance',
						'sub_numa_clustering', 'memoryless_nodes')),
		  CASE WHEN :nodes = 1 THEN ARRAY['free_memory_balance', 'memoryless_nodes', 'numa_balancing',
										  'shared_memory_placement', 'sub_numa_clustering'] END,
		  'the checks that need several nodes are skipped on one node, and made on several');
SELECT is((SELECT status || ': ' || found FROM checks WHERE name = 'backend_placement'),
		  CASE WHEN current_setting('numa_pg.backend_placement') = 'off'
			   THEN 'skipped: numa_pg.backend_placement is off: no backend is placed' END,
		  'backend_placement: skipped while numa_pg.backend_placement is off (as in this suite)');
SELECT is((SELECT found FROM checks WHERE name = 'worker_pinning'),
		  format('all %s worker(s) are running, each pinned to its planned CPU alone', :'workers'),
		  'worker_pinning: every worker of numa_workers() pinned');
SELECT is((SELECT status FROM checks WHERE name = 'cpuset_and_policy'),
		  CASE WHEN (SELECT bool_and(memory_allowed OR NOT has_memory) AND
							sum(cardinality(cpus_allowed)) = sum(cpu_count) FROM numa_topology())
				AND (SELECT memory_policy = 'default' FROM numa_status())
			   THEN 'ok' ELSE 'warning' END,
		  'cpuset_and_policy: ok exactly when numa_topology() shows nothing excluded and no policy');

-- a plain role may call none of them; pg_monitor may
CREATE ROLE numapg_check_plain;
CREATE ROLE numapg_check_monitor IN ROLE pg_monitor;
SET ROLE numapg_check_plain;
SELECT throws_ok('SELECT * FROM numa_check()', '42501', 'permission denied for function numa_check',
				 'a plain role may not call numa_check()');
RESET ROLE;
SET ROLE numapg_check_monitor;
SELECT lives_ok('SELECT * FROM numa_check(), numa_node_stats(), numa_vmstat()',
				'pg_monitor may call numa_check(), numa_node_stats() and numa_vmstat()');
RESET ROLE;
SELECT is((SELECT count(*) FROM (VALUES ('numa_node_stats()'), ('numa_vmstat()')) AS f(fn)
		   WHERE NOT has_function_privilege('numapg_check_plain', f.fn, 'EXECUTE')), 2::bigint,
		  'a plain role may not execute numa_node_stats() or numa_vmstat()');

SELECT * FROM finish();
ROLLBACK;
