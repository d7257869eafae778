/* bench.c - the micro-benchmarks and measuring helpers of `make bench`
 * (tests/bench.sh runs them and prints the table).
 *
 * Usage: bench COMMAND ARGS...
 *   crypto SECONDS                  Ed25519 verify (1 and 2 threads) and
 *                                   BLAKE2b-256 of 256-byte messages
 *   verify2 SECONDS                 Ed25519 verify on 2 threads alone (one
 *                                   round beside the audit)
 *   stats NAME UNIT DECIMALS V...   a figure measured in rounds: median
 *                                   and spread
 *   ratio NAME DECIMALS A... -- B...
 *                                   a ratio of interleaved rounds: the
 *                                   medians' ratio, the rounds' spread
 *   large HOME ENTRIES MEMBERS OFFERS LOANS GENESIS [NEW_HOME...]
 *                                   a store shaped like a federation's
 *                                   history (cmd_large)
 *   sqlite DIR SECONDS              rows like the entries table, WAL,
 *                                   synchronous=FULL, 1000 per transaction
 *   durable DIR HOME ROUNDS SECONDS one SQLite transaction per row
 *                                   (synchronous=FULL, WAL) and store_append
 *                                   into HOME's store, in alternating rounds
 *                                   on the same disk; the median of each
 *   gen DB BODY COUNT HOME...       appends COUNT offers of about BODY bytes
 *                                   to the feeds of the keys in HOME...
 *                                   (round robin, in blocks), into the store
 *                                   DB, signed on two threads, synchronous=OFF:
 *                                   test data only
 *   sync DB ROWS ENTRIES BYTES SENDER_PID TIMEOUT -- CMD...
 *                                   runs CMD (the receiving mutuad) and waits
 *                                   until DB holds ROWS entries; then reads
 *                                   the peak RSS of both daemons and stops CMD
 *                                   (figures named BENCH_PREFIX_..., sync_
 *                                   unless set)
 *   watch DB ROWS ENTRIES RECV_PID TIMEOUT
 *                                   the receiving mutuad already runs (its
 *                                   web page signed in to, say): SIGHUP makes
 *                                   it read the peer its mutua.conf now names;
 *                                   waits until DB holds ROWS entries (figures
 *                                   BENCH_PREFIX_s and _entries_per_s)
 *   converge HOME FAR_DB N INTERVAL_MS TIMEOUT
 *                                   appends N entries to HOME's feed through
 *                                   the ledger API, one every ~INTERVAL_MS,
 *                                   and times each one's arrival in FAR_DB
 *   median FIGURE N -- CMD...       median wall time of N runs of CMD
 *   ports K                         K free TCP ports on 127.0.0.1
 *   libs SECONDS                    the resident set, after SECONDS, of
 *                                   this process with mutuad's libraries
 *                                   loaded and started, doing nothing
 *                                   (idle_rss_libs_mb: cmd_libs)
 *   gov DIR PROPOSALS VOTES         a store in DIR of four founders holding
 *                                   PROPOSALS open proposals (Alpha's: all but
 *                                   the first 20 past open-proposals, decided
 *                                   by the count all the same); times the fold
 *                                   of VOTES votes on them, one entry each
 *                                   as from a peer, and of one tally that
 *                                   decides a parameter (the full recount);
 *                                   synchronous=OFF: the fold's work, not
 *                                   the disk's
 *
 * Figures go to stdout as JSON lines {"figure": NAME, "value": NUMBER,
 * "unit": UNIT}, with "spread": [MIN, MAX] and "rounds": N when measured in
 * rounds; progress and errors to stderr. Exit status 0, 1 when a
 * measurement failed, 2 on a usage error.
 */
#include "clock.h"
#include "entry.h"
#include "federation.h"
#include "governance.h"
#include "keys.h"
#include "lending.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define MSG_BYTES 256
#define NMSG 64

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	nanosleep(&ts, NULL);
}

static void figure(const char *name, double value, const char *unit, int decimals)
{
	printf("{\"figure\": \"%s\", \"value\": %.*f, \"unit\": \"%s\"}\n", name, decimals,
	       value, unit);
	fflush(stdout);
}

static int die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, err_msg());
	return 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of v[n], sorted in place; nearest rank. */
static double quantile(double *v, size_t n, double q)
{
	qsort(v, n, sizeof *v, cmp_double);
	size_t i = (size_t)(q * (double)n + 0.999999);
	return v[i ? i - 1 : 0];
}

/* ---- rounds: one way for every figure measured in rounds -------------- */

/* A figure measured in n rounds: the median, and the spread (min, max) of
 * the rounds: {"figure", "value", "unit", "spread": [min, max], "rounds"}. */
static void figure_rounds(const char *name, const double *v, size_t n, const char *unit,
			  int decimals)
{
	double *w = malloc(n * sizeof *w);
	if (!w || !n) {
		free(w);
		return;
	}
	memcpy(w, v, n * sizeof *w);
	double med = quantile(w, n, 0.5);
	printf("{\"figure\": \"%s\", \"value\": %.*f, \"unit\": \"%s\", \"spread\": [%.*f, "
	       "%.*f], \"rounds\": %zu}\n", name, decimals, med, unit, decimals, w[0], decimals,
	       w[n - 1], n);
	fflush(stdout);
	free(w);
}

/* A ratio of two sides measured in n interleaved rounds (a[i] then b[i]):
 * the median of a over the median of b, and the spread of the rounds' own
 * ratios a[i] / b[i]. */
static void ratio_rounds(const char *name, const double *a, const double *b, size_t n,
			 int decimals)
{
	double *wa = malloc(n * sizeof *wa), *wb = malloc(n * sizeof *wb),
	       *r = malloc(n * sizeof *r);
	if (!wa || !wb || !r || !n)
		goto out;
	for (size_t i = 0; i < n; i++)
		r[i] = b[i] > 0 ? a[i] / b[i] : 0;
	memcpy(wa, a, n * sizeof *wa);
	memcpy(wb, b, n * sizeof *wb);
	double mb = quantile(wb, n, 0.5), ma = quantile(wa, n, 0.5);
	qsort(r, n, sizeof *r, cmp_double);
	printf("{\"figure\": \"%s\", \"value\": %.*f, \"unit\": \"ratio\", \"spread\": [%.*f, "
	       "%.*f], \"rounds\": %zu}\n", name, decimals, mb > 0 ? ma / mb : 0, decimals, r[0],
	       decimals, r[n - 1], n);
	fflush(stdout);
out:
	free(wa);
	free(wb);
	free(r);
}

/* stats NAME UNIT DECIMALS V...: a figure from rounds measured by the
 * caller; ratio NAME DECIMALS A... -- B...: a ratio from interleaved rounds
 * (A[i] measured next to B[i]). */
