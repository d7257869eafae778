/* test_lending.c - loans (lending.c, loan.c): the booking rule, usage and
 * credits, the fold of requests and the graph of their steps (the same
 * whatever order the feeds arrive in, after a reindex, with steps in one
 * millisecond or clocks that disagree), the conflict rule, settlement by
 * both parties, the findings 1, 2 and 7 of issue 13, accepting against
 * another writer of the store, and the owner's auto-answer in order of
 * arrival.
 *
 * Real SQLite stores in a temporary folder, keys from fixed seeds, a
 * genesis of three founders: A owns the resources, B and C borrow. Entries
 * reach a second or third store through store_insert_batch, as they would
 * from a peer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_helpers.h"
#include "audit.h"
#include "entry.h"
#include "federation.h"
#include "fixture.h"
#include "lending.h"
#include "loan.h"
#include "notify.h"
#include "rotate.h"
#include "store.h"
#include "store_int.h"
#include "util.h"
#include "view.h"

#include <pthread.h>
#include <sodium.h>
#include <time.h>

#define MINUTE 60000LL
#define H (60 * MINUTE)
#define D (24 * H)
#define T0 1796083200000LL /* 2026-12-01T00:00:00Z */
#define DAY(n) (T0 + (int64_t)(n) * D)

#define UNIT_HOUR MUTUA__UNIT__UNIT_HOUR
#define UNIT_DAY MUTUA__UNIT__UNIT_DAY
#define ACCEPT MUTUA__BODY__PAYLOAD_ACCEPT
#define DECLINE MUTUA__BODY__PAYLOAD_DECLINE
#define CANCEL MUTUA__BODY__PAYLOAD_CANCEL
#define HANDOVER MUTUA__BODY__PAYLOAD_HANDOVER
#define RETURN MUTUA__BODY__PAYLOAD_GIVE_BACK
#define CLOSE MUTUA__BODY__PAYLOAD_CLOSE


static struct key *ka, *kb, *kc;

static int group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	ka = key_seeded(0xa1);
	kb = key_seeded(0xb2);
	kc = key_seeded(0xc3);
	return ka && kb && kc ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	key_destroy(&ka);
	key_destroy(&kb);
	key_destroy(&kc);
	return 0;
}

/* ---- fixture: a folder, a genesis, stores ----------------------------- */

/* The genesis of the three founders, with credit_limit (cents, 0 none). */
static void founders_genesis(struct fx *f, uint64_t credit_limit)
{
	const struct fx_member m[] = {{ka, "Alpha", "structures"},
				      {kb, "Beta", "producteurs"},
				      {kc, "Gamma", "restaurateurs"}};
	fx_genesis(f, m, 3, credit_limit, T0);
}

static int setup(void **state)
{
	struct fx *f = fx_new();
	founders_genesis(f, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* ---- entries ---------------------------------------------------------- */

/* Waits for the clock's next millisecond, so that the appends of a test
 * carry distinct author times, as steps taken by people do. (Steps of one
 * author in the same millisecond have their own test.) */
static void tick(void)
{
	int64_t t = clock_now_ms();
	while (clock_now_ms() == t)
		;
}

static void offer_add(struct store *s, const struct key *k, const char *title, uint32_t unit,
		      uint64_t capacity, uint64_t rate, int auto_accept, uint8_t id[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = MUTUA__KIND__KIND_VEHICLE;
	o.title = (char *)title;
	o.unit = unit;
	o.capacity = capacity;
	o.rate = rate;
	if (auto_accept) {
		o.has_auto_accept = 1;
		o.auto_accept = 1;
	}
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	if (store_append(s, k, &b, id))
		fail_msg("offer: %s", err_msg());
	tick();
}

static void offer_withdraw(struct store *s, const struct key *k, const uint8_t res[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__OfferWithdraw w = MUTUA__OFFER_WITHDRAW__INIT;
	w.offer.data = (uint8_t *)res;
	w.offer.len = 32;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW;
	b.offer_withdraw = &w;
	if (store_append(s, k, &b, NULL))
		fail_msg("withdraw: %s", err_msg());
}

static void fill_request(Mutua__Body *b, Mutua__Request *r, const uint8_t res[32],
			 int64_t start, int64_t end, uint64_t q)
{
	r->resource.data = (uint8_t *)res;
	r->resource.len = 32;
	r->start = start;
	r->end = end;
	r->quantity = q;
	b->payload_case = MUTUA__BODY__PAYLOAD_REQUEST;
	b->request = r;
}

static void borrow(struct store *s, const struct key *k, const uint8_t res[32],
		   int64_t start, int64_t end, uint64_t q, uint8_t id[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Request r = MUTUA__REQUEST__INIT;
	fill_request(&b, &r, res, start, end, q);
	/* as the CLI asks: the request carries the offer's rate and unit,
	 * as this node knows them (none when it does not know the offer) */
	sqlite3_stmt *st = db_prep(s, "SELECT rate, unit FROM resources WHERE id = ?1");
	sqlite3_bind_blob(st, 1, res, 32, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		r.has_rate = 1;
		r.rate = (uint64_t)sqlite3_column_int64(st, 0);
		r.has_unit = entry_unit_parse((const char *)sqlite3_column_text(st, 1), &r.unit) == 0;
	}
	sqlite3_finalize(st);
	if (store_append(s, k, &b, id))
		fail_msg("request: %s", err_msg());
	tick();
}

static void step(struct store *s, const struct key *k, int payload, const uint8_t req[32],
		 const char *note, int64_t usage, int64_t rate)
{
	if (lending_append(s, k, payload, req, note, usage, rate, NULL))
		fail_msg("%s: %s", entry_type_name(payload), err_msg());
	tick();
}

/* Seals an entry of k's feed in s with the given author time (not the
 * clock) without storing it; stored later by fx_put, as if received. */
static void seal_exact(struct store *s, const struct key *k, Mutua__Body *b, int64_t time,
		       struct entry *e)
{
	fx_next(s, k, b, time);
	memset(e, 0, sizeof *e);
	if (entry_seal(e, k, b))
		fail_msg("entry_seal: %s", err_msg());
}

/* The same, claiming time or, when that is earlier, the time of k's own
 * previous entry: a feed's times never go back (entry_extends), and a
 * forged step that would is refused before any rule of the loan is
 * asked (forge_refused). */
static void seal_at(struct store *s, const struct key *k, Mutua__Body *b, int64_t time,
		    struct entry *e)
{
	struct feed_head h;
	assert_int_equal(store_feed_head(s, k->id, &h), 0);
	seal_exact(s, k, b, time < h.time ? h.time : time, e);
}

/* The step a forged step answers: the loan's last step taken, as a
 * patched node would name it (zeros when the loan is not held). */
static uint8_t forged_answers[32];

static void step_body(Mutua__Body *b, Mutua__Transition *t, int payload, const uint8_t req[32],
		      const char *note)
{
	t->request.data = (uint8_t *)req;
	t->request.len = 32;
	t->has_answers = 1;
	t->answers.data = forged_answers;
	t->answers.len = 32;
	t->note = (char *)note;
	b->payload_case = payload;
	switch (payload) {
	case ACCEPT: b->accept = t; break;
	case DECLINE: b->decline = t; break;
	case CANCEL: b->cancel = t; break;
	case HANDOVER: b->handover = t; break;
	case RETURN: b->give_back = t; break;
	case CLOSE: b->close = t; break;
	case MUTUA__BODY__PAYLOAD_AGREE: b->agree = t; break;
	case MUTUA__BODY__PAYLOAD_DISPUTE: b->dispute = t; break;
	default: fail_msg("not a step");
	}
}

/* A step k's node refuses to sign (invariant 11), signed all the same by
 * a node that does not keep the rules and received as from a peer: the
 * fold must ignore it everywhere. */
static void forced(struct store *s, const struct key *k, int payload, const uint8_t req[32],
		   const char *note, int64_t usage, int64_t rate, uint8_t id[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Transition t = MUTUA__TRANSITION__INIT;
	struct entry e;
	struct lending_loan l;
	memset(forged_answers, 0, 32);
	if (lending_loan_get(s, req, &l) == 1)
		memcpy(forged_answers, l.head, 32);
	step_body(&b, &t, payload, req, note);
	if (usage >= 0) {
		t.has_usage = 1;
		t.usage = (uint64_t)usage;
	}
	if (rate >= 0) {
		t.has_rate = 1;
		t.rate = (uint64_t)rate;
	}
	if (lending_append(s, k, payload, req, note, usage, rate, NULL) == 0)
		fail_msg("%s: signed by its own node", entry_type_name(payload));
	seal_at(s, k, &b, clock_now_ms(), &e);
	fx_put(s, &e, id);
	tick();
}

/* A request for k's own resource, signed likewise. */
static void forced_borrow(struct store *s, const struct key *k, const uint8_t res[32],
			  int64_t start, int64_t end, uint64_t q, uint8_t id[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Request r = MUTUA__REQUEST__INIT;
	struct entry e;
	fill_request(&b, &r, res, start, end, q);
	if (store_append(s, k, &b, NULL) == 0)
		fail_msg("request: signed by its own node");
	assert_string_equal(err_msg(), LENDING_OWN_REQUEST);
	b = (Mutua__Body)MUTUA__BODY__INIT;
	fill_request(&b, &r, res, start, end, q);
	seal_at(s, k, &b, clock_now_ms(), &e);
	fx_put(s, &e, id);
	tick();
}

/* ---- reading the derived state ---------------------------------------- */

/* Column 0 of the first row of sql (?1 = id when given) as text, in buf. */
static const char *col_text(struct store *s, const char *sql, const uint8_t *id, char *buf,
			    size_t cap)
{
	sqlite3_stmt *st = db_prep(s, sql);
	if (id)
		sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		snprintf(buf, cap, "%s", sqlite3_column_text(st, 0));
	else
		snprintf(buf, cap, "NULL");
	sqlite3_finalize(st);
	return buf;
}

static int64_t col_int(struct store *s, const char *sql, const uint8_t *id)
{
	char buf[64];
	col_text(s, sql, id, buf, sizeof buf);
	return strcmp(buf, "NULL") == 0 ? -999 : strtoll(buf, NULL, 10);
}

#define STATE(s, id) col_text(s, "SELECT state FROM loans WHERE id = ?1", id, sbuf, sizeof sbuf)
#define IGNORED(s, id) col_int(s, "SELECT ignored FROM loans WHERE id = ?1", id)

#define LOANS_SQL "SELECT * FROM loans ORDER BY id"
/* The table balances, which triggers keep, against its definition: the
 * view settlements summed by member (schema.c). */
static void assert_balances_kept(struct store *s)
{
	static const char sums[] = "SELECT member, sum(credits), sum(lent), sum(borrowed),"
				   " count(*) FROM settlements GROUP BY member";
	static const char *const sql[] = {
		"SELECT count(*) FROM (%s EXCEPT SELECT * FROM balances)",
		"SELECT count(*) FROM (SELECT * FROM balances EXCEPT %s)",
	};
	for (int i = 0; i < 2; i++) {
		char q[512];
		snprintf(q, sizeof q, sql[i], sums);
		assert_int_equal(col_int(s, q, NULL), 0);
	}
}

/* Each member's balance in hundredths: credits earned minus spent. */
#define BALANCES_SQL \
	"SELECT m.id AS member, coalesce((SELECT sum(credits) FROM loans" \
	" WHERE state = 'closed' AND owner = m.id), 0) - coalesce((SELECT" \
	" sum(credits) FROM loans WHERE state = 'closed' AND borrower = m.id), 0)" \
	" AS b FROM members m ORDER BY m.id"
#define BALANCE_OF_SQL \
	"SELECT coalesce((SELECT sum(credits) FROM loans WHERE state = 'closed'" \
	" AND owner = ?1), 0) - coalesce((SELECT sum(credits) FROM loans" \
	" WHERE state = 'closed' AND borrower = ?1), 0)"

static int64_t balance(struct store *s, const struct key *k)
{
	return col_int(s, BALANCE_OF_SQL, k->id);
}

/* ---- replication between stores --------------------------------------- */

/* Inserts into `to`, in one batch, up to max entries of author's feed that
 * `from` holds beyond to's head. Returns how many. */
static size_t push_feed(struct store *from, struct store *to, const uint8_t *author, size_t max)
{
	uint64_t head;
	uint8_t hid[32];
	assert_int_equal(store_head(to, author, &head, hid), 0);
	sqlite3_stmt *st = db_prep(from, "SELECT body, sig FROM entries WHERE author = ?1"
				      " AND seq > ?2 ORDER BY seq LIMIT ?3");
	sqlite3_bind_blob(st, 1, author, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)head);
	sqlite3_bind_int64(st, 3, max > 256 ? 256 : (sqlite3_int64)max);
	struct raw_entry v[256];
	size_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t bl = (size_t)sqlite3_column_bytes(st, 0), sl = (size_t)sqlite3_column_bytes(st, 1);
		uint8_t *body = malloc(bl), *sig = malloc(sl);
		assert_non_null(body);
		assert_non_null(sig);
		memcpy(body, sqlite3_column_blob(st, 0), bl);
		memcpy(sig, sqlite3_column_blob(st, 1), sl);
		v[n++] = (struct raw_entry){body, bl, sig, sl};
	}
	sqlite3_finalize(st);
	if (n) {
		struct batch_result r;
		assert_int_equal(store_insert_batch(to, v, n, &r), 0);
		if (r.added != n || r.rejected)
			fail_msg("batch: %zu added of %zu, %zu rejected: %s", r.added, n, r.rejected,
				 err_msg());
	}
	for (size_t i = 0; i < n; i++) {
		free((void *)v[i].body);
		free((void *)v[i].sig);
	}
	return n;
}

static void push_all(struct store *from, struct store *to)
{
	const struct key *ks[3] = {ka, kb, kc};
	for (int i = 0; i < 3; i++)
		while (push_feed(from, to, ks[i]->id, SIZE_MAX))
			;
}

/* ---- the booking rule ------------------------------------------------- */

static void accepts(struct store *s, const uint8_t req[32])
{
	struct booking_check chk;
	int ok = booking_can_accept(s, req, &chk);
	if (ok != 1)
		fail_msg("expected acceptable, got %d: %s", ok, chk.why);
}

static void refuses(struct store *s, const uint8_t req[32], const char *why,
		    const uint8_t *conflict)
{
	struct booking_check chk;
	int ok = booking_can_accept(s, req, &chk);
	if (ok != 0)
		fail_msg("expected a refusal ('%s'), got %d", why, ok);
	if (!strstr(chk.why, why))
		fail_msg("refused with '%s', expected '%s'", chk.why, why);
	if (conflict) {
		assert_true(chk.has_conflict);
		assert_memory_equal(chk.conflict, conflict, 32);
		char hex[65];
		hex_encode(hex, conflict, 32);
		hex[12] = 0;
		if (!strstr(chk.why, hex))
			fail_msg("'%s' does not name loan %s", chk.why, hex);
	}
}

static void test_edges_touch_but_do_not_overlap(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], l1[32], r[32];
	char sbuf[32];
	offer_add(s, ka, "Camion", UNIT_HOUR, 1, 1000, 0, truck);
	borrow(s, kb, truck, DAY(4) + 8 * H, DAY(4) + 12 * H, 1, l1);
	accepts(s, l1);
	step(s, ka, ACCEPT, l1, NULL, -1, -1);
	assert_string_equal(STATE(s, l1), "accepted");

	/* [08:00, 12:00) and [12:00, 16:00): back to back, no conflict */
	borrow(s, kc, truck, DAY(4) + 12 * H, DAY(4) + 16 * H, 1, r);
	accepts(s, r);
	borrow(s, kc, truck, DAY(4) + 6 * H, DAY(4) + 8 * H, 1, r);
	accepts(s, r);
	assert_int_equal(booking_free(s, truck, DAY(4) + 12 * H, DAY(4) + 16 * H), 1);
	assert_int_equal(booking_free(s, truck, DAY(4), DAY(4) + 8 * H), 1);

	/* one minute of overlap at either end is a conflict naming l1 */
	borrow(s, kc, truck, DAY(4) + 12 * H - MINUTE, DAY(4) + 16 * H, 1, r);
	refuses(s, r, "conflict", l1);
	borrow(s, kc, truck, DAY(4) + 6 * H, DAY(4) + 8 * H + MINUTE, 1, r);
	refuses(s, r, "conflict", l1);
	/* and one inside, and one around */
	borrow(s, kc, truck, DAY(4) + 9 * H, DAY(4) + 10 * H, 1, r);
	refuses(s, r, "conflict", l1);
	borrow(s, kc, truck, DAY(3), DAY(6), 1, r);
	refuses(s, r, "conflict", l1);
	assert_int_equal(booking_free(s, truck, DAY(4) + 12 * H - MINUTE, DAY(4) + 13 * H), 0);

	/* the SQL function used by listings says the same */
	char why[400];
	col_text(s, "SELECT mutua_conflict(?1)", r, why, sizeof why);
	assert_non_null(strstr(why, "conflict"));
	assert_int_equal(col_int(s, "SELECT mutua_free(?1, 0, 1)", truck), 1);
}

static void test_capacity_two(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t vans[32], r1[32], r2[32], r3[32], q2[32], q2b[32];
	offer_add(s, ka, "Deux utilitaires", UNIT_DAY, 2, 500, 0, vans);

	/* three overlapping requests of one each: the third does not fit */
	borrow(s, kb, vans, DAY(1), DAY(3), 1, r1);
	borrow(s, kc, vans, DAY(2), DAY(4), 1, r2);
	borrow(s, kb, vans, DAY(2) + H, DAY(2) + 2 * H, 1, r3);
	accepts(s, r1);
	step(s, ka, ACCEPT, r1, NULL, -1, -1);
	accepts(s, r2);
	step(s, ka, ACCEPT, r2, NULL, -1, -1);
	refuses(s, r3, "exceed capacity 2", NULL);
	assert_int_equal(booking_free(s, vans, DAY(2), DAY(3)), 0);
	assert_int_equal(booking_free(s, vans, DAY(1), DAY(2)), 1);
	assert_int_equal(booking_free(s, vans, DAY(3), DAY(4)), 1);
	assert_int_equal(booking_free(s, vans, DAY(4), DAY(5)), 2);

	/* a request for two next to a loan of one */
	borrow(s, kc, vans, DAY(1), DAY(2), 2, q2);
	refuses(s, q2, "conflict", r1);
	/* the same request where nothing is lent fits */
	borrow(s, kc, vans, DAY(10), DAY(11), 2, q2b);
	accepts(s, q2b);
	/* more than the capacity never fits */
	uint8_t q3[32];
	borrow(s, kc, vans, DAY(20), DAY(21), 3, q3);
	refuses(s, q3, "above the resource's capacity", NULL);
}

static void test_peak_inside_slot(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t room[32], a[32], b[32], c[32], longr[32];
	offer_add(s, ka, "Salle", UNIT_HOUR, 2, 100, 0, room);
	/* two short loans that do not overlap each other */
	borrow(s, kb, room, DAY(5) + 9 * H, DAY(5) + 10 * H, 1, a);
	borrow(s, kb, room, DAY(5) + 14 * H, DAY(5) + 15 * H, 1, b);
	step(s, ka, ACCEPT, a, NULL, -1, -1);
	step(s, ka, ACCEPT, b, NULL, -1, -1);
	/* a long request across both: at most one in use at any instant */
	borrow(s, kc, room, DAY(5) + 8 * H, DAY(5) + 18 * H, 1, longr);
	accepts(s, longr);
	assert_int_equal(booking_free(s, room, DAY(5) + 8 * H, DAY(5) + 18 * H), 1);
	/* a loan ending where another starts does not add to the peak */
	borrow(s, kb, room, DAY(5) + 10 * H, DAY(5) + 14 * H, 1, c);
	step(s, ka, ACCEPT, c, NULL, -1, -1);
	accepts(s, longr);
	assert_int_equal(booking_free(s, room, DAY(5) + 8 * H, DAY(5) + 18 * H), 1);
	/* a third short one overlapping the first makes a peak of two */
	uint8_t d[32];
	borrow(s, kc, room, DAY(5) + 9 * H + 30 * MINUTE, DAY(5) + 10 * H + 30 * MINUTE, 1, d);
	step(s, ka, ACCEPT, d, NULL, -1, -1);
	refuses(s, longr, "(2 in use", NULL);
	assert_int_equal(booking_free(s, room, DAY(5) + 8 * H, DAY(5) + 18 * H), 0);
	/* outside that peak the long request would fit */
	assert_int_equal(booking_free(s, room, DAY(5) + 11 * H, DAY(5) + 18 * H), 1);
}

static void test_cancel_frees_the_slot(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], l1[32], r2[32], r3[32];
	char sbuf[32];
	offer_add(s, ka, "Camion", UNIT_DAY, 1, 1000, 0, truck);
	borrow(s, kb, truck, DAY(1), DAY(3), 1, l1);
	borrow(s, kc, truck, DAY(2), DAY(4), 1, r2);
	step(s, ka, ACCEPT, l1, NULL, -1, -1);
	refuses(s, r2, "conflict", l1);
	/* the borrower cancels the accepted loan: its slot frees */
	step(s, kb, CANCEL, l1, "plus besoin", -1, -1);
	assert_string_equal(STATE(s, l1), "cancelled");
	char reason[64];
	col_text(s, "SELECT reason FROM loans WHERE id = ?1", l1, reason, sizeof reason);
	assert_string_equal(reason, "plus besoin");
	accepts(s, r2);
	step(s, ka, ACCEPT, r2, NULL, -1, -1);
	assert_string_equal(STATE(s, r2), "accepted");
	/* the cancelled request cannot be accepted again */
	refuses(s, l1, "the request was cancelled", NULL);
	/* the owner may cancel too, before handover; the slot frees again */
	borrow(s, kb, truck, DAY(3), DAY(4), 1, r3);
	refuses(s, r3, "conflict", r2);
	step(s, ka, CANCEL, r2, "camion en panne", -1, -1);
	assert_string_equal(STATE(s, r2), "cancelled");
	accepts(s, r3);
	/* an accept arriving after a cancel is ignored by the fold */
	forced(s, ka, ACCEPT, l1, NULL, -1, -1, NULL);
	assert_string_equal(STATE(s, l1), "cancelled");
	assert_int_equal(IGNORED(s, l1), 1);
	accepts(s, r3);
}

static void test_declined_and_cancelled_hold_nothing(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], d[32], c[32], r[32];
	char sbuf[32];
	offer_add(s, ka, "Camion", UNIT_DAY, 1, 0, 0, truck);
	borrow(s, kb, truck, DAY(1), DAY(2), 1, d);
	borrow(s, kc, truck, DAY(1), DAY(2), 1, c);
	step(s, ka, DECLINE, d, "en r\xc3\xa9vision", -1, -1);
	step(s, kc, CANCEL, c, NULL, -1, -1);
	assert_string_equal(STATE(s, d), "declined");
	assert_string_equal(STATE(s, c), "cancelled");
	/* pending requests hold nothing either */
	uint8_t p[32];
	borrow(s, kb, truck, DAY(1), DAY(2), 1, p);
	assert_int_equal(booking_free(s, truck, DAY(1), DAY(2)), 1);
	borrow(s, kc, truck, DAY(1), DAY(2), 1, r);
	accepts(s, r);
	accepts(s, p);
	/* declined and cancelled cannot be accepted */
	refuses(s, d, "the request was declined", NULL);
	refuses(s, c, "the request was cancelled", NULL);
}

static void test_withdrawn_resource_refused(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], r[32];
	offer_add(s, ka, "Camion", UNIT_DAY, 3, 0, 0, truck);
	borrow(s, kb, truck, DAY(1), DAY(2), 1, r);
	accepts(s, r);
	assert_int_equal(booking_free(s, truck, DAY(1), DAY(2)), 3);
	offer_withdraw(s, ka, truck);
	refuses(s, r, "withdrawn", NULL);
	assert_int_equal(booking_free(s, truck, DAY(1), DAY(2)), 0);
	/* an unknown resource: free 0, a request for it cannot be accepted */
	uint8_t ghost[32], g[32];
	memset(ghost, 0x5a, 32);
	assert_int_equal(booking_free(s, ghost, DAY(1), DAY(2)), 0);
	borrow(s, kb, ghost, DAY(1), DAY(2), 1, g);
	refuses(s, g, "unknown", NULL);
	uint8_t none[32] = {0};
	refuses(s, none, "no such request", NULL);
}

static void test_credit_limit(void **state)
{
	struct fx *f = *state;
	founders_genesis(f, 1000); /* 10.00 credits */
	struct store *s = fx_store(f);
	uint8_t truck[32], room[32], r1[32], r2[32], r3[32], rc1[32];
	char sbuf[32];
	offer_add(s, ka, "Camion", UNIT_DAY, 5, 400, 0, truck); /* 4.00 a day */
	offer_add(s, kb, "Salle", UNIT_DAY, 1, 500, 0, room);   /* 5.00 a day */

	/* 2 days: 8.00, within 10.00 */
	borrow(s, kb, truck, DAY(1), DAY(3), 1, r1);
	accepts(s, r1);
	step(s, ka, ACCEPT, r1, NULL, -1, -1);
	/* one more day: 8.00 committed + 4.00 = 12.00 beyond the limit */
	borrow(s, kb, truck, DAY(5), DAY(6), 1, r2);
	struct booking_check chk;
	assert_int_equal(booking_can_accept(s, r2, &chk), 0);
	assert_true(chk.credit);
	assert_false(chk.has_conflict);
	assert_non_null(strstr(chk.why, "credit limit"));
	assert_non_null(strstr(chk.why, "reach -12,"));
	assert_non_null(strstr(chk.why, "below -10"));

	/* the first loan settles: balance -8.00, still 12.00 with r2 */
	step(s, ka, HANDOVER, r1, NULL, -1, -1);
	step(s, kb, RETURN, r1, NULL, 2000, -1);
	step(s, ka, CLOSE, r1, NULL, 2000, 400);
	assert_string_equal(STATE(s, r1), "closed");
	assert_int_equal(balance(s, kb), -800);
	refuses(s, r2, "credit limit", NULL);

	/* B earns 5.00 lending its room to C: -3.00, and -7.00 with r2 */
	borrow(s, kc, room, DAY(1), DAY(2), 1, rc1);
	step(s, kb, ACCEPT, rc1, NULL, -1, -1);
	step(s, kc, HANDOVER, rc1, NULL, -1, -1);
	step(s, kc, RETURN, rc1, NULL, 1000, -1);
	step(s, kb, CLOSE, rc1, NULL, 1000, 500);
	assert_int_equal(balance(s, kb), -300);
	assert_int_equal(balance(s, kc), -500);
	assert_int_equal(balance(s, ka), 800);
	accepts(s, r2);
	step(s, ka, ACCEPT, r2, NULL, -1, -1);
	/* exactly at the limit is allowed; a cent beyond is not */
	offer_add(s, ka, "Outil", MUTUA__UNIT__UNIT_ITEM, 1000, 1, 0, truck); /* 0.01 an item */
	borrow(s, kc, truck, DAY(8), DAY(9), 500, r3); /* 5.00 */
	accepts(s, r3);
	borrow(s, kc, truck, DAY(8), DAY(9), 501, r3); /* 5.01 */
	refuses(s, r3, "credit limit", NULL);
}

static void test_no_credit_limit_when_zero(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], r[32];
	offer_add(s, ka, "Camion", UNIT_DAY, 1, 100000000, 0, truck);
	borrow(s, kb, truck, DAY(1), DAY(300), 1, r);
	accepts(s, r);
}

