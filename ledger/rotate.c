/* rotate.c - see rotate.h. */
#include "rotate.h"
#include "checkpoint.h"
#include "entry.h"
#include "federation.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int next_path(char *out, const char *path)
{
	if ((size_t)snprintf(out, PATH_MAX, "%s.next", path) >= PATH_MAX)
		return err_set("path too long: '%s'", path);
	return 0;
}

/* Makes a rename or a new file in path's folder durable. */
static void sync_folder(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	int fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The seq at which a rotation ended key's feed: 1, 0 when none did, -1. */
static int rotated_at(struct store *s, const uint8_t *key, uint64_t *seq)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store_db(s), "SELECT rotated FROM keys WHERE key = ?1"
			       " AND rotated IS NOT NULL", -1, &st, NULL))
		return err_set("store: %s", sqlite3_errmsg(store_db(s)));
	sqlite3_bind_blob(st, 1, key, KEY_ID_BYTES, SQLITE_STATIC);
	int found = store_step_row(s, st);
	if (found == 1)
		*seq = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return found;
}

struct key *rotate_load(struct store *s, const char *path, const char *passphrase,
			struct rotation *r)
{
	char next[PATH_MAX];
	uint64_t seq = 0;
	memset(r, 0, sizeof *r);
	struct key *k = key_load(path, passphrase), *n = NULL;
	if (!k || next_path(next, path) || access(next, F_OK) != 0)
		return k;
	int rot = rotated_at(s, k->id, &seq);
	if (rot < 0)
		goto fail;
	if (rot == 0) {
		/* staged by a rotation whose entry never committed */
		if (unlink(next) == 0)
			sync_folder(next);
		return k;
	}
	if (!(n = key_load(next, passphrase))) {
		err_set("staged key file '%s': %s", next, err_msg());
		goto fail;
	}
	uint8_t m_old[KEY_ID_BYTES], m_new[KEY_ID_BYTES];
	if (store_member_of(s, k->id, m_old, NULL) != 1 ||
	    store_member_of(s, n->id, m_new, NULL) != 1 || memcmp(m_old, m_new, KEY_ID_BYTES)) {
		err_set("the staged key file '%s' holds no key the rotation of '%s' gave "
			"this member", next, path);
		goto fail;
	}
	/* sign as the new identity, speak as the old transport key */
	memcpy(n->xpk, k->xpk, KEY_X_BYTES);
	memcpy(n->xsk, k->xsk, KEY_X_BYTES);
	r->staged = 1;
	memcpy(r->old, k->id, KEY_ID_BYTES);
	r->seq = seq;
	key_destroy(&k);
	return n;
fail:
	key_destroy(&k);
	key_destroy(&n);
	return NULL;
}

/* The member's name, college and endpoints, for the new keys' card. */
static char *make_card(struct store *s, const uint8_t *member, const struct key *n,
		       const uint8_t *replaces, uint64_t seq)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	char *name = NULL, *college = NULL, *eps[ENDPOINTS_MAX] = {0}, *card = NULL;
	size_t neps = 0;
	int rc;
	if (sqlite3_prepare_v2(db, "SELECT name, college FROM members WHERE id = ?1", -1, &st,
			       NULL))
		goto db_fail;
	sqlite3_bind_blob(st, 1, member, KEY_ID_BYTES, SQLITE_STATIC);
	rc = store_step_row(s, st);
	if (rc == 1) {
		name = strdup((const char *)sqlite3_column_text(st, 0));
		college = strdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc < 0)
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT url FROM member_endpoints WHERE member = ?1"
			       " ORDER BY rowid", -1, &st, NULL))
		goto db_fail;
	sqlite3_bind_blob(st, 1, member, KEY_ID_BYTES, SQLITE_STATIC);
	while (neps < ENDPOINTS_MAX && (rc = store_step_row(s, st)) == 1)
		if ((eps[neps] = strdup((const char *)sqlite3_column_text(st, 0))))
			neps++;
	sqlite3_finalize(st);
	if (rc < 0)
		goto out;
	if (!name || !college)
		err_set("this member has no name in the store");
	else
		card = card_make_fresh(n, name, college, eps, neps, clock_now_ms(), replaces,
				       seq);
	goto out;
db_fail:
	err_set("store: %s", sqlite3_errmsg(db));
out:
	free(name);
	free(college);
	for (size_t i = 0; i < neps; i++)
		free(eps[i]);
	return card;
}

