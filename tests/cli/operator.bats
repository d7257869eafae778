#!/usr/bin/env bats
# operator.bats - what operators and staff are told (issue 15): no home,
# listen on a host name, a down peer's reason in status and doctor, a
# stopped mutuad in doctor and after a signing command, the reload count,
# a stale inbound row, a read-only store.

bats_require_minimum_version 1.5.0
load helpers

@test "no home: the homes looked at, --home and MUTUA_HOME; init only for a new member" {
	run -1 --separate-stderr mutua offer list
	stderr_has "no mutua home in '$HOME/.mutua' (the default: neither --home nor MUTUA_HOME was given)"
	stderr_has "--home DIR or MUTUA_HOME=DIR"
	stderr_has "only to set up a new member node"
	MUTUA_HOME=$T/x run -1 --separate-stderr mutua requests
	stderr_has "no mutua home in '$T/x' (given by MUTUA_HOME)"
	run -1 --separate-stderr mutua --home "$T/y" report --html --out "$T/r.html"
	stderr_has "an auditor needs no home"
	[[ $stderr != *"init"* ]]
}

@test "mutuad listens on a host name's address; a name nothing resolves is refused with a hint" {
	make_nodes 2
	local port
	port=$(free_port)
	start_daemon 1 --home "${H[1]}" --listen "tcp://localhost:$port"
	wait_log 1 "listen: tcp://localhost:$port is tcp://127.0.0.1:$port"
	wait_until 10 bash -c "(: <>/dev/tcp/127.0.0.1/$port) 2>/dev/null"
	wait_until 10 bash -c "'$MUTUA' --home '${H[1]}' status | grep -qF 'listening on tcp://127.0.0.1:$port'"
	run --separate-stderr "$MUTUAD" --home "${H[2]}" --listen "tcp://no-such-host.invalid:$port"
	[ "$status" -eq 2 ]
	[[ "$output$stderr" == *"'no-such-host.invalid' is neither an address, an interface nor a host name this machine resolves"* ]]
	[[ "$output$stderr" == *"tcp://*:$port for every address"* ]]
}

@test "a peer on a wrong port: status gives the reason, doctor probes it" {
	make_nodes 2
	local port
	port=$(free_port)
	echo "peer = N2@tcp://127.0.0.1:$port" >"${H[1]}/mutua.conf"
	start_node 1
	wait_until 20 bash -c "'$MUTUA' --home '${H[1]}' status | grep -q 'no connection'"
	run -0 mutua --home "${H[1]}" status
	[[ $output == *"N2"*"down"*"no connection (refused or unanswered): is mutuad running there, on this port?"* ]]
	run -1 mutua --home "${H[1]}" doctor
	[[ $output == *"PROBLEM peer N2 (tcp://127.0.0.1:$port) not reachable: connection refused: nothing listens there; is mutuad running on that node, on this port?"* ]]
	# the right port with another node's transport key: the handshake
	start_node 2
	echo "peer = N2@${EP[2]}" >"${H[1]}/mutua.conf"
	run -0 mutua --home "${H[1]}" doctor
	[[ $output == *"peer N2 (${EP[2]}) reachable"* ]]
}

@test "doctor reports this home's stopped mutuad and the entries no peer holds; a signing command says so" {
	make_nodes 2
	start_node 1
	start_node 2 --peer "N1@${EP[1]}"
	mutua --home "${H[1]}" offer add --kind room --title "Salle" >/dev/null
	wait_until 20 has_entries "${H[2]}" 2 "${ID[1]}"
	wait_until 20 test -s "${H[1]}/mutuad.held"
	run -0 mutua --home "${H[1]}" doctor
	[[ $output == *"ok      mutuad runs for this home (pid $(daemon_pid 1))"* ]]
	stop_daemon 1
	run -0 --separate-stderr mutua --home "${H[1]}" offer add --kind room --title "Salle 2"
	stderr_has "mutuad is not running for this home: what was just signed will reach the other members when it starts (systemctl start mutuad)"
	# a read is not a signature
	run -0 --separate-stderr mutua --home "${H[1]}" offer list
	[ -z "$stderr" ]
	run -1 mutua --home "${H[1]}" doctor
	[[ $output == *"PROBLEM mutuad is not running for this home: nothing is sent or received (systemctl start mutuad, or mutuad --home DIR)"* ]]
	[[ $output == *"PROBLEM 1 entry of this member's feed is not yet held by any peer: it leaves when mutuad runs"* ]]
	# a home where mutuad never ran (a test copy, an auditor's) is not nagged
	run -0 --separate-stderr mutua --home "${H[2]}" offer list
	[ -z "$stderr" ]
}

