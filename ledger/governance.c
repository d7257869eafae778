/* governance.c - proposals, votes, and what follows from them.
 *
 * Tables (derived, rebuilt by store_reindex; columns in schema.c):
 * proposals, one row per proposal entry with its tally and outcome; votes,
 * every vote entry, with counted set on the one vote of each voter that
 * the count below took; members.active and members.excluded follow from
 * admissions and exclusions. Listings (mutua proposals) read the view
 * counted_votes: which votes count is decided here, in C, once, and
 * nowhere restated in SQL.
 *
 * The count, for a proposal made at time T (its author's clock) and open
 * until T + duration (the duration in force at T):
 *   - voters are the members at T (founders, and members whose admission
 *     passed at or before T, less those excluded at or before T); other
 *     votes are not counted, nor votes timed after the deadline, nor a
 *     voter's votes timed after its own exclusion (see governance_recount);
 *   - votes are taken in the order of their authors' clocks (ties by entry
 *     id), each member's latest replacing its earlier;
 *   - rule "majority": quorum met when voters * 100 >= quorum * members;
 *     rule "colleges": each college weighs its weight times the share of
 *     its members who voted, and the quorum is on that weighted share;
 *   - yes wins when its (college-weighted) share of yes and no exceeds
 *     the threshold; a tie is a rejection; abstentions count for the quorum
 *     only;
 *   - the proposal passes at the first vote after which quorum and
 *     threshold hold, and stays passed; passed_at is that vote's time, or
 *     T when that vote's clock was behind the proposer's.
 * Outcomes are recounted from scratch, in order of proposal time, whenever
 * a proposal or a vote arrives: the result depends on the entries, never
 * on the order in which they reached this node (a newcomer whose admission
 * no longer holds after a recount leaves no row behind).
 * Effects from passed_at: admit makes the card's member active (its
 * transport key is then admitted by every node's ZAP handler); exclude
 * sets excluded = passed_at (its later entries are refused; its past ones
 * stay valid); set changes a parameter; rekey ends the replaced key's feed
 * at the seq it names and gives the member the card's keys (fold.c, keys).
 */
#include "governance.h"
#include "federation.h"
#include "fold.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void governance_defaults(const Mutua__Genesis *g, uint32_t *rule, uint32_t *threshold,
			 uint32_t *quorum, uint64_t *duration)
{
	const Mutua__Governance *gv = g ? g->governance : NULL;
	*rule = gv ? gv->rule : GOV_RULE_MAJORITY;
	*threshold = gv ? gv->threshold : GOV_THRESHOLD_DEFAULT;
	*quorum = gv ? gv->quorum : GOV_QUORUM_DEFAULT;
	*duration = gv ? gv->duration : (uint64_t)GOV_DURATION_DEFAULT;
}

int governance_check(const Mutua__Governance *gv)
{
	if (gv->base.n_unknown_fields)
		return err_set("governance has unknown fields");
	if (gv->rule != GOV_RULE_MAJORITY && gv->rule != GOV_RULE_COLLEGES)
		return err_set("unknown governance rule %u", gv->rule);
	if (gv->threshold > 99 || gv->quorum > 100)
		return err_set("governance threshold or quorum out of range");
	if (gv->duration < GOV_DURATION_MIN || gv->duration > GOV_DURATION_MAX)
		return err_set("governance duration out of range");
	if ((gv->rule == GOV_RULE_COLLEGES) != (gv->n_colleges > 0) ||
	    gv->n_colleges > GOV_COLLEGES_MAX)
		return err_set("the colleges rule needs 1 to %d colleges, and only it",
			       GOV_COLLEGES_MAX);
	uint32_t sum = 0;
	for (size_t i = 0; i < gv->n_colleges; i++) {
		const Mutua__CollegeWeight *c = gv->colleges[i];
		if (c->base.n_unknown_fields || !*c->name ||
		    text_check("college", c->name, COLLEGE_MAX_LEN, 0) || c->weight > 100)
			return err_set("bad college in the governance rule");
		for (size_t j = 0; j < i; j++)
			if (strcmp(gv->colleges[j]->name, c->name) == 0)
				return err_set("college '%s' listed twice", c->name);
		sum += c->weight;
	}
	if (gv->n_colleges && sum != 100)
		return err_set("college weights sum to %u, not 100", sum);
	return 0;
}

