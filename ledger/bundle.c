/* bundle.c - see bundle.h for the format. */
#include "bundle.h"
#include "entry.h"
#include "federation.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD_MAX (GENESIS_MAX > 4 + ENTRY_BODY_MAX + 64 ? GENESIS_MAX : 4 + ENTRY_BODY_MAX + 64)

struct writer {
	FILE *f;
	crypto_generichash_state h;
	int failed;
};

static void w_bytes(struct writer *w, const void *p, size_t n)
{
	if (fwrite(p, 1, n, w->f) != n)
		w->failed = 1;
	crypto_generichash_update(&w->h, p, n);
}

static void w_record(struct writer *w, int type, const void *a, size_t alen,
		     const void *b, size_t blen, const void *c, size_t clen)
{
	uint8_t hdr[5];
	uint32_t len = (uint32_t)(alen + blen + clen);
	hdr[0] = (uint8_t)type;
	for (int i = 0; i < 4; i++)
		hdr[1 + i] = (uint8_t)(len >> (8 * i));
	w_bytes(w, hdr, sizeof hdr);
	if (alen)
		w_bytes(w, a, alen);
	if (blen)
		w_bytes(w, b, blen);
	if (clen)
		w_bytes(w, c, clen);
}

static int write_entries(struct writer *w, sqlite3 *db, const char *sql, int type,
			 uint64_t *count)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		return err_set("store: %s", sqlite3_errmsg(db));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && !w->failed) {
		size_t bl = (size_t)sqlite3_column_bytes(st, 0);
		uint8_t lenb[4];
		for (int i = 0; i < 4; i++)
			lenb[i] = (uint8_t)(bl >> (8 * i));
		if (bl > ENTRY_BODY_MAX || sqlite3_column_bytes(st, 1) != 64) {
			sqlite3_finalize(st);
			return err_set("store holds an entry of a wrong size");
		}
		w_record(w, type, lenb, 4, sqlite3_column_blob(st, 0), bl,
			 sqlite3_column_blob(st, 1), 64);
		(*count)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && !w->failed)
		return err_set("store: %s", sqlite3_errmsg(db));
	return 0;
}

int bundle_export(struct store *s, const char *path, uint64_t *entries, uint64_t *forks)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	struct writer w = {0};
	uint64_t ne = 0, nf = 0;
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;

	if (!store_has_federation(s))
		return err_set("this node has no federation yet");
	if (snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path) >= (int)sizeof tmp)
		return err_set("path too long: '%s'", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return err_set("cannot create '%s': %s", tmp, strerror(errno));
	if (!(w.f = fdopen(fd, "wb"))) {
		close(fd);
		unlink(tmp);
		return err_set("cannot write '%s': %s", tmp, strerror(errno));
	}
	crypto_generichash_init(&w.h, NULL, 0, 32);
	/* one read transaction: a consistent snapshot while the daemon writes */
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	w_bytes(&w, BUNDLE_MAGIC, 8);
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'genesis'", -1, &st,
			       NULL) || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		err_set("store: no genesis");
		goto fail;
	}
	w_record(&w, BUNDLE_GENESIS, sqlite3_column_blob(st, 0),
		 (size_t)sqlite3_column_bytes(st, 0), NULL, 0, NULL, 0);
	sqlite3_finalize(st);
	if (write_entries(&w, db, "SELECT body, sig FROM entries ORDER BY author, seq",
			  BUNDLE_ENTRY, &ne) ||
	    write_entries(&w, db, "SELECT body, sig FROM forks ORDER BY author, seq, id",
			  BUNDLE_FORK, &nf))
		goto fail;
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	uint8_t end[48];
	for (int i = 0; i < 8; i++) {
		end[i] = (uint8_t)(ne >> (8 * i));
		end[8 + i] = (uint8_t)(nf >> (8 * i));
	}
	crypto_generichash_final(&w.h, end + 16, 32);
	/* the digest covers what came before END: write END's header and
	 * payload without updating it further */
	uint8_t hdr[5] = {BUNDLE_END, 48, 0, 0, 0};
	if (fwrite(hdr, 1, 5, w.f) != 5 || fwrite(end, 1, 48, w.f) != 48)
		w.failed = 1;
	if (w.failed || fflush(w.f) || fsync(fileno(w.f))) {
		err_set("cannot write '%s': %s", tmp, strerror(errno ? errno : EIO));
		goto fail;
	}
	if (fclose(w.f)) {
		w.f = NULL;
		err_set("cannot write '%s': %s", tmp, strerror(errno));
		goto fail;
	}
	w.f = NULL;
	if (chmod(tmp, 0644) || rename(tmp, path)) {
		err_set("cannot write '%s': %s", path, strerror(errno));
		goto fail;
	}
	snprintf(dir, sizeof dir, "%s", path);
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	if (entries)
		*entries = ne;
	if (forks)
		*forks = nf;
	return 0;
fail:
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	if (w.f)
		fclose(w.f);
	unlink(tmp);
	return -1;
}

struct bundle_reader {
	FILE *f;
	uint8_t *buf;
	crypto_generichash_state h;
	uint64_t off, size, entries, forks;
	uint64_t end_entries, end_forks; /* what END says */
	int state; /* 0 before genesis, 1 entries, 2 forks, 3 ended */
};

