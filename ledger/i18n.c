/* i18n.c - messages in the reader's language (i18n.h). */
#include "i18n.h"
#include "err.h"

#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <sqlite3.h>
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
	char buf[512], *key = buf;
	size_t c = strlen(ctx), m = strlen(msgid);
	if (c + m + 2 > sizeof buf && !(key = malloc(c + m + 2)))
		return msgid;
	memcpy(key, ctx, c);
	key[c] = '\004';
	memcpy(key + c + 1, msgid, m + 1);
	const char *t = dgettext(MUTUA_DOMAIN, key);
	if (key != buf)
		free(key);
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

/* tr(KEY, TEXT): pgettext(prefix KEY, TEXT), the prefix the user data */
static void sql_tr(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *key = (const char *)sqlite3_value_text(argv[0]);
	const char *text = (const char *)sqlite3_value_text(argv[1]);
	const char *prefix = sqlite3_user_data(cx);
	char ctx[256];
	if (!key || !text || sqlite3_value_type(argv[1]) != SQLITE_TEXT ||
	    snprintf(ctx, sizeof ctx, "%s%s", prefix, key) >= (int)sizeof ctx) {
		sqlite3_result_error(cx, "each string is a text under a short key", -1);
		return;
	}
	sqlite3_result_text(cx, i18n_pgettext(ctx, text), -1, SQLITE_TRANSIENT);
}

char *i18n_json(const char *json, const char *prefix)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *out = NULL;
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) ||
	    sqlite3_create_function(db, "tr", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
				    (void *)prefix, sql_tr, NULL, NULL) ||
	    sqlite3_prepare_v2(db, "SELECT json_group_object(key, tr(key, value)) FROM"
				   " json_each(?1) WHERE json_type(?1) = 'object'", -1, &st, NULL)) {
		err_set("cannot translate the page's strings: %s", sqlite3_errmsg(db));
		goto done;
	}
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		err_set("the page's strings are no JSON object of texts: %s", sqlite3_errmsg(db));
		goto done;
	}
	const char *o = (const char *)sqlite3_column_text(st, 0);
	if (!(out = strdup(o && *o ? o : "{}")))
		err_set("out of memory");
done:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}
