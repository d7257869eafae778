# lending_helpers.bash - helpers for the lending tests (lending.bats,
# lending_nodes.bats) and the staff tests, loaded after helpers.bash.
# shellcheck disable=SC2034,SC2154 # sets TRUCK...; bats sets $output

# template_federation [N]: in setup_file, a federation of N (3) founders
# made once for the file's tests in $BATS_FILE_TMPDIR/template ($T while
# setup_file runs), exported with TEMPLATE, A_ID, B_ID, C_ID, FED_ID and
# GENESIS; each test takes its copy with from_template.
template_federation() {
	T=$BATS_FILE_TMPDIR/template
	mkdir "$T" "$T/user" || return 1
	export HOME=$T/user
	unset MUTUA_HOME MUTUA_PASSPHRASE MUTUA_ACTOR
	make_federation "${1:-3}" || return 1
	export TEMPLATE=$T A_ID B_ID C_ID FED_ID GENESIS
}

# from_template [FILE...]: the homes A, B, C of the template (and these
# files of it), in this test's $T.
from_template() {
	local f files=()
	for f in "$@"; do files+=("$TEMPLATE/$f"); done
	cp -a "$TEMPLATE/a" "$TEMPLATE/b" "$TEMPLATE/c" "${files[@]}" "$T/" || return 1
	A=$T/a B=$T/b C=$T/c
}

# staff_home DIR NAME: a staff person's own home and card (DIR.card).
staff_home() {
	mutua --home "$1" init --name "$2" >/dev/null && mutua --home "$1" card >"$1.card"
}

# make_federation_limit LIMIT: like make_federation 3, with the genesis
# parameter --credit-limit LIMIT (credits; 0 = no limit).
make_federation_limit() {
	A=$T/a B=$T/b C=$T/c GENESIS=$T/genesis.txt
	A_ID=$(new_home "$A" Alpha --college producers) || return 1
	B_ID=$(new_home "$B" Beta --college restaurateurs) || return 1
	C_ID=$(new_home "$C" Gamma) || return 1
	mutua --home "$B" card >"$T/b.card" || return 1
	mutua --home "$C" card >"$T/c.card" || return 1
	FED_ID=$(mutua --home "$A" federation create --name "Pole Sud" --credit-limit "$1" \
		--out "$GENESIS" "$T/b.card" "$T/c.card") || return 1
	[ "$(mutua --home "$B" federation join "$GENESIS")" = "$FED_ID" ] || return 1
	[ "$(mutua --home "$C" federation join "$GENESIS")" = "$FED_ID" ] || return 1
}

# share FROM TO...: copies FROM's entries into each TO (see copy_entries).
share() {
	local from=$1 to
	shift
	for to in "$@"; do
		copy_entries "$from" "$to" || return 1
	done
}

# share_all: every home of A, B, C gets every entry.
share_all() {
	share "$A" "$B" "$C" && share "$B" "$A" "$C" && share "$C" "$A" "$B"
}

# feed_len HOME MEMBER_ID: how many entries of that member HOME holds.
feed_len() {
	sqlite3 "$1/store.db" "SELECT count(*) FROM entries WHERE author = X'$2'"
}

# req_get HOME REQ FIELD: the field of one request in `requests --json`
# (absent or null prints nothing).
req_get() {
	local out arr
	out=$(mutua --json --home "$1" requests) || return 1
	arr="[$(paste -sd, <<<"$out")]"
	sqlite3 :memory: "SELECT json_extract(value, '\$.$3') FROM json_each($(sql_quote "$arr"))
		WHERE json_extract(value, '\$.id') = $(sql_quote "$2")"
}

# state_is HOME REQ STATE: the request's state seen from HOME.
state_is() {
	local got
	got=$(req_get "$1" "$2" state)
	[ "$got" = "$3" ] || {
		echo "request ${2:0:12} is '$got' in $1, expected '$3'" >&2
		return 1
	}
}

# loans_sql HOME SQL: runs SQL on HOME's store.
loans_sql() {
	sqlite3 "$1/store.db" "$2"
}

# balance_sum HOME: the sum of every balance in `balance --json`, in
# hundredths (an integer).
balance_sum() {
	local out arr
	out=$(mutua --json --home "$1" balance) || return 1
	arr="[$(paste -sd, <<<"$out")]"
	sqlite3 :memory: "SELECT CAST(round(sum(json_extract(value, '\$.balance')) * 100) AS INTEGER)
		FROM json_each($(sql_quote "$arr"))"
}

# req_row HOME REQ FIELD...: the fields of one request in `requests --json`,
# joined by '|' (null prints as an empty field).
req_row() {
	local h=$1 id=$2 out arr cols="" f
	shift 2
	for f in "$@"; do
		cols="$cols${cols:+ || '|' || }coalesce(json_extract(value, '\$.$f'), '')"
	done
	out=$(mutua --json --home "$h" requests) || return 1
	arr="[$(paste -sd, <<<"$out")]"
	sqlite3 :memory: "SELECT $cols FROM json_each($(sql_quote "$arr"))
		WHERE json_extract(value, '\$.id') = $(sql_quote "$id")"
}

# has_keys JSON KEY...: the JSON object has every KEY (null values count).
has_keys() {
	local json=$1 cond="1" k r
	shift
	for k in "$@"; do
		cond="$cond AND json_type(j, '\$.$k') IS NOT NULL"
	done
	r=$(sqlite3 :memory: "SELECT $cond FROM (SELECT $(sql_quote "$json") AS j)")
	[ "$r" = 1 ] || {
		echo "missing one of the keys $* in '$json'" >&2
		return 1
	}
}

# settle OWNER BORROWER REQ [USAGE]: the owner hands over, the borrower
# returns (stating USAGE, else the slot's), the owner closes on that
# figure: what both parties sign (DESIGN.md, invariant 10).
settle() {
	local o=$1 b=$2 r=$3
	mutua --home "$o" handover "$r" >/dev/null || return 1
	share "$o" "$b" || return 1
	mutua --home "$b" return "$r" ${4:+--usage "$4"} >/dev/null || return 1
	share "$b" "$o" || return 1
	mutua --home "$o" close "$r" >/dev/null || return 1
}
