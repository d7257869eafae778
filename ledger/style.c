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
	/* one pass over the environment, not three getenv: a table formats
	 * an amount or a date in every row. The first of a name, as getenv */
	extern char **environ;
	const char *all = NULL, *cat = NULL, *lang = NULL;
	size_t cl = strlen(category);
	for (char **e = environ; e && *e; e++) {
		const char *v = *e;
		if (v[0] != 'L')
			continue;
		if (!all && strncmp(v, "LC_ALL=", 7) == 0)
			all = v + 7;
		else if (!cat && strncmp(v, category, cl) == 0 && v[cl] == '=')
			cat = v + cl + 1;
		else if (!lang && strncmp(v, "LANG=", 5) == 0)
			lang = v + 5;
	}
	if (all && *all)
		return all;
	if (cat && *cat)
		return cat;
	return lang ? lang : "";
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
