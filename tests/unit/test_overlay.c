/* test_overlay.c - the overlay's choice of peers (node/overlay.c): the
 * graph of a federation is connected, of small diameter and bounded
 * degree at every size, and stays connected when members fail; the
 * choice depends on the ids alone. And the syncer's own bounds: a node
 * with more than 256 peers (the old fixed arrays) adds and polls them all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store_helpers.h"
#include "config.h"
#include "federation.h"
#include "overlay.h"
#include "sync.h"

#include <math.h>
#include <sodium.h>
#include <sys/resource.h>

#define T0 1767225600000LL
#define K OVERLAY_DEFAULT

static uint8_t (*random_ids(size_t n, uint64_t seed))[32]
{
	uint8_t s[randombytes_SEEDBYTES] = {0};
	memcpy(s, &seed, sizeof seed);
	uint8_t(*ids)[32] = malloc(n * 32);
	assert_non_null(ids);
	randombytes_buf_deterministic(ids, n * 32, s);
	return ids;
}

/* Undirected graph of the choices of every node not down: degree of each,
 * and the eccentricity of each by BFS. Returns the diameter, -1 when not
 * connected; *maxdeg, *mean (mean hops between two nodes). */
static int graph(uint8_t (*ids)[32], size_t n, const uint8_t *down, int k, int *maxdeg,
		 double *mean)
{
	uint8_t *adj = calloc(n * n, 1);
	size_t *queue = malloc(n * sizeof *queue);
	int *dist = malloc(n * sizeof *dist);
	struct overlay_pick pick[OVERLAY_MAX];
	assert_true(adj && queue && dist);
	for (size_t i = 0; i < n; i++) {
		if (down && down[i])
			continue;
		int got = overlay_choose(ids[i], (const uint8_t(*)[32])ids, n, down, k, pick);
		assert_true(got >= 0 && got <= k);
		size_t up = 0;
		for (size_t t = 0; t < n; t++)
			up += t != i && !(down && down[t]);
		assert_int_equal(got, (size_t)k < up ? (size_t)k : up);
		for (int j = 0; j < got; j++) {
			size_t t = pick[j].index;
			assert_true(t < n && t != i);
			assert_false(down && down[t]);
			adj[i * n + t] = adj[t * n + i] = 1;
		}
	}
	*maxdeg = 0;
	for (size_t i = 0; i < n; i++) {
		int d = 0;
		for (size_t t = 0; t < n; t++)
			d += adj[i * n + t];
		if (d > *maxdeg)
			*maxdeg = d;
	}
	int diam = 0;
	double sum = 0, pairs = 0;
	for (size_t src = 0; src < n && diam >= 0; src++) {
		if (down && down[src])
			continue;
		for (size_t i = 0; i < n; i++)
			dist[i] = -1;
		size_t head = 0, tail = 0;
		dist[src] = 0;
		queue[tail++] = src;
		while (head < tail) {
			size_t u = queue[head++];
			for (size_t v = 0; v < n; v++)
				if (adj[u * n + v] && dist[v] < 0) {
					dist[v] = dist[u] + 1;
					queue[tail++] = v;
				}
		}
		for (size_t i = 0; i < n; i++) {
			if (down && down[i])
				continue;
			if (dist[i] < 0) {
				diam = -1;
				break;
			}
			if (dist[i] > diam)
				diam = dist[i];
			sum += dist[i];
			pairs += i != src;
		}
	}
	*mean = pairs ? sum / pairs : 0;
	free(adj);
	free(queue);
	free(dist);
	return diam;
}

static void test_connected_small_diameter(void **state)
{
	(void)state;
	static const size_t sizes[] = {2, 3, 5, 9, 10, 30, 100, 300, 1000};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t n = sizes[s];
		uint8_t(*ids)[32] = random_ids(n, 1000 + n);
		int maxdeg;
		double mean;
		int diam = graph(ids, n, NULL, K, &maxdeg, &mean);
		print_message("overlay n=%zu k=%d: diameter %d, mean hops %.2f, max degree %d\n", n, K,
			      diam, mean, maxdeg);
		assert_true(diam >= 1);
		/* log2(1000) is 10: the chords keep it well under */
		assert_true(diam <= 2 + (int)ceil(log2((double)n) / 2));
		/* every node dials k and is dialled by exactly k (one per distance) */
		assert_true(maxdeg <= 2 * K);
		free(ids);
	}
}

/* A tenth of the members down (and one in three): every other node passes
 * over them, and the rest of the federation is still one graph. */
static void test_failures_replaced(void **state)
{
	(void)state;
	static const size_t sizes[] = {10, 30, 100, 300};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t n = sizes[s];
		for (int frac = 10; frac >= 3; frac -= 7) {
			uint8_t(*ids)[32] = random_ids(n, 77 + n);
			uint8_t *down = calloc(n, 1);
			for (size_t i = 0; i < n; i += (size_t)frac)
				down[i] = 1;
			int maxdeg;
			double mean;
			int diam = graph(ids, n, down, K, &maxdeg, &mean);
			print_message("overlay n=%zu, 1 in %d down: diameter %d, mean hops %.2f\n", n,
				      frac, diam, mean);
			assert_true(diam >= 1);
			assert_true(diam <= 3 + (int)ceil(log2((double)n) / 2));
			free(down);
			free(ids);
		}
	}
}

