#!/usr/bin/env bats
# nodes.bats - several mutuad processes replicating over ZeroMQ/CURVE:
# transitive convergence, latency, a 10 000-entry sync and its speed, a
# restart mid-sync, one-shot `mutua sync`, a stranger refused, hostile
# member peers (tests/tools/evilpeer), a forked feed, the daemon's
# configuration and signals, and `mutua status`.
#
# Endpoints are ipc:// sockets in the test's folder (tcp://127.0.0.1 in one
# test). Every wait is bounded; teardown stops every daemon (helpers.bash).
# Figures go to the TAP output as "# ..." lines.

# shellcheck disable=SC2030,SC2031 # each @test is a subshell: that is the point

bats_require_minimum_version 1.5.0
load helpers

MKFEED=$TOOLS/mkfeed
EVILPEER=$TOOLS/evilpeer

need_tools() {
	if [ ! -x "$MKFEED" ] || [ ! -x "$EVILPEER" ]; then
		echo "test tools missing: run make tests" >&2
		return 1
	fi
}

# heads HOME: every feed's head, one line each, for comparing stores.
heads() {
	sql "$1" "SELECT hex(author), seq, hex(id) FROM feeds ORDER BY author"
}

same_heads() {
	local a b
	a=$(heads "$1") b=$(heads "$2")
	[ -n "$a" ] && [ "$a" = "$b" ]
}

# store_sound HOME: integrity ok, no two entries at one (author, seq), no gap.
store_sound() {
	[ "$(sql "$1" 'PRAGMA integrity_check')" = ok ] || return 1
	[ "$(sql "$1" 'SELECT count(*) - (SELECT count(*) FROM
		(SELECT DISTINCT author, seq FROM entries)) FROM entries')" = 0 ] || return 1
	[ "$(sql "$1" 'SELECT count(*) FROM (SELECT author FROM entries GROUP BY author
		HAVING max(seq) != count(*) OR min(seq) != 1)')" = 0 ]
}

# stored_at NAME MEMBER SEQ: when daemon NAME stored MEMBER's entry SEQ, in
# ms since the epoch, from its debug log line "+N entries of ... (head SEQ)".
stored_at() {
	local line
	line=$(grep -m1 -F "entries of ${2:0:16} (head $3)" "$T/$1.log") || return 1
	date -u -d "${line%% *}" +%s%3N
}

# log_time NAME first|last TEXT: the time (ms since the epoch) of the first
# or last line of daemon NAME's log holding TEXT.
log_time() {
	local line
	line=$(grep -F -- "$3" "$T/$1.log" | if [ "$2" = first ]; then head -1; else tail -1; fi)
	[ -n "$line" ] || return 1
	date -u -d "${line%% *}" +%s%3N
}

# latency HOME MEMBER SEQ NAME...: waits until every daemon NAME holds the
# entry, then prints the ms from its signing (its time field, same clock)
# to its storing by the last of them. Log times, not polls: the figure does
# not include the test's own polling.
latency() {
	local home=$1 member=$2 seq=$3 t0 last=0 at name
	shift 3
	t0=$(sql "$home" "SELECT time FROM entries WHERE author = X'$member' AND seq = $seq")
	[ -n "$t0" ] || return 1
	for name in "$@"; do
		wait_until 20 stored_at "$name" "$member" "$seq" >/dev/null || return 1
		at=$(stored_at "$name" "$member" "$seq") || return 1
		if [ "$at" -gt "$last" ]; then last=$at; fi
	done
	echo $((last - t0))
}

# has_fork HOME MEMBER SEQ: HOME holds a fork proof of MEMBER at SEQ.
has_fork() {
	[ "$(sql "$1" "SELECT count(*) FROM forks WHERE author = X'$2' AND seq = $3")" -ge 1 ]
}

# count_offers HOME MEMBER: offer entries of MEMBER's feed held by HOME.
count_offers() {
	sql "$1" "SELECT count(*) FROM entries WHERE author = X'$2' AND type = 'offer'"
}

has_offers() { # HOME N MEMBER
	[ "$(count_offers "$1" "$3")" -ge "$2" ]
}

offer_listed() { # HOME TITLE
	mutua --home "$1" offer list | grep -qF -- "$2"
}

# --- convergence and latency ------------------------------------------------

