/* cmd_offer.c - mutua offer add | list | show | update | withdraw. */
#include "cli.h"
#include "booking.h"
#include "entry.h"
#include "i18n.h"
#include "lending.h"
#include "loan_read.h"
#include "search.h"
#include "util.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fields of an offer, as given on the command line. */
struct offer_opts {
	const char *kind, *title, *unit, *capacity, *rate, *location, *description;
	const char *conditions, *deposit;
	int auto_accept; /* -1 not given */
	int force;       /* update: lower the capacity below loans in progress */
	int requires;    /* 1: --requires or --no-requires given (replaces the list) */
	size_t n_req;
	char req[REQUIRES_MAX][REQUIREMENT_MAX_LEN + 1];
	char *req_ptrs[REQUIRES_MAX];
};

static const char offer_use[] =
	"mutua offer add --kind KIND --title TEXT [--unit UNIT] [--capacity N]\n"
	"       [--rate CREDITS] [--location TEXT] [--description TEXT] [--auto-accept]\n"
	"       [--conditions TEXT] [--requires licence:CAT|insurance]... [--deposit CREDITS]";

/* Adds one requirement to oo's list (usage error when it is none). */
static int add_requirement(struct offer_opts *oo, const char *r)
{
	if (entry_check_requirement(r))
		return fail_err(EXIT_USAGE, "--requires");
	for (size_t i = 0; i < oo->n_req; i++)
		if (strcmp(oo->req[i], r) == 0)
			return EXIT_OK;
	if (oo->n_req == REQUIRES_MAX)
		return fail(EXIT_USAGE, "--requires: at most %d requirements", REQUIRES_MAX);
	snprintf(oo->req[oo->n_req++], sizeof oo->req[0], "%s", r);
	return EXIT_OK;
}

static int req_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int parse_offer_opts(int argc, char **argv, struct offer_opts *oo)
{
	static const struct option opts[] = {
		{"kind", required_argument, NULL, 'k'},
		{"title", required_argument, NULL, 't'},
		{"unit", required_argument, NULL, 'u'},
		{"capacity", required_argument, NULL, 'c'},
		{"rate", required_argument, NULL, 'r'},
		{"location", required_argument, NULL, 'l'},
		{"description", required_argument, NULL, 'd'},
		{"auto-accept", no_argument, NULL, 'a'},
		{"no-auto-accept", no_argument, NULL, 'A'},
		{"force", no_argument, NULL, 'F'},
		{"conditions", required_argument, NULL, 'C'},
		{"requires", required_argument, NULL, 'R'},
		{"no-requires", no_argument, NULL, 'N'},
		{"deposit", required_argument, NULL, 'D'},
		{0},
	};
	int o, rc;
	memset(oo, 0, sizeof *oo);
	oo->auto_accept = -1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'C': oo->conditions = optarg; break;
		case 'D': oo->deposit = optarg; break;
		case 'R':
			oo->requires = 1;
			if ((rc = add_requirement(oo, optarg)))
				return rc;
			break;
		case 'N':
			oo->requires = 1;
			oo->n_req = 0;
			break;
		case 'k': oo->kind = optarg; break;
		case 't': oo->title = optarg; break;
		case 'u': oo->unit = optarg; break;
		case 'c': oo->capacity = optarg; break;
		case 'r': oo->rate = optarg; break;
		case 'l': oo->location = optarg; break;
		case 'd': oo->description = optarg; break;
		case 'a': oo->auto_accept = 1; break;
		case 'A': oo->auto_accept = 0; break;
		case 'F': oo->force = 1; break;
		default: return usage(offer_use);
		}
	}
	return EXIT_OK;
}

