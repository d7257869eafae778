/* test_entry.c - golden vectors pinning the wire format, and the validity
 * rules of entry.h applied to hostile bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"
#include "entry.h"
#include "util.h"

#include <sodium.h>

#define GOLDEN_FILE "tests/vectors/golden.txt"
#define GOLDEN_TIME 1767225600000LL /* 2026-01-01T00:00:00Z */

static struct key *gkey;       /* from the seed 0x01..0x20 */
static uint8_t gfed[FED_ID_BYTES]; /* 32 bytes of 0xaa */
static char *golden_text;      /* the file, read once */

static int group_setup(void **state)
{
	(void)state;
	uint8_t seed[32];
	if (sodium_init() < 0)
		return -1;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(i + 1);
	memset(gfed, 0xaa, sizeof gfed);
	gkey = key_new(seed);
	size_t len;
	golden_text = (char *)file_read(GOLDEN_FILE, 1 << 20, &len);
	if (!golden_text)
		fprintf(stderr, "# %s (run from the repository root)\n", err_msg());
	return gkey ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	key_destroy(&gkey);
	free(golden_text);
	return 0;
}

/* The two golden entries, as the format's authors mean them to be built. */
static char endpoint1[] = "tcp://127.0.0.1:7650";
static char *endpoints1[] = {endpoint1};

static void golden_header(Mutua__Body *b, uint64_t seq, const uint8_t *prev, int64_t time)
{
	b->federation.data = gfed;
	b->federation.len = FED_ID_BYTES;
	b->author.data = gkey->id;
	b->author.len = KEY_ID_BYTES;
	b->seq = seq;
	b->has_prev = prev != NULL;
	b->prev.data = (uint8_t *)prev;
	b->prev.len = prev ? ENTRY_ID_BYTES : 0;
	b->time = time;
}

static void golden_first(struct entry *e)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Profile p = MUTUA__PROFILE__INIT;
	golden_header(&b, 1, NULL, GOLDEN_TIME);
	p.name = "R\xc3\xa9gie de quartier Nord";
	p.college = "structures";
	p.transport_key.data = gkey->xpk;
	p.transport_key.len = KEY_X_BYTES;
	p.endpoints = endpoints1;
	p.n_endpoints = 1;
	b.payload_case = MUTUA__BODY__PAYLOAD_PROFILE;
	b.profile = &p;
	if (entry_seal(e, gkey, &b) != 0)
		fail_msg("sealing the first golden entry: %s", err_msg());
}

static void golden_second(struct entry *e, const uint8_t *prev)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	golden_header(&b, 2, prev, GOLDEN_TIME + 60000);
	o.kind = 1; /* vehicle */
	o.title = "Camion 20 m\xc2\xb3";
	o.unit = 2; /* day */
	o.capacity = 1;
	o.rate = 2500;
	o.location = "Orl\xc3\xa9" "ans";
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	if (entry_seal(e, gkey, &b) != 0)
		fail_msg("sealing the second golden entry: %s", err_msg());
}

/* The hex value of name in the golden file, in a static buffer. */
static const char *golden(const char *name)
{
	static char val[2 * ENTRY_BODY_MAX + 1];
	size_t nl = strlen(name);
	if (!golden_text)
		fail_msg("cannot read %s", GOLDEN_FILE);
	for (const char *l = golden_text; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		if (*l == '#' || strncmp(l, name, nl) != 0)
			continue;
		const char *p = l + nl;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '=')
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, " \t\r\n");
		if (n >= sizeof val)
			fail_msg("golden value '%s' too long", name);
		memcpy(val, p, n);
		val[n] = 0;
		return val;
	}
	fail_msg("%s has no value '%s'", GOLDEN_FILE, name);
	return NULL;
}

static void check_golden(const char *name, const uint8_t *bytes, size_t len)
{
	char *hex = malloc(2 * len + 1);
	assert_non_null(hex);
	hex_encode(hex, bytes, len);
	if (getenv("MUTUA_GOLDEN_PRINT")) { /* to regenerate the file */
		printf("%s = %s\n", name, hex);
		free(hex);
		return;
	}
	const char *want = golden(name);
	if (strcmp(hex, want) != 0) {
		print_error("golden vector '%s' changed: the wire format moved.\n"
			    "  expected %s\n  actual   %s\n"
			    "If the change is intended, bump the format version and update %s.\n",
			    name, want, hex, GOLDEN_FILE);
		free(hex);
		fail();
	}
	free(hex);
}

/* The golden bytes of name, decoded; malloc'd. */
static uint8_t *golden_bytes(const char *name, size_t *len)
{
	const char *hex = golden(name);
	*len = strlen(hex) / 2;
	uint8_t *b = malloc(*len ? *len : 1);
	assert_non_null(b);
	assert_int_equal(hex_decode(b, *len, hex), 0);
	return b;
}

static void test_golden_keys(void **state)
{
	(void)state;
	check_golden("ed25519_public", gkey->id, KEY_ID_BYTES);
	check_golden("x25519_public", gkey->xpk, KEY_X_BYTES);
}

