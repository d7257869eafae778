/* err.h - the one-line reason a failed call leaves for its caller. */
#ifndef MUTUA_ERR_H
#define MUTUA_ERR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Ledger functions that fail return -1 (or NULL) and leave a one-line,
 * lower-case reason here, for the caller to print. Thread-local.
 *
 * The reason is kept in English whatever the locale: it is what the store
 * records as a verdict and what peers and the audit compare, so err_msg()
 * never depends on the reader's language. Once err_localise(1) was called
 * (i18n_init does), err_set also renders the same reason with its format
 * translated (gettext, domain "mutua"), read with err_msg_local(): the text
 * the CLI and the daemon's log show a person. */
int err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *err_msg(void);
/* The reason in the reader's language (err_msg() when nothing translates). */
const char *err_msg_local(void);
void err_localise(int on);

/* A reason composed into a buffer rather than left by err_set (a why of
 * the rules that answer 0/1, a step of a longer reason): buf gets it in
 * English, as snprintf would, and err.c keeps its rendering in the
 * reader's language beside it, so that err_set translates it wherever it
 * is later quoted as an argument, and err_local shows it. Returns buf. */
char *err_fmt(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A reason (English, as err_msg() or err_fmt gave it) in the reader's
 * language: its rendering by err_fmt or err_set, or its catalogue entry,
 * else as it is. The pointer stays valid until the thread's next err_*. */
const char *err_local(const char *reason);
/* A message of the CLI or the daemon (fail(), a web answer) that quotes
 * reasons: fmt translated, its arguments standing where a reason stands
 * (after ": ", alone, first before ": ") as err_set renders them, the last
 * reason as err_msg_local() reads it. 0, or -1 when not localising or fmt
 * is one it does not follow (then print it as before). */
int err_vrender(char *out, size_t n, const char *fmt, va_list ap);

#endif
