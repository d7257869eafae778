/* cmd_proof.c - mutua checkpoint, witness, proof, fork-proof, verify-proof: signed
 * checkpoints of this member's feed (checkpoint.h), and portable proofs of
 * one loan or of a fork that anyone holding the genesis checks offline
 * (proof.h: the file format and what a valid proof shows). */
#include "checkpoint.h"
#include "witness.h"
#include "cli.h"
#include "i18n.h"
#include "federation.h"
#include "proof.h"
#include "util.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* A JSON string; names and titles hold no control characters (entry.h). */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

int cmd_checkpoint(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua checkpoint";
	uint8_t id[32];
	uint64_t seq;
	char hex[HEX_ID_LEN + 1];
	int rc;
	(void)argv;
	if (argc != 1)
		return usage(use);
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	if (checkpoint_append(c->store, c->key, id, &seq))
		return fail_err(EXIT_REFUSED, NULL);
	hex_encode(hex, id, 32);
	if (c->json)
		printf("{\"id\":\"%s\",\"seq\":%llu,\"size\":%llu}\n", hex, (unsigned long long)seq,
		       (unsigned long long)seq - 1);
	else
		puts(hex);
	return EXIT_OK;
}

/* What mutuad does from time to time (witness.h), at once: the heads of
 * the feeds that moved since this member's previous witness. */
int cmd_witness(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua witness";
	size_t heads, entries;
	int rc;
	(void)argv;
	if (argc != 1)
		return usage(use);
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	int64_t t0 = clock_now_ms();
	if (witness_append(c->store, c->key, INT64_MAX, &heads, &entries))
		return fail_err(EXIT_REFUSED, "cannot witness");
	double secs = (double)(clock_now_ms() - t0) / 1000;
	if (c->json)
		printf("{\"heads\":%zu,\"entries\":%zu,\"seconds\":%.3f}\n", heads, entries, secs);
	else if (entries)
		printf(P_("witnessed %zu head(s) in %zu entry (%.3f s)\n",
			  "witnessed %zu head(s) in %zu entries (%.3f s)\n", entries),
		       heads, entries, secs);
	else
		puts(_("nothing to witness: no feed moved since this member's last witness"));
	return EXIT_OK;
}

/* --out FILE and one argument; EXIT_OK or the usage error. */
static int out_args(int argc, char **argv, const char *use, const char **out)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{0},
	};
	int o;
	*out = NULL;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'o')
			return usage(use);
		*out = optarg;
	}
	if (!*out)
		return missing(argv[0], "--out", use);
	if (optind != argc - 1)
		return usage(use);
	return EXIT_OK;
}

