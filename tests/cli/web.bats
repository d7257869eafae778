#!/usr/bin/env bats
# web.bats - the staff's web page (node/web.c, web/, issue 18), served by
# real mutuad processes on free ports: two nodes on ipc:// sockets, each
# with web_listen. The browser test (tests/web/run.js: Debian's chromium,
# headless, driven by puppeteer-core) signs in with the setup links,
# searches, borrows on one node, accepts on the owner's, checks the
# refusals (wrong password, a POST without the CSRF token, a revoked
# person), takes screenshots at phone and desktop widths and runs axe-core
# on the main pages. The HTTP rules without a browser (curl): headers,
# body bound, static files, one answer for a wrong address or password,
# the limit on failed sign-ins, an idle session's expiry, the language.
# WEB_SHOTS=DIR keeps the screenshots there (make screenshots).

bats_require_minimum_version 1.5.0
load helpers

WEBTESTS=$BATS_TEST_DIRNAME/../web

web_deps() {
	command -v node >/dev/null && [ -d "$WEBTESTS/node_modules/puppeteer-core" ] &&
		[ -x /usr/bin/chromium ] || {
		echo "the browser tests need node, chromium and tests/web/node_modules: run deploy/deps.sh" >&2
		return 1
	}
}

# start_web N [CONF LINES...]: make_nodes N, each with web_listen on a free
# port (W[i] its URL) and the extra lines in its mutua.conf; starts them,
# each dialling the others, and waits until appends open.
start_web() {
	local n=$1 i j p
	shift
	make_nodes "$n" || return 1
	W=()
	for ((i = 1; i <= n; i++)); do
		p=$(free_port) || return 1
		W[i]=http://127.0.0.1:$p
		{
			echo "web_listen = 127.0.0.1:$p"
			printf '%s\n' "$@"
		} >"${H[i]}/mutua.conf"
	done
	for ((i = 1; i <= n; i++)); do
		local peers=()
		for ((j = 1; j <= n; j++)); do
			[ "$i" = "$j" ] || peers+=(--peer "${EP[j]}")
		done
		start_node "$i" "${peers[@]}"
	done
	for ((i = 1; i <= n; i++)); do
		[ "$n" = 1 ] || wait_log "$i" "appends open" || return 1
		wait_log "$i" "web page on" || return 1
	done
}

# knows_offers HOME N: HOME has folded N offers
knows_offers() {
	[ "$(sql "$1" "SELECT count(*) FROM resources")" = "$2" ]
}

# add_person I EMAIL NAME ROLE...: staff add --web on node I; prints the token
add_person() {
	local i=$1 email=$2 name=$3 out
	shift 3
	local roles=()
	for r in "$@"; do roles+=(--role "$r"); done
	out=$(mutua --home "${H[i]}" --json staff add --web --email "$email" --name "$name" \
		"${roles[@]}") || return 1
	json_get "$out" '$.setup'
}

