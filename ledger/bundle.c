/* bundle.c - see bundle.h for the format: its writer and its reader. */
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

struct bundle_writer {
	FILE *f;
	char tmp[PATH_MAX], path[PATH_MAX];
	crypto_generichash_state h;
	uint64_t entries, forks;
	int state; /* as the reader's: 0 before genesis, 1 entries, 2 forks */
	int failed;
};

static void w_bytes(struct bundle_writer *w, const void *p, size_t n)
{
	if (fwrite(p, 1, n, w->f) != n)
		w->failed = 1;
	crypto_generichash_update(&w->h, p, n);
}

struct bundle_writer *bundle_writer_open(const char *path)
{
	struct bundle_writer *w = calloc(1, sizeof *w);
	if (!w) {
		err_set("out of memory");
		return NULL;
	}
	if (snprintf(w->path, sizeof w->path, "%s", path) >= (int)sizeof w->path ||
	    snprintf(w->tmp, sizeof w->tmp, "%s.tmpXXXXXX", path) >= (int)sizeof w->tmp) {
		err_set("path too long: '%s'", path);
		free(w);
		return NULL;
	}
	int fd = mkstemp(w->tmp);
	if (fd < 0) {
		err_set("cannot create '%s': %s", w->tmp, strerror(errno));
		free(w);
		return NULL;
	}
	if (!(w->f = fdopen(fd, "wb"))) {
		err_set("cannot write '%s': %s", w->tmp, strerror(errno));
		close(fd);
		unlink(w->tmp);
		free(w);
		return NULL;
	}
	crypto_generichash_init(&w->h, NULL, 0, 32);
	w_bytes(w, BUNDLE_MAGIC, 8);
	return w;
}

void bundle_writer_destroy(struct bundle_writer **wp)
{
	struct bundle_writer *w = wp ? *wp : NULL;
	if (!w)
		return;
	if (w->f) {
		fclose(w->f);
		unlink(w->tmp);
	}
	free(w);
	*wp = NULL;
}

int bundle_write(struct bundle_writer *w, int type, const uint8_t *data, size_t len)
{
	int want = type == BUNDLE_GENESIS || type == BUNDLE_ENTRY ? 1 : type == BUNDLE_FORK ? 2 : 0;
	if (!want || (w->state == 0) != (type == BUNDLE_GENESIS) || want < w->state)
		return err_set("bundle record of type %d out of order", type);
	if (type == BUNDLE_GENESIS ? len > GENESIS_MAX
				   : len < 4 + 64 + 1 || len > 4 + ENTRY_BODY_MAX + 64 ||
					     ((size_t)data[0] | (size_t)data[1] << 8 |
					      (size_t)data[2] << 16 | (size_t)data[3] << 24) + 4 + 64 != len)
		return err_set("bundle record of a wrong size (%zu bytes)", len);
	uint8_t hdr[5];
	hdr[0] = (uint8_t)type;
	for (int i = 0; i < 4; i++)
		hdr[1 + i] = (uint8_t)(len >> (8 * i));
	w_bytes(w, hdr, sizeof hdr);
	w_bytes(w, data, len);
	if (type == BUNDLE_ENTRY)
		w->entries++;
	else if (type == BUNDLE_FORK)
		w->forks++;
	w->state = want;
	return w->failed ? err_set("cannot write '%s': %s", w->tmp, strerror(errno ? errno : EIO))
			 : 0;
}

int bundle_writer_commit(struct bundle_writer **wp, uint64_t *entries, uint64_t *forks)
{
	struct bundle_writer *w = *wp;
	char dir[PATH_MAX];
	if (w->state == 0) {
		bundle_writer_destroy(wp);
		return err_set("bundle without a genesis");
	}
	uint8_t end[48];
	for (int i = 0; i < 8; i++) {
		end[i] = (uint8_t)(w->entries >> (8 * i));
		end[8 + i] = (uint8_t)(w->forks >> (8 * i));
	}
	crypto_generichash_final(&w->h, end + 16, 32);
	/* the digest covers what came before END: write END's header and
	 * payload without updating it further */
	uint8_t hdr[5] = {BUNDLE_END, 48, 0, 0, 0};
	if (fwrite(hdr, 1, 5, w->f) != 5 || fwrite(end, 1, 48, w->f) != 48)
		w->failed = 1;
	if (w->failed || fflush(w->f) || fsync(fileno(w->f))) {
		err_set("cannot write '%s': %s", w->tmp, strerror(errno ? errno : EIO));
		goto fail;
	}
	int rc = fclose(w->f);
	w->f = NULL;
	if (rc) {
		err_set("cannot write '%s': %s", w->tmp, strerror(errno));
		unlink(w->tmp);
		goto fail;
	}
	if (chmod(w->tmp, 0644) || rename(w->tmp, w->path)) {
		err_set("cannot write '%s': %s", w->path, strerror(errno));
		unlink(w->tmp);
		goto fail;
	}
	snprintf(dir, sizeof dir, "%s", w->path);
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	if (entries)
		*entries = w->entries;
	if (forks)
		*forks = w->forks;
	bundle_writer_destroy(wp);
	return 0;
fail:
	bundle_writer_destroy(wp);
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
		if (memcmp(magic, BUNDLE_MAGIC_V1, 8) == 0)
			err_set("'%s' is a format 1 bundle, which this mutua cannot read: "
				"audit it with the mutua that wrote it", path);
		else
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
