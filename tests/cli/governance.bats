#!/usr/bin/env bats
# governance.bats - the governance contract (issue 6) through the CLI:
# federation create with a rule (majority or colleges), threshold, quorum
# and vote duration, and its refusals; propose admit | exclude | set, vote,
# proposals (table and --json, states open, passed, rejected, expired);
# refusals (1) and usage errors (2); an applicant's join; entries shared
# between homes with copy_entries (no daemon).
#
# Homes: A (Alpha, producers), B (Beta, restaurateurs), C (Gamma,
# founders), D (Delta, founders) found the federation; E (Epsilon) applies.

# shellcheck disable=SC2034 # C_ID is set with the others, for symmetry
bats_require_minimum_version 1.5.0
load helpers

export TZ=UTC

# gov_homes: the five homes and the cards of B, C, D and E.
gov_homes() {
	A=$T/a B=$T/b C=$T/c D=$T/d E=$T/e GENESIS=$T/genesis.txt
	A_ID=$(new_home "$A" Alpha --college producers) || return 1
	B_ID=$(new_home "$B" Beta --college restaurateurs) || return 1
	C_ID=$(new_home "$C" Gamma --college founders) || return 1
	D_ID=$(new_home "$D" Delta --college founders) || return 1
	E_ID=$(new_home "$E" Epsilon --college producers) || return 1
	local h
	for h in b c d e; do
		mutua --home "$T/$h" card >"$T/$h.card" || return 1
	done
}

# gov_federation [CREATE OPTIONS...]: A creates the federation of the four
# founders with these options; B, C and D join.
gov_federation() {
	gov_homes || return 1
	FED_ID=$(mutua --home "$A" federation create --name "Cagette et Fourchette" "$@" \
		--out "$GENESIS" "$T/b.card" "$T/c.card" "$T/d.card") || return 1
	local h
	for h in "$B" "$C" "$D"; do
		[ "$(mutua --home "$h" federation join "$GENESIS")" = "$FED_ID" ] || return 1
	done
}

# spread FROM TO...: FROM's entries into each TO.
spread() {
	local from=$1 to
	shift
	for to in "$@"; do
		copy_entries "$from" "$to" || return 1
	done
}

# spread_all: every founder's home gets every founder's entries.
spread_all() {
	local h
	for h in "$A" "$B" "$C" "$D"; do
		spread "$h" "$A" "$B" "$C" "$D" || return 1
	done
}

# vote_as HOME PROPOSAL CHOICE: votes and sends the vote to every founder.
vote_as() {
	mutua --home "$1" vote "$2" "$3" >/dev/null || return 1
	spread "$1" "$A" "$B" "$C" "$D"
}

# prop HOME ID FIELD: one field of a proposal in `proposals --json` (null
# or absent prints nothing; objects print as JSON).
prop() {
	local out arr
	out=$(mutua --json --home "$1" proposals) || return 1
	arr="[$(paste -sd, <<<"$out")]"
	sqlite3 :memory: "SELECT json_extract(value, '\$.$3') FROM json_each($(sql_quote "$arr"))
		WHERE json_extract(value, '\$.id') = $(sql_quote "$2")"
}

# state_is HOME ID STATE: the proposal's shown state is STATE.
state_is() {
	local got
	got=$(prop "$1" "$2" state)
	[ "$got" = "$3" ] || {
		echo "proposal ${2:0:12} is '$got' in $1, expected '$3'" >&2
		return 1
	}
}

# sql_count HOME TABLE: rows in a table of HOME's store.
sql_count() {
	sqlite3 "$1/store.db" "SELECT count(*) FROM $2"
}

# seconds ISO: Unix seconds of a UTC time printed by proposals --json.
seconds() {
	date -u -d "$1" +%s
}

# member_status HOME ID: 'member', 'excluded' or 'not admitted' in
# federation show --json; nothing when not listed.
member_status() {
	local out
	out=$(mutua --json --home "$1" federation show) || return 1
	sqlite3 :memory: "SELECT json_extract(value, '\$.status') FROM
		json_each(json_extract($(sql_quote "$out"), '\$.members'))
		WHERE json_extract(value, '\$.id') = $(sql_quote "$2")"
}

