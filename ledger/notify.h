/* notify.h - what needs this member's people: the events mutuad tells
 * them of, by e-mail and by a hook (node/notify.c delivers them).
 *
 * An event is read from the derived state (no rule of its own: a loan's
 * state is lending's, a proposal's is governance's), for this node's own
 * member only:
 *   request   a request waits for this member's answer       role lend
 *   accepted  a request of this member was accepted          role borrow
 *   declined  ... declined (its reason)                      role borrow
 *   soon      an accepted loan starts within 24 h            lend or borrow
 *   overdue   a handed-over loan is past its end, not back   lend or borrow
 *   dispute   the borrower disputes this member's claim      role lend
 *   proposal  a proposal is open                             role admin
 *   closing   an open proposal closes within 24 h and this
 *             member has not voted                           role admin
 * ("soon", "overdue" and "closing" read this node's clock: a reminder,
 * which decides nothing in the ledger; DESIGN.md, invariant 9.)
 *
 * Each event has a key ("request:ID", "accepted:ID" ...) recorded once
 * in the node-local table notices, with a state per channel: 'due',
 * 'sent', 'failed' (after NOTIFY_TRIES tries), 'nobody' (no address
 * for its role), 'stale' (answered before its turn), 'off' (the channel was off when the event came or went) or 'before' (the event was there when
 * notifications first ran: a node switched on does not mail its whole
 * history). So each event is sent once, across restarts too; a reindex
 * keeps the table.
 *
 * People's addresses are local to this node (staff_contacts, set by
 * 'mutua staff add --email' or 'mutua staff email'): never signed nor
 * replicated, so an address can be changed and erased, which a signed
 * append-only feed could never do.
 */
#ifndef MUTUA_NOTIFY_H
#define MUTUA_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"

struct store;

#define NOTIFY_TRIES 8                 /* then the channel is 'failed' */
#define NOTIFY_KEY_MAX 80
#define NOTIFY_EMAIL_MAX 254
#define NOTIFY_SOON_MS (24LL * 3600 * 1000)

enum notify_channel { NOTIFY_MAIL, NOTIFY_HOOK };
/* How a try ended (notify_done): failed, sent, nobody has an address for
 * its role ('nobody'), the channel is off now ('off'), or the event no
 * longer needs anyone (a request answered before its turn: 'stale'). */
enum notify_result { NOTIFY_FAILED, NOTIFY_SENT, NOTIFY_NOBODY, NOTIFY_OFF, NOTIFY_STALE };

/* Records the events that are new since the last call (each once) for
 * member me at now (ms), with each channel 'due' when on, else 'off'.
 * The first call on a store marks the events already there 'before'.
 * Returns how many are new and due, or -1. */
int notify_collect(struct store *s, const uint8_t me[KEY_ID_BYTES], int64_t now, int mail,
		   int hook);

struct notice {
	char key[NOTIFY_KEY_MAX + 1];
	char event[16];
	char role[8];
	enum notify_channel channel;
	int tries;
};

/* The oldest notice with a channel due at now: 1 (out filled), 0 none,
 * -1 an error. */
int notify_next(struct store *s, int64_t now, struct notice *out);
/* Records a try of one channel of key: NOTIFY_SENT, _NOBODY, _OFF set
 * that state; NOTIFY_FAILED keeps the error, and the next try comes
 * retry_ms later, doubling with each try (at most 6 h), or the state is
 * 'failed' after NOTIFY_TRIES tries. 0 or -1. */
int notify_done(struct store *s, const char *key, enum notify_channel ch,
		enum notify_result how, const char *error, int64_t now, int64_t retry_ms);

/* 0 when addr is an e-mail address mutuad may write in a header: one
 * '@' with text on both sides, at most 254 bytes, printable, no space,
 * comma, quote, angle bracket or control character; else -1 with why. */
int notify_check_email(const char *addr);
/* 0 when lang names a language mails can be written in: "fr", "en", or
 * "auto" (mutuad's own); else -1 with why. */
int notify_check_lang(const char *lang);
/* Sets (addr) or clears (NULL) the address of a delegation of this
 * member, and the language of its mails: lang "fr" or "en", "auto" for
 * mutuad's own, NULL to keep what it was (mutuad's own for a new one).
 * Refused when the delegation is not the member's, or when only the
 * language is set (addr NULL, lang given) and it has no address. */
int notify_set_email(struct store *s, const uint8_t member[KEY_ID_BYTES],
		     const uint8_t delegation[ENTRY_ID_BYTES], const char *addr, const char *lang);
/* Sets the language alone (notify_set_email with the address kept). */
#define NOTIFY_KEEP_ADDRESS ((const char *)1)

/* Read models (view.h). */
/* One notice, what a mail or the hook says: ?1 its key; columns key,
 * event, role, request, resource, title, owner_name, borrower_name,
 * from_ms, to_ms, quantity, state, reason, proposal, what, deadline_ms,
 * proposer_name, current (1 while the event still needs someone: the
 * request still waits, the loan still starts or is still out, the
 * proposal still open) and event_json (the hook's object). */
extern const struct view view_notice;
/* The addresses of member ?1's people in force at ?3 (ms) whose roles
 * include ?2 ('lend', 'borrow', 'admin'): name, email, lang (fr, en, or NULL
 * for mutuad's own), place; one row per address. */
extern const struct view view_notify_to;
/* Counts for mutua status: due, sent, failed, the last error and when. */
extern const struct view view_notify_counts;

#endif
