#!/usr/bin/env bats
# report.bats - mutua report --html: a self-contained board report (the
# federation, the period, the audit's verdict, an SVG flow diagram, the
# balances, the most used resources, the loans), every string from the
# store escaped; usage errors (2) and refusals (1).
#
# Members' names and titles come from their signed entries and are hostile
# here: B is named <script>alert(1)</script>, C Tom & Jerry's "Garage", and
# A's truck is titled Camion <b>20m3</b>.

# shellcheck disable=SC2154 # bats sets $stderr_lines

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC LC_ALL=C.UTF-8 # English, C numbers, whatever the caller's locale
BUNDLETOOL=$BATS_TEST_DIRNAME/../../build/tests/tools/bundletool

EVIL='<script>alert(1)</script>'
EVIL_HTML='&lt;script&gt;alert(1)&lt;/script&gt;'
TOM='Tom & Jerry'"'"'s "Garage"'
TOM_HTML='Tom &amp; Jerry&#39;s &quot;Garage&quot;'

# settle BORROWER_HOME OWNER_HOME RESOURCE FROM TO: a loan through every
# step; prints its id.
settle() {
	local b=$1 o=$2 r
	r=$(mutua --home "$b" borrow "$3" --from "$4" --to "$5") || return 1
	share "$b" "$o" >/dev/null && mutua --home "$o" accept "$r" >/dev/null &&
		share "$o" "$b" >/dev/null && mutua --home "$b" handover "$r" >/dev/null &&
		mutua --home "$b" return "$r" >/dev/null && share "$b" "$o" >/dev/null &&
		mutua --home "$o" close "$r" >/dev/null || return 1
	echo "$r"
}

setup_file() {
	local T=$BATS_FILE_TMPDIR/h
	mkdir -p "$T/user"
	export HOME=$T/user
	unset MUTUA_HOME MUTUA_PASSPHRASE MUTUA_ACTOR
	A=$T/a B=$T/b C=$T/c GENESIS=$T/genesis.txt
	A_ID=$(new_home "$A" "Alpha" --college producers) || return 1
	B_ID=$(new_home "$B" "$EVIL" --college "<i>restaurateurs</i>") || return 1
	C_ID=$(new_home "$C" "$TOM") || return 1
	mutua --home "$B" card >"$T/b.card" && mutua --home "$C" card >"$T/c.card" || return 1
	FED_ID=$(mutua --home "$A" federation create --name "Pôle <Sud> & Co" \
		--out "$GENESIS" "$T/b.card" "$T/c.card") || return 1
	mutua --home "$B" federation join "$GENESIS" >/dev/null &&
		mutua --home "$C" federation join "$GENESIS" >/dev/null || return 1
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title "Camion <b>20m3</b>" \
		--unit day --rate 10) || return 1
	ROOM=$(mutua --home "$B" offer add --kind room --title "Salle" --unit hour --rate 5) ||
		return 1
	share_all
	# January: B borrows the truck (2 days, 20 credits), C the room (3
	# hours, 15); March: C borrows the truck (1 day, 10)
	R1=$(settle "$B" "$A" "$TRUCK" 2026-01-05 2026-01-06) || return 1
	R2=$(settle "$C" "$B" "$ROOM" 2026-01-10T09:00 2026-01-10T12:00) || return 1
	R3=$(settle "$C" "$A" "$TRUCK" 2026-03-02 2026-03-02) || return 1
	share_all
	cat >"$BATS_FILE_TMPDIR/vars" <<-EOF
		A_ID=$A_ID B_ID=$B_ID C_ID=$C_ID FED_ID=$FED_ID TRUCK=$TRUCK ROOM=$ROOM
		R1=$R1 R2=$R2 R3=$R3
	EOF
}

history() {
	cp -a "$BATS_FILE_TMPDIR/h/." "$T/"
	export HOME=$T/user
	# shellcheck disable=SC1091
	. "$BATS_FILE_TMPDIR/vars"
	A=$T/a B=$T/b C=$T/c GENESIS=$T/genesis.txt
}

