/* lending.c - loans. See lending.h.
 *
 * Tables (derived, rebuilt by store_reindex; columns in schema.c): loans,
 * one row per request entry, in the state that follows from its steps;
 * loan_events, every step (accept ... close) received, taken or not, and
 * why not (verdict); resources.withdrawn, where the owner withdrew it.
 *
 * A loan's state is recomputed from its request and all its steps whenever
 * one of them (or its resource's offer, or a settle proposal's count)
 * arrives, by the one rule of loan.h (loan_resolve): each step names the
 * step it answers, and the state is a function of that graph, never of
 * the times the steps claim nor of the order in which feeds reach a node.
 * A step that does not follow (wrong party, out of order, a time before
 * the step it answers, a close the settlement rules refuse, the loser of
 * a conflict) is ignored and counted in loans.ignored, with its reason in
 * loan_events.verdict, for the audit. So is an owner's accept that
 * follows, in the owner's own feed, the withdrawal of the resource
 * (booking_withdrawn). The rest of the booking rule (capacity, the credit
 * limit) depends on other feeds, so on the order of arrival: the owner's
 * node applies it before signing (lending_accept), the audit's sweep
 * reports an over-booking; the credit limit at settlement is asked before
 * a figure that moves credits is signed (lending_settle_check).
 *
 * A member's own node never signs what the fold would ignore: store_append
 * asks lending_refusal after folding the new entry (invariant 11).
 *
 * At settlement (loan.h: the return's usage confirmed, a claim agreed, a
 * grace close for the slot, a passed settle proposal) the credits moved
 * from borrower to owner are round(usage * rate / 1000), rate the one the
 * request agreed (loans.agreed_rate, 0 when it names none).
 * A request naming a resource of its own author is invalid.
 *
 * Terms and reservations (issue 16). An owner's accept takes effect only
 * when its request confirms the offer's terms as they stood at the
 * accept's place in the owner's feed (lending_terms_refusal: the offer's
 * fields there, lending_offer_terms; the rule, loan_terms_check): every
 * node reads the same owner's updates before that place, whatever else
 * arrived. Each loan's reserve (loans.reserve, loan_reserve) is computed
 * with its state; the credit limit sums it (lending_committed). A step's
 * condition report and forfeit are kept in loan_events, its photos in
 * loan_photos; they take effect with their step, as the graph decides.
 */
#include "lending.h"
#include "booking.h"
#include "governance.h"
#include "loan.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t lending_member_seq(struct store *s, const struct entry *e)
{
	/* a member's entries are folded in its order on every node: a key's
	 * entries are taken only once the rotation or rekey that made it the
	 * member's is folded, and that one ended the previous key's feed */
	sqlite3_stmt *st = store_stmt(s, "SELECT coalesce(sum(coalesce(rotated, cut)), 0)"
					 " FROM keys WHERE member = ? AND key <> ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, e->member, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, e->b->author.data, KEY_ID_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int64_t before = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_db_error(s);
	return before + (int64_t)e->b->seq;
}

int64_t lending_credits(uint64_t usage, uint64_t rate)
{
	/* both bounded by entry checks: usage <= 1e9, rate <= 1e8 */
	return (int64_t)((usage * rate + 500) / 1000);
}

int64_t lending_default_usage(const char *unit, int64_t start, int64_t end,
			      uint64_t quantity)
{
	return loan_slot_usage(unit, start, end, quantity);
}

/* The loan's terms (loan.h) and its owner, read from its row. 1, 0 when
 * no request has that id (steps before their request: kept in
 * loan_events), -1. */
static int loan_terms_get(struct store *s, const uint8_t request[32], struct loan_terms *t,
			  uint8_t owner[32], uint8_t borrower[32], int *has_owner,
			  int64_t *slot_end, int64_t *reserve)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT l.borrower, r.owner, r.withdrawn, l.requested,"
					 " coalesce(l.unit, r.unit), l.start_ms, l.end_ms, l.quantity,"
					 " l.deposit, coalesce(l.agreed_rate, 0), coalesce(l.estimate, -1)"
					 " FROM loans l LEFT JOIN resources r ON r.id = l.resource"
					 " WHERE l.id = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, request, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : store_db_error(s);
	}
	memset(t, 0, sizeof *t);
	memcpy(t->request, request, 32);
	*has_owner = sqlite3_column_bytes(st, 1) == 32;
	memcpy(borrower, sqlite3_column_blob(st, 0), 32);
	if (*has_owner)
		memcpy(owner, sqlite3_column_blob(st, 1), 32);
	t->withdrawn = booking_column_place(st, 2);
	t->requested = sqlite3_column_int64(st, 3);
	const char *unit = (const char *)sqlite3_column_text(st, 4);
	int64_t end = sqlite3_column_int64(st, 6);
	t->slot_usage = loan_slot_usage(unit ? unit : "", sqlite3_column_int64(st, 5), end,
					(uint64_t)sqlite3_column_int64(st, 7));
	t->deposit = sqlite3_column_int64(st, 8);
	*reserve = loan_reserve(unit ? unit : "", sqlite3_column_int64(st, 5), end,
				(uint64_t)sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 9),
				sqlite3_column_int64(st, 10), t->deposit);
	sqlite3_reset(st);
	t->start = *has_owner && memcmp(owner, borrower, 32) == 0 ? LOAN_INVALID : LOAN_REQUESTED;
	*slot_end = end;
	t->vote_usage = -1;
	if (governance_settlement(s, request, &t->vote_usage, &t->vote_time, &t->vote_forfeit) < 0)
		return -1;
	return 1;
}

/* An offer's terms from its stored columns: the requirements as stored
 * (comma-joined), the conditions' text hashed. */
static void terms_of(struct loan_offer_terms *o, const char *conditions, const char *requires,
		     int64_t deposit)
{
	memset(o, 0, sizeof *o);
	snprintf(o->requires, sizeof o->requires, "%s", requires ? requires : "");
	o->deposit = deposit;
	if (conditions && *conditions) {
		crypto_generichash(o->conditions, 32, (const uint8_t *)conditions,
				   strlen(conditions), NULL, 0);
		o->has_conditions = 1;
	}
}

void lending_requires_join(char *out, size_t cap, char *const *r, size_t n)
{
	size_t len = 0;
	out[0] = 0;
	for (size_t i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "", r[i]);
}

