/* style.h - how the reader writes numbers and dates, from the environment.
 *
 * i18n_init keeps LC_NUMERIC "C" so that printf and strtod read and write
 * what JSON, CSV and stored texts need; the reader's own style is read here
 * from the environment, as POSIX picks a category's locale: LC_ALL, else
 * LC_NUMERIC or LC_TIME, else LANG. When that locale is not installed, a
 * name starting with "fr" still gives the French style. Only what a person
 * types or reads uses it: nothing stored, signed or folded.
 */
#ifndef MUTUA_STYLE_H
#define MUTUA_STYLE_H

struct style_numbers {
	char radix[8];     /* "." or "," */
	char thousands[8]; /* "" (none), ",", or U+202F in French */
};

/* The reader's numbers (LC_NUMERIC). */
void style_numbers(struct style_numbers *out);
/* 1 when the reader's decimal mark is a comma ("12,50"): amounts typed
 * with one are read, and CSV uses ';' and decimal commas. */
int style_decimal_comma(void);
/* 1 when the reader writes dates day first (LC_TIME's date format starts
 * with the day: fr_FR "05/12/2026", en_GB): "05/12/2026" is read. */
int style_day_first(void);

#endif