/* Applies the given options over o (whose strings the caller owns). */
static int apply_offer_opts(struct offer_opts *oo, Mutua__Offer *o)
{
	uint64_t cap;
	int64_t rate;
	if (oo->kind && entry_kind_parse(oo->kind, &o->kind))
		return fail_err(EXIT_USAGE, "--kind");
	if (oo->unit && entry_unit_parse(oo->unit, &o->unit))
		return fail_err(EXIT_USAGE, "--unit");
	if (oo->capacity) {
		if (oo->capacity[0] == '-')
			return fail(EXIT_USAGE, "--capacity: must be at least 1, not %s", oo->capacity);
		if (parse_u64("--capacity", oo->capacity, CAPACITY_MAX, &cap))
			return EXIT_USAGE;
		if (cap < 1)
			return fail(EXIT_USAGE, "--capacity: must be at least 1");
		o->capacity = cap;
	}
	if (oo->rate) {
		if (amount_parse(oo->rate, 0, &rate))
			return fail_err(EXIT_USAGE, "--rate");
		if (rate > RATE_MAX)
			return fail(EXIT_USAGE, "--rate: %s is too large", oo->rate);
		o->rate = (uint64_t)rate;
	}
	if (oo->title) {
		if (!*oo->title)
			return fail(EXIT_USAGE, "--title: must not be empty");
		if (text_check("--title", oo->title, TITLE_MAX_LEN, 0))
			return fail_err(EXIT_USAGE, NULL);
		o->title = (char *)oo->title;
	}
	if (oo->location) {
		if (text_check("--location", oo->location, LOCATION_MAX_LEN, 0))
			return fail_err(EXIT_USAGE, NULL);
		o->location = *oo->location ? (char *)oo->location : NULL;
	}
	if (oo->description) {
		if (text_check("--description", oo->description, DESCRIPTION_MAX_LEN, 1))
			return fail_err(EXIT_USAGE, NULL);
		o->description = *oo->description ? (char *)oo->description : NULL;
	}
	if (oo->auto_accept >= 0) {
		o->has_auto_accept = oo->auto_accept;
		o->auto_accept = oo->auto_accept;
	}
	if (oo->conditions) {
		if (text_check("--conditions", oo->conditions, CONDITIONS_MAX_LEN, 1))
			return fail_err(EXIT_USAGE, NULL);
		o->conditions = *oo->conditions ? (char *)oo->conditions : NULL;
	}
	if (oo->deposit) {
		int64_t d;
		if (amount_parse(oo->deposit, 0, &d))
			return fail_err(EXIT_USAGE, "--deposit");
		if (d > DEPOSIT_MAX)
			return fail(EXIT_USAGE, "--deposit: %s is too large", oo->deposit);
		o->has_deposit = d > 0;
		o->deposit = (uint64_t)d;
	}
	if (oo->requires) {
		/* sorted, each once: the format's canonical list */
		qsort(oo->req, oo->n_req, sizeof oo->req[0], req_cmp);
		for (size_t i = 0; i < oo->n_req; i++)
			oo->req_ptrs[i] = oo->req[i];
		o->n_requires = oo->n_req;
		o->requires = oo->n_req ? oo->req_ptrs : NULL;
	}
	return EXIT_OK;
}

static void print_id(struct ctx *c, const char *key, const uint8_t *id)
{
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, 32);
	if (c->json)
		printf("{\"%s\":\"%s\"}\n", key, hex);
	else
		puts(hex);
}

static int offer_add(struct ctx *c, int argc, char **argv)
{
	struct offer_opts oo;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	uint8_t id[32];
	int rc;
	if ((rc = parse_offer_opts(argc, argv, &oo)))
		return rc;
	if (!oo.kind)
		return missing("offer", "--kind", offer_use);
	if (!oo.title)
		return missing("offer", "--title", offer_use);
	if (optind != argc)
		return usage(offer_use);
	o.unit = MUTUA__UNIT__UNIT_DAY;
	o.capacity = 1;
	o.rate = 0;
	if ((rc = apply_offer_opts(&oo, &o)) || (rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	if (store_append(c->store, c->key, &b, id))
		return fail_err(EXIT_REFUSED, NULL);
	print_id(c, "id", id);
	return EXIT_OK;
}

static int offer_list(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua offer list [--kind KIND] [--member NAME|ID] [--all]\n"
				  "       [--available FROM/TO] [--search WORDS] [--near PLACE]";
	static const struct option opts[] = {
		{"kind", required_argument, NULL, 'k'},
		{"member", required_argument, NULL, 'm'},
		{"all", no_argument, NULL, 'a'},
		{"available", required_argument, NULL, 'v'},
		{"search", required_argument, NULL, 's'},
		{"near", required_argument, NULL, 'n'},
		{0},
	};
	const char *kind = NULL, *member = NULL, *words = NULL, *near = NULL;
	int64_t from = 0, to = 0;
	int all = 0, available = 0, o, rc;
	uint8_t owner[32];
	char slot[80];
	uint32_t k;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'k':
			if (entry_kind_parse(optarg, &k))
				return fail_err(EXIT_USAGE, "--kind");
			kind = optarg;
			break;
		case 'm': member = optarg; break;
		case 'a': all = 1; break;
		case 's':
		case 'n': {
			int empty;
			char *q = search_query(optarg, NULL, &empty);
			free(q);
			if (empty)
				return fail(EXIT_USAGE, "--%s: give at least one word",
					    o == 's' ? "search" : "near");
			if (!q)
				return fail_err(EXIT_USAGE, o == 's' ? "--search" : "--near");
			*(o == 's' ? &words : &near) = optarg;
			break;
		}
		case 'v': {
			char *slash, why[512] = "";
			int ok = 0;
			snprintf(slot, sizeof slot, "%s", optarg);
			if (!strchr(slot, '/'))
				return fail(EXIT_USAGE, "--available: expected FROM/TO, e.g. "
					    "2026-12-05/2026-12-06");
			/* dates written day first hold slashes too (05/12/2026/06/12/2026):
			 * the slot is cut at the slash that leaves two times; else the
			 * reason of the cut whose start reads, or of the first cut */
			for (slash = strchr(slot, '/'); slash && !ok; slash = strchr(slash + 1, '/')) {
				*slash = 0;
				int bad_from = clock_parse(slot, 0, &from) != 0;
				ok = !bad_from && clock_parse(slash + 1, 1, &to) == 0;
				if (!ok && (!*why || !bad_from))
					snprintf(why, sizeof why, "%s", err_msg_local());
				*slash = '/';
			}
			if (!ok)
				return fail(EXIT_USAGE, "--available: %s", why);
			if (to <= from)
				return fail(EXIT_USAGE, "--available: the slot ends before it starts");
			available = 1;
			break;
		}
		default: return usage(use);
		}
	}
	if (optind != argc)
		return usage(use);
	if ((rc = cli_open(c, NEED_FED)))
		return rc;
	if (member && (rc = resolve_member(c, member, owner)))
		return rc;
	struct view_arg a[] = {VIEW_TEXT(kind), member ? VIEW_ID(owner) : VIEW_NULL,
			       VIEW_INT(all), available ? VIEW_INT(from) : VIEW_NULL,
			       available ? VIEW_INT(to) : VIEW_NULL, VIEW_TEXT(words),
			       VIEW_TEXT(near)};
	static const char *const cols[] = {"id.12", "title:32", "kind", "owner_name:24",
					   "capacity", "unit", "rate", "location:24",
					   "status", NULL};
	/* over a slot: what is free, and a free slot told from one that
	 * pending requests (or the owner's blocks) already touch */
	static const char *const slot_cols[] = {"id.12", "title:32", "kind", "owner_name:24",
						"free", "unit", "rate", "location:24",
						"slot", "pending", "blocked", NULL};
	return out_rows(c, &view_offers, a, 7, available ? slot_cols : cols) < 0 ? EXIT_REFUSED
										: EXIT_OK;
}

