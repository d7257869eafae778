/* json.h - JSON text as the programs print it (--json, status files).
 *
 * Strings are escaped as RFC 8259 asks: '"' and '\' by a backslash, the
 * control characters below 0x20 as \b \t \n \f \r or \u00XX; every other
 * byte is copied, so UTF-8 text stays as it is. Numbers with a fraction
 * are written as SQLite's JSON functions write them (up to 15 significant
 * digits, always with a decimal point: 3.0, 25.5, 4.0e-05), which the
 * CLI's JSON used before it was written in C.
 */
#ifndef MUTUA_JSON_H
#define MUTUA_JSON_H

#include <stdio.h>

/* s as a JSON string, quotes included; NULL is written as null. */
void json_string(FILE *f, const char *s);
/* v as a JSON number; NaN and the infinities, which JSON lacks, as null. */
void json_real(FILE *f, double v);

#endif
