/* test_loan_read.c - the reads of lending: a loan and an offer as a command
 * decides on them (loan_read.c), and the listings of lending (view_lend.c):
 * their rows over a known history, and a refusal, never "no row", when
 * the store cannot be read (a corrupted page).
 *
 * A real SQLite store in a temporary folder, keys from fixed seeds, a
 * genesis of three founders: A owns the resources, B and C borrow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_helpers.h"
#include "entry.h"
#include "federation.h"
#include "lending.h"
#include "loan_read.h"
#include "store.h"

#include <stdlib.h>
#include <time.h>
#include "store_int.h"
#include "util.h"
#include "view.h"

#include <sodium.h>

#define H 3600000LL
#define D (24 * H)
#define T0 1796083200000LL /* 2026-12-01T00:00:00Z */
#define DAY(n) (T0 + (int64_t)(n) * D)

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

/* ---- fixture: a store holding a genesis, and a small history ---------- */

struct fx {
	char *dir, *path;
	struct store *s;
	uint8_t truck[32], room[32]; /* A's offers */
	uint8_t r1[32]; /* B borrows the truck days 1-3: accepted, closed, usage 2 */
	uint8_t r2[32]; /* C asks for the room day 5, 2 at once: requested */
	uint8_t r3[32]; /* C asks for the truck day 7: declined */
};

static void offer_add(struct store *s, const struct key *k, const char *title, uint32_t kind,
		      uint32_t unit, uint64_t capacity, uint64_t rate, const char *location,
		      uint8_t id[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = kind;
	o.title = (char *)title;
	o.unit = unit;
	o.capacity = capacity;
	o.rate = rate;
	o.location = (char *)location;
	o.description = location ? "Hayon, 20 m3" : NULL;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	if (store_append(s, k, &b, id))
		fail_msg("offer: %s", err_msg());
}

static void borrow(struct store *s, const struct key *k, const uint8_t res[32], int64_t start,
		   int64_t end, uint64_t q, uint8_t id[32])
{
	/* as the CLI asks: with the offer's rate and unit (invariant 10) */
	if (lending_borrow(s, k, res, start, end, q, NULL, 0, 0, NULL, id))
		fail_msg("request: %s", err_msg());
}

static void step(struct store *s, const struct key *k, int payload, const uint8_t req[32],
		 int64_t usage, int64_t rate)
{
	if (lending_append(s, k, payload, req, NULL, usage, rate, NULL))
		fail_msg("%s: %s", entry_type_name(payload), err_msg());
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->dir = tmpdir_new();
	f->path = path_in(f->dir, "store.db");
	char *cards[3] = {card_make(ka, "Alpha", "structures", NULL, 0, T0),
			  card_make(kb, "Beta", "producteurs", NULL, 0, T0),
			  card_make(kc, "Gamma", "restaurateurs", NULL, 0, T0)};
	uint8_t *gen = NULL;
	size_t glen;
	if (genesis_make(&gen, &glen, "Pole Sud", NULL, cards, 3, 0, T0))
		fail_msg("genesis_make: %s", err_msg());
	for (int i = 0; i < 3; i++)
		free(cards[i]);
	f->s = store_adopted(f->path, gen, glen);
	free(gen);

	offer_add(f->s, ka, "Camion", MUTUA__KIND__KIND_VEHICLE, MUTUA__UNIT__UNIT_DAY, 1, 1000,
		  "Orléans", f->truck);
	offer_add(f->s, ka, "Salle", MUTUA__KIND__KIND_ROOM, MUTUA__UNIT__UNIT_HOUR, 3, 250, NULL,
		  f->room);
	borrow(f->s, kb, f->truck, DAY(1), DAY(3), 1, f->r1);
	borrow(f->s, kc, f->room, DAY(5), DAY(5) + 2 * H, 2, f->r2);
	borrow(f->s, kc, f->truck, DAY(7), DAY(8), 1, f->r3);
	step(f->s, ka, MUTUA__BODY__PAYLOAD_ACCEPT, f->r1, -1, -1);
	step(f->s, ka, MUTUA__BODY__PAYLOAD_DECLINE, f->r3, -1, -1);
	step(f->s, ka, MUTUA__BODY__PAYLOAD_HANDOVER, f->r1, -1, -1);
	step(f->s, kb, MUTUA__BODY__PAYLOAD_GIVE_BACK, f->r1, 2000, -1);
	step(f->s, ka, MUTUA__BODY__PAYLOAD_CLOSE, f->r1, -1, -1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(&f->s);
	free(f->path);
	tmpdir_remove(&f->dir);
	free(f);
	return 0;
}

/* Closes the store, writes garbage over the first page of table's b-tree
 * and opens the store again: reading that table is then an error. */
static void corrupt_table(struct fx *f, const char *table)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT rootpage FROM sqlite_schema WHERE name = '%s'", table);
	sqlite3_stmt *st = db_prep(f->s, sql);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t page = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = db_prep(f->s, "PRAGMA page_size");
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t size = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_exec(store_db(f->s), "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
				      NULL, NULL), SQLITE_OK);
	store_close(&f->s);

	uint8_t junk[65536];
	assert_true(page > 1 && size <= (int64_t)sizeof junk);
	memset(junk, 0xee, (size_t)size);
	FILE *fp = fopen(f->path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, (long)((page - 1) * size), SEEK_SET), 0);
	assert_int_equal(fwrite(junk, 1, (size_t)size, fp), (size_t)size);
	assert_int_equal(fclose(fp), 0);
	f->s = store_open(f->path);
	if (!f->s)
		fail_msg("store_open after the damage: %s", err_msg());
}