static int offer_show(struct ctx *c, int argc, char **argv)
{
	uint8_t id[32];
	int rc;
	if (argc != 2)
		return usage("mutua offer show ID");
	if ((rc = cli_open(c, NEED_FED)) ||
	    (rc = resolve_id(c, "offer", &view_offer_ids, argv[1], id)))
		return rc;
	struct view_arg a[] = {VIEW_ID(id)};
	return out_record(c, &view_offer, a, 1) < 0 ? EXIT_REFUSED : EXIT_OK;
}

/* Resolves an offer and reads its current fields into o. Whether this
 * member may change it (its own, still active) is the fold's to say:
 * store_append refuses what the fold would ignore, with its reason
 * (lending_refusal). */
static int offer_read(struct ctx *c, const char *arg, struct offer_info *o)
{
	int rc = resolve_id(c, "offer", &view_offer_ids, arg, o->id);
	if (rc)
		return rc;
	rc = loan_read_offer(c->store, o->id, o);
	if (rc < 0)
		return fail_err(EXIT_REFUSED, "store");
	if (rc == 0)
		return fail(EXIT_REFUSED, "no offer with id '%s'", arg);
	return EXIT_OK;
}

/* Appends the update b of resource, in one transaction with the check
 * that a lower capacity leaves every loan in progress room
 * (booking_capacity_short): refused naming the loans, or with force
 * signed and the loans named for the owner to settle with their
 * borrowers. force < 0: the capacity is not lowered, no check. */
static int update_append(struct ctx *c, Mutua__Body *b, const uint8_t resource[32],
			 int64_t capacity, int force)
{
	uint8_t (*over)[32] = NULL;
	size_t n = 0;
	if (store_begin(c->store, c->key, "an offer update and its check"))
		return fail_err(EXIT_REFUSED, NULL);
	if (force >= 0 && booking_capacity_short(c->store, resource, capacity, &over, &n)) {
		store_rollback(c->store, c->key);
		return fail_err(EXIT_REFUSED, "store");
	}
	for (size_t i = 0; i < n; i++) {
		struct lending_loan l;
		char hex[HEX_ID_LEN + 1], a[CLOCK_BUF], z[CLOCK_BUF];
		hex_encode(hex, over[i], 32);
		if (lending_loan_get(c->store, over[i], &l) != 1)
			continue;
		clock_format_utc(a, l.start);
		clock_format_utc(z, l.end);
		if (force)
			fprintf(stderr, _("mutua: loan %.12s (%s to %s, quantity %lld) is beyond the "
					  "new capacity %lld: settle it with its borrower (cancel)\n"),
				hex, a, z, (long long)l.quantity, (long long)capacity);
		else
			fprintf(stderr, _("mutua: loan %.12s (%s to %s, quantity %lld) would be beyond "
					  "capacity %lld\n"),
				hex, a, z, (long long)l.quantity, (long long)capacity);
	}
	free(over);
	if (n && !force) {
		store_rollback(c->store, c->key);
		return fail(EXIT_REFUSED, "capacity %lld is below %zu loan(s) in progress (named "
			    "above): settle them first, or --force", (long long)capacity, n);
	}
	uint8_t eid[32];
	if (store_append(c->store, c->key, b, eid) || store_commit(c->store, c->key)) {
		store_rollback(c->store, c->key);
		return fail_err(EXIT_REFUSED, NULL);
	}
	print_id(c, "id", resource);
	return EXIT_OK;
}

