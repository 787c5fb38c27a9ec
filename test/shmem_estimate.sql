-- test/shmem_estimate.sql: numa_shmem_allocations_estimate() and
-- numa_buffer_nodes_estimate(), the reports from a stratified random
-- sample of one page in sample_every: against the exact reports, within
-- the error bound each row states (and exactly where the sample cannot
-- err), their bound as doc/functions.md defines it, bad arguments, the
-- privileges, and that they fault nothing in.  On a one-node machine the
-- pages are on node 0 or not faulted in; in the QEMU guests (which run
-- this file too) they are interleaved over 2, 4 and 3 nodes.
\set ON_ERROR_STOP true
\ir lib/setup.sql
BEGIN;
SELECT plan(29);

-- The bound doc/functions.md states, for pages pages of page_size bytes
-- sampled one cluster of c pages (64 kB of them; 1 with huge pages) in
-- each stratum of every clusters: K = floor(pages / c) whole clusters in
-- S strata, the last of n clusters, and a tail of pages - K c pages asked
-- about whole; the certain bound c ((S - 1) (every - 1) + n - 1) pages, or
-- sqrt(((S - 1) (every c)^2 + (n c)^2) ln(2 / 1e-4) / 2) pages with
-- confidence 0.9999 when that is smaller; in bytes, rounded up; and the
-- pages sampled, S c + the tail.
CREATE FUNCTION pg_temp.expected_bound(pages numeric, page_size numeric, every numeric,
                                       OUT error_bytes bigint, OUT confidence float8, OUT sampled numeric)
LANGUAGE sql AS $$
	SELECT CASE WHEN s = 0 THEN 0 ELSE ceil(page_size * least(certain, hoeffding))::bigint END,
	       CASE WHEN s = 0 OR certain <= hoeffding THEN 1 ELSE 0.9999 END,
	       s * c + pages - k * c
	FROM (SELECT c, k, s, c * ((s - 1) * (every - 1) + (k - (s - 1) * every) - 1) AS certain,
	             sqrt(((s - 1) * (every * c) ^ 2 + ((k - (s - 1) * every) * c) ^ 2) * ln(2 / 1e-4) / 2) AS hoeffding
	      FROM (SELECT c, k, ceil(k / every) AS s
	            FROM (SELECT c, floor(pages / c) AS k
	                  FROM (SELECT greatest(1, floor(65536 / page_size)) AS c) AS c0) AS k0) AS s0) AS b
$$;

-- Both reports of a kind in one statement, so that nothing the test does
-- between them (catalog pages read into new buffers) makes them differ;
-- the estimates of sample_every 64.
CREATE TEMP TABLE a AS
WITH x AS MATERIALIZED (SELECT name, node, size, pages FROM numa_shmem_allocations()),
     e AS MATERIALIZED (SELECT * FROM numa_shmem_allocations_estimate(64))
SELECT coalesce(x.name, e.name) AS name, coalesce(x.node, e.node) AS node,
       coalesce(x.size, 0) AS x_size, coalesce(x.pages, 0) AS x_pages,
       coalesce(e.size, 0) AS e_size, coalesce(e.pages, 0) AS e_pages,
       e.pages_sampled, e.error_bytes, e.confidence, x.name IS NOT NULL AS in_exact
FROM x FULL JOIN e ON x.name = e.name AND x.node IS NOT DISTINCT FROM e.node;
-- per allocation: its pages (exact), its page size, how many categories
-- (nodes, or not faulted in) the exact report has, and the bound its
-- estimated rows state (the same for each of them)
CREATE TEMP TABLE per AS
SELECT name, sum(x_pages) AS pages, max(x_size / nullif(x_pages, 0)) AS page_size,
       count(*) FILTER (WHERE in_exact) AS categories,
       max(error_bytes) AS error_bytes, min(error_bytes) AS min_error_bytes,
       max(confidence) AS confidence, sum(pages_sampled) AS sampled
