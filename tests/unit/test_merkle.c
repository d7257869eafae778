/* test_merkle.c - the RFC 6962 Merkle tree: published test vectors, a
 * recursive reference written straight from the RFC's definitions, and
 * every proof of small trees, intact and tampered with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "merkle.h"
#include "util.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HB MERKLE_HASH_BYTES
#define BUF (MERKLE_PATH_MAX + 2) /* room for a proof with two hashes added */

/* The Certificate Transparency reference tree, as published in
 *   transparency-dev/merkle, proof/verify_test.go (commit 02194e9a):
 *     leaves, roots, inclusionProofs, consistencyProofs
 *   google/certificate-transparency, cpp/merkletree/merkle_tree_test.cc
 *     (commit 0e901cac): kInputs, kSHA256Roots, kSHA256Paths, kSHA256Proofs
 * (the same values in both). The sources number leaves from 1 in their
 * inclusion vectors; here leaves are numbered from 0. */
static const char *const ct_leaves[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

/* ct_roots[n] is the root of the first n leaves; [0] is SHA-256(""). */
static const char *const ct_roots[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct proof_vector {
	size_t a, n; /* leaf index (inclusion) or old size (consistency); tree size */
	size_t len;
	const char *hash[3];
};

static const struct proof_vector ct_inclusion[] = {
	{0, 1, 0, {NULL}},
	{0, 8, 3,
	 {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
	{5, 8, 3,
	 {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	{2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
	{1, 5, 3,
	 {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static const struct proof_vector ct_consistency[] = {
	{1, 1, 0, {NULL}},
	{1, 8, 3,
	 {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
	{6, 8, 3,
	 {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	{2, 5, 2,
	 {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	/* transparency-dev/merkle only */
	{6, 7, 3,
	 {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	  "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
	  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

static uint8_t ct_leaf_hash[8][HB];
static uint8_t ct_root[9][HB];

static void unhex(uint8_t *out, size_t len, const char *hex)
{
	assert_int_equal(strlen(hex), 2 * len);
	assert_int_equal(hex_decode(out, len, hex), 0);
}

static int group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	for (size_t i = 0; i < 8; i++) {
		uint8_t leaf[16];
		size_t len = strlen(ct_leaves[i]) / 2;
		if (hex_decode(leaf, len, ct_leaves[i]) != 0)
			return -1;
		merkle_leaf_hash(ct_leaf_hash[i], len ? leaf : NULL, len);
	}
	for (size_t n = 0; n <= 8; n++)
		if (hex_decode(ct_root[n], HB, ct_roots[n]) != 0)
			return -1;
	return 0;
}

/* Reference: RFC 6962 2.1, recursive, as written there. */

static size_t ref_k(size_t n)
{
	size_t k = 1;
	while (2 * k < n)
		k *= 2;
	return k;
}

static void ref_mth(uint8_t out[HB], const uint8_t (*h)[HB], size_t n)
{
	if (n == 0) {
		crypto_hash_sha256(out, (const uint8_t *)"", 0);
	} else if (n == 1) {
		memcpy(out, h[0], HB);
	} else {
		size_t k = ref_k(n);
		uint8_t l[HB], r[HB];
		ref_mth(l, h, k);
		ref_mth(r, h + k, n - k);
		merkle_node_hash(out, l, r);
	}
}

/* PATH(i, D[n]), appended to out at *len. */
static void ref_path(uint8_t (*out)[HB], size_t *len, size_t i, const uint8_t (*h)[HB], size_t n)
{
	if (n == 1)
		return;
	size_t k = ref_k(n);
	if (i < k) {
		ref_path(out, len, i, h, k);
		ref_mth(out[(*len)++], h + k, n - k);
	} else {
		ref_path(out, len, i - k, h + k, n - k);
		ref_mth(out[(*len)++], h, k);
	}
}

/* SUBPROOF(m, D[n], b), appended to out at *len. */
static void ref_subproof(uint8_t (*out)[HB], size_t *len, size_t m, const uint8_t (*h)[HB],
			 size_t n, int b)
{
	if (m == n) {
		if (!b)
			ref_mth(out[(*len)++], h, m);
		return;
	}
	size_t k = ref_k(n);
	if (m <= k) {
		ref_subproof(out, len, m, h, k, b);
		ref_mth(out[(*len)++], h + k, n - k);
	} else {
		ref_subproof(out, len, m - k, h + k, n - k, 0);
		ref_mth(out[(*len)++], h, k);
	}
}

/* Tampering. */

static int incl_ok(const uint8_t leaf[HB], size_t i, size_t n, const uint8_t (*p)[HB], size_t len,
		   const uint8_t root[HB])
{
	return merkle_inclusion_verify(leaf, i, n, p, len, root) == 0;
}

static int cons_ok(size_t m, size_t n, const uint8_t rm[HB], const uint8_t rn[HB],
		   const uint8_t (*p)[HB], size_t len)
{
	return merkle_consistency_verify(m, n, rm, rn, p, len) == 0;
}

/* p with h inserted at position at (0..len). */
static void with_inserted(uint8_t (*out)[HB], const uint8_t (*p)[HB], size_t len, size_t at,
			  const uint8_t h[HB])
{
	memcpy(out, p, at * HB);
	memcpy(out[at], h, HB);
	memcpy(out + at + 1, p + at, (len - at) * HB);
}

/* A valid inclusion proof must fail after any of these changes. root_of
 * gives the root of another size when the test knows it (NULL if not). */
static void incl_tampered(const uint8_t leaf[HB], size_t i, size_t n, const uint8_t (*p)[HB],
			  size_t len, const uint8_t root[HB], const uint8_t (*root_of)[HB],
			  size_t known)
{
	uint8_t q[BUF][HB], x[HB], zero[HB] = {0};

	/* wrong index */
	if (i > 0)
		assert_false(incl_ok(leaf, i - 1, n, p, len, root));
	assert_false(incl_ok(leaf, i + 1, n, p, len, root));
	assert_false(incl_ok(leaf, i ^ 1, n, p, len, root));
	assert_false(incl_ok(leaf, i ^ 2, n, p, len, root));
	assert_false(incl_ok(leaf, n, n, p, len, root));

	/* wrong size: the same root with a tree twice or half as high, or
	 * the root of the neighbouring sizes */
	assert_false(incl_ok(leaf, i, 2 * n, p, len, root));
	assert_false(incl_ok(leaf, i, n / 2, p, len, root));
	if (root_of && n + 1 <= known)
		assert_false(incl_ok(leaf, i, n + 1, p, len, root_of[n + 1]));
	if (root_of && n - 1 > i)
		assert_false(incl_ok(leaf, i, n - 1, p, len, root_of[n - 1]));

	/* wrong leaf or root */
	memcpy(x, leaf, HB);
	x[31] ^= 0x01;
	assert_false(incl_ok(x, i, n, p, len, root));
	memcpy(x, root, HB);
	x[0] ^= 0x80;
	assert_false(incl_ok(leaf, i, n, p, len, x));
	assert_false(incl_ok(leaf, i, n, p, len, zero));

	/* one bit of one hash of the path */
	for (size_t j = 0; j < len; j++) {
		memcpy(q, p, len * HB);
		q[j][(j * 5) % HB] ^= (uint8_t)(1u << (j % 8));
		assert_false(incl_ok(leaf, i, n, (const uint8_t(*)[HB])q, len, root));
	}

	/* hashes added or removed */
	with_inserted(q, p, len, len, zero);
	assert_false(incl_ok(leaf, i, n, (const uint8_t(*)[HB])q, len + 1, root));
	with_inserted(q, p, len, len, root);
	assert_false(incl_ok(leaf, i, n, (const uint8_t(*)[HB])q, len + 1, root));
	with_inserted(q, p, len, 0, zero);
	assert_false(incl_ok(leaf, i, n, (const uint8_t(*)[HB])q, len + 1, root));
	with_inserted(q, p, len, 0, root);
	assert_false(incl_ok(leaf, i, n, (const uint8_t(*)[HB])q, len + 1, root));
	if (len > 0) {
		assert_false(incl_ok(leaf, i, n, p, len - 1, root));
		assert_false(incl_ok(leaf, i, n, p + 1, len - 1, root));
	}
	if (len > 1) {
		with_inserted(q, p, len, 1, zero);
		assert_false(incl_ok(leaf, i, n, (const uint8_t(*)[HB])q, len + 1, root));
	}
}

/* A valid, non-empty consistency proof must fail after any of these. */
static void cons_tampered(size_t m, size_t n, const uint8_t rm[HB], const uint8_t rn[HB],
			  const uint8_t (*p)[HB], size_t len)
{
	uint8_t q[BUF][HB], x[HB], zero[HB] = {0};
	assert_true(len > 0);

	/* wrong sizes, same roots */
	assert_false(cons_ok(m - 1, n, rm, rn, p, len));
	assert_false(cons_ok(m + 1, n, rm, rn, p, len));
	assert_false(cons_ok(m ^ 2, n, rm, rn, p, len));
	assert_false(cons_ok(m, 2 * n, rm, rn, p, len));
	assert_false(cons_ok(m, n / 2, rm, rn, p, len));
	assert_false(cons_ok(n, m, rm, rn, p, len));

	/* wrong roots */
	memcpy(x, rm, HB);
	x[7] ^= 0x04;
	assert_false(cons_ok(m, n, x, rn, p, len));
	memcpy(x, rn, HB);
	x[21] ^= 0x40;
	assert_false(cons_ok(m, n, rm, x, p, len));
	assert_false(cons_ok(m, n, rn, rm, p, len));
	assert_false(cons_ok(m, n, rm, rm, p, len));
	assert_false(cons_ok(m, n, rn, rn, p, len));

	/* one bit of one hash of the proof */
	for (size_t j = 0; j < len; j++) {
		memcpy(q, p, len * HB);
		q[j][(j * 11) % HB] ^= (uint8_t)(0x80u >> (j % 8));
		assert_false(cons_ok(m, n, rm, rn, (const uint8_t(*)[HB])q, len));
	}

	/* hashes added or removed */
	assert_false(cons_ok(m, n, rm, rn, p, 0));
	assert_false(cons_ok(m, n, rm, rn, p, len - 1));
	assert_false(cons_ok(m, n, rm, rn, p + 1, len - 1));
	const uint8_t *extra[] = {zero, rm, rn, p[0], p[len - 1]};
	for (size_t e = 0; e < sizeof extra / sizeof *extra; e++) {
		with_inserted(q, p, len, len, extra[e]);
		assert_false(cons_ok(m, n, rm, rn, (const uint8_t(*)[HB])q, len + 1));
		with_inserted(q, p, len, 0, extra[e]);
		assert_false(cons_ok(m, n, rm, rn, (const uint8_t(*)[HB])q, len + 1));
	}
}

/* Hashes */

static void test_hashes(void **state)
{
	(void)state;
	uint8_t h[HB], want[HB], l[HB], r[HB];

	/* the empty tree and the empty leaf: ct_roots[0] and [1] */
	assert_int_equal(merkle_root(h, NULL, 0), 0);
	assert_memory_equal(h, ct_root[0], HB);
	merkle_leaf_hash(h, NULL, 0);
	assert_memory_equal(h, ct_root[1], HB);

	/* transparency-dev/merkle, rfc6962/rfc6962_test.go (commit 78493b07):
	 * "RFC6962 Leaf" */
	merkle_leaf_hash(h, (const uint8_t *)"L123456", 7);
	unhex(want, HB, "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
	assert_memory_equal(h, want, HB);

	/* a node of two leaves is the root of size 2; order matters */
	merkle_node_hash(h, ct_leaf_hash[0], ct_leaf_hash[1]);
	assert_memory_equal(h, ct_root[2], HB);
	merkle_node_hash(h, ct_leaf_hash[1], ct_leaf_hash[0]);
	assert_memory_not_equal(h, ct_root[2], HB);

	/* out may alias either input */
	memcpy(l, ct_leaf_hash[0], HB);
	memcpy(r, ct_leaf_hash[1], HB);
	merkle_node_hash(l, l, r);
	assert_memory_equal(l, ct_root[2], HB);
	memcpy(l, ct_leaf_hash[0], HB);
	merkle_node_hash(r, l, r);
	assert_memory_equal(r, ct_root[2], HB);

	/* a leaf of 64 bytes l || r is not the node of l and r */
	uint8_t both[2 * HB];
	memcpy(both, ct_leaf_hash[0], HB);
	memcpy(both + HB, ct_leaf_hash[1], HB);
	merkle_leaf_hash(h, both, sizeof both);
	assert_memory_not_equal(h, ct_root[2], HB);
}

static void test_root_vectors(void **state)
{
	(void)state;
	struct merkle_stream s;
	uint8_t h[HB];

	merkle_stream_init(&s);
	merkle_stream_root(h, &s);
	assert_memory_equal(h, ct_root[0], HB);
	for (size_t n = 0; n <= 8; n++) {
		if (n > 0) {
			assert_int_equal(merkle_stream_push(&s, ct_leaf_hash[n - 1]), 0);
			assert_int_equal(s.n, n);
		}
		merkle_stream_root(h, &s);
		assert_memory_equal(h, ct_root[n], HB);
		assert_int_equal(merkle_root(h, (const uint8_t(*)[HB])ct_leaf_hash, n), 0);
		assert_memory_equal(h, ct_root[n], HB);
		ref_mth(h, (const uint8_t(*)[HB])ct_leaf_hash, n);
		assert_memory_equal(h, ct_root[n], HB);
	}
	err_set("sentinel");
	assert_int_equal(merkle_root(h, NULL, 1), -1);
	assert_non_null(strstr(err_msg(), "no leaf hashes"));
}

static void test_inclusion_vectors(void **state)
{
	(void)state;
	const uint8_t(*leaves)[HB] = (const uint8_t(*)[HB])ct_leaf_hash;
	for (size_t v = 0; v < sizeof ct_inclusion / sizeof *ct_inclusion; v++) {
		const struct proof_vector *t = &ct_inclusion[v];
		uint8_t want[3][HB], got[MERKLE_PATH_MAX][HB];
		size_t len = 99;
		for (size_t j = 0; j < t->len; j++)
			unhex(want[j], HB, t->hash[j]);

		assert_int_equal(merkle_inclusion_proof(got, &len, MERKLE_PATH_MAX, leaves, t->n, t->a), 0);
		assert_int_equal(len, t->len);
		if (len > 0)
			assert_memory_equal(got, want, len * HB);

		const uint8_t(*p)[HB] = (const uint8_t(*)[HB])want;
		assert_int_equal(merkle_inclusion_verify(ct_leaf_hash[t->a], t->a, t->n, p, t->len,
							 ct_root[t->n]),
				 0);
		incl_tampered(ct_leaf_hash[t->a], t->a, t->n, p, t->len, ct_root[t->n],
			      (const uint8_t(*)[HB])ct_root, 8);
	}
}

static void test_consistency_vectors(void **state)
{
	(void)state;
	const uint8_t(*leaves)[HB] = (const uint8_t(*)[HB])ct_leaf_hash;
	for (size_t v = 0; v < sizeof ct_consistency / sizeof *ct_consistency; v++) {
		const struct proof_vector *t = &ct_consistency[v];
		uint8_t want[3][HB], got[MERKLE_PATH_MAX][HB];
		size_t len = 99;
		for (size_t j = 0; j < t->len; j++)
			unhex(want[j], HB, t->hash[j]);

		assert_int_equal(merkle_consistency_proof(got, &len, MERKLE_PATH_MAX, leaves, t->n, t->a), 0);
		assert_int_equal(len, t->len);
		if (len > 0)
			assert_memory_equal(got, want, len * HB);

		const uint8_t(*p)[HB] = (const uint8_t(*)[HB])want;
		assert_int_equal(merkle_consistency_verify(t->a, t->n, ct_root[t->a], ct_root[t->n], p,
							   t->len),
				 0);
		if (t->len > 0)
			cons_tampered(t->a, t->n, ct_root[t->a], ct_root[t->n], p, t->len);
	}
}

/* transparency-dev/merkle, proof/verify_test.go: TestVerifyInclusion and
 * TestVerifyInclusionSingleEntry, with 32-byte hashes. */
static void test_inclusion_edges(void **state)
{
	(void)state;
	uint8_t some[HB], path[MERKLE_PATH_MAX][HB], mark[MERKLE_PATH_MAX][HB], leaf[HB];
	const uint8_t(*none)[HB] = NULL;
	const uint8_t(*leaves)[HB] = (const uint8_t(*)[HB])ct_leaf_hash;
	unhex(some, HB, "abacaba000000000000000000000000000000000000000000060061e00123456");
	size_t len = 0;

	const size_t probe[][2] = {{0, 0}, {0, 1}, {1, 0}, {2, 1}};
	for (size_t i = 0; i < 4; i++) {
		size_t index = probe[i][0], n = probe[i][1];
		assert_false(incl_ok(some, index, n, none, 0, ct_root[0]));
		assert_false(incl_ok(ct_root[0], index, n, none, 0, some));
	}
	err_set("sentinel");
	assert_false(incl_ok(some, 3, 3, none, 0, some));
	assert_non_null(strstr(err_msg(), "leaf 3 is not in a tree of 3"));

	/* one leaf: the root is the leaf hash, the path is empty */
	merkle_leaf_hash(leaf, (const uint8_t *)"data", 4);
	assert_true(incl_ok(leaf, 0, 1, none, 0, leaf));
	assert_false(incl_ok(leaf, 0, 1, none, 0, some));
	assert_false(incl_ok(some, 0, 1, none, 0, leaf));
	assert_false(incl_ok(leaf, 0, 1, (const uint8_t(*)[HB])&leaf, 1, leaf));

	/* reasons */
	uint8_t p[3][HB];
	unhex(p[0], HB, ct_inclusion[1].hash[0]);
	unhex(p[1], HB, ct_inclusion[1].hash[1]);
	unhex(p[2], HB, ct_inclusion[1].hash[2]);
	const uint8_t(*pp)[HB] = (const uint8_t(*)[HB])p;
	assert_false(incl_ok(ct_leaf_hash[0], 0, 8, pp, 2, ct_root[8]));
	assert_non_null(strstr(err_msg(), "path too short"));
	assert_false(incl_ok(ct_leaf_hash[0], 0, 4, pp, 3, ct_root[8]));
	assert_non_null(strstr(err_msg(), "path too long"));
	assert_false(incl_ok(ct_leaf_hash[1], 0, 8, pp, 3, ct_root[8]));
	assert_non_null(strstr(err_msg(), "does not lead to the root"));

	/* building: index out of the tree, or not enough room; then path and
	 * path_len are left alone */
	memset(path, 0x5a, sizeof path);
	memcpy(mark, path, sizeof path);
	len = 77;
	assert_int_equal(merkle_inclusion_proof(path, &len, MERKLE_PATH_MAX, leaves, 0, 0), -1);
	assert_int_equal(merkle_inclusion_proof(path, &len, MERKLE_PATH_MAX, leaves, 8, 8), -1);
	assert_int_equal(merkle_inclusion_proof(path, &len, 2, leaves, 8, 5), -1);
	assert_non_null(strstr(err_msg(), "needs 3 hashes, room for 2"));
	assert_int_equal(len, 77);
	assert_memory_equal(path, mark, sizeof path);
	assert_int_equal(merkle_inclusion_proof(path, &len, 3, leaves, 8, 5), 0);
	assert_int_equal(len, 3);
	assert_int_equal(merkle_inclusion_proof(NULL, &len, 0, leaves, 1, 0), 0);
	assert_int_equal(len, 0);
}

/* transparency-dev/merkle, proof/verify_test.go: TestVerifyConsistency,
 * with 32-byte roots. It accepts m == 0 with any root_m; here root_m must
 * be the empty tree's (see merkle.c). */
static void test_consistency_edges(void **state)
{
	(void)state;
	uint8_t a[HB], b[HB], path[MERKLE_PATH_MAX][HB], mark[MERKLE_PATH_MAX][HB];
	const uint8_t *e = ct_root[0];
	const uint8_t(*none)[HB] = NULL;
	const uint8_t(*one_e)[HB] = (const uint8_t(*)[HB])ct_root[0];
	const uint8_t(*leaves)[HB] = (const uint8_t(*)[HB])ct_leaf_hash;
	memset(a, 0xa1, HB);
	memset(b, 0xb2, HB);

	assert_false(cons_ok(0, 0, a, b, none, 0));
	assert_false(cons_ok(1, 1, a, b, none, 0));
	/* sizes that are always consistent */
	assert_true(cons_ok(0, 0, e, e, none, 0));
	assert_true(cons_ok(0, 1, e, b, none, 0));
	assert_true(cons_ok(0, 7, e, ct_root[7], none, 0));
	assert_true(cons_ok(1, 1, b, b, none, 0));
	assert_true(cons_ok(5, 5, ct_root[5], ct_root[5], none, 0));
	/* m == 0 needs the empty root */
	assert_false(cons_ok(0, 0, a, a, none, 0));
	assert_false(cons_ok(0, 1, a, b, none, 0));
	assert_non_null(strstr(err_msg(), "old root is not the empty tree's"));
	/* time travel to the past */
	assert_false(cons_ok(1, 0, a, b, none, 0));
	assert_false(cons_ok(2, 1, a, b, none, 0));
	assert_non_null(strstr(err_msg(), "old size 2 is above new size 1"));
	/* empty proof */
	assert_false(cons_ok(1, 2, a, b, none, 0));
	assert_false(cons_ok(1, 2, ct_root[1], ct_root[2], none, 0));
	assert_non_null(strstr(err_msg(), "empty"));
	/* roots don't match */
	assert_false(cons_ok(0, 0, e, b, none, 0));
	assert_false(cons_ok(1, 1, e, b, none, 0));
	assert_non_null(strstr(err_msg(), "roots of size 1 differ"));
	/* roots match but the proof is not empty */
	assert_false(cons_ok(0, 0, e, e, one_e, 1));
	assert_false(cons_ok(0, 1, e, e, one_e, 1));
	assert_false(cons_ok(1, 1, e, e, one_e, 1));
	assert_non_null(strstr(err_msg(), "must be empty"));

	/* reasons of the RFC 9162 algorithm */
	uint8_t p[3][HB];
	for (size_t j = 0; j < 3; j++)
		unhex(p[j], HB, ct_consistency[2].hash[j]);
	const uint8_t(*pp)[HB] = (const uint8_t(*)[HB])p;
	assert_true(cons_ok(6, 8, ct_root[6], ct_root[8], pp, 3));
	assert_false(cons_ok(6, 8, ct_root[6], ct_root[8], pp, 2));
	assert_non_null(strstr(err_msg(), "too short"));
	assert_false(cons_ok(6, 8, ct_root[5], ct_root[8], pp, 3));
	assert_non_null(strstr(err_msg(), "old root"));
	assert_false(cons_ok(6, 8, ct_root[6], ct_root[7], pp, 3));
	assert_non_null(strstr(err_msg(), "new root"));
	uint8_t q[4][HB];
	with_inserted(q, pp, 3, 3, ct_root[8]);
	assert_false(cons_ok(6, 8, ct_root[6], ct_root[8], (const uint8_t(*)[HB])q, 4));
	assert_non_null(strstr(err_msg(), "too long"));

	/* building */
	memset(path, 0x5a, sizeof path);
	memcpy(mark, path, sizeof path);
	size_t len = 77;
	assert_int_equal(merkle_consistency_proof(path, &len, MERKLE_PATH_MAX, leaves, 5, 6), -1);
	assert_non_null(strstr(err_msg(), "old size 6 is above new size 5"));
	assert_int_equal(merkle_consistency_proof(path, &len, 2, leaves, 8, 6), -1);
	assert_non_null(strstr(err_msg(), "needs 3 hashes, room for 2"));
	assert_int_equal(len, 77);
	assert_memory_equal(path, mark, sizeof path);
	for (size_t n = 0; n <= 8; n++) {
		len = 77;
		assert_int_equal(merkle_consistency_proof(NULL, &len, 0, leaves, n, 0), 0);
		assert_int_equal(len, 0);
		len = 77;
		assert_int_equal(merkle_consistency_proof(NULL, &len, 0, leaves, n, n), 0);
		assert_int_equal(len, 0);
	}
}

/* A proof does not bind a size to a root (RFC 9162's algorithms neither):
 * the path of leaf 0 in a tree of 3 also leads to that same root for a
 * claimed size of 4, and the proof from 6 to 8 also leads to the root of 8
 * for a claimed new size of 7. Hence (size, root) must come signed
 * together; against the true root of the claimed size, both fail. */
static void test_size_not_bound_by_proof(void **state)
{
	(void)state;
	uint8_t p[2][HB];
	size_t len;
	assert_int_equal(merkle_inclusion_proof(p, &len, 2, (const uint8_t(*)[HB])ct_leaf_hash, 3, 0), 0);
	assert_int_equal(len, 2);
	const uint8_t(*pp)[HB] = (const uint8_t(*)[HB])p;
	assert_true(incl_ok(ct_leaf_hash[0], 0, 3, pp, 2, ct_root[3]));
	assert_true(incl_ok(ct_leaf_hash[0], 0, 4, pp, 2, ct_root[3]));
	assert_false(incl_ok(ct_leaf_hash[0], 0, 4, pp, 2, ct_root[4]));

	uint8_t q[3][HB];
	assert_int_equal(merkle_consistency_proof(q, &len, 3, (const uint8_t(*)[HB])ct_leaf_hash, 8, 6), 0);
	assert_int_equal(len, 3);
	const uint8_t(*qq)[HB] = (const uint8_t(*)[HB])q;
	assert_true(cons_ok(6, 8, ct_root[6], ct_root[8], qq, 3));
	assert_true(cons_ok(6, 7, ct_root[6], ct_root[8], qq, 3));
	assert_false(cons_ok(6, 7, ct_root[6], ct_root[7], qq, 3));
}

/* Random trees */

static void test_stream_matches_root(void **state)
{
	(void)state;
	enum { N = 300 };
	static uint8_t h[N][HB];
	randombytes_buf(h, sizeof h);
	struct merkle_stream s, copy;
	uint8_t a[HB], b[HB], c[HB];

	merkle_stream_init(&s);
	for (size_t n = 0; n <= N; n++) {
		if (n > 0)
			assert_int_equal(merkle_stream_push(&s, h[n - 1]), 0);
		merkle_stream_root(a, &s);
		assert_int_equal(merkle_root(b, (const uint8_t(*)[HB])h, n), 0);
		ref_mth(c, (const uint8_t(*)[HB])h, n);
		assert_memory_equal(a, b, HB);
		assert_memory_equal(a, c, HB);
		if (n == 150)
			copy = s;
	}
	/* a copied stream goes on on its own */
	assert_int_equal(copy.n, 150);
	merkle_stream_root(a, &copy);
	ref_mth(c, (const uint8_t(*)[HB])h, 150);
	assert_memory_equal(a, c, HB);

	/* the counter's end */
	s.n = SIZE_MAX;
	err_set("sentinel");
	assert_int_equal(merkle_stream_push(&s, h[0]), -1);
	assert_non_null(strstr(err_msg(), "full"));
}

static void test_inclusion_all(void **state)
{
	(void)state;
	enum { N = 70 };
	static uint8_t h[N + 1][HB], root[N + 1][HB];
	const uint8_t(*leaves)[HB] = (const uint8_t(*)[HB])h;
	randombytes_buf(h, sizeof h);
	for (size_t n = 0; n <= N; n++)
		merkle_root(root[n], leaves, n);

	for (size_t n = 1; n <= N; n++) {
		for (size_t i = 0; i < n; i++) {
			uint8_t got[MERKLE_PATH_MAX][HB], want[MERKLE_PATH_MAX][HB];
			size_t len = 0, want_len = 0;
			assert_int_equal(merkle_inclusion_proof(got, &len, MERKLE_PATH_MAX, leaves, n, i), 0);
			ref_path(want, &want_len, i, leaves, n);
			assert_int_equal(len, want_len);
			if (len > 0)
				assert_memory_equal(got, want, len * HB);
			const uint8_t(*p)[HB] = (const uint8_t(*)[HB])got;
			if (!incl_ok(h[i], i, n, p, len, root[n]))
				fail_msg("leaf %zu of %zu: %s", i, n, err_msg());
			incl_tampered(h[i], i, n, p, len, root[n], (const uint8_t(*)[HB])root, N);
		}
	}
}

static void test_consistency_all(void **state)
{
	(void)state;
	enum { N = 40 };
	static uint8_t h[N][HB], root[N + 1][HB];
	const uint8_t(*leaves)[HB] = (const uint8_t(*)[HB])h;
	randombytes_buf(h, sizeof h);
	for (size_t n = 0; n <= N; n++)
		merkle_root(root[n], leaves, n);

	for (size_t n = 1; n <= N; n++) {
		for (size_t m = 1; m <= n; m++) {
			uint8_t got[MERKLE_PATH_MAX][HB], want[MERKLE_PATH_MAX][HB];
			size_t len = 0, want_len = 0;
			assert_int_equal(merkle_consistency_proof(got, &len, MERKLE_PATH_MAX, leaves, n, m), 0);
			ref_subproof(want, &want_len, m, leaves, n, 1);
			assert_int_equal(len, want_len);
			if (len > 0)
				assert_memory_equal(got, want, len * HB);
			assert_true((m == n) == (len == 0));
			const uint8_t(*p)[HB] = (const uint8_t(*)[HB])got;
			if (!cons_ok(m, n, root[m], root[n], p, len))
				fail_msg("%zu to %zu: %s", m, n, err_msg());
			if (len > 0) {
				cons_tampered(m, n, root[m], root[n], p, len);
				/* the roots of other sizes */
				if (m > 1)
					assert_false(cons_ok(m - 1, n, root[m - 1], root[n], p, len));
				if (m + 1 < n)
					assert_false(cons_ok(m + 1, n, root[m + 1], root[n], p, len));
				if (n < N)
					assert_false(cons_ok(m, n + 1, root[m], root[n + 1], p, len));
			} else {
				assert_false(cons_ok(m, n, root[m], root[m > 1 ? m - 1 : 2], p, 0));
				assert_false(cons_ok(m, n, root[m], root[m], (const uint8_t(*)[HB])root[m], 1));
			}
		}
	}
}

/* A tree past 2^16 leaves, with proofs at the edges of its subtrees. */
static void test_large_tree(void **state)
{
	(void)state;
	enum { N = 65539 };
	uint8_t(*h)[HB] = malloc(N * sizeof *h);
	assert_non_null(h);
	for (size_t i = 0; i < N; i++) {
		uint8_t id[32]; /* like an entry id */
		memset(id, 0, sizeof id);
		for (size_t b = 0; b < sizeof(size_t); b++)
			id[b] = (uint8_t)(i >> (8 * b));
		merkle_leaf_hash(h[i], id, sizeof id);
	}
	const uint8_t(*leaves)[HB] = (const uint8_t(*)[HB])h;
	struct merkle_stream s;
	uint8_t r[HB], rs[HB], ref[HB];
	merkle_stream_init(&s);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(merkle_stream_push(&s, h[i]), 0);
	merkle_stream_root(rs, &s);
	assert_int_equal(merkle_root(r, leaves, N), 0);
	ref_mth(ref, leaves, N);
	assert_memory_equal(r, ref, HB);
	assert_memory_equal(rs, ref, HB);

	const size_t idx[] = {0, 32767, 65535, 65536, N - 1};
	for (size_t k = 0; k < sizeof idx / sizeof *idx; k++) {
		uint8_t p[MERKLE_PATH_MAX][HB];
		size_t len;
		assert_int_equal(merkle_inclusion_proof(p, &len, MERKLE_PATH_MAX, leaves, N, idx[k]), 0);
		assert_true(len <= 17);
		assert_true(incl_ok(h[idx[k]], idx[k], N, (const uint8_t(*)[HB])p, len, r));
		uint8_t rm[HB];
		size_t m = idx[k] + 1;
		assert_int_equal(merkle_consistency_proof(p, &len, MERKLE_PATH_MAX, leaves, N, m), 0);
		merkle_root(rm, leaves, m);
		assert_true(cons_ok(m, N, rm, r, (const uint8_t(*)[HB])p, len));
	}
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hashes),
		cmocka_unit_test(test_root_vectors),
		cmocka_unit_test(test_inclusion_vectors),
		cmocka_unit_test(test_consistency_vectors),
		cmocka_unit_test(test_inclusion_edges),
		cmocka_unit_test(test_consistency_edges),
		cmocka_unit_test(test_size_not_bound_by_proof),
		cmocka_unit_test(test_stream_matches_root),
		cmocka_unit_test(test_inclusion_all),
		cmocka_unit_test(test_consistency_all),
		cmocka_unit_test(test_large_tree),
	};
	return cmocka_run_group_tests_name("merkle", tests, group_setup, NULL);
}
