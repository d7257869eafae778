#!/usr/bin/env bats
# staff_remote.bats - mutua from a staff member's own computer, answered by
# the member's node (issue 17, part B2; node/staffd.h, tools/staff_client.c):
# real daemons over TCP on free ports; each staff home lives in a folder of
# its own and reaches the node only over TCP.

bats_require_minimum_version 1.5.0
load helpers

export TZ=UTC
STAFFPEER=$BATS_TEST_DIRNAME/../../build/tests/tools/staffpeer

# A federation of three over TCP: A (Cagette et Fourchette) and B (the
# Régie) run mutuad, peered; C runs none. A delegates Léa (borrow) and Sam
# (lend), whose homes are $T/lea and $T/sam. Sets A B C *_ID PA PB LEA SAM.
remote_setup() {
	PA=$(free_port) && PB=$(free_port) && PC=$(free_port) || return 1
	A=$T/a B=$T/b C=$T/c GENESIS=$T/genesis.txt
	A_ID=$(new_home "$A" Cagette --endpoint "tcp://127.0.0.1:$PA") || return 1
	B_ID=$(new_home "$B" Regie --endpoint "tcp://127.0.0.1:$PB") || return 1
	C_ID=$(new_home "$C" Gamma --endpoint "tcp://127.0.0.1:$PC") || return 1
	mutua --home "$B" card >"$T/b.card" && mutua --home "$C" card >"$T/c.card" || return 1
	FED_ID=$(mutua --home "$A" federation create --name "Pole Sud" --out "$GENESIS" \
		"$T/b.card" "$T/c.card") || return 1
	mutua --home "$B" federation join "$GENESIS" >/dev/null &&
		mutua --home "$C" federation join "$GENESIS" >/dev/null || return 1
	start_daemon a --home "$A" --listen "tcp://127.0.0.1:$PA" --peer "$B_ID@tcp://127.0.0.1:$PB"
	start_daemon b --home "$B" --listen "tcp://127.0.0.1:$PB" --peer "$A_ID@tcp://127.0.0.1:$PA"
	wait_log a "own feed's head" && wait_log b "own feed's head" || return 1
	LEA=$T/lea SAM=$T/sam
	staff_home "$LEA" "Léa Martin" borrow && staff_home "$SAM" "Sam Petit" lend
}

# staff_home DIR NAME ROLE: the person makes their home and card, A
# delegates them, they take the invitation. Sets INV.
staff_home() {
	local out
	mutua --home "$1" staff init --name "$2" >"$T/card" 2>/dev/null || return 1
	# the id on the standard output, the invitation on the error output
	out=$(mutua --home "$A" staff add "$T/card" --name "$2" --role "$3" 2>&1 >/dev/null) ||
		return 1
	INV=$(tail -n 1 <<<"$out")
	[[ $INV == mutua-staff:* ]] && [[ $out == *"send the invitation below to $2"* ]] || return 1
	[ "$(json_get "$(mutua --json --home "$A" staff list | tail -n 1)" '$.name')" = "$2" ]
	mutua --home "$1" staff init --invitation "$INV" 2>/dev/null
}

