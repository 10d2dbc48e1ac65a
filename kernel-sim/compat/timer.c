/*
 * Timers as QNX has them: timer_create() with a SIGEV_PULSE event, the
 * kernel calls TimerCreate/TimerSettime/TimerInfo/TimerDestroy/TimerAlarm,
 * and the POSIX timer_* entry points libnto interposes. Events Linux has
 * (SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, SIGEV_THREAD_ID) go to libc
 * unchanged; everything else lives in one table here.
 *
 * Timer ids. glibc's timer_t values are a kernel timer id (0..INT_MAX) or,
 * for SIGEV_THREAD, INTPTR_MIN | (pointer >> 1): the top bit is set. Ours
 * are NTO_TIMER_TAG | index, with the top bit clear and bits 48..62 set to
 * 0x4e54 ("NT"), which glibc never produces, so timer_settime() and friends
 * route a timer_t by one mask test. TimerCreate() returns the bare index
 * (a small int, as on QNX); the Timer* kernel calls accept both forms.
 *
 * Pulse timers. Each is a timerfd (the kernel keeps the period, the
 * absolute/relative and clock semantics and the expiry count); one thread
 * per process waits on all of them in an epoll set and posts one pulse per
 * expiry with MsgSendPulse on the event's coid. When the connection's
 * pulse queue is full the expiry is counted as an overrun instead
 * (timer_getoverrun, TimerInfo). The thread starts with the first pulse
 * timer, blocks every signal, and never exits; fork() gives the child no
 * timers (POSIX), so the child closes the inherited fds and starts afresh.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "compat/time-internal.h"

/* the definitions below, not <sys/neutrino.h>'s int-accepting wrappers */
#undef TimerDestroy
#undef TimerDestroy_r
#undef TimerSettime
#undef TimerSettime_r
#undef TimerInfo
#undef TimerInfo_r

#define NTO_TIMER_MAX 512

#if UINTPTR_MAX > 0xffffffffu
#define NTO_TIMER_TAG  ((uintptr_t)0x4e54u << 48)
#define NTO_TIMER_MASK ((uintptr_t)0xffffu << 48)
#else
#define NTO_TIMER_TAG  ((uintptr_t)0x4e000000u)
#define NTO_TIMER_MASK ((uintptr_t)0xff000000u)
#endif

enum tkind { TK_FREE, TK_PULSE, TK_LIBC };

struct ntimer {
	enum tkind kind;
	uint32_t gen; /* bumped on each reuse: stale epoll events are ignored */
	clockid_t clock;
	struct sigevent ev; /* as the caller gave it (QNX form) */
	int tfd;	    /* TK_PULSE: the timerfd */
	int prio;	    /* TK_PULSE: pulse priority (resolved at settime) */
	unsigned overruns;  /* TK_PULSE: expiries no pulse could carry */
	int abs;	    /* last TimerSettime was absolute */
	timer_t libc;	    /* TK_LIBC: glibc's timer */
	pid_t ttid;	    /* TK_LIBC, SIGEV_SIGNAL_THREAD: target thread */
};

static struct ntimer tmr[NTO_TIMER_MAX];
static pthread_mutex_t tlock = PTHREAD_MUTEX_INITIALIZER;
static int epfd = -1;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* ---- glibc's timer functions ---- */

static void *libc_timer_sym(const char *name)
{
	void *p = dlvsym(RTLD_NEXT, name, "GLIBC_2.34");

	if (!p)
		p = dlvsym(RTLD_NEXT, name, "GLIBC_2.3.3");
	if (!p)
		p = dlsym(RTLD_NEXT, name);
	return p;
}

#define LIBC_FN(_name, _type)                                          \
	static _type libc_##_name(void)                                \
	{                                                              \
		static void *cache;                                    \
		void *p = __atomic_load_n(&cache, __ATOMIC_ACQUIRE);   \
		if (!p) {                                              \
			p = libc_timer_sym(#_name);                    \
			__atomic_store_n(&cache, p, __ATOMIC_RELEASE); \
		}                                                      \
		return (_type)p;                                       \
	}

typedef int (*create_fn)(clockid_t, struct sigevent *, timer_t *);
typedef int (*settime_fn)(timer_t, int, const struct itimerspec *,
			  struct itimerspec *);
typedef int (*gettime_fn)(timer_t, struct itimerspec *);
typedef int (*id_fn)(timer_t);
LIBC_FN(timer_create, create_fn)
LIBC_FN(timer_settime, settime_fn)
LIBC_FN(timer_gettime, gettime_fn)
LIBC_FN(timer_getoverrun, id_fn)
LIBC_FN(timer_delete, id_fn)

/* ---- conversions ---- */

static void ns_to_ts(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000u);
	ts->tv_nsec = (long)(ns % 1000000000u);
}

