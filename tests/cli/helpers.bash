# helpers.bash - shared setup for the mutua CLI tests (bats).
#
# Each test gets its own scratch directory $T (removed in teardown) and a
# clean environment: HOME points into $T so nothing touches the real
# ~/.mutua, and the MUTUA_* variables of the caller are unset.
# JSON is checked with sqlite3's JSON functions (deploy/deps.sh installs
# sqlite3; jq is not a dependency).
# shellcheck disable=SC2034,SC2154 # sets A_ID...; bats sets $stderr

MUTUA=$BATS_TEST_DIRNAME/../../bin/mutua

# messages in English whatever the caller's locale, as tests/run.sh does
# (tests/cli/i18n.bats asks for French itself)
export LC_ALL=C.UTF-8
unset LANGUAGE
# The tests book slots at fixed dates, past ones included (a close after the
# slot's end): borrow's check of a slot in the past (tools/cmd_lend.c) takes
# this date as now. The tests of that check set their own.
export MUTUA_NOW=2020-01-01T00:00:00Z

setup() {
	[ -x "$MUTUA" ] || {
		echo "bin/mutua is missing: run make first" >&2
		return 1
	}
	T=$(mktemp -d "${TMPDIR:-/tmp}/mutua-cli.XXXXXX")
	export HOME=$T/user
	mkdir "$HOME"
	unset MUTUA_HOME MUTUA_PASSPHRASE MUTUA_ACTOR
}

teardown() {
	stop_daemons # the multi-node tests' mutuad processes, if any
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		chmod -R u+rwX "$T" 2>/dev/null
		rm -rf "$T"
	fi
}

mutua() {
	"$MUTUA" "$@"
}

# is_id STRING: STRING is a 64-digit lower-case hex id.
is_id() {
	[[ $1 =~ ^[0-9a-f]{64}$ ]] || {
		echo "not a 64-hex id: '$1'" >&2
		return 1
	}
}

# Quotes a string as an SQL literal.
sql_quote() {
	printf "'%s'" "${1//\'/\'\'}"
}

# json_get JSON PATH: prints the value at PATH (SQLite's json_extract; an
# absent key prints nothing, a boolean 1 or 0).
json_get() {
	sqlite3 :memory: "SELECT json_extract($(sql_quote "$1"), $(sql_quote "$2"))"
}