static int cmd_stats(int argc, char **argv)
{
	if (argc < 6)
		return 2;
	size_t n = (size_t)(argc - 5);
	double *v = malloc(n * sizeof *v);
	if (!v)
		return 1;
	for (size_t i = 0; i < n; i++)
		v[i] = atof(argv[5 + i]);
	figure_rounds(argv[2], v, n, argv[3], atoi(argv[4]));
	free(v);
	return 0;
}

static int cmd_ratio(int argc, char **argv)
{
	int sep = 0;
	for (int i = 4; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			sep = i;
	if (argc < 7 || !sep || sep - 4 != argc - sep - 1 || sep == 4)
		return 2;
	size_t n = (size_t)(sep - 4);
	double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
	if (!a || !b)
		return 1;
	for (size_t i = 0; i < n; i++) {
		a[i] = atof(argv[4 + i]);
		b[i] = atof(argv[sep + 1 + i]);
	}
	ratio_rounds(argv[2], a, b, n, atoi(argv[3]));
	free(a);
	free(b);
	return 0;
}

/* ---- crypto ----------------------------------------------------------- */

static struct {
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t msg[NMSG][MSG_BYTES];
	uint8_t sig[NMSG][crypto_sign_BYTES];
	double seconds;
	atomic_int go;
} cr;

static void *verify_loop(void *arg)
{
	uint64_t *count = arg, n = 0;
	while (!atomic_load(&cr.go))
		;
	double end = now_s() + cr.seconds;
	do {
		for (int i = 0; i < NMSG; i++)
			if (crypto_sign_verify_detached(cr.sig[i], cr.msg[i], MSG_BYTES, cr.pk))
				abort();
		n += NMSG;
	} while (now_s() < end);
	*count = n;
	return NULL;
}

static double verify_rate(int threads)
{
	pthread_t th[2];
	uint64_t count[2] = {0, 0};
	atomic_store(&cr.go, 0);
	for (int i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, verify_loop, &count[i]);
	double t0 = now_s();
	atomic_store(&cr.go, 1);
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	double t = now_s() - t0;
	return (double)(count[0] + count[1]) / t;
}

static int cmd_crypto(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	cr.seconds = atof(argv[2]);
	uint8_t sk[crypto_sign_SECRETKEYBYTES], h[32];
	crypto_sign_keypair(cr.pk, sk);
	for (int i = 0; i < NMSG; i++) {
		randombytes_buf(cr.msg[i], MSG_BYTES);
		crypto_sign_detached(cr.sig[i], NULL, cr.msg[i], MSG_BYTES, sk);
	}
	figure("ed25519_verify_1t_per_s", verify_rate(1), "verifications/s", 0);
	figure("ed25519_verify_2t_per_s", verify_rate(2), "verifications/s", 0);
	uint64_t n = 0;
	double t0 = now_s(), end = t0 + cr.seconds;
	do {
		for (int i = 0; i < NMSG; i++)
			crypto_generichash(h, 32, cr.msg[i], MSG_BYTES, NULL, 0);
		n += NMSG;
	} while (now_s() < end);
	figure("blake2b_per_s", (double)n / (now_s() - t0), "hashes/s", 0);
	return 0;
}

/* verify2 SECONDS: the 2-thread Ed25519 verify rate alone, one round of
 * the audit's ratio. */
static int cmd_verify2(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	cr.seconds = atof(argv[2]);
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(cr.pk, sk);
	for (int i = 0; i < NMSG; i++) {
		randombytes_buf(cr.msg[i], MSG_BYTES);
		crypto_sign_detached(cr.sig[i], NULL, cr.msg[i], MSG_BYTES, sk);
	}
	figure("ed25519_verify_2t_per_s", verify_rate(2), "verifications/s", 0);
	return 0;
}

/* ---- raw SQLite ------------------------------------------------------- */

/* The entries table of ledger/store.c, with its indexes. */
static const char entries_schema[] =
	"PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	"CREATE TABLE entries("
	" n INTEGER PRIMARY KEY, author BLOB NOT NULL, seq INTEGER NOT NULL,"
	" id BLOB NOT NULL, type TEXT NOT NULL, time INTEGER NOT NULL,"
	" body BLOB NOT NULL, sig BLOB NOT NULL,"
	" verified INTEGER NOT NULL DEFAULT 0, UNIQUE(author, seq));"
	"CREATE INDEX entries_unverified ON entries(verified) WHERE verified = 0;";

struct rawdb {
	sqlite3 *db;
	sqlite3_stmt *ins;
	uint8_t author[32];
	uint64_t seq;
};

static int rawdb_open(struct rawdb *r, const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
	memset(r, 0, sizeof *r);
	randombytes_buf(r->author, sizeof r->author);
	if (sqlite3_open(path, &r->db) ||
	    sqlite3_exec(r->db, entries_schema, NULL, NULL, NULL) ||
	    sqlite3_prepare_v2(r->db, "INSERT INTO entries(author, seq, id, type, time, body,"
				      " sig, verified) VALUES (?, ?, ?, 'offer', ?, ?, ?, 1)",
			       -1, &r->ins, NULL)) {
		fprintf(stderr, "bench: sqlite %s: %s\n", path, sqlite3_errmsg(r->db));
		return -1;
	}
	return 0;
}

static void rawdb_close(struct rawdb *r)
{
	sqlite3_finalize(r->ins);
	sqlite3_close(r->db);
}

static int rawdb_insert(struct rawdb *r)
{
	uint8_t body[MSG_BYTES], id[32], sig[64];
	randombytes_buf(body, sizeof body);
	randombytes_buf(sig, sizeof sig);
	crypto_generichash(id, 32, body, sizeof body, NULL, 0);
	sqlite3_bind_blob(r->ins, 1, r->author, 32, SQLITE_STATIC);
	sqlite3_bind_int64(r->ins, 2, (sqlite3_int64)++r->seq);
	sqlite3_bind_blob(r->ins, 3, id, 32, SQLITE_STATIC);
	sqlite3_bind_int64(r->ins, 4, clock_now_ms());
	sqlite3_bind_blob(r->ins, 5, body, sizeof body, SQLITE_STATIC);
	sqlite3_bind_blob(r->ins, 6, sig, sizeof sig, SQLITE_STATIC);
	int rc = sqlite3_step(r->ins);
	sqlite3_reset(r->ins);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "bench: sqlite insert: %s\n", sqlite3_errmsg(r->db));
		return -1;
	}
	return 0;
}

static int cmd_sqlite(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	struct rawdb r;
	double secs = atof(argv[3]);
	if (rawdb_open(&r, argv[2], "batched.db"))
		return 1;
	uint64_t n = 0;
	double t0 = now_s(), end = t0 + secs;
	do {
		sqlite3_exec(r.db, "BEGIN", NULL, NULL, NULL);
		for (int i = 0; i < 1000; i++)
			if (rawdb_insert(&r))
				return 1;
		if (sqlite3_exec(r.db, "COMMIT", NULL, NULL, NULL))
			return 1;
		n += 1000;
	} while (now_s() < end);
	figure("sqlite_insert_batch_per_s", (double)n / (now_s() - t0), "rows/s", 0);
	rawdb_close(&r);
	return 0;
}

