/* fuzz_proof.c - proof files (proof.h), parsed and verified as
 * verify-proof does with a file from anyone. The federation checked
 * against is the one the first entry names, so that a well-formed input
 * reaches the signature, inclusion-path and loan checks. */
#include "fuzz.h"
#include "proof.h"

#include <sodium.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct proof p;
	struct proof_loan l;
	if (!init && (init = 1))
		if (sodium_init() < 0)
			return 0;
	if (size > PROOF_FILE_MAX)
		return 0;
	if (proof_parse(&p, data, size) == 0) {
		proof_verify(&p, p.rec[0].e.b->federation.data, &l);
		proof_free(&p);
	}
	return 0;
}
