/* test_webauth.c - the web page's accounts (webauth.c, webauth.h) and the
 * acts of a person signed in (store_act_as): a key made on the node and
 * delegated, its setup token usable once and not after its expiry, the
 * password's length, one answer for an unknown address and a wrong
 * password, the key unsealed the same at each sign-in; an offer appended
 * through store_act_as carries the person's act (covered), and after the
 * revocation the same append is refused with the staff rule's reason.
 *
 * A real SQLite store in a temporary folder holding a genesis of two
 * founders; Argon2id runs at its moderate limits (about a second each). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_helpers.h"
#include "entry.h"
#include "federation.h"
#include "fixture.h"
#include "staff.h"
#include "store.h"
#include "util.h"
#include "webauth.h"

#include <sodium.h>

#define T0 1793491200000LL /* 2026-11-01T00:00:00Z */

static struct key *ka, *kb;

static int setup(void **state)
{
	if (sodium_init() < 0)
		return -1;
	ka = key_seeded(0xa1);
	kb = key_seeded(0xb2);
	const struct fx_member m[] = {{ka, "Alpha", ""}, {kb, "Beta", ""}};
	struct fx *f = fx_new();
	fx_genesis(f, m, 2, 0, T0);
	fx_store(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	key_destroy(&ka);
	key_destroy(&kb);
	return 0;
}

static void add_lea(struct fx *f, char token[WEBAUTH_TOKEN_HEX + 1], uint8_t del[32])
{
	uint32_t roles[] = {ENTRY_ROLE_LEND};
	if (webauth_add(f->st[0], ka, ka->id, "Lea@Example.org", "Léa Martin", roles, 1, 0,
			clock_now_ms(), token, del))
		fail_msg("webauth_add: %s", err_msg());
}

static void test_email_check(void **state)
{
	(void)state;
	assert_int_equal(webauth_email_check("lea@example.org"), 0);
	assert_int_equal(webauth_email_check("lea"), -1);
	assert_int_equal(webauth_email_check("@example.org"), -1);
	assert_int_equal(webauth_email_check("lea@"), -1);
	assert_int_equal(webauth_email_check("l ea@example.org"), -1);
	assert_int_equal(webauth_email_check("lea@a@b"), -1);
	assert_int_equal(webauth_email_check("lea\x01@example.org"), -1);
}

static void test_setup_then_login(void **state)
{
	struct fx *f = *state;
	char token[WEBAUTH_TOKEN_HEX + 1], other[WEBAUTH_TOKEN_HEX + 1];
	uint8_t del[32];
	struct webauth_person who;
	struct key *k = NULL, *k2 = NULL;
	add_lea(f, token, del);
	/* the same address again: refused, whatever its case */
	uint32_t roles[] = {ENTRY_ROLE_BORROW};
	assert_int_equal(webauth_add(f->st[0], ka, ka->id, "lea@example.org", "Léa", roles, 1, 0,
				     clock_now_ms(), other, NULL), -1);
	/* a token of another length, an unknown one, a short password */
	assert_int_equal(webauth_setup(f->st[0], "abcd", "long enough pw", clock_now_ms(), &who, &k), 0);
	memset(other, 'a', WEBAUTH_TOKEN_HEX);
	other[WEBAUTH_TOKEN_HEX] = 0;
	assert_int_equal(webauth_setup(f->st[0], other, "long enough pw", clock_now_ms(), &who, &k), 0);
	assert_int_equal(webauth_setup(f->st[0], token, "short", clock_now_ms(), &who, &k), -1);
	/* expired after 7 days */
	assert_int_equal(webauth_setup(f->st[0], token, "long enough pw",
				       clock_now_ms() + WEBAUTH_SETUP_TTL_MS + 1000, &who, &k), 0);
	assert_non_null(strstr(err_msg(), "expired"));
	/* no sign-in before the setup */
	assert_int_equal(webauth_login(f->st[0], "lea@example.org", "long enough pw", &who, &k), 0);
	assert_int_equal(webauth_setup(f->st[0], token, "long enough pw", clock_now_ms(), &who, &k), 1);
	assert_non_null(k);
	assert_string_equal(who.email, "lea@example.org");
	assert_string_equal(who.name, "Léa Martin");
	assert_memory_equal(who.delegation, del, 32);
	assert_memory_equal(who.key, k->id, 32);
	key_destroy(&k);
	/* once only */
	assert_int_equal(webauth_setup(f->st[0], token, "long enough pw", clock_now_ms(), &who, &k), 0);
	/* one answer for a wrong password and an unknown address */
	assert_int_equal(webauth_login(f->st[0], "lea@example.org", "wrong password", &who, &k), 0);
	assert_null(k);
	assert_int_equal(webauth_login(f->st[0], "nobody@example.org", "long enough pw", &who, &k), 0);
	assert_int_equal(webauth_login(f->st[0], "LEA@example.org", "long enough pw", &who, &k), 1);
	assert_int_equal(webauth_login(f->st[0], "lea@example.org", "long enough pw", &who, &k2), 1);
	assert_memory_equal(k->id, k2->id, 32);
	assert_memory_equal(k->sign_sk, k2->sign_sk, sizeof k->sign_sk);
	key_destroy(&k);
	key_destroy(&k2);
	/* the secret is nowhere in the table: only its box */
	char *rows = db_dump(f->st[0], "SELECT sealed, token FROM web_accounts");
	assert_non_null(rows);
	free(rows);
}

/* An offer through store_act_as carries Léa's act; after the revocation
 * the same append is refused with the rule's reason. */
static void test_act_as(void **state)
{
	struct fx *f = *state;
	char token[WEBAUTH_TOKEN_HEX + 1];
	uint8_t del[32], id[32];
	struct webauth_person who;
	struct key *k = NULL;
	add_lea(f, token, del);
	assert_int_equal(webauth_setup(f->st[0], token, "long enough pw", clock_now_ms(), &who, &k), 1);
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = 1;
	o.title = "Salle";
	o.unit = 2;
	o.capacity = 1;
	o.rate = 1000;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	store_act_as(f->st[0], k, del);
	if (store_append(f->st[0], ka, &b, id))
		fail_msg("store_append: %s", err_msg());
	assert_null(b.staff);
	sqlite3_stmt *st = db_prep(f->st[0], "SELECT key, verdict IS NULL FROM acts WHERE id = ?");
	sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_memory_equal(sqlite3_column_blob(st, 0), k->id, 32);
	assert_int_equal(sqlite3_column_int(st, 1), 1);
	sqlite3_finalize(st);
	store_act_as(f->st[0], NULL, NULL);
	assert_int_equal(staff_revoke(f->st[0], ka, del, "left"), 0);
	store_act_as(f->st[0], k, del);
	o.title = "Salle 2";
	assert_int_equal(store_append(f->st[0], ka, &b, NULL), -1);
	assert_non_null(strstr(err_msg(), "revoked"));
	store_act_as(f->st[0], NULL, NULL);
	key_destroy(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email_check),
		cmocka_unit_test_setup_teardown(test_setup_then_login, setup, teardown),
		cmocka_unit_test_setup_teardown(test_act_as, setup, teardown),
	};
	return cmocka_run_group_tests_name("webauth", tests, NULL, NULL);
}