@test "three nodes in a line a-b-c converge both ways, a and c never connected" {
	make_nodes 3
	start_node 1 --peer "${EP[2]}"
	start_node 2 --peer "${EP[3]}"
	start_node 3 --peer "${EP[2]}"
	wait_log 1 "appends open"
	mutua --home "${H[1]}" offer add --kind room --title "Salle des fetes" >/dev/null
	wait_until 20 offer_listed "${H[3]}" "Salle des fetes"
	wait_log 3 "appends open"
	mutua --home "${H[3]}" offer add --kind vehicle --title "Camion frigo" >/dev/null
	mutua --home "${H[3]}" offer add --kind skill --title "Comptable" >/dev/null
	wait_until 20 offer_listed "${H[1]}" "Comptable"
	offer_listed "${H[1]}" "Camion frigo"
	wait_until 20 same_heads "${H[1]}" "${H[3]}"
	wait_until 20 same_heads "${H[1]}" "${H[2]}"
	[ "$(count_entries "${H[1]}")" -eq 6 ] # 3 profiles, 3 offers
	# transitive: 1 and 3 only ever talked to 2
	run ! log_has 1 "N3"
	run ! log_has 3 "N1"
	for i in 1 2 3; do store_sound "${H[i]}"; done
}

@test "over tcp://127.0.0.1, an entry added by the CLI reaches the other nodes in under a second" {
	local i p ms seq times=()
	make_nodes 3
	for i in 1 2 3; do
		p=$(free_port)
		EP[i]=tcp://127.0.0.1:$p
	done
	start_node 1 --log-level debug --peer "N2@${EP[2]}"
	start_node 2 --log-level debug --peer "N3@${EP[3]}"
	start_node 3 --log-level debug --peer "N2@${EP[2]}"
	for i in 1 2 3; do wait_log "$i" "appends open"; done
	wait_until 20 has_entries "${H[1]}" 3
	wait_until 20 has_entries "${H[3]}" 3
	for i in 1 2 3; do
		mutua --home "${H[1]}" offer add --kind equipment --title "Broyeur $i" >/dev/null
		seq=$(count_entries "${H[1]}" "${ID[1]}")
		ms=$(latency "${H[1]}" "${ID[1]}" "$seq" 2 3)
		echo "# tcp line of 3: entry $i reached both other nodes in $ms ms" >&3
		times+=("$ms")
		# pushed by announcements, not found by the 10 s anti-entropy
		[ "$ms" -lt 3000 ]
	done
	# the reverse way too
	mutua --home "${H[3]}" offer add --kind room --title "Retour" >/dev/null
	seq=$(count_entries "${H[3]}" "${ID[3]}")
	ms=$(latency "${H[3]}" "${ID[3]}" "$seq" 2 1)
	echo "# tcp line of 3: and back in $ms ms" >&3
	# the median, so that one slow sample on a busy machine is forgiven
	ms=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
	echo "# tcp line of 3: median $ms ms" >&3
	[ "$ms" -lt 1000 ]
}

@test "5-node line: time for one new entry to reach all nodes" {
	local i seq ms total=0
	make_nodes 5
	start_node 1 --log-level debug --peer "${EP[2]}"
	start_node 2 --log-level debug --peer "${EP[3]}"
	start_node 3 --log-level debug --peer "${EP[4]}"
	start_node 4 --log-level debug --peer "${EP[5]}"
	start_node 5 --log-level debug --peer "${EP[4]}"
	wait_log 1 "appends open"
	wait_until 20 has_entries "${H[5]}" 5 # every profile everywhere
	wait_until 20 has_entries "${H[1]}" 5
	for i in 1 2 3; do
		mutua --home "${H[1]}" offer add --kind storage --title "Entrepot $i" >/dev/null
		seq=$(count_entries "${H[1]}" "${ID[1]}")
		ms=$(latency "${H[1]}" "${ID[1]}" "$seq" 2 3 4 5)
		total=$((total + ms))
		echo "# 5-node line, 4 hops: entry $i reached all nodes in $ms ms" >&3
	done
	echo "# 5-node line, 4 hops: mean $((total / 3)) ms" >&3
	[ $((total / 3)) -lt 5000 ]
	for i in 2 3 4 5; do wait_until 20 same_heads "${H[1]}" "${H[i]}"; done
}

# --- volume -------------------------------------------------------------------

