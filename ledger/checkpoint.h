/* checkpoint.h - each feed as a Merkle tree, and the checkpoint entries that
 * sign its head.
 *
 * The tree of a feed is the RFC 6962 tree of merkle.h whose leaf i is the
 * 32-byte id of the feed's entry seq i + 1. A checkpoint entry at seq s
 * carries Checkpoint{size = s - 1, root}: the head of the tree of every
 * entry before it (entry_decode refuses any other size). Signed by the
 * author, (size, root) is the trusted tree head that merkle.h asks for:
 * with it, an inclusion path shows one entry to be in the feed at its seq
 * to someone who holds nothing but the genesis (proof.h).
 *
 * The fold checks every checkpoint against the entries held: its root must
 * be the root of the feed's tree at its size, and that tree must extend the
 * previous valid checkpoint's (a consistency proof, RFC 6962 2.1.2, made
 * from the stored ids and checked by merkle_consistency_verify). A
 * checkpoint that fails is kept (it is signed evidence) and marks the feed
 * faulty, like a bad signature.
 *
 * Cost. Nothing is done for an ordinary entry. Each checkpoint row keeps
 * the frontier of the feed's real tree at its size (merkle_stream nodes,
 * 32 bytes per bit set in the size), so a new checkpoint reads and hashes
 * only the entries since the previous one: about three SHA-256 per entry
 * between checkpoints, paid when the checkpoint arrives. The first
 * checkpoint of a long feed hashes the whole feed once.
 */
#ifndef MUTUA_CHECKPOINT_H
#define MUTUA_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "keys.h"
#include "merkle.h"

struct store;

/* mutuad checkpoints its own feed when it has grown by CHECKPOINT_EVERY
 * entries since its last checkpoint, or when the oldest entry not yet
 * covered is CHECKPOINT_AGE_MS old; it looks every CHECKPOINT_LOOK_MS. */
#define CHECKPOINT_EVERY 100
#define CHECKPOINT_AGE_MS (24LL * 3600 * 1000)
#define CHECKPOINT_LOOK_MS 10000

#define CHECKPOINT_BAD_ROOT "checkpoint root does not match the feed"
#define CHECKPOINT_INCONSISTENT "checkpoint does not extend the previous checkpoint"

/* The table checkpoints: one row per checkpoint entry folded, valid or
 * not (why: one of the two reasons above). Derived: cleared by
 * fold_clear, rebuilt by store_reindex. Its columns: schema.c. */

/* Fold hook for a checkpoint entry (inside the store's transaction; the
 * entries before it are stored). */
int checkpoint_fold(struct store *s, const struct entry *e);

struct checkpoint_ref {
	uint64_t seq;  /* of the checkpoint entry */
	uint64_t size; /* seq - 1 */
	uint8_t root[MERKLE_HASH_BYTES];
};

/* The newest valid checkpoint of a feed: 1 found, 0 none, -1 error. */
int checkpoint_latest(struct store *s, const uint8_t author[KEY_ID_BYTES],
		      struct checkpoint_ref *out);

/* The feed's tree over its entries 1..size as held here (its frontier:
 * merkle_stream), hashing only the entries past the nearest checkpoint,
 * or past from when from is a frontier of this feed's tree (of at most
 * size leaves) nearer than that (witness.c keeps one per feed). from may
 * be NULL. */
int checkpoint_feed_tree(struct store *s, const uint8_t author[KEY_ID_BYTES], uint64_t size,
			 const struct merkle_stream *from, struct merkle_stream *out);

/* The root of the feed's tree over its entries 1..size as held here. */
int checkpoint_feed_root(struct store *s, const uint8_t author[KEY_ID_BYTES], uint64_t size,
			 uint8_t root[MERKLE_HASH_BYTES]);

/* Appends a checkpoint of k's own feed over all its entries. Refused when
 * the feed is empty or its last entry is a checkpoint already. */
int checkpoint_append(struct store *s, const struct key *k, uint8_t id_out[ENTRY_ID_BYTES],
		      uint64_t *seq_out);

/* Is k's feed due a checkpoint at time now (CHECKPOINT_EVERY, _AGE_MS)?
 * 1 yes, 0 no, -1 error. Never for a non-member or a forked feed. */
int checkpoint_due(struct store *s, const uint8_t author[KEY_ID_BYTES], int64_t now);

/* The inclusion paths (merkle.h) of the n entries at seqs[] in the feed's
 * tree of the given size, from the stored ids, in one pass: O(size) hashes,
 * O(n log size) memory. n <= CHECKPOINT_PROOFS_MAX. */
#define CHECKPOINT_PROOFS_MAX 8
int checkpoint_inclusion_proofs(struct store *s, const uint8_t author[KEY_ID_BYTES],
				uint64_t size, size_t n, const uint64_t *seqs,
				uint8_t (*paths)[MERKLE_PATH_MAX][MERKLE_HASH_BYTES],
				size_t *path_lens);

/* The consistency proof (merkle.h) from the tree old (of old->n leaves) to
 * the tree of n leaves that extends it with leaf_hashes[0 .. n - old->n - 1],
 * without the older leaves: the proof's hashes left of old->n are nodes of
 * old's frontier. path has room for MERKLE_PATH_MAX hashes. */
int checkpoint_consistency_proof(uint8_t (*path)[MERKLE_HASH_BYTES], size_t *path_len,
				 const struct merkle_stream *old,
				 const uint8_t (*leaf_hashes)[MERKLE_HASH_BYTES], size_t n);

#endif
