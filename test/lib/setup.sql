-- test/lib/setup.sql: included (\ir) first by every pgTAP file of the
-- project, so that each runs alone with pg_prove on a server started as its
-- suite needs (scripts/test.sh and test/README.md say how).  Not a test.
--
-- It creates the extensions the files use, if they are not there yet, and
-- sets the psql variables they compare with, from the server itself:
--   :workers       numa_pg.workers (empty when numa_pg is not preloaded)
--   :worker_cpus   numa_pg.worker_cpus
--   :online_cpus   the kernel's list of online CPUs
-- (test/topology.sql runs numactl --hardware itself: under the degraded
-- suites' wrapper, which makes the NUMA system calls fail for the server
-- and its children, numactl fails too.)  Superuser only (pg_read_file),
-- as the suites run.
\set ON_ERROR_STOP true
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS numa_pg;
RESET client_min_messages;
SELECT coalesce(current_setting('numa_pg.workers', true), '') AS workers,
       coalesce(current_setting('numa_pg.worker_cpus', true), '') AS worker_cpus,
       trim(E'\n' FROM pg_read_file('/sys/devices/system/cpu/online')) AS online_cpus
\gset
