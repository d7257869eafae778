#!/usr/bin/env bats
# audit_rules.bats - the audit is the node's rules, replayed (issue 12,
# point 5). For each refusal that the CLI or a node can give, a bundle
# holds one validly signed entry that breaks the rule, signed with the
# member's own valid key (bundletool: as a patched node would); the audit
# must report it at that entry's feed and seq, in the words of the node
# that refuses or ignores it: the fold's verdict (loan_events.verdict, read
# on a node that holds the entry), or the reason a node gives when it
# receives the entry (bundletool receive: the sync's own path).
#
# The honest history is built once (setup_file): founders A (Alpha),
# B (Beta), C (Gamma); A offers a truck (capacity 1) and a van; B's
# request for the truck on 2026-01-05 is accepted (R1); C's requests for
# the truck that day (R2) and for the van (R3) are pending, and A has
# withdrawn the van since. Its bundle passes the audit.

# shellcheck disable=SC2030,SC2031,SC2153,SC2154 # ids from setup_file; bats sets $lines

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC
BUNDLETOOL=$BATS_TEST_DIRNAME/../../build/tests/tools/bundletool

bt() {
	"$BUNDLETOOL" "$@"
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
	VAN=$(mutua --home "$A" offer add --kind vehicle --title "Fourgon" --unit day) || return 1
	share_all
	# the van is withdrawn before C's request for it reaches A (a
	# withdrawal answers the requests its node holds: declined)
	mutua --home "$A" offer withdraw "$VAN" >/dev/null || return 1
	R1=$(mutua --home "$B" borrow "$TRUCK" --from 2026-01-05 --to 2026-01-05) || return 1
	R2=$(mutua --home "$C" borrow "$TRUCK" --from 2026-01-05 --to 2026-01-05) || return 1
	R3=$(mutua --home "$C" borrow "$VAN" --from 2026-01-07 --to 2026-01-07) || return 1
	share "$B" "$A" && share "$C" "$A" || return 1
	mutua --home "$A" accept "$R1" >/dev/null || return 1
	share_all
	cat >"$BATS_FILE_TMPDIR/vars" <<-EOF
		A_ID=$A_ID B_ID=$B_ID C_ID=$C_ID FED_ID=$FED_ID
		TRUCK=$TRUCK VAN=$VAN R1=$R1 R2=$R2 R3=$R3
	EOF
}

# history: this test's copy of the homes A, B, C, the ids, and BUNDLE,
# A's export of the honest history.
history() {
	cp -a "$BATS_FILE_TMPDIR/h/." "$T/"
	export HOME=$T/user
	# shellcheck disable=SC1091
	. "$BATS_FILE_TMPDIR/vars"
	A=$T/a B=$T/b C=$T/c BUNDLE=$T/honest.bundle GENESIS=$T/genesis.txt
	mutua --home "$A" export --out "$BUNDLE" 2>/dev/null
}

# verdict HOME REQ SEQ MEMBER_ID: the fold's verdict on the step at
# (MEMBER, SEQ) of request REQ, as the node of HOME recorded it.
verdict() {
	sqlite3 "$1/store.db" "SELECT v.verdict FROM loan_events v JOIN entries e
		ON e.id = v.id WHERE v.request = X'$2' AND e.author = X'$4' AND e.seq = $3"
}

