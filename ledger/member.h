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
 * and store_excluded_at says whether it is out. Which of a member's
 * keys may still sign, and up to which seq, is the keys' business
 * (store_member_of), not membership's: a member whose key was replaced
 * is current, and signs with its new key.
 *
 * The same predicate in SQL is the view current_members (schema
 * version 5): listings read it instead of spelling the condition, and
 * the view member_status words each member's status from it.
 *
 * An excluded member's entries past the cut its exclusion's tally names
 * (a seq of its key's feed, never a time: DESIGN.md, invariant 9) have
 * no effect on any node: the keys' cut says where its feed ends
 * (store_member_of), as for a rekey (governance.c). */
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

#endif