static uint64_t ts_to_ns(const struct timespec *ts)
{
	if (ts->tv_sec < 0)
		return 0;
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static int valid_ts(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000L;
}

static int valid_clock(clockid_t c)
{
	return c == CLOCK_REALTIME || c == CLOCK_MONOTONIC ||
	       c == CLOCK_BOOTTIME;
}

/* QNX's TIMER_ABSTIME is 0x80000000, Linux's is 1: both mean absolute. */
static int abs_flag(int flags)
{
	return ((unsigned)flags & (TIMER_ABSTIME_QNX | TIMER_ABSTIME)) != 0;
}

int nto__sigev_is_qnx(int notify)
{
	int type = notify & SIGEV_TYPE_MASK;

	return type >= SIGEV_SIGNAL_CODE && type <= SIGEV_MEMORY;
}

/* ---- the table (under tlock) ---- */

static int id_index(timer_t id)
{
	uintptr_t v = (uintptr_t)id;

	if ((v & NTO_TIMER_MASK) == NTO_TIMER_TAG)
		v &= ~NTO_TIMER_MASK;
	if (v >= NTO_TIMER_MAX || tmr[v].kind == TK_FREE)
		return -EINVAL;
	return (int)v;
}

static int is_ours(timer_t id)
{
	return ((uintptr_t)id & NTO_TIMER_MASK) == NTO_TIMER_TAG;
}

static int slot_alloc(void)
{
	int i;

	for (i = 0; i < NTO_TIMER_MAX; i++)
		if (tmr[i].kind == TK_FREE) {
			tmr[i].gen++;
			tmr[i].tfd = -1;
			tmr[i].overruns = 0;
			tmr[i].abs = 0;
			tmr[i].ttid = 0;
			return i;
		}
	return -EAGAIN;
}

/* ---- the pulse thread ---- */

static void fire(struct ntimer *t)
{
	uint64_t n = 0, i;

	if (read(t->tfd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return; /* re-armed meanwhile: the count was reset */
	for (i = 0; i < n; i++) {
		int rc = nto__pulse_post(t->ev.sigev_coid, t->prio,
					 t->ev.sigev_code, t->ev.sigev_value);

		if (rc == EAGAIN) {
			uint64_t lost = n - i;

			t->overruns = lost > UINT32_MAX - t->overruns
					      ? UINT32_MAX
					      : t->overruns + (unsigned)lost;
			break;
		}
		if (rc != EOK)
			break; /* coid gone: QNX drops the pulse too */
	}
}

static void *pulse_thread(void *arg)
{
	int ep = (int)(intptr_t)arg;

	for (;;) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, -1), k;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		pthread_mutex_lock(&tlock);
		if (ep != epfd) { /* forked child or torn down */
			pthread_mutex_unlock(&tlock);
			return NULL;
		}
		for (k = 0; k < n; k++) {
			uint32_t idx = (uint32_t)evs[k].data.u64;
			uint32_t gen = (uint32_t)(evs[k].data.u64 >> 32);

			if (idx < NTO_TIMER_MAX && tmr[idx].kind == TK_PULSE &&
			    tmr[idx].gen == gen)
				fire(&tmr[idx]);
		}
		pthread_mutex_unlock(&tlock);
	}
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&tlock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&tlock);
}

/* The child has no timers: close what it inherited, never touching the
 * epoll set it shares with the parent (no EPOLL_CTL_DEL). */
