#!/bin/sh
# Install the Debian packages that Mutua's build, tests and demo need,
# when any is missing. Safe to run again: it does nothing when all are there.
# Needs root (or sudo) only when something is missing.
set -eu

# build: compiler, pkg-config, the four libraries and protoc-c;
# tests: cmocka, bats, the sqlite3 shell, iproute2 (network namespaces for
# the partition tests), tzdata (time zone tests), procps (ps, pkill);
# python3-minimal and openssl run tests/tools/verify-bundle.py, the
# verifier written from doc/FORMAT.md alone (tests/cli/format.bats:
# Python's hashlib for BLAKE2b and SHA-256, openssl for Ed25519);
# chromium opens the board's report in a real browser, headless
# (tests/cli/report_browser.bats: its text, and nothing overflows at 1280 px)
PKGS="build-essential pkg-config libzmq3-dev libsodium-dev libsqlite3-dev
libprotobuf-c-dev protobuf-c-compiler libcmocka-dev bats sqlite3 iproute2
tzdata procps python3-minimal openssl chromium"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "deps: missing packages:$missing (run this script as root)" >&2
		exit 1
	}
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
