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
 *         first AUTHOR     moves the ENTRY records of AUTHOR (hex id) to
 *                          the front, in their order: that feed is read
 *                          before every other
 *         set-end E F      writes E entries and F forks as END's counts,
 *                          whatever the records (the digest stays right)
 *   bundletool pick BUNDLE N FILE
 *       writes record N's payload (body_len | body | sig) to FILE
 *   bundletool forge HOME FEDERATION SEQ FILE [KEY]
 *       signs an offer entry at SEQ (prev: zeros when SEQ > 1) with the key
 *       of HOME (any key: a member's or not), or with the key file KEY,
 *       for the federation id given in hex, and writes its record payload
 *       to FILE; prints its id. SEQ "next": the seq after the head of the
 *       key's feed in HOME's store, linked to it (what a patched node
 *       would append, past every check of store_append)
 *   bundletool malformed HOME FEDERATION SEQ FILE
 *       the same, for an offer of capacity 0: a validly signed body that
 *       every node refuses to decode (entry_decode), whose author and seq
 *       still read
 *   bundletool step HOME TYPE REQUEST [USAGE RATE [ANSWERS [TIME]]]
 *       signs a loan step (accept, decline, cancel, handover, return,
 *       close, agree, dispute) for REQUEST (hex id), answering ANSWERS
 *       (hex id; "head" or absent: the last step HOME's store took, as
 *       the CLI names it) and stamped TIME (ms; absent: the clock, not
 *       before the answered step), at the next seq of HOME's own feed and
 *       stores it as a received entry (store_insert_batch), as a patched
 *       node would: none of the refusals of the CLI or of store_append
 *       (capacity, state, party, the fold's verdict) apply, and the fold
 *       records its verdict as on every node. USAGE in thousandths of the
 *       unit, RATE in hundredths; -1 for absent. Prints the entry's id.
 *       BUNDLETOOL_PHOTO (hex) adds a condition report naming that photo
 *       hash (any length), BUNDLETOOL_FORFEIT (hundredths) a forfeit
 *   bundletool sign HOME TIME FILE KIND ARGS...
 *       signs, as a hostile member's patched node would, an entry at the
 *       next seq of HOME's own feed claiming TIME (ms since the epoch, or
 *       +N / -N ms from now), bypassing every check of the CLI, of
 *       store_append and of entry_seal; writes its record payload to FILE
 *       (for receive on other homes), gives it to HOME's own store as a
 *       received entry and prints its id (and "rejected: WHY" when HOME
 *       refused it). KIND and ARGS:
 *         offer [BYTES]                  an offer of a van (a description of
 *                                        BYTES bytes)
 *         update RESOURCE TITLE          an update of any resource (hex id),
 *                                        another member's or one not held,
 *                                        to a van of that title
 *         withdraw RESOURCE              a withdrawal of any resource
 *         set NAME VALUE [REASON]        a proposal to set a parameter
 *         request RESOURCE START END [REQ,...]
 *                                        a request for the slot (ms) that
 *                                        confirms only the requirements
 *                                        given: no deposit, conditions or
 *                                        estimate
 *         vote PROPOSAL yes|no|abstain
 *         tally PROPOSAL [VOTE]... [cut=KEY:SEQ]
 *         rotate CARDFILE                a rotation to that card (copied)
 *         block RESOURCE START END QTY   a block (maintenance) of RESOURCE
 *                                        over [START, END) ms
 *         unblock BLOCK                  an unblock of that block
 *         delegate CARDFILE NAME ROLES [UNTIL] [badsig]
 *                                        a delegation to that card's keys,
 *                                        ROLES numbers comma-joined as
 *                                        given ("1,1", "2,1": unchecked),
 *                                        UNTIL ms (0: none); badsig flips
 *                                        a byte of the card's signature
 *         revoke DELEGATION [REASON]     a revocation of that id
 *         series RESOURCE START END UNTIL
 *                                        a weekly series request (ms), of
 *                                        any length the caller asks
 *   bundletool receive HOME FILE...
 *       gives each record payload to HOME's store as the sync does with
 *       what a peer sends (store_insert_batch, one batch per FILE) and
 *       prints one line per FILE: "added", "duplicate", "fork",
 *       "held: ..." (dated ahead of this clock: not stored), or
 *       "rejected: WHY" with the reason a node logs
 *   bundletool cost HOME FILE...
 *       receive, counting the store's work: prints the lines of receive,
 *       then "cost: S statements, V steps" (the SQLite statements run and
 *       their virtual machine steps, SQLITE_STMTSTATUS_VM_STEP: a measure
 *       of the fold's work that the machine's load does not change)
 *   bundletool witness HOME TIME FILE FEED:SEQ[:ROOT]...
 *       signs a witness entry (witness.h) of the heads given (FEED a hex
 *       key, ROOT 64 hex digits; without ROOT, the root of HOME's copy of
 *       the feed at SEQ) at the next seq of HOME's own feed, claiming TIME
 *       (ms, or "now"), as a patched node would: stores it in HOME as a
 *       received entry and writes its record payload to FILE; prints its id
 *   bundletool decode [genesis]
 *       reads entry bodies (genesis: Genesis messages) in hex, one a line,
 *       from standard input and prints for each "ok" when entry_decode
 *       (genesis_decode) accepts it (an entry's signature is not checked),
 *       else "refused: WHY" on one line: the node's own verdict, for
 *       comparing an independent decoder with (format.bats)
 *   bundletool cards DIR FIRST LAST
 *       makes a key for each I of FIRST..LAST and writes its card to
 *       DIR/I.card: name NI, endpoint ipc://DIR/I.sock (the members of a
 *       large genesis that run no node: no home, no store)
 * BUNDLETOOL_TIME (ms), when set, is the time forge, malformed and step
 * claim instead of the clock's.
 * BUNDLETOOL_ACT="STAFFHOME,DELEGATION[,NONCE[,SIG]]", when set, puts a
 * staff act (Body.staff, staff.h) in what sign and step sign: by the key
 * of STAFFHOME (any home: delegated or not), naming DELEGATION (hex id,
 * any), NONCE (decimal; absent: random), its signature over the entry's
 * payload unless SIG says otherwise: "bad" (one bit flipped), "other"
 * (over another payload: the act of another entry), or 128 hex digits (a
 * signature copied). Prints "act NONCE SIG" on standard error, to copy.
 * sign takes a bad act into HOME's store as received: rejected there.
 * Exit status 0, 1 on failure, 2 on usage.
 */
#include "bundle.h"
#include "entry.h"
#include "federation.h"
#include "file.h"
#include "keys.h"
#include "lending.h"
#include "staff.h"
#include "store.h"
#include "store_int.h"
#include "util.h"
#include "witness.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC BUNDLE_MAGIC

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
	int end_set; /* END's counts are end_entries and end_forks */
	uint64_t end_entries, end_forks;
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
	if (b->end_set) {
		ne = b->end_entries;
		nf = b->end_forks;
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
		} else if (!strcmp(op, "first") && has1) {
			uint8_t author[32];
			size_t w = 0;
			if (hex_decode(author, 32, argv[++i]))
				rc = die("bad author '%s'", argv[i]);
			for (size_t k = 0; rc == 0 && k < b.n; k++) {
				struct entry e;
				if (b.r[k].type != 2 || decode(&b.r[k], &e))
					continue;
				int mine = !memcmp(e.b->author.data, author, 32);
				entry_free(&e);
				if (mine) {
					struct rec r = b.r[k];
					memmove(&b.r[w + 1], &b.r[w], (k - w) * sizeof *b.r);
					b.r[w++] = r;
				}
			}
		} else if (!strcmp(op, "set-end") && has2) {
			b.end_set = 1;
			b.end_entries = strtoull(argv[i + 1], NULL, 10);
			b.end_forks = strtoull(argv[i + 2], NULL, 10);
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

/* Fills b's header for k's feed at seq, or (seq 0) at the head of k's
 * feed in s plus one, linked to it; prev must hold 32 bytes. */
static int header(Mutua__Body *b, struct store *s, const struct key *k, uint8_t *fid,
		  uint64_t seq, uint8_t *prev)
{
	memset(prev, 0, 32);
	if (seq == 0) {
		struct feed_head h;
		if (store_feed_head(s, k->id, &h))
			return die("%s", err_msg());
		memcpy(prev, h.link, 32);
		seq = h.seq + 1;
	}
	b->federation.data = fid;
	b->federation.len = 32;
	b->author.data = (uint8_t *)k->id;
	b->author.len = 32;
	b->seq = seq;
	b->has_prev = seq > 1;
	b->prev.data = prev;
	b->prev.len = 32;
	/* BUNDLETOOL_TIME (ms): the time a patched node claims */
	const char *t = getenv("BUNDLETOOL_TIME");
	b->time = t ? strtoll(t, NULL, 10) : clock_now_ms();
	return 0;
}

/* BUNDLETOOL_ACT (above) into b, whose header and payload are set; act
 * and sig hold it. 0 none or done, -1 on a bad value (said). */
static int attach_act(Mutua__Body *b, Mutua__StaffAct *act, uint8_t sig[64], uint8_t del[32],
		      struct key **staff)
{
	const char *v = getenv("BUNDLETOOL_ACT");
	char buf[512], *f[4] = {0};
	int n = 0;
	if (!v || !*v)
		return 0;
	snprintf(buf, sizeof buf, "%s", v);
	for (char *p = strtok(buf, ","); p && n < 4; p = strtok(NULL, ","))
		f[n++] = p;
	if (n < 2 || hex_decode(del, 32, f[1]))
		return die("%s", "BUNDLETOOL_ACT: STAFFHOME,DELEGATION[,NONCE[,SIG]]");
	if (!(*staff = home_key(f[0])))
		return -1;
	uint64_t nonce = n >= 3 ? strtoull(f[2], NULL, 10) : 0;
	while (nonce == 0 && n < 3)
		randombytes_buf(&nonce, sizeof nonce);
	const char *how = n == 4 ? f[3] : "";
	if (!strcmp(how, "other")) {
		/* the act of another payload: a vote of nothing */
		Mutua__Body o = *b;
		Mutua__Vote vt = MUTUA__VOTE__INIT;
		uint8_t p[32] = {0};
		vt.proposal = (ProtobufCBinaryData){32, p};
		vt.choice = 1;
		o.payload_case = MUTUA__BODY__PAYLOAD_VOTE;
		o.vote = &vt;
		if (staff_act_sign(&o, *staff, del, nonce, act, sig))
			return die("%s", err_msg());
	} else if (staff_act_sign(b, *staff, del, nonce, act, sig)) {
		return die("%s", err_msg());
	}
	/* staff_act_sign draws a nonce for 0: keep the one asked for */
	act->nonce = nonce;
	if (!strcmp(how, "bad"))
		sig[5] ^= 0x10;
	else if (strlen(how) == 128 && hex_decode(sig, 64, how))
		return die("%s", "BUNDLETOOL_ACT: SIG is bad, other or 128 hex digits");
	b->staff = act;
	char hex[129];
	hex_encode(hex, sig, 64);
	fprintf(stderr, "act %llu %s\n", (unsigned long long)act->nonce, hex);
	return 0;
}

/* Packs and signs b as entry_seal does, without its checks (a malformed
 * body), and writes the record payload to file; prints the id. */
static int sign_out(const Mutua__Body *b, const struct key *k, const char *file)
{
	size_t bl = mutua__body__get_packed_size(b), dl = sizeof ENTRY_SIG_DOMAIN;
	uint8_t *buf = malloc(4 + bl + 64), *m = malloc(dl + bl);
	int rc = 1;
	if (buf && m) {
		put32(buf, (uint32_t)bl);
		mutua__body__pack(b, buf + 4);
		memcpy(m, ENTRY_SIG_DOMAIN, dl);
		memcpy(m + dl, buf + 4, bl);
		crypto_sign_detached(buf + 4 + bl, NULL, m, dl + bl, k->sign_sk);
		if (file_write_atomic(file, buf, 4 + bl + 64, 0644) == 0) {
			uint8_t id[32];
			char hex[HEX_ID_LEN + 1];
			entry_hash(id, buf + 4, bl);
			hex_encode(hex, id, 32);
			puts(hex);
			rc = 0;
		} else {
			die("%s", err_msg());
		}
	}
	free(buf);
	free(m);
	return rc;
}

static int cmd_forge(const char *home, const char *fed, const char *seqs, const char *file,
		     const char *keyfile, int malformed)
{
	uint8_t fid[32], prev[32];
	char *end, title[64], path[4096];
	int next = !strcmp(seqs, "next");
	unsigned long long seq = next ? 0 : strtoull(seqs, &end, 10);
	if (hex_decode(fid, 32, fed) || (!next && (*end || seq < 1)))
		return 2;
	struct key *k = NULL;
	if (keyfile && !(k = key_load(keyfile, getenv("MUTUA_PASSPHRASE"))))
		return die("%s", err_msg());
	if (!k && !(k = home_key(home)))
		return 1;
	struct store *s = NULL;
	snprintf(path, sizeof path, "%s/store.db", home);
	if (next && !(s = store_open(path))) {
		key_destroy(&k);
		return die("%s", err_msg());
	}
	snprintf(title, sizeof title, "Forged offer %08x", randombytes_random());
	Mutua__Offer o = MUTUA__OFFER__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	o.kind = MUTUA__KIND__KIND_EQUIPMENT;
	o.title = title;
	o.unit = MUTUA__UNIT__UNIT_DAY;
	o.capacity = malformed ? 0 : 1;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	int rc = header(&b, s, k, fid, seq, prev) ? 1 : sign_out(&b, k, file);
	store_close(&s);
	key_destroy(&k);
	return rc;
}

/* Stores one record payload as received from a peer and says what
 * happened (quiet: only a refusal). 0 stored, 1 refused, -1 failure. */
static int receive(struct store *s, const uint8_t *rec, size_t n, int quiet)
{
	struct batch_result r;
	uint32_t bl = n >= 4 ? get32(rec) : 0;
	if (n < 4 + 64 || (size_t)bl + 4 + 64 != n) {
		die("%s", "not a record payload");
		return -1;
	}
	struct raw_entry v = {rec + 4, bl, rec + 4 + bl, 64};
	if (store_insert_batch(s, &v, 1, &r)) {
		die("%s", err_msg());
		return -1;
	}
	if (r.rejected)
		printf("rejected: %s\n", err_msg());
	else if (r.held)
		printf("held: dated more than %lld minutes ahead of this clock\n",
		       ENTRY_AHEAD_MAX_MS / 60000);
	else if (!quiet)
		puts(r.added ? "added" : r.forks ? "fork" : "duplicate");
	return r.rejected || r.held ? 1 : 0;
}

/* The records of files[0..n) received in order, as sync does: 0, or 1
 * at the first that fails. */
static int receive_files(struct store *s, int n, char **files)
{
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		size_t len;
		uint8_t *rec = file_read(files[i], 4 + ENTRY_BODY_MAX + 64, &len);
		if (!rec)
			rc = die("%s", err_msg());
		else if (receive(s, rec, len, 0) < 0)
			rc = 1;
		free(rec);
	}
	return rc;
}

static int cmd_receive(int argc, char **argv)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/store.db", argv[2]);
	struct store *s = store_open(path);
	if (!s)
		return die("%s", err_msg());
	int rc = receive_files(s, argc - 3, argv + 3);
	store_close(&s);
	return rc;
}

