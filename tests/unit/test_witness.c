/* test_witness.c - witnessed heads (witness.h): the entries of three feeds
 * delivered to fresh stores in random interleavings (seeded, the seed
 * printed) give the same derived state, backdated entries without effect
 * on offers and votes in every order; two roots for one size are a fork
 * in every order; a witness of 1 000 feeds splits into entries inside
 * ENTRY_BODY_MAX; a round lists the feeds that did work; the root of a
 * 100 000-entry feed, and the cost of witnessing it again (printed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_helpers.h"
#include "fixture.h"
#include "checkpoint.h"
#include "clock.h"
#include "entry.h"
#include "federation.h"
#include "governance.h"
#include "lending.h"
#include "merkle.h"
#include "store.h"
#include "store_int.h"
#include "util.h"
#include "witness.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define T0 1767225600000LL /* 2026-01-01 */
#define MIN (60 * 1000LL)
#define HB MERKLE_HASH_BYTES

static struct key *ka, *kb, *kc; /* the three founders */
static uint8_t *genesis;
static size_t genesis_len;
static uint8_t fed_id[32];

static int group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	ka = key_seeded(0x31);
	kb = key_seeded(0x32);
	kc = key_seeded(0x33);
	char *cards[3] = {card_make(ka, "Alpha", "a", NULL, 0, T0),
			  card_make(kb, "Beta", "b", NULL, 0, T0),
			  card_make(kc, "Gamma", "c", NULL, 0, T0)};
	int rc = cards[0] && cards[1] && cards[2] &&
			 genesis_make(&genesis, &genesis_len, "PTCE", NULL, cards, 3, 0, T0) == 0
		 ? 0 : -1;
	for (int i = 0; i < 3; i++)
		free(cards[i]);
	if (rc == 0)
		crypto_generichash(fed_id, 32, genesis, genesis_len, NULL, 0);
	return rc;
}

static int group_teardown(void **state)
{
	(void)state;
	key_destroy(&ka);
	key_destroy(&kb);
	key_destroy(&kc);
	free(genesis);
	return 0;
}

/* ---- a history built in a source store, as records of three feeds ----- */

#define RECS_MAX 64

struct rec {
	int feed; /* 0 A, 1 B, 2 C */
	uint8_t *body;
	size_t len;
	uint8_t sig[64];
};

struct hist {
	char *dir;
	struct store *src; /* holds the whole history, in feed order */
	struct rec r[RECS_MAX];
	size_t n;
	int stores; /* fresh stores made so far */
};

static void hist_init(struct hist *h)
{
	memset(h, 0, sizeof *h);
	h->dir = tmpdir_new();
	char *p = path_in(h->dir, "src.db");
	h->src = store_adopted(p, genesis, genesis_len);
	free(p);
}

static void hist_free(struct hist *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->r[i].body);
	store_close(&h->src);
	tmpdir_remove(&h->dir);
}

static int feed_of(const struct key *k)
{
	return k == ka ? 0 : k == kb ? 1 : 2;
}

/* Signs b as k's next entry claiming time t, as a node would (the feed's
 * head gives the link), keeps it in src and as a record; id_out may be NULL. */
static void put(struct hist *h, const struct key *k, Mutua__Body *b, int64_t t, uint8_t *id_out)
{
	struct feed_head fh;
	struct entry e;
	struct batch_result r;
	assert_int_equal(store_feed_head(h->src, k->id, &fh), 0);
	uint64_t seq = fh.seq;
	uint8_t *prev = fh.link;
	b->federation.data = fed_id;
	b->federation.len = 32;
	b->author.data = (uint8_t *)k->id;
	b->author.len = 32;
	b->seq = seq + 1;
	b->has_prev = seq > 0;
	b->prev.data = prev;
	b->prev.len = 32;
	b->time = t;
	if (entry_seal(&e, k, b))
		fail_msg("seal: %s", err_msg());
	struct raw_entry v = {e.body, e.body_len, e.sig, 64};
	assert_int_equal(store_insert_batch(h->src, &v, 1, &r), 0);
	if (r.added != 1)
		fail_msg("source store refused: %s", err_msg());
	assert_true(h->n < RECS_MAX);
	struct rec *x = &h->r[h->n++];
	x->feed = feed_of(k);
	x->len = e.body_len;
	x->body = malloc(e.body_len);
	assert_non_null(x->body);
	memcpy(x->body, e.body, e.body_len);
	memcpy(x->sig, e.sig, 64);
	if (id_out)
		memcpy(id_out, e.id, 32);
	entry_free(&e);
}

static void put_offer(struct hist *h, const struct key *k, const char *title, int64_t t,
		      uint8_t *id)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = 1;
	o.title = (char *)title;
	o.unit = 2;
	o.capacity = 1;
	o.rate = 1000;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	put(h, k, &b, t, id);
}

static void put_update(struct hist *h, const struct key *k, const uint8_t *res,
		       const char *title, int64_t t)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__OfferUpdate u = MUTUA__OFFER_UPDATE__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = 1;
	o.title = (char *)title;
	o.unit = 2;
	o.capacity = 3;
	o.rate = 5000;
	u.offer.data = (uint8_t *)res;
	u.offer.len = 32;
	u.fields = &o;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_UPDATE;
	b.offer_update = &u;
	put(h, k, &b, t, NULL);
}

