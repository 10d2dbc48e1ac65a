/*
 * Readiness over a mix of real Linux fds and simulated fds: ionotify(),
 * poll/ppoll, select/pselect (and their fortify entry points). A call with no
 * simulated fd goes straight to libc after one table load per fd. Otherwise
 * each simulated fd is armed with _IO_NOTIFY (POLLARM) to send a pulse to a
 * per-process bridge channel; the bridge thread turns the pulse into a write on
 * the waiting call's eventfd, which sits in the real ppoll beside the real fds.
 * The design is in docs/posix.md ("select, poll and ionotify"); epoll is
 * epoll.c, on the same bridge.
 */
#include "config.h"
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include <sys/iomsg.h>

#include "notify-internal.h"
#include "posix_internal.h"

int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo,
		const sigset_t *ss, size_t fdslen);

NTO_REAL_DECL(poll);
NTO_REAL_DECL(ppoll);
NTO_REAL_DECL(__poll_chk);
NTO_REAL_DECL(__ppoll_chk);
NTO_REAL_DECL(select);
NTO_REAL_DECL(pselect);

#define SIM(fd) __builtin_expect(nto__coid_is_fd(fd), 0)

/* ---- _IO_NOTIFY on a connection ---- */

/* Send _IO_NOTIFY: 0 with the met conditions in *met, or -errno. */
int nto__notify_send(int coid, int action, unsigned conds,
		     const struct sigevent *ev, unsigned *met)
{
	struct _io_notify msg;
	struct _io_notify_reply rep;
	iov_t s, r;
	int rc;

	memset(&msg, 0, sizeof(msg));
	memset(&rep, 0, sizeof(rep));
	msg.type = _IO_NOTIFY;
	msg.combine_len = sizeof(msg);
	msg.action = action;
	msg.flags = (_Int32t)conds;
	if (ev)
		msg.event = *ev;
	else
		SIGEV_NONE_INIT(&msg.event);
	SETIOV(&s, &msg, sizeof(msg));
	SETIOV(&r, &rep, sizeof(rep));
	rc = nto__msgsendv(coid, &s, 1, &r, 1);
	if (rc < 0)
		return rc;
	*met = rep.flags & conds & _NOTIFY_COND_MASK;
	return 0;
}

void nto__log_once(int *done, const char *what)
{
	if (__atomic_exchange_n(done, 1, __ATOMIC_RELAXED))
		return;
	fprintf(stderr, "ntosim: %s\n", what);
}

/* poll() events <-> _NOTIFY_COND_* */
unsigned nto__poll_conds(short events)
{
	unsigned c = 0;

	if (events & (POLLIN | POLLRDNORM))
		c |= _NOTIFY_COND_INPUT;
	if (events & (POLLOUT | POLLWRNORM | POLLWRBAND))
		c |= _NOTIFY_COND_OUTPUT;
	if (events & (POLLPRI | POLLRDBAND))
		c |= _NOTIFY_COND_OBAND;
	return c;
}

short nto__conds_poll(unsigned c, short events)
{
	short r = 0;

	if (c & _NOTIFY_COND_INPUT)
		r |= POLLIN | POLLRDNORM;
	if (c & _NOTIFY_COND_OUTPUT)
		r |= POLLOUT | POLLWRNORM | POLLWRBAND;
	if (c & _NOTIFY_COND_OBAND)
		r |= POLLPRI | POLLRDBAND;
	return (short)(r & events);
}

