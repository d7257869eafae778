/* test_federation.c - member cards and the genesis document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_helpers.h"
#include "entry.h"
#include "federation.h"
#include "util.h"

#include <sodium.h>

#define T0 1767225600000LL

static struct key *ka, *kb, *kc;
static char ep1[] = "tcp://10.0.0.1:7650", ep2[] = "ipc:///run/mutua/sock";
static char *eps[] = {ep1, ep2};

static int group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	ka = key_seeded(1);
	kb = key_seeded(2);
	kc = key_seeded(3);
	return ka && kb && kc ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	key_destroy(&ka);
	key_destroy(&kb);
	key_destroy(&kc);
	return 0;
}

static char *card_a(void)
{
	char *c = card_make(ka, "R\xc3\xa9gie de quartier Nord", "structures", eps, 2, T0);
	if (!c)
		fail_msg("card_make: %s", err_msg());
	return c;
}

/* The Card bytes inside a card text (after the prefix). */
static uint8_t *card_bytes(const char *text, size_t *len)
{
	const char *b64 = text + strlen(CARD_PREFIX);
	size_t max = strlen(b64);
	uint8_t *out = malloc(max);
	assert_non_null(out);
	assert_int_equal(sodium_base642bin(out, max, b64, strlen(b64), " \t\r\n", len,
					   NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	return out;
}

static char *card_text(const uint8_t *bytes, size_t len)
{
	size_t pl = strlen(CARD_PREFIX);
	size_t bl = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *t = malloc(pl + bl);
	assert_non_null(t);
	memcpy(t, CARD_PREFIX, pl);
	sodium_bin2base64(t + pl, bl, bytes, len, sodium_base64_VARIANT_ORIGINAL);
	return t;
}

static void card_refused(const char *text, const char *why)
{
	err_set("sentinel");
	Mutua__CardBody *cb = card_parse(text);
	if (cb) {
		mutua__card_body__free_unpacked(cb, NULL);
		fail_msg("card_parse accepted a card that should fail with '%s'", why);
	}
	if (!strstr(err_msg(), why))
		fail_msg("card_parse failed with '%s', expected '%s'", err_msg(), why);
}

static void test_card_round_trip(void **state)
{
	(void)state;
	char *text = card_a();
	assert_memory_equal(text, CARD_PREFIX, strlen(CARD_PREFIX));
	assert_null(strchr(text, '\n'));
	Mutua__CardBody *cb = card_parse(text);
	assert_non_null(cb);
	assert_int_equal(cb->id.len, 32);
	assert_memory_equal(cb->id.data, ka->id, 32);
	assert_int_equal(cb->transport_key.len, 32);
	assert_memory_equal(cb->transport_key.data, ka->xpk, 32);
	assert_string_equal(cb->name, "R\xc3\xa9gie de quartier Nord");
	assert_string_equal(cb->college, "structures");
	assert_int_equal(cb->n_endpoints, 2);
	assert_string_equal(cb->endpoints[0], ep1);
	assert_string_equal(cb->endpoints[1], ep2);
	assert_int_equal(cb->time, T0);
	mutua__card_body__free_unpacked(cb, NULL);

	/* signed with the card domain, by the card's own key */
	size_t len;
	uint8_t *bytes = card_bytes(text, &len);
	Mutua__Card *c = mutua__card__unpack(NULL, len, bytes);
	assert_non_null(c);
	assert_int_equal(c->sig.len, 64);
	uint8_t *m = malloc(sizeof CARD_SIG_DOMAIN + c->body.len);
	assert_non_null(m);
	memcpy(m, CARD_SIG_DOMAIN, sizeof CARD_SIG_DOMAIN);
	memcpy(m + sizeof CARD_SIG_DOMAIN, c->body.data, c->body.len);
	assert_int_equal(crypto_sign_verify_detached(c->sig.data, m, sizeof CARD_SIG_DOMAIN +
						     c->body.len, ka->id), 0);
	free(m);
	mutua__card__free_unpacked(c, NULL);
	free(bytes);
	free(text);

	/* no college, no endpoints */
	text = card_make(kb, "Ohé du Bateau", NULL, NULL, 0, T0);
	assert_non_null(text);
	cb = card_parse(text);
	assert_non_null(cb);
	assert_null(cb->college);
	assert_int_equal(cb->n_endpoints, 0);
	mutua__card_body__free_unpacked(cb, NULL);
	free(text);
}

static void test_card_make_refuses(void **state)
{
	(void)state;
	char bad_ep[] = "udp://1.2.3.4:5";
	char *many[ENDPOINTS_MAX + 1];
	for (int i = 0; i <= ENDPOINTS_MAX; i++)
		many[i] = ep1;
	err_set("sentinel");
	assert_null(card_make(ka, "", NULL, NULL, 0, T0));
	assert_non_null(strstr(err_msg(), "needs a name"));
	assert_null(card_make(ka, NULL, NULL, NULL, 0, T0));
	assert_null(card_make(ka, "two\nlines", NULL, NULL, 0, T0));
	assert_non_null(strstr(err_msg(), "name: control character U+000A at position 4"));
	assert_null(card_make(ka, "ok", "bad\x01", NULL, 0, T0));
	assert_non_null(strstr(err_msg(), "college"));
	char *ep = bad_ep;
	assert_null(card_make(ka, "ok", NULL, &ep, 1, T0));
	assert_non_null(strstr(err_msg(), "udp://"));
	assert_null(card_make(ka, "ok", NULL, many, ENDPOINTS_MAX + 1, T0));
	assert_non_null(strstr(err_msg(), "too many endpoints"));
	char *t = card_make(ka, "ok", NULL, many, ENDPOINTS_MAX, T0);
	assert_non_null(t);
	free(t);
}

/* Every single-bit change of the Card bytes is refused. */
static void test_card_tampered(void **state)
{
	(void)state;
	char *text = card_a();
	size_t len;
	uint8_t *bytes = card_bytes(text, &len);

	/* a flip in the signature, then in the name inside the body */
	Mutua__Card *c = mutua__card__unpack(NULL, len, bytes);
	assert_non_null(c);
	c->sig.data[10] ^= 0x01;
	uint8_t buf[CARD_MAX];
	size_t n = mutua__card__pack(c, buf);
	char *t = card_text(buf, n);
	card_refused(t, "bad signature");
	free(t);
	c->sig.data[10] ^= 0x01;
	uint8_t *name = memmem(c->body.data, c->body.len, "Nord", 4);
	assert_non_null(name);
	name[0] = 'S'; /* "Sord": still a valid CardBody */
	n = mutua__card__pack(c, buf);
	t = card_text(buf, n);
	card_refused(t, "bad signature");
	free(t);
	name[0] = 'N';
	n = mutua__card__pack(c, buf);
	t = card_text(buf, n);
	Mutua__CardBody *cb = card_parse(t); /* undamaged again */
	assert_non_null(cb);
	mutua__card_body__free_unpacked(cb, NULL);
	free(t);
	mutua__card__free_unpacked(c, NULL);

	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			bytes[i] ^= (uint8_t)(1u << bit);
			t = card_text(bytes, len);
			cb = card_parse(t);
			if (cb) {
				mutua__card_body__free_unpacked(cb, NULL);
				fail_msg("card with bit %d of byte %zu flipped was accepted", bit, i);
			}
			free(t);
			bytes[i] ^= (uint8_t)(1u << bit);
		}
	}
	free(bytes);
	free(text);
}