int lending_offer_terms(struct store *s, const uint8_t resource[32], int64_t place,
			struct loan_offer_terms *out)
{
	/* the owner's last update before place (offer_steps keeps its
	 * fields), else the offer's own fields: offer_origins once a step
	 * came, the row itself before any */
	/* ordered by place only, walked by offer_steps_resource backwards:
	 * the tie on place is broken here, by the smallest id (as ORDER BY
	 * o.place DESC, o.id LIMIT 1 would, which built and dropped a
	 * temporary b-tree for each loan step) */
	sqlite3_stmt *st = store_stmt(s,
		"SELECT o.fields, o.place, o.id FROM offer_steps o"
		" JOIN resources r ON r.id = o.resource"
		" WHERE o.resource = ?1 AND o.owner = r.owner AND o.place < ?2"
		" AND o.fields IS NOT NULL"
		" AND NOT EXISTS (SELECT 1 FROM backdated b WHERE b.id = o.id)"
		" ORDER BY o.place DESC");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, place);
	int rc = store_step_row(s, st);
	if (rc == 1) {
		int64_t at = sqlite3_column_int64(st, 1);
		uint8_t id[32];
		size_t len = (size_t)sqlite3_column_bytes(st, 0);
		uint8_t *fields = malloc(len ? len : 1);
		if (!fields) {
			sqlite3_reset(st);
			return err_set("out of memory");
		}
		memcpy(fields, sqlite3_column_blob(st, 0), len);
		memcpy(id, sqlite3_column_blob(st, 2), 32);
		while ((rc = store_step_row(s, st)) == 1 && sqlite3_column_int64(st, 1) == at) {
			if (memcmp(sqlite3_column_blob(st, 2), id, 32) >= 0)
				continue;
			size_t l2 = (size_t)sqlite3_column_bytes(st, 0);
			uint8_t *f2 = realloc(fields, l2 ? l2 : 1);
			if (!f2) {
				free(fields);
				sqlite3_reset(st);
				return err_set("out of memory");
			}
			fields = f2;
			len = l2;
			memcpy(fields, sqlite3_column_blob(st, 0), len);
			memcpy(id, sqlite3_column_blob(st, 2), 32);
		}
		sqlite3_reset(st);
		if (rc < 0) {
			free(fields);
			return -1;
		}
		Mutua__Offer *f = mutua__offer__unpack(NULL, len, fields);
		free(fields);
		if (!f)
			return err_set("stored offer step is damaged: run 'mutua reindex'");
		char req[REQUIRES_TEXT_MAX];
		lending_requires_join(req, sizeof req, f->requires, f->n_requires);
		terms_of(out, f->conditions, req, f->has_deposit ? (int64_t)f->deposit : 0);
		mutua__offer__free_unpacked(f, NULL);
		return 1;
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	/* two lookups by primary key: a UNION ALL ... ORDER BY k LIMIT 1
	 * built and dropped a temporary b-tree for each loan step */
	static const char *const from[] = {
		"SELECT conditions, requires, deposit FROM offer_origins WHERE id = ?1",
		"SELECT conditions, requires, deposit FROM resources WHERE id = ?1"};
	for (size_t i = 0; i < sizeof from / sizeof *from; i++) {
		if (!(st = store_stmt(s, from[i])))
			return -1;
		sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
		rc = store_step_row(s, st);
		if (rc == 1)
			terms_of(out, (const char *)sqlite3_column_text(st, 0),
				 (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2));
		sqlite3_reset(st);
		if (rc != 0)
			return rc;
	}
	return 0;
}

const char *lending_terms_refusal(struct store *s, const uint8_t request[32], int64_t place,
				  char *buf, size_t n, int *err)
{
	*err = 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT l.resource, l.requires, l.deposit, l.conditions,"
					 " coalesce(l.estimate, -1), coalesce(l.unit, r.unit, '')"
					 " FROM loans l LEFT JOIN resources r ON r.id = l.resource"
					 " WHERE l.id = ?");
	if (!st) {
		*err = -1;
		return NULL;
	}
	sqlite3_bind_blob(st, 1, request, 32, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	if (rc <= 0) {
		sqlite3_reset(st);
		*err = rc;
		return NULL;
	}
	uint8_t resource[32];
	struct loan_offer_terms req, offer;
	char unit[16];
	memcpy(resource, sqlite3_column_blob(st, 0), 32);
	memset(&req, 0, sizeof req);
	snprintf(req.requires, sizeof req.requires, "%s", sqlite3_column_text(st, 1));
	req.deposit = sqlite3_column_int64(st, 2);
	if ((req.has_conditions = sqlite3_column_bytes(st, 3) == 32))
		memcpy(req.conditions, sqlite3_column_blob(st, 3), 32);
	int64_t estimate = sqlite3_column_int64(st, 4);
	snprintf(unit, sizeof unit, "%s", sqlite3_column_text(st, 5));
	sqlite3_reset(st);
	rc = lending_offer_terms(s, resource, place, &offer);
	if (rc <= 0) {
		*err = rc < 0 ? -1 : 0;
		return NULL;
	}
	return loan_terms_check(&offer, &req, unit, estimate, buf, n);
}

/* The table balances (schema.c): the rows the loan request has in the
 * view settlements as stored now, counted in (sign 1) or taken out (-1).
 * recompute takes them out before it writes the loan's state and counts
 * them in after, so that the table is always the view summed by member;
 * a member left with no settled loan loses its row. */
static int balances_move(struct store *s, const uint8_t request[32], int sign)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO balances(member, credits, lent, borrowed, loans)"
		" SELECT member, ?2 * credits, ?2 * lent, ?2 * borrowed, ?2 FROM settlements"
		" WHERE loan = ?1 AND member IS NOT NULL ON CONFLICT(member) DO UPDATE SET"
		" credits = credits + excluded.credits, lent = lent + excluded.lent,"
		" borrowed = borrowed + excluded.borrowed, loans = loans + excluded.loans");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, request, 32, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, sign);
	if (store_step_done(s, st))
		return -1;
	if (sign > 0 || !sqlite3_changes(store_db(s)))
		return 0;
	st = store_stmt(s, "DELETE FROM balances WHERE loans = 0 AND member IN"
			   " (SELECT member FROM settlements WHERE loan = ?1)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, request, 32, SQLITE_STATIC);
	return store_step_done(s, st);
}