NTO_EXPORT int ionotify(int fd, int action, int flags,
			const struct sigevent *event)
{
	static int logged;
	struct nto_coid *c;
	struct pollfd p;
	unsigned met = 0;
	int rc;

	if (action & ~_NOTIFY_ACTION_MASK) {
		errno = EINVAL;
		return -1;
	}
	c = fd >= 0 ? nto__coid_get(fd) : NULL;
	if (c) {
		nto__coid_put(c);
		rc = nto__notify_send(fd, action, (unsigned)flags, event, &met);
		if (rc < 0) {
			errno = -rc;
			return -1;
		}
		return (int)met;
	}
	if (fd < 0 || fcntl(fd, F_GETFD) < 0) {
		errno = EBADF;
		return -1;
	}
	if (action != _NOTIFY_ACTION_POLL) {
		/* no resource manager behind a real fd to arm */
		nto__log_once(&logged,
			      "ionotify: arming a real (non-simulated) fd "
			      "is not supported; use poll/select (ENOTSUP)");
		errno = ENOTSUP;
		return -1;
	}
	p.fd = fd;
	p.events = nto__conds_poll((unsigned)flags, POLLIN | POLLOUT | POLLPRI);
	p.revents = 0;
	if (NTO_REAL(poll)(&p, 1, 0) < 0)
		return -1;
	return (int)((unsigned)flags & nto__poll_conds(p.revents) &
		     _NOTIFY_COND_MASK);
}

/* ---- the bridge: pulses to eventfd writes ---- */

#define WAITER_SLOTS 1024 /* token = slot << 18 | 18 bits of generation */
#define GEN_BITS     18
#define GEN_MASK     ((1u << GEN_BITS) - 1)

struct waiter {
	_Atomic int active;
	_Atomic unsigned gen;
	int efd;      /* eventfd, created on first use, kept */
	int have_efd; /* efd is valid (0 is a valid fd) */
};

static struct waiter waiters[WAITER_SLOTS];
static pthread_mutex_t bridge_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t bridge_pid; /* the process whose bridge runs (0: none) */
static int bridge_chid = -1;
static int bridge_coid = -1;

static void *bridge_main(void *arg)
{
	struct _pulse p;
	unsigned token, slot;
	int chid = (int)(intptr_t)arg, rc;

	for (;;) {
		rc = MsgReceive_r(chid, &p, sizeof(p), NULL);
		if (rc == -EINTR || rc == -ETIMEDOUT)
			continue;
		if (rc < 0)
			break; /* channel gone: the next poll starts anew */
		if (rc > 0) {
			(void)MsgError_r(rc, ENOSYS);
			continue;
		}
		if (p.code != NTO_BRIDGE_CODE)
			continue;
		token = (unsigned)p.value.sival_int & _NOTIFY_DATA_MASK;
		slot = token >> GEN_BITS;
		if (slot >= WAITER_SLOTS ||
		    !atomic_load(&waiters[slot].active) ||
		    (atomic_load(&waiters[slot].gen) & GEN_MASK) !=
			    (token & GEN_MASK))
			continue; /* a late pulse for a finished call */
		(void)eventfd_write(waiters[slot].efd, 1);
	}
	pthread_mutex_lock(&bridge_lock);
	if (bridge_chid == chid) {
		bridge_pid = 0;
		bridge_chid = -1;
		if (bridge_coid != -1)
			(void)ConnectDetach_r(bridge_coid);
		bridge_coid = -1;
	}
	pthread_mutex_unlock(&bridge_lock);
	return NULL;
}

static void bridge_atfork_child(void)
{
	unsigned i;

	/* no channel, no thread in the child: start again on demand */
	bridge_pid = 0;
	bridge_chid = -1;
	bridge_coid = -1;
	for (i = 0; i < WAITER_SLOTS; i++)
		atomic_store(&waiters[i].active, 0);
	pthread_mutex_init(&bridge_lock, NULL);
}

/* The bridge's coid, starting it if needed; or -errno. */
int nto__bridge_coid(void)
{
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	int chid, coid, r;

	pthread_mutex_lock(&bridge_lock);
	if (bridge_pid == nto__pid() && bridge_coid != -1) {
		coid = bridge_coid;
		pthread_mutex_unlock(&bridge_lock);
		return coid;
	}
	chid = ChannelCreate_r(0);
	if (chid < 0) {
		pthread_mutex_unlock(&bridge_lock);
		return chid;
	}
	coid = ConnectAttach_r(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0) {
		(void)ChannelDestroy_r(chid);
		pthread_mutex_unlock(&bridge_lock);
		return coid;
	}
	/* the bridge takes no signal meant for the program */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &attr, bridge_main, (void *)(intptr_t)chid);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		(void)ConnectDetach_r(coid);
		(void)ChannelDestroy_r(chid);
		pthread_mutex_unlock(&bridge_lock);
		return -r;
	}
	bridge_chid = chid;
	bridge_coid = coid;
	bridge_pid = nto__pid();
	pthread_mutex_unlock(&bridge_lock);
	return coid;
}