# has FILE TEXT...: FILE holds each TEXT (fixed strings).
has() {
	local f=$1 t
	shift
	for t in "$@"; do
		grep -qF -- "$t" "$f" || {
			echo "$f lacks '$t'" >&2
			return 1
		}
	done
}

# lacks FILE TEXT...: FILE holds none of the TEXTs.
lacks() {
	local f=$1 t
	shift
	for t in "$@"; do
		! grep -qiF -- "$t" "$f" || {
			echo "$f holds '$t':" >&2
			grep -niF -- "$t" "$f" | head -3 >&2
			return 1
		}
	done
}

@test "report --html writes one self-contained page: verdict, diagram, balances, resources, loans" {
	history
	run -0 --separate-stderr mutua --home "$A" report --html --out "$T/r.html"
	[ -z "$output" ]
	stderr_has "mutua: report written to $T/r.html (audit OK)"
	has "$T/r.html" '<!DOCTYPE html>' '<meta charset="utf-8">' '</html>' \
		"$FED_ID" 'the whole history' 'Audit OK' '<svg ' '</svg>' '<html lang="en">' \
		'Who lent to whom' 'Balances' 'Most used resources' 'Loans of the period' \
		'What was checked' 'What it means' '<summary>For the auditor</summary>'
	# no script, no external resource of any kind
	lacks "$T/r.html" '<script' 'src=' 'href=' '<link' '@import' '<iframe' 'url(http' \
		'javascript:'
	[ "$(stat -c %a "$T/r.html")" = 644 ]
	# three loans listed, each by its id (8 digits)
	has "$T/r.html" "${R1:0:8}" "${R2:0:8}" "${R3:0:8}"
	# the diagram: an arrow per lender and borrower pair, labelled
	[ "$(grep -c 'class="flow"' "$T/r.html")" -eq 3 ]
	has "$T/r.html" "Alpha lent to $EVIL_HTML: 1 loan, 20.00 credits" \
		"$EVIL_HTML lent to $TOM_HTML: 1 loan, 15.00 credits" \
		"Alpha lent to $TOM_HTML: 1 loan, 10.00 credits"
	# the jargon (feeds, signed entries, forks, the federation id) only in
	# the collapsed section for the auditor
	sed '/<details>/,/<\/details>/d' "$T/r.html" >"$T/board.html"
	lacks "$T/board.html" 'feed' 'signed entries' 'fork' "$FED_ID"
}

@test "report: every string from the store is escaped for HTML" {
	history
	mutua --home "$A" report --html --out "$T/r.html" 2>/dev/null
	has "$T/r.html" "$EVIL_HTML" "$TOM_HTML" 'Camion &lt;b&gt;20m3&lt;/b&gt;' \
		'&lt;i&gt;restaurateurs&lt;/i&gt;' 'Pôle &lt;Sud&gt; &amp; Co'
	lacks "$T/r.html" "$EVIL" "$TOM" '<b>20m3' '<i>restaurateurs' '<Sud>' "Jerry's"
}

@test "report: the balances table and the most used resources" {
	history
	mutua --home "$A" report --html --out "$T/r.html" 2>/dev/null
	# A earned 30, B earned 15 and spent 20, C spent 25
	row() { # the member's row of the balances table, cells between bars
		sed -n '/<h2>Balances/,/<\/table>/p' "$T/r.html" | sed 's/<[^>]*>/|/g' |
			tr -s '|' | grep -F "|$1|" | head -1
	}
	[ "$(row Alpha)" = "|Alpha|producers|30.00|30.00|0.00|2|0|" ]
	[ "$(row "$EVIL_HTML")" = "|$EVIL_HTML|&lt;i&gt;restaurateurs&lt;/i&gt;|-5.00|15.00|20.00|1|1|" ]
	[ "$(row "$TOM_HTML")" = "|$TOM_HTML|-25.00|0.00|25.00|0|2|" ]
	has "$T/r.html" '<th>Total</th><th></th><th class="n">0.00</th>'
	# the truck: two loans, three days; the room: one loan, three hours
	has "$T/r.html" '<td>Camion &lt;b&gt;20m3&lt;/b&gt;</td><td>vehicle</td><td>Alpha</td><td class="n">2</td>' \
		$'>3\u00a0days</td>' $'>3\u00a0hours</td>'
}