static void test_default_usage_and_credits(void **state)
{
	(void)state;
	/* whole units begun, in thousandths, times the quantity (loan.h) */
	assert_int_equal(lending_default_usage("hour", T0, T0 + 90 * MINUTE, 1), 2000);
	assert_int_equal(lending_default_usage("hour", T0, T0 + 90 * MINUTE, 2), 4000);
	assert_int_equal(lending_default_usage("day", DAY(4), DAY(6), 1), 2000);
	assert_int_equal(lending_default_usage("day", T0, T0 + 36 * H, 3), 6000);
	/* a day-rate van 08:00-18:00 is one day; a room 14:10-15:20 two hours */
	assert_int_equal(loan_slot_usage("day", DAY(4) + 8 * H, DAY(4) + 18 * H, 1), 1000);
	assert_int_equal(loan_slot_usage("hour", T0 + 14 * H + 10 * MINUTE,
					 T0 + 15 * H + 20 * MINUTE, 1), 2000);
	assert_int_equal(lending_default_usage("hour", T0, T0 + H, 1), 1000);
	assert_int_equal(lending_default_usage("hour", T0, T0 + H + 1, 1), 2000);
	assert_int_equal(lending_default_usage("day", T0, T0 + MINUTE, 1), 1000);
	assert_int_equal(lending_default_usage("day", T0, T0, 1), 0);
	/* items: the quantity, whatever the slot */
	assert_int_equal(lending_default_usage("item", T0, T0 + D, 3), 3000);
	assert_int_equal(lending_default_usage("item", T0, T0 + 5 * D, 1), 1000);
	/* km and m3 must be measured */
	assert_int_equal(lending_default_usage("km", T0, T0 + D, 1), -1);
	assert_int_equal(lending_default_usage("m3", T0, T0 + D, 1), -1);
	/* any slot of int64 ms, even one whose length overflows int64 */
	assert_int_equal(loan_slot_usage("hour", INT64_MIN, INT64_MAX, 1), (int64_t)USAGE_MAX);
	assert_int_equal(loan_slot_usage("hour", INT64_MAX, INT64_MIN, 1), 0);
	assert_int_equal(loan_grace_end(INT64_MAX - 5, 72 * H), INT64_MAX);
	assert_int_equal(loan_grace_end(T0, 72 * H), T0 + 72 * H);
	/* never above what an entry may carry, for any slot a request may name */
	assert_int_equal(lending_default_usage("hour", 0, INT64_MAX, 1), (int64_t)USAGE_MAX);
	assert_int_equal(lending_default_usage("day", 0, INT64_MAX, CAPACITY_MAX),
			 (int64_t)USAGE_MAX);
	assert_int_equal(lending_default_usage("hour", 0, (int64_t)USAGE_MAX / 1000 * H - 1, 1),
			 (int64_t)USAGE_MAX);
	assert_int_equal(lending_default_usage("hour", 0, (int64_t)USAGE_MAX / 1000 * H + 1, 1),
			 (int64_t)USAGE_MAX);
	assert_int_equal(lending_default_usage("hour", T0, T0 + 999999 * H, 1), 999999000);
	assert_int_equal(lending_default_usage("hour", T0, T0 + 1000 * H, CAPACITY_MAX),
			 (int64_t)USAGE_MAX);
	assert_int_equal(lending_default_usage("day", 0, 200LL * 365 * D, CAPACITY_MAX),
			 (int64_t)USAGE_MAX);

	/* credits = round(usage * rate / 1000), in hundredths */
	assert_int_equal(lending_credits(2000, 1000), 2000);
	assert_int_equal(lending_credits(1500, 250), 375);
	assert_int_equal(lending_credits(1500, 333), 500); /* 499.5 */
	assert_int_equal(lending_credits(333, 1000), 333);
	assert_int_equal(lending_credits(500, 1), 1);      /* 0.5 */
	assert_int_equal(lending_credits(499, 1), 0);
	assert_int_equal(lending_credits(1, 1), 0);
	assert_int_equal(lending_credits(0, 5000), 0);
	assert_int_equal(lending_credits(USAGE_MAX, RATE_MAX), 100000000000000LL);
}

