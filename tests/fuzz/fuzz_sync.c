/* fuzz_sync.c - every replication message handler, fed to a node holding
 * a small federation, as if a member's node had sent it. The input is
 * split into frames: each frame is a 16-bit little-endian length and
 * that many bytes. */
#include "fuzz.h"
#include "federation.h"
#include "log.h"
#include "store.h"
#include "sync.h"
#include "util.h"
#include "wire.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct store *store;
static struct key *me;
static struct syncer *sy;

static void setup(void)
{
	uint8_t seed[32];
	char path[256], *cards[2];
	if (sodium_init() < 0)
		abort();
	log_threshold = LOG_ERROR;
	snprintf(path, sizeof path, "%s/store.db", fuzz_tmpdir());
	memset(seed, 1, sizeof seed);
	me = key_new(seed);
	seed[0] = 2;
	struct key *other = key_new(seed);
	cards[0] = card_make(me, "Fuzz A", NULL, NULL, 0, 1000);
	cards[1] = card_make(other, "Fuzz B", NULL, NULL, 0, 1000);
	uint8_t *g;
	size_t gl;
	if (!(store = store_open(path)) || genesis_make(&g, &gl, "Fuzz", NULL, cards, 2, 0, 1000) ||
	    store_adopt_genesis(store, g, gl))
		abort();
	free(g);
	free(cards[0]);
	free(cards[1]);
	/* a few entries so that GETs find something */
	for (int i = 0; i < 3; i++) {
		Mutua__Body b = MUTUA__BODY__INIT;
		Mutua__Offer o = MUTUA__OFFER__INIT;
		o.kind = 1;
		o.title = "Camion";
		o.unit = 2;
		o.capacity = 1;
		b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
		b.offer = &o;
		if (store_append(store, me, &b, NULL))
			abort();
	}
	/* FUZZ_SEEDS=DIR writes seed inputs that this very federation accepts:
	 * a HELLO and HEADS with our heads, and B's first entries */
	const char *seeds = getenv("FUZZ_SEEDS");
	if (seeds) {
		uint8_t buf[8192], pack[4096];
		size_t plen = 0;
		uint8_t prev[32], last[32];
		for (uint64_t seq = 1; seq <= 3; seq++) {
			Mutua__Body b = MUTUA__BODY__INIT;
			Mutua__Offer o = MUTUA__OFFER__INIT;
			struct entry e;
			o.kind = 2;
			o.title = "Chambre froide";
			o.unit = 4;
			o.capacity = 12;
			b.federation.data = (uint8_t *)store_fed_id(store);
			b.federation.len = 32;
			b.author.data = other->id;
			b.author.len = 32;
			b.seq = seq;
			b.has_prev = seq > 1;
			b.prev.data = prev;
			b.prev.len = seq > 1 ? 32 : 0;
			b.time = ENTRY_TIME_MIN + (int64_t)seq;
			b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
			b.offer = &o;
			if (entry_seal(&e, other, &b))
				abort();
			entry_link(prev, e.id, e.sig);
			memcpy(last, e.id, 32);
			wire_pack_add(pack, sizeof pack, &plen, e.body, e.body_len, e.sig);
			entry_free(&e);
		}
		FILE *f;
		char p[512];
		size_t n = 0;
		/* ENTRIES | B | pack */
		buf[n++] = 7; buf[n++] = 0; memcpy(buf + n, "ENTRIES", 7); n += 7;
		buf[n++] = 32; buf[n++] = 0; memcpy(buf + n, other->id, 32); n += 32;
		buf[n++] = (uint8_t)plen; buf[n++] = (uint8_t)(plen >> 8);
		memcpy(buf + n, pack, plen); n += plen;
		snprintf(p, sizeof p, "%s/entries-b", seeds);
		if ((f = fopen(p, "wb"))) {
			fwrite(buf, 1, n, f);
			fclose(f);
		}
		/* PUSH | B's head (seq 3) | pack */
		n = 0;
		buf[n++] = 4; buf[n++] = 0; memcpy(buf + n, "PUSH", 4); n += 4;
		buf[n++] = 72; buf[n++] = 0;
		memcpy(buf + n, other->id, 32);
		for (int i = 0; i < 8; i++)
			buf[n + 32 + i] = i == 0 ? 3 : 0;
		memcpy(buf + n + 40, last, 32);
		n += 72;
		buf[n++] = (uint8_t)plen; buf[n++] = (uint8_t)(plen >> 8);
		memcpy(buf + n, pack, plen); n += plen;
		snprintf(p, sizeof p, "%s/push-b", seeds);
		if ((f = fopen(p, "wb"))) {
			fwrite(buf, 1, n, f);
			fclose(f);
		}
		/* HELLO | fed | one head */
		uint64_t seq;
		uint8_t id[32];
		store_head(store, me->id, &seq, id);
		n = 0;
		buf[n++] = 5; buf[n++] = 0; memcpy(buf + n, "HELLO", 5); n += 5;
		buf[n++] = 32; buf[n++] = 0; memcpy(buf + n, store_fed_id(store), 32); n += 32;
		buf[n++] = 72; buf[n++] = 0;
		memcpy(buf + n, me->id, 32);
		for (int i = 0; i < 8; i++)
			buf[n + 32 + i] = (uint8_t)((seq + 1) >> (8 * i));
		memcpy(buf + n + 40, id, 32);
		n += 72;
		snprintf(p, sizeof p, "%s/hello-ahead", seeds);
		if ((f = fopen(p, "wb"))) {
			fwrite(buf, 1, n, f);
			fclose(f);
		}
	}
	key_destroy(&other);
	if (!(sy = syncer_new(store, me, NULL)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *frames[4];
	size_t lens[4];
	int n = 0;
	if (!sy)
		setup();
	while (size >= 2 && n < 4) {
		size_t len = (size_t)data[0] | (size_t)data[1] << 8;
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		frames[n] = data;
		lens[n++] = len;
		data += len;
		size -= len;
	}
	if (n)
		syncer_inject(sy, frames, lens, n);
	return 0;
}