static void test_card_whitespace(void **state)
{
	(void)state;
	char *text = card_a();
	size_t tl = strlen(text), pl = strlen(CARD_PREFIX);
	char *wrapped = malloc(3 * tl + 64);
	assert_non_null(wrapped);
	/* a mail client's doing: a greeting, the line wrapped at 40 columns
	 * with CRLF, indentation, a trailing newline */
	size_t w = (size_t)sprintf(wrapped, "Bonjour,\r\nvoici ma carte :\r\n");
	memcpy(wrapped + w, text, pl);
	w += pl;
	for (size_t i = pl; i < tl; i++) {
		if ((i - pl) % 40 == 0 && i > pl) {
			memcpy(wrapped + w, "\r\n  \t", 5);
			w += 5;
		}
		wrapped[w++] = text[i];
	}
	memcpy(wrapped + w, "\n\n", 3);
	Mutua__CardBody *cb = card_parse(wrapped);
	if (!cb)
		fail_msg("wrapped card refused: %s", err_msg());
	assert_memory_equal(cb->id.data, ka->id, 32);
	assert_string_equal(cb->college, "structures");
	mutua__card_body__free_unpacked(cb, NULL);

	/* the prefix must start a line */
	char *inside = malloc(tl + 8);
	assert_non_null(inside);
	sprintf(inside, "see: %s", text);
	card_refused(inside, "no 'mutua-card-v1' line");
	/* nothing but whitespace or a comment may follow */
	sprintf(inside, "%s\nxyz", text);
	card_refused(inside, "bad base64");
	sprintf(inside, "%s!", text);
	card_refused(inside, "bad base64");
	/* cut short */
	memcpy(inside, text, tl - 4);
	inside[tl - 4] = 0;
	card_refused(inside, "");
	card_refused("mutua-card-v1 ", "wrong size");
	card_refused("hello", "no 'mutua-card-v1' line");
	card_refused("", "no 'mutua-card-v1' line");
	free(inside);
	free(wrapped);
	free(text);
}

