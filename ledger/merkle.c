/* merkle.c - the Merkle tree of RFC 6962 section 2.1, with the proof
 * verification of RFC 9162 section 2.1.
 *
 * Hashes. HASH is SHA-256, || is concatenation, every hash is 32 bytes:
 *
 *   leaf hash   LH(d)    = HASH(0x00 || d)        d: the leaf bytes (in
 *                                                  Mutua the 32-byte entry id)
 *   node hash   NH(l, r) = HASH(0x01 || l || r)
 *
 * The tree. For leaf hashes h[0..n-1] (D[a:b] below is h[a..b-1]) and, for
 * n > 1, k the largest power of two smaller than n:
 *
 *   MTH({})     = HASH()                        SHA-256 of the empty string
 *   MTH({h[0]}) = h[0]
 *   MTH(D[0:n]) = NH(MTH(D[0:k]), MTH(D[k:n]))
 *
 * so the left subtree is always perfect, and the tree of the first n leaves
 * is the perfect subtrees given by the bits of n, left to right, largest
 * first, folded from the right: NH(s1, NH(s2, ... NH(s_last-1, s_last))).
 * That is what merkle_stream keeps and how merkle_root computes.
 *
 * Inclusion path of leaf i, 0 <= i < n (RFC 6962 2.1.1):
 *
 *   PATH(0, D[0:1]) = {}
 *   PATH(i, D[0:n]) = PATH(i, D[0:k]) : MTH(D[k:n])        if i < k
 *                   = PATH(i - k, D[k:n]) : MTH(D[0:k])    if i >= k
 *
 * Consistency proof of size m against size n, 0 < m <= n (RFC 6962 2.1.2):
 *
 *   PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true)
 *   SUBPROOF(m, D[0:m], true)  = {}
 *   SUBPROOF(m, D[0:m], false) = {MTH(D[0:m])}
 *   SUBPROOF(m, D[0:n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])         if m <= k
 *                          = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]) if m > k
 *
 * and, our definition, the proof from size 0 is empty.
 *
 * Both are built top down without recursion: one pass finds the length,
 * the second writes the hashes from the end of the path back, each the
 * MTH of a run of leaves. The runs are disjoint, so a proof costs at most
 * n node hashes and O(log n) memory.
 *
 * Validity of an inclusion proof (leaf_hash, index, n, path, root): exactly
 * the algorithm of RFC 9162 2.1.3.2: index < n; fn = index, sn = n - 1,
 * r = leaf_hash; for each p of path in order: fail if sn is 0; if fn is odd
 * or fn == sn, r = NH(p, r) and, while fn is even and not 0, halve fn and
 * sn; otherwise r = NH(r, p); then halve fn and sn. Valid when sn is then 0
 * and r equals root. So the path length is exactly fixed by index and n.
 *
 * Validity of a consistency proof (m, n, root_m, root_n, path):
 *   - m > n: invalid.
 *   - m == 0 (our definition; the RFCs only define 0 < m): valid when the
 *     path is empty and root_m is MTH({}). Every tree extends the empty
 *     one, so root_n is not constrained, except that for n == 0 it must
 *     equal root_m.
 *   - m == n: valid when the path is empty and root_m equals root_n.
 *   - 0 < m < n: exactly the algorithm of RFC 9162 2.1.4.2: fail if the
 *     path is empty; if m is a power of two, root_m is put before the path;
 *     fn = m - 1, sn = n - 1, halved together while fn is odd; fr = sr = the
 *     first hash; for each following c: fail if sn is 0; if fn is odd or
 *     fn == sn, fr = NH(c, fr), sr = NH(c, sr) and, while fn is even and
 *     not 0, halve fn and sn; otherwise sr = NH(sr, c); then halve fn and
 *     sn. Valid when sn is then 0, fr equals root_m and sr equals root_n.
 *
 * A proof binds hashes to a root, not a size to a root: callers must take
 * (size, root) together from a signed tree head.
 */
#include "merkle.h"
#include "util.h"

#include <limits.h>
#include <sodium.h>
#include <string.h>

_Static_assert(MERKLE_HASH_BYTES == crypto_hash_sha256_BYTES, "merkle hash is SHA-256");
/* A stream holds one subtree per bit of its size. */
_Static_assert(sizeof(size_t) * CHAR_BIT <= MERKLE_PATH_MAX, "merkle stream too small");

#define HB MERKLE_HASH_BYTES

void merkle_leaf_hash(uint8_t out[HB], const uint8_t *leaf, size_t len)
{
	static const uint8_t prefix = 0x00;
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	if (len > 0)
		crypto_hash_sha256_update(&st, leaf, len);
	crypto_hash_sha256_final(&st, out);
}

