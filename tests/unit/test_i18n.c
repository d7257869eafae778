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

/* A reason composed into a buffer (err_fmt), then quoted by another one,
 * itself quoted again: wholly French when shown, wholly English in
 * err_msg(), whatever the depth and the position of the quote. */
static void test_nested_reasons(void **state)
{
	(void)state;
	french();
	char why[160], more[300];
	err_fmt(why, sizeof why, "the request does not confirm the offer's deposit of %s",
		"12,00");
	assert_string_equal(why, "the request does not confirm the offer's deposit of 12,00");
	assert_string_equal(err_local(why),
			    "la demande ne confirme pas la caution de 12,00 de l'offre");
	err_set("'%s': %s", "Camion frigorifique", why);
	assert_string_equal(err_msg(), "'Camion frigorifique': the request does not confirm "
				       "the offer's deposit of 12,00");
	assert_null(strstr(err_msg_local(), "request"));
	assert_non_null(strstr(err_msg_local(), "Camion frigorifique"));
	assert_non_null(strstr(err_msg_local(), "la demande ne confirme pas la caution"));

	/* two levels of composition, the inner one at the start of the outer */
	err_fmt(why, sizeof why, "quantity %lld is above the resource's capacity %lld", 3LL, 1LL);
	err_fmt(more, sizeof more, "%s: cancel or settle %.12s with its borrower first", why,
		"0123456789abcdef");
	assert_string_equal(more, "quantity 3 is above the resource's capacity 1: cancel or "
				  "settle 0123456789ab with its borrower first");
	err_set("%s", more);
	assert_string_equal(err_msg(), more);
	assert_null(strstr(err_msg_local(), "quantity"));
	assert_null(strstr(err_msg_local(), "cancel"));
	assert_non_null(strstr(err_msg_local(), "la quantit\xc3\xa9 3 d\xc3\xa9passe"));
	assert_non_null(strstr(err_msg_local(), "0123456789ab"));

	/* a composed reason quoted by an untranslated format still shows in
	 * French; an English format of no catalogue keeps its own words */
	err_fmt(why, sizeof why, "the delegation does not grant the role %s", "admin");
	err_set("vote refused: %s", why);
	assert_string_equal(err_msg(), "vote refused: the delegation does not grant the role admin");
	assert_string_equal(err_msg_local(),
			    "vote refused: la d\xc3\xa9l\xc3\xa9gation n'accorde pas le r\xc3\xb4le admin");

	/* a reason of a staff rule read back from a buffer, as web and CLI show it */
	err_fmt(why, sizeof why, "the delegation was revoked (at place %lld of the member's feed)",
		4LL);
	assert_string_equal(err_local(why),
			    "la d\xc3\xa9l\xc3\xa9gation a \xc3\xa9t\xc3\xa9 r\xc3\xa9voqu\xc3\xa9" "e (\xc3\xa0 la place 4 du fil du membre)");

	/* read back from the store, never composed in this process: known by
	 * its format, its pieces kept, a quoted reason translated in turn */
	assert_string_equal(err_local("the delegation does not grant the role lend"),
			    "la d\xc3\xa9l\xc3\xa9gation n'accorde pas le r\xc3\xb4le lend");
	err_set("%s", "quantity 5 is above the resource's capacity 2: cancel or settle "
		      "abcdefabcdef with its borrower first");
	assert_string_equal(err_msg_local(),
			    "la quantit\xc3\xa9 5 d\xc3\xa9passe la capacit\xc3\xa9 2 de la ressource"
			    "\xc2\xa0: annulez ou r\xc3\xa9glez d'abord abcdefabcdef avec son "
			    "emprunteur");
	/* a text of no format as it is */
	assert_string_equal(err_local("some words no format knows at all"),
			    "some words no format knows at all");
	/* not localised: as it is */
	err_localise(0);
	assert_string_equal(err_local(why), why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_by_default),
		cmocka_unit_test(test_english_kept_french_shown),
		cmocka_unit_test(test_nested_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
