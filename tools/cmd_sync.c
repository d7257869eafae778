/* cmd_sync.c - mutua sync, status, doctor: this node and its peers. */
#include "cli.h"
#include "i18n.h"
#include "notify.h"
#include "config.h"
#include "i18n.h"
#include "json.h"
#include "log.h"
#include "replica.h"
#include "sync.h"
#include "util.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define SYNC_TIMEOUT_DEFAULT 30
#define QUIET_DONE_MS 1000
#define SYNC_BUSY_MS 2000 /* a node with no room for us is asked again */

int cmd_sync(struct ctx *c, int argc, char **argv)
{
	static const char use[] = "mutua sync [MEMBER@]URL [--timeout SECONDS]";
	static const struct option opts[] = {
		{"timeout", required_argument, NULL, 't'},
		{0},
	};
	uint64_t timeout = SYNC_TIMEOUT_DEFAULT;
	int o, rc;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 't':
			if (parse_u64("--timeout", optarg, 86400, &timeout))
				return EXIT_USAGE;
			break;
		default: return usage(use);
		}
	}
	if (optind != argc - 1 || timeout == 0)
		return usage(use);
	if ((rc = cli_open(c, NEED_KEY | NEED_FED)))
		return rc;
	uint8_t member[32];
	char endpoint[ENDPOINT_MAX_LEN + 1];
	if (peer_resolve(c->store, argv[optind], member, endpoint))
		return fail_err(EXIT_USAGE, NULL);
	if (memcmp(member, c->me, 32) == 0)
		return fail(EXIT_USAGE, "'%s' is this node itself", argv[optind]);
	log_threshold = LOG_ERROR;
	/* a full node ("busy") is asked again every few seconds until the
	 * timeout, not after the minute a node waits */
	struct sync_config cfg = SYNC_CONFIG_DEFAULT;
	cfg.busy_ms = SYNC_BUSY_MS;
	struct syncer *sy = syncer_new(c->store, c->key, &cfg);
	int told_busy = 0;
	if (!sy || syncer_add_peer(sy, member, endpoint)) {
		syncer_destroy(&sy);
		return fail_err(EXIT_REFUSED, NULL);
	}
	int64_t start = clock_now_ms(), deadline = start + (int64_t)timeout * 1000;
	int64_t quiet_since = 0;
	rc = EXIT_REFUSED;
	while (clock_now_ms() < deadline) {
		if (syncer_poll(sy, 50) < 0) {
			fail_err(EXIT_REFUSED, NULL);
			goto out;
		}
		struct peer_stats ps;
		syncer_peer_stats(sy, 0, &ps);
		if (!ps.connected && syncer_refusal(sy, 0) &&
		    strstr(syncer_refusal(sy, 0), "refused our key")) {
			fail(EXIT_REFUSED, "%s refused us: %s", endpoint, syncer_refusal(sy, 0));
			goto out;
		}
		if (!ps.connected && !told_busy && syncer_refusal(sy, 0) &&
		    strncmp(syncer_refusal(sy, 0), "busy", 4) == 0) {
			told_busy = 1;
			if (isatty(2))
				fprintf(stderr, _("mutua: %s has no room for another connection now: "
						"asking again until the timeout (%llu s)\n"),
					endpoint, (unsigned long long)timeout);
		}
		if (syncer_quiet(sy)) {
			if (syncer_in_step(sy, 0)) {
				rc = EXIT_OK;
				break;
			}
			/* what the peer will not take (or we not) cannot make us wait */
			if (!quiet_since)
				quiet_since = clock_now_ms();
			else if (clock_now_ms() - quiet_since > QUIET_DONE_MS) {
				rc = EXIT_OK;
				break;
			}
		} else {
			quiet_since = 0;
		}
	}
	if (rc != EXIT_OK) {
		const char *why = syncer_refusal(sy, 0);
		struct peer_stats ps;
		syncer_peer_stats(sy, 0, &ps);
		if (ps.connected)
			fail(EXIT_REFUSED, "sync with %s did not finish within %llu s", endpoint,
			     (unsigned long long)timeout);
		else if (why && strncmp(why, "busy", 4) == 0)
			fail(EXIT_REFUSED, "%s had no room for another connection for %llu s: "
			     "try again later (--timeout), or sync with another member's node",
			     endpoint, (unsigned long long)timeout);
		else
			fail(EXIT_REFUSED, "could not reach %s within %llu s%s%s", endpoint,
			     (unsigned long long)timeout, why ? ": " : "", why ? why : "");
		goto out;
	}
	/* a rotation the peer holds now: the new transport key takes over */
	if (c->rot.staged && syncer_peer_holds(sy, c->rot.old, c->rot.seq)) {
		char *kp = cli_path(c, "key");
		if (rotate_finish(kp))
			fail_err(EXIT_REFUSED, "key rotation");
		else
			fprintf(stderr, _("mutua: the peer holds this member's key rotation: this "
					"node now speaks with its new transport key\n"));
		free(kp);
	}
	if (c->json) {
		fputs("{\"peer\":", stdout);
		json_string(stdout, endpoint);
		printf(",\"received\":%llu,\"sent\":%llu}\n",
		       (unsigned long long)syncer_received(sy), (unsigned long long)syncer_sent(sy));
	} else {
		printf(_("%llu entries received, %llu sent\n"),
		       (unsigned long long)syncer_received(sy), (unsigned long long)syncer_sent(sy));
	}
