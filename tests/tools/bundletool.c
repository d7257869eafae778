/* bundletool.c - test tool: read, tamper with and forge export bundles, so
 * that the audit's tests can show it catches each kind of tampering through
 * signatures, chains and rules rather than through the bundle's digest.
 *
 * Usage:
 *   bundletool list BUNDLE
 *       one line per ENTRY or FORK record, numbered from 1 in file order:
 *       "N entry|fork AUTHOR SEQ TYPE ID" (TYPE the payload's name, ID the
 *       entry id; "? ? ? ?" when the body does not decode)
 *   bundletool edit IN OUT OP [OP]...
 *       copies IN to OUT, applying each OP in turn to the ENTRY and FORK
 *       records (numbered as by list, renumbered after each OP), and writes
 *       an END record with the right counts and digest:
 *         flip-sig N       flips one bit of record N's signature
 *         flip-body N      flips one bit of record N's body, in a byte
 *                          chosen so the body still decodes with the same
 *                          federation, author and seq (only the signature
 *                          can tell)
 *         drop N           removes record N
 *         dup N            repeats record N right after it
 *         swap N M         exchanges records N and M
 *         append-entry F   adds an ENTRY record after the last one; F holds
 *                          a record payload: body_len (u32 LE) | body | sig
 *         append-fork F    adds a FORK record at the end
 *         insert-entry N F puts an ENTRY record from F before record N
 *                          (N one past the last: after it)
 *         set-len N LEN    writes LEN as record N's length but keeps its
 *                          payload (a malformed bundle)
 *   bundletool pick BUNDLE N FILE
 *       writes record N's payload (body_len | body | sig) to FILE
 *   bundletool forge HOME FEDERATION SEQ FILE
 *       signs an offer entry at SEQ (prev: zeros when SEQ > 1) with the key
 *       of HOME (any key: a member's or not) for the federation id given
 *       in hex, and writes its record payload to FILE; prints its id.
 *       SEQ "next": the seq after the head of HOME's own feed in HOME's
 *       store, linked to it (what a patched node would append, past every
 *       check of store_append)
 *   bundletool step HOME TYPE REQUEST [USAGE RATE]
 *       appends a loan step (accept, decline, cancel, handover, return,
 *       close) for REQUEST (hex id) to HOME's own feed, as a patched node
 *       would: signed after the feed's head and stored as if received, so
 *       none of the refusals of the CLI or of store_append (capacity,
 *       state, owner: the fold's verdict) apply. USAGE in thousandths of
 *       the unit, RATE in hundredths; -1 for absent
 * Exit status 0, 1 on failure, 2 on usage.
 */
#include "entry.h"
#include "keys.h"
#include "lending.h"
#include "store.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "MUTUABN1"

struct rec {
	int type;
	uint32_t len; /* the length written in the header */
	uint8_t *data;
	size_t n; /* the payload's real size */
};

struct bundle {
	struct rec genesis;
	struct rec *r; /* ENTRY and FORK records, in file order */
	size_t n, cap;
};

static int die(const char *fmt, const char *arg)
{
	fprintf(stderr, "bundletool: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 1;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int push(struct bundle *b, size_t at, struct rec r)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		void *more = realloc(b->r, cap * sizeof *b->r);
		if (!more)
			return -1;
		b->r = more;
		b->cap = cap;
	}
	memmove(&b->r[at + 1], &b->r[at], (b->n - at) * sizeof *b->r);
	b->r[at] = r;
	b->n++;
	return 0;
}

/* Reads a well-formed bundle (END not checked: the tool also reads what
 * it wrote itself). */