void merkle_node_hash(uint8_t out[HB], const uint8_t left[HB], const uint8_t right[HB])
{
	static const uint8_t prefix = 0x01;
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	crypto_hash_sha256_update(&st, left, HB);
	crypto_hash_sha256_update(&st, right, HB);
	/* written only here, after both inputs are read: out may alias them */
	crypto_hash_sha256_final(&st, out);
}

static void empty_root(uint8_t out[HB])
{
	static const uint8_t none[1];
	crypto_hash_sha256(out, none, 0);
}

static size_t bit_count(size_t x)
{
	size_t c = 0;
	for (; x; x &= x - 1)
		c++;
	return c;
}

/* The largest power of two smaller than n, for n >= 2: the top bit of
 * n - 1 (computed without shifting past the width of size_t). */
static size_t split(size_t n)
{
	size_t k = n - 1;
	while (k & (k - 1))
		k &= k - 1;
	return k;
}

void merkle_stream_init(struct merkle_stream *s)
{
	memset(s, 0, sizeof *s);
}

/* Adding a leaf to n leaves merges it with one subtree per trailing 1 bit
 * of n, as a carry runs through a binary counter. */
static void stream_add(struct merkle_stream *s, const uint8_t leaf_hash[HB])
{
	uint8_t h[HB];
	size_t top = bit_count(s->n);
	memcpy(h, leaf_hash, HB);
	for (size_t c = s->n; c & 1; c >>= 1)
		merkle_node_hash(h, s->node[--top], h);
	memcpy(s->node[top], h, HB);
	s->n++;
}

int merkle_stream_push(struct merkle_stream *s, const uint8_t leaf_hash[HB])
{
	if (s->n == SIZE_MAX)
		return err_set("merkle stream is full (%zu leaves)", s->n);
	stream_add(s, leaf_hash);
	return 0;
}

void merkle_stream_root(uint8_t out[HB], const struct merkle_stream *s)
{
	size_t top = bit_count(s->n);
	if (top == 0) {
		empty_root(out);
		return;
	}
	uint8_t h[HB];
	memcpy(h, s->node[top - 1], HB);
	while (--top > 0)
		merkle_node_hash(h, s->node[top - 1], h);
	memcpy(out, h, HB);
}

/* MTH(h[0..n-1]). */
static void run_root(uint8_t out[HB], const uint8_t (*h)[HB], size_t n)
{
	struct merkle_stream s;
	merkle_stream_init(&s);
	for (size_t i = 0; i < n; i++)
		stream_add(&s, h[i]);
	merkle_stream_root(out, &s);
}

int merkle_root(uint8_t out[HB], const uint8_t (*leaf_hashes)[HB], size_t n)
{
	if (n > 0 && !leaf_hashes)
		return err_set("merkle root: no leaf hashes for %zu leaves", n);
	run_root(out, leaf_hashes, n);
	return 0;
}

/* One step down PATH: from the subtree of sz leaves at lo, holding the leaf
 * at offset *i in it, to the child holding it. Stores the sibling's run in
 * *sib_lo, *sib_n. */
static void path_step(size_t *lo, size_t *sz, size_t *i, size_t *sib_lo, size_t *sib_n)
{
	size_t k = split(*sz);
	if (*i < k) {
		*sib_lo = *lo + k;
		*sib_n = *sz - k;
		*sz = k;
	} else {
		*sib_lo = *lo;
		*sib_n = k;
		*lo += k;
		*i -= k;
		*sz -= k;
	}
}

int merkle_inclusion_proof(uint8_t (*path)[HB], size_t *path_len, size_t max,
			   const uint8_t (*leaf_hashes)[HB], size_t n, size_t index)
{
	if (index >= n)
		return err_set("inclusion proof: leaf %zu is not in a tree of %zu", index, n);
	size_t lo = 0, sz = n, i = index, sib_lo, sib_n, len = 0;
	for (; sz > 1; len++)
		path_step(&lo, &sz, &i, &sib_lo, &sib_n);
	if (len > max)
		return err_set("inclusion proof: needs %zu hashes, room for %zu", len, max);

	/* the first step down gives the last hash of the path */
	lo = 0, sz = n, i = index;
	for (size_t d = len; d > 0; d--) {
		path_step(&lo, &sz, &i, &sib_lo, &sib_n);
		run_root(path[d - 1], leaf_hashes + sib_lo, sib_n);
	}
	*path_len = len;
	return 0;
}

/* One step down SUBPROOF from the subtree of sz leaves at lo, whose first
 * *m leaves are the old tree's part of it (*m < sz). *b is cleared when the
 * step leaves the old tree's root behind, so the old subtree reached at the
 * end must be sent. */
