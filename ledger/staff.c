/* staff.c - delegations and the rule staff_may (staff.h).
 *
 * Both entries are folded as they come (delegations, revocations) and
 * judged where they are read: a revocation counts when the delegation it
 * names is of its own member and no earlier revocation of the member
 * names it. Since a member's entries are folded in its own order, and a
 * revocation of another member's delegation is judged by a query, not at
 * its arrival, the tables and every verdict are the same in every arrival
 * order of the feeds.
 */
#include "staff.h"
#include "federation.h"
#include "ignored.h"
#include "lending.h"
#include "store.h"
#include "store_int.h"
#include "util.h"
#include "hex.h"
#include "names.h"
#include "view.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The roles comma-joined in their order ("borrow,lend"), and as a mask. */
static void roles_text(char *out, size_t n, const uint32_t *roles, size_t nroles,
		       int64_t *mask)
{
	size_t used = 0;
	*mask = 0;
	out[0] = 0;
	for (size_t i = 0; i < nroles; i++) {
		*mask |= 1LL << roles[i];
		used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s%s",
					 i ? "," : "", entry_role_name(roles[i]));
	}
}

int staff_fold(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	int64_t place = lending_member_seq(s, e);
	sqlite3_stmt *st;
	if (place < 0)
		return -1;
	if (b->payload_case == MUTUA__BODY__PAYLOAD_REVOCATION) {
		st = store_stmt(s, "INSERT OR IGNORE INTO revocations(id, delegation, member, author,"
				   " seq, place, time, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, e->id, ENTRY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, b->revocation->delegation.data, ENTRY_ID_BYTES,
				  SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, e->member, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, b->author.data, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)b->seq);
		sqlite3_bind_int64(st, 6, place);
		sqlite3_bind_int64(st, 7, b->time);
		sqlite3_bind_text(st, 8, b->revocation->reason ? b->revocation->reason : "", -1,
				  SQLITE_STATIC);
		return store_step_done(s, st);
	}
	if (b->payload_case != MUTUA__BODY__PAYLOAD_DELEGATION)
		return err_set("not a delegation");
	const Mutua__Delegation *d = b->delegation;
	Mutua__CardBody *cb = card_open(d->card);
	if (!cb)
		return -1; /* checked at decode: cannot happen */
	char roles[64];
	int64_t mask;
	roles_text(roles, sizeof roles, d->roles, d->n_roles, &mask);
	st = store_stmt(s, "INSERT OR IGNORE INTO delegations(id, member, author, seq, place, time,"
			   " key, xkey, name, roles, mask, until_ms)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	int rc = -1;
	if (st) {
		sqlite3_bind_blob(st, 1, e->id, ENTRY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, e->member, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, b->author.data, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)b->seq);
		sqlite3_bind_int64(st, 5, place);
		sqlite3_bind_int64(st, 6, b->time);
		sqlite3_bind_blob(st, 7, cb->id.data, KEY_ID_BYTES, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 8, cb->transport_key.data, KEY_X_BYTES, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 9, d->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, roles, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 11, mask);
		if (d->has_until)
			sqlite3_bind_int64(st, 12, d->until);
		rc = store_step_done(s, st);
	}
	mutua__card_body__free_unpacked(cb, NULL);
	return rc;
}

/* Why a revocation is without effect, over revocations r: the one wording
 * for store_append and the audit. */
#define REVOCATION_WHY \
	"CASE WHEN d.id IS NULL OR d.member <> r.member THEN '" STAFF_NO_SUCH "'" \
	" WHEN EXISTS (SELECT 1 FROM revocations v WHERE v.delegation = r.delegation" \
	"  AND v.member = r.member AND v.place < r.place) THEN '" STAFF_ALREADY "' END"

int staff_refusal(struct store *s, const struct entry *e)
{
	if (e->b->staff &&
	    ignored_verdict(s, "SELECT verdict FROM acts WHERE id = ?", e->id))
		return -1;
	if (e->b->payload_case != MUTUA__BODY__PAYLOAD_REVOCATION)
		return 0;
	return ignored_verdict(s, "SELECT " REVOCATION_WHY " FROM revocations r"
				  " LEFT JOIN delegations d ON d.id = r.delegation WHERE r.id = ?",
			       e->id);
}

const char staff_ignored_sql[] =
	"SELECT * FROM (SELECT r.member, r.seq, lower(hex(r.delegation)), " REVOCATION_WHY " AS why"
	" FROM revocations r LEFT JOIN delegations d ON d.id = r.delegation)"
	" WHERE why IS NOT NULL ORDER BY 1, 2";

