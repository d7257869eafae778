#!/usr/bin/env bats
# names.bats - members and offers named as people type them (issue 15):
# Unicode case folding with accents optional, a unique word-prefix match
# taken, several listed, none answered with "did you mean"; offers named by
# a title word as well as an id prefix; the same rule for peers in
# mutua.conf (ledger/names.c).

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC

setup_file() {
	local T=$BATS_FILE_TMPDIR/template
	mkdir "$T" "$T/user"
	export HOME=$T/user
	unset MUTUA_HOME MUTUA_PASSPHRASE MUTUA_ACTOR
	A=$T/a B=$T/b C=$T/c GENESIS=$T/genesis.txt
	A_ID=$(new_home "$A" "Régie de quartier Nord") || return 1
	B_ID=$(new_home "$B" "Régie de quartier Sud") || return 1
	C_ID=$(new_home "$C" "Épicerie Œcuménique") || return 1
	mutua --home "$B" card >"$T/b.card" && mutua --home "$C" card >"$T/c.card" || return 1
	FED_ID=$(mutua --home "$A" federation create --name "Pôle" --out "$GENESIS" \
		"$T/b.card" "$T/c.card") || return 1
	mutua --home "$B" federation join "$GENESIS" >/dev/null &&
		mutua --home "$C" federation join "$GENESIS" >/dev/null || return 1
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title "Camion 20m3" --unit day \
		--rate 10) || return 1
	VAN=$(mutua --home "$A" offer add --kind vehicle --title "Camionnette frigorifique" \
		--unit day --rate 5) || return 1
	ROOM=$(mutua --home "$C" offer add --kind room --title "Salle des fêtes" --unit hour \
		--rate 2) || return 1
	share "$A" "$B" "$C" && share "$C" "$A" "$B" || return 1
	export TEMPLATE=$T TRUCK VAN ROOM A_ID B_ID C_ID FED_ID
}

setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/mutua-cli.XXXXXX")
	cp -a "$TEMPLATE/." "$T/"
	export HOME=$T/user
	unset MUTUA_HOME MUTUA_PASSPHRASE MUTUA_ACTOR
	A=$T/a B=$T/b C=$T/c GENESIS=$T/genesis.txt
}

@test "a member named in capitals, with or without its accents, is found" {
	run --separate-stderr mutua --home "$B" offer list --member "RÉGIE DE QUARTIER NORD" --json
	[ "$status" -eq 0 ]
	json_lines "$output" 2
	run --separate-stderr mutua --home "$B" offer list --member "regie de quartier nord" --json
	[ "$status" -eq 0 ]
	json_lines "$output" 2
	run --separate-stderr mutua --home "$B" offer list --member "EPICERIE OECUMENIQUE" --json
	[ "$status" -eq 0 ]
	[ "$(json_get "$output" '$.title')" = "Salle des fêtes" ]
}

@test "a unique word prefix names a member; several are listed; none suggests" {
	run --separate-stderr mutua --home "$B" offer list --member "épicerie" --json
	[ "$status" -eq 0 ]
	[ "$(json_get "$output" '$.title')" = "Salle des fêtes" ]
	run --separate-stderr mutua --home "$B" offer list --member "régie nord" --json
	[ "$status" -eq 0 ]
	json_lines "$output" 2
	run --separate-stderr mutua --home "$B" offer list --member "Régie"
	[ "$status" -eq 2 ]
	stderr_has "matches 2 members"
	stderr_has "Régie de quartier Nord"
	stderr_has "Régie de quartier Sud"
	stderr_has "${A_ID:0:12}"
	run --separate-stderr mutua --home "$B" offer list --member "Epicrie"
	[ "$status" -eq 1 ]
	stderr_has "did you mean"
	stderr_has "Épicerie Œcuménique"
	run --separate-stderr mutua --home "$B" offer list --member "Zanzibar"
	[ "$status" -eq 1 ]
	stderr_has "no member named 'Zanzibar'"
	# an id prefix still names a member
	run --separate-stderr mutua --home "$B" offer list --member "${C_ID:0:8}" --json
	[ "$status" -eq 0 ]
	[ "$(json_get "$output" '$.title')" = "Salle des fêtes" ]
}

