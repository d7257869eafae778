/* cmd_offer.c - mutua offer add | list | show | update | withdraw. */
#include "cli.h"
#include "i18n.h"
#include "entry.h"
#include "loan_read.h"
#include "util.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fields of an offer, as given on the command line. */
struct offer_opts {
	const char *kind, *title, *unit, *capacity, *rate, *location, *description;
	int auto_accept; /* -1 not given */
};

static const char offer_use[] =
	"mutua offer add --kind KIND --title TEXT [--unit UNIT] [--capacity N]\n"
	"       [--rate CREDITS] [--location TEXT] [--description TEXT] [--auto-accept]";

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
		{0},
	};
	int o;
	memset(oo, 0, sizeof *oo);
	oo->auto_accept = -1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'k': oo->kind = optarg; break;
		case 't': oo->title = optarg; break;
		case 'u': oo->unit = optarg; break;
		case 'c': oo->capacity = optarg; break;
		case 'r': oo->rate = optarg; break;
		case 'l': oo->location = optarg; break;
		case 'd': oo->description = optarg; break;
		case 'a': oo->auto_accept = 1; break;
		case 'A': oo->auto_accept = 0; break;
		default: return usage(offer_use);
		}
	}
	return EXIT_OK;
}

/* Applies the given options over o (whose strings the caller owns). */
static int apply_offer_opts(const struct offer_opts *oo, Mutua__Offer *o)
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
	b.actor = getenv("MUTUA_ACTOR");
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
				  "       [--available FROM/TO]";
	static const struct option opts[] = {
		{"kind", required_argument, NULL, 'k'},
		{"member", required_argument, NULL, 'm'},
		{"all", no_argument, NULL, 'a'},
		{"available", required_argument, NULL, 'v'},
		{0},
	};
	const char *kind = NULL, *member = NULL;
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
			       available ? VIEW_INT(to) : VIEW_NULL};
	static const char *const cols[] = {"id.12", "title:32", "kind", "owner_name:24",
					   "capacity", "unit", "rate", "location:24",
					   "status", NULL};
	return out_rows(c, &view_offers, a, 5, cols) < 0 ? EXIT_REFUSED : EXIT_OK;
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
			     "       [--capacity N] [--rate CREDITS] [--location TEXT]\n"
			     "       [--description TEXT] [--auto-accept|--no-auto-accept]");
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
	if ((rc = apply_offer_opts(&oo, &o)) == EXIT_OK) {
		u.offer.data = cur.id;
		u.offer.len = 32;
		u.fields = &o;
		b.actor = getenv("MUTUA_ACTOR");
		b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_UPDATE;
		b.offer_update = &u;
		uint8_t eid[32];
		if (store_append(c->store, c->key, &b, eid))
			rc = fail_err(EXIT_REFUSED, NULL);
		else
			print_id(c, "id", cur.id);
	}
	return rc;
}

static int offer_withdraw(struct ctx *c, int argc, char **argv)
{
	Mutua__OfferWithdraw w = MUTUA__OFFER_WITHDRAW__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	struct offer_info cur;
	int rc;
	if (argc != 2)
		return usage("mutua offer withdraw ID");
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) ||
	    (rc = offer_read(c, argv[1], &cur)))
		return rc;
	w.offer.data = cur.id;
	w.offer.len = 32;
	b.actor = getenv("MUTUA_ACTOR");
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW;
	b.offer_withdraw = &w;
	if (store_append(c->store, c->key, &b, NULL))
		return fail_err(EXIT_REFUSED, NULL);
	print_id(c, "id", cur.id);
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
