/* cmd_lend.c - lending: borrow, accept, decline, cancel, handover, return,
 * close, and what follows from them: requests, calendar, balance,
 * export-csv. The rule for accepting is booking_can_accept, applied by
 * lending_accept (lending.c); who may take which step after which state is
 * the table of loan.h (loan_step_check), the one the fold applies: a step
 * it refuses is refused here with the same reason. */
#include "cli.h"
#include "amount.h"
#include "i18n.h"
#include "entry.h"
#include "ical.h"
#include "file.h"
#include "i18n.h"
#include "lending.h"
#include "loan_read.h"
#include "loan.h"
#include "style.h"
#include "util.h"
#include "view.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Usage in thousandths of a unit, as typed (amount.h). */
/* Now for the CLI's own decisions and displays: this computer's clock, or
 * MUTUA_NOW, the date a test or a demo replays. -1 when MUTUA_NOW is not
 * a date (err_set). */
static int cli_now(int64_t *now)
{
	const char *pinned = getenv("MUTUA_NOW");
	*now = clock_now_ms();
	return pinned && *pinned ? clock_parse(pinned, 0, now) : 0;
}

int usage_parse(const char *s, int64_t *out)
{
	return amount_parse_usage(s, (int64_t)USAGE_MAX, out);
}

/* The request named by arg (an id or its prefix), known with its resource. */
static int load_loan(struct ctx *c, const char *arg, struct lending_loan *l)
{
	uint8_t id[32];
	int rc = resolve_id(c, "request", &view_loan_ids, arg, id);
	if (rc)
		return rc;
	rc = lending_loan_get(c->store, id, l);
	if (rc < 0)
		return fail_err(EXIT_REFUSED, NULL);
	if (rc == 0)
		return fail(EXIT_REFUSED, "no request with id '%s'", arg);
	if (!l->has_owner)
		return fail(EXIT_REFUSED, "request '%s' names a resource this node does not "
					  "know yet (sync first)", arg);
	return EXIT_OK;
}

static const char *state_words(const char *state)
{
	enum loan_state ls;
	return loan_state_parse(state, &ls) ? state : loan_state_words(ls);
}

static void print_step(struct ctx *c, const struct lending_loan *l, const char *state)
{
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, l->id, 32);
	if (c->json)
		printf("{\"id\":\"%s\",\"state\":\"%s\"}\n", hex, state);
	else
		printf("%s %s\n", hex, C_("state", state) != state ? C_("state", state)
								    : state_words(state));
}

/* The state the loan is in once the step is folded. */
static const char *state_now(struct ctx *c, const uint8_t id[32], const char *dflt)
{
	struct lending_loan l;
	return lending_loan_get(c->store, id, &l) == 1 ? loan_state_name(l.state) : dflt;
}

/* The offer's terms in words, for a borrower who has not confirmed them:
 * its conditions (cut), requirements and deposit, joined by "; ". */
static void terms_words(char *out, size_t cap, const struct offer_info *o)
{
	char part[3][160], a[32];
	int n = 0;
	if (*o->conditions)
		snprintf(part[n++], sizeof part[0], _("conditions \"%.60s%s\""), o->conditions,
			 strlen(o->conditions) > 60 ? "..." : "");
	if (*o->requires)
		snprintf(part[n++], sizeof part[0], _("requires %s"), o->requires);
	if (o->deposit > 0) {
		amount_format(a, o->deposit);
		snprintf(part[n++], sizeof part[0], _("deposit %s"), a);
	}
	out[0] = 0;
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? "; " : "", part[i]);
}

