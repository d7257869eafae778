#!/usr/bin/env bats
# hardening_net.bats - a network partition (issue 8): five mutuad, each in
# its own network namespace, on a switch made of two bridges in a sixth
# namespace. The partition moves the ports of nodes 4 and 5 from bridge br0
# to bridge br1: each side still talks within itself, not to the other.
# Lending goes on on both sides; after the heal every node must reach the
# same heads, and no resource may be booked beyond its capacity.
#
# Needs root (CI runs as root): skips with a message otherwise. Every
# namespace is created by this test, named after its folder, and deleted in
# teardown, failed or not; the addresses (10.77.0.0/24) exist only inside
# these namespaces: nothing touches the host's network.

# shellcheck disable=SC2034,SC2154 # sets ID, FED_ID as make_nodes does; bats sets $stderr
bats_require_minimum_version 1.5.0
load helpers
load hardening_helpers

export TZ=UTC
PORT=7700

# netns_setup N: the switch namespace (bridges br0 and br1) and N node
# namespaces NS[1..N], node I at 10.77.0.I on eth0, linked to port pI.
netns_setup() {
	local n=$1 i pfx
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces (CI runs as root)"
	command -v ip >/dev/null || skip "needs iproute2 (ip)"
	pfx=mh${T##*.}
	SW=$pfx-sw
	ip netns add "$SW" 2>"$T/netns.err" ||
		skip "cannot create a network namespace here: $(cat "$T/netns.err")"
	echo "$SW" >>"$T/netns"
	ip -n "$SW" link add br0 type bridge &&
		ip -n "$SW" link add br1 type bridge &&
		ip -n "$SW" link set br0 up && ip -n "$SW" link set br1 up || return 1
	NS=()
	for ((i = 1; i <= n; i++)); do
		NS[i]=$pfx-$i
		ip netns add "${NS[i]}" || return 1
		echo "${NS[i]}" >>"$T/netns"
		# both ends made inside our namespaces, never in the host's
		ip -n "$SW" link add "p$i" type veth peer name eth0 netns "${NS[i]}" &&
			ip -n "$SW" link set "p$i" master br0 up &&
			ip -n "${NS[i]}" link set lo up &&
			ip -n "${NS[i]}" addr add "10.77.0.$i/24" dev eth0 &&
			ip -n "${NS[i]}" link set eth0 up || return 1
	done
}

# partition I...: the ports of nodes I... to br1; heal I...: back to br0.
partition() {
	local i
	for i in "$@"; do ip -n "$SW" link set "p$i" master br1 || return 1; done
}
heal() {
	local i
	for i in "$@"; do ip -n "$SW" link set "p$i" master br0 || return 1; done
}

# net_nodes N: make_nodes N with tcp endpoints in the namespaces.
net_nodes() {
	local n=$1 i cards=()
	H=() EP=() ID=()
	GENESIS=$T/genesis.txt
	for ((i = 1; i <= n; i++)); do
		H[i]=$T/$i EP[i]=tcp://10.77.0.$i:$PORT
		ID[i]=$(new_home "${H[i]}" "N$i" --endpoint "${EP[i]}") || return 1
		if [ "$i" -gt 1 ]; then
			mutua --home "${H[i]}" card >"$T/$i.card" || return 1
			cards+=("$T/$i.card")
		fi
	done
	FED_ID=$(mutua --home "${H[1]}" federation create --name Reseau --out "$GENESIS" \
		"${cards[@]}") || return 1
	for ((i = 2; i <= n; i++)); do
		mutua --home "${H[i]}" federation join "$GENESIS" >/dev/null || return 1
	done
}

# start_ns_node I: mutuad of node I inside its namespace; with no --peer it
# dials every member that publishes an endpoint. `ip netns exec` execs the
# daemon, so $! is the daemon's pid (stopped by helpers.bash).
start_ns_node() {
	local i=$1
	ip netns exec "${NS[i]}" "$MUTUAD" --home "${H[i]}" --listen "${EP[i]}" \
		>>"$T/$i.log" 2>&1 3>&- &
	echo $! >"$T/$i.pid"
}

heads() {
	sql "$1" "SELECT hex(author), seq, hex(id) FROM feeds ORDER BY author"
}

# all_same_heads N: nodes 1..N hold the same heads (SELECT author, seq, id
# FROM feeds).
all_same_heads() {
	local i want
	want=$(heads "${H[1]}")
	for ((i = 2; i <= $1; i++)); do
		[ "$(heads "${H[i]}")" = "$want" ] || return 1
	done
}

knows() { # HOME TABLE ID
	[ "$(sql "$1" "SELECT count(*) FROM $2 WHERE id = X'$3'")" = 1 ]
}

loan_is() { # HOME REQ STATE
	[ "$(sql "$1" "SELECT state FROM loans WHERE id = X'$2'")" = "$3" ]
}

# overbooked HOME: holding loans beyond capacity at some instant (the
# busiest instants of a resource are starts of its loans).
overbooked() {
	sql "$1" "SELECT count(*) FROM loans a JOIN resources r ON r.id = a.resource
		WHERE a.state IN ('accepted', 'handed_over', 'returned', 'closed')
		AND (SELECT sum(b.quantity) FROM loans b WHERE b.resource = a.resource
			AND b.state IN ('accepted', 'handed_over', 'returned', 'closed')
			AND b.start_ms <= a.start_ms AND b.end_ms > a.start_ms) > r.capacity"
}

@test "partition of 5 nodes in namespaces: lending on both sides, heal, same heads, no double booking" {
	local i n t0 ms want truck room r2 r3 r4 r5 r5b r3b
	netns_setup 5
	net_nodes 5
	for i in 1 2 3 4 5; do start_ns_node "$i"; done
	for i in 1 2 3 4 5; do wait_log "$i" "appends open" 30; done
	wait_until 30 all_same_heads 5

	# N1 (side A) owns a truck, N4 (side B) a room; everyone knows both
	truck=$(mutua --home "${H[1]}" offer add --kind vehicle --title Camion --unit day)
	room=$(mutua --home "${H[4]}" offer add --kind room --title Salle --unit hour)
	for i in 1 2 3 4 5; do
		wait_until 20 knows "${H[i]}" resources "$truck"
		wait_until 20 knows "${H[i]}" resources "$room"
	done

	# the cut: {1, 2, 3} | {4, 5}
	partition 4 5
	# side A: N2 asks for the truck, its owner accepts
	r2=$(mutua --home "${H[2]}" borrow "$truck" --from 2026-12-05 --to 2026-12-06)
	wait_until 20 loan_is "${H[1]}" "$r2" requested
	run -0 mutua --home "${H[1]}" accept "$r2"
	# side B: N4 and N5 ask for the same truck on overlapping slots; its
	# owner is out of reach, no one there may accept
	r4=$(mutua --home "${H[4]}" borrow "$truck" --from 2026-12-05 --to 2026-12-06)
	r5=$(mutua --home "${H[5]}" borrow "$truck" --from 2026-12-05T12:00 --to 2026-12-07)
	run -1 --separate-stderr mutua --home "${H[4]}" accept "$r4"
	echo "# a non-owner's accept: $stderr" >&3
	wait_until 20 loan_is "${H[4]}" "$r5" requested
	# and on side B the room is lent by its owner N4 to N5
	r5b=$(mutua --home "${H[5]}" borrow "$room" --from 2026-12-05T09:00 --to 2026-12-05T11:00)
	wait_until 20 loan_is "${H[4]}" "$r5b" requested
	run -0 mutua --home "${H[4]}" accept "$r5b"
	wait_until 20 loan_is "${H[5]}" "$r5b" accepted
	# while side A asks for the room in the same hours: pending
	r3b=$(mutua --home "${H[3]}" borrow "$room" --from 2026-12-05T10:00 --to 2026-12-05T12:00)
	r3=$(mutua --home "${H[3]}" borrow "$truck" --from 2026-12-08 --to 2026-12-08)
	wait_until 20 loan_is "${H[1]}" "$r3" requested
	run -0 mutua --home "${H[1]}" accept "$r3"
	wait_until 20 loan_is "${H[2]}" "$r2" accepted
	wait_until 20 loan_is "${H[3]}" "$r3" accepted
	# the sides really are apart
	sleep 2
	# (not i: bats 1.8's run sets i)
	for n in 1 2 3; do
		run ! knows "${H[n]}" loans "$r4"
		run ! knows "${H[n]}" loans "$r5b"
	done
	for n in 4 5; do
		run ! knows "${H[n]}" loans "$r2"
		run ! knows "${H[n]}" loans "$r3b"
	done

	# heal: every node reaches the same heads within 60 s
	t0=$(now_ms)
	heal 4 5
	wait_until 60 all_same_heads 5
	ms=$(($(now_ms) - t0))
	echo "# healed: 5 nodes have the same heads after $ms ms" >&3
	for i in 1 2 3 4 5; do
		loan_is "${H[i]}" "$r2" accepted
		loan_is "${H[i]}" "$r3" accepted
		loan_is "${H[i]}" "$r5b" accepted
		loan_is "${H[i]}" "$r4" requested
		loan_is "${H[i]}" "$r5" requested
		loan_is "${H[i]}" "$r3b" requested
		[ "$(overbooked "${H[i]}")" = 0 ]
	done
	# the owners now see the other side's requests, and cannot accept them
	run -1 --separate-stderr mutua --home "${H[1]}" accept "$r4"
	stderr_has "conflict"
	run -1 --separate-stderr mutua --home "${H[1]}" accept "$r5"
	stderr_has "conflict"
	run -1 --separate-stderr mutua --home "${H[4]}" accept "$r3b"
	stderr_has "conflict"
	# every node folded the same loans
	want=$(sql "${H[1]}" "SELECT hex(id), state FROM loans ORDER BY id")
	for i in 2 3 4 5; do
		[ "$(sql "${H[i]}" "SELECT hex(id), state FROM loans ORDER BY id")" = "$want" ]
	done
}