/* An offer like `mutua offer add` makes; title and description owned by
 * the caller. */
static void offer_body(Mutua__Body *b, Mutua__Offer *o, char *title, char *description)
{
	mutua__offer__init(o);
	mutua__body__init(b);
	o->kind = MUTUA__KIND__KIND_EQUIPMENT;
	o->title = title;
	o->unit = MUTUA__UNIT__UNIT_DAY;
	o->capacity = 1;
	o->description = description;
	b->payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b->offer = o;
}

static int cmd_durable(int argc, char **argv)
{
	if (argc != 6)
		return 2;
	char path[4096], title[64];
	int rounds = atoi(argv[4]);
	double secs = atof(argv[5]), fs[16], ap[16];
	if (rounds < 1 || rounds > 16)
		return 2;
	struct rawdb r;
	if (rawdb_open(&r, argv[2], "fsync.db"))
		return 1;
	snprintf(path, sizeof path, "%s/store.db", argv[3]);
	struct store *s = store_open(path);
	if (s)
		store_set_budgets(s, 0, 0); /* measurements, not a member's day */
	if (!s)
		return die(path);
	snprintf(path, sizeof path, "%s/key", argv[3]);
	struct key *k = key_load(path, NULL);
	if (!k)
		return die(path);
	uint64_t made = 0;
	for (int round = 0; round < rounds; round++) {
		uint64_t n = 0;
		double t0 = now_s(), end = t0 + secs;
		do {
			if (rawdb_insert(&r)) /* autocommit: one transaction each */
				return 1;
			n++;
		} while (now_s() < end);
		fs[round] = (double)n / (now_s() - t0);
		n = 0;
		t0 = now_s();
		end = t0 + secs;
		do {
			Mutua__Body b;
			Mutua__Offer o;
			snprintf(title, sizeof title, "Durable offer %llu", (unsigned long long)++made);
			offer_body(&b, &o, title, NULL);
			if (store_append(s, k, &b, NULL))
				return die("store_append");
			n++;
		} while (now_s() < end);
		ap[round] = (double)n / (now_s() - t0);
		fprintf(stderr, "bench: durable round %d: sqlite %.0f txn/s, store_append %.0f/s\n",
			round + 1, fs[round], ap[round]);
	}
	figure_rounds("sqlite_insert_full_txn_per_s", fs, (size_t)rounds, "txn/s", 0);
	figure_rounds("append_durable_per_s", ap, (size_t)rounds, "appends/s", 0);
	ratio_rounds("append_ratio_to_sqlite", ap, fs, (size_t)rounds, 3);
	key_destroy(&k);
	store_close(&s);
	rawdb_close(&r);
	return 0;
}

/* ---- test data -------------------------------------------------------- */

#define GEN_BATCH 4096
#define GEN_QUEUE 4

struct gen_feed {
	struct key *k;
	uint64_t seq, left;
	uint8_t prev[32];
};

struct gen_batch {
	struct entry e[GEN_BATCH];
	size_t n;
	struct gen_batch *next; /* in the list of spare batches */
};

static struct {
	struct gen_feed *feeds;
	int nfeeds;
	const uint8_t *fed;
	size_t desc_len;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct gen_batch *q[GEN_QUEUE], *spare;
	int qn, producers_left, failed;
} g;

/* Seals the next n entries of feed f into bt (one producer per feed). */
static int gen_fill(struct gen_feed *f, struct gen_batch *bt, size_t n)
{
	char title[64], *desc = malloc(g.desc_len + 1);
	if (!desc)
		return -1;
	memset(desc, 'x', g.desc_len);
	desc[g.desc_len] = 0;
	int64_t t = clock_now_ms();
	for (bt->n = 0; bt->n < n; bt->n++) {
		Mutua__Body b;
		Mutua__Offer o;
		snprintf(title, sizeof title, "Bench offer %llu", (unsigned long long)f->seq + 1);
		offer_body(&b, &o, title, desc);
		b.federation.data = (uint8_t *)g.fed;
		b.federation.len = 32;
		b.author.data = f->k->id;
		b.author.len = 32;
		b.seq = f->seq + 1;
		b.has_prev = f->seq > 0;
		b.prev.data = f->seq > 0 ? f->prev : NULL;
		b.prev.len = f->seq > 0 ? 32 : 0;
		b.time = t;
		if (entry_seal(&bt->e[bt->n], f->k, &b)) {
			free(desc);
			return -1;
		}
		f->seq++;
		entry_link(f->prev, bt->e[bt->n].id, bt->e[bt->n].sig);
	}
	f->left -= n;
	free(desc);
	return 0;
}

/* Producer p seals the feeds p, p + 2, ...: blocks of GEN_BATCH, round robin. */
static void *gen_producer(void *arg)
{
	int p = (int)(intptr_t)arg, more = 1;
	while (more && !g.failed) {
		more = 0;
		for (int i = p; i < g.nfeeds; i += 2) {
			struct gen_feed *f = &g.feeds[i];
			if (!f->left)
				continue;
			more = 1;
			pthread_mutex_lock(&g.mu);
			struct gen_batch *bt = g.spare;
			if (bt)
				g.spare = bt->next;
			pthread_mutex_unlock(&g.mu);
			if (!bt)
				bt = malloc(sizeof *bt);
			if (!bt || gen_fill(f, bt, f->left < GEN_BATCH ? f->left : GEN_BATCH)) {
				fprintf(stderr, "bench: gen: %s\n", err_msg());
				g.failed = 1;
				free(bt);
				break;
			}
			pthread_mutex_lock(&g.mu);
			while (g.qn == GEN_QUEUE)
				pthread_cond_wait(&g.cv, &g.mu);
			g.q[g.qn++] = bt;
			pthread_cond_broadcast(&g.cv);
			pthread_mutex_unlock(&g.mu);
		}
	}
	pthread_mutex_lock(&g.mu);
	g.producers_left--;
	pthread_cond_broadcast(&g.cv);
	pthread_mutex_unlock(&g.mu);
	return NULL;
}

