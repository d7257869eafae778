/* test_governance.c - the count (governance.c): majority and weighted
 * colleges, threshold, quorum, ties, abstentions, the deadline, replaced
 * votes, votes and proposals of non-members; what passed proposals do
 * (admission, exclusion, parameters, key replacement) and what key
 * rotations do; and that the outcome is the same
 * whatever order the feeds arrive in, and after a reindex.
 *
 * Real SQLite stores in a temporary folder, keys from fixed seeds, a
 * genesis made by genesis_make_with with the rule under test. Every entry
 * is sealed here with a chosen author time (entry_seal on a Body filled by
 * hand) and reaches a store through store_insert_batch, as from a peer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <cmocka.h>

#include "store_helpers.h"
#include "entry.h"
#include "clock.h"
#include "federation.h"
#include "governance.h"
#include "member.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <sodium.h>

#define MIN 60000LL
#define H (60 * MIN)
#define D (24 * H)
#define T0 1796083200000LL /* 2026-12-01T00:00:00Z: the genesis time */
#define AT(m) (T0 + (int64_t)(m) * MIN)

#define YES VOTE_YES
#define NO VOTE_NO
#define ABSTAIN VOTE_ABSTAIN

/* Members by index: keys from the seeds 0x11, 0x22, ... */
enum { A, B, C, DD, E, X, P1, R1, R2, R3, F1, F2, F3, NK };

static const char *const names[NK] = {"Alpha", "Beta", "Gamma", "Delta", "Epsilon",
				      "Xenon", "Prod1", "Resto1", "Resto2", "Resto3",
				      "Found1", "Found2", "Found3"};
static struct key *keys[NK];

static int group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	for (int i = 0; i < NK; i++) {
		uint8_t seed[32];
		memset(seed, 0x11 * (i + 1), sizeof seed);
		if (!(keys[i] = key_new(seed)))
			return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NK; i++)
		key_destroy(&keys[i]);
	return 0;
}

/* ---- fixture ---------------------------------------------------------- */

#define STORES_MAX 8
#define RECS_MAX 1400

/* An entry sealed by the test: its author (index), seq, bytes and id. */
struct rec {
	int who;
	uint64_t seq;
	int64_t time;
	uint8_t *body;
	size_t blen;
	uint8_t sig[KEY_SIG_BYTES];
	uint8_t id[32];
};

struct fx {
	char *dir;
	uint8_t *gen;
	size_t glen;
	uint8_t fed[32];
	int nst;
	struct store *st[STORES_MAX];
	struct store *s; /* the store most tests look at */
	struct {
		uint64_t seq;
		uint8_t prev[32];
	} feed[NK];
	struct rec rec[RECS_MAX];
	size_t nrec;
};

/* A fresh store file holding the fixture's genesis. */
static struct store *fx_store(struct fx *f)
{
	char name[32];
	assert_true(f->nst < STORES_MAX);
	snprintf(name, sizeof name, "s%d.db", f->nst);
	char *p = path_in(f->dir, name);
	struct store *s = store_open(p);
	free(p);
	if (!s)
		fail_msg("store_open: %s", err_msg());
	if (store_adopt_genesis(s, f->gen, f->glen))
		fail_msg("store_adopt_genesis: %s", err_msg());
	f->st[f->nst++] = s;
	return s;
}

/* The genesis: founders (indexes, -1 ended) with their colleges (NULL: no
 * college), the rule gv (NULL: the defaults); f->s is a store holding it. */
static void fx_genesis(struct fx *f, const int *founders, const char *const *colleges,
		       const Mutua__Governance *gv)
{
	char *cards[NK] = {NULL};
	size_t n = 0;
	for (; founders[n] >= 0; n++) {
		int i = founders[n];
		cards[n] = card_make(keys[i], names[i], colleges ? colleges[n] : NULL, NULL, 0, T0);
		if (!cards[n])
			fail_msg("card_make: %s", err_msg());
	}
	if (genesis_make_with(&f->gen, &f->glen, "Cagette et Fourchette", NULL, cards, n, 0,
			      T0, gv))
		fail_msg("genesis_make_with: %s", err_msg());
	for (size_t i = 0; i < n; i++)
		free(cards[i]);
	f->s = fx_store(f);
	memcpy(f->fed, store_fed_id(f->s), 32);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->dir = tmpdir_new();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < f->nst; i++)
		store_close(&f->st[i]);
	for (size_t i = 0; i < f->nrec; i++)
		free(f->rec[i].body);
	free(f->gen);
	tmpdir_remove(&f->dir);
	free(f);
	return 0;
}

/* A majority rule, or the colleges rule over the given weights. */
static Mutua__Governance gov_majority(uint32_t threshold, uint32_t quorum, uint64_t duration)
{
	Mutua__Governance gv = MUTUA__GOVERNANCE__INIT;
	gv.rule = GOV_RULE_MAJORITY;
	gv.threshold = threshold;
	gv.quorum = quorum;
	gv.duration = duration;
	return gv;
}

static const int four[] = {A, B, C, DD, -1};

/* Four founders A B C D, majority, threshold 50, quorum 50, open 1 h. */
static void fx_four(struct fx *f)
{
	Mutua__Governance gv = gov_majority(50, 50, H);
	fx_genesis(f, four, NULL, &gv);
}

/* ---- entries ---------------------------------------------------------- */

/* Seals the next entry of who's feed with the author time t (payload set
 * by the caller), without storing it anywhere. */
static struct rec *seal(struct fx *f, int who, Mutua__Body *b, int64_t t)
{
	struct entry e;
	assert_true(f->nrec < RECS_MAX);
	b->federation.data = f->fed;
	b->federation.len = 32;
	b->author.data = keys[who]->id;
	b->author.len = 32;
	b->seq = f->feed[who].seq + 1;
	b->has_prev = b->seq > 1;
	b->prev.data = b->seq > 1 ? f->feed[who].prev : NULL;
	b->prev.len = b->seq > 1 ? 32 : 0;
	b->time = t;
	if (entry_seal(&e, keys[who], b))
		fail_msg("entry_seal: %s", err_msg());
	struct rec *r = &f->rec[f->nrec++];
	r->who = who;
	r->seq = b->seq;
	r->time = t;
	r->blen = e.body_len;
	r->body = malloc(e.body_len);
	assert_non_null(r->body);
	memcpy(r->body, e.body, e.body_len);
	memcpy(r->sig, e.sig, KEY_SIG_BYTES);
	memcpy(r->id, e.id, 32);
	entry_free(&e);
	f->feed[who].seq = b->seq;
	entry_link(f->feed[who].prev, r->id, r->sig);
	return r;
}

/* Inserts one sealed entry into s; returns how many were added (0 or 1). */
static size_t put(struct store *s, const struct rec *r)
{
	struct raw_entry raw = {r->body, r->blen, r->sig, KEY_SIG_BYTES};
	struct batch_result br;
	assert_int_equal(store_insert_batch(s, &raw, 1, &br), 0);
	assert_int_equal(br.added + br.rejected + br.duplicates, 1);
	return br.added;
}

static void put_ok(struct store *s, const struct rec *r)
{
	if (put(s, r) != 1)
		fail_msg("entry %llu of %s refused: %s", (unsigned long long)r->seq,
			 names[r->who], err_msg());
}

static void put_refused(struct store *s, const struct rec *r, const char *why)
{
	if (put(s, r) != 0)
		fail_msg("entry %llu of %s accepted, expected a refusal",
			 (unsigned long long)r->seq, names[r->who]);
	if (why && !strstr(err_msg(), why))
		fail_msg("refused with '%s', expected '%s'", err_msg(), why);
}

/* A Card message for key i (the bytes of its card line). */
static Mutua__Card *card_of(int i, const char *college)
{
	char *text = card_make(keys[i], names[i], college, NULL, 0, T0);
	assert_non_null(text);
	Mutua__Card *c = card_decode(text, NULL);
	assert_non_null(c);
	free(text);
	return c;
}

static struct rec *seal_proposal(struct fx *f, int who, Mutua__Proposal *p, int64_t t)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	b.payload_case = MUTUA__BODY__PAYLOAD_PROPOSAL;
	b.proposal = p;
	return seal(f, who, &b, t);
}

static struct rec *seal_set(struct fx *f, int who, const char *name, int64_t v, int64_t t)
{
	Mutua__Proposal p = MUTUA__PROPOSAL__INIT;
	Mutua__Parameter par = MUTUA__PARAMETER__INIT;
	par.name = (char *)name;
	par.value = v;
	p.what_case = MUTUA__PROPOSAL__WHAT_SET;
	p.set = &par;
	return seal_proposal(f, who, &p, t);
}

static struct rec *seal_admit(struct fx *f, int who, int newcomer, const char *college,
			      int64_t t)
{
	Mutua__Proposal p = MUTUA__PROPOSAL__INIT;
	p.what_case = MUTUA__PROPOSAL__WHAT_ADMIT;
	p.admit = card_of(newcomer, NULL);
	p.college = (char *)college;
	struct rec *r = seal_proposal(f, who, &p, t);
	mutua__card__free_unpacked(p.admit, NULL);
	return r;
}

static struct rec *seal_exclude(struct fx *f, int who, int target, int64_t t)
{
	Mutua__Proposal p = MUTUA__PROPOSAL__INIT;
	p.what_case = MUTUA__PROPOSAL__WHAT_EXCLUDE;
	p.exclude.data = keys[target]->id;
	p.exclude.len = 32;
	return seal_proposal(f, who, &p, t);
}

static struct rec *seal_vote(struct fx *f, int who, const uint8_t prop[32], uint32_t choice,
			     int64_t t)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Vote v = MUTUA__VOTE__INIT;
	v.proposal.data = (uint8_t *)prop;
	v.proposal.len = 32;
	v.choice = choice;
	b.payload_case = MUTUA__BODY__PAYLOAD_VOTE;
	b.vote = &v;
	return seal(f, who, &b, t);
}

static struct rec *seal_offer(struct fx *f, int who, const char *title, int64_t t)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = MUTUA__KIND__KIND_VEHICLE;
	o.title = (char *)title;
	o.unit = MUTUA__UNIT__UNIT_DAY;
	o.capacity = 1;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	return seal(f, who, &b, t);
}

/* Seal and store in f->s at once; the proposal's id is the entry id. */
static const uint8_t *propose_set(struct fx *f, int who, const char *name, int64_t v,
				  int64_t t)
{
	struct rec *r = seal_set(f, who, name, v, t);
	put_ok(f->s, r);
	return r->id;
}

static struct rec *seal_tally(struct fx *f, int who, const Mutua__Tally *t, int64_t time)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	b.payload_case = MUTUA__BODY__PAYLOAD_TALLY;
	b.tally = (Mutua__Tally *)t;
	return seal(f, who, &b, time);
}

/* who's tally of prop citing the n votes v at t; an exclusion's names
 * the cut (cut_who's key, at seq cut) when cut_who >= 0. */
static struct rec *seal_tally_of(struct fx *f, int who, const uint8_t *prop,
				 struct rec *const *v, size_t n, int64_t t, int cut_who,
				 uint64_t cut)
{
	Mutua__Tally tl = MUTUA__TALLY__INIT;
	ProtobufCBinaryData ids[16];
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++)
		ids[i] = (ProtobufCBinaryData){32, v[i]->id};
	tl.proposal = (ProtobufCBinaryData){32, (uint8_t *)prop};
	tl.votes = ids;
	tl.n_votes = n;
	if (cut_who >= 0) {
		tl.has_cut_key = tl.has_cut = 1;
		tl.cut_key = (ProtobufCBinaryData){32, keys[cut_who]->id};
		tl.cut = cut;
	}
	return seal_tally(f, who, &tl, t);
}

/* who's tally of prop, as its node would make it from what s holds at t
 * (passing_only: only when the votes pass it); NULL when none is due. */
static struct rec *make_tally(struct fx *f, struct store *s, int who, const uint8_t *prop,
			      int passing_only, int64_t t)
{
	struct gov_tally gt;
	int rc = governance_tally_make(s, prop, passing_only, t, &gt);
	if (rc < 0 && passing_only)
		return NULL;
	if (rc < 0)
		fail_msg("governance_tally_make: %s", err_msg());
	if (rc)
		return NULL;
	struct rec *r = seal_tally(f, who, &gt.t, gt.time > t ? gt.time : t);
	governance_tally_free(&gt);
	return r;
}

/* A vote, and the voter's tally when it passes the proposal (as mutua
 * vote does). */