__attribute__((constructor)) static void poll_init(void)
{
	pthread_atfork(NULL, NULL, bridge_atfork_child);
}

/* A free waiter slot with its eventfd, drained; or -errno. */
int nto__waiter_get(unsigned *token)
{
	eventfd_t v;
	unsigned i, g;
	int zero;

	for (i = 0; i < WAITER_SLOTS; i++) {
		zero = 0;
		if (!atomic_compare_exchange_strong(&waiters[i].active, &zero,
						    1))
			continue;
		if (!waiters[i].have_efd) {
			waiters[i].efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			if (waiters[i].efd < 0) {
				int e = errno;

				atomic_store(&waiters[i].active, 0);
				return -e;
			}
			waiters[i].have_efd = 1;
		}
		(void)eventfd_read(waiters[i].efd, &v);
		g = atomic_fetch_add(&waiters[i].gen, 1) + 1;
		*token = (i << GEN_BITS) | (g & GEN_MASK);
		return (int)i;
	}
	return -EAGAIN;
}

void nto__waiter_put(int slot)
{
	eventfd_t v;

	atomic_fetch_add(&waiters[slot].gen, 1); /* late pulses miss */
	(void)eventfd_read(waiters[slot].efd, &v);
	atomic_store(&waiters[slot].active, 0);
}

int nto__waiter_efd(int slot)
{
	return waiters[slot].efd;
}

/* ---- the mixed poll ---- */