static int cmd_gen(int argc, char **argv)
{
	if (argc < 6)
		return 2;
	long body = atol(argv[3]), count = atol(argv[4]);
	int nfeeds = argc - 5;
	char path[4096];
	if (body < 100 || body > 4000 || count < 1)
		return 2;
	struct store *s = store_open(argv[2]);
	if (!s)
		return die(argv[2]);
	if (!store_has_federation(s)) {
		fprintf(stderr, "bench: %s has no federation\n", argv[2]);
		return 1;
	}
	/* test data: no journal, no fsync, a big cache for the random id
	 * index; the next store_open puts the store back in WAL mode */
	sqlite3_exec(store_db(s), "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
		     " PRAGMA cache_size = -262144", NULL, NULL, NULL);
	g.fed = store_fed_id(s);
	g.nfeeds = nfeeds;
	g.feeds = calloc((size_t)nfeeds, sizeof *g.feeds);
	for (int i = 0; i < nfeeds; i++) {
		snprintf(path, sizeof path, "%s/key", argv[5 + i]);
		if (!(g.feeds[i].k = key_load(path, NULL)))
			return die(path);
		struct feed_head h;
		if (store_feed_head(s, g.feeds[i].k->id, &h))
			return die("store_feed_head");
		g.feeds[i].seq = h.seq;
		memcpy(g.feeds[i].prev, h.link, 32);
		g.feeds[i].left = (uint64_t)(count / nfeeds + (i < count % nfeeds));
	}
	/* the description that brings the body to about `body` bytes */
	struct gen_batch *probe = malloc(sizeof *probe);
	struct gen_feed f0 = g.feeds[0];
	f0.seq = 100000; /* a typical entry: with a prev and a 3-byte seq */
	g.desc_len = 0;
	for (int i = 0; i < 3; i++) {
		struct gen_feed f = f0;
		if (!probe || gen_fill(&f, probe, 1))
			return die("gen");
		long len = (long)probe->e[0].body_len;
		entry_free(&probe->e[0]);
		g.desc_len = (long)g.desc_len + body - len > 0 ? (size_t)((long)g.desc_len + body - len) : 0;
	}
	free(probe);

	pthread_t th[2];
	pthread_mutex_init(&g.mu, NULL);
	pthread_cond_init(&g.cv, NULL);
	g.producers_left = 2;
	double t0 = now_s();
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, gen_producer, (void *)(intptr_t)i);
	uint64_t done = 0, bytes = 0, batches = 0;
	int rc = 0;
	for (;;) {
		pthread_mutex_lock(&g.mu);
		while (g.qn == 0 && g.producers_left)
			pthread_cond_wait(&g.cv, &g.mu);
		struct gen_batch *bt = g.qn ? g.q[0] : NULL;
		if (bt) {
			memmove(g.q, g.q + 1, (size_t)--g.qn * sizeof *g.q);
			pthread_cond_broadcast(&g.cv);
		}
		pthread_mutex_unlock(&g.mu);
		if (!bt)
			break;
		struct batch_result r;
		if (!rc && ((batches % 8 == 0 && store_begin(s, s, "bench")) ||
			    store_insert_entries(s, bt->e, bt->n, 1, &r) ||
			    (++batches % 8 == 0 && store_commit(s, s)) || r.added != bt->n)) {
			fprintf(stderr, "bench: gen: insert: %s\n", err_msg());
			store_rollback(s, s);
			rc = 1;
			g.failed = 1;
		}
		done += bt->n;
		for (size_t i = 0; i < bt->n; i++) {
			bytes += bt->e[i].body_len + KEY_SIG_BYTES;
			entry_free(&bt->e[i]);
		}
		pthread_mutex_lock(&g.mu);
		bt->next = g.spare;
		g.spare = bt;
		pthread_mutex_unlock(&g.mu);
	}
	while (g.spare) {
		struct gen_batch *bt = g.spare;
		g.spare = bt->next;
		free(bt);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	if (!rc && batches % 8 && store_commit(s, s)) {
		fprintf(stderr, "bench: gen: commit: %s\n", err_msg());
		rc = 1;
	}
	if (g.failed)
		rc = 1;
	double t = now_s() - t0;
	fprintf(stderr, "bench: gen: %llu entries (%.0f B each with its signature) in %.1f s "
		"(%.0f/s)\n", (unsigned long long)done, done ? (double)bytes / (double)done : 0, t,
		(double)done / t);
	/* for the caller: entries and bytes (body + signature) */
	printf("%llu %llu\n", (unsigned long long)done, (unsigned long long)bytes);
	for (int i = 0; i < nfeeds; i++)
		key_destroy(&g.feeds[i].k);
	free(g.feeds);
	store_close(&s);
	return rc;
}

/* ---- daemons ---------------------------------------------------------- */

static pid_t child = -1;