@test "10 000 entries sync from a to b: counts, integrity, reindex; figures printed" {
	need_tools
	local t0 ms
	make_nodes 2
	run -0 "$MKFEED" "${H[1]}" 10000
	echo "# mkfeed: $output" >&3
	start_node 1 --peer "${EP[2]}"
	wait_log 1 "mutuad started"
	t0=$(now_ms)
	start_node 2 --log-level debug --peer "${EP[1]}"
	wait_until 30 has_offers "${H[2]}" 10000 "${ID[1]}"
	ms=$(($(now_ms) - t0))
	echo "# 10000 entries synced a -> b in $ms ms (daemon start included):" \
		"$((10000 * 1000 / ms)) entries/s" >&3
	# the same from b's log: secure handshake done to last batch stored
	t0=$(log_time 2 first "connected")
	ms=$(($(log_time 2 last "entries of ${ID[1]:0:16}") - t0))
	[ "$ms" -gt 0 ] || ms=1
	echo "# from b's log, handshake to last batch stored: $ms ms:" \
		"$((10000 * 1000 / ms)) entries/s" >&3
	# mutuad may have appended a checkpoint of its feed (checkpoint.h)
	wait_until 20 same_heads "${H[1]}" "${H[2]}"
	run -0 mutua --home "${H[2]}" doctor
	stop_daemon 2
	stop_daemon 1
	same_heads "${H[1]}" "${H[2]}"
	[ "$(count_offers "${H[2]}" "${ID[1]}")" -eq 10000 ]
	[ "$(count_entries "${H[2]}" "${ID[1]}")" -eq "$(count_entries "${H[1]}" "${ID[1]}")" ]
	[ "$(count_entries "${H[2]}")" -eq $(($(count_entries "${H[1]}" "${ID[1]}") + 1)) ]
	store_sound "${H[2]}"
	run -0 mutua --home "${H[2]}" reindex
	[ "$(sql "${H[2]}" "SELECT count(*) FROM resources")" -eq 10000 ]
}

@test "a node killed (-9) mid-sync and restarted ends with every entry, once" {
	need_tools
	local partial rc=0
	make_nodes 2
	run -0 "$MKFEED" "${H[1]}" 20000
	start_node 1 --peer "${EP[2]}"
	start_node 2 --peer "${EP[1]}"
	wait_until 20 has_offers "${H[2]}" 1 "${ID[1]}" # the first batch is in
	stop_daemon 2 KILL || rc=$?
	[ "$rc" -eq 137 ]
	partial=$(count_offers "${H[2]}" "${ID[1]}")
	echo "# killed -9 with $partial of 20000 entries stored" >&3
	store_sound "${H[2]}"
	start_node 2 --peer "${EP[1]}"
	wait_until 30 has_offers "${H[2]}" 20000 "${ID[1]}"
	wait_until 20 same_heads "${H[1]}" "${H[2]}"
	sleep 0.3 # anything more would be a duplicate: there must be none
	stop_daemon 2
	stop_daemon 1
	[ "$(count_offers "${H[2]}" "${ID[1]}")" -eq 20000 ]
	# N1's whole feed (its profile, the offers, any checkpoint), and N2's own
	[ "$(count_entries "${H[2]}" "${ID[1]}")" -eq "$(count_entries "${H[1]}" "${ID[1]}")" ]
	[ "$(count_entries "${H[2]}")" -eq $(($(count_entries "${H[1]}" "${ID[1]}") + 1)) ]
	store_sound "${H[2]}"
	same_heads "${H[1]}" "${H[2]}"
}

# --- one-shot sync and strangers ---------------------------------------------

@test "mutua sync exchanges entries both ways once and prints the counts" {
	make_nodes 3
	mutua --home "${H[1]}" offer add --kind vehicle --title Camion >/dev/null
	mutua --home "${H[2]}" offer add --kind room --title Salle >/dev/null
	mutua --home "${H[2]}" offer add --kind skill --title Compta >/dev/null
	start_node 2
	wait_log 2 "mutuad started"
	run -0 --separate-stderr mutua --home "${H[1]}" sync --timeout 20 "${EP[2]}"
	[ "$output" = "3 entries received, 2 sent" ]
	offer_listed "${H[1]}" Compta
	wait_until 20 offer_listed "${H[2]}" Camion
	same_heads "${H[1]}" "${H[2]}"
	run -0 mutua --json --home "${H[1]}" sync --timeout 20 "N2@${EP[2]}"
	is_json_object "$output"
	[ "$(json_get "$output" '$.received')" = 0 ]
	[ "$(json_get "$output" '$.sent')" = 0 ]
}

