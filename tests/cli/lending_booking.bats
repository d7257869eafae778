#!/usr/bin/env bats
# lending_booking.bats - lending as associations practise it (issue 16,
# part A): the owner's blocks (its own use, maintenance), requests checked
# for time, conflicts among pending requests and free slots visible, an
# offer withdrawn or its capacity lowered with its requests and loans
# answered, the waitlist. Three homes, A (Alpha) the owner of a truck
# (capacity 1, by the day), B (Beta) and C (Gamma) borrowers; entries
# travel between homes by copy_entries (no daemon). The races between
# running nodes are in lending_booking_nodes.bats.

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC
BUNDLETOOL=$BATS_TEST_DIRNAME/../../build/tests/tools/bundletool

setup_file() {
	template_federation 3 || return 1
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title "Camion 20m3" --unit day \
		--rate 10 --location "Orléans") || return 1
	share "$A" "$B" "$C" || return 1
	export TRUCK
}

# borrow_as HOME ARGS...: borrows, prints the request id, sends it to A.
borrow_as() {
	local h=$1 id
	shift
	id=$(mutua --home "$h" borrow "$@") || return 1
	share "$h" "$A" >/dev/null || return 1
	echo "$id"
}

# cal_rows HOME [ARGS...]: calendar --json lines
cal_rows() {
	mutua --json --home "$1" calendar "${@:2}"
}

# --- time checks -------------------------------------------------------------

@test "time: a slot that ends in the past is refused (1), one that started is allowed with a warning" {
	from_template
	export MUTUA_NOW=2026-12-05T12:00:00Z
	run -1 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-12-01 --to 2026-12-02
	stderr_has "the slot ends in the past"
	[ -z "$output" ]
	run -1 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-12-05T08:00 \
		--to 2026-12-05T12:00
	stderr_has "the slot ends in the past"
	# started this morning, ends tomorrow: allowed, with a warning
	run -0 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-12-05T08:00 \
		--to 2026-12-06
	is_id "$output"
	stderr_has "warning: the slot started in the past"
	# a bad MUTUA_NOW is a usage error, not a silent clock
	MUTUA_NOW=yesterday run -2 mutua --home "$B" borrow "$TRUCK" --from 2026-12-07 --to 2026-12-08
	# the fold has no clock (invariant 9): a request for a past slot signed
	# by a patched node is still a request, the owner declines it
	unset MUTUA_NOW
}

# --- blocks ------------------------------------------------------------------

@test "block: maintenance holds the truck; a request over it cannot be accepted; calendar shows the reason only to others; unblock frees it" {
	from_template
	run -0 --separate-stderr mutua --home "$A" block "${TRUCK:0:10}" --from 2026-12-05 \
		--to 2026-12-06 --reason maintenance --note "vidange chez Garage Martin"
	is_id "$output"
	K=$output
	share "$A" "$B" "$C"
	# the slot is not free any more, for anyone
	run -0 mutua --json --home "$B" offer list --available 2026-12-05/2026-12-05
	[ -z "$output" ]
	run -0 mutua --json --home "$B" offer list --available 2026-12-07/2026-12-07
	[ "$(json_get "$output" '$.slot')" = free ]
	# the calendar: the owner sees its note, the others the reason only
	run -0 cal_rows "$A"
	[ "$(json_get "$output" '$.state')" = blocked ]
	[ "$(json_get "$output" '$.reason')" = maintenance ]
	[ "$(json_get "$output" '$.note')" = "vidange chez Garage Martin" ]
	run -0 cal_rows "$B"
	[ "$(json_get "$output" '$.reason')" = maintenance ]
	[ "$(json_get "$output" '$.note')" = "" ]
	run -0 mutua --home "$B" calendar --ics
	[[ $output == *"SUMMARY:Camion 20m3 - blocked (maintenance)"* ]]
	[[ $output != *"Garage Martin"* ]]
	# the board's report lists it, with its reason only
	mutua --home "$B" report --html --out "$T/r.html" --from 2026-12-01 --to 2026-12-31 2>/dev/null
	grep -q "Kept by their owners (blocks)" "$T/r.html"
	grep -q "maintenance" "$T/r.html"
	[ "$(grep -c "Garage Martin" "$T/r.html")" = 0 ]
	# a request over it: pending, the conflict names the block
	R=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	run -0 req_get "$A" "$R" conflict
	[[ $output == *"the owner's blocks such as ${K:0:12}"* ]]
	run -1 --separate-stderr mutua --home "$A" accept "$R"
	stderr_has "cannot accept: conflict"
	# only the owner unblocks; then the request can be accepted
	share "$A" "$C"
	run -1 --separate-stderr mutua --home "$C" unblock "${K:0:12}"
	stderr_has "no such block of this member"
	run -0 mutua --home "$A" unblock "${K:0:12}"
	[[ $output == "$K unblocked" ]]
	run -1 --separate-stderr mutua --home "$A" unblock "$K"
	stderr_has "the block is already lifted"
	run -0 mutua --home "$A" accept "$R"
	run -0 cal_rows "$A"
	[ "$(json_get "$output" '$.state')" = accepted ]
}

