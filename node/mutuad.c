/* mutuad.c - the Mutua node: replicates every member's feed with its
 * peers over ZeroMQ/CURVE, in the foreground, until SIGTERM or SIGINT;
 * SIGHUP reloads the peer list.
 *
 * Exit status: 0 after a clean stop, 1 when the node cannot run (store,
 * key, socket, or another mutuad already running on the home), 2 on a
 * usage or configuration error.
 */
#include "checkpoint.h"
#include "witness.h"
#include "config.h"
#include "governance.h"
#include "i18n.h"
#include "json.h"
#include "lending.h"
#include "log.h"
#include "notifier.h"
#include "overlay.h"
#include "replica.h"
#include "rotate.h"
#include "staffd.h"
#include "search.h"
#include "store.h"
#include "sync.h"
#include "web.h"
#include "util.h"

#include <errno.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

/* How long appends wait, after a start, for a peer to tell us our own
 * feed's head (DESIGN.md, invariant 8), when no peer answers sooner. */
#define OWN_HEAD_WAIT_MS 15000
#define STATUS_EVERY_MS 1000
/* The longest the loop sleeps: it also notices entries the CLI appended
 * (PRAGMA data_version, about a microsecond). The CLI's and the web
 * page's commits wake it at once (syncer_watch_store), a message from a
 * peer, a signal or the memory watch too; this bounds the delay for other
 * writers and the tasks' schedule. Each wake-up polls every socket (two a
 * peer) and looks at the store: 10 ms cost an idle node about 1 % of a
 * core, 50 ms (20 a second) about a third of its idle time. */
#define POLL_MS 250
#define AUTO_ANSWER_MS 1000
/* the search index catches up this often, this many offers at a time */
#define SEARCH_LOOK_MS 1000
#define SEARCH_ROWS_MAX 5000
/* notifications: a child's end is noticed this often (notify.h) */
#define NOTIFY_LOOK_MS 250
/* how long after a proposal's deadline any node closes it */
#define TALLY_GRACE_MS (3600 * 1000)
/* The overlay is looked at again this often; a chosen member not
 * connected for three hello intervals (30 s by default) is passed over
 * for FAIL_FORGET_MS. */
#define OVERLAY_EVERY_MS 1000
#define FAIL_FORGET_MS 300000
/* An idle node gives back the memory its work took (task_shrink): looked
 * at this often, when its page cache holds more than SHRINK_CACHE_MIN or
 * the store took entries since. */
#define SHRINK_LOOK_MS 5000
#define SHRINK_CACHE_MIN (256 * 1024)

static volatile sig_atomic_t stop_flag, reload_flag;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else
		stop_flag = 1;
}

static int usage(void)
{
	fprintf(stderr, _("usage: mutuad [--home DIR] [--config FILE] [--listen URL] "
			"[--peer [MEMBER@]URL]... [--log-level LEVEL]\n"));
	return 2;
}

/* Members the overlay passes over for a while: chosen, but not
 * connected for FAIL_GRACE_MS, or they said they had no room for us. */
struct failed {
	uint8_t member[32];
	int64_t until;
};
static struct failed *failed;
static size_t nfailed, capfailed;

static int failed_now(const uint8_t *member, int64_t now)
{
	for (size_t i = 0; i < nfailed; i++)
		if (failed[i].until > now && memcmp(failed[i].member, member, 32) == 0)
			return 1;
	return 0;
}

static void failed_add(const uint8_t *member, int64_t until)
{
	for (size_t i = 0; i < nfailed; i++)
		if (failed[i].until <= clock_now_ms() || memcmp(failed[i].member, member, 32) == 0) {
			memcpy(failed[i].member, member, 32);
			failed[i].until = until;
			return;
		}
	if (nfailed == capfailed) {
		size_t cap = capfailed ? 2 * capfailed : 16;
		struct failed *more = realloc(failed, cap * sizeof *more);
		if (!more)
			return;
		failed = more;
		capfailed = cap;
	}
	memcpy(failed[nfailed].member, member, 32);
	failed[nfailed++].until = until;
}

/* The overlay (overlay.h): the k members chosen from the ids of those
 * publishing an endpoint, failing ones replaced by the next along the
 * ring. Peers it chose before and chooses no more are closed; the
 * configured ones are never touched. */