int governance_param_check(const char *name, int64_t v)
{
	if (strcmp(name, "credit-limit") == 0)
		return v >= 0 && v <= 100000000000LL ? 0 : err_set("credit-limit out of range");
	if (strcmp(name, "threshold") == 0)
		return v >= 0 && v <= 99 ? 0 : err_set("threshold must be 0..99 (percent)");
	if (strcmp(name, "quorum") == 0)
		return v >= 0 && v <= 100 ? 0 : err_set("quorum must be 0..100 (percent)");
	if (strcmp(name, "duration") == 0)
		return v >= GOV_DURATION_MIN && v <= GOV_DURATION_MAX
			       ? 0 : err_set("duration out of range");
	return err_set("unknown parameter '%s' (credit-limit, threshold, quorum, duration)",
		       name);
}

/* The genesis value of a parameter. */
static int64_t genesis_param(struct store *s, const char *name)
{
	const Mutua__Genesis *g = store_genesis(s);
	uint32_t rule, threshold, quorum;
	uint64_t duration;
	governance_defaults(g, &rule, &threshold, &quorum, &duration);
	if (strcmp(name, "credit-limit") == 0)
		return g ? (int64_t)g->credit_limit : 0;
	if (strcmp(name, "threshold") == 0)
		return threshold;
	if (strcmp(name, "quorum") == 0)
		return quorum;
	return (int64_t)duration;
}

/* A parameter in force at time t (INT64_MAX: now). 0, or -1 with the
 * store's error: an unreadable parameter never reads as the genesis's. */
static int param_at(struct store *s, const char *name, int64_t t, int64_t *v)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT value FROM proposals WHERE kind = 'set'"
					 " AND param = ? AND state = 'passed' AND passed_at <= ?"
					 " ORDER BY passed_at DESC, id DESC LIMIT 1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		*v = genesis_param(s, name);
	else
		err_set("store: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int governance_param_get(struct store *s, const char *name, int64_t *v)
{
	return param_at(s, name, INT64_MAX, v);
}

int64_t governance_param(struct store *s, const char *name)
{
	int64_t v;
	return param_at(s, name, INT64_MAX, &v) ? genesis_param(s, name) : v;
}

int governance_vote_check(struct store *s, const uint8_t proposal[ENTRY_ID_BYTES],
			  int64_t time)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT state, deadline FROM proposals WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, proposal, ENTRY_ID_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (strcmp((const char *)sqlite3_column_text(st, 0), "passed") == 0)
			rc = err_set("the proposal has passed already");
		else if (sqlite3_column_int64(st, 1) < time)
			rc = err_set("the proposal is closed: its deadline has passed");
		else
			rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set("no such proposal");
	} else {
		rc = err_set("store: reading the proposal: %s",
			     sqlite3_errmsg(sqlite3_db_handle(st)));
	}
	sqlite3_reset(st);
	return rc;
}