/* One member of 200 (and of 1 000) down, as in a federation where one
 * member has not started its node: the nodes that chose it pass over it
 * to spares drawn from their own place on the ring, not all to its
 * successor (which then held 21 connections), so no node has more than
 * 2k + 2 neighbours. */
static void test_spares_spread(void **state)
{
	(void)state;
	static const size_t sizes[] = {200, 1000};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t n = sizes[s];
		uint8_t(*ids)[32] = random_ids(n, 300 + n);
		uint8_t *down = calloc(n, 1);
		int worst = 0;
		for (size_t d = 7; d < n; d += n < 1000 ? n / 10 : n) {
			int maxdeg;
			double mean;
			memset(down, 0, n);
			down[d] = 1;
			int diam = graph(ids, n, down, K, &maxdeg, &mean);
			assert_true(diam >= 1 && diam <= 2 + (int)ceil(log2((double)n) / 2));
			if (maxdeg > worst)
				worst = maxdeg;
		}
		print_message("overlay n=%zu k=%d, one member down: at most %d neighbours\n", n, K,
			      worst);
		assert_true(worst <= 2 * K + 2);
		free(down);
		free(ids);
	}
}

/* The same choice whatever the order the candidates come in, and the why
 * of each: the two nearest successors are "ring". */
static void test_deterministic(void **state)
{
	(void)state;
	size_t n = 50;
	uint8_t(*ids)[32] = random_ids(n, 5), (*rev)[32] = malloc(n * 32);
	for (size_t i = 0; i < n; i++)
		memcpy(rev[i], ids[n - 1 - i], 32);
	struct overlay_pick a[OVERLAY_MAX], b[OVERLAY_MAX];
	int na = overlay_choose(ids[7], (const uint8_t(*)[32])ids, n, NULL, K, a);
	int nb = overlay_choose(ids[7], (const uint8_t(*)[32])rev, n, NULL, K, b);
	assert_int_equal(na, K);
	assert_int_equal(nb, K);
	int rings = 0;
	for (int j = 0; j < na; j++) {
		assert_memory_equal(ids[a[j].index], rev[b[j].index], 32);
		assert_int_equal(a[j].why, b[j].why);
		rings += a[j].why == OVERLAY_RING;
	}
	assert_int_equal(rings, 2);
	/* me absent from the candidates: the same peers */
	assert_int_equal(overlay_choose(ids[7], (const uint8_t(*)[32])ids, 7, NULL, 3, a), 3);
	free(ids);
	free(rev);
}

/* 300 members publishing an endpoint, all dialled (the configured peers
 * of a node may be many): the syncer used to refuse the 257th ("too many
 * peers") and, at 256, its poll wrote past its fixed arrays. */
static void test_syncer_many_peers(void **state)
{
	(void)state;
	enum { N = 300 };
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	char *dir = tmpdir_new(), *path = path_in(dir, "node.db");
	struct key *keys[N];
	char *cards[N];
	char eps[N][64];
	for (int i = 0; i < N; i++) {
		uint8_t seed[32] = {0};
		seed[0] = (uint8_t)i;
		seed[1] = (uint8_t)(i >> 8);
		seed[2] = 0x5c;
		assert_non_null(keys[i] = key_new(seed));
		snprintf(eps[i], sizeof eps[i], "ipc://%s/none-%d.sock", dir, i);
		char *ep[] = {eps[i]};
		char name[32];
		snprintf(name, sizeof name, "M%d", i);
		assert_non_null(cards[i] = card_make(keys[i], name, "structures", ep, 1, T0));
	}
	uint8_t *genesis;
	size_t glen;
	assert_int_equal(genesis_make(&genesis, &glen, "Grand", NULL, cards, N, 0, T0), 0);
	struct store *s = store_adopted(path, genesis, glen);
	struct syncer *sy = syncer_new(s, keys[0], NULL);
	assert_non_null(sy);
	for (int i = 1; i < N; i++)
		if (syncer_add_peer(sy, keys[i]->id, eps[i]))
			fail_msg("peer %d: %s", i, err_msg());
	assert_int_equal(syncer_npeers(sy), N - 1);
	for (int r = 0; r < 5; r++)
		assert_true(syncer_poll(sy, 10) >= 0);
	syncer_drop_peer(sy, keys[5]->id);
	assert_int_equal(syncer_npeers(sy), N - 2);
	assert_int_equal(syncer_peer_state(sy, keys[5]->id, 0), -1);
	assert_int_equal(syncer_peer_state(sy, keys[6]->id, 60000), 0);
	assert_true(syncer_poll(sy, 10) >= 0);
	syncer_destroy(&sy);
	store_close(&s);
	for (int i = 0; i < N; i++) {
		key_destroy(&keys[i]);
		free(cards[i]);
	}
	free(genesis);
	free(path);
	tmpdir_remove(&dir);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connected_small_diameter),
		cmocka_unit_test(test_failures_replaced),
		cmocka_unit_test(test_spares_spread),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_syncer_many_peers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
