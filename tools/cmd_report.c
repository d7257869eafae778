/* cmd_report.c - mutua report --html: one self-contained page for a board
 * meeting, from this node's store or (--bundle) an audited bundle. The
 * federation, the period, the audit's verdict on that
 * store, who lent to whom (an SVG flow diagram), the balances, the most
 * used resources and the loans of the period.
 *
 * The page needs nothing else: CSS and SVG are inline, there is no script
 * and no external resource, so it can be mailed, archived or printed as it
 * is. Every string from the store (names, colleges, titles, notes) comes
 * from members' signed entries and is treated as hostile: it is escaped
 * for HTML (& < > " ') wherever it goes, text or attribute.
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

/* A column of the current row as text, "" for SQL NULL. */
static const char *col_text(struct view_rows *v, int i)
{
	const char *t = view_text(v, i);
	return t ? t : "";
}

static void amount(FILE *f, int64_t v)
{
	char buf[32];
	amount_format(buf, v);
	fputs(buf, f);
}

/* Usage in thousandths of a unit: "2", "2.5", "0.125". */
static void usage_out(FILE *f, int64_t u)
{
	if (u % 1000 == 0)
		fprintf(f, "%lld", (long long)(u / 1000));
	else {
		char buf[32];
		snprintf(buf, sizeof buf, "%lld.%03lld", (long long)(u / 1000),
			 (long long)(u % 1000 < 0 ? -(u % 1000) : u % 1000));
		size_t n = strlen(buf);
		while (buf[n - 1] == '0')
			buf[--n] = 0;
		fputs(buf, f);
	}
}

/* A usage and its unit: "3 days", "1 hour", "2.5 km". */
static void usage_unit_out(FILE *f, int64_t u, const char *unit)
{
	usage_out(f, u);
	fputc(' ', f);
	h(f, unit);
	if (u != 1000 && (!strcmp(unit, "day") || !strcmp(unit, "hour") || !strcmp(unit, "item")))
		fputc('s', f);
}

/* A slot, short: "2026-01-12" for one whole day, "2026-01-05 → 2026-01-06"
 * for whole days, "2026-01-15 18:00–23:00" within a day, else both ends. */
static void slot_out(FILE *f, int64_t start, int64_t end)
{
	char a[CLOCK_BUF], b[CLOCK_BUF], last[CLOCK_BUF];
	clock_format(a, start);
	clock_format(b, end);
	clock_format(last, end - 1);
	int days = strcmp(a + 10, "T00:00") == 0 && strcmp(b + 10, "T00:00") == 0;
	if (days && strncmp(a, last, 10) == 0)
		fprintf(f, "%.10s", a);
	else if (days)
		fprintf(f, "%.10s &#8594; %.10s", a, last);
	else if (strncmp(a, b, 10) == 0)
		fprintf(f, "%.10s %s&#8211;%s", a, a + 11, b + 11);
	else
		fprintf(f, "%.10s %s &#8594; %.10s %s", a, a + 11, b, b + 11);
}