static void test_golden_entries(void **state)
{
	(void)state;
	struct entry e1, e2;
	golden_first(&e1);
	uint8_t link1[ENTRY_ID_BYTES];
	entry_link(link1, e1.id, e1.sig);
	golden_second(&e2, link1);
	check_golden("body_1", e1.body, e1.body_len);
	check_golden("sig_1", e1.sig, KEY_SIG_BYTES);
	check_golden("id_1", e1.id, ENTRY_ID_BYTES);
	check_golden("link_1", link1, ENTRY_ID_BYTES);
	check_golden("body_2", e2.body, e2.body_len);
	check_golden("sig_2", e2.sig, KEY_SIG_BYTES);
	check_golden("id_2", e2.id, ENTRY_ID_BYTES);
	assert_int_equal(entry_verify(&e1), 0);
	assert_int_equal(entry_verify(&e2), 0);
	entry_free(&e1);
	entry_free(&e2);
}

/* The stored vectors mean what the format says, checked with libsodium
 * directly rather than through the code under test. */
static void test_golden_independent(void **state)
{
	(void)state;
	static const char *const names[][3] = {{"body_1", "sig_1", "id_1"},
					       {"body_2", "sig_2", "id_2"}};
	size_t pkl;
	uint8_t *pk = golden_bytes("ed25519_public", &pkl);
	assert_int_equal(pkl, 32);
	uint8_t prev[32] = {0};
	for (int i = 0; i < 2; i++) {
		size_t bl, sl, il;
		uint8_t *body = golden_bytes(names[i][0], &bl);
		uint8_t *sig = golden_bytes(names[i][1], &sl);
		uint8_t *id = golden_bytes(names[i][2], &il);
		assert_int_equal(sl, 64);
		assert_int_equal(il, 32);
		uint8_t h[32];
		crypto_generichash(h, 32, body, bl, NULL, 0);
		assert_memory_equal(h, id, 32);
		uint8_t *m = malloc(15 + bl);
		assert_non_null(m);
		memcpy(m, "mutua entry v2\0", 15);
		memcpy(m + 15, body, bl);
		assert_int_equal(crypto_sign_verify_detached(sig, m, 15 + bl, pk), 0);
		/* without the domain prefix the signature does not hold */
		assert_int_not_equal(crypto_sign_verify_detached(sig, body, bl, pk), 0);
		free(m);

		struct entry e;
		assert_int_equal(entry_decode(&e, body, bl, sig, sl), 0);
		assert_int_equal(entry_verify(&e), 0);
		assert_memory_equal(e.id, id, 32);
		assert_memory_equal(e.b->author.data, pk, 32);
		assert_memory_equal(e.b->federation.data, gfed, 32);
		assert_int_equal(e.b->seq, (uint64_t)i + 1);
		if (i == 0) {
			assert_false(e.b->has_prev);
			assert_int_equal(e.b->payload_case, MUTUA__BODY__PAYLOAD_PROFILE);
			assert_string_equal(e.b->profile->name, "R\xc3\xa9gie de quartier Nord");
			assert_string_equal(e.b->profile->college, "structures");
			assert_int_equal(e.b->profile->n_endpoints, 1);
			assert_string_equal(e.b->profile->endpoints[0], "tcp://127.0.0.1:7650");
			assert_memory_equal(e.b->profile->transport_key.data, gkey->xpk, 32);
		} else {
			assert_true(e.b->has_prev);
			assert_memory_equal(e.b->prev.data, prev, 32);
			assert_int_equal(e.b->payload_case, MUTUA__BODY__PAYLOAD_OFFER);
			assert_int_equal(e.b->offer->kind, 1);
			assert_string_equal(e.b->offer->title, "Camion 20 m\xc2\xb3");
			assert_int_equal(e.b->offer->unit, 2);
			assert_int_equal(e.b->offer->capacity, 1);
			assert_int_equal(e.b->offer->rate, 2500);
			assert_string_equal(e.b->offer->location, "Orl\xc3\xa9" "ans");
		}
		/* format 2: the next entry names BLAKE2b-256(id || sig) */
		uint8_t idsig[96];
		memcpy(idsig, id, 32);
		memcpy(idsig + 32, sig, 64);
		crypto_generichash(prev, 32, idsig, sizeof idsig, NULL, 0);
		entry_free(&e);
		free(body);
		free(sig);
		free(id);
	}
	free(pk);
}

/* Hostile bytes. A hand-built offer entry (seq 2), encoded as protobuf-c
 * would, then damaged in one way per test. */
struct hand {
	uint64_t seq;
	int prev;          /* include a prev field */
	size_t prev_len;
	uint32_t kind, unit;
	uint64_t capacity;
	const char *title;
	size_t title_len;
	int offer_extra;   /* append unknown field 99 inside the offer */
};

static const uint8_t dummy_sig[KEY_SIG_BYTES];
/* one byte more than an id, for the too-long prev */
static const uint8_t some_prev[ENTRY_ID_BYTES + 1] = {1, 2, 3, 4, 5, 6, 7, 8};

static struct hand hand_default(void)
{
	struct hand h = {2, 1, 32, 1, 2, 3, "Remorque", 8, 0};
	return h;
}

static void hand_offer(struct pb *out, const struct hand *h)
{
	struct pb o = {.n = 0};
	pb_uint(&o, 1, h->kind);
	pb_bytes(&o, 2, h->title, h->title_len);
	pb_uint(&o, 3, h->unit);
	pb_uint(&o, 4, h->capacity);
	pb_uint(&o, 5, 1500);
	pb_str(&o, 6, "Tours");
	if (h->offer_extra)
		pb_uint(&o, 99, 1);
	pb_bytes(out, 11, o.b, o.n);
}

