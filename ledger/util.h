/* util.h - small helpers shared by the ledger and both programs: error
 * reporting, hex, UTF-8, time. */
#ifndef MUTUA_UTIL_H
#define MUTUA_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Ledger functions that fail return -1 (or NULL) and leave a one-line,
 * lower-case reason here, for the caller to print. Thread-local. */
int err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *err_msg(void);

#define HEX_ID_LEN 64 /* hex of a 32-byte id, without the NUL */

void hex_encode(char *out, const uint8_t *in, size_t len); /* out: 2*len+1 */
/* Decodes exactly 2*len hex characters; -1 on any other input. */
int hex_decode(uint8_t *out, size_t len, const char *in);
/* Is s a run of hex digits of length min..max? */
int hex_is_prefix(const char *s, size_t min, size_t max);

/* Valid UTF-8 of at most max bytes, without NUL or other C0 controls
 * (tab and, when multiline, newline are allowed). */
int utf8_check(const char *s, size_t len, size_t max, int multiline);

int64_t time_now_ms(void);
/* ISO 8601: 2026-12-01, 2026-12-01T08:00[:SS][Z|+HH:MM]. No offset means
 * local time. A date alone means its first instant, or with end_of_day the
 * first instant of the next day. */
int time_parse(const char *s, int end_of_day, int64_t *ms);
/* Local time, "YYYY-MM-DDTHH:MM"; buf of TIME_BUF bytes. */
#define TIME_BUF 40
void time_format(char *buf, int64_t ms);
/* UTC, full ISO 8601 with milliseconds and Z. */
void time_format_utc(char *buf, int64_t ms);

/* Amounts in hundredths ("12.50" <-> 1250). Negative values refused by
 * amount_parse unless allow_neg. */
int amount_parse(const char *s, int allow_neg, int64_t *out);
void amount_format(char *buf, int64_t v); /* buf: 32 bytes */

/* Reads a whole file of at most max bytes; NULL with err_set otherwise.
 * The buffer is NUL-terminated (not counted in *len); caller frees. */
uint8_t *file_read(const char *path, size_t max, size_t *len);
/* Writes atomically: temporary file in the same folder, fsync, rename,
 * fsync of the folder. mode applies to the new file. */
int file_write_atomic(const char *path, const void *data, size_t len, int mode);

#endif