# is_json_object LINE: LINE is one valid JSON object.
is_json_object() {
	local r
	r=$(sqlite3 :memory: "SELECT json_valid($(sql_quote "$1"))
		AND json_type($(sql_quote "$1")) = 'object'")
	[ "$r" = 1 ] || {
		echo "not a JSON object: '$1'" >&2
		return 1
	}
}

# json_lines TEXT N: TEXT is exactly N lines, each one JSON object.
json_lines() {
	local n=0 line
	if [ -n "$1" ]; then
		while IFS= read -r line; do
			is_json_object "$line" || return 1
			n=$((n + 1))
		done <<<"$1"
	fi
	[ "$n" -eq "$2" ] || {
		echo "expected $2 JSON lines, got $n: '$1'" >&2
		return 1
	}
}

# stderr_has TEXT: the last run's stderr (run --separate-stderr) holds TEXT.
stderr_has() {
	[[ $stderr == *"$1"* ]] || {
		echo "stderr lacks '$1': '$stderr'" >&2
		return 1
	}
}

# new_home DIR NAME [ARGS...]: mutua init; prints the member id.
new_home() {
	local dir=$1 name=$2
	shift 2
	mutua --home "$dir" init --name "$name" "$@"
}

# make_federation N: a federation of N (2 or 3) founders made by A, joined
# by the others. Sets A, B, C (homes), A_ID, B_ID, C_ID, FED_ID and GENESIS.
make_federation() {
	local n=${1:-2} cards=()
	A=$T/a B=$T/b C=$T/c GENESIS=$T/genesis.txt
	A_ID=$(new_home "$A" Alpha --college producers) || return 1
	B_ID=$(new_home "$B" Beta --college restaurateurs) || return 1
	mutua --home "$B" card >"$T/b.card" || return 1
	cards+=("$T/b.card")
	if [ "$n" -ge 3 ]; then
		C_ID=$(new_home "$C" Gamma) || return 1
		mutua --home "$C" card >"$T/c.card" || return 1
		cards+=("$T/c.card")
	fi
	FED_ID=$(mutua --home "$A" federation create --name "Pole Sud" \
		--out "$GENESIS" "${cards[@]}") || return 1
	[ "$(mutua --home "$B" federation join "$GENESIS")" = "$FED_ID" ] || return 1
	if [ "$n" -ge 3 ]; then
		[ "$(mutua --home "$C" federation join "$GENESIS")" = "$FED_ID" ] || return 1
	fi
}

# copy_entries FROM TO: copies the entries of home FROM into the store of
# home TO (no sync yet), then rebuilds TO's derived state.
copy_entries() {
	sqlite3 "$2/store.db" "ATTACH $(sql_quote "$1/store.db") AS src;
		INSERT OR IGNORE INTO entries(author, seq, id, type, time, body, sig, verified)
		SELECT author, seq, id, type, time, body, sig, 0 FROM src.entries ORDER BY n;" &&
		mutua --home "$2" reindex 2>/dev/null
}

# flip_body_byte HOME N: changes one byte, in the middle, of the body of the
# stored entry number N (arrival order), keeping the column a blob.
flip_body_byte() {
	local db=$1/store.db hex i nib
	hex=$(sqlite3 "$db" "SELECT hex(body) FROM entries WHERE n = $2")
	[ -n "$hex" ] || return 1
	# shellcheck disable=SC2017 # rounding down to an even digit is the point
	i=$((${#hex} / 4 * 2)) # first digit of the middle byte
	nib=${hex:i:1}
	[ "$nib" = 0 ] && nib=1 || nib=0
	sqlite3 "$db" "UPDATE entries SET body = X'${hex:0:i}$nib${hex:i+1}' WHERE n = $2"
}

# --- multi-node tests: daemons, waits, clocks (nodes.bats) -------------------
#
# Every mutuad is started by start_daemon, in the background, with its pid
# in $T/NAME.pid and its log in $T/NAME.log; teardown stops them all with
# stop_daemons (SIGTERM, then SIGKILL after 20 s) and waits for each, so no
# process outlives its test. Waits are bounded polls: a failure never hangs.

MUTUAD=$BATS_TEST_DIRNAME/../../bin/mutuad
TOOLS=$BATS_TEST_DIRNAME/../../build/tests/tools

# now_ms: wall clock in milliseconds.
now_ms() {
	local t=${EPOCHREALTIME//[.,]/}
	echo $((t / 1000))
}

# make_nodes N: N founders of one federation, homes $T/1..$T/N named N1..NN,
# each publishing the endpoint ipc://$T/I.sock. Sets arrays H (homes), EP
# (endpoints), ID (member ids), and GENESIS and FED_ID.
make_nodes() {
	local n=$1 i cards=()
	H=() EP=() ID=()
	GENESIS=$T/genesis.txt
	for ((i = 1; i <= n; i++)); do
		H[i]=$T/$i EP[i]=ipc://$T/$i.sock
		ID[i]=$(new_home "${H[i]}" "N$i" --endpoint "${EP[i]}") || return 1
		if [ "$i" -gt 1 ]; then
			mutua --home "${H[i]}" card >"$T/$i.card" || return 1
			cards+=("$T/$i.card")
		fi
	done
	[ "${#EP[n]}" -lt 100 ] || {
		echo "socket path too long for ipc://: ${EP[n]}" >&2
		return 1
	}
	FED_ID=$(mutua --home "${H[1]}" federation create --name Line --out "$GENESIS" \
		"${cards[@]}") || return 1
	for ((i = 2; i <= n; i++)); do
		mutua --home "${H[i]}" federation join "$GENESIS" >/dev/null || return 1
	done
}

# start_daemon NAME ARGS...: runs mutuad ARGS in the background.
start_daemon() {
	local name=$1
	shift
	"$MUTUAD" "$@" >>"$T/$name.log" 2>&1 3>&- &
	echo $! >"$T/$name.pid"
}

# start_node I [ARGS...]: mutuad for home H[I], listening on EP[I]; the
# daemon's name (for its log and pid) is I.
start_node() {
	local i=$1
	shift
	start_daemon "$i" --home "${H[i]}" --listen "${EP[i]}" "$@"
}

# daemon_pid NAME
daemon_pid() {
	cat "$T/$1.pid"
}

# stop_daemon NAME [SIGNAL]: signals the daemon (TERM by default), waits
# for it (at most 20 s, then KILL) and returns its exit status.
stop_daemon() {
	local pid rc=0 i
	pid=$(cat "$T/$1.pid" 2>/dev/null) || return 0
	rm -f "$T/$1.pid"
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	for ((i = 0; i < 400; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null && echo "mutuad $1 did not stop: killed" >&2
	wait "$pid" 2>/dev/null || rc=$?
	[ "$rc" -eq 0 ] || echo "mutuad $1 exited with status $rc" >&2
	return "$rc"
}

# stop_daemons: stops every daemon this test started.
stop_daemons() {
	local f
	[ -n "${T:-}" ] && [ -d "$T" ] || return 0
	for f in "$T"/*.pid; do
		[ -e "$f" ] || continue
		kill -TERM "$(cat "$f")" 2>/dev/null
	done
	for f in "$T"/*.pid; do
		[ -e "$f" ] || continue
		f=${f##*/}
		stop_daemon "${f%.pid}" || true
	done
}

# wait_until SECONDS COMMAND...: polls COMMAND every 50 ms until it
# succeeds; fails, saying what it waited for, after SECONDS.
wait_until() {
	local limit=$1 end
	shift
	end=$(($(now_ms) + limit * 1000))
	until "$@"; do
		if [ "$(now_ms)" -ge "$end" ]; then
			echo "gave up after ${limit} s waiting for: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

# sql HOME QUERY: runs QUERY on HOME's store (waiting out a writer's lock).
sql() {
	sqlite3 -cmd '.timeout 5000' "$1/store.db" "$2"
}

# count_entries HOME [MEMBER_ID]: entries held, of one feed or all.
count_entries() {
	if [ -n "${2:-}" ]; then
		sql "$1" "SELECT count(*) FROM entries WHERE author = X'$2'"
	else
		sql "$1" "SELECT count(*) FROM entries"
	fi
}

# has_entries HOME N [MEMBER_ID]: HOME holds at least N entries (of MEMBER).
has_entries() {
	[ "$(count_entries "$1" "${3:-}")" -ge "$2" ]
}

# log_has NAME TEXT: the daemon's log holds TEXT.
log_has() {
	grep -qF -- "$2" "$T/$1.log" 2>/dev/null
}

# wait_log NAME TEXT [SECONDS]: waits (20 s by default) for TEXT in its log.
wait_log() {
	wait_until "${3:-20}" log_has "$1" "$2" || {
		echo "--- log of $1:" >&2
		cat "$T/$1.log" >&2
		return 1
	}
}

# daemon_alive NAME
daemon_alive() {
	kill -0 "$(daemon_pid "$1")" 2>/dev/null
}

# free_port: a TCP port of 127.0.0.1 that nothing listens on, below the
# kernel's range for outgoing connections (ip_local_port_range): a port
# from that range can be taken as the local end of any connection made
# meanwhile (a browser's, another test's), and the listen would fail.
free_port() {
	local p i lo=32768 hi
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	[ "$lo" -gt 12000 ] || lo=32768
	for ((i = 0; i < 50; i++)); do
		p=$((10000 + RANDOM % (lo - 10000)))
		if ! (: <>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
