/* cmd_offer.c - mutua offer add | list | show | update | withdraw. */
#include "cli.h"
#include "entry.h"
#include "util.h"

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
	if (oo->kind && kind_parse(oo->kind, &o->kind))
		return fail_err(EXIT_USAGE, "--kind");
	if (oo->unit && unit_parse(oo->unit, &o->unit))
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
		if (check_text("--title", oo->title, TITLE_MAX_LEN, 0))
			return fail_err(EXIT_USAGE, NULL);
		o->title = (char *)oo->title;
	}
	if (oo->location) {
		if (check_text("--location", oo->location, LOCATION_MAX_LEN, 0))
			return fail_err(EXIT_USAGE, NULL);
		o->location = *oo->location ? (char *)oo->location : NULL;
	}
	if (oo->description) {
		if (check_text("--description", oo->description, DESCRIPTION_MAX_LEN, 1))
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
	if (optind != argc || !oo.kind || !oo.title)
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

struct list_filter {
	const char *kind;
	uint8_t member[32];
	int has_member, all, available;
	uint8_t id[32];
	int64_t from, to;
};

static void bind_filter(sqlite3_stmt *st, void *arg)
{
	struct list_filter *f = arg;
	if (f->kind)
		sqlite3_bind_text(st, 1, f->kind, -1, SQLITE_STATIC);
	if (f->has_member)
		sqlite3_bind_blob(st, 2, f->member, 32, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, f->all);
	sqlite3_bind_blob(st, 4, f->id, 32, SQLITE_STATIC);
	if (f->available) {
		sqlite3_bind_int64(st, 5, f->from);
		sqlite3_bind_int64(st, 6, f->to);
	}
}

/* Every offer field, for list and show; ?1 kind, ?2 owner, ?3 all, ?4 id. */
#define OFFER_SELECT \
	"SELECT lower(hex(r.id)) AS id, lower(hex(r.owner)) AS owner," \
	" m.name AS owner_name, r.kind AS kind, r.title AS title, r.unit AS unit," \
	" r.capacity AS capacity, r.rate / 100.0 AS rate, r.location AS location," \
	" r.status AS status, r.description AS description," \
	" r.auto_accept AS auto_accept," \
	" strftime('%Y-%m-%dT%H:%M:%fZ', r.created / 1000.0, 'unixepoch') AS created," \
	" strftime('%Y-%m-%dT%H:%M:%fZ', r.updated / 1000.0, 'unixepoch') AS updated," \
	" CASE WHEN ?5 IS NOT NULL THEN mutua_free(r.id, ?5, ?6) END AS free" \
	" FROM resources r JOIN members m ON m.id = r.owner"

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
	struct list_filter f = {0};
	char slot[80];
	const char *member = NULL;
	uint32_t k;
	int o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'k':
			if (kind_parse(optarg, &k))
				return fail_err(EXIT_USAGE, "--kind");
			f.kind = optarg;
			break;
		case 'm': member = optarg; break;
		case 'a': f.all = 1; break;
		case 'v': {
			char *slash;
			snprintf(slot, sizeof slot, "%s", optarg);
			if (!(slash = strchr(slot, '/')))
				return fail(EXIT_USAGE, "--available: expected FROM/TO, e.g. "
					    "2026-12-05/2026-12-06");
			*slash = 0;
			if (time_parse(slot, 0, &f.from) || time_parse(slash + 1, 1, &f.to))
				return fail_err(EXIT_USAGE, "--available");
			if (f.to <= f.from)
				return fail(EXIT_USAGE, "--available: the slot ends before it starts");
			f.available = 1;
			break;
		}
		default: return usage(use);
		}
	}
	if (optind != argc)
		return usage(use);
	if ((rc = cli_open(c, NEED_FED)))
		return rc;
	if (member && (rc = resolve_member(c, member, f.member)))
		return rc;
	f.has_member = member != NULL;
	static const char *const cols[] = {"id.12", "title:32", "kind", "owner_name:24",
					   "capacity", "unit", "rate", "location:24",
					   "status", NULL};
	return out_rows(c, OFFER_SELECT
			" WHERE (?1 IS NULL OR r.kind = ?1) AND (?2 IS NULL OR r.owner = ?2)"
			" AND (?3 OR r.status = 'active')"
			" AND (?5 IS NULL OR mutua_free(r.id, ?5, ?6) > 0)"
			" ORDER BY m.name, r.title, r.id",
			bind_filter, &f, cols) < 0 ? EXIT_REFUSED : EXIT_OK;
}

