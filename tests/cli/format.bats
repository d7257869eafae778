#!/usr/bin/env bats
# format.bats - doc/FORMAT.md is enough to check a history: the
# independent verifier written from it alone (tests/tools/verify-bundle.py,
# Python and openssl) passes a real federation's export, reports the same
# heads as 'mutua audit --json' and the links the node holds, and refuses,
# as the audit does, each tampering of bundletool: a flipped signature, a
# flipped body bit, a dropped entry, two swapped entries, wrong END counts,
# a body out of the format; and both report a fork proof. The verifier's
# decoder and the node's (entry_decode) give one verdict on thousands of
# mutated bodies (tests/tools/format-diff.py, seeded).
#
# The history is built once (setup_file), with every payload type and
# every kind of proposal: founders A (Alpha), B (Beta), C (Gamma) of a
# genesis with a charter, a credit limit and the colleges rule; A offers
# a truck (a multi-line description), B a room; A declines C's request
# for the truck, C cancels its request for the room, A updates the
# truck's rate; B borrows the truck through every step to its close,
# then again to a claim of A that B disputes and C proposes to settle; C
# borrows it to a claim it agrees to; A delegates to a staff person, who
# signs an offer for A (a staff act), and revokes it; A proposes a parameter that B and C
# vote, and the exclusion of C, B a rekey of C and a close-grace (left
# open); B rotates its key (a card inside an entry), offers with the new
# key and withdraws the room; A and B checkpoint their feeds (Merkle
# roots for the verifier to recompute); C changes its profile; A and B
# vote C out (a tally with a cut); A witnesses the other feeds' heads.

# shellcheck disable=SC2030,SC2031,SC2153,SC2154 # ids from setup_file; bats sets $output

bats_require_minimum_version 1.5.0
load helpers
load lending_helpers

export TZ=UTC
BUNDLETOOL=$BATS_TEST_DIRNAME/../../build/tests/tools/bundletool
VERIFY=$BATS_TEST_DIRNAME/../tools/verify-bundle.py
FORMAT_DIFF=$BATS_TEST_DIRNAME/../tools/format-diff.py

bt() {
	"$BUNDLETOOL" "$@"
}

# The verifier needs python3 and openssl (deploy/deps.sh installs both).
needs() {
	command -v python3 >/dev/null 2>&1 || {
		echo "python3 is missing (deploy/deps.sh installs python3-minimal)"
		return 1
	}
	command -v openssl >/dev/null 2>&1 || {
		echo "openssl is missing (deploy/deps.sh installs openssl)"
		return 1
	}
}

verify() {
	python3 "$VERIFY" "$@"
}

