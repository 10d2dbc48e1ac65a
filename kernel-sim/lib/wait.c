/*
 * Futex waits and the adaptive spin that precedes them. Every wait here is
 * bounded by the caller's deadline; the spin budget is per thread, tunable
 * with NTOSIM_SPIN_US (0 turns spinning off) and backs off when spinning
 * does not pay, so many waiters on two cores do not burn the machine.
 */
#include "config.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define SPIN_DEFAULT_NS	 20000u
#define SPIN_RETRY_AFTER 64 /* sleeps before a disabled spin is retried */

static _Atomic int64_t spin_max_ns = -1;
static __thread uint32_t spin_budget_ns = UINT32_MAX;
static __thread uint32_t spin_off_count;

static uint32_t spin_max(void)
{
	int64_t v = atomic_load_explicit(&spin_max_ns, memory_order_relaxed);

	if (v < 0) {
		const char *e = getenv("NTOSIM_SPIN_US");
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		v = SPIN_DEFAULT_NS;
		if (e && *e)
			v = strtol(e, NULL, 10) * 1000;
		if (v < 0 || n < 2)
			v = 0; /* one CPU: the peer cannot run while we spin */
		if (v > 1000000)
			v = 1000000;
		atomic_store(&spin_max_ns, v);
	}
	return (uint32_t)v;
}

static _Atomic int64_t poll_ns = -1;

uint64_t nto__poll_ns(void)
{
	int64_t v = atomic_load_explicit(&poll_ns, memory_order_relaxed);

	if (v < 0) {
		const char *e = getenv("NTOSIM_POLL_MS");
		long ms = e && *e ? strtol(e, NULL, 10) : NTO_POLL_MS;

		if (ms < 1 || ms > 3600000)
			ms = NTO_POLL_MS;
		v = (int64_t)ms * 1000000;
		atomic_store(&poll_ns, v);
	}
	return (uint64_t)v;
}

void nto__poll_until(uint64_t deadline, struct timespec *ts)
{
	uint64_t until = nto__now_ns() + nto__poll_ns();

	if (deadline && deadline < until)
		until = deadline;
	ts->tv_sec = (time_t)(until / 1000000000ull);
	ts->tv_nsec = (long)(until % 1000000000ull);
}

uint64_t nto__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int nto__spin_while(_Atomic uint32_t *word, uint32_t expect)
{
	uint32_t max = spin_max();
	uint64_t start, limit;
	unsigned i;

	if (max == 0)
		return 0;
	if (spin_budget_ns == UINT32_MAX)
		spin_budget_ns = max;
	if (spin_budget_ns == 0) {
		if (++spin_off_count < SPIN_RETRY_AFTER)
			return 0;
		spin_off_count = 0;
		/* re-probe with the whole budget: a shorter probe is less than
		 * one wake-up of the peer, so it could never pay and a loop
		 * that fell off the spin would never get back on it */
		spin_budget_ns = max;
	}
	start = nto__now_ns();
	limit = start + spin_budget_ns;
	for (i = 1;; i++) {
		if (atomic_load_explicit(word, memory_order_acquire) !=
		    expect) {
			/* paid off: grow back towards the maximum */
			spin_budget_ns = spin_budget_ns * 2 > max
						 ? max
						 : spin_budget_ns * 2;
			return 1;
		}
		nto__cpu_relax();
		if ((i & 31) == 0 && nto__now_ns() >= limit)
			break;
	}
	/* did not pay: halve, and stop spinning below a microsecond */
	spin_budget_ns /= 2;
	if (spin_budget_ns < 1000)
		spin_budget_ns = 0;
	return 0;
}

int nto__futex_wait(_Atomic uint32_t *word, uint32_t expect,
		    const struct timespec *abs_mono)
{
	int saved = errno; /* a kernel call that succeeds leaves errno */
	long r = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_BITSET, expect,
			 abs_mono, NULL, FUTEX_BITSET_MATCH_ANY);
	int err = errno;

	errno = saved;
	if (r < 0)
		return err == EAGAIN ? 0 : -err;
	return 0;
}

void nto__futex_wake(_Atomic uint32_t *word, int n)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, n, NULL, NULL, 0);
}
