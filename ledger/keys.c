/* keys.c - key generation and the key file.
 *
 * Key file layout (all integers little-endian):
 *
 *   off  len  field
 *     0    8  magic "MUTUAKY1"
 *     8    1  algorithm: 1 = Ed25519 identity + X25519 transport key
 *     9    1  kdf: 0 = plain, 1 = Argon2id13 then XSalsa20-Poly1305
 *    10    6  zero
 *    16    8  Argon2id opslimit (0 when plain)
 *    24    8  Argon2id memlimit in bytes (0 when plain)
 *    32   16  salt (zero when plain)
 *    48   24  nonce (zero when plain)
 *    72   32  Ed25519 public key (the member id)
 *   104   32  X25519 public key
 *   136   64  Ed25519 seed || X25519 secret key, plain            (kdf 0)
 *   136   80  the same, sealed by crypto_secretbox_easy (MAC first) (kdf 1)
 *
 * A file is valid when its size is exactly 200 (plain) or 216 (sealed), the
 * magic, algorithm and kdf are known, the zero bytes are zero, the Argon2id
 * limits are within KDF_OPS_MAX and KDF_MEM_MAX (so a hostile file cannot
 * make us spend minutes or gigabytes), and the public keys derived from the
 * secret part equal the stored ones (so a wrong passphrase or a corrupted
 * file is caught). The file must be mode 0600 or stricter.
 */
#include "keys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KF_MAGIC "MUTUAKY1"
#define KF_ALG_ED25519_X25519 1
#define KF_KDF_NONE 0
#define KF_KDF_ARGON2ID 1
#define KF_HDR 136
#define KF_SECRET 64
#define KF_PLAIN_SIZE (KF_HDR + KF_SECRET)
#define KF_SEALED_SIZE (KF_HDR + KF_SECRET + crypto_secretbox_MACBYTES)
#define KDF_OPS_MAX crypto_pwhash_OPSLIMIT_SENSITIVE
#define KDF_MEM_MAX crypto_pwhash_MEMLIMIT_SENSITIVE

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Fills k from the two secret halves; checks nothing. */
static void key_from_secrets(struct key *k, const uint8_t seed[32], const uint8_t xsk[32])
{
	crypto_sign_seed_keypair(k->id, k->sign_sk, seed);
	memcpy(k->xsk, xsk, 32);
	crypto_scalarmult_base(k->xpk, k->xsk);
}

struct key *key_new(const uint8_t *seed)
{
	struct key *k = sodium_malloc(sizeof *k);
	uint8_t *s = sodium_malloc(64); /* seed || xsk */
	if (!k || !s) {
		sodium_free(k);
		sodium_free(s);
		err_set("out of secure memory");
		return NULL;
	}
	if (seed) {
		memcpy(s, seed, 32);
		crypto_generichash(s + 32, 32, seed, 32,
				   (const uint8_t *)"mutua transport", 15);
	} else {
		randombytes_buf(s, 64);
	}
	key_from_secrets(k, s, s + 32);
	sodium_free(s);
	return k;
}

void key_destroy(struct key **k)
{
	if (k && *k) {
		sodium_free(*k);
		*k = NULL;
	}
}

int key_save(const struct key *k, const char *path, const char *passphrase)
{
	int sealed = passphrase && *passphrase;
	uint8_t buf[KF_SEALED_SIZE] = {0};
	size_t size = sealed ? KF_SEALED_SIZE : KF_PLAIN_SIZE;
	uint8_t *secret = sodium_malloc(KF_SECRET + crypto_secretbox_KEYBYTES);
	int rc = -1;

	if (!secret)
		return err_set("out of secure memory");
	uint8_t *box_key = secret + KF_SECRET;
	memcpy(buf, KF_MAGIC, 8);
	buf[8] = KF_ALG_ED25519_X25519;
	buf[9] = sealed ? KF_KDF_ARGON2ID : KF_KDF_NONE;
	memcpy(buf + 72, k->id, 32);
	memcpy(buf + 104, k->xpk, 32);
	memcpy(secret, k->sign_sk, 32); /* libsodium's sk starts with the seed */
	memcpy(secret + 32, k->xsk, 32);
	if (sealed) {
		uint64_t ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		uint64_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
		put64(buf + 16, ops);
		put64(buf + 24, mem);
		randombytes_buf(buf + 32, 16);
		randombytes_buf(buf + 48, 24);
		if (crypto_pwhash(box_key, crypto_secretbox_KEYBYTES, passphrase,
				  strlen(passphrase), buf + 32, ops, mem,
				  crypto_pwhash_ALG_ARGON2ID13) != 0) {
			err_set("not enough memory to seal the key file");
			goto out;
		}
		crypto_secretbox_easy(buf + KF_HDR, secret, KF_SECRET, buf + 48, box_key);
	} else {
		memcpy(buf + KF_HDR, secret, KF_SECRET);
	}

	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_set("cannot create key file '%s': %s", path, strerror(errno));
		goto out;
	}
	ssize_t w = write(fd, buf, size);
	if (w != (ssize_t)size || fsync(fd) < 0) {
		err_set("cannot write key file '%s': %s", path,
			w < 0 ? strerror(errno) : "short write");
		close(fd);
		unlink(path);
		goto out;
	}
	close(fd);
	rc = 0;
