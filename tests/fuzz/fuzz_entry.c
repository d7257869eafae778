/* fuzz_entry.c - entry decoding and authentication: the bytes a peer or a
 * bundle hands us as a body, with the first 64 bytes as the signature. */
#include "fuzz.h"
#include "entry.h"

#include <sodium.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct entry e;
	static int init;
	if (!init && (init = 1))
		if (sodium_init() < 0)
			return 0;
	if (size < KEY_SIG_BYTES)
		return 0;
	if (entry_decode(&e, data + KEY_SIG_BYTES, size - KEY_SIG_BYTES, data, KEY_SIG_BYTES) == 0) {
		entry_verify(&e);
		entry_free(&e);
	}
	return 0;
}
