#!/usr/bin/env bats
# schema.bats - the schema is one file (ledger/schema.c, whose header
# comment specifies it): no other file of the tree creates, alters or drops
# a table, an index, a view or a trigger. Tests may (they rebuild old
# versions of a store). A failure names the file and line.

ROOT=$BATS_TEST_DIRNAME/../..

DDL='"[^"]*\b(CREATE (TEMP |TEMPORARY )?(TABLE|(UNIQUE )?INDEX|VIEW|TRIGGER|VIRTUAL TABLE)|ALTER TABLE|DROP (TABLE|INDEX|VIEW|TRIGGER))\b'

@test "only ledger/schema.c creates, alters or drops tables, indexes and views" {
	files=()
	for f in "$ROOT"/ledger/*.[ch] "$ROOT"/node/*.[ch] "$ROOT"/tools/*.[ch]; do
		[ "$f" = "$ROOT/ledger/schema.c" ] || files+=("$f")
	done
	run grep -nE "$DDL" "${files[@]}"
	[ "$status" -eq 1 ] || { echo "schema outside ledger/schema.c:"; echo "$output"; false; }
}

@test "the check itself finds the schema where it is" {
	grep -qE "$DDL" "$ROOT"/ledger/schema.c
}

@test "schema.c's header documents every table, index and view it creates" {
	names=$(grep -oE '(CREATE (UNIQUE )?(TABLE|INDEX|VIEW)) [a-z_]+' "$ROOT"/ledger/schema.c |
		awk '{print $NF}' | sort -u)
	[ -n "$names" ]
	header=$(sed -n '1,/^ \*\//p' "$ROOT"/ledger/schema.c)
	missing=""
	for n in $names; do
		grep -qE "\b$n\b" <<<"$header" || missing="$missing $n"
	done
	[ -z "$missing" ] || { echo "not in the header comment:$missing"; false; }
}
