/*
 * Shared by slog2.c and slog.c (libnto's logging compat) only: the one
 * place lines are formatted and written to syslog / stderr.
 */
#ifndef NTOSIM_COMPAT_SLOG_INTERNAL_H
#define NTOSIM_COMPAT_SLOG_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

/* Write one line from `who` to the sinks NTOSIM_SLOG selects; `id` is
 * the syslog ident (the buffer set's or the program's name). */
void nto__slog_emit(const char *id, const char *who, unsigned code,
		    int severity, const char *text);
/* The stderr form: "<who>[pid]: <SEVERITY> <code>: <text>\n" (snprintf's
 * return). */
int nto__slog_format(char *buf, size_t len, const char *who, unsigned code,
		     int severity, const char *text);
/* slog2fa's (descriptor, value) pairs decoded against format: 0 or
 * -EINVAL. */
int nto__slog2fa_format(char *text, size_t len, const char *format, va_list ap);

#endif /* NTOSIM_COMPAT_SLOG_INTERNAL_H */
