# numa_pg/Makefile

MODULE_big = numa_pg
OBJS = \
	$(WIN32RES) \
	numa_pg.o \
	src/allocator.o \
	src/arena.o \
	src/backend_placement.o \
	src/backend_placement_sql.o \
	src/check_sql.o \
	src/compat_bgworker.o \
	src/crc32c.o \
	src/crash_keep.o \
	src/errbuf.o \
	src/guc.o \
	src/key_hash.o \
	src/layout.o \
	src/live_topology.o \
	src/membench.o \
	src/membench_sql.o \
	src/moved_sql.o \
	src/node_stats.o \
	src/node_stats_sql.o \
	src/nodemask.o \
	src/numa_check.o \
	src/numa_support.o \
	src/placement.o \
	src/placement_rules.o \
	src/policy_spec.o \
	src/proc_parse.o \
	src/process_sql.o \
	src/pool_plan.o \
	src/registry.o \
	src/sampling.o \
	src/report_sql.o \
	src/request.o \
	src/segment_policy.o \
	src/serve.o \
	src/shmem.o \
	src/shmem_budget.o \
	src/shmem_report.o \
	src/slab_placement.o \
	src/spsc.o \
	src/sql_util.o \
	src/state_access.o \
	src/state_api.o \
	src/state_sql.o \
	src/state_store.o \
	src/topology.o \
	src/topology_sql.o \
	src/wal_batch.o \
	src/wal_staging.o \
	src/worker.o \
	src/worker_plan.o

EXTENSION = numa_pg
DATA = numa_pg--1.0.sql numa_pg--1.0--1.1.sql numa_pg--1.1--1.2.sql numa_pg--1.2--1.3.sql numa_pg--1.3--1.4.sql \
	numa_pg--1.4--1.5.sql
PGFILEDESC = "numa_pg - NUMA awareness for PostgreSQL"

PG_CPPFLAGS = -I$(srcdir)/src -I$(srcdir)/include

# The C API for other extensions, installed under
# $(includedir_server)/extension/numa_pg/.
HEADERS = include/numa_pg.h
# installed under $(docdir)/extension/numa_pg/ (docmoduledir, below)
DOCS = doc/architecture.md doc/benchmarks.md doc/configuration.md \
	doc/development.md doc/functions.md doc/monitoring.md doc/state.md CHANGELOG.md \
	monitoring/postgres_exporter.yaml
# Warnings are errors.  PostgreSQL's own headers have unused parameters in
# inline functions, so that one -Wextra warning is off.  Override
# NUMAPG_WARNINGS to build with a compiler that warns about more.
NUMAPG_WARNINGS ?= -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
PG_CFLAGS += $(NUMAPG_WARNINGS)
# make NUMAPG_TEST_MISPLACE=1: a test build that binds each node's memory to
# the wrong node, which test/numa-vm must catch (never install it).
ifdef NUMAPG_TEST_MISPLACE
PG_CFLAGS += -DNUMAPG_TEST_MISPLACE
endif
SHLIB_LINK = -lnuma -lm

# pg_regress, against a running server that preloads numa_pg (see
# scripts/test.sh, which starts one); installcheck needs it preloaded.
REGRESS = basic guc errors upgrade
NO_INSTALLCHECK_DEFAULT = 0

EXTRA_CLEAN = test/unit/bin test/tools/bin results regression.diffs regression.out \
	bench/numa_pg_membench

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# DOCS go to $(docdir)/extension/numa_pg/, not among other extensions' files
# (PGXS would put them in $(docdir)/extension/).
docmoduledir = extension/numa_pg

