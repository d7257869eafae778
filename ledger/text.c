/* text.c - text fields: valid UTF-8, bounded, without control characters (text.h). */
#include "text.h"
#include "err.h"

#include <string.h>

int text_utf8_check(const char *s, size_t len, size_t max, int multiline)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	if (len > max)
		return -1;
	while (p < end) {
		unsigned c = *p;
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && !(multiline && c == '\n')) || c == 0x7f)
				return -1;
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return -1;
		}
		if ((size_t)(end - p) <= n)
			return -1;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* overlong forms, surrogates, beyond Unicode */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		p += n + 1;
	}
	return 0;
}

int text_check(const char *what, const char *s, size_t max, int multiline)
{
	if (!s)
		return 0;
	size_t n = strlen(s);
	if (n > max)
		return err_set("%s is too long (%zu bytes, at most %zu)", what, n, max);
	if (text_utf8_check(s, n, max, multiline) != 0)
		return err_set("%s is not valid UTF-8 text", what);
	return 0;
}
