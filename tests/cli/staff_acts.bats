#!/usr/bin/env bats
# staff_acts.bats - entries a staff person signed for a member (issue 17,
# part B1; ledger/staff.h): a hostile member's patched node appends
# entries with forged acts (a key never delegated, a revoked one, a role
# it lacks, a replayed nonce, an act copied onto another payload); each is
# without effect, or refused at decode, on every node (running mutuad
# processes) and after a reindex, and the audit names it. The log, the
# requests and the audit name who acted. A property: two feeds with
# delegations, revocations and acts, delivered in seeded random
# interleavings, give one derived state.

# shellcheck disable=SC2154 # bats sets $output, $stderr

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC
BUNDLETOOL=$BATS_TEST_DIRNAME/../../build/tests/tools/bundletool

bt() {
	"$BUNDLETOOL" "$@"
}

# signed HOME FILE KIND ARGS...: bundletool sign at +0 with BUNDLETOOL_ACT
# as set by the caller; prints the id, fails when HOME rejected it.
signed() {
	local home=$1 file=$2 out
	shift 2
	out=$(bt sign "$home" +0 "$file" "$@" 2>"$file.err") || return 1
	[[ $out != *rejected* ]] || {
		echo "$out" >&2
		return 1
	}
	echo "${out%%$'\n'*}"
}

# what every node must agree on: the acts and their verdicts, the
# delegations, the revocations, the resources
derived() {
	sql "$1" "SELECT 'a', hex(id), hex(key), hex(delegation), nonce, role, verdict
		FROM acts UNION ALL SELECT 'd', hex(id), name, roles, NULL, NULL, NULL
		FROM delegations UNION ALL SELECT 'r', hex(id), hex(delegation), NULL, NULL,
		NULL, NULL FROM revocations UNION ALL SELECT 'o', hex(id), title, status,
		NULL, NULL, NULL FROM resources UNION ALL SELECT 'l', hex(id), state, NULL,
		NULL, NULL, NULL FROM loans ORDER BY 1, 2"
}

head_seq() {
	[ "$(sql "$1" "SELECT coalesce(max(seq), 0) FROM entries WHERE author = X'$2'")" = "$3" ]
}

