/* test_keys.c - key derivation and the key file (format in keys.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"
#include "keys.h"
#include "util.h"

#include <sodium.h>

#define PLAIN_SIZE 200
#define SEALED_SIZE 216
#define PASS "correct horse battery staple"

/* One sealed file, made once for the whole group: Argon2id is slow on
 * purpose, so the tests that only damage its header reuse these bytes. */
static uint8_t sealed_bytes[SEALED_SIZE];
static uint8_t seed1[32], seed2[32];

struct fx {
	char *dir;
	char *path;
	struct key *k;
};

static int group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	for (int i = 0; i < 32; i++) {
		seed1[i] = (uint8_t)(i + 1);
		seed2[i] = (uint8_t)(0xf0 ^ i);
	}
	char *dir = tmpdir_new();
	char *p = path_in(dir, "sealed.key");
	struct key *k = key_new(seed1);
	int rc = k && key_save(k, p, PASS) == 0 ? 0 : -1;
	size_t len = 0;
	if (rc == 0) {
		uint8_t *b = file_get(p, 4096, &len);
		if (len == SEALED_SIZE)
			memcpy(sealed_bytes, b, len);
		else
			rc = -1;
		free(b);
	}
	key_destroy(&k);
	free(p);
	tmpdir_remove(&dir);
	return rc;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->dir = tmpdir_new();
	f->path = path_in(f->dir, "member.key");
	f->k = key_new(seed1);
	assert_non_null(f->k);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	key_destroy(&f->k);
	free(f->path);
	tmpdir_remove(&f->dir);
	free(f);
	return 0;
}

static void assert_same_key(const struct key *a, const struct key *b)
{
	assert_memory_equal(a->id, b->id, KEY_ID_BYTES);
	assert_memory_equal(a->sign_sk, b->sign_sk, KEY_SIGN_SK_BYTES);
	assert_memory_equal(a->xpk, b->xpk, KEY_X_BYTES);
	assert_memory_equal(a->xsk, b->xsk, KEY_X_BYTES);
}

/* key_load must refuse path, leave a reason, and not be fooled by a stale
 * message from before. */
static void load_refused(const char *path, const char *pass, const char *why)
{
	err_set("sentinel");
	struct key *k = key_load(path, pass);
	if (k) {
		key_destroy(&k);
		fail_msg("key_load accepted a file that should fail with '%s'", why);
	}
	if (!strstr(err_msg(), why))
		fail_msg("key_load failed with '%s', expected '%s'", err_msg(), why);
}

static void test_key_new_deterministic(void **state)
{
	(void)state;
	struct key *a = key_new(seed1), *b = key_new(seed1), *c = key_new(seed2);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_same_key(a, b);
	assert_memory_not_equal(a->id, c->id, KEY_ID_BYTES);
	assert_memory_not_equal(a->xpk, c->xpk, KEY_X_BYTES);

	/* identity: the Ed25519 key pair of the seed */
	uint8_t pk[32], sk[64];
	crypto_sign_seed_keypair(pk, sk, seed1);
	assert_memory_equal(a->id, pk, 32);
	assert_memory_equal(a->sign_sk, sk, 64);
	/* transport: X25519 from BLAKE2b(seed, key "mutua transport") */
	uint8_t xsk[32], xpk[32];
	crypto_generichash(xsk, 32, seed1, 32, (const uint8_t *)"mutua transport", 15);
	crypto_scalarmult_base(xpk, xsk);
	assert_memory_equal(a->xsk, xsk, 32);
	assert_memory_equal(a->xpk, xpk, 32);
	assert_memory_not_equal(a->xsk, seed1, 32);

	/* the identity signs and verifies */
	uint8_t sig[64];
	crypto_sign_detached(sig, NULL, (const uint8_t *)"m", 1, a->sign_sk);
	assert_int_equal(crypto_sign_verify_detached(sig, (const uint8_t *)"m", 1, a->id), 0);

	/* random keys differ */
	struct key *r1 = key_new(NULL), *r2 = key_new(NULL);
	assert_non_null(r1);
	assert_non_null(r2);
	assert_memory_not_equal(r1->id, r2->id, KEY_ID_BYTES);
	assert_memory_not_equal(r1->xsk, r2->xsk, KEY_X_BYTES);
	uint8_t xpk_r[32];
	crypto_scalarmult_base(xpk_r, r1->xsk);
	assert_memory_equal(xpk_r, r1->xpk, 32);

	key_destroy(&a);
	assert_null(a);
	key_destroy(&a); /* safe twice */
	key_destroy(&b);
	key_destroy(&c);
	key_destroy(&r1);
	key_destroy(&r2);
}

