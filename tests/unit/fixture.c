/* fixture.c - a federation of members for the unit tests (fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_helpers.h"
#include "entry.h"
#include "federation.h"
#include "fixture.h"
#include "store.h"

#define FX_MEMBERS_MAX 8

struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->dir = tmpdir_new();
	return f;
}

void fx_genesis(struct fx *f, const struct fx_member *m, size_t n, uint64_t credit_limit,
		int64_t time)
{
	char *cards[FX_MEMBERS_MAX];
	assert_true(n <= FX_MEMBERS_MAX);
	for (size_t i = 0; i < n; i++) {
		cards[i] = card_make(m[i].key, m[i].name, m[i].college, NULL, 0, time);
		assert_non_null(cards[i]);
	}
	free(f->gen);
	f->gen = NULL;
	if (genesis_make(&f->gen, &f->glen, "Pole Sud", NULL, cards, n, credit_limit, time))
		fail_msg("genesis_make: %s", err_msg());
	for (size_t i = 0; i < n; i++)
		free(cards[i]);
}

struct store *fx_store(struct fx *f)
{
	char name[32];
	assert_true(f->n < FX_STORES_MAX);
	snprintf(name, sizeof name, "s%d.db", f->n);
	char *p = path_in(f->dir, name);
	struct store *s = store_adopted(p, f->gen, f->glen);
	free(p);
	f->st[f->n++] = s;
	return s;
}

void fx_free(struct fx *f)
{
	for (int i = 0; i < f->n; i++)
		store_close(&f->st[i]);
	free(f->gen);
	tmpdir_remove(&f->dir);
	free(f);
}

void fx_next(struct store *s, const struct key *k, Mutua__Body *b, int64_t time)
{
	static struct feed_head h;
	assert_int_equal(store_feed_head(s, k->id, &h), 0);
	b->federation = (ProtobufCBinaryData){32, (uint8_t *)store_fed_id(s)};
	b->author = (ProtobufCBinaryData){32, (uint8_t *)k->id};
	b->seq = h.seq + 1;
	b->has_prev = h.seq > 0;
	b->prev = (ProtobufCBinaryData){h.seq > 0 ? 32 : 0, h.seq > 0 ? h.link : NULL};
	b->time = time;
}

void fx_put(struct store *s, struct entry *e, uint8_t id[32])
{
	struct raw_entry raw = {e->body, e->body_len, e->sig, KEY_SIG_BYTES};
	struct batch_result r;
	assert_int_equal(store_insert_batch(s, &raw, 1, &r), 0);
	if (r.added != 1)
		fail_msg("entry not added: %s", err_msg());
	if (id)
		memcpy(id, e->id, 32);
	entry_free(e);
}

void fx_offer(struct store *s, const struct key *k, const char *title, uint8_t id[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = 1;
	o.title = (char *)title;
	o.unit = 2;
	o.capacity = 1;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	if (store_append(s, k, &b, id) != 0)
		fail_msg("append offer: %s", err_msg());
}
