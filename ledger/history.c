/* history.c - see history.h. */
#include "history.h"
#include "bundle.h"
#include "entry.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct history {
	struct store *s;
	sqlite3_stmt *st;
	int phase;   /* 0 the genesis, 1 entries, 2 fork proofs, 3 done */
	int own_txn; /* the read transaction is ours to end */
	int genesis_read;
	uint8_t *buf;
};

static const char *const history_sql[] = {
	"SELECT value FROM meta WHERE key = 'genesis'",
	"SELECT body, sig FROM entries ORDER BY author, seq",
	"SELECT body, sig FROM forks ORDER BY author, seq, id",
};
static const int history_type[] = {BUNDLE_GENESIS, BUNDLE_ENTRY, BUNDLE_FORK};

struct history *history_open(struct store *s)
{
	sqlite3 *db = store_db(s);
	struct history *h;
	if (!store_has_federation(s)) {
		err_set("this node has no federation yet");
		return NULL;
	}
	if (!(h = calloc(1, sizeof *h)) || !(h->buf = malloc(4 + ENTRY_BODY_MAX + 64))) {
		free(h);
		err_set("out of memory");
		return NULL;
	}
	h->s = s;
	if (sqlite3_get_autocommit(db)) {
		if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
			err_set("store: %s", sqlite3_errmsg(db));
			history_close(&h);
			return NULL;
		}
		h->own_txn = 1;
	}
	return h;
}

void history_close(struct history **hp)
{
	struct history *h = hp ? *hp : NULL;
	if (!h)
		return;
	sqlite3_finalize(h->st);
	if (h->own_txn && !sqlite3_get_autocommit(store_db(h->s)))
		sqlite3_exec(store_db(h->s), "COMMIT", NULL, NULL, NULL);
	free(h->buf);
	free(h);
	*hp = NULL;
}

int history_next(struct history *h, int *type, const uint8_t **data, size_t *len)
{
	sqlite3 *db = store_db(h->s);
	for (;;) {
		if (h->phase > 2)
			return 0;
		if (!h->st && sqlite3_prepare_v2(db, history_sql[h->phase], -1, &h->st, NULL))
			return err_set("store: %s", sqlite3_errmsg(db));
		int rc = sqlite3_step(h->st);
		if (rc == SQLITE_ROW)
			break;
		if (rc != SQLITE_DONE)
			return err_set("store: %s", sqlite3_errmsg(db));
		if (h->phase == 0 && !h->genesis_read)
			return err_set("store: no genesis");
		sqlite3_finalize(h->st);
		h->st = NULL;
		h->phase++;
	}
	*type = history_type[h->phase];
	size_t bl = (size_t)sqlite3_column_bytes(h->st, 0);
	if (h->phase == 0) {
		h->genesis_read = 1;
		*data = sqlite3_column_blob(h->st, 0);
		*len = bl;
		return 1;
	}
	if (bl > ENTRY_BODY_MAX || sqlite3_column_bytes(h->st, 1) != 64)
		return err_set("store holds an entry of a wrong size");
	for (int i = 0; i < 4; i++)
		h->buf[i] = (uint8_t)(bl >> (8 * i));
	memcpy(h->buf + 4, sqlite3_column_blob(h->st, 0), bl);
	memcpy(h->buf + 4 + bl, sqlite3_column_blob(h->st, 1), 64);
	*data = h->buf;
	*len = 4 + bl + 64;
	return 1;
}

int history_export(struct store *s, const char *path, uint64_t *entries, uint64_t *forks)
{
	struct history *h = history_open(s);
	struct bundle_writer *w = h ? bundle_writer_open(path) : NULL;
	const uint8_t *data;
	size_t len;
	int type, r = -1;
	if (w)
		while ((r = history_next(h, &type, &data, &len)) == 1)
			if (bundle_write(w, type, data, len)) {
				r = -1;
				break;
			}
	history_close(&h);
	if (r < 0) {
		bundle_writer_destroy(&w);
		return -1;
	}
	return bundle_writer_commit(&w, entries, forks);
}
