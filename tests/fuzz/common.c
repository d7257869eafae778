/* common.c - temporary files for the fuzz targets. */
#include "fuzz.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void cleanup(void)
{
	char cmd[128];
	if (*dir) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz: could not remove %s\n", dir);
	}
}

const char *fuzz_tmpdir(void)
{
	if (!*dir) {
		snprintf(dir, sizeof dir, "/tmp/mutua-fuzz-XXXXXX");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			abort();
		}
		atexit(cleanup);
	}
	return dir;
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size, int mode)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", fuzz_tmpdir(), name);
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0) {
		perror(path);
		abort();
	}
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	fchmod(fd, (mode_t)mode);
	close(fd);
	return path;
}