int cmd_borrow(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua borrow RESOURCE --from TIME --to TIME [--quantity N] "
				  "[--note TEXT] [--wait]\n"
				  "       [--repeat weekly --until DATE] [--confirm[=REQ,...]] [--estimate N]";
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"quantity", required_argument, NULL, 'q'},
		{"note", required_argument, NULL, 'n'},
		{"wait", no_argument, NULL, 'w'},
		{"repeat", required_argument, NULL, 'R'},
		{"until", required_argument, NULL, 'U'},
		{"confirm", optional_argument, NULL, 'c'},
		{"estimate", required_argument, NULL, 'e'},
		{0},
	};
	const char *from = NULL, *to = NULL, *note = NULL, *repeat = NULL, *until_arg = NULL;
	uint64_t quantity = 1;
	int64_t start, end, until = 0;
	int o, rc, wait = 0;
	/* --confirm=LIST: the requirements the borrower holds */
	char list[REQUIRES_MAX * (REQUIREMENT_MAX_LEN + 1) + 1];
	const char *held[REQUIRES_MAX];
	struct lending_confirm cf = {0, NULL, 0, -1};
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'w': wait = 1; break;
		case 'R': repeat = optarg; break;
		case 'U': until_arg = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'n': note = optarg; break;
		case 'q':
			/* "-1" is a number, but not a quantity: say what one is */
			if (!isdigit((unsigned char)*optarg) ||
			    strspn(optarg, "0123456789") != strlen(optarg) ||
			    strtoull(optarg, NULL, 10) < 1)
				return fail(EXIT_USAGE, "--quantity: '%s' must be a whole number, "
					    "1 or more", optarg);
			if (parse_u64("--quantity", optarg, CAPACITY_MAX, &quantity))
				return EXIT_USAGE;
			break;
		case 'c':
			cf.confirm = 1;
			if (!optarg)
				break;
			if (strlen(optarg) >= sizeof list)
				return fail(EXIT_USAGE, "--confirm: at most %d requirements",
					    REQUIRES_MAX);
			snprintf(list, sizeof list, "%s", optarg);
			cf.requires = held;
			cf.n_requires = 0;
			for (char *p = strtok(list, ","); p; p = strtok(NULL, ",")) {
				if (entry_check_requirement(p))
					return fail_err(EXIT_USAGE, "--confirm");
				if (cf.n_requires == REQUIRES_MAX)
					return fail(EXIT_USAGE, "--confirm: at most %d requirements",
						    REQUIRES_MAX);
				held[cf.n_requires++] = p;
			}
			break;
		case 'e':
			if (usage_parse(optarg, &cf.estimate))
				return fail_err(EXIT_USAGE, "--estimate");
			break;
		default: return usage(use);
		}
	}
	if (!from)
		return missing("borrow", "--from", use);
	if (!to)
		return missing("borrow", "--to", use);
	if (optind == argc)
		return missing("borrow", "RESOURCE (an offer's id prefix)", use);
	if (optind != argc - 1)
		return usage(use);
	if (clock_parse(from, 0, &start))
		return fail_err(EXIT_USAGE, "--from");
	if (clock_parse(to, 1, &end))
		return fail_err(EXIT_USAGE, "--to");
	if (note && text_check("--note", note, NOTE_MAX_LEN, 1))
		return fail_err(EXIT_USAGE, NULL);
	if (!repeat != !until_arg)
		return missing("borrow", repeat ? "--until" : "--repeat", use);
	if (repeat && strcmp(repeat, "weekly") != 0)
		return fail(EXIT_USAGE, "--repeat: unknown rule '%s' (weekly)", repeat);
	if (until_arg && clock_parse(until_arg, 1, &until))
		return fail_err(EXIT_USAGE, "--until");
	if (until_arg) {
		/* the ledger's own check of a series, before anything is signed */
		Mutua__Request r = MUTUA__REQUEST__INIT;
		r.start = start;
		r.end = end;
		r.has_repeat = r.has_until = 1;
		r.repeat = ENTRY_REPEAT_WEEKLY;
		r.until = until;
		if (end > start && entry_series_count(&r) < 0)
			return fail_err(EXIT_USAGE, "--repeat");
	}
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	uint8_t res[32];
	if ((rc = resolve_id(c, "offer", &view_offer_ids, argv[optind], res)))
		return rc;
	if (end <= start)
		return fail(EXIT_REFUSED, "the slot ends (%s) before it starts (%s)", to, from);
	/* the CLI's decision, by this computer's clock (or MUTUA_NOW, the
	 * date a test or a demo replays): the fold cannot use one (DESIGN.md,
	 * invariant 9), so a request signed elsewhere for a past slot is
	 * still a request, which its owner declines */
	int64_t now;
	if (cli_now(&now))
		return fail_err(EXIT_USAGE, "MUTUA_NOW");
	if (end <= now)
		return fail(EXIT_REFUSED, "the slot ends in the past (%s): choose a slot to come", to);
	if (start < now && !c->json)
		fprintf(stderr, _("mutua: warning: the slot started in the past (%s); the request "
				  "covers what is left of it\n"), from);
	struct offer_info off;
	rc = loan_read_offer(c->store, res, &off);
	if (rc < 0)
		return fail_err(EXIT_REFUSED, "store");
	if (rc == 1 && !cf.confirm && (*off.conditions || *off.requires || off.deposit > 0)) {
		char words[512];
		terms_words(words, sizeof words, &off);
		return fail(EXIT_REFUSED, "'%s' has terms to confirm (%s): read them with 'mutua offer "
			    "show %.12s', then borrow with --confirm (or --confirm=REQ,... for the "
			    "requirements you hold)", off.title, words, argv[optind]);
	}
	if (rc == 1 && cf.estimate < 0 &&
	    (strcmp(off.unit, "km") == 0 || strcmp(off.unit, "m3") == 0))
		return fail(EXIT_USAGE, "--estimate is needed: '%s' is counted in %s (the usage you "
			    "expect, held against your credit limit until the loan settles)",
			    off.title, off.unit);
	uint8_t id[32];
	if (lending_borrow_terms(c->store, c->key, res, start, end, quantity, note, wait, until,
				 NULL, &cf, id))
		return fail_err(EXIT_REFUSED, NULL);
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, 32);
	int n = 1;
	if (until) {
		Mutua__Request r = MUTUA__REQUEST__INIT;
		r.start = start;
		r.end = end;
		r.has_repeat = r.has_until = 1;
		r.repeat = ENTRY_REPEAT_WEEKLY;
		r.until = until;
		n = entry_series_count(&r);
	}
	if (c->json) {
		printf("{\"id\":\"%s\",\"state\":\"requested\"", hex);
		if (until)
			printf(",\"occurrences\":%d", n);
		puts("}");
	} else {
		puts(hex);
		if (until)
			fprintf(stderr, _("mutua: a weekly series of %d occurrences, each a loan of its "
					  "own ('mutua requests' lists them)\n"), n);
	}
	return EXIT_OK;
}

/* accept | decline | cancel | handover | return | close | agree | dispute:
 * what the command
 * line needs; who may take a step and after which state is the ledger's
 * table (loan_step_check) */
struct step {
	enum loan_step step;
	const char *use;
	int usage;                     /* takes --usage */
	int report;                    /* takes a condition report */
};

#define REPORT_USE "\n       [--meter N] [--fuel LEVEL] [--damage TEXT] [--photo FILE]..."
static const struct step steps[] = {
	{LOAN_ACCEPT, "mutua accept REQ [--series]", 0, 0},
	{LOAN_DECLINE, "mutua decline REQ [--reason TEXT] [--waitlist] [--series]", 0, 0},
	{LOAN_CANCEL, "mutua cancel REQ [--reason TEXT]", 0, 0},
	{LOAN_HANDOVER, "mutua handover REQ [--note TEXT]" REPORT_USE, 0, 1},
	{LOAN_RETURN, "mutua return REQ [--usage N] [--note TEXT]" REPORT_USE, 1, 1},
	{LOAN_CLOSE, "mutua close REQ [--usage N] [--note TEXT] [--forfeit CREDITS]" REPORT_USE,
	 1, 1},
	{LOAN_AGREE, "mutua agree REQ [--note TEXT]", 0, 0},
	{LOAN_DISPUTE, "mutua dispute REQ --reason TEXT", 0, 0},
};

/* accept or decline --series: the step for each occurrence of l's series
 * still pending (requested or waiting), one by one, each checked and
 * signed in its own transaction; those refused are named. 0 when every
 * one was taken, 1 otherwise. */