static void vote(struct fx *f, int who, const uint8_t prop[32], uint32_t choice, int64_t t)
{
	put_ok(f->s, seal_vote(f, who, prop, choice, t));
	struct rec *r = make_tally(f, f->s, who, prop, 1, t);
	if (r)
		put_ok(f->s, r);
}

/* ---- reading the state ------------------------------------------------ */

/* Column 0 of the first row of sql (?1 = id when given), "NULL" if none. */
static const char *q_text(struct store *s, const char *sql, const uint8_t *id, char *buf,
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

static int64_t q_int(struct store *s, const char *sql, const uint8_t *id)
{
	char buf[64];
	q_text(s, sql, id, buf, sizeof buf);
	return strcmp(buf, "NULL") == 0 ? -999 : strtoll(buf, NULL, 10);
}

#define PROPOSALS_SQL "SELECT * FROM proposals ORDER BY id"

/* A proposal's outcome as "state quorum_met yes no voters eligible": yes and
 * no are the (weighted) tallies rounded to integers. */
#define OUTCOME_SQL                                                                   \
	"SELECT state || ' q' || quorum_met || ' y' || CAST(round(yes) AS INTEGER) ||" \
	" ' n' || CAST(round(no) AS INTEGER) || ' v' || voters || ' e' || eligible"    \
	" FROM proposals WHERE id = ?1"

/* What a listing reads (counted_votes, as mutua proposals does) agrees
 * with the tally: as many counted votes as voters, and, under the
 * majority rule, as many yes and no. */
#define LISTED_SQL                                                                    \
	"SELECT p.voters = (SELECT count(*) FROM counted_votes c WHERE c.proposal = p.id)" \
	" AND (p.yes = (SELECT count(*) FROM counted_votes c WHERE c.proposal = p.id"    \
	"  AND c.choice = 1) AND p.no = (SELECT count(*) FROM counted_votes c"           \
	"  WHERE c.proposal = p.id AND c.choice = 2) OR ?2) FROM proposals p WHERE p.id = ?1"

static void listing_agrees(struct store *s, const uint8_t *prop)
{
	const Mutua__Genesis *g = store_genesis(s);
	int colleges = g->governance && g->governance->rule == GOV_RULE_COLLEGES;
	sqlite3_stmt *st = db_prep(s, LISTED_SQL);
	sqlite3_bind_blob(st, 1, prop, 32, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, colleges);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int ok = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (!ok) {
		char *all = db_dump(s, PROPOSALS_SQL);
		char *votes = db_dump(s, "SELECT * FROM counted_votes ORDER BY id");
		fail_msg("the counted votes do not add up to the tally; proposals:\n%s"
			 "counted votes:\n%s", all, votes);
	}
}

static void outcome_is(struct store *s, const uint8_t *prop, const char *want)
{
	char buf[128];
	q_text(s, OUTCOME_SQL, prop, buf, sizeof buf);
	if (strcmp(buf, want) != 0) {
		char *all = db_dump(s, PROPOSALS_SQL);
		char *t = db_dump(s, "SELECT hex(proposal), seq, time, cut, verdict FROM tallies");
		char *m = db_dump(s, "SELECT hex(id), active, excluded, hex(excluded_by) FROM members");
		fail_msg("proposal outcome '%s', expected '%s'; proposals:\n%s\ntallies:\n%s\n"
			 "members:\n%s", buf, want, all, t, m);
	}
	listing_agrees(s, prop);
}

static int64_t passed_at(struct store *s, const uint8_t *prop)
{
	return q_int(s, "SELECT passed_at FROM proposals WHERE id = ?1", prop);
}

/* What the ZAP handler asks (node/sync.c, drain_zap): is this transport
 * key a current member's? The member it names is current by its id too
 * (what an append and the syncer's peers ask). */
static int zap_admits(struct store *s, int who)
{
	uint8_t id[32];
	int rc = member_current_by_xkey(s, keys[who]->xpk, id);
	assert_true(rc >= 0);
	if (rc == 1)
		assert_int_equal(member_is_current(s, id), 1);
	return rc;
}

#define MEMBERS_SQL "SELECT * FROM members ORDER BY id"
#define VOTES_SQL "SELECT * FROM votes ORDER BY id"
#define ENDPOINTS_SQL "SELECT * FROM member_endpoints ORDER BY member, url"

/* ---- majority --------------------------------------------------------- */

static void test_majority_passes_at_the_deciding_vote(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	assert_int_equal(governance_param(f->s, "credit-limit"), 0);
	const uint8_t *p = propose_set(f, A, "credit-limit", 50000, AT(1));
	outcome_is(f->s, p, "open q0 y0 n0 v0 e4");
	assert_int_equal(q_int(f->s, "SELECT deadline FROM proposals WHERE id = ?1", p),
			 AT(1) + H);
	vote(f, A, p, YES, AT(2));
	outcome_is(f->s, p, "open q0 y1 n0 v1 e4"); /* 1 of 4: no quorum */
	assert_int_equal(governance_param(f->s, "credit-limit"), 0);
	vote(f, B, p, YES, AT(3));
	outcome_is(f->s, p, "passed q1 y2 n0 v2 e4");
	assert_int_equal(passed_at(f->s, p), AT(3));
	assert_int_equal(governance_param(f->s, "credit-limit"), 50000);
	/* a passed proposal stays passed */
	vote(f, C, p, NO, AT(4));
	vote(f, DD, p, NO, AT(5));
	outcome_is(f->s, p, "passed q1 y2 n0 v2 e4"); /* the tally fixed its votes */
	assert_int_equal(passed_at(f->s, p), AT(3));
	assert_int_equal(governance_param(f->s, "credit-limit"), 50000);
}

static void test_majority_rejects(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	const uint8_t *p = propose_set(f, A, "credit-limit", 50000, AT(1));
	vote(f, A, p, YES, AT(2));
	vote(f, B, p, NO, AT(3));
	vote(f, C, p, NO, AT(4));
	/* the state column stays 'open' with the quorum met: past the
	 * deadline, `mutua proposals` shows it rejected */
	outcome_is(f->s, p, "open q1 y1 n2 v3 e4");
	assert_int_equal(passed_at(f->s, p), -999);
	assert_int_equal(governance_param(f->s, "credit-limit"), 0);
}

static void test_quorum_not_reached_expires(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	const uint8_t *p = propose_set(f, A, "credit-limit", 50000, AT(1));
	vote(f, A, p, YES, AT(2));
	/* unanimous, but 1 of 4 is under the quorum of 50 %: open, quorum_met
	 * 0, which `mutua proposals` shows as expired past the deadline */
	outcome_is(f->s, p, "open q0 y1 n0 v1 e4");
	assert_int_equal(governance_param(f->s, "credit-limit"), 0);

	/* at exactly the quorum (2 of 4 = 50 %) it is met */
	const uint8_t *q = propose_set(f, B, "credit-limit", 70000, AT(10));
	vote(f, B, q, YES, AT(11));
	outcome_is(f->s, q, "open q0 y1 n0 v1 e4");
	vote(f, C, q, YES, AT(12));
	outcome_is(f->s, q, "passed q1 y2 n0 v2 e4");
	assert_int_equal(governance_param(f->s, "credit-limit"), 70000);
}

static void test_quorum_of_three_quarters(void **state)
{
	struct fx *f = *state;
	Mutua__Governance gv = gov_majority(50, 75, H);
	fx_genesis(f, four, NULL, &gv);
	const uint8_t *p = propose_set(f, A, "credit-limit", 100, AT(1));
	vote(f, A, p, YES, AT(2));
	vote(f, B, p, YES, AT(3));
	outcome_is(f->s, p, "open q0 y2 n0 v2 e4");
	vote(f, C, p, NO, AT(4));
	outcome_is(f->s, p, "passed q1 y2 n1 v3 e4");
}

static void test_tie_is_rejected(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	const uint8_t *p = propose_set(f, A, "credit-limit", 50000, AT(1));
	/* in an order where yes never leads: the count is taken after each vote */
	vote(f, A, p, NO, AT(2));
	vote(f, B, p, YES, AT(3));
	outcome_is(f->s, p, "open q1 y1 n1 v2 e4"); /* 1-1, quorum met: a tie */
	vote(f, C, p, NO, AT(4));
	vote(f, DD, p, YES, AT(5));
	outcome_is(f->s, p, "open q1 y2 n2 v4 e4");
	assert_int_equal(passed_at(f->s, p), -999);
	assert_int_equal(governance_param(f->s, "credit-limit"), 0);
}

static void test_threshold_two_thirds(void **state)
{
	struct fx *f = *state;
	Mutua__Governance gv = gov_majority(66, 50, H);
	fx_genesis(f, four, NULL, &gv);
	const uint8_t *p = propose_set(f, A, "credit-limit", 100, AT(1));
	vote(f, A, p, NO, AT(2));
	vote(f, B, p, YES, AT(3));
	vote(f, C, p, YES, AT(4));
	/* 2 of 3 = 66.7 % > 66 % */
	outcome_is(f->s, p, "passed q1 y2 n1 v3 e4");

	const uint8_t *q = propose_set(f, A, "credit-limit", 200, AT(10));
	vote(f, A, q, NO, AT(11));
	vote(f, B, q, YES, AT(12));
	vote(f, C, q, NO, AT(13));
	vote(f, DD, q, YES, AT(14));
	outcome_is(f->s, q, "open q1 y2 n2 v4 e4");
	assert_int_equal(governance_param(f->s, "credit-limit"), 100);
}

static void test_abstentions_count_for_quorum_only(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	const uint8_t *p = propose_set(f, A, "credit-limit", 50000, AT(1));
	vote(f, B, p, ABSTAIN, AT(2));
	vote(f, C, p, ABSTAIN, AT(3));
	/* quorum met by two abstentions, but no yes: not passed */
	outcome_is(f->s, p, "open q1 y0 n0 v2 e4");
	/* one yes among one yes and no no: passes, though 1 head of 4 */
	vote(f, A, p, YES, AT(4));
	outcome_is(f->s, p, "passed q1 y1 n0 v3 e4");
	assert_int_equal(passed_at(f->s, p), AT(4));

	/* without the abstentions the same yes lacks the quorum */
	const uint8_t *q = propose_set(f, A, "credit-limit", 60000, AT(10));
	vote(f, A, q, YES, AT(11));
	outcome_is(f->s, q, "open q0 y1 n0 v1 e4");
	/* abstentions do not count against: yes 1, no 1 stays a tie */
	vote(f, B, q, NO, AT(12));
	vote(f, C, q, ABSTAIN, AT(13));
	vote(f, DD, q, ABSTAIN, AT(14));
	outcome_is(f->s, q, "open q1 y1 n1 v4 e4");
}

/* ---- the deadline and replaced votes ---------------------------------- */

static void test_late_votes_not_counted(void **state)
{
	struct fx *f = *state;
	fx_four(f); /* proposals stay open 1 h */
	const uint8_t *p = propose_set(f, A, "credit-limit", 50000, AT(1));
	int64_t deadline = AT(1) + H;
	vote(f, A, p, YES, AT(2));
	/* after the deadline by the voter's clock: stored, not counted */
	vote(f, B, p, YES, deadline + 1);
	vote(f, DD, p, YES, deadline + D);
	outcome_is(f->s, p, "open q0 y1 n0 v1 e4");
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM votes WHERE proposal = ?1", p), 3);
	assert_int_equal(governance_param(f->s, "credit-limit"), 0);
	/* at the deadline itself, still in time */
	vote(f, C, p, YES, deadline);
	outcome_is(f->s, p, "passed q1 y2 n0 v2 e4");
	assert_int_equal(passed_at(f->s, p), deadline);
}

static void test_later_vote_replaces_earlier(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	const uint8_t *p = propose_set(f, A, "credit-limit", 50000, AT(1));
	vote(f, A, p, YES, AT(2));
	vote(f, B, p, NO, AT(3));
	outcome_is(f->s, p, "open q1 y1 n1 v2 e4");
	vote(f, B, p, YES, AT(4)); /* B changes its mind: yes counts */
	outcome_is(f->s, p, "passed q1 y2 n0 v2 e4");
	assert_int_equal(passed_at(f->s, p), AT(4));

	/* a change of mind after the deadline does not count */
	const uint8_t *q = propose_set(f, A, "credit-limit", 60000, AT(10));
	vote(f, A, q, YES, AT(11));
	vote(f, B, q, NO, AT(12));
	vote(f, B, q, YES, AT(10) + H + 1);
	outcome_is(f->s, q, "open q1 y1 n1 v2 e4");

}

/* ---- non-members ------------------------------------------------------ */

static void test_vote_by_non_member_ignored(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	const uint8_t *p = propose_set(f, A, "credit-limit", 50000, AT(1));
	vote(f, A, p, YES, AT(2));
	/* X is in no genesis and no admission: its feed is refused */
	put_refused(f->s, seal_vote(f, X, p, YES, AT(3)), "not a member");
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM votes WHERE proposal = ?1", p), 1);
	outcome_is(f->s, p, "open q0 y1 n0 v1 e4");
	assert_int_equal(store_is_member(f->s, keys[X]->id), 0);
}

static void test_proposal_by_non_member_ignored(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	struct rec *xp = seal_set(f, X, "credit-limit", 1, AT(1));
	put_refused(f->s, xp, "not a member");
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM proposals", NULL), 0);
	/* votes on it go nowhere */
	vote(f, A, xp->id, YES, AT(2));
	vote(f, B, xp->id, YES, AT(3));
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM proposals", NULL), 0);
	assert_int_equal(governance_param(f->s, "credit-limit"), 0);
}

/* Finding 3: a backdated proposal does not shrink its electorate. E's
 * proposal stamped before E's admission passed counts, and every member
 * current when it is decided votes on it (five, not four). */
static void test_backdated_proposal_keeps_its_electorate(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	struct rec *adm = seal_admit(f, A, E, NULL, AT(1));
	put_ok(f->s, adm);
	vote(f, A, adm->id, YES, AT(2));
	vote(f, B, adm->id, YES, AT(3)); /* E admitted at AT(3) */
	assert_int_equal(store_is_member(f->s, keys[E]->id), 1);
	/* a proposal stamped before the admission: its time decides nothing */
	struct rec *bp = seal_set(f, A, "credit-limit", 1234, AT(2) + 1);
	put_ok(f->s, bp);
	vote(f, A, bp->id, YES, AT(4));
	vote(f, B, bp->id, YES, AT(5));
	outcome_is(f->s, bp->id, "open q0 y2 n0 v2 e5"); /* 2 of 5: no quorum */
	vote(f, E, bp->id, NO, AT(6));
	outcome_is(f->s, bp->id, "passed q1 y2 n1 v3 e5");
	assert_int_equal(governance_param(f->s, "credit-limit"), 1234);
}

/* ---- admission -------------------------------------------------------- */

static void test_admission_makes_a_member(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	/* a proposal open before the admission: E will not vote on it */
	const uint8_t *before = propose_set(f, B, "credit-limit", 100, AT(1));
	struct rec *adm = seal_admit(f, A, E, "producers", AT(2));
	put_ok(f->s, adm);
	outcome_is(f->s, adm->id, "open q0 y0 n0 v0 e4");
	char buf[256];
	assert_string_equal(q_text(f->s, "SELECT kind || ' ' || target_name FROM proposals"
					 " WHERE id = ?1", adm->id, buf, sizeof buf),
			    "admit Epsilon");

	/* the applicant's first entry is refused while it is not a member */
	struct rec *e1 = seal_offer(f, E, "Chambre froide", AT(3));
	put_refused(f->s, e1, "not a member");
	assert_int_equal(store_is_member(f->s, keys[E]->id), 0);
	assert_false(zap_admits(f->s, E));

	vote(f, A, adm->id, YES, AT(4));
	assert_int_equal(store_is_member(f->s, keys[E]->id), 0);
	vote(f, C, adm->id, YES, AT(5));
	outcome_is(f->s, adm->id, "passed q1 y2 n0 v2 e4");
	assert_int_equal(store_is_member(f->s, keys[E]->id), 1);
	assert_int_equal(store_excluded_at(f->s, keys[E]->id, NULL), 0);
	assert_true(zap_admits(f->s, E));
	/* the member row: from the card and the proposal, since the passing vote */
	sqlite3_stmt *st = db_prep(f->s, "SELECT name, college, founder, since, xkey FROM members"
				      " WHERE id = ?1");
	sqlite3_bind_blob(st, 1, keys[E]->id, 32, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(st, 0), "Epsilon");
	assert_string_equal(sqlite3_column_text(st, 1), "producers");
	assert_int_equal(sqlite3_column_int(st, 2), 0);
	assert_int_equal(sqlite3_column_int64(st, 3), AT(5));
	assert_memory_equal(sqlite3_column_blob(st, 4), keys[E]->xpk, 32);
	sqlite3_finalize(st);

	/* the same entry is accepted now */
	put_ok(f->s, e1);
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM resources WHERE owner = ?1",
			       keys[E]->id), 1);
	/* E votes on what was asked before it came: the electorate is the
	 * members when it is decided, not when it was (claimed to be) asked */
	vote(f, E, before, YES, AT(6));
	outcome_is(f->s, before, "open q0 y1 n0 v1 e5");
	/* and is one of five on what is asked after */
	const uint8_t *after = propose_set(f, B, "credit-limit", 200, AT(10));
	vote(f, E, after, YES, AT(11));
	vote(f, B, after, YES, AT(12));
	outcome_is(f->s, after, "open q0 y2 n0 v2 e5"); /* 2 of 5 < 50 % */
	vote(f, C, after, NO, AT(13));
	outcome_is(f->s, after, "passed q1 y2 n1 v3 e5");
}

