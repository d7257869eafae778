#!/usr/bin/env bats
# i18n.bats - every message in French and English, chosen by the locale
# (GNU gettext, domain "mutua", po/fr.po): help, usage errors, refusals of
# the ledger's rules, table headers and state words, doctor, mutuad's own
# refusals; --json and the derived state never depend on the locale; the
# French catalogue translates every message of the sources.

bats_require_minimum_version 1.5.0
load helpers

ROOT=$BATS_TEST_DIRNAME/../..
MUTUAD=$ROOT/bin/mutuad

# fr ARGS...: mutua in a French locale, its non-breaking spaces (before
# « : ; ? ! » and inside « ») shown as spaces for the tests to read;
# en ARGS...: in C.UTF-8. Neither names a catalogue: the binaries of bin/
# find build/locale themselves.
fr() {
	local rc=0
	env -u LC_ALL -u LANGUAGE -u MUTUA_LOCALEDIR LANG=fr_FR.UTF-8 "$MUTUA" "$@" \
		>"$T/.fr.out" 2>"$T/.fr.err" || rc=$?
	sed 's/\xc2\xa0/ /g' "$T/.fr.err" >&2
	sed 's/\xc2\xa0/ /g' "$T/.fr.out"
	return $rc
}
en() {
	env -u LC_ALL -u LANGUAGE -u MUTUA_LOCALEDIR LANG=C.UTF-8 "$MUTUA" "$@"
}

setup_file() {
	locale -a 2>/dev/null | grep -qix 'fr_FR.utf-\?8' || {
		echo "the locale fr_FR.UTF-8 is missing: run deploy/deps.sh as root" >&2
		return 1
	}
}

# a federation of two, and a truck offered by A known to both
truck() {
	make_federation 2 || return 1
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title "Camion 20m3" --unit day \
		--rate 10 --location "Orléans") || return 1
	copy_entries "$A" "$B"
}

@test "help: French in a French locale, English in C.UTF-8" {
	run -0 --separate-stderr fr help
	[[ $output == "usage : mutua [--home RÉP] [--json] COMMANDE [ARGUMENTS]"* ]]
	[[ $output == *"ressources et prêts :"* ]]
	[[ $output == *"  borrow       demander à emprunter une ressource pour un créneau"* ]]
	[[ $output == *"code de sortie : 0 réussi, 1 refusé, 2 erreur d'usage"* ]]
	run -0 --separate-stderr en help
	[[ $output == "usage: mutua [--home DIR] [--json] COMMAND [ARGS]"* ]]
	[[ $output == *"resources and loans:"* ]]
	[[ $output == *"  borrow       ask to borrow a resource for a slot"* ]]

	run -0 --separate-stderr fr borrow --help
	[[ $output == *"options :"* ]]
	[[ $output == *"--from TIME                le début du créneau"* ]]
	[[ $output == *"exemple :"* ]]
	run -0 --separate-stderr fr help decline
	[[ $output == *"--reason 'le camion est en réparation'"* ]]
	run -0 --separate-stderr en borrow --help
	[[ $output == *"--from TIME                the start of the slot"* ]]
	[[ $output == *"example:"* ]]
	# a synopsis of several forms stays aligned under the French "usage : "
	run -0 --separate-stderr fr help offer
	[[ $output == *$'usage : mutua offer add'*$'\n        mutua offer list'* ]]
}

