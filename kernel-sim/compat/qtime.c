/*
 * QNX's <time.h> additions: timer_timeout (TimerTimeout in timespecs), the
 * nanospin busy-waits and the nanosecond converters; and shm_open's
 * SHM_ANON, which libnto takes from libc's shm_open (every named object
 * still goes to libc).
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/internal.h"

NTO_EXPORT struct timespec *nsec2timespec(struct timespec *ts, uint64_t nsec)
{
	ts->tv_sec = (time_t)(nsec / 1000000000u);
	ts->tv_nsec = (long)(nsec % 1000000000u);
	return ts;
}

NTO_EXPORT uint64_t timespec2nsec(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

NTO_EXPORT int timer_timeout_r(clockid_t id, int flags,
			       const struct sigevent *notify,
			       const struct timespec *ntime,
			       struct timespec *otime)
{
	_Uint64t n, o = 0;
	int rc;

	if (ntime && (ntime->tv_sec < 0 || ntime->tv_nsec < 0 ||
		      ntime->tv_nsec >= 1000000000L))
		return EINVAL;
	if (ntime)
		n = timespec2nsec(ntime);
	rc = TimerTimeout_r(id, flags, notify, ntime ? &n : NULL,
			    otime ? &o : NULL);
	if (rc == EOK && otime)
		nsec2timespec(otime, o);
	return rc;
}

NTO_EXPORT int timer_timeout(clockid_t id, int flags,
			     const struct sigevent *notify,
			     const struct timespec *ntime,
			     struct timespec *otime)
{
	return nto__ret_eok(timer_timeout_r(id, flags, notify, ntime, otime));
}

NTO_EXPORT int nanospin_ns(unsigned long nsec)
{
	uint64_t end = nto__now_ns() + nsec;

	while (nto__now_ns() < end)
		nto__cpu_relax();
	return EOK;
}

NTO_EXPORT int nanospin(const struct timespec *when)
{
	if (!when || when->tv_sec < 0 || when->tv_nsec < 0 ||
	    when->tv_nsec >= 1000000000L)
		return EINVAL;
	return nanospin_ns((unsigned long)timespec2nsec(when));
}

NTO_EXPORT int nanospin_calibrate(int disable)
{
	(void)disable;
	return EOK;
}

NTO_EXPORT unsigned long nanospin_ns_to_count(unsigned long nsec)
{
	return nsec;
}

NTO_EXPORT void nanospin_count(unsigned long count)
{
	nanospin_ns(count);
}

typedef int (*shm_open_fn)(const char *, int, mode_t);

NTO_EXPORT int shm_open(const char *name, int oflag, mode_t mode)
{
	static shm_open_fn next;
	int fd;

	if (name == SHM_ANON) {
		/* QNX: a new object nobody else can name; O_CLOEXEC as asked */
		fd = memfd_create("SHM_ANON",
				  (oflag & O_CLOEXEC) ? MFD_CLOEXEC : 0);
		if (fd >= 0 && (mode & 0777) != 0777)
			(void)fchmod(fd, mode & 0777);
		return fd;
	}
	if (!next)
		next = (shm_open_fn)dlsym(RTLD_NEXT, "shm_open");
	if (!next) {
		errno = ENOSYS;
		return -1;
	}
	return next(name, oflag, mode);
}
