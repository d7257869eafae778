/* ical.c - the iCalendar writer (ical.h). */
#include "ical.h"
#include "entry.h"
#include "err.h"
#include "hex.h"
#include "i18n.h"
#include "loan.h"
#include "store.h"
#include "text.h"
#include "view.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The loans staff delegation ?1's person acted on: the request (or its
 * series) signed under it, or a later step of the loan. */
static const struct view view_person_loans = {
	"person's loans",
	"SELECT lower(hex(l.id)) FROM loans l JOIN acts sa ON sa.id = coalesce(l.series, l.id)"
	" WHERE sa.delegation = ?1"
	" UNION SELECT lower(hex(v.request)) FROM loan_events v JOIN acts sa ON sa.id = v.id"
	" WHERE sa.delegation = ?1 ORDER BY 1"};

/* iCalendar text: escape \ ; , and newlines (RFC 5545, 3.3.11); what
 * older entries may hold and a calendar must not (controls, bidirectional
 * and format characters) is escaped as in the tables (text_printable). */
static void ics_text(char *out, size_t cap, const char *text)
{
	size_t n = 0;
	char *safe = text_printable(text, TEXT_MULTILINE);
	for (const char *s = safe ? safe : ""; *s && n + 3 < cap; s++) {
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
	free(safe);
}

/* One content line, folded at 75 octets without splitting UTF-8, CRLF. */
static void ics_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ics_line(FILE *f, const char *fmt, ...)
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
		if (i + clen > len)
			clen = len - i;
		if (col + clen > 75) {
			fputs("\r\n ", f);
			col = 1;
		}
		fwrite(buf + i, 1, clen, f);
		col += clen;
		i += clen - 1;
	}
	fputs("\r\n", f);
}

static void ics_time(char *out, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 20, "%Y%m%dT%H%M%SZ", &tm);
}

/* A weekly series the calendar shows whole (view_calendar_series): every
 * occurrence in the window, so that one RRULE with an EXDATE for each
 * week that does not hold says exactly what the rows say. Others are
 * written one event an occurrence. */
#define ICS_SERIES_MAX 256
struct ics_series {
	char id[HEX_ID_LEN + 1];
	int n, done;
	int64_t start, end;   /* the first occurrence's slot */
	uint64_t holding;     /* bit k: occurrence k holds (ENTRY_SERIES_MAX < 64) */
};

static int ics_series_read(struct store *s, struct view_arg *args, struct ics_series *out)
{
	struct view_rows *r = view_open(s, &view_calendar_series, args, 3, 0);
	if (!r)
		return -1;
	int n = 0, rc;
	while ((rc = view_next(r)) == 1 && n < ICS_SERIES_MAX) {
		if (!view_int(r, 5))
			continue;
		struct ics_series *x = &out[n];
		snprintf(x->id, sizeof x->id, "%s", view_text(r, 0));
		x->n = (int)view_int(r, 1);
		x->start = view_int(r, 2);
		x->end = view_int(r, 3);
		x->done = 0;
		x->holding = 0;
		const char *h = view_text(r, 4);
		for (char *e; h && *h; h = e) {
			long k = strtol(h, &e, 10);
			if (e == h)
				break;
			if (k >= 0 && k < 64)
				x->holding |= 1ULL << k;
		}
		if (x->n >= 1 && x->n <= ENTRY_SERIES_MAX)
			n++;
	}
	view_close(&r);
	return rc < 0 ? -1 : n;
}

static struct ics_series *ics_series_find(struct ics_series *s, int n, const char *id)
{
	for (int i = 0; id && i < n; i++)
		if (strcmp(s[i].id, id) == 0)
			return &s[i];
	return NULL;
}

/* The person's loans, sorted hex ids (view_person_loans). */
struct idset {
	char (*id)[HEX_ID_LEN + 1];
	size_t n, cap;
};

static int idset_read(struct store *s, const uint8_t person[32], struct idset *set)
{
	struct view_arg a[] = {VIEW_ID(person)};
	struct view_rows *r = view_open(s, &view_person_loans, a, 1, 0);
	int rc;
	if (!r)
		return -1;
	while ((rc = view_next(r)) == 1) {
		const char *id = view_text(r, 0);
		if (!id || strlen(id) != HEX_ID_LEN)
			continue;
		if (set->n == set->cap) {
			size_t cap = set->cap ? 2 * set->cap : 64;
			void *p = realloc(set->id, cap * sizeof *set->id);
			if (!p) {
				view_close(&r);
				return err_set("out of memory");
			}
			set->id = p;
			set->cap = cap;
		}
		memcpy(set->id[set->n++], id, HEX_ID_LEN + 1);
	}
	view_close(&r);
	return rc < 0 ? -1 : 0;
}

