/* help.c - the help of each mutua command (help.h): one entry per command
 * of the table in mutua.c, written for the staff who type them. */
#include "help.h"
#include "i18n.h"

#include <stdint.h>
#include <string.h>

#define OPTS(...) ((const struct help_opt[]){__VA_ARGS__, {NULL, NULL}})
#define NO_OPTS ((const struct help_opt[]){{NULL, NULL}})

static const struct help_opt step_reason[] = {
	{"--reason TEXT", N_("why, shown to the other member")},
	{"--note TEXT", N_("the same as --reason")},
	{NULL, NULL},
};
#define REPORT_OPTS \
	{"--meter N", N_("condition report: the odometer or hour meter")}, \
	{"--fuel LEVEL", N_("condition report: full, 3/4, 1/2, 1/4, empty or a percentage")}, \
	{"--damage TEXT", N_("condition report: damage seen")}, \
	{"--photo FILE", N_("condition report: a photo, recorded by its BLAKE2b-256 hash (the " \
			    "file stays with you); repeatable")}
static const struct help_opt step_usage[] = {
	{"--usage N", N_("how much was used, in the offer's unit (default: the whole slot)")},
	{"--note TEXT", N_("a note kept with the step")},
	{"--reason TEXT", N_("the same as --note")},
	REPORT_OPTS,
	{NULL, NULL},
};
static const struct help_opt step_close[] = {
	{"--usage N", N_("how much was used, in the offer's unit (default: the borrower's figure)")},
	{"--note TEXT", N_("a note kept with the step")},
	{"--reason TEXT", N_("the same as --note")},
	{"--forfeit CREDITS", N_("claim this much of the deposit (after the return; the borrower "
			      "agrees or disputes)")},
	REPORT_OPTS,
	{NULL, NULL},
};