static void put_withdraw(struct hist *h, const struct key *k, const uint8_t *res, int64_t t)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__OfferWithdraw w = MUTUA__OFFER_WITHDRAW__INIT;
	w.offer.data = (uint8_t *)res;
	w.offer.len = 32;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW;
	b.offer_withdraw = &w;
	put(h, k, &b, t, NULL);
}

static void put_proposal(struct hist *h, const struct key *k, int64_t t, uint8_t *id)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Proposal p = MUTUA__PROPOSAL__INIT;
	Mutua__Parameter par = MUTUA__PARAMETER__INIT;
	par.name = "credit-limit";
	par.value = 90000;
	p.what_case = MUTUA__PROPOSAL__WHAT_SET;
	p.set = &par;
	b.payload_case = MUTUA__BODY__PAYLOAD_PROPOSAL;
	b.proposal = &p;
	put(h, k, &b, t, id);
}

static void put_vote(struct hist *h, const struct key *k, const uint8_t *prop, uint32_t choice,
		     int64_t t)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Vote v = MUTUA__VOTE__INIT;
	v.proposal.data = (uint8_t *)prop;
	v.proposal.len = 32;
	v.choice = choice;
	b.payload_case = MUTUA__BODY__PAYLOAD_VOTE;
	b.vote = &v;
	put(h, k, &b, t, NULL);
}

/* A request by k for one day of res at start, claiming time t. */
static void put_request(struct hist *h, const struct key *k, const uint8_t *res, int64_t start,
			int64_t t, uint8_t *id)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Request r = MUTUA__REQUEST__INIT;
	r.resource.data = (uint8_t *)res;
	r.resource.len = 32;
	r.start = start;
	r.end = start + 24 * 60 * MIN;
	r.quantity = 1;
	r.has_rate = 1;
	r.rate = 1000;
	r.has_unit = 1;
	r.unit = 2;
	b.payload_case = MUTUA__BODY__PAYLOAD_REQUEST;
	b.request = &r;
	put(h, k, &b, t, id);
}

/* A loan step of k (payload) for request req answering answers. */
static void put_step(struct hist *h, const struct key *k, int payload, const uint8_t *req,
		     const uint8_t *answers, int64_t t, uint8_t *id)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Transition tr = MUTUA__TRANSITION__INIT;
	tr.request.data = (uint8_t *)req;
	tr.request.len = 32;
	tr.has_answers = 1;
	tr.answers.data = (uint8_t *)answers;
	tr.answers.len = 32;
	b.payload_case = payload;
	switch (payload) {
	case MUTUA__BODY__PAYLOAD_ACCEPT: b.accept = &tr; break;
	case MUTUA__BODY__PAYLOAD_HANDOVER: b.handover = &tr; break;
	default: fail_msg("put_step: payload %d", payload);
	}
	put(h, k, &b, t, id);
}

/* A witness by k of one head of feed f at seq, with root (NULL: the true
 * root, from the source store). */
static void put_witness(struct hist *h, const struct key *k, const struct key *f, uint64_t seq,
			const uint8_t *root, int64_t t)
{
	uint8_t r[HB];
	if (root)
		memcpy(r, root, HB);
	else
		assert_int_equal(witness_feed_root(h->src, f->id, seq, r), 0);
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Witness w = MUTUA__WITNESS__INIT;
	Mutua__WitnessedHead wh = MUTUA__WITNESSED_HEAD__INIT, *whp = &wh;
	wh.feed.data = (uint8_t *)f->id;
	wh.feed.len = 32;
	wh.seq = seq;
	wh.root.data = r;
	wh.root.len = HB;
	w.n_heads = 1;
	w.heads = &whp;
	b.payload_case = MUTUA__BODY__PAYLOAD_WITNESS;
	b.witness = &w;
	put(h, k, &b, t, NULL);
}

/* A fresh store given the records in a random interleaving of the feeds
 * (each feed in its order), one entry a batch, as sync may deliver them. */
static struct store *deliver(struct hist *h, unsigned seed)
{
	char name[32];
	snprintf(name, sizeof name, "s%d.db", h->stores++);
	char *p = path_in(h->dir, name);
	struct store *s = store_adopted(p, genesis, genesis_len);
	free(p);
	size_t next[3] = {0, 0, 0}, left = h->n;
	srand(seed);
	while (left) {
		int f = rand() % 3;
		/* the next record of feed f */
		size_t i = next[f];
		while (i < h->n && h->r[i].feed != f)
			i++;
		if (i == h->n)
			continue;
		next[f] = i + 1;
		struct raw_entry v = {h->r[i].body, h->r[i].len, h->r[i].sig, 64};
		struct batch_result r;
		assert_int_equal(store_insert_batch(s, &v, 1, &r), 0);
		if (r.added != 1)
			fail_msg("seed %u: record %zu refused: %s", seed, i, err_msg());
		left--;
	}
	return s;
}