@test "usage errors: the message and its suggestion in the reader's language (exit 2)" {
	run -2 --separate-stderr fr borow
	stderr_has "mutua : commande inconnue « borow » : vouliez-vous dire « borrow » ?"
	run -2 --separate-stderr en borow
	stderr_has "mutua: unknown command 'borow': did you mean 'borrow'?"
	# French typography: a non-breaking space before ':' and '?', inside « »
	run -2 --separate-stderr env -u LC_ALL LANG=fr_FR.UTF-8 "$MUTUA" borow
	stderr_has $'commande inconnue \u00ab\u00a0borow\u00a0\u00bb\u00a0: vouliez-vous dire'
	stderr_has $'\u00ab\u00a0borrow\u00a0\u00bb\u00a0?'
	[[ $stderr != *" :"* && $stderr != *" ?"* ]]
	run -2 --separate-stderr fr borrow 3fa2c1 --frm 2026-12-05
	stderr_has "option inconnue « --frm » : vouliez-vous dire « --from » ?"
	run -2 --separate-stderr fr borrow 3fa2c1 --from 2026-12-05
	stderr_has "borrow : --to manquant (la fin du créneau"
	stderr_has "usage : mutua borrow RESOURCE"
	run -2 --separate-stderr en borrow 3fa2c1 --from 2026-12-05
	stderr_has "borrow: missing --to (the end of the slot"
}

@test "the ledger's refusals: French for the reader, the reason stays English in the store" {
	truck
	# the rule engine (ledger/lending.c) refuses to lend one's own truck
	run -1 --separate-stderr fr --home "$A" borrow "${TRUCK:0:10}" --from 2026-12-05 --to 2026-12-06
	stderr_has "« Camion 20m3 » : la ressource appartient à l'emprunteur lui-même"
	run -1 --separate-stderr en --home "$A" borrow "${TRUCK:0:10}" --from 2026-12-05 --to 2026-12-06
	stderr_has "'Camion 20m3': the resource is the borrower's own"
	# a refused time names the accepted forms
	run -2 --separate-stderr fr --home "$B" borrow "${TRUCK:0:10}" --from 2026-12-05T25:00 \
		--to 2026-12-06
	stderr_has "n'est pas une date : écrivez 05/12/2026, 05/12/2026 08:00 ou 2026-12-05T08:00"
	# an id of nothing, in words a French reader reads
	run -1 --separate-stderr fr --home "$B" accept 0123456789ab
	stderr_has "demande introuvable : identifiant « 0123456789ab »"
	# the store's reasons (a folded verdict) are never translated: a request
	# for one's own resource forged past the CLI is folded as invalid with an
	# English reason whatever the locale of the node that folds it
	run -0 fr --home "$B" borrow "${TRUCK:0:10}" --from 2026-12-05 --to 2026-12-06
	local req=$output
	copy_entries "$B" "$A"
	run -0 fr --home "$A" decline "${req:0:12}" --reason "en réparation"
	run -0 --separate-stderr fr --home "$A" requests
	[[ $output == *"refusé"* ]]
	run -0 --separate-stderr en --home "$A" requests
	[[ $output == *"declined"* ]]
}

@test "refusals that quote a composed reason: wholly French in a French locale, wholly English in C" {
	make_federation 3 || return 1
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title "Camion frigorifique" --unit day \
		--rate 10 --location "Orléans")
	copy_entries "$A" "$B"
	copy_entries "$A" "$C"
	r1=$(mutua --home "$B" borrow "${TRUCK:0:10}" --from 2026-12-05 --to 2026-12-06)
	r2=$(mutua --home "$C" borrow "${TRUCK:0:10}" --from 2026-12-05 --to 2026-12-06)
	copy_entries "$B" "$A"
	copy_entries "$C" "$A"
	mutua --home "$A" accept "${r1:0:12}" 2>/dev/null
	# an accept over the capacity: the booking rule's reason, in French
	run -1 --separate-stderr fr --home "$A" accept "${r2:0:12}"
	stderr_has "conflit : le créneau dépasserait la capacité 1 (1 en usage par des prêts"
	[[ $stderr != *"conflict"* && $stderr != *"exceed"* && $stderr != *"in use"* ]]
	run -1 --separate-stderr en --home "$A" accept "${r2:0:12}"
	stderr_has "cannot accept: conflict: the slot would exceed capacity 1 (1 in use by loans"
	# a block over an accepted loan: a reason quoting another one
	run -1 --separate-stderr fr --home "$A" block "${TRUCK:0:10}" --from 2026-12-05 \
		--to 2026-12-06 --reason internal
	stderr_has "annulez ou réglez d'abord ${r1:0:12} avec son emprunteur"
	[[ $stderr != *"cancel"* && $stderr != *"settle"* && $stderr != *"conflict"* ]]
	run -1 --separate-stderr en --home "$A" block "${TRUCK:0:10}" --from 2026-12-05 \
		--to 2026-12-06 --reason internal
	stderr_has "cancel or settle ${r1:0:12} with its borrower first"
	# the store keeps nothing of the reader's language
	[ "$(sql "$A" "SELECT count(*) FROM entries WHERE CAST(body AS TEXT) LIKE '%conflit%'")" = 0 ]
}