setup_file() {
	local why
	if ! why=$(needs); then
		# each test skips with this reason (history)
		echo "$why: the independent verifier cannot run" >"$BATS_FILE_TMPDIR/skip"
		return 0
	fi
	[ -x "$BUNDLETOOL" ] || {
		echo "build/tests/tools/bundletool is missing: run make tests first" >&2
		return 1
	}
	local T=$BATS_FILE_TMPDIR/h r p room excl heads
	mkdir -p "$T/user"
	export HOME=$T/user
	unset MUTUA_HOME MUTUA_PASSPHRASE MUTUA_ACTOR
	# a genesis with every field: a charter, a credit limit, the colleges rule
	A=$T/a B=$T/b C=$T/c GENESIS=$T/genesis.txt
	A_ID=$(new_home "$A" Alpha --college producteurs) || return 1
	B_ID=$(new_home "$B" Beta --college restaurateurs) || return 1
	C_ID=$(new_home "$C" Gamma --college producteurs) || return 1
	mutua --home "$B" card >"$T/b.card" && mutua --home "$C" card >"$T/c.card" || return 1
	printf 'Charte du Pôle Sud\n' >"$T/charte.md"
	FED_ID=$(mutua --home "$A" federation create --name "Pôle Sud" --charter "$T/charte.md" \
		--credit-limit 500 --rule colleges --college producteurs=60 \
		--college restaurateurs=40 --threshold 50 --quorum 40 --vote-duration 14d \
		--out "$GENESIS" "$T/b.card" "$T/c.card") || return 1
	mutua --home "$B" federation join "$GENESIS" >/dev/null &&
		mutua --home "$C" federation join "$GENESIS" >/dev/null || return 1
	TRUCK=$(mutua --home "$A" offer add --kind vehicle --title "Camion 20 m³" --unit day \
		--rate 10 --description "$(printf 'Permis B.\nRendre le plein fait.')") || return 1
	room=$(mutua --home "$B" offer add --kind room --title "Salle" --unit hour --rate 5 \
		--capacity 2) || return 1
	share_all
	r=$(mutua --home "$C" borrow "$TRUCK" --from 2026-02-01 --to 2026-02-02) || return 1
	share "$C" "$A" && mutua --home "$A" decline "$r" --reason "pris" >/dev/null || return 1
	r=$(mutua --home "$C" borrow "$room" --from 2026-02-01T08:00 --to 2026-02-01T10:00) &&
		mutua --home "$C" cancel "$r" >/dev/null || return 1
	mutua --home "$A" offer update "$TRUCK" --rate 12 >/dev/null || return 1
	# the owner's block and unblock; a request that asks to wait, put on
	# the waitlist
	k=$(mutua --home "$A" block "$TRUCK" --from 2026-03-01 --to 2026-03-02 --reason maintenance \
		--note "vidange") && mutua --home "$A" unblock "$k" >/dev/null || return 1
	# a staff person's delegation (a card of their own keys) and its
	# revocation
	mutua --home "$T/lea" init --name "Léa Martin" >/dev/null &&
		mutua --home "$T/lea" card >"$T/lea.card" || return 1
	k=$(mutua --home "$A" staff add "$T/lea.card" --name "Léa Martin" --role borrow \
		--role lend --until 2027-06-30) || return 1
	# an offer Léa signed for A (a staff act inside A's entry), as A's
	# node appends what a staff person signed
	r=$(BUNDLETOOL_ACT="$T/lea,$k" bt sign "$A" +0 "$T/act.rec" offer 2>/dev/null) &&
		[[ $r != *rejected* ]] || return 1
	mutua --home "$A" staff revoke "$k" --reason "fin de contrat" >/dev/null || return 1
	r=$(mutua --home "$C" borrow "$TRUCK" --from 2026-03-05 --to 2026-03-05 --wait) || return 1
	share "$C" "$A" && mutua --home "$A" decline "$r" --waitlist >/dev/null || return 1
	r=$(mutua --home "$B" borrow "$TRUCK" --from 2026-01-05 --to 2026-01-06) || return 1
	share "$B" "$A" && mutua --home "$A" accept "$r" >/dev/null || return 1
	share "$A" "$B" && mutua --home "$B" handover "$r" >/dev/null || return 1
	mutua --home "$B" return "$r" >/dev/null && share "$B" "$A" || return 1
	mutua --home "$A" close "$r" >/dev/null || return 1
	# B disputes A's claim on a second loan, which C proposes to settle;
	# C agrees to A's claim on a third
	r=$(mutua --home "$B" borrow "$TRUCK" --from 2026-01-10 --to 2026-01-11) || return 1
	share "$B" "$A" && mutua --home "$A" accept "$r" >/dev/null || return 1
	share "$A" "$B" && mutua --home "$B" handover "$r" >/dev/null || return 1
	mutua --home "$B" return "$r" >/dev/null && share "$B" "$A" || return 1
	mutua --home "$A" close "$r" --usage 3 >/dev/null && share "$A" "$B" || return 1
	mutua --home "$B" dispute "$r" --reason "un jour" >/dev/null && share "$B" "$C" || return 1
	mutua --home "$C" propose settle "$r" 1.5 --reason "médiation" >/dev/null || return 1
	r=$(mutua --home "$C" borrow "$TRUCK" --from 2026-01-20 --to 2026-01-21) || return 1
	share "$C" "$A" && mutua --home "$A" accept "$r" >/dev/null || return 1
	share "$A" "$C" && mutua --home "$C" handover "$r" >/dev/null || return 1
	mutua --home "$C" return "$r" >/dev/null && share "$C" "$A" || return 1
	mutua --home "$A" close "$r" --usage 3 >/dev/null && share "$A" "$C" || return 1
	mutua --home "$C" agree "$r" >/dev/null || return 1
	# terms, an estimate, condition reports with photos, a forfeit agreed
	# (issue 16)
	van=$(mutua --home "$A" offer add --kind vehicle --title "Fourgon" --unit km --rate 0.5 \
		--conditions "Plein au retour." --requires licence:B --requires insurance \
		--deposit 50) || return 1
	share "$A" "$B" && printf 'photo 1' >"$T/p1.jpg" && printf 'photo 2' >"$T/p2.jpg" || return 1
	r=$(mutua --home "$B" borrow "$van" --from 2026-01-25 --to 2026-01-25 --confirm \
		--estimate 80) || return 1
	share "$B" "$A" && mutua --home "$A" accept "$r" >/dev/null || return 1
	mutua --home "$A" handover "$r" --meter 48210 --fuel full --photo "$T/p1.jpg" \
		>/dev/null && share "$A" "$B" || return 1
	mutua --home "$B" return "$r" --usage 90 --fuel 3/4 --damage "rayure" --photo "$T/p2.jpg" \
		>/dev/null && share "$B" "$A" || return 1
	mutua --home "$A" close "$r" --forfeit 10 >/dev/null && share "$A" "$B" || return 1
	mutua --home "$B" agree "$r" >/dev/null || return 1
	p=$(mutua --home "$A" propose set quorum 40 --reason "plus souple") || return 1
	share_all
	mutua --home "$B" vote "$p" yes >/dev/null && mutua --home "$C" vote "$p" no >/dev/null ||
		return 1
	# the other proposals, left open: an exclusion, and a rekey of C to the
	# keys of a card made in a new home
	excl=$(mutua --home "$A" propose exclude "$C_ID" --reason "test") || return 1
	mutua --home "$B" propose set close-grace 48h >/dev/null || return 1
	new_home "$T/n" Gamma >/dev/null && mutua --home "$T/n" card >"$T/n.card" || return 1
	mutua --home "$B" propose rekey "$C_ID" "$T/n.card" --reason "clé perdue" >/dev/null ||
		return 1
	mutua --home "$B" key rotate >/dev/null || return 1
	mutua --home "$B" offer add --kind equipment --title "Perceuse" --unit item \
		--rate 2 >/dev/null || return 1
	mutua --home "$C" profile --name "Gamma Régie" >/dev/null || return 1
	mutua --home "$B" offer withdraw "$room" >/dev/null || return 1
	mutua --home "$A" checkpoint >/dev/null && mutua --home "$B" checkpoint >/dev/null ||
		return 1
	share_all
	# A and B vote C out: B's vote passes it, with a tally that cuts C's
	# feed at its head; then A witnesses every other feed's head
	mutua --home "$A" vote "$excl" yes >/dev/null && share "$A" "$B" || return 1
	mutua --home "$B" vote "$excl" yes >/dev/null || return 1
	share_all
	heads=$(sql "$A" "SELECT lower(hex(author)) || ':' || seq FROM feeds
		WHERE author <> X'$A_ID' ORDER BY author") || return 1
	# shellcheck disable=SC2086 # one argument a head
	"$BUNDLETOOL" witness "$A" now "$T/w.rec" $heads >/dev/null || return 1
	share_all
	mutua --home "$A" export --out "$T/honest.bundle" 2>/dev/null || return 1
	cat >"$BATS_FILE_TMPDIR/vars" <<-EOF
		A_ID=$A_ID B_ID=$B_ID C_ID=$C_ID FED_ID=$FED_ID
	EOF
}

# history: this test's copy of the homes, ids, GENESIS and BUNDLE; skips
# the test when python3 or openssl is missing.
history() {
	[ ! -e "$BATS_FILE_TMPDIR/skip" ] || skip "$(cat "$BATS_FILE_TMPDIR/skip")"
	cp -a "$BATS_FILE_TMPDIR/h/." "$T/"
	export HOME=$T/user
	# shellcheck disable=SC1091
	. "$BATS_FILE_TMPDIR/vars"
	A=$T/a B=$T/b C=$T/c GENESIS=$T/genesis.txt BUNDLE=$T/honest.bundle
}

# rec BUNDLE MEMBER_ID SEQ: the number of the ENTRY record of that entry.
rec() {
	bt list "$1" | awk -v a="$2" -v s="$3" '$2 == "entry" && $3 == a && $4 == s { print $1 }'
}

# both_refuse BUNDLE TEXT: the verifier exits 1 naming TEXT, and the audit
# fails too.
both_refuse() {
	run -1 verify "$1" "$GENESIS"
	[[ $output == *"$2"* ]] || {
		echo "the verifier's output lacks '$2':" >&2
		echo "$output" >&2
		return 1
	}
	[[ ${lines[${#lines[@]} - 1]} == "FAILED: "*" problem(s)" ]]
	run -1 --separate-stderr mutua --home "$A" audit "$1" --genesis "$GENESIS"
	[[ $output == *"audit FAILED: "* ]]
}

@test "the verifier passes an honest export, with the heads of mutua audit and the links the node holds" {
	history
	local out mine audit arr node t
	# every payload type of FORMAT.md §5 is there, for the mutations too
	for t in profile offer offer-update offer-withdraw block unblock delegation revocation \
		request accept decline cancel handover return close agree dispute proposal vote \
		rotate tally checkpoint witness; do
		bt list "$BUNDLE" | awk -v t="$t" '$5 == t { f = 1 } END { exit !f }' || {
			echo "no $t entry in the history" >&2
			return 1
		}
	done
	run -0 verify "$BUNDLE" "$GENESIS"
	[ "${lines[0]}" = "federation $FED_ID (Pôle Sud)" ]
	[[ ${lines[${#lines[@]} - 1]} == "OK: "*" entries in 4 feeds, "* ]]
	out=$(grep '^feed ' <<<"$output" | sort)
	mine=$(awk '{ print $2, $4 }' <<<"$out")
	[ "$(wc -l <<<"$mine")" -eq 4 ] # A, B's two keys, C
	run -0 --separate-stderr mutua --json --home "$A" audit "$BUNDLE" --genesis "$GENESIS"
	arr=$(sqlite3 :memory: "SELECT json_extract($(sql_quote "$output"), '\$.heads')")
	audit=$(sqlite3 :memory: "SELECT json_extract(value, '\$.feed') || ' ' ||
		json_extract(value, '\$.seq') FROM json_each($(sql_quote "$arr"))
		WHERE json_type(value, '\$.feed') = 'text'" | sort)
	[ "$mine" = "$audit" ] || {
		printf 'verifier:\n%s\naudit:\n%s\n' "$mine" "$audit" >&2
		return 1
	}
	# the links: what the next entry of each feed must name as prev
	node=$(sql "$A" "SELECT 'feed ' || lower(hex(author)) || ' seq ' || seq || ' link ' ||
		lower(hex(link)) FROM feeds" | sort)
	[ "$out" = "$node" ] || {
		printf 'verifier:\n%s\nnode:\n%s\n' "$out" "$node" >&2
		return 1
	}
}

@test "the verifier and the audit refuse a flipped signature" {
	history
	bt edit "$BUNDLE" "$T/t.bundle" flip-sig "$(rec "$BUNDLE" "$A_ID" 2)"
	both_refuse "$T/t.bundle" "seq 2): bad signature on seq 2"
}

@test "the verifier and the audit refuse a flipped bit of a body" {
	history
	bt edit "$BUNDLE" "$T/t.bundle" flip-body "$(rec "$BUNDLE" "$A_ID" 3)" 2>/dev/null
	both_refuse "$T/t.bundle" "seq 3): bad signature on seq 3"
}

@test "the verifier and the audit refuse a bundle with an entry dropped" {
	history
	bt edit "$BUNDLE" "$T/t.bundle" drop "$(rec "$BUNDLE" "$A_ID" 2)"
	both_refuse "$T/t.bundle" "gap: expected seq 2, got 3"
}

@test "the verifier and the audit refuse two entries of a feed swapped" {
	history
	bt edit "$BUNDLE" "$T/t.bundle" swap "$(rec "$BUNDLE" "$A_ID" 2)" \
		"$(rec "$BUNDLE" "$A_ID" 3)"
	both_refuse "$T/t.bundle" "gap: expected seq 2, got 3"
}

@test "the verifier and the audit refuse END counts that are not the records'" {
	history
	local n
	n=$(bt list "$BUNDLE" | grep -c ' entry ')
	bt edit "$BUNDLE" "$T/t.bundle" set-end "$((n - 1))" 0
	both_refuse "$T/t.bundle" "END record counts $((n - 1)) entries and 0 fork proofs, the bundle holds $n and 0"
}

@test "the verifier and the audit refuse a body out of the format and report a fork proof" {
	history
	# an offer of capacity 0, validly signed by A (bundletool malformed)
	bt malformed "$A" "$FED_ID" 99 "$T/bad.rec" >/dev/null
	bt edit "$BUNDLE" "$T/t.bundle" append-entry "$T/bad.rec"
	both_refuse "$T/t.bundle" ": offer capacity 0 out of range (1..1000000)"
	# a second entry signed by A at its seq 2: the FORK record proves a fork
	bt forge "$A" "$FED_ID" 2 "$T/fork.rec" >/dev/null
	bt edit "$BUNDLE" "$T/k.bundle" append-fork "$T/fork.rec"
	both_refuse "$T/k.bundle" "fork of feed $A_ID at seq 2: two signed entries"
}

@test "the verifier refuses a bundle of another federation, a damaged digest and a format 1 bundle" {
	history
	# another federation's genesis: the bundle's is not the one given
	local other=$T/other
	new_home "$other" Autre >/dev/null
	mutua --home "$other" federation create --name Autre --out "$T/other.txt" >/dev/null
	run -1 verify "$BUNDLE" "$T/other.txt"
	[[ $output == *"its GENESIS record is not the genesis given"* ]]
	# a byte of the last entry's signature changed, the digest not rewritten
	cp "$BUNDLE" "$T/d.bundle"
	printf '\x00' | dd of="$T/d.bundle" bs=1 seek=$(($(stat -c %s "$BUNDLE") - 60)) \
		conv=notrunc 2>/dev/null
	run -1 verify "$T/d.bundle" "$GENESIS"
	[[ $output == *"END digest does not match"* ]]
	# format 1's magic
	cp "$BUNDLE" "$T/v1.bundle"
	printf 'MUTUABN1' | dd of="$T/v1.bundle" bs=1 conv=notrunc 2>/dev/null
	run -1 verify "$T/v1.bundle" "$GENESIS"
	[[ $output == *"a format 1 bundle"* ]]
	run -2 verify "$BUNDLE"
	[[ $output == *"usage: verify-bundle.py BUNDLE GENESIS"* ]]
}

@test "the verifier's decoder and entry_decode agree on 2000 mutations of real bodies" {
	history
	# format-diff.py prints its seed first: rerun with it to reproduce
	run -0 python3 "$FORMAT_DIFF" "$BUNDLE" "$BUNDLETOOL" "$RANDOM$RANDOM" 2000
	[[ ${lines[${#lines[@]} - 1]} == *" 0 disagreement(s)" ]]
}

@test "the verifier's genesis decoder and genesis_decode agree on 300 mutations" {
	history
	run -0 python3 "$FORMAT_DIFF" --genesis "$BUNDLE" "$BUNDLETOOL" "$RANDOM$RANDOM" 300
	[[ ${lines[${#lines[@]} - 1]} == *" 0 disagreement(s)" ]]
}

@test "the verifier decodes the golden vectors' entries to the ids and links they pin" {
	history
	# tests/vectors/golden.txt: two entries of federation 0xaa..., as a
	# bundle of its own the verifier can only refuse for its federation,
	# but its chain, ids and signatures must hold: the feed's head is
	# entry 2, linked to entry 1 by the link the vectors give
	local g=$BATS_TEST_DIRNAME/../vectors/golden.txt
	T=$T run -0 python3 - "$VERIFY" "$g" <<-'EOF'
		import importlib.util, sys
		spec = importlib.util.spec_from_file_location("vb", sys.argv[1])
		vb = importlib.util.module_from_spec(spec)
		spec.loader.exec_module(vb)
		v = dict(l.split(" = ") for l in open(sys.argv[2]).read().splitlines()
		         if " = " in l and not l.startswith("#"))
		import os
		tmp = os.environ["T"] + "/golden"
		os.mkdir(tmp)
		ver = vb.Verifier(tmp)
		for n in ("1", "2"):
		    body, sig = bytes.fromhex(v["body_" + n]), bytes.fromhex(v["sig_" + n])
		    b, eid, kind = vb.entry(body, sig, ver)
		    assert eid.hex() == v["id_" + n], n
		    assert ver.verify(b["author"], vb.ENTRY_DOMAIN + body, sig), n
		    if n == "1":
		        assert vb.blake(eid + sig).hex() == v["link_1"]
		    else:
		        assert b["prev"].hex() == v["link_1"]
		print("golden OK")
	EOF
	[ "$output" = "golden OK" ]
}