/* Does a delegation (its place, mask, until, the place of the revocation
 * that counts) cover an entry needing role at place, signed at time? 1
 * yes, 0 no with why: the one wording for staff_may and the acts. */
static int covers(int64_t dplace, int64_t mask, int has_until, int64_t until, int revoked,
		  int64_t rplace, uint32_t role, int64_t place, int64_t time, char *why,
		  size_t why_len)
{
	if (dplace >= place)
		err_fmt(why, why_len, STAFF_ACT_LATER);
	else if (!(mask & (1LL << role)))
		err_fmt(why, why_len, "the delegation does not grant the role %s",
			 entry_role_name(role));
	else if (revoked && rplace < place)
		err_fmt(why, why_len, "the delegation was revoked (at place %lld of the "
			 "member's feed)", (long long)rplace);
	else if (has_until && time > until)
		err_fmt(why, why_len, "the delegation ended (until %lld ms)", (long long)until);
	else
		return 1;
	return 0;
}

/* The member's delegation columns staff_may and the acts read: place,
 * mask, until, where its first effective revocation stands (the member's
 * own: REVOCATION_WHY), seq, key, member. */
#define DELEGATION_COLS \
	"d.place, d.mask, d.until_ms, (SELECT min(r.place) FROM revocations r" \
	" WHERE r.delegation = d.id AND r.member = d.member AND r.place > d.place)," \
	" d.seq, d.key, d.member"

int staff_may(struct store *s, const uint8_t member[KEY_ID_BYTES],
	      const uint8_t staff_key[KEY_ID_BYTES], uint32_t role, int64_t place,
	      int64_t time, char *why, size_t why_len)
{
	/* the member's delegations of that key, each with where its first
	 * effective revocation stands (the member's own: REVOCATION_WHY) */
	sqlite3_stmt *st = store_stmt(s, "SELECT " DELEGATION_COLS " FROM delegations d"
					 " WHERE d.member = ?1 AND d.key = ?2 ORDER BY d.place");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, member, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, staff_key, KEY_ID_BYTES, SQLITE_STATIC);
	int rc, ok = 0, with_role = 0;
	err_fmt(why, why_len, "no delegation of this member names this key");
	while (!ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t dplace = sqlite3_column_int64(st, 0), mask = sqlite3_column_int64(st, 1);
		int has_until = sqlite3_column_type(st, 2) != SQLITE_NULL;
		int64_t until = sqlite3_column_int64(st, 2);
		int revoked = sqlite3_column_type(st, 3) != SQLITE_NULL;
		int64_t rplace = sqlite3_column_int64(st, 3);
		if (dplace >= place)
			continue; /* not yet given at that point */
		/* a delegation with the role says more than one without it */
		char w[160];
		if (!(mask & (1LL << role)) && with_role)
			continue;
		with_role |= (mask & (1LL << role)) != 0;
		ok = covers(dplace, mask, has_until, until, revoked, rplace, role, place, time, w,
			    sizeof w);
		if (!ok)
			err_fmt(why, why_len, "%s", w);
	}
	if (!ok && rc != SQLITE_DONE) {
		sqlite3_reset(st);
		return store_db_error(s);
	}
	sqlite3_reset(st);
	if (ok && why_len)
		why[0] = 0;
	return ok;
}

int staff_act_message(const Mutua__Body *b, const uint8_t delegation[32], uint64_t nonce,
		      uint8_t **out, size_t *len)
{
	return entry_act_message(b, delegation, nonce, out, len);
}

int staff_act_sign(Mutua__Body *b, const struct key *staff, const uint8_t delegation[32],
		   uint64_t nonce, Mutua__StaffAct *act, uint8_t sig[64])
{
	while (nonce == 0)
		randombytes_buf(&nonce, sizeof nonce);
	uint8_t *m;
	size_t n;
	if (entry_act_message(b, delegation, nonce, &m, &n))
		return -1;
	crypto_sign_detached(sig, NULL, m, n, staff->sign_sk);
	free(m);
	mutua__staff_act__init(act);
	act->key.data = (uint8_t *)staff->id;
	act->key.len = KEY_ID_BYTES;
	act->delegation.data = (uint8_t *)delegation;
	act->delegation.len = ENTRY_ID_BYTES;
	act->nonce = nonce;
	act->sig.data = sig;
	act->sig.len = KEY_SIG_BYTES;
	b->staff = act;
	return 0;
}

