/* cmd_federation.c - mutua federation create | join | show. */
#include "cli.h"
#include "i18n.h"
#include "entry.h"
#include "federation.h"
#include "governance.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHARTER_MAX (16 << 20)

int append_profile(struct ctx *c)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Profile p = MUTUA__PROFILE__INIT;
	char *name = meta_get(c, "local.name"), *college = meta_get(c, "local.college");
	char *epbuf = meta_get(c, "local.endpoints"), *eps[ENDPOINTS_MAX];
	size_t n = 0;
	int rc = EXIT_OK;

	if (!name) {
		rc = fail(EXIT_REFUSED, "this home has no name (was it made by 'mutua init'?)");
		goto out;
	}
	for (char *t = epbuf ? strtok(epbuf, "\n") : NULL; t && n < ENDPOINTS_MAX;
	     t = strtok(NULL, "\n"))
		eps[n++] = t;
	p.name = name;
	p.college = college && *college ? college : NULL;
	p.transport_key.data = c->key->xpk;
	p.transport_key.len = KEY_X_BYTES;
	p.endpoints = eps;
	p.n_endpoints = n;
	b.payload_case = MUTUA__BODY__PAYLOAD_PROFILE;
	b.profile = &p;
	if (store_append(c->store, c->key, &b, NULL))
		rc = fail_err(EXIT_REFUSED, "cannot append profile");
out:
	free(name);
	free(college);
	free(epbuf);
	return rc;
}

static void print_fed_id(struct ctx *c)
{
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, store_fed_id(c->store), FED_ID_BYTES);
	if (c->json)
		printf("{\"federation\":\"%s\"}\n", hex);
	else
		puts(hex);
}

