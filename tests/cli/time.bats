#!/usr/bin/env bats
# time.bats - times, dates and amounts as people read and type them
# (issue 15): local time with its offset in every listing, ISO 8601 with
# the offset under --json, across summer time; dates typed day first and
# decimal commas in a French locale, refusals naming the forms accepted;
# amounts with two decimals in the reader's style; durations in words; the
# calendar when only requests wait. Three homes as in lending.bats; the
# zone and the locale are set per command.

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers
NBSP=$'\u00a0' # French puts a no-break space before : ; ! ?

export TZ=UTC LC_ALL=C.UTF-8
FR=fr_FR.UTF-8

setup_file() {
	local T=$BATS_FILE_TMPDIR/template
	mkdir "$T" "$T/user"
	export HOME=$T/user
	unset MUTUA_HOME MUTUA_PASSPHRASE MUTUA_ACTOR
	make_federation 3 || return 1
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title "Camion 20m3" --unit day \
		--rate 10) || return 1
	share "$A" "$B" "$C" || return 1
	export TEMPLATE=$T TRUCK A_ID B_ID C_ID FED_ID
}

truck_federation() {
	cp -a "$TEMPLATE/a" "$TEMPLATE/b" "$TEMPLATE/c" "$T/" || return 1
	A=$T/a B=$T/b C=$T/c
}

borrow_as() {
	local h=$1 id
	shift
	id=$(mutua --home "$h" borrow "$@") || return 1
	share "$h" "$A" >/dev/null || return 1
	echo "$id"
}

# paris CMD...: mutua in Paris.
paris() {
	TZ=Europe/Paris "$MUTUA" "$@"
}

# --- times read ---------------------------------------------------------------

