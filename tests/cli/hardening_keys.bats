#!/usr/bin/env bats
# hardening_keys.bats - the daemon's keys (issue 8): a wrong passphrase
# fails closed, a key file readable by others stops the start, core dumps
# are off and the process is not dumpable. The dumpable check runs mutuad
# as nobody (needs root and setpriv; skips otherwise).

# shellcheck disable=SC2154 # bats sets $stderr
bats_require_minimum_version 1.5.0
load helpers
load hardening_helpers

@test "keys: a wrong passphrase makes mutuad exit 1 and append nothing" {
	local h=$T/s before id
	export MUTUA_PASSPHRASE="le bon mot de passe"
	# one sealed founder (each use of a sealed key costs a password hash)
	id=$(new_home "$h" Scelle --endpoint "ipc://$T/s.sock")
	mutua --home "$h" federation create --name Scellee --out "$T/genesis.txt" >/dev/null
	run -1 env -u MUTUA_PASSPHRASE "$MUTUA" --home "$h" card </dev/null # sealed
	before=$(sql "$h" "SELECT group_concat(hex(id)) FROM entries")
	MUTUA_PASSPHRASE="un mauvais" run -1 --separate-stderr timeout 20 "$MUTUAD" \
		--home "$h" --listen "ipc://$T/s.sock"
	stderr_has "wrong passphrase"
	run -1 --separate-stderr env -u MUTUA_PASSPHRASE timeout 20 "$MUTUAD" \
		--home "$h" --listen "ipc://$T/s.sock"
	echo "# mutuad without a passphrase: $stderr" >&3
	[ "$(sql "$h" "SELECT group_concat(hex(id)) FROM entries")" = "$before" ]
	[ ! -e "$h/mutuad.status" ]
	# nothing held back: the CLI appends at once (with the right passphrase)
	run -0 mutua --home "$h" offer add --kind room --title Salle
	MUTUA_PASSPHRASE="un mauvais" run -1 mutua --home "$h" offer add --kind room --title X
	[ "$(count_entries "$h" "$id")" -eq 2 ]
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
		--listen "ipc://${H[1]}/n.sock" >>"$T/nobody.log" 2>&1 3>&- &
	echo $! >"$T/nobody.pid"
	# a log of its own: the first daemon's "started" line must not count
	wait_until 20 log_has nobody "mutuad started"
	pid=$(daemon_pid nobody)
	uid=$(stat -c %u "/proc/$pid/status")
	echo "# mutuad run as nobody: /proc/$pid/status owned by uid $uid" >&3
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 65534 ]
	[ "$uid" = 0 ]
}