# reported BUNDLE NAME MEMBER_ID SEQ RULE REASON: the audit of BUNDLE fails
# with exactly one violation, at feed NAME (MEMBER) seq SEQ, by RULE, whose
# detail holds REASON; and so says --json, with the member's full id.
reported() {
	local b=$1 name=$2 id=$3 seq=$4 rule=$5 why=$6 arr last
	[ -n "$why" ] || {
		echo "no reason to look for" >&2
		return 1
	}
	run -1 --separate-stderr mutua --home "$A" audit "$b" --genesis "$GENESIS"
	if [[ $output != *"feed $name (${id:0:12}) seq $seq: $rule: "*"$why"* ||
		$output != *"audit FAILED: 1 violation(s)"* ]]; then
		echo "audit output lacks 'feed $name (${id:0:12}) seq $seq: $rule: ...$why':" >&2
		echo "$output" >&2
		return 1
	fi
	run -1 --separate-stderr mutua --json --home "$A" audit "$b" --genesis "$GENESIS"
	arr="[$(paste -sd, <<<"$output")]"
	[ "$(sqlite3 :memory: "SELECT count(*) FROM json_each($(sql_quote "$arr"))
		WHERE json_extract(value, '\$.member') = '$id'
		AND json_extract(value, '\$.seq') = $seq
		AND json_extract(value, '\$.rule') = $(sql_quote "$rule")
		AND instr(json_extract(value, '\$.detail'), $(sql_quote "$why")) > 0")" = 1 ] || {
		echo "no JSON issue at $id seq $seq, rule $rule, detail '$why':" >&2
		echo "$output" >&2
		return 1
	}
	last=${lines[${#lines[@]} - 1]}
	[ "$(json_get "$last" '$.ok')" = 0 ]
	[ "$(json_get "$last" '$.violations')" = 1 ]
}

# received HOME FILE: the reason HOME's node gives when a peer sends it the
# entry in FILE (fails when the node takes it).
received() {
	local out
	out=$(bt receive "$1" "$2") || return 1
	[[ $out == "rejected: "* ]] || {
		echo "the node took the entry: '$out'" >&2
		return 1
	}
	echo "${out#rejected: }"
}

@test "the honest history passes" {
	history
	run -0 --separate-stderr mutua --home "$A" audit "$BUNDLE" --genesis "$GENESIS"
	[[ $output == *"audit OK"* ]]
}

# --- lending: the fold's verdicts --------------------------------------------

@test "an owner's accept of a withdrawn resource" {
	history
	run -1 --separate-stderr mutua --home "$A" accept "$R3"
	stderr_has "withdrawn"
	bt step "$A" accept "$R3" >/dev/null
	seq=$(feed_len "$A" "$A_ID")
	why=$(verdict "$A" "$R3" "$seq" "$A_ID")
	[[ $why == *"withdrawn"* ]]
	# the refusal of the owner's own node is the same rule
	stderr_has "$why"
	mutua --home "$A" export --out "$T/x.bundle" 2>/dev/null
	reported "$T/x.bundle" Alpha "$A_ID" "$seq" lending "accept of request ${R3:0:12} ignored: $why"
	# and every node that receives it: B, after a reindex
	share "$A" "$B"
	[ "$(verdict "$B" "$R3" "$seq" "$A_ID")" = "$why" ]
}

@test "an owner's accept beyond the resource's capacity" {
	history
	run -1 --separate-stderr mutua --home "$A" accept "$R2"
	# the node's reason, word for word: the booking rule's (booking_fits)
	why="conflict: the slot would exceed capacity 1 (1 in use by loans such as ${R1:0:12})"
	stderr_has "$why"
	bt step "$A" accept "$R2" >/dev/null
	seq=$(feed_len "$A" "$A_ID")
	mutua --home "$A" export --out "$T/x.bundle" 2>/dev/null
	reported "$T/x.bundle" Alpha "$A_ID" "$seq" over-booking \
		"accepting request ${R2:0:12} lends 'Camion 20m3' beyond its capacity from 2026-01-05T00:00:00.000Z: $why"
}

@test "a step out of order: the owner closes a loan never handed over" {
	history
	run -1 --separate-stderr mutua --home "$A" close "$R1"
	bt step "$A" close "$R1" 1000 1000 >/dev/null
	seq=$(feed_len "$A" "$A_ID")
	why=$(verdict "$A" "$R1" "$seq" "$A_ID")
	[[ $why == "out of order: "*"accepted"* ]]
	mutua --home "$A" export --out "$T/x.bundle" 2>/dev/null
	reported "$T/x.bundle" Alpha "$A_ID" "$seq" lending "close of request ${R1:0:12} ignored: $why"
	share "$A" "$B"
	[ "$(verdict "$B" "$R1" "$seq" "$A_ID")" = "$why" ]
}

@test "a step by the wrong party: a member accepts a request for another's resource" {
	history
	run -1 --separate-stderr mutua --home "$C" accept "$R2"
	bt step "$C" accept "$R2" >/dev/null
	seq=$(feed_len "$C" "$C_ID")
	why=$(verdict "$C" "$R2" "$seq" "$C_ID")
	[[ $why == *"only the owner"* ]]
	mutua --home "$C" export --out "$T/x.bundle" 2>/dev/null
	reported "$T/x.bundle" Gamma "$C_ID" "$seq" lending "accept of request ${R2:0:12} ignored: $why"
	share "$C" "$B"
	[ "$(verdict "$B" "$R2" "$seq" "$C_ID")" = "$why" ]
}

# --- membership and keys: the store's refusals -------------------------------

@test "an entry signed by a key that is no member's" {
	history
	mutua --home "$T/e" init --name Eve >/dev/null
	E_ID=$(mutua --home "$T/e" id)
	bt forge "$T/e" "$FED_ID" 1 "$T/eve.entry" >/dev/null
	why=$(received "$B" "$T/eve.entry")
	[ "$why" = "author is not a member of this federation" ]
	bt edit "$BUNDLE" "$T/x.bundle" append-entry "$T/eve.entry"
	reported "$T/x.bundle" "?" "$E_ID" 1 membership "1 entry not accepted: $why"
}

@test "an entry signed by a member after its exclusion" {
	history
	p=$(mutua --home "$A" propose exclude Gamma --reason "left")
	share "$A" "$B"
	mutua --home "$A" vote "$p" yes >/dev/null
	mutua --home "$B" vote "$p" yes >/dev/null
	share "$B" "$A"
	# the proposer's node closes it: the tally cuts C's feed at its head
	mutua --home "$A" tally "$p" >/dev/null
	share "$A" "$B" "$C"
	run -0 mutua --home "$A" proposals
	[[ $output == *passed* ]]
	mutua --home "$A" export --out "$T/honest2.bundle" 2>/dev/null
	run -0 mutua --home "$A" audit "$T/honest2.bundle" --genesis "$GENESIS"
	# C's node, patched, appends anyway
	bt forge "$C" "$FED_ID" next "$T/late.entry" >/dev/null
	seq=$(($(feed_len "$A" "$C_ID") + 1))
	why=$(received "$B" "$T/late.entry")
	[ "$why" = "the member was excluded: its feed ends at seq $((seq - 1)), seq $seq refused" ]
	bt edit "$T/honest2.bundle" "$T/x.bundle" append-entry "$T/late.entry"
	reported "$T/x.bundle" Gamma "$C_ID" "$seq" membership "1 entry not accepted: $why"
	# the same words when the audit reads C's feed before the proposal and
	# votes that exclude it, and learns of the exclusion only afterwards
	bt edit "$T/x.bundle" "$T/y.bundle" first "$C_ID"
	[ "$(bt list "$T/y.bundle" | awk 'NR == 1 { print $3 }')" = "$C_ID" ]
	reported "$T/y.bundle" Gamma "$C_ID" "$seq" membership "1 entry not accepted: $why"
}

@test "an entry signed by a key past its end (after the member rotated it)" {
	history
	cp "$A/key" "$T/old.key"
	mutua --home "$A" key rotate >/dev/null
	share "$A" "$B"
	mutua --home "$A" export --out "$T/honest2.bundle" 2>/dev/null
	run -0 mutua --home "$A" audit "$T/honest2.bundle" --genesis "$GENESIS"
	# the old key, kept by a patched node, signs on in its old feed
	bt forge "$A" "$FED_ID" next "$T/old.entry" "$T/old.key" >/dev/null
	seq=$(($(feed_len "$A" "$A_ID") + 1))
	why=$(received "$B" "$T/old.entry")
	[[ $why == "the key was replaced at seq "*": seq $seq refused" ]]
	bt edit "$T/honest2.bundle" "$T/x.bundle" append-entry "$T/old.entry"
	reported "$T/x.bundle" Alpha "$A_ID" "$seq" keys "1 entry not accepted: $why"
}

# --- federation and chain: the store's refusals -----------------------------

@test "an entry of another federation" {
	history
	seq=$(($(feed_len "$A" "$A_ID") + 1))
	bt forge "$A" "$(printf '%064d' 7)" next "$T/other.entry" >/dev/null
	why=$(received "$B" "$T/other.entry")
	[ "$why" = "entry of another federation" ]
	bt edit "$BUNDLE" "$T/x.bundle" append-entry "$T/other.entry"
	reported "$T/x.bundle" Alpha "$A_ID" "$seq" federation "$why"
}

@test "an entry past a gap in its feed" {
	history
	head=$(feed_len "$A" "$A_ID")
	bt forge "$A" "$FED_ID" $((head + 2)) "$T/far.entry" >/dev/null
	why=$(received "$B" "$T/far.entry")
	[ "$why" = "gap: expected seq $((head + 1)), got $((head + 2))" ]
	bt edit "$BUNDLE" "$T/x.bundle" append-entry "$T/far.entry"
	reported "$T/x.bundle" Alpha "$A_ID" $((head + 2)) chain "$why"
}

# --- the bundle's own records ------------------------------------------------

@test "a FORK record with no counterpart: no fork, and the audit says so" {
	history
	seq=$(($(feed_len "$A" "$A_ID") + 1))
	bt forge "$A" "$FED_ID" next "$T/lone.entry" >/dev/null
	bt edit "$BUNDLE" "$T/x.bundle" append-fork "$T/lone.entry"
	reported "$T/x.bundle" Alpha "$A_ID" "$seq" fork "not a fork: no other entry is held at seq $seq"
	run -1 --separate-stderr mutua --home "$A" audit "$T/x.bundle" --genesis "$GENESIS"
	[[ $output == *", forks 0"* ]]
	# an entry of the history itself, repeated as a FORK record, proves
	# nothing either
	bt pick "$BUNDLE" 1 "$T/first.entry"
	read -r _ _ author s _ < <(bt list "$BUNDLE" | head -1)
	case $author in
	"$A_ID") name=Alpha ;;
	"$B_ID") name=Beta ;;
	*) name=Gamma ;;
	esac
	bt edit "$BUNDLE" "$T/y.bundle" append-fork "$T/first.entry"
	reported "$T/y.bundle" "$name" "$author" "$s" fork "not a fork: no other entry is held at seq $s"
}