static void test_card_unknown_field(void **state)
{
	(void)state;
	char *text = card_a();
	size_t len;
	uint8_t *bytes = card_bytes(text, &len);
	struct pb p = {.n = 0};
	pb_raw(&p, bytes, len);
	pb_uint(&p, 9, 1);
	char *t = card_text(p.b, p.n);
	card_refused(t, "unknown fields");
	free(t);
	free(bytes);
	free(text);
}

/* The same card with its fields in another order is refused, even when
 * the reordered body is validly signed by its own key. */
static void test_card_non_canonical(void **state)
{
	(void)state;
	char *text = card_a();
	size_t len;
	uint8_t *bytes = card_bytes(text, &len);
	Mutua__Card *c = mutua__card__unpack(NULL, len, bytes);
	assert_non_null(c);

	/* the Card with sig before body */
	struct pb p = {.n = 0};
	pb_bytes(&p, 2, c->sig.data, c->sig.len);
	pb_bytes(&p, 1, c->body.data, c->body.len);
	assert_int_equal(p.n, len);
	char *t = card_text(p.b, p.n);
	card_refused(t, "not canonical");
	free(t);

	/* a CardBody with time first, signed by A */
	Mutua__CardBody *cb = mutua__card_body__unpack(NULL, c->body.len, c->body.data);
	assert_non_null(cb);
	struct pb body = {.n = 0};
	pb_uint(&body, 6, (uint64_t)cb->time);
	pb_bytes(&body, 1, cb->id.data, 32);
	pb_bytes(&body, 2, cb->transport_key.data, 32);
	pb_str(&body, 3, cb->name);
	pb_str(&body, 4, cb->college);
	for (size_t i = 0; i < cb->n_endpoints; i++)
		pb_str(&body, 5, cb->endpoints[i]);
	assert_int_equal(body.n, c->body.len);
	uint8_t m[sizeof CARD_SIG_DOMAIN + sizeof body.b], sig[64];
	memcpy(m, CARD_SIG_DOMAIN, sizeof CARD_SIG_DOMAIN);
	memcpy(m + sizeof CARD_SIG_DOMAIN, body.b, body.n);
	crypto_sign_detached(sig, NULL, m, sizeof CARD_SIG_DOMAIN + body.n, ka->sign_sk);
	p.n = 0;
	pb_bytes(&p, 1, body.b, body.n);
	pb_bytes(&p, 2, sig, 64);
	t = card_text(p.b, p.n);
	card_refused(t, "bad fields");
	free(t);

	/* in canonical order, signed by A: a replaced key of 31 bytes, and a
	 * seq of 0, are refused in any card; 32 bytes and seq 1 are taken */
	static const struct { size_t replaces_len; uint64_t seq; int ok; } cases[] = {
		{31, 1, 0}, {33, 1, 0}, {32, 0, 0}, {32, 1, 1}};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		uint8_t old_key[33];
		memset(old_key, 0x5a, sizeof old_key);
		body.n = 0;
		pb_bytes(&body, 1, cb->id.data, 32);
		pb_bytes(&body, 2, cb->transport_key.data, 32);
		pb_str(&body, 3, cb->name);
		pb_str(&body, 4, cb->college);
		for (size_t i = 0; i < cb->n_endpoints; i++)
			pb_str(&body, 5, cb->endpoints[i]);
		pb_uint(&body, 6, (uint64_t)cb->time);
		pb_bytes(&body, 7, old_key, cases[k].replaces_len);
		pb_uint(&body, 8, cases[k].seq);
		memcpy(m + sizeof CARD_SIG_DOMAIN, body.b, body.n);
		crypto_sign_detached(sig, NULL, m, sizeof CARD_SIG_DOMAIN + body.n, ka->sign_sk);
		p.n = 0;
		pb_bytes(&p, 1, body.b, body.n);
		pb_bytes(&p, 2, sig, 64);
		Mutua__Card *fresh = mutua__card__unpack(NULL, p.n, p.b);
		assert_non_null(fresh);
		Mutua__CardBody *fb = card_open(fresh);
		if (cases[k].ok) {
			if (!fb)
				fail_msg("case %zu: %s", k, err_msg());
			mutua__card_body__free_unpacked(fb, NULL);
		} else {
			assert_null(fb);
			assert_non_null(strstr(err_msg(), "bad fields"));
		}
		mutua__card__free_unpacked(fresh, NULL);
	}
	mutua__card_body__free_unpacked(cb, NULL);
	mutua__card__free_unpacked(c, NULL);
	free(bytes);
	free(text);
}