FROM a GROUP BY name;

SELECT ok((SELECT count(*) FROM per) > 10, 'numa_shmem_allocations_estimate() reports the allocations');
SELECT is((SELECT count(*) FROM per WHERE error_bytes IS NULL OR error_bytes <> min_error_bytes), 0::bigint,
          'every estimated row of an allocation states the same bound');
SELECT is((SELECT string_agg(format('%s node %s: exact %s, estimate %s, bound %s', a.name, coalesce(a.node::text, 'NULL'),
                                    a.x_size, a.e_size, per.error_bytes), '; ')
           FROM a JOIN per USING (name) WHERE abs(a.e_size - a.x_size) > per.error_bytes), NULL,
          'every allocation, every node and not faulted in: the estimate is within its bound of the exact report');
SELECT is((SELECT count(*) FROM a JOIN per USING (name) WHERE per.categories = 1 AND a.e_size <> a.x_size), 0::bigint,
          'an allocation whose pages are all in one category (one node, or all not faulted in) is estimated exactly');
SELECT is((SELECT string_agg(format('%s: %s of %s pages', name, per.sampled, pages), '; ') FROM per, pg_temp.expected_bound(pages, page_size, 64) AS b
           WHERE per.sampled <> b.sampled), NULL,
          'one cluster of pages is sampled in each run of 64 clusters of every allocation');
SELECT is((SELECT count(*) FROM a WHERE e_size <> e_pages * (SELECT page_size FROM per LIMIT 1)), 0::bigint,
          'size is pages times the page size');
SELECT is((SELECT string_agg(format('%s: %s (%s), expected %s (%s)', name, per.error_bytes, per.confidence, b.error_bytes, b.confidence), '; ')
           FROM per, pg_temp.expected_bound(pages, page_size, 64) AS b
           WHERE abs(per.error_bytes - b.error_bytes) > 1 OR per.confidence <> b.confidence), NULL,
          'each allocation''s error_bytes and confidence are the documented bound');
SELECT is((SELECT count(*) FROM per WHERE pages <= 64 * greatest(1, floor(65536 / page_size)) AND confidence <> 1), 0::bigint,
          'an allocation of one stratum (at most 64 clusters) has a certain bound');
SELECT is((SELECT count(*) FROM a JOIN per USING (name) WHERE per.pages <= greatest(1, floor(65536 / page_size))
           AND (a.e_size <> a.x_size OR per.error_bytes <> 0)), 0::bigint,
          'an allocation of one cluster (at most 64 kB) is estimated exactly, with a bound of 0');
SELECT CASE WHEN pages < 16 * 64 * greatest(1, floor(65536 / page_size))
            THEN skip('shared buffers span fewer than 16 strata of 64 clusters', 1)
            ELSE ok(confidence = 0.9999 AND error_bytes < page_size * greatest(1, floor(65536 / page_size)) * (pages / greatest(1, floor(65536 / page_size)) - pages / 64 / greatest(1, floor(65536 / page_size))),
                    'shared buffers, sampled in many strata: a bound at confidence 0.9999, below the certain one') END
FROM per WHERE name = 'Buffer Blocks';

-- sample_every = 1: the exact report, with a bound of 0, certain
SELECT is((WITH x AS MATERIALIZED (SELECT name, node, size, pages FROM numa_shmem_allocations()),
               e AS MATERIALIZED (SELECT name, node, size, pages FROM numa_shmem_allocations_estimate(1))
           SELECT count(*) FROM ((SELECT * FROM x EXCEPT ALL SELECT * FROM e) UNION ALL (SELECT * FROM e EXCEPT ALL SELECT * FROM x)) AS d),
          0::bigint, 'numa_shmem_allocations_estimate(1) is numa_shmem_allocations()');
SELECT is((SELECT count(*) FROM numa_shmem_allocations_estimate(1) WHERE error_bytes <> 0 OR confidence <> 1 OR pages_sampled <> pages),
          0::bigint, '  with error_bytes 0, confidence 1, every page sampled');