@test "staff remote: two staff act from their own homes within their roles, are refused outside them; the member's CLI works as before" {
	remote_setup
	TRUCK=$(mutua --home "$B" offer add --kind vehicle --title "Camion de la Régie" \
		--unit day --rate 10)
	wait_until 10 sh -c "'$MUTUA' --home '$A' offer list | grep -q Camion"
	# reads are the node's: the catalogue, from Léa's folder
	run -0 mutua --home "$LEA" offer list
	[[ $output == *"Camion de la Régie"*Regie* ]]
	run -0 mutua --home "$LEA" --json balance
	# Léa borrows the Régie's truck for Cagette
	run -0 --separate-stderr mutua --home "$LEA" borrow "$TRUCK" --from 2026-01-05 --to 2026-01-07
	is_id "$output"
	REQ=$output
	# outside her role: refused with the rule's reason, exit 1, nothing appended
	n=$(count_entries "$A" "$A_ID")
	run -1 mutua --home "$LEA" offer add --kind room --title Salle --unit hour --rate 1
	[[ $output == *"does not grant the role lend"* ]]
	[ "$(count_entries "$A" "$A_ID")" = "$n" ]
	# Sam lends: an offer of Cagette's; he may not borrow
	run -0 --separate-stderr mutua --home "$SAM" offer add --kind room --title "Salle Cagette" \
		--unit hour --rate 1
	is_id "$output"
	run -1 mutua --home "$SAM" borrow "$TRUCK" --from 2026-02-05 --to 2026-02-07
	[[ $output == *"does not grant the role borrow"* ]]
	# the same messages and exit codes as locally: a usage error is 2
	run -2 mutua --home "$LEA" borrow "$TRUCK" --from 2026-01-05
	# each entry carries the act of the person who signed it; the views
	# name who acted, on the member's node and from the staff home alike
	[ "$(sql "$A" "SELECT count(*) FROM acts WHERE verdict IS NULL")" = 2 ]
	run -0 mutua --home "$A" --json requests
	[[ $output == *'"by":{"name":"Léa Martin"'* ]]
	run -0 mutua --home "$SAM" requests show "${REQ:0:8}"
	[[ $output == *"Léa Martin"* ]]
	# the Régie sees Cagette's request and accepts it; Léa sees it accepted
	wait_until 10 sh -c "'$MUTUA' --home '$B' requests | grep -q '${REQ:0:8}'"
	run -0 mutua --home "$B" accept "$REQ"
	wait_until 10 sh -c "'$MUTUA' --home '$LEA' requests | grep -q accepted"
	# a file the command writes comes back to the staff's computer
	run -0 mutua --home "$LEA" export-csv --out "$T/lea.csv"
	[[ $output == *"written to $T/lea.csv"* ]]
	grep -q "^loan,settled," "$T/lea.csv"
	# the member's own CLI keeps working as today
	run -0 mutua --home "$A" offer add --kind storage --title Cave --unit day --rate 2
	run -0 mutua --home "$A" staff list
	[[ $output == *"Léa Martin"*"Sam Petit"* ]]
}

@test "staff remote: a revoked key is refused at once, on a new connection and within a second on an open one" {
	remote_setup
	"$STAFFPEER" "$SAM" keep 15 >"$T/keep.out" &
	keep=$!
	sleep 1
	run -0 mutua --home "$A" staff revoke "Sam Petit"
	t1=$(now_ms)
	wait "$keep"
	cat "$T/keep.out"
	read -r _ word at _ <"$T/keep.out"
	[ "$word" = refused ]
	echo "refused $((at - t1)) ms after the revocation's commit"
	[ $((at - t1)) -lt 1000 ]
	grep -q "acts for this member no more" "$T/keep.out"
	run -1 mutua --home "$SAM" offer list
	[[ $output == *"refused this staff key"* ]]
	# Léa, not revoked, still acts
	run -0 mutua --home "$LEA" offer list
}