static int bundle_load(const char *path, struct bundle *b)
{
	size_t len;
	uint8_t *f = file_read(path, (size_t)1 << 30, &len);
	if (!f)
		return die("%s", err_msg());
	if (len < 8 || memcmp(f, MAGIC, 8)) {
		free(f);
		return die("'%s' is not a bundle", path);
	}
	size_t off = 8;
	int rc = 0;
	while (off + 5 <= len) {
		struct rec r = {f[off], get32(f + off + 1), NULL, 0};
		off += 5;
		if (r.len > len - off) {
			rc = die("'%s': a record runs past the end", path);
			break;
		}
		if (r.type == 9)
			break;
		if (!(r.data = malloc(r.len ? r.len : 1))) {
			rc = -1;
			break;
		}
		memcpy(r.data, f + off, r.len);
		r.n = r.len;
		off += r.len;
		if (r.type == 1)
			b->genesis = r;
		else if (push(b, b->n, r)) {
			rc = -1;
			break;
		}
	}
	free(f);
	if (rc == 0 && !b->genesis.data)
		rc = die("'%s' has no genesis", path);
	return rc;
}

static int decode(const struct rec *r, struct entry *e)
{
	if (r->n < 4 + 64)
		return -1;
	uint32_t bl = get32(r->data);
	if ((size_t)bl + 4 + 64 != r->n)
		return -1;
	return entry_decode(e, r->data + 4, bl, r->data + 4 + bl, 64);
}

struct out {
	FILE *f;
	crypto_generichash_state h;
};

static void out_bytes(struct out *o, const void *p, size_t n)
{
	fwrite(p, 1, n, o->f);
	crypto_generichash_update(&o->h, p, n);
}

static void out_rec(struct out *o, const struct rec *r)
{
	uint8_t hdr[5] = {(uint8_t)r->type};
	put32(hdr + 1, r->len);
	out_bytes(o, hdr, 5);
	out_bytes(o, r->data, r->n);
}

static int bundle_save(const char *path, struct bundle *b)
{
	struct out o;
	uint64_t ne = 0, nf = 0;
	if (!(o.f = fopen(path, "wb")))
		return die("cannot write '%s'", path);
	crypto_generichash_init(&o.h, NULL, 0, 32);
	out_bytes(&o, MAGIC, 8);
	out_rec(&o, &b->genesis);
	/* ENTRY records first, then FORK records, as the format wants */
	for (int pass = 2; pass <= 3; pass++)
		for (size_t i = 0; i < b->n; i++)
			if (b->r[i].type == pass) {
				out_rec(&o, &b->r[i]);
				if (pass == 2)
					ne++;
				else
					nf++;
			}
	uint8_t end[5 + 48] = {9, 48, 0, 0, 0};
	for (int i = 0; i < 8; i++) {
		end[5 + i] = (uint8_t)(ne >> (8 * i));
		end[13 + i] = (uint8_t)(nf >> (8 * i));
	}
	crypto_generichash_final(&o.h, end + 21, 32);
	fwrite(end, 1, sizeof end, o.f);
	if (fclose(o.f))
		return die("cannot write '%s'", path);
	return 0;
}

static void bundle_free(struct bundle *b)
{
	free(b->genesis.data);
	for (size_t i = 0; i < b->n; i++)
		free(b->r[i].data);
	free(b->r);
}

static int index_arg(const struct bundle *b, const char *s, size_t *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 1 || (size_t)v > b->n)
		return die("no record '%s'", s);
	*out = (size_t)v - 1;
	return 0;
}

static int load_raw(const char *path, struct rec *r, int type)
{
	size_t len;
	uint8_t *d = file_read(path, 4 + ENTRY_BODY_MAX + 64, &len);
	if (!d)
		return die("%s", err_msg());
	r->type = type;
	r->data = d;
	r->n = len;
	r->len = (uint32_t)len;
	return 0;
}

static int flip_body(struct rec *r)
{
	struct entry e0;
	if (decode(r, &e0))
		return die("%s", "flip-body: the record does not decode");
	uint32_t bl = get32(r->data);
	/* from the middle on, then the start: most bodies end in strings */
	for (uint32_t k = 0; k < bl; k++) {
		uint32_t at = 4 + (bl / 2 + k) % bl;
		for (int bit = 0; bit < 8; bit++) {
			struct entry e;
			r->data[at] ^= (uint8_t)(1 << bit);
			if (decode(r, &e) == 0) {
				const Mutua__Body *x = e.b, *y = e0.b;
				int same = x->seq == y->seq && !memcmp(x->author.data, y->author.data, 32) &&
					   !memcmp(x->federation.data, y->federation.data, 32);
				entry_free(&e);
				if (same) {
					fprintf(stderr, "bundletool: flipped bit %d of body byte %u\n", bit,
						at - 4);
					entry_free(&e0);
					return 0;
				}
			}
			r->data[at] ^= (uint8_t)(1 << bit);
		}
	}
	entry_free(&e0);
	return die("%s", "flip-body: no byte can be flipped keeping the body valid");
}