static void consistency_step(size_t *lo, size_t *sz, size_t *m, int *b, size_t *sib_lo,
			     size_t *sib_n)
{
	size_t k = split(*sz);
	if (*m <= k) {
		*sib_lo = *lo + k;
		*sib_n = *sz - k;
		*sz = k;
	} else {
		*sib_lo = *lo;
		*sib_n = k;
		*lo += k;
		*m -= k;
		*sz -= k;
		*b = 0;
	}
}

int merkle_consistency_proof(uint8_t (*path)[HB], size_t *path_len, size_t max,
			     const uint8_t (*leaf_hashes)[HB], size_t n, size_t m)
{
	if (m > n)
		return err_set("consistency proof: old size %zu is above new size %zu", m, n);
	size_t lo = 0, sz = n, mm = m, sib_lo, sib_n, len = 0;
	int b = 1;
	if (m > 0) {
		for (; mm != sz; len++)
			consistency_step(&lo, &sz, &mm, &b, &sib_lo, &sib_n);
		if (!b)
			len++;
	}
	if (len > max)
		return err_set("consistency proof: needs %zu hashes, room for %zu", len, max);

	lo = 0, sz = n, mm = m, b = 1;
	size_t d = len;
	if (m > 0) {
		while (mm != sz) {
			consistency_step(&lo, &sz, &mm, &b, &sib_lo, &sib_n);
			run_root(path[--d], leaf_hashes + sib_lo, sib_n);
		}
		if (!b)
			run_root(path[--d], leaf_hashes + lo, sz);
	}
	*path_len = len;
	return 0;
}

/* Halves fn and sn together until fn is odd or 0 (RFC 9162's "right-shift
 * both fn and sn equally until either LSB(fn) is set or fn is 0"). */
static void skip_right_edge(size_t *fn, size_t *sn)
{
	while (*fn != 0 && !(*fn & 1)) {
		*fn >>= 1;
		*sn >>= 1;
	}
}

int merkle_inclusion_verify(const uint8_t leaf_hash[HB], size_t index, size_t n,
			    const uint8_t (*path)[HB], size_t path_len, const uint8_t root[HB])
{
	if (index >= n)
		return err_set("inclusion proof: leaf %zu is not in a tree of %zu", index, n);
	size_t fn = index, sn = n - 1;
	uint8_t r[HB];
	memcpy(r, leaf_hash, HB);
	for (size_t i = 0; i < path_len; i++) {
		if (sn == 0)
			return err_set("inclusion proof: path too long for leaf %zu of %zu (%zu hashes)",
				       index, n, path_len);
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(r, path[i], r);
			skip_right_edge(&fn, &sn);
		} else {
			merkle_node_hash(r, r, path[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return err_set("inclusion proof: path too short for leaf %zu of %zu (%zu hashes)",
			       index, n, path_len);
	if (memcmp(r, root, HB) != 0)
		return err_set("inclusion proof: path does not lead to the root");
	return 0;
}

int merkle_consistency_verify(size_t m, size_t n, const uint8_t root_m[HB],
			      const uint8_t root_n[HB], const uint8_t (*path)[HB],
			      size_t path_len)
{
	if (m > n)
		return err_set("consistency proof: old size %zu is above new size %zu", m, n);
	if (m == 0 || m == n) {
		if (path_len != 0)
			return err_set("consistency proof: from size %zu to %zu must be empty", m, n);
		if (m == 0) {
			uint8_t e[HB];
			empty_root(e);
			if (memcmp(root_m, e, HB) != 0)
				return err_set("consistency proof: old root is not the empty tree's");
		}
		if (m == n && memcmp(root_m, root_n, HB) != 0)
			return err_set("consistency proof: roots of size %zu differ", m);
		return 0;
	}
	if (path_len == 0)
		return err_set("consistency proof: empty from size %zu to %zu", m, n);

	/* A power-of-two old tree is a node of the new one; the proof leaves
	 * it out and the verifier starts from root_m. */
	const uint8_t *first = path[0];
	size_t next = 1;
	if ((m & (m - 1)) == 0) {
		first = root_m;
		next = 0;
	}
	size_t fn = m - 1, sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	uint8_t fr[HB], sr[HB];
	memcpy(fr, first, HB);
	memcpy(sr, first, HB);
	for (size_t i = next; i < path_len; i++) {
		if (sn == 0)
			return err_set("consistency proof: too long from size %zu to %zu (%zu hashes)",
				       m, n, path_len);
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(fr, path[i], fr);
			merkle_node_hash(sr, path[i], sr);
			skip_right_edge(&fn, &sn);
		} else {
			merkle_node_hash(sr, sr, path[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return err_set("consistency proof: too short from size %zu to %zu (%zu hashes)", m,
			       n, path_len);
	if (memcmp(fr, root_m, HB) != 0)
		return err_set("consistency proof: does not lead to the old root");
	if (memcmp(sr, root_n, HB) != 0)
		return err_set("consistency proof: does not lead to the new root");
	return 0;
}