static int recompute(struct store *s, const uint8_t request[32])
{
	struct loan_terms terms;
	uint8_t owner[32], borrower[32];
	int64_t end = 0, reserve = 0;
	int has_owner = 0, rc = loan_terms_get(s, request, &terms, owner, borrower, &has_owner,
					       &end, &reserve);
	if (rc <= 0)
		return rc;

	/* a step that a witness shows backdated (witness.h, rule a) takes no
	 * part in the loan's graph; its verdict says why (below) */
	/* with each step's verdict as stored: only those that change are
	 * written (most steps keep theirs as the loan goes on) */
	sqlite3_stmt *st = store_stmt(s, "SELECT type, author, time, usage, note, id, member_seq,"
					 " answers, waitlist, coalesce(forfeit, -1), verdict,"
					 " EXISTS (SELECT 1 FROM backdated b WHERE b.id = e.id)"
					 " FROM loan_events e WHERE request = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, request, 32, SQLITE_STATIC);
	struct loan_node *nodes = NULL;
	char (*notes)[NOTE_MAX_LEN + 1] = NULL;
	char (*refusals)[160] = NULL;
	/* was[i]: node i's stored verdict (NULL: none); backdated: the steps
	 * a witness shows backdated whose verdict does not say so yet */
	char **was = NULL;
	uint8_t (*backdated)[32] = NULL;
	size_t n = 0, cap = 0, nb = 0, bcap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *verdict = (const char *)sqlite3_column_text(st, 10);
		if (sqlite3_column_int(st, 11)) {
			/* no part in the loan's graph; its verdict says why */
			if (verdict && strcmp(verdict, LENDING_BACKDATED) == 0)
				continue;
			if (nb == bcap) {
				bcap = bcap ? 2 * bcap : 4;
				void *more = realloc(backdated, bcap * sizeof *backdated);
				if (!more) {
					rc = SQLITE_NOMEM;
					break;
				}
				backdated = more;
			}
			memcpy(backdated[nb++], sqlite3_column_blob(st, 5), 32);
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			void *more = realloc(nodes, cap * sizeof *nodes);
			void *more_notes = more ? realloc(notes, cap * sizeof *notes) : NULL;
			void *more_ref = more_notes ? realloc(refusals, cap * sizeof *refusals) : NULL;
			void *more_was = more_ref ? realloc(was, cap * sizeof *was) : NULL;
			if (more)
				nodes = more;
			if (more_notes)
				notes = more_notes;
			if (more_ref)
				refusals = more_ref;
			if (more_was)
				was = more_was;
			if (!more_was) {
				rc = SQLITE_NOMEM;
				break;
			}
		}
		struct loan_node *k = &nodes[n];
		memset(k, 0, sizeof *k);
		k->step = -1;
		for (int i = 0; i < LOAN_STEPS && k->step < 0; i++)
			if (strcmp((const char *)sqlite3_column_text(st, 0), loan_step_name(i)) == 0)
				k->step = i;
		memcpy(k->author, sqlite3_column_blob(st, 1), 32);
		k->party = has_owner && memcmp(k->author, owner, 32) == 0 ? LOAN_OWNER
			   : memcmp(k->author, borrower, 32) == 0 ? LOAN_BORROWER : LOAN_OTHER;
		k->time = sqlite3_column_int64(st, 2);
		k->usage = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1
			   : sqlite3_column_int64(st, 3);
		snprintf(notes[n], sizeof *notes, "%s", sqlite3_column_text(st, 4));
		memcpy(k->id, sqlite3_column_blob(st, 5), 32);
		k->place = sqlite3_column_int64(st, 6);
		if (sqlite3_column_bytes(st, 7) == 32)
			memcpy(k->answers, sqlite3_column_blob(st, 7), 32);
		k->waitlist = sqlite3_column_int(st, 8);
		k->forfeit = sqlite3_column_int64(st, 9);
		was[n] = verdict ? strdup(verdict) : NULL;
		if (verdict && !was[n]) {
			rc = SQLITE_NOMEM;
			break;
		}
		n++;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_NOMEM) {
		err_set("out of memory");
		goto fail;
	}
	/* an accept's terms: the offer's as they stood at its place in the
	 * owner's feed (read after the scan, as below) */
	for (size_t i = 0; rc == SQLITE_DONE && has_owner && i < n; i++) {
		int err;
		if (nodes[i].step != LOAN_ACCEPT || nodes[i].party != LOAN_OWNER)
			continue;
		nodes[i].refused = lending_terms_refusal(s, request, nodes[i].place, refusals[i],
							 sizeof *refusals, &err);
		if (err < 0)
			goto fail;
	}
	/* the close-grace in force at each close's claimed time (read after
	 * the scan: governance_param_at has statements of its own) */
	for (size_t i = 0; rc == SQLITE_DONE && i < n; i++) {
		int64_t grace;
		if (nodes[i].step != LOAN_CLOSE)
			continue;
		if (governance_param_at(s, "close-grace", nodes[i].time, &grace))
			goto fail;
		nodes[i].grace_end = loan_grace_end(end, grace);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_db_error(s);
		goto fail;
	}
	struct loan_outcome o;
	if (!has_owner) {
		/* the resource is unknown: nothing can be judged yet */
		memset(&o, 0, sizeof o);
		o.state = LOAN_REQUESTED;
		o.returned = o.claim = o.usage = o.decided = o.closed = -1;
		o.reason = o.head = o.waited = -1;
		o.ignored = (int)n;
		for (size_t i = 0; i < n; i++)
			nodes[i].why = "the resource is unknown";
	} else if (loan_resolve(&terms, nodes, n, &o)) {
		goto fail;
	}
	for (size_t k = 0; k < n; k++) {
		if (!was[k] ? !nodes[k].why : nodes[k].why && strcmp(was[k], nodes[k].why) == 0)
			continue; /* unchanged */
		st = store_stmt(s, "UPDATE loan_events SET verdict = ? WHERE id = ?");
		if (!st)
			goto fail;
		if (nodes[k].why)
			sqlite3_bind_text(st, 1, nodes[k].why, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, nodes[k].id, 32, SQLITE_STATIC);
		if (store_step_done(s, st))
			goto fail;
	}
	for (size_t k = 0; k < nb; k++) {
		st = store_stmt(s, "UPDATE loan_events SET verdict = '" LENDING_BACKDATED "'"
				   " WHERE id = ?");
		if (!st)
			goto fail;
		sqlite3_bind_blob(st, 1, backdated[k], 32, SQLITE_STATIC);
		if (store_step_done(s, st))
			goto fail;
	}

	if (balances_move(s, request, -1))
		goto fail;
	/* the owner once, when it becomes known: an UPDATE that names a
	 * column rewrites its index entry (loans_owner) even when unchanged */
	st = store_stmt(s, "UPDATE loans SET owner = ?1 WHERE id = ?2 AND owner IS NOT ?1");
	if (!st)
		goto fail;
	if (has_owner)
		sqlite3_bind_blob(st, 1, owner, 32, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 2, request, 32, SQLITE_STATIC);
	if (store_step_done(s, st))
		goto fail;
	st = store_stmt(s, "UPDATE loans SET state = ?2, usage = ?3, rate = ?4,"
			   " credits = ?5, decided = ?6, closed = ?7, reason = ?8, ignored = ?9,"
			   " claim = ?10, head = ?11, head_time = ?12, waited = ?13, reserve = ?14,"
			   " forfeit = ?15 WHERE id = ?16");
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 2, loan_state_name(o.state), -1, SQLITE_STATIC);
	if (o.state == LOAN_CLOSED) {
		int64_t rate = 0;
		if (lending_agreed_rate(s, request, &rate))
			goto fail;
		sqlite3_bind_int64(st, 3, o.usage);
		sqlite3_bind_int64(st, 4, rate);
		/* a forfeit both parties signed moves with the usage's credits */
		sqlite3_bind_int64(st, 5, lending_credits((uint64_t)o.usage, (uint64_t)rate) +
					  o.forfeit);
	} else if (o.returned >= 0) {
		sqlite3_bind_int64(st, 3, o.returned);
	}
	if (o.decided >= 0)
		sqlite3_bind_int64(st, 6, o.decided);
	if (o.closed >= 0)
		sqlite3_bind_int64(st, 7, o.closed);
	sqlite3_bind_text(st, 8, o.reason >= 0 ? notes[o.reason] : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 9, o.ignored);
	if (o.claim >= 0 && (o.state == LOAN_CLAIMED || o.state == LOAN_DISPUTED ||
			     o.state == LOAN_CLOSED))
		sqlite3_bind_int64(st, 10, o.claim);
	sqlite3_bind_blob(st, 11, o.head >= 0 ? nodes[o.head].id : request, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 12, o.head >= 0 ? nodes[o.head].time : terms.requested);
	if (o.waited >= 0)
		sqlite3_bind_int64(st, 13, nodes[o.waited].place);
	sqlite3_bind_int64(st, 14, reserve);
	if (o.state == LOAN_CLOSED && o.forfeit > 0)
		sqlite3_bind_int64(st, 15, o.forfeit);
	else if ((o.state == LOAN_CLAIMED || o.state == LOAN_DISPUTED) && o.claim_forfeit > 0)
		sqlite3_bind_int64(st, 15, o.claim_forfeit);
	sqlite3_bind_blob(st, 16, request, 32, SQLITE_STATIC);
	rc = store_step_done(s, st) || balances_move(s, request, 1) ? -1 : 0;
	goto done;
