#!/usr/bin/env bats
# governance_nodes.bats - governance between real mutuad processes over
# ZeroMQ/CURVE (issue 6): four members admit a fifth by vote, whose sync is
# refused by every node's ZAP handler until the admission passes, and which
# then fetches the whole history, its own admission in it, by `mutua sync`
# or by its own mutuad; a member excluded by vote is refused by the others'
# ZAP from then on, while its past entries stay on every node.
#
# Endpoints are ipc:// sockets in the test's folder; the daemon helpers and
# bounded waits are helpers.bash's (start_node, wait_until, wait_log...);
# teardown stops every daemon.

bats_require_minimum_version 1.5.0
load helpers

# applicant: the home $T/5 (N5, endpoint ipc://$T/5.sock) joins the
# federation of make_nodes as an applicant; its card is $T/5.card.
applicant() {
	H[5]=$T/5 EP[5]=ipc://$T/5.sock
	ID[5]=$(new_home "${H[5]}" N5 --endpoint "${EP[5]}") || return 1
	mutua --home "${H[5]}" card >"$T/5.card" || return 1
	run -0 --separate-stderr mutua --home "${H[5]}" federation join "$GENESIS"
	[ "$output" = "$FED_ID" ] && stderr_has "applicant"
}

# start_members N: mutuad for homes 1..N, each dialling every member that
# published an endpoint; waits until each has opened its appends.
start_members() {
	local i
	for ((i = 1; i <= $1; i++)); do start_node "$i"; done
	for ((i = 1; i <= $1; i++)); do wait_log "$i" "appends open" 30; done
}

# state HOME PROPOSAL: the proposal's state column ('open', 'passed'), or
# nothing when HOME does not hold it.
state() {
	sql "$1" "SELECT state FROM proposals WHERE id = X'$2'"
}

has_proposal() { # HOME PROPOSAL
	[ -n "$(state "$1" "$2")" ]
}

passed() { # HOME PROPOSAL
	[ "$(state "$1" "$2")" = passed ]
}

# status_of HOME MEMBER: 'member', 'excluded', 'not admitted', or nothing.
status_of() {
	sql "$1" "SELECT CASE WHEN excluded IS NOT NULL THEN 'excluded' WHEN active
		THEN 'member' ELSE 'not admitted' END FROM members WHERE id = X'$2'"
}

is_member() { # HOME MEMBER
	[ "$(status_of "$1" "$2")" = member ]
}

# zap_admits HOME MEMBER: HOME's ZAP handler would admit MEMBER's
# transport key (the query of drain_zap in node/sync.c).
zap_admits() {
	[ "$(sql "$1" "SELECT count(*) FROM members m WHERE xkey = (SELECT xkey FROM members
		WHERE id = X'$2') AND active AND excluded IS NULL")" = 1 ]
}

# heads_without HOME MEMBER: every feed's head but MEMBER's, for comparing.
heads_without() { # HOME MEMBER
	sql "$1" "SELECT hex(author), seq, hex(id) FROM feeds WHERE author != X'$2'
		ORDER BY author"
}

# vote_when_held HOME PROPOSAL CHOICE: waits for the proposal to reach
# HOME, then votes.
vote_when_held() {
	wait_until 20 has_proposal "$1" "$2" || return 1
	mutua --home "$1" vote "$2" "$3" >/dev/null
}

offer_listed() { # HOME TITLE
	mutua --home "$1" offer list | grep -qF -- "$2"
}

@test "four members admit a fifth by vote: refused until then, then it syncs everything" {
	make_nodes 4
	applicant
	start_members 4
	# a little history before the applicant comes
	mutua --home "${H[2]}" offer add --kind vehicle --title "Camion de N2" >/dev/null
	wait_until 20 offer_listed "${H[1]}" "Camion de N2"

	# before its admission every node's ZAP refuses the applicant
	for i in 1 3; do
		run -1 --separate-stderr mutua --home "${H[5]}" sync "${EP[i]}" --timeout 15
		stderr_has "refused"
	done
	[ "$(count_entries "${H[5]}")" -eq 0 ]
	log_has 1 "refused a connection"
	run -1 mutua --home "${H[5]}" offer add --kind room --title "Salle"

	# the members vote it in
	ADM=$(mutua --home "${H[1]}" propose admit "$T/5.card")
	vote_when_held "${H[2]}" "$ADM" yes
	vote_when_held "${H[3]}" "$ADM" no
	vote_when_held "${H[4]}" "$ADM" yes
	for i in 1 2 3 4; do wait_until 20 passed "${H[i]}" "$ADM"; done
	for i in 1 2 3 4; do
		is_member "${H[i]}" "${ID[5]}"
		zap_admits "${H[i]}" "${ID[5]}"
	done

	# now a sync is admitted and fetches the whole history, its own
	# admission and the votes on it included
	run -0 --separate-stderr mutua --home "${H[5]}" sync "${EP[3]}" --timeout 30
	[ "$(heads_without "${H[5]}" "${ID[5]}")" = "$(heads_without "${H[3]}" "${ID[5]}")" ]
	passed "${H[5]}" "$ADM"
	is_member "${H[5]}" "${ID[5]}"
	[ "$(sql "${H[5]}" "SELECT count(*) FROM votes WHERE proposal = X'$ADM'")" -eq 3 ]
	offer_listed "${H[5]}" "Camion de N2"
	run -0 mutua --home "${H[5]}" proposals
	[[ $output == *"admit N5"*passed* ]]

	# and its mutuad connects: what it appends reaches every node
	start_node 5
	wait_log 5 "connected" 30
	wait_log 5 "appends open" 30
	run -0 mutua --home "${H[5]}" offer add --kind storage --title "Chambre froide de N5"
	for i in 1 2 3 4; do wait_until 20 offer_listed "${H[i]}" "Chambre froide de N5"; done
	# and the other way
	mutua --home "${H[4]}" offer add --kind skill --title "Comptable de N4" >/dev/null
	wait_until 20 offer_listed "${H[5]}" "Comptable de N4"
	# a vote by the newcomer counts on what is asked after its admission
	P=$(mutua --home "${H[5]}" propose set credit-limit 100)
	wait_until 20 has_proposal "${H[1]}" "$P"
	[ "$(sql "${H[1]}" "SELECT eligible FROM proposals WHERE id = X'$P'")" -eq 5 ]
}