static int cmd_edit(int argc, char **argv)
{
	struct bundle b = {0};
	int rc = 0;
	if (argc < 4)
		return 2;
	if (bundle_load(argv[2], &b)) {
		bundle_free(&b);
		return 1;
	}
	for (int i = 4; i < argc && rc == 0; i++) {
		const char *op = argv[i];
		size_t n, m;
		int has1 = i + 1 < argc, has2 = i + 2 < argc;
		if (!strcmp(op, "flip-sig") && has1) {
			if (!(rc = index_arg(&b, argv[++i], &n))) {
				if (b.r[n].n < 64)
					rc = die("%s", "flip-sig: record too short");
				else
					b.r[n].data[b.r[n].n - 32] ^= 0x01;
			}
		} else if (!strcmp(op, "flip-body") && has1) {
			if (!(rc = index_arg(&b, argv[++i], &n)))
				rc = flip_body(&b.r[n]);
		} else if (!strcmp(op, "drop") && has1) {
			if (!(rc = index_arg(&b, argv[++i], &n))) {
				free(b.r[n].data);
				memmove(&b.r[n], &b.r[n + 1], (b.n - n - 1) * sizeof *b.r);
				b.n--;
			}
		} else if (!strcmp(op, "dup") && has1) {
			if (!(rc = index_arg(&b, argv[++i], &n))) {
				struct rec r = b.r[n];
				if (!(r.data = malloc(r.n ? r.n : 1)))
					rc = -1;
				else {
					memcpy(r.data, b.r[n].data, r.n);
					rc = push(&b, n + 1, r);
				}
			}
		} else if (!strcmp(op, "swap") && has2) {
			if (!(rc = index_arg(&b, argv[i + 1], &n)) &&
			    !(rc = index_arg(&b, argv[i + 2], &m))) {
				struct rec t = b.r[n];
				b.r[n] = b.r[m];
				b.r[m] = t;
			}
			i += 2;
		} else if ((!strcmp(op, "append-entry") || !strcmp(op, "append-fork")) && has1) {
			struct rec r;
			int fork = op[7] == 'f';
			if (!(rc = load_raw(argv[++i], &r, fork ? 3 : 2))) {
				size_t at = b.n;
				if (!fork)
					while (at > 0 && b.r[at - 1].type == 3)
						at--;
				rc = push(&b, at, r);
			}
		} else if (!strcmp(op, "insert-entry") && has2) {
			struct rec r;
			b.n++; /* one past the last is a place too */
			rc = index_arg(&b, argv[i + 1], &n);
			b.n--;
			if (!rc && !(rc = load_raw(argv[i + 2], &r, 2)))
				rc = push(&b, n, r);
			i += 2;
		} else if (!strcmp(op, "set-len") && has2) {
			char *end;
			unsigned long long v = strtoull(argv[i + 2], &end, 0);
			if (!(rc = index_arg(&b, argv[i + 1], &n))) {
				if (*end || v > 0xffffffffULL)
					rc = die("bad length '%s'", argv[i + 2]);
				else
					b.r[n].len = (uint32_t)v;
			}
			i += 2;
		} else {
			bundle_free(&b);
			fprintf(stderr, "bundletool: bad operation '%s'\n", op);
			return 2;
		}
	}
	if (rc == 0)
		rc = bundle_save(argv[3], &b);
	bundle_free(&b);
	return rc ? 1 : 0;
}

