/* amount.c - amounts in hundredths of a credit, as people type and read them (amount.h). */
#include "amount.h"
#include "err.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int amount_parse(const char *s, int allow_neg, int64_t *out)
{
	const char *p = s;
	int neg = 0;
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
	if (*p == '.') {
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
