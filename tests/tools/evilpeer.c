/* evilpeer.c - test tool: a member's node gone bad.
 *
 * Usage: evilpeer HOME ENDPOINT MODE [MEMBER]
 *
 * Connects to the node listening at ENDPOINT as the member of HOME (its
 * real keys, so the node's ZAP handler admits it), with a CURVE DEALER set
 * up like the node's own sockets (socket_common in node/sync.c). The
 * node's transport key is that of MEMBER (an id or a prefix of 6+ hex
 * digits) or, without MEMBER, of the member publishing ENDPOINT in HOME's
 * store. It says HELLO (wire.h), then misbehaves according to MODE:
 *
 *   garbage   random frames, unknown commands, wrong frame counts, frames
 *             of the wrong size, a hello for another federation, a
 *             message on a second connection that never said hello; then
 *             checks that the node still answers a proper GET
 *   oversize  one frame larger than WIRE_MSG_MAX (ZMQ_MAXMSGSIZE must make
 *             the node drop the connection)
 *   forged    an ENTRIES frame extending another member's feed at the
 *             node's head, correctly chained but signed with our key; and
 *             one entry of our own feed, well signed, naming another
 *             federation. Prints "forged ID" and "wrongfed ID"
 *   badheads  heads frames of a size not a multiple of 72, with seq 0,
 *             with seq above 2^63, listing too many feeds, and a valid
 *             frame claiming a member's feed far beyond its real head
 *   flood     thousands of GETs of whole batches, never reading a reply
 *   frames    one message of EVILPEER_FRAMES (default 4000001) empty
 *             frames: libzmq buffers a message whole before the node sees
 *             any of it, and ZMQ_MAXMSGSIZE bounds a frame, not a message
 *   delta     the comparison of heads (wire.h: SUM, SAME, DIFF, DELTA):
 *             says SUM of the node's own heads (answered SAME), waits
 *             for the node to announce a new entry (a PUSH or HEADS),
 *             which it does not take, says SUM of the heads it holds
 *             (the node's former ones) and prints how many heads the
 *             node's DIFF carries and whether its digest checks; answers
 *             with a DELTA of its own; then a DELTA whose digest is false
 *             (what it told before is wrong), which the node must answer
 *             with a HELLO of all its heads. Prints "delta ..." lines
 *   silent    EVILPEER_CONNS (default 3000) TCP connections to ENDPOINT
 *             that never say a word (no key needed), reopened as the node
 *             closes them; prints how many it held open and how many the
 *             node closed
 *
 * It runs for EVILPEER_MS milliseconds (default 2000) in all, prints what
 * it did and saw on stdout, one "evilpeer: ..." line each, and exits 0;
 * 1 when it cannot connect or the node refuses its key, 2 on usage.
 */
#include "entry.h"
#include "keys.h"
#include "store.h"
#include "store_int.h"
#include "util.h"
#include "wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

#define FRAMES_MAX 16

static void *ctx;
static struct store *st;
static struct key *me;
static uint8_t server_key[32];
static int64_t deadline;
static int mon_seq;

/* the node's heads, from its answer to our HELLO */
static struct wire_head *heads;
static size_t nheads;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("evilpeer: ", stdout);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void set_int(void *s, int opt, int v)
{
	if (zmq_setsockopt(s, opt, &v, sizeof v))
		fprintf(stderr, "evilpeer: option %d: %s\n", opt, zmq_strerror(errno));
}

/* The options of socket_common (node/sync.c), as a client. */
static void *dealer(const char *endpoint, int hwm, void **mon)
{
	void *s = zmq_socket(ctx, ZMQ_DEALER);
	int64_t maxmsg = WIRE_MSG_MAX;
	char monep[64];
	set_int(s, ZMQ_ZAP_ENFORCE_DOMAIN, 1);
	zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, "mutua", 5);
	zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
	set_int(s, ZMQ_SNDHWM, hwm);
	set_int(s, ZMQ_RCVHWM, hwm);
	set_int(s, ZMQ_LINGER, 0);
	set_int(s, ZMQ_HEARTBEAT_IVL, 5000);
	set_int(s, ZMQ_HEARTBEAT_TIMEOUT, 15000);
	set_int(s, ZMQ_HEARTBEAT_TTL, 20000);
	set_int(s, ZMQ_HANDSHAKE_IVL, 5000);
	set_int(s, ZMQ_RECONNECT_IVL, 100);
	set_int(s, ZMQ_RECONNECT_IVL_MAX, 5000);
	zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, me->xsk, 32);
	zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, me->xpk, 32);
	zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server_key, 32);
	snprintf(monep, sizeof monep, "inproc://evil-monitor-%d", mon_seq++);
	zmq_socket_monitor(s, monep, ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
				     ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
				     ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
				     ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
	*mon = zmq_socket(ctx, ZMQ_PAIR);
	zmq_connect(*mon, monep);
	if (zmq_connect(s, endpoint)) {
		fprintf(stderr, "evilpeer: cannot connect to %s: %s\n", endpoint,
			zmq_strerror(errno));
		exit(1);
	}
	return s;
}

