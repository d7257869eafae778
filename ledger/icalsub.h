/* icalsub.h - calendar subscriptions: iCal URLs a calendar client
 * (Thunderbird, Outlook, a phone) fetches without signing in, each
 * opened by a secret token and revocable (issue 18).
 *
 * A subscription shows one of: a resource's calendar, one staff person's
 * loans (ical.h: those they acted on), or the member's whole calendar.
 * The token is 32 random bytes written in base64url without padding (43
 * characters: the URL http://HOST:PORT/ical/TOKEN.ics); the node-local
 * table ical_subs (schema.c) keeps only its BLAKE2b-256 hash, compared in
 * constant time. Who made it: the member at its node (the CLI), or a
 * staff person on the web page (their delegation's id). A subscription
 * is revoked by the member (mutua calendar --revoke), by its maker on
 * the web page, and ends with the delegation of the person it shows or
 * who made it: a revocation of them (mutua staff revoke marks them; one
 * received from elsewhere, or a delegation past its end, is checked at
 * each fetch). Nothing here is signed or replicated.
 */
#ifndef MUTUA_ICALSUB_H
#define MUTUA_ICALSUB_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

struct store;
struct view;

#define ICALSUB_TOKEN_BYTES 32
#define ICALSUB_TOKEN_LEN 43 /* base64url, no padding */

struct icalsub {
	int64_t id;
	int has_resource, has_person;
	uint8_t resource[32], person[32]; /* person: a delegation's id */
};

/* 1 when s is exactly ICALSUB_TOKEN_LEN characters of [A-Za-z0-9_-]. */
int icalsub_token_ok(const char *s, size_t len);

/* A new subscription of member's calendar: resource (a resource's id,
 * which the store must know) or person (a delegation of member in force)
 * or neither (all of it), made by maker (a delegation's id; NULL: the
 * member). token receives the secret (ICALSUB_TOKEN_LEN + NUL). The
 * subscription's id, or -1 with why. */
int64_t icalsub_add(struct store *s, const uint8_t member[KEY_ID_BYTES],
		    const uint8_t *resource, const uint8_t *person, const uint8_t *maker,
		    int64_t now, char token[ICALSUB_TOKEN_LEN + 1]);

/* The subscription token (len bytes) opens: 1 (out filled), 0 none, it
 * was revoked, or the person it shows or who made it is no longer
 * delegated by member at now; -1 an error. */
int icalsub_find(struct store *s, const uint8_t member[KEY_ID_BYTES], const char *token,
		 size_t len, int64_t now, struct icalsub *out);

/* Revokes subscription id (maker non-NULL: only one it made): 1 done, 0
 * no such subscription in force, -1 an error. */
int icalsub_revoke(struct store *s, int64_t id, const uint8_t *maker, int64_t now);

/* Revokes every subscription made by or showing delegation: its person
 * is no longer delegated. How many, or -1. */
int icalsub_revoke_person(struct store *s, const uint8_t delegation[32], int64_t now);

/* The subscriptions, newest first (?1 a maker's delegation id: only its
 * own; NULL all): id, what ('resource', 'person', 'member'), resource,
 * title, person, person_name, made_by (a name, 'member' for the CLI),
 * created, revoked (times). */
extern const struct view view_icalsubs;

#endif
