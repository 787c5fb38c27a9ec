-- test/processes.sql: numa_processes() and numa_process_nodes(), on the
-- pgtap suite's server (a pool of workers): every process of the server is
-- listed, as pg_stat_activity names it, with the postmaster; the workers
-- show their planned node; the pages per node agree with the kernel's
-- /proc/PID/numa_maps read in the same statement; asking faults nothing in.
-- A process that ends while it is read: test/t/process_exit.sh.
\set ON_ERROR_STOP true
\ir lib/setup.sql
BEGIN;
SELECT plan(17);
SET application_name = 'numapg_processes_test';

CREATE TEMP TABLE postmaster AS
SELECT split_part(pg_read_file('postmaster.pid'), E'\n', 1)::int AS pid;
-- pages per node against /proc/PID/numa_maps read by SQL, classified by
-- name rather than by address: the main segment is the anonymous shared
-- mapping (/dev/zero or, with huge pages, /anon_hugepage) of
-- shared_memory_type mmap, or the SysV one; private is what has no file=
CREATE FUNCTION pg_temp.maps_pages(p int)
RETURNS TABLE (node int, kind text, page_size bigint, pages bigint) LANGUAGE sql AS $$
	SELECT (regexp_match(f, '^N(\d+)='))[1]::int, k,
	       coalesce((regexp_match(l, ' kernelpagesize_kB=(\d+)'))[1]::bigint * 1024, 4096),
	       sum((regexp_match(f, '=(\d+)$'))[1]::bigint)
	FROM (SELECT l,
	             CASE WHEN l ~ ' file=/(dev/zero|anon_hugepage)\\040\(deleted\)'
	                       AND current_setting('shared_memory_type') = 'mmap' THEN 'shared'
	                  WHEN l ~ ' file=/SYSV[0-9a-f]{8}\\040\(deleted\)'
	                       AND current_setting('shared_memory_type') = 'sysv' THEN 'shared'
	                  WHEN l !~ ' file=' THEN 'private' END AS k
	      FROM regexp_split_to_table(pg_read_file('/proc/' || p || '/numa_maps'), E'\n') AS l) AS ls,
	     regexp_split_to_table(l, ' ') AS f
	WHERE k IS NOT NULL AND f ~ '^N\d+=\d+$'
	GROUP BY 1, 2, 3
$$;
-- one statement: the function's rows and the kernel's, full-joined
CREATE FUNCTION pg_temp.compare()
RETURNS TABLE (pid int, kind text, node int, got bigint, kernel bigint) LANGUAGE sql AS $$
	WITH f AS MATERIALIZED (SELECT * FROM numa_process_nodes()),
	     r AS MATERIALIZED (SELECT q.pid, m.* FROM (SELECT DISTINCT f.pid FROM f) q, pg_temp.maps_pages(q.pid) m)
	SELECT coalesce(f.pid, r.pid), coalesce(f.kind, r.kind), coalesce(f.node, r.node), f.pages, r.pages
	FROM f FULL JOIN r ON (f.pid, f.node, f.kind, f.page_size) = (r.pid, r.node, r.kind, r.page_size)