@test "an offer is named by an unambiguous title word, ambiguity listed with ids" {
	run --separate-stderr mutua --home "$B" borrow salle --from 2026-12-05T08:00 \
		--to 2026-12-05T10:00
	[ "$status" -eq 0 ]
	[ "$(req_get "$B" "$output" resource)" = "$ROOM" ]
	run --separate-stderr mutua --home "$B" borrow "CAMION 20" --from 2026-12-05 \
		--to 2026-12-06
	[ "$status" -eq 0 ]
	[ "$(req_get "$B" "$output" resource)" = "$TRUCK" ]
	run --separate-stderr mutua --home "$B" borrow camion --from 2026-12-07 --to 2026-12-08
	[ "$status" -eq 2 ]
	stderr_has "matches 2 offers"
	stderr_has "${TRUCK:0:12}  Camion 20m3 (Régie de quartier Nord)"
	stderr_has "${VAN:0:12}  Camionnette frigorifique"
	run --separate-stderr mutua --home "$B" offer show frigo --json
	[ "$status" -eq 0 ]
	[ "$(json_get "$output" '$.id')" = "$VAN" ]
	run --separate-stderr mutua --home "$B" offer show camoin
	[ "$status" -eq 2 ]
	stderr_has "did you mean"
	# an id prefix first
	run --separate-stderr mutua --home "$B" offer show "${TRUCK:0:8}" --json
	[ "$status" -eq 0 ]
	[ "$(json_get "$output" '$.id')" = "$TRUCK" ]
}

@test "a misspelt long option is answered with the nearest one" {
	run --separate-stderr mutua --home "$B" borrow salle --from 2026-12-05 --to 2026-12-06 \
		--quantiy 2
	[ "$status" -eq 2 ]
	stderr_has "did you mean '--quantity'?"
}

@test "a misspelt peer name in mutua.conf gets the file, the line and a suggestion" {
	printf '# peers\nlog_level = info\npeer = Régie de quartier Sdu@tcp://127.0.0.1:1\n' \
		>"$A/mutua.conf"
	run --separate-stderr "$BATS_TEST_DIRNAME/../../bin/mutuad" --home "$A"
	[ "$status" -ne 0 ]
	[[ "$output$stderr" == *"$A/mutua.conf:3: peer 'Régie de quartier Sdu@tcp://127.0.0.1:1'"* ]]
	[[ "$output$stderr" == *"did you mean 'Régie de quartier Sud'?"* ]]
	# a unique word prefix is enough there too
	printf 'peer = Sud@tcp://127.0.0.1:1\n' >"$A/mutua.conf"
	run --separate-stderr mutua --home "$A" doctor
	[[ "$output" != *"mutua.conf"* ]]
}

@test "a member who takes another's name (folded) makes it ambiguous everywhere, never a silent pick" {
	mutua --home "$B" profile --name "REGIE DE QUARTIER NORD" >/dev/null
	share "$B" "$C"
	run --separate-stderr mutua --home "$C" offer list --member "Régie de quartier Nord"
	[ "$status" -eq 2 ]
	stderr_has "2 members are named 'Régie de quartier Nord': name one by its id"
	stderr_has "${A_ID:0:12}"
	stderr_has "${B_ID:0:12}"
	# the id still names each one
	run --separate-stderr mutua --home "$C" offer list --member "${A_ID:0:8}" --json
	[ "$status" -eq 0 ]
	json_lines "$output" 2
	# and a peer line by that name is refused, not dialled at random
	printf 'peer = Régie de quartier Nord@tcp://127.0.0.1:1\n' >"$C/mutua.conf"
	run --separate-stderr "$BATS_TEST_DIRNAME/../../bin/mutuad" --home "$C"
	[ "$status" -ne 0 ]
	[[ "$output$stderr" == *"$C/mutua.conf:1: peer 'Régie de quartier Nord@tcp://127.0.0.1:1' matches several members"* ]]
}
