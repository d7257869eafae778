/* witness.c - see witness.h.
 *
 * Tables (schema.c): witnessed, the heads witnessed, one row a distinct
 * head still needed (the newest of its feed, or one this node cannot
 * check or that differs from its own copy: O(feeds) rows, not one a head
 * of every witness entry); witness_floor, for rule (a): per feed and witnessed seq h, the latest
 * time another member witnessed the feed at a head <= h (a running
 * maximum), so "is this entry backdated" is one indexed lookup however
 * many witnesses a feed has had; backdated, the entries found so;
 * feed_roots, the roots this node computed from its own entries at
 * witnessed sizes (rule c); feed_trees, one frontier per feed (the cost
 * of a root); witness_mine, what this node's own witnesses listed last.
 */
#include "witness.h"
#include "checkpoint.h"
#include "fold.h"
#include "governance.h"
#include "lending.h"
#include "member.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HB MERKLE_HASH_BYTES

static size_t bits(uint64_t x)
{
	size_t c = 0;
	for (; x; x &= x - 1)
		c++;
	return c;
}

/* ---- roots ------------------------------------------------------------- */

int witness_feed_root(struct store *s, const uint8_t feed[KEY_ID_BYTES], uint64_t size,
		      uint8_t root[HB])
{
	struct merkle_stream from, t;
	int have = 0;
	merkle_stream_init(&from);
	sqlite3_stmt *st = store_stmt(s, "SELECT size, tree FROM feed_trees WHERE feed = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	if (rc == 1) {
		uint64_t n = (uint64_t)sqlite3_column_int64(st, 0);
		if ((size_t)sqlite3_column_bytes(st, 1) == bits(n) * HB) {
			from.n = (size_t)n;
			if (n)
				memcpy(from.node, sqlite3_column_blob(st, 1), bits(n) * HB);
			have = 1;
		}
	}
	sqlite3_reset(st);
	if (rc < 0 || checkpoint_feed_tree(s, feed, size, have ? &from : NULL, &t))
		return -1;
	merkle_stream_root(root, &t);
	if (have && t.n <= from.n)
		return 0;
	/* keep the largest tree: the next witness of this feed starts there */
	st = store_stmt(s, "INSERT INTO feed_trees(feed, size, tree) VALUES (?1, ?2, ?3)"
			   " ON CONFLICT(feed) DO UPDATE SET size = excluded.size,"
			   " tree = excluded.tree WHERE excluded.size > size");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)t.n);
	sqlite3_bind_blob(st, 3, t.node, (int)(bits(t.n) * HB), SQLITE_STATIC);
	return store_step_done(s, st);
}

