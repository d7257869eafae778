/* replay.c - runs a fuzz target over files and folders of inputs (the
 * checked-in corpus and crashers), without libFuzzer: make check uses it. */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define INPUT_MAX (4 << 20)

static int runs;

static void run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	uint8_t *buf = malloc(INPUT_MAX);
	size_t n = buf ? fread(buf, 1, INPUT_MAX, f) : 0;
	fclose(f);
	if (!buf)
		exit(2);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	runs++;
}

static void run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return; /* a target without crashers yet */
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[4096];
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		run_path(sub);
	}
	if (d)
		closedir(d);
}

int main(int argc, char **argv)
{
	/* no arguments: this target's corpus and crashers */
	if (argc == 1) {
		run_path("tests/fuzz/corpus/" FUZZ_NAME);
		run_path("tests/fuzz/crashers/" FUZZ_NAME);
	}
	for (int i = 1; i < argc; i++)
		run_path(argv[i]);
	/* TAP, for tests/run.sh */
	printf("ok 1 - %s replayed %d inputs without a crash\n", FUZZ_NAME, runs);
	return 0;
}
