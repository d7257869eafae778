/* cmd_staff.c - mutua staff add|revoke|list: the people who act for this
 * member, their keys and roles (ledger/staff.h, DESIGN.md invariant 12). */
#include "cli.h"
#include "icalsub.h"
#include "entry.h"
#include "federation.h"
#include "file.h"
#include "hex.h"
#include "i18n.h"
#include "keys.h"
#include "notify.h"
#include "staff.h"
#include "staffnet.h"
#include "util.h"
#include "webauth.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char use[] =
	"mutua staff add CARD --name NAME --role borrow|lend|admin [--role ...] [--until DATE]\n"
	"                 [--endpoint URL] [--email ADDRESS [--lang fr|en|auto]]\n"
	"       mutua staff add --web --email ADDRESS --name NAME --role ROLE [--role ...] [--until DATE]\n"
	"                 [--lang fr|en|auto]\n"
	"       mutua staff revoke NAME|ID [--reason TEXT]\n"
	"       mutua staff email NAME|ID ADDRESS|--clear [--lang fr|en|auto]\n"
	"       mutua staff email NAME|ID --lang fr|en|auto\n"
	"       mutua staff list [--all]\n"
	"       mutua staff init [--name NAME] [--invitation LINE | --node MEMBER@URL "
	"--server-key KEY]";

/* The invitation for this node (staffnet.h): its endpoint (given, or the
 * first this member publishes), its transport key, the federation and the
 * member; NULL with a hint on stderr when no endpoint is known. */
static char *invitation_of(struct ctx *c, const char *endpoint)
{
	struct invitation inv = {0};
	char *eps = endpoint ? NULL : meta_get(c, "local.endpoints");
	const char *ep = endpoint;
	if (!ep && eps)
		ep = strtok(eps, "\n"); /* as cmd_init.c keeps them */
	if (!ep || !*ep) {
		free(eps);
		/* for a person at a terminal; a script reads the id alone */
		if (!c->json && isatty(STDERR_FILENO))
			fprintf(stderr, _("mutua: no invitation: this node publishes no endpoint; "
					  "give --endpoint tcp://HOST:PORT where mutuad listens\n"));
		return NULL;
	}
	snprintf(inv.endpoint, sizeof inv.endpoint, "%s", ep);
	free(eps);
	memcpy(inv.fed, store_fed_id(c->store), 32);
	memcpy(inv.member, c->me, 32);
	memcpy(inv.xkey, c->key->xpk, 32);
	char *line = invitation_encode(&inv);
	if (!line)
		fail_err(EXIT_REFUSED, "invitation");
	return line;
}

/* staff add --web: the node makes the person's key and keeps it sealed
 * under a one-time token for the first sign-in (webauth.h) */
static int staff_add_web(struct ctx *c, const char *email, const char *lang, const char *name,
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
	/* the address they sign in with is where their notifications go */
	if (notify_set_email(c->store, c->me, id, email, lang))
		return fail(EXIT_REFUSED, "the delegation is made, but its address was not kept: "
				"%s (run 'mutua staff email %s ADDRESS')", err_msg_local(), name);
	hex_encode(hex, id, ENTRY_ID_BYTES);
	cli_conf_value(c, "web_listen", where, sizeof where);
	/* the page's own TLS (web_tls_cert): an https link */
	char cert[8];
	cli_conf_value(c, "web_tls_cert", cert, sizeof cert);
	const char *scheme = *cert ? "https://" : "http://";
	if (c->json) {
		printf("{\"id\":\"%s\",\"setup\":\"%s\",\"url\":\"%s%s%s#setup=%s\"}\n", hex,
		       token, *where ? scheme : "", where, *where ? "/" : "", token);
		return EXIT_OK;
	}
	puts(hex);
	if (*where)
		printf(_("first sign-in (once, within 7 days): %s%s/#setup=%s\n"), scheme, where,
		       token);
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
		{"endpoint", required_argument, NULL, 'E'},
		{"web", no_argument, NULL, 'w'},
		{"email", required_argument, NULL, 'e'},
		{"lang", required_argument, NULL, 'l'},
		{0},
	};
	const char *name = NULL, *until_arg = NULL, *endpoint = NULL, *email = NULL, *lang = NULL;
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
		case 'E': endpoint = optarg; break;
		case 'w': web = 1; break;
		case 'e': email = optarg; break;
		case 'l': lang = optarg; break;
		default: return usage(use);
		}
	}
	if (web && optind != argc)
		return fail(EXIT_USAGE, "staff add --web: no CARD: the node makes the person's key");
	if (web && !email)
		return missing("staff add --web", "--email", use);
	if (!web && optind + 1 != argc)
		return optind == argc ? missing("staff add", "CARD", use) : usage(use);
	if (endpoint && entry_check_endpoint(endpoint))
		return fail_err(EXIT_USAGE, "--endpoint");
	if (email && notify_check_email(email))
		return fail_err(EXIT_USAGE, "--email");
	if (lang && !email)
		return fail(EXIT_USAGE, "--lang is the language of the mails: give --email too");
	if (lang && notify_check_lang(lang))
		return fail_err(EXIT_USAGE, "--lang");
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
		return staff_add_web(c, email, lang, name, roles, nroles, until);
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
	if (email && notify_set_email(c->store, c->me, id, email, lang))
		return fail(EXIT_REFUSED, "the delegation is made, but its address was not kept: "
				"%s (run 'mutua staff email %s ADDRESS')", err_msg_local(), name);
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, ENTRY_ID_BYTES);
	char *inv = invitation_of(c, endpoint);
	if (c->json) {
		printf("{\"id\":\"%s\"", hex);
		if (inv)
			printf(",\"invitation\":\"%s\"", inv);
		puts("}");
	} else {
		/* the id alone on the standard output, as scripts read it */
		puts(hex);
		fflush(stdout);
		if (inv) {
			fprintf(stderr, _("mutua: send the invitation below to %s: on their own "
					  "computer they run 'mutua staff init --invitation LINE'\n"),
				name);
			fprintf(stderr, "%s\n", inv);
		}
	}
	free(inv);
	return EXIT_OK;
}