/* A genesis with A and B as founders. */
static uint8_t charter[32];

static void make_genesis(uint8_t **g, size_t *len)
{
	char *cards[2] = {card_a(), card_make(kb, "Cagette et Fourchette", "producteurs",
					      NULL, 0, T0 + 1)};
	assert_non_null(cards[1]);
	crypto_generichash(charter, 32, (const uint8_t *)"charte", 6, NULL, 0);
	if (genesis_make(g, len, "PTCE Centre", charter, cards, 2, 50000, T0 + 2) != 0)
		fail_msg("genesis_make: %s", err_msg());
	free(cards[0]);
	free(cards[1]);
}

static void test_genesis_make_decode(void **state)
{
	(void)state;
	uint8_t *g, id[32], want[32];
	size_t len;
	make_genesis(&g, &len);
	Mutua__Genesis *gen = genesis_decode(g, len, id);
	assert_non_null(gen);
	assert_string_equal(gen->name, "PTCE Centre");
	assert_true(gen->has_charter_hash);
	assert_memory_equal(gen->charter_hash.data, charter, 32);
	assert_int_equal(gen->n_founders, 2);
	assert_int_equal(gen->credit_limit, 50000);
	assert_int_equal(gen->time, T0 + 2);
	Mutua__CardBody *cb = card_open(gen->founders[1]);
	assert_non_null(cb);
	assert_memory_equal(cb->id.data, kb->id, 32);
	assert_string_equal(cb->name, "Cagette et Fourchette");
	mutua__card_body__free_unpacked(cb, NULL);
	mutua__genesis__free_unpacked(gen, NULL);

	/* the federation id is BLAKE2b-256 of the genesis bytes */
	crypto_generichash(want, 32, g, len, NULL, 0);
	assert_memory_equal(id, want, 32);

	/* another genesis (other time) has another id */
	char *cards[1] = {card_a()};
	uint8_t *g2, id2[32];
	size_t len2;
	assert_int_equal(genesis_make(&g2, &len2, "PTCE Centre", NULL, cards, 1, 0, T0), 0);
	gen = genesis_decode(g2, len2, id2);
	assert_non_null(gen);
	assert_false(gen->has_charter_hash);
	assert_memory_not_equal(id, id2, 32);
	mutua__genesis__free_unpacked(gen, NULL);
	free(g2);
	free(cards[0]);
	free(g);
}

