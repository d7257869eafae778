/* style.c - how the reader writes numbers and dates, from the environment (style.h). */
#include "style.h"

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The locale's name POSIX gives the category: LC_ALL, else LC_<category>,
 * else LANG; "" when none is set (the C locale). */
static const char *env_locale(const char *category)
{
	const char *v = getenv("LC_ALL");
	if (!v || !*v)
		v = getenv(category);
	if (!v || !*v)
		v = getenv("LANG");
	return v ? v : "";
}

static int french_name(const char *name)
{
	return strncmp(name, "fr", 2) == 0 && (name[2] == '_' || name[2] == '.' || !name[2]);
}

/* Looked up once per locale name and thread: tables format many rows. */
static _Thread_local struct {
	char name[64];
	int known;
	struct style_numbers n;
} num_cache;

void style_numbers(struct style_numbers *out)
{
	const char *name = env_locale("LC_NUMERIC");
	if (num_cache.known && strcmp(num_cache.name, name) == 0) {
		*out = num_cache.n;
		return;
	}
	struct style_numbers n = {".", ""};
	locale_t loc = *name ? newlocale(LC_NUMERIC_MASK, name, (locale_t)0) : (locale_t)0;
	if (loc) {
		const char *r = nl_langinfo_l(RADIXCHAR, loc), *t = nl_langinfo_l(THOUSEP, loc);
		if (r && *r && strlen(r) < sizeof n.radix)
			snprintf(n.radix, sizeof n.radix, "%s", r);
		if (t && strlen(t) < sizeof n.thousands)
			snprintf(n.thousands, sizeof n.thousands, "%s", t);
		freelocale(loc);
	} else if (french_name(name)) {
		/* as glibc's fr_FR: a decimal comma, a narrow no-break space */
		snprintf(n.radix, sizeof n.radix, ",");
		snprintf(n.thousands, sizeof n.thousands, "\xe2\x80\xaf");
	}
	snprintf(num_cache.name, sizeof num_cache.name, "%s", name);
	num_cache.known = strlen(name) < sizeof num_cache.name;
	num_cache.n = n;
	*out = n;
}

int style_decimal_comma(void)
{
	struct style_numbers n;
	style_numbers(&n);
	return strcmp(n.radix, ",") == 0;
}

int style_day_first(void)
{
	const char *name = env_locale("LC_TIME");
	if (!*name)
		return 0;
	locale_t loc = newlocale(LC_TIME_MASK, name, (locale_t)0);
	if (!loc)
		return french_name(name);
	const char *f = nl_langinfo_l(D_FMT, loc);
	int day = f && (strncmp(f, "%d", 2) == 0 || strncmp(f, "%e", 2) == 0);
	freelocale(loc);
	return day;
}
