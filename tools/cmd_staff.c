/* cmd_staff.c - mutua staff add|revoke|list: the people who act for this
 * member, their keys and roles (ledger/staff.h, DESIGN.md invariant 12). */
#include "cli.h"
#include "entry.h"
#include "federation.h"
#include "file.h"
#include "hex.h"
#include "i18n.h"
#include "staff.h"
#include "util.h"
#include "webauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char use[] =
	"mutua staff add CARD --name NAME --role borrow|lend|admin [--role ...] [--until DATE]\n"
	"       mutua staff add --web --email ADDRESS --name NAME --role ROLE [--role ...] [--until DATE]\n"
	"       mutua staff revoke NAME|ID [--reason TEXT]\n"
	"       mutua staff list [--all]";

/* The node's web address (mutua.conf's web_listen, node/config.h) into
 * out, "" when the web page is off. */
static void web_address(const struct ctx *c, char *out, size_t n)
{
	char path[4096], line[1024];
	out[0] = 0;
	snprintf(path, sizeof path, "%s/mutua.conf", c->home);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char *p = line + strspn(line, " \t");
		if (strncmp(p, "web_listen", 10) != 0)
			continue;
		p += 10 + strspn(p + 10, " \t");
		if (*p++ != '=')
			continue;
		p += strspn(p, " \t");
		p[strcspn(p, " \t\r\n#")] = 0;
		snprintf(out, n, "%s", p);
	}
	fclose(f);
}

/* staff add --web: the node makes the person's key and keeps it sealed
 * under a one-time token for the first sign-in (webauth.h) */
static int staff_add_web(struct ctx *c, const char *email, const char *name,
			 const uint32_t *roles, size_t nroles, int64_t until)
{
	int rc;
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	char token[WEBAUTH_TOKEN_HEX + 1], hex[HEX_ID_LEN + 1], where[256];
	uint8_t id[ENTRY_ID_BYTES];
	if (webauth_add(c->store, c->key, c->me, email, name, roles, nroles, until,
			clock_now_ms(), token, id))
		return fail(EXIT_REFUSED, "staff add --web: %s", err_msg_local());
	hex_encode(hex, id, ENTRY_ID_BYTES);
	web_address(c, where, sizeof where);
	if (c->json) {
		printf("{\"id\":\"%s\",\"setup\":\"%s\",\"url\":\"%s%s%s#setup=%s\"}\n", hex,
		       token, *where ? "http://" : "", where, *where ? "/" : "", token);
		return EXIT_OK;
	}
	puts(hex);
	if (*where)
		printf(_("first sign-in (once, within 7 days): http://%s/#setup=%s\n"), where, token);
	else
		printf(_("first sign-in (once, within 7 days): the web page's address followed by "
			 "/#setup=%s (set web_listen in mutua.conf to serve it)\n"), token);
	return EXIT_OK;
}