# --- federation create ----------------------------------------------------

@test "create: majority rule with threshold, quorum and vote duration" {
	gov_federation --rule majority --threshold 60 --quorum 75 --vote-duration 5m
	run -0 mutua --home "$A" propose set credit-limit 100
	P=$output
	is_id "$P"
	created=$(seconds "$(prop "$A" "$P" created)")
	deadline=$(seconds "$(prop "$A" "$P" deadline)")
	d=$((deadline - created - 300))
	[ "$d" -ge -1 ] && [ "$d" -le 1 ]
	# quorum 75 %: three of four must vote
	vote_as "$A" "$P" yes
	vote_as "$B" "$P" yes
	state_is "$A" "$P" open
	# threshold 60 %: 2 yes of 3 is 66 %
	vote_as "$C" "$P" no
	state_is "$A" "$P" passed
	state_is "$D" "$P" passed
}

@test "create: the defaults are majority, more than half, quorum half, 14 days" {
	gov_federation
	P=$(mutua --home "$A" propose set credit-limit 100)
	created=$(seconds "$(prop "$A" "$P" created)")
	deadline=$(seconds "$(prop "$A" "$P" deadline)")
	d=$((deadline - created - 14 * 86400))
	[ "$d" -ge -1 ] && [ "$d" -le 1 ]
	[ "$(prop "$A" "$P" eligible)" = 4 ]
	vote_as "$A" "$P" yes
	state_is "$A" "$P" open # 1 of 4: under the quorum
	vote_as "$B" "$P" no
	state_is "$A" "$P" open # 1 yes 1 no: not more than half
	vote_as "$C" "$P" yes
	state_is "$A" "$P" passed
	[ -n "$(prop "$A" "$P" passed_at)" ]
}

@test "create: colleges with weights; per-college votes in proposals --json" {
	gov_federation --rule colleges --college producers=40 --college restaurateurs=30 \
		--college founders=30
	P=$(mutua --home "$B" propose set credit-limit 100)
	spread "$B" "$A" "$C" "$D"
	# by head 1 yes, 2 no; by weight producers 40 of 70: passes
	vote_as "$C" "$P" no
	vote_as "$D" "$P" no
	state_is "$A" "$P" open # 30 % of the weight voted: no quorum
	vote_as "$A" "$P" yes
	state_is "$A" "$P" passed
	[ "$(prop "$A" "$P" yes)" = 1 ]
	[ "$(prop "$A" "$P" no)" = 2 ]
	[ "$(prop "$A" "$P" colleges.producers.yes)" = 1 ]
	[ "$(prop "$A" "$P" colleges.founders.no)" = 2 ]
	[ "$(prop "$A" "$P" colleges.founders.yes)" = 0 ]
	[ -z "$(prop "$A" "$P" colleges.restaurateurs)" ]
	# the reverse: the head count wins, the weight does not
	Q=$(mutua --home "$C" propose set credit-limit 200)
	spread "$C" "$A" "$B" "$D"
	vote_as "$A" "$Q" no
	vote_as "$C" "$Q" yes
	vote_as "$D" "$Q" yes
	state_is "$A" "$Q" open # 2 yes, 1 no; but 30 of 70
	[ "$(prop "$A" "$Q" colleges.founders.yes)" = 2 ]
}

@test "create: --college alone means the colleges rule; weights must sum to 100 (2)" {
	gov_homes
	run -2 --separate-stderr mutua --home "$A" federation create --name X --rule colleges \
		--college producers=50 --college founders=40 --out "$GENESIS" "$T/b.card"
	stderr_has "sum to 90"
	run -2 --separate-stderr mutua --home "$A" federation create --name X \
		--college producers=50 --college founders=60 --out "$GENESIS" "$T/b.card"
	stderr_has "sum to 110"
	[ ! -e "$GENESIS" ]
	run -0 mutua --home "$A" federation create --name X --college producers=50 \
		--college restaurateurs=50 --out "$GENESIS" "$T/b.card"
	[ -s "$GENESIS" ]
}