@test "mutua sync to an unreachable node or a wrong address fails clearly" {
	make_nodes 3
	run -1 --separate-stderr mutua --home "${H[1]}" sync --timeout 1 "${EP[3]}"
	stderr_has "could not reach ${EP[3]} within 1 s"
	run -2 --separate-stderr mutua --home "${H[1]}" sync --timeout 1 "ipc://$T/nobody.sock"
	stderr_has "no member publishes this endpoint"
	run -2 --separate-stderr mutua --home "${H[1]}" sync "${EP[1]}"
	stderr_has "this node itself"
}

@test "a stranger's node (valid keys, not a member) is refused and learns nothing" {
	need_tools
	local s=$T/s before
	make_nodes 2
	mutua --home "${H[1]}" offer add --kind room --title "Salle secrete" >/dev/null
	new_home "$s" Stranger >/dev/null
	sqlite3 "${H[2]}/store.db" ".backup '$s/store.db'"
	[ "$(stat -c %a "$s/key")" = 600 ]
	start_node 1
	wait_log 1 "mutuad started"
	before=$(heads "$s")
	run -1 --separate-stderr mutua --home "$s" sync --timeout 5 "${EP[1]}"
	stderr_has "refused us"
	wait_log 1 "refused a connection"
	log_has 1 "not a member"
	# at the socket level: the handshake itself fails, nothing is said
	run -1 "$EVILPEER" "$s" "${EP[1]}" garbage
	[[ $output == *"refused: the node refused our key"* ]]
	[[ $output != *"hello answered"* ]]
	[ "$(heads "$s")" = "$before" ]
	run ! offer_listed "$s" "Salle secrete"
	daemon_alive 1
	# the member itself, same store, is served
	run -0 mutua --home "${H[2]}" sync --timeout 20 "${EP[1]}"
	offer_listed "${H[2]}" "Salle secrete"
}

# --- hostile members ----------------------------------------------------------

# hostile MODE: nodes 1 and 2 sync; N3 (a member) runs evilpeer MODE
# against node 1 while N2 adds an offer every 200 ms. Then node 1 must
# be up and hold every entry of N2, and one more added afterwards.
hostile() {
	local i n rc=0
	need_tools
	make_nodes 3
	start_node 1 --peer "${EP[2]}"
	start_node 2 --peer "${EP[1]}"
	wait_log 1 "appends open"
	wait_log 2 "appends open"
	"$EVILPEER" "${H[3]}" "${EP[1]}" "$1" >"$T/evil.out" 2>&1 3>&- &
	echo $! >"$T/evil.pid"
	# honest entries all along the attack (evilpeer runs 2 s)
	for ((i = 1; i <= 20; i++)); do
		mutua --home "${H[2]}" offer add --kind other --title "Honest $i" >/dev/null
		kill -0 "$(cat "$T/evil.pid")" 2>/dev/null || break
		sleep 0.2
	done
	wait "$(cat "$T/evil.pid")" || rc=$?
	rm -f "$T/evil.pid"
	sed 's/^/# /' "$T/evil.out"
	[ "$rc" -eq 0 ]
	grep -q "hello answered" "$T/evil.out"
	daemon_alive 1
	n=$(count_entries "${H[2]}" "${ID[2]}")
	wait_until 20 has_entries "${H[1]}" "$n" "${ID[2]}"
	# and the node keeps syncing once the hostile peer is gone
	mutua --home "${H[2]}" offer add --kind other --title "Honest after" >/dev/null
	wait_until 20 has_entries "${H[1]}" $((n + 1)) "${ID[2]}"
	daemon_alive 1
	store_sound "${H[1]}"
}

@test "hostile member: garbage frames, unknown commands, wrong frame counts are rejected" {
	hostile garbage
	grep -q "after garbage the node still answers" "$T/evil.out"
	grep -q "no hello: ignored" "$T/evil.out"
	grep -q "twenty frames: the node refuses us for a while" "$T/evil.out"
	log_has 1 "unknown message"
	log_has 1 "wrong shape dropped"
	log_has 1 "more frames than any command has: disconnected and refused for 60 s"
	log_has 1 "refused a hello"
}

@test "hostile member: a frame over WIRE_MSG_MAX makes the node drop the connection" {
	hostile oversize
	grep -q "disconnected by the node" "$T/evil.out"
}

