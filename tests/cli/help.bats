#!/usr/bin/env bats
# help.bats - help for every command, suggestions for misspelt commands and
# options, missing options named, global options anywhere on the line, and
# a no-home message that does not invite a new identity first.

bats_require_minimum_version 1.5.0
load helpers

# the command names of `mutua help`: the lines "  NAME  text" of its groups
help_commands() {
	mutua help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'
}

@test "mutua help lists the commands, grouped, on stdout (0)" {
	run -0 --separate-stderr mutua help
	[[ $output == "usage: mutua [--home DIR] [--json] COMMAND [ARGS]"* ]]
	[[ $output == *"resources and loans:"* ]]
	[[ $output == *"governance:"* ]]
	[[ $output == *"  borrow       ask to borrow a resource for a slot"* ]]
	[ -z "$stderr" ]
	[ "$(help_commands | wc -l)" -ge 30 ]
	run -0 mutua --help
	[[ $output == *"records, proofs and audit:"* ]]
	run -0 mutua -h
	[[ $output == *"this node:"* ]]
	run -0 mutua help help
	[[ $output == *"this node:"* ]]
}

@test "every command of the table has help: mutua help CMD, CMD --help, CMD -h" {
	local cmd n=0
	for cmd in $(help_commands); do
		run -0 --separate-stderr mutua help "$cmd"
		[[ $output == "usage: mutua $cmd"* ]] || {
			echo "help of '$cmd' does not start with its usage: $output" >&2
			return 1
		}
		[[ $output == *$'\nexample:\n  mutua '* ]] || {
			echo "help of '$cmd' has no example" >&2
			return 1
		}
		[[ $output == *"--home DIR"* ]]
		local text=$output
		run -0 --separate-stderr mutua "$cmd" --help
		[ "$output" = "$text" ]
		run -0 --separate-stderr mutua "$cmd" -h
		[ "$output" = "$text" ]
		n=$((n + 1))
	done
	[ "$n" -ge 30 ]
}

@test "a command's help has one line per option, including those of its subcommands" {
	run -0 mutua help borrow
	[[ $output == *"  --to TIME "*"the end of the slot"* ]]
	[[ $output == *"  --quantity N "* ]]
	run -0 mutua offer list --help
	[[ $output == *"mutua offer list"* ]]
	[[ $output == *"  --available FROM/TO "* ]]
	[[ $output == *"  --auto-accept "* ]]
	# help is asked before any home is needed, and the rest is ignored
	run -0 mutua --home "$T/none" federation create --help
	[[ $output == *"  --vote-duration DURATION "* ]]
	run -0 mutua borrow 3fa2c1 --frm 2026 --help
	[[ $output == "usage: mutua borrow"* ]]
}

@test "help of an unknown command suggests the nearest one (2)" {
	run -2 --separate-stderr mutua help borow
	stderr_has "unknown command 'borow': did you mean 'borrow'?"
}

@test "a misspelt command: did you mean ...? (edit distance up to 2, transpositions count one)" {
	run -2 --separate-stderr mutua borow
	stderr_has "unknown command 'borow': did you mean 'borrow'?"
	run -2 --separate-stderr mutua reqeusts
	stderr_has "did you mean 'requests'?"
	# two swaps: 2 for Damerau-Levenshtein, 4 for Levenshtein
	run -2 --separate-stderr mutua rqeeusts
	stderr_has "did you mean 'requests'?"
	# three edits: too far
	run -2 --separate-stderr mutua rqeeustss
	[[ $stderr != *"did you mean"* ]]
	run -2 --separate-stderr mutua calender
	stderr_has "did you mean 'calendar'?"
	run -2 --separate-stderr mutua hlep
	stderr_has "did you mean 'help'?"
	# too far from any command: no guess, but where to look
	run -2 --separate-stderr mutua frobnicate
	stderr_has "unknown command 'frobnicate' ('mutua help' lists the commands)"
	[[ $stderr != *"did you mean"* ]]
}

@test "a misspelt option of a command: did you mean ...? (2)" {
	run -2 --separate-stderr mutua borrow 3fa2c1 --frm 2026-12-05 --to 2026-12-06
	stderr_has "borrow: unknown option '--frm': did you mean '--from'?"
	run -2 --separate-stderr mutua offer list --kidn=vehicle
	stderr_has "offer: unknown option '--kidn': did you mean '--kind'?"
	run -2 --separate-stderr mutua export --out-file x
	stderr_has "export: unknown option '--out-file' ('mutua help export' lists its options)"
	run -2 --separate-stderr mutua --hom "$T/a" id
	stderr_has "unknown option '--hom': did you mean '--home'?"
}

@test "a missing option is named, with what it is" {
	run -2 --separate-stderr mutua borrow 3fa2c1 --from 2026-12-05
	stderr_has "borrow: missing --to (the end of the slot, e.g. 2026-12-05 or 2026-12-05T18:00)"
	stderr_has "usage: mutua borrow"
	run -2 --separate-stderr mutua borrow 3fa2c1 --to 2026-12-05
	stderr_has "borrow: missing --from (the start of the slot"
	run -2 --separate-stderr mutua borrow --from 2026-12-05 --to 2026-12-06
	stderr_has "borrow: missing RESOURCE"
	run -2 --separate-stderr mutua export-csv
	stderr_has "export-csv: missing --out (the CSV file to write)"
	run -2 --separate-stderr mutua verify-proof x.proof
	stderr_has "verify-proof: missing --genesis"
	run -2 --separate-stderr mutua init
	stderr_has "init: missing --name"
	run -2 --separate-stderr mutua offer add --kind vehicle
	stderr_has "offer: missing --title (the short name the others see)"
}

