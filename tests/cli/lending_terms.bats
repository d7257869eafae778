#!/usr/bin/env bats
# lending_terms.bats - conditions and deposits, estimates, condition
# reports and photos, the catalogue's search (issue 16). Three homes, A
# (Alpha) the owner of a van with terms, B (Beta) and C (Gamma)
# borrowers; entries travel by copy_entries (no daemon), hostile entries
# by bundletool.

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC

setup_file() {
	local T=$BATS_FILE_TMPDIR/template
	mkdir "$T" "$T/user"
	export HOME=$T/user
	unset MUTUA_HOME MUTUA_PASSPHRASE MUTUA_ACTOR
	make_federation_limit 500 || return 1
	VAN=$(mutua --home "$A" offer add --kind vehicle --title "Fourgon frigorifique" --unit day \
		--rate 50 --location "Orléans, quai du Roi" --description "Véhicule réfrigéré 12 m3" \
		--conditions "Plein au retour. Pas d'animaux." --requires licence:B \
		--requires insurance --deposit 200) || return 1
	share "$A" "$B" "$C" || return 1
	export TEMPLATE=$T VAN A_ID B_ID C_ID FED_ID
}

van_federation() {
	cp -a "$TEMPLATE/a" "$TEMPLATE/b" "$TEMPLATE/c" "$T/" || return 1
	A=$T/a B=$T/b C=$T/c
}

# borrow_as HOME ARGS...: borrows, prints the request id, sends it to A.
borrow_as() {
	local h=$1 id
	shift
	id=$(mutua --home "$h" borrow "$@") || return 1
	share "$h" "$A" >/dev/null || return 1
	echo "$id"
}

# --- conditions and deposits --------------------------------------------------

@test "offer terms: add stores conditions, requirements and deposit; show and --json list them" {
	van_federation
	run -0 mutua --json --home "$B" offer show "${VAN:0:12}"
	[ "$(json_get "$output" '$.conditions')" = "Plein au retour. Pas d'animaux." ]
	[ "$(json_get "$output" '$.requires')" = "insurance,licence:B" ]
	[ "$(json_get "$output" '$.deposit')" = "200.0" ]
	# update keeps what it does not name, replaces the list it names
	run -0 mutua --home "$A" offer update "${VAN:0:12}" --requires licence:C1
	run -0 mutua --json --home "$A" offer show "${VAN:0:12}"
	[ "$(json_get "$output" '$.requires')" = "licence:C1" ]
	[ "$(json_get "$output" '$.deposit')" = "200.0" ]
	run -0 mutua --home "$A" offer update "${VAN:0:12}" --no-requires --deposit 0 --conditions ""
	run -0 mutua --json --home "$A" offer show "${VAN:0:12}"
	[ "$(json_get "$output" '$.requires')" = "" ]
	[ "$(json_get "$output" '$.deposit')" = "0.0" ]
	[ "$(json_get "$output" '$.conditions')" = "" ]
	# a requirement that is none is a usage error
	run -2 --separate-stderr mutua --home "$A" offer update "${VAN:0:12}" --requires licence:b
	stderr_has "no requirement"
	run -2 mutua --home "$A" offer update "${VAN:0:12}" --requires permis
}

@test "borrow: an offer with terms needs --confirm; a partial list is refused as the owner's accept would be" {
	van_federation
	run -1 --separate-stderr mutua --home "$B" borrow "${VAN:0:12}" --from 2026-12-05 --to 2026-12-06
	echo "$stderr"
	[[ $stderr == *"has terms to confirm"*"Plein au retour"*"requires insurance,licence:B"*"deposit 200)"*"--confirm"* ]]
	run -1 --separate-stderr mutua --home "$B" borrow "${VAN:0:12}" --from 2026-12-05 --to 2026-12-06 \
		--confirm=licence:B
	[[ $stderr == *"does not confirm the offer's requirement insurance"* ]]
	[ "$(feed_len "$B" "$B_ID")" -eq 1 ]
	run -2 mutua --home "$B" borrow "${VAN:0:12}" --from 2026-12-05 --to 2026-12-06 --confirm=permis
	R=$(borrow_as "$B" "${VAN:0:12}" --from 2026-12-05 --to 2026-12-06 --confirm=licence:B,insurance)
	is_id "$R"
	run -0 mutua --json --home "$A" requests show "${R:0:12}"
	[ "$(json_get "$output" '$.requires')" = "insurance,licence:B" ]
	[ "$(json_get "$output" '$.deposit')" = "200.0" ]
	# two days (the 6th is a whole day) at 50 and the deposit: what the
	# credit limit holds back
	[ "$(json_get "$output" '$.reserve')" = "300.0" ]
	[ "$(json_get "$output" '$.conditions')" = "confirmed" ]
	run -0 mutua --home "$A" accept "${R:0:12}"
}

