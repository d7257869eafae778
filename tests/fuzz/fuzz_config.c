/* fuzz_config.c - mutuad's configuration file. */
#include "fuzz.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct node_config cfg;
	config_init(&cfg);
	config_load(&cfg, fuzz_file("mutua.conf", data, size, 0600), 0);
	config_free(&cfg);
	return 0;
}
