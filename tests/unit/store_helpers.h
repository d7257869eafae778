/* store_helpers.h - what the unit tests of the store and its folds share:
 * keys from a fixed seed, a store holding a genesis, and the rows of a
 * query as text (to compare two stores' derived tables). Header-only,
 * static inline; include after <cmocka.h>. */
#ifndef MUTUA_TEST_STORE_HELPERS_H
#define MUTUA_TEST_STORE_HELPERS_H

#include "helpers.h"
#include "keys.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <sodium.h>
#include <sqlite3.h>

/* Keys derived from a seed of 32 bytes v. */
static inline struct key *key_seeded(uint8_t v)
{
	uint8_t seed[32];
	memset(seed, v, sizeof seed);
	return key_new(seed);
}

/* A store at path holding the genesis bytes (fails the test otherwise). */
static inline struct store *store_adopted(const char *path, const uint8_t *genesis,
					  size_t len)
{
	struct store *s = store_open(path);
	if (!s)
		fail_msg("store_open: %s", err_msg());
	if (store_adopt_genesis(s, genesis, len) != 0)
		fail_msg("store_adopt_genesis: %s", err_msg());
	return s;
}

/* A statement on s's database (fails the test on an SQL error). */
static inline sqlite3_stmt *db_prep(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL))
		fail_msg("%s: %s", sql, sqlite3_errmsg(store_db(s)));
	return st;
}

/* The link (entry_link) of the entry s holds at (author, seq): what the
 * next entry of the feed names as prev. */
static inline void held_link(struct store *s, const uint8_t *author, uint64_t seq,
			     uint8_t link[32])
{
	sqlite3_stmt *st = db_prep(s, "SELECT id, sig FROM entries WHERE author = ?1"
				      " AND seq = ?2");
	sqlite3_bind_blob(st, 1, author, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(st, 1), 64);
	entry_link(link, sqlite3_column_blob(st, 0), sqlite3_column_blob(st, 1));
	sqlite3_finalize(st);
}

/* Every row of sql as text (malloc'd): columns joined by '|', blobs in
 * hex, one line a row. */
static inline char *db_dump(struct store *s, const char *sql)
{
	sqlite3_stmt *st = db_prep(s, sql);
	size_t len = 0, cap = 1024;
	char *out = malloc(cap);
	assert_non_null(out);
	out[0] = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			char cell[4200];
			int type = sqlite3_column_type(st, i);
			if (type == SQLITE_NULL)
				snprintf(cell, sizeof cell, "NULL");
			else if (type == SQLITE_BLOB) {
				int n = sqlite3_column_bytes(st, i);
				assert_true(n <= 2048);
				sodium_bin2hex(cell, sizeof cell, sqlite3_column_blob(st, i), (size_t)n);
			} else
				snprintf(cell, sizeof cell, "%s", sqlite3_column_text(st, i));
			size_t need = strlen(cell) + 2;
			if (len + need + 1 > cap) {
				cap = 2 * (cap + need);
				out = realloc(out, cap);
				assert_non_null(out);
			}
			len += (size_t)sprintf(out + len, "%s%c", cell,
					       i + 1 < sqlite3_column_count(st) ? '|' : '\n');
		}
	}
	sqlite3_finalize(st);
	return out;
}

#endif
