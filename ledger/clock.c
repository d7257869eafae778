/* clock.c - time: the clock, ISO 8601 in and out (UTC milliseconds inside) (clock.h). */
#include "clock.h"
#include "err.h"
#include "i18n.h"
#include "style.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t clock_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* Reads one or two digits. */
static int digits12(const char **p, int *out)
{
	if (!isdigit((unsigned char)**p))
		return -1;
	int v = *(*p)++ - '0';
	if (isdigit((unsigned char)**p))
		v = v * 10 + (*(*p)++ - '0');
	*out = v;
	return 0;
}

int clock_parse(const char *s, int end_of_day, int64_t *ms)
{
	const char *p = s;
	struct tm tm = {0};
	int y, mo, d, h = 0, mi = 0, sec = 0, date_only = 1, has_off = 0, off = 0;
	int day_first = style_day_first();

	/* ISO 8601, or where the reader writes the day first 05/12/2026 */
	if (day_first && isdigit((unsigned char)p[0]) &&
	    (p[1] == '/' || (isdigit((unsigned char)p[1]) && p[2] == '/'))) {
		if (digits12(&p, &d) || *p++ != '/' || digits12(&p, &mo) || *p++ != '/' ||
		    digits(&p, 4, &y))
			goto bad;
	} else if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
		   *p++ != '-' || digits(&p, 2, &d)) {
		goto bad;
	}
	if (*p == 'T' || *p == ' ') {
		p++;
		date_only = 0;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			goto bad;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				goto bad;
		}
		if (*p == 'Z') {
			p++;
			has_off = 1;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
			if (digits(&p, 2, &oh))
				goto bad;
			if (*p == ':' && !*++p)
				goto bad; /* "+02:" */
			if (*p && digits(&p, 2, &om))
				goto bad;
			if (oh > 23 || om > 59)
				goto bad;
			has_off = 1;
			off = sign * (oh * 60 + om) * 60;
		}
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || y < 1970)
		goto bad;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d + (date_only && end_of_day);
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t;
	if (has_off) {
		t = timegm(&tm) - off;
	} else {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	/* mktime normalises 31 February into March: refuse that. The end of a
	 * day is checked one second before it, which lies on that day. */
	struct tm chk;
	time_t back = (has_off ? t + off : t) - (date_only && end_of_day);
	if (has_off)
		gmtime_r(&back, &chk);
	else
		localtime_r(&back, &chk);
	if (chk.tm_mday != d || chk.tm_mon != mo - 1)
		goto bad;
	*ms = (int64_t)t * 1000;
	return 0;
bad:
	/* the forms the reader may type, in its own style */
	if (day_first)
		return err_set("'%s' is not a date: use 05/12/2026, 05/12/2026 08:00 or "
			       "2026-12-05T08:00", s);
	return err_set("'%s' is not a date: use 2026-12-05 or 2026-12-05T08:00 (ISO 8601)", s);
}

void clock_format(char *buf, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, CLOCK_BUF, "%Y-%m-%dT%H:%M", &tm);
}

void clock_format_utc(char *buf, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(buf, CLOCK_BUF, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, CLOCK_BUF - n, ".%03dZ", (int)(ms % 1000));
}

/* strftime's %z is "+0100": ISO 8601 and people write "+01:00". */
static void format_with_offset(char *buf, int64_t ms, const char *fmt, const char *sep)
{
	time_t t = (time_t)(ms / 1000 - (ms % 1000 < 0));
	struct tm tm;
	char z[8];
	localtime_r(&t, &tm);
	size_t n = strftime(buf, CLOCK_BUF, fmt, &tm);
	if (strftime(z, sizeof z, "%z", &tm) != 5)
		snprintf(z, sizeof z, "+0000");
	snprintf(buf + n, CLOCK_BUF - n, "%s%.3s:%.2s", sep, z, z + 3);
}

void clock_format_offset(char *buf, int64_t ms)
{
	format_with_offset(buf, ms, "%Y-%m-%d %H:%M", " ");
}

void clock_format_iso(char *buf, int64_t ms)
{
	format_with_offset(buf, ms, "%Y-%m-%dT%H:%M:%S", "");
}

void clock_format_offset_s(char *buf, int64_t ms)
{
	format_with_offset(buf, ms, "%Y-%m-%d %H:%M:%S", " ");
}

void clock_format_iso_ms(char *buf, int64_t ms)
{
	char tmp[CLOCK_BUF];
	format_with_offset(tmp, ms, "%Y-%m-%dT%H:%M:%S", "");
	/* the milliseconds go before the offset */
	size_t n = strlen(tmp) - 6;
	int frac = (int)(((ms % 1000) + 1000) % 1000);
	snprintf(buf, CLOCK_BUF, "%.*s.%03d%s", (int)n, tmp, frac, tmp + n);
}

void clock_format_sheet(char *buf, int64_t ms)
{
	time_t t = (time_t)(ms / 1000 - (ms % 1000 < 0));
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, CLOCK_BUF, "%Y-%m-%d %H:%M:%S", &tm);
}

void clock_format_duration(char *buf, size_t cap, int64_t ms)
{
	int64_t s = ms / 1000, days = s / 86400, h = s % 86400 / 3600, mi = s % 3600 / 60,
		sec = s % 60;
	size_t n = 0;
	buf[0] = 0;
	if (ms < 0 || !s) {
		snprintf(buf, cap, ms < 0 ? "?" : _("0 s"));
		return;
	}
	/* "14 days", "1 day 2 h", "3 h 30 min", "45 s" */
	if (days)
		snprintf(buf, cap, dngettext(MUTUA_DOMAIN, "%lld day", "%lld days",
					     (unsigned long)days), (long long)days);
	n = strlen(buf);
	if (h && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, "%s%lld h", n ? " " : "", (long long)h);
	if (mi && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, "%s%lld min", n ? " " : "", (long long)mi);
	if (sec && n < cap)
		snprintf(buf + n, cap - n, "%s%lld s", n ? " " : "", (long long)sec);
}
