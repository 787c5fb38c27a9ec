#!/usr/bin/env bash
# spin_us experiment: run under  flock -o /tmp/numa_pg-run.lock /tmp/spin-exp/measure.sh
set -u
PGB=/usr/lib/postgresql/15/bin
PGC=$PGB/pg_config
WT=/tmp/wt-spin
E=/tmp/spin-exp
W=$E/cluster
PORT=5499
ROUNDS=${ROUNDS:-4}
SECS=${SECS:-5}
SPINS=${SPINS:-"0 20 50 200"}
RAW=$E/raw.tsv
LOG=$E/measure.log
VAL="'\\x000102030405060708090a0b0c0d0e0f'::bytea"
export PGHOST=$W/sock PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
TCK=$(getconf CLK_TCK)

restore() {
	echo "== $(date -u +%T) stopping the cluster, reinstalling main's build"
	runuser -u postgres -- $PGB/pg_ctl -D $W/data -m fast -w stop >/dev/null 2>&1
	# not "make -C /work/main install": /work/main is being edited by another
	# session, and make install there rebuilds its work tree; put back the
	# files exactly as they were installed before this run instead
	cp -a $E/installed-at-start/lib/. $($PGC --pkglibdir)/ &&
		cp -a $E/installed-at-start/include/. $($PGC --includedir-server)/extension/numa_pg/ &&
		echo "the installed files of before this run are back"
	md5sum $E/installed-at-start/lib/numa_pg.so $($PGC --pkglibdir)/numa_pg.so
}
trap restore EXIT

echo "== $(date -u +%T) backing up the installed numa_pg.so, installing $WT ($(git -C $WT rev-parse --short HEAD))"
rm -rf $E/installed-at-start && mkdir -p $E/installed-at-start/lib/bitcode $E/installed-at-start/include &&
	cp -a $($PGC --pkglibdir)/numa_pg.so $E/installed-at-start/lib/ &&
	cp -a $($PGC --pkglibdir)/bitcode/numa_pg $($PGC --pkglibdir)/bitcode/numa_pg.index.bc $E/installed-at-start/lib/bitcode/ &&
	cp -a $($PGC --includedir-server)/extension/numa_pg/. $E/installed-at-start/include/ || exit 1
make -C $WT -s install PG_CONFIG=$PGC >/dev/null || exit 1
md5sum $WT/numa_pg.so $($PGC --pkglibdir)/numa_pg.so

rm -rf $W; mkdir -p $W/sock; chown -R postgres $W
runuser -u postgres -- $PGB/initdb -D $W/data -U postgres -A trust --no-sync >$W/initdb.log 2>&1 || { cat $W/initdb.log; exit 1; }
cat >>$W/data/postgresql.conf <<CONF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$W/sock'
fsync = off
max_connections = 30
shared_preload_libraries = 'numa_pg'
numa_pg.workers = 2
numa_pg.state_store_size = '64MB'
CONF
runuser -u postgres -- $PGB/pg_ctl -D $W/data -l $W/server.log -w -t 120 start >/dev/null || { tail -30 $W/server.log; exit 1; }
q() { $PGB/psql -X -qAt -v ON_ERROR_STOP=1 "$@"; }
q -c "CREATE EXTENSION numa_pg" -c "CREATE UNLOGGED TABLE kv (k text PRIMARY KEY, v bytea)" || exit 1
PUT="SELECT count(numa_state_put('b' || g, $VAL)) FROM generate_series(1, 20000) g"
UPS="INSERT INTO kv SELECT 'b' || g, $VAL FROM generate_series(1, 20000) g ON CONFLICT (k) DO UPDATE SET v = excluded.v"
q -c "$PUT" -c "$UPS" -c "VACUUM ANALYZE kv" >/dev/null || exit 1
q -c "SELECT worker, pid, cpu, node, running, pinned FROM numa_workers()"
WPIDS=$(q -c "SELECT string_agg(pid::text, ' ') FROM numa_workers()")
echo "worker pids: $WPIDS"

cat >$E/put.sql <<S
\set k random(1, 20000)
SELECT numa_state_put('b' || :k, $VAL);
S
cat >$E/upsert.sql <<S
\set k random(1, 20000)
INSERT INTO kv VALUES ('b' || :k, $VAL) ON CONFLICT (k) DO UPDATE SET v = excluded.v;
S
echo 'SELECT 1;' >$E/select1.sql

