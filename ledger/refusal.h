/* refusal.h - the words of the store's refusals of a member's entry, in
 * one place for the node that refuses it (store.c, insert_run) and the
 * audit that reports it (audit.c, when it learns of an exclusion or a
 * key's end only after the entries it cuts off), so that the two cannot
 * word one rule two ways. Each is a printf format; its arguments follow
 * it in the comment.
 */
#ifndef MUTUA_REFUSAL_H
#define MUTUA_REFUSAL_H

/* the first seq refused */
#define REFUSAL_EXCLUDED "the member was excluded before seq %llu"
/* the key's last seq, the first seq refused */
#define REFUSAL_KEY_ENDED "the key was replaced at seq %llu: seq %llu refused"

#endif
