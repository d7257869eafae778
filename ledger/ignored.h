/* ignored.h - the entries every node leaves out, read one way for the
 * audit. A module whose rule words its verdict in SQL (booking.c's
 * BLOCK_WHY, staff.c's REVOCATION_WHY ...) exposes one query of the
 * entries it leaves out, its rule's words staying where they are; the
 * audit runs each such query through ignored_each and names every row.
 *
 * A query's columns: the member (32 bytes, a key the audit resolves to
 * its member), the seq, then one to three text columns, the last being
 * why the entry counts for nothing; rows in the order the audit prints
 * them. */
#ifndef MUTUA_IGNORED_H
#define MUTUA_IGNORED_H

#include <stdint.h>

struct store;

#define IGNORED_TEXTS 3

struct ignored_row {
	const uint8_t *member;
	uint64_t seq;
	/* the query's text columns in order, "" past its last (and for NULL) */
	const char *text[IGNORED_TEXTS];
};

/* Runs sql (a string exposed by a module, which keys store_stmt's cache)
 * on s, with param bound to ?1 when not NULL (words of a rule kept in C,
 * as lending.h's), and calls each for every row. 0, or -1 with the
 * store's error. */
int ignored_each(struct store *s, const char *sql, const char *param,
		 void (*each)(void *arg, const struct ignored_row *row), void *arg);

/* The verdict sql gives for the entry id (sql: one text column, NULL
 * or no row when the entry counts, bound ?1 to the id; a string that
 * keys store_stmt's cache): 0 when none, -1 with it as the error (or a
 * database error). The same words for store_append as for the audit. */
int ignored_verdict(struct store *s, const char *sql, const uint8_t id[32]);

#endif
