/* governance.c - proposals, votes, tallies, and what follows from them.
 *
 * Tables (derived, rebuilt by store_reindex; columns in schema.c):
 * proposals, one row per proposal entry with its count and outcome;
 * votes, every vote entry, with counted set on the votes the count took;
 * tallies and tally_votes, every tally entry and the votes it cites;
 * members.active, admitted_by, excluded_by and the keys' cuts follow from
 * the decisions. Listings read the view counted_votes: which votes count
 * is decided here, in C, once.
 *
 * Decided by position, not by clock (DESIGN.md, invariant 9):
 *   - a proposal made at T (its author's clock) is open until its
 *     deadline, T + the duration in force at T; votes name it;
 *   - a TALLY closes it: an entry of any member that cites the votes it
 *     counts (vote entry ids). Every node checks it against what it
 *     holds; it is valid when each cited vote is held (else it waits), is
 *     on the proposal, is timed by the deadline and by the tally, comes
 *     from a member of the electorate, and no voter is cited twice; and
 *     either the cited votes pass the proposal (a passing tally, valid at
 *     any time) or the tally is timed at or after the deadline (it fails
 *     it). An exclusion's passing tally names the cut: the excluded
 *     member's key and the last seq of it that stays the member's (which
 *     the node must hold, else it waits);
 *   - the tally that counts is the first valid one in this order: the
 *     proposer's own tallies by seq (the proposer is the serialisation
 *     point of its proposal, as an owner is of its resource: a vote
 *     signed after that tally, however it is stamped, changes nothing),
 *     then a passing tally before a failing one (a passed proposal stays
 *     passed), the smallest id first. An id can be ground, a position
 *     cannot: hence the proposer first. The outcome is the counting
 *     tally's: a function of the entries held, the same in every order;
 *   - the electorate is fixed by the decisions, not by the proposal's
 *     claimed time: the members current as the other proposals are
 *     decided (founders and admitted members, less those excluded by
 *     another proposal; the member a proposal admits does not vote on it,
 *     the one it excludes does). governance_recount computes the fixed
 *     point from the founders, pass after pass;
 *   - rule "majority": quorum met when voters * 100 >= quorum * members;
 *     rule "colleges": each college weighs its weight times the share of
 *     its members who voted, and the quorum is on that weighted share;
 *     yes wins when its (college-weighted) share of yes and no exceeds
 *     the threshold; a tie is a rejection; abstentions count for the
 *     quorum only.
 * Effects of a passed proposal (passed_at is its tally's time, data for
 * display and for which parameter a later proposal's deadline takes):
 * admit makes the card's member active unless its key is some member's
 * key already; exclude marks the member out and cuts its key's feed at the
 * tally's seq; rekey cuts the replaced key's feed at the seq it names and
 * gives the member the card's keys; set changes a parameter; settle closes
 * a disputed loan at its usage (loan.h; the loans it names are recomputed
 * after each count, governance_settlement). What a cut leaves out has no
 * effect on any state: store.c refolds (settle).
 */
#include "governance.h"
#include "err.h"
#include "clock.h"
#include "rotate.h"
#include "federation.h"
#include "lending.h"
#include "fold.h"
#include "store.h"
#include "store_int.h"
#include "util.h"
#include "i18n.h"

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

/* The federation's parameters (Parameter.name): the values a set may
 * take, the refusal of any other (a format of the bounds), and the value
 * in force before any set, when the genesis does not state it (0: the
 * genesis does, genesis_param). */
static const struct param {
	const char *name;
	long long min, max, start;
	const char *refusal;
} params[] = {
	{"credit-limit", 0, 100000000000LL, 0, N_("credit-limit out of range")},
	{"threshold", 0, 99, 0, N_("threshold must be %lld..%lld (percent)")},
	{"quorum", 0, 100, 0, N_("quorum must be %lld..%lld (percent)")},
	{"duration", GOV_DURATION_MIN, GOV_DURATION_MAX, 0, N_("duration out of range")},
	{"close-grace", 0, GOV_DURATION_MAX, GOV_CLOSE_GRACE_DEFAULT,
	 N_("close-grace out of range")},
	{"open-proposals", 1, GOV_OPEN_PROPOSALS_MAX, GOV_OPEN_PROPOSALS_DEFAULT,
	 N_("open-proposals must be %lld..%lld")},
	{"reason-max", 0, NOTE_MAX_LEN, GOV_REASON_MAX_DEFAULT,
	 N_("reason-max must be %lld..%lld (bytes)")},
	{"entries-per-day", 1, GOV_ENTRIES_PER_DAY_MAX, GOV_ENTRIES_PER_DAY_DEFAULT,
	 N_("entries-per-day must be %lld..%lld")},
	{"bytes-per-day", GOV_BYTES_PER_DAY_MIN, GOV_BYTES_PER_DAY_MAX, GOV_BYTES_PER_DAY_DEFAULT,
	 N_("bytes-per-day must be %lld..%lld")},
};
#define NPARAMS (sizeof params / sizeof *params)

static const struct param *param_find(const char *name)
{
	for (size_t i = 0; i < NPARAMS; i++)
		if (strcmp(params[i].name, name) == 0)
			return &params[i];
	return NULL;
}

int governance_param_check(const char *name, int64_t v)
{
	const struct param *p = param_find(name);
	if (p)
		return v >= p->min && v <= p->max ? 0 : err_set(p->refusal, p->min, p->max);
	char names[256] = "";
	for (size_t i = 0, n = 0; i < NPARAMS && n < sizeof names; i++)
		n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "",
				      params[i].name);
	return err_set("unknown parameter '%s' (%s)", name, names);
}