static int overlay_refresh(struct syncer *sy, struct store *s, const uint8_t *me, int k,
			   int64_t grace)
{
	struct replica_endpoint *ep;
	size_t n;
	int64_t now = clock_now_ms();
	if (k <= 0)
		return 0;
	if (replica_endpoints(s, me, &ep, &n))
		return -1;
	uint8_t (*ids)[32] = malloc((n + 1) * sizeof *ids);
	uint8_t *failing = calloc(n + 1, 1), *keep = calloc(n + 1, 1);
	struct overlay_pick pick[OVERLAY_MAX];
	int got = -1;
	if (ids && failing && keep) {
		for (size_t i = 0; i < n; i++) {
			memcpy(ids[i], ep[i].member, 32);
			if (syncer_peer_state(sy, ep[i].member, grace) == 1) {
				failed_add(ep[i].member, now + FAIL_FORGET_MS);
				log_msg(LOG_INFO, "overlay: %s does not answer or has no room: "
					"another member is dialled in its place", ep[i].url);
			}
			failing[i] = (uint8_t)failed_now(ep[i].member, now);
		}
		got = overlay_choose(me, (const uint8_t(*)[32])ids, n, failing, k, pick);
	}
	for (int j = 0; j < got; j++) {
		size_t i = pick[j].index;
		keep[i] = 1;
		if (syncer_peer_state(sy, ep[i].member, grace) < 0 &&
		    syncer_add_peer_why(sy, ep[i].member, ep[i].url, overlay_why_name(pick[j].why)))
			log_limited(LOG_WARN, "overlay", "overlay: %s", err_msg());
	}
	/* the overlay's former choices */
	for (int i = syncer_npeers(sy) - 1; got >= 0 && i >= 0; i--) {
		struct peer_stats ps;
		syncer_peer_stats(sy, i, &ps);
		if (!ps.outbound || strcmp(ps.why, "configured") == 0)
			continue;
		uint8_t m[32];
		size_t at;
		hex_decode(m, 32, ps.member);
		for (at = 0; at < n && memcmp(ep[at].member, m, 32) != 0; at++)
			;
		if (at == n || !keep[at])
			syncer_drop_peer(sy, m);
	}
	free(ids);
	free(failing);
	free(keep);
	free(ep);
	return got < 0 ? err_set("out of memory") : 0;
}

/* The overlay's size: max_peers, or by default OVERLAY_DEFAULT without
 * peer lines and none with them (they then say whom to dial, as before). */
static int overlay_size(const struct node_config *cfg)
{
	return cfg->max_peers >= 0 ? cfg->max_peers : cfg->npeers ? 0 : OVERLAY_DEFAULT;
}

/* Adds the configured peers, then the overlay's. At start a peer that
 * cannot be added stops the node; on reload it is logged and the others
 * are added all the same (keep_going). */
static int add_peers(struct syncer *sy, struct store *s, const uint8_t *me,
		     const struct node_config *cfg, int keep_going)
{
	uint8_t member[32];
	char endpoint[ENDPOINT_MAX_LEN + 1];
	int rc = 0;
	for (int i = 0; i < cfg->npeers; i++) {
		if (config_peer_resolve(s, cfg, i, member, endpoint) ||
		    (memcmp(member, me, 32) == 0 &&
		     err_set("peer '%s' is this node itself", cfg->peers[i])) ||
		    syncer_add_peer(sy, member, endpoint)) {
			if (!keep_going)
				return -1;
			log_msg(LOG_ERROR, "reload: %s", err_msg());
			rc = -1;
		}
	}
	if (overlay_refresh(sy, s, me, overlay_size(cfg), 3 * (int64_t)cfg->sync.hello_ms)) {
		if (!keep_going)
			return -1;
		log_msg(LOG_ERROR, "reload: %s", err_msg());
		rc = -1;
	}
	return rc;
}

/* One daemon per home: a write lock (fcntl) on HOME/mutuad.lock, taken
 * before anything else in the home is touched and held until the process
 * ends (the kernel drops it even after a crash). The file holds the pid,
 * for people; the pid in the refusal is the lock holder's, from the
 * kernel. O_CLOEXEC: a restart (execv) takes the lock again. Returns the
 * descriptor, -1 when the home is taken (the message is printed), -2 on
 * an error. */
static int lock_home(const char *home)
{
	char path[4096], pid[32];
	snprintf(path, sizeof path, "%s/mutuad.lock", home);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		log_msg(LOG_ERROR, "cannot open '%s': %s", path, strerror(errno));
		return -2;
	}
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		int e = errno;
		if (e != EACCES && e != EAGAIN) {
			log_msg(LOG_ERROR, "cannot lock '%s': %s", path, strerror(e));
			close(fd);
			return -2;
		}
		struct flock held = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		if (fcntl(fd, F_GETLK, &held) == 0 && held.l_type != F_UNLCK)
			fprintf(stderr, _("mutuad: already running (pid %ld)\n"), (long)held.l_pid);
		else
			fprintf(stderr, _("mutuad: already running\n"));
		close(fd);
		return -1;
	}
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		log_msg(LOG_WARN, "cannot write the pid into '%s': %s", path, strerror(errno));
	return fd;
}

