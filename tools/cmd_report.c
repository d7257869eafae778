/* cmd_report.c - mutua report --html: one self-contained page for a board
 * meeting, from this node's store or (--bundle) an audited bundle, in the
 * reader's language (French in a French locale: <html lang="fr">, the
 * catalogue's translations, numbers in the locale's style, times local
 * with their offset). The period, what was checked and what the verdict
 * means (and what to do when it is not OK), who lent to whom (an SVG flow
 * diagram), the balances, the most used resources, the loans of the
 * period, the members and how far each one's history goes; the technical
 * details (federation id, feeds, signed entries, forks, the rules broken)
 * in a collapsed section for the auditor.
 *
 * The page needs nothing else: CSS and SVG are inline, there is no script
 * and no external resource, so it can be mailed, archived or printed as it
 * is; long names wrap, wide tables scroll inside their panel, so nothing
 * overflows at a desk's width nor on a phone (tests/cli/report_browser.bats
 * checks it in Chromium). Every string from the store (names, colleges,
 * titles, notes) comes from members' signed entries and is treated as
 * hostile: it is escaped for HTML (& < > " ') wherever it goes, text or
 * attribute. Nothing from the store goes through gettext.
 *
 * The period: a loan belongs to it when its slot [start, end) meets
 * [--from, --to); credits lent and borrowed are those of the period's
 * settled loans; a balance is the member's balance at the end of the
 * period (every loan settled before --to). A loan is what the ledger's
 * report views count as one (ledger/view_report.c: a request its owner
 * accepted, in progress or settled), so the figures under the title and
 * every table add up; loans cancelled after their acceptance are listed
 * apart, other requests only counted.
 */
#include "audit.h"
#include "cli.h"
#include "i18n.h"
#include "util.h"

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NODES_MAX 40      /* members drawn in the flow diagram */
#define FLOWS_DRAWN 80    /* arrows drawn, the largest */
#define FLOWS_LABELLED 14 /* arrows labelled, the largest */
#define DIAGRAM_W 1000.0  /* room for names left and right of the circle */
#define DIAGRAM_H 660.0   /* up to 12 members; a square above */
#define DIAGRAM_R 250.0
#define NODE_R 9.0
#define ISSUES_SHOWN 200  /* audit violations listed */
#define LOANS_SHOWN 1000  /* loans listed */

/* ---- geometry, without libm (the build does not link it) ----------------- */

#define PI 3.14159265358979323846

static double sine(double x)
{
	/* reduce to [-pi, pi], then a Taylor series: ample for pixels */
	while (x > PI)
		x -= 2 * PI;
	while (x < -PI)
		x += 2 * PI;
	double term = x, sum = x;
	for (int n = 1; n < 12; n++) {
		term *= -x * x / ((2 * n) * (2 * n + 1));
		sum += term;
	}
	return sum;
}

static double cosine(double x)
{
	return sine(x + PI / 2);
}

static double root(double x)
{
	if (x <= 0)
		return 0;
	double r = x > 1 ? x : 1;
	for (int i = 0; i < 60; i++)
		r = (r + x / r) / 2;
	return r;
}

/* ---- HTML output ------------------------------------------------------- */

/* Text for HTML, in an element or a quoted attribute. */
static void h(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* The same, cut to max characters (not bytes) with an ellipsis. */
static void h_cut(FILE *f, const char *s, size_t max)
{
	char buf[512];
	size_t chars = 0, i = 0;
	if (!s)
		return;
	for (; s[i] && i < sizeof buf - 4; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max)
			break;
		buf[i] = s[i];
	}
	if (s[i]) {
		while (i > 0 && ((unsigned char)buf[i - 1] & 0xC0) == 0xC0)
			i--; /* no half character before the ellipsis */
		memcpy(buf + i, "\xe2\x80\xa6", 3);
		i += 3;
	}
	buf[i] = 0;
	h(f, buf);
}


/* s escaped for HTML, in a string to free (NULL when out of memory). */
static char *escaped(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	h(f, s);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* A column of the current row as text, "" for SQL NULL. */
static const char *col_text(struct view_rows *v, int i)
{
	const char *t = view_text(v, i);
	return t ? t : "";
}

/* ---- numbers and times, in the reader's style ------------------------------ */

/* The locale's decimal point and thousands separator: mutua keeps the C
 * style for numbers it reads and writes (i18n.h), the page is for a
 * person: "1 234,50" (a narrow no-break space) in French, "1,234.50" in
 * American English, "1234.50" in the C locale. */
static struct {
	char point[8], sep[8];
} numfmt = {".", ""};

static void numfmt_init(void)
{
	locale_t l = newlocale(LC_NUMERIC_MASK, "", (locale_t)0);
	if (!l)
		return;
	const char *p = nl_langinfo_l(RADIXCHAR, l), *s = nl_langinfo_l(THOUSEP, l);
	if (p && *p && strlen(p) < sizeof numfmt.point)
		strcpy(numfmt.point, p);
	if (s && strlen(s) < sizeof numfmt.sep)
		strcpy(numfmt.sep, s);
	freelocale(l);
}

#define NUM_BUF 96

/* whole, its digits grouped by three, into o; returns the end */
static char *grouped(char *o, uint64_t whole)
{
	char d[24];
	int n = snprintf(d, sizeof d, "%llu", (unsigned long long)whole);
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			o = stpcpy(o, numfmt.sep);
		*o++ = d[i];
	}
	*o = 0;
	return o;
}

/* Hundredths of a credit, always two decimals: "1 234,50", "-20,00". */
static void amount_str(char *buf, int64_t v)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char *o = buf;
	if (v < 0)
		*o++ = '-';
	o = grouped(o, a / 100);
	o = stpcpy(o, numfmt.point);
	snprintf(o, 4, "%02llu", (unsigned long long)(a % 100));
}

static void amount(FILE *f, int64_t v)
{
	char buf[NUM_BUF];
	amount_str(buf, v);
	fputs(buf, f);
}

/* Usage in thousandths of a unit: "2", "2,5", "0,125". */
static void usage_out(FILE *f, int64_t u)
{
	char buf[NUM_BUF];
	uint64_t a = u < 0 ? (uint64_t)0 - (uint64_t)u : (uint64_t)u;
	char *o = buf;
	if (u < 0)
		*o++ = '-';
	o = grouped(o, a / 1000);
	if (a % 1000) {
		o = stpcpy(o, numfmt.point);
		snprintf(o, 4, "%03llu", (unsigned long long)(a % 1000));
		size_t n = strlen(buf);
		while (buf[n - 1] == '0')
			buf[--n] = 0;
	}
	fputs(buf, f);
}

/* A usage and its unit: "3 days", "1 hour", "2.5 km"; in the reader's
 * language. A fraction counts as many. */
static void usage_unit_out(FILE *f, int64_t u, const char *unit)
{
	uint64_t n = u % 1000 ? 2 : (uint64_t)(u < 0 ? -u : u) / 1000;
	const char *word = NULL;
	if (!strcmp(unit, "day"))
		word = dngettext(MUTUA_DOMAIN, "day", "days", n);
	else if (!strcmp(unit, "hour"))
		word = dngettext(MUTUA_DOMAIN, "hour", "hours", n);
	else if (!strcmp(unit, "item"))
		word = dngettext(MUTUA_DOMAIN, "item", "items", n);
	usage_out(f, u);
	fputs("\xc2\xa0", f); /* a no-break space: "3 days" on one line */
	h(f, word ? word : unit);
}

/* What a resource is, in the reader's language (entry.c's kinds). */
static const char *kind_name(const char *kind)
{
	static const char *const kinds[][2] = {
		{"vehicle", N_("vehicle")},     {"storage", N_("storage")},
		{"skill", N_("skill")},         {"equipment", N_("equipment")},
		{"room", N_("room")},           {"other", N_("other")},
	};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (!strcmp(kind, kinds[i][0]))
			return _(kinds[i][1]);
	return kind;
}