struct bundle_reader *bundle_open(const char *path)
{
	struct bundle_reader *r = calloc(1, sizeof *r);
	uint8_t magic[8];
	struct stat st;
	if (!r || !(r->buf = malloc(RECORD_MAX))) {
		free(r);
		err_set("out of memory");
		return NULL;
	}
	if (!(r->f = fopen(path, "rb"))) {
		err_set("cannot open '%s': %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(fileno(r->f), &st) || !S_ISREG(st.st_mode)) {
		err_set("'%s' is not a regular file", path);
		goto fail;
	}
	r->size = (uint64_t)st.st_size;
	if (fread(magic, 1, 8, r->f) != 8 || memcmp(magic, BUNDLE_MAGIC, 8)) {
		err_set("'%s' is not a mutua bundle", path);
		goto fail;
	}
	crypto_generichash_init(&r->h, NULL, 0, 32);
	crypto_generichash_update(&r->h, magic, 8);
	r->off = 8;
	return r;
fail:
	bundle_close(&r);
	return NULL;
}

void bundle_close(struct bundle_reader **rp)
{
	struct bundle_reader *r = rp ? *rp : NULL;
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r->buf);
	free(r);
	*rp = NULL;
}

uint64_t bundle_offset(const struct bundle_reader *r)
{
	return r->off;
}

uint64_t bundle_size(const struct bundle_reader *r)
{
	return r->size;
}

int bundle_end_counts(const struct bundle_reader *r, uint64_t *entries, uint64_t *forks)
{
	if (r->state != 3)
		return err_set("bundle not read to its END record");
	*entries = r->end_entries;
	*forks = r->end_forks;
	return 0;
}

int bundle_next(struct bundle_reader *r, int *type, const uint8_t **data, size_t *len)
{
	uint8_t hdr[5];
	if (r->state == 3)
		return 0;
	if (fread(hdr, 1, 5, r->f) != 5)
		return err_set("bundle is truncated at byte %llu (no END record)",
			       (unsigned long long)r->off);
	uint32_t n = (uint32_t)hdr[1] | (uint32_t)hdr[2] << 8 | (uint32_t)hdr[3] << 16 |
		     (uint32_t)hdr[4] << 24;
	int t = hdr[0];
	size_t max = t == BUNDLE_GENESIS ? GENESIS_MAX
		     : t == BUNDLE_END	  ? 48
					  : 4 + ENTRY_BODY_MAX + 64;
	if (t != BUNDLE_GENESIS && t != BUNDLE_ENTRY && t != BUNDLE_FORK && t != BUNDLE_END)
		return err_set("bundle has a record of unknown type %d at byte %llu", t,
			       (unsigned long long)r->off);
	if (n > max || (t == BUNDLE_END && n != 48))
		return err_set("bundle record at byte %llu is too large (%u bytes)",
			       (unsigned long long)r->off, n);
	/* order: GENESIS, ENTRY..., FORK..., END */
	int want = t == BUNDLE_GENESIS || t == BUNDLE_ENTRY ? 1 : t == BUNDLE_FORK ? 2 : 3;
	if ((r->state == 0) != (t == BUNDLE_GENESIS) || want < r->state)
		return err_set("bundle records out of order at byte %llu",
			       (unsigned long long)r->off);
	if (fread(r->buf, 1, n, r->f) != n)
		return err_set("bundle is truncated at byte %llu", (unsigned long long)r->off);
	if (t == BUNDLE_END) {
		uint8_t digest[32];
		uint64_t ne = 0, nf = 0;
		crypto_generichash_final(&r->h, digest, 32);
		for (int i = 7; i >= 0; i--) {
			ne = ne << 8 | r->buf[i];
			nf = nf << 8 | r->buf[8 + i];
		}
		/* counts that differ from the records are the audit's to
		 * report (bundle_end_counts): the digest does not cover them */
		r->end_entries = ne;
		r->end_forks = nf;
		if (sodium_memcmp(digest, r->buf + 16, 32))
			return err_set("bundle digest does not match: the file was altered or "
				       "damaged");
		if (fgetc(r->f) != EOF)
			return err_set("bundle has bytes after its END record");
		r->off += 5 + n;
		r->state = 3;
		return 0;
	}
	if (t != BUNDLE_GENESIS) {
		if (n < 4 + 64 + 1)
			return err_set("bundle entry at byte %llu is too short",
				       (unsigned long long)r->off);
		uint32_t bl = (uint32_t)r->buf[0] | (uint32_t)r->buf[1] << 8 |
			      (uint32_t)r->buf[2] << 16 | (uint32_t)r->buf[3] << 24;
		if ((size_t)bl + 4 + 64 != n)
			return err_set("bundle entry at byte %llu has inconsistent lengths",
				       (unsigned long long)r->off);
		if (t == BUNDLE_ENTRY)
			r->entries++;
		else
			r->forks++;
	}
	crypto_generichash_update(&r->h, hdr, 5);
	crypto_generichash_update(&r->h, r->buf, n);
	r->off += 5 + n;
	r->state = want;
	*type = t;
	*data = r->buf;
	*len = n;
	return 1;
}
