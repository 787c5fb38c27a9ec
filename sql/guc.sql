--
-- guc.sql: numa_pg's parameters exist, take effect at start only, and bad
-- values are refused with a detail saying what is wrong and a hint.
--
SELECT name, setting, unit, min_val, max_val, context, vartype
FROM pg_settings WHERE name LIKE 'numa_pg.%' ORDER BY name;

-- postmaster parameters cannot be changed in a session
SET numa_pg.enabled = off;
SET numa_pg.worker_cpus = '0';

-- the numa_pg prefix is reserved: typos are caught
SET numa_pg.enabeld = on;
ALTER SYSTEM SET numa_pg.enabeld = on;

-- ALTER SYSTEM runs the check hook: each bad list is refused
ALTER SYSTEM SET numa_pg.worker_cpus = '';
ALTER SYSTEM SET numa_pg.worker_cpus = '3-1';
ALTER SYSTEM SET numa_pg.worker_cpus = 'zero';
ALTER SYSTEM SET numa_pg.worker_cpus = '0,,1';
ALTER SYSTEM SET numa_pg.worker_cpus = '0-1,';
ALTER SYSTEM SET numa_pg.worker_cpus = '0,0';
ALTER SYSTEM SET numa_pg.worker_cpus = '99999999999999999999';
ALTER SYSTEM SET numa_pg.worker_cpus = '-1';
ALTER SYSTEM SET numa_pg.enabled = 'maybe';
ALTER SYSTEM SET numa_pg.strict = 'sometimes';
ALTER SYSTEM SET numa_pg.prefault = 'partly';
ALTER SYSTEM SET numa_pg.workers = -1;
ALTER SYSTEM SET numa_pg.workers = 257;
ALTER SYSTEM SET numa_pg.workers = 'two';
ALTER SYSTEM SET numa_pg.state_store_size = '32kB';
ALTER SYSTEM SET numa_pg.state_store_size = '17GB';
ALTER SYSTEM SET numa_pg.wal_staging_size = '1 parsec';
ALTER SYSTEM SET numa_pg.wal_staging_size = '2GB';
ALTER SYSTEM SET numa_pg.queue_size = '4kB';
ALTER SYSTEM SET numa_pg.queue_size = '1.5';
ALTER SYSTEM SET numa_pg.pool_size = '-1';
ALTER SYSTEM SET numa_pg.interleaved_pool_size = '65GB';
ALTER SYSTEM SET numa_pg.pool_size = '4kB';
ALTER SYSTEM SET numa_pg.interleaved_pool_size = '63kB';
ALTER SYSTEM SET numa_pg.wal_flush_delay = 0;
ALTER SYSTEM SET numa_pg.wal_flush_delay = '2min';
SET numa_pg.request_timeout = '-5s';
SET numa_pg.request_timeout = 'soon';

-- numa_pg.request_timeout is per session
SET numa_pg.request_timeout = '2s';
SHOW numa_pg.request_timeout;
RESET numa_pg.request_timeout;

ALTER SYSTEM SET numa_pg.shared_memory_policy = '';
ALTER SYSTEM SET numa_pg.shared_memory_policy = 'spread';
ALTER SYSTEM SET numa_pg.shared_memory_policy = 'bind';
ALTER SYSTEM SET numa_pg.shared_memory_policy = 'bind:';
ALTER SYSTEM SET numa_pg.shared_memory_policy = 'bind:1023';
ALTER SYSTEM SET numa_pg.shared_memory_policy = 'interleave:0,0';
ALTER SYSTEM SET numa_pg.shared_memory_policy = 'preferred:0-1';
ALTER SYSTEM SET numa_pg.shared_memory_policy = 'default:0';

-- good values are accepted (and reset again)
ALTER SYSTEM SET numa_pg.shared_memory_policy = 'interleave';
ALTER SYSTEM SET numa_pg.shared_memory_policy = 'bind:0';
ALTER SYSTEM SET numa_pg.shared_memory_policy = 'preferred:0';
ALTER SYSTEM SET numa_pg.shared_memory_policy = 'Interleave:0';
ALTER SYSTEM RESET numa_pg.shared_memory_policy;
ALTER SYSTEM SET numa_pg.worker_cpus = '0';
ALTER SYSTEM SET numa_pg.worker_cpus = 'AUTO';
ALTER SYSTEM RESET numa_pg.worker_cpus;
