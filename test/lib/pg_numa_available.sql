-- test/lib/pg_numa_available.sql: included (\ir) by the pgTAP files that
-- compare numa_available() with PostgreSQL's own answer.  Not a test.
--
-- pg_temp.pg_numa_available(): PostgreSQL's pg_numa_available() (18 and
-- later), called by name so that the including file also runs where it does
-- not exist; NULL there, and where PostgreSQL was built without libnuma
-- (then it is always false).
CREATE FUNCTION pg_temp.pg_numa_available() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	r boolean;
BEGIN
	IF to_regproc('pg_catalog.pg_numa_available') IS NULL OR
	   NOT (SELECT setting ~ '--with-libnuma' FROM pg_config WHERE name = 'CONFIGURE') THEN
		RETURN NULL;
	END IF;
	EXECUTE 'SELECT pg_catalog.pg_numa_available()' INTO r;
	RETURN r;
END
$$;
