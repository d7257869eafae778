/* helpers.h - small helpers shared by the unit tests: temporary folders,
 * whole files, and a hand protobuf encoder for building bytes that the
 * generated code would never write (unknown fields, reordered fields,
 * strings with a NUL inside). Header-only; every function is static inline
 * so a test file that does not use one gets no warning. Include after
 * <cmocka.h>. */
#ifndef MUTUA_TEST_HELPERS_H
#define MUTUA_TEST_HELPERS_H

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh folder under /tmp; the caller removes it with tmpdir_remove. */
static inline char *tmpdir_new(void)
{
	char tmpl[] = "/tmp/mutua-test-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	char *d = strdup(tmpl);
	assert_non_null(d);
	return d;
}

static inline int tmpdir_rm_one(const char *p, const struct stat *sb, int flag,
				struct FTW *f)
{
	(void)sb, (void)flag, (void)f;
	return remove(p);
}

static inline void tmpdir_remove(char **d)
{
	if (*d) {
		nftw(*d, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
		free(*d);
		*d = NULL;
	}
}

/* dir/name in a malloc'd string. */
static inline char *path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Creates or replaces path with exactly these bytes and this mode. */
static inline void file_put(const char *path, const void *data, size_t len, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* The whole file, in a malloc'd buffer of at most max bytes. */
static inline uint8_t *file_get(const char *path, size_t max, size_t *len)
{
	uint8_t *buf = malloc(max + 1);
	assert_non_null(buf);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	ssize_t r = read(fd, buf, max + 1);
	close(fd);
	assert_true(r >= 0 && (size_t)r <= max);
	*len = (size_t)r;
	return buf;
}

/* Protobuf wire encoding, by hand. */
struct pb {
	uint8_t b[8192];
	size_t n;
};

static inline void pb_raw(struct pb *p, const void *d, size_t len)
{
	assert_true(p->n + len <= sizeof p->b);
	memcpy(p->b + p->n, d, len);
	p->n += len;
}

static inline void pb_varint(struct pb *p, uint64_t v)
{
	do {
		uint8_t c = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			c |= 0x80;
		pb_raw(p, &c, 1);
	} while (v);
}

static inline void pb_uint(struct pb *p, unsigned field, uint64_t v)
{
	pb_varint(p, (uint64_t)field << 3 | 0);
	pb_varint(p, v);
}

static inline void pb_bytes(struct pb *p, unsigned field, const void *d, size_t len)
{
	pb_varint(p, (uint64_t)field << 3 | 2);
	pb_varint(p, len);
	pb_raw(p, d, len);
}

static inline void pb_str(struct pb *p, unsigned field, const char *s)
{
	pb_bytes(p, field, s, strlen(s));
}

#endif