/* Rule (c): the root of this node's own copy of feed at size, once. */
static int note_root(struct store *s, const uint8_t *feed, uint64_t size)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM feed_roots WHERE feed = ?1 AND size = ?2");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	int rc = store_step_row(s, st);
	sqlite3_reset(st);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	uint8_t root[HB];
	if (witness_feed_root(s, feed, size, root))
		return -1;
	st = store_stmt(s, "INSERT INTO feed_roots(feed, size, root) VALUES (?1, ?2, ?3)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	sqlite3_bind_blob(st, 3, root, HB, SQLITE_STATIC);
	if (store_step_done(s, st))
		return -1;
	/* the witnessed heads at that size that agree, and are no longer the
	 * newest of their class, are checked: no need to keep them */
	st = store_stmt(s, "DELETE FROM witnessed WHERE feed = ?1 AND seq = ?2 AND root = ?3"
			   " AND seq < (SELECT max(w.seq) FROM witnessed w WHERE w.feed = ?1"
			   " AND w.other = witnessed.other)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	sqlite3_bind_blob(st, 3, root, HB, SQLITE_STATIC);
	return store_step_done(s, st);
}

/* One head a witness entry named: kept in witnessed unless it is already
 * checked (an older head than the newest of its feed and class, whose
 * root this node's own copy gives too); a newer head prunes the older
 * ones so checked. Of the claims of one head and class, the row keeps
 * the first by (time, witness, wauthor, wseq): the same in every order
 * of arrival, as the rows kept are (each condition only ever turns one
 * way: a newer head, this node's root at a size). */
static int claim(struct store *s, const uint8_t *feed, uint64_t seq, const uint8_t *root,
		 int other, const uint8_t *witness, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	sqlite3_stmt *st = store_stmt(s,
		"SELECT (SELECT max(seq) FROM witnessed WHERE feed = ?1 AND other = ?2),"
		" (SELECT root FROM feed_roots WHERE feed = ?1 AND size = ?3)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, other);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
	int rc = store_step_row(s, st);
	int have_newest = rc == 1 && sqlite3_column_type(st, 0) != SQLITE_NULL;
	uint64_t newest = have_newest ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	int checked = rc == 1 && sqlite3_column_bytes(st, 1) == HB &&
		      !memcmp(sqlite3_column_blob(st, 1), root, HB);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (have_newest && seq < newest && checked)
		return 0;
	st = store_stmt(s,
		"INSERT INTO witnessed(feed, seq, root, other, witness, wauthor, wseq, time)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(feed, other, seq, root)"
		" DO UPDATE SET witness = excluded.witness, wauthor = excluded.wauthor,"
		" wseq = excluded.wseq, time = excluded.time WHERE (excluded.time,"
		" excluded.witness, excluded.wauthor, excluded.wseq) < (time, witness, wauthor, wseq)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	sqlite3_bind_blob(st, 3, root, HB, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, other);
	sqlite3_bind_blob(st, 5, witness, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, b->author.data, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)b->seq);
	sqlite3_bind_int64(st, 8, b->time);
	if (store_step_done(s, st))
		return -1;
	if (!have_newest || seq <= newest)
		return 0;
	st = store_stmt(s, "DELETE FROM witnessed WHERE feed = ?1 AND other = ?2 AND seq < ?3"
			   " AND root = (SELECT r.root FROM feed_roots r WHERE r.feed = ?1"
			   " AND r.size = witnessed.seq)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, other);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
	return store_step_done(s, st);
}

/* ---- rule (a) ---------------------------------------------------------- */

int witness_backdated(struct store *s, const uint8_t id[ENTRY_ID_BYTES])
{
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM backdated WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, id, ENTRY_ID_BYTES, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	sqlite3_reset(st);
	return rc;
}

/* A witnessed head h of feed: its floor row exists (its time the floor
 * below it, when the witness is the feed's own member's: other = 0), and
 * another member's witness w at time t raises the floor at h and above to
 * at least t. The floor at h is the latest time another member witnessed
 * the feed at a head <= h (INT64_MIN none), with that witness and the
 * head it witnessed (at; among equal times the smallest at, then
 * witness: the same in every order); a row at every witnessed head also
 * tells an entry's fold that a root was witnessed at its seq. */
#define FLOOR_BETTER(t, at, w)                                                                \
	"(" t " > time OR (" t " = time AND " at " IS NOT NULL AND (at IS NULL OR " at " < at"    \
	" OR (" at " = at AND " w " < witness))))"
static int raise_floor(struct store *s, const uint8_t *feed, uint64_t h, int64_t t,
		       const uint8_t *w, int other)
{
	/* the floor below h, and the better of it and this witness */
	sqlite3_stmt *st = store_stmt(s, "SELECT time, witness, at FROM witness_floor"
					 " WHERE feed = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT 1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)h);
	int64_t bt = INT64_MIN, bat = 0;
	uint8_t bw[KEY_ID_BYTES];
	int below = 0;
	int rc = store_step_row(s, st);
	if (rc == 1 && sqlite3_column_type(st, 2) != SQLITE_NULL &&
	    sqlite3_column_bytes(st, 1) == KEY_ID_BYTES) {
		below = 1;
		bt = sqlite3_column_int64(st, 0);
		bat = sqlite3_column_int64(st, 2);
		memcpy(bw, sqlite3_column_blob(st, 1), KEY_ID_BYTES);
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (other && (!below || t > bt ||
		      (t == bt && ((int64_t)h < bat ||
				   ((int64_t)h == bat && memcmp(w, bw, KEY_ID_BYTES) < 0))))) {
		below = 1;
		bt = t;
		bat = (int64_t)h;
		memcpy(bw, w, KEY_ID_BYTES);
	}
	st = store_stmt(s,
		"INSERT INTO witness_floor(feed, seq, time, witness, at) VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT(feed, seq) DO UPDATE SET time = excluded.time,"
		" witness = excluded.witness, at = excluded.at WHERE "
		FLOOR_BETTER("excluded.time", "excluded.at", "excluded.witness"));
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)h);
	sqlite3_bind_int64(st, 3, bt);
	if (below) {
		sqlite3_bind_blob(st, 4, bw, KEY_ID_BYTES, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, bat);
	} else {
		sqlite3_bind_null(st, 4);
		sqlite3_bind_null(st, 5);
	}
	if (store_step_done(s, st) || !other)
		return other ? -1 : 0;
	st = store_stmt(s, "UPDATE witness_floor SET time = ?3, witness = ?4, at = ?2"
			   " WHERE feed = ?1 AND seq > ?2 AND " FLOOR_BETTER("?3", "?2", "?4"));
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)h);
	sqlite3_bind_int64(st, 3, t);
	sqlite3_bind_blob(st, 4, w, KEY_ID_BYTES, SQLITE_STATIC);
	return store_step_done(s, st);
}

struct found {
	uint8_t id[ENTRY_ID_BYTES];
	char type[20];
};

/* What a newly backdated entry had changed, folded again: the offers'
 * replay and the vote count leave it out; proposals and loans are
 * recounted and recomputed too, so that their folds need only ask
 * witness_backdated to be right in every arrival order. */
static int refold(struct store *s, const struct found *f, int *recount)
{
	static const char *const loan_types[] = {"request", "accept", "decline", "cancel",
						 "handover", "return", "close", "agree",
						 "dispute"};
	int loan = 0;
	if (!strcmp(f->type, "vote") || !strcmp(f->type, "proposal")) {
		*recount = 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof loan_types / sizeof *loan_types; i++)
		loan |= !strcmp(f->type, loan_types[i]);
	if (!loan && strcmp(f->type, "offer") && strcmp(f->type, "offer-update") &&
	    strcmp(f->type, "offer-withdraw"))
		return 0;
	/* the resource whose offer or loans it touched: a loan's recompute
	 * asks witness_backdated as it takes each step */
	uint8_t resource[ENTRY_ID_BYTES];
	if (!strcmp(f->type, "offer"))
		return fold_offer_recompute(s, f->id);
	sqlite3_stmt *st = store_stmt(s, loan
		? "SELECT resource FROM loans WHERE id = ?1 UNION ALL SELECT l.resource"
		  " FROM loan_events e JOIN loans l ON l.id = e.request WHERE e.id = ?1"
		: "SELECT resource FROM offer_steps WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, f->id, ENTRY_ID_BYTES, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	if (rc == 1 && sqlite3_column_bytes(st, 0) == ENTRY_ID_BYTES)
		memcpy(resource, sqlite3_column_blob(st, 0), ENTRY_ID_BYTES);
	else if (rc == 1)
		rc = 0;
	sqlite3_reset(st);
	if (rc <= 0)
		return rc;
	return loan ? lending_recompute_resource(s, resource) : fold_offer_recompute(s, resource);
}

/* The entries of feed past seq h claiming a time before limit that are
 * not yet backdated become so, and the folds they fed are redone. The
 * same test as witness_entry_fold's: time < witness time - slack. */
static int mark_after(struct store *s, const uint8_t *feed, uint64_t h, int64_t limit)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, type FROM entries e WHERE author = ?1"
					 " AND seq > ?2 AND time < ?3"
					 " AND NOT EXISTS (SELECT 1 FROM backdated b WHERE b.id = e.id)");
	struct found *f = NULL;
	size_t n = 0, cap = 0;
	int rc;
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)h);
	sqlite3_bind_int64(st, 3, limit);
	while ((rc = store_step_row(s, st)) == 1) {
		if (n == cap) {
			void *more = realloc(f, (cap = cap ? 2 * cap : 8) * sizeof *f);
			if (!more) {
				rc = err_set("out of memory");
				break;
			}
			f = more;
		}
		if (sqlite3_column_bytes(st, 0) != ENTRY_ID_BYTES)
			continue;
		memcpy(f[n].id, sqlite3_column_blob(st, 0), ENTRY_ID_BYTES);
		snprintf(f[n].type, sizeof f[n].type, "%s", sqlite3_column_text(st, 1));
		n++;
	}
	sqlite3_reset(st);
	int recount = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		st = store_stmt(s, "INSERT OR IGNORE INTO backdated(id, author, seq)"
				   " SELECT id, author, seq FROM entries WHERE author = ?1"
				   " AND id = ?2");
		if (!st) {
			rc = -1;
			break;
		}
		sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, f[i].id, ENTRY_ID_BYTES, SQLITE_STATIC);
		rc = store_step_done(s, st);
		if (rc == 0)
			rc = refold(s, &f[i], &recount);
	}
	free(f);
	if (rc == 0 && recount)
		rc = governance_recount(s);
	return rc;
}

