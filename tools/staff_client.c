/* staff_client.c - `mutua` in a staff home (mutua staff init): every
 * command is run by the member's node (node/staffd.h) and printed here as
 * if local, with the same output and exit status.
 *
 * A read is one exchange. A command that appends is two: the node runs it
 * in prepare mode and sends back each body it would append; this person's
 * key signs each (staff_act_message, a fresh random nonce); the node runs
 * it again in commit mode with those acts, and appends what they signed
 * or refuses with the rule's reason.
 *
 * Files: an --out FILE is written by the node into its run's folder as
 * "mutua.out" and sent back, then written here; a card or a photo the
 * command reads is sent with the request under a plain name.
 */
#include "cli.h"
#include "i18n.h"
#include "staff.h"
#include "staffnet.h"
#include "file.h"
#include "util.h"

#include <errno.h>
#include <locale.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#define CONNECT_MS 5000  /* no secure handshake by then: unreachable */
#define ANSWER_MS 40000  /* the node stops a command after 20 s */
#define ARGS_MAX 64
#define FILES_MAX 8
#define FILE_MAX (48 << 10)
#define REPLY_MAX (8 << 20)

struct conn {
	void *ctx, *sock, *mon;
	const struct staff_home *h;
	int up;
};

static void conn_close(struct conn *k)
{
	if (k->sock) {
		zmq_socket_monitor(k->sock, NULL, 0);
		zmq_close(k->sock);
	}
	if (k->mon)
		zmq_close(k->mon);
	if (k->ctx)
		zmq_ctx_term(k->ctx);
	memset(k, 0, sizeof *k);
}

static int conn_open(struct conn *k, const struct staff_home *h, const struct key *key)
{
	int zero = 0;
	int64_t max = REPLY_MAX;
	k->h = h;
	if (!(k->ctx = zmq_ctx_new()) || !(k->sock = zmq_socket(k->ctx, ZMQ_DEALER)) ||
	    zmq_setsockopt(k->sock, ZMQ_LINGER, &zero, sizeof zero) ||
	    zmq_setsockopt(k->sock, ZMQ_MAXMSGSIZE, &max, sizeof max) ||
	    zmq_setsockopt(k->sock, ZMQ_CURVE_SERVERKEY, h->xkey, 32) ||
	    zmq_setsockopt(k->sock, ZMQ_CURVE_PUBLICKEY, key->xpk, 32) ||
	    zmq_setsockopt(k->sock, ZMQ_CURVE_SECRETKEY, key->xsk, 32) ||
	    zmq_socket_monitor(k->sock, "inproc://staff-monitor",
			       ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
			       ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
			       ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) ||
	    !(k->mon = zmq_socket(k->ctx, ZMQ_PAIR)) ||
	    zmq_connect(k->mon, "inproc://staff-monitor") ||
	    zmq_connect(k->sock, h->endpoint))
		return fail(EXIT_REFUSED, "cannot connect to the member's node at %s: %s",
			    h->endpoint, zmq_strerror(errno));
	return EXIT_OK;
}

/* Waits for the secure handshake: EXIT_OK, or a refusal saying what to
 * check. */
static int conn_wait_up(struct conn *k)
{
	int64_t deadline = clock_now_ms() + CONNECT_MS;
	while (!k->up) {
		int64_t left = deadline - clock_now_ms();
		if (left <= 0)
			return fail(EXIT_REFUSED, "the member's node at %s does not answer within %d s: "
						  "check the endpoint and port (mutua staff init "
						  "--invitation), that mutuad runs there, and that no "
						  "firewall stands between", k->h->endpoint,
				    CONNECT_MS / 1000);
		zmq_pollitem_t it = {k->mon, 0, ZMQ_POLLIN, 0};
		if (zmq_poll(&it, 1, (long)left) <= 0)
			continue;
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, k->mon, 0) < 0) {
			zmq_msg_close(&m);
			continue;
		}
		uint16_t ev = 0;
		if (zmq_msg_size(&m) >= 2)
			memcpy(&ev, zmq_msg_data(&m), 2);
		int more = zmq_msg_more(&m);
		zmq_msg_close(&m);
		while (more) { /* the event's address frame */
			zmq_msg_init(&m);
			zmq_msg_recv(&m, k->mon, 0);
			more = zmq_msg_more(&m);
			zmq_msg_close(&m);
		}
		if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
			k->up = 1;
		else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
			return fail(EXIT_REFUSED, "the member's node refused this staff key: it is not "
						  "(or no longer) delegated by the member; ask them "
						  "('mutua staff list' on their node)");
		else
			return fail(EXIT_REFUSED, "the secure handshake with %s failed: the node's key "
						  "is not the one this home names; ask the member for "
						  "a new invitation", k->h->endpoint);
	}
	return EXIT_OK;
}

