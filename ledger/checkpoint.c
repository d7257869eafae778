/* checkpoint.c - see checkpoint.h.
 *
 * Proof paths from partial data. Both proofs of merkle.h are lists of
 * MTH(D[lo:lo+cnt]) over disjoint runs of leaves, found by walking down
 * the tree (merkle.c); here the walk gives the runs first (struct runs),
 * then their hashes are found in one pass over the leaves in order, with
 * O(log n) memory however long the feed. A run is a node of the tree of
 * the final size n, so it is either a perfect subtree, aligned on its
 * width, or the nodes of n's frontier right of some point. The stream that
 * computes the root forms every perfect subtree of the leaves it is fed,
 * once each (tree_push): the path takes its hashes from there, then folds
 * the runs that end at n from the final frontier. A proof thus costs no
 * hash beyond those of the root.
 *
 * For a consistency proof from size m to n, the runs left of m are m's
 * frontier (as RFC 6962's SUBPROOF builds them) and those right of m lie
 * in the leaves m..n-1: with each checkpoint's frontier kept in the
 * checkpoints table, checking a new checkpoint reads and hashes only the
 * entries since the previous one.
 */
#include "checkpoint.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define HB MERKLE_HASH_BYTES
#define WIDTHS (sizeof(size_t) * CHAR_BIT)

_Static_assert(sizeof(size_t) >= sizeof(uint64_t), "feed sizes are held in size_t");

/* ---- proof paths as runs of leaves ------------------------------------ */

struct runs {
	size_t n;   /* the size of the tree walked */
	size_t len; /* hashes in the path */
	size_t lo[MERKLE_PATH_MAX], cnt[MERKLE_PATH_MAX];
	uint8_t path[MERKLE_PATH_MAX][HB]; /* path[i] = MTH(D[lo[i]:lo[i]+cnt[i]]) */
	uint8_t filled[MERKLE_PATH_MAX];
	/* by_width[j]: the perfect runs of width 2^j to take from the leaves
	 * (index + 1; 0 none). Two slots: runs that do not end at n have
	 * distinct widths (each level of the walk gives one narrower than the
	 * level above's), and at most one run ends at n (the sibling of the
	 * walk's first step left). */
	uint8_t by_width[WIDTHS][2];
	size_t to_fill;
};

/* The largest power of two smaller than n, for n >= 2. */
static size_t split(size_t n)
{
	size_t k = n - 1;
	while (k & (k - 1))
		k &= k - 1;
	return k;
}

static size_t bit_count(size_t x)
{
	size_t c = 0;
	for (; x; x &= x - 1)
		c++;
	return c;
}

static int log2_exact(size_t w)
{
	int j = 0;
	while (((size_t)1 << j) != w)
		j++;
	return j;
}

/* Stores the runs found walking down (root first) in path order (leaf
 * side first), as merkle.c writes its paths. */
static void runs_set(struct runs *r, size_t n, const size_t *dlo, const size_t *dcnt,
		     size_t d)
{
	memset(r, 0, sizeof *r);
	r->n = n;
	r->len = d;
	for (size_t j = 0; j < d; j++) {
		r->lo[d - 1 - j] = dlo[j];
		r->cnt[d - 1 - j] = dcnt[j];
	}
}

/* PATH(index, D[0:n]) of RFC 6962 2.1.1. */
static int runs_inclusion(struct runs *r, size_t index, size_t n)
{
	size_t dlo[MERKLE_PATH_MAX], dcnt[MERKLE_PATH_MAX], lo = 0, sz = n, i = index, d = 0;
	if (index >= n)
		return err_set("inclusion proof: leaf %zu is not in a tree of %zu", index, n);
	while (sz > 1) {
		size_t k = split(sz);
		if (d == MERKLE_PATH_MAX)
			return err_set("inclusion proof: too long");
		if (i < k) {
			dlo[d] = lo + k;
			dcnt[d++] = sz - k;
			sz = k;
		} else {
			dlo[d] = lo;
			dcnt[d++] = k;
			lo += k;
			i -= k;
			sz -= k;
		}
	}
	runs_set(r, n, dlo, dcnt, d);
	return 0;
}

