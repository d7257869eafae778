/* cmd_audit.c - mutua export, mutua audit: the signed history for an
 * auditor, and its verification from scratch. */
#include "audit.h"
#include "cli.h"
#include "staff.h"
#include "i18n.h"
#include "history.h"
#include "json.h"
#include "util.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_export(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua export --out FILE";
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{0},
	};
	const char *out = NULL;
	int o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'o')
			return usage(use);
		out = optarg;
	}
	if (!out)
		return missing("export", "--out", use);
	if (optind != argc)
		return usage(use);
	if ((rc = cli_open(c, NEED_FED)))
		return rc;
	uint64_t entries, forks;
	if (history_export(c->store, out, &entries, &forks))
		return fail_err(EXIT_REFUSED, NULL);
	if (c->json) {
		fputs("{\"out\":", stdout);
		json_string(stdout, out);
		printf(",\"entries\":%llu,\"forks\":%llu}\n", (unsigned long long)entries,
		       (unsigned long long)forks);
	} else {
		fprintf(stderr, _("mutua: %llu entries and %llu fork proofs written to %s\n"),
			(unsigned long long)entries, (unsigned long long)forks, out);
	}
	return EXIT_OK;
}

static void on_issue(void *arg, const struct audit_issue *v)
{
	struct ctx *c = arg;
	if (c->json) {
		flockfile(stdout); /* one line, whichever thread reports */
		fputs("{\"member\":", stdout);
		json_string(stdout, v->member);
		fputs(",\"name\":", stdout);
		json_string(stdout, v->name);
		printf(",\"seq\":%lld,\"rule\":", (long long)v->seq);
		json_string(stdout, v->rule);
		fputs(",\"detail\":", stdout);
		json_string(stdout, v->detail);
		fputs("}\n", stdout);
		funlockfile(stdout);
		return;
	}
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	if (*v->member && v->seq)
		printf(_("feed %s (%.12s) seq %llu: %s: %s\n"), *v->name ? v->name : "?", v->member,
		       (unsigned long long)v->seq, v->rule, v->detail);
	else if (*v->member)
		printf(_("feed %s (%.12s): %s: %s\n"), *v->name ? v->name : "?", v->member, v->rule,
		       v->detail);
	else
		printf("%s: %s\n", v->rule, v->detail);
}

static void on_progress(void *arg, uint64_t entries, uint64_t done, uint64_t total)
{
	(void)arg;
	fputc('\r', stderr);
	fprintf(stderr, _("audit: %llu entries, %d%%"), (unsigned long long)entries,
		total ? (int)(100 * done / total) : 0);
}

/* The line naming a row's member (columns 0 name, 1 id), when it is not
 * the one of the row before (last). */
static void member_head(struct view_rows *r, char last[HEX_ID_LEN + 1])
{
	const char *member = view_text(r, 1);
	if (member && strcmp(member, last)) {
		snprintf(last, HEX_ID_LEN + 1, "%s", member);
		printf("  %s (%.12s)\n", view_text(r, 0) ? view_text(r, 0) : "?", member);
	}
}

/* The delegations each member gave its staff (staff.h, view_staff_all,
 * on the audit's scratch store): in the summary object with --json, else
 * one line a delegation under its member, when there are any. */
