/* cmd_gov.c - governance: propose, proposals, vote. The count is
 * governance.c's; these commands write the entries and show the state. */
#include "cli.h"
#include "i18n.h"
#include "entry.h"
#include "federation.h"
#include "governance.h"
#include "member.h"
#include "util.h"
#include "view.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int append_proposal(struct ctx *c, Mutua__Proposal *p)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	uint8_t id[32];
	b.payload_case = MUTUA__BODY__PAYLOAD_PROPOSAL;
	b.proposal = p;
	if (store_append(c->store, c->key, &b, id))
		return fail_err(EXIT_REFUSED, NULL);
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, 32);
	if (c->json)
		printf("{\"id\":\"%s\"}\n", hex);
	else
		puts(hex);
	return EXIT_OK;
}

/* A card file naming keys no member has (fails with a message). */
static Mutua__Card *read_new_card(struct ctx *c, const char *path)
{
	size_t len;
	uint8_t *text = file_read(path, CARD_TEXT_MAX, &len);
	if (!text) {
		fail_err(EXIT_REFUSED, NULL);
		return NULL;
	}
	Mutua__CardBody *cb = NULL;
	Mutua__Card *card = card_decode((char *)text, &cb);
	free(text);
	if (!card) {
		fail(EXIT_REFUSED, "card '%s': %s", path, err_msg_local());
		return NULL;
	}
	int known = store_member_of(c->store, cb->id.data, NULL, NULL);
	if (known == 0)
		known = store_is_member(c->store, cb->id.data);
	mutua__card_body__free_unpacked(cb, NULL);
	if (known < 0) {
		mutua__card__free_unpacked(card, NULL);
		fail_err(EXIT_REFUSED, NULL);
		return NULL;
	}
	if (known) {
		mutua__card__free_unpacked(card, NULL);
		fail(EXIT_REFUSED, "the card's key is a member's: it names a member already");
		return NULL;
	}
	return card;
}

/* Opens the store and key, and resolves arg to a current member. */
static int open_current_member(struct ctx *c, const char *arg, uint8_t id[32])
{
	int rc;
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) || (rc = resolve_member(c, arg, id)))
		return rc;
	int current = member_is_current(c->store, id);
	if (current < 0)
		return fail_err(EXIT_REFUSED, NULL);
	if (!current)
		return fail(EXIT_REFUSED, "'%s' is not a current member", arg);
	return EXIT_OK;
}

static const char use_text_settle[] =
	"mutua propose settle REQ USAGE [--forfeit CREDITS] [--reason TEXT]";

