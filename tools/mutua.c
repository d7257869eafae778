/* mutua.c - the mutua command: global options and the command table. */
#include "cli.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	cmd_fn fn;
	const char *help;
} commands[] = {
	{"init", cmd_init, "create this member's home: keys and store"},
	{"id", cmd_id, "print this member's id"},
	{"key", cmd_key, "rotate this member's keys (the old key signs the new ones)"},
	{"card", cmd_card, "print this member's signed card"},
	{"profile", cmd_profile, "publish this member's name, college and endpoints"},
	{"federation", cmd_federation, "create, join or show the federation"},
	{"offer", cmd_offer, "add, list, show, update or withdraw resources"},
	{"borrow", cmd_borrow, "ask to borrow a resource for a slot"},
	{"accept", cmd_step, "accept a request for one of this member's resources"},
	{"decline", cmd_step, "decline a request"},
	{"cancel", cmd_step, "cancel a request or loan before handover"},
	{"handover", cmd_step, "record that the resource changed hands"},
	{"return", cmd_step, "record the return (borrower), with the usage"},
	{"close", cmd_step, "confirm the return and settle (owner)"},
	{"requests", cmd_requests, "requests and loans of this member"},
	{"calendar", cmd_calendar, "loans per resource, or an iCalendar feed"},
	{"balance", cmd_balance, "mutual-credit balances"},
	{"export-csv", cmd_export_csv, "closed loans as CSV for accountants"},
	{"propose", cmd_propose, "put a question to the members (admit, exclude, set, rekey)"},
	{"proposals", cmd_proposals, "proposals, their votes and outcome"},
	{"vote", cmd_vote, "vote yes, no or abstain on a proposal"},
	{"export", cmd_export, "write the whole signed history to a bundle file"},
	{"audit", cmd_audit, "verify a bundle (or this store) from scratch"},
	{"report", cmd_report, "write a board report as one HTML page"},
	{"checkpoint", cmd_checkpoint, "sign the head of this member's feed (Merkle root)"},
	{"proof", cmd_proof, "write a portable proof of one loan"},
	{"fork-proof", cmd_fork_proof, "write a portable proof that a member forked its feed"},
	{"verify-proof", cmd_verify_proof, "check a loan or fork proof offline against a genesis"},
	{"log", cmd_log, "show entries, newest first"},
	{"reindex", cmd_reindex, "rebuild derived state from the entries"},
	{"sync", cmd_sync, "exchange entries once with a peer node"},
	{"status", cmd_status, "this node's feeds and, when mutuad runs, its peers"},
	{"doctor", cmd_doctor, "check keys, store, forks and peers"},
};

static void help(FILE *f)
{
	fprintf(f, "usage: mutua [--home DIR] [--json] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nhome: --home, else $MUTUA_HOME, else ~/.mutua\n"
		   "exit status: 0 ok, 1 refused, 2 usage error\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"home", required_argument, NULL, 'H'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	struct ctx c = {0};
	char *home_buf = NULL;
	int o;

	while ((o = getopt_long(argc, argv, "+H:jhV", opts, NULL)) != -1) {
		switch (o) {
		case 'H': c.home = optarg; break;
		case 'j': c.json = 1; break;
		case 'h': help(stdout); return EXIT_OK;
		case 'V': puts("mutua 0.1"); return EXIT_OK;
		default: help(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		help(stderr);
		return EXIT_USAGE;
	}
	if (sodium_init() < 0)
		return fail(EXIT_REFUSED, "cannot initialise libsodium");
	if (!c.home)
		c.home = getenv("MUTUA_HOME");
	if (!c.home || !*c.home) {
		const char *h = getenv("HOME");
		/* commands that need no home (audit FILE) must work without one;
		 * the others fail in cli_open */
		if (!h || !*h)
			h = "/nonexistent";
		home_buf = malloc(strlen(h) + 8);
		if (!home_buf)
			return fail(EXIT_REFUSED, "out of memory");
		sprintf(home_buf, "%s/.mutua", h);
		c.home = home_buf;
	}
	int first = optind;
	const char *name = argv[first];
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
		if (strcmp(name, commands[i].name) == 0) {
			optind = 0; /* glibc: restart getopt for the command's options */
			int rc = commands[i].fn(&c, argc - first, argv + first);
			cli_close(&c);
			free(home_buf);
			return rc;
		}
	}
	free(home_buf);
	return fail(EXIT_USAGE, "unknown command '%s' (see mutua --help)", name);
}
