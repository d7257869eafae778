/* fuzz_keyfile.c - key files: header checks, and the plain key path
 * (sealed files need a passphrase; without one they are refused before
 * Argon2id runs, whatever limits the file claims). */
#include "fuzz.h"
#include "keys.h"

#include <sodium.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init && (init = 1))
		if (sodium_init() < 0)
			return 0;
	const char *path = fuzz_file("key", data, size, 0600);
	key_file_sealed(path);
	struct key *k = key_load(path, NULL);
	key_destroy(&k);
	return 0;
}