static void test_time_zone_independent(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	int64_t paris_from, paris_to, utc_from, utc_to, z;
	uint8_t truck[32], rp[32], ru[32], rx[32];
	char sbuf[32];

	setenv("TZ", "Europe/Paris", 1);
	tzset();
	assert_int_equal(clock_parse("2026-12-05T08:00", 0, &paris_from), 0);
	assert_int_equal(clock_parse("2026-12-05T12:00", 1, &paris_to), 0);
	assert_int_equal(paris_from, DAY(4) + 7 * H); /* CET = UTC+1 */
	assert_int_equal(paris_to, DAY(4) + 11 * H);
	assert_int_equal(clock_parse("2026-12-06", 1, &z), 0);
	assert_int_equal(z, DAY(5) + 23 * H); /* the end of that local day */
	assert_int_equal(clock_parse("2026-07-01T08:00", 0, &z), 0);
	assert_int_equal(z % D, 6 * H); /* CEST = UTC+2 */
	offer_add(s, ka, "Camion", UNIT_HOUR, 1, 0, 0, truck);
	borrow(s, kb, truck, paris_from, paris_to, 1, rp);
	step(s, ka, ACCEPT, rp, NULL, -1, -1);

	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(clock_parse("2026-12-05T11:00", 0, &utc_from), 0);
	assert_int_equal(clock_parse("2026-12-05T13:00", 0, &utc_to), 0);
	assert_int_equal(clock_parse("2026-12-05T08:00Z", 0, &z), 0);
	assert_int_equal(z, DAY(4) + 8 * H);
	assert_int_equal(clock_parse("2026-12-05T08:00+01:00", 0, &z), 0);
	assert_int_equal(z, paris_from);
	/* 11:00Z follows the Paris loan's end (12:00 local = 11:00Z) */
	borrow(s, kc, truck, utc_from, utc_to, 1, ru);
	accepts(s, ru);
	/* 10:30Z is inside it, whatever the zone of whoever looks */
	borrow(s, kc, truck, utc_from - 30 * MINUTE, utc_to, 1, rx);
	refuses(s, rx, "conflict", rp);
	setenv("TZ", "America/New_York", 1);
	tzset();
	refuses(s, rx, "conflict", rp);
	accepts(s, ru);
	assert_string_equal(STATE(s, rp), "accepted");
	assert_int_equal(col_int(s, "SELECT start_ms FROM loans WHERE id = ?1", rp),
			 DAY(4) + 7 * H);

	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

/* ---- the fold --------------------------------------------------------- */

/* The scenario of the fold tests: an offer each by A (a truck) and B (a
 * room), two requests for the truck (B's accepted, handed over, returned,
 * closed; C's declined), C's room loan, A's request for its own truck, and
 * invalid steps. Each member writes on its own store; the stores exchange
 * entries as they go and converge. Fills sc and out (A's, B's, C's). */
struct scenario {
	uint8_t truck[32], room[32], rb[32], rc[32], own[32], rroom[32];
};

static void write_scenario(struct fx *f, struct scenario *sc, struct store *out[3])
{
	/* each member appends on its own node; the nodes exchange as they go */
	struct store *sa = fx_store(f), *sb = fx_store(f), *sg = fx_store(f);
	offer_add(sa, ka, "Camion", UNIT_DAY, 1, 1000, 0, sc->truck); /* 10.00 / day */
	offer_add(sb, kb, "Salle", UNIT_HOUR, 1, 250, 0, sc->room);    /* 2.50 / hour */
	push_all(sa, sb);
	push_all(sa, sg);
	push_all(sb, sg);
	borrow(sb, kb, sc->truck, DAY(1), DAY(3), 1, sc->rb);
	borrow(sg, kc, sc->truck, DAY(2), DAY(4), 1, sc->rc);
	borrow(sg, kc, sc->room, DAY(2) + 9 * H, DAY(2) + 12 * H, 1, sc->rroom);
	forced_borrow(sa, ka, sc->truck, DAY(10), DAY(11), 1, sc->own); /* one's own: invalid */
	push_all(sb, sa);
	push_all(sg, sa);
	push_all(sg, sb);
	step(sa, ka, ACCEPT, sc->rb, NULL, -1, -1);
	step(sa, ka, DECLINE, sc->rc, "conflict", -1, -1);
	forced(sa, ka, ACCEPT, sc->rb, NULL, -1, -1, NULL);  /* second accept */
	forced(sa, ka, ACCEPT, sc->own, NULL, -1, -1, NULL); /* on an invalid request */
	push_all(sa, sb);
	push_all(sa, sg);
	forced(sg, kc, ACCEPT, sc->rb, NULL, -1, -1, NULL);  /* not the owner */
	step(sb, kb, HANDOVER, sc->rb, "plein fait", -1, -1);
	push_all(sb, sa);
	forced(sa, ka, RETURN, sc->rb, NULL, 2000, -1, NULL); /* the owner cannot return */
	step(sb, kb, RETURN, sc->rb, "rendu", 2000, -1);
	forced(sb, kb, CLOSE, sc->rb, NULL, 2000, 1000, NULL); /* the borrower cannot close */
	push_all(sb, sa);
	step(sa, ka, CLOSE, sc->rb, "ok", -1, 1000);      /* usage from the return */
	/* the room: accepted, handed over by the borrower, returned on 3
	 * hours, closed on the borrower's figure */
	step(sb, kb, ACCEPT, sc->rroom, NULL, -1, -1);
	push_all(sb, sg);
	step(sg, kc, HANDOVER, sc->rroom, NULL, -1, -1);
	step(sg, kc, RETURN, sc->rroom, NULL, 3000, -1);
	push_all(sg, sb);
	step(sb, kb, CLOSE, sc->rroom, NULL, -1, -1);
	push_all(sb, sg);
	/* a second return by a patched node after the close: ignored */
	forced(sg, kc, RETURN, sc->rroom, NULL, 9000, -1, NULL);
	for (int i = 0; i < 3; i++) {
		push_all(sa, sb);
		push_all(sb, sg);
		push_all(sg, sa);
	}
	out[0] = sa;
	out[1] = sb;
	out[2] = sg;
}

static void check_scenario(struct store *s, const struct scenario *sc)
{
	char sbuf[32];
	assert_string_equal(STATE(s, sc->rb), "closed");
	assert_int_equal(col_int(s, "SELECT usage FROM loans WHERE id = ?1", sc->rb), 2000);
	assert_int_equal(col_int(s, "SELECT credits FROM loans WHERE id = ?1", sc->rb), 2000);
	assert_int_equal(IGNORED(s, sc->rb), 4);
	assert_string_equal(STATE(s, sc->rc), "declined");
	char reason[32];
	col_text(s, "SELECT reason FROM loans WHERE id = ?1", sc->rc, reason, sizeof reason);
	assert_string_equal(reason, "conflict");
	assert_string_equal(STATE(s, sc->own), "invalid");
	assert_int_equal(IGNORED(s, sc->own), 1);
	assert_string_equal(STATE(s, sc->rroom), "closed");
	assert_int_equal(col_int(s, "SELECT credits FROM loans WHERE id = ?1", sc->rroom), 750);
	assert_int_equal(IGNORED(s, sc->rroom), 1);
	assert_int_equal(balance(s, ka), 2000);
	assert_int_equal(balance(s, kb), -2000 + 750);
	assert_int_equal(balance(s, kc), -750);
	assert_int_equal(col_int(s, "SELECT sum(b) FROM (" BALANCES_SQL ")", NULL), 0);
}

/* Replays the feeds of src into a fresh store: whole feeds in the order
 * given by `order` (indexes into A, B, C), or one entry at a time from
 * each feed in turn when round_robin. */
static struct store *replay(struct fx *f, struct store *src, const int order[3], int round_robin)
{
	const struct key *ks[3] = {ka, kb, kc};
	struct store *s = fx_store(f);
	if (!round_robin) {
		for (int i = 0; i < 3; i++)
			while (push_feed(src, s, ks[order[i]]->id, SIZE_MAX))
				;
		return s;
	}
	size_t moved;
	do {
		moved = 0;
		for (int i = 0; i < 3; i++)
			moved += push_feed(src, s, ks[order[i]]->id, 1);
	} while (moved);
	return s;
}

static void test_fold_is_order_independent(void **state)
{
	struct fx *f = *state;
	struct scenario sc;
	struct store *nodes[3];
	write_scenario(f, &sc, nodes);
	char *want = db_dump(nodes[0], LOANS_SQL), *want_bal = db_dump(nodes[0], BALANCES_SQL);
	for (int i = 0; i < 3; i++) {
		check_scenario(nodes[i], &sc);
		char *got = db_dump(nodes[i], LOANS_SQL);
		assert_string_equal(got, want);
		free(got);
	}
	static const int orders[][4] = {
		{0, 1, 2, 0}, /* the owner's feed first */
		{1, 2, 0, 0}, /* the borrowers' first */
		{2, 1, 0, 0},
		{0, 1, 2, 1}, /* interleaved, one entry of each feed in turn */
		{2, 0, 1, 1},
		{1, 0, 2, 1},
	};
	for (size_t o = 0; o < sizeof orders / sizeof *orders; o++) {
		struct store *s = replay(f, nodes[0], orders[o], orders[o][3]);
		check_scenario(s, &sc);
		char *got = db_dump(s, LOANS_SQL), *bal = db_dump(s, BALANCES_SQL);
		if (strcmp(got, want))
			fail_msg("order %zu gives other loans:\n%s\nwanted:\n%s", o, got, want);
		assert_string_equal(bal, want_bal);
		free(got);
		free(bal);
	}
	free(want);
	free(want_bal);
}

static void test_reindex_gives_the_same(void **state)
{
	struct fx *f = *state;
	struct scenario sc;
	struct store *nodes[3];
	write_scenario(f, &sc, nodes);
	static const int borrowers_first[3] = {2, 1, 0};
	struct store *s = replay(f, nodes[1], borrowers_first, 0);
	char *want = db_dump(s, LOANS_SQL), *want_bal = db_dump(s, BALANCES_SQL);
	assert_int_equal(store_reindex(s), 0);
	char *got = db_dump(s, LOANS_SQL);
	assert_string_equal(got, want);
	free(got);
	/* a derived table edited by hand is rebuilt from the entries */
	assert_int_equal(sqlite3_exec(store_db(s),
				      "UPDATE loans SET quantity = 7, start_ms = 0, state = 'closed',"
				      " credits = 99999; INSERT INTO loans(id, resource, borrower,"
				      " start_ms, end_ms, quantity, requested, state) VALUES"
				      " (zeroblob(32), zeroblob(32), zeroblob(32), 0, 1, 1, 0,"
				      " 'accepted')", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_reindex(s), 0);
	got = db_dump(s, LOANS_SQL);
	assert_string_equal(got, want);
	char *bal = db_dump(s, BALANCES_SQL);
	assert_string_equal(bal, want_bal);
	check_scenario(s, &sc);
	free(got);
	free(bal);
	free(want);
	free(want_bal);
}

/* Steps of one author stamped with the same millisecond follow their feed's
 * order, whatever their ids. */
static void test_same_millisecond_steps_keep_feed_order(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], req[32], acc[32], hid[32];
	char sbuf[32];
	struct entry e;
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = MUTUA__KIND__KIND_VEHICLE;
	o.title = "Camion";
	o.unit = UNIT_DAY;
	o.capacity = 1;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	seal_at(s, ka, &b, T0, &e);
	fx_put(s, &e, truck);
	Mutua__Body rb = MUTUA__BODY__INIT;
	Mutua__Request r = MUTUA__REQUEST__INIT;
	fill_request(&rb, &r, truck, DAY(1), DAY(2), 1);
	seal_at(s, kb, &rb, T0 + 5, &e);
	fx_put(s, &e, req);

	Mutua__Body ab = MUTUA__BODY__INIT;
	Mutua__Transition at = MUTUA__TRANSITION__INIT;
	memcpy(forged_answers, req, 32);
	step_body(&ab, &at, ACCEPT, req, NULL);
	seal_at(s, ka, &ab, T0 + 10, &e);
	struct entry acc_e = e;
	memcpy(acc, acc_e.id, 32);
	memcpy(forged_answers, acc, 32); /* the handover answers the accept */
	/* a handover at the same millisecond whose id sorts before the accept's */
	char note[32];
	int found = 0;
	for (int i = 0; i < 1000 && !found; i++) {
		/* sealed against the head after the accept: store it first */
		if (i == 0)
			fx_put(s, &acc_e, NULL);
		Mutua__Body hb = MUTUA__BODY__INIT;
		Mutua__Transition ht = MUTUA__TRANSITION__INIT;
		snprintf(note, sizeof note, "cl\xc3\xa9s %d", i);
		step_body(&hb, &ht, HANDOVER, req, note);
		seal_at(s, ka, &hb, T0 + 10, &e);
		if (memcmp(e.id, acc, 32) < 0) {
			fx_put(s, &e, hid);
			found = 1;
		} else {
			entry_free(&e);
		}
	}
	assert_true(found);
	assert_string_equal(STATE(s, req), "handed_over");
	assert_int_equal(IGNORED(s, req), 0);
	/* and the same on a node that receives them */
	struct store *s2 = fx_store(f);
	push_all(s, s2);
	assert_string_equal(STATE(s2, req), "handed_over");
	assert_int_equal(store_reindex(s2), 0);
	assert_string_equal(STATE(s2, req), "handed_over");
}

/* The owner's clock runs four minutes ahead of the borrower's (within
 * ENTRY_AHEAD_MAX_MS): the borrower's node stamps its next steps after the
 * owner's accept, so they are taken (the fold orders steps by their
 * authors' clocks). */
static void test_skewed_clocks_keep_cause_before_effect(void **state)
{
	struct fx *f = *state;
	struct store *sa = fx_store(f), *sb = fx_store(f);
	uint8_t truck[32], req[32], acc[32];
	char sbuf[32];
	struct entry e;
	offer_add(sa, ka, "Camion", UNIT_DAY, 1, 1000, 0, truck);
	push_all(sa, sb);
	borrow(sb, kb, truck, DAY(1), DAY(2), 1, req);
	push_all(sb, sa);
	int64_t ahead = clock_now_ms() + 4 * 60 * 1000;
	Mutua__Body ab = MUTUA__BODY__INIT;
	Mutua__Transition at = MUTUA__TRANSITION__INIT;
	memcpy(forged_answers, req, 32);
	step_body(&ab, &at, ACCEPT, req, NULL);
	seal_at(sa, ka, &ab, ahead, &e);
	fx_put(sa, &e, acc);
	push_all(sa, sb);
	assert_string_equal(STATE(sb, req), "accepted");
	step(sb, kb, HANDOVER, req, NULL, -1, -1);
	assert_string_equal(STATE(sb, req), "handed_over");
	assert_true(col_int(sb, "SELECT max(time) FROM entries WHERE author = ?1", kb->id) >= ahead);
	step(sb, kb, RETURN, req, NULL, -1, -1);
	push_all(sb, sa);
	assert_string_equal(STATE(sa, req), "returned");
	step(sa, ka, CLOSE, req, NULL, 1000, 1000);
	push_all(sa, sb);
	for (int i = 0; i < 2; i++) {
		struct store *s = i ? sb : sa;
		assert_string_equal(STATE(s, req), "closed");
		assert_int_equal(IGNORED(s, req), 0);
		assert_int_equal(balance(s, kb), -1000);
	}

	/* a return that skips the handover it needs is ignored */
	uint8_t r2[32];
	borrow(sb, kb, truck, DAY(5), DAY(6), 1, r2);
	push_all(sb, sa);
	step(sa, ka, ACCEPT, r2, NULL, -1, -1);
	push_all(sa, sb);
	Mutua__Body rb = MUTUA__BODY__INIT;
	Mutua__Transition rt = MUTUA__TRANSITION__INIT;
	struct lending_loan l2;
	assert_int_equal(lending_loan_get(sb, r2, &l2), 1);
	memcpy(forged_answers, l2.head, 32); /* it answers the accept */
	step_body(&rb, &rt, RETURN, r2, NULL);
	seal_at(sb, kb, &rb, ahead + 1000, &e); /* within ENTRY_AHEAD_MAX_MS */
	fx_put(sb, &e, NULL);
	tick();
	push_all(sb, sa);
	step(sa, ka, HANDOVER, r2, NULL, -1, -1);
	push_all(sa, sb);
	for (int i = 0; i < 2; i++) {
		struct store *s = i ? sb : sa;
		assert_string_equal(STATE(s, r2), "handed_over");
		assert_int_equal(IGNORED(s, r2), 1);
	}
}

/* Steps that arrive before their request, or a request before its offer,
 * give the same loan once everything is there. */
static void test_steps_before_their_request(void **state)
{
	struct fx *f = *state;
	struct store *sa = fx_store(f), *sb = fx_store(f), *sx = fx_store(f);
	uint8_t truck[32], req[32];
	char sbuf[32];
	offer_add(sa, ka, "Camion", UNIT_DAY, 1, 300, 0, truck);
	push_all(sa, sb);
	borrow(sb, kb, truck, DAY(1), DAY(2), 1, req);
	push_all(sb, sa);
	step(sa, ka, ACCEPT, req, NULL, -1, -1);
	step(sa, ka, HANDOVER, req, NULL, -1, -1);
	push_all(sa, sb);
	step(sb, kb, RETURN, req, NULL, 1000, -1);
	push_all(sb, sa);
	step(sa, ka, CLOSE, req, NULL, -1, -1);
	/* a third node gets A's feed (offer and steps) before B's request */
	push_feed(sa, sx, ka->id, SIZE_MAX);
	assert_int_equal(col_int(sx, "SELECT count(*) FROM loans", NULL), 0);
	assert_int_equal(col_int(sx, "SELECT count(*) FROM loan_events", NULL), 3);
	push_feed(sb, sx, kb->id, SIZE_MAX);
	assert_string_equal(STATE(sx, req), "closed");
	assert_int_equal(col_int(sx, "SELECT credits FROM loans WHERE id = ?1", req), 300);
	char *a = db_dump(sa, LOANS_SQL), *x = db_dump(sx, LOANS_SQL);
	assert_string_equal(a, x);
	free(a);
	free(x);
}

/* ---- auto-answer ------------------------------------------------------ */

static void test_auto_answer(void **state)
{
	struct fx *f = *state;
	struct store *sa = fx_store(f), *sb = fx_store(f), *sc = fx_store(f);
	uint8_t truck[32], room[32], rb[32], rc[32], rr[32], later[32];
	char sbuf[32];
	struct entry e;
	offer_add(sa, ka, "Camion", UNIT_DAY, 1, 0, 1, truck); /* auto-accept */
	offer_add(sa, ka, "Salle", UNIT_HOUR, 1, 0, 0, room);  /* by hand */
	push_all(sa, sb);
	push_all(sa, sc);
	/* B claims to ask a day earlier (author clock), C asks for an
	 * overlapping slot; C's request reaches the owner first */
	Mutua__Body b1 = MUTUA__BODY__INIT, b2 = MUTUA__BODY__INIT;
	Mutua__Request r1 = MUTUA__REQUEST__INIT, r2 = MUTUA__REQUEST__INIT;
	int64_t now = clock_now_ms();
	fill_request(&b1, &r1, truck, DAY(1), DAY(3), 1);
	seal_at(sb, kb, &b1, now - D, &e);
	fx_put(sb, &e, rb);
	fill_request(&b2, &r2, truck, DAY(2), DAY(4), 1);
	seal_at(sc, kc, &b2, now + 1, &e);
	fx_put(sc, &e, rc);
	borrow(sc, kc, room, DAY(1), DAY(1) + H, 1, rr);
	/* the owner answers in the order it received them, not by the
	 * times they claim: a backdated request does not jump the queue */
	push_all(sc, sa);
	push_all(sb, sa);
	assert_int_equal(lending_auto_answer(sa, ka), 2);
	assert_string_equal(STATE(sa, rc), "accepted");
	assert_string_equal(STATE(sa, rb), "declined");
	char reason[32];
	col_text(sa, "SELECT reason FROM loans WHERE id = ?1", rb, reason, sizeof reason);
	assert_string_equal(reason, "conflict");
	assert_string_equal(STATE(sa, rr), "requested"); /* not auto: left to staff */
	/* nothing left to answer */
	assert_int_equal(lending_auto_answer(sa, ka), 0);
	/* the answers are entries of the owner's feed */
	assert_int_equal(col_int(sa, "SELECT count(*) FROM entries WHERE author = ?1", ka->id), 4);
	/* only the owner's own resources: B answers nothing */
	push_all(sa, sb);
	assert_int_equal(lending_auto_answer(sb, kb), 0);
	assert_string_equal(STATE(sb, rc), "accepted");
	assert_string_equal(STATE(sb, rb), "declined");
	/* a later request on a free slot is accepted */
	borrow(sc, kc, truck, DAY(4), DAY(5), 1, later);
	push_all(sc, sa);
	assert_int_equal(lending_auto_answer(sa, ka), 1);
	assert_string_equal(STATE(sa, later), "accepted");
}

static void test_auto_answer_credit_limit(void **state)
{
	struct fx *f = *state;
	founders_genesis(f, 500); /* 5.00 */
	struct store *sa = fx_store(f);
	uint8_t truck[32], r1[32], r2[32];
	char sbuf[32];
	offer_add(sa, ka, "Camion", UNIT_DAY, 3, 300, 1, truck); /* 3.00 a day */
	borrow(sa, kb, truck, DAY(1), DAY(2), 1, r1);
	borrow(sa, kb, truck, DAY(5), DAY(6), 1, r2);
	assert_int_equal(lending_auto_answer(sa, ka), 2);
	assert_string_equal(STATE(sa, r1), "accepted");
	assert_string_equal(STATE(sa, r2), "declined");
	char reason[32];
	col_text(sa, "SELECT reason FROM loans WHERE id = ?1", r2, reason, sizeof reason);
	assert_string_equal(reason, "credit limit");
}

/* ---- accepting against other writers ---------------------------------- */

static void test_lending_accept(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], r1[32], r2[32];
	char sbuf[32];
	struct booking_check chk;
	offer_add(s, ka, "Camion", UNIT_DAY, 1, 0, 0, truck);
	borrow(s, kb, truck, DAY(1), DAY(3), 1, r1);
	borrow(s, kc, truck, DAY(2), DAY(4), 1, r2);
	int64_t n = col_int(s, "SELECT count(*) FROM entries WHERE author = ?1", ka->id);
	assert_int_equal(lending_accept(s, ka, r1, NULL, &chk), 1);
	assert_string_equal(STATE(s, r1), "accepted");
	assert_int_equal(lending_accept(s, ka, r2, NULL, &chk), 0);
	assert_true(chk.has_conflict);
	assert_memory_equal(chk.conflict, r1, 32);
	assert_int_equal(lending_accept(s, ka, r1, NULL, &chk), 0);
	assert_non_null(strstr(chk.why, "the request is accepted"));
	/* one entry, the first accept */
	assert_int_equal(col_int(s, "SELECT count(*) FROM entries WHERE author = ?1", ka->id),
			 n + 1);
	assert_string_equal(STATE(s, r2), "requested");
	/* the store is usable afterwards: no transaction left open */
	assert_int_equal(sqlite3_get_autocommit(store_db(s)), 1);
	step(s, ka, DECLINE, r2, "conflict", -1, -1);
	assert_string_equal(STATE(s, r2), "declined");
}