struct cost {
	unsigned long long statements, steps;
};

static int count_cost(unsigned type, void *arg, void *p, void *x)
{
	struct cost *c = arg;
	(void)x;
	if (type == SQLITE_TRACE_PROFILE) {
		unsigned steps = (unsigned)sqlite3_stmt_status(p, SQLITE_STMTSTATUS_VM_STEP, 1);
		c->statements++;
		c->steps += steps;
		/* BUNDLETOOL_COST_TRACE: each statement's steps, to stderr */
		if (getenv("BUNDLETOOL_COST_TRACE"))
			fprintf(stderr, "%u\t%.200s\n", steps, sqlite3_sql(p));
	}
	return 0;
}

static int cmd_cost(int argc, char **argv)
{
	char path[4096];
	struct cost c = {0, 0};
	snprintf(path, sizeof path, "%s/store.db", argv[2]);
	struct store *s = store_open(path);
	if (!s)
		return die("%s", err_msg());
	sqlite3_trace_v2(store_db(s), SQLITE_TRACE_PROFILE, count_cost, &c);
	int rc = receive_files(s, argc - 3, argv + 3);
	sqlite3_trace_v2(store_db(s), 0, NULL, NULL);
	printf("cost: %llu statements, %llu steps\n", c.statements, c.steps);
	store_close(&s);
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
		{"agree", MUTUA__BODY__PAYLOAD_AGREE},       {"dispute", MUTUA__BODY__PAYLOAD_DISPUTE},
	};
	uint8_t req[32], prev[32], answers[32];
	int payload = 0, has_answers = 0;
	if ((argc != 5 && argc != 7 && argc != 8 && argc != 9) || hex_decode(req, 32, argv[4]))
		return 2;
	if (argc >= 8 && strcmp(argv[7], "head") != 0) {
		if (hex_decode(answers, 32, argv[7]))
			return 2;
		has_answers = 1;
	}
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if (!strcmp(argv[3], types[i].name))
			payload = types[i].payload;
	if (!payload)
		return 2;
	Mutua__Transition t = MUTUA__TRANSITION__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	t.request.data = req;
	t.request.len = 32;
	t.note = "patched node";
	/* a condition report naming one photo hash of any length, and a
	 * forfeit, from the environment */
	Mutua__ConditionReport cr = MUTUA__CONDITION_REPORT__INIT;
	uint8_t photo[64];
	ProtobufCBinaryData photos[1];
	const char *ph = getenv("BUNDLETOOL_PHOTO"), *ff = getenv("BUNDLETOOL_FORFEIT");
	if (ph && *ph) {
		size_t n = strlen(ph) / 2;
		if (n > sizeof photo || hex_decode(photo, n, ph))
			return 2;
		photos[0] = (ProtobufCBinaryData){n, photo};
		cr.n_photos = 1;
		cr.photos = photos;
		cr.damage = "forged report";
		t.report = &cr;
	}
	if (ff && *ff) {
		t.has_forfeit = 1;
		t.forfeit = strtoull(ff, NULL, 10);
	}
	if (argc >= 7) {
		long long usage = strtoll(argv[5], NULL, 10), rate = strtoll(argv[6], NULL, 10);
		t.has_usage = usage >= 0;
		t.usage = (uint64_t)usage;
		t.has_rate = rate >= 0;
		t.rate = (uint64_t)rate;
	}
	b.payload_case = payload;
	switch (payload) {
	case MUTUA__BODY__PAYLOAD_ACCEPT: b.accept = &t; break;
	case MUTUA__BODY__PAYLOAD_DECLINE: b.decline = &t; break;
	case MUTUA__BODY__PAYLOAD_CANCEL: b.cancel = &t; break;
	case MUTUA__BODY__PAYLOAD_HANDOVER: b.handover = &t; break;
	case MUTUA__BODY__PAYLOAD_GIVE_BACK: b.give_back = &t; break;
	case MUTUA__BODY__PAYLOAD_AGREE: b.agree = &t; break;
	case MUTUA__BODY__PAYLOAD_DISPUTE: b.dispute = &t; break;
	default: b.close = &t; break;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/store.db", argv[2]);
	struct store *s = store_open(path);
	if (!s)
		return die("%s", err_msg());
	struct key *k = home_key(argv[2]);
	struct entry e = {0};
	int rc = 1;
	struct lending_loan l;
	int known = lending_loan_get(s, req, &l) == 1;
	if (!has_answers && known)
		memcpy(answers, l.head, 32);
	t.has_answers = has_answers || known;
	t.answers.data = answers;
	t.answers.len = 32;
	Mutua__StaffAct act;
	uint8_t asig[64], adel[32];
	struct key *staff = NULL;
	if (k && header(&b, s, k, (uint8_t *)store_fed_id(s), 0, prev) == 0) {
		/* not before the step it answers, as lending_append stamps it,
		 * unless a time is given */
		if (known && !has_answers && b.time < l.head_time)
			b.time = l.head_time;
		if (argc == 9)
			b.time = strtoll(argv[8], NULL, 10);
		if (attach_act(&b, &act, asig, adel, &staff))
			;
		else if (entry_seal(&e, k, &b))
			die("%s", err_msg());
		else {
			uint8_t *rec = malloc(4 + e.body_len + 64);
			if (rec) {
				put32(rec, (uint32_t)e.body_len);
				memcpy(rec + 4, e.body, e.body_len);
				memcpy(rec + 4 + e.body_len, e.sig, 64);
				rc = receive(s, rec, 4 + e.body_len + 64, 1) ? 1 : 0;
				free(rec);
			}
			if (rc == 0) {
				char hex[HEX_ID_LEN + 1];
				hex_encode(hex, e.id, 32);
				puts(hex);
			}
			entry_free(&e);
		}
	}
	key_destroy(&staff);
	key_destroy(&k);
	store_close(&s);
	return rc;
}