/* ---- the folds --------------------------------------------------------- */

int witness_fold(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	if (b->payload_case != MUTUA__BODY__PAYLOAD_WITNESS)
		return err_set("not a witness");
	for (size_t i = 0; i < b->witness->n_heads; i++) {
		const Mutua__WitnessedHead *h = b->witness->heads[i];
		const uint8_t *feed = h->feed.data;
		/* (a) only another member's witness bounds a feed's times */
		sqlite3_stmt *st = store_stmt(s, "SELECT coalesce((SELECT member FROM keys"
						 " WHERE key = ?1), ?1) <> ?2");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, e->member, KEY_ID_BYTES, SQLITE_STATIC);
		int rc = store_step_row(s, st);
		int other = rc == 1 && sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		if (rc < 0)
			return -1;
		/* (c) against this node's own copy, when it reaches that far */
		uint64_t held;
		if (store_head(s, feed, &held, NULL))
			return -1;
		if (held >= h->seq && note_root(s, feed, h->seq))
			return -1;
		if (claim(s, feed, h->seq, h->root.data, other, e->member, e))
			return -1;
		if (raise_floor(s, feed, h->seq, b->time, e->member, other) ||
		    (other && mark_after(s, feed, h->seq,
					 b->time < INT64_MIN + WITNESS_SLACK_MS
						 ? INT64_MIN : b->time - WITNESS_SLACK_MS)))
			return -1;
	}
	return 0;
}