@test "block: over pending requests it is signed and the owner sees the conflict; over an accepted loan it is refused with the loan named" {
	from_template
	R1=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	run -0 --separate-stderr mutua --home "$A" block "$TRUCK" --from 2026-12-05 \
		--to 2026-12-06 --reason internal
	stderr_has "request ${R1:0:12} of Beta"
	stderr_has "now conflicts with this block"
	run -0 req_get "$A" "$R1" conflict
	[[ $output == *"conflict"* ]]
	# a loan accepted: a block over it is refused (cancel or settle first)
	R2=$(borrow_as "$C" "$TRUCK" --from 2026-12-10 --to 2026-12-10)
	mutua --home "$A" accept "$R2"
	n=$(feed_len "$A" "$A_ID")
	run -1 --separate-stderr mutua --home "$A" block "$TRUCK" --from 2026-12-10 \
		--to 2026-12-11 --reason maintenance
	stderr_has "cannot block: conflict"
	stderr_has "cancel or settle ${R2:0:12} with its borrower first"
	[ "$(feed_len "$A" "$A_ID")" -eq "$n" ]
	# a block of part of the capacity, or of someone else's truck
	run -1 --separate-stderr mutua --home "$A" block "$TRUCK" --from 2026-12-20 \
		--to 2026-12-21 --reason internal --quantity 2
	stderr_has "above the resource's capacity"
	run -1 --separate-stderr mutua --home "$B" block "$TRUCK" --from 2026-12-20 \
		--to 2026-12-21 --reason internal
	stderr_has "only the owner can block this resource"
	# usage errors
	run -2 mutua --home "$A" block "$TRUCK" --from 2026-12-20 --to 2026-12-21
	run -2 mutua --home "$A" block "$TRUCK" --from 2026-12-20 --to 2026-12-21 --reason holiday
	run -2 mutua --home "$A" block "$TRUCK" --from 2026-12-21 --to 2026-12-20 --reason other
}

@test "block: a hostile member's signed block of another's truck, or unblock of another's block, counts for nothing on every home and the audit names both" {
	from_template
	ms() { echo $(($(date -u -d "$1" +%s) * 1000)); }
	K=$(mutua --home "$A" block "$TRUCK" --from 2026-12-05 --to 2026-12-06 --reason maintenance)
	share_all
	# B's patched node signs a block of A's truck and an unblock of A's block
	run -0 "$BUNDLETOOL" sign "$B" +0 "$T/forged-block" block "$TRUCK" \
		"$(ms 2026-12-10)" "$(ms 2026-12-11)" 1
	run -0 "$BUNDLETOOL" sign "$B" +0 "$T/forged-unblock" unblock "$K"
	for h in "$A" "$C"; do
		run -0 "$BUNDLETOOL" receive "$h" "$T/forged-block" "$T/forged-unblock"
		[ "$output" = "$(printf 'added\nadded')" ]
	done
	for h in "$A" "$B" "$C"; do
		# A's block still holds the 5th, the 10th is free
		run -0 mutua --json --home "$h" offer list --available 2026-12-10/2026-12-10
		[ "$(json_get "$output" '$.slot')" = free ]
		run -0 mutua --json --home "$h" offer list --available 2026-12-05/2026-12-05
		[ -z "$output" ]
	done
	mutua --home "$C" export --out "$T/c.bundle" 2>/dev/null
	run -1 --separate-stderr mutua --home "$C" audit "$T/c.bundle" --genesis "$GENESIS"
	[[ $output == *"audit FAILED: 2 violation(s)"* ]]
	[[ $output == *"block of ${TRUCK:0:12} ignored: only the owner can block this resource"* ]]
	[[ $output == *"unblock of ${K:0:12} ignored: no such block of this member"* ]]
	# after a reindex, the same
	mutua --home "$C" reindex >/dev/null
	run -0 mutua --json --home "$C" offer list --available 2026-12-05/2026-12-05
	[ -z "$output" ]
}

