/* replica.c - the store's reads for replication (replica.h). */
#include "replica.h"
#include "util.h"
#include "store_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Resets st and says why its step failed: -1. */
static int step_failed(sqlite3_stmt *st, const char *what)
{
	err_set("store: %s: %s", what, sqlite3_errmsg(sqlite3_db_handle(st)));
	sqlite3_reset(st);
	return -1;
}

/* The end of a row loop: 0 when rc says the rows ran out (or the caller
 * stopped them), -1 when it is an error. Resets st either way. */
static int rows_end(sqlite3_stmt *st, int rc, const char *what)
{
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return step_failed(st, what);
	sqlite3_reset(st);
	return 0;
}

/* A column that must hold a 32-byte id. */
static const uint8_t *id_column(sqlite3_stmt *st, int col)
{
	return sqlite3_column_bytes(st, col) == 32 ? sqlite3_column_blob(st, col) : NULL;
}

int replica_heads(struct store *s, replica_head_fn fn, void *arg)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT author, seq, id FROM feeds ORDER BY author");
	int rc;
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *author = id_column(st, 0), *id = id_column(st, 2);
		if (!author || !id) {
			sqlite3_reset(st);
			return err_set("store: a feed head is not an id");
		}
		if (fn(arg, author, (uint64_t)sqlite3_column_int64(st, 1), id))
			break;
	}
	return rows_end(st, rc, "feed heads");
}

int replica_entries(struct store *s, const uint8_t author[KEY_ID_BYTES], uint64_t from,
		    uint64_t to, replica_entry_fn fn, void *arg)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT body, sig FROM entries WHERE author = ?1"
				      " AND seq >= ?2 AND seq <= ?3 ORDER BY seq");
	int rc;
	if (!st)
		return -1;
	if (from > INT64_MAX)
		return 0;
	if (to > INT64_MAX)
		to = INT64_MAX;
	sqlite3_bind_blob(st, 1, author, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct raw_entry e = {
			sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
			sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
		};
		if (fn(arg, &e))
			break;
	}
	return rows_end(st, rc, "entries");
}

int replica_member_name(struct store *s, const uint8_t member[KEY_ID_BYTES], char *out,
			size_t n)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT name FROM members WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, member, KEY_ID_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	if (rows_end(st, rc, "member name"))
		return -1;
	return rc == SQLITE_ROW;
}

int replica_member_xkey(struct store *s, const uint8_t member[KEY_ID_BYTES],
			uint8_t xkey[KEY_ID_BYTES])
{
	sqlite3_stmt *st = store_stmt(s, "SELECT xkey FROM members WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, member, KEY_ID_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW) {
		const uint8_t *k = id_column(st, 0);
		if (!k) {
			sqlite3_reset(st);
			return err_set("store: a member's transport key is not a key");
		}
		memcpy(xkey, k, KEY_ID_BYTES);
		found = 1;
	}
	if (rows_end(st, rc, "transport key"))
		return -1;
	return found;
}

int replica_member_ids(struct store *s, uint8_t (**ids)[KEY_ID_BYTES], size_t *n)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM members ORDER BY id");
	size_t cap = 0;
	int rc;
	*ids = NULL;
	*n = 0;
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *id = id_column(st, 0);
		if (!id) {
			err_set("store: a member id is not an id");
			goto fail;
		}
		if (*n == cap) {
			uint8_t(*more)[KEY_ID_BYTES] = realloc(*ids, (cap ? 2 * cap : 16) * sizeof **ids);
			if (!more) {
				err_set("out of memory");
				goto fail;
			}
			*ids = more;
			cap = cap ? 2 * cap : 16;
		}
		memcpy((*ids)[(*n)++], id, KEY_ID_BYTES);
	}
	if (rows_end(st, rc, "member ids") == 0)
		return 0;
	st = NULL;
fail:
	if (st)
		sqlite3_reset(st);
	free(*ids);
	*ids = NULL;
	*n = 0;
	return -1;
}

int replica_endpoints(struct store *s, const uint8_t except[KEY_ID_BYTES],
		      struct replica_endpoint **out, size_t *n)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT member, min(url) FROM member_endpoints"
				      " WHERE member != ?1 GROUP BY member");
	size_t cap = 0;
	int rc;
	*out = NULL;
	*n = 0;
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, except, KEY_ID_BYTES, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *member = id_column(st, 0);
		const char *url = (const char *)sqlite3_column_text(st, 1);
		if (!member || !url) {
			err_set("store: an endpoint without its member");
			goto fail;
		}
		if (*n == cap) {
			struct replica_endpoint *more =
				realloc(*out, (cap ? 2 * cap : 8) * sizeof **out);
			if (!more) {
				err_set("out of memory");
				goto fail;
			}
			*out = more;
			cap = cap ? 2 * cap : 8;
		}
		memcpy((*out)[*n].member, member, KEY_ID_BYTES);
		snprintf((*out)[*n].url, sizeof (*out)[*n].url, "%s", url);
		(*n)++;
	}
	if (rows_end(st, rc, "endpoints") == 0)
		return 0;
	st = NULL;
fail:
	if (st)
		sqlite3_reset(st);
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

int replica_endpoint_members(struct store *s, const char *url, uint8_t member[KEY_ID_BYTES])
{
	sqlite3_stmt *st = store_stmt(s, "SELECT DISTINCT member FROM member_endpoints"
				      " WHERE url = ?1");
	int rc, count = 0;
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *id = id_column(st, 0);
		if (id && count == 0)
			memcpy(member, id, KEY_ID_BYTES);
		count += id != NULL;
	}
	if (rows_end(st, rc, "endpoint"))
		return -1;
	return count;
}

int replica_data_version(struct store *s, int64_t *version)
{
	sqlite3_stmt *st = store_stmt(s, "PRAGMA data_version");
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		return step_failed(st, "data version");
	*version = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int replica_cache_size(struct store *s, int kib)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", kib);
	return store_exec(s, sql);
}

int64_t replica_cache_used(struct store *s)
{
	int used, high;
	if (sqlite3_db_status(store_db(s), SQLITE_DBSTATUS_CACHE_USED, &used, &high, 0))
		return err_set("page cache: %s", sqlite3_errmsg(store_db(s)));
	return used;
}

void replica_release_memory(struct store *s)
{
	sqlite3_db_release_memory(store_db(s));
}
