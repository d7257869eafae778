/* store_int.h - the store's connection and statements, for the ledger's own
 * modules only (and the tests). */
#ifndef MUTUA_STORE_INT_H
#define MUTUA_STORE_INT_H

#include <sqlite3.h>

struct store;

/* The connection, for the ledger's own modules (and tests): nothing
 * outside ledger/ speaks SQL (DESIGN.md, invariant 11). */
sqlite3 *store_db(struct store *s);
/* A cached prepared statement for sql, keyed by the pointer (pass string
 * literals), reset and with bindings cleared. Owned by the store; reset it
 * after use, or it holds the read snapshot open. */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);
/* Runs SQL with no result rows. */
int store_exec(struct store *s, const char *sql);
/* "store: <SQLite's reason>" for the connection's last error; -1. */
int store_db_error(struct store *s);
/* 1 for the audit's scratch store (store_open_scratch), else 0. */
int store_is_scratch(struct store *s);
/* Steps st once: 1 on a row, 0 at the end of the rows, -1 on an error
 * (said). BUSY or an I/O error never reads as "no row". */
int store_step_row(struct store *s, sqlite3_stmt *st);
/* Every 32-byte id in column 0 of st's rows (other values skipped), in a
 * malloc'd array of *n; st is reset. NULL with *n = 0 when there is none;
 * -1 with err_set on an error (then *ids is NULL). */
int store_ids(struct store *s, sqlite3_stmt *st, uint8_t (**ids)[32], size_t *n);
/* Steps st to completion; -1 with err_set on error. Resets st. */
int store_step_done(struct store *s, sqlite3_stmt *st);

/* Says that a recount ran (governance.c): before the transaction ends,
 * the store refolds if what the cuts leave out changed (store.c). */
void store_governance_changed(struct store *s);
/* Asks for a refold before the transaction ends, whatever the cuts: a
 * fold found that what it built on was wrong (an admission naming a key
 * a rotation took). */
void store_refold_wanted(struct store *s);

#endif