@test "tables: headers and state words translated where shown, --json unchanged" {
	truck
	run -0 --separate-stderr fr --home "$A" offer list
	[[ ${lines[0]} == "ID "*"TITRE"*"PROPRIÉTAIRE"*"CAPACITÉ"*"STATUT" ]]
	run -0 --separate-stderr en --home "$A" offer list
	[[ ${lines[0]} == "ID "*"TITLE"*"OWNER_NAME"*"CAPACITY"*"STATUS" ]]
	run -0 fr --home "$B" borrow "${TRUCK:0:10}" --from 2026-12-05 --to 2026-12-06
	run -0 --separate-stderr fr --home "$B" requests
	[[ ${lines[0]} == *"ÉTAT"* ]]
	[[ ${lines[1]} == *"demandé"* ]]
	run -0 --separate-stderr en --home "$B" requests
	[[ ${lines[0]} == *"STATE"* ]]
	[[ ${lines[1]} == *"requested"* ]]
	run -0 --separate-stderr fr --home "$A" offer show "${TRUCK:0:10}"
	[[ $output == *"titre        Camion 20m3"* ]]
	run -0 --separate-stderr fr --home "$A" federation show
	[[ $output == *"fédération        Pole Sud"* ]]
	[[ $output == *"limite de crédit  "* ]]
}

@test "doctor speaks the reader's language" {
	truck
	run --separate-stderr fr --home "$A" doctor
	[[ $output == *"ok       le fichier de clé est privé et sain"* ]]
	[[ $output == *"le fil de ce membre n'a pas bifurqué"* ]]
	run --separate-stderr en --home "$A" doctor
	[[ $output == *"ok      key file is private and sound"* ]]
	[[ $output == *"this member's own feed is not forked"* ]]
}

@test "--json output is byte for byte the same in both locales" {
	truck
	run -0 fr --home "$B" borrow "${TRUCK:0:10}" --from 2026-12-05 --to 2026-12-06
	copy_entries "$B" "$A"
	local cmd
	for cmd in "offer list" "requests" "balance" "log" "federation show" "proposals" \
		"calendar" "id"; do
		# shellcheck disable=SC2086 # the command's words
		fr --json --home "$A" $cmd >"$T/fr.json" 2>"$T/fr.err" || {
			cat "$T/fr.err" >&2
			return 1
		}
		# shellcheck disable=SC2086
		en --json --home "$A" $cmd >"$T/en.json" 2>/dev/null
		cmp "$T/fr.json" "$T/en.json" || {
			echo "'$cmd --json' differs between the locales" >&2
			diff "$T/fr.json" "$T/en.json" >&2
			return 1
		}
	done
}

