/* store.h - the node's SQLite store: entries, fork proofs, derived state.
 *
 * One file per node, WAL, synchronous=FULL. The daemon and the CLI open the
 * same file; every write is one transaction, and an append takes the write
 * lock (BEGIN IMMEDIATE) before it reads its feed's head, so two writers
 * can never sign the same seq (DESIGN.md, invariant 8). Within one
 * connection, a transaction has an owner (store_begin): an append never
 * joins one that another writer holds open.
 *
 * A read that decides (membership, exclusion, a fork, the appends' hold)
 * returns -1 on a database error, never "no": the caller refuses.
 */
#ifndef MUTUA_STORE_H
#define MUTUA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "keys.h"
#include "mutua.pb-c.h"
#include "schema.h"

#define STORE_SCHEMA_VERSION SCHEMA_VERSION /* schema.c */
#define STORE_BATCH_MAX 4096 /* entries of one feed inserted at once */
#define STORE_BUSY_MS 10000  /* how long a connection waits for a lock */

struct store;

struct store *store_open(const char *path);
/* A private store in memory (spilt to a temporary file only when large),
 * gone when closed, that keeps its entries without body nor signature:
 * the audit's, which reads neither back (store_add_fork). It has no
 * full-text index of the offers (search.c): nobody searches an audit,
 * and its upkeep was half of the audit's work besides the signatures on
 * a bundle of offers. */
struct store *store_open_scratch(void);
void store_close(struct store **s);
/* Moves the WAL checkpoints of this connection to a thread of their own,
 * with its own connection, that copies committed pages into the database
 * once a commit leaves 1000 pages in the WAL (or each second), without
 * ever waiting for a writer: a long-running writer (mutuad) then never
 * stops to copy tens of MB mid-sync. Stopped by store_close. */
int store_checkpoint_apart(struct store *s);
/* The id held at (author, seq) and, when checked is given, whether its own
 * signature was checked (not only its chain). 1 found, 0 not, -1. */
int store_held_id(struct store *s, const uint8_t *author, uint64_t seq,
		  uint8_t id[ENTRY_ID_BYTES], int *checked);
/* After each commit, a connection writes one byte to the FIFO at this path
 * (the store's path and "-wake") if it exists and has a reader: mutuad
 * reads it (syncer_watch_store) to announce what the CLI appended at once.
 * store_wakes(s, 0) stops a connection's own wakes (the reader's). */
const char *store_wake_path(struct store *s);
void store_wakes(struct store *s, int on);

/* Federation: the genesis this node holds, if any. */
int store_has_federation(struct store *s);
const uint8_t *store_fed_id(struct store *s);       /* NULL when none */
const Mutua__Genesis *store_genesis(struct store *s); /* NULL when none */
/* Adopts genesis bytes (checked by genesis_decode) and folds its founders.
 * Refused when the store already holds a federation. */
int store_adopt_genesis(struct store *s, const uint8_t *bytes, size_t len);

/* Is id a member: a founder, or admitted by a vote that passed? An
 * excluded member stays one (its entries before the exclusion are valid):
 * store_excluded_at tells from when it is out. 1 yes, 0 no, -1 error. */
int store_is_member(struct store *s, const uint8_t id[KEY_ID_BYTES]);

/* Whose signing key is key: 1 when it is an active member's (its first
 * key, or one it rotated to, or one a passed rekey gave it), with member
 * and last (the key's last valid seq, INT64_MAX while it is current)
 * filled when non-NULL; 0 when it is no member's; -1 on error. */
int store_member_of(struct store *s, const uint8_t key[KEY_ID_BYTES],
		    uint8_t member[KEY_ID_BYTES], uint64_t *last);

/* Was the member excluded? 1 yes, with at (when non-NULL) set to when
 * (ms); 0 no (at set to 0); -1 when the store cannot tell (said): a
 * caller refuses then, never reads it as "not excluded". */
int store_excluded_at(struct store *s, const uint8_t id[KEY_ID_BYTES], int64_t *at);

/* A feed's fork point: the lowest seq at which two validly signed
 * entries of author are held (the view fork_points). 1 forked, with *seq
 * filled when seq is not NULL; 0 not forked; -1 the store cannot tell. */
int store_fork_point(struct store *s, const uint8_t author[KEY_ID_BYTES], uint64_t *seq);