/* The next monitor event within ms, or 0. */
static int next_event(void *mon, int ms)
{
	zmq_pollitem_t it = {mon, 0, ZMQ_POLLIN, 0};
	if (zmq_poll(&it, 1, ms) <= 0)
		return 0;
	zmq_msg_t m;
	uint16_t ev = 0;
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, mon, 0) >= 6)
		memcpy(&ev, zmq_msg_data(&m), 2);
	int more = zmq_msg_more(&m);
	zmq_msg_close(&m);
	while (more) { /* the endpoint frame */
		zmq_msg_init(&m);
		zmq_msg_recv(&m, mon, 0);
		more = zmq_msg_more(&m);
		zmq_msg_close(&m);
	}
	return ev;
}

static int send_msg(void *s, int flags, int n, ...)
{
	va_list ap;
	int rc = 0;
	va_start(ap, n);
	for (int i = 0; i < n && rc == 0; i++) {
		const void *b = va_arg(ap, const void *);
		size_t l = va_arg(ap, size_t);
		if (zmq_send(s, b, l, flags | (i < n - 1 ? ZMQ_SNDMORE : 0)) < 0)
			rc = -1;
	}
	va_end(ap);
	return rc;
}

/* Receives one message within ms: frames in f (at most FRAMES_MAX kept),
 * their number returned, 0 when none came. */
static int recv_msg(void *s, zmq_msg_t *f, int ms)
{
	zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
	if (zmq_poll(&it, 1, ms) <= 0)
		return 0;
	int n = 0, more = 1;
	while (more) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, s, 0) < 0) {
			zmq_msg_close(&m);
			break;
		}
		more = zmq_msg_more(&m);
		if (n < FRAMES_MAX)
			f[n++] = m;
		else
			zmq_msg_close(&m);
	}
	return n;
}

static void close_msg(zmq_msg_t *f, int n)
{
	for (int i = 0; i < n; i++)
		zmq_msg_close(&f[i]);
}

static int is_cmd(zmq_msg_t *m, const char *cmd)
{
	return zmq_msg_size(m) == strlen(cmd) && memcmp(zmq_msg_data(m), cmd, strlen(cmd)) == 0;
}

static int64_t left_ms(void)
{
	int64_t l = deadline - clock_now_ms();
	return l > 0 ? l : 0;
}

/* Waits for a message whose command is cmd, within ms; counts the rest. */
static int await(void *s, const char *cmd, int ms, int *others)
{
	int64_t until = clock_now_ms() + ms;
	zmq_msg_t f[FRAMES_MAX];
	while (clock_now_ms() < until) {
		int n = recv_msg(s, f, (int)(until - clock_now_ms()));
		if (n == 0)
			continue;
		int hit = is_cmd(&f[0], cmd);
		if (hit && strcmp(cmd, "HEADS") == 0 && n == 2 && !heads) {
			size_t len = zmq_msg_size(&f[1]);
			heads = calloc(len / WIRE_HEAD_SIZE + 1, sizeof *heads);
			if (wire_heads_parse(zmq_msg_data(&f[1]), len, heads, WIRE_HEADS_MAX,
					     &nheads))
				nheads = 0;
		}
		if (!hit && others)
			++*others;
		close_msg(f, n);
		if (hit)
			return 1;
	}
	return 0;
}

static void random_bytes(uint8_t *p, size_t n)
{
	randombytes_buf(p, n);
}

static const struct wire_head *node_head(const uint8_t *author)
{
	for (size_t i = 0; i < nheads; i++)
		if (memcmp(heads[i].author, author, 32) == 0)
			return &heads[i];
	return NULL;
}