/* The floor at seq (see raise_floor): 1 with *seq_out and *time when a
 * row at or below seq exists, 0 none, -1. */
static int floor_at(struct store *s, const uint8_t *feed, uint64_t seq, uint64_t *seq_out,
		    int64_t *time)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT seq, time FROM witness_floor WHERE feed = ?1"
					 " AND seq <= ?2 ORDER BY seq DESC LIMIT 1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, feed, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	int rc = store_step_row(s, st);
	if (rc == 1) {
		*seq_out = (uint64_t)sqlite3_column_int64(st, 0);
		*time = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc;
}

int witness_entry_fold(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	const uint8_t *author = b->author.data;
	uint64_t at;
	int64_t floor;
	/* one lookup a received entry, most often of nothing: the floor row
	 * at or below its seq; one at its seq means a root was witnessed at
	 * its size (c), and the floor below it is the row before */
	int rc = floor_at(s, author, b->seq, &at, &floor);
	int rooted = rc == 1 && at == b->seq;
	if (rooted && b->seq > 1)
		rc = floor_at(s, author, b->seq - 1, &at, &floor);
	if (rc < 0)
		return -1;
	/* (a) the latest time another member saw the feed end before it */
	/* floor - time > slack, without overflow whatever the times claimed */
	int backdated = rc == 1 && !(rooted && b->seq == 1) && floor > b->time &&
			(uint64_t)floor - (uint64_t)b->time > (uint64_t)WITNESS_SLACK_MS;
	if (backdated) {
		sqlite3_stmt *st = store_stmt(s, "INSERT OR IGNORE INTO backdated(id, author, seq)"
						 " VALUES (?1, ?2, ?3)");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, e->id, ENTRY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, author, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)b->seq);
		if (store_step_done(s, st))
			return -1;
	}
	if (rooted && note_root(s, author, b->seq))
		return -1;
	return backdated;
}

