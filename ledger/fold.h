/* fold.h - derived state: members and resources as a deterministic fold of
 * the genesis and the entries (DESIGN.md, invariant 5). Internal to the
 * store: every function runs inside the store's open transaction. */
#ifndef MUTUA_FOLD_H
#define MUTUA_FOLD_H

#include "entry.h"
#include "mutua.pb-c.h"

struct store;

/* The tables it writes, and what each column means: schema.c. */
int fold_clear(struct store *s);
int fold_genesis(struct store *s, const Mutua__Genesis *g);
int fold_entry(struct store *s, const struct entry *e);
/* Replays the offer steps of a resource (fold.c): after one of them was
 * found backdated (witness.c). */
int fold_offer_recompute(struct store *s, const uint8_t resource[ENTRY_ID_BYTES]);
/* Makes the card's identity key a signing key of member, and its transport
 * key and endpoints the member's, unless that key is someone's already
 * (then the member has no new key: 0 all the same). rekey: given by a vote. */
int fold_new_key(struct store *s, const uint8_t *member, const Mutua__CardBody *cb,
		 int rekey);

#endif