@test "report --from --to: only the period's loans; balances at the period's end" {
	history
	run -0 --separate-stderr mutua --home "$A" report --html --out "$T/jan.html" \
		--from 2026-01-01 --to 2026-01-31
	has "$T/jan.html" 'from 2026-01-01 to 2026-01-31' "${R1:0:8}" "${R2:0:8}"
	lacks "$T/jan.html" "${R3:0:8}"
	[ "$(grep -c 'class="flow"' "$T/jan.html")" -eq 2 ]
	# an empty period still draws the members' circle, and says so
	run -0 --separate-stderr mutua --home "$A" report --html --out "$T/none.html" \
		--from 2025-01-01 --to 2025-02-01
	has "$T/none.html" '<svg ' 'No loan in this period.' 'from 2025-01-01 to 2025-02-01'
	[ "$(grep -c 'class="flow"' "$T/none.html")" -eq 0 ]
	run -0 --separate-stderr mutua --home "$A" report --html --out "$T/since.html" \
		--from 2026-02-01
	has "$T/since.html" 'since 2026-02-01' "${R3:0:8}"
	lacks "$T/since.html" "${R1:0:8}"
}

# counts FILE: the loans as the header counts them, then as each table
# adds them up: the rows of the list of loans, the balances' loans as
# lender and as borrower, the flows, the resources by number of loans.
counts() {
	local f=$1 header listed members flows resources
	header=$(grep -o '<b>[0-9]*</b><span>loans</span>' "$f" | sed 's/<b>\([0-9]*\).*/\1/')
	listed=$(sed -n '/<h2>Loans of the period/,/<\/table>/p' "$f" |
		grep -c '<td class="slot">' || true)
	members=$(sed -n '/<h2>Balances/,/<\/table>/p' "$f" |
		grep -o '<td class="n">[0-9]*</td><td class="n">[0-9]*</td></tr>' |
		sed 's/<[^>]*>/ /g' | awk '{l += $1; b += $2} END {print l + 0, b + 0}')
	flows=$(sed -n '/Who lent to whom/,/<h2>Balances/p' "$f" | grep '^<tr><td>' |
		grep -o '<td class="n">[0-9]*</td><td class="n">' | sed 's/<[^>]*>//g' |
		awk '{n += $1} END {print n + 0}')
	resources=$(sed -n '/By number of loans/,/<\/table>/p' "$f" |
		grep -o '<td class="n">[0-9]*</td><td><div class="bar"' | sed 's/<[^>]*>//g' |
		awk '{n += $1} END {print n + 0}')
	echo "$header $listed $members $flows $resources"
}

@test "report: the header counts the loans every table counts; requests not lent are no loans" {
	history
	# besides the three settled loans: a request left pending, one
	# declined, one cancelled before an answer, one cancelled after its
	# acceptance, and one accepted, not yet handed over
	P=$(mutua --home "$C" borrow "$ROOM" --from 2026-01-20T09:00 --to 2026-01-20T10:00)
	D=$(mutua --home "$B" borrow "$TRUCK" --from 2026-01-21 --to 2026-01-21)
	X=$(mutua --home "$B" borrow "$TRUCK" --from 2026-01-22 --to 2026-01-22)
	mutua --home "$B" cancel "$X" --reason "plus besoin" >/dev/null
	Y=$(mutua --home "$C" borrow "$TRUCK" --from 2026-01-23 --to 2026-01-23)
	K=$(mutua --home "$B" borrow "$TRUCK" --from 2026-01-24 --to 2026-01-24)
	share_all
	mutua --home "$A" decline "$D" --reason "en panne" >/dev/null
	mutua --home "$A" accept "$Y" >/dev/null
	mutua --home "$A" accept "$K" >/dev/null
	share "$A" "$C"
	mutua --home "$C" cancel "$Y" --reason "trop tard" >/dev/null
	share_all

	run -0 --separate-stderr mutua --home "$A" report --html --out "$T/r.html"
	stderr_has "(audit OK)"
	# four loans (three settled, one accepted), in the header and in every table
	[ "$(counts "$T/r.html")" = "4 4 4 4 4 4" ]
	has "$T/r.html" '<b>3</b><span>settled loans</span>' "${K:0:8}" \
		'Requests not lent: 1 pending, 1 declined, 1 cancelled before an answer.'
	lacks "$T/r.html" "${P:0:8}" "${D:0:8}" "${X:0:8}"
	# the loan cancelled after its acceptance is listed apart, once
	has "$T/r.html" '<b>1</b><span>cancelled after acceptance</span>' \
		'<h3>Cancelled after acceptance</h3>' '<td>trop tard</td>'
	[ "$(grep -c "${Y:0:8}" "$T/r.html")" -eq 1 ]
	[ "$(sed -n '/<h2>Loans of the period/,/<\/table>/p' "$T/r.html" | grep -c "${Y:0:8}")" = 0 ]

	# January: R1, R2 and the accepted one; March's R3 is out
	run -0 --separate-stderr mutua --home "$A" report --html --out "$T/jan.html" \
		--from 2026-01-01 --to 2026-01-31
	[ "$(counts "$T/jan.html")" = "3 3 3 3 3 3" ]
	# February: nothing, and nothing else to say
	run -0 --separate-stderr mutua --home "$A" report --html --out "$T/feb.html" \
		--from 2026-02-01 --to 2026-02-28
	[ "$(counts "$T/feb.html")" = "0 0 0 0 0 0" ]
	lacks "$T/feb.html" 'Requests not lent' 'Cancelled after acceptance'
}

