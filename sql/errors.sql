--
-- errors.sql: every bad argument gets an ERROR with a clear message, and
-- the session (and server) carries on.
--
-- NULL arguments
SELECT numa_node_of_cpu(NULL);
SELECT numa_distance(NULL, 0);
SELECT numa_distance(0, NULL);

-- CPUs and nodes that do not exist (the detail lists what exists, which
-- depends on the machine: show the message only)
\set VERBOSITY terse
SELECT numa_node_of_cpu(-1);
SELECT numa_node_of_cpu(2147483647);
SELECT numa_distance(0, -1);
SELECT numa_distance(1023, 0);
SELECT numa_distance(0, 1024);
\set VERBOSITY default

-- and the session is still fine
SELECT numa_distance(0, 0);
