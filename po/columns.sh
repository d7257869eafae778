#!/bin/sh
# columns.sh - writes, for xgettext, a C file naming every column a table or
# a record of the mutua CLI can show: the names of the column lists given to
# out_rows (tools/*.c) and the columns of the read models (ledger/view*.c),
# each as C_("column", NAME), translated where printed (tools/cli.c).
# Usage: po/columns.sh > build/po/columns.c
set -eu
cd "$(dirname "$0")/.."
{
	# "name", "name:W", "name.W" and "name?" in the column lists of
	# out_rows; NAME_json is shown as NAME
	perl -0777 -ne 'while (/cols\[\]\s*=\s*\{(.*?)\}/sg) { my $l = $1;
		while ($l =~ /"([a-z_]+?)(?:_json)?[:.]?[0-9]*\??"/g) { print "$1\n" } }' tools/*.c
	# the aliases of the views' columns (not NAME_json, embedded JSON)
	perl -ne 'while (/ AS ([a-z][a-z_]+)\b/g) { print "$1\n" unless $1 =~ /_json$/ }' ledger/view*.c
} | sort -u | while read -r name; do
	printf 'C_("column", "%s");\n' "$name"
done
