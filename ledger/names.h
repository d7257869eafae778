/* names.h - how a name typed by a person designates a member or an offer:
 * the one rule every command uses (view_resolve_member, view_resolve_offer).
 *
 * Names are compared folded: ASCII letters lower-cased, the Latin letters
 * of U+00C0..U+017F (Latin-1 Supplement and Latin Extended-A) lower-cased
 * and stripped of their accents ("É" "é" "è" are "e", "Œ" is "oe", "ß" is
 * "ss"), every run of other ASCII characters (spaces, '-', '\'', '.')
 * one space; any other character is kept as it is. A query designates a
 * name when the folded strings are equal (exact), or when each of its
 * words begins a word of the name, in order (partial: "regie nord" and
 * "Régie" designate "Régie de quartier Nord"). A query that designates
 * nothing is near a name whose folded form (or the start of it as long as
 * the query) is at most NAMES_NEAR_MAX edits away, for "did you mean".
 */
#ifndef MUTUA_NAMES_H
#define MUTUA_NAMES_H

#include <stddef.h>

#define NAMES_FOLD_MAX 1024 /* folded names longer than this are cut */

enum names_match { NAMES_NONE = 0, NAMES_PARTIAL = 1, NAMES_EXACT = 2 };

/* Writes the folded form of s into out (cap bytes, NUL-terminated). */
void names_fold(const char *s, char *out, size_t cap);
/* How query designates name (both as typed, unfolded). */
enum names_match names_match(const char *query, const char *name);
/* The edit distance (Damerau-Levenshtein) between query and name, both
 * folded, or between query and the start of name when that is smaller;
 * (size_t)-1 when too long to compare. */
size_t names_distance(const char *query, const char *name);
/* 1 when name is near enough to query to be suggested. */
int names_near(const char *query, const char *name);

#endif
