/* mkfeed.c - test tool: appends N offer entries to HOME's own feed.
 *
 * Usage: mkfeed HOME N [DESCRIPTION_BYTES]
 *
 * Goes through the ledger API (store_open, rotate_load, store_append), so
 * the entries are exactly what the CLI would write (after a rotation, under
 * the new key, staged or not): signed, chained, folded.
 * Prints "N entries in S s (R entries/s)" on stdout. The key may be sealed
 * (MUTUA_PASSPHRASE). Exit status 0, 1 on a refused append, 2 on usage.
 * The member's own budget (entries-per-day, bytes-per-day) is not kept,
 * as by a patched node: test data, or a hostile member's feed; each offer
 * carries a description of DESCRIPTION_BYTES bytes (default none).
 */
#include "entry.h"
#include "keys.h"
#include "rotate.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROUP 1000 /* appends per transaction */

int main(int argc, char **argv)
{
	char path[4096], title[64];
	char *end;
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: mkfeed HOME N [DESCRIPTION_BYTES]\n");
		return 2;
	}
	long n = strtol(argv[2], &end, 10);
	if (*end || n < 1 || n > 10000000) {
		fprintf(stderr, "mkfeed: N must be 1..10000000\n");
		return 2;
	}
	long dlen = argc == 4 ? strtol(argv[3], &end, 10) : 0;
	if (dlen < 0 || dlen > DESCRIPTION_MAX_LEN) {
		fprintf(stderr, "mkfeed: DESCRIPTION_BYTES must be 0..%d\n", DESCRIPTION_MAX_LEN);
		return 2;
	}
	static char desc[DESCRIPTION_MAX_LEN + 1];
	memset(desc, 'x', (size_t)dlen);
	if (sodium_init() < 0)
		return 1;
	snprintf(path, sizeof path, "%s/store.db", argv[1]);
	struct store *s = store_open(path);
	if (!s) {
		fprintf(stderr, "mkfeed: %s\n", err_msg());
		return 1;
	}
	snprintf(path, sizeof path, "%s/key", argv[1]);
	struct rotation rot;
	struct key *k = rotate_load(s, path, getenv("MUTUA_PASSPHRASE"), &rot);
	if (!k) {
		fprintf(stderr, "mkfeed: %s\n", err_msg());
		store_close(&s);
		return 1;
	}
	/* Test data only: without fsync at each commit, 20 000 appends take
	 * seconds, not minutes. A power cut could lose or tear this store,
	 * which is acceptable for a throw-away test home and nowhere else: the
	 * store's own FULL setting (DESIGN.md, invariant 8) is what keeps a
	 * real node from forking itself. It only affects this connection.
	 * For the same reason the appends are grouped, GROUP to a transaction
	 * (store_append joins a transaction opened with its key). */
	if (sqlite3_exec(store_db(s), "PRAGMA synchronous = OFF", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "mkfeed: %s\n", sqlite3_errmsg(store_db(s)));
		return 1;
	}
	store_set_budgets(s, 0, 0);
	int64_t t0 = clock_now_ms();
	int rc = 0;
	for (long i = 0; i < n; i++) {
		if (i % GROUP == 0 && ((i > 0 && store_commit(s, k)) || store_begin(s, k, "mkfeed"))) {
			fprintf(stderr, "mkfeed: %s\n", err_msg());
			rc = 1;
			break;
		}
		Mutua__Offer o = MUTUA__OFFER__INIT;
		Mutua__Body b = MUTUA__BODY__INIT;
		snprintf(title, sizeof title, "Test offer %ld", i + 1);
		o.kind = MUTUA__KIND__KIND_EQUIPMENT;
		o.title = title;
		o.unit = MUTUA__UNIT__UNIT_DAY;
		o.capacity = 1;
		o.rate = 0;
		o.description = dlen ? desc : NULL;
		b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
		b.offer = &o;
		if (store_append(s, k, &b, NULL)) {
			fprintf(stderr, "mkfeed: entry %ld: %s\n", i + 1, err_msg());
			rc = 1;
			break;
		}
	}
	if (rc == 0 && store_commit(s, k)) {
		fprintf(stderr, "mkfeed: %s\n", err_msg());
		rc = 1;
	}
	if (rc)
		store_rollback(s, k);
	int64_t ms = clock_now_ms() - t0;
	if (rc == 0)
		printf("%ld entries in %.3f s (%.0f entries/s)\n", n, ms / 1000.0,
		       ms > 0 ? n * 1000.0 / ms : (double)n * 1000);
	key_destroy(&k);
	store_close(&s);
	return rc;
}