static const struct help_cmd cmds[] = {
	{"init", "mutua init --name NAME [--college COLLEGE] [--endpoint URL]...",
	 OPTS({"--name NAME", N_("this member's name, as the others will see it")},
	      {"--college COLLEGE", N_("this member's college, for votes by colleges")},
	      {"--endpoint URL", N_("where this member's mutuad listens (tcp://HOST:PORT); repeatable")}),
	 "mutua init --name 'Régie de quartier' --endpoint tcp://regie.example.org:7664"},
	{"id", "mutua id", NO_OPTS, "mutua id"},
	{"key", "mutua key rotate", NO_OPTS, "mutua key rotate"},
	{"card", "mutua card [--endpoint URL]...",
	 OPTS({"--endpoint URL", N_("an endpoint to put on the card instead of the profile's; repeatable")}),
	 "mutua card > regie.card"},
	{"profile", "mutua profile [--name NAME] [--college COLLEGE] [--endpoint URL]...",
	 OPTS({"--name NAME", N_("this member's new name")},
	      {"--college COLLEGE", N_("this member's new college")},
	      {"--endpoint URL", N_("where this member's mutuad listens now; repeatable")}),
	 "mutua profile --endpoint tcp://regie.example.org:7664"},
	{"federation",
	 "mutua federation create --name NAME [--charter FILE] [--credit-limit N]\n"
	 "       [--rule majority|colleges] [--college NAME=WEIGHT]... [--threshold PCT]\n"
	 "       [--quorum PCT] [--vote-duration DURATION] --out FILE [CARD]...\n"
	 "mutua federation join FILE\n"
	 "mutua federation show",
	 OPTS({"--name NAME", N_("create: the federation's name")},
	      {"--charter FILE", N_("create: the charter text the members sign up to")},
	      {"--credit-limit N", N_("create: how far below zero a balance may go")},
	      {"--rule RULE", N_("create: how votes are counted, majority or colleges")},
	      {"--college NAME=WEIGHT", N_("create: a college and its weight; repeatable")},
	      {"--threshold PCT", N_("create: the share of yes votes a proposal needs")},
	      {"--quorum PCT", N_("create: the share of members who must vote")},
	      {"--vote-duration DURATION", N_("create: how long a vote stays open (14d, 36h, 90m)")},
	      {"--out FILE", N_("create: where to write the genesis file the members join")}),
	 "mutua federation create --name 'Mutua Nord' --out genesis.txt a.card b.card\n"
	 "mutua federation join genesis.txt"},
	{"offer",
	 "mutua offer add --kind KIND --title TEXT [--unit UNIT] [--capacity N]\n"
	 "       [--rate CREDITS] [--location TEXT] [--description TEXT] [--auto-accept]\n"
	 "       [--conditions TEXT] [--requires REQ]... [--deposit CREDITS]\n"
	 "mutua offer list [--kind KIND] [--member NAME|ID] [--all] [--available FROM/TO]\n"
	 "       [--search WORDS] [--near PLACE]\n"
	 "mutua offer show ID\n"
	 "mutua offer update ID [--kind KIND] [--title TEXT] [--unit UNIT] [--capacity N]\n"
	 "       [--force] [--rate CREDITS] [--location TEXT] [--description TEXT]\n"
	 "       [--auto-accept|--no-auto-accept] [--conditions TEXT]\n"
	 "       [--requires REQ]... [--no-requires] [--deposit CREDITS]\n"
	 "mutua offer withdraw ID",
	 OPTS({"--kind KIND", N_("vehicle, storage, skill, equipment, room or other")},
	      {"--title TEXT", N_("the short name the others see")},
	      {"--unit UNIT", N_("what the rate counts: hour, day, km, m3 or item")},
	      {"--capacity N", N_("how many can be lent at once")},
	      {"--rate CREDITS", N_("credits per unit")},
	      {"--location TEXT", N_("where to fetch it")},
	      {"--description TEXT", N_("anything else a borrower should know")},
	      {"--auto-accept", N_("accept requests that fit without asking")},
	      {"--no-auto-accept", N_("update: ask again before accepting")},
	      {"--conditions TEXT", N_("conditions the borrower confirms (fuel policy, ...); \"\" none")},
	      {"--requires REQ", N_("what the borrower must hold: licence:CATEGORY (licence:B) or "
				 "insurance; repeatable; update: replaces the list")},
	      {"--no-requires", N_("update: no requirement any more")},
	      {"--deposit CREDITS", N_("held against the borrower's credit limit until the close; 0 none")},
	      {"--member NAME|ID", N_("list: only this member's offers")},
	      {"--all", N_("list: withdrawn offers too")},
	      {"--available FROM/TO", N_("list: only what is free for this slot")},
	      {"--force", N_("update: lower the capacity below loans in progress, which are named "
			     "for the owner to settle")},
	      {"--search WORDS", N_("list: only offers whose title, description or location "
				 "hold these words (accents ignored, word starts match)")},
	      {"--near PLACE", N_("list: only offers whose location holds these words")}),
	 "mutua offer add --kind vehicle --title 'Camion 12 m3' --unit day --rate 20\n"
	 "mutua offer add --kind vehicle --title Fourgon --requires licence:B --deposit 200\n"
	 "mutua offer list --search camion --near orleans --available 2026-12-05/2026-12-06"},
	{"borrow",
	 "mutua borrow RESOURCE --from TIME --to TIME [--quantity N] [--note TEXT] [--wait]\n"
	 "       [--repeat weekly --until DATE] [--confirm[=REQ,...]] [--estimate N]",
	 OPTS({"--from TIME", N_("the start of the slot, e.g. 2026-12-05 or 2026-12-05T08:00")},
	      {"--to TIME", N_("the end of the slot, e.g. 2026-12-05 or 2026-12-05T18:00")},
	      {"--quantity N", N_("how many (default 1)")},
	      {"--note TEXT", N_("a note for the owner")},
	      {"--wait", N_("if the slot is taken, wait on the owner's waitlist instead of a "
			    "decline")},
	      {"--repeat weekly", N_("the same slot every week: a series, each week a loan of its "
				     "own")},
	      {"--until DATE", N_("with --repeat: the last day a week may start (at most 53 "
				  "weeks)")},
	      {"--confirm", N_("confirm the offer's conditions, deposit and requirements as "
			       "'offer show' lists them; --confirm=licence:B,insurance names the "
			       "requirements held")},
	      {"--estimate N", N_("km and m3: the usage expected, held against the credit limit")}),
	 "mutua borrow camion --from 2026-12-05T08:00 --to 2026-12-05T18:00\n"
	 "mutua borrow 3fa2c1 --from 2026-12-05 --to 2026-12-06 --confirm --estimate 120"},
	{"block",
	 "mutua block RESOURCE --from TIME --to TIME [--quantity N]\n"
	 "       --reason internal|maintenance|other [--note TEXT]",
	 OPTS({"--from TIME", N_("the start of the block, e.g. 2026-12-08T08:00")},
	      {"--to TIME", N_("its end")},
	      {"--quantity N", N_("how many of the resource (default: all of it)")},
	      {"--reason REASON", N_("internal (the owner's own use), maintenance or other: what "
				     "the others see")},
	      {"--note TEXT", N_("for this member's staff only")}),
	 "mutua block 3fa2c1 --from 2026-12-08 --to 2026-12-09 --reason maintenance"},
	{"unblock", "mutua unblock BLOCK", NO_OPTS, "mutua unblock 7d41e0"},
	{"accept", "mutua accept REQ [--series]",
	 OPTS({"--series", N_("every pending week of REQ's weekly series, those that fit")}),
	 "mutua accept 9be0d4"},
	{"decline", "mutua decline REQ [--reason TEXT] [--waitlist] [--series]",
	 OPTS({"--reason TEXT", N_("why, shown to the other member")},
	      {"--note TEXT", N_("the same as --reason")},
	      {"--waitlist", N_("keep the request as waitlist: it waits for the slot to free up")},
	      {"--series", N_("every pending week of REQ's weekly series")}),
	 N_("mutua decline 9be0d4 --reason 'the van is in repair'")},
	{"cancel", "mutua cancel REQ [--reason TEXT]", step_reason,
	 N_("mutua cancel 9be0d4 --reason 'event postponed'")},
	{"handover",
	 "mutua handover REQ [--note TEXT] [--meter N] [--fuel LEVEL] [--damage TEXT]\n"
	 "       [--photo FILE]...",
	 OPTS({"--note TEXT", N_("a note kept with the step")},
	      {"--reason TEXT", N_("the same as --note")},
	      REPORT_OPTS),
	 "mutua handover 9be0d4 --meter 48210 --fuel full --photo front.jpg"},
	{"return",
	 "mutua return REQ [--usage N] [--note TEXT] [--meter N] [--fuel LEVEL]\n"
	 "       [--damage TEXT] [--photo FILE]...",
	 step_usage, "mutua return 9be0d4 --usage 1 --meter 48390 --fuel 3/4"},
	{"close",
	 "mutua close REQ [--usage N] [--note TEXT] [--forfeit CREDITS] [--meter N]\n"
	 "       [--fuel LEVEL] [--damage TEXT] [--photo FILE]...",
	 step_close, "mutua close 9be0d4\nmutua close 9be0d4 --forfeit 40 --damage 'dented door'"},
	{"agree", "mutua agree REQ [--note TEXT]",
	 OPTS({"--note TEXT", N_("a note kept with the step")}),
	 "mutua agree 9be0d4"},
	{"dispute", "mutua dispute REQ --reason TEXT",
	 OPTS({"--reason TEXT", N_("why the owner's figure is wrong")}),
	 N_("mutua dispute 9be0d4 --reason 'the meter read 132 km'")},
	{"requests", "mutua requests [--incoming|--outgoing] [--state STATE]\n"
		     "mutua requests show ID",
	 OPTS({"--incoming", N_("only requests for this member's resources")},
	      {"--outgoing", N_("only this member's own requests")},
	      {"--state STATE", N_("only those in this state (requested, accepted, ...)")}),
	 "mutua requests --incoming --state requested\n"
	 "mutua requests show 3f2a9c1d"},
	{"verify-photo", "mutua verify-photo FILE REQ", NO_OPTS,
	 "mutua verify-photo front.jpg 9be0d4"},
	{"calendar", "mutua calendar [RESOURCE] [--from DATE] [--to DATE] [--ics] [--out FILE]\n"
		     "mutua calendar --subscribe [RESOURCE] [--person NAME]\n"
		     "mutua calendar --subscriptions\n"
		     "mutua calendar --revoke ID",
	 OPTS({"--from DATE", N_("the first day shown, e.g. 2026-12-01 (without --from and "
				 "--to the table shows a month back and three months ahead)")},
	      {"--to DATE", N_("the last day shown, e.g. 2026-12-31")},
	      {"--ics", N_("write an iCalendar feed instead of a table")},
	      {"--out FILE", N_("write to FILE instead of the standard output")},
	      {"--subscribe", N_("print a secret iCal URL of the calendar (or of RESOURCE's) for "
				 "Thunderbird, Outlook or a phone; the web page serves it")},
	      {"--person NAME", N_("with --subscribe: the loans this staff person acted on")},
	      {"--subscriptions", N_("list the calendar subscriptions, revoked or not")},
	      {"--revoke ID", N_("end subscription ID: its URL no longer answers")}),
	 "mutua calendar --from 2026-12-01 --to 2026-12-31\n"
	 "mutua calendar --ics --out loans.ics\n"
	 "mutua calendar --subscribe 'Camion frigorifique'"},
	{"balance", "mutua balance [--member NAME|ID]",
	 OPTS({"--member NAME|ID", N_("only this member's balance")}),
	 "mutua balance --member 'Régie de quartier'"},
	{"export-csv", "mutua export-csv --out FILE [--from DATE] [--to DATE] [--excel|--no-excel]",
	 OPTS({"--out FILE", N_("the CSV file to write")},
	      {"--from DATE", N_("loans closed from this day")},
	      {"--to DATE", N_("loans closed up to this day")},
	      {"--excel", N_("';', decimal commas and a UTF-8 BOM (the default in a French locale)")},
	      {"--no-excel", N_("',' and decimal points, whatever the locale")}),
	 "mutua export-csv --out loans-2026.csv --from 2026-01-01 --to 2026-12-31"},
	{"propose",
	 "mutua propose admit CARD [--college C] [--reason TEXT]\n"
	 "mutua propose exclude MEMBER [--reason TEXT]\n"
	 "mutua propose set credit-limit|threshold|quorum|duration|close-grace|open-proposals|\n"
	 "    reason-max|entries-per-day|bytes-per-day VALUE [--reason TEXT]\n"
	 "mutua propose rekey MEMBER CARD [--upto SEQ] [--reason TEXT]\n"
	 "mutua propose settle REQ USAGE [--forfeit CREDITS] [--reason TEXT]",
	 OPTS({"--college C", N_("admit: the new member's college")},
	      {"--reason TEXT", N_("why, shown to the voters")},
	      {"--upto SEQ", N_("rekey: the last entry of the old key that stays valid")},
	      {"--forfeit CREDITS", N_("settle: the part of the deposit the borrower forfeits")}),
	 N_("mutua propose admit newcomer.card --reason 'joins the tool library'")},
	{"proposals", "mutua proposals [--open]",
	 OPTS({"--open", N_("only the proposals still open to vote")}),
	 "mutua proposals --open"},
	{"vote", "mutua vote PROPOSAL yes|no|abstain", NO_OPTS, "mutua vote 51c0aa yes"},
	{"tally", "mutua tally PROPOSAL", NO_OPTS, "mutua tally 51c0aa"},
	{"export", "mutua export --out FILE",
	 OPTS({"--out FILE", N_("the bundle file to write")}),
	 "mutua export --out mutua-2026.bundle"},
	{"audit", "mutua audit [FILE] [--genesis GENESIS | --trust-bundle-genesis] [--threads N]",
	 OPTS({"--genesis GENESIS", N_("the auditor's own copy of the genesis file, to check the bundle's against")},
	      {"--trust-bundle-genesis", N_("take the federation from the bundle itself (a forged one would pass)")},
	      {"--threads N", N_("how many threads check signatures (at most 16)")}),
	 "mutua audit mutua-2026.bundle --genesis genesis.txt"},
	{"report", "mutua report --html --out FILE [--from DATE] [--to DATE]\n"
		   "       [--bundle FILE --genesis GENESIS]",
	 OPTS({"--html", N_("write the report as one HTML page")},
	      {"--out FILE", N_("the HTML file to write")},
	      {"--from DATE", N_("the first day of the period")},
	      {"--to DATE", N_("the last day of the period")},
	      {"--bundle FILE", N_("an auditor's report from an exported bundle, no home needed")},
	      {"--genesis GENESIS", N_("with --bundle: the auditor's own copy of the genesis file")}),
	 "mutua report --html --out report-2026.html --from 2026-01-01 --to 2026-12-31"},
	{"checkpoint", "mutua checkpoint", NO_OPTS, "mutua checkpoint"},
	{"witness", "mutua witness", NO_OPTS, "mutua witness"},
	{"proof", "mutua proof REQ --out FILE",
	 OPTS({"--out FILE", N_("the proof file to write")}),
	 "mutua proof 9be0d4 --out loan.proof"},
	{"fork-proof", "mutua fork-proof MEMBER --out FILE",
	 OPTS({"--out FILE", N_("the proof file to write")}),
	 "mutua fork-proof 'Atelier Sud' --out fork.proof"},
	{"verify-proof", "mutua verify-proof FILE --genesis GENESIS",
	 OPTS({"--genesis GENESIS", N_("the genesis file of the federation the proof claims")}),
	 "mutua verify-proof loan.proof --genesis genesis.txt"},
	{"log", "mutua log [--member NAME|ID] [--limit N]",
	 OPTS({"--member NAME|ID", N_("only this member's entries")},
	      {"--limit N", N_("at most N entries")}),
	 "mutua log --limit 20"},
	{"reindex", "mutua reindex", NO_OPTS, "mutua reindex"},
	{"sync", "mutua sync [MEMBER@]URL [--timeout SECONDS]",
	 OPTS({"--timeout SECONDS", N_("how long to wait for the peer (at most 86400)")}),
	 "mutua sync tcp://atelier.example.org:7664"},
	{"status", "mutua status", NO_OPTS, "mutua status"},
	{"doctor", "mutua doctor", NO_OPTS, "mutua doctor"},
	{"feed", "mutua feed stop|resume MEMBER", NO_OPTS, "mutua feed stop Delta"},
	{"staff",
	 "mutua staff add CARD --name NAME --role borrow|lend|admin [--role ...] [--until DATE]\n"
	 "    [--endpoint URL] [--email ADDRESS [--lang fr|en|auto]]\n"
	 "mutua staff add --web --email ADDRESS --name NAME --role ROLE [--role ...] [--until DATE]\n"
	 "    [--lang fr|en|auto]\n"
	 "mutua staff revoke NAME|ID [--reason TEXT]\n"
	 "mutua staff email NAME|ID ADDRESS|--clear [--lang fr|en|auto]\n"
	 "mutua staff email NAME|ID --lang fr|en|auto\n"
	 "mutua staff list [--all]\n"
	 "mutua staff init [--name NAME] [--invitation LINE | --node MEMBER@URL --server-key KEY]",
	 OPTS({"--name NAME", N_("the staff person's name, as the member knows them")},
	      {"--web", N_("add: the node makes the person's key, for its web page (no card); "
			   "prints a first-sign-in link, usable once within 7 days")},
	      {"--role ROLE", N_("borrow, lend or admin; repeat for several")},
	      {"--until DATE", N_("the last day the delegation covers (signed times of the entries)")},
	      {"--email ADDRESS", N_("where mutuad mails what needs this person (kept on this "
				     "node only, never signed); with --web, also how they sign in")},
	      {"--lang fr|en|auto", N_("the language of this person's mails: French, English, "
				       "or auto for mutuad's own (the default)")},
	      {"--clear", N_("email: no more mail to this person")},
	      {"--reason TEXT", N_("revoke: why, kept in the member's feed")},
	      {"--all", N_("list: the revoked delegations too")},
	      {"--endpoint URL", N_("add: where this node listens, for the invitation it prints "
				    "(default: the first endpoint this member publishes)")},
	      {"--invitation LINE", N_("init: the line 'mutua staff add' printed for you")},
	      {"--node MEMBER@URL", N_("init: the member's id and its node's endpoint, without "
				       "an invitation")},
	      {"--server-key KEY", N_("init: the node's transport key (64 hex digits), with "
				      "--node")}),
	 N_("mutua --home ~/.mutua-staff staff init --name 'Léa Martin'   (on Léa's computer)\n"
	    "mutua staff add lea.card --name 'Léa Martin' --role borrow --until 2027-06-30\n"
	    "mutua staff add --web --email lea@example.org --name 'Léa Martin' --role borrow\n"
	    "mutua staff email 'Léa Martin' lea.martin@regie.example.org --lang fr\n"
	    "mutua --home ~/.mutua-staff staff init --invitation mutua-staff:...\n"
	    "mutua staff revoke 'Léa Martin' --reason 'left the association'")},
};

