/*
 * <sys/slog.h>: QNX's original system log calls (slogf, vslogf, slogb,
 * slogi). On Linux the lines go to syslog(3) (journald) and, in the
 * foreground, to stderr; see <sys/slog2.h> and docs/qnx-differences.md.
 * Names and values are QNX's. Public and installed.
 */
#ifndef NTOSIM_SYS_SLOG_H
#define NTOSIM_SYS_SLOG_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#define _SLOG_SHUTDOWN	0
#define _SLOG_CRITICAL	1
#define _SLOG_ERROR	2
#define _SLOG_WARNING	3
#define _SLOG_NOTICE	4
#define _SLOG_INFO	5
#define _SLOG_DEBUG1	6
#define _SLOG_DEBUG2	7
#define _SLOG_SEVMAXVAL 0x7

#define _SLOG_GETMINOR(op)    (((op) >> 20) & 0xfff)
#define _SLOG_GETMAJOR(op)    ((op)&0xfffff)
#define _SLOG_SETCODE(ma, mi) ((ma) | ((mi) << 20))

/* Log a printf-style line at `severity` with `code`: the number of bytes
 * logged, or -1 with errno EINVAL (severity above _SLOG_SEVMAXVAL or a
 * NULL format). */
int slogf(int code, int severity, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vslogf(int code, int severity, const char *fmt, va_list arg)
	__attribute__((format(printf, 3, 0)));
/* Log `size` bytes of binary data (shown as hex): size, or -1/EINVAL. */
int slogb(int code, int severity, void *data, int size);
/* Log `nargs` (at most 32) int arguments: their bytes, or -1/EINVAL. */
int slogi(int code, int severity, int nargs, ...);

#ifdef __cplusplus
}
#endif

#endif /* NTOSIM_SYS_SLOG_H */