int staff_role_of(struct store *s, const struct entry *e, uint32_t *role)
{
	const Mutua__Body *b = e->b;
	*role = 0;
	switch (b->payload_case) {
	case MUTUA__BODY__PAYLOAD_REQUEST:
	case MUTUA__BODY__PAYLOAD_GIVE_BACK:
	case MUTUA__BODY__PAYLOAD_AGREE:
	case MUTUA__BODY__PAYLOAD_DISPUTE:
		*role = ENTRY_ROLE_BORROW;
		return 0;
	case MUTUA__BODY__PAYLOAD_OFFER:
	case MUTUA__BODY__PAYLOAD_OFFER_UPDATE:
	case MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW:
	case MUTUA__BODY__PAYLOAD_BLOCK:
	case MUTUA__BODY__PAYLOAD_UNBLOCK:
	case MUTUA__BODY__PAYLOAD_ACCEPT:
	case MUTUA__BODY__PAYLOAD_DECLINE:
	case MUTUA__BODY__PAYLOAD_CLOSE:
		*role = ENTRY_ROLE_LEND;
		return 0;
	case MUTUA__BODY__PAYLOAD_DELEGATION:
	case MUTUA__BODY__PAYLOAD_REVOCATION:
	case MUTUA__BODY__PAYLOAD_PROPOSAL:
	case MUTUA__BODY__PAYLOAD_VOTE:
		*role = ENTRY_ROLE_ADMIN;
		return 0;
	case MUTUA__BODY__PAYLOAD_CANCEL:
	case MUTUA__BODY__PAYLOAD_HANDOVER: {
		/* the borrower's when the member's own request, folded before
		 * this entry on every node, made the loan; the owner's else */
		sqlite3_stmt *st = store_stmt(s, "SELECT EXISTS (SELECT 1 FROM loans"
						 " WHERE id = ?1 AND borrower = ?2)");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, entry_transition(b)->request.data, ENTRY_ID_BYTES,
				  SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, e->member, KEY_ID_BYTES, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		int borrower = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return store_db_error(s);
		*role = borrower ? ENTRY_ROLE_BORROW : ENTRY_ROLE_LEND;
		return 0;
	}
	default:
		return 1;
	}
}

int staff_act_fold(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	const Mutua__StaffAct *a = b->staff;
	if (!a)
		return 0;
	uint32_t role;
	int64_t place = lending_member_seq(s, e);
	int r = place < 0 ? -1 : staff_role_of(s, e, &role);
	if (r < 0)
		return -1;
	char why[160] = "";
	if (r == 1)
		err_fmt(why, sizeof why, "a %s may not carry a staff act",
			 entry_type_name(b->payload_case));
	sqlite3_stmt *st = store_stmt(s, "SELECT " DELEGATION_COLS " FROM delegations d"
					 " WHERE d.id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, a->delegation.data, ENTRY_ID_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_reset(st);
		return store_db_error(s);
	}
	if (why[0])
		;
	else if (rc == SQLITE_DONE ||
		 memcmp(sqlite3_column_blob(st, 6), e->member, KEY_ID_BYTES) != 0)
		err_fmt(why, sizeof why, STAFF_NO_SUCH);
	else if (memcmp(sqlite3_column_blob(st, 5), a->key.data, KEY_ID_BYTES) != 0)
		err_fmt(why, sizeof why, STAFF_ACT_OTHER_KEY);
	else
		covers(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
		       sqlite3_column_type(st, 2) != SQLITE_NULL, sqlite3_column_int64(st, 2),
		       sqlite3_column_type(st, 3) != SQLITE_NULL, sqlite3_column_int64(st, 3),
		       role, place, b->time, why, sizeof why);
	sqlite3_reset(st);
	if (!why[0]) {
		/* the nonce: once per key and member, in the member's order */
		st = store_stmt(s, "SELECT EXISTS (SELECT 1 FROM acts WHERE member = ?1"
				   " AND key = ?2 AND nonce = ?3 AND place < ?4)");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, e->member, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, a->key.data, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)a->nonce);
		sqlite3_bind_int64(st, 4, place);
		rc = sqlite3_step(st);
		int used = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return store_db_error(s);
		if (used)
			err_fmt(why, sizeof why, STAFF_ACT_REPLAY);
	}
	st = store_stmt(s, "INSERT OR IGNORE INTO acts(id, member, author, seq, place, time,"
			   " key, delegation, nonce, role, verdict)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, e->id, ENTRY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, e->member, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, b->author.data, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)b->seq);
	sqlite3_bind_int64(st, 5, place);
	sqlite3_bind_int64(st, 6, b->time);
	sqlite3_bind_blob(st, 7, a->key.data, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, a->delegation.data, ENTRY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)a->nonce);
	sqlite3_bind_int(st, 10, (int)role);
	if (why[0])
		sqlite3_bind_text(st, 11, why, -1, SQLITE_TRANSIENT);
	if (store_step_done(s, st))
		return -1;
	return why[0] ? 1 : 0;
}