struct writer {
	struct store *s;
	const uint8_t *req;
	int rc;
	volatile int holding;
};

/* Another process's accept, slow to commit: takes the write lock, appends
 * its accept and keeps the transaction open a moment. */
static void *slow_accept(void *arg)
{
	struct writer *w = arg;
	w->rc = store_begin(w->s, ka, "a slow accept");
	if (w->rc == 0)
		w->rc = lending_append(w->s, ka, ACCEPT, w->req, NULL, -1, -1, NULL);
	w->holding = 1;
	struct timespec ts = {0, 300 * 1000000L};
	nanosleep(&ts, NULL);
	if (w->rc == 0)
		w->rc = store_commit(w->s, ka);
	else
		store_rollback(w->s, ka);
	return NULL;
}

/* Two writers of one store file (the owner's daemon and the CLI) accept
 * conflicting requests at once: the second sees the first's accept, so the
 * owner's feed never holds an over-booking (DESIGN.md, invariant 3). */
static void test_accept_waits_for_other_writers(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], r1[32], r2[32];
	char sbuf[32];
	offer_add(s, ka, "Camion", UNIT_DAY, 1, 0, 0, truck);
	borrow(s, kb, truck, DAY(1), DAY(3), 1, r1);
	borrow(s, kc, truck, DAY(2), DAY(4), 1, r2);
	char *p = path_in(f->dir, "s0.db");
	struct store *other = store_open(p);
	free(p);
	assert_non_null(other);

	struct writer w = {other, r2, -1, 0};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, slow_accept, &w), 0);
	while (!w.holding)
		sched_yield();
	struct booking_check chk;
	int ok = lending_accept(s, ka, r1, NULL, &chk);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.rc, 0);
	assert_int_equal(ok, 0);
	assert_true(chk.has_conflict);
	assert_memory_equal(chk.conflict, r2, 32);
	assert_string_equal(STATE(s, r2), "accepted");
	assert_string_equal(STATE(s, r1), "requested");
	assert_int_equal(col_int(s, "SELECT count(*) FROM loans WHERE state = 'accepted'", NULL), 1);

	/* the daemon's auto-answer is atomic in the same way */
	uint8_t r3[32], r4[32];
	borrow(s, kb, truck, DAY(10), DAY(12), 1, r3);
	borrow(s, kc, truck, DAY(11), DAY(13), 1, r4);
	w = (struct writer){other, r4, -1, 0};
	assert_int_equal(pthread_create(&th, NULL, slow_accept, &w), 0);
	while (!w.holding)
		sched_yield();
	/* not an auto-accepting resource: nothing to answer, and no error */
	assert_int_equal(lending_auto_answer(s, ka), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(lending_accept(s, ka, r3, NULL, &chk), 0);
	assert_memory_equal(chk.conflict, r4, 32);
	store_close(&other);
}

static void test_auto_answer_declines_with_the_reason(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], gone[32], r1[32], r2[32], r3[32];
	char sbuf[32], reason[300];
	offer_add(s, ka, "Camion", UNIT_DAY, 2, 0, 1, truck);
	offer_add(s, ka, "Vieux camion", UNIT_DAY, 1, 0, 1, gone);
	borrow(s, kb, gone, DAY(1), DAY(2), 1, r1);
	borrow(s, kb, truck, DAY(1), DAY(2), 3, r2); /* above capacity */
	borrow(s, kc, truck, DAY(1), DAY(2), 2, r3);
	offer_withdraw(s, ka, gone);
	assert_int_equal(lending_auto_answer(s, ka), 3);
	assert_string_equal(STATE(s, r1), "declined");
	col_text(s, "SELECT reason FROM loans WHERE id = ?1", r1, reason, sizeof reason);
	assert_string_equal(reason, "the resource is withdrawn");
	assert_string_equal(STATE(s, r2), "declined");
	col_text(s, "SELECT reason FROM loans WHERE id = ?1", r2, reason, sizeof reason);
	assert_non_null(strstr(reason, "above the resource's capacity"));
	assert_string_equal(STATE(s, r3), "accepted");
	assert_int_equal(sqlite3_get_autocommit(store_db(s)), 1);
}

/* ---- the state machine ------------------------------------------------ */

/* Every state x step x party against the table written out by hand: the
 * next state, or the reason (the party's right is checked first). */
static void test_step_table(void **state)
{
	(void)state;
	/* next state of each step from each state, for a party with the right */
	static const char *const to[LOAN_STATES][LOAN_STEPS] = {
		/*   accept decline cancel handover return close agree dispute */
		[LOAN_REQUESTED] = {"accepted", "declined", "cancelled", NULL, NULL, NULL},
		[LOAN_ACCEPTED] = {NULL, NULL, "cancelled", "handed_over", NULL, NULL},
		[LOAN_HANDED_OVER] = {NULL, NULL, NULL, NULL, "returned", "closed"},
		[LOAN_RETURNED] = {NULL, NULL, NULL, NULL, NULL, "closed"},
		[LOAN_CLAIMED] = {NULL, NULL, NULL, NULL, NULL, "closed", "closed", "disputed"},
		[LOAN_DISPUTED] = {NULL, NULL, NULL, NULL, NULL, "closed", "closed", NULL},
		/* a waitlist decline is the decline's flag: the table's step leads
		 * to declined, loan_resolve to waiting (test_waitlist_graph) */
		[LOAN_WAITING] = {"accepted", "declined", "cancelled", NULL, NULL, NULL},
	};
	static const char *const out_of_order[LOAN_STATES] = {
		"out of order: the request is still pending",
		"out of order: the request is accepted",
		"out of order: the request was declined",
		"out of order: the request was cancelled",
		"out of order: the resource is handed over",
		"out of order: the resource is returned",
		"out of order: the loan is closed (settled once)",
		"the request is invalid",
		"out of order: the owner claims another usage (agree or dispute)",
		"out of order: the usage is disputed",
		"out of order: the request is on the waitlist",
	};
	/* who may: o owner, b borrower */
	static const char *const who[LOAN_STEPS] = {"o", "o", "ob", "ob", "b", "o", "b", "b"};
	static const char *const refused[LOAN_STEPS] = {
		"only the owner may do this", "only the owner may do this",
		"only the owner or the borrower may do this",
		"only the owner or the borrower may do this",
		"only the borrower may do this", "only the owner may do this",
		"only the borrower may do this", "only the borrower may do this",
	};
	static const char party_letter[LOAN_PARTIES] = {'o', 'b', 'x'};
	static const char *const step_names[LOAN_STEPS] = {"accept", "decline", "cancel",
							   "handover", "return", "close",
							   "agree", "dispute"};
	int allowed = 0;
	for (int st = 0; st < LOAN_STATES; st++) {
		enum loan_state parsed;
		assert_int_equal(loan_state_parse(loan_state_name(st), &parsed), 0);
		assert_int_equal(parsed, st);
		for (int sp = 0; sp < LOAN_STEPS; sp++) {
			assert_string_equal(loan_step_name(sp), step_names[sp]);
			assert_int_equal(loan_step_of_payload(loan_step_payload(sp)), sp);
			for (int p = 0; p < LOAN_PARTIES; p++) {
				enum loan_state next = LOAN_STATES;
				const char *why = loan_step_check(st, sp, p, &next);
				const char *want = st == LOAN_INVALID ? out_of_order[st]
						   : !strchr(who[sp], party_letter[p]) ? refused[sp]
						   : to[st][sp] ? NULL : out_of_order[st];
				if (!want) {
					if (why)
						fail_msg("%s %s by %c: refused '%s'", loan_state_name(st),
							 step_names[sp], party_letter[p], why);
					assert_string_equal(loan_state_name(next), to[st][sp]);
					allowed++;
				} else {
					if (!why || strcmp(why, want))
						fail_msg("%s %s by %c: '%s', expected '%s'",
							 loan_state_name(st), step_names[sp],
							 party_letter[p], why ? why : "allowed", want);
					assert_int_equal(next, LOAN_STATES);
				}
			}
		}
	}
	assert_int_equal(allowed, 20);
	/* the names, once */
	assert_string_equal(loan_state_words(LOAN_HANDED_OVER), "handed over");
	assert_string_equal(loan_state_name(LOAN_HANDED_OVER), "handed_over");
	enum loan_state x;
	assert_int_equal(loan_state_parse("handed over", &x), -1);
	assert_int_equal(loan_step_of_payload(MUTUA__BODY__PAYLOAD_OFFER), -1);
	/* holding: the states that take their quantity for their slot */
	for (int st = 0; st < LOAN_STATES; st++)
		assert_int_equal(loan_state_holds(st), st == LOAN_ACCEPTED ||
				 st == LOAN_HANDED_OVER || st == LOAN_RETURNED || st == LOAN_CLOSED ||
				 st == LOAN_CLAIMED || st == LOAN_DISPUTED);
	/* in progress: holding and not settled yet */
	for (int st = 0; st < LOAN_STATES; st++)
		assert_int_equal(loan_state_in_progress(st), st == LOAN_ACCEPTED ||
				 st == LOAN_HANDED_OVER || st == LOAN_RETURNED ||
				 st == LOAN_CLAIMED || st == LOAN_DISPUTED);
}

/* mutua_holds and mutua_in_progress, the SQL faces of loan_state_holds
 * and loan_state_in_progress, on every connection */
static void test_holds_sql(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	for (int st = 0; st < LOAN_STATES; st++) {
		char sql[96];
		snprintf(sql, sizeof sql, "SELECT mutua_holds('%s')", loan_state_name(st));
		assert_int_equal(col_int(s, sql, NULL), loan_state_holds(st));
		snprintf(sql, sizeof sql, "SELECT mutua_in_progress('%s')", loan_state_name(st));
		assert_int_equal(col_int(s, sql, NULL), loan_state_in_progress(st));
	}
	assert_int_equal(col_int(s, "SELECT mutua_holds(NULL)", NULL), 0);
	assert_int_equal(col_int(s, "SELECT mutua_in_progress(NULL)", NULL), 0);
	/* a name that is no state is an error, not "does not hold" */
	sqlite3_stmt *st = db_prep(s, "SELECT mutua_holds('lent')");
	assert_int_equal(sqlite3_step(st), SQLITE_ERROR);
	sqlite3_finalize(st);
	st = db_prep(s, "SELECT mutua_in_progress('lent')");
	assert_int_equal(sqlite3_step(st), SQLITE_ERROR);
	sqlite3_finalize(st);
}

/* The issues an audit reports. */
struct issues {
	struct audit_issue v[8];
	size_t n;
};

static void collect_issue(void *arg, const struct audit_issue *issue)
{
	struct issues *is = arg;
	if (is->n < sizeof is->v / sizeof *is->v)
		is->v[is->n] = *issue;
	is->n++;
}

/* An owner's validly signed accept that follows, in its own feed, the
 * withdrawal of the resource is ignored by the fold, with the reason the
 * owner's node gives, on every node and whatever the claimed times; one
 * signed before the withdrawal stands. */
static void test_accept_after_withdrawal_ignored(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], r1[32], r2[32], acc[32];
	char sbuf[32], why[300];
	struct entry e;
	offer_add(s, ka, "Camion", UNIT_DAY, 2, 0, 0, truck);
	borrow(s, kb, truck, DAY(1), DAY(2), 1, r1);
	borrow(s, kc, truck, DAY(1), DAY(2), 1, r2);
	step(s, ka, ACCEPT, r1, NULL, -1, -1);
	offer_withdraw(s, ka, truck);
	refuses(s, r2, "the resource is withdrawn", NULL);
	/* signed all the same, after the withdrawal (a time before it would
	 * be before the feed's previous entry: refused) */
	Mutua__Body ab = MUTUA__BODY__INIT;
	Mutua__Transition at = MUTUA__TRANSITION__INIT;
	memcpy(forged_answers, r2, 32);
	step_body(&ab, &at, ACCEPT, r2, NULL);
	seal_at(s, ka, &ab, clock_now_ms() + 1, &e);
	fx_put(s, &e, acc);
	assert_string_equal(STATE(s, r2), "requested");
	assert_int_equal(IGNORED(s, r2), 1);
	col_text(s, "SELECT verdict FROM loan_events WHERE id = ?1", acc, why, sizeof why);
	assert_string_equal(why, "the resource is withdrawn");
	/* the accept before the withdrawal holds */
	assert_string_equal(STATE(s, r1), "accepted");
	assert_int_equal(IGNORED(s, r1), 0);
	char *want = db_dump(s, "SELECT id, state, ignored FROM loans ORDER BY id");
	char *want_v = db_dump(s, "SELECT id, verdict FROM loan_events ORDER BY id");
	/* the same on nodes that receive the feeds in any order, and after a
	 * reindex */
	static const int orders[][4] = {{0, 1, 2, 0}, {1, 2, 0, 0}, {2, 0, 1, 1}};
	for (size_t o = 0; o < sizeof orders / sizeof *orders; o++) {
		struct store *r = replay(f, s, orders[o], orders[o][3]);
		for (int pass = 0; pass < 2; pass++) {
			char *got = db_dump(r, "SELECT id, state, ignored FROM loans ORDER BY id");
			char *got_v = db_dump(r, "SELECT id, verdict FROM loan_events ORDER BY id");
			assert_string_equal(got, want);
			assert_string_equal(got_v, want_v);
			free(got);
			free(got_v);
			assert_int_equal(store_reindex(r), 0);
		}
	}
	free(want);
	free(want_v);
	/* the audit replays the same fold and names the entry */
	struct issues got = {0};
	struct audit_opts ao = {.threads = 1, .on_issue = collect_issue, .arg = &got};
	struct audit_summary sum;
	assert_int_equal(audit_run(NULL, s, &ao, &sum), 0);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.v[0].rule, "lending");
	char hex[65];
	hex_encode(hex, ka->id, 32);
	assert_string_equal(got.v[0].member, hex);
	assert_int_equal(got.v[0].seq, col_int(s, "SELECT seq FROM loan_events WHERE id = ?1", acc));
	assert_non_null(strstr(got.v[0].detail, "accept of request"));
	assert_non_null(strstr(got.v[0].detail, "ignored: the resource is withdrawn"));
}

/* A member's balance in hundredths from the balances listing (view.h). */
static int64_t listed_balance(struct store *s, const struct key *k)
{
	struct view_arg a[] = {VIEW_ID(k->id)};
	struct view_rows *r = view_open(s, &view_balances, a, 1, 0);
	assert_non_null(r);
	assert_int_equal(view_next(r), 1);
	double d = strtod(view_text(r, view_find(r, "balance")), NULL) * 100;
	int64_t v = (int64_t)(d < 0 ? d - 0.5 : d + 0.5);
	assert_int_equal(view_next(r), 0);
	view_close(&r);
	return v;
}

/* The report's balance of the member named name at the end of a period
 * ending at to (exclusive). */
static int64_t report_balance(struct store *s, const char *name, int64_t to)
{
	struct view_arg a[] = {VIEW_INT(0), VIEW_INT(to)};
	struct view_rows *r = view_open(s, &view_report_balances, a, 2, 0);
	int64_t v = -999999, rc;
	assert_non_null(r);
	while ((rc = view_next(r)) == 1)
		if (strcmp(view_text(r, 0), name) == 0)
			v = view_int(r, 2);
	assert_int_equal(rc, 0);
	view_close(&r);
	return v;
}

/* The one balance: lending_balance (the credit limit's), the balances
 * listing and the report's balance at the end of a period read the same
 * definition (the view settlements): settled loans only, credits to the
 * owner and from the borrower, and for the report those closed before
 * the period's end. */
static void test_one_balance(void **state)
{
	struct fx *f = *state;
	founders_genesis(f, 0);
	struct store *s = fx_store(f);
	uint8_t truck[32], room[32], r1[32], r2[32], r3[32], r4[32];
	offer_add(s, ka, "Camion", UNIT_DAY, 5, 400, 0, truck); /* 4.00 a day */
	offer_add(s, kb, "Salle", UNIT_DAY, 1, 500, 0, room);   /* 5.00 a day */
	borrow(s, kb, truck, DAY(1), DAY(3), 1, r1); /* settled: 8.00 from B to A */
	step(s, ka, ACCEPT, r1, NULL, -1, -1);
	step(s, ka, HANDOVER, r1, NULL, -1, -1);
	step(s, kb, RETURN, r1, NULL, 2000, -1);
	step(s, ka, CLOSE, r1, NULL, -1, -1);
	borrow(s, kc, room, DAY(1), DAY(2), 1, r2); /* settled: 5.00 from C to B */
	step(s, kb, ACCEPT, r2, NULL, -1, -1);
	step(s, kc, HANDOVER, r2, NULL, -1, -1);
	step(s, kc, RETURN, r2, NULL, 1000, -1);
	step(s, kb, CLOSE, r2, NULL, -1, -1);
	borrow(s, kc, truck, DAY(5), DAY(6), 1, r3); /* accepted, not settled */
	step(s, ka, ACCEPT, r3, NULL, -1, -1);
	borrow(s, kb, truck, DAY(7), DAY(8), 1, r4); /* cancelled */
	step(s, kb, CANCEL, r4, NULL, -1, -1);

	const struct key *k[] = {ka, kb, kc};
	const char *names[] = {"Alpha", "Beta", "Gamma"};
	const int64_t want[] = {800, -300, -500};
	for (int i = 0; i < 3; i++) {
		int64_t bal = 1;
		assert_int_equal(lending_balance(s, k[i]->id, &bal, NULL), 0);
		assert_int_equal(bal, want[i]);
		assert_int_equal(listed_balance(s, k[i]), want[i]);
		assert_int_equal(report_balance(s, names[i], INT64_MAX), want[i]);
	}
	/* at the end of a period that ends when r2 is closed, r2 is not
	 * settled yet; just after, it is */
	int64_t closed = col_int(s, "SELECT closed FROM loans WHERE id = ?1", r2);
	assert_true(closed > col_int(s, "SELECT closed FROM loans WHERE id = ?1", r1));
	assert_int_equal(report_balance(s, "Beta", closed), -800);
	assert_int_equal(report_balance(s, "Gamma", closed), 0);
	assert_int_equal(report_balance(s, "Beta", closed + 1), -300);
}

/* A database error inside the credit-limit check refuses: a row that
 * cannot be read among the borrower's loans, or the loans not readable at
 * all, never reads as "nothing owed". */