int governance_fold(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	sqlite3_stmt *st;
	if (b->payload_case == MUTUA__BODY__PAYLOAD_VOTE) {
		st = store_stmt(s, "INSERT OR IGNORE INTO votes(id, proposal, voter, choice, time)"
				   " VALUES (?, ?, ?, ?, ?)");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, e->id, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, b->vote->proposal.data, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, e->member, 32, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, (int)b->vote->choice);
		sqlite3_bind_int64(st, 5, b->time);
		if (store_step_done(s, st))
			return -1;
		return governance_recount(s);
	}
	const Mutua__Proposal *p = b->proposal;
	st = store_stmt(s, "INSERT OR IGNORE INTO proposals(id, proposer, kind, target, card,"
			   " college, param, value, reason, created, target_name, oldkey)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, ''), ?)");
	/* coalesce: an unbound target_name (set, exclude) is NULL, and OR
	 * IGNORE would silently drop the row for its NOT NULL */
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, e->id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, e->member, 32, SQLITE_STATIC);
	const Mutua__Card *card = NULL;
	switch (p->what_case) {
	case MUTUA__PROPOSAL__WHAT_ADMIT: {
		Mutua__CardBody *cb = card_open(p->admit);
		if (!cb)
			return -1; /* checked at decode: cannot happen */
		sqlite3_bind_text(st, 3, "admit", -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, cb->id.data, 32, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 11, cb->name, -1, SQLITE_TRANSIENT);
		mutua__card_body__free_unpacked(cb, NULL);
		card = p->admit;
		break;
	}
	case MUTUA__PROPOSAL__WHAT_REKEY:
		sqlite3_bind_text(st, 3, "rekey", -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, p->rekey->member.data, 32, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)p->rekey->upto);
		sqlite3_bind_blob(st, 12, p->rekey->key.data, 32, SQLITE_STATIC);
		card = p->rekey->card;
		break;
	case MUTUA__PROPOSAL__WHAT_EXCLUDE:
		sqlite3_bind_text(st, 3, "exclude", -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, p->exclude.data, 32, SQLITE_STATIC);
		break;
	case MUTUA__PROPOSAL__WHAT_SET:
		sqlite3_bind_text(st, 3, "set", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, p->set->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, p->set->value);
		break;
	default:
		return err_set("cannot fold this proposal");
	}
	if (card) {
		size_t n = mutua__card__get_packed_size(card);
		uint8_t *packed = malloc(n);
		if (!packed)
			return err_set("out of memory");
		mutua__card__pack(card, packed);
		sqlite3_bind_blob(st, 5, packed, (int)n, free);
	}
	sqlite3_bind_text(st, 6, p->college ? p->college : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, p->reason ? p->reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, b->time);
	if (store_step_done(s, st))
		return -1;
	return governance_recount(s);
}

/* ---- the count -------------------------------------------------------- */

struct voter {
	uint8_t id[32];
	int college; /* index in the rule's colleges, -1 none */
	int choice;  /* latest counted vote, 0 none */
	uint8_t vote[32]; /* its id */
	int64_t out; /* excluded at (as the previous pass found), 0 never */
};

/* A member's exclusion found by a pass of the count. */
struct excl {
	uint8_t id[32];
	int64_t at;
};

struct tally {
	int quorum_met, passed;
	double yes, no;
	int voters;
};

static void count(const Mutua__Governance *gv, uint32_t rule, int64_t threshold,
		  int64_t quorum, const struct voter *v, size_t n, struct tally *t)
{
	memset(t, 0, sizeof *t);
	if (n == 0)
		return;
	if (rule == GOV_RULE_MAJORITY || !gv) {
		int yes = 0, no = 0, voted = 0;
		for (size_t i = 0; i < n; i++) {
			voted += v[i].choice != 0;
			yes += v[i].choice == VOTE_YES;
			no += v[i].choice == VOTE_NO;
		}
		t->voters = voted;
		t->yes = yes;
		t->no = no;
		t->quorum_met = (int64_t)voted * 100 >= quorum * (int64_t)n;
		t->passed = t->quorum_met && yes + no > 0 &&
			    (int64_t)yes * 100 > threshold * (int64_t)(yes + no);
		return;
	}
	double part = 0, wsum = 0, yshare = 0, ysum = 0;
	for (size_t c = 0; c < gv->n_colleges; c++) {
		int members = 0, voted = 0, yes = 0, no = 0;
		for (size_t i = 0; i < n; i++) {
			if (v[i].college != (int)c)
				continue;
			members++;
			voted += v[i].choice != 0;
			yes += v[i].choice == VOTE_YES;
			no += v[i].choice == VOTE_NO;
		}
		t->voters += voted;
		if (!members)
			continue;
		double w = gv->colleges[c]->weight;
		wsum += w;
		part += w * voted / members;
		if (yes + no) {
			ysum += w;
			yshare += w * yes / (yes + no);
		}
	}
	t->yes = yshare;
	t->no = ysum - yshare;
	t->quorum_met = wsum > 0 && part * 100 >= (double)quorum * wsum;
	t->passed = t->quorum_met && ysum > 0 && yshare * 100 > (double)threshold * ysum;
}

