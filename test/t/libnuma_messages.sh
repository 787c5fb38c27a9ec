# test/t/libnuma_messages.sh: libnuma's own warnings go through ereport.
#
# libnuma prints its warnings with numa_warn() to stderr by default, where
# they reach the server log as bare lines without a level, a timestamp or a
# process.  numa_pg defines numa_warn() and numa_error() so that they become
# WARNINGs.  The test client (test/client) hands libnuma a node list it
# cannot parse, from a backend, as another extension linked with libnuma
# might.

. "$(dirname "$0")/tap.bash"
make_workdir

cluster_init l "$(free_port)" "shared_preload_libraries = 'numa_pg'"
cluster_start l
ok $? "server starts with numa_pg preloaded"
log=$(cluster_log l)

cluster_env l
out=$NUMAPG_WORK/l/psql.out
"$PG_BIN/psql" -X -At -v ON_ERROR_STOP=1 -d postgres -c 'CREATE EXTENSION numa_pg_client CASCADE' \
	-c "SELECT numa_pg_client_libnuma_warning('zz')" >"$out" 2>&1
ok $? "the backend carries on after libnuma's warning"
like "$out" "^f$" "  and libnuma's answer (no mask)"
if ldd "$PG_BIN/postgres" | grep -q 'libnuma\.so'; then
	# PostgreSQL built --with-libnuma (18 and later): the server program
	# itself links libnuma, whose own numa_warn() the dynamic linker then
	# finds before numa_pg's (README.md, Limitations)
	like "$log" "^libnuma: Warning: unparseable node description \`zz'$" \
		"PostgreSQL links libnuma itself: libnuma's own printer writes its bare line to the server's stderr"
	! grep -q "WARNING:  libnuma:" "$out"
	ok $? "  and the client gets no WARNING"
else
	like "$out" "^WARNING:  libnuma: unparseable node description \`zz'$" \
		"the client gets libnuma's message as a WARNING"
	like "$log" "WARNING:  libnuma: unparseable node description" "the log has it as a WARNING"
	like "$log" "DETAIL:  libnuma warning number [0-9]+\." "  with libnuma's warning number in the detail"
	! grep -q "^libnuma: Warning:" "$log"
	ok $? "no bare libnuma line on the server's stderr"
fi

"$PG_BIN/psql" -X -At -v ON_ERROR_STOP=1 -d postgres -c "SELECT numa_pg_client_libnuma_warning('0')" >"$out" 2>&1
like "$out" "^t$" "a list libnuma can parse gives no warning"
! grep -q WARNING "$out"
ok $? "  and no WARNING"

cluster_stop l >/dev/null
done_testing
