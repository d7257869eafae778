/* webauth.c - web accounts: staff keys made on the node, sealed under a
 * setup token, then under the person's password (webauth.h). */
#include "webauth.h"
#include "notify.h"
#include "err.h"
#include "federation.h"
#include "hex.h"
#include "staff.h"
#include "store.h"
#include "store_int.h"
#include "text.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED_BYTES 32
#define KDF_TOKEN 0
#define KDF_ARGON2ID 1

/* the two uses of a token, kept apart: what the store keeps, the box key */
static void token_hash(uint8_t out[32], const uint8_t token[WEBAUTH_TOKEN_BYTES])
{
	crypto_generichash(out, 32, token, WEBAUTH_TOKEN_BYTES,
			   (const uint8_t *)"mutua web token id", 18);
}

static void token_box_key(uint8_t out[32], const uint8_t token[WEBAUTH_TOKEN_BYTES])
{
	crypto_generichash(out, 32, token, WEBAUTH_TOKEN_BYTES,
			   (const uint8_t *)"mutua web token key", 19);
}

int webauth_email_check(const char *email)
{
	return notify_check_email(email); /* one rule for an address (notify.h) */
}

/* lower case: the sign-in name is compared folded */
static void email_fold(char *out, const char *in)
{
	size_t i = 0;
	for (; in[i] && i < WEBAUTH_EMAIL_MAX; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] + 32) : in[i];
	out[i] = 0;
}

static int email_taken(struct store *s, const char *email)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM web_accounts WHERE email = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	sqlite3_reset(st);
	return rc;
}

int webauth_add(struct store *s, const struct key *k, const uint8_t member[KEY_ID_BYTES],
		const char *email_in, const char *name, const uint32_t *roles, size_t nroles,
		int64_t until, int64_t now, char token_hex[WEBAUTH_TOKEN_HEX + 1],
		uint8_t id_out[ENTRY_ID_BYTES])
{
	char email[WEBAUTH_EMAIL_MAX + 1];
	if (webauth_email_check(email_in))
		return -1;
	email_fold(email, email_in);
	int rc = email_taken(s, email);
	if (rc < 0)
		return -1;
	if (rc)
		return err_set("'%s' already signs in to this node", email);
	uint8_t *seed = sodium_malloc(SEED_BYTES + 32 + WEBAUTH_TOKEN_BYTES);
	if (!seed)
		return err_set("out of secure memory");
	uint8_t *box = seed + SEED_BYTES, *token = box + 32;
	randombytes_buf(seed, SEED_BYTES);
	randombytes_buf(token, WEBAUTH_TOKEN_BYTES);
	struct key *staff = key_new(seed);
	char *card = staff ? card_make(staff, name, NULL, NULL, 0, now) : NULL;
	uint8_t id[ENTRY_ID_BYTES], hash[32], nonce[crypto_secretbox_NONCEBYTES],
		sealed[SEED_BYTES + crypto_secretbox_MACBYTES];
	rc = -1;
	if (!card || staff_delegate(s, k, member, card, name, roles, nroles, until, id))
		goto out;
	token_hash(hash, token);
	token_box_key(box, token);
	randombytes_buf(nonce, sizeof nonce);
	crypto_secretbox_easy(sealed, seed, SEED_BYTES, nonce, box);
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO web_accounts(email, name, delegation, key,"
					 " kdf, ops, mem, salt, nonce, sealed, token, token_until,"
					 " created) VALUES (?, ?, ?, ?, 0, 0, 0, x'', ?, ?, ?, ?, ?)");
	if (!st)
		goto out;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, id, ENTRY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, staff->id, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, nonce, sizeof nonce, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, sealed, sizeof sealed, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, hash, sizeof hash, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now + WEBAUTH_SETUP_TTL_MS);
	sqlite3_bind_int64(st, 9, now);
	if (store_step_done(s, st)) {
		char why[256];
		snprintf(why, sizeof why, "%s", err_msg());
		err_set("the delegation is signed but its web account was not kept (%s): revoke "
			"it and add the person again", why);
		goto out;
	}
	sodium_bin2hex(token_hex, WEBAUTH_TOKEN_HEX + 1, token, WEBAUTH_TOKEN_BYTES);
	if (id_out)
		memcpy(id_out, id, ENTRY_ID_BYTES);
	rc = 0;
