#!/usr/bin/env bash
# bench/run.sh: numa_pg's benchmarks, from nothing, with a results file.
#
# Installs what is missing (as root, with apt-get), builds and installs
# numa_pg and its benchmarks' extension (bench/numa_pg_bench), and runs on a
# throwaway cluster (as an unprivileged user):
#
#   memory      the memory latency and bandwidth matrix, per pair of
#               (CPU node, memory node), with numa_pg_membench
#   hotpaths    the state store, WAL staging and SPSC queue against
#               PostgreSQL's own equivalents (dynahash under its partition
#               lock, one LogLogicalMessage per record, shm_mq)
#   pgbench     TPS with numa_pg preloaded and its workers idle against
#               without it, same cluster, alternating, several rounds
#               (select-only and TPC-B-like, scale 20, nproc/2 clients)
#   reports     the cost of the placement reports (numa_shmem_allocations(),
#               numa_buffer_nodes(), numa_regions()) over 1 GB and 8 GB
#   pgviews     numa_shmem_allocations() and numa_buffer_nodes() against
#               PostgreSQL 18's pg_shmem_allocations_numa and
#               pg_buffercache_numa, on 18 (the build of ../shared/postgresql;
#               skipped without it), over 1 GB and 8 GB of shared_buffers
#               never faulted in and prefaulted: time, and memory faulted in
#   processes   numa_processes() and numa_process_nodes() over 100 idle
#               backends that each mapped all of 1 GB of shared_buffers
#               (a table prewarmed into them, scanned by each)
#   estimate    numa_shmem_allocations_estimate(64) and
#               numa_buffer_nodes_estimate(64) against the exact reports
#               over 8 GB of shared_buffers (1 GB with --quick), prefaulted
#               under interleave: time, and the error measured in each
#               round beside the bound the estimate states
#   statesql    the state store from SQL and C, for numa_pg.workers from 1
#               to nproc: 20,000 gets, puts and deletes in one statement
#               (16- and 256-byte values) against an unlogged and a logged
#               table's lookup, upsert and delete, each also through the
#               worker (direct_reads / direct_writes off); batches of
#               10,000 keys against single calls; the C API's get against
#               the store's in-process lookup; pgbench -M prepared with 1,
#               2 and nproc x 4 clients, get, put and delete against the
#               tables, SELECT 1 and a no-op C function of the same call
#
# Every figure is measured ROUNDS times (6), pgbench in PGBENCH_ROUNDS paired
# rounds (10 of 10 s; an even number, as it alternates which configuration runs
# first); the results file gives min, median and max of each, with the
# machine, kernel, PostgreSQL, settings and commit it came from, each target
# met or missed with a "why" worked out from the figures, and how confident
# the pgbench verdict is.  Results go to bench/results/<date>-<host>/:
# results.txt, raw.tsv (every measurement), examples of the outputs
# (membench.txt, memory-sql.txt, hotpaths.txt) and plots (latency.svg,
# bandwidth.svg, hotpaths.svg).  Run it from a committed tree: results.txt
# names the commit, and says so when the tree had uncommitted changes.
#
# Usage: bench/run.sh [--quick] [--only "memory hotpaths pgbench reports pgviews processes estimate statesql"]
#        bench/run.sh --report bench/results/<run>
#   --quick   2 rounds, shorter runs, reports and pgviews over 1 GB only
#   --only    run only the sections named
#   --report  measure nothing: summarise and plot that run's raw.tsv again
# Environment: NUMAPG_BENCH_OUT to write elsewhere than bench/results.

. "$(dirname "$0")/../scripts/lib.sh"

QUICK=0
ONLY="memory hotpaths pgbench reports pgviews processes estimate statesql"
REPORT_DIR=
while [ $# -gt 0 ]; do
	case $1 in
		--quick) QUICK=1 ;;
		--report) shift; REPORT_DIR=${1:?--report needs a results directory} ;;
		--only) shift; ONLY=${1:?--only needs a list of sections} ;;
		-h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
		*) die "unknown option $1 (try --help)" ;;
	esac
	shift
done
for s in $ONLY; do
	case " memory hotpaths pgbench reports pgviews processes estimate statesql " in *" $s "*) ;; *) die "unknown section $s" ;; esac
done

# Besides the default sizes (10,000 state entries, 64-byte WAL records,
# 8-byte queue messages), each hot path runs once more at a second size
# (100,000 entries, 8-byte records, 64-byte messages): the "why" of a missed
# target is worked out from the two.  The prefault of shared_buffers is
# repeated ROUNDS times up to PREFAULT_REPEAT_MB, larger sizes once (a
# restart each, and 8 GB took 20 s on 2 CPUs).
if [ $QUICK -eq 1 ]; then
	ROUNDS=2 PGBENCH_ROUNDS=2 PGBENCH_SECONDS=5 REPORT_SIZES_MB="1024" MEMBENCH_MB=64 MEMBENCH_MS=200
	STATESQL_ROUNDS=2 STATESQL_SECONDS=2
	STATE_ENTRIES=10000 STATE_OPS=500000 WAL_RECORDS=50000 QUEUE_MESSAGES=500000
else
	ROUNDS=6 PGBENCH_ROUNDS=10 PGBENCH_SECONDS=10 REPORT_SIZES_MB="1024 8192" MEMBENCH_MB=512 MEMBENCH_MS=1000
	STATESQL_ROUNDS=6 STATESQL_SECONDS=2
	STATE_ENTRIES=10000 STATE_OPS=2000000 WAL_RECORDS=200000 QUEUE_MESSAGES=2000000
fi
STATE_ENTRIES_2=100000 WAL_RECORD_SIZE=64 WAL_RECORD_SIZE_2=8 QUEUE_MESSAGE_SIZE=8 QUEUE_MESSAGE_SIZE_2=64
PREFAULT_REPEAT_MB=1024

# git_commit: the commit numa_pg was built from, "-dirty" if the tree had
# uncommitted changes to tracked files (new results are not changes)
git_commit() {
	local c
	c=$(git -C "$NUMAPG_SRC" rev-parse --short=12 HEAD 2>/dev/null) || { echo unknown; return; }
	if [ -n "$(git -C "$NUMAPG_SRC" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
		echo "$c-dirty (uncommitted changes: these figures are of no commit)"
	else
		echo "$c ($(git -C "$NUMAPG_SRC" log -1 --format='%cd, %s' --date=short | cut -c1-60))"
	fi
}

hold_machine_lock
ensure_packages $NUMAPG_PACKAGES gnuplot-nox
if [ -n "$REPORT_DIR" ]; then
	OUT=$(cd "$REPORT_DIR" && pwd) || die "no directory $REPORT_DIR"
	RAW=$OUT/raw.tsv
	[ -s "$RAW" ] || die "$RAW is missing or empty"
	ROUNDS=$(cut -f5 "$RAW" | sort -n | tail -1)
	ONLY=$(cut -f1 "$RAW" | sort -u | tr '\n' ' ')
	make_workdir
else
	build_and_install
	make_workdir
	STAMP=$(date -u +%Y%m%d-%H%M)
	OUT=${NUMAPG_BENCH_OUT:-$NUMAPG_SRC/bench/results}/$STAMP-$(hostname -s)
	mkdir -p "$OUT" || die "cannot create $OUT"
	RAW=$OUT/raw.tsv
	: >"$RAW"
	chmod 644 "$RAW"
	# the machine the figures come from
	{
		echo "numa_pg benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		echo "machine:    $(hostname -s), $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
		echo "cpus:       $(nproc) online ($(cat /sys/devices/system/cpu/online)), memory $(free -g | awk '/^Mem:/ {print $2}') GiB"
		echo "numa:       $(numactl --hardware | head -1)"
		echo "kernel:     $(uname -r)"
		echo "postgresql: $("$PG_BIN/postgres" --version)"
		echo "numa_pg:    $(git_commit)"
		echo "rounds:     $ROUNDS, pgbench $PGBENCH_ROUNDS paired rounds of ${PGBENCH_SECONDS} s per mode$([ $QUICK -eq 1 ] && echo ' (--quick)')"
		echo "load:       $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start; over the run in the table below"
	} >"$OUT/machine.txt"
	case $(git_commit) in *dirty*) echo "warning: uncommitted changes in $NUMAPG_SRC: the results name a commit they are not of" >&2 ;; esac
fi

# record SECTION NAME UNIT VALUE [ROUND]: one measurement
record() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:-0}" >>"$RAW"
}

wants() { [[ " $ONLY " == *" $1 "* ]]; }

psql_bench() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }

# restart_cluster NAME CONF...: restart cluster NAME with these settings on
# top of the base ones (written to postgresql.auto.conf's neighbour file,
# bench.conf), and point the clients at it
restart_cluster() {
	local name=$1
	shift
	cluster_stop "$name" >/dev/null 2>&1
	printf '%s\n' "$@" >"$NUMAPG_WORK/$name/data/bench.conf"
	cluster_start "$name" || cluster_failed "$name" || die "the $name cluster did not start with: $*"
	cluster_env "$name"
}
# restart_with CONF...: the same for the bench cluster
restart_with() { restart_cluster bench "$@"; }

cluster_init bench "$(free_port)" "shared_buffers = '256MB'" "max_wal_size = '4GB'" \
	"max_worker_processes = 16" "wal_level = logical" "include_if_exists = 'bench.conf'" || exit 1
WORKERS=$(nproc)
[ "$WORKERS" -gt 4 ] && WORKERS=4
PRELOAD=("shared_preload_libraries = 'numa_pg'" "numa_pg.workers = $WORKERS")
if [ -n "$REPORT_DIR" ]; then
	restart_with		# only to summarise: no numa_pg needed
else
	restart_with "${PRELOAD[@]}"
	psql_bench -c 'CREATE EXTENSION numa_pg' -c 'CREATE EXTENSION numa_pg_bench' || exit 1
	# the settings the figures depend on
	psql_bench -F ' = ' -c "SELECT name, current_setting(name) FROM unnest(ARRAY['shared_buffers',
		'wal_buffers', 'fsync', 'synchronous_commit', 'wal_level', 'max_wal_size', 'huge_pages',
		'numa_pg.workers', 'numa_pg.wal_staging_size']) AS name" |
		paste -sd, - | sed 's/,/, /g; s/^/settings:   /' >>"$OUT/machine.txt"
