/* cmd_init.c - mutua init, id, card: this member's keys and card. */
#include "cli.h"
#include "i18n.h"
#include "entry.h"
#include "federation.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ENDPOINT_SEP "\n"

/* One value, or with --json one object {"key":"value"}; values are hex or
 * base64, which need no JSON escaping. */
static void print_one(const struct ctx *c, const char *key, const char *value)
{
	if (c->json)
		printf("{\"%s\":\"%s\"}\n", key, value);
	else
		puts(value);
}

/* An --endpoint option: checked, and kept in eps (ENDPOINTS_MAX). */
static int add_endpoint(char **eps, int *n, char *url)
{
	if (*n == ENDPOINTS_MAX)
		return fail(EXIT_USAGE, "too many endpoints (at most %d)", ENDPOINTS_MAX);
	if (entry_check_endpoint(url))
		return fail_err(EXIT_USAGE, NULL);
	eps[(*n)++] = url;
	return EXIT_OK;
}

/* Joins endpoints with newlines for the meta table. */
static char *join(char **v, int n)
{
	size_t len = 1;
	for (int i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	char *s = calloc(1, len);
	for (int i = 0; s && i < n; i++) {
		strcat(s, v[i]);
		if (i < n - 1)
			strcat(s, ENDPOINT_SEP);
	}
	return s;
}

int cmd_init(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua init --name NAME [--college COLLEGE] [--endpoint URL]...";
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"college", required_argument, NULL, 'c'},
		{"endpoint", required_argument, NULL, 'e'},
		{0},
	};
	const char *name = NULL, *college = "";
	char *eps[ENDPOINTS_MAX];
	int neps = 0, o, rc = EXIT_REFUSED;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n': name = optarg; break;
		case 'c': college = optarg; break;
		case 'e':
			if ((rc = add_endpoint(eps, &neps, optarg)))
				return rc;
			break;
		default: return usage(use);
		}
	}
	if (!name)
		return missing("init", "--name", use);
	if (optind != argc)
		return usage(use);
	if (!*name || text_check("name", name, NAME_MAX_LEN, 0) ||
	    text_check("college", college, COLLEGE_MAX_LEN, 0))
		return *name ? fail_err(EXIT_USAGE, NULL) : fail(EXIT_USAGE, "name is empty");
	rc = EXIT_REFUSED; /* until the home is made */

	char *kp = cli_path(c, "key"), *sp = cli_path(c, "store.db");
	struct key *k = NULL;
	if (access(kp, F_OK) == 0 || access(sp, F_OK) == 0) {
		fail(EXIT_REFUSED, "'%s' already holds a mutua home", c->home);
		goto out;
	}
	if (mkdir(c->home, 0700) < 0 && errno != EEXIST) {
		fail(EXIT_REFUSED, "cannot create '%s': %s", c->home, strerror(errno));
		goto out;
	}
	if (!(k = key_new(NULL)) || key_save(k, kp, getenv("MUTUA_PASSPHRASE"))) {
		fail_err(EXIT_REFUSED, NULL);
		goto out;
	}
	char *joined = join(eps, neps);
	if (!(c->store = store_open(sp)) || !joined ||
	    meta_set(c, "local.name", name) || meta_set(c, "local.college", college) ||
	    meta_set(c, "local.endpoints", joined)) {
		if (!c->store || !joined)
			fail_err(EXIT_REFUSED, NULL);
		free(joined);
		/* leave nothing half made */
		store_close(&c->store);
		unlink(kp);
		unlink(sp);
		goto out;
	}
	free(joined);
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, k->id, KEY_ID_BYTES);
	print_one(c, "id", hex);
	rc = EXIT_OK;
out:
	key_destroy(&k);
	free(kp);
	free(sp);
	return rc;
}

int cmd_id(struct ctx *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage("mutua id");
	int rc = cli_open(c, NEED_KEY);
	if (rc)
		return rc;
	char hex[HEX_ID_LEN + 1], key[HEX_ID_LEN + 1];
	hex_encode(hex, c->me, KEY_ID_BYTES);
	hex_encode(key, c->key->id, KEY_ID_BYTES);
	/* the member id stays; the signing key changes with each rotation */
	if (c->json)
		printf("{\"id\":\"%s\",\"key\":\"%s\",\"rotation_pending\":%s}\n", hex, key,
		       c->rot.staged ? "true" : "false");
	else
		puts(hex);
	return EXIT_OK;
}

