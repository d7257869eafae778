#!/usr/bin/env bats
# budget.bats - per-member budgets at the sync (issue 14): a hostile
# member's feed past entries-per-day or bytes-per-day is held by a
# receiving node (not stored, not relayed), which stays responsive while
# the honest members' entries still flow; mutua status and doctor name the
# held feed; an operator stops and resumes a member's feeds (mutua feed);
# a rotation does not restart the member's budget.
# The fold's budgets (open-proposals, reason-max) are in
# governance_hostile.bats and test_governance.c.

bats_require_minimum_version 1.5.0
load helpers

MKFEED=$TOOLS/mkfeed

need_tools() {
	[ -x "$MKFEED" ] || {
		echo "test tools missing: run make tests" >&2
		return 1
	}
}

# held_row HOME MEMBER_ID: the feed_holds row of the member (why|seq).
held_row() {
	sql "$1" "SELECT why || '|' || seq FROM feed_holds WHERE member = X'$2'"
}

is_held() {
	[ -n "$(held_row "$1" "$2")" ]
}

@test "a hostile member's 3 000 offers of 4 KB: held past bytes-per-day on the receiving node, which stays responsive; honest entries flow" {
	need_tools
	make_nodes 3
	# N1, hostile: its patched node signs 3 000 offers of 4 000-byte
	# descriptions (12 MB) at once; the budget is 8 MB a day
	run -0 "$MKFEED" "${H[1]}" 3000 4000
	local total
	total=$(count_entries "${H[1]}" "${ID[1]}")
	# its own node, unpatched, refuses the next with when it reopens
	run -1 --separate-stderr mutua --home "${H[1]}" offer add --kind other --title "One more"
	stderr_has "budget of the last 24 hours"
	stderr_has "appends reopen at"
	start_node 1
	start_node 3
	start_node 2 --peer "${EP[1]}" --peer "${EP[3]}"
	wait_log 2 "appends open" 30
	# the logs of the three nodes if it does not come (under heavy load a
	# transfer once took longer than 60 s)
	wait_until 120 is_held "${H[2]}" "${ID[1]}" || { for f in 1 2 3; do echo "== $f"; grep -v "^$" "$T/$f.log" | tail -25; done >&2; count_entries "${H[2]}" "${ID[1]}" >&2; false; }
	local got bytes
	got=$(count_entries "${H[2]}" "${ID[1]}")
	bytes=$(sql "${H[2]}" "SELECT sum(length(body) + length(sig)) FROM entries WHERE author = X'${ID[1]}'")
	echo "# N2 took $got of the $total entries of N1 ($bytes bytes), then held its feed" >&3
	[ "$got" -lt "$total" ]
	[ "$got" -gt 1000 ]
	[ "$bytes" -le 8000000 ]
	[ "$(held_row "${H[2]}" "${ID[1]}")" = "budget|$((got + 1))" ]
	wait_log 2 "held at seq $((got + 1))"
	# responsive: status answers at once and names the held feed
	local t0
	t0=$(now_ms)
	run -0 mutua --home "${H[2]}" status
	[ $(($(now_ms) - t0)) -lt 5000 ]
	[[ $output == *"feeds held"* ]]
	[[ $output == *"N1"*"budget"*"$((got + 1))"* ]]
	run -0 mutua --home "${H[2]}" --json status
	[ "$(json_get "$output" '$.held[0].why')" = budget ]
	[ "$(json_get "$output" '$.held[0].seq')" = $((got + 1)) ]
	run -1 mutua --home "${H[2]}" doctor
	[[ $output == *"PROBLEM 1 feed(s) held"* ]]
	# an honest member's new offer still reaches N2
	mutua --home "${H[3]}" offer add --kind other --title "Honest ladder" >/dev/null
	local n3
	n3=$(count_entries "${H[3]}" "${ID[3]}")
	wait_until 20 has_entries "${H[2]}" "$n3" "${ID[3]}"
	# and the held part is neither stored nor relayed: N3 (fed by N1 and
	# N2) holds no more of N1's feed than N1 could give it under the rule
	[ "$(count_entries "${H[3]}" "${ID[1]}")" -le "$got" ]
	daemon_alive 2
}

