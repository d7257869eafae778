#!/usr/bin/env bats
# lending.bats - the lending contract (issue 4): borrow, accept, decline,
# cancel, handover, return, close; requests, offer list --available,
# calendar (table and iCalendar), balance, export-csv; refusals (1) and
# usage errors (2); time zones. Three homes, A (Alpha) the owner, B (Beta)
# and C (Gamma) borrowers; entries travel between homes by copy_entries
# (no daemon).

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

# Times without an offset are local: these tests fix the zone, and the
# time-zone test sets its own.
export TZ=UTC

# Once per file: a federation of three and a truck (capacity 1, 10 credits
# a day, by the day) offered by A, known to every home. Each test starts
# from a copy of those homes.
setup_file() {
	local T=$BATS_FILE_TMPDIR/template
	mkdir "$T" "$T/user"
	export HOME=$T/user
	unset MUTUA_HOME MUTUA_PASSPHRASE MUTUA_ACTOR
	make_federation 3 || return 1
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title "Camion 20m3" --unit day \
		--rate 10 --location "Orléans") || return 1
	share "$A" "$B" "$C" || return 1
	export TEMPLATE=$T TRUCK A_ID B_ID C_ID FED_ID
}

# truck_federation: the homes A, B, C of the template, in this test's $T.
truck_federation() {
	cp -a "$TEMPLATE/a" "$TEMPLATE/b" "$TEMPLATE/c" "$T/" || return 1
	A=$T/a B=$T/b C=$T/c
}

# borrow_as HOME ARGS...: borrows, prints the request id, and sends the
# request to A (the owner).
borrow_as() {
	local h=$1 id
	shift
	id=$(mutua --home "$h" borrow "$@") || return 1
	share "$h" "$A" >/dev/null || return 1
	echo "$id"
}

# --- the workflow ------------------------------------------------------------

@test "workflow: borrow, accept, handover, return, close; requests --json at each step" {
	truck_federation
	run -0 --separate-stderr mutua --home "$B" borrow "${TRUCK:0:10}" --from 2026-12-05 \
		--to 2026-12-06 --note "déménagement"
	is_id "$output"
	[ "${#lines[@]}" -eq 1 ]
	R=$output
	share "$B" "$A" "$C"

	# requested: the owner sees it incoming with every documented field
	run -0 mutua --json --home "$A" requests
	json_lines "$output" 1
	has_keys "$output" id resource resource_title owner borrower from to quantity state usage \
		credits conflict
	[ "$(sqlite3 :memory: "SELECT json_extract(j, '\$.id'), json_extract(j, '\$.resource'),
		json_extract(j, '\$.resource_title'), json_extract(j, '\$.owner'),
		json_extract(j, '\$.borrower'), json_extract(j, '\$.from'), json_extract(j, '\$.to'),
		json_extract(j, '\$.quantity'), json_extract(j, '\$.state'),
		json_type(j, '\$.usage'), json_type(j, '\$.credits'), json_type(j, '\$.conflict')
		FROM (SELECT $(sql_quote "$output") AS j)")" = \
		"$R|$TRUCK|Camion 20m3|$A_ID|$B_ID|2026-12-05T00:00:00+00:00|2026-12-07T00:00:00+00:00|1|requested|null|null|null" ]
	state_is "$B" "$R" requested
	# a third member sees nothing of it in its own requests
	run -0 mutua --json --home "$C" requests
	json_lines "$output" 0

	run -0 --separate-stderr mutua --home "$A" accept "${R:0:8}"
	[ "$output" = "$R accepted" ]
	state_is "$A" "$R" accepted
	share "$A" "$B"
	state_is "$B" "$R" accepted

	run -0 --separate-stderr mutua --home "$B" handover "$R" --note "plein fait"
	[ "$output" = "$R handed over" ]
	state_is "$B" "$R" handed_over
	run -0 --separate-stderr mutua --json --home "$B" return "$R" --note "rendu propre"
	is_json_object "$output"
	[ "$(json_get "$output" '$.state')" = returned ]
	# default usage: two days times quantity 1; no credits before the close
	[ "$(req_row "$B" "$R" state usage credits)" = "returned|2.0|" ]
	share "$B" "$A"
	state_is "$A" "$R" returned

	run -0 --separate-stderr mutua --home "$A" close "$R"
	[ "$output" = "$R closed" ]
	[ "$(req_row "$A" "$R" state usage credits)" = "closed|2.0|20.0" ]
	share "$A" "$B" "$C"
	[ "$(req_row "$B" "$R" state usage credits)" = "closed|2.0|20.0" ]

	# balances: A +20, B -20, C 0; they sum to zero on every node
	run -0 mutua --json --home "$C" balance
	json_lines "$output" 3
	for line in "${lines[@]}"; do
		has_keys "$line" member name balance lent borrowed loans
	done
	arr="[$(paste -sd, <<<"$output")]"
	[ "$(sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.name') || ':' ||
		json_extract(value, '\$.member') || ':' || json_extract(value, '\$.balance') || ':' ||
		json_extract(value, '\$.lent') || ':' || json_extract(value, '\$.borrowed') || ':' ||
		json_extract(value, '\$.loans'), ' ') FROM json_each($(sql_quote "$arr"))")" = \
		"Alpha:$A_ID:20.0:20.0:0.0:1 Beta:$B_ID:-20.0:0.0:20.0:1 Gamma:$C_ID:0.0:0.0:0.0:0" ]
	for h in "$A" "$B" "$C"; do
		[ "$(balance_sum "$h")" = 0 ]
	done
	run -0 mutua --home "$C" balance
	[[ ${lines[0]} == NAME*BALANCE*LENT*BORROWED*LOANS* ]]
	[[ $output == *Alpha*20* ]]
	[[ $output == *Beta*-20* ]]
	# --member by name or id prefix
	run -0 mutua --json --home "$C" balance --member beta
	json_lines "$output" 1
	[ "$(json_get "$output" '$.member')" = "$B_ID" ]
	run -0 mutua --json --home "$C" balance --member "${A_ID:0:8}"
	[ "$(json_get "$output" '$.balance')" = 20.0 ]
	run -1 --separate-stderr mutua --home "$C" balance --member Nobody
	stderr_has "no member named 'Nobody'"
	# the table shows the request too
	run -0 mutua --home "$A" requests
	[[ ${lines[0]} == ID*RESOURCE*WITH*SLOT*STATE*CREDITS ]]
	[[ ${lines[1]} == "${R:0:8}  "*Camion*"to Beta"*closed*20.00 ]]
}

