/* test_staff.c - delegations to staff (staff.c, staff.h): what entry_decode
 * refuses in a delegation (roles, until, the card), where a delegation is
 * in force in its member's feed (staff_may), a revocation of another
 * member's delegation or of none without effect (refused by the member's
 * own node, named by staff_ignored_sql), and the same tables and verdicts in
 * every arrival order of two feeds. Staff acts: the act message pinned (a
 * known answer), signed and verified; what entry_decode refuses in an act;
 * the role each payload needs; store_append refusing every act the rule
 * does not cover (no such delegation, another key, a role missing,
 * revoked before the entry, past until by the entry's signed time, a
 * replayed nonce) and taking an admin's delegation; the same acts'
 * verdicts in every arrival order and after a refold.
 *
 * Real SQLite stores in a temporary folder, keys from fixed seeds, a
 * genesis of two founders A and B; L and M are staff people's keys.
 * Entries reach other stores through store_insert_batch, as from a peer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_helpers.h"
#include "entry.h"
#include "federation.h"
#include "fixture.h"
#include "ignored.h"
#include "staff.h"
#include "store.h"
#include "util.h"

#include <sodium.h>
#include <time.h>

#define D 86400000LL
#define T0 1793491200000LL /* 2026-11-01T00:00:00Z: every DAY(n) used is past */
#define DAY(n) (T0 + (int64_t)(n) * D)
#define BORROW ENTRY_ROLE_BORROW
#define LEND ENTRY_ROLE_LEND
#define ADMIN ENTRY_ROLE_ADMIN
/* L's signature over the known-answer act message */
#define ACT_KAT_SIG \
	"a104f0df288d31563312f97b9f6544415a84e758ff77dffa71ba82cf76003c23" \
	"4022b48c99e552fe3cb88be186ff4aae4e02d6e25922382764a381781503b80e"

static struct key *ka, *kb, *kl, *km;

static int group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	ka = key_seeded(0xa1);
	kb = key_seeded(0xb2);
	kl = key_seeded(0x1e);
	km = key_seeded(0x3e);
	return ka && kb && kl && km ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	key_destroy(&ka);
	key_destroy(&kb);
	key_destroy(&kl);
	key_destroy(&km);
	return 0;
}

