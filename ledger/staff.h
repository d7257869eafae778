/* staff.h - people act, members answer (DESIGN.md, invariant 12): the
 * delegations a member gives its staff, and the one rule that says whether
 * a staff key may act for a member in a role at a point of its feed.
 *
 * Entries (proto: Delegation, Revocation), both in the member's own feed,
 * signed by the member's node, by the member itself or with the act of a
 * staff key holding admin (below):
 *   delegation  names a staff person's card (Ed25519 and X25519 keys,
 *               self-signed), a name, roles (borrow, lend, admin) and an
 *               optional until; always taken (entry.c checked it)
 *   revocation  ends the delegation it names from its own place on; it is
 *               without effect when that id is no delegation of the same
 *               member (another member's, or none), or when an earlier
 *               revocation of the member already ended it
 *               (staff_ignored_sql, staff_refusal name why)
 *
 * In force, without trusting clocks (invariant 9): a delegation D covers
 * an entry A of the same member when A comes after D in the member's
 * feed and before any revocation of D there (places: lending_member_seq,
 * the member's order across key rotations), A's role is one of D's, and
 * when D has an until, A's own signed time (bounded like every time,
 * entry.h) is not after it. Nothing else is read: no local clock, no other
 * feed. So the verdict on A is the same on every node, in every arrival
 * order, and the audit replays it.
 *
 * Several delegations may name the same key for one member (a renewal
 * with other roles): a role is allowed when one of them covers it. The
 * CLI refuses to name a key already in force (staff_delegate).
 *
 * Staff acts (Body.staff, proto StaffAct; entry.h, entry_act_message):
 * the member's node stays the one writer of its feed and signs the entry;
 * a staff person's act inside it says who acted: their key, the
 * delegation they act under, a nonce, and their signature over the
 * entry's payload for this feed. entry_decode verifies the signature
 * (no store needed). Whether the act is covered is the fold's, here, the
 * one place (staff_act_fold): the entry needs a role (staff_role_of:
 *   borrow  request, give_back, agree, dispute, and cancel or handover
 *           of a loan the member borrows (its own request, earlier in
 *           its feed)
 *   lend    offer, offer_update, offer_withdraw, block, unblock, accept,
 *           decline, close, and cancel or handover as the owner
 *   admin   delegation, revocation, proposal, vote
 * no other payload carries an act: entry_decode refuses it), and the
 * delegation the act names must be the member's, name the act's key, come
 * before the entry in the member's feed, grant that role, not be revoked
 * before the entry, and (until) not end before the entry's signed time;
 * and the key must not have used the nonce for the member before (in
 * the member's feed: a replay). An entry whose act is not covered stays
 * in the feed without effect on every node (its payload is not folded;
 * acts.verdict says why; the audit names it, rule "staff"), and
 * store_append refuses it with the same words (staff_refusal).
 * Everything read is the member's own feed before the entry, folded
 * before it on every node: the verdict is the same in every arrival
 * order.
 */
#ifndef MUTUA_STAFF_H
#define MUTUA_STAFF_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "keys.h"

struct store;

/* The words of a revocation without effect (the store and the audit). */
#define STAFF_NO_SUCH "no such delegation of this member"
#define STAFF_ALREADY "the delegation is already revoked"

#define STAFF_ACT_OTHER_KEY "the delegation names another key"
#define STAFF_ACT_LATER "the delegation comes after this entry in the member's feed"
#define STAFF_ACT_REPLAY "this key used this nonce before for this member (a replay)"

/* The staff act message of b (federation, author and payload set) for
 * delegation and nonce (entry.h, entry_act_message): *out the caller's
 * to free. 0 or -1. */
int staff_act_message(const Mutua__Body *b, const uint8_t delegation[32], uint64_t nonce,
		      uint8_t **out, size_t *len);
/* Signs b's payload (federation, author and payload set) with the staff
 * key, fills act (key and delegation point to staff->id and delegation,
 * sig to sig: the caller's storage, kept until b is appended) and sets
 * b->staff = act. nonce 0: a random non-zero one is drawn (act->nonce).
 * 0 or -1. */
int staff_act_sign(Mutua__Body *b, const struct key *staff, const uint8_t delegation[32],
		   uint64_t nonce, Mutua__StaffAct *act, uint8_t sig[64]);

/* The role (ENTRY_ROLE_*) e's payload needs when a staff person signs it
 * (above). 0 and *role set; 1 when the payload may carry no act (*role
 * 0); -1 a database error. Reads the member's own earlier entries only. */
int staff_role_of(struct store *s, const struct entry *e, uint32_t *role);
/* Fold hook, before the payload's: nothing for an entry without an act;
 * else records the act (acts) and its verdict. 1 when the act is not
 * covered (the caller leaves the payload without effect), 0 when it is
 * or there is none, -1 on error. */
int staff_act_fold(struct store *s, const struct entry *e);
/* For the audit (ignored.h): each act without effect: its member, seq,
 * the entry's type ('entry' when unknown), the staff key (hex), why. */
extern const char staff_acts_ignored_sql[];

/* SQL: delegation row d (of table delegations) is in force for its
 * member's next entry at time t (an SQL expression, ms): no revocation
 * of the member after it, and its until not past. What staff_may says at
 * the end of the member's feed, as a filter for listings (who may be
 * admitted, who is told); staff_may decides an entry. */