static void hand_header(struct pb *p, const struct hand *h)
{
	pb_bytes(p, 1, gfed, FED_ID_BYTES);
	pb_bytes(p, 2, gkey->id, KEY_ID_BYTES);
	pb_uint(p, 3, h->seq);
	if (h->prev)
		pb_bytes(p, 4, some_prev, h->prev_len);
	pb_uint(p, 5, GOLDEN_TIME);
}

static void hand_body(struct pb *p, const struct hand *h)
{
	p->n = 0;
	hand_header(p, h);
	hand_offer(p, h);
}

/* entry_decode must refuse these bytes for the reason given. */
#define refused(body, len, why) refused_at(body, len, why, __LINE__)
static void refused_at(const uint8_t *body, size_t len, const char *why, int line)
{
	struct entry e;
	err_set("sentinel");
	if (entry_decode(&e, body, len, dummy_sig, sizeof dummy_sig) == 0) {
		entry_free(&e);
		fail_msg("line %d: entry_decode accepted bytes that should fail with '%s'",
			 line, why);
	}
	if (!strstr(err_msg(), why))
		fail_msg("line %d: entry_decode failed with '%s', expected '%s'", line,
			 err_msg(), why);
	assert_null(e.b);
	assert_null(e.body);
}

static void accepted(const uint8_t *body, size_t len)
{
	struct entry e;
	if (entry_decode(&e, body, len, dummy_sig, sizeof dummy_sig) != 0)
		fail_msg("entry_decode refused good bytes: %s", err_msg());
	entry_free(&e);
}

#define refused_hand(h, why) refused_hand_at(h, why, __LINE__)
static void refused_hand_at(const struct hand *h, const char *why, int line)
{
	struct pb p;
	hand_body(&p, h);
	refused_at(p.b, p.n, why, line);
}

/* The hand encoder writes exactly what protobuf-c writes, so that every
 * refusal below is due to the one damage made, not to the encoder. */
static void test_hand_encoder_is_canonical(void **state)
{
	(void)state;
	struct hand h = hand_default();
	struct pb p;
	hand_body(&p, &h);
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	golden_header(&b, 2, some_prev, GOLDEN_TIME);
	o.kind = 1;
	o.title = "Remorque";
	o.unit = 2;
	o.capacity = 3;
	o.rate = 1500;
	o.location = "Tours";
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	size_t n = mutua__body__get_packed_size(&b);
	uint8_t buf[1024];
	assert_int_equal(n, p.n);
	mutua__body__pack(&b, buf);
	assert_memory_equal(buf, p.b, n);
	accepted(p.b, p.n);
}

static void test_decode_sizes(void **state)
{
	(void)state;
	struct entry e;
	struct hand h = hand_default();
	struct pb p;
	hand_body(&p, &h);
	uint8_t sig[KEY_SIG_BYTES + 1] = {0};

	/* body too large: refused before any parsing */
	uint8_t *big = calloc(1, ENTRY_BODY_MAX + 1);
	assert_non_null(big);
	memcpy(big, p.b, p.n);
	err_set("sentinel");
	assert_int_equal(entry_decode(&e, big, ENTRY_BODY_MAX + 1, sig, KEY_SIG_BYTES), -1);
	assert_non_null(strstr(err_msg(), "too large"));
	free(big);

	err_set("sentinel");
	assert_int_equal(entry_decode(&e, p.b, 0, sig, KEY_SIG_BYTES), -1);
	assert_non_null(strstr(err_msg(), "empty"));

	/* signature length */
	size_t bad_sig[] = {0, 32, KEY_SIG_BYTES - 1, KEY_SIG_BYTES + 1};
	for (size_t i = 0; i < sizeof bad_sig / sizeof *bad_sig; i++) {
		err_set("sentinel");
		assert_int_equal(entry_decode(&e, p.b, p.n, sig, bad_sig[i]), -1);
		assert_non_null(strstr(err_msg(), "signature must be 64 bytes"));
	}
	assert_int_equal(entry_decode(&e, p.b, p.n, sig, KEY_SIG_BYTES), 0);
	assert_int_equal(e.body_len, p.n);
	assert_memory_equal(e.body, p.b, p.n);
	entry_free(&e);

	/* a truncated body is not protobuf */
	refused(p.b, p.n - 1, "not a valid protobuf");
	refused((const uint8_t *)"\xff\xff\xff", 3, "not a valid protobuf");
}

static void test_decode_unknown_fields(void **state)
{
	(void)state;
	struct hand h = hand_default();
	struct pb p;

	/* a valid field 99 after a valid body */
	hand_body(&p, &h);
	pb_uint(&p, 99, 1);
	refused(p.b, p.n, "unknown fields");
	hand_body(&p, &h);
	pb_str(&p, 99, "x");
	refused(p.b, p.n, "unknown fields");

	/* inside the offer */
	h.offer_extra = 1;
	refused_hand(&h, "offer has unknown fields");

	/* payload number 60, length-delimited, instead of a known payload */
	h = hand_default();
	p.n = 0;
	hand_header(&p, &h);
	pb_bytes(&p, 60, "\x08\x01", 2);
	refused(p.b, p.n, "unknown payload type");

	/* no payload at all */
	p.n = 0;
	hand_header(&p, &h);
	refused(p.b, p.n, "unknown payload type");
}