static void test_admission_rejected_keeps_out(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	struct rec *adm = seal_admit(f, A, E, NULL, AT(1));
	put_ok(f->s, adm);
	vote(f, A, adm->id, YES, AT(2));
	vote(f, B, adm->id, NO, AT(3));
	vote(f, C, adm->id, NO, AT(4));
	outcome_is(f->s, adm->id, "open q1 y1 n2 v3 e4");
	assert_int_equal(store_is_member(f->s, keys[E]->id), 0);
	assert_false(zap_admits(f->s, E));
	put_refused(f->s, seal_offer(f, E, "Van", AT(5)), "not a member");
}

/* ---- exclusion -------------------------------------------------------- */

static void test_exclusion_from_the_passing_vote(void **state)
{
	struct fx *f = *state;
	int64_t excluded;
	fx_four(f);
	struct rec *d1 = seal_offer(f, DD, "Camion", AT(1));
	put_ok(f->s, d1);
	struct rec *ex = seal_exclude(f, A, DD, AT(2));
	put_ok(f->s, ex);
	/* D's entries past what this store holds when the exclusion passes:
	 * one timed before, one after; the tally's cut leaves both out */
	struct rec *d2 = seal_offer(f, DD, "Remorque", AT(4));
	struct rec *d3 = seal_offer(f, DD, "Chariot", AT(7));
	vote(f, A, ex->id, YES, AT(5));
	assert_int_equal(store_excluded_at(f->s, keys[DD]->id, NULL), 0);
	vote(f, B, ex->id, YES, AT(6));
	outcome_is(f->s, ex->id, "passed q1 y2 n0 v2 e4");
	assert_int_equal(store_excluded_at(f->s, keys[DD]->id, &excluded), 1);
	assert_int_equal(excluded, AT(6));
	assert_false(zap_admits(f->s, DD));
	assert_true(zap_admits(f->s, A));

	/* what the cut keeps stays valid; what is past it is refused, by seq,
	 * whatever its time */
	assert_int_equal(q_int(f->s, "SELECT cut FROM keys WHERE key = ?1", keys[DD]->id), 1);
	put_refused(f->s, d2, "seq 2 refused");
	put_refused(f->s, d3, "refused");
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM entries WHERE author = ?1",
			       keys[DD]->id), 1);
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM resources WHERE owner = ?1",
			       keys[DD]->id), 1);
	/* D may not append either */
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = MUTUA__KIND__KIND_VEHICLE;
	o.title = "Grue";
	o.unit = MUTUA__UNIT__UNIT_DAY;
	o.capacity = 1;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	assert_int_equal(store_append(f->s, keys[DD], &b, NULL), -1);
	assert_non_null(strstr(err_msg(), "excluded"));
	/* the others decide without D from then on */
	const uint8_t *p = propose_set(f, A, "credit-limit", 100, AT(10));
	outcome_is(f->s, p, "open q0 y0 n0 v0 e3");
	vote(f, A, p, YES, AT(11));
	vote(f, B, p, YES, AT(12));
	outcome_is(f->s, p, "passed q1 y2 n0 v2 e3");
}

/* An excluded member's vote within its cut stays a member's vote; past
 * the cut it signs nothing that counts. */
static void test_excluded_members_vote_within_its_cut_stays(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	const uint8_t *p = propose_set(f, B, "credit-limit", 100, AT(1));
	struct rec *ex = seal_exclude(f, A, DD, AT(2));
	put_ok(f->s, ex);
	vote(f, DD, p, NO, AT(3));
	outcome_is(f->s, p, "open q0 y0 n1 v1 e4");
	vote(f, A, ex->id, YES, AT(4));
	vote(f, B, ex->id, YES, AT(5)); /* D's feed cut at its vote, seq 1 */
	assert_int_equal(store_excluded_at(f->s, keys[DD]->id, NULL), 1);
	outcome_is(f->s, p, "open q0 y0 n1 v1 e4");
	vote(f, B, p, YES, AT(6));
	outcome_is(f->s, p, "open q1 y1 n1 v2 e4");
	vote(f, A, p, YES, AT(7));
	outcome_is(f->s, p, "passed q1 y2 n1 v3 e4");
	put_refused(f->s, seal_vote(f, DD, ex->id, NO, AT(3)), "seq 2 refused");
	/* a proposal D never voted on is decided without D */
	const uint8_t *q = propose_set(f, C, "credit-limit", 200, AT(10));
	outcome_is(f->s, q, "open q0 y0 n0 v0 e3");
}

/* ---- parameters ------------------------------------------------------- */

static void test_set_parameters(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	assert_int_equal(governance_param(f->s, "duration"), H);
	assert_int_equal(governance_param(f->s, "threshold"), 50);
	assert_int_equal(governance_param(f->s, "quorum"), 50);

	const uint8_t *cl = propose_set(f, A, "credit-limit", 25000, AT(1));
	vote(f, A, cl, YES, AT(2));
	vote(f, B, cl, YES, AT(3));
	assert_int_equal(governance_param(f->s, "credit-limit"), 25000);

	/* a proposal made before a new duration passes keeps the old one */
	const uint8_t *early = propose_set(f, C, "credit-limit", 1, AT(5));
	const uint8_t *dur = propose_set(f, A, "duration", 2 * D, AT(6));
	vote(f, A, dur, YES, AT(7));
	vote(f, C, dur, YES, AT(8));
	assert_int_equal(governance_param(f->s, "duration"), 2 * D);
	const uint8_t *late = propose_set(f, C, "credit-limit", 2, AT(9));
	assert_int_equal(q_int(f->s, "SELECT deadline FROM proposals WHERE id = ?1", early),
			 AT(5) + H);
	assert_int_equal(q_int(f->s, "SELECT deadline FROM proposals WHERE id = ?1", late),
			 AT(9) + 2 * D);
	/* a vote a day later counts on the later proposal only */
	vote(f, A, early, YES, AT(9) + D);
	vote(f, B, early, YES, AT(9) + D);
	vote(f, A, late, YES, AT(9) + D);
	vote(f, B, late, YES, AT(9) + D + 1);
	outcome_is(f->s, early, "open q0 y0 n0 v0 e4");
	outcome_is(f->s, late, "passed q1 y2 n0 v2 e4");
	assert_int_equal(governance_param(f->s, "credit-limit"), 2);

	/* quorum and threshold in force for the proposals made after */
	const uint8_t *q = propose_set(f, A, "quorum", 100, AT(3000));
	vote(f, A, q, YES, AT(3001));
	vote(f, B, q, YES, AT(3002));
	assert_int_equal(governance_param(f->s, "quorum"), 100);
	const uint8_t *r = propose_set(f, A, "credit-limit", 3, AT(3010));
	vote(f, A, r, YES, AT(3011));
	vote(f, B, r, YES, AT(3012));
	vote(f, C, r, YES, AT(3013));
	outcome_is(f->s, r, "open q0 y3 n0 v3 e4");
	vote(f, DD, r, NO, AT(3014));
	outcome_is(f->s, r, "passed q1 y3 n1 v4 e4");
	assert_int_equal(governance_param(f->s, "credit-limit"), 3);
}

/* ---- colleges --------------------------------------------------------- */

/* producers 40 (one member), restaurateurs 30 (three), founders 30 (three). */
static const int seven[] = {P1, R1, R2, R3, F1, F2, F3, -1};
static const char *const seven_colleges[] = {"producers", "restaurateurs", "restaurateurs",
					     "restaurateurs", "founders", "founders",
					     "founders"};

