# helpers.bash - shared setup for the mutua CLI tests (bats).
#
# Each test gets its own scratch directory $T (removed in teardown) and a
# clean environment: HOME points into $T so nothing touches the real
# ~/.mutua, and the MUTUA_* variables of the caller are unset.
# JSON is checked with sqlite3's JSON functions (deploy/deps.sh installs
# sqlite3; jq is not a dependency).
# shellcheck disable=SC2034,SC2154 # sets A_ID...; bats sets $stderr

MUTUA=$BATS_TEST_DIRNAME/../../bin/mutua

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
