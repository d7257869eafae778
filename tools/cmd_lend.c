/* cmd_lend.c - lending: borrow, accept, decline, cancel, handover, return,
 * close, and what follows from them: requests, calendar, balance,
 * export-csv. The rule for accepting is booking_can_accept, applied by
 * lending_accept (lending.c); who may take which step after which state is
 * the table of loan.h (loan_step_check), the one the fold applies: a step
 * it refuses is refused here with the same reason. */
#include "cli.h"
#include "entry.h"
#include "lending.h"
#include "loan.h"
#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOAN_BY_PREFIX "SELECT id FROM loans WHERE id BETWEEN ?1 AND ?2"
#define RESOURCE_BY_PREFIX "SELECT id FROM resources WHERE id BETWEEN ?1 AND ?2"
#define ISO(col) "strftime('%Y-%m-%dT%H:%M:%SZ', " col " / 1000, 'unixepoch')"

/* Usage in thousandths of a unit: "3", "2.5", "0.125". */
static int usage_parse(const char *s, int64_t *out)
{
	int64_t whole = 0, frac = 0;
	int digits = 0;
	const char *p = s;
	if (!isdigit((unsigned char)*p))
		goto bad;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > 1000000)
			goto bad;
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p) && digits < 3; p++, digits++)
			frac = frac * 10 + (*p - '0');
		if (digits == 0)
			goto bad;
		while (digits++ < 3)
			frac *= 10;
	}
	if (*p || whole * 1000 + frac > (int64_t)USAGE_MAX)
		goto bad;
	*out = whole * 1000 + frac;
	return 0;
bad:
	return err_set("'%s' is not a usage (a number such as 3 or 2.5, at most 1000000)", s);
}

/* The request named by arg (an id or its prefix), known with its resource. */
static int load_loan(struct ctx *c, const char *arg, struct lending_loan *l)
{
	uint8_t id[32];
	int rc = resolve_id(c, "request", LOAN_BY_PREFIX, arg, id);
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
		printf("%s %s\n", hex, state_words(state));
}

int cmd_borrow(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua borrow RESOURCE --from TIME --to TIME [--quantity N] "
				  "[--note TEXT]";
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"quantity", required_argument, NULL, 'q'},
		{"note", required_argument, NULL, 'n'},
		{0},
	};
	const char *from = NULL, *to = NULL, *note = NULL;
	uint64_t quantity = 1;
	int64_t start, end;
	int o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'n': note = optarg; break;
		case 'q':
			if (parse_u64("--quantity", optarg, CAPACITY_MAX, &quantity))
				return EXIT_USAGE;
			if (quantity < 1)
				return fail(EXIT_USAGE, "--quantity: must be at least 1");
			break;
		default: return usage(use);
		}
	}
	if (optind != argc - 1 || !from || !to)
		return usage(use);
	if (time_parse(from, 0, &start))
		return fail_err(EXIT_USAGE, "--from");
	if (time_parse(to, 1, &end))
		return fail_err(EXIT_USAGE, "--to");
	if (note && check_text("--note", note, NOTE_MAX_LEN, 1))
		return fail_err(EXIT_USAGE, NULL);
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	uint8_t res[32];
	if ((rc = resolve_id(c, "offer", RESOURCE_BY_PREFIX, argv[optind], res)))
		return rc;
	if (end <= start)
		return fail(EXIT_REFUSED, "the slot ends (%s) before it starts (%s)", to, from);
	uint8_t id[32];
	if (lending_borrow(c->store, c->key, res, start, end, quantity, note,
			   getenv("MUTUA_ACTOR"), id))
		return fail_err(EXIT_REFUSED, NULL);
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, 32);
	if (c->json)
		printf("{\"id\":\"%s\",\"state\":\"requested\"}\n", hex);
	else
		puts(hex);
	return EXIT_OK;
}

/* accept | decline | cancel | handover | return | close: what the command
 * line needs; who may take a step and after which state is the ledger's
 * table (loan_step_check) */
struct step {
	enum loan_step step;
	const char *use;
	int usage;                     /* takes --usage */
};

static const struct step steps[] = {
	{LOAN_ACCEPT, "mutua accept REQ", 0},
	{LOAN_DECLINE, "mutua decline REQ [--reason TEXT]", 0},
	{LOAN_CANCEL, "mutua cancel REQ [--reason TEXT]", 0},
	{LOAN_HANDOVER, "mutua handover REQ [--note TEXT]", 0},
	{LOAN_RETURN, "mutua return REQ [--usage N] [--note TEXT]", 1},
	{LOAN_CLOSE, "mutua close REQ [--usage N] [--note TEXT]", 1},
};