static int staff_out(struct ctx *c, struct store *scratch)
{
	struct view_rows *r = view_open(scratch, &view_staff_all, NULL, 0, c->json);
	int rc, n = 0;
	char last[HEX_ID_LEN + 1] = "";
	if (!r)
		return -1;
	if (c->json)
		fputs(",\"delegations\":[", stdout);
	while ((rc = view_next(r)) == 1) {
		if (c->json) {
			fputs(n++ ? "," : "", stdout);
			fputs(view_text(r, 0), stdout);
			continue;
		}
		if (!n++)
			puts(_("delegations to staff (who may act for each member):"));
		member_head(r, last);
		printf(_("    %s: %s, key %.12s, since seq %lld"), view_text(r, 2), view_text(r, 3),
		       view_text(r, 8), (long long)view_int(r, 5));
		if (!view_is_null(r, 4))
			printf(_(", until %s"), view_text(r, 4));
		if (!view_is_null(r, 6))
			printf(_(", revoked at seq %lld"), (long long)view_int(r, 6));
		putchar('\n');
	}
	if (c->json)
		fputs("]", stdout);
	view_close(&r);
	if (rc < 0)
		return -1;
	/* who signed what for each member (view_staff_acts) */
	r = view_open(scratch, &view_staff_acts, NULL, 0, c->json);
	if (!r)
		return -1;
	if (c->json)
		fputs(",\"staff_acts\":[", stdout);
	n = 0;
	last[0] = 0;
	while ((rc = view_next(r)) == 1) {
		if (c->json) {
			fputs(n++ ? "," : "", stdout);
			fputs(view_text(r, 0), stdout);
			continue;
		}
		if (!n++)
			puts(_("entries signed by staff (who acted for each member):"));
		member_head(r, last);
		long long all = view_int(r, 4), off = view_int(r, 5);
		printf(P_("    %s (key %.12s): %lld entry", "    %s (key %.12s): %lld entries",
				(unsigned long)all),
		       view_text(r, 2), view_text(r, 3), all);
		if (off)
			printf(_(", %lld without effect"), off);
		putchar('\n');
	}
	if (c->json)
		fputs("]", stdout);
	view_close(&r);
	return rc < 0 ? -1 : 0;
}

/* How far the bundle goes, member by member (view_heads, read on the
 * audit's scratch store): in the summary object with --json, else one
 * line a feed, then one line for each feed that stops before the newest
 * head another member witnessed. */
static int heads_out(struct ctx *c, struct store *scratch)
{
	struct view_rows *r = view_open(scratch, &view_heads, NULL, 0, 0);
	int rc, n = 0;
	char *behind = NULL;
	size_t behind_len = 0;
	FILE *bf = c->json ? NULL : open_memstream(&behind, &behind_len);
	if (!r || (!c->json && !bf)) {
		view_close(&r);
		if (bf)
			fclose(bf);
		free(behind);
		return -1;
	}
	if (c->json)
		fputs(",\"heads\":[", stdout);
	else
		puts(_("how far the history goes (compare with each member's own 'mutua status'):"));
	while ((rc = view_next(r)) == 1) {
		const char *name = view_text(r, 0), *member = view_text(r, 1), *feed = view_text(r, 2);
		long long seq = (long long)view_int(r, 3);
		char when[CLOCK_BUF] = "", wwhen[CLOCK_BUF] = "";
		int witnessed = !view_is_null(r, 5);
		long long wseq = witnessed ? (long long)view_int(r, 5) : 0;
		const char *wby = witnessed && view_text(r, 6) ? view_text(r, 6) : "?";
		if (!view_is_null(r, 4))
			(c->json ? clock_format_iso : clock_format_offset)(when, view_int(r, 4));
		if (witnessed)
			(c->json ? clock_format_iso : clock_format_offset)(wwhen, view_int(r, 7));
		if (c->json) {
			fputs(n++ ? ",{\"name\":" : "{\"name\":", stdout);
			json_string(stdout, name);
			fputs(",\"member\":", stdout);
			json_string(stdout, member);
			fputs(",\"feed\":", stdout);
			if (feed)
				json_string(stdout, feed);
			else
				fputs("null", stdout);
			printf(",\"seq\":%lld,\"last\":", seq);
			if (*when)
				json_string(stdout, when);
			else
				fputs("null", stdout);
			if (witnessed) {
				printf(",\"witnessed_seq\":%lld,\"witnessed_by\":", wseq);
				json_string(stdout, wby);
				fputs(",\"witnessed_at\":", stdout);
				json_string(stdout, wwhen);
			} else {
				fputs(",\"witnessed_seq\":null,\"witnessed_by\":null,"
				      "\"witnessed_at\":null", stdout);
			}
			printf(",\"complete\":%s}", wseq > seq ? "false" : "true");
			continue;
		}
		if (!*when) {
			printf(_("  %s (%.12s): no entry"), name, member);
		} else {
			printf(_("  %s (%.12s)"), name, member);
			if (feed && strcmp(feed, member))
				printf(_(" key %.12s"), feed);
			printf(_(": seq %lld, last entry %s"), seq, when);
		}
		if (witnessed)
			printf(_("; witnessed up to seq %lld by %s"), wseq, wby);
		putchar('\n');
		if (wseq > seq)
			fprintf(bf, _("incomplete: feed %s (%.12s) stops at seq %lld, member %s "
				"witnessed seq %lld at %s\n"), name, feed ? feed : member, seq, wby,
				wseq, wwhen);
	}
	view_close(&r);
	if (c->json)
		putchar(']');
	if (bf) {
		fclose(bf);
		fputs(behind, stdout);
		free(behind);
	}
	return rc;
}

