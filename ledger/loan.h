/* loan.h - the loan state machine and the loan's graph: the one table of
 * which step may follow which state, taken by whom, and the one rule that
 * turns a request and its steps into the loan's state. The fold
 * (lending.c), the booking rule, the CLI and the audit all ask it; nothing
 * else spells a loan state's name (loan_state_name) or restates who may
 * take a step.
 *
 *   step      by                 from                       to
 *   accept    owner              requested or waiting       accepted
 *   decline   owner              requested or waiting       declined, or
 *                                                           waiting (a
 *                                                           waitlist decline
 *                                                           of a request)
 *   cancel    owner or borrower  requested, waiting or      cancelled
 *                                accepted
 *   handover  owner or borrower  accepted                   handed_over
 *   return    borrower           handed_over                returned
 *   close     owner              handed_over, returned,     closed, or
 *                                claimed or disputed        claimed
 *   agree     borrower           claimed or disputed        closed
 *   dispute   borrower           claimed                    disputed
 *
 * A request naming a resource of its own author is invalid: no step
 * follows it. The party is checked before the state, so a step taken by
 * someone without the right is refused for that, whatever the state.
 *
 * Settlement (DESIGN.md, invariant 10). The request carries the rate (and
 * unit) the borrower agreed to; the return states the borrower's usage; a
 * close that confirms it (no usage, or the same) closes the loan, a close
 * with another figure is a claim (claimed). The borrower agrees to the
 * claim (closed at the claim) or disputes it (disputed); the owner may
 * still concede (a close at the borrower's figure), and a passed 'settle'
 * proposal of the members closes a disputed loan at its usage. Without a
 * return the owner may close only at or after the slot's end plus the
 * federation's close-grace in force at the close's time, judged by the
 * close's own claimed time (times
 * are bounded on receipt: the lead's header rule), and only for the
 * slot's own length (loan_slot_usage): km and m3 need the borrower's
 * figure. From claimed or disputed the owner's close can only concede.
 * Every path of steps is at most six long: each step moves the loan on.
 *
 * Deposits (issue 16). A request may carry a deposit, which the loan
 * reserves of its borrower's credit limit from the accept to the close
 * (loan_reserve). The owner's close after a return may claim part or all
 * of it (Transition.forfeit, at most the request's deposit): that close is
 * a claim like another figure, which the borrower agrees to (the forfeit
 * moves with the usage's credits) or disputes; the owner concedes by a
 * close at the borrower's figure without a forfeit, and a passed settle
 * proposal closes at its usage and its forfeit. A forfeit moves only on
 * what both parties signed (DESIGN.md, invariant 10).
 *
 * The offer's terms (issue 16). An accept takes effect only when the
 * request confirms the offer's terms as they stand at the accept's place
 * in the owner's feed (loan_terms_check): every requirement, the deposit
 * at least, the conditions' hash, and for km and m3 an estimate.
 *
 * The graph (DESIGN.md, invariant 9: clocks decide nothing). Each step
 * names the step it answers (Transition.answers: the request's id for the
 * first). A step takes effect when the step it answers did, the table
 * allows it from the state that step left, its claimed time is not before
 * the answered step's, and the rules above hold. When several steps that
 * took effect answer the same step (a conflict: a cancel and a handover
 * both answering the accept), one wins, chosen from the graph alone:
 *   1. a branch that both parties signed (the step or a later one of the
 *      path that follows it) beats one that only one party signed: what
 *      the other party answered can no longer be undone by a step citing
 *      an older one - a citation proves nothing about what its signer had
 *      seen, so otherwise a borrower could cancel a settled loan by citing
 *      the accept (issue 13, finding 1);
 *   2. of one author's steps, the first in its feed: it cannot go back on
 *      its own step;
 *   3. between the owner's and the borrower's, a cancel beats the other
 *      (a one-sided handover, an accept): a step one party signed alone
 *      binds the other only once the other answers it, so an owner cannot
 *      slip a handover before a cancel (have the borrower record the
 *      handover, or return, to make it stand); then a return, agree or
 *      dispute beats the owner's close (the borrower's figure is heard
 *      before the owner's); then the lower entry id.
 * The losers and every step that follows them take no effect. The state
 * is a function of the set of entries, whatever their order of arrival.
 */
