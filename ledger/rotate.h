/* rotate.h - a member's key rotation, as its own node lives it.
 *
 * `mutua key rotate` makes new keys, stages them in a second key file
 * (KEYFILE.next, written and synced before anything names it) and appends
 * a rotation entry signed by the old key: the old key's feed ends there
 * (fold.c), and the member signs from then on with the new identity key,
 * in a new feed.
 *
 * The other nodes admit a transport key only once they know it: until one
 * of them holds the rotation, this node keeps speaking with its old
 * transport key while it signs with the new identity key (rotate_load
 * gives that blend). Once a peer holds the rotation, rotate_finish makes
 * the staged file the key file, and the node speaks with its new transport
 * key; the other nodes learn it with the rotation, from that peer or from
 * this node.
 */
#ifndef MUTUA_ROTATE_H
#define MUTUA_ROTATE_H

#include "keys.h"

#include <stdint.h>

struct store;

/* A rotation appended but not yet known to be held by a peer. */
struct rotation {
	int staged;                   /* KEYFILE.next is in use */
	uint8_t old[KEY_ID_BYTES];    /* the rotated key: its feed... */
	uint64_t seq;                 /* ...ends with the rotation at seq */
};

/* Loads the node's keys from path (and path.next, see above); r tells
 * whether a rotation is staged. A staged file that no stored rotation
 * names (a rotation that failed before its entry committed) is removed. */
struct key *rotate_load(struct store *s, const char *path, const char *passphrase,
			struct rotation *r);

/* Rotates k (loaded from path, not staged): new keys sealed with
 * passphrase (when non-NULL and non-empty) in path.next, then the
 * rotation entry; the new identity key in new_id. */
int rotate_begin(struct store *s, const struct key *k, const char *path,
		 const char *passphrase, uint8_t new_id[KEY_ID_BYTES]);

/* Is there a staged key file beside path (path.next)? */
int rotate_staged_file(const char *path);

/* Makes path.next the key file (rename, then sync of the folder). */
int rotate_finish(const char *path);

/* The signing key a member uses now (its id when it never changed):
 * 1 found, 0 when the member has none (its last key ended), -1 error. */
int rotate_current_key(struct store *s, const uint8_t member[KEY_ID_BYTES],
		       uint8_t key[KEY_ID_BYTES]);

#endif
