#!/usr/bin/env bats
# web_tls.bats - the web page's own TLS (web_tls_cert, web_tls_key in
# mutua.conf; libmicrohttpd with GnuTLS, node/web.c): a self-signed
# certificate made here with openssl, the page and a calendar subscription
# over https checked against it with curl --cacert, the cookie Secure; a
# missing, garbled or mismatched file, or one key without the other, is a
# configuration error: mutuad refuses to start (status 2) with one line
# naming the file.

bats_require_minimum_version 1.5.0
load helpers

# selfsigned NAME: $T/NAME.crt and $T/NAME.key for 127.0.0.1
selfsigned() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
		-keyout "$T/$1.key" -out "$T/$1.crt" 2>/dev/null
}

@test "web_tls_cert and web_tls_key: the page over https, checked against the certificate; the cookie Secure; a subscription's URL in https" {
	command -v curl >/dev/null && command -v openssl >/dev/null || skip "no curl or openssl"
	selfsigned web
	make_nodes 1
	p=$(free_port)
	printf 'web_listen = 127.0.0.1:%s\nweb_tls_cert = %s\nweb_tls_key = %s\n' "$p" \
		"$T/web.crt" "$T/web.key" >"${H[1]}/mutua.conf"
	start_node 1
	wait_log 1 "web page on https://127.0.0.1:$p/"
	U=https://127.0.0.1:$p
	run -0 curl -sS --cacert "$T/web.crt" -o "$T/index" -w '%{http_code}' "$U/"
	[ "$output" = 200 ]
	grep -q '<html' "$T/index"
	# plain HTTP on the TLS port gets no page
	run curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$p/"
	[ "$output" != 200 ]
	# an unknown certificate is refused by the client
	run curl -s -o /dev/null "$U/"
	[ "$status" -ne 0 ]
	# a person signs in: the cookie is Secure
	out=$(mutua --home "${H[1]}" --json staff add --web --email lea@example.org \
		--name "Léa Martin" --role borrow)
	[[ $(json_get "$out" '$.url') == "https://127.0.0.1:$p/#setup="* ]]
	tok=$(json_get "$out" '$.setup')
	run -0 curl -sS --cacert "$T/web.crt" -D "$T/h" -o /dev/null -H 'Content-Type: application/json' \
		--data-binary "{\"token\":\"$tok\",\"password\":\"correct horse battery\"}" "$U/api/setup"
	grep -i '^set-cookie:' "$T/h" | grep -q '; Secure'
	# a subscription's URL says https, and answers there
	run -0 --separate-stderr mutua --home "${H[1]}" calendar --subscribe
	[[ $output =~ ^https://127\.0\.0\.1:$p/ical/[A-Za-z0-9_-]{43}\.ics$ ]]
	run -0 curl -sS --cacert "$T/web.crt" -o "$T/feed.ics" -w '%{http_code}' "$output"
	[ "$output" = 200 ]
	"$BATS_TEST_DIRNAME/../tools/ics-check.py" "$T/feed.ics"
}

# refuses LINES TEXT: mutuad with these mutua.conf lines exits 2 at once,
# saying TEXT on one line
refuses() {
	printf '%s\n' "$1" >"${H[1]}/mutua.conf"
	run --separate-stderr timeout 20 "$MUTUAD" --home "${H[1]}" --listen "${EP[1]}"
	[ "$status" -eq 2 ] || { echo "status $status: $stderr" >&2; return 1; }
	[ "$(grep -c . <<<"$stderr")" -eq 1 ] || { echo "not one line: $stderr" >&2; return 1; }
	[[ $stderr == *"$2"* ]] || { echo "lacks '$2': $stderr" >&2; return 1; }
}

@test "a TLS file that cannot serve: missing, unreadable, garbled, the key of another certificate, or one without the other: mutuad refuses to start, naming the file" {
	command -v openssl >/dev/null || skip "no openssl"
	selfsigned web
	selfsigned other
	make_nodes 1
	p=$(free_port)
	L="web_listen = 127.0.0.1:$p"
	refuses "$L
web_tls_cert = $T/none.crt
web_tls_key = $T/web.key" "web_tls_cert $T/none.crt cannot be read"
	refuses "$L
web_tls_cert = $T/web.crt" "web_tls_cert and web_tls_key go together"
	head -c 300 /dev/urandom | base64 | sed '1i -----BEGIN CERTIFICATE-----' |
		sed '$a -----END CERTIFICATE-----' >"$T/garbled.crt"
	refuses "$L
web_tls_cert = $T/garbled.crt
web_tls_key = $T/web.key" "web_tls_cert $T/garbled.crt is not a PEM certificate"
	echo "not a key" >"$T/garbled.key"
	refuses "$L
web_tls_cert = $T/web.crt
web_tls_key = $T/garbled.key" "web_tls_key $T/garbled.key is not a PEM private key"
	refuses "$L
web_tls_cert = $T/web.crt
web_tls_key = $T/other.key" "web_tls_key $T/other.key does not go with web_tls_cert $T/web.crt"
	: >"$T/empty.crt"
	refuses "$L
web_tls_cert = $T/empty.crt
web_tls_key = $T/web.key" "empty"
	if [ "$(id -u)" != 0 ]; then
		cp "$T/web.key" "$T/locked.key"
		chmod 000 "$T/locked.key"
		refuses "$L
web_tls_cert = $T/web.crt
web_tls_key = $T/locked.key" "web_tls_key $T/locked.key cannot be read"
	fi
	# nothing was started, nothing listens
	! curl -s -o /dev/null --max-time 2 "https://127.0.0.1:$p/"
}
