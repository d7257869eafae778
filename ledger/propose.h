/* propose.h - the proposals a member opens (mutua propose, the web page):
 * each kind's inputs checked and its payload built here, the one place both
 * call, before store_append and the fold's own rules (governance.c).
 *
 * A draft holds the proposal and what it points to; each gov_draft_* fills
 * it (0) or leaves a reason (-1, err_set: 'usage' set when the input is
 * malformed rather than refused by the store's state); gov_draft_free
 * frees what it holds. */
#ifndef MUTUA_PROPOSE_H
#define MUTUA_PROPOSE_H

#include "mutua.pb-c.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

struct gov_draft {
	Mutua__Proposal p;
	Mutua__Card *card;
	Mutua__Rekey rk;
	Mutua__Settle st;
	Mutua__Parameter par;
	uint8_t member[32], key[32], request[32];
	int usage; /* the last failure was the input's, not the state's */
};

void gov_draft_init(struct gov_draft *d, const char *reason);
void gov_draft_free(struct gov_draft *d);
/* admit: a card (its text; card_label, the file it was read from, or NULL)
 * naming keys no member has; college one of the federation's when it has
 * colleges */
int gov_draft_admit(struct store *s, struct gov_draft *d, const char *card,
		    const char *card_label, const char *college);
/* exclude: a current member (label: how the person named it) */
int gov_draft_exclude(struct store *s, struct gov_draft *d, const uint8_t member[32],
		      const char *label);
/* rekey: a current member's key replaced by the card's, its feed kept up to
 * upto (has_upto) or what this node holds */
int gov_draft_rekey(struct store *s, struct gov_draft *d, const uint8_t member[32],
		    const char *label, const char *card, const char *card_label, int has_upto,
		    uint64_t upto);
/* settle: a disputed loan, the usage figure (as mutua borrow --estimate
 * reads it) and the part of the deposit forfeited (an amount, "" or NULL
 * for none) */
int gov_draft_settle(struct gov_draft *d, const uint8_t request[32], const char *usage,
		     const char *forfeit);

#endif