/* Sends a request, waits for its answer: the reply (to free), or NULL
 * after printing why. */
static Mutua__StaffReply *exchange(struct conn *k, const Mutua__StaffRequest *q)
{
	size_t len = mutua__staff_request__get_packed_size(q);
	if (len > STAFF_REQUEST_MAX) {
		fail(EXIT_REFUSED, "the request is too large (%zu bytes, at most %d): send smaller "
				   "files", len, STAFF_REQUEST_MAX);
		return NULL;
	}
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) {
		fail(EXIT_REFUSED, "out of memory");
		return NULL;
	}
	mutua__staff_request__pack(q, buf);
	if (conn_wait_up(k)) {
		free(buf);
		return NULL;
	}
	zmq_send(k->sock, "STAFF", 5, ZMQ_SNDMORE);
	zmq_send(k->sock, buf, len, 0);
	free(buf);
	zmq_pollitem_t it = {k->sock, 0, ZMQ_POLLIN, 0};
	if (zmq_poll(&it, 1, ANSWER_MS) <= 0) {
		fail(EXIT_REFUSED, "the member's node at %s did not answer within %d s",
		     k->h->endpoint, ANSWER_MS / 1000);
		return NULL;
	}
	zmq_msg_t f[2];
	int n = 0, more = 1;
	while (more) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, k->sock, 0) < 0) {
			zmq_msg_close(&m);
			break;
		}
		more = zmq_msg_more(&m);
		if (n < 2)
			f[n++] = m;
		else
			zmq_msg_close(&m);
	}
	Mutua__StaffReply *r = NULL;
	if (n == 2 && zmq_msg_size(&f[0]) == 5 && memcmp(zmq_msg_data(&f[0]), "ERROR", 5) == 0) {
		size_t l = zmq_msg_size(&f[1]);
		fail(EXIT_REFUSED, "the member's node refused: %.*s", (int)(l > 300 ? 300 : l),
		     (const char *)zmq_msg_data(&f[1]));
	} else if (n == 2 && zmq_msg_size(&f[0]) == 10 &&
		   memcmp(zmq_msg_data(&f[0]), "STAFFREPLY", 10) == 0 &&
		   (r = mutua__staff_reply__unpack(NULL, zmq_msg_size(&f[1]), zmq_msg_data(&f[1])))) {
		/* taken */
	} else {
		fail(EXIT_REFUSED, "the member's node sent an answer this mutua cannot read");
	}
	for (int i = 0; i < n; i++)
		zmq_msg_close(&f[i]);
	return r;
}

/* The request's arguments: --out FILE becomes --out mutua.out (written
 * here afterwards), --photo FILE and a card file are sent with it. */
struct files {
	Mutua__StaffFile f[FILES_MAX], *fp[FILES_MAX];
	char names[FILES_MAX][16];
	uint8_t *data[FILES_MAX];
	size_t n;
	const char *out; /* where --out asked to write */
	char *args[ARGS_MAX];
	char *owned[ARGS_MAX];
};

static int send_file(struct files *fs, char **slot, const char *path, const char *prefix)
{
	size_t len;
	if (fs->n == FILES_MAX)
		return fail(EXIT_USAGE, "at most %d files per command", FILES_MAX);
	uint8_t *d = file_read(path, FILE_MAX, &len);
	if (!d)
		return fail_err(EXIT_REFUSED, NULL);
	size_t i = fs->n++;
	snprintf(fs->names[i], sizeof fs->names[i], "file%zu", i);
	Mutua__StaffFile init = MUTUA__STAFF_FILE__INIT;
	fs->f[i] = init;
	fs->f[i].name = fs->names[i];
	fs->f[i].data.data = d;
	fs->f[i].data.len = len;
	fs->fp[i] = &fs->f[i];
	fs->data[i] = d;
	size_t pl = strlen(prefix);
	char *a = malloc(pl + sizeof fs->names[i]);
	if (!a)
		return fail(EXIT_REFUSED, "out of memory");
	sprintf(a, "%s%s", prefix, fs->names[i]);
	*slot = a;
	return EXIT_OK;
}

