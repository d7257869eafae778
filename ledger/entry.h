/* entry.h - signed entries of a member's feed: build, sign, decode, verify.
 *
 * An entry travels and is stored as two byte strings, body and sig
 * (proto/mutua.proto, message Entry). The body is a serialized Body:
 *   sig  = Ed25519(author, ENTRY_SIG_DOMAIN || body)   (64 bytes)
 *   id   = BLAKE2b-256(body)                            (32 bytes)
 *   link = BLAKE2b-256(id || sig)                       (32 bytes)
 * The next entry of the feed names the link in its prev field, so the
 * chain covers signatures as well as bodies: the verified signature of a
 * feed's newest entry authenticates every entry below it, signatures
 * included (DESIGN.md, Replication). The id stays the hash of the body
 * alone, so an entry is named the same before and after it is signed.
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
#define ENTRY_SIG_DOMAIN "mutua entry v2" /* signed with its NUL */

/* The range of every time an entry carries (its own, a slot's bounds), in
 * UTC milliseconds: 2020-01-01T00:00:00Z to 2200-01-01T00:00:00Z. Inside
 * it, differences and sums of two times never overflow an int64_t. */
#define ENTRY_TIME_MIN 1577836800000LL
#define ENTRY_TIME_MAX 7258118400000LL
/* How far ahead of the receiver's clock an entry's time may be: a later
 * entry is held (neither stored nor refused) until the clock catches up. */
#define ENTRY_AHEAD_MAX_MS (5 * 60 * 1000LL)

/* Limits on the fields of a body, in bytes of UTF-8. */
#define NAME_MAX_LEN 128
#define COLLEGE_MAX_LEN 64
#define TITLE_MAX_LEN 200
#define LOCATION_MAX_LEN 200
#define DESCRIPTION_MAX_LEN 4000
#define ENDPOINT_MAX_LEN 256
#define ENDPOINTS_MAX 8
#define CAPACITY_MAX 1000000
#define RATE_MAX 100000000 /* hundredths: one million credits per unit */
#define NOTE_MAX_LEN 1000
#define USAGE_MAX 1000000000ULL /* thousandths: one million units */
#define CONDITIONS_MAX_LEN 2000
#define REQUIRES_MAX 8          /* requirements of an offer or a request */
#define REQUIREMENT_MAX_LEN 16  /* "licence:" and a category of 1 to 4 */
#define DEPOSIT_MAX 100000000   /* hundredths: one million credits */
#define PHOTOS_MAX 16           /* photos of one condition report */
#define METER_MAX 100000000000ULL

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

/* Packs b (payload, staff act and header fields filled by the caller), signs it
 * with k, and decodes the result into e through entry_decode, so what we
 * write passes the very checks a receiver applies. */
int entry_seal(struct entry *e, const struct key *k, const Mutua__Body *b);

void entry_hash(uint8_t id[ENTRY_ID_BYTES], const uint8_t *body, size_t len);

/* The link the next entry of the feed names as prev: BLAKE2b-256 of the
 * entry's id and signature. */
void entry_link(uint8_t link[ENTRY_ID_BYTES], const uint8_t id[ENTRY_ID_BYTES],
		const uint8_t sig[KEY_SIG_BYTES]);

/* Is t a time an entry may carry (ENTRY_TIME_MIN..ENTRY_TIME_MAX)? */
int entry_time_ok(int64_t t);

/* Does e extend a feed whose head is (seq, link, time): seq + 1, prev =
 * link, a time not before the head's? ENTRY_EXTENDS, or why not (the
 * words of refusal.h in why): one rule for the node and the audit. */
enum entry_extends { ENTRY_EXTENDS, ENTRY_GAP, ENTRY_UNLINKED, ENTRY_TIME_BACK };
enum entry_extends entry_extends(const struct entry *e, uint64_t seq,
				 const uint8_t link[ENTRY_ID_BYTES], int64_t time,
				 char *why, size_t why_len);

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
/* A request's series (Request.repeat, until): ENTRY_REPEAT_WEEKLY is the
 * one rule; at most ENTRY_SERIES_MAX occurrences, none overlapping the
 * next. entry_series_count: how many occurrences the request names (1
 * for a single slot), or -1 with why it is invalid (entry_decode refuses
 * it). entry_occurrence_id: the loan id of occurrence k (0: the request's
 * own id; k >= 1: BLAKE2b-256("mutua occurrence\0" || request || k, 4
 * bytes little-endian)); occurrence k's slot is the request's moved k
 * weeks. */
#define ENTRY_REPEAT_WEEKLY 1
#define ENTRY_SERIES_MAX 53
#define ENTRY_WEEK_MS (7 * 86400000LL)
int entry_series_count(const Mutua__Request *r);
void entry_occurrence_id(uint8_t out[ENTRY_ID_BYTES], const uint8_t request[ENTRY_ID_BYTES],
			 uint32_t k);
/* A block's reason: "internal", "maintenance", "other" (Block.reason). */
const char *entry_block_reason_name(uint32_t reason);
int entry_block_reason_parse(const char *s, uint32_t *reason);

/* A delegation's roles (Delegation.roles, staff.h): what a staff person
 * may do for the member. At most ENTRY_ROLES_MAX, sorted, each once. */
#define ENTRY_ROLE_BORROW 1
#define ENTRY_ROLE_LEND 2
#define ENTRY_ROLE_ADMIN 3
#define ENTRY_ROLES_MAX 3
const char *entry_role_name(uint32_t role); /* "borrow", "lend", "admin" */
int entry_role_parse(const char *s, uint32_t *role);

/* A staff act (Body.staff, StaffAct; staff.h): the staff key signs
 *   ENTRY_ACT_DOMAIN (19 bytes, no NUL) || federation (32) || author (32)
 *   || delegation (32) || nonce (8, big-endian) || the payload's field
 *   number (4, big-endian) || the payload message's encoding
 * (entry_act_message; b: federation, author and payload set; *out the
 * caller's to free). entry_decode refuses an act with wrong lengths, a
 * nonce 0, its signer the author, a payload that may not carry one
 * (entry_act_allowed: profile, rotate, tally, checkpoint, witness) or a
 * signature that does not verify over the entry's own payload. Whether
 * a delegation covers it is the fold's (staff.h). */
#define ENTRY_ACT_DOMAIN "mutua staff act v1\n"
int entry_act_message(const Mutua__Body *b, const uint8_t delegation[ENTRY_ID_BYTES],
		      uint64_t nonce, uint8_t **out, size_t *len);
int entry_act_allowed(int payload_case);

/* Field checks shared with cards and the genesis. */
int entry_check_endpoint(const char *url);
/* A requirement of an offer (Offer.requires): "insurance", or "licence:"
 * and a category of 1 to 4 characters of A-Z and 0-9 ("licence:B",
 * "licence:C1"). 0, or -1 (err_set). */
int entry_check_requirement(const char *r);
/* The text rule for what this node signs now (text.h): stricter than the
 * one it applies to received entries (TEXT_SIGNED). 0, or -1 with why. */
int entry_check_new(const Mutua__Body *b);

#endif
