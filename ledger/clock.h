/* clock.h - time: the clock, ISO 8601 in and out (UTC milliseconds inside). */
#ifndef MUTUA_CLOCK_H
#define MUTUA_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_now_ms(void);
/* ISO 8601: 2026-12-01, 2026-12-01T08:00[:SS][Z|+HH:MM]. No offset means
 * local time. A date alone means its first instant, or with end_of_day the
 * first instant of the next day. */
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

#endif
