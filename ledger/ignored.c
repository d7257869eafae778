/* ignored.c - one loop over the queries of entries left out (ignored.h). */
#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "ignored.h"
#include "store_int.h"

int ignored_each(struct store *s, const char *sql, const char *param,
		 void (*each)(void *arg, const struct ignored_row *row), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return -1;
	if (param)
		sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ignored_row r = {sqlite3_column_blob(st, 0),
					(uint64_t)sqlite3_column_int64(st, 1), {"", "", ""}};
		for (int i = 0; i < IGNORED_TEXTS && i + 2 < sqlite3_column_count(st); i++) {
			const unsigned char *t = sqlite3_column_text(st, i + 2);
			if (t)
				r.text[i] = (const char *)t;
		}
		each(arg, &r);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_db_error(s);
}

int ignored_verdict(struct store *s, const char *sql, const uint8_t id[32])
{
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		rc = err_set("%s", sqlite3_column_text(st, 0));
	else
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_db_error(s);
	sqlite3_reset(st);
	return rc;
}
