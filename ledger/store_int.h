/* store_int.h - helpers shared by the store's own modules (store, fold). */
#ifndef MUTUA_STORE_INT_H
#define MUTUA_STORE_INT_H

#include <sqlite3.h>

struct store;

/* Runs SQL with no result rows. */
int store_exec(struct store *s, const char *sql);
/* A cached prepared statement for sql, keyed by the pointer (pass string
 * literals), reset and with bindings cleared. Owned by the store. */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);
/* Steps st to completion; -1 with err_set on error. Resets st. */
int store_step_done(struct store *s, sqlite3_stmt *st);

#endif