-- numa_buffer_nodes_estimate(64) against numa_buffer_nodes(), per node
CREATE TEMP TABLE b AS
WITH x AS MATERIALIZED (SELECT * FROM numa_buffer_nodes()),
     e AS MATERIALIZED (SELECT * FROM numa_buffer_nodes_estimate(64))
SELECT coalesce(x.node, e.node) AS node, coalesce(x.pages, 0) AS x_pages, coalesce(e.pages, 0) AS e_pages,
       coalesce(x.buffers, 0) AS x_buffers, coalesce(e.buffers, 0) AS e_buffers,
       coalesce(x.used_buffers, 0) AS x_used, coalesce(e.used_buffers, 0) AS e_used,
       e.pages_sampled, max(e.error_bytes) OVER () AS error_bytes, max(e.confidence) OVER () AS confidence
FROM x FULL JOIN e ON coalesce(x.node, -1) = coalesce(e.node, -1);
SELECT is((SELECT string_agg(format('node %s: pages %s against %s, buffers %s against %s, bound %s bytes', coalesce(node::text, 'NULL'),
                                    e_pages, x_pages, e_buffers, x_buffers, error_bytes), '; ')
           FROM b, (SELECT size / pages AS page_size FROM numa_shmem_allocations() LIMIT 1) AS p
           WHERE abs(e_pages - x_pages) * page_size > error_bytes
              OR abs(e_buffers - x_buffers) * current_setting('block_size')::int > error_bytes
              OR abs(e_used - x_used) * current_setting('block_size')::int > error_bytes), NULL,
          'numa_buffer_nodes_estimate(): pages, buffers and used buffers within the stated bound of numa_buffer_nodes() on every node');
SELECT is((SELECT sum(e_pages) FROM b), (SELECT sum(x_pages) FROM b),
          '  its pages add up to the pages of shared buffers');
SELECT is((SELECT sum(pages_sampled) FROM b),
          (SELECT sampled FROM pg_temp.expected_bound((SELECT sum(x_pages) FROM b), (SELECT size / pages FROM numa_shmem_allocations() LIMIT 1), 64)),
          '  one cluster of pages sampled in each run of 64 clusters');
SELECT is((SELECT error_bytes FROM b LIMIT 1),
          (SELECT error_bytes FROM pg_temp.expected_bound((SELECT sum(x_pages) FROM b),
                                                           (SELECT size / pages FROM numa_shmem_allocations() LIMIT 1), 64)),
          '  with the documented bound for its pages');
SELECT is((WITH x AS MATERIALIZED (SELECT node, pages, buffers, used_buffers FROM numa_buffer_nodes()),
               e AS MATERIALIZED (SELECT node, pages, buffers, used_buffers FROM numa_buffer_nodes_estimate(1))
           SELECT count(*) FROM ((SELECT * FROM x EXCEPT ALL SELECT * FROM e) UNION ALL (SELECT * FROM e EXCEPT ALL SELECT * FROM x)) AS d),
          0::bigint, 'numa_buffer_nodes_estimate(1) is numa_buffer_nodes() (pages, buffers, used buffers)');
SELECT is((SELECT count(*) FROM numa_buffer_nodes_estimate(1) WHERE error_bytes <> 0 OR confidence <> 1 OR pages_sampled <> pages),
          0::bigint, '  with error_bytes 0, confidence 1, every page sampled');

-- bad arguments: an error with an errcode, a detail and a hint, and the
-- largest allowed value works
CREATE FUNCTION pg_temp.error_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE state text; msg text; hint text;
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
	RETURN state || ': ' || msg || ' HINT: ' || hint;
END $$;
SELECT is(pg_temp.error_of('SELECT * FROM numa_shmem_allocations_estimate(' || v || ')'),
          '22023: sample_every must be between 1 and 1048576, not ' || v ||
          ' HINT: Give 1 for the exact report, or N from 2 to 1048576 to ask the kernel about one page in N.',
          format('numa_shmem_allocations_estimate(%s) is refused, with a hint', v))