static int college_index(const Mutua__Governance *gv, const char *name)
{
	for (size_t i = 0; gv && i < gv->n_colleges; i++)
		if (strcmp(gv->colleges[i]->name, name) == 0)
			return (int)i;
	return -1;
}

/* Members who may vote on a proposal made at t, in *out (malloc'd, *n of
 * them); out from the exclusions `late` (nlate of them) found by the
 * previous pass. 0, or -1 with err_set: the count is then refused, never
 * run over part of the electorate. */
static int voters_at(struct store *s, const Mutua__Governance *gv, int64_t t,
		     const struct excl *late, size_t nlate, struct voter **out, size_t *n)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, college FROM members WHERE active"
					 " AND since <= ? AND (excluded IS NULL OR excluded > ?)"
					 " ORDER BY id");
	size_t cap = 16;
	struct voter *v = NULL;
	int rc;
	*n = 0;
	*out = NULL;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, t);
	sqlite3_bind_int64(st, 2, t);
	if (!(v = malloc(cap * sizeof *v))) {
		rc = SQLITE_NOMEM;
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			void *more = realloc(v, 2 * cap * sizeof *v);
			if (!more) {
				rc = SQLITE_NOMEM;
				goto fail;
			}
			v = more;
			cap *= 2;
		}
		struct voter *w = &v[*n];
		memset(w, 0, sizeof *w);
		memcpy(w->id, sqlite3_column_blob(st, 0), 32);
		w->college = college_index(gv, (const char *)sqlite3_column_text(st, 1));
		for (size_t k = 0; k < nlate; k++)
			if (memcmp(late[k].id, w->id, 32) == 0)
				w->out = late[k].at;
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_reset(st);
	*out = v;
	return 0;
fail:
	if (rc == SQLITE_NOMEM)
		err_set("out of memory counting the voters");
	else
		err_set("store: counting the voters: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
	sqlite3_reset(st);
	free(v);
	*n = 0;
	return -1;
}

/* The verified body of the card held in column i of a proposal row. */
static Mutua__CardBody *card_column(sqlite3_stmt *p, int i)
{
	Mutua__Card *card = mutua__card__unpack(NULL, (size_t)sqlite3_column_bytes(p, i),
						sqlite3_column_blob(p, i));
	Mutua__CardBody *cb = card ? card_open(card) : NULL;
	if (card)
		mutua__card__free_unpacked(card, NULL);
	return cb;
}

/* A passed rekey: the replaced key's feed ends at upto, if that key is
 * the member's; the card's keys become the member's (fold_new_key). */
static int apply_rekey(struct store *s, sqlite3_stmt *p)
{
	const uint8_t *member = sqlite3_column_blob(p, 2);
	const void *old = sqlite3_column_blob(p, 7);
	uint8_t owner[32];
	if (!member || sqlite3_column_bytes(p, 7) != 32)
		return 0;
	int whose = store_member_of(s, old, owner, NULL);
	if (whose < 0)
		return -1;
	if (whose == 0 || memcmp(owner, member, 32) != 0)
		return 0;
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO keys(key, member, cut) VALUES (?1, ?2, ?3)"
					 " ON CONFLICT(key) DO UPDATE SET cut ="
					 " min(coalesce(cut, excluded.cut), excluded.cut)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, old, 32, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 2, owner, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, sqlite3_column_int64(p, 8));
	if (store_step_done(s, st))
		return -1;
	Mutua__CardBody *cb = card_column(p, 3);
	if (!cb)
		return 0;
	int rc = fold_new_key(s, owner, cb, 1);
	mutua__card_body__free_unpacked(cb, NULL);
	return rc;
}