static int offer_update(struct ctx *c, int argc, char **argv)
{
	struct offer_opts oo;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	Mutua__OfferUpdate u = MUTUA__OFFER_UPDATE__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	struct offer_info cur;
	int rc;
	if ((rc = parse_offer_opts(argc, argv, &oo)))
		return rc;
	if (optind != argc - 1)
		return usage("mutua offer update ID [--kind KIND] [--title TEXT] [--unit UNIT]\n"
			     "       [--capacity N [--force]] [--rate CREDITS] [--location TEXT]\n"
			     "       [--description TEXT] [--auto-accept|--no-auto-accept]\n"
			     "       [--conditions TEXT] [--requires REQ]... [--no-requires]\n"
			     "       [--deposit CREDITS]");
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) ||
	    (rc = offer_read(c, argv[optind], &cur)))
		return rc;
	/* start from the current fields (cur holds their strings) */
	if (entry_kind_parse(cur.kind, &o.kind) || entry_unit_parse(cur.unit, &o.unit))
		return fail_err(EXIT_REFUSED, "stored offer");
	o.title = cur.title;
	o.capacity = (uint64_t)cur.capacity;
	o.rate = (uint64_t)cur.rate;
	o.location = *cur.location ? cur.location : NULL;
	o.description = *cur.description ? cur.description : NULL;
	o.has_auto_accept = o.auto_accept = cur.auto_accept;
	o.conditions = *cur.conditions ? cur.conditions : NULL;
	o.has_deposit = cur.deposit > 0;
	o.deposit = (uint64_t)cur.deposit;
	if (!oo.requires) {
		/* the current list, kept as stored (sorted) */
		for (char *p = cur.requires; *p && oo.n_req < REQUIRES_MAX;) {
			char *comma = strchr(p, ',');
			if (comma)
				*comma = 0;
			snprintf(oo.req[oo.n_req++], sizeof oo.req[0], "%.*s",
				 REQUIREMENT_MAX_LEN, p);
			if (!comma)
				break;
			p = comma + 1;
		}
		oo.requires = 1;
	}
	if ((rc = apply_offer_opts(&oo, &o)) == EXIT_OK) {
		u.offer.data = cur.id;
		u.offer.len = 32;
		u.fields = &o;
		b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_UPDATE;
		b.offer_update = &u;
		/* only a lower capacity can leave a loan in progress without room */
		rc = update_append(c, &b, cur.id, (int64_t)o.capacity,
				   (int64_t)o.capacity >= cur.capacity ? -1 : oo.force);
	}
	return rc;
}

static int offer_withdraw(struct ctx *c, int argc, char **argv)
{
	struct offer_info cur;
	int rc, declined;
	if (argc != 2)
		return usage("mutua offer withdraw ID");
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) ||
	    (rc = offer_read(c, argv[1], &cur)))
		return rc;
	/* its pending requests are answered at once: declined, withdrawn */
	if (lending_withdraw(c->store, c->key, cur.id, NULL, &declined))
		return fail_err(EXIT_REFUSED, NULL);
	if (c->json) {
		char hex[HEX_ID_LEN + 1];
		hex_encode(hex, cur.id, 32);
		printf("{\"id\":\"%s\",\"declined\":%d}\n", hex, declined);
		return EXIT_OK;
	}
	print_id(c, "id", cur.id);
	if (declined)
		fprintf(stderr, _("mutua: %d pending request(s) declined: withdrawn\n"), declined);
	return EXIT_OK;
}

int cmd_offer(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua offer add|list|show|update|withdraw ...";
	if (argc < 2)
		return usage(use);
	const char *sub = argv[1];
	argc--;
	argv++;
	if (strcmp(sub, "add") == 0)
		return offer_add(c, argc, argv);
	if (strcmp(sub, "list") == 0)
		return offer_list(c, argc, argv);
	if (strcmp(sub, "show") == 0)
		return offer_show(c, argc, argv);
	if (strcmp(sub, "update") == 0)
		return offer_update(c, argc, argv);
	if (strcmp(sub, "withdraw") == 0)
		return offer_withdraw(c, argc, argv);
	fail(EXIT_USAGE, "unknown offer command '%s'", sub);
	return usage(use);
}