/* PROOF(m, D[0:n]) of RFC 6962 2.1.2; empty for m == 0 (merkle.c). */
static int runs_consistency(struct runs *r, size_t m, size_t n)
{
	size_t dlo[MERKLE_PATH_MAX], dcnt[MERKLE_PATH_MAX], lo = 0, sz = n, mm = m, d = 0;
	int whole = 1; /* the old tree is still a node of the walk */
	if (m > n)
		return err_set("consistency proof: old size %zu is above new size %zu", m, n);
	if (m > 0) {
		while (mm != sz) {
			size_t k = split(sz);
			if (d == MERKLE_PATH_MAX - 1)
				return err_set("consistency proof: too long");
			if (mm <= k) {
				dlo[d] = lo + k;
				dcnt[d++] = sz - k;
				sz = k;
			} else {
				dlo[d] = lo;
				dcnt[d++] = k;
				lo += k;
				mm -= k;
				sz -= k;
				whole = 0;
			}
		}
		if (!whole) {
			dlo[d] = lo;
			dcnt[d++] = sz;
		}
	}
	runs_set(r, n, dlo, dcnt, d);
	return 0;
}

/* The runs left of old->n are nodes of old's frontier: copy them. */
static int runs_from_tree(struct runs *r, const struct merkle_stream *old)
{
	for (size_t k = 0; k < r->len; k++) {
		if (r->lo[k] >= old->n || r->filled[k])
			continue;
		size_t start = 0, j = 0;
		for (int bit = (int)WIDTHS - 1; bit >= 0 && !r->filled[k]; bit--) {
			size_t w = (size_t)1 << bit;
			if (!(old->n & w))
				continue;
			if (start == r->lo[k] && w == r->cnt[k]) {
				memcpy(r->path[k], old->node[j], HB);
				r->filled[k] = 1;
			}
			start += w;
			j++;
		}
		if (!r->filled[k])
			return err_set("consistency proof: a subtree left of size %zu is not in its "
				       "frontier", old->n);
	}
	return 0;
}

/* The perfect runs at or right of leaf from are to be taken from the
 * subtrees tree_push forms; the others end at n (runs_finish). */
static void runs_watch_from(struct runs *r, size_t from)
{
	for (size_t k = 0; k < r->len; k++) {
		if (r->lo[k] < from || r->filled[k] || (r->cnt[k] & (r->cnt[k] - 1)))
			continue;
		int j = log2_exact(r->cnt[k]);
		r->by_width[j][r->by_width[j][0] != 0] = (uint8_t)(k + 1);
		r->to_fill++;
	}
}

static void runs_offer(struct runs *r, size_t lo, int j, const uint8_t h[HB])
{
	for (int slot = 0; slot < 2; slot++) {
		int k = r->by_width[j][slot] - 1;
		if (k >= 0 && r->lo[k] == lo && !r->filled[k]) {
			memcpy(r->path[k], h, HB);
			r->filled[k] = 1;
			r->to_fill--;
		}
	}
}

/* merkle_stream_push (merkle.c), telling the nr runs r about each perfect
 * subtree it forms: the leaf, then one subtree per carry. */
static void tree_push(struct merkle_stream *s, const uint8_t leaf_hash[HB], struct runs *r,
		      size_t nr)
{
	uint8_t h[HB];
	size_t top = bit_count(s->n), pos = s->n;
	int j = 0;
	memcpy(h, leaf_hash, HB);
	for (size_t k = 0; k < nr; k++)
		if (r[k].to_fill)
			runs_offer(&r[k], pos, 0, h);
	for (size_t c = s->n; c & 1; c >>= 1) {
		merkle_node_hash(h, s->node[--top], h);
		j++;
		for (size_t k = 0; k < nr; k++)
			if (r[k].to_fill)
				runs_offer(&r[k], pos + 1 - ((size_t)1 << j), j, h);
	}
	memcpy(s->node[top], h, HB);
	s->n++;
}

/* The runs that end at t->n: folds of t's frontier nodes right of their
 * start. Then every run must have its hash. */
