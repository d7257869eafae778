#!/usr/bin/env bats
# lending_graph.bats - loans without clocks, settlement by both parties
# (issue 13, findings 1, 2 and 7), with the stock CLI and entries signed
# with a member's own key as a patched node would (bundletool step). Each
# forged step is without effect on every node, on the balances, after a
# reindex, and the audit names its author, never the honest party.
# Founders A (Alpha, the owner of a 60-credit-a-day van), B (Beta, the
# borrower) and C (Gamma); credit limit 500.

# shellcheck disable=SC2154 # bats sets $output

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC
BUNDLETOOL=$BATS_TEST_DIRNAME/../../build/tests/tools/bundletool

bt() {
	"$BUNDLETOOL" "$@"
}

# head_time HOME ENTRY: the time of the head of the feed that signed ENTRY
# (what a patched node's next entry may claim at the earliest)
head_time() {
	sql "$1" "SELECT time FROM feeds WHERE author = (SELECT author FROM entries
		WHERE id = X'$2')"
}

# event_id HOME REQ TYPE: the id of REQ's TYPE step in HOME's store (the
# entry a patched node's step answers)
event_id() {
	sql "$1" "SELECT lower(hex(id)) FROM loan_events WHERE request = X'$2' AND type = '$3'"
}

setup() {
	[ -x "$BUNDLETOOL" ] || {
		echo "build/tests/tools/bundletool is missing: run make tests first" >&2
		return 1
	}
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/user"
	export HOME=$T/user
	unset MUTUA_HOME MUTUA_PASSPHRASE MUTUA_ACTOR
	make_federation_limit 500
	VAN=$(mutua --home "$A" offer add --kind vehicle --title Fourgon --unit day --rate 60)
	share "$A" "$B" "$C"
}

# lent FROM TO: B's request for the van over [FROM, TO), accepted, handed
# over by the owner, known to A and B; prints the request id.
lent() {
	local r
	r=$(mutua --home "$B" borrow "$VAN" --from "$1" --to "$2") || return 1
	share "$B" "$A" || return 1
	mutua --home "$A" accept "$r" >/dev/null || return 1
	mutua --home "$A" handover "$r" >/dev/null || return 1
	share "$A" "$B" || return 1
	echo "$r"
}

loan_state() { # HOME REQ: the loan's state in HOME's store (any member's)
	sql "$1" "SELECT state FROM loans WHERE id = X'$2'"
}

bal() { # HOME NAME: the member's balance in `balance --json`
	json_get "$(mutua --json --home "$1" balance --member "$2")" '$.balance'
}

# audit_blames HOME NAME WHAT: the audit of HOME's export fails with one
# violation, in NAME's feed, whose line holds WHAT.
audit_blames() {
	mutua --home "$1" export --out "$T/x.bundle" 2>/dev/null
	run -1 --separate-stderr mutua --home "$1" audit "$T/x.bundle" --genesis "$GENESIS"
	[[ $output == *"audit FAILED: 1 violation(s)"* ]] || {
		echo "$output" >&2
		return 1
	}
	[[ $output == *"feed $2 ("*"$3"* ]] || {
		echo "$output" >&2
		return 1
	}
}

