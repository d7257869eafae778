#!/usr/bin/env bats
# keys.bats - key rotation and replacement (issue 6): `mutua key rotate`
# (an entry signed by the old key naming the new keys) and `mutua propose
# rekey MEMBER CARD` (the members replace a lost or stolen key by vote).
# A member keeps its id, its resources, loans and balance across keys; a
# replaced key signs nothing that counts any more; the audit checks every
# rotation and every entry against its key's period. The node tests run
# real mutuad processes on ipc:// sockets (helpers.bash).

bats_require_minimum_version 1.5.0
load helpers

loan_is() { # HOME REQ STATE
	[ "$(sql "$1" "SELECT state FROM loans WHERE id = X'$2'")" = "$3" ]
}

knows_offer() { # HOME RESOURCE
	[ "$(sql "$1" "SELECT count(*) FROM resources WHERE id = X'$2'")" = 1 ]
}

xkey_of() { # HOME MEMBER
	sql "$1" "SELECT lower(hex(xkey)) FROM members WHERE id = X'$2'"
}

key_of() { # HOME: the signing key of HOME's key file
	json_get "$(mutua --home "$1" --json id)" '$.key'
}

same_xkey() { # HOME MEMBER XKEY
	[ "$(xkey_of "$1" "$2")" = "$3" ]
}

passed() { # HOME PROPOSAL
	[ "$(sql "$1" "SELECT state FROM proposals WHERE id = X'$2'")" = passed ]
}

has_proposal() { # HOME PROPOSAL
	[ -n "$(sql "$1" "SELECT state FROM proposals WHERE id = X'$2'")" ]
}

@test "key rotate: the member keeps its id, its offers and its loans; the old key signs no more" {
	make_federation 2
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title Camion --unit day --rate 10)
	copy_entries "$A" "$B"
	REQ=$(mutua --home "$B" borrow "$TRUCK" --from 2026-12-05 --to 2026-12-06)
	copy_entries "$B" "$A"
	old=$(key_of "$A")
	[ "$old" = "$A_ID" ]

	run -0 --separate-stderr mutua --home "$A" key rotate
	new=$output
	is_id "$new"
	[ "$new" != "$old" ]
	stderr_has "once a peer holds the rotation"
	[ -f "$A/key.next" ]
	# the member id stays; the key that signs is the new one
	[ "$(mutua --home "$A" id)" = "$A_ID" ]
	[ "$(key_of "$A")" = "$new" ]
	[ "$(json_get "$(mutua --home "$A" --json id)" '$.rotation_pending')" = 1 ]
	# a checkpoint, then the rotation, end the old key's feed
	[ "$(sql "$A" "SELECT group_concat(type, ',') FROM (SELECT type FROM entries
		WHERE author = X'$old' ORDER BY seq DESC LIMIT 2)")" = "rotate,checkpoint" ]
	# a second rotation waits for the first to reach a peer
	run -1 --separate-stderr mutua --home "$A" key rotate
	stderr_has "waits for a peer"

	# the owner, under its new key, accepts and settles the loan
	run -0 mutua --home "$A" accept "$REQ"
	[ "$(sql "$A" "SELECT count(*) FROM entries WHERE author = X'$new'")" = 1 ]
	loan_is "$A" "$REQ" accepted
	mutua --home "$A" handover "$REQ" >/dev/null
	copy_entries "$A" "$B"
	mutua --home "$B" return "$REQ" >/dev/null # the borrower's figure
	copy_entries "$B" "$A"
	mutua --home "$A" close "$REQ" >/dev/null
	loan_is "$A" "$REQ" closed
	[ "$(sql "$A" "SELECT count(*) FROM resources WHERE owner = X'$A_ID'")" = 1 ]
	mutua --home "$A" offer update "$TRUCK" --title "Camion frigorifique" >/dev/null

	# B learns the rotation with A's entries: same state, same balances
	copy_entries "$A" "$B"
	loan_is "$B" "$REQ" closed
	[ "$(sql "$B" "SELECT title FROM resources WHERE id = X'$TRUCK'")" = "Camion frigorifique" ]
	run -0 mutua --json --home "$B" balance
	json_lines "$output" 2
	a_line=$(grep -F "$A_ID" <<<"$output")
	[ "$(json_get "$a_line" '$.balance')" = 20.0 ]
	[ "$(xkey_of "$B" "$A_ID")" = "$(xkey_of "$A" "$A_ID")" ]
	# the audit of either store, and of a bundle, holds
	run -0 mutua --home "$B" audit
	mutua --home "$B" export --out "$T/bundle" >/dev/null
	run -0 mutua --home "$A" audit "$T/bundle" --genesis "$GENESIS"
	# a reindex gives the same state
	before=$(sql "$B" "SELECT lower(hex(key)) || rotated FROM keys")
	mutua --home "$B" reindex >/dev/null
	[ "$(sql "$B" "SELECT lower(hex(key)) || rotated FROM keys")" = "$before" ]
	loan_is "$B" "$REQ" closed
}