/* ---- the node's own witnesses ----------------------------------------- */

/* The feeds that moved since k's node last listed them (witness_mine),
 * each with busy (it gained entries other than witnesses since: listed
 * at the next round of the schedule) and stale (k listed it at or before
 * ?3, or, never listed, k last witnessed then or never did: listed at
 * once); k's own feed only when busy. ?1 is k. One rule for
 * witness_append (what to list) and witness_due (when). */
#define LISTABLE_SQL \
	"WITH m AS (SELECT feed, seq, wseq FROM witness_mine WHERE wauthor = ?1)," \
	" l AS (SELECT coalesce(max(time), -9223372036854775807) AS t FROM entries" \
	"  WHERE author = ?1 AND type = 'witness')," \
	" f AS (SELECT f.author, f.seq, coalesce(m.wseq, 0) AS wseq," \
	"  EXISTS (SELECT 1 FROM entries e WHERE e.author = f.author" \
	"   AND e.seq > coalesce(m.seq, 0) AND e.type <> 'witness') AS busy," \
	"  f.author <> ?1 AND coalesce((SELECT time FROM entries w WHERE w.author = ?1" \
	"   AND w.seq = m.wseq), (SELECT t FROM l)) <= ?3 AS stale" \
	"  FROM feeds f LEFT JOIN m ON m.feed = f.author WHERE f.seq > coalesce(m.seq, 0))"

/* What witness_append lists, the feeds witnessed longest ago first. */
static const char moved_sql[] =
	LISTABLE_SQL " SELECT author, seq FROM f WHERE busy OR stale ORDER BY wseq, author LIMIT ?2";

struct head {
	uint8_t feed[KEY_ID_BYTES];
	uint64_t seq;
	uint8_t root[HB];
};

static int by_feed(const void *a, const void *b)
{
	return memcmp(((const struct head *)a)->feed, ((const struct head *)b)->feed,
		      KEY_ID_BYTES);
}

static int append_one(struct store *s, const struct key *k, struct head *h, size_t n)
{
	Mutua__WitnessedHead *wh = calloc(n, sizeof *wh);
	Mutua__WitnessedHead **ptr = calloc(n, sizeof *ptr);
	int rc = -1;
	if (!wh || !ptr) {
		err_set("out of memory");
		goto out;
	}
	qsort(h, n, sizeof *h, by_feed);
	for (size_t i = 0; i < n; i++) {
		mutua__witnessed_head__init(&wh[i]);
		wh[i].feed.data = h[i].feed;
		wh[i].feed.len = KEY_ID_BYTES;
		wh[i].seq = h[i].seq;
		wh[i].root.data = h[i].root;
		wh[i].root.len = HB;
		ptr[i] = &wh[i];
	}
	Mutua__Witness w = MUTUA__WITNESS__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	w.n_heads = n;
	w.heads = ptr;
	b.payload_case = MUTUA__BODY__PAYLOAD_WITNESS;
	b.witness = &w;
	rc = store_append(s, k, &b, NULL);
	/* what k's node listed last of each feed (witness_mine) */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		sqlite3_stmt *st = store_stmt(s,
			"INSERT INTO witness_mine(wauthor, feed, seq, wseq) VALUES (?1, ?2, ?3, ?4)"
			" ON CONFLICT(wauthor, feed) DO UPDATE SET seq = excluded.seq,"
			" wseq = excluded.wseq");
		if (!st) {
			rc = -1;
			break;
		}
		sqlite3_bind_blob(st, 1, k->id, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, h[i].feed, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)h[i].seq);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)b.seq);
		rc = store_step_done(s, st);
	}
out:
	free(wh);
	free(ptr);
	return rc;
}

