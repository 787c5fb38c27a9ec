-- test/status.sql: numa_available() and numa_status() on a server that
-- preloads numa_pg with NUMA working (this machine or a multi-node guest).
\set ON_ERROR_STOP true
\ir lib/setup.sql
BEGIN;
SELECT plan(12);

SELECT has_function('numa_available', 'numa_available() exists');
SELECT has_function('numa_status', 'numa_status() exists');
SELECT is(numa_available(), true, 'NUMA is available');

-- PostgreSQL's own answer: pg_temp.pg_numa_available(), NULL where it has none
\ir lib/pg_numa_available.sql
SELECT CASE WHEN pg_temp.pg_numa_available() IS NULL
            THEN skip('PostgreSQL ' || current_setting('server_version') || ' has no pg_numa_available() with libnuma (18 and later, built --with-libnuma)')
            ELSE is(numa_available(), pg_temp.pg_numa_available(), 'numa_available() agrees with PostgreSQL''s pg_numa_available()') END;

CREATE TEMP TABLE st AS SELECT * FROM numa_status();
SELECT is((SELECT count(*)::int FROM st), 1, 'numa_status() returns one row');
SELECT is((SELECT available FROM st), numa_available(), 'status agrees with numa_available()');
SELECT is((SELECT node_count FROM st), (SELECT count(*)::int FROM numa_topology()),
          'status counts the nodes of numa_topology()');
SELECT is((SELECT mode FROM st),
          CASE WHEN (SELECT count(*) FROM numa_topology() WHERE has_memory AND memory_allowed) > 1
               THEN 'numa' ELSE 'single_node' END,
          'mode is numa with several memory nodes, single_node with one');
SELECT ok((SELECT (mode = 'numa') = (reason IS NULL) FROM st), 'a reason is given unless mode is numa');
SELECT is((SELECT (preloaded, enabled)::text FROM st), '(t,t)', 'numa_pg is preloaded and enabled');
-- the policy the server started under is the one this backend inherited
-- (nothing here changes a backend's own policy)
SELECT is((SELECT memory_policy FROM st), (SELECT memory_policy FROM numa_process()),
          'memory_policy is the policy the server was started under, which this backend runs under');
SELECT is((SELECT memory_policy_nodes FROM st), (SELECT policy_nodes FROM numa_process()),
          'memory_policy_nodes are that policy''s nodes');

SELECT * FROM finish();
ROLLBACK;
