/* staffnet.c - the staff invitation and the admission of staff clients
 * (staffnet.h). */
#include "staffnet.h"
#include "staff.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define INVITE_FIXED (1 + 32 + 32 + 32 + 1)

char *invitation_encode(const struct invitation *inv)
{
	uint8_t raw[INVITE_FIXED + ENDPOINT_MAX_LEN + 4];
	size_t el = strlen(inv->endpoint), n = 0;
	if (el == 0 || el > 255 || el > ENDPOINT_MAX_LEN) {
		err_set("the node's endpoint is empty or too long");
		return NULL;
	}
	raw[n++] = 1;
	memcpy(raw + n, inv->fed, 32), n += 32;
	memcpy(raw + n, inv->member, 32), n += 32;
	memcpy(raw + n, inv->xkey, 32), n += 32;
	raw[n++] = (uint8_t)el;
	memcpy(raw + n, inv->endpoint, el), n += el;
	uint8_t h[32];
	crypto_generichash(h, 32, raw, n, NULL, 0);
	memcpy(raw + n, h, 4), n += 4;
	size_t cap = sizeof INVITE_PREFIX +
		     sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(cap);
	if (!out) {
		err_set("out of memory");
		return NULL;
	}
	strcpy(out, INVITE_PREFIX);
	sodium_bin2base64(out + strlen(INVITE_PREFIX), cap - strlen(INVITE_PREFIX), raw, n,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

int invitation_decode(const char *line, struct invitation *inv)
{
	uint8_t raw[INVITE_MAX];
	size_t n, pl = strlen(INVITE_PREFIX);
	const char *end;
	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, INVITE_PREFIX, pl) != 0)
		return err_set("this is no staff invitation: it begins with '%s' (copy the whole "
			       "line that 'mutua staff add' printed)", INVITE_PREFIX);
	size_t len = strcspn(line + pl, " \t\r\n");
	if (len > INVITE_MAX)
		return err_set("the invitation is too long (%zu characters)", len);
	int bad = sodium_base642bin(raw, sizeof raw, line + pl, len, NULL, &n, &end,
				    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (bad && end == line + pl + len)
		return err_set("the invitation is cut short: copy the whole line again");
	if (bad || end != line + pl + len)
		return err_set("the invitation is damaged: character %zu is not one of it "
			       "(copy the whole line again)", (size_t)(end - line) + 1);
	if (n < INVITE_FIXED + 1 + 4)
		return err_set("the invitation is cut short (%zu bytes): copy the whole line "
			       "again", n);
	uint8_t h[32];
	crypto_generichash(h, 32, raw, n - 4, NULL, 0);
	if (sodium_memcmp(h, raw + n - 4, 4) != 0)
		return err_set("the invitation is damaged (its checksum does not match): copy "
			       "the whole line again");
	if (raw[0] != 1)
		return err_set("the invitation is of version %u, this mutua reads version 1: "
			       "update mutua", raw[0]);
	size_t el = raw[INVITE_FIXED - 1];
	if (INVITE_FIXED + el + 4 != n)
		return err_set("the invitation is damaged: its endpoint's length is wrong");
	memcpy(inv->fed, raw + 1, 32);
	memcpy(inv->member, raw + 33, 32);
	memcpy(inv->xkey, raw + 65, 32);
	memcpy(inv->endpoint, raw + INVITE_FIXED, el);
	inv->endpoint[el] = 0;
	if (memchr(inv->endpoint, 0, el) || entry_check_endpoint(inv->endpoint))
		return err_set("the invitation names no valid endpoint of the node");
	return 0;
}

#define CANDIDATES 8

int staff_by_xkey(struct store *s, const uint8_t member[KEY_ID_BYTES],
		  const uint8_t xkey[KEY_X_BYTES], int64_t now_ms, uint8_t key[KEY_ID_BYTES],
		  uint8_t delegation[ENTRY_ID_BYTES], char *why, size_t why_len)
{
	struct {
		uint8_t id[ENTRY_ID_BYTES], key[KEY_ID_BYTES];
		int64_t mask;
	} c[CANDIDATES];
	int n = 0, rc;
	/* the newest delegations first: the one a person acts under */
	sqlite3_stmt *st = store_stmt(s, "SELECT d.id, d.key, d.mask FROM delegations d"
		" WHERE d.member = ?1 AND d.xkey = ?2 AND " STAFF_IN_FORCE_SQL("d", "?3")
		" ORDER BY d.place DESC");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, member, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, xkey, KEY_X_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ms);
	while (n < CANDIDATES && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != ENTRY_ID_BYTES ||
		    sqlite3_column_bytes(st, 1) != KEY_ID_BYTES)
			continue;
		memcpy(c[n].id, sqlite3_column_blob(st, 0), ENTRY_ID_BYTES);
		memcpy(c[n].key, sqlite3_column_blob(st, 1), KEY_ID_BYTES);
		c[n++].mask = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (n < CANDIDATES && rc != SQLITE_DONE)
		return store_db_error(s);
	err_fmt(why, why_len, "no delegation of this member in force names this transport key");
	for (int i = 0; i < n; i++)
		for (uint32_t role = 1; role <= ENTRY_ROLES_MAX; role++) {
			if (!(c[i].mask & (1LL << role)))
				continue;
			int may = staff_may(s, member, c[i].key, role, INT64_MAX, now_ms, why,
					    why_len);
			if (may < 0)
				return -1;
			if (may) {
				memcpy(key, c[i].key, KEY_ID_BYTES);
				memcpy(delegation, c[i].id, ENTRY_ID_BYTES);
				return 1;
			}
		}
	return 0;
}
