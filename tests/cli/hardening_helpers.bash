# hardening_helpers.bash - helpers of the hardening tests (hardening*.bats),
# loaded after helpers.bash: a teardown that also undoes mounts and network
# namespaces, store checks, a seeded $RANDOM.
# shellcheck disable=SC2154 # bats sets $output; helpers.bash sets $T, $TOOLS

POWERCUT=$TOOLS/powercut
MKFEED=$TOOLS/mkfeed

# teardown: the daemons first (they hold files of the mounts and live in
# the namespaces), then the mounts ($T/mounts) and network namespaces
# ($T/netns) the test made, then helpers.bash's own teardown (which
# removes $T).
eval "helpers_$(declare -f teardown)"
teardown() {
	stop_daemons
	local m
	if [ -n "${T:-}" ] && [ -f "$T/mounts" ]; then
		while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
				echo "could not unmount $m" >&2
		done <"$T/mounts"
	fi
	if [ -n "${T:-}" ] && [ -f "$T/netns" ]; then
		while read -r m; do
			ip netns del "$m" 2>/dev/null || echo "could not delete netns $m" >&2
		done <"$T/netns"
	fi
	helpers_teardown
}

seed_random() {
	local seed=${MUTUA_SEED:-$((($$ + $(now_ms)) % 32768))}
	RANDOM=$seed
	echo "# random seed $seed (MUTUA_SEED=$seed replays it)" >&3
}

need_tools() {
	if [ ! -x "$POWERCUT" ] || [ ! -x "$MKFEED" ]; then
		echo "test tools missing: run make tests" >&2
		return 1
	fi
}

# mount_tmpfs DIR SIZE: a tmpfs of SIZE on DIR (created), unmounted in
# teardown; skips the test when not root or when mounting is not allowed.
mount_tmpfs() {
	[ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs (CI runs as root)"
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0700" tmpfs "$1" 2>"$T/mount.err" ||
		skip "cannot mount a tmpfs here: $(cat "$T/mount.err")"
	echo "$1" >>"$T/mounts"
}

heads() {
	sql "$1" "SELECT hex(author), seq, hex(id) FROM feeds ORDER BY author"
}

same_heads() {
	local a b
	a=$(heads "$1") b=$(heads "$2")
	[ -n "$a" ] && [ "$a" = "$b" ]
}

# store_sound HOME: integrity ok, no two entries at one (author, seq), no
# gap in any feed, every head in feeds is its feed's last entry.
store_sound() {
	local ic
	ic=$(sql "$1" 'PRAGMA integrity_check')
	[ "$ic" = ok ] || {
		echo "integrity_check of $1: $ic" >&2
		return 1
	}
	[ "$(sql "$1" 'SELECT count(*) - (SELECT count(*) FROM
		(SELECT DISTINCT author, seq FROM entries)) FROM entries')" = 0 ] || return 1
	[ "$(sql "$1" 'SELECT count(*) FROM (SELECT author FROM entries GROUP BY author
		HAVING max(seq) != count(*) OR min(seq) != 1)')" = 0 ] || {
		echo "a feed of $1 has a gap" >&2
		return 1
	}
	[ "$(sql "$1" 'SELECT count(*) FROM feeds f WHERE f.seq != (SELECT max(seq)
		FROM entries e WHERE e.author = f.author) OR f.id != (SELECT id FROM entries e
		WHERE e.author = f.author AND e.seq = f.seq)')" = 0 ] || {
		echo "a head in feeds of $1 is not its feed's last entry" >&2
		return 1
	}
}

# audit_ok HOME: mutua audit of the store passes.
audit_ok() {
	local out
	out=$(mutua --home "$1" audit 2>&1) || {
		echo "audit of $1 failed: $out" >&2
		return 1
	}
	[[ $out == *"audit OK"* ]]
}

# ids_present HOME FILE: every id listed in FILE (one a line) is an entry.
ids_present() {
	local id missing=0
	while read -r id; do
		[ -n "$id" ] || continue
		[ "$(sql "$1" "SELECT count(*) FROM entries WHERE id = X'$id'")" = 1 ] || {
			echo "acknowledged entry $id is missing from $1" >&2
			missing=$((missing + 1))
		}
	done <"$2"
	[ "$missing" = 0 ]
}

