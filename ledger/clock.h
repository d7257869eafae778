/* clock.h - time: the clock, ISO 8601 in and out (UTC milliseconds inside). */
#ifndef MUTUA_CLOCK_H
#define MUTUA_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_now_ms(void);
/* ISO 8601: 2026-12-01, 2026-12-01T08:00[:SS][Z|+HH:MM]; and where the
 * reader writes dates day first (style.h: a French locale), 05/12/2026 and
 * 05/12/2026 08:00[:SS] too. No offset means local time. A date alone
 * means its first instant, or with end_of_day the first instant of the
 * next day. A refusal names the forms accepted, in the reader's style. */
int clock_parse(const char *s, int end_of_day, int64_t *ms);
/* Local time, "YYYY-MM-DDTHH:MM"; buf of CLOCK_BUF bytes. */
#define CLOCK_BUF 40
void clock_format(char *buf, int64_t ms);
/* UTC, full ISO 8601 with milliseconds and Z. */
void clock_format_utc(char *buf, int64_t ms);
/* Local time with its offset, for a person: "2026-12-05 08:00 +01:00". */
void clock_format_offset(char *buf, int64_t ms);
/* Local time with its offset, ISO 8601 for --json:
 * "2026-12-05T08:00:00+01:00". */
void clock_format_iso(char *buf, int64_t ms);
/* The same to the second: "2026-12-05 08:00:12 +01:00"; and ISO 8601 to
 * the millisecond: "2026-12-05T08:00:12.345+01:00". */
void clock_format_offset_s(char *buf, int64_t ms);
void clock_format_iso_ms(char *buf, int64_t ms);
/* Local time as a spreadsheet reads a date and time, no offset:
 * "2026-12-05 08:00:00". */
void clock_format_sheet(char *buf, int64_t ms);
/* A duration in the words people use, translated: "14 days", "1 day 2 h",
 * "3 h 30 min", "45 s". */
void clock_format_duration(char *buf, size_t cap, int64_t ms);

#endif