const char staff_acts_ignored_sql[] =
	"SELECT a.member, a.seq, coalesce(e.type, 'entry'), lower(hex(a.key)), a.verdict"
	" FROM acts a LEFT JOIN entries e ON e.id = a.id"
	" WHERE a.verdict IS NOT NULL ORDER BY a.member, a.place";

static int cmp_role(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int staff_delegate(struct store *s, const struct key *k, const uint8_t member[KEY_ID_BYTES],
		   const char *card, const char *name, const uint32_t *roles, size_t nroles,
		   int64_t until, uint8_t id_out[ENTRY_ID_BYTES])
{
	uint32_t sorted[ENTRY_ROLES_MAX];
	if (nroles < 1)
		return err_set("a delegation grants at least one role (borrow, lend, admin)");
	if (nroles > ENTRY_ROLES_MAX)
		return err_set("a role is given twice");
	memcpy(sorted, roles, nroles * sizeof *roles);
	qsort(sorted, nroles, sizeof *sorted, cmp_role);
	for (size_t i = 1; i < nroles; i++)
		if (sorted[i] == sorted[i - 1])
			return err_set("the role %s is given twice", entry_role_name(sorted[i]));
	Mutua__CardBody *cb = NULL;
	Mutua__Card *c = card_decode(card, &cb);
	if (!c)
		return -1;
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Delegation d = MUTUA__DELEGATION__INIT;
	d.card = c;
	d.name = (char *)name;
	d.roles = sorted;
	d.n_roles = nroles;
	d.has_until = until != 0;
	d.until = until;
	b.payload_case = MUTUA__BODY__PAYLOAD_DELEGATION;
	b.delegation = &d;
	int rc = -1;
	if (store_begin(s, k, "a delegation and its check"))
		goto out;
	/* the same key twice in force would be two names for one person */
	sqlite3_stmt *st = store_stmt(s, "SELECT name FROM delegations d WHERE member = ?1"
					 " AND key = ?2 AND NOT EXISTS (SELECT 1 FROM revocations r"
					 " WHERE r.delegation = d.id AND r.member = d.member)");
	if (!st)
		goto fail;
	sqlite3_bind_blob(st, 1, member, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, cb->id.data, KEY_ID_BYTES, SQLITE_STATIC);
	int row = sqlite3_step(st);
	if (row == SQLITE_ROW) {
		err_set("this key is already delegated to '%s': revoke that delegation first",
			sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		goto fail;
	}
	sqlite3_reset(st);
	if (row != SQLITE_DONE) {
		store_db_error(s);
		goto fail;
	}
	/* a member's key acts as the member, never as its staff */
	st = store_stmt(s, "SELECT EXISTS (SELECT 1 FROM members WHERE id = ?1)"
			   " OR EXISTS (SELECT 1 FROM keys WHERE key = ?1)");
	if (!st)
		goto fail;
	sqlite3_bind_blob(st, 1, cb->id.data, KEY_ID_BYTES, SQLITE_STATIC);
	row = sqlite3_step(st);
	int member_key = row == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (row != SQLITE_ROW) {
		store_db_error(s);
		goto fail;
	}
	if (member_key) {
		err_set("this card is a member's: a staff person makes a card of their own "
			"('mutua init' in a home of their own, then 'mutua card')");
		goto fail;
	}
	if (store_append(s, k, &b, id_out) || store_commit(s, k))
		goto fail;
	rc = 0;
	goto out;
fail:
	store_rollback(s, k);
out:
	mutua__card__free_unpacked(c, NULL);
	mutua__card_body__free_unpacked(cb, NULL);
	return rc;
}

int staff_revoke(struct store *s, const struct key *k, const uint8_t delegation[ENTRY_ID_BYTES],
		 const char *reason)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Revocation r = MUTUA__REVOCATION__INIT;
	r.delegation.data = (uint8_t *)delegation;
	r.delegation.len = ENTRY_ID_BYTES;
	r.reason = reason && *reason ? (char *)reason : NULL;
	b.payload_case = MUTUA__BODY__PAYLOAD_REVOCATION;
	b.revocation = &r;
	return store_append(s, k, &b, NULL);
}

/* The revocation that counts for delegation d (its member's first). */
#define REVOKED_BY(d) \
	"(SELECT r.id FROM revocations r WHERE r.delegation = " d ".id AND r.member = " d ".member" \
	" ORDER BY r.place LIMIT 1)"
#define STAFF_COLS \
	"d.name AS name, d.roles AS roles, mutua_time(d.until_ms) AS until, d.seq AS since," \
	" (SELECT r.seq FROM revocations r WHERE r.id = " REVOKED_BY("d") ") AS revoked," \
	" (SELECT r.reason FROM revocations r WHERE r.id = " REVOKED_BY("d") ") AS reason," \
	" lower(hex(d.key)) AS key, lower(hex(d.id)) AS id"

const struct view view_staff = {
	"staff",
	"SELECT * FROM (SELECT " STAFF_COLS ", c.email AS email, c.lang AS lang"
	" FROM delegations d LEFT JOIN staff_contacts c ON c.delegation = d.id WHERE d.member = ?1)"
	" WHERE ?2 OR revoked IS NULL ORDER BY since"};

const struct view view_staff_all = {
	"staff",
	"SELECT m.name AS member_name, lower(hex(d.member)) AS member, " STAFF_COLS
	" FROM delegations d LEFT JOIN members m ON m.id = d.member ORDER BY m.name, d.member,"
	" d.place"};

const struct view view_staff_acts = {
	"staff acts",
	"SELECT m.name AS member_name, lower(hex(a.member)) AS member,"
	" coalesce((SELECT d.name FROM delegations d WHERE d.member = a.member AND d.key = a.key"
	"  ORDER BY d.place DESC LIMIT 1), '?') AS name, lower(hex(a.key)) AS key,"
	" count(*) AS entries, count(a.verdict) AS ignored"
	" FROM acts a LEFT JOIN members m ON m.id = a.member"
	" GROUP BY a.member, a.key ORDER BY m.name, a.member, min(a.place)"};

static const struct view staff_in_force = {
	"staff",
	"SELECT d.id, d.name, lower(hex(d.id)) FROM delegations d WHERE d.member = ?1"
	" AND " REVOKED_BY("d") " IS NULL ORDER BY d.place"};

static void named_add(struct view_named *r, const uint8_t *id, const char *label)
{
	if (r->ncand >= VIEW_CANDIDATES)
		return;
	hex_encode(r->cand[r->ncand].id, id, 32);
	snprintf(r->cand[r->ncand].label, sizeof r->cand[0].label, "%s", label ? label : "");
	r->ncand++;
}

/* pass 0 exact name, 1 id prefix, 2 partial name */
static int resolve_pass(struct store *s, const uint8_t *member, const char *arg, int pass,
			uint8_t out[32], struct view_named *r)
{
	struct view_arg a[] = {VIEW_ID(member)};
	struct view_rows *rows = view_open(s, &staff_in_force, a, 1, 0);
	int rc;
	size_t alen = strlen(arg);
	r->count = r->ncand = 0;
	if (!rows)
		return -1;
	while ((rc = view_next(rows)) == 1) {
		size_t len;
		const uint8_t *id = view_blob(rows, 0, &len);
		const char *name = view_text(rows, 1), *hex = view_text(rows, 2);
		if (len != 32 || !name || !hex)
			continue;
		int hit = pass == 0 ? names_match(arg, name) == NAMES_EXACT
			: pass == 1 ? strncmp(hex, arg, alen) == 0
				    : names_match(arg, name) == NAMES_PARTIAL;
		if (!hit)
			continue;
		if (r->count++ == 0)
			memcpy(out, id, 32);
		named_add(r, id, name);
	}
	view_close(&rows);
	return rc < 0 ? -1 : r->count;
}

int staff_resolve(struct store *s, const uint8_t member[KEY_ID_BYTES], const char *arg,
		  uint8_t out[ENTRY_ID_BYTES], struct view_named *r)
{
	char low[65];
	size_t n = strlen(arg);
	memset(r, 0, sizeof *r);
	for (int pass = 0; pass < 3; pass++) {
		const char *q = arg;
		if (pass == 1) {
			if (!hex_is_prefix(arg, 6, 64))
				continue;
			for (size_t i = 0; i <= n; i++)
				low[i] = (char)(arg[i] >= 'A' && arg[i] <= 'F' ? arg[i] + 32 : arg[i]);
			q = low;
		}
		int c = resolve_pass(s, member, q, pass, out, r);
		if (c != 0) {
			r->exact = pass == 0;
			return c < 0 ? -1 : c == 1 ? 1 : -2;
		}
	}
	return 0;
}