/* Applies a passed proposal's effect. */
static int apply(struct store *s, sqlite3_stmt *p, int64_t passed_at)
{
	const char *kind = (const char *)sqlite3_column_text(p, 1);
	sqlite3_stmt *st;
	if (strcmp(kind, "admit") == 0) {
		Mutua__CardBody *cb = card_column(p, 3);
		if (!cb)
			return 0;
		const char *college = (const char *)sqlite3_column_text(p, 4);
		st = store_stmt(s, "INSERT INTO members(id, xkey, name, college, founder, since,"
				   " active) VALUES (?, ?, ?, ?, 0, ?, 1) ON CONFLICT(id) DO UPDATE"
				   " SET active = 1, since = excluded.since");
		int rc = -1;
		if (st) {
			sqlite3_bind_blob(st, 1, cb->id.data, 32, SQLITE_STATIC);
			sqlite3_bind_blob(st, 2, cb->transport_key.data, 32, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, cb->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, *college ? college : cb->college ? cb->college : "",
					  -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 5, passed_at);
			rc = store_step_done(s, st);
		}
		/* the card's endpoints, unless a profile gave others since */
		for (size_t i = 0; rc == 0 && i < cb->n_endpoints; i++) {
			st = store_stmt(s, "INSERT INTO member_endpoints(member, url) SELECT ?, ?"
					   " WHERE NOT EXISTS (SELECT 1 FROM member_endpoints"
					   " WHERE member = ? AND url = ?)");
			if (!st) {
				rc = -1;
				break;
			}
			sqlite3_bind_blob(st, 1, cb->id.data, 32, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, cb->endpoints[i], -1, SQLITE_STATIC);
			sqlite3_bind_blob(st, 3, cb->id.data, 32, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, cb->endpoints[i], -1, SQLITE_STATIC);
			rc = store_step_done(s, st);
		}
		mutua__card_body__free_unpacked(cb, NULL);
		return rc;
	}
	if (strcmp(kind, "exclude") == 0) {
		st = store_stmt(s, "UPDATE members SET excluded = ? WHERE id = ?"
				   " AND (excluded IS NULL OR excluded > ?)");
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, passed_at);
		sqlite3_bind_blob(st, 2, sqlite3_column_blob(p, 2), 32, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, passed_at);
		return store_step_done(s, st);
	}
	if (strcmp(kind, "rekey") == 0)
		return apply_rekey(s, p);
	return 0; /* set: read through param_at */
}

/* Every exclusion in force, in id order (malloc'd), or NULL on error. */
static struct excl *exclusions(struct store *s, size_t *n)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, excluded FROM members"
					 " WHERE excluded IS NOT NULL ORDER BY id");
	size_t cap = 8;
	struct excl *x = NULL;
	int rc;
	*n = 0;
	if (!st)
		return NULL;
	if (!(x = malloc(cap * sizeof *x))) {
		rc = SQLITE_NOMEM;
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			void *more = realloc(x, 2 * cap * sizeof *x);
			if (!more) {
				rc = SQLITE_NOMEM;
				goto fail;
			}
			x = more;
			cap *= 2;
		}
		memset(&x[*n], 0, sizeof *x);
		memcpy(x[*n].id, sqlite3_column_blob(st, 0), 32);
		x[*n].at = sqlite3_column_int64(st, 1);
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_reset(st);
	return x;
fail:
	if (rc == SQLITE_NOMEM)
		err_set("out of memory");
	else
		err_set("store: reading the exclusions: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
	sqlite3_reset(st);
	free(x);
	*n = 0;
	return NULL;
}

static int recount_pass(struct store *s, const struct excl *late, size_t nlate);

/* A member's votes timed after its exclusion do not count, whether or not
 * they reached this node before the exclusion did (a node that knew of it
 * refused them): but the exclusion may be decided by a proposal made after
 * the one voted on, so the count runs again with the exclusions the
 * previous pass found, until they no longer change. Each pass depends on
 * the entries alone, so the result does too. */