static void test_decode_non_canonical(void **state)
{
	(void)state;
	struct hand h = hand_default();
	struct pb p = {.n = 0}, q;

	/* author before federation */
	pb_bytes(&p, 2, gkey->id, KEY_ID_BYTES);
	pb_bytes(&p, 1, gfed, FED_ID_BYTES);
	pb_uint(&p, 3, h.seq);
	pb_bytes(&p, 4, some_prev, 32);
	pb_uint(&p, 5, GOLDEN_TIME);
	hand_offer(&p, &h);
	refused(p.b, p.n, "canonical");

	/* seq written twice (the decoder keeps the last one) */
	hand_body(&p, &h);
	q.n = 0;
	pb_uint(&q, 3, h.seq);
	pb_raw(&q, p.b, p.n);
	refused(q.b, q.n, "canonical");

	/* field 6, the actor of old (reserved): unknown to this version */
	hand_body(&p, &h);
	pb_str(&p, 6, "Camille");
	refused(p.b, p.n, "unknown fields");

	/* a varint with a redundant continuation byte: seq 2 as 0x82 0x00 */
	p.n = 0;
	pb_bytes(&p, 1, gfed, FED_ID_BYTES);
	pb_bytes(&p, 2, gkey->id, KEY_ID_BYTES);
	pb_raw(&p, "\x18\x82\x00", 3);
	pb_bytes(&p, 4, some_prev, 32);
	pb_uint(&p, 5, GOLDEN_TIME);
	hand_offer(&p, &h);
	refused(p.b, p.n, "canonical");

	/* the offer written twice, which protobuf merges into one */
	hand_body(&p, &h);
	hand_offer(&p, &h);
	refused(p.b, p.n, "canonical");

	/* a partial second offer: not even a valid message on its own */
	hand_body(&p, &h);
	struct pb tail = {.n = 0};
	pb_uint(&tail, 5, 1500);
	pb_bytes(&p, 11, tail.b, tail.n);
	refused(p.b, p.n, "not a valid protobuf");
}

static void test_decode_text(void **state)
{
	(void)state;
	struct hand h = hand_default();

	h.title = "Camion\xff";
	h.title_len = 7;
	refused_hand(&h, "title is not valid UTF-8 at byte 7");
	h.title = "Caf\xc3";
	h.title_len = 4;
	refused_hand(&h, "title is not valid UTF-8 at byte 4");
	h.title = "\xed\xa0\x80";
	h.title_len = 3;
	refused_hand(&h, "title is not valid UTF-8 at byte 1");
	/* valid UTF-8 that a node refuses all the same, saying which character */
	h.title = "two\nlines";
	h.title_len = 9;
	refused_hand(&h, "title: control character U+000A at position 4");
	h.title = "bell\a";
	h.title_len = 5;
	refused_hand(&h, "title: control character U+0007 at position 5");
	/* what format 1 let through stays accepted on receipt (text.h,
	 * TEXT_SIGNED): a TAB, C1 and bidirectional controls, format
	 * characters. This node signs none of them (entry_check_new) */
	static const char *const kept[] = {
		"a\tb", "\xc3\xa9t\xc3\xa9\xc2\x9b" "31m", "fac\xe2\x80\xae" "exe.pdf",
		"van\xe2\x80\xa8two",
	};
	static const char *const why[] = {
		"title: control character U+0009 at position 2",
		"title: control character U+009B at position 4",
		"title: bidirectional control U+202E at position 4",
		"title: format character U+2028 at position 4",
	};
	for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
		struct pb kp;
		struct entry e;
		h.title = kept[i];
		h.title_len = strlen(kept[i]);
		hand_body(&kp, &h);
		assert_int_equal(entry_decode(&e, kp.b, kp.n, dummy_sig, sizeof dummy_sig), 0);
		err_set("sentinel");
		assert_int_equal(entry_check_new(e.b), -1);
		if (!strstr(err_msg(), why[i]))
			fail_msg("entry_check_new: '%s' lacks '%s'", err_msg(), why[i]);
		entry_free(&e);
	}

	/* a NUL inside the title: C would read "Cam" and hide the rest */
	h.title = "Cam\0ion";
	h.title_len = 7;
	refused_hand(&h, "canonical");
	h.title = "\0";
	h.title_len = 1;
	refused_hand(&h, "empty title");

	h.title = "";
	h.title_len = 0;
	refused_hand(&h, "empty title");

	char longt[TITLE_MAX_LEN + 2];
	memset(longt, 'a', sizeof longt);
	h.title = longt;
	h.title_len = TITLE_MAX_LEN + 1;
	refused_hand(&h, "title is too long");
	h.title_len = TITLE_MAX_LEN;
	struct pb p;
	hand_body(&p, &h);
	accepted(p.b, p.n);
}