/* libzmq binds tcp:// to an address, '*' or an interface name, never to a
 * host name ("No such device" for tcp://localhost:7664): a host name is
 * resolved here, once, and the address taken is logged. 0, or -1 with
 * err_set saying what to write instead. */
static int listen_resolve(char *ep, size_t cap)
{
	char host[256], port[16];
	if (strncmp(ep, "tcp://", 6) != 0)
		return 0;
	const char *h = ep + 6, *colon = strrchr(h, ':');
	if (!colon || (size_t)(colon - h) >= sizeof host || h[0] == '[')
		return 0;
	snprintf(host, sizeof host, "%.*s", (int)(colon - h), h);
	snprintf(port, sizeof port, "%s", colon + 1);
	unsigned char buf[16];
	if (strcmp(host, "*") == 0 || inet_pton(AF_INET, host, buf) == 1 ||
	    if_nametoindex(host) != 0)
		return 0;
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai = NULL;
	char addr[INET_ADDRSTRLEN];
	int rc = getaddrinfo(host, NULL, &hints, &ai);
	if (rc || !ai)
		return err_set("cannot listen on %s: '%s' is neither an address, an interface "
			       "nor a host name this machine resolves (%s): write the address, "
			       "e.g. tcp://127.0.0.1:%s, or tcp://*:%s for every address", ep,
			       host, gai_strerror(rc), port, port);
	inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, addr, sizeof addr);
	freeaddrinfo(ai);
	char was[ENDPOINT_MAX_LEN + 1];
	snprintf(was, sizeof was, "%s", ep);
	snprintf(ep, cap, "tcp://%s:%s", addr, port);
	log_msg(LOG_INFO, "listen: %s is %s (libzmq listens on an address, not a host name)",
		was, ep);
	return 0;
}

/* HOME/mutuad.held: the highest seq of this member's own feed that a peer
 * has said it holds, kept after the daemon stops, for `mutua doctor`
 * (entries signed past it have reached no peer yet). */
static void write_held(const char *status_path, struct syncer *sy)
{
	static uint64_t written = UINT64_MAX;
	uint64_t held = syncer_own_heard(sy);
	char path[4200], tmp[4210];
	if (held == written || held == 0)
		return;
	snprintf(path, sizeof path, "%.*s.held", (int)(strlen(status_path) - 7), status_path);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%llu\n", (unsigned long long)held);
	if (fclose(f) == 0 && rename(tmp, path) == 0)
		written = held;
	else
		unlink(tmp);
}

/* An inbound peer that is down while another connection of the same
 * member is up is the one it replaced (a reconnection gets a new routing
 * id; the old one is forgotten once silent): status leaves it out. */
static int stale_inbound(struct syncer *sy, const struct peer_stats *ps)
{
	if (ps->outbound || ps->connected)
		return 0;
	for (int i = 0; i < syncer_npeers(sy); i++) {
		struct peer_stats o;
		syncer_peer_stats(sy, i, &o);
		if (o.connected && strcmp(o.member, ps->member) == 0)
			return 1;
	}
	return 0;
}

/* HOME/mutuad.status: JSON lines read by `mutua status`; the first line
 * is the node, then one line per peer. Replaced atomically. */
static void write_status(const char *path, struct syncer *sy, const char *listen,
			 int64_t started, int max_peers)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "{\"pid\":%d,\"started\":%lld,\"listen\":", (int)getpid(),
		(long long)started);
	json_string(f, listen);
	fprintf(f, ",\"received\":%llu,\"sent\":%llu,\"max_peers\":%d,\"own_held\":%llu}\n",
		(unsigned long long)syncer_received(sy), (unsigned long long)syncer_sent(sy),
		max_peers, (unsigned long long)syncer_own_heard(sy));
	write_held(path, sy);
	for (int i = 0; i < syncer_npeers(sy); i++) {
		struct peer_stats ps;
		syncer_peer_stats(sy, i, &ps);
		if (stale_inbound(sy, &ps))
			continue;
		fputs("{\"name\":", f);
		json_string(f, ps.name);
		fputs(",\"member\":", f);
		json_string(f, ps.member);
		fputs(",\"endpoint\":", f);
		json_string(f, ps.endpoint);
		fputs(",\"why\":", f);
		json_string(f, ps.outbound ? ps.why : "dialled us");
		fprintf(f, ",\"direction\":\"%s\",\"connected\":%s,\"parked\":%s,"
			   "\"last_contact\":%lld,"
			   "\"received\":%llu,\"rejected\":%llu,\"sent\":%llu,\"error\":",
			ps.outbound ? "out" : "in", ps.connected ? "true" : "false",
			ps.parked ? "true" : "false", (long long)ps.last_contact, (unsigned long long)ps.received,
			(unsigned long long)ps.rejected, (unsigned long long)ps.sent);
		json_string(f, ps.last_error);
		fputs("}\n", f);
	}
	if (fclose(f) == 0)
		rename(tmp, path);
	else
		unlink(tmp);
}

