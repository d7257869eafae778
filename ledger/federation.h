/* federation.h - member cards and the genesis document.
 *
 * A card is one line of text, fit to paste in an email:
 *     mutua-card-v1 BASE64
 * where BASE64 (RFC 4648, with padding; whitespace inside is ignored, so a
 * mail client that wraps the line does no harm) encodes a Card message:
 * body = CardBody bytes, sig = Ed25519(id, CARD_SIG_DOMAIN || body).
 *
 * A genesis file is text: lines starting with '#' are comments for people
 * (name, federation id), and one line
 *     mutua-genesis-v1 BASE64
 * encodes the Genesis message. The federation id is BLAKE2b-256 of those
 * Genesis bytes. A genesis is valid when it decodes canonically with no
 * unknown field, has 1..GENESIS_FOUNDERS_MAX founders, each card valid and
 * signed, and no member id or transport key listed twice.
 */
#ifndef MUTUA_FEDERATION_H
#define MUTUA_FEDERATION_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "mutua.pb-c.h"

#define CARD_SIG_DOMAIN "mutua card v1"
#define CARD_PREFIX "mutua-card-v1 "
#define GENESIS_PREFIX "mutua-genesis-v1 "
#define CARD_MAX 4096            /* bytes of a decoded Card */
#define CARD_TEXT_MAX 8192       /* bytes of a card file */
#define GENESIS_MAX (1 << 20)    /* bytes of a decoded Genesis */
#define GENESIS_TEXT_MAX (2 << 20)
#define GENESIS_FOUNDERS_MAX 1000
#define FED_NAME_MAX_LEN 128

/* Returns a malloc'd card line (without newline), or NULL. */
char *card_make(const struct key *k, const char *name, const char *college,
		char *const *endpoints, size_t n_endpoints, int64_t time);
/* The same for a key rotation: the card names the key it replaces and the
 * seq of the rotation entry that will carry it (a fresh card, entry.c). */
char *card_make_fresh(const struct key *k, const char *name, const char *college,
		      char *const *endpoints, size_t n_endpoints, int64_t time,
		      const uint8_t *replaces, uint64_t seq);
/* Parses and verifies a card text; the caller frees with
 * mutua__card_body__free_unpacked. */
Mutua__CardBody *card_parse(const char *text);
/* Parses and verifies a card text into its Card message (freed with
 * mutua__card__free_unpacked); *body, when body is non-NULL, receives the
 * verified CardBody as card_parse gives it. */
Mutua__Card *card_decode(const char *text, Mutua__CardBody **body);
/* Verifies a decoded Card message (from a genesis). */
Mutua__CardBody *card_open(const Mutua__Card *c);

/* Builds a genesis from verified card texts; *out is malloc'd. */
int genesis_make(uint8_t **out, size_t *len, const char *name,
		 const uint8_t *charter_hash, char *const *cards, size_t n_cards,
		 uint64_t credit_limit, int64_t time);
/* The same with a governance rule (NULL: the defaults). */
int genesis_make_with(uint8_t **out, size_t *len, const char *name,
		      const uint8_t *charter_hash, char *const *cards, size_t n_cards,
		      uint64_t credit_limit, int64_t time, const Mutua__Governance *gv);
/* Decodes and checks genesis bytes; fills fed_id. */
Mutua__Genesis *genesis_decode(const uint8_t *bytes, size_t len,
			       uint8_t fed_id[32]);
/* The same for the bytes a store adopted after genesis_decode checked
 * them (store_adopt): the founders' cards, whose signatures it checked
 * then, are not checked again at every opening of the store (a fifth of
 * a second at 200 founders, most of a command's time). */
Mutua__Genesis *genesis_decode_adopted(const uint8_t *bytes, size_t len,
				       uint8_t fed_id[32]);
/* The text of a genesis file (malloc'd), and back. */
char *genesis_armor(const uint8_t *bytes, size_t len);
int genesis_unarmor(const char *text, uint8_t **bytes, size_t *len);

#endif