@test "key rotate: refused for a bad command, and nothing written" {
	make_federation 2
	run -2 --separate-stderr mutua --home "$A" key
	run -2 --separate-stderr mutua --home "$A" key turn
	run -2 --separate-stderr mutua --home "$A" key rotate now
	[ ! -e "$A/key.next" ]
	[ "$(sql "$A" "SELECT count(*) FROM entries WHERE type = 'rotate'")" = 0 ]
	# an applicant, not a member, has nothing to rotate
	new_home "$T/x" Xeta >/dev/null
	mutua --home "$T/x" federation join "$GENESIS" >/dev/null 2>&1
	run -1 --separate-stderr mutua --home "$T/x" key rotate
	stderr_has "no member's"
	[ ! -e "$T/x/key.next" ]
}

@test "key rotate: a staged key file no rotation names is a leftover, and goes" {
	make_federation 2
	cp "$B/key" "$A/key.next"
	run -0 mutua --home "$A" id
	[ "$output" = "$A_ID" ]
	[ ! -e "$A/key.next" ]
	[ "$(key_of "$A")" = "$A_ID" ]
}

@test "propose rekey: the members replace a stolen key; the thief's later entries count for nothing" {
	make_federation 3
	mutua --home "$C" offer add --kind room --title "Salle de Gamma" >/dev/null
	cp -r "$C" "$T/thief"
	# Gamma's server is stolen: on a new server, Gamma makes new keys
	new_home "$T/c2" Gamma >/dev/null
	mutua --home "$T/c2" card >"$T/c2.card"
	mutua --home "$T/c2" federation join "$GENESIS" >/dev/null 2>&1
	for h in "$A" "$B"; do copy_entries "$C" "$h"; done
	held=$(count_entries "$A" "$C_ID")

	# wrong proposals are refused, and write nothing
	n=$(count_entries "$A")
	run -1 --separate-stderr mutua --home "$A" propose rekey Gamma "$T/b.card"
	stderr_has "member already"
	run -2 --separate-stderr mutua --home "$A" propose rekey Gamma "$T/c2.card" --upto 99
	stderr_has "up to seq $held only"
	run -2 --separate-stderr mutua --home "$A" propose exclude Gamma --upto 1
	run -2 --separate-stderr mutua --home "$A" propose rekey Gamma
	echo garbage >"$T/bad.card"
	run -1 --separate-stderr mutua --home "$A" propose rekey Gamma "$T/bad.card"
	stderr_has "card"
	[ "$(count_entries "$A")" -eq "$n" ]

	P=$(mutua --home "$A" propose rekey Gamma "$T/c2.card" --reason "serveur vole")
	run -0 mutua --home "$A" proposals
	[[ $output == *"rekey Gamma after seq $held"* ]]
	mutua --home "$A" vote "$P" yes >/dev/null
	copy_entries "$A" "$B"
	mutua --home "$B" vote "$P" yes >/dev/null
	copy_entries "$B" "$A"
	passed "$A" "$P"

	# the thief signs on with the old key: refused, though kept as evidence
	mutua --home "$T/thief" offer add --kind room --title "Salle volee" >/dev/null
	copy_entries "$T/thief" "$A"
	[ "$(count_entries "$A" "$C_ID")" -eq $((held + 1)) ]
	[ "$(sql "$A" "SELECT count(*) FROM resources WHERE title = 'Salle volee'")" = 0 ]
	run -1 --separate-stderr mutua --home "$A" audit
	# reported under the keys rule, as refused or as signed past the cut,
	# depending on whether the audit met the vote or the entry first
	[[ $output == *"keys:"*"replaced"* ]]

	# Gamma's new node: the history makes it Gamma again, with its offers
	copy_entries "$B" "$T/c2"
	[ "$(mutua --home "$T/c2" id)" = "$C_ID" ]
	mutua --home "$T/c2" offer add --kind storage --title "Cave de Gamma" >/dev/null
	copy_entries "$T/c2" "$B"
	[ "$(sql "$B" "SELECT count(*) FROM resources WHERE owner = X'$C_ID'")" = 2 ]
	[ "$(xkey_of "$B" "$C_ID")" = "$(xkey_of "$T/c2" "$C_ID")" ]
	run -0 mutua --home "$B" audit
}

