/* lending.h - loans: the fold of requests and their steps into the loans
 * table, the booking rule (can the owner accept this request?), usage and
 * credits. DESIGN.md, invariant 3: a loan exists once the owner's feed
 * accepts it, and the owner's node refuses to accept beyond capacity.
 *
 * Amounts: usage in thousandths of the resource's unit, rates and credits
 * in hundredths of a credit; credits = round(usage * rate / 1000), at the
 * rate the request agreed (loan.h: settlement needs both parties).
 */
#ifndef MUTUA_LENDING_H
#define MUTUA_LENDING_H

#include <stdint.h>

#include "entry.h"
#include "booking.h"
#include "keys.h"
#include "loan.h"

struct store;

/* An entry's place in its member's history, the same on every node: its
 * seq plus the lengths of the member's earlier key feeds (ended by a
 * rotation or a rekey's cut). For the entry being folded; -1 on error. */
int64_t lending_member_seq(struct store *s, const struct entry *e);

/* Fold hooks (inside the store's transaction). */
int lending_fold(struct store *s, const struct entry *e);
int lending_recompute_resource(struct store *s, const uint8_t resource[32]);

/* Why every node ignores a request naming a resource of its own author. */
#define LENDING_OWN_REQUEST "the resource is the borrower's own"
/* the verdict of a loan step that a witness shows backdated (witness.h) */
#define LENDING_BACKDATED "backdated: past a head another member witnessed, it claims a time well before"

/* Invariant 11, for an entry just folded in the store's transaction: 0
 * when the fold took it (or it is no lending entry), -1 with the fold's
 * reason when every node would ignore it (a step's verdict, a request for
 * one's own resource, an offer update or withdrawal of someone else's or
 * a withdrawn resource), or a database error. store_append refuses such an
 * entry before it is signed into the member's feed. */
int lending_refusal(struct store *s, const struct entry *e);

/* A loan as this node knows it, for a caller about to take a step. */
struct lending_loan {
	uint8_t id[32], resource[32], borrower[32], owner[32];
	int has_owner;                     /* the resource is known here */
	enum loan_state state;
	int64_t start, end, quantity;
	char unit[16], title[TITLE_MAX_LEN + 1]; /* the request's unit, else the
					    * resource's, or ""; its title, or "?" */
	int64_t rate;                      /* the rate the request agreed, 0 none */
	int64_t usage;                     /* the return's or settled; -1 none */
	int64_t claim;                     /* the owner's claim; -1 none */
	uint8_t head[32];                  /* the last step taken, or the request */
	int64_t head_time;                 /* its claimed time */
	int64_t deposit;                   /* the request's, hundredths, 0 none */
	int64_t reserve;                   /* of the credit limit (loan_reserve) */
	int64_t forfeit;                   /* claimed or settled, 0 none */
};

/* Recomputes one loan from its graph (loan_resolve); for governance,
 * when a settle proposal or the close-grace changes. 0 or -1. */
int lending_recompute(struct store *s, const uint8_t request[32]);
/* The rate the request agreed (loans.agreed_rate), 0 when none. 0 or -1. */
int lending_agreed_rate(struct store *s, const uint8_t request[32], int64_t *rate);
/* The credit limit at settlement: 0 when the borrower of request can pay
 * usage at the agreed rate, and forfeit of its deposit, and stay within
 * the limit (its other loans'
 * reserves counted, this one's given way to the bill), else -1 with why.
 * Asked before signing a return, a close or an agree (lending_append):
 * balances depend on other feeds, so on arrival, as at acceptance. */
int lending_settle_check(struct store *s, const uint8_t request[32], int64_t usage,
			 int64_t forfeit);

/* 1 and *out, 0 when no request has that id, -1 on error. */
int lending_loan_get(struct store *s, const uint8_t id[32], struct lending_loan *out);

