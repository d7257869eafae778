#!/usr/bin/env bats
# audit.bats - export and offline audit (issue 5): an honest bundle from a
# multi-member history passes; each kind of tampering fails the audit with
# its rule and detail, through signatures, chains and rules (bundletool
# rewrites the END digest, so the digest cannot be what catches it);
# malformed bundles are refused with one clear line and no crash.
#
# The honest history is built once (setup_file) and copied into each
# test's scratch directory: founders A (Alpha), B (Beta), C (Gamma), and D
# (Delta), admitted by proposal and votes, whose id sorts before every
# founder's (so its feed comes first in a bundle, before the entries that
# admit it). A lends a truck to B (20 credits) and D (30), B a room to C
# (20); every loan is settled; C's request for the truck is declined.

# shellcheck disable=SC2030,SC2031,SC2153,SC2154 # ids from setup_file; bats sets $stderr_lines

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC
BUNDLETOOL=$BATS_TEST_DIRNAME/../../build/tests/tools/bundletool

bt() {
	"$BUNDLETOOL" "$@"
}

# loan HOME_BORROWER RESOURCE FROM TO: a loan through every step to its
# close by the owner (OWNER_HOME); prints the request id.
loan() {
	local h=$1 res=$2 from=$3 to=$4 r
	r=$(mutua --home "$h" borrow "$res" --from "$from" --to "$to") || return 1
	share "$h" "$OWNER_HOME" >/dev/null || return 1
	mutua --home "$OWNER_HOME" accept "$r" >/dev/null || return 1
	share "$OWNER_HOME" "$h" >/dev/null || return 1
	mutua --home "$h" handover "$r" >/dev/null || return 1
	mutua --home "$h" return "$r" >/dev/null || return 1
	share "$h" "$OWNER_HOME" >/dev/null || return 1
	mutua --home "$OWNER_HOME" close "$r" >/dev/null || return 1
	echo "$r"
}

setup_file() {
	[ -x "$BUNDLETOOL" ] || {
		echo "build/tests/tools/bundletool is missing: run make tests first" >&2
		return 1
	}
	local T=$BATS_FILE_TMPDIR/h
	mkdir -p "$T/user"
	export HOME=$T/user
	unset MUTUA_HOME MUTUA_PASSPHRASE MUTUA_ACTOR
	make_federation 3
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title "Camion 20m3" --unit day \
		--rate 10) || return 1
	ROOM=$(mutua --home "$B" offer add --kind room --title "Salle" --unit hour --rate 5 \
		--capacity 2) || return 1
	share_all
	OWNER_HOME=$A R1=$(loan "$B" "$TRUCK" 2026-01-05 2026-01-06) || return 1
	OWNER_HOME=$B R2=$(loan "$C" "$ROOM" 2026-01-05T08:00 2026-01-05T12:00) || return 1
	R3=$(mutua --home "$C" borrow "$TRUCK" --from 2026-01-05 --to 2026-01-05) || return 1
	share "$C" "$A"
	mutua --home "$A" decline "$R3" --note "conflict" >/dev/null || return 1
	share_all
	# D: a member admitted by A's proposal and B's and C's votes, with an
	# id that sorts before the founders'
	local min i=0 p
	min=$(printf '%s\n' "$A_ID" "$B_ID" "$C_ID" | sort | head -1)
	while :; do
		i=$((i + 1))
		[ "$i" -lt 3000 ] || return 1 # P(no id below three random ids) = 3/(n+3)
		rm -rf "$T/d"
		D_ID=$(new_home "$T/d" Delta) || return 1
		[[ $D_ID < $min ]] && break
	done
	D=$T/d
	mutua --home "$D" card >"$T/d.card" || return 1
	p=$(mutua --home "$A" propose admit "$T/d.card" --reason "new member") || return 1
	share_all
	mutua --home "$B" vote "$p" yes >/dev/null || return 1
	mutua --home "$C" vote "$p" yes >/dev/null || return 1
	share_all
	mutua --home "$A" tally "$p" >/dev/null || return 1
	share_all
	mutua --home "$D" federation join "$GENESIS" >/dev/null 2>&1 || true
	share "$A" "$D" && share "$B" "$D" && share "$C" "$D" || return 1
	OWNER_HOME=$A R4=$(loan "$D" "$TRUCK" 2026-02-01 2026-02-03) || return 1
	share_all && share "$D" "$B" "$C" && share "$A" "$D" || return 1
	cat >"$BATS_FILE_TMPDIR/vars" <<-EOF
		A_ID=$A_ID B_ID=$B_ID C_ID=$C_ID D_ID=$D_ID FED_ID=$FED_ID
		TRUCK=$TRUCK ROOM=$ROOM R1=$R1 R2=$R2 R3=$R3 R4=$R4
	EOF
}

