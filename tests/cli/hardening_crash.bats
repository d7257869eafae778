#!/usr/bin/env bats
# hardening_crash.bats - kill -9 (issue 8): a receiving mutuad killed at
# random points of a big sync, again and again (`mutua offer add` killed
# mid-append is in hardening.bats).
#
# make check: 10 kills of the receiver of a 20 000-entry feed, with an
# audit of everything held after each. tests/stress.sh: 100 kills (10
# receivers of a 20 000-entry feed, killed 10 times each)
# (MUTUA_CRASH_LOOPS, MUTUA_CRASH_FEED; MUTUA_SEED replays the random
# choices).
#
# The receiver asks for small batches, one at a time (sync_batch 2 to 10,
# sync_window 1: the sync lasts), and is killed at a random moment in the
# first half of what is left of the sync, estimated from the speed of the
# previous runs; or, one start in four, it asks for big batches (2048) and
# is killed within 100 ms: during its start or its first big transaction.

bats_require_minimum_version 1.5.0
load helpers
load hardening_helpers

@test "crash loop: a receiving mutuad killed -9 at random points of a big sync, restarted each time" {
	need_tools
	local loops=${MUTUA_CRASH_LOOPS:-10} feed=${MUTUA_CRASH_FEED:-20000}
	local i total prev now rc t0 t_audit=0 ta kills="" batch batches=(2 5 10) mid=0
	local delay est started killed gained=0 alive=0
	local key_seq key_id
	seed_random
	make_nodes 2
	prev=$(count_entries "${H[2]}")
	run -0 "$MKFEED" "${H[1]}" "$feed"
	start_node 1 --peer "${EP[2]}"
	wait_log 1 "mutuad started"
	t0=$(now_ms)
	for ((i = 1; i <= loops; i++)); do
		# node 1 may add a checkpoint entry of its feed: count what it holds
		total=$(count_entries "${H[1]}")
		if ((i % 4 == 0)) || [ "$prev" -ge "$total" ]; then
			# sometimes during the start or the first big transaction (and
			# once all is there)
			batch=2048
			delay=$((RANDOM % 100))
		else
			# else in the middle of the sync: small batches, so that it
			# lasts, and a random moment in the first half of what is left, as
			# estimated from the speed of the last runs
			batch=${batches[RANDOM % ${#batches[@]}]}
			if [ "$gained" -gt 0 ]; then
				est=$(((total - prev) * alive / (gained * 2)))
			else
				est=1000
			fi
			((est > 2000)) && est=2000
			((est < 50)) && est=50
			delay=$(((RANDOM * 32768 + RANDOM) % est))
		fi
		printf 'sync_batch = %d\nsync_window = 1\n' "$batch" >"${H[2]}/mutua.conf"
		started=$(now_ms)
		start_node 2 --peer "${EP[1]}"
		sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
		rc=0 killed=$(now_ms)
		stop_daemon 2 KILL || rc=$?
		[ "$rc" -eq 137 ]
		now=$(count_entries "${H[2]}")
		if [ "$batch" != 2048 ] && [ "$now" -gt "$prev" ]; then
			gained=$((gained + now - prev)) alive=$((alive + killed - started))
		fi
		kills="$kills $now/${delay}ms"
		[ "$now" -lt "$total" ] && mid=$((mid + 1))
		[ "$now" -ge "$prev" ] || {
			echo "kill $i: $now entries, $prev before: entries lost" >&2
			return 1
		}
		store_sound "${H[2]}"
		# the entry at the head of the last kill is still the same one
		if [ -n "${key_seq:-}" ]; then
			[ "$(sql "${H[2]}" "SELECT hex(id) FROM entries WHERE author = X'${ID[1]}'
				AND seq = $key_seq")" = "$key_id" ]
		fi
		# (none yet when killed before the first round of the fetch was
		# committed: rounds share a transaction for up to 250 ms)
		read -r key_seq key_id < <(sql "${H[2]}" "SELECT seq, hex(id) FROM feeds
			WHERE author = X'${ID[1]}'" | tr '|' ' ') || key_seq=
		ta=$(now_ms)
		audit_ok "${H[2]}"
		t_audit=$((t_audit + $(now_ms) - ta))
		prev=$now
	done
	echo "# $loops kills -9 of the receiver of a $feed-entry feed; entries held at" \
		"each kill (/after):$kills; $mid kills before the sync was complete" >&3
	rm "${H[2]}/mutua.conf" # the last run, with the default batches
	start_node 2 --peer "${EP[1]}"
	wait_until 60 same_heads "${H[1]}" "${H[2]}"
	echo "# crash loop done in $(($(now_ms) - t0)) ms ($t_audit ms of audits)" >&3
	stop_daemon 2
	stop_daemon 1
	same_heads "${H[1]}" "${H[2]}"
	[ "$(count_entries "${H[2]}")" -eq "$(count_entries "${H[1]}")" ]
	[ "$(count_entries "${H[2]}" "${ID[1]}")" -ge $((feed + 1)) ]
	store_sound "${H[2]}"
	audit_ok "${H[2]}"
}
