#!/usr/bin/env bats
# report_browser.bats - the board's report in French, as a board reads it:
# written under LANG=fr_FR.UTF-8 and TZ=Europe/Paris from a federation
# with real loans, then opened in a real browser (Debian's chromium,
# headless, deploy/deps.sh installs it) at 1280 px to check its text and
# that nothing overflows its panels, and at a phone's 390 px to check that
# the page itself never scrolls sideways.
#
# The report holds no script (its Content-Security-Policy forbids them);
# the check is a small script in a test-only wrapper page that loads the
# report in an iframe (file URLs share an origin with
# --allow-file-access-from-files), opens its collapsed section, and writes
# into its own DOM the report's text and every element that overflows:
# one whose content is wider than its box (scrollWidth > clientWidth) or
# that sticks out of the page's panel (<main>). --dump-dom prints that DOM
# once the page has loaded and the virtual time budget has run out.
#
# The French strings come from the catalogue the build compiles from
# po/fr.po, which bin/mutua finds beside itself (ledger/i18n.c).

# shellcheck disable=SC2154 # bats sets $output

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

ROOT=$BATS_TEST_DIRNAME/../..
NBSP=$'\u00a0'
NNBSP=$'\u202f' # the French thousands separator

# the loan: request, accept, hand over, return, close
lend() { # BORROWER OWNER RESOURCE FROM TO: prints the request's id
	local b=$1 o=$2 r
	r=$(mutua --home "$b" borrow "$3" --from "$4" --to "$5") || return 1
	share "$b" "$o" && mutua --home "$o" accept "$r" >/dev/null && share "$o" "$b" &&
		settle "$o" "$b" "$r" && echo "$r"
}

setup_file() {
	local T=$BATS_FILE_TMPDIR/h
	mkdir -p "$T/user"
	export HOME=$T/user TZ=Europe/Paris
	unset MUTUA_HOME MUTUA_PASSPHRASE MUTUA_ACTOR LC_ALL LANGUAGE LC_MESSAGES LC_NUMERIC
	A=$T/a B=$T/b C=$T/c GENESIS=$T/genesis.txt
	new_home "$A" "Régie de quartier Nord" --college insertion >/dev/null || return 1
	# a long name with no room to spare: it must wrap, not overflow
	new_home "$B" "Association pour le développement des circuits courts alimentaires du pays de Bray et de la vallée de l'Epte" \
		--college alimentation >/dev/null || return 1
	new_home "$C" "Compagnie Théâtre du Pont" --college culture >/dev/null || return 1
	mutua --home "$B" card >"$T/b.card" && mutua --home "$C" card >"$T/c.card" || return 1
	mutua --home "$A" federation create --name "Pôle coopératif du Vexin" --out "$GENESIS" \
		"$T/b.card" "$T/c.card" >"$T/fed_id" || return 1
	mutua --home "$B" federation join "$GENESIS" >/dev/null &&
		mutua --home "$C" federation join "$GENESIS" >/dev/null || return 1
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title "Camion frigorifique 20 m3" \
		--unit day --rate 250.50) || return 1
	ROOM=$(mutua --home "$C" offer add --kind room --title "Salle de répétition" \
		--unit hour --rate 12.25) || return 1
	share_all || return 1
	# B borrows the truck five days (1 252,50 credits), A the room four
	# hours on a Saturday morning (49,00), C the truck one day (250,50)
	lend "$B" "$A" "$TRUCK" 2026-12-01 2026-12-05 >"$T/r1" || return 1
	lend "$A" "$C" "$ROOM" 2026-12-05T08:00 2026-12-05T12:00 >"$T/r2" || return 1
	lend "$C" "$A" "$TRUCK" 2026-12-07 2026-12-07 >"$T/r3" || return 1
	share_all || return 1
	LANG=fr_FR.UTF-8 mutua --home "$A" report --html \
		--out "$T/rapport.html" 2>"$T/report.err" || return 1
}

setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/mutua-cli.XXXXXX")
	cp -a "$BATS_FILE_TMPDIR/h/." "$T/"
	export HOME=$T/user TZ=Europe/Paris
	unset LC_ALL LANGUAGE LC_MESSAGES LC_NUMERIC
	R=$T/rapport.html
}

