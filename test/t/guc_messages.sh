# test/t/guc_messages.sh: the messages of a refused numa_pg value are whole
# and valid text, whatever the value's characters and length:
#
# - a character of several bytes is quoted whole (never a lone byte, which
#   a client in another encoding could not even receive);
# - a long value is quoted as a bounded excerpt, cut between characters,
#   and the explanation after it is whole;
#
# through ALTER SYSTEM from clients in UTF8 and LATIN1, and at start from
# postgresql.conf.  (SET cannot reach these check hooks: the parameters
# take effect at server start, and SET refuses them first.)

. "$(dirname "$0")/tap.bash"
make_workdir

cluster_init m "$(free_port)" "shared_preload_libraries = 'numa_pg'"
cluster_start m || cluster_failed m
ok $? "server starts with numa_pg preloaded"
log=$(cluster_log m)
# the database must be UTF8 for a LATIN1 client's text to be converted
sql_value m "CREATE DATABASE utf8 ENCODING 'UTF8' LOCALE 'C' TEMPLATE template0" >/dev/null
is "$(sql_value m "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'utf8'")" UTF8 \
	"a UTF8 database to test in"

e=$'\xc3\xa9'	# é in UTF-8
repeat() { local s="" i; for ((i = 0; i < $2; i++)); do s+=$1; done; printf '%s' "$s"; }

# alter ENCODING VALUE PARAMETER: psql's stderr for ALTER SYSTEM SET
# PARAMETER = VALUE (given in UTF-8), from a client in ENCODING, converted
# back to UTF-8 (a byte sequence that is not valid LATIN1... cannot occur:
# every byte is)
alter() {
	local encoding=$1 value=$2 param=$3 sql
	sql="ALTER SYSTEM SET $param = '$value'"
	cluster_env m
	# shellcheck disable=SC2094
	PGCLIENTENCODING=$encoding "$PG_BIN/psql" -X -q -d utf8 -f <(printf '%s\n' "$sql" |
		iconv -f UTF-8 -t "$encoding") 2>&1 >/dev/null |
		iconv -f "$encoding" -t UTF-8 | sed 's/^psql:[^ ]* //'
}

# refused PARAMETER VALUE DETAIL HINT NAME: ALTER SYSTEM refuses VALUE, in
# UTF8 and in LATIN1, with exactly this message, detail and hint
refused() {
	local param=$1 value=$2 detail=$3 hint=$4 name=$5 want enc
	want="ERROR:  invalid value for parameter \"$param\": \"$value\"
DETAIL:  $detail
HINT:  $hint"
	for enc in UTF8 LATIN1; do
		is "$(alter $enc "$value" "$param")" "$want" "$name: the whole message, client_encoding $enc"
	done
}

cpu_hint='Use "auto" or a list of CPUs such as "0-3,8".'
policy_hint='Use default, interleave, interleave:<nodes>, bind:<nodes> or preferred:<node>, with nodes written as numactl does, such as "0-1,3".'

refused numa_pg.worker_cpus "$e" "Unexpected character \"$e\" at position 1 of \"$e\"." "$cpu_hint" \
	"worker_cpus = '$e'"
refused numa_pg.worker_cpus "0,1$e" "Unexpected character \"$e\" at position 4 of \"0,1$e\"." "$cpu_hint" \
	"worker_cpus = '0,1$e'"
refused numa_pg.shared_memory_policy "bind:$e" \
	"In \"bind:$e\", unexpected character \"$e\" at position 1 of \"$e\"." "$policy_hint" \
	"shared_memory_policy = 'bind:$e'"
refused numa_pg.shared_memory_policy "bind:0$(repeat "$e" 200)" \
	"In \"bind:0$(repeat "$e" 17)...\", unexpected character \"$e\" at position 2 of \"0$(repeat "$e" 19)...\"." \
	"$policy_hint" "shared_memory_policy = 'bind:0' || repeat('$e', 200)"
refused numa_pg.worker_cpus "$(repeat 9 10000)" \
	"CPU number \"$(repeat 9 40)...\" is out of range (at most 8191)." "$cpu_hint" \
	"worker_cpus = a CPU number of 10000 digits"
refused numa_pg.shared_memory_policy "$(repeat x 10000)" \
	"Unknown policy \"$(repeat x 40)...\"; use default, interleave, interleave:<nodes>, bind:<nodes> or preferred:<node>." \
	"$policy_hint" "shared_memory_policy = a policy of 10000 characters"
refused numa_pg.shared_memory_policy "$(repeat "$e" 5000)" \
	"Unknown policy \"$(repeat "$e" 20)...\"; use default, interleave, interleave:<nodes>, bind:<nodes> or preferred:<node>." \
	"$policy_hint" "shared_memory_policy = 5000 two-byte characters"
is "$(sql_value m "SELECT count(*) FROM pg_file_settings WHERE name LIKE 'numa_pg.%'")" 0 \
	"  and none of them reached postgresql.auto.conf"
cluster_stop m >/dev/null

# at start: bad_value SETTING DETAIL: the start fails with a FATAL and
# exactly this DETAIL, and the log is valid UTF-8
bad_value() {
	local setting=$1 detail=$2
	cp "$NUMAPG_WORK/m/data/postgresql.conf" "$NUMAPG_WORK/m/postgresql.conf.good"
	cluster_set m "$setting"
	: >"$log"
	if cluster_start m; then
		ok 1 "the server refuses to start with $3"
		cluster_stop m >/dev/null
	else
		ok 0 "the server refuses to start with $3"
	fi
	is "$(sed -n 's/.*DETAIL:  //p' "$log" | head -1)" "$detail" "  with the whole detail"
	iconv -f UTF-8 -t UTF-8 "$log" >/dev/null 2>&1
	ok $? "  and a log of valid UTF-8"
	cp "$NUMAPG_WORK/m/postgresql.conf.good" "$NUMAPG_WORK/m/data/postgresql.conf"
}

bad_value "numa_pg.worker_cpus = '$e'" "Unexpected character \"$e\" at position 1 of \"$e\"." \
	"worker_cpus = '$e'"
bad_value "numa_pg.shared_memory_policy = 'bind:0$(repeat "$e" 200)'" \
	"In \"bind:0$(repeat "$e" 17)...\", unexpected character \"$e\" at position 2 of \"0$(repeat "$e" 19)...\"." \
	"shared_memory_policy = 'bind:0' || repeat('$e', 200)"
bad_value "numa_pg.worker_cpus = '$(repeat 9 10000)'" \
	"CPU number \"$(repeat 9 40)...\" is out of range (at most 8191)." \
	"worker_cpus = a CPU number of 10000 digits"

cluster_start m
ok $? "the server starts again with the values removed"

done_testing