@test "reload counts the peers dialled, not the inbound ones" {
	make_nodes 3
	start_node 1
	start_node 2 --peer "N1@${EP[1]}"
	start_node 3 --peer "N1@${EP[1]}"
	echo "peer = N2@${EP[2]}" >"${H[1]}/mutua.conf"
	wait_until 20 bash -c "'$MUTUA' --home '${H[1]}' status | grep -c 'in .*connected' | grep -q 2"
	kill -HUP "$(daemon_pid 1)"
	wait_log 1 "reloaded: 1 peers to dial (1 configured, 0 chosen by the overlay); 2 inbound connected"
}

@test "status shows no stale down row for a peer that reconnected" {
	local p1 p2 a=$T/a b=$T/b
	p1=$(free_port) && p2=$(free_port) && [ "$p1" != "$p2" ]
	new_home "$a" N1 --endpoint "tcp://127.0.0.1:$p1" >/dev/null
	new_home "$b" N2 --endpoint "tcp://127.0.0.1:$p2" >/dev/null
	mutua --home "$b" card >"$T/b.card"
	mutua --home "$a" federation create --name Line --out "$T/g.txt" "$T/b.card" >/dev/null
	mutua --home "$b" federation join "$T/g.txt" >/dev/null
	start_daemon 1 --home "$a" --listen "tcp://127.0.0.1:$p1"
	start_daemon 2 --home "$b" --listen "tcp://127.0.0.1:$p2"
	wait_until 20 bash -c "'$MUTUA' --home '$a' status | grep -q 'N2 .* in .*connected'"
	# a node killed and started again dials in anew; the old connection
	# is marked down by the next push to it, and forgotten only after
	# three hello intervals
	stop_daemon 2 KILL || true
	start_daemon 2 --home "$b" --listen "tcp://127.0.0.1:$p2"
	wait_until 20 bash -c "'$MUTUA' --home '$a' status | grep -c 'N2 .* in ' | grep -q 2"
	mutua --home "$a" offer add --kind room --title "Salle" >/dev/null
	wait_until 20 has_entries "$b" 2 "$(mutua --home "$a" id)"
	sleep 1.5 # the status file, written each second
	run -0 mutua --home "$a" status
	[[ $output == *"N2"*" in "*"connected"* ]]
	[[ $output != *" in "*"down"* ]]
}

@test "a store this user cannot write names its owner and mode" {
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null || skip "needs root and setpriv"
	new_home "$T/h" Solo >/dev/null
	chmod 755 "$T" "$T/h"
	chown nobody "$T/h/key"
	run -1 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$MUTUA" --home "$T/h" requests
	stderr_has "store '$T/h/store.db' cannot be written by user nobody (uid 65534): the file is root:root mode 0644, its directory root:root mode 0755"
	stderr_has "run mutua as root (sudo -u root mutua ...)"
}

