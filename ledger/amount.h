/* amount.h - amounts in hundredths of a credit, as people type and read them. */
#ifndef MUTUA_AMOUNT_H
#define MUTUA_AMOUNT_H

#include <stddef.h>
#include <stdint.h>

/* Amounts in hundredths ("12.50" <-> 1250). Negative values refused by
 * amount_parse unless allow_neg. */
int amount_parse(const char *s, int allow_neg, int64_t *out);
void amount_format(char *buf, int64_t v); /* buf: 32 bytes */

#endif