@test "create: bad rule, colleges, threshold, quorum or duration are usage errors (2)" {
	gov_homes
	run -2 --separate-stderr mutua --home "$A" federation create --name X --rule unanimity \
		--out "$GENESIS" "$T/b.card"
	stderr_has "unanimity"
	run -2 mutua --home "$A" federation create --name X --rule majority \
		--college producers=100 --out "$GENESIS" "$T/b.card"
	run -2 mutua --home "$A" federation create --name X --rule colleges --out "$GENESIS" \
		"$T/b.card"
	run -2 mutua --home "$A" federation create --name X --college producers \
		--out "$GENESIS" "$T/b.card"
	run -2 mutua --home "$A" federation create --name X --college producers=abc \
		--out "$GENESIS" "$T/b.card"
	run -2 mutua --home "$A" federation create --name X --college =100 \
		--out "$GENESIS" "$T/b.card"
	run -2 mutua --home "$A" federation create --name X --college p=50 --college p=50 \
		--out "$GENESIS" "$T/b.card"
	run -2 mutua --home "$A" federation create --name X --threshold 100 --out "$GENESIS"
	run -2 mutua --home "$A" federation create --name X --threshold -1 --out "$GENESIS"
	run -2 mutua --home "$A" federation create --name X --quorum 101 --out "$GENESIS"
	local d
	for d in 0 -5s abc 2w 367d 1.5h 10ss; do
		run -2 --separate-stderr mutua --home "$A" federation create --name X \
			--vote-duration "$d" --out "$GENESIS"
		stderr_has "not a duration"
	done
	[ ! -e "$GENESIS" ]
	# a home that made none of these still creates
	run -0 mutua --home "$A" federation create --name X --vote-duration 45m --out "$GENESIS"
}

@test "create: a founder outside every college is refused with a clear message" {
	gov_homes
	# Beta is a restaurateur: not a college of this rule
	run --separate-stderr mutua --home "$A" federation create --name X \
		--college producers=60 --college founders=40 --out "$GENESIS" "$T/b.card"
	[ "$status" -eq 1 ] || [ "$status" -eq 2 ]
	stderr_has "'Beta' is in no college"
	[ ! -e "$GENESIS" ]
	# nor may the creator be outside them
	run --separate-stderr mutua --home "$A" federation create --name X \
		--college restaurateurs=60 --college founders=40 --out "$GENESIS" "$T/b.card"
	[ "$status" -eq 1 ] || [ "$status" -eq 2 ]
	stderr_has "'Alpha' is in no college"
	run -1 mutua --home "$A" federation show
}

# --- propose, vote, proposals ------------------------------------------------

@test "propose admit, exclude and set print the proposal id; --json an object" {
	gov_federation
	run -0 --separate-stderr mutua --home "$A" propose admit "$T/e.card" \
		--college producers --reason "maraîcher bio"
	is_id "$output"
	ADM=$output
	run -0 mutua --home "$A" propose exclude Delta --reason "ne paie pas"
	is_id "$output"
	EXC=$output
	run -0 mutua --json --home "$A" propose set threshold 66
	is_json_object "$output"
	SET=$(json_get "$output" '$.id')
	is_id "$SET"
	run -0 mutua --home "$A" propose set duration 3d
	DUR=$output
	run -0 mutua --home "$A" propose set credit-limit 250.50
	CL=$output
	run -0 mutua --home "$A" propose set quorum 60
	run -0 mutua --home "$A" propose exclude "${B_ID:0:10}"
	[ "$(prop "$A" "$ADM" what)" = "admit Epsilon (producers)" ]
	[ "$(prop "$A" "$ADM" kind)" = admit ]
	[ "$(prop "$A" "$ADM" target)" = "$E_ID" ]
	[ "$(prop "$A" "$ADM" reason)" = "maraîcher bio" ]
	[ "$(prop "$A" "$EXC" what)" = "exclude Delta" ]
	[ "$(prop "$A" "$EXC" target)" = "$D_ID" ]
	[ "$(prop "$A" "$EXC" reason)" = "ne paie pas" ]
	[ "$(prop "$A" "$SET" what)" = "set threshold 66" ]
	[ "$(prop "$A" "$DUR" what)" = "set duration 259200s" ]
	[ "$(prop "$A" "$CL" what)" = "set credit-limit 250.50" ]
	[ "$(prop "$A" "$CL" proposer)" = "$A_ID" ]
	[ "$(prop "$A" "$CL" proposer_name)" = Alpha ]
	run -0 mutua --json --home "$A" proposals
	json_lines "$output" 7
}

