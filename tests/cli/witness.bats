#!/usr/bin/env bats
# witness.bats - witnessed heads (witness.h): a bundle whose feed stops
# before a head another member witnessed is reported incomplete (issue 13,
# finding 8); two roots witnessed for one size are a fork proof, shown by
# doctor and the audit; an entry past a witnessed head that claims a time
# well before the witness has no effect, in either arrival order.

# shellcheck disable=SC2154 # bats sets $output, $lines

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC
BUNDLETOOL=$BATS_TEST_DIRNAME/../../build/tests/tools/bundletool

bt() {
	"$BUNDLETOOL" "$@"
}

# rec BUNDLE MEMBER_ID SEQ: the number of the ENTRY record of that entry.
rec() {
	bt list "$1" | awk -v a="$2" -v s="$3" '$2 == "entry" && $3 == a && $4 == s { print $1 }'
}

# A lends a truck to B, closed by A (A's last entry); B witnesses every
# feed, and A gets the witness.
settled_and_witnessed() {
	make_federation 3
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title "Camion" --unit day \
		--rate 60) || return 1
	share_all
	R=$(mutua --home "$B" borrow "$TRUCK" --from 2026-01-05 --to 2026-01-05) || return 1
	share "$B" "$A"
	mutua --home "$A" accept "$R" >/dev/null || return 1
	share "$A" "$B"
	mutua --home "$B" handover "$R" >/dev/null || return 1
	mutua --home "$B" return "$R" >/dev/null || return 1
	share "$B" "$A"
	mutua --home "$A" close "$R" >/dev/null || return 1
	share_all
	mutua --home "$B" witness >/dev/null || return 1
	share "$B" "$A" "$C"
}

@test "witness: signs the heads that moved, then has nothing to witness" {
	make_federation 2
	mutua --home "$A" offer add --kind vehicle --title "Camion" --unit day --rate 10 >/dev/null
	share "$A" "$B"
	run -0 mutua --home "$B" witness
	[[ $output == "witnessed 2 head(s) in 1 entry"* ]]
	run -0 mutua --home "$B" witness
	[ "$output" = "nothing to witness: no feed moved since this member's last witness" ]
	run -0 mutua --json --home "$B" witness
	[ "$(json_get "$output" '$.entries')" = 0 ]
	mutua --home "$A" offer add --kind room --title "Salle" --unit hour --rate 5 >/dev/null
	share "$A" "$B"
	run -0 mutua --json --home "$B" witness
	[ "$(json_get "$output" '$.heads')" = 1 ]
	[ "$(json_get "$output" '$.entries')" = 1 ]
}