static int run_step(struct ctx *c, const struct step *sp, int argc, char **argv)
{
	static const struct option opts[] = {
		{"reason", required_argument, NULL, 'r'},
		{"note", required_argument, NULL, 'r'},
		{"usage", required_argument, NULL, 'u'},
		{0},
	};
	const char *note = NULL, *usage_arg = NULL;
	int o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'r': note = optarg; break;
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
	int64_t use = -1;
	if (usage_arg && usage_parse(usage_arg, &use))
		return fail_err(EXIT_USAGE, "--usage");
	if (note && check_text("note", note, NOTE_MAX_LEN, 1))
		return fail_err(EXIT_USAGE, NULL);
	struct lending_loan l;
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) || (rc = load_loan(c, argv[optind], &l)))
		return rc;

	/* who may take the step, and after which state, is the fold's to
	 * say: the ledger refuses what it would ignore, with its reason */
	const char *name = loan_step_name(sp->step);
	const char *to = loan_state_name(loan_step_to(sp->step));
	if (sp->step == LOAN_ACCEPT) {
		/* checked and appended in one transaction: the daemon's
		 * auto-answer or another staff member cannot slip in between */
		struct booking_check chk;
		int can = lending_accept(c->store, c->key, l.id, getenv("MUTUA_ACTOR"), &chk);
		if (can <= 0)
			return fail(EXIT_REFUSED, "cannot accept: %s", can ? err_msg() : chk.why);
		print_step(c, &l, to);
		return EXIT_OK;
	}
	int64_t rate = -1;
	if (sp->usage) {
		/* the close settles at the resource's rate, on the usage given,
		 * else the borrower's, else the slot's */
		if (use < 0 && sp->step == LOAN_CLOSE)
			use = l.usage;
		if (use < 0)
			use = lending_default_usage(l.unit, l.start, l.end, (uint64_t)l.quantity);
		if (use < 0)
			return fail(EXIT_USAGE, "--usage is needed: '%s' is counted in %s",
				    l.title, l.unit);
		if (sp->step == LOAN_CLOSE)
			rate = l.rate;
	}
	if (lending_append(c->store, c->key, loan_step_payload(sp->step), l.id, note, use, rate,
			   getenv("MUTUA_ACTOR")))
		return fail(EXIT_REFUSED, "cannot %s: %s", name, err_msg());
	print_step(c, &l, to);
	return EXIT_OK;
}

int cmd_step(struct ctx *c, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
		if (strcmp(argv[0], loan_step_name(steps[i].step)) == 0)
			return run_step(c, &steps[i], argc, argv);
	return fail(EXIT_USAGE, "unknown step '%s'", argv[0]);
}

/* ---- listings --------------------------------------------------------- */

struct req_filter {
	int incoming, outgoing;
	const char *state;
	uint8_t me[32];
};

static void bind_requests(sqlite3_stmt *st, void *arg)
{
	struct req_filter *f = arg;
	sqlite3_bind_int(st, 1, f->incoming);
	sqlite3_bind_int(st, 2, f->outgoing);
	sqlite3_bind_blob(st, 3, f->me, 32, SQLITE_STATIC);
	if (f->state)
		sqlite3_bind_text(st, 4, f->state, -1, SQLITE_STATIC);
}

