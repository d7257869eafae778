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
	[ "$(json_get "$output" '$.deposit')" = "2.0" ] || [ "$(json_get "$output" '$.deposit')" = "200.0" ]
	[ "$(json_get "$output" '$.conditions')" = "confirmed" ]
	run -0 mutua --home "$A" accept "${R:0:12}"
}