static int run_series(struct ctx *c, enum loan_step step, const struct lending_loan *l,
		      const char *note, int waitlist)
{
	struct view_arg a[] = {VIEW_ID(l->id)};
	struct view_rows *r = view_open(c->store, &view_series, a, 1, 0);
	if (!r)
		return fail_err(EXIT_REFUSED, "store");
	uint8_t (*ids)[32] = NULL;
	size_t n = 0;
	int rc;
	while ((rc = view_next(r)) == 1) {
		void *more = realloc(ids, (n + 1) * sizeof *ids);
		if (!more)
			break;
		ids = more;
		if (hex_decode(ids[n], 32, view_text(r, 0)) == 0)
			n++;
	}
	view_close(&r);
	if (rc != 0) {
		free(ids);
		return fail(EXIT_REFUSED, rc < 0 ? "store: %s" : "%s", rc < 0 ? err_msg() : "out of memory");
	}
	if (n == 0) {
		free(ids);
		return fail(EXIT_REFUSED, "no occurrence of this series is pending");
	}
	int refused = 0;
	for (size_t i = 0; i < n; i++) {
		struct lending_loan o;
		struct booking_check chk;
		const char *why = NULL;
		if (lending_loan_get(c->store, ids[i], &o) != 1)
			continue;
		if (step == LOAN_ACCEPT) {
			int can = lending_accept(c->store, c->key, o.id, NULL, &chk);
			why = can < 0 ? err_msg() : can == 0 ? chk.why : NULL;
		} else if ((waitlist ? lending_waitlist(c->store, c->key, o.id, note,
							NULL)
				     : lending_append(c->store, c->key, MUTUA__BODY__PAYLOAD_DECLINE, o.id,
						      note, -1, -1, NULL))) {
			why = err_msg();
		}
		char hex[HEX_ID_LEN + 1], day[CLOCK_BUF];
		hex_encode(hex, o.id, 32);
		clock_format_utc(day, o.start);
		if (why) {
			refused++;
			fprintf(stderr, _("mutua: occurrence %.12s (%s) not %s: %s\n"), hex, day,
				step == LOAN_ACCEPT ? _("accepted") : _("declined"), why);
			continue;
		}
		print_step(c, &o, state_now(c, o.id, "?"));
	}
	free(ids);
	return refused ? EXIT_REFUSED : EXIT_OK;
}

static int run_step(struct ctx *c, const struct step *sp, int argc, char **argv)
{
	static const struct option opts[] = {
		{"reason", required_argument, NULL, 'r'},
		{"note", required_argument, NULL, 'r'},
		{"usage", required_argument, NULL, 'u'},
		{"waitlist", no_argument, NULL, 'w'},
		{"series", no_argument, NULL, 'S'},
		{"meter", required_argument, NULL, 'm'},
		{"fuel", required_argument, NULL, 'F'},
		{"damage", required_argument, NULL, 'd'},
		{"photo", required_argument, NULL, 'p'},
		{"forfeit", required_argument, NULL, 'x'},
		{0},
	};
	const char *note = NULL, *usage_arg = NULL;
	int o, rc, waitlist = 0, series = 0, reported = 0;
	uint8_t photos[PHOTOS_MAX][32];
	struct lending_report rep = {-1, -1, NULL, photos, 0};
	struct lending_extra ex = {NULL, 0, 0};
	uint64_t meter;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (strchr("mFdp", o) && o && !sp->report)
			return usage(sp->use);
		if (o == 'x' && sp->step != LOAN_CLOSE)
			return usage(sp->use);
		reported |= o && strchr("mFdp", o) != NULL;
		switch (o) {
		case 'r': note = optarg; break;
		case 'w':
			if (sp->step != LOAN_DECLINE)
				return usage(sp->use);
			waitlist = 1;
			break;
		case 'S':
			if (sp->step != LOAN_DECLINE && sp->step != LOAN_ACCEPT)
				return usage(sp->use);
			series = 1;
			break;
		case 'm':
			if (parse_u64("--meter", optarg, METER_MAX, &meter))
				return EXIT_USAGE;
			rep.meter = (int64_t)meter;
			break;
		case 'F':
			if (loan_fuel_parse(optarg, &rep.fuel))
				return fail_err(EXIT_USAGE, "--fuel");
			break;
		case 'd':
			if (text_check("--damage", optarg, NOTE_MAX_LEN, 1))
				return fail_err(EXIT_USAGE, NULL);
			rep.damage = optarg;
			break;
		case 'p':
			if (rep.n_photos == PHOTOS_MAX)
				return fail(EXIT_USAGE, "--photo: at most %d photos a report",
					    PHOTOS_MAX);
			/* the file stays with the members: its hash is signed */
			if (file_hash(optarg, photos[rep.n_photos]))
				return fail_err(EXIT_USAGE, "--photo");
			rep.n_photos++;
			break;
		case 'x':
			if (amount_parse(optarg, 0, &ex.forfeit))
				return fail_err(EXIT_USAGE, "--forfeit");
			if (ex.forfeit < 1 || ex.forfeit > DEPOSIT_MAX)
				return fail(EXIT_USAGE, "--forfeit: from 0.01 to the request's deposit");
			break;
		case 'u':
			if (!sp->usage)
				return usage(sp->use);
			usage_arg = optarg;
			break;
		default: return usage(sp->use);
		}
	}
	if (optind != argc - 1 || (note && sp->step == LOAN_ACCEPT))
		return usage(sp->use);
	if (sp->step == LOAN_DISPUTE && (!note || !*note))
		return missing("dispute", "--reason", sp->use);
	int64_t use = -1;
	if (usage_arg && usage_parse(usage_arg, &use))
		return fail_err(EXIT_USAGE, "--usage");
	if (note && text_check("note", note, NOTE_MAX_LEN, 1))
		return fail_err(EXIT_USAGE, NULL);
	struct lending_loan l;
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) || (rc = load_loan(c, argv[optind], &l)))
		return rc;

	if (series)
		return run_series(c, sp->step, &l, note, waitlist);
	/* who may take the step, and after which state, is the fold's to
	 * say: the ledger refuses what it would ignore, with its reason */
	const char *name = loan_step_name(sp->step);
	const char *to = loan_state_name(loan_step_to(sp->step));
	if (sp->step == LOAN_ACCEPT) {
		/* checked and appended in one transaction: the daemon's
		 * auto-answer or another staff member cannot slip in between */
		struct booking_check chk;
		int can = lending_accept(c->store, c->key, l.id, NULL, &chk);
		if (can <= 0)
			return fail(EXIT_REFUSED, "cannot accept: %s", can ? err_msg_local() : chk.why);
		print_step(c, &l, to);
		return EXIT_OK;
	}
	if (sp->usage && use < 0) {
		/* the return states the borrower's figure, by default the slot's
		 * whole units; the close confirms the return's, else (no
		 * return, after the grace) the slot's */
		use = lending_step_usage(&l, sp->step);
		if (use < 0)
			return fail(EXIT_USAGE, "--usage is needed: '%s' is counted in %s",
				    l.title, l.unit);
	}
	if (waitlist) {
		if (lending_waitlist(c->store, c->key, l.id, note, NULL))
			return fail(EXIT_REFUSED, "cannot put on the waitlist: %s", err_msg());
		print_step(c, &l, state_now(c, l.id, "waiting"));
		return EXIT_OK;
	}
	/* the rate is the request's, agreed by the borrower: none is sent */
	int64_t rate = -1;
	if (reported)
		ex.report = &rep;
	if (lending_append_ex(c->store, c->key, loan_step_payload(sp->step), l.id, note, use, rate,
			      NULL, &ex))
		return fail(EXIT_REFUSED, "cannot %s: %s", name, err_msg_local());
	print_step(c, &l, state_now(c, l.id, to));
	return EXIT_OK;
}

