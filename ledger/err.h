/* err.h - the one-line reason a failed call leaves for its caller. */
#ifndef MUTUA_ERR_H
#define MUTUA_ERR_H

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

#endif
