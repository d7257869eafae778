/* web.h - the staff's web page, served by mutuad (web_listen in
 * mutua.conf; issue 18). One more client of the ledger's rules
 * (DESIGN.md, invariant 12): every answer comes from a ledger view, every
 * action from the function the CLI calls, signed by the person's own key
 * (webauth.h) inside the member's entry (store_act_as).
 *
 * It runs in its own threads (libmicrohttpd's pool of web_threads), each
 * with its own connection to the home's store.db, so that it never holds
 * the sync's loop: SQLite's locks order the writers.
 *
 * HTTP: static files of the web root (a flat folder: index.html, app.js,
 * style.css...), and a JSON API under /api/ (web.c's routes table).
 * Request bodies are at most WEB_BODY_MAX bytes, a flat JSON object. Every
 * answer carries a Content-Security-Policy of 'self' only, nosniff, no
 * referrer and no framing. Errors are {"error": "...", "hint": "..."} in
 * the reader's language (Accept-Language: French unless the browser
 * prefers English).
 *
 * TLS: behind a reverse proxy (web_secure = on), or libmicrohttpd's own
 * (GnuTLS) when web_tls_cert and web_tls_key name a PEM certificate chain
 * and its key; the cookie is Secure either way.
 *
 * Calendar subscriptions (icalsub.h): GET /ical/TOKEN.ics, without a
 * session, answers the iCalendar feed (ical.h) a token opens, text/
 * calendar, Cache-Control private; a malformed, unknown or revoked token
 * is a bare 404 and a failure of the address, limited as sign-ins are.
 *
 * Sessions live in this process's memory only: a random id in an
 * HttpOnly, SameSite=Strict cookie (Secure with web_secure = on), a CSRF
 * token every POST sends back in the X-CSRF-Token header, 30 minutes idle
 * and 8 hours at most; the person's key is unsealed for the session and
 * wiped at its end. Each request asks staff_may whether the person's
 * delegation still stands: a revocation ends their sessions at once.
 * Sign-ins are limited to WEB_TRIES failures per WEB_TRIES_WINDOW_MS, per
 * account and per address.
 */
#ifndef MUTUA_WEB_H
#define MUTUA_WEB_H

#include <stdint.h>

#include "keys.h"

#define WEB_BODY_MAX (16 * 1024)
#define WEB_SESSIONS_MAX 256
#define WEB_IDLE_MS (30LL * 60 * 1000)
#define WEB_SESSION_MAX_MS (8LL * 3600 * 1000)
#define WEB_TRIES 5
#define WEB_TRIES_WINDOW_MS (15LL * 60 * 1000)

struct web;

struct web_config {
	const char *listen;     /* HOST:PORT */
	const char *root;       /* the static files; NULL or "": the default */
	const char *store_path; /* the home's store.db */
	int secure;             /* the cookie is Secure */
	int threads;
	int64_t idle_ms;        /* a session's idle expiry (WEB_IDLE_MS) */
	const char *tls_cert;   /* web_tls_cert, web_tls_key: PEM files, the */
	const char *tls_key;    /* page's own TLS; NULL or "": plain HTTP */
	int64_t audit_wait_ms;  /* how long a request waits for a running audit */
};

/* The TLS certificate chain and key of mutua.conf, read and checked
 * (PEM, the key matching the first certificate; libmicrohttpd built with
 * TLS): 0, or -1 with a one-line why that names the file and what to do.
 * mutuad checks them before it starts anything, as a configuration
 * error. */
int web_tls_check(const char *cert, const char *key);

/* Starts serving; member_key signs the member's entries (the caller's,
 * kept until web_stop). NULL with err_set on failure. */
struct web *web_start(const struct web_config *cfg, const struct key *member_key,
		      const uint8_t member[KEY_ID_BYTES]);
/* Stops the threads, closes their stores, wipes every session's key.
 * Safe on NULL and twice. */
void web_stop(struct web **w);

#endif
