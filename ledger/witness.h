/* witness.h - witnessed heads: what each node saw of the other feeds, and
 * the three rules they serve (DESIGN.md, invariant 9).
 *
 * A witness entry (Body.witness, mutua.proto) lists heads: for a feed,
 * the seq of its newest entry the author's node held and the RFC 6962
 * tree head over the ids of its entries 1..seq (checkpoint.h). A node
 * signs one from time to time (mutuad: witness_due, witness_append), of
 * the feeds that gained entries other than witnesses since it last listed
 * them, its own included; once a day (WITNESS_IDLE_MS), also of the feeds
 * that moved only by witnesses.
 *
 * Traffic. A round of N nodes each listing every feed would carry N^2
 * heads (85 bytes each) to every node, most of them feeds moved only by
 * the round's own witnesses: 3.4 MB a round at N = 200. Listed only when
 * they gained other entries, a round carries N times the feeds that did
 * work, and the feeds moved by witnesses alone wait for the daily round.
 * What waits loses nothing of the rules: a root covers every entry up to
 * its size, so a fork among witnesses shows in the next root listed; a
 * witness carries no loan, vote or offer, so a backdated one changes
 * nothing; and the floor of rule (a) of a feed that signed only
 * witnesses is at most a day old (the daily round) when its next other
 * entry comes, which cannot claim a time before its feed's previous one.
 *
 * Size. A head packs into at most 85 bytes, so one entry carries at most
 * WITNESS_HEADS_MAX = 512 heads (under 44 KiB of ENTRY_BODY_MAX's 64).
 * A node with more changed feeds than that (a federation of 1 000
 * members after a busy hour) appends several witness entries at once, the
 * feeds it witnessed longest ago first: round-robin, each feed's head in
 * exactly one of them (witness_append).
 *
 * The rules, each here and nowhere else:
 *
 * (a) Backdating. An entry of feed F at seq s claiming time t is
 *     BACKDATED when a member other than F's own witnessed F at a head
 *     h < s in a witness entry claiming time T, and t < T -
 *     WITNESS_SLACK_MS: the entry was signed after T (the witness saw the
 *     feed end before it) but claims a time well before. A backdated entry
 *     stays in the feed (it is signed evidence) and has no effect on the
 *     offers (fold.c) nor on the votes (governance.c); other folds ask
 *     witness_backdated (in SQL, the table backdated). Whichever of the
 *     entry and the witness arrives first, the table backdated ends up the
 *     same: the entry's fold checks the witnesses held (witness_entry_fold)
 *     before the entry's own fold runs, and a witness's fold checks the
 *     entries held and refolds what they had fed: the resource of an
 *     offer, an update, a withdrawal, a request or a loan step
 *     (fold_offer_recompute, lending_recompute_resource), the count of a
 *     vote or a proposal (governance_recount).
 * (b) Completeness. The audit (audit.c) reports, per feed, the head the
 *     history reaches and the newest head another member witnessed
 *     (witnessed_heads): a history that stops before it was trimmed, or
 *     is older than what others saw, and the audit says so.
 * (c) Forks. Two different roots for one size of one feed, among the
 *     witnessed heads, the valid checkpoints and the roots this node
 *     computes from the entries it holds (feed_roots, at each witnessed
 *     size), are a fork proof: the feed's author signed two histories, or
 *     a witness signed a root it did not see. Both are signed, so either
 *     way a member misbehaved; the view witness_forks lists them, doctor
 *     and the audit show them. They do not cut the feed (fork_points,
 *     store_fork_point): a false witness would otherwise silence any
 *     member, and a real fork shows itself as two entries at one seq as
 *     soon as both branches meet a node.
 *
 * Rows. A round of N nodes each witnessing N feeds folds N^2 heads on
 * every node; the table witnessed keeps O(N) of them whatever the rounds:
 * one claim a distinct head (feed, seq, root) and class (the feed's own
 * member or another), while it is the newest of its feed and class, or
 * this node cannot check its root, or its root differs from this node's
 * own copy (evidence of rule c). The audit's fork lines name one signer a
 * root (the first by time); its backdated lines, the witness that set the
 * floor (witness_floor). The signed witness entries all stay in the feeds.
 *
 * A witness by a node that lags (it did not hold F's newer entries yet)
 * makes those entries look backdated: mutuad only witnesses once its sync
 * with its peers is quiet, and only heads it received (witness_due).
 */
#ifndef MUTUA_WITNESS_H
#define MUTUA_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "keys.h"
#include "merkle.h"

struct store;

/* How far before a witness's time an entry past the witnessed head may
 * claim to be: clocks that disagree by less are not backdating. */
#define WITNESS_SLACK_MS (10LL * 60 * 1000)

/* mutuad's schedule (mutua.conf: witness_every, witness_idle): a witness
 * every WITNESS_EVERY_MS while feeds gain entries other than witnesses,
 * at the node's own moment of that period (set by its key: the nodes of a
 * federation do not all sign in the same second), and one as soon as a
 * feed moved since the node listed it WITNESS_IDLE_MS ago or more; none
 * when no head moved. It looks every WITNESS_LOOK_MS. */
#define WITNESS_EVERY_MS (5LL * 60 * 1000)
#define WITNESS_IDLE_MS (24LL * 3600 * 1000)
#define WITNESS_LOOK_MS 10000

/* Fold hook for a witness entry (inside the store's transaction). */
int witness_fold(struct store *s, const struct entry *e);

/* Fold hook for every entry, before the fold of its payload: records it
 * as backdated when a witness held says so (rule a), and checks its
 * feed's root at its seq against the roots witnessed at that size (rule
 * c). 1 backdated, 0 not, -1 error. */
int witness_entry_fold(struct store *s, const struct entry *e);

/* Rule (a), for the other folds: 1 when the entry of that id is
 * backdated, 0 not, -1 error (the store's). In SQL: the table backdated
 * (id, author, seq), schema.c. */
int witness_backdated(struct store *s, const uint8_t id[ENTRY_ID_BYTES]);

/* The root of feed's tree over its entries 1..size as held here. Keeps
 * the frontier of the largest tree computed (feed_trees), so witnessing a
 * feed again hashes only its new entries. */
int witness_feed_root(struct store *s, const uint8_t feed[KEY_ID_BYTES], uint64_t size,
		      uint8_t root[MERKLE_HASH_BYTES]);

/* Appends k's witness entries (at most WITNESS_HEADS_MAX an entry,
 * WITNESS_ENTRIES_MAX entries a call; the feeds witnessed longest ago
 * first) of the heads of the feeds that gained entries other than
 * witnesses since k's node last listed them, and of those that moved at
 * all since it listed them at or before stale_before (INT64_MAX: every
 * feed that moved). *heads and *entries say how many; 0 entries when
 * nothing is to list. */
#define WITNESS_ENTRIES_MAX 8
int witness_append(struct store *s, const struct key *k, int64_t stale_before, size_t *heads,
		   size_t *entries);

/* Is k's node due a witness at now (see the schedule above), counting
 * from its last witness, or from since when that is later (mutuad: its
 * start, so a node that starts lets its sync catch up first)? 1 yes, 0 no,
 * -1 error. Never for a non-member, an excluded one or a forked feed. */
int witness_due(struct store *s, const uint8_t author[KEY_ID_BYTES], int64_t now,
		int64_t since, int64_t every_ms, int64_t idle_ms);

#endif
