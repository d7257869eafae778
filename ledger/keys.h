/* keys.h - a member's keys and the key file that holds them. */
#ifndef MUTUA_KEYS_H
#define MUTUA_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEY_ID_BYTES 32 /* Ed25519 public key: the member id */
#define KEY_X_BYTES 32  /* X25519 public key: the transport (CURVE) key */
#define KEY_SIGN_SK_BYTES 64
#define KEY_SIG_BYTES 64

/* Lives in sodium_malloc memory (guard pages, no swap, wiped on free). */
struct key {
	uint8_t id[KEY_ID_BYTES];
	uint8_t sign_sk[KEY_SIGN_SK_BYTES];
	uint8_t xpk[KEY_X_BYTES];
	uint8_t xsk[KEY_X_BYTES];
};

/* Fresh random keys, or keys derived from a 32-byte seed (tests, golden
 * vectors): the identity from the seed, the transport key from
 * BLAKE2b(seed, "mutua transport"), so the two stay distinct keys. */
struct key *key_new(const uint8_t *seed);
void key_destroy(struct key **k);

/* Creates the key file (O_EXCL, mode 0600), sealed when passphrase is
 * non-NULL and non-empty. */
int key_save(const struct key *k, const char *path, const char *passphrase);
/* 1 when the file is sealed with a passphrase, 0 when plain, -1 on error. */
int key_file_sealed(const char *path);
/* Loads the key file; refuses files readable by group or others, wrong
 * sizes, unknown versions, a wrong passphrase and inconsistent keys. */
struct key *key_load(const char *path, const char *passphrase);

#endif
