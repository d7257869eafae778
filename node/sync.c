/* sync.c - the replication engine. See sync.h and, for the frames, wire.h.
 *
 * State kept per peer: whether it is connected, the heads it last told
 * us, how many of our GETs it has to answer, and counters. State kept per
 * feed we lack entries of (a "want"): the highest seq some peer holds, the
 * next seq to ask, and the one peer we are fetching from, so that two
 * peers are never asked for the same range at once. Replies on one
 * connection arrive in the order asked, so up to `window` GETs of
 * consecutive ranges are pipelined per peer.
 *
 * Comparing heads costs what changed. Every hello interval the dialling
 * side sends SUM, the digest of all its heads; equal heads are answered by
 * SAME (32 bytes each way). When they differ, each side sends only its
 * heads that differ from the peer's heads as it last heard them (DIFF, then
 * DELTA in reply), with the digest of all of its own: what it knows of the
 * peer is the version of its heads the peer acknowledged. The receiver
 * merges them and checks the digest; only when that fails (a lost
 * announcement, a restart: what was known is wrong) are all heads sent
 * again (HELLO, answered by HEADS in full). So after a witness round,
 * when every node's digest changed at once, a comparison carries the few
 * feeds that moved, not every feed of the federation.
 */
#include "sync.h"
#include "entry.h"
#include "log.h"
#include "member.h"
#include "proof.h"
#include "replica.h"
#include "staffd.h"
#include "util.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#if defined(__SANITIZE_ADDRESS__)
/* libasan's; GCC ships no header for it (sanitizer/allocator_interface.h
 * is LLVM's) */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif
#include <sodium.h>
#include <unistd.h>
#include <zmq.h>

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93 /* draft in libzmq 4.3.4, accepted by it */
#endif

#define STORE_RETRY_MS 1000 /* pause after the store refused a write */
#define FRAMES_MAX 4
#define FRAMES_LIMIT 16 /* a message of more frames breaks a limit */
#define BAD_SRC_MS 60000
#define REDIAL_MIN_MS 1000  /* first new attempt after a failed handshake */
#define REDIAL_MAX_MS 60000 /* the wait doubles up to this (plus up to a
			     * quarter more at random: no redial storms) */
#define HANDSHAKE_MS 3000   /* a connection silent this long is closed */
#define PER_MEMBER_IN 2     /* inbound connections of one member: its node
			     * and a `mutua sync` */
#define PENALTY_MS 60000    /* a peer whose message broke a limit */
#define MEMORY_LOOK_MS 50   /* how often the heap in use is looked at */
#define TRIM_LOOK_MS 1000   /* how soon freed memory goes back after a reset */
#define REBIND_MS 100       /* between attempts to listen again */
#define DRAIN_MAX 256 /* messages handled per socket per poll round */
#define ROUND_MS 250         /* the longest a fetch keeps its transaction */
#define ROUND_ENTRIES 65536  /* the most entries it adds in one */
#define ZAP_DOMAIN "mutua"
#define HOLD_RECHECK_MS 600000 /* a feed held for its budget is asked again */
#define STAFF_QUEUE_MAX 16 /* staff requests waiting to run */
#define STAFF_LOOK_MS 5     /* how often a running staff command is looked at */

struct peer {
	int outbound;
	void *sock, *mon;                /* outbound: DEALER and its monitor */
	uint8_t rid[256];                /* inbound: ROUTER routing id */
	size_t rid_len;
	uint8_t member[KEY_ID_BYTES];
	char name[NAME_MAX_LEN + 1];
	char endpoint[ENDPOINT_MAX_LEN + 1];
	int connected, answered, refused;
	int replace_next;                /* the next HEADS is its full list (we
					  * asked again after a delta failed) */
	int mark;                        /* scratch for announce_feed */
	int summed;                      /* inbound: it sent us a digest (a
					  * node that dials us, not a passing
					  * `mutua sync`) */
	int parked;                      /* outbound: not dialled, since its
					  * node dials us (see one_link) */
	char why[16];                    /* outbound: why it is dialled */
	int64_t added;                   /* ms: when it was added */
	int64_t up_at;                   /* ms: last seen connected */
	int64_t busy_until;              /* outbound: it said it had no room */
	int64_t dead_since, redial_ms;   /* outbound: handshake failed (libzmq
					  * gives up on such a connection) */
	int64_t last_contact, last_hello;
	int inflight;
	uint64_t received, rejected, sent;
	char last_error[200];
	struct wire_head *heads;
	size_t nheads;
	/* what we told p of our heads, as p keeps them (its view of us):
	 * every HELLO, HEADS, PUSH, DIFF, DELTA and SAME we sent, in the
	 * order of the authors. A delta carries only what differs from it,
	 * an announcement is not sent again; a failed send or a digest that
	 * does not match makes it unknown (told_ok 0) until heads in full */
	struct wire_head *told;
	size_t ntold;
	int told_ok;
};

struct want {
	uint8_t author[KEY_ID_BYTES];
	uint64_t target, next;
	struct peer *src, *bad_src;
	int64_t deadline, bad_until;
};

struct syncer {
	struct store *store;
	const struct key *key;
	struct sync_config cfg;
	void *ctx, *zap, *router;
	struct peer **peers;   /* grows as needed: no fixed bound */
	int npeers, cappeers, monitors;
	zmq_pollitem_t *items; /* syncer_poll's, sized to the peers */
	struct peer **owner;
	size_t capitems;
	/* members refused for a while after breaking a limit */
	struct penalty {
		uint8_t member[KEY_ID_BYTES];
		int64_t until;
	} *penalties;
	size_t npenalties, cappenalties;
	char listen_ep[ENDPOINT_MAX_LEN + 1]; /* where the ROUTER binds */
	int64_t rebind_at;     /* ms: listen again then (0: listening) */
	int64_t memory_at;     /* ms: freed memory is next given back */
	int trim;              /* give freed memory back at the next look */
	/* the memory watch (memory_watch): its thread, the pipe it wakes the
	 * loop through, and its flags */
	pthread_t mem_thread;
	int mem_running;
	int mem_pipe[2];
	atomic_int mem_stop, mem_over;
	uint64_t resets;       /* times memory_guard closed every connection */
	struct want *wants;
	size_t nwants, cap_wants;
	int64_t data_version;
	int watch_fd, watch_wfd; /* the wake FIFO (store_wake_path), or -1 */
	uint64_t received, sent;
	uint64_t changes;   /* commits that brought entries: ours, others' */
	uint64_t own_heard; /* highest seq of our own feed a peer reported */
	int heard_own;
	uint8_t *buf;       /* scratch for ENTRIES and PUSH packs */
	int fatal;
	int txn;            /* a write transaction is open for this round */
	int64_t txn_since;  /* ms: when it began */
	size_t txn_entries; /* entries it added */
	int store_failed;   /* the store refused a write this round */
	int64_t pause_until; /* no fetching before (ms), after a store failure */
	/* feeds that grew this round: announced once the round is committed,
	 * so that no entry leaves this node before it is on disk */
	uint8_t (*grown)[KEY_ID_BYTES];
	size_t ngrown, capgrown;
	/* feeds the store held past their budget, or stopped: not fetched
	 * until then (or until the hold is gone from the store) */
	struct hold {
		uint8_t author[KEY_ID_BYTES];
		int64_t until;
	} *holds;
	size_t nholds, capholds;
	/* the member's staff (node/staffd.h): their requests wait here until
	 * no transaction of a round is open, since each runs a `mutua` that
	 * writes to the store */
	struct staffd *staff;
	struct staff_msg {
		uint8_t rid[256];
		size_t rid_len;
		char uid[80];
		uint8_t *frames[2];
		size_t lens[2];
		int n;
	} staffq[STAFF_QUEUE_MAX];
	int nstaffq;
	/* the request whose command runs (staffd_busy): where its reply goes */
	uint8_t staff_rid[256];
	size_t staff_rid_len;
};

static const char *peer_label(const struct peer *p)
{
	static _Thread_local char buf[400];
	if (p->outbound)
		snprintf(buf, sizeof buf, "%s (%s)", p->name, p->endpoint);
	else
		snprintf(buf, sizeof buf, "%s (inbound)", p->name);
	return buf;
}

/* ---- sockets ---------------------------------------------------------- */

static int set_int(void *sock, int opt, int v)
{
	return zmq_setsockopt(sock, opt, &v, sizeof v);
}

/* Options every socket between nodes carries: CURVE checked by our ZAP
 * handler, bounded messages and queues, no linger, handshakes that end
 * quickly, reconnections that back off.
 *
 * No ZMTP heartbeats: in libzmq 4.3.4 the heartbeat timer calls out_event()
 * on a connection whose input stopped (its receive queue full) and whose
 * peer then closed it, which aborts the process on
 * "Assertion failed: !_io_error (stream_engine_base.cpp:331)" (libzmq
 * issues 4364 and 4841; at N = 100 it killed 88 nodes). Liveness is ours
 * instead: an outbound peer answers each digest of heads (SUM) within
 * 3 hello intervals or is dialled again; an inbound one silent that long
 * is forgotten; TCP keepalives find dead links the kernel knows of. */
static int socket_common(struct syncer *sy, void *sock)
{
	int64_t maxmsg = WIRE_MSG_MAX;
	if (set_int(sock, ZMQ_ZAP_ENFORCE_DOMAIN, 1) ||
	    zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN)) ||
	    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) ||
	    set_int(sock, ZMQ_SNDHWM, 2 * sy->cfg.window + 8) ||
	    set_int(sock, ZMQ_RCVHWM, 2 * sy->cfg.window + 8) ||
	    set_int(sock, ZMQ_LINGER, 0) ||
	    set_int(sock, ZMQ_TCP_KEEPALIVE, 1) ||
	    set_int(sock, ZMQ_TCP_KEEPALIVE_IDLE, 60) ||
	    set_int(sock, ZMQ_TCP_KEEPALIVE_INTVL, 10) ||
	    set_int(sock, ZMQ_TCP_KEEPALIVE_CNT, 3) ||
	    set_int(sock, ZMQ_HANDSHAKE_IVL, HANDSHAKE_MS) ||
	    set_int(sock, ZMQ_RECONNECT_IVL, 500) ||
	    set_int(sock, ZMQ_RECONNECT_IVL_MAX, 30000) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sy->key->xsk, 32) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, sy->key->xpk, 32))
		return err_set("socket options: %s", zmq_strerror(errno));
	return 0;
}

/* Is p's member still one? ZAP admits only current members, but only when
 * a connection is made: one made before the member's exclusion passed
 * stays open, and must carry nothing more either way. */
static int peer_current(struct syncer *sy, const struct peer *p)
{
	/* a store error reads as no: nothing is carried */
	return member_is_current(sy->store, p->member) == 1;
}

/* Sends n frames to p without blocking: a peer that does not read loses
 * messages (it will ask again), it never makes us wait or grow. */