/* Every derived table the witnesses touch, as text. */
static char *state_of(struct store *s)
{
	static const char *const q[] = {
		"SELECT id, owner, title, capacity, rate, status, withdrawn, updated FROM resources"
		" ORDER BY id",
		"SELECT id, resource, place FROM offer_steps ORDER BY id",
		"SELECT * FROM offer_origins ORDER BY id",
		"SELECT id, voter, choice, counted FROM votes ORDER BY id",
		"SELECT id, state, yes, no, voters FROM proposals ORDER BY id",
		"SELECT author, seq FROM backdated ORDER BY author, seq",
		"SELECT feed, seq, root, other, witness, wauthor, wseq, time FROM witnessed"
		" ORDER BY feed, other, seq, root",
		"SELECT feed, seq, time, witness, at FROM witness_floor ORDER BY feed, seq",
		"SELECT feed, size, root FROM feed_roots ORDER BY feed, size",
		"SELECT feed, size FROM witness_forks ORDER BY feed",
		"SELECT member, credits FROM settlements ORDER BY member, loan",
	};
	size_t len = 0;
	char *out = NULL;
	for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
		char *part = db_dump(s, q[i]);
		size_t pl = strlen(part);
		out = realloc(out, len + pl + 3);
		assert_non_null(out);
		memcpy(out + len, part, pl);
		len += pl;
		out[len++] = '-';
		out[len++] = '\n';
		out[len] = 0;
		free(part);
	}
	return out;
}