# bob_told: a mail to bob@example.org about the truck's request
bob_told() {
	grep -l "bob@example.org" "$T/mail"/*.eml 2>/dev/null | xargs -r grep -l "Camion frigorifique" |
		grep -q .
}

@test "in a browser: first sign-in, search, borrow on one node, the owner told by mail, accept, handover and return with condition reports on each side, a proposal and a vote by an admin, a non-admin refused, the auditor's summary as mutua audit says, sign out; wrong password, no CSRF token, a revoked person refused" {
	web_deps
	# the owner's staff are told of the request: a sendmail stand-in on
	# the PATH records each mail (tests/tools/fake-sendmail)
	mkdir -p "$T/bin" "$T/mail"
	ln -s "$BATS_TEST_DIRNAME/../tools/fake-sendmail" "$T/bin/sendmail"
	export PATH="$T/bin:$PATH" MUTUA_MAILDIR=$T/mail
	start_web 2 "notify_mail = on"
	SETUP1=$(add_person 1 lea@example.org "Léa Martin" borrow lend admin)
	SETUP2=$(add_person 2 bob@example.org "Bob Durand" lend)
	mutua --home "${H[2]}" offer add --kind vehicle --title "Camion frigorifique" --unit day \
		--rate 10.5 --location "Lyon 7e" --description "Camion 12 m3" \
		--conditions "Rendre le plein fait" --deposit 50 >/dev/null
	mutua --home "${H[2]}" offer add --kind room --title "Salle de réunion" --unit hour \
		--rate 2 --location Villeurbanne >/dev/null
	wait_until 60 knows_offers "${H[1]}" 2
	shots=${WEB_SHOTS:-$T/shots}
	mkdir -p "$shots"
	run --separate-stderr env WEB1="${W[1]}" WEB2="${W[2]}" SETUP1="$SETUP1" SETUP2="$SETUP2" \
		MUTUA="$MUTUA" HOME1="${H[1]}" HOME2="${H[2]}" SHOTS="$shots" TMPDIR="$T" \
		timeout 300 node "$WEBTESTS/run.js"
	echo "$output"
	echo "$stderr" >&2
	[ "$status" -eq 0 ]
	[[ $output == *$'\nok'* ]]
	[ -s "$shots/catalogue-phone.png" ] && [ -s "$shots/incoming-desktop.png" ]
	# the audit names Léa for the request and Bob for the accept
	sql "${H[2]}" "SELECT d.name FROM acts a JOIN delegations d ON d.id = a.delegation
		WHERE a.verdict IS NULL ORDER BY d.name" >"$T/acts"
	grep -qx "Bob Durand" "$T/acts"
	grep -qx "Léa Martin" "$T/acts"
	# Bob got the mail about Léa's request on his node
	wait_until 30 bob_told
	# the handover and the return name their people on the owner's node
	sql "${H[2]}" "SELECT e.type, d.name FROM acts a JOIN delegations d ON d.id = a.delegation
		JOIN loan_events e ON e.id = a.id WHERE a.verdict IS NULL ORDER BY e.time" >"$T/steps"
	cat "$T/steps"
	grep -qx "handover|Bob Durand" "$T/steps"
	grep -qx "return|Léa Martin" "$T/steps"
	# no staff key, sealed or not, in any answer of the log
	! grep -q "sign_sk\|sealed" "$T/1.log" "$T/2.log"
}

# curl_json METHOD URL [BODY] [HEADER...]: the status on the first line,
# then the body
curl_json() {
	local method=$1 url=$2 body=${3:-}
	shift 3 || shift $#
	local args=(-s -o "$T/body" -w '%{http_code}' -b "$T/cookies" -c "$T/cookies" -X "$method")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	for h in "$@"; do args+=(-H "$h"); done
	curl "${args[@]}" "$url"
	echo
	cat "$T/body"
}

@test "the web page's libraries are loaded only for the web page: a node without web_listen maps neither; with it, both; a library that is not libmicrohttpd stops the node with one line saying what to install" {
	make_nodes 1
	start_node 1
	wait_log 1 "listening on"
	pid=$(daemon_pid 1)
	grep -q libzmq "/proc/$pid/maps"
	run ! grep -q "libmicrohttpd\|libgnutls" "/proc/$pid/maps"
	stop_daemon 1
	p=$(free_port)
	echo "web_listen = 127.0.0.1:$p" >"${H[1]}/mutua.conf"
	start_node 1
	wait_log 1 "web page on"
	pid=$(daemon_pid 1)
	grep -q libmicrohttpd "/proc/$pid/maps"
	grep -q libgnutls "/proc/$pid/maps"
	stop_daemon 1
	command -v cc >/dev/null || skip "no C compiler for a library without libmicrohttpd's functions"
	so=$(grep -ao 'libmicrohttpd\.so\.[0-9]*' "$MUTUAD" | head -n 1)
	[ -n "$so" ]
	mkdir "$T/lib"
	cc -shared -o "$T/lib/$so" -x c /dev/null
	run --separate-stderr env LD_LIBRARY_PATH="$T/lib" timeout 20 "$MUTUAD" --home "${H[1]}" \
		--listen "${EP[1]}"
	[ "$status" -eq 1 ]
	[ "$(grep -c . <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"the web page needs $so"*"install the packages libmicrohttpd12"*"or leave web_listen unset"* ]]
	! curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$p/"
}

@test "the web API without a browser: headers, bounded bodies, static files, one sign-in refusal, the limit on failures, idle expiry, the reader's language, the steps' checks, no vote without the admin role, the audit's summary" {
	command -v curl >/dev/null || skip "no curl"
	start_web 1 "web_idle = 2"
	TOKEN=$(add_person 1 lea@example.org "Léa Martin" borrow)
	U=${W[1]}
	# the page, with its headers
	run curl -s -D - -o /dev/null "$U/"
	daemon_alive 1 || cat "$T/1.log" >&2
	[[ $output == *"Content-Security-Policy: default-src 'self'"* ]]
	[[ $output == *"X-Content-Type-Options: nosniff"* ]]
	[[ $output == *"Referrer-Policy: no-referrer"* ]]
	[[ $output == *"X-Frame-Options: DENY"* ]]
	# nothing outside the web root
	for p in /../store.db /%2e%2e/key /.hidden /app.js.bak /api/nothing; do
		run curl -s -o /dev/null -w '%{http_code}' "$U$p"
		[ "$output" = 404 ]
	done
	# a body past 16 KB
	big=$(head -c 20000 /dev/zero | tr '\0' a)
	run curl_json POST "$U/api/login" "{\"email\":\"$big\"}"
	[ "${lines[0]}" = 413 ]
	# not JSON: refused before anything else
	run curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: text/plain' \
		--data 'email=a' "$U/api/login"
	[ "$output" = 400 ]
	# first sign-in: a short password, then the right one; the link once
	run curl_json POST "$U/api/setup" "{\"token\":\"$TOKEN\",\"password\":\"short\"}"
	[ "${lines[0]}" = 400 ]
	run curl_json POST "$U/api/setup" "{\"token\":\"$TOKEN\",\"password\":\"long enough 123\"}"
	[ "${lines[0]}" = 200 ]
	[ "$(json_get "${lines[1]}" '$.name')" = "Léa Martin" ]
	[ "$(json_get "${lines[1]}" '$.admin')" = 0 ]
	csrf=$(json_get "${lines[1]}" '$.csrf')
	grep -q 'HttpOnly' "$T/cookies"
	# the steps' inputs, checked as the CLI checks them, refused with the
	# check's message; then the ledger's rules
	zero=$(printf '0%.0s' $(seq 64))
	run curl_json POST "$U/api/step" "{\"id\":\"$zero\",\"step\":\"fly\"}" "X-CSRF-Token: $csrf"
	[ "${lines[0]}" = 400 ]
	run curl_json POST "$U/api/step" "{\"id\":\"$zero\",\"step\":\"handover\",\"fuel\":\"half\"}" \
		"X-CSRF-Token: $csrf"
	[ "${lines[0]}" = 400 ]
	[[ ${lines[1]} == *half*niveau* ]]
	run curl_json POST "$U/api/step" "{\"id\":\"$zero\",\"step\":\"agree\",\"meter\":\"12\"}" \
		"X-CSRF-Token: $csrf"
	[ "${lines[0]}" = 400 ]
	run curl_json POST "$U/api/step" "{\"id\":\"$zero\",\"step\":\"return\",\"usage\":\"-3\"}" \
		"X-CSRF-Token: $csrf"
	[ "${lines[0]}" = 400 ]
	run curl_json POST "$U/api/step" "{\"id\":\"$zero\",\"step\":\"return\"}" "X-CSRF-Token: $csrf"
	[ "${lines[0]}" = 404 ]
	# no admin role: no vote, no proposal, whatever is asked (403, the rule)
	run curl_json POST "$U/api/vote" "{\"id\":\"$zero\",\"choice\":\"yes\"}" "X-CSRF-Token: $csrf"
	[ "${lines[0]}" = 403 ]
	[[ ${lines[1]} == *"admin"* ]]
	# the staff rule's reason wholly in the reader's language (French by
	# default), English when the browser asks for it
	[[ ${lines[1]} == *"n'accorde pas le rôle admin"* ]]
	[[ ${lines[1]} != *"delegation"* && ${lines[1]} != *"grant"* ]]
	run curl_json POST "$U/api/vote" "{\"id\":\"$zero\",\"choice\":\"yes\"}" \
		"X-CSRF-Token: $csrf" 'Accept-Language: en'
	[ "${lines[0]}" = 403 ]
	[[ ${lines[1]} == *"the delegation does not grant the role admin"* ]]
	run curl_json POST "$U/api/propose" '{"param":"quorum","value":"10"}' "X-CSRF-Token: $csrf"
	[ "${lines[0]}" = 403 ]
	# the auditor's summary: what mutua audit says of the same store
	run curl_json GET "$U/api/audit"
	[ "${lines[0]}" = 200 ]
	[ "$(json_get "${lines[1]}" '$.audit.ok')" = 1 ]
	page=$(json_get "${lines[1]}" '$.audit.entries')
	cli=$(mutua --home "${H[1]}" --json audit | grep '^{"summary"')
	[ "$page" = "$(json_get "$cli" '$.entries')" ]
	run curl_json GET "$U/api/audit"
	[ "$(json_get "${lines[1]}" '$.cached')" = 1 ]
	run curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' \
		--data "{\"token\":\"$TOKEN\",\"password\":\"long enough 123\"}" "$U/api/setup"
	[[ $output == *"404"* ]]
	# signed in; idle for 2 s (web_idle): signed out
	run curl_json GET "$U/api/me"
	[ "${lines[0]}" = 200 ]
	sleep 3
	run curl_json GET "$U/api/me"
	[ "${lines[0]}" = 401 ]
	[[ ${lines[1]} == *"session a expiré"* ]]
	# one answer for an unknown address and a wrong password, in French by
	# default, in English when the browser prefers it
	run curl_json POST "$U/api/login" '{"email":"nobody@example.org","password":"long enough 123"}'
	[ "${lines[0]}" = 401 ]
	unknown=$(json_get "${lines[1]}" '$.error')
	run curl_json POST "$U/api/login" '{"email":"lea@example.org","password":"wrong password"}'
	[ "${lines[0]}" = 401 ]
	[ "$(json_get "${lines[1]}" '$.error')" = "$unknown" ]
	[ "$unknown" = "adresse e-mail ou mot de passe incorrect" ]
	run curl_json POST "$U/api/login" '{"email":"lea@example.org","password":"wrong again"}' \
		'Accept-Language: en-GB,en;q=0.9,fr;q=0.5'
	[ "$(json_get "${lines[1]}" '$.error')" = "wrong e-mail address or password" ]
	# the page's words: every key of strings.json, from the same catalogue
	# as the CLI's, French by default
	run curl_json GET "$U/api/strings"
	[ "${lines[0]}" = 200 ]
	[ "$(json_get "${lines[1]}" '$._lang')" = fr ]
	[ "$(json_get "${lines[1]}" '$."nav.mine"')" = "Mes demandes" ]
	python3 - "${lines[1]}" "$BATS_TEST_DIRNAME/../../web/strings.json" <<'EOF'
import json, sys
got, src = json.loads(sys.argv[1]), json.load(open(sys.argv[2]))
assert set(got) == set(src) | {"_lang"}, set(src) ^ set(got)
assert sum(got[k] != v for k, v in src.items()) > len(src) / 2, "mostly untranslated"
EOF
	run curl_json GET "$U/api/strings" '' 'Accept-Language: en-GB,en;q=0.9,fr;q=0.5'
	[ "$(json_get "${lines[1]}" '$._lang')" = en ]
	[ "$(json_get "${lines[1]}" '$."nav.mine"')" = "My requests" ]
	# five failures for the account: the right password waits 15 minutes
	for i in 1 2; do
		run curl_json POST "$U/api/login" '{"email":"lea@example.org","password":"wrong"}'
	done
	run curl_json POST "$U/api/login" '{"email":"LEA@example.org","password":"long enough 123"}'
	[ "${lines[0]}" = 429 ]
	log_has 1 "sign-in as 'lea@example.org' from 127.0.0.1 refused"
}

@test "the auditor's summary: verified, then a hostile entry of the member's own feed named with its rule, audited again once the store's head moved" {
	command -v curl >/dev/null || skip "no curl"
	BUNDLETOOL=$BATS_TEST_DIRNAME/../../build/tests/tools/bundletool
	[ -x "$BUNDLETOOL" ] || {
		echo "build/tests/tools/bundletool is missing: run make tests first" >&2
		return 1
	}
	start_web 1
	TOKEN=$(add_person 1 lea@example.org "Léa Martin" borrow)
	U=${W[1]}
	mutua --home "${H[1]}" offer add --kind room --title Salle --unit hour --rate 2 >/dev/null
	res=$(mutua --home "${H[1]}" --json offer list | grep -o '"id":"[0-9a-f]*"' | head -1 | cut -d'"' -f4)
	run curl_json POST "$U/api/setup" "{\"token\":\"$TOKEN\",\"password\":\"long enough 123\"}"
	[ "${lines[0]}" = 200 ]
	run curl_json GET "$U/api/audit"
	[ "${lines[0]}" = 200 ]
	[ "$(json_get "${lines[1]}" '$.audit.ok')" = 1 ]
	[ "$(json_get "${lines[1]}" '$.cached')" = 0 ]
	before=$(json_get "${lines[1]}" '$.audit.entries')
	run curl_json GET "$U/api/audit"
	[ "$(json_get "${lines[1]}" '$.cached')" = 1 ]
	# a patched node signs a request for the member's own resource: every
	# node leaves it without effect, the audit names it
	now=$(date +%s%3N)
	"$BUNDLETOOL" sign "${H[1]}" +0 "$T/own.rec" request "$res" $((now + 86400000)) \
		$((now + 90000000)) >"$T/own.id"
	run curl_json GET "$U/api/audit"
	[ "${lines[0]}" = 200 ]
	echo "${lines[1]}"
	[ "$(json_get "${lines[1]}" '$.cached')" = 0 ]
	[ "$(json_get "${lines[1]}" '$.audit.ok')" = 0 ]
	[ "$(json_get "${lines[1]}" '$.audit.entries')" = $((before + 1)) ]
	[ "$(json_get "${lines[1]}" '$.audit.violations')" = 1 ]
	[ "$(json_get "${lines[1]}" '$.audit.issues[0].rule')" = lending ]
	[[ $(json_get "${lines[1]}" '$.audit.issues[0].detail') == *"borrower's own"* ]]
	seq=$(json_get "${lines[1]}" '$.audit.issues[0].seq')
	# the same finding as mutua audit on that store
	run mutua --home "${H[1]}" --json audit
	[[ $output == *"\"seq\":$seq,\"rule\":\"lending\""* ]]
}

# audit_answered: the auditor's summary answers 200 (the audit has run)
audit_answered() {
	run curl_json GET "$U/api/audit"
	[ "${lines[0]}" = 200 ]
}

@test "the auditor's summary's wait: a request waits web_audit_wait for a running audit, then is told to come back (503); the next one does not start another; the result once it has run" {
	command -v curl >/dev/null || skip "no curl"
	# a wait of 0: the request is answered before the audit it started ends
	start_web 1 "web_audit_wait = 0"
	TOKEN=$(add_person 1 lea@example.org "Léa Martin" borrow)
	U=${W[1]}
	for i in 1 2 3; do
		mutua --home "${H[1]}" offer add --kind room --title "Salle $i" --unit hour \
			--rate 2 >/dev/null
	done
	run curl_json POST "$U/api/setup" "{\"token\":\"$TOKEN\",\"password\":\"long enough 123\"}"
	[ "${lines[0]}" = 200 ]
	run curl_json GET "$U/api/audit"
	[ "${lines[0]}" = 503 ]
	[ "$(json_get "${lines[1]}" '$.error')" = "l'audit est toujours en cours" ]
	[[ $(json_get "${lines[1]}" '$.hint') == *"instant"* ]]
	# a second request at once: the running audit's answer (503), or its
	# result kept (it ended meanwhile), never an audit of its own
	run curl_json GET "$U/api/audit"
	[ "${lines[0]}" = 503 ] || [ "$(json_get "${lines[1]}" '$.cached')" = 1 ]
	wait_until 30 audit_answered
	[ "$(json_get "${lines[1]}" '$.current')" = 1 ]
	[ "$(json_get "${lines[1]}" '$.audit.ok')" = 1 ]
	[ "$(json_get "${lines[1]}" '$.cached')" = 1 ]
}

@test "a borrower's patched node signs the owner's close (usage 0) and an accept of its own request: the owner's page, its calendar feed and both audits hold; a backdated step is refused by the chain" {
	BT=$BATS_TEST_DIRNAME/../../build/tests/tools/bundletool
	start_web 2
	TOKEN=$(add_person 2 bob@example.org "Bob Durand" lend)
	TRUCK=$(mutua --home "${H[2]}" offer add --kind vehicle --title Camion --unit day --capacity 1 --rate 10)
	wait_until 20 knows_offers "${H[1]}" 1
	R=$(mutua --home "${H[1]}" borrow "$TRUCK" --from 2030-03-02 --to 2030-03-03)
	wait_until 20 has_entries "${H[2]}" 2 "${ID[1]}"
	mutua --home "${H[2]}" accept "$R" >/dev/null
	mutua --home "${H[2]}" handover "$R" >/dev/null
	wait_until 20 has_entries "${H[1]}" 4 "${ID[2]}"
	# the borrower's patched node: the owner's step, and an accept of its own request
	"$BT" step "${H[1]}" close "$R" 0 0
	"$BT" step "${H[1]}" accept "$R" -1 -1
	# and one dated 2021, before its own last entry: no store takes it
	run -1 "$BT" step "${H[1]}" accept "$R" -1 -1 head 1609459200000
	[[ $output == *"before seq 4's"* ]]
	wait_until 20 has_entries "${H[2]}" 4 "${ID[1]}"
	run curl_json POST "${W[2]}/api/setup" "{\"token\":\"$TOKEN\",\"password\":\"long enough 123\"}"
	[ "${lines[0]}" = 200 ]
	run curl_json GET "${W[2]}/api/request?id=$R"
	[ "$(json_get "${lines[1]}" '$.request[0].state')" = handed_over ]
	[[ $(json_get "${lines[1]}" '$.request[0].can') == *close* ]]
	# the feed a calendar client reads still shows the loan as it stands
	url=$(mutua --home "${H[2]}" calendar --subscribe "$TRUCK")
	curl -fsS "$url" >"$T/feed.ics"
	grep -q "^SUMMARY:.*Camion" "$T/feed.ics"
	grep -c '^BEGIN:VEVENT' "$T/feed.ics" | grep -qx 1
	for h in 1 2; do
		run -1 --separate-stderr mutua --home "${H[$h]}" audit
		[[ $output == *"close of request ${R:0:12} ignored"* ]]
		[[ $output == *"accept of request ${R:0:12} ignored"* ]]
	done
	# the loan goes on as the rules say: the borrower returns it, the owner closes it
	mutua --home "${H[1]}" return "$R" --usage 2 >/dev/null
	wait_until 20 has_entries "${H[2]}" 5 "${ID[1]}"
	run -0 mutua --home "${H[2]}" close "$R" --usage 2
}
