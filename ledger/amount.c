/* amount.c - amounts in hundredths of a credit, as people type and read them (amount.h). */
#include "amount.h"
#include "err.h"
#include "style.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int amount_parse(const char *s, int allow_neg, int64_t *out)
{
	const char *p = s;
	int neg = 0, comma = style_decimal_comma();
	int64_t whole = 0, frac = 0;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (!isdigit((unsigned char)*p))
		goto bad;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > (INT64_MAX / 100 - 9) / 10)
			goto bad;
		whole = whole * 10 + (*p - '0');
	}
	/* a decimal point, or the reader's decimal comma: 12,50 */
	if (*p == '.' || (comma && *p == ',')) {
		p++;
		if (!isdigit((unsigned char)*p))
			goto bad;
		frac = (*p++ - '0') * 10;
		if (isdigit((unsigned char)*p))
			frac += *p++ - '0';
	}
	if (*p)
		goto bad;
	if (neg && !allow_neg)
		return err_set("'%s' must not be negative", s);
	*out = (neg ? -1 : 1) * (whole * 100 + frac);
	return 0;
bad:
	if (comma)
		return err_set("'%s' is not a number (use 12 or 12,50)", s);
	return err_set("'%s' is not a number (use 12 or 12.50)", s);
}

void amount_format(char *buf, int64_t v)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	if (a % 100)
		snprintf(buf, 32, "%s%llu.%02llu", v < 0 ? "-" : "",
			 (unsigned long long)(a / 100), (unsigned long long)(a % 100));
	else
		snprintf(buf, 32, "%s%llu", v < 0 ? "-" : "", (unsigned long long)(a / 100));
}

void amount_format_local(char *buf, int64_t v)
{
	struct style_numbers st;
	style_numbers(&st);
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, whole = a / 100;
	/* by hand, not snprintf: a table formats one in every row (at most
	 * AMOUNT_BUF bytes, amount.h) */
	char digits[20], *p = buf;
	int n = 0;
	do
		digits[sizeof digits - 1 - n++] = (char)('0' + whole % 10);
	while ((whole /= 10) && n < (int)sizeof digits);
	const char *d = digits + sizeof digits - n;
	size_t tl = strlen(st.thousands), rl = strlen(st.radix);
	if (v < 0)
		*p++ = '-';
	/* groups of three, with the reader's separator: -4 000,00 */
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0 && tl) {
			memcpy(p, st.thousands, tl);
			p += tl;
		}
		*p++ = d[i];
	}
	memcpy(p, st.radix, rl);
	p += rl;
	*p++ = (char)('0' + a % 100 / 10);
	*p++ = (char)('0' + a % 10);
	*p = 0;
}

int amount_parse_usage(const char *s, int64_t max, int64_t *out)
{
	int64_t whole = 0, frac = 0;
	int digits = 0, comma = style_decimal_comma();
	const char *p = s;
	if (!isdigit((unsigned char)*p))
		goto bad;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > max / 1000 + 1)
			goto bad;
		whole = whole * 10 + (*p - '0');
	}
	/* a decimal point, or the reader's decimal comma: 2,5 */
	if (*p == '.' || (comma && *p == ',')) {
		for (p++; isdigit((unsigned char)*p) && digits < 3; p++, digits++)
			frac = frac * 10 + (*p - '0');
		if (digits == 0)
			goto bad;
		while (digits++ < 3)
			frac *= 10;
	}
	if (*p || whole * 1000 + frac > max)
		goto bad;
	*out = whole * 1000 + frac;
	return 0;
bad:
	if (comma)
		return err_set("'%s' is not a usage (a number such as 3 or 2,5, at most %lld)", s,
			       (long long)(max / 1000));
	return err_set("'%s' is not a usage (a number such as 3 or 2.5, at most %lld)", s,
		       (long long)(max / 1000));
}