int cmd_proof(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua proof REQ --out FILE";
	const char *out;
	uint8_t req[32], cp_id[32];
	uint64_t cp_seq = 0;
	struct proof p;
	struct proof_gap gap;
	int rc;
	if ((rc = out_args(argc, argv, use, &out)))
		return rc;
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) ||
	    (rc = resolve_id(c, "request", &view_loan_ids, argv[optind], req)))
		return rc;
	int r = proof_loan_build(&p, c->store, req, c->me, &gap);
	if (r == 2) {
		/* only this member's own feed lacks a checkpoint: make one */
		if (checkpoint_append(c->store, c->key, cp_id, &cp_seq))
			return fail_err(EXIT_REFUSED, "cannot checkpoint this member's feed");
		if (!c->json)
			fprintf(stderr,
				_("mutua: checkpoint of this member's feed appended (seq %llu)\n"),
				(unsigned long long)cp_seq);
		r = proof_loan_build(&p, c->store, req, c->me, &gap);
	}
	if (r < 0)
		return fail_err(EXIT_REFUSED, NULL);
	if (r > 0) {
		char author[HEX_ID_LEN + 1];
		hex_encode(author, gap.author, KEY_ID_BYTES);
		/* mutuad checkpoints by itself only a day after the entry */
		if (gap.owner)
			return fail(EXIT_REFUSED, "the owner's feed (%.12s) has no checkpoint "
				    "covering the %s yet: its mutuad makes one within %lld h of the "
				    "entry (or after %d more entries); to have the proof now, ask the "
				    "owner to run 'mutua checkpoint', then, once this node holds it "
				    "('mutua sync' or mutuad), run this command again", author,
				    gap.step, (long long)(CHECKPOINT_AGE_MS / 3600000),
				    CHECKPOINT_EVERY);
		return fail(EXIT_REFUSED, "the borrower's feed (%.12s) has no checkpoint covering "
			    "the %s yet: its mutuad makes one within %lld h of the entry (or after "
			    "%d more entries); to have the proof now, ask the borrower to run "
			    "'mutua checkpoint', then, once this node holds it ('mutua sync' or "
			    "mutuad), run this command again", author, gap.step,
			    (long long)(CHECKPOINT_AGE_MS / 3600000), CHECKPOINT_EVERY);
	}
	rc = proof_write(&p, out) ? fail_err(EXIT_REFUSED, NULL) : EXIT_OK;
	if (rc == EXIT_OK) {
		char hex[HEX_ID_LEN + 1];
		hex_encode(hex, req, 32);
		if (c->json) {
			printf("{\"out\":");
			json_str(out);
			printf(",\"request\":\"%s\",\"entries\":%zu,\"checkpoint_seq\":", hex, p.n);
			if (cp_seq)
				printf("%llu}\n", (unsigned long long)cp_seq);
			else
				printf("null}\n");
		} else {
			fprintf(stderr, _("mutua: proof of loan %.12s (%zu entries) written to %s\n"), hex,
				p.n, out);
		}
	}
	proof_free(&p);
	return rc;
}

int cmd_fork_proof(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua fork-proof MEMBER --out FILE";
	const char *out;
	uint8_t member[32];
	struct proof p;
	int rc;
	if ((rc = out_args(argc, argv, use, &out)))
		return rc;
	if ((rc = cli_open(c, NEED_FED)) || (rc = resolve_member(c, argv[optind], member)))
		return rc;
	if (proof_fork_build(&p, c->store, member))
		return fail_err(EXIT_REFUSED, NULL);
	rc = proof_write(&p, out) ? fail_err(EXIT_REFUSED, NULL) : EXIT_OK;
	if (rc == EXIT_OK) {
		char hex[HEX_ID_LEN + 1];
		hex_encode(hex, member, 32);
		if (c->json) {
			printf("{\"out\":");
			json_str(out);
			printf(",\"member\":\"%s\",\"seq\":%llu}\n", hex,
			       (unsigned long long)p.rec[0].e.b->seq);
		} else {
			fprintf(stderr, _("mutua: fork proof of member %.12s at seq %llu written to %s\n"),
				hex, (unsigned long long)p.rec[0].e.b->seq, out);
		}
	}
	proof_free(&p);
	return rc;
}

/* ---- verify-proof ------------------------------------------------------ */

/* The founder's name from its card in the genesis, or "" for a member
 * admitted later (the genesis does not know it). */
static void founder_name(const Mutua__Genesis *g, const uint8_t *id, char *out, size_t n)
{
	*out = 0;
	for (size_t i = 0; i < g->n_founders; i++) {
		Mutua__CardBody *cb = card_open(g->founders[i]);
		if (!cb)
			continue;
		if (cb->id.len == KEY_ID_BYTES && memcmp(cb->id.data, id, KEY_ID_BYTES) == 0)
			snprintf(out, n, "%s", cb->name);
		mutua__card_body__free_unpacked(cb, NULL);
		if (*out)
			return;
	}
}

/* "Alpha (ID)" for a founder, "ID" for anyone else. */
static void who(const Mutua__Genesis *g, const uint8_t *id, char *out, size_t n)
{
	char name[NAME_MAX_LEN + 1], hex[HEX_ID_LEN + 1];
	founder_name(g, id, name, sizeof name);
	hex_encode(hex, id, 32);
	if (*name)
		snprintf(out, n, "%s (%s)", name, hex);
	else
		snprintf(out, n, "%s", hex);
}

