#!/usr/bin/env bats
# bench.bats - a smoke test of `make bench`'s tools: the figures measured
# in rounds carry their spread, and the large-store part builds a small
# store (signed and folded by the ledger's own code, audited clean) and
# prints its figures with their targets. The measurements themselves are
# `make bench`'s, not make check's; the web-load part runs once,
# small, to show it measures both sides and reaches its pace, and the idle
# figures beside it.

load helpers

BENCH=$BATS_TEST_DIRNAME/../../build/tests/bench/bench

@test "bench: a figure from rounds has its median and spread; a ratio, the spread of its rounds" {
	run "$BENCH" stats x_per_s entries/s 0 300 100 200
	[ "$status" -eq 0 ]
	[ "$output" = '{"figure": "x_per_s", "value": 200, "unit": "entries/s", "spread": [100, 300], "rounds": 3}' ]
	run "$BENCH" ratio x_vs_y 2 100 300 200 -- 200 200 100
	[ "$status" -eq 0 ]
	# medians 200 / 200; the rounds' own ratios 0.5, 1.5, 2
	[ "$output" = '{"figure": "x_vs_y", "value": 1.00, "unit": "ratio", "spread": [0.50, 2.00], "rounds": 3}' ]
	run "$BENCH" ratio x_vs_y 2 1 2 -- 1
	[ "$status" -eq 2 ]
}

@test "bench: the large store is built, audited clean, and its figures print with targets" {
	BENCH_ONLY=large BENCH_LARGE_N=700 BENCH_ROUNDS=1 BENCH_CLI_N=1 BENCH_JOIN=0 \
		BENCH_OUT="$T/results.json" run sh "$BATS_TEST_DIRNAME/../bench.sh"
	[ "$status" -eq 0 ]
	for f in cli_offer_list_ms cli_requests_ms cli_balance_ms cli_calendar_ms \
		store_bytes_vs_entry_bytes reindex_vs_audit; do
		echo "$output" | grep -Eq "^$f +[0-9.]+ .*(PASS|MISS)" || {
			echo "no $f with its target in: $output"
			return 1
		}
	done
	grep -q '"figure": "reindex_vs_audit", "value": [0-9.]*, "unit": "ratio", "spread": \[' "$T/results.json"
	grep -q '"figure": "large_entries", "value": [1-9][0-9][0-9],' "$T/results.json"
}

@test "bench: the receiver's sync with and without 50 signed-in requests a second on its web page: both sides, the load reached, the ratio with its target" {
	command -v python3 >/dev/null || skip "no python3"
	BENCH_ONLY="sync webload" BENCH_SYNC_N=2000 BENCH_ROUNDS=1 BENCH_HYPERCORE=0 \
		BENCH_OUT="$T/results.json" run sh "$BATS_TEST_DIRNAME/../bench.sh"
	[ "$status" -eq 0 ]
	echo "$output" | grep -Eq "^sync_under_web_load +[0-9.]+ +ratio +>= 0.9 +(PASS|MISS)" || {
		echo "no sync_under_web_load with its target in: $output"
		return 1
	}
	grep -q '"figure": "sync_web_idle_entries_per_s", "value": [1-9]' "$T/results.json"
	grep -q '"figure": "web_load_requests_per_s", "value": [1-9]' "$T/results.json"
	# the idle sender beside the libraries' floor
	echo "$output" | grep -Eq "^idle_rss_mb +[0-9.]+ +MB +<= 8 +(PASS|MISS)"
	grep -q '"figure": "idle_rss_libs_mb", "value": [1-9]' "$T/results.json"
	grep -q '"figure": "start_peak_rss_mb", "value": [1-9]' "$T/results.json"
}
