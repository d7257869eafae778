/* cmd_gov.c - governance: propose, proposals, vote. The count is
 * governance.c's; these commands write the entries and show the state. */
#include "cli.h"
#include "i18n.h"
#include "entry.h"
#include "federation.h"
#include "governance.h"
#include "member.h"
#include "propose.h"
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

/* The text of a card file (fails with a message) */
static char *read_card_text(const char *path)
{
	size_t len;
	uint8_t *text = file_read(path, CARD_TEXT_MAX, &len);
	if (!text) {
		fail_err(EXIT_REFUSED, NULL);
		return NULL;
	}
	return (char *)text;
}

/* Opens the store and key, and resolves arg to a member. */
static int open_member(struct ctx *c, const char *arg, uint8_t id[32])
{
	int rc;
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) || (rc = resolve_member(c, arg, id)))
		return rc;
	return EXIT_OK;
}

/* A draft the ledger refused: its reason, a usage error when the input was
 * malformed */
static int draft_refused(struct gov_draft *d)
{
	gov_draft_free(d);
	return fail_err(d->usage ? EXIT_USAGE : EXIT_REFUSED, NULL);
}

/* Appends the draft's proposal, then frees it */
static int append_draft(struct ctx *c, struct gov_draft *d)
{
	int rc = append_proposal(c, &d->p);
	gov_draft_free(d);
	return rc;
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
	const char *forfeit = NULL, *college = NULL, *reason = NULL;
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
			forfeit = optarg;
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
		char *text = read_card_text(argv[optind]);
		if (!text)
			return EXIT_REFUSED;
		struct gov_draft d;
		gov_draft_init(&d, reason);
		rc = gov_draft_admit(c->store, &d, text, argv[optind], college);
		free(text);
		return rc ? draft_refused(&d) : append_draft(c, &d);
	}
	if (college || (has_upto && strcmp(what, "rekey") != 0))
		return usage(use);
	if (strcmp(what, "rekey") == 0) {
		uint8_t id[32];
		if (optind != argc - 2)
			return usage(use);
		if ((rc = open_member(c, argv[optind], id)))
			return rc;
		char *text = read_card_text(argv[optind + 1]);
		if (!text)
			return EXIT_REFUSED;
		struct gov_draft d;
		gov_draft_init(&d, reason);
		rc = gov_draft_rekey(c->store, &d, id, argv[optind], text, argv[optind + 1], has_upto,
				     upto);
		free(text);
		return rc ? draft_refused(&d) : append_draft(c, &d);
	}
	if (strcmp(what, "exclude") == 0) {
		uint8_t id[32];
		if (optind != argc - 1)
			return usage(use);
		if ((rc = open_member(c, argv[optind], id)))
			return rc;
		struct gov_draft d;
		gov_draft_init(&d, reason);
		if (gov_draft_exclude(c->store, &d, id, argv[optind]))
			return draft_refused(&d);
		return append_draft(c, &d);
	}
	if (strcmp(what, "settle") == 0) {
		/* the members settle a disputed loan (loan.h) */
		uint8_t req[32] = {0};
		if (optind != argc - 2)
			return usage(use_text_settle);
		struct gov_draft d;
		gov_draft_init(&d, reason);
		if (gov_draft_settle(&d, req, argv[optind + 1], forfeit))
			return draft_refused(&d);
		if ((rc = cli_open(c, NEED_KEY | NEED_FED)) ||
		    (rc = resolve_id(c, "request", &view_loan_ids, argv[optind], req)))
			return rc;
		memcpy(d.request, req, 32);
		return append_draft(c, &d);
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
	uint32_t choice = governance_vote_choice(argv[2]);
	if (!choice)
		return fail(EXIT_USAGE, "vote '%s': say yes, no or abstain", argv[2]);
	int rc;
	uint8_t id[32];
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) ||
	    (rc = resolve_id(c, "proposal", &view_proposal_ids, argv[1], id)))
		return rc;
	if (governance_vote_append(c->store, c->key, id, choice))
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
