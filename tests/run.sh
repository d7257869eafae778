#!/bin/sh
# Runs every test: the unit tests (cmocka, TAP output) and the CLI and
# multi-node tests (bats, TAP output), prints the failures in full, and
# ends with one line "N passed, N failed[, N skipped]".
# Usage: tests/run.sh [PATTERN]   (PATTERN filters test files by name)
cd "$(dirname "$0")/.." || exit 2
pattern=${1:-}
pass=0 fail=0 skip=0
log=$(mktemp) || exit 2
trap 'rm -f "$log"' EXIT

count() { # name rc: tallies the TAP lines in $log
	p=$(grep -c '^ok ' "$log" | tr -d ' ')
	s=$(grep -c '^ok .*# [Ss][Kk][Ii][Pp]' "$log" | tr -d ' ')
	f=$(grep -c '^not ok ' "$log" | tr -d ' ')
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or failed outside a test
		echo "not ok - $1 exited with status $2" >>"$log"
	fi
	pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $1"
		sed 's/^/    /' "$log"
	else
		echo "ok   $1 ($((p - s)) passed${s:+, $s skipped})" | sed 's/, 0 skipped//'
	fi
}

for t in build/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *"$pattern"*) ;; *) continue ;; esac
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
	count "$t" $?
done
for t in tests/cli/*.bats; do
	[ -f "$t" ] || continue
	case "$t" in *"$pattern"*) ;; *) continue ;; esac
	bats --tap "$t" >"$log" 2>&1
	count "$t" $?
done
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
