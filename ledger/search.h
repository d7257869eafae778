/* search.h - the catalogue's full-text search (issue 16): offers_fts, an
 * SQLite FTS5 index of the offers' titles, descriptions and
 * locations, accents folded (the unicode61 tokenizer, remove_diacritics
 * 2: "Orleans" finds "Orléans"). Derived state: the fold keeps it (an
 * offer, an update, a withdrawal, a replay), fold_clear empties it and a
 * reindex rebuilds it.
 *
 * A person's words are data, never FTS5 syntax: each word is quoted as
 * a phrase (its quotes doubled) and matched as a prefix, the phrases
 * joined by AND; so a title or a search holding AND, OR, NEAR, a colon,
 * a star or a quote matches those characters' words, nothing more.
 */
#ifndef MUTUA_SEARCH_H
#define MUTUA_SEARCH_H

#include <stdint.h>

struct store;

#define SEARCH_WORDS_MAX 16  /* words of one search; more are an error */

/* Indexes the resource's row as it stands (its title, description and
 * location), and takes it out again, called before the row changes: the
 * index is an FTS5 external-content table over resources, which keeps no
 * copy of the text, so a row leaves it with the values it entered with.
 * Every change of a row is between the two, inside the fold's
 * transaction. Every row is indexed, withdrawn ones too: the listing
 * leaves those out (view_offers). Its rowids are the resources' implicit
 * ones, which a VACUUM may renumber: mutua reindex rebuilds it. Both only
 * note the row (search_pending); the index changes at search_catch_up.
 * 0 or -1. */
int search_index_offer(struct store *s, const uint8_t resource[32]);
int search_unindex_offer(struct store *s, const uint8_t resource[32]);
/* search_index_offer for the row the fold has just inserted, by its rowid
 * (sqlite3_last_insert_rowid): no look-up of its id in the index of
 * random keys, once for every offer a sync brings. 0 or -1. */
int search_index_row(struct store *s, int64_t rowid);

/* Hands the rows noted to the index, at most limit of them (0: all) in a
 * transaction of its own, never waiting for the write lock (another
 * writer holding it leaves the rows for the next call): view_open before a
 * search (all, or SEARCH_VIEW_ROWS on the web page's handles), mutuad
 * every second. 1 when rows are left,
 * 0 when none, -1 (the store's error: a read-only store, a transaction
 * open). */
#define SEARCH_VIEW_ROWS 256
int search_catch_up(struct store *s, int64_t limit);

/* Forgets the rows noted: fold_clear, as it empties the index. 0 or -1. */
int search_forget_pending(struct store *s);

/* The FTS5 query for words (any text) and place (a location's words),
 * either NULL: malloc'd, or NULL with *empty set when neither has a word;
 * NULL with err_set out of memory or past SEARCH_WORDS_MAX words. */
char *search_query(const char *words, const char *place, int *empty);

/* SQL function on the store's connection, for view_offers:
 *   mutua_search(words, place)  search_query's text, or NULL when
 *                               neither has a word */
int search_register_sql(struct store *s);

#endif
