/* view.c - running the read models (view.h). */
#include "view.h"
#include "search.h"
#include "amount.h"
#include "clock.h"
#include "store.h"
#include "store_int.h"
#include "util.h"
#include "names.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct view_rows {
	sqlite3_stmt *st;
	const struct view *v;
	int json;
};

/* Whether the row being stepped is printed as JSON (mutua_time and
 * mutua_amount write for a script) or for a person (in the reader's
 * style). Set by view_next around each step: the functions run then. */
static _Thread_local int for_json;

/* mutua_time(ms [, form]): a time held in UTC ms, as the output wants it
 * (NULL stays NULL). For a person, local time with its offset,
 * "2026-12-05 08:00 +01:00"; under --json ISO 8601 with the local offset,
 * "2026-12-05T08:00:00+01:00". form 'seconds': to the second for a
 * person, to the millisecond under --json; 'iso': ISO 8601 with the
 * offset, always; 'sheet': local time as spreadsheets read it,
 * "2026-12-05 08:00:00", always. What is stored or signed stays in UTC. */
static void sql_time(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	if (sqlite3_value_type(v[0]) == SQLITE_NULL) {
		sqlite3_result_null(cx);
		return;
	}
	int64_t ms = sqlite3_value_int64(v[0]);
	const char *form = argc > 1 ? (const char *)sqlite3_value_text(v[1]) : NULL;
	void (*format)(char *, int64_t);
	if (!form)
		format = for_json ? clock_format_iso : clock_format_offset;
	else if (!strcmp(form, "seconds"))
		format = for_json ? clock_format_iso_ms : clock_format_offset_s;
	else if (!strcmp(form, "iso"))
		format = clock_format_iso;
	else if (!strcmp(form, "sheet"))
		format = clock_format_sheet;
	else {
		sqlite3_result_error(cx, "mutua_time: unknown form", -1);
		return;
	}
	/* the same instants come back row after row (a calendar's slots,
	 * whole days and hours): the last few written are kept, by instant,
	 * form and zone (as tzset left it) */
	static _Thread_local struct {
		int64_t ms;
		void (*format)(char *, int64_t);
		long zone;
		const char *zone_name;
		char text[CLOCK_BUF];
	} memo[16];
	unsigned slot = (unsigned)(((uint64_t)ms / 1000 * 0x9e3779b1u) >> 7) % 16;
	if (memo[slot].format != format || memo[slot].ms != ms || memo[slot].zone != timezone ||
	    memo[slot].zone_name != tzname[0]) {
		format(memo[slot].text, ms);
		memo[slot].format = format;
		memo[slot].ms = ms;
		memo[slot].zone = timezone;
		memo[slot].zone_name = tzname[0];
	}
	sqlite3_result_text(cx, memo[slot].text, -1, SQLITE_TRANSIENT);
}

/* mutua_amount(hundredths): under --json a number (12.5); for a person
 * two decimals in the reader's style, "12.50" or "12,50" (amount.h). */
static void sql_amount(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	(void)argc;
	if (sqlite3_value_type(v[0]) == SQLITE_NULL) {
		sqlite3_result_null(cx);
		return;
	}
	int64_t a = sqlite3_value_int64(v[0]);
	if (for_json) {
		sqlite3_result_double(cx, (double)a / 100.0);
		return;
	}
	char buf[AMOUNT_BUF];
	amount_format_local(buf, a);
	sqlite3_result_text(cx, buf, -1, SQLITE_TRANSIENT);
}

/* mutua_duration(ms): under --json the seconds (a number); for a person
 * in words, "14 days", "3 h 30 min" (clock.h). */
static void sql_duration(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	(void)argc;
	if (sqlite3_value_type(v[0]) == SQLITE_NULL) {
		sqlite3_result_null(cx);
		return;
	}
	int64_t ms = sqlite3_value_int64(v[0]);
	if (for_json) {
		sqlite3_result_int64(cx, ms / 1000);
		return;
	}
	char buf[64];
	clock_format_duration(buf, sizeof buf, ms);
	sqlite3_result_text(cx, buf, -1, SQLITE_TRANSIENT);
}

/* mutua_for_json(): 1 when the row is printed as JSON, for a text that
 * must read the same whatever the reader's locale. */
static void sql_for_json(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	(void)argc;
	(void)v;
	sqlite3_result_int(cx, for_json);
}

