/* proof.c - see proof.h for the file format and its validity rules. */
#include "proof.h"
#include "checkpoint.h"
#include "governance.h"
#include "lending.h"
#include "loan.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HB MERKLE_HASH_BYTES

void proof_free(struct proof *p)
{
	for (size_t i = 0; i < PROOF_RECORDS_MAX; i++) {
		entry_free(&p->rec[i].e);
		entry_free(&p->rec[i].cp);
	}
	p->n = 0;
}

/* ---- building from the store ------------------------------------------ */

static int db_fail(struct store *s)
{
	return err_set("store: %s", sqlite3_errmsg(store_db(s)));
}

/* Decodes the entry, as (body, sig), that a query on ?1 (a key or member
 * id), ?2 (a seq) and ?3 (an entry id, if given) finds. 1 found, 0 not, -1
 * error. */
static int load_entry(struct store *s, const char *sql, const uint8_t *key, int64_t seq,
		      const uint8_t *id, struct entry *e)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL))
		return db_fail(s);
	sqlite3_bind_blob(st, 1, key, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	if (id)
		sqlite3_bind_blob(st, 3, id, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = entry_decode(e, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
				  sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1))
			     ? err_set("stored entry is damaged: %s", err_msg())
			     : 1;
	else
		rc = rc == SQLITE_DONE ? 0 : db_fail(s);
	sqlite3_finalize(st);
	return rc;
}

static const char *step_name(int payload_case)
{
	switch (payload_case) {
	case MUTUA__BODY__PAYLOAD_OFFER: return "offer";
	case MUTUA__BODY__PAYLOAD_REQUEST: return "request";
	case MUTUA__BODY__PAYLOAD_ACCEPT: return "acceptance";
	case MUTUA__BODY__PAYLOAD_HANDOVER: return "handover";
	case MUTUA__BODY__PAYLOAD_GIVE_BACK: return "return";
	case MUTUA__BODY__PAYLOAD_CLOSE: return "close";
	default: return "entry";
	}
}

