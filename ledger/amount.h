/* amount.h - amounts in hundredths of a credit, as people type and read them. */
#ifndef MUTUA_AMOUNT_H
#define MUTUA_AMOUNT_H

#include <stddef.h>
#include <stdint.h>

/* Amounts in hundredths ("12.50" <-> 1250). Negative values refused by
 * amount_parse unless allow_neg. Where the reader's decimal mark is a
 * comma (style.h: a French locale), "12,50" is read too. */
int amount_parse(const char *s, int allow_neg, int64_t *out);
/* The C way, as few decimals as needed ("12.5", "-4000"): for what is
 * stored, compared or printed under --json. buf: 32 bytes. */
void amount_format(char *buf, int64_t v);
/* For a person, two decimals in the reader's style (style.h): "60.00",
 * "-4000.00" in the C locale; "60,00", "-4 000,00" (U+202F) in French. */
/* A usage in thousandths of a unit, as typed: "3", "2.5", "0.125" (at
 * most three decimals), "2,5" where the decimal mark is a comma; at most
 * max thousandths. */
int amount_parse_usage(const char *s, int64_t max, int64_t *out);
/* '-', 20 digits, 6 separators and a radix of at most 7 bytes each
 * (style_numbers), 2 decimals, NUL */
#define AMOUNT_BUF 80
void amount_format_local(char *buf, int64_t v);

#endif