/* Does this node's key change? With a rotation staged, once a peer holds
 * it (or no peer is known): then the staged key file takes over. Without,
 * when the CLI has just rotated the key. 1: start again with the keys on
 * disk; 0: go on. */
static int key_changed(struct store *s, const struct key *k, const struct rotation *rot,
		       struct syncer *sy, const char *path)
{
	uint64_t last;
	if (rot->staged) {
		if (syncer_npeers(sy) > 0 && !syncer_peer_holds(sy, rot->old, rot->seq))
			return 0;
		if (rotate_finish(path)) {
			log_limited(LOG_ERROR, "rotate", "key rotation: %s", err_msg());
			return 0;
		}
		log_msg(LOG_INFO, "a peer holds this member's key rotation: this node now "
			"speaks with its new transport key");
		return 1;
	}
	if (store_member_of(s, k->id, NULL, &last) != 1 || last == INT64_MAX)
		return 0;
	if (!rotate_staged_file(path)) {
		log_limited(LOG_ERROR, "rekeyed", "this node's key was replaced at seq %llu of its "
			    "feed (by a vote?): it can append nothing more",
			    (unsigned long long)last);
		return 0;
	}
	log_msg(LOG_INFO, "this node's key was rotated at seq %llu of its feed: starting "
		"again with the new key", (unsigned long long)last);
	return 1;
}

/* ---- the daemon: parse, open, loop ------------------------------------ */

struct daemon {
	/* from the command line */
	const char *home, *config, *listen, *level;
	const char *cli_peers[CONFIG_PEERS_MAX];
	int ncli_peers;
	char home_buf[4096], conf_default[4096], status_path[4096], keypath[PATH_MAX];
	struct node_config cfg;
	/* what it runs on; the home's lock is held from locked on */
	int locked;
	struct store *s;
	struct key *k;
	struct syncer *sy;
	struct staffd *staff;
	struct web *web; /* the staff's web page, when web_listen is set */
	struct rotation rot;
	uint8_t me[32];
	/* the loop */
	int64_t started, now;
	int ev;      /* what the last poll saw: > 0 events, 0 none */
	int holding; /* appends held until a peer confirms the own head */
	int restart; /* start again with the keys on disk */
	int overlay_k; /* members the overlay dials (overlay_size) */
	uint64_t shrunk; /* syncer_changes at the last task_shrink */
	struct notifier *notifier;
};

/* The command line into d. -1 to go on, or the exit status. */
static int parse_args(struct daemon *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{"home", required_argument, NULL, 'H'},
		{"config", required_argument, NULL, 'c'},
		{"listen", required_argument, NULL, 'l'},
		{"peer", required_argument, NULL, 'p'},
		{"log-level", required_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'H': d->home = optarg; break;
		case 'c': d->config = optarg; break;
		case 'l': d->listen = optarg; break;
		case 'p':
			if (d->ncli_peers == CONFIG_PEERS_MAX) {
				fprintf(stderr, _("mutuad: too many --peer options\n"));
				return 2;
			}
			d->cli_peers[d->ncli_peers++] = optarg;
			break;
		case 'L': d->level = optarg; break;
		case 'h': usage(); return 0;
		default: return usage();
		}
	}
	return optind != argc ? usage() : -1;
}

/* The home, the configuration file, and the options that override it.
 * 0, or the exit status. */
static int load_config(struct daemon *d)
{
	config_init(&d->cfg);
	if (!d->home)
		d->home = getenv("MUTUA_HOME");
	if (!d->home || !*d->home) {
		const char *h = getenv("HOME");
		if (!h) {
			fprintf(stderr, _("mutuad: no home: give --home or set MUTUA_HOME\n"));
			return 2;
		}
		snprintf(d->home_buf, sizeof d->home_buf, "%s/.mutua", h);
		d->home = d->home_buf;
	}
	snprintf(d->conf_default, sizeof d->conf_default, "%s/mutua.conf", d->home);
	snprintf(d->status_path, sizeof d->status_path, "%s/mutuad.status", d->home);
	snprintf(d->keypath, sizeof d->keypath, "%s/key", d->home);

	if (config_load(&d->cfg, d->config ? d->config : d->conf_default, d->config == NULL)) {
		fprintf(stderr, _("mutuad: %s\n"), err_msg_local());
		return 2;
	}
	/* the web page's own TLS: files that cannot serve are a configuration
	 * error, said before anything starts */
	if ((*d->cfg.web_tls_cert || *d->cfg.web_tls_key) &&
	    web_tls_check(d->cfg.web_tls_cert, d->cfg.web_tls_key)) {
		fprintf(stderr, _("mutuad: %s\n"), err_msg_local());
		return 2;
	}
	if (d->listen) {
		if (entry_check_endpoint(d->listen)) {
			fprintf(stderr, _("mutuad: --listen: %s\n"), err_msg_local());
			return 2;
		}
		snprintf(d->cfg.listen, sizeof d->cfg.listen, "%s", d->listen);
	}
	if (d->ncli_peers) {
		config_free(&d->cfg);
		for (int i = 0; i < d->ncli_peers; i++)
			if (config_add_peer(&d->cfg, d->cli_peers[i])) {
				fprintf(stderr, _("mutuad: --peer: %s\n"), err_msg_local());
				return 2;
			}
	}
	if (d->level && log_level_parse(d->level, &d->cfg.log_level)) {
		fprintf(stderr, _("mutuad: --log-level: %s\n"), err_msg_local());
		return 2;
	}
	log_threshold = d->cfg.log_level;
	d->overlay_k = overlay_size(&d->cfg);
	return 0;
}

