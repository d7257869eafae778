/* mutuad.c - the Mutua node: replicates every member's feed with its
 * peers over ZeroMQ/CURVE, in the foreground, until SIGTERM or SIGINT;
 * SIGHUP reloads the peer list.
 *
 * Exit status: 0 after a clean stop, 1 when the node cannot run (store,
 * key, socket, or another mutuad already running on the home), 2 on a
 * usage or configuration error.
 */
#include "checkpoint.h"
#include "config.h"
#include "lending.h"
#include "log.h"
#include "rotate.h"
#include "store.h"
#include "sync.h"
#include "util.h"

#include <errno.h>
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
#define VERIFY_BATCH 64
/* The longest the loop sleeps: it also notices entries the CLI appended
 * (PRAGMA data_version, about a microsecond). The CLI's commits wake it at
 * once (syncer_watch_store); this bounds the delay for other writers. */
#define POLL_MS 10
#define AUTO_ANSWER_MS 1000

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
	fprintf(stderr, "usage: mutuad [--home DIR] [--config FILE] [--listen URL] "
			"[--peer [MEMBER@]URL]... [--log-level LEVEL]\n");
	return 2;
}

/* Adds the configured peers, or every member publishing an endpoint.
 * At start a peer that cannot be added stops the node; on reload it is
 * logged and the others are added all the same (keep_going). */