int cmd_step(struct ctx *c, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
		if (strcmp(argv[0], loan_step_name(steps[i].step)) == 0)
			return run_step(c, &steps[i], argc, argv);
	return fail(EXIT_USAGE, "unknown step '%s'", argv[0]);
}

/* ---- blocks: the owner's own use ---------------------------------------- */

int cmd_block(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua block RESOURCE --from TIME --to TIME [--quantity N]\n"
				  "       --reason internal|maintenance|other [--note TEXT]";
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"quantity", required_argument, NULL, 'q'},
		{"reason", required_argument, NULL, 'r'},
		{"note", required_argument, NULL, 'n'},
		{0},
	};
	const char *from = NULL, *to = NULL, *note = NULL, *why = NULL;
	uint64_t quantity = 0;
	uint32_t reason;
	int64_t start, end;
	int o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'n': note = optarg; break;
		case 'r': why = optarg; break;
		case 'q':
			if (parse_u64("--quantity", optarg, CAPACITY_MAX, &quantity))
				return EXIT_USAGE;
			if (quantity < 1)
				return fail(EXIT_USAGE, "--quantity: must be at least 1");
			break;
		default: return usage(use);
		}
	}
	if (!from)
		return missing("block", "--from", use);
	if (!to)
		return missing("block", "--to", use);
	if (!why)
		return missing("block", "--reason", use);
	if (optind == argc)
		return missing("block", "RESOURCE (an offer's id prefix)", use);
	if (optind != argc - 1)
		return usage(use);
	if (entry_block_reason_parse(why, &reason))
		return fail_err(EXIT_USAGE, "--reason");
	if (clock_parse(from, 0, &start))
		return fail_err(EXIT_USAGE, "--from");
	if (clock_parse(to, 1, &end))
		return fail_err(EXIT_USAGE, "--to");
	if (note && text_check("--note", note, NOTE_MAX_LEN, 1))
		return fail_err(EXIT_USAGE, NULL);
	if (end <= start)
		return fail(EXIT_USAGE, "the slot ends (%s) before it starts (%s)", to, from);
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	uint8_t res[32], id[32];
	if ((rc = resolve_id(c, "offer", &view_offer_ids, argv[optind], res)))
		return rc;
	if (booking_block_append(c->store, c->key, res, start, end, (int64_t)quantity, reason,
				 note, NULL, id))
		return fail(EXIT_REFUSED, "cannot block: %s", err_msg());
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, 32);
	/* the pending requests it now conflicts with, for the owner to answer */
	struct view_arg a[] = {VIEW_ID(id)};
	struct view_rows *r = view_open(c->store, &view_block_conflicts, a, 1, 0);
	int n = 0;
	while (r && view_next(r) == 1) {
		if (!c->json)
			fprintf(stderr, _("mutua: request %.12s of %s (%s to %s) now conflicts with "
					  "this block: decline it or keep it as waitlist\n"),
				view_text(r, 0), view_text(r, 1), view_text(r, 2), view_text(r, 3));
		n++;
	}
	view_close(&r);
	if (c->json)
		printf("{\"id\":\"%s\",\"conflicts\":%d}\n", hex, n);
	else
		puts(hex);
	return EXIT_OK;
}

int cmd_unblock(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua unblock BLOCK";
	int rc;
	if (argc != 2 || argv[1][0] == '-')
		return usage(use);
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	uint8_t id[32];
	if ((rc = resolve_id(c, "block", &view_block_ids, argv[1], id)))
		return rc;
	if (booking_unblock_append(c->store, c->key, id, NULL))
		return fail(EXIT_REFUSED, "cannot unblock: %s", err_msg());
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, 32);
	if (c->json)
		printf("{\"id\":\"%s\",\"state\":\"unblocked\"}\n", hex);
	else
		printf("%s %s\n", hex, _("unblocked"));
	return EXIT_OK;
}

/* ---- listings --------------------------------------------------------- */

/* One end of a slot, short, in local time: "12-05" at midnight (dates
 * only), else "12-05 08:00", or only "08:00" (with_date 0); the year first
 * when it is not this one. */
static void slot_end(char *out, size_t n, const struct tm *tm, int with_date, int with_time)
{
	time_t now = time(NULL);
	struct tm tn;
	localtime_r(&now, &tn);
	const char *fmt = !with_date ? "%H:%M"
			  : !with_time ? (tm->tm_year == tn.tm_year ? "%m-%d" : "%Y-%m-%d")
			  : tm->tm_year == tn.tm_year ? "%m-%d %H:%M" : "%Y-%m-%d %H:%M";
	strftime(out, n, fmt, tm);
}

/* The local offset of tm: "+01:00". */
static void slot_offset(char *out, size_t n, const struct tm *tm)
{
	char z[8];
	strftime(z, sizeof z, "%z", tm);
	snprintf(out, n, "%.3s:%.2s", z, z + 3);
}

