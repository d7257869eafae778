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

/* threads workers (at most 16; 0: one per core online). NULL when out of
 * memory; a pool whose threads could not start still checks, on the
 * caller's thread alone. */
struct sigcheck *sigcheck_start(int threads);
/* How many workers run. */
int sigcheck_threads(const struct sigcheck *p);
/* The workers start on c (filled, c->n entries): ok[] is set for each. */
void sigcheck_submit(struct sigcheck *p, struct sigcheck_chunk *c);
/* Returns once every entry of c, submitted, is checked. */
void sigcheck_wait(struct sigcheck *p, struct sigcheck_chunk *c);
/* Frees the entries c holds; c->n becomes 0. */
void sigcheck_clear(struct sigcheck_chunk *c);
/* Joins the workers; safe on NULL and twice. */
void sigcheck_stop(struct sigcheck **p);

#endif