out:
	syncer_destroy(&sy);
	return rc;
}

/* The daemon's status file when the daemon that wrote it is alive:
 * a malloc'd JSON object with its peers, or NULL. */
static char *daemon_status(struct ctx *c)
{
	char *path = cli_path(c, "mutuad.status"), *out = NULL;
	size_t len;
	uint8_t *text = file_read(path, 1 << 20, &len);
	free(path);
	if (!text)
		return NULL;
	char *nl = strchr((char *)text, '\n');
	int pid = 0;
	if (!nl || sscanf((char *)text, "{\"pid\":%d,", &pid) != 1 || pid <= 0 ||
	    (kill(pid, 0) != 0 && errno != EPERM)) {
		free(text);
		return NULL;
	}
	/* first line: the node; the others: peers */
	*nl = 0;
	char *peers = nl + 1;
	size_t n = strlen(peers);
	out = malloc(strlen((char *)text) + n + 64);
	if (out) {
		char *p = out + sprintf(out, "{\"node\":%s,\"peers\":[", (char *)text);
		for (char *line = strtok(peers, "\n"); line; line = strtok(NULL, "\n"))
			p += sprintf(p, "%s%s", p[-1] == '[' ? "" : ",", line);
		strcpy(p, "]}");
	}
	free(text);
	return out;
}

int cmd_status(struct ctx *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage("mutua status");
	int rc = cli_open(c, NEED_KEY | NEED_FED);
	if (rc)
		return rc;
	char *daemon = daemon_status(c);
	char me[HEX_ID_LEN + 1], fed[HEX_ID_LEN + 1];
	hex_encode(me, c->me, 32);
	hex_encode(fed, store_fed_id(c->store), 32);
	if (c->json) {
		const char *mine = me, *ours = fed; /* VIEW_TEXT of an array warns */
		struct view_arg a[] = {VIEW_TEXT(mine), VIEW_TEXT(ours),
				       VIEW_TEXT(store_genesis(c->store)->name), VIEW_ID(c->me),
				       VIEW_TEXT(daemon ? daemon : "null")};
		rc = out_record(c, &view_status, a, 5) == 1 ? EXIT_OK : EXIT_REFUSED;
		free(daemon);
		return rc;
	}
	char *name = meta_get(c, "local.name");
	printf(_("member      %s (%s)\nfederation  %s (%s)\n\n"), name ? name : "?", me,
	       store_genesis(c->store)->name, fed);
	free(name);
	static const char *const cols[] = {"name:28", "member.12", "seq", "head.12",
					   "forked_at", NULL};
	if (out_rows(c, &view_feeds, NULL, 0, cols) < 0) {
		free(daemon);
		return EXIT_REFUSED;
	}
	/* feeds held: past their budget, or stopped (mutua feed) */
	struct view_rows *hr = view_open(c->store, &view_feed_holds, NULL, 0, 0);
	int held = hr && view_next(hr) == 1;
	view_close(&hr);
	if (held) {
		static const char *const hcols[] = {"name:20", "member.12", "why", "seq", "entries",
						    "bytes", "since", "reopens", NULL};
		printf("\n%s\n", _("feeds held (not taken from the peers, not relayed):"));
		if (out_rows(c, &view_feed_holds, NULL, 0, hcols) < 0) {
			free(daemon);
			return EXIT_REFUSED;
		}
	}
	struct view_rows *nr = view_open(c->store, &view_notify_counts, NULL, 0, 0);
	if (nr && view_next(nr) == 1 && view_int(nr, 0) + view_int(nr, 1) + view_int(nr, 2) > 0) {
		printf("\n");
		printf(_("notifications: %lld sent, %lld waiting, %lld failed"),
		       (long long)view_int(nr, 1), (long long)view_int(nr, 0),
		       (long long)view_int(nr, 2));
		if (view_text(nr, 3))
			printf(_("; the last error: %s"), view_text(nr, 3));
		printf("\n");
	}
	view_close(&nr);
	if (!daemon) {
		printf("\n%s\n", _("mutuad is not running for this home: nothing is sent or "
				    "received until it starts (systemctl start mutuad)"));
		return EXIT_OK;
	}
	struct view_arg a[] = {VIEW_TEXT(daemon)};
	struct view_rows *r = view_open(c->store, &view_daemon, a, 1, 0);
	if (!r || view_next(r) != 1) {
		view_close(&r);
		free(daemon);
		return fail_err(EXIT_REFUSED, "mutuad's status");
	}
	printf(_("\nmutuad running (pid %d), listening on %s\n\n"), (int)view_int(r, 0),
	       view_text(r, 1) ? view_text(r, 1) : "?");
	view_close(&r);
	static const char *const pcols[] = {"peer:24", "endpoint", "dir", "why", "state",
					    "last_contact", "received", "rejected", "error", NULL};
	rc = out_rows(c, &view_daemon_peers, a, 1, pcols) < 0 ? EXIT_REFUSED : EXIT_OK;
	free(daemon);
	return rc;
}