/* The slot [from, to) in local time, short, with its offset: "12-05" or
 * "12-05→12-07" for whole days (the last day, as typed: --to is the day's
 * end), "12-05 08:00-10:00 +01:00" within a day, "12-05 08:00→12-06 10:00
 * +01:00" over several, each end with its own offset when summer time
 * changes between them. */
static void slot_text(char *out, size_t n, int64_t from, int64_t to)
{
	char a[20], b[20], za[8], zb[8];
	time_t tf = (time_t)(from / 1000), tt = (time_t)(to / 1000);
	struct tm mf, mt;
	localtime_r(&tf, &mf);
	localtime_r(&tt, &mt);
	int days = !mf.tm_hour && !mf.tm_min && !mt.tm_hour && !mt.tm_min;
	if (days) {
		time_t last = tt - 3600; /* a time of the last day */
		struct tm ml;
		localtime_r(&last, &ml);
		slot_end(a, sizeof a, &mf, 1, 0);
		slot_end(b, sizeof b, &ml, 1, 0);
		if (ml.tm_year == mf.tm_year && ml.tm_yday == mf.tm_yday)
			snprintf(out, n, "%s", a);
		else
			snprintf(out, n, "%s\u2192%s", a, b);
		return;
	}
	slot_offset(za, sizeof za, &mf);
	slot_offset(zb, sizeof zb, &mt);
	int same_day = mf.tm_year == mt.tm_year && mf.tm_yday == mt.tm_yday;
	slot_end(a, sizeof a, &mf, 1, 1);
	slot_end(b, sizeof b, &mt, !same_day, 1);
	if (strcmp(za, zb) != 0)
		snprintf(out, n, "%s %s\u2192%s %s", a, za, b, zb);
	else
		snprintf(out, n, "%s%s%s %s", a, same_day ? "-" : "\u2192", b, za);
}

/* Appends to the note buf (used bytes so far) "; " and fmt with one
 * string; returns the bytes used, at most n - 1. */
static size_t note_add(char *buf, size_t n, size_t used, const char *fmt, const char *arg)
{
	if (used + 3 >= n)
		return used;
	if (used)
		used += (size_t)snprintf(buf + used, n - used, "; ");
	int w = snprintf(buf + used, n - used, fmt, arg);
	used += w > 0 ? (size_t)w : 0;
	return used < n ? used : n - 1;
}

enum { RQ_ID, RQ_RESOURCE, RQ_WITH, RQ_SLOT, RQ_STATE, RQ_CREDITS, RQ_COLS };

/* The requests as a table of at most 100 columns: an id prefix, the
 * resource (with its quantity), the other member, the slot, the state in
 * a word, the credits; a refusal's reason, a conflict or a claim on a
 * line of its own below. Everything else: --json, or requests show ID. */
static int requests_table(struct ctx *c, const struct view_arg *a)
{
	static const size_t cap[RQ_COLS] = {8, 18, 16, 40, 12, 12};
	static const char *const head[RQ_COLS] = {N_("ID"),   N_("RESOURCE"), N_("WITH"),
						  N_("SLOT"), N_("STATE"),    N_("CREDITS")};
	struct view_rows *r = view_open(c->store, &view_requests_brief, a, 4, 0);
	char **cells = NULL, **notes = NULL;
	size_t width[RQ_COLS], rows = 0, room = 0;
	int rc = 0;
	if (!r)
		return fail_err(EXIT_REFUSED, "store");
	for (int k = 0; k < RQ_COLS; k++)
		width[k] = cli_width(_(head[k]));
	while ((rc = view_next(r)) == 1) {
		if (rows == room) {
			room = room ? 2 * room : 32;
			char **mc = realloc(cells, room * RQ_COLS * sizeof *cells);
			char **mn = mc ? realloc(notes, room * sizeof *notes) : NULL;
			if (mc)
				cells = mc;
			if (!mn) {
				rc = err_set("out of memory");
				break;
			}
			notes = mn;
		}
		char buf[512], slot[128];
		const char *state = view_text(r, 7);
		char **row = cells + rows * RQ_COLS;
		int64_t q = view_int(r, 2);
		row[RQ_ID] = cli_cell(view_text(r, 0), 0);
		if (row[RQ_ID] && strlen(row[RQ_ID]) > 8)
			row[RQ_ID][8] = 0;
		if (q > 1)
			snprintf(buf, sizeof buf, "%lld\u00d7 %s", (long long)q, view_text(r, 1));
		else
			snprintf(buf, sizeof buf, "%s", view_text(r, 1));
		row[RQ_RESOURCE] = cli_cell(buf, cap[RQ_RESOURCE]);
		snprintf(buf, sizeof buf, view_int(r, 3) ? _("to %s") : _("from %s"),
			 view_text(r, 4));
		row[RQ_WITH] = cli_cell(buf, cap[RQ_WITH]);
		slot_text(slot, sizeof slot, view_int(r, 5), view_int(r, 6));
		row[RQ_SLOT] = cli_cell(slot, cap[RQ_SLOT]);
		row[RQ_STATE] = cli_cell(state ? C_("state", state) : "?", cap[RQ_STATE]);
		buf[0] = 0;
		if (!view_is_null(r, 8))
			amount_format_local(buf, view_int(r, 8));
		row[RQ_CREDITS] = cli_cell(buf, cap[RQ_CREDITS]);
		/* the week of a series, then why it stopped or what it waits
		 * on, then what else the owner should know: it now fits, or
		 * the pending requests it competes with */
		const char *reason = view_text(r, 9), *conflict = view_text(r, 10);
		size_t used = 0;
		buf[0] = 0;
		if (!view_is_null(r, 15))
			used = note_add(buf, sizeof buf, used, _("week %s"), view_text(r, 15));
		if (reason && *reason)
			used = note_add(buf, sizeof buf, used, _("reason: %s"), reason);
		else if (conflict && *conflict)
			/* the booking rule's words begin with "conflict" already */
			used = note_add(buf, sizeof buf, used, "%s", conflict);
		else if (!view_is_null(r, 11)) {
			char claim[64];
			snprintf(claim, sizeof claim, "%g %s", view_int(r, 11) / 1000.0,
				 view_text(r, 12) ? view_text(r, 12) : "");
			used = note_add(buf, sizeof buf, used, _("usage claimed by the owner: %s"),
					claim);
		}
		if (!view_is_null(r, 14))
			used = note_add(buf, sizeof buf, used, "%s", _("now possible"));
		if (!view_is_null(r, 13))
			used = note_add(buf, sizeof buf, used, _("competes with %s"), view_text(r, 13));
		/* the staff who acted on it, for the member (staff.h) */
		if (!view_is_null(r, 16))
			used = note_add(buf, sizeof buf, used, _("by %s"), view_text(r, 16));
		notes[rows] = buf[0] ? cli_cell(buf, 88) : NULL;
		for (int k = 0; k < RQ_COLS; k++) {
			if (!row[k]) {
				rc = err_set("out of memory");
				break;
			}
			if (cli_width(row[k]) > width[k])
				width[k] = cli_width(row[k]);
		}
		rows++;
		if (rc < 0)
			break;
	}
	view_close(&r);
	if (rc >= 0 && rows) {
		for (int k = 0; k < RQ_COLS; k++)
			printf("%s%*s", _(head[k]),
			       k < RQ_COLS - 1 ? (int)(width[k] - cli_width(_(head[k])) + 2) : 0, "");
		putchar('\n');
	}
	for (size_t i = 0; i < rows; i++) {
		for (int k = 0; k < RQ_COLS; k++) {
			const char *v = cells[i * RQ_COLS + k] ? cells[i * RQ_COLS + k] : "";
			if (rc >= 0)
				printf("%s%*s", v,
				       k < RQ_COLS - 1 ? (int)(width[k] - cli_width(v) + 2) : 0, "");
			free(cells[i * RQ_COLS + k]);
		}
		if (rc >= 0)
			printf(notes[i] ? "\n%*s%s\n" : "\n", (int)width[0] + 2, "", notes[i]);
		free(notes[i]);
	}
	free(cells);
	free(notes);
	return rc < 0 ? fail_err(EXIT_REFUSED, "store") : EXIT_OK;
}