int proof_loan_build(struct proof *p, struct store *s, const uint8_t request[ENTRY_ID_BYTES],
		     const uint8_t *self, struct proof_gap *gap)
{
	static const char *const steps[] = {"accept", "handover", "return", "close"};
	/* each record: its entry id, the member who signed it, its seq */
	uint8_t ids[PROOF_RECORDS_MAX][32], who[PROOF_RECORDS_MAX][32], owner[32];
	int64_t at[PROOF_RECORDS_MAX];
	char state[32] = "", hex[HEX_ID_LEN + 1];
	sqlite3_stmt *st;
	int rc;

	memset(p, 0, sizeof *p);
	memset(gap, 0, sizeof *gap);
	p->kind = PROOF_LOAN;
	hex_encode(hex, request, 32);
	if (sqlite3_prepare_v2(store_db(s), "SELECT l.state, l.owner, l.resource, r.seq,"
			       " l.borrower, l.seq, coalesce(l.occurrence, 0) FROM loans l"
			       " JOIN resources r ON r.id = l.resource WHERE l.id = ?1", -1, &st, NULL))
		return db_fail(s);
	sqlite3_bind_blob(st, 1, request, 32, SQLITE_STATIC);
	int step = sqlite3_step(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		sqlite3_finalize(st);
		return db_fail(s);
	}
	rc = step == SQLITE_ROW && sqlite3_column_bytes(st, 1) == 32;
	if (rc) {
		snprintf(state, sizeof state, "%s", sqlite3_column_text(st, 0));
		memcpy(owner, sqlite3_column_blob(st, 1), 32);
		memcpy(ids[0], sqlite3_column_blob(st, 2), 32);
		memcpy(who[0], owner, 32);
		at[0] = sqlite3_column_int64(st, 3);
		memcpy(who[1], sqlite3_column_blob(st, 4), 32);
		at[1] = sqlite3_column_int64(st, 5);
	}
	int64_t occurrence = rc ? sqlite3_column_int64(st, 6) : 0;
	sqlite3_finalize(st);
	if (!rc)
		return err_set("request %.12s is not a loan this node knows", hex);
	/* its id is no entry's: the proof format names the request entry */
	if (occurrence > 0)
		return err_set("request %.12s is occurrence %lld of a weekly series: a proof "
			       "covers a single slot or a series' first occurrence only",
			       hex, (long long)occurrence + 1);
	enum loan_state ls;
	if (loan_state_parse(state, &ls))
		return -1;
	if (!loan_state_holds(ls))
		return err_set("request %.12s is %s: there is no loan to prove", hex,
			       loan_state_words(ls));
	memcpy(ids[1], request, 32);
	size_t n = 2;
	/* the steps the fold took (verdict NULL): at most one of each */
	for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
		if (sqlite3_prepare_v2(store_db(s), "SELECT id, author, seq FROM loan_events"
				       " WHERE request = ?1 AND type = ?2 AND verdict IS NULL",
				       -1, &st, NULL))
			return db_fail(s);
		sqlite3_bind_blob(st, 1, request, 32, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, steps[k], -1, SQLITE_STATIC);
		step = sqlite3_step(st);
		if (step == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32 &&
		    sqlite3_column_bytes(st, 1) == 32) {
			memcpy(ids[n], sqlite3_column_blob(st, 0), 32);
			memcpy(who[n], sqlite3_column_blob(st, 1), 32);
			at[n++] = sqlite3_column_int64(st, 2);
		}
		sqlite3_finalize(st);
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			return db_fail(s);
	}
	for (size_t i = 0; i < n; i++) {
		/* by the seq of one of the signer's keys: entries have no
		 * index on their ids (store.c, schema version 4) */
		rc = load_entry(s, "SELECT body, sig FROM entries WHERE seq = ?2 AND id = ?3"
				" AND author IN (SELECT ?1 UNION SELECT key FROM keys WHERE"
				" member = ?1)", who[i], at[i], ids[i], &p->rec[i].e);
		if (rc <= 0) {
			if (rc == 0)
				err_set("an entry of loan %.12s is not held here", hex);
			goto fail;
		}
		p->n++;
	}

	/* covering checkpoints, looked for in the loan's order (the offer
	 * last), so the message names the step the reader cares about */
	struct checkpoint_ref ref[PROOF_RECORDS_MAX];
	int self_gap = 0;
	for (size_t j = 0; j < n; j++) {
		size_t i = (j + 1) % n;
		const Mutua__Body *b = p->rec[i].e.b;
		rc = checkpoint_latest(s, b->author.data, &ref[i]);
		if (rc < 0)
			goto fail;
		if (rc && ref[i].size >= b->seq)
			continue;
		int mine = self && memcmp(b->author.data, self, KEY_ID_BYTES) == 0;
		if (!mine || !self_gap) {
			memcpy(gap->author, b->author.data, KEY_ID_BYTES);
			gap->owner = memcmp(b->author.data, owner, 32) == 0;
			gap->step = step_name(b->payload_case);
		}
		if (!mine) {
			proof_free(p);
			return 1;
		}
		self_gap = 1;
	}
	if (self_gap) {
		proof_free(p);
		return 2;
	}

	/* the checkpoints, and the paths: one pass over each feed */
	uint8_t paths[PROOF_RECORDS_MAX][MERKLE_PATH_MAX][HB];
	size_t lens[PROOF_RECORDS_MAX];
	int done[PROOF_RECORDS_MAX] = {0};
	for (size_t i = 0; i < n; i++) {
		const uint8_t *author = p->rec[i].e.b->author.data;
		rc = load_entry(s, "SELECT body, sig FROM entries WHERE author = ?1 AND seq = ?2",
				author, (int64_t)ref[i].seq, NULL, &p->rec[i].cp);
		if (rc <= 0) {
			if (rc == 0)
				err_set("a checkpoint of loan %.12s is not held here", hex);
			goto fail;
		}
		if (done[i])
			continue;
		size_t which[PROOF_RECORDS_MAX], cnt = 0;
		uint64_t seqs[PROOF_RECORDS_MAX];
		for (size_t k = i; k < n; k++)
			if (memcmp(p->rec[k].e.b->author.data, author, KEY_ID_BYTES) == 0) {
				which[cnt] = k;
				seqs[cnt++] = p->rec[k].e.b->seq;
				done[k] = 1;
			}
		if (checkpoint_inclusion_proofs(s, author, ref[i].size, cnt, seqs, paths, lens))
			goto fail;
		for (size_t k = 0; k < cnt; k++) {
			memcpy(p->rec[which[k]].path, paths[k], lens[k] * HB);
			p->rec[which[k]].path_len = lens[k];
		}
	}
	/* what we hand out must pass the very checks its reader applies */
	if (proof_verify(p, store_fed_id(s), NULL)) {
		err_set("the proof made does not verify: %s", err_msg());
		goto fail;
	}
	return 0;
fail:
	proof_free(p);
	return -1;
}