static int fed_create(struct ctx *c, int argc, char **argv)
{
	static const char use[] =
		"mutua federation create --name NAME [--charter FILE] [--credit-limit N]\n"
		"       [--rule majority|colleges] [--college NAME=WEIGHT]... [--threshold PCT]\n"
		"       [--quorum PCT] [--vote-duration DURATION] --out FILE [CARD]...";
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"charter", required_argument, NULL, 'c'},
		{"credit-limit", required_argument, NULL, 'l'},
		{"out", required_argument, NULL, 'o'},
		{"rule", required_argument, NULL, 'r'},
		{"college", required_argument, NULL, 'C'},
		{"threshold", required_argument, NULL, 't'},
		{"quorum", required_argument, NULL, 'q'},
		{"vote-duration", required_argument, NULL, 'd'},
		{0},
	};
	const char *name = NULL, *charter = NULL, *out = NULL;
	int64_t limit = 0, duration = GOV_DURATION_DEFAULT;
	uint64_t threshold = GOV_THRESHOLD_DEFAULT, quorum = GOV_QUORUM_DEFAULT;
	int o, rc, gov = 0, ncol = 0, rule_given = 0;
	uint32_t rule = GOV_RULE_MAJORITY;
	Mutua__CollegeWeight cw[GOV_COLLEGES_MAX], *cwp[GOV_COLLEGES_MAX];
	char cnames[GOV_COLLEGES_MAX][COLLEGE_MAX_LEN + 1];
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n': name = optarg; break;
		case 'c': charter = optarg; break;
		case 'o': out = optarg; break;
		case 'l':
			if (amount_parse(optarg, 0, &limit))
				return fail_err(EXIT_USAGE, "--credit-limit");
			break;
		case 'r':
			gov = 1;
			rule_given = 1;
			if (strcmp(optarg, "majority") == 0)
				rule = GOV_RULE_MAJORITY;
			else if (strcmp(optarg, "colleges") == 0)
				rule = GOV_RULE_COLLEGES;
			else
				return fail(EXIT_USAGE, "--rule: majority or colleges, not '%s'", optarg);
			break;
		case 'C': {
			char *eq = strrchr(optarg, '=');
			uint64_t w;
			gov = 1;
			if (ncol == GOV_COLLEGES_MAX)
				return fail(EXIT_USAGE, "--college: at most %d colleges", GOV_COLLEGES_MAX);
			if (!eq || eq == optarg || (size_t)(eq - optarg) > COLLEGE_MAX_LEN)
				return fail(EXIT_USAGE, "--college: expected NAME=WEIGHT, e.g. producers=40");
			if (parse_u64("--college", eq + 1, 100, &w))
				return EXIT_USAGE;
			snprintf(cnames[ncol], sizeof cnames[ncol], "%.*s", (int)(eq - optarg), optarg);
			mutua__college_weight__init(&cw[ncol]);
			cw[ncol].name = cnames[ncol];
			cw[ncol].weight = (uint32_t)w;
			cwp[ncol] = &cw[ncol];
			ncol++;
			break;
		}
		case 't':
			gov = 1;
			if (parse_u64("--threshold", optarg, 99, &threshold))
				return EXIT_USAGE;
			break;
		case 'q':
			gov = 1;
			if (parse_u64("--quorum", optarg, 100, &quorum))
				return EXIT_USAGE;
			break;
		case 'd':
			gov = 1;
			if (duration_parse(optarg, &duration))
				return fail_err(EXIT_USAGE, "--vote-duration");
			break;
		default: return usage(use);
		}
	}
	/* weights only mean something under the colleges rule: they name it */
	if (ncol && !rule_given)
		rule = GOV_RULE_COLLEGES;
	Mutua__Governance gv = MUTUA__GOVERNANCE__INIT;
	gv.rule = rule;
	gv.colleges = cwp;
	gv.n_colleges = (size_t)ncol;
	gv.threshold = (uint32_t)threshold;
	gv.quorum = (uint32_t)quorum;
	gv.duration = (uint64_t)duration;
	if (gov && governance_check(&gv))
		return fail_err(EXIT_USAGE, NULL);
	if (!name)
		return missing("federation", "--name", use);
	if (!out)
		return missing("federation", "--out", use);
	if (!*name || text_check("federation name", name, FED_NAME_MAX_LEN, 0))
		return *name ? fail_err(EXIT_USAGE, NULL) : fail(EXIT_USAGE, "name is empty");
	if ((rc = cli_open(c, NEED_KEY)))
		return rc;
	if (store_has_federation(c->store))
		return fail(EXIT_REFUSED, "this node already belongs to a federation");

	uint8_t charter_hash[32];
	if (charter) {
		size_t len;
		uint8_t *text = file_read(charter, CHARTER_MAX, &len);
		if (!text)
			return fail_err(EXIT_REFUSED, NULL);
		crypto_generichash(charter_hash, 32, text, len, NULL, 0);
		free(text);
	}
	int ncards = argc - optind + 1;
	char **cards = calloc((size_t)ncards, sizeof *cards);
	uint8_t *gen = NULL;
	char *armored = NULL;
	size_t glen;
	rc = EXIT_REFUSED;
	if (!cards || !(cards[0] = card_of_self(c))) {
		fail_err(EXIT_REFUSED, NULL);
		goto out;
	}
	for (int i = 1; i < ncards; i++) {
		const char *path = argv[optind + i - 1];
		size_t len;
		cards[i] = (char *)file_read(path, CARD_TEXT_MAX, &len);
		if (!cards[i]) {
			fail_err(EXIT_REFUSED, NULL);
			goto out;
		}
		Mutua__CardBody *cb = card_parse(cards[i]);
		if (!cb) {
			fail(EXIT_REFUSED, "card '%s': %s", path, err_msg_local());
			goto out;
		}
		int self = memcmp(cb->id.data, c->key->id, KEY_ID_BYTES) == 0;
		mutua__card_body__free_unpacked(cb, NULL);
		if (self) {
			fail(EXIT_REFUSED, "card '%s' is this member's own card "
					   "(it is included already)", path);
			goto out;
		}
	}
	if (genesis_make_with(&gen, &glen, name, charter ? charter_hash : NULL, cards,
			      (size_t)ncards, (uint64_t)limit, clock_now_ms(), gov ? &gv : NULL) ||
	    !(armored = genesis_armor(gen, glen))) {
		fail_err(EXIT_REFUSED, NULL);
		goto out;
	}
	if (access(out, F_OK) == 0) {
		fail(EXIT_REFUSED, "'%s' already exists: not overwriting it", out);
		goto out;
	}
	if (file_write_atomic(out, armored, strlen(armored), 0644)) {
		fail_err(EXIT_REFUSED, NULL);
		goto out;
	}
	if (store_adopt_genesis(c->store, gen, glen)) {
		fail_err(EXIT_REFUSED, NULL);
		unlink(out);
		goto out;
	}
	if ((rc = append_profile(c)))
		goto out;
	print_fed_id(c);
	rc = EXIT_OK;
out:
	for (int i = 0; cards && i < ncards; i++)
		free(cards[i]);
	free(cards);
	free(gen);
	free(armored);
	return rc;
}

