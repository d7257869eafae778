/* replica.h - what the replication of feeds reads from the store: the
 * heads of the feeds held, runs of entries as the bytes to send, the
 * members that peers stand for and the endpoints to reach them, and
 * whether another process has written (node/sync.c, node/config.c,
 * mutuad, mutua doctor).
 *
 * Every reader fails closed: a database error returns -1 with err_set,
 * never a short list, an empty one or "not found" (the caller would then
 * tell a peer it holds less than it does, or skip a peer). The readers on
 * the sync's hot path (heads, entries, data version) run statements the
 * store keeps prepared and hand each row to a callback, without an
 * allocation of their own.
 */
#ifndef MUTUA_REPLICA_H
#define MUTUA_REPLICA_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "store.h"

/* A head: the feed's author, its highest seq and that entry's id.
 * Returns 0 to go on, anything else to stop. */
typedef int (*replica_head_fn)(void *arg, const uint8_t author[KEY_ID_BYTES], uint64_t seq,
			       const uint8_t id[ENTRY_ID_BYTES]);
/* The head of every feed held, in the order of the authors' ids.
 * 0 after the last head or when fn stopped, -1 on an error. */
int replica_heads(struct store *s, replica_head_fn fn, void *arg);

/* An entry as stored (its bytes point into the store's row and live for
 * the call only). Returns 0 to go on, anything else to stop. */
typedef int (*replica_entry_fn)(void *arg, const struct raw_entry *e);
/* The entries of author's feed from seq from to seq to, both included,
 * in ascending seq (to is capped at INT64_MAX). 0 after the last entry
 * or when fn stopped, -1 on an error. */
int replica_entries(struct store *s, const uint8_t author[KEY_ID_BYTES], uint64_t from,
		    uint64_t to, replica_entry_fn fn, void *arg);

/* A member's name (cut to n - 1 bytes) or transport key: 1 found, 0 no
 * such member, -1 on an error. */
int replica_member_name(struct store *s, const uint8_t member[KEY_ID_BYTES], char *out,
			size_t n);
int replica_member_xkey(struct store *s, const uint8_t member[KEY_ID_BYTES],
			uint8_t xkey[KEY_ID_BYTES]);
/* The ids of every member the store knows, ascending: a malloc'd array
 * of *n ids in *ids (NULL when none). 0 or -1. */
int replica_member_ids(struct store *s, uint8_t (**ids)[KEY_ID_BYTES], size_t *n);

/* A member and the endpoint it publishes (in its card or profile). */
struct replica_endpoint {
	uint8_t member[KEY_ID_BYTES];
	char url[ENDPOINT_MAX_LEN + 1];
};
/* Every member but except that publishes an endpoint, each once with the
 * least of its urls: a malloc'd array of *n in *out (NULL when none).
 * 0 or -1. */
int replica_endpoints(struct store *s, const uint8_t except[KEY_ID_BYTES],
		      struct replica_endpoint **out, size_t *n);
/* How many members publish url (0, 1, or more), member filled with the
 * first one's id; -1 on an error. */
int replica_endpoint_members(struct store *s, const char *url, uint8_t member[KEY_ID_BYTES]);

/* SQLite's data version of this connection: it changes when another
 * connection commits. 0 or -1. */
int replica_data_version(struct store *s, int64_t *version);
/* Bounds this connection's page cache at kib KiB (the cache only grows
 * as pages are used). 0 or -1. */
int replica_cache_size(struct store *s, int kib);
/* The bytes this connection's page cache holds (its pages and their
 * headers), or -1 on an error. */
int64_t replica_cache_used(struct store *s);
/* Frees the pages this connection holds in its cache, but for those a
 * transaction has changed: they are read from the file again (the
 * kernel's cache, mostly) when a statement needs them. */
void replica_release_memory(struct store *s);

#endif
