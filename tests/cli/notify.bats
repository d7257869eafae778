#!/usr/bin/env bats
# notify.bats - mutuad tells people what needs them (ledger/notify.h,
# node/notifier.h): mails through a sendmail stand-in on the PATH that
# records them, a hook given each event as JSON; each event once, across
# restarts too; a failing or stuck program is logged, tried again or
# killed, and never holds replication back.

bats_require_minimum_version 1.5.0
load helpers

TOOLS=$BATS_TEST_DIRNAME/../tools

# the helpers' setup, then the sendmail stand-in on the PATH
eval "helpers_$(declare -f setup)"
setup() {
	helpers_setup || return 1
	mkdir "$T/bin" "$T/mail" "$T/hook"
	ln -s "$TOOLS/fake-sendmail" "$T/bin/sendmail"
	export PATH="$T/bin:$PATH" MUTUA_MAILDIR=$T/mail MUTUA_HOOKDIR=$T/hook
	make_nodes 2
	mutua --home "$T/lea" init --name "Léa Martin" >/dev/null
	mutua --home "$T/lea" card >"$T/lea.card"
	mutua --home "$T/sam" init --name "Sam Petit" >/dev/null
	mutua --home "$T/sam" card >"$T/sam.card"
}

mails() {
	find "$T/mail" -name '*.eml' | wc -l
}

events() {
	find "$T/hook" -name '*.json' | wc -l
}

mails_at_least() {
	[ "$(mails)" -ge "$1" ]
}

events_at_least() {
	[ "$(events)" -ge "$1" ]
}

# mail_get N HEADER|body: one recorded mail's decoded header, or its body
mail_get() {
	python3 - "$T/mail/$1.eml" "$2" <<'EOF'
import email, email.header, email.policy, sys
raw = open(sys.argv[1], 'rb').read().split(b'\n', 1)[1]
m = email.message_from_bytes(raw, policy=email.policy.default)
if sys.argv[2] == 'body':
    print(m.get_content().replace('\r\n', '\n'), end='')
else:
    print(str(m[sys.argv[2]]).replace('\n', ' '))
EOF
}

# json_field FILE KEY
json_field() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

@test "a request mails the lender's people, the answer the borrower's; the hook gets JSON; once, across restarts" {
	# N2 lends; Léa (lend) and Sam (borrow) act for it; N1 borrows
	mutua --home "${H[2]}" staff add "$T/lea.card" --name "Léa Martin" --role lend \
		--email lea@regie.example.org >/dev/null
	mutua --home "${H[2]}" staff add "$T/sam.card" --name "Sam Petit" --role borrow \
		--email sam@regie.example.org >/dev/null
	run -0 mutua --home "${H[2]}" staff list
	[[ $output == *"Léa Martin"*"lea@regie.example.org"* ]]
	TRUCK=$(mutua --home "${H[2]}" offer add --kind vehicle --title "Camion benne" --unit day \
		--capacity 1 --rate 10)
	printf 'notify_mail = on\nnotify_to = bureau@regie.example.org\nnotify_from = mutua@regie.example.org\n' \
		>"${H[2]}/mutua.conf"
	printf 'notify_mail = on\nnotify_to = compta@cagette.example.org\nnotify_command = %s\nnotify_retry = 1\n' \
		"$TOOLS/record-hook" >"${H[1]}/mutua.conf"
	LC_ALL=fr_FR.UTF-8 start_node 2
	start_node 1 --peer "N2@${EP[2]}"
	wait_until 20 has_entries "${H[1]}" 3 "${ID[2]}"
	REQ=$(mutua --home "${H[1]}" borrow "$TRUCK" --from 2030-03-02 --to 2030-03-03)
	wait_until 20 mails_at_least 1
	sleep 0.5
	[ "$(mails)" = 1 ] # one mail to everyone with the role, not one each
	run -0 mail_get 1 To
	[[ $output == *lea@regie.example.org* && $output == *bureau@regie.example.org* ]]
	[[ $output != *sam@* ]] # borrow only: not for a request to lend
	run -0 mail_get 1 From
	[ "$output" = mutua@regie.example.org ]
	run -0 mail_get 1 Subject
	[ "$output" = "[Mutua] Une demande attend votre réponse"$'\u00a0'": Camion benne" ]
	run -0 mail_get 1 body
	[[ $output == *"N1 demande Camion benne du 2030-03-02 00:00 "* ]]
	[[ $output == *"mutua accept $REQ"* && $output == *"mutua decline $REQ --reason"* ]]
	grep -q '^ARGS: -i -t$' "$T/mail/1.eml"
	grep -q '^Content-Type: text/plain; charset=UTF-8' "$T/mail/1.eml"
	# a restart sends nothing again
	stop_daemon 2
	LC_ALL=fr_FR.UTF-8 start_node 2
	wait_log 2 "mutuad started"
	sleep 3
	[ "$(mails)" = 1 ]
	# the answer: mailed to N1's address, and given to its hook as JSON
	mutua --home "${H[2]}" accept "$REQ" >/dev/null
	wait_until 20 mails_at_least 2
	run -0 mail_get 2 To
	[ "$output" = compta@cagette.example.org ]
	run -0 mail_get 2 Subject
	[ "$output" = "[Mutua] Request accepted: Camion benne" ]
	wait_until 20 events_at_least 1
	[ "$(json_field "$T/hook/1.json" event)" = accepted ]
	[ "$(json_field "$T/hook/1.json" request)" = "$REQ" ]
	[ "$(json_field "$T/hook/1.json" title)" = "Camion benne" ]
	[ "$(json_field "$T/hook/1.json" owner)" = N2 ]
	[[ $(json_field "$T/hook/1.json" from) == 2030-03-02T00:00:00* ]]
	grep -qx accepted "$T/hook/args"
	stop_daemon 1
	start_node 1 --peer "N2@${EP[2]}"
	wait_log 1 "mutuad started"
	sleep 3
	[ "$(events)" = 1 ]
	[ "$(mails)" = 2 ]
}