/* The one balance: what member has earned minus spent on settled (closed)
 * loans, and, when committed is not NULL, what its loans accepted and not
 * yet settled will cost at the resources' current rates and default
 * usage, in hundredths. 0, or -1 on a database error (err_msg says why):
 * never a 0 that would let the credit limit pass. */
int lending_balance(struct store *s, const uint8_t member[32], int64_t *balance,
		    int64_t *committed);
/* What the loans of member accepted and not yet settled, and the request
 * extra if not NULL, reserve of its credit limit: the sum of their
 * loan_reserve (loans.reserve: the slot at the agreed rate, km and m3 at
 * the request's estimate, plus the deposit), in hundredths. 0, or -1. */
int lending_committed(struct store *s, const uint8_t member[32], const uint8_t *extra,
		      int64_t *sum);

/* Default usage of a slot: loan_slot_usage (whole units begun). */
int64_t lending_default_usage(const char *unit, int64_t start, int64_t end,
			      uint64_t quantity);
int64_t lending_credits(uint64_t usage, uint64_t rate);
/* The usage a return or a close states when the person gives none: the
 * close confirms the return's figure, else (and for a return) the slot's
 * whole units (lending_default_usage); -1 when only a figure measures it
 * (km, m3). The CLI's and the web page's default. */
int64_t lending_step_usage(const struct lending_loan *l, enum loan_step step);

/* act, in the functions below: a staff person's act for the entry
 * appended (Body.staff, staff.h; signed over the very payload appended),
 * NULL when the member itself acts. */

/* Appends a step of a loan to k's feed. usage and rate < 0: absent.
 * A step the fold would ignore (wrong party, out of order, an accept after
 * the withdrawal) is refused with the fold's reason (store_append,
 * lending_refusal). 0 or -1. */
int lending_append(struct store *s, const struct key *k, int payload_case,
		   const uint8_t request[32], const char *note, int64_t usage,
		   int64_t rate, const Mutua__StaffAct *act);

/* A condition report (loan.h; Transition.report): meter and fuel < 0
 * absent (fuel: percent), damage NULL or "" none, photos BLAKE2b-256 of
 * the files. */
struct lending_report {
	int64_t meter;
	int fuel;
	const char *damage;
	const uint8_t (*photos)[32];
	size_t n_photos;
};
/* What a step may carry beside a note and a usage. */
struct lending_extra {
	const struct lending_report *report; /* handover, return, close */
	int64_t forfeit;                     /* close: of the deposit, 0 none */
	int waitlist;                        /* decline: keep it on the waitlist */
};
int lending_append_ex(struct store *s, const struct key *k, int payload_case,
		      const uint8_t request[32], const char *note, int64_t usage,
		      int64_t rate, const Mutua__StaffAct *act, const struct lending_extra *ex);

/* The offer's terms (loan.h, struct loan_offer_terms) as they stand at a
 * place in its owner's feed (lending_member_seq; INT64_MAX: now): its
 * owner's last update before it, else the offer's own. 1, 0 no such
 * resource, -1. */
int lending_offer_terms(struct store *s, const uint8_t resource[32], int64_t place,
			struct loan_offer_terms *out);
/* The accept's part of the terms rule for request at place: NULL when
 * its confirmations cover the offer's terms there (or the request or
 * resource is unknown: *err 0), else why (in buf); *err -1 on error. */
const char *lending_terms_refusal(struct store *s, const uint8_t request[32], int64_t place,
				  char *buf, size_t n, int *err);
/* Requirements comma-joined into out (loans.requires, resources.requires). */
void lending_requires_join(char *out, size_t cap, char *const *r, size_t n);

/* What a borrower confirms of the offer's terms (issue 16): confirm 0
 * none; else the deposit and conditions as they stand now, and the
 * requirements listed (requires NULL: all of the offer's). estimate:
 * thousandths of km or m3, -1 none. */
