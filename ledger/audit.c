/* audit.c - see audit.h.
 *
 * The history is read once, in order: the genesis, then entries by feed,
 * then fork proofs. Entries are decoded on the main thread and gathered in
 * chunks; each chunk's signatures are checked by worker threads while the
 * main thread checks the previous chunk's chains, inserts it into a
 * scratch store and decodes the next chunk. The scratch store's fold (the
 * very code every node runs) rebuilds members, resources and loans, and
 * checks every checkpoint and witness. The lending
 * rules are then checked on the scratch store: every step the fold
 * ignored, every instant a resource is lent beyond its capacity, and the
 * balances; and every checkpoint the fold found false is reported.
 */
#include "audit.h"
#include "staff.h"
#include "booking.h"
#include "bundle.h"
#include "federation.h"
#include "history.h"
#include "ignored.h"
#include "lending.h"
#include "refusal.h"
#include "schema.h"
#include "sigcheck.h"
#include "util.h"
#include "store_int.h"
#include "witness.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FEEDS_MAX 100000

/* ---- sources: a bundle file or a store, as bundle records ------------- */

struct source {
	struct bundle_reader *br;
	struct history *h;
};

static int source_next(struct source *src, int *type, const uint8_t **data, size_t *len)
{
	return src->br ? bundle_next(src->br, type, data, len)
		       : history_next(src->h, type, data, len);
}

/* ---- the audit -------------------------------------------------------- */

struct feed {
	uint8_t author[32];
	uint64_t bad;       /* entries refused after the chain broke */
	uint64_t bad_seq;   /* the seq of the first of them */
	int member, broken;
	const char *stopped; /* the rule by which the scratch store refused
			      * this feed's entries (exclusion, fork), or NULL */
};

struct audit {
	const struct audit_opts *o;
	struct audit_summary *sum;
	struct store *scratch;
	struct feed *feeds;
	size_t nfeeds;
};

