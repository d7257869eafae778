/* search.c - the catalogue's full-text search. See search.h. */
#include "search.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The index holds every row of resources, so that it is the content
 * table's exactly (FTS5's 'integrity-check' with rank 1 says so); a row
 * leaves it with the very values it entered with, before they change.
 * Whether an offer is listed (withdrawn, backdated) is the listing's to
 * say (view_offers).
 *
 * The index catches up later. FTS5 writes at least a new segment of its
 * own pages at every transaction that changes it, and SQLite 3.40's at
 * the end of every statement inside one (its xSavepoint and xRelease):
 * a sync of 100 000 offers spent half its time there, and an offer's
 * append a third of its pages. The fold notes the rows it changes in
 * search_pending instead (a row of a small table), the first time with
 * the values the index holds; search_catch_up hands them to the index
 * before a search (view_open) and when mutuad has a moment. */
int search_unindex_offer(struct store *s, const uint8_t resource[32])
{
	if (store_is_scratch(s))
		return 0; /* the audit's: no index (store_open_scratch) */
	/* a row first changed since the index took it is indexed as it
	 * stands, unless it is new (already noted, without values) */
	sqlite3_stmt *st = store_stmt(s, "INSERT OR IGNORE INTO search_pending"
					 " SELECT rowid, 1, title, description, location"
					 " FROM resources WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
	return store_step_done(s, st);
}

int search_index_offer(struct store *s, const uint8_t resource[32])
{
	if (store_is_scratch(s))
		return 0;
	sqlite3_stmt *st = store_stmt(s, "INSERT OR IGNORE INTO search_pending(rowid, old)"
					 " SELECT rowid, 0 FROM resources WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
	return store_step_done(s, st);
}

int search_index_row(struct store *s, int64_t rowid)
{
	if (store_is_scratch(s))
		return 0;
	sqlite3_stmt *st = store_stmt(s, "INSERT OR IGNORE INTO search_pending(rowid, old)"
					 " VALUES (?1, 0)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, rowid);
	return store_step_done(s, st);
}

int search_forget_pending(struct store *s)
{
	return store_is_scratch(s) ? 0 : store_exec(s, "DELETE FROM search_pending");
}

/* 1 when rows are noted, 0 when none, -1. */
static int pending(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT EXISTS (SELECT 1 FROM search_pending)");
	if (!st)
		return -1;
	int rc = store_step_row(s, st);
	if (rc == 1)
		rc = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc;
}

/* Hands at most limit of the rows noted to the index, the lowest rowids
 * first, inside the caller's transaction. 0 or -1. */
static int flush(struct store *s, int64_t limit)
{
	static const char *const sql[] = {
		"INSERT INTO offers_fts(offers_fts, rowid, title, description, location)"
		" SELECT 'delete', rowid, title, description, location FROM search_pending"
		" WHERE old AND rowid IN (SELECT rowid FROM search_pending ORDER BY rowid"
		" LIMIT ?1)",
		"INSERT INTO offers_fts(rowid, title, description, location)"
		" SELECT r.rowid, r.title, r.description, r.location FROM resources r"
		" WHERE r.rowid IN (SELECT rowid FROM search_pending ORDER BY rowid LIMIT ?1)",
		"DELETE FROM search_pending WHERE rowid IN (SELECT rowid FROM search_pending"
		" ORDER BY rowid LIMIT ?1)",
	};
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
		sqlite3_stmt *st = store_stmt(s, sql[i]);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, limit);
		if (store_step_done(s, st))
			return -1;
	}
	return 0;
}

int search_catch_up(struct store *s, int64_t limit)
{
	if (store_is_scratch(s))
		return 0;
	int rc = pending(s);
	if (rc <= 0)
		return rc;
	/* never waiting for the write lock: another writer's rows wait */
	sqlite3_busy_timeout(store_db(s), 0);
	int begun = store_begin(s, s, "the search index");
	sqlite3_busy_timeout(store_db(s), STORE_BUSY_MS);
	if (begun)
		return (sqlite3_extended_errcode(store_db(s)) & 0xff) == SQLITE_BUSY ? 1 : -1;
	if (flush(s, limit > 0 ? limit : INT64_MAX) || (rc = pending(s)) < 0 ||
	    store_commit(s, s)) {
		store_rollback(s, s);
		return -1;
	}
	return rc;
}

/* Appends each word of text to the query at *q (length *n, room *cap) as
 * [column : ]"word"* ; counts the words in *words. 0, or -1 (err_set). */
static int add_words(char **q, size_t *n, size_t *cap, const char *text, const char *column,
		     int *words)
{
	static const char space[] = " \t\r\n\f\v";
	for (const char *p = text; p && *p;) {
		p += strspn(p, space);
		size_t len = strcspn(p, space);
		if (!len)
			break;
		if (++*words > SEARCH_WORDS_MAX)
			return err_set("at most %d words a search", SEARCH_WORDS_MAX);
		/* worst case: every byte a quote, doubled, and the column */
		size_t need = *n + 2 * len + (column ? strlen(column) + 3 : 0) + 5;
		if (need > *cap) {
			size_t ncap = 2 * need;
			char *more = realloc(*q, ncap);
			if (!more)
				return err_set("out of memory");
			*q = more;
			*cap = ncap;
		}
		char *o = *q + *n;
		if (*n)
			*o++ = ' ';
		if (column) {
			size_t c = strlen(column);
			memcpy(o, column, c);
			o += c;
			memcpy(o, " : ", 3);
			o += 3;
		}
		*o++ = '"';
		for (size_t i = 0; i < len; i++) {
			if (p[i] == '"')
				*o++ = '"';
			*o++ = p[i];
		}
		*o++ = '"';
		*o++ = '*';
		*o = 0;
		*n = (size_t)(o - *q);
		p += len;
	}
	return 0;
}

char *search_query(const char *words, const char *place, int *empty)
{
	char *q = NULL;
	size_t n = 0, cap = 0;
	int count = 0;
	*empty = 0;
	if (add_words(&q, &n, &cap, words, NULL, &count) ||
	    add_words(&q, &n, &cap, place, "location", &count)) {
		free(q);
		return NULL;
	}
	if (!count) {
		free(q);
		*empty = 1;
		return NULL;
	}
	return q;
}

static void sql_search(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	(void)argc;
	int empty;
	char *q = search_query((const char *)sqlite3_value_text(v[0]),
			       (const char *)sqlite3_value_text(v[1]), &empty);
	if (q)
		sqlite3_result_text(cx, q, -1, free);
	else if (empty)
		sqlite3_result_null(cx);
	else
		sqlite3_result_error(cx, err_msg(), -1);
}

int search_register_sql(struct store *s)
{
	sqlite3 *db = store_db(s);
	if (sqlite3_create_function(db, "mutua_search", 2,
				    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
				    sql_search, NULL, NULL))
		return err_set("store: %s", sqlite3_errmsg(db));
	return 0;
}