/* Where a loan stands, in the reader's language (loan.c's states). */
static const char *state_name(const char *state)
{
	static const char *const states[][2] = {
		{"requested", N_("requested")}, {"accepted", N_("accepted")},
		{"handed_over", N_("in use")},  {"returned", N_("returned")},
		{"closed", N_("settled")},      {"declined", N_("declined")},
		{"cancelled", N_("cancelled")}, {"invalid", N_("invalid")},
	};
	for (size_t i = 0; i < sizeof states / sizeof *states; i++)
		if (!strcmp(state, states[i][0]))
			return _(states[i][1]);
	return state;
}

/* Local time with its offset: "2026-12-05 08:00 +01:00". */
static void time_out(FILE *f, int64_t ms)
{
	char buf[CLOCK_BUF];
	clock_format_offset(buf, ms);
	fputs(buf, f);
}

/* A slot, short, in local time: "2026-01-12" for one whole day,
 * "2026-01-05 → 2026-01-06" for whole days, "2026-01-15 18:00–23:00
 * +01:00" within a day, else both ends with their offsets. */
static void slot_out(FILE *f, int64_t start, int64_t end)
{
	char a[CLOCK_BUF], b[CLOCK_BUF], last[CLOCK_BUF], ao[CLOCK_BUF], bo[CLOCK_BUF];
	clock_format(a, start);
	clock_format(b, end);
	clock_format(last, end - 1);
	clock_format_offset(ao, start); /* "YYYY-MM-DD HH:MM +HH:MM" */
	clock_format_offset(bo, end);
	int days = strcmp(a + 10, "T00:00") == 0 && strcmp(b + 10, "T00:00") == 0;
	/* a date, a time and its offset do not break across lines */
	if (days && strncmp(a, last, 10) == 0)
		fprintf(f, "<span class=\"nw\">%.10s</span>", a);
	else if (days)
		fprintf(f, "<span class=\"nw\">%.10s</span> &#8594; <span class=\"nw\">%.10s</span>",
			a, last);
	else if (strncmp(a, b, 10) == 0 && strcmp(ao + 16, bo + 16) == 0)
		fprintf(f, "<span class=\"nw\">%.10s</span> <span class=\"nw\">%.5s&#8211;%s</span>",
			ao, ao + 11, bo + 11);
	else
		fprintf(f, "<span class=\"nw\">%s</span> &#8594; <span class=\"nw\">%s</span>", ao,
			bo);
}

/* A bound of the period: its local date, or date and time with the
 * offset when not midnight; an end at midnight gives the day before. */
static void when_str(char *buf, int64_t ms, int end)
{
	clock_format(buf, ms);
	if (strcmp(buf + 10, "T00:00") == 0) {
		clock_format(buf, end ? ms - 1 : ms);
		buf[10] = 0;
	} else {
		clock_format_offset(buf, ms);
	}
}

/* ---- data ---------------------------------------------------------------- */

/* v with room for one more item (n used of *cap, each size bytes), or
 * NULL when out of memory (v is kept). */
static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	size_t c = *cap ? 2 * *cap : 16;
	void *more = realloc(v, c * size);
	if (!more) {
		err_set("out of memory");
		return NULL;
	}
	*cap = c;
	return more;
}

struct member {
	uint8_t id[32];
	char *name, *college;
	int64_t out, in; /* credits of the period, for the diagram's order */
	int node;        /* index in the diagram, -1 when not drawn */
};

struct flow {
	int from, to; /* member indexes */
	int64_t loans, credits;
};

struct report {
	struct ctx *c;
	const char *bundle; /* --bundle: the page is the audit's of this file */
	int64_t from, to;
	struct member *m;
	size_t nm, capm;
	struct flow *fl;
	size_t nfl, capfl;
	/* audit */
	struct audit_summary sum;
	int audit_rc;
	char audit_err[300];
	struct audit_issue *issues;
	size_t nissues;
};

/* The rows of a view of the report over the period, and a third
 * parameter when n is 3. */
static struct view_rows *period_rows(const struct report *r, const struct view *v, size_t n,
				     int64_t third)
{
	struct view_arg a[] = {VIEW_INT(r->from), VIEW_INT(r->to), VIEW_INT(third)};
	return view_open(r->c->store, v, a, n, 0);
}

static int member_index(const struct report *r, const void *id)
{
	if (!id)
		return -1;
	for (size_t i = 0; i < r->nm; i++)
		if (memcmp(r->m[i].id, id, 32) == 0)
			return (int)i;
	return -1;
}

static int load(struct report *r)
{
	struct view_rows *v = view_open(r->c->store, &view_report_members, NULL, 0, 0);
	int rc;
	if (!v)
		return -1;
	while ((rc = view_next(v)) == 1) {
		size_t len;
		const void *id = view_blob(v, 0, &len);
		if (len != 32)
			continue;
		void *more = grow(r->m, r->nm, &r->capm, sizeof *r->m);
		if (!more) {
			rc = -1;
			break;
		}
		r->m = more;
		struct member *m = &r->m[r->nm++];
		memset(m, 0, sizeof *m);
		memcpy(m->id, id, 32);
		m->name = strdup(col_text(v, 1));
		m->college = strdup(col_text(v, 2));
		m->node = -1;
		if (!m->name || !m->college) {
			rc = err_set("out of memory");
			break;
		}
	}
	view_close(&v);
	if (rc < 0)
		return -1;

	if (!(v = period_rows(r, &view_report_flows, 2, 0)))
		return -1;
	while ((rc = view_next(v)) == 1) {
		size_t len;
		const void *owner = view_blob(v, 0, &len);
		int a = len == 32 ? member_index(r, owner) : -1;
		const void *borrower = view_blob(v, 1, &len);
		int b = len == 32 ? member_index(r, borrower) : -1;
		if (a < 0 || b < 0 || a == b)
			continue;
		void *more = grow(r->fl, r->nfl, &r->capfl, sizeof *r->fl);
		if (!more) {
			rc = -1;
			break;
		}
		r->fl = more;
		struct flow *x = &r->fl[r->nfl++];
		x->from = a;
		x->to = b;
		x->loans = view_int(v, 2);
		x->credits = view_int(v, 3);
		r->m[a].out += x->credits + x->loans;
		r->m[b].in += x->credits + x->loans;
	}
	view_close(&v);
	return rc < 0 ? -1 : 0;
}

static void on_issue(void *arg, const struct audit_issue *v)
{
	struct report *r = arg;
	if (r->nissues >= ISSUES_SHOWN)
		return;
	void *more = realloc(r->issues, (r->nissues + 1) * sizeof *r->issues);
	if (!more)
		return;
	r->issues = more;
	r->issues[r->nissues++] = *v;
}


/* ---- the page ------------------------------------------------------------ */