@test "proposals: table columns and --json fields, before and after votes" {
	gov_federation
	P=$(mutua --home "$A" propose set credit-limit 100)
	run -0 mutua --home "$A" proposals
	[ "${#lines[@]}" -eq 2 ]
	for col in ID WHAT PROPOSER YES NO ABSTAIN DEADLINE STATE; do
		[[ ${lines[0]} == *"$col"* ]]
	done
	[[ ${lines[1]} == "${P:0:12}"* ]]
	[[ ${lines[1]} == *"set credit-limit 100.00"* ]]
	[[ ${lines[1]} == *Alpha* ]]
	[[ ${lines[1]} == *open ]]
	run -0 mutua --json --home "$A" proposals
	json_lines "$output" 1
	for k in id kind what target proposer proposer_name reason yes no abstain colleges \
		eligible created deadline state passed_at; do
		[ "$(sqlite3 :memory: "SELECT json_type($(sql_quote "$output"), '\$.$k') IS NOT NULL")" = 1 ] ||
			{ echo "no key $k in $output" >&2; false; }
	done
	[ "$(json_get "$output" '$.state')" = open ]
	[ "$(json_get "$output" '$.yes')" = 0 ]
	[ "$(json_get "$output" '$.colleges')" = "{}" ]
	[ -z "$(json_get "$output" '$.passed_at')" ]
	[[ $(json_get "$output" '$.deadline') =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\+00:00$ ]]
	vote_as "$A" "$P" yes
	vote_as "$B" "$P" abstain
	run -0 mutua --home "$C" proposals
	[[ ${lines[1]} =~ \ 1\ +0\ +1\ + ]]
	[[ ${lines[1]} == *passed ]]
	[ "$(prop "$C" "$P" abstain)" = 1 ]
	[ "$(prop "$C" "$P" colleges.producers.yes)" = 1 ]
	[ "$(prop "$C" "$P" colleges.restaurateurs.abstain)" = 1 ]
	[[ $(prop "$C" "$P" passed_at) =~ ^[0-9]{4}-.*T[0-9:]{8}\+00:00$ ]]
	# --open hides what is decided
	run -0 mutua --home "$C" proposals --open
	[ "${#lines[@]}" -le 1 ]
	run -2 mutua --home "$C" proposals --bogus
	run -2 mutua --home "$C" proposals extra
}

@test "states: open until the deadline, then rejected (quorum met) or expired (not)" {
	gov_federation --vote-duration 30s
	R=$(mutua --home "$A" propose set credit-limit 100)
	X=$(mutua --home "$A" propose set credit-limit 200)
	T2=$(mutua --home "$A" propose set credit-limit 300)
	for h in "$B" "$C" "$D"; do
		copy_entries "$A" "$h"
	done
	# each votes in its own home, in time; the votes travel afterwards
	mutua --home "$A" vote "$R" yes >/dev/null
	mutua --home "$B" vote "$R" no >/dev/null
	mutua --home "$C" vote "$R" no >/dev/null
	mutua --home "$A" vote "$X" yes >/dev/null # alone: 1 of 4
	mutua --home "$C" vote "$T2" no >/dev/null
	mutua --home "$D" vote "$T2" yes >/dev/null # a tie
	run -0 mutua --home "$A" proposals --open
	[ "${#lines[@]}" -eq 4 ]
	state_is "$A" "$R" open
	spread_all
	while [ "$(date -u +%s)" -le "$(seconds "$(prop "$A" "$R" deadline)")" ]; do
		sleep 0.2
	done
	sleep 1.1
	state_is "$A" "$R" rejected
	state_is "$A" "$X" expired
	state_is "$A" "$T2" rejected
	state_is "$B" "$T2" rejected
	[ "$(prop "$B" "$R" no)" = 2 ]
	run -0 mutua --home "$A" proposals --open
	[ "${#lines[@]}" -le 1 ]
	run -0 mutua --home "$A" proposals
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[3]} == *rejected ]]
}

