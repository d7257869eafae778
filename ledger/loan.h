/* loan.h - the loan state machine: the one table of which step may follow
 * which state, taken by whom. The fold (lending.c), the booking rule, the
 * CLI and the audit all ask loan_step_check; nothing else spells a loan
 * state's name (loan_state_name) or restates who may take a step.
 *
 *   step      by                 from                    to
 *   accept    owner              requested               accepted
 *   decline   owner              requested               declined
 *   cancel    owner or borrower  requested or accepted   cancelled
 *   handover  owner or borrower  accepted                handed_over
 *   return    borrower           handed_over             returned
 *   close     owner              handed_over or returned closed
 *
 * A request naming a resource of its own author is invalid: no step
 * follows it. The party is checked before the state, so a step taken by
 * someone without the right is refused for that, whatever the state.
 */
#ifndef MUTUA_LOAN_H
#define MUTUA_LOAN_H

enum loan_state {
	LOAN_REQUESTED,
	LOAN_ACCEPTED,
	LOAN_DECLINED,
	LOAN_CANCELLED,
	LOAN_HANDED_OVER,
	LOAN_RETURNED,
	LOAN_CLOSED,
	LOAN_INVALID,
	LOAN_STATES
};

enum loan_step {
	LOAN_ACCEPT,
	LOAN_DECLINE,
	LOAN_CANCEL,
	LOAN_HANDOVER,
	LOAN_RETURN,
	LOAN_CLOSE,
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
 * capacity): accepted, handed over, returned, closed. */
int loan_state_holds(enum loan_state state);
/* Whether a loan in this state is in progress: it holds capacity and is
 * not settled yet (accepted, handed over, returned). Its borrower is
 * committed to pay it (the credit limit), and an excluded member's such
 * loans are left to settle by hand. */
int loan_state_in_progress(enum loan_state state);

/* The step a loan-step payload case takes (MUTUA__BODY__PAYLOAD_ACCEPT ...),
 * or -1; and the payload case of a step. */
int loan_step_of_payload(int payload_case);
int loan_step_payload(enum loan_step step);
/* "accept", "decline", ... as the entry type and the CLI command. */
const char *loan_step_name(enum loan_step step);
/* The state a step leads to when it is taken. */
enum loan_state loan_step_to(enum loan_step step);

/* The rule: NULL and *next when party may take step in state; otherwise
 * why not, one line for a staff member and the audit ("only the owner may
 * do this", "out of order: the request is accepted"). */
const char *loan_step_check(enum loan_state state, enum loan_step step,
			    enum loan_party party, enum loan_state *next);

#endif