static const char css[] =
	"*{box-sizing:border-box}"
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
	"color:#1d2330;background:#f4f5f7;margin:0;padding:24px}"
	"main{max-width:1100px;margin:0 auto;background:#fff;padding:32px 40px;"
	"border-radius:10px;box-shadow:0 1px 4px rgba(0,0,0,.08)}"
	"h1{font-size:26px;margin:0 0 4px;overflow-wrap:anywhere}h2{font-size:19px;margin:36px 0 10px;"
	"padding-bottom:4px;border-bottom:2px solid #e3e6eb}"
	"p{overflow-wrap:anywhere}"
	".sub{color:#5b6475;margin:0 0 2px}.mono{font-family:ui-monospace,'DejaVu Sans Mono',"
	"monospace;font-size:12px;word-break:break-all}"
	".verdict{padding:14px 18px;border-radius:8px;margin:8px 0;font-weight:600}"
	".ok{background:#e5f5ea;color:#17622f;border:1px solid #a6d8b5}"
	".bad{background:#fdeaea;color:#8a1c1c;border:1px solid #efb1b1}"
	".stats{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}"
	".stat{background:#f4f6f9;border-radius:8px;padding:8px 14px;min-width:110px}"
	".stat b{display:block;font-size:20px;white-space:nowrap}.stat span{color:#5b6475;font-size:12px}"
	".wide{overflow-x:auto;max-width:100%}"
	"table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:14px}"
	"th{text-align:left;background:#f4f6f9;color:#3a4252;font-weight:600}"
	"th,td{padding:6px 10px;border-bottom:1px solid #e8eaee;vertical-align:top;"
	"overflow-wrap:break-word}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}td.n{white-space:nowrap}"
	".neg{color:#a32020}.pos{color:#17622f}.nw{white-space:nowrap}"
	".bar{height:8px;background:#5b7fc7;border-radius:4px;min-width:2px}"
	".state{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;"
	"background:#eef0f4;color:#3a4252;white-space:nowrap}"
	".s-closed{background:#e5f5ea;color:#17622f}.s-declined,.s-cancelled,.s-invalid"
	"{background:#f6eeee;color:#8a3a3a}.s-accepted,.s-handed_over,.s-returned"
	"{background:#e8effb;color:#27477f}"
	".diagram{text-align:center}.diagram svg{max-width:100%;height:auto}"
	".note{color:#5b6475;font-size:13px}.todo{font-weight:400;margin:6px 0 0}"
	"td.id,.key{white-space:nowrap;font-family:ui-monospace,'DejaVu Sans Mono',"
	"monospace;font-size:12px;color:#5b6475}h3{font-size:15px;margin:18px 0 4px}"
	"details{margin-top:36px;border:1px solid #e3e6eb;border-radius:8px;padding:8px 16px}"
	"summary{cursor:pointer;font-weight:600;font-size:17px}"
	"footer{margin-top:36px;color:#8a93a3;font-size:12px}"
	"@media (max-width:640px){body{padding:0}main{padding:16px;border-radius:0}"
	"th,td{padding:4px 6px}h1{font-size:22px}}"
	"@media print{body{background:#fff;padding:0}main{box-shadow:none;padding:0}"
	".wide{overflow:visible}h2{break-after:avoid}tr{break-inside:avoid}}";

/* A table's opening, in a panel that scrolls rather than overflows on a
 * narrow screen. */
static void table_open(FILE *f)
{
	fputs("<div class=\"wide\"><table>", f);
}

static void table_close(FILE *f)
{
	fputs("</table></div>\n", f);
}

/* A header cell: the reader's words, "n" for a number's column. */
static void th(FILE *f, const char *text, int n)
{
	fputs(n ? "<th class=\"n\">" : "<th>", f);
	h(f, text);
	fputs("</th>", f);
}

static void period_out(FILE *f, const struct report *r)
{
	char a[CLOCK_BUF], b[CLOCK_BUF];
	when_str(a, r->from, 0);
	when_str(b, r->to, 1);
	if (r->from == 0 && r->to == INT64_MAX)
		fputs(_("the whole history, from the founding of the federation"), f);
	else if (r->to == INT64_MAX)
		fprintf(f, _("since %s"), a);
	else if (r->from == 0)
		fprintf(f, _("until %s"), b);
	else
		fprintf(f, _("from %s to %s"), a, b);
}

/* A figure with its caption. */
static void stat_n(FILE *f, uint64_t v, const char *what)
{
	fprintf(f, "<div class=\"stat\"><b>%llu</b><span>", (unsigned long long)v);
	h(f, what);
	fputs("</span></div>", f);
}

/* What was checked, the verdict, what it means and what to do. */
static void check_out(FILE *f, const struct report *r)
{
	const struct audit_summary *s = &r->sum;
	fprintf(f, "<h2>%s</h2>\n<p>%s</p>\n", _("What was checked"),
		_("Every request, loan, return and settlement is signed by the member who made "
		  "it, and each member's node keeps a copy of everyone's records. Mutua read them "
		  "all again, from the founding of the federation, and checked that nobody's "
		  "records were altered, that each step was taken by someone entitled to take it, "
		  "and that the credits add up: what some members earned, others spent."));
	if (r->audit_rc) {
		fprintf(f, "<div class=\"verdict bad\">&#10007; %s ", _("The check could not run:"));
		h(f, r->audit_err);
		fprintf(f, "<p class=\"todo\">%s</p></div>\n",
			_("What to do: give this message to the person who runs your node; the "
			  "figures below are not checked."));
		return;
	}
	if (s->issues == 0 && s->incomplete) {
		fputs("<div class=\"verdict bad\">&#10007; ", f);
		fprintf(f, dngettext(MUTUA_DOMAIN,
				     "Audit INCOMPLETE: every rule holds, but the records of %llu "
				     "member stop before a point other members have already seen: "
				     "this copy of the history is cut short.",
				     "Audit INCOMPLETE: every rule holds, but the records of %llu "
				     "members stop before a point other members have already seen: "
				     "this copy of the history is cut short.", s->incomplete),
			(unsigned long long)s->incomplete);
		fprintf(f, "<p class=\"todo\">%s</p></div>\n",
			_("What to do: take a more recent copy from a node that has exchanged "
			  "records with every member (mutua export), then make this report again. "
			  "The members table shows whose records stop short."));
	} else if (s->issues == 0) {
		fprintf(f, "<div class=\"verdict ok\">&#10003; %s<p class=\"todo\">%s</p></div>\n",
			_("Audit OK: every record is intact and follows the federation's rules; the "
			  "balances add up to zero."),
			_("What it means: the figures of this report are those every member's node "
			  "derives from the same signed records, and no record was altered."));
	} else {
		fputs("<div class=\"verdict bad\">&#10007; ", f);
		fprintf(f, dngettext(MUTUA_DOMAIN,
				     "Audit FAILED: %llu record breaks the federation's rules.",
				     "Audit FAILED: %llu records break the federation's rules.",
				     s->issues),
			(unsigned long long)s->issues);
		fprintf(f, "<p class=\"todo\">%s</p></div>\n",
			_("What it means: the figures below leave out what the rules refuse, but a "
			  "member's node, or someone with its keys, signed records it should not "
			  "have. What to do: do not approve the accounts on this report alone; send "
			  "it with the copy it was made from to your auditor or your federation's "
			  "technical contact. The section for the auditor names each problem and "
			  "the member concerned."));
	}
	fputs("<div class=\"stats\">", f);
	stat_n(f, s->members, _("members"));
	stat_n(f, s->closed, _("loans settled since the founding"));
	fputs("<div class=\"stat\"><b>", f);
	amount(f, s->credits_moved);
	fprintf(f, "</b><span>%s</span></div>", _("credits moved since the founding"));
	/* deposits: held by loans under way, forfeited at settlement */
	if (s->deposits_held || s->deposits_forfeited) {
		fputs("<div class=\"stat\"><b>", f);
		amount(f, s->deposits_held);
		fprintf(f, "</b><span>%s</span></div><div class=\"stat\"><b>", _("deposits held"));
		amount(f, s->deposits_forfeited);
		fprintf(f, "</b><span>%s</span></div>", _("deposits forfeited"));
	}
	fputs("</div>\n", f);
	fputs("<p class=\"note\">", f);
	if (r->bundle)
		fputs(_("Checked on the copy of the records the auditor received, against the "
		       "auditor's own copy of the federation's founding document, over the whole "
		       "history (not only the period)."), f);
	else
		fputs(_("Checked on this member's own copy of the records, over the whole history "
		       "(not only the period)."), f);
	fputs("</p>\n", f);
}

