/* cli.h - what the mutua commands share: context, errors, output, ids. */
#ifndef MUTUA_CLI_H
#define MUTUA_CLI_H

#include <getopt.h>
#include <stdint.h>

#include "keys.h"
#include "rotate.h"
#include "store.h"
#include "view.h"

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2 };

struct ctx {
	const char *home;
	const char *home_from; /* "--home", "MUTUA_HOME", or NULL: ~/.mutua */
	const char *cmd;       /* the command's name, for messages */
	int json;
	struct store *store;
	struct key *key;     /* signs this node's entries (rotate.h) */
	struct rotation rot; /* a rotation of key waiting for a peer */
	char *pass;          /* of a sealed key file (sodium_malloc'd) */
	/* the member this node is: its first key, whatever key signs now */
	uint8_t me[KEY_ID_BYTES];
	int signs;          /* may append: cli_close says when nothing will send it */
	uint64_t head_open; /* this member's head when the store was opened */
};

/* Command entry points: argv[0] is the command name. */
typedef int (*cmd_fn)(struct ctx *c, int argc, char **argv);

/* Prints "mutua: MSG" on stderr and returns code. */
int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with ": err_msg()" appended. */
int fail_err(int code, const char *what);
int usage(const char *text);
/* A missing option or argument of cmd: "CMD: missing --to (what it is, from
 * the command's help)", then the usage line. Returns EXIT_USAGE. */
int missing(const char *cmd, const char *what, const char *use);
/* Usage in thousandths of a unit, as typed ("3", "2.5"): 0, or -1 (err_set). */
int usage_parse(const char *s, int64_t *out);

#define NEED_KEY 1
#define NEED_FED 2
/* Opens the store, and the key and federation when asked. Returns EXIT_OK
 * or an exit code after printing why. */
int cli_open(struct ctx *c, int need);
void cli_close(struct ctx *c);
/* mutuad of this home: its pid when it runs, 0 when it ran here once and
 * is stopped, -1 when it never ran here. */
long cli_daemon(const struct ctx *c);
char *cli_path(const struct ctx *c, const char *name); /* malloc'd */

/* Local settings kept in the store's meta table ("local.*"). */
char *meta_get(struct ctx *c, const char *key); /* malloc'd or NULL */
int meta_set(struct ctx *c, const char *key, const char *value);

/* Resolves an id prefix (at least 6 hex digits) among the ids of a view
 * (view.h, view_resolve_id: one blob column; ids BETWEEN ?1 AND ?2 match).
 * Returns EXIT_OK, EXIT_REFUSED (none) or EXIT_USAGE (bad or ambiguous,
 * candidates listed). */
int resolve_id(struct ctx *c, const char *what, const struct view *ids,
	       const char *prefix, uint8_t out[32]);
/* A member by name (exact, case-insensitive) or id prefix. */
int resolve_member(struct ctx *c, const char *arg, uint8_t out[32]);

/* Output of a read model of the ledger (view.h), with nargs parameters.
 * The view's named columns become, with --json, one JSON object per row
 * (JSON Lines; a column named NAME_json holds JSON text and is embedded as
 * NAME), or else a table of the columns listed in cols ("name", "name:W"
 * to cut to W characters with an ellipsis, "name.W" to keep the first W,
 * as for ids). Returns the row count, or -1 after printing why. */
int out_rows(struct ctx *c, const struct view *v, const struct view_arg *args, size_t nargs,
	     const char *const *cols);
/* A table cell: s escaped (text_printable) and cut to w characters with
 * an ellipsis (w 0: whole); malloc'd. Its width in characters. */
char *cli_cell(const char *s, size_t w);
size_t cli_width(const char *s);
/* One row as "key: value" lines, or one JSON object. 0 rows gives -1. */
int out_record(struct ctx *c, const struct view *v, const struct view_arg *args,
	       size_t nargs);

/* The federation id of the genesis file at path (the one a user holds:
 * mutua audit --genesis, mutua report --bundle). EXIT_OK, or
 * EXIT_REFUSED after printing why. */
int cli_genesis_id(const char *path, uint8_t id[32]);

/* Parses an unsigned integer option; EXIT_USAGE message on error. */
int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out);

