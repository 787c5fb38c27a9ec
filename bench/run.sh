#!/usr/bin/env bash
# bench/run.sh: numa_pg's benchmarks, from nothing, with a results file.
#
# Installs what is missing (as root, with apt-get), builds and installs
# numa_pg, and runs on a throwaway cluster (as an unprivileged user):
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
#
# Every figure is measured ROUNDS times (6; an even number, as pgbench
# alternates which configuration runs first); the results file gives min, median
# and max of each, with the machine it came from, and the hot-path targets
# met or missed.  Results go to bench/results/<date>-<host>/: results.txt,
# raw.tsv (every measurement), and plots (latency.svg, hotpaths.svg).
#
# Usage: bench/run.sh [--quick] [--only "memory hotpaths pgbench reports"]
#        bench/run.sh --report bench/results/<run>
#   --quick   2 rounds, shorter runs, reports over 1 GB only (about 3 min)
#   --only    run only the sections named
#   --report  measure nothing: summarise and plot that run's raw.tsv again
# Environment: NUMAPG_BENCH_OUT to write elsewhere than bench/results.

. "$(dirname "$0")/../scripts/lib.sh"

QUICK=0
ONLY="memory hotpaths pgbench reports"
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
	case " memory hotpaths pgbench reports " in *" $s "*) ;; *) die "unknown section $s" ;; esac
done

if [ $QUICK -eq 1 ]; then
	ROUNDS=2 PGBENCH_SECONDS=5 REPORT_SIZES_MB="1024" MEMBENCH_MB=64 MEMBENCH_MS=200
	STATE_ENTRIES=10000 STATE_OPS=500000 WAL_RECORDS=50000 QUEUE_MESSAGES=500000
else
	ROUNDS=6 PGBENCH_SECONDS=15 REPORT_SIZES_MB="1024 8192" MEMBENCH_MB=512 MEMBENCH_MS=1000
	STATE_ENTRIES=10000 STATE_OPS=2000000 WAL_RECORDS=200000 QUEUE_MESSAGES=2000000
fi

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
		echo "numa_pg:    $(git -C "$NUMAPG_SRC" describe --always --dirty 2>/dev/null || echo unknown)"
		echo "rounds:     $ROUNDS$([ $QUICK -eq 1 ] && echo ' (--quick)')"
	} >"$OUT/machine.txt"
fi

# record SECTION NAME UNIT VALUE [ROUND]: one measurement
record() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:-0}" >>"$RAW"
}

wants() { [[ " $ONLY " == *" $1 "* ]]; }

psql_bench() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }

# restart_with CONF...: restart the bench cluster with these settings on
# top of the base ones (written to postgresql.auto.conf's neighbour file)
restart_with() {
	cluster_stop bench >/dev/null 2>&1
	printf '%s\n' "$@" >"$NUMAPG_WORK/bench/data/bench.conf"
	cluster_start bench || cluster_failed bench || die "the bench cluster did not start with: $*"
	cluster_env bench
}

cluster_init bench "$(free_port)" "shared_buffers = '256MB'" "max_wal_size = '4GB'" \
	"max_worker_processes = 16" "wal_level = logical" "include_if_exists = 'bench.conf'" || exit 1
WORKERS=$(nproc)
[ "$WORKERS" -gt 4 ] && WORKERS=4
PRELOAD=("shared_preload_libraries = 'numa_pg'" "numa_pg.workers = $WORKERS")
if [ -n "$REPORT_DIR" ]; then
	restart_with		# only to summarise: no numa_pg needed
else
	restart_with "${PRELOAD[@]}"
	psql_bench -c 'CREATE EXTENSION numa_pg' || exit 1
fi

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
	done
	return 0
}

# --- hotpaths: numa_pg's hot paths against PostgreSQL's ------------------

# one run of each, local (and remote where there is a second node)
HOTPATH_QUERY="SELECT * FROM numa_bench_state($STATE_ENTRIES, $STATE_OPS)
	UNION ALL SELECT * FROM numa_bench_wal($WAL_RECORDS)
	UNION ALL SELECT * FROM numa_bench_queue($QUEUE_MESSAGES)"

bench_hotpaths() {
	local r
	for r in $(seq 1 "$ROUNDS"); do
		psql_bench -F $'\t' -c "WITH b AS MATERIALIZED ($HOTPATH_QUERY)
			SELECT 'hotpaths', benchmark || ', ' || implementation || ', ' || placement, 'ns/op', ns_per_op, $r
			FROM b
			UNION ALL
			SELECT 'targets', benchmark || ' (' || placement || '): numa_pg / PostgreSQL, ops/s', 'x', ratio_vs_postgres, $r
			FROM b WHERE implementation IN ('state_store', 'wal_staging', 'spsc_ring')" >>"$RAW" || return 1
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
	for r in $(seq 1 "$ROUNDS"); do
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
	done
	restart_with "${PRELOAD[@]}"
}