/* The genesis value of a parameter. */
static int64_t genesis_param(struct store *s, const char *name)
{
	const Mutua__Genesis *g = store_genesis(s);
	uint32_t rule, threshold, quorum;
	uint64_t duration;
	governance_defaults(g, &rule, &threshold, &quorum, &duration);
	const struct param *p = param_find(name);
	if (p && p->start)
		return p->start;
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
	/* the latest passed_at, then the greatest id: max() and its bare
	 * column rather than ORDER BY passed_at DESC, id DESC LIMIT 1, whose
	 * tie on id took a temporary b-tree at each call (one a vote) */
	sqlite3_stmt *st = store_stmt(s, "SELECT value, max(id) FROM proposals WHERE kind = 'set'"
					 " AND param = ?1 AND state = 'passed' AND passed_at ="
					 " (SELECT max(passed_at) FROM proposals WHERE kind = 'set'"
					 " AND param = ?1 AND state = 'passed' AND passed_at <= ?2)");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 1) != SQLITE_NULL)
		*v = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		*v = genesis_param(s, name);
	else
		err_set("store: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int governance_param_at(struct store *s, const char *name, int64_t t, int64_t *v)
{
	return param_at(s, name, t, v);
}

int governance_settlement(struct store *s, const uint8_t request[32], int64_t *usage,
			  int64_t *at, int64_t *forfeit)
{
	/* the one "passed" predicate: proposals.state, as the count sets it;
	 * of two passed settlements of one loan, the lower id (not the
	 * earlier claimed time: clocks decide nothing) */
	/* min() and its bare columns: no temporary b-tree for ORDER BY id,
	 * at every recompute of a loan; one row, min(id) NULL when none */
	sqlite3_stmt *st = store_stmt(s, "SELECT value, passed_at, coalesce(forfeit, 0), min(id)"
					 " FROM proposals WHERE kind = 'settle' AND target = ?"
					 " AND state = 'passed'");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, request, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 3) == SQLITE_NULL)
		rc = SQLITE_DONE;
	if (rc == SQLITE_ROW) {
		*usage = sqlite3_column_int64(st, 0);
		*at = sqlite3_column_int64(st, 1);
		*forfeit = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_db_error(s);
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

int governance_passed(struct store *s, const uint8_t proposal[ENTRY_ID_BYTES])
{
	sqlite3_stmt *st = store_stmt(s, "SELECT state = 'passed' FROM proposals WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, proposal, ENTRY_ID_BYTES, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	if (rc == 1)
		rc = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc;
}

int governance_vote_check(struct store *s, const uint8_t proposal[ENTRY_ID_BYTES],
			  int64_t time)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT state, deadline, verdict FROM proposals"
					 " WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, proposal, ENTRY_ID_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			rc = err_set("the proposal does not count: %s", sqlite3_column_text(st, 2));
		else if (strcmp((const char *)sqlite3_column_text(st, 0), "passed") == 0)
			rc = err_set("the proposal has passed already");
		else if (strcmp((const char *)sqlite3_column_text(st, 0), "open") != 0)
			rc = err_set("the proposal is closed: a tally decided it");
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

static int recount_for(struct store *s, const uint8_t *proposal, const struct entry *vote);

static int fold_tally(struct store *s, const struct entry *e)
{
	const Mutua__Tally *t = e->b->tally;
	sqlite3_stmt *st = store_stmt(s, "INSERT OR IGNORE INTO tallies(id, proposal, author, key,"
					 " seq, time, cut_key, cut) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, e->id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, t->proposal.data, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, e->member, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, e->b->author.data, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)e->b->seq);
	sqlite3_bind_int64(st, 6, e->b->time);
	if (t->has_cut_key) {
		sqlite3_bind_blob(st, 7, t->cut_key.data, 32, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)t->cut);
	}
	if (store_step_done(s, st))
		return -1;
	for (size_t i = 0; i < t->n_votes; i++) {
		/* a vote cited twice is refused at decode (entry.c) */
		st = store_stmt(s, "INSERT OR IGNORE INTO tally_votes(tally, vote) VALUES (?, ?)");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, e->id, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, t->votes[i].data, 32, SQLITE_STATIC);
		if (store_step_done(s, st))
			return -1;
	}
	return recount_for(s, t->proposal.data, NULL);
}

int governance_fold(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	sqlite3_stmt *st;
	if (b->payload_case == MUTUA__BODY__PAYLOAD_TALLY)
		return fold_tally(s, e);
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
		return recount_for(s, b->vote->proposal.data, e);
	}
	const Mutua__Proposal *p = b->proposal;
	st = store_stmt(s, "INSERT OR IGNORE INTO proposals(id, proposer, kind, target, card,"
			   " college, param, value, reason, created, target_name, oldkey, key, seq)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, ''), ?, ?, ?)");
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
	case MUTUA__PROPOSAL__WHAT_SETTLE:
		sqlite3_bind_text(st, 3, "settle", -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, p->settle->request.data, 32, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)p->settle->usage);
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
	sqlite3_bind_blob(st, 13, b->author.data, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, (sqlite3_int64)b->seq);
	if (store_step_done(s, st))
		return -1;
	if (p->what_case == MUTUA__PROPOSAL__WHAT_SETTLE && p->settle->has_forfeit) {
		st = store_stmt(s, "UPDATE proposals SET forfeit = ? WHERE id = ?");
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)p->settle->forfeit);
		sqlite3_bind_blob(st, 2, e->id, 32, SQLITE_STATIC);
		if (store_step_done(s, st))
			return -1;
	}
	if (p->what_case == MUTUA__PROPOSAL__WHAT_ADMIT) {
		/* a rotation that took the applicant's key before this arrived
		 * loses it: fold again as if this had come first */
		st = store_stmt(s, "SELECT 1 FROM keys k JOIN proposals p ON p.target = k.key"
				   " WHERE p.id = ?1 AND NOT k.rekey");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, e->id, 32, SQLITE_STATIC);
		int taken = store_step_row(s, st);
		sqlite3_reset(st);
		if (taken < 0)
			return -1;
		if (taken)
			store_refold_wanted(s);
	}
	/* a proposal of its author's timed after this one came first (from
	 * the member's other key: a rekey's): its budget may change too */
	st = store_stmt(s, "SELECT 1 FROM proposals WHERE proposer = ?1 AND created >= ?2"
			   " AND id != ?3 AND (created > ?2 OR seq > ?4)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, e->member, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, b->time);
	sqlite3_bind_blob(st, 3, e->id, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)b->seq);
	int later = store_step_row(s, st);
	sqlite3_reset(st);
	if (later < 0)
		return -1;
	return later ? governance_recount(s) : recount_for(s, e->id, NULL);
}

/* ---- the count -------------------------------------------------------- */

struct voter {
	uint8_t id[32];
	int college; /* index in the rule's colleges, -1 none */
	int choice;  /* the vote taken, 0 none */
	uint8_t vote[32]; /* its id */
};

struct count {
	int quorum_met, passed;
	double yes, no;
	int voters;
};

static void count(const Mutua__Governance *gv, uint32_t rule, int64_t threshold,
		  int64_t quorum, const struct voter *v, size_t n, struct count *t)
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

/* A proposal as the count sees it. */
struct prop {
	uint8_t id[32], proposer[32], target[32];
	char kind[8];
	int64_t created, deadline, threshold, quorum, seq, reason_len;
};

/* A proposal's outcome: what the tally that counts says. */
struct decision {
	int state; /* 0 open (no valid tally), 1 passed, 2 failed */
	uint8_t tally[32];
	int64_t at; /* the tally's time */
	int has_cut;
	uint8_t cut_key[32];
	int64_t cut;
};

/* The electorate of proposal p (by position, never by a clock): the
 * members as the other decisions stand, in *out (malloc'd, *n of them):
 * every active member, less the one p itself admits, less those excluded
 * by another proposal that cast no vote on p before their cut (a vote
 * within an excluded member's cut was a member's vote, and stays one);
 * the member p excludes still votes on it.
 * 0, or -1 with err_set: the count is then refused, never run over part
 * of the electorate. */
static int electorate(struct store *s, const Mutua__Governance *gv, const struct prop *p,
		      struct voter **out, size_t *n)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, college FROM members m WHERE active"
					 " AND (excluded_by IS NULL OR excluded_by = ?1 OR EXISTS"
					 " (SELECT 1 FROM votes v WHERE v.proposal = ?1"
					 " AND v.voter = m.id))"
					 " AND (admitted_by IS NULL OR admitted_by != ?1)"
					 " ORDER BY id");
	size_t cap = 16;
	struct voter *v = NULL;
	int rc;
	*n = 0;
	*out = NULL;
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, p->id, 32, SQLITE_STATIC);
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

static struct voter *find_voter(struct voter *v, size_t n, const void *id)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(v[i].id, id, 32) == 0)
			return &v[i];
	return NULL;
}

/* The votes a tally made now would cite: each voter's latest vote timed
 * from the proposal to its deadline (latest in its own feed's order, which
 * its times follow), none that a witness shows backdated (witness.h, rule
 * a), into v. */
static int latest_votes(struct store *s, const struct prop *p, struct voter *v, size_t n)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT voter, choice, id FROM votes x"
					 " WHERE proposal = ?1 AND time BETWEEN ?3 AND ?2"
					 " AND NOT EXISTS (SELECT 1 FROM backdated b WHERE b.id = x.id)"
					 " ORDER BY time, id");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, p->id, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, p->deadline);
	sqlite3_bind_int64(st, 3, p->created);
	int rc;
	while ((rc = store_step_row(s, st)) == 1) {
		struct voter *w = find_voter(v, n, sqlite3_column_blob(st, 0));
		if (w) {
			w->choice = sqlite3_column_int(st, 1);
			memcpy(w->vote, sqlite3_column_blob(st, 2), 32);
		}
	}
	sqlite3_reset(st);
	return rc;
}

/* Checks a tally (row t of decide) against what this node holds: 1 valid,
 * 0 not (its verdict in why: pending while it cites what is not held),
 * -1 error. v gets the votes it cites, c their count. */