static void fx_colleges(struct fx *f)
{
	Mutua__CollegeWeight w[3] = {MUTUA__COLLEGE_WEIGHT__INIT, MUTUA__COLLEGE_WEIGHT__INIT,
				     MUTUA__COLLEGE_WEIGHT__INIT};
	Mutua__CollegeWeight *wp[3] = {&w[0], &w[1], &w[2]};
	w[0].name = "producers";
	w[0].weight = 40;
	w[1].name = "restaurateurs";
	w[1].weight = 30;
	w[2].name = "founders";
	w[2].weight = 30;
	Mutua__Governance gv = gov_majority(50, 50, H);
	gv.rule = GOV_RULE_COLLEGES;
	gv.colleges = wp;
	gv.n_colleges = 3;
	fx_genesis(f, seven, seven_colleges, &gv);
}

static void test_colleges_weight_beats_head_count(void **state)
{
	struct fx *f = *state;
	fx_colleges(f);
	const uint8_t *p = propose_set(f, P1, "credit-limit", 100, AT(1));
	/* by head: 3 yes, 4 no. By weight: producers 40 x 1 + restaurateurs
	 * 30 x 0 + founders 30 x 2/3 = 60 of 100 */
	vote(f, R1, p, NO, AT(2));
	vote(f, R2, p, NO, AT(3));
	vote(f, R3, p, NO, AT(4));
	vote(f, F3, p, NO, AT(5));
	outcome_is(f->s, p, "open q0 y0 n60 v4 e7"); /* 40 % of the weight voted */
	vote(f, F1, p, YES, AT(6));
	vote(f, F2, p, YES, AT(7));
	outcome_is(f->s, p, "open q1 y20 n40 v6 e7");
	vote(f, P1, p, YES, AT(8));
	outcome_is(f->s, p, "passed q1 y60 n40 v7 e7");
	assert_int_equal(passed_at(f->s, p), AT(8));
	assert_int_equal(q_int(f->s, "SELECT sum(choice = 1) < sum(choice = 2) FROM votes"
				     " WHERE proposal = ?1", p), 1);
	assert_int_equal(governance_param(f->s, "credit-limit"), 100);
}

static void test_colleges_head_count_loses_on_weight(void **state)
{
	struct fx *f = *state;
	fx_colleges(f);
	const uint8_t *p = propose_set(f, R1, "credit-limit", 100, AT(1));
	/* by head: 4 yes, 3 no. By weight: 0 + 30 + 30 x 1/3 = 40 of 100 */
	vote(f, P1, p, NO, AT(2));
	vote(f, F2, p, NO, AT(3));
	vote(f, F3, p, NO, AT(4));
	vote(f, R1, p, YES, AT(5));
	vote(f, R2, p, YES, AT(6));
	vote(f, R3, p, YES, AT(7));
	vote(f, F1, p, YES, AT(8));
	outcome_is(f->s, p, "open q1 y40 n60 v7 e7");
	assert_int_equal(q_int(f->s, "SELECT sum(choice = 1) > sum(choice = 2) FROM votes"
				     " WHERE proposal = ?1", p), 1);
	assert_int_equal(governance_param(f->s, "credit-limit"), 0);
}

static void test_colleges_quorum_is_weighted(void **state)
{
	struct fx *f = *state;
	fx_colleges(f);
	/* the lone producer is 40 % of the weight: under the quorum of 50 */
	const uint8_t *p = propose_set(f, P1, "credit-limit", 100, AT(1));
	vote(f, P1, p, YES, AT(2));
	outcome_is(f->s, p, "open q0 y40 n0 v1 e7");
	/* one founder of three adds 10: 50 % of the weight, 2 heads of 7 */
	vote(f, F1, p, ABSTAIN, AT(3));
	outcome_is(f->s, p, "passed q1 y40 n0 v2 e7");
	/* three restaurateurs are only 30 %: no quorum */
	const uint8_t *q = propose_set(f, R1, "credit-limit", 200, AT(10));
	vote(f, R1, q, YES, AT(11));
	vote(f, R2, q, YES, AT(12));
	vote(f, R3, q, YES, AT(13));
	outcome_is(f->s, q, "open q0 y30 n0 v3 e7");
}

static void test_colleges_admission_in_a_college(void **state)
{
	struct fx *f = *state;
	fx_colleges(f);
	struct rec *adm = seal_admit(f, P1, E, "producers", AT(1));
	put_ok(f->s, adm);
	vote(f, P1, adm->id, YES, AT(2));
	vote(f, F1, adm->id, YES, AT(3));
	outcome_is(f->s, adm->id, "passed q1 y70 n0 v2 e7");
	char buf[64];
	q_text(f->s, "SELECT college FROM members WHERE id = ?1", keys[E]->id, buf, sizeof buf);
	assert_string_equal(buf, "producers");
	/* two producers now share the college's 40 */
	const uint8_t *p = propose_set(f, R1, "credit-limit", 100, AT(10));
	vote(f, P1, p, YES, AT(11));
	vote(f, E, p, NO, AT(12));
	vote(f, F1, p, YES, AT(13));
	/* weight voted: 40 + 10 = 50 %; yes: producers 40 x 1/2 + founders
	 * 30 x 1 = 50 of the 70 of the colleges that said yes or no */
	outcome_is(f->s, p, "passed q1 y50 n20 v3 e8");
}

/* ---- determinism ------------------------------------------------------ */

/* A history with everything in it: admission, exclusion, parameters,
 * replaced, late, abstaining and non-member votes, sealed but stored
 * nowhere yet. */
static void write_history(struct fx *f)
{
	fx_four(f);
	struct rec *adm = seal_admit(f, A, E, "producers", AT(1));
	struct rec *a1 = seal_vote(f, A, adm->id, YES, AT(2));
	seal_vote(f, B, adm->id, NO, AT(3));
	struct rec *b1 = seal_vote(f, B, adm->id, YES, AT(4)); /* replaces B's no */
	seal_tally_of(f, B, adm->id, (struct rec *[]){a1, b1}, 2, AT(4), -1, 0); /* E in */
	seal_vote(f, C, adm->id, NO, AT(5)); /* after the tally: not counted */
	struct rec *cl = seal_set(f, C, "credit-limit", 30000, AT(6));
	struct rec *e2 = seal_vote(f, E, cl->id, YES, AT(7));
	struct rec *d2 = seal_vote(f, DD, cl->id, ABSTAIN, AT(8));
	struct rec *c2 = seal_vote(f, C, cl->id, YES, AT(9));
	seal_tally_of(f, C, cl->id, (struct rec *[]){e2, d2, c2}, 3, AT(9), -1, 0);
	seal_vote(f, A, cl->id, NO, AT(10));
	struct rec *ex = seal_exclude(f, E, DD, AT(11));
	seal_offer(f, DD, "Camion", AT(12)); /* D's seq 2: the cut keeps it */
	struct rec *a3 = seal_vote(f, A, ex->id, YES, AT(13));
	struct rec *e3 = seal_vote(f, E, ex->id, YES, AT(14));
	struct rec *c3 = seal_vote(f, C, ex->id, YES, AT(15));
	seal_tally_of(f, C, ex->id, (struct rec *[]){a3, e3, c3}, 3, AT(15), DD, 2);
	seal_vote(f, B, ex->id, NO, AT(16));
	seal_offer(f, DD, "Grue", AT(17)); /* D's seq 3: past the cut */
	struct rec *tie = seal_set(f, B, "quorum", 80, AT(20));
	struct rec *b4 = seal_vote(f, B, tie->id, YES, AT(21));
	struct rec *c4 = seal_vote(f, C, tie->id, NO, AT(22));
	struct rec *dur = seal_set(f, A, "duration", 2 * H, AT(30));
	struct rec *a5 = seal_vote(f, A, dur->id, YES, AT(31));
	struct rec *e5 = seal_vote(f, E, dur->id, YES, AT(32));
	seal_vote(f, X, dur->id, YES, AT(33)); /* never a member */
	seal_tally_of(f, A, dur->id, (struct rec *[]){a5, e5}, 2, AT(32), -1, 0);
	seal_vote(f, C, dur->id, NO, AT(34));
	seal_vote(f, B, dur->id, YES, AT(35));
	struct rec *lone = seal_set(f, E, "threshold", 60, AT(40));
	seal_vote(f, E, lone->id, YES, AT(41));
	/* the proposer closes the tie at its deadline: a tie fails (last in
	 * B's feed: a feed's times do not go back) */
	seal_tally_of(f, B, tie->id, (struct rec *[]){b4, c4}, 2, AT(20) + H, -1, 0);
	seal_vote(f, A, tie->id, YES, AT(23) + H); /* late */
}

/* Inserts into s every sealed entry of the authors in order, one batch of
 * up to `chunk` entries per author per round, until nothing more goes in
 * (an applicant's feed is refused until its admission arrives). */
static void replay(struct fx *f, struct store *s, const int *order, size_t chunk)
{
	int progress = 1;
	while (progress) {
		progress = 0;
		for (const int *w = order; *w >= 0; w++) {
			uint64_t head;
			assert_int_equal(store_head(s, keys[*w]->id, &head, NULL), 0);
			struct raw_entry v[RECS_MAX];
			size_t n = 0;
			for (size_t i = 0; i < f->nrec && n < chunk; i++) {
				const struct rec *r = &f->rec[i];
				if (r->who == *w && r->seq > head)
					v[n++] = (struct raw_entry){r->body, r->blen, r->sig,
								    KEY_SIG_BYTES};
			}
			if (!n)
				continue;
			struct batch_result br;
			assert_int_equal(store_insert_batch(s, v, n, &br), 0);
			progress |= br.added > 0;
		}
	}
}

static void same_tables(struct store *a, struct store *b, const char *what)
{
	static const char *const sqls[] = {PROPOSALS_SQL, MEMBERS_SQL, VOTES_SQL,
					   ENDPOINTS_SQL, "SELECT * FROM params ORDER BY name"};
	for (size_t i = 0; i < sizeof sqls / sizeof *sqls; i++) {
		char *x = db_dump(a, sqls[i]), *y = db_dump(b, sqls[i]);
		if (strcmp(x, y) != 0)
			fail_msg("%s: '%s' differs:\n%s---\n%s", what, sqls[i], x, y);
		free(x);
		free(y);
	}
}

static void check_history(struct fx *f, struct store *s)
{
	char buf[128];
	int64_t excluded;
	assert_int_equal(store_is_member(s, keys[E]->id), 1);
	assert_true(zap_admits(s, E));
	assert_false(zap_admits(s, DD));
	assert_false(zap_admits(s, X));
	assert_int_equal(store_excluded_at(s, keys[DD]->id, &excluded), 1);
	assert_int_equal(excluded, AT(15));
	assert_int_equal(governance_param(s, "credit-limit"), 30000);
	assert_int_equal(governance_param(s, "quorum"), 50);
	assert_int_equal(governance_param(s, "duration"), 2 * H);
	assert_int_equal(governance_param(s, "threshold"), 50);
	assert_string_equal(q_text(s, "SELECT group_concat(state || ':' || quorum_met, ' ')"
				      " FROM (SELECT * FROM proposals ORDER BY created)",
				   NULL, buf, sizeof buf),
			    "passed:1 passed:1 passed:1 failed:1 passed:1 open:0");
	/* D's offer within the cut stands; the one past it has no effect */
	assert_int_equal(q_int(s, "SELECT count(*) FROM resources WHERE owner = ?1",
			       keys[DD]->id), 1);
	(void)f;
}

static void test_same_outcome_whatever_the_feed_order(void **state)
{
	struct fx *f = *state;
	write_history(f);
	static const int orders[][7] = {
		{A, B, C, DD, E, X, -1},
		{X, E, DD, C, B, A, -1},
		{E, C, A, DD, X, B, -1},
		{DD, B, E, A, C, X, -1},
	};
	struct store *first = NULL;
	for (size_t o = 0; o < sizeof orders / sizeof *orders; o++) {
		for (size_t chunk = 1; chunk <= RECS_MAX; chunk *= 128) {
			struct store *s = o == 0 && chunk == 1 ? f->s : fx_store(f);
			replay(f, s, orders[o], chunk);
			check_history(f, s);
			if (!first)
				first = s;
			else
				same_tables(first, s, "another feed order");
		}
	}
	/* every entry but the non-member's went in */
	assert_int_equal(q_int(first, "SELECT count(*) FROM entries", NULL), (int64_t)f->nrec - 1);
	/* a reindex rebuilds the very same tables */
	struct store *last = f->st[f->nst - 1];
	assert_int_equal(store_reindex(last), 0);
	check_history(f, last);
	same_tables(first, last, "after reindex");
	assert_int_equal(store_reindex(first), 0);
	same_tables(first, last, "after two reindexes");
}

