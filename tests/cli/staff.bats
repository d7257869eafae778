#!/usr/bin/env bats
# staff.bats - the people who act for a member (issue 17, part A): the
# member names a staff person's card with roles (mutua staff add), lists
# and revokes them; a hostile member's signed revocation of another's
# delegation, or a malformed delegation, is without effect or refused on
# every home and named by the audit (ledger/staff.c).

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC
BUNDLETOOL=$BATS_TEST_DIRNAME/../../build/tests/tools/bundletool

setup_file() {
	template_federation 3 || return 1
	# a staff person's own home: a key pair and its card, nothing more
	staff_home "$T/lea" "Léa Martin" && staff_home "$T/sam" "Sam" || return 1
}

homes() {
	from_template lea.card sam.card
}

@test "staff: add with roles and until, list, revoke by name; log and audit show them" {
	homes
	run -0 mutua --home "$A" staff add "$T/lea.card" --name "Léa Martin" --role lend \
		--role borrow --until 2027-06-30
	is_id "$output"
	LEA=$output
	run -0 mutua --home "$A" staff add "$T/sam.card" --name "Sam Petit" --role admin
	run -0 mutua --home "$A" staff list
	[[ ${lines[0]} == NAME* ]]
	[[ $output == *"Léa Martin"*"borrow,lend"*"2027-07-01"* ]]
	[[ $output == *"Sam Petit"*admin* ]]
	run -0 mutua --json --home "$A" staff list
	json_lines "$output" 2
	[ "$(json_get "${lines[0]}" '$.roles')" = borrow,lend ]
	[ "$(json_get "${lines[0]}" '$.id')" = "$LEA" ]
	[ "$(json_get "${lines[0]}" '$.since')" = 2 ]
	# names resolve as members' do: accents and case optional, a word prefix
	run -0 mutua --home "$A" staff revoke "lea" --reason "a quitté l'association"
	[[ $output == "delegation ${LEA:0:12} revoked" ]]
	run -0 mutua --json --home "$A" staff list
	json_lines "$output" 1
	run -0 mutua --json --home "$A" staff list --all
	json_lines "$output" 2
	[ "$(json_get "${lines[0]}" '$.revoked')" = 4 ]
	[ "$(json_get "${lines[0]}" '$.reason')" = "a quitté l'association" ]
	run -1 --separate-stderr mutua --home "$A" staff revoke "$LEA"
	[[ $stderr == *"no delegation in force named '$LEA'"* ]]
	run -0 mutua --home "$A" log --limit 3
	[[ $output == *revocation*"${LEA:0:12}: a quitté l'association"* ]]
	[[ $output == *delegation*"Sam Petit (admin)"* ]]
	# every home holds the same; the audit lists them under their member
	share_all
	run -0 mutua --json --home "$C" staff list
	json_lines "$output" 0 # C's own: none
	mutua --home "$C" export --out "$T/c.bundle" 2>/dev/null
	run -0 mutua --home "$C" audit "$T/c.bundle" --genesis "$GENESIS"
	[[ $output == *"delegations to staff"*"Alpha"*"Léa Martin: borrow,lend"*"revoked at seq 4"* ]]
	[[ $output == *"Sam Petit: admin"* ]]
	run -0 mutua --json --home "$C" audit "$T/c.bundle" --genesis "$GENESIS"
	[ "$(json_get "$output" '$.delegations[1].name')" = "Sam Petit" ]
	[ "$(json_get "$output" '$.ok')" = 1 ]
	# a key in force is not named twice; once revoked it may be again
	run -1 --separate-stderr mutua --home "$A" staff add "$T/sam.card" --name Sam --role lend
	[[ $stderr == *"already delegated to 'Sam Petit': revoke that delegation first"* ]]
	run -0 mutua --home "$A" staff add "$T/lea.card" --name "Léa Martin" --role admin
}

