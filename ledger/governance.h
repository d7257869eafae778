/* governance.h - how the members decide: proposals and votes as entries,
 * counted by one rule every node evaluates the same way (DESIGN.md,
 * Federation). Admission, exclusion and the federation's parameters
 * follow from the proposals that passed. */
#ifndef MUTUA_GOVERNANCE_H
#define MUTUA_GOVERNANCE_H

#include <stdint.h>

#include "entry.h"
#include "mutua.pb-c.h"

struct store;

#define GOV_RULE_MAJORITY 1
#define GOV_RULE_COLLEGES 2
#define GOV_THRESHOLD_DEFAULT 50
#define GOV_QUORUM_DEFAULT 50
#define GOV_DURATION_DEFAULT (14LL * 86400000)
#define GOV_COLLEGES_MAX 16
#define GOV_DURATION_MIN 1000LL                 /* tests decide in seconds */
#define GOV_DURATION_MAX (366LL * 86400000)
#define GOV_CLOSE_GRACE_DEFAULT (72LL * 3600000) /* close-grace: 72 h */
#define VOTE_YES 1
#define VOTE_NO 2
#define VOTE_ABSTAIN 3

/* The rule in force at the genesis (defaults when it carries none). */
void governance_defaults(const Mutua__Genesis *g, uint32_t *rule, uint32_t *threshold,
			 uint32_t *quorum, uint64_t *duration);
/* Checks a Governance message (weights sum to 100, names, ranges). */
int governance_check(const Mutua__Governance *gv);

/* May a vote timed `time` (ms) on proposal be cast? 0 yes; -1 with the
 * reason (passed already, closed, unknown, or the store's error). */
int governance_vote_check(struct store *s, const uint8_t proposal[ENTRY_ID_BYTES],
			  int64_t time);

/* Fold hook for proposal and vote entries, and the full recount it runs
 * (also after reindex). Inside the store's transaction. */
int governance_fold(struct store *s, const struct entry *e);
int governance_recount(struct store *s);

/* A federation parameter in force: credit-limit (hundredths), threshold,
 * quorum (percent), duration, close-grace (ms), in *v. 0, or -1 when the store cannot
 * tell (a rule then refuses: it never takes the genesis value instead). */
int governance_param_get(struct store *s, const char *name, int64_t *v);
/* The same, in force at time t (ms). 0 or -1. */
int governance_param_at(struct store *s, const char *name, int64_t t, int64_t *v);
/* A passed settle proposal for request: 1 with its usage and when it
 * passed (the first to pass), 0 none, -1 error. */
int governance_settlement(struct store *s, const uint8_t request[32], int64_t *usage,
			  int64_t *at);
/* The same for display: the genesis value when the store cannot tell.
 * A rule calls governance_param_get. */
int64_t governance_param(struct store *s, const char *name);
/* Valid parameter name and value? */
int governance_param_check(const char *name, int64_t value);

#endif
