/* clock.c - time: the clock, ISO 8601 in and out (UTC milliseconds inside) (clock.h). */
#include "clock.h"
#include "err.h"

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

int clock_parse(const char *s, int end_of_day, int64_t *ms)
{
	const char *p = s;
	struct tm tm = {0};
	int y, mo, d, h = 0, mi = 0, sec = 0, date_only = 1, has_off = 0, off = 0;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d))
		goto bad;
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
	return err_set("'%s' is not a time (use 2026-12-01 or 2026-12-01T08:00)", s);
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