@test "requests: --incoming, --outgoing and --state filter; bad filters are usage errors (2)" {
	truck_federation
	BROOM=$(mutua --home "$B" offer add --kind room --title "Salle Beta" --unit hour)
	share "$B" "$A" "$C"
	R1=$(borrow_as "$B" "$TRUCK" --from 2026-12-01 --to 2026-12-01)
	R2=$(borrow_as "$C" "$TRUCK" --from 2026-12-03 --to 2026-12-03)
	R3=$(mutua --home "$A" borrow "$BROOM" --from 2026-12-02T10:00 --to 2026-12-02T12:00)
	share "$A" "$B"
	share "$C" "$B"
	mutua --home "$A" accept "$R1" >/dev/null
	mutua --home "$A" decline "$R2" --reason "en révision" >/dev/null

	run -0 mutua --json --home "$A" requests
	json_lines "$output" 3
	run -0 mutua --json --home "$A" requests --incoming
	json_lines "$output" 2
	[[ $output == *"$R1"* && $output == *"$R2"* ]]
	run -0 mutua --json --home "$A" requests --outgoing
	json_lines "$output" 1
	[ "$(json_get "$output" '$.id')" = "$R3" ]
	[ "$(json_get "$output" '$.owner')" = "$B_ID" ]
	run -0 mutua --json --home "$A" requests --state declined
	json_lines "$output" 1
	[ "$(json_get "$output" '$.id')" = "$R2" ]
	[ "$(json_get "$output" '$.reason')" = "en révision" ]
	run -0 mutua --json --home "$A" requests --incoming --state accepted
	json_lines "$output" 1
	[ "$(json_get "$output" '$.id')" = "$R1" ]
	run -0 mutua --json --home "$A" requests --outgoing --state accepted
	json_lines "$output" 0
	# B: its own request outgoing, the request for its room incoming
	run -0 mutua --json --home "$B" requests --incoming
	json_lines "$output" 1
	[ "$(json_get "$output" '$.id')" = "$R3" ]
	run -0 mutua --json --home "$B" requests --outgoing
	json_lines "$output" 1
	[ "$(json_get "$output" '$.id')" = "$R1" ]
	run -2 --separate-stderr mutua --home "$A" requests --state lost
	stderr_has "unknown state 'lost'"
	run -2 --separate-stderr mutua --home "$A" requests --incoming --outgoing
	stderr_has "usage: mutua requests"
	run -2 --separate-stderr mutua --home "$A" requests stray
	stderr_has "usage: mutua requests"
}

# --- refusals ------------------------------------------------------------------

@test "borrow is refused (1) for an unknown or withdrawn resource, a backward slot, too many, one's own; nothing appended" {
	truck_federation
	VANS=$(mutua --home "$A" offer add --kind vehicle --title Utilitaires --capacity 2)
	OLD=$(mutua --home "$A" offer add --kind room --title "Vieille salle")
	mutua --home "$A" offer withdraw "$OLD" >/dev/null
	share "$A" "$B"
	n=$(feed_len "$B" "$B_ID") na=$(feed_len "$A" "$A_ID")

	run -1 --separate-stderr mutua --home "$B" borrow abcdef12 --from 2026-12-05 --to 2026-12-06
	stderr_has "no offer with id 'abcdef12'"
	run -1 --separate-stderr mutua --home "$B" borrow "$OLD" --from 2026-12-05 --to 2026-12-06
	stderr_has "'Vieille salle' is withdrawn"
	run -1 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-12-06T10:00 \
		--to 2026-12-05
	stderr_has "ends (2026-12-05) before it starts (2026-12-06T10:00)"
	run -1 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-12-05T10:00 \
		--to 2026-12-05T10:00
	stderr_has "before it starts"
	run -1 --separate-stderr mutua --home "$B" borrow "$VANS" --from 2026-12-05 --to 2026-12-06 \
		--quantity 3
	stderr_has "quantity 3 is above the capacity of 'Utilitaires' (2)"
	run -1 --separate-stderr mutua --home "$A" borrow "$TRUCK" --from 2026-12-05 --to 2026-12-06
	stderr_has "'Camion 20m3': the resource is the borrower's own"
	[ "$(feed_len "$B" "$B_ID")" = "$n" ]
	[ "$(feed_len "$A" "$A_ID")" = "$na" ]
	[ "$(loans_sql "$B" "SELECT count(*) FROM loans")" = 0 ]
	# quantity 2 of 2 is fine
	run -0 mutua --home "$B" borrow "$VANS" --from 2026-12-05 --to 2026-12-06 --quantity 2
	is_id "$output"
	[ "$(feed_len "$B" "$B_ID")" = $((n + 1)) ]
}

@test "borrow with missing or bad options is a usage error (2)" {
	truck_federation
	n=$(feed_len "$B" "$B_ID")
	run -2 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-12-05
	stderr_has "usage: mutua borrow RESOURCE"
	run -2 --separate-stderr mutua --home "$B" borrow --from 2026-12-05 --to 2026-12-06
	stderr_has "usage: mutua borrow"
	run -2 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 5/12/2026 --to 2026-12-06
	stderr_has "--from"
	stderr_has "is not a date"
	run -2 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-12-05 --to 2026-02-30
	stderr_has "--to"
	run -2 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-12-05 --to 2026-12-06 \
		--quantity 0
	stderr_has "--quantity"
	run -2 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-12-05 --to 2026-12-06 \
		--quantity two
	stderr_has "must be a whole number"
	[ "$(feed_len "$B" "$B_ID")" = "$n" ]
}

@test "accept is refused (1) when the slot would exceed capacity, naming the loan; nothing appended" {
	truck_federation
	R1=$(borrow_as "$B" "$TRUCK" --from 2026-12-05T08:00 --to 2026-12-05T12:00)
	mutua --home "$A" accept "$R1" >/dev/null
	# back to back: no conflict
	R2=$(borrow_as "$C" "$TRUCK" --from 2026-12-05T12:00 --to 2026-12-05T16:00)
	# one minute of overlap: conflict
	R3=$(borrow_as "$C" "$TRUCK" --from 2026-12-05T11:59 --to 2026-12-05T16:00)
	[ -z "$(req_get "$A" "$R2" conflict)" ]
	[[ $(req_get "$A" "$R3" conflict) == *"conflict"*"${R1:0:12}"* ]]
	n=$(feed_len "$A" "$A_ID")
	run -1 --separate-stderr mutua --home "$A" accept "$R3"
	stderr_has "cannot accept: conflict"
	stderr_has "exceed capacity 1"
	stderr_has "${R1:0:12}"
	[ -z "$output" ]
	[ "$(feed_len "$A" "$A_ID")" = "$n" ]
	state_is "$A" "$R3" requested
	run -0 mutua --home "$A" accept "$R2"
	# a conflicting request can still be declined
	run -0 mutua --home "$A" decline "$R3" --reason conflict
	[ "$(req_get "$A" "$R3" reason)" = conflict ]
	[ "$(feed_len "$A" "$A_ID")" = $((n + 2)) ]
}

