/* log.c - levelled, rate-limited log lines on stderr. */
#include "log.h"
#include "util.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum log_level log_threshold = LOG_INFO;

static const char *const names[] = {"error", "warn", "info", "debug"};

static void vlog(enum log_level lvl, const char *fmt, va_list ap, unsigned suppressed)
{
	char t[CLOCK_BUF];
	clock_format_utc(t, clock_now_ms());
	flockfile(stderr); /* one line whole: the web page's threads log too */
	fprintf(stderr, "%s %s ", t, names[lvl]);
	vfprintf(stderr, fmt, ap);
	if (suppressed)
		fprintf(stderr, " (and %u more like it)", suppressed);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;
	if (lvl > log_threshold)
		return;
	va_start(ap, fmt);
	vlog(lvl, fmt, ap, 0);
	va_end(ap);
}

/* A small table of recent keys: enough for the peers of a small node;
 * when full, the oldest slot is reused. */
#define SLOTS 64
static struct {
	uint8_t key[16];
	int64_t last;
	unsigned suppressed;
} slots[SLOTS];

void log_limited(enum log_level lvl, const char *key, const char *fmt, ...)
{
	uint8_t h[16];
	int64_t now = clock_now_ms();
	int free_slot = 0;
	va_list ap;
	if (lvl > log_threshold)
		return;
	crypto_generichash(h, sizeof h, (const uint8_t *)key, strlen(key), NULL, 0);
	for (int i = 0; i < SLOTS; i++) {
		if (memcmp(slots[i].key, h, sizeof h) == 0) {
			if (now - slots[i].last < LOG_RATE_MS) {
				slots[i].suppressed++;
				return;
			}
			free_slot = i;
			goto emit;
		}
		if (slots[i].last < slots[free_slot].last)
			free_slot = i;
	}
	memcpy(slots[free_slot].key, h, sizeof h);
	slots[free_slot].suppressed = 0;
emit:
	va_start(ap, fmt);
	vlog(lvl, fmt, ap, slots[free_slot].suppressed);
	va_end(ap);
	slots[free_slot].last = now;
	slots[free_slot].suppressed = 0;
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return *out = (enum log_level)i, 0;
	return err_set("unknown log level '%s' (error, warn, info, debug)", s);
}