static int cmd_list(const char *path)
{
	struct bundle b = {0};
	if (bundle_load(path, &b)) {
		bundle_free(&b);
		return 1;
	}
	for (size_t i = 0; i < b.n; i++) {
		struct entry e;
		const char *t = b.r[i].type == 2 ? "entry" : "fork";
		if (decode(&b.r[i], &e)) {
			printf("%zu %s ? ? ? ?\n", i + 1, t);
			continue;
		}
		char a[HEX_ID_LEN + 1], id[HEX_ID_LEN + 1];
		hex_encode(a, e.b->author.data, 32);
		hex_encode(id, e.id, 32);
		printf("%zu %s %s %llu %s %s\n", i + 1, t, a, (unsigned long long)e.b->seq,
		       entry_type_name(e.b->payload_case), id);
		entry_free(&e);
	}
	bundle_free(&b);
	return 0;
}

static int cmd_pick(const char *path, const char *idx, const char *file)
{
	struct bundle b = {0};
	size_t n;
	int rc = bundle_load(path, &b);
	if (rc == 0 && !(rc = index_arg(&b, idx, &n)) &&
	    file_write_atomic(file, b.r[n].data, b.r[n].n, 0644))
		rc = die("%s", err_msg());
	bundle_free(&b);
	return rc ? 1 : 0;
}

static struct key *home_key(const char *home)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/key", home);
	struct key *k = key_load(path, getenv("MUTUA_PASSPHRASE"));
	if (!k)
		die("%s", err_msg());
	return k;
}

static int cmd_forge(const char *home, const char *fed, const char *seqs, const char *file)
{
	uint8_t fid[32], prev[32] = {0};
	char *end, title[64];
	int next = !strcmp(seqs, "next");
	unsigned long long seq = next ? 1 : strtoull(seqs, &end, 10);
	if (hex_decode(fid, 32, fed) || (!next && (*end || seq < 1)))
		return 2;
	struct key *k = home_key(home);
	if (!k)
		return 1;
	if (next) {
		char path[4096];
		uint64_t head;
		snprintf(path, sizeof path, "%s/store.db", home);
		struct store *s = store_open(path);
		if (!s || store_head(s, k->id, &head, prev)) {
			store_close(&s);
			key_destroy(&k);
			return die("%s", err_msg());
		}
		store_close(&s);
		seq = head + 1;
	}
	snprintf(title, sizeof title, "Forged offer %08x", randombytes_random());
	Mutua__Offer o = MUTUA__OFFER__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	o.kind = MUTUA__KIND__KIND_EQUIPMENT;
	o.title = title;
	o.unit = MUTUA__UNIT__UNIT_DAY;
	o.capacity = 1;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	b.federation.data = fid;
	b.federation.len = 32;
	b.author.data = (uint8_t *)k->id;
	b.author.len = 32;
	b.seq = seq;
	b.has_prev = seq > 1;
	b.prev.data = prev;
	b.prev.len = 32;
	b.time = time_now_ms();
	struct entry e;
	int rc = entry_seal(&e, k, &b);
	key_destroy(&k);
	if (rc)
		return die("%s", err_msg());
	uint8_t *buf = malloc(4 + e.body_len + 64);
	if (buf) {
		put32(buf, (uint32_t)e.body_len);
		memcpy(buf + 4, e.body, e.body_len);
		memcpy(buf + 4 + e.body_len, e.sig, 64);
		rc = file_write_atomic(file, buf, 4 + e.body_len + 64, 0644);
		free(buf);
	}
	if (!buf || rc)
		rc = die("%s", buf ? err_msg() : "out of memory");
	else {
		char id[HEX_ID_LEN + 1];
		hex_encode(id, e.id, 32);
		puts(id);
	}
	entry_free(&e);
	return rc ? 1 : 0;
}

/* A step signed after the head of k's feed and stored through the
 * received-entry path: what a node without store_append's checks signs. */
