/*
 * TimerTimeout: a per-thread, one-shot kernel timeout armed for the next
 * blocking call. Only SIGEV_UNBLOCK behaviour (the call fails with
 * ETIMEDOUT) is provided; any notify is treated as SIGEV_UNBLOCK.
 */
#include "config.h"

#include <errno.h>
#include <time.h>

#include "internal.h"

struct tt_state {
	unsigned flags;
	uint64_t deadline; /* CLOCK_MONOTONIC ns; 0 = immediate */
};

static __thread struct tt_state tt;

int nto__timeout_take(unsigned state_mask, uint64_t *deadline_ns)
{
	if (!(tt.flags & state_mask))
		return 0;
	*deadline_ns = tt.deadline;
	return 1;
}

void nto__timeout_clear(void)
{
	tt.flags = 0;
}

void nto__timeout_arm(unsigned flags, uint64_t deadline_ns)
{
	tt.flags = flags;
	tt.deadline = deadline_ns;
}

static uint64_t ts_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

NTO_EXPORT int TimerTimeout_r(clockid_t id, int flags,
			      const struct sigevent *notify,
			      const _Uint64t *ntime, _Uint64t *otime)
{
	unsigned old = tt.flags;
	unsigned f = (unsigned)flags;
	/* QNX's TIMER_ABSTIME is 0x80000000; Linux's is 1. Both mean absolute.
	 */
	int abs = (f & TIMER_ABSTIME_QNX) || (f & 1u);
	uint64_t now;

	(void)notify;
	f &= ~(TIMER_ABSTIME_QNX | 1u);
	if (id != CLOCK_REALTIME && id != CLOCK_MONOTONIC)
		return -EINVAL;
	if (otime)
		*otime = 0;
	tt.flags = f;
	if (!ntime) {
		tt.deadline = 0;
	} else if (abs) {
		uint64_t then = *ntime, cnow = ts_ns(id);

		now = nto__now_ns();
		tt.deadline = then <= cnow ? 0 : now + (then - cnow);
	} else {
		now = nto__now_ns();
		tt.deadline = *ntime == 0 ? 0 : now + *ntime;
	}
	return (int)old;
}

NTO_EXPORT int TimerTimeout(clockid_t id, int flags,
			    const struct sigevent *notify,
			    const _Uint64t *ntime, _Uint64t *otime)
{
	return nto__ret_val(TimerTimeout_r(id, flags, notify, ntime, otime));
}
