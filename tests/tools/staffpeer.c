/* staffpeer.c - test tool: a staff client gone bad (node/staffd.h).
 *
 * Usage: staffpeer STAFFHOME MODE [ARGS...]
 *
 * Connects to the node a staff home names (staff.conf; its key file
 * staff.key, unsealed) with the staff key, over CURVE, and:
 *
 *   hello          says HELLO as a node would (replication): prints the
 *                  node's answer
 *   garbage        a STAFF without its request, a request of random
 *                  bytes, one of three frames, one larger than the bound,
 *                  a command outside the whitelist, --home, a path on the
 *                  node; then a proper read ("id"): prints each answer
 *   flood N        N reads sent at once on one connection: prints how many
 *                  were answered and how many refused ("too many requests")
 *   replay ARGS... runs ARGS as a staff command (prepare, sign, commit),
 *                  then sends the very same commit again: prints both
 *                  statuses and the second one's error
 *   keep SECONDS   one read every 200 ms on one connection until refused
 *                  or SECONDS pass: prints "refused AT_MS TEXT" (wall
 *                  clock, ms) or "never refused"
 *
 * Every answer is one line "staffpeer: ..." on stdout; exit 0, 1 when it
 * cannot connect, 2 on usage.
 */
#include "entry.h"
#include "file.h"
#include "hex.h"
#include "keys.h"
#include "staff.h"
#include "staffnet.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

static uint8_t fed[32], xkey[32];
static char endpoint[1100];
static struct key *key;
static void *ctx, *sock;

static int load(const char *home)
{
	char path[4200], line[1024];
	snprintf(path, sizeof path, "%s/staff.conf", home);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (strncmp(line, "endpoint=", 9) == 0)
			snprintf(endpoint, sizeof endpoint, "%s", line + 9);
		else if (strncmp(line, "federation=", 11) == 0)
			hex_decode(fed, 32, line + 11);
		else if (strncmp(line, "server_key=", 11) == 0)
			hex_decode(xkey, 32, line + 11);
	}
	fclose(f);
	snprintf(path, sizeof path, "%s/staff.key", home);
	return (key = key_load(path, NULL)) ? 0 : -1;
}

static void dial(void)
{
	int zero = 0;
	if (sock)
		zmq_close(sock);
	sock = zmq_socket(ctx, ZMQ_DEALER);
	zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, xkey, 32);
	zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, key->xpk, 32);
	zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, key->xsk, 32);
	zmq_connect(sock, endpoint);
}

static void send_frames(int n, const void *const *b, const size_t *l)
{
	for (int i = 0; i < n; i++)
		zmq_send(sock, b[i], l[i], i + 1 < n ? ZMQ_SNDMORE : 0);
}

/* One answer: the command into cmd, the data (malloc'd) into *data. 0, or
 * -1 after ms without one. */
static int answer(int ms, char cmd[16], uint8_t **data, size_t *len)
{
	zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
	*data = NULL;
	*len = 0;
	cmd[0] = 0;
	if (zmq_poll(&it, 1, ms) <= 0)
		return -1;
	int n = 0, more = 1;
	while (more) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, sock, 0) < 0)
			return -1;
		more = zmq_msg_more(&m);
		if (n == 0)
			snprintf(cmd, 16, "%.*s", (int)(zmq_msg_size(&m) < 15 ? zmq_msg_size(&m) : 15),
				 (char *)zmq_msg_data(&m));
		else if (n == 1 && (*data = malloc(zmq_msg_size(&m) + 1))) {
			memcpy(*data, zmq_msg_data(&m), zmq_msg_size(&m));
			(*data)[zmq_msg_size(&m)] = 0;
			*len = zmq_msg_size(&m);
		}
		n++;
		zmq_msg_close(&m);
	}
	return 0;
}

static uint8_t *pack_req(int mode, char **args, size_t nargs, Mutua__StaffSig **sigs,
			 size_t nsigs, size_t *len)
{
	Mutua__StaffRequest q = MUTUA__STAFF_REQUEST__INIT;
	q.mode = (uint32_t)mode;
	q.args = args;
	q.n_args = nargs;
	q.sigs = sigs;
	q.n_sigs = nsigs;
	*len = mutua__staff_request__get_packed_size(&q);
	uint8_t *b = malloc(*len + 1);
	mutua__staff_request__pack(&q, b);
	return b;
}