BT=$BATS_TEST_DIRNAME/../../build/tests/tools/bundletool

@test "the deposit is held against the credit limit from accept to close, then released" {
	van_federation
	# 2 days at 50 and 200 of deposit: 300 held; the limit is 500
	R1=$(borrow_as "$B" "${VAN:0:12}" --from 2026-12-05 --to 2026-12-06 --confirm)
	R2=$(borrow_as "$B" "${VAN:0:12}" --from 2026-12-10 --to 2026-12-11 --confirm)
	run -0 mutua --home "$A" accept "$R1"
	run -1 --separate-stderr mutua --home "$A" accept "$R2"
	stderr_has "credit limit: the borrower's balance would reach -600, below -500"
	# settled: the usage is paid, the deposit given back
	mutua --home "$A" handover "$R1" >/dev/null
	share "$A" "$B"
	mutua --home "$B" return "$R1" >/dev/null
	share "$B" "$A"
	mutua --home "$A" close "$R1" >/dev/null
	[ "$(req_get "$A" "$R1" credits)" = "100.0" ]
	run -0 mutua --home "$A" accept "$R2"
}

@test "a deposit forfeit: the owner's close claims it, the borrower agrees or disputes; moved only on both signatures" {
	van_federation
	R=$(borrow_as "$B" "${VAN:0:12}" --from 2026-12-05 --to 2026-12-05 --confirm)
	mutua --home "$A" accept "$R" >/dev/null
	mutua --home "$A" handover "$R" >/dev/null
	share "$A" "$B"
	# a forfeit before the return is refused, and one above the deposit
	run -1 --separate-stderr mutua --home "$A" close "$R" --forfeit 40
	stderr_has "after the borrower's return only"
	mutua --home "$B" return "$R" --damage "rayure porte arrière" >/dev/null
	share "$B" "$A"
	run -1 --separate-stderr mutua --home "$A" close "$R" --forfeit 250
	stderr_has "the forfeit exceeds the request's deposit"
	run -0 mutua --home "$A" close "$R" --forfeit 40 --damage "porte arrière rayée"
	[ "$output" = "$R claimed" ]
	share "$A" "$B"
	[ "$(req_get "$B" "$R" state)" = claimed ]
	run -0 mutua --json --home "$B" requests show "${R:0:12}"
	[ "$(json_get "$output" '$.forfeit')" = "40.0" ]
	# nothing moved yet; the borrower's agreement moves the usage and the forfeit
	[ "$(req_get "$B" "$R" credits)" = "" ]
	mutua --home "$B" agree "$R" >/dev/null
	share "$B" "$A"
	[ "$(req_get "$A" "$R" credits)" = "90.0" ]
	run -0 mutua --json --home "$A" balance --member Beta
	[ "$(json_get "$output" '$.balance')" = "-90.0" ]
	[ "$(balance_sum "$A")" = 0 ]
	# the audit replays the same rules and counts the deposits
	R2=$(borrow_as "$B" "${VAN:0:12}" --from 2026-12-09 --to 2026-12-09 --confirm)
	mutua --home "$A" accept "$R2" >/dev/null
	run -0 --separate-stderr mutua --json --home "$A" audit
	[ "$(json_get "$(head -1 <<<"$output")" '$.deposits_held')" = "200.0" ]
	[ "$(json_get "$(head -1 <<<"$output")" '$.deposits_forfeited')" = "40.0" ]
	run -0 --separate-stderr mutua --home "$A" audit
	[[ $output == *"deposits held 200, forfeited 40"* ]]
}