static int send_frames(struct syncer *sy, struct peer *p, const void *const *bufs,
		       const size_t *lens, int n)
{
	if (!peer_current(sy, p))
		return -1;
	void *sock = p->outbound ? p->sock : sy->router;
	if (!p->outbound &&
	    zmq_send(sock, p->rid, p->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		goto fail;
	for (int i = 0; i < n; i++)
		if (zmq_send(sock, bufs[i], lens[i], (i < n - 1 ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT) < 0)
			goto fail;
	return 0;
fail:
	/* ROUTER_MANDATORY: an inbound peer whose connection is gone */
	if (!p->outbound && errno == EHOSTUNREACH)
		p->connected = 0;
	log_limited(LOG_DEBUG, p->name, "peer %s: send failed: %s", peer_label(p),
		    zmq_strerror(errno));
	return -1;
}

/* ---- heads ------------------------------------------------------------ */

struct heads {
	struct wire_head *h;
	size_t n, cap;
	int oom;
};

static int add_head(void *arg, const uint8_t *author, uint64_t seq, const uint8_t *id)
{
	struct heads *l = arg;
	if (l->n == WIRE_HEADS_MAX)
		return 1;
	if (l->n == l->cap) {
		struct wire_head *more = realloc(l->h, 2 * l->cap * sizeof *l->h);
		if (!more)
			return l->oom = 1;
		l->h = more;
		l->cap *= 2;
	}
	memcpy(l->h[l->n].author, author, 32);
	l->h[l->n].seq = seq;
	memcpy(l->h[l->n].id, id, 32);
	l->n++;
	return 0;
}

/* Our heads, at most WIRE_HEADS_MAX; malloc'd, NULL when the store or
 * memory failed (never a part of them: a peer would take the heads left
 * out for feeds we lack). */
static struct wire_head *our_heads(struct syncer *sy, size_t *n)
{
	struct heads l = {malloc(16 * sizeof *l.h), 0, 16, 0};
	*n = 0;
	if (!l.h || replica_heads(sy->store, add_head, &l) || l.oom) {
		log_limited(LOG_ERROR, "heads", "cannot read our heads: %s",
			    l.h && !l.oom ? err_msg() : "out of memory");
		free(l.h);
		return NULL;
	}
	*n = l.n;
	return l.h;
}

static void told_all(struct peer *p, const struct wire_head *list, size_t n);

static void send_hello(struct syncer *sy, struct peer *p, const char *cmd)
{
	size_t n;
	struct wire_head *list = our_heads(sy, &n);
	uint8_t *heads = list ? malloc(n * WIRE_HEAD_SIZE + 1) : NULL;
	size_t hl = n * WIRE_HEAD_SIZE;
	if (!heads) {
		free(list);
		return;
	}
	for (size_t i = 0; i < n; i++)
		wire_head_put(heads + i * WIRE_HEAD_SIZE, &list[i]);
	int rc;
	if (strcmp(cmd, "HELLO") == 0) {
		const void *b[] = {"HELLO", store_fed_id(sy->store), heads};
		size_t l[] = {5, FED_ID_BYTES, hl};
		rc = send_frames(sy, p, b, l, 3);
	} else {
		const void *b[] = {"HEADS", heads};
		size_t l[] = {5, hl};
		rc = send_frames(sy, p, b, l, 2);
	}
	/* HELLO and HEADS in full replace p's view of us */
	if (rc == 0)
		told_all(p, list, n);
	else
		p->told_ok = 0;
	free(list);
	p->last_hello = clock_now_ms();
	free(heads);
}

/* A peer's heads are kept in the order of their authors (our own list
 * comes so from the store): a lookup costs log N, not N. */
static int head_cmp(const void *a, const void *b)
{
	return memcmp(((const struct wire_head *)a)->author, ((const struct wire_head *)b)->author,
		      32);
}

static struct wire_head *head_find(const struct peer *p, const uint8_t *author)
{
	struct wire_head key;
	if (!p->nheads)
		return NULL;
	memcpy(key.author, author, 32);
	return bsearch(&key, p->heads, p->nheads, sizeof *p->heads, head_cmp);
}

/* The seq up to which peer p last told us it holds author's feed; 0 when
 * it did not list the feed. */
static uint64_t peer_seq(const struct peer *p, const uint8_t *author)
{
	const struct wire_head *h = head_find(p, author);
	return h ? h->seq : 0;
}

/* What we told p of author's feed (see struct peer), NULL none. */
static struct wire_head *told_find(const struct peer *p, const uint8_t *author)
{
	struct wire_head key;
	if (!p->told_ok || !p->ntold)
		return NULL;
	memcpy(key.author, author, 32);
	return bsearch(&key, p->told, p->ntold, sizeof *p->told, head_cmp);
}

/* p now holds all of list (n, in the order of the authors) as our heads. */
static void told_all(struct peer *p, const struct wire_head *list, size_t n)
{
	struct wire_head *copy = malloc((n + 1) * sizeof *copy);
	free(p->told);
	p->told = copy;
	p->ntold = copy ? n : 0;
	p->told_ok = copy != NULL;
	if (copy && n)
		memcpy(copy, list, n * sizeof *copy);
}

/* p now holds h as our head of its feed. */
static void told_one(struct peer *p, const struct wire_head *h)
{
	if (!p->told_ok)
		return;
	struct wire_head *k = told_find(p, h->author);
	if (k) {
		*k = *h;
		return;
	}
	struct wire_head *more = realloc(p->told, (p->ntold + 1) * sizeof *more);
	if (!more) {
		p->told_ok = 0;
		return;
	}
	size_t at = 0;
	p->told = more;
	while (at < p->ntold && head_cmp(&p->told[at], h) < 0)
		at++;
	memmove(&p->told[at + 1], &p->told[at], (p->ntold - at) * sizeof *more);
	p->told[at] = *h;
	p->ntold++;
}

/* SUM: the digest of our heads; the peer answers SAME when it holds the
 * same heads, or a full HELLO when not. */
static void send_sum(struct syncer *sy, struct peer *p)
{
	size_t n;
	uint8_t d[32];
	struct wire_head *list = our_heads(sy, &n);
	if (!list)
		return;
	wire_heads_digest(list, n, d);
	free(list);
	const void *b[] = {"SUM", d};
	size_t l[] = {3, sizeof d};
	send_frames(sy, p, b, l, 2);
	p->last_hello = clock_now_ms();
}

/* Our heads that p may not know as ours: those that differ from what p
 * holds (its heads as it last told us: p lacks them, or an announcement
 * of ours was lost), and those that differ from what we told p (its view
 * of us, struct peer: p holds them from another peer, but does not know
 * we do). Both kept in the order of the authors like ours. Without the
 * second, a head p got elsewhere was left out, p's view of us stayed old,
 * the digest failed and all heads went again. Written to out
 * (n x WIRE_HEAD_SIZE); returns the bytes written. */
static int same_head(const struct wire_head *a, const struct wire_head *b)
{
	return a && a->seq == b->seq && memcmp(a->id, b->id, 32) == 0;
}

static size_t heads_delta(const struct peer *p, const struct wire_head *list, size_t n,
			  uint8_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (same_head(head_find(p, list[i].author), &list[i]) &&
		    (!p->told_ok || same_head(told_find(p, list[i].author), &list[i])))
			continue;
		wire_head_put(out + k * WIRE_HEAD_SIZE, &list[i]);
		k++;
	}
	return k * WIRE_HEAD_SIZE;
}

/* DIFF (cmd "DIFF", an answer to a SUM whose digest differs from ours) or
 * DELTA (the answer to a DIFF): the digest of all our heads, then those
 * of them that differ from what we know p holds. */
static void send_delta(struct syncer *sy, struct peer *p, const char *cmd)
{
	size_t n;
	uint8_t d[32];
	struct wire_head *list = our_heads(sy, &n);
	uint8_t *frame = list ? malloc(n * WIRE_HEAD_SIZE + 1) : NULL;
	if (!frame) {
		free(list);
		return;
	}
	wire_heads_digest(list, n, d);
	size_t len = heads_delta(p, list, n, frame);
	const void *b[] = {cmd, d, frame};
	size_t l[] = {strlen(cmd), sizeof d, len};
	if (send_frames(sy, p, b, l, 3) == 0)
		told_all(p, list, n);
	else
		p->told_ok = 0;
	free(list);
	p->last_hello = clock_now_ms();
	free(frame);
}

/* The peer holds exactly our heads: they become what we know of it. */
static void adopt_our_heads(struct syncer *sy, struct peer *p, struct wire_head *list, size_t n)
{
	told_all(p, list, n);
	free(p->heads);
	p->heads = list;
	p->nheads = n;
	p->answered = 1;
	sy->heard_own = 1;
	const struct wire_head *own = head_find(p, sy->key->id);
	if (own && own->seq > sy->own_heard)
		sy->own_heard = own->seq;
}

/* A SUM (answer 1: reply SAME or HELLO) or a SAME (answer 0) from p. */
static void take_sum(struct syncer *sy, struct peer *p, const uint8_t *d, size_t len, int answer)
{
	size_t n;
	uint8_t ours[32];
	if (len != 32) {
		log_limited(LOG_WARN, p->name, "peer %s: bad digest", peer_label(p));
		p->rejected++;
		return;
	}
	struct wire_head *list = our_heads(sy, &n);
	if (!list)
		return;
	wire_heads_digest(list, n, ours);
	if (sodium_memcmp(ours, d, 32) == 0) {
		adopt_our_heads(sy, p, list, n);
		if (answer) {
			const void *b[] = {"SAME", ours};
			size_t l[] = {4, sizeof ours};
			send_frames(sy, p, b, l, 2);
		}
		return;
	}
	free(list);
	/* different: when we know p's heads, those of ours that differ from
	 * them (a DIFF, which p answers with a DELTA of its own); else our
	 * heads in full, which p answers with its own */
	if (answer && p->answered)
		send_delta(sy, p, "DIFF");
	else if (answer)
		send_hello(sy, p, "HELLO");
}

/* Entries packed into sy->buf, up to max bytes. */
struct pack {
	uint8_t *buf;
	size_t max, len, count;
};

static int pack_entry(void *arg, const struct raw_entry *e)
{
	struct pack *k = arg;
	if (e->sig_len != KEY_SIG_BYTES ||
	    wire_pack_add(k->buf, k->max, &k->len, e->body, e->body_len, e->sig) < 0)
		return 1;
	k->count++;
	return 0;
}

/* Sends p, unasked, the entries of h's feed that it was last known to lack,
 * up to h. -1 when there is nothing to push, or too much: p is then sent
 * the head and fetches what it lacks. */
static int push_feed(struct syncer *sy, struct peer *p, const struct wire_head *h)
{
	uint64_t theirs = peer_seq(p, h->author);
	if (!p->answered || theirs >= h->seq || h->seq - theirs > WIRE_PUSH_MAX)
		return -1;
	struct pack k = {sy->buf, WIRE_PUSH_BYTES, 0, 0};
	if (replica_entries(sy->store, h->author, theirs + 1, h->seq, pack_entry, &k) ||
	    k.count != h->seq - theirs)
		return -1;
	uint8_t frame[WIRE_HEAD_SIZE];
	wire_head_put(frame, h);
	const void *b[] = {"PUSH", frame, sy->buf};
	size_t l[] = {4, sizeof frame, k.len};
	if (send_frames(sy, p, b, l, 3))
		return -1;
	told_one(p, h);
	p->sent += k.count;
	sy->sent += k.count;
	return 0;
}

/* Tells every peer that author's feed grew: the new entries themselves to
 * a peer that lacks few of them, the head to the others. The peer they
 * came from is sent the head: to it, that is the acknowledgment. */
static void announce_feed(struct syncer *sy, const uint8_t *author)
{
	struct wire_head h;
	uint8_t frame[WIRE_HEAD_SIZE];
	memcpy(h.author, author, 32);
	if (store_head(sy->store, author, &h.seq, h.id) || h.seq == 0)
		return;
	wire_head_put(frame, &h);
	const void *b[] = {"HEADS", frame};
	size_t l[] = {5, sizeof frame};
	/* the pushes first: they carry the entries on; the heads wait */
	for (int i = 0; i < sy->npeers; i++)
		sy->peers[i]->mark = sy->peers[i]->connected && push_feed(sy, sy->peers[i], &h) == 0;
	for (int i = 0; i < sy->npeers; i++) {
		struct peer *p = sy->peers[i];
		if (!p->connected || p->mark)
			continue;
		/* told already (an announcement of the same head): not again */
		if (same_head(told_find(p, author), &h))
			continue;
		if (send_frames(sy, p, b, l, 2) == 0)
			told_one(p, &h);
		else
			p->told_ok = 0;
	}
}

/* Another process (the CLI) or mutuad's own appends changed the store:
 * every peer is pushed what it lacks of each feed where that is little,
 * and sent all our heads when something is left for it to fetch. */
void syncer_announce(struct syncer *sy)
{
	size_t n;
	struct wire_head *heads = our_heads(sy, &n);
	if (!heads)
		return;
	for (int i = 0; i < sy->npeers; i++) {
		struct peer *p = sy->peers[i];
		int left = !p->answered;
		if (!p->connected)
			continue;
		for (size_t k = 0; k < n && !left; k++) {
			if (peer_seq(p, heads[k].author) >= heads[k].seq)
				continue;
			if (push_feed(sy, p, &heads[k]))
				left = 1;
		}
		if (!p->answered) {
			send_hello(sy, p, "HEADS");
		} else if (left) {
			/* the heads it was not pushed, or knows no more of: those
			 * of ours that differ from what it told us, not all */
			uint8_t *frame = malloc(n * WIRE_HEAD_SIZE + 1);
			size_t len = frame ? heads_delta(p, heads, n, frame) : 0;
			if (len) {
				const void *b[] = {"HEADS", frame};
				size_t l[] = {5, len};
				if (send_frames(sy, p, b, l, 2) == 0) {
					/* a delta of ours: p's view of us is then all of them */
					if (p->told_ok)
						told_all(p, heads, n);
				} else {
					p->told_ok = 0;
				}
			}
			free(frame);
		}
	}
	free(heads);
}

/* ---- wants ------------------------------------------------------------ */

static struct want *want_find(struct syncer *sy, const uint8_t *author)
{
	for (size_t i = 0; i < sy->nwants; i++)
		if (memcmp(sy->wants[i].author, author, 32) == 0)
			return &sy->wants[i];
	return NULL;
}

static void want_drop(struct syncer *sy, struct want *w)
{
	*w = sy->wants[--sy->nwants];
}

/* Is author's feed held (see struct hold)? An expired hold, or one the
 * store no longer has (mutua feed resume), is forgotten. */
static int held_feed(struct syncer *sy, const uint8_t *author)
{
	for (size_t i = 0; i < sy->nholds; i++) {
		if (memcmp(sy->holds[i].author, author, 32))
			continue;
		if (sy->holds[i].until > clock_now_ms() && store_feed_held(sy->store, author) == 1)
			return 1;
		sy->holds[i] = sy->holds[--sy->nholds];
		return 0;
	}
	return 0;
}

static void hold_feed(struct syncer *sy, const uint8_t *author)
{
	int64_t until = clock_now_ms() + HOLD_RECHECK_MS;
	for (size_t i = 0; i < sy->nholds; i++)
		if (memcmp(sy->holds[i].author, author, 32) == 0) {
			sy->holds[i].until = until;
			return;
		}
	if (sy->nholds == sy->capholds) {
		size_t cap = sy->capholds ? 2 * sy->capholds : 8;
		void *more = realloc(sy->holds, cap * sizeof *sy->holds);
		if (!more)
			return;
		sy->holds = more;
		sy->capholds = cap;
	}
	memcpy(sy->holds[sy->nholds].author, author, 32);
	sy->holds[sy->nholds++].until = until;
}

static void want_add(struct syncer *sy, const uint8_t *author, uint64_t target,
		     uint64_t next, struct peer *src)
{
	if (held_feed(sy, author))
		return;
	struct want *w = want_find(sy, author);
	if (w) {
		if (target > w->target)
			w->target = target;
		return;
	}
	if (sy->nwants == sy->cap_wants) {
		size_t cap = sy->cap_wants ? 2 * sy->cap_wants : 16;
		if (cap > WIRE_HEADS_MAX)
			return;
		struct want *more = realloc(sy->wants, cap * sizeof *more);
		if (!more)
			return;
		sy->wants = more;
		sy->cap_wants = cap;
	}
	w = &sy->wants[sy->nwants++];
	memset(w, 0, sizeof *w);
	memcpy(w->author, author, 32);
	w->target = target;
	w->next = next;
	(void)src;
}

/* Does peer p hold author's feed up to at least seq (>= 1)? */
static int peer_has(const struct peer *p, const uint8_t *author, uint64_t seq)
{
	return peer_seq(p, author) >= seq;
}

static int send_get(struct syncer *sy, struct peer *p, const uint8_t *author,
		    uint64_t from, uint32_t count)
{
	struct wire_get g;
	uint8_t frame[WIRE_GET_SIZE];
	memcpy(g.author, author, 32);
	g.from = from;
	g.count = count;
	wire_get_put(frame, &g);
	const void *b[] = {"GET", frame};
	size_t l[] = {3, sizeof frame};
	if (send_frames(sy, p, b, l, 2))
		return -1;
	p->inflight++;
	return 0;
}

/* Asks for what we want, within each peer's window. */
static void pump(struct syncer *sy)
{
	int64_t now = clock_now_ms();
	if (now < sy->pause_until)
		return;
	for (size_t i = 0; i < sy->nwants; i++) {
		struct want *w = &sy->wants[i];
		if (w->src && (now > w->deadline || !w->src->connected)) {
			if (now > w->deadline)
				w->src->inflight = 0; /* its answers are lost */
			w->src = NULL;
		}
		if (!w->src) {
			uint64_t head;
			if (store_head(sy->store, w->author, &head, NULL))
				continue;
			w->next = head + 1;
			if (head >= w->target) {
				want_drop(sy, w);
				i--;
				continue;
			}
			for (int k = 0; k < sy->npeers && !w->src; k++) {
				struct peer *p = sy->peers[k];
				if (p->connected && p->inflight < sy->cfg.window &&
				    peer_has(p, w->author, w->next) &&
				    !(p == w->bad_src && now < w->bad_until))
					w->src = p;
			}
			if (!w->src)
				continue;
			w->deadline = now + sy->cfg.request_ms;
		}
		while (w->src->inflight < sy->cfg.window && w->next <= w->target) {
			uint64_t left = w->target - w->next + 1;
			uint32_t count = left < (uint64_t)sy->cfg.batch ? (uint32_t)left
									 : (uint32_t)sy->cfg.batch;
			/* a send that fails (peer gone, its queue full) ends the
			 * round: skipping ahead would spin up to a lying head */
			if (send_get(sy, w->src, w->author, w->next, count))
				break;
			w->next += count;
		}
	}
}

/* Is author's feed known to be forked? When the store cannot tell, the
 * answer is yes: no probe is sent on a guess (the heads come again). */
static int has_fork(struct syncer *sy, const uint8_t *author)
{
	return store_fork_point(sy->store, author, NULL) != 0;
}

/* A peer told us its heads: remember them, want what we lack, and probe
 * a head that differs from ours at the same seq (a fork, to be proven). */
static void take_heads(struct syncer *sy, struct peer *p, const uint8_t *buf,
		       size_t len, int replace)
{
	size_t n;
	if (len / WIRE_HEAD_SIZE > WIRE_HEADS_MAX) {
		log_limited(LOG_WARN, p->name, "peer %s: too many heads", peer_label(p));
		return;
	}
	struct wire_head *h = malloc((len / WIRE_HEAD_SIZE + 1) * sizeof *h);
	if (!h)
		return;
	if (wire_heads_parse(buf, len, h, WIRE_HEADS_MAX, &n)) {
		log_limited(LOG_WARN, p->name, "peer %s: bad heads: %s", peer_label(p), err_msg());
		p->rejected++;
		free(h);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t ours;
		uint8_t our_id[32];
		if (store_member_of(sy->store, h[i].author, NULL, NULL) != 1)
			continue;
		if (store_head(sy->store, h[i].author, &ours, our_id))
			continue;
		if (memcmp(h[i].author, sy->key->id, 32) == 0) {
			if (h[i].seq > sy->own_heard)
				sy->own_heard = h[i].seq;
			if (h[i].seq > ours)
				log_msg(LOG_WARN, "peer %s holds our own feed up to seq %llu, we "
					"had %llu: fetching it (restored from a backup?)",
					peer_label(p), (unsigned long long)h[i].seq,
					(unsigned long long)ours);
		}
		if (h[i].seq > ours) {
			want_add(sy, h[i].author, h[i].seq, ours + 1, p);
		} else {
			uint8_t id[32];
			if (store_held_id(sy->store, h[i].author, h[i].seq, id, NULL) == 1 &&
			    memcmp(id, h[i].id, 32) != 0 && !has_fork(sy, h[i].author))
				send_get(sy, p, h[i].author, h[i].seq, 1);
		}
	}
	if (replace) {
		/* a full list of the peer's heads: it holds our own feed up to
		 * the seq it listed, or not at all */
		sy->heard_own = 1;
		qsort(h, n, sizeof *h, head_cmp);
		free(p->heads);
		p->heads = h;
		p->nheads = n;
		p->answered = 1;
	} else {
		/* merge an announcement into what we know of the peer, kept in
		 * the order of the authors */
		for (size_t i = 0; i < n; i++) {
			struct wire_head *k = head_find(p, h[i].author);
			if (k) {
				*k = h[i];
			} else if (p->nheads < WIRE_HEADS_MAX) {
				struct wire_head *more = realloc(p->heads, (p->nheads + 1) * sizeof *more);
				if (more) {
					size_t at = 0;
					p->heads = more;
					while (at < p->nheads && head_cmp(&p->heads[at], &h[i]) < 0)
						at++;
					memmove(&p->heads[at + 1], &p->heads[at],
						(p->nheads - at) * sizeof *more);
					p->heads[at] = h[i];
					p->nheads++;
				}
			}
		}
		free(h);
	}
}

/* A DIFF (answer 1: reply with a DELTA) or a DELTA (answer 0) from p: its
 * heads that differ from what it knows of ours, and the digest of all of
 * them. They are merged into what we know of p; that must then hash to
 * the digest, or what we know of p is wrong (a message lost, a restart,
 * a feed gone from its store): we ask for its heads in full (a HELLO,
 * which p answers with a HEADS of all of them, taken in place of ours).
 * So a delta never makes us believe p holds what it does not. */
static void take_delta(struct syncer *sy, struct peer *p, const uint8_t *d, size_t dlen,
		       const uint8_t *buf, size_t len, int answer)
{
	uint8_t view[32];
	if (dlen != 32 || len % WIRE_HEAD_SIZE) {
		log_limited(LOG_WARN, p->name, "peer %s: bad delta", peer_label(p));
		p->rejected++;
		return;
	}
	if (!p->answered) {
		/* nothing known of p to apply it to */
		p->replace_next = 1;
		send_hello(sy, p, "HELLO");
		return;
	}
	if (len)
		take_heads(sy, p, buf, len, 0);
	wire_heads_digest(p->heads, p->nheads, view);
	if (sodium_memcmp(view, d, 32) != 0) {
		log_limited(LOG_DEBUG, p->name, "peer %s: heads differ after a delta: asking "
			    "for all of them", peer_label(p));
		p->replace_next = 1;
		send_hello(sy, p, "HELLO");
		return;
	}
	if (answer)
		send_delta(sy, p, "DELTA");
}

/* ---- entries ---------------------------------------------------------- */

static void serve_get(struct syncer *sy, struct peer *p, const uint8_t *buf, size_t len)
{
	struct wire_get g;
	if (wire_get_parse(buf, len, &g)) {
		log_limited(LOG_WARN, p->name, "peer %s: bad get: %s", peer_label(p), err_msg());
		p->rejected++;
		return;
	}
	/* wire_get_parse bounds from and count: no overflow */
	struct pack k = {sy->buf, WIRE_BATCH_BYTES, 0, 0};
	if (replica_entries(sy->store, g.author, g.from, g.from + g.count - 1, pack_entry, &k)) {
		/* never a part of the range, which would read as the end of the
		 * feed: an empty answer makes p ask again, here or elsewhere */
		log_limited(LOG_ERROR, "serve", "cannot serve %s: %s", peer_label(p), err_msg());
		k.len = k.count = 0;
	}
	const void *b[] = {"ENTRIES", g.author, sy->buf};
	size_t l[] = {7, 32, k.len};
	if (send_frames(sy, p, b, l, 3) == 0) {
		p->sent += k.count;
		sy->sent += k.count;
	}
}

/* Sends the fork proof we hold for author: the pair a proof file holds
 * too (proof_fork_pair_read), in the same order on every node. */
static void pass_fork(struct syncer *sy, const uint8_t *author, struct peer *skip)
{
	struct proof_fork_pair fp;
	size_t plen = 0;
	int rows = 0;
	if (proof_fork_pair_read(&fp, sy->store, author) != 1)
		return;
	for (int i = 0; i < 2; i++)
		rows += fp.sig_len[i] == KEY_SIG_BYTES &&
			wire_pack_add(sy->buf, WIRE_BATCH_BYTES, &plen, fp.body[i], fp.body_len[i],
				      fp.sig[i]) == 0;
	proof_fork_pair_free(&fp);
	if (rows != 2)
		return;
	const void *b[] = {"FORK", sy->buf};
	size_t l[] = {4, plen};
	for (int i = 0; i < sy->npeers; i++)
		if (sy->peers[i] != skip && sy->peers[i]->connected)
			send_frames(sy, sy->peers[i], b, l, 2);
}

static void fork_alarm(struct syncer *sy, struct peer *p, const uint8_t *author)
{
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, author, 32);
	log_msg(LOG_ERROR, "FORK: member %.16s signed two different entries at one seq "
		"(proof from %s stored; its feed is no longer extended)", hex, peer_label(p));
	pass_fork(sy, author, p);
}

/* Stores a batch of one feed received from p in the round's transaction;
 * the feed is announced when the round is committed. -1 when the store
 * refused it (the round is then rolled back). */
static int receive_batch(struct syncer *sy, struct peer *p, const struct raw_entry *v,
			 size_t n, struct batch_result *r)
{
	/* the batches of one poll round share a transaction (committed at
	 * the end of syncer_poll): pages of the random-key indexes are
	 * written once per round, not once per batch */
	if (!sy->txn && store_begin(sy->store, sy, "the sync round") == 0) {
		sy->txn = 1;
		sy->txn_since = clock_now_ms();
		sy->txn_entries = 0;
	}
	if (sy->store_failed || store_insert_batch(sy->store, v, n, r)) {
		/* a full disk or an I/O error: the round is rolled back and
		 * fetching pauses; the node keeps serving what it holds */
		if (!sy->store_failed)
			log_limited(LOG_ERROR, "store-failed", "store: %s: receiving paused for "
				    "%d ms", err_msg(), STORE_RETRY_MS);
		sy->store_failed = 1;
		return -1;
	}
	p->last_contact = clock_now_ms();
	p->received += r->added;
	sy->txn_entries += r->added;
	sy->received += r->added;
	p->rejected += r->rejected;
	if (r->rejected) {
		char key[300];
		snprintf(key, sizeof key, "%s:rej:%s", p->name, err_msg());
		log_limited(LOG_WARN, key, "peer %s: rejected %zu of %zu entries: %s",
			    peer_label(p), r->rejected, n, err_msg());
	}
	if (r->added) {
		char hex[HEX_ID_LEN + 1];
		hex_encode(hex, r->author, 32);
		log_msg(LOG_DEBUG, "peer %s: +%zu entries of %.16s (head %llu)", peer_label(p),
			r->added, hex, (unsigned long long)r->author_seq);
		size_t k;
		for (k = 0; k < sy->ngrown && memcmp(sy->grown[k], r->author, 32); k++)
			;
		if (k == sy->ngrown) {
			if (sy->ngrown == sy->capgrown) {
				size_t cap = sy->capgrown ? 2 * sy->capgrown : 8;
				void *more = realloc(sy->grown, cap * sizeof *sy->grown);
				if (more) {
					sy->grown = more;
					sy->capgrown = cap;
				}
			}
			if (sy->ngrown < sy->capgrown)
				memcpy(sy->grown[sy->ngrown++], r->author, 32);
		}
	}
	if (r->forks)
		fork_alarm(sy, p, r->author);
	if (r->held && (r->held_why == BATCH_HELD_BUDGET || r->held_why == BATCH_HELD_STOPPED)) {
		char hex[HEX_ID_LEN + 1], key[64];
		hex_encode(hex, r->author, 32);
		snprintf(key, sizeof key, "held:%.16s", hex);
		log_limited(LOG_WARN, key, "feed %.16s held at seq %llu (%zu entries from peer %s "
			    "not taken): %s", hex, (unsigned long long)r->author_seq + 1, r->held,
			    peer_label(p), r->held_why == BATCH_HELD_STOPPED
			    ? "stopped by this node's operator (mutua feed resume)"
			    : "past its budget of 24 h (entries-per-day, bytes-per-day; mutua status)");
		hold_feed(sy, r->author);
	}
	return 0;
}

static void take_entries(struct syncer *sy, struct peer *p, const uint8_t *author,
			 size_t alen, const uint8_t *buf, size_t len)
{
	static struct raw_entry v[WIRE_BATCH_MAX];
	struct batch_result r;
	size_t n;
	if (p->inflight > 0)
		p->inflight--;
	if (alen != 32 || wire_pack_parse(buf, len, v, WIRE_BATCH_MAX, &n)) {
		log_limited(LOG_WARN, p->name, "peer %s: bad entries frame: %s", peer_label(p),
			    alen != 32 ? "author is not 32 bytes" : err_msg());
		p->rejected++;
		return;
	}
	struct want *w = want_find(sy, author);
	if (n == 0) {
		if (w && w->src == p)
			w->src = NULL;
		return;
	}
	if (receive_batch(sy, p, v, n, &r))
		return;
	if (w && memcmp(r.author, author, 32) == 0) {
		w->deadline = clock_now_ms() + sy->cfg.request_ms;
		if (r.held && (r.held_why == BATCH_HELD_BUDGET || r.held_why == BATCH_HELD_STOPPED)) {
			want_drop(sy, w); /* held: not asked again for a while */
		} else if (r.author_seq >= w->target) {
			want_drop(sy, w);
		} else if (r.added == 0 && r.duplicates == 0) {
			/* this peer sends what we cannot take: ask someone else */
			w->bad_src = p;
			w->bad_until = clock_now_ms() + BAD_SRC_MS;
			w->src = NULL;
		}
	}
}

/* Entries pushed by p (see push_feed): taken when they extend our head,
 * then p's head is taken as an announcement, so whatever is still missing
 * below it (p thought we held more than we do) is fetched. */
static void take_push(struct syncer *sy, struct peer *p, const uint8_t *hbuf, size_t hlen,
		      const uint8_t *buf, size_t len)
{
	struct raw_entry v[WIRE_PUSH_MAX];
	struct wire_head h;
	struct batch_result r;
	size_t nh, n;
	uint64_t ours;
	if (wire_heads_parse(hbuf, hlen, &h, 1, &nh) || nh != 1 ||
	    wire_pack_parse(buf, len, v, WIRE_PUSH_MAX, &n) || n == 0 || h.seq < n) {
		log_limited(LOG_WARN, p->name, "peer %s: bad push", peer_label(p));
		p->rejected++;
		return;
	}
	/* a feed we do not know as a member's, as in take_heads: ignored */
	if (store_member_of(sy->store, h.author, NULL, NULL) != 1 ||
	    store_head(sy->store, h.author, &ours, NULL))
		return;
	/* the pack holds seqs h.seq - n + 1 .. h.seq */
	if (h.seq > ours && h.seq - n <= ours) {
		if (receive_batch(sy, p, v, n, &r))
			return;
	}
	take_heads(sy, p, hbuf, hlen, 0);
}

static void take_fork(struct syncer *sy, struct peer *p, const uint8_t *buf, size_t len)
{
	struct raw_entry v[3];
	size_t n;
	if (wire_pack_parse(buf, len, v, 3, &n) || n != 2) {
		log_limited(LOG_WARN, p->name, "peer %s: bad fork frame", peer_label(p));
		p->rejected++;
		return;
	}
	int rc = store_add_fork_proof(sy->store, &v[0], &v[1]);
	if (rc < 0) {
		log_limited(LOG_WARN, p->name, "peer %s: fork proof refused: %s",
			    peer_label(p), err_msg());
		p->rejected++;
	} else if (rc == 1) {
		struct entry e;
		if (entry_decode(&e, v[0].body, v[0].body_len, v[0].sig, v[0].sig_len) == 0) {
			fork_alarm(sy, p, e.b->author.data);
			entry_free(&e);
		}
	}
}

/* ---- peers ------------------------------------------------------------ */

/* Closes p's DEALER and its monitor. Monitoring stops first: libzmq 4.3
 * sends the events of a closing socket from its I/O thread, and an event
 * whose send fails once the PAIR is gone leaks its endpoint frame. */
static void peer_close(struct peer *p)
{
	if (p->sock) {
		zmq_socket_monitor(p->sock, NULL, 0);
		zmq_close(p->sock);
	}
	if (p->mon)
		zmq_close(p->mon);
	p->sock = p->mon = NULL;
}

static void peer_free(struct syncer *sy, struct peer *p)
{
	for (size_t i = 0; i < sy->nwants; i++) {
		if (sy->wants[i].src == p)
			sy->wants[i].src = NULL;
		if (sy->wants[i].bad_src == p)
			sy->wants[i].bad_src = NULL;
	}
	peer_close(p);
	free(p->heads);
	free(p->told);
	free(p);
}

static void peer_remove(struct syncer *sy, int i)
{
	peer_free(sy, sy->peers[i]);
	sy->peers[i] = sy->peers[--sy->npeers];
}

/* A name for the log and for status: "?" when the store cannot say. */
static void member_name(struct syncer *sy, const uint8_t *id, char *out, size_t n)
{
	if (replica_member_name(sy->store, id, out, n) != 1)
		snprintf(out, n, "?");
}

/* The transport key of a member, as this store knows it: 0, or -1 with
 * the reason (no such member, or the store's error). */
static int member_xkey(struct syncer *sy, const uint8_t member[32], uint8_t xkey[32])
{
	int rc = replica_member_xkey(sy->store, member, xkey);
	if (rc == 0)
		return err_set("not a member");
	return rc == 1 ? 0 : -1;
}

/* Makes p's DEALER and its monitor, and connects. */
static int peer_dial(struct syncer *sy, struct peer *p, const uint8_t xkey[32])
{
	char monep[64];
	const char *endpoint = p->endpoint;
	if (!(p->sock = zmq_socket(sy->ctx, ZMQ_DEALER)) || socket_common(sy, p->sock) ||
	    zmq_setsockopt(p->sock, ZMQ_CURVE_SERVERKEY, xkey, 32))
		return err_set("peer %s: %s", endpoint, zmq_strerror(errno));
	snprintf(monep, sizeof monep, "inproc://mutua-monitor-%d", sy->monitors++);
	if (zmq_socket_monitor(p->sock, monep, ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
				ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
				ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
				ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
				ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CONNECT_RETRIED) ||
	    !(p->mon = zmq_socket(sy->ctx, ZMQ_PAIR)) || zmq_connect(p->mon, monep))
		return err_set("peer %s: monitor: %s", endpoint, zmq_strerror(errno));
	if (zmq_connect(p->sock, endpoint))
		return err_set("cannot connect to %s: %s", endpoint, zmq_strerror(errno));
	return 0;
}

/* After a failed handshake libzmq closes the connection for good (a
 * refusal by ZAP is a protocol error, never retried): a new socket tries
 * again, with the transport key the store holds now. So an applicant's
 * node gets in once its admission passes, without a restart. */
static void peer_redial(struct syncer *sy, struct peer *p)
{
	uint8_t xkey[32];
	for (size_t i = 0; i < sy->nwants; i++)
		if (sy->wants[i].src == p)
			sy->wants[i].src = NULL;
	peer_close(p);
	p->connected = p->inflight = 0;
	p->dead_since = 0; /* until the next failure, if any */
	p->redial_ms = p->redial_ms ? 2 * p->redial_ms : REDIAL_MIN_MS;
	if (p->redial_ms > REDIAL_MAX_MS)
		p->redial_ms = REDIAL_MAX_MS;
	/* nodes started together must not redial together */
	p->redial_ms += (int64_t)randombytes_uniform((uint32_t)(p->redial_ms / 4 + 1));
	p->last_contact = clock_now_ms();
	if (member_xkey(sy, p->member, xkey) || peer_dial(sy, p, xkey)) {
		log_limited(LOG_WARN, p->name, "peer %s: cannot dial again: %s", peer_label(p),
			    err_msg());
		peer_close(p);
		p->dead_since = clock_now_ms(); /* try again later */
	}
}

/* Room for one more peer in sy->peers. */
static int peers_room(struct syncer *sy)
{
	if (sy->npeers < sy->cappeers)
		return 0;
	int cap = sy->cappeers ? 2 * sy->cappeers : 16;
	struct peer **more = realloc(sy->peers, (size_t)cap * sizeof *more);
	if (!more)
		return err_set("out of memory");
	sy->peers = more;
	sy->cappeers = cap;
	return 0;
}

int syncer_add_peer(struct syncer *sy, const uint8_t member[32], const char *endpoint)
{
	return syncer_add_peer_why(sy, member, endpoint, "configured");
}

int syncer_add_peer_why(struct syncer *sy, const uint8_t member[32], const char *endpoint,
			const char *why)
{
	uint8_t xkey[32];
	if (peers_room(sy))
		return -1;
	int known = replica_member_xkey(sy->store, member, xkey);
	if (known == 0)
		return err_set("peer %s is not a member", endpoint);
	if (known < 0)
		return err_set("peer %s: %s", endpoint, err_msg());
	struct peer *p = calloc(1, sizeof *p);
	if (!p)
		return err_set("out of memory");
	p->outbound = 1;
	p->added = p->last_contact = clock_now_ms();
	snprintf(p->why, sizeof p->why, "%s", why);
	memcpy(p->member, member, 32);
	snprintf(p->endpoint, sizeof p->endpoint, "%s", endpoint);
	member_name(sy, member, p->name, sizeof p->name);
	if (peer_dial(sy, p, xkey)) {
		peer_free(sy, p);
		return -1;
	}
	sy->peers[sy->npeers++] = p;
	return 0;
}

void syncer_clear_peers(struct syncer *sy)
{
	for (int i = sy->npeers - 1; i >= 0; i--)
		if (sy->peers[i]->outbound)
			peer_remove(sy, i);
}

static int outbound_index(const struct syncer *sy, const uint8_t member[32])
{
	for (int i = 0; i < sy->npeers; i++)
		if (sy->peers[i]->outbound && memcmp(sy->peers[i]->member, member, 32) == 0)
			return i;
	return -1;
}

void syncer_drop_peer(struct syncer *sy, const uint8_t member[32])
{
	int i = outbound_index(sy, member);
	if (i >= 0)
		peer_remove(sy, i);
}

int syncer_peer_state(const struct syncer *sy, const uint8_t member[32], int64_t grace_ms)
{
	int i = outbound_index(sy, member);
	if (i < 0)
		return -1;
	const struct peer *p = sy->peers[i];
	int64_t now = clock_now_ms();
	if (p->busy_until > now)
		return 1;
	if (p->connected || p->parked)
		return 0;
	/* never connected, or down, for longer than the grace */
	return now - (p->up_at > p->added ? p->up_at : p->added) > grace_ms;
}

/* ---- limits ----------------------------------------------------------- */

static int64_t penalty_until(struct syncer *sy, const uint8_t *member)
{
	int64_t now = clock_now_ms();
	for (size_t i = 0; i < sy->npenalties; i++) {
		if (sy->penalties[i].until <= now) {
			sy->penalties[i--] = sy->penalties[--sy->npenalties];
			continue;
		}
		if (memcmp(sy->penalties[i].member, member, 32) == 0)
			return sy->penalties[i].until;
	}
	return 0;
}

static void send_error_rid(struct syncer *sy, const uint8_t *rid, size_t rlen, const char *why)
{
	const void *b[] = {rid, "ERROR", why};
	size_t l[] = {rlen, 5, strlen(why)};
	for (int i = 0; i < 3; i++)
		zmq_send(sy->router, b[i], l[i], (i < 2 ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT);
}

static void peer_remove_ptr(struct syncer *sy, struct peer *p)
{
	for (int i = 0; i < sy->npeers; i++)
		if (sy->peers[i] == p) {
			peer_remove(sy, i);
			return;
		}
}

/* p's message broke a limit: p is disconnected (an outbound peer's socket
 * is closed; an inbound one is told and forgotten) and refused for
 * PENALTY_MS, logged once. The caller must not use p afterwards. */
static void penalize(struct syncer *sy, struct peer *p, const char *what)
{
	int64_t until = clock_now_ms() + PENALTY_MS;
	if (!penalty_until(sy, p->member)) {
		log_msg(LOG_WARN, "peer %s: %s: disconnected and refused for %d s",
			peer_label(p), what, PENALTY_MS / 1000);
		if (sy->npenalties == sy->cappenalties) {
			size_t cap = sy->cappenalties ? 2 * sy->cappenalties : 8;
			struct penalty *more = realloc(sy->penalties, cap * sizeof *more);
			if (more) {
				sy->penalties = more;
				sy->cappenalties = cap;
			}
		}
		if (sy->npenalties < sy->cappenalties) {
			memcpy(sy->penalties[sy->npenalties].member, p->member, 32);
			sy->penalties[sy->npenalties++].until = until;
		}
	}
	if (p->outbound) {
		for (size_t i = 0; i < sy->nwants; i++)
			if (sy->wants[i].src == p)
				sy->wants[i].src = NULL;
		peer_close(p);
		p->connected = p->inflight = p->answered = p->told_ok = 0;
		p->dead_since = clock_now_ms();
		p->redial_ms = PENALTY_MS;
		snprintf(p->last_error, sizeof p->last_error, "broke a limit: %s", what);
	} else {
		char why[120];
		snprintf(why, sizeof why, "refused for %d s: %s", PENALTY_MS / 1000, what);
		send_error_rid(sy, p->rid, p->rid_len, why);
		peer_remove_ptr(sy, p);
	}
}

static struct peer *inbound_find(struct syncer *sy, const uint8_t *rid, size_t len)
{
	for (int i = 0; i < sy->npeers; i++) {
		struct peer *p = sy->peers[i];
		if (!p->outbound && p->rid_len == len && memcmp(p->rid, rid, len) == 0)
			return p;
	}
	return NULL;
}

/* A new inbound peer, or NULL with *why set when it is refused: the
 * slots (max_inbound) are shared fairly, at most PER_MEMBER_IN per member,
 * and first come keeps its slot until silent. Evicting the longest silent
 * peer to make room, as before, made a churn without end once more
 * members dialled in than there were slots; a refused node is told so
 * ("busy") and dials another member instead. */
static struct peer *inbound_add(struct syncer *sy, const uint8_t *rid, size_t len,
				const char *user_id, const char **why)
{
	uint8_t member[32];
	int inbound = 0, same = 0;
	*why = NULL;
	if (len > sizeof ((struct peer *)0)->rid || !user_id || hex_decode(member, 32, user_id))
		return NULL;
	for (int i = 0; i < sy->npeers; i++) {
		struct peer *p = sy->peers[i];
		if (p->outbound)
			continue;
		inbound++;
		same += memcmp(p->member, member, 32) == 0;
	}
	if (penalty_until(sy, member)) {
		*why = "refused for a while: an earlier message broke a limit";
		return NULL;
	}
	if (same >= PER_MEMBER_IN) {
		/* this member's oldest connection is the one gone stale */
		int oldest = -1;
		for (int i = 0; i < sy->npeers; i++) {
			struct peer *p = sy->peers[i];
			if (!p->outbound && memcmp(p->member, member, 32) == 0 &&
			    (oldest < 0 || p->last_contact < sy->peers[oldest]->last_contact))
				oldest = i;
		}
		peer_remove(sy, oldest);
		inbound--;
	}
	if (inbound >= sy->cfg.max_inbound) {
		*why = "busy: this node has no room for another inbound peer; dial another";
		return NULL;
	}
	if (peers_room(sy))
		return NULL;
	struct peer *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	memcpy(p->rid, rid, len);
	p->rid_len = len;
	memcpy(p->member, member, 32);
	member_name(sy, member, p->name, sizeof p->name);
	sy->peers[sy->npeers++] = p;
	return p;
}

/* ---- dispatch --------------------------------------------------------- */

static int is_cmd(zmq_msg_t *m, const char *cmd)
{
	size_t n = strlen(cmd);
	return zmq_msg_size(m) == n && memcmp(zmq_msg_data(m), cmd, n) == 0;
}

static void handle(struct syncer *sy, struct peer *p, zmq_msg_t *f, int n)
{
	if (!peer_current(sy, p)) {
		log_limited(LOG_WARN, p->name, "peer %s is no longer a member: ignored",
			    peer_label(p));
		return;
	}
	p->last_contact = clock_now_ms();
	if (is_cmd(&f[0], "HEADS") && n == 2) {
		int full = !p->answered || p->replace_next;
		p->replace_next = 0;
		take_heads(sy, p, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), full);
	} else if ((is_cmd(&f[0], "DIFF") || is_cmd(&f[0], "DELTA")) && n == 3) {
		take_delta(sy, p, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), zmq_msg_data(&f[2]),
			   zmq_msg_size(&f[2]), is_cmd(&f[0], "DIFF"));
	} else if (is_cmd(&f[0], "GET") && n == 2) {
		serve_get(sy, p, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]));
	} else if (is_cmd(&f[0], "ENTRIES") && n == 3) {
		take_entries(sy, p, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]),
			     zmq_msg_data(&f[2]), zmq_msg_size(&f[2]));
	} else if (is_cmd(&f[0], "PUSH") && n == 3) {
		take_push(sy, p, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), zmq_msg_data(&f[2]),
			  zmq_msg_size(&f[2]));
	} else if (is_cmd(&f[0], "FORK") && n == 2) {
		take_fork(sy, p, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]));
	} else if (is_cmd(&f[0], "SUM") && n == 2) {
		if (!p->outbound)
			p->summed = 1;
		take_sum(sy, p, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), 1);
	} else if (is_cmd(&f[0], "SAME") && n == 2) {
		take_sum(sy, p, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), 0);
	} else if (is_cmd(&f[0], "ERROR") && n == 2) {
		size_t l = zmq_msg_size(&f[1]);
		snprintf(p->last_error, sizeof p->last_error, "%.*s",
			 (int)(l < WIRE_ERROR_MAX ? l : WIRE_ERROR_MAX), (char *)zmq_msg_data(&f[1]));
		if (text_utf8_check(p->last_error, strlen(p->last_error), WIRE_ERROR_MAX, 0))
			snprintf(p->last_error, sizeof p->last_error, "(unreadable error)");
		log_limited(LOG_WARN, p->name, "peer %s says: %s", peer_label(p), p->last_error);
		if (p->outbound && (strncmp(p->last_error, "busy", 4) == 0 ||
				    strncmp(p->last_error, "refused for", 11) == 0)) {
			/* it has no room for us, or refuses us for a while: the
			 * connection is closed (a refused connection left open
			 * costs both sides) and dialled again much later; the
			 * overlay meanwhile dials another member in its place */
			for (size_t i = 0; i < sy->nwants; i++)
				if (sy->wants[i].src == p)
					sy->wants[i].src = NULL;
			peer_close(p);
			p->connected = p->inflight = p->answered = p->told_ok = 0;
			p->busy_until = clock_now_ms() + sy->cfg.busy_ms;
			p->dead_since = clock_now_ms();
			p->redial_ms = sy->cfg.busy_ms;
		}
	} else if (is_cmd(&f[0], "HELLO") && n == 3) {
		/* a HELLO on an outbound link: answer with our heads */
		if (zmq_msg_size(&f[1]) != FED_ID_BYTES ||
		    memcmp(zmq_msg_data(&f[1]), store_fed_id(sy->store), FED_ID_BYTES))
			return;
		take_heads(sy, p, zmq_msg_data(&f[2]), zmq_msg_size(&f[2]), 1);
		send_hello(sy, p, "HEADS");
	} else {
		log_limited(LOG_WARN, p->name, "peer %s: unknown message (%zu frames)",
			    peer_label(p), (size_t)n);
		p->rejected++;
	}
}