@test "capacity 2: a third overlapping loan, or two next to one, is refused (1)" {
	truck_federation
	VANS=$(mutua --home "$A" offer add --kind vehicle --title Utilitaires --capacity 2 --unit hour)
	share "$A" "$B" "$C"
	R1=$(borrow_as "$B" "$VANS" --from 2026-12-05T08:00 --to 2026-12-05T12:00)
	R2=$(borrow_as "$C" "$VANS" --from 2026-12-05T10:00 --to 2026-12-05T14:00)
	R3=$(borrow_as "$B" "$VANS" --from 2026-12-05T11:00 --to 2026-12-05T11:30)
	R4=$(borrow_as "$C" "$VANS" --from 2026-12-05T07:00 --to 2026-12-05T09:00 --quantity 2)
	R5=$(borrow_as "$C" "$VANS" --from 2026-12-05T12:00 --to 2026-12-05T13:00 --quantity 2)
	mutua --home "$A" accept "$R1" >/dev/null
	mutua --home "$A" accept "$R2" >/dev/null
	run -1 --separate-stderr mutua --home "$A" accept "$R3"
	stderr_has "exceed capacity 2 (2 in use"
	run -1 --separate-stderr mutua --home "$A" accept "$R4"
	stderr_has "exceed capacity 2 (1 in use by loans such as ${R1:0:12})"
	run -1 --separate-stderr mutua --home "$A" accept "$R5"
	stderr_has "${R2:0:12}"
	# cancelling a loan frees its part of the slot
	mutua --home "$A" cancel "$R2" --reason "panne" >/dev/null
	run -0 mutua --home "$A" accept "$R3"
	run -0 mutua --home "$A" accept "$R5"
}

@test "accept is refused (1) after a cancel, twice, or by anyone but the owner" {
	truck_federation
	R=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	mutua --home "$B" cancel "$R" --reason "plus besoin" >/dev/null
	share "$B" "$A"
	state_is "$A" "$R" cancelled
	[ "$(req_get "$A" "$R" reason)" = "plus besoin" ]
	n=$(feed_len "$A" "$A_ID")
	run -1 --separate-stderr mutua --home "$A" accept "$R"
	stderr_has "cannot accept: out of order: the request was cancelled"
	run -1 --separate-stderr mutua --home "$A" decline "$R"
	stderr_has "cannot decline: out of order: the request was cancelled"
	[ "$(feed_len "$A" "$A_ID")" = "$n" ]

	R2=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	share "$B" "$C"
	run -0 mutua --home "$A" accept "$R2"
	n=$(feed_len "$A" "$A_ID")
	run -1 --separate-stderr mutua --home "$A" accept "$R2"
	stderr_has "cannot accept: out of order: the request is accepted"
	run -1 --separate-stderr mutua --home "$A" decline "$R2"
	stderr_has "cannot decline: out of order: the request is accepted"
	[ "$(feed_len "$A" "$A_ID")" = "$n" ]
	# the borrower and a third member cannot accept or decline
	nb=$(feed_len "$B" "$B_ID") nc=$(feed_len "$C" "$C_ID")
	run -1 --separate-stderr mutua --home "$C" accept "$R2"
	stderr_has "cannot accept: only the owner may do this"
	run -1 --separate-stderr mutua --home "$B" accept "$R2"
	stderr_has "cannot accept: only the owner may do this"
	run -1 --separate-stderr mutua --home "$B" decline "$R2"
	stderr_has "cannot decline: only the owner may do this"
	[ "$(feed_len "$B" "$B_ID")" = "$nb" ]
	[ "$(feed_len "$C" "$C_ID")" = "$nc" ]
	# accept takes no reason; an unknown request is refused
	run -2 --separate-stderr mutua --home "$A" accept "$R2" --reason why
	stderr_has "usage: mutua accept REQ"
	run -1 --separate-stderr mutua --home "$A" accept 0123456789
	stderr_has "no request with id '0123456789'"
}

@test "accept is refused (1) beyond the federation's credit limit, and allowed within it" {
	make_federation_limit 25
	run -0 mutua --json --home "$B" federation show
	[ "$(json_get "$output" '$.credit_limit')" = 25.0 ]
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title Camion --unit day --rate 10)
	share "$A" "$B" "$C"
	R1=$(borrow_as "$B" "$TRUCK" --from 2026-12-01 --to 2026-12-02) # 2 days: 20
	R2=$(borrow_as "$B" "$TRUCK" --from 2026-12-10 --to 2026-12-10) # 1 day: 10 more
	R3=$(borrow_as "$C" "$TRUCK" --from 2026-12-10 --to 2026-12-10)
	run -0 mutua --home "$A" accept "$R1"
	[[ $(req_get "$A" "$R2" conflict) == *"credit limit"* ]]
	n=$(feed_len "$A" "$A_ID")
	run -1 --separate-stderr mutua --home "$A" accept "$R2"
	stderr_has "cannot accept: credit limit"
	stderr_has "would reach -30, below -25"
	[ "$(feed_len "$A" "$A_ID")" = "$n" ]
	# another borrower with nothing owed is within the limit
	run -0 mutua --home "$A" accept "$R3"
}

@test "a federation without a credit limit (0) accepts any amount" {
	make_federation_limit 0
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title Camion --unit day --rate 1000)
	share "$A" "$B"
	R=$(borrow_as "$B" "$TRUCK" --from 2026-12-01 --to 2027-03-01)
	run -0 mutua --home "$A" accept "$R"
}