int view_register_sql(struct store *s)
{
	sqlite3 *db = store_db(s);
	if (sqlite3_create_function(db, "mutua_time", 1, SQLITE_UTF8, NULL, sql_time, NULL,
				    NULL) ||
	    sqlite3_create_function(db, "mutua_time", 2, SQLITE_UTF8, NULL, sql_time, NULL,
				    NULL) ||
	    sqlite3_create_function(db, "mutua_amount", 1, SQLITE_UTF8, NULL, sql_amount, NULL,
				    NULL) ||
	    sqlite3_create_function(db, "mutua_duration", 1, SQLITE_UTF8, NULL, sql_duration,
				    NULL, NULL) ||
	    sqlite3_create_function(db, "mutua_for_json", 0, SQLITE_UTF8, NULL, sql_for_json,
				    NULL, NULL))
		return err_set("store: %s", sqlite3_errmsg(db));
	return 0;
}

/* SELECT json_object('a', "a", 'b', json("b_json") ...) FROM (sql): the
 * column names come from the inner statement, prepared but never run. */
static char *json_sql(sqlite3 *db, const struct view *v)
{
	sqlite3_stmt *inner;
	if (sqlite3_prepare_v2(db, v->sql, -1, &inner, NULL)) {
		err_set("view %s: %s", v->name, sqlite3_errmsg(db));
		return NULL;
	}
	int n = sqlite3_column_count(inner);
	size_t len = strlen(v->sql) + 64;
	for (int i = 0; i < n; i++)
		len += 2 * strlen(sqlite3_column_name(inner, i)) + 16;
	char *w = malloc(len), *p = w;
	if (!w) {
		sqlite3_finalize(inner);
		err_set("out of memory");
		return NULL;
	}
	p += sprintf(p, "SELECT json_object(");
	for (int i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(inner, i);
		size_t nl = strlen(name);
		if (nl > 5 && strcmp(name + nl - 5, "_json") == 0)
			p += sprintf(p, "%s'%.*s', json(\"%s\")", i ? ", " : "", (int)(nl - 5),
				     name, name);
		else
			p += sprintf(p, "%s'%s', \"%s\"", i ? ", " : "", name, name);
	}
	sprintf(p, ") FROM (%s)", v->sql);
	sqlite3_finalize(inner);
	return w;
}

struct view_rows *view_open(struct store *s, const struct view *v, const struct view_arg *args,
			    size_t nargs, int json)
{
	sqlite3 *db = store_db(s);
	struct view_rows *r = calloc(1, sizeof *r);
	char *sql = NULL;
	if (!r) {
		err_set("out of memory");
		return NULL;
	}
	r->v = v;
	r->json = json;
	/* a search reads the index as it stands: what it has yet to take is
	 * handed over first (all of it, or on the web page's handles up to
	 * SEARCH_VIEW_ROWS: store_set_search_rows), when the store is
	 * writable, no transaction is open and no other writer holds it (a
	 * search never waits behind a sync: mutuad hands the rest over
	 * within a second; a read-only store's index is what its last
	 * writer left) */
	if (v->search && nargs >= 7 &&
	    (args[5].type != VIEW_ARG_NULL || args[6].type != VIEW_ARG_NULL) &&
	    sqlite3_get_autocommit(db) && sqlite3_db_readonly(db, "main") == 0)
		search_catch_up(s, store_search_rows(s));
	if (json && !(sql = json_sql(db, v)))
		goto err;
	if (sqlite3_prepare_v2(db, sql ? sql : v->sql, -1, &r->st, NULL)) {
		err_set("view %s: %s", v->name, sqlite3_errmsg(db));
		goto err;
	}
	for (size_t i = 0; i < nargs; i++) {
		int k = (int)i + 1, rc = SQLITE_OK;
		switch (args[i].type) {
		case VIEW_ARG_NULL: rc = sqlite3_bind_null(r->st, k); break;
		case VIEW_ARG_INT: rc = sqlite3_bind_int64(r->st, k, args[i].i); break;
		case VIEW_ARG_TEXT:
			rc = sqlite3_bind_text(r->st, k, args[i].p, -1, SQLITE_STATIC);
			break;
		case VIEW_ARG_BLOB:
			rc = sqlite3_bind_blob(r->st, k, args[i].p, (int)args[i].n, SQLITE_STATIC);
			break;
		}
		if (rc) {
			err_set("view %s: parameter %d: %s", v->name, k, sqlite3_errmsg(db));
			goto err;
		}
	}
	free(sql);
	return r;
err:
	free(sql);
	view_close(&r);
	return NULL;
}

