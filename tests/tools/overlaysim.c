/* overlaysim.c - test tool: the overlay of a federation of N members, with
 * the node's own code (node/overlay.c), for `make bench-scale` beyond what
 * fits as real daemons on one machine.
 *
 * Usage: overlaysim N [K [HOP_MS [DOWN_PERCENT]]]
 *
 * Draws N member ids (seeded: the same N gives the same federation), lets
 * every node choose its K peers (default 8) as mutuad does, marks
 * DOWN_PERCENT of them down (default 0; the others pass over them), and
 * prints one line: connections per node (max and mean, both directions),
 * the diameter, the hops from one node to every other (mean, p50, p99),
 * and, given HOP_MS (the cost of one hop measured on real daemons), the
 * time for a new entry to reach every node: p50 and p99 over all origins
 * of the time to reach the last node (beyond 1 000 members, over 1 000
 * origins evenly spread). A push along the overlay is relayed
 * at once by each node, so the time to the last node is its hops times
 * the hop cost: a simulation of the overlay's graph, not of CPU or queues.
 */
#include "overlay.h"

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
	if (argc < 2 || argc > 5) {
		fprintf(stderr, "usage: overlaysim N [K [HOP_MS [DOWN_PERCENT]]]\n");
		return 2;
	}
	size_t n = (size_t)atol(argv[1]);
	int k = argc > 2 ? atoi(argv[2]) : 8;
	double hop = argc > 3 ? atof(argv[3]) : 0;
	int downpct = argc > 4 ? atoi(argv[4]) : 0;
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
	struct overlay_pick pick[OVERLAY_MAX];
	for (size_t i = 0; i < n; i++) {
		if (down[i])
			continue;
		int got = overlay_choose(ids[i], (const uint8_t(*)[32])ids, n, down, k, pick);
		for (int j = 0; j < got; j++) {
			size_t t = pick[j].index, e[2] = {i, t};
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
	}
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
	printf("N=%zu k=%d down=%d%%: connections per node max %zu mean %.1f; diameter %d; "
	       "mean hops %.2f; hops to the last node p50 %d p99 %d",
	       n, k, downpct, maxdeg, sumdeg / (double)up, diam, sumhops / pairs, p50, p99);
	if (hop > 0)
		printf("; new entry held by all: p50 %.0f ms, p99 %.0f ms (%.1f ms a hop)",
		       p50 * hop, p99 * hop, hop);
	printf("\n");
	return 0;
}
