#!/usr/bin/env bats
# lending_nodes.bats - lending across running nodes (DESIGN.md, invariant
# 3: the owner is the serialisation point for its resources). Three mutuad
# processes on ipc:// sockets in the test's folder: N1 owns a truck, N2 and
# N3 borrow it. Daemons are started and stopped by the helpers of
# helpers.bash (teardown stops them all); every wait is bounded.

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC

# A star around the owner: N1 dials N2 and N3, both dial N1. Waits until
# every node accepts appends.
start_star() {
	make_nodes 3 || return 1
	start_node 1 --peer "${EP[2]}" --peer "${EP[3]}"
	start_node 2 --peer "${EP[1]}"
	start_node 3 --peer "${EP[1]}"
	local i
	for i in 1 2 3; do wait_log "$i" "appends open" || return 1; done
}

# knows_offer HOME ID: HOME has folded the offer.
knows_offer() {
	[ "$(sql "$1" "SELECT count(*) FROM resources WHERE id = X'$2'")" = 1 ]
}

# loan_is HOME REQ STATE: HOME's loans table has the request in STATE.
loan_is() {
	[ "$(sql "$1" "SELECT state FROM loans WHERE id = X'$2'")" = "$3" ]
}

# holding HOME RESOURCE FROM_MS TO_MS: how many loans of RESOURCE hold
# part of [FROM_MS, TO_MS) in HOME's loans table.
holding() {
	sql "$1" "SELECT count(*) FROM loans WHERE resource = X'$2' AND state IN
		('accepted', 'handed_over', 'returned', 'closed') AND start_ms < $4 AND end_ms > $3"
}

ms_of() { # ISO time in UTC -> ms
	echo $(($(date -u -d "$1" +%s) * 1000))
}

@test "two borrowers on two nodes ask for one truck at once: the owner accepts one, refuses the other, every node agrees" {
	start_star
	TRUCK=$(mutua --home "${H[1]}" offer add --kind vehicle --title Camion --unit day --rate 10)
	wait_until 20 knows_offer "${H[2]}" "$TRUCK"
	wait_until 20 knows_offer "${H[3]}" "$TRUCK"
	# overlapping slots, asked on two nodes at (nearly) the same time
	R2=$(mutua --home "${H[2]}" borrow "$TRUCK" --from 2026-12-05 --to 2026-12-06)
	R3=$(mutua --home "${H[3]}" borrow "$TRUCK" --from 2026-12-06 --to 2026-12-07)
	wait_until 20 loan_is "${H[1]}" "$R2" requested
	wait_until 20 loan_is "${H[1]}" "$R3" requested
	# both requests are in every node's loans table, nothing holds the slot yet
	wait_until 20 loan_is "${H[2]}" "$R3" requested
	wait_until 20 loan_is "${H[3]}" "$R2" requested

	n=$(count_entries "${H[1]}" "${ID[1]}")
	run -0 --separate-stderr mutua --home "${H[1]}" accept "$R3"
	run -1 --separate-stderr mutua --home "${H[1]}" accept "$R2"
	stderr_has "cannot accept: conflict"
	stderr_has "${R3:0:12}"
	[ "$(count_entries "${H[1]}" "${ID[1]}")" -eq $((n + 1)) ]
	run -0 mutua --home "${H[1]}" decline "$R2" --reason "le camion est pris"

	# convergence: the accept and the decline reach both borrowers
	wait_until 20 loan_is "${H[2]}" "$R2" declined
	wait_until 20 loan_is "${H[3]}" "$R3" accepted
	wait_until 20 loan_is "${H[3]}" "$R2" declined
	wait_until 20 loan_is "${H[2]}" "$R3" accepted
	from=$(ms_of "2026-12-06 00:00") to=$(ms_of "2026-12-07 00:00")
	for i in 1 2 3; do
		[ "$(holding "${H[i]}" "$TRUCK" "$from" "$to")" = 1 ]
		[ "$(holding "${H[i]}" "$TRUCK" "$(ms_of "2026-12-05 00:00")" "$to")" = 1 ]
		[ "$(sql "${H[i]}" "SELECT hex(id) FROM loans WHERE resource = X'$TRUCK' AND
			state = 'accepted'")" = "${R3^^}" ]
		[ "$(sql "${H[i]}" "SELECT reason FROM loans WHERE id = X'$R2'")" = "le camion est pris" ]
	done
	# every node computed the same loans
	want=$(sql "${H[1]}" "SELECT hex(id), state, decided, ignored FROM loans ORDER BY id")
	for i in 2 3; do
		[ "$(sql "${H[i]}" "SELECT hex(id), state, decided, ignored FROM loans ORDER BY id")" = "$want" ]
	done
	# the borrower whose request was declined sees why, and the slot busy
	[ "$(req_row "${H[2]}" "$R2" state reason)" = "declined|le camion est pris" ]
	run -0 mutua --json --home "${H[2]}" offer list --available 2026-12-06/2026-12-06
	json_lines "$output" 0
}

