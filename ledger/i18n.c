/* i18n.c - messages in the reader's language (i18n.h). */
#include "i18n.h"
#include "err.h"

#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif

static char dir_buf[PATH_MAX];
static const char *dir_bound = LOCALEDIR;

/* <dir of /proc/self/exe>/../build/locale when that is a directory: the
 * binaries of bin/ in a source tree find the catalogue make built there. */
static const char *intree_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	struct stat st;
	if (snprintf(dir_buf, sizeof dir_buf, "%s/../build/locale", exe) >= (int)sizeof dir_buf ||
	    stat(dir_buf, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return dir_buf;
}

void i18n_init(void)
{
	setlocale(LC_ALL, "");
	/* numbers are written and read the C way everywhere (JSON, CSV's
	 * --no-excel, options); a French style is produced on purpose */
	setlocale(LC_NUMERIC, "C");
	const char *dir = getenv("MUTUA_LOCALEDIR");
	if (!dir || !*dir)
		dir = intree_dir();
	dir_bound = dir ? dir : LOCALEDIR;
	bindtextdomain(MUTUA_DOMAIN, dir_bound);
	bind_textdomain_codeset(MUTUA_DOMAIN, "UTF-8");
	/* err_set renders a second, translated reason only for a reader who
	 * reads another language than the messages' own */
	const char *m = setlocale(LC_MESSAGES, NULL);
	err_localise(m && strcmp(m, "C") != 0 && strcmp(m, "POSIX") != 0 &&
		     strncmp(m, "C.", 2) != 0);
}

const char *i18n_dir(void)
{
	return dir_bound;
}

const char *i18n_pgettext(const char *ctx, const char *msgid)
{
	/* gettext keys a message in context as "CTX\004MSGID" */
	char key[256];
	if (snprintf(key, sizeof key, "%s\004%s", ctx, msgid) >= (int)sizeof key)
		return msgid;
	const char *t = dgettext(MUTUA_DOMAIN, key);
	return t == key ? msgid : t;
}

static locale_t loc_fr, loc_en;
static pthread_once_t loc_once = PTHREAD_ONCE_INIT;

static void locales_make(void)
{
	loc_fr = newlocale(LC_MESSAGES_MASK | LC_CTYPE_MASK, "fr_FR.UTF-8", (locale_t)0);
	locale_t ctype = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	loc_en = ctype ? newlocale(LC_MESSAGES_MASK, "C", ctype) : (locale_t)0;
	if (ctype && !loc_en)
		freelocale(ctype);
}

locale_t i18n_locale(const char *lang)
{
	pthread_once(&loc_once, locales_make);
	locale_t l = !lang ? (locale_t)0
		     : strcmp(lang, "fr") == 0 ? loc_fr
		     : strcmp(lang, "en") == 0 ? loc_en
					       : (locale_t)0;
	return l ? l : LC_GLOBAL_LOCALE;
}

const char *i18n_lang(void)
{
	const char *m = setlocale(LC_MESSAGES, NULL), *l = getenv("LANGUAGE");
	/* gettext reads LANGUAGE first, unless the messages' locale is C */
	int c = !m || strcmp(m, "C") == 0 || strcmp(m, "POSIX") == 0 || strncmp(m, "C.", 2) == 0;
	if (!c && l && *l)
		m = l;
	return !c && strncmp(m, "fr", 2) == 0 ? "fr" : "en";
}
