/* mutua.c - the mutua command: global options, the command table, help
 * (the texts are in help.c) and suggestions for misspelt words. */
#include "cli.h"
#include "help.h"
#include "i18n.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum group { G_SETUP, G_LEND, G_GOV, G_AUDIT, G_NODE, G_COUNT };

static const char *const group_names[G_COUNT] = {
	N_("this member and the federation"),
	N_("resources and loans"),
	N_("governance"),
	N_("records, proofs and audit"),
	N_("this node"),
};

static const struct {
	const char *name;
	cmd_fn fn;
	enum group group;
	const char *help;
} commands[] = {
	{"init", cmd_init, G_SETUP, N_("create this member's home: keys and store")},
	{"id", cmd_id, G_SETUP, N_("print this member's id")},
	{"key", cmd_key, G_SETUP, N_("rotate this member's keys (the old key signs the new ones)")},
	{"card", cmd_card, G_SETUP, N_("print this member's signed card")},
	{"profile", cmd_profile, G_SETUP, N_("publish this member's name, college and endpoints")},
	{"federation", cmd_federation, G_SETUP, N_("create, join or show the federation")},
	{"staff", cmd_staff, G_SETUP, N_("name the people who act for this member, with their roles, or revoke them")},
	{"offer", cmd_offer, G_LEND, N_("add, list, show, update or withdraw resources")},
	{"borrow", cmd_borrow, G_LEND, N_("ask to borrow a resource for a slot")},
	{"block", cmd_block, G_LEND, N_("hold one of this member's resources for its own use or maintenance")},
	{"unblock", cmd_unblock, G_LEND, N_("lift a block")},
	{"accept", cmd_step, G_LEND, N_("accept a request for one of this member's resources")},
	{"decline", cmd_step, G_LEND, N_("decline a request")},
	{"cancel", cmd_step, G_LEND, N_("cancel a request or loan before handover")},
	{"handover", cmd_step, G_LEND, N_("record that the resource changed hands")},
	{"return", cmd_step, G_LEND, N_("record the return (borrower), with the usage")},
	{"close", cmd_step, G_LEND, N_("confirm the return and settle, or claim another usage (owner)")},
	{"agree", cmd_step, G_LEND, N_("agree to the owner's claimed usage and settle (borrower)")},
	{"dispute", cmd_step, G_LEND, N_("dispute the owner's claimed usage (borrower)")},
	{"requests", cmd_requests, G_LEND, N_("requests and loans of this member, or one with its steps")},
	{"verify-photo", cmd_verify_photo, G_LEND, N_("tell whether a photo is one a loan's condition report names")},
	{"calendar", cmd_calendar, G_LEND, N_("loans per resource, or an iCalendar feed")},
	{"balance", cmd_balance, G_LEND, N_("mutual-credit balances")},
	{"export-csv", cmd_export_csv, G_AUDIT, N_("closed loans as CSV for accountants")},
	{"propose", cmd_propose, G_GOV, N_("put a question to the members (admit, exclude, set, rekey)")},
	{"proposals", cmd_proposals, G_GOV, N_("proposals, their votes and outcome")},
	{"vote", cmd_vote, G_GOV, N_("vote yes, no or abstain on a proposal")},
	{"tally", cmd_tally, G_GOV, N_("close a proposal with the votes this node holds")},
	{"export", cmd_export, G_AUDIT, N_("write the whole signed history to a bundle file")},
	{"audit", cmd_audit, G_AUDIT, N_("verify a bundle (or this store) from scratch")},
	{"report", cmd_report, G_AUDIT, N_("write a board report as one HTML page")},
	{"checkpoint", cmd_checkpoint, G_AUDIT, N_("sign the head of this member's feed (Merkle root)")},
	{"witness", cmd_witness, G_AUDIT, N_("sign the heads of the feeds this node holds that moved")},
	{"proof", cmd_proof, G_AUDIT, N_("write a portable proof of one loan")},
	{"fork-proof", cmd_fork_proof, G_AUDIT, N_("write a portable proof that a member forked its feed")},
	{"verify-proof", cmd_verify_proof, G_AUDIT, N_("check a loan or fork proof offline against a genesis")},
	{"log", cmd_log, G_NODE, N_("show entries, newest first")},
	{"reindex", cmd_reindex, G_NODE, N_("rebuild derived state from the entries")},
	{"sync", cmd_sync, G_NODE, N_("exchange entries once with a peer node")},
	{"status", cmd_status, G_NODE, N_("this node's feeds and, when mutuad runs, its peers")},
	{"doctor", cmd_doctor, G_NODE, N_("check keys, store, forks and peers")},
	{"feed", cmd_feed, G_NODE, N_("stop taking a member's feeds from the peers, or resume")},
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

static void help(FILE *f)
{
	fprintf(f, _("usage: mutua [--home DIR] [--json] COMMAND [ARGS]\n"));
	for (int g = 0; g < G_COUNT; g++) {
		fprintf(f, _("\n%s:\n"), _(group_names[g]));
		for (size_t i = 0; i < NCOMMANDS; i++)
			if (commands[i].group == (enum group)g)
				fprintf(f, "  %-12s %s\n", commands[i].name, _(commands[i].help));
	}
	fputs(_("\nglobal options, anywhere on the line:\n"
		"  --home DIR   this member's home (else $MUTUA_HOME, else ~/.mutua)\n"
		"  --json       JSON output\n"
		"  --help, -h   help; 'mutua help COMMAND' or 'mutua COMMAND --help' for one command\n"
		"exit status: 0 ok, 1 refused, 2 usage error\n"),
	      f);
}

static int find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return (int)i;
	return -1;
}