static void test_credit_limit_fails_closed(void **state)
{
	struct fx *f = *state;
	founders_genesis(f, 1000); /* 10.00 credits */
	struct store *s = fx_store(f);
	uint8_t truck[32], van[32], r1[32], r2[32];
	int64_t bal = 1, com = 1;
	offer_add(s, ka, "Camion", UNIT_DAY, 1, 400, 0, truck); /* 4.00 a day */
	offer_add(s, ka, "Fourgon", UNIT_DAY, 1, 400, 0, van);
	borrow(s, kb, van, DAY(1), DAY(3), 1, r1); /* 8.00 */
	step(s, ka, ACCEPT, r1, NULL, -1, -1);
	borrow(s, kb, truck, DAY(5), DAY(6), 1, r2); /* 4.00 more: 12.00 */
	refuses(s, r2, "credit limit", NULL);
	assert_int_equal(lending_balance(s, kb->id, &bal, &com), 0);
	assert_int_equal(bal, 0);
	assert_int_equal(com, 800);

	/* the borrower's accepted loan holds a state no rule knows: the sum of
	 * what it owes cannot be made */
	assert_int_equal(sqlite3_exec(store_db(s), "UPDATE loans SET state = 'lent'"
				      " WHERE id = (SELECT id FROM loans WHERE resource ="
				      " (SELECT id FROM resources WHERE title = 'Fourgon'))",
				      NULL, NULL, NULL), SQLITE_OK);
	struct booking_check chk;
	assert_int_equal(booking_can_accept(s, r2, &chk), -1);
	assert_non_null(strstr(err_msg(), "'lent' is not a loan state"));
	assert_int_equal(lending_balance(s, kb->id, &bal, &com), -1);
	uint64_t head, after;
	assert_int_equal(store_head(s, ka->id, &head, NULL), 0);
	assert_int_equal(lending_accept(s, ka, r2, NULL, &chk), -1);
	assert_int_equal(store_head(s, ka->id, &after, NULL), 0);
	assert_int_equal(after, head);
	assert_int_equal(sqlite3_get_autocommit(store_db(s)), 1);

	/* no loans table to read: refused, and said why (the legacy rename
	 * leaves the views that read loans, settlements among them, naming it) */
	assert_int_equal(sqlite3_exec(store_db(s), "UPDATE loans SET state = 'accepted'"
				      " WHERE state = 'lent'; PRAGMA legacy_alter_table = ON;"
				      " ALTER TABLE loans RENAME TO gone",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(lending_balance(s, kb->id, &bal, &com), -1);
	assert_non_null(strstr(err_msg(), "loans"));
	assert_int_equal(booking_can_accept(s, r2, &chk), -1);
	assert_int_equal(lending_auto_answer(s, ka), -1);
	assert_int_equal(sqlite3_exec(store_db(s), "ALTER TABLE gone RENAME TO loans;"
				      " PRAGMA legacy_alter_table = OFF", NULL, NULL, NULL), SQLITE_OK);
	refuses(s, r2, "credit limit", NULL);

	/* no sums of the settlements to read: refused, and said why */
	assert_int_equal(sqlite3_exec(store_db(s), "ALTER TABLE balances RENAME TO gone",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(lending_balance(s, kb->id, &bal, NULL), -1);
	assert_non_null(strstr(err_msg(), "balances"));
	assert_int_equal(booking_can_accept(s, r2, &chk), -1);
	assert_int_equal(lending_accept(s, ka, r2, NULL, &chk), -1);
	assert_int_equal(store_head(s, ka->id, &after, NULL), 0);
	assert_int_equal(after, head);
	assert_int_equal(sqlite3_exec(store_db(s), "ALTER TABLE gone RENAME TO balances",
				      NULL, NULL, NULL), SQLITE_OK);
	refuses(s, r2, "credit limit", NULL);

	/* the credit limit in force cannot be read: refused, never the
	 * genesis's limit instead */
	assert_int_equal(sqlite3_exec(store_db(s), "ALTER TABLE proposals RENAME TO gone",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(booking_can_accept(s, r2, &chk), -1);
	assert_non_null(strstr(err_msg(), "no such table: proposals"));
	assert_int_equal(lending_accept(s, ka, r2, NULL, &chk), -1);
	assert_int_equal(store_head(s, ka->id, &after, NULL), 0);
	assert_int_equal(after, head);
	assert_int_equal(sqlite3_exec(store_db(s), "ALTER TABLE gone RENAME TO proposals",
				      NULL, NULL, NULL), SQLITE_OK);
	refuses(s, r2, "credit limit", NULL);
}

/* Invariant 11: a member's own node never signs a step every node would
 * ignore; the append is refused with the fold's reason and leaves nothing,
 * and inside a caller's transaction it undoes itself alone. */
static void test_append_refused_with_the_fold_reason(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], truck2[32], r[32], own[32];
	uint64_t ha, hb, hc, h;
	char sbuf[32];
	offer_add(s, ka, "Camion", UNIT_DAY, 1, 0, 0, truck);
	borrow(s, kb, truck, DAY(1), DAY(2), 1, r);
	assert_int_equal(store_head(s, ka->id, &ha, NULL), 0);
	assert_int_equal(store_head(s, kb->id, &hb, NULL), 0);
	assert_int_equal(store_head(s, kc->id, &hc, NULL), 0);
	static const struct {
		struct key **k;
		int payload;
		const char *why;
	} cases[] = {
		{&kc, ACCEPT, "only the owner may do this"},
		{&kb, ACCEPT, "only the owner may do this"},
		{&kb, DECLINE, "only the owner may do this"},
		{&kc, CANCEL, "only the owner or the borrower may do this"},
		{&kb, HANDOVER, "out of order: the request is still pending"},
		{&kb, RETURN, "out of order: the request is still pending"},
		{&ka, RETURN, "only the borrower may do this"},
		{&ka, CLOSE, "out of order: the request is still pending"},
		{&kb, CLOSE, "only the owner may do this"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int p = cases[i].payload, measured = p == RETURN || p == CLOSE;
		if (lending_append(s, *cases[i].k, p, r, NULL, measured ? 1000 : -1,
				   p == CLOSE ? 100 : -1, NULL) == 0)
			fail_msg("case %zu: signed", i);
		if (strcmp(err_msg(), cases[i].why))
			fail_msg("case %zu: '%s', expected '%s'", i, err_msg(), cases[i].why);
	}
	step(s, ka, ACCEPT, r, NULL, -1, -1);
	assert_int_equal(lending_append(s, ka, ACCEPT, r, NULL, -1, -1, NULL), -1);
	assert_string_equal(err_msg(), "out of order: the request is accepted");
	/* a request for one's own resource */
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Request rq = MUTUA__REQUEST__INIT;
	fill_request(&b, &rq, truck, DAY(3), DAY(4), 1);
	assert_int_equal(store_append(s, ka, &b, own), -1);
	assert_string_equal(err_msg(), LENDING_OWN_REQUEST);
	/* nothing was signed: one accept in A's feed, none in B's and C's */
	assert_int_equal(store_head(s, ka->id, &h, NULL), 0);
	assert_int_equal(h, ha + 1);
	assert_int_equal(store_head(s, kb->id, &h, NULL), 0);
	assert_int_equal(h, hb);
	assert_int_equal(store_head(s, kc->id, &h, NULL), 0);
	assert_int_equal(h, hc);
	assert_int_equal(col_int(s, "SELECT count(*) FROM loan_events WHERE verdict IS NOT NULL",
				 NULL), 0);
	assert_int_equal(IGNORED(s, r), 0);
	assert_string_equal(STATE(s, r), "accepted");
	struct lending_loan l;
	assert_int_equal(lending_loan_get(s, r, &l), 1);
	assert_int_equal(l.state, LOAN_ACCEPTED);
	assert_true(l.has_owner);
	assert_memory_equal(l.owner, ka->id, 32);
	assert_memory_equal(l.borrower, kb->id, 32);
	assert_string_equal(l.title, "Camion");
	assert_string_equal(l.unit, "day");
	assert_int_equal(l.end - l.start, D);
	assert_int_equal(l.usage, -1);
	assert_int_equal(lending_loan_get(s, truck, &l), 0);

	/* in a caller's transaction: the refused append undoes itself, the
	 * appends around it stand */
	assert_int_equal(store_begin(s, ka, "a test's appends"), 0);
	Mutua__Body ob = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = MUTUA__KIND__KIND_VEHICLE;
	o.title = "Camion 2";
	o.unit = UNIT_DAY;
	o.capacity = 1;
	ob.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	ob.offer = &o;
	assert_int_equal(store_append(s, ka, &ob, truck2), 0);
	assert_int_equal(lending_append(s, ka, ACCEPT, r, NULL, -1, -1, NULL), -1);
	assert_int_equal(sqlite3_get_autocommit(store_db(s)), 0);
	assert_int_equal(lending_append(s, ka, HANDOVER, r, NULL, -1, -1, NULL), 0);
	assert_int_equal(store_commit(s, ka), 0);
	assert_int_equal(store_head(s, ka->id, &h, NULL), 0);
	assert_int_equal(h, ha + 3);
	assert_string_equal(STATE(s, r), "handed_over");
	assert_int_equal(IGNORED(s, r), 0);
	assert_int_equal(booking_free(s, truck2, DAY(1), DAY(2)), 1);
}

/* Offer updates and withdrawals the fold would ignore (someone else's
 * resource, a withdrawn one) are refused with the reason, and nothing is
 * signed. */
static void test_offer_append_refused(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], ghost[32];
	uint64_t ha, hb, h;
	offer_add(s, ka, "Camion", UNIT_DAY, 1, 0, 0, truck);
	memset(ghost, 0x5a, 32);
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__OfferWithdraw w = MUTUA__OFFER_WITHDRAW__INIT;
	w.offer.data = truck;
	w.offer.len = 32;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW;
	b.offer_withdraw = &w;
	assert_int_equal(store_append(s, kb, &b, NULL), -1);
	assert_string_equal(err_msg(), "only the owner (Alpha) can withdraw this offer");
	Mutua__Body ub = MUTUA__BODY__INIT;
	Mutua__OfferUpdate u = MUTUA__OFFER_UPDATE__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = MUTUA__KIND__KIND_VEHICLE;
	o.title = "Camion rouge";
	o.unit = UNIT_DAY;
	o.capacity = 1;
	u.offer.data = truck;
	u.offer.len = 32;
	u.fields = &o;
	ub.payload_case = MUTUA__BODY__PAYLOAD_OFFER_UPDATE;
	ub.offer_update = &u;
	assert_int_equal(store_append(s, kb, &ub, NULL), -1);
	assert_string_equal(err_msg(), "only the owner (Alpha) can update this offer");
	w.offer.data = ghost;
	assert_int_equal(store_append(s, ka, &b, NULL), -1);
	assert_string_equal(err_msg(), "no such offer");
	w.offer.data = truck;
	assert_int_equal(store_head(s, ka->id, &ha, NULL), 0);
	assert_int_equal(store_head(s, kb->id, &hb, NULL), 0);
	/* the owner's update and withdrawal stand; once withdrawn, no more */
	assert_int_equal(store_append(s, ka, &ub, NULL), 0);
	assert_int_equal(store_append(s, ka, &b, NULL), 0);
	assert_int_equal(store_append(s, ka, &b, NULL), -1);
	assert_string_equal(err_msg(), "the offer is withdrawn");
	assert_int_equal(store_append(s, ka, &ub, NULL), -1);
	assert_string_equal(err_msg(), "the offer is withdrawn");
	assert_int_equal(store_head(s, ka->id, &h, NULL), 0);
	assert_int_equal(h, ha + 2);
	assert_int_equal(store_head(s, kb->id, &h, NULL), 0);
	assert_int_equal(h, hb);
	char buf[64];
	col_text(s, "SELECT title || ' ' || status FROM resources WHERE id = ?1", truck, buf,
		 sizeof buf);
	assert_string_equal(buf, "Camion rouge withdrawn");
}

/* The owner's feed order runs on across a key rotation: an accept signed
 * with the new key (its seq 1) follows a withdrawal signed with the old one
 * (a higher seq of the old feed), and is ignored. */
static void test_withdrawal_order_across_a_rotation(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], r1[32], r2[32], acc[32], new_id[32];
	char sbuf[32], why[300];
	offer_add(s, ka, "Camion", UNIT_DAY, 2, 0, 0, truck);
	borrow(s, kb, truck, DAY(1), DAY(2), 1, r1);
	borrow(s, kc, truck, DAY(1), DAY(2), 1, r2);
	step(s, ka, ACCEPT, r1, NULL, -1, -1);
	offer_withdraw(s, ka, truck);
	char *path = path_in(f->dir, "a.key"), *next = path_in(f->dir, "a.key.next");
	if (rotate_begin(s, ka, path, NULL, new_id))
		fail_msg("rotate_begin: %s", err_msg());
	struct key *k2 = key_load(next, NULL);
	assert_non_null(k2);
	assert_memory_equal(k2->id, new_id, 32);
	assert_int_equal(lending_append(s, k2, ACCEPT, r2, NULL, -1, -1, NULL), -1);
	assert_string_equal(err_msg(), "the resource is withdrawn");
	forced(s, k2, ACCEPT, r2, NULL, -1, -1, acc);
	assert_int_equal(col_int(s, "SELECT seq FROM loan_events WHERE id = ?1", acc), 1);
	assert_string_equal(STATE(s, r2), "requested");
	col_text(s, "SELECT verdict FROM loan_events WHERE id = ?1", acc, why, sizeof why);
	assert_string_equal(why, "the resource is withdrawn");
	/* the loan accepted before the withdrawal goes on with the new key */
	assert_string_equal(STATE(s, r1), "accepted");
	step(s, k2, HANDOVER, r1, NULL, -1, -1);
	assert_string_equal(STATE(s, r1), "handed_over");
	/* a node that receives the new key's feed: the same */
	struct store *o = fx_store(f);
	push_all(s, o);
	uint64_t head;
	while (push_feed(s, o, k2->id, SIZE_MAX))
		;
	assert_int_equal(store_head(o, k2->id, &head, NULL), 0);
	assert_int_equal(head, 2);
	assert_string_equal(STATE(o, r2), "requested");
	assert_string_equal(STATE(o, r1), "handed_over");
	col_text(o, "SELECT verdict FROM loan_events WHERE id = ?1", acc, why, sizeof why);
	assert_string_equal(why, "the resource is withdrawn");
	assert_int_equal(store_reindex(o), 0);
	assert_string_equal(STATE(o, r2), "requested");
	key_destroy(&k2);
	free(path);
	free(next);
}

/* A request for one's own resource: refused by its node, and when signed
 * all the same, named by the audit with the node's reason. */
static void test_own_request_audited_with_the_node_reason(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], own[32];
	char sbuf[32];
	offer_add(s, ka, "Camion", UNIT_DAY, 1, 0, 0, truck);
	forced_borrow(s, ka, truck, DAY(1), DAY(2), 1, own);
	assert_string_equal(STATE(s, own), "invalid");
	struct issues got = {0};
	struct audit_opts ao = {.threads = 1, .on_issue = collect_issue, .arg = &got};
	struct audit_summary sum;
	assert_int_equal(audit_run(NULL, s, &ao, &sum), 0);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.v[0].rule, "lending");
	assert_int_equal(got.v[0].seq, 2);
	assert_string_equal(got.v[0].detail, "request ignored: " LENDING_OWN_REQUEST);
}


/* ---- the loan's graph (issue 13, findings 1, 2 and 7) ----------------- */

#define AGREE MUTUA__BODY__PAYLOAD_AGREE
#define DISPUTE MUTUA__BODY__PAYLOAD_DISPUTE

/* The last step the loan took in s (the request's id before any). */
static void head_of(struct store *s, const uint8_t req[32], uint8_t out[32])
{
	struct lending_loan l;
	assert_int_equal(lending_loan_get(s, req, &l), 1);
	memcpy(out, l.head, 32);
}

/* A step signed by k as a patched node would: answering `answers`,
 * stamped `time`, usage (-1 none); none of the CLI's or store_append's
 * refusals apply. Its id in id when not NULL. */
/* Signs and stores a step as a patched node would (seal_at). */
static void forge(struct store *s, const struct key *k, int payload, const uint8_t req[32],
		  const uint8_t answers[32], int64_t time, int64_t usage, uint8_t id[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Transition t = MUTUA__TRANSITION__INIT;
	struct entry e;
	memcpy(forged_answers, answers, 32);
	step_body(&b, &t, payload, req, "patched node");
	if (usage >= 0) {
		t.has_usage = 1;
		t.usage = (uint64_t)usage;
	}
	seal_at(s, k, &b, time, &e);
	fx_put(s, &e, id);
	tick();
}

/* The same step claiming time before the forger's previous entry: every
 * node refuses it before any rule of the loan is asked. */
static void forge_refused(struct store *s, const struct key *k, int payload,
			  const uint8_t req[32], const uint8_t answers[32], int64_t time)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Transition t = MUTUA__TRANSITION__INIT;
	struct entry e;
	struct batch_result r;
	memcpy(forged_answers, answers, 32);
	step_body(&b, &t, payload, req, "patched node");
	seal_exact(s, k, &b, time, &e);
	struct raw_entry raw = {e.body, e.body_len, e.sig, KEY_SIG_BYTES};
	assert_int_equal(store_insert_batch(s, &raw, 1, &r), 0);
	assert_int_equal(r.added, 0);
	assert_int_equal(r.rejected, 1);
	assert_non_null(strstr(err_msg(), "before seq"));
	entry_free(&e);
}

static int64_t requested_at(struct store *s, const uint8_t req[32])
{
	return col_int(s, "SELECT requested FROM loans WHERE id = ?1", req);
}

#define VERDICT(s, id) \
	col_text(s, "SELECT coalesce(verdict, 'taken') FROM loan_events WHERE id = ?1", id, \
		 vbuf, sizeof vbuf)

/* Finding 1: a loan accepted, handed over, returned and closed for 20.00;
 * the borrower then signs cancels citing the request and the accept.
 * Stamped just after its request, before its own return, every node
 * refuses them (a feed's times do not go back); stamped after its return
 * they are stored and take no effect: the loan stays closed, the balances
 * as they were, on every node and after a reindex. */
static void test_backdated_cancel_erases_no_debt(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], req[32], acc[32], c1[32], c2[32];
	char sbuf[32], vbuf[300];
	offer_add(s, ka, "Camion", UNIT_DAY, 1, 1000, 0, truck);
	borrow(s, kb, truck, DAY(1), DAY(3), 1, req);
	step(s, ka, ACCEPT, req, NULL, -1, -1);
	head_of(s, req, acc);
	step(s, ka, HANDOVER, req, NULL, -1, -1);
	step(s, kb, RETURN, req, NULL, -1, -1);
	step(s, ka, CLOSE, req, NULL, -1, -1);
	assert_string_equal(STATE(s, req), "closed");
	assert_int_equal(balance(s, kb), -2000);
	/* the borrower's node refuses to cancel */
	assert_int_equal(lending_append(s, kb, CANCEL, req, NULL, -1, -1, NULL), -1);
	forge_refused(s, kb, CANCEL, req, req, requested_at(s, req) + 1);
	forge(s, kb, CANCEL, req, req, requested_at(s, req) + 1, -1, c1);
	forge(s, kb, CANCEL, req, acc, col_int(s, "SELECT decided FROM loans WHERE id = ?1", req),
	      -1, c2);
	assert_string_equal(STATE(s, req), "closed");
	assert_int_equal(balance(s, kb), -2000);
	assert_int_equal(balance(s, ka), 2000);
	assert_non_null(strstr(VERDICT(s, c1), "superseded"));
	assert_non_null(strstr(VERDICT(s, c2), "superseded"));
	char *want = db_dump(s, LOANS_SQL);
	static const int orders[][4] = {{1, 0, 2, 0}, {0, 1, 2, 1}, {1, 0, 2, 1}};
	for (size_t o = 0; o < sizeof orders / sizeof *orders; o++) {
		struct store *r = replay(f, s, orders[o], orders[o][3]);
		char *got = db_dump(r, LOANS_SQL);
		assert_string_equal(got, want);
		free(got);
		assert_int_equal(store_reindex(r), 0);
		got = db_dump(r, LOANS_SQL);
		assert_string_equal(got, want);
		free(got);
	}
	free(want);
}

/* Finding 1, the owner's side: the borrower cancels the accepted loan;
 * the owner signs a handover answering the same accept, stamped before
 * the cancel. The cancel stands (a one-sided handover does not beat the
 * other party's cancel); a handover the borrower signed would. And a step
 * stamped before the step it answers takes no effect. */
static void test_backdated_handover_does_not_beat_a_cancel(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], req[32], acc[32], h[32], r2[32], acc2[32], h2[32], c2[32];
	char sbuf[32], vbuf[300];
	offer_add(s, ka, "Camion", UNIT_DAY, 2, 1000, 0, truck);
	borrow(s, kb, truck, DAY(1), DAY(2), 1, req);
	step(s, ka, ACCEPT, req, NULL, -1, -1);
	head_of(s, req, acc);
	int64_t accepted = col_int(s, "SELECT decided FROM loans WHERE id = ?1", req);
	step(s, kb, CANCEL, req, "reporté", -1, -1);
	forge(s, ka, HANDOVER, req, acc, accepted, -1, h);
	assert_string_equal(STATE(s, req), "cancelled");
	assert_non_null(strstr(VERDICT(s, h), "superseded"));
	/* the borrower signed the handover: a later cancel of its own loses */
	borrow(s, kb, truck, DAY(3), DAY(4), 1, r2);
	step(s, ka, ACCEPT, r2, NULL, -1, -1);
	head_of(s, r2, acc2);
	step(s, kb, HANDOVER, r2, NULL, -1, -1);
	head_of(s, r2, h2);
	forge(s, kb, CANCEL, r2, acc2, requested_at(s, r2), -1, c2);
	assert_string_equal(STATE(s, r2), "handed_over");
	/* a step stamped before the step it answers: no effect (the owner's
	 * clock runs two minutes ahead) */
	uint8_t r3[32], acc3[32], back[32];
	borrow(s, kb, truck, DAY(5), DAY(6), 1, r3);
	forge(s, ka, ACCEPT, r3, r3, clock_now_ms() + 2 * MINUTE, -1, acc3);
	forge(s, kb, HANDOVER, r3, acc3, clock_now_ms(), -1, back);
	assert_string_equal(VERDICT(s, back), "claims a time before the step it answers");
	assert_string_equal(STATE(s, r3), "accepted");
	/* a step that answers nothing of this loan */
	uint8_t nowhere[32], x[32];
	memset(nowhere, 0x77, 32);
	forge(s, kb, RETURN, r2, nowhere, clock_now_ms(), 1000, x);
	assert_string_equal(VERDICT(s, x), "answers no step of this loan");
}