# CPU ticks the workers used so far (utime + stime), and the machine's busy ticks
wticks() { local t=0 p; for p in $WPIDS; do t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>$RAW; }	# section name spin round value unit

set_spin() {
	q -c "ALTER SYSTEM SET numa_pg.spin_us = $1" -c "SELECT pg_reload_conf()" >/dev/null
	sleep 1
	[ "$(q -c 'SHOW numa_pg.spin_us')" = "$1" ] || { echo "spin_us did not become $1"; exit 1; }
}
statement_ms() {
	q -c "DO \$\$DECLARE t0 timestamptz := clock_timestamp();
		BEGIN EXECUTE \$q\$$1\$q\$;
		RAISE NOTICE '%', round(extract(epoch FROM clock_timestamp() - t0) * 1000, 2); END\$\$" 2>&1 |
		sed -n 's/^NOTICE:  //p'
}
# measure_statement LABEL SQL SPIN ROUND
measure_statement() {
	local w0 w1 ms
	w0=$(wticks); ms=$(statement_ms "$2"); w1=$(wticks)
	[ -n "$ms" ] || { echo "no time for $1"; exit 1; }
	record statement "$1" "$3" "$4" "$ms" ms
	record statement "$1, workers' CPU" "$3" "$4" $(( (w1 - w0) * 1000 / TCK )) ms
	echo "  $1: $ms ms, workers' CPU $(( (w1 - w0) * 1000 / TCK )) ms"
}
# measure_pgbench LABEL CLIENTS SPIN ROUND ARGS...
measure_pgbench() {
	local label=$1 c=$2 s=$3 r=$4 w0 w1 b0 b1 out tps
	shift 4
	w0=$(wticks); b0=$(busy)
	out=$($PGB/pgbench -n -c $c -j $c "$@" 2>&1)
	w1=$(wticks); b1=$(busy)
	tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")
	[ -n "$tps" ] || { echo "pgbench failed: $out"; exit 1; }
	local wcpu mbusy
	wcpu=$(awk -v t=$((w1 - w0)) -v k=$TCK -v d=$SECS 'BEGIN { printf "%.1f", 100 * t / k / d }')
	mbusy=$(awk -v t=$((b1 - b0)) -v k=$TCK -v d=$SECS 'BEGIN { printf "%.1f", 100 * t / k / d }')
	record pgbench "$label, $c client(s)" $s $r $tps tps
	record pgbench "$label, $c client(s), workers' CPU" $s $r $wcpu "% of one CPU"
	record pgbench "$label, $c client(s), machine busy" $s $r $mbusy "% of one CPU"
	echo "  $label, $c clients: $tps tps, workers' CPU $wcpu%, machine busy $mbusy% (of one CPU)"
}

: >$RAW
echo "== $(date -u +%T) a) and b): spin_us in $SPINS, $ROUNDS rounds"
scripts=(put upsert select1)
for r in $(seq 1 $ROUNDS); do
	order=$SPINS
	[ $((r % 2)) -eq 0 ] && order=$(echo $SPINS | tr ' ' '\n' | tac | tr '\n' ' ')
	for s in $order; do
		set_spin $s
		echo "-- round $r, spin_us = $s ($(date -u +%T))"
		measure_statement "20000 puts in one statement, numa_pg" "$PUT" $s $r
		measure_statement "20000 upserts in one statement, unlogged table" "$UPS" $s $r
		for c in 1 2; do
			for i in 0 1 2; do
				sc=${scripts[$(( (i + r + c) % 3 ))]}
				measure_pgbench "pgbench $sc" $c $s $r -M prepared -T $SECS -f $E/$sc.sql
			done
		done
	done
done

echo "== $(date -u +%T) c): pgbench -S, scale 10, 2 clients, 10 s, workers idle"
$PGB/pgbench -i -q -s 10 >/dev/null 2>&1 || { echo "pgbench -i failed"; exit 1; }
q -c "VACUUM ANALYZE" >/dev/null
SECS=10
for r in $(seq 1 ${C_ROUNDS:-3}); do
	order="0 200"; [ $((r % 2)) -eq 0 ] && order="200 0"
	for s in $order; do
		set_spin $s
		echo "-- round $r, spin_us = $s"
		measure_pgbench "pgbench -S idle workers" 2 $s $r -S -T 10
	done
done
set_spin 0
echo "== $(date -u +%T) done"