static void atfork_child(void)
{
	int i;

	for (i = 0; i < NTO_TIMER_MAX; i++) {
		if (tmr[i].kind == TK_PULSE)
			nto__sys_close(tmr[i].tfd);
		tmr[i].kind = TK_FREE;
		tmr[i].tfd = -1;
	}
	if (epfd >= 0)
		nto__sys_close(epfd);
	epfd = -1;
	pthread_mutex_unlock(&tlock); /* taken in atfork_prepare */
}

static void atfork_register(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* Under tlock: the epoll set and its thread, started once. */
static int pulse_engine(void)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t th;
	int ep, rc;

	if (epfd >= 0)
		return 0;
	pthread_once(&atfork_once, atfork_register);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&th, &attr, pulse_thread, (void *)(intptr_t)ep);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		nto__sys_close(ep);
		return -rc;
	}
	pthread_setname_np(th, "nto-timer");
	epfd = ep;
	return 0;
}

/* ---- TimerCreate ---- */

static int create_pulse(int i, clockid_t clock, const struct sigevent *ev)
{
	struct epoll_event pe;
	int rc, tfd;

	if (ev->sigev_priority < -1 || ev->sigev_priority > 255 ||
	    ev->sigev_code < -128 || ev->sigev_code > 127)
		return -EINVAL;
	rc = nto__coid_check(ev->sigev_coid);
	if (rc < 0)
		return rc;
	rc = pulse_engine();
	if (rc < 0)
		return rc;
	tfd = timerfd_create(clock, TFD_CLOEXEC | TFD_NONBLOCK);
	if (tfd < 0)
		return -errno;
	memset(&pe, 0, sizeof(pe));
	pe.events = EPOLLIN;
	pe.data.u64 = ((uint64_t)tmr[i].gen << 32) | (uint32_t)i;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &pe) < 0) {
		rc = -errno;
		nto__sys_close(tfd);
		return rc;
	}
	tmr[i].tfd = tfd;
	tmr[i].prio = ev->sigev_priority;
	tmr[i].kind = TK_PULSE;
	return 0;
}

/* A Linux timer for an event Linux can deliver (the QNX signal types
 * mapped to theirs). */
static int create_libc(int i, clockid_t clock, const struct sigevent *ev)
{
	struct sigevent lev;
	create_fn fn = libc_timer_create();

	if (!fn)
		return -ENOSYS;
	memset(&lev, 0, sizeof(lev));
	lev.sigev_value = ev->sigev_value;
	lev.sigev_signo = ev->sigev_signo;
	switch (SIGEV_GET_TYPE(ev)) {
	case SIGEV_SIGNAL_CODE:
		lev.sigev_notify = SIGEV_SIGNAL;
		break;
	case SIGEV_SIGNAL_THREAD:
		lev.sigev_notify = SIGEV_THREAD_ID;
		tmr[i].ttid = nto__tid();
		lev._sigev_un._tid = tmr[i].ttid;
		break;
	case SIGEV_THREAD:
		lev.sigev_notify = SIGEV_THREAD;
		lev.sigev_notify_function = ev->sigev_notify_function;
		lev.sigev_notify_attributes = ev->sigev_notify_attributes;
		break;
	case SIGEV_THREAD_ID:
		lev.sigev_notify = SIGEV_THREAD_ID;
		lev._sigev_un._tid = ev->_sigev_un._tid;
		break;
	case SIGEV_SIGNAL:
	case SIGEV_NONE:
		lev.sigev_notify = SIGEV_GET_TYPE(ev);
		break;
	default:
		return -EINVAL;
	}
	if (fn(clock, &lev, &tmr[i].libc) < 0)
		return -errno;
	tmr[i].kind = TK_LIBC;
	return 0;
}

NTO_EXPORT int TimerCreate_r(clockid_t id, const struct sigevent *notify)
{
	struct sigevent alarm_ev;
	int i, rc;

	if (!valid_clock(id))
		return -EINVAL;
	pthread_mutex_lock(&tlock);
	i = slot_alloc();
	if (i < 0) {
		pthread_mutex_unlock(&tlock);
		return i;
	}
	if (!notify) { /* QNX: SIGALRM whose value is the timer id */
		memset(&alarm_ev, 0, sizeof(alarm_ev));
		alarm_ev.sigev_notify = SIGEV_SIGNAL;
		alarm_ev.sigev_signo = SIGALRM;
		alarm_ev.sigev_value.sival_int = i;
		notify = &alarm_ev;
	}
	tmr[i].clock = id;
	tmr[i].ev = *notify;
	switch (SIGEV_GET_TYPE(notify)) {
	case SIGEV_PULSE:
		rc = create_pulse(i, id, notify);
		break;
	case SIGEV_UNBLOCK:
	case SIGEV_INTR:
	case SIGEV_MEMORY:
		rc = -EINVAL; /* no thread to unblock, no interrupt thread */
		break;
	default:
		rc = create_libc(i, id, notify);
		break;
	}
	pthread_mutex_unlock(&tlock);
	return rc < 0 ? rc : i;
}