@test "a failing sendmail is logged and tried again; a stuck hook is killed and replication goes on" {
	TRUCK=$(mutua --home "${H[2]}" offer add --kind vehicle --title "Camion" --unit day)
	touch "$T/mail/fail" "$T/hook/hang"
	printf 'notify_mail = on\nnotify_to = bureau@regie.example.org\nnotify_retry = 1\nnotify_command = %s\nnotify_timeout = 2\n' \
		"$TOOLS/record-hook" >"${H[2]}/mutua.conf"
	start_node 2
	start_node 1 --peer "N2@${EP[2]}"
	wait_until 20 has_entries "${H[1]}" 2 "${ID[2]}"
	REQ=$(mutua --home "${H[1]}" borrow "$TRUCK" --from 2030-03-02 --to 2030-03-03)
	wait_log 2 "sendmail exited with status 75: sendmail: mail queue full: try again later; tried again later"
	run -0 mutua --home "${H[2]}" status
	[[ $output == *"notifications: 0 sent, 1 waiting, 0 failed; the last error: sendmail exited with status 75"* ]]
	run -1 mutua --home "${H[2]}" doctor
	[[ $output == *"PROBLEM notifications: 0 failed, 1 waiting; the last error: sendmail exited with status 75"*"check sendmail or notify_command"* ]]
	# the hook hangs: meanwhile an offer still goes from N1 to N2
	mutua --home "${H[1]}" offer add --kind room --title "Salle" >/dev/null
	wait_until 10 has_entries "${H[2]}" 3 "${ID[1]}"
	wait_log 2 "notify_command took longer than 2 s: killed"
	rm "$T/mail/fail" "$T/hook/hang"
	wait_until 20 mails_at_least 1
	wait_until 20 events_at_least 1
	[ "$(json_field "$T/hook/1.json" event)" = request ]
	[ "$(json_field "$T/hook/1.json" request)" = "$REQ" ]
	run -0 mutua --home "${H[2]}" status
	[[ $output == *"notifications: 1 sent, 0 waiting, 0 failed"* ]]
	daemon_alive 2
}

@test "switched on over a history, mutuad mails only what comes after; nobody with the role, no mail" {
	TRUCK=$(mutua --home "${H[2]}" offer add --kind vehicle --title "Camion" --unit day)
	start_node 2
	start_node 1 --peer "N2@${EP[2]}"
	wait_until 20 has_entries "${H[1]}" 2 "${ID[2]}"
	OLD=$(mutua --home "${H[1]}" borrow "$TRUCK" --from 2030-03-02 --to 2030-03-03)
	wait_until 20 has_entries "${H[2]}" 2 "${ID[1]}"
	stop_daemon 2
	printf 'notify_mail = on\nnotify_to = bureau@regie.example.org\n' >"${H[2]}/mutua.conf"
	start_node 2
	wait_log 2 "mutuad started"
	sleep 3
	[ "$(mails)" = 0 ]
	NEW=$(mutua --home "${H[1]}" borrow "$TRUCK" --from 2030-04-02 --to 2030-04-03)
	wait_until 20 mails_at_least 1
	run -0 mail_get 1 body
	[[ $output == *"$NEW"* && $output != *"$OLD"* ]]
	# N1 has notifications on but no address for anyone: nothing is sent
	stop_daemon 1
	printf 'notify_mail = on\n' >"${H[1]}/mutua.conf"
	start_node 1 --peer "N2@${EP[2]}"
	mutua --home "${H[2]}" accept "$NEW" >/dev/null
	wait_until 20 bash -c "'$MUTUA' --home '${H[1]}' requests | grep -q accepted"
	sleep 3
	[ "$(mails)" = 1 ]
}