int rotate_begin(struct store *s, const struct key *k, const char *path,
		 const char *passphrase, uint8_t new_id[KEY_ID_BYTES])
{
	char next[PATH_MAX];
	uint8_t member[KEY_ID_BYTES];
	uint64_t last;
	if (next_path(next, path))
		return -1;
	int m = store_member_of(s, k->id, member, &last);
	if (m <= 0)
		return m < 0 ? -1 : err_set("this node's key is no member's");
	if (last != INT64_MAX)
		return err_set("this node's key was replaced at seq %llu of its feed already",
			       (unsigned long long)last);
	int out = store_excluded_at(s, member, NULL);
	if (out)
		return out < 0 ? -1 : err_set("this member was excluded from the federation");

	/* a checkpoint first, so that every entry of the feed the rotation
	 * closes can be proved on its own (proof.c) */
	uint64_t head;
	if (store_head(s, k->id, &head, NULL))
		return -1;
	if (head > 0) {
		sqlite3_stmt *st;
		int is_cp = 0;
		if (sqlite3_prepare_v2(store_db(s), "SELECT type = 'checkpoint' FROM entries"
				       " WHERE author = ?1 AND seq = ?2", -1, &st, NULL))
			return err_set("store: %s", sqlite3_errmsg(store_db(s)));
		sqlite3_bind_blob(st, 1, k->id, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)head);
		int found = store_step_row(s, st);
		if (found == 1)
			is_cp = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (found < 0)
			return -1;
		if (!is_cp && checkpoint_append(s, k, NULL, NULL))
			return -1;
	}
	/* a staged file here is a leftover: k is not rotated */
	if (unlink(next) != 0 && errno != ENOENT)
		return err_set("cannot remove '%s': %s", next, strerror(errno));
	struct key *n = key_new(NULL);
	if (!n)
		return -1;
	char *text = NULL;
	Mutua__Card *card = NULL;
	int rc = -1;
	if (key_save(n, next, passphrase))
		goto out;
	sync_folder(next);
	/* the card is fresh: it names the key it replaces and the seq of the
	 * rotation entry, the next of the feed (entry.c checks both) */
	if (store_head(s, k->id, &head, NULL) ||
	    !(text = make_card(s, member, n, k->id, head + 1)) ||
	    !(card = card_decode(text, NULL)))
		goto out;
	Mutua__KeyRotation kr = MUTUA__KEY_ROTATION__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	kr.card = card;
	b.payload_case = MUTUA__BODY__PAYLOAD_ROTATE;
	b.rotate = &kr;
	if (store_append(s, k, &b, NULL))
		goto out;
	memcpy(new_id, n->id, KEY_ID_BYTES);
	rc = 0;
out:
	if (rc)
		unlink(next);
	if (card)
		mutua__card__free_unpacked(card, NULL);
	free(text);
	key_destroy(&n);
	return rc;
}

int rotate_staged_file(const char *path)
{
	char next[PATH_MAX];
	return next_path(next, path) == 0 && access(next, F_OK) == 0;
}

int rotate_finish(const char *path)
{
	char next[PATH_MAX];
	if (next_path(next, path))
		return -1;
	if (rename(next, path) != 0)
		return err_set("cannot move '%s' to '%s': %s", next, path, strerror(errno));
	sync_folder(path);
	return 0;
}

int rotate_current_key(struct store *s, const uint8_t member[KEY_ID_BYTES],
		       uint8_t key[KEY_ID_BYTES])
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store_db(s),
			       "SELECT key FROM keys WHERE member = ?1 AND key != ?1"
			       " AND rotated IS NULL AND cut IS NULL"
			       " UNION ALL SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM keys"
			       " WHERE key = ?1 AND (rotated IS NOT NULL OR cut IS NOT NULL))"
			       " LIMIT 1", -1, &st, NULL))
		return err_set("store: %s", sqlite3_errmsg(store_db(s)));
	sqlite3_bind_blob(st, 1, member, KEY_ID_BYTES, SQLITE_STATIC);
	int found = store_step_row(s, st);
	if (found == 1 && sqlite3_column_bytes(st, 0) != KEY_ID_BYTES)
		found = 0;
	if (found == 1)
		memcpy(key, sqlite3_column_blob(st, 0), KEY_ID_BYTES);
	sqlite3_finalize(st);
	return found;
}