#ifndef MUTUA_LOAN_H
#define MUTUA_LOAN_H

#include <stddef.h>
#include <stdint.h>

/* room for REQUIRES_MAX requirements of REQUIREMENT_MAX_LEN, comma-joined */
#define REQUIRES_TEXT_MAX (8 * 17 + 1)

enum loan_state {
	LOAN_REQUESTED,
	LOAN_ACCEPTED,
	LOAN_DECLINED,
	LOAN_CANCELLED,
	LOAN_HANDED_OVER,
	LOAN_RETURNED,
	LOAN_CLOSED,
	LOAN_INVALID,
	LOAN_CLAIMED,
	LOAN_DISPUTED,
	LOAN_WAITING,     /* on the owner's waitlist (a waitlist decline) */
	LOAN_STATES
};

enum loan_step {
	LOAN_ACCEPT,
	LOAN_DECLINE,
	LOAN_CANCEL,
	LOAN_HANDOVER,
	LOAN_RETURN,
	LOAN_CLOSE,
	LOAN_AGREE,
	LOAN_DISPUTE,
	LOAN_STEPS
};

/* who takes a step, relative to the loan */
enum loan_party {
	LOAN_OWNER,
	LOAN_BORROWER,
	LOAN_OTHER,
	LOAN_PARTIES
};

/* The state's name as stored in loans.state and printed ("handed_over"),
 * and in words for a sentence ("handed over"); NULL when out of range. */
const char *loan_state_name(enum loan_state state);
const char *loan_state_words(enum loan_state state);
/* 0 and *out, or -1 (err_set) for a name that is no state. */
int loan_state_parse(const char *name, enum loan_state *out);
/* Whether a loan in this state takes its quantity for its slot (holds
 * capacity): accepted, handed over, returned, claimed, disputed, closed. */
int loan_state_holds(enum loan_state state);
/* Whether a loan in this state is in progress: it holds capacity and is
 * not settled yet. Its borrower is committed to pay it (the credit
 * limit), and an excluded member's such loans are left to settle by hand. */
int loan_state_in_progress(enum loan_state state);

/* The step a loan-step payload case takes (MUTUA__BODY__PAYLOAD_ACCEPT ...),
 * or -1; and the payload case of a step. */
int loan_step_of_payload(int payload_case);
int loan_step_payload(enum loan_step step);
/* "accept", "decline", ... as the entry type and the CLI command. */
const char *loan_step_name(enum loan_step step);
/* The state a step leads to when it is taken (close: closed). */
enum loan_state loan_step_to(enum loan_step step);

/* The table's rule: NULL and *next when party may take step in state;
 * otherwise why not, one line for a staff member and the audit ("only the
 * owner may do this", "out of order: the request is accepted"). */
const char *loan_step_check(enum loan_state state, enum loan_step step,
			    enum loan_party party, enum loan_state *next);

/* A slot counts whole units of its resource, each begun counts: a
 * day-rate van taken 08:00-18:00 is one day, an hour-rate room from 14:10
 * to 15:20 two hours; an item is counted once per quantity. In
 * thousandths of the unit, times the quantity, at most USAGE_MAX; -1 for
 * km and m3, which only the borrower's figure measures. Safe for any
 * start and end (end <= start: 0). unit: "hour", "day", "item", ... */
int64_t loan_slot_usage(const char *unit, int64_t start, int64_t end, uint64_t quantity);

/* The earliest claimed time of an owner's close without a return: the
 * slot's end plus grace (ms), INT64_MAX when that does not fit. */
int64_t loan_grace_end(int64_t end, int64_t grace);

/* What a loan reserves of its borrower's credit limit while it is in
 * progress (loan_state_in_progress), in hundredths: the slot's whole
 * units (loan_slot_usage) at the agreed rate, or for km and m3 the
 * request's estimate (thousandths, -1 none: 0), plus its deposit. The
 * one computation: the fold stores it (loans.reserve), the booking rule,
 * the settlement check and the audit sum it. */