@test "finding 1: a borrower's backdated cancel erases no settled debt, on any node, nor in the audit" {
	R=$(lent 2026-01-05 2026-01-05)
	mutua --home "$B" return "$R" >/dev/null
	share "$B" "$A"
	mutua --home "$A" close "$R" >/dev/null
	share "$A" "$B" "$C"
	[ "$(bal "$B" Beta)" = -60.0 ]
	# the borrower's own node refuses; a patched node signs it, stamped 1 ms
	# after the request, answering the request and then the accept
	run -1 --separate-stderr mutua --home "$B" cancel "$R"
	t=$(sql "$B" "SELECT requested + 1 FROM loans WHERE id = X'$R'")
	acc=$(event_id "$B" "$R" accept)
	# stamped before the borrower's own return: every node refuses it
	run -1 bt step "$B" cancel "$R" -1 -1 "$R" "$t"
	[[ $output == *"rejected: "*"before seq"* ]]
	# stamped at the borrower's head: stored, and without effect
	t=$(head_time "$B" "$R")
	bt step "$B" cancel "$R" -1 -1 "$R" "$t" >/dev/null
	bt step "$B" cancel "$R" -1 -1 "$acc" "$t" >/dev/null
	share "$B" "$A" "$C"
	for h in "$A" "$B" "$C"; do
		[ "$(loan_state "$h" "$R")" = closed ]
		[ "$(bal "$h" Beta)" = -60.0 ]
		[ "$(bal "$h" Alpha)" = 60.0 ]
		[ "$(sql "$h" "SELECT count(*) FROM loan_events WHERE request = X'$R'
			AND type = 'cancel' AND verdict IS NOT NULL")" = 2 ]
	done
	mutua --home "$C" reindex 2>/dev/null
	[ "$(loan_state "$C" "$R")" = closed ]
	# the audit names the borrower's cancels, never the honest owner
	mutua --home "$A" export --out "$T/x.bundle" 2>/dev/null
	run -1 --separate-stderr mutua --home "$A" audit "$T/x.bundle" --genesis "$GENESIS"
	[[ $output == *"audit FAILED: 2 violation(s)"* ]]
	[ "$(grep -c "feed Beta (.*cancel of request ${R:0:12} ignored: " <<<"$output")" = 2 ]
	[ "$(grep -c "ignored: superseded: another step answering the same step stands" \
		<<<"$output")" = 2 ]
	[[ $output != *"feed Alpha ("* ]]
}

@test "finding 1: an owner's handover backdated to beat a cancel has no effect; the auto-accept queue follows arrival" {
	R=$(mutua --home "$B" borrow "$VAN" --from 2026-12-20 --to 2026-12-20)
	share "$B" "$A"
	mutua --home "$A" accept "$R" >/dev/null
	share "$A" "$B"
	mutua --home "$B" cancel "$R" --reason "reporté" >/dev/null
	share "$B" "$A"
	acc=$(event_id "$A" "$R" accept)
	t=$(sql "$A" "SELECT decided FROM loans WHERE id = X'$R'")
	bt step "$A" handover "$R" -1 -1 "$acc" "$t" >/dev/null
	share "$A" "$B" "$C"
	for h in "$A" "$B" "$C"; do [ "$(loan_state "$h" "$R")" = cancelled ]; done
	audit_blames "$A" Alpha "handover of request ${R:0:12} ignored: superseded"
	# a handover the borrower signed stands against a later cancel of its own
	R2=$(lent 2026-12-22 2026-12-22)
	mutua --home "$B" handover "$R2" >/dev/null 2>&1 || true
	acc=$(event_id "$B" "$R2" accept)
	mutua --home "$B" return "$R2" >/dev/null
	bt step "$B" cancel "$R2" -1 -1 "$acc" "$(head_time "$B" "$R2")" >/dev/null
	share "$B" "$A"
	state_is "$A" "$R2" returned
}

@test "finding 2: the owner alone cannot set the bill; its other figure is a claim the borrower agrees to" {
	R=$(lent 2026-12-05T08:00 2026-12-05T18:00)
	mutua --home "$A" offer update "$VAN" --rate 1000000 >/dev/null
	# no return: refused before the slot's end and the grace; forged, ignored
	run -1 --separate-stderr mutua --home "$A" close "$R" --usage 1000000
	stderr_has "cannot close: no return yet"
	bt step "$A" close "$R" 1000000000 100000000 >/dev/null
	share "$A" "$B" "$C"
	for h in "$A" "$B" "$C"; do
		[ "$(loan_state "$h" "$R")" = handed_over ]
		[ "$(bal "$h" Beta)" = 0.0 ]
	done
	[ "$(req_get "$B" "$R" agreed_rate)" = 60.0 ]
	# the borrower states one day (08:00-18:00), the owner claims a million
	run -0 mutua --home "$B" return "$R"
	[ "$(req_get "$B" "$R" usage)" = 1.0 ]
	share "$B" "$A"
	run -0 mutua --home "$A" close "$R" --usage 1000000
	[ "$output" = "$R claimed" ]
	share "$A" "$B"
	[ "$(req_get "$B" "$R" usage_claimed)" = 1000000.0 ]
	[ "$(bal "$B" Beta)" = 0.0 ]
	# agreeing would break the credit limit: refused; the borrower disputes
	run -1 --separate-stderr mutua --home "$B" agree "$R"
	stderr_has "credit limit"
	run -2 --separate-stderr mutua --home "$B" dispute "$R"
	run -0 mutua --json --home "$B" dispute "$R" --reason "un jour, pas un million"
	[ "$(json_get "$output" '$.state')" = disputed ]
	[ "$(req_get "$B" "$R" disputed)" = 1 ]
	share "$B" "$A"
	# the owner concedes: the borrower's figure, at the agreed rate
	run -1 --separate-stderr mutua --home "$A" close "$R" --usage 2
	stderr_has "the claim stands"
	run -0 mutua --home "$A" close "$R"
	share "$A" "$B" "$C"
	for h in "$A" "$B" "$C"; do
		[ "$(loan_state "$h" "$R")" = closed ]
		[ "$(bal "$h" Beta)" = -60.0 ]
	done
	audit_blames "$A" Alpha "close of request ${R:0:12} ignored: no return yet"
}

@test "a dispute settled by the members' vote: propose settle, then the loan closes at its usage" {
	R=$(lent 2026-01-05 2026-01-06)
	mutua --home "$B" return "$R" >/dev/null # two days
	share "$B" "$A"
	mutua --home "$A" close "$R" --usage 3 >/dev/null
	share "$A" "$B"
	mutua --home "$B" dispute "$R" --reason "deux jours" >/dev/null
	share "$B" "$A" "$C"
	run -0 mutua --home "$C" propose settle "${R:0:10}" 2.5 --reason "médiation"
	P=$output
	run -0 mutua --json --home "$C" proposals
	[ "$(json_get "$output" '$.what')" = "settle ${R:0:12} at 2.500" ]
	share "$C" "$A" "$B"
	mutua --home "$A" vote "$P" yes >/dev/null
	share "$A" "$B" "$C"
	# the vote that passes it closes it with a tally
	run -0 mutua --home "$C" vote "$P" yes
	[[ $output == *"(passed: tally "* ]]
	share "$C" "$A" "$B"
	for h in "$A" "$B" "$C"; do
		[ "$(loan_state "$h" "$R")" = closed ]
		[ "$(sql "$h" "SELECT usage FROM loans WHERE id = X'$R'")" = 2500 ]
		[ "$(bal "$h" Beta)" = -150.0 ]
	done
	mutua --home "$B" reindex 2>/dev/null
	[ "$(bal "$B" Beta)" = -150.0 ]
	mutua --home "$A" export --out "$T/x.bundle" 2>/dev/null
	run -0 --separate-stderr mutua --home "$A" audit "$T/x.bundle" --genesis "$GENESIS"
	run -2 --separate-stderr mutua --home "$C" propose settle "${R:0:10}" lots
}

@test "finding 7: an accept stamped INT64_MAX: the borrower's CLI answers it without overflow" {
	R=$(mutua --home "$B" borrow "$VAN" --from 2026-12-05 --to 2026-12-05)
	share "$B" "$A"
	# no node decodes a time outside 2020..2200: it cannot even be signed
	run -1 bt step "$A" accept "$R" -1 -1 head 9223372036854775807
	[[ $output == *"time out of range"* ]]
	# one at the end of the range is held by every node (far ahead of its
	# clock): the borrower's node never computes with it
	run -1 bt step "$A" accept "$R" -1 -1 head 7258118400000
	[[ $output == *"held: dated more than 5 minutes ahead"* ]]
	state_is "$A" "$R" requested
	mutua --home "$A" accept "$R" >/dev/null
	share "$A" "$B"
	state_is "$B" "$R" accepted
	run -0 --separate-stderr mutua --home "$B" handover "$R"
	run -0 --separate-stderr mutua --home "$B" return "$R"
	run -0 mutua --json --home "$B" requests
	run -0 mutua --home "$B" balance
	share "$B" "$A"
	state_is "$A" "$R" returned
}

@test "close-grace: a federation parameter; without a return the owner closes after the slot's end and the grace, for the slot's own length" {
	run -0 mutua --home "$A" propose set close-grace 1m --reason "plus court"
	P=$output
	share "$A" "$B" "$C"
	mutua --home "$B" vote "$P" yes >/dev/null
	share "$B" "$A" "$C"
	mutua --home "$C" vote "$P" yes >/dev/null
	share "$C" "$A" "$B"
	[ "$(sql "$A" "SELECT state FROM proposals WHERE id = X'$P'")" = passed ]
	to=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%MZ)
	from=$(date -u -d '-5 hour' +%Y-%m-%dT%H:%MZ)
	R=$(lent "$from" "$to")
	# a figure of its own is refused: only the slot's length (one day begun)
	run -1 --separate-stderr mutua --home "$A" close "$R" --usage 3
	stderr_has "slot's own length"
	run -0 mutua --home "$A" close "$R"
	[ "$output" = "$R closed" ]
	share "$A" "$B"
	[ "$(bal "$B" Beta)" = -60.0 ]
	# a van counted in km needs the borrower's figure
	KM=$(mutua --home "$A" offer add --kind vehicle --title Camion --unit km --rate 0.5)
	share "$A" "$B"
	R2=$(mutua --home "$B" borrow "$KM" --from "$from" --to "$to" --estimate 50)
	share "$B" "$A"
	mutua --home "$A" accept "$R2" >/dev/null
	mutua --home "$A" handover "$R2" >/dev/null
	run -1 --separate-stderr mutua --home "$A" close "$R2" --usage 10
	stderr_has "km and m3 need the borrower's figure"
}