/* Sends one request, prints and returns the answer's status (-1 ERROR or
 * none); the reply (to free) into *out when asked. */
static int request(const char *label, uint8_t *req, size_t len, Mutua__StaffReply **out)
{
	char cmd[16];
	uint8_t *data;
	size_t dl;
	const void *b[] = {"STAFF", req};
	size_t l[] = {5, len};
	send_frames(2, b, l);
	if (answer(10000, cmd, &data, &dl)) {
		printf("staffpeer: %s: no answer\n", label);
		return -1;
	}
	int st = -1;
	if (strcmp(cmd, "STAFFREPLY") == 0) {
		Mutua__StaffReply *r = mutua__staff_reply__unpack(NULL, dl, data);
		st = r ? r->status : -1;
		int el = 0;
		if (r && r->err.len)
			while ((size_t)el < r->err.len && r->err.data[el] != '\n')
				el++;
		printf("staffpeer: %s: status %d %.*s\n", label, st, el,
		       el ? (char *)r->err.data : "");
		if (out)
			*out = r;
		else if (r)
			mutua__staff_reply__free_unpacked(r, NULL);
	} else {
		printf("staffpeer: %s: %s %s\n", label, cmd, data ? (char *)data : "");
	}
	free(data);
	fflush(stdout);
	return st;
}

static void raw(const char *label, int n, const void *const *b, const size_t *l)
{
	char cmd[16];
	uint8_t *data;
	size_t dl;
	send_frames(n, b, l);
	if (answer(5000, cmd, &data, &dl))
		printf("staffpeer: %s: no answer\n", label);
	else
		printf("staffpeer: %s: %s %.200s\n", label, cmd,
		       data && strcmp(cmd, "ERROR") == 0 ? (char *)data : "");
	free(data);
}

static int mode_garbage(void)
{
	uint8_t junk[300], *big = calloc(1, STAFF_REQUEST_MAX + 10);
	randombytes_buf(junk, sizeof junk);
	size_t len;
	{
		const void *b[] = {"STAFF"};
		size_t l[] = {5};
		raw("alone", 1, b, l);
	}
	{
		const void *b[] = {"STAFF", junk};
		size_t l[] = {5, sizeof junk};
		raw("random", 2, b, l);
	}
	{
		const void *b[] = {"STAFF", junk, junk};
		size_t l[] = {5, 10, 10};
		raw("three", 3, b, l);
	}
	{
		const void *b[] = {"STAFF", big};
		size_t l[] = {5, STAFF_REQUEST_MAX + 10};
		raw("oversize", 2, b, l);
	}
	char *a1[] = {"federation", "show"}, *a2[] = {"offer", "list", "--home", "/tmp"},
	     *a3[] = {"staff", "add", "/etc/passwd", "--name", "x", "--role", "admin"},
	     *a4[] = {"id"};
	uint8_t *r;
	r = pack_req(1, a1, 2, NULL, 0, &len), request("whitelist", r, len, NULL), free(r);
	r = pack_req(1, a2, 4, NULL, 0, &len), request("home", r, len, NULL), free(r);
	r = pack_req(1, a3, 7, NULL, 0, &len), request("path", r, len, NULL), free(r);
	r = pack_req(3, a4, 1, NULL, 0, &len), request("mode", r, len, NULL), free(r);
	r = pack_req(1, a4, 1, NULL, 0, &len), request("after", r, len, NULL), free(r);
	free(big);
	return 0;
}

