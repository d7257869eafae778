#!/bin/bash
# demo.sh - a small PTCE federation doing real work, on this machine.
#
# Run by `make demo` after the build. Four member structures of a pôle
# territorial de coopération économique each get a home (keys and store)
# and a node (mutuad) listening on 127.0.0.1; they found a federation,
# publish what they can lend, and every node ends up holding every signed
# offer. Everything lives in ./demo/ (git-ignored, removed at the start, left
# afterwards so you can look around); every daemon is stopped on the way out,
# even on failure. Exit status 0 when the story ran to its end.
#
# Environment: MUTUA_DEMO_DIR (default: ./demo at the repository root).
# shellcheck disable=SC2317 # functions run through traps and wait_for

# The Makefile runs `sh deploy/demo.sh`: carry on in bash (always present on
# Debian) for /dev/tcp, arrays and $RANDOM.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi

set -u
umask 077

root=$(cd "$(dirname "$0")/.." && pwd) || exit 1
MUTUA=$root/bin/mutua
MUTUAD=$root/bin/mutuad
DEMO=${MUTUA_DEMO_DIR:-$root/demo}
MARK=.mutua-demo # marks a folder this script made and may remove
unset MUTUA_HOME MUTUA_PASSPHRASE MUTUA_ACTOR
# The story happens in early December 2026: borrow refuses a slot that ends
# before "now", which this date is, whatever the day the demo runs.
export MUTUA_NOW=2026-12-01T08:00:00Z

START=$SECONDS
PIDS=()    # the daemons this script started
NAMES=()   # their members, same order