static int idset_has(const struct idset *set, const char *id)
{
	size_t lo = 0, hi = set->n;
	while (id && lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(set->id[mid], id);
		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static const char *state_words(const char *state)
{
	enum loan_state ls;
	return loan_state_parse(state, &ls) ? state : loan_state_words(ls);
}

int ical_write(struct store *s, FILE *f, const struct ical_what *what, int64_t now)
{
	int rc;
	struct view_arg args[] = {VIEW_INT(what->from), VIEW_INT(what->to),
				  what->resource ? VIEW_ID(what->resource) : VIEW_NULL,
				  what->me ? VIEW_ID(what->me) : VIEW_NULL};
	/* the columns used, by name: ID, TITLE ... */
	enum { ID, TITLE, OWNER, BORROWER, QUANTITY, STATE, START, END, NOTE, LOCATION, REASON,
	       SERIES, NCOLS };
	static const char *const names[NCOLS] = {"id", "resource_title", "owner_name",
						 "borrower_name", "quantity", "state", "start_ms",
						 "end_ms", "note", "location", "reason", "series"};
	int col[NCOLS];
	struct idset mine = {0};
	struct ics_series *ser = malloc(ICS_SERIES_MAX * sizeof *ser);
	if (!ser)
		return err_set("out of memory");
	int nser = ics_series_read(s, args, ser);
	if (nser < 0 || (what->person && idset_read(s, what->person, &mine))) {
		free(ser);
		free(mine.id);
		return -1;
	}
	struct view_rows *r = view_open(s, &view_calendar, args, 4, 0);
	if (!r) {
		free(ser);
		free(mine.id);
		return -1;
	}
	for (int k = 0; k < NCOLS; k++) {
		if ((col[k] = view_find(r, names[k])) < 0) {
			view_close(&r);
			free(ser);
			free(mine.id);
			return err_set("store: view calendar has no column '%s'", names[k]);
		}
	}
	/* t3 holds DESCRIPTION escaped: a note of NOTE_MAX_LEN bytes and two
	 * names may double in size; nothing is cut */
	char stamp[20], a[20], b[20], t1[1024], t2[2048], t3[4096];
	ics_time(stamp, now);
	ics_line(f, "BEGIN:VCALENDAR");
	ics_line(f, "VERSION:2.0");
	ics_line(f, "PRODID:-//Mutua//mutua 0.1//FR");
	ics_line(f, "CALSCALE:GREGORIAN");
	ics_line(f, "METHOD:PUBLISH");
	ics_text(t1, sizeof t1, store_genesis(s)->name);
	ics_line(f, "X-WR-CALNAME:Mutua - %s", t1);
	while ((rc = view_next(r)) == 1) {
		const char *title = view_text(r, col[TITLE]);
		const char *borrower = view_text(r, col[BORROWER]);
		const char *owner = view_text(r, col[OWNER]);
		const char *state = view_text(r, col[STATE]);
		const char *note = view_text(r, col[NOTE]);
		const char *location = view_text(r, col[LOCATION]);
		const char *reason = view_text(r, col[REASON]);
		/* a person's calendar: the loans they acted on, no block */
		if (what->person && (reason || !idset_has(&mine, view_text(r, col[ID]))))
			continue;
		/* a whole weekly series: one event, its rule and the weeks left
		 * out, at its first row; its other rows are in it */
		struct ics_series *whole = ics_series_find(ser, nser, view_text(r, col[SERIES]));
		if (whole && whole->done)
			continue;
		ics_time(a, whole ? whole->start : view_int(r, col[START]));
		ics_time(b, whole ? whole->end : view_int(r, col[END]));
		ics_line(f, "BEGIN:VEVENT");
		ics_line(f, "UID:%s@mutua", whole ? whole->id : view_text(r, col[ID]));
		ics_line(f, "DTSTAMP:%s", stamp);
		ics_line(f, "DTSTART:%s", a);
		ics_line(f, "DTEND:%s", b);
		if (whole) {
			whole->done = 1;
			ics_line(f, "RRULE:FREQ=WEEKLY;COUNT=%d", whole->n);
			for (int k = 0; k < whole->n; k++) {
				if (whole->holding & (1ULL << k))
					continue;
				ics_time(a, whole->start + k * ENTRY_WEEK_MS);
				ics_line(f, "EXDATE:%s", a);
			}
		}
		if (reason)
			snprintf(t2, sizeof t2, _("%s - blocked (%s)"), title ? title : "?", reason);
		else
			snprintf(t2, sizeof t2, "%s - %s", title ? title : "?",
				 borrower ? borrower : "?");
		ics_text(t1, sizeof t1, t2);
		ics_line(f, "SUMMARY:%s", t1);
		if (reason)
			snprintf(t2, sizeof t2, _("Blocked by %s (%s), quantity %lld.%s%s"),
				 owner ? owner : "?", reason, (long long)view_int(r, col[QUANTITY]),
				 note && *note ? " " : "", note ? note : "");
		else {
			int m = snprintf(t2, sizeof t2, _("%s lends it to %s, quantity %lld, %s."),
					 owner ? owner : "?", borrower ? borrower : "?",
					 (long long)view_int(r, col[QUANTITY]),
					 _(state_words(state ? state : "?")));
			if (m >= 0 && (size_t)m < sizeof t2)
				snprintf(t2 + m, sizeof t2 - (size_t)m, "%s%s",
					 note && *note ? " " : "", note ? note : "");
		}
		ics_text(t3, sizeof t3, t2);
		ics_line(f, "DESCRIPTION:%s", t3);
		if (location && *location) {
			ics_text(t1, sizeof t1, location);
			ics_line(f, "LOCATION:%s", t1);
		}
		ics_line(f, "STATUS:CONFIRMED");
		ics_line(f, "END:VEVENT");
	}
	view_close(&r);
	free(ser);
	free(mine.id);
	if (rc < 0)
		return -1;
	ics_line(f, "END:VCALENDAR");
	return 0;
}
