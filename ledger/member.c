/* member.c - who is a current member. See member.h. */
#include "member.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <string.h>

/* The predicate in SQL is the view current_members (schema.c). */

/* The id found by st (bound by the caller): 1 found, 0 none, -1. */
static int step_id(sqlite3_stmt *st, uint8_t id[KEY_ID_BYTES])
{
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == KEY_ID_BYTES) {
		found = 1;
		if (id)
			memcpy(id, sqlite3_column_blob(st, 0), KEY_ID_BYTES);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return err_set("store: is it a current member? %s",
			       sqlite3_errmsg(sqlite3_db_handle(st)));
	return found;
}

int member_is_current(struct store *s, const uint8_t id[KEY_ID_BYTES])
{
	/* asked for every message the syncer sends: a cached statement */
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM current_members WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, id, KEY_ID_BYTES, SQLITE_STATIC);
	return step_id(st, NULL);
}

int member_current_by_xkey(struct store *s, const uint8_t xkey[KEY_X_BYTES],
			   uint8_t id[KEY_ID_BYTES])
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM current_members WHERE xkey = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, xkey, KEY_X_BYTES, SQLITE_STATIC);
	return step_id(st, id);
}