NTO_EXPORT int TimerCreate(clockid_t id, const struct sigevent *notify)
{
	return nto__ret_val(TimerCreate_r(id, notify));
}

/* ---- TimerDestroy ---- */

NTO_EXPORT int TimerDestroy_r(timer_t id)
{
	int i, rc = EOK;

	pthread_mutex_lock(&tlock);
	i = id_index(id);
	if (i < 0) {
		pthread_mutex_unlock(&tlock);
		return EINVAL;
	}
	if (tmr[i].kind == TK_PULSE) {
		/* After this no pulse is posted: the thread fires only under
		 * tlock and checks kind and gen. */
		epoll_ctl(epfd, EPOLL_CTL_DEL, tmr[i].tfd, NULL);
		nto__sys_close(tmr[i].tfd);
		tmr[i].tfd = -1;
	} else if (libc_timer_delete()(tmr[i].libc) < 0) {
		rc = errno;
	}
	tmr[i].kind = TK_FREE;
	pthread_mutex_unlock(&tlock);
	return rc;
}

NTO_EXPORT int TimerDestroy(timer_t id)
{
	return nto__ret_eok(TimerDestroy_r(id));
}

/* ---- TimerSettime ---- */

/* Under tlock: arm (or disarm) timer i; *old gets what was left. */
static int settime_locked(int i, int absolute, const struct itimerspec *its,
			  struct itimerspec *old)
{
	struct ntimer *t = &tmr[i];

	t->abs = absolute;
	if (t->kind == TK_PULSE) {
		t->prio = t->ev.sigev_priority == SIGEV_PULSE_PRIO_INHERIT
				  ? nto_thread_priority()
				  : t->ev.sigev_priority;
		if (timerfd_settime(t->tfd, absolute ? TFD_TIMER_ABSTIME : 0,
				    its, old) < 0)
			return errno;
		return EOK;
	}
	if (SIGEV_GET_TYPE(&t->ev) == SIGEV_SIGNAL_THREAD &&
	    t->ttid != nto__tid()) {
		/* QNX targets the thread that armed the timer: re-create the
		 * Linux timer aimed at this one. */
		struct sigevent lev;
		timer_t nt;

		memset(&lev, 0, sizeof(lev));
		lev.sigev_notify = SIGEV_THREAD_ID;
		lev.sigev_signo = t->ev.sigev_signo;
		lev.sigev_value = t->ev.sigev_value;
		lev._sigev_un._tid = nto__tid();
		if (libc_timer_create()(t->clock, &lev, &nt) < 0)
			return errno;
		if (old && libc_timer_gettime()(t->libc, old) < 0)
			memset(old, 0, sizeof(*old));
		libc_timer_delete()(t->libc);
		t->libc = nt;
		t->ttid = nto__tid();
		old = NULL;
	}
	if (libc_timer_settime()(t->libc, absolute ? TIMER_ABSTIME : 0, its,
				 old) < 0)
		return errno;
	return EOK;
}

NTO_EXPORT int TimerSettime_r(timer_t id, int flags,
			      const struct _itimer *itime,
			      struct _itimer *oitime)
{
	struct itimerspec its, old;
	int i, rc;

	if (!itime)
		return EFAULT;
	ns_to_ts(itime->nsec, &its.it_value);
	ns_to_ts(itime->interval_nsec, &its.it_interval);
	memset(&old, 0, sizeof(old));
	pthread_mutex_lock(&tlock);
	i = id_index(id);
	rc = i < 0 ? EINVAL : settime_locked(i, abs_flag(flags), &its, &old);
	pthread_mutex_unlock(&tlock);
	if (rc == EOK && oitime) {
		oitime->nsec = ts_to_ns(&old.it_value);
		oitime->interval_nsec = ts_to_ns(&old.it_interval);
	}
	return rc;
}