/* Thousandths of a unit: "2", "2.5", "0.125". */
static void usage_format(char *buf, size_t n, int64_t u)
{
	int len = snprintf(buf, n, "%lld.%03lld", (long long)(u / 1000), (long long)(u % 1000));
	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = 0;
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = 0;
}

static void json_member(const char *key, const Mutua__Genesis *g, const uint8_t *id)
{
	char name[NAME_MAX_LEN + 1], hex[HEX_ID_LEN + 1];
	founder_name(g, id, name, sizeof name);
	hex_encode(hex, id, 32);
	printf(",\"%s\":\"%s\",\"%s_name\":", key, hex, key);
	if (*name)
		json_str(name);
	else
		printf("null");
}

static void json_time(const char *key, const struct entry *e)
{
	char t[CLOCK_BUF];
	printf(",\"%s\":", key);
	if (!e) {
		printf("null");
		return;
	}
	clock_format_iso(t, e->b->time);
	printf("\"%s\"", t);
}

static void print_loan(struct ctx *c, const Mutua__Genesis *g, const char *fed,
		       const struct proof_loan *l)
{
	const Mutua__Offer *o = l->offer->b->offer;
	const Mutua__Request *r = l->request->b->request;
	const uint8_t *owner = l->offer->b->author.data, *borrower = l->request->b->author.data;
	const char *state = l->close ? "closed" : l->give_back ? "returned"
			    : l->handover ? "handed_over" : "accepted";
	char req[HEX_ID_LEN + 1], res[HEX_ID_LEN + 1], t1[CLOCK_BUF], t2[CLOCK_BUF];
	char use[32] = "", rate[AMOUNT_BUF] = "", credits[AMOUNT_BUF] = "";
	hex_encode(req, l->request->id, 32);
	hex_encode(res, l->offer->id, 32);
	/* local time with its offset; ISO 8601 with it under --json */
	(c->json ? clock_format_iso : clock_format_offset)(t1, r->start);
	(c->json ? clock_format_iso : clock_format_offset)(t2, r->end);
	if (l->close) {
		usage_format(use, sizeof use, l->usage);
		/* numbers under --json, the reader's style for a person */
		(c->json ? amount_format : amount_format_local)(rate, l->rate);
		(c->json ? amount_format : amount_format_local)(credits, l->credits);
	}
	if (c->json) {
		printf("{\"proof\":\"loan\",\"ok\":true,\"federation\":\"%s\",\"federation_name\":",
		       fed);
		json_str(g->name);
		printf(",\"request\":\"%s\"", req);
		json_member("borrower", g, borrower);
		json_member("owner", g, owner);
		printf(",\"resource\":\"%s\",\"title\":", res);
		json_str(o->title);
		printf(",\"unit\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"quantity\":%llu,"
		       "\"state\":\"%s\"", entry_unit_name(o->unit), t1, t2,
		       (unsigned long long)r->quantity, state);
		json_time("accepted", l->accept);
		json_time("handed_over", l->handover);
		json_time("returned", l->give_back);
		json_time("closed", l->close);
		if (l->close)
			printf(",\"usage\":%s,\"rate\":%s,\"credits\":%s}\n", use, rate, credits);
		else
			printf(",\"usage\":null,\"rate\":null,\"credits\":null}\n");
		return;
	}
	char bw[NAME_MAX_LEN + HEX_ID_LEN + 8], ow[sizeof bw], bname[NAME_MAX_LEN + 1],
		oname[NAME_MAX_LEN + 1];
	who(g, borrower, bw, sizeof bw);
	who(g, owner, ow, sizeof ow);
	founder_name(g, borrower, bname, sizeof bname);
	founder_name(g, owner, oname, sizeof oname);
	printf(_("loan proof OK: federation %s (%s)\n"), g->name, fed);
	printf(_("request   %s\n"), req);
	printf(_("borrower  %s\n"), bw);
	printf(_("owner     %s\n"), ow);
	printf(_("resource  %s: %s, %s, counted by the %s\n"), res, o->title, entry_kind_name(o->kind),
	       entry_unit_name(o->unit));
	printf(_("slot      %s to %s, quantity %llu\n"), t1, t2, (unsigned long long)r->quantity);
	clock_format_offset(t1, l->accept->b->time);
	printf(_("accepted  %s\n"), t1);
	if (l->handover) {
		clock_format_offset(t1, l->handover->b->time);
		printf(_("handover  %s\n"), t1);
	}
	if (l->give_back) {
		clock_format_offset(t1, l->give_back->b->time);
		printf(_("returned  %s\n"), t1);
	}
	if (l->close) {
		clock_format_offset(t1, l->close->b->time);
		printf(_("closed    %s: usage %s %s at %s credits per %s, %s credits from %s to %s\n"),
		       t1, use, entry_unit_name(o->unit), rate, entry_unit_name(o->unit), credits,
		       *bname ? bname : "the borrower", *oname ? oname : "the owner");
	} else {
		printf(_("closed    not shown (the loan was %s when the proof was made)\n"),
		       strcmp(state, "handed_over") == 0 ? "handed over" : state);
	}
}

