-- test/hugepages/hugepages.sql: on a server started with huge_pages = on,
-- numa_pg's slabs are on huge pages and the reports still say, from the
-- kernel, where every page is (huge pages this backend never touched are
-- looked up in the postmaster, which placed and prefaulted them).
\set ON_ERROR_STOP true
\ir ../lib/setup.sql
BEGIN;
SELECT plan(6);

SELECT is(current_setting('huge_pages'), 'on', 'the server runs with huge_pages = on');
CREATE TEMP TABLE hp AS
SELECT (regexp_match(pg_read_file('/proc/meminfo'), 'Hugepagesize: +([0-9]+) kB'))[1]::bigint * 1024 AS size;
CREATE TEMP TABLE r AS SELECT * FROM numa_regions();
SELECT is((SELECT array_agg(DISTINCT page_size) FROM r), ARRAY[(SELECT size FROM hp)],
          'every region is reported on huge pages of the kernel''s huge page size');
SELECT is((SELECT sum(pages_not_faulted) FROM r), 0::numeric,
          'no region of a fresh backend is reported as not faulted in');
SELECT ok((SELECT bool_and(pages_on_target = pages) FROM r),
          'every page of every region is on its target, from move_pages');
CREATE TEMP TABLE a AS SELECT * FROM numa_shmem_allocations();
SELECT ok((SELECT bool_and(size = pages * (SELECT size FROM hp)) FROM a),
          'numa_shmem_allocations() counts huge pages');
SELECT ok((SELECT sum(size) FROM a WHERE node IS NOT NULL) > 0,
          'and finds some of them faulted in');

SELECT * FROM finish();
ROLLBACK;