NTO_EXPORT int TimerSettime(timer_t id, int flags, const struct _itimer *itime,
			    struct _itimer *oitime)
{
	return nto__ret_eok(TimerSettime_r(id, flags, itime, oitime));
}

/* ---- TimerInfo ---- */

static int gettime_locked(int i, struct itimerspec *cur)
{
	if (tmr[i].kind == TK_PULSE)
		return timerfd_gettime(tmr[i].tfd, cur) < 0 ? -errno : 0;
	return libc_timer_gettime()(tmr[i].libc, cur) < 0 ? -errno : 0;
}

NTO_EXPORT int TimerInfo_r(pid_t pid, timer_t id, int flags,
			   struct _timer_info *info)
{
	struct itimerspec cur;
	struct timespec now;
	struct ntimer *t;
	uintptr_t v = (uintptr_t)id;
	int i, rc;

	if (pid != 0 && pid != getpid())
		return -nto__unsupported("TimerInfo on another process",
					 ENOTSUP);
	if ((v & NTO_TIMER_MASK) == NTO_TIMER_TAG)
		v &= ~NTO_TIMER_MASK;
	pthread_mutex_lock(&tlock);
	i = -EINVAL;
	if (flags & _NTO_TIMER_SEARCH) {
		for (; v < NTO_TIMER_MAX; v++)
			if (tmr[v].kind != TK_FREE) {
				i = (int)v;
				break;
			}
	} else if (v < NTO_TIMER_MAX && tmr[v].kind != TK_FREE) {
		i = (int)v;
	}
	if (i < 0)
		goto out;
	t = &tmr[i];
	rc = gettime_locked(i, &cur);
	if (rc < 0) {
		i = rc;
		goto out;
	}
	if (info) {
		uint64_t left = ts_to_ns(&cur.it_value);

		memset(info, 0, sizeof(*info));
		clock_gettime(t->clock, &now);
		info->itime.nsec = left ? ts_to_ns(&now) + left : 0;
		info->itime.interval_nsec = ts_to_ns(&cur.it_interval);
		info->otime.nsec = left;
		info->otime.interval_nsec = info->itime.interval_nsec;
		info->flags = left ? _NTO_TI_ACTIVE : _NTO_TI_EXPIRED;
		if (t->abs)
			info->flags |= _NTO_TI_ABSOLUTE;
		if (t->abs && t->clock == CLOCK_REALTIME)
			info->flags |= _NTO_TI_TOD_BASED;
		if (SIGEV_GET_TYPE(&t->ev) == SIGEV_SIGNAL_THREAD)
			info->tid = t->ttid;
		else
			info->flags |= _NTO_TI_TARGET_PROCESS;
		info->notify = t->ev.sigev_notify;
		info->clockid = t->clock;
		info->event = t->ev;
		if (t->kind == TK_PULSE) {
			info->overruns = t->overruns;
		} else {
			int o = libc_timer_getoverrun()(t->libc);

			info->overruns = o < 0 ? 0 : (unsigned)o;
		}
	}
	if ((flags & _NTO_TIMER_RESET_OVERRUNS) && t->kind == TK_PULSE)
		t->overruns = 0;
out:
	pthread_mutex_unlock(&tlock);
	return i;
}

NTO_EXPORT int TimerInfo(pid_t pid, timer_t id, int flags,
			 struct _timer_info *info)
{
	return nto__ret_val(TimerInfo_r(pid, id, flags, info));
}

/* ---- TimerAlarm: the process's SIGALRM timer (alarm()'s, ITIMER_REAL) */

NTO_EXPORT int TimerAlarm_r(clockid_t id, const struct _itimer *itime,
			    struct _itimer *otime)
{
	struct itimerval nv, ov;