/* This member's card from its local settings (malloc'd), or NULL. */
char *card_of_self(struct ctx *c);
/* Appends this member's profile entry from its local settings. */
int append_profile(struct ctx *c);

int cmd_init(struct ctx *c, int argc, char **argv);
int cmd_id(struct ctx *c, int argc, char **argv);
int cmd_key(struct ctx *c, int argc, char **argv);
int cmd_card(struct ctx *c, int argc, char **argv);
int cmd_profile(struct ctx *c, int argc, char **argv);
int cmd_federation(struct ctx *c, int argc, char **argv);
int cmd_offer(struct ctx *c, int argc, char **argv);
int cmd_log(struct ctx *c, int argc, char **argv);
int cmd_reindex(struct ctx *c, int argc, char **argv);
int cmd_feed(struct ctx *c, int argc, char **argv);
int cmd_staff(struct ctx *c, int argc, char **argv);
int cmd_sync(struct ctx *c, int argc, char **argv);
int cmd_borrow(struct ctx *c, int argc, char **argv);
int cmd_block(struct ctx *c, int argc, char **argv);
int cmd_unblock(struct ctx *c, int argc, char **argv);
int cmd_export(struct ctx *c, int argc, char **argv);
int cmd_propose(struct ctx *c, int argc, char **argv);
int cmd_vote(struct ctx *c, int argc, char **argv);
int cmd_tally(struct ctx *c, int argc, char **argv);
int cmd_proposals(struct ctx *c, int argc, char **argv);
int cmd_audit(struct ctx *c, int argc, char **argv);
int cmd_report(struct ctx *c, int argc, char **argv);
int cmd_step(struct ctx *c, int argc, char **argv);
int cmd_requests(struct ctx *c, int argc, char **argv);
int cmd_verify_photo(struct ctx *c, int argc, char **argv);
int cmd_calendar(struct ctx *c, int argc, char **argv);
/* calendar --subscribe|--subscriptions|--revoke (cmd_icalsub.c) */
int cmd_calendar_subs(struct ctx *c, int argc, char **argv);
/* A setting of mutua.conf (node/config.h) into out, "" when absent
 * (cmd_icalsub.c: the plain mutua does not link the node's reader). */
void cli_conf_value(const struct ctx *c, const char *key, char *out, size_t n);
int cmd_balance(struct ctx *c, int argc, char **argv);
int cmd_export_csv(struct ctx *c, int argc, char **argv);
int cmd_status(struct ctx *c, int argc, char **argv);
int cmd_doctor(struct ctx *c, int argc, char **argv);
int cmd_checkpoint(struct ctx *c, int argc, char **argv);
int cmd_witness(struct ctx *c, int argc, char **argv);
int cmd_proof(struct ctx *c, int argc, char **argv);
int cmd_fork_proof(struct ctx *c, int argc, char **argv);
int cmd_verify_proof(struct ctx *c, int argc, char **argv);
/* A staff home (mutua staff init): the person's own keys in STAFF_KEY_FILE
 * and, in STAFF_HOME_FILE, the member's node every command is sent to
 * (tools/staff_client.c; node/staffd.h). */
#define STAFF_HOME_FILE "staff.conf"
#define STAFF_KEY_FILE "staff.key"
struct staff_home {
	char name[NAME_MAX_LEN + 1];
	char endpoint[ENDPOINT_MAX_LEN + 1];
	uint8_t fed[32], member[32], xkey[32];
	int has_fed, has_member, has_xkey;
};
int staff_home_is(const char *home);
int staff_home_load(const char *home, struct staff_home *h);
int staff_home_save(const char *home, const struct staff_home *h);
/* Runs a command of a staff home on the member's node (staff_client.c, in
 * mutua-net; the plain mutua runs mutua-net for it). */
int cmd_staff_remote(struct ctx *c, int argc, char **argv);
/* The passphrase of a key file: MUTUA_PASSPHRASE, or asked on a terminal
 * (sodium_malloc'd, NULL when none). */
char *cli_passphrase(void);

/* mutua __complete WHAT [ARG] (cmd_complete.c), given the command names */
int cmd_complete(struct ctx *c, int argc, char **argv, const char *const *commands,
		 size_t ncommands);

#endif