@test "END counts that do not match the records" {
	history
	n=$(bt list "$BUNDLE" | wc -l)
	bt edit "$BUNDLE" "$T/x.bundle" set-end "$((n + 1))" 1
	run -1 --separate-stderr mutua --home "$A" audit "$T/x.bundle" --genesis "$GENESIS"
	[[ $output == *"format: the END record counts $((n + 1)) entries and 1 fork proofs, the bundle holds $n and 0"* ]]
	[[ $output == *"audit FAILED: 1 violation(s)"* ]]
	run -1 --separate-stderr mutua --json --home "$A" audit "$T/x.bundle" --genesis "$GENESIS"
	[ "$(json_get "${lines[0]}" '$.rule')" = format ]
	[ "$(json_get "${lines[0]}" '$.seq')" = 0 ]
}

@test "a malformed body, validly signed: reported at its feed and seq, in the node's words" {
	history
	seq=$(($(feed_len "$A" "$A_ID") + 1))
	bt malformed "$A" "$FED_ID" next "$T/bad.entry" >/dev/null
	why=$(received "$B" "$T/bad.entry")
	[ "$why" = "offer capacity 0 out of range (1..1000000)" ]
	bt edit "$BUNDLE" "$T/x.bundle" append-entry "$T/bad.entry"
	reported "$T/x.bundle" Alpha "$A_ID" "$seq" format "$why"
	# a body that names no feed is reported at its record's place
	n=$(($(bt list "$BUNDLE" | wc -l) + 1))
	{ printf '\003\000\000\000\377\377\377'; head -c 64 /dev/zero; } >"$T/junk.entry"
	bt edit "$BUNDLE" "$T/y.bundle" append-entry "$T/junk.entry"
	run -1 --separate-stderr mutua --home "$A" audit "$T/y.bundle" --genesis "$GENESIS"
	[[ $output == *"format: entry record $n: entry body is not a valid protobuf Body"* ]]
	[[ $output == *"audit FAILED: 1 violation(s)"* ]]
}
