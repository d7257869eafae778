/* propose.c - the proposals a member opens, checked and built (propose.h). */
#include "propose.h"
#include "amount.h"
#include "entry.h"
#include "err.h"
#include "federation.h"
#include "governance.h"
#include "member.h"
#include "rotate.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

void gov_draft_init(struct gov_draft *d, const char *reason)
{
	memset(d, 0, sizeof *d);
	mutua__proposal__init(&d->p);
	mutua__rekey__init(&d->rk);
	mutua__settle__init(&d->st);
	mutua__parameter__init(&d->par);
	d->p.reason = reason && *reason ? (char *)reason : NULL;
}

void gov_draft_free(struct gov_draft *d)
{
	if (d->card)
		mutua__card__free_unpacked(d->card, NULL);
	d->card = NULL;
}

static int bad_input(struct gov_draft *d)
{
	d->usage = 1;
	return -1;
}

/* A card naming keys no member has, kept in d */
static int new_card(struct store *s, struct gov_draft *d, const char *text, const char *label)
{
	Mutua__CardBody *cb = NULL;
	d->usage = 0;
	if (!text || !*text) {
		err_set("give the new member's card");
		return bad_input(d);
	}
	Mutua__Card *card = card_decode(text, &cb);
	if (!card) {
		if (label && *label)
			err_set("card '%s': %s", label, err_msg());
		else
			err_set("the card: %s", err_msg());
		return -1;
	}
	int known = store_member_of(s, cb->id.data, NULL, NULL);
	if (known == 0)
		known = store_is_member(s, cb->id.data);
	mutua__card_body__free_unpacked(cb, NULL);
	if (known) {
		mutua__card__free_unpacked(card, NULL);
		if (known > 0)
			err_set("the card's key is a member's: it names a member already");
		return -1;
	}
	d->card = card;
	return 0;
}

int gov_draft_admit(struct store *s, struct gov_draft *d, const char *card,
		    const char *card_label, const char *college)
{
	if (college && text_check("college", college, COLLEGE_MAX_LEN, 0))
		return bad_input(d);
	const Mutua__Genesis *g = store_genesis(s);
	if (g->governance && g->governance->rule == GOV_RULE_COLLEGES) {
		int known = 0;
		for (size_t i = 0; college && i < g->governance->n_colleges; i++)
			known |= strcmp(g->governance->colleges[i]->name, college) == 0;
		if (!known) {
			err_set("--college: name one of the federation's colleges");
			return bad_input(d);
		}
	}
	if (new_card(s, d, card, card_label))
		return -1;
	d->p.what_case = MUTUA__PROPOSAL__WHAT_ADMIT;
	d->p.admit = d->card;
	d->p.college = college && *college ? (char *)college : NULL;
	return 0;
}

static int current(struct store *s, struct gov_draft *d, const uint8_t member[32],
		   const char *label)
{
	d->usage = 0;
	int cur = member_is_current(s, member);
	if (cur < 0)
		return -1;
	if (!cur)
		return err_set("'%s' is not a current member", label);
	memcpy(d->member, member, 32);
	return 0;
}

int gov_draft_exclude(struct store *s, struct gov_draft *d, const uint8_t member[32],
		      const char *label)
{
	if (current(s, d, member, label))
		return -1;
	d->p.what_case = MUTUA__PROPOSAL__WHAT_EXCLUDE;
	d->p.exclude.data = d->member;
	d->p.exclude.len = 32;
	return 0;
}

int gov_draft_rekey(struct store *s, struct gov_draft *d, const uint8_t member[32],
		    const char *label, const char *card, const char *card_label, int has_upto,
		    uint64_t upto)
{
	uint64_t head;
	if (current(s, d, member, label))
		return -1;
	int rc = rotate_current_key(s, member, d->key);
	if (rc <= 0)
		return rc < 0 ? -1 : err_set("'%s' has no key to replace", label);
	if (store_head(s, d->key, &head, NULL))
		return -1;
	/* by default, what this node holds of the key's feed stays */
	if (has_upto && upto > head) {
		err_set("--upto %llu: this node holds the key's feed up to seq %llu only",
			(unsigned long long)upto, (unsigned long long)head);
		return bad_input(d);
	}
	if (new_card(s, d, card, card_label))
		return -1;
	d->rk.member.data = d->member;
	d->rk.member.len = 32;
	d->rk.key.data = d->key;
	d->rk.key.len = 32;
	d->rk.upto = has_upto ? upto : head;
	d->rk.card = d->card;
	d->p.what_case = MUTUA__PROPOSAL__WHAT_REKEY;
	d->p.rekey = &d->rk;
	return 0;
}

int gov_draft_settle(struct gov_draft *d, const uint8_t request[32], const char *usage,
		     const char *forfeit)
{
	int64_t figure, lost = 0;
	d->usage = 0;
	if (!usage || amount_parse_usage(usage, (int64_t)USAGE_MAX, &figure)) {
		if (!usage)
			err_set("give the usage to settle on");
		else
			err_set("USAGE: %s", err_msg());
		return bad_input(d);
	}
	if (forfeit && *forfeit) {
		/* the part of the request's deposit forfeited */
		if (amount_parse(forfeit, 0, &lost)) {
			err_set("--forfeit: %s", err_msg());
			return bad_input(d);
		}
		if (lost > DEPOSIT_MAX) {
			err_set("--forfeit: %s is too large", forfeit);
			return bad_input(d);
		}
	}
	memcpy(d->request, request, 32);
	d->st.request.data = d->request;
	d->st.request.len = 32;
	d->st.usage = (uint64_t)figure;
	d->st.has_forfeit = lost > 0;
	d->st.forfeit = (uint64_t)lost;
	d->p.what_case = MUTUA__PROPOSAL__WHAT_SETTLE;
	d->p.settle = &d->st;
	return 0;
}