static void test_decode_seq_prev(void **state)
{
	(void)state;
	struct hand h = hand_default();
	struct pb p;

	h.seq = 0;
	h.prev = 0;
	refused_hand(&h, "seq 0 out of range");
	h.seq = (uint64_t)INT64_MAX + 1;
	h.prev = 1;
	refused_hand(&h, "out of range");
	h.seq = 2;
	h.prev = 0;
	refused_hand(&h, "wrong prev");
	h.seq = 1;
	h.prev = 1;
	refused_hand(&h, "wrong prev");
	h.prev_len = 0;
	refused_hand(&h, "wrong prev");
	h.seq = 2;
	h.prev_len = 31;
	refused_hand(&h, "wrong prev");
	h.prev_len = 33;
	refused_hand(&h, "wrong prev");

	/* the good ones around them */
	h = hand_default();
	h.seq = 1;
	h.prev = 0;
	hand_body(&p, &h);
	accepted(p.b, p.n);
	h.seq = INT64_MAX;
	h.prev = 1;
	hand_body(&p, &h);
	accepted(p.b, p.n);
}

static void test_decode_offer_values(void **state)
{
	(void)state;
	struct hand h = hand_default();
	struct pb p;

	h.kind = 0;
	refused_hand(&h, "unknown kind 0");
	h.kind = 7;
	refused_hand(&h, "unknown kind 7");
	h.kind = 6;
	hand_body(&p, &h);
	accepted(p.b, p.n);

	h = hand_default();
	h.unit = 0;
	refused_hand(&h, "unknown unit");
	h.unit = 6;
	refused_hand(&h, "unknown unit");

	h = hand_default();
	h.capacity = 0;
	refused_hand(&h, "capacity 0 out of range");
	h.capacity = CAPACITY_MAX + 1;
	refused_hand(&h, "out of range");
	h.capacity = CAPACITY_MAX;
	hand_body(&p, &h);
	accepted(p.b, p.n);
}

/* Packs b as protobuf-c would and decodes it with a dummy signature. */
#define pack_refused(b, why) pack_refused_at(b, why, __LINE__)
static void pack_refused_at(const Mutua__Body *b, const char *why, int line)
{
	uint8_t buf[4096];
	size_t n = mutua__body__get_packed_size(b);
	assert_true(n <= sizeof buf);
	mutua__body__pack(b, buf);
	refused_at(buf, n, why, line);
}

static void pack_accepted(const Mutua__Body *b)
{
	uint8_t buf[4096];
	size_t n = mutua__body__get_packed_size(b);
	assert_true(n <= sizeof buf);
	mutua__body__pack(b, buf);
	accepted(buf, n);
}

static void test_decode_header_fields(void **state)
{
	(void)state;
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__OfferWithdraw w = MUTUA__OFFER_WITHDRAW__INIT;
	uint8_t offer_id[33] = {9};
	golden_header(&b, 3, some_prev, GOLDEN_TIME);
	w.offer.data = offer_id;
	w.offer.len = 32;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW;
	b.offer_withdraw = &w;
	pack_accepted(&b);

	b.federation.len = 31;
	pack_refused(&b, "federation id must be 32 bytes");
	b.federation.len = 32;
	b.author.len = 33;
	pack_refused(&b, "author must be 32 bytes");
	b.author.len = 32;
	/* times inside ENTRY_TIME_MIN..ENTRY_TIME_MAX, bounds included */
	static const int64_t bad_times[] = {-1, 0, ENTRY_TIME_MIN - 1, ENTRY_TIME_MAX + 1,
					    INT64_MAX, INT64_MIN};
	for (size_t i = 0; i < sizeof bad_times / sizeof *bad_times; i++) {
		b.time = bad_times[i];
		pack_refused(&b, "time out of range");
	}
	b.time = ENTRY_TIME_MIN;
	pack_accepted(&b);
	b.time = ENTRY_TIME_MAX;
	pack_accepted(&b);
	b.time = GOLDEN_TIME;
	pack_accepted(&b);
	w.offer.len = 33;
	pack_refused(&b, "offer id must be 32 bytes");
}

/* Issue 16: an offer's terms, a request's confirmations, a step's
 * condition report and forfeit, each field bounded and in its place. */
