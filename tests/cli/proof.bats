#!/usr/bin/env bats
# proof.bats - proofs for one record (issue 5): mutua checkpoint, mutua
# proof and verify-proof of a whole loan, refusals (a changed byte, another
# genesis, an owner not checkpointed yet), mutua fork-proof, and mutuad's
# own checkpoints. Two homes, A (Alpha) owns a truck, B (Beta) borrows it;
# entries travel by copy_entries (no daemon, but for mutuad's test).

bats_require_minimum_version 1.5.0
load helpers

export TZ=UTC

# Once per file: a federation of two, and a loan of A's truck to B carried
# from request to close, every entry known to both homes, nobody
# checkpointed yet. Each test starts from a copy.
setup_file() {
	local T=$BATS_FILE_TMPDIR/template
	mkdir "$T"
	make_federation 2 || return 1
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title "Camion 20m3" --unit day \
		--rate 10) || return 1
	copy_entries "$A" "$B" || return 1
	REQ=$(mutua --home "$B" borrow "${TRUCK:0:10}" --from 2026-12-05 --to 2026-12-06) ||
		return 1
	copy_entries "$B" "$A" || return 1
	mutua --home "$A" accept "$REQ" >/dev/null || return 1
	copy_entries "$A" "$B" || return 1
	mutua --home "$B" handover "$REQ" >/dev/null || return 1
	mutua --home "$B" return "$REQ" >/dev/null || return 1
	copy_entries "$B" "$A" || return 1
	mutua --home "$A" close "$REQ" >/dev/null || return 1
	copy_entries "$A" "$B" || return 1
	export TEMPLATE=$T TRUCK REQ A_ID B_ID FED_ID
}

loan_homes() {
	cp -a "$TEMPLATE/a" "$TEMPLATE/b" "$TEMPLATE/genesis.txt" "$T/" || return 1
	A=$T/a B=$T/b GENESIS=$T/genesis.txt
}

# both members checkpoint, and each gets the other's checkpoint
checkpoint_both() {
	mutua --home "$A" checkpoint >/dev/null &&
		mutua --home "$B" checkpoint >/dev/null &&
		copy_entries "$A" "$B" && copy_entries "$B" "$A"
}

# flip_byte FILE OFFSET: changes one bit of the byte at OFFSET, in place.
flip_byte() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	[ -n "$b" ] || return 1
	# shellcheck disable=SC2059 # the format is the byte
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# file_size FILE
file_size() {
	wc -c <"$1" | tr -d ' '
}

# --- checkpoint -------------------------------------------------------------

@test "checkpoint: signs the feed's head once; refused twice in a row" {
	loan_homes
	run -0 --separate-stderr mutua --home "$A" checkpoint
	is_id "$output"
	[ "$(sql "$A" "SELECT type, seq FROM entries WHERE id = X'$output'")" = "checkpoint|5" ]
	[ "$(sql "$A" "SELECT size, valid FROM checkpoints WHERE seq = 5")" = "4|1" ]
	run -1 --separate-stderr mutua --home "$A" checkpoint
	stderr_has "already a checkpoint"
	run -2 mutua --home "$A" checkpoint extra
	# the other node checks it when it arrives, and after a reindex
	copy_entries "$A" "$B"
	[ "$(sql "$B" "SELECT valid FROM checkpoints WHERE author = X'$A_ID'")" = 1 ]
	[ "$(sql "$B" "SELECT count(*) FROM faults")" = 0 ]
	run -0 --separate-stderr mutua --json --home "$B" checkpoint
	[ "$(json_get "$output" '$.seq')" = 5 ]
	[ "$(json_get "$output" '$.size')" = 4 ]
	run -0 mutua --home "$B" audit
}

# --- proof and verify-proof -------------------------------------------------