#define RESOURCE_BY_PREFIX "SELECT id FROM resources WHERE id BETWEEN ?1 AND ?2"

static int offer_show(struct ctx *c, int argc, char **argv)
{
	struct list_filter f = {0};
	int rc;
	if (argc != 2)
		return usage("mutua offer show ID");
	if ((rc = cli_open(c, NEED_FED)) ||
	    (rc = resolve_id(c, "offer", RESOURCE_BY_PREFIX, argv[1], f.id)))
		return rc;
	return out_record(c, OFFER_SELECT " WHERE r.id = ?4", bind_filter, &f) < 0
		       ? EXIT_REFUSED : EXIT_OK;
}

/* update and withdraw: whether this member may change the offer (its
 * own, still active) is the fold's to say; store_append refuses what the
 * fold would ignore, with its reason (lending_refusal) */
static int offer_update(struct ctx *c, int argc, char **argv)
{
	struct offer_opts oo;
	Mutua__Offer o = MUTUA__OFFER__INIT;
	Mutua__OfferUpdate u = MUTUA__OFFER_UPDATE__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	uint8_t id[32];
	sqlite3_stmt *st = NULL;
	int rc;
	if ((rc = parse_offer_opts(argc, argv, &oo)))
		return rc;
	if (optind != argc - 1)
		return usage("mutua offer update ID [--kind KIND] [--title TEXT] [--unit UNIT]\n"
			     "       [--capacity N] [--rate CREDITS] [--location TEXT]\n"
			     "       [--description TEXT] [--auto-accept|--no-auto-accept]");
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) ||
	    (rc = resolve_id(c, "offer", RESOURCE_BY_PREFIX, argv[optind], id)))
		return rc;
	/* start from the current fields; st keeps their strings alive */
	if (sqlite3_prepare_v2(store_db(c->store),
			       "SELECT kind, title, unit, capacity, rate, location, description,"
			       " auto_accept FROM resources WHERE id = ?1", -1, &st, NULL))
		return fail(EXIT_REFUSED, "store: %s", sqlite3_errmsg(store_db(c->store)));
	sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return fail(EXIT_REFUSED, "offer vanished");
	}
	kind_parse((const char *)sqlite3_column_text(st, 0), &o.kind);
	o.title = (char *)sqlite3_column_text(st, 1);
	unit_parse((const char *)sqlite3_column_text(st, 2), &o.unit);
	o.capacity = (uint64_t)sqlite3_column_int64(st, 3);
	o.rate = (uint64_t)sqlite3_column_int64(st, 4);
	o.location = *sqlite3_column_text(st, 5) ? (char *)sqlite3_column_text(st, 5) : NULL;
	o.description = *sqlite3_column_text(st, 6) ? (char *)sqlite3_column_text(st, 6) : NULL;
	o.has_auto_accept = o.auto_accept = sqlite3_column_int(st, 7);
	if ((rc = apply_offer_opts(&oo, &o)) == EXIT_OK) {
		u.offer.data = id;
		u.offer.len = 32;
		u.fields = &o;
		b.actor = getenv("MUTUA_ACTOR");
		b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_UPDATE;
		b.offer_update = &u;
		uint8_t eid[32];
		if (store_append(c->store, c->key, &b, eid))
			rc = fail_err(EXIT_REFUSED, NULL);
		else
			print_id(c, "id", id);
	}
	sqlite3_finalize(st);
	return rc;
}

static int offer_withdraw(struct ctx *c, int argc, char **argv)
{
	Mutua__OfferWithdraw w = MUTUA__OFFER_WITHDRAW__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	uint8_t id[32];
	int rc;
	if (argc != 2)
		return usage("mutua offer withdraw ID");
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) ||
	    (rc = resolve_id(c, "offer", RESOURCE_BY_PREFIX, argv[1], id)))
		return rc;
	w.offer.data = id;
	w.offer.len = 32;
	b.actor = getenv("MUTUA_ACTOR");
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER_WITHDRAW;
	b.offer_withdraw = &w;
	if (store_append(c->store, c->key, &b, NULL))
		return fail_err(EXIT_REFUSED, NULL);
	print_id(c, "id", id);
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