static int runs_finish(struct runs *r, const struct merkle_stream *t)
{
	size_t nodes = bit_count(t->n), starts[WIDTHS], start = 0, j = 0;
	for (int bit = (int)WIDTHS - 1; bit >= 0; bit--)
		if (t->n & ((size_t)1 << bit)) {
			starts[j++] = start;
			start += (size_t)1 << bit;
		}
	for (size_t k = 0; k < r->len; k++) {
		if (r->filled[k] || r->lo[k] + r->cnt[k] != t->n)
			continue;
		size_t i = nodes;
		while (i > 0 && starts[i - 1] > r->lo[k])
			i--;
		if (i == 0 || starts[i - 1] != r->lo[k])
			return err_set("proof: a run at %zu does not start on a node", r->lo[k]);
		uint8_t h[HB];
		memcpy(h, t->node[nodes - 1], HB);
		for (size_t x = nodes - 1; x > i - 1; x--)
			merkle_node_hash(h, t->node[x - 1], h);
		memcpy(r->path[k], h, HB);
		r->filled[k] = 1;
	}
	for (size_t k = 0; k < r->len; k++)
		if (!r->filled[k])
			return err_set("proof: leaves missing for the hash of %zu..%zu", r->lo[k],
				       r->lo[k] + r->cnt[k] - 1);
	return 0;
}

int checkpoint_consistency_proof(uint8_t (*path)[HB], size_t *path_len,
				 const struct merkle_stream *old, const uint8_t (*leaf_hashes)[HB],
				 size_t n)
{
	struct runs r;
	struct merkle_stream t = *old;
	if (runs_consistency(&r, old->n, n) || runs_from_tree(&r, old))
		return -1;
	runs_watch_from(&r, old->n);
	for (size_t pos = old->n; pos < n; pos++)
		tree_push(&t, leaf_hashes[pos - old->n], &r, 1);
	if (runs_finish(&r, &t))
		return -1;
	memcpy(path, r.path, r.len * HB);
	*path_len = r.len;
	return 0;
}

/* ---- the feed's tree from the store ----------------------------------- */

static int db_fail(struct store *s)
{
	return err_set("store: %s", sqlite3_errmsg(store_db(s)));
}

/* Feeds the ids of the author's entries from+1 .. to (leaves from .. to-1),
 * which must all be held, to the tree t (of from leaves), telling the nr
 * runs r. */
static int scan(struct store *s, const uint8_t *author, uint64_t to, struct merkle_stream *t,
		struct runs *r, size_t nr)
{
	uint64_t from = t->n;
	if (from >= to)
		return 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT seq, id FROM entries WHERE author = ?"
					 " AND seq > ? AND seq <= ? ORDER BY seq");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, author, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)to);
	uint64_t want = from + 1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint8_t h[HB];
		if ((uint64_t)sqlite3_column_int64(st, 0) != want ||
		    sqlite3_column_bytes(st, 1) != ENTRY_ID_BYTES)
			break;
		merkle_leaf_hash(h, sqlite3_column_blob(st, 1), ENTRY_ID_BYTES);
		tree_push(t, h, r, nr);
		want++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		db_fail(s);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (want != to + 1)
		return err_set("the feed's tree needs entry %llu, which is not held",
			       (unsigned long long)want);
	return 0;
}

struct cp_row {
	int found, valid;
	uint64_t seq, size;
	uint8_t root[HB];
	struct merkle_stream tree; /* the feed's real tree at size */
};

/* The newest checkpoint row of author with seq < before; valid_only: the
 * newest valid one. */
static int load_row(struct store *s, const uint8_t *author, uint64_t before, int valid_only,
		    struct cp_row *row)
{
	sqlite3_stmt *st = valid_only
		? store_stmt(s, "SELECT seq, size, root, tree, valid FROM checkpoints"
				" WHERE author = ? AND valid = 1 AND seq < ? ORDER BY seq DESC LIMIT 1")
		: store_stmt(s, "SELECT seq, size, root, tree, valid FROM checkpoints"
				" WHERE author = ? AND seq < ? ORDER BY seq DESC LIMIT 1");
	int rc = 0;
	row->found = 0;
	merkle_stream_init(&row->tree);
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, author, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, before > INT64_MAX ? INT64_MAX : (sqlite3_int64)before);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		row->found = 1;
		row->seq = (uint64_t)sqlite3_column_int64(st, 0);
		row->size = (uint64_t)sqlite3_column_int64(st, 1);
		row->valid = sqlite3_column_int(st, 4);
		size_t tl = (size_t)sqlite3_column_bytes(st, 3);
		if (sqlite3_column_bytes(st, 2) != HB || tl != bit_count(row->size) * HB) {
			rc = err_set("stored checkpoint at seq %llu is damaged: run 'mutua reindex'",
				     (unsigned long long)row->seq);
		} else {
			memcpy(row->root, sqlite3_column_blob(st, 2), HB);
			row->tree.n = row->size;
			if (tl)
				memcpy(row->tree.node, sqlite3_column_blob(st, 3), tl);
		}
	} else if (step != SQLITE_DONE) {
		rc = db_fail(s);
	}
	sqlite3_reset(st);
	return rc;
}

