/* text.h - text fields: valid UTF-8, bounded, without control characters. */
#ifndef MUTUA_TEXT_H
#define MUTUA_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Valid UTF-8 of at most max bytes, without NUL or other C0 controls
 * (tab and, when multiline, newline are allowed). */
int text_utf8_check(const char *s, size_t len, size_t max, int multiline);
/* The field what (named in the message) is NULL, or valid text of at
 * most max bytes. */
int text_check(const char *what, const char *s, size_t max, int multiline);

#endif
