/* err.c - the one-line reason a failed call leaves for its caller (err.h). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char err_buf[512];

int err_set(const char *fmt, ...)
{
	/* through a copy: callers may pass err_msg() itself as an argument */
	char tmp[sizeof err_buf];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	memcpy(err_buf, tmp, sizeof err_buf);
	return -1;
}

const char *err_msg(void)
{
	return err_buf[0] ? err_buf : "unknown error";
}
