/* loan.c - the loan state machine. See loan.h. */
#include "loan.h"
#include "amount.h"
#include "entry.h"
#include "err.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
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
	[LOAN_CLAIMED] = {"claimed", "claimed",
			  "out of order: the owner claims another usage (agree or dispute)", 1},
	[LOAN_DISPUTED] = {"disputed", "disputed",
			   "out of order: the usage is disputed", 1},
	[LOAN_WAITING] = {"waiting", "waiting", "out of order: the request is on the waitlist", 0},
};

static const struct {
	const char *name;
	int payload;
	unsigned parties;    /* BIT(party) of those who may */
	const char *refused; /* why, for anyone else */
	unsigned from;       /* BIT(state) of the states it may follow */
	enum loan_state to;
	int rank;            /* rule 3 of the conflicts (loan.h): higher wins */
} steps[LOAN_STEPS] = {
	[LOAN_ACCEPT] = {"accept", MUTUA__BODY__PAYLOAD_ACCEPT, BIT(LOAN_OWNER),
			 "only the owner may do this", BIT(LOAN_REQUESTED) | BIT(LOAN_WAITING),
			 LOAN_ACCEPTED},
	[LOAN_DECLINE] = {"decline", MUTUA__BODY__PAYLOAD_DECLINE, BIT(LOAN_OWNER),
			  "only the owner may do this", BIT(LOAN_REQUESTED) | BIT(LOAN_WAITING),
			  LOAN_DECLINED},
	[LOAN_CANCEL] = {"cancel", MUTUA__BODY__PAYLOAD_CANCEL,
			 BIT(LOAN_OWNER) | BIT(LOAN_BORROWER),
			 "only the owner or the borrower may do this",
			 BIT(LOAN_REQUESTED) | BIT(LOAN_ACCEPTED) | BIT(LOAN_WAITING),
			 LOAN_CANCELLED, 3},
	[LOAN_HANDOVER] = {"handover", MUTUA__BODY__PAYLOAD_HANDOVER,
			   BIT(LOAN_OWNER) | BIT(LOAN_BORROWER),
			   "only the owner or the borrower may do this", BIT(LOAN_ACCEPTED),
			   LOAN_HANDED_OVER},
	[LOAN_RETURN] = {"return", MUTUA__BODY__PAYLOAD_GIVE_BACK, BIT(LOAN_BORROWER),
			 "only the borrower may do this", BIT(LOAN_HANDED_OVER), LOAN_RETURNED, 2},
	[LOAN_CLOSE] = {"close", MUTUA__BODY__PAYLOAD_CLOSE, BIT(LOAN_OWNER),
			"only the owner may do this",
			BIT(LOAN_HANDED_OVER) | BIT(LOAN_RETURNED) | BIT(LOAN_CLAIMED) |
				BIT(LOAN_DISPUTED),
			LOAN_CLOSED, 1},
	[LOAN_AGREE] = {"agree", MUTUA__BODY__PAYLOAD_AGREE, BIT(LOAN_BORROWER),
			"only the borrower may do this", BIT(LOAN_CLAIMED) | BIT(LOAN_DISPUTED),
			LOAN_CLOSED, 2},
	[LOAN_DISPUTE] = {"dispute", MUTUA__BODY__PAYLOAD_DISPUTE, BIT(LOAN_BORROWER),
			  "only the borrower may do this", BIT(LOAN_CLAIMED), LOAN_DISPUTED, 2},
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

int64_t loan_slot_usage(const char *unit, int64_t start, int64_t end, uint64_t quantity)
{
	int64_t per;
	if (strcmp(unit, "hour") == 0)
		per = 3600000;
	else if (strcmp(unit, "day") == 0)
		per = 86400000;
	else if (strcmp(unit, "item") == 0)
		return quantity > USAGE_MAX / 1000 ? (int64_t)USAGE_MAX : (int64_t)quantity * 1000;
	else
		return -1;
	if (end <= start || quantity == 0)
		return 0;
	/* end - start may not fit: a request names any slot of int64 ms.
	 * Every unit begun counts (ceiling); then bound by USAGE_MAX before
	 * the products, so none overflows. */
	uint64_t len = (uint64_t)end - (uint64_t)start;
	uint64_t units = len / (uint64_t)per + (len % (uint64_t)per != 0);
	if (units > USAGE_MAX / 1000 || quantity > USAGE_MAX / 1000 ||
	    units * quantity > USAGE_MAX / 1000)
		return (int64_t)USAGE_MAX;
	return (int64_t)(units * quantity * 1000);
}

int64_t loan_grace_end(int64_t end, int64_t grace)
{
	if (grace < 0)
		grace = 0;
	return end > INT64_MAX - grace ? INT64_MAX : end + grace;
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

int64_t loan_reserve(const char *unit, int64_t start, int64_t end, uint64_t quantity,
		     int64_t rate, int64_t estimate, int64_t deposit)
{
	int64_t u = loan_slot_usage(unit, start, end, quantity);
	if (u < 0)
		u = estimate > 0 ? estimate : 0;
	if (rate < 0)
		rate = 0;
	if (deposit < 0)
		deposit = 0;
	/* usage <= USAGE_MAX, rate <= RATE_MAX: the product fits (lending_credits) */
	return (int64_t)(((uint64_t)u * (uint64_t)rate + 500) / 1000) + deposit;
}

/* Whether the comma-joined list has the requirement r of length n. */
static int requires_has(const char *list, const char *r, size_t n)
{
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && memcmp(p, r, n) == 0)
			return 1;
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

const char *loan_terms_check(const struct loan_offer_terms *offer,
			     const struct loan_offer_terms *req, const char *unit,
			     int64_t estimate, char *buf, size_t n)
{
	if ((strcmp(unit, "km") == 0 || strcmp(unit, "m3") == 0) && estimate < 0) {
		err_fmt(buf, n, "the request states no estimate: a resource counted in %s needs "
			 "one for the credit limit", unit);
		return buf;
	}
	for (const char *p = offer->requires; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (!requires_has(req->requires, p, len)) {
			err_fmt(buf, n, "the request does not confirm the offer's requirement %.*s",
				 (int)len, p);
			return buf;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	if (offer->deposit > req->deposit) {
		char a[32];
		amount_format(a, offer->deposit);
		err_fmt(buf, n, "the request does not confirm the offer's deposit of %s", a);
		return buf;
	}
	if (offer->has_conditions &&
	    (!req->has_conditions || memcmp(offer->conditions, req->conditions, 32) != 0)) {
		err_fmt(buf, n, "the request does not confirm the offer's conditions as they stand");
		return buf;
	}
	return NULL;
}

/* ---- the graph ------------------------------------------------------- */

/* Where a path stands after a step. */
struct pos {
	enum loan_state state;
	int64_t time, returned, claim, usage, decided, closed;
	int reason, head, waited;
	int64_t claim_forfeit, forfeit;
	unsigned parties; /* BIT(party) of who signed the path from the branch */
};

/* A node's place in the index of answers: its answered id, its own id
 * (a total order), its index in the nodes. */
struct answer {
	uint8_t answers[32], id[32];
	size_t idx;
};

struct graph {
	const struct loan_terms *t;
	struct loan_node *n;
	size_t count;
	struct answer *by_answer; /* sorted by answers, then id */
	struct pos *end;          /* the end of each taken node's winning path */
	int *cand;                /* scratch: the taken children of a step, at
				   * the place of their range in by_answer */
};

static const char superseded[] =
	"superseded: another step answering the same step stands (the loan's conflict rule)";
static const char follows_nothing[] = "follows a step that took no effect";
static const char answers_nothing[] = "answers no step of this loan";
static const char backdated[] = "claims a time before the step it answers";

static int by_answer_cmp(const void *a, const void *b)
{
	const struct answer *x = a, *y = b;
	int c = memcmp(x->answers, y->answers, 32);
	return c ? c : memcmp(x->id, y->id, 32);
}

/* Why node k cannot follow at; else NULL and k's to and u set. */
static const char *node_check(const struct graph *g, const struct pos *at, struct loan_node *k)
{
	const struct loan_terms *t = g->t;
	enum loan_state next = at->state; /* loan_step_check sets it */
	if (k->step < 0 || k->step >= LOAN_STEPS)
		return "not a loan step";
	const char *why = loan_step_check(at->state, (enum loan_step)k->step, k->party, &next);
	if (why)
		return why;
	if (k->time < at->time)
		return backdated;
	k->u = -1;
	switch (k->step) {
	case LOAN_ACCEPT:
		if (t->withdrawn < k->place)
			return "the resource is withdrawn";
		if (k->refused)
			return k->refused;
		break;
	case LOAN_DECLINE:
		if (k->waitlist) {
			if (at->state != LOAN_REQUESTED)
				return "the request is already on the waitlist";
			next = LOAN_WAITING;
		}
		break;
	case LOAN_RETURN:
		k->u = k->usage >= 0 ? k->usage : t->slot_usage;
		if (k->u < 0)
			return "a return of a resource counted in km or m3 states its usage";
		break;
	case LOAN_CLOSE:
		if (k->forfeit > t->deposit)
			return "the forfeit exceeds the request's deposit";
		if (k->forfeit > 0 && at->state != LOAN_RETURNED)
			return "a forfeit of the deposit is claimed at the close after the "
			       "borrower's return only";
		if (at->state == LOAN_HANDED_OVER) {
			if (t->slot_usage < 0)
				return "no return: km and m3 need the borrower's figure";
			if (k->time < k->grace_end)
				return "no return yet: without one the owner may close only after "
				       "the slot's end and the grace period (close-grace)";
			if (k->usage >= 0 && k->usage != t->slot_usage)
				return "without a return a close settles the slot's own length only";
			k->u = t->slot_usage;
		} else {
			k->u = k->usage >= 0 ? k->usage : at->returned;
			if (k->u != at->returned || k->forfeit > 0) {
				if (at->state != LOAN_RETURNED)
					return "the claim stands: a close now can only confirm the "
					       "borrower's figure (agree, dispute, propose settle)";
				next = LOAN_CLAIMED;
			}
		}
		break;
	case LOAN_AGREE:
		k->u = at->claim;
		break;
	default:
		break;
	}
	k->to = next;
	return NULL;
}

static struct pos advance(const struct pos *at, const struct loan_node *k, int idx)
{
	struct pos p = *at;
	p.state = k->to;
	p.time = k->time;
	p.head = idx;
	p.parties = 1u << k->party;
	if (k->step == LOAN_ACCEPT || k->step == LOAN_DECLINE)
		p.decided = k->time;
	if (k->step == LOAN_DECLINE || k->step == LOAN_CANCEL)
		p.reason = idx;
	if (k->to == LOAN_WAITING)
		p.waited = idx;
	if (k->step == LOAN_RETURN)
		p.returned = k->u;
	if (k->to == LOAN_CLAIMED) {
		p.claim = k->u;
		p.claim_forfeit = k->forfeit > 0 ? k->forfeit : 0;
	}
	if (k->to == LOAN_CLOSED) {
		p.usage = k->u;
		p.closed = k->time;
		p.forfeit = k->step == LOAN_AGREE ? at->claim_forfeit : 0;
	}
	return p;
}

/* The rule of conflicts (loan.h) over the taken steps c[0..n) answering
 * one step: the branches both parties signed, if any; of those, each
 * party's first in its own order; of those (one an owner's, one a
 * borrower's at most), the higher rank, then the lower id. */
static int winner(const struct graph *g, const int *c, size_t n)
{
	const unsigned both = (1u << LOAN_OWNER) | (1u << LOAN_BORROWER);
	int any_both = 0, first[LOAN_PARTIES] = {-1, -1, -1};
	for (size_t i = 0; i < n; i++)
		any_both |= (g->end[c[i]].parties & both) == both;
	for (size_t i = 0; i < n; i++) {
		const struct loan_node *k = &g->n[c[i]];
		if (any_both && (g->end[c[i]].parties & both) != both)
			continue;
		int *f = &first[k->party];
		if (*f < 0 || k->place < g->n[*f].place ||
		    (k->place == g->n[*f].place && memcmp(k->id, g->n[*f].id, 32) < 0))
			*f = c[i];
	}
	int w = first[LOAN_OWNER], o = first[LOAN_BORROWER];
	if (w < 0)
		return o;
	if (o < 0)
		return w;
	const struct loan_node *x = &g->n[w], *y = &g->n[o];
	if (steps[x->step].rank != steps[y->step].rank)
		return steps[x->step].rank > steps[y->step].rank ? w : o;
	return memcmp(x->id, y->id, 32) < 0 ? w : o;
}

/* The end of the winning path from the step at answered by id; records
 * each node's winning child in next. Depth: at most LOAN_STATES, each
 * step moves the state on (loan.h). */
static struct pos resolve_from(const struct graph *g, const uint8_t id[32], struct pos at,
			       int *winner_out)
{
	/* the children of id: a range of by_answer */
	size_t lo = 0, hi = g->count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (memcmp(g->by_answer[mid].answers, id, 32) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* the taken children: a range of the sorted index, so at most n */
	size_t first = lo, count = 0;
	for (size_t i = lo; i < g->count; i++) {
		if (memcmp(g->by_answer[i].answers, id, 32) != 0)
			break;
		int k = (int)g->by_answer[i].idx;
		struct loan_node *c = &g->n[k];
		c->checked = 1;
		if ((c->why = node_check(g, &at, c)))
			continue;
		struct pos start = advance(&at, c, k);
		g->end[k] = resolve_from(g, c->id, start, &c->next);
		g->end[k].parties |= start.parties;
		g->cand[first + count++] = k;
	}
	int best = count ? winner(g, g->cand + first, count) : -1;
	*winner_out = best;
	if (best < 0) {
		struct pos p = at;
		p.parties = 0;
		return p;
	}
	return g->end[best];
}

int loan_resolve(const struct loan_terms *t, struct loan_node *nodes, size_t n,
		 struct loan_outcome *out)
{
	struct graph g = {t, nodes, n, NULL, NULL, NULL};
	memset(out, 0, sizeof *out);
	if (n && (!(g.by_answer = malloc(n * sizeof *g.by_answer)) ||
		  !(g.end = malloc(n * sizeof *g.end)) || !(g.cand = malloc(n * sizeof *g.cand)))) {
		free(g.by_answer);
		free(g.end);
		return err_set("out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(g.by_answer[i].answers, nodes[i].answers, 32);
		memcpy(g.by_answer[i].id, nodes[i].id, 32);
		g.by_answer[i].idx = i;
		nodes[i].next = -1;
		nodes[i].checked = 0;
		nodes[i].why = NULL;
	}
	if (n)
		qsort(g.by_answer, n, sizeof *g.by_answer, by_answer_cmp);
	struct pos at = {t->start, t->requested, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0};
	int first = -1;
	struct pos end = at;
	if (t->start == LOAN_INVALID) {
		for (size_t i = 0; i < n; i++)
			nodes[i].why = states[LOAN_INVALID].out_of_order;
	} else {
		end = resolve_from(&g, t->request, at, &first);
	}
	/* the winning path takes effect; every other step says why not */
	int on_path = first;
	while (on_path >= 0) {
		nodes[on_path].checked = 2;
		on_path = nodes[on_path].next;
	}
	out->ignored = 0;
	for (size_t i = 0; i < n; i++) {
		struct loan_node *k = &nodes[i];
		if (t->start == LOAN_INVALID) {
			out->ignored++;
			continue;
		}
		if (k->checked == 2) {
			k->why = NULL;
			continue;
		}
		out->ignored++;
		if (k->checked && !k->why) {
			k->why = superseded;
		} else if (!k->checked) {
			int known = memcmp(k->answers, t->request, 32) == 0;
			for (size_t j = 0; j < n && !known; j++)
				known = memcmp(nodes[j].id, k->answers, 32) == 0;
			k->why = known ? follows_nothing : answers_nothing;
		}
	}
	free(g.by_answer);
	free(g.end);
	free(g.cand);
	/* the members' vote settles a dispute the parties did not */
	if (end.state == LOAN_DISPUTED && t->vote_usage >= 0) {
		end.state = LOAN_CLOSED;
		end.usage = t->vote_usage;
		end.closed = t->vote_time;
		end.forfeit = t->vote_forfeit > t->deposit ? t->deposit : t->vote_forfeit;
	}
	out->state = end.state;
	out->returned = end.returned;
	out->claim = end.claim;
	out->claim_forfeit = end.claim_forfeit;
	out->forfeit = end.forfeit;
	out->usage = end.usage;
	out->decided = end.decided;
	out->closed = end.closed;
	out->reason = end.reason;
	out->head = end.head;
	out->waited = end.state == LOAN_WAITING ? end.waited : -1;
	return 0;
}

int loan_fuel_parse(const char *s, int *out)
{
	static const struct {
		const char *name;
		int pct;
	} levels[] = {{"full", 100}, {"3/4", 75}, {"1/2", 50}, {"1/4", 25}, {"empty", 0}};
	for (size_t i = 0; i < sizeof levels / sizeof *levels; i++)
		if (strcmp(s, levels[i].name) == 0) {
			*out = levels[i].pct;
			return 0;
		}
	char *end;
	long v = isdigit((unsigned char)*s) ? strtol(s, &end, 10) : -1;
	if (v >= 0 && v <= 100 && (!*end || (end[0] == '%' && !end[1]))) {
		*out = (int)v;
		return 0;
	}
	return err_set("'%s' is no fuel level (full, 3/4, 1/2, 1/4, empty, or a percentage "
		       "0 to 100)", s);
}
