#!/usr/bin/env bats
# hardening.bats - the store under power cuts, I/O errors and a full disk;
# wrong keys and core dumps (issue 8). The short versions run in make
# check; tests/stress.sh runs the long ones: the same tests with bigger
# figures, set by these environment variables:
#
#   MUTUA_POWERCUTS     power cuts of the 1 000-append workload (20; 0: all)
#   MUTUA_CRASH_LOOPS   kills -9 of a receiving mutuad (10), and
#   MUTUA_CRASH_FEED    entries of the feed it receives (5000), and
#   MUTUA_CLI_KILLS     rounds of a `mutua offer add` killed -9 (20), in
#                       hardening_crash.bats
#   MUTUA_SEED          seed of $RANDOM (printed), to replay a run
#
# kill -9 is in hardening_crash.bats, the network partition in
# hardening_net.bats (files of make check stay under a minute each; they
# run in parallel). Tests that need root
# (mounts, namespaces) skip with a message otherwise, and undo what they set
# up in teardown, failed or not (hardening_helpers.bash). Every wait is
# bounded; figures go to the TAP output as "# ..." lines.

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
	run -0 mutua --home "${H[2]}" offer add --kind room --title "Apres"
	echo "$output" >>"$ids"
	rm "$d/filler"
	run -0 mutua --home "${H[2]}" reindex
	store_sound "${H[2]}"
	ids_present "${H[2]}" "$ids"
	audit_ok "${H[2]}"
	[ "$(count_entries "${H[2]}" "${ID[2]}")" -ge $((n + 2)) ]
	[ "$(count_entries "${H[2]}" "${ID[1]}")" -ge 1001 ]
}

# --- keys -------------------------------------------------------------------------

@test "keys: a wrong passphrase makes mutuad exit 1 and append nothing" {
	local before
	export MUTUA_PASSPHRASE="le bon mot de passe"
	make_nodes 2 # sealed keys
	run -1 env -u MUTUA_PASSPHRASE "$MUTUA" --home "${H[1]}" card </dev/null # sealed
	before=$(sql "${H[1]}" "SELECT group_concat(hex(id)) FROM entries")
	MUTUA_PASSPHRASE="un mauvais" run -1 --separate-stderr timeout 20 "$MUTUAD" \
		--home "${H[1]}" --listen "${EP[1]}" --peer "${EP[2]}"
	stderr_has "wrong passphrase"
	run -1 --separate-stderr env -u MUTUA_PASSPHRASE timeout 20 "$MUTUAD" \
		--home "${H[1]}" --listen "${EP[1]}" --peer "${EP[2]}"
	echo "# mutuad without a passphrase: $stderr" >&3
	[ "$(sql "${H[1]}" "SELECT group_concat(hex(id)) FROM entries")" = "$before" ]
	[ ! -e "${H[1]}/mutuad.status" ]
	# nothing held back: the CLI appends at once (with the right passphrase)
	run -0 mutua --home "${H[1]}" offer add --kind room --title Salle
	MUTUA_PASSPHRASE="un mauvais" run -1 mutua --home "${H[1]}" offer add --kind room --title X
	[ "$(count_entries "${H[1]}" "${ID[1]}")" -eq 2 ]
}

@test "keys: a key file readable by group or others stops mutuad's start (exit 1)" {
	make_nodes 2
	for mode in 644 640 604; do
		chmod "$mode" "${H[1]}/key"
		run -1 --separate-stderr timeout 20 "$MUTUAD" --home "${H[1]}" --listen "${EP[1]}"
		stderr_has "readable by others"
		[ ! -e "${H[1]}/mutuad.status" ]
	done
	chmod 600 "${H[1]}/key"
	start_node 1
	wait_log 1 "mutuad started"
}

@test "keys: mutuad runs with core dumps off (RLIMIT_CORE 0) and not dumpable" {
	local pid uid
	make_nodes 2
	start_node 1
	wait_log 1 "mutuad started"
	pid=$(daemon_pid 1)
	grep -i core "/proc/$pid/limits" | sed 's/^/# /' >&3
	grep -Eq '^Max core file size +0 +0 ' "/proc/$pid/limits"
	stop_daemon 1
	# not dumpable: /proc/PID of a non-dumpable process belongs to root
	# (proc(5)); visible only for a daemon run by another user
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null ||
		skip "needs root and setpriv to run mutuad as nobody"
	chmod 755 "$T"
	chown -R nobody "${H[1]}"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$MUTUAD" --home "${H[1]}" \
		--listen "ipc://${H[1]}/n.sock" >>"$T/1.log" 2>&1 3>&- &
	echo $! >"$T/1.pid"
	wait_until 20 log_has 1 "mutuad started"
	pid=$(daemon_pid 1)
	uid=$(stat -c %u "/proc/$pid/status")
	echo "# mutuad run as nobody: /proc/$pid/status owned by uid $uid" >&3
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 65534 ]
	[ "$uid" = 0 ]
}