fi

# load: the 1-minute load average, once per round of each section (others'
# work on the machine shows here)
load() { record machine "load average (1 min), at each round" - "$(cut -d' ' -f1 /proc/loadavg)" "$1"; }

# --- memory: latency and bandwidth matrix --------------------------------

bench_memory() {
	local r
	for r in $(seq 1 "$ROUNDS"); do
		# cpu_node,cpu,memory_node,distance,size_mb,latency_ns,bandwidth_mb_s,...
		"$PG_BIN/numa_pg_membench" --csv --size "$MEMBENCH_MB" --duration "$MEMBENCH_MS" \
			>"$NUMAPG_WORK/membench.csv" || return 1
		awk -F, -v r="$r" 'NR > 1 {
				printf "memory\tlatency, CPU node %s -> memory node %s\tns\t%s\t%s\n", $1, $3, $6, r
				printf "memory\tbandwidth, CPU node %s -> memory node %s\tMB/s\t%s\t%s\n", $1, $3, $7, r
			}' "$NUMAPG_WORK/membench.csv" >>"$RAW"
		[ "$r" -eq 1 ] && cat "$NUMAPG_WORK/membench.csv"
		load "$r"
	done
	# the outputs doc/benchmarks.md shows, once each, with their defaults
	"$PG_BIN/numa_pg_membench" >"$OUT/membench.txt" || return 1
	psql_bench -P format=aligned -P tuples_only=off -c "\\qecho '$MEMORY_SQL'" -c "$MEMORY_SQL" \
		>"$OUT/memory-sql.txt" || return 1
	return 0
}

MEMORY_SQL="SELECT cpu_node, cpu, memory_node, distance, round(latency_ns::numeric, 1) AS latency_ns,
       round(bandwidth_mb_s::numeric) AS bandwidth_mb_s, latency_ratio, bandwidth_ratio, pages_on_node, bound
FROM numa_memory_latency();"

# --- hotpaths: numa_pg's hot paths against PostgreSQL's ------------------

# one run of each, local (and remote where there is a second node), at the
# default size and at a second one; a column v names the second size
HOTPATH_QUERY="SELECT '' AS v, * FROM numa_bench_state($STATE_ENTRIES, $STATE_OPS)
	UNION ALL SELECT ' at $STATE_ENTRIES_2 entries', * FROM numa_bench_state($STATE_ENTRIES_2, $STATE_OPS)
	UNION ALL SELECT '', * FROM numa_bench_wal($WAL_RECORDS, $WAL_RECORD_SIZE)
	UNION ALL SELECT ' of $WAL_RECORD_SIZE_2-byte records', * FROM numa_bench_wal($WAL_RECORDS, $WAL_RECORD_SIZE_2)
	UNION ALL SELECT '', * FROM numa_bench_queue($QUEUE_MESSAGES, $QUEUE_MESSAGE_SIZE)
	UNION ALL SELECT ' of $QUEUE_MESSAGE_SIZE_2-byte messages', * FROM numa_bench_queue($QUEUE_MESSAGES, $QUEUE_MESSAGE_SIZE_2)"

# hotpath_targets: the hot paths' targets (TARGETS, below, the same for
# local and remote) as SQL rows (benchmark, target): the functions give only
# ratio_vs_postgres, and hotpaths.txt says from these whether each was met,
# and by how much it was missed
hotpath_targets() {
	awk -F'|' '$1 ~ /^[a-z_]+ \(local\): numa_pg \/ PostgreSQL, ops\/s$/ && $2 == ">=" {
			split($1, w, " ")
			printf "%s('\''%s'\'', %s)", sep, w[1], $3
			sep = ", "
		}' <<<"$TARGETS"
}

bench_hotpaths() {
	local r
	for r in $(seq 1 "$ROUNDS"); do
		psql_bench -F $'\t' >>"$RAW" <<-EOF || return 1
			CREATE TEMP TABLE b AS $HOTPATH_QUERY;
			SELECT 'hotpaths', benchmark || v || ', ' || implementation || ', ' || placement, 'ns/op', ns_per_op, $r
			FROM b
			UNION ALL
			SELECT 'hotpaths', benchmark || v || ', ' || implementation || ', ' || placement, 'ops/s', ops_per_s, $r
			FROM b
			UNION ALL
			SELECT 'targets', benchmark || v || ' (' || placement || '): numa_pg / PostgreSQL, ops/s', 'x', ratio_vs_postgres, $r
			FROM b WHERE implementation IN ('state_store', 'wal_staging', 'spsc_ring');
			\\if $([ "$r" -eq 1 ] && echo true || echo false)
			-- each numa_pg row's target, whether it was met, and a note that
			-- says so (by how much it was missed)
			CREATE TEMP VIEW bt AS
			SELECT b.benchmark, b.v, b.implementation, b.placement, b.cpu, b.peer_cpu, b.memory_node, b.ops,
			       b.ns_per_op, b.ops_per_s, b.ratio_vs_postgres, t.target, b.ratio_vs_postgres >= t.target AS target_met,
			       b.lost, b.duplicated,
			       NULLIF(concat_ws('; ', b.note,
			              CASE WHEN b.ratio_vs_postgres >= t.target
			                   THEN format('target met: %sx, %sx wanted', round(b.ratio_vs_postgres::numeric, 1), t.target)
			                   WHEN b.ratio_vs_postgres < t.target
			                   THEN format('target missed by a factor of %s: %sx, %sx wanted (%s%% of the target)',
			                               round((t.target / b.ratio_vs_postgres)::numeric, 2),
			                               round(b.ratio_vs_postgres::numeric, 2), t.target,
			                               round((100 * b.ratio_vs_postgres / t.target)::numeric))
			              END), '') AS note
			FROM b LEFT JOIN (VALUES $(hotpath_targets)) AS t(benchmark, target)
			  ON t.benchmark = b.benchmark AND b.implementation IN ('state_store', 'wal_staging', 'spsc_ring')
			     AND b.ratio_vs_postgres > 0;
			\\o $OUT/hotpaths.txt
			\\pset format aligned
			\\pset tuples_only off
			\\qecho 'Round 1 of bench/run.sh''s hot paths, as doc/benchmarks.md''s query shows them:'
			\\qecho 'SELECT ... FROM numa_bench_state($STATE_ENTRIES, $STATE_OPS), numa_bench_wal($WAL_RECORDS), numa_bench_queue($QUEUE_MESSAGES)'
			SELECT benchmark, implementation AS impl, placement, cpu, peer_cpu AS peer, memory_node AS mem, ops,
			       round(ns_per_op::numeric, 1) AS ns_per_op, round(ops_per_s::numeric) AS ops_per_s,
			       round(ratio_vs_postgres::numeric, 2) AS ratio, target, target_met AS met, lost, duplicated AS dup
			FROM bt WHERE v = '';
			\\qecho 'The second sizes, the same round:'
			SELECT benchmark || v AS benchmark, implementation AS impl, placement, ops,
			       round(ns_per_op::numeric, 1) AS ns_per_op, round(ops_per_s::numeric) AS ops_per_s,
			       round(ratio_vs_postgres::numeric, 2) AS ratio
			FROM b WHERE v <> '';
			SELECT benchmark || v AS benchmark, implementation AS impl, placement, note FROM bt WHERE note IS NOT NULL;
			\\o
			\\endif
		EOF
		load "$r"
		echo "round $r done"
	done
}

# --- pgbench: numa_pg loaded with idle workers, and not loaded -----------

# half the CPUs as clients, so that clients and their backends share the
# machine without queueing for it (noise on a small machine)
PGBENCH_CLIENTS=$(( $(nproc) / 2 ))
[ "$PGBENCH_CLIENTS" -lt 1 ] && PGBENCH_CLIENTS=1