if [ -t 1 ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD='' PLAIN=''; fi
say() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$PLAIN"; }
note() { printf '    %s\n' "$*"; }
# pad TEXT WIDTH: TEXT and spaces up to WIDTH characters (UTF-8 aware,
# whatever the locale: continuation bytes are not counted).
pad() {
	local n
	n=$(printf '%s' "$1" | LC_ALL=C tr -d '\200-\277' | wc -c)
	printf '%s%*s' "$1" $(($2 > n ? $2 - n : 0)) ''
}

# die MESSAGE: says what failed, shows the end of each daemon's log, exits 1.
die() {
	printf '\ndemo FAILED: %s\n' "$*" >&2
	for h in "${HOMES[@]:-}"; do
		if [ -z "$h" ] || [ ! -s "$h/mutuad.log" ]; then continue; fi
		printf -- '--- last lines of %s/mutuad.log\n' "$h" >&2
		tail -n 8 "$h/mutuad.log" >&2
	done
	exit 1
}

# Stops every daemon we started (SIGTERM, then SIGKILL after 5 s). Returns
# non-zero when one did not stop cleanly (exit status 0).
stop_daemons() {
	local i pid rc=0 st
	for pid in "${PIDS[@]:-}"; do
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done
	for i in "${!PIDS[@]}"; do
		pid=${PIDS[i]}
		[ -n "$pid" ] || continue
		local waited=0
		while kill -0 "$pid" 2>/dev/null && [ $waited -lt 50 ]; do
			sleep 0.1
			waited=$((waited + 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null
			note "mutuad of ${NAMES[i]} did not stop in 5 s: killed"
			rc=1
		fi
		wait "$pid" 2>/dev/null
		st=$?
		if [ $st -ne 0 ] && [ $rc -eq 0 ]; then
			note "mutuad of ${NAMES[i]} stopped with status $st"
			rc=1
		fi
		PIDS[i]=
	done
	return $rc
}

on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	stop_daemons >/dev/null 2>&1
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# mutua HOME ARGS...: the CLI on one member's home.
m() {
	local home=$1
	shift
	"$MUTUA" --home "$home" "$@"
}

# free_port: sets PORT to a TCP port of 127.0.0.1 that nothing listens on
# and that this run has not picked yet: random tries in 20000-32767, probed
# with bash's /dev/tcp. (Below Linux's ephemeral range, 32768-60999, so
# that the nodes' own outgoing connections cannot take it before its node
# binds it.)
PORTS=()
free_port() {
	local p q used
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 12768))
		used=0
		for q in "${PORTS[@]:-}"; do [ "$q" = "$p" ] && used=1; done
		[ $used -eq 0 ] || continue
		if ! timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null; then
			PORTS+=("$p")
			PORT=$p
			return 0
		fi
	done
	return 1
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s until
# it succeeds; dies after SECONDS.
wait_for() {
	local limit=$1 what=$2 tries
	shift 2
	for ((tries = 0; tries < limit * 5; tries++)); do
		"$@" && return 0
		sleep 0.2
	done
	die "timed out after ${limit} s waiting for $what"
}

if [ ! -x "$MUTUA" ] || [ ! -x "$MUTUAD" ]; then
	die "bin/mutua or bin/mutuad missing: run make"
fi
command -v timeout >/dev/null || die "timeout (coreutils) is missing"

# --- a fresh folder ------------------------------------------------------------

if [ -e "$DEMO" ]; then
	if [ -f "$DEMO/$MARK" ]; then
		# a previous run's daemons may still run if it was killed hard
		for pidfile in "$DEMO"/*/mutuad.pid; do
			[ -f "$pidfile" ] || continue
			pid=$(cat "$pidfile")
			if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = mutuad ]; then
				kill -TERM "$pid" 2>/dev/null
				sleep 0.5
			fi
		done
		rm -rf "$DEMO" || die "cannot remove the previous $DEMO"
	else
		die "$DEMO exists and was not made by this script: not touching it"
	fi
fi
{ mkdir -p "$DEMO/cards" && touch "$DEMO/$MARK"; } || die "cannot create $DEMO"

# --- the members ---------------------------------------------------------------

# key|name|college|the staff member who records their entries
MEMBERS=(
	"regie|Régie de quartier Nord|associations"
	"cagette|Cagette et Fourchette|associations"
	"ohe|Ohé du Bateau|coopératives"
	"compta|Compta Solidaire|coopératives"
)
HOMES=()
declare -A HOME_OF NAME_OF

say "Four members of a PTCE (pôle territorial de coopération économique) each set up a node"
for entry in "${MEMBERS[@]}"; do
	IFS='|' read -r key name college <<<"$entry"
	free_port || die "no free TCP port found on 127.0.0.1"
	port=$PORT
	home=$DEMO/$key
	HOME_OF[$key]=$home NAME_OF[$key]=$name
	HOMES+=("$home")
	id=$(m "$home" init --name "$name" --college "$college" \
		--endpoint "tcp://127.0.0.1:$port") || die "mutua init for $name"
	# the node's own settings: where it listens, how often it says hello
	printf '%s\n' "# mutuad settings for $name (see deploy/mutua.conf)" \
		"listen = tcp://127.0.0.1:$port" "hello_interval = 2000" >"$home/mutua.conf"
	note "$(pad "$name" 24) $(pad "$college" 13) member id ${id:0:16}…  node tcp://127.0.0.1:$port"
done

say "Each member hands its signed card to Régie de quartier Nord, which drafts the federation"
for key in cagette ohe compta; do
	m "${HOME_OF[$key]}" card >"$DEMO/cards/$key.card" || die "mutua card for ${NAME_OF[$key]}"
	note "${NAME_OF[$key]}: $(cut -c1-60 "$DEMO/cards/$key.card")…"
done
cat >"$DEMO/charte.md" <<'EOF'
# Charte d'engagement du PTCE Cœur de Loire

Nous mettons en commun ce que chacun peut prêter : véhicules, froid,
salles, matériel et savoir-faire. Chaque prêt est enregistré, signé et
compté en crédits de coopération, pour voir qui contribue et qui utilise.
Les décisions se prennent ensemble, une structure, une voix.
EOF

say "Founding 'PTCE Cœur de Loire': charter, credit limit 500, four founders"
FED=$(m "${HOME_OF[regie]}" federation create --name "PTCE Cœur de Loire" \
	--charter "$DEMO/charte.md" --credit-limit 500 --out "$DEMO/genesis.txt" \
	"$DEMO/cards/cagette.card" "$DEMO/cards/ohe.card" "$DEMO/cards/compta.card") ||
	die "mutua federation create"
note "federation id $FED"

say "The others join from the genesis file and check the id out of band, like an SSH fingerprint"
for key in cagette ohe compta; do
	got=$(m "${HOME_OF[$key]}" federation join "$DEMO/genesis.txt") ||
		die "mutua federation join for ${NAME_OF[$key]}"
	[ "$got" = "$FED" ] || die "${NAME_OF[$key]} got federation id $got, not $FED"
	note "$(pad "${NAME_OF[$key]}" 24) same id ${got:0:16}…"
done

# --- the nodes -----------------------------------------------------------------

say "Cagette et Fourchette's staff will use its node's web page (web_listen): Camille Roux gets her own key and a first-sign-in link"
WEB_PORT=7680
if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$WEB_PORT" 2>/dev/null; then
	free_port || die "no free TCP port found on 127.0.0.1"
	WEB_PORT=$PORT
fi
echo "web_listen = 127.0.0.1:$WEB_PORT" >>"${HOME_OF[cagette]}/mutua.conf"
WEB_LINK=$(m "${HOME_OF[cagette]}" staff add --web --email camille@cagette.example.org \
	--name "Camille Roux" --role borrow --role lend | sed -n 's/.*\(http:[^ ]*\).*/\1/p') ||
	die "mutua staff add --web"
note "Camille Roux (borrow, lend): $WEB_LINK"

say "Starting the four nodes (mutuad): CURVE-encrypted, open to members' keys only"
for key in regie cagette ohe compta; do
	home=${HOME_OF[$key]}
	"$MUTUAD" --home "$home" 2>"$home/mutuad.log" &
	PIDS+=("$!")
	NAMES+=("${NAME_OF[$key]}")
	echo "$!" >"$home/mutuad.pid"
done
for i in "${!PIDS[@]}"; do
	home=${HOMES[i]}
	pid=${PIDS[i]}
	node_up() {
		kill -0 "$pid" 2>/dev/null || die "mutuad of ${NAMES[i]} exited at start"
		[ -s "$home/mutuad.status" ]
	}
	wait_for 10 "the node of ${NAMES[i]} to start" node_up
	note "$(pad "${NAMES[i]}" 24) pid $(pad "$pid" 7) $(sed -n 's/^listen = /listening on /p' "$home/mutua.conf")"
done

web_up() { grep -q "web page on" "${HOME_OF[cagette]}/mutuad.log"; }
wait_for 10 "Cagette et Fourchette's web page" web_up
note "Cagette et Fourchette's web page: http://127.0.0.1:$WEB_PORT/"

say "Each node first hears its own feed's head from its peers before it signs anything new"
for i in "${!PIDS[@]}"; do
	home=${HOMES[i]}
	open() { grep -q "appends open" "$home/mutuad.log"; }
	wait_for 25 "${NAMES[i]}'s node to confirm its own feed" open
	note "$(pad "${NAMES[i]}" 24) $(grep -o "own feed's head .*" "$home/mutuad.log" | head -n 1)"
done

# --- the catalogue -------------------------------------------------------------

# offer KEY ARGS...: one member publishes an offer, signed by its key and
# recorded by the staff member acting.
OFFERS=0
declare -A OFFER_ID # title -> offer id
offer() {
	local key=$1 id title
	shift
	id=$(m "${HOME_OF[$key]}" offer add "$@") ||
		die "mutua offer add for ${NAME_OF[$key]}: $*"
	OFFERS=$((OFFERS + 1))
	while [ $# -gt 0 ]; do
		[ "$1" = --title ] && title=$2
		shift
	done
	OFFER_ID[$title]=$id
	note "$(pad "${NAME_OF[$key]}" 24) ${id:0:12}  $title"
}

say "Each member publishes what it can lend, while the nodes run"
offer regie --kind vehicle --title "Camion 20 m³ à hayon" --unit day --capacity 1 \
	--rate 60 --location "Garage de la régie, Tours Nord" \
	--description "Caisse 20 m³, hayon élévateur 500 kg, permis B. Plein à la charge de l'emprunteur."
offer regie --kind vehicle --title "Fourgon 12 m³" --unit km --capacity 1 --rate 0.35 \
	--location "Garage de la régie, Tours Nord" --description "Fourgon utilitaire, 3 places."
offer regie --kind skill --title "Chauffeur-livreur" --unit hour --capacity 2 --rate 22 \
	--location "Tours Nord" --description "Deux chauffeurs en insertion, tournées de collecte et de livraison."
offer cagette --kind storage --title "Chambre froide positive 12 m³" --unit m3 --capacity 12 \
	--rate 1.50 --location "Quai 3, marché de gros" \
	--description "0 à +4 °C, accès 6 h - 20 h, relevés de température HACCP."
offer cagette --kind vehicle --title "Remorque frigorifique 750 kg" --unit day --capacity 1 \
	--rate 25 --location "Quai 3, marché de gros" --description "Attelage rotule 50 mm, groupe froid 230 V."
offer ohe --kind room --title "Salle de concert" --unit day --capacity 1 --rate 200 \
	--location "Quai du Bateau" --description "300 places debout, scène 8 × 6 m, loges, régie son et lumière."
offer ohe --kind room --title "Salles de réunion" --unit hour --capacity 3 --rate 8 \
	--location "Quai du Bateau" --description "Trois salles de 12 à 30 places, vidéoprojecteur." --auto-accept
offer ohe --kind equipment --title "Sonorisation 2 × 1 kW" --unit day --capacity 1 --rate 45 \
	--location "Quai du Bateau" --description "Façade, console 16 voies, 4 retours, micros."
offer compta --kind skill --title "Journée de comptable" --unit day --capacity 1 --rate 280 \
	--location "Sur site ou à distance" \
	--description "Clôture des comptes, paie, dossiers de subvention (FSE, collectivités)."

say "Waiting until every node holds all $OFFERS signed offers"
all_seen() {
	local h n
	for h in "${HOMES[@]}"; do
		n=$("$MUTUA" --json --home "$h" offer list | wc -l) || return 1
		[ "$n" -eq "$OFFERS" ] || return 1
	done
}
wait_for 20 "every node to hold every offer" all_seen
note "done: 4 nodes × $OFFERS offers, in $((SECONDS - START)) s since the start of the demo"

for i in "${!HOMES[@]}"; do
	say "The catalogue as seen from ${NAMES[i]}'s node (mutua offer list)"
	m "${HOMES[i]}" offer list || die "mutua offer list on ${NAMES[i]}'s node"
done

say "One offer in full, from Compta Solidaire's node (mutua offer show)"
salle=${OFFER_ID["Salle de concert"]}
m "${HOME_OF[compta]}" offer show "${salle:0:8}" || die "mutua offer show ${salle:0:8}"

say "Searching the catalogue from Ohé du Bateau's node: something cold, at the wholesale market (mutua offer list --search WORDS --near PLACE)"
m "${HOME_OF[ohe]}" offer list --search "frigorifique" --near "marche" ||
	die "mutua offer list --search"

# --- Lending -------------------------------------------------------------------
# While the nodes run: Cagette et Fourchette borrows the Régie's truck for a
# delivery round, Ohé du Bateau asks for the same day too; the Régie's node
# is where the loan is decided, so only one gets it. Handover, return and
# settlement in cooperation credits follow, each step signed by the member
# who takes it; every node ends with the same balances.
state_on() { # HOME REQ: the request's state as that node sees it
	m "$1" --json requests 2>/dev/null | sed -n "s/.*\"id\":\"$2\".*\"state\":\"\([a-z_]*\)\".*/\1/p"
}
has_state() { [ "$(state_on "$1" "$2")" = "$3" ]; }

truck=${OFFER_ID["Camion 20 m³ à hayon"]}
# Léa, who runs Cagette's deliveries, acts from her own computer: a staff
# home of her own, her own key, delegated by Cagette; the node answers her.
LEA_HOME=$DEMO/lea-laptop/.mutua-staff
mkdir -p "$DEMO/lea-laptop" || die "cannot create $DEMO/lea-laptop"
lea() { MUTUA_PASSPHRASE="lea demo passphrase" "$MUTUA" --home "$LEA_HOME" "$@"; }
say "Léa (deliveries at Cagette et Fourchette) makes a staff home on her own computer (mutua staff init)"
lea staff init --name "Léa Martin" >"$DEMO/cards/lea.card" 2>/dev/null || die "mutua staff init"
note "her card: $(cut -c1-60 "$DEMO/cards/lea.card")…"
say "Cagette delegates her the borrow role; the node prints an invitation for her (mutua staff add)"
out=$(m "${HOME_OF[cagette]}" staff add "$DEMO/cards/lea.card" --name "Léa Martin" \
	--role borrow 2>&1 >/dev/null) || die "mutua staff add"
invitation=$(grep '^mutua-staff:' <<<"$out")
note "invitation: ${invitation:0:60}…"
lea staff init --invitation "$invitation" 2>/dev/null || die "mutua staff init --invitation"
say "From her own home directory, Léa asks to borrow the Régie's truck on 5 December (mutua borrow)"
req=$(lea borrow "${truck:0:8}" --from 2026-12-05 --to 2026-12-05 \
	--note "Tournée de livraison des paniers") || die "mutua borrow (Léa's staff home)"
note "request ${req:0:12}, signed by Léa's key inside Cagette's entry"
if lea offer add --kind other --title "Essai" --unit item --rate 1 >/dev/null 2>&1; then
	die "Léa published an offer without the lend role"
fi
note "(an offer from Léa is refused: Cagette gave her the borrow role only)"
say "Ohé du Bateau asks for the same truck, the same day, for a stage set"
req2=$(m "${HOME_OF[ohe]}" borrow "${truck:0:8}" --from 2026-12-05T08:00 --to 2026-12-05T18:00 \
	--note "Transport du décor") || die "mutua borrow"
wait_for 20 "the Régie's node to receive both requests" \
	eval 'has_state "${HOME_OF[regie]}" "$req" requested && has_state "${HOME_OF[regie]}" "$req2" requested'
m "${HOME_OF[regie]}" requests --incoming || die "mutua requests"

say "The Régie accepts Cagette's request; the second one would double-book the truck"
m "${HOME_OF[regie]}" accept "${req:0:8}" || die "mutua accept"
if m "${HOME_OF[regie]}" accept "${req2:0:8}"; then
	die "the truck was booked twice"
fi
note "(refused, as it must be: the owner's node never accepts beyond capacity)"
m "${HOME_OF[regie]}" decline "${req2:0:8}" \
	--reason "Camion déjà prêté ce jour-là" || die "mutua decline"

say "Handover on the morning; in the evening Cagette returns it, stating the usage (the slot: one day), and the Régie confirms it: 60 credits move at the rate Cagette agreed to"
m "${HOME_OF[regie]}" handover "${req:0:8}" \
	--note "Plein fait" --meter 48210 --fuel full || die "mutua handover"
wait_for 20 "Cagette's node to see the handover" has_state "${HOME_OF[cagette]}" "$req" handed_over
lea return "${req:0:8}" --note "Rendu propre" --meter 48342 --fuel full ||
	die "mutua return (Léa's staff home)"
wait_for 20 "the Régie's node to see the return" has_state "${HOME_OF[regie]}" "$req" returned
m "${HOME_OF[regie]}" close "${req:0:8}" || die "mutua close"

say "Compta Solidaire books a meeting room at Ohé du Bateau: an auto-accepting offer"
rooms=${OFFER_ID["Salles de réunion"]}
req3=$(m "${HOME_OF[compta]}" borrow "${rooms:0:8}" --from 2026-12-08T14:00 --to 2026-12-08T16:00 \
	--note "Assemblée générale") || die "mutua borrow"
wait_for 20 "Ohé du Bateau's node to answer" has_state "${HOME_OF[compta]}" "$req3" accepted
note "accepted by Ohé du Bateau's node, no one had to be at the desk"

say "The Régie keeps its truck on 8 December for its technical inspection (mutua block): no one can book it that day"
blk=$(m "${HOME_OF[regie]}" block "${truck:0:8}" \
	--from 2026-12-08 --to 2026-12-08 --reason maintenance --note "Contrôle technique, garage Martin") ||
	die "mutua block"
note "block ${blk:0:12}"
blocked_on() { m "$1" --json calendar "${truck:0:8}" 2>/dev/null | grep -q "\"id\":\"$blk\""; }
wait_for 20 "Ohé du Bateau's node to see the block" blocked_on "${HOME_OF[ohe]}"
note "as Ohé du Bateau sees the 8th: the reason, not the Régie's note (mutua calendar)"
m "${HOME_OF[ohe]}" calendar "${truck:0:8}" --from 2026-12-08 --to 2026-12-08 || die "mutua calendar"
req6=$(m "${HOME_OF[ohe]}" borrow "${truck:0:8}" --from 2026-12-08 --to 2026-12-08 \
	--note "Décor, deuxième essai") || die "mutua borrow"
wait_for 20 "the Régie's node to receive it" has_state "${HOME_OF[regie]}" "$req6" requested
if m "${HOME_OF[regie]}" accept "${req6:0:8}"; then
	die "a request was accepted over the block"
fi
note "(refused: the block holds the truck as a loan would)"
m "${HOME_OF[regie]}" decline "${req6:0:8}" --reason "Contrôle technique ce jour-là" >/dev/null ||
	die "mutua decline"

say "A waitlist: Ohé du Bateau lends its sound system for 12 December to the Régie; Cagette et Fourchette asks too and waits (mutua borrow --wait, decline --waitlist)"
sono=${OFFER_ID["Sonorisation 2 × 1 kW"]}
req4=$(m "${HOME_OF[regie]}" borrow "${sono:0:8}" --from 2026-12-12 --to 2026-12-12 \
	--note "Fête de quartier") || die "mutua borrow"
req5=$(m "${HOME_OF[cagette]}" borrow "${sono:0:8}" --from 2026-12-12 --to 2026-12-12 --wait \
	--note "Marché de Noël") || die "mutua borrow --wait"
wait_for 20 "Ohé du Bateau's node to receive both requests" \
	eval 'has_state "${HOME_OF[ohe]}" "$req4" requested && has_state "${HOME_OF[ohe]}" "$req5" requested'
m "${HOME_OF[ohe]}" accept "${req4:0:8}" || die "mutua accept"
m "${HOME_OF[ohe]}" decline "${req5:0:8}" --waitlist --reason "Déjà prêtée, en liste d'attente" ||
	die "mutua decline --waitlist"
wait_for 20 "the Régie's node to see its loan accepted" has_state "${HOME_OF[regie]}" "$req4" accepted
say "The Régie's party is postponed: it cancels on its own node, and the waiting request becomes possible"
m "${HOME_OF[regie]}" cancel "${req4:0:8}" --reason "Fête reportée" || die "mutua cancel"
possible() { m "${HOME_OF[ohe]}" --json requests 2>/dev/null | grep -q "\"id\":\"$req5\".*\"waitlist\":\"now possible\""; }
wait_for 20 "Ohé du Bateau's node to see the slot free" possible
m "${HOME_OF[ohe]}" requests --incoming --state waiting || die "mutua requests"
m "${HOME_OF[ohe]}" accept "${req5:0:8}" || die "mutua accept"
wait_for 20 "Cagette's node to see its waiting request accepted" has_state "${HOME_OF[cagette]}" "$req5" accepted
note "the waiting request went through once the first borrower cancelled"

say "Compta Solidaire books a meeting room every Thursday evening until the end of January: one request, a weekly series (mutua borrow --repeat weekly)"
serie=$(m "${HOME_OF[compta]}" borrow "${rooms:0:8}" --from 2026-12-03T18:00 --to 2026-12-03T20:00 \
	--repeat weekly --until 2027-01-28 --note "Permanence comptable des associations") ||
	die "mutua borrow --repeat"
series_accepted() {
	[ "$(m "${HOME_OF[compta]}" --json requests --outgoing --state accepted 2>/dev/null |
		grep -c "\"series\":\"$serie\"")" -eq 9 ]
}
wait_for 20 "Ohé du Bateau's node to accept the nine Thursdays" series_accepted
note "nine loans, one a week, accepted by Ohé du Bateau's node; each settles on its own"
note "in a calendar program (mutua calendar --ics): $(m "${HOME_OF[compta]}" calendar "${rooms:0:8}" --ics |
	grep -m1 '^RRULE' | tr -d '\r')"

settled() { # every node holds the loan as closed (calendar lists every member's loans)
	local h
	for h in "${HOMES[@]}"; do
		m "$h" --json calendar "${truck:0:8}" 2>/dev/null |
			grep -q "\"id\":\"$req\".*\"state\":\"closed\"" || return 1
	done
}
wait_for 20 "every node to hold the settled loan" settled
say "Balances, the same on every node, summing to zero (mutua balance, from Compta Solidaire's node)"
m "${HOME_OF[compta]}" balance || die "mutua balance"
say "The truck's calendar (mutua calendar; --ics gives a feed for any calendar application)"
m "${HOME_OF[ohe]}" calendar "${truck:0:8}" || die "mutua calendar"
say "Cagette et Fourchette subscribes to the truck's calendar from its agenda (mutua calendar --subscribe: a secret, revocable address on its web page)"
CAL_URL=$(m "${HOME_OF[cagette]}" calendar --subscribe "${truck:0:8}") || die "mutua calendar --subscribe"
note "$CAL_URL"
if command -v curl >/dev/null; then
	events=$(curl -fsS "$CAL_URL" | grep -c '^BEGIN:VEVENT') || die "the calendar feed $CAL_URL"
	note "fetched as a calendar program does, without signing in: $events events"
fi
say "A board report: who lent what to whom, balances, audit verdict (mutua report --html)"
m "${HOME_OF[regie]}" report --html --out "$DEMO/rapport.html" || die "mutua report"
note "written to ${DEMO#"$root"/}/rapport.html"

say "The signed history held by Cagette et Fourchette's node (mutua log --limit 6)"
m "${HOME_OF[cagette]}" log --limit 6 || die "mutua log"

say "Node status of Ohé du Bateau: feeds, and the peers its mutuad talks to (mutua status)"
m "${HOME_OF[ohe]}" status || die "mutua status"

say "The federation, as every node holds it (mutua federation show)"
m "${HOME_OF[ohe]}" federation show || die "mutua federation show"

say "Régie de quartier Nord's health check: keys, store, forks, peers (mutua doctor)"
m "${HOME_OF[regie]}" doctor || die "mutua doctor found a problem"

say "Compta Solidaire exports the whole signed history for the auditor (mutua export)"
BUNDLE=$DEMO/ptce-coeur-de-loire.mutua
m "${HOME_OF[compta]}" export --out "$BUNDLE" || die "mutua export"

say "Stopping the nodes"
stop_daemons || die "a node did not stop cleanly"
note "all four mutuad stopped cleanly (exit status 0)"

say "Offline, an auditor who trusts no node checks it against the genesis (mutua audit)"
"$MUTUA" --home "$DEMO/auditor" audit "$BUNDLE" --genesis "$DEMO/genesis.txt" ||
	die "the audit of $BUNDLE failed"
"$MUTUA" --home "$DEMO/auditor" report --html --out "$DEMO/rapport-audit.html" \
	--bundle "$BUNDLE" --genesis "$DEMO/genesis.txt" || die "mutua report --bundle"
note "the same board report, drawn by the auditor from the bundle alone: ${DEMO#"$root"/}/rapport-audit.html"

say "Demo finished in $((SECONDS - START)) s. The homes stay in ${DEMO#"$root"/} to look around, e.g.:"
note "bin/mutua --home ${DEMO#"$root"/}/ohe offer list --member 'Régie de quartier Nord'"
note "bin/mutua --home ${DEMO#"$root"/}/compta log"
note "The web page of Cagette et Fourchette: start its node again,"
note "  bin/mutuad --home ${DEMO#"$root"/}/cagette &"
note "then open $WEB_LINK in a browser: Camille Roux chooses her password"
note "(10 characters at least), then signs in as camille@cagette.example.org"
exit 0
