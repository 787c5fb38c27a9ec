/* numa_pg--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION numa_pg UPDATE TO '1.1'" to load this file. \quit

-- Version 1.1 adds the benchmarks.  A fresh CREATE EXTENSION runs
-- numa_pg--1.0.sql and then this script, so an updated database and a new
-- one have the same objects (test/upgrade checks it).
--
-- They cost CPU time and memory and pin the calling backend for a while, so
-- they are for superusers only: EXECUTE is revoked from PUBLIC and each one
-- also checks superuser() itself.

-- Memory latency and bandwidth matrix (src/membench*).

-- Hot paths against PostgreSQL's own equivalents (src/bench_*).