static void print_fork(struct ctx *c, const Mutua__Genesis *g, const char *fed,
		       const struct proof *p)
{
	const struct entry *a = &p->rec[0].e, *b = &p->rec[1].e;
	char name[NAME_MAX_LEN + 1], member[HEX_ID_LEN + 1], ia[HEX_ID_LEN + 1],
		ib[HEX_ID_LEN + 1];
	founder_name(g, a->b->author.data, name, sizeof name);
	hex_encode(member, a->b->author.data, 32);
	hex_encode(ia, a->id, 32);
	hex_encode(ib, b->id, 32);
	if (c->json) {
		printf("{\"proof\":\"fork\",\"ok\":true,\"federation\":\"%s\",\"member\":\"%s\","
		       "\"member_name\":", fed, member);
		if (*name)
			json_str(name);
		else
			printf("null");
		printf(",\"seq\":%llu,\"entries\":[\"%s\",\"%s\"]}\n",
		       (unsigned long long)a->b->seq, ia, ib);
		return;
	}
	printf(_("fork proof: member %s signed two entries at seq %llu\n"), *name ? name : member,
	       (unsigned long long)a->b->seq);
	printf(_("member    %s\n"), member);
	printf(_("entries   %s\n          %s\n"), ia, ib);
	printf(_("federation %s (%s)\n"), g->name, fed);
}

int cmd_verify_proof(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua verify-proof FILE --genesis GENESIS";
	static const struct option opts[] = {
		{"genesis", required_argument, NULL, 'g'},
		{0},
	};
	const char *genesis = NULL;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'g')
			return usage(use);
		genesis = optarg;
	}
	if (!genesis)
		return missing("verify-proof", "--genesis", use);
	if (optind != argc - 1)
		return usage(use);
	const char *file = argv[optind];

	/* no store: the genesis is the only thing trusted */
	size_t tl, gl;
	uint8_t fed_id[32], *g = NULL;
	char fed[HEX_ID_LEN + 1];
	Mutua__Genesis *gm = NULL;
	uint8_t *text = file_read(genesis, GENESIS_TEXT_MAX, &tl);
	if (!text)
		return fail_err(EXIT_REFUSED, NULL);
	if (genesis_unarmor((char *)text, &g, &gl) || !(gm = genesis_decode(g, gl, fed_id))) {
		free(text);
		free(g);
		return fail(EXIT_REFUSED, "'%s': %s", genesis, err_msg_local());
	}
	free(text);
	free(g);
	hex_encode(fed, fed_id, 32);

	struct proof p;
	struct proof_loan loan;
	int rc = EXIT_OK;
	if (proof_read(&p, file)) {
		rc = fail(EXIT_REFUSED, "'%s': %s", file, err_msg_local());
	} else if (proof_verify(&p, fed_id, &loan)) {
		rc = fail(EXIT_REFUSED, "'%s' proves nothing: %s", file, err_msg_local());
	} else if (p.kind == PROOF_LOAN) {
		print_loan(c, gm, fed, &loan);
	} else {
		print_fork(c, gm, fed, &p);
	}
	proof_free(&p);
	mutua__genesis__free_unpacked(gm, NULL);
	return rc;
}
