#!/usr/bin/env bats
# calendar_subscribe.bats - calendar subscriptions (ledger/icalsub.h,
# ledger/ical.h, issue 18): `mutua calendar --subscribe` prints an iCal
# URL with a secret token that mutuad's web page serves without a session;
# each feed is read by a small strict RFC 5545 reader
# (tests/tools/ics-check.py); revoked and unknown tokens are a bare 404,
# limited per address as sign-ins are; a staff person's own subscription
# ("my loans", made on the web page) shows their loans only and ends when
# they are revoked.

bats_require_minimum_version 1.5.0
load helpers

ICS_CHECK=$BATS_TEST_DIRNAME/../tools/ics-check.py

# start_web2: two nodes, each with web_listen on a free port (W[i] its
# URL), dialling each other.
start_web2() {
	local i p
	make_nodes 2 || return 1
	W=()
	for i in 1 2; do
		p=$(free_port) || return 1
		W[i]=http://127.0.0.1:$p
		echo "web_listen = 127.0.0.1:$p" >"${H[i]}/mutua.conf"
	done
	start_node 1 --peer "${EP[2]}"
	start_node 2 --peer "${EP[1]}"
	for i in 1 2; do
		wait_log "$i" "appends open" || return 1
		wait_log "$i" "web page on" || return 1
	done
}

knows() { # HOME SQL N
	[ "$(sql "$1" "$2")" = "$3" ]
}

# day N HOUR: the UTC date-time N days from now at HOUR:00, as typed
day() {
	date -u -d "+$1 days" +%Y-%m-%dT$2:00
}

# fetch URL: fetches URL into $T/feed.ics; the status on stdout
fetch() {
	curl -s -o "$T/feed.ics" -D "$T/headers" -w '%{http_code}' "$1"
}

