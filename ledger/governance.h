/* governance.h - how the members decide: proposals and votes as entries,
 * counted by one rule every node evaluates the same way (DESIGN.md,
 * Federation). Admission, exclusion and the federation's parameters
 * follow from the proposals that passed. */
#ifndef MUTUA_GOVERNANCE_H
#define MUTUA_GOVERNANCE_H

#include <stdint.h>

#include "entry.h"
#include "keys.h"
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
/* Per-member budgets (issue 14), parameters the federation sets:
 *   open-proposals   a member's proposals open at once (by their
 *                    deadlines, in its own feed): those beyond count for
 *                    nothing (the count, governance.c)
 *   reason-max       bytes of a proposal's reason: a longer one counts
 *                    for nothing (the count)
 *   entries-per-day, bytes-per-day  what a node stores and relays of one
 *                    member's feeds in 24 h by the entries' own times:
 *                    past it, the feed is held (node/sync.c, a transport
 *                    decision: no derived state depends on it) */
#define GOV_OPEN_PROPOSALS_DEFAULT 20
#define GOV_OPEN_PROPOSALS_MAX 10000
#define GOV_REASON_MAX_DEFAULT 1000 /* NOTE_MAX_LEN: the format's own bound */
#define GOV_ENTRIES_PER_DAY_DEFAULT 25000
#define GOV_ENTRIES_PER_DAY_MAX 10000000
#define GOV_BYTES_PER_DAY_DEFAULT (8LL * 1000 * 1000)
#define GOV_BYTES_PER_DAY_MIN (64LL * 1024) /* a member can always sign an entry */
#define GOV_BYTES_PER_DAY_MAX (100LL * 1000 * 1000 * 1000)
#define GOV_OVER_OPEN_PROPOSALS "the proposal's author has open-proposals proposals open already"
#define GOV_OVER_REASON_MAX "the proposal's reason is longer than reason-max"
#define VOTE_YES 1
#define VOTE_NO 2
#define VOTE_ABSTAIN 3
/* The votes one tally may cite: a federation of 1 000 members fits, and
 * the tally fits in ENTRY_BODY_MAX (34 bytes a citation). */
#define TALLY_VOTES_MAX 1500
/* The verdicts of a tally that cites what this node does not hold yet:
 * it waits (it may count once the entries arrive). */
#define GOV_TALLY_VOTE_MISSING "the tally cites a vote this node does not hold"
#define GOV_TALLY_CUT_MISSING "this node does not hold the excluded member's feed up to the tally's cut"

/* The rule in force at the genesis (defaults when it carries none). */
void governance_defaults(const Mutua__Genesis *g, uint32_t *rule, uint32_t *threshold,
			 uint32_t *quorum, uint64_t *duration);
/* Checks a Governance message (weights sum to 100, names, ranges). */
int governance_check(const Mutua__Governance *gv);

/* May a vote timed `time` (ms) on proposal be cast? 0 yes; -1 with the
 * reason (passed already, closed, unknown, or the store's error). */
int governance_vote_check(struct store *s, const uint8_t proposal[ENTRY_ID_BYTES],
			  int64_t time);

/* Fold hook for proposal, vote and tally entries, and the full recount
 * it runs (also after reindex). Inside the store's transaction. */
int governance_fold(struct store *s, const struct entry *e);
int governance_recount(struct store *s);
/* How many full recounts and single-proposal recounts this process ran
 * (tests: a vote must not cost a full recount). */
void governance_recount_stats(unsigned long *full, unsigned long *one);

/* A feed grew (author; NULL: any, after a refold): an exclusion's tally
 * that waited for it is checked again. 0 or -1. */
int governance_feed_grew(struct store *s, const uint8_t *author);

/* Did the proposal pass? The one predicate for it: the tally that counts
 * passed it (see governance.c). 1 yes, 0 no (open, failed, unknown), -1
 * the store cannot tell. */
