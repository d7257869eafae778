#!/usr/bin/env bats
# manual.bats - the manual in English and in French: every command of the
# command table has its section in both mutua.1 pages, every option and
# configuration key the English pages document is in the French ones, the
# pages have the same sections, groff reads them without a warning, and
# make install puts the French pages under share/man/fr/man1. Each check is
# also run on a deliberately broken copy, to show that it fails there.

bats_require_minimum_version 1.5.0
load helpers

DOC=$BATS_TEST_DIRNAME/../../doc

# the command names of `mutua help`: the lines "  NAME  text" of its groups
help_commands() {
	mutua help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'
}

# sections_missing PAGE: the commands of the table with no ".SS "mutua
# CMD..."" section in PAGE, one a line.
sections_missing() {
	local c
	for c in $(help_commands); do
		sed 's/\\-/-/g' "$1" | grep -q "^\.SS \"mutua $c\( \|\"\)" || echo "$c"
	done
}

# options PAGE: the long options PAGE documents, one a line, sorted.
options() {
	sed 's/\\-/-/g' "$1" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}

# options_missing ENGLISH FRENCH: the options of ENGLISH absent from FRENCH.
options_missing() {
	comm -23 <(options "$1") <(options "$2")
}

# keys ENGLISH: the configuration keys of a page (".BI key " = ...").
keys() {
	sed -n 's/^\.BI \([a-z_]*\) " = .*/\1/p' "$1" | sort -u
}

# outline PAGE: how many sections and subsections (.SH, .SS) PAGE has.
outline() {
	echo "$(grep -c '^\.SH ' "$1") $(grep -c '^\.SS ' "$1")"
}

@test "every command of the table has its section in mutua.1, in English and in French" {
	[ "$(help_commands | wc -l)" -ge 30 ]
	run -0 sections_missing "$DOC/mutua.1"
	[ -z "$output" ] || { echo "missing from mutua.1: $output"; false; }
	run -0 sections_missing "$DOC/fr/mutua.1"
	[ -z "$output" ] || { echo "missing from fr/mutua.1: $output"; false; }
	# the check sees a section taken out
	sed '/^\.SS "mutua borrow /d' "$DOC/fr/mutua.1" >"$T/broken.1"
	run -0 sections_missing "$T/broken.1"
	[ "$output" = borrow ]
}

@test "every option and key the English pages document is in the French pages; same outline" {
	local page
	for page in mutua.1 mutuad.1; do
		[ "$(options "$DOC/$page" | wc -l)" -ge 5 ]
		run -0 options_missing "$DOC/$page" "$DOC/fr/$page"
		[ -z "$output" ] || { echo "fr/$page lacks: $output"; false; }
		[ "$(outline "$DOC/$page")" = "$(outline "$DOC/fr/$page")" ]
		grep -q '^\.TH ' "$DOC/fr/$page"
	done
	[ "$(keys "$DOC/mutuad.1" | wc -l)" -ge 10 ]
	[ "$(keys "$DOC/mutuad.1")" = "$(keys "$DOC/fr/mutuad.1")" ]
	# the check sees an option taken out of the French page
	sed 's/\\-\\-threshold/threshold/g' "$DOC/fr/mutua.1" >"$T/broken.1"
	run -0 options_missing "$DOC/mutua.1" "$T/broken.1"
	[ "$output" = --threshold ]
	# the French page is French
	grep -q '^\.SH NOM$' "$DOC/fr/mutua.1"
	grep -q "^\.SH \"CODE DE RETOUR\"$" "$DOC/fr/mutuad.1"
}

@test "groff reads the four pages without a warning" {
	command -v groff >/dev/null || skip "groff is not installed"
	local page
	for page in mutua.1 mutuad.1 fr/mutua.1 fr/mutuad.1; do
		run -0 --separate-stderr groff -k -man -Tutf8 -ww -z "$DOC/$page"
		[ -z "$stderr" ] || { echo "$page: $stderr"; false; }
	done
}

@test "make install puts the French pages under share/man/fr/man1" {
	local root=$BATS_TEST_DIRNAME/../..
	# the programs are built already; never build from a test
	make -C "$root" -q all >/dev/null 2>&1 || skip "the build is not up to date: run make first"
	make -C "$root" -s install PREFIX=/usr DESTDIR="$T/dest" >/dev/null
	[ -f "$T/dest/usr/share/man/fr/man1/mutua.1" ]
	[ -f "$T/dest/usr/share/man/fr/man1/mutuad.1" ]
	[ -f "$T/dest/usr/share/man/man1/mutua.1" ]
	cmp "$DOC/fr/mutua.1" "$T/dest/usr/share/man/fr/man1/mutua.1"
	[ "$(stat -c %a "$T/dest/usr/share/man/fr/man1/mutuad.1")" = 644 ]
}