static int64_t q_int(struct store *s, const char *sql, const uint8_t *blob)
{
	sqlite3_stmt *st = db_prep(s, sql);
	if (blob)
		sqlite3_bind_blob(st, 1, blob, 32, SQLITE_STATIC);
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

/* The base of the seeds: MUTUA_TEST_SEED, or the clock (printed). */
static unsigned seed_base(unsigned salt)
{
	const char *e = getenv("MUTUA_TEST_SEED");
	return e ? (unsigned)strtoul(e, NULL, 10) : (unsigned)time(NULL) ^ salt;
}

/* ---- tests ------------------------------------------------------------- */

/* A's feed: offer X, then (past the head 1 that B witnessed at T0 + 2 h,
 * claiming times well before it) an update of X, an offer Y, Y's
 * withdrawal and a "no" vote; then offer Z at T0 + 3 h (not backdated).
 * C proposes, B votes yes; C witnesses A at its head 6, later. Whatever the
 * order of arrival, the backdated entries have no effect. */
static void test_backdated_without_effect_in_every_order(void **state)
{
	(void)state;
	struct hist h;
	uint8_t x[32], y[32], z[32], prop[32];
	hist_init(&h);
	put_offer(&h, ka, "X", T0, x);
	put_proposal(&h, kc, T0, prop);
	put_vote(&h, kb, prop, VOTE_YES, T0 + 5 * MIN);
	put_witness(&h, kb, ka, 1, NULL, T0 + 120 * MIN);
	put_update(&h, ka, x, "X updated", T0 + 20 * MIN);
	put_offer(&h, ka, "Y", T0 + 25 * MIN, y);
	put_withdraw(&h, ka, x, T0 + 30 * MIN);
	put_vote(&h, ka, prop, VOTE_NO, T0 + 35 * MIN);
	put_offer(&h, ka, "Z", T0 + 180 * MIN, z);
	put_witness(&h, kc, ka, 6, NULL, T0 + 185 * MIN);

	char *want = NULL;
	unsigned base = seed_base(0);
	printf("# property seed base %u (24 interleavings; MUTUA_TEST_SEED repeats them)\n", base);
	for (unsigned i = 0; i < 24; i++) {
		struct store *s = deliver(&h, base + i);
		char *got = state_of(s);
		if (!want) {
			want = got;
			/* X as offered, Y backdated, Z active; A's vote not counted */
			assert_int_equal(q_int(s, "SELECT count(*) FROM resources WHERE id = ?1"
						  " AND title = 'X' AND status = 'active'", x), 1);
			assert_int_equal(q_int(s, "SELECT count(*) FROM resources WHERE id = ?1"
						  " AND status = 'backdated' AND withdrawn = 0", y), 1);
			assert_int_equal(q_int(s, "SELECT count(*) FROM resources WHERE id = ?1"
						  " AND status = 'active'", z), 1);
			assert_int_equal(q_int(s, "SELECT count(*) FROM backdated WHERE author = ?1",
					       ka->id), 4);
			assert_int_equal(q_int(s, "SELECT count(*) FROM votes WHERE voter = ?1"
						  " AND counted", ka->id), 0);
			assert_int_equal(q_int(s, "SELECT count(*) FROM votes WHERE voter = ?1"
						  " AND counted", kb->id), 1);
			assert_int_equal(q_int(s, "SELECT count(*) FROM witness_forks", NULL), 0);
			uint8_t bd[32];
			memcpy(bd, x, 32);
			assert_int_equal(witness_backdated(s, bd), 0);
		} else if (strcmp(want, got)) {
			fail_msg("seed %u: the state differs:\n%s\nfrom:\n%s", base + i, got, want);
		}
		if (got != want)
			free(got);
		if (i == 0) {
			/* a reindex gives the same */
			assert_int_equal(store_reindex(s), 0);
			got = state_of(s);
			assert_string_equal(got, want);
			free(got);
		}
		store_close(&s);
	}
	free(want);
	hist_free(&h);
}

/* Two roots for one size: a witness against the feed's own entries, and a
 * witness against another witness of a size not held; in every order. */
static void test_conflicting_roots_are_forks_in_every_order(void **state)
{
	(void)state;
	struct hist h;
	uint8_t bad[HB];
	memset(bad, 0xab, HB);
	hist_init(&h);
	put_offer(&h, ka, "X", T0, NULL);
	put_offer(&h, ka, "Y", T0 + MIN, NULL);
	put_witness(&h, kb, ka, 2, NULL, T0 + 2 * MIN);
	put_witness(&h, kc, ka, 2, bad, T0 + 3 * MIN);
	/* C's feed at 5, which nobody holds: B and A disagree about it */
	put_witness(&h, kb, kc, 5, bad, T0 + 4 * MIN);
	memset(bad, 0xcd, HB);
	put_witness(&h, ka, kc, 5, bad, T0 + 5 * MIN);
	/* older and newer true heads of A: B's at 1 and 2 are checked by A's
	 * own entries and pruned once C witnesses A at 3; C's false root at 2
	 * stays, as evidence (issue 14: O(feeds) rows) */
	put_witness(&h, kb, ka, 1, NULL, T0 + 6 * MIN);
	put_witness(&h, kc, ka, 3, NULL, T0 + 7 * MIN);
	char *want = NULL;
	unsigned base = seed_base(0x5eed);
	printf("# property seed base %u (12 interleavings; MUTUA_TEST_SEED repeats them)\n", base);
	for (unsigned i = 0; i < 12; i++) {
		struct store *s = deliver(&h, base + i);
		char *got = state_of(s);
		if (!want) {
			want = got;
			assert_int_equal(q_int(s, "SELECT size FROM witness_forks WHERE feed = ?1",
					       ka->id), 2);
			assert_int_equal(q_int(s, "SELECT size FROM witness_forks WHERE feed = ?1",
					       kc->id), 5);
			assert_int_equal(q_int(s, "SELECT count(*) FROM witnessed WHERE feed = ?1"
						  " AND other", ka->id), 2);
			assert_int_equal(q_int(s, "SELECT seq FROM witnessed_heads WHERE feed = ?1",
					       ka->id), 3);
			/* not a cut: the feeds take entries still */
			assert_int_equal(store_fork_point(s, ka->id, NULL), 0);
		} else {
			if (strcmp(want, got))
				fail_msg("seed %u: the state differs:\n%s\nfrom:\n%s", base + i, got,
					 want);
			free(got);
		}
		store_close(&s);
	}
	free(want);
	hist_free(&h);
}

/* A's feed: offer X; B requests X. C witnesses A at its head (the offer)
 * at T0 + 2 h; A's node then signs an accept of B's request claiming
 * T0 + 20 min, well before the witness. Whatever the order of arrival,
 * the accept takes no part in the loan (its verdict says why) and the
 * loan stays requested; a later accept, claiming a time after the
 * witness, takes effect. */
static void test_backdated_loan_step_without_effect_in_every_order(void **state)
{
	(void)state;
	struct hist h;
	uint8_t x[32], req[32], acc[32], acc2[32];
	hist_init(&h);
	put_offer(&h, ka, "X", T0, x);
	put_request(&h, kb, x, T0 + 3 * 24 * 60 * MIN, T0 + 5 * MIN, req);
	put_witness(&h, kc, ka, 1, NULL, T0 + 120 * MIN);
	put_step(&h, ka, MUTUA__BODY__PAYLOAD_ACCEPT, req, req, T0 + 20 * MIN, acc);
	char *want = NULL;
	unsigned base = seed_base(7);
	printf("# property seed base %u (12 interleavings; MUTUA_TEST_SEED repeats them)\n", base);
	for (unsigned i = 0; i < 12; i++) {
		struct store *s = deliver(&h, base + i);
		char *got = state_of(s);
		char *loans = db_dump(s, "SELECT id, state, ignored FROM loans ORDER BY id");
		char *verdicts = db_dump(s, "SELECT id, verdict FROM loan_events ORDER BY id");
		size_t len = strlen(got) + strlen(loans) + strlen(verdicts) + 1;
		char *all = malloc(len);
		assert_non_null(all);
		snprintf(all, len, "%s%s%s", got, loans, verdicts);
		free(got);
		free(loans);
		free(verdicts);
		if (!want) {
			want = all;
			assert_int_equal(witness_backdated(s, acc), 1);
			assert_int_equal(q_int(s, "SELECT count(*) FROM loans WHERE id = ?1"
						  " AND state = 'requested'", req), 1);
			assert_int_equal(q_int(s, "SELECT count(*) FROM loan_events WHERE id = ?1"
						  " AND verdict = '" LENDING_BACKDATED "'", acc), 1);
		} else if (strcmp(want, all)) {
			fail_msg("seed %u: the state differs:\n%s\nfrom:\n%s", base + i, all, want);
		} else {
			free(all);
		}
		store_close(&s);
	}
	free(want);
	/* an accept claiming a time after the witness stands */
	put_step(&h, ka, MUTUA__BODY__PAYLOAD_ACCEPT, req, req, T0 + 125 * MIN, acc2);
	struct store *s = deliver(&h, base);
	assert_int_equal(q_int(s, "SELECT count(*) FROM loans WHERE id = ?1"
				  " AND state = 'accepted'", req), 1);
	store_close(&s);
	hist_free(&h);
}

/* Rows of a synthetic feed (ids only: a root needs nothing more), straight
 * into the tables, from seq from+1 to to. */
static void synthetic_feed(struct store *s, const uint8_t *author, uint64_t from, uint64_t to)
{
	sqlite3_stmt *st = db_prep(s, "INSERT INTO entries(author, seq, id, type, time, body, sig,"
				      " verified) VALUES (?1, ?2, ?3, 'offer', ?4, x'', x'', 1)");
	for (uint64_t q = from + 1; q <= to; q++) {
		uint8_t id[32];
		crypto_generichash(id, 32, (const uint8_t *)&q, sizeof q, author, 32);
		sqlite3_bind_blob(st, 1, author, 32, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)q);
		sqlite3_bind_blob(st, 3, id, 32, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, T0);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	st = db_prep(s, "INSERT INTO feeds(author, seq, id, link, time) VALUES (?1, ?2,"
			" zeroblob(32), zeroblob(32), 0) ON CONFLICT(author) DO UPDATE"
			" SET seq = excluded.seq");
	sqlite3_bind_blob(st, 1, author, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)to);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1 000 feeds moved: A's node witnesses them in two entries (512 + 489,
 * its own feed included), each inside ENTRY_BODY_MAX, every feed once;
 * and a witness of WITNESS_HEADS_MAX heads at the largest seq fits. */