static int add_peers(struct syncer *sy, struct store *s, const uint8_t *me,
		     const struct node_config *cfg, int keep_going)
{
	uint8_t member[32];
	char endpoint[ENDPOINT_MAX_LEN + 1];
	if (cfg->npeers) {
		int rc = 0;
		for (int i = 0; i < cfg->npeers; i++) {
			if (peer_resolve(s, cfg->peers[i], member, endpoint) ||
			    (memcmp(member, me, 32) == 0 &&
			     err_set("peer '%s' is this node itself", cfg->peers[i])) ||
			    syncer_add_peer(sy, member, endpoint)) {
				if (!keep_going)
					return -1;
				log_msg(LOG_ERROR, "reload: %s", err_msg());
				rc = -1;
			}
		}
		return rc;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store_db(s), "SELECT member, min(url) FROM member_endpoints"
				" WHERE member != ?1 GROUP BY member", -1, &st, NULL))
		return err_set("store: %s", sqlite3_errmsg(store_db(s)));
	sqlite3_bind_blob(st, 1, me, 32, SQLITE_STATIC);
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
		rc = syncer_add_peer(sy, sqlite3_column_blob(st, 0),
				     (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
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
			fprintf(stderr, "mutuad: already running (pid %ld)\n", (long)held.l_pid);
		else
			fprintf(stderr, "mutuad: already running\n");
		close(fd);
		return -1;
	}
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		log_msg(LOG_WARN, "cannot write the pid into '%s': %s", path, strerror(errno));
	return fd;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* HOME/mutuad.status: JSON lines read by `mutua status`; the first line
 * is the node, then one line per peer. Replaced atomically. */
static void write_status(const char *path, struct syncer *sy, const char *listen,
			 int64_t started)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "{\"pid\":%d,\"started\":%lld,\"listen\":", (int)getpid(),
		(long long)started);
	json_str(f, listen);
	fprintf(f, ",\"received\":%llu,\"sent\":%llu}\n",
		(unsigned long long)syncer_received(sy), (unsigned long long)syncer_sent(sy));
	for (int i = 0; i < syncer_npeers(sy); i++) {
		struct peer_stats ps;
		syncer_peer_stats(sy, i, &ps);
		fputs("{\"name\":", f);
		json_str(f, ps.name);
		fputs(",\"member\":", f);
		json_str(f, ps.member);
		fputs(",\"endpoint\":", f);
		json_str(f, ps.endpoint);
		fprintf(f, ",\"direction\":\"%s\",\"connected\":%s,\"last_contact\":%lld,"
			   "\"received\":%llu,\"rejected\":%llu,\"sent\":%llu,\"error\":",
			ps.outbound ? "out" : "in", ps.connected ? "true" : "false",
			(long long)ps.last_contact, (unsigned long long)ps.received,
			(unsigned long long)ps.rejected, (unsigned long long)ps.sent);
		json_str(f, ps.last_error);
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

int main(int argc, char **argv)
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
	const char *home = NULL, *config = NULL, *listen = NULL, *level = NULL;
	const char *cli_peers[CONFIG_PEERS_MAX];
	int ncli_peers = 0, o, rc = 1, restart = 0, lock_fd;
	char path[4096], conf_default[4096], status_path[4096];
	struct node_config cfg;
	struct store *s = NULL;
	struct key *k = NULL;
	struct syncer *sy = NULL;

	/* batches of up to 2 MB arrive again and again: from the heap, not
	 * from a fresh mmap each (whose pages fault in one by one) */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 8 << 20);

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'H': home = optarg; break;
		case 'c': config = optarg; break;
		case 'l': listen = optarg; break;
		case 'p':
			if (ncli_peers == CONFIG_PEERS_MAX) {
				fprintf(stderr, "mutuad: too many --peer options\n");
				return 2;
			}
			cli_peers[ncli_peers++] = optarg;
			break;
		case 'L': level = optarg; break;
		case 'h': usage(); return 0;
		default: return usage();
		}
	}
	if (optind != argc)
		return usage();

	/* no core dumps: they would hold the secret keys */
	struct rlimit none = {0, 0};
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0);
	if (sodium_init() < 0) {
		fprintf(stderr, "mutuad: cannot initialise libsodium\n");
		return 1;
	}
	if (!home)
		home = getenv("MUTUA_HOME");
	if (!home || !*home) {
		const char *h = getenv("HOME");
		if (!h) {
			fprintf(stderr, "mutuad: no home: give --home or set MUTUA_HOME\n");
			return 2;
		}
		snprintf(path, sizeof path, "%s/.mutua", h);
		home = strdup(path);
	}
	snprintf(conf_default, sizeof conf_default, "%s/mutua.conf", home);
	snprintf(status_path, sizeof status_path, "%s/mutuad.status", home);

	config_init(&cfg);
	if (config_load(&cfg, config ? config : conf_default, config == NULL)) {
		fprintf(stderr, "mutuad: %s\n", err_msg());
		return 2;
	}
	if (listen) {
		if (check_endpoint(listen)) {
			fprintf(stderr, "mutuad: --listen: %s\n", err_msg());
			goto usage_fail;
		}
		snprintf(cfg.listen, sizeof cfg.listen, "%s", listen);
	}
	if (ncli_peers) {
		config_free(&cfg);
		for (int i = 0; i < ncli_peers; i++)
			if (config_add_peer(&cfg, cli_peers[i])) {
				fprintf(stderr, "mutuad: --peer: %s\n", err_msg());
				goto usage_fail;
			}
	}
	if (level && log_level_parse(level, &cfg.log_level)) {
		fprintf(stderr, "mutuad: --log-level: %s\n", err_msg());
		goto usage_fail;
	}
	log_threshold = cfg.log_level;

	snprintf(path, sizeof path, "%s/key", home);
	if (access(path, F_OK) != 0) {
		log_msg(LOG_ERROR, "no mutua home in '%s' (run 'mutua init')", home);
		config_free(&cfg);
		return 1;
	}
	/* a second daemon leaves before it touches the first one's files */
	if ((lock_fd = lock_home(home)) < 0) {
		config_free(&cfg);
		return 1;
	}
	snprintf(path, sizeof path, "%s/store.db", home);
	if (!(s = store_open(path))) {
		log_msg(LOG_ERROR, "%s", err_msg());
		goto out;
	}
	if (!store_has_federation(s)) {
		log_msg(LOG_ERROR, "this node has no federation yet: run 'mutua federation "
			"create' or 'mutua federation join' first");
		goto out;
	}
	snprintf(path, sizeof path, "%s/key", home);
	struct rotation rot;
	if (!(k = rotate_load(s, path, getenv("MUTUA_PASSPHRASE"), &rot))) {
		log_msg(LOG_ERROR, "%s", err_msg());
		goto out;
	}
	char keypath[PATH_MAX];
	snprintf(keypath, sizeof keypath, "%s", path);
	uint8_t me[32];
	if (store_member_of(s, k->id, me, NULL) != 1)
		memcpy(me, k->id, 32);
	if (!(sy = syncer_new(s, k, &cfg.sync)) || syncer_listen(sy, cfg.listen)) {
		log_msg(LOG_ERROR, "%s", err_msg());
		goto out;
	}
	syncer_watch_store(sy);
	if (store_checkpoint_apart(s))
		log_msg(LOG_WARN, "%s: the main loop checkpoints the WAL itself", err_msg());
	if (add_peers(sy, s, me, &cfg, 0)) {
		log_msg(LOG_ERROR, "%s", err_msg());
		rc = 2;
		goto out;
	}

	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	char fed[HEX_ID_LEN + 1], mehex[HEX_ID_LEN + 1];
	hex_encode(fed, store_fed_id(s), 32);
	hex_encode(mehex, me, 32);
	log_msg(LOG_INFO, "mutuad started: member %.16s, federation %s (%.16s), "
		"listening on %s, %d peers%s", mehex, store_genesis(s)->name, fed, cfg.listen,
		syncer_npeers(sy), rot.staged ? "; a key rotation waits for a peer" : "");

	int64_t started = time_now_ms(), last_status = 0, last_checkpoint = 0, last_auto = 0;
	int holding = syncer_npeers(sy) > 0;
	if (holding)
		store_hold_appends(s, started + OWN_HEAD_WAIT_MS);
	while (!stop_flag) {
		int ev = syncer_poll(sy, POLL_MS);
		if (ev < 0) {
			log_msg(LOG_ERROR, "stopping: %s", err_msg());
			goto out;
		}
		int64_t now = time_now_ms();
		/* the lift is a write: refused (and tried again) while the
		 * sync round holds the store's transaction */
		if (holding && (now - started > OWN_HEAD_WAIT_MS ||
				(syncer_heard_own_head(sy) && syncer_quiet(sy))) &&
		    store_hold_appends(s, 0) == 0) {
			holding = 0;
			log_msg(LOG_INFO, "own feed's head %s: appends open",
				now - started > OWN_HEAD_WAIT_MS ? "not confirmed by any peer in time"
								 : "confirmed by peers");
		}
		/* answer requests on auto-accepting resources at once, and once a
		 * second for those that came while appends were held */
		int round = syncer_holds_round(sy); /* no writes of ours then */
		if (!holding && !round && (ev > 0 || now - last_auto >= AUTO_ANSWER_MS)) {
			last_auto = now;
			int answered = lending_auto_answer(s, k);
			if (answered < 0)
				log_msg(LOG_WARN, "auto-accept: %s", err_msg());
			else if (answered > 0) {
				log_msg(LOG_INFO, "auto-accept: answered %d request(s)", answered);
				syncer_announce(sy);
			}
		}
		/* sign the own feed's tree head when due (checkpoint.h) */
		if (!holding && !round && now - last_checkpoint >= CHECKPOINT_LOOK_MS) {
			uint64_t seq;
			int due = checkpoint_due(s, k->id, now);
			last_checkpoint = now;
			if (due > 0 && checkpoint_append(s, k, NULL, &seq) == 0) {
				log_msg(LOG_INFO, "checkpoint of this member's feed appended (seq %llu)",
					(unsigned long long)seq);
				syncer_announce(sy);
			} else if (due != 0) {
				log_limited(LOG_WARN, "checkpoint", "checkpoint: %s", err_msg());
			}
		}
		/* the background pass, in small slices, only when nothing is in
		 * flight: it must not slow a sync down */
		if (ev == 0 && !round && !syncer_busy(sy)) {
			int checked = store_verify_pending(s, VERIFY_BATCH);
			if (checked < 0)
				log_msg(LOG_WARN, "background verification: %s", err_msg());
		}
		if (now - last_status >= STATUS_EVERY_MS) {
			write_status(status_path, sy, cfg.listen, started);
			last_status = now;
			if (key_changed(s, k, &rot, sy, keypath)) {
				restart = 1;
				break;
			}
		}
		if (reload_flag) {
			reload_flag = 0;
			struct node_config fresh;
			config_init(&fresh);
			if (config_load(&fresh, config ? config : conf_default, config == NULL)) {
				log_msg(LOG_ERROR, "reload refused: %s", err_msg());
			} else {
				if (ncli_peers) {
					config_free(&fresh);
					for (int i = 0; i < ncli_peers; i++)
						config_add_peer(&fresh, cli_peers[i]);
				}
				syncer_clear_peers(sy);
				add_peers(sy, s, me, &fresh, 1);
				log_msg(LOG_INFO, "reloaded: %d peers", syncer_npeers(sy));
			}
			config_free(&fresh);
		}
	}
	log_msg(LOG_INFO, restart ? "restarting" : "stopping");
	rc = 0;
out:
	unlink(status_path);
	syncer_destroy(&sy); /* first: it ends its round's transaction */
	if (s && store_hold_appends(s, 0))
		log_msg(LOG_WARN, "appends stay held until their time runs out: %s", err_msg());
	key_destroy(&k);
	store_close(&s);
	config_free(&cfg);
	if (restart) {
		/* the same process, so a supervisor sees no exit */
		execv("/proc/self/exe", argv);
		log_msg(LOG_ERROR, "cannot start again: %s", strerror(errno));
		return 1;
	}
	return rc;
usage_fail:
	config_free(&cfg);
	return 2;
}