static void test_outcome_is_order_independent_for_votes(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	/* the tally reaches one store first, the other last: the result is
	 * the entries', not the arrival order's */
	struct rec *p = seal_set(f, A, "credit-limit", 500, AT(1));
	struct rec *va = seal_vote(f, A, p->id, YES, AT(3));
	struct rec *vc = seal_vote(f, C, p->id, YES, AT(2));
	struct rec *t = seal_tally_of(f, C, p->id, (struct rec *[]){va, vc}, 2, AT(3), -1, 0);
	struct rec *vb = seal_vote(f, B, p->id, NO, AT(4));
	struct store *s2 = fx_store(f);
	put_ok(f->s, p);
	put_ok(f->s, va);
	put_ok(f->s, vb);
	put_ok(f->s, vc);
	put_ok(f->s, t);
	put_ok(s2, vc);
	put_ok(s2, t);
	put_ok(s2, vb);
	put_ok(s2, p);
	put_ok(s2, va);
	/* the tally counts C's and A's yes: 2 of 4; B's no came after it */
	outcome_is(f->s, p->id, "passed q1 y2 n0 v2 e4");
	assert_int_equal(passed_at(f->s, p->id), AT(3));
	same_tables(f->s, s2, "votes before their proposal");
}

/* ---- what arrives late or out of order ----------------------------- */

static void test_vote_timed_before_its_proposal(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	/* votes timed before the proposal they name are not counted (a vote
	 * is not before what it cites), nor is a tally citing them valid */
	struct rec *adm = seal_admit(f, A, E, NULL, AT(10));
	put_ok(f->s, adm);
	struct rec *vb = seal_vote(f, B, adm->id, YES, AT(5));
	struct rec *vc = seal_vote(f, C, adm->id, YES, AT(6));
	put_ok(f->s, vb);
	put_ok(f->s, vc);
	put_ok(f->s, seal_tally_of(f, C, adm->id, (struct rec *[]){vb, vc}, 2, AT(11), -1, 0));
	outcome_is(f->s, adm->id, "open q0 y0 n0 v0 e4");
	assert_int_equal(store_is_member(f->s, keys[E]->id), 0);
	vote(f, B, adm->id, YES, AT(11));
	vote(f, C, adm->id, YES, AT(12));
	outcome_is(f->s, adm->id, "passed q1 y2 n0 v2 e4");
	assert_int_equal(passed_at(f->s, adm->id), AT(12));
}

static void test_profile_does_not_move_a_voter_between_colleges(void **state)
{
	struct fx *f = *state;
	fx_colleges(f);
	struct store *s2 = fx_store(f);
	const uint8_t *p = propose_set(f, P1, "credit-limit", 100, AT(1));
	struct rec *pr = f->rec + f->nrec - 1;
	struct rec *v[5] = {seal_vote(f, R1, p, YES, AT(2)), seal_vote(f, R2, p, YES, AT(3)),
			    seal_vote(f, F1, p, NO, AT(4)), seal_vote(f, F2, p, NO, AT(5)),
			    seal_vote(f, F3, p, NO, AT(6))};
	/* R1 declares itself a producer in its own profile */
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Profile prof = MUTUA__PROFILE__INIT;
	prof.name = "Resto1";
	prof.college = "producers";
	prof.transport_key.data = keys[R1]->xpk;
	prof.transport_key.len = 32;
	b.payload_case = MUTUA__BODY__PAYLOAD_PROFILE;
	b.profile = &prof;
	struct rec *moved = seal(f, R1, &b, AT(7));
	for (int i = 0; i < 5; i++)
		put_ok(f->s, v[i]);
	put_ok(f->s, moved);
	/* the other store gets the profile before the other votes */
	put_ok(s2, pr);
	put_ok(s2, v[0]);
	put_ok(s2, moved);
	for (int i = 1; i < 5; i++)
		put_ok(s2, v[i]);
	/* restaurateurs 30 yes, founders 30 no: a tie, whatever the profile
	 * (as a producer, R1 would have made it 70 to 30) */
	outcome_is(f->s, p, "open q1 y30 n30 v5 e7");
	outcome_is(s2, p, "open q1 y30 n30 v5 e7");
	char buf[64];
	assert_string_equal(q_text(s2, "SELECT college FROM members WHERE id = ?1", keys[R1]->id,
				   buf, sizeof buf), "restaurateurs");
	same_tables(f->s, s2, "a profile naming another college");
}

/* Finding 3 and 5: what an excluded member signs past the cut its
 * exclusion's tally names has no effect, whether a store held it before
 * the tally (it is then folded again without it) or not (refused). */
static void test_excluded_members_late_vote_not_counted_in_any_order(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	struct rec *p = seal_set(f, B, "credit-limit", 100, AT(1));
	struct rec *ex = seal_exclude(f, A, DD, AT(2));
	struct rec *ya = seal_vote(f, A, ex->id, YES, AT(3));
	struct rec *yb = seal_vote(f, B, ex->id, YES, AT(4));
	/* the exclusion's tally keeps none of D's feed */
	struct rec *tx = seal_tally_of(f, B, ex->id, (struct rec *[]){ya, yb}, 2, AT(4), DD, 0);
	struct rec *pc = seal_vote(f, C, p->id, YES, AT(5));
	/* D's vote, stamped before its exclusion: past the cut all the same */
	struct rec *pd = seal_vote(f, DD, p->id, YES, AT(2));
	struct rec *tp = seal_tally_of(f, C, p->id, (struct rec *[]){pc, pd}, 2, AT(5), -1, 0);
	/* store 1 learns D's vote and p's tally before the exclusion's tally */
	struct store *s2 = fx_store(f);
	put_ok(f->s, p);
	put_ok(f->s, ex);
	put_ok(f->s, pc);
	put_ok(f->s, pd);
	put_ok(f->s, ya);
	put_ok(f->s, yb);
	put_ok(f->s, tp);
	outcome_is(f->s, p->id, "passed q1 y2 n0 v2 e4"); /* not known to be cut yet */
	assert_int_equal(governance_param(f->s, "credit-limit"), 100);
	put_ok(f->s, tx);
	put_ok(s2, p);
	put_ok(s2, ex);
	put_ok(s2, ya);
	put_ok(s2, yb);
	put_ok(s2, tx);
	put_ok(s2, pc);
	put_refused(s2, pd, "seq 1 refused");
	put_ok(s2, tp);
	/* C's yes alone is 1 of 3: no quorum, on both; p's tally cites a vote
	 * that has no effect: it waits, for ever */
	outcome_is(f->s, p->id, "open q0 y1 n0 v1 e3");
	outcome_is(s2, p->id, "open q0 y1 n0 v1 e3");
	assert_int_equal(governance_param(f->s, "credit-limit"), 0);
	same_tables(f->s, s2, "a vote past the cut");
	assert_int_equal(store_reindex(f->s), 0);
	same_tables(f->s, s2, "after reindex");
}

/* Finding 3: backdated "no" votes do not un-pass a passed decision. */
static void test_admission_not_undone_by_backdated_votes(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	struct rec *adm = seal_admit(f, A, E, NULL, AT(1));
	struct rec *va = seal_vote(f, A, adm->id, YES, AT(5));
	struct rec *vb = seal_vote(f, B, adm->id, YES, AT(6));
	struct rec *t = seal_tally_of(f, B, adm->id, (struct rec *[]){va, vb}, 2, AT(6), -1, 0);
	struct rec *vc = seal_vote(f, C, adm->id, NO, AT(2));
	struct rec *vd = seal_vote(f, DD, adm->id, NO, AT(3));
	/* and a tally of the backdated votes by one of them, failing */
	struct rec *t2 = seal_tally_of(f, DD, adm->id, (struct rec *[]){va, vb, vc, vd}, 4,
				       AT(1) + H, -1, 0);
	put_ok(f->s, adm);
	put_ok(f->s, va);
	put_ok(f->s, vb);
	put_ok(f->s, t);
	assert_int_equal(store_is_member(f->s, keys[E]->id), 1);
	put_ok(f->s, vc);
	put_ok(f->s, vd);
	put_ok(f->s, t2);
	/* the passing tally counts: a passed proposal stays passed */
	outcome_is(f->s, adm->id, "passed q1 y2 n0 v2 e4");
	assert_int_equal(store_is_member(f->s, keys[E]->id), 1);
	/* the same as a store that got the votes in their clocks' order */
	struct store *s2 = fx_store(f);
	put_ok(s2, adm);
	put_ok(s2, vc);
	put_ok(s2, vd);
	put_ok(s2, t2);
	assert_int_equal(store_is_member(s2, keys[E]->id), 0);
	put_ok(s2, va);
	put_ok(s2, vb);
	put_ok(s2, t);
	same_tables(f->s, s2, "backdated votes");
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM members", NULL), 5);
}

/* The same newcomer admitted twice (two proposals open at once, both
 * passed): the second admission moves its "since" later. A proposal made
 * between the two counts the newcomer's vote (it was a member then); the
 * listing once restated the rule in SQL over the members table as it ends
 * up, and so dropped that vote while the tally kept it. */
static void test_listing_counts_what_the_tally_counts(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	struct rec *adm1 = seal_admit(f, A, E, NULL, AT(1));
	put_ok(f->s, adm1);
	vote(f, A, adm1->id, YES, AT(2));
	vote(f, B, adm1->id, YES, AT(3));
	assert_int_equal(passed_at(f->s, adm1->id), AT(3));
	const uint8_t *p = propose_set(f, C, "credit-limit", 100, AT(4));
	struct rec *adm2 = seal_admit(f, B, E, NULL, AT(5));
	put_ok(f->s, adm2);
	vote(f, E, p, YES, AT(6));
	vote(f, A, adm2->id, YES, AT(7));
	vote(f, C, adm2->id, YES, AT(8));
	vote(f, DD, adm2->id, YES, AT(9));
	assert_int_equal(q_int(f->s, "SELECT since FROM members WHERE id = ?1", keys[E]->id),
			 passed_at(f->s, adm2->id));
	assert_true(passed_at(f->s, adm2->id) > AT(4));
	/* E was one of five when p was made, and its vote is counted */
	outcome_is(f->s, p, "open q0 y1 n0 v1 e5");
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM counted_votes WHERE proposal = ?1"
				     " AND choice = 1", p), 1);
	/* and so after a reindex */
	assert_int_equal(store_reindex(f->s), 0);
	outcome_is(f->s, p, "open q0 y1 n0 v1 e5");

}

/* ---- a store error refuses the count --------------------------------- */

/* Offers r to s as from a peer: 1 stored, 0 refused or failed (err_msg()
 * says why). */
static int offer(struct store *s, const struct rec *r)
{
	struct raw_entry raw = {r->body, r->blen, r->sig, KEY_SIG_BYTES};
	struct batch_result br;
	return store_insert_batch(s, &raw, 1, &br) == 0 && br.added == 1;
}

/* Refuses reading members.college (the voters' colleges): set on a
 * connection, it makes every statement that reads it fail with
 * SQLITE_AUTH when it next runs, as a damaged page would. */
static int deny_college(void *arg, int what, const char *table, const char *column,
			const char *db, const char *trigger)
{
	(void)arg;
	(void)db;
	(void)trigger;
	return what == SQLITE_READ && table && column && strcmp(table, "members") == 0 &&
			       strcmp(column, "college") == 0
		       ? SQLITE_DENY : SQLITE_OK;
}

/* The electorate cannot be read while the deciding vote is counted: the
 * vote is refused and no decision is made; once it reads again, the same
 * vote decides. */
static void test_count_refused_when_the_electorate_cannot_be_read(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	const uint8_t *p = propose_set(f, A, "credit-limit", 500, AT(1));
	vote(f, A, p, YES, AT(2));
	outcome_is(f->s, p, "open q0 y1 n0 v1 e4");
	sqlite3 *db = store_db(f->s);
	sqlite3_set_authorizer(db, deny_college, NULL);
	struct rec *deciding = seal_vote(f, B, p, YES, AT(3));
	assert_int_equal(offer(f->s, deciding), 0);
	assert_non_null(strstr(err_msg(), "counting the voters"));
	sqlite3_set_authorizer(db, NULL, NULL);
	/* nothing was decided, nor kept */
	outcome_is(f->s, p, "open q0 y1 n0 v1 e4");
	assert_int_equal(governance_param(f->s, "credit-limit"), 0);
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM votes", NULL), 1);
	put_ok(f->s, deciding);
	put_ok(f->s, make_tally(f, f->s, B, p, 1, AT(3)));
	outcome_is(f->s, p, "passed q1 y2 n0 v2 e4");
	assert_int_equal(governance_param(f->s, "credit-limit"), 500);
}

