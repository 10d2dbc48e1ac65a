/*
 * Raw system calls for the bottom layer. libnto interposes close(), write()
 * and friends for simulated fds; the kernel-call layer must never go through
 * those entry points (it would call up into the POSIX layer), so it uses
 * these instead. Nothing here touches simulated fds.
 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

int nto__sys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

ssize_t nto__sys_write(int fd, const void *buf, size_t n)
{
	return (ssize_t)syscall(SYS_write, fd, buf, n);
}

/* poll with a timeout in ms (notify work: poll() is interposed too) */
int nto__sys_poll(struct pollfd *fds, unsigned long n, int timeout_ms)
{
	struct timespec ts = {timeout_ms / 1000,
			      (timeout_ms % 1000) * 1000000L};

	return (int)syscall(SYS_ppoll, fds, n, timeout_ms < 0 ? NULL : &ts,
			    NULL, 0);
}

void nto__log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n = snprintf(buf, sizeof(buf), "ntosim[%d]: ", (int)nto__pid());

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(buf))
		n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!nto__sys_write(2, buf, (size_t)n);
}

/* fstat of a real fd (restart area: a memfd's identity) */
int nto__sys_fstat(int fd, struct stat *st)
{
#ifdef SYS_fstat
	return (int)syscall(SYS_fstat, fd, st);
#else
	return (int)syscall(SYS_newfstatat, fd, "", st, AT_EMPTY_PATH);
#endif
}