static int rewrite_args(struct files *fs, int argc, char **argv)
{
	int card_cmd = (argc > 1 && strcmp(argv[0], "staff") == 0 && strcmp(argv[1], "add") == 0) ||
		       (argc > 1 && strcmp(argv[0], "propose") == 0 &&
			(strcmp(argv[1], "admit") == 0 || strcmp(argv[1], "rekey") == 0));
	if (argc > ARGS_MAX)
		return fail(EXIT_USAGE, "too many arguments");
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		fs->args[i] = argv[i];
		if ((strcmp(a, "--out") == 0 || strcmp(a, "--photo") == 0) && i + 1 < argc) {
			fs->args[i + 1] = argv[i + 1];
			if (strcmp(a, "--out") == 0) {
				fs->out = argv[i + 1];
				fs->args[i + 1] = "mutua.out";
			} else if (send_file(fs, &fs->args[i + 1], argv[i + 1], "")) {
				return EXIT_REFUSED;
			} else {
				fs->owned[i + 1] = fs->args[i + 1];
			}
			i++;
		} else if (strncmp(a, "--out=", 6) == 0) {
			fs->out = a + 6;
			fs->args[i] = "--out=mutua.out";
		} else if (strncmp(a, "--photo=", 8) == 0) {
			if (send_file(fs, &fs->args[i], a + 8, "--photo="))
				return EXIT_REFUSED;
			fs->owned[i] = fs->args[i];
		} else if (card_cmd && i >= 2 && a[0] != '-' &&
			   (argv[i - 1][0] != '-' || strchr(argv[i - 1], '=') || i == 2)) {
			struct stat st;
			if (stat(a, &st) == 0 && S_ISREG(st.st_mode)) {
				if (send_file(fs, &fs->args[i], a, ""))
					return EXIT_REFUSED;
				fs->owned[i] = fs->args[i];
			}
		}
	}
	return EXIT_OK;
}

static void files_free(struct files *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->data[i]);
	for (int i = 0; i < ARGS_MAX; i++)
		free(fs->owned[i]);
}

/* Prints the command's outputs as if it ran here; its status. */
static int show(const Mutua__StaffReply *r, const char *out_path)
{
	if (r->has_out && r->out.len)
		fwrite(r->out.data, 1, r->out.len, stdout);
	/* the node's messages name the file it wrote: here, the one asked */
	const uint8_t *e = r->err.data, *end = e + (r->has_err ? r->err.len : 0), *hit;
	static const char name[] = "mutua.out";
	while (out_path && e < end &&
	       (hit = memmem(e, (size_t)(end - e), name, sizeof name - 1))) {
		fwrite(e, 1, (size_t)(hit - e), stderr);
		fputs(out_path, stderr);
		e = hit + sizeof name - 1;
	}
	if (e < end)
		fwrite(e, 1, (size_t)(end - e), stderr);
	fflush(stdout);
	if (out_path && r->has_file && r->status == 0 &&
	    file_write_atomic(out_path, r->file.data, r->file.len, 0644))
		return fail_err(EXIT_REFUSED, NULL);
	return r->status >= 0 && r->status <= 255 ? r->status : EXIT_REFUSED;
}

static const char *env_first(const char *const *names)
{
	for (; *names; names++) {
		const char *v = getenv(*names);
		if (v && *v)
			return v;
	}
	return NULL;
}