@test "a member signing requests by the dozen gets at most notify_per_hour mails sent; one answered before its turn is not sent" {
	TRUCK=$(mutua --home "${H[2]}" offer add --kind vehicle --title "Camion" --unit day --capacity 50)
	touch "$T/mail/fail"
	printf 'notify_mail = on\nnotify_to = bureau@regie.example.org\nnotify_retry = 1\nnotify_per_hour = 4\n' \
		>"${H[2]}/mutua.conf"
	start_node 2
	start_node 1 --peer "N2@${EP[2]}"
	wait_until 20 has_entries "${H[1]}" 2 "${ID[2]}"
	FIRST=$(mutua --home "${H[1]}" borrow "$TRUCK" --from 2030-03-02 --to 2030-03-03)
	wait_log 2 "sendmail exited with status 75"
	# answered while its mail could not leave: when its turn comes, it is not sent
	wait_until 20 has_entries "${H[2]}" 2 "${ID[1]}"
	mutua --home "${H[2]}" decline "$FIRST" --reason "déjà pris" >/dev/null
	rm "$T/mail/fail"
	wait_until 20 bash -c "sqlite3 '${H[2]}/store.db' \"SELECT mail FROM notices WHERE key = 'request:$FIRST'\" | grep -qx stale"
	[ "$(mails)" = 0 ]
	# twelve more: the hour's budget (4, the failed tries counted) then nothing
	for i in $(seq 10 21); do
		mutua --home "${H[1]}" borrow "$TRUCK" --from "2030-04-$i" --to "2030-04-$i" >/dev/null
	done
	wait_log 2 "notifications: 4 this hour (notify_per_hour): the others wait until"
	sleep 2
	local sent
	sent=$(mails)
	[ "$sent" -ge 1 ] && [ "$sent" -le 3 ]
	run -0 mutua --home "${H[2]}" status
	[[ $output == *"notifications: $sent sent, $((12 - sent)) waiting, 0 failed"* ]]
}

@test "bad notification settings and addresses are refused with the line and what to write" {
	printf 'notify_to = not an address\n' >"${H[1]}/mutua.conf"
	run -2 "$MUTUAD" --home "${H[1]}" --listen "${EP[1]}"
	[[ $output == *"mutua.conf:1: 'not an address' is no e-mail address"* ]]
	printf 'notify_mail = yes\n' >"${H[1]}/mutua.conf"
	run -2 "$MUTUAD" --home "${H[1]}" --listen "${EP[1]}"
	[[ $output == *"notify_mail is 'on' or 'off', not 'yes'"* ]]
	printf 'notify_command = /nonexistent/hook\n' >"${H[1]}/mutua.conf"
	run -2 "$MUTUAD" --home "${H[1]}" --listen "${EP[1]}"
	[[ $output == *"notify_command: cannot run '/nonexistent/hook'"*"give the full path"* ]]
	printf 'notify_to = a@b.example\nnotify_to = c@b.example\nnotify_to = d@b.example\nnotify_to = e@b.example\nnotify_to = f@b.example\n' \
		>"${H[1]}/mutua.conf"
	run -2 "$MUTUAD" --home "${H[1]}" --listen "${EP[1]}"
	[[ $output == *"mutua.conf:5: at most 4 notify_to lines"* ]]
	# a person's address: checked before anything is signed
	run -2 mutua --home "${H[1]}" staff add "$T/lea.card" --name "Léa" --role lend \
		--email "lea@example.org>, x@evil.example"
	[[ $output == *"is no e-mail address"* ]]
	run -0 mutua --json --home "${H[1]}" staff list
	[ -z "$output" ]
	mutua --home "${H[1]}" staff add "$T/lea.card" --name "Léa" --role lend >/dev/null
	run -0 mutua --home "${H[1]}" staff email Léa lea@example.org
	[[ $output == *"go to lea@example.org"* ]]
	run -0 mutua --json --home "${H[1]}" staff list
	[ "$(json_get "$output" '$.email')" = lea@example.org ]
	run -2 mutua --home "${H[1]}" staff email Léa "lea@example.org
Bcc: x@evil.example"
	run -0 mutua --home "${H[1]}" staff email Léa --clear
	run -0 mutua --json --home "${H[1]}" staff list
	[ -z "$(json_get "$output" '$.email')" ]
	run -1 mutua --home "${H[1]}" staff email Personne a@b.example
	[[ $output == *"no delegation in force named 'Personne'"* ]]
	# an address is this node's own: not in any signed entry
	mutua --home "${H[1]}" staff email Léa lea@example.org >/dev/null
	run -0 sqlite3 "${H[1]}/store.db" "SELECT count(*) FROM entries WHERE instr(CAST(body AS TEXT), 'lea@example.org')"
	[ "$output" = 0 ]
}

