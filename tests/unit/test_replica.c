/* test_replica.c - the store's reads for replication: heads, runs of
 * entries, members and their endpoints, the data version; and that each
 * fails closed, never reading a damaged store as fewer rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_helpers.h"
#include "federation.h"
#include "replica.h"
#include "view.h"

#include <sodium.h>

#define T0 1767225600000LL

static struct key *ka, *kb, *kc; /* A and B found the federation */
static uint8_t *genesis;
static size_t genesis_len;

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
	char a1[] = "tcp://192.0.2.1:7650", b1[] = "tcp://192.0.2.2:7651",
	     b2[] = "tcp://192.0.2.2:7650";
	char *ea[] = {a1}, *eb[] = {b1, b2};
	char *cards[2] = {card_make(ka, "R\xc3\xa9gie Nord", "structures", ea, 1, T0),
			  card_make(kb, "Cagette", "producteurs", eb, 2, T0)};
	int rc = cards[0] && cards[1] &&
			 genesis_make(&genesis, &genesis_len, "PTCE", NULL, cards, 2, 0, T0) == 0
		 ? 0 : -1;
	free(cards[0]);
	free(cards[1]);
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

struct fx {
	char *dir, *path;
	struct store *s;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->dir = tmpdir_new();
	f->path = path_in(f->dir, "node.db");
	f->s = store_adopted(f->path, genesis, genesis_len);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(&f->s);
	free(f->path);
	tmpdir_remove(&f->dir);
	free(f);
	return 0;
}

/* n profile entries in k's feed, in one transaction that k owns (an append
 * joins no one else's); the college (a note) makes each about two hundred bytes. */
static void append_profiles(struct store *s, const struct key *k, int n)
{
	char note[61];
	memset(note, 'x', sizeof note - 1);
	note[sizeof note - 1] = 0;
	assert_int_equal(store_begin(s, k, "a test batch"), 0);
	for (int i = 0; i < n; i++) {
		Mutua__Body b = MUTUA__BODY__INIT;
		Mutua__Profile p = MUTUA__PROFILE__INIT;
		p.name = k == ka ? "R\xc3\xa9gie Nord" : "Cagette";
		p.college = "structures";
		p.transport_key.data = (uint8_t *)k->xpk;
		p.transport_key.len = 32;
		b.payload_case = MUTUA__BODY__PAYLOAD_PROFILE;
		b.profile = &p;
		p.college = note;
		if (store_append(s, k, &b, NULL) != 0)
			fail_msg("append: %s", err_msg());
	}
	assert_int_equal(store_commit(s, k), 0);
}

struct heads {
	int n, stop_after;
	uint8_t author[4][32], id[4][32];
	uint64_t seq[4];
};

static int take_head(void *arg, const uint8_t *author, uint64_t seq, const uint8_t *id)
{
	struct heads *h = arg;
	assert_true(h->n < 4);
	memcpy(h->author[h->n], author, 32);
	memcpy(h->id[h->n], id, 32);
	h->seq[h->n++] = seq;
	return h->n == h->stop_after;
}

struct run {
	int n, stop_after;
	uint64_t bytes;
	struct store *s;
	const uint8_t *author;
	uint64_t first;
};

/* Each entry's bytes are those held at its seq: their hash is the id. */
static int take_entry(void *arg, const struct raw_entry *e)
{
	struct run *r = arg;
	uint8_t id[32], held[32];
	assert_int_equal(e->sig_len, 64);
	crypto_generichash(id, 32, e->body, e->body_len, NULL, 0);
	assert_int_equal(store_held_id(r->s, r->author, r->first + (uint64_t)r->n, held, NULL), 1);
	assert_memory_equal(id, held, 32);
	r->bytes += e->body_len;
	return ++r->n == r->stop_after;
}