@test "steps by the wrong member are refused (1): return by the owner, close by the borrower, a third member" {
	truck_federation
	R=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	mutua --home "$A" accept "$R" >/dev/null
	share "$A" "$B" "$C"
	na=$(feed_len "$A" "$A_ID") nb=$(feed_len "$B" "$B_ID") nc=$(feed_len "$C" "$C_ID")
	run -1 --separate-stderr mutua --home "$C" cancel "$R"
	stderr_has "cannot cancel: only the owner or the borrower may do this"
	run -1 --separate-stderr mutua --home "$C" handover "$R"
	stderr_has "cannot handover: only the owner or the borrower may do this"
	mutua --home "$A" handover "$R" >/dev/null
	share "$A" "$B" "$C"
	na=$(feed_len "$A" "$A_ID")
	run -1 --separate-stderr mutua --home "$A" return "$R"
	stderr_has "cannot return: only the borrower may do this"
	run -1 --separate-stderr mutua --home "$B" close "$R"
	stderr_has "cannot close: only the owner may do this"
	run -1 --separate-stderr mutua --home "$C" return "$R"
	stderr_has "cannot return: only the borrower may do this"
	run -1 --separate-stderr mutua --home "$C" close "$R" --usage 1
	stderr_has "cannot close: only the owner may do this"
	[ "$(feed_len "$A" "$A_ID")" = "$na" ]
	[ "$(feed_len "$B" "$B_ID")" = "$nb" ]
	[ "$(feed_len "$C" "$C_ID")" = "$nc" ]
}

@test "out-of-order steps are refused (1) with the state named; nothing appended" {
	truck_federation
	R=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	share "$A" "$B"
	na=$(feed_len "$A" "$A_ID") nb=$(feed_len "$B" "$B_ID")
	run -1 --separate-stderr mutua --home "$B" handover "$R"
	stderr_has "cannot handover: out of order: the request is still pending"
	run -1 --separate-stderr mutua --home "$A" close "$R"
	stderr_has "cannot close: out of order: the request is still pending"
	mutua --home "$A" accept "$R" >/dev/null
	share "$A" "$B"
	na=$(feed_len "$A" "$A_ID")
	run -1 --separate-stderr mutua --home "$B" return "$R"
	stderr_has "cannot return: out of order: the request is accepted"
	run -1 --separate-stderr mutua --home "$A" close "$R"
	stderr_has "cannot close: out of order: the request is accepted"
	mutua --home "$B" handover "$R" >/dev/null
	share "$B" "$A"
	nb=$(feed_len "$B" "$B_ID")
	run -1 --separate-stderr mutua --home "$B" cancel "$R"
	stderr_has "cannot cancel: out of order: the resource is handed over"
	run -1 --separate-stderr mutua --home "$A" cancel "$R"
	stderr_has "cannot cancel: out of order: the resource is handed over"
	run -1 --separate-stderr mutua --home "$A" handover "$R"
	stderr_has "cannot handover: out of order: the resource is handed over"
	# without a return, before the slot's end and the grace: refused
	run -1 --separate-stderr mutua --home "$A" close "$R"
	stderr_has "cannot close: no return yet"
	mutua --home "$B" return "$R" >/dev/null # the borrower's figure: the slot's day
	share "$B" "$A"
	mutua --home "$A" close "$R" >/dev/null # confirmed
	share "$A" "$B"
	nb=$(feed_len "$B" "$B_ID")
	[ "$(req_get "$B" "$R" usage)" = 1.0 ]
	[ "$(req_get "$B" "$R" credits)" = 10.0 ]
	na=$(feed_len "$A" "$A_ID")
	run -1 --separate-stderr mutua --home "$B" return "$R"
	stderr_has "cannot return: out of order: the loan is closed (settled once)"
	run -1 --separate-stderr mutua --home "$A" close "$R"
	stderr_has "cannot close: out of order: the loan is closed (settled once)"
	[ "$(feed_len "$A" "$A_ID")" = "$na" ]
	[ "$(feed_len "$B" "$B_ID")" = "$nb" ]
	[ "$(loans_sql "$A" "SELECT ignored FROM loans WHERE id = X'$R'")" = 0 ]
}