void proof_fork_pair_free(struct proof_fork_pair *fp)
{
	for (int i = 0; i < 2; i++) {
		free(fp->body[i]);
		free(fp->sig[i]);
	}
	memset(fp, 0, sizeof *fp);
}

/* A copy of column i of st (malloc'd; a zero-length one is one byte). */
static uint8_t *column_copy(sqlite3_stmt *st, int i, size_t *len)
{
	*len = (size_t)sqlite3_column_bytes(st, i);
	uint8_t *b = malloc(*len ? *len : 1);
	if (b && *len)
		memcpy(b, sqlite3_column_blob(st, i), *len);
	return b;
}

int proof_fork_pair_read(struct proof_fork_pair *fp, struct store *s,
			 const uint8_t author[KEY_ID_BYTES])
{
	memset(fp, 0, sizeof *fp);
	int rc = store_fork_point(s, author, &fp->seq);
	if (rc <= 0)
		return rc;
	/* the branch held stays in entries, the others are in forks (a proof
	 * received for a seq not held has both in forks): the two lowest ids */
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store_db(s), "SELECT id, body, sig FROM entries WHERE author = ?1"
			       " AND seq = ?2 UNION ALL SELECT id, body, sig FROM forks"
			       " WHERE author = ?1 AND seq = ?2 ORDER BY 1", -1, &st, NULL))
		return db_fail(s);
	sqlite3_bind_blob(st, 1, author, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)fp->seq);
	int n = 0;
	while (n < 2 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != ENTRY_ID_BYTES ||
		    (n == 1 && memcmp(sqlite3_column_blob(st, 0), fp->id[0], ENTRY_ID_BYTES) == 0))
			continue;
		memcpy(fp->id[n], sqlite3_column_blob(st, 0), ENTRY_ID_BYTES);
		fp->body[n] = column_copy(st, 1, &fp->body_len[n]);
		fp->sig[n] = column_copy(st, 2, &fp->sig_len[n]);
		if (!fp->body[n] || !fp->sig[n]) {
			sqlite3_finalize(st);
			proof_fork_pair_free(fp);
			return err_set("out of memory");
		}
		n++;
	}
	if (n < 2 && rc != SQLITE_DONE) {
		db_fail(s);
		sqlite3_finalize(st);
		proof_fork_pair_free(fp);
		return -1;
	}
	sqlite3_finalize(st);
	if (n < 2) {
		uint64_t seq = fp->seq;
		proof_fork_pair_free(fp);
		return err_set("the fork proof held at seq %llu is incomplete",
			       (unsigned long long)seq);
	}
	return 1;
}

int proof_fork_build(struct proof *p, struct store *s, const uint8_t member[KEY_ID_BYTES])
{
	struct proof_fork_pair fp;
	memset(p, 0, sizeof *p);
	p->kind = PROOF_FORK;
	int rc = proof_fork_pair_read(&fp, s, member);
	if (rc <= 0)
		return rc < 0 ? -1 : err_set("no fork proof of this member is held here");
	for (p->n = 0; p->n < 2; p->n++)
		if (entry_decode(&p->rec[p->n].e, fp.body[p->n], fp.body_len[p->n], fp.sig[p->n],
				 fp.sig_len[p->n])) {
			err_set("the fork proof held at seq %llu is damaged: %s",
				(unsigned long long)fp.seq, err_msg());
			goto fail;
		}
	proof_fork_pair_free(&fp);
	if (proof_verify(p, store_fed_id(s), NULL)) {
		err_set("the fork proof held does not verify: %s", err_msg());
		proof_free(p);
		return -1;
	}
	return 0;
fail:
	proof_fork_pair_free(&fp);
	proof_free(p);
	return -1;
}

/* ---- the file ---------------------------------------------------------- */

struct wbuf {
	uint8_t *b;
	size_t n, cap;
	int failed;
};

static void put(struct wbuf *w, const void *d, size_t len)
{
	if (w->failed)
		return;
	if (w->n + len > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		while (cap < w->n + len)
			cap *= 2;
		uint8_t *more = realloc(w->b, cap);
		if (!more) {
			w->failed = 1;
			return;
		}
		w->b = more;
		w->cap = cap;
	}
	memcpy(w->b + w->n, d, len);
	w->n += len;
}

static void put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(w, b, 4);
}

static void put_entry(struct wbuf *w, const struct entry *e)
{
	put_u32(w, (uint32_t)e->body_len);
	put(w, e->body, e->body_len);
	put(w, e->sig, KEY_SIG_BYTES);
}

