/* staffnet.h - what a staff person's own computer and the member's node
 * share (issue 17, part B2; DESIGN.md invariant 12): the one-line
 * invitation `mutua staff add` prints, and which staff key a transport
 * key is, for the node's admission of staff clients.
 *
 * The invitation (format layer, no store):
 *   "mutua-staff:" base64url(no padding) of
 *     version(1) = 1 | federation(32) | member(32) | node transport key(32)
 *     | endpoint length(1) | endpoint | checksum(4)
 *   checksum = the first 4 bytes of BLAKE2b-256 of everything before it.
 * A damaged line is refused, naming what is wrong.
 */
#ifndef MUTUA_STAFFNET_H
#define MUTUA_STAFFNET_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "keys.h"

struct store;

/* The bounds of the staff messages (node/staffd.h): a request, a reply. */
#define STAFF_REQUEST_MAX (64 << 10)
#define STAFF_REPLY_MAX (4 << 20)

#define INVITE_PREFIX "mutua-staff:"
#define INVITE_MAX 600 /* characters of a line */

struct invitation {
	uint8_t fed[32];
	uint8_t member[KEY_ID_BYTES];
	uint8_t xkey[KEY_X_BYTES];
	char endpoint[ENDPOINT_MAX_LEN + 1];
};

/* The line for inv (malloc'd), or NULL (err_set). */
char *invitation_encode(const struct invitation *inv);
/* 0, or -1 with err_set naming what is wrong with the line. */
int invitation_decode(const char *line, struct invitation *inv);

/* Admission of a staff client (the node's ZAP handler and each request):
 * the staff key whose delegation by member names xkey as its transport
 * key and is in force now (staff_may for one of its roles, after every
 * entry held, at time now_ms), with that delegation's id. 1 found, 0 not
 * (why says why, English), -1 a store error. */
int staff_by_xkey(struct store *s, const uint8_t member[KEY_ID_BYTES],
		  const uint8_t xkey[KEY_X_BYTES], int64_t now_ms, uint8_t key[KEY_ID_BYTES],
		  uint8_t delegation[ENTRY_ID_BYTES], char *why, size_t why_len);

#endif