static int staff_add(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"role", required_argument, NULL, 'r'},
		{"until", required_argument, NULL, 'u'},
		{"web", no_argument, NULL, 'w'},
		{"email", required_argument, NULL, 'e'},
		{0},
	};
	const char *name = NULL, *until_arg = NULL, *email = NULL;
	int web = 0;
	uint32_t roles[ENTRY_ROLES_MAX + 1];
	size_t nroles = 0;
	int o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n': name = optarg; break;
		case 'r':
			if (nroles == ENTRY_ROLES_MAX + 1)
				return fail(EXIT_USAGE, "a role is given twice");
			if (entry_role_parse(optarg, &roles[nroles]))
				return fail_err(EXIT_USAGE, NULL);
			nroles++;
			break;
		case 'u': until_arg = optarg; break;
		case 'w': web = 1; break;
		case 'e': email = optarg; break;
		default: return usage(use);
		}
	}
	if (web && optind != argc)
		return fail(EXIT_USAGE, "staff add --web: no CARD: the node makes the person's key");
	if (web && !email)
		return missing("staff add --web", "--email", use);
	if (email && !web)
		return fail(EXIT_USAGE, "staff add: --email goes with --web");
	if (email && webauth_email_check(email))
		return fail_err(EXIT_USAGE, "--email");
	if (!web && optind + 1 != argc)
		return optind == argc ? missing("staff add", "CARD", use) : usage(use);
	if (!name)
		return missing("staff add", "--name", use);
	if (!nroles)
		return missing("staff add", "--role", use);
	for (size_t i = 0; i < nroles; i++)
		for (size_t j = 0; j < i; j++)
			if (roles[i] == roles[j])
				return fail(EXIT_USAGE, "the role %s is given twice",
					    entry_role_name(roles[i]));
	if (!*name)
		return fail(EXIT_USAGE, "name is empty");
	if (text_check("name", name, NAME_MAX_LEN, 0))
		return fail_err(EXIT_USAGE, NULL);
	int64_t until = 0;
	if (until_arg && (clock_parse(until_arg, 1, &until) || !entry_time_ok(until)))
		return fail(EXIT_USAGE, "--until '%s' is no date between 2020-01-01 and 2200-01-01 "
					"(YYYY-MM-DD or YYYY-MM-DDTHH:MM)", until_arg);
	if (web)
		return staff_add_web(c, email, name, roles, nroles, until);
	size_t len;
	char *card = (char *)file_read(argv[optind], CARD_TEXT_MAX, &len);
	if (!card)
		return fail_err(EXIT_REFUSED, NULL);
	if ((rc = cli_open(c, NEED_KEY | NEED_FED))) {
		free(card);
		return rc;
	}
	uint8_t id[ENTRY_ID_BYTES];
	rc = staff_delegate(c->store, c->key, c->me, card, name, roles, nroles, until, id);
	free(card);
	if (rc)
		return fail(EXIT_REFUSED, "staff add %s: %s", argv[optind], err_msg_local());
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, ENTRY_ID_BYTES);
	if (c->json)
		printf("{\"id\":\"%s\"}\n", hex);
	else
		puts(hex);
	return EXIT_OK;
}

static int staff_revoke_cmd(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"reason", required_argument, NULL, 'r'},
		{0},
	};
	const char *reason = NULL;
	int o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'r': reason = optarg; break;
		default: return usage(use);
		}
	}
	if (optind + 1 != argc)
		return optind == argc ? missing("staff revoke", "NAME|ID", use) : usage(use);
	if (reason && text_check("reason", reason, NOTE_MAX_LEN, TEXT_MULTILINE))
		return fail_err(EXIT_USAGE, NULL);
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	const char *arg = argv[optind];
	uint8_t id[ENTRY_ID_BYTES];
	struct view_named r;
	int n = staff_resolve(c->store, c->me, arg, id, &r);
	if (n < 0 && n != -2)
		return fail_err(EXIT_REFUSED, "store");
	if (n == 0)
		return fail(EXIT_REFUSED, "no delegation in force named '%s' nor with such an id "
					  "('mutua staff list' shows them)", arg);
	if (n == -2) {
		fail(EXIT_USAGE, "'%s' designates %d delegations: name one by its id", arg, r.count);
		for (int k = 0; k < r.ncand; k++)
			fprintf(stderr, "  %s  %.12s\n", r.cand[k].label, r.cand[k].id);
		return EXIT_USAGE;
	}
	if (staff_revoke(c->store, c->key, id, reason))
		return fail_err(EXIT_REFUSED, "staff revoke");
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, ENTRY_ID_BYTES);
	if (c->json)
		printf("{\"revoked\":\"%s\"}\n", hex);
	else
		printf(_("delegation %.12s revoked\n"), hex);
	return EXIT_OK;
}

static int staff_list(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{0},
	};
	int all = 0, o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'a': all = 1; break;
		default: return usage(use);
		}
	}
	if (optind != argc)
		return usage(use);
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	static const char *const cols[] = {"name:24", "roles", "until", "since", "revoked",
					   "key.12", "id.12", NULL};
	struct view_arg a[] = {VIEW_ID(c->me), VIEW_INT(all)};
	return out_rows(c, &view_staff, a, 2, cols) < 0 ? EXIT_REFUSED : EXIT_OK;
}

int cmd_staff(struct ctx *c, int argc, char **argv)
{
	if (argc < 2)
		return usage(use);
	if (strcmp(argv[1], "add") == 0)
		return staff_add(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "revoke") == 0)
		return staff_revoke_cmd(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return staff_list(c, argc - 1, argv + 1);
	return usage(use);
}
