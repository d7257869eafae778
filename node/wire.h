/* wire.h - the replication protocol between nodes: message layout and the
 * bounds-checked parsing of every frame (no sockets here).
 *
 * Every message is a ZeroMQ multipart message; on a ROUTER the peer's
 * routing id comes first and is not part of the message. Frame 0 is the
 * command, a short ASCII word; the other frames are:
 *
 *   HELLO    fed(32) | heads      first word on a connection, both ways
 *   HEADS    heads                the sender's heads (a reply to HELLO, or
 *                                 an announcement of new entries)
 *   GET      get(44)              author(32) from-seq(u64) count(u32)
 *   ENTRIES  author(32) | pack    entries of one feed, ascending seq
 *   PUSH     head(72) | pack      new entries sent unasked: the sender's
 *                                 head of one feed and the entries up to
 *                                 it that the receiver was last known to
 *                                 lack (a hop costs one message, not an
 *                                 announcement, a GET and its answer)
 *   SUM      digest(32)           BLAKE2b-256 of all the sender's heads in
 *                                 the order of their authors (after the
 *                                 first HELLO): answered by SAME when the
 *                                 receiver's heads hash the same, else by a
 *                                 DIFF (or, when the receiver knows none of
 *                                 the sender's heads, a HELLO in full)
 *   SAME     digest(32)           "I hold exactly these heads too"
 *   DIFF     digest(32) | heads   the digest of all the sender's heads, and
 *                                 those of them that differ from what the
 *                                 sender knows the receiver holds (the
 *                                 heads the receiver last told it): the
 *                                 receiver merges them into what it knows
 *                                 of the sender, checks that this hashes to
 *                                 the digest, and answers with a DELTA
 *   DELTA    digest(32) | heads   the same, answering a DIFF; taken the same
 *                                 way. A digest that does not match after
 *                                 the merge (a message lost, a restart)
 *                                 is answered by a HELLO in full, whose
 *                                 HEADS reply replaces what was known
 *   FORK     pack                 a fork proof: exactly two entries
 *   ERROR    text                 why the sender refuses us, for the log
 *
 * A staff client (a staff person's own computer, admitted by ZAP as
 * "staff:KEY") sends nothing of the above: only STAFF | StaffRequest, and
 * is answered STAFFREPLY | StaffReply or ERROR | text (staffd.h; the
 * messages are protobuf, proto/mutua.proto).
 *
 *   heads = n x (author(32) seq(u64) id(32)), n <= WIRE_HEADS_MAX
 *   pack  = n x (body_len(u32) body sig(64)), n <= WIRE_BATCH_MAX,
 *           total <= WIRE_BATCH_BYTES
 * Integers are little-endian. A frame whose size does not fit its layout
 * exactly is refused; nothing is allocated from a length that has not been
 * checked against its limit.
 */
#ifndef MUTUA_WIRE_H
#define MUTUA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define WIRE_HEAD_SIZE 72
#define WIRE_HEADS_MAX 10000
#define WIRE_GET_SIZE 44
#define WIRE_BATCH_MAX STORE_BATCH_MAX
#define WIRE_BATCH_BYTES (2 << 20)
#define WIRE_MSG_MAX (WIRE_BATCH_BYTES + (WIRE_BATCH_MAX * 68) + 1024)
#define WIRE_ERROR_MAX 200
/* what a PUSH may carry; a peer further behind is sent the head alone
 * and fetches with GETs */
#define WIRE_PUSH_MAX 64
/* ... and at most this many bytes: a larger entry (a witness of a large
 * federation's heads) is announced by its head, so that a node fetches it
 * from one peer instead of being pushed it by each of its peers at once */
#define WIRE_PUSH_BYTES (4 << 10)

struct wire_head {
	uint8_t author[32];
	uint64_t seq;
	uint8_t id[32];
};

struct wire_get {
	uint8_t author[32];
	uint64_t from;
	uint32_t count;
};

void wire_put_u64(uint8_t *p, uint64_t v);
uint64_t wire_get_u64(const uint8_t *p);
void wire_put_u32(uint8_t *p, uint32_t v);
uint32_t wire_get_u32(const uint8_t *p);

/* Heads: *n set; the array points into nothing (parse copies). */
int wire_heads_parse(const uint8_t *buf, size_t len, struct wire_head *out,
		     size_t max, size_t *n);
void wire_head_put(uint8_t *p, const struct wire_head *h);

/* BLAKE2b-256 of "mutua heads v1" and the heads as they travel (n x 72
 * bytes), in the order given: the digest of SUM, SAME, DIFF and DELTA
 * (heads in the order of their authors). */
void wire_heads_digest(const struct wire_head *h, size_t n, uint8_t out[32]);

int wire_get_parse(const uint8_t *buf, size_t len, struct wire_get *g);
void wire_get_put(uint8_t *p, const struct wire_get *g);

/* Splits a pack into raw entries pointing into buf. */
int wire_pack_parse(const uint8_t *buf, size_t len, struct raw_entry *out,
		    size_t max, size_t *n);
/* Appends one entry to a pack buffer of capacity cap; -1 when full. */
int wire_pack_add(uint8_t *buf, size_t cap, size_t *len, const uint8_t *body,
		  size_t body_len, const uint8_t *sig);

#endif
