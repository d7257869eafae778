/* search.c - the catalogue's full-text search. See search.h. */
#include "search.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The index holds every row of resources, so that it is the content
 * table's exactly (FTS5's 'integrity-check' with rank 1 says so); a row
 * leaves it with the very values it entered with, before they change.
 * Whether an offer is listed (withdrawn, backdated) is the listing's to
 * say (view_offers).
 *
 * The changes wait for the commit. FTS5 as SQLite 3.40 builds it writes
 * its pending terms to disk at the end of every statement inside a
 * transaction (its xSavepoint and xRelease), a new segment for each offer
 * folded, merged later: a sync of 100 000 offers spent half its time
 * there. The fold notes the rows it changes in search_pending instead (a
 * TEMP table: this connection's, rolled back with the transaction or the
 * savepoint), the first time with the values the index holds, and
 * search_flush hands them all to the index in two statements. */
int search_unindex_offer(struct store *s, const uint8_t resource[32])
{
	if (store_is_scratch(s))
		return 0; /* the audit's: no index (store_open_scratch) */
	/* a row first changed in this transaction is indexed as it stands,
	 * unless it is new (already noted, without values) */
	sqlite3_stmt *st = store_stmt(s, "INSERT OR IGNORE INTO temp.search_pending"
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
	sqlite3_stmt *st = store_stmt(s, "INSERT OR IGNORE INTO temp.search_pending(rowid, old)"
					 " SELECT rowid, 0 FROM resources WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
	return store_step_done(s, st);
}

int search_forget_pending(struct store *s)
{
	return store_is_scratch(s) ? 0 : store_exec(s, "DELETE FROM temp.search_pending");
}

int search_flush(struct store *s)
{
	if (store_is_scratch(s))
		return 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT EXISTS (SELECT 1 FROM temp.search_pending)");
	if (!st)
		return -1;
	int rc = store_step_row(s, st);
	int any = rc == 1 && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc < 0 || !any)
		return rc < 0 ? -1 : 0;
	static const char *const sql[] = {
		"INSERT INTO offers_fts(offers_fts, rowid, title, description, location)"
		" SELECT 'delete', rowid, title, description, location"
		" FROM temp.search_pending WHERE old",
		"INSERT INTO offers_fts(rowid, title, description, location)"
		" SELECT r.rowid, r.title, r.description, r.location"
		" FROM temp.search_pending p JOIN resources r ON r.rowid = p.rowid",
		"DELETE FROM temp.search_pending",
	};
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++)
		if (!(st = store_stmt(s, sql[i])) || store_step_done(s, st))
			return -1;
	return 0;
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