static void test_genesis_make_refuses(void **state)
{
	(void)state;
	char *a = card_a();
	char *a_again = card_make(ka, "Autre nom", NULL, NULL, 0, T0 + 5);
	uint8_t *g = (uint8_t *)"untouched";
	size_t len;
	assert_non_null(a_again);

	/* the same card twice, and the same member with another card */
	char *twice[2] = {a, a};
	err_set("sentinel");
	assert_int_equal(genesis_make(&g, &len, "F", NULL, twice, 2, 0, T0), -1);
	assert_non_null(strstr(err_msg(), "twice"));
	char *same_id[2] = {a, a_again};
	assert_int_equal(genesis_make(&g, &len, "F", NULL, same_id, 2, 0, T0), -1);
	assert_non_null(strstr(err_msg(), "twice"));

	/* another member claiming A's transport key */
	struct key *thief = key_seeded(9);
	assert_non_null(thief);
	memcpy(thief->xpk, ka->xpk, 32);
	char *stolen = card_make(thief, "Voleur", NULL, NULL, 0, T0);
	assert_non_null(stolen);
	char *xk[2] = {a, stolen};
	err_set("sentinel");
	assert_int_equal(genesis_make(&g, &len, "F", NULL, xk, 2, 0, T0), -1);
	assert_non_null(strstr(err_msg(), "twice"));
	key_destroy(&thief);

	err_set("sentinel");
	assert_int_equal(genesis_make(&g, &len, "F", NULL, NULL, 0, 0, T0), -1);
	assert_non_null(strstr(err_msg(), "founders"));
	char *one[1] = {a};
	assert_int_equal(genesis_make(&g, &len, "", NULL, one, 1, 0, T0), -1);
	assert_non_null(strstr(err_msg(), "needs a name"));
	assert_int_equal(genesis_make(&g, &len, "a\tb\nc", NULL, one, 1, 0, T0), -1);
	char *junk[1] = {"mutua-card-v1 AAAA"};
	assert_int_equal(genesis_make(&g, &len, "F", NULL, junk, 1, 0, T0), -1);
	/* on failure *out is left alone or NULL, never a freed buffer */
	assert_true(g == NULL || strcmp((const char *)g, "untouched") == 0);

	free(stolen);
	free(a_again);
	free(a);
}

/* Genesis bytes built by hand with the same founder listed twice: the
 * check must hold in genesis_decode, not only in genesis_make. */
static void test_genesis_decode_duplicate(void **state)
{
	(void)state;
	char *a = card_a();
	size_t cl;
	uint8_t *cbytes = card_bytes(a, &cl);
	Mutua__Card *c = mutua__card__unpack(NULL, cl, cbytes);
	assert_non_null(c);
	Mutua__Card *founders[2] = {c, c};
	Mutua__Genesis g = MUTUA__GENESIS__INIT;
	g.name = "F";
	g.founders = founders;
	g.n_founders = 2;
	g.time = T0;
	uint8_t buf[4 * CARD_MAX], id[32];
	size_t n = mutua__genesis__pack(&g, buf);
	err_set("sentinel");
	assert_null(genesis_decode(buf, n, id));
	assert_non_null(strstr(err_msg(), "twice"));
	/* one of them is fine */
	g.n_founders = 1;
	n = mutua__genesis__pack(&g, buf);
	Mutua__Genesis *ok = genesis_decode(buf, n, id);
	assert_non_null(ok);
	mutua__genesis__free_unpacked(ok, NULL);
	mutua__card__free_unpacked(c, NULL);
	free(cbytes);
	free(a);
}