/* Another writer holds the store (no wait): the vote that would decide is
 * refused, and the proposal stays open. */
static void test_count_refused_under_a_held_write_lock(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	const uint8_t *p = propose_set(f, A, "credit-limit", 500, AT(1));
	vote(f, A, p, YES, AT(2));
	sqlite3 *other;
	const char *path = sqlite3_db_filename(store_db(f->s), "main");
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_busy_timeout(store_db(f->s), 0);
	struct rec *deciding = seal_vote(f, B, p, YES, AT(3));
	assert_int_equal(offer(f->s, deciding), 0);
	assert_non_null(strstr(err_msg(), "locked"));
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	outcome_is(f->s, p, "open q0 y1 n0 v1 e4");
	put_ok(f->s, deciding);
	put_ok(f->s, make_tally(f, f->s, B, p, 1, AT(3)));
	outcome_is(f->s, p, "passed q1 y2 n0 v2 e4");
}

/* A parameter that cannot be read is an error for a rule, never the
 * genesis value (governance_param_get); a display falls back to it. */
static void test_param_unreadable_is_an_error(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	const uint8_t *p = propose_set(f, A, "credit-limit", 500, AT(1));
	vote(f, A, p, YES, AT(2));
	vote(f, B, p, YES, AT(3));
	int64_t v = -1;
	assert_int_equal(governance_param_get(f->s, "credit-limit", &v), 0);
	assert_int_equal(v, 500);
	assert_int_equal(sqlite3_exec(store_db(f->s), "ALTER TABLE proposals RENAME TO p_t;"
				      " CREATE VIEW proposals AS SELECT id, kind, param, state,"
				      " passed_at, abs(-9223372036854775807 - 1) AS value FROM p_t",
				      NULL, NULL, NULL), SQLITE_OK);
	v = -1;
	assert_int_equal(governance_param_get(f->s, "credit-limit", &v), -1);
	assert_int_equal(v, -1);
	assert_int_equal(governance_param(f->s, "credit-limit"), 0);
}

static int deny_state(void *arg, int what, const char *table, const char *column,
		      const char *db, const char *trigger)
{
	(void)arg;
	(void)db;
	(void)trigger;
	return what == SQLITE_READ && table && column && strcmp(table, "proposals") == 0 &&
			       strcmp(column, "state") == 0
		       ? SQLITE_DENY : SQLITE_OK;
}

/* May a vote be cast: on an open proposal before its deadline; not on a
 * passed one, a closed one, an unknown one, nor when the store cannot
 * tell. */
static void test_vote_check(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	const uint8_t *p = propose_set(f, A, "credit-limit", 500, AT(1));
	assert_int_equal(governance_vote_check(f->s, p, AT(2)), 0);
	assert_int_equal(governance_vote_check(f->s, p, AT(1) + H + 1), -1);
	assert_non_null(strstr(err_msg(), "its deadline has passed"));
	uint8_t unknown[32] = {0};
	assert_int_equal(governance_vote_check(f->s, unknown, AT(2)), -1);
	assert_non_null(strstr(err_msg(), "no such proposal"));
	sqlite3_set_authorizer(store_db(f->s), deny_state, NULL);
	assert_int_equal(governance_vote_check(f->s, p, AT(2)), -1);
	assert_non_null(strstr(err_msg(), "store"));
	sqlite3_set_authorizer(store_db(f->s), NULL, NULL);
	vote(f, A, p, YES, AT(2));
	vote(f, B, p, YES, AT(3));
	assert_int_equal(governance_vote_check(f->s, p, AT(4)), -1);
	assert_non_null(strstr(err_msg(), "passed already"));

	/* the member's own node does not sign a vote the count would not
	 * take: store_append refuses it with the rule's reason, the feed
	 * does not move */
	uint64_t before, after;
	assert_int_equal(store_head(f->s, keys[C]->id, &before, NULL), 0);
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Vote v = MUTUA__VOTE__INIT;
	v.proposal.data = (uint8_t *)p;
	v.proposal.len = 32;
	v.choice = YES;
	b.payload_case = MUTUA__BODY__PAYLOAD_VOTE;
	b.vote = &v;
	assert_int_equal(store_append(f->s, keys[C], &b, NULL), -1);
	assert_non_null(strstr(err_msg(), "passed already"));
	assert_int_equal(store_head(f->s, keys[C]->id, &after, NULL), 0);
	assert_int_equal(after, before);
}

/* ---- who is a current member ---------------------------------------- */

static int deny_excluded(void *arg, int what, const char *table, const char *column,
			 const char *db, const char *trigger)
{
	(void)arg;
	(void)db;
	(void)trigger;
	return what == SQLITE_READ && table && column && strcmp(table, "members") == 0 &&
			       strcmp(column, "excluded") == 0
		       ? SQLITE_DENY : SQLITE_OK;
}

static Mutua__Body offer_body(Mutua__Offer *o, const char *title)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	mutua__offer__init(o);
	o->kind = MUTUA__KIND__KIND_VEHICLE;
	o->title = (char *)title;
	o->unit = MUTUA__UNIT__UNIT_DAY;
	o->capacity = 1;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = o;
	return b;
}

/* A founder or an admitted member is current; an applicant, a stranger
 * and an excluded member are not (the excluded one stays a member). When
 * the store cannot tell, the answer is an error, and an append refuses. */
static void test_current_member(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	assert_int_equal(member_is_current(f->s, keys[A]->id), 1);
	assert_int_equal(member_is_current(f->s, keys[X]->id), 0);
	struct rec *adm = seal_admit(f, A, E, NULL, AT(1));
	put_ok(f->s, adm);
	assert_int_equal(member_is_current(f->s, keys[E]->id), 0);
	vote(f, A, adm->id, YES, AT(2));
	vote(f, B, adm->id, YES, AT(3));
	assert_int_equal(member_is_current(f->s, keys[E]->id), 1);
	assert_true(zap_admits(f->s, E));
	struct rec *ex = seal_exclude(f, A, DD, AT(4));
	put_ok(f->s, ex);
	vote(f, A, ex->id, YES, AT(5));
	vote(f, B, ex->id, YES, AT(6));
	vote(f, C, ex->id, YES, AT(7));
	assert_int_equal(member_is_current(f->s, keys[DD]->id), 0);
	assert_int_equal(store_is_member(f->s, keys[DD]->id), 1);
	assert_false(zap_admits(f->s, DD));
	/* the listings' view says the same */
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM current_members", NULL), 4);
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM current_members WHERE id = ?1",
			       keys[DD]->id), 0);
	/* and so does the status the listings print (member_status), for the
	 * founder, the admitted member and the excluded one */
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM member_status WHERE id = ?1"
				     " AND status = 'member'", keys[A]->id), 1);
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM member_status WHERE id = ?1"
				     " AND status = 'member'", keys[E]->id), 1);
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM member_status WHERE id = ?1"
				     " AND status = 'excluded'", keys[DD]->id), 1);
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM member_status WHERE status = 'member'",
			       NULL), 4);
	/* a member whose admission has not passed (members.active 0) is
	 * neither current nor listed as a member */
	assert_int_equal(sqlite3_exec(store_db(f->s), "UPDATE members SET active = 0"
				      " WHERE founder = 0 AND excluded IS NULL", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(member_is_current(f->s, keys[E]->id), 0);
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM member_status WHERE id = ?1"
				     " AND status = 'not admitted'", keys[E]->id), 1);
	assert_int_equal(sqlite3_exec(store_db(f->s), "UPDATE members SET active = 1"
				      " WHERE founder = 0 AND excluded IS NULL", NULL, NULL, NULL),
			 SQLITE_OK);
	/* an excluded member is out, and its feed ends at its tally's cut */
	int64_t at;
	assert_int_equal(store_excluded_at(f->s, keys[DD]->id, &at), 1);
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM keys WHERE member = ?1"
				     " AND cut IS NOT NULL", keys[DD]->id), 1);

	/* the store cannot read the exclusions: no answer, no append */
	sqlite3 *db = store_db(f->s);
	sqlite3_set_authorizer(db, deny_excluded, NULL);
	assert_int_equal(member_is_current(f->s, keys[A]->id), -1);
	assert_int_equal(member_current_by_xkey(f->s, keys[A]->xpk, NULL), -1);
	Mutua__Offer o;
	Mutua__Body b = offer_body(&o, "Grue");
	assert_int_equal(store_append(f->s, keys[A], &b, NULL), -1);
	assert_non_null(strstr(err_msg(), "current member"));
	sqlite3_set_authorizer(db, NULL, NULL);
	b = offer_body(&o, "Grue");
	assert_int_equal(store_append(f->s, keys[A], &b, NULL), 0);
	b = offer_body(&o, "Grue");
	assert_int_equal(store_append(f->s, keys[DD], &b, NULL), -1);
	assert_non_null(strstr(err_msg(), "excluded"));
}

/* ---- shuffled arrival (issue 13): a property over many orders --------- */

/* A history over six feeds with every governance rule of issue 13 in it:
 * an admission closed by a voter's passing tally; an exclusion closed by
 * its proposer's tally, which cuts D's feed at seq 1; D's entries past the
 * cut (an offer stamped before the exclusion, a vote, a tally of its own);
 * a parameter whose tally counts the newcomer and not D; a late vote
 * stamped within the deadline after the proposer's failing tally, and a
 * hostile passing tally of it; a rotation (fresh card) to a key that a
 * pending admission names. */
static void write_shuffle_history(struct fx *f)
{
	fx_four(f);
	seal_offer(f, DD, "Camion", AT(1));                                  /* D 1 */
	struct rec *adm = seal_admit(f, A, E, NULL, AT(2));
	struct rec *b1 = seal_vote(f, B, adm->id, YES, AT(3));
	struct rec *c1 = seal_vote(f, C, adm->id, YES, AT(4));
	seal_tally_of(f, C, adm->id, (struct rec *[]){b1, c1}, 2, AT(4), -1, 0);
	struct rec *ex = seal_exclude(f, B, DD, AT(5));
	struct rec *a2 = seal_vote(f, A, ex->id, YES, AT(6));
	struct rec *b2 = seal_vote(f, B, ex->id, YES, AT(7));
	struct rec *e2 = seal_vote(f, E, ex->id, YES, AT(8));
	seal_tally_of(f, B, ex->id, (struct rec *[]){a2, b2, e2}, 3, AT(8), DD, 1);
	struct rec *cl = seal_set(f, C, "credit-limit", 7000, AT(10));
	seal_offer(f, DD, "Grue", AT(4));                                    /* D 2: cut */
	struct rec *d3 = seal_vote(f, DD, cl->id, NO, AT(11));               /* D 3: cut */
	struct rec *c3 = seal_vote(f, C, cl->id, YES, AT(12));
	struct rec *a3 = seal_vote(f, A, cl->id, YES, AT(13));
	seal_tally_of(f, DD, cl->id, (struct rec *[]){d3}, 1, AT(10) + H, -1, 0); /* D 4 */
	seal_tally_of(f, A, cl->id, (struct rec *[]){c3, a3}, 2, AT(13), -1, 0);
	struct rec *q = seal_set(f, A, "quorum", 75, AT(20));
	struct rec *b4 = seal_vote(f, B, q->id, NO, AT(21));
	seal_tally_of(f, A, q->id, (struct rec *[]){b4}, 1, AT(20) + H, -1, 0); /* fails */
	/* E, hostile: a yes stamped within the vote, after the proposer's
	 * tally, and a passing tally with C's (also late) yes */
	struct rec *e4 = seal_vote(f, E, q->id, YES, AT(22));
	struct rec *c4 = seal_vote(f, C, q->id, YES, AT(23));
	struct rec *a4 = seal_vote(f, A, q->id, YES, AT(23) + 1);
	seal_tally_of(f, E, q->id, (struct rec *[]){e4, c4, a4}, 3, AT(24), -1, 0);
	/* X applies; B rotates to X's key with a fresh card X signed */
	seal_admit(f, C, X, NULL, AT(30));
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__KeyRotation kr = MUTUA__KEY_ROTATION__INIT;
	char *text = card_make_fresh(keys[X], names[X], NULL, NULL, 0, T0, keys[B]->id,
				     f->feed[B].seq + 1);
	assert_non_null(text);
	kr.card = card_decode(text, NULL);
	free(text);
	b.payload_case = MUTUA__BODY__PAYLOAD_ROTATE;
	b.rotate = &kr;
	seal(f, B, &b, AT(31));
	mutua__card__free_unpacked(kr.card, NULL);
}