struct lending_confirm {
	int confirm;
	const char *const *requires;
	size_t n_requires;
	int64_t estimate;
};
/* lending_borrow with confirmations; refused, like the owner's accept
 * would be, when they do not cover the offer's terms now. */
int lending_borrow_terms(struct store *s, const struct key *k, const uint8_t resource[32],
			 int64_t start, int64_t end, uint64_t quantity, const char *note,
			 int wait, int64_t until, const Mutua__StaffAct *act,
			 const struct lending_confirm *cf, uint8_t id_out[32]);

/* Appends to k's feed a request for quantity of resource over the slot
 * [start, end), in one transaction with what this node knows of it: a
 * withdrawn resource or a quantity above its capacity is refused here (no
 * owner would accept it), a request for one's own resource by the fold
 * (invariant 11). 0, or -1 with the reason; id_out: the request's id. */
int lending_borrow(struct store *s, const struct key *k, const uint8_t resource[32],
		   int64_t start, int64_t end, uint64_t quantity, const char *note,
		   int wait, int64_t until, const Mutua__StaffAct *act, uint8_t id_out[32]);

/* (lending_borrow: until > 0 makes a weekly series, Request.repeat and
 * until: one request entry, one loan an occurrence, entry_occurrence_id;
 * wait asks for the waitlist, Request.wait.) */

/* The owner's "keep as waitlist": a decline that leaves the request
 * waiting (loan.h) instead of declined. The waitlist's order is the order
 * of these declines in the owner's own feed (loans.waited), the same on
 * every node; when the slot frees up (a cancel, an unblock, a decline),
 * the owner's node accepts the first waiting request that now fits on an
 * auto-accepting resource (lending_auto_answer), and the listings show
 * "now possible" to the owner of any other. 0 or -1. */
int lending_waitlist(struct store *s, const struct key *k, const uint8_t request[32],
		     const char *note, const Mutua__StaffAct *act);

/* Withdraws resource in k's feed and answers its pending requests
 * (requested or waiting) with a decline "withdrawn", in one transaction:
 * nothing is left waiting for ever. 0, or -1 with why; *declined: how
 * many were answered. */
int lending_withdraw(struct store *s, const struct key *k, const uint8_t resource[32],
		     const Mutua__StaffAct *act, int *declined);

/* Accepts a request in k's feed when booking_can_accept says yes, the check
 * and the entry in one transaction, so that no other writer of the store
 * (the daemon's auto-answer, another staff member) accepts a conflicting
 * request in between. 1 accepted, 0 refused (chk says why), -1 error. */
int lending_accept(struct store *s, const struct key *k, const uint8_t request[32],
		   const Mutua__StaffAct *act, struct booking_check *chk);

/* The owner's daemon: answers the requests pending on k's auto-accepting
 * resources (accept when booking_can_accept, else decline "conflict",
 * "credit limit" or why; a request that asks to wait and conflicts goes
 * on the waitlist instead, lending_waitlist), then accepts the waiting
 * requests that now fit, in the waitlist's order (first come, first
 * served: a later one is accepted only where an earlier one does not
 * fit), in one transaction. Returns the number of answers appended, or
 * -1. */
int lending_auto_answer(struct store *s, const struct key *k);

/* SQL functions on the store's connection, for listings and the audit:
 *   mutua_holds(state)                 1 when a loan in that state takes its
 *                                      quantity for its slot (accepted,
 *                                      handed_over, returned, closed), else
 *                                      0: loan_state_holds (loan.h)
 *   mutua_in_progress(state)           loan_state_in_progress (loan.h)
 *   mutua_free(resource, start, end)   booking_free
 *   mutua_conflict(request)            NULL, or why it cannot be accepted
 *   mutua_withdrawn(withdrawn)         1 when a resource whose withdrawal
 *                                      stands there (resources.withdrawn)
 *                                      is withdrawn now: booking_withdrawn */
int lending_register_sql(struct store *s);

#endif