@test "hostile: an agree with no claim to agree to, and an owner's close answering its own accept, move nothing" {
	R=$(lent 2026-02-02 2026-02-02)
	hv=$(event_id "$B" "$R" handover)
	acc=$(event_id "$A" "$R" accept)
	# the borrower's patched node agrees to a claim never made
	bt step "$B" agree "$R" -1 -1 "$hv" "$(head_time "$B" "$R")" >/dev/null
	# the owner's patched node closes for 30 days, answering its own accept
	bt step "$A" close "$R" 30000 -1 "$acc" "$(head_time "$A" "$acc")" >/dev/null
	share "$A" "$B" "$C"
	share "$B" "$A" "$C"
	for h in "$A" "$B" "$C"; do
		[ "$(loan_state "$h" "$R")" = handed_over ]
		[ "$(bal "$h" Beta)" = 0.0 ]
		[ "$(bal "$h" Alpha)" = 0.0 ]
	done
	mutua --home "$C" reindex 2>/dev/null
	[ "$(loan_state "$C" "$R")" = handed_over ]
	mutua --home "$C" export --out "$T/x.bundle" 2>/dev/null
	run -1 --separate-stderr mutua --home "$C" audit "$T/x.bundle" --genesis "$GENESIS"
	[[ $output == *"audit FAILED: 2 violation(s)"* ]]
	[[ $output == *"feed Beta ("*"agree of request ${R:0:12} ignored: "* ]]
	[[ $output == *"feed Alpha ("*"close of request ${R:0:12} ignored: "* ]]
}