# PGXS does not track which headers an object includes (Debian's
# PostgreSQL is built without --enable-depend): rebuild every object when
# any of our headers changes, rather than link objects that disagree on a
# struct's layout.
$(filter %.o,$(OBJS)): $(wildcard $(srcdir)/src/*.h) $(srcdir)/include/numa_pg.h

# C unit tests of the pure modules (no PostgreSQL headers), TAP output.
UNIT_CFLAGS = -std=gnu99 -O1 -g -Wall -Wextra -Werror -I$(srcdir)/src
UNIT_TESTS = test/unit/bin/test_nodemask test/unit/bin/test_topology \
	test/unit/bin/test_worker_plan test/unit/bin/test_state_store \
	test/unit/bin/test_wal_staging test/unit/bin/test_spsc \
	test/unit/bin/test_spsc_stress test/unit/bin/test_spsc_tsan \
	test/unit/bin/test_state_read_stress test/unit/bin/test_state_read_tsan \
	test/unit/bin/test_arena test/unit/bin/test_policy_spec \
	test/unit/bin/test_membench test/unit/bin/test_errbuf \
	test/unit/bin/test_proc_parse \
	test/unit/bin/test_placement_rules \
	test/unit/bin/test_node_stats test/unit/bin/test_numa_check \
	test/unit/bin/test_sampling

# Runs a command with the NUMA system calls refused, as in a container.
test/tools/bin/numa_syscalls_fail: test/tools/numa_syscalls_fail.c
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ $<

# What each unit test is built from: test/unit/test_NAME.c (or NAME_MAIN)
# and the pure modules in NAME_SRCS, with NAME_CFLAGS and NAME_LIBS; one
# pattern rule builds them all.  Every src/ and test/unit/ header is a
# prerequisite, as for the objects of numa_pg.so.
test_nodemask_SRCS = src/nodemask.c src/errbuf.c
test_errbuf_SRCS = src/errbuf.c src/nodemask.c
test_topology_SRCS = src/topology.c src/nodemask.c src/errbuf.c
test_worker_plan_SRCS = src/worker_plan.c src/topology.c src/nodemask.c src/errbuf.c
test_state_store_SRCS = src/state_store.c src/crc32c.c src/key_hash.c
test_wal_staging_SRCS = src/wal_staging.c src/crc32c.c
test_spsc_SRCS = src/spsc.c
test_arena_SRCS = src/arena.c src/errbuf.c
test_policy_spec_SRCS = src/policy_spec.c src/nodemask.c src/errbuf.c
test_proc_parse_SRCS = src/proc_parse.c src/topology.c src/nodemask.c src/errbuf.c
test_placement_rules_SRCS = src/placement_rules.c src/nodemask.c src/errbuf.c
test_node_stats_SRCS = src/node_stats.c src/topology.c src/nodemask.c src/errbuf.c
test_numa_check_SRCS = src/numa_check.c src/node_stats.c src/topology.c src/nodemask.c src/errbuf.c
test_sampling_SRCS = src/sampling.c
test_sampling_LIBS = -lm
# two processes, then two threads, 5 million checked messages each
test_spsc_stress_MAIN = test/unit/stress_spsc.c
test_spsc_stress_SRCS = src/spsc.c
test_spsc_stress_CFLAGS = -O2 -pthread
# the thread part under ThreadSanitizer, which must report no race
test_spsc_tsan_MAIN = test/unit/stress_spsc.c
test_spsc_tsan_SRCS = src/spsc.c
test_spsc_tsan_CFLAGS = -fsanitize=thread -pthread \
	-DSTRESS_DEFAULT_MESSAGES=200000 -DSTRESS_DEFAULT_MODE='"threads"'
# one writer and two readers, as processes then as threads, 2 million
# checked changes each
test_state_read_stress_MAIN = test/unit/stress_state_read.c
test_state_read_stress_SRCS = src/state_store.c src/crc32c.c src/key_hash.c
test_state_read_stress_CFLAGS = -O2 -pthread
# the thread part under ThreadSanitizer, which must report no race (a
# report makes it exit 66).  gcc's TSan does not model the store's fences
# (-Wtsan, off here, says so): under it every slot access they order is
# atomic (state_store.c), so there is no race to report either way; that
# the fences order enough is for the test's assertions.
test_state_read_tsan_MAIN = test/unit/stress_state_read.c
test_state_read_tsan_SRCS = src/state_store.c src/crc32c.c src/key_hash.c
test_state_read_tsan_CFLAGS = -fsanitize=thread -pthread -Wno-tsan \
	-DSTRESS_DEFAULT_OPS=200000 -DSTRESS_DEFAULT_MODE='"threads"'

.SECONDEXPANSION:
test/unit/bin/test_%: $$(or $$(test_$$*_MAIN),test/unit/test_$$*.c) $$(test_$$*_SRCS) \
		$(wildcard $(srcdir)/src/*.h) $(wildcard $(srcdir)/test/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) $(test_$*_CFLAGS) -o $@ $< $(test_$*_SRCS) $(test_$*_LIBS)

MEMBENCH_SRCS = src/membench.c src/topology.c src/worker_plan.c src/nodemask.c src/errbuf.c
MEMBENCH_DEPS = $(MEMBENCH_SRCS) src/membench.h src/topology.h src/worker_plan.h \
	src/nodemask.h src/errbuf.h

test_membench_SRCS = $(MEMBENCH_SRCS)
test_membench_LIBS = -lnuma -lm

# The command numa_pg_membench, from the same C code as the SQL function
# numa_memory_latency().  PGXS builds one MODULE_big or one PROGRAM, not
# both, so it has its own rules, hooked into all, install and uninstall.
bench/numa_pg_membench: bench/numa_pg_membench.c $(MEMBENCH_DEPS)
	$(CC) $(UNIT_CFLAGS) -O2 -o $@ bench/numa_pg_membench.c $(MEMBENCH_SRCS) -lnuma -lm

all: bench/numa_pg_membench

install: install-membench
uninstall: uninstall-membench
.PHONY: install-membench uninstall-membench

install-membench: bench/numa_pg_membench
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) bench/numa_pg_membench '$(DESTDIR)$(bindir)/numa_pg_membench'

uninstall-membench:
	rm -f '$(DESTDIR)$(bindir)/numa_pg_membench'

# Benchmarks of the pure modules (not run by the tests: they only print).
test/unit/bin/bench_state_store: test/unit/bench_state_store.c src/state_store.c src/state_store.h src/crc32c.c src/key_hash.c
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -O2 -o $@ test/unit/bench_state_store.c src/state_store.c src/crc32c.c src/key_hash.c

.PHONY: unit check-unit test demo test-numa bench print-objs check-cycles
unit: $(UNIT_TESTS) test/tools/bin/numa_syscalls_fail

# The README's two commands.
test:
	scripts/test.sh

demo:
	scripts/demo.sh

# Every benchmark, with a results file under bench/results/ (bench/run.sh).
bench:
	bench/run.sh

# Only the tests in QEMU guests with 2, 4 and 3 (one memoryless) emulated
# NUMA nodes, on what is built and installed here; see test/numa-vm/README.md.
test-numa: all unit
	$(MAKE) -C test/client
	$(MAKE) -C bench/numa_pg_bench
	test/numa-vm/run.sh all

# Build and run the C unit tests (test/README.md).
check-unit: unit
	prove test/unit/bin/test_*

# The objects of numa_pg.so (scripts/check_cycles.sh reads them here).
print-objs:
	@echo $(OBJS)

# Fails if numa_pg.so's modules depend on each other in a cycle.
check-cycles: all
	scripts/check_cycles.sh