static int check_tally(struct store *s, const struct prop *p, sqlite3_stmt *t,
		       struct voter *v, size_t n, struct count *c, const char **why)
{
	const Mutua__Genesis *g = store_genesis(s);
	uint32_t rule, th0, q0;
	uint64_t d0;
	governance_defaults(g, &rule, &th0, &q0, &d0);
	int64_t ttime = sqlite3_column_int64(t, 1);
	for (size_t i = 0; i < n; i++)
		v[i].choice = 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT tv.vote, v.proposal, v.voter, v.choice, v.time,"
					 " EXISTS (SELECT 1 FROM backdated b WHERE b.id = tv.vote)"
					 " FROM tally_votes tv LEFT JOIN votes v ON v.id = tv.vote"
					 " WHERE tv.tally = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, sqlite3_column_blob(t, 0), 32, SQLITE_TRANSIENT);
	int rc;
	*why = NULL;
	while (!*why && (rc = store_step_row(s, st)) == 1) {
		struct voter *w;
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			*why = GOV_TALLY_VOTE_MISSING;
		else if (memcmp(sqlite3_column_blob(st, 1), p->id, 32))
			*why = "the tally cites a vote on another proposal";
		else if (sqlite3_column_int64(st, 4) > p->deadline)
			*why = "the tally cites a vote timed after the proposal's deadline";
		else if (sqlite3_column_int64(st, 4) > ttime)
			*why = "the tally cites a vote timed after the tally";
		else if (sqlite3_column_int64(st, 4) < p->created)
			*why = "the tally cites a vote timed before its proposal";
		else if (sqlite3_column_int(st, 5))
			*why = "the tally cites a vote that a witness shows backdated";
		else if (!(w = find_voter(v, n, sqlite3_column_blob(st, 2))))
			*why = "the tally cites a vote by a member outside the proposal's electorate";
		else if (w->choice)
			*why = "the tally cites two votes of one voter";
		else {
			w->choice = sqlite3_column_int(st, 3);
			memcpy(w->vote, sqlite3_column_blob(st, 0), 32);
		}
	}
	sqlite3_reset(st);
	if (!*why && rc < 0)
		return -1;
	if (*why)
		return 0;
	count(g ? g->governance : NULL, rule, p->threshold, p->quorum, v, n, c);
	if (!c->passed && ttime < p->deadline) {
		*why = "the proposal's votes do not pass it and its deadline has not passed";
		return 0;
	}
	int excl = strcmp(p->kind, "exclude") == 0;
	if (!excl)
		return sqlite3_column_type(t, 4) == SQLITE_NULL
			       ? 1 : (*why = "only an exclusion's tally names a cut", 0);
	if (!c->passed)
		return 1;
	if (sqlite3_column_type(t, 4) == SQLITE_NULL) {
		*why = "an exclusion's tally must name the key and seq where the feed ends";
		return 0;
	}
	uint8_t owner[32];
	uint64_t head;
	int whose = store_member_of(s, sqlite3_column_blob(t, 4), owner, NULL);
	if (whose < 0 || store_head(s, sqlite3_column_blob(t, 4), &head, NULL))
		return -1;
	int64_t cut = sqlite3_column_int64(t, 5);
	if (!whose || memcmp(owner, p->target, 32))
		*why = "the tally's cut names a key that is not the excluded member's";
	else if ((uint64_t)cut > head)
		*why = GOV_TALLY_CUT_MISSING;
	return *why ? 0 : 1;
}

/* Marks the votes v took (counted_votes). */
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

static int load_prop(struct store *s, const uint8_t *id, struct prop *p)
{
	memset(p, 0, sizeof *p);
	memcpy(p->id, id, 32);
	sqlite3_stmt *st = store_stmt(s, "SELECT kind, target, proposer, created, seq,"
					 " length(CAST(reason AS BLOB)) FROM proposals WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	if (rc == 1) {
		snprintf(p->kind, sizeof p->kind, "%s", sqlite3_column_text(st, 0));
		if (sqlite3_column_bytes(st, 1) == 32)
			memcpy(p->target, sqlite3_column_blob(st, 1), 32);
		memcpy(p->proposer, sqlite3_column_blob(st, 2), 32);
		p->created = sqlite3_column_int64(st, 3);
		p->seq = sqlite3_column_int64(st, 4);
		p->reason_len = sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	if (rc <= 0)
		return rc < 0 ? -1 : err_set("no such proposal");
	int64_t duration;
	if (param_at(s, "duration", p->created, &duration) ||
	    param_at(s, "threshold", p->created, &p->threshold) ||
	    param_at(s, "quorum", p->created, &p->quorum))
		return -1;
	p->deadline = p->created + duration;
	return 0;
}

/* The author's budget (governance.h), by its own feed and the parameters
 * in force, as every other rule of the count: reason-max in force at the
 * proposal's time; open-proposals in force at that time, against the
 * author's earlier proposals (by time, then seq) whose deadline (their
 * time + the duration in force at their time) is after this one's time,
 * whether or not they count themselves (a member past its budget waits
 * for its own proposals to close). NULL within it, else the verdict.
 * Reads at most open-proposals earlier proposals of a member that is
 * within, and of one that is past it. */
static int over_budget(struct store *s, const struct prop *p, const char **why)
{
	int64_t max_open, reason_max;
	*why = NULL;
	if (param_at(s, "reason-max", p->created, &reason_max) ||
	    param_at(s, "open-proposals", p->created, &max_open))
		return -1;
	if (p->reason_len > reason_max) {
		*why = GOV_OVER_REASON_MAX;
		return 0;
	}
	sqlite3_stmt *st = store_stmt(s, "SELECT created FROM proposals WHERE proposer = ?1"
					 " AND created BETWEEN ?2 AND ?3 AND id != ?4"
					 " AND (created < ?3 OR seq < ?5)"
					 " ORDER BY created DESC, seq DESC");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, p->proposer, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, p->created - GOV_DURATION_MAX);
	sqlite3_bind_int64(st, 3, p->created);
	sqlite3_bind_blob(st, 4, p->id, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, p->seq);
	int64_t open = 0;
	int rc = 0;
	while (open < max_open && (rc = store_step_row(s, st)) == 1) {
		int64_t created = sqlite3_column_int64(st, 0), duration;
		if (param_at(s, "duration", created, &duration)) {
			rc = -1;
			break;
		}
		open += created + duration > p->created;
	}
	sqlite3_reset(st);
	if (open >= max_open)
		*why = GOV_OVER_OPEN_PROPOSALS;
	return open >= max_open || rc >= 0 ? 0 : -1;
}

/* Decides proposal id as the other decisions stand (the members, keys
 * and parameters in the tables): which of its valid tallies counts, by
 * position, never by a clock:
 *   1. the proposer's own tallies, the first in its feed (the proposer is
 *      the serialisation point of its proposal, as an owner is of its
 *      resource: a vote signed after its tally cannot revive the proposal
 *      nor un-pass it, however it is stamped);
 *   2. else a passing tally before a failing one (a passed proposal stays
 *      passed: late "no" votes cannot undo it), the smallest id first.
 * Writes each tally's verdict, the count shown and the votes counted. */