/* The home's lock first, then the store, the key, the sockets and the
 * peers. 0, or the exit status (daemon_close cleans up either way). */
static int daemon_open(struct daemon *d)
{
	char path[4096];
	if (access(d->keypath, F_OK) != 0) {
		log_msg(LOG_ERROR, _("no mutua home in '%s' (no key file there): check --home "
				   "or MUTUA_HOME; only for a new member node, run 'mutua "
				   "init --name NAME' first"), d->home);
		return 1;
	}
	/* a second daemon leaves before it touches the first one's files */
	if (lock_home(d->home) < 0)
		return 1;
	d->locked = 1;
	snprintf(path, sizeof path, "%s/store.db", d->home);
	if (!(d->s = store_open(path))) {
		log_msg(LOG_ERROR, "%s", err_msg_local());
		return 1;
	}
	if (!store_has_federation(d->s)) {
		log_msg(LOG_ERROR, _("this node has no federation yet: run 'mutua federation "
			"create' or 'mutua federation join' first"));
		return 1;
	}
	if (!(d->k = rotate_load(d->s, d->keypath, getenv("MUTUA_PASSPHRASE"), &d->rot))) {
		log_msg(LOG_ERROR, "%s", err_msg_local());
		return 1;
	}
	if (store_member_of(d->s, d->k->id, d->me, NULL) != 1)
		memcpy(d->me, d->k->id, 32);
	if (listen_resolve(d->cfg.listen, sizeof d->cfg.listen)) {
		log_msg(LOG_ERROR, "%s", err_msg());
		return 2;
	}
	if (!(d->sy = syncer_new(d->s, d->k, &d->cfg.sync)) ||
	    syncer_listen(d->sy, d->cfg.listen)) {
		log_msg(LOG_ERROR, "%s", err_msg_local());
		return 1;
	}
	syncer_watch_store(d->sy);
	if (!(d->notifier = notifier_new(&d->cfg.notify))) {
		log_msg(LOG_ERROR, "out of memory");
		return 1;
	}
	/* the member's staff, from their own computers (staffd.h); the
	 * commands run for them name the home from anywhere */
	char abs_home[PATH_MAX];
	if (!realpath(d->home, abs_home))
		err_set("cannot resolve the home '%s': %s", d->home, strerror(errno));
	else
		d->staff = staffd_new(d->s, abs_home, d->me);
	if (!d->staff) {
		log_msg(LOG_ERROR, "cannot answer staff clients: %s", err_msg_local());
		return 1;
	}
	syncer_staff(d->sy, d->staff);
	if (store_checkpoint_apart(d->s))
		log_msg(LOG_WARN, "%s: the main loop checkpoints the WAL itself", err_msg());
	if (add_peers(d->sy, d->s, d->me, &d->cfg, 0)) {
		log_msg(LOG_ERROR, "%s", err_msg_local());
		return 2;
	}
	if (*d->cfg.web_listen) {
		struct web_config wc = {
			.listen = d->cfg.web_listen,
			.root = d->cfg.web_root,
			.store_path = path,
			.secure = d->cfg.web_secure,
			.threads = d->cfg.web_threads,
			.idle_ms = (int64_t)d->cfg.web_idle_s * 1000,
			.tls_cert = d->cfg.web_tls_cert,
			.tls_key = d->cfg.web_tls_key,
			.audit_wait_ms = (int64_t)d->cfg.web_audit_wait_s * 1000,
		};
		if (!(d->web = web_start(&wc, d->k, d->me))) {
			log_msg(LOG_ERROR, "%s", err_msg_local());
			return 1;
		}
	}
	return 0;
}

/* Signals, the start line, and the hold on appends until a peer tells
 * this node its own feed's head (DESIGN.md, invariant 8). */
