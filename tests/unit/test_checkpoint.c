/* test_checkpoint.c - feeds as Merkle trees: checkpoint entries checked by
 * the fold, a forged root marking its feed faulty (and kept), reindex
 * giving the same, consistency between checkpoints, the daemon's schedule,
 * and the loan and fork proofs made from them (proof.h): every byte of a
 * proof file matters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_helpers.h"
#include "audit.h"
#include "checkpoint.h"
#include "entry.h"
#include "federation.h"
#include "lending.h"
#include "merkle.h"
#include "proof.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <sodium.h>

#define T0 1767225600000LL
#define HB MERKLE_HASH_BYTES

static struct key *ka, *kb; /* the two founders */
static uint8_t *genesis;
static size_t genesis_len;
static uint8_t fed_id[32];

static int group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	ka = key_seeded(0x11);
	kb = key_seeded(0x22);
	if (!ka || !kb)
		return -1;
	char *cards[2] = {card_make(ka, "Alpha", "structures", NULL, 0, T0),
			  card_make(kb, "Beta", "producteurs", NULL, 0, T0)};
	int rc = cards[0] && cards[1] &&
			 genesis_make(&genesis, &genesis_len, "PTCE", NULL, cards, 2, 0, T0) == 0
		 ? 0 : -1;
	free(cards[0]);
	free(cards[1]);
	if (rc == 0)
		crypto_generichash(fed_id, 32, genesis, genesis_len, NULL, 0);
	return rc;
}

static int group_teardown(void **state)
{
	(void)state;
	key_destroy(&ka);
	key_destroy(&kb);
	free(genesis);
	return 0;
}