static int decide(struct store *s, const uint8_t *id, struct decision *d)
{
	const Mutua__Genesis *g = store_genesis(s);
	const Mutua__Governance *gv = g ? g->governance : NULL;
	uint32_t rule, th0, q0;
	uint64_t d0;
	governance_defaults(g, &rule, &th0, &q0, &d0);
	struct prop p;
	struct voter *v = NULL, *best_v = NULL;
	size_t n;
	struct count c, best_c;
	int best = 0, best_own = 0, rc = -1;
	memset(d, 0, sizeof *d);
	if (load_prop(s, id, &p) || electorate(s, gv, &p, &v, &n))
		return -1;
	if (!(best_v = calloc(n ? n : 1, sizeof *best_v))) {
		err_set("out of memory");
		goto out;
	}
	int proposer_ok = 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM members WHERE id = ?1 AND active");
	if (!st)
		goto out;
	sqlite3_bind_blob(st, 1, p.proposer, 32, SQLITE_STATIC);
	proposer_ok = store_step_row(s, st);
	sqlite3_reset(st);
	if (proposer_ok < 0)
		goto out;
	const char *over = NULL;
	if (proposer_ok && over_budget(s, &p, &over))
		goto out;
	sqlite3_stmt *t;
	if (sqlite3_prepare_v2(store_db(s), "SELECT id, time, author = ?2, seq, cut_key, cut,"
				"  key FROM tallies WHERE proposal = ?1"
				" ORDER BY author = ?2 DESC, iif(author = ?2, seq, 0), id", -1, &t, NULL)) {
		err_set("store: %s", sqlite3_errmsg(store_db(s)));
		goto out;
	}
	sqlite3_bind_blob(t, 1, id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(t, 2, p.proposer, 32, SQLITE_STATIC);
	int r;
	while ((r = store_step_row(s, t)) == 1) {
		const char *why = !proposer_ok ? "the proposal's author is not a member" : over;
		int ok = !why ? check_tally(s, &p, t, v, n, &c, &why) : 0;
		if (ok < 0)
			break;
		int own = sqlite3_column_int(t, 2);
		/* the first valid one by the ranking above */
		if (ok && (!best || (!best_own && !own && d->state == 2 && c.passed) ||
			   (own && !best_own))) {
			best = 1;
			best_own = own;
			d->state = c.passed ? 1 : 2;
			memcpy(d->tally, sqlite3_column_blob(t, 0), 32);
			d->at = sqlite3_column_int64(t, 1);
			d->has_cut = sqlite3_column_type(t, 4) != SQLITE_NULL;
			if (d->has_cut) {
				memcpy(d->cut_key, sqlite3_column_blob(t, 4), 32);
				d->cut = sqlite3_column_int64(t, 5);
			}
			memcpy(best_v, v, n * sizeof *v);
			best_c = c;
		}
		sqlite3_stmt *u = store_stmt(s, "UPDATE tallies SET verdict = ?1 WHERE id = ?2");
		if (!u)
			break;
		if (why)
			sqlite3_bind_text(u, 1, why, -1, SQLITE_STATIC);
		sqlite3_bind_blob(u, 2, sqlite3_column_blob(t, 0), 32, SQLITE_TRANSIENT);
		if (store_step_done(s, u)) {
			r = -1;
			break;
		}
	}
	sqlite3_finalize(t);
	if (r != 0)
		goto out;
	if (!best) {
		/* undecided: show what a tally made now would count */
		for (size_t i = 0; i < n; i++)
			best_v[i] = v[i], best_v[i].choice = 0;
		if (proposer_ok && !over && latest_votes(s, &p, best_v, n) < 0)
			goto out;
		count(gv, rule, p.threshold, p.quorum, best_v, n, &best_c);
	}
	if (mark_counted(s, best_v, n))
		goto out;
	sqlite3_stmt *u = store_stmt(s, "UPDATE proposals SET deadline = ?, quorum_met = ?,"
					" yes = ?, no = ?, voters = ?, eligible = ?, verdict = ?"
					" WHERE id = ?");
	if (!u)
		goto out;
	sqlite3_bind_int64(u, 1, p.deadline);
	sqlite3_bind_int(u, 2, best_c.quorum_met);
	sqlite3_bind_double(u, 3, best_c.yes);
	sqlite3_bind_double(u, 4, best_c.no);
	sqlite3_bind_int(u, 5, best_c.voters);
	sqlite3_bind_int64(u, 6, (sqlite3_int64)n);
	if (over)
		sqlite3_bind_text(u, 7, over, -1, SQLITE_STATIC);
	sqlite3_bind_blob(u, 8, id, 32, SQLITE_STATIC);
	rc = store_step_done(s, u);
out:
	free(v);
	free(best_v);
	return rc;
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

/* An admission: the card's member becomes active, unless its key is
 * another member's key already (a key belongs to one member only). A
 * member admitted twice is a member since the later admission, whatever
 * the order the proposals are applied in. */
static int apply_admit(struct store *s, sqlite3_stmt *p, const struct decision *d)
{
	Mutua__CardBody *cb = card_column(p, 3);
	if (!cb)
		return 0;
	const char *college = (const char *)sqlite3_column_text(p, 4);
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM keys WHERE key = ?1 AND member != ?1");
	int rc = -1, taken;
	if (!st)
		goto out;
	sqlite3_bind_blob(st, 1, cb->id.data, 32, SQLITE_STATIC);
	taken = store_step_row(s, st);
	sqlite3_reset(st);
	if (taken) {
		rc = taken < 0 ? -1 : 0;
		goto out;
	}
	st = store_stmt(s, "INSERT INTO members(id, xkey, name, college, founder, since,"
			   " active, admitted_by) VALUES (?, ?, ?, ?, 0, ?, 1, ?)"
			   " ON CONFLICT(id) DO UPDATE SET active = 1,"
			   " since = iif(active, max(since, excluded.since), excluded.since),"
			   " admitted_by = iif(active AND since >= excluded.since, admitted_by,"
			   " excluded.admitted_by) WHERE NOT founder");
	if (st) {
		sqlite3_bind_blob(st, 1, cb->id.data, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, cb->transport_key.data, 32, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, cb->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, *college ? college : cb->college ? cb->college : "",
				  -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, d->at);
		sqlite3_bind_blob(st, 6, sqlite3_column_blob(p, 0), 32, SQLITE_TRANSIENT);
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
out:
	mutua__card_body__free_unpacked(cb, NULL);
	return rc;
}

/* An exclusion: the member is out, and its key's feed ends at the cut its
 * counting tally names. */
static int apply_exclude(struct store *s, sqlite3_stmt *p, const struct decision *d)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE members SET excluded = ?1, excluded_by = ?2"
					 " WHERE id = ?3 AND excluded_by IS NULL");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, d->at);
	sqlite3_bind_blob(st, 2, sqlite3_column_blob(p, 0), 32, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 3, sqlite3_column_blob(p, 2), 32, SQLITE_TRANSIENT);
	if (store_step_done(s, st))
		return -1;
	if (!d->has_cut)
		return 0;
	st = store_stmt(s, "INSERT INTO keys(key, member, cut) VALUES (?1, ?2, ?3)"
			   " ON CONFLICT(key) DO UPDATE SET cut ="
			   " min(coalesce(cut, excluded.cut), excluded.cut)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, d->cut_key, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, sqlite3_column_blob(p, 2), 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, d->cut);
	return store_step_done(s, st);
}

/* Undoes every effect of the decisions. */
static int reset_effects(struct store *s)
{
	return store_exec(s, "UPDATE members SET active = founder, excluded = NULL,"
			     " admitted_by = NULL, excluded_by = NULL;"
			     " UPDATE proposals SET state = 'open', passed_at = NULL, tally = NULL;"
			     " DELETE FROM keys WHERE rekey AND rotated IS NULL;"
			     " UPDATE keys SET cut = NULL WHERE cut IS NOT NULL;"
			     " DELETE FROM keys WHERE key = member AND rotated IS NULL");
}

/* Applies decisions d (np of them, for the proposals ids) to the tables:
 * admissions, then rekeys, then exclusions (an exclusion wins over an
 * admission of the same member), each kind in proposal id order. */
static int apply_all(struct store *s, const uint8_t (*ids)[32], const struct decision *d,
		     size_t np)
{
	static const char *const kinds[] = {"admit", "rekey", "exclude", "set", "settle"};
	if (reset_effects(s))
		return -1;
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		for (size_t i = 0; i < np; i++) {
			if (!d[i].state)
				continue;
			sqlite3_stmt *p = store_stmt(s, "SELECT id, kind, target, card, college,"
							" created, proposer, oldkey, value"
							" FROM proposals WHERE id = ?1 AND kind = ?2");
			if (!p)
				return -1;
			sqlite3_bind_blob(p, 1, ids[i], 32, SQLITE_STATIC);
			sqlite3_bind_text(p, 2, kinds[k], -1, SQLITE_STATIC);
			int found = store_step_row(s, p), rc = 0;
			if (found == 1 && d[i].state == 1) {
				rc = k == 0 ? apply_admit(s, p, &d[i])
				     : k == 1 ? apply_rekey(s, p)
				     : k == 2 ? apply_exclude(s, p, &d[i]) : 0;
			}
			sqlite3_reset(p);
			if (found < 0 || rc)
				return -1;
			if (found != 1)
				continue;
			sqlite3_stmt *u = store_stmt(s, "UPDATE proposals SET state = ?1,"
							" passed_at = ?2, tally = ?3 WHERE id = ?4");
			if (!u)
				return -1;
			sqlite3_bind_text(u, 1, d[i].state == 1 ? "passed" : "failed", -1,
					  SQLITE_STATIC);
			if (d[i].state == 1)
				sqlite3_bind_int64(u, 2, d[i].at);
			sqlite3_bind_blob(u, 3, d[i].tally, 32, SQLITE_STATIC);
			sqlite3_bind_blob(u, 4, ids[i], 32, SQLITE_STATIC);
			if (store_step_done(s, u))
				return -1;
		}
	}
	return 0;
}

