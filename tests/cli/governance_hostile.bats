#!/usr/bin/env bats
# governance_hostile.bats - issue 13, findings 3, 5 and 6, as a hostile
# member would try them: entries signed with the member's own key by a
# patched node (bundletool sign: any claimed time, no check of the CLI or
# of store_append), carried to other homes in several orders (bundletool
# receive: the sync's own path; copy_entries: a store rebuilt by reindex).
# Each is shown without effect on every home, after a reindex, and in the
# audit, which blames no honest member.
#
# Homes: A (Alpha), B (Beta), C (Gamma), D (Delta) found the federation;
# E (Epsilon) applies.
bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC
BUNDLETOOL=$BATS_TEST_DIRNAME/../../build/tests/tools/bundletool

bt() {
	"$BUNDLETOOL" "$@"
}

# four [CREATE OPTIONS...]: the four founders, and E's home with its card.
four() {
	[ -x "$BUNDLETOOL" ] || {
		echo "build/tests/tools/bundletool is missing: run make tests first" >&2
		return 1
	}
	A=$T/a B=$T/b C=$T/c D=$T/d E=$T/e GENESIS=$T/genesis.txt
	A_ID=$(new_home "$A" Alpha) || return 1
	B_ID=$(new_home "$B" Beta) || return 1
	C_ID=$(new_home "$C" Gamma) || return 1
	D_ID=$(new_home "$D" Delta) || return 1
	E_ID=$(new_home "$E" Epsilon) || return 1
	local h
	for h in b c d e; do
		mutua --home "$T/$h" card >"$T/$h.card" || return 1
	done
	FED_ID=$(mutua --home "$A" federation create --name "Cagette" "$@" --out "$GENESIS" \
		"$T/b.card" "$T/c.card" "$T/d.card") || return 1
	for h in "$B" "$C" "$D"; do
		mutua --home "$h" federation join "$GENESIS" >/dev/null || return 1
	done
}

# spread FROM TO...: FROM's entries into each TO.
spread() {
	local from=$1 to
	shift
	for to in "$@"; do
		copy_entries "$from" "$to" || return 1
	done
}

# spread_all: every founder's home gets every founder's entries.
spread_all() {
	local h
	for h in "$A" "$B" "$C" "$D"; do
		spread "$h" "$A" "$B" "$C" "$D" || return 1
	done
}

# pfield HOME PROPOSAL COLUMN: a column of the proposal's row in HOME's store.
pfield() {
	sqlite3 "$1/store.db" "SELECT $3 FROM proposals WHERE id = X'$2'"
}

# state HOME PROPOSAL: the proposal's shown state (mutua proposals --json).
state() {
	local out
	out=$(mutua --json --home "$1" proposals) || return 1
	sqlite3 :memory: "SELECT json_extract(value, '\$.state') FROM
		json_each('[' || $(sql_quote "$(paste -sd, <<<"$out")") || ']')
		WHERE json_extract(value, '\$.id') = '$2'"
}

# limit HOME: the credit limit in force, in credits (federation show).
limit() {
	json_get "$(mutua --json --home "$1" federation show)" '$.credit_limit'
}

# deliver HOME FILE...: gives each forged record to HOME as a peer would.
deliver() {
	local h=$1
	shift
	bt receive "$h" "$@" >/dev/null
}

# lstate HOME REQUEST: the loan's state in HOME's store.
lstate() {
	sqlite3 "$1/store.db" "SELECT state FROM loans WHERE id = X'$2'"
}

# past_deadline HOME PROPOSAL: waits until the proposal's deadline is over.
past_deadline() {
	local d
	d=$(pfield "$1" "$2" deadline)
	while [ "$(now_ms)" -le "$d" ]; do
		sleep 0.2
	done
}