fail:
	rc = -1;
done:
	for (size_t k = 0; k < n; k++)
		free(was[k]);
	free(was);
	free(backdated);
	free(nodes);
	free(notes);
	free(refusals);
	return rc;
}

int lending_agreed_rate(struct store *s, const uint8_t request[32], int64_t *rate)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT coalesce(agreed_rate, 0) FROM loans WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, request, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*rate = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_db_error(s);
}

int lending_recompute(struct store *s, const uint8_t request[32])
{
	return recompute(s, request);
}

int lending_recompute_resource(struct store *s, const uint8_t resource[32])
{
	/* collect first: recompute reuses cached statements */
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM loans WHERE resource = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
	size_t n;
	uint8_t (*ids)[32];
	int rc = store_ids(s, st, &ids, &n);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = recompute(s, ids[i]);
	free(ids);
	return rc;
}

int lending_fold(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	sqlite3_stmt *st;
	if (b->payload_case == MUTUA__BODY__PAYLOAD_REQUEST) {
		const Mutua__Request *r = b->request;
		/* one row an occurrence: a single slot is a series of one
		 * (entry_decode checked the series: n >= 1) */
		int n = entry_series_count(r);
		if (n < 1)
			return -1;
		char req[REQUIRES_TEXT_MAX];
		lending_requires_join(req, sizeof req, r->requires, r->n_requires);
		for (int k = 0; k < n; k++) {
			uint8_t id[32];
			entry_occurrence_id(id, e->id, (uint32_t)k);
			st = store_stmt(s, "INSERT OR IGNORE INTO loans(id, resource, borrower,"
					   " start_ms, end_ms, quantity, note, requested, state, seq,"
					   " agreed_rate, unit, author, wait, series, occurrence,"
					   " occurrences, requires, deposit, estimate, conditions)"
					   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'requested',"
					   " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
			if (!st)
				return -1;
			sqlite3_bind_blob(st, 1, id, 32, SQLITE_TRANSIENT);
			sqlite3_bind_blob(st, 2, r->resource.data, 32, SQLITE_STATIC);
			sqlite3_bind_blob(st, 3, e->member, 32, SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, r->start + k * ENTRY_WEEK_MS);
			sqlite3_bind_int64(st, 5, r->end + k * ENTRY_WEEK_MS);
			sqlite3_bind_int64(st, 6, (sqlite3_int64)r->quantity);
			sqlite3_bind_text(st, 7, r->note ? r->note : "", -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 8, b->time);
			sqlite3_bind_int64(st, 9, (sqlite3_int64)b->seq);
			if (r->has_rate)
				sqlite3_bind_int64(st, 10, (sqlite3_int64)r->rate);
			if (r->has_unit)
				sqlite3_bind_text(st, 11, entry_unit_name(r->unit), -1, SQLITE_STATIC);
			sqlite3_bind_blob(st, 12, b->author.data, 32, SQLITE_STATIC);
			sqlite3_bind_int(st, 13, r->has_wait && r->wait);
			if (r->has_repeat) {
				sqlite3_bind_blob(st, 14, e->id, 32, SQLITE_STATIC);
				sqlite3_bind_int(st, 15, k);
				sqlite3_bind_int(st, 16, n);
			}
			sqlite3_bind_text(st, 17, req, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 18, r->has_deposit ? (sqlite3_int64)r->deposit : 0);
			if (r->has_estimate)
				sqlite3_bind_int64(st, 19, (sqlite3_int64)r->estimate);
			if (r->has_conditions)
				sqlite3_bind_blob(st, 20, r->conditions.data, 32, SQLITE_STATIC);
			if (store_step_done(s, st) || recompute(s, id))
				return -1;
		}
		return 0;
	}
	const Mutua__Transition *t = entry_transition(b);
	if (!t)
		return err_set("not a lending entry");
	int64_t mseq = lending_member_seq(s, e);
	if (mseq < 0)
		return -1;
	st = store_stmt(s, "INSERT OR IGNORE INTO loan_events(id, request, type, author, time,"
			   " usage, rate, note, seq, member_seq, answers, waitlist, meter, fuel,"
			   " damage, forfeit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, e->id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, t->request.data, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, entry_type_name(b->payload_case), -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, e->member, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, b->time);
	if (t->has_usage)
		sqlite3_bind_int64(st, 6, (sqlite3_int64)t->usage);
	if (t->has_rate)
		sqlite3_bind_int64(st, 7, (sqlite3_int64)t->rate);
	sqlite3_bind_text(st, 8, t->note ? t->note : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)b->seq);
	sqlite3_bind_int64(st, 10, mseq);
	if (t->has_answers)
		sqlite3_bind_blob(st, 11, t->answers.data, 32, SQLITE_STATIC);
	sqlite3_bind_int(st, 12, t->has_waitlist && t->waitlist);
	const Mutua__ConditionReport *cr = t->report;
	if (cr && cr->has_meter)
		sqlite3_bind_int64(st, 13, (sqlite3_int64)cr->meter);
	if (cr && cr->has_fuel)
		sqlite3_bind_int64(st, 14, cr->fuel);
	if (cr && cr->damage)
		sqlite3_bind_text(st, 15, cr->damage, -1, SQLITE_STATIC);
	if (t->has_forfeit)
		sqlite3_bind_int64(st, 16, (sqlite3_int64)t->forfeit);
	if (store_step_done(s, st))
		return -1;
	/* the photos a report names, for verify-photo (lending_photo_steps) */
	for (size_t i = 0; cr && i < cr->n_photos; i++) {
		st = store_stmt(s, "INSERT OR IGNORE INTO loan_photos(hash, step) VALUES (?, ?)");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, cr->photos[i].data, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, e->id, 32, SQLITE_STATIC);
		if (store_step_done(s, st))
			return -1;
	}
	return recompute(s, t->request.data);
}