static int cmd_sign(int argc, char **argv)
{
	const char *home = argv[2], *when = argv[3], *file = argv[4], *kind = argv[5];
	char *end;
	long long t = strtoll(when, &end, 10);
	if (*end || argc < 6)
		return 2;
	if (*when == '+' || *when == '-')
		t += clock_now_ms();
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	Mutua__OfferUpdate ou = MUTUA__OFFER_UPDATE__INIT;
	Mutua__OfferWithdraw ow = MUTUA__OFFER_WITHDRAW__INIT;
	Mutua__Vote v = MUTUA__VOTE__INIT;
	Mutua__Tally tl = MUTUA__TALLY__INIT;
	Mutua__KeyRotation kr = MUTUA__KEY_ROTATION__INIT;
	Mutua__Block blk = MUTUA__BLOCK__INIT;
	Mutua__Unblock ub = MUTUA__UNBLOCK__INIT;
	Mutua__Delegation dg = MUTUA__DELEGATION__INIT;
	Mutua__Revocation rv = MUTUA__REVOCATION__INIT;
	uint32_t roles[8];
	Mutua__Request rq = MUTUA__REQUEST__INIT;
	uint8_t prop[32], ids[64][32], cut_key[32], prev[32];
	ProtobufCBinaryData cites[64];
	Mutua__Proposal pr = MUTUA__PROPOSAL__INIT;
	Mutua__Parameter par = MUTUA__PARAMETER__INIT;
	char desc[DESCRIPTION_MAX_LEN + 1];
	uint8_t res[32];
	char *reqs[8], reqbuf[256];
	if (!strcmp(kind, "request") && (argc == 9 || argc == 10)) {
		/* a request naming the requirements given (comma-joined, sorted),
		 * no deposit, no conditions, no estimate: what a patched node
		 * would sign to skip the offer's terms */
		if (hex_decode(res, 32, argv[6]))
			return 2;
		rq.resource = (ProtobufCBinaryData){32, res};
		rq.start = strtoll(argv[7], NULL, 10);
		rq.end = strtoll(argv[8], NULL, 10);
		rq.quantity = 1;
		if (argc == 10) {
			snprintf(reqbuf, sizeof reqbuf, "%s", argv[9]);
			for (char *p = strtok(reqbuf, ","); p && rq.n_requires < 8; p = strtok(NULL, ","))
				reqs[rq.n_requires++] = p;
			rq.requires = reqs;
		}
		b.payload_case = MUTUA__BODY__PAYLOAD_REQUEST;
		b.request = &rq;
	} else if (!strcmp(kind, "offer") && (argc == 6 || argc == 7)) {
		o.kind = MUTUA__KIND__KIND_VEHICLE;
		o.title = "Forged van";
		o.unit = MUTUA__UNIT__UNIT_DAY;
		o.capacity = 1;
		if (argc == 7) {
			long n = atol(argv[6]);
			if (n < 0 || n > DESCRIPTION_MAX_LEN)
				return 2;
			memset(desc, 'x', (size_t)n);
			desc[n] = 0;
			o.description = desc;
		}
		b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
		b.offer = &o;
	} else if (!strcmp(kind, "update") && argc == 8) {
		/* any resource's fields, its owner's or not, held or not */
		if (hex_decode(res, 32, argv[6]))
			return 2;
		o.kind = MUTUA__KIND__KIND_VEHICLE;
		o.title = argv[7];
		o.unit = MUTUA__UNIT__UNIT_DAY;
		o.capacity = 1;
		ou.offer = (ProtobufCBinaryData){32, res};
		ou.fields = &o;
		b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_UPDATE;
		b.offer_update = &ou;
	} else if (!strcmp(kind, "withdraw") && argc == 7) {
		if (hex_decode(res, 32, argv[6]))
			return 2;
		ow.offer = (ProtobufCBinaryData){32, res};
		b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW;
		b.offer_withdraw = &ow;
	} else if (!strcmp(kind, "set") && (argc == 8 || argc == 9)) {
		par.name = argv[6];
		par.value = strtoll(argv[7], NULL, 10);
		pr.what_case = MUTUA__PROPOSAL__WHAT_SET;
		pr.set = &par;
		pr.reason = argc == 9 ? argv[8] : NULL;
		b.payload_case = MUTUA__BODY__PAYLOAD_PROPOSAL;
		b.proposal = &pr;
	} else if (!strcmp(kind, "vote") && argc == 8) {
		if (hex_decode(prop, 32, argv[6]))
			return 2;
		v.proposal = (ProtobufCBinaryData){32, prop};
		v.choice = !strcmp(argv[7], "yes") ? 1 : !strcmp(argv[7], "no") ? 2 : 3;
		b.payload_case = MUTUA__BODY__PAYLOAD_VOTE;
		b.vote = &v;
	} else if (!strcmp(kind, "tally") && argc >= 7) {
		if (hex_decode(prop, 32, argv[6]))
			return 2;
		tl.proposal = (ProtobufCBinaryData){32, prop};
		tl.votes = cites;
		for (int i = 7; i < argc && tl.n_votes < 64; i++) {
			if (!strncmp(argv[i], "cut=", 4)) {
				char *colon = strchr(argv[i], ':');
				if (!colon || colon - argv[i] - 4 != 64)
					return 2;
				*colon = 0;
				if (hex_decode(cut_key, 32, argv[i] + 4))
					return 2;
				tl.cut_key = (ProtobufCBinaryData){32, cut_key};
				tl.has_cut_key = tl.has_cut = 1;
				tl.cut = strtoull(colon + 1, NULL, 10);
				continue;
			}
			if (hex_decode(ids[tl.n_votes], 32, argv[i]))
				return 2;
			cites[tl.n_votes] = (ProtobufCBinaryData){32, ids[tl.n_votes]};
			tl.n_votes++;
		}
		b.payload_case = MUTUA__BODY__PAYLOAD_TALLY;
		b.tally = &tl;
	} else if (!strcmp(kind, "block") && argc == 10) {
		if (hex_decode(prop, 32, argv[6]))
			return 2;
		blk.resource = (ProtobufCBinaryData){32, prop};
		blk.start = strtoll(argv[7], NULL, 10);
		blk.end = strtoll(argv[8], NULL, 10);
		blk.quantity = strtoull(argv[9], NULL, 10);
		blk.reason = 2;
		b.payload_case = MUTUA__BODY__PAYLOAD_BLOCK;
		b.block = &blk;
	} else if (!strcmp(kind, "series") && argc == 10) {
		if (hex_decode(prop, 32, argv[6]))
			return 2;
		rq.resource = (ProtobufCBinaryData){32, prop};
		rq.start = strtoll(argv[7], NULL, 10);
		rq.end = strtoll(argv[8], NULL, 10);
		rq.quantity = 1;
		rq.has_repeat = rq.has_until = 1;
		rq.repeat = 1;
		rq.until = strtoll(argv[9], NULL, 10);
		b.payload_case = MUTUA__BODY__PAYLOAD_REQUEST;
		b.request = &rq;
	} else if (!strcmp(kind, "unblock") && argc == 7) {
		if (hex_decode(prop, 32, argv[6]))
			return 2;
		ub.block = (ProtobufCBinaryData){32, prop};
		b.payload_case = MUTUA__BODY__PAYLOAD_UNBLOCK;
		b.unblock = &ub;
	} else if (!strcmp(kind, "delegate") && argc >= 9 && argc <= 11) {
		size_t n;
		char *text = (char *)file_read(argv[6], 65536, &n);
		if (!text || !(dg.card = card_decode(text, NULL)))
			return die("%s", err_msg());
		free(text);
		kr.card = dg.card; /* freed below */
		dg.name = argv[7];
		snprintf(reqbuf, sizeof reqbuf, "%s", argv[8]);
		for (char *p = strtok(reqbuf, ","); p && dg.n_roles < 8; p = strtok(NULL, ","))
			roles[dg.n_roles++] = (uint32_t)strtoul(p, NULL, 10);
		dg.roles = roles;
		if (argc >= 10 && strtoll(argv[9], NULL, 10)) {
			dg.has_until = 1;
			dg.until = strtoll(argv[9], NULL, 10);
		}
		if (argc == 11 && !strcmp(argv[10], "badsig"))
			dg.card->sig.data[7] ^= 1;
		b.payload_case = MUTUA__BODY__PAYLOAD_DELEGATION;
		b.delegation = &dg;
	} else if (!strcmp(kind, "revoke") && (argc == 7 || argc == 8)) {
		if (hex_decode(prop, 32, argv[6]))
			return 2;
		rv.delegation = (ProtobufCBinaryData){32, prop};
		rv.reason = argc == 8 ? argv[7] : NULL;
		b.payload_case = MUTUA__BODY__PAYLOAD_REVOCATION;
		b.revocation = &rv;
	} else if (!strcmp(kind, "rotate") && argc == 7) {
		size_t n;
		char *text = (char *)file_read(argv[6], 65536, &n);
		if (!text || !(kr.card = card_decode(text, NULL)))
			return die("%s", err_msg());
		free(text);
		b.payload_case = MUTUA__BODY__PAYLOAD_ROTATE;
		b.rotate = &kr;
	} else {
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/store.db", home);
	struct store *s = store_open(path);
	if (!s)
		return die("%s", err_msg());
	struct key *k = home_key(home);
	int rc = 1;
	Mutua__StaffAct act;
	uint8_t asig[64], adel[32];
	struct key *staff = NULL;
	if (k && header(&b, s, k, (uint8_t *)store_fed_id(s), 0, prev) == 0) {
		b.time = t;
		if (attach_act(&b, &act, asig, adel, &staff) == 0 && sign_out(&b, k, file) == 0) {
			size_t n;
			uint8_t *rec = file_read(file, 4 + ENTRY_BODY_MAX + 64, &n);
			rc = rec && receive(s, rec, n, 1) >= 0 ? 0 : 1;
			free(rec);
		}
	}
	if (kr.card)
		mutua__card__free_unpacked(kr.card, NULL);
	key_destroy(&staff);
	key_destroy(&k);
	store_close(&s);
	return rc;
}

/* Writes e's record payload to file. */
static int write_rec(const struct entry *e, const char *file)
{
	uint8_t *rec = malloc(4 + e->body_len + 64);
	if (!rec)
		return die("%s", "out of memory");
	put32(rec, (uint32_t)e->body_len);
	memcpy(rec + 4, e->body, e->body_len);
	memcpy(rec + 4 + e->body_len, e->sig, 64);
	int rc = file_write_atomic(file, rec, 4 + e->body_len + 64, 0644) ? die("%s", err_msg())
									    : 0;
	free(rec);
	return rc;
}

static int cmd_witness(int argc, char **argv)
{
	size_t n = (size_t)argc - 5;
	char path[4096], *end;
	uint8_t prev[32];
	if (n < 1 || n > WITNESS_HEADS_MAX)
		return 2;
	snprintf(path, sizeof path, "%s/store.db", argv[2]);
	struct store *s = store_open(path);
	if (!s)
		return die("%s", err_msg());
	struct key *k = home_key(argv[2]);
	Mutua__WitnessedHead *h = calloc(n, sizeof *h);
	Mutua__WitnessedHead **hp = calloc(n, sizeof *hp);
	uint8_t (*keys)[64] = calloc(n, sizeof *keys);
	int rc = 2;
	if (!h || !hp || !keys || !k)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char feed[65], root[65] = "";
		unsigned long long seq;
		const char *a = argv[5 + i];
		if (strlen(a) < 66 || a[64] != ':')
			goto out;
		memcpy(feed, a, 64);
		feed[64] = 0;
		seq = strtoull(a + 65, &end, 10);
		if (*end == ':')
			snprintf(root, sizeof root, "%s", end + 1);
		else if (*end)
			goto out;
		mutua__witnessed_head__init(&h[i]);
		if (hex_decode(keys[i], 32, feed) ||
		    (*root && hex_decode(keys[i] + 32, 32, root)))
			goto out;
		if (!*root && witness_feed_root(s, keys[i], seq, keys[i] + 32)) {
			rc = die("%s", err_msg());
			goto out;
		}
		h[i].feed.data = keys[i];
		h[i].feed.len = 32;
		h[i].seq = seq;
		h[i].root.data = keys[i] + 32;
		h[i].root.len = 32;
		hp[i] = &h[i];
	}
	Mutua__Witness w = MUTUA__WITNESS__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	w.n_heads = n;
	w.heads = hp;
	b.payload_case = MUTUA__BODY__PAYLOAD_WITNESS;
	b.witness = &w;
	rc = 1;
	if (header(&b, s, k, (uint8_t *)store_fed_id(s), 0, prev))
		goto out;
	if (strcmp(argv[3], "now")) {
		b.time = strtoll(argv[3], &end, 10);
		if (*end) {
			rc = 2;
			goto out;
		}
	}
	struct entry e = {0};
	if (entry_seal(&e, k, &b)) {
		die("%s", err_msg());
		goto out;
	}
	if (write_rec(&e, argv[4]) == 0) {
		size_t len;
		uint8_t *rec = file_read(argv[4], 4 + ENTRY_BODY_MAX + 64, &len);
		if (rec && receive(s, rec, len, 1) == 0) {
			char hex[HEX_ID_LEN + 1];
			hex_encode(hex, e.id, 32);
			puts(hex);
			rc = 0;
		}
		free(rec);
	}
	entry_free(&e);
out:
	free(h);
	free(hp);
	free(keys);
	key_destroy(&k);
	store_close(&s);
	return rc;
}

