/* fixture.h - a federation of members for the unit tests of the folds
 * (test_lending, test_staff, test_webauth, test_witness, test_audit): a
 * temporary folder, a genesis "Pole Sud" naming the members, and stores
 * holding it. fixture.c is linked into those tests (the Makefile's
 * FIXTURE_TESTS). Include after <cmocka.h>. */
#ifndef MUTUA_TEST_FIXTURE_H
#define MUTUA_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include "mutua.pb-c.h"

struct entry;
struct key;
struct store;

#define FX_STORES_MAX 16

struct fx {
	char *dir;
	uint8_t *gen;
	size_t glen;
	int n;
	struct store *st[FX_STORES_MAX];
};

/* A founding member of the genesis: its key, name and college. */
struct fx_member {
	const struct key *key;
	const char *name, *college;
};

/* A fresh folder, without a genesis yet (fx_genesis). */
struct fx *fx_new(void);
/* Makes (or replaces) the genesis: the n members with credit_limit (in
 * cents, 0 none) at time; stores opened from now on hold it. */
void fx_genesis(struct fx *f, const struct fx_member *m, size_t n, uint64_t credit_limit,
		int64_t time);
/* A fresh store file sN.db holding the genesis; closed by fx_free. */
struct store *fx_store(struct fx *f);
/* Closes the stores, removes the folder, frees f. */
void fx_free(struct fx *f);

/* Fills b's header as k's next entry in s at time (federation, author,
 * seq, prev: the feed's head, kept until the next call), for entry_seal:
 * what a patched node signs, no rule asked. */
void fx_next(struct store *s, const struct key *k, Mutua__Body *b, int64_t time);
/* Stores e in s as received (it must be added), keeps its id in id when
 * not NULL, frees e. */
void fx_put(struct store *s, struct entry *e, uint8_t id[32]);

/* k appends an offer of that title (equipment, by the day, one) to s,
 * its id in id when not NULL; the test fails if it is refused. */
void fx_offer(struct store *s, const struct key *k, const char *title, uint8_t id[32]);

#endif