/* Finding 2: the borrower asks for one day of a 60.00/day van; the owner
 * raises the rate to 1 000 000 and closes for 1 000 000 days without a
 * return. Nothing moves: the request's rate stands, a close without a
 * return waits for the slot's end and the grace, and then settles the
 * slot's own length only; the owner's other figure after a return is a
 * claim the borrower agrees to or disputes. */
static void test_owner_alone_cannot_set_the_bill(void **state)
{
	struct fx *f = *state;
	founders_genesis(f, 50000); /* 500.00 */
	struct store *s = fx_store(f);
	uint8_t van[32], req[32], ho[32], c[32];
	char sbuf[32], vbuf[300];
	offer_add(s, ka, "Fourgon", UNIT_DAY, 1, 6000, 0, van);
	int64_t start = clock_now_ms() - 10 * D; /* a slot long past */
	borrow(s, kb, van, start, start + 10 * H, 1, req);
	uint8_t r2[32], h2[32], c2[32];
	int64_t soon = clock_now_ms() - H;
	borrow(s, kb, van, soon - 2 * H, soon, 1, r2); /* at 60.00 too */
	step(s, ka, ACCEPT, req, NULL, -1, -1);
	step(s, ka, HANDOVER, req, NULL, -1, -1);
	head_of(s, req, ho);
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__OfferUpdate u = MUTUA__OFFER_UPDATE__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = MUTUA__KIND__KIND_VEHICLE;
	o.title = "Fourgon";
	o.unit = UNIT_DAY;
	o.capacity = 1;
	o.rate = 100000000; /* 1 000 000.00 a day */
	u.offer.data = van;
	u.offer.len = 32;
	u.fields = &o;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_UPDATE;
	b.offer_update = &u;
	assert_int_equal(store_append(s, ka, &b, NULL), 0);
	/* a close without a return for another figure: refused, and ignored
	 * when a patched node signs it */
	assert_int_equal(lending_append(s, ka, CLOSE, req, NULL, 2000, -1, NULL), -1);
	assert_non_null(strstr(err_msg(), "slot's own length"));
	assert_int_equal(lending_append(s, ka, CLOSE, req, NULL, 1000000000, -1, NULL), -1);
	assert_non_null(strstr(err_msg(), "slot's own length"));
	forge(s, ka, CLOSE, req, ho, clock_now_ms(), 1000000000, c);
	assert_string_equal(STATE(s, req), "handed_over");
	assert_int_equal(balance(s, kb), 0);
	/* within the grace (slot ended 9 days ago: past it) - the slot's own
	 * day at the agreed rate: 60.00 */
	forge(s, ka, CLOSE, req, ho, clock_now_ms(), -1, c);
	assert_string_equal(VERDICT(s, c), "taken");
	assert_string_equal(STATE(s, req), "closed");
	assert_int_equal(balance(s, kb), -6000);
	/* a close without a return before the grace has run: no effect */
	step(s, ka, ACCEPT, r2, NULL, -1, -1);
	step(s, ka, HANDOVER, r2, NULL, -1, -1);
	head_of(s, r2, h2);
	forge(s, ka, CLOSE, r2, h2, clock_now_ms(), -1, c2);
	assert_non_null(strstr(VERDICT(s, c2), "no return yet"));
	/* after a return: the owner's other figure is a claim */
	step(s, kb, RETURN, r2, NULL, -1, -1); /* one day begun */
	step(s, ka, CLOSE, r2, NULL, 3000, -1);
	assert_string_equal(STATE(s, r2), "claimed");
	assert_int_equal(balance(s, kb), -6000);
	assert_int_equal(col_int(s, "SELECT claim FROM loans WHERE id = ?1", r2), 3000);
	/* the borrower's agreement is held to the credit limit */
	assert_int_equal(lending_settle_check(s, r2, 3000, 0), 0);
	assert_int_equal(lending_settle_check(s, r2, 1000000, 0), -1);
	assert_non_null(strstr(err_msg(), "credit limit"));
	step(s, kb, DISPUTE, r2, "un jour", -1, -1);
	assert_string_equal(STATE(s, r2), "disputed");
	/* the owner may concede, at the borrower's figure only */
	assert_int_equal(lending_append(s, ka, CLOSE, r2, NULL, 2000, -1, NULL), -1);
	step(s, ka, CLOSE, r2, NULL, 1000, -1);
	assert_string_equal(STATE(s, r2), "closed");
	assert_int_equal(balance(s, kb), -12000);
	assert_int_equal(col_int(s, "SELECT rate FROM loans WHERE id = ?1", r2), 6000);
}

/* Finding 7: an accept stamped INT64_MAX. The borrower's node answers it
 * without arithmetic on the time (its steps are stamped INT64_MAX, not
 * after it), and the slot's units are counted for any slot. */
static void test_accept_at_int64_max(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], req[32];
	char sbuf[32];
	offer_add(s, ka, "Camion", UNIT_DAY, 1, 1000, 0, truck);
	borrow(s, kb, truck, DAY(1), DAY(2), 1, req);
	/* no node decodes a time past ENTRY_TIME_MAX: not even signed */
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Transition t = MUTUA__TRANSITION__INIT;
	struct entry e;
	memcpy(forged_answers, req, 32);
	step_body(&b, &t, ACCEPT, req, "patched node");
	b.federation.data = (uint8_t *)store_fed_id(s);
	b.federation.len = 32;
	b.author.data = (uint8_t *)ka->id;
	b.author.len = 32;
	b.seq = 9;
	b.has_prev = 1;
	b.prev.data = (uint8_t *)store_fed_id(s);
	b.prev.len = 32;
	b.time = INT64_MAX;
	assert_int_equal(entry_seal(&e, ka, &b), -1);
	assert_non_null(strstr(err_msg(), "time out of range"));
	/* one at ENTRY_TIME_MAX is held, far ahead of every clock: the
	 * borrower's node never computes with it */
	struct batch_result r;
	seal_at(s, ka, &b, ENTRY_TIME_MAX, &e);
	struct raw_entry raw = {e.body, e.body_len, e.sig, KEY_SIG_BYTES};
	assert_int_equal(store_insert_batch(s, &raw, 1, &r), 0);
	assert_int_equal(r.added, 0);
	assert_int_equal(r.held, 1);
	entry_free(&e);
	assert_string_equal(STATE(s, req), "requested");
	/* the loan's arithmetic is safe at the range's ends all the same */
	forge(s, ka, ACCEPT, req, req, clock_now_ms(), -1, NULL);
	step(s, kb, HANDOVER, req, NULL, -1, -1);
	step(s, kb, RETURN, req, NULL, -1, -1);
	assert_string_equal(STATE(s, req), "returned");
	int64_t com;
	assert_int_equal(lending_committed(s, kb->id, NULL, &com), 0);
	assert_int_equal(com, 1000);
}

/* The members' vote settles a dispute: a passed settle proposal closes a
 * disputed loan at its usage (loan.h), and only a disputed one. */
static void test_settle_terms(void **state)
{
	(void)state;
	struct loan_terms t = {0};
	t.start = LOAN_REQUESTED;
	t.slot_usage = 1000;
	t.withdrawn = INT64_MAX;
	t.vote_usage = 1500;
	t.vote_time = 77;
	memset(t.request, 1, 32);
	struct loan_node n[6];
	memset(n, 0, sizeof n);
	const int steps_[6] = {LOAN_ACCEPT, LOAN_HANDOVER, LOAN_RETURN, LOAN_CLOSE, LOAN_DISPUTE,
			       LOAN_AGREE};
	const enum loan_party who[6] = {LOAN_OWNER, LOAN_OWNER, LOAN_BORROWER, LOAN_OWNER,
					LOAN_BORROWER, LOAN_BORROWER};
	for (int i = 0; i < 6; i++) {
		memset(n[i].id, 10 + i, 32);
		memcpy(n[i].answers, i ? n[i - 1].id : t.request, 32);
		memset(n[i].author, who[i] == LOAN_OWNER ? 0xa : 0xb, 32);
		n[i].step = steps_[i];
		n[i].party = who[i];
		n[i].time = i;
		n[i].place = i;
		n[i].usage = i == 2 ? 1000 : i == 3 ? 2000 : -1;
	}
	struct loan_outcome o;
	/* disputed: the vote closes it at 1.5 */
	assert_int_equal(loan_resolve(&t, n, 5, &o), 0);
	assert_int_equal(o.state, LOAN_CLOSED);
	assert_int_equal(o.usage, 1500);
	assert_int_equal(o.closed, 77);
	assert_int_equal(o.claim, 2000);
	/* agreed before: the claim, the vote has nothing to settle */
	memcpy(n[5].answers, n[3].id, 32); /* agree answers the claim */
	n[4].answers[0] ^= 1;              /* the dispute answers nothing */
	assert_int_equal(loan_resolve(&t, n, 6, &o), 0);
	assert_int_equal(o.state, LOAN_CLOSED);
	assert_int_equal(o.usage, 2000);
	assert_string_equal(n[4].why, "answers no step of this loan");
	/* agree and dispute both answer the claim: the borrower's first */
	n[4].answers[0] ^= 1;
	n[4].place = 9;
	assert_int_equal(loan_resolve(&t, n, 6, &o), 0);
	assert_int_equal(o.usage, 2000);
	assert_null(n[5].why);
	assert_non_null(strstr(n[4].why, "superseded"));
	/* every order of the nodes gives the same outcome */
	struct loan_node m[6];
	for (int r = 0; r < 30; r++) {
		memcpy(m, n, sizeof m);
		for (int i = 5; i > 0; i--) {
			int j = (int)randombytes_uniform((uint32_t)i + 1);
			struct loan_node tmp = m[i];
			m[i] = m[j];
			m[j] = tmp;
		}
		struct loan_outcome o2;
		assert_int_equal(loan_resolve(&t, m, 6, &o2), 0);
		assert_int_equal(o2.state, o.state);
		assert_int_equal(o2.usage, o.usage);
	}
}

/* The conflict rule of loan.h, on the graph alone: each party's first
 * step, then a cancel over a one-sided handover; a branch both parties
 * signed over anything; the same whatever the order of the nodes. */
static void test_conflict_rule(void **state)
{
	(void)state;
	struct loan_terms t = {0};
	t.start = LOAN_REQUESTED;
	t.slot_usage = 1000;
	t.withdrawn = INT64_MAX;
	t.vote_usage = -1;
	memset(t.request, 1, 32);
	struct loan_node n[5];
	memset(n, 0, sizeof n);
	/* 0 accept (owner); answering it: 1 the owner's handover, 2 its own
	 * cancel after, 3 the borrower's cancel; 4 the borrower's return
	 * answering the owner's handover */
	const int st[5] = {LOAN_ACCEPT, LOAN_HANDOVER, LOAN_CANCEL, LOAN_CANCEL, LOAN_RETURN};
	const enum loan_party who[5] = {LOAN_OWNER, LOAN_OWNER, LOAN_OWNER, LOAN_BORROWER,
					LOAN_BORROWER};
	const int64_t place[5] = {1, 2, 3, 1, 2};
	for (int i = 0; i < 5; i++) {
		memset(n[i].id, 0xf0 - i, 32); /* ids sort against the nodes' order */
		memcpy(n[i].answers, i == 0 ? t.request : i == 4 ? n[1].id : n[0].id, 32);
		memset(n[i].author, who[i] == LOAN_OWNER ? 0xa : 0xb, 32);
		n[i].step = st[i];
		n[i].party = who[i];
		n[i].time = 10 + i;
		n[i].place = place[i];
		n[i].usage = -1;
	}
	struct loan_outcome o;
	assert_int_equal(loan_resolve(&t, n, 4, &o), 0);
	assert_int_equal(o.state, LOAN_CANCELLED);
	assert_int_equal(o.reason, 3);
	assert_non_null(strstr(n[1].why, "superseded"));
	assert_non_null(strstr(n[2].why, "superseded"));
	assert_int_equal(o.ignored, 2);
	assert_int_equal(loan_resolve(&t, n, 5, &o), 0);
	assert_int_equal(o.state, LOAN_RETURNED);
	assert_int_equal(o.head, 4);
	assert_int_equal(o.returned, 1000);
	assert_non_null(strstr(n[3].why, "superseded"));
	/* a time before the step answered: no effect, and nothing after it */
	n[1].time = 9;
	assert_int_equal(loan_resolve(&t, n, 5, &o), 0);
	assert_int_equal(o.state, LOAN_CANCELLED);
	assert_string_equal(n[1].why, "claims a time before the step it answers");
	assert_string_equal(n[4].why, "follows a step that took no effect");
	n[1].time = 11;
	for (int r = 0; r < 30; r++) {
		struct loan_node m[5];
		memcpy(m, n, sizeof m);
		for (int i = 4; i > 0; i--) {
			int j = (int)randombytes_uniform((uint32_t)i + 1);
			struct loan_node tmp = m[i];
			m[i] = m[j];
			m[j] = tmp;
		}
		assert_int_equal(loan_resolve(&t, m, 5, &o), 0);
		assert_int_equal(o.state, LOAN_RETURNED);
		assert_int_equal(o.returned, 1000);
	}
}

/* The property: the entries of the owner's and the borrower's feeds, with
 * conflicting and forged steps, delivered to fresh stores in random
 * interleavings (seeded; the seed is printed), give the same loans, the
 * same verdicts and the same balances. */