@test "finding 8: a feed's last close dropped from a bundle, witnessed by another member: audit INCOMPLETE (1)" {
	settled_and_witnessed
	mutua --home "$A" export --out "$T/full.bundle" 2>/dev/null
	run -0 --separate-stderr mutua --home "$A" audit "$T/full.bundle" --genesis "$GENESIS"
	[[ $output == *"audit OK: "*"complete: every feed reaches the newest head that other members witnessed (2 of 3 feeds witnessed)"* ]]
	[[ $output == *"witnessed up to seq"*"by Beta"* ]]
	local head n
	head=$(feed_len "$A" "$A_ID")
	n=$(rec "$T/full.bundle" "$A_ID" "$head")
	[ -n "$n" ]
	bt edit "$T/full.bundle" "$T/cut.bundle" drop "$n"
	run -1 --separate-stderr mutua --home "$A" audit "$T/cut.bundle" --genesis "$GENESIS"
	[[ $output == *"incomplete: feed Alpha (${A_ID:0:12}) stops at seq $((head - 1)), member Beta witnessed seq $head at "* ]]
	[[ $output == *"audit INCOMPLETE: the rules hold within the bundle, but 1 feed(s) stop before a head that other members witnessed"* ]]
	[[ $output != *"audit OK"* ]]
	# the board report says so too
	run -0 mutua --home "$A" report --html --out "$T/r.html" --bundle "$T/cut.bundle" \
		--genesis "$GENESIS"
	grep -q "Audit INCOMPLETE: every rule holds, but the records of 1 member stop before a point other members have already seen" "$T/r.html"
	# and whose: Alpha's row of the members' table
	sed -n '/<h2>Members/,/<\/table>/p' "$T/r.html" | grep '^<tr><td>Alpha</td>' | grep -q 'cut short'
	run -1 --separate-stderr mutua --json --home "$A" audit "$T/cut.bundle" --genesis "$GENESIS"
	local last=${lines[${#lines[@]} - 1]}
	[ "$(json_get "$last" '$.ok')" = 1 ]
	[ "$(json_get "$last" '$.complete')" = 0 ]
	[ "$(json_get "$last" '$.incomplete')" = 1 ]
	[ "$(json_get "$last" '$.witnessed_feeds')" = 2 ]
	[ "$(sqlite3 :memory: "SELECT json_extract(value, '\$.seq') || ' ' ||
		json_extract(value, '\$.witnessed_seq') || ' ' ||
		json_extract(value, '\$.witnessed_by') || ' ' || json_extract(value, '\$.complete')
		FROM json_each(json_extract($(sql_quote "$last"), '\$.heads'))
		WHERE json_extract(value, '\$.name') = 'Alpha'")" = "$((head - 1)) $head Beta 0" ]
}

@test "a bundle cut after the last witnessed head is complete as far as others saw" {
	settled_and_witnessed
	mutua --home "$A" offer add --kind room --title "Salle" --unit hour --rate 5 >/dev/null
	mutua --home "$A" export --out "$T/full.bundle" 2>/dev/null
	local head n
	head=$(feed_len "$A" "$A_ID")
	n=$(rec "$T/full.bundle" "$A_ID" "$head")
	bt edit "$T/full.bundle" "$T/cut.bundle" drop "$n"
	# nobody witnessed the dropped offer: the audit cannot tell
	run -0 --separate-stderr mutua --home "$A" audit "$T/cut.bundle" --genesis "$GENESIS"
	[[ $output == *"audit OK"* ]]
}

@test "two roots witnessed for one size of a feed: a fork proof, in doctor and the audit" {
	settled_and_witnessed
	local head
	head=$(feed_len "$A" "$A_ID")
	# C signs a root for A's feed that is not the root of A's entries
	bt witness "$C" now "$T/w.rec" "$A_ID:$head:$(printf 'ab%.0s' {1..32})" >/dev/null
	run -0 bt receive "$A" "$T/w.rec"
	[ "$output" = added ]
	run -1 mutua --home "$A" doctor
	[[ $output == *"two roots were witnessed for the first $head entries of THIS MEMBER'S OWN FEED"* ]]
	[[ $output == *"1 feed(s) with two witnessed roots for one size"* ]]
	mutua --home "$A" export --out "$T/fork.bundle" 2>/dev/null
	run -1 --separate-stderr mutua --home "$A" audit "$T/fork.bundle" --genesis "$GENESIS"
	[[ $output == *"fork: two roots for its first $head entries: "*"by Gamma"* ]]
	[[ $output == *"forks 1"* ]]
	# the feed is not cut by it: A still appends
	run -0 mutua --home "$A" offer add --kind room --title "Salle" --unit hour --rate 5
}

# Rule (a) itself (an entry past a witnessed head claiming a time well
# before the witness has no effect, in every order) is shown by
# test_witness.c, whose feeds can start in the past: here every feed starts
# now, and an entry of A claiming an hour ago would be before A's own
# previous entry, which every node refuses first.
@test "an offer past a witnessed head: stamped before its own feed's previous entry it is refused everywhere; stamped now it stands" {
	make_federation 3
	mutua --home "$A" offer add --kind vehicle --title "Camion" --unit day --rate 10 >/dev/null
	share_all
	# B witnesses A's feed at its head, now
	mutua --home "$B" witness >/dev/null
	share "$B" "$C"
	# A's node, patched, signs an offer past that head stamped an hour ago
	BUNDLETOOL_TIME=$(($(now_ms) - 3600000)) bt forge "$A" "$FED_ID" next "$T/o.rec" >/dev/null
	for h in "$A" "$B" "$C"; do
		run -0 bt receive "$h" "$T/o.rec"
		[[ $output == "rejected: "*"before seq"* ]]
	done
	# an offer signed now, past the same head, is not backdated
	bt forge "$A" "$FED_ID" next "$T/o2.rec" >/dev/null
	run -0 bt receive "$A" "$T/o2.rec"
	share "$A" "$C"
	run -0 mutua --home "$C" offer list
	[ "$(grep -c "Forged offer" <<<"$output")" = 1 ]
	mutua --home "$A" export --out "$T/b.bundle" 2>/dev/null
	run -0 --separate-stderr mutua --home "$A" audit "$T/b.bundle" --genesis "$GENESIS"
	[[ $output != *"backdated"* ]]
}

@test "mutuad witnesses the feeds that moved, witness_every after its start, and not again while only witnesses come" {
	make_federation 2
	mutua --home "$A" offer add --kind vehicle --title "Camion" --unit day --rate 10 >/dev/null
	share "$A" "$B"
	printf 'witness_every = 10\n' >"$B/mutua.conf"
	start_daemon b --home "$B" --listen "ipc://$T/b.sock"
	wait_log b "mutuad started"
	sleep 1
	[ "$(sql "$B" "SELECT count(*) FROM entries WHERE type = 'witness'")" = 0 ]
	# its first witness comes witness_every / 2 to 3 witness_every / 2 after the
	# start (its moment of the period), looked for every 10 s
	wait_log b "witness of 2 head(s) appended (1 entry)" 35
	sleep 11
	stop_daemon b
	[ "$(sql "$B" "SELECT count(*) FROM entries WHERE type = 'witness'")" = 1 ]
	[ "$(sql "$B" "SELECT count(*) FROM witnessed WHERE feed = X'$A_ID' AND seq = 2")" = 1 ]
	printf 'witness_every = 5\n' >"$B/mutua.conf"
	run -2 --separate-stderr timeout 10 "$MUTUAD" --home "$B"
	[[ $stderr == *"witness_every must be a whole number from 10 to 86400, not '5'"* ]]
}
