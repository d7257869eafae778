/* loan_read.h - an offer as a command needs it before it decides what to
 * append: its owner, status, capacity and every field (a loan: lending.h,
 * lending_loan_get). Read from the fold's derived state (fold.c); it
 * restates no rule. A value struct: no destruction needed.
 *
 * Returns: 1 found (out filled), 0 no such row, -1 a database
 * error or a stored value that does not fit its field (err_set says
 * which): an error never reads as "no such loan".
 */
#ifndef MUTUA_LOAN_READ_H
#define MUTUA_LOAN_READ_H

#include <stdint.h>

#include "entry.h"

struct store;

#define LOAN_READ_WORD_MAX 15  /* a kind, a unit or an offer's status */

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
	char conditions[CONDITIONS_MAX_LEN + 1];   /* "" none */
	char requires[8 * (REQUIREMENT_MAX_LEN + 1) + 1]; /* comma-joined, "" none */
	int64_t deposit;                           /* hundredths, 0 none */
};

/* The offer (resource) with this id, with its owner's name; an offer whose
 * owner is not a known member is not found. */
int loan_read_offer(struct store *s, const uint8_t id[32], struct offer_info *out);

#endif
