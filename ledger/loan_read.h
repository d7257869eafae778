/* loan_read.h - a loan and an offer as a command needs them before it
 * decides what to append: who owns, who borrows, the state, the slot, the
 * unit and rate of a loan; the owner, status, capacity and every field of
 * an offer. Both are read from the fold's derived state (lending.c,
 * fold.c); they restate no rule. Value structs: no destruction needed.
 *
 * Returns, for both: 1 found (out filled), 0 no such row, -1 a database
 * error or a stored value that does not fit its field (err_set says
 * which): an error never reads as "no such loan".
 */
#ifndef MUTUA_LOAN_READ_H
#define MUTUA_LOAN_READ_H

#include <stdint.h>

#include "entry.h"

struct store;

#define LOAN_READ_STATE_MAX 31 /* the longest state name, "handed_over", fits */
#define LOAN_READ_WORD_MAX 15  /* a kind, a unit or an offer's status */

struct loan_info {
	uint8_t id[32], resource[32], owner[32], borrower[32];
	int has_owner; /* 0: the request names a resource not known here yet */
	char state[LOAN_READ_STATE_MAX + 1];
	char unit[LOAN_READ_WORD_MAX + 1];      /* "" when the resource is unknown */
	char title[TITLE_MAX_LEN + 1];          /* "?" when the resource is unknown */
	char owner_name[NAME_MAX_LEN + 1];      /* "?" when the owner is unknown */
	int64_t start, end, quantity;           /* the slot, UTC ms; units asked */
	int64_t rate;  /* the resource's, hundredths of a credit a unit; 0 unknown */
	int64_t usage; /* thousandths of a unit; -1: none stated yet */
};

/* The loan (or request) with this id. */
int loan_read(struct store *s, const uint8_t id[32], struct loan_info *out);

struct offer_info {
	uint8_t id[32], owner[32];
	char owner_name[NAME_MAX_LEN + 1];
	char kind[LOAN_READ_WORD_MAX + 1], unit[LOAN_READ_WORD_MAX + 1];
	char status[LOAN_READ_WORD_MAX + 1]; /* "active" or "withdrawn" */
	char title[TITLE_MAX_LEN + 1];
	char location[LOCATION_MAX_LEN + 1];       /* "" none */
	char description[DESCRIPTION_MAX_LEN + 1]; /* "" none */
	int64_t capacity, rate;
	int auto_accept;
};

/* The offer (resource) with this id, with its owner's name; an offer whose
 * owner is not a known member is not found. */
int loan_read_offer(struct store *s, const uint8_t id[32], struct offer_info *out);

#endif