@test "finding 3: a vote signed after the deadline, stamped before it, revives nothing" {
	four --vote-duration 10s
	P=$(mutua --home "$A" propose set credit-limit 100)
	spread "$A" "$C"
	mutua --home "$C" vote "$P" no >/dev/null
	spread_all
	created=$(pfield "$A" "$P" created)
	past_deadline "$A" "$P"
	# the proposer's node closes it: failed (1 of 4 voted)
	run -0 mutua --home "$A" tally "$P"
	[ "$output" = "$P failed" ]
	TA=$(pfield "$A" "$P" "lower(hex(tally))")
	spread "$A" "$B" "$D"
	# B and D, hostile, sign yes votes stamped within the vote, after it
	# closed, and B a tally citing them: it passes on its own votes
	VB=$(bt sign "$B" $((created + 100)) "$T/vb" vote "$P" yes | head -1)
	VD=$(bt sign "$D" $((created + 200)) "$T/vd" vote "$P" yes | head -1)
	deliver "$B" "$T/vd"
	TB=$(bt sign "$B" $((created + 300)) "$T/tb" tally "$P" "$VB" "$VD" | head -1)
	is_id "$TB"
	[ "$(sqlite3 "$B/store.db" "SELECT verdict IS NULL FROM tallies WHERE id = X'$TB'")" = 1 ]
	# C gets the hostile entries before the proposer's tally; E's home,
	# made a copy of C's, after it
	deliver "$C" "$T/vb" "$T/vd" "$T/tb"
	[ "$(state "$C" "$P")" = passed ] # for now: the proposer's tally is not here
	spread "$A" "$C"
	for h in "$A" "$B" "$C" "$D"; do
		[ "$(state "$h" "$P")" = expired ]
		[ "$(pfield "$h" "$P" "lower(hex(tally))")" = "$TA" ]
		[ "$(limit "$h")" = 0.0 ]
	done
	mutua --home "$C" reindex
	[ "$(state "$C" "$P")" = expired ]
	# nobody is blamed: the hostile tally is valid, it just does not count
	mutua --home "$C" export --out "$T/c.bundle" 2>/dev/null
	run -0 mutua --home "$A" audit "$T/c.bundle" --genesis "$GENESIS"
	# and the vote itself is refused to the CLI
	run -1 --separate-stderr mutua --home "$D" vote "$P" yes
	stderr_has "closed"
}

@test "finding 3: backdated no votes do not un-pass a passed decision" {
	four --vote-duration 10s
	P=$(mutua --home "$A" propose set credit-limit 100)
	spread "$A" "$B" "$C"
	mutua --home "$B" vote "$P" yes >/dev/null
	spread "$B" "$C"
	run -0 mutua --home "$C" vote "$P" yes
	[[ $output == *"(passed: tally "* ]]
	spread_all
	created=$(pfield "$A" "$P" created)
	past_deadline "$A" "$P"
	# D, hostile, signs no votes stamped early and a failing tally of them
	VD=$(bt sign "$D" $((created + 10)) "$T/vd" vote "$P" no | head -1)
	TD=$(bt sign "$D" +0 "$T/td" tally "$P" "$VD" | head -1)
	[ "$(sqlite3 "$D/store.db" "SELECT verdict IS NULL FROM tallies WHERE id = X'$TD'")" = 1 ]
	deliver "$A" "$T/vd" "$T/td"
	deliver "$B" "$T/vd" "$T/td"
	for h in "$A" "$B" "$C" "$D"; do
		[ "$(state "$h" "$P")" = passed ]
		[ "$(limit "$h")" = 100.0 ]
	done
	# a home that gets D's tally before C's decides the same
	rm -rf "$E"
	new_home "$E" Epsilon >/dev/null
	mutua --home "$E" federation join "$GENESIS" >/dev/null 2>&1 || true
	spread "$A" "$E"
	[ "$(state "$E" "$P")" = passed ]
}