@test "each person's mails in their language: English for one, French for another, both sections when they share a mail; --lang checked" {
	mutua --home "${H[2]}" staff add "$T/lea.card" --name "Léa Martin" --role lend \
		--email lea@regie.example.org --lang fr >/dev/null
	TRUCK=$(mutua --home "${H[2]}" offer add --kind vehicle --title "Camion" --unit day)
	printf 'notify_mail = on\n' >"${H[2]}/mutua.conf"
	# mutuad runs in English; Léa reads French
	LC_ALL=C.UTF-8 start_node 2
	start_node 1 --peer "N2@${EP[2]}"
	wait_until 20 has_entries "${H[1]}" 3 "${ID[2]}"
	R1=$(mutua --home "${H[1]}" borrow "$TRUCK" --from 2030-03-02 --to 2030-03-03)
	wait_until 20 mails_at_least 1
	run -0 mail_get 1 Subject
	[ "$output" = "[Mutua] Une demande attend votre réponse"$'\u00a0'": Camion" ]
	run -0 mail_get 1 body
	[[ $output == *"N1 demande Camion"* && $output != *"asks for"* ]]
	# Sam reads English and shares Léa's role: one mail, French first, then English
	mutua --home "${H[2]}" staff add "$T/sam.card" --name "Sam Petit" --role lend \
		--email sam@regie.example.org --lang en >/dev/null
	R2=$(mutua --home "${H[1]}" borrow "$TRUCK" --from 2030-04-02 --to 2030-04-03)
	wait_until 20 mails_at_least 2
	run -0 mail_get 2 To
	[[ $output == *lea@* && $output == *sam@* ]]
	run -0 mail_get 2 body
	[[ $output == *"N1 demande Camion"*"N1 asks for Camion"*"-- "* ]]
	[ "$(grep -c '^-- $' <<<"$output")" = 1 ] # one signature, after both texts
	# Léa switches to English alone: the language changes, the address stays
	run -0 mutua --json --home "${H[2]}" staff email Léa --lang en
	[ "$(json_get "$output" '$.lang')" = en ]
	run -0 mutua --json --home "${H[2]}" staff list
	[[ $output == *'"email":"lea@regie.example.org","lang":"en"'* ]]
	R3=$(mutua --home "${H[1]}" borrow "$TRUCK" --from 2030-05-02 --to 2030-05-03)
	wait_until 20 mails_at_least 3
	run -0 mail_get 3 body
	[[ $output == *"N1 asks for Camion"* && $output != *demande* ]]
	# auto: mutuad's own (English here); a new address keeps the language
	mutua --home "${H[2]}" staff email Léa --lang auto >/dev/null
	mutua --home "${H[2]}" staff email Sam sam@cagette.example.org >/dev/null
	run -0 mutua --json --home "${H[2]}" staff list
	[[ $output == *'"email":"lea@regie.example.org","lang":null'* ]]
	[[ $output == *'"email":"sam@cagette.example.org","lang":"en"'* ]]
	# wrong ones, each before anything changes
	run -2 mutua --home "${H[2]}" staff email Léa --lang de
	[[ $output == *"'de' is no language of the mails: write fr, en, or auto"* ]]
	run -2 mutua --home "${H[2]}" staff email Léa --clear --lang fr
	[[ $output == *"--clear erases the address and its language"* ]]
	run -2 mutua --home "${H[1]}" staff add "$T/lea.card" --name "Léa" --role lend --lang fr
	[[ $output == *"--lang is the language of the mails: give --email too"* ]]
	mutua --home "${H[2]}" staff email Léa --clear >/dev/null
	run -1 mutua --home "${H[2]}" staff email Léa --lang fr
	[[ $output == *"this delegation has no address"* ]]
}