static void daemon_start(struct daemon *d)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	char fed[HEX_ID_LEN + 1], mehex[HEX_ID_LEN + 1];
	hex_encode(fed, store_fed_id(d->s), 32);
	hex_encode(mehex, d->me, 32);
	log_msg(LOG_INFO, "mutuad started: member %.16s, federation %s (%.16s), "
		"listening on %s, %d peers%s", mehex, store_genesis(d->s)->name, fed,
		d->cfg.listen, syncer_npeers(d->sy),
		d->rot.staged ? "; a key rotation waits for a peer" : "");
	d->started = clock_now_ms();
	d->holding = syncer_npeers(d->sy) > 0;
	if (d->holding)
		store_hold_appends(d->s, d->started + OWN_HEAD_WAIT_MS);
}

/* ---- the periodic work: a table of tasks run between poll rounds ------ */

/* Lifts the hold on appends as soon as one peer has answered, or when
 * none answered in time. How the node knows its own feed is current: a
 * peer's answer to HELLO (or a digest equal to ours) lists every feed it
 * holds, ours with its head; our appends are pushed at once to every
 * peer, so a peer connected when we last appended holds our head. Once
 * our store holds our feed up to what that peer holds (fetched first if
 * the peer holds more: a node restored from a backup), appending cannot
 * re-sign a seq. */
static int task_open_appends(struct daemon *d)
{
	int late = d->now - d->started > OWN_HEAD_WAIT_MS;
	uint64_t ours = 0;
	if (!d->holding)
		return 0;
	int current = syncer_heard_own_head(d->sy) &&
		      store_head(d->s, d->me, &ours, NULL) == 0 && ours >= syncer_own_heard(d->sy);
	if (!late && !current)
		return 0;
	/* -1 tells a command waiting for the hold that it ended unconfirmed */
	if (store_hold_appends(d->s, current ? 0 : -1)) {
		log_limited(LOG_WARN, "hold", "appends stay held: %s", err_msg());
		return 0;
	}
	d->holding = 0;
	log_msg(LOG_INFO, "own feed's head %s: appends open",
		current ? "confirmed by a peer" : "not confirmed by any peer in time");
	return 0;
}

/* Answers requests on auto-accepting resources. */
static int task_auto_answer(struct daemon *d)
{
	int answered = lending_auto_answer(d->s, d->k);
	if (answered < 0)
		log_msg(LOG_WARN, "auto-accept: %s", err_msg());
	else if (answered > 0) {
		log_msg(LOG_INFO, "auto-accept: answered %d request(s)", answered);
		syncer_announce(d->sy);
	}
	return 0;
}

/* Closes proposals with this node's tally: its member's own once their
 * votes pass them or their deadline has passed, any other's left
 * undecided an hour after its deadline (governance_tally_due). */
static int task_tally(struct daemon *d)
{
	int n = governance_tally_due(d->s, d->k, d->now, TALLY_GRACE_MS);
	if (n < 0)
		log_limited(LOG_WARN, "tally", "tally: %s", err_msg());
	else if (n > 0) {
		log_msg(LOG_INFO, "tally: closed %d proposal(s)", n);
		syncer_announce(d->sy);
	}
	return 0;
}

/* Signs the own feed's tree head when due (checkpoint.h). */
static int task_checkpoint(struct daemon *d)
{
	uint64_t seq;
	int due = checkpoint_due(d->s, d->k->id, d->now);
	if (due > 0 && checkpoint_append(d->s, d->k, NULL, &seq) == 0) {
		log_msg(LOG_INFO, "checkpoint of this member's feed appended (seq %llu)",
			(unsigned long long)seq);
		syncer_announce(d->sy);
	} else if (due != 0) {
		log_limited(LOG_WARN, "checkpoint", "checkpoint: %s", err_msg());
	}
	return 0;
}

/* The search index takes the offers changed since it last did
 * (search.h), a bounded number a look, so that a sync of thousands of
 * offers never holds the store for long. */
static int task_search(struct daemon *d)
{
	/* never waiting for the write lock: a CLI's command holds it for a
	 * moment, and the next look comes in a second */
	if (search_catch_up(d->s, SEARCH_ROWS_MAX) < 0)
		log_limited(LOG_WARN, "search", "search index: %s", err_msg());
	return 0;
}

/* Signs the heads of the feeds that did work, when due (witness.h), once the
 * sync is quiet: a witness of heads the node has not caught up with would
 * make the newer entries look backdated. */
