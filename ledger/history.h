/* history.h - the signed history a store holds, read in the order of a
 * bundle (bundle.h): the genesis, every entry by feed and seq, then the
 * other side of every fork proof held. One reader for the export of a
 * store (history_export) and for the audit of a store (audit_run without
 * a bundle), in one read transaction: a consistent snapshot while the
 * daemon writes.
 */
#ifndef MUTUA_HISTORY_H
#define MUTUA_HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct history;

/* NULL when the store holds no federation (err_msg() says why). */
struct history *history_open(struct store *s);
/* Ends the read transaction; safe on NULL and twice. */
void history_close(struct history **h);
/* The next record, as a bundle holds it: 1 with its type (BUNDLE_GENESIS,
 * BUNDLE_ENTRY, BUNDLE_FORK) and payload (the genesis bytes, or body_len
 * (u32 LE) | body | sig), valid until the next call; 0 after the last;
 * -1 when the store cannot be read (an error is never the end). */
int history_next(struct history *h, int *type, const uint8_t **data, size_t *len);

/* Writes the store's history to a bundle at path (bundle_writer: atomic).
 * *entries and *forks (may be NULL) receive the counts. */
int history_export(struct store *s, const char *path, uint64_t *entries, uint64_t *forks);

#endif