# start_members N: mutuad for homes 1..N (make_nodes), appends open.
start_members() {
	local i
	for ((i = 1; i <= $1; i++)); do start_node "$i"; done
	for ((i = 1; i <= $1; i++)); do wait_log "$i" "appends open" 30; done
}

@test "a member rotates its key while its mutuad runs, and keeps lending" {
	make_nodes 3
	start_members 3
	TRUCK=$(mutua --home "${H[1]}" offer add --kind vehicle --title Camion --unit day --rate 10)
	for i in 2 3; do wait_until 20 knows_offer "${H[i]}" "$TRUCK"; done
	R2=$(mutua --home "${H[2]}" borrow "$TRUCK" --from 2026-12-05 --to 2026-12-06)
	wait_until 20 loan_is "${H[1]}" "$R2" requested
	x_old=$(xkey_of "${H[1]}" "${ID[1]}")

	NEW=$(mutua --home "${H[1]}" key rotate 2>/dev/null)
	# its daemon restarts with the new identity, waits for a peer to hold
	# the rotation, then speaks with the new transport key
	wait_log 1 "a peer holds this member's key rotation" 30
	[ ! -e "${H[1]}/key.next" ]
	x_new=$(xkey_of "${H[1]}" "${ID[1]}")
	[ "$x_new" != "$x_old" ]
	for i in 2 3; do wait_until 20 same_xkey "${H[i]}" "${ID[1]}" "$x_new"; done
	[ "$(mutua --home "${H[1]}" id)" = "${ID[1]}" ]
	[ "$(key_of "${H[1]}")" = "$NEW" ]

	# it lends on: the accept, signed by the new key, reaches both nodes
	wait_log 1 "appends open" 30
	mutua --home "${H[1]}" accept "$R2" >/dev/null
	for i in 2 3; do wait_until 30 loan_is "${H[i]}" "$R2" accepted; done
	# and what the others append reaches it over the new transport key
	R3=$(mutua --home "${H[3]}" borrow "$TRUCK" --from 2026-12-07 --to 2026-12-08)
	wait_until 30 loan_is "${H[1]}" "$R3" requested
	mutua --home "${H[1]}" accept "$R3" >/dev/null
	wait_until 30 loan_is "${H[3]}" "$R3" accepted
	for i in 1 2 3; do run -0 mutua --home "${H[i]}" audit; done
	# no node's ZAP handler admits the old transport key any more
	for i in 1 2 3; do
		[ "$(sql "${H[i]}" "SELECT count(*) FROM members WHERE xkey = X'$x_old'")" = 0 ]
	done
	! grep -q " error " "$T/1.log"
}