bench_pgbench() {
	local r config tps mode order
	local -A TPS
	as_pg_user "$PG_BIN/pgbench" -h "$PGHOST" -p "$PGPORT" -U postgres -i -q -s 20 postgres \
		>"$NUMAPG_WORK/pgbench-init.log" 2>&1 || { cat "$NUMAPG_WORK/pgbench-init.log"; return 1; }
	for r in $(seq 1 "$PGBENCH_ROUNDS"); do
		# alternate which goes first, so that neither always runs warmer
		order="without with"
		[ $((r % 2)) -eq 0 ] && order="with without"
		for config in $order; do
			if [ $config = with ]; then restart_with "${PRELOAD[@]}"; else restart_with; fi
			# let the kernel write back what the last run dirtied (fsync is
			# off), so that it does not run during this one; then warm the
			# buffers the restart emptied, unmeasured
			psql_bench -c CHECKPOINT
			sync
			as_pg_user "$PG_BIN/pgbench" -h "$PGHOST" -p "$PGPORT" -U postgres -n -S \
				-c "$PGBENCH_CLIENTS" -j "$PGBENCH_CLIENTS" -T 3 postgres >/dev/null 2>&1
			for mode in select-only tpcb-like; do
				tps=$(as_pg_user "$PG_BIN/pgbench" -h "$PGHOST" -p "$PGPORT" -U postgres -n \
					-b "$mode" -c "$PGBENCH_CLIENTS" -j "$PGBENCH_CLIENTS" -T "$PGBENCH_SECONDS" postgres 2>&1 |
					sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p')
				[ -n "$tps" ] || { echo "pgbench $mode gave no tps"; return 1; }
				echo "round $r, numa_pg $config, $mode: $tps tps"
				record pgbench "$mode, numa_pg $config" tps "$tps" "$r"
				TPS[$config $mode]=$tps
			done
		done
		# each round's with/without ratio, from two back-to-back runs
		for mode in select-only tpcb-like; do
			record targets "pgbench $mode: TPS with numa_pg / without" x \
				"$(awk -v a="${TPS[with $mode]}" -v b="${TPS[without $mode]}" 'BEGIN { printf "%.4f", a / b }')" "$r"
		done
		load "$r"
	done
	restart_with "${PRELOAD[@]}"
}

# --- reports: cost of the placement reports ------------------------------

# time_query SQL: milliseconds to run SQL to the end, in a new backend (as
# a monitoring tool would), printed; whatever else psql says (an error)
# goes to stderr
time_query() {
	psql_bench -c "DO \$\$DECLARE t0 timestamptz := clock_timestamp(); n bigint;
		BEGIN SELECT count(*) INTO n FROM ($1) AS q;
		RAISE NOTICE '%', round(extract(epoch FROM clock_timestamp() - t0) * 1000, 1); END\$\$" 2>&1 |
		sed -n '/^NOTICE:  /!w /dev/stderr
		s/^NOTICE:  //p'
}

bench_reports() {
	local size r ms half log
	local n before
	for size in $REPORT_SIZES_MB; do
		# PostgreSQL's segment: shared_buffers of that size, every page
		# faulted in at start (numa_pg logs how long that took); repeated
		# up to PREFAULT_REPEAT_MB, a restart each
		n=1
		[ "$size" -le $PREFAULT_REPEAT_MB ] && n=$ROUNDS
		for r in $(seq 1 $n); do
			before=$(grep -c 'numa_pg: prefaulted' "$(cluster_log bench)")
			restart_with "${PRELOAD[@]}" "shared_buffers = '${size}MB'" "numa_pg.prefault = on"
			log=$(grep 'numa_pg: prefaulted' "$(cluster_log bench)" | tail -1)
			[ "$(grep -c 'numa_pg: prefaulted' "$(cluster_log bench)")" -gt "$before" ] || log=
			[ "$r" -eq 1 ] && echo "${log#*LOG:  }"
			ms=$(sed -n 's/.* in \([0-9.]*\) ms .*/\1/p' <<<"$log")
			[ -n "$ms" ] && record reports "prefault of shared_buffers = ${size}MB" ms "$ms" "$r"
		done
		for r in $(seq 1 "$ROUNDS"); do
			ms=$(time_query 'SELECT * FROM numa_shmem_allocations()')
			record reports "numa_shmem_allocations(), shared_buffers = ${size}MB" ms "$ms" "$r"
			ms=$(time_query 'SELECT * FROM numa_buffer_nodes()')
			record reports "numa_buffer_nodes(), shared_buffers = ${size}MB" ms "$ms" "$r"
		done
		# numa_pg's own regions: two workers' state stores of half that size each
		half=$((size / 2))
		restart_with "${PRELOAD[@]}" "numa_pg.workers = 2" "numa_pg.state_store_size = '${half}MB'"
		for r in $(seq 1 "$ROUNDS"); do
			ms=$(time_query 'SELECT * FROM numa_regions()')
			record reports "numa_regions(), 2 state stores of ${half}MB" ms "$ms" "$r"
		done
	done
	restart_with "${PRELOAD[@]}"
}

# --- processes: numa_processes() and numa_process_nodes() ------------------

# PROCESS_BACKENDS idle backends (100), each of which has mapped all of 1 GB
# of shared_buffers: a table of about 900 MB is prewarmed into them
# (pg_prewarm), then each backend scans it (a scan of a table in shared
# buffers reads every buffer it is in, whatever the ring of a large scan)
# and waits, idle, on its psql's standard input.  Then each function is
# timed ROUNDS times in a new backend; the results give the median, and per
# process (the time over the processes listed).
PROCESS_BACKENDS=100
bench_processes() {
	local r ms nprocs i feeders=() ok=0
	restart_with "${PRELOAD[@]}" "shared_buffers = '1GB'" "max_connections = $((PROCESS_BACKENDS + 20))"
	psql_bench -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" \
		-c "DROP TABLE IF EXISTS bench_procs" \
		-c "CREATE UNLOGGED TABLE bench_procs AS SELECT g, repeat('x', 1000) AS pad FROM generate_series(1, 800000) g" \
		-c "SELECT pg_prewarm('bench_procs')" >/dev/null || return 1
	echo "table: $(psql_bench -c "SELECT pg_size_pretty(pg_relation_size('bench_procs'))"), shared_buffers 1 GB"
	mkfifo "$NUMAPG_WORK/procs.go"
	for i in $(seq 1 $PROCESS_BACKENDS); do
		# scan, then keep the session open, idle, until procs.go is written
		{ echo "SELECT count(*) FROM bench_procs;"; cat "$NUMAPG_WORK/procs.go" >/dev/null; } |
			"$PG_BIN/psql" -X -q -At -d postgres >/dev/null 2>&1 &
		feeders+=($!)
	done
	# until every backend has scanned and is idle
	for i in $(seq 1 600); do
		[ "$(psql_bench -c "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle' AND backend_type = 'client backend'")" -ge $PROCESS_BACKENDS ] && { ok=1; break; }
		sleep 1
	done
	[ $ok -eq 1 ] || { echo "the $PROCESS_BACKENDS backends did not all scan within 10 min" >&2; exec 8>"$NUMAPG_WORK/procs.go"; exec 8>&-; return 1; }
	nprocs=$(psql_bench -c "SELECT count(*) FROM numa_processes()")
	echo "processes: $nprocs; shared pages the backends map (median): $(psql_bench -c "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FROM (SELECT sum(pages * page_size) / 1048576 AS s FROM numa_process_nodes() JOIN pg_stat_activity USING (pid) WHERE kind = 'shared' AND backend_type = 'client backend' GROUP BY pid) q") MB"
	for r in $(seq 1 "$ROUNDS"); do
		ms=$(time_query 'SELECT * FROM numa_processes()')
		record processes "numa_processes(), $nprocs processes" ms "$ms" "$r"
		record processes "numa_processes(), per process" us "$(awk -v m="$ms" -v n="$nprocs" 'BEGIN { printf "%.1f", m * 1000 / n }')" "$r"
		ms=$(time_query 'SELECT * FROM numa_process_nodes()')
		record processes "numa_process_nodes(), $nprocs processes" ms "$ms" "$r"
		record processes "numa_process_nodes(), per process" us "$(awk -v m="$ms" -v n="$nprocs" 'BEGIN { printf "%.1f", m * 1000 / n }')" "$r"
		load "$r"
	done
	# let the backends go (their psqls read to the end of the fifo)
	exec 8>"$NUMAPG_WORK/procs.go"
	exec 8>&-
	wait "${feeders[@]}" 2>/dev/null
	rm -f "$NUMAPG_WORK/procs.go"
	psql_bench -c "DROP TABLE bench_procs" >/dev/null
	restart_with "${PRELOAD[@]}"
}

# --- pgviews: numa_pg's reports against PostgreSQL 18's own views --------

# The pairs that answer the same question: numa_pg's report and PostgreSQL
# 18's view (pg_buffercache_numa from pg_buffercache), each read to the end.
PGVIEWS_PAIRS=(allocations buffers)
declare -A PGVIEWS_OURS=([allocations]="numa_shmem_allocations()" [buffers]="numa_buffer_nodes()")
declare -A PGVIEWS_THEIRS=([allocations]="pg_shmem_allocations_numa" [buffers]="pg_buffercache_numa")
PGVIEWS_LABEL=18

# shmem_kb: the Shmem line of /proc/meminfo (kB), read before and after each
# query: what it faulted in is the difference.  PostgreSQL's main segment is
# anonymous shared memory, so each of its pages counts there once, from the
# moment any process faults it in until the segment goes (a stop), whichever
# backend faulted it and whether that backend has exited since (each query
# here has a backend of its own, gone when it is read).  The servers'
# RssShmem summed would count a page once per process that maps it, and no
# longer count the measured backend's once it has exited.  Shmem is the
# whole machine's: tmpfs written meanwhile shows in it too, which the
# machine lock (no other numa_pg run at the same time) keeps small.
shmem_kb() { awk '/^Shmem:/ { print $2 }' /proc/meminfo; }

# pgviews_query KEY WHO SQL: run SQL in a new backend (time_query); record
# its milliseconds as "KEY: WHO" and the MB it faulted in; set MS[WHO]
pgviews_query() {
	local key=$1 who=$2 sql=$3 before ms after
	before=$(shmem_kb)
	ms=$(time_query "$sql")
	after=$(shmem_kb)
	[ -n "$ms" ] || { echo "no time for: $sql"; return 1; }
	record pgviews "$key: $who" ms "$ms" "$r"
	record pgviews "$key: $who, faulted in" MB "$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.1f", (a - b) / 1024 }')" "$r"
	MS[$who]=$ms
}

# pgviews_start SIZE PREFAULT: the PostgreSQL 18 cluster started afresh
# with shared_buffers = SIZE MB and numa_pg.prefault = PREFAULT; then one
# backend plans (EXPLAIN, runs nothing of) every query measured here, so
# that no measured one pays for what the first backend after a start does
# (the relation cache's init file, the catalog pages it reads into shared
# buffers: a few pages of the segment faulted in, none of the reports')
pgviews_start() {
	local p
	restart_cluster pgviews "${PRELOAD[@]}" "huge_pages = off" "shared_buffers = '${1}MB'" "numa_pg.prefault = $2"
	for p in "${PGVIEWS_PAIRS[@]}"; do
		psql_bench -c "EXPLAIN SELECT * FROM ${PGVIEWS_OURS[$p]}" -c "EXPLAIN SELECT * FROM ${PGVIEWS_THEIRS[$p]}" \
			>/dev/null || return 1
	done
}

# pgviews_round SIZE STATE ROUND: each pair once, the order alternating
# with the round; never faulted in, each query on a server started afresh
# (PostgreSQL's views fault every page in), prefaulted on the running one
pgviews_round() {
	local size=$1 state=$2 r=$3 p key who order
	local -A MS
	for p in "${PGVIEWS_PAIRS[@]}"; do
		key="$p, shared_buffers = ${size}MB, $state"
		order="${PGVIEWS_OURS[$p]} ${PGVIEWS_THEIRS[$p]}"
		[ $((r % 2)) -eq 0 ] && order="${PGVIEWS_THEIRS[$p]} ${PGVIEWS_OURS[$p]}"
		for who in $order; do
			if [ "$state" = "never faulted in" ]; then pgviews_start "$size" off || return 1; fi
			pgviews_query "$key" "$who" "SELECT * FROM $who" || return 1
		done
		ratio "pgviews $key: ${PGVIEWS_THEIRS[$p]} ms / ${PGVIEWS_OURS[$p]} ms" \
			"${MS[${PGVIEWS_THEIRS[$p]}]}" "${MS[${PGVIEWS_OURS[$p]}]}"
		echo "$key, round $r: ${PGVIEWS_OURS[$p]} ${MS[${PGVIEWS_OURS[$p]}]} ms, ${PGVIEWS_THEIRS[$p]} ${MS[${PGVIEWS_THEIRS[$p]}]} ms"
	done
}

# bench_pgviews_18: the section, with PostgreSQL 18 selected and numa_pg
# built for it
bench_pgviews_18() {
	local size r available
	cluster_init pgviews "$(free_port)" "max_worker_processes = 16" "include_if_exists = 'bench.conf'" || return 1
	restart_cluster pgviews "${PRELOAD[@]}"
	psql_bench -c "CREATE EXTENSION numa_pg" -c "CREATE EXTENSION pg_buffercache" || return 1
	available=$(psql_bench -c "SELECT pg_numa_available()") || return 1
	if [ "$available" != t ]; then
		echo "pgviews:    skipped: pg_numa_available() is false on $("$PG_BIN/postgres" --version)" | tee -a "$OUT/machine.txt"
		return 0
	fi
	echo "pgviews:    $("$PG_BIN/postgres" --version) ($PG_CONFIG), huge_pages = off, the rest as the bench cluster" >>"$OUT/machine.txt"
	for size in $REPORT_SIZES_MB; do
		for r in $(seq 1 "$ROUNDS"); do
			pgviews_round "$size" "never faulted in" "$r" || return 1
		done
		pgviews_start "$size" on || return 1
		for r in $(seq 1 "$ROUNDS"); do
			pgviews_round "$size" prefaulted "$r" || return 1
			load "$r"
		done
	done
}

# bench_pgviews: on the PostgreSQL 18 release build of ../shared/postgresql
# (shared_builds; the rest of bench/run.sh runs on Debian's), or skipped,
# saying why, where there is none; the bench cluster's PostgreSQL is
# selected again after, whatever happened
bench_pgviews() {
	local config rc=0 build=$NUMAPG_WORK/build/$PGVIEWS_LABEL
	local saved=("$PG_LABEL" "$PG_CONFIG" "$PG_BIN" "${LD_LIBRARY_PATH:-}")
	config=$(shared_builds | awk -v l="$PGVIEWS_LABEL" '$1 == l { print $2 }')
	if [ -z "$config" ]; then
		echo "pgviews:    skipped: no PostgreSQL $PGVIEWS_LABEL build (pg18.tar.xz) in $NUMAPG_SHARED_PG (NUMAPG_SHARED_PG names another directory)" |
			tee -a "$OUT/machine.txt"
		return 0
	fi
	pg_select "$PGVIEWS_LABEL" "$config"
	if copy_tree "$build" && build_and_install_in "$build" all; then
		bench_pgviews_18 || rc=1
		cluster_stop pgviews >/dev/null 2>&1
	else
		rc=1
	fi
	export PG_LABEL=${saved[0]} PG_CONFIG=${saved[1]} PG_BIN=${saved[2]} LD_LIBRARY_PATH=${saved[3]}
	cluster_env bench
	return $rc
}

# --- estimate: the sampled reports against the exact ones ----------------

# The pairs: the exact report and its estimate from one cluster of pages
# in each run of 64 (ESTIMATE_EVERY), each read to the end in a new backend.
ESTIMATE_EVERY=64
ESTIMATE_PAIRS=(allocations buffers)
declare -A ESTIMATE_EXACT=([allocations]="numa_shmem_allocations()" [buffers]="numa_buffer_nodes()")
declare -A ESTIMATE_SAMPLED=([allocations]="numa_shmem_allocations_estimate($ESTIMATE_EVERY)"
	[buffers]="numa_buffer_nodes_estimate($ESTIMATE_EVERY)")
# per pair, one statement giving "largest error, stated bound" in bytes
# over the rows (a node missing from one side counts 0 there): shared
# buffers' row of the allocations (the largest), the pages of shared buffers
declare -A ESTIMATE_ERROR=(
	[allocations]="WITH x AS MATERIALIZED (SELECT node, size FROM numa_shmem_allocations() WHERE name = 'Buffer Blocks'),
		e AS MATERIALIZED (SELECT node, size, error_bytes FROM numa_shmem_allocations_estimate($ESTIMATE_EVERY) WHERE name = 'Buffer Blocks')
		SELECT max(abs(coalesce(e.size, 0) - coalesce(x.size, 0))) || ' ' || (SELECT max(error_bytes) FROM e)
		FROM x FULL JOIN e ON coalesce(x.node, -1) = coalesce(e.node, -1)"
	[buffers]="WITH x AS MATERIALIZED (SELECT node, pages FROM numa_buffer_nodes()),
		e AS MATERIALIZED (SELECT node, pages, error_bytes FROM numa_buffer_nodes_estimate($ESTIMATE_EVERY)),
		p AS (SELECT size / pages AS page_size FROM numa_shmem_allocations() LIMIT 1)
		SELECT max(abs(coalesce(e.pages, 0) - coalesce(x.pages, 0))) * (SELECT page_size FROM p) || ' ' || (SELECT max(error_bytes) FROM e)
		FROM x FULL JOIN e ON coalesce(x.node, -1) = coalesce(e.node, -1)")
ESTIMATE_MB=8192
[ $QUICK -eq 1 ] && ESTIMATE_MB=1024

# bench_estimate: shared_buffers of ESTIMATE_MB, prefaulted and interleaved
# (on one node interleave changes nothing; on several it alternates the
# pages, the pattern a fixed sample would misread); ROUNDS rounds, each
# pair once a round, the order alternating with the round
bench_estimate() {
	local r p who order err bound
	local -A MS
	restart_with "${PRELOAD[@]}" "shared_buffers = '${ESTIMATE_MB}MB'" "numa_pg.prefault = on" \
		"numa_pg.shared_memory_policy = 'interleave'" || return 1
	# the first backend after a start reads the catalogs: not a measured one
	psql_bench -c "SELECT count(*) FROM numa_shmem_allocations_estimate(1048576)" >/dev/null || return 1
	for r in $(seq 1 "$ROUNDS"); do
		load "$r"
		for p in "${ESTIMATE_PAIRS[@]}"; do
			order="${ESTIMATE_EXACT[$p]} ${ESTIMATE_SAMPLED[$p]}"
			[ $((r % 2)) -eq 0 ] && order="${ESTIMATE_SAMPLED[$p]} ${ESTIMATE_EXACT[$p]}"
			for who in $order; do
				MS[$who]=$(time_query "SELECT * FROM $who")
				[ -n "${MS[$who]}" ] || { echo "no time for $who"; return 1; }
				record estimate "$p, shared_buffers = ${ESTIMATE_MB}MB: $who" ms "${MS[$who]}" "$r"
			done
			ratio "estimate $p, shared_buffers = ${ESTIMATE_MB}MB: ${ESTIMATE_EXACT[$p]} ms / ${ESTIMATE_SAMPLED[$p]} ms" \
				"${MS[${ESTIMATE_EXACT[$p]}]}" "${MS[${ESTIMATE_SAMPLED[$p]}]}"
			read -r err bound <<<"$(psql_bench -c "${ESTIMATE_ERROR[$p]}")"
			[ -n "$bound" ] || { echo "no error measured for $p"; return 1; }
			record estimate "$p, shared_buffers = ${ESTIMATE_MB}MB: largest error of a node" MB \
				"$(awk -v e="$err" 'BEGIN { printf "%.3f", e / 1048576 }')" "$r"
			record estimate "$p, shared_buffers = ${ESTIMATE_MB}MB: stated bound" MB \
				"$(awk -v b="$bound" 'BEGIN { printf "%.3f", b / 1048576 }')" "$r"
			echo "$p, round $r: ${ESTIMATE_EXACT[$p]} ${MS[${ESTIMATE_EXACT[$p]}]} ms, ${ESTIMATE_SAMPLED[$p]} ${MS[${ESTIMATE_SAMPLED[$p]}]} ms;" \
				"largest error $err bytes, stated bound $bound bytes"
		done
	done
	restart_with "${PRELOAD[@]}"
}

# --- statesql: the state store from SQL, against a table -----------------

# Keys 'b1' .. 'b20000', spread over every worker; values of 16 and 256
# bytes; the table a user would use instead, unlogged (kv) and logged
# (kvl): (k text PRIMARY KEY, v bytea).
STATESQL_KEYS=20000
STATESQL_BATCH=10000
declare -A STATESQL_VALUE=(
	[16]="'\\x000102030405060708090a0b0c0d0e0f'::bytea"
	[256]="decode(repeat('a5', 256), 'hex')"
)
# the impls of each operation in one statement, and their tables
STATESQL_IMPLS=("numa_pg" "numa_pg through the worker" "unlogged table" "logged table")
declare -A STATESQL_TABLE=([unlogged table]=kv [logged table]=kvl)

# statesql_stmt OP SIZE IMPL: the statement of STATESQL_KEYS calls (a SET
# first for the worker's path); empty if IMPL does not do OP that way
statesql_stmt() {
	local op=$1 val=${STATESQL_VALUE[$2]} impl=$3 n=$STATESQL_KEYS t=${STATESQL_TABLE[$3]:-}
	case $op,$impl in
		get,numa_pg) echo "SELECT count(numa_state_get('b' || g)) FROM generate_series(1, $n) g" ;;
		"get,numa_pg through the worker") echo "SET numa_pg.direct_reads = off; SELECT count(numa_state_get('b' || g)) FROM generate_series(1, $n) g" ;;
		get,*table) echo "SELECT count((SELECT v FROM $t WHERE k = 'b' || g)) FROM generate_series(1, $n) g" ;;
		put,numa_pg) echo "SELECT count(numa_state_put('b' || g, $val)) FROM generate_series(1, $n) g" ;;
		"put,numa_pg through the worker") echo "SET numa_pg.direct_writes = off; SELECT count(numa_state_put('b' || g, $val)) FROM generate_series(1, $n) g" ;;
		put,*table) echo "INSERT INTO $t SELECT 'b' || g, $val FROM generate_series(1, $n) g ON CONFLICT (k) DO UPDATE SET v = excluded.v" ;;
		delete,numa_pg) echo "SELECT count(*) FILTER (WHERE numa_state_delete('b' || g)) FROM generate_series(1, $n) g" ;;
		"delete,numa_pg through the worker") echo "SET numa_pg.direct_writes = off; SELECT count(*) FILTER (WHERE numa_state_delete('b' || g)) FROM generate_series(1, $n) g" ;;
		delete,*table) echo "DELETE FROM $t WHERE k IN (SELECT 'b' || g FROM generate_series(1, $n) g)" ;;
	esac
}