@test "a vote replaces the same member's earlier vote" {
	gov_federation
	P=$(mutua --home "$A" propose set credit-limit 100)
	spread_all
	vote_as "$A" "$P" yes
	vote_as "$B" "$P" no
	[ "$(prop "$A" "$P" no)" = 1 ]
	state_is "$A" "$P" open
	vote_as "$B" "$P" yes
	[ "$(prop "$A" "$P" yes)" = 2 ]
	[ "$(prop "$A" "$P" no)" = 0 ]
	state_is "$A" "$P" passed
	state_is "$D" "$P" passed
}

@test "vote: output, refusals (1) and usage errors (2)" {
	gov_federation
	P=$(mutua --home "$A" propose set credit-limit 100)
	run -0 --separate-stderr mutua --home "$A" vote "$P" yes
	[ "$output" = "$P yes" ]
	run -0 mutua --json --home "$A" vote "${P:0:8}" no
	[ "$(json_get "$output" '$.proposal')" = "$P" ]
	[ "$(json_get "$output" '$.vote')" = no ]
	run -2 --separate-stderr mutua --home "$A" vote "$P" maybe
	stderr_has "yes, no or abstain"
	run -2 mutua --home "$A" vote "$P" YES
	run -2 mutua --home "$A" vote "$P"
	run -2 mutua --home "$A" vote "$P" yes extra
	run -2 mutua --home "$A" vote zz yes
	run -2 mutua --home "$A" vote 12345 yes
	run -1 --separate-stderr mutua --home "$A" vote abcdef0123 yes
	stderr_has "no proposal"
	run -1 mutua --home "$A" vote "$(printf '%064d' 0)" yes
	# an applicant may not vote
	mutua --home "$E" federation join "$GENESIS" 2>/dev/null
	spread "$A" "$E"
	run -1 mutua --home "$E" vote "$P" yes
	# on a passed proposal
	spread "$A" "$B"
	mutua --home "$B" vote "$P" yes >/dev/null
	state_is "$B" "$P" open # A's latest vote is no
	spread "$B" "$A"
	# the vote that passes it closes it: its node's tally
	run -0 mutua --json --home "$A" vote "$P" yes
	T=$(json_get "$output" '$.tally')
	is_id "$T"
	[ "$(prop "$A" "$P" tally)" = "$T" ]
	spread "$A" "$B"
	state_is "$B" "$P" passed
	run -1 --separate-stderr mutua --home "$B" vote "$P" no
	stderr_has "passed already"
	[ "$(sql_count "$B" votes)" = 4 ]
}

@test "vote: after the deadline by this node's clock is refused (1)" {
	gov_federation --vote-duration 2s
	P=$(mutua --home "$A" propose set credit-limit 100)
	while [ "$(date -u +%s)" -le "$(seconds "$(prop "$A" "$P" deadline)")" ]; do
		sleep 0.2
	done
	run -1 --separate-stderr mutua --home "$A" vote "$P" yes
	stderr_has "deadline has passed"
	[ "$(sql_count "$A" votes)" = 0 ]
	state_is "$A" "$P" expired
}

