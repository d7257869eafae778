/* booking.h - the booking rule: can the owner accept this request? Its
 * parts: the step (loan_step_check), the resource not withdrawn, the
 * capacity at every instant of the slot, the borrower's credit limit.
 * DESIGN.md, invariant 3: the owner's node refuses to accept beyond
 * capacity; the audit's over-booking sweep gives the same reason. */
#ifndef MUTUA_BOOKING_H
#define MUTUA_BOOKING_H

#include <stddef.h>
#include <stdint.h>
#include "mutua.pb-c.h"

struct store;
struct sqlite3_stmt;
struct entry;
struct key;

/* Why a request cannot be accepted now: */
struct booking_check {
	char why[300];         /* one line for a staff member */
	uint8_t conflict[32];  /* the loan it collides with, when has_conflict */
	int has_conflict;
	int credit;            /* refused by the credit limit */
};

/* The one rule for "can this request be accepted?": the accept follows
 * the request's state (loan_step_check), the resource is known and not
 * withdrawn (booking_withdrawn), the request confirms the offer's terms
 * (lending_terms_refusal), the quantity fits the capacity at every
 * instant of the slot given the loans that hold it (loan_state_holds),
 * and the borrower stays within the federation's credit limit.
 * Used by lending_accept, lending_auto_answer and the listings. The fold
 * ignores an accept that breaks the first three, as every node decides
 * them alike; capacity and credit depend on entries of other feeds, so on
 * the order of arrival, and are left to the owner's node and to the
 * audit's sweep. 1 yes, 0 no (out says why), -1 error. */
int booking_can_accept(struct store *s, const uint8_t request[32],
		       struct booking_check *out);
/* The same for an accept signed by member by (NULL: by the owner): the
 * step's party is by's, as the fold will see it. */
int booking_check(struct store *s, const uint8_t request[32], const uint8_t *by,
		  struct booking_check *out);
/* The part of the booking rule every node decides alike, from the owner's
 * own feed: an accept that follows the resource's withdrawal is refused,
 * whatever times the two entries claim. withdrawn and position are places
 * in the owner's feed order (lending_member_seq); withdrawn is INT64_MAX
 * for a resource not withdrawn, position INT64_MAX for an accept not yet
 * signed. NULL, or "the resource is withdrawn". */
const char *booking_withdrawn(int64_t withdrawn, int64_t position);
/* The capacity part of the booking rule: whether quantity more fits
 * capacity at every instant of [start, end) beside the holding loans of
 * resource other than skip (may be NULL). 1 yes; 0 no, why set to the
 * reason (the one wording, which the node and the audit give) and
 * conflict to a loan in use at the peak; -1 on error. */
int booking_fits(struct store *s, const uint8_t resource[32], int64_t start, int64_t end,
		 int64_t quantity, int64_t capacity, const uint8_t *skip, char *why, size_t n,
		 uint8_t conflict[32]);
/* Capacity left for the whole slot [start, end): capacity minus the most
 * in use at any instant of it; 0 for a withdrawn resource; -1 on error. */
int64_t booking_free(struct store *s, const uint8_t resource[32], int64_t start,
		     int64_t end);

/* ---- blocks: the owner's own use of its resource ----
 *
 * A block (Block, in the owner's feed) counts like an accepted loan of
 * its quantity over its slot in every capacity check above (booking_fits,
 * booking_free, hence booking_check and the audit's sweep) while it is
 * held: its author owns the resource and no unblock of the owner's names
 * it (the view held_blocks). A block may cover pending requests (they
 * then show the conflict), not an accepted loan: booking_block_append
 * refuses it, as lending_accept refuses an accept beyond capacity. */

/* Fold hook for block and unblock entries. 0 or -1. */
int booking_fold(struct store *s, const struct entry *e);
/* Invariant 11 for a block or unblock just folded: 0 when it counts (or
 * e is neither), -1 with why every node leaves it out ("only the owner
 * can block this resource", "no such block of this member", "the block
 * is already lifted"). The audit names such entries with these words. */
int booking_refusal(struct store *s, const struct entry *e);
/* For the audit (ignored.h): each block and unblock that counts for
 * nothing, with booking_refusal's words: owner, seq, 'block' or 'unblock',
 * the resource's id (block) or the block's (unblock) in hex, why. */
extern const char booking_ignored_sql[];
/* Whether quantity of resource may be blocked over [start, end): 1 yes;
 * 0 no, why set (no such offer, withdrawn, above capacity, or the loans
 * it would cover: "cancel or settle ... with its borrower first"); -1. */
int booking_block_check(struct store *s, const uint8_t resource[32], int64_t start,
			int64_t end, int64_t quantity, char *why, size_t n);
/* act: a staff person's act for the entry (staff.h), NULL: the member's.
 * Appends a block to k's feed after booking_block_check, in one
 * transaction. quantity <= 0: the resource's capacity. reason: Block's.
 * 0, or -1 with why; id_out: the block's id. */
int booking_block_append(struct store *s, const struct key *k, const uint8_t resource[32],
			 int64_t start, int64_t end, int64_t quantity, uint32_t reason,
			 const char *note, const Mutua__StaffAct *act, uint8_t id_out[32]);
/* Appends an unblock of block to k's feed (refused unless it lifts a
 * held block of k's member). 0 or -1. */
int booking_unblock_append(struct store *s, const struct key *k, const uint8_t block[32],
			   const Mutua__StaffAct *act);

/* Before an owner lowers a resource's capacity: the loans in progress
 * (accepted and not settled) over whose slot more than capacity would be
 * in use, in *over (malloc'd, *n of them, NULL when none). 0 or -1. */
int booking_capacity_short(struct store *s, const uint8_t resource[32], int64_t capacity,
			   uint8_t (**over)[32], size_t *n);

/* For the ledger's own readers: the place in a member's feed order held in
 * column i of st (resources.withdrawn), INT64_MAX when NULL, as
 * booking_withdrawn takes it. */
int64_t booking_column_place(struct sqlite3_stmt *st, int i);

#endif