out:
	sodium_memzero(buf, sizeof buf);
	sodium_free(secret);
	return rc;
}

/* Reads and checks the header; fills buf (KF_SEALED_SIZE) and *size. */
static int read_keyfile(const char *path, uint8_t *buf, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_set("cannot open key file '%s': %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set("key file '%s' is not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return err_set("key file '%s' is readable by others (mode %04o): "
			       "run chmod 600 on it", path, (unsigned)(st.st_mode & 0777));
	}
	ssize_t r = read(fd, buf, KF_SEALED_SIZE + 1);
	close(fd);
	if (r != KF_PLAIN_SIZE && r != KF_SEALED_SIZE)
		return err_set("key file '%s' has a wrong size (%zd bytes)", path, r);
	*size = (size_t)r;
	if (memcmp(buf, KF_MAGIC, 8) != 0)
		return err_set("'%s' is not a mutua key file", path);
	if (buf[8] != KF_ALG_ED25519_X25519)
		return err_set("key file '%s' uses unknown algorithm %u", path, buf[8]);
	int kdf = buf[9];
	if (kdf != KF_KDF_NONE && kdf != KF_KDF_ARGON2ID)
		return err_set("key file '%s' uses unknown kdf %u", path, kdf);
	if ((kdf == KF_KDF_NONE) != (r == KF_PLAIN_SIZE))
		return err_set("key file '%s' is corrupted (size does not match kdf)", path);
	for (int i = 10; i < 16; i++)
		if (buf[i])
			return err_set("key file '%s' is corrupted (reserved bytes)", path);
	return kdf;
}

int key_file_sealed(const char *path)
{
	uint8_t buf[KF_SEALED_SIZE + 1];
	size_t size;
	int kdf = read_keyfile(path, buf, &size);
	return kdf < 0 ? -1 : kdf == KF_KDF_ARGON2ID;
}

struct key *key_load(const char *path, const char *passphrase)
{
	uint8_t buf[KF_SEALED_SIZE + 1];
	size_t size;
	struct key *k = NULL;
	uint8_t *secret = NULL;
	int kdf = read_keyfile(path, buf, &size);

	if (kdf < 0)
		goto out;
	secret = sodium_malloc(KF_SECRET + crypto_secretbox_KEYBYTES);
	k = sodium_malloc(sizeof *k);
	if (!secret || !k) {
		err_set("out of secure memory");
		goto fail;
	}
	if (kdf == KF_KDF_ARGON2ID) {
		uint64_t ops = get64(buf + 16), mem = get64(buf + 24);
		uint8_t *box_key = secret + KF_SECRET;
		if (!passphrase || !*passphrase) {
			err_set("key file '%s' is sealed: set MUTUA_PASSPHRASE or run "
				"on a terminal", path);
			goto fail;
		}
		if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > KDF_OPS_MAX ||
		    mem < crypto_pwhash_MEMLIMIT_MIN || mem > KDF_MEM_MAX) {
			err_set("key file '%s' has unreasonable kdf limits", path);
			goto fail;
		}
		if (crypto_pwhash(box_key, crypto_secretbox_KEYBYTES, passphrase,
				  strlen(passphrase), buf + 32, ops, (size_t)mem,
				  crypto_pwhash_ALG_ARGON2ID13) != 0) {
			err_set("not enough memory to open key file '%s'", path);
			goto fail;
		}
		if (crypto_secretbox_open_easy(secret, buf + KF_HDR,
					       KF_SECRET + crypto_secretbox_MACBYTES,
					       buf + 48, box_key) != 0) {
			err_set("wrong passphrase for key file '%s'", path);
			goto fail;
		}
	} else {
		memcpy(secret, buf + KF_HDR, KF_SECRET);
	}
	key_from_secrets(k, secret, secret + 32);
	if (sodium_memcmp(k->id, buf + 72, 32) != 0 ||
	    sodium_memcmp(k->xpk, buf + 104, 32) != 0) {
		err_set("key file '%s' is corrupted (keys do not match)", path);
		goto fail;
	}
	goto out;
fail:
	key_destroy(&k);
out:
	sodium_memzero(buf, sizeof buf);
	sodium_free(secret);
	return k;
}