/* The offer-update or offer-withdraw e, just folded (fold.c): 0 when it
 * took effect, -1 with why not. An update leaves the owner and the status
 * as they were, and a withdrawal marks its place (resources.withdrawn),
 * so the row after the fold says whether the fold took the entry. */
static int offer_refusal(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	int withdraw = b->payload_case == MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW;
	const ProtobufCBinaryData *offer = withdraw ? &b->offer_withdraw->offer
					   : &b->offer_update->offer;
	int64_t mseq = withdraw ? lending_member_seq(s, e) : 0;
	sqlite3_stmt *st = mseq < 0 ? NULL : store_stmt(s,
		"SELECT CASE WHEN r.id IS NULL THEN 'no such offer'"
		" WHEN r.owner <> ?2 THEN 'only the owner (' || coalesce(m.name, '?')"
		"  || ') can ' || ?4 || ' this offer'"
		" WHEN r.status <> 'active' AND r.withdrawn IS NOT ?3"
		"  THEN 'the offer is withdrawn' END"
		" FROM (SELECT ?1 AS id) x LEFT JOIN resources r ON r.id = x.id"
		" LEFT JOIN members m ON m.id = r.owner");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, offer->data, (int)offer->len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, e->member, KEY_ID_BYTES, SQLITE_STATIC);
	if (withdraw)
		sqlite3_bind_int64(st, 3, mseq);
	sqlite3_bind_text(st, 4, withdraw ? "withdraw" : "update", -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		rc = err_set("%s", sqlite3_column_text(st, 0));
	else
		rc = rc == SQLITE_ROW ? 0 : store_db_error(s);
	sqlite3_reset(st);
	return rc;
}

int lending_refusal(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	int request = b->payload_case == MUTUA__BODY__PAYLOAD_REQUEST;
	sqlite3_stmt *st;
	if (b->payload_case == MUTUA__BODY__PAYLOAD_OFFER_UPDATE ||
	    b->payload_case == MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW)
		return offer_refusal(s, e);
	if (b->payload_case == MUTUA__BODY__PAYLOAD_BLOCK ||
	    b->payload_case == MUTUA__BODY__PAYLOAD_UNBLOCK)
		return booking_refusal(s, e);
	if (request)
		st = store_stmt(s, "SELECT state FROM loans WHERE id = ?");
	else if (entry_is_transition(b->payload_case))
		st = store_stmt(s, "SELECT verdict FROM loan_events WHERE id = ?");
	else
		return 0;
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, e->id, ENTRY_ID_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	enum loan_state ls;
	if (rc != SQLITE_ROW)
		rc = rc == SQLITE_DONE ? 0 : store_db_error(s);
	else if (!request)
		rc = sqlite3_column_type(st, 0) == SQLITE_NULL ? 0
		     : err_set("%s", sqlite3_column_text(st, 0));
	else if (loan_state_parse((const char *)sqlite3_column_text(st, 0), &ls))
		rc = -1;
	else
		rc = ls == LOAN_INVALID ? err_set("%s", LENDING_OWN_REQUEST) : 0;
	sqlite3_reset(st);
	return rc;
}

int lending_loan_get(struct store *s, const uint8_t id[32], struct lending_loan *out)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT l.resource, l.owner, l.borrower, l.state, l.start_ms, l.end_ms,"
		" l.quantity, coalesce(l.unit, r.unit, ''), coalesce(r.title, '?'),"
		" coalesce(l.agreed_rate, 0), l.usage, l.claim, l.head, l.head_time,"
		" l.deposit, l.reserve, coalesce(l.forfeit, 0)"
		" FROM loans l LEFT JOIN resources r ON r.id = l.resource WHERE l.id = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : store_db_error(s);
	}
	memset(out, 0, sizeof *out);
	memcpy(out->id, id, 32);
	memcpy(out->resource, sqlite3_column_blob(st, 0), 32);
	out->has_owner = sqlite3_column_bytes(st, 1) == 32;
	if (out->has_owner)
		memcpy(out->owner, sqlite3_column_blob(st, 1), 32);
	memcpy(out->borrower, sqlite3_column_blob(st, 2), 32);
	rc = loan_state_parse((const char *)sqlite3_column_text(st, 3), &out->state);
	out->start = sqlite3_column_int64(st, 4);
	out->end = sqlite3_column_int64(st, 5);
	out->quantity = sqlite3_column_int64(st, 6);
	snprintf(out->unit, sizeof out->unit, "%s", sqlite3_column_text(st, 7));
	snprintf(out->title, sizeof out->title, "%s", sqlite3_column_text(st, 8));
	out->rate = sqlite3_column_int64(st, 9);
	out->usage = sqlite3_column_type(st, 10) == SQLITE_NULL ? -1
		     : sqlite3_column_int64(st, 10);
	out->claim = sqlite3_column_type(st, 11) == SQLITE_NULL ? -1
		     : sqlite3_column_int64(st, 11);
	if (sqlite3_column_bytes(st, 12) == 32)
		memcpy(out->head, sqlite3_column_blob(st, 12), 32);
	else
		memcpy(out->head, id, 32);
	out->head_time = sqlite3_column_int64(st, 13);
	out->deposit = sqlite3_column_int64(st, 14);
	out->reserve = sqlite3_column_int64(st, 15);
	out->forfeit = sqlite3_column_int64(st, 16);
	sqlite3_reset(st);
	return rc ? -1 : 1;
}

int lending_committed(struct store *s, const uint8_t member[32], const uint8_t *extra,
		      int64_t *sum)
{
	/* loans.reserve: loan_reserve, computed by the fold */
	sqlite3_stmt *st = store_stmt(s,
		"SELECT coalesce(sum(l.reserve), 0) FROM loans l"
		" JOIN resources r ON r.id = l.resource WHERE (l.borrower = ?1 AND"
		" mutua_in_progress(l.state)) OR l.id = ?2");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, member, 32, SQLITE_STATIC);
	if (extra)
		sqlite3_bind_blob(st, 2, extra, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*sum = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_db_error(s);
}