@test "proof of a whole loan, checked offline: borrower, owner, resource, slot, usage, credits" {
	loan_homes
	checkpoint_both
	run -0 --separate-stderr mutua --home "$B" proof "${REQ:0:10}" --out "$T/loan.proof"
	stderr_has "6 entries"
	[[ $stderr != *"checkpoint of this member's feed appended"* ]]
	[ -s "$T/loan.proof" ]
	[ "$(head -c 8 "$T/loan.proof")" = MUTUAPF1 ]
	# no store, no home: only the file and the genesis
	run -0 --separate-stderr env HOME=/nonexistent TZ=UTC LC_ALL=C.UTF-8 "$MUTUA" verify-proof "$T/loan.proof" \
		--genesis "$GENESIS"
	[[ ${lines[0]} == "loan proof OK: federation Pole Sud ($FED_ID)" ]]
	[[ $output == *"request   $REQ"* ]]
	[[ $output == *"borrower  Beta ($B_ID)"* ]]
	[[ $output == *"owner     Alpha ($A_ID)"* ]]
	[[ $output == *"resource  $TRUCK: Camion 20m3, vehicle, counted by the day"* ]]
	[[ $output == *"slot      2026-12-05 00:00 +00:00 to 2026-12-07 00:00 +00:00, quantity 1"* ]]
	[[ $output == *"usage 2 day at 10.00 credits per day, 20.00 credits from Beta to Alpha"* ]]
	# local time with its offset, and under --json ISO 8601 with it
	run -0 env HOME=/nonexistent TZ=Europe/Paris "$MUTUA" verify-proof "$T/loan.proof" \
		--genesis "$GENESIS"
	[[ $output == *"slot      2026-12-05 01:00 +01:00 to 2026-12-07 01:00 +01:00, quantity 1"* ]]
	run -0 env HOME=/nonexistent TZ=Europe/Paris "$MUTUA" --json verify-proof "$T/loan.proof" \
		--genesis "$GENESIS"
	[ "$(json_get "$output" '$.from')" = 2026-12-05T01:00:00+01:00 ]
	[[ $(json_get "$output" '$.closed') =~ ^[0-9-]{10}T[0-9:]{8}\+01:00$ ]]
	run -0 --separate-stderr mutua --json verify-proof "$T/loan.proof" --genesis "$GENESIS"
	is_json_object "$output"
	[ "$(json_get "$output" '$.proof')" = loan ]
	[ "$(json_get "$output" '$.borrower')" = "$B_ID" ]
	[ "$(json_get "$output" '$.owner_name')" = Alpha ]
	[ "$(json_get "$output" '$.resource')" = "$TRUCK" ]
	[ "$(json_get "$output" '$.state')" = closed ]
	[ "$(json_get "$output" '$.usage')" = 2 ]
	[ "$(json_get "$output" '$.credits')" = 20 ]
	# the owner's node makes the same proof
	run -0 --separate-stderr mutua --home "$A" proof "$REQ" --out "$T/owner.proof"
	run -0 mutua verify-proof "$T/owner.proof" --genesis "$GENESIS"
}

@test "proof: the member's own feed is checkpointed first when the proof needs it" {
	loan_homes
	mutua --home "$A" checkpoint >/dev/null
	copy_entries "$A" "$B"
	[ "$(sql "$B" "SELECT count(*) FROM checkpoints WHERE author = X'$B_ID'")" = 0 ]
	local head
	head=$(sql "$B" "SELECT max(seq) FROM entries WHERE author = X'$B_ID'")
	run -0 --separate-stderr mutua --home "$B" proof "$REQ" --out "$T/loan.proof"
	stderr_has "checkpoint of this member's feed appended (seq $((head + 1)))"
	[ "$(sql "$B" "SELECT valid FROM checkpoints WHERE author = X'$B_ID'")" = 1 ]
	run -0 mutua verify-proof "$T/loan.proof" --genesis "$GENESIS"
	# once covered, no further checkpoint
	run -0 --separate-stderr mutua --home "$B" proof "$REQ" --out "$T/again.proof"
	[[ $stderr != *"appended"* ]]
}