@test "propose: refusals (1) and usage errors (2)" {
	gov_federation --college producers=40 --college restaurateurs=30 --college founders=30
	run -1 --separate-stderr mutua --home "$A" propose exclude Nobody
	stderr_has "Nobody"
	run -1 mutua --home "$A" propose exclude "${E_ID:0:12}" # an applicant, not a member
	run -1 --separate-stderr mutua --home "$A" propose admit "$T/b.card" --college founders
	stderr_has "member already"
	run -1 mutua --home "$A" propose admit "$T/missing.card" --college founders
	echo junk >"$T/junk.card"
	run -1 mutua --home "$A" propose admit "$T/junk.card" --college founders
	# under the colleges rule the newcomer's college is one of the rule's
	run -2 --separate-stderr mutua --home "$A" propose admit "$T/e.card"
	stderr_has "college"
	run -2 mutua --home "$A" propose admit "$T/e.card" --college gardeners
	run -2 mutua --home "$A" propose exclude Delta --college founders
	run -2 mutua --home "$A" propose
	run -2 mutua --home "$A" propose welcome Delta
	run -2 mutua --home "$A" propose admit
	run -2 mutua --home "$A" propose exclude
	run -2 mutua --home "$A" propose exclude Beta Gamma
	run -2 mutua --home "$A" propose set credit-limit
	run -2 mutua --home "$A" propose set color blue
	run -2 --separate-stderr mutua --home "$A" propose set color 5
	stderr_has "unknown parameter"
	run -2 mutua --home "$A" propose set threshold 100
	run -2 mutua --home "$A" propose set quorum 101
	run -2 mutua --home "$A" propose set quorum -1
	run -2 mutua --home "$A" propose set credit-limit -5
	local d
	for d in 0 abc 1x 400d 2.5h; do
		run -2 --separate-stderr mutua --home "$A" propose set duration "$d"
		stderr_has "not a duration"
	done
	run -0 mutua --json --home "$A" proposals
	json_lines "$output" 0
	# a new member of a college is admitted
	run -0 mutua --home "$A" propose admit "$T/e.card" --college producers
}

# --- applicant, admission, exclusion ----------------------------------------

@test "applicant: join exits 0 and says applicant; it may not append until admitted" {
	gov_federation
	run -0 --separate-stderr mutua --home "$E" federation join "$GENESIS"
	[ "$output" = "$FED_ID" ]
	stderr_has "applicant"
	run -1 --separate-stderr mutua --home "$E" offer add --kind vehicle --title Van
	stderr_has "not (or not yet) a member"
	run -1 mutua --home "$E" propose set credit-limit 5
	[ "$(member_status "$E" "$E_ID")" = "" ]
	# joining twice is harmless
	run -0 mutua --home "$E" federation join "$GENESIS"
	[ "$(sqlite3 "$E/store.db" 'SELECT count(*) FROM entries')" = 0 ]
}

@test "admission: the members vote the applicant in; its home gets the history" {
	gov_federation
	mutua --home "$E" federation join "$GENESIS" 2>/dev/null
	ADM=$(mutua --home "$A" propose admit "$T/e.card" --college producers)
	spread "$A" "$B" "$C" "$D"
	vote_as "$A" "$ADM" yes
	[ "$(member_status "$A" "$E_ID")" = "" ]
	vote_as "$C" "$ADM" yes
	state_is "$A" "$ADM" passed
	state_is "$D" "$ADM" passed
	[ "$(member_status "$A" "$E_ID")" = member ]
	[ "$(member_status "$B" "$E_ID")" = member ]
	# what the ZAP handler asks: the applicant's transport key is a member's
	[ "$(sqlite3 "$A/store.db" "SELECT count(*) FROM members WHERE id = X'$E_ID'
		AND active AND excluded IS NULL")" = 1 ]
	# the newcomer gets the history, its own admission in it, and may append
	spread_all
	spread "$A" "$E"
	state_is "$E" "$ADM" passed
	[ "$(member_status "$E" "$E_ID")" = member ]
	run -0 mutua --home "$E" offer add --kind storage --title "Chambre froide"
	spread "$E" "$A"
	run -0 mutua --home "$A" offer list --member Epsilon
	[[ $output == *"Chambre froide"* ]]
	# and votes on what is asked after its admission: one of five
	P=$(mutua --home "$E" propose set credit-limit 100)
	spread "$E" "$A"
	[ "$(prop "$A" "$P" eligible)" = 5 ]
	# a member cannot be proposed again
	run -1 mutua --home "$B" propose admit "$T/e.card" --college producers
}

@test "admission rejected: the applicant stays out" {
	gov_federation
	mutua --home "$E" federation join "$GENESIS" 2>/dev/null
	ADM=$(mutua --home "$A" propose admit "$T/e.card")
	spread "$A" "$B" "$C" "$D"
	vote_as "$A" "$ADM" yes
	vote_as "$B" "$ADM" no
	vote_as "$C" "$ADM" no
	state_is "$A" "$ADM" open
	spread "$A" "$E"
	run -1 mutua --home "$E" offer add --kind vehicle --title Van
}