/* The link (entry_link) of the node's head of the feed h, asked of the
 * node with a GET, so that a forged entry is linked as format 2 links and
 * only its signature is wrong; h's id when the node does not answer. */
static uint8_t head_link[32];

static void fetch_head_link(void *s, const struct wire_head *h)
{
	struct wire_get g = {.from = h->seq, .count = 1};
	uint8_t get[WIRE_GET_SIZE];
	zmq_msg_t f[FRAMES_MAX];
	memcpy(head_link, h->id, 32);
	memcpy(g.author, h->author, 32);
	wire_get_put(get, &g);
	if (send_msg(s, 0, 2, "GET", (size_t)3, get, (size_t)WIRE_GET_SIZE))
		return;
	int64_t until = clock_now_ms() + 1000;
	while (clock_now_ms() < until) {
		int n = recv_msg(s, f, (int)(until - clock_now_ms()));
		if (n == 3 && is_cmd(&f[0], "ENTRIES")) {
			struct raw_entry v[4];
			size_t nv = 0;
			struct entry e;
			if (wire_pack_parse(zmq_msg_data(&f[2]), zmq_msg_size(&f[2]), v, 4, &nv) == 0 &&
			    nv >= 1 &&
			    entry_decode(&e, v[0].body, v[0].body_len, v[0].sig, v[0].sig_len) == 0) {
				if (e.b->seq == h->seq && memcmp(e.id, h->id, 32) == 0)
					entry_link(head_link, e.id, e.sig);
				entry_free(&e);
			}
			close_msg(f, n);
			return;
		}
		if (n > 0)
			close_msg(f, n);
	}
}

/* An offer entry of author at the node's head + 1, signed with our key,
 * for federation fed: its packed form (4-byte length, body, sig) in out. */
static size_t make_entry(uint8_t *out, size_t cap, const uint8_t *author,
			 const uint8_t *fed, uint8_t id[32])
{
	Mutua__Offer o = MUTUA__OFFER__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	struct entry e;
	const struct wire_head *h = node_head(author);
	size_t len = 0;
	o.kind = MUTUA__KIND__KIND_OTHER;
	o.title = "Forged offer";
	o.unit = MUTUA__UNIT__UNIT_DAY;
	o.capacity = 1;
	b.federation.data = (uint8_t *)fed;
	b.federation.len = 32;
	b.author.data = (uint8_t *)author;
	b.author.len = 32;
	b.seq = h ? h->seq + 1 : 1;
	b.has_prev = h != NULL;
	b.prev.data = h ? head_link : NULL;
	b.prev.len = h ? 32 : 0;
	b.time = clock_now_ms();
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	/* entry_seal signs with our key whatever the author says */
	if (entry_seal(&e, me, &b)) {
		fprintf(stderr, "evilpeer: %s\n", err_msg());
		exit(1);
	}
	memcpy(id, e.id, 32);
	wire_pack_add(out, cap, &len, e.body, e.body_len, e.sig);
	entry_free(&e);
	return len;
}

static void id_hex(char *hex, const uint8_t *id)
{
	hex_encode(hex, id, 32);
}

/* Waits for a message whose command is cmd (and n frames) within ms:
 * its frames in f, their number returned; 0 when none came. */
static int await_frames(void *s, const char *cmd, int n, zmq_msg_t *f, int ms)
{
	int64_t until = clock_now_ms() + ms;
	while (clock_now_ms() < until) {
		int got = recv_msg(s, f, (int)(until - clock_now_ms()));
		if (got == n && is_cmd(&f[0], cmd))
			return got;
		close_msg(f, got);
	}
	return 0;
}

