/* fold.c - derived tables, each row a function of entries already stored.
 *
 * Rules (the one place that says how an entry changes the state):
 *   genesis        each founder becomes a member (name, college, transport
 *                  key and endpoints from its card)
 *   profile        replaces the author's name, college, transport key and
 *                  endpoints
 *   offer          creates an active resource owned by the author; its id
 *                  is the entry id; a backdated one (witness.h) creates a
 *                  resource of status 'backdated' that nothing can book.
 *                  Its terms (conditions, requires, deposit) are columns
 *                  of the row; every change of the row re-indexes it for
 *                  the catalogue's search (search_index_offer)
 *   offer-update   replaces the fields of an active resource of the author;
 *                  ignored for anyone else's or a withdrawn resource
 *   offer-withdraw marks an active resource of the author withdrawn, and
 *                  where in the owner's feed (lending_member_seq): an accept
 *                  of the owner's after it is ignored (booking_withdrawn);
 *                  ignored likewise; both ignored when backdated, also
 *                  when the witness that shows it comes after them
 *   block, unblock an owner's own use of its resource: see booking.c
 *   delegation, revocation
 *                  the member's staff and what they may do: see staff.c
 *   request ...    loans: see lending.c
 *   proposal, vote, tally
 *                  admissions, exclusions, parameters: see governance.c
 *   checkpoint     checked against the feed's Merkle tree: see checkpoint.c
 *   witness        heads of feeds as the author's node saw them: see
 *                  witness.c, which also judges every entry first
 *                  (witness_entry_fold: backdated or not)
 *   rotate         ends the author key's feed at this entry and, unless the
 *                  new key is already someone's, makes it the member's
 *                  signing key (its feed starts at seq 1) and the card's
 *                  transport key the member's
 * Ignored entries stay in the feed: an audit reports them.
 *
 * A member is named by its first signing key (its id). Every rule above
 * speaks of members: the author key of an entry stands for the member it
 * belongs to (entry.member), so a member keeps its resources, loans and
 * votes across key rotations. The keys table maps a later key to its
 * member and records where a key's feed ends: at its rotation entry
 * (rotated), or at the seq a passed rekey named (cut, see governance.c).
 */
#include "fold.h"
#include "checkpoint.h"
#include "governance.h"
#include "booking.h"
#include "lending.h"
#include "federation.h"
#include "search.h"
#include "staff.h"
#include "store.h"
#include "store_int.h"
#include "util.h"
#include "witness.h"

#include <stdlib.h>
#include <string.h>

int fold_clear(struct store *s)
{
	if (search_forget_pending(s))
		return -1;
	return store_exec(s, "DELETE FROM members; DELETE FROM member_endpoints;"
			     " DELETE FROM resources; DELETE FROM feeds;"
			     " DELETE FROM loans; DELETE FROM loan_events; DELETE FROM balances;"
			     " DELETE FROM blocks; DELETE FROM unblocks;"
			     " DELETE FROM proposals; DELETE FROM votes; DELETE FROM params;"
			     " DELETE FROM checkpoints; DELETE FROM keys;"
			     " DELETE FROM tallies; DELETE FROM tally_votes; DELETE FROM void_feeds;"
			     " DELETE FROM gov_recount;"
			     " DELETE FROM offer_steps; DELETE FROM offer_origins;"
			     " DELETE FROM witnessed;"
			     " DELETE FROM witness_floor; DELETE FROM backdated;"
			     " DELETE FROM feed_roots; DELETE FROM feed_trees;"
			     " DELETE FROM loan_photos;"
			     " DELETE FROM delegations; DELETE FROM revocations; DELETE FROM acts;"
			     " INSERT INTO offers_fts(offers_fts) VALUES ('delete-all');");
}

static int set_endpoints(struct store *s, const uint8_t *id, char **eps, size_t n)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM member_endpoints WHERE member = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, id, KEY_ID_BYTES, SQLITE_STATIC);
	if (store_step_done(s, st))
		return -1;
	for (size_t i = 0; i < n; i++) {
		st = store_stmt(s, "INSERT INTO member_endpoints(member, url) VALUES (?, ?)");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, id, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, eps[i], -1, SQLITE_STATIC);
		if (store_step_done(s, st))
			return -1;
	}
	return 0;
}