@test "a cancel and an accept made at once on two nodes converge; the later is ignored and counted" {
	truck_federation
	R=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	# B cancels before it hears of A's accept
	mutua --home "$B" cancel "$R" >/dev/null
	mutua --home "$A" accept "$R" >/dev/null
	share_all
	for h in "$A" "$B" "$C"; do
		[ "$(loans_sql "$h" "SELECT state || ' ' || ignored FROM loans WHERE id = X'$R'")" = \
			"cancelled 1" ]
	done
	# the slot is free for someone else
	R2=$(borrow_as "$C" "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	run -0 mutua --home "$A" accept "$R2"
	# and a reindex gives the same loans
	before=$(loans_sql "$A" "SELECT hex(id), state, ignored FROM loans ORDER BY id")
	mutua --home "$A" reindex 2>/dev/null
	[ "$(loans_sql "$A" "SELECT hex(id), state, ignored FROM loans ORDER BY id")" = "$before" ]
}

# --- usage and settlement -------------------------------------------------------

@test "return: default usage is the slot in the unit times the quantity; close settles usage x rate" {
	truck_federation
	ROOM=$(mutua --home "$A" offer add --kind room --title Salle --unit hour --rate 2.5 --capacity 3)
	CRATES=$(mutua --home "$A" offer add --kind equipment --title Caisses --unit item \
		--rate 0.5 --capacity 50)
	share "$A" "$B" "$C"
	R1=$(borrow_as "$B" "$ROOM" --from 2026-12-05T09:00 --to 2026-12-05T10:30 --quantity 2)
	R2=$(borrow_as "$C" "$CRATES" --from 2026-12-05 --to 2026-12-09 --quantity 12)
	R3=$(borrow_as "$C" "$ROOM" --from 2026-12-06T09:00 --to 2026-12-06T12:00)
	for r in "$R1" "$R2" "$R3"; do
		mutua --home "$A" accept "$r" >/dev/null
		mutua --home "$A" handover "$r" >/dev/null
	done
	share "$A" "$B" "$C"
	mutua --home "$B" return "$R1" >/dev/null
	mutua --home "$C" return "$R2" >/dev/null
	mutua --home "$C" return "$R3" --usage 2.5 >/dev/null # measured: 2.5 hours
	share "$B" "$A"
	share "$C" "$A"
	[ "$(req_get "$A" "$R1" usage)" = 4.0 ]  # 1.5 hours: 2 hours begun, x 2
	[ "$(req_get "$A" "$R2" usage)" = 12.0 ] # items: the quantity
	[ "$(req_get "$A" "$R3" usage)" = 2.5 ]
	mutua --home "$A" close "$R1" >/dev/null
	mutua --home "$A" close "$R2" >/dev/null
	# the owner's other figure is a claim, settled once the borrower agrees
	run -0 mutua --home "$A" close "$R3" --usage 2 --note "compteur"
	[ "$output" = "$R3 claimed" ]
	[ "$(req_get "$A" "$R3" usage_claimed)" = 2.0 ]
	[ "$(req_get "$A" "$R3" credits)" = "" ]
	share "$A" "$C"
	run -0 mutua --home "$C" agree "$R3"
	[ "$output" = "$R3 closed" ]
	share "$C" "$A"
	[ "$(req_get "$A" "$R1" credits)" = 10.0 ]
	[ "$(req_get "$A" "$R2" credits)" = 6.0 ]
	[ "$(req_get "$A" "$R3" usage)" = 2.0 ]
	[ "$(req_get "$A" "$R3" credits)" = 5.0 ]
	share "$A" "$B" "$C"
	for h in "$A" "$B" "$C"; do
		[ "$(balance_sum "$h")" = 0 ]
		[ "$(json_get "$(mutua --json --home "$h" balance --member Alpha)" '$.balance')" = 21.0 ]
		[ "$(json_get "$(mutua --json --home "$h" balance --member Gamma)" '$.balance')" = -11.0 ]
	done
	# bad usages are usage errors
	run -2 --separate-stderr mutua --home "$A" close "$R1" --usage -1
	stderr_has "is not a usage"
	run -2 --separate-stderr mutua --home "$A" handover "$R1" --usage 1
	stderr_has "usage: mutua handover"
}

@test "km and m3 need --usage: return and close without it are usage errors (2), nothing appended" {
	truck_federation
	VAN=$(mutua --home "$A" offer add --kind vehicle --title Fourgon --unit km --rate 0.3)
	STORE=$(mutua --home "$A" offer add --kind storage --title Entrepot --unit m3 --rate 1)
	share "$A" "$B"
	R1=$(borrow_as "$B" "$VAN" --from 2026-12-05 --to 2026-12-05 --estimate 100)
	R2=$(borrow_as "$B" "$STORE" --from 2026-12-05 --to 2026-12-09 --estimate 12)
	for r in "$R1" "$R2"; do
		mutua --home "$A" accept "$r" >/dev/null
		mutua --home "$A" handover "$r" >/dev/null
	done
	share "$A" "$B"
	na=$(feed_len "$A" "$A_ID") nb=$(feed_len "$B" "$B_ID")
	run -2 --separate-stderr mutua --home "$B" return "$R1"
	stderr_has "--usage is needed: 'Fourgon' is counted in km"
	run -2 --separate-stderr mutua --home "$A" close "$R1"
	stderr_has "--usage is needed"
	run -2 --separate-stderr mutua --home "$B" return "$R2"
	stderr_has "counted in m3"
	[ "$(feed_len "$A" "$A_ID")" = "$na" ]
	[ "$(feed_len "$B" "$B_ID")" = "$nb" ]
	# given by the borrower, the owner's close takes it
	run -0 mutua --home "$B" return "$R1" --usage 123.5
	share "$B" "$A"
	run -0 mutua --home "$A" close "$R1"
	[ "$(req_get "$A" "$R1" usage)" = 123.5 ]
	[ "$(req_get "$A" "$R1" credits)" = 37.05 ]
	# without the borrower's figure a close of m3 is refused (1)
	run -1 --separate-stderr mutua --home "$A" close "$R2" --usage 8
	stderr_has "km and m3 need the borrower's figure"
	mutua --home "$B" return "$R2" --usage 8 >/dev/null
	share "$B" "$A"
	run -0 mutua --home "$A" close "$R2"
	[ "$(req_get "$A" "$R2" credits)" = 8.0 ]
	[ "$(balance_sum "$A")" = 0 ]
}

# --- availability and calendars ---------------------------------------------------

@test "offer list --available shows only resources with free capacity for the whole slot" {
	truck_federation
	VANS=$(mutua --home "$A" offer add --kind vehicle --title Utilitaires --capacity 2)
	share "$A" "$B" "$C"
	R1=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-06)
	R2=$(borrow_as "$B" "$VANS" --from 2026-12-05 --to 2026-12-05)
	R3=$(borrow_as "$C" "$VANS" --from 2026-12-05T12:00 --to 2026-12-05T18:00)
	for r in "$R1" "$R2" "$R3"; do mutua --home "$A" accept "$r" >/dev/null; done
	share "$A" "$B" "$C"
	# a busy slot: the truck is lent, the vans both in use in the afternoon
	run -0 mutua --json --home "$C" offer list --available 2026-12-06T08:00/2026-12-06T10:00
	json_lines "$output" 1
	[ "$(json_get "$output" '$.id')" = "$VANS" ]
	[ "$(json_get "$output" '$.free')" = 2 ]
	run -0 mutua --json --home "$C" offer list --available 2026-12-05T13:00/2026-12-05T14:00
	json_lines "$output" 0
	run -0 mutua --json --home "$C" offer list --available 2026-12-05T08:00/2026-12-05T10:00
	json_lines "$output" 1
	[ "$(json_get "$output" '$.free')" = 1 ]
	# a slot touching the loans' ends is free
	run -0 mutua --json --home "$C" offer list --available 2026-12-07/2026-12-08
	json_lines "$output" 2
	# part of the slot busy is busy
	run -0 mutua --home "$C" offer list --available 2026-12-04/2026-12-05
	[[ $output != *Camion* ]]
	[[ $output != *Utilitaires* ]]
	# without --available every active offer is listed
	run -0 mutua --json --home "$C" offer list
	json_lines "$output" 2
	run -2 --separate-stderr mutua --home "$C" offer list --available 2026-12-05
	stderr_has "expected FROM/TO"
	run -2 --separate-stderr mutua --home "$C" offer list --available 2026-12-06/2026-12-05T10:00
	stderr_has "ends before it starts"
}

