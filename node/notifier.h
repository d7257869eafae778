/* notifier.h - mutuad tells people what needs them (ledger/notify.h says
 * which events and to whom): by e-mail through the system's sendmail,
 * and by a hook, a program given each event as one JSON object on its
 * standard input.
 *
 * One child at a time, never waited for: the main loop starts it, feeds
 * its standard input through a non-blocking pipe and reaps it on a later
 * round, so a slow or stuck sendmail or hook never holds replication
 * back; it is killed after timeout seconds. A failure (exit status not
 * 0, killed, not found) is logged once per kind and tried again later
 * (notify_done); an event goes once, across restarts too (notices).
 * At most notify_per_hour children start in an hour: a member signing
 * requests by the thousand cannot make this node mail by the thousand;
 * the others wait their turn, and one answered meanwhile is not sent.
 * Mails are written in mutuad's own language (its LANG), times in its
 * local time with the offset.
 */
#ifndef MUTUA_NOTIFIER_H
#define MUTUA_NOTIFIER_H

#include <stdint.h>

#include "entry.h"
#include "notify.h"

struct store;

#define NOTIFY_TO_MAX 4

struct notify_config {
	int mail;                                /* notify_mail = on */
	char to[NOTIFY_TO_MAX][NOTIFY_EMAIL_MAX + 1]; /* notify_to, for every event */
	int nto;
	char from[NOTIFY_EMAIL_MAX + 1];         /* notify_from ("" : mutua@HOST) */
	char sendmail[1024];                     /* sendmail (default: on the PATH) */
	char command[1024];                      /* notify_command ("" none) */
	int timeout_s;                           /* notify_timeout, 1..600 (30) */
	int retry_s;                             /* notify_retry, 1..3600 (60) */
	int per_hour;                            /* notify_per_hour, 1..3600 (60) */
};

struct notifier;

struct notifier *notifier_new(const struct notify_config *cfg);
void notifier_free(struct notifier *n);
/* The configuration again (SIGHUP); a child running goes on. */
void notifier_configure(struct notifier *n, const struct notify_config *cfg);
/* One round: reaps a finished child and records its result, collects
 * new events (at most every 2 s), and starts the next one due. Never
 * blocks. 0, or -1 with err_set (a store error; the caller logs it). */
int notifier_run(struct notifier *n, struct store *s, const uint8_t me[KEY_ID_BYTES],
		 int64_t now);
/* Kills a child still running (stop). */
void notifier_stop(struct notifier *n);

#endif