/* Per member: its feeds, how far they go, how far others saw them. */
static int feeds_out(FILE *f, const struct report *r)
{
	struct view_rows *v = view_open(r->c->store, &view_report_history, NULL, 0, 0);
	int rc;
	if (!v)
		return -1;
	table_open(f);
	fputs("<tr>", f);
	th(f, _("Member"), 0);
	th(f, _("Member id"), 0);
	th(f, _("Feeds"), 1);
	th(f, _("Entries"), 1);
	th(f, _("Last entry"), 0);
	th(f, _("Witnessed up to"), 1);
	fputs("</tr>\n", f);
	while ((rc = view_next(v)) == 1) {
		fputs("<tr><td>", f);
		h(f, col_text(v, 0));
		fprintf(f, "</td><td class=\"id\">%.16s</td><td class=\"n\">%lld</td>"
			   "<td class=\"n\">%lld</td><td>", col_text(v, 2),
			(long long)view_int(v, 4), (long long)view_int(v, 5));
		if (!view_is_null(v, 6))
			time_out(f, view_int(v, 6));
		fputs("</td><td class=\"n\">", f);
		if (!view_is_null(v, 7))
			fprintf(f, "%lld", (long long)view_int(v, 7));
		fputs("</td></tr>\n", f);
	}
	view_close(&v);
	table_close(f);
	return rc < 0 ? -1 : 0;
}

/* The technical details, collapsed: what an auditor needs to redo the
 * check (the federation id, the feeds and signed entries, the forks, the
 * file, each rule broken with its feed and seq). */
static int auditor_out(FILE *f, const struct report *r)
{
	const struct audit_summary *s = &r->sum;
	char fed[HEX_ID_LEN + 1];
	hex_encode(fed, store_fed_id(r->c->store), 32);
	fprintf(f, "<details>\n<summary>%s</summary>\n<p class=\"note\">%s</p>\n",
		_("For the auditor"),
		_("Technical details to redo the check with mutua audit: each member signs its "
		  "records in one or more feeds (one per key), each record a numbered signed "
		  "entry chained to the one before."));
	fprintf(f, "<p>%s <span class=\"mono\">%s</span></p>\n", _("Federation id:"), fed);
	if (r->bundle) {
		fprintf(f, "<p>%s <span class=\"mono\">", _("Bundle checked:"));
		h(f, r->bundle);
		fputs("</span></p>\n", f);
	}
	if (!r->audit_rc) {
		fputs("<div class=\"stats\">", f);
		stat_n(f, s->feeds, _("feeds"));
		stat_n(f, s->entries, _("signed entries"));
		stat_n(f, s->forks, _("forks"));
		stat_n(f, s->incomplete, _("feeds cut short"));
		stat_n(f, s->issues, _("violations"));
		fputs("</div>\n", f);
	}
	if (feeds_out(f, r))
		return -1;
	if (r->nissues) {
		table_open(f);
		fputs("<tr>", f);
		th(f, _("Rule"), 0);
		th(f, _("Member"), 0);
		th(f, _("Entry"), 1);
		th(f, _("Detail"), 0);
		fputs("</tr>\n", f);
		for (size_t i = 0; i < r->nissues; i++) {
			const struct audit_issue *x = &r->issues[i];
			fputs("<tr><td>", f);
			h(f, x->rule);
			fputs("</td><td>", f);
			if (*x->member) {
				h(f, *x->name ? x->name : "?");
				fprintf(f, " <span class=\"key\">%.12s</span>", x->member);
			}
			fputs("</td><td class=\"n\">", f);
			if (x->seq)
				fprintf(f, "%llu", (unsigned long long)x->seq);
			fputs("</td><td>", f);
			h(f, x->detail); /* the ledger's reason, in English as stored */
			fputs("</td></tr>\n", f);
		}
		table_close(f);
		if (s->issues > r->nissues) {
			fputs("<p class=\"note\">", f);
			fprintf(f, _("And %llu more: run mutua audit."),
				(unsigned long long)(s->issues - r->nissues));
			fputs("</p>\n", f);
		}
	}
	fputs("</details>\n", f);
	return 0;
}

/* Flows, largest first: by credits, then by loans. */
static int flow_cmp(const void *pa, const void *pb)
{
	const struct flow *x = pa, *y = pb;
	if (x->credits != y->credits)
		return x->credits < y->credits ? 1 : -1;
	if (x->loans != y->loans)
		return x->loans < y->loans ? 1 : -1;
	return x->from != y->from ? x->from - y->from : x->to - y->to;
}

/* One arrow of the diagram: a quadratic curve from (sx, sy) through the
 * control point (qx, qy) to (ex, ey), and a head from its base (bx, by)
 * to its tip (tx, ty) along the unit vector (vx, vy). */
struct arrow {
	double sx, sy, qx, qy, ex, ey, tx, ty, bx, by, vx, vy, width, head;
	int hue, ok;
};

static struct arrow arrow_of(double cx, double cy, double R, int a, int b, int nodes,
			     double w)
{
	const double NR = NODE_R;
	struct arrow g = {0};
	double ta = 2 * PI * a / nodes - PI / 2, tb = 2 * PI * b / nodes - PI / 2;
	double x1 = cx + R * cosine(ta), y1 = cy + R * sine(ta);
	double x2 = cx + R * cosine(tb), y2 = cy + R * sine(tb);
	/* the control point leans to the centre, and to the right of the way
	 * from lender to borrower, so two opposite flows part */
	double mx = (x1 + x2) / 2, my = (y1 + y2) / 2, dx = x2 - x1, dy = y2 - y1;
	double len = root(dx * dx + dy * dy);
	if (len < 1)
		return g;
	g.qx = mx + (cx - mx) * 0.55 - dy / len * 34;
	g.qy = my + (cy - my) * 0.55 + dx / len * 34;
	/* both ends stop at the nodes' rims */
	double ux = x1 - g.qx, uy = y1 - g.qy, ul = root(ux * ux + uy * uy);
	double vx = x2 - g.qx, vy = y2 - g.qy, vl = root(vx * vx + vy * vy);
	if (ul < 1 || vl < 1)
		return g;
	g.vx = vx / vl;
	g.vy = vy / vl;
	g.width = w;
	/* the head: a triangle as wide as the line and then some, its tip on
	 * the borrower's rim; the line stops under it */
	g.head = w * 1.5 > 9 ? w * 1.5 : 9;
	double hl = g.head * 1.25;
	g.sx = x1 - ux / ul * (NR + 2);
	g.sy = y1 - uy / ul * (NR + 2);
	g.tx = x2 - g.vx * (NR + 2);
	g.ty = y2 - g.vy * (NR + 2);
	g.bx = g.tx - g.vx * hl;
	g.by = g.ty - g.vy * hl;
	g.ex = g.tx - g.vx * hl * 0.6;
	g.ey = g.ty - g.vy * hl * 0.6;
	g.hue = a * 360 / nodes;
	g.ok = 1;
	return g;
}

/* The flow diagram: members on a circle, one curved arrow from lender to
 * borrower per pair, as thick as the credits (or, when no credit moved,
 * the loans), the largest labelled; a table gives every flow. */