# history: this test's copy of the homes (A, B, C, D), ids and GENESIS,
# and BUNDLE, A's export of the whole history.
history() {
	cp -a "$BATS_FILE_TMPDIR/h/." "$T/"
	export HOME=$T/user
	# shellcheck disable=SC1091
	. "$BATS_FILE_TMPDIR/vars"
	A=$T/a B=$T/b C=$T/c D=$T/d GENESIS=$T/genesis.txt BUNDLE=$T/honest.bundle
	mutua --home "$A" export --out "$BUNDLE" 2>/dev/null
}

# rec BUNDLE MEMBER_ID SEQ: the number of the ENTRY record of that entry.
rec() {
	bt list "$1" | awk -v a="$2" -v s="$3" '$2 == "entry" && $3 == a && $4 == s { print $1 }'
}

# audit_fails BUNDLE TEXT...: the audit exits 1 and prints each TEXT.
audit_fails() {
	local b=$1 t
	shift
	run -1 --separate-stderr mutua --home "$A" audit "$b" --genesis "$GENESIS"
	for t in "$@"; do
		[[ $output == *"$t"* ]] || {
			echo "audit output lacks '$t':" >&2
			echo "$output" >&2
			return 1
		}
	done
	[[ $output == *"audit FAILED: "*" violation(s)"* ]]
}