@test "staff remote: a staff key cannot reach another member's node, replicate, or act for another member" {
	remote_setup
	# Léa's home pointed at the Régie's node: its ZAP does not know her key
	cp -a "$LEA" "$T/lea-b"
	xkey=$(sql "$B" "SELECT lower(hex(xkey)) FROM members WHERE id = X'$B_ID'")
	sed -i "s|^endpoint=.*|endpoint=tcp://127.0.0.1:$PB|; s|^server_key=.*|server_key=$xkey|; s|^member=.*|member=$B_ID|" \
		"$T/lea-b/staff.conf"
	run -1 mutua --home "$T/lea-b" offer list
	[[ $output == *"refused this staff key"* ]]
	wait_log b "not a member, nor staff"
	# on her own member's node, HELLO (replication) is refused and logged once
	run -0 "$STAFFPEER" "$LEA" hello
	[[ $output == *"ERROR a staff connection only sends STAFF requests: it does not replicate"* ]]
	run -0 "$STAFFPEER" "$LEA" hello
	[ "$(grep -c "does not replicate" "$T/a.log")" = 1 ]
	# and nothing she does lands in another member's feed
	TRUCK=$(mutua --home "$B" offer add --kind vehicle --title Camion --unit day --rate 10)
	wait_until 10 sh -c "'$MUTUA' --home '$A' offer list | grep -q Camion"
	run -0 --separate-stderr mutua --home "$LEA" borrow "$TRUCK" --from 2026-01-05 --to 2026-01-06
	[ "$(sql "$A" "SELECT count(*) FROM acts WHERE member != X'$A_ID'")" = 0 ]
}

@test "staff remote: hostile staff client: garbage, a flood and a replayed commit are refused; the node keeps answering" {
	remote_setup
	run -0 "$STAFFPEER" "$LEA" garbage
	echo "$output"
	[[ $output == *"alone: ERROR malformed STAFF message"* ]]
	[[ $output == *"random: ERROR bad request: malformed request"* ]]
	[[ $output == *"oversize: ERROR bad request: request of 65546 bytes"* ]]
	[[ $output == *"whitelist: ERROR bad request: 'federation' is not run for staff"* ]]
	[[ $output == *"home: ERROR bad request: argument 3: --home"* ]]
	[[ $output == *"path: ERROR bad request: argument 3 names a path on the node"* ]]
	[[ $output == *"after: status 0"* ]]
	run -0 "$STAFFPEER" "$LEA" flood 60
	echo "$output"
	[[ $output =~ refused\ [1-9][0-9]*\ \(too\ many\ requests:\ wait\ [0-9]+\ s\) ]]
	sleep 2
	# a commit sent twice: the second is the rule's replay
	TRUCK=$(mutua --home "$B" offer add --kind vehicle --title Camion --unit day --rate 10)
	wait_until 10 sh -c "'$MUTUA' --home '$A' offer list | grep -q Camion"
	run -0 "$STAFFPEER" "$LEA" replay borrow "$TRUCK" --from 2026-03-02 --to 2026-03-03
	echo "$output"
	[[ $output == *"commit: status 0"* ]]
	[[ $output == *"replay: status 1 mutua: "*"(a replay)"* ]]
	[ "$(sql "$A" "SELECT count(*) FROM entries e JOIN acts a ON a.id = e.id")" = 1 ]
	daemon_alive a
	run -0 mutua --home "$LEA" offer list
}

@test "staff remote: a damaged invitation is refused naming what is wrong; an unreachable node says what to check" {
	remote_setup
	run -2 mutua --home "$T/x" staff init --name X --invitation "${INV:0:40}"
	[[ $output == *"cut short"* ]]
	bad=${INV:0:30}$([ "${INV:30:1}" = A ] && echo B || echo A)${INV:31}
	run -2 mutua --home "$T/x" staff init --name X --invitation "$bad"
	[[ $output == *"checksum does not match"* ]]
	run -2 mutua --home "$T/x" staff init --name X --invitation "hello"
	[[ $output == *"no staff invitation"* ]]
	[ ! -e "$T/x" ]
	# a home made without its node says how to name it
	run -0 mutua --home "$T/y" staff init --name Y
	run -1 mutua --home "$T/y" offer list
	[[ $output == *"names no node yet"*"--invitation"* ]]
	# the node stopped: said within a few seconds, with what to check
	stop_daemon a
	start=$(now_ms)
	run -1 mutua --home "$LEA" offer list
	[[ $output == *"does not answer"*"port"*"firewall"* ]]
	[ $(($(now_ms) - start)) -lt 8000 ]
}