int64_t loan_reserve(const char *unit, int64_t start, int64_t end, uint64_t quantity,
		     int64_t rate, int64_t estimate, int64_t deposit);

/* An offer's terms, or what a request confirms of them. */
struct loan_offer_terms {
	char requires[REQUIRES_TEXT_MAX]; /* comma-joined, sorted; "" none */
	int64_t deposit;                  /* hundredths, 0 none */
	uint8_t conditions[32];           /* BLAKE2b-256 of the text */
	int has_conditions;               /* the offer states some / the request
					   * confirms a hash */
};
/* The one rule of confirmation: NULL when the request's terms (req, with
 * estimate -1 when absent) cover the offer's (offer) for a resource
 * counted in unit; else why not, written into buf. */
const char *loan_terms_check(const struct loan_offer_terms *offer,
			     const struct loan_offer_terms *req, const char *unit,
			     int64_t estimate, char *buf, size_t n);

/* ---- the graph ------------------------------------------------------- */

/* One step entry of a loan, as the fold reads it. */
struct loan_node {
	uint8_t id[32];
	uint8_t answers[32];     /* the step it answers; zeros when absent */
	uint8_t author[32];      /* its author's member id */
	int step;                /* enum loan_step, -1 when none */
	enum loan_party party;
	int64_t time;            /* claimed, ms */
	int64_t place;           /* its place in its author's order
				  * (lending_member_seq) */
	int64_t usage;           /* stated usage, -1 absent */
	int waitlist;            /* a decline that keeps the request waiting */
	int64_t forfeit;         /* a close: the deposit it claims, -1 none */
	const char *refused;     /* an accept: why the offer's terms refuse it
				  * (loan_terms_check), NULL none */
	int64_t grace_end;       /* a close: the earliest time it may claim
				  * without a return (loan_grace_end of the
				  * slot's end and the close-grace in force at
				  * the close's time) */
	/* out: */
	const char *why;         /* NULL when it took effect, else why not */
	/* private to loan_resolve */
	int next, checked;
	enum loan_state to;
	int64_t u;
};

/* What the loan's steps are judged against. */
struct loan_terms {
	uint8_t request[32];
	enum loan_state start;   /* requested, or invalid (own resource) */
	int64_t requested;       /* the request's claimed time */
	int64_t slot_usage;      /* loan_slot_usage, -1 km and m3 */
	int64_t withdrawn;       /* booking_withdrawn's place of the resource */
	int64_t vote_usage;      /* a passed settle proposal's usage, -1 none */
	int64_t vote_time;       /* when it passed */
	int64_t vote_forfeit;    /* and its forfeit, 0 none */
	int64_t deposit;         /* the request's deposit, hundredths */
};

/* The loan's state, from the graph. */
struct loan_outcome {
	enum loan_state state;
	int64_t returned;        /* the borrower's usage, -1 none */
	int64_t claim;           /* the owner's claim, -1 none */
	int64_t usage;           /* settled usage, -1 until closed */
	int64_t claim_forfeit;   /* the forfeit the owner claims, 0 none */
	int64_t forfeit;         /* the settled forfeit, 0 none */
	int64_t decided, closed; /* the accept's or decline's, the settling
				  * step's time; -1 none */
	int reason;              /* index of the decline or cancel taken, -1 */
	int head;                /* the last step taken, -1: the request */
	int waited;              /* the waitlist decline taken, -1 none */
	int ignored;             /* how many steps took no effect */
};

/* Resolves the graph of n steps: sets each node's why and *out. 0, or -1
 * (err_set) out of memory. */
int loan_resolve(const struct loan_terms *t, struct loan_node *nodes, size_t n,
		 struct loan_outcome *out);

/* A condition report's fuel level as a person gives it: full, 3/4, 1/2,
 * 1/4, empty, or a percentage (75 or 75%). 0 and *out (percent), or -1
 * (err_set). The CLI's --fuel and the web page's form. */
int loan_fuel_parse(const char *s, int *out);

#endif