@test "staff acts: forged acts of a hostile member's node are without effect on every running node, after reindex, and named by the audit" {
	make_nodes 3
	start_node 1 --peer "${EP[2]}" --peer "${EP[3]}"
	start_node 2 --peer "${EP[1]}" --peer "${EP[3]}"
	start_node 3 --peer "${EP[1]}" --peer "${EP[2]}"
	for i in 1 2 3; do wait_log "$i" "appends open"; done
	staff_home "$T/lea" "Léa Martin"
	staff_home "$T/sam" "Sam Petit"
	staff_home "$T/zoe" "Zoé"
	N1=${H[1]}
	LEA=$(mutua --home "$N1" staff add "$T/lea.card" --name "Léa Martin" --role borrow \
		--role lend)
	SAM=$(mutua --home "$N1" staff add "$T/sam.card" --name "Sam Petit" --role borrow)
	# N1's patched node appends what its staff signed, and forgeries:
	# Léa's offer (covered), Zoé under Léa's delegation (another key), Sam
	# offering (a role he lacks), Léa's nonce again (a replay)
	OK=$(BUNDLETOOL_ACT="$T/lea,$LEA,41" signed "$N1" "$T/ok" offer)
	read -r _ nonce sig <"$T/ok.err"
	[ "$nonce" = 41 ]
	ZOE=$(BUNDLETOOL_ACT="$T/zoe,$LEA,42" signed "$N1" "$T/zoe-act" offer)
	ROLE=$(BUNDLETOOL_ACT="$T/sam,$SAM,43" signed "$N1" "$T/role" offer)
	REPLAY=$(BUNDLETOOL_ACT="$T/lea,$LEA,41" signed "$N1" "$T/replay" offer 10)
	# Sam revoked, then his act under the revoked delegation
	mutua --home "$N1" staff revoke "$SAM" >/dev/null
	from=$(($(now_ms) + 86400000))
	REVOKED=$(BUNDLETOOL_ACT="$T/sam,$SAM,44" signed "$N1" "$T/revoked" request "$OK" \
		"$from" $((from + 3600000)))
	# Léa's act copied onto another payload: refused at decode, on N1 and
	# by every node it is handed to
	run -0 --separate-stderr env BUNDLETOOL_ACT="$T/lea,$LEA,41,$sig" \
		"$BUNDLETOOL" sign "$N1" +0 "$T/copied" offer 20
	[[ $output == *"rejected: bad staff signature"* ]]
	# a broken signature, and an act signed over another payload
	run -0 --separate-stderr env BUNDLETOOL_ACT="$T/lea,$LEA,45,bad" \
		"$BUNDLETOOL" sign "$N1" +0 "$T/broken" offer
	[[ $output == *"rejected: bad staff signature"* ]]
	run -0 --separate-stderr env BUNDLETOOL_ACT="$T/lea,$LEA,46,other" \
		"$BUNDLETOOL" sign "$N1" +0 "$T/other" offer
	[[ $output == *"rejected: bad staff signature"* ]]
	for i in 2 3; do
		run -0 "$BUNDLETOOL" receive "${H[i]}" "$T/copied" "$T/broken" "$T/other"
		[ "$(grep -c '^rejected: bad staff signature' <<<"$output")" = 3 ]
	done
	n=$(sql "$N1" "SELECT max(seq) FROM entries WHERE author = X'${ID[1]}'")
	# every node: one offer taken, four acts without effect
	for i in 1 2 3; do
		wait_until 20 head_seq "${H[i]}" "${ID[1]}" "$n"
	done
	want=$(derived "$N1")
	for i in 1 2 3; do
		[ "$(sql "${H[i]}" "SELECT count(*) FROM resources")" = 1 ]
		[ "$(sql "${H[i]}" "SELECT lower(hex(id)) FROM resources")" = "$OK" ]
		[ "$(derived "${H[i]}")" = "$want" ]
	done
	run -0 sql "${H[2]}" "SELECT verdict FROM acts WHERE verdict IS NOT NULL ORDER BY seq"
	[ "${lines[0]}" = "the delegation names another key" ]
	[ "${lines[1]}" = "the delegation does not grant the role lend" ]
	[ "${lines[2]}" = "this key used this nonce before for this member (a replay)" ]
	[[ ${lines[3]} == "the delegation was revoked (at place "*" of the member's feed)" ]]
	# the same after a reindex
	mutua --home "${H[3]}" reindex 2>/dev/null
	[ "$(derived "${H[3]}")" = "$want" ]
	# who acted: the log names Léa for her offer, no one for the member's
	run -0 mutua --home "${H[2]}" log --member N1
	[[ $output == *"BY"* ]]
	[[ $output == *offer*"Léa Martin ("* ]]
	run -0 mutua --json --home "${H[2]}" log --member N1
	by=$(grep "$OK" <<<"$output")
	[ "$(json_get "$by" '$.by.name')" = "Léa Martin" ]
	[ "$(json_get "$by" '$.by.in_force')" = 1 ]
	line=$(grep '"type":"delegation"' <<<"$output" | head -1)
	[ -z "$(json_get "$line" '$.by')" ]
	# the audit names each act without effect and counts each person's
	mutua --home "${H[3]}" export --out "$T/n3.bundle" 2>/dev/null
	run -1 mutua --home "${H[3]}" audit "$T/n3.bundle" --genesis "$GENESIS"
	[[ $output == *"audit FAILED: 4 violation(s)"* ]]
	[[ $output == *"offer signed by staff key"*"without effect: the delegation names another key"* ]]
	[[ $output == *"without effect: the delegation does not grant the role lend"* ]]
	[[ $output == *"without effect: this key used this nonce before for this member (a replay)"* ]]
	[[ $output == *"request signed by staff key"*"without effect: the delegation was revoked"* ]]
	[[ $output == *"entries signed by staff"*"N1"*"Léa Martin (key "*"): 2 entries, 1 without effect"* ]]
	[[ $output == *"Sam Petit (key "*"): 2 entries, 2 without effect"* ]]
	[[ $output == *"? (key "*"): 1 entry, 1 without effect"* ]]
	run -1 mutua --json --home "${H[3]}" audit "$T/n3.bundle" --genesis "$GENESIS"
	# one line a violation, then the summary
	sum=${lines[${#lines[@]} - 1]}
	[ "$(json_get "${lines[0]}" '$.rule')" = staff ]
	[ "$(json_get "$sum" '$.staff_acts[0].name')" = "Léa Martin" ]
	[ "$(json_get "$sum" '$.staff_acts[0].entries')" = 2 ]
	[ "$(json_get "$sum" '$.staff_acts[0].ignored')" = 1 ]
	# the independent verifier checks every act's signature in the bundle
	run -0 python3 "$BATS_TEST_DIRNAME/../tools/verify-bundle.py" "$T/n3.bundle" "$GENESIS"
	stop_daemons
}

@test "staff acts: a loan acted by staff on both sides names them in requests, requests show, the report and export-csv" {
	make_federation 3
	staff_home "$T/lea" "Léa Martin"
	staff_home "$T/sam" "Sam Petit"
	LEA=$(mutua --home "$A" staff add "$T/lea.card" --name "Léa Martin" --role lend)
	SAM=$(mutua --home "$B" staff add "$T/sam.card" --name "Sam Petit" --role borrow)
	TRUCK=$(BUNDLETOOL_ACT="$T/lea,$LEA" signed "$A" "$T/offer" offer)
	share "$A" "$B"
	from=$(($(now_ms) + 86400000))
	REQ=$(BUNDLETOOL_ACT="$T/sam,$SAM" signed "$B" "$T/req" request "$TRUCK" "$from" \
		$((from + 86400000)))
	share "$B" "$A"
	BUNDLETOOL_ACT="$T/lea,$LEA" run -0 "$BUNDLETOOL" step "$A" accept "$REQ"
	share_all
	[ "$(sql "$C" "SELECT state FROM loans WHERE id = X'$REQ'")" = accepted ]
	run -0 mutua --home "$A" requests
	[[ $output == *"by Sam Petit ("* ]]
	[[ $output == *"Léa Martin ("* ]]
	run -0 mutua --json --home "$B" requests
	[ "$(json_get "$output" '$.by.name')" = "Sam Petit" ]
	run -0 mutua --home "$B" requests show "$REQ"
	[[ $output == *"by "*"Sam Petit ("* ]]
	[[ $output == *accept*"Léa Martin ("* ]]
	run -0 mutua --json --home "$B" requests show "$REQ"
	[ "$(json_get "$output" '$.by.name')" = "Sam Petit" ]
	[ "$(json_get "$output" '$.steps[1].by_staff.name')" = "Léa Martin" ]
	[ "$(json_get "$output" '$.steps[0].by_staff.name')" = "Sam Petit" ]
	# the member's own steps name no one
	mutua --home "$B" handover "$REQ" >/dev/null
	share "$B" "$A"
	run -0 mutua --json --home "$B" requests show "$REQ"
	[ -z "$(json_get "$output" '$.steps[2].by_staff')" ]
	run -0 mutua --home "$A" report --html --out "$T/r.html" --from "$(date -u +%F)" \
		--to "$(date -u -d '+5 days' +%F)"
	grep -q "Sam Petit (" "$T/r.html"
	mutua --home "$B" return "$REQ" >/dev/null && share "$B" "$A"
	mutua --home "$A" close "$REQ" >/dev/null && share "$A" "$B"
	run -0 mutua --home "$A" export-csv --out "$T/l.csv" --no-excel
	head -1 "$T/l.csv" | grep -q ',by'
	grep -q "Sam Petit (.*), Léa Martin (\|Léa Martin (.*), Sam Petit (" "$T/l.csv"
}

@test "staff acts: two feeds of delegations, revocations and acts give one derived state in every seeded arrival order" {
	make_federation 3
	staff_home "$T/lea" "Léa Martin"
	staff_home "$T/sam" "Sam Petit"
	share_all # C holds what A and B signed before
	local a=() b=() f
	# A: delegates Léa and Sam; Léa offers (taken), Sam offers (no lend),
	# A revokes Léa, who offers again (revoked) and replays her nonce
	D1=$(signed "$A" "$T/a1" delegate "$T/lea.card" Léa 1,2) && a+=("$T/a1")
	D2=$(signed "$A" "$T/a2" delegate "$T/sam.card" Sam 1) && a+=("$T/a2")
	TRUCK=$(BUNDLETOOL_ACT="$T/lea,$D1,5" signed "$A" "$T/a3" offer) && a+=("$T/a3")
	BUNDLETOOL_ACT="$T/sam,$D2,6" signed "$A" "$T/a4" offer >/dev/null && a+=("$T/a4")
	signed "$A" "$T/a5" revoke "$D1" >/dev/null && a+=("$T/a5")
	BUNDLETOOL_ACT="$T/lea,$D1,7" signed "$A" "$T/a6" offer >/dev/null && a+=("$T/a6")
	BUNDLETOOL_ACT="$T/lea,$D1,5" signed "$A" "$T/a7" offer 3 >/dev/null && a+=("$T/a7")
	# B: delegates Léa to borrow; she asks for A's truck (taken), offers
	# under A's delegation (not B's), B revokes her, she asks again
	from=$(($(now_ms) + 86400000))
	D3=$(signed "$B" "$T/b1" delegate "$T/lea.card" Léa 1) && b+=("$T/b1")
	BUNDLETOOL_ACT="$T/lea,$D3,5" signed "$B" "$T/b2" request "$TRUCK" "$from" \
		$((from + 3600000)) >/dev/null && b+=("$T/b2")
	BUNDLETOOL_ACT="$T/lea,$D1,8" signed "$B" "$T/b3" offer >/dev/null && b+=("$T/b3")
	signed "$B" "$T/b4" revoke "$D3" >/dev/null && b+=("$T/b4")
	BUNDLETOOL_ACT="$T/lea,$D3,9" signed "$B" "$T/b5" request "$TRUCK" \
		$((from + 7200000)) $((from + 9000000)) >/dev/null && b+=("$T/b5")
	# the reference: C takes A's feed, then B's
	cp -a "$C" "$T/ref"
	run -0 "$BUNDLETOOL" receive "$T/ref" "${a[@]}" "${b[@]}"
	[[ $output != *rejected* ]]
	want=$(derived "$T/ref")
	[ "$(sql "$T/ref" "SELECT count(*) FROM acts WHERE verdict IS NULL")" = 2 ]
	[ "$(sql "$T/ref" "SELECT count(*) FROM acts")" = 7 ]
	[ "$(sql "$T/ref" "SELECT count(*) FROM loans")" = 1 ]
	seed=${STAFF_SEED:-$RANDOM}
	echo "# staff arrival orders: seed $seed" >&3
	RANDOM=$seed
	for round in 1 2 3 4 5; do
		cp -a "$C" "$T/c$round"
		local i=0 j=0 order=()
		while ((i < ${#a[@]} || j < ${#b[@]})); do
			if ((j >= ${#b[@]} || (i < ${#a[@]} && RANDOM % 2))); then
				order+=("${a[i]}") && i=$((i + 1))
			else
				order+=("${b[j]}") && j=$((j + 1))
			fi
		done
		for f in "${order[@]}"; do
			bt receive "$T/c$round" "$f" >/dev/null
		done
		got=$(derived "$T/c$round")
		[ "$got" = "$want" ] || {
			echo "seed $seed round $round: ${order[*]##*/}" >&2
			diff <(echo "$want") <(echo "$got") >&2
			false
		}
	done
	mutua --home "$T/c1" reindex 2>/dev/null
	[ "$(derived "$T/c1")" = "$want" ]
}