int cmd_propose(struct ctx *c, int argc, char **argv)
{
	static const char use[] =
		"mutua propose admit CARD [--college C] [--reason TEXT]\n"
		"       mutua propose exclude MEMBER [--reason TEXT]\n"
		"       mutua propose set credit-limit|threshold|quorum|duration|close-grace|"
		"open-proposals|reason-max|entries-per-day|bytes-per-day VALUE [--reason TEXT]\n"
		"       mutua propose rekey MEMBER CARD [--upto SEQ] [--reason TEXT]\n"
		"       mutua propose settle REQ USAGE [--forfeit CREDITS] [--reason TEXT]";
	static const struct option opts[] = {
		{"college", required_argument, NULL, 'c'},
		{"reason", required_argument, NULL, 'r'},
		{"upto", required_argument, NULL, 'u'},
		{"forfeit", required_argument, NULL, 'f'},
		{0},
	};
	int64_t forfeit = 0;
	const char *college = NULL, *reason = NULL;
	uint64_t upto = 0;
	int has_upto = 0;
	int o, rc;
	if (argc < 2)
		return usage(use);
	const char *what = argv[1];
	argc--;
	argv++;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c': college = optarg; break;
		case 'r': reason = optarg; break;
		case 'u':
			if (parse_u64("--upto", optarg, INT64_MAX, &upto))
				return EXIT_USAGE;
			has_upto = 1;
			break;
		case 'f':
			/* settle: the part of the request's deposit forfeited */
			if (amount_parse(optarg, 0, &forfeit))
				return fail_err(EXIT_USAGE, "--forfeit");
			if (forfeit > DEPOSIT_MAX)
				return fail(EXIT_USAGE, "--forfeit: %s is too large", optarg);
			break;
		default: return usage(use);
		}
	}
	if ((reason && text_check("--reason", reason, NOTE_MAX_LEN, 1)) ||
	    (college && text_check("--college", college, COLLEGE_MAX_LEN, 0)))
		return fail_err(EXIT_USAGE, NULL);
	Mutua__Proposal p = MUTUA__PROPOSAL__INIT;
	p.reason = reason && *reason ? (char *)reason : NULL;
	if (strcmp(what, "admit") == 0) {
		if (optind != argc - 1)
			return usage(use);
		if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
			return rc;
		/* the card's own bytes, as signed by the applicant */
		Mutua__Card *card = read_new_card(c, argv[optind]);
		if (!card)
			return EXIT_REFUSED;
		const Mutua__Genesis *g = store_genesis(c->store);
		if (g->governance && g->governance->rule == GOV_RULE_COLLEGES) {
			int known = 0;
			for (size_t i = 0; college && i < g->governance->n_colleges; i++)
				known |= strcmp(g->governance->colleges[i]->name, college) == 0;
			if (!known) {
				mutua__card__free_unpacked(card, NULL);
				return fail(EXIT_USAGE, "--college: name one of the federation's colleges");
			}
		}
		p.what_case = MUTUA__PROPOSAL__WHAT_ADMIT;
		p.admit = card;
		p.college = college && *college ? (char *)college : NULL;
		rc = append_proposal(c, &p);
		mutua__card__free_unpacked(card, NULL);
		return rc;
	}
	if (college || (has_upto && strcmp(what, "rekey") != 0))
		return usage(use);
	if (strcmp(what, "rekey") == 0) {
		uint8_t id[32], key[32];
		uint64_t head;
		if (optind != argc - 2)
			return usage(use);
		if ((rc = open_current_member(c, argv[optind], id)))
			return rc;
		if ((rc = rotate_current_key(c->store, id, key)) <= 0)
			return rc < 0 ? fail_err(EXIT_REFUSED, NULL)
				      : fail(EXIT_REFUSED, "'%s' has no key to replace", argv[optind]);
		if (store_head(c->store, key, &head, NULL))
			return fail_err(EXIT_REFUSED, NULL);
		/* by default, what this node holds of the key's feed stays */
		if (has_upto && upto > head)
			return fail(EXIT_USAGE, "--upto %llu: this node holds the key's feed up to "
						"seq %llu only", (unsigned long long)upto,
				    (unsigned long long)head);
		Mutua__Card *card = read_new_card(c, argv[optind + 1]);
		if (!card)
			return EXIT_REFUSED;
		Mutua__Rekey rk = MUTUA__REKEY__INIT;
		rk.member.data = id;
		rk.member.len = 32;
		rk.key.data = key;
		rk.key.len = 32;
		rk.upto = has_upto ? upto : head;
		rk.card = card;
		p.what_case = MUTUA__PROPOSAL__WHAT_REKEY;
		p.rekey = &rk;
		rc = append_proposal(c, &p);
		mutua__card__free_unpacked(card, NULL);
		return rc;
	}
	if (strcmp(what, "exclude") == 0) {
		uint8_t id[32];
		if (optind != argc - 1)
			return usage(use);
		if ((rc = open_current_member(c, argv[optind], id)))
			return rc;
		p.what_case = MUTUA__PROPOSAL__WHAT_EXCLUDE;
		p.exclude.data = id;
		p.exclude.len = 32;
		return append_proposal(c, &p);
	}
	if (strcmp(what, "settle") == 0) {
		/* the members settle a disputed loan (loan.h) */
		uint8_t req[32];
		int64_t figure;
		if (optind != argc - 2)
			return usage(use_text_settle);
		if (usage_parse(argv[optind + 1], &figure))
			return fail_err(EXIT_USAGE, "USAGE");
		if ((rc = cli_open(c, NEED_KEY | NEED_FED)) ||
		    (rc = resolve_id(c, "request", &view_loan_ids, argv[optind], req)))
			return rc;
		Mutua__Settle st = MUTUA__SETTLE__INIT;
		st.request.data = req;
		st.request.len = 32;
		st.usage = (uint64_t)figure;
		st.has_forfeit = forfeit > 0;
		st.forfeit = (uint64_t)forfeit;
		p.what_case = MUTUA__PROPOSAL__WHAT_SETTLE;
		p.settle = &st;
		return append_proposal(c, &p);
	}
	if (strcmp(what, "set") == 0) {
		if (optind != argc - 2)
			return usage(use);
		const char *name = argv[optind], *val = argv[optind + 1];
		int64_t v;
		if (strcmp(name, "credit-limit") == 0) {
			if (amount_parse(val, 0, &v))
				return fail_err(EXIT_USAGE, "credit-limit");
		} else if (strcmp(name, "duration") == 0 || strcmp(name, "close-grace") == 0) {
			if (duration_parse(val, &v))
				return fail_err(EXIT_USAGE, "duration");
		} else {
			uint64_t u;
			/* the range is governance_param_check's */
			if (parse_u64(name, val, (uint64_t)GOV_BYTES_PER_DAY_MAX, &u))
				return EXIT_USAGE;
			v = (int64_t)u;
		}
		if (governance_param_check(name, v))
			return fail_err(EXIT_USAGE, NULL);
		if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
			return rc;
		Mutua__Parameter par = MUTUA__PARAMETER__INIT;
		par.name = (char *)name;
		par.value = v;
		p.what_case = MUTUA__PROPOSAL__WHAT_SET;
		p.set = &par;
		return append_proposal(c, &p);
	}
	fail(EXIT_USAGE, "unknown proposal '%s'", what);
	return usage(use);
}