/* Local date, and the time when not midnight. */
static void when_out(FILE *f, int64_t ms, int end)
{
	char buf[CLOCK_BUF];
	clock_format(buf, ms);
	if (strcmp(buf + 10, "T00:00") == 0) {
		if (end) { /* an end at midnight: the day before is the last */
			clock_format(buf, ms - 1);
		}
		buf[10] = 0;
	} else {
		buf[10] = ' ';
	}
	fputs(buf, f);
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
	"h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:36px 0 10px;"
	"padding-bottom:4px;border-bottom:2px solid #e3e6eb}"
	".sub{color:#5b6475;margin:0 0 2px}.mono{font-family:ui-monospace,'DejaVu Sans Mono',"
	"monospace;font-size:12px;word-break:break-all}"
	".verdict{padding:14px 18px;border-radius:8px;margin:8px 0;font-weight:600}"
	".ok{background:#e5f5ea;color:#17622f;border:1px solid #a6d8b5}"
	".bad{background:#fdeaea;color:#8a1c1c;border:1px solid #efb1b1}"
	".stats{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}"
	".stat{background:#f4f6f9;border-radius:8px;padding:8px 14px;min-width:110px}"
	".stat b{display:block;font-size:20px}.stat span{color:#5b6475;font-size:12px}"
	"table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:14px}"
	"th{text-align:left;background:#f4f6f9;color:#3a4252;font-weight:600}"
	"th,td{padding:6px 10px;border-bottom:1px solid #e8eaee;vertical-align:top}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
	".neg{color:#a32020}.pos{color:#17622f}"
	".bar{height:8px;background:#5b7fc7;border-radius:4px;min-width:2px}"
	".state{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;"
	"background:#eef0f4;color:#3a4252;white-space:nowrap}"
	".s-closed{background:#e5f5ea;color:#17622f}.s-declined,.s-cancelled,.s-invalid"
	"{background:#f6eeee;color:#8a3a3a}.s-accepted,.s-handed_over,.s-returned"
	"{background:#e8effb;color:#27477f}"
	".diagram{text-align:center}.diagram svg{max-width:100%;height:auto}"
	".note{color:#5b6475;font-size:13px}"
	"td.slot,td.id,.key{white-space:nowrap}td.id,.key{font-family:ui-monospace,'DejaVu Sans Mono',"
	"monospace;font-size:12px;color:#5b6475}h3{font-size:15px;margin:18px 0 4px}"
	"footer{margin-top:36px;color:#8a93a3;font-size:12px}"
	"@media print{body{background:#fff;padding:0}main{box-shadow:none;padding:0}"
	"h2{break-after:avoid}tr{break-inside:avoid}}";

static void period_out(FILE *f, const struct report *r)
{
	if (r->from == 0 && r->to == INT64_MAX) {
		fputs("the whole history", f);
		return;
	}
	if (r->from > 0) {
		fputs(r->to == INT64_MAX ? "since " : "from ", f);
		when_out(f, r->from, 0);
	}
	if (r->to != INT64_MAX) {
		fputs(r->from > 0 ? " to " : "until ", f);
		when_out(f, r->to, 1);
	}
}

static void audit_out(FILE *f, const struct report *r)
{
	const struct audit_summary *s = &r->sum;
	fputs("<h2>Audit of the signed history</h2>\n", f);
	if (r->audit_rc) {
		fputs("<div class=\"verdict bad\">The audit could not run: ", f);
		h(f, r->audit_err);
		fputs("</div>\n", f);
		return;
	}
	if (s->issues == 0 && s->incomplete)
		fprintf(f, "<div class=\"verdict bad\">&#10007; Audit INCOMPLETE: every rule holds,"
			   " but %llu feed%s stop%s before a head that other members witnessed: the"
			   " history is cut short.</div>\n", (unsigned long long)s->incomplete,
			s->incomplete == 1 ? "" : "s", s->incomplete == 1 ? "s" : "");
	else if (s->issues == 0)
		fputs("<div class=\"verdict ok\">&#10003; Audit OK: every signature, chain, "
		      "membership and lending rule holds; balances sum to zero.</div>\n", f);
	else
		fprintf(f, "<div class=\"verdict bad\">&#10007; Audit FAILED: %llu violation%s."
			   "</div>\n", (unsigned long long)s->issues, s->issues == 1 ? "" : "s");
	fputs("<div class=\"stats\">", f);
	const struct {
		const char *what;
		uint64_t v;
	} st[] = {{"members", s->members}, {"feeds", s->feeds}, {"signed entries", s->entries},
		  {"settled", s->closed},  {"forks", s->forks}};
	for (size_t i = 0; i < sizeof st / sizeof *st; i++)
		fprintf(f, "<div class=\"stat\"><b>%llu</b><span>%s</span></div>",
			(unsigned long long)st[i].v, st[i].what);
	fputs("<div class=\"stat\"><b>", f);
	amount(f, s->credits_moved);
	fputs("</b><span>credits moved</span></div>", f);
	/* deposits (issue 16): held by loans under way, forfeited at settlement */
	fputs("<div class=\"stat\"><b>", f);
	amount(f, s->deposits_held);
	fprintf(f, "</b><span>%s</span></div><div class=\"stat\"><b>", _("deposits held"));
	amount(f, s->deposits_forfeited);
	fprintf(f, "</b><span>%s</span></div></div>\n", _("deposits forfeited"));
	if (r->bundle) {
		fputs("<p class=\"note\">Checked from the bundle <span class=\"mono\">", f);
		h(f, r->bundle);
		fputs("</span> against the auditor's own copy of the genesis, from the genesis "
		      "onwards, over the whole history (not only the period).</p>\n", f);
	} else {
		fputs("<p class=\"note\">Checked on this node's store from the genesis onwards, "
		      "over the whole history (not only the period).</p>\n", f);
	}
	if (!r->nissues)
		return;
	fputs("<table><tr><th>Rule</th><th>Member</th><th class=\"n\">Entry</th>"
	      "<th>Detail</th></tr>\n", f);
	for (size_t i = 0; i < r->nissues; i++) {
		const struct audit_issue *v = &r->issues[i];
		fputs("<tr><td>", f);
		h(f, v->rule);
		fputs("</td><td>", f);
		if (*v->member) {
			h(f, *v->name ? v->name : "?");
			fprintf(f, " <span class=\"key\">%.12s</span>", v->member);
		}
		fputs("</td><td class=\"n\">", f);
		if (v->seq)
			fprintf(f, "%llu", (unsigned long long)v->seq);
		fputs("</td><td>", f);
		h(f, v->detail);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	if (s->issues > r->nissues)
		fprintf(f, "<p class=\"note\">And %llu more: run <code>mutua audit</code>.</p>\n",
			(unsigned long long)(s->issues - r->nissues));
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
	fputs("<h2>Who lent to whom</h2>\n", f);
	fprintf(f, "<div class=\"diagram\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
		   "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
		   "aria-label=\"Loans between members: an arrow goes from the lender to the "
		   "borrower\" font-family=\"system-ui,'DejaVu Sans',sans-serif\">\n",
		W, H, W, H);
	if (!nodes)
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#5b6475\">"
			   "No member yet.</text>\n", cx, cy);
	else if (!any)
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#5b6475\">"
			   "No loan in this period.</text>\n", cx, cy);
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
		fputs("<g class=\"flow\"><title>", f);
		h(f, r->m[x->from].name);
		fputs(" lent to ", f);
		h(f, r->m[x->to].name);
		fprintf(f, ": %lld loan%s, ", (long long)x->loans, x->loans == 1 ? "" : "s");
		amount(f, x->credits);
		fputs(" credits</title>", f);
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
			fputs(" cr", f);
			if (x->loans > 1)
				fprintf(f, " \xc2\xb7 %lld loans", (long long)x->loans);
		} else {
			fprintf(f, "%lld loan%s", (long long)x->loans, x->loans == 1 ? "" : "s");
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
	fprintf(f, "<p class=\"note\">An arrow goes from the lender to the borrower; its width "
		   "follows the %s, its label gives the credits settled (cr) and the number of "
		   "loans when more than one. Loans accepted and not yet settled count, declined "
		   "or cancelled requests do not.",
		use_credits ? "credits settled" : "number of loans");
	if (any && involved > drawn)
		fprintf(f, " The %zu most active members of %zu are drawn.", drawn, involved);
	if (hidden)
		fprintf(f, " The %zu largest flows of %zu are drawn.", nshown, r->nfl);
	if (nshown > FLOWS_LABELLED)
		fprintf(f, " The %d largest are labelled; the table has them all.", FLOWS_LABELLED);
	fputs("</p>\n", f);
	if (!r->nfl)
		return;
	fputs("<table><tr><th>Lender</th><th>Borrower</th><th class=\"n\">Loans</th>"
	      "<th class=\"n\">Credits settled</th></tr>\n", f);
	for (size_t i = 0; i < r->nfl; i++) {
		fputs("<tr><td>", f);
		h(f, r->m[r->fl[i].from].name);
		fputs("</td><td>", f);
		h(f, r->m[r->fl[i].to].name);
		fprintf(f, "</td><td class=\"n\">%lld</td><td class=\"n\">", (long long)r->fl[i].loans);
		amount(f, r->fl[i].credits);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static int balances_out(FILE *f, struct report *r)
{
	struct view_rows *v = period_rows(r, &view_report_balances, 2, 0);
	int rc;
	if (!v)
		return -1;
	fputs("<h2>Balances</h2>\n<table><tr><th>Member</th><th>College</th>"
	      "<th class=\"n\">Balance</th><th class=\"n\">Lent</th><th class=\"n\">Borrowed</th>"
	      "<th class=\"n\">Loans as lender</th><th class=\"n\">Loans as borrower</th></tr>\n", f);
	int64_t total = 0;
	while ((rc = view_next(v)) == 1) {
		int64_t bal = view_int(v, 2);
		total += bal;
		fputs("<tr><td>", f);
		h(f, col_text(v, 0));
		if (!view_int(v, 7))
			fputs(" <span class=\"state s-cancelled\">not a member</span>", f);
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
	fputs("<tr><th>Total</th><th></th><th class=\"n\">", f);
	amount(f, total);
	fputs("</th><th></th><th></th><th></th><th></th></tr></table>\n", f);
	fputs("<p class=\"note\">Balance: credits earned minus credits spent over every loan "
	      "settled before the end of the period (mutual credit: the balances sum to zero). "
	      "Lent and borrowed: the credits of the period's settled loans.</p>\n", f);
	return 0;
}

/* A row's first cells: resource title, kind, owner (columns 0, 1, 3),
 * escaped; the owner cell is left open. */
static void resource_cells(FILE *f, struct view_rows *v)
{
	fputs("<tr><td>", f);
	h(f, col_text(v, 0));
	fputs("</td><td>", f);
	h(f, col_text(v, 1));
	fputs("</td><td>", f);
	h(f, col_text(v, 3));
}

static int resources_out(FILE *f, struct report *r)
{
	struct view_rows *v = period_rows(r, &view_report_top_loans, 2, 0);
	int rc;
	if (!v)
		return -1;
	fputs("<h2>Most used resources</h2>\n<h3>By number of loans</h3>\n", f);
	int rows = 0;
	while ((rc = view_next(v)) == 1) {
		if (!rows++)
			fputs("<table><tr><th>Resource</th><th>Kind</th><th>Owner</th>"
			      "<th class=\"n\">Loans</th><th style=\"width:22%\"></th>"
			      "<th class=\"n\">Usage</th><th class=\"n\">Credits</th></tr>\n", f);
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
	fputs(rows ? "</table>\n" : "<p class=\"note\">No loan in this period.</p>\n", f);

	/* by usage, unit by unit: days and hours do not compare */
	if (!(v = period_rows(r, &view_report_top_usage, 2, 0)))
		return -1;
	fputs("<h3>By usage, per unit</h3>\n", f);
	rows = 0;
	while ((rc = view_next(v)) == 1) {
		if (!rows++)
			fputs("<table><tr><th>Resource</th><th>Kind</th><th>Owner</th>"
			      "<th class=\"n\">Usage</th><th style=\"width:22%\"></th>"
			      "<th class=\"n\">Loans</th></tr>\n", f);
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
	fputs(rows ? "</table>\n<p class=\"note\">Usage as returned or settled, in each "
		     "resource's unit; the top five of each unit.</p>\n"
		   : "<p class=\"note\">No usage recorded in this period.</p>\n", f);
	return 0;
}

/* A loan's first cells, escaped: slot (columns 0 and 1), resource (title),
 * lender (lender), borrower (lender + 1), quantity (qty); the row is left
 * open. */
static void loan_cells(FILE *f, struct view_rows *v, int title, int lender, int qty)
{
	fputs("<tr><td class=\"slot\">", f);
	slot_out(f, view_int(v, 0), view_int(v, 1));
	fputs("</td><td>", f);
	h(f, view_is_null(v, title) ? "(unknown resource)" : col_text(v, title));
	fputs("</td><td>", f);
	h(f, col_text(v, lender));
	fputs("</td><td>", f);
	h(f, view_is_null(v, lender + 1) ? "?" : col_text(v, lender + 1));
	fprintf(f, "</td><td class=\"n\">%lld</td>", (long long)view_int(v, qty));
}

static int loans_out(FILE *f, struct report *r)
{
	struct view_rows *v = period_rows(r, &view_report_loans, 3, LOANS_SHOWN);
	int rc;
	if (!v)
		return -1;
	fputs("<h2>Loans of the period</h2>\n", f);
	int rows = 0;
	int64_t all = 0;
	while ((rc = view_next(v)) == 1) {
		if (!rows++)
			fputs("<table><tr><th>Slot</th><th>Resource</th><th>Lender</th>"
			      "<th>Borrower</th><th class=\"n\">Qty</th><th>State</th>"
			      "<th class=\"n\">Usage</th><th class=\"n\">Credits</th><th>Id</th>"
			      "</tr>\n", f);
		all = view_int(v, 11);
		const char *state = col_text(v, 7);
		loan_cells(f, v, 2, 4, 6);
		fputs("<td><span class=\"state s-", f);
		h(f, state);
		fputs("\">", f);
		h(f, strcmp(state, "handed_over") == 0 ? "handed over" : state);
		fputs("</span></td><td class=\"n\">", f);
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
		fputs("<p class=\"note\">No loan in this period.</p>\n", f);
	else
		fputs("</table>\n", f);
	if (all > rows)
		fprintf(f, "<p class=\"note\">The first %d of %lld loans; <code>mutua export-csv"
			   "</code> lists every settled one.</p>\n", rows, (long long)all);

	/* held for a while, then given back: not a loan, yet the board sees it */
	if (!(v = period_rows(r, &view_report_cancelled, 3, LOANS_SHOWN)))
		return -1;
	rows = 0;
	all = 0;
	while ((rc = view_next(v)) == 1) {
		if (!rows++)
			fputs("<h3>Cancelled after acceptance</h3>\n<table><tr><th>Slot</th>"
			      "<th>Resource</th><th>Lender</th><th>Borrower</th>"
			      "<th class=\"n\">Qty</th><th>Reason</th><th>Id</th></tr>\n", f);
		all = view_int(v, 8);
		loan_cells(f, v, 2, 3, 5);
		fputs("<td>", f);
		h(f, col_text(v, 6));
		fprintf(f, "</td><td class=\"id\">%.8s</td></tr>\n", col_text(v, 7));
	}
	view_close(&v);
	if (rc < 0)
		return -1;
	if (rows)
		fputs("</table>\n<p class=\"note\">Accepted, then cancelled by the lender or the "
		      "borrower: not counted as loans.</p>\n", f);
	if (all > rows)
		fprintf(f, "<p class=\"note\">The first %d of %lld.</p>\n", rows, (long long)all);
	return 0;
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
	fprintf(f, "<div class=\"stats\"><div class=\"stat\"><b>%lld</b><span>loans</span></div>"
		   "<div class=\"stat\"><b>%lld</b><span>settled</span></div>"
		   "<div class=\"stat\"><b>", (long long)view_int(v, 0), (long long)view_int(v, 1));
	amount(f, view_int(v, 2));
	fputs("</b><span>credits settled</span></div>", f);
	if (cancelled)
		fprintf(f, "<div class=\"stat\"><b>%lld</b><span>cancelled after acceptance"
			   "</span></div>", (long long)cancelled);
	fputs("</div>\n", f);
	view_close(&v);

	fputs("<p class=\"note\">A loan: a request its owner accepted (in progress or settled) "
	      "whose slot meets the period; every table below counts these.", f);
	if (!(v = period_rows(r, &view_report_not_lent, 2, 0)))
		return -1;
	int n = 0;
	while ((rc = view_next(v)) == 1) {
		fputs(n++ ? ", " : " Requests not lent: ", f);
		fprintf(f, "%lld ", (long long)view_int(v, 1));
		h(f, col_text(v, 0));
	}
	view_close(&v);
	if (rc < 0)
		return -1;
	if (n)
		fputc('.', f);
	if (cancelled)
		fputs(" Loans cancelled after acceptance are listed apart, after the loans.", f);
	fputs("</p>\n", f);
	return 0;
}

static int page(FILE *f, struct report *r)
{
	char fed[HEX_ID_LEN + 1], now[CLOCK_BUF];
	const uint8_t *fid = store_fed_id(r->c->store);
	const Mutua__Genesis *g = store_genesis(r->c->store);
	hex_encode(fed, fid, 32);
	clock_format(now, clock_now_ms());
	now[10] = ' ';
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n<title>", f);
	h(f, g && g->name ? g->name : "Mutua");
	fputs(" \xe2\x80\x94 board report</title>\n<style>", f);
	fputs(css, f);
	fputs("</style>\n</head>\n<body>\n<main>\n<h1>", f);
	h(f, g && g->name ? g->name : "Mutua");
	fputs("</h1>\n<p class=\"sub\">Board report on the pooled resources: ", f);
	period_out(f, r);
	fputs(".</p>\n<p class=\"sub\">Federation id <span class=\"mono\">", f);
	fputs(fed, f);
	fputs("</span></p>\n", f);
	if (figures_out(f, r))
		return -1;
	audit_out(f, r);
	diagram_out(f, r);
	if (balances_out(f, r) || resources_out(f, r) || loans_out(f, r))
		return -1;
	fprintf(f, "<footer>Made by <code>mutua report</code> on %s from this node's copy of the "
		   "members' signed feeds.</footer>\n</main>\n</body>\n</html>\n", now);
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
		fprintf(stderr, "mutua: report written to %s (audit %s)\n", out,
			r.audit_rc ? "could not run" : r.sum.issues ? "FAILED" : "OK");
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