@test "a disputed forfeit: the owner concedes by a close without it, or the members settle it" {
	van_federation
	for i in 1 2; do
		R=$(borrow_as "$B" "${VAN:0:12}" --from 2026-12-0$((4 + i)) --to 2026-12-0$((4 + i)) --confirm)
		mutua --home "$A" accept "$R" >/dev/null
		mutua --home "$A" handover "$R" >/dev/null
		share "$A" "$B"
		mutua --home "$B" return "$R" >/dev/null
		share "$B" "$A"
		mutua --home "$A" close "$R" --forfeit 100 >/dev/null
		share "$A" "$B"
		mutua --home "$B" dispute "$R" --reason "la rayure y était" >/dev/null
		share "$B" "$A"
		eval "R$i=$R"
	done
	# the owner concedes: closed at the borrower's figure, no forfeit
	run -1 --separate-stderr mutua --home "$A" close "$R1" --forfeit 50
	run -0 mutua --home "$A" close "$R1"
	[ "$(req_get "$A" "$R1" credits)" = "50.0" ]
	# the members settle the other at the usage and half the forfeit
	P=$(mutua --home "$A" propose settle "$R2" 1 --forfeit 50 --reason "partage")
	share_all
	for h in "$A" "$B" "$C"; do mutua --home "$h" vote "$P" yes >/dev/null; done
	share_all
	mutua --home "$A" tally "$P" >/dev/null
	share_all
	for h in "$A" "$B"; do
		[ "$(req_get "$h" "$R2" state)" = closed ]
		[ "$(req_get "$h" "$R2" credits)" = "100.0" ]
	done
}

@test "hostile: a borrower's request that omits the requirements is refused by the owner's node; a patched owner's accept is ignored everywhere and named by the audit" {
	van_federation
	"$BT" sign "$B" +0 "$T/req.rec" request "$VAN" 1796428800000 1796515200000 licence:B >"$T/id"
	R=$(head -1 "$T/id")
	share "$B" "$A" "$C"
	state_is "$A" "$R" requested
	run -1 --separate-stderr mutua --home "$A" accept "$R"
	stderr_has "cannot accept: the request does not confirm the offer's requirement insurance"
	run -0 mutua --json --home "$A" requests
	[[ $output == *"does not confirm the offer's requirement insurance"* ]]
	n=$(feed_len "$A" "$A_ID")
	"$BT" step "$A" accept "$R" >/dev/null
	share "$A" "$B" "$C"
	for h in "$A" "$B"; do state_is "$h" "$R" requested; done
	run -1 --separate-stderr mutua --home "$C" audit
	[[ $output == *"feed Alpha (${A_ID:0:12}) seq $((n + 1)): lending: accept of request ${R:0:12} ignored: the request does not confirm the offer's requirement insurance"* ]]
	mutua --home "$B" reindex 2>/dev/null
	state_is "$B" "$R" requested
}

@test "an owner's update after a request: the accept judges the terms at its place in the owner's feed" {
	van_federation
	R=$(borrow_as "$B" "${VAN:0:12}" --from 2026-12-05 --to 2026-12-05 --confirm)
	mutua --home "$A" offer update "${VAN:0:12}" --deposit 300 >/dev/null
	run -1 --separate-stderr mutua --home "$A" accept "$R"
	stderr_has "does not confirm the offer's deposit of 300"
	# back to the terms the borrower confirmed: the accept stands, on every node
	mutua --home "$A" offer update "${VAN:0:12}" --deposit 200 >/dev/null
	run -0 mutua --home "$A" accept "$R"
	mutua --home "$A" offer update "${VAN:0:12}" --requires licence:C >/dev/null
	share "$A" "$B" "$C"
	for h in "$A" "$B"; do state_is "$h" "$R" accepted; done
}