@test "--auto-accept: the owner's daemon accepts a fitting request within about a second and declines a conflicting one" {
	start_star
	TRUCK=$(mutua --home "${H[1]}" offer add --kind vehicle --title "Camion auto" --unit day \
		--auto-accept)
	ROOM=$(mutua --home "${H[1]}" offer add --kind room --title Salle --unit hour)
	wait_until 20 knows_offer "${H[2]}" "$TRUCK"
	wait_until 20 knows_offer "${H[2]}" "$ROOM"
	wait_until 20 knows_offer "${H[3]}" "$TRUCK"

	t0=$(now_ms)
	R2=$(mutua --home "${H[2]}" borrow "$TRUCK" --from 2026-12-05 --to 2026-12-06)
	wait_until 10 loan_is "${H[2]}" "$R2" accepted
	ms=$(($(now_ms) - t0))
	echo "# auto-accept: request on N2 answered and back on N2 in $ms ms" >&3
	[ "$ms" -lt 3000 ]
	wait_log 1 "auto-accept: answered 1 request"
	# the answer is an entry of the owner's feed, signed by its node
	[ "$(sql "${H[1]}" "SELECT count(*) FROM entries WHERE author = X'${ID[1]}' AND
		type = 'accept'")" = 1 ]

	# an overlapping request from another node is declined: conflict
	t0=$(now_ms)
	R3=$(mutua --home "${H[3]}" borrow "$TRUCK" --from 2026-12-06 --to 2026-12-07)
	wait_until 10 loan_is "${H[3]}" "$R3" declined
	ms=$(($(now_ms) - t0))
	echo "# auto-accept: conflicting request on N3 declined in $ms ms" >&3
	[ "$(req_row "${H[3]}" "$R3" state reason)" = "declined|conflict" ]
	# the table says so, under the request
	run -0 mutua --home "${H[3]}" requests
	[[ $output == *"${R3:0:8}  Camion auto"*"declined"*"reason: conflict"* ]] || { echo "$output"; false; }
	run -0 --separate-stderr mutua --home "${H[3]}" requests show "${R3:0:8}"
	[[ $output == *"reason       conflict"* ]]
	[[ $output == *"decline  N1"*"conflict"* ]]
	# a request on a resource without auto-accept waits for staff
	R4=$(mutua --home "${H[2]}" borrow "$ROOM" --from 2026-12-05T09:00 --to 2026-12-05T10:00)
	wait_until 10 loan_is "${H[1]}" "$R4" requested
	sleep 0.5
	loan_is "${H[1]}" "$R4" requested
	# a later request for a free slot is accepted too
	R5=$(mutua --home "${H[3]}" borrow "$TRUCK" --from 2026-12-07 --to 2026-12-08)
	wait_until 10 loan_is "${H[3]}" "$R5" accepted
	# every node agrees: one holding loan on the 6th, two accepted in all
	wait_until 10 loan_is "${H[2]}" "$R3" declined
	wait_until 10 loan_is "${H[2]}" "$R5" accepted
	for i in 1 2 3; do
		[ "$(holding "${H[i]}" "$TRUCK" "$(ms_of "2026-12-06 00:00")" "$(ms_of "2026-12-07 00:00")")" = 1 ]
		[ "$(sql "${H[i]}" "SELECT count(*) FROM loans WHERE state = 'accepted'")" = 2 ]
	done
}