@test "requests and calendar show local time with its offset, never bare UTC; --json ISO 8601 with it" {
	truck_federation
	R=$(TZ=Europe/Paris borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	R2=$(TZ=Europe/Paris borrow_as "$C" "$TRUCK" --from 2026-12-07T08:00 --to 2026-12-07T12:00)
	mutua --home "$A" accept "$R" >/dev/null
	# the requests table is short (100 columns): a whole day is its date,
	# a slot within a day its hours and the offset once
	run -0 paris --home "$A" requests
	[[ $output == *"${R:0:8} "*"12-05  "* ]]
	[[ $output == *"${R2:0:8} "*"12-07 08:00-12:00 +01:00"* ]]
	[[ $output != *Z\ * && $output != *"23:00"* ]]
	run -0 paris --home "$A" calendar --from 2026-12-01
	[[ ${lines[1]} == *"2026-12-05 00:00 +01:00  2026-12-06 00:00 +01:00"* ]]
	# the same instants read in UTC
	run -0 mutua --home "$A" requests
	[[ $output == *"12-04 23:00→12-05 23:00 +00:00"* ]]
	[[ $output == *"12-07 07:00-11:00 +00:00"* ]]
	# --json: ISO 8601 with the local offset, which any ISO 8601 reader
	# (here SQLite's) takes for the same instant as the Z form of before
	run -0 paris --json --home "$A" requests
	from=$(sqlite3 :memory: "SELECT json_extract(value, '\$.from') FROM
		json_each($(sql_quote "[$(paste -sd, <<<"$output")]"))
		WHERE json_extract(value, '\$.id') = '$R'")
	[ "$from" = 2026-12-05T00:00:00+01:00 ]
	[ "$(sqlite3 :memory: "SELECT unixepoch('$from') = unixepoch('2026-12-04T23:00:00Z')")" = 1 ]
	run -0 paris --json --home "$A" calendar
	[ "$(json_get "$output" '$.to')" = 2026-12-06T00:00:00+01:00 ]
	# what is stored stays UTC milliseconds
	[ "$(loans_sql "$A" "SELECT start_ms FROM loans WHERE id = X'$R'")" = \
		"$(($(date -u -d '2026-12-04 23:00 UTC' +%s) * 1000))" ]
}

@test "summer time: offsets change with the date across March and October in Paris" {
	truck_federation
	R1=$(TZ=Europe/Paris borrow_as "$B" "$TRUCK" --from 2026-03-28T12:00 --to 2026-03-30T12:00)
	R2=$(TZ=Europe/Paris borrow_as "$C" "$TRUCK" --from 2026-10-24T12:00 --to 2026-10-26T12:00)
	run -0 paris --home "$A" requests # each end its offset, in short
	[[ $output == *"03-28 12:00 +01:00→03-30 12:00 +02:00"* ]]
	[[ $output == *"10-24 12:00 +02:00→10-26 12:00 +01:00"* ]]
	run -0 paris --json --home "$A" requests
	[[ $output == *'"from":"2026-03-28T12:00:00+01:00","to":"2026-03-30T12:00:00+02:00"'* ]]
	[[ $output == *'"from":"2026-10-24T12:00:00+02:00","to":"2026-10-26T12:00:00+01:00"'* ]]
	# 47 hours and 49 hours: the instants are exact
	[ "$(loans_sql "$A" "SELECT (end_ms - start_ms) / 3600000 FROM loans WHERE id = X'$R1'")" = 47 ]
	[ "$(loans_sql "$A" "SELECT (end_ms - start_ms) / 3600000 FROM loans WHERE id = X'$R2'")" = 49 ]
	# a date alone is the local day, 23 hours long when summer time begins
	R3=$(TZ=Europe/Paris borrow_as "$B" "$TRUCK" --from 2026-03-29 --to 2026-03-29)
	run -0 paris --home "$A" requests
	[[ $output == *"${R3:0:8} "*"03-29  "* ]]
	run -0 paris --json --home "$A" requests --state requested
	[[ $output == *'"from":"2026-03-29T00:00:00+01:00","to":"2026-03-30T00:00:00+02:00"'* ]]
	[ "$(loans_sql "$A" "SELECT (end_ms - start_ms) / 3600000 FROM loans WHERE id = X'$R3'")" = 23 ]
}

@test "log, offer show, proposals, federation show: local times with offsets, durations in words" {
	truck_federation
	run -0 paris --home "$A" log
	[[ ${lines[1]} =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\ \+0[12]:00\  ]]
	run -0 paris --json --home "$A" log --limit 1
	[[ $(json_get "$output" '$.time') =~ ^[0-9-]{10}T[0-9:]{8}\.[0-9]{3}\+0[12]:00$ ]]
	run -0 paris --home "$A" offer show "$TRUCK"
	[[ $output =~ created\ +[0-9-]{10}\ [0-9:]{8}\ \+0[12]:00 ]]
	P=$(mutua --home "$A" propose set credit-limit 100)
	run -0 paris --home "$A" proposals
	[[ $output =~ [0-9-]{10}\ [0-9:]{5}\ \+0[12]:00 ]]
	[[ $output != *Z\ * ]]
	run -0 paris --json --home "$A" proposals
	[[ $(json_get "$output" '$.deadline') =~ ^[0-9-]{10}T[0-9:]{8}\+0[12]:00$ ]]
	# a proposed duration reads in words; under --json as it always was
	P2=$(mutua --home "$A" propose set duration 7d)
	run -0 mutua --home "$A" proposals
	[[ $output == *"set duration 7 days"* ]]
	run -0 env LC_ALL=$FR "$MUTUA" --home "$A" proposals
	[[ $output == *"set credit-limit 100,00"* ]]
	run -0 mutua --json --home "$A" proposals
	[[ $output == *'"what":"set duration 604800s"'* ]]
	[[ $output == *'"what":"set credit-limit 100.00"'* ]]
	# a vote open 14 days says so, not "336 h"
	run -0 mutua --home "$A" federation show
	[[ $output == *"open 14 days"* ]]
	[[ $output != *"336 h"* ]]
	[[ $output == *"credit limit  0.00 (no limit)"* ]]
	run -0 mutua --json --home "$A" federation show
	[ "$(json_get "$output" '$.vote_duration_s')" = 1209600 ]
	[ "$(json_get "$output" '$.credit_limit')" = 0.0 ]
}

@test "calendar --ics stays exact UTC in any zone; export-csv has ISO times with offsets and local columns" {
	truck_federation
	R=$(TZ=Europe/Paris borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	mutua --home "$A" accept "$R" >/dev/null
	share "$A" "$B"
	run -0 paris --home "$A" calendar --ics
	[[ $output == *$'DTSTART:20261204T230000Z\r'* && $output == *$'DTEND:20261205T230000Z\r'* ]]
	settle "$A" "$B" "$R"
	TZ=Europe/Paris mutua --home "$A" export-csv --out "$T/l.csv" 2>/dev/null
	head -n 1 "$T/l.csv" | grep -q ',from,to,.*,settled_local,from_local,to_local'
	grep -q ",2026-12-05T00:00:00+01:00,2026-12-06T00:00:00+01:00,1,1.000,10.00,10.00,[0-9-]* [0-9:]*,2026-12-05 00:00:00,2026-12-06 00:00:00,"$'\r$' "$T/l.csv"
}

# --- the calendar when nothing is accepted -------------------------------------

@test "calendar: only pending requests are said, not silently left out; an empty period is said" {
	truck_federation
	run -0 mutua --home "$A" calendar --from 2026-12-01
	[ "$output" = "no accepted loan in this period" ]
	borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-05 >/dev/null
	borrow_as "$C" "$TRUCK" --from 2026-12-06 --to 2026-12-06 >/dev/null
	run -0 mutua --home "$A" calendar --from 2026-12-01
	[ "$output" = "no accepted loan in this period; 2 pending requests (mutua requests)" ]
	run -0 mutua --home "$A" calendar --from 2026-12-06 --to 2026-12-06
	[ "$output" = "no accepted loan in this period; 1 pending request (mutua requests)" ]
	run -0 mutua --home "$A" calendar --from 2027-01-01
	[ "$output" = "no accepted loan in this period" ]
	# --json stays one object a loan: none
	run -0 mutua --json --home "$A" calendar
	[ -z "$output" ]
}

@test "calendar without --from and --to: a month back and three months ahead, said under the table; --json and --ics hold every loan" {
	truck_federation
	R1=$(borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	R2=$(borrow_as "$C" "$TRUCK" --from 2027-06-01 --to 2027-06-01)
	mutua --home "$A" accept "$R1" >/dev/null
	mutua --home "$A" accept "$R2" >/dev/null
	# today (MUTUA_NOW) 2026-12-01: 2026-11-01 to 2027-03-01, whole days
	run -0 env MUTUA_NOW=2026-12-01T10:00:00Z "$MUTUA" --home "$A" calendar
	[[ $output == *"${R1:0:12}"* && $output != *"${R2:0:12}"* ]]
	[ "${lines[-1]}" = "from 2026-11-01 to 2027-03-01: a month back and three months ahead; --from and --to show other days" ]
	# some months later the other loan is in the window
	run -0 env MUTUA_NOW=2027-05-20T10:00:00Z "$MUTUA" --home "$A" calendar
	[[ $output != *"${R1:0:12}"* && $output == *"${R2:0:12}"* ]]
	[ "${lines[-1]}" = "from 2027-04-20 to 2027-08-20: a month back and three months ahead; --from and --to show other days" ]
	# nothing in it: said, and the window too
	run -0 env MUTUA_NOW=2028-01-01T00:00:00Z "$MUTUA" --home "$A" calendar
	[ "${lines[0]}" = "no accepted loan in this period" ]
	[[ ${lines[1]} == "from 2027-12-01 to 2028-04-01:"* ]]
	# either bound: that window, nothing said
	run -0 env MUTUA_NOW=2026-12-01T10:00:00Z "$MUTUA" --home "$A" calendar --from 2026-01-01
	[[ $output == *"${R1:0:12}"* && $output == *"${R2:0:12}"* && $output != *"months ahead"* ]]
	run -0 env MUTUA_NOW=2026-12-01T10:00:00Z "$MUTUA" --home "$A" calendar --to 2027-12-31
	[[ $output == *"${R1:0:12}"* && $output == *"${R2:0:12}"* && $output != *"months ahead"* ]]
	# --json and --ics: every loan, as before
	run -0 env MUTUA_NOW=2026-12-01T10:00:00Z "$MUTUA" --json --home "$A" calendar
	json_lines "$output" 2
	run -0 env MUTUA_NOW=2026-12-01T10:00:00Z "$MUTUA" --home "$A" calendar --ics
	[ "$(grep -c '^BEGIN:VEVENT' <<<"$output")" = 2 ]
}

# --- inputs ---------------------------------------------------------------------

@test "French inputs: 05/12/2026, 05/12/2026 08:00 and decimal commas; ISO 8601 still read" {
	truck_federation
	R1=$(TZ=Europe/Paris LC_ALL=$FR borrow_as "$B" "$TRUCK" --from 05/12/2026 --to 05/12/2026)
	R2=$(TZ=Europe/Paris borrow_as "$B" "$TRUCK" --from 2026-12-05 --to 2026-12-05)
	R3=$(TZ=Europe/Paris LC_ALL=$FR borrow_as "$B" "$TRUCK" --from "07/12/2026 08:00" \
		--to "7/12/2026 12:30")
	R4=$(TZ=Europe/Paris LC_ALL=$FR borrow_as "$B" "$TRUCK" --from 2026-12-09T08:00 --to 2026-12-09)
	q="SELECT start_ms || '|' || end_ms FROM loans WHERE id = X"
	[ "$(loans_sql "$A" "$q'$R1'")" = "$(loans_sql "$A" "$q'$R2'")" ]
	[ "$(loans_sql "$A" "$q'$R3'")" = \
		"$(($(date -u -d '2026-12-07 07:00 UTC' +%s) * 1000))|$(($(date -u -d '2026-12-07 11:30 UTC' +%s) * 1000))" ]
	[ -n "$R4" ]
	# LC_TIME alone is enough for dates
	run -0 env LC_ALL= LC_TIME=$FR LANG=C.UTF-8 "$MUTUA" --home "$B" borrow "$TRUCK" \
		--from 10/12/2026 --to 10/12/2026
	# --available FROM/TO with dates written day first
	run -0 env LC_ALL=$FR "$MUTUA" --json --home "$A" offer list --available 05/12/2026/06/12/2026
	json_lines "$output" 1
	run -0 env LC_ALL=$FR "$MUTUA" --json --home "$A" offer list \
		--available "20/12/2026 08:00/20/12/2026 10:00"
	json_lines "$output" 1
	run -2 --separate-stderr env LC_ALL=$FR "$MUTUA" --home "$A" offer list \
		--available 05/12/2026/samedi
	stderr_has "--available${NBSP}: «${NBSP}samedi${NBSP}» n'est pas une date"
	# a decimal comma for rates and usages where the reader writes one
	VAN=$(LC_ALL=$FR mutua --home "$A" offer add --kind vehicle --title Fourgon --unit day \
		--rate 12,50)
	run -0 mutua --json --home "$A" offer show "$VAN"
	[ "$(json_get "$output" '$.rate')" = 12.5 ]
	share "$A" "$B"
	R=$(borrow_as "$B" "$VAN" --from 2026-12-05 --to 2026-12-06)
	mutua --home "$A" accept "$R" >/dev/null
	mutua --home "$A" handover "$R" >/dev/null
	share "$A" "$B"
	LC_ALL=$FR mutua --home "$B" return "$R" --usage 1,5 >/dev/null
	share "$B" "$A"
	mutua --home "$A" close "$R" >/dev/null
	run -0 mutua --json --home "$A" requests --state closed
	[ "$(json_get "$output" '$.usage')" = 1.5 ]
	[ "$(json_get "$output" '$.credits')" = 18.75 ]
	# the C locale keeps the point: a comma there is refused, naming the form
	run -2 --separate-stderr mutua --home "$A" offer add --kind vehicle --title X --unit day \
		--rate 12,50
	stderr_has "12.50"
}

@test "refused dates name the forms accepted, in the reader's style; --quantity -1 says what a quantity is" {
	truck_federation
	for bad in samedi 2026-12-05T25:00 05 31/02/2026; do
		run -2 --separate-stderr env LC_ALL=$FR "$MUTUA" --home "$B" borrow "$TRUCK" \
			--from "$bad" --to 2026-12-06
		stderr_has "$bad"
		stderr_has "05/12/2026, 05/12/2026 08:00"
		stderr_has "2026-12-05T08:00"
	done
	for bad in samedi 2026-12-05T25:00 05 05/12/2026; do
		run -2 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-12-05 --to "$bad"
		stderr_has "--to: '$bad' is not a date: use 2026-12-05 or 2026-12-05T08:00"
		[[ $stderr != *"05/12/2026 08:00"* ]]
	done
	run -2 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-12-05 --to 2026-12-06 \
		--quantity -1
	stderr_has "--quantity: '-1' must be a whole number, 1 or more"
	run -2 --separate-stderr mutua --home "$B" borrow "$TRUCK" --from 2026-12-05 --to 2026-12-06 \
		--quantity 0
	stderr_has "must be a whole number, 1 or more"
}

# --- amounts --------------------------------------------------------------------

@test "amounts: two decimals in the reader's style in balance, requests, offers; --json numbers" {
	truck_federation
	BIG=$(mutua --home "$A" offer add --kind vehicle --title Grue --unit day --rate 2000)
	share "$A" "$B"
	R=$(borrow_as "$B" "$BIG" --from 2026-12-05 --to 2026-12-06)
	mutua --home "$A" accept "$R" >/dev/null
	share "$A" "$B"
	settle "$A" "$B" "$R"
	share "$A" "$B"
	nb=$'\u202f'
	run -0 mutua --home "$A" balance --member Beta
	[[ ${lines[1]} == Beta*"-4000.00"*"0.00"*"4000.00"*1* ]]
	run -0 env LC_ALL=$FR "$MUTUA" --home "$A" balance --member Beta
	[[ ${lines[1]} == Beta*"-4${nb}000,00"*"0,00"*"4${nb}000,00"*1* ]]
	run -0 env LC_ALL=$FR "$MUTUA" --home "$A" requests --state closed
	[[ $output == *"4${nb}000,00"* ]]
	run -0 env LC_ALL=$FR "$MUTUA" --home "$A" offer list
	[[ $output == *"2${nb}000,00"* && $output == *"10,00"* ]]
	run -0 mutua --home "$A" offer list
	[[ $output == *"2000.00"* && $output == *"10.00"* ]]
	# LC_NUMERIC decides when LC_ALL is not set
	run -0 env LC_ALL= LC_NUMERIC=$FR LANG=C.UTF-8 "$MUTUA" --home "$A" balance --member Alpha
	[[ ${lines[1]} == Alpha*"4${nb}000,00"* ]]
	# --json: numbers, whatever the locale
	run -0 env LC_ALL=$FR "$MUTUA" --json --home "$A" balance --member Beta
	[ "$(json_get "$output" '$.balance')" = -4000.0 ]
	[ "$(sqlite3 :memory: "SELECT json_type($(sql_quote "$output"), '\$.balance')")" = real ]
	run -0 env LC_ALL=$FR "$MUTUA" --json --home "$A" requests --state closed
	[ "$(json_get "$output" '$.credits')" = 4000.0 ]
}

@test "status: a peer's last contact in local time with its offset" {
	make_nodes 2
	start_node 1 --peer "${EP[2]}"
	start_node 2 --peer "${EP[1]}"
	wait_until 20 grep -q '"connected":true' "${H[1]}/mutuad.status"
	run -0 paris --home "${H[1]}" status
	[[ $output =~ N2.*connected\ +[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}\ \+0[12]:00 ]]
	run -0 mutua --home "${H[1]}" status
	[[ $output =~ N2.*connected\ +[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}\ \+00:00 ]]
}