# json_rule BUNDLE RULE DETAIL: with --json, one issue object has that rule
# and a detail holding DETAIL; the last line is the summary, with ok false.
json_rule() {
	local arr
	run -1 --separate-stderr mutua --json --home "$A" audit "$1" --genesis "$GENESIS"
	json_lines "$output" "${#lines[@]}"
	arr="[$(paste -sd, <<<"$output")]"
	[ "$(sqlite3 :memory: "SELECT count(*) FROM json_each($(sql_quote "$arr"))
		WHERE json_extract(value, '\$.rule') = $(sql_quote "$2")
		AND instr(json_extract(value, '\$.detail'), $(sql_quote "$3")) > 0
		AND json_type(value, '\$.member') = 'text'
		AND json_type(value, '\$.seq') = 'integer'")" -ge 1 ]
	local last=${lines[${#lines[@]} - 1]}
	[ "$(json_get "$last" '$.summary')" = 1 ]
	[ "$(json_get "$last" '$.ok')" = 0 ]
	[ "$(json_get "$last" '$.violations')" -ge 1 ]
	[ "$(json_get "$last" '$.federation')" = "$FED_ID" ]
}

# --- the honest history ------------------------------------------------------

@test "honest bundle: four members, offers, settled loans, an admission: audit OK (0)" {
	history
	run -0 --separate-stderr mutua --home "$A" audit "$BUNDLE" --genesis "$GENESIS"
	[[ $output == *"federation Pole Sud ($FED_ID)"* ]]
	[[ $output == *"members 4, feeds 4, entries "*", loans 4 (3 settled), credits moved 70, forks 0"* ]]
	[[ $output == *"audit OK"* ]]
	[[ $output != *"violation"* ]]
	# every home sees the same history: D's export passes too
	mutua --home "$D" export --out "$T/d.bundle" 2>/dev/null
	run -0 --separate-stderr mutua --home "$D" audit "$T/d.bundle" --genesis "$GENESIS"
	[[ $output == *"audit OK"* ]]
}

@test "honest bundle --json: one summary object, ok true, no issue objects" {
	history
	run -0 --separate-stderr mutua --json --home "$A" audit "$BUNDLE" --genesis "$GENESIS"
	json_lines "$output" 1
	[ "$(json_get "$output" '$.summary')" = 1 ]
	[ "$(json_get "$output" '$.ok')" = 1 ]
	[ "$(json_get "$output" '$.violations')" = 0 ]
	[ "$(json_get "$output" '$.members')" = 4 ]
	[ "$(json_get "$output" '$.loans')" = 4 ]
	[ "$(json_get "$output" '$.closed')" = 3 ]
	[ "$(json_get "$output" '$.credits_moved')" = 70.0 ]
	[ "$(json_get "$output" '$.federation_name')" = "Pole Sud" ]
}

@test "audit without FILE checks this node's own store" {
	history
	run -0 --separate-stderr mutua --home "$B" audit
	[[ $output == *"audit OK"* ]]
	# a body altered in the store itself is caught too
	n=$(sqlite3 "$B/store.db" "SELECT n FROM entries WHERE author = X'$A_ID' AND seq = 2")
	flip_body_byte "$B" "$n"
	run -1 --separate-stderr mutua --home "$B" audit
	[[ $output == *" seq 2: signature: bad signature"* ]]
	[[ $output == *"audit FAILED"* ]]
}

@test "a bundle rewritten record by record, untouched, still passes" {
	history
	bt edit "$BUNDLE" "$T/same.bundle"
	cmp "$BUNDLE" "$T/same.bundle"
	run -0 --separate-stderr mutua --home "$A" audit "$T/same.bundle" --genesis "$GENESIS"
}

# --- tampering ---------------------------------------------------------------

@test "tampering: one flipped bit in a signature fails the signature check" {
	history
	bt edit "$BUNDLE" "$T/x.bundle" flip-sig "$(rec "$BUNDLE" "$A_ID" 3)"
	audit_fails "$T/x.bundle" "feed Alpha (${A_ID:0:12}) seq 3: signature: bad signature"
	json_rule "$T/x.bundle" signature "bad signature"
}

@test "tampering: one flipped bit in a body (still a valid body) fails the signature check" {
	history
	bt edit "$BUNDLE" "$T/x.bundle" flip-body "$(rec "$BUNDLE" "$B_ID" 2)" 2>/dev/null
	run ! cmp -s "$BUNDLE" "$T/x.bundle"
	audit_fails "$T/x.bundle" "feed Beta (${B_ID:0:12}) seq 2: signature: bad signature"
	json_rule "$T/x.bundle" signature "bad signature"
}

@test "tampering: an entry removed from the middle of a feed breaks its chain" {
	history
	bt edit "$BUNDLE" "$T/x.bundle" drop "$(rec "$BUNDLE" "$A_ID" 3)"
	audit_fails "$T/x.bundle" "feed Alpha (${A_ID:0:12}) seq 4: chain: gap: expected seq 3, got 4" \
		"feed Alpha (${A_ID:0:12}) seq 4: chain: $(($(feed_len "$A" "$A_ID") - 3)) entries of this feed could not be accepted"
	json_rule "$T/x.bundle" chain "gap: expected seq 3, got 4"
}

@test "tampering: two feeds' entries swapped break both chains" {
	history
	bt edit "$BUNDLE" "$T/x.bundle" swap "$(rec "$BUNDLE" "$A_ID" 2)" "$(rec "$BUNDLE" "$B_ID" 2)"
	# the feed read first misses its seq 2; the other meets its seq 2
	# before its seq 1
	if [[ $A_ID < $B_ID ]]; then
		first="Alpha (${A_ID:0:12})" second="Beta (${B_ID:0:12})"
	else
		first="Beta (${B_ID:0:12})" second="Alpha (${A_ID:0:12})"
	fi
	audit_fails "$T/x.bundle" \
		"feed $first seq 3: chain: gap: expected seq 2, got 3" \
		"feed $second seq 2: chain: gap: expected seq 1, got 2"
	json_rule "$T/x.bundle" chain "gap: expected seq 2, got 3"
}

@test "tampering: an entry repeated in its feed is reported" {
	history
	bt edit "$BUNDLE" "$T/x.bundle" dup "$(rec "$BUNDLE" "$C_ID" 2)"
	audit_fails "$T/x.bundle" "feed Gamma (${C_ID:0:12}) seq 2: chain: entry appears twice"
}

@test "tampering: a patched owner's over-booking is shown from its own feed" {
	history
	# C asks for the truck on a day B has it; the CLI refuses to accept...
	r=$(mutua --home "$C" borrow "$TRUCK" --from 2026-01-06 --to 2026-01-06)
	share "$C" "$A"
	run -1 --separate-stderr mutua --home "$A" accept "$r"
	stderr_has "conflict: the slot would exceed capacity 1 (1 in use by loans such as "
	why="conflict: ${stderr##*conflict: }"
	# ...a patched node accepts anyway
	bt step "$A" accept "$r"
	mutua --home "$A" export --out "$T/x.bundle" 2>/dev/null
	seq=$(feed_len "$A" "$A_ID")
	# the audit gives the node's reason
	audit_fails "$T/x.bundle" \
		"feed Alpha (${A_ID:0:12}) seq $seq: over-booking: accepting request ${r:0:12} lends 'Camion 20m3' beyond its capacity from 2026-01-06T00:00:00.000Z: $why"
	json_rule "$T/x.bundle" over-booking "$why"
}

@test "tampering: the over-booking names the accept that came last, not the loan that starts last" {
	history
	early=$(mutua --home "$C" borrow "$TRUCK" --from 2026-03-10 --to 2026-03-10)
	share "$C" "$A"
	mutua --home "$A" accept "$early" >/dev/null
	late=$(mutua --home "$B" borrow "$TRUCK" --from 2026-03-09 --to 2026-03-10)
	share "$B" "$A"
	run -1 --separate-stderr mutua --home "$A" accept "$late"
	why="conflict: the slot would exceed capacity 1 (1 in use by loans such as ${early:0:12})"
	stderr_has "$why"
	bt step "$A" accept "$late"
	mutua --home "$A" export --out "$T/x.bundle" 2>/dev/null
	seq=$(feed_len "$A" "$A_ID")
	audit_fails "$T/x.bundle" \
		"feed Alpha (${A_ID:0:12}) seq $seq: over-booking: accepting request ${late:0:12} lends 'Camion 20m3' beyond its capacity from 2026-03-10T00:00:00.000Z: $why"
	[[ $output != *"accepting request ${early:0:12}"* ]]
}

@test "tampering: a settlement counted twice is ignored and reported" {
	history
	bt step "$A" close "$R1" 5000 1000
	mutua --home "$A" export --out "$T/x.bundle" 2>/dev/null
	seq=$(feed_len "$A" "$A_ID")
	audit_fails "$T/x.bundle" \
		"feed Alpha (${A_ID:0:12}) seq $seq: lending: close of request ${R1:0:12} ignored: out of order: the loan is closed (settled once)"
	# the second close moves no credit: the books still balance
	[[ $output == *"credits moved 70,"* ]]
	[[ $output != *"balance:"* ]]
	json_rule "$T/x.bundle" lending "settled once"
}

@test "tampering: an entry signed by a key that is not a member's" {
	history
	mutua --home "$T/e" init --name Eve >/dev/null
	bt forge "$T/e" "$FED_ID" 1 "$T/eve.entry" >/dev/null
	bt edit "$BUNDLE" "$T/x.bundle" append-entry "$T/eve.entry"
	E_ID=$(mutua --home "$T/e" id)
	# in the words of the node that refuses it
	audit_fails "$T/x.bundle" \
		"feed ? (${E_ID:0:12}) seq 1: membership: 1 entry not accepted: author is not a member of this federation"
	json_rule "$T/x.bundle" membership "not a member"
	# several of them are counted in one line
	bt forge "$T/e" "$FED_ID" 2 "$T/eve2.entry" >/dev/null
	bt edit "$T/x.bundle" "$T/y.bundle" append-entry "$T/eve2.entry"
	audit_fails "$T/y.bundle" "membership: 2 entries not accepted: author is not a member of this federation"
}

@test "tampering: an entry of another federation" {
	history
	other=$(printf '%064d' 7)
	bt forge "$A" "$other" next "$T/w.entry" >/dev/null
	bt edit "$BUNDLE" "$T/x.bundle" append-entry "$T/w.entry"
	audit_fails "$T/x.bundle" "federation: entry of another federation"
	json_rule "$T/x.bundle" federation "another federation"
}

@test "tampering: a fork (two entries at one seq from a copied home), as an entry or a fork proof" {
	history
	cp -a "$A" "$T/a2"
	mutua --home "$A" offer add --kind room --title "Salle A" >/dev/null
	mutua --home "$T/a2" offer add --kind room --title "Salle B" >/dev/null
	seq=$(feed_len "$A" "$A_ID")
	mutua --home "$A" export --out "$T/a.bundle" 2>/dev/null
	mutua --home "$T/a2" export --out "$T/a2.bundle" 2>/dev/null
	# each copy alone is a sound history
	run -0 mutua --home "$A" audit "$T/a2.bundle" --genesis "$GENESIS"
	bt pick "$T/a2.bundle" "$(rec "$T/a2.bundle" "$A_ID" "$seq")" "$T/other.entry"
	bt edit "$T/a.bundle" "$T/x.bundle" append-entry "$T/other.entry"
	audit_fails "$T/x.bundle" "feed Alpha (${A_ID:0:12}) seq $seq: fork: two different signed entries at seq $seq"
	[[ $output == *"forks 1"* ]]
	json_rule "$T/x.bundle" fork "two different signed entries at seq $seq"
	# the same evidence carried as a FORK record, as a node exports it
	bt edit "$T/a.bundle" "$T/y.bundle" append-fork "$T/other.entry"
	audit_fails "$T/y.bundle" "feed Alpha (${A_ID:0:12}) seq $seq: fork: two different signed entries at seq $seq"
	# and inside the feed's own run, right after its twin, where the
	# audit meets it before the run is stored
	n=$(rec "$T/a.bundle" "$A_ID" "$seq")
	bt edit "$T/a.bundle" "$T/z.bundle" insert-entry "$((n + 1))" "$T/other.entry"
	audit_fails "$T/z.bundle" "feed Alpha (${A_ID:0:12}) seq $seq: fork: two different signed entries at seq $seq"
	# or before it: the first one read is kept, the other is the proof
	bt edit "$T/a.bundle" "$T/w.bundle" insert-entry "$n" "$T/other.entry"
	audit_fails "$T/w.bundle" "feed Alpha (${A_ID:0:12}) seq $seq: fork: two different signed entries at seq $seq"
}

@test "tampering: an entry signed by a member after its exclusion" {
	history
	p=$(mutua --home "$A" propose exclude Gamma --reason "left")
	share "$A" "$B" "$D"
	mutua --home "$B" vote "$p" yes >/dev/null
	mutua --home "$D" vote "$p" yes >/dev/null
	share "$B" "$A" && share "$D" "$A"
	# the proposer's node closes it; its tally cuts C's feed at its head
	run -0 mutua --home "$A" tally "$p"
	[[ $output == *passed* ]]
	share "$A" "$C"
	# C's node, patched, appends anyway
	bt forge "$C" "$FED_ID" next "$T/late.entry" >/dev/null
	seq=$(($(feed_len "$A" "$C_ID") + 1))
	mutua --home "$A" export --out "$T/x0.bundle" 2>/dev/null
	bt edit "$T/x0.bundle" "$T/x.bundle" append-entry "$T/late.entry"
	audit_fails "$T/x.bundle" "feed Gamma (${C_ID:0:12}) seq $seq: membership: "
	[[ $output == *"exclu"* ]]
	run -0 mutua --home "$A" audit "$T/x0.bundle" --genesis "$GENESIS"
}

# --- malformed bundles -------------------------------------------------------

# refused FILE TEXT: the audit of FILE exits 1 with one line on stderr
# holding TEXT, and nothing on stdout.
refused() {
	run -1 --separate-stderr mutua --home "$A" audit "$1"
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	stderr_has "mutua: cannot audit $1: $2"
}

@test "malformed: a truncated bundle" {
	history
	size=$(stat -c %s "$BUNDLE")
	head -c $((size - 20)) "$BUNDLE" >"$T/x.bundle"
	refused "$T/x.bundle" "bundle is truncated at byte"
	head -c $((size / 2)) "$BUNDLE" >"$T/x.bundle"
	refused "$T/x.bundle" "bundle is truncated at byte"
	head -c 8 "$BUNDLE" >"$T/x.bundle"
	refused "$T/x.bundle" "bundle is truncated at byte 8 (no END record)"
}

@test "malformed: bytes after the END record" {
	history
	cp "$BUNDLE" "$T/x.bundle"
	printf 'garbage' >>"$T/x.bundle"
	refused "$T/x.bundle" "bundle has bytes after its END record"
}

@test "malformed: a byte changed without a new digest" {
	history
	cp "$BUNDLE" "$T/x.bundle"
	size=$(stat -c %s "$BUNDLE")
	# the last byte, in END's digest: a byte in a record would show the
	# record's own fault first (a body that no longer decodes, say)
	old=$(tail -c 1 "$BUNDLE" | od -An -tx1 | tr -d ' ')
	new=5a
	[ "$old" = 5a ] && new=59
	printf "\\x$new" | dd of="$T/x.bundle" bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
	run -1 cmp -s "$BUNDLE" "$T/x.bundle"
	refused "$T/x.bundle" "bundle digest does not match: the file was altered or damaged"
}

@test "malformed: not a bundle, empty, a folder, missing" {
	history
	refused "$GENESIS" "'$GENESIS' is not a mutua bundle"
	: >"$T/empty"
	refused "$T/empty" "'$T/empty' is not a mutua bundle"
	refused "$T" "'$T' is not a regular file"
	refused "$T/none" "cannot open '$T/none': No such file or directory"
}

@test "a format 1 bundle is refused with what to do; a format 1 store too" {
	history
	cp "$BUNDLE" "$T/v1.bundle"
	printf 'MUTUABN1' | dd of="$T/v1.bundle" bs=1 seek=0 conv=notrunc 2>/dev/null
	refused "$T/v1.bundle" "'$T/v1.bundle' is a format 1 bundle, which this mutua cannot read: audit it with the mutua that wrote it"
	# a store written by format 1 (schema versions 1 to 5) is not migrated
	sqlite3 "$A/store.db" "PRAGMA user_version = 5"
	run mutua --home "$A" offer list
	[ "$status" -eq 1 ]
	[[ $output == *"store holds format 1 entries, which this mutua cannot read (there is no migration)"* ]]
	[ "$(sqlite3 "$A/store.db" "PRAGMA user_version")" = 5 ]
}

@test "malformed: an oversized record length is refused before any allocation" {
	history
	bt edit "$BUNDLE" "$T/x.bundle" set-len 1 4294967295
	refused "$T/x.bundle" "bundle record at byte"
	stderr_has "is too large (4294967295 bytes)"
	bt edit "$BUNDLE" "$T/y.bundle" set-len 3 70000
	refused "$T/y.bundle" "bundle record at byte"
	stderr_has "is too large (70000 bytes)"
	# a length that fits the limit but not the record's own fields
	bt edit "$BUNDLE" "$T/z.bundle" set-len 2 100
	run -1 --separate-stderr mutua --home "$A" audit "$T/z.bundle"
	[ "${#stderr_lines[@]}" -eq 1 ]
	stderr_has "mutua: cannot audit $T/z.bundle: bundle"
}

@test "--genesis: the right one passes; another federation's is refused (1)" {
	history
	run -0 --separate-stderr mutua --home "$A" audit "$BUNDLE" --genesis "$GENESIS"
	[[ $output == *"audit OK"* ]]
	mutua --home "$T/x" init --name Other >/dev/null
	mutua --home "$T/x" federation create --name Other --out "$T/other.txt" >/dev/null
	run -1 --separate-stderr mutua --home "$A" audit "$BUNDLE" --genesis "$T/other.txt"
	stderr_has "the bundle is of another federation than the one expected"
	[ "${#stderr_lines[@]}" -eq 1 ]
	run -1 --separate-stderr mutua --home "$A" audit "$BUNDLE" --genesis "$T/none.txt"
	[ "${#stderr_lines[@]}" -eq 1 ]
	run -2 --separate-stderr mutua --home "$A" audit "$BUNDLE" "$BUNDLE"
	stderr_has "usage: mutua audit"
}

# --- whose genesis -----------------------------------------------------------

# forged: a federation made from scratch by someone else, under the same
# name, with a sound history of its own: FORGED, its bundle.
forged() {
	new_home "$T/m" Alpha >/dev/null || return 1
	mutua --home "$T/m" federation create --name "Pole Sud" --out "$T/forged.txt" >/dev/null ||
		return 1
	mutua --home "$T/m" offer add --kind vehicle --title "Camion 20m3" --unit day \
		--rate 10 >/dev/null || return 1
	FORGED=$T/forged.bundle
	mutua --home "$T/m" export --out "$FORGED" 2>/dev/null
}

@test "without --genesis: a forged federation is not passed (1), the id is said unchecked" {
	history
	forged
	# an auditor with no home of its own
	run -1 --separate-stderr mutua --home "$T/auditor" audit "$FORGED"
	[[ $output == *"federation Pole Sud ("* ]]
	[[ $output == *"audit NOT CONCLUSIVE: the rules hold within the bundle, but its federation id was not checked against your own copy of the genesis"* ]]
	[[ $output != *"audit OK"* ]]
	stderr_has "mutua: warning: the federation id "
	stderr_has "NOT checked against your own copy of the genesis: a forged federation would pass; run again with --genesis GENESIS"
	[ ! -e "$T/auditor" ]
	# the same for an honest bundle: nothing in it tells the two apart
	run -1 --separate-stderr mutua --home "$A" audit "$BUNDLE"
	[[ $output == *"audit NOT CONCLUSIVE"* ]]
	stderr_has "mutua: warning: the federation id $FED_ID was taken from the bundle itself"
	# --json says it too, and ok is false
	run -1 --separate-stderr mutua --json --home "$T/auditor" audit "$FORGED"
	json_lines "$output" 1
	[ "$(json_get "$output" '$.genesis_checked')" = 0 ]
	[ "$(json_get "$output" '$.ok')" = 0 ]
	[ "$(json_get "$output" '$.violations')" = 0 ]
	stderr_has "mutua: warning: the federation id "
	# the true genesis refuses it, as before
	run -1 --separate-stderr mutua --home "$T/auditor" audit "$FORGED" --genesis "$GENESIS"
	stderr_has "the bundle is of another federation than the one expected"
	[ -z "$output" ]
	# and its own genesis passes it, checked
	run -0 --separate-stderr mutua --json --home "$T/auditor" audit "$FORGED" \
		--genesis "$T/forged.txt"
	[ "$(json_get "$output" '$.genesis_checked')" = 1 ]
	[ -z "$stderr" ]
}

@test "--trust-bundle-genesis: passes (0), still warns; not with --genesis (2)" {
	history
	forged
	run -0 --separate-stderr mutua --home "$T/auditor" audit "$FORGED" --trust-bundle-genesis
	[[ $output == *"audit OK: every signature, chain, membership and lending rule holds; balances sum to zero (federation id taken from the bundle itself)"* ]]
	stderr_has "mutua: warning: the federation id "
	stderr_has "NOT checked against your own copy of the genesis: a forged federation would pass; compare this id with the one the members hold"
	run -0 --separate-stderr mutua --json --home "$T/auditor" audit "$FORGED" \
		--trust-bundle-genesis
	[ "$(json_get "$output" '$.genesis_checked')" = 0 ]
	[ "$(json_get "$output" '$.ok')" = 1 ]
	stderr_has "mutua: warning: the federation id "
	# violations still fail
	bt edit "$BUNDLE" "$T/x.bundle" flip-sig "$(rec "$BUNDLE" "$A_ID" 3)"
	run -1 --separate-stderr mutua --home "$A" audit "$T/x.bundle" --trust-bundle-genesis
	[[ $output == *"audit FAILED: "* ]]
	run -2 --separate-stderr mutua --home "$A" audit "$BUNDLE" --trust-bundle-genesis \
		--genesis "$GENESIS"
	stderr_has "usage: mutua audit"
	# this store's own genesis is its member's: no warning
	run -0 --separate-stderr mutua --home "$A" audit
	[[ $output == *"audit OK"* ]]
	[ -z "$stderr" ]
}

# --- how far the bundle goes -------------------------------------------------

# entry_time HOME AUTHOR SEQ FORMAT: the time the entry claims, in local
# time, as date(1) formats it.
entry_time() {
	local ms
	ms=$(sql "$1" "SELECT time FROM entries WHERE author = X'$2' AND seq = $3") || return 1
	date -d "@$((ms / 1000))" "$4"
}

@test "the verdict lists each member's head seq and last entry, in local time with its offset" {
	history
	export TZ=Europe/Paris
	n=$(feed_len "$A" "$A_ID")
	# a bundle whose last entry of Alpha's feed was dropped: every rule
	# holds, only the heads show it
	bt edit "$BUNDLE" "$T/x.bundle" drop "$(rec "$BUNDLE" "$A_ID" "$n")"
	run -0 --separate-stderr mutua --home "$A" audit "$T/x.bundle" --genesis "$GENESIS"
	[[ $output == *"how far the history goes (compare with each member's own 'mutua status'):"* ]]
	want="  Alpha (${A_ID:0:12}): seq $((n - 1)), last entry $(entry_time "$A" "$A_ID" $((n - 1)) '+%Y-%m-%d %H:%M %:z')"
	[[ $output == *"$want"* ]]
	[[ $want == *" +01:00" || $want == *" +02:00" ]]
	for x in "Beta $B_ID" "Gamma $C_ID" "Delta $D_ID"; do
		id=${x#* } k=$(feed_len "$A" "${x#* }")
		[[ $output == *"  ${x%% *} (${id:0:12}): seq $k, last entry $(entry_time "$A" "$id" "$k" '+%Y-%m-%d %H:%M %:z')"* ]]
	done
	# in name order, before the verdict
	[ "$(grep -c '^  [A-Z][a-z]* ([0-9a-f]\{12\}): seq [0-9]*, last entry ' <<<"$output")" = 4 ]
	[[ ${lines[-1]} == "audit OK"* ]]
	# --json: ISO 8601 with the offset, in the summary
	run -0 --separate-stderr mutua --json --home "$A" audit "$T/x.bundle" --genesis "$GENESIS"
	json_lines "$output" 1
	[ "$(json_get "$output" '$.heads[0].name')" = Alpha ]
	[ "$(json_get "$output" '$.heads[0].member')" = "$A_ID" ]
	[ "$(json_get "$output" '$.heads[0].feed')" = "$A_ID" ]
	[ "$(json_get "$output" '$.heads[0].seq')" = $((n - 1)) ]
	[ "$(json_get "$output" '$.heads[0].last')" = "$(entry_time "$A" "$A_ID" $((n - 1)) '+%Y-%m-%dT%H:%M:%S%:z')" ]
	[ "$(json_get "$output" '$.heads[3].name')" = Gamma ]
	# the whole bundle: Alpha's true head
	run -0 --separate-stderr mutua --home "$A" audit "$BUNDLE" --genesis "$GENESIS"
	[[ $output == *"  Alpha (${A_ID:0:12}): seq $n, last entry "* ]]
}

@test "a member with no entry in the bundle is listed as such" {
	# a federation whose second founder has signed nothing yet
	mutua --home "$T/p" init --name Premier >/dev/null
	mutua --home "$T/q" init --name Second >/dev/null
	mutua --home "$T/q" card >"$T/q.card"
	mutua --home "$T/p" federation create --name Autre --out "$T/autre.txt" "$T/q.card" >/dev/null
	mutua --home "$T/p" export --out "$T/p.bundle" 2>/dev/null
	Q_ID=$(mutua --home "$T/q" id)
	run -0 --separate-stderr mutua --home "$T/p" audit "$T/p.bundle" --genesis "$T/autre.txt"
	[[ $output == *"  Second (${Q_ID:0:12}): no entry"* ]]
	run -0 --separate-stderr mutua --json --home "$T/p" audit "$T/p.bundle" --genesis "$T/autre.txt"
	[ "$(json_get "$output" '$.heads[1].name')" = Second ]
	[ "$(json_get "$output" '$.heads[1].seq')" = 0 ]
	for k in feed last; do
		[ "$(sqlite3 :memory: "SELECT json_type($(sql_quote "$output"), '$.heads[1].$k')")" = null ]
	done
}