out:
	free(card);
	key_destroy(&staff);
	sodium_free(seed);
	return rc;
}

/* One account's row, for setup (by token hash) or sign-in (by email). */
struct row {
	struct webauth_person who;
	int kdf;
	int64_t ops, mem, token_until;
	uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES],
		sealed[SEED_BYTES + crypto_secretbox_MACBYTES];
};

#define ROW_COLS "email, name, delegation, key, kdf, ops, mem, salt, nonce, sealed, token_until"

static int blob_into(sqlite3_stmt *st, int col, void *out, size_t n)
{
	if ((size_t)sqlite3_column_bytes(st, col) != n)
		return -1;
	memcpy(out, sqlite3_column_blob(st, col), n);
	return 0;
}

/* 1 the row read, 0 none, -1 error (a damaged row is an error) */
static int row_read(struct store *s, sqlite3_stmt *st, struct row *r)
{
	int rc = store_step_row(s, st);
	if (rc == 1) {
		memset(r, 0, sizeof *r);
		snprintf(r->who.email, sizeof r->who.email, "%s", sqlite3_column_text(st, 0));
		snprintf(r->who.name, sizeof r->who.name, "%s", sqlite3_column_text(st, 1));
		r->kdf = sqlite3_column_int(st, 4);
		r->ops = sqlite3_column_int64(st, 5);
		r->mem = sqlite3_column_int64(st, 6);
		r->token_until = sqlite3_column_int64(st, 10);
		if (blob_into(st, 2, r->who.delegation, ENTRY_ID_BYTES) ||
		    blob_into(st, 3, r->who.key, KEY_ID_BYTES) ||
		    blob_into(st, 8, r->nonce, sizeof r->nonce) ||
		    blob_into(st, 9, r->sealed, sizeof r->sealed) ||
		    (r->kdf == KDF_ARGON2ID && blob_into(st, 7, r->salt, sizeof r->salt)))
			rc = err_set("the web account of '%s' is damaged", r->who.email);
	}
	sqlite3_reset(st);
	return rc;
}

/* The seed opened with box into a key; checks it is the account's key. */
static struct key *open_seed(const struct row *r, const uint8_t *box)
{
	uint8_t *seed = sodium_malloc(SEED_BYTES);
	struct key *k = NULL;
	if (!seed) {
		err_set("out of secure memory");
		return NULL;
	}
	if (crypto_secretbox_open_easy(seed, r->sealed, sizeof r->sealed, r->nonce, box) != 0)
		err_set("the web account of '%s' does not open", r->who.email);
	else if ((k = key_new(seed)) && sodium_memcmp(k->id, r->who.key, KEY_ID_BYTES) != 0) {
		key_destroy(&k);
		err_set("the web account of '%s' holds another key", r->who.email);
	}
	sodium_free(seed);
	return k;
}