/* The delegation of this member a person names (staff_resolve): 0 with
 * id set, or the exit status after saying why not. */
static int resolve(struct ctx *c, const char *arg, uint8_t id[ENTRY_ID_BYTES])
{
	struct view_named r;
	int n = staff_resolve(c->store, c->me, arg, id, &r);
	if (n < 0 && n != -2)
		return fail_err(EXIT_REFUSED, "store");
	if (n == 0)
		return fail(EXIT_REFUSED, "no delegation in force named '%s' nor with such an id "
					  "('mutua staff list' shows them)", arg);
	if (n == -2) {
		fail(EXIT_USAGE, "'%s' designates %d delegations: name one by its id", arg,
		     r.count);
		for (int k = 0; k < r.ncand; k++)
			fprintf(stderr, "  %s  %.12s\n", r.cand[k].label, r.cand[k].id);
		return EXIT_USAGE;
	}
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
	uint8_t id[ENTRY_ID_BYTES];
	if ((rc = resolve(c, argv[optind], id)))
		return rc;
	if (staff_revoke(c->store, c->key, id, reason))
		return fail_err(EXIT_REFUSED, "staff revoke");
	/* their calendar subscriptions end with them (icalsub.h) */
	if (icalsub_revoke_person(c->store, id, clock_now_ms()) < 0)
		return fail_err(EXIT_REFUSED, "staff revoke: the calendar subscriptions");
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, ENTRY_ID_BYTES);
	if (c->json)
		printf("{\"revoked\":\"%s\"}\n", hex);
	else
		printf(_("delegation %.12s revoked\n"), hex);
	return EXIT_OK;
}

/* The address mutuad mails a person's notifications to: this node's
 * own record, never signed (notify.h). */
