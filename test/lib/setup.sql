-- test/lib/setup.sql: included (\ir) first by every pgTAP file of the
-- project, so that each runs alone with pg_prove on a server started as its
-- suite needs (scripts/test.sh and test/README.md say how).  Not a test.
--
-- It creates the extensions the files use, if they are not there yet, and
-- sets the psql variables they compare with, from the server itself:
--   :workers       numa_pg.workers (empty when numa_pg is not preloaded)
--   :worker_cpus   numa_pg.worker_cpus
--   :online_cpus   the kernel's list of online CPUs
--   :numactl       the output of numactl --hardware, run by the server
-- Superuser only (pg_read_file, COPY FROM PROGRAM), as the suites run.
\set ON_ERROR_STOP true
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS numa_pg;
RESET client_min_messages;
SELECT coalesce(current_setting('numa_pg.workers', true), '') AS workers,
       coalesce(current_setting('numa_pg.worker_cpus', true), '') AS worker_cpus,
       trim(E'\n' FROM pg_read_file('/sys/devices/system/cpu/online')) AS online_cpus
\gset
CREATE TEMP TABLE numactl_output (n serial, line text);
COPY numactl_output (line) FROM PROGRAM 'numactl --hardware';
SELECT string_agg(line, E'\n' ORDER BY n) AS numactl FROM numactl_output
\gset
DROP TABLE numactl_output;
