/* loan.c - the loan state machine. See loan.h. */
#include "loan.h"
#include "entry.h"
#include "util.h"

#include <string.h>

#define BIT(s) (1u << (s))

static const struct {
	const char *name, *words;
	const char *out_of_order; /* why no step but those of the table follows */
	int holds;
} states[LOAN_STATES] = {
	[LOAN_REQUESTED] = {"requested", "requested",
			    "out of order: the request is still pending", 0},
	[LOAN_ACCEPTED] = {"accepted", "accepted", "out of order: the request is accepted", 1},
	[LOAN_DECLINED] = {"declined", "declined", "out of order: the request was declined", 0},
	[LOAN_CANCELLED] = {"cancelled", "cancelled",
			    "out of order: the request was cancelled", 0},
	[LOAN_HANDED_OVER] = {"handed_over", "handed over",
			      "out of order: the resource is handed over", 1},
	[LOAN_RETURNED] = {"returned", "returned", "out of order: the resource is returned", 1},
	[LOAN_CLOSED] = {"closed", "closed",
			 "out of order: the loan is closed (settled once)", 1},
	[LOAN_INVALID] = {"invalid", "invalid", "the request is invalid", 0},
};

static const struct {
	const char *name;
	int payload;
	unsigned parties;    /* BIT(party) of those who may */
	const char *refused; /* why, for anyone else */
	unsigned from;       /* BIT(state) of the states it may follow */
	enum loan_state to;
} steps[LOAN_STEPS] = {
	[LOAN_ACCEPT] = {"accept", MUTUA__BODY__PAYLOAD_ACCEPT, BIT(LOAN_OWNER),
			 "only the owner may do this", BIT(LOAN_REQUESTED), LOAN_ACCEPTED},
	[LOAN_DECLINE] = {"decline", MUTUA__BODY__PAYLOAD_DECLINE, BIT(LOAN_OWNER),
			  "only the owner may do this", BIT(LOAN_REQUESTED), LOAN_DECLINED},
	[LOAN_CANCEL] = {"cancel", MUTUA__BODY__PAYLOAD_CANCEL,
			 BIT(LOAN_OWNER) | BIT(LOAN_BORROWER),
			 "only the owner or the borrower may do this",
			 BIT(LOAN_REQUESTED) | BIT(LOAN_ACCEPTED), LOAN_CANCELLED},
	[LOAN_HANDOVER] = {"handover", MUTUA__BODY__PAYLOAD_HANDOVER,
			   BIT(LOAN_OWNER) | BIT(LOAN_BORROWER),
			   "only the owner or the borrower may do this", BIT(LOAN_ACCEPTED),
			   LOAN_HANDED_OVER},
	[LOAN_RETURN] = {"return", MUTUA__BODY__PAYLOAD_GIVE_BACK, BIT(LOAN_BORROWER),
			 "only the borrower may do this", BIT(LOAN_HANDED_OVER), LOAN_RETURNED},
	[LOAN_CLOSE] = {"close", MUTUA__BODY__PAYLOAD_CLOSE, BIT(LOAN_OWNER),
			"only the owner may do this", BIT(LOAN_HANDED_OVER) | BIT(LOAN_RETURNED),
			LOAN_CLOSED},
};

const char *loan_state_name(enum loan_state state)
{
	return (unsigned)state < LOAN_STATES ? states[state].name : NULL;
}

const char *loan_state_words(enum loan_state state)
{
	return (unsigned)state < LOAN_STATES ? states[state].words : NULL;
}

int loan_state_parse(const char *name, enum loan_state *out)
{
	for (int i = 0; i < LOAN_STATES; i++)
		if (strcmp(name, states[i].name) == 0) {
			*out = (enum loan_state)i;
			return 0;
		}
	return err_set("'%s' is not a loan state", name);
}

int loan_state_holds(enum loan_state state)
{
	return (unsigned)state < LOAN_STATES && states[state].holds;
}

int loan_state_in_progress(enum loan_state state)
{
	return loan_state_holds(state) && state != LOAN_CLOSED;
}

int loan_step_of_payload(int payload_case)
{
	for (int i = 0; i < LOAN_STEPS; i++)
		if (steps[i].payload == payload_case)
			return i;
	return -1;
}

int loan_step_payload(enum loan_step step)
{
	return (unsigned)step < LOAN_STEPS ? steps[step].payload : 0;
}

const char *loan_step_name(enum loan_step step)
{
	return (unsigned)step < LOAN_STEPS ? steps[step].name : NULL;
}

enum loan_state loan_step_to(enum loan_step step)
{
	return (unsigned)step < LOAN_STEPS ? steps[step].to : LOAN_INVALID;
}

const char *loan_step_check(enum loan_state state, enum loan_step step,
			    enum loan_party party, enum loan_state *next)
{
	if ((unsigned)state >= LOAN_STATES || (unsigned)step >= LOAN_STEPS ||
	    (unsigned)party >= LOAN_PARTIES)
		return "not a loan step";
	if (state == LOAN_INVALID)
		return states[state].out_of_order;
	if (!(steps[step].parties & BIT(party)))
		return steps[step].refused;
	if (!(steps[step].from & BIT(state)))
		return states[state].out_of_order;
	if (next)
		*next = steps[step].to;
	return NULL;
}
