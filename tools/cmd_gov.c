/* cmd_gov.c - governance: propose, proposals, vote. The count is
 * governance.c's; these commands write the entries and show the state. */
#include "cli.h"
#include "entry.h"
#include "federation.h"
#include "governance.h"
#include "util.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "14d", "2h", "30m", "45s", or plain seconds, into ms. */
int duration_parse(const char *s, int64_t *ms)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	int64_t unit = 1000;
	if (end == s || v <= 0)
		goto bad;
	if (*end == 'd')
		unit = 86400000;
	else if (*end == 'h')
		unit = 3600000;
	else if (*end == 'm')
		unit = 60000;
	else if (*end == 's' || !*end)
		unit = 1000;
	else
		goto bad;
	if (*end && end[1])
		goto bad;
	if (v > GOV_DURATION_MAX / unit)
		goto bad;
	*ms = v * unit;
	if (*ms < GOV_DURATION_MIN || *ms > GOV_DURATION_MAX)
		goto bad;
	return 0;
bad:
	return err_set("'%s' is not a duration (e.g. 14d, 2h, 30m, 45s; at most 366d)", s);
}

static int append_proposal(struct ctx *c, Mutua__Proposal *p)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	uint8_t id[32];
	b.actor = getenv("MUTUA_ACTOR");
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
		fail(EXIT_REFUSED, "card '%s': %s", path, err_msg());
		return NULL;
	}
	int known = store_member_of(c->store, cb->id.data, NULL, NULL);
	if (known == 0)
		known = store_is_member(c->store, cb->id.data);
	mutua__card_body__free_unpacked(cb, NULL);
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
	int member = store_is_member(c->store, id), out = store_excluded_at(c->store, id, NULL);
	if (member < 0 || out < 0)
		return fail(EXIT_REFUSED, "%s", err_msg());
	if (member != 1 || out)
		return fail(EXIT_REFUSED, "'%s' is not a current member", arg);
	return EXIT_OK;
}

int cmd_propose(struct ctx *c, int argc, char **argv)
{
	static const char use[] =
		"mutua propose admit CARD [--college C] [--reason TEXT]\n"
		"       mutua propose exclude MEMBER [--reason TEXT]\n"
		"       mutua propose set credit-limit|threshold|quorum|duration VALUE "
		"[--reason TEXT]\n"
		"       mutua propose rekey MEMBER CARD [--upto SEQ] [--reason TEXT]";
	static const struct option opts[] = {
		{"college", required_argument, NULL, 'c'},
		{"reason", required_argument, NULL, 'r'},
		{"upto", required_argument, NULL, 'u'},
		{0},
	};
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
		default: return usage(use);
		}
	}
	if ((reason && check_text("--reason", reason, NOTE_MAX_LEN, 1)) ||
	    (college && check_text("--college", college, COLLEGE_MAX_LEN, 0)))
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
	if (strcmp(what, "set") == 0) {
		if (optind != argc - 2)
			return usage(use);
		const char *name = argv[optind], *val = argv[optind + 1];
		int64_t v;
		if (strcmp(name, "credit-limit") == 0) {
			if (amount_parse(val, 0, &v))
				return fail_err(EXIT_USAGE, "credit-limit");
		} else if (strcmp(name, "duration") == 0) {
			if (duration_parse(val, &v))
				return fail_err(EXIT_USAGE, "duration");
		} else {
			uint64_t u;
			if (parse_u64(name, val, 100, &u))
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
	    (rc = resolve_id(c, "proposal", "SELECT id FROM proposals WHERE id BETWEEN ?1 AND ?2",
			     argv[1], id)))
		return rc;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store_db(c->store), "SELECT state, deadline FROM proposals"
						   " WHERE id = ?1", -1, &st, NULL))
		return fail(EXIT_REFUSED, "store: %s", sqlite3_errmsg(store_db(c->store)));
	sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
	rc = EXIT_OK;
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (strcmp((const char *)sqlite3_column_text(st, 0), "passed") == 0)
			rc = fail(EXIT_REFUSED, "the proposal has passed already");
		else if (sqlite3_column_int64(st, 1) < time_now_ms())
			rc = fail(EXIT_REFUSED, "the proposal is closed: its deadline has passed");
	}
	sqlite3_finalize(st);
	if (rc)
		return rc;
	Mutua__Vote v = MUTUA__VOTE__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	v.proposal.data = id;
	v.proposal.len = 32;
	v.choice = choice;
	b.actor = getenv("MUTUA_ACTOR");
	b.payload_case = MUTUA__BODY__PAYLOAD_VOTE;
	b.vote = &v;
	if (store_append(c->store, c->key, &b, NULL))
		return fail_err(EXIT_REFUSED, NULL);
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, 32);
	if (c->json)
		printf("{\"proposal\":\"%s\",\"vote\":\"%s\"}\n", hex, argv[2]);
	else
		printf("%s %s\n", hex, argv[2]);
	return EXIT_OK;
}