int fold_genesis(struct store *s, const Mutua__Genesis *g)
{
	for (size_t i = 0; i < g->n_founders; i++) {
		Mutua__CardBody *cb = card_open(g->founders[i]);
		if (!cb)
			return -1;
		sqlite3_stmt *st = store_stmt(s,
			"INSERT INTO members(id, xkey, name, college, founder, since)"
			" VALUES (?, ?, ?, ?, 1, ?)");
		int rc = -1;
		if (st) {
			sqlite3_bind_blob(st, 1, cb->id.data, KEY_ID_BYTES, SQLITE_STATIC);
			sqlite3_bind_blob(st, 2, cb->transport_key.data, KEY_X_BYTES, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, cb->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, cb->college ? cb->college : "", -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 5, g->time);
			rc = store_step_done(s, st);
			if (!rc)
				rc = set_endpoints(s, cb->id.data, cb->endpoints, cb->n_endpoints);
		}
		mutua__card_body__free_unpacked(cb, NULL);
		if (rc)
			return -1;
	}
	return 0;
}

/* A rotation: the author key's feed ends here; the card's keys become the
 * member's unless its identity key is someone's already. */
static int fold_rotate(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO keys(key, member, rotated) VALUES (?, ?, ?)"
					 " ON CONFLICT(key) DO UPDATE SET rotated ="
					 " min(coalesce(rotated, excluded.rotated), excluded.rotated)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, b->author.data, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, e->member, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)b->seq);
	if (store_step_done(s, st))
		return -1;
	Mutua__CardBody *cb = card_open(b->rotate->card);
	if (!cb)
		return -1; /* checked at decode: cannot happen */
	int rc = fold_new_key(s, e->member, cb, 0);
	mutua__card_body__free_unpacked(cb, NULL);
	return rc;
}

int fold_new_key(struct store *s, const uint8_t *member, const Mutua__CardBody *cb,
		 int rekey)
{
	/* a key belongs to one member only; a rotation may not take a key an
	 * admission names (the applicant's), whichever arrived first */
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO keys(key, member, rekey) SELECT ?1, ?2, ?3"
					 " WHERE NOT EXISTS (SELECT 1 FROM members WHERE id = ?1)"
					 " AND NOT EXISTS (SELECT 1 FROM keys WHERE key = ?1)"
					 " AND (?3 OR (NOT EXISTS (SELECT 1 FROM proposals"
					 " WHERE kind = 'admit' AND target = ?1) AND NOT EXISTS"
					 " (SELECT 1 FROM temp.refold_admitted WHERE key = ?1)))");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, cb->id.data, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, member, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, rekey);
	if (store_step_done(s, st))
		return -1;
	if (sqlite3_changes(store_db(s)) == 0)
		return 0; /* someone's key already: the member has none now */
	st = store_stmt(s, "UPDATE members SET xkey = ? WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, cb->transport_key.data, KEY_X_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, member, KEY_ID_BYTES, SQLITE_STATIC);
	if (store_step_done(s, st))
		return -1;
	return cb->n_endpoints ? set_endpoints(s, member, cb->endpoints, cb->n_endpoints) : 0;
}

/* The offer's terms (issue 16), bound at i, i + 1, i + 2: conditions,
 * requirements comma-joined, deposit. */
static void bind_terms(sqlite3_stmt *st, int i, const Mutua__Offer *o)
{
	char req[REQUIRES_TEXT_MAX];
	lending_requires_join(req, sizeof req, o->requires, o->n_requires);
	sqlite3_bind_text(st, i, o->conditions ? o->conditions : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i + 1, req, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, i + 2, o->has_deposit ? (sqlite3_int64)o->deposit : 0);
}