@test "calendar: a table of loans, per resource and window; only accepted and later states" {
	truck_federation
	ROOM=$(mutua --home "$A" offer add --kind room --title Salle --unit hour)
	share "$A" "$B" "$C"
	R1=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	R2=$(borrow_as "$C" "$ROOM" --from 2026-12-07T14:00 --to 2026-12-07T16:00)
	R3=$(borrow_as "$C" "$TRUCK" --from 2026-12-20 --to 2026-12-20) # stays pending
	R4=$(borrow_as "$B" "$ROOM" --from 2026-12-08T14:00 --to 2026-12-08T16:00) # declined
	mutua --home "$A" accept "$R1" >/dev/null
	mutua --home "$A" accept "$R2" >/dev/null
	mutua --home "$A" decline "$R4" >/dev/null
	share "$A" "$B" "$C"
	run -0 --separate-stderr mutua --home "$C" calendar --from 2026-12-01
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[0]} == RESOURCE_TITLE*FROM*TO*QUANTITY*BORROWER_NAME*STATE*ID ]]
	[[ $output == *Camion*"2026-12-05 00:00 +00:00"*"2026-12-06 00:00 +00:00"*Beta*accepted*"${R1:0:12}"* ]]
	[[ $output == *Salle*"2026-12-07 14:00 +00:00"*Gamma*accepted*"${R2:0:12}"* ]]
	# the pending request is not shown, but said
	[ "${lines[3]}" = "and 1 pending request in this period, not shown (mutua requests)" ]
	[[ $output != *"${R3:0:12}"* && $output != *"${R4:0:12}"* ]]
	run -0 mutua --json --home "$C" calendar "${TRUCK:0:8}"
	json_lines "$output" 1
	[ "$(json_get "$output" '$.id')" = "$R1" ]
	run -0 mutua --json --home "$C" calendar --from 2026-12-06 --to 2026-12-31
	json_lines "$output" 1
	[ "$(json_get "$output" '$.id')" = "$R2" ]
	run -0 mutua --json --home "$C" calendar --from 2027-01-01
	json_lines "$output" 0
	run -2 --separate-stderr mutua --home "$C" calendar --from 2026-12-06 --to 2026-12-01
	stderr_has "--to must come after --from"
	run -1 --separate-stderr mutua --home "$C" calendar abcdef99
	stderr_has "no offer with id 'abcdef99'"
}