@test "estimates: km and m3 need --estimate (2); an accepted km loan counts at its estimate toward the credit limit" {
	van_federation
	KM=$(mutua --home "$A" offer add --kind vehicle --title Camion --unit km --rate 2)
	share "$A" "$B"
	run -2 --separate-stderr mutua --home "$B" borrow "${KM:0:12}" --from 2026-12-05 --to 2026-12-05
	stderr_has "--estimate is needed: 'Camion' is counted in km"
	run -2 mutua --home "$B" borrow "${KM:0:12}" --from 2026-12-05 --to 2026-12-05 --estimate abc
	R1=$(borrow_as "$B" "${KM:0:12}" --from 2026-12-05 --to 2026-12-05 --estimate 200)
	R2=$(borrow_as "$B" "${KM:0:12}" --from 2026-12-06 --to 2026-12-06 --estimate 60)
	run -0 mutua --json --home "$A" requests show "${R1:0:12}"
	[ "$(json_get "$output" '$.estimate')" = "200.0" ]
	[ "$(json_get "$output" '$.reserve')" = "400.0" ]
	run -0 mutua --home "$A" accept "$R1"
	# 400 held, 120 more would pass the limit of 500
	run -1 --separate-stderr mutua --home "$A" accept "$R2"
	stderr_has "credit limit: the borrower's balance would reach -520, below -500"
	# a patched borrower's request with no estimate: no owner's accept takes
	"$BT" sign "$B" +0 "$T/req.rec" request "$KM" 1796428800000 1796515200000 >"$T/id"
	R3=$(head -1 "$T/id")
	share "$B" "$A"
	run -1 --separate-stderr mutua --home "$A" accept "$R3"
	stderr_has "the request states no estimate"
}

@test "a deposit past the credit limit: the request's conflict says so, the accept is refused" {
	van_federation
	SONO=$(mutua --home "$A" offer add --kind equipment --title Sono --unit day --rate 10 \
		--deposit 600)
	share "$A" "$B"
	R=$(borrow_as "$B" "${SONO:0:12}" --from 2026-12-05 --to 2026-12-05 --confirm)
	[[ $(req_get "$A" "$R" conflict) == "credit limit: the borrower's balance would reach -610, below -500" ]]
	run -1 mutua --home "$A" accept "$R"
}

# --- condition reports and photos ------------------------------------------

@test "condition reports: handover and return record meter, fuel, damage and photo hashes; show, log and verify-photo read them" {
	van_federation
	printf 'front of the van\n' >"$T/front.jpg"
	printf 'rear door, scratched\n' >"$T/rear.jpg"
	printf 'another picture\n' >"$T/other.jpg"
	R=$(borrow_as "$B" "${VAN:0:12}" --from 2026-12-05 --to 2026-12-05 --confirm)
	mutua --home "$A" accept "$R" >/dev/null
	run -0 mutua --home "$A" handover "$R" --meter 48210 --fuel full --photo "$T/front.jpg"
	share "$A" "$B"
	run -2 --separate-stderr mutua --home "$B" return "$R" --fuel half
	stderr_has "no fuel level"
	run -2 --separate-stderr mutua --home "$B" return "$R" --fuel 120%
	run -2 --separate-stderr mutua --home "$B" return "$R" --photo "$T/missing.jpg"
	run -2 mutua --home "$B" agree "$R" --meter 3
	run -0 mutua --home "$B" return "$R" --meter 48390 --fuel 3/4 --damage "porte arrière rayée" \
		--photo "$T/rear.jpg" --photo "$T/front.jpg"
	share "$B" "$A"
	run -0 --separate-stderr mutua --json --home "$A" requests show "${R:0:12}"
	[ "$(sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.step') || ':' ||
		coalesce(json_extract(value, '\$.meter'), '') || ':' ||
		coalesce(json_extract(value, '\$.fuel'), '') || ':' ||
		coalesce(json_extract(value, '\$.damage'), '') || ':' ||
		json_array_length(json_extract(value, '\$.photos')), ' ')
		FROM json_each(json_extract($(sql_quote "$output"), '\$.steps'))")" = \
		"request::::0 accept::::0 handover:48210:100::1 return:48390:75:porte arrière rayée:2" ]
	run -0 mutua --home "$A" requests show "${R:0:12}"
	[[ $output == *"handover"*"meter 48210, fuel 100%, 1 photo(s)"* ]]
	[[ $output == *"return"*"meter 48390, fuel 75%, damage: porte arrière ra"* ]]
	run -0 mutua --home "$B" log --member Beta
	[[ $output == *"return"*"meter 48390, fuel 75%"* ]]
	# a photo recorded: which step, who, when (0); another one (1)
	run -0 --separate-stderr mutua --home "$A" verify-photo "$T/rear.jpg" "${R:0:12}"
	[[ $output == *"return"*"Beta"*"2026-12-"*"1"* ]]
	run -0 --separate-stderr mutua --json --home "$B" verify-photo "$T/front.jpg" "${R:0:12}"
	json_lines "$output" 2
	run -1 --separate-stderr mutua --home "$A" verify-photo "$T/other.jpg" "${R:0:12}"
	stderr_has "is not one recorded on this loan"
	# the file itself never entered a feed: only its BLAKE2b-256
	h=$(b2sum -l 256 "$T/rear.jpg" | cut -c1-64)
	[ "$(sqlite3 "$A/store.db" "SELECT count(*) FROM loan_photos WHERE hash = X'$h'")" = 1 ]
	! grep -q "rear door" "$A/store.db"
	# reindex: the same reports
	mutua --home "$A" reindex 2>/dev/null
	run -0 mutua --home "$A" verify-photo "$T/rear.jpg" "${R:0:12}"
}