static void bind_offer(sqlite3_stmt *st, int i, const Mutua__Offer *o)
{
	sqlite3_bind_text(st, i, entry_kind_name(o->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i + 1, o->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i + 2, entry_unit_name(o->unit), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, i + 3, (sqlite3_int64)o->capacity);
	sqlite3_bind_int64(st, i + 4, (sqlite3_int64)o->rate);
	sqlite3_bind_text(st, i + 5, o->location ? o->location : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i + 6, o->description ? o->description : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, i + 7, o->has_auto_accept && o->auto_accept);
}

/* ---- offers ------------------------------------------------------------
 *
 * A resource's row is its offer, then its owner's updates and withdrawal
 * in the owner's own order (lending_member_seq), leaving out the
 * backdated ones (witness.h, rule a). Each update or withdrawal is kept
 * as a step (offer_steps), and at the owner's first step the offer's own
 * fields are kept too (offer_origins), so that a
 * witness arriving after them can replay the resource without them
 * (fold_offer_recompute): the row is the same in every arrival order.
 * Entries come in their feed's order, so the fold applies a step at once,
 * and replays only when a step comes after a later one. An offer with no
 * update costs nothing more. A backdated offer leaves a row of status
 * 'backdated', withdrawn from its first place (booking_withdrawn: nothing
 * can be booked on it), so that requests for it say why. */

static uint8_t *pack_offer(const Mutua__Offer *o, size_t *n)
{
	*n = mutua__offer__get_packed_size(o);
	uint8_t *p = malloc(*n ? *n : 1);
	if (!p)
		err_set("out of memory");
	else
		mutua__offer__pack(o, p);
	return p;
}

/* Applies one update (fields) or the withdrawal (fields NULL) at place. */
static int offer_apply(struct store *s, const uint8_t *resource, const uint8_t *owner,
		       const Mutua__Offer *fields, int64_t place, int64_t time)
{
	sqlite3_stmt *st;
	if (fields) {
		st = store_stmt(s, "UPDATE resources SET kind = ?, title = ?, unit = ?,"
				   " capacity = ?, rate = ?, location = ?, description = ?,"
				   " auto_accept = ?, updated = ?, conditions = ?, requires = ?,"
				   " deposit = ? WHERE id = ? AND owner = ? AND status = 'active'");
		if (!st)
			return -1;
		bind_offer(st, 1, fields);
		sqlite3_bind_int64(st, 9, time);
		bind_terms(st, 10, fields);
		sqlite3_bind_blob(st, 13, resource, ENTRY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_blob(st, 14, owner, KEY_ID_BYTES, SQLITE_STATIC);
	} else {
		st = store_stmt(s, "UPDATE resources SET status = 'withdrawn', updated = ?1,"
				   " withdrawn = ?4 WHERE id = ?2 AND owner = ?3 AND status = 'active'");
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, time);
		sqlite3_bind_blob(st, 2, resource, ENTRY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, owner, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, place);
	}
	return store_step_done(s, st);
}

/* Keeps the offer's own fields at its owner's first step, before it is
 * applied (the row holds them then). An owner's step always comes after
 * its offer (one member's order), so the rows are the same in every
 * arrival order; others' steps never apply and need none. */
static int offer_keep_origin(struct store *s, const uint8_t *resource, const uint8_t *owner)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT OR IGNORE INTO offer_origins(id, kind, title, unit, capacity, rate,"
		" location, description, auto_accept, conditions, requires, deposit)"
		" SELECT id, kind, title, unit, capacity, rate, location, description,"
		" auto_accept, conditions, requires, deposit FROM resources WHERE id = ?1"
		" AND owner = ?2");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, resource, ENTRY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, owner, KEY_ID_BYTES, SQLITE_STATIC);
	return store_step_done(s, st);
}

static int fold_offer_new(struct store *s, const struct entry *e, int backdated)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT OR IGNORE INTO resources(id, owner, kind, title,"
					 " unit, capacity, rate, location, description,"
					 " auto_accept, status, created, updated, seq, withdrawn,"
					 " conditions, requires, deposit)"
					 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
					 " iif(?14, 'backdated', 'active'), ?11, ?12, ?13,"
					 " iif(?14, 0, NULL), ?15, ?16, ?17)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, e->id, ENTRY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, e->member, KEY_ID_BYTES, SQLITE_STATIC);
	bind_offer(st, 3, e->b->offer);
	sqlite3_bind_int64(st, 11, e->b->time);
	sqlite3_bind_int64(st, 12, e->b->time);
	sqlite3_bind_int64(st, 13, (sqlite3_int64)e->b->seq);
	sqlite3_bind_int(st, 14, backdated);
	bind_terms(st, 15, e->b->offer);
	if (store_step_done(s, st) ||
	    (sqlite3_changes(store_db(s)) &&
	     search_index_row(s, sqlite3_last_insert_rowid(store_db(s)))))
		return -1;
	/* requests may have come before their offer */
	return lending_recompute_resource(s, e->id);
}