@test "exclusion: from the passing vote the member's entries are refused, past ones stay" {
	gov_federation
	TRUCK=$(mutua --home "$D" offer add --kind vehicle --title "Camion de Delta")
	spread "$D" "$A" "$B" "$C"
	EXC=$(mutua --home "$A" propose exclude Delta --reason "statuts")
	spread "$A" "$B" "$C" "$D"
	vote_as "$A" "$EXC" yes
	vote_as "$B" "$EXC" yes
	state_is "$C" "$EXC" passed
	[ "$(member_status "$A" "$D_ID")" = excluded ]
	[ "$(member_status "$D" "$D_ID")" = excluded ]
	# the excluded member may not append any more
	run -1 --separate-stderr mutua --home "$D" offer add --kind vehicle --title Remorque
	stderr_has "excluded"
	run -1 mutua --home "$D" vote "$EXC" no
	# its past entries stay valid everywhere
	run -0 mutua --home "$C" offer show "$TRUCK"
	[[ $output == *"Camion de Delta"* ]]
	# it does not count any more, and cannot be excluded twice
	P=$(mutua --home "$A" propose set credit-limit 100)
	[ "$(prop "$A" "$P" eligible)" = 3 ]
	run -1 --separate-stderr mutua --home "$B" propose exclude Delta
	stderr_has "not a current member"
	# what the ZAP handler asks: Delta's key is no longer admitted
	[ "$(sqlite3 "$A/store.db" "SELECT count(*) FROM members WHERE id = X'$D_ID'
		AND active AND excluded IS NULL")" = 0 ]
}

@test "set credit-limit: passed, it is the limit in force" {
	gov_federation --credit-limit 10
	run -0 mutua --json --home "$A" federation show
	[ "$(json_get "$output" '$.credit_limit')" = 10.0 ] ||
		[ "$(json_get "$output" '$.credit_limit')" = 10 ]
	P=$(mutua --home "$A" propose set credit-limit 250)
	spread "$A" "$B"
	vote_as "$A" "$P" yes
	vote_as "$B" "$P" yes
	state_is "$A" "$P" passed
	run -0 mutua --json --home "$C" federation show
	[ "$(json_get "$output" '$.credit_limit')" = 250.0 ] ||
		[ "$(json_get "$output" '$.credit_limit')" = 250 ]
	run -0 mutua --home "$C" federation show
	[[ $output == *"credit limit  250"* ]]
}

@test "set duration: proposals made after it passes stay open that long" {
	gov_federation
	P=$(mutua --home "$A" propose set duration 2h)
	spread "$A" "$B"
	vote_as "$A" "$P" yes
	vote_as "$B" "$P" yes
	state_is "$A" "$P" passed
	Q=$(mutua --home "$C" propose set credit-limit 1)
	created=$(seconds "$(prop "$C" "$Q" created)")
	deadline=$(seconds "$(prop "$C" "$Q" deadline)")
	d=$((deadline - created - 7200))
	[ "$d" -ge -1 ] && [ "$d" -le 1 ]
}

@test "the outcome is the same in every home and after a reindex" {
	gov_federation --college producers=40 --college restaurateurs=30 --college founders=30
	ADM=$(mutua --home "$A" propose admit "$T/e.card" --college restaurateurs)
	P=$(mutua --home "$B" propose set quorum 75)
	spread_all
	vote_as "$D" "$ADM" no
	vote_as "$A" "$ADM" yes # 55 % of the weight voted, 40 of 70 yes: passed
	vote_as "$C" "$P" yes
	vote_as "$A" "$P" no
	spread_all
	local q='SELECT hex(id), state, passed_at, quorum_met, yes, no, voters FROM proposals
		ORDER BY id; SELECT hex(id), active, since, excluded, college FROM members ORDER BY id'
	ref=$(sqlite3 "$A/store.db" "$q")
	for h in "$B" "$C" "$D"; do
		[ "$(sqlite3 "$h/store.db" "$q")" = "$ref" ]
	done
	mutua --home "$C" reindex >/dev/null
	[ "$(sqlite3 "$C/store.db" "$q")" = "$ref" ]
	[ "$(mutua --json --home "$A" proposals)" = "$(mutua --json --home "$D" proposals)" ]
}