static void mode_delta(void *s)
{
	zmq_msg_t f[FRAMES_MAX];
	uint8_t d[32], bad[32];
	int n;
	/* the node's heads are ours: SAME */
	wire_heads_digest(heads, nheads, d);
	send_msg(s, 0, 2, "SUM", (size_t)3, d, sizeof d);
	say("delta: sum of the node's own %zu heads answered %s", nheads,
	    await_frames(s, "SAME", 2, f, 3000) ? "SAME" : "nothing");
	close_msg(f, 2);
	/* the node announces a new entry, which we do not take */
	int64_t until = clock_now_ms() + (left_ms() > 4000 ? left_ms() - 4000 : 0);
	int seen = 0;
	while (!seen && clock_now_ms() < until) {
		n = recv_msg(s, f, (int)(until - clock_now_ms()));
		seen = n >= 2 && (is_cmd(&f[0], "PUSH") || is_cmd(&f[0], "HEADS"));
		close_msg(f, n);
	}
	say("delta: a new entry %s", seen ? "announced" : "never announced");
	/* our heads (the node's former ones) differ from its own now: a DIFF
	 * of only what differs from what we told it, and its digest */
	send_msg(s, 0, 2, "SUM", (size_t)3, d, sizeof d);
	if (!await_frames(s, "DIFF", 3, f, 3000)) {
		say("delta: sum not answered by a DIFF");
		return;
	}
	size_t len = zmq_msg_size(&f[2]), nd = 0;
	struct wire_head *dh = calloc(len / WIRE_HEAD_SIZE + 1, sizeof *dh);
	struct wire_head *view = calloc(nheads + len / WIRE_HEAD_SIZE + 1, sizeof *view);
	size_t nv = nheads;
	if (!dh || !view || zmq_msg_size(&f[1]) != 32 ||
	    wire_heads_parse(zmq_msg_data(&f[2]), len, dh, WIRE_HEADS_MAX, &nd)) {
		say("delta: bad DIFF");
		return;
	}
	/* merge into what we know of the node (in the order of the authors)
	 * and check its digest, as a node does */
	memcpy(view, heads, nheads * sizeof *view);
	for (size_t i = 0; i < nd; i++) {
		size_t at = 0;
		while (at < nv && memcmp(view[at].author, dh[i].author, 32) < 0)
			at++;
		if (at < nv && memcmp(view[at].author, dh[i].author, 32) == 0) {
			view[at] = dh[i];
			continue;
		}
		memmove(&view[at + 1], &view[at], (nv - at) * sizeof *view);
		view[at] = dh[i];
		nv++;
	}
	uint8_t check[32];
	wire_heads_digest(view, nv, check);
	say("delta: DIFF of %zu head(s) of %zu; digest %s", nd, nv,
	    memcmp(check, zmq_msg_data(&f[1]), 32) == 0 ? "checks" : "does not check");
	close_msg(f, 3);
	/* our answer: the heads of ours that differ from the node's, which are
	 * its former heads of the feeds that moved */
	uint8_t *frame = calloc(nd + 1, WIRE_HEAD_SIZE);
	size_t fl = 0;
	for (size_t i = 0; i < nd; i++) {
		const struct wire_head *h = node_head(dh[i].author);
		if (h)
			wire_head_put(frame + WIRE_HEAD_SIZE * fl++, h);
	}
	send_msg(s, 0, 3, "DELTA", (size_t)5, d, sizeof d, frame, fl * WIRE_HEAD_SIZE);
	/* and the node's view of us is right: the same SUM, the same DIFF */
	send_msg(s, 0, 2, "SUM", (size_t)3, d, sizeof d);
	n = await_frames(s, "DIFF", 3, f, 3000);
	say("delta: after our DELTA, a sum answered by a DIFF of %zu head(s)",
	    n ? zmq_msg_size(&f[2]) / WIRE_HEAD_SIZE : (size_t)0);
	close_msg(f, n);
	/* a DELTA whose digest is not that of what we told: the node must not
	 * believe it, but ask for all our heads */
	memcpy(bad, d, 32);
	bad[0] ^= 1;
	send_msg(s, 0, 3, "DELTA", (size_t)5, bad, sizeof bad, "", (size_t)0);
	n = await_frames(s, "HELLO", 3, f, 3000);
	say("delta: a false DELTA answered by %s", n ? "a HELLO" : "nothing");
	if (n) {
		say("delta: the HELLO carries all %zu heads", zmq_msg_size(&f[2]) / WIRE_HEAD_SIZE);
		close_msg(f, n);
		/* our heads in full, as a node answers a HELLO */
		uint8_t *all = calloc(nheads + 1, WIRE_HEAD_SIZE);
		for (size_t i = 0; i < nheads; i++)
			wire_head_put(all + WIRE_HEAD_SIZE * i, &heads[i]);
		send_msg(s, 0, 2, "HEADS", (size_t)5, all, nheads * WIRE_HEAD_SIZE);
		free(all);
		send_msg(s, 0, 2, "SUM", (size_t)3, d, sizeof d);
		n = await_frames(s, "DIFF", 3, f, 3000);
		say("delta: after the full exchange, a sum answered by a DIFF of %zu head(s)",
		    n ? zmq_msg_size(&f[2]) / WIRE_HEAD_SIZE : (size_t)0);
		close_msg(f, n);
	}
	free(frame);
	free(dh);
	free(view);
}

