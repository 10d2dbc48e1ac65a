/*
 * <time.h>: glibc's header, extended with what QNX's adds: timer_timeout
 * (TimerTimeout with timespecs), the nanospin busy-wait family and the
 * nanosecond/timespec converters. Functions are in libnto.
 */
#include_next <time.h>

#ifndef NTOSIM_TIME_H
#define NTOSIM_TIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__USE_POSIX199309) || defined(__cplusplus)
struct sigevent;

/*
 * timer_timeout: arm a kernel timeout for the next blocking call in the
 * states of `flags` (_NTO_TIMEOUT_SEND, _RECEIVE, _REPLY ...), as
 * TimerTimeout does, with the time as a timespec. `otime` (may be NULL)
 * receives the time that was left of a previous timeout. Returns 0, or -1
 * with errno EINVAL (bad clock or time) or EFAULT. timer_timeout_r returns
 * EOK or the errno.
 */
int timer_timeout(clockid_t id, int flags, const struct sigevent *notify,
		  const struct timespec *ntime, struct timespec *otime);
int timer_timeout_r(clockid_t id, int flags, const struct sigevent *notify,
		    const struct timespec *ntime, struct timespec *otime);

/* Busy-wait (never sleep) for `when` / `nsec`: EOK, or EINVAL for a
 * negative time. nanospin_calibrate has nothing to calibrate (the clock
 * is read directly) and returns EOK. nanospin_count spins `count` loop
 * iterations; nanospin_ns_to_count converts nanoseconds to iterations
 * (1 per ns here). */
int nanospin(const struct timespec *when);
int nanospin_ns(unsigned long nsec);
int nanospin_calibrate(int disable);
void nanospin_count(unsigned long count);
unsigned long nanospin_ns_to_count(unsigned long nsec);

/* Nanoseconds <-> struct timespec. nsec2timespec fills and returns ts. */
struct timespec *nsec2timespec(struct timespec *ts, uint64_t nsec);
uint64_t timespec2nsec(const struct timespec *ts);
#endif /* __USE_POSIX199309 */

#ifdef __cplusplus
}
#endif
#endif /* NTOSIM_TIME_H */
