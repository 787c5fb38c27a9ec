-- test/shmem.sql: PostgreSQL's own shared memory, on a server started with
-- numa_pg.shared_memory_policy = 'interleave': where its pages are, per
-- allocation and per node of shared buffers, without faulting any in; and
-- the calling backend's CPU and policy.
\set ON_ERROR_STOP true
\ir lib/setup.sql
BEGIN;
SELECT plan(22);

CREATE TEMP TABLE memnodes AS SELECT node FROM numa_topology() WHERE has_memory AND memory_allowed;

SELECT is(current_setting('numa_pg.shared_memory_policy'), 'interleave', 'the server interleaves its shared memory');

-- per allocation
CREATE TEMP TABLE a AS SELECT * FROM numa_shmem_allocations();
SELECT ok((SELECT count(DISTINCT name) FROM a) >= (SELECT count(*) FROM pg_shmem_allocations WHERE off IS NOT NULL AND allocated_size > 0) - 1,
          'every allocation of pg_shmem_allocations is reported');
SELECT ok((SELECT bool_and(node IN (SELECT node FROM memnodes)) FROM a WHERE node IS NOT NULL),
          'faulted pages are on nodes with memory');
SELECT ok((SELECT sum(pages) FROM a WHERE name = 'Buffer Blocks' AND node IS NULL) > 0,
          'shared buffers never used are reported as not faulted in');
SELECT ok((SELECT bool_and(size = pages * (SELECT size / pages FROM a LIMIT 1)) FROM a), 'size is pages times the page size');