@test "hostile member: a forged entry and one of another federation are not stored" {
	local forged wrongfed
	hostile forged
	forged=$(sed -n 's/^evilpeer: forged //p' "$T/evil.out")
	wrongfed=$(sed -n 's/^evilpeer: wrongfed //p' "$T/evil.out")
	is_id "$forged"
	is_id "$wrongfed"
	log_has 1 "bad signature"
	log_has 1 "entry of another federation"
	[ "$(sql "${H[1]}" "SELECT count(*) FROM entries WHERE id IN (X'$forged', X'$wrongfed')")" = 0 ]
	[ "$(sql "${H[1]}" "SELECT count(*) FROM forks")" = 0 ]
	[ "$(sql "${H[1]}" "SELECT count(*) FROM faults")" = 0 ]
	[ "$(sql "${H[2]}" "SELECT count(*) FROM entries WHERE id IN (X'$forged', X'$wrongfed')")" = 0 ]
}

@test "hostile member: malformed and lying heads are rejected, the node does not spin" {
	local pid t1 t2
	hostile badheads
	log_has 1 "bad heads"
	# the lying heads (seq 2^63-1) must not make the node busy-loop
	pid=$(daemon_pid 1)
	t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	sleep 1
	t2=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	echo "# node CPU over 1 s after the lies: $((t2 - t1)) ticks" >&3
	[ $((t2 - t1)) -lt 25 ] # a spinning node burns 100 a second
}

@test "hostile member: a flood of GETs never read does not stop the node" {
	local rss
	hostile flood
	grep -q "flood: sent" "$T/evil.out"
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$(daemon_pid 1)/status")
	echo "# node RSS after the flood: $rss kB" >&3
	[ "$rss" -lt 200000 ]
}

# --- forks --------------------------------------------------------------------

@test "a forked feed (copied home) produces a proof on every node; doctor says so" {
	local x=$T/x h
	make_nodes 3
	cp -a "${H[1]}" "$x"
	mutua --home "${H[1]}" offer add --kind room --title Original >/dev/null
	mutua --home "$x" offer add --kind room --title Copie >/dev/null
	# a line: 1 - 2 - 3 - x, where x holds N1's key
	start_node 1 --peer "${EP[2]}"
	start_node 2 --peer "${EP[3]}"
	start_node 3 --peer "N1@ipc://$x.sock"
	start_daemon x --home "$x" --listen "ipc://$x.sock" --peer "${EP[3]}"
	for h in "${H[1]}" "${H[2]}" "${H[3]}" "$x"; do
		wait_until 20 has_fork "$h" "${ID[1]}" 2
	done
	for h in 1 2 3 x; do wait_log "$h" "FORK"; done
	run -0 mutua --json --home "${H[2]}" status
	[ "$(json_get "$output" '$.feeds[0].forked_at')" = 2 ] # N1 sorts first
	run -1 mutua --home "${H[1]}" doctor
	[[ $output == *"OWN FEED IS FORKED at seq 2"* ]]
	run -1 mutua --home "${H[2]}" doctor
	[[ $output == *"1 other member feed(s) forked"* ]]
	[[ $output == *"ok      this member's own feed is not forked"* ]]
	stop_daemons
	# the proof holds the two branches: one Original, one Copie
	[ "$(sql "${H[2]}" "SELECT count(*) FROM (SELECT id FROM forks WHERE author = X'${ID[1]}'
		UNION SELECT id FROM entries WHERE author = X'${ID[1]}' AND seq = 2)")" = 2 ]
	run -1 --separate-stderr mutua --home "${H[1]}" offer add --kind room --title Encore
	stderr_has "forked"
}

# --- the daemon ---------------------------------------------------------------