int cmd_requests(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua requests [--incoming|--outgoing] [--state STATE]";
	static const struct option opts[] = {
		{"incoming", no_argument, NULL, 'i'},
		{"outgoing", no_argument, NULL, 'o'},
		{"state", required_argument, NULL, 's'},
		{0},
	};
	struct req_filter f = {0};
	enum loan_state ls;
	int o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'i': f.incoming = 1; break;
		case 'o': f.outgoing = 1; break;
		case 's': {
			if (loan_state_parse(optarg, &ls))
				return fail(EXIT_USAGE, "--state: unknown state '%s' (requested, "
					    "accepted, declined, cancelled, handed_over, returned, "
					    "closed)", optarg);
			f.state = optarg;
			break;
		}
		default: return usage(use);
		}
	}
	if (optind != argc || (f.incoming && f.outgoing))
		return usage(use);
	if (!f.incoming && !f.outgoing)
		f.incoming = f.outgoing = 1;
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	memcpy(f.me, c->me, 32);
	static const char *const cols[] = {"id.12", "resource_title:28", "owner_name:20",
					   "borrower_name:20", "from", "to", "quantity",
					   "state", "credits", "conflict:40", NULL};
	return out_rows(c,
			"SELECT lower(hex(l.id)) AS id, lower(hex(l.resource)) AS resource,"
			" r.title AS resource_title, lower(hex(l.owner)) AS owner,"
			" mo.name AS owner_name, lower(hex(l.borrower)) AS borrower,"
			" mb.name AS borrower_name, " ISO("l.start_ms") " AS \"from\","
			" " ISO("l.end_ms") " AS \"to\", l.quantity AS quantity,"
			" l.state AS state, l.usage / 1000.0 AS usage, r.unit AS unit,"
			" l.credits / 100.0 AS credits, l.reason AS reason, l.note AS note,"
			" CASE WHEN l.state = 'requested' THEN mutua_conflict(l.id) END AS conflict"
			" FROM loans l LEFT JOIN resources r ON r.id = l.resource"
			" LEFT JOIN members mo ON mo.id = l.owner"
			" LEFT JOIN members mb ON mb.id = l.borrower"
			" WHERE ((?1 AND l.owner = ?3) OR (?2 AND l.borrower = ?3))"
			" AND (?4 IS NULL OR l.state = ?4)"
			" ORDER BY l.start_ms, l.id",
			bind_requests, &f, cols) < 0 ? EXIT_REFUSED : EXIT_OK;
}

struct window {
	int64_t from, to;
	uint8_t resource[32];
	int has_resource;
};

static void bind_window(sqlite3_stmt *st, void *arg)
{
	struct window *w = arg;
	sqlite3_bind_int64(st, 1, w->from);
	sqlite3_bind_int64(st, 2, w->to);
	if (w->has_resource)
		sqlite3_bind_blob(st, 3, w->resource, 32, SQLITE_STATIC);
}

/* Parses --from/--to DATE options into w (defaults: everything). */
static int parse_window(int argc, char **argv, struct window *w, int *ics, const char *use,
			char **out)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"ics", no_argument, NULL, 'i'},
		{"out", required_argument, NULL, 'o'},
		{0},
	};
	int o;
	w->from = 0;
	w->to = INT64_MAX;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'f':
			if (time_parse(optarg, 0, &w->from))
				return fail_err(EXIT_USAGE, "--from");
			break;
		case 't':
			if (time_parse(optarg, 1, &w->to))
				return fail_err(EXIT_USAGE, "--to");
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
		default: return usage(use);
		}
	}
	if (w->to <= w->from)
		return fail(EXIT_USAGE, "--to must come after --from");
	return EXIT_OK;
}

/* iCalendar text: escape \ ; , and newlines (RFC 5545, 3.3.11). */
static void ics_text(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 3 < cap; s++) {
		if (*s == '\\' || *s == ';' || *s == ',') {
			out[n++] = '\\';
			out[n++] = *s;
		} else if (*s == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else {
			out[n++] = *s;
		}
	}
	out[n] = 0;
}

/* One content line, folded at 75 octets without splitting UTF-8, CRLF. */
static void ics_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ics_line(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	size_t len = strlen(buf), col = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];
		size_t clen = ch < 0x80 ? 1 : ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;
		if (col + clen > 75) {
			fputs("\r\n ", stdout);
			col = 1;
		}
		fwrite(buf + i, 1, clen, stdout);
		col += clen;
		i += clen - 1;
	}
	fputs("\r\n", stdout);
}

static void ics_time(char *out, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 20, "%Y%m%dT%H%M%SZ", &tm);
}

#define CALENDAR_SELECT \
	"SELECT lower(hex(l.id)) AS id, lower(hex(l.resource)) AS resource," \
	" r.title AS resource_title, mo.name AS owner_name, mb.name AS borrower_name," \
	" " ISO("l.start_ms") " AS \"from\", " ISO("l.end_ms") " AS \"to\"," \
	" l.quantity AS quantity, l.state AS state, l.start_ms AS start_ms," \
	" l.end_ms AS end_ms, l.note AS note, r.location AS location" \
	" FROM loans l JOIN resources r ON r.id = l.resource" \
	" LEFT JOIN members mo ON mo.id = l.owner LEFT JOIN members mb ON mb.id = l.borrower" \
	" WHERE l.state IN ('accepted', 'handed_over', 'returned', 'closed')" \
	" AND l.end_ms > ?1 AND l.start_ms < ?2 AND (?3 IS NULL OR l.resource = ?3)" \
	" ORDER BY r.title, l.start_ms, l.id"

