/* test_util.c - hex, UTF-8, time and amount parsing, whole-file I/O. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"
#include "style.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <time.h>

/* 2026-01-01T00:00:00Z */
#define NEWYEAR_MS 1767225600000LL
#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)

/* Europe/Paris from tzdata when installed; otherwise its POSIX rule, which
 * glibc reads without tzdata and which gives the same offsets since 1996
 * (without either, glibc would silently use UTC). */
#define PARIS_RULE "CET-1CEST,M3.5.0,M10.5.0/3"

static int have_tzdata(void)
{
	char p[512];
	const char *dir = getenv("TZDIR");
	snprintf(p, sizeof p, "%s/Europe/Paris", dir ? dir : "/usr/share/zoneinfo");
	return access(p, R_OK) == 0;
}

static void set_tz(const char *tz)
{
	if (strcmp(tz, "Europe/Paris") == 0 && !have_tzdata())
		tz = PARIS_RULE;
	else if (strcmp(tz, "UTC") == 0)
		tz = "UTC0";
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

/* The fallback rule agrees with tzdata where both are there. */
static void test_time_paris_rule(void **state)
{
	(void)state;
	const char *dates[] = {"2026-01-01", "2026-03-29T01:59", "2026-03-29T03:00",
			       "2026-07-14T12:00", "2026-10-25T01:59", "2026-10-25T03:00",
			       "2030-12-31T23:59"};
	/* not skip(): cmocka 1.1's TAP writes "not ok # SKIP", which
	 * tests/run.sh counts as a failure */
	if (!have_tzdata()) {
		print_message("no tzdata: the other time tests use the rule alone\n");
		return;
	}
	for (size_t i = 0; i < sizeof dates / sizeof *dates; i++) {
		int64_t a, b;
		assert_int_equal(setenv("TZ", "Europe/Paris", 1), 0);
		tzset();
		assert_int_equal(clock_parse(dates[i], 0, &a), 0);
		assert_int_equal(setenv("TZ", PARIS_RULE, 1), 0);
		tzset();
		assert_int_equal(clock_parse(dates[i], 0, &b), 0);
		assert_int_equal(a, b);
	}
}

/* hex */

static void test_hex_encode(void **state)
{
	(void)state;
	const uint8_t in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	char out[2 * sizeof in + 1];
	memset(out, 'x', sizeof out);
	hex_encode(out, in, sizeof in);
	assert_string_equal(out, "00017f80abff");
	hex_encode(out, in, 0);
	assert_string_equal(out, "");
}

static void test_hex_decode(void **state)
{
	(void)state;
	uint8_t out[4] = {0};
	assert_int_equal(hex_decode(out, 4, "00ffA5b6"), 0);
	assert_memory_equal(out, ((uint8_t[]){0x00, 0xff, 0xa5, 0xb6}), 4);

	/* round trip over every byte value */
	uint8_t all[256], back[256];
	char hex[513];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	hex_encode(hex, all, sizeof all);
	assert_int_equal(hex_decode(back, sizeof back, hex), 0);
	assert_memory_equal(all, back, sizeof all);
}

static void test_hex_decode_bad(void **state)
{
	(void)state;
	uint8_t out[2];
	const char *bad[] = {
		"",       /* too short */
		"00f",    /* odd */
		"00ff0",  /* too long */
		"00ff00", /* too long */
		"0g00",   /* not hex */
		"00 f",   /* space */
		"-1ff",   /* sign */
		"0xff",   /* prefix */
		"ff\n0",  /* newline */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		out[0] = out[1] = 0x5a;
		if (hex_decode(out, 2, bad[i]) != -1)
			fail_msg("hex_decode accepted '%s'", bad[i]);
	}
	assert_int_equal(hex_decode(out, 0, ""), 0);
}

static void test_hex_is_prefix(void **state)
{
	(void)state;
	assert_true(hex_is_prefix("abcd", 4, 64));
	assert_true(hex_is_prefix("ABCDEF0123", 4, 64));
	assert_false(hex_is_prefix("abc", 4, 64));
	assert_false(hex_is_prefix("abcg", 4, 64));
	assert_false(hex_is_prefix("ab d", 4, 64));
	assert_false(hex_is_prefix("", 1, 64));
	char s[70];
	memset(s, 'a', 65);
	s[65] = 0;
	assert_false(hex_is_prefix(s, 4, 64));
	s[64] = 0;
	assert_true(hex_is_prefix(s, 4, 64));
}

/* UTF-8 */

static int u8(const char *s, size_t max, int multiline)
{
	return text_utf8_check(s, strlen(s), max, multiline);
}

static void test_utf8_valid(void **state)
{
	(void)state;
	const char *good[] = {
		"",
		"plain ascii ~",
		"R\xc3\xa9gie de quartier",    /* é */
		"Camion 20 m\xc2\xb3",         /* ³ */
		"\xe2\x82\xac",                /* € */
		"\xf0\x9f\x9a\x9a",            /* 🚚 */
		"\xed\x9f\xbf",                /* U+D7FF, last before surrogates */
		"\xee\x80\x80",                /* U+E000, first after */
		"\xf4\x8f\xbf\xbd",            /* U+10FFFD, the last character */
		"\xe0\xa0\x80",                /* U+0800, smallest 3-byte */
		"\xf0\x90\x80\x80",            /* U+10000, smallest 4-byte */
		"Cam\xe2\x80\x8d\xf0\x9f\x9a\x9a", /* ZERO WIDTH JOINER: emoji sequences */
		"\xef\xbf\xbd",                /* U+FFFD */
		"\xc2\xa0",                    /* U+00A0, the first 2-byte after C1 */
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		if (u8(good[i], 100, 0) != 0)
			fail_msg("text_utf8_check refused good string %zu", i);
}

static void test_utf8_invalid(void **state)
{
	(void)state;
	const char *bad[] = {
		"\xc0\xaf",             /* overlong '/' */
		"\xc1\xbf",             /* overlong */
		"\xe0\x80\xaf",         /* overlong, 3 bytes */
		"\xe0\x9f\xbf",         /* overlong U+07FF */
		"\xf0\x80\x80\xaf",     /* overlong, 4 bytes */
		"\xf0\x8f\xbf\xbf",     /* overlong U+FFFF */
		"\xed\xa0\x80",         /* U+D800 surrogate */
		"\xed\xbf\xbf",         /* U+DFFF surrogate */
		"\xed\xa0\xbd\xed\xb2\xa9", /* CESU-8 pair */
		"\xf4\x90\x80\x80",     /* U+110000 */
		"\xf5\x80\x80\x80",     /* lead byte beyond Unicode */
		"\xf8\x88\x80\x80\x80", /* 5-byte form */
		"\xfc\x84\x80\x80\x80\x80", /* 6-byte form */
		"\xfe", "\xff",
		"\x80",                 /* lone continuation */
		"a\xbf" "b",
		"\xc3",                 /* truncated at the end */
		"ok\xe2\x82",
		"ok\xf0\x9f\x9a",
		"\xc3" "A",             /* continuation missing */
		"\xe2\x28\xa1",
		"\xf0\x9f\x9a" "A",
		"\x01", "\x1b[31m", "a\x7f" "b", "\r", /* control characters */
		"line\nbreak",          /* newline when not multiline */
		"tab\there",            /* tab when not multiline */
		"\xc2\x80", "\xc2\x9b" "31m", "\xc2\x9d" "0;x\x07", "\xc2\x9f", /* C1 */
		"\xd8\x9c", "\xe2\x80\x8e", "\xe2\x80\x8f", "\xe2\x80\xaa",
		"\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa9", /* bidirectional */
		"\xc2\xad", "\xe2\x80\x8b", "\xe2\x80\xa8", "\xe2\x80\xa9",
		"\xe2\x81\xa0", "a\xef\xbb\xbf", "\xef\xbf\xb9",
		"\xf3\xa0\x80\x81", "\xf3\xa0\x81\xbf", /* format characters, tags */
		"\xef\xb7\x90", "\xef\xbf\xbe", "\xef\xbf\xbf",
		"\xf4\x8f\xbf\xbe", /* noncharacters */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (u8(bad[i], 100, 0) != -1)
			fail_msg("text_utf8_check accepted bad string %zu", i);
}

static void test_utf8_nul_multiline_max(void **state)
{
	(void)state;
	/* a NUL inside the counted length */
	assert_int_equal(text_utf8_check("a\0b", 3, 10, 0), -1);
	assert_int_equal(text_utf8_check("a\0b", 3, 10, 1), -1);
	assert_int_equal(text_utf8_check("a\0b", 1, 10, 0), 0);

	/* newline only when multiline; carriage return never */
	assert_int_equal(u8("one\ntwo", 100, 1), 0);
	assert_int_equal(u8("one\ntwo", 100, 0), -1);
	assert_int_equal(u8("one\r\ntwo", 100, 1), -1);
	assert_int_equal(u8("one\ttwo", 100, 1), 0);
	assert_int_equal(u8("one\ttwo", 100, 0), -1);
	assert_int_equal(u8("one\ttwo", 100, TEXT_TAB), 0);
	assert_int_equal(u8("one\ntwo", 100, TEXT_TAB), -1);
	assert_int_equal(u8("\xc2\x85", 100, TEXT_MULTILINE), -1); /* NEL is C1 */

	/* max counts bytes, not characters */
	assert_int_equal(u8("abcd", 4, 0), 0);
	assert_int_equal(u8("abcde", 4, 0), -1);
	assert_int_equal(u8("\xc3\xa9", 2, 0), 0);
	assert_int_equal(u8("\xc3\xa9", 1, 0), -1);
	assert_int_equal(u8("", 0, 0), 0);
}

/* text_check names the character and its position in characters (from
 * 1), or the byte (from 1) where the text stops being UTF-8. */
static void check_msg(const char *s, int flags, const char *want)
{
	err_set("sentinel");
	if (text_check("title", s, 100, flags) != -1)
		fail_msg("text_check accepted '%s'", s);
	if (strcmp(err_msg(), want))
		fail_msg("text_check('%s'): '%s', want '%s'", s, err_msg(), want);
}

static void test_text_check_messages(void **state)
{
	(void)state;
	assert_int_equal(text_check("title", NULL, 10, 0), 0);
	assert_int_equal(text_check("title", "R\xc3\xa9gie", 10, 0), 0);
	check_msg("Bell\a", 0,
		  "title: control character U+0007 at position 5 is not allowed: remove it");
	check_msg("\xc3\xa9t\xc3\xa9\n", 0,
		  "title: control character U+000A at position 4 is not allowed in one line: "
		  "remove it");
	check_msg("a\tb", 0,
		  "title: control character U+0009 at position 2 is not allowed in one line: "
		  "remove it");
	check_msg("\xc3\xa9\xc2\x9d" "0;pwned\x07", 1,
		  "title: control character U+009D at position 2 is not allowed: remove it");
	check_msg("Van \xe2\x80\xae" "fdp.exe", 1,
		  "title: bidirectional control U+202E at position 5 is not allowed: remove it");
	check_msg("\xe2\x81\xa7x", 0,
		  "title: bidirectional control U+2067 at position 1 is not allowed: remove it");
	check_msg("a\xe2\x80\x8b" "b", 0,
		  "title: format character U+200B at position 2 is not allowed: remove it");
	check_msg("ab\xef\xbb\xbf", 0,
		  "title: format character U+FEFF at position 3 is not allowed: remove it");
	check_msg("x\xf3\xa0\x81\x81", 0,
		  "title: format character U+E0041 at position 2 is not allowed: remove it");
	check_msg("\xef\xbf\xbe", 0,
		  "title: noncharacter U+FFFE at position 1 is not allowed: remove it");
	check_msg("Caf\xc3\xa9\xff", 0,
		  "title is not valid UTF-8 at byte 6 (0xff): write it in UTF-8");
	check_msg("\xed\xa0\x80", 0,
		  "title is not valid UTF-8 at byte 1 (0xed): write it in UTF-8");
	assert_int_equal(text_check("title", "abcdefghijk", 10, 0), -1);
	assert_string_equal(err_msg(), "title is too long (11 bytes, at most 10)");

	struct text_fault f;
	assert_int_equal(text_scan("\xc3\xa9\xe2\x82\xac\xc2\x9b", 7, 0, &f), -1);
	assert_int_equal(f.byte, 5);
	assert_int_equal(f.pos, 3);
	assert_int_equal(f.cp, 0x9b);
	assert_string_equal(f.what, "control character");
}

static void printable_is(const char *s, int flags, const char *want)
{
	char *p = text_printable(s, flags);
	assert_non_null(p);
	if (strcmp(p, want))
		fail_msg("text_printable('%s'): '%s', want '%s'", s, p, want);
	free(p);
}

static void test_text_printable(void **state)
{
	(void)state;
	printable_is("", 0, "");
	printable_is("R\xc3\xa9gie \xe2\x82\xac \xf0\x9f\x9a\x9a", 0,
		     "R\xc3\xa9gie \xe2\x82\xac \xf0\x9f\x9a\x9a");
	printable_is("\x1b]0;owned\x07red\x1b[31m", 0, "\\x1b]0;owned\\x07red\\x1b[31m");
	printable_is("a\xc2\x9b" "31m\xc2\x9d" "0;t", 0, "a<U+009B>31m<U+009D>0;t");
	printable_is("fac\xe2\x80\xae" "fdp.exe", 0, "fac<U+202E>fdp.exe");
	printable_is("a\x7f" "b\xff\xc3", 0, "a\\x7fb\\xff\\xc3");
	printable_is("one\ttwo\nthree\r", 0, "one\\x09two\\x0athree\\x0d");
	printable_is("one\ttwo\nthree\r", TEXT_MULTILINE, "one\ttwo\nthree\\x0d");
	printable_is("\xf3\xa0\x80\x81", 0, "<U+E0001>");
}

/* time */

static void parse_ok(const char *s, int eod, int64_t want)
{
	int64_t ms = -12345;
	if (clock_parse(s, eod, &ms) != 0)
		fail_msg("clock_parse refused '%s' (eod %d): %s", s, eod, err_msg());
	if (ms != want)
		fail_msg("clock_parse('%s', %d) = %lld, want %lld", s, eod, (long long)ms,
			 (long long)want);
}

static void parse_bad(const char *s, int eod)
{
	int64_t ms = 777;
	err_set("sentinel");
	if (clock_parse(s, eod, &ms) != -1)
		fail_msg("clock_parse accepted '%s' (eod %d) as %lld", s, eod, (long long)ms);
	assert_int_equal(ms, 777);
	assert_non_null(strstr(err_msg(), "is not a date"));
}

/* The reader's locale as the environment gives it (style.h): LC_ALL, or
 * NULL to leave it unset with LC_TIME, LC_NUMERIC and LANG unset too. */
static void set_locale_env(const char *all)
{
	unsetenv("LC_TIME");
	unsetenv("LC_NUMERIC");
	unsetenv("LANG");
	if (all)
		assert_int_equal(setenv("LC_ALL", all, 1), 0);
	else
		unsetenv("LC_ALL");
}

static void test_time_utc_and_offsets(void **state)
{
	(void)state;
	set_locale_env("C");
	set_tz("Europe/Paris"); /* explicit offsets must not depend on it */
	parse_ok("2026-01-01T00:00Z", 0, NEWYEAR_MS);
	parse_ok("2026-01-01T00:00:00Z", 0, NEWYEAR_MS);
	parse_ok("2026-01-01 00:00Z", 0, NEWYEAR_MS);
	parse_ok("2026-01-01T00:00:01Z", 0, NEWYEAR_MS + 1000);
	parse_ok("2026-01-01T02:00+02:00", 0, NEWYEAR_MS);
	parse_ok("2026-01-01T02:00+0200", 0, NEWYEAR_MS);
	parse_ok("2026-01-01T02:00+02", 0, NEWYEAR_MS);
	parse_ok("2026-01-01T02:30:00+02:30", 0, NEWYEAR_MS);
	parse_ok("2025-12-31T23:00-01:00", 0, NEWYEAR_MS);
	parse_ok("2026-01-01T08:00+00:00", 0, NEWYEAR_MS + 8 * HOUR_MS);
	/* end_of_day changes nothing when a time is given */
	parse_ok("2026-01-01T00:00Z", 1, NEWYEAR_MS);
	/* 29 February only in leap years */
	parse_ok("2028-02-29T12:00Z", 0, 1835438400000LL);
}

static void test_time_local(void **state)
{
	(void)state;
	set_tz("Europe/Paris");
	/* winter: UTC+1 */
	parse_ok("2026-01-01", 0, NEWYEAR_MS - HOUR_MS);
	parse_ok("2026-01-01T01:00", 0, NEWYEAR_MS);
	parse_ok("2026-01-01T09:30:15", 0, NEWYEAR_MS + 8 * HOUR_MS + 30 * 60000 + 15000);
	/* summer: UTC+2; 2026-07-01T00:00Z is 1782864000 */
	parse_ok("2026-07-01T02:00", 0, 1782864000000LL);
	parse_ok("2026-07-01", 0, 1782864000000LL - 2 * HOUR_MS);

	set_tz("UTC");
	parse_ok("2026-01-01", 0, NEWYEAR_MS);
	parse_ok("2026-01-01T01:00", 0, NEWYEAR_MS + HOUR_MS);
	set_tz("Europe/Paris");
}

static void test_time_end_of_day(void **state)
{
	(void)state;
	set_tz("Europe/Paris");
	int64_t start, end;
	/* a date alone with end_of_day is the first instant of the next day */
	parse_ok("2026-01-01", 1, NEWYEAR_MS - HOUR_MS + DAY_MS);
	/* across the end of a month and of a year */
	assert_int_equal(clock_parse("2026-01-31", 1, &end), 0);
	assert_int_equal(clock_parse("2026-02-01", 0, &start), 0);
	assert_int_equal(end, start);
	assert_int_equal(clock_parse("2026-12-31", 1, &end), 0);
	assert_int_equal(clock_parse("2027-01-01", 0, &start), 0);
	assert_int_equal(end, start);
	assert_int_equal(clock_parse("2028-02-28", 1, &end), 0);
	assert_int_equal(clock_parse("2028-02-29", 0, &start), 0);
	assert_int_equal(end, start);
	/* 29 March 2026 lasts 23 hours in Paris (summer time begins) */
	assert_int_equal(clock_parse("2026-03-29", 0, &start), 0);
	assert_int_equal(clock_parse("2026-03-29", 1, &end), 0);
	assert_int_equal(end - start, 23 * HOUR_MS);
	/* 25 October 2026 lasts 25 hours */
	assert_int_equal(clock_parse("2026-10-25", 0, &start), 0);
	assert_int_equal(clock_parse("2026-10-25", 1, &end), 0);
	assert_int_equal(end - start, 25 * HOUR_MS);
}

static void test_time_invalid_dates(void **state)
{
	(void)state;
	set_tz("Europe/Paris");
	for (int eod = 0; eod <= 1; eod++) {
		parse_bad("2026-02-31", eod);
		parse_bad("2026-02-29", eod); /* 2026 is not a leap year */
		parse_bad("2026-04-31", eod);
		parse_bad("2026-02-30T10:00", eod);
		parse_bad("2026-02-31T10:00Z", eod);
		parse_bad("2026-13-01", eod);
		parse_bad("2026-00-10", eod);
		parse_bad("2026-01-00", eod);
		parse_bad("2026-01-32", eod);
	}
}

static void test_time_garbage(void **state)
{
	(void)state;
	set_tz("Europe/Paris");
	const char *bad[] = {
		"", "tomorrow", "2026", "2026-01", "2026-1-01", "2026-01-1",
		"26-01-01", "2026/01/01", "2026-01-01T", "2026-01-01T8:00",
		"2026-01-01T08", "2026-01-01T08:0", "2026-01-01T24:00",
		"2026-01-01T08:60", "2026-01-01T08:00:61", "2026-01-01T08:00:5",
		"2026-01-01T08:00+", "2026-01-01T08:00+2", "2026-01-01T08:00+24:00",
		"2026-01-01T08:00+02:60", "2026-01-01T08:00+02:", "2026-01-01T08:00+02:0",
		"2026-01-01T08:00Zjunk", "2026-01-01Z", "2026-01-01X", " 2026-01-01",
		"2026-01-01 ", "2026-01-01T08:00 Z", "1969-12-31",
		"-2026-01-01", "2026-01-01T08:00:00.5Z",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		parse_bad(bad[i], 0);
}

static void test_time_format(void **state)
{
	(void)state;
	char buf[CLOCK_BUF];
	clock_format_utc(buf, NEWYEAR_MS + 1234);
	assert_string_equal(buf, "2026-01-01T00:00:01.234Z");
	set_tz("Europe/Paris");
	clock_format(buf, NEWYEAR_MS);
	assert_string_equal(buf, "2026-01-01T01:00");
	/* what clock_format prints, clock_parse reads back */
	int64_t ms;
	assert_int_equal(clock_parse(buf, 0, &ms), 0);
	assert_int_equal(ms, NEWYEAR_MS);
	/* with the offset, winter and summer; and as ISO 8601, read back */
	clock_format_offset(buf, NEWYEAR_MS + 8 * HOUR_MS);
	assert_string_equal(buf, "2026-01-01 09:00 +01:00");
	clock_format_offset(buf, NEWYEAR_MS + 195 * DAY_MS);
	assert_string_equal(buf, "2026-07-15 02:00 +02:00");
	clock_format_iso(buf, NEWYEAR_MS + 1999);
	assert_string_equal(buf, "2026-01-01T01:00:01+01:00");
	assert_int_equal(clock_parse(buf, 0, &ms), 0);
	assert_int_equal(ms, NEWYEAR_MS + 1000);
	set_tz("NST3:30"); /* Newfoundland, a half hour, without tzdata */
	clock_format_offset(buf, NEWYEAR_MS);
	assert_string_equal(buf, "2025-12-31 20:30 -03:30");
	set_tz("UTC");
	clock_format_iso(buf, NEWYEAR_MS);
	assert_string_equal(buf, "2026-01-01T00:00:00+00:00");
}

/* amounts */

static void amount_ok(const char *s, int neg, int64_t want)
{
	int64_t v = -777;
	if (amount_parse(s, neg, &v) != 0)
		fail_msg("amount_parse refused '%s': %s", s, err_msg());
	if (v != want)
		fail_msg("amount_parse('%s') = %lld, want %lld", s, (long long)v,
			 (long long)want);
}

static void amount_bad(const char *s, int neg)
{
	int64_t v = -777;
	err_set("sentinel");
	if (amount_parse(s, neg, &v) != -1)
		fail_msg("amount_parse accepted '%s' as %lld", s, (long long)v);
	assert_int_equal(v, -777);
	assert_string_not_equal(err_msg(), "sentinel");
}

static void test_amount_parse(void **state)
{
	(void)state;
	set_locale_env("C.UTF-8");
	amount_ok("12", 0, 1200);
	amount_ok("12.5", 0, 1250);
	amount_ok("12.50", 0, 1250);
	amount_ok("12.05", 0, 1205);
	amount_ok("0", 0, 0);
	amount_ok("0.01", 0, 1);
	amount_ok("007", 0, 700);
	amount_ok("1000000000000", 0, 100000000000000LL);
	amount_ok("-1", 1, -100);
	amount_ok("-12.34", 1, -1234);
	amount_ok("92233720368547749", 0, 9223372036854774900LL);

	amount_bad("-1", 0);
	assert_non_null(strstr(err_msg(), "negative"));
	amount_bad("-0.5", 0);
	amount_bad("1.", 0);
	amount_bad(".5", 0);
	amount_bad("-.5", 1);
	amount_bad("12.345", 0);
	amount_bad("", 0);
	amount_bad("-", 1);
	amount_bad("+1", 0);
	amount_bad(" 1", 0);
	amount_bad("1 ", 0);
	amount_bad("1e3", 0);
	amount_bad("1,5", 0);
	amount_bad("--1", 1);
	amount_bad("12.5.0", 0);
	/* overflow: hundredths must fit an int64 */
	amount_bad("92233720368547758", 0);
	amount_bad("100000000000000000000", 0);
	amount_bad("-100000000000000000000", 1);
	amount_bad("99999999999999999999999999999999", 0);
}

static void test_amount_format(void **state)
{
	(void)state;
	char buf[32];
	const struct {
		int64_t v;
		const char *s;
	} cases[] = {
		{0, "0"}, {1, "0.01"}, {5, "0.05"}, {10, "0.10"}, {1200, "12"},
		{1250, "12.50"}, {1205, "12.05"}, {-1250, "-12.50"}, {-100, "-1"},
		{-1, "-0.01"}, {INT64_MAX, "92233720368547758.07"},
		{INT64_MIN, "-92233720368547758.08"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		amount_format(buf, cases[i].v);
		assert_string_equal(buf, cases[i].s);
	}
	/* format then parse gives the value back */
	for (int64_t v = -1001; v <= 1001; v += 7) {
		int64_t back;
		amount_format(buf, v);
		assert_int_equal(amount_parse(buf, 1, &back), 0);
		assert_int_equal(back, v);
	}
}


/* Day first where the reader writes dates so (French): 05/12/2026 and
 * 05/12/2026 08:00 in local time, ISO 8601 as everywhere; a refusal names
 * the forms in the reader's style. */
static void test_time_day_first(void **state)
{
	(void)state;
	int64_t start, end, iso;
	set_tz("Europe/Paris");
	set_locale_env("fr_FR.UTF-8");
	assert_int_equal(style_day_first(), 1);
	/* 2026-12-05T00:00 in Paris is 2026-12-04T23:00Z */
	int64_t dec5 = NEWYEAR_MS + 338 * DAY_MS - HOUR_MS;
	parse_ok("05/12/2026", 0, dec5);
	parse_ok("5/12/2026", 0, dec5);
	parse_ok("05/12/2026", 1, dec5 + DAY_MS);
	parse_ok("05/12/2026 08:00", 0, dec5 + 8 * HOUR_MS);
	parse_ok("05/12/2026 08:00", 1, dec5 + 8 * HOUR_MS);
	parse_ok("05/12/2026 08:00:30", 0, dec5 + 8 * HOUR_MS + 30000);
	parse_ok("05/12/2026T08:00Z", 0, dec5 + 9 * HOUR_MS);
	assert_int_equal(clock_parse("2026-12-05T08:00", 0, &iso), 0);
	assert_int_equal(iso, dec5 + 8 * HOUR_MS);
	/* summer time: 1 July is UTC+2 */
	parse_ok("01/07/2026", 0, 1782864000000LL - 2 * HOUR_MS);
	/* the day lasts 23 h when summer time begins */
	assert_int_equal(clock_parse("29/03/2026", 0, &start), 0);
	assert_int_equal(clock_parse("29/03/2026", 1, &end), 0);
	assert_int_equal(end - start, 23 * HOUR_MS);
	const char *bad[] = {"samedi", "2026-12-05T25:00", "05", "31/02/2026", "05/13/2026",
			     "05/12/26", "05/12/2026 8:00", "05/12/2026 ", "005/12/2026",
			     "05-12-2026", "/12/2026", "05/12/2026 25:00", "00/12/2026"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		parse_bad(bad[i], 0);
		assert_non_null(strstr(err_msg(), "05/12/2026 08:00"));
	}
	/* LC_TIME alone decides for dates; LC_ALL wins over it */
	set_locale_env(NULL);
	assert_int_equal(setenv("LC_TIME", "fr_FR.UTF-8", 1), 0);
	assert_int_equal(setenv("LANG", "C.UTF-8", 1), 0);
	parse_ok("05/12/2026", 0, dec5);
	assert_int_equal(setenv("LC_ALL", "C", 1), 0);
	parse_bad("05/12/2026", 0);
	/* elsewhere, slashes are refused (month first or day first?) */
	set_locale_env("C.UTF-8");
	assert_int_equal(style_day_first(), 0);
	parse_bad("05/12/2026", 0);
	assert_null(strstr(err_msg(), "05/12/2026 08:00"));
	assert_non_null(strstr(err_msg(), "2026-12-05T08:00"));
	set_locale_env(NULL);
	parse_bad("samedi", 0);
	assert_non_null(strstr(err_msg(), "2026-12-05T08:00"));
}

/* Local time with its offset across both changes of summer time in Paris,
 * as people read it and as --json writes it. */
static void test_time_format_dst(void **state)
{
	(void)state;
	char buf[CLOCK_BUF];
	set_tz("Europe/Paris");
	/* 2026-03-29T01:00Z: 02:00 CET becomes 03:00 CEST */
	int64_t spring = NEWYEAR_MS + 87 * DAY_MS + HOUR_MS;
	clock_format_offset(buf, spring - 60000);
	assert_string_equal(buf, "2026-03-29 01:59 +01:00");
	clock_format_offset(buf, spring);
	assert_string_equal(buf, "2026-03-29 03:00 +02:00");
	clock_format_iso(buf, spring);
	assert_string_equal(buf, "2026-03-29T03:00:00+02:00");
	/* 2026-10-25T01:00Z: 03:00 CEST becomes 02:00 CET; 02:30 happens twice */
	int64_t autumn = NEWYEAR_MS + 297 * DAY_MS + HOUR_MS;
	clock_format_offset(buf, autumn - 30 * 60000);
	assert_string_equal(buf, "2026-10-25 02:30 +02:00");
	clock_format_offset(buf, autumn + 30 * 60000);
	assert_string_equal(buf, "2026-10-25 02:30 +01:00");
	/* each reads back as the instant it names */
	int64_t ms;
	clock_format_iso(buf, autumn + 30 * 60000);
	assert_int_equal(clock_parse(buf, 0, &ms), 0);
	assert_int_equal(ms, autumn + 30 * 60000);
	clock_format_iso(buf, autumn - 30 * 60000);
	assert_int_equal(clock_parse(buf, 0, &ms), 0);
	assert_int_equal(ms, autumn - 30 * 60000);
	/* to the second, to the millisecond, and for a spreadsheet */
	clock_format_offset_s(buf, NEWYEAR_MS + 61234);
	assert_string_equal(buf, "2026-01-01 01:01:01 +01:00");
	clock_format_iso_ms(buf, NEWYEAR_MS + 61234);
	assert_string_equal(buf, "2026-01-01T01:01:01.234+01:00");
	clock_format_sheet(buf, spring);
	assert_string_equal(buf, "2026-03-29 03:00:00");
	set_tz("UTC");
	clock_format_iso_ms(buf, NEWYEAR_MS + 5);
	assert_string_equal(buf, "2026-01-01T00:00:00.005+00:00");
	set_tz("Europe/Paris");
}

static void duration_is(int64_t ms, const char *want)
{
	char buf[64];
	clock_format_duration(buf, sizeof buf, ms);
	assert_string_equal(buf, want);
}

static void test_time_duration(void **state)
{
	(void)state;
	duration_is(14 * DAY_MS, "14 days");
	duration_is(DAY_MS, "1 day");
	duration_is(DAY_MS + 2 * HOUR_MS, "1 day 2 h");
	duration_is(3 * HOUR_MS + 30 * 60000, "3 h 30 min");
	duration_is(45000, "45 s");
	duration_is(2 * DAY_MS + 61000, "2 days 1 min 1 s");
	duration_is(0, "0 s");
}

/* A decimal comma where the reader writes one; a point everywhere. */
static void test_amount_comma(void **state)
{
	(void)state;
	set_locale_env("fr_FR.UTF-8");
	assert_int_equal(style_decimal_comma(), 1);
	amount_ok("12,50", 0, 1250);
	amount_ok("12,5", 0, 1250);
	amount_ok("12.50", 0, 1250);
	amount_ok("-4000,01", 1, -400001);
	amount_bad("12,505", 0);
	assert_non_null(strstr(err_msg(), "12,50"));
	amount_bad("12,", 0);
	amount_bad(",5", 0);
	amount_bad("1,5,0", 0);
	int64_t u;
	assert_int_equal(amount_parse_usage("2,5", 1000000000, &u), 0);
	assert_int_equal(u, 2500);
	assert_int_equal(amount_parse_usage("0,125", 1000000000, &u), 0);
	assert_int_equal(u, 125);
	assert_int_equal(amount_parse_usage("2,5,", 1000000000, &u), -1);
	assert_non_null(strstr(err_msg(), "2,5"));
	/* LC_NUMERIC decides when LC_ALL is unset */
	set_locale_env(NULL);
	assert_int_equal(setenv("LC_NUMERIC", "fr_FR.UTF-8", 1), 0);
	amount_ok("1,5", 0, 150);
	set_locale_env("C.UTF-8");
	assert_int_equal(style_decimal_comma(), 0);
	amount_bad("12,50", 0);
	assert_non_null(strstr(err_msg(), "12.50"));
	assert_int_equal(amount_parse_usage("2,5", 1000000000, &u), -1);
	assert_int_equal(amount_parse_usage("2.5", 1000000000, &u), 0);
	assert_int_equal(u, 2500);
}

static void local_is(int64_t v, const char *want)
{
	char buf[AMOUNT_BUF];
	amount_format_local(buf, v);
	assert_string_equal(buf, want);
}

/* Two decimals in the reader's style: what a person reads. */
static void test_amount_format_local(void **state)
{
	(void)state;
	set_locale_env("C.UTF-8");
	local_is(6000, "60.00");
	local_is(150, "1.50");
	local_is(1668, "16.68");
	local_is(-400000, "-4000.00");
	local_is(0, "0.00");
	local_is(-1, "-0.01");
	set_locale_env("fr_FR.UTF-8");
	local_is(6000, "60,00");
	local_is(150, "1,50");
	local_is(1668, "16,68");
	local_is(-400000, "-4\xe2\x80\xaf" "000,00");
	local_is(123456789, "1\xe2\x80\xaf" "234\xe2\x80\xaf" "567,89");
	local_is(99999, "999,99");
	local_is(INT64_MIN, "-92\xe2\x80\xaf" "233\xe2\x80\xaf" "720\xe2\x80\xaf" "368\xe2\x80\xaf"
			    "547\xe2\x80\xaf" "758,08");
	/* a French name with no installed locale still reads as French */
	set_locale_env("fr_BE.not-installed");
	local_is(-400000, "-4\xe2\x80\xaf" "000,00");
	/* POSIX's order: LC_ALL (when not empty), LC_NUMERIC, LANG; a name
	 * that only begins like one is another variable */
	set_locale_env(NULL);
	assert_int_equal(setenv("LANG", "C.UTF-8", 1), 0);
	assert_int_equal(setenv("LC_NUMERICS", "fr_FR.UTF-8", 1), 0);
	local_is(-400000, "-4000.00");
	assert_int_equal(setenv("LC_NUMERIC", "fr_FR.UTF-8", 1), 0);
	local_is(-400000, "-4\xe2\x80\xaf" "000,00");
	assert_int_equal(setenv("LC_ALL", "", 1), 0);
	local_is(-400000, "-4\xe2\x80\xaf" "000,00");
	assert_int_equal(setenv("LC_ALL", "C.UTF-8", 1), 0);
	local_is(-400000, "-4000.00");
	unsetenv("LC_ALL");
	unsetenv("LC_NUMERIC");
	assert_int_equal(setenv("LANG", "fr_FR.UTF-8", 1), 0);
	local_is(150, "1,50");
	unsetenv("LC_NUMERICS");
	set_locale_env("C.UTF-8");
}

/* files */

static void test_file_read(void **state)
{
	(void)state;
	char *dir = tmpdir_new();
	char *p = path_in(dir, "ten");
	char *empty = path_in(dir, "empty");
	char *missing = path_in(dir, "missing");
	size_t len = 99;
	file_put(p, "0123456789", 10, 0600);
	file_put(empty, "", 0, 0600);

	uint8_t *b = file_read(p, 10, &len);
	assert_non_null(b);
	assert_int_equal(len, 10);
	assert_memory_equal(b, "0123456789", 10);
	assert_int_equal(b[10], 0); /* NUL-terminated */
	free(b);

	err_set("sentinel");
	len = 99;
	assert_null(file_read(p, 9, &len));
	assert_non_null(strstr(err_msg(), "too large"));
	assert_int_equal(len, 99);

	b = file_read(empty, 0, &len);
	assert_non_null(b);
	assert_int_equal(len, 0);
	assert_int_equal(b[0], 0);
	free(b);

	err_set("sentinel");
	assert_null(file_read(missing, 100, &len));
	assert_non_null(strstr(err_msg(), "cannot open"));
	err_set("sentinel");
	assert_null(file_read(dir, 1 << 20, &len)); /* a folder */
	assert_non_null(strstr(err_msg(), "not a regular file"));

	free(p);
	free(empty);
	free(missing);
	tmpdir_remove(&dir);
}

static int count_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_file_write_atomic(void **state)
{
	(void)state;
	char *dir = tmpdir_new();
	char *p = path_in(dir, "out");
	char *nodir = path_in(dir, "no/such/out");
	struct stat st;
	size_t len;

	assert_int_equal(file_write_atomic(p, "hello", 5, 0600), 0);
	uint8_t *b = file_read(p, 100, &len);
	assert_non_null(b);
	assert_int_equal(len, 5);
	assert_memory_equal(b, "hello", 5);
	free(b);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* replaces the old content and mode; leaves no temporary file */
	assert_int_equal(file_write_atomic(p, "world!", 6, 0640), 0);
	b = file_read(p, 100, &len);
	assert_non_null(b);
	assert_int_equal(len, 6);
	assert_memory_equal(b, "world!", 6);
	free(b);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(count_dir(dir), 1);

	/* a larger file, byte for byte */
	size_t big = 300000;
	uint8_t *data = malloc(big);
	assert_non_null(data);
	for (size_t i = 0; i < big; i++)
		data[i] = (uint8_t)(i * 31 + 7);
	assert_int_equal(file_write_atomic(p, data, big, 0600), 0);
	b = file_read(p, big, &len);
	assert_non_null(b);
	assert_int_equal(len, big);
	assert_memory_equal(b, data, big);
	free(b);
	free(data);

	/* empty content */
	assert_int_equal(file_write_atomic(p, "", 0, 0600), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 0);

	err_set("sentinel");
	assert_int_equal(file_write_atomic(nodir, "x", 1, 0600), -1);
	assert_non_null(strstr(err_msg(), "cannot create"));
	assert_int_equal(count_dir(dir), 1);

	free(p);
	free(nodir);
	tmpdir_remove(&dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_encode),
		cmocka_unit_test(test_hex_decode),
		cmocka_unit_test(test_hex_decode_bad),
		cmocka_unit_test(test_hex_is_prefix),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_utf8_nul_multiline_max),
		cmocka_unit_test(test_text_check_messages),
		cmocka_unit_test(test_text_printable),
		cmocka_unit_test(test_time_utc_and_offsets),
		cmocka_unit_test(test_time_local),
		cmocka_unit_test(test_time_end_of_day),
		cmocka_unit_test(test_time_invalid_dates),
		cmocka_unit_test(test_time_garbage),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_paris_rule),
		cmocka_unit_test(test_amount_parse),
		cmocka_unit_test(test_amount_format),
		cmocka_unit_test(test_time_day_first),
		cmocka_unit_test(test_time_format_dst),
		cmocka_unit_test(test_time_duration),
		cmocka_unit_test(test_amount_comma),
		cmocka_unit_test(test_amount_format_local),
		cmocka_unit_test(test_file_read),
		cmocka_unit_test(test_file_write_atomic),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
