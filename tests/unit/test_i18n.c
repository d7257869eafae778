/* test_i18n.c - err_set's two renderings: the reason stays English in
 * err_msg() whatever the locale (the store and the peers compare it), and
 * err_msg_local() renders it with the catalogue of build/locale: its format
 * translated, its arguments reordered by a translation's "%N$", a reason of
 * the ledger passed as an argument translated too, a quoted previous reason
 * translated in place. Skipped where fr_FR.UTF-8 or the catalogue is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "err.h"
#include "i18n.h"
#include "lending.h"
#include "refusal.h"

#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* the French catalogue of this tree, or skip */
static void french(void)
{
	char dir[PATH_MAX], mo[PATH_MAX + 64];
	if (!getcwd(dir, sizeof dir - 16))
		skip();
	strcat(dir, "/build/locale");
	snprintf(mo, sizeof mo, "%s/fr/LC_MESSAGES/mutua.mo", dir);
	if (access(mo, R_OK) != 0)
		skip();
	setenv("MUTUA_LOCALEDIR", dir, 1);
	setenv("LANG", "fr_FR.UTF-8", 1);
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	unsetenv("LANGUAGE");
	i18n_init();
	if (!setlocale(LC_MESSAGES, NULL) || strncmp(setlocale(LC_MESSAGES, NULL), "fr", 2) != 0)
		skip();
}

static void test_off_by_default(void **state)
{
	(void)state;
	err_set("no such offer");
	assert_string_equal(err_msg(), "no such offer");
	assert_string_equal(err_msg_local(), "no such offer");
}

static void test_english_kept_french_shown(void **state)
{
	(void)state;
	french();
	err_set("no such offer");
	assert_string_equal(err_msg(), "no such offer");
	assert_string_equal(err_msg_local(), "offre introuvable");

	/* a ledger constant as an argument is a reason too */
	err_set("'%s': %s", "Camion", LENDING_OWN_REQUEST);
	assert_string_equal(err_msg(), "'Camion': the resource is the borrower's own");
	assert_string_equal(err_msg_local(),
			    "\xc2\xab\xc2\xa0" "Camion\xc2\xa0\xc2\xbb\xc2\xa0: "
			    "la ressource appartient \xc3\xa0 l'emprunteur lui-m\xc3\xaame");
	/* a name is never translated, even one that is a message */
	err_set("'%s': %s", "no such offer", "x");
	assert_non_null(strstr(err_msg_local(), "no such offer"));

	/* arguments in another order ("%4$s ... %3$llu") */
	err_set(REFUSAL_TIME_BACK, 7ULL, "2026-12-01T08:00Z", 6ULL, "2026-12-02T08:00Z");
	assert_string_equal(err_msg(), "seq 7 claims 2026-12-01T08:00Z, before seq 6's "
				       "2026-12-02T08:00Z");
	assert_string_equal(err_msg_local(), "la seq 7 indique 2026-12-01T08:00Z, avant le "
					     "2026-12-02T08:00Z de la seq 6");

	/* a previous reason quoted by the next: translated where it stands */
	err_set("quantity %llu is above the capacity of '%s' (%lld)", 3ULL, "Camion", 1LL);
	err_set("store: %s", err_msg());
	assert_string_equal(err_msg(), "store: quantity 3 is above the capacity of 'Camion' (1)");
	assert_non_null(strstr(err_msg_local(), "la quantit\xc3\xa9 3 d\xc3\xa9passe la capacit"));

	/* precision from an argument, and a message the catalogue lacks */
	err_set("not a %s (no '%.*s' line)", "card", 5, "-----BEGIN");
	assert_string_equal(err_msg(), "not a card (no '-----' line)");
	assert_non_null(strstr(err_msg_local(), "-----\xc2\xa0\xc2\xbb"));
	err_set("%d things that no catalogue holds", 3);
	assert_string_equal(err_msg_local(), "3 things that no catalogue holds");
	err_localise(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_by_default),
		cmocka_unit_test(test_english_kept_french_shown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