/* The decisions depend on each other (an admission gives a voter, an
 * exclusion takes one, a parameter sets a deadline): the count starts
 * from the founders alone and decides every proposal again with the
 * effects of the previous pass, until nothing changes. A chain of
 * admissions, each newcomer deciding the next, takes one pass a link;
 * a cycle that never settles stops after RECOUNT_PASSES_MAX passes. Each
 * pass depends on the entries alone, so the result does too. */
#define RECOUNT_PASSES_MAX 64

static unsigned long recounts_full, recounts_decided; /* governance_recount_stats */

/* The loans that the count decides a part of: those a settle proposal
 * names, and, once the federation has changed close-grace, those an
 * owner closed (the grace is the one in force at the close's time). */
static int recompute_loans(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT target FROM proposals WHERE kind = 'settle'"
					 " UNION SELECT request FROM loan_events WHERE type = 'close'"
					 " AND EXISTS (SELECT 1 FROM proposals WHERE kind = 'set'"
					 " AND param = 'close-grace')");
	if (!st)
		return -1;
	size_t n;
	uint8_t (*ids)[32];
	int rc = store_ids(s, st, &ids, &n);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = lending_recompute(s, ids[i]);
	free(ids);
	return rc;
}

int governance_recount(struct store *s)
{
	size_t np = 0;
	uint8_t (*ids)[32] = NULL;
	struct decision *prev = NULL, *cur = NULL;
	int rc = -1;
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM proposals ORDER BY id");
	if (!st || store_ids(s, st, &ids, &np) < 0)
		goto out;
	if (!(prev = calloc(np ? np : 1, sizeof *prev)) ||
	    !(cur = calloc(np ? np : 1, sizeof *cur))) {
		err_set("out of memory");
		goto out;
	}
	if (reset_effects(s) ||
	    store_exec(s, "UPDATE votes SET counted = 0 WHERE counted;"
			  " UPDATE tallies SET verdict = NULL"))
		goto out;
	int same = 0;
	for (size_t pass = 0; pass <= np && pass < RECOUNT_PASSES_MAX; pass++) {
		if (store_exec(s, "UPDATE votes SET counted = 0 WHERE counted"))
			goto out;
		for (size_t i = 0; i < np; i++)
			if (decide(s, ids[i], &cur[i]))
				goto out;
		same = np == 0 || memcmp(cur, prev, np * sizeof *cur) == 0;
		memcpy(prev, cur, np * sizeof *cur);
		if (apply_all(s, (const uint8_t (*)[32])ids, cur, np))
			goto out;
		if (same)
			break;
	}
	/* whether the tables now hold the fixed point (recount_for) */
	if (store_exec(s, same ? "DELETE FROM gov_recount; INSERT INTO gov_recount VALUES (1)"
			       : "DELETE FROM gov_recount"))
		goto out;
	/* a newcomer whose admission no longer holds leaves no trace: as in
	 * a store that never saw it pass (its entries: store.c, settle) */
	rc = store_exec(s, "DELETE FROM member_endpoints WHERE member IN (SELECT id FROM members"
			   " WHERE NOT founder AND NOT active);"
			   " DELETE FROM members WHERE NOT founder AND NOT active");
	if (rc == 0)
		rc = recompute_loans(s);
	if (rc == 0)
		store_governance_changed(s);
	recounts_full++;
out:
	free(ids);
	free(prev);
	free(cur);
	return rc;
}

/* The full recount for an entry on one proposal (recount_for), over the
 * proposals that tallies decide: those without a tally are open in every
 * pass, and what the count shows of them depends on the effects alone
 * (members, keys, and the parameters a count reads: duration, threshold,
 * quorum, open-proposals, reason-max). So the passes decide the tallied
 * ones only; when no decision with such effects changed, the others are
 * left as they are; else each is decided once, as the last pass of
 * governance_recount would (the effects are then its fixed point). Without a fixed point, governance_recount runs. The same tables
 * as governance_recount's (test_governance.c, full_recount_agrees). */
static int recount_decided(struct store *s)
{
	struct was {
		int state, has_tally, has_at, counts; /* counts: its effects move counts */
		uint8_t tally[32];
		int64_t at;
	} *was = NULL;
	size_t n = 0, cap = 0;
	uint8_t (*ids)[32] = NULL, (*rest)[32] = NULL;
	struct decision *prev = NULL, *cur = NULL;
	int64_t np = 0;
	int rc = -1, r;
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM proposals");
	if (!st || (r = store_step_row(s, st)) < 0)
		return -1;
	np = r == 1 ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	st = store_stmt(s, "SELECT p.id, p.state, p.tally, p.passed_at, p.kind IN ('admit',"
			   " 'exclude', 'rekey') OR p.param IN ('duration', 'threshold', 'quorum',"
			   " 'open-proposals', 'reason-max') FROM"
			   " (SELECT DISTINCT proposal FROM tallies) t JOIN proposals p"
			   " ON p.id = t.proposal ORDER BY p.id");
	if (!st)
		return -1;
	while ((r = store_step_row(s, st)) == 1) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			void *a = realloc(ids, cap * 32), *b = a ? realloc(was, cap * sizeof *was) : NULL;
			if (a)
				ids = a;
			if (b)
				was = b;
			if (!a || !b) {
				r = err_set("out of memory");
				break;
			}
		}
		memcpy(ids[n], sqlite3_column_blob(st, 0), 32);
		const char *state = (const char *)sqlite3_column_text(st, 1);
		struct was *w = &was[n++];
		memset(w, 0, sizeof *w);
		w->state = strcmp(state, "passed") == 0 ? 1 : strcmp(state, "failed") == 0 ? 2 : 0;
		if ((w->has_tally = sqlite3_column_bytes(st, 2) == 32))
			memcpy(w->tally, sqlite3_column_blob(st, 2), 32);
		if ((w->has_at = sqlite3_column_type(st, 3) != SQLITE_NULL))
			w->at = sqlite3_column_int64(st, 3);
		w->counts = sqlite3_column_int(st, 4);
	}
	sqlite3_reset(st);
	if (r < 0)
		goto out;
	if (!(prev = calloc(n ? n : 1, sizeof *prev)) || !(cur = calloc(n ? n : 1, sizeof *cur))) {
		err_set("out of memory");
		goto out;
	}
	if (reset_effects(s))
		goto out;
	int same = 0;
	for (int64_t pass = 0; pass <= np && pass < RECOUNT_PASSES_MAX; pass++) {
		for (size_t i = 0; i < n; i++) {
			st = store_stmt(s, "UPDATE votes SET counted = 0 WHERE proposal = ?1"
					   " AND counted");
			if (!st)
				goto out;
			sqlite3_bind_blob(st, 1, ids[i], 32, SQLITE_STATIC);
			if (store_step_done(s, st) || decide(s, ids[i], &cur[i]))
				goto out;
		}
		same = n == 0 || memcmp(cur, prev, n * sizeof *cur) == 0;
		memcpy(prev, cur, n * sizeof *cur);
		if (apply_all(s, (const uint8_t (*)[32])ids, cur, n))
			goto out;
		if (same)
			break;
	}
	if (!same) {
		rc = governance_recount(s);
		goto out;
	}
	int changed = 0, moved = 0;
	for (size_t i = 0; i < n; i++) {
		const struct was *w = &was[i];
		const struct decision *d = &cur[i];
		int c = w->state != d->state || w->has_tally != (d->state != 0) ||
			(d->state && memcmp(w->tally, d->tally, 32)) ||
			w->has_at != (d->state == 1) || (d->state == 1 && w->at != d->at);
		changed |= c;
		moved |= c && w->counts;
	}
	if (moved) {
		/* the effects moved: what the others show, as a last pass would */
		size_t nr;
		st = store_stmt(s, "SELECT id FROM proposals p WHERE NOT EXISTS"
				   " (SELECT 1 FROM tallies t WHERE t.proposal = p.id)");
		if (!st || store_ids(s, st, &rest, &nr))
			goto out;
		for (size_t i = 0; i < nr; i++) {
			struct decision d;
			st = store_stmt(s, "UPDATE votes SET counted = 0 WHERE proposal = ?1"
					   " AND counted");
			if (!st)
				goto out;
			sqlite3_bind_blob(st, 1, rest[i], 32, SQLITE_STATIC);
			if (store_step_done(s, st) || decide(s, rest[i], &d))
				goto out;
		}
	}
	rc = store_exec(s, "DELETE FROM gov_recount; INSERT INTO gov_recount VALUES (1);"
			   " DELETE FROM member_endpoints WHERE member IN (SELECT id FROM members"
			   " WHERE NOT founder AND NOT active);"
			   " DELETE FROM members WHERE NOT founder AND NOT active");
	if (rc == 0 && changed)
		rc = recompute_loans(s);
	if (rc == 0 && changed)
		store_governance_changed(s);
	recounts_decided++;