static void diagram_out(FILE *f, struct report *r)
{
	int nodes = 0;
	if (r->nfl)
		qsort(r->fl, r->nfl, sizeof *r->fl, flow_cmp); /* fl is NULL when empty */
	/* the members in a flow, most active first when there are too many */
	int *order = malloc((r->nm ? r->nm : 1) * sizeof *order);
	if (!order)
		return;
	for (size_t i = 0; i < r->nm; i++)
		order[i] = (int)i;
	for (size_t i = 1; i < r->nm; i++) /* insertion sort by activity */
		for (size_t j = i; j > 0; j--) {
			const struct member *x = &r->m[order[j]], *y = &r->m[order[j - 1]];
			if (x->in + x->out <= y->in + y->out)
				break;
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	int any = r->nfl > 0;
	for (size_t i = 0; i < r->nm && nodes < NODES_MAX; i++)
		if (!any || r->m[order[i]].in + r->m[order[i]].out > 0)
			r->m[order[i]].node = nodes++;
	free(order);
	/* back to the college and name order around the circle */
	for (size_t i = 0, k = 0; i < r->nm; i++)
		if (r->m[i].node >= 0)
			r->m[i].node = (int)k++;

	/* the flows drawn: the largest between members drawn */
	size_t shown[FLOWS_DRAWN], nshown = 0, hidden = 0;
	int64_t max = 1, use_credits = r->nfl && r->fl[0].credits > 0;
	for (size_t i = 0; i < r->nfl; i++) {
		if (r->m[r->fl[i].from].node < 0 || r->m[r->fl[i].to].node < 0 ||
		    nshown == FLOWS_DRAWN) {
			hidden++;
			continue;
		}
		shown[nshown++] = i;
		int64_t w = use_credits ? r->fl[i].credits : r->fl[i].loans;
		if (w > max)
			max = w;
	}
	int crowded = nshown > 15;
	/* up to 12 members, names level beside the circle; more, names along
	 * the radius, in a square */
	const double W = DIAGRAM_W, H = nodes > 12 ? DIAGRAM_W : DIAGRAM_H;
	const double cx = W / 2, cy = H / 2, R = nodes > 12 ? DIAGRAM_R + 30 : DIAGRAM_R;
	fprintf(f, "<h2>%s</h2>\n", _("Who lent to whom"));
	fprintf(f, "<div class=\"diagram\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
		   "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
		   "aria-label=\"%s\" font-family=\"system-ui,'DejaVu Sans',sans-serif\">\n",
		W, H, W, H, _("Loans between members: an arrow goes from the lender to the borrower"));
	if (!nodes || !any)
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#5b6475\">"
			   "%s</text>\n", cx, cy,
			!nodes ? _("No member yet.") : _("No loan in this period."));
	/* arrows, the smallest first so that the largest lie on top */
	for (size_t k = nshown; k-- > 0;) {
		const struct flow *x = &r->fl[shown[k]];
		int64_t w = use_credits ? x->credits : x->loans;
		double width = crowded ? 1 + 9.0 * (double)w / (double)max
				       : 1.5 + 12.5 * (double)w / (double)max;
		struct arrow g = arrow_of(cx, cy, R, r->m[x->from].node, r->m[x->to].node, nodes,
					  width);
		if (!g.ok)
			continue;
		char *from = escaped(r->m[x->from].name), *to = escaped(r->m[x->to].name);
		char cr[NUM_BUF];
		amount_str(cr, x->credits);
		fputs("<g class=\"flow\"><title>", f);
		fprintf(f, dngettext(MUTUA_DOMAIN, "%s lent to %s: %lld loan, %s credits",
			      "%s lent to %s: %lld loans, %s credits", x->loans),
			from ? from : "", to ? to : "", (long long)x->loans, cr);
		fputs("</title>", f);
		free(from);
		free(to);
		fprintf(f, "<path d=\"M%.1f,%.1f Q%.1f,%.1f %.1f,%.1f\" fill=\"none\" "
			   "stroke=\"hsl(%d,58%%,42%%)\" stroke-opacity=\"%s\" stroke-width=\"%.1f\"/>",
			g.sx, g.sy, g.qx, g.qy, g.ex, g.ey, g.hue, crowded ? "0.45" : "0.7", g.width);
		fprintf(f, "<path d=\"M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f Z\" "
			   "fill=\"hsl(%d,58%%,38%%)\"/></g>\n",
			g.tx, g.ty, g.bx - g.vy * g.head / 2, g.by + g.vx * g.head / 2,
			g.bx + g.vy * g.head / 2, g.by - g.vx * g.head / 2, g.hue);
	}
	/* labels over every arrow, for the largest flows only */
	for (size_t k = 0; k < nshown && k < FLOWS_LABELLED; k++) {
		const struct flow *x = &r->fl[shown[k]];
		struct arrow g = arrow_of(cx, cy, R, r->m[x->from].node, r->m[x->to].node, nodes, 1);
		if (!g.ok)
			continue;
		/* a third of the way from the lender: flows that cross in the
		 * middle keep their labels apart */
		double t = 0.36, lx = (1 - t) * (1 - t) * g.sx + 2 * t * (1 - t) * g.qx + t * t * g.ex;
		double ly = (1 - t) * (1 - t) * g.sy + 2 * t * (1 - t) * g.qy + t * t * g.ey;
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\" "
			   "fill=\"hsl(%d,58%%,28%%)\" stroke=\"#fff\" stroke-width=\"4\" "
			   "stroke-linejoin=\"round\" paint-order=\"stroke\">", lx, ly + 4, g.hue);
		if (x->credits) {
			amount(f, x->credits);
			fprintf(f, " %s", _("cr"));
			if (x->loans > 1) {
				fputs(" \xc2\xb7 ", f);
				fprintf(f, dngettext(MUTUA_DOMAIN, "%lld loan", "%lld loans", x->loans), (long long)x->loans);
			}
		} else {
			fprintf(f, dngettext(MUTUA_DOMAIN, "%lld loan", "%lld loans", x->loans), (long long)x->loans);
		}
		fputs("</text>\n", f);
	}
	/* the members; with many, their names run outwards along the radius */
	for (size_t i = 0; i < r->nm; i++) {
		const struct member *m = &r->m[i];
		if (m->node < 0)
			continue;
		double t = 2 * PI * m->node / nodes - PI / 2, c = cosine(t), sn = sine(t);
		double x = cx + R * c, y = cy + R * sn;
		double lx = cx + (R + NODE_R + 8) * c, ly = cy + (R + NODE_R + 8) * sn;
		fputs("<g><title>", f);
		h(f, m->name);
		if (*m->college) {
			fputs(" (", f);
			h(f, m->college);
			fputs(")", f);
		}
		fputs("</title>", f);
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.0f\" fill=\"hsl(%d,58%%,42%%)\" "
			   "stroke=\"#fff\" stroke-width=\"2\"/>", x, y, NODE_R, m->node * 360 / nodes);
		if (nodes > 12) {
			double deg = t * 180 / PI + (c < 0 ? 180 : 0);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"12\" "
				   "font-weight=\"600\" fill=\"#1d2330\" dominant-baseline=\"middle\" "
				   "transform=\"rotate(%.1f %.1f %.1f)\">", lx, ly,
				c < 0 ? "end" : "start", deg, lx, ly);
			h_cut(f, m->name, 22);
		} else {
			const char *anchor = c > 0.3 ? "start" : c < -0.3 ? "end" : "middle";
			double dy = sn > 0.3 ? 14 : sn < -0.3 ? -4 : 5;
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"13\" "
				   "font-weight=\"600\" fill=\"#1d2330\">", lx, ly + dy, anchor);
			h_cut(f, m->name, 26);
		}
		fputs("</text></g>\n", f);
	}
	fputs("</svg></div>\n", f);
	size_t drawn = 0, involved = 0;
	for (size_t i = 0; i < r->nm; i++) {
		drawn += r->m[i].node >= 0;
		involved += r->m[i].in + r->m[i].out > 0;
	}
	fprintf(f, "<p class=\"note\">%s",
		use_credits ? _("An arrow goes from the lending member to the borrowing one; its "
				"width follows the credits settled, its label gives them (cr) and "
				"the number of loans when more than one. Loans accepted and not yet "
				"settled count, declined or cancelled requests do not.")
			    : _("An arrow goes from the lending member to the borrowing one; its "
				"width follows the number of loans. Loans accepted and not yet "
				"settled count, declined or cancelled requests do not."));
	if (any && involved > drawn) {
		fputc(' ', f);
		fprintf(f, _("The %zu most active members of %zu are drawn."), drawn, involved);
	}
	if (hidden) {
		fputc(' ', f);
		fprintf(f, _("The %zu largest flows of %zu are drawn."), nshown, r->nfl);
	}
	if (nshown > FLOWS_LABELLED) {
		fputc(' ', f);
		fprintf(f, _("The %d largest are labelled; the table has them all."),
			FLOWS_LABELLED);
	}
	fputs("</p>\n", f);
	if (!r->nfl)
		return;
	table_open(f);
	fputs("<tr>", f);
	th(f, _("Lent by"), 0);
	th(f, _("Borrowed by"), 0);
	th(f, _("Loans"), 1);
	th(f, _("Credits settled"), 1);
	fputs("</tr>\n", f);
	for (size_t i = 0; i < r->nfl; i++) {
		fputs("<tr><td>", f);
		h(f, r->m[r->fl[i].from].name);
		fputs("</td><td>", f);
		h(f, r->m[r->fl[i].to].name);
		fprintf(f, "</td><td class=\"n\">%lld</td><td class=\"n\">", (long long)r->fl[i].loans);
		amount(f, r->fl[i].credits);
		fputs("</td></tr>\n", f);
	}
	table_close(f);
}