static void mode_garbage(void *s, const char *endpoint)
{
	uint8_t buf[512], get[WIRE_GET_SIZE];
	int sent = 0;
	for (int i = 0; i < 40; i++) { /* random frames, 1 to 5 of them */
		int n = 1 + (int)randombytes_uniform(5);
		for (int k = 0; k < n; k++) {
			size_t l = randombytes_uniform(200);
			random_bytes(buf, l);
			zmq_send(s, buf, l, k < n - 1 ? ZMQ_SNDMORE : 0);
		}
		sent++;
	}
	random_bytes(buf, sizeof buf);
	sent += !send_msg(s, 0, 2, "BOGUS", (size_t)5, buf, (size_t)10);
	sent += !send_msg(s, 0, 1, "", (size_t)0);
	sent += !send_msg(s, 0, 1, "HEADS", (size_t)5);
	sent += !send_msg(s, 0, 3, "HEADS", (size_t)5, buf, (size_t)72, buf, (size_t)72);
	sent += !send_msg(s, 0, 1, "GET", (size_t)3);
	sent += !send_msg(s, 0, 2, "GET", (size_t)3, buf, (size_t)43);
	sent += !send_msg(s, 0, 2, "ENTRIES", (size_t)7, buf, (size_t)32);
	sent += !send_msg(s, 0, 3, "ENTRIES", (size_t)7, buf, (size_t)31, buf, (size_t)10);
	sent += !send_msg(s, 0, 2, "FORK", (size_t)4, buf, (size_t)200);
	sent += !send_msg(s, 0, 2, "ERROR", (size_t)5, "\xff\xfe\x01 bad", (size_t)7);
	/* GETs of seq 0 and count 0 */
	memset(get, 0, sizeof get);
	memcpy(get, me->id, 32);
	sent += !send_msg(s, 0, 2, "GET", (size_t)3, get, sizeof get);
	wire_put_u64(get + 32, 1);
	sent += !send_msg(s, 0, 2, "GET", (size_t)3, get, sizeof get);
	/* entries frames: a body length of 0, of 4 GB, a truncated pack,
	 * random bytes where a body should be */
	uint8_t pack[600];
	memset(pack, 0, sizeof pack);
	sent += !send_msg(s, 0, 3, "ENTRIES", (size_t)7, me->id, (size_t)32, pack, (size_t)68);
	wire_put_u32(pack, 0xffffffffu);
	sent += !send_msg(s, 0, 3, "ENTRIES", (size_t)7, me->id, (size_t)32, pack, (size_t)100);
	wire_put_u32(pack, 500);
	sent += !send_msg(s, 0, 3, "ENTRIES", (size_t)7, me->id, (size_t)32, pack, (size_t)300);
	random_bytes(pack + 4, 500 + 64);
	wire_put_u32(pack, 500);
	sent += !send_msg(s, 0, 3, "ENTRIES", (size_t)7, me->id, (size_t)32, pack,
			  (size_t)(4 + 500 + 64));
	/* a hello for another federation */
	random_bytes(buf, 32);
	sent += !send_msg(s, 0, 3, "HELLO", (size_t)5, buf, (size_t)32, "", (size_t)0);
	say("garbage: sent %d bad messages", sent);

	/* a second connection that never says hello */
	void *mon2, *s2 = dealer(endpoint, 16, &mon2);
	if (next_event(mon2, 2000) == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
		memset(get, 0, sizeof get);
		memcpy(get, me->id, 32);
		wire_put_u64(get + 32, 1);
		wire_put_u32(get + 40, 1);
		send_msg(s2, 0, 2, "GET", (size_t)3, get, sizeof get);
		zmq_msg_t f[FRAMES_MAX];
		int n = recv_msg(s2, f, 300);
		say("no hello: %s", n ? "answered (wrong)" : "ignored");
		close_msg(f, n);
	}
	zmq_close(s2);
	zmq_close(mon2);

	/* and the node still serves a proper request on the first one */
	const uint8_t *target = nheads ? heads[0].author : me->id;
	memset(get, 0, sizeof get);
	memcpy(get, target, 32);
	wire_put_u64(get + 32, 1);
	wire_put_u32(get + 40, 1);
	send_msg(s, 0, 2, "GET", (size_t)3, get, sizeof get);
	int others = 0;
	say("after garbage the node %s", await(s, "ENTRIES", 1500, &others)
		? "still answers" : "does not answer");
	/* twenty frames: many more than any command has, a broken limit: the
	 * node says it refuses us for a while, and forgets us */
	for (int k = 0; k < 20; k++)
		zmq_send(s, "GET", 3, k < 19 ? ZMQ_SNDMORE : 0);
	say("twenty frames: the node %s", await(s, "ERROR", 1500, &others)
		? "refuses us for a while" : "says nothing");
}