out:
	free(ids);
	free(was);
	free(rest);
	free(prev);
	free(cur);
	return rc;
}

/* ---- the bounded recount -----------------------------------------------
 *
 * governance_recount decides every proposal, pass after pass. An entry
 * that cannot change the decision of any proposal in any pass of it
 * changes no effect (members, keys, parameters, cuts) and so no other
 * proposal's count: only the proposals it concerns are decided again,
 * alone, with the effects in the tables. Those are the last pass's when
 * the last full recount reached its fixed point (gov_recount; when it
 * did not, the full recount runs again). Such an entry is:
 *   - a proposal, vote or tally on a proposal not held, or on one of
 *     which no tally is held: no tally, no decision, in every pass;
 *   - any entry on a 'settle' proposal: its decision has no effect on
 *     another proposal's count (it settles a loan: that loan is
 *     recomputed when the decision changes);
 *   - a vote that no tally of its proposal cites, by a member no
 *     exclusion names (so not an excluded member whose vote puts it back
 *     in the electorate, electorate()): it changes what the listing
 *     shows of an undecided proposal, never a tally's validity;
 *   and a vote cited by a tally of another proposal: that tally is
 *   invalid with or without it; its verdict is written again.
 * Any other entry (a tally, or a vote a tally cites, on an admission,
 * exclusion, rekey or parameter that tallies decide) runs the full
 * recount. Either way the tables are the full recount's, whatever the
 * arrival order: test_governance.c (test_vote_recount_is_bounded, the
 * shuffled arrival tests). The work per such entry is a few indexed
 * reads of the proposal's votes and tallies and the members. */

static unsigned long recounts_one, recounts_tallied;

void governance_recount_stats(unsigned long *full, unsigned long *one)
{
	*full = recounts_full + recounts_decided;
	*one = recounts_one + recounts_tallied;
}

/* Decides proposal id alone, as the effects in the tables stand: 0, 1
 * when its decision changed and has effects (the caller recounts all),
 * -1. */
static int recount_one(struct store *s, const uint8_t *id)
{
	struct decision d;
	sqlite3_stmt *st = store_stmt(s, "UPDATE votes SET counted = 0 WHERE proposal = ?1"
					 " AND counted");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
	if (store_step_done(s, st) || decide(s, id, &d))
		return -1;
	recounts_one++;
	st = store_stmt(s, "SELECT kind = 'settle', target, state, tally IS ?2,"
			   " passed_at IS ?3 FROM proposals WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
	if (d.state)
		sqlite3_bind_blob(st, 2, d.tally, 32, SQLITE_STATIC);
	if (d.state == 1)
		sqlite3_bind_int64(st, 3, d.at);
	const char *state = d.state == 1 ? "passed" : d.state == 2 ? "failed" : "open";
	int found = store_step_row(s, st), settle = 0, same = 1;
	uint8_t target[32] = {0};
	if (found == 1) {
		settle = sqlite3_column_int(st, 0) && sqlite3_column_bytes(st, 1) == 32;
		if (settle)
			memcpy(target, sqlite3_column_blob(st, 1), 32);
		same = strcmp((const char *)sqlite3_column_text(st, 2), state) == 0 &&
		       sqlite3_column_int(st, 3) && sqlite3_column_int(st, 4);
	}
	sqlite3_reset(st);
	if (found <= 0 || same)
		return found < 0 ? -1 : 0;
	if (!settle)
		return 1; /* cannot happen (recount_for): the full recount decides */
	st = store_stmt(s, "UPDATE proposals SET state = ?1, passed_at = ?2, tally = ?3"
			   " WHERE id = ?4");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	if (d.state == 1)
		sqlite3_bind_int64(st, 2, d.at);
	if (d.state)
		sqlite3_bind_blob(st, 3, d.tally, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, id, 32, SQLITE_STATIC);
	if (store_step_done(s, st))
		return -1;
	return lending_recompute(s, target);
}

static int cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* The running tally: a vote on a proposal that no valid tally decides,
 * cited by none of its tallies (recount_for), under the majority
 * rule, by a member whom the proposal's electorate holds whatever the
 * votes (active, excluded by nobody, not the one it admits), whose
 * proposer is a member within its budget. decide() would give the same
 * electorate and take, for this voter, its latest vote (time, then id)
 * in the window that no witness shows backdated: either the vote counted
 * so far or this one. So the vote moves at most one voter's choice, and
 * the count follows from the stored one, with no pass over the
 * proposal's votes and members (what recount_one costs, O(votes) writes
 * a vote). 1 when it applied, 0 when this vote is outside that case
 * (recount_one decides), -1 error. Same tables as recount_one:
 * test_governance.c (the shuffled arrival and full_recount_agrees tests). */