/* box key from a password, at the limits the row says (or moderate ones) */
static int password_box(uint8_t box[32], const char *password, const uint8_t *salt,
			int64_t ops, int64_t mem)
{
	if (crypto_pwhash(box, 32, password, strlen(password), salt, (unsigned long long)ops,
			  (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return err_set("out of memory for the password's key derivation");
	return 0;
}

int webauth_setup(struct store *s, const char *token_hex, const char *password, int64_t now,
		  struct webauth_person *who, struct key **staff)
{
	uint8_t token[WEBAUTH_TOKEN_BYTES], hash[32];
	size_t n = 0, plen = strlen(password);
	*staff = NULL;
	if (strlen(token_hex) != WEBAUTH_TOKEN_HEX ||
	    sodium_hex2bin(token, sizeof token, token_hex, WEBAUTH_TOKEN_HEX, NULL, &n, NULL) ||
	    n != sizeof token) {
		err_set("this first-sign-in link is not valid");
		return 0;
	}
	if (plen < WEBAUTH_PASSWORD_MIN || plen > WEBAUTH_PASSWORD_MAX)
		return err_set("a password has at least %d characters (at most %d bytes)",
			       WEBAUTH_PASSWORD_MIN, WEBAUTH_PASSWORD_MAX);
	token_hash(hash, token);
	sqlite3_stmt *st = store_stmt(s, "SELECT " ROW_COLS " FROM web_accounts WHERE token = ?"
					 " AND kdf = 0");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
	struct row r;
	int rc = row_read(s, st, &r);
	if (rc <= 0) {
		if (rc == 0)
			err_set("this first-sign-in link is not valid, or was used already");
		return rc;
	}
	if (now > r.token_until) {
		err_set("this first-sign-in link expired: ask for a new one");
		return 0;
	}
	uint8_t *box = sodium_malloc(32 + SEED_BYTES);
	if (!box)
		return err_set("out of secure memory");
	uint8_t *seed = box + 32;
	token_box_key(box, token);
	struct key *k = open_seed(&r, box);
	rc = -1;
	if (!k)
		goto out;
	/* the same seed, sealed under the password: the key's own secret
	 * scalar is what key_new derives from it */
	if (crypto_secretbox_open_easy(seed, r.sealed, sizeof r.sealed, r.nonce, box))
		goto out;
	int64_t ops = crypto_pwhash_OPSLIMIT_MODERATE, mem = crypto_pwhash_MEMLIMIT_MODERATE;
	randombytes_buf(r.salt, sizeof r.salt);
	randombytes_buf(r.nonce, sizeof r.nonce);
	if (password_box(box, password, r.salt, ops, mem))
		goto out;
	crypto_secretbox_easy(r.sealed, seed, SEED_BYTES, r.nonce, box);
	st = store_stmt(s, "UPDATE web_accounts SET kdf = 1, ops = ?, mem = ?, salt = ?, nonce = ?,"
			   " sealed = ?, token = NULL, token_until = NULL WHERE email = ? AND kdf = 0");
	if (!st)
		goto out;
	sqlite3_bind_int64(st, 1, ops);
	sqlite3_bind_int64(st, 2, mem);
	sqlite3_bind_blob(st, 3, r.salt, sizeof r.salt, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, r.nonce, sizeof r.nonce, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, r.sealed, sizeof r.sealed, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r.who.email, -1, SQLITE_STATIC);
	if (store_step_done(s, st))
		goto out;
	if (sqlite3_changes(store_db(s)) != 1) {
		/* another first sign-in with the same link won the race */
		err_set("this first-sign-in link is not valid, or was used already");
		rc = 0;
		goto out;
	}
	*who = r.who;
	*staff = k;
	k = NULL;
	rc = 1;
out:
	key_destroy(&k);
	sodium_free(box);
	return rc;
}

int webauth_login(struct store *s, const char *email_in, const char *password,
		  struct webauth_person *who, struct key **staff)
{
	char email[WEBAUTH_EMAIL_MAX + 1];
	*staff = NULL;
	email_fold(email, email_in);
	sqlite3_stmt *st = store_stmt(s, "SELECT " ROW_COLS " FROM web_accounts WHERE email = ?"
					 " AND kdf = 1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	struct row r;
	int rc = row_read(s, st, &r);
	if (rc < 0)
		return -1;
	int known = rc == 1;
	if (!known) {
		/* the same work as for a known address: the answer's time does
		 * not tell which of the two was wrong */
		memset(&r, 0, sizeof r);
		r.ops = crypto_pwhash_OPSLIMIT_MODERATE;
		r.mem = crypto_pwhash_MEMLIMIT_MODERATE;
	}
	if (r.ops < 1 || r.ops > crypto_pwhash_OPSLIMIT_SENSITIVE || r.mem < 8192 ||
	    r.mem > (int64_t)crypto_pwhash_MEMLIMIT_SENSITIVE)
		return err_set("the web account of '%s' has limits out of range", email);
	uint8_t *box = sodium_malloc(32);
	if (!box)
		return err_set("out of secure memory");
	struct key *k = NULL;
	rc = password_box(box, password, r.salt, r.ops, r.mem) ? -1 : 0;
	if (rc == 0 && known && (k = open_seed(&r, box)) != NULL) {
		*who = r.who;
		*staff = k;
		rc = 1;
	}
	sodium_free(box);
	return rc;
}
