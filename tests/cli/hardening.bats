#!/usr/bin/env bats
# hardening.bats - the store under power cuts, I/O errors, a full disk and
# `mutua` killed -9 mid-append (issue 8). The short versions run in make
# check; tests/stress.sh runs the long ones: the same tests with bigger
# figures, set by these environment variables:
#
#   MUTUA_POWERCUTS     power cuts of the 1 000-append workload (20; 0: all)
#   MUTUA_CLI_KILLS     rounds of two `mutua offer add`, one killed -9 (20)
#   MUTUA_CRASH_LOOPS   kills -9 of a receiving mutuad (10), and
#   MUTUA_CRASH_FEED    entries of the feed it receives (20000), in
#                       hardening_crash.bats
#   MUTUA_SEED          seed of $RANDOM (printed), to replay a run
#
# The crash loop of a receiving mutuad is in hardening_crash.bats, the
# network partition in hardening_net.bats, keys and core dumps in
# hardening_keys.bats: the files of make check stay under a minute each,
# and run in parallel. Tests that need root (mounts, namespaces) skip with
# a message otherwise, and undo what they set up in teardown, failed or not
# (hardening_helpers.bash). Every wait is bounded; figures go to the TAP
# output as "# ..." lines.

# shellcheck disable=SC2154 # bats sets $stderr
bats_require_minimum_version 1.5.0
load helpers
load hardening_helpers

# --- power cuts -----------------------------------------------------------------

@test "power cuts: 1 000 appends cut at spread sync points lose no acknowledged entry, never fork" {
	need_tools
	local h=$T/pc cuts=${MUTUA_POWERCUTS:-20}
	new_home "$h" Solo >/dev/null
	mutua --home "$h" federation create --name Courant --out "$T/genesis.txt" >/dev/null
	run -0 "$POWERCUT" --cuts "$cuts" --seed "${MUTUA_SEED:-1}" "$h"
	sed 's/^/# power cut: /' <<<"$output" >&3
	[[ $output == *"all sound"* ]]
	# the harness sees a loss when there is one: without synchronous=FULL,
	# acknowledged entries vanish at the cut
	run -1 "$POWERCUT" --cuts 6 --appends 300 --unsafe "$h"
	[[ $output == *"FAILED"* ]]
	[[ $output == *"lost"* ]]
}

@test "I/O errors: a failing write or fsync refuses its append only; a cut afterwards loses nothing" {
	need_tools
	local h=$T/io cuts=${MUTUA_POWERCUTS:-20}
	[ "$cuts" = 0 ] && cuts=200
	new_home "$h" Solo >/dev/null
	mutua --home "$h" federation create --name Courant --out "$T/genesis.txt" >/dev/null
	run -0 "$POWERCUT" --ioerr --cuts "$((cuts / 2 > 4 ? cuts / 2 : 4))" --appends 400 "$h"
	sed 's/^/# I\/O errors: /' <<<"$output" >&3
	[[ $output == *"all sound"* ]]
	[[ $output =~ ([0-9]+)\ appends\ refused ]]
	[ "${BASH_REMATCH[1]}" -gt 0 ]
}

# --- a full disk ------------------------------------------------------------------

