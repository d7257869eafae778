/* sigcheck.h - the signatures of decoded entries, checked a chunk at a
 * time on worker threads while the caller's thread does the rest: the
 * audit (audit.c) inserts the previous chunk into its scratch store, a
 * reindex (store_reindex) folds it. The workers touch nothing but the
 * chunk's entries (entry_verify); the caller's thread checks signatures
 * too while it waits.
 */
#ifndef MUTUA_SIGCHECK_H
#define MUTUA_SIGCHECK_H

#include "entry.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define SIGCHECK_CHUNK 4096

struct sigcheck_chunk {
	struct entry e[SIGCHECK_CHUNK];
	int decoded[SIGCHECK_CHUNK]; /* 1 when e[i] holds a decoded entry */
	int ok[SIGCHECK_CHUNK];      /* its signature is valid */
	int64_t tag[SIGCHECK_CHUNK]; /* the caller's (the store's row number) */
	size_t n;
	atomic_size_t next, done;
};

struct sigcheck;

/* Starts threads workers (at most 16; 0: one per core online) and the two
 * chunks they and the caller take turns on. NULL when out of memory; a
 * pool whose threads could not start still checks, on the caller's thread
 * alone. */
struct sigcheck *sigcheck_start(int threads);
/* How many workers run. */
int sigcheck_threads(const struct sigcheck *p);
/* The chunk to fill: the caller decodes entries into e[n] (decoded[n] 1
 * when it holds one, tag[n] its own), n++, up to SIGCHECK_CHUNK. */
struct sigcheck_chunk *sigcheck_filling(struct sigcheck *p);
/* The filling chunk goes to the workers; returns the chunk handed over
 * before it, every ok[] set, or NULL the first time. That chunk is the
 * next to fill: the caller takes its entries, then sigcheck_clear. */
struct sigcheck_chunk *sigcheck_next(struct sigcheck *p);
/* Once nothing more is to be read: the chunks still held, checked, one a
 * call in the order they were filled (each to take, then sigcheck_clear),
 * then NULL. */
struct sigcheck_chunk *sigcheck_drain(struct sigcheck *p);
/* Frees the entries c holds; c->n becomes 0. */
void sigcheck_clear(struct sigcheck_chunk *c);
/* Waits for the workers, frees what the chunks hold, joins the workers;
 * safe on NULL and twice. */
void sigcheck_stop(struct sigcheck **p);

#endif