# --- conflicts and withdrawals -----------------------------------------------

@test "requests: pending requests that compete are shown; offer list --available tells a free slot from one with pending requests" {
	from_template
	R1=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-06)
	R2=$(borrow_as "$C" "$TRUCK" --from 2026-12-06 --to 2026-12-07)
	R3=$(borrow_as "$C" "$TRUCK" --from 2026-12-09 --to 2026-12-09)
	run -0 req_get "$A" "$R1" competes
	[ "$output" = "${R2:0:12}" ]
	run -0 req_get "$A" "$R2" competes
	[ "$output" = "${R1:0:12}" ]
	run -0 req_get "$A" "$R3" competes
	[ -z "$output" ]
	run -0 mutua --home "$A" requests
	[[ $output == *"competes with ${R2:0:8}"* ]]
	run -0 mutua --json --home "$A" offer list --available 2026-12-06/2026-12-06
	[ "$(json_get "$output" '$.slot')" = "pending requests" ]
	[ "$(json_get "$output" '$.pending')" = 2 ]
	[ "$(json_get "$output" '$.free')" = 1 ]
	run -0 mutua --json --home "$A" offer list --available 2026-12-20/2026-12-20
	[ "$(json_get "$output" '$.slot')" = free ]
	[ "$(json_get "$output" '$.pending')" = 0 ]
	run -0 mutua --home "$A" offer list --available 2026-12-06/2026-12-06
	[[ $output == *"pending requests"* ]]
}

@test "offer withdraw answers its pending requests (declined: withdrawn) and says so" {
	from_template
	R1=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-06)
	R2=$(borrow_as "$C" "$TRUCK" --from 2026-12-10 --to 2026-12-10)
	mutua --home "$A" accept "$R2"
	run -0 --separate-stderr mutua --home "$A" offer withdraw "${TRUCK:0:10}"
	stderr_has "1 pending request(s) declined: withdrawn"
	state_is "$A" "$R1" declined
	state_is "$A" "$R2" accepted
	[ "$(req_get "$A" "$R1" reason)" = withdrawn ]
	share "$A" "$B"
	state_is "$B" "$R1" declined
	run -0 mutua --json --home "$A" offer withdraw "${TRUCK:0:10}" || true
}

@test "offer update: a capacity below accepted loans is refused with the loans named, or forced and named for the owner to settle" {
	from_template
	VAN=$(mutua --home "$A" offer add --kind vehicle --title Vans --unit day --capacity 3)
	share "$A" "$B" "$C"
	R1=$(borrow_as "$B" "$VAN" --from 2026-12-05 --to 2026-12-06 --quantity 2)
	R2=$(borrow_as "$C" "$VAN" --from 2026-12-06 --to 2026-12-06)
	mutua --home "$A" accept "$R1"
	mutua --home "$A" accept "$R2"
	n=$(feed_len "$A" "$A_ID")
	run -1 --separate-stderr mutua --home "$A" offer update "$VAN" --capacity 2
	stderr_has "loan ${R1:0:12}"
	stderr_has "loan ${R2:0:12}"
	stderr_has "capacity 2 is below 2 loan(s) in progress"
	[ "$(feed_len "$A" "$A_ID")" -eq "$n" ]
	# 3 -> 3 or more is no question
	run -0 mutua --home "$A" offer update "$VAN" --capacity 4
	run -0 --separate-stderr mutua --home "$A" offer update "$VAN" --capacity 1 --force
	stderr_has "loan ${R1:0:12}"
	stderr_has "settle it with its borrower"
	[ "$(feed_len "$A" "$A_ID")" -eq $((n + 2)) ]
}

# --- waitlist ----------------------------------------------------------------