@test "staff: bad input is refused with a one-line reason and the right exit code" {
	homes
	run -2 --separate-stderr mutua --home "$A" staff add "$T/lea.card" --name Léa \
		--role borrow --role borrow
	[[ $stderr == *"the role borrow is given twice"* ]]
	run -2 --separate-stderr mutua --home "$A" staff add "$T/lea.card" --name Léa --role boss
	[[ $stderr == *"unknown role 'boss' (borrow, lend, admin)"* ]]
	run -2 --separate-stderr mutua --home "$A" staff add "$T/lea.card" --name Léa
	[[ $stderr == *"missing --role"* ]]
	run -2 --separate-stderr mutua --home "$A" staff add "$T/lea.card" --role lend
	[[ $stderr == *"missing --name"* ]]
	run -2 --separate-stderr mutua --home "$A" staff add "$T/lea.card" --name Léa --role lend \
		--until 2300-01-01
	[[ $stderr == *"--until '2300-01-01' is no date"* ]]
	# a damaged card, the member's own card, another file
	# (a character inside the base64, always changed: the last one may be
	# padding, or already the letter put there)
	awk '{ c = substr($0, 30, 1); print substr($0, 1, 29) (c == "A" ? "B" : "A") substr($0, 31) }' \
		"$T/lea.card" >"$T/bad.card"
	run -1 cmp -s "$T/lea.card" "$T/bad.card"
	run -1 --separate-stderr mutua --home "$A" staff add "$T/bad.card" --name Léa --role lend
	[[ $stderr == *card* ]]
	mutua --home "$A" card >"$T/own.card"
	run -1 --separate-stderr mutua --home "$A" staff add "$T/own.card" --name Me --role lend
	[[ $stderr == *"this card is a member's"* ]]
	run -1 --separate-stderr mutua --home "$A" staff add "$T/none.card" --name Léa --role lend
	# another member's card
	mutua --home "$B" card >"$T/b.card"
	run -1 --separate-stderr mutua --home "$A" staff add "$T/b.card" --name Beta --role lend
	[[ $stderr == *"this card is a member's"* ]]
	run -2 mutua --home "$A" staff fire Léa
	run -0 mutua --json --home "$A" staff list --all
	[ -z "$output" ]
}

@test "staff: a hostile member's revocation of another's delegation, or of none, is without effect on every home and named by the audit" {
	homes
	LEA=$(mutua --home "$A" staff add "$T/lea.card" --name "Léa Martin" --role borrow)
	share_all
	# B's own node refuses to revoke A's delegation: it is not B's
	run -1 --separate-stderr mutua --home "$B" staff revoke "$LEA"
	# B's patched node signs it, and a revocation of an id that names nothing
	run -0 "$BUNDLETOOL" sign "$B" +0 "$T/forged-revoke" revoke "$LEA" "hostile"
	run -0 "$BUNDLETOOL" sign "$B" +0 "$T/forged-none" revoke "$(printf '%064d' 7)"
	for h in "$A" "$C"; do
		run -0 "$BUNDLETOOL" receive "$h" "$T/forged-revoke" "$T/forged-none"
		[ "$output" = "$(printf 'added\nadded')" ]
	done
	for h in "$A" "$B" "$C"; do
		run -0 sqlite3 "$h/store.db" "SELECT count(*) FROM delegations"
		[ "$output" = 1 ]
	done
	run -0 mutua --json --home "$A" staff list
	json_lines "$output" 1
	[ -z "$(json_get "$output" '$.revoked')" ]
	mutua --home "$C" export --out "$T/c.bundle" 2>/dev/null
	run -1 --separate-stderr mutua --home "$C" audit "$T/c.bundle" --genesis "$GENESIS"
	[[ $output == *"audit FAILED: 2 violation(s)"* ]]
	[[ $output == *"revocation of ${LEA:0:12} ignored: no such delegation of this member"* ]]
	[[ $output == *"revocation of 000000000000 ignored: no such delegation of this member"* ]]
	[[ $output != *"revoked at seq"* ]]
	# the same after a reindex
	mutua --home "$A" reindex 2>/dev/null
	run -0 mutua --json --home "$A" staff list
	json_lines "$output" 1
}

@test "staff: malformed delegations a patched node signs are refused at decode on every home" {
	homes
	ms() { echo $(($(date -u -d "$1" +%s) * 1000)); }
	local i=0
	# duplicate roles, unsorted roles, an unknown role, an until out of
	# range, a card whose self-signature is wrong
	for args in "1,1 0" "2,1 0" "4 0" "1 1000" "1 $(ms 2201-01-01)" "1 0 badsig"; do
		i=$((i + 1))
		cp -a "$TEMPLATE/b" "$T/b$i"
		# shellcheck disable=SC2086
		run "$BUNDLETOOL" sign "$T/b$i" +0 "$T/bad$i" delegate "$T/lea.card" Léa $args
		[[ $output == *"rejected: "* ]]
		for h in "$A" "$C"; do
			run "$BUNDLETOOL" receive "$h" "$T/bad$i"
			[[ $output == "rejected: "* ]]
		done
	done
	run "$BUNDLETOOL" receive "$A" "$T/bad1"
	[[ $output == *"roles must be sorted, each once"* ]]
	run "$BUNDLETOOL" receive "$A" "$T/bad3"
	[[ $output == *"role 4 unknown"* ]]
	run "$BUNDLETOOL" receive "$A" "$T/bad4"
	[[ $output == *"until out of range"* ]]
	run "$BUNDLETOOL" receive "$A" "$T/bad6"
	[[ $output == *card* ]]
	for h in "$A" "$C"; do
		run -0 sqlite3 "$h/store.db" "SELECT count(*) FROM delegations"
		[ "$output" = 0 ]
	done
}