static void test_witness_of_1000_feeds_is_bounded(void **state)
{
	(void)state;
	char *dir = tmpdir_new(), *p = path_in(dir, "w.db");
	struct store *s = store_adopted(p, genesis, genesis_len);
	uint8_t off[32];
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = 1;
	o.title = "X";
	o.unit = 2;
	o.capacity = 1;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	assert_int_equal(store_append(s, ka, &b, off), 0);
	assert_int_equal(store_exec(s, "BEGIN"), 0);
	for (uint32_t i = 0; i < 1000; i++) {
		uint8_t feed[32];
		crypto_generichash(feed, 32, (const uint8_t *)&i, sizeof i, NULL, 0);
		synthetic_feed(s, feed, 0, 3);
	}
	assert_int_equal(store_exec(s, "COMMIT"), 0);
	size_t heads, entries;
	assert_int_equal(witness_append(s, ka, INT64_MAX, &heads, &entries), 0);
	assert_int_equal(heads, 1001);
	assert_int_equal(entries, 2);
	assert_int_equal(q_int(s, "SELECT count(DISTINCT feed) FROM witnessed", NULL), 1001);
	assert_int_equal(q_int(s, "SELECT max(length(body)) <= 65536 FROM entries"
				  " WHERE type = 'witness'", NULL), 1);
	printf("# witness entries of 1001 heads: %lld and %lld bytes\n",
	       (long long)q_int(s, "SELECT max(length(body)) FROM entries WHERE type = 'witness'",
				NULL),
	       (long long)q_int(s, "SELECT min(length(body)) FROM entries WHERE type = 'witness'",
				NULL));
	/* nothing moved since: nothing to witness, not due */
	assert_int_equal(witness_append(s, ka, INT64_MAX, &heads, &entries), 0);
	assert_int_equal(entries, 0);
	int64_t later = T0 + 400 * 24 * 3600 * 1000LL;
	assert_int_equal(witness_due(s, ka->id, later, 0, WITNESS_EVERY_MS, WITNESS_IDLE_MS), 0);
	/* a feed gains an entry: due, but not before since + every */
	uint8_t f0[32];
	uint32_t zero = 0;
	crypto_generichash(f0, 32, (const uint8_t *)&zero, sizeof zero, NULL, 0);
	synthetic_feed(s, f0, 3, 4);
	assert_int_equal(witness_due(s, ka->id, later, later - 1000, WITNESS_EVERY_MS,
				     WITNESS_IDLE_MS), 0);
	assert_int_equal(witness_due(s, ka->id, later, later - 3 * WITNESS_EVERY_MS / 2,
				     WITNESS_EVERY_MS, WITNESS_IDLE_MS), 1);
	/* at this member's moment of the period: the first time due after a
	 * start is every / 2 to 3 every / 2 after it, and the next one, once
	 * a witness is made then, every later at the same moment */
	int64_t since = later - 10 * WITNESS_EVERY_MS, first = 0;
	for (int64_t t = since; t < since + 2 * WITNESS_EVERY_MS && !first; t += 1000)
		if (witness_due(s, ka->id, t, since, WITNESS_EVERY_MS, WITNESS_IDLE_MS) == 1)
			first = t;
	assert_true(first >= since + WITNESS_EVERY_MS / 2 &&
		    first < since + 3 * WITNESS_EVERY_MS / 2);
	for (int64_t t = first; t < first + WITNESS_EVERY_MS - 1000; t += 1000)
		assert_int_equal(witness_due(s, ka->id, t, first, WITNESS_EVERY_MS,
					     WITNESS_IDLE_MS), 0);
	assert_int_equal(witness_due(s, ka->id, first + WITNESS_EVERY_MS, first,
				     WITNESS_EVERY_MS, WITNESS_IDLE_MS), 1);

	/* the largest possible witness entry */
	static Mutua__WitnessedHead wh[WITNESS_HEADS_MAX];
	static Mutua__WitnessedHead *whp[WITNESS_HEADS_MAX];
	static uint8_t keys[WITNESS_HEADS_MAX][32];
	uint8_t root[HB], prev[32];
	memset(root, 0xff, HB);
	memset(prev, 0xff, 32);
	for (int i = 0; i < WITNESS_HEADS_MAX; i++) {
		memset(keys[i], 0xff, 32);
		keys[i][0] = (uint8_t)(i >> 8);
		keys[i][1] = (uint8_t)i;
		mutua__witnessed_head__init(&wh[i]);
		wh[i].feed.data = keys[i];
		wh[i].feed.len = 32;
		wh[i].seq = INT64_MAX;
		wh[i].root.data = root;
		wh[i].root.len = HB;
		whp[i] = &wh[i];
	}
	Mutua__Witness w = MUTUA__WITNESS__INIT;
	Mutua__Body big = MUTUA__BODY__INIT;
	w.n_heads = WITNESS_HEADS_MAX;
	w.heads = whp;
	big.payload_case = MUTUA__BODY__PAYLOAD_WITNESS;
	big.witness = &w;
	big.federation.data = fed_id;
	big.federation.len = 32;
	big.author.data = (uint8_t *)ka->id;
	big.author.len = 32;
	big.seq = INT64_MAX;
	big.has_prev = 1;
	big.prev.data = prev;
	big.prev.len = 32;
	big.time = ENTRY_TIME_MAX; /* the largest time an entry may carry */
	size_t size = mutua__body__get_packed_size(&big);
	printf("# the largest witness entry: %zu bytes (ENTRY_BODY_MAX %d)\n", size,
	       ENTRY_BODY_MAX);
	assert_true(size <= ENTRY_BODY_MAX);
	struct entry e;
	assert_int_equal(entry_seal(&e, ka, &big), 0);
	entry_free(&e);
	/* one head more is refused */
	w.n_heads = WITNESS_HEADS_MAX + 1;
	assert_int_equal(entry_check_new(&big), -1);

	store_close(&s);
	free(p);
	tmpdir_remove(&dir);
}