static void genesis_refused(const uint8_t *b, size_t len, const char *why)
{
	uint8_t id[32];
	err_set("sentinel");
	Mutua__Genesis *g = genesis_decode(b, len, id);
	if (g) {
		mutua__genesis__free_unpacked(g, NULL);
		fail_msg("genesis_decode accepted bytes that should fail with '%s'", why);
	}
	if (!strstr(err_msg(), why))
		fail_msg("genesis_decode failed with '%s', expected '%s'", err_msg(), why);
}

static void test_genesis_garbage(void **state)
{
	(void)state;
	uint8_t *g;
	size_t len;
	make_genesis(&g, &len);

	genesis_refused(g, 0, "wrong size");
	genesis_refused((const uint8_t *)"\xff\xff\xff\xff", 4, "damaged");
	genesis_refused((const uint8_t *)"garbage!", 8, "damaged");
	genesis_refused(g, len - 1, "damaged");

	/* an unknown field appended */
	struct pb p = {.n = 0};
	pb_raw(&p, g, len);
	pb_uint(&p, 15, 1);
	genesis_refused(p.b, p.n, "unknown fields");

	/* a founder's card with a flipped signature bit */
	Mutua__Genesis *gen = mutua__genesis__unpack(NULL, len, g);
	assert_non_null(gen);
	gen->founders[1]->sig.data[0] ^= 0x20;
	p.n = mutua__genesis__pack(gen, p.b);
	genesis_refused(p.b, p.n, "bad signature");
	gen->founders[1]->sig.data[0] ^= 0x20;
	/* a charter hash of the wrong size */
	gen->charter_hash.len = 31;
	p.n = mutua__genesis__pack(gen, p.b);
	genesis_refused(p.b, p.n, "charter hash");
	gen->charter_hash.len = 32;
	/* no founder */
	size_t nf = gen->n_founders;
	gen->n_founders = 0;
	p.n = mutua__genesis__pack(gen, p.b);
	genesis_refused(p.b, p.n, "founders");
	gen->n_founders = nf;
	mutua__genesis__free_unpacked(gen, NULL);

	/* the genesis is not signed, but each founder's card is: any single-bit
	 * change inside a card is refused */
	gen = mutua__genesis__unpack(NULL, len, g);
	assert_non_null(gen);
	uint8_t cb[CARD_MAX];
	size_t cn = mutua__card__pack(gen->founders[0], cb);
	mutua__genesis__free_unpacked(gen, NULL);
	uint8_t *at = memmem(g, len, cb, cn);
	assert_non_null(at);
	for (size_t i = 0; i < cn; i++) {
		for (int bit = 0; bit < 8; bit++) {
			uint8_t id[32];
			at[i] ^= (uint8_t)(1u << bit);
			gen = genesis_decode(g, len, id);
			if (gen) {
				mutua__genesis__free_unpacked(gen, NULL);
				fail_msg("genesis with bit %d of card byte %zu flipped accepted", bit, i);
			}
			at[i] ^= (uint8_t)(1u << bit);
		}
	}
	free(g);
}

/* The same content in a non-canonical encoding (fields reordered) is not
 * a second valid genesis with a second federation id. */