@test "finding 3: an excluded member's offer stamped before its exclusion is listed nowhere" {
	four
	X=$(mutua --home "$A" propose exclude Delta --reason "left")
	spread_all
	created=$(pfield "$A" "$X" created)
	mutua --home "$B" vote "$X" yes >/dev/null
	spread "$B" "$C"
	mutua --home "$C" vote "$X" yes >/dev/null # passes: C's tally cuts D's feed
	cut=$(feed_len "$C" "$D_ID")
	[ "$(sqlite3 "$C/store.db" "SELECT cut FROM keys WHERE key = X'$D_ID'")" = "$cut" ]
	# D, not yet told, signs an offer stamped before the proposal (at its
	# own previous entry's time: a feed's times do not go back)
	t=$(sqlite3 "$D/store.db" "SELECT time FROM feeds WHERE author = X'$D_ID'")
	[ "$t" -lt "$created" ]
	OD=$(bt sign "$D" "$t" "$T/od" offer | head -1)
	is_id "$OD"
	# A takes it before it learns of the exclusion; B (an accomplice)
	# carries it to C, who knows already
	deliver "$A" "$T/od"
	[ "$(sqlite3 "$A/store.db" "SELECT count(*) FROM resources WHERE id = X'$OD'")" = 1 ]
	spread "$C" "$A" "$B" "$D"
	run -0 bt receive "$C" "$T/od"
	[ "$output" = "rejected: the member was excluded: its feed ends at seq $cut, seq $((cut + 1)) refused" ]
	for h in "$A" "$B" "$C"; do
		[ "$(sqlite3 "$h/store.db" "SELECT count(*) FROM resources WHERE id = X'$OD'")" = 0 ]
		run -0 mutua --json --home "$h" offer list
		[[ $output != *"Forged van"* ]]
	done
	mutua --home "$A" reindex
	[ "$(sqlite3 "$A/store.db" "SELECT count(*) FROM resources WHERE id = X'$OD'")" = 0 ]
	# the audit reports the entry, at D's feed, and no one else's
	mutua --home "$A" export --out "$T/a.bundle" 2>/dev/null
	run -1 mutua --home "$A" audit "$T/a.bundle" --genesis "$GENESIS"
	[[ $output == *"feed Delta (${D_ID:0:12}) seq $((cut + 1)): membership: 1 entry not accepted"* ]]
	[[ $output == *"audit FAILED: 1 violation(s)"* ]]
}

@test "finding 5: a passed rekey undoes what the stolen key signed past its cut" {
	make_federation_limit 0
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title "Camion" --unit day --rate 60)
	share_all
	R=$(mutua --home "$B" borrow "$TRUCK" --from 2026-03-02 --to 2026-03-02)
	share "$B" "$A"
	mutua --home "$A" accept "$R" >/dev/null
	share "$A" "$B"
	mutua --home "$B" handover "$R" >/dev/null
	mutua --home "$B" return "$R" >/dev/null
	share "$B" "$A"
	upto=$(feed_len "$A" "$A_ID")
	# a thief holding A's key closes the loan, confirming the return: the
	# only close that moves credits alone since they need both parties
	bt step "$A" close "$R" -1 -1 >/dev/null
	share_all
	[ "$(lstate "$C" "$R")" = closed ]
	[ "$(json_get "$(mutua --json --home "$C" balance --member beta)" '$.balance')" != 0.0 ]
	# the members replace A's key, cutting its feed before the theft
	new_home "$T/a2" Alpha >/dev/null
	mutua --home "$T/a2" card >"$T/a2.card"
	K=$(mutua --home "$C" propose rekey Alpha "$T/a2.card" --upto "$upto")
	share "$C" "$B"
	mutua --home "$B" vote "$K" yes >/dev/null
	share "$B" "$C"
	run -0 mutua --home "$C" vote "$K" yes
	[[ $output == *"(passed: tally "* ]]
	share "$C" "$A" "$B"
	for h in "$A" "$B" "$C"; do
		[ "$(lstate "$h" "$R")" = returned ]
		[ "$(json_get "$(mutua --json --home "$h" balance --member beta)" '$.balance')" = 0.0 ]
		[ "$(balance_sum "$h")" = 0 ]
		mutua --home "$h" reindex
		[ "$(lstate "$h" "$R")" = returned ]
	done
	# the audit neither counts it nor blames anyone but the stolen key
	mutua --home "$C" export --out "$T/c.bundle" 2>/dev/null
	run -1 mutua --home "$C" audit "$T/c.bundle" --genesis "$GENESIS"
	[[ $output == *"feed Alpha (${A_ID:0:12}) seq $((upto + 1)): keys: 1 entry not accepted"* ]]
	[[ $output == *"audit FAILED: 1 violation(s)"* ]]
	[[ $output != *"balance"*"Beta"* ]]
}