static void test_decode_terms_and_reports(void **state)
{
	(void)state;
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	golden_header(&b, 3, some_prev, GOLDEN_TIME);
	o.kind = 1;
	o.title = "Fourgon";
	o.unit = 2;
	o.capacity = 1;
	o.conditions = "Plein au retour";
	char r_ins[] = "insurance", r_b[] = "licence:B", r_c1[] = "licence:C1";
	char r_bad[] = "licence:b", r_long[] = "licence:ABCDE", r_other[] = "permis";
	char *reqs[3] = {r_ins, r_b, r_c1};
	o.requires = reqs;
	o.n_requires = 3;
	o.has_deposit = 1;
	o.deposit = 20000;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	pack_accepted(&b);
	char *unsorted[2] = {r_b, r_ins}, *twice[2] = {r_b, r_b};
	o.requires = unsorted;
	o.n_requires = 2;
	pack_refused(&b, "requirements must be sorted, each once");
	o.requires = twice;
	pack_refused(&b, "requirements must be sorted, each once");
	char *bad[1] = {r_bad};
	o.requires = bad;
	o.n_requires = 1;
	pack_refused(&b, "'licence:b' is no requirement");
	bad[0] = r_long;
	pack_refused(&b, "'licence:ABCDE' is no requirement");
	bad[0] = r_other;
	pack_refused(&b, "'permis' is no requirement");
	o.n_requires = 0;
	o.deposit = 0;
	pack_refused(&b, "offer deposit out of range");
	o.deposit = DEPOSIT_MAX + 1;
	pack_refused(&b, "offer deposit out of range");
	o.deposit = DEPOSIT_MAX;
	o.conditions = "a\x1b[2Jb";
	pack_refused(&b, "conditions: control character");
	o.conditions = NULL;
	pack_accepted(&b);

	/* a request's confirmations */
	Mutua__Request r = MUTUA__REQUEST__INIT;
	uint8_t res[33] = {7}, hash[33] = {8};
	r.resource = (ProtobufCBinaryData){32, res};
	r.start = GOLDEN_TIME;
	r.end = GOLDEN_TIME + 1000;
	r.quantity = 1;
	r.requires = reqs;
	r.n_requires = 2;
	r.has_deposit = 1;
	r.deposit = 20000;
	r.has_estimate = 1;
	r.estimate = 120000;
	r.has_conditions = 1;
	r.conditions = (ProtobufCBinaryData){32, hash};
	b.payload_case = MUTUA__BODY__PAYLOAD_REQUEST;
	b.request = &r;
	pack_accepted(&b);
	r.conditions.len = 31;
	pack_refused(&b, "conditions hash must be 32 bytes");
	r.conditions.len = 32;
	r.estimate = USAGE_MAX + 1;
	pack_refused(&b, "request estimate out of range");
	r.estimate = 0;
	r.deposit = DEPOSIT_MAX + 1;
	pack_refused(&b, "request deposit out of range");
	r.deposit = 0;
	r.requires = unsorted;
	pack_refused(&b, "requirements must be sorted");

	/* a condition report: on a handover, a return or a close only; a
	 * photo is a 32-byte hash, never a file nor another length */
	Mutua__Transition t = MUTUA__TRANSITION__INIT;
	Mutua__ConditionReport cr = MUTUA__CONDITION_REPORT__INIT;
	uint8_t req[33] = {5}, ph[2][64] = {{1}, {2}}; /* up to the 64 bytes a refused hash claims */
	ProtobufCBinaryData photos[PHOTOS_MAX + 1];
	for (size_t i = 0; i <= PHOTOS_MAX; i++)
		photos[i] = (ProtobufCBinaryData){32, ph[i % 2]};
	t.request = (ProtobufCBinaryData){32, req};
	cr.has_meter = 1;
	cr.meter = 48210;
	cr.has_fuel = 1;
	cr.fuel = 100;
	cr.damage = "rayure";
	cr.photos = photos;
	cr.n_photos = 2;
	t.report = &cr;
	b.payload_case = MUTUA__BODY__PAYLOAD_HANDOVER;
	b.handover = &t;
	pack_accepted(&b);
	photos[1].len = 31;
	pack_refused(&b, "photo hash must be 32 bytes, not 31");
	photos[1].len = 33;
	pack_refused(&b, "photo hash must be 32 bytes, not 33");
	photos[1].len = 64;
	pack_refused(&b, "photo hash must be 32 bytes, not 64");
	photos[1].len = 32;
	cr.n_photos = PHOTOS_MAX + 1;
	pack_refused(&b, "condition report of 17 photos");
	cr.n_photos = PHOTOS_MAX;
	pack_accepted(&b);
	cr.fuel = 101;
	pack_refused(&b, "fuel 101 is not a percentage");
	cr.fuel = 0;
	cr.meter = METER_MAX + 1;
	pack_refused(&b, "meter out of range");
	cr.meter = 0;
	b.payload_case = MUTUA__BODY__PAYLOAD_GIVE_BACK;
	b.give_back = &t;
	pack_accepted(&b);
	b.payload_case = MUTUA__BODY__PAYLOAD_ACCEPT;
	b.accept = &t;
	pack_refused(&b, "accept carries a condition report");
	b.payload_case = MUTUA__BODY__PAYLOAD_AGREE;
	b.agree = &t;
	pack_refused(&b, "agree carries a condition report");
	/* a forfeit: the close's only */
	t.report = NULL;
	t.has_forfeit = 1;
	t.forfeit = 4000;
	pack_refused(&b, "agree carries a forfeit");
	b.payload_case = MUTUA__BODY__PAYLOAD_CLOSE;
	b.close = &t;
	pack_accepted(&b);
	t.forfeit = 0;
	pack_refused(&b, "forfeit out of range");
}

static void test_decode_profile(void **state)
{
	(void)state;
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Profile p = MUTUA__PROFILE__INIT;
	char ep_ok[] = "tcp://node.example.org:7650", ep_ipc[] = "ipc:///run/mutua.sock";
	char ep_bad[] = "http://example.org", ep_port[] = "tcp://host:70000";
	char ep_space[] = "tcp://ho st:1";
	char *eps[ENDPOINTS_MAX + 1];
	golden_header(&b, 1, NULL, GOLDEN_TIME);
	p.name = "Ohé du Bateau";
	p.transport_key.data = gkey->xpk;
	p.transport_key.len = 32;
	b.payload_case = MUTUA__BODY__PAYLOAD_PROFILE;
	b.profile = &p;
	pack_accepted(&b);

	p.name = "";
	pack_refused(&b, "empty name");
	p.name = "Oh\xc3";
	pack_refused(&b, "name is not valid UTF-8 at byte 3");
	p.name = "Ohé";
	p.college = "a\nb";
	pack_refused(&b, "college: control character U+000A at position 2");
	p.college = NULL;
	p.transport_key.len = 31;
	pack_refused(&b, "transport key must be 32 bytes");
	p.transport_key.len = 32;

	p.endpoints = eps;
	for (int i = 0; i <= ENDPOINTS_MAX; i++)
		eps[i] = i % 2 ? ep_ipc : ep_ok;
	p.n_endpoints = ENDPOINTS_MAX;
	pack_accepted(&b);
	p.n_endpoints = ENDPOINTS_MAX + 1;
	pack_refused(&b, "too many endpoints");
	p.n_endpoints = 1;
	eps[0] = ep_bad;
	pack_refused(&b, "is not tcp://HOST:PORT");
	eps[0] = ep_port;
	pack_refused(&b, "is not tcp://HOST:PORT");
	eps[0] = ep_space;
	pack_refused(&b, "bad character");
}

