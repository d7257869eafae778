/* bundle.h - the export bundle: a federation's whole signed history in
 * one self-contained file, for auditors who trust no node.
 *
 * Layout (integers little-endian):
 *   magic    8 bytes "MUTUABN2" (format 2; "MUTUABN1", format 1, is refused)
 *   records  type (1 byte) | length (u32) | payload (length bytes)
 *     1 GENESIS  the genesis bytes; exactly one, the first record;
 *                length <= GENESIS_MAX
 *     2 ENTRY    body_len (u32) | body | sig (64): an entry, verbatim;
 *                length = 4 + body_len + 64, body_len <= ENTRY_BODY_MAX;
 *                written by feed, in ascending seq
 *     3 FORK     the same layout: the other entry of a fork proof held
 *     9 END      entries (u64) | forks (u64) | digest (32): the counts of
 *                ENTRY and FORK records, and BLAKE2b-256 of every byte of
 *                the file before this record; the last record
 * A bundle is well-formed when every length is within its limit, the
 * records appear in that order, END's digest matches, and nothing follows
 * END. END's counts lie outside the digest: when they differ from the
 * records, the reader still reads on and the audit reports it (as it
 * reports a FORK record that proves no fork). Well-formed says nothing of
 * trust: every entry is still checked by the audit (signatures, chains,
 * membership, rules).
 */
#ifndef MUTUA_BUNDLE_H
#define MUTUA_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BUNDLE_MAGIC "MUTUABN2"
#define BUNDLE_MAGIC_V1 "MUTUABN1"
enum { BUNDLE_GENESIS = 1, BUNDLE_ENTRY = 2, BUNDLE_FORK = 3, BUNDLE_END = 9 };

/* A bundle written record by record (the format knows no store: see
 * history_export for a store's), atomically: a temporary file beside
 * path, renamed over it by bundle_writer_commit once complete and on disk
 * (fsync), or removed by bundle_writer_destroy. */
struct bundle_writer;

struct bundle_writer *bundle_writer_open(const char *path);
/* Adds a record: GENESIS first, then ENTRY records, then FORK records,
 * each payload within its limits (refused otherwise). 0 or -1. */
int bundle_write(struct bundle_writer *w, int type, const uint8_t *data, size_t len);
/* Writes END (the counts and the digest), syncs and renames; *entries and
 * *forks (may be NULL) receive the counts. Ends w in every case. */
int bundle_writer_commit(struct bundle_writer **w, uint64_t *entries, uint64_t *forks);
/* Drops an unfinished bundle; safe on NULL and twice. */
void bundle_writer_destroy(struct bundle_writer **w);

struct bundle_reader;

struct bundle_reader *bundle_open(const char *path);
void bundle_close(struct bundle_reader **r);
/* The next record: 1 with type and payload (valid until the next call),
 * 0 after a valid END, -1 on a malformed or truncated file. */
int bundle_next(struct bundle_reader *r, int *type, const uint8_t **data, size_t *len);
/* After bundle_next returned 0: the counts of ENTRY and FORK records that
 * the END record declares (not checked against the records). 0, or -1
 * before END. */
int bundle_end_counts(const struct bundle_reader *r, uint64_t *entries, uint64_t *forks);
/* Bytes read so far and the file's size, for progress. */
uint64_t bundle_offset(const struct bundle_reader *r);
uint64_t bundle_size(const struct bundle_reader *r);

#endif