/* What every order must agree on (void_feeds, which entries a store
 * holds past a cut, depends on what arrived before the cut: not state). */
static void check_shuffle(struct store *s)
{
	char buf[256];
	assert_int_equal(store_is_member(s, keys[E]->id), 1);
	assert_int_equal(store_excluded_at(s, keys[DD]->id, NULL), 1);
	assert_int_equal(governance_param(s, "credit-limit"), 7000);
	assert_int_equal(governance_param(s, "quorum"), 50);
	assert_string_equal(q_text(s, "SELECT group_concat(state, ' ') FROM (SELECT state"
				      " FROM proposals ORDER BY created)", NULL, buf, sizeof buf),
			    "passed passed passed failed open");
	/* D's offer within the cut stands, the one past it does not */
	assert_int_equal(q_int(s, "SELECT count(*) FROM resources WHERE owner = ?1",
			       keys[DD]->id), 1);
	/* the rotation ended B's feed and gave it no key */
	assert_int_equal(q_int(s, "SELECT count(*) FROM keys WHERE key = ?1", keys[X]->id), 0);
	assert_int_equal(q_int(s, "SELECT rotated IS NOT NULL FROM keys WHERE key = ?1",
			       keys[B]->id), 1);
}

static void full_recount_agrees(struct store *s, const char *what);

#define SHUFFLE_ORDERS 12
#define SHUFFLE_TABLES                                                                \
	{PROPOSALS_SQL, MEMBERS_SQL, VOTES_SQL, ENDPOINTS_SQL,                        \
	 "SELECT * FROM keys ORDER BY key", "SELECT * FROM tallies ORDER BY id",      \
	 "SELECT * FROM resources ORDER BY id"}

/* Delivers the sealed entries to s one at a time, in a random interleaving
 * of the feeds (each feed in seq order): the next entry of a random feed;
 * one whose author is not a member yet waits, one refused for good (past
 * a cut) is dropped, as a peer's would be. */
static void deliver_shuffled(struct fx *f, struct store *s, unsigned *seed)
{
	size_t next[NK] = {0};
	int stuck[NK] = {0};
	for (;;) {
		int open[NK], n = 0;
		for (int w = 0; w < NK; w++) {
			int left = 0;
			for (size_t i = next[w]; i < f->nrec && !left; i++)
				left = f->rec[i].who == w;
			if (left && !stuck[w])
				open[n++] = w;
		}
		if (!n)
			return;
		int w = open[rand_r(seed) % n];
		size_t i = next[w];
		while (f->rec[i].who != w)
			i++;
		struct raw_entry raw = {f->rec[i].body, f->rec[i].blen, f->rec[i].sig, KEY_SIG_BYTES};
		struct batch_result br;
		assert_int_equal(store_insert_batch(s, &raw, 1, &br), 0);
		if (br.rejected && strstr(err_msg(), "not a member")) {
			stuck[w] = 1;
			continue;
		}
		next[w] = i + 1;
		memset(stuck, 0, sizeof stuck); /* something moved: try them again */
	}
}

static void test_shuffled_arrival_gives_one_state(void **state)
{
	struct fx *f = *state;
	write_shuffle_history(f);
	const char *env = getenv("MUTUA_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
	print_message("shuffled arrival: seed %u (MUTUA_SEED=%u replays it)\n", seed, seed);
	static const char *const sqls[] = SHUFFLE_TABLES;
	char *want[sizeof sqls / sizeof *sqls] = {0};
	/* the first store gets the entries in the order they were signed */
	for (size_t i = 0; i < f->nrec; i++)
		put(f->s, &f->rec[i]);
	check_shuffle(f->s);
	for (size_t t = 0; t < sizeof sqls / sizeof *sqls; t++)
		want[t] = db_dump(f->s, sqls[t]);
	for (int o = 0; o < SHUFFLE_ORDERS; o++) {
		char name[32];
		snprintf(name, sizeof name, "shuffle%d.db", o);
		char *path = path_in(f->dir, name);
		struct store *s = store_open(path);
		free(path);
		assert_non_null(s);
		assert_int_equal(store_adopt_genesis(s, f->gen, f->glen), 0);
		unsigned order_seed = seed + (unsigned)o;
		deliver_shuffled(f, s, &order_seed);
		if (o % 3 == 2)
			assert_int_equal(store_reindex(s), 0);
		check_shuffle(s);
		full_recount_agrees(s, "a shuffled arrival");
		for (size_t t = 0; t < sizeof sqls / sizeof *sqls; t++) {
			char *got = db_dump(s, sqls[t]);
			if (strcmp(got, want[t]))
				fail_msg("order %d (seed %u): '%s' differs:\n%s---\n%s", o, seed,
					 sqls[t], want[t], got);
			free(got);
		}
		store_close(&s);
	}
	for (size_t t = 0; t < sizeof sqls / sizeof *sqls; t++)
		free(want[t]);
}



/* ---- the bounded recount ---------------------------------------------- */

#define RECOUNT_TABLES                                                               \
	{PROPOSALS_SQL, MEMBERS_SQL, VOTES_SQL, ENDPOINTS_SQL,                        \
	 "SELECT * FROM keys ORDER BY key", "SELECT * FROM tallies ORDER BY id",      \
	 "SELECT * FROM loans ORDER BY 1"}

/* The tables s holds are those a full recount of everything gives (the
 * bounded recount of each entry changed what it had to, and only that). */
static void full_recount_agrees(struct store *s, const char *what)
{
	static const char *const sqls[] = RECOUNT_TABLES;
	char *before[sizeof sqls / sizeof *sqls];
	for (size_t t = 0; t < sizeof sqls / sizeof *sqls; t++)
		before[t] = db_dump(s, sqls[t]);
	assert_int_equal(store_exec(s, "BEGIN"), 0);
	assert_int_equal(governance_recount(s), 0);
	assert_int_equal(store_exec(s, "COMMIT"), 0);
	for (size_t t = 0; t < sizeof sqls / sizeof *sqls; t++) {
		char *after = db_dump(s, sqls[t]);
		if (strcmp(before[t], after))
			fail_msg("%s: '%s' differs from a full recount's:\n%s---\n%s", what,
				 sqls[t], before[t], after);
		free(after);
		free(before[t]);
	}
}

static unsigned long vm_ops;

static int count_op(void *arg)
{
	(void)arg;
	vm_ops++;
	return 0;
}

/* The SQLite virtual machine operations (a measure of rows visited, not
 * of time) the store runs to take in r, and the full recounts it ran. */
static unsigned long ops_of(struct store *s, const struct rec *r, unsigned long *full)
{
	unsigned long f0, f1, o;
	governance_recount_stats(&f0, &o);
	sqlite3_progress_handler(store_db(s), 1, count_op, NULL);
	vm_ops = 0;
	put_ok(s, r);
	unsigned long n = vm_ops;
	sqlite3_progress_handler(store_db(s), 0, NULL, NULL);
	governance_recount_stats(&f1, &o);
	*full = f1 - f0;
	return n;
}

/* A vote recounts its proposal alone: its cost does not grow with the
 * proposals held (finding: every vote recounted every proposal, several
 * scans of proposals each, quadratic in a federation's history). Counted
 * in SQLite operations, not in time. */
static void test_vote_recount_is_bounded(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	/* a decided proposal, and open ones: parameters and admissions */
	struct rec *p0 = seal_set(f, A, "credit-limit", 900, AT(1));
	put_ok(f->s, p0);
	vote(f, A, p0->id, YES, AT(2));
	vote(f, B, p0->id, YES, AT(3));
	outcome_is(f->s, p0->id, "passed q1 y2 n0 v2 e4");
	struct rec *few = NULL, *many = NULL;
	unsigned long full, ops_few = 0, ops_many = 0;
	for (int i = 0; i < 1200; i++) {
		/* B's and D's: past their budget (open-proposals) but the first */
		struct rec *p = i == 40 ? seal_set(f, C, "credit-limit", 1000 + i, AT(4) + i)
				: i == 1190 ? seal_admit(f, A, E, NULL, AT(4) + i)
				: i % 3 == 2 ? seal_admit(f, B, E, NULL, AT(4) + i)
				: seal_set(f, i % 2 ? DD : B, "credit-limit", 1000 + i, AT(4) + i);
		put_ok(f->s, p);
		if (i == 40)
			few = p;
		if (i == 1190)
			many = p;
		if (i == 45) {
			ops_few = ops_of(f->s, seal_vote(f, C, few->id, NO, AT(10)), &full);
			assert_int_equal(full, 0);
		}
	}
	ops_many = ops_of(f->s, seal_vote(f, C, many->id, NO, AT(11)), &full);
	assert_int_equal(full, 0);
	print_message("a vote: %lu operations at 50 proposals, %lu at 1 200\n", ops_few,
		      ops_many);
	/* not 24 times more: bounded, whatever the history's size */
	if (ops_many > 2 * ops_few + 2000)
		fail_msg("a vote costs %lu operations at 1 200 proposals, %lu at 50",
			 ops_many, ops_few);
	/* a late vote on the decided proposal, not cited by its tally */
	ops_of(f->s, seal_vote(f, DD, p0->id, NO, AT(5)), &full);
	assert_int_equal(full, 0);
	outcome_is(f->s, p0->id, "passed q1 y2 n0 v2 e4");
	outcome_is(f->s, many->id, "open q0 y0 n1 v1 e4");
	full_recount_agrees(f->s, "after bounded recounts");
	/* a passing tally of an admission is a decision: the full recount */
	vote(f, B, few->id, YES, AT(12));
	ops_of(f->s, seal_vote(f, A, many->id, YES, AT(13)), &full);
	assert_int_equal(full, 0);
	ops_of(f->s, seal_vote(f, B, many->id, YES, AT(13) + 1), &full);
	assert_int_equal(full, 0);
	struct rec *t = make_tally(f, f->s, A, many->id, 1, AT(14));
	assert_non_null(t);
	ops_of(f->s, t, &full);
	assert_int_equal(full, 1);
	full_recount_agrees(f->s, "after a decision");
	assert_int_equal(store_is_member(f->s, keys[E]->id), 1);
	assert_int_equal(store_reindex(f->s), 0);
	full_recount_agrees(f->s, "after a reindex");
}


/* ---- budgets: open proposals and reason size -------------------------- */

static struct rec *seal_set_why(struct fx *f, int who, const char *name, int64_t v,
				const char *reason, int64_t t)
{
	Mutua__Proposal p = MUTUA__PROPOSAL__INIT;
	Mutua__Parameter par = MUTUA__PARAMETER__INIT;
	par.name = (char *)name;
	par.value = v;
	p.what_case = MUTUA__PROPOSAL__WHAT_SET;
	p.set = &par;
	p.reason = (char *)reason;
	return seal_proposal(f, who, &p, t);
}

static void verdict_is(struct store *s, const uint8_t *prop, const char *want)
{
	char buf[256];
	assert_string_equal(q_text(s, "SELECT verdict FROM proposals WHERE id = ?1", prop, buf,
				   sizeof buf), want ? want : "NULL");
}

/* A hostile member's proposals past the open-proposals budget count for
 * nothing, however many votes pass them; a reason longer than reason-max
 * neither; in every arrival order; its own node refuses them. */
static void test_budgets_of_proposals(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	int64_t t0 = clock_now_ms() - 30 * MIN; /* near the clock: store_append below */
	/* the federation lowers reason-max to 16 bytes and open-proposals to 3 */
	struct rec *rm = seal_set(f, A, "reason-max", 16, t0);
	struct rec *ra = seal_vote(f, A, rm->id, YES, t0 + 1);
	struct rec *rb = seal_vote(f, B, rm->id, YES, t0 + 2);
	seal_tally_of(f, A, rm->id, (struct rec *[]){ra, rb}, 2, t0 + 3, -1, 0);
	struct rec *op = seal_set(f, A, "open-proposals", 3, t0 + 4);
	struct rec *oa = seal_vote(f, A, op->id, YES, t0 + 5);
	struct rec *oc = seal_vote(f, C, op->id, YES, t0 + 6);
	seal_tally_of(f, A, op->id, (struct rec *[]){oa, oc}, 2, t0 + 7, -1, 0);
	/* D, hostile: five proposals at once, and one with a long reason */
	struct rec *dp[5];
	for (int i = 0; i < 5; i++)
		dp[i] = seal_set(f, DD, "credit-limit", 100 + i, t0 + 10 + i);
	/* the fourth passes on two votes and D's own tally: no effect */
	struct rec *d4 = seal_vote(f, DD, dp[3]->id, YES, t0 + 20);
	struct rec *b4 = seal_vote(f, B, dp[3]->id, YES, t0 + 21);
	seal_tally_of(f, DD, dp[3]->id, (struct rec *[]){d4, b4}, 2, t0 + 22, -1, 0);
	struct rec *lr = seal_set_why(f, C, "threshold", 60, "a reason of more than sixteen",
				      t0 + 23);
	struct rec *sr = seal_set_why(f, B, "threshold", 70, "short", t0 + 24);
	for (size_t i = 0; i < f->nrec; i++)
		put(f->s, &f->rec[i]);
	assert_int_equal(governance_param(f->s, "reason-max"), 16);
	assert_int_equal(governance_param(f->s, "open-proposals"), 3);
	for (int i = 0; i < 3; i++)
		verdict_is(f->s, dp[i]->id, NULL);
	verdict_is(f->s, dp[3]->id, GOV_OVER_OPEN_PROPOSALS);
	verdict_is(f->s, dp[4]->id, GOV_OVER_OPEN_PROPOSALS);
	outcome_is(f->s, dp[3]->id, "open q0 y0 n0 v0 e4");
	assert_int_equal(governance_param(f->s, "credit-limit"), 0);
	verdict_is(f->s, lr->id, GOV_OVER_REASON_MAX);
	verdict_is(f->s, sr->id, NULL);
	char buf[256];
	assert_string_equal(q_text(f->s, "SELECT verdict FROM tallies WHERE proposal = ?1",
				   dp[3]->id, buf, sizeof buf), GOV_OVER_OPEN_PROPOSALS);
	/* a vote on it is refused by the voter's own node, and no tally is due */
	assert_int_equal(governance_vote_check(f->s, dp[3]->id, t0 + 30), -1);
	assert_non_null(strstr(err_msg(), "does not count"));
	struct gov_tally gt;
	assert_int_equal(governance_tally_make(f->s, dp[4]->id, 1, t0 + 30, &gt), 1);
	full_recount_agrees(f->s, "budgets");
	/* the same state in shuffled arrival orders, and after a reindex */
	static const char *const sqls[] = RECOUNT_TABLES;
	unsigned seed = (unsigned)time(NULL);
	print_message("budgets: seed %u\n", seed);
	for (int o = 0; o < 4; o++) {
		struct store *s = fx_store(f);
		unsigned order_seed = seed + (unsigned)o;
		deliver_shuffled(f, s, &order_seed);
		if (o == 3)
			assert_int_equal(store_reindex(s), 0);
		for (size_t t = 0; t < sizeof sqls / sizeof *sqls; t++) {
			char *x = db_dump(f->s, sqls[t]), *y = db_dump(s, sqls[t]);
			if (strcmp(x, y))
				fail_msg("order %d (seed %u): '%s' differs:\n%s---\n%s", o, seed,
					 sqls[t], x, y);
			free(x);
			free(y);
		}
		full_recount_agrees(s, "budgets, shuffled");
	}
	/* D's own node refuses its next proposal while three are open */
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Proposal p = MUTUA__PROPOSAL__INIT;
	Mutua__Parameter par = MUTUA__PARAMETER__INIT;
	par.name = "quorum";
	par.value = 40;
	p.what_case = MUTUA__PROPOSAL__WHAT_SET;
	p.set = &par;
	b.payload_case = MUTUA__BODY__PAYLOAD_PROPOSAL;
	b.proposal = &p;
	assert_int_equal(store_append(f->s, keys[DD], &b, NULL), -1);
	assert_non_null(strstr(err_msg(), "open-proposals"));
	par.name = "threshold";
	b = (Mutua__Body)MUTUA__BODY__INIT;
	b.payload_case = MUTUA__BODY__PAYLOAD_PROPOSAL;
	b.proposal = &p;
	assert_int_equal(store_append(f->s, keys[B], &b, NULL), 0);
}

/* ---- keys: rotation and rekey ---------------------------------------- */

static struct rec *seal_rotate(struct fx *f, int who, int to, int64_t t)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__KeyRotation kr = MUTUA__KEY_ROTATION__INIT;
	/* a fresh card: it names the key it replaces and the rotation's seq */
	char *text = card_make_fresh(keys[to], names[to], NULL, NULL, 0, T0, keys[who]->id,
				     f->feed[who].seq + 1);
	assert_non_null(text);
	kr.card = card_decode(text, NULL);
	assert_non_null(kr.card);
	free(text);
	b.payload_case = MUTUA__BODY__PAYLOAD_ROTATE;
	b.rotate = &kr;
	struct rec *r = seal(f, who, &b, t);
	mutua__card__free_unpacked(kr.card, NULL);
	return r;
}