/* A round lists the feeds that did work, not those the previous round's
 * witnesses moved (N^2 heads a round otherwise); those wait for the
 * daily round (stale_before), and witness_due says when that is due. */
static void test_witness_lists_feeds_that_did_work(void **state)
{
	(void)state;
	char *dir = tmpdir_new(), *p = path_in(dir, "d.db");
	struct store *s = store_adopted(p, genesis, genesis_len);
	const struct key *k[3] = {ka, kb, kc};
	size_t heads, entries;
	for (int i = 0; i < 3; i++)
		fx_offer(s, k[i], "Salle", NULL);
	int64_t now = clock_now_ms(), hour_ago = now - 3600 * 1000LL;
	/* round 1: every feed gained an offer, each node lists the three */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(witness_append(s, k[i], hour_ago, &heads, &entries), 0);
		assert_int_equal(heads, 3);
		assert_int_equal(entries, 1);
	}
	/* round 2: only B worked; A and C moved by their witnesses alone */
	fx_offer(s, kb, "Camion", NULL);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(witness_append(s, k[i], hour_ago, &heads, &entries), 0);
		assert_int_equal(heads, 1);
	}
	/* nothing did work since: not due before the day is out */
	assert_int_equal(witness_due(s, ka->id, now, 0, WITNESS_EVERY_MS, WITNESS_IDLE_MS), 0);
	assert_int_equal(witness_due(s, ka->id, now + WITNESS_EVERY_MS * 3, 0, WITNESS_EVERY_MS,
				     WITNESS_IDLE_MS), 0);
	int64_t day = clock_now_ms() + WITNESS_IDLE_MS + 1000;
	assert_int_equal(witness_due(s, ka->id, day, 0, WITNESS_EVERY_MS, WITNESS_IDLE_MS), 1);
	/* nor within a day of the node's start */
	assert_int_equal(witness_due(s, ka->id, day, day - 1000, WITNESS_EVERY_MS, WITNESS_IDLE_MS),
			 0);
	/* the daily round lists the other two feeds the witnesses moved (not
	 * A's own), then nothing is left to list */
	assert_int_equal(witness_append(s, ka, day - WITNESS_IDLE_MS, &heads, &entries), 0);
	assert_int_equal(heads, 2);
	assert_int_equal(witness_append(s, ka, day - WITNESS_IDLE_MS, &heads, &entries), 0);
	assert_int_equal(entries, 0);
	/* B did work again: due at A's moment of the period, B alone listed */
	fx_offer(s, kb, "Chambre froide", NULL);
	assert_int_equal(witness_due(s, ka->id, now + 2 * WITNESS_EVERY_MS, 0, WITNESS_EVERY_MS,
				     WITNESS_IDLE_MS), 1);
	assert_int_equal(witness_append(s, ka, hour_ago, &heads, &entries), 0);
	assert_int_equal(heads, 1);
	store_close(&s);
	free(p);
	tmpdir_remove(&dir);
}