int cmd_audit(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua audit [FILE] [--genesis GENESIS | --trust-bundle-genesis]"
				  " [--threads N]";
	static const struct option opts[] = {
		{"genesis", required_argument, NULL, 'g'},
		{"threads", required_argument, NULL, 't'},
		{"trust-bundle-genesis", no_argument, NULL, 'T'},
		{0},
	};
	const char *genesis = NULL;
	uint64_t threads = 0;
	int o, rc, trust = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'g': genesis = optarg; break;
		case 'T': trust = 1; break;
		case 't':
			if (parse_u64("--threads", optarg, 16, &threads))
				return EXIT_USAGE;
			break;
		default: return usage(use);
		}
	}
	if (argc - optind > 1 || (genesis && trust))
		return usage(use);
	const char *path = optind < argc ? argv[optind] : NULL;
	uint8_t expect[32];
	if (genesis && (rc = cli_genesis_id(genesis, expect)))
		return rc;
	if (!path && (rc = cli_open(c, NEED_FED)))
		return rc;
	/* a bundle carries its own genesis: unless the auditor gives its own
	 * copy, a wholly forged federation would pass (this store's genesis
	 * is the member's own, adopted at init or join) */
	int unchecked = path && !genesis;
	struct store *scratch = NULL;
	struct audit_opts ao = {genesis ? expect : NULL, (int)threads, on_issue,
				isatty(STDERR_FILENO) && !c->json ? on_progress : NULL, c,
				&scratch};
	struct audit_summary sum;
	rc = audit_run(path, c->store, &ao, &sum);
	if (ao.on_progress)
		fputs("\r\033[K", stderr);
	if (rc)
		return fail(EXIT_REFUSED, "cannot audit%s%s: %s", path ? " " : "", path ? path : "",
			    err_msg_local());
	char fed[HEX_ID_LEN + 1], credits[32];
	hex_encode(fed, sum.fed_id, 32);
	amount_format(credits, sum.credits_moved);
	double rate = sum.seconds > 0 ? (double)sum.entries / sum.seconds : 0;
	int ok = !sum.issues && (!unchecked || trust);
	/* a trimmed history is not OK either (witness.h, rule b): exit 1 */
	if (c->json) {
		fputs("{\"summary\":true,\"federation\":", stdout);
		json_string(stdout, fed);
		fputs(",\"federation_name\":", stdout);
		json_string(stdout, sum.fed_name);
		printf(",\"genesis_checked\":%s", unchecked ? "false" : "true");
		printf(",\"members\":%llu,\"feeds\":%llu,\"entries\":%llu,\"loans\":%llu,"
		       "\"closed\":%llu,\"credits_moved\":",
		       (unsigned long long)sum.members, (unsigned long long)sum.feeds,
		       (unsigned long long)sum.entries, (unsigned long long)sum.loans,
		       (unsigned long long)sum.closed);
		json_real(stdout, (double)sum.credits_moved / 100.0);
		fputs(",\"deposits_held\":", stdout);
		json_real(stdout, (double)sum.deposits_held / 100.0);
		fputs(",\"deposits_forfeited\":", stdout);
		json_real(stdout, (double)sum.deposits_forfeited / 100.0);
		printf(",\"forks\":%llu,\"violations\":%llu,\"ok\":%s,\"complete\":%s,"
		       "\"incomplete\":%llu,\"witnessed_feeds\":%llu,\"seconds\":",
		       (unsigned long long)sum.forks, (unsigned long long)sum.issues,
		       ok ? "true" : "false", sum.incomplete ? "false" : "true",
		       (unsigned long long)sum.incomplete, (unsigned long long)sum.witnessed);
		json_real(stdout, sum.seconds);
		fputs(",\"entries_per_s\":", stdout);
		json_real(stdout, rate);
		printf(",\"threads\":%d", sum.threads);
		rc = heads_out(c, scratch) || staff_out(c, scratch);
		puts("}");
	} else {
		printf(_("%sfederation %s (%s)\n"), sum.issues ? "\n" : "", sum.fed_name, fed);
		printf(_("members %llu, feeds %llu, entries %llu, loans %llu (%llu settled), "
		       "credits moved %s, forks %llu\n"),
		       (unsigned long long)sum.members, (unsigned long long)sum.feeds,
		       (unsigned long long)sum.entries, (unsigned long long)sum.loans,
		       (unsigned long long)sum.closed, credits, (unsigned long long)sum.forks);
		if (sum.deposits_held || sum.deposits_forfeited) {
			char held[32], lost[32];
			amount_format(held, sum.deposits_held);
			amount_format(lost, sum.deposits_forfeited);
			printf(_("deposits held %s, forfeited %s\n"), held, lost);
		}
		printf(_("checked in %.2f s (%.0f entries/s, %d threads)\n"), sum.seconds, rate,
		       sum.threads);
		rc = heads_out(c, scratch) || staff_out(c, scratch);
		if (sum.issues)
			printf(_("audit FAILED: %llu violation(s)\n"), (unsigned long long)sum.issues);
		else if (sum.incomplete)
			printf(_("audit INCOMPLETE: the rules hold within the bundle, but %llu feed(s) "
			       "stop before a head that other members witnessed (above): ask for a "
			       "newer bundle\n"), (unsigned long long)sum.incomplete);
		else if (unchecked && !trust)
			printf(_("audit NOT CONCLUSIVE: the rules hold within the bundle, but its "
			       "federation id was not checked against your own copy of the genesis\n"));
		else
			printf(_("audit OK: every signature, chain, membership and lending rule "
			       "holds; balances sum to zero%s; complete: every feed reaches the newest "
			       "head that other members witnessed (%llu of %llu feeds witnessed)\n"),
			       unchecked ? " (federation id taken from the bundle itself)" : "",
			       (unsigned long long)sum.witnessed, (unsigned long long)sum.feeds);
	}
	store_close(&scratch);
	if (rc)
		return fail_err(EXIT_REFUSED, "cannot list the heads of the audit");
	if (unchecked) {
		fflush(stdout);
		fprintf(stderr, _("mutua: warning: the federation id %s was taken from the bundle "
			"itself, NOT checked against your own copy of the genesis: a forged "
			"federation would pass; %s\n"), fed, trust
			? "compare this id with the one the members hold (mutua federation show)"
			: "run again with --genesis GENESIS (the genesis.txt the members gave you),"
			  " or with --trust-bundle-genesis to accept the bundle's");
	}
	return ok && !sum.incomplete ? EXIT_OK : EXIT_REFUSED;
}