static void test_heads_and_entries(void **state)
{
	struct fx *f = *state;
	struct heads h = {0};
	assert_int_equal(replica_heads(f->s, take_head, &h), 0);
	assert_int_equal(h.n, 0); /* no feed yet */

	append_profiles(f->s, ka, 5);
	append_profiles(f->s, kb, 2);
	assert_int_equal(replica_heads(f->s, take_head, &h), 0);
	assert_int_equal(h.n, 2);
	for (int i = 0; i < 2; i++) {
		uint64_t seq;
		uint8_t id[32];
		assert_int_equal(store_head(f->s, h.author[i], &seq, id), 0);
		assert_int_equal(h.seq[i], seq);
		assert_memory_equal(h.id[i], id, 32);
	}
	assert_true(memcmp(h.author[0], h.author[1], 32) < 0); /* by author */
	struct heads one = {.stop_after = 1};
	assert_int_equal(replica_heads(f->s, take_head, &one), 0);
	assert_int_equal(one.n, 1);

	struct run r = {.s = f->s, .author = ka->id, .first = 2};
	assert_int_equal(replica_entries(f->s, ka->id, 2, 4, take_entry, &r), 0);
	assert_int_equal(r.n, 3);
	r = (struct run){.s = f->s, .author = ka->id, .first = 1, .stop_after = 2};
	assert_int_equal(replica_entries(f->s, ka->id, 1, 5, take_entry, &r), 0);
	assert_int_equal(r.n, 2);
	/* past the head, and a bound beyond what SQLite holds */
	r = (struct run){.s = f->s, .author = ka->id, .first = 4};
	assert_int_equal(replica_entries(f->s, ka->id, 4, UINT64_MAX, take_entry, &r), 0);
	assert_int_equal(r.n, 2);
	r = (struct run){.s = f->s, .author = ka->id, .first = 6};
	assert_int_equal(replica_entries(f->s, ka->id, 6, 9, take_entry, &r), 0);
	assert_int_equal(r.n, 0);
	r = (struct run){.s = f->s, .author = kc->id, .first = 1};
	assert_int_equal(replica_entries(f->s, kc->id, 1, 9, take_entry, &r), 0);
	assert_int_equal(r.n, 0);
}