@test "calendar --ics: RFC 5545 text, CRLF lines folded at 75 octets, escaped, one VEVENT per loan" {
	truck_federation
	long="Fourgon frigorifique de la régie de quartier, porte latérale; hayon \\ élévateur"
	VAN=$(mutua --home "$A" offer add --kind vehicle --title "$long" --unit day \
		--location "Orléans, quai du Châtelet")
	share "$A" "$B" "$C"
	R1=$(borrow_as "$B" "$VAN" --from 2026-12-05 --to 2026-12-05 --note "$(printf 'deux lignes\nici')")
	# a note of the largest size, of characters that grow when escaped
	long_note=$(printf 'é,%.0s' {1..330})
	R2=$(borrow_as "$C" "$VAN" --from 2026-12-07T08:00 --to 2026-12-07T18:00 --note "$long_note")
	R3=$(borrow_as "$C" "$VAN" --from 2026-12-09 --to 2026-12-09) # pending: not in the feed
	mutua --home "$A" accept "$R1" >/dev/null
	mutua --home "$A" accept "$R2" >/dev/null
	mutua --home "$A" calendar --ics >"$T/cal.ics"
	# every line ends with CRLF, and no bare LF is left
	total=$(wc -l <"$T/cal.ics")
	[ "$(grep -c $'\r$' "$T/cal.ics")" -eq "$total" ]
	[ "$(tr -cd '\r' <"$T/cal.ics" | wc -c)" -eq "$total" ]
	[ "$(od -An -c "$T/cal.ics" | head -n 2 | tr -d ' \n')" = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPR' ]
	[ "$(tail -c 15 "$T/cal.ics" | od -An -c | tr -d ' \n')" = 'END:VCALENDAR\r\n' ]
	grep -q $'^VERSION:2.0\r$' "$T/cal.ics"
	grep -q $'^PRODID:' "$T/cal.ics"
	[ "$(grep -c $'^BEGIN:VEVENT\r$' "$T/cal.ics")" -eq 2 ]
	[ "$(grep -c $'^END:VEVENT\r$' "$T/cal.ics")" -eq 2 ]
	grep -q $'^UID:'"$R1"$'@mutua\r$' "$T/cal.ics"
	grep -q $'^UID:'"$R2"$'@mutua\r$' "$T/cal.ics"
	[ "$(grep -c "$R3" "$T/cal.ics")" -eq 0 ]
	grep -q $'^DTSTART:20261205T000000Z\r$' "$T/cal.ics"
	grep -q $'^DTEND:20261206T000000Z\r$' "$T/cal.ics"
	grep -q $'^DTSTART:20261207T080000Z\r$' "$T/cal.ics"
	grep -q $'^DTEND:20261207T180000Z\r$' "$T/cal.ics"
	# folded at 75 octets, continuation lines start with one space
	[ "$(LC_ALL=C awk '{ sub(/\r$/, ""); if (length($0) > 75) n++ } END { print n + 0 }' "$T/cal.ics")" -eq 0 ]
	grep -q '^ ' "$T/cal.ics"
	# unfolded, the text is escaped (\, \; \\ \n) and whole, UTF-8 intact
	unfolded=$(sed -e ':a' -e 'N' -e '$!ba' -e 's/\r\n //g' "$T/cal.ics" | tr -d '\r')
	want_title="Fourgon frigorifique de la régie de quartier\\, porte latérale\\; hayon \\\\ élévateur"
	[[ $unfolded == *"SUMMARY:$want_title - Beta"* ]]
	[[ $unfolded == *"LOCATION:Orléans\\, quai du Châtelet"* ]]
	[[ $unfolded == *"deux lignes\\nici"* ]]
	[[ $unfolded == *"accepted. ${long_note//,/\\,}"$'\n'* ]] # whole, not cut
	iconv -f UTF-8 -t UTF-8 "$T/cal.ics" >/dev/null
	# --out FILE: the same feed (but its DTSTAMP), and the table too; a
	# folder that is not there: exit 1, one line, nothing written
	run -0 mutua --home "$A" calendar --ics --out "$T/out.ics"
	[ -z "$output" ]
	diff <(grep -v '^DTSTAMP' "$T/cal.ics") <(grep -v '^DTSTAMP' "$T/out.ics")
	mutua --home "$A" calendar >"$T/cal.txt"
	mutua --home "$A" calendar --out "$T/out.txt"
	cmp "$T/cal.txt" "$T/out.txt"
	run -1 mutua --home "$A" calendar --ics --out "$T/none/out.ics"
	[ "${#lines[@]}" -eq 1 ] && [[ $output == *"cannot create"* ]]
	[ ! -e "$T/none" ]
	# one resource, and a window
	run -0 mutua --home "$A" calendar "$VAN" --ics --from 2026-12-06
	[ "$(grep -c $'^BEGIN:VEVENT\r$' <<<"$output")" -eq 1 ]
	[[ $output == *"$R2"* ]]
}

@test "export-csv: a header and one RFC 4180 row per closed loan; an empty window has the header only" {
	export LC_ALL=C.UTF-8 # the French locale writes the other dialect (below)
	truck_federation
	VAN=$(mutua --home "$A" offer add --kind vehicle --title 'Fourgon "grand", 20m3' --unit day --rate 10)
	share "$A" "$B" "$C"
	R1=$(borrow_as "$B" "$VAN" --from 2026-12-05 --to 2026-12-06)
	R2=$(borrow_as "$C" "$VAN" --from 2026-12-07 --to 2026-12-07)
	R3=$(borrow_as "$C" "$VAN" --from 2026-12-09 --to 2026-12-09) # accepted, not closed
	for r in "$R1" "$R2" "$R3"; do mutua --home "$A" accept "$r" >/dev/null; done
	share "$A" "$B" "$C"
	settle "$A" "$B" "$R1"
	settle "$A" "$C" "$R2"
	run -0 --separate-stderr mutua --home "$A" export-csv --out "$T/loans.csv"
	stderr_has "2 closed loans written to $T/loans.csv"
	[ "$(wc -l <"$T/loans.csv")" -eq 3 ]
	[ "$(grep -c $'\r$' "$T/loans.csv")" -eq 3 ]
	[ "$(head -n 1 "$T/loans.csv")" = \
		$'loan,settled,resource,title,kind,unit,owner,owner_name,borrower,borrower_name,from,to,quantity,usage,rate,credits,settled_local,from_local,to_local,by\r' ]
	grep -q "^$R1,[0-9T:-]*+00:00,$VAN,\"Fourgon \"\"grand\"\", 20m3\",vehicle,day,$A_ID,Alpha,$B_ID,Beta,2026-12-05T00:00:00+00:00,2026-12-07T00:00:00+00:00,1,2.000,10.00,20.00,[0-9-]* [0-9:]*,2026-12-05 00:00:00,2026-12-07 00:00:00,"$'\r$' "$T/loans.csv"
	grep -q "^$R2,.*,Gamma,2026-12-07T00:00:00+00:00,2026-12-08T00:00:00+00:00,1,1.000,10.00,10.00,"'.*'",2026-12-07 00:00:00,2026-12-08 00:00:00,"$'\r$' "$T/loans.csv"
	[ "$(grep -c "$R3" "$T/loans.csv")" -eq 0 ]
	# a CSV reader agrees: 16 fields per row, the title whole in one field
	[ "$(sqlite3 :memory: -cmd ".import --csv $T/loans.csv t" \
		"SELECT count(*) || '|' || max(title) FROM t")" = '2|Fourgon "grand", 20m3' ]
	[ "$(sqlite3 :memory: -cmd ".import --csv $T/loans.csv t" \
		"SELECT count(*) FROM pragma_table_info('t')")" = 20 ]
	# loans are dated by their settlement: nothing settled in 2020
	run -0 --separate-stderr mutua --home "$A" export-csv --out "$T/none.csv" --from 2020-01-01 \
		--to 2020-12-31
	stderr_has "0 closed loans"
	[ "$(wc -l <"$T/none.csv")" -eq 1 ]
	run -0 mutua --json --home "$A" export-csv --out "$T/j.csv" --from 2020-01-01
	[ "$(json_get "$output" '$.loans')" = 2 ]
	run -2 --separate-stderr mutua --home "$A" export-csv
	stderr_has "usage: mutua export-csv --out FILE"
}

# A closed loan of a van whose title is a formula, borrowed by a member
# named like one; the CSV of home A lands in $T/$1 with the options given.
formula_loans() {
	truck_federation
	mutua --home "$B" profile --name '=1+2' >/dev/null
	VAN=$(mutua --home "$A" offer add --kind vehicle --unit day --rate 12.5 \
		--title '=HYPERLINK("http://evil.example/";"clic")')
	share "$A" "$B" "$C"
	share "$B" "$A" "$C"
	R=$(borrow_as "$B" "$VAN" --from 2026-12-05 --to 2026-12-06)
	mutua --home "$A" accept "$R" >/dev/null
	settle "$A" "$B" "$R"
}

@test "export-csv: a cell a spreadsheet would take for a formula is text, numbers stay numbers" {
	export LC_ALL=C.UTF-8
	formula_loans
	run -0 --separate-stderr mutua --home "$A" export-csv --out "$T/loans.csv"
	[ "$(head -c 5 "$T/loans.csv")" = "loan," ] # no byte order mark
	grep -q ",\"'=HYPERLINK(\"\"http://evil.example/\"\";\"\"clic\"\")\",vehicle,day," "$T/loans.csv"
	grep -q ",$B_ID,\"'=1+2\",2026-12-05T00:00:00+00:00," "$T/loans.csv"
	grep -q ',1,2.000,12.50,25.00,' "$T/loans.csv"
	# no cell starts with = + - @ TAB or CR once a CSV reader unquotes it
	[ "$(sqlite3 :memory: -cmd ".import --csv $T/loans.csv t" \
		"SELECT title || '|' || borrower_name || '|' || credits FROM t")" = \
		"'=HYPERLINK(\"http://evil.example/\";\"clic\")|'=1+2|25.00" ]
	# every text cell of the rule, one by one
	for t in '+33 6 12 34 56 78' '-2+3' '@SUM(A1)'; do
		mutua --home "$A" offer update "$VAN" --title "$t" >/dev/null
		mutua --home "$A" export-csv --out "$T/t.csv" 2>/dev/null
		grep -qF ",\"'$t\",vehicle," "$T/t.csv"
	done
}

@test "export-csv: --excel and a French locale write ';', decimal commas and a UTF-8 byte order mark" {
	export LC_ALL=C.UTF-8
	formula_loans
	mutua --home "$A" offer update "$VAN" --title 'Fourgon; "grand", 20m³' >/dev/null
	run -0 --separate-stderr mutua --home "$A" export-csv --excel --out "$T/x.csv"
	[ "$(head -c 3 "$T/x.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ]
	[ "$(head -n 1 "$T/x.csv" | tail -c +4)" = \
		$'loan;settled;resource;title;kind;unit;owner;owner_name;borrower;borrower_name;from;to;quantity;usage;rate;credits;settled_local;from_local;to_local;by\r' ]
	grep -q ";\"Fourgon; \"\"grand\"\", 20m³\";vehicle;day;$A_ID;Alpha;$B_ID;\"'=1+2\";" "$T/x.csv"
	grep -q ';1;2,000;12,50;25,00;' "$T/x.csv"
	[ "$(wc -l <"$T/x.csv")" -eq 2 ]
	# the French locale chooses it; --no-excel and other locales keep RFC 4180
	LC_ALL= LC_NUMERIC= LANG=fr_FR.UTF-8 mutua --home "$A" export-csv --out "$T/fr.csv" 2>/dev/null
	cmp "$T/x.csv" "$T/fr.csv"
	LC_ALL= LC_NUMERIC=fr_FR.UTF-8 LANG=C.UTF-8 mutua --home "$A" export-csv --out "$T/fr2.csv" 2>/dev/null
	cmp "$T/x.csv" "$T/fr2.csv"
	LC_ALL= LC_NUMERIC= LANG=fr_FR.UTF-8 mutua --home "$A" export-csv --no-excel \
		--out "$T/c.csv" 2>/dev/null
	grep -q ',1,2.000,12.50,25.00,' "$T/c.csv"
	LC_ALL=en_GB.UTF-8 LANG=fr_FR.UTF-8 mutua --home "$A" export-csv --out "$T/en.csv" 2>/dev/null
	cmp "$T/c.csv" "$T/en.csv"
	run -2 --separate-stderr mutua --home "$A" calendar --excel
}

@test "calendar, calendar --ics and requests escape the controls an older entry may have stored" {
	truck_federation
	R=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-06)
	mutua --home "$A" accept "$R" >/dev/null
	# the state an older version folded: OSC 0 (window title), BEL, C1 CSI
	sqlite3 "$A/store.db" "UPDATE resources SET title = 'Cam' || char(27) || ']0;x'
		|| char(7) || char(155) WHERE id = x'$TRUCK'"
	for args in "calendar --from 2026-12-01" "calendar --ics" "requests"; do
		run -0 mutua --home "$A" $args
		[[ $output != *$'\e'* && $output != *$'\a'* && $output != *$'\xc2\x9b'* ]]
		[[ $output == *'Cam\'* ]]
	done
	run -0 mutua --home "$A" calendar --ics
	[[ $output == *'SUMMARY:Cam\\x1b]0\;x\\x07<U+009B> - Beta'$'\r'* ]]
	run -0 mutua --home "$A" requests # cut to fit 100 columns
	[[ $output == *'Cam\x1b]0;x\x07<U…'* ]]
}

# --- time zones ----------------------------------------------------------------------

@test "times: no offset is local time (TZ), stored in UTC; a date alone is the whole day" {
	truck_federation
	R1=$(TZ=Europe/Paris mutua --home "$B" borrow "$TRUCK" --from 2026-12-05T08:00 \
		--to 2026-12-05T12:00)
	[ "$(loans_sql "$B" "SELECT start_ms, end_ms FROM loans WHERE id = X'$R1'")" = \
		"$(($(date -u -d '2026-12-05 07:00 UTC' +%s) * 1000))|$(($(date -u -d '2026-12-05 11:00 UTC' +%s) * 1000))" ]
	[ "$(req_get "$B" "$R1" from)" = 2026-12-05T07:00:00+00:00 ]
	[ "$(TZ=America/New_York req_get "$B" "$R1" from)" = 2026-12-05T02:00:00-05:00 ]
	[ "$(TZ=Europe/Paris req_get "$B" "$R1" from)" = 2026-12-05T08:00:00+01:00 ]
	# a date alone in Paris: from local midnight to the next local midnight
	R2=$(TZ=Europe/Paris mutua --home "$B" borrow "$TRUCK" --from 2026-12-10 --to 2026-12-10)
	[ "$(req_get "$B" "$R2" from)" = 2026-12-09T23:00:00+00:00 ]
	[ "$(req_get "$B" "$R2" to)" = 2026-12-10T23:00:00+00:00 ]
	# summer time, and explicit offsets win over TZ
	R3=$(TZ=Europe/Paris mutua --home "$B" borrow "$TRUCK" --from 2026-07-01T08:00 \
		--to 2026-07-01T09:00+00:00)
	[ "$(req_get "$B" "$R3" from)" = 2026-07-01T06:00:00+00:00 ]
	[ "$(req_get "$B" "$R3" to)" = 2026-07-01T09:00:00+00:00 ]
	# the booking rule compares instants: 11:00Z in UTC follows the Paris loan
	share "$B" "$A"
	mutua --home "$A" accept "$R1" >/dev/null
	R4=$(TZ=UTC borrow_as "$C" "$TRUCK" --from 2026-12-05T11:00 --to 2026-12-05T13:00)
	R5=$(TZ=UTC borrow_as "$C" "$TRUCK" --from 2026-12-05T10:59 --to 2026-12-05T13:00)
	[ -z "$(req_get "$A" "$R4" conflict)" ]
	[[ $(TZ=Asia/Tokyo req_get "$A" "$R5" conflict) == *"${R1:0:12}"* ]]
	run -0 mutua --home "$A" accept "$R4"
	# --available and the calendar read local times the same way
	run -0 mutua --json --home "$A" offer list --available 2026-12-05T13:00/2026-12-05T14:00
	json_lines "$output" 1
	run -0 env TZ=Europe/Paris "$MUTUA" --json --home "$A" offer list --available \
		2026-12-05T13:00/2026-12-05T14:00
	json_lines "$output" 0
	run -0 env TZ=Europe/Paris "$MUTUA" --json --home "$A" calendar --from 2026-12-05 --to 2026-12-05
	json_lines "$output" 2
}

@test "an owner's accept of a withdrawn resource: refused (1) by its node; signed by a patched node, ignored everywhere and named by the audit" {
	truck_federation
	# B asks before it knows of the withdrawal (a withdrawal answers the
	# requests its node already holds: declined)
	mutua --home "$A" offer withdraw "$TRUCK" >/dev/null
	R=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	n=$(feed_len "$A" "$A_ID")
	run -1 --separate-stderr mutua --home "$A" accept "$R"
	stderr_has "cannot accept: the resource is withdrawn"
	[ "$(feed_len "$A" "$A_ID")" = "$n" ]
	# a node without the rule signs it all the same
	"$BATS_TEST_DIRNAME/../../build/tests/tools/bundletool" step "$A" accept "$R"
	[ "$(feed_len "$A" "$A_ID")" = $((n + 1)) ]
	state_is "$A" "$R" requested
	share "$A" "$B"
	state_is "$B" "$R" requested
	run -1 --separate-stderr mutua --home "$B" audit
	[[ $output == *"feed Alpha (${A_ID:0:12}) seq $((n + 1)): lending: accept of request ${R:0:12} ignored: the resource is withdrawn"* ]]
	mutua --home "$A" export --out "$T/x.bundle" 2>/dev/null
	run -1 --separate-stderr mutua --home "$C" audit "$T/x.bundle" --genesis "$TEMPLATE/genesis.txt"
	[[ $output == *"feed Alpha (${A_ID:0:12}) seq $((n + 1)): lending: accept of request ${R:0:12} ignored: the resource is withdrawn"* ]]
}