	if (!valid_clock(id))
		return EINVAL;
	memset(&ov, 0, sizeof(ov));
	if (itime) {
		nv.it_value.tv_sec = (time_t)(itime->nsec / 1000000000u);
		nv.it_value.tv_usec =
			(suseconds_t)((itime->nsec % 1000000000u + 999) / 1000);
		if (nv.it_value.tv_usec >= 1000000) {
			nv.it_value.tv_sec++;
			nv.it_value.tv_usec -= 1000000;
		}
		nv.it_interval.tv_sec =
			(time_t)(itime->interval_nsec / 1000000000u);
		nv.it_interval.tv_usec =
			(suseconds_t)((itime->interval_nsec % 1000000000u) /
				      1000);
		if (setitimer(ITIMER_REAL, &nv, &ov) < 0)
			return errno;
	} else if (getitimer(ITIMER_REAL, &ov) < 0) {
		return errno;
	}
	if (otime) {
		otime->nsec = (uint64_t)ov.it_value.tv_sec * 1000000000u +
			      (uint64_t)ov.it_value.tv_usec * 1000u;
		otime->interval_nsec =
			(uint64_t)ov.it_interval.tv_sec * 1000000000u +
			(uint64_t)ov.it_interval.tv_usec * 1000u;
	}
	return EOK;
}

NTO_EXPORT int TimerAlarm(clockid_t id, const struct _itimer *itime,
			  struct _itimer *otime)
{
	return nto__ret_eok(TimerAlarm_r(id, itime, otime));
}

/* ---- the POSIX entry points libnto interposes ---- */

NTO_EXPORT int timer_create(clockid_t clock, struct sigevent *evp,
			    timer_t *timerid)
{
	create_fn fn;
	int rc;

	if (!timerid) {
		errno = EINVAL;
		return -1;
	}
	if (evp && nto__sigev_is_qnx(evp->sigev_notify)) {
		rc = TimerCreate_r(clock, evp);
		if (rc < 0) {
			errno = -rc;
			return -1;
		}
		*timerid = (timer_t)(NTO_TIMER_TAG | (uintptr_t)rc);
		return 0;
	}
	fn = libc_timer_create();
	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	if (evp && (evp->sigev_notify & ~SIGEV_TYPE_MASK)) {
		/* QNX flag bits on a Linux type: Linux would refuse them */
		struct sigevent copy = *evp;

		copy.sigev_notify &= SIGEV_TYPE_MASK;
		return fn(clock, &copy, timerid);
	}
	return fn(clock, evp, timerid);
}

NTO_EXPORT int timer_settime(timer_t timerid, int flags,
			     const struct itimerspec *value,
			     struct itimerspec *ovalue)
{
	struct itimerspec old;
	int i, rc;

	if (!is_ours(timerid))
		return libc_timer_settime()(timerid, flags, value, ovalue);
	if (!value || !valid_ts(&value->it_value) ||
	    !valid_ts(&value->it_interval)) {
		errno = EINVAL;
		return -1;
	}
	memset(&old, 0, sizeof(old));
	pthread_mutex_lock(&tlock);
	i = id_index(timerid);
	rc = i < 0 ? EINVAL : settime_locked(i, abs_flag(flags), value, &old);
	pthread_mutex_unlock(&tlock);
	if (rc != EOK) {
		errno = rc;
		return -1;
	}
	if (ovalue)
		*ovalue = old;
	return 0;
}

NTO_EXPORT int timer_gettime(timer_t timerid, struct itimerspec *value)
{
	int i, rc;

	if (!is_ours(timerid))
		return libc_timer_gettime()(timerid, value);
	pthread_mutex_lock(&tlock);
	i = id_index(timerid);
	rc = i < 0 ? i : gettime_locked(i, value);
	pthread_mutex_unlock(&tlock);
	return nto__ret_val(rc);
}

NTO_EXPORT int timer_getoverrun(timer_t timerid)
{
	struct _timer_info info;
	int rc;

	if (!is_ours(timerid))
		return libc_timer_getoverrun()(timerid);
	rc = TimerInfo_r(0, timerid, _NTO_TIMER_RESET_OVERRUNS, &info);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return info.overruns > INT_MAX ? INT_MAX : (int)info.overruns;
}

NTO_EXPORT int timer_delete(timer_t timerid)
{
	if (!is_ours(timerid))
		return libc_timer_delete()(timerid);
	return TimerDestroy(timerid);
}