@test "report: a store that fails the audit shows FAILED and the violations, escaped" {
	history
	[ -x "$BUNDLETOOL" ] || skip "bundletool not built"
	"$BUNDLETOOL" step "$A" close "$R1" 1000 100
	run -0 --separate-stderr mutua --home "$A" report --html --out "$T/r.html"
	stderr_has "(audit FAILED)"
	has "$T/r.html" "Audit FAILED: 1 record breaks the federation's rules." \
		'What to do:' "ignored: out of order: the loan is closed (settled once)"
	lacks "$T/r.html" 'Audit OK'
	# B's node has not received the second close: its store passes
	run -0 --separate-stderr mutua --home "$B" report --html --out "$T/b.html"
	has "$T/b.html" 'Audit OK'
}

@test "report: a store error refuses the page (1) with its reason and writes nothing" {
	history
	sqlite3 "$A/store.db" "ALTER TABLE loans RENAME COLUMN state TO lost"
	run -1 --separate-stderr mutua --home "$A" report --html --out "$T/r.html"
	stderr_has "no such column"
	[ ! -e "$T/r.html" ]
}

@test "report --json prints one object; an existing file is replaced whole" {
	history
	echo "old content that is longer than nothing" >"$T/r.html"
	run -0 --separate-stderr mutua --json --home "$C" report --html --out "$T/r.html"
	is_json_object "$output"
	[ "$(json_get "$output" '$.out')" = "$T/r.html" ]
	[ "$(json_get "$output" '$.audit_ok')" = 1 ]
	[ "$(json_get "$output" '$.violations')" = 0 ]
	[ "$(json_get "$output" '$.bytes')" = "$(stat -c %s "$T/r.html")" ]
	lacks "$T/r.html" "old content"
	# nothing left beside it
	[ "$(find "$T" -maxdepth 1 -name 'r.html*' | wc -l)" -eq 1 ]
}

@test "report: usage errors (2) and refusals (1), one line each" {
	history
	run -2 --separate-stderr mutua --home "$A" report --out "$T/r.html"
	stderr_has "usage: mutua report --html --out FILE [--from DATE] [--to DATE]"
	run -2 --separate-stderr mutua --home "$A" report --html
	stderr_has "usage: mutua report"
	run -2 --separate-stderr mutua --home "$A" report --html --out "$T/r.html" extra
	run -2 --separate-stderr mutua --home "$A" report --html --out "$T/r.html" --pdf
	run -2 --separate-stderr mutua --home "$A" report --html --out "$T/r.html" --from yesterday
	[ "${#stderr_lines[@]}" -eq 1 ]
	stderr_has "--from"
	run -2 --separate-stderr mutua --home "$A" report --html --out "$T/r.html" \
		--from 2026-02-01 --to 2026-01-01
	stderr_has "--to must come after --from"
	run -1 --separate-stderr mutua --home "$A" report --html --out "$T/missing/r.html"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ ! -e "$T/missing" ]
	mutua --home "$T/lone" init --name Lone >/dev/null
	run -1 --separate-stderr mutua --home "$T/lone" report --html --out "$T/r.html"
	stderr_has "no federation yet"
	[ ! -e "$T/r.html" ]
}