@test "finding 6: a rotation to an applicant's card copied from a pending admission is refused" {
	four
	P=$(mutua --home "$A" propose admit "$T/e.card")
	spread_all
	# B rotates to the card the proposal holds: the card is not fresh
	run -0 bt sign "$B" +0 "$T/rot" rotate "$T/e.card"
	[[ $output == *"rejected: the rotation's card is not fresh"* ]]
	for h in "$A" "$C" "$D"; do
		run -0 bt receive "$h" "$T/rot"
		[[ $output == "rejected: the rotation's card is not fresh"* ]]
	done
	# E is admitted as itself, and B keeps its own key
	mutua --home "$B" vote "$P" yes >/dev/null
	spread "$B" "$C"
	mutua --home "$C" vote "$P" yes >/dev/null
	spread "$C" "$A" "$B" "$D"
	for h in "$A" "$B" "$C" "$D"; do
		[ "$(sqlite3 "$h/store.db" "SELECT count(*) FROM keys WHERE key = X'$E_ID'")" = 0 ]
		[ "$(json_get "$(mutua --json --home "$h" federation show)" \
			"\$.members[#-1].name")" != "" ]
		[ "$(sqlite3 "$h/store.db" "SELECT active FROM members WHERE id = X'$E_ID'")" = 1 ]
	done
	# an honest rotation names the key it replaces and its seq
	run -0 mutua --home "$D" key rotate
}

@test "a tally that cites a vote on another proposal counts for nothing, and the audit names its author" {
	four
	P1=$(mutua --home "$A" propose set credit-limit 100)
	P2=$(mutua --home "$A" propose set credit-limit 200)
	spread_all
	mutua --home "$B" vote "$P1" yes >/dev/null
	spread "$B" "$A" "$D"
	VB=$(sqlite3 "$D/store.db" "SELECT lower(hex(id)) FROM votes WHERE proposal = X'$P1'")
	is_id "$VB"
	# D, hostile, closes P2 with B's vote on P1
	TX=$(bt sign "$D" +0 "$T/tx" tally "$P2" "$VB" | head -1)
	is_id "$TX"
	deliver "$A" "$T/tx"
	[ "$(state "$A" "$P2")" = open ]
	[ "$(sqlite3 "$A/store.db" "SELECT verdict FROM tallies WHERE proposal = X'$P2'")" = \
		"the tally cites a vote on another proposal" ]
	mutua --home "$A" export --out "$T/a.bundle" 2>/dev/null
	run -1 mutua --home "$A" audit "$T/a.bundle" --genesis "$GENESIS"
	[[ $output == *"feed Delta (${D_ID:0:12}) seq "*": governance: tally of proposal ${P2:0:12} ignored: the tally cites a vote on another proposal"* ]]
	[[ $output == *"audit FAILED: 1 violation(s)"* ]]
}

@test "issue 14: a member's proposals past open-proposals count for nothing on every home, in any order, and the audit names them" {
	four
	spread_all
	# D, hostile, signs 22 proposals at once (open-proposals: 20)
	local i files=()
	for i in $(seq 1 22); do
		P[i]=$(bt sign "$D" +0 "$T/p$i" set credit-limit $((100 * i)) | head -1)
		is_id "${P[i]}"
		files+=("$T/p$i")
	done
	# B, an accomplice, and D vote yes on the 21st; D's tally passes it
	VB=$(bt sign "$B" +0 "$T/vb" vote "${P[21]}" yes | head -1)
	VD=$(bt sign "$D" +0 "$T/vd" vote "${P[21]}" yes | head -1)
	deliver "$D" "$T/vb"
	TD=$(bt sign "$D" +0 "$T/td" tally "${P[21]}" "$VB" "$VD" | head -1)
	is_id "$TD"
	# A gets them in order; C the tally and votes first (it waits, then
	# the proposals); B has its vote and gets D's entries last
	deliver "$A" "${files[@]}" "$T/vb" "$T/vd" "$T/td"
	deliver "$C" "$T/vb"
	deliver "$C" "${files[@]}" "$T/vd" "$T/td"
	deliver "$B" "${files[@]}" "$T/vd" "$T/td"
	for h in "$A" "$B" "$C" "$D"; do
		[ "$(pfield "$h" "${P[20]}" "verdict IS NULL")" = 1 ]
		[ "$(pfield "$h" "${P[21]}" verdict)" = \
			"the proposal's author has open-proposals proposals open already" ]
		[ "$(pfield "$h" "${P[22]}" verdict)" = \
			"the proposal's author has open-proposals proposals open already" ]
		[ "$(state "$h" "${P[21]}")" = open ]
		[ "$(limit "$h")" = 0.0 ]
	done
	mutua --home "$C" reindex
	[ "$(pfield "$C" "${P[21]}" "verdict IS NOT NULL")" = 1 ]
	[ "$(limit "$C")" = 0.0 ]
	# D's own node refuses a 23rd; nobody votes on one that does not count
	run -1 --separate-stderr mutua --home "$D" propose set credit-limit 5
	stderr_has "open-proposals"
	run -1 --separate-stderr mutua --home "$A" vote "${P[22]}" yes
	stderr_has "does not count"
	mutua --home "$A" export --out "$T/a.bundle" 2>/dev/null
	run -1 mutua --home "$A" audit "$T/a.bundle" --genesis "$GENESIS"
	s21=$(pfield "$A" "${P[21]}" seq) s22=$(pfield "$A" "${P[22]}" seq)
	st=$(sqlite3 "$A/store.db" "SELECT seq FROM tallies WHERE id = X'$TD'")
	[[ $output == *"feed Delta (${D_ID:0:12}) seq $s21: governance: proposal ${P[21]:0:12} ignored: the proposal's author has open-proposals proposals open already"* ]]
	[[ $output == *"feed Delta (${D_ID:0:12}) seq $s22: governance: proposal ${P[22]:0:12} ignored"* ]]
	[[ $output == *"seq $st: governance: tally of proposal ${P[21]:0:12} ignored: the proposal's author has open-proposals proposals open already"* ]]
	[[ $output == *"audit FAILED: 3 violation(s)"* ]]
}

# cost HOME FILE...: the store's work to take the entries (bundletool cost:
# SQLite virtual machine steps, whatever the machine's load).
cost() {
	bt cost "$@" | sed -n 's/^cost: [0-9]* statements, \([0-9]*\) steps$/\1/p'
}

# pcount HOME PROPOSAL: the proposal's count and decision, and the votes
# counted, as HOME's store holds them.
pcount() {
	sqlite3 "$1/store.db" "SELECT state, lower(hex(tally)), yes, no, voters, eligible,
		quorum_met, verdict FROM proposals WHERE id = X'$2';
		SELECT lower(hex(id)) FROM votes WHERE proposal = X'$2' AND counted ORDER BY id"
}

@test "issue 14: a hostile member's 200 votes on an open proposal cost every node O(1) each, before a tally and after one" {
	four
	spread_all
	local P i c1 c2 c3 c4 files=()
	P=$(bt sign "$A" +0 "$T/p" set credit-limit 500 | head -1)
	is_id "$P"
	deliver "$D" "$T/p"
	deliver "$B" "$T/p"
	deliver "$C" "$T/p"
	# D, hostile, votes 200 times on it, yes and no in turn
	for i in $(seq 1 200); do
		bt sign "$D" +0 "$T/v$i" vote "$P" $((i % 2 ? "yes" : "no")) >/dev/null
		files+=("$T/v$i")
	done
	# B takes them in order: the last 50 cost what the first 50 did, not
	# four times as much (each vote's count is not a pass over the votes)
	c1=$(cost "$B" "${files[@]:0:50}")
	deliver "$B" "${files[@]:50:100}"
	c2=$(cost "$B" "${files[@]:150:50}")
	echo "# 50 votes on an open proposal: $c1 steps (votes 1-50), $c2 steps (151-200)" >&3
	[ "$c1" -gt 0 ] && [ "$c2" -le $((c1 * 3 / 2)) ]
	# once a tally of it is held (A's, of no vote: the proposal stays
	# open), a vote no tally cites still moves the running tally alone,
	# not a recount of the proposal's votes: flat as well
	bt sign "$A" +0 "$T/t" tally "$P" >/dev/null
	deliver "$C" "$T/t"
	c3=$(cost "$C" "${files[@]:0:50}")
	deliver "$C" "${files[@]:50:100}"
	c4=$(cost "$C" "${files[@]:150:50}")
	echo "# the same after a tally: $c3 steps (votes 1-50), $c4 steps (151-200)" >&3
	[ "$c3" -gt 0 ] && [ "$c4" -le $((c3 * 3 / 2)) ]
	# and no more than before a tally, give or take
	[ "$c3" -le $((c1 * 3 / 2)) ]
	# every home counts D once, its latest vote (no)
	for h in "$B" "$C"; do
		[ "$(sqlite3 "$h/store.db" "SELECT count(*) FROM votes WHERE proposal = X'$P' AND counted")" = 1 ]
	done
	# the same count whether the tally came before the votes (C) or after
	# them (B, and D, whose own votes they are), and after a full recount
	deliver "$B" "$T/t"
	deliver "$D" "$T/t"
	[ "$(pcount "$B" "$P")" = "$(pcount "$C" "$P")" ]
	[ "$(pcount "$D" "$P")" = "$(pcount "$C" "$P")" ]
	mutua --home "$C" reindex >/dev/null
	[ "$(pcount "$B" "$P")" = "$(pcount "$C" "$P")" ]
}

@test "issue 14: after a passing tally, a hostile member's 200 votes cost every node O(1) each and change nothing" {
	four
	spread_all
	local P TA VA VB VC i c1 c2 before files=()
	P=$(bt sign "$A" +0 "$T/p" set credit-limit 500 | head -1)
	is_id "$P"
	deliver "$B" "$T/p"
	deliver "$C" "$T/p"
	deliver "$D" "$T/p"
	VB=$(bt sign "$B" +0 "$T/vb" vote "$P" yes | head -1)
	VC=$(bt sign "$C" +0 "$T/vc" vote "$P" yes | head -1)
	deliver "$A" "$T/vb" "$T/vc"
	VA=$(bt sign "$A" +0 "$T/va" vote "$P" yes | head -1)
	TA=$(bt sign "$A" +0 "$T/t" tally "$P" "$VA" "$VB" "$VC" | head -1)
	is_id "$TA"
	deliver "$B" "$T/vc" "$T/va" "$T/t"
	[ "$(state "$B" "$P")" = passed ]
	before=$(pfield "$B" "$P" "state, lower(hex(tally)), yes, no, voters, eligible, quorum_met")
	# D, hostile, votes 200 times on it after the tally: the count shown is
	# the tally's, each vote changes nothing and reads none of the others
	for i in $(seq 1 200); do
		bt sign "$D" +0 "$T/v$i" vote "$P" $((i % 2 ? "no" : "yes")) >/dev/null
		files+=("$T/v$i")
	done
	c1=$(cost "$B" "${files[@]:0:50}")
	deliver "$B" "${files[@]:50:100}"
	c2=$(cost "$B" "${files[@]:150:50}")
	echo "# 50 votes after a passing tally: $c1 steps (votes 1-50), $c2 steps (151-200)" >&3
	[ "$c1" -gt 0 ] && [ "$c2" -le $((c1 * 3 / 2)) ]
	[ "$(pfield "$B" "$P" "state, lower(hex(tally)), yes, no, voters, eligible, quorum_met")" = "$before" ]
	[ "$(sqlite3 "$B/store.db" "SELECT count(*) FROM votes WHERE proposal = X'$P' AND counted")" = 3 ]
	[ "$(limit "$B")" = 5.0 ] # 500 hundredths
	# the full recount of a reindex agrees
	mutua --home "$B" reindex >/dev/null
	[ "$(pfield "$B" "$P" "state, lower(hex(tally)), yes, no, voters, eligible, quorum_met")" = "$before" ]
	[ "$(sqlite3 "$B/store.db" "SELECT count(*) FROM votes WHERE proposal = X'$P' AND counted")" = 3 ]
	# the same count in other orders: C takes half of D's votes, then the
	# tally and the votes it cites, then the rest; D has all of its own
	# before the tally
	deliver "$C" "${files[@]:0:100}"
	deliver "$C" "$T/vb" "$T/va" "$T/t"
	deliver "$C" "${files[@]:100:100}"
	deliver "$D" "$T/vb" "$T/vc" "$T/va" "$T/t"
	[ "$(pcount "$C" "$P")" = "$(pcount "$B" "$P")" ]
	[ "$(pcount "$D" "$P")" = "$(pcount "$B" "$P")" ]
}