int cmd_calendar(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua calendar [RESOURCE] [--from DATE] [--to DATE] [--ics]";
	struct window w = {0};
	int ics = 0, rc;
	if ((rc = parse_window(argc, argv, &w, &ics, use, NULL)))
		return rc;
	if (argc - optind > 1)
		return usage(use);
	if ((rc = cli_open(c, NEED_FED)))
		return rc;
	if (optind < argc) {
		if ((rc = resolve_id(c, "offer", RESOURCE_BY_PREFIX, argv[optind], w.resource)))
			return rc;
		w.has_resource = 1;
	}
	if (!ics) {
		static const char *const cols[] = {"resource_title:28", "from", "to", "quantity",
						   "borrower_name:24", "state", "id.12", NULL};
		return out_rows(c, CALENDAR_SELECT, bind_window, &w, cols) < 0 ? EXIT_REFUSED
										  : EXIT_OK;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store_db(c->store), CALENDAR_SELECT, -1, &st, NULL))
		return fail(EXIT_REFUSED, "store: %s", sqlite3_errmsg(store_db(c->store)));
	bind_window(st, &w);
	/* t3 holds DESCRIPTION escaped: a note of NOTE_MAX_LEN bytes and two
	 * names may double in size; nothing is cut */
	char stamp[20], a[20], b[20], t1[1024], t2[2048], t3[4096];
	ics_time(stamp, time_now_ms());
	ics_line("BEGIN:VCALENDAR");
	ics_line("VERSION:2.0");
	ics_line("PRODID:-//Mutua//mutua 0.1//FR");
	ics_line("CALSCALE:GREGORIAN");
	ics_line("METHOD:PUBLISH");
	ics_text(t1, sizeof t1, store_genesis(c->store)->name);
	ics_line("X-WR-CALNAME:Mutua - %s", t1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *title = (const char *)sqlite3_column_text(st, 2);
		const char *borrower = (const char *)sqlite3_column_text(st, 4);
		const char *owner = (const char *)sqlite3_column_text(st, 3);
		const char *state = (const char *)sqlite3_column_text(st, 8);
		ics_time(a, sqlite3_column_int64(st, 9));
		ics_time(b, sqlite3_column_int64(st, 10));
		ics_line("BEGIN:VEVENT");
		ics_line("UID:%s@mutua", sqlite3_column_text(st, 0));
		ics_line("DTSTAMP:%s", stamp);
		ics_line("DTSTART:%s", a);
		ics_line("DTEND:%s", b);
		snprintf(t2, sizeof t2, "%s - %s", title ? title : "?", borrower ? borrower : "?");
		ics_text(t1, sizeof t1, t2);
		ics_line("SUMMARY:%s", t1);
		snprintf(t2, sizeof t2, "Lent by %s to %s, quantity %lld, %s.%s%s",
			 owner ? owner : "?", borrower ? borrower : "?",
			 sqlite3_column_int64(st, 7), state_words(state),
			 *sqlite3_column_text(st, 11) ? " " : "", sqlite3_column_text(st, 11));
		ics_text(t3, sizeof t3, t2);
		ics_line("DESCRIPTION:%s", t3);
		if (*sqlite3_column_text(st, 12)) {
			ics_text(t1, sizeof t1, (const char *)sqlite3_column_text(st, 12));
			ics_line("LOCATION:%s", t1);
		}
		ics_line("STATUS:CONFIRMED");
		ics_line("END:VEVENT");
	}
	sqlite3_finalize(st);
	ics_line("END:VCALENDAR");
	return EXIT_OK;
}

struct member_filter {
	uint8_t id[32];
	int has;
};

static void bind_member(sqlite3_stmt *st, void *arg)
{
	struct member_filter *f = arg;
	if (f->has)
		sqlite3_bind_blob(st, 1, f->id, 32, SQLITE_STATIC);
}

