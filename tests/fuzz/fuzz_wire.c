/* fuzz_wire.c - the frame parsers of the replication protocol. */
#include "fuzz.h"
#include "wire.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct raw_entry v[WIRE_BATCH_MAX];
	struct wire_get g;
	size_t n;
	struct wire_head *h = malloc((size / WIRE_HEAD_SIZE + 1) * sizeof *h);
	if (h)
		wire_heads_parse(data, size, h, WIRE_HEADS_MAX, &n);
	free(h);
	wire_get_parse(data, size, &g);
	wire_pack_parse(data, size, v, WIRE_BATCH_MAX, &n);
	return 0;
}