static int cmd_decode(int genesis)
{
	static char line[2 * ENTRY_BODY_MAX + 16];
	static uint8_t body[ENTRY_BODY_MAX + 1];
	uint8_t sig[64] = {0};
	while (fgets(line, sizeof line, stdin)) {
		size_t n = strcspn(line, "\r\n"), bl = n / 2;
		int bad = n % 2 || bl > ENTRY_BODY_MAX;
		if (!line[n] && n == sizeof line - 1) { /* longer than any body: skip the rest */
			int c;
			while ((c = getchar()) != EOF && c != '\n')
				;
			bad = 1;
		}
		for (size_t i = 0; !bad && i < bl; i++) {
			unsigned v;
			bad = sscanf(line + 2 * i, "%2x", &v) != 1;
			body[i] = (uint8_t)v;
		}
		struct entry e;
		Mutua__Genesis *g = NULL;
		uint8_t fid[32];
		if (bad) {
			puts("refused: not hex");
		} else if (genesis ? (g = genesis_decode(body, bl, fid)) != NULL
				   : entry_decode(&e, body, bl, sig, sizeof sig) == 0) {
			puts("ok");
			if (g)
				mutua__genesis__free_unpacked(g, NULL);
			else
				entry_free(&e);
		} else {
			char why[512];
			snprintf(why, sizeof why, "%s", err_msg());
			for (char *p = why; *p; p++)
				if (*p == '\n' || *p == '\r')
					*p = ' ';
			printf("refused: %s\n", why);
		}
	}
	return ferror(stdin) ? 1 : 0;
}