@test "an applicant's own mutuad, refused at first, fetches the history once admitted" {
	make_nodes 4
	applicant
	start_members 4
	start_node 5
	wait_log 1 "refused a connection" 30
	[ "$(count_entries "${H[5]}")" -eq 0 ]
	ADM=$(mutua --home "${H[2]}" propose admit "$T/5.card")
	vote_when_held "${H[1]}" "$ADM" yes
	vote_when_held "${H[3]}" "$ADM" yes
	wait_until 20 passed "${H[2]}" "$ADM"
	# its daemon reconnects by itself and takes everything, its admission too
	wait_until 40 passed "${H[5]}" "$ADM"
	wait_until 20 is_member "${H[5]}" "${ID[5]}"
	for i in 1 2 3 4; do wait_until 20 has_entries "${H[5]}" 1 "${ID[i]}"; done
	wait_log 5 "appends open" 30
	mutua --home "${H[5]}" offer add --kind room --title "Salle de N5" >/dev/null
	wait_until 20 offer_listed "${H[3]}" "Salle de N5"
}

@test "a member excluded by vote: refused by the others' ZAP, its past entries kept" {
	make_nodes 4
	start_members 4
	mutua --home "${H[4]}" offer add --kind vehicle --title "Camion de N4" >/dev/null
	for i in 1 2 3; do wait_until 20 offer_listed "${H[i]}" "Camion de N4"; done
	past=$(count_entries "${H[1]}" "${ID[4]}")

	EXC=$(mutua --home "${H[1]}" propose exclude N4 --reason "statuts")
	vote_when_held "${H[1]}" "$EXC" yes
	vote_when_held "${H[2]}" "$EXC" yes
	for i in 1 2 3; do wait_until 20 passed "${H[i]}" "$EXC"; done
	for i in 1 2 3; do
		[ "$(status_of "${H[i]}" "${ID[4]}")" = excluded ]
		run ! zap_admits "${H[i]}" "${ID[4]}"
	done

	# its node is refused by every other node's ZAP
	for i in 1 2 3; do
		run --separate-stderr mutua --home "${H[4]}" sync "${EP[i]}" --timeout 15
		[ "$status" -eq 1 ] || { echo "mutua sync exited $status: $stderr"; false; }
		stderr_has "refused"
	done
	# its past entries stay on every node
	for i in 1 2 3; do
		[ "$(count_entries "${H[i]}" "${ID[4]}")" -eq "$past" ]
		offer_listed "${H[i]}" "Camion de N4"
	done

	# its running mutuad, connected before the exclusion, gets nothing new
	# and passes nothing on
	mutua --home "${H[1]}" offer add --kind room --title "Salle de N1" >/dev/null
	wait_until 20 offer_listed "${H[3]}" "Salle de N1"
	mutua --home "${H[4]}" offer add --kind room --title "Salle de N4" >/dev/null 2>&1 || true
	sleep 3
	run ! offer_listed "${H[4]}" "Salle de N1"
	for i in 1 2 3; do
		[ "$(count_entries "${H[i]}" "${ID[4]}")" -eq "$past" ]
	done
	# restarted, it is refused at once
	stop_daemon 4
	start_node 4
	wait_log 4 "refused our key" 30
	# the three go on without it: two of three pass a proposal
	P=$(mutua --home "${H[2]}" propose set credit-limit 100)
	vote_when_held "${H[3]}" "$P" yes
	vote_when_held "${H[2]}" "$P" yes
	wait_until 20 passed "${H[1]}" "$P"
	[ "$(sql "${H[1]}" "SELECT eligible FROM proposals WHERE id = X'$P'")" -eq 3 ]
}
