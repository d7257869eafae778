/* log.h - one line per event on stderr: time, level, message. */
#ifndef MUTUA_LOG_H
#define MUTUA_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same, at most once per LOG_RATE_MS for a given key (e.g. peer and
 * reason), so that a hostile peer cannot flood the log; a line says how
 * many were suppressed. */
#define LOG_RATE_MS 10000
void log_limited(enum log_level lvl, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int log_level_parse(const char *s, enum log_level *out);

#endif