static int cmd_cards(const char *dir, const char *first, const char *last)
{
	long a = atol(first), b = atol(last);
	if (a < 1 || b < a || b - a > 100000)
		return 2;
	for (long i = a; i <= b; i++) {
		uint8_t seed[32];
		char name[32], ep[4200], path[4200];
		randombytes_buf(seed, sizeof seed);
		struct key *k = key_new(seed);
		sodium_memzero(seed, sizeof seed);
		snprintf(name, sizeof name, "N%ld", i);
		snprintf(ep, sizeof ep, "ipc://%s/%ld.sock", dir, i);
		char *eps[] = {ep};
		char *card = k ? card_make(k, name, NULL, eps, 1, clock_now_ms()) : NULL;
		key_destroy(&k);
		snprintf(path, sizeof path, "%s/%ld.card", dir, i);
		FILE *f = card ? fopen(path, "w") : NULL;
		if (!f || fprintf(f, "%s\n", card) < 0 || fclose(f)) {
			free(card);
			return die("cards: %s", card ? path : err_msg());
		}
		free(card);
	}
	return 0;
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
	else if ((argc == 6 || argc == 7) && !strcmp(argv[1], "forge"))
		rc = cmd_forge(argv[2], argv[3], argv[4], argv[5], argc == 7 ? argv[6] : NULL, 0);
	else if (argc == 6 && !strcmp(argv[1], "malformed"))
		rc = cmd_forge(argv[2], argv[3], argv[4], argv[5], NULL, 1);
	else if (argc >= 5 && !strcmp(argv[1], "step"))
		rc = cmd_step(argc, argv);
	else if (argc >= 6 && !strcmp(argv[1], "sign"))
		rc = cmd_sign(argc, argv);
	else if (argc >= 4 && !strcmp(argv[1], "receive"))
		rc = cmd_receive(argc, argv);
	else if (argc >= 4 && !strcmp(argv[1], "cost"))
		rc = cmd_cost(argc, argv);
	else if (argc >= 6 && !strcmp(argv[1], "witness"))
		rc = cmd_witness(argc, argv);
	else if (argc == 2 && !strcmp(argv[1], "decode"))
		rc = cmd_decode(0);
	else if (argc == 5 && !strcmp(argv[1], "cards"))
		rc = cmd_cards(argv[2], argv[3], argv[4]);
	else if (argc == 3 && !strcmp(argv[1], "decode") && !strcmp(argv[2], "genesis"))
		rc = cmd_decode(1);
	if (rc == 2)
		fprintf(stderr, "usage: bundletool list BUNDLE | edit IN OUT OP... | pick BUNDLE N "
				"FILE | forge HOME FEDERATION SEQ FILE [KEY] | malformed HOME "
				"FEDERATION SEQ FILE | step HOME TYPE REQUEST [USAGE RATE [ANSWERS [TIME]]] | "
				"sign HOME TIME FILE KIND ARGS... | receive HOME FILE... | cost HOME FILE... | "
				"witness HOME TIME FILE FEED:SEQ[:ROOT]... | decode [genesis] | "
				"cards DIR FIRST LAST\n");
	return rc;
}