# statesql_fill SIZE: every key in the stores and both tables (untimed)
statesql_fill() {
	local val=${STATESQL_VALUE[$1]} n=$STATESQL_KEYS
	psql_bench -c "SELECT numa_state_put_many(array_agg('b' || g), array_agg($val)) FROM generate_series(1, $n) g" \
		-c "INSERT INTO kv SELECT 'b' || g, $val FROM generate_series(1, $n) g ON CONFLICT (k) DO UPDATE SET v = excluded.v" \
		-c "INSERT INTO kvl SELECT 'b' || g, $val FROM generate_series(1, $n) g ON CONFLICT (k) DO UPDATE SET v = excluded.v" \
		>/dev/null
}

# statement_ms SQL: milliseconds one statement (after any SET in SQL) takes,
# in one session, timed by the server
statement_ms() {
	local set=${1%%; SELECT*} stmt=$1
	[ "$set" = "$1" ] && set= || stmt=${1#*; }
	psql_bench -c "${set:-SELECT 1}" -c "DO \$\$DECLARE t0 timestamptz := clock_timestamp();
		BEGIN EXECUTE \$q\$$stmt\$q\$;
		RAISE NOTICE '%', round(extract(epoch FROM clock_timestamp() - t0) * 1000, 3); END\$\$" 2>&1 |
		sed -n 's/^NOTICE:  //p'
}

# pgbench -M prepared scripts of one call each, on a random key of
# STATESQL_KEYS, 16-byte values; deletes run last in a round (most of the
# later ones find nothing, on every side alike), then the keys are put back
STATESQL_V16="'\\x000102030405060708090a0b0c0d0e0f'::bytea"
declare -A STATESQL_SCRIPT=(
	[get, numa_pg]="SELECT numa_state_get('b' || :k);"
	[get, unlogged table]="SELECT v FROM kv WHERE k = 'b' || :k;"
	[get, logged table]="SELECT v FROM kvl WHERE k = 'b' || :k;"
	[put, numa_pg]="SELECT numa_state_put('b' || :k, $STATESQL_V16);"
	[put, unlogged table]="INSERT INTO kv VALUES ('b' || :k, $STATESQL_V16) ON CONFLICT (k) DO UPDATE SET v = excluded.v;"
	[put, logged table]="INSERT INTO kvl VALUES ('b' || :k, $STATESQL_V16) ON CONFLICT (k) DO UPDATE SET v = excluded.v;"
	[delete, numa_pg]="SELECT numa_state_delete('b' || :k);"
	[delete, unlogged table]="DELETE FROM kv WHERE k = 'b' || :k;"
	[delete, logged table]="DELETE FROM kvl WHERE k = 'b' || :k;"
	[SELECT 1]="SELECT 1;"
	[SELECT the key]="SELECT 'b' || :k;"
	[a no-op C function]="SELECT numa_pg_client_noop('b' || :k);"
	[a no-op C function as put]="SELECT numa_pg_client_noop_put('b' || :k, $STATESQL_V16);"
	[a no-op C function as delete]="SELECT numa_pg_client_noop_delete('b' || :k);"
)
# "SELECT the key" is the statements' own work without the call: what is
# left of SELECT 1's TPS once the key is built; "a no-op C function"
# (test/client) adds a call of an extension's function that takes the key
# and returns 16 bytes, without numa_pg: the most any extension's one-call
# statement can reach, and what is left is numa_pg's own cost; "as put"
# and "as delete" are the same with numa_state_put()'s and
# numa_state_delete()'s arguments and results (STATESQL_NOOP: each
# operation's no-op)
STATESQL_SCRIPT_ORDER=("get, numa_pg" "get, unlogged table" "get, logged table" "put, numa_pg"
	"put, unlogged table" "put, logged table" "SELECT 1" "SELECT the key" "a no-op C function"
	"a no-op C function as put" "a no-op C function as delete")
declare -A STATESQL_NOOP=([get]="a no-op C function" [put]="a no-op C function as put"
	[delete]="a no-op C function as delete")
STATESQL_DELETE_ORDER=("delete, numa_pg" "delete, unlogged table" "delete, logged table")
STATESQL_CLIENTS="1 2 $(( $(nproc) * 4 ))"

# statesql_tps NAME CLIENTS SECONDS|-t N: pgbench -M prepared of a script
statesql_tps() {
	local script=$NUMAPG_WORK/statesql-${1//[^a-z0-9]/_}.pgbench clients=$2 how
	if [ "$3" = -t ]; then how="-t $4"; else how="-T $3"; fi
	# shellcheck disable=SC2086
	as_pg_user "$PG_BIN/pgbench" -h "$PGHOST" -p "$PGPORT" -U postgres -n -M prepared \
		-c "$clients" -j "$(( clients < $(nproc) ? clients : $(nproc) ))" $how -f "$script" postgres 2>&1 |
		sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p'
}

# ratio NAME A B: record A / B as the target NAME, this round
ratio() { record targets "$1" x "$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.4f", a / b }')" "$r"; }

bench_statesql_round() {
	local w=$1 r=$2 op size impl i name ms stmt clients tps
	local -A MS T
	# one statement of STATESQL_KEYS calls; the order turns every round
	for size in 16 256; do
		statesql_fill "$size" || return 1
		for op in get put delete; do
			for i in $(seq 0 $((${#STATESQL_IMPLS[@]} - 1))); do
				impl=${STATESQL_IMPLS[$(( (i + r) % ${#STATESQL_IMPLS[@]} ))]}
				stmt=$(statesql_stmt $op $size "$impl")
				ms=$(statement_ms "$stmt")
				[ -n "$ms" ] || { echo "no time for: $stmt"; return 1; }
				record statesql "w=$w, $STATESQL_KEYS ${op}s of $size bytes in one statement, $impl" ms "$ms" "$r"
				record statesql "w=$w, one $op of $size bytes in one statement, $impl" us \
					"$(awk -v m="$ms" -v n=$STATESQL_KEYS 'BEGIN { printf "%.3f", m * 1000 / n }')" "$r"
				MS[$op,$impl]=$ms
				[ $op = delete ] && { statesql_fill "$size" || return 1; }
			done
			for impl in "unlogged table" "logged table"; do
				ratio "statesql w=$w: $op of $size bytes in one statement, $impl ms / numa_pg ms" "${MS[$op,$impl]}" "${MS[$op,numa_pg]}"
			done
		done
	done

	# batches of STATESQL_BATCH keys, from an array made before the clock
	# starts (as a client's parameter would be): one call, against the same
	# keys through single calls in one statement (unnest), and in single
	# statements, one a transaction (pgbench -t, 1 client); 16-byte values
	statesql_fill 16 || return 1
	statesql_batch "$w" "$r" get numa_state_get_many "numa_state_get_many(keys)" \
		"SELECT count(value) INTO n FROM numa_state_get_many(keys)" \
		"SELECT count(numa_state_get(k)) INTO n FROM unnest(keys) k" || return 1
	# the floor of both: the keys' rows alone, without a call
	ms=$(batch_ms "SELECT count(k) INTO n FROM unnest(keys) k")
	[ -n "$ms" ] || { echo "no time for the batches' floor"; return 1; }
	record statesql "w=$w, batch of $STATESQL_BATCH keys: their rows alone (unnest, no call)" ms "$ms" "$r"
	statesql_batch "$w" "$r" put numa_state_put_many "numa_state_put_many(keys, values)" \
		"PERFORM numa_state_put_many(keys, vals)" \
		"SELECT count(numa_state_put(k, v)) INTO n FROM unnest(keys, vals) u(k, v)" || return 1

	# pgbench -M prepared, 16-byte values
	statesql_fill 16 || return 1
	for clients in $STATESQL_CLIENTS; do
		for i in $(seq 0 $((${#STATESQL_SCRIPT_ORDER[@]} - 1))); do
			name=${STATESQL_SCRIPT_ORDER[$(( (i + r) % ${#STATESQL_SCRIPT_ORDER[@]} ))]}
			tps=$(statesql_tps "$name" "$clients" "$STATESQL_SECONDS")
			[ -n "$tps" ] || { echo "pgbench $name, $clients clients, gave no tps"; return 1; }
			record statesql "w=$w, pgbench -M prepared, $clients client(s): $name" tps "$tps" "$r"
			T[$name]=$tps
		done
		for i in $(seq 0 $((${#STATESQL_DELETE_ORDER[@]} - 1))); do
			name=${STATESQL_DELETE_ORDER[$(( (i + r) % ${#STATESQL_DELETE_ORDER[@]} ))]}
			tps=$(statesql_tps "$name" "$clients" "$STATESQL_SECONDS")
			[ -n "$tps" ] || { echo "pgbench $name, $clients clients, gave no tps"; return 1; }
			record statesql "w=$w, pgbench -M prepared, $clients client(s): $name" tps "$tps" "$r"
			T[$name]=$tps
		done
		statesql_fill 16 || return 1
		for op in get put delete; do
			ratio "statesql w=$w pgbench $op, $clients client(s): numa_pg / unlogged table TPS" "${T[$op, numa_pg]}" "${T[$op, unlogged table]}"
			ratio "statesql w=$w pgbench $op, $clients client(s): numa_pg / logged table TPS" "${T[$op, numa_pg]}" "${T[$op, logged table]}"
			ratio "statesql w=$w pgbench $op, $clients client(s): numa_pg / SELECT 1 TPS" "${T[$op, numa_pg]}" "${T[SELECT 1]}"
			ratio "statesql w=$w pgbench $op, $clients client(s): numa_pg / SELECT the key TPS" "${T[$op, numa_pg]}" "${T[SELECT the key]}"
			ratio "statesql w=$w pgbench $op, $clients client(s): numa_pg / the no-op of its call TPS" "${T[$op, numa_pg]}" "${T[${STATESQL_NOOP[$op]}]}"
		done
	done
	load "$r"
	echo "workers $w, round $r done: 20,000 gets in one statement ${MS[get,numa_pg]} ms (table ${MS[get,unlogged table]}), puts ${MS[put,numa_pg]} ms (table ${MS[put,unlogged table]})"
}

# statesql_batch W ROUND OP FUNCTION CALL BATCH SINGLES: one batch of
# STATESQL_BATCH OPs through FUNCTION (the statement BATCH, recorded as
# CALL), the same keys through single calls in one statement (SINGLES), and
# in single statements (pgbench -t, 1 client, the OP script); and the
# ratios of the last two to the first
statesql_batch() {
	local w=$1 r=$2 op=$3 fn=$4 call=$5 batch_stmt=$6 singles_stmt=$7
	local batch singles statements tps

	batch=$(batch_ms "$batch_stmt")
	[ -n "$batch" ] || { echo "no time for: $batch_stmt"; return 1; }
	record statesql "w=$w, batch of $STATESQL_BATCH ${op}s: $call" ms "$batch" "$r"
	singles=$(batch_ms "$singles_stmt")
	[ -n "$singles" ] || { echo "no time for: $singles_stmt"; return 1; }
	record statesql "w=$w, batch of $STATESQL_BATCH ${op}s: single calls in one statement" ms "$singles" "$r"
	tps=$(statesql_tps "$op, numa_pg" 1 -t "$STATESQL_BATCH")
	[ -n "$tps" ] || { echo "pgbench $op, numa_pg, -t $STATESQL_BATCH gave no tps"; return 1; }
	statements=$(awk -v t="$tps" -v n="$STATESQL_BATCH" 'BEGIN { printf "%.3f", n / t * 1000 }')
	record statesql "w=$w, batch of $STATESQL_BATCH ${op}s: single statements (pgbench -t, 1 client)" ms "$statements" "$r"
	ratio "statesql w=$w: batch $op, single calls in one statement ms / $fn ms" "$singles" "$batch"
	ratio "statesql w=$w: batch $op, single statements ms / $fn ms" "$statements" "$batch"
}

# batch_ms STATEMENT: milliseconds of a PL/pgSQL STATEMENT over the arrays
# keys (b1 .. bSTATESQL_BATCH) and vals (16-byte values), made first
batch_ms() {
	psql_bench -c "DO \$\$DECLARE keys text[] := ARRAY(SELECT 'b' || g FROM generate_series(1, $STATESQL_BATCH) g);
		vals bytea[] := array_fill($STATESQL_V16, ARRAY[$STATESQL_BATCH]);
		n bigint; t0 timestamptz;
		BEGIN t0 := clock_timestamp(); $1;
		RAISE NOTICE '%', round(extract(epoch FROM clock_timestamp() - t0) * 1000, 3); END\$\$" 2>&1 |
		sed -n 's/^NOTICE:  //p'
}

# statesql_capi W: the C API's get from a backend (numapg_state_get(),
# through test/client) against the store's own lookup in numa_bench_state,
# alternating, STATESQL_ROUNDS times; both 10,000 keys of 8 bytes with
# 64-byte values, the C API's in the 64MB stores of the rounds above
# (numa_bench_state sizes its store to its keys; the stores keep their
# used slots packed, so the keys lie in as few pages either way)
statesql_capi() {
	local w=$1 r ns in
	restart_with "shared_preload_libraries = 'numa_pg'" "numa_pg.workers = $w" "numa_pg.state_store_size = '64MB'"
	for r in $(seq 1 "$STATESQL_ROUNDS"); do
		ns=$(psql_bench -c "SELECT round(get_ns::numeric, 2) FROM numa_pg_client_state_bench($STATE_ENTRIES, $STATE_OPS)")
		record statesql "w=$w, C API numapg_state_get() from a backend, $STATE_ENTRIES keys" ns "$ns" "$r"
		in=$(psql_bench -c "SELECT round(ns_per_op::numeric, 2) FROM numa_bench_state($STATE_ENTRIES, $STATE_OPS)
			WHERE benchmark = 'state_lookup' AND implementation = 'state_store' AND placement = 'local'")
		record statesql "w=$w, numa_bench_state's in-process lookup, $STATE_ENTRIES keys" ns "$in" "$r"
		ratio "statesql w=$w: C API get, 2 x in-process lookup ns / numapg_state_get ns" "$(awk -v a="$in" 'BEGIN { print 2 * a }')" "$ns"
	done
}

# the workers the section runs with: 1 to nproc
STATESQL_WORKERS=$(seq 1 "$(nproc)")

bench_statesql() {
	local w r name
	for name in "${!STATESQL_SCRIPT[@]}"; do
		printf '\\set k random(1, %d)\n%s\n' "$STATESQL_KEYS" "${STATESQL_SCRIPT[$name]}" \
			>"$NUMAPG_WORK/statesql-${name//[^a-z0-9]/_}.pgbench"
	done
	chmod 644 "$NUMAPG_WORK"/statesql-*.pgbench
	for w in $STATESQL_WORKERS; do
		restart_with "shared_preload_libraries = 'numa_pg'" "numa_pg.workers = $w" "numa_pg.state_store_size = '64MB'"
		psql_bench -c "CREATE EXTENSION IF NOT EXISTS numa_pg_client" \
			-c "DROP TABLE IF EXISTS kv, kvl" -c "CREATE UNLOGGED TABLE kv (k text PRIMARY KEY, v bytea)" \
			-c "CREATE TABLE kvl (k text PRIMARY KEY, v bytea)" >/dev/null || return 1
		statesql_fill 16 || return 1
		psql_bench -c "VACUUM ANALYZE kv" -c "VACUUM ANALYZE kvl" >/dev/null || return 1
		for r in $(seq 1 "$STATESQL_ROUNDS"); do
			bench_statesql_round "$w" "$r" || return 1
		done
		psql_bench -c "DROP TABLE kv, kvl" >/dev/null
		statesql_capi "$w" || return 1
	done
	restart_with "${PRELOAD[@]}"
}

# --- targets ------------------------------------------------------------

# The targets the figures are held to (issue 6): measurement (section
# targets), the comparison, the figure.  A ratio here is always "numa_pg /
# PostgreSQL's own" in the direction where higher is better.
TARGETS="state_lookup (local): numa_pg / PostgreSQL, ops/s|>=|3
state_lookup (remote): numa_pg / PostgreSQL, ops/s|>=|3
wal_append (local): numa_pg / PostgreSQL, ops/s|>=|20
wal_append (remote): numa_pg / PostgreSQL, ops/s|>=|20
queue (local): numa_pg / PostgreSQL, ops/s|>=|10
queue (remote): numa_pg / PostgreSQL, ops/s|>=|10
pgbench select-only: TPS with numa_pg / without|>=|0.98
pgbench tpcb-like: TPS with numa_pg / without|>=|0.98"
# the state store from SQL and C (issue 12), for each number of workers:
# in one statement, get 3x the table's lookup, put and delete 2x its upsert
# and delete; pgbench at least the table's TPS and within 10% of SELECT 1;
# batches 5x single calls; the C API's get within 2x of the in-process
# lookup
for w in $STATESQL_WORKERS; do
	for size in 16 256; do
		for t in "unlogged table" "logged table"; do
			TARGETS+="
statesql w=$w: get of $size bytes in one statement, $t ms / numa_pg ms|>=|3
statesql w=$w: put of $size bytes in one statement, $t ms / numa_pg ms|>=|2
statesql w=$w: delete of $size bytes in one statement, $t ms / numa_pg ms|>=|2"
		done
	done
	TARGETS+="
statesql w=$w: batch get, single calls in one statement ms / numa_state_get_many ms|>=|1
statesql w=$w: batch get, single statements ms / numa_state_get_many ms|>=|5
statesql w=$w: batch put, single calls in one statement ms / numa_state_put_many ms|>=|1
statesql w=$w: batch put, single statements ms / numa_state_put_many ms|>=|5
statesql w=$w: C API get, 2 x in-process lookup ns / numapg_state_get ns|>=|1"
	for clients in $STATESQL_CLIENTS; do
		for op in get put delete; do
			TARGETS+="
statesql w=$w pgbench $op, $clients client(s): numa_pg / unlogged table TPS|>=|1
statesql w=$w pgbench $op, $clients client(s): numa_pg / logged table TPS|>=|1
statesql w=$w pgbench $op, $clients client(s): numa_pg / SELECT 1 TPS|>=|0.9"
		done
	done
done

# numa_pg's reports against PostgreSQL 18's views (issue 11), at both
# sizes: at least 20x faster over memory never faulted in (which the views
# fault in, and numa_pg's reports do not), never slower over prefaulted
# memory
for size in 1024 8192; do
	for p in "${PGVIEWS_PAIRS[@]}"; do
		TARGETS+="
pgviews $p, shared_buffers = ${size}MB, never faulted in: ${PGVIEWS_THEIRS[$p]} ms / ${PGVIEWS_OURS[$p]} ms|>=|20
pgviews $p, shared_buffers = ${size}MB, prefaulted: ${PGVIEWS_THEIRS[$p]} ms / ${PGVIEWS_OURS[$p]} ms|>=|1"
	done
done

# The estimates (issue 11): at least 20x faster than the exact reports over
# 8 GB, prefaulted
for p in "${ESTIMATE_PAIRS[@]}"; do
	TARGETS+="
estimate $p, shared_buffers = ${ESTIMATE_MB}MB: ${ESTIMATE_EXACT[$p]} ms / ${ESTIMATE_SAMPLED[$p]} ms|>=|20"
done

# The spec's absolute figures (section hotpaths, ns/op), which it gives as
# "about": informational, met or missed on the median.
ABSOLUTE="state_lookup, state_store, local|<=|100|state lookup, about 100 ns
wal_append, wal_staging, local|<=|50|WAL append, about 50 ns
queue, spsc_ring, local|<=|5|SPSC push, about 5 ns local"

# --- run, then summarise -------------------------------------------------

FAILED=()
for section in memory hotpaths pgbench reports pgviews processes estimate statesql; do
	wants $section && [ -z "$REPORT_DIR" ] || continue
	say "$section"
	"bench_$section" || FAILED+=("$section")
done

# stats SECTION NAME [UNIT]: "n min q1 median q3 max" of a measurement's
# values over its rounds, empty if it was not measured
stats() {
	psql_bench -F ' ' -c "SELECT count(*), min(value),
			percentile_cont(0.25) WITHIN GROUP (ORDER BY value),
			percentile_cont(0.5) WITHIN GROUP (ORDER BY value),
			percentile_cont(0.75) WITHIN GROUP (ORDER BY value), max(value)
		FROM bench_raw WHERE section = '$1' AND name = '$2' AND ('${3:-}' = '' OR unit = '${3:-}')
		HAVING count(*) > 0"
}
# median SECTION NAME [UNIT]: the median alone
median() { stats "$@" | cut -d' ' -f4; }
target_median() { median targets "$1"; }

# why_* PLACEMENT...: a missed target's "why", worked out from this run's
# figures (medians unless said), printed indented under its verdict.  What
# they say beyond the figures is the reading in bench/results/*/NOTES.md.
why_state_lookup() {
	local p=$1 d s d2 s2
	d=$(median hotpaths "state_lookup, dynahash, $p" ns/op)
	s=$(median hotpaths "state_lookup, state_store, $p" ns/op)
	d2=$(median hotpaths "state_lookup at $STATE_ENTRIES_2 entries, dynahash, $p" ns/op)
	s2=$(median hotpaths "state_lookup at $STATE_ENTRIES_2 entries, state_store, $p" ns/op)
	awk -v d="$d" -v s="$s" -v d2="$d2" -v s2="$s2" -v e2="$STATE_ENTRIES_2" 'BEGIN {
		printf "      why: dynahash under its partition LWLock took %.1f ns a lookup, the state store %.1f ns;\n", d, s
		printf "      3x needs %.1f ns.  One backend alone never contends for the lock, which then costs\n", d / 3
		printf "      two atomic operations; the 3x counts on many backends contending for partition\n"
		printf "      locks, which this benchmark does not measure.\n"
		if (d2 != "" && s2 != "")
			printf "      At %d entries: %.1f against %.1f ns, %.2fx.\n", e2, s2, d2, d2 / s2
	}'
}
# wal_fit PLACEMENT: "l w l2 w2 per_message_l per_byte_l per_message_w per_byte_w"
# for PostgreSQL's path (l) and staging (w), from the two record sizes
wal_fit() {
	local p=$1 l w l2 w2
	l=$(median hotpaths "wal_append, log_logical_message, $p" ns/op)
	w=$(median hotpaths "wal_append, wal_staging, $p" ns/op)
	l2=$(median hotpaths "wal_append of $WAL_RECORD_SIZE_2-byte records, log_logical_message, $p" ns/op)
	w2=$(median hotpaths "wal_append of $WAL_RECORD_SIZE_2-byte records, wal_staging, $p" ns/op)
	[ -n "$l" ] && [ -n "$w" ] && [ -n "$l2" ] && [ -n "$w2" ] || return 0
	awk -v l="$l" -v w="$w" -v l2="$l2" -v w2="$w2" -v s="$WAL_RECORD_SIZE" -v s2="$WAL_RECORD_SIZE_2" 'BEGIN {
		bl = (l - l2) / (s - s2); bw = (w - w2) / (s - s2)
		print l, w, l2, w2, l2 - s2 * bl, bl, w2 - s2 * bw, bw
	}'
}
why_wal_append() {
	local fit
	fit=$(wal_fit "$1")
	if [ -z "$fit" ]; then
		echo "      why: needs the $WAL_RECORD_SIZE_2-byte records' run (not in this one)"
		return
	fi
	awk -v s="$WAL_RECORD_SIZE" -v s2="$WAL_RECORD_SIZE_2" -v f="$fit" 'BEGIN {
		split(f, v, " "); l = v[1]; w = v[2]; l2 = v[3]; w2 = v[4]; ol = v[5]; bl = v[6]
		printf "      why: one LogLogicalMessage per record took %.1f ns (%d-byte records) and %.1f ns (%d-byte):\n", l, s, l2, s2
		printf "      about %.1f ns a message plus %.2f ns a byte.  Staging writes the same bytes into WAL\n", ol, bl
		printf "      (in few large messages), so batching saves at most the per-message part:\n"
		if (bl > 0)
			printf "      at %d bytes, at most %.1f / (%d x %.2f) = %.1fx cheaper, not 20x; at %d bytes, at most %.1fx.\n", s, l, s, bl, l / (s * bl), s2, l2 / (s2 * bl)
		else
			printf "      (the per-byte cost could not be fit from these medians: noise).\n"
		printf "      Staged, they took %.1f and %.1f ns: %.2fx and %.2fx.\n", w, w2, l / w, l2 / w2
	}'
}
why_queue() {
	local p=$1 r m q r2 m2
	r=$(stats hotpaths "queue, spsc_ring, $p" ns/op)
	m=$(stats hotpaths "queue, shm_mq, $p" ns/op)
	q=$(stats targets "queue ($p): numa_pg / PostgreSQL, ops/s" x)
	r2=$(median hotpaths "queue of $QUEUE_MESSAGE_SIZE_2-byte messages, spsc_ring, $p" ns/op)
	m2=$(median hotpaths "queue of $QUEUE_MESSAGE_SIZE_2-byte messages, shm_mq, $p" ns/op)
	awk -v r="$r" -v m="$m" -v q="$q" -v r2="$r2" -v m2="$m2" -v s2="$QUEUE_MESSAGE_SIZE_2" \
		-v cpus="$(nproc)" -v load="$(median machine 'load average (1 min), at each round')" 'BEGIN {
		split(r, R, " "); split(m, M, " "); split(q, Q, " ")
		printf "      why: the ring took %.1f ns a message (%.1f to %.1f over %d rounds), shm_mq %.1f\n", R[4], R[2], R[6], R[1], M[4]
		printf "      (%.1f to %.1f); the ratio ranged from %.2f to %.2f.  A message between two CPUs costs\n", M[2], M[6], Q[2], Q[6]
		printf "      what moving a cache line between them costs, and the ring (its consumer polls)\n"
		printf "      is the more sensitive to how the two are scheduled"
		if (R[6] / R[2] > M[6] / M[2])
			printf ":\n      its slowest round took %.1f times its fastest, shm_mq %.1f times", R[6] / R[2], M[6] / M[2]
		printf ".\n"
		if (load != "")
			printf "      %d CPUs, load average %.2f (median over the rounds).\n", cpus, load
		if (r2 != "" && m2 != "")
			printf "      %d-byte messages: %.1f against %.1f ns, %.2fx.\n", s2, r2, m2, m2 / r2
	}'
}
# why_statesql NAME: a missed state-from-SQL target's "why": the figures
# it compares are in the statesql section above (per call in us, per
# statement in ms, TPS); what a one-call statement costs at best is the
# SELECT 1 row of the same clients, and what an extension's call costs at
# best the row of the no-op C function of the same call, both printed for
# a pgbench target
why_statesql() {
	local name=$1 prefix w clients op noop one ours
	printf '      why: see the statesql figures above; on %s CPUs, pgbench clients, the workers and the
' "$(nproc)"
	printf '      server share the CPUs, and a one-call statement cannot beat SELECT 1 (parse, bind, execute).
'
	case $name in
		*" pgbench "*": numa_pg / SELECT 1 TPS") ;;
		*) return 0 ;;
	esac
	prefix=${name% numa_pg / SELECT 1 TPS}
	w=${prefix#statesql w=}
	w=${w%% *}
	clients=${prefix##*, }
	clients=${clients%% *}
	op=${prefix#statesql w=$w pgbench }
	op=${op%%,*}
	noop=$(median statesql "w=$w, pgbench -M prepared, $clients client(s): ${STATESQL_NOOP[$op]}" tps)
	one=$(median statesql "w=$w, pgbench -M prepared, $clients client(s): SELECT 1" tps)
	ours=$(target_median "$prefix numa_pg / the no-op of its call TPS")
	[ -n "$noop" ] && [ -n "$one" ] && [ -n "$ours" ] || return 0
	awk -v noop="$noop" -v one="$one" -v ours="$ours" 'BEGIN {
		printf "      A statement that makes the same call to a C function of another extension that does\n"
		printf "      nothing (its no-op row) ran at %.0f TPS against SELECT 1 %.0f (%.2f of it, medians); numa_pg at\n", noop, one, noop / one
		printf "      %.2f of the no-op (median of the rounds'"'"' ratios) is what numa_pg'"'"'s own code costs.\n", ours
	}'
}
# why_pgviews NAME: a missed pgviews target's "why": both queries' times
# (medians, and the rounds' ratios' spread) and what each faulted in
why_pgviews() {
	local key=${1#pgviews } ours theirs q mo mt fo ft
	theirs=${key#*: }
	theirs=${theirs%% ms /*}
	ours=${key##*/ }
	ours=${ours% ms}
	key=${key%%: *}
	mo=$(median pgviews "$key: $ours" ms)
	mt=$(median pgviews "$key: $theirs" ms)
	fo=$(median pgviews "$key: $ours, faulted in" MB)
	ft=$(median pgviews "$key: $theirs, faulted in" MB)
	q=$(stats targets "$1" x)
	awk -v o="$ours" -v t="$theirs" -v mo="$mo" -v mt="$mt" -v fo="$fo" -v ft="$ft" -v q="$q" 'BEGIN {
		split(q, Q, " ")
		printf "      why: %s took %.1f ms, %s %.1f ms (medians); the rounds'"'"' ratios ranged from %.2f to %.2f.\n", o, mo, t, mt, Q[2], Q[6]
		printf "      %s faulted in %.1f MB, %s %.1f MB (medians).\n", o, fo, t, ft
	}'
}
# why_estimate NAME: a missed estimate target's "why": both reports' times
# (medians) and the spread of the rounds' ratios
why_estimate() {
	local key=${1#estimate } exact sampled q
	exact=${key#*: }
	exact=${exact%% ms /*}
	sampled=${key##*/ }
	sampled=${sampled% ms}
	key=${key%%: *}
	q=$(stats targets "$1" x)
	awk -v e="$exact" -v s="$sampled" -v me="$(median estimate "$key: $exact" ms)" \
		-v ms="$(median estimate "$key: $sampled" ms)" -v q="$q" 'BEGIN {
		split(q, Q, " ")
		printf "      why: %s took %.1f ms, %s %.1f ms (medians); the rounds'"'"' ratios ranged from %.2f to %.2f.\n", e, me, s, ms, Q[2], Q[6]
		printf "      The estimate pays a page fault per cluster sampled (it maps the pages to ask about them)\n"
		printf "      and a fixed cost per call (the allocations'"'"' query, the smaps read for the page size).\n"
	}'
}
# why_pgbench MODE TARGET: the spread of the paired rounds' ratios and how
# far the verdict can be trusted; printed whether met or not
why_pgbench() {
	local mode=$1 t=$2 st wo k
	st=$(stats targets "pgbench $mode: TPS with numa_pg / without" x)
	wo=$(stats pgbench "$mode, numa_pg without" tps)
	k=$(psql_bench -c "SELECT count(*) FILTER (WHERE value >= $t) FROM bench_raw
		WHERE section = 'targets' AND name = 'pgbench $mode: TPS with numa_pg / without'")
	awk -v st="$st" -v wo="$wo" -v t="$t" -v k="$k" 'BEGIN {
		split(st, S, " "); split(wo, W, " ")
		printf "      spread: min %.3f, interquartile range %.3f to %.3f, max %.3f; %d of %d rounds >= %s.\n", S[2], S[3], S[5], S[6], k, S[1], t
		if (S[1] < 5)
			c = "none to speak of: too few rounds"
		else if (t < S[2] || t > S[6])
			c = "high: every round is on the same side of the target"
		else if (t < S[3] || t > S[5])
			c = "moderate: the middle half of the rounds is on one side of the target, single rounds are not"
		else
			c = "low: the target lies inside the middle half of the rounds, so this run cannot tell\n      a 2% difference from the noise; more or longer rounds on a quiet machine would"
		printf "      confidence: %s.\n", c
		if (W[1] > 0)
			printf "      Without numa_pg alone, TPS ranged from %.0f to %.0f over the rounds (%.0f%% of the median).\n", W[2], W[6], 100 * (W[6] - W[2]) / W[4]
	}'
}
# why_absolute NAME TARGET: a missed absolute figure's "why"
why_absolute() {
	local name=$1 t=$2 fit lat st
	case $name in
		state_lookup*)
			lat=$(median memory 'latency, CPU node 0 -> memory node 0' ns)
			[ -n "$lat" ] && awk -v l="$lat" 'BEGIN {
				printf "      why: a lookup that misses the caches pays at least one memory load: %.1f ns here (membench)\n", l }' ;;
		wal_append*)
			fit=$(wal_fit local)
			[ -n "$fit" ] && awk -v f="$fit" -v s="$WAL_RECORD_SIZE" -v s2="$WAL_RECORD_SIZE_2" 'BEGIN {
				split(f, v, " ")
				printf "      why: of the %.1f ns, at least %.1f are the cost of writing %d bytes into WAL (%.2f ns\n", v[2], s * v[6], s, v[6]
				printf "      a byte, the fit above); %d-byte records took %.1f ns.\n", s2, v[4] }' ;;
		queue*)
			st=$(stats hotpaths "$name" ns/op)
			awk -v st="$st" 'BEGIN { split(st, S, " ")
				printf "      why: this is a message from push to pop between two CPUs (not a push alone); the best\n"
				printf "      round took %.1f ns.  See the queue'"'"'s why above.\n", S[2] }' ;;
	esac
}

say "results"
SUMMARY=$(psql_bench -c "CREATE TABLE bench_raw (section text, name text, unit text, value float8, round int)" \
	-c "\\copy bench_raw FROM '$RAW'" -F $'\t' -c "
	SELECT section, name, unit, count(*), round(min(value)::numeric, 2),
	       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY value)::numeric, 2), round(max(value)::numeric, 2)
	FROM bench_raw GROUP BY section, name, unit
	ORDER BY array_position(ARRAY['machine', 'memory', 'hotpaths', 'pgbench', 'targets', 'reports', 'pgviews', 'processes', 'estimate', 'statesql'], section),
	         name, unit") || die "could not summarise $RAW"
{
	cat "$OUT/machine.txt" 2>/dev/null || echo "(machine not recorded)"
	echo "hot paths:  state $STATE_ENTRIES entries (and $STATE_ENTRIES_2), $STATE_OPS operations; WAL $WAL_RECORDS records of" \
		"$WAL_RECORD_SIZE bytes (and $WAL_RECORD_SIZE_2); queue $QUEUE_MESSAGES messages of $QUEUE_MESSAGE_SIZE bytes (and $QUEUE_MESSAGE_SIZE_2)"
	echo
	printf '%-9s %-68s %-6s %3s %12s %12s %12s\n' section measurement unit n min median max
	while IFS=$'\t' read -r section name unit n min median max; do
		printf '%-9s %-68s %-6s %3s %12s %12s %12s\n' "$section" "$name" "$unit" "$n" "$min" "$median" "$max"
	done <<<"$SUMMARY"
	psql_bench -c "SELECT DISTINCT name FROM bench_raw WHERE name LIKE 'prefault%'
		GROUP BY name HAVING count(*) = 1 ORDER BY 1" | while read -r name; do
		echo "n = 1: $name: measured once; above $PREFAULT_REPEAT_MB MB the prefault is not repeated (each takes a restart and as long as the figure says)"
	done
	echo
	echo "targets (on the median of the rounds):"
	while IFS='|' read -r name op target; do
		median=$(target_median "$name")
		if [ -z "$median" ]; then
			case $name in
				*remote*) printf '  %-58s not measured (a second node is needed)\n' "$name" ;;
				*) printf '  %-58s not measured\n' "$name" ;;
			esac
			continue
		fi
		awk -v n="$name" -v m="$median" -v t="$target" -v op="$op" 'BEGIN {
			met = (op == ">=") ? (m >= t) : (m <= t)
			printf "  %-58s %8.3f  target %s %s: %s", n, m, op, t, met ? "met" : "MISSED"
			if (!met) printf " by %.1f%%", 100 * (t - m) / t * (op == ">=" ? 1 : -1)
			printf "\n"
			exit !met
		}' && met=1 || met=0
		case $name in
			pgbench*) mode=${name#pgbench }; why_pgbench "${mode%%:*}" "$target" ;;
			pgviews*) [ "$met" -eq 1 ] || why_pgviews "$name" ;;
			estimate*) [ "$met" -eq 1 ] || why_estimate "$name" ;;
			statesql*) [ "$met" -eq 1 ] || why_statesql "$name" ;;
			*) [ $met -eq 1 ] || { p=${name#*(}; "why_${name%% *}" "${p%%)*}"; } ;;
		esac
	done <<<"$TARGETS"
	echo
	echo "the spec's absolute figures (informational; ns per operation, on the median):"
	while IFS='|' read -r name op target what; do
		median=$(median hotpaths "$name" ns/op)
		if [ -z "$median" ]; then
			printf '  %-34s %-30s not measured\n' "$what" "($name)"
			continue
		fi
		awk -v n="$name" -v w="$what" -v m="$median" -v t="$target" 'BEGIN {
			printf "  %-34s %-30s %8.1f ns: %s\n", w, "(" n ")", m, m <= t ? "met" : "missed"
			exit m > t
		}' || why_absolute "$name" "$target"
	done <<<"$ABSOLUTE"
} >"$OUT/results.txt"
cat "$OUT/results.txt"

# plots: the latency and bandwidth matrices (medians) as heat maps
plot_matrix() {
	local what=$1 unit=$2 file=$3
	psql_bench -F ' ' -c "SELECT m[1], m[2], percentile_cont(0.5) WITHIN GROUP (ORDER BY value)
		FROM bench_raw, regexp_match(name, '^$what, CPU node ([0-9]+) -> memory node ([0-9]+)') AS m
		WHERE section = 'memory' AND m IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2" >"$NUMAPG_WORK/$what.dat"
	[ -s "$NUMAPG_WORK/$what.dat" ] || return 0
	gnuplot 2>"$NUMAPG_WORK/gnuplot.log" <<-EOF || { echo "gnuplot failed for $file:"; cat "$NUMAPG_WORK/gnuplot.log"; }
		set terminal svg size 640,480 dynamic noenhanced font "sans,12"
		set output "$OUT/$file"
		set title "numa_pg: memory $what ($unit, median of $ROUNDS), $(hostname -s)"
		set xlabel "memory node"
		set ylabel "CPU node"
		set xtics 1
		set ytics 1
		stats "$NUMAPG_WORK/$what.dat" using 1 nooutput
		n = STATS_max + 1
		stats "$NUMAPG_WORK/$what.dat" using 2 nooutput
		m = STATS_max + 1
		set xrange [-0.5:m - 0.5]
		set yrange [-0.5:n - 0.5]
		set palette defined (0 "#deebf7", 1 "#3182bd") maxcolors 64
		unset colorbox
		unset key
		plot "$NUMAPG_WORK/$what.dat" using 2:1:(0.5):(0.5):3 with boxxyerror fs solid 1.0 lc palette, \\
		     "" using 2:1:(sprintf("%.0f", \$3)) with labels font "sans,16"
	EOF
}
# and the hot paths' ratios to PostgreSQL's own, against their targets
plot_hotpaths() {
	local name op target median
	: >"$NUMAPG_WORK/hotpaths.dat"
	while IFS='|' read -r name op target; do
		case $name in pgbench*) ;; *)
			median=$(target_median "$name")
			[ -n "$median" ] && printf '"%s" %s %s\n' "${name%%:*}" "$median" "$target" >>"$NUMAPG_WORK/hotpaths.dat"
		;; esac
	done <<<"$TARGETS"
	[ -s "$NUMAPG_WORK/hotpaths.dat" ] || return 0
	gnuplot 2>"$NUMAPG_WORK/gnuplot.log" <<-EOF || { echo "gnuplot failed for hotpaths.svg:"; cat "$NUMAPG_WORK/gnuplot.log"; }
		set terminal svg size 800,480 dynamic noenhanced font "sans,12"
		set output "$OUT/hotpaths.svg"
		set title "numa_pg hot paths: times faster than PostgreSQL's own (median of $ROUNDS), $(hostname -s)"
		set style data histogram
		set style histogram clustered gap 1
		set style fill solid 0.8 border -1
		set yrange [0:*]
		set ylabel "numa_pg / PostgreSQL (ops/s)"
		set key top left
		plot "$NUMAPG_WORK/hotpaths.dat" using 2:xtic(1) title "measured", "" using 3 title "target"
	EOF
}
if wants memory; then
	plot_matrix latency ns latency.svg
	plot_matrix bandwidth MB/s bandwidth.svg
fi
wants hotpaths && plot_hotpaths

echo
echo "results in $OUT"
[ ${#FAILED[@]} -eq 0 ] || die "sections that failed: ${FAILED[*]}"
