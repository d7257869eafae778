#!/usr/bin/env bats
# lending_booking_nodes.bats - blocks and the waitlist across running nodes
# (issue 16, part A): two members race, a block against a request, and a
# waitlist freed by a cancel signed on another node. Three mutuad
# processes on ipc:// sockets in the test's folder: N1 owns a truck, N2 and
# N3 borrow it. Every wait is bounded; teardown stops the daemons.

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC

start_star() {
	make_nodes 3 || return 1
	start_node 1 --peer "${EP[2]}" --peer "${EP[3]}"
	start_node 2 --peer "${EP[1]}"
	start_node 3 --peer "${EP[1]}"
	local i
	for i in 1 2 3; do wait_log "$i" "appends open" || return 1; done
}

knows_offer() {
	[ "$(sql "$1" "SELECT count(*) FROM resources WHERE id = X'$2'")" = 1 ]
}

loan_is() {
	[ "$(sql "$1" "SELECT state FROM loans WHERE id = X'$2'")" = "$3" ]
}

knows_block() {
	[ "$(sql "$1" "SELECT count(*) FROM blocks WHERE id = X'$2'")" = 1 ]
}

ms_of() { # ISO time in UTC -> ms
	echo $(($(date -u -d "$1" +%s) * 1000))
}

# in_use HOME RESOURCE FROM TO: holding loans plus held blocks of RESOURCE
# that meet [FROM, TO) ms, by quantity
in_use() {
	sql "$1" "SELECT coalesce(sum(q), 0) FROM (SELECT quantity AS q FROM loans
		WHERE resource = X'$2' AND state IN ('accepted', 'handed_over', 'returned',
		'closed') AND start_ms < $4 AND end_ms > $3 UNION ALL SELECT quantity FROM
		held_blocks WHERE resource = X'$2' AND start_ms < $4 AND end_ms > $3)"
}

@test "a waitlist freed by a cancel on another node: the owner's daemon accepts the waiting request, every node agrees" {
	start_star
	TRUCK=$(mutua --home "${H[1]}" offer add --kind vehicle --title "Camion auto" --unit day \
		--auto-accept)
	wait_until 20 knows_offer "${H[2]}" "$TRUCK"
	wait_until 20 knows_offer "${H[3]}" "$TRUCK"
	R2=$(mutua --home "${H[2]}" borrow "$TRUCK" --from 2026-12-05 --to 2026-12-06)
	wait_until 10 loan_is "${H[2]}" "$R2" accepted
	# N3 asks to wait: the owner's daemon puts it on the waitlist
	R3=$(mutua --home "${H[3]}" borrow "$TRUCK" --from 2026-12-06 --to 2026-12-06 --wait)
	wait_until 10 loan_is "${H[3]}" "$R3" waiting
	[ "$(req_row "${H[3]}" "$R3" state reason)" = "waiting|conflict" ]
	# without --wait a conflicting request is declined, as before
	R4=$(mutua --home "${H[3]}" borrow "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	wait_until 10 loan_is "${H[3]}" "$R4" declined
	# N2 cancels on its own node: the slot frees up on N1, whose daemon
	# accepts the first waiting request
	t0=$(now_ms)
	mutua --home "${H[2]}" cancel "$R2" --reason "report"
	wait_until 10 loan_is "${H[3]}" "$R3" accepted
	echo "# waitlist: freed by a cancel on N2, accepted and back on N3 in $(($(now_ms) - t0)) ms" >&3
	wait_until 10 loan_is "${H[2]}" "$R3" accepted
	wait_until 10 loan_is "${H[1]}" "$R2" cancelled
	want=$(sql "${H[1]}" "SELECT hex(id), state, waited FROM loans ORDER BY id")
	for i in 2 3; do
		wait_until 10 loan_is "${H[i]}" "$R2" cancelled
		[ "$(sql "${H[i]}" "SELECT hex(id), state, waited FROM loans ORDER BY id")" = "$want" ]
	done
	run -0 mutua --home "${H[3]}" audit
}

@test "a block against a request, raced on two nodes: whichever the owner's node signs first, the truck is never over-booked and every node agrees" {
	start_star
	TRUCK=$(mutua --home "${H[1]}" offer add --kind vehicle --title "Camion auto" --unit day \
		--auto-accept)
	wait_until 20 knows_offer "${H[2]}" "$TRUCK"
	wait_until 20 knows_offer "${H[3]}" "$TRUCK"
	# N2 asks for the 8th while the owner blocks the 8th for maintenance
	mutua --home "${H[2]}" borrow "$TRUCK" --from 2026-12-08 --to 2026-12-08 >"$T/r2" &
	pid=$!
	run --separate-stderr mutua --home "${H[1]}" block "$TRUCK" --from 2026-12-08 \
		--to 2026-12-09 --reason maintenance
	wait "$pid"
	R2=$(cat "$T/r2")
	from=$(ms_of "2026-12-08 00:00") to=$(ms_of "2026-12-09 00:00")
	if [ "$status" -eq 0 ]; then
		# the block came first: the request is declined for the conflict
		K=$output
		wait_until 10 loan_is "${H[2]}" "$R2" declined
		wait_until 10 knows_block "${H[2]}" "$K"
		wait_until 10 knows_block "${H[3]}" "$K"
		echo "# race: the block was signed first" >&3
	else
		# the accept came first: the block is refused, naming the loan
		[ "$status" -eq 1 ]
		[[ $stderr == *"cancel or settle ${R2:0:12}"* ]]
		wait_until 10 loan_is "${H[2]}" "$R2" accepted
		echo "# race: the accept was signed first" >&3
	fi
	wait_until 10 loan_is "${H[3]}" "$R2" "$(sql "${H[1]}" "SELECT state FROM loans WHERE id = X'$R2'")"
	for i in 1 2 3; do
		[ "$(in_use "${H[i]}" "$TRUCK" "$from" "$to")" = 1 ]
	done
	# a later request for the 8th is declined everywhere, the 9th free
	R3=$(mutua --home "${H[3]}" borrow "$TRUCK" --from 2026-12-08 --to 2026-12-08)
	wait_until 10 loan_is "${H[3]}" "$R3" declined
	run -0 mutua --home "${H[1]}" audit
}
