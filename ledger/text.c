/* text.c - text fields: valid UTF-8, bounded, without control or invisible
 * format characters (the rule is in text.h). */
#include "text.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The code point at p (before end) in *cp: its length in bytes, or 0 when
 * the bytes are not the shortest UTF-8 of a scalar value. */
static size_t decode(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
	unsigned c = *p;
	size_t n;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 1;
		*cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2;
		*cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3;
		*cp = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) <= n)
		return 0;
	for (size_t i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode */
	if ((n == 1 && *cp < 0x80) || (n == 2 && *cp < 0x800) || (n == 3 && *cp < 0x10000) ||
	    *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n + 1;
}

/* Why the rule refuses cp, or NULL when it is allowed. */
static const char *refused(uint32_t cp, int flags)
{
	if (flags & TEXT_SIGNED) {
		if (cp == '\n' && !(flags & TEXT_MULTILINE))
			return "control character";
		return (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7f ? "control character"
										: NULL;
	}
	if (cp == '\t')
		return flags & (TEXT_MULTILINE | TEXT_TAB) ? NULL : "control character";
	if (cp == '\n')
		return flags & TEXT_MULTILINE ? NULL : "control character";
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return "control character";
	if (cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return "bidirectional control";
	if (cp == 0x00ad || cp == 0x180e || cp == 0x200b || cp == 0x2028 || cp == 0x2029 ||
	    (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff ||
	    (cp >= 0xfff9 && cp <= 0xfffb) || (cp >= 0xe0000 && cp <= 0xe007f))
		return "format character";
	if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
		return "noncharacter";
	return NULL;
}

int text_scan(const char *s, size_t len, int flags, struct text_fault *f)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t pos = 1;
	struct text_fault dummy;
	if (!f)
		f = &dummy;
	for (; p < end; pos++) {
		if (*p >= 0x20 && *p < 0x7f) { /* printable ASCII: never refused */
			p++;
			continue;
		}
		uint32_t cp;
		size_t n = decode(p, end, &cp);
		const char *why = n ? refused(cp, flags) : NULL;
		if (!n || why) {
			f->byte = (size_t)(p - (const unsigned char *)s);
			f->pos = pos;
			f->cp = n ? cp : *p;
			f->what = why;
			return -1;
		}
		p += n;
	}
	return 0;
}

int text_utf8_check(const char *s, size_t len, size_t max, int flags)
{
	if (len > max)
		return -1;
	return text_scan(s, len, flags, NULL);
}

int text_check(const char *what, const char *s, size_t max, int flags)
{
	if (!s)
		return 0;
	size_t n = strlen(s);
	struct text_fault f;
	if (n > max)
		return err_set("%s is too long (%zu bytes, at most %zu)", what, n, max);
	if (text_scan(s, n, flags, &f) == 0)
		return 0;
	if (!f.what)
		return err_set("%s is not valid UTF-8 at byte %zu (0x%02x): write it in UTF-8",
			       what, f.byte + 1, (unsigned)f.cp);
	return err_set("%s: %s U+%04X at position %zu is not allowed%s", what, f.what,
		       (unsigned)f.cp, f.pos,
		       f.cp == '\t' || f.cp == '\n' ? " in one line: remove it"
						    : ": remove it");
}

char *text_printable(const char *s, int flags)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
	/* at most 10 bytes ("<U+10FFFF>") for each input byte */
	char *r = malloc(10 * (size_t)(end - p) + 1), *o = r;
	if (!r)
		return NULL;
	while (p < end) {
		/* printable ASCII passes under every rule (refused) */
		if (*p >= 0x20 && *p < 0x7f) {
			*o++ = (char)*p++;
			continue;
		}
		uint32_t cp;
		size_t n = decode(p, end, &cp);
		if (n && !refused(cp, flags)) {
			memcpy(o, p, n);
			o += n;
		} else if (!n || cp < 0x80) {
			o += sprintf(o, "\\x%02x", *p);
			n = 1;
		} else {
			o += sprintf(o, "<U+%04X>", (unsigned)cp);
		}
		p += n;
	}
	*o = 0;
	return r;
}
