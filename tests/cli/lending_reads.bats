#!/usr/bin/env bats
# lending_reads.bats - the reads of lending fail closed: over a store whose
# loans, balances or offers cannot be read (a page of the table
# overwritten), every listing, export and step refuses (1) and says why;
# none prints an empty list, a short file or "no request with id"
# (DESIGN.md, invariant 11).
# shellcheck disable=SC2154 # bats sets $stderr

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC

# A federation of three, a truck of A's lent to B (accepted, closed), a
# request of C's pending, every entry on every home.
lent_truck() {
	make_federation 3 || return 1
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title "Camion" --unit day \
		--rate 10) || return 1
	share "$A" "$B" "$C" || return 1
	R=$(mutua --home "$B" borrow "$TRUCK" --from 2026-12-05 --to 2026-12-06) || return 1
	R2=$(mutua --home "$C" borrow "$TRUCK" --from 2026-12-10 --to 2026-12-11) || return 1
	share "$B" "$A" && share "$C" "$A" || return 1
	mutua --home "$A" accept "$R" >/dev/null || return 1
	settle "$A" "$B" "$R" || return 1
	share "$A" "$B" "$C"
}

# damage_table HOME TABLE: writes zeros over the first page of TABLE in
# HOME's store (after moving the WAL into the file).
damage_table() {
	local db=$1/store.db page size
	page=$(sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);
		SELECT rootpage FROM sqlite_schema WHERE name = '$2'" | tail -1) || return 1
	size=$(sqlite3 "$db" "PRAGMA page_size") || return 1
	[ "$page" -gt 1 ] || return 1
	dd if=/dev/zero of="$db" bs="$size" count=1 seek=$((page - 1)) conv=notrunc \
		status=none
}

@test "loans that cannot be read: listings, exports and steps refuse (1), none reads as empty" {
	lent_truck
	# the same commands answer before the damage
	run -0 mutua --home "$A" calendar --ics
	[[ $output == *"END:VCALENDAR"* ]]
	damage_table "$A" loans

	for cmd in requests calendar "--json requests"; do
		# shellcheck disable=SC2086 # words of the command
		run -1 --separate-stderr mutua --home "$A" $cmd
		[ -z "$output" ]
		stderr_has "malformed"
	done
	# the balances are the settlements' sums, kept beside the loans
	run -0 mutua --home "$A" balance
	[[ $output == *"-20.00"* ]]
	damage_table "$A" balances
	for cmd in balance "--json balance"; do
		# shellcheck disable=SC2086 # words of the command
		run -1 --separate-stderr mutua --home "$A" $cmd
		[ -z "$output" ]
		stderr_has "malformed"
	done
	# the iCalendar is not closed: a calendar cut short never reads as whole
	run -1 --separate-stderr mutua --home "$A" calendar --ics
	stderr_has "malformed"
	[[ $output != *"END:VCALENDAR"* ]]
	# no file, not a file of headers only
	run -1 --separate-stderr mutua --home "$A" export-csv --out "$T/loans.csv"
	stderr_has "malformed"
	[ ! -e "$T/loans.csv" ]
	# a step says the store failed, not that the request does not exist
	run -1 --separate-stderr mutua --home "$A" accept "$R2"
	stderr_has "malformed"
	[[ $stderr != *"no request"* ]]
}

@test "offers that cannot be read: offer list, show, update and borrow refuse (1), none says 'no offer'" {
	lent_truck
	damage_table "$B" resources
	run -1 --separate-stderr mutua --home "$B" offer list
	[ -z "$output" ]
	stderr_has "malformed"
	run -1 --separate-stderr mutua --home "$B" offer show "$TRUCK"
	stderr_has "malformed"
	[[ $stderr != *"no offer"* ]]
	run -1 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-12-20 --to 2026-12-21
	stderr_has "malformed"
	[[ $stderr != *"no offer"* ]]
	damage_table "$A" resources
	run -1 --separate-stderr mutua --home "$A" offer update "$TRUCK" --title "Camion bleu"
	stderr_has "malformed"
	[[ $stderr != *"no offer"* ]]
}
