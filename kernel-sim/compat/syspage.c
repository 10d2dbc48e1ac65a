/*
 * The simulated system page (<sys/syspage.h>) and the clock kernel calls:
 * ClockCycles, ClockTime, ClockPeriod, ClockId. The page is built once, when
 * libnto is loaded, from what Linux reports, then made read-only; only
 * ClockPeriod() rewrites qtime->nsec_inc (briefly unprotecting the page).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <sys/syspage.h>

#include "compat/time-internal.h"

#define SYSPAGE_SIZE 16384u
#define NAME_MAX_LEN 64u
#define QNX_TICK_NS  1000000ul /* QNX's default clock period: 1 ms */

NTO_EXPORT struct syspage_entry *_syspage_ptr;

static pthread_mutex_t period_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long period_ns = QNX_TICK_NS;

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The CPU model and MHz from /proc/cpuinfo, if it has them. */
static void cpu_model(char *name, size_t len, unsigned *mhz)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "re");

	snprintf(name, len, "unknown");
	*mhz = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		if (!strncmp(line, "model name", 10) &&
		    !strcmp(name, "unknown")) {
			colon += 2;
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(name, len, "%s", colon);
		} else if (!strncmp(line, "cpu MHz", 7) && *mhz == 0) {
			*mhz = (unsigned)strtod(colon + 1, NULL);
		}
	}
	fclose(f);
}

/* The machine's memory in bytes (at least one page). */
static uint64_t ram_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || psz <= 0)
		return 4096;
	return (uint64_t)pages * (uint64_t)psz;
}

__attribute__((constructor)) static void syspage_build(void)
{
	struct syspage_entry *sp;
	struct qtime_entry *qt;
	struct cpuinfo_entry *ci;
	struct asinfo_entry *as;
	char name[NAME_MAX_LEN];
	unsigned mhz, off, i;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t mono, real;

	if (ncpu < 1)
		ncpu = 1;
	if ((size_t)ncpu * sizeof(*ci) + 2048 > SYSPAGE_SIZE)
		ncpu = (SYSPAGE_SIZE - 2048) / sizeof(*ci);
	sp = mmap(NULL, SYSPAGE_SIZE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sp == MAP_FAILED)
		return;
	sp->size = sizeof(*sp);
#if defined(__x86_64__)
	sp->type = SYSPAGE_X86_64;
#elif defined(__aarch64__)
	sp->type = SYSPAGE_AARCH64;
#elif defined(__arm__)
	sp->type = SYSPAGE_ARM;
#else
	sp->type = SYSPAGE_X86;
#endif
	sp->num_cpu = (_Uint16t)ncpu;
	off = (sizeof(*sp) + 15u) & ~15u;

	sp->qtime.entry_off = (_Uint16t)off;
	sp->qtime.entry_size = sizeof(*qt);
	qt = (struct qtime_entry *)(void *)((char *)sp + off);
	mono = clock_ns(CLOCK_BOOTTIME);
	real = clock_ns(CLOCK_REALTIME);
	qt->cycles_per_sec = 1000000000u;
	qt->nsec = mono;
	qt->nsec_stable = mono;
	qt->nsec_tod_adjust = real - mono;
	qt->nsec_inc = period_ns;
	qt->boot_time = (unsigned long)((real - mono) / 1000000000u);
	qt->timer_rate = 1;
	qt->timer_scale = -9; /* the counter runs at 10^9 Hz */
	qt->timer_load = 1;
	qt->epoch = 1970;
	off = (off + sizeof(*qt) + 15u) & ~15u;

	cpu_model(name, sizeof(name), &mhz);
	sp->cpuinfo.entry_off = (_Uint16t)off;
	sp->cpuinfo.entry_size = (_Uint16t)(sizeof(*ci) * (size_t)ncpu);
	ci = (struct cpuinfo_entry *)(void *)((char *)sp + off);
	off = (off + sp->cpuinfo.entry_size + 15u) & ~15u;

	sp->asinfo.entry_off = (_Uint16t)off;
	sp->asinfo.entry_size = sizeof(*as);
	as = (struct asinfo_entry *)(void *)((char *)sp + off);
	as->start = 0;
	as->end = ram_bytes() - 1;
	as->owner = AS_NULL_OFF;
	as->name = (_Uint16t)(strlen(name) + 1); /* "ram", after the model */
	as->attr = AS_ATTR_READABLE | AS_ATTR_WRITABLE | AS_ATTR_CACHABLE;
	as->priority = AS_PRIORITY_DEFAULT;
	off = (off + sizeof(*as) + 15u) & ~15u;

	sp->strings.entry_off = (_Uint16t)off;
	sp->strings.entry_size = (_Uint16t)(strlen(name) + 1 + sizeof("ram"));
	memcpy((char *)sp + off, name, strlen(name) + 1);
	memcpy((char *)sp + off + strlen(name) + 1, "ram", sizeof("ram"));
	for (i = 0; i < (unsigned)ncpu; i++) {
		ci[i].cpu = i;
		ci[i].speed = mhz;
		ci[i].flags = CPU_FLAG_FPU | CPU_FLAG_MMU;
		ci[i].smp_hwcoreid = i;
		ci[i].name = 0;
		ci[i].ins_cache = 0xff; /* CACHE_LIST_END */
		ci[i].data_cache = 0xff;
	}
	off += sp->strings.entry_size;
	sp->total_size = (_Uint16t)off;
	/* the sections nobody reads here stay empty (offset 0, size 0) */
	mprotect(sp, SYSPAGE_SIZE, PROT_READ);
	_syspage_ptr = sp;
}