static int staff_email(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"clear", no_argument, NULL, 'c'},
		{"lang", required_argument, NULL, 'l'},
		{0},
	};
	const char *lang = NULL;
	int clear = 0, o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c': clear = 1; break;
		case 'l': lang = optarg; break;
		default: return usage(use);
		}
	}
	if (optind == argc)
		return missing("staff email", "NAME|ID", use);
	if (clear && lang)
		return fail(EXIT_USAGE, "--clear erases the address and its language: no --lang");
	if (optind + 1 == argc && !clear && !lang)
		return missing("staff email", "ADDRESS", use);
	if (optind + 2 - (clear || (lang && optind + 1 == argc)) != argc)
		return usage(use);
	const char *addr = clear ? NULL : optind + 1 < argc ? argv[optind + 1] : NOTIFY_KEEP_ADDRESS;
	if (addr && addr != NOTIFY_KEEP_ADDRESS && notify_check_email(addr))
		return fail_err(EXIT_USAGE, NULL);
	if (lang && notify_check_lang(lang))
		return fail_err(EXIT_USAGE, "--lang");
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	uint8_t id[ENTRY_ID_BYTES];
	if ((rc = resolve(c, argv[optind], id)))
		return rc;
	if (notify_set_email(c->store, c->me, id, addr, lang))
		return fail_err(EXIT_REFUSED, "staff email");
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, ENTRY_ID_BYTES);
	if (addr == NOTIFY_KEEP_ADDRESS) {
		if (c->json)
			printf("{\"id\":\"%s\",\"lang\":\"%s\"}\n", hex, lang);
		else
			printf(_("the mails of delegation %.12s are in %s now\n"), hex,
			       strcmp(lang, "fr") == 0	 ? _("French")
			       : strcmp(lang, "en") == 0 ? _("English")
							 : _("mutuad's language"));
		return EXIT_OK;
	}
	if (c->json)
		printf("{\"id\":\"%s\",\"email\":%s%s%s}\n", hex, addr ? "\"" : "",
		       addr ? addr : "null", addr ? "\"" : "");
	else if (addr)
		printf(_("notifications of delegation %.12s go to %s\n"), hex, addr);
	else
		printf(_("delegation %.12s has no address now: no mail goes to it\n"), hex);
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
					   "key.12", "id.12", "email", "lang", NULL};
	struct view_arg a[] = {VIEW_ID(c->me), VIEW_INT(all)};
	return out_rows(c, &view_staff, a, 2, cols) < 0 ? EXIT_REFUSED : EXIT_OK;
}

/* ---- a staff home: the person's own keys and the member's node -------- */

int staff_home_load(const char *home, struct staff_home *h)
{
	char path[4200];
	memset(h, 0, sizeof *h);
	snprintf(path, sizeof path, "%s/" STAFF_HOME_FILE, home);
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set("cannot read '%s': %s", path, strerror(errno));
	char line[1024];
	int bad = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		char *eq = strchr(line, '=');
		if (!eq || line[0] == '#')
			continue;
		*eq = 0;
		const char *k = line, *v = eq + 1;
		if (!*v)
			continue;
		if (strcmp(k, "name") == 0)
			snprintf(h->name, sizeof h->name, "%s", v);
		else if (strcmp(k, "endpoint") == 0)
			snprintf(h->endpoint, sizeof h->endpoint, "%s", v);
		else if (strcmp(k, "federation") == 0)
			bad |= (h->has_fed = !hex_decode(h->fed, 32, v)) == 0;
		else if (strcmp(k, "member") == 0)
			bad |= (h->has_member = !hex_decode(h->member, 32, v)) == 0;
		else if (strcmp(k, "server_key") == 0)
			bad |= (h->has_xkey = !hex_decode(h->xkey, 32, v)) == 0;
	}
	fclose(f);
	if (bad)
		return err_set("'%s' is damaged: make it again with 'mutua staff init "
			       "--invitation LINE'", path);
	return 0;
}

int staff_home_save(const char *home, const struct staff_home *h)
{
	char path[4200], buf[2048], fed[65] = "", member[65] = "", xkey[65] = "";
	if (h->has_fed)
		hex_encode(fed, h->fed, 32);
	if (h->has_member)
		hex_encode(member, h->member, 32);
	if (h->has_xkey)
		hex_encode(xkey, h->xkey, 32);
	int n = snprintf(buf, sizeof buf,
			 "# a staff home (mutua staff init): this person's keys are in "
			 STAFF_KEY_FILE "\nname=%s\nendpoint=%s\nfederation=%s\nmember=%s\n"
			 "server_key=%s\n", h->name, h->endpoint, fed, member, xkey);
	snprintf(path, sizeof path, "%s/" STAFF_HOME_FILE, home);
	return file_write_atomic(path, buf, (size_t)n, 0600);
}

int staff_home_is(const char *home)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/" STAFF_HOME_FILE, home);
	return access(path, F_OK) == 0;
}