# chromium_ok: chromium starts at all here, else the test is skipped
# with the reason (CI installs it: deploy/deps.sh).
chromium_ok() {
	command -v chromium >/dev/null ||
		skip "chromium is not installed (deploy/deps.sh installs Debian's chromium)"
	timeout 60 chromium --headless=new --no-sandbox --disable-gpu \
		--user-data-dir="$T/profile" --dump-dom about:blank >"$T/blank.out" 2>"$T/blank.err" ||
		skip "chromium cannot start: $(grep -v -i dbus "$T/blank.err" | tail -1)"
}

# render PAGE WIDTH: the wrapper's DOM after loading PAGE (a file in $T)
# in a frame WIDTH px wide (in a window 1280 px wide: chromium's headless
# windows are 500 px wide at least): #text the report's text, #overflow
# one line per element that overflows, #lang its lang attribute, #width
# the frame's inner width.
render() {
	cat >"$T/check.html" <<-EOF
		<!DOCTYPE html><html><head><meta charset="utf-8">
		<style>body{margin:0}iframe{border:0;width:${2}px;height:900px;display:block}</style>
		</head><body><iframe id="f" src="$1"></iframe>
		<pre id="lang"></pre><pre id="width"></pre><pre id="text"></pre><pre id="overflow"></pre>
		<script>
		window.addEventListener('load', function () {
			var w = document.getElementById('f').contentWindow, d = w.document, bad = [];
			d.querySelectorAll('details').forEach(function (x) { x.open = true; });
			var panel = d.querySelector('main').getBoundingClientRect();
			var name = function (e) {
				return e.tagName + (e.className && e.className.baseVal === undefined ?
					'.' + e.className : '') + ' "' + (e.textContent || '').slice(0, 40) + '"';
			};
			d.querySelectorAll('main, main *').forEach(function (e) {
				if (e.closest('svg') && e.tagName.toLowerCase() !== 'svg') return;
				var r = e.getBoundingClientRect();
				if (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
					bad.push('wider than its box: ' + name(e) + ' ' + e.scrollWidth +
						' > ' + e.clientWidth);
				if (e.tagName !== 'MAIN' && r.width > 0 &&
				    (r.right > panel.right + 1 || r.left < panel.left - 1))
					bad.push('out of the panel: ' + name(e) + ' ' + Math.round(r.left) +
						'..' + Math.round(r.right) + ' not in ' + Math.round(panel.left) +
						'..' + Math.round(panel.right));
			});
			if (d.documentElement.scrollWidth > w.innerWidth)
				bad.push('the page scrolls sideways: ' + d.documentElement.scrollWidth +
					' > ' + w.innerWidth);
			document.getElementById('lang').textContent = d.documentElement.lang;
			document.getElementById('width').textContent = w.innerWidth;
			document.getElementById('text').textContent = d.body.innerText;
			document.getElementById('overflow').textContent = bad.join('\n');
		});
		</script></body></html>
	EOF
	timeout 120 chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
		--allow-file-access-from-files --user-data-dir="$T/profile" \
		--window-size=1280,900 --virtual-time-budget=5000 \
		--dump-dom "file://$T/check.html" 2>"$T/chromium.err" >"$T/dom.html" || {
		tail -5 "$T/chromium.err" >&2
		return 1
	}
}

# part ID: the text of the wrapper's <pre id=ID>, unescaped.
part() {
	perl -0777 -ne 'print $1 if /<pre id="'"$1"'">(.*?)<\/pre>/s' "$T/dom.html" |
		sed -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g' -e "s/&nbsp;/$NBSP/g" \
			-e 's/&amp;/\&/g'
}

# has TEXT...: the report's rendered text holds each TEXT.
has() {
	local t
	for t in "$@"; do
		grep -qF -- "$t" "$T/text" || {
			echo "the rendered report lacks '$t'" >&2
			return 1
		}
	done
}

@test "report in French: lang fr, plain words, French numbers, local times with their offset" {
	grep -qF "mutua${NBSP}: rapport écrit dans " "$T/report.err"
	grep -qF "(vérification OK)" "$T/report.err"
	grep -qF '<html lang="fr">' "$R"
	grep -qF "Rapport au conseil sur les ressources que les membres se prêtent" "$R"
	# amounts with two decimals, a narrow no-break space between thousands
	grep -qF "1${NNBSP}252,50" "$R"
	grep -qF '49,00' "$R"
	# a slot within a day: local time and its offset (Paris in winter)
	grep -qF '<span class="nw">2026-12-05</span> <span class="nw">08:00&#8211;12:00 +01:00</span>' "$R"
	grep -qF "4${NBSP}heures" "$R"
	grep -qF "5${NBSP}jours" "$R"
	# the members' last records: local time with the offset
	grep -qE '<td>20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} \+0[12]:00</td>' "$R"
	# nothing English left, no jargon outside the auditor's section
	sed '/<details>/,/<\/details>/d' "$R" >"$T/board.html"
	for w in 'Loans of the period' 'Balances' 'Who lent' 'board report' 'feed' 'journaux' \
		'signed entries' 'entrées signées' 'fork' 'bifurcation' \
		"$(cat "$T/fed_id")"; do
		! grep -qiF -- "$w" "$T/board.html" || {
			echo "the board's part of the report holds '$w'" >&2
			return 1
		}
	done
	grep -qF "<summary>Pour l'auditeur</summary>" "$R"
	# the auditor's report, from a bundle alone, in French too
	mutua --home "$T/a" export --out "$T/all.bundle" 2>/dev/null
	LANG=fr_FR.UTF-8 mutua --home "$T/auditor" report --html \
		--out "$T/audit.html" --bundle "$T/all.bundle" --genesis "$T/genesis.txt" 2>/dev/null
	grep -qF "Lot vérifié${NBSP}: <span class=\"mono\">$T/all.bundle</span>" "$T/audit.html"
	grep -qF "copie des inscriptions reçue par l'auditeur" "$T/audit.html"
	grep -qF "1${NNBSP}252,50" "$T/audit.html"
	[ ! -e "$T/auditor" ]
	# in the C locale, the same page is English, with C numbers
	LANG=C.UTF-8 mutua --home "$T/a" report --html --out "$T/en.html" 2>/dev/null
	grep -qF '<html lang="en">' "$T/en.html"
	grep -qF '1252.50' "$T/en.html"
}

@test "report in Chromium at 1280 px: the French text, and nothing overflows its panels" {
	chromium_ok
	render rapport.html 1280
	[ "$(part width)" = 1280 ]
	[ "$(part lang)" = fr ]
	part text >"$T/text"
	has "Pôle coopératif du Vexin" "Ce qui a été vérifié" "Vérification OK" \
		"Ce que cela veut dire" "Qui a prêté à qui" "Soldes" "Prêts de la période" \
		"Membres" "Pour l'auditeur" "Camion frigorifique 20 m3" "Salle de répétition" \
		"Régie de quartier Nord" "Compagnie Théâtre du Pont" "1${NNBSP}252,50" \
		"2026-12-05 08:00–12:00 +01:00" "Total"
	# the balances add up: the truck earned 1 503,00, the room 49,00
	has "1${NNBSP}503,00" "-1${NNBSP}252,50"
	part overflow >"$T/overflow"
	[ ! -s "$T/overflow" ] || {
		echo "overflowing at 1280 px:" >&2
		cat "$T/overflow" >&2
		return 1
	}
}

@test "report in Chromium: the check catches a table wider than its panel" {
	chromium_ok
	# a deliberately broken copy: the tables forced wider than the page
	sed 's|</style>|table{min-width:1600px}</style>|' "$R" >"$T/broken.html"
	render broken.html 1280
	part overflow >"$T/overflow"
	grep -q 'wider than its box: DIV.wide' "$T/overflow"
	grep -q 'out of the panel: TABLE' "$T/overflow"
	# and one whose long name cannot wrap
	sed 's|</style>|td{overflow-wrap:normal!important;white-space:nowrap}</style>|' "$R" \
		>"$T/nowrap.html"
	render nowrap.html 1280
	part overflow >"$T/overflow"
	[ -s "$T/overflow" ]
}

@test "report in Chromium at a phone's 390 px: the page never scrolls sideways" {
	chromium_ok
	render rapport.html 390
	[ "$(part width)" = 390 ]
	part overflow >"$T/overflow"
	# wide tables scroll inside their own panel; the page itself does not
	! grep -q 'the page scrolls sideways' "$T/overflow"
	! grep -v 'DIV.wide\|^out of the panel: \(TABLE\|TBODY\|TR\|TH\|TD\|SPAN\|DIV.bar\)' \
		"$T/overflow" | grep -q .
}
