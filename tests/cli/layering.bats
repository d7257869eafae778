#!/usr/bin/env bats
# layering.bats - the code's layers, checked (DESIGN.md, invariant 11 and
# Layout): nothing outside ledger/ speaks SQL or calls SQLite, the store's
# handle and statements are private to ledger/, and node/ never includes the
# CLI's headers (mutua-net links the node's sync, by design). A failure names the file and line.

ROOT=$BATS_TEST_DIRNAME/../..

# SQL in a string literal: a statement keyword in capitals after a quote
SQL='"[^"]*\b(SELECT|INSERT( OR [A-Z]+)? INTO|UPDATE [a-z_]+ SET|DELETE FROM|CREATE (TABLE|INDEX|VIEW|TRIGGER)|DROP (TABLE|INDEX|VIEW)|ALTER TABLE|PRAGMA|BEGIN( IMMEDIATE| TRANSACTION|;|")|COMMIT|ROLLBACK|WITH [a-z_]+ AS)\b'

@test "node/ and tools/ hold no SQL" {
	run grep -nE "$SQL" "$ROOT"/node/*.[ch] "$ROOT"/tools/*.[ch]
	[ "$status" -eq 1 ] || { echo "SQL outside ledger/:"; echo "$output"; false; }
}

@test "node/ and tools/ make no sqlite3_ call and include no sqlite3.h" {
	run grep -nE 'sqlite3_|sqlite3\.h|sqlite3 \*' "$ROOT"/node/*.[ch] "$ROOT"/tools/*.[ch]
	[ "$status" -eq 1 ] || { echo "SQLite outside ledger/:"; echo "$output"; false; }
}

@test "the store's handle and statements are not public" {
	run grep -nE '\b(store_db|store_stmt|store_exec)\b' "$ROOT"/ledger/store.h "$ROOT"/node/*.[ch] \
		"$ROOT"/tools/*.[ch]
	[ "$status" -eq 1 ] || { echo "$output"; false; }
}

@test "node/ does not reach into tools/" {
	run grep -nE '#include "(cli|rotate_cli)\.h"' "$ROOT"/node/*.[ch]
	[ "$status" -eq 1 ] || { echo "$output"; false; }
}

@test "the check itself finds SQL and sqlite3_ calls where they are" {
	grep -qE "$SQL" "$ROOT"/ledger/store.c
	grep -qE 'sqlite3_' "$ROOT"/ledger/store.c
}
