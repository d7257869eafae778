#!/bin/bash
# stress.sh - make stress: the long versions of the hardening tests (issue
# 8) and the fuzzers, for a night run or before a release; make check runs
# the short ones. Each step prints its figures and its time; the script
# ends with one line per step and exits 1 when any failed.
#
#   power cuts   every xSync of the 1 000-append workload is a cut point
#                (about 1 025), then 100 I/O errors each followed by a cut
#   crash loops  100 kills -9 of a mutuad receiving a 20 000-entry feed (10
#                receivers, 10 kills each), and 200 rounds of two
#                `mutua offer add`, one killed -9
#   partition    the 5-node network partition, 3 times
#   fuzzers      every fuzz target for FUZZ_SECONDS (300) under libFuzzer
#                (tests/fuzz/run.sh: needs clang)
#
# Usage: tests/stress.sh [STEP...]   (power, crash, partition, fuzz; all
# by default). MUTUA_SEED fixes the random choices (printed otherwise).
cd "$(dirname "$0")/.." || exit 2
steps=${*:-power crash partition fuzz}
results=()
status=0

step() { # NAME COMMAND...
	local name=$1 t0 rc
	shift
	echo "=== $name"
	t0=$(date +%s)
	"$@"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		results+=("ok      $name ($(($(date +%s) - t0)) s)")
	else
		results+=("FAILED  $name ($(($(date +%s) - t0)) s, status $rc)")
		status=1
	fi
}

for s in $steps; do
	case $s in
	power)
		step "power cuts at every sync point, I/O errors" \
			env MUTUA_POWERCUTS=0 bats --tap --timing \
			-f "power cuts|I/O errors" tests/cli/hardening.bats
		;;
	crash)
		# 10 fresh receivers killed 10 times each: the kills fall during the
		# sync (one receiver killed 100 times would have it all after ~20)
		for i in 1 2 3 4 5 6 7 8 9 10; do
			step "10 kills -9 of a receiving mutuad (20 000 entries), run $i" \
				env MUTUA_CRASH_LOOPS=10 MUTUA_CRASH_FEED=20000 \
				bats --tap --timing -f "crash loop" tests/cli/hardening_crash.bats
		done
		step "200 rounds of mutua offer add killed -9" \
			env MUTUA_CLI_KILLS=200 bats --tap --timing -f "offer add killed" \
			tests/cli/hardening.bats
		;;
	partition)
		for i in 1 2 3; do
			step "network partition, run $i" bats --tap --timing tests/cli/hardening_net.bats
		done
		;;
	fuzz)
		step "fuzzers, ${FUZZ_SECONDS:-300} s each" sh tests/fuzz/run.sh "${FUZZ_SECONDS:-300}"
		;;
	*)
		echo "stress.sh: unknown step '$s' (power, crash, partition, fuzz)" >&2
		exit 2
		;;
	esac
done
echo "=== summary"
printf '%s\n' "${results[@]}"
exit $status