static int patched_step(struct store *s, const struct key *k, int payload,
			const uint8_t req[32], long long usage, long long rate)
{
	Mutua__Transition t = MUTUA__TRANSITION__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	uint8_t prev[32];
	uint64_t head;
	t.request.data = (uint8_t *)req;
	t.request.len = 32;
	t.note = "patched node";
	t.has_usage = usage >= 0;
	t.usage = usage >= 0 ? (uint64_t)usage : 0;
	t.has_rate = rate >= 0;
	t.rate = rate >= 0 ? (uint64_t)rate : 0;
	b.payload_case = payload;
	switch (payload) {
	case MUTUA__BODY__PAYLOAD_ACCEPT: b.accept = &t; break;
	case MUTUA__BODY__PAYLOAD_DECLINE: b.decline = &t; break;
	case MUTUA__BODY__PAYLOAD_CANCEL: b.cancel = &t; break;
	case MUTUA__BODY__PAYLOAD_HANDOVER: b.handover = &t; break;
	case MUTUA__BODY__PAYLOAD_GIVE_BACK: b.give_back = &t; break;
	default: b.close = &t; break;
	}
	if (store_head(s, k->id, &head, prev))
		return -1;
	b.federation.data = (uint8_t *)store_fed_id(s);
	b.federation.len = 32;
	b.author.data = (uint8_t *)k->id;
	b.author.len = 32;
	b.seq = head + 1;
	b.has_prev = head > 0;
	b.prev.data = prev;
	b.prev.len = head > 0 ? 32 : 0;
	b.time = time_now_ms();
	struct entry e;
	if (entry_seal(&e, k, &b))
		return -1;
	struct raw_entry raw = {e.body, e.body_len, e.sig, 64};
	struct batch_result r;
	int rc = store_insert_batch(s, &raw, 1, &r);
	if (rc == 0 && r.added != 1)
		rc = err_set("step not stored: %s", err_msg());
	entry_free(&e);
	return rc;
}

static int cmd_step(int argc, char **argv)
{
	static const struct {
		const char *name;
		int payload;
	} types[] = {
		{"accept", MUTUA__BODY__PAYLOAD_ACCEPT},     {"decline", MUTUA__BODY__PAYLOAD_DECLINE},
		{"cancel", MUTUA__BODY__PAYLOAD_CANCEL},     {"handover", MUTUA__BODY__PAYLOAD_HANDOVER},
		{"return", MUTUA__BODY__PAYLOAD_GIVE_BACK}, {"close", MUTUA__BODY__PAYLOAD_CLOSE},
	};
	uint8_t req[32];
	int payload = 0;
	long long usage = -1, rate = -1;
	if ((argc != 5 && argc != 7) || hex_decode(req, 32, argv[4]))
		return 2;
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if (!strcmp(argv[3], types[i].name))
			payload = types[i].payload;
	if (!payload)
		return 2;
	if (argc == 7) {
		usage = strtoll(argv[5], NULL, 10);
		rate = strtoll(argv[6], NULL, 10);
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/store.db", argv[2]);
	struct store *s = store_open(path);
	if (!s)
		return die("%s", err_msg());
	struct key *k = home_key(argv[2]);
	int rc = 1;
	if (k) {
		rc = patched_step(s, k, payload, req, usage, rate);
		if (rc)
			die("%s", err_msg());
		key_destroy(&k);
	}
	store_close(&s);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	int rc = 2;
	if (sodium_init() < 0)
		return 1;
	if (argc == 3 && !strcmp(argv[1], "list"))
		rc = cmd_list(argv[2]);
	else if (argc >= 4 && !strcmp(argv[1], "edit"))
		rc = cmd_edit(argc, argv);
	else if (argc == 5 && !strcmp(argv[1], "pick"))
		rc = cmd_pick(argv[2], argv[3], argv[4]);
	else if (argc == 6 && !strcmp(argv[1], "forge"))
		rc = cmd_forge(argv[2], argv[3], argv[4], argv[5]);
	else if (argc >= 5 && !strcmp(argv[1], "step"))
		rc = cmd_step(argc, argv);
	if (rc == 2)
		fprintf(stderr, "usage: bundletool list BUNDLE | edit IN OUT OP... | pick BUNDLE N "
				"FILE | forge HOME FEDERATION SEQ FILE | step HOME TYPE REQUEST "
				"[USAGE RATE]\n");
	return rc;
}