/* ---- lending_loan_get, loan_read_offer --------------------------------------- */

static void test_loan_read_offer_gives_every_field(void **state)
{
	struct fx *f = *state;
	struct offer_info o;
	assert_int_equal(loan_read_offer(f->s, f->truck, &o), 1);
	assert_memory_equal(o.id, f->truck, 32);
	assert_memory_equal(o.owner, ka->id, 32);
	assert_string_equal(o.owner_name, "Alpha");
	assert_string_equal(o.kind, "vehicle");
	assert_string_equal(o.unit, "day");
	assert_string_equal(o.status, "active");
	assert_string_equal(o.title, "Camion");
	assert_string_equal(o.location, "Orléans");
	assert_string_equal(o.description, "Hayon, 20 m3");
	assert_int_equal(o.capacity, 1);
	assert_int_equal(o.rate, 1000);
	assert_int_equal(o.auto_accept, 0);

	assert_int_equal(loan_read_offer(f->s, f->room, &o), 1);
	assert_string_equal(o.location, "");
	assert_string_equal(o.description, "");
	assert_int_equal(o.capacity, 3);

	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__OfferWithdraw w = MUTUA__OFFER_WITHDRAW__INIT;
	w.offer.data = f->room;
	w.offer.len = 32;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW;
	b.offer_withdraw = &w;
	assert_int_equal(store_append(f->s, ka, &b, NULL), 0);
	assert_int_equal(loan_read_offer(f->s, f->room, &o), 1);
	assert_string_equal(o.status, "withdrawn");

	/* a loan is not an offer */
	assert_int_equal(loan_read_offer(f->s, f->r1, &o), 0);
}

/* A store that cannot be read refuses: -1 and a reason, not "no such
 * loan" (which a caller would turn into "no request with id ..."). */
static void test_reads_fail_closed(void **state)
{
	struct fx *f = *state;
	struct lending_loan l;
	struct offer_info o;
	corrupt_table(f, "loans");
	err_set("none");
	assert_int_equal(lending_loan_get(f->s, f->r1, &l), -1);
	assert_non_null(strstr(err_msg(), "malformed"));
	corrupt_table(f, "resources");
	err_set("none");
	assert_int_equal(loan_read_offer(f->s, f->truck, &o), -1);
	assert_non_null(strstr(err_msg(), "malformed"));
}

/* ---- the views ---------------------------------------------------------- */

