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
# messages: gettext (xgettext, msgmerge, msgfmt build the French catalogue
# from po/fr.po), locales (fr_FR.UTF-8, generated below, for the tests of
# tests/cli/i18n.bats and the demo in French);
# chromium opens the board's report in a real browser, headless
# (tests/cli/report_browser.bats: its text, and nothing overflows at 1280 px);
# libmicrohttpd-dev: mutuad's web page for the staff (node/web.c);
# libgnutls28-dev: its own TLS, whose certificate and key mutuad checks
# before it starts (web_tls_cert, web_tls_key; openssl makes the tests'
# self-signed one);
# nodejs and npm run its tests in chromium (tests/web/, puppeteer-core,
# installed there by npm ci from package-lock.json); curl asks its API in
# tests/cli/web.bats
PKGS="build-essential pkg-config libzmq3-dev libsodium-dev libsqlite3-dev
libprotobuf-c-dev protobuf-c-compiler libcmocka-dev bats sqlite3 iproute2
tzdata procps python3-minimal openssl gettext locales chromium
libmicrohttpd-dev libgnutls28-dev nodejs curl"

# the locales the tests use: fr_FR.UTF-8, and C.UTF-8 (built into the C
# library of Debian 12 and later; generated where it is not)
has_locale() {
	locale -a 2>/dev/null | grep -qix "$1"
}
locales_ok() {
	has_locale 'fr_FR.utf-\?8' && has_locale 'C.utf-\?8'
}
gen_locales() {
	if ! has_locale 'fr_FR.utf-\?8'; then
		echo "deps: generating the locale fr_FR.UTF-8" >&2
		if [ -f /etc/locale.gen ] && grep -q '^# *fr_FR.UTF-8 UTF-8' /etc/locale.gen; then
			$SUDO sed -i 's/^# *\(fr_FR.UTF-8 UTF-8\)/\1/' /etc/locale.gen
		elif ! grep -q '^fr_FR.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
			echo "fr_FR.UTF-8 UTF-8" | $SUDO tee -a /etc/locale.gen >/dev/null
		fi
		$SUDO locale-gen >/dev/null
	fi
	if ! has_locale 'C.utf-\?8'; then
		$SUDO localedef -i C -f UTF-8 C.UTF-8 2>/dev/null ||
			echo "deps: cannot generate C.UTF-8" >&2
	fi
}

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
# npm comes with some builds of nodejs (NodeSource's), else Debian's npm
command -v npm >/dev/null 2>&1 || missing="$missing npm"
here="$(cd "$(dirname "$0")/.." && pwd)"
web_ok() {
	[ -d "$here/tests/web/node_modules/puppeteer-core" ]
}
web_deps() {
	web_ok || (cd "$here/tests/web" && npm ci --no-audit --no-fund >/dev/null) ||
		echo "deps: npm ci in tests/web failed: the browser tests cannot run" >&2
}
[ -z "$missing" ] && locales_ok && web_ok && exit 0
[ -z "$missing" ] && locales_ok && { web_deps; exit 0; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "deps: missing packages:$missing, or the locales fr_FR.UTF-8 and" \
			"C.UTF-8 (run this script as root)" >&2
		exit 1
	}
	SUDO=sudo
fi
if [ -n "$missing" ]; then
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
gen_locales
web_deps
