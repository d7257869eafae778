#!/bin/bash
# scale.sh - `make bench-scale`: N real mutuad on loopback for each N of
# SCALE_N (default "10 30 100"), default configuration (the overlay: 7
# peers dialled, 9 accepted), then the overlay of the same code
# (tests/tools/overlaysim) to 1 000 and 10 000 members with the hop cost
# measured here. Prints per N: connections per node, idle CPU and loopback traffic per node, the time
# for a new entry to reach every node (p50, p99 over nodes and entries),
# the time for a new member to hold the whole history, memory per node,
# and the machine's load beside them. Not part of `make check`.
#
# Each N is measured in two windows: 20 s before any witness round, then
# SCALE_IDLE_S across them (a node signs its first witness 150 to 450 s
# after its start by default: SCALE_IDLE_S=330 takes many of them in).
#
# Knobs: SCALE_N, SCALE_IDLE_S (idle measure, 10 s), SCALE_HISTORY
# (entries in member 1's feed before the new member starts, 2000),
# SCALE_ENTRIES (new entries timed, 5), SCALE_WITNESS_S (witness_every of
# every node, seconds: 30 brings two witness rounds into a 90 s window;
# default the node's own, 300). Everything runs in a temporary
# folder removed at the end; every daemon started here is stopped on exit.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
MUTUA=$ROOT/bin/mutua
MUTUAD=$ROOT/bin/mutuad
TOOLS=$ROOT/build/tests/tools
NS=${SCALE_N:-10 30 100}
IDLE_S=${SCALE_IDLE_S:-10}
HIST=${SCALE_HISTORY:-2000}
ENTRIES=${SCALE_ENTRIES:-5}
WITNESS_S=${SCALE_WITNESS_S:-}
for f in "$MUTUA" "$MUTUAD" "$TOOLS/mkfeed" "$TOOLS/overlaysim"; do
	[ -x "$f" ] || { echo "bench-scale: $f is missing: run 'make all tests'" >&2; exit 2; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/mutua-scale.XXXXXX") || exit 2
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
say() { echo "bench-scale: $*" >&2; }
now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }
load1() { cut -d' ' -f1 /proc/loadavg; }
lo_bytes() { awk '/^ *lo:/ {print $2 + $10}' /proc/net/dev; }
# tcp_established PID: how many of PID's sockets are established TCP
# connections (their inodes in /proc/net/tcp and tcp6 with state 01)
tcp_established() {
	ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' |
		awk 'NR == FNR { est[$1] = 1; next } est[$1] { n++ } END { print n + 0 }' \
			<(awk '$4 == "01" { print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null) -
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
count() { sqlite3 -cmd '.timeout 5000' "$1/store.db" "SELECT count(*) FROM entries" 2>/dev/null || echo 0; }
# rows of the derived table of witnessed heads, and the store's WAL (kB)
wrows() { sqlite3 -cmd '.timeout 5000' "$1/store.db" "SELECT count(*) FROM witnessed" 2>/dev/null || echo 0; }
wal_kb() { local b; b=$(stat -c %s "$1/store.db-wal" 2>/dev/null || echo 0); echo $((b / 1024)); }
db_kb() { local b; b=$(stat -c %s "$1/store.db" 2>/dev/null || echo 0); echo $((b / 1024)); }
# pct P values...: the P-th percentile (nearest rank)
pct() { local p=$1; shift; printf '%s\n' "$@" | sort -n | awk -v p="$p" '{v[NR]=$1} END {i=int((NR*p+99)/100); if(i<1)i=1; print v[i]}'; }

# below the kernel's ephemeral ports (32768 and up), which outgoing
# connections take: a listening port among them may be taken already
port=$((20000 + RANDOM % 8000))
ROWS=()
HOP_MS=

witnesses() { cat "$@" 2>/dev/null | grep -c "witness of .* appended"; }

# measure N DIR PHASE SECS: idle CPU, loopback traffic, connections and
# memory over SECS, then ENTRIES new entries timed to every node; one row
measure() {
	local n=$1 d=$2 phase=$3 secs=$4 i m
	local c0=() c1=() b0 b1 cpu=() conns=() rss=() w0 w1 hz la rows=() wal=() dbs=()
	hz=$(getconf CLK_TCK)
	say "N=$n: idle $secs s ($phase the witness rounds)"
	w0=$(witnesses "$d"/*.log)
	b0=$(lo_bytes)
	for ((i = 1; i <= n; i++)); do c0[i]=$(ticks "${pids[i]}"); done
	la=$(load1)
	sleep "$secs"
	b1=$(lo_bytes)
	w1=$(witnesses "$d"/*.log)
	la="$la→$(load1)"
	for ((i = 1; i <= n; i++)); do
		c1[i]=$(ticks "${pids[i]}")
		cpu+=("$(awk -v a="${c0[i]}" -v b="${c1[i]}" -v s="$secs" -v hz="$hz" \
			'BEGIN {printf "%.2f", (b - a) * 100 / hz / s}')")
		# TCP connections of the node: its sockets that /proc/net/tcp shows
		# established (state 01), not libzmq's own pipes nor the listener
		conns+=("$(tcp_established "${pids[i]}")")
		rss+=("$(awk '/^VmRSS/ {print $2}' "/proc/${pids[i]}/status" 2>/dev/null || echo 0)")
		rows+=("$(wrows "$d/$i")")
		wal+=("$(wal_kb "$d/$i")")
		dbs+=("$(db_kb "$d/$i")")
	done
	local traffic
	traffic=$(awk -v a="$b0" -v b="$b1" -v s="$secs" -v n="$n" \
		'BEGIN {printf "%.0f", (b - a) / s / n / 2}') # lo counts rx and tx
	# new entries: the time each node logs it, from its append
	local delays=() j id seq ta
	for ((m = 1; m <= ENTRIES; m++)); do
		j=$(((m * 7 + ${#phase}) % n + 1))
		id=$(cat "$d/$j.id")
		ta=$(now_ms)
		"$MUTUA" --home "$d/$j" offer add --kind other --title "Timed $phase $m" >/dev/null
		seq=$(sqlite3 "$d/$j/store.db" "SELECT max(seq) FROM entries WHERE author = X'$id'")
		sleep 2
		for ((i = 1; i <= n; i++)); do
			[ "$i" -eq "$j" ] && continue
			local at
			at=$(grep -F "entries of ${id:0:16} (head $seq)" "$d/$i.log" | head -1 | cut -c12-23)
			[ -n "$at" ] || { delays+=(99999); continue; }
			delays+=($(awk -v at="$at" -v ta="$ta" 'BEGIN {split(at, t, ":");
				ms = (t[1] * 3600 + t[2] * 60 + t[3]) * 1000; d = ms - ta % 86400000;
				if (d < 0) d += 86400000; printf "%d", d}'))
		done
	done
	local p50 p99
	p50=$(pct 50 "${delays[@]}")
	p99=$(pct 99 "${delays[@]}")
	[ "$phase" = before ] && P50_BEFORE=$p50
	ROWS+=("$(printf '| %d | %s (%d s, %d witness entries) | %s–%s (median %s) | %s %% (max %s) | %s B/s | %s / %s ms | %s ms | | %s kB | %s rows, WAL %s kB, store %s kB | %d/%d | %s |' \
		"$n" "$phase" "$secs" "$((w1 - w0))" \
		"$(pct 0 "${conns[@]}")" "$(pct 100 "${conns[@]}")" "$(pct 50 "${conns[@]}")" \
		"$(pct 50 "${cpu[@]}")" "$(pct 100 "${cpu[@]}")" "$traffic" "$p50" "$p99" "$CONV" \
		"$(pct 50 "${rss[@]}")" "$(pct 50 "${rows[@]}")" "$(pct 50 "${wal[@]}")" \
		"$(pct 50 "${dbs[@]}")" "$ALIVE" "$n" "$la")")
}

run_n() {
	local n=$1 d=$W/n$1 i m pids=() cards=() t0 t1
	mkdir -p "$d"
	say "N=$n: making $((n + 1)) members"
	for ((i = 1; i <= n + 1; i++)); do
		P[i]=$((port++))
		"$MUTUA" --home "$d/$i" init --name "M$i" --endpoint "tcp://127.0.0.1:${P[i]}" \
			>"$d/$i.id" || return 1
		[ "$i" -gt 1 ] && { "$MUTUA" --home "$d/$i" card >"$d/$i.card"; cards+=("$d/$i.card"); }
		[ -n "$WITNESS_S" ] && echo "witness_every = $WITNESS_S" >>"$d/$i/mutua.conf"
	done
	"$MUTUA" --home "$d/1" federation create --name Grand --out "$d/genesis.txt" \
		"${cards[@]}" >/dev/null || return 1
	for ((i = 2; i <= n + 1; i++)); do
		"$MUTUA" --home "$d/$i" federation join "$d/genesis.txt" >/dev/null || return 1
	done
	"$TOOLS/mkfeed" "$d/1" "$HIST" >/dev/null || return 1
	say "N=$n: starting $n daemons"
	t0=$(now_ms)
	for ((i = 1; i <= n; i++)); do
		"$MUTUAD" --home "$d/$i" --listen "tcp://127.0.0.1:${P[i]}" --log-level debug \
			2>"$d/$i.log" &
		pids[i]=$!
		PIDS+=($!)
	done
	local total open=0
	total=$(count "$d/1")
	# every node holds the whole history (member 1's feed and the others')
	for ((m = 0; m < 300; m++)); do
		open=0
		for ((i = 1; i <= n; i++)); do
			[ "$(count "$d/$i")" -ge "$total" ] && open=$((open + 1))
		done
		[ "$open" -eq "$n" ] && break
		for ((i = 1; i <= n; i++)); do
			kill -0 "${pids[i]}" 2>/dev/null || { say "N=$n: node $i died: $(tail -1 "$d/$i.log")"; return 1; }
		done
		sleep 1
	done
	t1=$(now_ms)
	local conv=$(((t1 - t0)))
	local alive=0
	for ((i = 1; i <= n; i++)); do kill -0 "${pids[i]}" 2>/dev/null && alive=$((alive + 1)); done
	say "N=$n: $open of $n nodes hold all $total entries after $conv ms; $alive alive"
	CONV=$conv ALIVE=$alive
	sleep 3
	# two windows: a short one before any witness round (each node signs
	# its first witness_every / 2 to 3 witness_every / 2 after its start,
	# at a moment set by its key), then SCALE_IDLE_S, which a witness
	# round falls into when it is long enough (330 s); each followed by
	# timed new entries
	local phase secs
	for phase in before across; do
		if [ "$phase" = before ]; then secs=$((IDLE_S < 20 ? IDLE_S : 20)); else secs=$IDLE_S; fi
		[ "$phase" = across ] && [ "$IDLE_S" -le 20 ] && break
		measure "$n" "$d" "$phase" "$secs" || return 1
	done
	# a new member: starts with the genesis only, holds the whole history
	local nm=$((n + 1)) tn0 tn1
	total=$(count "$d/1")
	tn0=$(now_ms)
	"$MUTUAD" --home "$d/$nm" --listen "tcp://127.0.0.1:${P[nm]}" 2>"$d/$nm.log" &
	PIDS+=($!)
	for ((m = 0; m < 1200; m++)); do
		[ "$(count "$d/$nm")" -ge "$total" ] && break
		sleep 0.1
	done
	tn1=$(now_ms)
	local mean_hops
	mean_hops=$("$TOOLS/overlaysim" "$n" | sed -n 's/.*mean hops \([0-9.]*\).*/\1/p')
	[ "$n" -ge 30 ] && HOP_MS=$(awk -v p="$P50_BEFORE" -v h="$mean_hops" 'BEGIN {printf "%.1f", p / h}')
	ROWS+=("$(printf '| %d | new member | | | | | | %s ms (%d entries) | | | %d/%d | |' \
		"$n" "$((tn1 - tn0))" "$total" "$alive" "$n")")
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
	if grep -l "Assertion" "$d"/*.log >/dev/null 2>&1; then
		say "N=$n: a libzmq assertion in $(grep -l Assertion "$d"/*.log | wc -l) logs"
	fi
	rm -rf "$d"
}

for n in $NS; do
	run_n "$n" || say "N=$n: failed"
done
echo
echo "Real daemons on loopback ($(nproc) cores; load = 1-min load average when idle was measured):"
echo
echo "| N | window | connections per node (at the end of the window) | idle CPU per node (median) | idle traffic per node | new entry at every node p50 / p99 | all nodes hold the whole history from a start | new member holds the whole history | RSS per node (median) | witnessed rows, WAL and store per node (median, at the end of the window) | nodes alive | load (start→end) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "The overlay of the same code (tests/tools/overlaysim), hops times ${HOP_MS:-20} ms a hop (measured above):"
echo
for n in 100 200 1000; do
	"$TOOLS/overlaysim" "$n" "" "${HOP_MS:-20}"
	"$TOOLS/overlaysim" "$n" "" "${HOP_MS:-20}" 1
	"$TOOLS/overlaysim" "$n" "" "${HOP_MS:-20}" 10
done
"$TOOLS/overlaysim" 10000 "" "${HOP_MS:-20}"
