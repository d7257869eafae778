/* fold.h - derived state: members and resources as a deterministic fold of
 * the genesis and the entries (DESIGN.md, invariant 5). Internal to the
 * store: every function runs inside the store's open transaction. */
#ifndef MUTUA_FOLD_H
#define MUTUA_FOLD_H

#include "entry.h"
#include "mutua.pb-c.h"

struct store;

/* SQL creating the derived tables (run by the store's migrations). */
extern const char fold_schema_sql[];
int fold_clear(struct store *s);
int fold_genesis(struct store *s, const Mutua__Genesis *g);
int fold_entry(struct store *s, const struct entry *e);

#endif