static int tally_vote(struct store *s, const uint8_t *proposal, const struct entry *vote)
{
	const Mutua__Genesis *g = store_genesis(s);
	uint32_t rule, th0, q0;
	uint64_t d0;
	governance_defaults(g, &rule, &th0, &q0, &d0);
	if (rule != GOV_RULE_MAJORITY)
		return 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT p.created, p.deadline, p.yes, p.no, p.voters,"
					 " p.eligible, v.id, v.time, v.choice, x.college"
					 " FROM proposals p JOIN members m ON m.id = p.proposer AND m.active"
					 " JOIN members x ON x.id = ?2 AND x.active AND x.excluded_by IS NULL"
					 " AND (x.admitted_by IS NULL OR x.admitted_by != ?1)"
					 " LEFT JOIN votes v ON v.proposal = ?1 AND v.voter = ?2 AND v.counted"
					 " WHERE p.id = ?1 AND p.verdict IS NULL AND p.state = 'open'"
					 " AND p.deadline IS NOT NULL AND p.eligible > 0"
					 " AND ?3 BETWEEN p.created AND p.deadline"
					 " AND NOT EXISTS (SELECT 1 FROM backdated b WHERE b.id = ?4)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, proposal, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, vote->member, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, vote->b->time);
	sqlite3_bind_blob(st, 4, vote->id, 32, SQLITE_STATIC);
	/* the voter's row is read as electorate() reads it (its college:
	 * a store that cannot read it refuses the count, as there) */
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc != SQLITE_DONE)
			err_set("store: counting the voters: %s", sqlite3_errmsg(store_db(s)));
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	int64_t created = sqlite3_column_int64(st, 0);
	double yes = sqlite3_column_double(st, 2), no = sqlite3_column_double(st, 3);
	int64_t voters = sqlite3_column_int64(st, 4), eligible = sqlite3_column_int64(st, 5);
	int had = sqlite3_column_bytes(st, 6) == 32;
	uint8_t old[32];
	int64_t old_time = had ? sqlite3_column_int64(st, 7) : 0;
	int old_choice = had ? sqlite3_column_int(st, 8) : 0;
	if (had)
		memcpy(old, sqlite3_column_blob(st, 6), 32);
	/* a second counted vote of one voter cannot be (mark_counted) */
	int two = had && store_step_row(s, st) != 0;
	sqlite3_reset(st);
	if (two)
		return 0;
	int64_t t = vote->b->time;
	if (had && (old_time > t || (old_time == t && memcmp(old, vote->id, 32) >= 0)))
		return 1; /* the counted one is later: nothing moves */
	int choice = (int)vote->b->vote->choice;
	if (had) {
		voters -= old_choice != 0;
		yes -= old_choice == VOTE_YES;
		no -= old_choice == VOTE_NO;
	}
	voters += choice != 0;
	yes += choice == VOTE_YES;
	no += choice == VOTE_NO;
	int64_t quorum;
	if (param_at(s, "quorum", created, &quorum))
		return -1;
	if (had) {
		st = store_stmt(s, "UPDATE votes SET counted = 0 WHERE id = ?1");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, old, 32, SQLITE_STATIC);
		if (store_step_done(s, st))
			return -1;
	}
	st = store_stmt(s, "UPDATE votes SET counted = 1 WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, vote->id, 32, SQLITE_STATIC);
	if (store_step_done(s, st))
		return -1;
	st = store_stmt(s, "UPDATE proposals SET quorum_met = ?1, yes = ?2, no = ?3, voters = ?4"
			   " WHERE id = ?5");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, voters * 100 >= quorum * eligible);
	sqlite3_bind_double(st, 2, yes);
	sqlite3_bind_double(st, 3, no);
	sqlite3_bind_int64(st, 4, voters);
	sqlite3_bind_blob(st, 5, proposal, 32, SQLITE_STATIC);
	if (store_step_done(s, st))
		return -1;
	recounts_tallied++;
	return 1;
}

/* After the fold of an entry on proposal (vote: the vote entry, else
 * NULL): the bounded recount when it suffices (above), else the full.
 * A vote that no tally of its proposal cites, by a member no exclusion
 * names, changes neither a tally's verdict nor which tally counts: on a
 * decided proposal it changes nothing (the count shown is the counting
 * tally's, of the votes it cites); on one no valid tally decides, what
 * it changes is what the running tally follows (tally_vote), as on an
 * untallied one. Neither reads the proposal's other votes: a member
 * voting again and again after a tally costs each node the same per
 * vote as before it (governance_hostile.bats, issue 14). */
static int recount_for(struct store *s, const uint8_t *proposal, const struct entry *vote)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT (SELECT count(*) FROM gov_recount),"
					 " (SELECT kind = 'settle' FROM proposals WHERE id = ?1),"
					 " EXISTS (SELECT 1 FROM tallies WHERE proposal = ?1),"
					 " (SELECT state != 'open' FROM proposals WHERE id = ?1)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, proposal, 32, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	int fixed = rc == 1 && sqlite3_column_int(st, 0);
	int held = rc == 1 && sqlite3_column_type(st, 1) != SQLITE_NULL;
	int settle = held && sqlite3_column_int(st, 1);
	int tallied = rc == 1 && sqlite3_column_int(st, 2);
	int decided = held && sqlite3_column_int(st, 3);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (!fixed)
		return governance_recount(s);
	int local = !held || settle || !tallied, cited = 0;
	if (held && tallied && vote) {
		st = store_stmt(s, "SELECT EXISTS (SELECT 1 FROM tally_votes tv JOIN tallies t"
				   " ON t.id = tv.tally WHERE tv.vote = ?1 AND t.proposal = ?2)"
				   " OR EXISTS (SELECT 1 FROM proposals WHERE target = ?3"
				   " AND kind = 'exclude')");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, vote->id, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, proposal, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, vote->member, 32, SQLITE_STATIC);
		rc = store_step_row(s, st);
		cited = rc != 1 || sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		if (rc < 0)
			return -1;
		local = local || !cited;
	}
	if (!local)
		return recount_decided(s);
	if (held && vote && tallied && !cited && decided) {
		/* the counting tally's count stands: nothing to decide again */
	} else if (held && vote && !settle && !cited &&
		   (rc = tally_vote(s, proposal, vote)) != 0) {
		if (rc < 0)
			return -1;
	} else if (held && (rc = recount_one(s, proposal)) != 0) {
		return rc < 0 ? -1 : recount_decided(s);
	}
	if (!vote)
		return 0;
	/* the other proposals whose tallies cite this vote: their verdicts */
	/* no DISTINCT: its temporary b-tree, built and dropped for each vote,
	 * cost more than the rest of the vote's count; sorted and unique here */
	st = store_stmt(s, "SELECT t.proposal FROM tally_votes tv JOIN tallies t"
			   " ON t.id = tv.tally JOIN proposals p ON p.id = t.proposal"
			   " WHERE tv.vote = ?1 AND t.proposal != ?2");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, vote->id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, proposal, 32, SQLITE_STATIC);
	size_t n;
	uint8_t (*ids)[32];
	rc = store_ids(s, st, &ids, &n);
	if (rc == 0 && n > 1) {
		qsort(ids, n, 32, cmp_id);
		size_t u = 1;
		for (size_t i = 1; i < n; i++)
			if (memcmp(ids[i], ids[u - 1], 32))
				memcpy(ids[u++], ids[i], 32);
		n = u;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = recount_one(s, ids[i]);
	free(ids);
	return rc > 0 ? recount_decided(s) : rc;
}

