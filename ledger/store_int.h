/* store_int.h - helpers shared by the store's own modules (store, fold). */
#ifndef MUTUA_STORE_INT_H
#define MUTUA_STORE_INT_H

#include <sqlite3.h>

struct store;

/* store_exec and store_stmt are in store.h (mutuad uses them too). */
/* Steps st to completion; -1 with err_set on error. Resets st. */
int store_step_done(struct store *s, sqlite3_stmt *st);

#endif