@test "global options are taken anywhere on the line, also after the command" {
	make_federation 2
	mutua --home "$A" offer add --kind vehicle --title Camion >/dev/null
	run -0 mutua offer list --json --home "$A"
	[ "${#lines[@]}" -eq 1 ]
	is_json_object "${lines[0]}"
	run -0 mutua offer list --home="$A" --json
	is_json_object "${lines[0]}"
	run -0 mutua --json offer list --home "$A"
	is_json_object "${lines[0]}"
	MUTUA_HOME=$A run -0 mutua offer list --json
	is_json_object "${lines[0]}"
	run -0 mutua id --home "$B"
	[ "$output" = "$B_ID" ]
}

@test "the value of a command's option is not taken for a global option" {
	make_federation 2
	mutua --home "$A" offer add --kind vehicle --title Camion >/dev/null
	res=$(json_get "$(mutua --home "$A" --json offer list)" '$.id')
	copy_entries "$A" "$B"
	run -0 --separate-stderr mutua borrow "${res:0:8}" --from 2026-12-05 --to 2026-12-06 \
		--note --json --home "$B"
	# not JSON: --json was the note
	is_id "$output"
	run -0 mutua --home "$B" --json requests
	[ "${#lines[@]}" -eq 1 ]
}

@test "a missing --home value is named" {
	run -2 --separate-stderr mutua id --home
	stderr_has "missing DIR after --home"
}

@test "no home: says where it looked and names --home and MUTUA_HOME before init" {
	run -1 --separate-stderr mutua id
	stderr_has "no mutua home in '$HOME/.mutua' (the default: neither --home nor MUTUA_HOME was given)"
	stderr_has "name this member's home with --home DIR or MUTUA_HOME=DIR"
	# init comes last, and only as the way to a new member
	[[ ${stderr%%init*} == *"--home DIR"* ]]
	stderr_has "only to set up a new member node (new keys, a new member), run 'mutua init --name NAME'"
	[[ $stderr != *"(run 'mutua init')"* ]]

	run -1 --separate-stderr mutua offer list --home "$T/none"
	stderr_has "no mutua home in '$T/none' (given by --home): no key file there"
	MUTUA_HOME=$T/gone run -1 --separate-stderr mutua balance
	stderr_has "no mutua home in '$T/gone' (given by MUTUA_HOME)"
}

@test "no home for an auditor's command: no invitation to init, the offline way instead" {
	run -1 --separate-stderr mutua audit
	stderr_has "no mutua home in '$HOME/.mutua'"
	stderr_has "an auditor needs no home: 'mutua audit FILE --genesis GENESIS'"
	[[ $stderr != *"mutua init"* ]]
	run -1 --separate-stderr mutua report --html --out "$T/r.html"
	[[ $stderr != *"mutua init"* ]]
	# verify-proof and audit FILE need no home at all
	run -1 --separate-stderr mutua verify-proof "$T/missing.proof" --genesis "$T/missing.txt"
	[[ $stderr != *"no mutua home"* ]]
	run -1 --separate-stderr mutua audit "$T/missing.bundle"
	[[ $stderr != *"no mutua home"* ]]
}

@test "mutuad without a home points at --home and MUTUA_HOME, not at init first" {
	run -1 --separate-stderr "$MUTUAD" --home "$T/none"
	[[ "$output$stderr" == *"no mutua home in '$T/none' (no key file there): check --home or MUTUA_HOME"* ]]
	[[ "$output$stderr" != *"(run 'mutua init')"* ]]
}

@test "every long option of the commands' sources is in a command's help" {
	# the dispatcher refuses an option that no help names: a forgotten one
	# would break its command
	local all=$T/all-help name
	for name in $(help_commands); do
		mutua help "$name"
	done >"$all"
	local n=0
	for name in $(sed -n 's/.*{"\([a-z][a-z-]*\)", *\(required\|no\)_argument.*/\1/p' \
		"$BATS_TEST_DIRNAME"/../../tools/cmd_*.c | sort -u); do
		grep -q -- "  --$name[ ,]" "$all" || {
			echo "--$name is in no command's help" >&2
			return 1
		}
		n=$((n + 1))
	done
	[ "$n" -ge 30 ]
}

@test "every command of the table has its section in the manual page" {
	local man=$BATS_TEST_DIRNAME/../../doc/mutua.1 missing=""
	! grep -n "will be documented here" "$man"
	for c in $(help_commands); do
		sed 's/\\-/-/g' "$man" | grep -q "^\.SS \"mutua $c\( \|\"\)" || missing="$missing $c"
	done
	[ -z "$missing" ] || { echo "missing from mutua.1:$missing"; false; }
}