int proof_write(const struct proof *p, const char *path)
{
	struct wbuf w = {0};
	uint8_t head[2] = {(uint8_t)p->kind, (uint8_t)p->n};
	if (p->n > PROOF_RECORDS_MAX)
		return err_set("proof has too many records");
	put(&w, PROOF_MAGIC, PROOF_MAGIC_LEN);
	put(&w, head, 2);
	for (size_t i = 0; i < p->n; i++) {
		const struct proof_record *r = &p->rec[i];
		put_entry(&w, &r->e);
		if (p->kind == PROOF_LOAN) {
			uint8_t pl = (uint8_t)r->path_len;
			put_entry(&w, &r->cp);
			put(&w, &pl, 1);
			put(&w, r->path, r->path_len * HB);
		}
	}
	int rc = w.failed ? err_set("out of memory") : file_write_atomic(path, w.b, w.n, 0644);
	free(w.b);
	return rc;
}

struct rbuf {
	const uint8_t *p;
	size_t left;
};

static const uint8_t *take(struct rbuf *r, size_t n)
{
	if (r->left < n)
		return NULL;
	const uint8_t *d = r->p;
	r->p += n;
	r->left -= n;
	return d;
}

/* body_len | body | sig, decoded into e. */
static int take_entry(struct rbuf *r, struct entry *e, size_t idx, const char *what)
{
	const uint8_t *lb = take(r, 4), *body, *sig;
	if (!lb)
		return err_set("record %zu: the file ends inside it", idx);
	uint32_t len = (uint32_t)lb[0] | (uint32_t)lb[1] << 8 | (uint32_t)lb[2] << 16 |
		       (uint32_t)lb[3] << 24;
	if (len < 1 || len > ENTRY_BODY_MAX)
		return err_set("record %zu: %s of %lu bytes (1..%d allowed)", idx, what,
			       (unsigned long)len, ENTRY_BODY_MAX);
	if (!(body = take(r, len)) || !(sig = take(r, KEY_SIG_BYTES)))
		return err_set("record %zu: the file ends inside it", idx);
	if (entry_decode(e, body, len, sig, KEY_SIG_BYTES))
		return err_set("record %zu: %s: %s", idx, what, err_msg());
	return 0;
}

int proof_parse(struct proof *p, const uint8_t *buf, size_t len)
{
	struct rbuf r = {buf, len};
	const uint8_t *m = take(&r, PROOF_MAGIC_LEN), *head = take(&r, 2);
	memset(p, 0, sizeof *p);
	if (!m || memcmp(m, PROOF_MAGIC, PROOF_MAGIC_LEN) != 0 || !head)
		return err_set("not a mutua proof file");
	p->kind = head[0];
	size_t count = head[1];
	if (p->kind != PROOF_LOAN && p->kind != PROOF_FORK)
		return err_set("unknown proof kind %d (1 loan, 2 fork)", p->kind);
	if (p->kind == PROOF_LOAN && (count < 3 || count > PROOF_RECORDS_MAX))
		return err_set("a loan proof of %zu records (3..%d allowed)", count,
			       PROOF_RECORDS_MAX);
	if (p->kind == PROOF_FORK && count != 2)
		return err_set("a fork proof of %zu records (2 needed)", count);
	for (size_t i = 0; i < count; i++) {
		struct proof_record *rec = &p->rec[i];
		if (take_entry(&r, &rec->e, i + 1, "entry"))
			goto fail;
		p->n++;
		if (p->kind != PROOF_LOAN)
			continue;
		if (take_entry(&r, &rec->cp, i + 1, "checkpoint"))
			goto fail;
		const uint8_t *pl = take(&r, 1), *path;
		if (!pl)
			goto truncated;
		if (*pl > MERKLE_PATH_MAX) {
			err_set("record %zu: inclusion path of %d hashes (at most %d)", i + 1, *pl,
				MERKLE_PATH_MAX);
			goto fail;
		}
		if (!(path = take(&r, (size_t)*pl * HB)))
			goto truncated;
		rec->path_len = *pl;
		memcpy(rec->path, path, rec->path_len * HB);
	}
	if (r.left) {
		err_set("%zu bytes follow the last record", r.left);
		goto fail;
	}
	return 0;
truncated:
	err_set("record %zu: the file ends inside it", p->n);
fail:
	proof_free(p);
	return -1;
}

