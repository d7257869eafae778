/* member.h - who is a current member: the one predicate that the store's
 * appends, the ZAP handler, the sync's peers and the CLI ask (DESIGN.md,
 * invariant 11).
 *
 * A member is a founder, or an identity whose admission passed
 * (members.active, governance.c). A current member is a member for whom
 * no exclusion has passed (members.excluded IS NULL): its own node may
 * append for it, its transport key is admitted by every node's ZAP
 * handler, a connection to it carries messages, and staff may propose to
 * exclude or rekey it. An excluded member stays a member all the same
 * (store_is_member): its entries from before the exclusion stay valid,
 * and store_excluded_at says from when it is out. Which of a member's
 * keys may still sign, and up to which seq, is the keys' business
 * (store_member_of), not membership's: a member whose key was replaced
 * is current, and signs with its new key.
 *
 * The same predicate in SQL is the view current_members (schema
 * version 5): listings read it instead of spelling the condition, and
 * the view member_status words each member's status from it.
 *
 * An excluded member's entries signed after its exclusion took effect
 * are refused by every node (member_after_exclusion): the store's
 * appends and insertions ask it, and the audit through the SQL function
 * mutua_after_exclusion(excluded, time). */
#ifndef MUTUA_MEMBER_H
#define MUTUA_MEMBER_H

#include <stdint.h>

#include "keys.h"

struct store;

/* Is id a current member? 1 yes, 0 no, -1 the store cannot tell (err_set):
 * a caller refuses then, as for a no. */
int member_is_current(struct store *s, const uint8_t id[KEY_ID_BYTES]);

/* The current member whose transport key is xkey, into id (may be NULL):
 * 1 found, 0 none, -1 error. */
int member_current_by_xkey(struct store *s, const uint8_t xkey[KEY_X_BYTES],
			   uint8_t id[KEY_ID_BYTES]);

/* Was an entry signed at time (its claimed time, ms) signed after the
 * exclusion that took effect at excluded (members.excluded; 0: none)?
 * Such an entry is refused (REFUSAL_EXCLUDED). 1 yes, 0 no. */
int member_after_exclusion(int64_t excluded, int64_t time);

/* Registers mutua_after_exclusion(excluded, time) on the store's
 * connection: member_after_exclusion, excluded NULL for none. 0 or -1. */
int member_register_sql(struct store *s);

#endif