int cmd_staff_remote(struct ctx *c, int argc, char **argv)
{
	struct staff_home h;
	struct files fs = {0};
	struct conn k = {0};
	struct key *key = NULL;
	char *pass = NULL, *kp = cli_path(c, STAFF_KEY_FILE);
	Mutua__StaffReply *r = NULL, *r2 = NULL;
	Mutua__StaffSig *sigs = NULL, **sigp = NULL;
	uint8_t (*sigbuf)[64] = NULL;
	int rc = EXIT_REFUSED;
	if (staff_home_load(c->home, &h)) {
		fail_err(EXIT_REFUSED, NULL);
		goto out;
	}
	if (!h.has_xkey || !h.endpoint[0]) {
		fail(EXIT_REFUSED, "this staff home names no node yet: run 'mutua --home %s staff init "
				   "--invitation LINE' with the line the member sent you", c->home);
		goto out;
	}
	int sealed = key_file_sealed(kp);
	if (sealed < 0 || (sealed && !(pass = cli_passphrase())) || !(key = key_load(kp, pass))) {
		fail_err(EXIT_REFUSED, sealed > 0 && !pass ? "a passphrase is needed (MUTUA_PASSPHRASE)"
							   : NULL);
		goto out;
	}
	if ((rc = rewrite_args(&fs, argc, argv)))
		goto out;
	static const char *const langs[] = {"LC_ALL", "LC_MESSAGES", "LANG", NULL};
	static const char *const tzs[] = {"TZ", NULL};
	Mutua__StaffRequest q = MUTUA__STAFF_REQUEST__INIT;
	q.mode = 1;
	q.args = fs.args;
	q.n_args = (size_t)argc;
	q.has_json = 1;
	q.json = c->json;
	q.lang = (char *)env_first(langs);
	q.tz = (char *)env_first(tzs);
	q.files = fs.fp;
	q.n_files = fs.n;
	rc = EXIT_REFUSED;
	if (conn_open(&k, &h, key) || !(r = exchange(&k, &q)))
		goto out;
	if (r->n_bodies == 0 || r->status != 0) {
		rc = show(r, fs.out);
		goto out;
	}
	/* sign what the node would append, body by body */
	if (!r->has_delegation || r->delegation.len != 32) {
		fail(EXIT_REFUSED, "the member's node named no delegation to act under");
		goto out;
	}
	sigs = calloc(r->n_bodies, sizeof *sigs);
	sigp = calloc(r->n_bodies, sizeof *sigp);
	sigbuf = calloc(r->n_bodies, sizeof *sigbuf);
	if (!sigs || !sigp || !sigbuf) {
		fail(EXIT_REFUSED, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->n_bodies; i++) {
		Mutua__Body *b = mutua__body__unpack(NULL, r->bodies[i].len, r->bodies[i].data);
		if (!b || b->federation.len != 32 || b->author.len != 32 ||
		    (h.has_fed && memcmp(b->federation.data, h.fed, 32) != 0) ||
		    (h.has_member && b->payload_case == MUTUA__BODY__PAYLOAD__NOT_SET)) {
			if (b)
				mutua__body__free_unpacked(b, NULL);
			fail(EXIT_REFUSED, "the member's node asked to sign an entry of another "
					   "federation, or a malformed one: nothing signed");
			goto out;
		}
		if (!h.has_fed) { /* --node and --server-key named no federation */
			memcpy(h.fed, b->federation.data, 32);
			h.has_fed = 1;
			staff_home_save(c->home, &h);
		}
		uint64_t nonce = 0;
		while (nonce == 0)
			randombytes_buf(&nonce, sizeof nonce);
		Mutua__StaffAct act;
		int bad = staff_act_sign(b, key, r->delegation.data, nonce, &act, sigbuf[i]);
		b->staff = NULL;
		mutua__body__free_unpacked(b, NULL);
		if (bad) {
			fail_err(EXIT_REFUSED, "sign");
			goto out;
		}
		Mutua__StaffSig init = MUTUA__STAFF_SIG__INIT;
		sigs[i] = init;
		sigs[i].nonce = nonce;
		sigs[i].sig.data = sigbuf[i];
		sigs[i].sig.len = 64;
		sigp[i] = &sigs[i];
	}
	q.mode = 2;
	q.sigs = sigp;
	q.n_sigs = r->n_bodies;
	if (!(r2 = exchange(&k, &q)))
		goto out;
	rc = show(r2, fs.out);
out:
	if (r)
		mutua__staff_reply__free_unpacked(r, NULL);
	if (r2)
		mutua__staff_reply__free_unpacked(r2, NULL);
	free(sigs);
	free(sigp);
	free(sigbuf);
	conn_close(&k);
	files_free(&fs);
	key_destroy(&key);
	sodium_free(pass);
	free(kp);
	return rc;
}