int proof_read(struct proof *p, const char *path)
{
	size_t len;
	memset(p, 0, sizeof *p);
	uint8_t *buf = file_read(path, PROOF_FILE_MAX, &len);
	if (!buf)
		return -1;
	int rc = proof_parse(p, buf, len);
	free(buf);
	return rc;
}

/* ---- verification ------------------------------------------------------ */

static int same_key(const Mutua__Body *a, const Mutua__Body *b)
{
	return memcmp(a->author.data, b->author.data, KEY_ID_BYTES) == 0;
}

/* Signature, federation and, for a loan proof, the entry's place in its
 * feed under a checkpoint of its author. */
static int verify_record(const struct proof *p, const struct proof_record *r,
			 const uint8_t *fed_id)
{
	const Mutua__Body *b = r->e.b;
	const char *what = entry_type_name(b->payload_case);
	if (memcmp(b->federation.data, fed_id, FED_ID_BYTES) != 0)
		return err_set("the %s entry is of another federation than the genesis's", what);
	if (entry_verify(&r->e))
		return err_set("the %s entry: %s", what, err_msg());
	if (p->kind != PROOF_LOAN)
		return 0;
	const Mutua__Body *c = r->cp.b;
	if (c->payload_case != MUTUA__BODY__PAYLOAD_CHECKPOINT)
		return err_set("the checkpoint given for the %s entry is a %s entry", what,
			       entry_type_name(c->payload_case));
	if (!same_key(b, c))
		return err_set("the checkpoint given for the %s entry is of another feed", what);
	if (memcmp(c->federation.data, fed_id, FED_ID_BYTES) != 0)
		return err_set("the checkpoint of the %s entry is of another federation", what);
	if (entry_verify(&r->cp))
		return err_set("the checkpoint of the %s entry: %s", what, err_msg());
	if (c->checkpoint->size < b->seq)
		return err_set("the checkpoint of the %s entry covers %llu entries, not its seq %llu",
			       what, (unsigned long long)c->checkpoint->size,
			       (unsigned long long)b->seq);
	uint8_t leaf[HB];
	merkle_leaf_hash(leaf, r->e.id, ENTRY_ID_BYTES);
	if (merkle_inclusion_verify(leaf, (size_t)(b->seq - 1), (size_t)c->checkpoint->size,
				    (const uint8_t(*)[HB])r->path, r->path_len,
				    c->checkpoint->root.data))
		return err_set("the %s entry is not shown in its author's feed: %s", what,
			       err_msg());
	return 0;
}

