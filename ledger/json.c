/* json.c - JSON text (json.h). */
#include "json.h"

#include <math.h>
#include <string.h>

void json_string(FILE *f, const char *s)
{
	static const char brief[32] = {['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n',
				       ['\f'] = 'f', ['\r'] = 'r'};
	if (!s) {
		fputs("null", f);
		return;
	}
	putc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 && brief[*p])
			fprintf(f, "\\%c", brief[*p]);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			putc(*p, f);
	}
	putc('"', f);
}

void json_real(FILE *f, double v)
{
	char buf[64];
	if (!isfinite(v)) {
		fputs("null", f);
		return;
	}
	snprintf(buf, sizeof buf, "%.15g", v);
	/* a decimal point always, before the exponent if there is one */
	if (!strchr(buf, '.')) {
		char *e = strchr(buf, 'e');
		size_t at = e ? (size_t)(e - buf) : strlen(buf);
		memmove(buf + at + 2, buf + at, strlen(buf + at) + 1);
		memcpy(buf + at, ".0", 2);
	}
	fputs(buf, f);
}