@test "calendar --subscribe: a resource's URL served without a session, strict RFC 5545, one event a loan and none of another resource; the member's feed is calendar --ics; revoke, unknown and malformed tokens are a bare 404, then limited" {
	command -v curl >/dev/null || skip "no curl"
	start_web2
	TRUCK=$(mutua --home "${H[2]}" offer add --kind vehicle --title "Camion; frigo, 12 m3" \
		--unit day --rate 10 --location "Lyon 7e")
	ROOM=$(mutua --home "${H[2]}" offer add --kind room --title "Salle de réunion" \
		--unit hour --rate 2)
	is_id "$TRUCK"
	is_id "$ROOM"
	wait_until 60 knows "${H[1]}" "SELECT count(*) FROM resources" 2
	R1=$(mutua --home "${H[1]}" borrow "$TRUCK" --from "$(day 10 09)" --to "$(day 11 18)")
	R2=$(mutua --home "${H[1]}" borrow "$TRUCK" --from "$(day 20 09)" --to "$(day 21 18)")
	R3=$(mutua --home "${H[1]}" borrow "$ROOM" --from "$(day 12 14)" --to "$(day 12 16)")
	wait_until 60 knows "${H[2]}" "SELECT count(*) FROM loans" 3
	for r in "$R1" "$R2" "$R3"; do mutua --home "${H[2]}" accept "$r" >/dev/null; done
	# the web page is off on a home without web_listen: said, and refused
	mv "${H[1]}/mutua.conf" "${H[1]}/mutua.conf.off"
	run -1 --separate-stderr mutua --home "${H[1]}" calendar --subscribe
	stderr_has "web_listen"
	mv "${H[1]}/mutua.conf.off" "${H[1]}/mutua.conf"
	# a resource's URL
	run -0 --separate-stderr mutua --home "${H[2]}" calendar --subscribe "${TRUCK:0:10}"
	[[ $output =~ ^${W[2]}/ical/[A-Za-z0-9_-]{43}\.ics$ ]]
	U_TRUCK=$output
	stderr_has "Thunderbird"
	[ "$(fetch "$U_TRUCK")" = 200 ]
	grep -qi '^content-type: text/calendar; charset=utf-8' "$T/headers"
	grep -qi '^cache-control: private' "$T/headers"
	! grep -qi '^set-cookie' "$T/headers"
	run -0 "$ICS_CHECK" "$T/feed.ics"
	[ "${#lines[@]}" -eq 2 ]
	for r in "$R1" "$R2"; do grep -q "^$r@mutua	" <<<"$output"; done
	! grep -q "$R3" "$T/feed.ics"
	# the right slots and summary (escaped ; and , read back)
	from=$(date -u -d "$(day 10 09)" +%Y%m%dT%H%M%SZ)
	to=$(date -u -d "$(day 11 18)" +%Y%m%dT%H%M%SZ)
	grep -qx "$R1@mutua	$from	$to	Camion; frigo, 12 m3 - N1" <<<"$output"
	# the other resource's URL shows its own loan only
	U_ROOM=$(mutua --home "${H[2]}" calendar --subscribe "Salle de réunion")
	[ "$(fetch "$U_ROOM")" = 200 ]
	run -0 "$ICS_CHECK" "$T/feed.ics"
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == "$R3@mutua	"* ]]
	! grep -q "$R1\|$R2" "$T/feed.ics"
	# the member's whole calendar: what calendar --ics writes (but its stamp)
	run -0 mutua --home "${H[2]}" --json calendar --subscribe
	U_ALL=$(json_get "$output" '$.url')
	ALL_ID=$(json_get "$output" '$.id')
	[ "$(fetch "$U_ALL")" = 200 ]
	run -0 "$ICS_CHECK" "$T/feed.ics"
	[ "${#lines[@]}" -eq 3 ]
	# (in English: the page answers French unless the reader asks)
	curl -s -H 'Accept-Language: en' -o "$T/feed.ics" "$U_ALL"
	mutua --home "${H[2]}" calendar --ics | grep -v '^DTSTAMP' >"$T/cli.ics"
	grep -v '^DTSTAMP' "$T/feed.ics" >"$T/web.ics"
	cmp "$T/cli.ics" "$T/web.ics"
	# listed; the token is nowhere in the store, only its hash
	run -0 mutua --home "${H[2]}" --json calendar --subscriptions
	json_lines "$output" 3
	tok=${U_TRUCK##*/}
	tok=${tok%.ics}
	[ "$(sql "${H[2]}" "SELECT count(*) FROM ical_subs WHERE token = CAST('$tok' AS BLOB)
		OR instr(token, CAST('$tok' AS BLOB)) > 0")" = 0 ]
	run -0 mutua --home "${H[2]}" calendar --subscriptions
	[[ $output == *"Salle de réunion"* ]]
	# revoked: a bare 404, listed as revoked
	run -0 mutua --home "${H[2]}" calendar --revoke "$ALL_ID"
	[ "$(fetch "$U_ALL")" = 404 ]
	[ ! -s "$T/feed.ics" ]
	run -0 mutua --home "${H[2]}" --json calendar --subscriptions
	grep "\"id\":$ALL_ID," <<<"$output" | grep -q '"revoked":"2'
	run -1 mutua --home "${H[2]}" calendar --revoke "$ALL_ID"
	run -2 mutua --home "${H[2]}" calendar --revoke x
	run -2 mutua --home "${H[2]}" calendar --subscribe --subscriptions
	# unknown and malformed tokens: the same bare 404
	[ "$(fetch "${W[2]}/ical/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics")" = 404 ]
	[ "$(fetch "${W[2]}/ical/${tok:0:42}.ics")" = 404 ]
	[ "$(fetch "${W[2]}/ical/${tok}.ICS")" = 404 ]
	[ "$(fetch "${W[2]}/ical/${tok:0:42}%2e.ics")" = 404 ]
	[ ! -s "$T/feed.ics" ]
	# five failures from this address: even a good token waits
	[ "$(fetch "$U_TRUCK")" = 429 ]
	# the other node's page knows none of these tokens
	[ "$(curl -s -o /dev/null -w '%{http_code}' "${W[1]}/ical/$tok.ics")" = 404 ]
}

# web_call METHOD PATH [BODY]: on node 1's web page with the session's
# cookie and CSRF token; the status, then the body
web_call() {
	local args=(-s -o "$T/body" -w '%{http_code}' -b "$T/cookies" -c "$T/cookies" -X "$1")
	[ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' -H "X-CSRF-Token: ${CSRF:-}"
		--data-binary "$3")
	curl "${args[@]}" "${W[1]}$2"
	echo
	cat "$T/body"
}