#define STAFF_IN_FORCE_SQL(d, t) \
	"(" d ".until_ms IS NULL OR " d ".until_ms >= " t ")" \
	" AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.delegation = " d ".id" \
	" AND r.member = " d ".member AND r.place > " d ".place)"

/* Fold hook (inside the store's transaction): delegation, revocation. */
int staff_fold(struct store *s, const struct entry *e);
/* Invariant 11 for an entry just folded: 0, or -1 with the fold's reason
 * (an act not covered, a revocation without effect). 0 otherwise. */
int staff_refusal(struct store *s, const struct entry *e);
/* For the audit (ignored.h): each revocation every node leaves out: its
 * member, seq, the id it names (hex), why (REVOCATION_WHY's words). */
extern const char staff_ignored_sql[];

/* May staff_key act for member in role (ENTRY_ROLE_*) for an entry at
 * place (lending_member_seq; INT64_MAX: after every entry held) signed
 * at time (ms)? 1 yes (*why empty), 0 no with why (English, stored and
 * compared: not translated), -1 a database error. The one rule: the node
 * (part B), the CLI, the audit and the reports call it. */
int staff_may(struct store *s, const uint8_t member[KEY_ID_BYTES],
	      const uint8_t staff_key[KEY_ID_BYTES], uint32_t role, int64_t place,
	      int64_t time, char *why, size_t why_len);

/* Appends a delegation to k's feed: the card text (as mutua card prints
 * it), the name, roles (any order: sorted here, a duplicate refused),
 * until (0: none). Refused when that key is already in force for this
 * member. id_out (may be NULL) receives the entry id. */
int staff_delegate(struct store *s, const struct key *k, const uint8_t member[KEY_ID_BYTES],
		   const char *card, const char *name, const uint32_t *roles, size_t nroles,
		   int64_t until, uint8_t id_out[ENTRY_ID_BYTES]);
/* Appends a revocation of delegation (refused as the fold would ignore it). */
int staff_revoke(struct store *s, const struct key *k, const uint8_t delegation[ENTRY_ID_BYTES],
		 const char *reason);

/* Who acted, for the views (view.h): the person's label, "Léa Martin
 * (1e2f3a4b)" (the delegation's name, or "?" when the act names none of
 * the member's for that key; the key's first 8 hex digits), over acts a
 * and their delegation d. STAFF_BY_SQL(id): for the entry id (an SQL
 * expression), NULL when the member itself acted; under --json an object
 * {name, key, in_force} (in_force: a delegation covers it). A column
 * holding it is named by_json (shown as "by"). STAFF_LOAN_BY_SQL(l): the
 * labels of everyone who acted on loan l (its request, its steps),
 * comma-joined, NULL none. */
#define STAFF_LABEL(a, d) \
	"coalesce(" d ".name, '?') || ' (' || substr(lower(hex(" a ".key)), 1, 8) || ')'"
#define STAFF_DELEGATION_OF(a, d) \
	" LEFT JOIN delegations " d " ON " d ".id = " a ".delegation AND " d ".member = " a \
	".member AND " d ".key = " a ".key"
#define STAFF_ACTS_JOIN(a, d) " acts " a STAFF_DELEGATION_OF(a, d)
#define STAFF_BY_SQL(id) \
	"(SELECT CASE WHEN mutua_for_json() THEN json_object('name', sd.name, 'key'," \
	" lower(hex(sa.key)), 'in_force', json(iif(sa.verdict IS NULL, 'true', 'false')))" \
	" ELSE " STAFF_LABEL("sa", "sd") " END FROM " STAFF_ACTS_JOIN("sa", "sd") \
	" WHERE sa.id = " id ")"
#define STAFF_LOAN_BY_SQL(l) \
	"(SELECT group_concat(label, ', ') FROM (SELECT DISTINCT " STAFF_LABEL("sa", "sd") \
	" AS label FROM (SELECT coalesce(" l ".series, " l ".id) AS id UNION ALL SELECT v.id" \
	" FROM loan_events v WHERE v.request = " l ".id) sx JOIN acts sa ON sa.id = sx.id" \
	STAFF_DELEGATION_OF("sa", "sd") " ORDER BY sa.place))"

/* Per member, each key that signed acts: member_name, member, name (its
 * delegation's, '?' none), key, entries (how many it signed), ignored
 * (how many of them are without effect). The audit lists it. */
extern const struct view view_staff_acts;

/* Read models (view.h). The member's delegations: ?1 member, ?2 1 for the
 * revoked ones too. Columns name, roles, until, since (the delegation's
 * seq), revoked (the seq of the revocation that counts, NULL none),
 * reason, key, id, email and lang (this node's own record, notify.h). */
extern const struct view view_staff;
/* Every member's delegations, by member (the audit): member_name, member,
 * and the columns above. */
extern const struct view view_staff_all;

/* A delegation of member in force, as a person names it (names.h: exact
 * name, id prefix of at least 6 hex digits, partial name): 1 one (out
 * filled), 0 none, -2 several (r->cand lists them), -1 error. */
struct view_named;
int staff_resolve(struct store *s, const uint8_t member[KEY_ID_BYTES], const char *arg,
		  uint8_t out[ENTRY_ID_BYTES], struct view_named *r);

#endif
