/* entry.h - signed entries of a member's feed: build, sign, decode, verify.
 *
 * An entry travels and is stored as two byte strings, body and sig
 * (proto/mutua.proto, message Entry). The body is a serialized Body:
 *   sig = Ed25519(author, ENTRY_SIG_DOMAIN || body)   (64 bytes)
 *   id  = BLAKE2b-256(body)                            (32 bytes)
 * Nothing is re-encoded before verifying: the received bytes are the bytes
 * checked, stored and forwarded.
 *
 * A body is valid when protobuf-c accepts it, it carries no field unknown to
 * this version, it is the canonical protobuf-c encoding of what it decodes
 * to (so every entry has one encoding, and no string hides a NUL), its
 * sizes are within the limits below, its strings are UTF-8 without control
 * characters, and its payload is one this version knows with valid values.
 */
#ifndef MUTUA_ENTRY_H
#define MUTUA_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "mutua.pb-c.h"

#define ENTRY_BODY_MAX (64 * 1024)
/* Heads in one witness entry: a head packs into at most 85 bytes (two
 * 32-byte fields, a seq, tags and lengths), so 512 of them take under
 * 44 KiB, well inside ENTRY_BODY_MAX with the header (witness.h). */
#define WITNESS_HEADS_MAX 512
#define ENTRY_ID_BYTES 32
#define FED_ID_BYTES 32
#define ENTRY_SIG_DOMAIN "mutua entry v1" /* signed with its NUL */

/* Limits on the fields of a body, in bytes of UTF-8. */
#define NAME_MAX_LEN 128
#define COLLEGE_MAX_LEN 64
#define ACTOR_MAX_LEN 128
#define TITLE_MAX_LEN 200
#define LOCATION_MAX_LEN 200
#define DESCRIPTION_MAX_LEN 4000
#define ENDPOINT_MAX_LEN 256
#define ENDPOINTS_MAX 8
#define CAPACITY_MAX 1000000
#define RATE_MAX 100000000 /* hundredths: one million credits per unit */
#define NOTE_MAX_LEN 1000
#define USAGE_MAX 1000000000ULL /* thousandths: one million units */

/* A decoded, checked entry. Owns body (a copy) and the decoded message. */
struct entry {
	uint8_t *body;
	size_t body_len;
	uint8_t sig[KEY_SIG_BYTES];
	uint8_t id[ENTRY_ID_BYTES];
	Mutua__Body *b;
	/* the member the author key belongs to (a member's first key is its
	 * id; see keys in fold.c): set by the store before folding */
	uint8_t member[KEY_ID_BYTES];
};

/* Decodes and checks body bytes (see above) and copies body and sig into e.
 * Does not check the signature. 0, or -1 with the reason in err_msg(). */
int entry_decode(struct entry *e, const uint8_t *body, size_t body_len,
		 const uint8_t *sig, size_t sig_len);
void entry_free(struct entry *e);

/* Checks e->sig against e->b->author. 0 when valid. */
int entry_verify(const struct entry *e);

/* Packs b (payload, actor and header fields filled by the caller), signs it
 * with k, and decodes the result into e through entry_decode, so what we
 * write passes the very checks a receiver applies. */
int entry_seal(struct entry *e, const struct key *k, const Mutua__Body *b);

void entry_hash(uint8_t id[ENTRY_ID_BYTES], const uint8_t *body, size_t len);

/* Is this payload a step of a loan (accept ... close)? */
int entry_is_transition(int payload_case);
/* The Transition of a transition payload, or NULL. */
const Mutua__Transition *entry_transition(const Mutua__Body *b);

/* Names of payload types ("profile", "offer", ...), kinds and units. */
const char *entry_type_name(int payload_case);
const char *entry_kind_name(uint32_t kind);
const char *entry_unit_name(uint32_t unit);
int entry_kind_parse(const char *s, uint32_t *kind);
int entry_unit_parse(const char *s, uint32_t *unit);

/* Field checks shared with cards and the genesis. */
int entry_check_endpoint(const char *url);
/* The text rule for what this node signs now (text.h): stricter than the
 * one it applies to received entries (TEXT_SIGNED). 0, or -1 with why. */
int entry_check_new(const Mutua__Body *b);

#endif
