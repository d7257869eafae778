/* audit.h - verify a federation's whole signed history from scratch,
 * trusting nothing but the genesis: every signature, every hash chain and
 * seq, every entry's federation, every author's membership, every lending
 * step (DESIGN.md, invariants 1-5), every checkpoint, and every balance. */
#ifndef MUTUA_AUDIT_H
#define MUTUA_AUDIT_H

#include <stdint.h>

#include "entry.h"
#include "store.h"
#include "util.h"

/* One finding. It names the entry it is about: its feed and seq, as its
 * body says them (even when the body breaks the format), or for a body
 * that names none, its place in the detail ("entry record 7"); member ""
 * and seq 0 only for what concerns no entry (END counts, the balances).
 * The detail is the reason a node gives when it refuses or ignores that
 * entry (the store's refusal, the fold's verdict), from the same code. */
struct audit_issue {
	char member[HEX_ID_LEN + 1]; /* the feed ("" when none) */
	char name[NAME_MAX_LEN + 1]; /* its member's name, if known */
	uint64_t seq;                /* 0 when not about one entry */
	const char *rule;            /* format, federation, signature, chain,
				      * membership, keys, fork, checkpoint,
				      * backdated, lending, over-booking,
				      * staff, balance */
	char detail[400];
};

struct audit_summary {
	uint8_t fed_id[32];
	char fed_name[160];
	uint64_t members, feeds, entries, loans, closed, forks, issues;
	/* feeds the history leaves before the newest head that a member other
	 * than their own witnessed (witness.h, rule b): the history is not
	 * complete. Listed by view_heads (witnessed_seq > seq) */
	uint64_t incomplete;
	uint64_t witnessed; /* feeds of which another member witnessed a head */
	int64_t credits_moved; /* hundredths */
	int64_t balance_sum;   /* hundredths: 0 when the books balance */
	/* deposits (issue 16), hundredths: held by loans in progress
	 * (accepted, not settled), forfeited by settled ones */
	int64_t deposits_held, deposits_forfeited;
	double seconds;
	int threads;
};

typedef void (*audit_issue_fn)(void *arg, const struct audit_issue *issue);
typedef void (*audit_progress_fn)(void *arg, uint64_t entries, uint64_t done_bytes,
				  uint64_t total_bytes);

struct audit_opts {
	const uint8_t *expect_fed;  /* refuse a bundle of another federation */
	int threads;                /* signature checkers; 0: one per core */
	audit_issue_fn on_issue;
	audit_progress_fn on_progress;
	void *arg;
	/* when not NULL, a successful audit hands its scratch store over
	 * here: the history as the audit rebuilt it, to read through the
	 * views (view_heads: how far each feed goes, the report's views).
	 * It is handed over inside the audit's own write transaction, which
	 * nobody may commit (a commit would write out every page for
	 * nothing) and which store_close drops: the caller reads, then
	 * closes it */
	struct store **keep;
};

/* Audits a bundle file, or (path NULL) the given store. Returns 0 when the
 * audit ran (sum->issues says whether all holds), -1 when it could not
 * (unreadable or malformed bundle: err_msg() says why). */
int audit_run(const char *path, struct store *s, const struct audit_opts *o,
	      struct audit_summary *sum);

#endif