static void test_genesis_non_canonical(void **state)
{
	(void)state;
	uint8_t *g;
	size_t len;
	make_genesis(&g, &len);
	Mutua__Genesis *gen = mutua__genesis__unpack(NULL, len, g);
	assert_non_null(gen);

	/* time (field 5) and credit_limit (4) first, then the rest */
	struct pb p = {.n = 0};
	pb_uint(&p, 5, (uint64_t)gen->time);
	pb_uint(&p, 4, gen->credit_limit);
	pb_str(&p, 1, gen->name);
	pb_bytes(&p, 2, gen->charter_hash.data, 32);
	for (size_t i = 0; i < gen->n_founders; i++) {
		uint8_t cb[CARD_MAX];
		size_t n = mutua__card__pack(gen->founders[i], cb);
		pb_bytes(&p, 3, cb, n);
	}
	assert_int_equal(p.n, len);
	assert_memory_not_equal(p.b, g, len);
	genesis_refused(p.b, p.n, "not canonical");

	/* a founder's Card with sig before body */
	p.n = 0;
	pb_str(&p, 1, gen->name);
	pb_bytes(&p, 2, gen->charter_hash.data, 32);
	for (size_t i = 0; i < gen->n_founders; i++) {
		struct pb c = {.n = 0};
		pb_bytes(&c, 2, gen->founders[i]->sig.data, gen->founders[i]->sig.len);
		pb_bytes(&c, 1, gen->founders[i]->body.data, gen->founders[i]->body.len);
		pb_bytes(&p, 3, c.b, c.n);
	}
	pb_uint(&p, 4, gen->credit_limit);
	pb_uint(&p, 5, (uint64_t)gen->time);
	assert_int_equal(p.n, len);
	genesis_refused(p.b, p.n, "not canonical");

	/* and the canonical bytes rebuilt the same way are accepted */
	p.n = 0;
	pb_str(&p, 1, gen->name);
	pb_bytes(&p, 2, gen->charter_hash.data, 32);
	for (size_t i = 0; i < gen->n_founders; i++) {
		struct pb c = {.n = 0};
		pb_bytes(&c, 1, gen->founders[i]->body.data, gen->founders[i]->body.len);
		pb_bytes(&c, 2, gen->founders[i]->sig.data, gen->founders[i]->sig.len);
		pb_bytes(&p, 3, c.b, c.n);
	}
	pb_uint(&p, 4, gen->credit_limit);
	pb_uint(&p, 5, (uint64_t)gen->time);
	assert_int_equal(p.n, len);
	assert_memory_equal(p.b, g, len);
	uint8_t id[32];
	Mutua__Genesis *ok = genesis_decode(p.b, p.n, id);
	assert_non_null(ok);
	mutua__genesis__free_unpacked(ok, NULL);

	mutua__genesis__free_unpacked(gen, NULL);
	free(g);
}

/* GENESIS_FOUNDERS_MAX founders are accepted, one more is not. Each
 * founder's card is checked once, so this stays fast. */
static void test_genesis_founders_max(void **state)
{
	(void)state;
	size_t n = GENESIS_FOUNDERS_MAX + 1;
	char **cards = calloc(n, sizeof *cards);
	assert_non_null(cards);
	for (size_t i = 0; i < n; i++) {
		uint8_t seed[32] = {0};
		char name[32];
		memcpy(seed, &i, sizeof i);
		seed[31] = 0x5a;
		struct key *k = key_new(seed);
		assert_non_null(k);
		snprintf(name, sizeof name, "membre %zu", i);
		cards[i] = card_make(k, name, NULL, NULL, 0, T0);
		assert_non_null(cards[i]);
		key_destroy(&k);
	}
	uint8_t *g, id[32];
	size_t len;
	err_set("sentinel");
	assert_int_equal(genesis_make(&g, &len, "Grand", NULL, cards, n, 0, T0), -1);
	assert_non_null(strstr(err_msg(), "1 to 1000 founders"));
	if (genesis_make(&g, &len, "Grand", NULL, cards, n - 1, 0, T0) != 0)
		fail_msg("genesis of %zu founders: %s", n - 1, err_msg());
	Mutua__Genesis *gen = genesis_decode(g, len, id);
	assert_non_null(gen);
	assert_int_equal(gen->n_founders, GENESIS_FOUNDERS_MAX);
	mutua__genesis__free_unpacked(gen, NULL);
	free(g);
	for (size_t i = 0; i < n; i++)
		free(cards[i]);
	free(cards);
}