static void test_decode_offer_update(void **state)
{
	(void)state;
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__OfferUpdate u = MUTUA__OFFER_UPDATE__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	uint8_t rid[32] = {7};
	golden_header(&b, 2, some_prev, GOLDEN_TIME);
	o.kind = 5;
	o.title = "Salle de concert";
	o.unit = 1;
	o.capacity = 1;
	o.rate = RATE_MAX;
	o.description = "Deux lignes\nde description";
	u.offer.data = rid;
	u.offer.len = 32;
	u.fields = &o;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_UPDATE;
	b.offer_update = &u;
	pack_accepted(&b);
	o.rate = RATE_MAX + 1;
	pack_refused(&b, "rate out of range");
	o.rate = 0;
	o.kind = 0;
	pack_refused(&b, "unknown kind");
	o.kind = 5;
	o.location = "\x7f";
	pack_refused(&b, "location: control character U+007F at position 1");
	o.location = NULL;
	u.offer.len = 31;
	pack_refused(&b, "offer id must be 32 bytes");
}

static void test_seal_refuses_invalid(void **state)
{
	(void)state;
	struct entry e;
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	golden_header(&b, 2, some_prev, GOLDEN_TIME);
	o.kind = 7;
	o.title = "x";
	o.unit = 1;
	o.capacity = 1;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	err_set("sentinel");
	assert_int_equal(entry_seal(&e, gkey, &b), -1);
	assert_non_null(strstr(err_msg(), "unknown kind"));
	assert_null(e.b);
	o.kind = 2;
	assert_int_equal(entry_seal(&e, gkey, &b), 0);
	assert_int_equal(entry_verify(&e), 0);
	entry_free(&e);
	assert_null(e.b);
	entry_free(&e); /* safe twice */

	/* a body beyond ENTRY_BODY_MAX is not signed */
	char *desc = malloc(ENTRY_BODY_MAX + 1);
	assert_non_null(desc);
	memset(desc, 'd', ENTRY_BODY_MAX);
	desc[ENTRY_BODY_MAX] = 0;
	o.description = desc;
	err_set("sentinel");
	assert_int_equal(entry_seal(&e, gkey, &b), -1);
	assert_non_null(strstr(err_msg(), "too large"));
	free(desc);
}

static void test_verify_flipped(void **state)
{
	(void)state;
	struct entry e, f;
	golden_first(&e);
	assert_int_equal(entry_verify(&e), 0);

	/* one bit of the signature, at several places */
	for (size_t i = 0; i < KEY_SIG_BYTES; i += 9) {
		assert_int_equal(entry_decode(&f, e.body, e.body_len, e.sig, KEY_SIG_BYTES), 0);
		f.sig[i] ^= (uint8_t)(1u << (i % 8));
		err_set("sentinel");
		assert_int_equal(entry_verify(&f), -1);
		assert_non_null(strstr(err_msg(), "bad signature"));
		entry_free(&f);
	}

	/* one bit of the body: 'N' -> 'O' in the profile's name still decodes */
	uint8_t *body = malloc(e.body_len);
	assert_non_null(body);
	memcpy(body, e.body, e.body_len);
	uint8_t *c = memmem(body, e.body_len, "Nord", 4);
	assert_non_null(c);
	*c ^= 0x01;
	assert_int_equal(entry_decode(&f, body, e.body_len, e.sig, KEY_SIG_BYTES), 0);
	assert_string_equal(f.b->profile->name, "R\xc3\xa9gie de quartier Oord");
	assert_memory_not_equal(f.id, e.id, ENTRY_ID_BYTES);
	assert_int_equal(entry_verify(&f), -1);
	entry_free(&f);

	/* every other single-bit flip of the body is refused either by
	 * entry_decode or by entry_verify */
	for (size_t i = 0; i < e.body_len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(body, e.body, e.body_len);
			body[i] ^= (uint8_t)(1u << bit);
			if (entry_decode(&f, body, e.body_len, e.sig, KEY_SIG_BYTES) == 0) {
				if (entry_verify(&f) == 0)
					fail_msg("flip of bit %d of byte %zu still verifies", bit, i);
				entry_free(&f);
			}
		}
	}
	free(body);

	/* another author's key does not verify the golden signature */
	assert_int_equal(entry_decode(&f, e.body, e.body_len, e.sig, KEY_SIG_BYTES), 0);
	f.b->author.data[0] ^= 0x80;
	assert_int_equal(entry_verify(&f), -1);
	entry_free(&f);
	entry_free(&e);
}