int cmd_vote(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua vote PROPOSAL yes|no|abstain";
	if (argc != 3)
		return usage(use);
	uint32_t choice = strcmp(argv[2], "yes") == 0	  ? VOTE_YES
			  : strcmp(argv[2], "no") == 0	  ? VOTE_NO
			  : strcmp(argv[2], "abstain") == 0 ? VOTE_ABSTAIN : 0;
	if (!choice)
		return fail(EXIT_USAGE, "vote '%s': say yes, no or abstain", argv[2]);
	int rc;
	uint8_t id[32];
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) ||
	    (rc = resolve_id(c, "proposal", &view_proposal_ids, argv[1], id)))
		return rc;
	Mutua__Vote v = MUTUA__VOTE__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	v.proposal.data = id;
	v.proposal.len = 32;
	v.choice = choice;
	b.payload_case = MUTUA__BODY__PAYLOAD_VOTE;
	b.vote = &v;
	if (store_append(c->store, c->key, &b, NULL))
		return fail_err(EXIT_REFUSED, NULL);
	/* a vote that passes the proposal closes it: this node's tally */
	uint8_t tid[32];
	int tallied = governance_tally_append(c->store, c->key, id, 1, tid);
	if (tallied < 0)
		fprintf(stderr, _("mutua: the vote is cast; no tally: %s\n"), err_msg_local());
	char hex[HEX_ID_LEN + 1], thex[HEX_ID_LEN + 1];
	hex_encode(hex, id, 32);
	hex_encode(thex, tid, 32);
	if (c->json)
		printf("{\"proposal\":\"%s\",\"vote\":\"%s\",\"tally\":%s%s%s}\n", hex,
		       argv[2], tallied == 0 ? "\"" : "", tallied == 0 ? thex : "null",
		       tallied == 0 ? "\"" : "");
	else if (tallied == 0)
		printf(_("%s %s (passed: tally %.12s)\n"), hex, argv[2], thex);
	else
		printf("%s %s\n", hex, argv[2]);
	return EXIT_OK;
}

int cmd_tally(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua tally PROPOSAL";
	if (argc != 2)
		return usage(use);
	int rc;
	uint8_t id[32], tid[32];
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) ||
	    (rc = resolve_id(c, "proposal", &view_proposal_ids, argv[1], id)))
		return rc;
	if (governance_tally_append(c->store, c->key, id, 0, tid))
		return fail_err(EXIT_REFUSED, NULL);
	int passed = governance_passed(c->store, id);
	if (passed < 0)
		return fail_err(EXIT_REFUSED, NULL);
	char hex[HEX_ID_LEN + 1], thex[HEX_ID_LEN + 1];
	hex_encode(hex, id, 32);
	hex_encode(thex, tid, 32);
	if (c->json)
		printf("{\"proposal\":\"%s\",\"tally\":\"%s\",\"state\":\"%s\"}\n", hex, thex,
		       passed ? "passed" : "failed");
	else
		printf("%s %s\n", hex, passed ? C_("state", "passed") : C_("state", "failed"));
	return EXIT_OK;
}

int cmd_proposals(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua proposals [--open]";
	static const struct option opts[] = {
		{"open", no_argument, NULL, 'o'},
		{0},
	};
	int open_only = 0, o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'o')
			return usage(use);
		open_only = 1;
	}
	if (optind != argc)
		return usage(use);
	if ((rc = cli_open(c, NEED_FED)))
		return rc;
	static const char *const cols[] = {"id.12", "what:36", "proposer_name:20", "yes", "no",
					   "abstain", "deadline", "state", NULL};
	struct view_arg args[] = {VIEW_INT(clock_now_ms()), VIEW_INT(open_only)};
	return out_rows(c, &view_proposals, args, 2, cols) < 0 ? EXIT_REFUSED : EXIT_OK;
}