/* Rounds of witnesses at the size of a federation: N members, each feed
 * gaining one entry a round, each member's node witnessing every feed
 * once a round (what a node's store folds when every head moved). The
 * rows of witnessed stay O(N) whatever the rounds (one a distinct head
 * still the newest, or a root this node cannot check or that differs
 * from its own copy); the rows and bytes a round are printed. */
static void rounds_of(size_t n, int rounds, int64_t *rows_out)
{
	char *dir = tmpdir_new(), *p = path_in(dir, "r.db");
	struct store *s = store_adopted(p, genesis, genesis_len);
	uint8_t (*feed)[32] = calloc(n, 32), (*root)[HB] = calloc(n, HB);
	Mutua__WitnessedHead *wh = calloc(n, sizeof *wh), **whp = calloc(n, sizeof *whp);
	assert_true(feed && root && wh && whp);
	for (uint32_t i = 0; i < n; i++)
		crypto_generichash(feed[i], 32, (const uint8_t *)&i, sizeof i, NULL, 0);
	int64_t rows0 = 0, bytes0 = 0;
	uint64_t wseq = 1;
	for (int r = 1; r <= rounds; r++) {
		assert_int_equal(store_exec(s, "BEGIN"), 0);
		for (size_t j = 0; j < n; j++)
			synthetic_feed(s, feed[j], r == 1 ? 0 : (uint64_t)r + 9, (uint64_t)r + 10);
		assert_int_equal(store_exec(s, "COMMIT"), 0);
		for (size_t j = 0; j < n; j++) {
			assert_int_equal(witness_feed_root(s, feed[j], (uint64_t)r + 10, root[j]), 0);
			mutua__witnessed_head__init(&wh[j]);
			wh[j].feed.data = feed[j];
			wh[j].feed.len = 32;
			wh[j].seq = (uint64_t)r + 10;
			wh[j].root.data = root[j];
			wh[j].root.len = HB;
			whp[j] = &wh[j];
		}
		/* each witness in its own transaction, as entries arrive; at
		 * round 3, witness 1 signs a false root of feed 0 */
		uint8_t good[HB];
		memcpy(good, root[0], HB);
		for (size_t i = 0; i < n; i++) {
			if (r == 3)
				root[0][0] = i == 1 ? (uint8_t)(good[0] ^ 1) : good[0];
			Mutua__Body b = MUTUA__BODY__INIT;
			Mutua__Witness w = MUTUA__WITNESS__INIT;
			w.n_heads = n;
			w.heads = whp;
			b.payload_case = MUTUA__BODY__PAYLOAD_WITNESS;
			b.witness = &w;
			b.author.data = feed[i];
			b.author.len = 32;
			b.seq = wseq++;
			b.time = T0 + r * WITNESS_EVERY_MS + (int64_t)i;
			struct entry e = {0};
			e.b = &b;
			memcpy(e.member, feed[i], 32);
			randombytes_buf(e.id, sizeof e.id);
			assert_int_equal(store_exec(s, "BEGIN"), 0);
			if (witness_fold(s, &e))
				fail_msg("witness_fold: %s", err_msg());
			assert_int_equal(store_exec(s, "COMMIT"), 0);
		}
		int64_t rows = q_int(s, "SELECT count(*) FROM witnessed", NULL);
		int64_t bytes = q_int(s, "SELECT page_count * page_size FROM pragma_page_count,"
					 " pragma_page_size", NULL);
		if (r == 1 || r == rounds)
			printf("# N = %zu, round %d: witnessed %lld rows (+%lld), floor %lld,"
			       " roots %lld; store %lld kB (+%lld kB)\n", n, r, (long long)rows,
			       (long long)(rows - rows0),
			       (long long)q_int(s, "SELECT count(*) FROM witness_floor", NULL),
			       (long long)q_int(s, "SELECT count(*) FROM feed_roots", NULL),
			       (long long)bytes / 1024, (long long)(bytes - bytes0) / 1024);
		rows0 = rows;
		bytes0 = bytes;
	}
	*rows_out = rows0;
	/* the false root stays, as evidence: a fork of feed 0 at size 13 */
	assert_int_equal(q_int(s, "SELECT count(*) FROM witnessed WHERE feed = ?1 AND seq = 13",
			       feed[0]), 1);
	assert_int_equal(q_int(s, "SELECT size FROM witness_forks WHERE feed = ?1", feed[0]), 13);
	assert_int_equal(q_int(s, "SELECT count(*) FROM witness_forks", NULL), 1);
	store_close(&s);
	free(feed);
	free(root);
	free(wh);
	free(whp);
	tmpdir_remove(&dir);
	free(p);
}

