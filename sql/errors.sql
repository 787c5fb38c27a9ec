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

-- this server runs no worker pool: the state functions say so, and how to fix it
SELECT numa_state_put('k', '\x01');
SELECT numa_state_get('k');
SELECT numa_state_flush();
-- argument errors come first
SELECT numa_state_get(NULL);
SELECT numa_state_get('');