/* mutua requests show ID: every field of one request and each step of
 * its loan, who signed it, when, and why. */
static int request_show(struct ctx *c, int argc, char **argv)
{
	uint8_t id[32];
	int rc;
	if (argc != 3)
		return usage("mutua requests show ID");
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) ||
	    (rc = resolve_id(c, "request", &view_loan_ids, argv[2], id)))
		return rc;
	struct view_arg a[] = {VIEW_ID(id), VIEW_INT(c->json)};
	if (out_record(c, &view_request, a, 2) != 1)
		return EXIT_REFUSED;
	if (c->json)
		return EXIT_OK;
	printf("\n%s\n", _("steps:"));
	static const char *const cols[] = {"time", "step", "by:24", "by_staff_json:28?", "usage",
					   "note:32", "report:48", "verdict", NULL};
	return out_rows(c, &view_request_steps, a, 1, cols) < 0 ? EXIT_REFUSED : EXIT_OK;
}

int cmd_verify_photo(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua verify-photo FILE REQ";
	uint8_t hash[32], id[32];
	int rc;
	if (argc != 3)
		return usage(use);
	if (file_hash(argv[1], hash))
		return fail_err(EXIT_USAGE, NULL);
	if ((rc = cli_open(c, NEED_FED)) ||
	    (rc = resolve_id(c, "request", &view_loan_ids, argv[2], id)))
		return rc;
	struct view_arg a[] = {VIEW_ID(hash), VIEW_ID(id)};
	int64_t taken = 0;
	struct view_rows *r = view_open(c->store, &view_photo_steps, a, 2, 0);
	if (!r)
		return fail_err(EXIT_REFUSED, "store");
	int col_taken = view_find(r, "taken"), n = 0;
	while ((rc = view_next(r)) == 1) {
		taken += view_int(r, col_taken) != 0;
		n++;
	}
	view_close(&r);
	if (rc < 0)
		return fail_err(EXIT_REFUSED, "store");
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, hash, 32);
	if (n) {
		/* which step, who signed it, when */
		static const char *const cols[] = {"step", "author_name:24", "time", "taken",
						   "verdict:40", "id.12", NULL};
		if (out_rows(c, &view_photo_steps, a, 2, cols) < 0)
			return EXIT_REFUSED;
	}
	if (taken)
		return EXIT_OK;
	if (n)
		return fail(EXIT_REFUSED, "photo %.12s is named only by steps of this loan that "
			    "took no effect", hex);
	return fail(EXIT_REFUSED, "photo %.12s (BLAKE2b-256 of '%s') is not one recorded on "
		    "this loan", hex, argv[1]);
}

int cmd_requests(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua requests [--incoming|--outgoing] [--state STATE]\n"
				  "       mutua requests show ID";
	static const struct option opts[] = {
		{"incoming", no_argument, NULL, 'i'},
		{"outgoing", no_argument, NULL, 'o'},
		{"state", required_argument, NULL, 's'},
		{0},
	};
	enum loan_state ls;
	int incoming = 0, outgoing = 0, o, rc;
	const char *state = NULL;
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return request_show(c, argc, argv);
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'i': incoming = 1; break;
		case 'o': outgoing = 1; break;
		case 's': {
			if (loan_state_parse(optarg, &ls))
				return fail(EXIT_USAGE, "--state: unknown state '%s' (requested, "
					    "waiting, accepted, declined, cancelled, handed_over, "
					    "returned, claimed, disputed, closed)", optarg);
			state = optarg;
			break;
		}
		default: return usage(use);
		}
	}
	if (optind != argc || (incoming && outgoing))
		return usage(use);
	if (!incoming && !outgoing)
		incoming = outgoing = 1;
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	struct view_arg a[] = {VIEW_INT(incoming), VIEW_INT(outgoing), VIEW_ID(c->me),
			       VIEW_TEXT(state)};
	if (!c->json)
		return requests_table(c, a);
	static const char *const cols[] = {NULL};
	return out_rows(c, &view_requests, a, 4, cols) < 0 ? EXIT_REFUSED : EXIT_OK;
}

struct window {
	int64_t from, to;
	uint8_t resource[32];
	int has_resource;
	int given; /* --from or --to was given */
};

