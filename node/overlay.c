/* overlay.c - see overlay.h. */
#include "overlay.h"

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	uint8_t pos[16];
	size_t index; /* into the candidates; SIZE_MAX for me */
};

static int by_pos(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	int c = memcmp(x->pos, y->pos, sizeof x->pos);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

static void ring_pos(uint8_t pos[16], const uint8_t id[32])
{
	static const char tag[] = "mutua overlay";
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 16);
	crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag - 1);
	crypto_generichash_update(&st, id, 32);
	crypto_generichash_final(&st, pos, 16);
}

#define SPARE_DRAWS 8

/* splitmix64's finaliser: a well spread 64-bit value from any other */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

const char *overlay_why_name(int why)
{
	return why == OVERLAY_RING ? "ring" : why == OVERLAY_CHORD ? "chord" : "spare";
}

int overlay_choose(const uint8_t me[32], const uint8_t (*ids)[32], size_t n,
		   const uint8_t *failing, int k, struct overlay_pick *out)
{
	if (k < 1)
		return 0;
	if (k > OVERLAY_MAX)
		k = OVERLAY_MAX;
	struct slot *ring = malloc((n + 1) * sizeof *ring);
	uint8_t *taken = calloc(n + 1, 1);
	if (!ring || !taken) {
		free(ring);
		free(taken);
		return -1;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (memcmp(ids[i], me, 32) == 0)
			continue;
		ring_pos(ring[m].pos, ids[i]);
		ring[m++].index = i;
	}
	ring_pos(ring[m].pos, me);
	ring[m++].index = SIZE_MAX;
	qsort(ring, m, sizeof *ring, by_pos);
	size_t self = 0;
	while (ring[self].index != SIZE_MAX)
		self++;

	/* the distances: 1 and 2, then geometric up to about M / 2 (a link
	 * is used both ways, so half the ring is as far as one needs) */
	size_t others = m - 1, want = (size_t)k < others ? (size_t)k : others;
	size_t dist[OVERLAY_MAX], nd = 0;
	double span = (double)m / 2 > 2 ? (double)m / 2 : 2;
	for (int j = 0; nd < want && j < 4 * OVERLAY_MAX; j++) {
		size_t d = j < 2 ? (size_t)j + 1
				 : (size_t)llround(2 * pow(span / 2, (double)(j - 1) /
							    (double)(want > 2 ? want - 2 : 1)));
		if (d >= m)
			d = m - 1;
		int dup = 0;
		for (size_t t = 0; t < nd; t++)
			dup |= dist[t] == d;
		if (!dup && d >= 1)
			dist[nd++] = d;
	}
	/* too few distinct distances on a small ring: the nearest left */
	for (size_t d = 1; nd < want && d < m; d++) {
		int dup = 0;
		for (size_t t = 0; t < nd; t++)
			dup |= dist[t] == d;
		if (!dup)
			dist[nd++] = d;
	}

	/* a spare's rank: a few ranks drawn from my ring position and the
	 * distance first, then the next along the ring. Were they all the
	 * next along the ring, every node whose choice fails would dial the
	 * failing member's successor, and it would take them all (at N = 200,
	 * one member not started made 21 connections at its successor). */
	uint64_t seed = 0;
	for (int i = 0; i < 8; i++)
		seed = seed << 8 | ring[self].pos[i];
	int got = 0;
	for (size_t t = 0; t < nd; t++) {
		/* from the chosen rank on, the first member neither taken nor
		 * failing; the one at the rank itself is the choice proper */
		for (size_t step = 0; step < others + SPARE_DRAWS; step++) {
			size_t r;
			if (step == 0)
				r = (self + dist[t]) % m;
			else if (step <= SPARE_DRAWS)
				r = (self + 1 + mix(seed ^ (dist[t] << 8) ^ step) % others) % m;
			else
				r = (self + dist[t] + step - SPARE_DRAWS) % m;
			if (r == self)
				continue;
			size_t idx = ring[r].index;
			if (taken[r] || (failing && failing[idx]))
				continue;
			taken[r] = 1;
			out[got].index = idx;
			out[got].dist = dist[t];
			out[got].why = step ? OVERLAY_SPARE : dist[t] <= 2 ? OVERLAY_RING : OVERLAY_CHORD;
			got++;
			break;
		}
	}
	free(ring);
	free(taken);
	return got;
}
