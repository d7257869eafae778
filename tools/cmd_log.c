/* cmd_log.c - mutua log, mutua reindex. */
#include "cli.h"
#include "i18n.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

int cmd_log(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua log [--member NAME|ID] [--limit N]";
	static const struct option opts[] = {
		{"member", required_argument, NULL, 'm'},
		{"limit", required_argument, NULL, 'n'},
		{0},
	};
	uint8_t id[32];
	const char *member = NULL;
	int64_t limit = -1; /* all */
	uint64_t lim;
	int o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'm': member = optarg; break;
		case 'n':
			if (parse_u64("--limit", optarg, INT64_MAX, &lim))
				return EXIT_USAGE;
			limit = (int64_t)lim;
			break;
		default: return usage(use);
		}
	}
	if (optind != argc)
		return usage(use);
	if ((rc = cli_open(c, NEED_FED)))
		return rc;
	if (member && (rc = resolve_member(c, member, id)))
		return rc;
	static const char *const cols[] = {"time", "author_name:24", "seq", "type", "id.12",
					   "report:48", "by_json:28?", NULL};
	struct view_arg a[] = {member ? VIEW_ID(id) : VIEW_NULL, VIEW_INT(limit)};
	return out_rows(c, &view_entry_log, a, 2, cols) < 0 ? EXIT_REFUSED : EXIT_OK;
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
		fprintf(stderr, _("mutua: derived state rebuilt from the entries\n"));
	return EXIT_OK;
}