@test "mutuad refuses a bad config line (file:line), an unmatched peer, a bad --listen (2)" {
	make_nodes 2
	printf 'listen = %s\nbogus = 1\n' "${EP[1]}" >"${H[1]}/mutua.conf"
	run -2 --separate-stderr timeout 10 "$MUTUAD" --home "${H[1]}"
	stderr_has "${H[1]}/mutua.conf:2: unknown key 'bogus'"
	printf 'sync_batch = 0\n' >"${H[1]}/mutua.conf"
	run -2 --separate-stderr timeout 10 "$MUTUAD" --home "${H[1]}"
	stderr_has "mutua.conf:1: sync_batch"
	rm "${H[1]}/mutua.conf"
	run -2 --separate-stderr timeout 10 "$MUTUAD" --home "${H[1]}" --listen "${EP[1]}" \
		--peer "ipc://$T/nobody.sock"
	stderr_has "no member publishes this endpoint"
	run -2 --separate-stderr timeout 10 "$MUTUAD" --home "${H[1]}" --listen garbage
	stderr_has "--listen"
	run -2 --separate-stderr timeout 10 "$MUTUAD" --home "${H[1]}" --listen "${EP[1]}" \
		--peer "N1@${EP[1]}"
	stderr_has "this node itself"
	[ ! -e "${H[1]}/mutuad.status" ]
}

@test "mutuad stops cleanly on SIGTERM and reloads its peers on SIGHUP" {
	make_nodes 3
	printf '# peers\npeer = %s\n' "${EP[2]}" >"${H[1]}/mutua.conf"
	start_node 1
	wait_log 1 "1 peers"
	wait_until 20 [ -e "${H[1]}/mutuad.status" ]
	printf 'peer = %s\n' "${EP[3]}" >>"${H[1]}/mutua.conf"
	kill -HUP "$(daemon_pid 1)"
	wait_log 1 "reloaded: 2 peers"
	printf 'nonsense\n' >>"${H[1]}/mutua.conf"
	kill -HUP "$(daemon_pid 1)"
	wait_log 1 "reload refused"
	log_has 1 "mutua.conf:4"
	daemon_alive 1
	stop_daemon 1 TERM
	[ ! -e "${H[1]}/mutuad.status" ]
	log_has 1 "stopping"
}

@test "one mutuad per home: a second exits 1 naming the first's pid and touches nothing" {
	local pid
	make_nodes 2
	start_node 1
	pid=$(daemon_pid 1)
	wait_until 20 [ -e "${H[1]}/mutuad.status" ]
	wait_log 1 "mutuad started"
	run -1 --separate-stderr timeout 10 "$MUTUAD" --home "${H[1]}" \
		--listen "ipc://$T/second.sock"
	[ "$stderr" = "mutuad: already running (pid $pid)" ]
	[ ! -e "$T/second.sock" ]
	# the first one's status file is still there, still its own
	[ -e "${H[1]}/mutuad.status" ]
	[ "$(json_get "$(head -1 "${H[1]}/mutuad.status")" '$.pid')" = "$pid" ]
	run -0 mutua --home "${H[1]}" status
	[[ $output == *"mutuad running (pid $pid)"* ]]
	daemon_alive 1
	# once it stops, the home is free again
	stop_daemon 1
	start_daemon 1b --home "${H[1]}" --listen "${EP[1]}"
	wait_log 1b "mutuad started"
	wait_until 20 [ -e "${H[1]}/mutuad.status" ]
	[ "$(json_get "$(head -1 "${H[1]}/mutuad.status")" '$.pid')" = "$(daemon_pid 1b)" ]
	stop_daemon 1b
}

@test "mutua status shows the daemon's peers (table and --json), then 'not running'" {
	local pid
	make_nodes 2
	start_node 1 --peer "${EP[2]}"
	start_node 2 --peer "${EP[1]}"
	pid=$(daemon_pid 1)
	wait_until 20 grep -q '"connected":true' "${H[1]}/mutuad.status"
	run -0 mutua --home "${H[1]}" status
	[[ $output == *"mutuad running (pid $pid), listening on ${EP[1]}"* ]]
	[[ $output == *N2*"${EP[2]:0:28}"*out*connected* ]] # a 28-wide column
	run -0 mutua --json --home "${H[1]}" status
	json_lines "$output" 1
	[ "$(json_get "$output" '$.daemon.node.pid')" = "$pid" ]
	[ "$(sqlite3 :memory: "SELECT json_array_length($(sql_quote "$output"), '\$.daemon.peers')")" -ge 1 ]
	[ "$(json_get "$output" '$.daemon.peers[0].name')" = N2 ]
	run -0 mutua --home "${H[1]}" doctor
	[[ $output == *"peer N2 (${EP[2]}) reachable"* ]]
	stop_daemon 1
	run -0 mutua --home "${H[1]}" status
	[[ $output == *"mutuad is not running for this home"* ]]
	run -0 mutua --json --home "${H[1]}" status
	[ "$(json_get "$output" '$.daemon')" = "" ]
}