static void test_save_load_plain(void **state)
{
	struct fx *f = *state;
	struct stat st;
	assert_int_equal(key_save(f->k, f->path, NULL), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, PLAIN_SIZE);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(key_file_sealed(f->path), 0);

	struct key *k = key_load(f->path, NULL);
	assert_non_null(k);
	assert_same_key(f->k, k);
	key_destroy(&k);
	/* a passphrase given for a plain file does no harm */
	k = key_load(f->path, "unused");
	assert_non_null(k);
	assert_same_key(f->k, k);
	key_destroy(&k);

	/* the layout of keys.c: magic, algorithm, kdf, public keys, seed */
	size_t len;
	uint8_t *b = file_get(f->path, 4096, &len);
	assert_memory_equal(b, "MUTUAKY1", 8);
	assert_int_equal(b[8], 1);
	assert_int_equal(b[9], 0);
	for (int i = 10; i < 72; i++)
		assert_int_equal(b[i], 0);
	assert_memory_equal(b + 72, f->k->id, 32);
	assert_memory_equal(b + 104, f->k->xpk, 32);
	assert_memory_equal(b + 136, seed1, 32);
	assert_memory_equal(b + 168, f->k->xsk, 32);
	free(b);

	/* an empty passphrase means a plain file */
	char *p2 = path_in(f->dir, "empty-pass.key");
	assert_int_equal(key_save(f->k, p2, ""), 0);
	assert_int_equal(key_file_sealed(p2), 0);
	assert_int_equal(stat(p2, &st), 0);
	assert_int_equal(st.st_size, PLAIN_SIZE);
	free(p2);
}

static void test_save_load_sealed(void **state)
{
	struct fx *f = *state;
	struct stat st;
	assert_int_equal(key_save(f->k, f->path, PASS), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, SEALED_SIZE);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(key_file_sealed(f->path), 1);

	size_t len;
	uint8_t *b = file_get(f->path, 4096, &len);
	assert_int_equal(b[9], 1);
	/* the secret is not in the clear */
	assert_null(memmem(b, len, seed1, 32));
	assert_null(memmem(b, len, f->k->xsk, 32));
	assert_memory_equal(b + 72, f->k->id, 32);
	/* a fresh salt and nonce every time */
	assert_memory_not_equal(b + 32, sealed_bytes + 32, 16 + 24);
	free(b);

	struct key *k = key_load(f->path, PASS);
	assert_non_null(k);
	assert_same_key(f->k, k);
	key_destroy(&k);
}

static void test_sealed_wrong_passphrase(void **state)
{
	struct fx *f = *state;
	file_put(f->path, sealed_bytes, SEALED_SIZE, 0600);
	load_refused(f->path, "correct horse battery stapler", "wrong passphrase");
	load_refused(f->path, NULL, "is sealed");
	load_refused(f->path, "", "is sealed");
}

static void test_mode_refused(void **state)
{
	struct fx *f = *state;
	assert_int_equal(key_save(f->k, f->path, NULL), 0);
	assert_int_equal(chmod(f->path, 0644), 0);
	load_refused(f->path, NULL, "readable by others");
	assert_int_equal(key_file_sealed(f->path), -1);
	assert_int_equal(chmod(f->path, 0640), 0);
	load_refused(f->path, NULL, "readable by others");
	assert_int_equal(chmod(f->path, 0604), 0);
	load_refused(f->path, NULL, "readable by others");
	/* stricter than 0600 is fine */
	assert_int_equal(chmod(f->path, 0400), 0);
	struct key *k = key_load(f->path, NULL);
	assert_non_null(k);
	assert_same_key(f->k, k);
	key_destroy(&k);
}

static void test_save_excl(void **state)
{
	struct fx *f = *state;
	struct key *other = key_new(seed2);
	assert_non_null(other);
	assert_int_equal(key_save(f->k, f->path, NULL), 0);
	err_set("sentinel");
	assert_int_equal(key_save(other, f->path, NULL), -1);
	assert_non_null(strstr(err_msg(), "cannot create key file"));
	/* the first key is still there, untouched */
	struct key *k = key_load(f->path, NULL);
	assert_non_null(k);
	assert_same_key(f->k, k);
	key_destroy(&k);
	key_destroy(&other);
}

static void test_symlink_refused(void **state)
{
	struct fx *f = *state;
	char *link = path_in(f->dir, "link.key");
	assert_int_equal(key_save(f->k, f->path, NULL), 0);
	assert_int_equal(symlink(f->path, link), 0);
	load_refused(link, NULL, "cannot open key file");
	load_refused(f->dir, NULL, "not a regular file");
	free(link);
}

/* Writes b (len bytes) with one byte changed and expects a refusal. */
static void damaged(const struct fx *f, const uint8_t *b, size_t len, size_t at,
		    uint8_t x, const char *pass, const char *why)
{
	uint8_t copy[SEALED_SIZE + 8];
	assert_true(len <= sizeof copy);
	memcpy(copy, b, len);
	if (at < len)
		copy[at] ^= x;
	file_put(f->path, copy, len, 0600);
	load_refused(f->path, pass, why);
}