/* Parses --from/--to DATE options into w (defaults: everything); --ics,
 * --out, --excel and --no-excel where ics, out and excel are given. */
static int parse_window(int argc, char **argv, struct window *w, int *ics, const char *use,
			char **out, int *excel)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"ics", no_argument, NULL, 'i'},
		{"out", required_argument, NULL, 'o'},
		{"excel", no_argument, NULL, 'x'},
		{"no-excel", no_argument, NULL, 'X'},
		{0},
	};
	int o;
	w->from = 0;
	w->to = INT64_MAX;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'f':
			if (clock_parse(optarg, 0, &w->from))
				return fail_err(EXIT_USAGE, "--from");
			w->given = 1;
			break;
		case 't':
			if (clock_parse(optarg, 1, &w->to))
				return fail_err(EXIT_USAGE, "--to");
			w->given = 1;
			break;
		case 'i':
			if (!ics)
				return usage(use);
			*ics = 1;
			break;
		case 'o':
			if (!out)
				return usage(use);
			*out = optarg;
			break;
		case 'x':
		case 'X':
			if (!excel)
				return usage(use);
			*excel = o == 'x';
			break;
		default: return usage(use);
		}
	}
	if (w->to <= w->from)
		return fail(EXIT_USAGE, "--to must come after --from");
	return EXIT_OK;
}

static int calendar_print(struct ctx *c, struct window w, int ics);

/* The calendar's table without --from and --to: from the day a month
 * before today to the day three months after, whole days in local time
 * (a store's years of loans are not all printed each time); the table
 * says so. --json and --ics hold every loan, as they always did. */
static int calendar_default_window(struct window *w)
{
	int64_t now;
	if (cli_now(&now))
		return -1;
	time_t t = (time_t)(now / 1000);
	struct tm from, to;
	localtime_r(&t, &from);
	from.tm_hour = from.tm_min = from.tm_sec = 0;
	from.tm_isdst = -1;
	to = from;
	from.tm_mon -= 1;
	to.tm_mon += 3;
	to.tm_mday += 1; /* the last day whole */
	time_t a = mktime(&from), b = mktime(&to);
	if (a == (time_t)-1 || b == (time_t)-1)
		return 0; /* (no such dates here: every loan) */
	w->given = 0;
	w->from = (int64_t)a * 1000;
	w->to = (int64_t)b * 1000;
	return 0;
}

static void calendar_say_window(const struct window *w)
{
	char a[16], b[16];
	time_t ta = (time_t)(w->from / 1000), tb = (time_t)(w->to / 1000 - 1);
	struct tm tm;
	strftime(a, sizeof a, "%Y-%m-%d", localtime_r(&ta, &tm));
	strftime(b, sizeof b, "%Y-%m-%d", localtime_r(&tb, &tm));
	printf(_("from %s to %s: a month back and three months ahead; --from and --to "
		 "show other days\n"), a, b);
}

int cmd_calendar(struct ctx *c, int argc, char **argv)
{
	static const char use[] =
		"mutua calendar [RESOURCE] [--from DATE] [--to DATE] [--ics] [--out FILE]";
	struct window w = {0};
	char *out = NULL;
	int ics = 0, rc;
	/* the subscriptions: their own options (cmd_icalsub.c) */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (strncmp(argv[i], "--subscri", 9) == 0 || strncmp(argv[i], "--revoke", 8) == 0)
			return cmd_calendar_subs(c, argc, argv);
	if ((rc = parse_window(argc, argv, &w, &ics, use, &out, NULL)))
		return rc;
	if (argc - optind > 1)
		return usage(use);
	/* the key: the owner's own blocks show their notes */
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	if (optind < argc) {
		if ((rc = resolve_id(c, "offer", &view_offer_ids, argv[optind], w.resource)))
			return rc;
		w.has_resource = 1;
	}
	if (!w.given) {
		w.given = 1; /* unless the default window below applies */
		if (!ics && !c->json && calendar_default_window(&w))
			return fail_err(EXIT_USAGE, "MUTUA_NOW");
	}
	if (!out)
		return calendar_print(c, w, ics);
	/* --out FILE: what would be printed, written whole or not at all */
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len), *saved = stdout;
	if (!mem)
		return fail(EXIT_REFUSED, "out of memory");
	stdout = mem; /* glibc: stdout is a variable the printing reads */
	rc = calendar_print(c, w, ics);
	fclose(mem);
	stdout = saved;
	if (rc == EXIT_OK && file_write_atomic(out, buf, len, 0644))
		rc = fail_err(EXIT_REFUSED, NULL);
	free(buf);
	return rc;
}

/* The calendar over w, as a table or (ics) an iCalendar feed, on stdout. */
static int calendar_print(struct ctx *c, struct window w, int ics)
{
	struct view_arg args[] = {VIEW_INT(w.from), VIEW_INT(w.to),
				  w.has_resource ? VIEW_ID(w.resource) : VIEW_NULL, VIEW_ID(c->me)};
	if (!ics) {
		static const char *const cols[] = {"resource_title:28", "from", "to", "quantity",
						   "borrower_name:24", "state", "reason", "id.12",
						   NULL};
		int rows = out_rows(c, &view_calendar, args, 4, cols);
		int64_t pending = 0;
		if (rows < 0)
			return EXIT_REFUSED;
		if (c->json)
			return EXIT_OK;
		/* requests waiting for an answer hold nothing yet: the calendar
		 * leaves them out, and says so rather than print nothing */
		if (view_scalar(c->store, &view_calendar_pending, args, 3, &pending) < 0)
			return fail_err(EXIT_REFUSED, "store");
		if (!rows && !pending)
			puts(_("no accepted loan in this period"));
		else if (!rows)
			printf(dngettext(MUTUA_DOMAIN,
					 "no accepted loan in this period; %lld pending request "
					 "(mutua requests)\n",
					 "no accepted loan in this period; %lld pending requests "
					 "(mutua requests)\n", (unsigned long)pending),
			       (long long)pending);
		else if (pending)
			printf(dngettext(MUTUA_DOMAIN,
					 "and %lld pending request in this period, not shown "
					 "(mutua requests)\n",
					 "and %lld pending requests in this period, not shown "
					 "(mutua requests)\n", (unsigned long)pending),
			       (long long)pending);
		if (!w.given)
			calendar_say_window(&w);
		return EXIT_OK;
	}
	struct ical_what what = {w.from, w.to, w.has_resource ? w.resource : NULL, NULL, c->me};
	if (ical_write(c->store, stdout, &what, clock_now_ms()))
		return fail_err(EXIT_REFUSED, "store");
	return EXIT_OK;
}

