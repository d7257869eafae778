/* refusal.h - the words of the store's refusals of a received entry, in
 * one place for the node that refuses it (store.c, store_insert_batch) and
 * the audit that reports it (audit.c, which checks federation, signature
 * and chain itself, as it reads, and learns of an exclusion or a key's end
 * only after the entries it cuts off when feeds come in that order), so
 * that the two cannot word one rule two ways. Each is a printf format; its
 * arguments are in the comment above it.
 */
#ifndef MUTUA_REFUSAL_H
#define MUTUA_REFUSAL_H

/* no argument */
#define REFUSAL_OTHER_FEDERATION "entry of another federation"
/* the seq */
#define REFUSAL_BAD_SIGNATURE "bad signature on seq %llu"
/* the seq expected (the head's plus one), the seq met */
#define REFUSAL_GAP "gap: expected seq %llu, got %llu"
/* the seq, the one before it */
#define REFUSAL_UNLINKED "seq %llu does not link to seq %llu"
/* the seq, its time, the one before it, that one's time (ISO 8601) */
#define REFUSAL_TIME_BACK "seq %llu claims %s, before seq %llu's %s"
/* the first seq refused */
#define REFUSAL_EXCLUDED "the member was excluded: its feed ends at seq %llu, seq %llu refused"
/* the key's last seq, the first seq refused */
#define REFUSAL_KEY_ENDED "the key was replaced at seq %llu: seq %llu refused"

#endif