@test "a store folded in a French locale is the one folded in C.UTF-8" {
	truck
	run -0 en --home "$B" borrow "${TRUCK:0:10}" --from 2026-12-05 --to 2026-12-06
	local req=$output
	copy_entries "$B" "$A"
	# a refusal folded into the store (a handover before any accept)
	run -1 en --home "$A" handover "${req:0:12}"
	run -0 en --home "$A" decline "${req:0:12}" --reason "le camion est en réparation"
	cp -a "$A" "$T/fr" && cp -a "$A" "$T/en"
	env -u LC_ALL LANG=fr_FR.UTF-8 "$MUTUA" --home "$T/fr" reindex 2>/dev/null
	env -u LC_ALL LANG=C.UTF-8 "$MUTUA" --home "$T/en" reindex 2>/dev/null
	local t dump_fr dump_en
	for t in $(sqlite3 "$T/en/store.db" "SELECT name FROM sqlite_schema WHERE type = 'table'
			AND name NOT LIKE 'sqlite_%' AND name <> 'meta' ORDER BY name"); do
		dump_fr=$(sqlite3 "$T/fr/store.db" "SELECT * FROM \"$t\"" | sort)
		dump_en=$(sqlite3 "$T/en/store.db" "SELECT * FROM \"$t\"" | sort)
		[ "$dump_fr" = "$dump_en" ] || {
			echo "table $t differs between a French and a C fold" >&2
			return 1
		}
	done
	# and the log a member reads as JSON
	cmp <(fr --json --home "$T/fr" log) <(en --json --home "$T/en" log)
}

@test "mutuad's refusals at start in the reader's language" {
	run -1 env -u LC_ALL LANG=fr_FR.UTF-8 "$MUTUAD" --home "$T/none"
	output=${output//$'\u00a0'/ }
	[[ $output == *"pas de répertoire mutua dans « $T/none »"* ]]
	run -1 env -u LC_ALL LANG=C.UTF-8 "$MUTUAD" --home "$T/none"
	[[ $output == *"no mutua home in '$T/none'"* ]]
	run -2 env -u LC_ALL LANG=fr_FR.UTF-8 "$MUTUAD" --bogus
	output=${output//$'\u00a0'/ }
	[[ $output == *"usage : mutuad [--home RÉP]"* ]]
}

@test "MUTUA_LOCALEDIR names another catalogue; an unknown language falls back to English" {
	run -0 env -u LC_ALL LANG=fr_FR.UTF-8 MUTUA_LOCALEDIR="$T/empty" "$MUTUA" help
	[[ $output == "usage: mutua"* ]]
	run -0 env -u LC_ALL LANG=de_DE.UTF-8 "$MUTUA" help
	[[ $output == "usage: mutua"* ]]
}

@test "the French catalogue translates every message of the sources (0 untranslated, 0 fuzzy)" {
	local pot=$ROOT/build/po/mutua.pot merged=$ROOT/build/po/fr.po src
	[ -f "$pot" ] && [ -f "$merged" ] || {
		echo "build/po is missing: run make" >&2
		return 1
	}
	# the template is as new as every source it is extracted from
	for src in "$ROOT"/ledger/*.[ch] "$ROOT"/node/*.c "$ROOT"/tools/*.c "$ROOT/po/fr.po"; do
		[ ! "$src" -nt "$merged" ] || {
			echo "$src is newer than build/po/fr.po: run make" >&2
			return 1
		}
	done
	run -0 msgfmt -c --statistics -o /dev/null "$merged"
	[[ $output == *" translated message"* ]]
	[[ $output != *untranslated* && $output != *fuzzy* ]] || {
		echo "po/fr.po lacks translations ($output): run 'make po-update' and translate" \
			"the new messages" >&2
		msgattrib --untranslated --only-fuzzy "$merged" >&2 || true
		msgattrib --untranslated "$merged" | grep -A3 '^msgid' >&2 || true
		return 1
	}
	# the committed po/fr.po itself passes msgfmt -c (printf conversions kept)
	run -0 msgfmt -c -o /dev/null "$ROOT/po/fr.po"
}

@test "make install installs the French catalogue under PREFIX/share/locale" {
	[ -f "$ROOT/build/locale/fr/LC_MESSAGES/mutua.mo" ]
	run -0 make -s -C "$ROOT" -n install DESTDIR="$T/dest" PREFIX=/usr
	[[ $output == *"/usr/share/locale/"*"LC_MESSAGES"* ]]
	[[ $output == *"build/locale/"*"/LC_MESSAGES/mutua.mo"* ]]
}