static int any_sim(const struct pollfd *fds, nfds_t n)
{
	nfds_t i;

	for (i = 0; i < n; i++)
		if (SIM(fds[i].fd))
			return 1;
	return 0;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/*
 * poll over fds, some simulated: returns the count of fds with revents, or
 * -errno (EINTR, EINVAL, ENOMEM, EAGAIN: no waiter slot, or the bridge's
 * ChannelCreate/ConnectAttach errno). tmo NULL: no limit.
 */
static int sim_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
		     const sigset_t *mask)
{
	struct pollfd stackp[33], *rp = stackp;
	unsigned char stacka[32], *armed = stacka;
	struct timespec zero = {0, 0}, left, *wait;
	struct sigevent ev;
	unsigned token = 0, conds, met;
	int64_t deadline = 0, now;
	nfds_t i, nr;
	int slot, coid, ready, r, rc = 0;

	if (tmo && (tmo->tv_sec < 0 || tmo->tv_nsec < 0 ||
		    tmo->tv_nsec >= 1000000000L))
		return -EINVAL;
	if (n > 32) {
		rp = malloc((n + 1) * sizeof(*rp));
		armed = calloc(n, 1);
		if (!rp || !armed) {
			free(rp);
			free(armed);
			return -ENOMEM;
		}
	}
	memset(armed, 0, n);
	coid = nto__bridge_coid();
	if (coid < 0) {
		rc = coid;
		goto out_free;
	}
	slot = nto__waiter_get(&token);
	if (slot < 0) {
		rc = slot;
		goto out_free;
	}
	SIGEV_PULSE_INT_INIT(&ev, coid, SIGEV_PULSE_PRIO_INHERIT,
			     NTO_BRIDGE_CODE, (int)token);
	if (tmo)
		deadline = (int64_t)nto__now_ns() + ts_ns(tmo);

	for (;;) {
		ready = 0;
		/* arm each simulated fd, or learn it is ready now */
		for (i = 0; i < n; i++) {
			fds[i].revents = 0;
			armed[i] = 0;
			if (fds[i].fd < 0 || !SIM(fds[i].fd))
				continue;
			conds = nto__poll_conds(fds[i].events);
			if (!conds)
				continue;
			r = nto__notify_send(fds[i].fd, _NOTIFY_ACTION_POLLARM,
					     conds, &ev, &met);
			if (r == -ENOSYS) {
				/* no io_notify: always ready, like a file */
				fds[i].revents =
					nto__conds_poll(conds, fds[i].events);
			} else if (r == -EBADF || r == -ESRCH) {
				fds[i].revents = POLLHUP; /* server gone */
			} else if (r < 0) {
				fds[i].revents = POLLERR;
			} else if (met) {
				fds[i].revents =
					nto__conds_poll(met, fds[i].events);
			} else {
				armed[i] = 1;
			}
			if (fds[i].revents)
				ready++;
		}
		/* the real fds, and the eventfd the bridge writes */
		for (i = 0, nr = 0; i < n; i++) {
			if (fds[i].fd >= 0 && SIM(fds[i].fd))
				continue;
			rp[nr] = fds[i];
			rp[nr].revents = 0;
			nr++;
		}
		rp[nr].fd = waiters[slot].efd;
		rp[nr].events = POLLIN;
		rp[nr].revents = 0;
		if (ready) {
			wait = &zero;
		} else if (tmo) {
			now = (int64_t)nto__now_ns();
			left.tv_sec = now >= deadline
					      ? 0
					      : (time_t)((deadline - now) /
							 1000000000LL);
			left.tv_nsec = now >= deadline
					       ? 0
					       : (long)((deadline - now) %
							1000000000LL);
			wait = &left;
		} else {
			wait = NULL;
		}
		r = NTO_REAL(ppoll)(rp, nr + 1, wait, mask);
		if (r < 0) {
			rc = -errno;
			break;
		}
		for (i = 0, nr = 0; i < n; i++) {
			if (fds[i].fd >= 0 && SIM(fds[i].fd))
				continue;
			fds[i].revents = rp[nr].revents;
			if (fds[i].revents)
				ready++;
			nr++;
		}
		if (ready) {
			rc = ready;
			break;
		}
		if (r == 0)
			break; /* the timeout ran out: 0 */
		/* the bridge's eventfd: a pulse came; drain it and look again
		 * (re-arming reports what is met) */
		{
			eventfd_t v;

			(void)eventfd_read(waiters[slot].efd, &v);
		}
	}
	/* disarm what is still armed (a NULL event removes our entries) */
	for (i = 0; i < n; i++) {
		if (armed[i])
			(void)nto__notify_send(
				fds[i].fd, _NOTIFY_ACTION_POLLARM,
				nto__poll_conds(fds[i].events), NULL, &met);
	}
	nto__waiter_put(slot);
out_free:
	if (rp != stackp) {
		free(rp);
		free(armed);
	}
	return rc;
}

static int ret(int rc)
{
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

NTO_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
		     const sigset_t *mask)
{
	if (!any_sim(fds, n))
		return NTO_REAL(ppoll)(fds, n, tmo, mask);
	return ret(sim_ppoll(fds, n, tmo, mask));
}

NTO_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	struct timespec ts;

	if (!any_sim(fds, n))
		return NTO_REAL(poll)(fds, n, timeout);
	if (timeout < 0)
		return ret(sim_ppoll(fds, n, NULL, NULL));
	ts.tv_sec = timeout / 1000;
	ts.tv_nsec = (long)(timeout % 1000) * 1000000L;
	return ret(sim_ppoll(fds, n, &ts, NULL));
}

NTO_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout,
			  size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n) /* libc's reports the overflow */
		return NTO_REAL(__poll_chk)(fds, n, timeout, fdslen);
	return poll(fds, n, timeout);
}

NTO_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n,
			   const struct timespec *tmo, const sigset_t *ss,
			   size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		return NTO_REAL(__ppoll_chk)(fds, n, tmo, ss, fdslen);
	return ppoll(fds, n, tmo, ss);
}

