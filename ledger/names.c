/* names.c - folding and matching of names typed by people (names.h). */
#include "names.h"

#include <stdint.h>
#include <string.h>

/* U+00C0..U+017F folded; NULL: not a letter (× ÷), a separator. */
static const char *const latin[0x180 - 0xc0] = {
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", /* U+00C0 */
	"d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "ss", /* U+00D0 */
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", /* U+00E0 */
	"d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "y", /* U+00F0 */
	"a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d", /* U+0100 */
	"d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g", /* U+0110 */
	"g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i", /* U+0120 */
	"i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l", /* U+0130 */
	"l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o", /* U+0140 */
	"o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s", /* U+0150 */
	"s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u", /* U+0160 */
	"u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s", /* U+0170 */
};

void names_fold(const char *s, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	int sep = 1; /* no leading space */
	if (!cap)
		return;
	while (*p) {
		const char *put = NULL;
		char one[5] = {0};
		size_t adv = 1;
		if (*p < 0x80) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
				one[0] = (char)*p;
			else if (*p >= 'A' && *p <= 'Z')
				one[0] = (char)(*p + 32);
			put = one[0] ? one : NULL;
		} else if ((p[0] == 0xc3 || p[0] == 0xc4 || p[0] == 0xc5) && (p[1] & 0xc0) == 0x80) {
			unsigned cp = ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
			adv = 2;
			if (cp >= 0xc0 && cp < 0x180)
				put = latin[cp - 0xc0];
			else /* U+0080..U+00BF: signs, not letters */
				put = NULL;
		} else {
			/* another character, kept whole */
			while (p[adv] && (p[adv] & 0xc0) == 0x80 && adv < 4)
				adv++;
			memcpy(one, p, adv);
			put = one;
		}
		if (!put) {
			sep = 1;
		} else {
			size_t k = strlen(put);
			if (sep && n && n + 1 < cap)
				out[n++] = ' ';
			sep = 0;
			if (n + k >= cap)
				break;
			memcpy(out + n, put, k);
			n += k;
		}
		p += adv;
	}
	out[n] = 0;
}

/* Each word of q (folded) begins a word of name (folded), in order. */
static int words_begin(const char *q, const char *name)
{
	const char *w = name;
	while (*q) {
		size_t ql = strcspn(q, " ");
		for (;;) {
			if (!*w)
				return 0;
			size_t wl = strcspn(w, " ");
			int hit = ql <= wl && memcmp(w, q, ql) == 0;
			w += wl;
			w += *w == ' ';
			if (hit)
				break;
		}
		q += ql;
		q += *q == ' ';
	}
	return 1;
}

enum names_match names_match(const char *query, const char *name)
{
	char q[NAMES_FOLD_MAX], n[NAMES_FOLD_MAX];
	names_fold(query, q, sizeof q);
	names_fold(name, n, sizeof n);
	if (!*q)
		return NAMES_NONE;
	if (strcmp(q, n) == 0)
		return NAMES_EXACT;
	return words_begin(q, n) ? NAMES_PARTIAL : NAMES_NONE;
}

#define DIST_MAX 64

static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t d[DIST_MAX + 1][DIST_MAX + 1];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

size_t names_distance(const char *query, const char *name)
{
	char q[NAMES_FOLD_MAX], n[NAMES_FOLD_MAX];
	names_fold(query, q, sizeof q);
	names_fold(name, n, sizeof n);
	size_t lq = strlen(q), ln = strlen(n);
	if (lq > DIST_MAX)
		return (size_t)-1;
	size_t whole = ln <= DIST_MAX ? distance(q, lq, n, ln) : (size_t)-1;
	size_t start = lq < ln ? distance(q, lq, n, lq) : (size_t)-1;
	return start < whole ? start : whole;
}

int names_near(const char *query, const char *name)
{
	char q[NAMES_FOLD_MAX];
	names_fold(query, q, sizeof q);
	size_t lq = strlen(q), max = lq < 4 ? 1 : lq < 9 ? 2 : 3;
	return lq > 0 && names_distance(query, name) <= max;
}
