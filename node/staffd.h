/* staffd.h - the member's node answers its staff (issue 17, part B2;
 * DESIGN.md invariant 12): a staff person's own computer connects over
 * CURVE with the X25519 key of a delegation in force for this node's
 * member and asks the node to run one `mutua` command for it.
 *
 * Admission: the ZAP handler admits such a key with the User-Id
 * "staff:<hex X25519 key>" (staffd_admit); a staff connection may only
 * send STAFF messages, and each request looks its delegation up again, so
 * a revocation or an expiry cuts an open connection off at its next
 * request. Another member's node does not know the key at all.
 *
 * Frames (after the ROUTER's routing id):
 *   STAFF       StaffRequest (proto), at most STAFF_REQUEST_MAX bytes
 *   STAFFREPLY  StaffReply, at most about STAFF_REPLY_MAX bytes
 *   ERROR       text: a one-line refusal (unknown key, a limit, garbage)
 *
 * A request runs the very `mutua` beside mutuad (fork + exec, no shell, a
 * whitelist of commands, a timeout, bounded output) on this node's home,
 * in a mode tools/cli.c reads from the environment:
 *   prepare (mode 1)  reads answer as they are; every append is checked
 *                     and folded, its body captured and nothing kept: the
 *                     reply lists the bodies and the delegation to sign
 *                     under (staff_act_message);
 *   commit (mode 2)   the same command again with the acts the staff
 *                     person signed: the i-th append carries act i.
 * Each staff key has a token bucket (STAFF_BURST requests, then one per
 * STAFF_REFILL_MS).
 */
#ifndef MUTUA_STAFFD_H
#define MUTUA_STAFFD_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#include "staffnet.h"

#define STAFF_OUTPUT_MAX (1 << 20) /* of each output of the command */
#define STAFF_EXEC_MS 20000
#define STAFF_BURST 30
#define STAFF_REFILL_MS 100
#define STAFF_UID_PREFIX "staff:"

struct staffd;

struct staffd *staffd_new(struct store *s, const char *home, const uint8_t member[32]);
void staffd_free(struct staffd **d);

/* ZAP: is xkey the transport key of a staff person of this member, in
 * force now? 1 (uid set to "staff:<hex>"), 0 (why says why), -1 error. */
int staffd_admit(struct staffd *d, const uint8_t xkey[32], char *uid, size_t uid_len,
		 char *why, size_t why_len);

/* One message of a staff connection (frames after the routing id):
 * either its reply is ready at once, a refusal (0: *cmd "ERROR" and its
 * text, static: *owned 0), or the command starts running (1) and its
 * reply comes from staffd_finish. One command runs at a time: call it
 * only when !staffd_busy. Refusals are logged once. The node never waits
 * for a command: replication goes on while it runs. */
int staffd_start(struct staffd *d, const char *uid, const uint8_t *const *frames,
		 const size_t *lens, int n, const char **cmd, uint8_t **out, size_t *out_len,
		 int *owned);
/* 1 while a command runs. */
int staffd_busy(const struct staffd *d);
/* 1 when the running command has ended (or was stopped after
 * STAFF_EXEC_MS): its reply's command ("STAFFREPLY" or "ERROR") and data
 * (malloc'd when *owned). 0 while it runs, or when none runs. */
int staffd_finish(struct staffd *d, int64_t now, const char **cmd, uint8_t **out,
		  size_t *out_len, int *owned);

/* Parses a request as staffd_start does (bounds, args, files): 0, or -1
 * with err_set. For the fuzz target. */
int staffd_check_request(const uint8_t *buf, size_t len, Mutua__StaffRequest **out);

#endif