static void test_genesis_armor(void **state)
{
	(void)state;
	uint8_t *g, id[32];
	size_t len;
	make_genesis(&g, &len);
	char *text = genesis_armor(g, len);
	assert_non_null(text);
	Mutua__Genesis *gen = genesis_decode(g, len, id);
	assert_non_null(gen);
	mutua__genesis__free_unpacked(gen, NULL);

	/* the comment names the federation id */
	char hex[HEX_ID_LEN + 1], want[128];
	hex_encode(hex, id, 32);
	snprintf(want, sizeof want, "# federation id: %s\n", hex);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "# name: PTCE Centre\n"));
	assert_non_null(strstr(text, "\n" GENESIS_PREFIX));

	uint8_t *back;
	size_t blen;
	assert_int_equal(genesis_unarmor(text, &back, &blen), 0);
	assert_int_equal(blen, len);
	assert_memory_equal(back, g, len);
	free(back);

	/* wrapped, with comments after */
	size_t tl = strlen(text);
	char *wrapped = malloc(2 * tl + 64);
	assert_non_null(wrapped);
	size_t w = 0;
	const char *line = strstr(text, GENESIS_PREFIX);
	memcpy(wrapped, text, (size_t)(line - text));
	w = (size_t)(line - text);
	size_t pl = strlen(GENESIS_PREFIX);
	memcpy(wrapped + w, line, pl);
	w += pl;
	for (size_t i = pl; line[i] && line[i] != '\n'; i++) {
		if ((i - pl) % 64 == 63)
			wrapped[w++] = '\n';
		wrapped[w++] = line[i];
	}
	strcpy(wrapped + w, "\n# end\n");
	assert_int_equal(genesis_unarmor(wrapped, &back, &blen), 0);
	assert_int_equal(blen, len);
	assert_memory_equal(back, g, len);
	free(back);

	/* garbage */
	back = NULL;
	assert_int_equal(genesis_unarmor("# nothing here\n", &back, &blen), -1);
	assert_non_null(strstr(err_msg(), "no 'mutua-genesis-v1' line"));
	assert_int_equal(genesis_unarmor("mutua-genesis-v1 !!!!\n", &back, &blen), -1);
	assert_non_null(strstr(err_msg(), "bad base64"));
	assert_int_equal(genesis_unarmor("mutua-genesis-v1 \n", &back, &blen), -1);
	assert_int_equal(genesis_unarmor("mutua-card-v1 AAAA\n", &back, &blen), -1);
	assert_null(back);
	/* valid base64 of garbage unarmors, and genesis_decode refuses it */
	assert_int_equal(genesis_unarmor("mutua-genesis-v1 Z2FyYmFnZSE=\n", &back, &blen), 0);
	genesis_refused(back, blen, "damaged");
	free(back);
	assert_null(genesis_armor((const uint8_t *)"garbage!", 8));

	free(wrapped);
	free(text);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_card_round_trip),
		cmocka_unit_test(test_card_make_refuses),
		cmocka_unit_test(test_card_tampered),
		cmocka_unit_test(test_card_whitespace),
		cmocka_unit_test(test_card_unknown_field),
		cmocka_unit_test(test_card_non_canonical),
		cmocka_unit_test(test_genesis_make_decode),
		cmocka_unit_test(test_genesis_make_refuses),
		cmocka_unit_test(test_genesis_decode_duplicate),
		cmocka_unit_test(test_genesis_garbage),
		cmocka_unit_test(test_genesis_non_canonical),
		cmocka_unit_test(test_genesis_founders_max),
		cmocka_unit_test(test_genesis_armor),
	};
	return cmocka_run_group_tests_name("federation", tests, group_setup, group_teardown);
}