FROM unnest(ARRAY['0', '-1', '1048577', '2147483647']) AS v;
SELECT is(pg_temp.error_of('SELECT * FROM numa_buffer_nodes_estimate(0)'),
          '22023: sample_every must be between 1 and 1048576, not 0' ||
          ' HINT: Give 1 for the exact report, or N from 2 to 1048576 to ask the kernel about one page in N.',
          'numa_buffer_nodes_estimate(0) is refused, with a hint');
SELECT is(pg_temp.error_of('SELECT * FROM numa_buffer_nodes_estimate(NULL)'),
          '22004: sample_every must not be NULL' ||
          ' HINT: Give 1 for the exact report, or N from 2 to 1048576 to ask the kernel about one page in N.',
          'numa_buffer_nodes_estimate(NULL) is refused, with a hint');
SELECT is(pg_temp.error_of('SELECT * FROM numa_shmem_allocations_estimate(NULL)'),
          '22004: sample_every must not be NULL' ||
          ' HINT: Give 1 for the exact report, or N from 2 to 1048576 to ask the kernel about one page in N.',
          'numa_shmem_allocations_estimate(NULL) is refused, with a hint');
SELECT is((SELECT sum(pages_sampled) FROM numa_buffer_nodes_estimate(1048576)),
          (SELECT sampled FROM pg_temp.expected_bound((SELECT sum(pages) FROM numa_buffer_nodes()),
                                                      (SELECT size / pages FROM numa_shmem_allocations() LIMIT 1), 1048576)),
          'sample_every 1048576 is accepted: one cluster sampled of shared buffers (and their tail)');

-- privileges: pg_read_all_stats, not PUBLIC
SELECT is((SELECT string_agg(format('%s public %s stats %s', f, has_function_privilege('public', f, 'EXECUTE'),
                                    has_function_privilege('pg_read_all_stats', f, 'EXECUTE')), '; ')
           FROM unnest(ARRAY['numa_shmem_allocations_estimate(integer)', 'numa_buffer_nodes_estimate(integer)']) AS f
           WHERE has_function_privilege('public', f, 'EXECUTE') OR NOT has_function_privilege('pg_read_all_stats', f, 'EXECUTE')),
          NULL, 'the estimates are granted to pg_read_all_stats and not to PUBLIC');

-- asking faults nothing in: mincore(2) over the upper half of shared
-- buffers (unused, as in test/shmem.sql), from the test extension
CREATE EXTENSION IF NOT EXISTS numa_pg_client;
CREATE TEMP TABLE upper_half AS
SELECT setting::int / 2 AS first, setting::int - setting::int / 2 AS n FROM pg_settings WHERE name = 'shared_buffers';
CREATE TEMP TABLE before AS SELECT r.* FROM upper_half, numa_pg_client_resident(first, n) AS r;
SELECT cmp_ok((SELECT pages - resident FROM before), '>', 0::bigint,
              'the upper half of shared buffers has pages never faulted in (mincore)');
SELECT (SELECT count(*) FROM numa_shmem_allocations_estimate(64)) + (SELECT count(*) FROM numa_shmem_allocations_estimate(1))
       + (SELECT count(*) FROM numa_shmem_allocations_estimate(7)) > 0 AS asked;
SELECT (SELECT count(*) FROM numa_buffer_nodes_estimate(64)) + (SELECT count(*) FROM numa_buffer_nodes_estimate(1))
       + (SELECT count(*) FROM numa_buffer_nodes_estimate(3)) > 0 AS asked;
SELECT is((SELECT r.resident FROM upper_half, numa_pg_client_resident(first, n) AS r), (SELECT resident FROM before),
          'the estimates faulted none of them in (mincore before and after)');

SELECT * FROM finish();
ROLLBACK;