int view_next(struct view_rows *r)
{
	int outer = for_json;
	for_json = r->json;
	int rc = sqlite3_step(r->st);
	for_json = outer;
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return err_set("view %s: %s", r->v->name, sqlite3_errmsg(sqlite3_db_handle(r->st)));
}

int view_columns(const struct view_rows *r)
{
	return sqlite3_column_count(r->st);
}

const char *view_name(const struct view_rows *r, int col)
{
	return sqlite3_column_name(r->st, col);
}

int view_find(const struct view_rows *r, const char *name)
{
	for (int i = 0; i < sqlite3_column_count(r->st); i++)
		if (strcmp(sqlite3_column_name(r->st, i), name) == 0)
			return i;
	return -1;
}

const char *view_text(struct view_rows *r, int col)
{
	return (const char *)sqlite3_column_text(r->st, col);
}

int64_t view_int(struct view_rows *r, int col)
{
	return sqlite3_column_int64(r->st, col);
}

int view_is_null(struct view_rows *r, int col)
{
	return sqlite3_column_type(r->st, col) == SQLITE_NULL;
}

const void *view_blob(struct view_rows *r, int col, size_t *len)
{
	const void *b = sqlite3_column_blob(r->st, col);
	*len = (size_t)sqlite3_column_bytes(r->st, col);
	return b;
}

void view_close(struct view_rows **r)
{
	if (!*r)
		return;
	sqlite3_finalize((*r)->st);
	free(*r);
	*r = NULL;
}

int view_scalar(struct store *s, const struct view *v, const struct view_arg *args,
		size_t nargs, int64_t *out)
{
	struct view_rows *r = view_open(s, v, args, nargs, 0);
	if (!r)
		return -1;
	int rc = view_next(r);
	if (rc == 1 && view_is_null(r, 0))
		rc = 0;
	else if (rc == 1)
		*out = view_int(r, 0);
	view_close(&r);
	return rc;
}

int view_scalar_text(struct store *s, const struct view *v, const struct view_arg *args,
		     size_t nargs, char **out)
{
	struct view_rows *r = view_open(s, v, args, nargs, 0);
	*out = NULL;
	if (!r)
		return -1;
	int rc = view_next(r);
	if (rc == 1 && !view_is_null(r, 0) && !(*out = strdup(view_text(r, 0))))
		rc = err_set("out of memory");
	else if (rc == 1 && !*out)
		rc = 0;
	view_close(&r);
	return rc;
}

int view_resolve_id(struct store *s, const struct view *ids, const char *prefix,
		    uint8_t out[32], char cand[VIEW_CANDIDATES][65], int *count)
{
	uint8_t lo[32], hi[32];
	char pad[HEX_ID_LEN + 1];
	size_t n = strlen(prefix);
	*count = 0;
	if (!hex_is_prefix(prefix, 6, 64))
		return -3;
	/* ids are 32 bytes: those starting with the prefix lie in [lo, hi] */
	snprintf(pad, sizeof pad, "%s", prefix);
	memset(pad + n, '0', 64 - n);
	pad[64] = 0;
	hex_decode(lo, 32, pad);
	memset(pad + n, 'f', 64 - n);
	hex_decode(hi, 32, pad);
	struct view_arg a[] = {VIEW_ID(lo), VIEW_ID(hi)};
	struct view_rows *r = view_open(s, ids, a, 2, 0);
	if (!r)
		return -1;
	int rc;
	while ((rc = view_next(r)) == 1) {
		size_t len;
		const uint8_t *id = view_blob(r, 0, &len);
		if (len != 32)
			continue;
		if (*count == 0)
			memcpy(out, id, 32);
		if (*count < VIEW_CANDIDATES)
			hex_encode(cand[*count], id, 32);
		++*count;
	}
	view_close(&r);
	if (rc < 0)
		return -1;
	return *count == 0 ? 0 : *count == 1 ? 1 : -2;
}

static const struct view member_names = {
	"member names", "SELECT id, name, name FROM members ORDER BY name, id"};
static const struct view member_ids = {
	"member ids", "SELECT id FROM members WHERE id BETWEEN ?1 AND ?2"};
static const struct view offer_titles = {
	"offer titles",
	"SELECT r.id, r.title, r.title || ' (' || coalesce(m.name, '?') || ')'"
	" FROM resources r LEFT JOIN members m ON m.id = r.owner"
	" WHERE NOT mutua_withdrawn(r.withdrawn) ORDER BY r.title, r.id"};