static int unknown_command(const char *name)
{
	const char *names[NCOMMANDS + 1];
	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	names[NCOMMANDS] = "help";
	const char *near = help_suggest(name, names, NCOMMANDS + 1);
	if (near)
		return fail(EXIT_USAGE, "unknown command '%s': did you mean '%s'? "
					"('mutua help' lists the commands)", name, near);
	return fail(EXIT_USAGE, "unknown command '%s' ('mutua help' lists the commands)", name);
}

/* An option of the command that it does not know: refused here, with the
 * nearest of its options, rather than by getopt without one. */
static int unknown_option(const char *cmd, const struct help_cmd *h, const char *arg)
{
	const char *names[64];
	char bufs[64][HELP_WORD_MAX + 1];
	size_t n = 0;
	for (const struct help_opt *o = h->opts; o->spec && n < 64; o++, n++) {
		snprintf(bufs[n], sizeof bufs[n], "%.*s", (int)strcspn(o->spec, " "), o->spec);
		names[n] = bufs[n];
	}
	char word[HELP_WORD_MAX + 1];
	snprintf(word, sizeof word, "%.*s", (int)strcspn(arg, "="), arg);
	const char *near = help_suggest(word, names, n);
	if (near)
		fail(EXIT_USAGE, "%s: unknown option '%s': did you mean '%s'? "
				 "('mutua help %s' lists its options)", cmd, word, near, cmd);
	else
		fail(EXIT_USAGE, "%s: unknown option '%s' ('mutua help %s' lists its options)",
		     cmd, word, cmd);
	help_usage(stderr, h);
	return EXIT_USAGE;
}

/* What the command line asks, once the global options are taken out. */
struct line {
	char **args; /* the command and its arguments, NULL-terminated */
	int nargs;
	int help;    /* --help or -h */
	int version;
};

/* Takes --home DIR, --home=DIR and --json anywhere on the line (-H DIR and
 * -j before the command), --help and -h anywhere, --version before the
 * command; stops at "--". Values of the command's options are skipped (a
 * note may be "--json"). Unknown options of the command are refused with a
 * suggestion, unless help is asked. Returns EXIT_OK or an exit code after printing why. */