static void test_damaged_plain(void **state)
{
	struct fx *f = *state;
	char *p = path_in(f->dir, "good.key");
	size_t len;
	assert_int_equal(key_save(f->k, p, NULL), 0);
	uint8_t *good = file_get(p, 4096, &len);
	assert_int_equal(len, PLAIN_SIZE);
	uint8_t longer[PLAIN_SIZE + 1];
	memcpy(longer, good, PLAIN_SIZE);
	longer[PLAIN_SIZE] = 0;

	damaged(f, good, 0, 0, 0, NULL, "wrong size");
	damaged(f, good, 136, 0, 0, NULL, "wrong size");
	damaged(f, good, PLAIN_SIZE - 1, 0, 0, NULL, "wrong size");
	damaged(f, longer, PLAIN_SIZE + 1, 0, 0, NULL, "wrong size");
	damaged(f, good, PLAIN_SIZE, 0, 0x20, NULL, "not a mutua key file");
	damaged(f, good, PLAIN_SIZE, 7, 0x01, NULL, "not a mutua key file");
	damaged(f, good, PLAIN_SIZE, 8, 0x02, NULL, "unknown algorithm");
	damaged(f, good, PLAIN_SIZE, 9, 0x02, NULL, "unknown kdf");
	damaged(f, good, PLAIN_SIZE, 9, 0x01, NULL, "size does not match kdf");
	for (size_t i = 10; i < 16; i++)
		damaged(f, good, PLAIN_SIZE, i, 0x80, NULL, "reserved bytes");
	/* public keys that do not match the secret */
	damaged(f, good, PLAIN_SIZE, 72, 0x01, NULL, "keys do not match");
	damaged(f, good, PLAIN_SIZE, 103, 0x80, NULL, "keys do not match");
	damaged(f, good, PLAIN_SIZE, 104, 0x01, NULL, "keys do not match");
	damaged(f, good, PLAIN_SIZE, 135, 0x40, NULL, "keys do not match");
	/* a damaged secret no longer matches its public keys */
	damaged(f, good, PLAIN_SIZE, 136, 0x01, NULL, "keys do not match");
	damaged(f, good, PLAIN_SIZE, 199, 0x01, NULL, "keys do not match");

	/* the undamaged bytes still load: the refusals above came from the
	 * damage, not from the way the file was written */
	file_put(f->path, good, PLAIN_SIZE, 0600);
	struct key *k = key_load(f->path, NULL);
	assert_non_null(k);
	key_destroy(&k);
	free(good);
	free(p);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Sealed-file damage that is caught before Argon2id runs. */
static void test_damaged_sealed_header(void **state)
{
	struct fx *f = *state;
	uint8_t b[SEALED_SIZE];

	damaged(f, sealed_bytes, SEALED_SIZE - 1, 0, 0, PASS, "wrong size");
	damaged(f, sealed_bytes, SEALED_SIZE, 3, 0x01, PASS, "not a mutua key file");
	damaged(f, sealed_bytes, SEALED_SIZE, 9, 0x01, PASS, "size does not match kdf");
	damaged(f, sealed_bytes, SEALED_SIZE, 12, 0x01, PASS, "reserved bytes");

	const struct {
		uint64_t ops, mem;
	} limits[] = {
		{UINT64_MAX, crypto_pwhash_MEMLIMIT_INTERACTIVE},
		{0, crypto_pwhash_MEMLIMIT_INTERACTIVE},
		{crypto_pwhash_OPSLIMIT_SENSITIVE + 1, crypto_pwhash_MEMLIMIT_INTERACTIVE},
		{crypto_pwhash_OPSLIMIT_INTERACTIVE, UINT64_MAX},
		{crypto_pwhash_OPSLIMIT_INTERACTIVE, 0},
		{crypto_pwhash_OPSLIMIT_INTERACTIVE, 1ULL << 40},
		{crypto_pwhash_OPSLIMIT_INTERACTIVE, (uint64_t)crypto_pwhash_MEMLIMIT_SENSITIVE + 1},
		{crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_MIN - 1},
	};
	for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
		memcpy(b, sealed_bytes, SEALED_SIZE);
		put64(b + 16, limits[i].ops);
		put64(b + 24, limits[i].mem);
		damaged(f, b, SEALED_SIZE, SIZE_MAX, 0, PASS, "unreasonable kdf limits");
	}
}

/* Sealed-file damage found once the box is opened: one Argon2id run each. */
static void test_damaged_sealed_body(void **state)
{
	struct fx *f = *state;
	/* the public key is outside the box: caught by the consistency check */
	damaged(f, sealed_bytes, SEALED_SIZE, 80, 0x04, PASS, "keys do not match");
	/* the box itself: its MAC fails, which reads as a wrong passphrase */
	damaged(f, sealed_bytes, SEALED_SIZE, 150, 0x01, PASS, "wrong passphrase");
	/* and the intact bytes open with the passphrase */
	file_put(f->path, sealed_bytes, SEALED_SIZE, 0600);
	struct key *k = key_load(f->path, PASS);
	assert_non_null(k);
	assert_same_key(f->k, k);
	key_destroy(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_new_deterministic),
		cmocka_unit_test_setup_teardown(test_save_load_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_load_sealed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_wrong_passphrase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_excl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_sealed_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_sealed_body, setup, teardown),
	};
	return cmocka_run_group_tests_name("keys", tests, group_setup, NULL);
}