static void on_signal(int sig)
{
	if (child > 0)
		kill(child, SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A memory figure of a live process, in MB, or -1: field is "VmHWM" (the
 * peak resident set) or "VmRSS" (the resident set now). */
static double status_mb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t len = strlen(field);
	double kb = -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, len) == 0 && line[len] == ':' &&
		    sscanf(line + len + 1, "%lf kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb / 1024;
}

static double peak_rss_mb(pid_t pid)
{
	return status_mb(pid, "VmHWM");
}

static pid_t spawn(char **argv)
{
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "bench: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Stops a child: SIGTERM, then SIGKILL after 5 s. */
static void stop(pid_t pid)
{
	int status;
	kill(pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		sleep_us(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* One integer from a query on db, or -1. */
static int64_t scalar(sqlite3 *db, sqlite3_stmt *st)
{
	int64_t v = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	(void)db;
	return v;
}

/* The sync's time and rate under BENCH_PREFIX's name ("sync" unless set:
 * "join"), said on stderr too; the prefix. */
static const char *sync_time_figures(double entries, double t)
{
	const char *px = getenv("BENCH_PREFIX");
	char name[64];
	px = px && *px ? px : "sync";
	fprintf(stderr, "bench: %s: %.0f entries in %.3f s\n", px, entries, t);
	snprintf(name, sizeof name, "%s_s", px);
	figure(name, t, "s", 2);
	snprintf(name, sizeof name, "%s_entries_per_s", px);
	figure(name, entries / t, "entries/s", 0);
	return px;
}

static int cmd_sync(int argc, char **argv)
{
	if (argc < 10 || strcmp(argv[8], "--"))
		return 2;
	int64_t rows = atoll(argv[3]);
	double entries = atof(argv[4]), bytes = atof(argv[5]), timeout = atof(argv[7]);
	pid_t sender = (pid_t)atoi(argv[6]);
	sqlite3 *db;
	sqlite3_stmt *st;
	if (sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READWRITE, NULL) ||
	    sqlite3_prepare_v2(db, "SELECT max(n) FROM entries", -1, &st, NULL)) {
		fprintf(stderr, "bench: %s: %s\n", argv[2], sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_busy_timeout(db, 1000);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	double t0 = now_s(), t = 0;
	child = spawn(argv + 9);
	int64_t held = 0;
	while ((t = now_s() - t0) < timeout) {
		held = scalar(db, st);
		if (held >= rows)
			break;
		int status;
		if (waitpid(child, &status, WNOHANG) == child) {
			fprintf(stderr, "bench: the receiving daemon exited (status %d)\n", status);
			child = -1;
			return 1;
		}
		sleep_us(2000);
	}
	double rss_recv = peak_rss_mb(child), rss_send = peak_rss_mb(sender);
	stop(child);
	child = -1;
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (held < rows) {
		fprintf(stderr, "bench: sync: %lld of %lld entries after %.0f s\n", (long long)held,
			(long long)rows, timeout);
		return 1;
	}
	const char *px = sync_time_figures(entries, t);
	char name[64];
#define FIG(suffix, v, unit, d)                                                  \
	(snprintf(name, sizeof name, "%s_%s", px, suffix), figure(name, v, unit, d))
	if (bytes > 0)
		FIG("mb_per_s", bytes / t / 1e6, "MB/s", 2);
	/* the figure is the worse of the two daemons; each one's too */
	FIG("peak_rss_mb", rss_send > rss_recv ? rss_send : rss_recv, "MB", 1);
	FIG("rss_sender_mb", rss_send, "MB", 1);
	FIG("rss_receiver_mb", rss_recv, "MB", 1);
#undef FIG
	return 0;
}

/* The sync of a receiver that runs already, from the SIGHUP that gives it
 * its peer to the last entry: a start that is not timed (its web page's
 * sign-in, tests/bench/webload.py) and the same measure on both sides of
 * the sync_under_web_load ratio. */
static int cmd_watch(int argc, char **argv)
{
	if (argc != 7)
		return 2;
	int64_t rows = atoll(argv[3]);
	double entries = atof(argv[4]), timeout = atof(argv[6]);
	pid_t recv = (pid_t)atoi(argv[5]);
	sqlite3 *db;
	sqlite3_stmt *st;
	if (sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READWRITE, NULL) ||
	    sqlite3_prepare_v2(db, "SELECT max(n) FROM entries", -1, &st, NULL)) {
		fprintf(stderr, "bench: %s: %s\n", argv[2], sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_busy_timeout(db, 1000);
	double t0 = now_s(), t = 0;
	if (kill(recv, SIGHUP)) {
		fprintf(stderr, "bench: watch: the receiving daemon is gone\n");
		return 1;
	}
	int64_t held = 0;
	while ((t = now_s() - t0) < timeout) {
		held = scalar(db, st);
		if (held >= rows)
			break;
		if (kill(recv, 0)) {
			fprintf(stderr, "bench: watch: the receiving daemon exited\n");
			return 1;
		}
		sleep_us(2000);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (held < rows) {
		fprintf(stderr, "bench: watch: %lld of %lld entries after %.0f s\n", (long long)held,
			(long long)rows, timeout);
		return 1;
	}
	sync_time_figures(entries, t);
	return 0;
}

/* ---- convergence ------------------------------------------------------ */

#define CONVERGE_MAX 100000

static struct {
	const char *far;
	uint8_t author[32];
	uint64_t first, last; /* seqs measured */
	double *appended, *arrived; /* by seq - first */
	atomic_int stop;
	atomic_uint_fast64_t seen;
} cv;

/* Watches the far store's head of our feed and stamps each new seq. */
static void *watcher(void *arg)
{
	(void)arg;
	sqlite3 *db;
	sqlite3_stmt *st;
	if (sqlite3_open_v2(cv.far, &db, SQLITE_OPEN_READWRITE, NULL) ||
	    sqlite3_prepare_v2(db, "SELECT seq FROM feeds WHERE author = ?", -1, &st, NULL)) {
		fprintf(stderr, "bench: %s: %s\n", cv.far, sqlite3_errmsg(db));
		atomic_store(&cv.stop, 2);
		return NULL;
	}
	sqlite3_busy_timeout(db, 1000);
	sqlite3_bind_blob(st, 1, cv.author, 32, SQLITE_STATIC);
	while (!atomic_load(&cv.stop)) {
		int64_t seq = scalar(db, st);
		double t = now_s();
		uint64_t seen = atomic_load(&cv.seen);
		if (seq > 0 && (uint64_t)seq > seen) {
			for (uint64_t q = seen + 1; q <= (uint64_t)seq; q++)
				if (q >= cv.first && q <= cv.last)
					cv.arrived[q - cv.first] = t;
			atomic_store(&cv.seen, (uint64_t)seq);
		}
		sleep_us(200);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return NULL;
}

/* Appends one offer; retries while the daemon holds appends after its
 * start. The new seq, or 0. */
static uint64_t append_one(struct store *s, const struct key *k, uint64_t i, double give_up)
{
	char title[64];
	for (;;) {
		Mutua__Body b;
		Mutua__Offer o;
		snprintf(title, sizeof title, "Convergence offer %llu", (unsigned long long)i);
		offer_body(&b, &o, title, NULL);
		if (store_append(s, k, &b, NULL) == 0)
			return b.seq;
		if (now_s() > give_up) {
			fprintf(stderr, "bench: converge: append: %s\n", err_msg());
			return 0;
		}
		sleep_us(50000);
	}
}

static int wait_seen(uint64_t seq, double give_up)
{
	while (atomic_load(&cv.seen) < seq) {
		if (now_s() > give_up || atomic_load(&cv.stop))
			return -1;
		sleep_us(1000);
	}
	return 0;
}

static int cmd_converge(int argc, char **argv)
{
	if (argc != 7)
		return 2;
	char path[4096];
	long n = atol(argv[4]);
	double interval = atof(argv[5]) / 1000, timeout = atof(argv[6]);
	if (n < 1 || n > CONVERGE_MAX)
		return 2;
	snprintf(path, sizeof path, "%s/store.db", argv[2]);
	struct store *s = store_open(path);
	if (s)
		store_set_budgets(s, 0, 0); /* measurements, not a member's day */
	if (!s)
		return die(path);
	snprintf(path, sizeof path, "%s/key", argv[2]);
	struct key *k = key_load(path, NULL);
	if (!k)
		return die(path);
	cv.far = argv[3];
	memcpy(cv.author, k->id, 32);
	cv.appended = calloc((size_t)n, sizeof(double));
	cv.arrived = calloc((size_t)n, sizeof(double));
	cv.first = UINT64_MAX;
	cv.last = 0;
	pthread_t th;
	pthread_create(&th, NULL, watcher, NULL);
	double give_up = now_s() + timeout;
	int rc = 1;
	/* warm up: the line is connected once a first entry went through */
	uint64_t seq = append_one(s, k, 0, give_up);
	if (!seq || wait_seen(seq, give_up)) {
		fprintf(stderr, "bench: converge: the first entry did not reach the far end\n");
		goto out;
	}
	cv.first = seq + 1;
	cv.last = seq + (uint64_t)n;
	for (long i = 0; i < n; i++) {
		/* jittered pace: no phase lock with any timer in the daemons */
		double next = now_s() + interval * (0.5 + randombytes_uniform(1000) / 1000.0);
		uint64_t q = append_one(s, k, (uint64_t)i + 1, give_up);
		if (q != cv.first + (uint64_t)i) {
			fprintf(stderr, "bench: converge: append gave seq %llu\n", (unsigned long long)q);
			goto out;
		}
		cv.appended[i] = now_s();
		double wait = next - now_s();
		if (wait > 0)
			sleep_us((long)(wait * 1e6));
	}
	if (wait_seen(cv.last, give_up)) {
		fprintf(stderr, "bench: converge: %llu of %ld entries reached the far end\n",
			(unsigned long long)(atomic_load(&cv.seen) - cv.first + 1), n);
		goto out;
	}
	for (long i = 0; i < n; i++)
		cv.arrived[i] = (cv.arrived[i] - cv.appended[i]) * 1000;
	fprintf(stderr, "bench: converge: %ld entries, max %.1f ms\n", n,
		quantile(cv.arrived, (size_t)n, 1.0));
	figure("converge_p50_ms", quantile(cv.arrived, (size_t)n, 0.50), "ms", 2);
	figure("converge_p99_ms", quantile(cv.arrived, (size_t)n, 0.99), "ms", 2);
	rc = 0;
out:
	atomic_store(&cv.stop, 1);
	pthread_join(th, NULL);
	key_destroy(&k);
	store_close(&s);
	return rc;
}

/* ---- small helpers ---------------------------------------------------- */

static int cmd_median(int argc, char **argv)
{
	if (argc < 6 || strcmp(argv[4], "--"))
		return 2;
	int n = atoi(argv[3]);
	if (n < 1 || n > 1000)
		return 2;
	double *ms = calloc((size_t)n, sizeof *ms);
	for (int i = 0; i < n; i++) {
		int status;
		double t0 = now_s();
		pid_t pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
			execvp(argv[5], argv + 5);
			_exit(127);
		}
		waitpid(pid, &status, 0);
		ms[i] = (now_s() - t0) * 1000;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "bench: %s failed (status %d)\n", argv[5], status);
			return 1;
		}
	}
	figure(argv[2], quantile(ms, (size_t)n, 0.5), "ms", 2);
	free(ms);
	return 0;
}

static int cmd_ports(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int k = atoi(argv[2]), fds[64];
	if (k < 1 || k > 64)
		return 2;
	for (int i = 0; i < k; i++) {
		struct sockaddr_in a = {.sin_family = AF_INET};
		socklen_t len = sizeof a;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&a, sizeof a) ||
		    getsockname(fds[i], (struct sockaddr *)&a, &len)) {
			perror("bench: ports");
			return 1;
		}
		printf("%d\n", ntohs(a.sin_port));
	}
	for (int i = 0; i < k; i++)
		close(fds[i]);
	return 0;
}


/* ---- libs: what mutuad's libraries alone hold ------------------------- */

/* The resident set of a process that does nothing but load mutuad's
 * libraries (this program is linked with all of them, without
 * --as-needed: their constructors run), start ZeroMQ with a bound ROUTER
 * and open a SQLite database; read after SECONDS, as idle_rss_mb is read
 * of an idle mutuad. The floor under any node built on those libraries. */
static int cmd_libs(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	double secs = atof(argv[2]);
	if (!(secs > 0 && secs <= 60))
		return 2;
	void *ctx = zmq_ctx_new(), *router = ctx ? zmq_socket(ctx, ZMQ_ROUTER) : NULL;
	sqlite3 *db = NULL;
	if (!router || zmq_bind(router, "tcp://127.0.0.1:*")) {
		fprintf(stderr, "bench: libs: zeromq: %s\n", zmq_strerror(errno));
		return 1;
	}
	if (sqlite3_open(":memory:", &db) || sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL)) {
		fprintf(stderr, "bench: libs: sqlite: %s\n", sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	sleep_us((long)(secs * 1e6));
	figure("idle_rss_libs_mb", status_mb(getpid(), "VmRSS"), "MB", 1);
	sqlite3_close(db);
	zmq_close(router);
	zmq_ctx_term(ctx);
	return 0;
}

/* ---- gov: the fold of a vote among many proposals ---------------------- */

struct gov_feed {
	struct key *k;
	uint64_t seq;
	uint8_t prev[32];
};

static int gov_seal(struct gov_feed *f, const uint8_t *fed, Mutua__Body *b, int64_t t,
		    struct entry *e)
{
	b->federation.data = (uint8_t *)fed;
	b->federation.len = 32;
	b->author.data = f->k->id;
	b->author.len = 32;
	b->seq = f->seq + 1;
	b->has_prev = f->seq > 0;
	b->prev.data = f->seq > 0 ? f->prev : NULL;
	b->prev.len = f->seq > 0 ? 32 : 0;
	b->time = t;
	if (entry_seal(e, f->k, b))
		return -1;
	f->seq++;
	entry_link(f->prev, e->id, e->sig);
	return 0;
}

/* One entry into s as sync would (its own transaction); its time in ms. */
static double gov_put(struct store *s, struct entry *e)
{
	struct raw_entry raw = {e->body, e->body_len, e->sig, KEY_SIG_BYTES};
	struct batch_result r;
	double t0 = now_s();
	if (store_insert_batch(s, &raw, 1, &r) || r.added != 1)
		return -1;
	return (now_s() - t0) * 1000;
}

static int cmd_gov(int argc, char **argv)
{
	if (argc != 5)
		return 2;
	long np = atol(argv[3]), nv = atol(argv[4]);
	if (np < 1 || nv < 1 || nv > 100000)
		return 2;
	struct gov_feed f[4] = {{0}};
	char *cards[4] = {0};
	static const char *const names[] = {"Alpha", "Beta", "Gamma", "Delta"};
	int64_t t0 = clock_now_ms() - 3600000; /* an hour ago: nothing is ahead */
	for (int i = 0; i < 4; i++) {
		uint8_t seed[32];
		memset(seed, 0x11 * (i + 1), sizeof seed);
		if (!(f[i].k = key_new(seed)) ||
		    !(cards[i] = card_make(f[i].k, names[i], NULL, NULL, 0, t0)))
			return die("card");
	}
	uint8_t *gen;
	size_t glen;
	char path[4096];
	snprintf(path, sizeof path, "%s/gov.db", argv[2]);
	struct store *s = store_open(path);
	if (s)
		store_set_budgets(s, 0, 0); /* measurements, not a member's day */
	if (!s || genesis_make_with(&gen, &glen, "Bench", NULL, cards, 4, 0, t0, NULL) ||
	    store_adopt_genesis(s, gen, glen))
		return die("gov: store");
	sqlite3_exec(store_db(s), "PRAGMA synchronous = OFF", NULL, NULL, NULL);
	const uint8_t *fed = store_fed_id(s);
	uint8_t (*ids)[32] = malloc((size_t)np * 32);
	double *ms = malloc((size_t)nv * sizeof *ms), start = now_s();
	if (!ids || !ms)
		return die("gov: memory");
	/* the proposals: Alpha's, in blocks of 500 entries a transaction */
	for (long i = 0; i < np;) {
		struct entry e[500];
		size_t n = 0;
		for (; n < 500 && i < np; n++, i++) {
			Mutua__Body b = MUTUA__BODY__INIT;
			Mutua__Proposal p = MUTUA__PROPOSAL__INIT;
			Mutua__Parameter par = MUTUA__PARAMETER__INIT;
			par.name = "credit-limit";
			par.value = 1000 + i;
			p.what_case = MUTUA__PROPOSAL__WHAT_SET;
			p.set = &par;
			b.payload_case = MUTUA__BODY__PAYLOAD_PROPOSAL;
			b.proposal = &p;
			if (gov_seal(&f[0], fed, &b, t0 + 1000 + i / 100, &e[n]))
				return die("gov: seal");
			memcpy(ids[i], e[n].id, 32);
		}
		struct batch_result r;
		if (store_begin(s, s, "bench") || store_insert_entries(s, e, n, 1, &r) ||
		    store_commit(s, s) || r.added != n)
			return die("gov: proposals");
		for (size_t j = 0; j < n; j++)
			entry_free(&e[j]);
	}
	fprintf(stderr, "bench: gov: %ld proposals folded in %.1f s\n", np, now_s() - start);
	/* the votes: Beta, Gamma and Delta on proposals spread over all */
	for (long i = 0; i < nv; i++) {
		Mutua__Body b = MUTUA__BODY__INIT;
		Mutua__Vote v = MUTUA__VOTE__INIT;
		v.proposal.data = ids[(i * 7919) % np];
		v.proposal.len = 32;
		v.choice = VOTE_NO;
		b.payload_case = MUTUA__BODY__PAYLOAD_VOTE;
		b.vote = &v;
		struct entry e;
		if (gov_seal(&f[1 + i % 3], fed, &b, t0 + 600000 + i, &e))
			return die("gov: seal");
		ms[i] = gov_put(s, &e);
		entry_free(&e);
		if (ms[i] < 0)
			return die("gov: vote");
	}
	double mean = 0;
	for (long i = 0; i < nv; i++)
		mean += ms[i];
	mean /= (double)nv;
	char name[64];
	snprintf(name, sizeof name, "gov_vote_fold_ms_at_%ld", np);
	figure(name, quantile(ms, (size_t)nv, 0.5), "ms", 3);
	snprintf(name, sizeof name, "gov_vote_fold_p99_ms_at_%ld", np);
	figure(name, quantile(ms, (size_t)nv, 0.99), "ms", 3);
	/* a decision: two yes and a passing tally on the first proposal */
	struct entry e;
	uint8_t yes[2][32];
	double dms = 0;
	for (int w = 1; w <= 3; w++) {
		Mutua__Body b = MUTUA__BODY__INIT;
		Mutua__Vote v = MUTUA__VOTE__INIT;
		Mutua__Tally tl = MUTUA__TALLY__INIT;
		ProtobufCBinaryData cites[2] = {{32, yes[0]}, {32, yes[1]}};
		if (w < 3) {
			v.proposal.data = ids[0];
			v.proposal.len = 32;
			v.choice = VOTE_YES;
			b.payload_case = MUTUA__BODY__PAYLOAD_VOTE;
			b.vote = &v;
		} else {
			tl.proposal = (ProtobufCBinaryData){32, ids[0]};
			tl.votes = cites;
			tl.n_votes = 2;
			b.payload_case = MUTUA__BODY__PAYLOAD_TALLY;
			b.tally = &tl;
		}
		if (gov_seal(&f[w], fed, &b, t0 + 700000 + w, &e))
			return die("gov: seal");
		if (w < 3)
			memcpy(yes[w - 1], e.id, 32);
		dms = gov_put(s, &e);
		entry_free(&e);
		if (dms < 0)
			return die("gov: tally");
	}
	snprintf(name, sizeof name, "gov_decision_fold_ms_at_%ld", np);
	figure(name, dms, "ms", 1);
	fprintf(stderr, "bench: gov: mean %.3f ms a vote; credit-limit now %lld\n", mean,
		(long long)governance_param(s, "credit-limit"));
	for (int i = 0; i < 4; i++) {
		key_destroy(&f[i].k);
		free(cards[i]);
	}
	free(gen);
	free(ids);
	free(ms);
	store_close(&s);
	return 0;
}

/* ---- large: a store shaped like a PTCE's years of history ------------- */

/* One entry of member k by the ledger's own path (signed, folded, refused
 * with the fold's reason when the fold would ignore it). */
static int large_append(struct store *s, const struct key *k, Mutua__Body *b, uint8_t *id)
{
	return store_append(s, k, b, id);
}

/* large HOME ENTRIES MEMBERS OFFERS LOANS GENESIS_OUT [NEW_HOME...]: HOME
 * (a `mutua init` home, no federation yet) becomes one of MEMBERS founders
 * of a federation whose other members' keys are made here (and the keys of
 * NEW_HOME..., founders with no entries: nodes that join later); its store then receives, all
 * signed by their authors and folded as a member's node would, OFFERS
 * offers, LOANS loans each taken through request, accept, handover,
 * return and close (settled) over the LARGE_YEARS before yesterday, and
 * proposals with their votes up to about ENTRIES entries. The genesis
 * text is written to GENESIS_OUT (for the audit). synchronous=OFF: test
 * data. Prints "entries bytes" (bytes: body and signature). */
#define LARGE_YEARS 4
static int cmd_large(int argc, char **argv)
{
	if (argc < 8)
		return 2;
	long extra = argc - 8; /* founders with no entries here: new nodes */
	long total = atol(argv[3]), nm = atol(argv[4]), no = atol(argv[5]), nl = atol(argv[6]);
	if (nm < 2 || nm > 10000 || no < 1 || nl < 0 || total < no + 5 * nl)
		return 2;
	char path[4096], name[64], title[64];
	snprintf(path, sizeof path, "%s/store.db", argv[2]);
	struct store *s = store_open(path);
	if (!s)
		return die(path);
	store_set_budgets(s, 0, 0); /* a history, not a member's day */
	struct key **k = calloc((size_t)nm, sizeof *k);
	char **cards = calloc((size_t)(nm + extra), sizeof *cards);
	uint8_t(*res)[32] = malloc((size_t)no * 32);
	if (!k || !cards || !res)
		return die("large: memory");
	snprintf(path, sizeof path, "%s/key", argv[2]);
	int64_t t0 = clock_now_ms() - 3600000;
	for (long i = 0; i < nm; i++) {
		uint8_t seed[32];
		memset(seed, 0, sizeof seed);
		memcpy(seed, "mutua-bench-large", 17);
		memcpy(seed + 24, &i, sizeof i);
		snprintf(name, sizeof name, "Member %ld", i);
		if (!(k[i] = i ? key_new(seed) : key_load(path, NULL)) ||
		    !(cards[i] = card_make(k[i], i ? name : "Large home", NULL, NULL, 0, t0)))
			return die("large: card");
	}
	for (long i = 0; i < extra; i++) {
		snprintf(path, sizeof path, "%s/key", argv[8 + i]);
		snprintf(name, sizeof name, "New member %ld", i + 1);
		struct key *x = key_load(path, NULL);
		if (!x || !(cards[nm + i] = card_make(x, name, NULL, NULL, 0, t0)))
			return die(path);
		key_destroy(&x);
	}
	uint8_t *gen;
	size_t glen;
	if (genesis_make_with(&gen, &glen, "Large", NULL, cards, (size_t)(nm + extra), 0, t0,
			      NULL) ||
	    store_adopt_genesis(s, gen, glen))
		return die("large: genesis");
	char *armored = genesis_armor(gen, glen);
	FILE *gf = fopen(argv[7], "w");
	if (!armored || !gf || fputs(armored, gf) < 0 || fclose(gf))
		return die("large: genesis file");
	free(armored);
	sqlite3_exec(store_db(s), "PRAGMA synchronous = OFF; PRAGMA cache_size = -65536", NULL,
		     NULL, NULL);
	double start = now_s();
	long made = 0, refused = 0;
	/* the offers: member i % nm owns offer i, by the hour, 1.00 a unit */
	for (long i = 0; i < no; i++, made++) {
		Mutua__Body b;
		Mutua__Offer o;
		snprintf(title, sizeof title, "Resource %ld of member %ld", i, i % nm);
		offer_body(&b, &o, title, "A shared resource of the federation, booked by the hour.");
		o.unit = MUTUA__UNIT__UNIT_HOUR;
		o.rate = 100;
		o.location = "Lyon";
		if (large_append(s, k[i % nm], &b, res[i]))
			return die("large: offer");
	}
	/* proposals and votes fill what loans leave: each proposal by the next
	 * member, a "no" from each other member; spread between the loans */
	long left = total - no - 5 * nl, per_prop = nm; /* the proposal and nm - 1 votes */
	long props = left / per_prop, votes_done = 0, prop_i = 0;
	uint8_t prop[32];
	long prop_votes = nm; /* none open yet */
	/* the slots: a history of LARGE_YEARS up to yesterday, loan j's hour
	 * the j-th of nl spread evenly over it (a calendar's window of a few
	 * months holds a few months of loans, not the whole history); loan j
	 * takes offer j % no, its round j / no (no loans apart); borrower: a
	 * member other than the owner, turning so that credits go round */
	int64_t span = LARGE_YEARS * 36525 * 864000LL;
	int64_t base = (clock_now_ms() - 86400000 - span) / 3600000 * 3600000;
	for (long j = 0; j < nl || prop_i < props || prop_votes < nm - 1; j++) {
		if (j < nl) {
			long r = j % no, round = j / no, owner = r % nm;
			long bo = (owner + 1 + round % (nm - 1)) % nm;
			int64_t st = base + (int64_t)((double)span * (double)j / (double)nl) /
						    3600000 * 3600000,
				en = st + 3600000;
			uint8_t req[32];
			static const int steps[] = {MUTUA__BODY__PAYLOAD_ACCEPT,
						    MUTUA__BODY__PAYLOAD_HANDOVER,
						    MUTUA__BODY__PAYLOAD_GIVE_BACK,
						    MUTUA__BODY__PAYLOAD_CLOSE};
			if (lending_borrow(s, k[bo], res[r], st, en, 1, NULL, 0, 0, NULL, req)) {
				refused++;
				if (refused < 5)
					fprintf(stderr, "bench: large: request refused: %s\n", err_msg());
			} else {
				made++;
				for (int q = 0; q < 4; q++) {
					const struct key *who = q == 2 ? k[bo] : k[owner];
					if (lending_append(s, who, steps[q], req, NULL, q == 2 ? 1000 : -1,
							   -1, NULL)) {
						refused++;
						if (refused < 5)
							fprintf(stderr, "bench: large: step %d refused: %s\n",
								q, err_msg());
						break;
					}
					made++;
				}
			}
		}
		/* votes: as many after each loan as keep them spread */
		long want = nl ? (long)((double)(j + 1) * (double)(props * per_prop) / (double)nl)
			       : props * per_prop;
		while (votes_done < want && (prop_i < props || prop_votes < nm - 1)) {
			Mutua__Body b = MUTUA__BODY__INIT;
			if (prop_votes >= nm - 1) {
				Mutua__Proposal p = MUTUA__PROPOSAL__INIT;
				Mutua__Parameter par = MUTUA__PARAMETER__INIT;
				par.name = "credit-limit";
				par.value = 100000 + prop_i;
				p.what_case = MUTUA__PROPOSAL__WHAT_SET;
				p.set = &par;
				b.payload_case = MUTUA__BODY__PAYLOAD_PROPOSAL;
				b.proposal = &p;
				if (large_append(s, k[prop_i % nm], &b, prop))
					return die("large: proposal");
				prop_i++;
				prop_votes = 0;
			} else {
				Mutua__Vote v = MUTUA__VOTE__INIT;
				v.proposal.data = prop;
				v.proposal.len = 32;
				v.choice = VOTE_NO;
				b.payload_case = MUTUA__BODY__PAYLOAD_VOTE;
				b.vote = &v;
				long voter = ((prop_i - 1) % nm + 1 + prop_votes) % nm;
				if (large_append(s, k[voter], &b, NULL)) {
					refused++;
					if (refused < 5)
						fprintf(stderr, "bench: large: vote refused: %s\n", err_msg());
					prop_votes = nm; /* decided: the next proposal */
					votes_done++;
					continue;
				}
				prop_votes++;
			}
			made++;
			votes_done++;
		}
		if ((j + 1) % 5000 == 0)
			fprintf(stderr, "bench: large: %ld entries, %.0f/s\n", made,
				(double)made / (now_s() - start));
	}
	double t = now_s() - start;
	fprintf(stderr, "bench: large: %ld entries in %.1f s (%.0f/s), %ld refused\n", made, t,
		(double)made / t, refused);
	for (long i = 0; i < nm; i++)
		key_destroy(&k[i]);
	for (long i = 0; i < nm + extra; i++)
		free(cards[i]);
	free(k);
	free(cards);
	free(res);
	free(gen);
	store_close(&s);
	printf("%ld\n", made);
	return refused ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"crypto", cmd_crypto},   {"sqlite", cmd_sqlite}, {"durable", cmd_durable},
		{"gen", cmd_gen},         {"sync", cmd_sync},     {"converge", cmd_converge},
		{"median", cmd_median},   {"ports", cmd_ports},   {"gov", cmd_gov},
		{"stats", cmd_stats},     {"ratio", cmd_ratio},   {"verify2", cmd_verify2},
		{"large", cmd_large},     {"watch", cmd_watch},       {"libs", cmd_libs},
	};
	if (sodium_init() < 0)
		return 1;
	for (size_t i = 0; argc > 1 && i < sizeof cmds / sizeof *cmds; i++)
		if (strcmp(argv[1], cmds[i].name) == 0) {
			int rc = cmds[i].fn(argc, argv);
			if (rc == 2)
				fprintf(stderr, "bench: bad arguments for '%s' (see tests/bench/bench.c)\n",
					argv[1]);
			return rc;
		}
	fprintf(stderr, "usage: bench crypto|verify2|sqlite|durable|gen|sync|converge|median|ports|gov|"
		"large|stats|ratio|watch|libs ...\n");
	return 2;
}