static int parse_line(int argc, char **argv, struct ctx *c, struct line *l)
{
	const struct help_cmd *h = NULL;
	const char *cmd = NULL, *bad = NULL; /* an unknown option of cmd */
	int rest = 0;
	l->args = calloc((size_t)argc + 1, sizeof *l->args);
	if (!l->args)
		return fail(EXIT_REFUSED, "out of memory");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (rest || (cmd && a[0] != '-')) {
			l->args[l->nargs++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			rest = 1;
			if (cmd) /* the command's getopt takes it too */
				l->args[l->nargs++] = argv[i];
			continue;
		}
		if (strcmp(a, "--home") == 0 || (!cmd && strcmp(a, "-H") == 0)) {
			if (i + 1 >= argc)
				return fail(EXIT_USAGE, "missing DIR after %s (this member's home)", a);
			c->home = argv[++i];
			c->home_from = "--home";
			continue;
		}
		if (strncmp(a, "--home=", 7) == 0) {
			c->home = a + 7;
			c->home_from = "--home";
			continue;
		}
		if (strcmp(a, "--json") == 0 || (!cmd && strcmp(a, "-j") == 0)) {
			c->json = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			l->help = 1;
			continue;
		}
		if (!cmd && (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0)) {
			l->version = 1;
			continue;
		}
		if (!cmd && a[0] == '-') {
			static const char *const globals[] = {"--home", "--json", "--help",
							      "--version"};
			const char *near = help_suggest(a, globals, 4);
			if (near)
				fail(EXIT_USAGE, "unknown option '%s': did you mean '%s'? "
						 "('mutua help' lists them)", a, near);
			else
				fail(EXIT_USAGE, "unknown option '%s' ('mutua help' lists the "
						 "global options)", a);
			return usage("mutua [--home DIR] [--json] COMMAND [ARGS]");
		}
		l->args[l->nargs++] = argv[i];
		if (!cmd) {
			cmd = a;
			h = help_find(cmd);
			continue;
		}
		/* an option of the command */
		if (!h || strncmp(a, "--", 2) != 0)
			continue;
		const struct help_opt *o = help_option(h, a);
		if (!o && !bad)
			bad = a;
		if (o && help_opt_takes_value(o) && !strchr(a, '=') && i + 1 < argc)
			l->args[l->nargs++] = argv[++i];
	}
	/* asking for help is never refused */
	return bad && !l->help ? unknown_option(cmd, h, bad) : EXIT_OK;
}

static int help_command(const char *name, FILE *f)
{
	int k = find_command(name);
	const struct help_cmd *h = help_find(name);
	if (k < 0 || !h)
		return unknown_command(name);
	help_print(f, commands[k].help, h);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct ctx c = {0};
	struct line l = {0};
	char *home_buf = NULL;
	i18n_init();
	int rc = parse_line(argc, argv, &c, &l);
	if (rc)
		goto out;
	if (l.version && !l.nargs) {
		puts("mutua 0.1");
		goto out;
	}
	if (!l.nargs) {
		help(l.help ? stdout : stderr);
		rc = l.help ? EXIT_OK : EXIT_USAGE;
		goto out;
	}
	const char *name = l.args[0];
	if (strcmp(name, "help") == 0) {
		if (l.nargs > 2) {
			rc = usage("mutua help [COMMAND]");
		} else if (l.nargs == 2 && strcmp(l.args[1], "help") != 0) {
			rc = help_command(l.args[1], stdout);
		} else {
			help(stdout);
		}
		goto out;
	}
	if (strcmp(name, "__complete") == 0) { /* bash completion: hidden */
		const char *names[NCOMMANDS];
		for (size_t i = 0; i < NCOMMANDS; i++)
			names[i] = commands[i].name;
		if (!c.home && !(c.home = getenv("MUTUA_HOME")) && getenv("HOME") &&
		    (home_buf = malloc(strlen(getenv("HOME")) + 8)))
			sprintf(home_buf, "%s/.mutua", getenv("HOME"));
		if (!c.home)
			c.home = home_buf ? home_buf : "/nonexistent";
		rc = cmd_complete(&c, l.nargs, l.args, names, NCOMMANDS);
		cli_close(&c);
		goto out;
	}
	int k = find_command(name);
	if (k < 0) {
		rc = unknown_command(name);
		goto out;
	}
	if (l.help) {
		rc = help_command(name, stdout);
		goto out;
	}
	if (sodium_init() < 0) {
		rc = fail(EXIT_REFUSED, "cannot initialise libsodium");
		goto out;
	}
	if (!c.home) {
		c.home = getenv("MUTUA_HOME");
		c.home_from = "MUTUA_HOME";
	}
	if (!c.home || !*c.home) {
		const char *h = getenv("HOME");
		/* commands that need no home (audit FILE) must work without one;
		 * the others fail in cli_open */
		if (!h || !*h)
			h = "/nonexistent";
		home_buf = malloc(strlen(h) + 8);
		if (!home_buf) {
			rc = fail(EXIT_REFUSED, "out of memory");
			goto out;
		}
		sprintf(home_buf, "%s/.mutua", h);
		c.home = home_buf;
		c.home_from = NULL;
	}
	c.cmd = name;
	optind = 0; /* glibc: restart getopt for the command's options */
	/* a staff home: every command but its own setup runs on the node */
	if (staff_home_is(c.home) &&
	    !(strcmp(name, "staff") == 0 && l.nargs > 1 && strcmp(l.args[1], "init") == 0))
		rc = cmd_staff_remote(&c, l.nargs, l.args);
	else
		rc = commands[k].fn(&c, l.nargs, l.args);
	cli_close(&c);
out:
	free(home_buf);
	free(l.args);
	return rc;
}