static const struct view offer_ids = {
	"offer ids", "SELECT id FROM resources WHERE id BETWEEN ?1 AND ?2"};

static void named_add(struct view_named *r, const uint8_t *id, const char *label)
{
	if (r->ncand >= VIEW_CANDIDATES)
		return;
	hex_encode(r->cand[r->ncand].id, id, 32);
	snprintf(r->cand[r->ncand].label, sizeof r->cand[0].label, "%s", label ? label : "");
	r->ncand++;
}

/* One pass over the rows (id, name, label) of names keeping those that
 * match arg at level want (NAMES_EXACT, NAMES_PARTIAL) or, with want
 * NAMES_NONE, those near it. */
static int named_pass(struct store *s, const struct view *names, const char *arg,
		      enum names_match want, uint8_t out[32], struct view_named *r)
{
	struct view_rows *rows = view_open(s, names, NULL, 0, 0);
	int rc;
	size_t best = (size_t)-1;
	r->count = r->ncand = 0;
	if (!rows)
		return -1;
	while ((rc = view_next(rows)) == 1) {
		size_t len;
		const uint8_t *id = view_blob(rows, 0, &len);
		const char *name = view_text(rows, 1);
		if (len != 32 || !name)
			continue;
		int hit = want == NAMES_NONE ? names_near(arg, name)
					     : names_match(arg, name) == want;
		if (!hit)
			continue;
		if (want == NAMES_NONE) { /* only the nearest are suggested */
			size_t d = names_distance(arg, name);
			if (d > best)
				continue;
			if (d < best)
				r->count = r->ncand = 0;
			best = d;
		}
		if (r->count++ == 0)
			memcpy(out, id, 32);
		named_add(r, id, view_text(rows, 2));
	}
	view_close(&rows);
	return rc < 0 ? -1 : r->count;
}

/* The order of names.h: exact name, id prefix, partial name, near. */
static int resolve_named(struct store *s, const struct view *names, const struct view *ids,
			 const char *arg, uint8_t out[32], struct view_named *r)
{
	char cand[VIEW_CANDIDATES][65];
	int n, count;
	memset(r, 0, sizeof *r);
	if ((n = named_pass(s, names, arg, NAMES_EXACT, out, r)) != 0) {
		r->exact = 1;
		return n < 0 ? -1 : n == 1 ? 1 : -2;
	}
	n = view_resolve_id(s, ids, arg, out, cand, &count);
	if (n == -1)
		return -1;
	if (n == 1)
		return 1;
	if (n == -2) {
		r->count = count;
		for (int k = 0; k < count && k < VIEW_CANDIDATES; k++) {
			memcpy(r->cand[k].id, cand[k], sizeof r->cand[k].id);
			r->cand[k].label[0] = 0;
		}
		r->ncand = count < VIEW_CANDIDATES ? count : VIEW_CANDIDATES;
		return -2;
	}
	if ((n = named_pass(s, names, arg, NAMES_PARTIAL, out, r)) != 0)
		return n < 0 ? -1 : n == 1 ? 1 : -2;
	if ((n = named_pass(s, names, arg, NAMES_NONE, out, r)) < 0)
		return -1;
	r->near = n > 0;
	r->count = 0;
	return 0;
}

int view_resolve_member(struct store *s, const char *arg, uint8_t out[32],
			struct view_named *r)
{
	return resolve_named(s, &member_names, &member_ids, arg, out, r);
}

int view_resolve_offer(struct store *s, const char *arg, uint8_t out[32],
		       struct view_named *r)
{
	return resolve_named(s, &offer_titles, &offer_ids, arg, out, r);
}

static const struct view meta_value = {"setting", "SELECT value FROM meta WHERE key = ?1"};
static const struct view meta_put = {
	"setting", "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key)"
		   " DO UPDATE SET value = excluded.value"};

int view_meta_get(struct store *s, const char *key, char **value)
{
	struct view_arg a[] = {VIEW_TEXT(key)};
	return view_scalar_text(s, &meta_value, a, 1, value);
}

int view_meta_set(struct store *s, const char *key, const char *value)
{
	struct view_arg a[] = {VIEW_TEXT(key), VIEW_TEXT(value)};
	struct view_rows *r = view_open(s, &meta_put, a, 2, 0);
	if (!r)
		return -1;
	int rc = view_next(r);
	view_close(&r);
	return rc < 0 ? -1 : 0;
}