@test "proof before the owner checkpointed: refused (1), nothing appended" {
	loan_homes
	local before
	before=$(sql "$B" "SELECT count(*) FROM entries")
	run -1 --separate-stderr mutua --home "$B" proof "$REQ" --out "$T/loan.proof"
	[ "$stderr" = "mutua: the owner's feed (${A_ID:0:12}) has no checkpoint covering the acceptance yet: its mutuad makes one within 24 h of the entry (or after 100 more entries); to have the proof now, ask the owner to run 'mutua checkpoint', then, once this node holds it ('mutua sync' or mutuad), run this command again" ]
	[ ! -e "$T/loan.proof" ]
	[ "$(sql "$B" "SELECT count(*) FROM entries")" = "$before" ]
	# the owner's checkpoint made but not synced: still refused
	mutua --home "$A" checkpoint >/dev/null
	run -1 --separate-stderr mutua --home "$B" proof "$REQ" --out "$T/loan.proof"
	stderr_has "owner's feed (${A_ID:0:12}) has no checkpoint"
	# the other way round: the borrower's feed lacks one
	run -1 --separate-stderr mutua --home "$A" proof "$REQ" --out "$T/loan.proof"
	stderr_has "mutua: the borrower's feed (${B_ID:0:12}) has no checkpoint covering the request yet: its mutuad makes one within 24 h"
	stderr_has "ask the borrower to run 'mutua checkpoint'"
}

@test "proof refusals: a request not accepted, an unknown request, usage errors" {
	loan_homes
	checkpoint_both
	run -2 mutua --home "$B" proof "$REQ"
	run -2 mutua --home "$B" proof --out "$T/x"
	run -2 mutua verify-proof "$T/x"
	run -1 --separate-stderr mutua --home "$B" proof 0123456789 --out "$T/x"
	stderr_has "no request with id"
	R2=$(mutua --home "$B" borrow "${TRUCK:0:10}" --from 2027-01-05 --to 2027-01-06)
	run -1 --separate-stderr mutua --home "$B" proof "$R2" --out "$T/x"
	stderr_has "is requested: there is no loan to prove"
	run -1 --separate-stderr mutua verify-proof "$T/none" --genesis "$GENESIS"
	run -1 --separate-stderr mutua verify-proof "$GENESIS" --genesis "$GENESIS"
	stderr_has "not a mutua proof file"
}

@test "verify-proof: any changed byte of the file is refused (1) with a reason" {
	loan_homes
	checkpoint_both
	mutua --home "$B" proof "$REQ" --out "$T/loan.proof" 2>/dev/null
	local size off
	size=$(file_size "$T/loan.proof")
	for off in 0 8 9 10 13 40 $((size / 3)) $((size / 2)) $((size * 2 / 3)) $((size - 40)) \
		$((size - 1)); do
		cp "$T/loan.proof" "$T/bad.proof"
		flip_byte "$T/bad.proof" "$off"
		run -1 --separate-stderr mutua verify-proof "$T/bad.proof" --genesis "$GENESIS"
		[ -z "$output" ]
		[[ $stderr == "mutua: '$T/bad.proof'"* ]] || {
			echo "offset $off: $stderr" >&2
			return 1
		}
		[ "$(wc -l <<<"$stderr")" -eq 1 ]
	done
	# a changed path hash, a changed entry: the reasons say which
	head -c $((size - 1)) "$T/loan.proof" >"$T/short.proof"
	run -1 --separate-stderr mutua verify-proof "$T/short.proof" --genesis "$GENESIS"
	stderr_has "the file ends inside it"
	cp "$T/loan.proof" "$T/bad.proof"
	flip_byte "$T/bad.proof" $((size - 1))
	run -1 --separate-stderr mutua verify-proof "$T/bad.proof" --genesis "$GENESIS"
	stderr_has "is not shown in its author's feed"
}

@test "verify-proof against another federation's genesis: refused (1)" {
	loan_homes
	checkpoint_both
	mutua --home "$B" proof "$REQ" --out "$T/loan.proof" 2>/dev/null
	new_home "$T/x" Xeres >/dev/null
	mutua --home "$T/x" federation create --name "Autre" --out "$T/other.txt" >/dev/null
	run -1 --separate-stderr mutua verify-proof "$T/loan.proof" --genesis "$T/other.txt"
	stderr_has "of another federation than the genesis's"
	run -1 --separate-stderr mutua verify-proof "$T/loan.proof" --genesis "$T/loan.proof"
	stderr_has "$T/loan.proof"
}