#define RECOUNT_PASSES 4

int governance_recount(struct store *s)
{
	struct excl *late = NULL;
	size_t nlate = 0;
	int rc = -1;
	for (int pass = 0; pass < RECOUNT_PASSES; pass++) {
		size_t n;
		struct excl *found;
		if (recount_pass(s, late, nlate) || !(found = exclusions(s, &n)))
			goto out;
		int same = n == nlate && (n == 0 || memcmp(found, late, n * sizeof *found) == 0);
		free(late);
		late = found;
		nlate = n;
		if (same)
			break;
	}
	/* a newcomer whose admission no longer holds (votes timed earlier
	 * arrived since) leaves no trace: as in a store that never saw it pass */
	rc = store_exec(s, "DELETE FROM member_endpoints WHERE member IN (SELECT id FROM members"
			   " WHERE NOT founder AND NOT active);"
			   " DELETE FROM members WHERE NOT founder AND NOT active");
out:
	free(late);
	return rc;
}

/* Marks the votes the count took (counted_votes). */
static int mark_counted(struct store *s, const struct voter *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!v[i].choice)
			continue;
		sqlite3_stmt *st = store_stmt(s, "UPDATE votes SET counted = 1 WHERE id = ?1");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, v[i].vote, 32, SQLITE_STATIC);
		if (store_step_done(s, st))
			return -1;
	}
	return 0;
}

/* The votes on proposal id timed by its deadline, in the order they are
 * taken, into v (n voters; none taken unless proposer_ok): fills t and
 * passed_at (-1 never passed). */
static int tally_votes(struct store *s, const uint8_t *id, int proposer_ok, int64_t created,
		       int64_t deadline, int64_t threshold, int64_t quorum, struct voter *v,
		       size_t n, struct tally *t, int64_t *passed_at)
{
	const Mutua__Genesis *g = store_genesis(s);
	const Mutua__Governance *gv = g ? g->governance : NULL;
	uint32_t rule, th0, q0;
	uint64_t d0;
	governance_defaults(g, &rule, &th0, &q0, &d0);
	*passed_at = -1;
	/* a backdated vote counts for nothing (witness.h, rule a) */
	sqlite3_stmt *vs = store_stmt(s, "SELECT voter, choice, time, id FROM votes v"
					 " WHERE proposal = ? AND time <= ?"
					 " AND NOT EXISTS (SELECT 1 FROM backdated b WHERE b.id = v.id)"
					 " ORDER BY time, id");
	if (!vs)
		return -1;
	sqlite3_bind_blob(vs, 1, id, 32, SQLITE_STATIC);
	sqlite3_bind_int64(vs, 2, deadline);
	int rc = SQLITE_DONE;
	while (proposer_ok && (rc = sqlite3_step(vs)) == SQLITE_ROW) {
		const uint8_t *voter = sqlite3_column_blob(vs, 0);
		int choice = sqlite3_column_int(vs, 1);
		int64_t when = sqlite3_column_int64(vs, 2);
		for (size_t i = 0; i < n; i++)
			if (memcmp(v[i].id, voter, 32) == 0 && !(v[i].out && when > v[i].out)) {
				v[i].choice = choice;
				memcpy(v[i].vote, sqlite3_column_blob(vs, 3), 32);
			}
		count(gv, rule, threshold, quorum, v, n, t);
		/* a vote timed before its proposal (a clock behind) takes
		 * effect no earlier than the proposal: effects then follow
		 * proposals in the order recount_pass replays them */
		if (t->passed && *passed_at < 0)
			*passed_at = when > created ? when : created;
	}
	if (rc != SQLITE_DONE) {
		err_set("store: counting the votes: %s", sqlite3_errmsg(sqlite3_db_handle(vs)));
		sqlite3_reset(vs);
		return -1;
	}
	sqlite3_reset(vs);
	count(gv, rule, threshold, quorum, v, n, t);
	return 0;
}