@test "hostile: an owner's condition report forged on the borrower's step (a return) takes no effect on any node; verify-photo and the audit say so" {
	van_federation
	printf 'a staged picture\n' >"$T/staged.jpg"
	h=$(b2sum -l 256 "$T/staged.jpg" | cut -c1-64)
	R=$(borrow_as "$B" "${VAN:0:12}" --from 2026-12-05 --to 2026-12-05 --confirm)
	mutua --home "$A" accept "$R" >/dev/null
	mutua --home "$A" handover "$R" >/dev/null
	n=$(feed_len "$A" "$A_ID")
	# the owner's CLI refuses to take the borrower's step
	run -1 mutua --home "$A" return "$R" --damage "pare-choc cassé" --photo "$T/staged.jpg"
	[ "$(feed_len "$A" "$A_ID")" = "$n" ]
	# a patched node signs it all the same
	BUNDLETOOL_PHOTO=$h "$BT" step "$A" return "$R" >/dev/null
	share "$A" "$B" "$C"
	for home in "$A" "$B"; do state_is "$home" "$R" handed_over; done
	run -1 --separate-stderr mutua --home "$B" verify-photo "$T/staged.jpg" "${R:0:12}"
	stderr_has "named only by steps of this loan that took no effect"
	[[ $output == *"only the borrower may do this"* ]]
	run -1 --separate-stderr mutua --home "$C" audit
	[[ $output == *"feed Alpha (${A_ID:0:12}) seq $((n + 1)): lending: return of request ${R:0:12} ignored: only the borrower may do this"* ]]
}

# --- the catalogue's search ----------------------------------------------------

# ids HOME ARGS...: the ids of `offer list --json ARGS`, short, sorted.
ids() {
	local h=$1
	shift
	mutua --json --home "$h" offer list "$@" | sed -n 's/.*"id":"\([0-9a-f]\{8\}\).*/\1/p' | sort |
		paste -sd' '
}

@test "search: words of titles, descriptions and locations, accents folded, word starts; with --kind, --near and --available" {
	van_federation
	ROOM=$(mutua --home "$A" offer add --kind room --title "Salle des fêtes" --unit hour \
		--location "Tours, rue Nationale" --description "200 places, scène")
	TRUCK=$(mutua --home "$B" offer add --kind vehicle --title "Camion benne" --unit day \
		--location "Tours nord")
	share_all
	v=${VAN:0:8} r=${ROOM:0:8} t=${TRUCK:0:8}
	[ "$(ids "$C" --search vehicule)" = "$v" ]
	[ "$(ids "$C" --search "REFRIG orleans")" = "$v" ]
	[ "$(ids "$C" --search fetes)" = "$r" ]
	[ "$(ids "$C" --search scene)" = "$r" ]
	[ "$(ids "$C" --search tours)" = "$(printf '%s\n' "$r" "$t" | sort | paste -sd' ')" ]
	[ "$(ids "$C" --search tours --kind vehicle)" = "$t" ]
	[ "$(ids "$C" --near tours --kind room)" = "$r" ]
	[ "$(ids "$C" --near "orléans quai")" = "$v" ]
	# --near reads locations only: a title's word is not a place
	[ "$(ids "$C" --near camion)" = "" ]
	[ "$(ids "$C" --search camion)" = "$t" ]
	# with a slot: what is free then
	R=$(borrow_as "$C" "$t" --from 2026-12-05 --to 2026-12-05)
	share "$C" "$B"
	mutua --home "$B" accept "$R" >/dev/null
	share "$B" "$C"
	[ "$(ids "$C" --search tours --available 2026-12-05/2026-12-06)" = "$r" ]
	[ "$(ids "$C" --search tours --available 2026-12-07/2026-12-08)" = \
		"$(printf '%s\n' "$r" "$t" | sort | paste -sd' ')" ]
	# the table too
	run -0 mutua --home "$C" offer list --search salle
	[[ $output == *"Salle des fêtes"* ]]
	run -2 --separate-stderr mutua --home "$C" offer list --search "  "
	stderr_has "give at least one word"
}