static void test_witness_rows_stay_linear(void **state)
{
	(void)state;
	int64_t rows30, rows60;
	rounds_of(30, 10, &rows30);
	rounds_of(60, 10, &rows60);
	/* one newest head a feed and witness class (another member's, or
	 * the feed's own member's): at most 2 N */
	assert_true(rows30 <= 2 * 30 + 1);
	assert_true(rows60 <= 2 * 60 + 1);
}

/* The root of a 100 000-entry feed from scratch, then again 100 entries
 * later (from the frontier kept), both equal to merkle_root's; timed. */
static void test_root_of_a_long_feed_is_incremental(void **state)
{
	(void)state;
	enum { N = 100000, MORE = 100 };
	char *dir = tmpdir_new(), *p = path_in(dir, "long.db");
	struct store *s = store_adopted(p, genesis, genesis_len);
	uint8_t feed[32], root[HB], want[HB];
	memset(feed, 0x77, 32);
	assert_int_equal(store_exec(s, "BEGIN"), 0);
	synthetic_feed(s, feed, 0, N);
	assert_int_equal(store_exec(s, "COMMIT"), 0);
	uint8_t(*leaves)[HB] = malloc((size_t)(N + MORE) * HB);
	assert_non_null(leaves);
	for (uint64_t q = 1; q <= N + MORE; q++) {
		uint8_t id[32];
		crypto_generichash(id, 32, (const uint8_t *)&q, sizeof q, feed, 32);
		merkle_leaf_hash(leaves[q - 1], id, 32);
	}

	assert_int_equal(store_exec(s, "BEGIN"), 0);
	double t = now_s();
	assert_int_equal(witness_feed_root(s, feed, N, root), 0);
	double first = now_s() - t;
	assert_int_equal(store_exec(s, "COMMIT"), 0);
	assert_int_equal(merkle_root(want, (const uint8_t(*)[HB])leaves, N), 0);
	assert_memory_equal(root, want, HB);

	assert_int_equal(store_exec(s, "BEGIN"), 0);
	synthetic_feed(s, feed, N, N + MORE);
	t = now_s();
	assert_int_equal(witness_feed_root(s, feed, N + MORE, root), 0);
	double again = now_s() - t;
	assert_int_equal(store_exec(s, "COMMIT"), 0);
	assert_int_equal(merkle_root(want, (const uint8_t(*)[HB])leaves, N + MORE), 0);
	assert_memory_equal(root, want, HB);
	/* an older size (a late witness) is right too, from scratch */
	assert_int_equal(witness_feed_root(s, feed, 12345, root), 0);
	assert_int_equal(merkle_root(want, (const uint8_t(*)[HB])leaves, 12345), 0);
	assert_memory_equal(root, want, HB);
	printf("# root of a %d-entry feed: %.1f ms from scratch, %.3f ms for %d more entries\n",
	       N, first * 1000, again * 1000, MORE);
	free(leaves);
	store_close(&s);
	free(p);
	tmpdir_remove(&dir);
}

/* The decoder's rules for a witness: sorted feeds, sizes, counts. */
static void test_witness_format(void **state)
{
	(void)state;
	uint8_t f1[32], f2[32], root[HB];
	memset(f1, 1, 32);
	memset(f2, 2, 32);
	memset(root, 0, HB);
	Mutua__WitnessedHead a = MUTUA__WITNESSED_HEAD__INIT, c = MUTUA__WITNESSED_HEAD__INIT;
	Mutua__WitnessedHead *hp[2] = {&a, &c};
	a.feed.data = f1;
	a.feed.len = 32;
	a.seq = 3;
	a.root.data = root;
	a.root.len = HB;
	c = a;
	c.feed.data = f2;
	Mutua__Witness w = MUTUA__WITNESS__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	w.n_heads = 2;
	w.heads = hp;
	b.payload_case = MUTUA__BODY__PAYLOAD_WITNESS;
	b.witness = &w;
	assert_int_equal(entry_check_new(&b), 0);
	hp[0] = &c;
	hp[1] = &a; /* unsorted */
	assert_int_equal(entry_check_new(&b), -1);
	hp[1] = &c; /* the same feed twice */
	assert_int_equal(entry_check_new(&b), -1);
	hp[0] = &a;
	c.seq = 0; /* no such head */
	assert_int_equal(entry_check_new(&b), -1);
	c.seq = 1;
	c.root.len = 31;
	assert_int_equal(entry_check_new(&b), -1);
	w.n_heads = 0;
	assert_int_equal(entry_check_new(&b), -1);
	assert_string_equal(entry_type_name(MUTUA__BODY__PAYLOAD_WITNESS), "witness");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_witness_format),
		cmocka_unit_test(test_backdated_without_effect_in_every_order),
		cmocka_unit_test(test_backdated_loan_step_without_effect_in_every_order),
		cmocka_unit_test(test_conflicting_roots_are_forks_in_every_order),
		cmocka_unit_test(test_witness_of_1000_feeds_is_bounded),
		cmocka_unit_test(test_witness_lists_feeds_that_did_work),
		cmocka_unit_test(test_witness_rows_stay_linear),
		cmocka_unit_test(test_root_of_a_long_feed_is_incremental),
	};
	return cmocka_run_group_tests_name("witness", tests, group_setup, group_teardown);
}
