# test/t/tap.bash: a few TAP helpers for the shell tests in test/t/.
# Sourced, with scripts/lib.sh, by each test; prove -e bash runs them.

. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

TAP_N=0
TAP_FAILED=0

# ok STATUS NAME: STATUS 0 passes
ok() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

# like FILE REGEX NAME: FILE has a line matching the extended REGEX
like() {
	grep -Eq -- "$2" "$1"
	local rc=$?
	ok $rc "$3"
	[ $rc -eq 0 ] || { echo "# no line of $1 matches: $2"; sed 's/^/#   /' "$1" | tail -20; }
}

# wait_until COMMAND...: run COMMAND every half second until it succeeds
# (at most 60 s); status 1 if it never did
wait_until() {
	for _ in $(seq 1 120); do
		"$@" && return 0
		sleep 0.5
	done
	return 1
}

# wait_for_log FILE REGEX: until a line matches (at most 60 s); status 1 if none
wait_for_log() { wait_until grep -Eq -- "$2" "$1"; }

# is GOT EXPECTED NAME
is() {
	[ "$1" = "$2" ]
	local rc=$?
	ok $rc "$3"
	[ $rc -eq 0 ] || printf '#      got: %s\n# expected: %s\n' "$1" "$2"
}

done_testing() {
	echo "1..$TAP_N"
	[ $TAP_FAILED -eq 0 ]
}

# psql against cluster NAME: sql_value NAME QUERY
sql_value() {
	cluster_env "$1"
	"$PG_BIN/psql" -X -At -d postgres -c "$2"
}

# sql_is NAME QUERY EXPECTED: QUERY on cluster NAME prints EXPECTED (errors
# count as not), for wait_until
sql_is() { [ "$(sql_value "$1" "$2" 2>/dev/null)" = "$3" ]; }

# sql_some NAME QUERY: QUERY on cluster NAME prints something, which is
# echoed (errors count as nothing), for wait_until
sql_some() {
	local out
	out=$(sql_value "$1" "$2" 2>/dev/null)
	[ -n "$out" ] && echo "$out"
}