@test "mutua feed stop holds a member's feed at this node, resume takes it again" {
	make_nodes 2
	start_node 1
	start_node 2 --peer "${EP[1]}"
	wait_log 2 "appends open" 30
	mutua --home "${H[1]}" offer add --kind other --title "First" >/dev/null
	local n
	n=$(count_entries "${H[1]}" "${ID[1]}")
	wait_until 20 has_entries "${H[2]}" "$n" "${ID[1]}"
	run -0 mutua --home "${H[2]}" feed stop N1
	[[ $output == *"takes none of its entries"* ]]
	run -0 mutua --home "${H[2]}" --json feed stop N1
	[ "$(json_get "$output" '$.changed')" = 0 ]
	run -2 mutua --home "${H[2]}" feed stop N2
	mutua --home "${H[1]}" offer add --kind other --title "Second" >/dev/null
	wait_until 20 is_held "${H[2]}" "${ID[1]}"
	[ "$(held_row "${H[2]}" "${ID[1]}")" = "stopped|$((n + 1))" ]
	[ "$(count_entries "${H[2]}" "${ID[1]}")" = "$n" ]
	run -0 mutua --home "${H[2]}" status
	[[ $output == *"N1"*"stopped"* ]]
	run -0 mutua --home "${H[2]}" feed resume N1
	wait_until 30 has_entries "${H[2]}" $((n + 1)) "${ID[1]}"
	run -0 mutua --home "${H[2]}" status
	[[ $output != *"feeds held"* ]]
}

@test "a member past its budget rotates its key: its new feed's entries beyond the day's budget are held on every node" {
	need_tools
	make_nodes 3
	# N1, hostile: 1 500 offers of 4 000 bytes (6 MB of the 8 MB a day),
	# a rotation, then 1 500 more under the new key (a fresh budget if
	# the window counted per key)
	run -0 "$MKFEED" "${H[1]}" 1500 4000
	run -0 --separate-stderr mutua --home "${H[1]}" key rotate
	local new=$output
	[ "$new" != "${ID[1]}" ]
	run "$MKFEED" "${H[1]}" 1500 4000
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(count_entries "${H[1]}" "$new")" = 1500 ]
	# its own node counts the old feed too: no more appends today
	run -1 --separate-stderr mutua --home "${H[1]}" offer add --kind other --title "One more"
	stderr_has "budget of the last 24 hours"
	local old_n
	old_n=$(count_entries "${H[1]}" "${ID[1]}")
	start_node 1
	start_node 3
	start_node 2 --peer "${EP[1]}" --peer "${EP[3]}"
	wait_log 2 "appends open" 30
	local i got bytes
	for i in 2 3; do
		wait_until 90 is_held "${H[i]}" "${ID[1]}"
		[ "$(count_entries "${H[i]}" "${ID[1]}")" = "$old_n" ]
		got=$(count_entries "${H[i]}" "$new")
		bytes=$(sql "${H[i]}" "SELECT sum(length(body) + length(sig)) FROM entries
			WHERE author IN (X'${ID[1]}', X'$new')")
		echo "# N$i took $old_n entries of the old feed and $got of the new ($bytes bytes)" >&3
		[ "$got" -gt 0 ]
		[ "$got" -lt 1500 ]
		[ "$bytes" -le 8000000 ]
		[ "$(sql "${H[i]}" "SELECT lower(hex(author)) || '|' || why || '|' || seq
			FROM feed_holds WHERE member = X'${ID[1]}'")" = "$new|budget|$((got + 1))" ]
	done
	# every node held the new feed at the same seq
	[ "$(count_entries "${H[2]}" "$new")" = "$(count_entries "${H[3]}" "$new")" ]
	daemon_alive 2
	daemon_alive 3
}