# --- reports: cost of the placement reports ------------------------------

# time_query SQL: milliseconds to run SQL to the end, in a new backend (as
# a monitoring tool would), printed
time_query() {
	psql_bench -c "DO \$\$DECLARE t0 timestamptz := clock_timestamp(); n bigint;
		BEGIN SELECT count(*) INTO n FROM ($1) AS q;
		RAISE NOTICE '%', round(extract(epoch FROM clock_timestamp() - t0) * 1000, 1); END\$\$" 2>&1 |
		sed -n 's/^NOTICE:  //p'
}

bench_reports() {
	local size r ms half log
	for size in $REPORT_SIZES_MB; do
		# PostgreSQL's segment: shared_buffers of that size, every page faulted in
		restart_with "${PRELOAD[@]}" "shared_buffers = '${size}MB'" "numa_pg.prefault = on"
		log=$(grep 'numa_pg: prefaulted' "$(cluster_log bench)" | tail -1)
		echo "${log#*LOG:  }"
		ms=$(sed -n 's/.* in \([0-9.]*\) ms .*/\1/p' <<<"$log")
		[ -n "$ms" ] && record reports "prefault of shared_buffers = ${size}MB" ms "$ms"
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

# --- targets ------------------------------------------------------------

# The targets the figures are held to: measurement (section targets), the
# comparison, the figure.  A ratio here is always "numa_pg / PostgreSQL's
# own" in the direction where higher is better.
TARGETS="state_lookup (local): numa_pg / PostgreSQL, ops/s|>=|3
state_lookup (remote): numa_pg / PostgreSQL, ops/s|>=|3
wal_append (local): numa_pg / PostgreSQL, ops/s|>=|20
queue (local): numa_pg / PostgreSQL, ops/s|>=|10
queue (remote): numa_pg / PostgreSQL, ops/s|>=|10
pgbench select-only: TPS with numa_pg / without|>=|0.98
pgbench tpcb-like: TPS with numa_pg / without|>=|0.98"

# --- run, then summarise -------------------------------------------------

FAILED=()
for section in memory hotpaths pgbench reports; do
	wants $section && [ -z "$REPORT_DIR" ] || continue
	say "$section"
	"bench_$section" || FAILED+=("$section")
done

# target_median NAME: the median of a target's measurements (empty if none)
target_median() {
	psql_bench -c "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY value)
		FROM bench_raw WHERE section = 'targets' AND name = '$1'"
}

say "results"
SUMMARY=$(psql_bench -c "CREATE TABLE bench_raw (section text, name text, unit text, value float8, round int)" \
	-c "\\copy bench_raw FROM '$RAW'" -F $'\t' -c "
	SELECT section, name, unit, count(*), round(min(value)::numeric, 2),
	       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY value)::numeric, 2), round(max(value)::numeric, 2)
	FROM bench_raw GROUP BY section, name, unit
	ORDER BY array_position(ARRAY['memory', 'hotpaths', 'pgbench', 'targets', 'reports'], section), name")
{
	cat "$OUT/machine.txt" 2>/dev/null || echo "(machine not recorded)"
	echo
	printf '%-9s %-58s %-6s %3s %12s %12s %12s\n' section measurement unit n min median max
	while IFS=$'\t' read -r section name unit n min median max; do
		printf '%-9s %-58s %-6s %3s %12s %12s %12s\n' "$section" "$name" "$unit" "$n" "$min" "$median" "$max"
	done <<<"$SUMMARY"
	echo
	echo "targets (on the median):"
	while IFS='|' read -r name op target; do
		median=$(target_median "$name")
		if [ -z "$median" ]; then
			printf '  %-58s not measured\n' "$name"
		else
			awk -v n="$name" -v m="$median" -v t="$target" -v op="$op" 'BEGIN {
				met = (op == ">=") ? (m >= t) : (m <= t)
				printf "  %-58s %8.3f  target %s %s: %s", n, m, op, t, met ? "met" : "MISSED"
				if (!met) printf " by %.1f%%", 100 * (t - m) / t * (op == ">=" ? 1 : -1)
				printf "\n"
			}'
		fi
	done <<<"$TARGETS"
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