# --- fork-proof -----------------------------------------------------------

@test "fork-proof: a copied home signs another entry at the same seq; the proof travels" {
	loan_homes
	run -1 --separate-stderr mutua --home "$B" fork-proof Alpha --out "$T/fork.proof"
	stderr_has "no fork proof of this member"
	cp -a "$A" "$T/a2"
	mutua --home "$A" offer add --kind room --title "Salle" --unit hour --rate 5 >/dev/null
	mutua --home "$T/a2" offer add --kind room --title "Salle bis" --unit hour --rate 5 \
		>/dev/null
	local seq
	seq=$(sql "$A" "SELECT max(seq) FROM entries WHERE author = X'$A_ID'")
	[ "$(sql "$T/a2" "SELECT max(seq) FROM entries WHERE author = X'$A_ID'")" = "$seq" ]
	copy_entries "$A" "$B"
	# what B's node records when a peer serves it the other branch
	sql "$B" "ATTACH $(sql_quote "$T/a2/store.db") AS src;
		INSERT INTO forks(author, seq, id, body, sig, found) SELECT author, seq, id, body,
		sig, 0 FROM src.entries WHERE author = X'$A_ID' AND seq = $seq"
	run -0 --separate-stderr mutua --home "$B" fork-proof Alpha --out "$T/fork.proof"
	stderr_has "at seq $seq written to"
	run -0 --separate-stderr mutua verify-proof "$T/fork.proof" --genesis "$GENESIS"
	[ "${lines[0]}" = "fork proof: member Alpha signed two entries at seq $seq" ]
	[[ $output == *"member    $A_ID"* ]]
	run -0 mutua --json verify-proof "$T/fork.proof" --genesis "$GENESIS"
	[ "$(json_get "$output" '$.proof')" = fork ]
	[ "$(json_get "$output" '$.seq')" = "$seq" ]
	[ "$(json_get "$output" '$.member')" = "$A_ID" ]
	# the node holding the other branch in its feed proves the same bytes
	sql "$T/a2" "ATTACH $(sql_quote "$A/store.db") AS src;
		INSERT INTO forks(author, seq, id, body, sig, found) SELECT author, seq, id, body,
		sig, 0 FROM src.entries WHERE author = X'$A_ID' AND seq = $seq"
	run -0 --separate-stderr mutua --home "$T/a2" fork-proof Alpha --out "$T/fork2.proof"
	cmp "$T/fork.proof" "$T/fork2.proof"
	# a changed byte: refused
	cp "$T/fork.proof" "$T/bad.proof"
	flip_byte "$T/bad.proof" 100
	run -1 --separate-stderr mutua verify-proof "$T/bad.proof" --genesis "$GENESIS"
}

# --- mutuad ---------------------------------------------------------------

own_checkpoint_at() { # HOME MEMBER SEQ
	[ "$(sql "$1" "SELECT count(*) FROM checkpoints WHERE author = X'$2' AND seq = $3
		AND valid")" = 1 ]
}

@test "mutuad checkpoints its own feed once it has grown by 100 entries" {
	[ -x "$TOOLS/mkfeed" ] || skip "build/tests/tools/mkfeed is missing (make tests)"
	make_federation 2
	local head
	head=$(sql "$A" "SELECT count(*) FROM entries WHERE author = X'$A_ID'")
	"$TOOLS/mkfeed" "$A" $((99 - head)) >/dev/null
	start_daemon a --home "$A" --listen "ipc://$T/a.sock"
	wait_log a "mutuad started"
	sleep 0.5
	[ "$(sql "$A" "SELECT count(*) FROM checkpoints")" = 0 ]
	stop_daemon a
	"$TOOLS/mkfeed" "$A" 1 >/dev/null
	start_daemon a --home "$A" --listen "ipc://$T/a.sock"
	wait_log a "checkpoint of this member's feed appended (seq 101)"
	own_checkpoint_at "$A" "$A_ID" 101
	stop_daemon a
	[ "$(sql "$A" "SELECT size FROM checkpoints WHERE seq = 101")" = 100 ]
}
