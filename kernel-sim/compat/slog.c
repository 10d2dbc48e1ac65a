/*
 * The original QNX system log calls (slogf, vslogf, slogb, slogi) on top
 * of slog2.c's sink: the program's name is the ident, the code is printed
 * as major:minor. No /dev/slog, no sloginfo.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/slog.h>

#include "compat/slog-internal.h"
#include "lib/internal.h"

#define SLOG_TEXT_MAX 2048

static int slog_line(int code, int severity, const char *text, int ret)
{
	if (severity < 0 || severity > _SLOG_SEVMAXVAL) {
		errno = EINVAL;
		return -1;
	}
	nto__slog_emit(program_invocation_short_name,
		       program_invocation_short_name, (unsigned)code, severity,
		       text);
	return ret;
}

NTO_EXPORT int vslogf(int code, int severity, const char *fmt, va_list arg)
{
	char text[SLOG_TEXT_MAX];
	int n;

	if (!fmt) {
		errno = EINVAL;
		return -1;
	}
	n = vsnprintf(text, sizeof(text), fmt, arg);
	if (n < 0)
		return -1;
	return slog_line(code, severity, text,
			 n < (int)sizeof(text) ? n : (int)sizeof(text) - 1);
}

NTO_EXPORT int slogf(int code, int severity, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vslogf(code, severity, fmt, ap);
	va_end(ap);
	return rc;
}

NTO_EXPORT int slogb(int code, int severity, void *data, int size)
{
	char text[SLOG_TEXT_MAX];
	const unsigned char *b = data;
	int i, n = 0;

	if (size < 0 || (size > 0 && !data)) {
		errno = EINVAL;
		return -1;
	}
	text[0] = '\0';
	for (i = 0; i < size && n + 4 < (int)sizeof(text); i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%s%02x",
			      i ? " " : "", b[i]);
	return slog_line(code, severity, text, size);
}

NTO_EXPORT int slogi(int code, int severity, int nargs, ...)
{
	char text[32 * 13];
	va_list ap;
	int i, n = 0;

	if (nargs < 0 || nargs > 32) {
		errno = EINVAL;
		return -1;
	}
	text[0] = '\0';
	va_start(ap, nargs);
	for (i = 0; i < nargs; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%s%d",
			      i ? " " : "", va_arg(ap, int));
	va_end(ap);
	return slog_line(code, severity, text, nargs * (int)sizeof(int));
}