static int balances_out(FILE *f, struct report *r)
{
	struct view_rows *v = period_rows(r, &view_report_balances, 2, 0);
	int rc;
	if (!v)
		return -1;
	fprintf(f, "<h2>%s</h2>\n<p class=\"note\">%s</p>\n", _("Balances"),
		_("A member's balance is what it earned by lending minus what it spent by "
		  "borrowing, over every loan settled before the end of the period: credits are "
		  "created by the loans themselves (mutual credit), so the balances always add "
		  "up to zero. Earned and spent: the credits of the period's settled loans."));
	table_open(f);
	fputs("<tr>", f);
	th(f, _("Member"), 0);
	th(f, _("College"), 0);
	th(f, _("Balance"), 1);
	th(f, _("Earned"), 1);
	th(f, _("Spent"), 1);
	th(f, _("Loans given"), 1);
	th(f, _("Loans received"), 1);
	fputs("</tr>\n", f);
	int64_t total = 0;
	while ((rc = view_next(v)) == 1) {
		int64_t bal = view_int(v, 2);
		total += bal;
		fputs("<tr><td>", f);
		h(f, col_text(v, 0));
		if (!view_int(v, 7))
			fprintf(f, " <span class=\"state s-cancelled\">%s</span>", _("former member"));
		fputs("</td><td>", f);
		h(f, col_text(v, 1));
		fprintf(f, "</td><td class=\"n %s\">", bal < 0 ? "neg" : bal > 0 ? "pos" : "");
		amount(f, bal);
		fputs("</td><td class=\"n\">", f);
		amount(f, view_int(v, 3));
		fputs("</td><td class=\"n\">", f);
		amount(f, view_int(v, 4));
		fprintf(f, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td></tr>\n",
			(long long)view_int(v, 5), (long long)view_int(v, 6));
	}
	view_close(&v);
	if (rc < 0)
		return -1;
	fputs("<tr>", f);
	th(f, _("Total"), 0);
	fputs("<th></th><th class=\"n\">", f);
	amount(f, total);
	fputs("</th><th></th><th></th><th></th><th></th></tr>", f);
	table_close(f);
	return 0;
}

/* A row's first cells: resource title, kind, owner (columns 0, 1, 3),
 * escaped; the owner cell is left open. */
static void resource_cells(FILE *f, struct view_rows *v)
{
	fputs("<tr><td>", f);
	h(f, col_text(v, 0));
	fputs("</td><td>", f);
	h(f, kind_name(col_text(v, 1)));
	fputs("</td><td>", f);
	h(f, col_text(v, 3));
}

static int resources_out(FILE *f, struct report *r)
{
	struct view_rows *v = period_rows(r, &view_report_top_loans, 2, 0);
	int rc;
	if (!v)
		return -1;
	fprintf(f, "<h2>%s</h2>\n<h3>%s</h3>\n", _("Most used resources"),
		_("By number of loans"));
	int rows = 0;
	while ((rc = view_next(v)) == 1) {
		if (!rows++) {
			table_open(f);
			fputs("<tr>", f);
			th(f, _("Resource"), 0);
			th(f, _("Kind"), 0);
			th(f, _("Owner"), 0);
			th(f, _("Loans"), 1);
			fputs("<th style=\"width:22%\"></th>", f);
			th(f, _("Usage"), 1);
			th(f, _("Credits"), 1);
			fputs("</tr>\n", f);
		}
		int64_t n = view_int(v, 4), top = view_int(v, 7);
		resource_cells(f, v);
		fprintf(f, "</td><td class=\"n\">%lld</td><td><div class=\"bar\" "
			   "style=\"width:%d%%\"></div></td><td class=\"n\">", (long long)n,
			top > 0 ? (int)(100 * n / top) : 0);
		if (!view_is_null(v, 5))
			usage_unit_out(f, view_int(v, 5), col_text(v, 2));
		fputs("</td><td class=\"n\">", f);
		amount(f, view_int(v, 6));
		fputs("</td></tr>\n", f);
	}
	view_close(&v);
	if (rc < 0)
		return -1;
	if (rows)
		table_close(f);
	else
		fprintf(f, "<p class=\"note\">%s</p>\n", _("No loan in this period."));

	/* by usage, unit by unit: days and hours do not compare */
	if (!(v = period_rows(r, &view_report_top_usage, 2, 0)))
		return -1;
	fprintf(f, "<h3>%s</h3>\n", _("By usage, unit by unit"));
	rows = 0;
	while ((rc = view_next(v)) == 1) {
		if (!rows++) {
			table_open(f);
			fputs("<tr>", f);
			th(f, _("Resource"), 0);
			th(f, _("Kind"), 0);
			th(f, _("Owner"), 0);
			th(f, _("Usage"), 1);
			fputs("<th style=\"width:22%\"></th>", f);
			th(f, _("Loans"), 1);
			fputs("</tr>\n", f);
		}
		int64_t u = view_int(v, 4), top = view_int(v, 6);
		resource_cells(f, v);
		fputs("</td><td class=\"n\">", f);
		usage_unit_out(f, u, col_text(v, 2));
		fprintf(f, "</td><td><div class=\"bar\" style=\"width:%d%%\"></div></td>"
			   "<td class=\"n\">%lld</td></tr>\n",
			top > 0 ? (int)(100 * u / top) : 0, (long long)view_int(v, 5));
	}
	view_close(&v);
	if (rc < 0)
		return -1;
	if (rows) {
		table_close(f);
		fprintf(f, "<p class=\"note\">%s</p>\n",
			_("Usage as returned or settled, in each resource's unit; the first five of "
			  "each unit."));
	} else {
		fprintf(f, "<p class=\"note\">%s</p>\n", _("No usage recorded in this period."));
	}
	return 0;
}

/* The header of a list of loans, up to its quantity. */
static void loan_head(FILE *f)
{
	fputs("<tr>", f);
	th(f, _("When"), 0);
	th(f, _("Resource"), 0);
	th(f, _("Lent by"), 0);
	th(f, _("Borrowed by"), 0);
	th(f, _("Qty"), 1);
}

/* A loan's first cells, escaped: slot (columns 0 and 1), resource (title),
 * lender (lender), borrower (lender + 1), quantity (qty); the row is left
 * open. */
static void loan_cells(FILE *f, struct view_rows *v, int title, int lender, int qty)
{
	fputs("<tr><td class=\"slot\">", f);
	slot_out(f, view_int(v, 0), view_int(v, 1));
	fputs("</td><td>", f);
	h(f, view_is_null(v, title) ? _("(unknown resource)") : col_text(v, title));
	fputs("</td><td>", f);
	h(f, col_text(v, lender));
	fputs("</td><td>", f);
	h(f, view_is_null(v, lender + 1) ? "?" : col_text(v, lender + 1));
	fprintf(f, "</td><td class=\"n\">%lld</td>", (long long)view_int(v, qty));
}

