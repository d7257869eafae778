#!/bin/bash
# Runs every test: the unit tests and fuzz replays (cmocka and TAP
# output) and the CLI and multi-node tests (bats, TAP output), several
# files at once (they use their own temporary folders, ipc endpoints and
# free ports; most of their time is spent waiting on daemons), prints the
# failures in full, and ends with one line "N passed, N failed[, N skipped]".
# Usage: tests/run.sh [PATTERN]   (PATTERN filters test files by name)
# TEST_JOBS sets how many files run at once (default 4).
cd "$(dirname "$0")/.." || exit 2
# messages in English whatever the caller's locale (the tests read them);
# tests/cli/i18n.bats asks for French itself
export LC_ALL=C.UTF-8
unset LANGUAGE
pattern=${1:-}
jobs=${TEST_JOBS:-4}
logs=$(mktemp -d) || exit 2
trap 'rm -rf "$logs"' EXIT

# each test file: its command line, run in the background into its log
i=0
list=""
for t in build/tests/test_* tests/cli/*.bats; do
	[ -e "$t" ] || continue
	case "$t" in *"$pattern"*) ;; *) continue ;; esac
	i=$((i + 1))
	list="$list $i:$t"
done

run_one() { # n file
	case "$2" in
	*.bats) bats --tap "$2" >"$logs/$1.log" 2>&1 ;;
	*) CMOCKA_MESSAGE_OUTPUT=TAP "$2" >"$logs/$1.log" 2>&1 ;;
	esac
	echo $? >"$logs/$1.rc"
}

running=0
for item in $list; do
	n=${item%%:*}
	f=${item#*:}
	run_one "$n" "$f" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

pass=0 fail=0 skip=0
for item in $list; do
	n=${item%%:*}
	f=${item#*:}
	log="$logs/$n.log"
	rc=$(cat "$logs/$n.rc" 2>/dev/null || echo 1)
	p=$(grep -c '^ok ' "$log" | tr -d ' ')
	s=$(grep -c '^ok .*# [Ss][Kk][Ii][Pp]' "$log" | tr -d ' ')
	f_=$(grep -c '^not ok ' "$log" | tr -d ' ')
	if [ "$rc" -ne 0 ] && [ "$f_" -eq 0 ]; then
		f_=1 # crashed or failed outside a test
		echo "not ok - $f exited with status $rc" >>"$log"
	fi
	pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + f_))
	if [ "$f_" -ne 0 ]; then
		echo "FAIL $f"
		sed 's/^/    /' "$log"
	else
		echo "ok   $f ($((p - s)) passed, $s skipped)" | sed 's/, 0 skipped//'
		grep '^# ' "$log" | sed 's/^/    /'
	fi
done
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