@test "search follows updates and withdrawals, and reindex rebuilds the same index" {
	van_federation
	run -0 mutua --home "$A" offer update "${VAN:0:12}" --title "Utilitaire isotherme"
	[ "$(ids "$A" --search fourgon)" = "" ]
	[ "$(ids "$A" --search isotherme)" = "${VAN:0:8}" ]
	mutua --home "$A" offer withdraw "${VAN:0:12}" >/dev/null
	[ "$(ids "$A" --search isotherme)" = "" ]
	# the index over resources (external content) agrees with its rows
	sqlite3 "$A/store.db" "INSERT INTO offers_fts(offers_fts, rank) VALUES ('integrity-check', 1)"
	[ "$(ids "$A" --search isotherme --all)" = "${VAN:0:8}" ]
	share "$A" "$B"
	[ "$(ids "$B" --search isotherme)" = "" ]
	[ "$(ids "$B" --all)" = "${VAN:0:8}" ]
	X=$(mutua --home "$A" offer add --kind other --title "Perceuse à percussion")
	before=$(sqlite3 "$A/store.db" "SELECT rowid, title, description, location FROM offers_fts ORDER BY rowid")
	mutua --home "$A" reindex 2>/dev/null
	[ "$(sqlite3 "$A/store.db" "SELECT rowid, title, description, location FROM offers_fts ORDER BY rowid")" = "$before" ]
	[ "$(ids "$A" --search perceuse)" = "${X:0:8}" ]
	sqlite3 "$A/store.db" "INSERT INTO offers_fts(offers_fts, rank) VALUES ('integrity-check', 1)"
	sqlite3 "$B/store.db" "INSERT INTO offers_fts(offers_fts, rank) VALUES ('integrity-check', 1)"
}