static int offer_replay_all(struct store *s, const uint8_t *resource);

/* An update or a withdrawal: kept as a step, applied at once when it is
 * the resource's last step (the usual case), else replayed in order. */
static int fold_offer_step(struct store *s, const struct entry *e, int backdated)
{
	const Mutua__Body *b = e->b;
	int withdraw = b->payload_case == MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW;
	const uint8_t *resource = withdraw ? b->offer_withdraw->offer.data
					   : b->offer_update->offer.data;
	const Mutua__Offer *fields = withdraw ? NULL : b->offer_update->fields;
	int64_t place = lending_member_seq(s, e);
	uint8_t *packed = NULL;
	size_t n = 0;
	if (place < 0 || (fields && !(packed = pack_offer(fields, &n))))
		return -1;
	sqlite3_stmt *st = store_stmt(s, "INSERT OR IGNORE INTO offer_steps(id, resource, owner,"
					 " place, time, seq, fields) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (!st) {
		free(packed);
		return -1;
	}
	sqlite3_bind_blob(st, 1, e->id, ENTRY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, resource, ENTRY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, e->member, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, place);
	sqlite3_bind_int64(st, 5, b->time);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)b->seq);
	if (packed)
		sqlite3_bind_blob(st, 7, packed, (int)n, free);
	if (store_step_done(s, st) || offer_keep_origin(s, resource, e->member))
		return -1;
	st = store_stmt(s, "SELECT EXISTS (SELECT 1 FROM offer_steps WHERE resource = ?1"
			   " AND owner = ?2 AND place > ?3)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, resource, ENTRY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, e->member, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, place);
	int later = store_step_row(s, st);
	if (later == 1)
		later = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (later < 0)
		return -1;
	if (later)
		return offer_replay_all(s, resource);
	if (backdated)
		return 0;
	/* the search index follows the row (search.h): out before, in after */
	return search_unindex_offer(s, resource) ||
	       offer_apply(s, resource, e->member, fields, place, b->time) ||
	       search_index_offer(s, resource) ? -1 : 0;
}

static int offer_replay(struct store *s, const uint8_t *resource);

/* The resource's row, replayed, and its place in the search index. */
static int offer_replay_all(struct store *s, const uint8_t *resource)
{
	return search_unindex_offer(s, resource) || offer_replay(s, resource) ||
	       search_index_offer(s, resource) ? -1 : 0;
}

/* The resource's row, replayed: its offer's fields, then its steps. */
static int offer_replay(struct store *s, const uint8_t *resource)
{
	int backdated = witness_backdated(s, resource);
	sqlite3_stmt *st = backdated < 0 ? NULL : store_stmt(s,
		"UPDATE resources SET updated = created, status = iif(?2, 'backdated', 'active'),"
		" withdrawn = iif(?2, 0, NULL), (kind, title, unit, capacity, rate, location,"
		" description, auto_accept, conditions, requires, deposit) = (SELECT kind,"
		" title, unit, capacity, rate, location, description, auto_accept, conditions,"
		" requires, deposit FROM offer_origins WHERE id = ?1)"
		" WHERE id = ?1 AND EXISTS (SELECT 1 FROM offer_origins WHERE id = ?1)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, resource, ENTRY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, backdated);
	if (store_step_done(s, st))
		return -1;
	if (sqlite3_changes(store_db(s)) == 0) {
		/* no step, or no offer: only the offer's own verdict */
		st = store_stmt(s, "UPDATE resources SET status = iif(?2, 'backdated', 'active'),"
				   " withdrawn = iif(?2, 0, NULL) WHERE id = ?1");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, resource, ENTRY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, backdated);
		return store_step_done(s, st);
	}
	/* the steps, in place order; the replay's statements are other ones */
	sqlite3_stmt *q = store_stmt(s, "SELECT o.owner, o.place, o.time, o.fields"
					" FROM offer_steps o WHERE o.resource = ?1 AND NOT EXISTS"
					" (SELECT 1 FROM backdated b WHERE b.id = o.id)"
					" ORDER BY o.place, o.id");
	if (!q)
		return -1;
	sqlite3_bind_blob(q, 1, resource, ENTRY_ID_BYTES, SQLITE_STATIC);
	int rc;
	while ((rc = store_step_row(s, q)) == 1) {
		Mutua__Offer *f = NULL;
		if (sqlite3_column_type(q, 3) != SQLITE_NULL &&
		    !(f = mutua__offer__unpack(NULL, (size_t)sqlite3_column_bytes(q, 3),
					       sqlite3_column_blob(q, 3)))) {
			rc = err_set("stored offer step is damaged: run 'mutua reindex'");
			break;
		}
		rc = offer_apply(s, resource, sqlite3_column_blob(q, 0), f,
				 sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2));
		if (f)
			mutua__offer__free_unpacked(f, NULL);
		if (rc) {
			rc = -1;
			break;
		}
	}
	sqlite3_reset(q);
	return rc < 0 ? -1 : 0;
}