static int task_witness(struct daemon *d)
{
	size_t heads, entries;
	if (!syncer_quiet(d->sy))
		return 0;
	int due = witness_due(d->s, d->k->id, d->now, d->started,
			      (int64_t)d->cfg.witness_every_s * 1000,
			      (int64_t)d->cfg.witness_idle_s * 1000);
	if (due > 0 && witness_append(d->s, d->k, d->now - (int64_t)d->cfg.witness_idle_s * 1000,
				      &heads, &entries) == 0) {
		if (entries) {
			log_msg(LOG_INFO, "witness of %zu head(s) appended (%zu entr%s)", heads,
				entries, entries == 1 ? "y" : "ies");
			syncer_announce(d->sy);
		}
	} else if (due != 0) {
		log_limited(LOG_WARN, "witness", "witness: %s", err_msg());
	}
	return 0;
}

/* The overlay again: members joined or left, chosen peers failed. */
static int task_overlay(struct daemon *d)
{
	if (overlay_refresh(d->sy, d->s, d->me, d->overlay_k, 3 * (int64_t)d->cfg.sync.hello_ms))
		log_limited(LOG_WARN, "overlay", "overlay: %s", err_msg());
	return 0;
}

/* Tells people what needs them (notify.h): never waits for a child. */
static int task_notify(struct daemon *d)
{
	if (notifier_run(d->notifier, d->s, d->me, d->now))
		log_limited(LOG_WARN, "notify", "notifications: %s", err_msg());
	return 0;
}

static int task_status(struct daemon *d)
{
	write_status(d->status_path, d->sy, d->cfg.listen, d->started, d->overlay_k);
	return 0;
}

/* An idle node's page cache held up to the sync's 12 MB (syncer_new)
 * after a sync or a search index's catching up, and the heap kept what
 * a batch freed: 25 MB for a node doing nothing. Both are given back; a
 * statement reads its pages from the file again (the kernel's cache)
 * when the node works again. */
static int task_shrink(struct daemon *d)
{
	uint64_t changes = syncer_changes(d->sy);
	if (changes == d->shrunk && replica_cache_used(d->s) < SHRINK_CACHE_MIN)
		return 0;
	d->shrunk = changes;
	replica_release_memory(d->s);
	malloc_trim(0);
	return 0;
}

/* 1 when the node's key changed: the loop ends and the node starts again. */
static int task_key(struct daemon *d)
{
	return key_changed(d->s, d->k, &d->rot, d->sy, d->keypath);
}

/* SIGHUP: the peer list again, from the configuration file (or the
 * --peer options, which override it). */
static int task_reload(struct daemon *d)
{
	if (!reload_flag)
		return 0;
	reload_flag = 0;
	struct node_config fresh;
	config_init(&fresh);
	if (config_load(&fresh, d->config ? d->config : d->conf_default, d->config == NULL)) {
		log_msg(LOG_ERROR, "reload refused: %s", err_msg());
	} else {
		if (d->ncli_peers) {
			config_free(&fresh);
			for (int i = 0; i < d->ncli_peers; i++)
				config_add_peer(&fresh, d->cli_peers[i]);
		}
		syncer_clear_peers(d->sy);
		notifier_configure(d->notifier, &fresh.notify);
		d->overlay_k = overlay_size(&fresh);
		add_peers(d->sy, d->s, d->me, &fresh, 1);
		int out = 0, configured = 0, in = 0;
		for (int i = 0; i < syncer_npeers(d->sy); i++) {
			struct peer_stats ps;
			syncer_peer_stats(d->sy, i, &ps);
			out += ps.outbound;
			configured += ps.outbound && strcmp(ps.why, "configured") == 0;
			in += !ps.outbound && ps.connected;
		}
		log_msg(LOG_INFO, "reloaded: %d peers to dial (%d configured, %d chosen by the "
			"overlay); %d inbound connected", out, configured, out - configured, in);
	}
	config_free(&fresh);
	return 0;
}

/* When a task may run, besides being due. The store refuses a write
 * while the sync round holds its transaction (store_begin); waiting for
 * the round to end spares the refusal and its log line. */
enum {
	TASK_WRITES = 1,   /* writes the store: not while the sync round holds it */
	TASK_APPENDS = 2,  /* appends to the own feed: not while appends are held */
	TASK_ON_CHANGE = 4, /* due as well as soon as the store took entries
			     * (syncer_changes): not for a digest or an
			     * acknowledgement, which change nothing it reads */
	TASK_IDLE = 8,     /* only when the poll saw nothing and no sync is in flight */
};

struct task {
	const char *name;
	int every_ms; /* 0: every round */
	int when;     /* TASK_* */
	int (*run)(struct daemon *d); /* 1 ends the loop (restart) */
	int64_t next; /* due from then (ms); a task that may not run stays due */
	uint64_t seen; /* TASK_ON_CHANGE: syncer_changes when it last ran */
};