/* Counts the proposal in row p of recount_pass, applies it if it passed,
 * and stores its tally. Any error refuses the whole count. */
static int count_proposal(struct store *s, sqlite3_stmt *p, const struct excl *late,
			  size_t nlate)
{
	const Mutua__Genesis *g = store_genesis(s);
	const Mutua__Governance *gv = g ? g->governance : NULL;
	const uint8_t *id = sqlite3_column_blob(p, 0);
	int64_t created = sqlite3_column_int64(p, 5);
	int64_t duration, threshold, quorum;
	if (param_at(s, "duration", created, &duration) ||
	    param_at(s, "threshold", created, &threshold) ||
	    param_at(s, "quorum", created, &quorum))
		return -1;
	int64_t deadline = created + duration;
	size_t n;
	struct voter *v;
	if (voters_at(s, gv, created, late, nlate, &v, &n))
		return -1;
	/* a proposal by someone who was not a member counts for nothing */
	int proposer_ok = 0;
	for (size_t i = 0; i < n; i++)
		proposer_ok |= memcmp(v[i].id, sqlite3_column_blob(p, 6), 32) == 0;
	struct tally t = {0};
	int64_t passed_at = -1;
	int rc = tally_votes(s, id, proposer_ok, created, deadline, threshold, quorum, v, n, &t,
			     &passed_at);
	if (rc == 0)
		rc = mark_counted(s, v, n);
	free(v);
	if (rc == 0 && passed_at >= 0)
		rc = apply(s, p, passed_at);
	if (rc)
		return -1;
	sqlite3_stmt *u = store_stmt(s, "UPDATE proposals SET deadline = ?, state = ?,"
					" passed_at = ?, quorum_met = ?, yes = ?, no = ?,"
					" voters = ?, eligible = ? WHERE id = ?");
	if (!u)
		return -1;
	sqlite3_bind_int64(u, 1, deadline);
	sqlite3_bind_text(u, 2, passed_at >= 0 ? "passed" : "open", -1, SQLITE_STATIC);
	if (passed_at >= 0)
		sqlite3_bind_int64(u, 3, passed_at);
	sqlite3_bind_int(u, 4, t.quorum_met);
	sqlite3_bind_double(u, 5, t.yes);
	sqlite3_bind_double(u, 6, t.no);
	sqlite3_bind_int(u, 7, t.voters);
	sqlite3_bind_int64(u, 8, (sqlite3_int64)n);
	sqlite3_bind_blob(u, 9, id, 32, SQLITE_TRANSIENT);
	return store_step_done(s, u);
}

static int recount_pass(struct store *s, const struct excl *late, size_t nlate)
{
	/* undo every effect, then replay the proposals in time order */
	if (store_exec(s, "UPDATE members SET active = founder, excluded = NULL;"
			  " UPDATE proposals SET state = 'open', passed_at = NULL;"
			  " UPDATE votes SET counted = 0 WHERE counted;"
			  " DELETE FROM keys WHERE rekey AND rotated IS NULL;"
			  " UPDATE keys SET cut = NULL WHERE cut IS NOT NULL;"
			  " DELETE FROM keys WHERE key = member AND rotated IS NULL"))
		return -1;
	sqlite3_stmt *p;
	if (sqlite3_prepare_v2(store_db(s), "SELECT id, kind, target, card, college, created,"
					    " proposer, oldkey, value FROM proposals"
					    " ORDER BY created, id",
			       -1, &p, NULL))
		return err_set("store: %s", sqlite3_errmsg(store_db(s)));
	int rc;
	while ((rc = sqlite3_step(p)) == SQLITE_ROW)
		if (count_proposal(s, p, late, nlate)) {
			sqlite3_finalize(p);
			return -1;
		}
	if (rc != SQLITE_DONE)
		err_set("store: reading the proposals: %s", sqlite3_errmsg(store_db(s)));
	sqlite3_finalize(p);
	return rc == SQLITE_DONE ? 0 : -1;
}