int witness_append(struct store *s, const struct key *k, int64_t stale_before, size_t *heads,
		   size_t *entries)
{
	const size_t max = (size_t)WITNESS_HEADS_MAX * WITNESS_ENTRIES_MAX;
	struct head *h = NULL;
	size_t n = 0;
	int rc;
	*heads = *entries = 0;
	/* one transaction: the roots' frontiers and the entries together */
	if (store_begin(s, k, "a witness"))
		return -1;
	sqlite3_stmt *st = store_stmt(s, moved_sql);
	if (!st || !(h = malloc(max * sizeof *h))) {
		if (st)
			err_set("out of memory");
		goto fail;
	}
	sqlite3_bind_blob(st, 1, k->id, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	sqlite3_bind_int64(st, 3, stale_before);
	while ((rc = store_step_row(s, st)) == 1)
		if (sqlite3_column_bytes(st, 0) == KEY_ID_BYTES) {
			memcpy(h[n].feed, sqlite3_column_blob(st, 0), KEY_ID_BYTES);
			h[n++].seq = (uint64_t)sqlite3_column_int64(st, 1);
		}
	sqlite3_reset(st);
	if (rc < 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (witness_feed_root(s, h[i].feed, h[i].seq, h[i].root))
			goto fail;
	for (size_t at = 0; at < n; at += WITNESS_HEADS_MAX) {
		size_t take = n - at < WITNESS_HEADS_MAX ? n - at : WITNESS_HEADS_MAX;
		if (append_one(s, k, h + at, take))
			goto fail;
		(*entries)++;
	}
	if (store_commit(s, k))
		goto fail;
	*heads = n;
	free(h);
	return 0;
fail:
	store_rollback(s, k);
	free(h);
	*heads = *entries = 0;
	return -1;
}

/* floor(t / m) for any sign of t */
static int64_t floor_div(int64_t t, int64_t m)
{
	return t >= 0 ? t / m : -((-t + m - 1) / m);
}

/* The schedule while feeds gain entries: each member's node signs at its
 * own moment of the period, t = phase (mod every_ms), the phase set by the
 * first bytes of its key: nodes started together (or all busy since the
 * same append) do not all sign in the same second, which would change
 * every node's heads at once and make every comparison of heads differ.
 * Due at the first such moment at least every_ms / 2 after the last
 * witness: every_ms apart once in step, the first one every_ms / 2 to
 * 3 every_ms / 2 after the start. */
static int every_due(const uint8_t author[KEY_ID_BYTES], int64_t now, int64_t last,
		     int64_t every_ms)
{
	if (every_ms <= 1)
		return now - last >= every_ms;
	uint64_t h = 0;
	for (int i = 0; i < 8; i++)
		h = h << 8 | author[i];
	int64_t phase = (int64_t)(h % (uint64_t)every_ms);
	if (now - last < every_ms / 2)
		return 0;
	return floor_div(now - phase, every_ms) > floor_div(last + every_ms / 2 - phase, every_ms);
}

int witness_due(struct store *s, const uint8_t author[KEY_ID_BYTES], int64_t now,
		int64_t since, int64_t every_ms, int64_t idle_ms)
{
	uint8_t id[KEY_ID_BYTES];
	uint64_t end;
	int member = store_member_of(s, author, id, &end);
	if (member <= 0)
		return member;
	int current = member_is_current(s, id);
	if (current <= 0 || end != INT64_MAX)
		return current < 0 ? -1 : 0;
	int forked = store_fork_point(s, author, NULL);
	if (forked)
		return forked < 0 ? -1 : 0;
	/* when k last witnessed, and whether a feed is busy or stale
	 * (LISTABLE_SQL) */
	sqlite3_stmt *st = store_stmt(s, LISTABLE_SQL " SELECT (SELECT t FROM l),"
					 " EXISTS (SELECT 1 FROM f WHERE busy),"
					 " EXISTS (SELECT 1 FROM f WHERE stale)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, author, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now - idle_ms);
	int rc = store_step_row(s, st);
	int64_t last = rc == 1 ? sqlite3_column_int64(st, 0) : INT64_MIN;
	int busy = rc == 1 && sqlite3_column_int(st, 1);
	/* nothing is stale within idle_ms of the node's start either */
	int stale = rc == 1 && sqlite3_column_int(st, 2) && since <= now - idle_ms;
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (last < since)
		last = since;
	return (busy && (every_due(author, now, last, every_ms) || now - last >= idle_ms)) ||
	       stale;
}