NTO_EXPORT _Uint64t ClockCycles(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static int valid_clock(clockid_t id)
{
	struct timespec ts;

	return clock_getres(id, &ts) == 0;
}

/* ---- ClockTime ---- */

NTO_EXPORT int ClockTime_r(clockid_t id, const _Uint64t *new_time,
			   _Uint64t *old)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return EINVAL;
	if (old)
		*old = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (new_time) {
		ts.tv_sec = (time_t)(*new_time / 1000000000u);
		ts.tv_nsec = (long)(*new_time % 1000000000u);
		if (clock_settime(id, &ts) < 0)
			return errno; /* EPERM without CAP_SYS_TIME */
	}
	return EOK;
}

NTO_EXPORT int ClockTime(clockid_t id, const _Uint64t *new_time, _Uint64t *old)
{
	return nto__ret_eok(ClockTime_r(id, new_time, old));
}

/* ---- ClockPeriod: remembered and reported, never applied (Linux timers
 * are high-resolution whatever it says) ---- */

NTO_EXPORT int ClockPeriod_r(clockid_t id,
			     const struct _clockperiod *new_period,
			     struct _clockperiod *old, int reserved)
{
	(void)reserved;
	if (!valid_clock(id))
		return EINVAL;
	if (new_period &&
	    (new_period->nsec < 10000ul || new_period->nsec > 1000000000ul))
		return EINVAL; /* QNX's floor is 10 us */
	pthread_mutex_lock(&period_lock);
	if (old) {
		old->nsec = period_ns;
		old->fract = 0;
	}
	if (new_period && new_period->nsec != period_ns) {
		period_ns = new_period->nsec;
		if (_syspage_ptr && mprotect(_syspage_ptr, SYSPAGE_SIZE,
					     PROT_READ | PROT_WRITE) == 0) {
			SYSPAGE_ENTRY(qtime)->nsec_inc = period_ns;
			mprotect(_syspage_ptr, SYSPAGE_SIZE, PROT_READ);
		}
	}
	pthread_mutex_unlock(&period_lock);
	return EOK;
}

NTO_EXPORT int ClockPeriod(clockid_t id, const struct _clockperiod *new_period,
			   struct _clockperiod *old, int reserved)
{
	return nto__ret_eok(ClockPeriod_r(id, new_period, old, reserved));
}

/* ---- ClockId: CPU-time clocks ---- */

/* Linux's CPU clock of one thread: MAKE_THREAD_CPUCLOCK(tid, SCHED). */
static clockid_t thread_cpuclock(pid_t tid)
{
	return (clockid_t)((~(unsigned)tid << 3) | 4u | 2u);
}

/* 0 and *out, or -errno. Linux's CPU-clock ids are negative numbers
 * (-6 and below), which clock_gettime() and ClockTime() take as they are. */
static int clock_id(pid_t pid, int tid, clockid_t *out)
{
	struct timespec ts;
	clockid_t c;

	if (pid < 0 || tid < 0)
		return -EINVAL;
	if (tid == 0) { /* the process's CPU time */
		int rc = clock_getcpuclockid(pid, out);

		return rc ? -rc : 0;
	}
	if (pid != 0 && pid != getpid())
		return -nto__unsupported("ClockId of another process's thread",
					 ENOTSUP);
	if (tid == 1)
		tid = getpid(); /* QNX's tid 1 is the main thread */
	c = thread_cpuclock(tid);
	if (clock_gettime(c, &ts) < 0)
		return -ESRCH;
	*out = c;
	return 0;
}

NTO_EXPORT int ClockId_r(pid_t pid, int tid)
{
	clockid_t c;
	int rc = clock_id(pid, tid, &c);

	return rc < 0 ? rc : (int)c;
}

NTO_EXPORT int ClockId(pid_t pid, int tid)
{
	clockid_t c;
	int rc = clock_id(pid, tid, &c);

	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return (int)c;
}