/* The owners' own use of their resources (blocks): the reason, never the
 * note. */
static int blocks_out(FILE *f, struct report *r)
{
	struct view_rows *v = period_rows(r, &view_report_blocks, 3, LOANS_SHOWN);
	int rc, rows = 0;
	int64_t all = 0;
	if (!v)
		return -1;
	while ((rc = view_next(v)) == 1) {
		if (!rows++)
			fprintf(f, "<h3>%s</h3>\n<table><tr><th>%s</th><th>%s</th><th>%s</th>"
				   "<th class=\"n\">%s</th><th>%s</th><th>Id</th></tr>\n",
				_("Kept by their owners (blocks)"), _("Slot"), _("Resource"),
				_("Owner"), _("Qty"), _("Reason"));
		all = view_int(v, 7);
		fputs("<tr><td>", f);
		slot_out(f, view_int(v, 0), view_int(v, 1));
		fputs("</td><td>", f);
		h(f, view_is_null(v, 2) ? "?" : col_text(v, 2));
		fputs("</td><td>", f);
		h(f, view_is_null(v, 3) ? "?" : col_text(v, 3));
		fprintf(f, "</td><td class=\"n\">%lld</td><td>", (long long)view_int(v, 4));
		h(f, col_text(v, 5));
		fprintf(f, "</td><td class=\"id\">%.8s</td></tr>\n", col_text(v, 6));
	}
	view_close(&v);
	if (rc < 0)
		return -1;
	if (rows)
		fprintf(f, "</table>\n<p class=\"note\">%s</p>\n",
			_("Held for the owner's own use or maintenance: no loan could be accepted "
			  "over them."));
	if (all > rows) {
		fputs("<p class=\"note\">", f);
		fprintf(f, _("The first %d of %lld."), rows, (long long)all);
		fputs("</p>\n", f);
	}
	return 0;
}

static int loans_out(FILE *f, struct report *r)
{
	struct view_rows *v = period_rows(r, &view_report_loans, 3, LOANS_SHOWN);
	int rc;
	if (!v)
		return -1;
	fprintf(f, "<h2>%s</h2>\n<p class=\"note\">%s</p>\n", _("Loans of the period"),
		_("Who lent what to whom, when, and for how many credits (once settled). Ref.: "
		  "the loan's reference, as mutua requests shows it."));
	int rows = 0;
	int64_t all = 0;
	while ((rc = view_next(v)) == 1) {
		if (!rows++) {
			table_open(f);
			loan_head(f);
			th(f, _("State"), 0);
			th(f, _("Usage"), 1);
			th(f, _("Credits"), 1);
			th(f, _("Ref."), 0);
			fputs("</tr>\n", f);
		}
		all = view_int(v, 11);
		const char *state = col_text(v, 7);
		loan_cells(f, v, 2, 4, 6);
		fputs("<td><span class=\"state s-", f);
		h(f, state);
		fputs("\">", f);
		h(f, state_name(state));
		fputs("</span>", f);
		/* the staff who acted on it for the members (staff.h) */
		if (!view_is_null(v, 12)) {
			fputs("<br><span class=\"by\">", f);
			fprintf(f, "%s ", C_("who acted", "by"));
			h(f, col_text(v, 12));
			fputs("</span>", f);
		}
		fputs("</td><td class=\"n\">", f);
		if (!view_is_null(v, 8))
			usage_unit_out(f, view_int(v, 8), col_text(v, 3));
		fputs("</td><td class=\"n\">", f);
		if (!view_is_null(v, 9))
			amount(f, view_int(v, 9));
		fprintf(f, "</td><td class=\"id\">%.8s</td></tr>\n", col_text(v, 10));
	}
	view_close(&v);
	if (rc < 0)
		return -1;
	if (!rows)
		fprintf(f, "<p class=\"note\">%s</p>\n", _("No loan in this period."));
	else
		table_close(f);
	if (all > rows) {
		fputs("<p class=\"note\">", f);
		fprintf(f, _("The first %d of %lld loans; mutua export-csv lists every settled one."),
			rows, (long long)all);
		fputs("</p>\n", f);
	}

	/* held for a while, then given back: not a loan, yet the board sees it */
	if (!(v = period_rows(r, &view_report_cancelled, 3, LOANS_SHOWN)))
		return -1;
	rows = 0;
	all = 0;
	while ((rc = view_next(v)) == 1) {
		if (!rows++) {
			fprintf(f, "<h3>%s</h3>\n", _("Cancelled after acceptance"));
			table_open(f);
			loan_head(f);
			th(f, _("Reason"), 0);
			th(f, _("Ref."), 0);
			fputs("</tr>\n", f);
		}
		all = view_int(v, 8);
		loan_cells(f, v, 2, 3, 5);
		fputs("<td>", f);
		h(f, col_text(v, 6));
		fprintf(f, "</td><td class=\"id\">%.8s</td></tr>\n", col_text(v, 7));
	}
	view_close(&v);
	if (rc < 0)
		return -1;
	if (rows) {
		table_close(f);
		fprintf(f, "<p class=\"note\">%s</p>\n",
			_("Accepted, then cancelled by the lender or the borrower: not counted as "
			  "loans."));
	}
	if (all > rows) {
		fputs("<p class=\"note\">", f);
		fprintf(f, _("The first %d of %lld."), rows, (long long)all);
		fputs("</p>\n", f);
	}
	return blocks_out(f, r);
}

/* The members, and how far this copy of each one's history goes. */
static int members_out(FILE *f, struct report *r)
{
	struct view_rows *v = view_open(r->c->store, &view_report_history, NULL, 0, 0);
	int rc;
	if (!v)
		return -1;
	fprintf(f, "<h2>%s</h2>\n<p class=\"note\">%s</p>\n", _("Members"),
		_("Each member's node records its own requests, loans and answers. The date of "
		  "its last record says how far this copy of its history goes: an old date may "
		  "mean the member has not lent or borrowed since, or that its node has not "
		  "exchanged records with the others lately."));
	table_open(f);
	fputs("<tr>", f);
	th(f, _("Member"), 0);
	th(f, _("College"), 0);
	th(f, _("Last record"), 0);
	th(f, _("Records"), 1);
	fputs("</tr>\n", f);
	while ((rc = view_next(v)) == 1) {
		fputs("<tr><td>", f);
		h(f, col_text(v, 0));
		if (!view_int(v, 3))
			fprintf(f, " <span class=\"state s-cancelled\">%s</span>", _("former member"));
		fputs("</td><td>", f);
		h(f, col_text(v, 1));
		fputs("</td><td>", f);
		if (view_is_null(v, 6))
			fputs(_("none yet"), f);
		else
			time_out(f, view_int(v, 6));
		if (view_int(v, 8))
			fprintf(f, " <span class=\"state s-cancelled\">%s</span>", _("cut short"));
		fprintf(f, "</td><td class=\"n\">%lld</td></tr>\n", (long long)view_int(v, 5));
	}
	view_close(&v);
	table_close(f);
	return rc < 0 ? -1 : 0;
}

/* What became of the period's requests that are not loans (the view's
 * words), counted: "1 pending". */
static void not_lent_out(FILE *f, const char *what, int64_t n)
{
	if (!strcmp(what, "pending"))
		fprintf(f, dngettext(MUTUA_DOMAIN, "%lld pending", "%lld pending", n), (long long)n);
	else if (!strcmp(what, "declined"))
		fprintf(f, dngettext(MUTUA_DOMAIN, "%lld declined", "%lld declined", n), (long long)n);
	else if (!strcmp(what, "cancelled before an answer"))
		fprintf(f, dngettext(MUTUA_DOMAIN, "%lld cancelled before an answer",
				     "%lld cancelled before an answer", n), (long long)n);
	else if (!strcmp(what, "invalid"))
		fprintf(f, dngettext(MUTUA_DOMAIN, "%lld invalid", "%lld invalid", n), (long long)n);
	else {
		fprintf(f, "%lld ", (long long)n);
		h(f, what);
	}
}