/* ---- doctor ----------------------------------------------------------- */

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Why an endpoint does not answer, tried by hand: libzmq only retries. A
 * TCP connection (2 s at most) or a Unix socket: "refused", "timed out",
 * ... and what to check; or, when it answers, that the secure handshake
 * is what failed. */
static void probe(const char *endpoint, char *why, size_t n)
{
	int fd = -1, rc = -1, e = 0;
	char host[256] = "", port[16] = "";
	if (strncmp(endpoint, "ipc://", 6) == 0) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		snprintf(sun.sun_path, sizeof sun.sun_path, "%.*s", (int)sizeof sun.sun_path - 1,
			 endpoint + 6);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0)
			rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
		e = errno;
	} else if (strncmp(endpoint, "tcp://", 6) == 0) {
		const char *h = endpoint + 6, *colon = strrchr(h, ':');
		if (colon && (size_t)(colon - h) < sizeof host) {
			snprintf(host, sizeof host, "%.*s", (int)(colon - h), h);
			snprintf(port, sizeof port, "%s", colon + 1);
		}
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
		int g = getaddrinfo(host, port, &hints, &ai);
		if (g) {
			snprintf(why, n, _("the name '%s' does not resolve (%s): check the "
					   "endpoint in the member's card or in mutua.conf"),
				 host, gai_strerror(g));
			return;
		}
		if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) >= 0) {
			rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
			if (rc && errno == EINPROGRESS) {
				struct pollfd pf = {.fd = fd, .events = POLLOUT};
				socklen_t el = sizeof e;
				if (poll(&pf, 1, 2000) == 1 &&
				    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0)
					rc = e ? -1 : 0;
				else
					e = ETIMEDOUT;
				errno = e;
			}
		}
		e = errno;
		freeaddrinfo(ai);
	} else {
		snprintf(why, n, "%s", _("no answer"));
		return;
	}
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		snprintf(why, n, "%s", _("it answers, but the secure handshake did not complete: "
					 "not a mutuad, or a wrong transport key for this endpoint "
					 "(the member's card)"));
	else if (e == ECONNREFUSED)
		snprintf(why, n, "%s", _("connection refused: nothing listens there; is mutuad "
					 "running on that node, on this port?"));
	else if (e == ENOENT)
		snprintf(why, n, "%s", _("no such socket: is mutuad running there?"));
	else if (e == ETIMEDOUT)
		snprintf(why, n, "%s", _("timed out: no answer in 2 s; check the address, and "
					 "that no firewall drops the port"));
	else
		snprintf(why, n, "%s (%s)", strerror(e), _("check the address and the network"));
}

