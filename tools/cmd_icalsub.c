/* cmd_icalsub.c - mutua calendar --subscribe|--subscriptions|--revoke:
 * the calendar's iCal URLs with a secret token (ledger/icalsub.h), which
 * the node's web page serves to calendar clients. */
#include "cli.h"
#include "clock.h"
#include "err.h"
#include "i18n.h"
#include "icalsub.h"
#include "staff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A setting of mutua.conf (node/config.h) into out, "" when absent: the
 * plain mutua does not link the node's configuration reader. */
void cli_conf_value(const struct ctx *c, const char *key, char *out, size_t n)
{
	char *path = cli_path(c, "mutua.conf"), line[2048];
	size_t klen = strlen(key);
	out[0] = 0;
	FILE *f = path ? fopen(path, "r") : NULL;
	free(path);
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char *p = line + strspn(line, " \t");
		if (strncmp(p, key, klen) != 0)
			continue;
		p += klen + strspn(p + klen, " \t");
		if (*p++ != '=')
			continue;
		p += strspn(p, " \t");
		p[strcspn(p, " \t\r\n#")] = 0;
		snprintf(out, n, "%s", p);
	}
	fclose(f);
}

static int subscribe(struct ctx *c, const char *resource, const char *person)
{
	char where[256], cert[8];
	int rc;
	cli_conf_value(c, "web_listen", where, sizeof where);
	cli_conf_value(c, "web_tls_cert", cert, sizeof cert);
	if (!*where)
		return fail(EXIT_REFUSED, "the web page is off, and it serves the subscriptions: set "
					  "web_listen = HOST:PORT in mutua.conf, restart mutuad, then "
					  "subscribe again");
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	uint8_t res[32], del[32];
	if (resource && (rc = resolve_id(c, "offer", &view_offer_ids, resource, res)))
		return rc;
	if (person) {
		struct view_named r;
		int n = staff_resolve(c->store, c->me, person, del, &r);
		if (n < 0 && n != -2)
			return fail_err(EXIT_REFUSED, "store");
		if (n == 0)
			return fail(EXIT_REFUSED, "no delegation in force named '%s' nor with such an "
						  "id ('mutua staff list' shows them)", person);
		if (n == -2)
			return fail(EXIT_USAGE, "'%s' designates %d delegations: name one by its id",
				    person, r.count);
	}
	char token[ICALSUB_TOKEN_LEN + 1];
	int64_t id = icalsub_add(c->store, c->me, resource ? res : NULL, person ? del : NULL,
				 NULL, clock_now_ms(), token);
	if (id < 0)
		return fail_err(EXIT_REFUSED, "calendar --subscribe");
	const char *scheme = *cert ? "https" : "http";
	if (c->json)
		printf("{\"id\":%lld,\"url\":\"%s://%s/ical/%s.ics\"}\n", (long long)id, scheme,
		       where, token);
	else {
		printf("%s://%s/ical/%s.ics\n", scheme, where, token);
		fprintf(stderr, _("mutua: subscription %lld: give this address to a calendar "
				  "(Thunderbird, Outlook, a phone: 'add a calendar from the "
				  "network / by URL'); 'mutua calendar --revoke %lld' ends it\n"),
			(long long)id, (long long)id);
	}
	return EXIT_OK;
}

int cmd_calendar_subs(struct ctx *c, int argc, char **argv)
{
	static const char use[] =
		"mutua calendar --subscribe [RESOURCE] [--person NAME] | --subscriptions | "
		"--revoke ID";
	static const struct option opts[] = {
		{"subscribe", no_argument, NULL, 's'},
		{"subscriptions", no_argument, NULL, 'l'},
		{"revoke", required_argument, NULL, 'r'},
		{"person", required_argument, NULL, 'p'},
		{0},
	};
	int o, rc, sub = 0, list = 0;
	const char *revoke = NULL, *person = NULL;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': sub = 1; break;
		case 'l': list = 1; break;
		case 'r': revoke = optarg; break;
		case 'p': person = optarg; break;
		default: return usage(use);
		}
	}
	if (sub + list + !!revoke != 1 || (person && !sub) || (!sub && optind != argc) ||
	    argc - optind > 1 || (person && optind < argc))
		return usage(use);
	if (sub)
		return subscribe(c, optind < argc ? argv[optind] : NULL, person);
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	if (list) {
		static const char *const cols[] = {"id", "what", "title:24", "person_name:20",
						   "made_by:20", "created", "revoked", NULL};
		struct view_arg a[] = {VIEW_NULL};
		int rows = out_rows(c, &view_icalsubs, a, 1, cols);
		if (rows < 0)
			return EXIT_REFUSED;
		if (!rows && !c->json)
			puts(_("no calendar subscription (mutua calendar --subscribe makes one)"));
		return EXIT_OK;
	}
	char *end;
	long long id = strtoll(revoke, &end, 10);
	if (*end || id <= 0)
		return fail(EXIT_USAGE, "--revoke takes a subscription's number "
					"('mutua calendar --subscriptions' lists them)");
	rc = icalsub_revoke(c->store, id, NULL, clock_now_ms());
	if (rc < 0)
		return fail_err(EXIT_REFUSED, "calendar --revoke");
	if (rc == 0)
		return fail(EXIT_REFUSED, "no subscription %lld in force "
					  "('mutua calendar --subscriptions' lists them)", id);
	if (c->json)
		printf("{\"revoked\":%lld}\n", id);
	else
		printf(_("subscription %lld revoked: its address no longer answers\n"), id);
	return EXIT_OK;
}
