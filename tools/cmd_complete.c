/* cmd_complete.c - mutua __complete: the words bash completion offers
 * (deploy/bash-completion/mutua), one a line, from the same tables as the
 * help (help.c) and, for names and offers, from this home's store when
 * there is one. Hidden: not in the command table, never in help.
 *
 *   mutua __complete commands          the commands
 *   mutua __complete options CMD       CMD's long options, then the global ones
 *   mutua __complete flags CMD         those of CMD that take no value
 *   mutua __complete subcommands CMD   offer add, federation create ...
 *   mutua __complete values OPTION     --kind, --unit, --state, --rule
 *   mutua __complete members           member names (this home)
 *   mutua __complete offers            offer ids (12 digits) and titles
 *   mutua __complete requests          request ids (12 digits)
 * Nothing is printed on stderr, whatever fails: a completion stays quiet. */
#include "cli.h"
#include "help.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *cmd, *words;
} subcommands[] = {
	{"offer", "add list show update withdraw"},
	{"federation", "create join show"},
	{"propose", "admit exclude set rekey settle"},
	{"key", "rotate"},
	{"requests", "show"},
	{"staff", "add revoke email list init"},
};

static const struct {
	const char *option, *words;
} values[] = {
	{"--kind", "vehicle storage skill equipment room other"},
	{"--unit", "hour day km m3 item"},
	{"--state", "requested accepted declined cancelled handed_over returned claimed "
		    "disputed closed"},
	{"--rule", "majority colleges"},
	{"--role", "borrow lend admin"},
};

static void words(const char *list)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");
		printf("%.*s\n", (int)n, p);
		p += n + (p[n] == ' ');
	}
}

/* One column of a view's rows, the first n characters of each. */
static void column(struct ctx *c, const struct view *v, const struct view_arg *a, size_t na,
		   const char *name, int n)
{
	struct view_rows *r = view_open(c->store, v, a, na, 0);
	if (!r)
		return;
	int col = view_find(r, name);
	while (col >= 0 && view_next(r) == 1)
		if (view_text(r, col))
			printf("%.*s\n", n, view_text(r, col));
	view_close(&r);
}

/* The store of this home, when there is one; quiet either way. */
static int open_quiet(struct ctx *c)
{
	char *kp = cli_path(c, "key"), *sp = cli_path(c, "store.db");
	if (access(kp, F_OK) == 0 && access(sp, R_OK) == 0)
		c->store = store_open(sp);
	free(kp);
	free(sp);
	return c->store ? 0 : -1;
}

int cmd_complete(struct ctx *c, int argc, char **argv, const char *const *commands,
		 size_t ncommands)
{
	const char *what = argc > 1 ? argv[1] : "", *arg = argc > 2 ? argv[2] : "";
	if (strcmp(what, "commands") == 0) {
		for (size_t i = 0; i < ncommands; i++)
			puts(commands[i]);
		puts("help");
	} else if (strcmp(what, "options") == 0) {
		const struct help_cmd *h = help_find(arg);
		for (const struct help_opt *o = h ? h->opts : NULL; o && o->spec; o++)
			printf("%.*s\n", (int)strcspn(o->spec, " "), o->spec);
		words("--home --json --help");
	} else if (strcmp(what, "flags") == 0) {
		const struct help_cmd *h = help_find(arg);
		for (const struct help_opt *o = h ? h->opts : NULL; o && o->spec; o++)
			if (!strchr(o->spec, ' '))
				puts(o->spec);
	} else if (strcmp(what, "subcommands") == 0) {
		for (size_t i = 0; i < sizeof subcommands / sizeof *subcommands; i++)
			if (strcmp(arg, subcommands[i].cmd) == 0)
				words(subcommands[i].words);
	} else if (strcmp(what, "values") == 0) {
		for (size_t i = 0; i < sizeof values / sizeof *values; i++)
			if (strcmp(arg, values[i].option) == 0)
				words(values[i].words);
	} else if (strcmp(what, "members") == 0) {
		if (!open_quiet(c))
			column(c, &view_fed_members, NULL, 0, "name", 1 << 20);
	} else if (strcmp(what, "offers") == 0) {
		struct view_arg a[] = {VIEW_NULL, VIEW_NULL, VIEW_INT(0), VIEW_NULL, VIEW_NULL};
		if (!open_quiet(c)) {
			column(c, &view_offers, a, 5, "id", 12);
			column(c, &view_offers, a, 5, "title", 1 << 20);
		}
	} else if (strcmp(what, "requests") == 0) {
		/* those this node holds, newest first: one member's would
		 * need its key, perhaps sealed */
		if (!open_quiet(c))
			column(c, &view_loan_recent, NULL, 0, "id", 12);
	}
	return EXIT_OK;
}