static void bind_now(sqlite3_stmt *st, void *arg)
{
	sqlite3_bind_int64(st, 1, time_now_ms());
	sqlite3_bind_int(st, 2, *(int *)arg);
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
	return out_rows(c,
		/* the votes the count takes (governance.c): in time, by a member
		 * at the proposal's time, before its own exclusion, on a
		 * proposal made by such a member; each voter's latest */
		"WITH counted AS (SELECT v.* FROM votes v JOIN proposals p ON p.id = v.proposal"
		"  JOIN members e ON e.id = v.voter WHERE v.time <= p.deadline"
		"  AND e.active AND e.since <= p.created AND (e.excluded IS NULL"
		"  OR (e.excluded > p.created AND v.time <= e.excluded))"
		"  AND EXISTS (SELECT 1 FROM members o WHERE o.id = p.proposer AND o.active"
		"  AND o.since <= p.created AND (o.excluded IS NULL OR o.excluded > p.created))),"
		" latest AS (SELECT v.proposal, v.voter, v.choice FROM counted v"
		"  WHERE NOT EXISTS (SELECT 1 FROM counted w WHERE w.proposal = v.proposal"
		"  AND w.voter = v.voter"
		"  AND (w.time > v.time OR (w.time = v.time AND w.id > v.id)))),"
		" shown AS (SELECT p.*, CASE WHEN p.state = 'passed' THEN 'passed'"
		"  WHEN p.deadline > ?1 THEN 'open' WHEN p.quorum_met THEN 'rejected'"
		"  ELSE 'expired' END AS shown_state FROM proposals p)"
		" SELECT lower(hex(p.id)) AS id, p.kind AS kind,"
		" CASE p.kind WHEN 'admit' THEN 'admit ' || p.target_name"
		"  || iif(p.college != '', ' (' || p.college || ')', '')"
		"  WHEN 'exclude' THEN 'exclude ' || coalesce(t.name, lower(hex(p.target)))"
		"  WHEN 'rekey' THEN 'rekey ' || coalesce(t.name, lower(hex(p.target)))"
		"  || ' after seq ' || p.value"
		"  ELSE 'set ' || p.param || ' ' || CASE p.param"
		"   WHEN 'credit-limit' THEN printf('%.2f', p.value / 100.0)"
		"   WHEN 'duration' THEN printf('%.0fs', p.value / 1000.0)"
		"   ELSE p.value END END AS what,"
		" lower(hex(p.target)) AS target, lower(hex(p.proposer)) AS proposer,"
		" m.name AS proposer_name, p.reason AS reason,"
		" (SELECT count(*) FROM latest l WHERE l.proposal = p.id AND l.choice = 1) AS yes,"
		" (SELECT count(*) FROM latest l WHERE l.proposal = p.id AND l.choice = 2) AS no,"
		" (SELECT count(*) FROM latest l WHERE l.proposal = p.id AND l.choice = 3) AS abstain,"
		" (SELECT json_group_object(college, json_object('yes', y, 'no', n, 'abstain', a))"
		"  FROM (SELECT mm.college AS college, sum(l.choice = 1) AS y, sum(l.choice = 2) AS n,"
		"  sum(l.choice = 3) AS a FROM latest l JOIN members mm ON mm.id = l.voter"
		"  WHERE l.proposal = p.id GROUP BY mm.college)) AS colleges_json,"
		" p.eligible AS eligible,"
		" strftime('%Y-%m-%dT%H:%M:%SZ', p.created / 1000, 'unixepoch') AS created,"
		" strftime('%Y-%m-%dT%H:%M:%SZ', p.deadline / 1000, 'unixepoch') AS deadline,"
		" p.shown_state AS state,"
		" strftime('%Y-%m-%dT%H:%M:%SZ', p.passed_at / 1000, 'unixepoch') AS passed_at"
		" FROM shown p LEFT JOIN members m ON m.id = p.proposer"
		" LEFT JOIN members t ON t.id = p.target"
		" WHERE NOT ?2 OR p.shown_state = 'open' ORDER BY p.created, p.id",
		bind_now, &open_only, cols) < 0 ? EXIT_REFUSED : EXIT_OK;
}