/* The period in figures, under the title: the loans as every table of
 * the page counts them (view_report.c), and what became of the other
 * requests of the period. */
static int figures_out(FILE *f, struct report *r)
{
	struct view_rows *v = period_rows(r, &view_report_figures, 2, 0);
	int rc;
	if (!v)
		return -1;
	if ((rc = view_next(v)) != 1) {
		view_close(&v);
		return rc < 0 ? -1 : err_set("view %s: no row", view_report_figures.name);
	}
	int64_t cancelled = view_int(v, 3);
	fputs("<div class=\"stats\">", f);
	stat_n(f, (uint64_t)view_int(v, 0), _("loans"));
	stat_n(f, (uint64_t)view_int(v, 1), _("settled loans"));
	fputs("<div class=\"stat\"><b>", f);
	amount(f, view_int(v, 2));
	fprintf(f, "</b><span>%s</span></div>", _("credits settled"));
	if (cancelled)
		stat_n(f, (uint64_t)cancelled, _("cancelled after acceptance"));
	fputs("</div>\n", f);
	view_close(&v);

	fprintf(f, "<p class=\"note\">%s", _("A loan: a request the lending member accepted "
					     "(in progress or settled) whose dates fall in the "
					     "period; every table below counts these."));
	if (!(v = period_rows(r, &view_report_not_lent, 2, 0)))
		return -1;
	int n = 0;
	while ((rc = view_next(v)) == 1) {
		fprintf(f, "%s", n++ ? ", " : " ");
		if (n == 1)
			fprintf(f, "%s ", _("Requests not lent:"));
		not_lent_out(f, col_text(v, 0), view_int(v, 1));
	}
	view_close(&v);
	if (rc < 0)
		return -1;
	if (n)
		fputc('.', f);
	if (cancelled)
		fprintf(f, " %s", _("Loans cancelled after acceptance are listed apart, after the "
				    "loans."));
	fputs("</p>\n", f);
	return 0;
}

static int page(FILE *f, struct report *r)
{
	const Mutua__Genesis *g = store_genesis(r->c->store);
	const char *name = g && g->name ? g->name : "Mutua";
	/* TRANSLATORS: the language of the report, for <html lang>: the
	 * ISO 639-1 code of the language you translate into ("fr") */
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		   "style-src 'unsafe-inline'; img-src data:\">\n<title>", _("en"));
	h(f, name);
	fprintf(f, " &#8212; %s</title>\n<style>", _("board report"));
	fputs(css, f);
	fputs("</style>\n</head>\n<body>\n<main>\n<h1>", f);
	h(f, name);
	fprintf(f, "</h1>\n<p class=\"sub\">%s ",
		_("Report to the board on the resources the members lend each other:"));
	period_out(f, r);
	fprintf(f, ".</p>\n<p class=\"sub\">%s</p>\n",
		_("Dates are local; each time is shown with its offset from UTC."));
	if (figures_out(f, r))
		return -1;
	check_out(f, r);
	diagram_out(f, r);
	if (balances_out(f, r) || resources_out(f, r) || loans_out(f, r) || members_out(f, r) ||
	    auditor_out(f, r))
		return -1;
	fputs("<footer>", f);
	char now[CLOCK_BUF];
	clock_format_offset(now, clock_now_ms());
	fprintf(f, r->bundle ? _("Made by mutua report on %s from the copy of the records the "
				 "auditor received.")
			     : _("Made by mutua report on %s from this member's copy of the "
				 "records."), now);
	fputs("</footer>\n</main>\n</body>\n</html>\n", f);
	return 0;
}

int cmd_report(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua report --html --out FILE [--from DATE] [--to DATE]"
				  " [--bundle FILE --genesis GENESIS]";
	static const struct option opts[] = {
		{"html", no_argument, NULL, 'h'},
		{"bundle", required_argument, NULL, 'b'},
		{"genesis", required_argument, NULL, 'g'},
		{"out", required_argument, NULL, 'o'},
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{0},
	};
	struct report r = {0};
	const char *out = NULL, *genesis = NULL;
	int o, html = 0, rc;
	r.c = c;
	r.to = INT64_MAX;
	numfmt_init();
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'h': html = 1; break;
		case 'o': out = optarg; break;
		case 'b': r.bundle = optarg; break;
		case 'g': genesis = optarg; break;
		case 'f':
			if (clock_parse(optarg, 0, &r.from))
				return fail_err(EXIT_USAGE, "--from");
			break;
		case 't':
			if (clock_parse(optarg, 1, &r.to))
				return fail_err(EXIT_USAGE, "--to");
			break;
		default: return usage(use);
		}
	}
	if (!html)
		return missing("report", "--html", use);
	if (!out || !*out)
		return missing("report", "--out", use);
	if (optind != argc || !r.bundle != !genesis)
		return usage(use);
	if (r.to <= r.from)
		return fail(EXIT_USAGE, "--to must come after --from");
	if (r.bundle) {
		/* an auditor's report needs no home: the audit's scratch store,
		 * the history rebuilt from the bundle, is the store the page
		 * reads (and cli_close closes) */
		uint8_t expect[32];
		struct store *scratch = NULL;
		if ((rc = cli_genesis_id(genesis, expect)))
			return rc;
		struct audit_opts ao = {expect, 0, on_issue, NULL, &r, &scratch};
		if (audit_run(r.bundle, NULL, &ao, &r.sum)) {
			free(r.issues);
			return fail(EXIT_REFUSED, "cannot audit %s: %s", r.bundle, err_msg());
		}
		c->store = scratch;
	} else {
		if ((rc = cli_open(c, NEED_FED)))
			return rc;
		struct audit_opts ao = {NULL, 0, on_issue, NULL, &r, NULL};
		r.audit_rc = audit_run(NULL, c->store, &ao, &r.sum);
		if (r.audit_rc)
			snprintf(r.audit_err, sizeof r.audit_err, "%s", err_msg());
	}

	char *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;
	rc = EXIT_REFUSED;
	if (load(&r)) {
		fail_err(EXIT_REFUSED, NULL);
		goto done;
	}
	if (!(f = open_memstream(&buf, &len))) {
		fail(EXIT_REFUSED, "out of memory");
		goto done;
	}
	int bad = page(f, &r);
	if (fclose(f) || !buf) {
		fail(EXIT_REFUSED, "out of memory");
		goto done;
	}
	if (bad) {
		fail_err(EXIT_REFUSED, NULL);
		goto done;
	}
	if (file_write_atomic(out, buf, len, 0644)) {
		fail_err(EXIT_REFUSED, NULL);
		goto done;
	}
	rc = EXIT_OK;
	if (c->json) {
		const char *ok = !r.audit_rc && !r.sum.issues ? "true" : "false";
		struct view_arg a[] = {VIEW_TEXT(out), VIEW_INT(len), VIEW_TEXT(ok),
				       VIEW_INT(r.sum.issues)};
		if (out_record(c, &view_report_written, a, 4) < 0)
			rc = EXIT_REFUSED;
	} else {
		fprintf(stderr,
			r.audit_rc     ? _("mutua: report written to %s (the audit could not run)\n")
			: r.sum.issues ? _("mutua: report written to %s (audit FAILED)\n")
				       : _("mutua: report written to %s (audit OK)\n"),
			out);
	}
done:
	free(buf);
	for (size_t i = 0; i < r.nm; i++) {
		free(r.m[i].name);
		free(r.m[i].college);
	}
	free(r.m);
	free(r.fl);
	free(r.issues);
	return rc;
}