static void mode_oversize(void *s, void *mon)
{
	size_t len = WIRE_MSG_MAX + 4096;
	uint8_t *big = malloc(len);
	if (!big)
		exit(1);
	random_bytes(big, len);
	int rc = send_msg(s, 0, 3, "ENTRIES", (size_t)7, me->id, (size_t)32, big, len);
	free(big);
	say("oversize: sent a frame of %zu bytes (limit %d)%s", len, WIRE_MSG_MAX,
	    rc ? " - send failed" : "");
	int64_t until = clock_now_ms() + left_ms();
	while (clock_now_ms() < until) {
		int ev = next_event(mon, (int)(until - clock_now_ms()));
		if (ev == ZMQ_EVENT_DISCONNECTED) {
			say("disconnected by the node");
			return;
		}
	}
	say("still connected (wrong)");
}

static void mode_forged(void *s)
{
	uint8_t pack[2048], id[32], fed[32];
	char hex[HEX_ID_LEN + 1];
	const uint8_t *victim = NULL;
	/* another member's feed the node holds: not ours, and preferably not
	 * the node's own (the honest third node's, in the tests) */
	for (size_t i = 0; i < nheads; i++) {
		if (memcmp(heads[i].author, me->id, 32) == 0)
			continue;
		if (!victim || heads[i].seq > node_head(victim)->seq)
			victim = heads[i].author;
	}
	if (!victim) {
		say("forged: the node holds no other member's feed");
		return;
	}
	fetch_head_link(s, node_head(victim));
	size_t len = make_entry(pack, sizeof pack, victim, store_fed_id(st), id);
	id_hex(hex, id);
	send_msg(s, 0, 3, "ENTRIES", (size_t)7, victim, (size_t)32, pack, len);
	say("forged %s", hex);
	random_bytes(fed, sizeof fed);
	len = make_entry(pack, sizeof pack, me->id, fed, id);
	id_hex(hex, id);
	send_msg(s, 0, 3, "ENTRIES", (size_t)7, me->id, (size_t)32, pack, len);
	say("wrongfed %s", hex);
}

static void mode_badheads(void *s)
{
	uint8_t *buf = calloc(WIRE_HEADS_MAX + 1, WIRE_HEAD_SIZE);
	struct wire_head h;
	int sent = 0;
	if (!buf)
		exit(1);
	memcpy(h.author, nheads ? heads[0].author : me->id, 32);
	memset(h.id, 0x5a, 32);
	h.seq = 1;
	wire_head_put(buf, &h);
	sent += !send_msg(s, 0, 2, "HEADS", (size_t)5, buf, (size_t)100);
	sent += !send_msg(s, 0, 2, "HEADS", (size_t)5, buf, (size_t)71);
	h.seq = 0;
	wire_head_put(buf, &h);
	sent += !send_msg(s, 0, 2, "HEADS", (size_t)5, buf, (size_t)WIRE_HEAD_SIZE);
	h.seq = (uint64_t)1 << 63;
	wire_head_put(buf, &h);
	sent += !send_msg(s, 0, 2, "HEADS", (size_t)5, buf, (size_t)WIRE_HEAD_SIZE);
	h.seq = 1;
	for (size_t i = 0; i <= WIRE_HEADS_MAX; i++)
		wire_head_put(buf + i * WIRE_HEAD_SIZE, &h);
	sent += !send_msg(s, 0, 2, "HEADS", (size_t)5, buf,
			  (size_t)(WIRE_HEADS_MAX + 1) * WIRE_HEAD_SIZE);
	/* a hello whose heads are bad */
	h.seq = 0;
	wire_head_put(buf, &h);
	sent += !send_msg(s, 0, 3, "HELLO", (size_t)5, store_fed_id(st), (size_t)32, buf,
			  (size_t)WIRE_HEAD_SIZE);
	/* a well-formed lie: every feed the node holds, far beyond its head;
	 * the node will ask us for it and we never answer */
	size_t n = 0;
	for (size_t i = 0; i < nheads; i++) {
		if (memcmp(heads[i].author, me->id, 32) == 0)
			continue;
		h = heads[i];
		h.seq = (uint64_t)INT64_MAX;
		wire_head_put(buf + n++ * WIRE_HEAD_SIZE, &h);
	}
	if (n)
		sent += !send_msg(s, 0, 2, "HEADS", (size_t)5, buf, n * WIRE_HEAD_SIZE);
	free(buf);
	say("badheads: sent %d bad heads frames (%zu lying heads)", sent, n);
}