@test "hostile: FTS5 syntax in a title or in a search is only words; a forged title matches nothing more" {
	van_federation
	H=$(mutua --home "$B" offer add --kind other --title 'x" OR title:* NEAR(a b) -- *' \
		--description 'AND NOT "')
	share "$B" "$C"
	for q in '"' '*' 'OR' 'title:*' 'NEAR(' 'a" OR "b' '-- ; DROP TABLE resources' '^x' '{title}:x' \
		'x AND' 'NOT'; do
		run -0 --separate-stderr mutua --json --home "$C" offer list --search "$q"
		[ -z "$stderr" ]
	done
	# the hostile offer's words are words: 'near' finds it, 'or' too; a
	# quote alone finds nothing, and the van is never listed by them
	[ "$(ids "$C" --search near)" = "${H:0:8}" ]
	[ "$(ids "$C" --search 'title:*')" = "${H:0:8}" ]
	[ "$(ids "$C" --search '"')" = "" ]
	[ "$(ids "$C" --search 'NEAR fourgon')" = "" ]
	[ "$(ids "$C" --search 'OR fourgon')" = "${VAN:0:8}" ]
	run -2 --separate-stderr mutua --home "$C" offer list --search "a b c d e f g h i j k l m n o p q"
	stderr_has "at most 16 words"
}

@test "hostile: a weekly series signed without the offer's terms is refused week by week; a patched owner's accept of one week is ignored everywhere and named by the audit" {
	van_federation
	local start=1796428800000 week=604800000 S W2 n
	"$BT" sign "$B" +0 "$T/series.rec" series "$VAN" "$start" $((start + 3600000)) \
		$((start + 2 * week + 1)) >"$T/id"
	S=$(head -1 "$T/id")
	share "$B" "$A" "$C"
	W2=$(sqlite3 "$A/store.db" "SELECT lower(hex(id)) FROM loans WHERE series = X'$S' AND occurrence = 1")
	is_id "$W2"
	[ "$(sqlite3 "$A/store.db" "SELECT count(*) FROM loans WHERE series = X'$S'")" = 3 ]
	run -1 --separate-stderr mutua --home "$A" accept "$S" --series
	[[ $stderr == *"not accepted: the request does not confirm the offer's"* ]]
	n=$(feed_len "$A" "$A_ID")
	"$BT" step "$A" accept "$W2" >/dev/null
	share "$A" "$B" "$C"
	for h in "$A" "$B"; do state_is "$h" "$W2" requested; done
	run -1 --separate-stderr mutua --home "$C" audit
	[[ $output == *"feed Alpha (${A_ID:0:12}) seq $((n + 1)): lending: accept of request ${W2:0:12} ignored: the request does not confirm the offer's"* ]]
	mutua --home "$B" reindex 2>/dev/null
	state_is "$B" "$W2" requested
}

@test "hostile: a patched node's updates and withdrawal of another's offer and of its own: each node's index passes FTS5's check and finds the same offers, after a reindex too; the audit holds" {
	van_federation
	share "$B" "$A" "$C"
	fts_check() { sqlite3 "$1/store.db" "INSERT INTO offers_fts(offers_fts, rank) VALUES ('integrity-check', 1)"; }
	# B's patched node: the van (A's) renamed and withdrawn, a van of its
	# own offered, renamed twice, withdrawn and renamed again
	F=$("$BT" sign "$B" +0 "$T/h1" offer | tail -n 1)
	"$BT" sign "$B" +0 "$T/h2" update "$VAN" "Pirate" >/dev/null
	"$BT" sign "$B" +0 "$T/h3" update "$F" "Chapiteau" >/dev/null
	"$BT" sign "$B" +0 "$T/h4" withdraw "$VAN" >/dev/null
	"$BT" sign "$B" +0 "$T/h5" update "$F" "Gradins" >/dev/null
	"$BT" sign "$B" +0 "$T/h6" withdraw "$F" >/dev/null
	"$BT" sign "$B" +0 "$T/h7" update "$F" "Estrade" >/dev/null
	# A takes them in one batch each, C all at once
	for i in 1 2 3 4 5 6 7; do "$BT" receive "$A" "$T/h$i" >/dev/null; done
	run -0 "$BT" receive "$C" "$T/h1" "$T/h2" "$T/h3" "$T/h4" "$T/h5" "$T/h6" "$T/h7"
	[[ $output != *rejected* ]]
	for h in "$A" "$B" "$C"; do
		# A's van keeps its title and stays listed; B's own van is
		# withdrawn under the title it had then (the update after the
		# withdrawal takes no effect)
		[ "$(ids "$h" --search fourgon)" = "${VAN:0:8}" ]
		[ "$(ids "$h" --search pirate --all)" = "" ]
		[ "$(ids "$h" --search gradins)" = "" ]
		[ "$(ids "$h" --search gradins --all)" = "${F:0:8}" ]
		[ "$(ids "$h" --search chapiteau --all)$(ids "$h" --search estrade --all)" = "" ]
		fts_check "$h"
		[ "$(sqlite3 "$h/store.db" "SELECT count(*) FROM search_pending")" = 0 ]
	done
	# the same index on every node, and after a reindex
	idx() { sqlite3 "$1/store.db" "SELECT r.id, f.title FROM offers_fts f JOIN resources r ON r.rowid = f.rowid ORDER BY r.id"; }
	[ "$(idx "$A")" = "$(idx "$C")" ]
	mutua --home "$C" reindex 2>/dev/null
	# the reindex leaves every offer for the index to take: the first
	# search, here without a daemon, hands all of them over
	[ "$(sqlite3 "$C/store.db" "SELECT count(*) FROM search_pending")" = 2 ]
	[ "$(ids "$C" --search gradins --all)" = "${F:0:8}" ]
	fts_check "$C"
	[ "$(idx "$A")" = "$(idx "$C")" ]
	# the audit replays the same folds: an update or a withdrawal of
	# another's offer changes nothing, and it holds
	for h in "$A" "$C"; do
		run -0 --separate-stderr mutua --home "$h" audit
		[[ $output == *"audit OK"* ]]
	done
}
