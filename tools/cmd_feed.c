/* cmd_feed.c - mutua feed stop|resume MEMBER: this node stops taking a
 * member's feeds from its peers, or takes them again (store.c, budgets). */
#include "cli.h"
#include "hex.h"
#include "i18n.h"

#include <stdio.h>
#include <string.h>

int cmd_feed(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua feed stop|resume MEMBER";
	if (argc != 3 || (strcmp(argv[1], "stop") && strcmp(argv[1], "resume")))
		return usage(use);
	int stop = strcmp(argv[1], "stop") == 0, rc;
	uint8_t id[32];
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)) || (rc = resolve_member(c, argv[2], id)))
		return rc;
	if (memcmp(id, c->me, 32) == 0)
		return fail(EXIT_USAGE, "this member's own feed is always taken");
	int changed = store_feed_stop(c->store, id, stop);
	if (changed < 0)
		return fail_err(EXIT_REFUSED, NULL);
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, 32);
	if (c->json)
		printf("{\"member\":\"%s\",\"stopped\":%s,\"changed\":%s}\n", hex,
		       stop ? "true" : "false", changed ? "true" : "false");
	else if (stop)
		printf(_("%.12s: this node takes none of its entries from its peers until "
			 "'mutua feed resume'%s\n"), hex, changed ? "" : _(" (stopped already)"));
	else
		printf(_("%.12s: this node takes its entries again%s\n"), hex,
		       changed ? "" : _(" (it was not stopped)"));
	return EXIT_OK;
}