int cmd_key(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua key rotate";
	if (argc != 2 || strcmp(argv[1], "rotate") != 0)
		return usage(use);
	int rc = cli_open(c, NEED_KEY | NEED_FED);
	if (rc)
		return rc;
	if (c->rot.staged)
		return fail(EXIT_REFUSED, "a rotation of this node's key waits for a peer to hold "
					  "it: run mutuad, or 'mutua sync PEER'");
	char *path = cli_path(c, "key");
	uint8_t id[KEY_ID_BYTES];
	/* the new key file is sealed as the old one is */
	rc = rotate_begin(c->store, c->key, path, c->pass, id);
	free(path);
	if (rc)
		return fail_err(EXIT_REFUSED, "key rotate");
	char me[HEX_ID_LEN + 1], key[HEX_ID_LEN + 1];
	hex_encode(me, c->me, KEY_ID_BYTES);
	hex_encode(key, id, KEY_ID_BYTES);
	if (c->json) {
		printf("{\"id\":\"%s\",\"key\":\"%s\"}\n", me, key);
	} else {
		printf("%s\n", key);
		fprintf(stderr, _("mutua: member %.12s now signs with key %.12s; this node speaks "
				"with its new transport key once a peer holds the rotation "
				"(mutuad sees to it, or run 'mutua sync PEER')\n"), me, key);
	}
	return EXIT_OK;
}

/* The local endpoints as an array; *n set. Strings point into buf. */
static int split_endpoints(char *buf, char **eps, int *n)
{
	*n = 0;
	for (char *tok = strtok(buf, ENDPOINT_SEP); tok; tok = strtok(NULL, ENDPOINT_SEP)) {
		if (*n == ENDPOINTS_MAX)
			break;
		eps[(*n)++] = tok;
	}
	return 0;
}

/* This member's card from its local settings (malloc'd), or NULL. */
char *card_of_self(struct ctx *c)
{
	char *name = meta_get(c, "local.name"), *college = meta_get(c, "local.college");
	char *epbuf = meta_get(c, "local.endpoints"), *eps[ENDPOINTS_MAX], *card = NULL;
	int n = 0;
	if (!name)
		err_set("this home has no name (was it made by 'mutua init'?)");
	else {
		if (epbuf)
			split_endpoints(epbuf, eps, &n);
		card = card_make(c->key, name, college, eps, (size_t)n, clock_now_ms());
	}
	free(name);
	free(college);
	free(epbuf);
	return card;
}

int cmd_card(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua card [--endpoint URL]...";
	static const struct option opts[] = {
		{"endpoint", required_argument, NULL, 'e'},
		{0},
	};
	char *eps[ENDPOINTS_MAX];
	int neps = 0, o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'e':
			if ((rc = add_endpoint(eps, &neps, optarg)))
				return rc;
			break;
		default: return usage(use);
		}
	}
	if (optind != argc)
		return usage(use);
	if ((rc = cli_open(c, NEED_KEY)))
		return rc;
	if (neps) {
		char *joined = join(eps, neps);
		if (!joined)
			return fail(EXIT_REFUSED, "out of memory");
		rc = meta_set(c, "local.endpoints", joined);
		free(joined);
		if (rc)
			return rc;
	}
	char *card = card_of_self(c);
	if (!card)
		return fail_err(EXIT_REFUSED, NULL);
	print_one(c, "card", card);
	free(card);
	return EXIT_OK;
}

/* mutua profile: publishes this member's name, college and endpoints as a
 * profile entry (after a change of address, a new server, a new name). */
int cmd_profile(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua profile [--name NAME] [--college COLLEGE] "
				  "[--endpoint URL]...";
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"college", required_argument, NULL, 'c'},
		{"endpoint", required_argument, NULL, 'e'},
		{0},
	};
	const char *name = NULL, *college = NULL;
	char *eps[ENDPOINTS_MAX];
	int neps = 0, o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n': name = optarg; break;
		case 'c': college = optarg; break;
		case 'e':
			if ((rc = add_endpoint(eps, &neps, optarg)))
				return rc;
			break;
		default: return usage(use);
		}
	}
	if (optind != argc)
		return usage(use);
	if ((name && (!*name || text_check("name", name, NAME_MAX_LEN, 0))) ||
	    (college && text_check("college", college, COLLEGE_MAX_LEN, 0)))
		return name && !*name ? fail(EXIT_USAGE, "name is empty") : fail_err(EXIT_USAGE, NULL);
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	if (name && (rc = meta_set(c, "local.name", name)))
		return rc;
	if (college && (rc = meta_set(c, "local.college", college)))
		return rc;
	if (neps) {
		char *joined = join(eps, neps);
		if (!joined)
			return fail(EXIT_REFUSED, "out of memory");
		rc = meta_set(c, "local.endpoints", joined);
		free(joined);
		if (rc)
			return rc;
	}
	return append_profile(c);
}
