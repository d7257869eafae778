/* i18n.c - messages in the reader's language (i18n.h). */
#include "i18n.h"

#include <locale.h>
#include <stdlib.h>

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif

void i18n_init(void)
{
	setlocale(LC_ALL, "");
	/* numbers are written and read the C way everywhere (JSON, CSV's
	 * --no-excel, options); a French style is produced on purpose */
	setlocale(LC_NUMERIC, "C");
	const char *dir = getenv("MUTUA_LOCALEDIR");
	bindtextdomain(MUTUA_DOMAIN, dir && *dir ? dir : LOCALEDIR);
	bind_textdomain_codeset(MUTUA_DOMAIN, "UTF-8");
}
