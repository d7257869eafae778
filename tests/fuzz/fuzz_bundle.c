/* fuzz_bundle.c - export bundles, read record by record, as an auditor
 * reads a file from anyone. */
#include "fuzz.h"
#include "bundle.h"

#include <sodium.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init && (init = 1))
		if (sodium_init() < 0)
			return 0;
	struct bundle_reader *r = bundle_open(fuzz_file("bundle", data, size, 0600));
	int type;
	const uint8_t *rec;
	size_t len;
	while (r && bundle_next(r, &type, &rec, &len) == 1)
		;
	bundle_close(&r);
	return 0;
}
