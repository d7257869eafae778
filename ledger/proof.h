/* proof.h - portable proofs about a few entries, checked offline by
 * someone who holds nothing but the genesis: that one loan happened (a
 * loan proof), or that a member signed two entries at one seq (a fork
 * proof, DESIGN.md invariant 4).
 *
 * File layout (integers little-endian):
 *   magic     8 bytes   "MUTUAPF1"
 *   kind      1 byte    1 loan proof, 2 fork proof
 *   count     1 byte    records that follow: loan 3..PROOF_RECORDS_MAX,
 *                       fork exactly 2
 *   count records, each:
 *     body_len  u32       1..ENTRY_BODY_MAX
 *     body      body_len  an entry's body, verbatim
 *     sig       64        its signature
 *     and in a loan proof only:
 *     cp_len    u32       1..ENTRY_BODY_MAX
 *     cp_body   cp_len    a checkpoint entry of the same feed that covers
 *     cp_sig    64        the entry (checkpoint.h), verbatim
 *     path_len  u8        0..MERKLE_PATH_MAX
 *     path      path_len * 32 bytes: the inclusion path (merkle.h order)
 *                       of the entry's id, leaf seq - 1, in the tree of
 *                       the checkpoint's size
 *   nothing after the last record.
 * A reader checks every length against its limit before it allocates, so
 * a file is at most PROOF_FILE_MAX bytes.
 *
 * A loan proof's records are, in this order: the offer (owner's feed; the
 * resource id is its entry id), the request (borrower's feed), the accept
 * (owner's feed), then any of handover, return and close, in that order,
 * at most one of each.
 *
 * A proof is valid (proof_verify) when:
 *   - every entry and checkpoint decodes under entry.h's rules, names the
 *     expected federation and carries a valid signature of its author;
 *   - loan: each checkpoint has the entry's author, a size that covers the
 *     entry's seq, and the path leads from the entry id at leaf seq - 1 to
 *     its root (merkle_inclusion_verify): the entry is in the feed at that
 *     seq as its author signed it; the request names the offer's id as its
 *     resource; every step names the request's id; the accept and close
 *     are signed by the offer's author (the owner), the return by the
 *     request's (the borrower), the handover by one of them; owner and
 *     borrower differ; the steps take effect by the fold's own rule
 *     (loan_resolve, loan.h: each answers the one before, its time not
 *     before it), and a close settles as every node settles it, at the
 *     request's agreed rate (the close-grace: the default, 72 h);
 *   - fork: the two entries have one author and one seq, and not one id.
 * What a loan proof cannot show: steps left out of the file (a later
 * cancel, say: the file shows entries, not their absence), nor that a
 * member who is not a founder was admitted (only the full history shows
 * that: mutua audit).
 */
#ifndef MUTUA_PROOF_H
#define MUTUA_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "merkle.h"

struct store;

#define PROOF_MAGIC "MUTUAPF1"
#define PROOF_MAGIC_LEN 8
enum { PROOF_LOAN = 1, PROOF_FORK = 2 };
#define PROOF_RECORDS_MAX 6
#define PROOF_FILE_MAX                                                                    \
	(PROOF_MAGIC_LEN + 2 +                                                            \
	 PROOF_RECORDS_MAX * (2 * (4 + ENTRY_BODY_MAX + KEY_SIG_BYTES) + 1 +              \
			      MERKLE_PATH_MAX * MERKLE_HASH_BYTES))

struct proof_record {
	struct entry e;
	struct entry cp; /* loan proofs: the covering checkpoint */
	size_t path_len;
	uint8_t path[MERKLE_PATH_MAX][MERKLE_HASH_BYTES];
};

struct proof {
	int kind;
	size_t n;
	struct proof_record rec[PROOF_RECORDS_MAX];
};

void proof_free(struct proof *p);

/* Where a loan proof lacks a checkpoint: the first record whose feed has
 * no valid checkpoint covering it. */
struct proof_gap {
	uint8_t author[KEY_ID_BYTES];
	int owner;        /* 1 the owner's feed, 0 the borrower's */
	const char *step; /* "request", "acceptance", "handover", "return",
			   * "close" or "offer" */
};

/* Builds the loan proof of request from the store. 0 done; 1 some feed
 * other than self's lacks a covering checkpoint (gap says which); 2 only
 * self's feed does (gap says where: the caller may checkpoint it and build
 * again); -1 error (the request unknown or not an accepted loan). self
 * may be NULL. */
int proof_loan_build(struct proof *p, struct store *s, const uint8_t request[ENTRY_ID_BYTES],
		     const uint8_t *self, struct proof_gap *gap);
/* The fork proof held for a feed: two entries of author, as stored (body
 * and signature bytes), at its fork point (store_fork_point), in the
 * canonical order of their ids, whichever of them this node held first.
 * A proof file (proof_fork_build) and the FORK message mutuad passes on
 * are both made of it. */
struct proof_fork_pair {
	uint64_t seq;
	uint8_t id[2][ENTRY_ID_BYTES];
	uint8_t *body[2]; /* malloc'd, freed by proof_fork_pair_free */
	size_t body_len[2];
	uint8_t *sig[2];
	size_t sig_len[2];
};
/* 1 found, 0 the feed is not forked, -1 error (a fork point whose two
 * entries are not both held is one). */
int proof_fork_pair_read(struct proof_fork_pair *fp, struct store *s,
			 const uint8_t author[KEY_ID_BYTES]);
void proof_fork_pair_free(struct proof_fork_pair *fp);

/* Builds a fork proof of member from the fork proof held (its pair).
 * -1 when none is held. */
int proof_fork_build(struct proof *p, struct store *s, const uint8_t member[KEY_ID_BYTES]);

/* Writes p to path atomically (file_write_atomic, mode 0644). */
int proof_write(const struct proof *p, const char *path);
/* Reads and decodes a proof file (see above); -1 with the reason. */
int proof_read(struct proof *p, const char *path);
int proof_parse(struct proof *p, const uint8_t *buf, size_t len);

/* What a valid loan proof shows; pointers into the proof. */
struct proof_loan {
	const struct entry *offer, *request, *accept, *handover, *give_back, *close;
	int64_t usage, rate, credits; /* as the fold settles; -1 when not closed */
};

/* Checks p against the federation fed_id (see above). 0 valid, filling
 * loan (may be NULL) for a loan proof; -1 with the reason. */
int proof_verify(const struct proof *p, const uint8_t fed_id[FED_ID_BYTES],
		 struct proof_loan *loan);

#endif
