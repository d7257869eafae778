/* err.h - the one-line reason a failed call leaves for its caller. */
#ifndef MUTUA_ERR_H
#define MUTUA_ERR_H

#include <stddef.h>
#include <stdint.h>

/* Ledger functions that fail return -1 (or NULL) and leave a one-line,
 * lower-case reason here, for the caller to print. Thread-local. */
int err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *err_msg(void);

#endif