static int setup(void **state)
{
	const struct fx_member m[] = {{ka, "Alpha", ""}, {kb, "Beta", ""}};
	struct fx *f = fx_new();
	fx_genesis(f, m, 2, 0, T0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* ---- entries ---------------------------------------------------------- */

/* Signs b as k's next entry in s at time, as a patched node would (no
 * rule asked): 0 and e filled, or -1 when entry_decode refuses it. */
static int seal(struct store *s, const struct key *k, Mutua__Body *b, int64_t time,
		struct entry *e)
{
	fx_next(s, k, b, time);
	return entry_seal(e, k, b);
}

/* The same with staff's act under del (nonce; 0 random) inside: what a
 * patched node signs with a staff person's act, no rule asked. */
static int seal_act(struct store *s, const struct key *k, Mutua__Body *b, int64_t time,
		    const struct key *staff, const uint8_t del[32], uint64_t nonce,
		    struct entry *e)
{
	static Mutua__StaffAct act;
	static uint8_t sig[64], d[32];
	memcpy(d, del, 32);
	fx_next(s, k, b, time);
	assert_int_equal(staff_act_sign(b, staff, d, nonce, &act, sig), 0);
	return entry_seal(e, k, b);
}

/* A card of k's keys, signed by sk (k itself for a good one). */
static Mutua__Card *card_of(const struct key *k)
{
	char *text = card_make(k, "Staff", "", NULL, 0, T0);
	assert_non_null(text);
	Mutua__Card *c = card_decode(text, NULL);
	free(text);
	assert_non_null(c);
	return c;
}

/* Delegation body of card c: roles, until (0: none). */
static void delegation_body(Mutua__Body *b, Mutua__Delegation *d, Mutua__Card *c,
			    const char *name, uint32_t *roles, size_t n, int64_t until)
{
	mutua__body__init(b);
	mutua__delegation__init(d);
	d->card = c;
	d->name = (char *)name;
	d->roles = roles;
	d->n_roles = n;
	d->has_until = until != 0;
	d->until = until;
	b->payload_case = MUTUA__BODY__PAYLOAD_DELEGATION;
	b->delegation = d;
}

static void delegate(struct store *s, const struct key *k, const struct key *staff,
		     uint32_t *roles, size_t n, int64_t until, int64_t time, uint8_t id[32])
{
	Mutua__Body b;
	Mutua__Delegation d;
	Mutua__Card *c = card_of(staff);
	struct entry e;
	delegation_body(&b, &d, c, "Léa Martin", roles, n, until);
	if (seal(s, k, &b, time, &e))
		fail_msg("delegation refused: %s", err_msg());
	fx_put(s, &e, id);
	mutua__card__free_unpacked(c, NULL);
}

static void revoke_as(struct store *s, const struct key *k, const uint8_t del[32], int64_t time,
		   uint8_t id[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Revocation r = MUTUA__REVOCATION__INIT;
	struct entry e;
	r.delegation = (ProtobufCBinaryData){32, (uint8_t *)del};
	r.reason = "a quitté l'association";
	b.payload_case = MUTUA__BODY__PAYLOAD_REVOCATION;
	b.revocation = &r;
	if (seal(s, k, &b, time, &e))
		fail_msg("revocation refused: %s", err_msg());
	fx_put(s, &e, id);
}

/* An entry of k's feed that is neither (a profile), to move it on. */
static void filler(struct store *s, const struct key *k, int64_t time)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	struct entry e;
	Mutua__Profile p = MUTUA__PROFILE__INIT;
	uint8_t xk[32];
	memcpy(xk, k->xpk, 32);
	p.name = k == ka ? "Alpha" : "Beta";
	p.transport_key = (ProtobufCBinaryData){32, xk};
	b.payload_case = MUTUA__BODY__PAYLOAD_PROFILE;
	b.profile = &p;
	if (seal(s, k, &b, time, &e))
		fail_msg("profile refused: %s", err_msg());
	fx_put(s, &e, NULL);
}

/* ---- decode ----------------------------------------------------------- */

static void expect_refused(struct store *s, Mutua__Body *b, const char *why)
{
	struct entry e;
	if (seal(s, ka, b, DAY(1), &e) == 0) {
		entry_free(&e);
		fail_msg("accepted, expected: %s", why);
	}
	if (!strstr(err_msg(), why))
		fail_msg("refused with '%s', expected '%s'", err_msg(), why);
}

static void test_decode_refuses_bad_delegations(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	Mutua__Body b;
	Mutua__Delegation d;
	Mutua__Card *c = card_of(kl);
	uint32_t dup[] = {BORROW, BORROW}, unsorted[] = {LEND, BORROW}, unknown[] = {4},
		 ok[] = {BORROW, LEND};

	delegation_body(&b, &d, c, "Léa", dup, 2, 0);
	expect_refused(s, &b, "roles must be sorted, each once");
	delegation_body(&b, &d, c, "Léa", unsorted, 2, 0);
	expect_refused(s, &b, "roles must be sorted, each once");
	delegation_body(&b, &d, c, "Léa", unknown, 1, 0);
	expect_refused(s, &b, "role 4 unknown");
	delegation_body(&b, &d, c, "Léa", ok, 0, 0);
	expect_refused(s, &b, "delegation of 0 roles");
	delegation_body(&b, &d, c, "Léa", ok, 2, 1000);
	expect_refused(s, &b, "until out of range");
	delegation_body(&b, &d, c, "", ok, 2, 0);
	expect_refused(s, &b, "empty name");
	delegation_body(&b, &d, c, "Léa\nMartin", ok, 2, 0);
	expect_refused(s, &b, "name");

	/* the card's self-signature */
	c->sig.data[3] ^= 1;
	delegation_body(&b, &d, c, "Léa", ok, 2, 0);
	expect_refused(s, &b, "card");
	c->sig.data[3] ^= 1;
	/* the member's own card */
	Mutua__Card *own = card_of(ka);
	delegation_body(&b, &d, own, "Léa", ok, 2, 0);
	expect_refused(s, &b, "another key than the member's own");
	mutua__card__free_unpacked(own, NULL);

	/* a transport key of 31 bytes, validly self-signed */
	Mutua__CardBody *cb = mutua__card_body__unpack(NULL, c->body.len, c->body.data);
	assert_non_null(cb);
	cb->transport_key.len = 31;
	size_t n = mutua__card_body__get_packed_size(cb);
	uint8_t body[512], m[600], sig[64];
	assert_true(n < sizeof body);
	mutua__card_body__pack(cb, body);
	mutua__card_body__free_unpacked(cb, NULL);
	memcpy(m, CARD_SIG_DOMAIN, sizeof CARD_SIG_DOMAIN);
	memcpy(m + sizeof CARD_SIG_DOMAIN, body, n);
	crypto_sign_detached(sig, NULL, m, sizeof CARD_SIG_DOMAIN + n, kl->sign_sk);
	Mutua__Card bad = MUTUA__CARD__INIT;
	bad.body = (ProtobufCBinaryData){n, body};
	bad.sig = (ProtobufCBinaryData){64, sig};
	delegation_body(&b, &d, &bad, "Léa", ok, 2, 0);
	expect_refused(s, &b, "card is damaged");

	/* a revocation names 32 bytes */
	Mutua__Body rb = MUTUA__BODY__INIT;
	Mutua__Revocation r = MUTUA__REVOCATION__INIT;
	uint8_t id[31] = {0};
	r.delegation = (ProtobufCBinaryData){31, id};
	rb.payload_case = MUTUA__BODY__PAYLOAD_REVOCATION;
	rb.revocation = &r;
	expect_refused(s, &rb, "delegation id must be 32 bytes");

	/* and the good one passes */
	delegation_body(&b, &d, c, "Léa", ok, 2, DAY(30));
	struct entry e;
	assert_int_equal(seal(s, ka, &b, DAY(1), &e), 0);
	entry_free(&e);
	mutua__card__free_unpacked(c, NULL);
}

/* ---- in force --------------------------------------------------------- */

static int may(struct store *s, const struct key *member, const struct key *staff,
	       uint32_t role, int64_t place, int64_t time, const char *why_part)
{
	char why[200];
	int rc = staff_may(s, member->id, staff->id, role, place, time, why, sizeof why);
	assert_true(rc >= 0);
	if (why_part && !strstr(why, why_part))
		fail_msg("role %u place %lld: why '%s', expected '%s'", role, (long long)place, why,
			 why_part);
	return rc;
}

static void test_in_force_by_place_role_and_until(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint32_t bl[] = {BORROW, LEND};
	uint8_t d1[32], r1[32];
	filler(s, ka, DAY(1));                        /* place 1 */
	delegate(s, ka, kl, bl, 2, DAY(10), DAY(2), d1); /* place 2 */
	filler(s, ka, DAY(3));                        /* place 3 */
	revoke_as(s, ka, d1, DAY(4), r1);                /* place 4 */

	assert_int_equal(may(s, ka, kl, BORROW, 1, DAY(1), "no delegation"), 0);
	assert_int_equal(may(s, ka, kl, BORROW, 2, DAY(2), "no delegation"), 0);
	assert_int_equal(may(s, ka, kl, BORROW, 3, DAY(3), NULL), 1);
	assert_int_equal(may(s, ka, kl, LEND, 3, DAY(3), NULL), 1);
	assert_int_equal(may(s, ka, kl, ADMIN, 3, DAY(3), "does not grant the role admin"), 0);
	/* until is compared with the acting entry's signed time */
	assert_int_equal(may(s, ka, kl, BORROW, 3, DAY(10), NULL), 1);
	assert_int_equal(may(s, ka, kl, BORROW, 3, DAY(10) + 1, "ended"), 0);
	/* from the revocation's place on */
	assert_int_equal(may(s, ka, kl, BORROW, 5, DAY(4), "revoked"), 0);
	assert_int_equal(may(s, ka, kl, BORROW, INT64_MAX, DAY(4), "revoked"), 0);
	/* another key, another member */
	assert_int_equal(may(s, ka, km, BORROW, 3, DAY(3), "no delegation"), 0);
	assert_int_equal(may(s, kb, kl, BORROW, 3, DAY(3), "no delegation"), 0);

	/* a new delegation of the same key after the revocation */
	uint32_t a[] = {ADMIN};
	uint8_t d2[32];
	delegate(s, ka, kl, a, 1, 0, DAY(5), d2);     /* place 5 */
	assert_int_equal(may(s, ka, kl, ADMIN, 6, DAY(40), NULL), 1);
	assert_int_equal(may(s, ka, kl, BORROW, 6, DAY(5), "revoked"), 0);

	/* the same after a refold */
	assert_int_equal(store_reindex(s), 0);
	assert_int_equal(may(s, ka, kl, BORROW, 3, DAY(3), NULL), 1);
	assert_int_equal(may(s, ka, kl, BORROW, 5, DAY(4), "revoked"), 0);
	assert_int_equal(may(s, ka, kl, ADMIN, 6, DAY(40), NULL), 1);
}

/* ---- hostile revocations ---------------------------------------------- */

struct seen {
	int n;
	char why[4][120];
};

/* A revocation staff_ignored_sql names: its member, seq, target, why. */
static void on_ignored(void *arg, const struct ignored_row *r)
{
	struct seen *v = arg;
	if (v->n < 4)
		snprintf(v->why[v->n], sizeof v->why[0], "%s", r->text[1]);
	v->n++;
}

static void test_revocation_of_another_members_delegation(void **state)
{
	struct fx *f = *state;
	struct store *sa = fx_store(f), *sb = fx_store(f);
	uint32_t bo[] = {BORROW};
	uint8_t d1[32], r1[32], nothing[32];
	delegate(sa, ka, kl, bo, 1, 0, DAY(1), d1);
	/* B's own node refuses to sign a revocation of A's delegation */
	assert_int_equal(staff_revoke(sb, kb, d1, NULL), -1);
	assert_non_null(strstr(err_msg(), STAFF_NO_SUCH));
	/* B's patched node signs it; A's store takes it, and it does nothing */
	revoke_as(sb, kb, d1, DAY(2), r1);
	struct entry e;
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Revocation r = MUTUA__REVOCATION__INIT;
	r.delegation = (ProtobufCBinaryData){32, d1};
	b.payload_case = MUTUA__BODY__PAYLOAD_REVOCATION;
	b.revocation = &r;
	/* the same entry again, into A's store (B's seq 1) */
	sqlite3_stmt *st = db_prep(sb, "SELECT body, sig FROM entries WHERE id = ?1");
	sqlite3_bind_blob(st, 1, r1, 32, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(entry_decode(&e, sqlite3_column_blob(st, 0),
				      (size_t)sqlite3_column_bytes(st, 0),
				      sqlite3_column_blob(st, 1), 64), 0);
	sqlite3_finalize(st);
	fx_put(sa, &e, NULL);
	assert_int_equal(may(sa, ka, kl, BORROW, INT64_MAX, DAY(3), NULL), 1);
	/* A's revocation of nothing: refused by its node, ignored when forged */
	memset(nothing, 7, sizeof nothing);
	assert_int_equal(staff_revoke(sa, ka, nothing, NULL), -1);
	assert_non_null(strstr(err_msg(), STAFF_NO_SUCH));
	revoke_as(sa, ka, nothing, DAY(3), NULL);
	/* A's revocation, then once more: the second is without effect */
	assert_int_equal(staff_revoke(sa, ka, d1, "fin de contrat"), 0);
	assert_int_equal(staff_revoke(sa, ka, d1, NULL), -1);
	assert_non_null(strstr(err_msg(), STAFF_ALREADY));
	assert_int_equal(may(sa, ka, kl, BORROW, INT64_MAX, DAY(3), "revoked"), 0);

	struct seen v = {0};
	assert_int_equal(ignored_each(sa, staff_ignored_sql, NULL, on_ignored, &v), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.why[0], STAFF_NO_SUCH);
	assert_string_equal(v.why[1], STAFF_NO_SUCH);
	(void)b;
}

/* ---- arrival orders --------------------------------------------------- */

static int64_t db_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st = db_prep(s, sql);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void offer_body(struct store *s, const struct key *k, Mutua__Body *b, Mutua__Offer *o,
		       const char *title);

/* An offer titled title of k's, with staff's act under del, as received. */
static void act_put(struct store *s, const struct key *k, const struct key *staff,
		    const uint8_t del[32], uint64_t nonce, int64_t time, const char *title)
{
	Mutua__Body b;
	Mutua__Offer o;
	struct entry e;
	offer_body(s, k, &b, &o, title);
	if (seal_act(s, k, &b, time, staff, del, nonce, &e))
		fail_msg("act refused: %s", err_msg());
	fx_put(s, &e, NULL);
}

/* Every entry of s (body, sig) in (author, seq) order. */
struct rec {
	uint8_t *body, *sig;
	size_t bl;
	int feed; /* 0 A, 1 B */
};

static size_t all_entries(struct store *s, struct rec *out, size_t max)
{
	sqlite3_stmt *st = db_prep(s, "SELECT body, sig, author = ?1 FROM entries ORDER BY author,"
				      " seq");
	sqlite3_bind_blob(st, 1, kb->id, 32, SQLITE_STATIC);
	size_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW && n < max) {
		out[n].bl = (size_t)sqlite3_column_bytes(st, 0);
		out[n].body = malloc(out[n].bl);
		out[n].sig = malloc(64);
		memcpy(out[n].body, sqlite3_column_blob(st, 0), out[n].bl);
		memcpy(out[n].sig, sqlite3_column_blob(st, 1), 64);
		out[n].feed = sqlite3_column_int(st, 2);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

static char *state_of(struct store *s)
{
	static const char sql[] =
		"SELECT 'd', id, member, key, xkey, name, roles, mask, until_ms, seq, place"
		" FROM delegations UNION ALL SELECT 'r', id, delegation, member, seq, place,"
		" reason, NULL, NULL, NULL, NULL FROM revocations"
		" UNION ALL SELECT 'a', id, member, key, delegation, nonce, role, verdict, seq,"
		" place, NULL FROM acts"
		" UNION ALL SELECT 'o', id, owner, title, status, NULL, NULL, NULL, NULL, NULL,"
		" NULL FROM resources ORDER BY 1, 2";
	char *dump = db_dump(s, sql);
	struct seen v = {0};
	assert_int_equal(ignored_each(s, staff_ignored_sql, NULL, on_ignored, &v), 0);
	char verdicts[1024];
	int used = snprintf(verdicts, sizeof verdicts, "ignored %d:", v.n);
	for (int i = 0; i < v.n && i < 4; i++)
		used += snprintf(verdicts + used, sizeof verdicts - (size_t)used, " %s", v.why[i]);
	struct key *const *members[] = {&ka, &kb}, *const *staff[] = {&kl, &km};
	for (int m = 0; m < 2; m++)
		for (int k = 0; k < 2; k++)
			for (uint32_t role = 1; role <= 3; role++)
				for (int64_t place = 1; place <= 8; place++) {
					char why[200];
					int rc = staff_may(s, (*members[m])->id, (*staff[k])->id, role,
							   place, DAY(6), why, sizeof why);
					used += snprintf(verdicts + used,
							 sizeof verdicts - (size_t)used, "%d",
							 rc);
				}
	size_t n = strlen(dump) + strlen(verdicts) + 2;
	char *out = malloc(n);
	snprintf(out, n, "%s\n%s", dump, verdicts);
	free(dump);
	return out;
}

static void test_same_state_in_every_arrival_order(void **state)
{
	struct fx *f = *state;
	struct store *src = fx_store(f), *sb = fx_store(f);
	uint32_t bl[] = {BORROW, LEND}, a[] = {ADMIN}, l[] = {LEND};
	uint8_t d1[32], d2[32], d3[32], d4[32];
	/* A: delegates L and M, revokes L, delegates L again */
	delegate(src, ka, kl, bl, 2, DAY(20), DAY(1), d1);
	delegate(src, ka, km, a, 1, 0, DAY(2), d2);
	filler(src, ka, DAY(3));
	revoke_as(src, ka, d1, DAY(4), NULL);
	delegate(src, ka, kl, l, 1, DAY(5), DAY(5), d4);
	/* L's acts for A: under the revoked delegation (without effect),
	 * under the new one (taken), its nonce again (a replay), past its
	 * until (ended); M, admin, delegates L for borrow (taken) */
	act_put(src, ka, kl, d1, 1, DAY(5), "Revoked van");
	act_put(src, ka, kl, d4, 2, DAY(5), "Van");
	act_put(src, ka, kl, d4, 2, DAY(5), "Replayed van");
	act_put(src, ka, kl, d4, 3, DAY(6), "Late van");
	{
		Mutua__Body b;
		Mutua__Delegation d;
		Mutua__Card *c = card_of(kl);
		struct entry e;
		uint32_t bo[] = {BORROW};
		delegation_body(&b, &d, c, "Léa Martin", bo, 1, 0);
		assert_int_equal(seal_act(src, ka, &b, DAY(6), km, d2, 9, &e), 0);
		fx_put(src, &e, NULL);
		mutua__card__free_unpacked(c, NULL);
	}
	/* B: its own delegation of L, a forged revocation of A's M, of its
	 * own, and an offer L signs under A's delegation */
	delegate(sb, kb, kl, bl, 2, 0, DAY(1), d3);
	revoke_as(sb, kb, d2, DAY(2), NULL);
	revoke_as(sb, kb, d3, DAY(3), NULL);
	revoke_as(sb, kb, d3, DAY(4), NULL);
	act_put(sb, kb, kl, d4, 4, DAY(5), "Stolen van");
	/* B's entries into src, so src holds both feeds */
	struct rec bs[16];
	size_t nb = all_entries(sb, bs, 16);
	for (size_t i = 0; i < nb; i++) {
		if (!bs[i].feed)
			continue;
		struct raw_entry raw = {bs[i].body, bs[i].bl, bs[i].sig, 64};
		struct batch_result r;
		assert_int_equal(store_insert_batch(src, &raw, 1, &r), 0);
		assert_int_equal(r.added, 1);
	}
	for (size_t i = 0; i < nb; i++) {
		free(bs[i].body);
		free(bs[i].sig);
	}
	char *want = state_of(src);
	/* what the acts did: one offer of L's taken, M's delegation taken,
	 * the others without effect */
	assert_int_equal(db_int(src, "SELECT count(*) FROM resources"), 1);
	assert_int_equal(db_int(src, "SELECT count(*) FROM acts WHERE verdict IS NULL"), 2);
	assert_int_equal(db_int(src, "SELECT count(*) FROM acts WHERE verdict LIKE '%revoked%'"),
			 1);
	assert_int_equal(db_int(src, "SELECT count(*) FROM acts WHERE verdict = '"
				     STAFF_ACT_REPLAY "'"), 1);
	assert_int_equal(db_int(src, "SELECT count(*) FROM acts WHERE verdict LIKE '%ended%'"),
			 1);
	assert_int_equal(db_int(src, "SELECT count(*) FROM acts WHERE verdict = '"
				     STAFF_NO_SUCH "'"), 1);

	struct rec v[32];
	size_t n = all_entries(src, v, 32);
	unsigned seed = (unsigned)time(NULL);
	print_message("staff arrival orders: seed %u\n", seed);
	srand(seed);
	for (int round = 0; round < 6; round++) {
		struct store *s = fx_store(f);
		/* a random interleaving of the two feeds, each in its order */
		size_t next[2] = {0, 0}, left = n;
		size_t idx[2][32], cnt[2] = {0, 0};
		for (size_t i = 0; i < n; i++)
			idx[v[i].feed][cnt[v[i].feed]++] = i;
		while (left) {
			int which = rand() % 2;
			if (next[which] == cnt[which])
				which = !which;
			struct rec *r0 = &v[idx[which][next[which]++]];
			struct raw_entry raw = {r0->body, r0->bl, r0->sig, 64};
			struct batch_result r;
			assert_int_equal(store_insert_batch(s, &raw, 1, &r), 0);
			assert_int_equal(r.added, 1);
			left--;
		}
		char *got = state_of(s);
		if (strcmp(got, want))
			fail_msg("seed %u round %d:\n%s\nwant\n%s", seed, round, got, want);
		free(got);
		if (round == 0) {
			assert_int_equal(store_reindex(s), 0);
			got = state_of(s);
			assert_string_equal(got, want);
			free(got);
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(v[i].body);
		free(v[i].sig);
	}
	free(want);
}

/* ---- staff acts -------------------------------------------------------- */

/* The act message of a vote (proposal 0x11..., choice 1) in the feed of
 * author 0xbb... of federation 0xaa..., under delegation 0x22..., nonce
 * 0x0102030405060708: the bytes pinned (a known-answer vector), then L's
 * signature over them (Ed25519 is deterministic). */
static void test_act_message_known_answer(void **state)
{
	(void)state;
	uint8_t fed[32], author[32], prop[32], del[32];
	memset(fed, 0xaa, 32);
	memset(author, 0xbb, 32);
	memset(prop, 0x11, 32);
	memset(del, 0x22, 32);
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Vote v = MUTUA__VOTE__INIT;
	v.proposal = (ProtobufCBinaryData){32, prop};
	v.choice = 1;
	b.federation = (ProtobufCBinaryData){32, fed};
	b.author = (ProtobufCBinaryData){32, author};
	b.payload_case = MUTUA__BODY__PAYLOAD_VOTE;
	b.vote = &v;
	uint8_t *m;
	size_t n;
	assert_int_equal(staff_act_message(&b, del, 0x0102030405060708ULL, &m, &n), 0);
	static const char want[] =
		"6d7574756120737461666620616374207631" "0a"           /* "mutua staff act v1\n" */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"    /* federation */
		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"    /* author */
		"2222222222222222222222222222222222222222222222222222222222222222"    /* delegation */
		"0102030405060708"                                                    /* nonce */
		"0000001f"                                                            /* field 31 */
		"0a20" "1111111111111111111111111111111111111111111111111111111111111111" "1001";
	char hex[2 * 200 + 1];
	assert_true(n <= 200);
	sodium_bin2hex(hex, sizeof hex, m, n);
	assert_string_equal(hex, want);
	assert_int_equal(n, 19 + 32 * 3 + 8 + 4 + 36);

	/* signed by L: fills the act and sets b.staff; it verifies */
	Mutua__StaffAct act;
	uint8_t sig[64];
	assert_int_equal(staff_act_sign(&b, kl, del, 0x0102030405060708ULL, &act, sig), 0);
	assert_ptr_equal(b.staff, &act);
	assert_memory_equal(act.key.data, kl->id, 32);
	assert_memory_equal(act.delegation.data, del, 32);
	assert_int_equal(act.nonce, 0x0102030405060708ULL);
	assert_int_equal(crypto_sign_verify_detached(sig, m, n, kl->id), 0);
	char sighex[129];
	sodium_bin2hex(sighex, sizeof sighex, sig, 64);
	assert_string_equal(sighex, ACT_KAT_SIG);
	free(m);
	/* nonce 0: a random non-zero one is drawn */
	assert_int_equal(staff_act_sign(&b, kl, del, 0, &act, sig), 0);
	assert_true(act.nonce != 0);
}

/* An offer body (title) for k's feed in s: federation and author set, as
 * a staff client signs it before the node appends it. */
static void offer_body(struct store *s, const struct key *k, Mutua__Body *b, Mutua__Offer *o,
		       const char *title)
{
	mutua__body__init(b);
	mutua__offer__init(o);
	o->kind = 1;
	o->title = (char *)title;
	o->unit = 2;
	o->capacity = 1;
	o->rate = 100;
	b->payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b->offer = o;
	b->federation = (ProtobufCBinaryData){32, (uint8_t *)store_fed_id(s)};
	b->author = (ProtobufCBinaryData){32, (uint8_t *)k->id};
}

/* store_append of an offer of member's signed by staff under del with
 * nonce: 0, or -1 with the refusal containing why. */
static int act_offer(struct store *s, const struct key *member, const struct key *staff,
		     const uint8_t del[32], uint64_t nonce, const char *why, uint8_t id[32])
{
	Mutua__Body b;
	Mutua__Offer o;
	Mutua__StaffAct act;
	uint8_t sig[64];
	offer_body(s, member, &b, &o, "Camion");
	assert_int_equal(staff_act_sign(&b, staff, del, nonce, &act, sig), 0);
	err_set("sentinel");
	int rc = store_append(s, member, &b, id);
	if (why && (rc == 0 || !strstr(err_msg(), why)))
		fail_msg("act refused with '%s', expected '%s'", rc ? err_msg() : "(taken)", why);
	if (!why && rc)
		fail_msg("act refused: %s", err_msg());
	return rc;
}

static void test_store_append_checks_the_act(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	uint32_t bl[] = {BORROW, LEND}, b1[] = {BORROW};
	uint8_t d1[32], d2[32], id[32], other[32];
	delegate(s, ka, kl, bl, 2, 0, DAY(1), d1);
	delegate(s, ka, km, b1, 1, 0, DAY(2), d2);
	/* L lends for A: taken, with the act inside, folded */
	act_offer(s, ka, kl, d1, 7, NULL, id);
	char sql[200];
	char hex[65];
	sodium_bin2hex(hex, sizeof hex, id, 32);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM resources WHERE id = x'%s'", hex);
	assert_int_equal(db_int(s, sql), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM acts WHERE id = x'%s' AND verdict IS NULL",
		 hex);
	assert_int_equal(db_int(s, sql), 1);
	/* every refusal of the rule, nothing appended */
	uint64_t seq0, seq1;
	uint8_t head[32];
	assert_int_equal(store_head(s, ka->id, &seq0, head), 0);
	act_offer(s, ka, kl, d1, 7, STAFF_ACT_REPLAY, NULL);
	act_offer(s, ka, km, d2, 8, "does not grant the role lend", NULL);
	act_offer(s, ka, km, d1, 9, STAFF_ACT_OTHER_KEY, NULL);
	memset(other, 0x5a, 32);
	act_offer(s, ka, kl, other, 10, STAFF_NO_SUCH, NULL);
	/* B's node cannot use A's delegation */
	act_offer(s, kb, kl, d1, 11, STAFF_NO_SUCH, NULL);
	assert_int_equal(store_head(s, ka->id, &seq1, head), 0);
	assert_int_equal(seq1, seq0);
	/* the same nonce for another member is no replay: but no delegation */
	/* a fresh nonce is taken */
	act_offer(s, ka, kl, d1, 12, NULL, NULL);
}

/* A delegation of staff's card (roles) that signer (NULL: the member
 * itself) signs for A under del, through store_append. */
static int act_delegate(struct store *s, const struct key *staff, uint32_t *roles, size_t n,
			const struct key *signer, const uint8_t del[32], uint64_t nonce,
			uint8_t id[32])
{
	Mutua__Body b;
	Mutua__Delegation d;
	Mutua__StaffAct act;
	uint8_t sig[64];
	Mutua__Card *c = card_of(staff);
	delegation_body(&b, &d, c, "Noé", roles, n, 0);
	b.federation = (ProtobufCBinaryData){32, (uint8_t *)store_fed_id(s)};
	b.author = (ProtobufCBinaryData){32, (uint8_t *)ka->id};
	if (signer)
		assert_int_equal(staff_act_sign(&b, signer, del, nonce, &act, sig), 0);
	int rc = store_append(s, ka, &b, id);
	mutua__card__free_unpacked(c, NULL);
	return rc;
}

static void test_act_rules_by_place_until_and_admin(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	struct key *kn = key_seeded(0x5e);
	uint32_t bl[] = {BORROW, LEND}, l[] = {LEND}, a[] = {ADMIN};
	uint8_t d1[32], dm[32], dn[32], d5[32], o1[32], sql_id[65];
	char sql[200];
	int64_t now = (int64_t)time(NULL) * 1000;
	delegate(s, ka, kl, bl, 2, 0, DAY(1), d1);
	act_offer(s, ka, kl, d1, 1, NULL, o1);
	/* revoked from the revocation's place on; what came before stays */
	assert_int_equal(staff_revoke(s, ka, d1, NULL), 0);
	act_offer(s, ka, kl, d1, 2, "revoked", NULL);
	assert_int_equal(store_reindex(s), 0);
	sodium_bin2hex((char *)sql_id, sizeof sql_id, o1, 32);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM resources WHERE id = x'%s'", sql_id);
	assert_int_equal(db_int(s, sql), 1);
	/* until, by the entry's signed time (the node's clock here) */
	delegate(s, ka, km, l, 1, now - D, now + 1000, dm);
	act_offer(s, ka, km, dm, 3, "ended", NULL);
	/* a staff key with admin delegates for its member; lend does not */
	delegate(s, ka, kn, a, 1, 0, now + 2000, dn);
	assert_int_equal(act_delegate(s, kl, l, 1, km, dm, 4, NULL), -1);
	assert_non_null(strstr(err_msg(), "does not grant the role admin"));
	assert_int_equal(act_delegate(s, kl, l, 1, kn, dn, 5, d5), 0);
	act_offer(s, ka, kl, d5, 6, NULL, NULL);
	/* the admin's nonce again: a replay */
	assert_int_equal(act_delegate(s, km, l, 1, kn, dn, 5, NULL), -1);
	assert_non_null(strstr(err_msg(), STAFF_ACT_REPLAY));
	/* the same verdicts after a refold */
	int64_t taken = db_int(s, "SELECT count(*) FROM acts WHERE verdict IS NULL");
	assert_int_equal(taken, 3);
	assert_int_equal(store_reindex(s), 0);
	assert_int_equal(db_int(s, "SELECT count(*) FROM acts WHERE verdict IS NULL"), taken);
	assert_int_equal(db_int(s, "SELECT count(*) FROM acts"), taken);
	key_destroy(&kn);
}

/* The role an entry needs: cancel and handover are the borrower's when
 * the member's own request made the loan, the owner's otherwise. */
static void test_role_of_each_payload(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	Mutua__Body b;
	Mutua__Offer o;
	uint8_t truck[32], req[32];
	offer_body(s, ka, &b, &o, "Camion");
	assert_int_equal(store_append(s, ka, &b, truck), 0);
	Mutua__Request r = MUTUA__REQUEST__INIT;
	r.resource = (ProtobufCBinaryData){32, truck};
	r.start = DAY(60);
	r.end = DAY(61);
	r.quantity = 1;
	mutua__body__init(&b);
	b.payload_case = MUTUA__BODY__PAYLOAD_REQUEST;
	b.request = &r;
	assert_int_equal(store_append(s, kb, &b, req), 0);
	static const struct {
		int payload;
		const struct key **by;
		uint32_t role;
	} cases[] = {
		{MUTUA__BODY__PAYLOAD_CANCEL, (const struct key **)&kb, BORROW},
		{MUTUA__BODY__PAYLOAD_CANCEL, (const struct key **)&ka, LEND},
		{MUTUA__BODY__PAYLOAD_HANDOVER, (const struct key **)&kb, BORROW},
		{MUTUA__BODY__PAYLOAD_HANDOVER, (const struct key **)&ka, LEND},
		{MUTUA__BODY__PAYLOAD_ACCEPT, (const struct key **)&ka, LEND},
		{MUTUA__BODY__PAYLOAD_CLOSE, (const struct key **)&ka, LEND},
		{MUTUA__BODY__PAYLOAD_GIVE_BACK, (const struct key **)&kb, BORROW},
		{MUTUA__BODY__PAYLOAD_DISPUTE, (const struct key **)&kb, BORROW},
		{MUTUA__BODY__PAYLOAD_AGREE, (const struct key **)&kb, BORROW},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		Mutua__Transition t = MUTUA__TRANSITION__INIT;
		struct entry e;
		uint32_t role;
		t.request = (ProtobufCBinaryData){32, req};
		mutua__body__init(&b);
		b.payload_case = cases[i].payload;
		switch (cases[i].payload) {
		case MUTUA__BODY__PAYLOAD_CANCEL: b.cancel = &t; break;
		case MUTUA__BODY__PAYLOAD_HANDOVER: b.handover = &t; break;
		case MUTUA__BODY__PAYLOAD_ACCEPT: b.accept = &t; break;
		case MUTUA__BODY__PAYLOAD_CLOSE: b.close = &t; break;
		case MUTUA__BODY__PAYLOAD_GIVE_BACK: b.give_back = &t; break;
		case MUTUA__BODY__PAYLOAD_DISPUTE: b.dispute = &t; break;
		default: b.agree = &t; break;
		}
		const struct key *k = *cases[i].by;
		assert_int_equal(seal(s, k, &b, DAY(40), &e), 0);
		memcpy(e.member, k->id, 32);
		assert_int_equal(staff_role_of(s, &e, &role), 0);
		if (role != cases[i].role)
			fail_msg("case %zu: role %u, expected %u", i, role, cases[i].role);
		entry_free(&e);
	}
	/* the others, by their payload alone; a profile takes no act */
	struct entry e;
	uint32_t role;
	offer_body(s, ka, &b, &o, "Van");
	assert_int_equal(seal(s, ka, &b, DAY(40), &e), 0);
	memcpy(e.member, ka->id, 32);
	assert_int_equal(staff_role_of(s, &e, &role), 0);
	assert_int_equal(role, LEND);
	entry_free(&e);
	mutua__body__init(&b);
	b.payload_case = MUTUA__BODY__PAYLOAD_REQUEST;
	b.request = &r;
	assert_int_equal(seal(s, kb, &b, DAY(40), &e), 0);
	memcpy(e.member, kb->id, 32);
	assert_int_equal(staff_role_of(s, &e, &role), 0);
	assert_int_equal(role, BORROW);
	entry_free(&e);
	Mutua__Vote v = MUTUA__VOTE__INIT;
	v.proposal = (ProtobufCBinaryData){32, req};
	v.choice = 1;
	mutua__body__init(&b);
	b.payload_case = MUTUA__BODY__PAYLOAD_VOTE;
	b.vote = &v;
	assert_int_equal(seal(s, ka, &b, DAY(40), &e), 0);
	memcpy(e.member, ka->id, 32);
	assert_int_equal(staff_role_of(s, &e, &role), 0);
	assert_int_equal(role, ADMIN);
	entry_free(&e);
	Mutua__Profile p = MUTUA__PROFILE__INIT;
	uint8_t xk[32];
	memcpy(xk, ka->xpk, 32);
	p.name = "Alpha";
	p.transport_key = (ProtobufCBinaryData){32, xk};
	mutua__body__init(&b);
	b.payload_case = MUTUA__BODY__PAYLOAD_PROFILE;
	b.profile = &p;
	assert_int_equal(seal(s, ka, &b, DAY(40), &e), 0);
	memcpy(e.member, ka->id, 32);
	assert_int_equal(staff_role_of(s, &e, &role), 1);
	entry_free(&e);
	/* and entry_decode refuses a profile with an act */
	uint8_t d[32] = {1};
	err_set("sentinel");
	assert_int_equal(seal_act(s, ka, &b, DAY(40), kl, d, 1, &e), -1);
	assert_non_null(strstr(err_msg(), "may not carry a staff act"));
}

/* entry_decode: an act of wrong lengths, nonce 0, the author's own key, a
 * signature that does not verify (broken, or another payload's). */
static void test_decode_refuses_bad_acts(void **state)
{
	struct fx *f = *state;
	struct store *s = fx_store(f);
	Mutua__Body b;
	Mutua__Offer o;
	Mutua__StaffAct act;
	uint8_t sig[64], del[32], shortk[31];
	struct entry e;
	memset(del, 0x22, 32);
	offer_body(s, ka, &b, &o, "Camion");
	assert_int_equal(staff_act_sign(&b, kl, del, 7, &act, sig), 0);
	b.seq = 1;
	b.time = DAY(1);
	assert_int_equal(entry_seal(&e, ka, &b), 0);
	entry_free(&e);
	/* the signature over another payload */
	o.title = "Camion volé";
	err_set("sentinel");
	assert_int_equal(entry_seal(&e, ka, &b), -1);
	assert_non_null(strstr(err_msg(), "bad staff signature"));
	o.title = "Camion";
	sig[3] ^= 1;
	assert_int_equal(entry_seal(&e, ka, &b), -1);
	assert_non_null(strstr(err_msg(), "bad staff signature"));
	sig[3] ^= 1;
	/* the same act in another feed (B's) */
	b.author = (ProtobufCBinaryData){32, (uint8_t *)kb->id};
	assert_int_equal(entry_seal(&e, kb, &b), -1);
	assert_non_null(strstr(err_msg(), "bad staff signature"));
	b.author = (ProtobufCBinaryData){32, (uint8_t *)ka->id};
	act.nonce = 0;
	assert_int_equal(entry_seal(&e, ka, &b), -1);
	assert_non_null(strstr(err_msg(), "nonce is 0"));
	act.nonce = 7;
	act.key = (ProtobufCBinaryData){31, shortk};
	assert_int_equal(entry_seal(&e, ka, &b), -1);
	assert_non_null(strstr(err_msg(), "staff key must be 32 bytes"));
	act.key = (ProtobufCBinaryData){32, (uint8_t *)kl->id};
	act.sig.len = 63;
	assert_int_equal(entry_seal(&e, ka, &b), -1);
	assert_non_null(strstr(err_msg(), "staff signature must be 64 bytes"));
	act.sig.len = 64;
	act.delegation.len = 0;
	assert_int_equal(entry_seal(&e, ka, &b), -1);
	assert_non_null(strstr(err_msg(), "staff delegation id must be 32 bytes"));
	act.delegation.len = 32;
	/* the author signing as its own staff */
	assert_int_equal(staff_act_sign(&b, ka, del, 7, &act, sig), 0);
	assert_int_equal(entry_seal(&e, ka, &b), -1);
	assert_non_null(strstr(err_msg(), "entry's own author"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_decode_refuses_bad_delegations, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_in_force_by_place_role_and_until, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_revocation_of_another_members_delegation,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_state_in_every_arrival_order, setup,
						teardown),
		cmocka_unit_test(test_act_message_known_answer),
		cmocka_unit_test_setup_teardown(test_store_append_checks_the_act, setup, teardown),
		cmocka_unit_test_setup_teardown(test_act_rules_by_place_until_and_admin, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_role_of_each_payload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_refuses_bad_acts, setup, teardown),
	};
	return cmocka_run_group_tests_name("staff", tests, group_setup, group_teardown);
}
