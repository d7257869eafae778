/* i18n.h - messages in the reader's language (GNU gettext, domain "mutua").
 *
 * _("...") marks a message and returns it in the language of LC_MESSAGES;
 * N_("...") only marks it, for tables of strings translated where they are
 * printed. Only what a person reads is translated: nothing that is signed,
 * stored, folded, compared or printed under --json ever goes through _(),
 * so two nodes in two locales derive the same state byte for byte.
 */
#ifndef MUTUA_I18N_H
#define MUTUA_I18N_H

#include <libintl.h>

#define MUTUA_DOMAIN "mutua"
#define _(s) dgettext(MUTUA_DOMAIN, s)
#define N_(s) (s)

/* setlocale(LC_ALL, "") but LC_NUMERIC "C", and the message catalogue's directory: the
 * environment's MUTUA_LOCALEDIR, else the one the build installs. */
void i18n_init(void);

#endif