/* The highest seq of this member's feed a peer is known to hold: what
 * mutuad last heard (HOME/mutuad.held), or what another member witnessed. */
static uint64_t own_held(struct ctx *c)
{
	char *path = cli_path(c, "mutuad.held");
	FILE *f = fopen(path, "r");
	unsigned long long heard = 0;
	int64_t witnessed = 0;
	if (f) {
		if (fscanf(f, "%llu", &heard) != 1)
			heard = 0;
		fclose(f);
	}
	free(path);
	struct view_arg a[] = {VIEW_ID(c->me)};
	if (view_scalar(c->store, &view_feed_witnessed, a, 1, &witnessed) != 1)
		witnessed = 0;
	return (uint64_t)witnessed > heard ? (uint64_t)witnessed : heard;
}

/* Is this home's mutuad running, and what of this member's feed has
 * reached no peer yet? */
static void check_daemon(struct ctx *c)
{
	long pid = cli_daemon(c);
	uint64_t head = 0, held = own_held(c);
	if (store_head(c->store, c->me, &head, NULL))
		head = 0;
	unsigned long long unsent = head > held ? head - held : 0;
	if (pid > 0) {
		check(1, _("mutuad runs for this home (pid %ld)"), pid);
		if (unsent)
			check(1, dngettext(MUTUA_DOMAIN,
					   "%llu entry of this member's feed is not yet held by "
					   "any peer: it is sent as peers connect ('mutua status')",
					   "%llu entries of this member's feed are not yet held by "
					   "any peer: they are sent as peers connect ('mutua status')",
					   unsent), unsent);
		return;
	}
	check(0, "%s", _("mutuad is not running for this home: nothing is sent or received "
			 "(systemctl start mutuad, or mutuad --home DIR)"));
	check(unsent == 0, dngettext(MUTUA_DOMAIN,
				     "%llu entry of this member's feed is not yet held by any "
				     "peer: it leaves when mutuad runs",
				     "%llu entries of this member's feed are not yet held by any "
				     "peer: they leave when mutuad runs", unsent), unsent);
}

static int problems;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int ok, const char *fmt, ...)
{
	va_list ap;
	/* TRANSLATORS: both seven characters wide */
	printf("%s ", ok ? _("ok     ") : _("PROBLEM"));
	va_start(ap, fmt);
	vprintf(_(fmt), ap);
	va_end(ap);
	putchar('\n');
	problems += !ok;
}

