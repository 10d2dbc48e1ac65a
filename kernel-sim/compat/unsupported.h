/*
 * Private to kernel-sim/compat: the one way a QNX call that stock Linux
 * cannot honour says so. Every such path logs one stderr line worded
 * "ntosim: <what>: not possible on Linux (<ERRNO>)" and returns the errno
 * for its caller to report.
 */
#ifndef NTOSIM_COMPAT_UNSUPPORTED_H
#define NTOSIM_COMPAT_UNSUPPORTED_H

/*
 * Log the line for `what` (once per distinct `what` pointer, so a retry
 * loop does not flood the log) and return `err` (a positive errno).
 */
int nto__unsupported(const char *what, int err);
/*
 * The same for a `what` built from fmt (printf-style: the call and the
 * argument Linux cannot honour); logged every time. Returns `err`.
 */
int nto__unsupportedf(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* NTOSIM_COMPAT_UNSUPPORTED_H */