@test "waitlist: decline --waitlist keeps the request waiting in the owner's order; a cancel makes it 'now possible'; the owner accepts it" {
	from_template
	R1=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-06)
	R2=$(borrow_as "$C" "$TRUCK" --from 2026-12-05 --to 2026-12-05 --wait)
	R3=$(borrow_as "$C" "$TRUCK" --from 2026-12-06 --to 2026-12-06)
	[ "$(req_get "$A" "$R2" wait)" = 1 ]
	mutua --home "$A" accept "$R1"
	run -0 mutua --home "$A" decline "$R3" --waitlist --reason "conflict"
	[[ $output == *"$R3 waiting"* ]]
	run -0 mutua --home "$A" decline "$R2" --waitlist
	state_is "$A" "$R2" waiting
	# the waitlist's order is the owner's: R3 first, R2 second
	[ "$(req_get "$A" "$R3" waitlist_place)" = 1 ]
	[ "$(req_get "$A" "$R2" waitlist_place)" = 2 ]
	[ "$(req_get "$A" "$R2" waitlist)" = waiting ]
	run -1 --separate-stderr mutua --home "$A" accept "$R2"
	stderr_has "cannot accept: conflict"
	run -1 --separate-stderr mutua --home "$A" decline "$R2" --waitlist
	stderr_has "already on the waitlist"
	# B cancels: both waiting requests now fit
	mutua --home "$B" cancel "$R1"
	share "$B" "$A"
	[ "$(req_get "$A" "$R3" waitlist)" = "now possible" ]
	[ "$(req_get "$A" "$R2" waitlist)" = "now possible" ]
	run -0 mutua --home "$A" accept "$R3"
	state_is "$A" "$R3" accepted
	share "$A" "$C"
	state_is "$C" "$R3" accepted
	state_is "$C" "$R2" waiting
	# the borrower may leave the waitlist
	run -0 mutua --home "$C" cancel "$R2"
	state_is "$C" "$R2" cancelled
	# --waitlist is the decline's only
	run -2 mutua --home "$A" cancel "$R3" --waitlist
}

# --- recurring bookings ------------------------------------------------------

# occ HOME SERIES K: the id of occurrence K (1-based) of a series
occ() {
	local out arr
	out=$(mutua --json --home "$1" requests) || return 1
	arr="[$(paste -sd, <<<"$out")]"
	sqlite3 :memory: "SELECT json_extract(value, '\$.id') FROM json_each($(sql_quote "$arr"))
		WHERE json_extract(value, '\$.series') = $(sql_quote "$2")
		AND json_extract(value, '\$.occurrence') LIKE '$3/%'"
}