static void test_shuffled_arrival_same_state(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], room[32], r[6][32], a[32], h[32], x[32];
	offer_add(s, ka, "Camion", UNIT_DAY, 3, 1000, 0, truck);
	offer_add(s, ka, "Salle", UNIT_HOUR, 2, 250, 0, room);
	int64_t past = clock_now_ms() - 20 * D;
	/* 0: settled, then the borrower's backdated cancels */
	borrow(s, kb, truck, DAY(1), DAY(2), 1, r[0]);
	step(s, ka, ACCEPT, r[0], NULL, -1, -1);
	head_of(s, r[0], a);
	step(s, ka, HANDOVER, r[0], NULL, -1, -1);
	step(s, kb, RETURN, r[0], NULL, -1, -1);
	step(s, ka, CLOSE, r[0], NULL, -1, -1);
	forge(s, kb, CANCEL, r[0], a, requested_at(s, r[0]) + 1, -1, NULL);
	forge(s, kb, CANCEL, r[0], r[0], requested_at(s, r[0]) + 1, -1, NULL);
	/* 1: the borrower cancels, the owner's backdated handover */
	borrow(s, kb, truck, DAY(3), DAY(4), 1, r[1]);
	step(s, ka, ACCEPT, r[1], NULL, -1, -1);
	head_of(s, r[1], a);
	step(s, kb, CANCEL, r[1], NULL, -1, -1);
	forge(s, ka, HANDOVER, r[1], a, requested_at(s, r[1]), -1, NULL);
	/* 2: a claim, a dispute, a concession */
	borrow(s, kb, room, DAY(5), DAY(5) + 90 * MINUTE, 1, r[2]);
	step(s, ka, ACCEPT, r[2], NULL, -1, -1);
	step(s, kb, HANDOVER, r[2], NULL, -1, -1);
	step(s, kb, RETURN, r[2], NULL, -1, -1);
	step(s, ka, CLOSE, r[2], NULL, 5000, -1);
	step(s, kb, DISPUTE, r[2], "deux heures", -1, -1);
	step(s, ka, CLOSE, r[2], NULL, -1, -1);
	/* 3: an accept stamped ahead (the owner's clock, within the bound) answered by the borrower */
	borrow(s, kb, truck, DAY(6), DAY(7), 1, r[3]);
	forge(s, ka, ACCEPT, r[3], r[3], clock_now_ms() + 4 * MINUTE, -1, NULL);
	step(s, kb, HANDOVER, r[3], NULL, -1, -1);
	/* 4: a past slot: a one-sided handover, the owner's grace close and
	 * the borrower's return answer it; the return wins, then confirmed */
	borrow(s, kb, truck, past, past + D, 1, r[4]);
	step(s, ka, ACCEPT, r[4], NULL, -1, -1);
	step(s, ka, HANDOVER, r[4], NULL, -1, -1);
	head_of(s, r[4], h);
	forge(s, ka, CLOSE, r[4], h, clock_now_ms(), -1, x);
	forge(s, kb, RETURN, r[4], h, clock_now_ms(), 500, x);
	forge(s, ka, CLOSE, r[4], x, clock_now_ms(), -1, NULL);
	/* 5: two handovers, by each party; the borrower returns answering the
	 * owner's: the branch both signed wins */
	borrow(s, kb, truck, DAY(8), DAY(9), 1, r[5]);
	step(s, ka, ACCEPT, r[5], NULL, -1, -1);
	head_of(s, r[5], a);
	forge(s, ka, HANDOVER, r[5], a, clock_now_ms(), -1, h);
	forge(s, kb, HANDOVER, r[5], a, clock_now_ms(), -1, NULL);
	forge(s, kb, RETURN, r[5], h, clock_now_ms(), -1, NULL);

	assert_balances_kept(s);
	assert_int_equal(col_int(s, "SELECT count(*) FROM balances", NULL), 2);
	const char *states[6] = {"closed", "cancelled", "closed", "handed_over", "closed",
				 "returned"};
	char sbuf[32];
	for (int i = 0; i < 6; i++)
		assert_string_equal(STATE(s, r[i]), states[i]);
	assert_int_equal(col_int(s, "SELECT credits FROM loans WHERE id = ?1", r[2]), 500);
	assert_int_equal(col_int(s, "SELECT credits FROM loans WHERE id = ?1", r[4]), 500);
#define EVENTS_SQL "SELECT id, request, type, coalesce(verdict, '') FROM loan_events ORDER BY id"
	char *want = db_dump(s, LOANS_SQL), *want_v = db_dump(s, EVENTS_SQL);
	char *want_b = db_dump(s, BALANCES_SQL);
	uint32_t seed0 = (uint32_t)time(NULL);
	for (uint32_t k = 0; k < 12; k++) {
		uint32_t seed = seed0 + k;
		print_message("shuffled arrival: seed %u\n", seed);
		srand(seed);
		struct store *d = fx_store(f);
		const struct key *ks[2] = {ka, kb};
		int done[2] = {0, 0};
		while (!done[0] || !done[1]) {
			int i = rand() % 2;
			if (done[i])
				i = !i;
			if (!push_feed(s, d, ks[i]->id, 1 + (size_t)(rand() % 3)))
				done[i] = 1;
		}
		char *got = db_dump(d, LOANS_SQL), *got_v = db_dump(d, EVENTS_SQL);
		char *got_b = db_dump(d, BALANCES_SQL);
		if (strcmp(got, want) || strcmp(got_v, want_v) || strcmp(got_b, want_b))
			fail_msg("seed %u gives another state:\n%s\n%s\nwanted:\n%s\n%s", seed, got,
				 got_v, want, want_v);
		assert_balances_kept(d);
		/* a refold deletes every loan and folds them again */
		assert_int_equal(store_reindex(d), 0);
		assert_balances_kept(d);
		free(got_b);
		got_b = db_dump(d, BALANCES_SQL);
		assert_string_equal(got_b, want_b);
		free(got);
		free(got_v);
		free(got_b);
		/* the next interleaving starts from a fresh file again */
		char name[32];
		snprintf(name, sizeof name, "s%d.db", f->n - 1);
		store_close(&f->st[--f->n]);
		char *path = path_in(f->dir, name);
		unlink(path);
		free(path);
	}
	free(want);
	free(want_v);
	free(want_b);
}

/* A block signed by k's node as a patched node would (store_append refuses
 * it): of res over [start, end), quantity q. */