int cmd_balance(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua balance [--member NAME|ID]";
	static const struct option opts[] = {
		{"member", required_argument, NULL, 'm'},
		{0},
	};
	const char *member = NULL;
	struct member_filter f = {0};
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
	if (member && (rc = resolve_member(c, member, f.id)))
		return rc;
	f.has = member != NULL;
	static const char *const cols[] = {"name:28", "balance", "lent", "borrowed", "loans",
					   "member.12", NULL};
	return out_rows(c,
			"SELECT lower(hex(m.id)) AS member, m.name AS name,"
			" (coalesce(o.lent, 0) - coalesce(b.borrowed, 0)) / 100.0 AS balance,"
			" coalesce(o.lent, 0) / 100.0 AS lent,"
			" coalesce(b.borrowed, 0) / 100.0 AS borrowed,"
			" coalesce(o.n, 0) + coalesce(b.n, 0) AS loans"
			" FROM members m"
			" LEFT JOIN (SELECT owner AS id, sum(credits) AS lent, count(*) AS n"
			"  FROM loans WHERE state = 'closed' GROUP BY owner) o ON o.id = m.id"
			" LEFT JOIN (SELECT borrower AS id, sum(credits) AS borrowed, count(*) AS n"
			"  FROM loans WHERE state = 'closed' GROUP BY borrower) b ON b.id = m.id"
			" WHERE ?1 IS NULL OR m.id = ?1 ORDER BY m.name",
			bind_member, &f, cols) < 0 ? EXIT_REFUSED : EXIT_OK;
}

/* RFC 4180 field: quoted when it holds a comma, quote or line break. */
static void csv_field(char **buf, size_t *len, size_t *cap, const char *s, int last)
{
	size_t need = 2 * strlen(s) + 4;
	if (*len + need > *cap) {
		size_t ncap = (*cap + need) * 2;
		char *more = realloc(*buf, ncap);
		if (!more)
			return;
		*buf = more;
		*cap = ncap;
	}
	char *p = *buf + *len;
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		*p++ = '"';
	for (; *s; s++) {
		if (*s == '"')
			*p++ = '"';
		*p++ = *s;
	}
	if (quote)
		*p++ = '"';
	if (last) {
		*p++ = '\r';
		*p++ = '\n';
	} else {
		*p++ = ',';
	}
	*len = (size_t)(p - *buf);
}

int cmd_export_csv(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua export-csv --out FILE [--from DATE] [--to DATE]";
	struct window w = {0};
	char *out = NULL;
	int rc;
	if ((rc = parse_window(argc, argv, &w, NULL, use, &out)))
		return rc;
	if (optind != argc || !out)
		return usage(use);
	if ((rc = cli_open(c, NEED_FED)))
		return rc;
	sqlite3_stmt *st;
	static const char sql[] =
		"SELECT lower(hex(l.id)), " ISO("l.closed") ", lower(hex(l.resource)), r.title,"
		" r.kind, r.unit, lower(hex(l.owner)), mo.name, lower(hex(l.borrower)), mb.name,"
		" " ISO("l.start_ms") ", " ISO("l.end_ms") ", l.quantity,"
		" printf('%.3f', l.usage / 1000.0), printf('%.2f', l.rate / 100.0),"
		" printf('%.2f', l.credits / 100.0)"
		" FROM loans l JOIN resources r ON r.id = l.resource"
		" LEFT JOIN members mo ON mo.id = l.owner LEFT JOIN members mb ON mb.id = l.borrower"
		" WHERE l.state = 'closed' AND l.closed >= ?1 AND l.closed < ?2"
		" ORDER BY l.closed, l.id";
	static const char *const head[] = {"loan", "settled", "resource", "title", "kind", "unit",
					   "owner", "owner_name", "borrower", "borrower_name",
					   "from", "to", "quantity", "usage", "rate", "credits"};
	if (sqlite3_prepare_v2(store_db(c->store), sql, -1, &st, NULL))
		return fail(EXIT_REFUSED, "store: %s", sqlite3_errmsg(store_db(c->store)));
	sqlite3_bind_int64(st, 1, w.from);
	sqlite3_bind_int64(st, 2, w.to);
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int n = 16, rows = 0;
	for (int i = 0; buf && i < n; i++)
		csv_field(&buf, &len, &cap, head[i], i == n - 1);
	while (buf && sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < n; i++) {
			const unsigned char *t = sqlite3_column_text(st, i);
			csv_field(&buf, &len, &cap, t ? (const char *)t : "", i == n - 1);
		}
		rows++;
	}
	sqlite3_finalize(st);
	if (!buf)
		return fail(EXIT_REFUSED, "out of memory");
	rc = file_write_atomic(out, buf, len, 0644) ? fail_err(EXIT_REFUSED, NULL) : EXIT_OK;
	free(buf);
	if (rc == EXIT_OK && !c->json)
		fprintf(stderr, "mutua: %d closed loans written to %s\n", rows, out);
	else if (rc == EXIT_OK)
		printf("{\"out\":\"%s\",\"loans\":%d}\n", out, rows);
	return rc;
}