struct fx {
	char *dir, *p1, *p2;
	struct store *s1, *s2; /* two nodes */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->dir = tmpdir_new();
	f->p1 = path_in(f->dir, "one.db");
	f->p2 = path_in(f->dir, "two.db");
	f->s1 = store_adopted(f->p1, genesis, genesis_len);
	f->s2 = store_adopted(f->p2, genesis, genesis_len);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(&f->s1);
	store_close(&f->s2);
	free(f->p1);
	free(f->p2);
	tmpdir_remove(&f->dir);
	free(f);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static void append_offer(struct store *s, const struct key *k, const char *title,
			 uint8_t id[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = 1;
	o.title = (char *)title;
	o.unit = 2;
	o.capacity = 1;
	o.rate = 1000;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	if (store_append(s, k, &b, id) != 0)
		fail_msg("append offer: %s", err_msg());
}

static void offers(struct store *s, const struct key *k, int n)
{
	char title[32];
	for (int i = 0; i < n; i++) {
		snprintf(title, sizeof title, "Offre %d", i);
		append_offer(s, k, title, NULL);
	}
}

static uint64_t checkpoint(struct store *s, const struct key *k)
{
	uint64_t seq;
	if (checkpoint_append(s, k, NULL, &seq) != 0)
		fail_msg("checkpoint_append: %s", err_msg());
	return seq;
}

/* The ids of the feed's entries 1..n as leaf hashes, read back. */
static uint8_t (*leaves_of(struct store *s, const struct key *k, size_t n))[HB]
{
	uint8_t (*h)[HB] = calloc(n ? n : 1, HB);
	sqlite3_stmt *st;
	assert_non_null(h);
	assert_int_equal(sqlite3_prepare_v2(store_db(s), "SELECT id FROM entries WHERE"
					    " author = ?1 AND seq <= ?2 ORDER BY seq", -1, &st,
					    NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, k->id, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
	size_t i = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		merkle_leaf_hash(h[i++], sqlite3_column_blob(st, 0), 32);
	sqlite3_finalize(st);
	assert_int_equal(i, n);
	return h;
}

static int64_t scalar(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL), SQLITE_OK);
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

/* The derived checkpoints table as one string, to compare two states. */
static char *dump_checkpoints(struct store *s)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(store_db(s),
					    "SELECT group_concat(r, ';') FROM (SELECT hex(author) || ','"
					    " || seq || ',' || size || ',' || hex(root) || ',' || valid"
					    " || ',' || coalesce(why, '') || ',' || hex(tree) AS r"
					    " FROM checkpoints ORDER BY author, seq)", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const unsigned char *t = sqlite3_column_text(st, 0);
	char *d = strdup(t ? (const char *)t : "");
	sqlite3_finalize(st);
	assert_non_null(d);
	return d;
}

/* Copies k's feed from one store to another, as a peer sends it. */
static void replicate(struct store *from, struct store *to, const struct key *k)
{
	sqlite3_stmt *st;
	struct raw_entry v[256];
	uint8_t *bodies[256], sigs[256][64];
	size_t n = 0;
	assert_int_equal(sqlite3_prepare_v2(store_db(from), "SELECT body, sig FROM entries"
					    " WHERE author = ?1 ORDER BY seq", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_blob(st, 1, k->id, 32, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_true(n < 256);
		size_t bl = (size_t)sqlite3_column_bytes(st, 0);
		bodies[n] = malloc(bl);
		assert_non_null(bodies[n]);
		memcpy(bodies[n], sqlite3_column_blob(st, 0), bl);
		memcpy(sigs[n], sqlite3_column_blob(st, 1), 64);
		v[n] = (struct raw_entry){bodies[n], bl, sigs[n], 64};
		n++;
	}
	sqlite3_finalize(st);
	struct batch_result r;
	assert_int_equal(store_insert_batch(to, v, n, &r), 0);
	assert_int_equal(r.rejected, 0);
	for (size_t i = 0; i < n; i++)
		free(bodies[i]);
}

/* A checkpoint entry sealed by hand at seq with this root. */
static void seal_checkpoint(struct entry *e, const struct key *k, uint64_t seq,
			    const uint8_t prev[32], uint64_t size, const uint8_t *root,
			    size_t root_len)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Checkpoint c = MUTUA__CHECKPOINT__INIT;
	c.size = size;
	c.root.data = (uint8_t *)root;
	c.root.len = root_len;
	b.federation.data = fed_id;
	b.federation.len = 32;
	b.author.data = (uint8_t *)k->id;
	b.author.len = 32;
	b.seq = seq;
	b.has_prev = seq > 1;
	b.prev.data = (uint8_t *)prev;
	b.prev.len = seq > 1 ? 32 : 0;
	b.time = clock_now_ms(); /* not before the feed's previous entry */
	b.payload_case = MUTUA__BODY__PAYLOAD_CHECKPOINT;
	b.checkpoint = &c;
	if (entry_seal(e, k, &b) != 0)
		fail_msg("entry_seal: %s", err_msg());
}

/* Appends a checkpoint of k's feed with a wrong root into s, as its author
 * would sign it, through the store's batch path. Returns its seq. */
static uint64_t forge_checkpoint(struct store *s, const struct key *k)
{
	uint64_t head;
	uint8_t prev[32], root[HB];
	struct entry e;
	struct batch_result r;
	assert_int_equal(store_head(s, k->id, &head, NULL), 0);
	held_link(s, k->id, head, prev);
	assert_int_equal(checkpoint_feed_root(s, k->id, head, root), 0);
	root[5] ^= 0x40;
	seal_checkpoint(&e, k, head + 1, prev, head, root, HB);
	struct raw_entry raw = {e.body, e.body_len, e.sig, 64};
	assert_int_equal(store_insert_batch(s, &raw, 1, &r), 0);
	assert_int_equal(r.added, 1);
	entry_free(&e);
	return head + 1;
}

/* ---- consistency proofs from a frontier --------------------------------- */

static void test_consistency_from_frontier(void **state)
{
	(void)state;
	enum { N = 70 };
	uint8_t leaves[N][HB], a[MERKLE_PATH_MAX][HB], b[MERKLE_PATH_MAX][HB], rm[HB], rn[HB];
	for (int i = 0; i < N; i++) {
		uint8_t id[32];
		memset(id, 0, sizeof id);
		id[0] = (uint8_t)i;
		id[31] = 0x5a;
		merkle_leaf_hash(leaves[i], id, 32);
	}
	for (size_t n = 0; n <= N; n++) {
		for (size_t m = 0; m <= n; m++) {
			struct merkle_stream old;
			size_t la, lb;
			merkle_stream_init(&old);
			for (size_t i = 0; i < m; i++)
				assert_int_equal(merkle_stream_push(&old, leaves[i]), 0);
			assert_int_equal(merkle_consistency_proof(a, &la, MERKLE_PATH_MAX,
								  (const uint8_t(*)[HB])leaves, n, m),
					 0);
			assert_int_equal(checkpoint_consistency_proof(
						 b, &lb, &old, (const uint8_t(*)[HB])leaves + m, n),
					 0);
			assert_int_equal(la, lb);
			assert_memory_equal(a, b, la * HB);
			merkle_root(rm, (const uint8_t(*)[HB])leaves, m);
			merkle_root(rn, (const uint8_t(*)[HB])leaves, n);
			assert_int_equal(merkle_consistency_verify(m, n, rm, rn,
								   (const uint8_t(*)[HB])b, lb), 0);
		}
	}
}

/* ---- entry rules ---------------------------------------------------------- */

static void test_entry_rules(void **state)
{
	(void)state;
	uint8_t prev[32], root[HB];
	struct entry e;
	memset(prev, 7, sizeof prev);
	memset(root, 9, sizeof root);
	/* size must be seq - 1 */
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Checkpoint c = MUTUA__CHECKPOINT__INIT;
	c.size = 3;
	c.root.data = root;
	c.root.len = HB;
	b.federation.data = fed_id;
	b.federation.len = 32;
	b.author.data = ka->id;
	b.author.len = 32;
	b.seq = 5;
	b.has_prev = 1;
	b.prev.data = prev;
	b.prev.len = 32;
	b.time = T0;
	b.payload_case = MUTUA__BODY__PAYLOAD_CHECKPOINT;
	b.checkpoint = &c;
	assert_int_equal(entry_seal(&e, ka, &b), -1);
	assert_non_null(strstr(err_msg(), "must cover 4 entries"));
	c.size = 5;
	assert_int_equal(entry_seal(&e, ka, &b), -1);
	/* the root is 32 bytes */
	c.size = 4;
	c.root.len = 31;
	assert_int_equal(entry_seal(&e, ka, &b), -1);
	assert_non_null(strstr(err_msg(), "checkpoint root must be 32 bytes"));
	c.root.len = HB;
	assert_int_equal(entry_seal(&e, ka, &b), 0);
	assert_string_equal(entry_type_name(e.b->payload_case), "checkpoint");
	entry_free(&e);
}

/* ---- the fold --------------------------------------------------------------- */

static void test_feed_with_checkpoints(void **state)
{
	struct fx *f = *state;
	uint8_t root[HB];
	struct checkpoint_ref ref;
	/* refused on an empty feed */
	assert_int_equal(checkpoint_append(f->s1, ka, NULL, NULL), -1);
	assert_non_null(strstr(err_msg(), "empty"));
	assert_int_equal(checkpoint_latest(f->s1, ka->id, &ref), 0);

	offers(f->s1, ka, 5);
	assert_int_equal(checkpoint(f->s1, ka), 6);
	/* twice in a row: refused */
	assert_int_equal(checkpoint_append(f->s1, ka, NULL, NULL), -1);
	assert_non_null(strstr(err_msg(), "already a checkpoint"));
	offers(f->s1, ka, 10);
	assert_int_equal(checkpoint(f->s1, ka), 17);
	offers(f->s1, ka, 16);
	assert_int_equal(checkpoint(f->s1, ka), 34);

	/* each checkpoint's root is the tree of the entries before it */
	assert_int_equal(scalar(f->s1, "SELECT count(*) FROM checkpoints WHERE valid"), 3);
	assert_int_equal(checkpoint_latest(f->s1, ka->id, &ref), 1);
	assert_int_equal(ref.seq, 34);
	assert_int_equal(ref.size, 33);
	uint8_t (*h)[HB] = leaves_of(f->s1, ka, 33);
	merkle_root(root, (const uint8_t(*)[HB])h, 33);
	assert_memory_equal(root, ref.root, HB);
	/* and the inclusion paths made from the store verify against it */
	uint64_t seqs[3] = {1, 17, 33};
	uint8_t paths[3][MERKLE_PATH_MAX][HB];
	size_t lens[3];
	assert_int_equal(checkpoint_inclusion_proofs(f->s1, ka->id, 33, 3, seqs, paths, lens), 0);
	for (int i = 0; i < 3; i++) {
		uint8_t want[MERKLE_PATH_MAX][HB];
		size_t wl;
		assert_int_equal(merkle_inclusion_proof(want, &wl, MERKLE_PATH_MAX,
							(const uint8_t(*)[HB])h, 33,
							(size_t)seqs[i] - 1), 0);
		assert_int_equal(lens[i], wl);
		assert_memory_equal(paths[i], want, wl * HB);
		assert_int_equal(merkle_inclusion_verify(h[seqs[i] - 1], (size_t)seqs[i] - 1, 33,
							 (const uint8_t(*)[HB])paths[i], lens[i],
							 ref.root), 0);
	}
	free(h);
	/* past the checkpoint's size: no path */
	seqs[0] = 34;
	assert_int_equal(checkpoint_inclusion_proofs(f->s1, ka->id, 33, 1, seqs, paths, lens), -1);

	/* another node receiving the feed checks the same and agrees */
	replicate(f->s1, f->s2, ka);
	assert_int_equal(scalar(f->s2, "SELECT count(*) FROM checkpoints WHERE valid"), 3);
	assert_int_equal(scalar(f->s2, "SELECT count(*) FROM faults"), 0);
	char *d1 = dump_checkpoints(f->s1), *d2 = dump_checkpoints(f->s2);
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
}

/* Every path of every tree up to 40 entries, made from the store several
 * at a time, is merkle.c's. */
static void test_inclusion_all_sizes(void **state)
{
	struct fx *f = *state;
	enum { N = 40 };
	offers(f->s1, ka, N);
	uint8_t (*h)[HB] = leaves_of(f->s1, ka, N);
	for (uint64_t size = 1; size <= N; size++) {
		for (uint64_t first = 1; first <= size; first += CHECKPOINT_PROOFS_MAX) {
			uint64_t seqs[CHECKPOINT_PROOFS_MAX];
			uint8_t paths[CHECKPOINT_PROOFS_MAX][MERKLE_PATH_MAX][HB];
			size_t lens[CHECKPOINT_PROOFS_MAX], n = 0;
			for (uint64_t q = first; q <= size && n < CHECKPOINT_PROOFS_MAX; q++)
				seqs[n++] = q;
			assert_int_equal(checkpoint_inclusion_proofs(f->s1, ka->id, size, n, seqs,
								     paths, lens), 0);
			for (size_t i = 0; i < n; i++) {
				uint8_t want[MERKLE_PATH_MAX][HB];
				size_t wl;
				assert_int_equal(merkle_inclusion_proof(want, &wl, MERKLE_PATH_MAX,
									(const uint8_t(*)[HB])h,
									(size_t)size,
									(size_t)seqs[i] - 1), 0);
				assert_int_equal(lens[i], wl);
				assert_memory_equal(paths[i], want, wl * HB);
			}
		}
	}
	free(h);
}

static void test_forged_root(void **state)
{
	struct fx *f = *state;
	offers(f->s1, ka, 4);
	checkpoint(f->s1, ka);
	offers(f->s1, ka, 2);
	uint64_t bad = forge_checkpoint(f->s1, ka);
	assert_int_equal(bad, 8);
	/* stored as evidence, the feed marked faulty, the row invalid */
	assert_int_equal(scalar(f->s1, "SELECT count(*) FROM entries WHERE seq = 8 AND"
				       " type = 'checkpoint'"), 1);
	assert_int_equal(scalar(f->s1, "SELECT count(*) FROM faults WHERE reason ="
				       " 'checkpoint root does not match the feed' AND seq = 8"), 1);
	assert_int_equal(scalar(f->s1, "SELECT valid FROM checkpoints WHERE seq = 8"), 0);
	struct checkpoint_ref ref;
	assert_int_equal(checkpoint_latest(f->s1, ka->id, &ref), 1);
	assert_int_equal(ref.seq, 5); /* the valid one stays the latest */

	/* a later honest checkpoint is checked against the last valid one */
	offers(f->s1, ka, 3);
	assert_int_equal(checkpoint(f->s1, ka), 12);
	assert_int_equal(scalar(f->s1, "SELECT valid FROM checkpoints WHERE seq = 12"), 1);

	/* a receiving node finds the same, and reindex gives the same again */
	replicate(f->s1, f->s2, ka);
	char *d1 = dump_checkpoints(f->s1), *d2 = dump_checkpoints(f->s2);
	assert_string_equal(d1, d2);
	assert_int_equal(scalar(f->s2, "SELECT count(*) FROM faults WHERE seq = 8"), 1);
	assert_int_equal(store_reindex(f->s2), 0);
	char *d3 = dump_checkpoints(f->s2);
	assert_string_equal(d1, d3);
	assert_int_equal(scalar(f->s2, "SELECT count(*) FROM faults"), 1);
	free(d1);
	free(d2);
	free(d3);
}

static void test_reindex_same(void **state)
{
	struct fx *f = *state;
	offers(f->s1, ka, 3);
	checkpoint(f->s1, ka);
	offers(f->s1, kb, 9);
	checkpoint(f->s1, kb);
	offers(f->s1, ka, 12);
	checkpoint(f->s1, ka);
	offers(f->s1, kb, 1);
	checkpoint(f->s1, kb);
	char *before = dump_checkpoints(f->s1);
	assert_int_equal(scalar(f->s1, "SELECT count(*) FROM checkpoints"), 4);
	assert_int_equal(store_reindex(f->s1), 0);
	char *after = dump_checkpoints(f->s1);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_consistency_between(void **state)
{
	struct fx *f = *state;
	offers(f->s1, ka, 6);
	checkpoint(f->s1, ka); /* size 6 */
	offers(f->s1, ka, 6);
	checkpoint(f->s1, ka); /* size 13 */
	/* the stored head of the last valid checkpoint no longer matches
	 * what the feed holds: the next one cannot extend it */
	assert_int_equal(sqlite3_exec(store_db(f->s1), "UPDATE checkpoints SET root ="
				      " zeroblob(32) WHERE seq = 14", NULL, NULL, NULL), SQLITE_OK);
	offers(f->s1, ka, 2);
	uint64_t seq = checkpoint(f->s1, ka);
	assert_int_equal(seq, 17);
	assert_int_equal(scalar(f->s1, "SELECT valid FROM checkpoints WHERE seq = 17"), 0);
	assert_int_equal(scalar(f->s1, "SELECT count(*) FROM faults WHERE reason ="
				       " 'checkpoint does not extend the previous checkpoint'"), 1);
	/* the entries themselves say otherwise: reindex finds them all valid */
	assert_int_equal(sqlite3_exec(store_db(f->s1), "DELETE FROM faults", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(store_reindex(f->s1), 0);
	assert_int_equal(scalar(f->s1, "SELECT count(*) FROM checkpoints WHERE valid"), 3);
	assert_int_equal(scalar(f->s1, "SELECT count(*) FROM faults"), 0);

	/* after a forged checkpoint (not along the last valid one), the next
	 * honest one is proven consistent with the last valid one */
	forge_checkpoint(f->s1, ka);
	offers(f->s1, ka, 5);
	seq = checkpoint(f->s1, ka);
	assert_int_equal(scalar(f->s1, "SELECT valid FROM checkpoints ORDER BY seq DESC"
				       " LIMIT 1"), 1);
	struct checkpoint_ref ref;
	assert_int_equal(checkpoint_latest(f->s1, ka->id, &ref), 1);
	assert_int_equal(ref.seq, seq);
}

struct issues {
	int n, checkpoint;
	uint64_t seq;
	char detail[400];
};

static void on_issue(void *arg, const struct audit_issue *v)
{
	struct issues *is = arg;
	is->n++;
	if (strcmp(v->rule, "checkpoint") == 0) {
		is->checkpoint++;
		is->seq = v->seq;
		snprintf(is->detail, sizeof is->detail, "%s", v->detail);
	}
}

static void test_audit_reports(void **state)
{
	struct fx *f = *state;
	struct issues is = {0};
	struct audit_opts o = {NULL, 1, on_issue, NULL, &is};
	struct audit_summary sum;
	offers(f->s1, ka, 3);
	checkpoint(f->s1, ka);
	offers(f->s1, kb, 2);
	checkpoint(f->s1, kb);
	assert_int_equal(audit_run(NULL, f->s1, &o, &sum), 0);
	assert_int_equal(is.n, 0);
	assert_int_equal(sum.issues, 0);
	offers(f->s1, ka, 2);
	uint64_t bad = forge_checkpoint(f->s1, ka);
	memset(&is, 0, sizeof is);
	assert_int_equal(audit_run(NULL, f->s1, &o, &sum), 0);
	assert_int_equal(is.checkpoint, 1);
	assert_int_equal(is.seq, bad);
	assert_non_null(strstr(is.detail, "checkpoint root does not match the feed"));
}

static void test_due(void **state)
{
	struct fx *f = *state;
	int64_t now = clock_now_ms();
	assert_int_equal(checkpoint_due(f->s1, ka->id, now), 0); /* empty */
	offers(f->s1, ka, 1);
	assert_int_equal(checkpoint_due(f->s1, ka->id, now), 0);
	/* a day after the oldest entry not covered */
	assert_int_equal(checkpoint_due(f->s1, ka->id, now + CHECKPOINT_AGE_MS + 1000), 1);
	offers(f->s1, ka, CHECKPOINT_EVERY - 1);
	assert_int_equal(checkpoint_due(f->s1, ka->id, now), 1);
	checkpoint(f->s1, ka);
	assert_int_equal(checkpoint_due(f->s1, ka->id, now + 2 * CHECKPOINT_AGE_MS), 0);
	offers(f->s1, ka, CHECKPOINT_EVERY - 1);
	assert_int_equal(checkpoint_due(f->s1, ka->id, now), 0);
	offers(f->s1, ka, 1);
	assert_int_equal(checkpoint_due(f->s1, ka->id, now), 1);
	/* never for a key that is not a member's */
	struct key *kc = key_seeded(0x33);
	assert_non_null(kc);
	assert_int_equal(checkpoint_due(f->s1, kc->id, now), 0);
	key_destroy(&kc);
}

/* ---- proofs ----------------------------------------------------------- */

/* In s: A offers, B asks, A accepts, B takes it, gives it back, A closes. */
static void loan(struct store *s, uint8_t request[32])
{
	uint8_t res[32];
	append_offer(s, ka, "Camion", res);
	offers(s, kb, 2);
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Request r = MUTUA__REQUEST__INIT;
	r.resource.data = res;
	r.resource.len = 32;
	r.start = T0 + 86400000;
	r.end = T0 + 2 * 86400000;
	r.quantity = 1;
	r.has_rate = 1; /* the rate the borrower agrees to settles */
	r.rate = 1000;
	b.payload_case = MUTUA__BODY__PAYLOAD_REQUEST;
	b.request = &r;
	assert_int_equal(store_append(s, kb, &b, request), 0);
	assert_int_equal(lending_append(s, ka, MUTUA__BODY__PAYLOAD_ACCEPT, request, NULL, -1, -1,
					NULL), 0);
	assert_int_equal(lending_append(s, kb, MUTUA__BODY__PAYLOAD_HANDOVER, request, NULL, -1,
					-1, NULL), 0);
	assert_int_equal(lending_append(s, kb, MUTUA__BODY__PAYLOAD_GIVE_BACK, request, NULL,
					1500, -1, NULL), 0);
	assert_int_equal(lending_append(s, ka, MUTUA__BODY__PAYLOAD_CLOSE, request, NULL, -1,
					1000, NULL), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM loans WHERE state = 'closed'"), 1);
}

static void test_loan_proof(void **state)
{
	struct fx *f = *state;
	uint8_t req[32];
	struct proof p, q;
	struct proof_gap gap;
	struct proof_loan l;
	loan(f->s1, req);

	/* no checkpoint yet: the borrower's own feed is the only gap for B
	 * once A has checkpointed; before, A's gap is named first */
	assert_int_equal(proof_loan_build(&p, f->s1, req, kb->id, &gap), 1);
	assert_int_equal(gap.owner, 1);
	assert_string_equal(gap.step, "acceptance");
	checkpoint(f->s1, ka);
	assert_int_equal(proof_loan_build(&p, f->s1, req, kb->id, &gap), 2);
	assert_int_equal(gap.owner, 0);
	assert_string_equal(gap.step, "request");
	assert_int_equal(proof_loan_build(&p, f->s1, req, NULL, &gap), 1);
	checkpoint(f->s1, kb);
	assert_int_equal(proof_loan_build(&p, f->s1, req, kb->id, &gap), 0);
	assert_int_equal(p.n, 6);

	assert_int_equal(proof_verify(&p, fed_id, &l), 0);
	assert_memory_equal(l.request->id, req, 32);
	assert_int_equal(l.usage, 1500); /* the return's, the close giving none */
	assert_int_equal(l.rate, 1000);
	assert_int_equal(l.credits, 1500);
	assert_non_null(l.handover);
	uint8_t other[32];
	memset(other, 1, sizeof other);
	assert_int_equal(proof_verify(&p, other, &l), -1);
	assert_non_null(strstr(err_msg(), "another federation"));

	/* written and read back: the same */
	char *path = path_in(f->dir, "loan.proof");
	assert_int_equal(proof_write(&p, path), 0);
	size_t len;
	uint8_t *buf = file_get(path, PROOF_FILE_MAX, &len);
	assert_int_equal(proof_read(&q, path), 0);
	assert_int_equal(proof_verify(&q, fed_id, &l), 0);
	proof_free(&q);

	/* every byte matters: any change is refused, by the parser or the
	 * verifier, and nothing crashes */
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		int ok = proof_parse(&q, buf, len) == 0 && proof_verify(&q, fed_id, &l) == 0;
		if (ok)
			fail_msg("byte %zu of %zu changed and the proof still holds", i, len);
		proof_free(&q);
		buf[i] ^= 0x01;
	}
	/* truncated anywhere, or with a byte more */
	for (size_t cut = 0; cut < len; cut += 7) {
		assert_int_equal(proof_parse(&q, buf, cut), -1);
		proof_free(&q);
	}
	uint8_t *longer = malloc(len + 1);
	assert_non_null(longer);
	memcpy(longer, buf, len);
	longer[len] = 0;
	assert_int_equal(proof_parse(&q, longer, len + 1), -1);
	assert_non_null(strstr(err_msg(), "follow the last record"));
	free(longer);

	/* records swapped: parsed, not a loan */
	struct proof_record tmp = p.rec[3];
	p.rec[3] = p.rec[4];
	p.rec[4] = tmp;
	assert_int_equal(proof_verify(&p, fed_id, &l), -1);
	free(buf);
	free(path);
	proof_free(&p);
}

static void test_loan_proof_refusals(void **state)
{
	struct fx *f = *state;
	uint8_t res[32], req[32], none[32];
	struct proof p;
	struct proof_gap gap;
	memset(none, 0xee, sizeof none);
	assert_int_equal(proof_loan_build(&p, f->s1, none, NULL, &gap), -1);
	assert_non_null(strstr(err_msg(), "not a loan"));
	/* a request not accepted is no loan */
	append_offer(f->s1, ka, "Salle", res);
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Request r = MUTUA__REQUEST__INIT;
	r.resource.data = res;
	r.resource.len = 32;
	r.start = T0;
	r.end = T0 + 3600000;
	r.quantity = 1;
	b.payload_case = MUTUA__BODY__PAYLOAD_REQUEST;
	b.request = &r;
	assert_int_equal(store_append(f->s1, kb, &b, req), 0);
	assert_int_equal(proof_loan_build(&p, f->s1, req, NULL, &gap), -1);
	assert_non_null(strstr(err_msg(), "requested: there is no loan"));
}

static void test_fork_proof(void **state)
{
	struct fx *f = *state;
	struct proof p, q;
	offers(f->s1, ka, 2);
	assert_int_equal(proof_fork_build(&p, f->s1, ka->id), -1);
	/* A signs another entry at seq 2, as a copied home would */
	uint64_t head;
	uint8_t prev[32];
	struct entry e1, e2;
	assert_int_equal(store_head(f->s1, ka->id, &head, NULL), 0);
	held_link(f->s1, ka->id, 1, prev);
	seal_checkpoint(&e1, ka, 2, prev, 1, (const uint8_t *)"0123456789abcdef0123456789abcdef",
			HB);
	struct raw_entry raw = {e1.body, e1.body_len, e1.sig, 64};
	struct batch_result r;
	assert_int_equal(store_insert_batch(f->s1, &raw, 1, &r), 0);
	assert_int_equal(r.forks, 1);
	assert_int_equal(proof_fork_build(&p, f->s1, ka->id), 0);
	assert_int_equal(proof_verify(&p, fed_id, NULL), 0);
	assert_int_equal(p.rec[0].e.b->seq, 2);

	char *path = path_in(f->dir, "fork.proof");
	assert_int_equal(proof_write(&p, path), 0);
	assert_int_equal(proof_read(&q, path), 0);
	assert_int_equal(q.kind, PROOF_FORK);
	assert_int_equal(proof_verify(&q, fed_id, NULL), 0);
	proof_free(&q);
	size_t len;
	uint8_t *buf = file_get(path, PROOF_FILE_MAX, &len);
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x80;
		int ok = proof_parse(&q, buf, len) == 0 && proof_verify(&q, fed_id, NULL) == 0;
		if (ok)
			fail_msg("byte %zu of %zu changed and the fork proof still holds", i, len);
		proof_free(&q);
		buf[i] ^= 0x80;
	}
	free(buf);
	/* the same entry twice is no fork */
	entry_free(&p.rec[1].e);
	assert_int_equal(entry_decode(&e2, p.rec[0].e.body, p.rec[0].e.body_len, p.rec[0].e.sig,
				      64), 0);
	p.rec[1].e = e2;
	assert_int_equal(proof_verify(&p, fed_id, NULL), -1);
	assert_non_null(strstr(err_msg(), "one and the same"));
	proof_free(&p);
	entry_free(&e1);
	free(path);
}

/* Inserts the entry held at (k, seq) in from into to, as a peer sends it;
 * returns how many fork proofs that recorded. */
static size_t pass_entry(struct store *from, struct store *to, const struct key *k,
			 uint64_t seq)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(store_db(from), "SELECT body, sig FROM entries"
					    " WHERE author = ?1 AND seq = ?2", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_blob(st, 1, k->id, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	struct raw_entry raw = {sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
				sqlite3_column_blob(st, 1), 64};
	struct batch_result r;
	assert_int_equal(store_insert_batch(to, &raw, 1, &r), 0);
	sqlite3_finalize(st);
	assert_int_equal(r.rejected, 0);
	return r.forks;
}

static int deny_forks(void *arg, int what, const char *table, const char *column,
		      const char *db, const char *trigger)
{
	(void)arg;
	(void)column;
	(void)db;
	(void)trigger;
	return what == SQLITE_READ && table && strcmp(table, "forks") == 0 ? SQLITE_DENY
									   : SQLITE_OK;
}

/* Two nodes hold the two sides of one fork, each the other side in its
 * feed: the proof each builds, and the pair each passes on to its peers,
 * are the same bytes, in the order of the entries' ids. */
static void test_fork_proof_whichever_side_held_first(void **state)
{
	struct fx *f = *state;
	offers(f->s1, ka, 2);
	uint8_t prev[32];
	held_link(f->s1, ka->id, 1, prev);
	struct entry other;
	seal_checkpoint(&other, ka, 2, prev, 1, (const uint8_t *)"0123456789abcdef0123456789abcdef",
			HB);
	/* s1 holds its own seq 2 and receives the other; s2 the reverse */
	pass_entry(f->s1, f->s2, ka, 1);
	struct raw_entry raw = {other.body, other.body_len, other.sig, 64};
	struct batch_result r;
	assert_int_equal(store_insert_batch(f->s2, &raw, 1, &r), 0);
	assert_int_equal(r.added, 1);
	assert_int_equal(store_insert_batch(f->s1, &raw, 1, &r), 0);
	assert_int_equal(r.forks, 1);
	assert_int_equal(pass_entry(f->s1, f->s2, ka, 2), 1);

	uint64_t at1 = 0, at2 = 0;
	assert_int_equal(store_fork_point(f->s1, ka->id, &at1), 1);
	assert_int_equal(store_fork_point(f->s2, ka->id, &at2), 1);
	assert_int_equal(at1, 2);
	assert_int_equal(at2, 2);
	assert_int_equal(store_fork_point(f->s1, kb->id, NULL), 0);

	struct proof_fork_pair a, b;
	assert_int_equal(proof_fork_pair_read(&a, f->s1, ka->id), 1);
	assert_int_equal(proof_fork_pair_read(&b, f->s2, ka->id), 1);
	assert_true(memcmp(a.id[0], a.id[1], 32) < 0);
	for (int i = 0; i < 2; i++) {
		assert_memory_equal(a.id[i], b.id[i], 32);
		assert_int_equal(a.body_len[i], b.body_len[i]);
		assert_memory_equal(a.body[i], b.body[i], a.body_len[i]);
		assert_memory_equal(a.sig[i], b.sig[i], 64);
	}
	proof_fork_pair_free(&a);
	proof_fork_pair_free(&b);

	struct proof p1, p2;
	char *path1 = path_in(f->dir, "one.proof"), *path2 = path_in(f->dir, "two.proof");
	assert_int_equal(proof_fork_build(&p1, f->s1, ka->id), 0);
	assert_int_equal(proof_fork_build(&p2, f->s2, ka->id), 0);
	assert_int_equal(proof_write(&p1, path1), 0);
	assert_int_equal(proof_write(&p2, path2), 0);
	size_t l1, l2;
	uint8_t *b1 = file_get(path1, PROOF_FILE_MAX, &l1), *b2 = file_get(path2, PROOF_FILE_MAX, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(b1, b2, l1);
	free(b1);
	free(b2);
	proof_free(&p1);
	proof_free(&p2);
	free(path1);
	free(path2);

	/* the store cannot read its fork proofs: no answer, no append, no
	 * checkpoint due */
	sqlite3_set_authorizer(store_db(f->s2), deny_forks, NULL);
	assert_int_equal(store_fork_point(f->s2, kb->id, NULL), -1);
	assert_int_equal(proof_fork_pair_read(&a, f->s2, ka->id), -1);
	uint8_t id[32];
	Mutua__Body body = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = 1;
	o.title = "Grue";
	o.unit = 2;
	o.capacity = 1;
	body.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	body.offer = &o;
	assert_int_equal(store_append(f->s2, kb, &body, id), -1);
	assert_non_null(strstr(err_msg(), "forked"));
	assert_int_equal(checkpoint_due(f->s2, kb->id, T0), -1);
	sqlite3_set_authorizer(store_db(f->s2), NULL, NULL);
	assert_int_equal(store_append(f->s2, kb, &body, id), 0);
	entry_free(&other);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consistency_from_frontier),
		cmocka_unit_test(test_entry_rules),
		T(test_feed_with_checkpoints),
		T(test_inclusion_all_sizes),
		T(test_forged_root),
		T(test_reindex_same),
		T(test_consistency_between),
		T(test_audit_reports),
		T(test_due),
		T(test_loan_proof),
		T(test_loan_proof_refusals),
		T(test_fork_proof),
		T(test_fork_proof_whichever_side_held_first),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
