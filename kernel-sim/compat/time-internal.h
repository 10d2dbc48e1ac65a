/*
 * Private to the time area of kernel-sim/compat (timer.c, sched.c,
 * syspage.c, event.c, shmhandle.c, hw.c): helpers they share. Functions
 * return 0 / a value, or -errno, unless they say otherwise.
 */
#ifndef NTOSIM_COMPAT_TIME_INTERNAL_H
#define NTOSIM_COMPAT_TIME_INTERNAL_H

#include "lib/internal.h"
#include "compat/unsupported.h"

/* 1 if sigev_notify's type is one only QNX has (SIGEV_SIGNAL_CODE ..
 * SIGEV_MEMORY), else 0 (a Linux type libc can take). */
int nto__sigev_is_qnx(int notify);

/* 0 if coid is a connection of this process, else -EBADF. */
static inline int nto__coid_check(int coid)
{
	struct nto_coid *c = nto__coid_get(coid);

	if (!c)
		return -EBADF;
	nto__coid_put(c);
	return 0;
}

#endif /* NTOSIM_COMPAT_TIME_INTERNAL_H */