int governance_passed(struct store *s, const uint8_t proposal[ENTRY_ID_BYTES]);

/* A tally entry just folded that does not count (invalid, waiting for
 * entries, or another tally decided), or a proposal beyond its author's
 * budget: -1 with the reason, for store_append (invariant 11). 0 for any
 * other entry. */
int governance_refusal(struct store *s, const struct entry *e);

/* A tally this node would make of proposal now (ms): each voter's latest
 * vote timed by the deadline, the cut of an exclusion (the excluded
 * member's current key, at the head this node holds). */
struct gov_tally {
	Mutua__Tally t;          /* points into the fields below */
	int64_t time;            /* the least time it may claim */
	uint8_t proposal[ENTRY_ID_BYTES];
	uint8_t cut_key[KEY_ID_BYTES];
	ProtobufCBinaryData *cites;
	uint8_t (*ids)[ENTRY_ID_BYTES];
};
/* 0 made (free it with governance_tally_free), 1 nothing to do when
 * passing_only (decided, or its votes do not pass it), -1 refused with
 * the reason. */
int governance_tally_make(struct store *s, const uint8_t proposal[ENTRY_ID_BYTES],
			  int passing_only, int64_t now, struct gov_tally *out);
void governance_tally_free(struct gov_tally *t);

/* VOTE_YES, VOTE_NO or VOTE_ABSTAIN for "yes", "no", "abstain"; 0 for
 * anything else. */
uint32_t governance_vote_choice(const char *word);
/* Appends k's vote (VOTE_*) on proposal: 0, or -1 refused with the
 * fold's reason. A staff act the store's hooks hold is attached. */
int governance_vote_append(struct store *s, const struct key *k, const uint8_t proposal[32],
			   uint32_t choice);
/* Appends k's tally of proposal from the votes this node holds, each
 * voter's latest timed by the deadline: 0 appended (its id in id_out,
 * may be NULL), 1 nothing to do when passing_only and the votes do not
 * pass it (or it is decided), -1 refused with the reason (decided, or
 * open and not passing). */
int governance_tally_append(struct store *s, const struct key *k,
			    const uint8_t proposal[ENTRY_ID_BYTES], int passing_only,
			    uint8_t id_out[ENTRY_ID_BYTES]);

/* mutuad's periodic tally: for each undecided proposal, k's tally when
 * its votes pass it, or when its deadline has passed (for a proposal of
 * another member's, grace ms after it). How many appended, or -1. */
int governance_tally_due(struct store *s, const struct key *k, int64_t now, int64_t grace);

/* A federation parameter in force: credit-limit (hundredths), threshold,
 * quorum (percent), duration, close-grace (ms), open-proposals,
 * reason-max (bytes), entries-per-day, bytes-per-day, in *v. 0, or -1 when the store cannot
 * tell (a rule then refuses: it never takes the genesis value instead). */
int governance_param_get(struct store *s, const char *name, int64_t *v);
/* The same, in force at time t (ms). 0 or -1. */
int governance_param_at(struct store *s, const char *name, int64_t t, int64_t *v);
/* A passed settle proposal for request: 1 with its usage, when it
 * passed (the first to pass) and the deposit it forfeits (0 none), 0
 * none, -1 error. */
int governance_settlement(struct store *s, const uint8_t request[32], int64_t *usage,
			  int64_t *at, int64_t *forfeit);
/* The same for display: the genesis value when the store cannot tell.
 * A rule calls governance_param_get. */
int64_t governance_param(struct store *s, const char *name);
/* Valid parameter name and value? */
int governance_param_check(const char *name, int64_t value);

/* "14d", "2h", "30m", "45s", or plain seconds, into ms, within
 * GOV_DURATION_MIN..MAX. 0, or -1 (err_set). The CLI's and the web
 * page's proposals. */
int duration_parse(const char *s, int64_t *ms);

#endif