const struct help_cmd *help_find(const char *name)
{
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static void print_lines(FILE *f, const char *first, const char *next, const char *text)
{
	const char *lead = first;
	while (*text) {
		size_t n = strcspn(text, "\n");
		fprintf(f, "%s%.*s\n", lead, (int)n, text);
		text += n + (text[n] == '\n');
		lead = next;
	}
}

void help_usage(FILE *f, const struct help_cmd *h)
{
	/* continuation lines of the synopsis start with spaces; others are
	 * further forms of the command */
	const char *s = h->synopsis;
	int first = 1;
	while (*s) {
		size_t n = strcspn(s, "\n");
		const char *lead = _("usage: ");
		int w = 0; /* further forms start under the first */
		for (const char *p = lead; *p; p++)
			w += ((unsigned char)*p & 0xc0) != 0x80;
		fprintf(f, "%*s%.*s\n", first ? 0 : *s == ' ' ? 0 : w, first ? lead : "", (int)n, s);
		s += n + (s[n] == '\n');
		first = 0;
	}
}

void help_print(FILE *f, const char *summary, const struct help_cmd *h)
{
	help_usage(f, h);
	fprintf(f, "\n%s\n", _(summary));
	if (h->opts[0].spec) {
		fputs(_("\noptions:\n"), f);
		for (const struct help_opt *o = h->opts; o->spec; o++)
			fprintf(f, "  %-26s %s\n", o->spec, _(o->text));
	}
	fputs(_("\nglobal options, anywhere on the line:\n"
		"  --home DIR                 this member's home (else $MUTUA_HOME, else ~/.mutua)\n"
		"  --json                     JSON output\n"
		"  --help, -h                 this help\n"),
	      f);
	fputs(_("\nexample:\n"), f);
	print_lines(f, "  ", "  ", _(h->example));
}

int help_opt_takes_value(const struct help_opt *o)
{
	return strchr(o->spec, ' ') != NULL;
}

const struct help_opt *help_option(const struct help_cmd *h, const char *arg)
{
	/* the exact name, else an unambiguous prefix (as getopt_long takes) */
	const struct help_opt *prefix = NULL;
	int nprefix = 0;
	size_t n = strcspn(arg, "=");
	for (const struct help_opt *o = h->opts; o->spec; o++) {
		size_t m = strcspn(o->spec, " ");
		if (n > m || strncmp(o->spec, arg, n) != 0)
			continue;
		if (m == n)
			return o;
		prefix = o;
		nprefix++;
	}
	return nprefix == 1 && n > 2 ? prefix : NULL;
}

size_t help_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > HELP_WORD_MAX || lb > HELP_WORD_MAX)
		return SIZE_MAX;
	size_t d[HELP_WORD_MAX + 1][HELP_WORD_MAX + 1];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *help_suggest(const char *word, const char *const *words, size_t n)
{
	const char *best = NULL;
	size_t bestd = HELP_DISTANCE_MAX + 1;
	for (size_t i = 0; i < n; i++) {
		size_t d = help_distance(word, words[i]);
		if (d < bestd) {
			bestd = d;
			best = words[i];
		}
	}
	return best;
}