static int verify_loan(const struct proof *p, struct proof_loan *out)
{
	struct proof_loan l = {0};
	l.offer = &p->rec[0].e;
	l.request = &p->rec[1].e;
	l.accept = &p->rec[2].e;
	if (l.offer->b->payload_case != MUTUA__BODY__PAYLOAD_OFFER ||
	    l.request->b->payload_case != MUTUA__BODY__PAYLOAD_REQUEST ||
	    l.accept->b->payload_case != MUTUA__BODY__PAYLOAD_ACCEPT)
		return err_set("a loan proof starts with an offer, a request and an accept, not "
			       "%s, %s, %s", entry_type_name(l.offer->b->payload_case),
			       entry_type_name(l.request->b->payload_case),
			       entry_type_name(l.accept->b->payload_case));
	const Mutua__Body *owner = l.offer->b, *borrower = l.request->b;
	if (memcmp(borrower->request->resource.data, l.offer->id, ENTRY_ID_BYTES) != 0)
		return err_set("the request is not for the resource of the offer");
	if (same_key(owner, borrower))
		return err_set("the borrower is the owner of the resource");
	int last = 0;
	for (size_t i = 2; i < p->n; i++) {
		const struct entry *e = &p->rec[i].e;
		int c = e->b->payload_case;
		const char *what = entry_type_name(c);
		const Mutua__Transition *t = entry_transition(e->b);
		if (i > 2 && (c <= last || (c != MUTUA__BODY__PAYLOAD_HANDOVER &&
					    c != MUTUA__BODY__PAYLOAD_GIVE_BACK &&
					    c != MUTUA__BODY__PAYLOAD_CLOSE)))
			return err_set("a %s entry where handover, return or close (in that order) "
				       "may follow", what);
		if (memcmp(t->request.data, l.request->id, ENTRY_ID_BYTES) != 0)
			return err_set("the %s entry is for another request", what);
		int by_owner = same_key(e->b, owner), by_borrower = same_key(e->b, borrower);
		if ((c == MUTUA__BODY__PAYLOAD_ACCEPT || c == MUTUA__BODY__PAYLOAD_CLOSE) && !by_owner)
			return err_set("the %s entry is not signed by the owner of the resource", what);
		if (c == MUTUA__BODY__PAYLOAD_GIVE_BACK && !by_borrower)
			return err_set("the return entry is not signed by the borrower");
		if (!by_owner && !by_borrower)
			return err_set("the %s entry is signed by neither the owner nor the borrower",
				       what);
		if (c == MUTUA__BODY__PAYLOAD_HANDOVER)
			l.handover = e;
		else if (c == MUTUA__BODY__PAYLOAD_GIVE_BACK)
			l.give_back = e;
		else if (c == MUTUA__BODY__PAYLOAD_CLOSE)
			l.close = e;
		last = c;
	}
	/* the steps are judged by the fold's own rule, the loan's graph
	 * (loan_resolve): each answers the one before, and the settlement is
	 * the one every node computes, at the request's agreed rate. A proof
	 * holds no history: the close-grace is the federation's default. */
	const Mutua__Request *rq = borrower->request;
	const char *unit = entry_unit_name(rq->has_unit ? rq->unit : owner->offer->unit);
	struct loan_terms terms = {0};
	memcpy(terms.request, l.request->id, ENTRY_ID_BYTES);
	terms.start = LOAN_REQUESTED;
	terms.requested = borrower->time;
	terms.slot_usage = loan_slot_usage(unit, rq->start, rq->end, rq->quantity);
	terms.withdrawn = INT64_MAX;
	terms.vote_usage = -1;
	struct loan_node nodes[PROOF_RECORDS_MAX];
	size_t nn = 0;
	for (size_t i = 2; i < p->n && nn < PROOF_RECORDS_MAX; i++, nn++) {
		const struct entry *e = &p->rec[i].e;
		const Mutua__Transition *t = entry_transition(e->b);
		struct loan_node *k = &nodes[nn];
		memset(k, 0, sizeof *k);
		memcpy(k->id, e->id, ENTRY_ID_BYTES);
		if (t->has_answers)
			memcpy(k->answers, t->answers.data, ENTRY_ID_BYTES);
		memcpy(k->author, e->b->author.data, 32);
		k->step = loan_step_of_payload(e->b->payload_case);
		k->party = same_key(e->b, owner) ? LOAN_OWNER : LOAN_BORROWER;
		k->time = e->b->time;
		k->place = (int64_t)e->b->seq;
		k->usage = t->has_usage ? (int64_t)t->usage : -1;
		k->grace_end = loan_grace_end(rq->end, GOV_CLOSE_GRACE_DEFAULT);
	}
	struct loan_outcome o;
	if (loan_resolve(&terms, nodes, nn, &o))
		return -1;
	for (size_t i = 0; i < nn; i++)
		if (nodes[i].why)
			return err_set("the %s entry takes no effect: %s",
				       entry_type_name(p->rec[i + 2].e.b->payload_case), nodes[i].why);
	l.usage = l.rate = l.credits = -1;
	if (o.state == LOAN_CLOSED) {
		l.usage = o.usage;
		l.rate = rq->has_rate ? (int64_t)rq->rate : 0;
		l.credits = lending_credits((uint64_t)l.usage, (uint64_t)l.rate);
	}
	if (out)
		*out = l;
	return 0;
}

static int verify_fork(const struct proof *p)
{
	const struct entry *a = &p->rec[0].e, *b = &p->rec[1].e;
	if (!same_key(a->b, b->b))
		return err_set("the two entries are by different members: not a fork");
	if (a->b->seq != b->b->seq)
		return err_set("the two entries are at seqs %llu and %llu: not a fork",
			       (unsigned long long)a->b->seq, (unsigned long long)b->b->seq);
	if (memcmp(a->id, b->id, ENTRY_ID_BYTES) == 0)
		return err_set("the two entries are one and the same: not a fork");
	return 0;
}

int proof_verify(const struct proof *p, const uint8_t fed_id[FED_ID_BYTES],
		 struct proof_loan *loan)
{
	if (!fed_id)
		return err_set("no federation to check the proof against");
	if (p->kind == PROOF_LOAN ? p->n < 3 || p->n > PROOF_RECORDS_MAX
				  : p->kind != PROOF_FORK || p->n != 2)
		return err_set("a proof of the wrong shape");
	for (size_t i = 0; i < p->n; i++)
		if (verify_record(p, &p->rec[i], fed_id))
			return -1;
	return p->kind == PROOF_LOAN ? verify_loan(p, loan) : verify_fork(p);
}