static int mode_flood(int n)
{
	char *a[] = {"id"};
	size_t len;
	uint8_t *r = pack_req(1, a, 1, NULL, 0, &len);
	const void *b[] = {"STAFF", r};
	size_t l[] = {5, len};
	for (int i = 0; i < n; i++)
		send_frames(2, b, l);
	int ok = 0, refused = 0, other = 0;
	char cmd[16], last[200] = "";
	uint8_t *data;
	size_t dl;
	for (int i = 0; i < n; i++) {
		if (answer(20000, cmd, &data, &dl))
			break;
		if (strcmp(cmd, "STAFFREPLY") == 0)
			ok++;
		else if (data && strstr((char *)data, "too many requests")) {
			refused++;
			snprintf(last, sizeof last, "%s", (char *)data);
		} else
			other++;
		free(data);
	}
	free(r);
	printf("staffpeer: flood %d: answered %d, refused %d (%s), other %d\n", n, ok, refused,
	       last, other);
	return 0;
}

static int mode_replay(char **args, int nargs)
{
	size_t len;
	Mutua__StaffReply *p = NULL;
	uint8_t *r = pack_req(1, args, (size_t)nargs, NULL, 0, &len);
	request("prepare", r, len, &p);
	free(r);
	if (!p || !p->n_bodies || p->delegation.len != 32) {
		printf("staffpeer: nothing to sign\n");
		return 0;
	}
	Mutua__StaffSig s[16], *sp[16];
	uint8_t sig[16][64];
	size_t n = p->n_bodies < 16 ? p->n_bodies : 16;
	for (size_t i = 0; i < n; i++) {
		Mutua__Body *b = mutua__body__unpack(NULL, p->bodies[i].len, p->bodies[i].data);
		Mutua__StaffAct act;
		uint64_t nonce = 0;
		while (!nonce)
			randombytes_buf(&nonce, sizeof nonce);
		staff_act_sign(b, key, p->delegation.data, nonce, &act, sig[i]);
		b->staff = NULL;
		mutua__body__free_unpacked(b, NULL);
		Mutua__StaffSig init = MUTUA__STAFF_SIG__INIT;
		s[i] = init;
		s[i].nonce = nonce;
		s[i].sig.data = sig[i];
		s[i].sig.len = 64;
		sp[i] = &s[i];
	}
	r = pack_req(2, args, (size_t)nargs, sp, n, &len);
	request("commit", r, len, NULL);
	request("replay", r, len, NULL);
	free(r);
	mutua__staff_reply__free_unpacked(p, NULL);
	return 0;
}

static int mode_keep(int seconds)
{
	char *a[] = {"id"};
	size_t len;
	uint8_t *r = pack_req(1, a, 1, NULL, 0, &len);
	int64_t end = clock_now_ms() + seconds * 1000LL;
	const void *b[] = {"STAFF", r};
	size_t l[] = {5, len};
	while (clock_now_ms() < end) {
		char cmd[16];
		uint8_t *data;
		size_t dl;
		send_frames(2, b, l);
		if (answer(5000, cmd, &data, &dl) == 0 && strcmp(cmd, "ERROR") == 0) {
			printf("staffpeer: refused %lld %s\n", (long long)clock_now_ms(),
			       data ? (char *)data : "");
			free(data);
			free(r);
			return 0;
		}
		free(data);
		usleep(200000);
	}
	free(r);
	printf("staffpeer: never refused\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return fprintf(stderr, "usage: staffpeer STAFFHOME MODE [ARGS...]\n"), 2;
	if (sodium_init() < 0 || load(argv[1]))
		return fprintf(stderr, "staffpeer: cannot load %s\n", argv[1]), 1;
	ctx = zmq_ctx_new();
	dial();
	const char *mode = argv[2];
	int rc = 2;
	if (strcmp(mode, "hello") == 0) {
		const void *b[] = {"HELLO", fed, ""};
		size_t l[] = {5, 32, 0};
		raw("hello", 3, b, l);
		rc = 0;
	} else if (strcmp(mode, "garbage") == 0) {
		rc = mode_garbage();
	} else if (strcmp(mode, "flood") == 0 && argc == 4) {
		rc = mode_flood(atoi(argv[3]));
	} else if (strcmp(mode, "replay") == 0 && argc > 3) {
		rc = mode_replay(argv + 3, argc - 3);
	} else if (strcmp(mode, "keep") == 0 && argc == 4) {
		rc = mode_keep(atoi(argv[3]));
	}
	zmq_close(sock);
	zmq_ctx_term(ctx);
	key_destroy(&key);
	return rc;
}
