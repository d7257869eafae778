/* config.h - mutuad's configuration file and the naming of peers.
 *
 * The file (default HOME/mutua.conf) holds lines "key = value"; blank
 * lines and lines starting with '#' are ignored. Keys:
 *   listen = URL          where the ROUTER binds (default: all addresses,
 *                         port 7650)
 *   peer = [MEMBER@]URL   an outbound peer; repeatable
 *   log_level = L         error, warn, info (default) or debug
 *   sync_batch = N        entries per request, 1..4096 (default 2048)
 *   sync_window = N       requests in flight per peer, 1..64 (default 4)
 *   max_peers = N         members dialled by the overlay (overlay.h),
 *                         0..64 (default 7; 0 when peer lines are set)
 *   max_inbound = N       inbound peers kept, 1..4096 (default 9)
 *   hello_interval = MS   anti-entropy period, 500..600000 (default 10000)
 *   witness_every = S     at most one witness (witness.h) every S seconds
 *                         while feeds gain entries, 10..86400 (default 300)
 *   witness_idle = S      at least one every S seconds while any head
 *                         moved, 60..604800 (default 86400)
 *   max_memory = MB       heap in use beyond which every connection is
 *                         closed and made again, 0 (never) or more
 *                         (default 256; see sync.c, memory_guard)
 *   notify_mail = on|off  e-mail the events that need people (notify.h)
 *                         through sendmail (default off)
 *   notify_to = ADDRESS   also tell this address of every event; up to 4
 *   notify_from = ADDRESS the mails' sender (default mutua@HOST)
 *   sendmail = PATH       the program that sends mail (default sendmail,
 *                         on the PATH; called as "sendmail -i -t")
 *   notify_command = PATH a program given each event as one JSON object
 *                         on its standard input (default none)
 *   notify_timeout = S    how long either may take, 1..600 (default 30)
 *   notify_retry = S      the wait before the first try again, doubling
 *                         with each, 1..3600 (default 60)
 *   notify_per_hour = N   at most N mails and hook runs an hour, 1..3600
 *                         (default 60)
 *   web_listen = HOST:PORT the staff's web page (web.h), off by default;
 *                         HOST an IPv4 address or localhost
 *   web_root = DIR        its static files (default: web/ beside the
 *                         binary in a build tree, else
 *                         PREFIX/share/mutua/web)
 *   web_secure = on|off   the session cookie is Secure: on behind a TLS
 *                         proxy (default off)
 *   web_tls_cert = FILE   the web page's own TLS (HTTPS): its certificate
 *   web_tls_key = FILE    chain and private key, PEM; both or neither
 *                         (web.h); the session cookie is then Secure
 *   web_threads = N       the web page's threads, 1..16 (default 2)
 *   web_idle = S          a web session ends after S seconds without a
 *                         request, 1..28800 (default 1800)
 *   web_audit_wait = S    a request for the auditor's summary waits at
 *                         most S seconds for a running audit, then is told
 *                         to come back (503), 0..60 (default 10)
 * A line that is not one of these, or a value out of range, is refused
 * with the file, the line number and the reason.
 */
#ifndef MUTUA_CONFIG_H
#define MUTUA_CONFIG_H

#include "entry.h"
#include "log.h"
#include "notifier.h"
#include "store.h"
#include "sync.h"

#define CONFIG_PEERS_MAX 64
#define CONFIG_LINE_MAX 1024
#define CONFIG_FILE_MAX (64 * 1024)
#define DEFAULT_LISTEN "tcp://*:7650"
#define OVERLAY_DEFAULT 7

struct node_config {
	char listen[ENDPOINT_MAX_LEN + 1];
	char *peers[CONFIG_PEERS_MAX];
	int peer_lines[CONFIG_PEERS_MAX]; /* in file; 0: given as --peer */
	int npeers;
	char file[1024]; /* the file read, for messages */
	int max_peers;       /* overlay size; -1: OVERLAY_DEFAULT without peer
			      * lines, 0 with them */
	enum log_level log_level;
	struct sync_config sync;
	int witness_every_s, witness_idle_s;
	struct notify_config notify;
	char web_listen[256]; /* "" off */
	char web_root[1024];  /* "" the default */
	char web_tls_cert[1024], web_tls_key[1024]; /* "" plain HTTP */
	int web_secure, web_threads, web_idle_s, web_audit_wait_s;
};

void config_init(struct node_config *cfg);
/* Reads path into cfg. A missing file is fine when optional. */
int config_load(struct node_config *cfg, const char *path, int optional);
int config_add_peer(struct node_config *cfg, const char *spec);
void config_free(struct node_config *cfg);

/* Resolves a peer named "URL" (the member publishing that endpoint in its
 * card or profile) or "MEMBER@URL" (MEMBER a name or an id prefix of at
 * least 6 hex digits). Fills member and endpoint (ENDPOINT_MAX_LEN + 1). */
int peer_resolve(struct store *s, const char *spec, uint8_t member[32], char *endpoint);
/* peer_resolve of cfg's peer i, its message prefixed with "FILE:LINE: "
 * when the peer came from the file. */
int config_peer_resolve(struct store *s, const struct node_config *cfg, int i,
			uint8_t member[32], char *endpoint);

#endif