@test "series: a weekly room booking is one request entry and one loan a week; the owner accepts all at once, one week is taken; each week settles on its own; --ics writes RRULE and EXDATE" {
	from_template
	ROOM=$(mutua --home "$A" offer add --kind room --title "Salle Jaurès" --unit hour --rate 5)
	share "$A" "$B" "$C"
	# C has the 22 January evening already
	RC=$(borrow_as "$C" "$ROOM" --from 2026-01-22T18:00 --to 2026-01-22T21:00)
	mutua --home "$A" accept "$RC"
	n=$(feed_len "$B" "$B_ID")
	run -0 --separate-stderr mutua --json --home "$B" borrow "$ROOM" --from 2026-01-08T18:00 \
		--to 2026-01-08T21:00 --repeat weekly --until 2026-02-05 --note "Chorale"
	[ "$(json_get "$output" '$.occurrences')" = 5 ]
	S=$(json_get "$output" '$.id')
	[ "$(feed_len "$B" "$B_ID")" -eq $((n + 1)) ]
	share "$B" "$A"
	# five loans, occurrence 1 named by the request's id
	[ "$(occ "$A" "$S" 1)" = "$S" ]
	W3=$(occ "$A" "$S" 3)
	is_id "$W3"
	[ "$(req_get "$A" "$W3" from)" = 2026-01-22T18:00:00+00:00 ]
	[ "$(req_get "$A" "$(occ "$A" "$S" 5)" from)" = 2026-02-05T18:00:00+00:00 ]
	run -0 mutua --home "$A" requests --incoming
	[[ $output == *"week 3/5"* ]]
	# all at once: the 22nd does not fit, the four others are accepted
	run -1 --separate-stderr mutua --home "$A" accept "${S:0:10}" --series
	stderr_has "occurrence ${W3:0:12}"
	stderr_has "conflict"
	[ "${#lines[@]}" -eq 4 ]
	for k in 1 2 4 5; do state_is "$A" "$(occ "$A" "$S" $k)" accepted; done
	state_is "$A" "$W3" requested
	run -0 mutua --home "$A" decline "$W3" --reason "Salle prise"
	# the calendar: one event with its rule, the 22nd left out
	run -0 mutua --home "$A" calendar --ics --from 2026-01-01 --to 2026-02-28
	[[ $output == *"RRULE:FREQ=WEEKLY;COUNT=5"* ]]
	[[ $output == *"EXDATE:20260122T180000Z"* ]]
	[[ $output == *"UID:$S@mutua"* ]]
	[ "$(grep -c '^BEGIN:VEVENT' <<<"$output")" -eq 2 ]
	# a window that cuts the series: one event a week, no rule
	run -0 mutua --home "$A" calendar --ics --from 2026-01-01 --to 2026-01-20
	[[ $output != *RRULE* ]]
	[ "$(grep -c '^BEGIN:VEVENT' <<<"$output")" -eq 2 ]
	# each week settles on its own: 3 hours at 5 credits
	W1=$S
	share "$A" "$B"
	mutua --home "$B" handover "$W1" >/dev/null
	mutua --home "$B" return "$W1" >/dev/null
	share "$B" "$A"
	mutua --home "$A" close "$W1" >/dev/null
	[ "$(req_get "$A" "$W1" credits)" = 15.0 ]
	state_is "$A" "$(occ "$A" "$S" 2)" accepted
	# the borrower drops one week
	mutua --home "$B" cancel "$(occ "$B" "$S" 5)" >/dev/null
	share_all
	for h in "$A" "$B"; do
		state_is "$h" "$(occ "$A" "$S" 5)" cancelled
	done
	[ "$(loans_sql "$C" "SELECT group_concat(state, ' ') FROM (SELECT state FROM loans
		WHERE series = X'$S' ORDER BY occurrence)")" = "closed accepted declined accepted cancelled" ]
	run -0 mutua --home "$C" audit
}

@test "series: what a hostile borrower could sign is refused by the CLI (2) and by every node: until before from, more than 53 weeks, weeks that overlap" {
	from_template
	run -2 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-01-08 --to 2026-01-08 \
		--repeat weekly --until 2026-01-01
	stderr_has "series end out of range"
	run -2 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-01-08 --to 2026-01-08 \
		--repeat weekly --until 2027-06-01
	stderr_has "at most 53"
	run -2 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-01-08 --to 2026-01-20 \
		--repeat weekly --until 2026-03-01
	stderr_has "overlap"
	run -2 mutua --home "$B" borrow "$TRUCK" --from 2026-01-08 --to 2026-01-08 --repeat daily \
		--until 2026-03-01
	run -2 mutua --home "$B" borrow "$TRUCK" --from 2026-01-08 --to 2026-01-08 --repeat weekly
	run -2 mutua --home "$B" borrow "$TRUCK" --from 2026-01-08 --to 2026-01-08 --until 2026-03-01
	# 53 weeks is the most
	run -0 --separate-stderr mutua --json --home "$B" borrow "$TRUCK" --from 2026-01-08 \
		--to 2026-01-08 --repeat weekly --until 2027-01-07
	[ "$(json_get "$output" '$.occurrences')" = 53 ]
	# a patched node's signed series of 60 weeks: no node stores it
	ms() { echo $(($(date -u -d "$1" +%s) * 1000)); }
	share_all
	run -0 "$BUNDLETOOL" sign "$B" +0 "$T/forged-series" series "$TRUCK" \
		"$(ms 2026-01-08)" "$(ms 2026-01-09)" "$(ms 2027-03-01)"
	[[ $output == *"rejected: a series of 60 occurrences: at most 53"* ]]
	run -0 "$BUNDLETOOL" receive "$A" "$T/forged-series"
	[[ $output == *"rejected: a series of 60 occurrences: at most 53"* ]]
	run -0 "$BUNDLETOOL" sign "$C" +0 "$T/forged-overlap" series "$TRUCK" \
		"$(ms 2026-01-08)" "$(ms 2026-01-16)" "$(ms 2026-03-01)"
	[[ $output == *"rejected: the occurrences of a weekly series overlap"* ]]
}