static void mode_flood(void *s)
{
	uint8_t get[WIRE_GET_SIZE];
	const uint8_t *author = me->id;
	uint64_t best = 0;
	for (size_t i = 0; i < nheads; i++)
		if (heads[i].seq > best) {
			best = heads[i].seq;
			author = heads[i].author;
		}
	memcpy(get, author, 32);
	wire_put_u64(get + 32, 1);
	wire_put_u32(get + 40, WIRE_BATCH_MAX);
	int sent = 0;
	for (int i = 0; i < 5000 && left_ms() > 0; i++) {
		if (send_msg(s, ZMQ_DONTWAIT, 2, "GET", (size_t)3, get, sizeof get) == 0)
			sent++;
		else if (errno == EAGAIN)
			zmq_poll(NULL, 0, 1);
	}
	say("flood: sent %d GETs of %d entries, read nothing", sent, WIRE_BATCH_MAX);
}

static void mode_frames(void *s)
{
	const char *env = getenv("EVILPEER_FRAMES");
	long n = env && atol(env) > 0 ? atol(env) : 4000001;
	long sent = 0;
	int64_t t0 = clock_now_ms();
	/* libzmq queues every frame of a message until the last one: the
	 * whole message is in our memory too before any of it leaves */
	for (long i = 0; i < n; i++)
		if (zmq_send(s, "", 0, i < n - 1 ? ZMQ_SNDMORE : 0) == 0)
			sent++;
	say("frames: queued one message of %ld empty frames in %lld ms", sent,
	    (long long)(clock_now_ms() - t0));
}

/* Silent TCP connections: the port's owner must bound and time them out
 * (handshake timeout, descriptors) so that members still get in. */
