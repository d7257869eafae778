/* overlaysim.c - test tool: the overlay of a federation of N members, with
 * the node's own code (node/overlay.c), for `make bench-scale` beyond what
 * fits as real daemons on one machine.
 *
 * Usage: overlaysim N [K [HOP_MS [DOWN_PERCENT [IN_CAP]]]]
 *
 * Draws N member ids (seeded: the same N gives the same federation), lets
 * every node choose its K peers (default: mutuad's) as mutuad does, marks
 * DOWN_PERCENT of them down (default 0; the others pass over them), lets
 * each node refuse inbound connections beyond IN_CAP (default: mutuad's
 * max_inbound; 0 none) so that their diallers choose again, and prints
 * one line: connections per node (max: dials made and accepted, a pair
 * that dial each other counted twice, as TCP does; and the neighbours,
 * max and mean),
 * the diameter, the hops from one node to every other (mean, p50, p99),
 * and, given HOP_MS (the cost of one hop measured on real daemons), the
 * time for a new entry to reach every node: p50 and p99 over all origins
 * of the time to reach the last node (beyond 1 000 members, over 1 000
 * origins evenly spread). A push along the overlay is relayed
 * at once by each node, so the time to the last node is its hops times
 * the hop cost: a simulation of the overlay's graph, not of CPU or queues.
 */
