/* icalsub.c - calendar subscriptions (icalsub.h). */
#include "icalsub.h"
#include "err.h"
#include "staff.h"
#include "store.h"
#include "store_int.h"
#include "view.h"

#include <sodium.h>
#include <string.h>

#define TIME_OF(t) "mutua_time(" t ", 'seconds')"

const struct view view_icalsubs = {
	"calendar subscriptions",
	"SELECT c.id AS id, CASE WHEN c.resource IS NOT NULL THEN 'resource'"
	" WHEN c.person IS NOT NULL THEN 'person' ELSE 'member' END AS what,"
	" lower(hex(c.resource)) AS resource, r.title AS title,"
	" lower(hex(c.person)) AS person, dp.name AS person_name,"
	" CASE WHEN c.maker IS NULL THEN 'member' ELSE coalesce(dm.name, '?') END AS made_by,"
	" " TIME_OF("c.created") " AS created, " TIME_OF("c.revoked") " AS revoked"
	" FROM ical_subs c LEFT JOIN resources r ON r.id = c.resource"
	" LEFT JOIN delegations dp ON dp.id = c.person"
	" LEFT JOIN delegations dm ON dm.id = c.maker"
	" WHERE ?1 IS NULL OR c.maker = ?1 ORDER BY c.id DESC"};

int icalsub_token_ok(const char *s, size_t len)
{
	if (!s || len != ICALSUB_TOKEN_LEN)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

static void token_hash(uint8_t h[32], const char *token, size_t len)
{
	crypto_generichash(h, 32, (const uint8_t *)token, len, NULL, 0);
}

/* Is delegation d one of member's, in force at now? 1, 0, -1. */
static int in_force(struct store *s, const uint8_t member[KEY_ID_BYTES], const uint8_t d[32],
		    int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM delegations d WHERE d.id = ?1"
					 " AND d.member = ?2 AND " STAFF_IN_FORCE_SQL("d", "?3"));
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, d, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, member, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	int rc = store_step_row(s, st);
	sqlite3_reset(st);
	return rc;
}

int64_t icalsub_add(struct store *s, const uint8_t member[KEY_ID_BYTES],
		    const uint8_t *resource, const uint8_t *person, const uint8_t *maker,
		    int64_t now, char token[ICALSUB_TOKEN_LEN + 1])
{
	int rc;
	if (resource && person)
		return err_set("a subscription shows a resource or a person, not both");
	if (resource) {
		sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM resources WHERE id = ?");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
		rc = store_step_row(s, st);
		sqlite3_reset(st);
		if (rc <= 0)
			return rc < 0 ? -1 : err_set("no such resource");
	}
	if (person && (rc = in_force(s, member, person, now)) <= 0)
		return rc < 0 ? -1 : err_set("no delegation in force with this id");
	if (maker && (rc = in_force(s, member, maker, now)) <= 0)
		return rc < 0 ? -1 : err_set("your delegation is no longer in force");
	uint8_t raw[ICALSUB_TOKEN_BYTES], h[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(token, ICALSUB_TOKEN_LEN + 1, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	token_hash(h, token, ICALSUB_TOKEN_LEN);
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO ical_subs(token, resource, person, maker,"
					 " created) VALUES (?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, h, 32, SQLITE_STATIC);
	if (resource)
		sqlite3_bind_blob(st, 2, resource, 32, SQLITE_STATIC);
	if (person)
		sqlite3_bind_blob(st, 3, person, 32, SQLITE_STATIC);
	if (maker)
		sqlite3_bind_blob(st, 4, maker, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	if (store_step_done(s, st)) {
		sodium_memzero(token, ICALSUB_TOKEN_LEN + 1);
		return -1;
	}
	return sqlite3_last_insert_rowid(store_db(s));
}

int icalsub_find(struct store *s, const uint8_t member[KEY_ID_BYTES], const char *token,
		 size_t len, int64_t now, struct icalsub *out)
{
	uint8_t h[32];
	int rc, found = 0;
	uint8_t maker[32];
	int has_maker = 0;
	if (!icalsub_token_ok(token, len))
		return 0;
	token_hash(h, token, len);
	/* every subscription in force, each hash compared in constant time:
	 * the lookup says nothing of how near a wrong token came */
	sqlite3_stmt *st = store_stmt(s, "SELECT id, token, resource, person, maker"
					 " FROM ical_subs WHERE revoked IS NULL");
	if (!st)
		return -1;
	while ((rc = store_step_row(s, st)) == 1) {
		const void *t = sqlite3_column_blob(st, 1);
		int matches = sqlite3_column_bytes(st, 1) == 32 && t && sodium_memcmp(t, h, 32) == 0;
		if (!matches || found)
			continue;
		found = 1;
		memset(out, 0, sizeof *out);
		out->id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 2) == 32) {
			out->has_resource = 1;
			memcpy(out->resource, sqlite3_column_blob(st, 2), 32);
		}
		if (sqlite3_column_bytes(st, 3) == 32) {
			out->has_person = 1;
			memcpy(out->person, sqlite3_column_blob(st, 3), 32);
		}
		if (sqlite3_column_bytes(st, 4) == 32) {
			has_maker = 1;
			memcpy(maker, sqlite3_column_blob(st, 4), 32);
		}
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (!found)
		return 0;
	/* a person no longer delegated: what they made or what shows them ends */
	if (out->has_person && (rc = in_force(s, member, out->person, now)) <= 0)
		return rc;
	if (has_maker && (rc = in_force(s, member, maker, now)) <= 0)
		return rc;
	return 1;
}

int icalsub_revoke(struct store *s, int64_t id, const uint8_t *maker, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE ical_subs SET revoked = ?1 WHERE id = ?2"
					 " AND revoked IS NULL AND (?3 IS NULL OR maker = ?3)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	if (maker)
		sqlite3_bind_blob(st, 3, maker, 32, SQLITE_STATIC);
	if (store_step_done(s, st))
		return -1;
	return sqlite3_changes(store_db(s)) > 0;
}

int icalsub_revoke_person(struct store *s, const uint8_t delegation[32], int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE ical_subs SET revoked = ?1 WHERE revoked IS NULL"
					 " AND (person = ?2 OR maker = ?2)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_blob(st, 2, delegation, 32, SQLITE_STATIC);
	if (store_step_done(s, st))
		return -1;
	return sqlite3_changes(store_db(s));
}