static void test_names(void **state)
{
	(void)state;
	uint32_t v = 99;
	assert_int_equal(entry_kind_parse("vehicle", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(entry_kind_parse("other", &v), 0);
	assert_int_equal(v, 6);
	assert_int_equal(entry_kind_parse("boat", &v), -1);
	assert_int_equal(entry_unit_parse("m3", &v), 0);
	assert_int_equal(v, 4);
	assert_int_equal(entry_unit_parse("", &v), -1);
	assert_string_equal(entry_kind_name(3), "skill");
	assert_string_equal(entry_kind_name(0), "?");
	assert_string_equal(entry_kind_name(7), "?");
	assert_string_equal(entry_unit_name(2), "day");
	assert_string_equal(entry_unit_name(6), "?");
	assert_string_equal(entry_type_name(MUTUA__BODY__PAYLOAD_OFFER_UPDATE), "offer-update");
	assert_string_equal(entry_type_name(0), "?");
}

/* A weekly series (entry_series_count): both fields or neither, the one
 * rule, until after start, at most ENTRY_SERIES_MAX weeks, none
 * overlapping the next; and the occurrence ids, pinned by a vector
 * computed independently (Python's hashlib.blake2b over "mutua
 * occurrence\0" || request || k little-endian). */
static void test_series(void **state)
{
	(void)state;
	const int64_t t0 = 1796083200000LL; /* 2026-12-01T00:00:00Z */
	const int64_t day = 86400000LL, week = 7 * day;
	Mutua__Request r = MUTUA__REQUEST__INIT;
	r.start = t0;
	r.end = t0 + 3 * 3600000LL;
	assert_int_equal(entry_series_count(&r), 1);
	r.has_repeat = 1;
	r.repeat = ENTRY_REPEAT_WEEKLY;
	assert_int_equal(entry_series_count(&r), -1);
	assert_non_null(strstr(err_msg(), "its rule (repeat) and its end (until)"));
	r.has_until = 1;
	r.until = t0 + 4 * week;           /* weeks 0..3 start before it */
	assert_int_equal(entry_series_count(&r), 4);
	r.until = t0 + 4 * week + 1;       /* and week 4 */
	assert_int_equal(entry_series_count(&r), 5);
	r.until = t0 + 52 * week + 1;
	assert_int_equal(entry_series_count(&r), 53);
	r.until = t0 + 53 * week + 1;
	assert_int_equal(entry_series_count(&r), -1);
	assert_string_equal(err_msg(), "a series of 54 occurrences: at most 53");
	r.until = t0;
	assert_int_equal(entry_series_count(&r), -1);
	r.until = t0 + 4 * week;
	r.end = t0 + week;                 /* a week long: touches the next */
	assert_int_equal(entry_series_count(&r), 4);
	r.end = t0 + week + 1;
	assert_int_equal(entry_series_count(&r), -1);
	assert_non_null(strstr(err_msg(), "overlap"));
	r.end = t0 + day;
	r.repeat = 2;
	assert_int_equal(entry_series_count(&r), -1);
	assert_string_equal(err_msg(), "series rule 2 unknown");
	r.repeat = ENTRY_REPEAT_WEEKLY;
	r.until = 7258118400000LL;         /* 2200: the last weeks would be out */
	r.start = r.until - 2 * week - 3 * day;
	r.end = r.start + 6 * day;         /* the third ends 3 days after 2200 */
	assert_int_equal(entry_series_count(&r), -1);
	assert_non_null(strstr(err_msg(), "series slot out of range"));
	r.end = r.start + 2 * day;
	assert_int_equal(entry_series_count(&r), 3);

	uint8_t req[32], id[32];
	char hex[65];
	memset(req, 0x11, sizeof req);
	entry_occurrence_id(id, req, 0);
	assert_memory_equal(id, req, 32);
	entry_occurrence_id(id, req, 1);
	hex_encode(hex, id, 32);
	assert_string_equal(hex, "c6658cd44db1ba62679ee2f4e8d05d29818015510be0de6086b68af8bf26850c");
	entry_occurrence_id(id, req, 52);
	hex_encode(hex, id, 32);
	assert_string_equal(hex, "37384c5abfdaab51d0aa2eb41f8936abbb3d39bc346b56f209ad2e7c7af78c3c");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_keys),
		cmocka_unit_test(test_golden_entries),
		cmocka_unit_test(test_golden_independent),
		cmocka_unit_test(test_hand_encoder_is_canonical),
		cmocka_unit_test(test_decode_sizes),
		cmocka_unit_test(test_decode_unknown_fields),
		cmocka_unit_test(test_decode_non_canonical),
		cmocka_unit_test(test_decode_text),
		cmocka_unit_test(test_decode_seq_prev),
		cmocka_unit_test(test_decode_offer_values),
		cmocka_unit_test(test_decode_header_fields),
		cmocka_unit_test(test_decode_profile),
		cmocka_unit_test(test_decode_offer_update),
		cmocka_unit_test(test_decode_terms_and_reports),
		cmocka_unit_test(test_seal_refuses_invalid),
		cmocka_unit_test(test_verify_flipped),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_series),
	};
	return cmocka_run_group_tests_name("entry", tests, group_setup, group_teardown);
}