int lending_balance(struct store *s, const uint8_t member[32], int64_t *balance,
		    int64_t *committed)
{
	/* the sum of the member's settlements (schema.c: balances) */
	sqlite3_stmt *st = store_stmt(s, "SELECT coalesce(sum(credits), 0) FROM balances"
					 " WHERE member = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, member, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*balance = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_db_error(s); /* an aggregate: always one row */
	return committed ? lending_committed(s, member, NULL, committed) : 0;
}

int lending_settle_check(struct store *s, const uint8_t request[32], int64_t usage,
			 int64_t forfeit)
{
	struct lending_loan l;
	int rc = lending_loan_get(s, request, &l);
	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	int64_t limit, bal, com, mine = 0;
	if (governance_param_get(s, "credit-limit", &limit))
		return -1;
	if (limit <= 0)
		return 0;
	if (lending_balance(s, l.borrower, &bal, NULL) || lending_committed(s, l.borrower, NULL, &com))
		return -1;
	/* this loan's own reserve (its deposit too) gives way to its bill */
	if (loan_state_in_progress(l.state))
		mine = l.reserve;
	int64_t after = bal - (com - mine) - lending_credits((uint64_t)usage, (uint64_t)l.rate) -
			(forfeit > 0 ? forfeit : 0);
	if (after >= -limit)
		return 0;
	char a[32], lim[32];
	amount_format(a, after);
	amount_format(lim, -limit);
	return err_set("credit limit: the borrower's balance would reach %s, below %s", a, lim);
}

static int append_step(struct store *s, const struct key *k, int payload_case,
		       const uint8_t request[32], const char *note, int64_t usage,
		       int64_t rate, const Mutua__StaffAct *act, int waitlist)
{
	struct lending_extra ex = {NULL, 0, waitlist};
	return lending_append_ex(s, k, payload_case, request, note, usage, rate, act, &ex);
}

int lending_append_ex(struct store *s, const struct key *k, int payload_case,
		      const uint8_t request[32], const char *note, int64_t usage,
		      int64_t rate, const Mutua__StaffAct *act, const struct lending_extra *ex)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Transition t = MUTUA__TRANSITION__INIT;
	t.has_waitlist = t.waitlist = ex && ex->waitlist;
	Mutua__ConditionReport cr = MUTUA__CONDITION_REPORT__INIT;
	ProtobufCBinaryData photos[PHOTOS_MAX];
	if (ex && ex->report) {
		const struct lending_report *r = ex->report;
		if (r->n_photos > PHOTOS_MAX)
			return err_set("at most %d photos a report", PHOTOS_MAX);
		cr.has_meter = r->meter >= 0;
		cr.meter = (uint64_t)(r->meter >= 0 ? r->meter : 0);
		cr.has_fuel = r->fuel >= 0;
		cr.fuel = (uint32_t)(r->fuel >= 0 ? r->fuel : 0);
		cr.damage = r->damage && *r->damage ? (char *)r->damage : NULL;
		for (size_t i = 0; i < r->n_photos; i++) {
			photos[i].data = (uint8_t *)r->photos[i];
			photos[i].len = 32;
		}
		cr.n_photos = r->n_photos;
		cr.photos = photos;
		t.report = &cr;
	}
	if (ex && ex->forfeit > 0) {
		t.has_forfeit = 1;
		t.forfeit = (uint64_t)ex->forfeit;
	}
	t.request.data = (uint8_t *)request;
	t.request.len = 32;
	t.note = note && *note ? (char *)note : NULL;
	if (usage >= 0) {
		t.has_usage = 1;
		t.usage = (uint64_t)usage;
	}
	if (rate >= 0) {
		t.has_rate = 1;
		t.rate = (uint64_t)rate;
	}
	b.staff = (Mutua__StaffAct *)act;
	b.payload_case = payload_case;
	switch (payload_case) {
	case MUTUA__BODY__PAYLOAD_ACCEPT: b.accept = &t; break;
	case MUTUA__BODY__PAYLOAD_DECLINE: b.decline = &t; break;
	case MUTUA__BODY__PAYLOAD_CANCEL: b.cancel = &t; break;
	case MUTUA__BODY__PAYLOAD_HANDOVER: b.handover = &t; break;
	case MUTUA__BODY__PAYLOAD_GIVE_BACK: b.give_back = &t; break;
	case MUTUA__BODY__PAYLOAD_CLOSE: b.close = &t; break;
	case MUTUA__BODY__PAYLOAD_AGREE: b.agree = &t; break;
	case MUTUA__BODY__PAYLOAD_DISPUTE: b.dispute = &t; break;
	default: return err_set("not a loan step");
	}
	/* the step answers the last step taken (loans.head: the request's id
	 * before any), and is not stamped before it: store_append takes the
	 * later of this time and the clock. No arithmetic on a claimed time:
	 * an answered step stamped INT64_MAX is answered at INT64_MAX */
	struct lending_loan l;
	int rc = lending_loan_get(s, request, &l);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		t.has_answers = 1;
		t.answers.data = l.head;
		t.answers.len = 32;
		b.time = l.head_time;
		/* the credit limit holds at every figure that moves credits: the
		 * borrower's return, its agreement to a claim, the owner's close
		 * confirming the borrower's figure. A claim moves nothing; a
		 * close without a return settles the slot the accept reserved */
		int64_t figure = -1, forfeit = 0;
		if (payload_case == MUTUA__BODY__PAYLOAD_GIVE_BACK)
			figure = usage;
		else if (payload_case == MUTUA__BODY__PAYLOAD_AGREE) {
			figure = l.claim;
			forfeit = l.forfeit;
		} else if (payload_case == MUTUA__BODY__PAYLOAD_CLOSE && l.state != LOAN_HANDED_OVER &&
			   (usage < 0 || usage == l.usage) && (!ex || !ex->forfeit))
			figure = l.usage;
		if (figure >= 0 && lending_settle_check(s, request, figure, forfeit))
			return -1;
	}
	return store_append(s, k, &b, NULL);
}

int lending_append(struct store *s, const struct key *k, int payload_case,
		   const uint8_t request[32], const char *note, int64_t usage,
		   int64_t rate, const Mutua__StaffAct *act)
{
	return append_step(s, k, payload_case, request, note, usage, rate, act, 0);
}

int lending_waitlist(struct store *s, const struct key *k, const uint8_t request[32],
		     const char *note, const Mutua__StaffAct *act)
{
	return append_step(s, k, MUTUA__BODY__PAYLOAD_DECLINE, request, note, -1, -1, act, 1);
}

int lending_borrow(struct store *s, const struct key *k, const uint8_t resource[32],
		   int64_t start, int64_t end, uint64_t quantity, const char *note,
		   int wait, int64_t until, const Mutua__StaffAct *act, uint8_t id_out[32])
{
	return lending_borrow_terms(s, k, resource, start, end, quantity, note, wait, until,
				    act, NULL, id_out);
}