int fold_offer_recompute(struct store *s, const uint8_t resource[ENTRY_ID_BYTES])
{
	return offer_replay_all(s, resource) ? -1 : lending_recompute_resource(s, resource);
}

/* backdated: witness_entry_fold's verdict on e */
static int fold_offer(struct store *s, const struct entry *e, int backdated)
{
	return e->b->payload_case == MUTUA__BODY__PAYLOAD_OFFER ? fold_offer_new(s, e, backdated)
								 : fold_offer_step(s, e, backdated);
}

int fold_entry(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	sqlite3_stmt *st;

	/* whether a witness held makes it backdated, before it takes effect */
	int backdated = witness_entry_fold(s, e);
	if (backdated < 0)
		return -1;
	/* a staff act no delegation covers: without effect (staff.h) */
	int uncovered = staff_act_fold(s, e);
	if (uncovered)
		return uncovered < 0 ? -1 : 0;
	switch (b->payload_case) {
	case MUTUA__BODY__PAYLOAD_PROFILE: {
		const Mutua__Profile *p = b->profile;
		/* under the colleges rule a member's college weighs its vote:
		 * the genesis or the admission sets it, not the member itself */
		st = store_stmt(s, "UPDATE members SET name = ?1, college = iif(?5, college, ?2),"
				   " xkey = ?3 WHERE id = ?4");
		if (!st)
			return -1;
		const Mutua__Genesis *g = store_genesis(s);
		sqlite3_bind_int(st, 5, g && g->governance &&
					g->governance->rule == GOV_RULE_COLLEGES);
		sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, p->college ? p->college : "", -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, p->transport_key.data, KEY_X_BYTES, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, e->member, KEY_ID_BYTES, SQLITE_STATIC);
		if (store_step_done(s, st))
			return -1;
		return set_endpoints(s, e->member, p->endpoints, p->n_endpoints);
	}
	case MUTUA__BODY__PAYLOAD_OFFER:
	case MUTUA__BODY__PAYLOAD_OFFER_UPDATE:
	case MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW:
		return fold_offer(s, e, backdated);
	case MUTUA__BODY__PAYLOAD_ROTATE:
		return fold_rotate(s, e);
	case MUTUA__BODY__PAYLOAD_BLOCK:
	case MUTUA__BODY__PAYLOAD_UNBLOCK:
		return booking_fold(s, e);
	case MUTUA__BODY__PAYLOAD_DELEGATION:
	case MUTUA__BODY__PAYLOAD_REVOCATION:
		return staff_fold(s, e);
	default:
		if (b->payload_case == MUTUA__BODY__PAYLOAD_REQUEST ||
		    entry_is_transition(b->payload_case))
			return lending_fold(s, e);
		if (b->payload_case == MUTUA__BODY__PAYLOAD_PROPOSAL ||
		    b->payload_case == MUTUA__BODY__PAYLOAD_VOTE ||
		    b->payload_case == MUTUA__BODY__PAYLOAD_TALLY)
			return governance_fold(s, e);
		if (b->payload_case == MUTUA__BODY__PAYLOAD_CHECKPOINT)
			return checkpoint_fold(s, e);
		if (b->payload_case == MUTUA__BODY__PAYLOAD_WITNESS)
			return witness_fold(s, e);
		return err_set("cannot fold an unknown payload");
	}
}