$$;
-- The other processes are idle, so their counts must be equal; one that
-- wakes between the two reads (the background writer, a worker's flush)
-- may touch a page: a difference that is gone on the next try is that,
-- one that stays is not.  This backend allocates as it reads numa_maps in
-- SQL, after the function read its own: its private pages may differ by
-- what that costs, which here was 80 to 180 pages; the tolerance is 512
-- (2 MB) either way, and 64 pages either way for the shared segment (the
-- catalog buffers the query reads in between: 6 pages here).
CREATE FUNCTION pg_temp.mismatches() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	FOR attempt IN 1..5 LOOP
		CREATE TEMP TABLE IF NOT EXISTS cmp AS SELECT * FROM pg_temp.compare() LIMIT 0;
		TRUNCATE cmp;
		INSERT INTO cmp SELECT * FROM pg_temp.compare();
		SELECT count(*) INTO n FROM cmp
		WHERE CASE WHEN pid <> pg_backend_pid() THEN got IS DISTINCT FROM kernel
		           WHEN kind = 'private' THEN abs(coalesce(got, 0) - coalesce(kernel, 0)) > 512
		           ELSE abs(coalesce(got, 0) - coalesce(kernel, 0)) > 64 END;
		EXIT WHEN n = 0;
	END LOOP;
	RETURN n;
END $$;

-- asking faults nothing in, checked first, before any call of the two:
-- the pages of the upper half of shared buffers that exist (mincore, from
-- the test extension numa_pg_client), and what the postmaster maps (its
-- numa_maps), before and after
CREATE EXTENSION IF NOT EXISTS numa_pg_client;
CREATE TEMP TABLE upper_half AS
SELECT setting::int / 2 AS first, setting::int - setting::int / 2 AS n FROM pg_settings WHERE name = 'shared_buffers';
CREATE TEMP TABLE before AS SELECT r.* FROM upper_half, numa_pg_client_resident(first, n) AS r;
CREATE TEMP TABLE pm_before AS SELECT m.* FROM postmaster, pg_temp.maps_pages(pid) m;
SELECT cmp_ok((SELECT pages - resident FROM before), '>', 0::bigint,
              'the upper half of shared buffers has pages never faulted in (mincore)');
CREATE TEMP TABLE first_calls AS SELECT (SELECT count(*) FROM numa_process_nodes()) AS n, (SELECT count(*) FROM numa_processes()) AS m;
SELECT is((SELECT r.resident FROM upper_half, numa_pg_client_resident(first, n) AS r), (SELECT resident FROM before),
          'numa_process_nodes() and numa_processes() faulted none of them in (mincore before and after)');
SELECT set_eq('SELECT m.* FROM postmaster, pg_temp.maps_pages(pid) m', 'SELECT * FROM pm_before',
              '  nor anything into the postmaster (its numa_maps before and after)');

CREATE TEMP TABLE p AS SELECT * FROM numa_processes();

-- who: pg_stat_activity's processes (this transaction's snapshot of the
-- backend status array, as numa_processes() reads) and the postmaster
SELECT set_eq('SELECT pid FROM p',
              'SELECT pid FROM pg_stat_activity UNION ALL SELECT pid FROM postmaster',
              'numa_processes() lists every process of pg_stat_activity and the postmaster, and no other');
SELECT is((SELECT backend_type FROM p JOIN postmaster USING (pid)), 'postmaster', 'the postmaster is named so');
SELECT is((SELECT count(*) FROM p p JOIN pg_stat_activity a USING (pid)
           WHERE (p.backend_type, p.datname, p.usename, p.application_name)
                 IS DISTINCT FROM (a.backend_type, a.datname::text, a.usename::text, nullif(a.application_name, ''))), 0::bigint,
          'backend_type, datname, usename and application_name are those of pg_stat_activity');
SELECT is((SELECT application_name FROM p WHERE pid = pg_backend_pid()), 'numapg_processes_test',
          'this backend has its application_name');
SELECT ok((SELECT bool_and(cpu = ANY (cpus_allowed) AND node = numa_node_of_cpu(cpu)) FROM p),
          'each runs on a CPU it is allowed, on that CPU''s node');
SELECT is((SELECT (cpus_allowed, nodes_allowed, memory_policy, policy_nodes) FROM p WHERE pid = pg_backend_pid()),
          (SELECT (cpus_allowed, nodes_allowed, memory_policy, policy_nodes) FROM numa_process()),
          'this backend''s row agrees with numa_process() (get_mempolicy) on what it may use and its policy');

-- numa_pg's workers: their planned node, pinned to their CPU, policy local
SELECT is((SELECT count(*) FROM p WHERE backend_type = 'numa_pg worker'), :'workers'::bigint,
          'every worker is listed');
SELECT is((SELECT count(*) FROM p JOIN numa_workers() w USING (pid)
           WHERE p.placed_node = w.node AND p.cpus_allowed = ARRAY[w.cpu] AND p.memory_policy = 'local'),
          :'workers'::bigint, 'each worker shows its planned node, its one CPU and its local policy');
SELECT is((SELECT count(*) FROM p WHERE placed_node IS NOT NULL AND pid NOT IN (SELECT pid FROM numa_workers())),
          0::bigint, 'no other process has a placed node');

-- each process's pages per node and kind, against its numa_maps
SELECT is(pg_temp.mismatches(), 0::bigint,
          'numa_process_nodes() gives each process''s pages per node and kind as its numa_maps does');
SELECT ok((SELECT count(DISTINCT pid) FROM cmp WHERE got > 0 AND kind = 'shared') = (SELECT count(*) FROM p),
          '  every process maps some of the shared segment');
SELECT ok((SELECT count(DISTINCT pid) FROM cmp WHERE got > 0 AND kind = 'private') = (SELECT count(*) FROM p),
          '  and has some private memory');
SELECT ok((SELECT bool_and(node IN (SELECT node FROM numa_topology() WHERE has_memory)) FROM numa_process_nodes()),
          'pages are on nodes with memory');
SELECT ok((SELECT bool_and(kind IN ('shared', 'private') AND pages > 0 AND page_size >= 4096) FROM numa_process_nodes()),
          'kinds are shared or private, with pages');

SELECT * FROM finish();
ROLLBACK;
