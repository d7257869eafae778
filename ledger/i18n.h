/* i18n.h - messages in the reader's language (GNU gettext, domain "mutua").
 *
 * _("...") marks a message and returns it in the language of LC_MESSAGES;
 * N_("...") only marks it, for tables of strings translated where they are
 * printed; C_("context", "...") is _() within a context (pgettext: a table
 * header, a state word), NC_() only marks one. Only what a person reads is
 * translated: nothing that is signed, stored, folded, compared or printed
 * under --json ever goes through _(), so two nodes in two locales derive the
 * same state byte for byte.
 */
#ifndef MUTUA_I18N_H
#define MUTUA_I18N_H

#include <libintl.h>
#include <locale.h>

#define MUTUA_DOMAIN "mutua"
#define _(s) dgettext(MUTUA_DOMAIN, s)
#define N_(s) (s)
#define P_(s, plural, n) dngettext(MUTUA_DOMAIN, s, plural, n)
#define C_(ctx, s) i18n_pgettext(ctx, s)
#define NC_(ctx, s) (s)

/* setlocale(LC_ALL, "") but LC_NUMERIC "C", and the message catalogue's
 * directory: the environment's MUTUA_LOCALEDIR, else build/locale beside the
 * running binary's bin/ (an in-tree build), else the one the build installs
 * (LOCALEDIR). Turns on the translated copy of err_set's reasons (err.h). */
void i18n_init(void);
/* The catalogue directory i18n_init bound (for doctor and tests). */
const char *i18n_dir(void);
/* msgid in context ctx, translated (pgettext with run-time strings). */
const char *i18n_pgettext(const char *ctx, const char *msgid);
/* For uselocale() in one thread: messages in French ("fr") or in the
 * sources' English ("en"), with UTF-8 text; LC_GLOBAL_LOCALE (the
 * process's own) for NULL, anything else, or a system without that
 * locale. Made once, shared by every thread, never freed. */
locale_t i18n_locale(const char *lang);
/* The strings of json, an object of KEY: English text (the web page's,
 * web/strings.json), translated in the thread's language: a new object
 * (malloc'd) of KEY: pgettext(prefix KEY, text), or NULL with err_set
 * when json is no such object. */
char *i18n_json(const char *json, const char *prefix);
/* The language the process's messages are in: "fr" when its catalogue is
 * the French one (LANGUAGE, else LC_MESSAGES, names French), else "en". */
const char *i18n_lang(void);

#endif
