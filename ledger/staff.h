/* staff.h - people act, members answer (DESIGN.md, invariant 12): the
 * delegations a member gives its staff, and the one rule that says whether
 * a staff key may act for a member in a role at a point of its feed.
 *
 * Entries (proto: Delegation, Revocation), both in the member's own feed
 * and signed today by the member key only (a staff key with admin will
 * sign them once staff signatures ride inside entries):
 *   delegation  names a staff person's card (Ed25519 and X25519 keys,
 *               self-signed), a name, roles (borrow, lend, admin) and an
 *               optional until; always taken (entry.c checked it)
 *   revocation  ends the delegation it names from its own place on; it is
 *               without effect when that id is no delegation of the same
 *               member (another member's, or none), or when an earlier
 *               revocation of the member already ended it
 *               (staff_ignored, staff_refusal name why)
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

/* Fold hook (inside the store's transaction): delegation, revocation. */
int staff_fold(struct store *s, const struct entry *e);
/* Invariant 11 for an entry just folded: 0, or -1 with the fold's reason
 * (a revocation without effect). 0 for any other payload. */
int staff_refusal(struct store *s, const struct entry *e);
/* Each revocation every node leaves out: its member, seq, the id it names
 * (hex) and why. 0, or -1. */
int staff_ignored(struct store *s,
		  void (*each)(void *arg, const uint8_t *member, uint64_t seq,
			       const char *target, const char *why),
		  void *arg);

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

/* Read models (view.h). The member's delegations: ?1 member, ?2 1 for the
 * revoked ones too. Columns name, roles, until, since (the delegation's
 * seq), revoked (the seq of the revocation that counts, NULL none),
 * reason, key, id, and email (this node's own record, notify.h). */
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