static int mode_silent(const char *endpoint)
{
	char host[256];
	int port;
	const char *env = getenv("EVILPEER_CONNS");
	int want = env && atoi(env) > 0 ? atoi(env) : 3000;
	if (sscanf(endpoint, "tcp://%255[^:]:%d", host, &port) != 2) {
		fprintf(stderr, "evilpeer: silent needs a tcp://HOST:PORT endpoint\n");
		return 2;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "evilpeer: silent needs an IPv4 address, not '%s'\n", host);
		return 2;
	}
	int *fds = malloc((size_t)want * sizeof *fds);
	long opened = 0, closed = 0;
	for (int i = 0; i < want; i++)
		fds[i] = -1;
	while (left_ms() > 0) {
		for (int i = 0; i < want; i++) {
			char b[64];
			if (fds[i] >= 0) {
				/* closed by the node? */
				ssize_t r = recv(fds[i], b, sizeof b, MSG_DONTWAIT);
				if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
					close(fds[i]);
					fds[i] = -1;
					closed++;
				}
				continue;
			}
			int fd = socket(AF_INET, SOCK_STREAM, 0);
			if (fd < 0)
				break;
			if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
				fds[i] = fd;
				opened++;
			} else {
				close(fd);
			}
		}
		usleep(20000);
	}
	int open_now = 0;
	for (int i = 0; i < want; i++)
		if (fds[i] >= 0) {
			open_now++;
			close(fds[i]);
		}
	say("silent: opened %ld connections, the node closed %ld, %d open at the end", opened,
	    closed, open_now);
	free(fds);
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096];
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: evilpeer HOME ENDPOINT "
				"garbage|oversize|forged|badheads|flood|frames|silent|delta [MEMBER]\n");
		return 2;
	}
	const char *home = argv[1], *endpoint = argv[2], *mode = argv[3];
	if (strcmp(mode, "garbage") && strcmp(mode, "oversize") && strcmp(mode, "forged") &&
	    strcmp(mode, "badheads") && strcmp(mode, "flood") && strcmp(mode, "frames") &&
	    strcmp(mode, "silent") && strcmp(mode, "delta")) {
		fprintf(stderr, "evilpeer: unknown mode '%s'\n", mode);
		return 2;
	}
	const char *ms = getenv("EVILPEER_MS");
	deadline = clock_now_ms() + (ms && atoi(ms) > 0 ? atoi(ms) : 2000);
	if (strcmp(mode, "silent") == 0)
		return mode_silent(endpoint);
	if (sodium_init() < 0)
		return 1;
	snprintf(path, sizeof path, "%s/store.db", home);
	if (!(st = store_open(path)) || !store_has_federation(st)) {
		fprintf(stderr, "evilpeer: %s: %s\n", path, st ? "no federation" : err_msg());
		return 1;
	}
	snprintf(path, sizeof path, "%s/key", home);
	if (!(me = key_load(path, getenv("MUTUA_PASSPHRASE")))) {
		fprintf(stderr, "evilpeer: %s\n", err_msg());
		return 1;
	}

	/* the node's transport key */
	sqlite3_stmt *q;
	const char *sql = argc == 5
		? "SELECT xkey FROM members WHERE lower(hex(id)) LIKE lower(?1) || '%'"
		: "SELECT m.xkey FROM members m JOIN member_endpoints e ON e.member = m.id"
		  " WHERE e.url = ?1";
	int found = 0;
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, argc == 5 ? argv[4] : endpoint, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 0) == 32) {
			memcpy(server_key, sqlite3_column_blob(q, 0), 32);
			found++;
		}
		sqlite3_finalize(q);
	}
	if (found != 1) {
		fprintf(stderr, "evilpeer: %s member for '%s'\n", found ? "more than one" : "no",
			argc == 5 ? argv[4] : endpoint);
		return 1;
	}

	ctx = zmq_ctx_new();
	void *mon, *s = dealer(endpoint, strcmp(mode, "flood") ? 16 : 100000, &mon);
	int ev = next_event(mon, (int)left_ms());
	if (ev != ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
		say("%s", ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? "refused: the node refused our key"
			  : ev ? "handshake failed" : "could not connect in time");
		return 1;
	}
	say("connected to %s", endpoint);
	/* HELLO with no heads: we offer nothing, we only learn the node's */
	send_msg(s, 0, 3, "HELLO", (size_t)5, store_fed_id(st), (size_t)FED_ID_BYTES, "", (size_t)0);
	if (!await(s, "HEADS", (int)left_ms(), NULL)) {
		say("hello not answered");
		return 1;
	}
	say("hello answered: the node holds %zu feeds", nheads);

	if (strcmp(mode, "garbage") == 0)
		mode_garbage(s, endpoint);
	else if (strcmp(mode, "oversize") == 0)
		mode_oversize(s, mon);
	else if (strcmp(mode, "forged") == 0)
		mode_forged(s);
	else if (strcmp(mode, "badheads") == 0)
		mode_badheads(s);
	else if (strcmp(mode, "frames") == 0)
		mode_frames(s);
	else if (strcmp(mode, "delta") == 0)
		mode_delta(s);
	else
		mode_flood(s);

	/* stay connected for the rest of the time, reading unless flooding */
	int got = 0;
	while (left_ms() > 0) {
		if (strcmp(mode, "flood") == 0) {
			zmq_poll(NULL, 0, (int)(left_ms() < 100 ? left_ms() : 100));
			continue;
		}
		zmq_msg_t f[FRAMES_MAX];
		int n = recv_msg(s, f, (int)left_ms());
		got += n > 0;
		close_msg(f, n);
	}
	say("done: %d more messages from the node", got);
	zmq_close(s);
	zmq_close(mon);
	zmq_ctx_term(ctx);
	free(heads);
	key_destroy(&me);
	store_close(&st);
	return 0;
}
