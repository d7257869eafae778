/* fuzz_staff.c - what a staff client sends the member's node (a
 * StaffRequest: node/staffd.c staffd_check_request), what the node sends
 * back (a StaffReply, read by tools/staff_client.c) and the one-line
 * invitation pasted from an email (ledger/staffnet.c). */
#include "fuzz.h"
#include "staffd.h"
#include "staffnet.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init && (init = 1))
		if (sodium_init() < 0)
			return 0;
	Mutua__StaffRequest *q = NULL;
	if (staffd_check_request(data, size, &q) == 0)
		mutua__staff_request__free_unpacked(q, NULL);
	Mutua__StaffReply *r = mutua__staff_reply__unpack(NULL, size, data);
	if (r)
		mutua__staff_reply__free_unpacked(r, NULL);
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	struct invitation inv;
	if (invitation_decode(text, &inv) == 0) {
		char *again = invitation_encode(&inv);
		free(again);
	}
	free(text);
	return 0;
}