/* Fills r's confirmations from cf and the offer's terms now. */
static int confirm_terms(struct store *s, const uint8_t resource[32],
			 const struct lending_confirm *cf, Mutua__Request *r,
			 char (*held)[REQUIREMENT_MAX_LEN + 1], char **ptrs, uint8_t hash[32])
{
	if (!cf)
		return 0;
	if (cf->estimate >= 0) {
		r->has_estimate = 1;
		r->estimate = (uint64_t)cf->estimate;
	}
	if (!cf->confirm)
		return 0;
	struct loan_offer_terms o;
	int rc = lending_offer_terms(s, resource, INT64_MAX, &o);
	if (rc <= 0)
		return rc;
	/* the deposit and the conditions as they stand; the requirements the
	 * borrower names, else all of the offer's */
	if (o.deposit > 0) {
		r->has_deposit = 1;
		r->deposit = (uint64_t)o.deposit;
	}
	if (o.has_conditions) {
		memcpy(hash, o.conditions, 32);
		r->has_conditions = 1;
		r->conditions.data = hash;
		r->conditions.len = 32;
	}
	size_t n = 0;
	if (cf->requires) {
		for (size_t i = 0; i < cf->n_requires && n < REQUIRES_MAX; i++)
			snprintf(held[n++], REQUIREMENT_MAX_LEN + 1, "%s", cf->requires[i]);
	} else {
		for (const char *p = o.requires; *p && n < REQUIRES_MAX;) {
			const char *comma = strchr(p, ',');
			int len = comma ? (int)(comma - p) : (int)strlen(p);
			snprintf(held[n++], REQUIREMENT_MAX_LEN + 1, "%.*s", len, p);
			if (!comma)
				break;
			p = comma + 1;
		}
	}
	/* sorted, each once (entry.c) */
	qsort(held, n, sizeof *held, (int (*)(const void *, const void *))strcmp);
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (!w || strcmp(held[w - 1], held[i]))
			memmove(held[w++], held[i], sizeof *held);
	for (size_t i = 0; i < w; i++)
		ptrs[i] = held[i];
	r->n_requires = w;
	r->requires = ptrs;
	return 1;
}

int lending_borrow_terms(struct store *s, const struct key *k, const uint8_t resource[32],
			 int64_t start, int64_t end, uint64_t quantity, const char *note,
			 int wait, int64_t until, const Mutua__StaffAct *act,
			 const struct lending_confirm *cf, uint8_t id_out[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Request r = MUTUA__REQUEST__INIT;
	r.has_wait = r.wait = wait != 0;
	if (until > 0) {
		r.has_repeat = r.has_until = 1;
		r.repeat = ENTRY_REPEAT_WEEKLY;
		r.until = until;
	}
	char held[REQUIRES_MAX][REQUIREMENT_MAX_LEN + 1], *ptrs[REQUIRES_MAX];
	uint8_t hash[32], id[32];
	r.resource.data = (uint8_t *)resource;
	r.resource.len = 32;
	r.start = start;
	r.end = end;
	r.quantity = quantity;
	r.note = note && *note ? (char *)note : NULL;
	b.staff = (Mutua__StaffAct *)act;
	b.payload_case = MUTUA__BODY__PAYLOAD_REQUEST;
	b.request = &r;
	if (store_begin(s, k, "a request and its check"))
		return -1;
	sqlite3_stmt *st = store_stmt(s, "SELECT title, withdrawn, capacity, rate, unit"
					 " FROM resources WHERE id = ?");
	if (!st)
		goto fail;
	sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st), refused = 1;
	char title[TITLE_MAX_LEN + 1] = "";
	if (rc == SQLITE_ROW) {
		snprintf(title, sizeof title, "%s", sqlite3_column_text(st, 0));
		int64_t cap = sqlite3_column_int64(st, 2);
		/* the terms the borrower sees and agrees to (invariant 10) */
		r.has_rate = 1;
		r.rate = (uint64_t)sqlite3_column_int64(st, 3);
		r.has_unit = entry_unit_parse((const char *)sqlite3_column_text(st, 4), &r.unit) == 0;
		if (booking_withdrawn(booking_column_place(st, 1), INT64_MAX))
			err_set("'%s' is withdrawn", title);
		else if ((int64_t)quantity > cap)
			err_set("quantity %llu is above the capacity of '%s' (%lld)",
				(unsigned long long)quantity, title, (long long)cap);
		else
			refused = 0;
	} else if (rc == SQLITE_DONE) {
		err_set("no such offer");
	} else {
		store_db_error(s);
	}
	sqlite3_reset(st);
	if (refused || confirm_terms(s, resource, cf, &r, held, ptrs, hash) < 0)
		goto fail;
	if (store_append(s, k, &b, id)) {
		err_set("'%s': %s", title, err_msg());
		goto fail;
	}
	if (id_out)
		memcpy(id_out, id, 32);
	/* no owner would accept a request that does not confirm the offer's
	 * terms: the accept's rule, asked now (loan_terms_check) */
	char why[160];
	int err;
	const char *unconfirmed = lending_terms_refusal(s, id, INT64_MAX, why, sizeof why, &err);
	if (err < 0)
		goto fail;
	if (unconfirmed) {
		err_set("'%s': %s", title, unconfirmed);
		goto fail;
	}
	if (store_commit(s, k))
		goto fail;
	return 0;
fail:
	store_rollback(s, k);
	return -1;
}

int lending_withdraw(struct store *s, const struct key *k, const uint8_t resource[32],
		     const Mutua__StaffAct *act, int *declined)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__OfferWithdraw w = MUTUA__OFFER_WITHDRAW__INIT;
	w.offer.data = (uint8_t *)resource;
	w.offer.len = 32;
	b.staff = (Mutua__StaffAct *)act;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW;
	b.offer_withdraw = &w;
	*declined = 0;
	if (store_begin(s, k, "a withdrawal and its answers"))
		return -1;
	if (store_append(s, k, &b, NULL))
		goto fail;
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM loans WHERE resource = ?"
					 " AND state IN ('requested', 'waiting') ORDER BY start_ms, id");
	if (!st)
		goto fail;
	sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
	uint8_t (*ids)[32];
	size_t n;
	if (store_ids(s, st, &ids, &n))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		/* the node answers for the member: one act signs one entry */
		if (lending_append(s, k, MUTUA__BODY__PAYLOAD_DECLINE, ids[i], "withdrawn", -1, -1,
				   NULL)) {
			free(ids);
			goto fail;
		}
		(*declined)++;
	}
	free(ids);
	if (store_commit(s, k))
		goto fail;
	return 0;
fail:
	store_rollback(s, k);
	return -1;
}

int lending_accept(struct store *s, const struct key *k, const uint8_t request[32],
		   const Mutua__StaffAct *act, struct booking_check *chk)
{
	uint8_t me[32];
	if (store_begin(s, k, "an accept and its check"))
		return -1;
	/* not a member: store_append says so */
	int ok = store_member_of(s, k->id, me, NULL);
	if (ok >= 0)
		ok = booking_check(s, request, ok ? me : NULL, chk);
	if (ok == 1 && lending_append(s, k, MUTUA__BODY__PAYLOAD_ACCEPT, request, NULL, -1, -1,
				      act))
		ok = -1;
	if (ok == 1 && store_commit(s, k) == 0)
		return 1;
	store_rollback(s, k);
	return ok == 1 ? -1 : ok;
}

