/* federation.c - see federation.h for the card and genesis formats. */
#include "federation.h"
#include "governance.h"
#include "entry.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Armor: PREFIX + base64, and back (whitespace in the base64 ignored). */
static char *armor(const char *prefix, const uint8_t *bytes, size_t len)
{
	size_t pl = strlen(prefix);
	size_t bl = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(pl + bl);
	if (!s)
		return NULL;
	memcpy(s, prefix, pl);
	sodium_bin2base64(s + pl, bl, bytes, len, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

static int unarmor(const char *what, const char *prefix, const char *text,
		   size_t max, uint8_t **out, size_t *len)
{
	const char *p = strstr(text, prefix);
	/* the prefix must start a line */
	while (p && p != text && p[-1] != '\n')
		p = strstr(p + 1, prefix);
	if (!p)
		return err_set("not a %s (no '%.*s' line)", what,
			       (int)strlen(prefix) - 1, prefix);
	p += strlen(prefix);
	size_t tl = strlen(p);
	uint8_t *buf = malloc(tl / 4 * 3 + 3);
	const char *end;
	if (!buf)
		return err_set("out of memory");
	if (sodium_base642bin(buf, tl / 4 * 3 + 3, p, tl, " \t\r\n", len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    (*end && *end != '#')) {
		free(buf);
		return err_set("%s is damaged (bad base64)", what);
	}
	if (*len == 0 || *len > max) {
		free(buf);
		return err_set("%s has a wrong size", what);
	}
	*out = buf;
	return 0;
}

/* Is bytes the one encoding protobuf-c gives m? Comparing sizes alone
 * would let reordered fields through: the same content with another hash. */
static int canonical(const ProtobufCMessage *m, const uint8_t *bytes, size_t len)
{
	if (protobuf_c_message_get_packed_size(m) != len)
		return 0;
	uint8_t *buf = malloc(len ? len : 1);
	int ok = buf && protobuf_c_message_pack(m, buf) == len &&
		 memcmp(buf, bytes, len) == 0;
	free(buf);
	return ok;
}

static int sign_with_domain(uint8_t sig[64], const uint8_t *body, size_t len,
			    const struct key *k)
{
	size_t dl = sizeof CARD_SIG_DOMAIN;
	uint8_t *m = malloc(dl + len);
	if (!m)
		return err_set("out of memory");
	memcpy(m, CARD_SIG_DOMAIN, dl);
	memcpy(m + dl, body, len);
	crypto_sign_detached(sig, NULL, m, dl + len, k->sign_sk);
	free(m);
	return 0;
}

char *card_make(const struct key *k, const char *name, const char *college,
		char *const *endpoints, size_t n_endpoints, int64_t time)
{
	return card_make_fresh(k, name, college, endpoints, n_endpoints, time, NULL, 0);
}

char *card_make_fresh(const struct key *k, const char *name, const char *college,
		      char *const *endpoints, size_t n_endpoints, int64_t time,
		      const uint8_t *replaces, uint64_t seq)
{
	Mutua__CardBody cb = MUTUA__CARD_BODY__INIT;
	Mutua__Card c = MUTUA__CARD__INIT;
	uint8_t sig[64];
	char *text = NULL;

	if (!name || !*name) {
		err_set("a card needs a name");
		return NULL;
	}
	if (text_check("name", name, NAME_MAX_LEN, 0) ||
	    text_check("college", college, COLLEGE_MAX_LEN, 0))
		return NULL;
	if (n_endpoints > ENDPOINTS_MAX) {
		err_set("too many endpoints (at most %d)", ENDPOINTS_MAX);
		return NULL;
	}
	for (size_t i = 0; i < n_endpoints; i++)
		if (entry_check_endpoint(endpoints[i]))
			return NULL;
	cb.id.data = (uint8_t *)k->id;
	cb.id.len = KEY_ID_BYTES;
	cb.transport_key.data = (uint8_t *)k->xpk;
	cb.transport_key.len = KEY_X_BYTES;
	cb.name = (char *)name;
	cb.college = college && *college ? (char *)college : NULL;
	cb.endpoints = (char **)endpoints;
	cb.n_endpoints = n_endpoints;
	cb.time = time;
	if (replaces) {
		cb.replaces.data = (uint8_t *)replaces;
		cb.replaces.len = KEY_ID_BYTES;
		cb.has_replaces = 1;
		cb.seq = seq;
		cb.has_seq = 1;
	}
	size_t bl = mutua__card_body__get_packed_size(&cb);
	uint8_t *body = malloc(bl);
	if (!body) {
		err_set("out of memory");
		return NULL;
	}
	mutua__card_body__pack(&cb, body);
	if (sign_with_domain(sig, body, bl, k) == 0) {
		c.body.data = body;
		c.body.len = bl;
		c.sig.data = sig;
		c.sig.len = sizeof sig;
		size_t cl = mutua__card__get_packed_size(&c);
		uint8_t *cbuf = malloc(cl);
		if (cbuf) {
			mutua__card__pack(&c, cbuf);
			text = armor(CARD_PREFIX, cbuf, cl);
			free(cbuf);
		}
		if (!text)
			err_set("out of memory");
	}
	free(body);
	return text;
}

Mutua__CardBody *card_open(const Mutua__Card *c)
{
	if (c->base.n_unknown_fields) {
		err_set("card has unknown fields");
		return NULL;
	}
	if (c->sig.len != 64 || c->body.len > CARD_MAX) {
		err_set("card is damaged");
		return NULL;
	}
	Mutua__CardBody *cb = mutua__card_body__unpack(NULL, c->body.len, c->body.data);
	if (!cb) {
		err_set("card is damaged (not a CardBody)");
		return NULL;
	}
	if (cb->base.n_unknown_fields || cb->id.len != KEY_ID_BYTES ||
	    cb->transport_key.len != KEY_X_BYTES ||
	    (cb->has_replaces && cb->replaces.len != KEY_ID_BYTES) ||
	    (cb->has_seq && (cb->seq < 1 || cb->seq > INT64_MAX)) ||
	    !canonical(&cb->base, c->body.data, c->body.len)) {
		err_set("card is damaged (bad fields)");
		goto fail;
	}
	if (!*cb->name || text_check("card name", cb->name, NAME_MAX_LEN, TEXT_SIGNED) ||
	    text_check("card college", cb->college, COLLEGE_MAX_LEN, TEXT_SIGNED))
		goto fail;
	if (cb->n_endpoints > ENDPOINTS_MAX) {
		err_set("card has too many endpoints");
		goto fail;
	}
	for (size_t i = 0; i < cb->n_endpoints; i++)
		if (entry_check_endpoint(cb->endpoints[i]))
			goto fail;
	size_t dl = sizeof CARD_SIG_DOMAIN;
	uint8_t *m = malloc(dl + c->body.len);
	if (!m) {
		err_set("out of memory");
		goto fail;
	}
	memcpy(m, CARD_SIG_DOMAIN, dl);
	memcpy(m + dl, c->body.data, c->body.len);
	int bad = crypto_sign_verify_detached(c->sig.data, m, dl + c->body.len,
					      cb->id.data);
	free(m);
	if (bad) {
		err_set("card of '%s' has a bad signature (tampered?)", cb->name);
		goto fail;
	}
	return cb;
fail:
	mutua__card_body__free_unpacked(cb, NULL);
	return NULL;
}

Mutua__Card *card_decode(const char *text, Mutua__CardBody **body)
{
	uint8_t *bytes;
	size_t len;
	if (unarmor("card", CARD_PREFIX, text, CARD_MAX, &bytes, &len))
		return NULL;
	Mutua__Card *c = mutua__card__unpack(NULL, len, bytes);
	Mutua__CardBody *cb = NULL;
	if (!c)
		err_set("card is damaged (not a Card)");
	else if (!canonical(&c->base, bytes, len))
		err_set("card is damaged (not canonical)");
	else
		cb = card_open(c);
	free(bytes);
	if (!cb) {
		if (c)
			mutua__card__free_unpacked(c, NULL);
		return NULL;
	}
	if (body)
		*body = cb;
	else
		mutua__card_body__free_unpacked(cb, NULL);
	return c;
}

Mutua__CardBody *card_parse(const char *text)
{
	Mutua__CardBody *cb = NULL;
	Mutua__Card *c = card_decode(text, &cb);
	if (c)
		mutua__card__free_unpacked(c, NULL);
	return cb;
}

int genesis_make(uint8_t **out, size_t *len, const char *name,
		 const uint8_t *charter_hash, char *const *cards, size_t n_cards,
		 uint64_t credit_limit, int64_t time)
{
	return genesis_make_with(out, len, name, charter_hash, cards, n_cards, credit_limit,
				 time, NULL);
}

int genesis_make_with(uint8_t **out, size_t *len, const char *name,
		      const uint8_t *charter_hash, char *const *cards, size_t n_cards,
		      uint64_t credit_limit, int64_t time, const Mutua__Governance *gv)
{
	Mutua__Genesis g = MUTUA__GENESIS__INIT;
	Mutua__Card **founders = calloc(n_cards ? n_cards : 1, sizeof *founders);
	int rc = -1;
	size_t i;

	if (!founders)
		return err_set("out of memory");
	if (!name || !*name || text_check("federation name", name, FED_NAME_MAX_LEN, 0)) {
		if (!name || !*name)
			err_set("a federation needs a name");
		goto out;
	}
	for (i = 0; i < n_cards; i++) {
		uint8_t *bytes;
		size_t bl;
		if (unarmor("card", CARD_PREFIX, cards[i], CARD_MAX, &bytes, &bl))
			goto out;
		founders[i] = mutua__card__unpack(NULL, bl, bytes);
		free(bytes);
		if (!founders[i]) {
			err_set("card %zu is damaged", i + 1);
			goto out;
		}
	}
	g.name = (char *)name;
	if (charter_hash) {
		g.has_charter_hash = 1;
		g.charter_hash.data = (uint8_t *)charter_hash;
		g.charter_hash.len = 32;
	}
	g.founders = founders;
	g.n_founders = n_cards;
	g.credit_limit = credit_limit;
	g.time = time;
	g.governance = (Mutua__Governance *)gv;
	*len = mutua__genesis__get_packed_size(&g);
	if (!(*out = malloc(*len))) {
		err_set("out of memory");
		goto out;
	}
	mutua__genesis__pack(&g, *out);
	/* the very checks a joining member will apply */
	uint8_t id[32];
	Mutua__Genesis *chk = genesis_decode(*out, *len, id);
	if (!chk) {
		free(*out);
		*out = NULL;
		goto out;
	}
	mutua__genesis__free_unpacked(chk, NULL);
	rc = 0;
out:
	for (i = 0; i < n_cards; i++)
		if (founders[i])
			mutua__card__free_unpacked(founders[i], NULL);
	free(founders);
	return rc;
}

/* genesis_decode, and genesis_decode_adopted when cards_checked. */
static Mutua__Genesis *genesis_parse(const uint8_t *bytes, size_t len, uint8_t fed_id[32],
				     int cards_checked)
{
	uint8_t (*seen)[64] = NULL; /* each founder's id || transport key */

	if (len == 0 || len > GENESIS_MAX) {
		err_set("genesis has a wrong size");
		return NULL;
	}
	Mutua__Genesis *g = mutua__genesis__unpack(NULL, len, bytes);
	if (!g) {
		err_set("genesis is damaged (not a Genesis)");
		return NULL;
	}
	if (g->base.n_unknown_fields || !canonical(&g->base, bytes, len)) {
		err_set("genesis is damaged (unknown fields or not canonical)");
		goto fail;
	}
	if (!*g->name || text_check("federation name", g->name, FED_NAME_MAX_LEN, TEXT_SIGNED))
		goto fail;
	if (g->governance && governance_check(g->governance))
		goto fail;
	if (g->has_charter_hash && g->charter_hash.len != 32) {
		err_set("genesis charter hash must be 32 bytes");
		goto fail;
	}
	if (g->n_founders < 1 || g->n_founders > GENESIS_FOUNDERS_MAX) {
		err_set("genesis must list 1 to %d founders", GENESIS_FOUNDERS_MAX);
		goto fail;
	}
	if (cards_checked)
		goto done;
	/* each card is opened (its signature checked) once: re-opening the
	 * earlier ones for every card cost seconds at a few hundred founders */
	seen = malloc(g->n_founders * sizeof *seen);
	if (!seen) {
		err_set("out of memory");
		goto fail;
	}
	for (size_t i = 0; i < g->n_founders; i++) {
		Mutua__CardBody *cb = card_open(g->founders[i]);
		if (!cb)
			goto fail;
		memcpy(seen[i], cb->id.data, 32);
		memcpy(seen[i] + 32, cb->transport_key.data, 32);
		int college_ok = !g->governance || g->governance->rule != GOV_RULE_COLLEGES;
		for (size_t k = 0; !college_ok && k < g->governance->n_colleges; k++)
			college_ok = cb->college &&
				     strcmp(cb->college, g->governance->colleges[k]->name) == 0;
		if (!college_ok)
			err_set("founder '%s' is in no college of the governance rule", cb->name);
		mutua__card_body__free_unpacked(cb, NULL);
		if (!college_ok)
			goto fail;
		for (size_t j = 0; j < i; j++) {
			if (!memcmp(seen[j], seen[i], 32) ||
			    !memcmp(seen[j] + 32, seen[i] + 32, 32)) {
				err_set("genesis lists a member twice");
				goto fail;
			}
		}
	}
	free(seen);
done:
	crypto_generichash(fed_id, 32, bytes, len, NULL, 0);
	return g;
fail:
	free(seen);
	mutua__genesis__free_unpacked(g, NULL);
	return NULL;
}

Mutua__Genesis *genesis_decode(const uint8_t *bytes, size_t len, uint8_t fed_id[32])
{
	return genesis_parse(bytes, len, fed_id, 0);
}

Mutua__Genesis *genesis_decode_adopted(const uint8_t *bytes, size_t len, uint8_t fed_id[32])
{
	return genesis_parse(bytes, len, fed_id, 1);
}

char *genesis_armor(const uint8_t *bytes, size_t len)
{
	uint8_t id[32];
	char hex[HEX_ID_LEN + 1];
	Mutua__Genesis *g = genesis_decode(bytes, len, id);
	if (!g)
		return NULL;
	char *line = armor(GENESIS_PREFIX, bytes, len);
	char *text = NULL;
	if (line) {
		hex_encode(hex, id, 32);
		size_t n = strlen(line) + strlen(g->name) + 256;
		if ((text = malloc(n)))
			snprintf(text, n,
				 "# mutua federation genesis\n"
				 "# name: %s\n"
				 "# federation id: %s\n"
				 "# founders: %zu\n%s\n",
				 g->name, hex, g->n_founders, line);
		free(line);
	}
	mutua__genesis__free_unpacked(g, NULL);
	if (!text)
		err_set("out of memory");
	return text;
}

int genesis_unarmor(const char *text, uint8_t **bytes, size_t *len)
{
	return unarmor("genesis file", GENESIS_PREFIX, text, GENESIS_MAX, bytes, len);
}