#include "config.h"
#include "overlay.h"
#include "sync.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 6) {
		fprintf(stderr, "usage: overlaysim N [K [HOP_MS [DOWN_PERCENT [IN_CAP]]]]\n");
		return 2;
	}
	size_t n = (size_t)atol(argv[1]);
	struct sync_config dflt = SYNC_CONFIG_DEFAULT;
	int k = argc > 2 && *argv[2] ? atoi(argv[2]) : OVERLAY_DEFAULT;
	double hop = argc > 3 ? atof(argv[3]) : 0;
	int downpct = argc > 4 ? atoi(argv[4]) : 0;
	int incap = argc > 5 ? atoi(argv[5]) : dflt.max_inbound; /* 0: none */
	if (n < 2 || n > 20000 || k < 1 || k > OVERLAY_MAX || sodium_init() < 0)
		return 2;
	uint8_t seed[randombytes_SEEDBYTES] = {0};
	memcpy(seed, &n, sizeof n);
	uint8_t(*ids)[32] = malloc(n * 32);
	uint8_t *down = calloc(n, 1);
	size_t **adj = calloc(n, sizeof *adj), *deg = calloc(n, sizeof *deg);
	int *dist = malloc(n * sizeof *dist), *ecc = malloc(n * sizeof *ecc);
	size_t *queue = malloc(n * sizeof *queue);
	int *hops = malloc(n * sizeof *hops);
	if (!ids || !down || !adj || !deg || !dist || !ecc || !queue || !hops)
		return 1;
	randombytes_buf_deterministic(ids, n * 32, seed);
	for (size_t i = 0; i < n; i++)
		down[i] = downpct > 0 && (int)(i % 100) < downpct; /* ids are random */
	for (size_t i = 0; i < n; i++)
		adj[i] = malloc(4 * OVERLAY_MAX * sizeof **adj);
	size_t *cap = calloc(n, sizeof *cap);
	for (size_t i = 0; i < n; i++)
		cap[i] = 4 * OVERLAY_MAX;
	/* every node's choice, then its inbound slots: a node dialled by more
	 * than IN_CAP refuses the surplus ("busy"; the dialler that comes last
	 * in the order of the ids), whose dialler passes over it and chooses
	 * again, until no node refuses any more */
	struct overlay_pick (*pick)[OVERLAY_MAX] = malloc(n * sizeof *pick);
	int *got = calloc(n, sizeof *got);
	uint8_t **refused = calloc(n, sizeof *refused); /* per dialler, lazily */
	size_t *in = calloc(n, sizeof *in), *out = calloc(n, sizeof *out);
	uint8_t *redo = calloc(n, 1);
	if (!pick || !got || !refused || !in || !out || !redo)
		return 1;
	for (size_t i = 0; i < n; i++)
		redo[i] = !down[i];
	int rounds = 0, again = 1;
	for (; again && rounds < 50; rounds++) {
		for (size_t i = 0; i < n; i++)
			if (redo[i])
				got[i] = overlay_choose(ids[i], (const uint8_t(*)[32])ids, n,
							refused[i] ? refused[i] : down, k, pick[i]);
		memset(redo, 0, n);
		memset(in, 0, n * sizeof *in);
		again = 0;
		for (size_t i = 0; i < n; i++)
			for (int j = 0; j < got[i]; j++) {
				size_t t = pick[i][j].index;
				if (!incap || in[t] < (size_t)incap) {
					in[t]++;
					continue;
				}
				if (!refused[i]) {
					if (!(refused[i] = malloc(n)))
						return 1;
					memcpy(refused[i], down, n);
				}
				refused[i][t] = 1;
				redo[i] = 1;
				again = 1;
			}
	}
	size_t maxconn = 0;
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < got[i]; j++) {
			size_t t = pick[i][j].index, e[2] = {i, t};
			out[i]++;
			for (int side = 0; side < 2; side++) {
				size_t a = e[side], b = e[1 - side];
				int dup = 0;
				for (size_t x = 0; x < deg[a]; x++)
					dup |= adj[a][x] == b;
				if (dup)
					continue;
				if (deg[a] == cap[a]) {
					cap[a] *= 2;
					adj[a] = realloc(adj[a], cap[a] * sizeof **adj);
				}
				adj[a][deg[a]++] = b;
			}
		}
	/* connections: each dial is one, a pair that dial each other two */
	for (size_t i = 0; i < n; i++)
		if (!down[i] && in[i] + out[i] > maxconn)
			maxconn = in[i] + out[i];
	size_t maxdeg = 0, up = 0;
	double sumdeg = 0, sumhops = 0, pairs = 0;
	int diam = 0, nh = 0;
	for (size_t i = 0; i < n; i++) {
		if (down[i])
			continue;
		up++;
		sumdeg += (double)deg[i];
		if (deg[i] > maxdeg)
			maxdeg = deg[i];
	}
	/* BFS from every node up (from 1 000 of them, evenly spread, beyond) */
	size_t stride = n > 1000 ? n / 1000 : 1;
	for (size_t src = 0; src < n; src += stride) {
		if (down[src])
			continue;
		for (size_t i = 0; i < n; i++)
			dist[i] = -1;
		size_t h = 0, t = 0;
		dist[src] = 0;
		queue[t++] = src;
		while (h < t) {
			size_t u = queue[h++];
			for (size_t x = 0; x < deg[u]; x++)
				if (dist[adj[u][x]] < 0) {
					dist[adj[u][x]] = dist[u] + 1;
					queue[t++] = adj[u][x];
				}
		}
		int far = 0;
		for (size_t i = 0; i < n; i++) {
			if (down[i] || i == src)
				continue;
			if (dist[i] < 0) {
				printf("N=%zu: NOT CONNECTED\n", n);
				return 1;
			}
			if (dist[i] > far)
				far = dist[i];
			sumhops += dist[i];
			pairs++;
		}
		ecc[nh] = far;
		hops[nh++] = far;
		if (far > diam)
			diam = far;
	}
	qsort(hops, (size_t)nh, sizeof *hops, cmp_int);
	int p50 = hops[nh / 2], p99 = hops[(nh * 99) / 100 < nh ? (nh * 99) / 100 : nh - 1];
	printf("N=%zu k=%d down=%d%% inbound cap %d: connections per node max %zu (neighbours "
	       "max %zu, mean %.1f; refusals settled in %d round%s); diameter %d; "
	       "mean hops %.2f; hops to the last node p50 %d p99 %d",
	       n, k, downpct, incap, maxconn, maxdeg, sumdeg / (double)up, rounds,
	       rounds == 1 ? "" : "s", diam, sumhops / pairs, p50, p99);
	if (hop > 0)
		printf("; new entry held by all: p50 %.0f ms, p99 %.0f ms (%.1f ms a hop)",
		       p50 * hop, p99 * hop, hop);
	printf("\n");
	return 0;
}
