#!/bin/sh
# web.sh - writes, for xgettext, a C file with the words of the web page:
# web/strings.json maps each KEY to its English, and each is written as
# C_("web:KEY", "TEXT"), translated by the node (ledger/i18n.c, i18n_json)
# when the page asks for them (/api/strings).
# Usage: po/web.sh > build/po/web.c
set -eu
cd "$(dirname "$0")/.."
perl -MJSON::PP -0777 -ne '
	my $h = JSON::PP->new->decode($_);
	for my $k (sort keys %$h) {
		my $v = $h->{$k};
		die "web/strings.json: $k is no text\n" if ref $v;
		s/\\/\\\\/g, s/"/\\"/g, s/\n/\\n/g for $v;
		print "C_(\"web:$k\", \"$v\");\n";
	}' web/strings.json
