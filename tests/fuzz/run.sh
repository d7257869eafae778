#!/bin/sh
# make fuzz FUZZ_SECONDS=N: builds every tests/fuzz/fuzz_*.c target with
# clang under libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer,
# runs each for N seconds from its checked-in corpus, saves any crasher in
# tests/fuzz/crashers/TARGET/ (make check replays them), and prints the
# executions and coverage reached.
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-60}
if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz: needs clang and its runtime: apt-get install clang libclang-rt-14-dev" >&2
	exit 2
fi
make -s build/gen/mutua.pb-c.c
out=build/fuzz
mkdir -p "$out/obj"
PKGS="libzmq libsodium sqlite3 libprotobuf-c"
CFLAGS="-g -O1 -std=c11 -D_GNU_SOURCE -fno-omit-frame-pointer
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
	-Ibuild/gen -Iledger -Inode -Itests/fuzz $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lpthread"

objs=""
for src in ledger/*.c node/*.c build/gen/mutua.pb-c.c tests/fuzz/common.c; do
	[ "$src" = node/mutuad.c ] && continue
	o="$out/obj/$(echo "$src" | tr / _).o"
	if [ ! -f "$o" ] || [ "$src" -nt "$o" ]; then
		# shellcheck disable=SC2086
		clang $CFLAGS -fsanitize=fuzzer-no-link -c -o "$o" "$src"
	fi
	objs="$objs $o"
done

printf '%-14s %12s %10s %8s %s\n' TARGET EXECS EXEC/S COV RESULT
status=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	# shellcheck disable=SC2086
	clang $CFLAGS -fsanitize=fuzzer -o "$out/$name" "$src" $objs $LIBS
	work="$out/corpus-$name"
	mkdir -p "$work" "tests/fuzz/crashers/$name"
	cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
	log="$out/$name.log"
	if "$out/$name" "$work" -max_total_time="$secs" -rss_limit_mb=2048 \
		-max_len=70000 -artifact_prefix="tests/fuzz/crashers/$name/" >"$log" 2>&1; then
		result=ok
	else
		result="CRASH (see $log and tests/fuzz/crashers/$name/)"
		status=1
	fi
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	rate=$(grep -o 'exec/s: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	printf '%-14s %12s %10s %8s %s\n' "$name" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$result"
done
exit $status
