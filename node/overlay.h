/* overlay.h - which members a node dials: a small set chosen from the
 * member ids alone, the same on every node, so that the federation's graph
 * stays connected and of small diameter whatever its size.
 *
 * The members that publish an endpoint, and this node, are placed on a
 * ring in the order of BLAKE2b("mutua overlay" || id). A node of rank i
 * among M dials the members of rank i + d (mod M) for k distances d
 * growing geometrically from 1 (d_j = round(M^(j/k)), made distinct):
 * the two nearest successors keep the ring whole, the longer links make
 * any member a few hops from any other (every node also receives exactly
 * one link per distance, so about 2k connections each). A chosen member
 * that fails is replaced by a spare: one of a few ranks drawn from the
 * node's ring position and the distance (so that the nodes whose choices
 * fail together do not all fall on one member), else the next member
 * along the ring, neither chosen nor failing. No clock, no randomness:
 * every node can tell why it dials whom.
 */
#ifndef MUTUA_OVERLAY_H
#define MUTUA_OVERLAY_H

#include <stddef.h>
#include <stdint.h>

#define OVERLAY_MAX 64 /* the most peers one node may choose */

enum overlay_why {
	OVERLAY_RING = 1, /* one of the two nearest successors */
	OVERLAY_CHORD,    /* a longer link, at the given distance */
	OVERLAY_SPARE,    /* in place of a failing choice */
};

struct overlay_pick {
	size_t index;  /* into the candidates */
	int why;       /* enum overlay_why */
	size_t dist;   /* the distance on the ring it was chosen for */
};

/* Chooses up to k (1..OVERLAY_MAX) of the n candidate ids (members with an
 * endpoint; me among them or not: it is never chosen). failing, when not
 * NULL, has n flags: 1 for a candidate to pass over. Fills out (k slots)
 * and returns how many were chosen, or -1 when out of memory. */
int overlay_choose(const uint8_t me[32], const uint8_t (*ids)[32], size_t n,
		   const uint8_t *failing, int k, struct overlay_pick *out);

/* "ring", "chord" or "spare". */
const char *overlay_why_name(int why);

#endif
