/* webauth.h - the people who sign in to the node's web page (node/web.c),
 * each as themself (DESIGN.md, invariant 12: people act, members answer).
 *
 * `mutua staff add --web` makes a staff person's key on the node (no card
 * to bring): a fresh Ed25519/X25519 pair whose card the node writes, the
 * member's Delegation naming it (staff_delegate), and a row of the
 * node-local table web_accounts (schema.c) holding the key's 32-byte seed
 * sealed (crypto_secretbox) under a one-time setup token: 32 random bytes,
 * given once as 64 hex digits in the first-sign-in link, of which the
 * store keeps only a BLAKE2b-256 hash; the box key is another BLAKE2b of
 * the token (the token has 256 bits: no stretching needed). The token
 * works once, for WEBAUTH_SETUP_TTL_MS.
 *
 * On first sign-in the person chooses a password (WEBAUTH_PASSWORD_MIN to
 * WEBAUTH_PASSWORD_MAX bytes): the seed is sealed again under
 * Argon2id(password, a fresh salt) at libsodium's moderate limits, the
 * row keeping the algorithm and limits it used, and the token is
 * forgotten. Sign-in unseals the seed into sodium_malloc'd memory
 * (key_new): the key lives in the session only. Nothing here decides what
 * the person may do: staff_may does, on every request.
 */
#ifndef MUTUA_WEBAUTH_H
#define MUTUA_WEBAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "keys.h"

struct store;

#define WEBAUTH_TOKEN_BYTES 32
#define WEBAUTH_TOKEN_HEX (2 * WEBAUTH_TOKEN_BYTES)
#define WEBAUTH_SETUP_TTL_MS (7LL * 24 * 3600 * 1000)
#define WEBAUTH_PASSWORD_MIN 10
#define WEBAUTH_PASSWORD_MAX 1024
#define WEBAUTH_EMAIL_MAX 254

struct webauth_person {
	char email[WEBAUTH_EMAIL_MAX + 1];
	char name[NAME_MAX_LEN + 1];
	uint8_t delegation[ENTRY_ID_BYTES];
	uint8_t key[KEY_ID_BYTES]; /* the staff key's public id */
};

/* An e-mail address as a sign-in name: printable, one '@' with text on
 * both sides, no space, at most WEBAUTH_EMAIL_MAX bytes. 0, or -1 with
 * why. */
int webauth_email_check(const char *email);

/* Makes a fresh staff key for a person and its card (name), appends the
 * member's delegation of it (staff_delegate: k the member's key, roles,
 * until) and keeps the key sealed under a new setup token, all in one
 * transaction. token receives the token (WEBAUTH_TOKEN_HEX digits and a
 * NUL); id_out, the delegation's id. The e-mail must be new on this
 * node. 0, or -1 with why. */
int webauth_add(struct store *s, const struct key *k, const uint8_t member[KEY_ID_BYTES],
		const char *email, const char *name, const uint32_t *roles, size_t nroles,
		int64_t until, int64_t now, char token[WEBAUTH_TOKEN_HEX + 1],
		uint8_t id_out[ENTRY_ID_BYTES]);

/* First sign-in: the account the setup token (hex) opens, if it is still
 * valid at now, gets password (checked: WEBAUTH_PASSWORD_MIN..MAX), the
 * token is forgotten, and *staff (sodium_malloc'd, key_destroy) and who
 * are filled. 1 done, 0 no such token or it expired (why in err_msg), -1
 * an error or a refused password (why). */
int webauth_setup(struct store *s, const char *token, const char *password, int64_t now,
		  struct webauth_person *who, struct key **staff);

/* Sign-in: 1 with *staff and who filled; 0 when the e-mail is unknown,
 * not yet set up, or the password is wrong (one answer for all: the same
 * work is done either way); -1 an error. */
int webauth_login(struct store *s, const char *email, const char *password,
		  struct webauth_person *who, struct key **staff);

#endif