int checkpoint_fold(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	const Mutua__Checkpoint *cp = b->checkpoint;
	const uint8_t *author = b->author.data;
	struct cp_row last, good;
	struct runs r;
	struct merkle_stream tree;
	uint8_t root[HB];
	const char *why = NULL;

	if (b->payload_case != MUTUA__BODY__PAYLOAD_CHECKPOINT)
		return err_set("not a checkpoint");
	size_t n = (size_t)cp->size; /* seq - 1: entry_decode checked it */
	if (load_row(s, author, b->seq, 0, &last))
		return -1;
	/* usually the previous checkpoint is valid: one row for both */
	if (last.found && !last.valid) {
		if (load_row(s, author, b->seq, 1, &good))
			return -1;
	} else {
		good = last;
	}
	/* the real tree at n, from the previous checkpoint's (valid or not:
	 * its tree is the feed's own either way) */
	tree = last.tree;
	int along = good.found && good.seq == last.seq;
	if (good.found && (runs_consistency(&r, good.size, n) || runs_from_tree(&r, &good.tree)))
		return -1;
	if (along) /* the same pass gives the proof's hashes right of it */
		runs_watch_from(&r, good.size);
	if (scan(s, author, n, &tree, &r, along))
		return -1;
	merkle_stream_root(root, &tree);
	if (memcmp(root, cp->root.data, HB) != 0) {
		why = CHECKPOINT_BAD_ROOT;
	} else if (good.found) {
		if (!along) {
			/* only invalid checkpoints since the last valid one */
			struct merkle_stream again = good.tree;
			runs_watch_from(&r, good.size);
			if (scan(s, author, n, &again, &r, 1))
				return -1;
		}
		if (runs_finish(&r, &tree))
			return -1;
		if (merkle_consistency_verify(good.size, n, good.root, cp->root.data,
					      (const uint8_t(*)[HB])r.path, r.len))
			why = CHECKPOINT_INCONSISTENT;
	}

	sqlite3_stmt *st = store_stmt(s, "INSERT INTO checkpoints(author, seq, size, root, valid,"
					 " why, tree) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, author, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)b->seq);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)n);
	sqlite3_bind_blob(st, 4, cp->root.data, HB, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, why == NULL);
	if (why)
		sqlite3_bind_text(st, 6, why, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, tree.node, (int)(bit_count(tree.n) * HB), SQLITE_STATIC);
	if (store_step_done(s, st))
		return -1;
	if (!why)
		return 0;
	st = store_stmt(s, "INSERT OR IGNORE INTO faults(author, seq, reason) VALUES (?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, author, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)b->seq);
	sqlite3_bind_text(st, 3, why, -1, SQLITE_STATIC);
	return store_step_done(s, st);
}

int checkpoint_latest(struct store *s, const uint8_t author[KEY_ID_BYTES],
		      struct checkpoint_ref *out)
{
	struct cp_row row;
	if (load_row(s, author, INT64_MAX, 1, &row))
		return -1;
	if (!row.found)
		return 0;
	out->seq = row.seq;
	out->size = row.size;
	memcpy(out->root, row.root, HB);
	return 1;
}

int checkpoint_feed_tree(struct store *s, const uint8_t author[KEY_ID_BYTES], uint64_t size,
			 const struct merkle_stream *from, struct merkle_stream *out)
{
	struct cp_row last;
	/* a checkpoint at seq <= size + 1 has a tree of at most size leaves */
	if (load_row(s, author, size + 2, 0, &last))
		return -1;
	if (from && from->n <= size && from->n > last.tree.n)
		*out = *from;
	else
		*out = last.tree;
	return scan(s, author, size, out, NULL, 0);
}

int checkpoint_feed_root(struct store *s, const uint8_t author[KEY_ID_BYTES], uint64_t size,
			 uint8_t root[HB])
{
	struct merkle_stream t;
	if (checkpoint_feed_tree(s, author, size, NULL, &t))
		return -1;
	merkle_stream_root(root, &t);
	return 0;
}

int checkpoint_inclusion_proofs(struct store *s, const uint8_t author[KEY_ID_BYTES],
				uint64_t size, size_t n, const uint64_t *seqs,
				uint8_t (*paths)[MERKLE_PATH_MAX][HB], size_t *path_lens)
{
	struct runs r[CHECKPOINT_PROOFS_MAX];
	struct merkle_stream t;
	if (n > CHECKPOINT_PROOFS_MAX)
		return err_set("%zu inclusion proofs asked at once, at most %d", n,
			       CHECKPOINT_PROOFS_MAX);
	for (size_t i = 0; i < n; i++) {
		if (seqs[i] < 1 || seqs[i] > size)
			return err_set("entry %llu is not in a tree of %llu entries",
				       (unsigned long long)seqs[i], (unsigned long long)size);
		if (runs_inclusion(&r[i], (size_t)(seqs[i] - 1), (size_t)size))
			return -1;
		runs_watch_from(&r[i], 0);
	}
	merkle_stream_init(&t);
	if (scan(s, author, size, &t, r, n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (runs_finish(&r[i], &t))
			return -1;
		memcpy(paths[i], r[i].path, r[i].len * HB);
		path_lens[i] = r[i].len;
	}
	return 0;
}

/* The first column of the first row (0 when none) of a query on ?1 =
 * author and, if it has one, ?2 = seq. Rare queries: not cached. */
static int query_int(struct store *s, const char *sql, const uint8_t *author, uint64_t seq,
		     int64_t *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL))
		return db_fail(s);
	sqlite3_bind_blob(st, 1, author, KEY_ID_BYTES, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(s);
}

int checkpoint_append(struct store *s, const struct key *k, uint8_t id_out[ENTRY_ID_BYTES],
		      uint64_t *seq_out)
{
	/* the root is computed before store_append takes the write lock: if
	 * another writer appends meanwhile, the entry fails its size check
	 * and we start again */
	for (int tries = 0; tries < 3; tries++) {
		uint64_t head, now;
		int64_t is_cp;
		uint8_t root[HB];
		if (store_head(s, k->id, &head, NULL))
			return -1;
		if (head == 0)
			return err_set("this member's feed is empty: nothing to checkpoint");
		if (query_int(s, "SELECT type = 'checkpoint' FROM entries WHERE author = ?1"
				 " AND seq = ?2", k->id, head, &is_cp))
			return -1;
		if (is_cp)
			return err_set("this member's last entry (seq %llu) is already a checkpoint",
				       (unsigned long long)head);
		if (checkpoint_feed_root(s, k->id, head, root))
			return -1;
		Mutua__Body b = MUTUA__BODY__INIT;
		Mutua__Checkpoint c = MUTUA__CHECKPOINT__INIT;
		c.size = head;
		c.root.data = root;
		c.root.len = HB;
		b.payload_case = MUTUA__BODY__PAYLOAD_CHECKPOINT;
		b.checkpoint = &c;
		if (store_append(s, k, &b, id_out) == 0) {
			if (seq_out)
				*seq_out = head + 1;
			return 0;
		}
		char why[256];
		snprintf(why, sizeof why, "%s", err_msg());
		if (store_head(s, k->id, &now, NULL) || now == head)
			return err_set("%s", why);
	}
	return err_set("this member's feed keeps growing: try the checkpoint again");
}

int checkpoint_due(struct store *s, const uint8_t author[KEY_ID_BYTES], int64_t now)
{
	int64_t v, last;
	uint64_t head;
	uint8_t id[KEY_ID_BYTES];
	uint64_t end;
	int member = store_member_of(s, author, id, &end);
	if (member <= 0)
		return member;
	int out = store_excluded_at(s, id, NULL);
	if (out < 0)
		return -1;
	if (out || end != INT64_MAX)
		return 0; /* out, or a key replaced: its feed takes no more */
	int forked = store_fork_point(s, author, NULL);
	if (forked)
		return forked < 0 ? -1 : 0; /* doctor tells the operator; appends are refused */
	if (store_head(s, author, &head, NULL) ||
	    query_int(s, "SELECT coalesce(max(seq), 0) FROM checkpoints WHERE author = ?1",
		      author, 0, &last))
		return -1;
	if (head <= (uint64_t)last)
		return 0;
	if (head - (uint64_t)last >= CHECKPOINT_EVERY)
		return 1;
	/* the oldest entry no checkpoint covers yet */
	if (query_int(s, "SELECT time FROM entries WHERE author = ?1 AND seq = ?2", author,
		      (uint64_t)last + 1, &v))
		return -1;
	return now - v >= CHECKPOINT_AGE_MS;
}