# balances_kept HOME: the table balances (what `mutua balance` and the
# credit limit read) is the view settlements summed by member, both ways.
balances_kept() {
	local sums="SELECT member, sum(credits), sum(lent), sum(borrowed), count(*)
		FROM settlements GROUP BY member"
	[ "$(sql "$1" "SELECT count(*) FROM ($sums EXCEPT SELECT * FROM balances)")" = 0 ] &&
		[ "$(sql "$1" "SELECT count(*) FROM (SELECT * FROM balances EXCEPT $sums)")" = 0 ]
}

@test "hostile: steps signed after a settlement move no credit twice; every home's balances are its settlements summed, after a reindex too" {
	R=$(lent 2026-03-02 2026-03-04) # three days at 60: 180 from Beta to Alpha
	mutua --home "$B" return "$R" >/dev/null
	share "$B" "$A"
	mutua --home "$A" close "$R" >/dev/null
	share "$A" "$B" "$C"
	acc=$(event_id "$A" "$R" accept)
	ret=$(event_id "$B" "$R" return)
	cls=$(event_id "$A" "$R" close)
	# the borrower's patched node cancels the settled loan, answering the
	# accept; the owner's bills 30 days answering the return, then closes
	# again answering its own close
	bt step "$B" cancel "$R" -1 -1 "$acc" "$(head_time "$B" "$R")" >/dev/null
	bt step "$A" close "$R" 30000 -1 "$ret" "$(head_time "$A" "$acc")" >/dev/null
	bt step "$A" close "$R" -1 -1 "$cls" "$(head_time "$A" "$acc")" >/dev/null
	share "$A" "$B" "$C"
	share "$B" "$A" "$C"
	for h in "$A" "$B" "$C"; do
		[ "$(loan_state "$h" "$R")" = closed ]
		[ "$(bal "$h" Beta)" = -180.0 ]
		[ "$(bal "$h" Alpha)" = 180.0 ]
		balances_kept "$h"
	done
	mutua --home "$C" reindex 2>/dev/null
	[ "$(bal "$C" Beta)" = -180.0 ]
	[ "$(bal "$C" Alpha)" = 180.0 ]
	balances_kept "$C"
	mutua --home "$C" export --out "$T/x.bundle" 2>/dev/null
	# the audit holds the same 180, and names each forged step's author
	run -1 --separate-stderr mutua --home "$C" audit "$T/x.bundle" --genesis "$GENESIS"
	[[ $output == *"loans 1 (1 settled), credits moved 180,"* ]]
	[[ $output == *"audit FAILED: 3 violation(s)"* ]]
	[[ $output == *"feed Beta ("*"cancel of request ${R:0:12} ignored: superseded"* ]]
	[[ $output == *"feed Alpha ("*"seq 6: lending: close of request ${R:0:12} ignored: superseded"* ]]
	[[ $output == *"feed Alpha ("*"seq 7: lending: close of request ${R:0:12} ignored: out of order"* ]]
}