static void test_members(void **state)
{
	struct fx *f = *state;
	char name[8];
	uint8_t xkey[32];
	assert_int_equal(replica_member_name(f->s, kb->id, name, sizeof name), 1);
	assert_string_equal(name, "Cagette");
	assert_int_equal(replica_member_name(f->s, ka->id, name, 4), 1);
	assert_string_equal(name, "R\xc3\xa9"); /* cut to the room given */
	assert_int_equal(replica_member_name(f->s, kc->id, name, sizeof name), 0);
	assert_int_equal(replica_member_xkey(f->s, ka->id, xkey), 1);
	assert_memory_equal(xkey, ka->xpk, 32);
	assert_int_equal(replica_member_xkey(f->s, kc->id, xkey), 0);

	uint8_t(*ids)[32];
	size_t n;
	assert_int_equal(replica_member_ids(f->s, &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_true(memcmp(ids[0], ids[1], 32) < 0);
	assert_true(memcmp(ids[0], ka->id, 32) == 0 || memcmp(ids[1], ka->id, 32) == 0);
	assert_true(memcmp(ids[0], kb->id, 32) == 0 || memcmp(ids[1], kb->id, 32) == 0);
	free(ids);
}

static void test_endpoints(void **state)
{
	struct fx *f = *state;
	struct replica_endpoint *ep;
	size_t n;
	/* every member but this node, once, with the least of its urls */
	assert_int_equal(replica_endpoints(f->s, ka->id, &ep, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(ep[0].member, kb->id, 32);
	assert_string_equal(ep[0].url, "tcp://192.0.2.2:7650");
	free(ep);
	assert_int_equal(replica_endpoints(f->s, kc->id, &ep, &n), 0);
	assert_int_equal(n, 2);
	free(ep);

	uint8_t m[32];
	assert_int_equal(replica_endpoint_members(f->s, "tcp://192.0.2.2:7651", m), 1);
	assert_memory_equal(m, kb->id, 32);
	assert_int_equal(replica_endpoint_members(f->s, "tcp://192.0.2.9:7650", m), 0);
}

static void test_data_version(void **state)
{
	struct fx *f = *state;
	struct store *other = store_open(f->path);
	int64_t v1, v2, v3;
	assert_non_null(other);
	assert_int_equal(replica_data_version(f->s, &v1), 0);
	assert_int_equal(replica_data_version(f->s, &v2), 0);
	assert_true(v1 == v2);
	append_profiles(other, kb, 1); /* another connection commits */
	assert_int_equal(replica_data_version(f->s, &v3), 0);
	assert_true(v3 != v2);
	assert_int_equal(replica_cache_size(f->s, 16384), 0);
	store_close(&other);
}

/* An idle node gives its page cache back (mutuad's task_shrink). */
static void test_release_memory(void **state)
{
	struct fx *f = *state;
	append_profiles(f->s, ka, 3000);
	assert_int_equal(store_exec(f->s, "SELECT count(*) FROM entries WHERE length(body) > 0"), 0);
	int64_t full = replica_cache_used(f->s);
	assert_true(full > 512 * 1024);
	replica_release_memory(f->s);
	int64_t released = replica_cache_used(f->s);
	assert_true(released >= 0 && released < full / 8);
	/* the pages are read again when a statement needs them */
	assert_int_equal(store_exec(f->s, "SELECT count(*) FROM entries WHERE length(body) > 0"), 0);
	assert_true(replica_cache_used(f->s) > full / 2);
}

/* Overwrites, in the closed store at path, the right-most child of the
 * root page of table (the pages of its last rows) with bytes that are no
 * b-tree page; with leaf set, the root page itself (a one-page table). */
static void corrupt_table(const char *path, const char *table, int root_itself)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT rootpage, (SELECT page_size FROM"
					    " pragma_page_size) FROM sqlite_schema WHERE name = ?1",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	uint32_t page = (uint32_t)sqlite3_column_int(st, 0);
	size_t size = (size_t)sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	assert_true(page > 1 && size >= 512);

	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	uint8_t *buf = malloc(size);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, size, (off_t)(page - 1) * (off_t)size), (ssize_t)size);
	if (!root_itself) {
		assert_int_equal(buf[0], 0x05); /* an interior page of a table */
		page = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 | (uint32_t)buf[10] << 8 |
		       buf[11];
	}
	memset(buf, 0xff, size);
	assert_int_equal(pwrite(fd, buf, size, (off_t)(page - 1) * (off_t)size), (ssize_t)size);
	close(fd);
	free(buf);
}

static void test_damaged_store_fails_closed(void **state)
{
	struct fx *f = *state;
	append_profiles(f->s, ka, 400);
	store_close(&f->s);
	corrupt_table(f->path, "entries", 0);
	corrupt_table(f->path, "feeds", 1);
	assert_non_null(f->s = store_open(f->path));

	/* the first entries are read, then the damage: an error, not the end */
	struct run r = {.s = f->s, .author = ka->id, .first = 1};
	err_set("sentinel");
	assert_int_equal(replica_entries(f->s, ka->id, 1, 400, take_entry, &r), -1);
	assert_true(r.n > 0 && r.n < 400);
	assert_non_null(strstr(err_msg(), "entries"));
	assert_non_null(strstr(err_msg(), "malformed"));

	struct heads h = {0};
	err_set("sentinel");
	assert_int_equal(replica_heads(f->s, take_head, &h), -1);
	assert_int_equal(h.n, 0);
	assert_non_null(strstr(err_msg(), "feed heads"));
	/* the statements were reset: the store still answers elsewhere */
	char name[32];
	assert_int_equal(replica_member_name(f->s, kb->id, name, sizeof name), 1);
}

static void test_missing_table_fails_closed(void **state)
{
	struct fx *f = *state;
	struct replica_endpoint *ep = (void *)1;
	size_t n = 7;
	uint8_t m[32], xkey[32];
	char name[32];
	uint8_t(*ids)[32] = (void *)1;
	assert_int_equal(store_exec(f->s, "DROP TABLE member_endpoints; DROP TABLE members"), 0);
	err_set("sentinel");
	assert_int_equal(replica_endpoints(f->s, ka->id, &ep, &n), -1);
	assert_null(ep);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err_msg(), "member_endpoints"));
	assert_int_equal(replica_endpoint_members(f->s, "tcp://192.0.2.2:7650", m), -1);
	assert_int_equal(replica_member_name(f->s, ka->id, name, sizeof name), -1);
	assert_int_equal(replica_member_xkey(f->s, ka->id, xkey), -1);
	assert_int_equal(replica_member_ids(f->s, &ids, &n), -1);
	assert_null(ids);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_heads_and_entries),
		T(test_members),
		T(test_endpoints),
		T(test_data_version),
		T(test_release_memory),
		T(test_damaged_store_fails_closed),
		T(test_missing_table_fails_closed),
	};
	return cmocka_run_group_tests_name("replica", tests, group_setup, group_teardown);
}