/* Receives one whole message without blocking: at most FRAMES_MAX frames
 * kept, the rest of a longer message read and dropped. Returns the number
 * of frames kept, 0 when none is waiting. */
static int recv_msg(void *sock, zmq_msg_t *f, int *dropped)
{
	int n = 0, more = 1;
	*dropped = 0;
	while (more) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, sock, n == 0 && !*dropped ? ZMQ_DONTWAIT : 0) < 0) {
			zmq_msg_close(&m);
			break;
		}
		more = zmq_msg_more(&m);
		if (n < FRAMES_MAX)
			f[n++] = m;
		else {
			zmq_msg_close(&m);
			(*dropped)++;
		}
	}
	return n;
}

static void close_frames(zmq_msg_t *f, int n)
{
	for (int i = 0; i < n; i++)
		zmq_msg_close(&f[i]);
}

/* ---- staff clients (node/staffd.h) ------------------------------------ */

static void send_rid(struct syncer *sy, const uint8_t *rid, size_t rlen, const char *cmd,
		     const void *data, size_t len)
{
	zmq_send(sy->router, rid, rlen, ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(sy->router, cmd, strlen(cmd), ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(sy->router, data, len, ZMQ_DONTWAIT);
}

/* A staff connection's message waits for syncer_poll to run it. */
static void staff_queue(struct syncer *sy, const uint8_t *rid, size_t rlen, const char *uid,
			zmq_msg_t *f, int n)
{
	if (!sy->staff || rlen > sizeof sy->staffq[0].rid) {
		send_rid(sy, rid, rlen, "ERROR", "this node answers no staff", 26);
		return;
	}
	if (sy->nstaffq == STAFF_QUEUE_MAX) {
		static const char busy[] = "too many requests: wait 1 s";
		log_limited(LOG_WARN, "staff-queue", "staff: %d requests wait: one refused",
			    STAFF_QUEUE_MAX);
		send_rid(sy, rid, rlen, "ERROR", busy, sizeof busy - 1);
		return;
	}
	struct staff_msg *m = &sy->staffq[sy->nstaffq];
	memset(m, 0, sizeof *m);
	memcpy(m->rid, rid, rlen);
	m->rid_len = rlen;
	snprintf(m->uid, sizeof m->uid, "%s", uid);
	/* the frames a request has; a message of more frames is refused */
	m->n = n > 2 ? 3 : n;
	for (int i = 0; i < n && i < 2; i++) {
		m->lens[i] = zmq_msg_size(&f[i]);
		if (!(m->frames[i] = malloc(m->lens[i] ? m->lens[i] : 1))) {
			free(m->frames[0]);
			return;
		}
		memcpy(m->frames[i], zmq_msg_data(&f[i]), m->lens[i]);
	}
	sy->nstaffq++;
}

/* Sends the reply of the staff command that ended, if one did, then
 * starts the requests waiting (one command at a time; refusals are
 * answered at once), when no round's transaction is open. Never waits
 * for a command. How many requests were answered or started. */
static int staff_run(struct syncer *sy)
{
	int ran = 0;
	const char *cmd;
	uint8_t *out;
	size_t len;
	int owned;
	if (staffd_finish(sy->staff, clock_now_ms(), &cmd, &out, &len, &owned)) {
		send_rid(sy, sy->staff_rid, sy->staff_rid_len, cmd, out, len);
		if (owned)
			free(out);
		ran++;
	}
	if (sy->txn)
		return ran;
	while (sy->nstaffq && !staffd_busy(sy->staff)) {
		struct staff_msg *m = &sy->staffq[0];
		if (staffd_start(sy->staff, m->uid, (const uint8_t *const *)m->frames, m->lens, m->n,
				 &cmd, &out, &len, &owned)) {
			memcpy(sy->staff_rid, m->rid, m->rid_len);
			sy->staff_rid_len = m->rid_len;
		} else {
			send_rid(sy, m->rid, m->rid_len, cmd, out ? out : (uint8_t *)"",
				 out ? len : 0);
			if (owned)
				free(out);
		}
		free(m->frames[0]);
		free(m->frames[1]);
		memmove(&sy->staffq[0], &sy->staffq[1], --sy->nstaffq * sizeof sy->staffq[0]);
		ran++;
	}
	return ran;
}

void syncer_staff(struct syncer *sy, struct staffd *d)
{
	sy->staff = d;
}

static int drain_router(struct syncer *sy)
{
	zmq_msg_t f[FRAMES_MAX];
	int events = 0, n, dropped;
	while (events < DRAIN_MAX && (n = recv_msg(sy->router, f, &dropped)) > 0) {
		events++;
		if (n < 2 || dropped) {
			struct peer *bad = n >= 1 && n + dropped > FRAMES_LIMIT
				? inbound_find(sy, zmq_msg_data(&f[0]), zmq_msg_size(&f[0])) : NULL;
			if (bad)
				penalize(sy, bad, "a message of more frames than any command has");
			else
				log_limited(LOG_WARN, "router-shape",
					    "inbound message of a wrong shape dropped");
			close_frames(f, n);
			continue;
		}
		const uint8_t *rid = zmq_msg_data(&f[0]);
		size_t rlen = zmq_msg_size(&f[0]);
		const char *uid = zmq_msg_gets(&f[1], "User-Id");
		if (uid && strncmp(uid, STAFF_UID_PREFIX, strlen(STAFF_UID_PREFIX)) == 0) {
			staff_queue(sy, rid, rlen, uid, f + 1, n - 1);
			close_frames(f, n);
			continue;
		}
		struct peer *p = inbound_find(sy, rid, rlen);
		if (is_cmd(&f[1], "HELLO")) {
			if (n != 4 || zmq_msg_size(&f[2]) != FED_ID_BYTES ||
			    memcmp(zmq_msg_data(&f[2]), store_fed_id(sy->store), FED_ID_BYTES)) {
				static const char why[] = "wrong federation or malformed hello";
				send_error_rid(sy, rid, rlen, why);
				log_limited(LOG_WARN, "hello-fed", "refused a hello: %s", why);
				close_frames(f, n);
				continue;
			}
			if (!p) {
				const char *why;
				p = inbound_add(sy, rid, rlen, zmq_msg_gets(&f[1], "User-Id"), &why);
				if (!p) {
					if (why) {
						send_error_rid(sy, rid, rlen, why);
						log_limited(LOG_INFO, "inbound-refused",
							    "refused an inbound peer: %s", why);
					}
					close_frames(f, n);
					continue;
				}
				log_msg(LOG_INFO, "peer %s connected", peer_label(p));
			}
			if (!peer_current(sy, p)) {
				/* excluded since it connected: it is forgotten once silent */
				static const char why[] = "not a member of this federation any more";
				send_error_rid(sy, rid, rlen, why);
				log_limited(LOG_WARN, p->name, "refused a hello from %s: %s",
					    peer_label(p), why);
				p->connected = 0;
				close_frames(f, n);
				continue;
			}
			p->connected = 1;
			p->last_contact = clock_now_ms();
			p->answered = p->told_ok = 0;
			take_heads(sy, p, zmq_msg_data(&f[3]), zmq_msg_size(&f[3]), 1);
			send_hello(sy, p, "HEADS");
		} else if (p) {
			handle(sy, p, f + 1, n - 1);
		} else {
			log_limited(LOG_DEBUG, "no-hello", "inbound message before hello dropped");
		}
		close_frames(f, n);
	}
	return events;
}

static int drain_dealer(struct syncer *sy, struct peer *p)
{
	zmq_msg_t f[FRAMES_MAX];
	int events = 0, n, dropped;
	while (events < DRAIN_MAX && (n = recv_msg(p->sock, f, &dropped)) > 0) {
		events++;
		if (dropped && n + dropped > FRAMES_LIMIT) {
			close_frames(f, n);
			penalize(sy, p, "a message of more frames than any command has");
			break;
		}
		if (dropped) {
			log_limited(LOG_WARN, p->name, "peer %s: message of a wrong shape dropped",
				    peer_label(p));
			close_frames(f, n);
			continue;
		}
		handle(sy, p, f, n);
		close_frames(f, n);
		if (!p->sock)
			break; /* handle() closed it (a limit, or "busy") */
	}
	return events;
}

static int drain_monitor(struct syncer *sy, struct peer *p)
{
	zmq_msg_t f[FRAMES_MAX];
	int events = 0, n, dropped;
	while ((n = recv_msg(p->mon, f, &dropped)) > 0) {
		events++;
		if (n >= 1 && zmq_msg_size(&f[0]) >= 6) {
			uint16_t ev;
			memcpy(&ev, zmq_msg_data(&f[0]), 2);
			switch (ev) {
			case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
				p->connected = 1;
				p->refused = 0;
				p->dead_since = p->redial_ms = 0;
				p->answered = p->told_ok = 0;
				p->inflight = 0;
				p->last_error[0] = 0;
				p->last_contact = clock_now_ms();
				log_msg(LOG_INFO, "peer %s connected", peer_label(p));
				send_hello(sy, p, "HELLO");
				break;
			case ZMQ_EVENT_DISCONNECTED:
				if (p->connected)
					log_msg(LOG_INFO, "peer %s disconnected", peer_label(p));
				p->connected = 0;
				p->inflight = 0;
				break;
			case ZMQ_EVENT_CONNECT_RETRIED:
				/* libzmq does not say why a connection failed; status
				 * must not show a down peer without a word */
				if (!p->refused && strncmp(p->last_error, "secure handshake", 16) != 0)
					snprintf(p->last_error, sizeof p->last_error,
						 "no connection (refused or unanswered): is mutuad "
						 "running there, on this port? 'mutua doctor' says why");
				break;
			case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
				p->refused = 1;
				if (!p->dead_since)
					p->dead_since = clock_now_ms();
				snprintf(p->last_error, sizeof p->last_error,
					 "the peer refused our key (are we a member in its eyes?)");
				log_limited(LOG_WARN, p->name, "peer %s: %s", peer_label(p), p->last_error);
				break;
			default:
				if (!p->dead_since)
					p->dead_since = clock_now_ms();
				snprintf(p->last_error, sizeof p->last_error,
					 "secure handshake failed (wrong transport key for this "
					 "endpoint?)");
				log_limited(LOG_WARN, p->name, "peer %s: %s", peer_label(p), p->last_error);
			}
		}
		close_frames(f, n);
	}
	return events;
}

/* ZAP (RFC 27): admit a CURVE client whose key is a current member's
 * transport key, and tell the ROUTER which member it is (User-Id). */
static int drain_zap(struct syncer *sy)
{
	zmq_msg_t f[8];
	int events = 0;
	for (;;) {
		int n = 0, more = 1;
		while (more) {
			zmq_msg_t m;
			zmq_msg_init(&m);
			if (zmq_msg_recv(&m, sy->zap, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
				zmq_msg_close(&m);
				break;
			}
			more = zmq_msg_more(&m);
			if (n < 8)
				f[n++] = m;
			else
				zmq_msg_close(&m);
		}
		if (n == 0)
			break;
		events++;
		const char *status = "400", *text = "not a member";
		char uid[80] = "", why[200];
		if (n >= 7 && is_cmd(&f[0], "1.0") && is_cmd(&f[2], ZAP_DOMAIN) &&
		    is_cmd(&f[5], "CURVE") && zmq_msg_size(&f[6]) == 32) {
			uint8_t id[32];
			int cur = member_current_by_xkey(sy->store, zmq_msg_data(&f[6]), id);
			if (cur == 1) {
				hex_encode(uid, id, 32);
				status = "200";
				text = "OK";
			} else if (cur < 0) {
				text = "the store cannot tell: refused";
			} else if (sy->staff) {
				/* a staff person of this node's member, as a client */
				int st = staffd_admit(sy->staff, zmq_msg_data(&f[6]), uid, sizeof uid,
						      why, sizeof why);
				if (st == 1) {
					status = "200";
					text = "OK";
				} else if (st < 0) {
					text = "the store cannot tell: refused";
				} else {
					text = "not a member, nor staff of this node's member";
				}
			}
		} else {
			text = "mechanism or domain refused";
		}
		if (*status != '2') {
			char addr[64] = "?";
			if (n >= 4)
				snprintf(addr, sizeof addr, "%.*s", (int)zmq_msg_size(&f[3]) < 60
					 ? (int)zmq_msg_size(&f[3]) : 60, (char *)zmq_msg_data(&f[3]));
			char key[100];
			snprintf(key, sizeof key, "zap:%s", addr);
			log_limited(LOG_WARN, key, "refused a connection from %s: %s", addr, text);
		}
		/* reply: version, request id, status, text, user id, metadata */
		if (n >= 2) {
			zmq_send(sy->zap, "1.0", 3, ZMQ_SNDMORE);
			zmq_send(sy->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
			zmq_send(sy->zap, status, 3, ZMQ_SNDMORE);
			zmq_send(sy->zap, text, strlen(text), ZMQ_SNDMORE);
			zmq_send(sy->zap, uid, strlen(uid), ZMQ_SNDMORE);
			zmq_send(sy->zap, "", 0, 0);
		}
		close_frames(f, n);
	}
	return events;
}

/* ---- life cycle ------------------------------------------------------- */

/* The heap in use: what glibc's allocator holds, or, in a build with
 * AddressSanitizer, whose allocator glibc's statistics do not see, what
 * that allocator holds. */
static size_t heap_in_use(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return __sanitizer_get_current_allocated_bytes();
#else
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
#endif
}

/* The memory watch: a thread that looks at the heap in use every
 * MEMORY_LOOK_MS and, past max_memory, wakes the loop through a pipe
 * (memory_guard). A flood builds up inside libzmq's I/O thread, where the
 * loop sees nothing until the message ends, so the looks cannot wait for
 * the loop; and the loop, woken only when there is work (syncer_poll),
 * sleeps through an idle node's seconds. */
static void *memory_watch(void *arg)
{
	struct syncer *sy = arg;
	const size_t max = (size_t)sy->cfg.max_memory_mb << 20;
	const struct timespec look = {0, MEMORY_LOOK_MS * 1000000L};
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	/* the resident size first (a read of a few bytes): the heap in use
	 * is resident, so under max it is too; glibc's count of the heap
	 * walks its free lists, which costs more */
	int statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	while (!atomic_load(&sy->mem_stop)) {
		nanosleep(&look, NULL);
		char buf[128];
		unsigned long long size, resident;
		ssize_t n = statm >= 0 ? pread(statm, buf, sizeof buf - 1, 0) : -1;
		if (n > 0) {
			buf[n] = 0;
			if (sscanf(buf, "%llu %llu", &size, &resident) == 2 &&
			    resident * page <= max)
				continue;
		}
		if (heap_in_use() > max && !atomic_exchange(&sy->mem_over, 1) &&
		    write(sy->mem_pipe[1], "m", 1) < 0) {
			/* the pipe is full: the loop is woken already */
		}
	}
	if (statm >= 0)
		close(statm);
	return NULL;
}

static int memory_watch_start(struct syncer *sy)
{
	if (pipe2(sy->mem_pipe, O_CLOEXEC | O_NONBLOCK))
		return err_set("cannot watch the memory in use: %s", strerror(errno));
	int rc = pthread_create(&sy->mem_thread, NULL, memory_watch, sy);
	if (rc)
		return err_set("cannot watch the memory in use: %s", strerror(rc));
	sy->mem_running = 1;
	return 0;
}

static void memory_watch_stop(struct syncer *sy)
{
	if (sy->mem_running) {
		atomic_store(&sy->mem_stop, 1);
		pthread_join(sy->mem_thread, NULL);
		sy->mem_running = 0;
	}
	for (int i = 0; i < 2; i++)
		if (sy->mem_pipe[i] >= 0) {
			close(sy->mem_pipe[i]);
			sy->mem_pipe[i] = -1;
		}
}

struct syncer *syncer_new(struct store *s, const struct key *k, const struct sync_config *cfg)
{
	static const struct sync_config def = SYNC_CONFIG_DEFAULT;
	struct syncer *sy = calloc(1, sizeof *sy);
	if (!sy) {
		err_set("out of memory");
		return NULL;
	}
	sy->store = s;
	sy->key = k;
	sy->cfg = cfg ? *cfg : def;
	sy->data_version = -1;
	sy->watch_fd = sy->watch_wfd = -1;
	sy->mem_pipe[0] = sy->mem_pipe[1] = -1;
	/* what a peer sends is held past its feed's budget, or stopped */
	store_set_budgets(s, 1, 1);
	/* A received batch inserts into two indexes keyed by random entry ids
	 * (entries.id, resources.id). In SQLite's default 2 MB page cache
	 * that spills dirty pages mid-transaction and re-reads index pages:
	 * on a 100k-entry sync, 16 MB took a quarter off the receiver's CPU.
	 * 12 MB syncs as fast (72 388 against 70 957 entries/s, the spreads
	 * overlapping) and keeps the node under 32 MB. The cache only grows
	 * as pages are used; an idle node stays small. */
	if (replica_cache_size(s, 12288))
		log_msg(LOG_WARN, "page cache left at its default: %s", err_msg());
	if (!(sy->buf = malloc(WIRE_BATCH_BYTES)) || !(sy->ctx = zmq_ctx_new())) {
		err_set("out of memory");
		goto fail;
	}
	/* the ZAP handler first: a socket must never accept without it */
	if (!(sy->zap = zmq_socket(sy->ctx, ZMQ_REP)) ||
	    zmq_bind(sy->zap, "inproc://zeromq.zap.01")) {
		err_set("cannot start the ZAP handler: %s", zmq_strerror(errno));
		goto fail;
	}
	set_int(sy->zap, ZMQ_LINGER, 0);
	if (sy->cfg.max_memory_mb > 0 && memory_watch_start(sy))
		goto fail;
	return sy;
fail:
	syncer_destroy(&sy);
	return NULL;
}

void syncer_destroy(struct syncer **syp)
{
	struct syncer *sy = syp ? *syp : NULL;
	if (!sy)
		return;
	/* what a fetch holds in its open transaction is kept */
	if (sy->txn && (sy->fatal || sy->store_failed || store_commit(sy->store, sy)))
		store_rollback(sy->store, sy);
	while (sy->npeers)
		peer_remove(sy, sy->npeers - 1);
	for (int i = 0; i < sy->nstaffq; i++) { /* staff requests never run */
		free(sy->staffq[i].frames[0]);
		free(sy->staffq[i].frames[1]);
	}
	if (sy->router)
		zmq_close(sy->router);
	if (sy->zap)
		zmq_close(sy->zap);
	if (sy->ctx)
		zmq_ctx_term(sy->ctx);
	if (sy->watch_fd >= 0) {
		close(sy->watch_fd);
		close(sy->watch_wfd);
	}
	memory_watch_stop(sy);
	free(sy->wants);
	free(sy->grown);
	free(sy->holds);
	free(sy->peers);
	free(sy->items);
	free(sy->owner);
	free(sy->penalties);
	free(sy->buf);
	free(sy);
	*syp = NULL;
}

int syncer_listen(struct syncer *sy, const char *endpoint)
{
	if (endpoint != sy->listen_ep)
		snprintf(sy->listen_ep, sizeof sy->listen_ep, "%s", endpoint);
	if (!(sy->router = zmq_socket(sy->ctx, ZMQ_ROUTER)) || socket_common(sy, sy->router) ||
	    set_int(sy->router, ZMQ_CURVE_SERVER, 1) ||
	    set_int(sy->router, ZMQ_ROUTER_MANDATORY, 1))
		return err_set("cannot make the listening socket: %s", zmq_strerror(errno));
	if (zmq_bind(sy->router, endpoint))
		return err_set("cannot listen on %s: %s", endpoint, zmq_strerror(errno));
	return 0;
}

void syncer_watch_store(struct syncer *sy)
{
	const char *path = store_wake_path(sy->store);
	struct stat st;
	if (sy->watch_fd >= 0)
		return;
	/* made by us or an earlier run; anything else at that path is left
	 * alone. Members of the group (staff running the CLI) may wake us. */
	if (mkfifo(path, 0620) && errno != EEXIST) {
		log_msg(LOG_DEBUG, "no wake FIFO %s: %s", path, strerror(errno));
		return;
	}
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) || !S_ISFIFO(st.st_mode)) {
		log_msg(LOG_DEBUG, "no wake FIFO %s: %s", path,
			fd < 0 ? strerror(errno) : "not a FIFO");
		if (fd >= 0)
			close(fd);
		return;
	}
	/* a writer of our own: between two writers the FIFO never reads as
	 * closed, which poll would report again and again */
	int wfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (wfd < 0) {
		close(fd);
		return;
	}
	sy->watch_fd = fd;
	sy->watch_wfd = wfd;
	store_wakes(sy->store, 0);
}

/* Reads and forgets the pending wakes of a non-blocking pipe or FIFO:
 * the wake FIFO's, the memory watch's. */
static void drain_fd(int fd)
{
	char buf[256];
	while (read(fd, buf, sizeof buf) > 0)
		;
}

/* Has another process (the CLI) committed to the store since we looked? */
static int store_changed(struct syncer *sy)
{
	int64_t v;
	/* when the store cannot say, take it as changed: our heads go out
	 * again, which costs a message and loses nothing */
	if (replica_data_version(sy->store, &v))
		v = -1;
	int changed = sy->data_version >= 0 && v != sy->data_version;
	sy->data_version = v;
	sy->changes += changed;
	return changed;
}

/* Commits the round's received batches, then announces the feeds that
 * grew. -1 when the store failed. */
static int end_round(struct syncer *sy)
{
	/* while a backlog is fetched, rounds share a transaction up to a
	 * bound: each page of the random-key indexes is then written to the
	 * WAL once per ROUND_MS, not once per round */
	if (sy->txn && !sy->fatal && !sy->store_failed && sy->nwants &&
	    sy->txn_entries < ROUND_ENTRIES && clock_now_ms() - sy->txn_since < ROUND_MS)
		return 0;
	if (sy->txn) {
		sy->txn = 0;
		if (sy->fatal || sy->store_failed)
			store_rollback(sy->store, sy);
		else if (store_commit(sy->store, sy)) {
			log_limited(LOG_ERROR, "store-failed", "store: %s: receiving paused for "
				    "%d ms", err_msg(), STORE_RETRY_MS);
			store_rollback(sy->store, sy);
			sy->store_failed = 1;
		} else if (sy->ngrown) {
			sy->changes++;
		}
	}
	if (sy->store_failed) {
		/* nothing of the round was kept: forget it, ask again later */
		sy->store_failed = 0;
		sy->ngrown = 0;
		sy->pause_until = clock_now_ms() + STORE_RETRY_MS;
		for (size_t i = 0; i < sy->nwants; i++)
			sy->wants[i].src = NULL;
		for (int i = 0; i < sy->npeers; i++)
			sy->peers[i]->inflight = 0;
	}
	if (sy->fatal)
		return -1;
	for (size_t k = 0; k < sy->ngrown; k++)
		announce_feed(sy, sy->grown[k]);
	sy->ngrown = 0;
	return 0;
}

/* What libzmq cannot bound: it queues every frame of a multipart message
 * until the last one arrives, and only then does the message reach us
 * (ZMQ_MAXMSGSIZE bounds one frame; the high-water marks count whole
 * messages). One message of four million empty frames took 565 MB. So the
 * heap in use is looked at every MEMORY_LOOK_MS (memory_watch, which wakes
 * the loop when it is past max_memory); past max_memory every
 * connection is closed (which drops what libzmq queued for it) and made
 * again: the ROUTER listens anew, outbound peers are dialled again after
 * their back-off. A flood is cut off within one look; a sender whose
 * message does arrive whole is refused for a while (FRAMES_LIMIT). The
 * unit's MemoryMax is the last resort. */
static void memory_guard(struct syncer *sy, int64_t now)
{
	if (sy->trim && now >= sy->memory_at) {
		sy->trim = 0;
		malloc_trim(0);
	}
	if (sy->cfg.max_memory_mb <= 0 || !atomic_load(&sy->mem_over))
		return;
	drain_fd(sy->mem_pipe[0]);
	atomic_store(&sy->mem_over, 0);
	size_t used = heap_in_use();
	if (used <= (size_t)sy->cfg.max_memory_mb << 20)
		return;
	sy->resets++;
	log_limited(LOG_WARN, "memory-guard", "memory in use %zu MB, over max_memory (%d MB): "
		    "every connection is closed and made again (a peer may be sending a "
		    "message of millions of frames, which libzmq keeps whole)",
		    used >> 20, sy->cfg.max_memory_mb);
	if (sy->router) {
		zmq_close(sy->router);
		sy->router = NULL;
		sy->rebind_at = now + REBIND_MS;
	}
	for (int i = sy->npeers - 1; i >= 0; i--) {
		struct peer *p = sy->peers[i];
		if (!p->outbound) {
			peer_remove(sy, i);
			continue;
		}
		for (size_t k = 0; k < sy->nwants; k++)
			if (sy->wants[k].src == p)
				sy->wants[k].src = NULL;
		peer_close(p);
		p->connected = p->inflight = p->answered = p->told_ok = 0;
		p->dead_since = now;
		p->redial_ms = REDIAL_MIN_MS;
	}
	sy->trim = 1;
	sy->memory_at = now + TRIM_LOOK_MS;
}

/* The ROUTER again after memory_guard closed it (its port may take a
 * moment to be free). */
static void rebind(struct syncer *sy, int64_t now)
{
	if (sy->router || !sy->rebind_at || now < sy->rebind_at)
		return;
	if (syncer_listen(sy, sy->listen_ep)) {
		if (sy->router)
			zmq_close(sy->router);
		sy->router = NULL;
		sy->rebind_at = now + REBIND_MS;
		log_limited(LOG_DEBUG, "rebind", "%s: trying again", err_msg());
		return;
	}
	sy->rebind_at = 0;
	log_msg(LOG_INFO, "listening again on %s", sy->listen_ep);
}

/* No dial-back: two nodes that dial each other keep one connection.
 * When the node of a member we dial also dials us (its inbound connection
 * answered and sends digests), the node of the larger id closes its own
 * and is served by the other's (it parks its peer: not dialled, not
 * failing, so the overlay keeps it), once nothing is being fetched; it
 * dials again once that connection is gone. The smaller id never parks, so the two cannot both let go. */
static void one_link(struct syncer *sy)
{
	for (int i = 0; i < sy->npeers; i++) {
		struct peer *p = sy->peers[i], *in = NULL;
		if (!p->outbound)
			continue;
		for (int j = 0; j < sy->npeers && !in; j++) {
			struct peer *q = sy->peers[j];
			if (!q->outbound && q->connected && q->answered && q->summed &&
			    memcmp(q->member, p->member, 32) == 0)
				in = q;
		}
		/* only once nothing is being fetched: a want's source is not
		 * taken away mid-fetch (its other link may be the one marked
		 * bad for a while) */
		if (!p->parked && in && !sy->nwants && memcmp(sy->key->id, p->member, 32) > 0) {
			log_msg(LOG_INFO, "peer %s dials us too: its connection serves both ways, "
				"ours is closed", peer_label(p));
			for (size_t k = 0; k < sy->nwants; k++)
				if (sy->wants[k].src == p)
					sy->wants[k].src = NULL;
			peer_close(p);
			p->connected = p->inflight = p->answered = p->told_ok = 0;
			p->dead_since = 0;
			p->parked = 1;
		} else if (p->parked && !in) {
			log_msg(LOG_INFO, "peer %s no longer dials us: dialling it again",
				peer_label(p));
			p->parked = 0;
			p->redial_ms = 0;
			peer_redial(sy, p);
		}
	}
}

int syncer_poll(struct syncer *sy, int timeout_ms)
{
	int64_t t0 = clock_now_ms();
	memory_guard(sy, t0);
	rebind(sy, t0);
	/* the ZAP handler, the wake FIFO, the memory watch's pipe, the ROUTER,
	 * and two sockets per outbound peer: sized to the peers, never a fixed
	 * array */
	size_t need = 4 + 2 * (size_t)sy->npeers;
	if (need > sy->capitems) {
		zmq_pollitem_t *it = realloc(sy->items, need * sizeof *it);
		if (it)
			sy->items = it;
		struct peer **ow = realloc(sy->owner, need * sizeof *ow);
		if (ow)
			sy->owner = ow;
		if (!it || !ow)
			return err_set("out of memory");
		sy->capitems = need;
	}
	zmq_pollitem_t *items = sy->items;
	struct peer **owner = sy->owner;
	int n = 0, events = 0;
	items[n] = (zmq_pollitem_t){sy->zap, 0, ZMQ_POLLIN, 0};
	owner[n++] = NULL;
	if (sy->watch_fd >= 0) {
		items[n] = (zmq_pollitem_t){NULL, sy->watch_fd, ZMQ_POLLIN, 0};
		owner[n++] = NULL;
	}
	if (sy->mem_pipe[0] >= 0) { /* read by memory_guard */
		items[n] = (zmq_pollitem_t){NULL, sy->mem_pipe[0], ZMQ_POLLIN, 0};
		owner[n++] = NULL;
	}
	if (sy->router) {
		items[n] = (zmq_pollitem_t){sy->router, 0, ZMQ_POLLIN, 0};
		owner[n++] = NULL;
	}
	for (int i = 0; i < sy->npeers; i++) {
		struct peer *p = sy->peers[i];
		if (!p->outbound || !p->sock)
			continue;
		items[n] = (zmq_pollitem_t){p->sock, 0, ZMQ_POLLIN, 0};
		owner[n++] = p;
		items[n] = (zmq_pollitem_t){p->mon, 0, ZMQ_POLLIN, 0};
		owner[n++] = p;
	}
	/* a staff command runs: its end is looked for every few ms */
	if (sy->staff && staffd_busy(sy->staff) && timeout_ms > STAFF_LOOK_MS)
		timeout_ms = STAFF_LOOK_MS;
	if (zmq_poll(items, n, timeout_ms) < 0 && errno != EINTR)
		return err_set("poll: %s", zmq_strerror(errno));
	for (int i = 0; i < n && !sy->fatal; i++) {
		if (!(items[i].revents & ZMQ_POLLIN))
			continue;
		if (!items[i].socket) {
			/* the memory watch's pipe is for memory_guard, at the
			 * next call: it closes the sockets polled here */
			if (items[i].fd == sy->watch_fd)
				drain_fd(sy->watch_fd);
		} else if (items[i].socket == sy->zap)
			events += drain_zap(sy);
		else if (items[i].socket == sy->router)
			events += drain_router(sy);
		else if (owner[i] && items[i].socket == owner[i]->sock)
			events += drain_dealer(sy, owner[i]);
		else if (owner[i])
			events += drain_monitor(sy, owner[i]);
	}
	if (end_round(sy))
		return -1;
	if (sy->nstaffq || (sy->staff && staffd_busy(sy->staff))) {
		events += staff_run(sy);
		if (store_changed(sy)) /* what a staff person just did, at once */
			syncer_announce(sy);
	}

	one_link(sy);
	int64_t now = clock_now_ms();
	for (int i = sy->npeers - 1; i >= 0; i--) {
		struct peer *p = sy->peers[i];
		if (p->connected || p->parked)
			p->up_at = now;
		if (p->parked)
			continue;
		if (p->outbound && p->connected && now - p->last_contact > 3 * (int64_t)sy->cfg.hello_ms) {
			/* no answer to the last three digests: the link is dead
			 * whatever TCP says (ZMTP heartbeats are off, see
			 * socket_common) */
			log_msg(LOG_INFO, "peer %s silent: dialling again", peer_label(p));
			p->redial_ms = 0;
			peer_redial(sy, p);
		} else if (p->outbound && p->connected && now - p->last_hello >= sy->cfg.hello_ms) {
			if (p->answered)
				send_sum(sy, p);
			else
				send_hello(sy, p, "HELLO");
		} else if (p->outbound && p->dead_since &&
			 now - p->dead_since >= (p->redial_ms ? p->redial_ms : REDIAL_MIN_MS))
			peer_redial(sy, p);
		else if (!p->outbound && now - p->last_contact > 3 * sy->cfg.hello_ms) {
			log_msg(LOG_INFO, "peer %s silent: forgotten", peer_label(p));
			peer_remove(sy, i);
		}
	}
	if (store_changed(sy)) {
		syncer_announce(sy);
		events++;
	}
	pump(sy);
	return events;
}

/* ---- figures ---------------------------------------------------------- */

uint64_t syncer_received(const struct syncer *sy)
{
	return sy->received;
}

uint64_t syncer_changes(const struct syncer *sy)
{
	return sy->changes;
}

uint64_t syncer_sent(const struct syncer *sy)
{
	return sy->sent;
}

uint64_t syncer_resets(const struct syncer *sy)
{
	return sy->resets;
}

int syncer_npeers(const struct syncer *sy)
{
	return sy->npeers;
}

void syncer_peer_stats(const struct syncer *sy, int i, struct peer_stats *out)
{
	const struct peer *p = sy->peers[i];
	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", p->name);
	snprintf(out->endpoint, sizeof out->endpoint, "%s", p->outbound ? p->endpoint : "");
	hex_encode(out->member, p->member, 32);
	snprintf(out->why, sizeof out->why, "%s", p->outbound ? p->why : "");
	out->outbound = p->outbound;
	out->connected = p->connected;
	out->parked = p->parked;
	out->last_contact = p->last_contact;
	out->received = p->received;
	out->rejected = p->rejected;
	out->sent = p->sent;
	snprintf(out->last_error, sizeof out->last_error, "%s", p->last_error);
}

int syncer_busy(const struct syncer *sy)
{
	if (sy->nwants)
		return 1;
	for (int i = 0; i < sy->npeers; i++)
		if (sy->peers[i]->inflight)
			return 1;
	return 0;
}

int syncer_holds_round(const struct syncer *sy)
{
	return sy->txn;
}

int syncer_quiet(const struct syncer *sy)
{
	if (sy->nwants)
		return 0;
	for (int i = 0; i < sy->npeers; i++)
		if (sy->peers[i]->inflight || (sy->peers[i]->outbound && !sy->peers[i]->answered))
			return 0;
	return 1;
}

int syncer_in_step(const struct syncer *sy, int i)
{
	const struct peer *p = sy->peers[i];
	size_t n;
	if (!p->answered)
		return 0;
	struct wire_head *heads = our_heads((struct syncer *)sy, &n);
	if (!heads)
		return 0;
	int same = n == p->nheads;
	for (size_t k = 0; same && k < n; k++)
		same = peer_seq(p, heads[k].author) == heads[k].seq;
	free(heads);
	return same;
}

int syncer_heard_own_head(const struct syncer *sy)
{
	return sy->heard_own;
}

uint64_t syncer_own_heard(const struct syncer *sy)
{
	return sy->own_heard;
}

int syncer_peer_holds(const struct syncer *sy, const uint8_t author[32], uint64_t seq)
{
	for (int i = 0; i < sy->npeers; i++) {
		const struct peer *p = sy->peers[i];
		for (size_t k = 0; k < p->nheads; k++)
			if (memcmp(p->heads[k].author, author, 32) == 0 && p->heads[k].seq >= seq)
				return 1;
	}
	return 0;
}

const char *syncer_refusal(const struct syncer *sy, int i)
{
	const struct peer *p = sy->peers[i];
	return p->last_error[0] ? p->last_error : NULL;
}

/* ---- testing ---------------------------------------------------------- */

int syncer_inject(struct syncer *sy, const uint8_t *const *frames, const size_t *lens, int n)
{
	static const uint8_t rid[] = "inject";
	zmq_msg_t f[FRAMES_MAX];
	if (n < 1 || n > FRAMES_MAX)
		return err_set("1 to %d frames", FRAMES_MAX);
	struct peer *p = inbound_find(sy, rid, sizeof rid);
	if (!p) {
		/* a peer that passed ZAP as the first member in the store */
		uint8_t(*ids)[KEY_ID_BYTES];
		size_t nids;
		char uid[HEX_ID_LEN + 1] = "";
		if (replica_member_ids(sy->store, &ids, &nids))
			return -1;
		if (nids)
			hex_encode(uid, ids[0], 32);
		free(ids);
		const char *why;
		if (!(p = inbound_add(sy, rid, sizeof rid, uid, &why)))
			return err_set("cannot make the injected peer: %s", why ? why : "?");
		p->connected = 1;
	}
	for (int i = 0; i < n; i++) {
		zmq_msg_init_size(&f[i], lens[i]);
		if (lens[i])
			memcpy(zmq_msg_data(&f[i]), frames[i], lens[i]);
	}
	handle(sy, p, f, n);
	close_frames(f, n);
	if (end_round(sy))
		return -1;
	pump(sy);
	return 0;
}