/* The rows of v as "col=value ..." lines (malloc'd); NULL on an error. */
static char *rows_of(struct store *s, const struct view *v, const struct view_arg *a, size_t n,
		     int *count)
{
	struct view_rows *r = view_open(s, v, a, n, 0);
	if (!r)
		return NULL;
	size_t len = 0, cap = 256;
	char *out = malloc(cap);
	assert_non_null(out);
	out[0] = 0;
	int rc;
	*count = 0;
	while ((rc = view_next(r)) == 1) {
		for (int i = 0; i < view_columns(r); i++) {
			const char *t = view_text(r, i);
			size_t need = strlen(view_name(r, i)) + (t ? strlen(t) : 4) + 3;
			if (len + need + 1 > cap) {
				cap = 2 * (cap + need);
				out = realloc(out, cap);
				assert_non_null(out);
			}
			len += (size_t)sprintf(out + len, "%s=%s%c", view_name(r, i), t ? t : "NULL",
					       i + 1 < view_columns(r) ? ' ' : '\n');
		}
		++*count;
	}
	view_close(&r);
	if (rc < 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The rows of v must number n and hold each of the words given. */
static void expect_rows(struct store *s, const struct view *v, const struct view_arg *a,
			size_t nargs, int n, const char *const *words)
{
	int count;
	char *rows = rows_of(s, v, a, nargs, &count);
	if (!rows)
		fail_msg("view %s: %s", v->name, err_msg());
	if (count != n)
		fail_msg("view %s: %d rows, expected %d:\n%s", v->name, count, n, rows);
	for (int i = 0; words && words[i]; i++)
		if (!strstr(rows, words[i]))
			fail_msg("view %s: no '%s' in:\n%s", v->name, words[i], rows);
	free(rows);
}

static void test_views_of_lending(void **state)
{
	struct fx *f = *state;
	char hex[65], prefix[13];
	int count;
	/* times print in local time with its offset, amounts in the reader's
	 * style (mutua_time, mutua_amount): fixed here */
	assert_int_equal(setenv("TZ", "UTC0", 1), 0);
	tzset();
	assert_int_equal(setenv("LC_ALL", "C", 1), 0);

	/* offers: both active; by kind; by owner; free over a slot */
	expect_rows(f->s, &view_offers,
		    (struct view_arg[]){VIEW_NULL, VIEW_NULL, VIEW_INT(0)}, 3, 2,
		    (const char *[]){"title=Camion", "title=Salle", "free=NULL", NULL});
	expect_rows(f->s, &view_offers, (struct view_arg[]){VIEW_TEXT("room"), VIEW_NULL,
							   VIEW_INT(0)}, 3, 1,
		    (const char *[]){"title=Salle", NULL});
	expect_rows(f->s, &view_offers,
		    (struct view_arg[]){VIEW_NULL, VIEW_ID(kb->id), VIEW_INT(0)}, 3, 0, NULL);
	/* days 1-3 the truck is lent (closed loans hold their slot): the room only */
	expect_rows(f->s, &view_offers,
		    (struct view_arg[]){VIEW_NULL, VIEW_NULL, VIEW_INT(0), VIEW_INT(DAY(2)),
					VIEW_INT(DAY(2) + H)}, 5, 1,
		    (const char *[]){"title=Salle", "free=3", NULL});
	hex_encode(hex, f->truck, 32);
	expect_rows(f->s, &view_offer, (struct view_arg[]){VIEW_ID(f->truck)}, 1, 1,
		    (const char *[]){hex, "location=Orléans", "owner_name=Alpha", "rate=10.00",
				     NULL});

	/* requests: A owns three; B borrows one; C's pending one, and its conflict */
	expect_rows(f->s, &view_requests,
		    (struct view_arg[]){VIEW_INT(1), VIEW_INT(0), VIEW_ID(ka->id), VIEW_NULL}, 4,
		    3, (const char *[]){"state=closed", "state=requested", "state=declined", NULL});
	expect_rows(f->s, &view_requests,
		    (struct view_arg[]){VIEW_INT(1), VIEW_INT(1), VIEW_ID(kb->id), VIEW_NULL}, 4,
		    1, (const char *[]){"state=closed", "credits=20.00", "usage=2.0",
					"from=2026-12-02 00:00 +00:00", NULL});
	expect_rows(f->s, &view_requests,
		    (struct view_arg[]){VIEW_INT(0), VIEW_INT(1), VIEW_ID(kc->id),
					VIEW_TEXT("requested")}, 4,
		    1, (const char *[]){"resource_title=Salle", "conflict=NULL", NULL});

	/* the calendar: the closed loan holds its slot; the pending and the
	 * declined requests do not */
	expect_rows(f->s, &view_calendar,
		    (struct view_arg[]){VIEW_INT(0), VIEW_INT(INT64_MAX), VIEW_NULL}, 3, 1,
		    (const char *[]){"borrower_name=Beta", "state=closed", NULL});
	expect_rows(f->s, &view_calendar,
		    (struct view_arg[]){VIEW_INT(DAY(3)), VIEW_INT(INT64_MAX), VIEW_NULL}, 3, 0,
		    NULL);
	expect_rows(f->s, &view_calendar,
		    (struct view_arg[]){VIEW_INT(0), VIEW_INT(INT64_MAX), VIEW_ID(f->room)}, 3, 0,
		    NULL);

	/* balances sum to zero */
	expect_rows(f->s, &view_balances, (struct view_arg[]){VIEW_NULL}, 1, 3,
		    (const char *[]){"name=Alpha balance=20.00", "name=Beta balance=-20.00",
				     "name=Gamma balance=0.00", NULL});
	/* in the French style: a decimal comma */
	assert_int_equal(setenv("LC_ALL", "fr_FR.UTF-8", 1), 0);
	expect_rows(f->s, &view_balances, (struct view_arg[]){VIEW_NULL}, 1, 3,
		    (const char *[]){"name=Beta balance=-20,00", NULL});
	assert_int_equal(setenv("LC_ALL", "C", 1), 0);
	expect_rows(f->s, &view_balances, (struct view_arg[]){VIEW_ID(kc->id)}, 1, 1,
		    (const char *[]){"loans=0", NULL});

	/* settled loans, the columns of the CSV export */
	hex_encode(hex, f->r1, 32);
	expect_rows(f->s, &view_settled_loans,
		    (struct view_arg[]){VIEW_INT(0), VIEW_INT(INT64_MAX)}, 2, 1,
		    (const char *[]){hex, "usage=2.000", "rate=10.00", "credits=20.00", NULL});
	expect_rows(f->s, &view_settled_loans,
		    (struct view_arg[]){VIEW_INT(0), VIEW_INT(1)}, 2, 0, NULL);

	/* ids: an offer prefix finds the offer, not the loans, and back */
	uint8_t out[32];
	char cand[VIEW_CANDIDATES][65];
	hex_encode(hex, f->room, 32);
	snprintf(prefix, sizeof prefix, "%.12s", hex);
	assert_int_equal(view_resolve_id(f->s, &view_offer_ids, prefix, out, cand, &count), 1);
	assert_memory_equal(out, f->room, 32);
	assert_int_equal(view_resolve_id(f->s, &view_loan_ids, prefix, out, cand, &count), 0);
	hex_encode(hex, f->r2, 32);
	snprintf(prefix, sizeof prefix, "%.12s", hex);
	assert_int_equal(view_resolve_id(f->s, &view_loan_ids, prefix, out, cand, &count), 1);
	assert_memory_equal(out, f->r2, 32);
}

/* A listing over a store that cannot be read is an error, not an empty
 * list: a balance, a calendar or an export is never silently short. */
static void test_views_fail_closed(void **state)
{
	struct fx *f = *state;
	int count;
	corrupt_table(f, "balances"); /* the sums of the settlements */
	assert_null(rows_of(f->s, &view_balances, (struct view_arg[]){VIEW_NULL}, 1, &count));
	assert_non_null(strstr(err_msg(), "balances"));
	assert_non_null(strstr(err_msg(), "malformed"));
	corrupt_table(f, "loans");
	assert_null(rows_of(f->s, &view_calendar,
			    (struct view_arg[]){VIEW_INT(0), VIEW_INT(INT64_MAX), VIEW_NULL}, 3,
			    &count));
	assert_null(rows_of(f->s, &view_settled_loans,
			    (struct view_arg[]){VIEW_INT(0), VIEW_INT(INT64_MAX)}, 2, &count));
	assert_null(rows_of(f->s, &view_requests,
			    (struct view_arg[]){VIEW_INT(1), VIEW_INT(1), VIEW_ID(ka->id),
						VIEW_NULL}, 4, &count));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_loan_read_offer_gives_every_field),
		T(test_reads_fail_closed),
		T(test_views_of_lending),
		T(test_views_fail_closed),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