int governance_refusal(struct store *s, const struct entry *e)
{
	if (e->b->payload_case == MUTUA__BODY__PAYLOAD_PROPOSAL) {
		sqlite3_stmt *st = store_stmt(s, "SELECT verdict FROM proposals WHERE id = ?1"
						 " AND verdict IS NOT NULL");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, e->id, 32, SQLITE_STATIC);
		int rc = store_step_row(s, st);
		if (rc == 1)
			rc = err_set("%s", sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		return rc < 0 ? -1 : 0;
	}
	if (e->b->payload_case != MUTUA__BODY__PAYLOAD_TALLY)
		return 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT t.verdict, p.tally = t.id FROM tallies t"
					 " LEFT JOIN proposals p ON p.id = t.proposal WHERE t.id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, e->id, 32, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	if (rc == 1) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			rc = err_set("%s", sqlite3_column_text(st, 0));
		else if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			rc = err_set("no such proposal");
		else if (!sqlite3_column_int(st, 1))
			rc = err_set("the proposal is decided by another tally already");
		else
			rc = 0;
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

/* ---- making a tally ----------------------------------------------------- */

void governance_tally_free(struct gov_tally *t)
{
	free(t->cites);
	free(t->ids);
	memset(t, 0, sizeof *t);
}

int governance_tally_make(struct store *s, const uint8_t proposal[ENTRY_ID_BYTES],
			  int passing_only, int64_t now, struct gov_tally *out)
{
	const Mutua__Genesis *g = store_genesis(s);
	const Mutua__Governance *gv = g ? g->governance : NULL;
	uint32_t rule, th0, q0;
	uint64_t d0;
	governance_defaults(g, &rule, &th0, &q0, &d0);
	struct prop p;
	struct voter *v = NULL;
	size_t n = 0;
	int rc = -1;
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s, "SELECT state, verdict IS NULL FROM proposals"
					 " WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, proposal, 32, SQLITE_STATIC);
	int found = store_step_row(s, st);
	int open = found == 1 && strcmp((const char *)sqlite3_column_text(st, 0), "open") == 0;
	int counts = found == 1 && sqlite3_column_int(st, 1);
	sqlite3_reset(st);
	if (found <= 0)
		return found < 0 ? -1 : err_set("no such proposal");
	if (!counts)
		return passing_only ? 1 : err_set("the proposal does not count: its author is past "
						  "a budget (mutua proposals shows why)");
	if (!open)
		return passing_only ? 1 : err_set("the proposal is decided already");
	if (load_prop(s, proposal, &p) || electorate(s, gv, &p, &v, &n) ||
	    latest_votes(s, &p, v, n) < 0)
		goto out;
	struct count c;
	count(gv, rule, p.threshold, p.quorum, v, n, &c);
	if (!c.passed && (passing_only || now < p.deadline)) {
		rc = passing_only ? 1 : err_set("the proposal is open until its deadline and its "
						 "votes do not pass it yet");
		goto out;
	}
	if (!(out->cites = calloc(n ? n : 1, sizeof *out->cites)) ||
	    !(out->ids = calloc(n ? n : 1, 32))) {
		err_set("out of memory");
		goto out;
	}
	Mutua__Tally init = MUTUA__TALLY__INIT;
	out->t = init;
	memcpy(out->proposal, proposal, 32);
	out->t.proposal.data = out->proposal;
	out->t.proposal.len = 32;
	out->t.votes = out->cites;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].choice)
			continue;
		memcpy(out->ids[out->t.n_votes], v[i].vote, 32);
		out->cites[out->t.n_votes].data = out->ids[out->t.n_votes];
		out->cites[out->t.n_votes++].len = 32;
		st = store_stmt(s, "SELECT time FROM votes WHERE id = ?1");
		if (!st)
			goto out;
		sqlite3_bind_blob(st, 1, v[i].vote, 32, SQLITE_STATIC);
		if (store_step_row(s, st) == 1 && sqlite3_column_int64(st, 0) > out->time)
			out->time = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	if (c.passed && strcmp(p.kind, "exclude") == 0) {
		/* the excluded member keeps what this node holds of its feed */
		uint64_t head;
		int has = rotate_current_key(s, p.target, out->cut_key);
		if (has < 0 || (has && store_head(s, out->cut_key, &head, NULL)))
			goto out;
		if (has) {
			out->t.cut_key.data = out->cut_key;
			out->t.cut_key.len = 32;
			out->t.has_cut_key = 1;
			out->t.cut = head;
			out->t.has_cut = 1;
		}
	}
	/* not before any vote it cites, nor before the deadline when it fails */
	if (!c.passed && out->time < p.deadline)
		out->time = p.deadline;
	rc = 0;
out:
	free(v);
	if (rc)
		governance_tally_free(out);
	return rc;
}

uint32_t governance_vote_choice(const char *word)
{
	return !word ? 0
	       : strcmp(word, "yes") == 0     ? VOTE_YES
	       : strcmp(word, "no") == 0      ? VOTE_NO
	       : strcmp(word, "abstain") == 0 ? VOTE_ABSTAIN
					      : 0;
}

int governance_vote_append(struct store *s, const struct key *k, const uint8_t proposal[32],
			   uint32_t choice)
{
	Mutua__Vote v = MUTUA__VOTE__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	v.proposal.data = (uint8_t *)proposal;
	v.proposal.len = 32;
	v.choice = choice;
	b.payload_case = MUTUA__BODY__PAYLOAD_VOTE;
	b.vote = &v;
	return store_append(s, k, &b, NULL);
}

int governance_tally_append(struct store *s, const struct key *k,
			    const uint8_t proposal[ENTRY_ID_BYTES], int passing_only,
			    uint8_t id_out[ENTRY_ID_BYTES])
{
	struct gov_tally t;
	if (store_begin(s, k, "a tally"))
		return -1;
	int rc = governance_tally_make(s, proposal, passing_only, clock_now_ms(), &t);
	if (rc == 0) {
		Mutua__Body b = MUTUA__BODY__INIT;
		b.payload_case = MUTUA__BODY__PAYLOAD_TALLY;
		b.tally = &t.t;
		b.time = t.time;
		rc = store_append(s, k, &b, id_out);
		governance_tally_free(&t);
	}
	if (rc == 0 && store_commit(s, k))
		rc = -1;
	if (rc != 0)
		store_rollback(s, k);
	return rc;
}

int governance_tally_due(struct store *s, const struct key *k, int64_t now, int64_t grace)
{
	uint8_t me[32];
	int member = store_member_of(s, k->id, me, NULL);
	if (member <= 0)
		return member;
	/* the proposer's node closes its proposals; any other node closes
	 * those the proposer left undecided for grace after their deadline.
	 * quorum_met (of the votes held) spares a write transaction for a
	 * proposal that cannot pass yet */
	sqlite3_stmt *st = store_stmt(s, "SELECT id, deadline > ?2 FROM proposals"
				      " WHERE state = 'open' AND verdict IS NULL AND iif(proposer = ?1,"
				      " quorum_met OR deadline <= ?2, deadline + ?3 <= ?2)"
				      " ORDER BY created, id LIMIT 64");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, me, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, grace);
	uint8_t ids[64][32];
	int open[64], n = 0, r, done = 0;
	while (n < 64 && (r = store_step_row(s, st)) == 1) {
		memcpy(ids[n], sqlite3_column_blob(st, 0), 32);
		open[n++] = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (r < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		int rc = governance_tally_append(s, k, ids[i], open[i], NULL);
		if (rc < 0)
			return -1;
		done += rc == 0;
	}
	return done;
}

int governance_feed_grew(struct store *s, const uint8_t *author)
{
	sqlite3_stmt *st = store_stmt(s, author
		? "SELECT 1 FROM tallies WHERE cut_key = ?1 AND verdict = ?2"
		: "SELECT 1 FROM tallies WHERE verdict = ?2");
	if (!st)
		return -1;
	if (author)
		sqlite3_bind_blob(st, 1, author, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, GOV_TALLY_CUT_MISSING, -1, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	sqlite3_reset(st);
	return rc <= 0 ? rc : governance_recount(s);
}

/* "14d", "2h", "30m", "45s", or plain seconds, into ms. */
int duration_parse(const char *s, int64_t *ms)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	int64_t unit = 1000;
	if (end == s || v <= 0)
		goto bad;
	if (*end == 'd')
		unit = 86400000;
	else if (*end == 'h')
		unit = 3600000;
	else if (*end == 'm')
		unit = 60000;
	else if (*end == 's' || !*end)
		unit = 1000;
	else
		goto bad;
	if (*end && end[1])
		goto bad;
	if (v > GOV_DURATION_MAX / unit)
		goto bad;
	*ms = v * unit;
	if (*ms < GOV_DURATION_MIN || *ms > GOV_DURATION_MAX)
		goto bad;
	return 0;
bad:
	return err_set("'%s' is not a duration (e.g. 14d, 2h, 30m, 45s; at most 366d)", s);
}