@test "requests: a table of at most 100 columns with the refusal's reason; requests show: every field and step" {
	export TZ=UTC
	load lending_helpers
	local a=$T/a b=$T/b long="Association intercommunale de la régie de quartier des Hauts-de-Loire"
	new_home "$a" "$long" >/dev/null
	new_home "$b" "Entraide et solidarité du quartier Saint-Marceau, Orléans" >/dev/null
	mutua --home "$b" card >"$T/b.card"
	mutua --home "$a" federation create --name Pole --out "$T/g.txt" "$T/b.card" >/dev/null
	mutua --home "$b" federation join "$T/g.txt" >/dev/null
	mutua --home "$a" offer add --kind vehicle --title "Camion frigorifique de 20 m3 avec hayon" \
		--unit day --capacity 3 >/dev/null
	share "$a" "$b"
	R1=$(mutua --home "$b" borrow frigorifique --from 2026-12-05T08:00 --to 2026-12-05T18:00 \
		--quantity 2 --note "Pour la distribution alimentaire du samedi matin")
	R2=$(mutua --home "$b" borrow camion --from 2026-12-07 --to 2026-12-09)
	share "$b" "$a"
	mutua --home "$a" decline "$R2" --reason "le hayon est en réparation jusqu'au 10" >/dev/null
	share "$a" "$b"
	for h in "$a" "$b"; do
		run -0 mutua --home "$h" requests
		while IFS= read -r line; do
			[ "${#line}" -le 100 ] || {
				echo "wider than 100: '$line' (${#line})"
				false
			}
		done <<<"$output"
	done
	[[ $output == *"${R1:0:8}  2× Camion frigori…  from Associatio…  12-05 08:00-18:00 +00:00  requested"* ]]
	[[ $output == *"${R2:0:8}"*"12-07→12-09"*"declined"*$'\n'"          reason: le hayon est en réparation jusqu'au 10"* ]]
	# --json keeps every field whole
	run -0 mutua --json --home "$b" requests --state declined
	[ "$(json_get "$output" '$.owner_name')" = "$long" ]
	[ "$(json_get "$output" '$.reason')" = "le hayon est en réparation jusqu'au 10" ]
	# show: the fields, then each step with who signed it and when
	run -0 mutua --home "$b" requests show "${R2:0:8}"
	[[ $output == *"owner_name   $long"* ]]
	[[ $output == *"reason       le hayon est en réparation jusqu'au 10"* ]]
	[[ $output == *"request  Entraide et solidarité"* ]]
	[[ $output == *"decline  Association intercommun…"*"le hayon est en réparation"* ]]
	run -0 mutua --json --home "$b" requests show "${R2:0:8}"
	json_lines "$output" 1
	[ "$(json_get "$output" '$.state')" = declined ]
	[ "$(json_get "$output" '$.steps[0].step')" = request ]
	[ "$(json_get "$output" '$.steps[1].step')" = decline ]
	[ "$(json_get "$output" '$.steps[1].note')" = "le hayon est en réparation jusqu'au 10" ]
	is_id "$(json_get "$output" '$.steps[1].by_id')"
	run -2 --separate-stderr mutua --home "$b" requests show
	stderr_has "usage: mutua requests show ID"
}

# complete WORDS...: runs the bash completion of deploy/bash-completion/mutua
# on the line "mutua WORDS..." (the last word the one being typed) and
# prints COMPREPLY, one a line.
complete_line() {
	bash -c 'source "$1"; shift
		complete -p mutua >/dev/null || exit 9
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_mutua; printf "%s\n" "${COMPREPLY[@]}"' \
		complete "$BATS_TEST_DIRNAME/../../deploy/bash-completion/mutua" "$MUTUA" "$@"
}

@test "bash completion: commands, options per command, values, members, offers and requests from the store" {
	load lending_helpers
	run -0 complete_line bo
	[ "$output" = borrow ]
	run -0 complete_line ""
	[ "$(wc -l <<<"$output")" -ge 30 ]
	run -0 complete_line borrow --q
	[ "$output" = --quantity ]
	run -0 complete_line offer add --k
	[ "$output" = --kind ]
	run -0 complete_line offer add --kind v
	[ "$output" = vehicle ]
	run -0 complete_line offer w
	[ "$output" = withdraw ]
	run -0 complete_line requests --state hand
	[ "$output" = handed_over ]
	run -0 complete_line help req
	[ "$output" = requests ]
	# from the home on the line: members, offers by id and title, requests
	make_federation 2
	OFFER=$(mutua --home "$A" offer add --kind room --title "Salle des fêtes")
	share "$A" "$B"
	R=$(mutua --home "$B" borrow "$OFFER" --from 2026-12-05 --to 2026-12-05)
	run -0 complete_line --home "$B" offer list --member B
	[ "$output" = Beta ]
	run -0 complete_line --home "$B" borrow --from 2026-12-05 --to 2026-12-06 "${OFFER:0:3}"
	[ "$output" = "${OFFER:0:12}" ]
	run -0 complete_line --home "$B" borrow Sa
	[ "$output" = 'Salle\ des\ fêtes' ]
	run -0 complete_line --home "$B" requests show ""
	[ "$output" = "${R:0:12}" ]
	MUTUA_HOME=$B run -0 complete_line cancel "${R:0:4}"
	[ "$output" = "${R:0:12}" ]
	# no home: quiet, nothing offered
	run -0 --separate-stderr complete_line --home "$T/none" borrow ""
	[ -z "$output" ] && [ -z "$stderr" ]
}

@test "make install puts the completion where bash-completion finds it" {
	run -0 make -C "$BATS_TEST_DIRNAME/../.." -n install PREFIX=/usr DESTDIR="$T/root"
	[[ $output == *"deploy/bash-completion/mutua $T/root/usr/share/bash-completion/completions/mutua"* ]]
}