@test "disk full: appends fail with exit 1 saying so, nothing is corrupted, work resumes with space" {
	need_tools
	local d=$T/2 avail k n n0 text ids=$T/acked rc
	mount_tmpfs "$d" 1m
	make_nodes 2 # node 2's home is the tmpfs
	: >"$ids"
	n0=$(count_entries "${H[2]}")
	avail=$(df -k --output=avail "$d" | tail -n 1)
	# leave 160 kB: room for the WAL, its index and some appends of 3 kB
	dd if=/dev/zero of="$d/filler" bs=1k count=$((avail - 160)) status=none
	text=$(printf 'x%.0s' {1..3000})
	for ((k = 1; k <= 500; k++)); do # (not i: bats 1.8's run sets i)
		run --separate-stderr mutua --home "${H[2]}" offer add --kind equipment \
			--title "Offre $k" --description "$text"
		[ "$status" -eq 0 ] || break
		echo "$output" >>"$ids"
	done
	n=$(wc -l <"$ids")
	echo "# disk full after $n appends; the failing one said: $stderr" >&3
	[ "$status" -eq 1 ]
	[[ $stderr == *"disk is full"* ]]
	[ "$n" -ge 5 ]
	# while full: sound, audited, nothing acknowledged lost; more appends
	# and a reindex refuse cleanly and change nothing
	store_sound "${H[2]}"
	ids_present "${H[2]}" "$ids"
	audit_ok "${H[2]}"
	run -1 --separate-stderr mutua --home "${H[2]}" offer add --kind room --title Encore
	[[ $stderr == *"full"* ]]
	run -1 --separate-stderr mutua --home "${H[2]}" reindex
	[[ $stderr == *"full"* ]]
	store_sound "${H[2]}"
	[ "$(count_entries "${H[2]}")" -eq $((n0 + n)) ]

	# a daemon receiving a feed onto the full disk: it may stop (exit 1,
	# with the reason in its log) or wait, but must leave the store sound
	run -0 "$MKFEED" "${H[1]}" 1000
	start_node 1 --peer "${EP[2]}"
	start_node 2 --peer "${EP[1]}"
	wait_log 2 "full" 30
	sleep 0.5
	if daemon_alive 2; then
		echo "# mutuad on the full disk: still running" >&3
	else
		rc=0
		stop_daemon 2 || rc=$?
		echo "# mutuad on the full disk: stopped with status $rc" >&3
		[ "$rc" -eq 1 ]
	fi
	grep -F "full" "$T/2.log" | head -n 2 | sed 's/^/# mutuad log: /' >&3
	store_sound "${H[2]}"
	ids_present "${H[2]}" "$ids"

	# space is back (a bigger filesystem): the node catches up, the CLI appends
	mount -o remount,size=32m "$d"
	daemon_alive 2 2>/dev/null || start_node 2 --peer "${EP[1]}"
	wait_until 60 same_heads "${H[1]}" "${H[2]}"
	stop_daemons
	run -0 --separate-stderr mutua --home "${H[2]}" offer add --kind room --title "Apres"
	echo "$output" >>"$ids"
	rm "$d/filler"
	run -0 mutua --home "${H[2]}" reindex
	store_sound "${H[2]}"
	ids_present "${H[2]}" "$ids"
	audit_ok "${H[2]}"
	[ "$(count_entries "${H[2]}" "${ID[2]}")" -ge $((n + 2)) ]
	[ "$(count_entries "${H[2]}" "${ID[1]}")" -ge 1001 ]
}

# --- kill -9 of the CLI ---------------------------------------------------------

@test "mutua offer add killed -9 at random points, two writers at once: store sound, seqs contiguous" {
	local kills=${MUTUA_CLI_KILLS:-20} i pa pb ra rb killed=0 done_=0 ids=$T/acked
	seed_random
	make_nodes 2
	: >"$ids"
	for ((i = 1; i <= kills; i++)); do
		mutua --home "${H[1]}" offer add --kind equipment --title "A$i" >"$T/a.out" 2>&1 &
		pa=$!
		mutua --home "${H[1]}" offer add --kind room --title "B$i" >"$T/b.out" 2>&1 &
		pb=$!
		sleep "0.0$(printf '%02d' $((RANDOM % 40)))"
		kill -9 "$pa" 2>/dev/null || true
		ra=0 rb=0
		wait "$pa" || ra=$?
		wait "$pb" || rb=$?
		[ "$rb" -eq 0 ] || {
			echo "writer B failed: $(cat "$T/b.out")" >&2
			return 1
		}
		cat "$T/b.out" >>"$ids"
		if [ "$ra" -eq 0 ]; then
			cat "$T/a.out" >>"$ids"
			done_=$((done_ + 1))
		else
			[ "$ra" -eq 137 ] || {
				echo "writer A: status $ra: $(cat "$T/a.out")" >&2
				return 1
			}
			killed=$((killed + 1))
		fi
		if ((i % 10 == 0)); then
			store_sound "${H[1]}"
		fi
	done
	echo "# $kills rounds of two concurrent appends: writer A killed -9 in $killed," \
		"done before the kill in $done_" >&3
	store_sound "${H[1]}"
	ids_present "${H[1]}" "$ids"
	# every entry of the feed is one of the acknowledged ones or one whose
	# writer died after its commit: never a hole, never two at one seq
	[ "$(count_entries "${H[1]}" "${ID[1]}")" -ge $((1 + kills + done_)) ]
	[ "$(count_entries "${H[1]}" "${ID[1]}")" -le $((1 + 2 * kills)) ]
	run -0 mutua --home "${H[1]}" reindex
	audit_ok "${H[1]}"
	run -0 mutua --home "${H[1]}" offer add --kind skill --title Apres
	store_sound "${H[1]}"
}