int cmd_balance(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua balance [--member NAME|ID]";
	static const struct option opts[] = {
		{"member", required_argument, NULL, 'm'},
		{0},
	};
	const char *member = NULL;
	uint8_t id[32];
	int o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'm')
			return usage(use);
		member = optarg;
	}
	if (optind != argc)
		return usage(use);
	if ((rc = cli_open(c, NEED_FED)))
		return rc;
	if (member && (rc = resolve_member(c, member, id)))
		return rc;
	struct view_arg a[] = {member ? VIEW_ID(id) : VIEW_NULL};
	static const char *const cols[] = {"name:28", "balance", "lent", "borrowed", "loans",
					   "member.12", NULL};
	return out_rows(c, &view_balances, a, 1, cols) < 0 ? EXIT_REFUSED : EXIT_OK;
}

/* The CSV dialect: RFC 4180 (',' and a decimal point), or the one a
 * French spreadsheet opens in columns (';', a decimal comma, and a UTF-8
 * byte order mark so that accents read right). */
struct csv {
	char sep, dec;
	char *buf;
	size_t len, cap;
};

/* The columns of view_settled_loans that hold numbers. */
static int csv_numeric(const char *column)
{
	static const char *const cols[] = {"quantity", "usage", "rate", "credits", NULL};
	for (int i = 0; cols[i]; i++)
		if (!strcmp(column, cols[i]))
			return 1;
	return 0;
}

/* -?[0-9]+(\.[0-9]+)? */
static int csv_is_number(const char *s)
{
	s += *s == '-';
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	if (*s == '.' && isdigit((unsigned char)s[1]))
		for (s++; isdigit((unsigned char)*s); s++)
			;
	return !*s;
}

/* One field, then the separator or CRLF. A number of a numeric column is
 * written as a number, its point the dialect's; any other cell is text: a
 * spreadsheet would run a text that starts with = + - @ TAB or CR as a
 * formula (=HYPERLINK(...), =1+2), so it gets a leading apostrophe and
 * quotes (OWASP, CSV injection); a text holding the separator, a quote or
 * a line break is quoted (RFC 4180). 0, or -1 out of memory. */
static int csv_field(struct csv *cv, const char *s, int numeric, int last)
{
	size_t need = 2 * strlen(s) + 5;
	if (cv->len + need > cv->cap) {
		size_t ncap = (cv->cap + need) * 2;
		char *more = realloc(cv->buf, ncap);
		if (!more)
			return -1;
		cv->buf = more;
		cv->cap = ncap;
	}
	char *p = cv->buf + cv->len;
	if (numeric && csv_is_number(s)) {
		for (; *s; s++)
			*p++ = *s == '.' ? cv->dec : *s;
	} else {
		int formula = strchr("=+-@\t\r", *s) && *s;
		int quote = formula || strchr(s, cv->sep) || strpbrk(s, "\"\r\n");
		if (quote)
			*p++ = '"';
		if (formula)
			*p++ = '\'';
		for (; *s; s++) {
			if (*s == '"')
				*p++ = '"';
			*p++ = *s;
		}
		if (quote)
			*p++ = '"';
	}
	if (last) {
		*p++ = '\r';
		*p++ = '\n';
	} else {
		*p++ = cv->sep;
	}
	cv->len = (size_t)(p - cv->buf);
	return 0;
}

int cmd_export_csv(struct ctx *c, int argc, char **argv)
{
	static const char use[] =
		"mutua export-csv --out FILE [--from DATE] [--to DATE] [--excel | --no-excel]";
	struct window w = {0};
	char *out = NULL;
	int rc, excel = -1;
	if ((rc = parse_window(argc, argv, &w, NULL, use, &out, &excel)))
		return rc;
	if (!out)
		return missing("export-csv", "--out", use);
	if (optind != argc)
		return usage(use);
	if ((rc = cli_open(c, NEED_FED)))
		return rc;
	/* the reader's decimal mark decides (style.h): a French spreadsheet
	 * reads ';' and decimal commas */
	if (excel < 0)
		excel = style_decimal_comma();
	/* the header is the view's column names: loan, settled, resource ... */
	struct view_arg a[] = {VIEW_INT(w.from), VIEW_INT(w.to)};
	struct view_rows *r = view_open(c->store, &view_settled_loans, a, 2, 0);
	if (!r)
		return fail_err(EXIT_REFUSED, "store");
	struct csv cv = {excel ? ';' : ',', excel ? ',' : '.', malloc(4096), 0, 4096};
	int n = view_columns(r), rows = 0, oom = !cv.buf;
	if (!oom && excel) {
		memcpy(cv.buf, "\xef\xbb\xbf", 3);
		cv.len = 3;
	}
	for (int i = 0; !oom && i < n; i++)
		oom = csv_field(&cv, view_name(r, i), 0, i == n - 1) < 0;
	rc = 0;
	while (!oom && (rc = view_next(r)) == 1) {
		for (int i = 0; !oom && i < n; i++) {
			const char *t = view_text(r, i);
			oom = csv_field(&cv, t ? t : "", csv_numeric(view_name(r, i)), i == n - 1) < 0;
		}
		rows++;
	}
	view_close(&r);
	if (oom || rc < 0) {
		free(cv.buf);
		return oom ? fail(EXIT_REFUSED, "out of memory") : fail_err(EXIT_REFUSED, "store");
	}
	rc = file_write_atomic(out, cv.buf, cv.len, 0644) ? fail_err(EXIT_REFUSED, NULL) : EXIT_OK;
	free(cv.buf);
	if (rc == EXIT_OK && !c->json)
		fprintf(stderr, _("mutua: %d closed loans written to %s\n"), rows, out);
	else if (rc == EXIT_OK)
		printf("{\"out\":\"%s\",\"loans\":%d}\n", out, rows);
	return rc;
}