static void forged_block(struct store *s, const struct key *k, const uint8_t res[32],
			 int64_t start, int64_t end, uint64_t q, uint8_t id[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Block blk = MUTUA__BLOCK__INIT;
	struct entry e;
	blk.resource.data = (uint8_t *)res;
	blk.resource.len = 32;
	blk.start = start;
	blk.end = end;
	blk.quantity = q;
	blk.reason = 1;
	b.payload_case = MUTUA__BODY__PAYLOAD_BLOCK;
	b.block = &blk;
	if (store_append(s, k, &b, NULL) == 0)
		fail_msg("block: signed by its own node");
	assert_string_equal(err_msg(), "only the owner can block this resource");
	b = (Mutua__Body)MUTUA__BODY__INIT;
	b.payload_case = MUTUA__BODY__PAYLOAD_BLOCK;
	b.block = &blk;
	seal_at(s, k, &b, clock_now_ms(), &e);
	fx_put(s, &e, id);
	tick();
}

static void forged_unblock(struct store *s, const struct key *k, const uint8_t block[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Unblock u = MUTUA__UNBLOCK__INIT;
	struct entry e;
	u.block.data = (uint8_t *)block;
	u.block.len = 32;
	b.payload_case = MUTUA__BODY__PAYLOAD_UNBLOCK;
	b.unblock = &u;
	assert_int_equal(booking_unblock_append(s, k, block, NULL), -1);
	assert_string_equal(err_msg(), "no such block of this member");
	seal_at(s, k, &b, clock_now_ms(), &e);
	fx_put(s, &e, NULL);
	tick();
}

/* The blocks, the waitlist and a weekly series (booking.h, loan.h): a
 * block holds capacity like an accepted loan and an unblock frees it; a
 * waitlist decline leaves the request waiting in the owner's order; a
 * hostile member's block of the truck and unblock of the owner's block
 * count for nothing; a series is a loan a week, each answered on its own.
 * Then the property: the three feeds delivered in random interleavings
 * (seeded, printed) give the same blocks held, loans and verdicts. */
static void test_blocks_and_waitlist_shuffled(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], k1[32], k2[32], rb[32], rc[32], rd[32], fb[32];
	struct booking_check chk;
	char sbuf[32];
	offer_add(s, ka, "Camion", UNIT_DAY, 2, 1000, 0, truck);
	assert_int_equal(booking_block_append(s, ka, truck, DAY(1), DAY(3), 1, 2, "vidange",
					      NULL, k1), 0);
	tick();
	/* the whole truck: refused while one is blocked... */
	borrow(s, kb, truck, DAY(1), DAY(2), 2, rb);
	assert_int_equal(booking_can_accept(s, rb, &chk), 0);
	assert_non_null(strstr(chk.why, "in use by the owner's blocks such as"));
	assert_int_equal(lending_waitlist(s, ka, rb, "conflict", NULL), 0);
	tick();
	assert_string_equal(STATE(s, rb), "waiting");
	borrow(s, kc, truck, DAY(2), DAY(3), 2, rc);
	assert_int_equal(lending_waitlist(s, ka, rc, NULL, NULL), 0);
	tick();
	/* a second waitlist decline is without effect, and refused */
	assert_int_equal(lending_waitlist(s, ka, rc, NULL, NULL), -1);
	assert_string_equal(err_msg(), "the request is already on the waitlist");
	/* the owner's order: rb first */
	assert_true(col_int(s, "SELECT waited FROM loans WHERE id = ?1", rb) <
		    col_int(s, "SELECT waited FROM loans WHERE id = ?1", rc));
	/* a block over a held loan is refused at the owner's node */
	borrow(s, kc, truck, DAY(10), DAY(11), 1, rd);
	step(s, ka, ACCEPT, rd, NULL, -1, -1);
	assert_int_equal(booking_block_append(s, ka, truck, DAY(10), DAY(11), 2, 3, NULL, NULL,
					      k2), -1);
	assert_non_null(strstr(err_msg(), "with its borrower first"));
	assert_int_equal(booking_block_append(s, ka, truck, DAY(10), DAY(11), 1, 3, NULL, NULL,
					      k2), 0);
	tick();
	/* hostile: B blocks A's truck, C lifts A's block */
	forged_block(s, kb, truck, DAY(20), DAY(21), 2, fb);
	forged_unblock(s, kc, k1);
	assert_int_equal(booking_free(s, truck, DAY(20), DAY(21)), 2);
	assert_int_equal(booking_free(s, truck, DAY(1), DAY(2)), 1);
	/* the owner lifts it: the first waiting fits, accepted */
	assert_int_equal(booking_unblock_append(s, ka, k1, NULL), 0);
	tick();
	assert_int_equal(booking_free(s, truck, DAY(1), DAY(2)), 2);
	assert_int_equal(lending_accept(s, ka, rb, NULL, &chk), 1);
	tick();
	assert_string_equal(STATE(s, rb), "accepted");
	assert_string_equal(STATE(s, rc), "waiting");
	/* its slot meets rb's only at an edge: now possible */
	assert_int_equal(booking_can_accept(s, rc, &chk), 1);

	/* a weekly series of four (Request.repeat): a loan a week, each
	 * answered on its own; the borrower drops the second */
	uint8_t series[32], occ[4][32];
	assert_int_equal(lending_borrow(s, kb, truck, DAY(30), DAY(30) + 3 * H, 1, "chorale", 0,
					DAY(30) + 3 * 7 * D + 1, NULL, series), 0);
	tick();
	for (uint32_t k = 0; k < 4; k++) {
		entry_occurrence_id(occ[k], series, k);
		assert_string_equal(STATE(s, occ[k]), "requested");
		assert_int_equal(col_int(s, "SELECT start_ms FROM loans WHERE id = ?1", occ[k]),
				 DAY(30) + (int64_t)k * 7 * D);
	}
	assert_int_equal(lending_accept(s, ka, occ[0], NULL, &chk), 1);
	tick();
	assert_int_equal(lending_accept(s, ka, occ[1], NULL, &chk), 1);
	tick();
	step(s, ka, DECLINE, occ[2], "salle prise", -1, -1);
	assert_int_equal(lending_waitlist(s, ka, occ[3], NULL, NULL), 0);
	tick();
	step(s, kb, CANCEL, occ[1], NULL, -1, -1);
	assert_string_equal(STATE(s, occ[0]), "accepted");
	assert_string_equal(STATE(s, occ[1]), "cancelled");
	assert_string_equal(STATE(s, occ[2]), "declined");
	assert_string_equal(STATE(s, occ[3]), "waiting");

#define EVENTS_SQL2 "SELECT id, request, type, waitlist, coalesce(verdict, '') FROM loan_events" \
		    " ORDER BY id"
	char *want = db_dump(s, LOANS_SQL), *want_v = db_dump(s, EVENTS_SQL2);
	char *want_b = db_dump(s, "SELECT b.id, b.id IN (SELECT id FROM held_blocks) FROM blocks b"
				  " ORDER BY id");
	uint32_t seed0 = (uint32_t)time(NULL);
	for (uint32_t k = 0; k < 12; k++) {
		uint32_t seed = seed0 + k;
		print_message("shuffled arrival of blocks, the waitlist and a series: seed %u\n", seed);
		srand(seed);
		struct store *d = fx_store(f);
		const struct key *ks[3] = {ka, kb, kc};
		int done[3] = {0, 0, 0};
		while (!done[0] || !done[1] || !done[2]) {
			int i = rand() % 3;
			while (done[i])
				i = (i + 1) % 3;
			if (!push_feed(s, d, ks[i]->id, 1 + (size_t)(rand() % 3)))
				done[i] = 1;
		}
		char *got = db_dump(d, LOANS_SQL), *got_v = db_dump(d, EVENTS_SQL2);
		char *got_b = db_dump(d, "SELECT b.id, b.id IN (SELECT id FROM held_blocks)"
					 " FROM blocks b ORDER BY id");
		if (strcmp(got, want) || strcmp(got_v, want_v) || strcmp(got_b, want_b))
			fail_msg("seed %u gives another state:\n%s\n%s\n%s\nwanted:\n%s\n%s\n%s", seed,
				 got, got_v, got_b, want, want_v, want_b);
		assert_int_equal(booking_free(d, truck, DAY(20), DAY(21)), 2);
		assert_int_equal(booking_free(d, truck, DAY(10), DAY(11)), 0);
		free(got);
		free(got_v);
		free(got_b);
		char name[32];
		snprintf(name, sizeof name, "s%d.db", f->n - 1);
		store_close(&f->st[--f->n]);
		char *path = path_in(f->dir, name);
		unlink(path);
		free(path);
	}
	free(want);
	free(want_v);
	free(want_b);
}

/* ---- issue 16: terms, deposits, estimates ------------------------------ */

/* The reservation and the confirmation rule, pure. */
static void test_reserve_and_terms(void **state)
{
	(void)state;
	/* two days at 10.00 and a deposit of 200.00 */
	assert_int_equal(loan_reserve("day", DAY(1), DAY(3), 1, 1000, -1, 20000), 22000);
	/* 120 km estimated at 0.50: 60.00; no estimate: the deposit alone */
	assert_int_equal(loan_reserve("km", DAY(1), DAY(2), 1, 50, 120000, 0), 6000);
	assert_int_equal(loan_reserve("km", DAY(1), DAY(2), 1, 50, -1, 500), 500);
	assert_int_equal(loan_reserve("m3", DAY(1), DAY(2), 1, 100, 1500, 0), 150);
	/* the largest figures the format allows do not overflow */
	assert_true(loan_reserve("km", DAY(1), DAY(2), 1, RATE_MAX, (int64_t)USAGE_MAX,
				 DEPOSIT_MAX) > 0);
	struct loan_offer_terms off = {"insurance,licence:B", 20000, {1}, 1}, req = off;
	char buf[160];
	assert_null(loan_terms_check(&off, &req, "day", -1, buf, sizeof buf));
	snprintf(req.requires, sizeof req.requires, "licence:B");
	assert_string_equal(loan_terms_check(&off, &req, "day", -1, buf, sizeof buf),
			    "the request does not confirm the offer's requirement insurance");
	/* a requirement is a whole word of the list, never a part of one */
	snprintf(req.requires, sizeof req.requires, "insurance,licence:BE");
	assert_non_null(loan_terms_check(&off, &req, "day", -1, buf, sizeof buf));
	snprintf(req.requires, sizeof req.requires, "insurance,licence:B,licence:C");
	assert_null(loan_terms_check(&off, &req, "day", -1, buf, sizeof buf));
	req.deposit = 19999;
	assert_string_equal(loan_terms_check(&off, &req, "day", -1, buf, sizeof buf),
			    "the request does not confirm the offer's deposit of 200");
	req.deposit = 30000; /* more than asked: what the borrower signed holds */
	assert_null(loan_terms_check(&off, &req, "day", -1, buf, sizeof buf));
	req.conditions[0] = 2;
	assert_non_null(strstr(loan_terms_check(&off, &req, "day", -1, buf, sizeof buf),
			       "conditions"));
	req.conditions[0] = 1;
	assert_non_null(strstr(loan_terms_check(&off, &req, "km", -1, buf, sizeof buf),
			       "states no estimate"));
	assert_null(loan_terms_check(&off, &req, "km", 0, buf, sizeof buf));
}

/* A forfeit in the graph: a claim like another figure, moved on the
 * borrower's agreement, dropped by the owner's concession, bounded by
 * the deposit, settled by the members' vote. */
static void test_forfeit_graph(void **state)
{
	(void)state;
	struct loan_terms t = {0};
	t.start = LOAN_REQUESTED;
	t.slot_usage = 1000;
	t.withdrawn = INT64_MAX;
	t.vote_usage = -1;
	t.deposit = 20000;
	memset(t.request, 1, 32);
	const int st[6] = {LOAN_ACCEPT, LOAN_HANDOVER, LOAN_RETURN, LOAN_CLOSE, LOAN_AGREE,
			   LOAN_DISPUTE};
	const enum loan_party who[6] = {LOAN_OWNER, LOAN_OWNER, LOAN_BORROWER, LOAN_OWNER,
					LOAN_BORROWER, LOAN_BORROWER};
	struct loan_node n[6];
	memset(n, 0, sizeof n);
	for (int i = 0; i < 6; i++) {
		memset(n[i].id, 0x20 + i, 32);
		memcpy(n[i].answers, i == 0 ? t.request : i == 5 ? n[3].id : n[i - 1].id, 32);
		n[i].step = st[i];
		n[i].party = who[i];
		n[i].time = 10 + i;
		n[i].place = i;
		n[i].usage = -1;
		n[i].forfeit = -1;
	}
	n[3].forfeit = 4000;
	struct loan_outcome o;
	assert_int_equal(loan_resolve(&t, n, 4, &o), 0);
	assert_int_equal(o.state, LOAN_CLAIMED);
	assert_int_equal(o.claim, 1000);
	assert_int_equal(o.claim_forfeit, 4000);
	assert_int_equal(o.forfeit, 0);
	assert_int_equal(loan_resolve(&t, n, 5, &o), 0);
	assert_int_equal(o.state, LOAN_CLOSED);
	assert_int_equal(o.usage, 1000);
	assert_int_equal(o.forfeit, 4000);
	/* disputed, then settled by the vote: its forfeit, at most the deposit */
	memcpy(n[5].answers, n[3].id, 32);
	struct loan_node m[6];
	memcpy(m, n, sizeof m);
	m[4] = m[5];
	assert_int_equal(loan_resolve(&t, m, 5, &o), 0);
	assert_int_equal(o.state, LOAN_DISPUTED);
	t.vote_usage = 1000;
	t.vote_forfeit = 90000;
	assert_int_equal(loan_resolve(&t, m, 5, &o), 0);
	assert_int_equal(o.state, LOAN_CLOSED);
	assert_int_equal(o.forfeit, 20000);
	t.vote_usage = -1;
	/* above the deposit, or before the return: no effect */
	n[3].forfeit = 20001;
	assert_int_equal(loan_resolve(&t, n, 4, &o), 0);
	assert_int_equal(o.state, LOAN_RETURNED);
	assert_string_equal(n[3].why, "the forfeit exceeds the request's deposit");
	n[3].forfeit = 100;
	memcpy(n[3].answers, n[1].id, 32);
	n[3].time = 100;
	n[3].grace_end = 0;
	assert_int_equal(loan_resolve(&t, n, 4, &o), 0);
	assert_non_null(strstr(n[3].why, "after the borrower's return only"));
	/* the owner's accept refused by the offer's terms: the loan stays requested */
	n[0].refused = "the request does not confirm the offer's requirement insurance";
	assert_int_equal(loan_resolve(&t, n, 1, &o), 0);
	assert_int_equal(o.state, LOAN_REQUESTED);
	assert_string_equal(n[0].why, n[0].refused);
}

/* An offer with terms, appended as the CLI does (sorted requirements). */
static void offer_terms(struct store *s, const struct key *k, const char *title, uint32_t unit,
			uint64_t rate, const char *conditions, const char *r1, const char *r2,
			uint64_t deposit, uint8_t id[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	char *reqs[2] = {(char *)r1, (char *)r2};
	o.kind = MUTUA__KIND__KIND_VEHICLE;
	o.title = (char *)title;
	o.unit = unit;
	o.capacity = 5;
	o.rate = rate;
	o.conditions = (char *)conditions;
	o.requires = reqs;
	o.n_requires = (size_t)(r1 != NULL) + (r2 != NULL);
	o.has_deposit = deposit > 0;
	o.deposit = deposit;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	if (store_append(s, k, &b, id))
		fail_msg("offer: %s", err_msg());
	tick();
}

static void offer_set_deposit(struct store *s, const struct key *k, const uint8_t res[32],
			      uint64_t deposit)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__OfferUpdate u = MUTUA__OFFER_UPDATE__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	char *reqs[2] = {"insurance", "licence:B"};
	o.kind = MUTUA__KIND__KIND_VEHICLE;
	o.title = "Fourgon";
	o.unit = UNIT_DAY;
	o.capacity = 5;
	o.rate = 5000;
	o.conditions = "Plein au retour";
	o.requires = reqs;
	o.n_requires = 2;
	o.has_deposit = 1;
	o.deposit = deposit;
	u.offer.data = (uint8_t *)res;
	u.offer.len = 32;
	u.fields = &o;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_UPDATE;
	b.offer_update = &u;
	if (store_append(s, k, &b, NULL))
		fail_msg("update: %s", err_msg());
	tick();
}

static void borrow_confirmed(struct store *s, const struct key *k, const uint8_t res[32],
			     int64_t start, int64_t end, int64_t estimate, uint8_t id[32])
{
	struct lending_confirm cf = {1, NULL, 0, estimate};
	if (lending_borrow_terms(s, k, res, start, end, 1, NULL, 0, 0, NULL, &cf, id))
		fail_msg("request: %s", err_msg());
	tick();
}

/* The property for the reservations: offers with terms, an update of the
 * deposit between requests and accepts, a refused accept signed all the
 * same, estimates, a forfeit agreed; delivered in random interleavings
 * (seeded; the seed is printed), the same loans (state, reserve,
 * forfeit, credits), verdicts and reservations of each member. */
static void test_terms_shuffled_same_reserve(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t van[32], km[32], r[5][32];
	char sbuf[32];
	offer_terms(s, ka, "Fourgon", UNIT_DAY, 5000, "Plein au retour", "insurance", "licence:B",
		    20000, van);
	offer_terms(s, ka, "Camion", MUTUA__UNIT__UNIT_KM, 200, NULL, "licence:C", NULL, 0, km);
	borrow_confirmed(s, kb, van, DAY(1), DAY(2), -1, r[0]);
	borrow_confirmed(s, kc, van, DAY(1), DAY(2), -1, r[1]);
	borrow_confirmed(s, kb, km, DAY(3), DAY(4), 150000, r[2]);
	step(s, ka, ACCEPT, r[0], NULL, -1, -1);
	/* the deposit goes up: r1 confirmed 200 and cannot be accepted now */
	offer_set_deposit(s, ka, van, 30000);
	struct booking_check chk;
	assert_int_equal(booking_can_accept(s, r[1], &chk), 0);
	assert_non_null(strstr(chk.why, "deposit of 300"));
	forge(s, ka, ACCEPT, r[1], r[1], clock_now_ms(), -1, NULL);
	borrow_confirmed(s, kc, van, DAY(5), DAY(6), -1, r[3]);
	step(s, ka, ACCEPT, r[3], NULL, -1, -1);
	step(s, ka, ACCEPT, r[2], NULL, -1, -1);
	/* r0: returned, a forfeit claimed and agreed */
	step(s, ka, HANDOVER, r[0], NULL, -1, -1);
	step(s, kb, RETURN, r[0], NULL, -1, -1);
	struct lending_extra ex = {NULL, 5000};
	if (lending_append_ex(s, ka, MUTUA__BODY__PAYLOAD_CLOSE, r[0], NULL, -1, -1, NULL, &ex))
		fail_msg("close: %s", err_msg());
	tick();
	step(s, kb, AGREE, r[0], NULL, -1, -1);
	borrow_confirmed(s, kb, van, DAY(7), DAY(8), -1, r[4]);

	const char *states[5] = {"closed", "requested", "accepted", "accepted", "requested"};
	for (int i = 0; i < 5; i++)
		assert_string_equal(STATE(s, r[i]), states[i]);
	/* a day at 50 and the deposit confirmed: the request's, not the offer's now */
	assert_int_equal(col_int(s, "SELECT reserve FROM loans WHERE id = ?1", r[1]), 25000);
	assert_int_equal(col_int(s, "SELECT reserve FROM loans WHERE id = ?1", r[3]), 35000);
	/* 150 km at 2.00 */
	assert_int_equal(col_int(s, "SELECT reserve FROM loans WHERE id = ?1", r[2]), 30000);
	/* the day's 50 and the forfeit agreed */
	assert_int_equal(col_int(s, "SELECT credits FROM loans WHERE id = ?1", r[0]), 10000);
	int64_t com;
	assert_int_equal(lending_committed(s, kb->id, NULL, &com), 0);
	assert_int_equal(com, 30000);
	assert_int_equal(lending_committed(s, kc->id, NULL, &com), 0);
	assert_int_equal(com, 35000);
#define TERMS_SQL \
	"SELECT id, state, reserve, coalesce(forfeit, -1), coalesce(credits, -1), requires," \
	" deposit, coalesce(estimate, -1) FROM loans ORDER BY id"
#define VERDICTS_SQL "SELECT id, type, coalesce(verdict, '') FROM loan_events ORDER BY id"
	char *want = db_dump(s, TERMS_SQL), *want_v = db_dump(s, VERDICTS_SQL);
	uint32_t seed0 = (uint32_t)time(NULL);
	for (uint32_t k = 0; k < 10; k++) {
		uint32_t seed = seed0 + k;
		print_message("terms, shuffled arrival: seed %u\n", seed);
		srand(seed);
		struct store *d = fx_store(f);
		const struct key *ks[3] = {ka, kb, kc};
		int done[3] = {0, 0, 0};
		while (!done[0] || !done[1] || !done[2]) {
			int i = rand() % 3;
			while (done[i])
				i = (i + 1) % 3;
			if (!push_feed(s, d, ks[i]->id, 1 + (size_t)(rand() % 3)))
				done[i] = 1;
		}
		char *got = db_dump(d, TERMS_SQL), *got_v = db_dump(d, VERDICTS_SQL);
		if (strcmp(got, want) || strcmp(got_v, want_v))
			fail_msg("seed %u gives another state:\n%s\n%s\nwanted:\n%s\n%s", seed, got,
				 got_v, want, want_v);
		int64_t c2;
		assert_int_equal(lending_committed(d, kc->id, NULL, &c2), 0);
		assert_int_equal(c2, 35000);
		free(got);
		free(got_v);
		char name[32];
		snprintf(name, sizeof name, "s%d.db", f->n - 1);
		store_close(&f->st[--f->n]);
		char *path = path_in(f->dir, name);
		unlink(path);
		free(path);
	}
	free(want);
	free(want_v);
}

/* The owner's daemon declines, with the rule's reason, a request that
 * does not confirm the offer's terms, and accepts one that does. */
static void test_auto_answer_terms(void **state)
{
	struct fx *f = *state;
	struct store *sa = fx_store(f);
	uint8_t van[32], r1[32], r2[32];
	char sbuf[32], reason[160];
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	char *reqs[2] = {"insurance", "licence:B"};
	o.kind = MUTUA__KIND__KIND_VEHICLE;
	o.title = "Fourgon";
	o.unit = UNIT_DAY;
	o.capacity = 1;
	o.rate = 1000;
	o.requires = reqs;
	o.n_requires = 2;
	o.has_deposit = 1;
	o.deposit = 5000;
	o.has_auto_accept = o.auto_accept = 1;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	assert_int_equal(store_append(sa, ka, &b, van), 0);
	tick();
	borrow(sa, kb, van, DAY(1), DAY(2), 1, r1);
	borrow_confirmed(sa, kc, van, DAY(1), DAY(2), -1, r2);
	assert_int_equal(lending_auto_answer(sa, ka), 2);
	assert_string_equal(STATE(sa, r1), "declined");
	col_text(sa, "SELECT reason FROM loans WHERE id = ?1", r1, reason, sizeof reason);
	assert_string_equal(reason, "the request does not confirm the offer's requirement insurance");
	assert_string_equal(STATE(sa, r2), "accepted");
	assert_int_equal(col_int(sa, "SELECT reserve FROM loans WHERE id = ?1", r2), 6000);
}

/* ---- notifications: events read from the lending state (notify.h) ---- */

/* The notice's mail and hook states, "mail/hook". */
static const char *notice_states(struct store *s, const char *key, char *buf, size_t n)
{
	sqlite3_stmt *st = db_prep(s, "SELECT mail || '/' || hook FROM notices WHERE key = ?1");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	snprintf(buf, n, "%s", sqlite3_step(st) == SQLITE_ROW ?
		 (const char *)sqlite3_column_text(st, 0) : "-");
	sqlite3_finalize(st);
	return buf;
}

/* The first call marks what is there 'before'; each new event is
 * recorded once, due on the channels on; a failed try waits, doubling,
 * and ends 'failed' after NOTIFY_TRIES; the borrower's node sees the
 * answer. */
static void test_notify_events_once(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint8_t truck[32], old[32], r1[32];
	char key[NOTIFY_KEY_MAX + 1], key1[NOTIFY_KEY_MAX + 1], hex[65], buf[32], sbuf[32];
	struct notice n;
	int64_t now = DAY(0);
	offer_add(s, ka, "Camion", UNIT_DAY, 1, 0, 0, truck);
	borrow(s, kb, truck, DAY(10), DAY(11), 1, old);
	assert_int_equal(notify_collect(s, ka->id, now, 1, 1), 0);
	hex_encode(hex, old, 32);
	snprintf(key, sizeof key, "request:%s", hex);
	assert_string_equal(notice_states(s, key, buf, sizeof buf), "before/before");
	assert_int_equal(notify_next(s, now, &n), 0);
	/* a new request: once, with both channels due */
	borrow(s, kb, truck, DAY(20), DAY(21), 1, r1);
	assert_int_equal(notify_collect(s, ka->id, now, 1, 1), 1);
	assert_int_equal(notify_collect(s, ka->id, now, 1, 1), 0);
	hex_encode(hex, r1, 32);
	snprintf(key1, sizeof key1, "request:%s", hex);
	assert_string_equal(notice_states(s, key1, buf, sizeof buf), "due/due");
	assert_int_equal(notify_next(s, now, &n), 1);
	assert_string_equal(n.key, key1);
	assert_string_equal(n.event, "request");
	assert_string_equal(n.role, "lend");
	assert_int_equal(n.channel, NOTIFY_MAIL);
	/* the mail fails: the hook comes first, the mail again a minute on */
	assert_int_equal(notify_done(s, key1, NOTIFY_MAIL, NOTIFY_FAILED, "queue full", now,
				     60000), 0);
	assert_int_equal(notify_next(s, now, &n), 1);
	assert_int_equal(n.channel, NOTIFY_HOOK);
	assert_int_equal(notify_done(s, key1, NOTIFY_HOOK, NOTIFY_SENT, NULL, now, 60000), 0);
	assert_int_equal(notify_next(s, now + 59999, &n), 0);
	int64_t t = now + 60000;
	for (int i = 1; i < NOTIFY_TRIES; i++) {
		assert_int_equal(notify_next(s, t, &n), 1);
		assert_int_equal(n.channel, NOTIFY_MAIL);
		assert_int_equal(n.tries, i);
		assert_int_equal(notify_done(s, key1, NOTIFY_MAIL, NOTIFY_FAILED, "queue full", t,
					     60000), 0);
		t += 60000LL << (i < 9 ? i : 9);
	}
	assert_string_equal(notice_states(s, key1, buf, sizeof buf), "failed/sent");
	assert_int_equal(notify_next(s, t + 365 * D, &n), 0);
	/* the answer is the borrower's event; the owner's node has none new */
	struct booking_check chk;
	assert_int_equal(lending_accept(s, ka, r1, NULL, &chk), 1);
	assert_string_equal(STATE(s, r1), "accepted");
	assert_int_equal(notify_collect(s, ka->id, now, 1, 0), 0);
	/* (one store is one member's node: here both, so kb's events count from now) */
	assert_int_equal(notify_collect(s, kb->id, now, 1, 0), 1);
	borrow(s, kb, truck, DAY(30), DAY(31), 1, r1);
	assert_int_equal(lending_accept(s, ka, r1, NULL, &chk), 1);
	assert_int_equal(notify_collect(s, kb->id, now, 1, 0), 1);
	hex_encode(hex, r1, 32);
	snprintf(key, sizeof key, "accepted:%s", hex);
	assert_string_equal(notice_states(s, key, buf, sizeof buf), "due/off");
	/* within 24 h of its start, by this node's clock: a reminder to both */
	assert_int_equal(notify_collect(s, kb->id, DAY(29) + 1, 1, 0), 1);
	snprintf(key, sizeof key, "soon:%s", hex);
	assert_string_equal(notice_states(s, key, buf, sizeof buf), "due/off");
	sqlite3_stmt *st = db_prep(s, "SELECT role FROM notices WHERE key = ?1");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "borrow");
	sqlite3_finalize(st);
}

/* What may stand in a mail header: one address, nothing to inject. */
static void test_notify_email_check(void **state)
{
	(void)state;
	static const char *const good[] = {"lea@example.org", "l.martin+mutua@regie.example.org",
					   "x@y"};
	static const char *const bad[] = {"", "lea", "@example.org", "lea@", "a@b@c",
					  "lea martin@example.org", "lea@example.org\r\nBcc: x@y",
					  "a@b,c@d", "\"lea\"@example.org", "<lea@example.org>",
					  "lea@example.org>, x@evil.example", "a\tb@c"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		assert_int_equal(notify_check_email(good[i]), 0);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err_set("sentinel");
		assert_int_equal(notify_check_email(bad[i]), -1);
		assert_non_null(strstr(err_msg(), "is no e-mail address"));
	}
	char big[NOTIFY_EMAIL_MAX + 8];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	big[10] = '@';
	assert_int_equal(notify_check_email(big), -1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_step_table),
		T(test_notify_events_once),
		T(test_notify_email_check),
		T(test_holds_sql),
		T(test_edges_touch_but_do_not_overlap),
		T(test_capacity_two),
		T(test_peak_inside_slot),
		T(test_cancel_frees_the_slot),
		T(test_declined_and_cancelled_hold_nothing),
		T(test_withdrawn_resource_refused),
		T(test_accept_after_withdrawal_ignored),
		T(test_withdrawal_order_across_a_rotation),
		T(test_credit_limit),
		T(test_credit_limit_fails_closed),
		T(test_one_balance),
		T(test_no_credit_limit_when_zero),
		T(test_default_usage_and_credits),
		T(test_time_zone_independent),
		T(test_fold_is_order_independent),
		T(test_reindex_gives_the_same),
		T(test_same_millisecond_steps_keep_feed_order),
		T(test_skewed_clocks_keep_cause_before_effect),
		T(test_steps_before_their_request),
		T(test_append_refused_with_the_fold_reason),
		T(test_offer_append_refused),
		T(test_own_request_audited_with_the_node_reason),
		T(test_auto_answer),
		T(test_auto_answer_credit_limit),
		T(test_lending_accept),
		T(test_accept_waits_for_other_writers),
		T(test_auto_answer_declines_with_the_reason),
		T(test_backdated_cancel_erases_no_debt),
		T(test_backdated_handover_does_not_beat_a_cancel),
		T(test_owner_alone_cannot_set_the_bill),
		T(test_accept_at_int64_max),
		T(test_settle_terms),
		T(test_conflict_rule),
		T(test_shuffled_arrival_same_state),
		T(test_blocks_and_waitlist_shuffled),
		T(test_reserve_and_terms),
		T(test_forfeit_graph),
		T(test_terms_shuffled_same_reserve),
		T(test_auto_answer_terms),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