# page_body FILE: the page without its provenance note and its footer
# (the time it was written).
page_body() {
	grep -v -e '<p class="note">Checked ' -e '<footer' -e '^<p>Bundle checked:' "$1"
}

@test "report --bundle --genesis: an auditor's page from a bundle alone, no home needed" {
	history
	mutua --home "$A" export --out "$T/all.bundle" 2>/dev/null
	run -0 --separate-stderr mutua --home "$T/auditor" report --html --out "$T/a.html" \
		--bundle "$T/all.bundle" --genesis "$GENESIS"
	[ ! -e "$T/auditor" ]
	stderr_has "mutua: report written to $T/a.html (audit OK)"
	has "$T/a.html" "$FED_ID" 'Audit OK' "Bundle checked: <span class=\"mono\">$T/all.bundle</span>" \
		"against the auditor's own copy of the federation's founding document" \
		'Alpha' "$EVIL_HTML" "$TOM_HTML" 'Camion &lt;b&gt;20m3&lt;/b&gt;'
	# the same page as a member's, the period's too
	mutua --home "$A" report --html --out "$T/m.html"
	diff <(page_body "$T/a.html") <(page_body "$T/m.html")
	mutua --home "$T/auditor" report --html --out "$T/a.html" --from 2026-03-01 \
		--bundle "$T/all.bundle" --genesis "$GENESIS" 2>/dev/null
	mutua --home "$A" report --html --out "$T/m.html" --from 2026-03-01
	diff <(page_body "$T/a.html") <(page_body "$T/m.html")
	# a bundle that fails the audit gives a page that says so
	"$BUNDLETOOL" step "$A" close "$R1" 1000 100
	mutua --home "$A" export --out "$T/bad.bundle" 2>/dev/null
	run -0 --separate-stderr mutua --json --home "$T/auditor" report --html \
		--out "$T/b.html" --bundle "$T/bad.bundle" --genesis "$GENESIS"
	[ "$(json_get "$output" '$.audit_ok')" = 0 ]
	[ "$(json_get "$output" '$.violations')" = 1 ]
	has "$T/b.html" 'Audit FAILED: 1 record breaks' "(settled once)"
	[ ! -e "$T/auditor" ]
}

@test "report --bundle: the genesis is required (2), and must be the bundle's (1)" {
	history
	mutua --home "$A" export --out "$T/all.bundle" 2>/dev/null
	run -2 --separate-stderr mutua --home "$T/auditor" report --html --out "$T/a.html" \
		--bundle "$T/all.bundle"
	stderr_has "usage: mutua report --html --out FILE [--from DATE] [--to DATE] [--bundle FILE --genesis GENESIS]"
	run -2 --separate-stderr mutua --home "$A" report --html --out "$T/a.html" \
		--genesis "$GENESIS"
	mutua --home "$T/x" init --name Other >/dev/null
	mutua --home "$T/x" federation create --name Other --out "$T/other.txt" >/dev/null
	run -1 --separate-stderr mutua --home "$T/auditor" report --html --out "$T/a.html" \
		--bundle "$T/all.bundle" --genesis "$T/other.txt"
	[ "${#stderr_lines[@]}" -eq 1 ]
	stderr_has "mutua: cannot audit $T/all.bundle: the bundle is of another federation than the one expected"
	run -1 --separate-stderr mutua --home "$T/auditor" report --html --out "$T/a.html" \
		--bundle "$T/none.bundle" --genesis "$GENESIS"
	stderr_has "mutua: cannot audit $T/none.bundle: cannot open '$T/none.bundle'"
	[ ! -e "$T/a.html" ]
	[ ! -e "$T/auditor" ]
}