static int staff_init(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"invitation", required_argument, NULL, 'i'},
		{"node", required_argument, NULL, 'N'},
		{"server-key", required_argument, NULL, 'k'},
		{0},
	};
	const char *name = NULL, *invite = NULL, *node = NULL, *skey = NULL;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n': name = optarg; break;
		case 'i': invite = optarg; break;
		case 'N': node = optarg; break;
		case 'k': skey = optarg; break;
		default: return usage(use);
		}
	}
	if (optind != argc)
		return usage(use);
	if (invite && (node || skey))
		return fail(EXIT_USAGE, "staff init: give --invitation, or --node and --server-key, "
					"not both");
	if (!node != !skey)
		return missing("staff init", node ? "--server-key" : "--node", use);
	if (name && (!*name || text_check("name", name, NAME_MAX_LEN, 0)))
		return *name ? fail_err(EXIT_USAGE, NULL) : fail(EXIT_USAGE, "name is empty");
	struct staff_home h = {0};
	struct invitation inv;
	if (invite && invitation_decode(invite, &inv))
		return fail_err(EXIT_USAGE, "--invitation");
	if (node) {
		const char *at = strchr(node, '@');
		if (!at || at - node != 64 || hex_decode(h.member, 32, node) != 0)
			return fail(EXIT_USAGE, "--node '%s' is not MEMBER@tcp://HOST:PORT (MEMBER: "
						"the member's id, 64 hex digits)", node);
		if (entry_check_endpoint(at + 1))
			return fail_err(EXIT_USAGE, "--node");
		if (strlen(skey) != 64 || hex_decode(h.xkey, 32, skey))
			return fail(EXIT_USAGE, "--server-key '%s' is not the node's transport key "
						"(64 hex digits)", skey);
		snprintf(h.endpoint, sizeof h.endpoint, "%s", at + 1);
		h.has_member = h.has_xkey = 1;
	}
	char *kp = cli_path(c, STAFF_KEY_FILE), *mp = cli_path(c, "key");
	int exists = access(kp, F_OK) == 0, rc = EXIT_REFUSED;
	struct key *k = NULL;
	char *card = NULL;
	if (access(mp, F_OK) == 0) {
		fail(EXIT_REFUSED, "'%s' is a member's home: a staff home is a folder of its own "
				   "(e.g. --home ~/.mutua-staff)", c->home);
		goto out;
	}
	if (exists) {
		struct staff_home old;
		if (staff_home_load(c->home, &old)) {
			fail_err(EXIT_REFUSED, NULL);
			goto out;
		}
		if (!name)
			snprintf(h.name, sizeof h.name, "%s", old.name);
		if (!invite && !node) {
			fail(EXIT_USAGE, "'%s' already holds a staff home: give --invitation LINE to "
					 "name the member's node", c->home);
			goto out;
		}
	} else if (!name) {
		rc = missing("staff init", "--name", use);
		goto out;
	}
	if (name)
		snprintf(h.name, sizeof h.name, "%s", name);
	if (invite) {
		memcpy(h.fed, inv.fed, 32);
		memcpy(h.member, inv.member, 32);
		memcpy(h.xkey, inv.xkey, 32);
		snprintf(h.endpoint, sizeof h.endpoint, "%s", inv.endpoint);
		h.has_fed = h.has_member = h.has_xkey = 1;
	}
	if (!exists) {
		if (mkdir(c->home, 0700) < 0 && errno != EEXIST) {
			fail(EXIT_REFUSED, "cannot create '%s': %s", c->home, strerror(errno));
			goto out;
		}
		char *pass = cli_passphrase();
		if (!(k = key_new(NULL)) || key_save(k, kp, pass && *pass ? pass : NULL)) {
			sodium_free(pass);
			fail_err(EXIT_REFUSED, NULL);
			goto out;
		}
		sodium_free(pass);
		if (!(card = card_make(k, h.name, NULL, NULL, 0, clock_now_ms()))) {
			unlink(kp);
			fail_err(EXIT_REFUSED, NULL);
			goto out;
		}
	}
	if (staff_home_save(c->home, &h)) {
		fail_err(EXIT_REFUSED, NULL);
		goto out;
	}
	if (card) {
		puts(card);
		fprintf(stderr, _("mutua: this is your card (the line above). Send it to the member's "
				  "administrator: they run 'mutua staff add CARD --name NAME --role "
				  "ROLE' and send you back an invitation line.\n"));
	}
	if (h.has_xkey)
		fprintf(stderr, _("mutua: this staff home acts through the node at %s: try 'mutua "
				  "--home %s offer list'\n"), h.endpoint, c->home);
	else
		fprintf(stderr, _("mutua: then run 'mutua --home %s staff init --invitation LINE' "
				  "with the line they send you\n"), c->home);
	rc = EXIT_OK;
out:
	free(card);
	key_destroy(&k);
	free(kp);
	free(mp);
	return rc;
}

int cmd_staff(struct ctx *c, int argc, char **argv)
{
	if (argc < 2)
		return usage(use);
	if (strcmp(argv[1], "init") == 0)
		return staff_init(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "add") == 0)
		return staff_add(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "revoke") == 0)
		return staff_revoke_cmd(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return staff_list(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "email") == 0)
		return staff_email(c, argc - 1, argv + 1);
	return usage(use);
}