/* Appends to k's own feed: fills federation, author, seq, prev and time of
 * b (payload, and the staff act when a staff person acted, set by the caller), signs, inserts and folds, in one
 * IMMEDIATE transaction. id_out (may be NULL) receives the entry id.
 * The time is the clock's, or b->time when the caller set a later one.
 * Inside a transaction opened with store_begin(s, k, ...), it joins it
 * (a check and the entry it allows then commit together); on failure the
 * caller rolls back. Inside one held by another owner it is refused. */
int store_append(struct store *s, const struct key *k, Mutua__Body *b,
		 uint8_t id_out[ENTRY_ID_BYTES]);
/* From now on, every store_append on this handle carries an act signed by
 * staff under delegation (staff_act_sign, a fresh nonce each): a staff
 * person acting through a client of the node (the web page, node/web.c)
 * signs what the ledger's own functions build, with the same rules as any
 * act. It sets the handle's staff hooks (below: their act), replacing
 * any. staff NULL: the member acts again, no hook. The key is the
 * caller's, kept until it calls this again. */
void store_act_as(struct store *s, const struct key *staff,
		  const uint8_t delegation[ENTRY_ID_BYTES]);

/* Makes store_append refuse until the given time (ms; 0 lifts it): set by
 * the daemon after a start until a peer has told it this member's own
 * head, so that a node restored from a backup never re-signs a seq it
 * had already published (DESIGN.md, invariant 8). A write of its own:
 * refused while a transaction is open. */
int store_hold_appends(struct store *s, int64_t until_ms);
/* 1 while appends are held, 0 when not, -1 on a store error; *until is
 * the value mutuad left: the time the hold ends, 0 when a peer confirmed
 * the own feed (or no daemon set one), -1 when the hold ended with no
 * peer's confirmation (mutuad opened appends all the same). */
int store_appends_held(struct store *s, int64_t *until);
/* A command (not mutuad) that signs: store_begin for a key, and so
 * every append, waits while appends are held, looking under the write
 * lock; mutuad may set its hold after the command's first look. */
void store_wait_hold(struct store *s, int on);
/* How many of the offers the search index has yet to take a search on
 * this handle hands over first (search_catch_up): all (0, the default:
 * a command's search finds what the store holds, daemon or not), or at
 * most n (the node's web page, whose node takes the rest within a second:
 * a request never indexes a whole sync). */
void store_set_search_rows(struct store *s, int64_t n);
int64_t store_search_rows(struct store *s);

/* The head of a feed: seq 0 and a zero id when the feed is empty. */
int store_head(struct store *s, const uint8_t author[KEY_ID_BYTES],
	       uint64_t *seq, uint8_t id[ENTRY_ID_BYTES]);

/* The same, with what the next entry of the feed must respect: its prev
 * names link (entry_link of the head), its time is not before time. All
 * zero when the feed is empty. */
struct feed_head {
	uint64_t seq;
	uint8_t id[ENTRY_ID_BYTES];
	uint8_t link[ENTRY_ID_BYTES];
	int64_t time;
};
int store_feed_head(struct store *s, const uint8_t author[KEY_ID_BYTES],
		    struct feed_head *h);

/* One received entry, as bytes (not yet decoded). */
struct raw_entry {
	const uint8_t *body;
	size_t body_len;
	const uint8_t *sig;
	size_t sig_len;
};

#define BATCH_HELD_AHEAD 1   /* dated ahead of this clock */
#define BATCH_HELD_BUDGET 2  /* past the feed's budget (store_set_budgets) */
#define BATCH_HELD_STOPPED 3 /* the operator stopped the feed (store_feed_stop) */

struct batch_result {
	size_t added;      /* new entries stored */
	size_t duplicates; /* already held, same id */
	size_t rejected;   /* refused; reason in err_msg() for the first */
	size_t forks;      /* new fork proofs recorded */
	size_t held;       /* the last ones, dated more than ENTRY_AHEAD_MAX_MS
			    * ahead of this clock, or past the feed's budget,
			    * or of a stopped feed: neither stored nor refused */
	int held_why;      /* BATCH_HELD_* */
	uint64_t author_seq; /* feed head after the batch */
	uint8_t author[KEY_ID_BYTES];
};

