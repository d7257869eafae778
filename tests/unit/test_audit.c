/* test_audit.c - the audit, on bundles built byte by byte and on a store:
 * every finding names the feed and seq it is about, a FORK record that
 * proves no fork and END counts that differ from the records are reported,
 * and a store that fails to read fails the audit instead of ending it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_helpers.h"
#include "fixture.h"
#include "audit.h"
#include "bundle.h"
#include "entry.h"
#include "federation.h"
#include "history.h"
#include "store.h"
#include "store_int.h"
#include "util.h"
#include "view.h"

#include <sodium.h>

#define T0 1767225600000LL

static struct key *ka, *kb, *kc; /* A and B found the federation; C does not */
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
	kc = key_seeded(0x33);
	if (!ka || !kb || !kc)
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
	key_destroy(&kc);
	free(genesis);
	return 0;
}

struct audit_fx {
	char *dir, *db, *bundle, *out;
	struct store *s; /* A's node: A's and B's feeds, three entries each */
	uint8_t head_a[32];
};

static int setup(void **state)
{
	struct audit_fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->dir = tmpdir_new();
	f->db = path_in(f->dir, "store.db");
	f->bundle = path_in(f->dir, "honest.bundle");
	f->out = path_in(f->dir, "x.bundle");
	f->s = store_adopted(f->db, genesis, genesis_len);
	for (int i = 0; i < 3; i++) {
		fx_offer(f->s, ka, "Camion", NULL);
		fx_offer(f->s, kb, "Salle", NULL);
	}
	uint64_t head;
	assert_int_equal(store_head(f->s, ka->id, &head, NULL), 0);
	held_link(f->s, ka->id, head, f->head_a); /* what A's next entry names */
	assert_int_equal(history_export(f->s, f->bundle, NULL, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct audit_fx *f = *state;
	store_close(&f->s);
	free(f->db);
	free(f->bundle);
	free(f->out);
	tmpdir_remove(&f->dir);
	free(f);
	return 0;
}

/* A body sealed by k at seq (prev given when seq > 1), an offer of this
 * capacity: 0 makes a body every node refuses to decode. The record
 * payload (body_len | body | sig) in a malloc'd buffer. */
static uint8_t *sealed(const struct key *k, uint64_t seq, const uint8_t *prev,
		       uint64_t capacity, size_t *len)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	o.kind = 1;
	o.title = "Autre";
	o.unit = 2;
	o.capacity = capacity;
	b.federation.data = fed_id;
	b.federation.len = 32;
	b.author.data = (uint8_t *)k->id;
	b.author.len = 32;
	b.seq = seq;
	b.has_prev = seq > 1;
	b.prev.data = (uint8_t *)prev;
	b.prev.len = 32;
	b.time = T0 + 1000000;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	size_t bl = mutua__body__get_packed_size(&b), dl = sizeof ENTRY_SIG_DOMAIN;
	uint8_t *rec = malloc(4 + bl + 64), *m = malloc(dl + bl);
	assert_non_null(rec);
	assert_non_null(m);
	for (int i = 0; i < 4; i++)
		rec[i] = (uint8_t)(bl >> (8 * i));
	mutua__body__pack(&b, rec + 4);
	memcpy(m, ENTRY_SIG_DOMAIN, dl);
	memcpy(m + dl, rec + 4, bl);
	crypto_sign_detached(rec + 4 + bl, NULL, m, dl + bl, k->sign_sk);
	free(m);
	*len = 4 + bl + 64;
	return rec;
}

/* Writes to out the honest bundle with one more record (type, payload)
 * after its last one, and an END record counting ne entries and nf forks
 * (-1: the true counts), with the right digest. */
static void bundle_plus(struct audit_fx *f, int type, const uint8_t *rec, size_t len, int64_t ne,
			int64_t nf)
{
	size_t n;
	uint8_t *old = file_get(f->bundle, 1 << 20, &n);
	assert_true(n > 8 + 53);
	n -= 53; /* the END record */
	uint64_t entries = old[n + 5] | (uint64_t)old[n + 6] << 8, forks = 0;
	size_t total = n + (rec ? 5 + len : 0) + 53;
	uint8_t *out = malloc(total), *p = out + n;
	assert_non_null(out);
	memcpy(out, old, n);
	free(old);
	if (rec) {
		p[0] = (uint8_t)type;
		for (int i = 0; i < 4; i++)
			p[1 + i] = (uint8_t)(len >> (8 * i));
		memcpy(p + 5, rec, len);
		p += 5 + len;
		if (type == BUNDLE_ENTRY)
			entries++;
		else
			forks++;
	}
	if (ne >= 0)
		entries = (uint64_t)ne;
	if (nf >= 0)
		forks = (uint64_t)nf;
	p[0] = BUNDLE_END;
	p[1] = 48;
	p[2] = p[3] = p[4] = 0;
	for (int i = 0; i < 8; i++) {
		p[5 + i] = (uint8_t)(entries >> (8 * i));
		p[13 + i] = (uint8_t)(forks >> (8 * i));
	}
	crypto_generichash(p + 21, 32, out, (size_t)(p - out), NULL, 0);
	file_put(f->out, out, total, 0644);
	free(out);
}

#define ISSUES_MAX 16

struct found {
	size_t n;
	struct audit_issue v[ISSUES_MAX];
};

static void collect(void *arg, const struct audit_issue *v)
{
	struct found *fd = arg;
	assert_true(fd->n < ISSUES_MAX);
	fd->v[fd->n++] = *v;
}

static void audit(const char *path, struct store *s, struct found *fd, struct audit_summary *sum)
{
	struct audit_opts o = {NULL, 1, collect, NULL, fd};
	memset(fd, 0, sizeof *fd);
	if (audit_run(path, s, &o, sum) != 0)
		fail_msg("audit_run: %s", err_msg());
	assert_int_equal(sum->issues, fd->n);
}

static void assert_issue(const struct audit_issue *v, const struct key *k, uint64_t seq,
			 const char *rule, const char *detail)
{
	char hex[HEX_ID_LEN + 1] = "";
	if (k)
		hex_encode(hex, k->id, 32);
	assert_string_equal(v->member, hex);
	assert_int_equal(v->seq, seq);
	assert_string_equal(v->rule, rule);
	if (!strstr(v->detail, detail))
		fail_msg("detail '%s' lacks '%s'", v->detail, detail);
}

static void test_honest(void **state)
{
	struct audit_fx *f = *state;
	struct found fd;
	struct audit_summary sum;
	audit(f->bundle, NULL, &fd, &sum);
	assert_int_equal(sum.issues, 0);
	assert_int_equal(sum.entries, 6);
	/* the same bundle rewritten by the test's writer still passes */
	bundle_plus(f, 0, NULL, 0, -1, -1);
	audit(f->out, NULL, &fd, &sum);
	assert_int_equal(sum.issues, 0);
}

/* The rows of view_heads, one string. */
static char *heads_of(struct store *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	struct view_rows *r = view_open(s, &view_heads, NULL, 0, 0);
	assert_non_null(r);
	int rc;
	while ((rc = view_next(r)) == 1)
		fprintf(m, "%s %s %s %lld %lld\n", view_text(r, 0), view_text(r, 1),
			view_text(r, 2) ? view_text(r, 2) : "-", (long long)view_int(r, 3),
			(long long)view_int(r, 4));
	assert_int_equal(rc, 0);
	view_close(&r);
	assert_int_equal(fclose(m), 0);
	return buf;
}

/* opts.keep hands over the scratch store: view_heads reads there the
 * heads the node's own store holds, and a run that fails hands none. */
static void test_keep_scratch(void **state)
{
	struct audit_fx *f = *state;
	struct found fd = {0};
	struct audit_summary sum;
	struct store *scratch = NULL;
	struct audit_opts o = {NULL, 1, collect, NULL, &fd, &scratch};
	assert_int_equal(audit_run(f->bundle, NULL, &o, &sum), 0);
	assert_int_equal(sum.issues, 0);
	assert_non_null(scratch);
	char *mine = heads_of(f->s), *theirs = heads_of(scratch);
	assert_string_equal(theirs, mine);
	assert_non_null(strstr(mine, " 3 ")); /* each feed at seq 3 */
	free(mine);
	free(theirs);
	store_close(&scratch);
	store_close(&scratch); /* safe twice */
	file_put(f->out, (const uint8_t *)"not a bundle", 12, 0644);
	assert_int_equal(audit_run(f->out, NULL, &o, &sum), -1);
	assert_null(scratch);
}

static void test_orphan_fork_record(void **state)
{
	struct audit_fx *f = *state;
	struct found fd;
	struct audit_summary sum;
	size_t len;
	/* a validly signed entry of A at a seq nothing holds */
	uint8_t *rec = sealed(ka, 9, f->head_a, 1, &len);
	bundle_plus(f, BUNDLE_FORK, rec, len, -1, -1);
	free(rec);
	audit(f->out, NULL, &fd, &sum);
	assert_int_equal(sum.forks, 0);
	assert_int_equal(fd.n, 1);
	assert_issue(&fd.v[0], ka, 9, "fork", "not a fork: no other entry is held at seq 9");

	/* an entry of the history itself, as a FORK record: no fork either */
	struct entry e;
	sqlite3_stmt *st = db_prep(f->s, "SELECT body, sig FROM entries WHERE author = ?1"
				      " AND seq = 2");
	sqlite3_bind_blob(st, 1, ka->id, 32, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	size_t bl = (size_t)sqlite3_column_bytes(st, 0);
	rec = malloc(4 + bl + 64);
	assert_non_null(rec);
	for (int i = 0; i < 4; i++)
		rec[i] = (uint8_t)(bl >> (8 * i));
	memcpy(rec + 4, sqlite3_column_blob(st, 0), bl);
	memcpy(rec + 4 + bl, sqlite3_column_blob(st, 1), 64);
	sqlite3_finalize(st);
	assert_int_equal(entry_decode(&e, rec + 4, bl, rec + 4 + bl, 64), 0);
	entry_free(&e);
	bundle_plus(f, BUNDLE_FORK, rec, 4 + bl + 64, -1, -1);
	free(rec);
	audit(f->out, NULL, &fd, &sum);
	assert_int_equal(sum.forks, 0);
	assert_int_equal(fd.n, 1);
	assert_issue(&fd.v[0], ka, 2, "fork", "not a fork: no other entry is held at seq 2");

	/* a true fork: another entry at A's seq 3 */
	struct entry held;
	st = db_prep(f->s, "SELECT body, sig FROM entries WHERE author = ?1 AND seq = 2");
	sqlite3_bind_blob(st, 1, ka->id, 32, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(entry_decode(&held, sqlite3_column_blob(st, 0),
				      (size_t)sqlite3_column_bytes(st, 0),
				      sqlite3_column_blob(st, 1), 64), 0);
	sqlite3_finalize(st);
	uint8_t link2[32];
	held_link(f->s, ka->id, 2, link2);
	rec = sealed(ka, 3, link2, 1, &len);
	entry_free(&held);
	bundle_plus(f, BUNDLE_FORK, rec, len, -1, -1);
	free(rec);
	audit(f->out, NULL, &fd, &sum);
	assert_int_equal(sum.forks, 1);
	assert_int_equal(fd.n, 1);
	assert_issue(&fd.v[0], ka, 3, "fork", "two different signed entries at seq 3");

	/* a non-member's FORK record: the store's refusal */
	rec = sealed(kc, 1, NULL, 1, &len);
	bundle_plus(f, BUNDLE_FORK, rec, len, -1, -1);
	free(rec);
	audit(f->out, NULL, &fd, &sum);
	assert_int_equal(fd.n, 1);
	assert_issue(&fd.v[0], kc, 1, "fork", "fork proof of a non-member");
}

static void test_end_counts(void **state)
{
	struct audit_fx *f = *state;
	struct found fd;
	struct audit_summary sum;
	size_t len;
	uint8_t *rec = sealed(ka, 9, f->head_a, 1, &len);
	/* END counts one fork more than the bundle holds, and one entry less */
	bundle_plus(f, 0, NULL, 0, 5, 1);
	audit(f->out, NULL, &fd, &sum);
	assert_int_equal(fd.n, 1);
	assert_issue(&fd.v[0], NULL, 0, "format",
		     "the END record counts 5 entries and 1 fork proofs, the bundle holds 6 and 0");
	/* an orphan FORK record that END counts: both are said */
	bundle_plus(f, BUNDLE_FORK, rec, len, -1, 2);
	free(rec);
	audit(f->out, NULL, &fd, &sum);
	assert_int_equal(fd.n, 2);
	assert_issue(&fd.v[0], ka, 9, "fork", "not a fork");
	assert_issue(&fd.v[1], NULL, 0, "format", "counts 6 entries and 2 fork proofs, the bundle "
		     "holds 6 and 1");
}

static void test_format_names_feed_and_seq(void **state)
{
	struct audit_fx *f = *state;
	struct found fd;
	struct audit_summary sum;
	struct entry e;
	size_t len;
	/* B's seq 4, validly signed, a body no node decodes */
	uint8_t *rec = sealed(kb, 4, f->head_a, 0, &len);
	assert_int_equal(entry_decode(&e, rec + 4, len - 68, rec + len - 64, 64), -1);
	char why[300];
	snprintf(why, sizeof why, "%s", err_msg());
	bundle_plus(f, BUNDLE_ENTRY, rec, len, -1, -1);
	free(rec);
	audit(f->out, NULL, &fd, &sum);
	assert_int_equal(fd.n, 1);
	assert_issue(&fd.v[0], kb, 4, "format", why);
	assert_string_equal(fd.v[0].detail, why);
	assert_string_equal(fd.v[0].name, "Beta");

	/* a body that names no feed: its record's place (the seventh) */
	uint8_t junk[4 + 3 + 64] = {3, 0, 0, 0, 0xff, 0xff, 0xff};
	bundle_plus(f, BUNDLE_ENTRY, junk, sizeof junk, -1, -1);
	audit(f->out, NULL, &fd, &sum);
	assert_int_equal(fd.n, 1);
	assert_issue(&fd.v[0], NULL, 0, "format", "entry record 7: ");
	/* and as a FORK record, the first */
	bundle_plus(f, BUNDLE_FORK, junk, sizeof junk, -1, -1);
	audit(f->out, NULL, &fd, &sum);
	assert_int_equal(fd.n, 1);
	assert_issue(&fd.v[0], NULL, 0, "format", "fork record 1: ");
}

/* fail_after(n): true for n rows, then an error, as a read of a damaged
 * or locked page gives one in the middle of a table. */
static int reads_left;

static void fail_after(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	(void)argc, (void)v;
	if (reads_left-- > 0)
		sqlite3_result_int(cx, 1);
	else
		sqlite3_result_error(cx, "disk I/O error (injected)", -1);
}

static void test_store_read_error_fails(void **state)
{
	struct audit_fx *f = *state;
	struct found fd;
	struct audit_summary sum;
	struct audit_opts o = {NULL, 1, collect, NULL, &fd};
	audit(NULL, f->s, &fd, &sum);
	assert_int_equal(sum.issues, 0);
	assert_int_equal(sum.entries, 6);
	/* the entries read as far as the fourth, then the read fails: that is
	 * no end of the history, and no audit passes on two thirds of it */
	sqlite3 *db = store_db(f->s);
	assert_int_equal(sqlite3_create_function(db, "fail_after", 0, SQLITE_UTF8, NULL,
						 fail_after, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TEMP VIEW entries AS SELECT * FROM main.entries"
				      " WHERE fail_after()", NULL, NULL, NULL), SQLITE_OK);
	reads_left = 4;
	memset(&fd, 0, sizeof fd);
	assert_int_equal(audit_run(NULL, f->s, &o, &sum), -1);
	if (!strstr(err_msg(), "injected"))
		fail_msg("err_msg: '%s'", err_msg());
	assert_int_equal(fd.n, 0);
	assert_int_equal(sqlite3_exec(db, "DROP VIEW temp.entries", NULL, NULL, NULL), SQLITE_OK);
}

static void test_writer_keeps_the_format(void **state)
{
	struct audit_fx *f = *state;
	size_t len;
	uint8_t *rec = sealed(ka, 9, f->head_a, 1, &len);
	struct bundle_writer *w = bundle_writer_open(f->out);
	assert_non_null(w);
	/* nothing before the genesis; no entry after a fork proof */
	assert_int_equal(bundle_write(w, BUNDLE_ENTRY, rec, len), -1);
	assert_int_equal(bundle_write(w, BUNDLE_GENESIS, genesis, genesis_len), 0);
	assert_int_equal(bundle_write(w, BUNDLE_GENESIS, genesis, genesis_len), -1);
	assert_int_equal(bundle_write(w, BUNDLE_ENTRY, rec, len - 1), -1);
	assert_int_equal(bundle_write(w, BUNDLE_ENTRY, rec, len), 0);
	assert_int_equal(bundle_write(w, BUNDLE_FORK, rec, len), 0);
	assert_int_equal(bundle_write(w, BUNDLE_ENTRY, rec, len), -1);
	assert_int_equal(bundle_write(w, BUNDLE_END, rec, len), -1);
	uint64_t ne, nf;
	assert_int_equal(bundle_writer_commit(&w, &ne, &nf), 0);
	assert_null(w);
	assert_int_equal(ne, 1);
	assert_int_equal(nf, 1);
	/* what it wrote reads back, END and digest included */
	struct bundle_reader *r = bundle_open(f->out);
	int type, n = 0, got;
	const uint8_t *data;
	size_t dl;
	assert_non_null(r);
	while ((got = bundle_next(r, &type, &data, &dl)) == 1)
		n++;
	assert_int_equal(got, 0);
	assert_int_equal(n, 3);
	assert_int_equal(bundle_end_counts(r, &ne, &nf), 0);
	assert_int_equal(ne, 1);
	assert_int_equal(nf, 1);
	bundle_close(&r);
	/* an abandoned bundle leaves no file */
	char *p = path_in(f->dir, "gone.bundle");
	w = bundle_writer_open(p);
	assert_int_equal(bundle_write(w, BUNDLE_GENESIS, genesis, genesis_len), 0);
	bundle_writer_destroy(&w);
	bundle_writer_destroy(&w);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	free(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_honest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_scratch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphan_fork_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_names_feed_and_seq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_read_error_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_keeps_the_format, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
