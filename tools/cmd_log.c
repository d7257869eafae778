/* cmd_log.c - mutua log, mutua reindex. */
#include "cli.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

struct log_args {
	uint8_t member[32];
	int has_member;
	sqlite3_int64 limit;
};

static void bind_log(sqlite3_stmt *st, void *arg)
{
	struct log_args *a = arg;
	if (a->has_member)
		sqlite3_bind_blob(st, 1, a->member, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a->limit);
}

int cmd_log(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua log [--member NAME|ID] [--limit N]";
	static const struct option opts[] = {
		{"member", required_argument, NULL, 'm'},
		{"limit", required_argument, NULL, 'n'},
		{0},
	};
	struct log_args a = {.limit = -1};
	const char *member = NULL;
	uint64_t lim;
	int o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'm': member = optarg; break;
		case 'n':
			if (parse_u64("--limit", optarg, INT64_MAX, &lim))
				return EXIT_USAGE;
			a.limit = (sqlite3_int64)lim;
			break;
		default: return usage(use);
		}
	}
	if (optind != argc)
		return usage(use);
	if ((rc = cli_open(c, NEED_FED)))
		return rc;
	if (member && (rc = resolve_member(c, member, a.member)))
		return rc;
	a.has_member = member != NULL;
	static const char *const cols[] = {"time", "author_name:24", "seq", "type", "id.12", NULL};
	return out_rows(c,
			"SELECT lower(hex(e.author)) AS author, m.name AS author_name,"
			" e.seq AS seq, lower(hex(e.id)) AS id, e.type AS type,"
			" strftime('%Y-%m-%dT%H:%M:%fZ', e.time / 1000.0, 'unixepoch') AS time"
			" FROM entries e LEFT JOIN members m ON m.id = e.author"
			" WHERE (?1 IS NULL OR e.author = ?1)"
			" ORDER BY e.time DESC, e.n DESC LIMIT ?2",
			bind_log, &a, cols) < 0 ? EXIT_REFUSED : EXIT_OK;
}

int cmd_reindex(struct ctx *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage("mutua reindex");
	int rc = cli_open(c, NEED_FED);
	if (rc)
		return rc;
	if (store_reindex(c->store))
		return fail_err(EXIT_REFUSED, "reindex failed");
	if (!c->json)
		fprintf(stderr, "mutua: derived state rebuilt from the entries\n");
	return EXIT_OK;
}