int cmd_doctor(struct ctx *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage("mutua doctor");
	int rc = cli_open(c, NEED_KEY);
	if (rc)
		return rc;
	problems = 0;
	check(1, "key file is private and sound");
	char *integrity;
	rc = view_scalar_text(c->store, &view_integrity, NULL, 0, &integrity);
	check(rc == 1 && strcmp(integrity, "ok") == 0, "store integrity: %s",
	      rc == 1 ? integrity : rc == 0 ? "?" : err_msg_local());
	free(integrity);
	if (!store_has_federation(c->store)) {
		check(0, "no federation yet: run 'mutua federation create' or 'join'");
		return EXIT_REFUSED;
	}
	check(1, "federation %s", store_genesis(c->store)->name);
	check_daemon(c);
	struct view_arg self[] = {VIEW_ID(c->key->id)};
	struct view_rows *r = view_open(c->store, &view_doctor, self, 1, 0);
	if (!r || view_next(r) != 1) {
		check(0, "cannot read the store: %s", err_msg_local());
		view_close(&r);
		return EXIT_REFUSED;
	}
	int64_t other_forks = view_int(r, 1), faults = view_int(r, 2);
	int64_t witness_forks = view_int(r, 3), own_witness_fork = view_int(r, 4);
	int64_t held = view_int(r, 5);
	view_close(&r);
	uint64_t own_fork = 0;
	int forked = store_fork_point(c->store, c->key->id, &own_fork);
	if (forked < 0)
		check(0, "cannot tell whether this member's own feed is forked: %s", err_msg_local());
	else if (forked)
		check(0, "THIS MEMBER'S OWN FEED IS FORKED at seq %llu: two different entries "
			 "were signed with this key (a node restored from a backup, or a "
			 "copied key); appends are refused until the members decide",
		      (unsigned long long)own_fork);
	else
		check(1, "this member's own feed is not forked");
	check(other_forks == 0, "%lld other member feed(s) forked", (long long)other_forks);
	check(faults == 0, "%lld member(s) signed a checkpoint that does not match their own "
			   "feed", (long long)faults);
	if (own_witness_fork)
		check(0, "two roots were witnessed for the first %lld entries of THIS MEMBER'S "
			 "OWN FEED: another node holds a different history of it, or a member "
			 "signed a false witness (mutua audit names them)",
		      (long long)own_witness_fork);
	check(witness_forks == 0, "%lld feed(s) with two witnessed roots for one size (a fork, "
	      "or a false witness: mutua audit names them)", (long long)witness_forks);
	check(held == 0, _("%lld feed(s) held: past their member's budget of 24 h, or stopped "
			   "(mutua status lists them; mutua feed resume)"), (long long)held);
	struct view_rows *nr = view_open(c->store, &view_notify_counts, NULL, 0, 0);
	if (nr && view_next(nr) == 1 && view_int(nr, 0) + view_int(nr, 1) + view_int(nr, 2) > 0) {
		const char *last = view_text(nr, 3);
		if (view_int(nr, 2) > 0 || last)
			check(0, "notifications: %lld failed, %lld waiting; the last error: %s "
				 "(check sendmail or notify_command, and mutuad's log)",
			      (long long)view_int(nr, 2), (long long)view_int(nr, 0),
			      last ? last : "-");
		else
			check(1, "notifications: %lld sent, %lld waiting", (long long)view_int(nr, 1),
			      (long long)view_int(nr, 0));
	}
	view_close(&nr);

	/* peers: those configured, or every member publishing an endpoint */
	struct node_config cfg;
	char *conf = cli_path(c, "mutua.conf");
	config_init(&cfg);
	if (config_load(&cfg, conf, 1)) {
		check(0, "%s", err_msg_local());
		free(conf);
		return EXIT_REFUSED;
	}
	free(conf);
	log_threshold = LOG_ERROR;
	struct syncer *sy = syncer_new(c->store, c->key, NULL);
	if (!sy) {
		config_free(&cfg);
		return fail_err(EXIT_REFUSED, NULL);
	}
	if (cfg.npeers) {
		for (int i = 0; i < cfg.npeers; i++) {
			uint8_t m[32];
			char ep[ENDPOINT_MAX_LEN + 1];
			if (config_peer_resolve(c->store, &cfg, i, m, ep) ||
			    syncer_add_peer(sy, m, ep))
				check(0, "%s", err_msg_local());
		}
	} else {
		struct replica_endpoint *ep;
		size_t nep;
		if (replica_endpoints(c->store, c->me, &ep, &nep))
			check(0, "peers: %s", err_msg_local());
		for (size_t i = 0; i < nep; i++)
			if (syncer_add_peer(sy, ep[i].member, ep[i].url))
				check(0, "peer %s: %s", ep[i].url, err_msg_local());
		free(ep);
	}
	config_free(&cfg);
	int n = syncer_npeers(sy);
	/* a handshake of a node just started, on a busy server, may take
	 * seconds: 5 s before a peer is said unreachable */
	int64_t deadline = clock_now_ms() + 5000;
	while (n && clock_now_ms() < deadline) {
		int all = 1;
		syncer_poll(sy, 50);
		for (int i = 0; i < n; i++) {
			struct peer_stats ps;
			syncer_peer_stats(sy, i, &ps);
			all &= ps.connected;
		}
		if (all)
			break;
	}
	if (!n)
		check(1, "no peers to reach (none configured, none publishing an endpoint)");
	for (int i = 0; i < n; i++) {
		struct peer_stats ps;
		syncer_peer_stats(sy, i, &ps);
		const char *why = syncer_refusal(sy, i);
		char probed[300];
		if (!ps.connected && (!why || strncmp(why, "no connection", 13) == 0)) {
			probe(ps.endpoint, probed, sizeof probed);
			why = probed;
		}
		check(ps.connected, "peer %s (%s) %s%s%s", ps.name, ps.endpoint,
		      ps.connected ? _("reachable") : _("not reachable"), why ? ": " : "",
		      why ? why : "");
	}
	syncer_destroy(&sy);
	return problems ? EXIT_REFUSED : EXIT_OK;
}