static void member_name(struct audit *a, const uint8_t *id, char *out, size_t n)
{
	sqlite3_stmt *st;
	*out = 0;
	if (sqlite3_prepare_v2(store_db(a->scratch), "SELECT name FROM members WHERE id ="
			       " coalesce((SELECT member FROM keys WHERE key = ?1), ?1)",
			       -1, &st, NULL))
		return;
	sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, n, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static void issue(struct audit *a, const uint8_t *member, uint64_t seq, const char *rule,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void issue(struct audit *a, const uint8_t *member, uint64_t seq, const char *rule,
		  const char *fmt, ...)
{
	struct audit_issue v = {0};
	va_list ap;
	if (member) {
		hex_encode(v.member, member, 32);
		member_name(a, member, v.name, sizeof v.name);
	}
	v.seq = seq;
	v.rule = rule;
	va_start(ap, fmt);
	vsnprintf(v.detail, sizeof v.detail, fmt, ap);
	va_end(ap);
	a->sum->issues++;
	if (a->o->on_issue)
		a->o->on_issue(a->o->arg, &v);
}

/* A record whose body entry_decode refused (its reason in err_msg(), the
 * very check a node applies to what it receives): reported at the feed and
 * seq the body names when its protobuf reads that far, else at the
 * record's position in the bundle ("entry record 3"). */
static void issue_format(struct audit *a, const char *what, uint64_t pos, const uint8_t *body,
			 size_t len)
{
	char why[300];
	snprintf(why, sizeof why, "%s", err_msg());
	Mutua__Body *b = len && len <= ENTRY_BODY_MAX ? mutua__body__unpack(NULL, len, body) : NULL;
	if (b && b->author.len == 32 && b->seq >= 1 && b->seq <= INT64_MAX)
		issue(a, b->author.data, b->seq, "format", "%s%s",
		      strcmp(what, "fork") ? "" : "fork proof entry: ", why);
	else
		issue(a, NULL, 0, "format", "%s record %llu: %s", what, (unsigned long long)pos, why);
	if (b)
		mutua__body__free_unpacked(b, NULL);
}

static struct feed *feed_of(struct audit *a, const uint8_t *author)
{
	for (size_t i = 0; i < a->nfeeds; i++)
		if (memcmp(a->feeds[i].author, author, 32) == 0)
			return &a->feeds[i];
	if (a->nfeeds == FEEDS_MAX)
		return NULL;
	if ((a->nfeeds & (a->nfeeds - 1)) == 0) {
		void *more = realloc(a->feeds, (a->nfeeds ? 2 * a->nfeeds : 16) * sizeof *a->feeds);
		if (!more)
			return NULL;
		a->feeds = more;
	}
	struct feed *f = &a->feeds[a->nfeeds++];
	memset(f, 0, sizeof *f);
	memcpy(f->author, author, 32);
	f->member = store_member_of(a->scratch, author, NULL, NULL) == 1;
	a->sum->feeds++;
	return f;
}

/* Records e, validly signed, as the other side of a fork through the
 * store's own rule (store_add_fork: a member's entry at a seq where
 * another, checked, entry is held), and reports the fork, or why e proves
 * none. */
static void add_fork(struct audit *a, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	uint8_t id[32];
	int rc = store_add_fork(a->scratch, e);
	if (rc < 0) {
		issue(a, b->author.data, b->seq, "fork", "%s", err_msg());
		return;
	}
	if (rc == 0) /* the same proof again: nothing new */
		return;
	char h1[HEX_ID_LEN + 1] = "?", h2[HEX_ID_LEN + 1];
	if (store_held_id(a->scratch, b->author.data, b->seq, id, NULL) == 1)
		hex_encode(h1, id, 32);
	hex_encode(h2, e->id, 32);
	a->sum->forks++;
	issue(a, b->author.data, b->seq, "fork", "two different signed entries at seq %llu: %s and %s",
	      (unsigned long long)b->seq, h1, h2);
}

/* A second entry at a seq already held in scratch: a fork when both are
 * validly signed (e's signature is known good here, and the held one's
 * was checked before it was inserted). */
static int check_duplicate(struct audit *a, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	uint8_t id[32];
	int held = store_held_id(a->scratch, b->author.data, b->seq, id, NULL);
	if (held < 0)
		return -1;
	if (held && memcmp(id, e->id, 32) == 0)
		issue(a, b->author.data, b->seq, "chain", "entry appears twice");
	else if (held)
		add_fork(a, e);
	return 0;
}

/* Keeps a validly signed entry of a feed that is not a member's, yet:
 * feeds come in the order of their authors' ids, so a member admitted by
 * proposals and votes in feeds further on is known only once they are in
 * (take_pending). */
static int stash(struct audit *a, const struct entry *e)
{
	sqlite3 *db = store_db(a->scratch);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "INSERT INTO audit_pending(author, seq, body, sig)"
			       " VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL))
		return err_set("scratch store: %s", sqlite3_errmsg(db));
	sqlite3_bind_blob(st, 1, e->b->author.data, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)e->b->seq);
	sqlite3_bind_blob(st, 3, e->body, (int)e->body_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, e->sig, 64, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0
		 : err_set("scratch store: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

/* Inserts a run of one feed that passed the chain checks; the scratch
 * store may still refuse its tail (entries past a fork point, or after
 * the member's exclusion): that is reported, and the feed stops there. */
static int insert_good(struct audit *a, struct feed *f, struct entry *e, size_t n)
{
	struct batch_result r;
	char why[300];
	if (store_insert_entries(a->scratch, e, n, 1, &r))
		return -1;
	if (r.rejected) {
		snprintf(why, sizeof why, "%s", err_msg());
		f->stopped = strstr(why, "excluded") ? "membership"
			     : strstr(why, "replaced") ? "keys"
			     : strstr(why, "forked") ? "fork" : "chain";
		issue(a, f->author, r.author_seq + 1, f->stopped, "%zu entr%s not accepted: %s",
		      r.rejected, r.rejected == 1 ? "y" : "ies", why);
	} else if (r.held) {
		/* a node would hold them until its clock catches up (invariant 9) */
		f->stopped = "time";
		issue(a, f->author, r.author_seq + 1, f->stopped,
		      "%zu entr%s dated more than %lld minutes ahead of this machine's "
		      "clock: not counted (check this clock, or audit again later)",
		      r.held, r.held == 1 ? "y" : "ies", ENTRY_AHEAD_MAX_MS / 60000);
	}
	return 0;
}

/* Checks the chains of a verified chunk and inserts what holds. */
static int take_chunk(struct audit *a, struct sigcheck_chunk *c)
{
	size_t i = 0;
	while (i < c->n) {
		if (!c->decoded[i]) {
			i++;
			continue;
		}
		const uint8_t *author = c->e[i].b->author.data;
		size_t j = i;
		while (j < c->n && c->decoded[j] && !memcmp(c->e[j].b->author.data, author, 32))
			j++;
		struct feed *f = feed_of(a, author);
		if (!f)
			return err_set("too many feeds");
		if (!f->member) /* admitted since it was first seen? */
			f->member = store_member_of(a->scratch, author, NULL, NULL) == 1;
		struct feed_head fh;
		if (store_feed_head(a->scratch, author, &fh))
			return -1;
		uint64_t head = fh.seq;
		size_t good_start = 0, ngood = 0;
		for (size_t k = i; k < j; k++) {
			struct entry *e = &c->e[k];
			const Mutua__Body *b = e->b;
			a->sum->entries++;
			if (memcmp(b->federation.data, a->sum->fed_id, 32)) {
				issue(a, author, b->seq, "federation", REFUSAL_OTHER_FEDERATION);
				continue;
			}
			if (!c->ok[k]) {
				issue(a, author, b->seq, "signature", REFUSAL_BAD_SIGNATURE,
				      (unsigned long long)b->seq);
				f->broken = 1;
				continue;
			}
			if (!f->member) {
				if (stash(a, e))
					return -1;
				continue;
			}
			if (f->stopped) {
				if (f->bad++ == 0)
					f->bad_seq = b->seq;
				continue;
			}
			if (b->seq <= head) {
				/* what precedes must be in scratch to be compared */
				if (ngood && insert_good(a, f, &c->e[good_start], ngood))
					return -1;
				ngood = 0;
				if (check_duplicate(a, e))
					return -1;
				continue;
			}
			char why[256];
			enum entry_extends x = entry_extends(e, head, fh.link, fh.time, why,
							     sizeof why);
			if (x != ENTRY_EXTENDS) {
				if (f->bad++ == 0) {
					f->bad_seq = b->seq;
					issue(a, author, b->seq, x == ENTRY_TIME_BACK ? "time" : "chain",
					      "%s", why);
				}
				continue;
			}
			if (ngood == 0)
				good_start = k;
			else if (good_start + ngood != k) {
				/* not contiguous in the chunk: insert what we have */
				if (insert_good(a, f, &c->e[good_start], ngood))
					return -1;
				good_start = k;
				ngood = 0;
			}
			ngood++;
			head = fh.seq = b->seq;
			entry_link(fh.link, e->id, e->sig);
			fh.time = b->time;
		}
		if (ngood && insert_good(a, f, &c->e[good_start], ngood))
			return -1;
		i = j;
	}
	return 0;
}

/* One issue per feed that sql (author, first seq, count, the key's last
 * seq) finds: entries the store refuses (past the key's end: a rotation,
 * a rekey or an exclusion's cut), stored before the scratch store knew
 * it did; worded as the store words its refusal. */
static int report_late(struct audit *a, const char *sql)
{
	sqlite3 *db = store_db(a->scratch);
	sqlite3_stmt *st;
	int rc;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		return err_set("scratch store: %s", sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char why[200];
		unsigned long long seq = (unsigned long long)sqlite3_column_int64(st, 1);
		long long n = sqlite3_column_int64(st, 2);
		int excluded = sqlite3_column_int(st, 4);
		err_fmt(why, sizeof why, excluded ? REFUSAL_EXCLUDED : REFUSAL_KEY_ENDED,
			 (unsigned long long)sqlite3_column_int64(st, 3), seq);
		issue(a, sqlite3_column_blob(st, 0), seq, excluded ? "membership" : "keys",
		      "%lld entr%s not accepted: %s", n, n == 1 ? "y" : "ies", why);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : err_set("scratch store: %s", sqlite3_errmsg(db));
}

/* The first stashed feed, in bundle order, whose author the history has
 * made a member since (the store's own predicate, store_member_of):
 * 1 found, 0 none, -1. */
static int next_admitted(struct audit *a, uint8_t author[32])
{
	sqlite3 *db = store_db(a->scratch);
	sqlite3_stmt *st;
	int rc, found = 0;
	if (sqlite3_prepare_v2(db, "SELECT author FROM audit_pending GROUP BY author"
			       " ORDER BY min(k)", -1, &st, NULL))
		return err_set("scratch store: %s", sqlite3_errmsg(db));
	while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int m = store_member_of(a->scratch, sqlite3_column_blob(st, 0), NULL, NULL);
		if (m < 0) {
			sqlite3_finalize(st);
			return -1;
		}
		if (m) {
			memcpy(author, sqlite3_column_blob(st, 0), 32);
			found = 1;
		}
	}
	if (!found && rc != SQLITE_DONE)
		found = err_set("scratch store: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return found;
}

/* What is left stashed is the work of keys that never were members': the
 * first entry of each such feed is offered to the scratch store, whose
 * refusal (the one a node gives) is the reason reported. */
static int report_strangers(struct audit *a)
{
	sqlite3 *db = store_db(a->scratch);
	sqlite3_stmt *st;
	int rc;
	if (sqlite3_prepare_v2(db, "SELECT p.seq, p.body, p.sig, g.n FROM (SELECT author,"
			       " min(k) AS k, count(*) AS n FROM audit_pending GROUP BY author) g"
			       " JOIN audit_pending p ON p.k = g.k ORDER BY g.k", -1, &st, NULL))
		return err_set("scratch store: %s", sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct entry e;
		struct batch_result r;
		long long n = sqlite3_column_int64(st, 3);
		if (entry_decode(&e, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
				 sqlite3_column_blob(st, 2), 64) ||
		    store_insert_entries(a->scratch, &e, 1, 1, &r)) {
			sqlite3_finalize(st);
			return -1;
		}
		if (r.added) { /* cannot be: the author is no member */
			entry_free(&e);
			sqlite3_finalize(st);
			return err_set("scratch store: a stranger's entry was taken");
		}
		issue(a, e.b->author.data, e.b->seq, "membership", "%lld entr%s not accepted: %s", n,
		      n == 1 ? "y" : "ies", err_msg());
		entry_free(&e);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : err_set("scratch store: %s", sqlite3_errmsg(db));
}

/* The stashed feeds whose authors the history has made members since,
 * in turn (a newcomer may vote for the next); what is left is the work
 * of keys that never were members'. */
static int take_pending(struct audit *a, struct sigcheck_chunk *c)
{
	sqlite3 *db = store_db(a->scratch);
	sqlite3_stmt *st;
	uint8_t author[32];
	int found;
	while ((found = next_admitted(a, author)) == 1) {
		/* in bundle order, a chunk at a time */
		for (;;) {
			sqlite3_int64 last = 0;
			int rc;
			if (sqlite3_prepare_v2(db, "SELECT k, body, sig FROM audit_pending"
					       " WHERE author = ?1 ORDER BY k LIMIT ?2", -1, &st, NULL))
				return err_set("scratch store: %s", sqlite3_errmsg(db));
			sqlite3_bind_blob(st, 1, author, 32, SQLITE_STATIC);
			sqlite3_bind_int(st, 2, SIGCHECK_CHUNK);
			while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
				size_t i = c->n++;
				last = sqlite3_column_int64(st, 0);
				c->decoded[i] = entry_decode(&c->e[i], sqlite3_column_blob(st, 1),
							     (size_t)sqlite3_column_bytes(st, 1),
							     sqlite3_column_blob(st, 2), 64) == 0;
				c->ok[i] = c->decoded[i];
			}
			sqlite3_finalize(st);
			if (rc != SQLITE_DONE) {
				sigcheck_clear(c);
				return err_set("scratch store: %s", sqlite3_errmsg(db));
			}
			if (!c->n)
				break;
			a->sum->entries -= c->n; /* counted when first read */
			rc = take_chunk(a, c);
			sigcheck_clear(c);
			if (rc)
				return -1;
			if (sqlite3_prepare_v2(db, "DELETE FROM audit_pending WHERE author = ?1"
					       " AND k <= ?2", -1, &st, NULL))
				return err_set("scratch store: %s", sqlite3_errmsg(db));
			sqlite3_bind_blob(st, 1, author, 32, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, last);
			rc = sqlite3_step(st);
			sqlite3_finalize(st);
			if (rc != SQLITE_DONE)
				return err_set("scratch store: %s", sqlite3_errmsg(db));
		}
	}
	if (found < 0 || report_strangers(a))
		return -1;
	/* what a key signed past the seq where a rekey or an exclusion cut
	 * its feed, when the scratch store learnt of the cut only later: the
	 * refold left it out (void_feeds), and it is its author's, no one
	 * else's */
	if (report_late(a, "SELECT e.author, v.last + 1, count(*), v.last, EXISTS (SELECT 1"
			   " FROM members m WHERE m.excluded_by IS NOT NULL AND m.id ="
			   " coalesce((SELECT member FROM keys WHERE key = v.author), v.author))"
			   " FROM void_feeds v JOIN entries e ON e.author = v.author"
			   " AND e.seq > v.last GROUP BY e.author ORDER BY e.author"))
		return -1;
	return 0;
}

/* Checkpoints the fold found false (checkpoint.c): signed evidence that
 * the author misstated its own feed. */
static int check_checkpoints(struct audit *a)
{
	sqlite3 *db = store_db(a->scratch);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT author, seq, size, why FROM checkpoints WHERE NOT valid"
				   " ORDER BY author, seq", -1, &st, NULL))
		return err_set("scratch store: %s", sqlite3_errmsg(db));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		issue(a, sqlite3_column_blob(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
		      "checkpoint", "%s (checkpoint of the first %lld entries)",
		      sqlite3_column_text(st, 3), sqlite3_column_int64(st, 2));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : err_set("scratch store: %s", sqlite3_errmsg(db));
}

/* The fork proofs of the history (FORK records), against the entries. */
static int check_forks(struct audit *a)
{
	sqlite3 *db = store_db(a->scratch);
	sqlite3_stmt *st;
	int rc;
	if (sqlite3_prepare_v2(db, "SELECT body, sig FROM audit_forks ORDER BY k", -1, &st, NULL))
		return err_set("scratch store: %s", sqlite3_errmsg(db));
	uint64_t k = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct entry e;
		const uint8_t *body = sqlite3_column_blob(st, 0);
		size_t bl = (size_t)sqlite3_column_bytes(st, 0);
		k++;
		if (entry_decode(&e, body, bl, sqlite3_column_blob(st, 1), 64)) {
			issue_format(a, "fork", k, body, bl);
			continue;
		}
		if (entry_verify(&e))
			issue(a, e.b->author.data, e.b->seq, "signature",
			      "fork proof entry with a bad signature");
		else
			add_fork(a, &e);
		entry_free(&e);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : err_set("scratch store: %s", sqlite3_errmsg(db));
}

/* The witnesses (witness.h): two roots for one size of a feed (rule c),
 * entries that a witness shows backdated (rule a), and how many feeds the
 * history leaves before a head others witnessed (rule b: not an issue,
 * the history's completeness; cmd_audit lists them). */
static int check_witnesses(struct audit *a)
{
	sqlite3 *db = store_db(a->scratch);
	sqlite3_stmt *st;
	int rc;
	if (sqlite3_prepare_v2(db,
			       "SELECT f.feed, f.size, (SELECT group_concat(lower(substr(hex(r.root), 1,"
			       " 12)) || ' by ' || coalesce((SELECT name FROM members m WHERE m.id ="
			       " coalesce((SELECT member FROM keys k WHERE k.key = r.signer), r.signer)),"
			       " CASE WHEN r.signer IS NULL THEN 'its entries' ELSE '?' END), ', ')"
			       " FROM (SELECT DISTINCT root, signer FROM witnessed_roots r"
			       "  WHERE r.feed = f.feed AND r.size = f.size) r)"
			       " FROM witness_forks f ORDER BY f.feed", -1, &st, NULL))
		return err_set("scratch store: %s", sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a->sum->forks++;
		issue(a, sqlite3_column_blob(st, 0), 0, "fork",
		      "two roots for its first %lld entries: %s", sqlite3_column_int64(st, 1),
		      sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return err_set("scratch store: %s", sqlite3_errmsg(db));
	if (sqlite3_prepare_v2(db,
			       /* the floor below the entry: the latest time another
				* member witnessed the feed before it, who and at
				* which head (witness_floor, witness.c) */
			       "SELECT b.author, b.seq, e.type, e.time, w.at, w.time,"
			       " coalesce((SELECT name FROM members m WHERE m.id = w.witness), '?')"
			       " FROM backdated b JOIN entries e ON e.id = b.id"
			       " JOIN witness_floor w ON w.feed = b.author AND w.seq = (SELECT"
			       "  max(x.seq) FROM witness_floor x WHERE x.feed = b.author"
			       "  AND x.seq < b.seq)"
			       " AND w.at IS NOT NULL AND w.time - ?1 > e.time"
			       " ORDER BY b.author, b.seq", -1, &st, NULL))
		return err_set("scratch store: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, WITNESS_SLACK_MS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char t[CLOCK_BUF], wt[CLOCK_BUF];
		clock_format_utc(t, sqlite3_column_int64(st, 3));
		clock_format_utc(wt, sqlite3_column_int64(st, 5));
		issue(a, sqlite3_column_blob(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
		      "backdated", "%s claims %s, but %s witnessed this feed ending at seq %lld"
		      " at %s: it has no effect", sqlite3_column_text(st, 2), t,
		      sqlite3_column_text(st, 6), sqlite3_column_int64(st, 4), wt);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return err_set("scratch store: %s", sqlite3_errmsg(db));
	if (sqlite3_prepare_v2(db, "SELECT count(*) FILTER (WHERE coalesce(f.seq, 0) < w.seq),"
				   " count(*) FROM witnessed_heads w LEFT JOIN feeds f"
				   " ON f.author = w.feed", -1, &st, NULL))
		return err_set("scratch store: %s", sqlite3_errmsg(db));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		a->sum->incomplete = (uint64_t)sqlite3_column_int64(st, 0);
		a->sum->witnessed = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : err_set("scratch store: %s", sqlite3_errmsg(db));
}

/* The entries every node leaves out, each named by the audit in the
 * words of the rule that left it out: the verdicts the fold stored
 * (governance.c's for tallies and proposals, lending.c's for loan steps
 * and requests) and the queries of the modules whose rule words its
 * verdict in SQL (booking.c, staff.c), in this order. Each query's
 * columns are ignored.h's; fmt takes its text columns as strings. */
static const struct left_out {
	const char *rule;
	const char *sql;
	const char *fmt;
	const char *param; /* bound to ?1 */
} left_out[] = {
	/* tallies the count did not take for what they are (governance.c,
	 * check_tally): each is its author's */
	{"governance",
	 "SELECT author, seq, lower(hex(proposal)), verdict FROM tallies"
	 " WHERE verdict IS NOT NULL ORDER BY author, seq",
	 "tally of proposal %.12s ignored: %s"},
	/* proposals the count does not take: their author past a budget
	 * (governance.h: open-proposals, reason-max) */
	{"governance",
	 "SELECT key, seq, lower(hex(id)), verdict FROM proposals"
	 " WHERE verdict IS NOT NULL AND key IS NOT NULL ORDER BY key, seq",
	 "proposal %.12s ignored: %s"},
	/* loan steps the fold ignored */
	{"lending",
	 "SELECT author, seq, type, lower(hex(request)), verdict FROM loan_events"
	 " WHERE verdict IS NOT NULL ORDER BY author, seq",
	 "%s of request %.12s ignored: %s"},
	/* requests that cannot stand */
	{"lending",
	 "SELECT borrower, seq, CASE WHEN owner IS NULL"
	 " THEN 'request for a resource no feed offers'"
	 " ELSE 'request ignored: ' || ?1 END"
	 " FROM loans WHERE state = 'invalid' OR owner IS NULL",
	 "%s", LENDING_OWN_REQUEST},
	{"lending", booking_ignored_sql, "%s of %.12s ignored: %s"},
	{"staff", staff_ignored_sql, "revocation of %.12s ignored: %s"},
	/* an entry a staff person signed that no delegation covers: without
	 * effect on every node */
	{"staff", staff_acts_ignored_sql, "%s signed by staff key %.12s without effect: %s"},
};

struct left_out_arg {
	struct audit *a;
	const struct left_out *l;
};

static void name_left_out(void *arg, const struct ignored_row *r)
{
	const struct left_out_arg *x = arg;
	issue(x->a, r->member, r->seq, x->l->rule, x->l->fmt, r->text[0], r->text[1], r->text[2]);
}

static int check_left_out(struct audit *a)
{
	for (size_t i = 0; i < sizeof left_out / sizeof *left_out; i++) {
		struct left_out_arg x = {a, &left_out[i]};
		if (ignored_each(a->scratch, left_out[i].sql, left_out[i].param, name_left_out, &x))
			return -1; /* store_stmt or store_db_error said why */
	}
	return 0;
}

/* Lending and balances, on the rebuilt state: over-booking and the rest. */
static int check_lending(struct audit *a)
{
	sqlite3 *db = store_db(a->scratch);
	sqlite3_stmt *st;
	int rc;
	/* over-booking: sweep each resource's holding loans in time order;
	 * the accept that makes the use exceed the capacity is the owner's
	 * misbehaviour, shown by its own feed: of the loans in use at that
	 * instant, the one accepted last (not the one starting last), and
	 * the reason is the booking rule's for it beside the others */
	if (sqlite3_prepare_v2(db,
			       "SELECT l.resource, r.capacity, r.title, l.start_ms, l.end_ms,"
			       " l.quantity, l.id, l.owner,"
			       " (SELECT v.seq FROM loan_events v"
			       "  WHERE v.request = l.id AND v.type = 'accept' AND v.verdict IS NULL),"
			       " coalesce(l.decided, 0), 0"
			       " FROM loans l JOIN resources r ON r.id = l.resource"
			       " WHERE mutua_holds(l.state)"
			       /* the owner's blocks count as its accepts do (booking.h) */
			       " UNION ALL SELECT b.resource, r.capacity, r.title, b.start_ms,"
			       " b.end_ms, b.quantity, b.id, b.owner, b.seq, b.time, 1"
			       " FROM held_blocks b JOIN resources r ON r.id = b.resource"
			       " ORDER BY 1, 4, 7", -1, &st, NULL))
		return err_set("scratch store: %s", sqlite3_errmsg(db));
	struct open_loan {
		int64_t start, end, q, decided, seq;
		uint8_t id[32];
		int block;
	} *open = NULL;
	size_t nopen = 0, capopen = 0;
	uint8_t cur[32] = {0};
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *res = sqlite3_column_blob(st, 0);
		int64_t cap = sqlite3_column_int64(st, 1), start = sqlite3_column_int64(st, 3);
		if (memcmp(res, cur, 32)) {
			memcpy(cur, res, 32);
			nopen = 0;
		}
		/* drop loans that ended by this start: [start, end) */
		int64_t use = 0;
		size_t w = 0;
		for (size_t k = 0; k < nopen; k++)
			if (open[k].end > start) {
				open[w++] = open[k];
				use += open[k].q;
			}
		nopen = w;
		if (nopen == capopen) {
			capopen = capopen ? 2 * capopen : 16;
			void *more = realloc(open, capopen * sizeof *open);
			if (!more) {
				free(open);
				sqlite3_finalize(st);
				return err_set("out of memory");
			}
			open = more;
		}
		struct open_loan *ol = &open[nopen++];
		ol->start = start;
		ol->end = sqlite3_column_int64(st, 4);
		ol->q = sqlite3_column_int64(st, 5);
		ol->seq = sqlite3_column_int64(st, 8);
		ol->decided = sqlite3_column_int64(st, 9);
		ol->block = sqlite3_column_int(st, 10);
		memcpy(ol->id, sqlite3_column_blob(st, 6), 32);
		use += ol->q;
		if (use > cap) {
			const struct open_loan *last = &open[0];
			for (size_t k = 1; k < nopen; k++)
				if (open[k].decided > last->decided ||
				    (open[k].decided == last->decided && open[k].seq > last->seq))
					last = &open[k];
			char when[CLOCK_BUF], id[HEX_ID_LEN + 1], why[300];
			uint8_t other[32];
			int fits = booking_fits(a->scratch, res, last->start, last->end, last->q,
						cap, last->id, why, sizeof why, other);
			if (fits < 0) {
				free(open);
				sqlite3_finalize(st);
				return -1;
			}
			if (fits) /* cannot be: the others in use at start leave no room */
				err_fmt(why, sizeof why, "%lld in use, beyond capacity %lld",
					 (long long)use, (long long)cap);
			clock_format_utc(when, start);
			hex_encode(id, last->id, 32);
			issue(a, sqlite3_column_blob(st, 7), (uint64_t)last->seq,
			      "over-booking", "%s %.12s lends '%s' beyond its "
			      "capacity from %s: %s", last->block ? "blocking" : "accepting request",
			      id, sqlite3_column_text(st, 2), when, why);
		}
	}
	free(open);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return err_set("scratch store: %s", sqlite3_errmsg(db));

	if (sqlite3_prepare_v2(db,
			       "SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM loans),"
			       " (SELECT count(*) FROM settled_loans),"
			       " (SELECT coalesce(sum(lent), 0) FROM settlements),"
			       " (SELECT coalesce(sum(credits), 0) FROM settlements),"
			       " (SELECT coalesce(sum(deposit), 0) FROM loans"
			       "  WHERE mutua_in_progress(state)),"
			       " (SELECT coalesce(sum(forfeit), 0) FROM settled_loans)",
			       -1, &st, NULL))
		return err_set("scratch store: %s", sqlite3_errmsg(db));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a->sum->members = (uint64_t)sqlite3_column_int64(st, 0);
		a->sum->loans = (uint64_t)sqlite3_column_int64(st, 1);
		a->sum->closed = (uint64_t)sqlite3_column_int64(st, 2);
		a->sum->credits_moved = sqlite3_column_int64(st, 3);
		a->sum->balance_sum = sqlite3_column_int64(st, 4);
		a->sum->deposits_held = sqlite3_column_int64(st, 5);
		a->sum->deposits_forfeited = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) /* aggregates: always one row */
		return err_set("scratch store: %s", sqlite3_errmsg(db));
	if (a->sum->balance_sum != 0)
		issue(a, NULL, 0, "balance", "balances sum to %lld hundredths, not zero",
		      (long long)a->sum->balance_sum);
	return 0;
}

int audit_run(const char *path, struct store *s, const struct audit_opts *o,
	      struct audit_summary *sum)
{
	struct audit a = {o, sum, NULL, NULL, 0};
	struct source src = {0};
	struct sigcheck *pool = NULL;
	struct sigcheck_chunk *checked;
	int rc = -1;
	int64_t t0 = clock_now_ms(), last_progress = 0;

	memset(sum, 0, sizeof *sum);
	if (path ? !(src.br = bundle_open(path)) : !(src.h = history_open(s)))
		return -1;
	if (!(a.scratch = store_open_scratch()))
		goto out;
	if (store_exec(a.scratch, schema_audit_sql))
		goto out;

	/* one worker per core; the main thread decodes and inserts meanwhile,
	 * and checks signatures too while it waits */
	if (!(pool = sigcheck_start(o->threads)))
		goto out;
	sum->threads = sigcheck_threads(pool);

	int type, r, have_genesis = 0;
	uint64_t nrec_entries = 0, nrec_forks = 0;
	const uint8_t *data;
	size_t len;
	while ((r = source_next(&src, &type, &data, &len)) == 1) {
		if (type == BUNDLE_GENESIS) {
			Mutua__Genesis *g = genesis_decode(data, len, sum->fed_id);
			if (!g) {
				err_set("the genesis is not valid: %s", err_msg());
				goto out;
			}
			snprintf(sum->fed_name, sizeof sum->fed_name, "%s", g->name);
			mutua__genesis__free_unpacked(g, NULL);
			if (o->expect_fed && memcmp(o->expect_fed, sum->fed_id, 32)) {
				err_set("the bundle is of another federation than the one expected");
				goto out;
			}
			/* then one transaction: a commit would write out every
			 * page the random ids dirty, which nothing reads again */
			if (store_adopt_genesis(a.scratch, data, len) ||
			    store_begin(a.scratch, &a, "the audit"))
				goto out;
			have_genesis = 1;
			continue;
		}
		uint32_t bl = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
			      (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
		if (type == BUNDLE_FORK) {
			/* compared once every entry is in scratch (check_forks):
			 * the entries read last still wait in the chunks */
			sqlite3_stmt *st;
			sqlite3 *sdb = store_db(a.scratch);
			if (sqlite3_prepare_v2(sdb, "INSERT INTO audit_forks(body, sig)"
					       " VALUES (?1, ?2)", -1, &st, NULL)) {
				err_set("scratch store: %s", sqlite3_errmsg(sdb));
				goto out;
			}
			sqlite3_bind_blob(st, 1, data + 4, (int)bl, SQLITE_STATIC);
			sqlite3_bind_blob(st, 2, data + 4 + bl, 64, SQLITE_STATIC);
			int done = sqlite3_step(st) == SQLITE_DONE;
			sqlite3_finalize(st);
			if (!done) {
				err_set("scratch store: %s", sqlite3_errmsg(sdb));
				goto out;
			}
			nrec_forks++;
			continue;
		}
		/* an entry: decode into the chunk being filled */
		struct sigcheck_chunk *filling = sigcheck_filling(pool);
		size_t i = filling->n++;
		nrec_entries++;
		filling->decoded[i] = entry_decode(&filling->e[i], data + 4, bl, data + 4 + bl,
						   64) == 0;
		if (!filling->decoded[i]) {
			sum->entries++;
			issue_format(&a, "entry", nrec_entries, data + 4, bl);
		}
		/* the workers check this chunk while the previous one is
		 * inserted (then refilled) */
		if (filling->n == SIGCHECK_CHUNK && (checked = sigcheck_next(pool))) {
			if (take_chunk(&a, checked))
				goto out;
			sigcheck_clear(checked);
		}
		int64_t now = clock_now_ms();
		if (o->on_progress && src.br && now - last_progress > 500) {
			last_progress = now;
			o->on_progress(o->arg, sum->entries, bundle_offset(src.br),
				       bundle_size(src.br));
		}
	}
	if (r < 0)
		goto out;
	if (!have_genesis) {
		err_set("no genesis in the history");
		goto out;
	}
	while ((checked = sigcheck_drain(pool))) {
		if (take_chunk(&a, checked))
			goto out;
		sigcheck_clear(checked);
	}
	if (take_pending(&a, sigcheck_filling(pool)) || check_forks(&a))
		goto out;
	uint64_t end_entries, end_forks;
	if (src.br && bundle_end_counts(src.br, &end_entries, &end_forks) == 0 &&
	    (end_entries != nrec_entries || end_forks != nrec_forks))
		issue(&a, NULL, 0, "format", "the END record counts %llu entries and %llu fork "
		      "proofs, the bundle holds %llu and %llu", (unsigned long long)end_entries,
		      (unsigned long long)end_forks, (unsigned long long)nrec_entries,
		      (unsigned long long)nrec_forks);
	for (size_t k = 0; k < a.nfeeds; k++)
		if (a.feeds[k].stopped ? a.feeds[k].bad > 0 : a.feeds[k].bad > 1)
			issue(&a, a.feeds[k].author, a.feeds[k].bad_seq, a.feeds[k].stopped
			      ? a.feeds[k].stopped : "chain",
			      "%llu %sentries of this feed could not be accepted",
			      (unsigned long long)a.feeds[k].bad, a.feeds[k].stopped ? "more " : "");
	if (check_checkpoints(&a) || check_witnesses(&a) || check_left_out(&a) ||
	    check_lending(&a))
		goto out;
	if (o->keep) { /* uncommitted: see audit.h */
		*o->keep = a.scratch;
		a.scratch = NULL;
	}
	sum->seconds = (double)(clock_now_ms() - t0) / 1000;
	rc = 0;
out:
	sigcheck_stop(&pool);
	history_close(&src.h);
	bundle_close(&src.br);
	store_close(&a.scratch);
	free(a.feeds);
	return rc;
}