static int fed_join(struct ctx *c, int argc, char **argv)
{
	if (argc != 2)
		return usage("mutua federation join FILE");
	int rc = cli_open(c, NEED_KEY);
	if (rc)
		return rc;
	size_t tlen, glen;
	uint8_t *text = file_read(argv[1], GENESIS_TEXT_MAX, &tlen), *gen = NULL, id[32];
	if (!text)
		return fail_err(EXIT_REFUSED, NULL);
	rc = EXIT_REFUSED;
	Mutua__Genesis *g = NULL;
	if (genesis_unarmor((char *)text, &gen, &glen) ||
	    !(g = genesis_decode(gen, glen, id))) {
		fail(EXIT_REFUSED, "'%s': %s", argv[1], err_msg_local());
		goto out;
	}
	int listed = 0;
	for (size_t i = 0; i < g->n_founders && !listed; i++) {
		Mutua__CardBody *cb = card_open(g->founders[i]);
		listed = cb && memcmp(cb->id.data, c->key->id, KEY_ID_BYTES) == 0;
		if (cb)
			mutua__card_body__free_unpacked(cb, NULL);
	}
	if (store_has_federation(c->store)) {
		if (memcmp(store_fed_id(c->store), id, 32) != 0) {
			fail(EXIT_REFUSED, "this node already belongs to another federation");
			goto out;
		}
	} else if (store_adopt_genesis(c->store, gen, glen)) {
		fail_err(EXIT_REFUSED, NULL);
		goto out;
	}
	uint64_t seq;
	if (store_head(c->store, c->key->id, &seq, NULL)) {
		fail_err(EXIT_REFUSED, NULL);
		goto out;
	}
	/* joining twice is harmless: the profile is appended once; an
	 * applicant appends nothing until the members admit it */
	if (listed && seq == 0 && (rc = append_profile(c)))
		goto out;
	print_fed_id(c);
	if (!listed && store_member_of(c->store, c->key->id, NULL, NULL) != 1 && !c->json)
		fprintf(stderr, _("mutua: this member is not in the genesis: it holds the "
				"federation as an applicant; give your card ('mutua card') to a "
				"member, who runs 'mutua propose admit CARD' (or, for a member "
				"whose key was lost, 'mutua propose rekey MEMBER CARD'); once "
				"passed, 'mutua sync PEER' fetches the history\n"));
	rc = EXIT_OK;
out:
	if (g)
		mutua__genesis__free_unpacked(g, NULL);
	free(gen);
	free(text);
	return rc;
}

static int fed_show(struct ctx *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage("mutua federation show");
	int rc = cli_open(c, NEED_FED);
	if (rc)
		return rc;
	const Mutua__Genesis *g = store_genesis(c->store);
	const char *rule = g->governance && g->governance->rule == GOV_RULE_COLLEGES ? "colleges"
										    : "majority";
	/* the limit in force: the genesis's, or the last one voted since */
	int64_t in_force = governance_param(c->store, "credit-limit");
	char hex[HEX_ID_LEN + 1], charter[HEX_ID_LEN + 1] = "";
	hex_encode(hex, store_fed_id(c->store), FED_ID_BYTES);
	if (c->json) {
		const char *id = hex, *ch = charter; /* VIEW_TEXT tests for NULL */
		if (g->has_charter_hash)
			hex_encode(charter, g->charter_hash.data, 32);
		struct view_arg a[] = {
			VIEW_TEXT(g->name),
			VIEW_TEXT(id),
			VIEW_INT(in_force),
			VIEW_TEXT(ch),
			VIEW_TEXT(rule),
			VIEW_INT(governance_param(c->store, "threshold")),
			VIEW_INT(governance_param(c->store, "quorum")),
			VIEW_INT(governance_param(c->store, "duration") / 1000),
		};
		return out_record(c, &view_fed_show, a, 8) < 0 ? EXIT_REFUSED : EXIT_OK;
	}
	char limit[AMOUNT_BUF], open_for[64];
	amount_format_local(limit, in_force);
	/* a vote stays open "14 days", not "336 h" */
	clock_format_duration(open_for, sizeof open_for, governance_param(c->store, "duration"));
	printf(_("federation    %s\nid            %s\ncredit limit  %s%s\n"), g->name, hex,
	       limit, in_force ? "" : _(" (no limit)"));
	printf(_("decisions     %s, yes above %lld%% of votes cast, quorum %lld%%, open %s\n"),
	       strcmp(rule, "colleges") == 0 ? _("by colleges") : _("one member one vote"),
	       (long long)governance_param(c->store, "threshold"),
	       (long long)governance_param(c->store, "quorum"), open_for);
	for (size_t i = 0; g->governance && i < g->governance->n_colleges; i++)
		printf("%s%s %u%%", i ? ", " : _("colleges      "), g->governance->colleges[i]->name,
		       g->governance->colleges[i]->weight);
	printf("%s\n", g->governance && g->governance->n_colleges ? "\n" : "");
	static const char *const cols[] = {"name", "id.12", "college", "status", NULL};
	if (out_rows(c, &view_fed_members, NULL, 0, cols) < 0)
		return EXIT_REFUSED;
	/* an excluded member's loans in progress are for the members to
	 * settle by hand: its later steps are refused */
	struct view_rows *r = view_open(c->store, &view_fed_loans_to_settle, NULL, 0, 0);
	int any = r ? view_next(r) : -1;
	view_close(&r);
	if (any < 0)
		return fail_err(EXIT_REFUSED, "store");
	if (any) {
		static const char *const lcols[] = {"id.12", "resource_title:28", "owner_name:24",
						    "borrower_name:24", "state", NULL};
		printf(_("\nloans in progress of excluded members, to settle between members:\n"));
		if (out_rows(c, &view_fed_loans_to_settle, NULL, 0, lcols) < 0)
			return EXIT_REFUSED;
	}
	return EXIT_OK;
}

int cmd_federation(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua federation create|join|show ...";
	if (argc < 2)
		return usage(use);
	if (strcmp(argv[1], "create") == 0)
		return fed_create(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "join") == 0)
		return fed_join(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return fed_show(c, argc - 1, argv + 1);
	fail(EXIT_USAGE, "unknown federation command '%s'", argv[1]);
	return usage(use);
}