-- asking faults nothing in, checked with mincore(2) called directly (the
-- test extension numa_pg_client, not numa_pg's code) before and after, on
-- the upper half of shared buffers: buffers are handed out from the free
-- list in order, so nothing else uses those during the test.  (With
-- hugetlbfs, mincore says what this backend maps, which a fault by the
-- query would change as well.)
CREATE EXTENSION numa_pg_client;
SELECT throws_ok('SELECT * FROM numa_pg_client_resident(-1, 1)', '22023', 'buffers -1 to -1 are not all shared buffers',
                 'the mincore helper refuses buffers that do not exist');
CREATE TEMP TABLE upper_half AS
SELECT setting::int / 2 AS first, setting::int - setting::int / 2 AS n FROM pg_settings WHERE name = 'shared_buffers';
CREATE TEMP TABLE before AS SELECT r.* FROM upper_half, numa_pg_client_resident(first, n) AS r;
SELECT cmp_ok((SELECT pages - resident FROM before), '>', 0::bigint,
              'the upper half of shared buffers has pages never faulted in (mincore)');
SELECT count(*) > 0 FROM numa_shmem_allocations();
SELECT count(*) > 0 FROM numa_buffer_nodes();
SELECT is((SELECT r.resident FROM upper_half, numa_pg_client_resident(first, n) AS r), (SELECT resident FROM before),
          'numa_shmem_allocations() and numa_buffer_nodes() faulted none of them in (mincore before and after)');

-- agreement with the kernel's per-process counts, which numastat -p sums
-- over all of a process's mappings (so with its private memory too): here
-- the lines of /proc/PID/numa_maps for the main segment (file=/dev/zero or
-- /anon_hugepage; one per range of one policy), N<node>=<pages> in pages
-- of kernelpagesize_kB.
--   * The querying backend: numa_shmem_allocations() maps every page of the
--     segment that exists (4 kB pages; placement.c), so after it the
--     backend maps exactly the pages that exist.  With hugetlbfs it maps
--     none, and the report counts the pages this backend or the postmaster
--     maps: between the larger and the sum of the two.
--   * The postmaster: it maps only the pages it touched itself, so each of
--     them must be reported, on its node; the ones backends touched are
--     not in its count.
-- Tolerances, in pages, per node: the report counts a page that two
-- neighbouring allocations share in both (at most one per allocation: r);
-- it leaves out the pages of no named allocation (anonymous ShmemAlloc()
-- and alignment: at most a (anonymous bytes) + r pages).
CREATE TEMP TABLE ours AS
SELECT t.node, coalesce(sum(a.pages), 0) AS pages
FROM numa_topology() AS t LEFT JOIN numa_shmem_allocations() AS a ON a.node = t.node GROUP BY t.node;
CREATE TEMP TABLE raw (line text);
CREATE TEMP TABLE maps (who text, line text);
CREATE TEMP TABLE numastat_out (line text);
DO $$
DECLARE
	pm int := split_part(pg_read_file('postmaster.pid'), E'\n', 1)::int;
BEGIN
	EXECUTE format('COPY raw FROM PROGRAM %L', 'cat /proc/' || pg_backend_pid() || '/numa_maps');
	INSERT INTO maps SELECT 'backend', line FROM raw;
	TRUNCATE raw;
	EXECUTE format('COPY raw FROM PROGRAM %L', 'cat /proc/' || pm || '/numa_maps');
	INSERT INTO maps SELECT 'postmaster', line FROM raw;
	EXECUTE format('COPY numastat_out FROM PROGRAM %L', 'numastat -p ' || pm);
END $$;
CREATE TEMP TABLE segment_lines AS SELECT * FROM maps WHERE line ~ 'file=/(dev/zero|anon_hugepage)';
SELECT ok((SELECT count(*) FILTER (WHERE who = 'backend') = count(*) FILTER (WHERE who = 'postmaster')
                  AND count(*) > 0 FROM segment_lines),
          'numa_maps of this backend and of the postmaster have the same lines for the main segment (one per policy: mbind splits it)');
CREATE TEMP TABLE kernel AS
SELECT t.node,
       coalesce((SELECT sum(m[2]::bigint) FROM segment_lines, regexp_matches(line, ' N([0-9]+)=([0-9]+)', 'g') AS m
                 WHERE who = 'backend' AND m[1]::int = t.node), 0) AS backend,
       coalesce((SELECT sum(m[2]::bigint) FROM segment_lines, regexp_matches(line, ' N([0-9]+)=([0-9]+)', 'g') AS m
                 WHERE who = 'postmaster' AND m[1]::int = t.node), 0) AS postmaster
FROM numa_topology() AS t;
CREATE TEMP TABLE tolerance AS
SELECT (SELECT count(DISTINCT name) FROM a) AS r,
       (SELECT count(DISTINCT name) FROM a)
       + ceil((SELECT coalesce(sum(allocated_size), 0) FROM pg_shmem_allocations WHERE off IS NULL)
              / (SELECT size / pages FROM a LIMIT 1)::numeric)::bigint AS a,
       (SELECT size / pages FROM a LIMIT 1) > 4096 AS huge;
SELECT is((SELECT array_agg(format('node %s: reported %s pages, backend maps %s, postmaster %s (r %s, a %s)',
                                   o.node, o.pages, k.backend, k.postmaster, t.r, t.a))
           FROM ours o JOIN kernel k USING (node), tolerance t
           WHERE o.pages - t.r > k.backend + CASE WHEN t.huge THEN k.postmaster ELSE 0 END
              OR k.backend > o.pages + t.a),
          NULL, 'on every node the pages reported are the pages this backend maps (numa_maps), within r and a');
SELECT is((SELECT array_agg(format('node %s: postmaster maps %s pages, reported %s (a %s)', o.node, k.postmaster, o.pages, t.a))
           FROM ours o JOIN kernel k USING (node), tolerance t WHERE k.postmaster > o.pages + t.a),
          NULL, 'every page the postmaster maps is reported on its node (numa_maps)');
SELECT ok((SELECT sum(backend) FROM kernel) > 0 AND (SELECT sum(postmaster) FROM kernel) > 0,
          'and the counts compared are not empty');
-- numastat -p of the postmaster: the same nodes, and on each at least the
-- segment's pages that numa_maps gives
CREATE TEMP TABLE theirs AS
WITH header AS (SELECT line FROM numastat_out WHERE line ~ '^ +Node [0-9]'),
     ids AS (SELECT m[1]::int AS node, ord FROM header, regexp_matches(header.line, 'Node ([0-9]+)', 'g') WITH ORDINALITY AS r(m, ord)),
     total AS (SELECT regexp_split_to_array(trim(line), ' +') AS f FROM numastat_out WHERE line ~ '^Total ')
SELECT ids.node, total.f[ids.ord + 1]::numeric AS mb FROM ids, total;
SELECT is((SELECT array_agg(node ORDER BY node) FROM theirs), (SELECT array_agg(node ORDER BY node) FROM ours),
          'numastat -p of the postmaster lists the nodes numa_topology() does');
SELECT is((SELECT array_agg(format('node %s: numastat %s MB < segment %s MB', th.node, th.mb, k.postmaster * (SELECT size / pages FROM a LIMIT 1) / 1048576.0))
           FROM theirs th JOIN kernel k USING (node)
           WHERE th.mb < k.postmaster * (SELECT size / pages FROM a LIMIT 1) / 1048576.0 - 0.01),
          NULL, 'and counts at least the postmaster''s pages of the segment on each node');

-- shared buffers per node: pages, and buffers by their bytes on the node
CREATE TEMP TABLE b AS SELECT * FROM numa_buffer_nodes();
SELECT is((SELECT sum(buffers) FROM b), (SELECT setting::float8 FROM pg_settings WHERE name = 'shared_buffers'),
          'every shared buffer is counted once, in all');
-- Buffer Blocks is the buffers and, since 16, PG_IO_ALIGN_SIZE (4 kB) more,
-- so that the buffers can start on a 4 kB boundary: up to two pages more
-- than the buffers' own (one before them and one after, unless the
-- allocation starts on a page boundary); on 15, one more at most, its size
-- being rounded up to a cache line
SELECT cmp_ok((SELECT abs(sum(pages) - (SELECT sum(pages) FROM a WHERE name = 'Buffer Blocks')) FROM b), '<=',
              CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 2 ELSE 1 END::numeric,
              'the pages are those of Buffer Blocks in numa_shmem_allocations() (up to 2 more since 16, which aligns the buffers to 4 kB inside it; 1 on 15)');
SELECT ok((SELECT sum(used_buffers) FROM b) > 0, 'some buffers hold pages');
SELECT ok((SELECT bool_and(used_buffers <= buffers AND dirty_buffers <= used_buffers) FROM b), 'dirty <= used <= all');
SELECT ok((SELECT bool_and(buffers * current_setting('block_size')::int <= pages * (SELECT size / pages FROM a LIMIT 1)) FROM b),
          'no node has more bytes of buffers than of pages');
SELECT is((SELECT coalesce(sum(used_buffers), 0) FROM b WHERE node IS NULL), 0::float8,
          'no buffer holding a page is on memory never faulted in');

-- the calling backend
CREATE TEMP TABLE p AS SELECT * FROM numa_process();
SELECT ok((SELECT cpu = ANY (cpus_allowed) AND node = numa_node_of_cpu(cpu) AND pid = pg_backend_pid() FROM p),
          'numa_process() gives this backend''s CPU, its node and its pid');
SELECT ok((SELECT memory_policy IS NOT NULL AND nodes_allowed <@ (SELECT array_agg(node) FROM numa_topology()) FROM p),
          'and its memory policy and allowed nodes');

SELECT * FROM finish();
ROLLBACK;