static struct task tasks[] = {
	{"open appends", 0, TASK_WRITES, task_open_appends, 0},
	/* at once for a request that just came; each second for those that
	 * came while appends were held */
	{"auto-answer", AUTO_ANSWER_MS, TASK_WRITES | TASK_APPENDS | TASK_ON_CHANGE,
	 task_auto_answer, 0, 0},
	{"checkpoint", CHECKPOINT_LOOK_MS, TASK_WRITES | TASK_APPENDS, task_checkpoint, 0},
	{"tally", AUTO_ANSWER_MS, TASK_WRITES | TASK_APPENDS | TASK_ON_CHANGE, task_tally, 0, 0},
	{"witness", WITNESS_LOOK_MS, TASK_WRITES | TASK_APPENDS, task_witness, 0},
	{"search", SEARCH_LOOK_MS, TASK_WRITES, task_search, 0},
	{"notify", NOTIFY_LOOK_MS, TASK_WRITES, task_notify, 0},
	/* it must not slow a sync down */
	{"status", STATUS_EVERY_MS, 0, task_status, 0},
	{"overlay", OVERLAY_EVERY_MS, 0, task_overlay, 0},
	{"key", STATUS_EVERY_MS, 0, task_key, 0},
	{"shrink", SHRINK_LOOK_MS, TASK_WRITES | TASK_IDLE, task_shrink, 0},
	{"reload", 0, 0, task_reload, 0},
};

/* Runs the tasks that are due and may run, in table order. 1 when one
 * ends the loop. */
static int run_tasks(struct daemon *d)
{
	int round = syncer_holds_round(d->sy);
	uint64_t changes = syncer_changes(d->sy);
	for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++) {
		struct task *t = &tasks[i];
		int w = t->when;
		if (!(d->now >= t->next || ((w & TASK_ON_CHANGE) && changes != t->seen)) ||
		    ((w & TASK_WRITES) && round) || ((w & TASK_APPENDS) && d->holding) ||
		    ((w & TASK_IDLE) && (d->ev != 0 || syncer_busy(d->sy))))
			continue;
		t->next = d->now + t->every_ms;
		t->seen = changes;
		if (t->run(d)) {
			log_msg(LOG_DEBUG, "task '%s' ends the loop", t->name);
			return 1;
		}
	}
	return 0;
}

/* Polls (at most POLL_MS: the loop also notices the CLI's commits) and
 * runs the tasks, until a signal stops it or a task restarts it. */
static int daemon_loop(struct daemon *d)
{
	while (!stop_flag) {
		if ((d->ev = syncer_poll(d->sy, POLL_MS)) < 0) {
			log_msg(LOG_ERROR, "stopping: %s", err_msg());
			return 1;
		}
		d->now = clock_now_ms();
		if (run_tasks(d)) {
			d->restart = 1;
			break;
		}
	}
	log_msg(LOG_INFO, d->restart ? "restarting" : "stopping");
	return 0;
}

static void daemon_close(struct daemon *d)
{
	if (d->locked)
		unlink(d->status_path); /* the lock says it is ours */
	web_stop(&d->web); /* its threads use the key and append */
	syncer_destroy(&d->sy); /* first: it ends its round's transaction */
	notifier_free(d->notifier); /* kills a child still running */
	d->notifier = NULL;
	staffd_free(&d->staff);
	if (d->s && store_hold_appends(d->s, 0))
		log_msg(LOG_WARN, "appends stay held until their time runs out: %s", err_msg());
	key_destroy(&d->k);
	store_close(&d->s);
	config_free(&d->cfg);
}

int main(int argc, char **argv)
{
	static struct daemon d;

	/* batches of up to 2 MB arrive again and again: from the heap, not
	 * from a fresh mmap each (whose pages fault in one by one) */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	i18n_init(); /* its refusals and startup messages; the log stays English */
	int rc = parse_args(&d, argc, argv);
	if (rc >= 0)
		return rc;

	/* no core dumps: they would hold the secret keys */
	struct rlimit none = {0, 0}, files;
	setrlimit(RLIMIT_CORE, &none);
	/* descriptors: the soft limit up to the hard one (the unit sets it,
	 * LimitNOFILE): silent connections must not starve members */
	if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
		files.rlim_cur = files.rlim_max;
		setrlimit(RLIMIT_NOFILE, &files);
	}
	prctl(PR_SET_DUMPABLE, 0);
	if (sodium_init() < 0) {
		fprintf(stderr, _("mutuad: cannot initialise libsodium\n"));
		return 1;
	}
	if ((rc = load_config(&d)) == 0 && (rc = daemon_open(&d)) == 0) {
		daemon_start(&d);
		rc = daemon_loop(&d);
	}
	daemon_close(&d);
	if (d.restart) {
		/* the same process, so a supervisor sees no exit */
		execv("/proc/self/exe", argv);
		log_msg(LOG_ERROR, "cannot start again: %s", strerror(errno));
		return 1;
	}
	return rc;
}