static int member_of(struct store *s, int key, int member)
{
	uint8_t m[32];
	return store_member_of(s, keys[key]->id, m, NULL) == 1 &&
	       memcmp(m, keys[member]->id, 32) == 0;
}

static void test_rotation_keeps_the_member(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	put_ok(f->s, seal_offer(f, A, "Camion", AT(1)));
	const uint8_t *p = propose_set(f, B, "credit-limit", 100, AT(2));
	vote(f, A, p, NO, AT(3));
	/* A rotates to the key E: A's feed ends, E's feed is A's */
	struct rec *late = NULL;
	put_ok(f->s, seal_rotate(f, A, E, AT(4)));
	assert_true(member_of(f->s, E, A));
	assert_true(member_of(f->s, A, A));
	assert_true(zap_admits(f->s, E));
	assert_false(zap_admits(f->s, A));
	late = seal_offer(f, A, "Remorque", AT(5));
	put_refused(f->s, late, "replaced");
	/* E's entries are A's: its offer is A's, its vote replaces A's */
	put_ok(f->s, seal_offer(f, E, "Chariot", AT(6)));
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM resources WHERE owner = ?1",
			       keys[A]->id), 2);
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM resources WHERE owner = ?1",
			       keys[E]->id), 0);
	vote(f, E, p, YES, AT(7));
	outcome_is(f->s, p, "open q0 y1 n0 v1 e4");
	vote(f, B, p, YES, AT(8));
	outcome_is(f->s, p, "passed q1 y2 n0 v2 e4");
	/* the same state after a reindex, and in a store fed in another order */
	char *before = db_dump(f->s, "SELECT * FROM keys ORDER BY key");
	assert_int_equal(store_reindex(f->s), 0);
	char *after = db_dump(f->s, "SELECT * FROM keys ORDER BY key");
	assert_string_equal(before, after);
	struct store *t = fx_store(f);
	for (size_t i = f->nrec; i-- > 0;)
		put(t, &f->rec[i]); /* E's feed is refused until A's arrives */
	for (size_t i = 0; i < f->nrec; i++)
		put(t, &f->rec[i]);
	char *other = db_dump(t, "SELECT * FROM keys ORDER BY key");
	assert_string_equal(before, other);
	assert_int_equal(q_int(t, "SELECT count(*) FROM resources WHERE owner = ?1",
			       keys[A]->id), 2);
	free(before);
	free(after);
	free(other);
}

static void test_rotation_to_a_members_key_ends_the_feed_only(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	put_ok(f->s, seal_rotate(f, A, B, AT(1)));
	/* B stays B's: A has no key now, and signs nothing more */
	assert_true(member_of(f->s, B, B));
	put_refused(f->s, seal_offer(f, A, "Camion", AT(2)), "replaced");
	assert_true(zap_admits(f->s, B));
}

static Mutua__Rekey *rekey_of(struct fx *f, int member, int to, uint64_t upto)
{
	static Mutua__Rekey rk;
	mutua__rekey__init(&rk);
	rk.member.data = keys[member]->id;
	rk.member.len = 32;
	rk.key.data = keys[member]->id;
	rk.key.len = 32;
	rk.upto = upto;
	rk.card = card_of(to, NULL);
	(void)f;
	return &rk;
}

static void test_rekey_cuts_the_replaced_feed(void **state)
{
	struct fx *f = *state;
	fx_four(f);
	put_ok(f->s, seal_offer(f, DD, "Camion", AT(1)));
	put_ok(f->s, seal_offer(f, DD, "Remorque", AT(2)));
	/* D's key is stolen after seq 1: the members keep seq 1 only */
	Mutua__Proposal pr = MUTUA__PROPOSAL__INIT;
	pr.what_case = MUTUA__PROPOSAL__WHAT_REKEY;
	pr.rekey = rekey_of(f, DD, E, 1);
	struct rec *rp = seal_proposal(f, A, &pr, AT(3));
	mutua__card__free_unpacked(pr.rekey->card, NULL);
	put_ok(f->s, rp);
	put_refused(f->s, seal_offer(f, E, "Chariot", AT(4)), "not a member");
	vote(f, A, rp->id, YES, AT(5));
	vote(f, B, rp->id, YES, AT(6));
	outcome_is(f->s, rp->id, "passed q1 y2 n0 v2 e4");
	assert_true(member_of(f->s, E, DD));
	assert_true(zap_admits(f->s, E));
	assert_false(zap_admits(f->s, DD));
	/* finding 5: the thief's seq 2 came before the rekey passed; it has
	 * no effect now (the store folded again without it), nor after a
	 * reindex; its next entry is refused; E signs as D from seq 1 */
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM resources WHERE owner = ?1",
			       keys[DD]->id), 1);
	put_refused(f->s, seal_offer(f, DD, "Grue", AT(7)), "replaced");
	f->feed[E].seq = 0;
	put_ok(f->s, seal_offer(f, E, "Cave", AT(8)));
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM resources WHERE owner = ?1",
			       keys[DD]->id), 2);
	assert_int_equal(store_reindex(f->s), 0);
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM resources WHERE owner = ?1",
			       keys[DD]->id), 2);
	/* it stays in the store as evidence: an entry past its key's end */
	assert_int_equal(q_int(f->s, "SELECT count(*) FROM entries e JOIN keys k"
				     " ON k.key = e.author WHERE e.seq > k.cut AND k.key = ?1",
			       keys[DD]->id), 1);
	/* a rekey naming a key that is not the member's changes nothing */
	Mutua__Proposal bad = MUTUA__PROPOSAL__INIT;
	bad.what_case = MUTUA__PROPOSAL__WHAT_REKEY;
	bad.rekey = rekey_of(f, C, F1, 0);
	bad.rekey->key.data = keys[B]->id;
	struct rec *rb = seal_proposal(f, A, &bad, AT(9));
	mutua__card__free_unpacked(bad.rekey->card, NULL);
	put_ok(f->s, rb);
	vote(f, A, rb->id, YES, AT(10));
	vote(f, B, rb->id, YES, AT(11));
	assert_false(member_of(f->s, F1, C));
	assert_true(member_of(f->s, B, B));
	assert_true(member_of(f->s, C, C));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_majority_passes_at_the_deciding_vote),
		T(test_majority_rejects),
		T(test_quorum_not_reached_expires),
		T(test_quorum_of_three_quarters),
		T(test_tie_is_rejected),
		T(test_threshold_two_thirds),
		T(test_abstentions_count_for_quorum_only),
		T(test_late_votes_not_counted),
		T(test_later_vote_replaces_earlier),
		T(test_vote_by_non_member_ignored),
		T(test_proposal_by_non_member_ignored),
		T(test_backdated_proposal_keeps_its_electorate),
		T(test_admission_makes_a_member),
		T(test_admission_rejected_keeps_out),
		T(test_exclusion_from_the_passing_vote),
		T(test_excluded_members_vote_within_its_cut_stays),
		T(test_set_parameters),
		T(test_colleges_weight_beats_head_count),
		T(test_colleges_head_count_loses_on_weight),
		T(test_colleges_quorum_is_weighted),
		T(test_colleges_admission_in_a_college),
		T(test_same_outcome_whatever_the_feed_order),
		T(test_outcome_is_order_independent_for_votes),
		T(test_vote_timed_before_its_proposal),
		T(test_profile_does_not_move_a_voter_between_colleges),
		T(test_excluded_members_late_vote_not_counted_in_any_order),
		T(test_admission_not_undone_by_backdated_votes),
		T(test_listing_counts_what_the_tally_counts),
		T(test_count_refused_when_the_electorate_cannot_be_read),
		T(test_count_refused_under_a_held_write_lock),
		T(test_param_unreadable_is_an_error),
		T(test_vote_check),
		T(test_current_member),
		T(test_rotation_keeps_the_member),
		T(test_rotation_to_a_members_key_ends_the_feed_only),
		T(test_rekey_cuts_the_replaced_feed),
		T(test_shuffled_arrival_gives_one_state),
		T(test_vote_recount_is_bounded),
		T(test_budgets_of_proposals),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
