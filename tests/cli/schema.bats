#!/usr/bin/env bats
# schema.bats - the schema is one file, ledger/schema.c, whose header
# comment specifies it: no other file of the tree creates, alters or drops
# a table, an index, a view or a trigger (tests may: they rebuild old
# versions of a store), and the header names every table, index and view
# and says what each column is. A failure names what is wrong and where.

bats_require_minimum_version 1.5.0
load helpers

ROOT=$BATS_TEST_DIRNAME/../..

# the header comment of ledger/schema.c
schema_header() {
	sed -n '1,/^ \*\//p' "$ROOT"/ledger/schema.c
}

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
	header=$(schema_header)
	missing=""
	for n in $names; do
		grep -qE "\b$n\b" <<<"$header" || missing="$missing $n"
	done
	[ -z "$missing" ] || { echo "not in the header comment:$missing"; false; }
}

@test "schema.c's header names every SQL function the ledger registers" {
	names=$(grep -ohE 'sqlite3_create_function(_v2)?\([a-z_]+, "[a-z_]+"' "$ROOT"/ledger/*.c |
		sed -E 's/.*"([a-z_]+)"/\1/' | sort -u)
	[ -n "$names" ]
	header=$(schema_header)
	missing=""
	for n in $names; do
		grep -qE "\b$n\(" <<<"$header" || missing="$missing $n"
	done
	[ -z "$missing" ] || { echo "not in schema.c's header:$missing"; false; }
}

@test "schema.c's header says what each column of each table of a fresh store is" {
	run -0 mutua --home "$T/a" init --name Alpha
	db=$T/a/store.db
	header=$(schema_header)
	missing=""
	# a virtual table's shadow tables are SQLite's own (pragma table_list
	# says 'shadow'): the virtual table's paragraph speaks for them
	tables=$(sqlite3 "$db" "SELECT name FROM pragma_table_list WHERE schema = 'main'
		AND type IN ('table', 'virtual') AND name <> 'sqlite_schema' ORDER BY name")
	[ -n "$tables" ]
	for t in $tables; do
		# the table's paragraph, less its signature (which names every
		# column): what the header says of each
		body=$(awk -v t="$t" '
			index($0, " * " t "(") == 1 { on = 1; sig = 1 }
			on && sig { if ($0 ~ /\)( WITHOUT ROWID)?$/) sig = 0; next }
			on && $0 == " *" { exit }
			on { print }' <<<"$header")
		[ -n "$body" ] || { missing="$missing $t"; continue; }
		for c in $(sqlite3 "$db" "SELECT name FROM pragma_table_info('$t')"); do
			grep -qE "(^|[^a-z_])$c([^a-z_]|\$)" <<<"$body" || missing="$missing $t.$c"
		done
	done
	[ -z "$missing" ] || { echo "not described in schema.c's header:$missing"; false; }
}