/* Inserts received entries of one feed, in ascending seq order, in one
 * transaction. The run of new entries is authenticated by the signature of
 * its newest entry and the hash links down to the current head (DESIGN.md,
 * Replication); if that fails, each entry's own signature is checked and
 * the valid prefix is kept. An entry at a held seq with another id is
 * checked on its own and, when validly signed, stored as a fork proof.
 * Returns 0 when the batch was processed (r says what happened, even if
 * everything was rejected), -1 on a store error. */
int store_insert_batch(struct store *s, const struct raw_entry *v, size_t n,
		       struct batch_result *r);

/* Budgets (entries-per-day, bytes-per-day: store.c): own, store_append
 * refuses what would take the member's own feed past them (on by
 * default); intake, store_insert_* hold a feed past them, and a stopped
 * one (off by default: the sync turns it on; the audit and reindex take
 * every entry). */
void store_set_budgets(struct store *s, int own, int intake);
/* Stops (stop = 1) or resumes taking member's feeds: node-local, with
 * the budgets' intake. 1 changed, 0 it was so, -1. */
int store_feed_stop(struct store *s, const uint8_t member[KEY_ID_BYTES], int stop);
/* 1 while the sync holds the feed of key author (feed_holds), 0 not, -1. */
int store_feed_held(struct store *s, const uint8_t author[KEY_ID_BYTES]);
/* 1 when member's feeds are stopped, 0 not, -1. */
int store_feed_stopped(struct store *s, const uint8_t member[KEY_ID_BYTES]);

/* The same for entries already decoded (and checked by entry_decode) by
 * the caller, who keeps them; sigs_ok says every signature was verified
 * already (the audit verifies on several threads). */
int store_insert_entries(struct store *s, struct entry *e, size_t n, int sigs_ok,
			 struct batch_result *r);

/* Records a fork proof received from a peer: two validly signed entries of
 * one member at one seq with different ids. 1 when new evidence was stored,
 * 0 when already known, -1 when refused (reason in err_msg()). */
int store_add_fork_proof(struct store *s, const struct raw_entry *a,
			 const struct raw_entry *b);

/* The same for e, validly signed, against the entry held at its (author,
 * seq), which was stored with its signature checked: a scratch store has
 * no body to check it again. */
int store_add_fork(struct store *s, const struct entry *e);

/* Rebuilds every derived table from the genesis and the entries, checking
 * every entry's id and signature on the way (the signatures on one worker
 * thread a core, a chunk ahead of the fold: sigcheck.h). On a corrupted
 * entry, fails naming the first in store order and changes nothing. */
int store_reindex(struct store *s);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK, for callers that group writes.
 *
 * A write transaction has an owner: a token (an address the owner holds:
 * itself, or for appends the key that signs them) and a name that
 * messages give. Only its owner commits it or rolls it back (a rollback
 * by another does nothing), and an append joins it only when it is its
 * key's (a check and the entry it allows then commit together:
 * lending_accept); any other append, or store_hold_appends, is refused
 * with "the store's write transaction is held by NAME" while it is open,
 * and so is a second store_begin. The entries received
 * (store_insert_batch and the like) join whatever transaction is open:
 * the sync round and the audit group them so. */
int store_begin(struct store *s, const void *owner, const char *name);

/* A command a member's node runs for a staff client (node/staffd.h; the
 * mode is set by tools/cli.c from the node's environment). Off by default.
 *   prepare: the first write transaction of a command is never committed:
 *            store_begin/commit/rollback nest in it as savepoints, so later
 *            appends see earlier ones, and store_close rolls it all back;
 *   capture: called by store_append once every check and the fold took
 *            the entry, with the body as it would be signed (payload,
 *            federation, author set); non-zero refuses the append;
 *   act:     called by store_append before its checks, once the body's
 *            federation, author, seq and time are set: it sets b->staff
 *            (the act the staff person signed) or refuses (err_set).
 * NULL turns them off. */
struct store_staff_hooks {
	int prepare;
	int (*capture)(void *arg, const Mutua__Body *b);
	int (*act)(void *arg, Mutua__Body *b);
	void *arg;
};
void store_staff_hooks(struct store *s, const struct store_staff_hooks *h);
int store_commit(struct store *s, const void *owner);
void store_rollback(struct store *s, const void *owner);

#endif