/* ---- select over poll ---- */

static int any_sim_set(int n, const fd_set *r, const fd_set *w, const fd_set *e)
{
	int fd;

	for (fd = 0; fd < n; fd++) {
		if (((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) ||
		     (e && FD_ISSET(fd, e))) &&
		    SIM(fd))
			return 1;
	}
	return 0;
}

/* select as QNX's libc does it: a poll over the fds in the sets. */
static int sim_pselect(int n, fd_set *r, fd_set *w, fd_set *e,
		       const struct timespec *tmo, const sigset_t *mask)
{
	struct pollfd stackp[64], *p = stackp;
	int fd, k = 0, i, rc, count = 0;

	if (n < 0 || n > FD_SETSIZE)
		return -EINVAL;
	for (fd = 0; fd < n; fd++)
		if ((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) ||
		    (e && FD_ISSET(fd, e)))
			k++;
	if (k > 64 && !(p = malloc((size_t)k * sizeof(*p))))
		return -ENOMEM;
	for (fd = 0, i = 0; fd < n; fd++) {
		short ev = 0;

		if (r && FD_ISSET(fd, r))
			ev |= POLLIN;
		if (w && FD_ISSET(fd, w))
			ev |= POLLOUT;
		if (e && FD_ISSET(fd, e))
			ev |= POLLPRI;
		if (!ev)
			continue;
		p[i].fd = fd;
		p[i].events = ev;
		p[i].revents = 0;
		i++;
	}
	rc = sim_ppoll(p, (nfds_t)k, tmo, mask);
	if (rc < 0)
		goto out;
	for (i = 0; i < k; i++) {
		if (p[i].revents & POLLNVAL) {
			rc = -EBADF;
			goto out;
		}
	}
	if (r)
		FD_ZERO(r);
	if (w)
		FD_ZERO(w);
	if (e)
		FD_ZERO(e);
	for (i = 0; i < k; i++) {
		short re = p[i].revents;

		if ((p[i].events & POLLIN) &&
		    (re & (POLLIN | POLLHUP | POLLERR))) {
			FD_SET(p[i].fd, r);
			count++;
		}
		if ((p[i].events & POLLOUT) && (re & (POLLOUT | POLLERR))) {
			FD_SET(p[i].fd, w);
			count++;
		}
		if ((p[i].events & POLLPRI) && (re & POLLPRI)) {
			FD_SET(p[i].fd, e);
			count++;
		}
	}
	rc = count;
out:
	if (p != stackp)
		free(p);
	return rc;
}

NTO_EXPORT int pselect(int n, fd_set *r, fd_set *w, fd_set *e,
		       const struct timespec *tmo, const sigset_t *mask)
{
	if (!any_sim_set(n, r, w, e))
		return NTO_REAL(pselect)(n, r, w, e, tmo, mask);
	return ret(sim_pselect(n, r, w, e, tmo, mask));
}

NTO_EXPORT int select(int n, fd_set *r, fd_set *w, fd_set *e,
		      struct timeval *tv)
{
	struct timespec ts;
	int64_t start = 0, spent;
	int rc;

	if (!any_sim_set(n, r, w, e))
		return NTO_REAL(select)(n, r, w, e, tv);
	if (!tv)
		return ret(sim_pselect(n, r, w, e, NULL, NULL));
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000) {
		errno = EINVAL;
		return -1;
	}
	ts.tv_sec = tv->tv_sec;
	ts.tv_nsec = (long)tv->tv_usec * 1000L;
	start = (int64_t)nto__now_ns();
	rc = sim_pselect(n, r, w, e, &ts, NULL);
	/* as Linux's select: the timeval is left holding the time not slept */
	spent = (int64_t)nto__now_ns() - start;
	spent = ts_ns(&ts) - spent;
	if (spent < 0)
		spent = 0;
	tv->tv_sec = (time_t)(spent / 1000000000LL);
	tv->tv_usec = (suseconds_t)((spent % 1000000000LL) / 1000);
	return ret(rc);
}
