/* fuzz_card.c - card and genesis text, as pasted from an email. */
#include "fuzz.h"
#include "federation.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init && (init = 1))
		if (sodium_init() < 0)
			return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	Mutua__CardBody *cb = card_parse(text);
	if (cb)
		mutua__card_body__free_unpacked(cb, NULL);
	uint8_t *g = NULL, id[32];
	size_t len;
	if (genesis_unarmor(text, &g, &len) == 0) {
		Mutua__Genesis *gm = genesis_decode(g, len, id);
		if (gm)
			mutua__genesis__free_unpacked(gm, NULL);
		free(g);
	}
	/* raw bytes as a genesis too */
	Mutua__Genesis *gm = genesis_decode(data, size, id);
	if (gm)
		mutua__genesis__free_unpacked(gm, NULL);
	free(text);
	return 0;
}