/* one string, so one cached statement (store_stmt keys on the pointer):
 * the requests pending on the owner's auto-accepting resources, in the
 * order this node received them, then those waiting, in the waitlist's
 * order (loans.waited: the owner's own), the same on every node */
static const char pending_auto_sql[] =
	"SELECT l.id, l.wait, l.state = 'waiting' AS waiting, CASE WHEN l.state = 'waiting'"
	" THEN l.waited ELSE (SELECT n FROM entries e WHERE e.author = l.author"
	" AND e.seq = l.seq) END AS place"
	" FROM loans l JOIN resources r ON r.id = l.resource"
	" WHERE r.owner = ?1 AND r.auto_accept = 1 AND l.state IN ('requested', 'waiting')"
	" ORDER BY waiting, place, l.id LIMIT 64";
/* is there anything to answer? A waiting request only once it fits */
static const char pending_auto_any_sql[] =
	"SELECT 1 FROM loans l JOIN resources r ON r.id = l.resource"
	" WHERE r.owner = ?1 AND r.auto_accept = 1 AND (l.state = 'requested'"
	" OR (l.state = 'waiting' AND mutua_conflict(l.id) IS NULL)) LIMIT 1";

int lending_auto_answer(struct store *s, const struct key *k)
{
	/* the daemon calls this whenever its store took entries: look
	 * without the write lock first, so a long write by the CLI never
	 * stalls it for nothing */
	uint8_t me[32];
	int member = store_member_of(s, k->id, me, NULL);
	if (member <= 0)
		return member;
	sqlite3_stmt *st = store_stmt(s, pending_auto_any_sql);
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, me, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : store_db_error(s);
	/* one transaction: what is pending, the checks and the answers agree */
	if (store_begin(s, k, "the auto-answers"))
		return -1;
	if (!(st = store_stmt(s, pending_auto_sql)))
		goto fail;
	sqlite3_bind_blob(st, 1, me, 32, SQLITE_STATIC);
	uint8_t ids[64][32];
	int wait[64], waiting[64];
	int n = 0, answered = 0;
	while (n < 64 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memcpy(ids[n], sqlite3_column_blob(st, 0), 32);
		wait[n] = sqlite3_column_int(st, 1);
		waiting[n++] = sqlite3_column_int(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_db_error(s);
		goto fail;
	}
	/* pending ones in the order this node received the requests
	 * (entries.n), never the times they claim: a borrower cannot jump
	 * the queue; a request that asked to wait goes on the waitlist
	 * rather than declined for a conflict. Then the waitlist, first
	 * come first: each waiting request that fits now is accepted, the
	 * others keep their place */
	for (int i = 0; i < n; i++) {
		struct booking_check chk;
		int ok = booking_can_accept(s, ids[i], &chk);
		if (ok < 0)
			goto fail;
		if (waiting[i] && !ok)
			continue;
		const char *why = ok ? NULL : chk.credit ? "credit limit"
					  : chk.has_conflict ? "conflict" : chk.why;
		int rc2;
		if (!ok && wait[i] && chk.has_conflict)
			rc2 = append_step(s, k, MUTUA__BODY__PAYLOAD_DECLINE, ids[i], why, -1, -1,
					  NULL, 1);
		else
			rc2 = lending_append(s, k, ok ? MUTUA__BODY__PAYLOAD_ACCEPT
						      : MUTUA__BODY__PAYLOAD_DECLINE,
					     ids[i], why, -1, -1, NULL);
		if (rc2)
			goto fail;
		answered++;
	}
	if (store_commit(s, k))
		goto fail;
	return answered;
fail:
	store_rollback(s, k);
	return -1;
}

/* ---- SQL functions ---------------------------------------------------- */

static void sql_free(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	(void)argc;
	struct store *s = sqlite3_user_data(cx);
	if (sqlite3_value_bytes(v[0]) != 32) {
		sqlite3_result_null(cx);
		return;
	}
	int64_t f = booking_free(s, sqlite3_value_blob(v[0]), sqlite3_value_int64(v[1]),
				 sqlite3_value_int64(v[2]));
	if (f < 0)
		sqlite3_result_error(cx, err_msg(), -1);
	else
		sqlite3_result_int64(cx, f);
}

static void sql_conflict(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	(void)argc;
	struct store *s = sqlite3_user_data(cx);
	struct booking_check chk;
	if (sqlite3_value_bytes(v[0]) != 32) {
		sqlite3_result_null(cx);
		return;
	}
	int ok = booking_can_accept(s, sqlite3_value_blob(v[0]), &chk);
	if (ok < 0)
		sqlite3_result_error(cx, err_msg(), -1);
	else if (ok)
		sqlite3_result_null(cx);
	else
		sqlite3_result_text(cx, chk.why, -1, SQLITE_TRANSIENT);
}

/* The predicates of loan.h over a state, as SQL functions: the user data
 * points at one of these. */
typedef int state_predicate(enum loan_state);
static state_predicate *const holds = loan_state_holds, *const in_progress =
	loan_state_in_progress;

/* mutua_holds(state), mutua_in_progress(state): 0 for NULL; a name that
 * is no state is an error, never a no. */
static void sql_state_is(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	(void)argc;
	state_predicate *const *is = sqlite3_user_data(cx);
	enum loan_state ls;
	const char *name = (const char *)sqlite3_value_text(v[0]);
	if (!name)
		sqlite3_result_int(cx, 0);
	else if (loan_state_parse(name, &ls))
		sqlite3_result_error(cx, err_msg(), -1);
	else
		sqlite3_result_int(cx, (*is)(ls));
}

static void sql_withdrawn(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	(void)argc;
	int64_t place = sqlite3_value_type(v[0]) == SQLITE_NULL ? INT64_MAX
			: sqlite3_value_int64(v[0]);
	sqlite3_result_int(cx, booking_withdrawn(place, INT64_MAX) != NULL);
}

int lending_register_sql(struct store *s)
{
	sqlite3 *db = store_db(s);
	if (sqlite3_create_function(db, "mutua_holds", 1,
				    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
				    (void *)&holds, sql_state_is, NULL, NULL) ||
	    sqlite3_create_function(db, "mutua_in_progress", 1,
				    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
				    (void *)&in_progress, sql_state_is, NULL, NULL) ||
	    sqlite3_create_function(db, "mutua_withdrawn", 1,
				    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
				    sql_withdrawn, NULL, NULL) ||
	    sqlite3_create_function(db, "mutua_free", 3, SQLITE_UTF8, s, sql_free, NULL, NULL) ||
	    sqlite3_create_function(db, "mutua_conflict", 1, SQLITE_UTF8, s, sql_conflict,
				    NULL, NULL))
		return err_set("store: %s", sqlite3_errmsg(db));
	return 0;
}

int64_t lending_step_usage(const struct lending_loan *l, enum loan_step step)
{
	if (step == LOAN_CLOSE && l->usage >= 0)
		return l->usage;
	return lending_default_usage(l->unit, l->start, l->end, (uint64_t)l->quantity);
}
