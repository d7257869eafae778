/* sync.h - replication of every member feed between nodes over ZeroMQ,
 * closed to non-members (DESIGN.md, Replication; invariants 4, 6, 7, 8).
 *
 * A syncer owns one ZeroMQ context with, in this order: the ZAP handler
 * (admitting only the transport keys of current members), an optional
 * ROUTER bound where the node listens, and one DEALER per outbound peer.
 * Every socket uses CURVE with this node's transport key. The protocol is
 * described in wire.h; it is symmetric, so requests, answers and
 * announcements travel both ways over every connection.
 */
#ifndef MUTUA_SYNC_H
#define MUTUA_SYNC_H

#include <stdint.h>
#include <stdio.h>

#include "keys.h"
#include "store.h"

struct sync_config {
	int batch;          /* entries asked per GET */
	int window;         /* GETs in flight per peer */
	int max_inbound;    /* peers connected to our ROUTER */
	int hello_ms;       /* anti-entropy: HELLO to each outbound peer */
	int request_ms;     /* a GET unanswered this long is asked again */
	int max_memory_mb;  /* heap in use beyond which every connection is
			     * closed and made again (0: never) */
	int busy_ms;        /* a peer that said it has no room for us is
			     * dialled again after this long (a node: a
			     * minute, the overlay dials another meanwhile;
			     * `mutua sync`: a few seconds, it has no other) */
};
#define SYNC_CONFIG_DEFAULT {2048, 4, 9, 10000, 10000, 256, 60000}

struct peer_stats {
	char name[160];
	char endpoint[260];
	char member[65];
	char why[16];           /* outbound: "configured", "ring", "chord", "spare" */
	int outbound, connected;
	int parked;             /* outbound: not dialled, its node dials us */
	int64_t last_contact;   /* ms, 0 never */
	uint64_t received, rejected, sent;
	char last_error[200];
};

struct syncer;

struct syncer *syncer_new(struct store *s, const struct key *k,
			  const struct sync_config *cfg);
void syncer_destroy(struct syncer **sy);

/* Binds the ROUTER (CURVE server) at endpoint. */
int syncer_listen(struct syncer *sy, const char *endpoint);
/* Adds an outbound peer: member id and endpoint (its transport key is
 * taken from the store's members table). */
int syncer_add_peer(struct syncer *sy, const uint8_t member[32], const char *endpoint);
/* The same, saying why it is dialled (status shows it). */
int syncer_add_peer_why(struct syncer *sy, const uint8_t member[32], const char *endpoint,
			const char *why);
/* Closes every outbound peer (before adding the new list on reload). */
void syncer_clear_peers(struct syncer *sy);
/* Closes the outbound peer of that member, if any. */
void syncer_drop_peer(struct syncer *sy, const uint8_t member[32]);
/* The outbound peer of that member: -1 none, 1 failing (it said it has no
 * room for us, or it has not been connected for grace_ms), 0 otherwise. */
int syncer_peer_state(const struct syncer *sy, const uint8_t member[32], int64_t grace_ms);

/* Wakes the poll loop when another process (the CLI) commits to the
 * store, so its appends are announced at once, not at the next timeout:
 * commits write to a FIFO beside the store (store_wake_path), which this
 * makes and reads. Without it, the poll's timeout bounds the delay. */
void syncer_watch_store(struct syncer *sy);

/* Waits up to timeout_ms for messages and timers and handles them all.
 * Returns the number of events handled (0 when idle), -1 on a fatal
 * error (the store failed). */
int syncer_poll(struct syncer *sy, int timeout_ms);

/* Announces our heads to every peer now (after a local append). */
void syncer_announce(struct syncer *sy);

/* Totals, and per-peer figures for `mutua status`. */
uint64_t syncer_received(const struct syncer *sy);
uint64_t syncer_sent(const struct syncer *sy);
/* How many times the store took new entries: a round's commit that
 * received some, or another process's commit (the CLI's, the web page's)
 * seen by the poll. Our own appends through this store do not count. */
uint64_t syncer_changes(const struct syncer *sy);
int syncer_npeers(const struct syncer *sy);
/* Times every connection was closed because memory ran over max_memory. */
uint64_t syncer_resets(const struct syncer *sy);
void syncer_peer_stats(const struct syncer *sy, int i, struct peer_stats *out);
/* 1 when the given outbound peer has answered our HELLO and nothing is
 * wanted from, or in flight with, any peer. */
int syncer_quiet(const struct syncer *sy);
/* 1 while entries are wanted from, or asked of, any peer. */
int syncer_busy(const struct syncer *sy);
/* 1 while the batches received during a fetch wait in an open write
 * transaction (at most 250 ms). Nothing else may write to the store then:
 * an entry appended in it would reach peers before it is on disk. */
int syncer_holds_round(const struct syncer *sy);
/* 1 when every head of ours equals the peer's and the reverse. */
int syncer_in_step(const struct syncer *sy, int peer);
/* 1 once a peer has told us all its heads (so our own feed's too). */
int syncer_heard_own_head(const struct syncer *sy);
/* The highest seq of our own feed a peer has reported holding. */
uint64_t syncer_own_heard(const struct syncer *sy);
/* Has a peer told us it holds author's feed up to seq at least? */
int syncer_peer_holds(const struct syncer *sy, const uint8_t author[32], uint64_t seq);
/* A one-line reason when an outbound peer refused our key. */
const char *syncer_refusal(const struct syncer *sy, int peer);

/* Answers the staff of this node's member (node/staffd.h): their keys are
 * admitted by the ZAP handler and their requests run between rounds. */
struct staffd;
void syncer_staff(struct syncer *sy, struct staffd *d);

/* Tests and fuzzing: handles a message as if an inbound peer (the first
 * member) had sent it. -1 only when the store failed. */
int syncer_inject(struct syncer *sy, const uint8_t *const *frames, const size_t *lens, int n);

#endif