@test "a staff person's own subscription (the web page's 'my loans'): their loans only, listed and revoked by them; calendar --person; it ends when the person is revoked" {
	command -v curl >/dev/null || skip "no curl"
	start_web2
	TRUCK=$(mutua --home "${H[2]}" offer add --kind vehicle --title Camion --unit day --rate 1)
	wait_until 60 knows "${H[1]}" "SELECT count(*) FROM resources" 1
	out=$(mutua --home "${H[1]}" --json staff add --web --email lea@example.org \
		--name "Léa Martin" --role borrow)
	SETUP=$(json_get "$out" '$.setup')
	# the member's own request, not Léa's
	R0=$(mutua --home "${H[1]}" borrow "$TRUCK" --from "$(day 5 09)" --to "$(day 5 18)")
	run -0 web_call POST /api/setup "{\"token\":\"$SETUP\",\"password\":\"correct horse battery\"}"
	[ "${lines[0]}" = 200 ]
	CSRF=$(json_get "${lines[1]}" '$.csrf')
	from=$(date -u -d "$(day 8 09)" +%s)000
	to=$(date -u -d "$(day 8 18)" +%s)000
	run -0 web_call POST /api/borrow "{\"resource\":\"$TRUCK\",\"from\":$from,\"to\":$to}"
	[ "${lines[0]}" = 200 ]
	RL=$(json_get "${lines[1]}" '$.id')
	# without the CSRF token: refused
	CSRF=x run -0 web_call POST /api/subscribe '{"mine":true}'
	[ "${lines[0]}" = 403 ]
	run -0 web_call POST /api/subscribe '{"mine":true,"resource":"'"$TRUCK"'"}'
	[ "${lines[0]}" = 400 ]
	run -0 web_call POST /api/subscribe '{"mine":true}'
	[ "${lines[0]}" = 200 ]
	P=$(json_get "${lines[1]}" '$.path')
	SID=$(json_get "${lines[1]}" '$.id')
	[[ $P =~ ^/ical/[A-Za-z0-9_-]{43}\.ics$ ]]
	# it holds her requests only (as asked: the calendar shows what holds,
	# so accept both on the owner's node)
	wait_until 60 knows "${H[2]}" "SELECT count(*) FROM loans" 2
	mutua --home "${H[2]}" accept "$R0" >/dev/null
	mutua --home "${H[2]}" accept "$RL" >/dev/null
	wait_until 60 knows "${H[1]}" "SELECT count(*) FROM loans WHERE state = 'accepted'" 2
	[ "$(fetch "${W[1]}$P")" = 200 ]
	run -0 "$ICS_CHECK" "$T/feed.ics"
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == "$RL@mutua	"* ]]
	# the same from the CLI: --person
	U=$(mutua --home "${H[1]}" calendar --subscribe --person "Léa")
	[ "$(fetch "$U")" = 200 ]
	run -0 "$ICS_CHECK" "$T/feed.ics"
	[ "${#lines[@]}" -eq 1 ]
	run -2 mutua --home "${H[1]}" calendar --subscribe "$TRUCK" --person "Léa"
	run -1 mutua --home "${H[1]}" calendar --subscribe --person "Nobody"
	# hers, listed to her; another's not hers to revoke
	run -0 web_call GET /api/subscriptions
	[ "${lines[0]}" = 200 ]
	[ "$(sqlite3 :memory: "SELECT json_array_length($(sql_quote "${lines[1]}"))")" = 1 ]
	OTHER=$(mutua --home "${H[1]}" --json calendar --subscriptions | grep -v "\"id\":$SID," |
		head -1)
	OTHER_ID=$(json_get "$OTHER" '$.id')
	run -0 web_call POST /api/unsubscribe "{\"id\":$OTHER_ID}"
	[ "${lines[0]}" = 404 ]
	# a second one of hers, revoked by her
	run -0 web_call POST /api/subscribe "{\"resource\":\"$TRUCK\"}"
	P2=$(json_get "${lines[1]}" '$.path')
	S2=$(json_get "${lines[1]}" '$.id')
	[ "$(fetch "${W[1]}$P2")" = 200 ]
	run -0 "$ICS_CHECK" "$T/feed.ics"
	[ "${#lines[@]}" -eq 2 ]
	run -0 web_call POST /api/unsubscribe "{\"id\":$S2}"
	[ "${lines[0]}" = 200 ]
	[ "$(fetch "${W[1]}$P2")" = 404 ]
	# Léa revoked: every subscription made by her or showing her ends
	mutua --home "${H[1]}" staff revoke "Léa Martin" >/dev/null
	[ "$(fetch "${W[1]}$P")" = 404 ]
	[ "$(fetch "$U")" = 404 ]
	run -0 mutua --home "${H[1]}" --json calendar --subscriptions
	[ "$(grep -c '"revoked":null' <<<"$output")" = 0 ]
}
