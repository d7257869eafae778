/* merkle.h - the Merkle tree of RFC 6962 section 2.1 over SHA-256: tree
 * hashes, a streaming builder, inclusion and consistency proofs.
 *
 * Exactly what is hashed, and when a proof is valid, is specified at the
 * top of merkle.c. In Mutua a leaf is a 32-byte entry id; the functions
 * below work on leaf hashes (merkle_leaf_hash of the leaf bytes), so a feed
 * is hashed once and every root and proof reuses the leaf hashes.
 *
 * Sizes and indexes are size_t; leaves are numbered from 0.
 */
#ifndef MUTUA_MERKLE_H
#define MUTUA_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_BYTES 32
/* Room for any path: an inclusion path in a tree of n leaves has at most
 * ceil(log2 n) hashes (<= 64 for every size_t n), a consistency proof at
 * most ceil(log2 n) + 1 (<= 64 for n <= 2^63). */
#define MERKLE_PATH_MAX 64

/* SHA-256(0x00 || leaf). leaf may be NULL when len is 0. */
void merkle_leaf_hash(uint8_t out[MERKLE_HASH_BYTES], const uint8_t *leaf, size_t len);
/* SHA-256(0x01 || left || right). out may be the same buffer as left or
 * right. */
void merkle_node_hash(uint8_t out[MERKLE_HASH_BYTES], const uint8_t left[MERKLE_HASH_BYTES],
		      const uint8_t right[MERKLE_HASH_BYTES]);

/* MTH of the n leaves whose hashes are leaf_hashes[0..n-1]; n = 0 gives
 * SHA-256 of the empty string. O(n) hashes, O(log n) memory (a
 * merkle_stream on the stack). -1 only when leaf_hashes is NULL and n > 0. */
int merkle_root(uint8_t out[MERKLE_HASH_BYTES], const uint8_t (*leaf_hashes)[MERKLE_HASH_BYTES],
		size_t n);

/* Appends leaf hashes one at a time and gives the root of the leaves so
 * far. node[] holds the roots of the perfect subtrees that the first n
 * leaves split into, largest (leftmost) first: one per bit set in n, like
 * a binary counter. A plain value: copy it to keep a past state. */
struct merkle_stream {
	size_t n; /* leaves pushed */
	uint8_t node[MERKLE_PATH_MAX][MERKLE_HASH_BYTES];
};

void merkle_stream_init(struct merkle_stream *s);
/* -1 only when the stream already holds SIZE_MAX leaves. */
int merkle_stream_push(struct merkle_stream *s, const uint8_t leaf_hash[MERKLE_HASH_BYTES]);
/* The root of the s->n leaves pushed so far (merkle_root of them). */
void merkle_stream_root(uint8_t out[MERKLE_HASH_BYTES], const struct merkle_stream *s);

/* Inclusion (audit) path of leaf index in the tree of the first n leaves,
 * ordered from the leaf's sibling up to the root's child (RFC 6962
 * 2.1.1). Writes *path_len hashes to path, which has room for max. -1 when
 * index >= n or the path needs more than max hashes; path is then left
 * untouched. O(n) hashes. */
int merkle_inclusion_proof(uint8_t (*path)[MERKLE_HASH_BYTES], size_t *path_len, size_t max,
			   const uint8_t (*leaf_hashes)[MERKLE_HASH_BYTES], size_t n,
			   size_t index);
/* 0 when path proves that leaf_hash is leaf index of the tree of size n
 * whose root is root (RFC 9162 2.1.3.2); -1 otherwise, with the reason.
 * The proof ties the leaf to the root, not the root to n: the caller must
 * hold (n, root) from a trusted, signed tree head. */
int merkle_inclusion_verify(const uint8_t leaf_hash[MERKLE_HASH_BYTES], size_t index, size_t n,
			    const uint8_t (*path)[MERKLE_HASH_BYTES], size_t path_len,
			    const uint8_t root[MERKLE_HASH_BYTES]);

/* Consistency proof that the tree of the first m leaves is a prefix of the
 * tree of the first n (RFC 6962 2.1.2), with the same conventions as
 * merkle_inclusion_proof. Empty when m == n or m == 0. -1 when m > n or
 * the proof needs more than max hashes. O(n) hashes. */
int merkle_consistency_proof(uint8_t (*path)[MERKLE_HASH_BYTES], size_t *path_len, size_t max,
			     const uint8_t (*leaf_hashes)[MERKLE_HASH_BYTES], size_t n,
			     size_t m);
/* 0 when path proves that the tree of size m with root root_m is a prefix
 * of the tree of size n with root root_n (RFC 9162 2.1.4.2, with m == 0
 * and m == n as specified in merkle.c); -1 otherwise, with the reason. */
int merkle_consistency_verify(size_t m, size_t n, const uint8_t root_m[MERKLE_HASH_BYTES],
			      const uint8_t root_n[MERKLE_HASH_BYTES],
			      const uint8_t (*path)[MERKLE_HASH_BYTES], size_t path_len);

#endif
