/*
 * epoll over simulated fds. Linux's epoll set cannot hold a simulated fd
 * (its placeholder cannot be polled), so libnto keeps the simulated
 * members of each epoll set itself, beside one eventfd it adds to the real
 * set. epoll_wait arms every simulated member with _IO_NOTIFY (a pulse to
 * the bridge, which writes that eventfd: see poll.c), waits in the real
 * epoll_pwait, and reports the simulated members that are ready together
 * with the real ones. A process that never adds a simulated fd pays one
 * load per epoll call.
 */
#include "config.h"
#undef _FORTIFY_SOURCE

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>

#include <sys/iomsg.h>

#include "notify-internal.h"
#include "posix_internal.h"

NTO_REAL_DECL(epoll_ctl);
NTO_REAL_DECL(epoll_wait);
NTO_REAL_DECL(epoll_pwait);
NTO_REAL_DECL(epoll_pwait2);

#define SIM(fd) __builtin_expect(nto__coid_is_fd(fd), 0)

/* epoll bits that mean the same as poll's (EPOLLIN == POLLIN ...) */
#define EP_POLLBITS                                                  \
	(EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDNORM | EPOLLRDBAND | \
	 EPOLLWRNORM | EPOLLWRBAND)

struct ep_ent {
	struct ep_ent *next;
	int fd;
	uint32_t events;
	epoll_data_t data;
	int disabled; /* EPOLLONESHOT fired, until EPOLL_CTL_MOD */
};

struct ep_set {
	struct ep_set *next;
	int epfd;
	int slot; /* the waiter slot whose eventfd is in the real set */
	unsigned token;
	struct ep_ent *ents;
};

static pthread_mutex_t ep_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ep_set *sets;
static _Atomic int nsets;

static struct ep_set *set_find(int epfd)
{
	struct ep_set *s;

	for (s = sets; s; s = s->next)
		if (s->epfd == epfd)
			return s;
	return NULL;
}

static struct ep_ent *ent_find(struct ep_set *s, int fd)
{
	struct ep_ent *e;

	for (e = s->ents; e; e = e->next)
		if (e->fd == fd)
			return e;
	return NULL;
}

/* Remove fd from s (ep_lock held). Returns 0 or ENOENT. */
static int ent_del(struct ep_set *s, int fd)
{
	struct ep_ent **pp, *e;

	for (pp = &s->ents; (e = *pp); pp = &e->next) {
		if (e->fd == fd) {
			*pp = e->next;
			free(e);
			return 0;
		}
	}
	return ENOENT;
}

static void set_free(struct ep_set *s)
{
	struct ep_ent *e;

	while ((e = s->ents)) {
		s->ents = e->next;
		free(e);
	}
	nto__waiter_put(s->slot);
	free(s);
}

/* Forget epfd's set (ep_lock held). */
static void set_drop(int epfd)
{
	struct ep_set **pp, *s;

	for (pp = &sets; (s = *pp); pp = &s->next) {
		if (s->epfd == epfd) {
			*pp = s->next;
			atomic_fetch_sub(&nsets, 1);
			set_free(s);
			return;
		}
	}
}

/*
 * Is s still the set of the epoll instance at s->epfd? (The program may
 * have closed it and got the number again.) Its eventfd is registered
 * with data.ptr == s in ours only.
 */
static int set_alive(struct ep_set *s)
{
	struct epoll_event ev;

	ev.events = EPOLLIN;
	ev.data.ptr = s;
	return NTO_REAL(epoll_ctl)(s->epfd, EPOLL_CTL_MOD,
				   nto__waiter_efd(s->slot), &ev) == 0;
}

/* The real epoll_pwait2, or epoll_pwait with the time rounded up to ms
 * where the kernel (< 5.11) or libc lacks it. */
static int real_pwait(int epfd, struct epoll_event *buf, int n,
		      const struct timespec *tmo, const sigset_t *mask)
{
	__typeof__(&epoll_pwait2) p2 = NTO_REAL(epoll_pwait2);
	int64_t ms;
	int r;

	if (p2) {
		r = p2(epfd, buf, n, tmo, mask);
		if (r >= 0 || errno != ENOSYS)
			return r;
	}
	ms = tmo ? ((int64_t)tmo->tv_sec * 1000 +
		    (tmo->tv_nsec + 999999) / 1000000)
		 : -1;
	if (ms > INT32_MAX)
		ms = INT32_MAX;
	return NTO_REAL(epoll_pwait)(epfd, buf, n, (int)ms, mask);
}

/* epfd's set, created (its eventfd added to the real set) if needed; ep_lock
 * held. Returns NULL with *err. */
static struct ep_set *set_get(int epfd, int *err)
{
	struct epoll_event ev;
	struct ep_set *s = set_find(epfd);

	if (s && set_alive(s))
		return s;
	if (s)
		set_drop(epfd);
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = ENOMEM;
		return NULL;
	}
	s->epfd = epfd;
	s->slot = nto__waiter_get(&s->token);
	if (s->slot < 0) {
		*err = -s->slot;
		free(s);
		return NULL;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = s;
	if (NTO_REAL(epoll_ctl)(epfd, EPOLL_CTL_ADD, nto__waiter_efd(s->slot),
				&ev) != 0) {
		*err = errno; /* EBADF, EINVAL: epfd is no epoll fd */
		nto__waiter_put(s->slot);
		free(s);
		return NULL;
	}
	s->next = sets;
	sets = s;
	atomic_fetch_add(&nsets, 1);
	return s;
}

static int sim_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	struct ep_set *s;
	struct ep_ent *e;
	int err = 0;

	if (op != EPOLL_CTL_DEL && !event)
		return EFAULT;
	if (epfd == fd)
		return EINVAL;
	pthread_mutex_lock(&ep_lock);
	switch (op) {
	case EPOLL_CTL_ADD:
		s = set_get(epfd, &err);
		if (!s)
			break;
		if (ent_find(s, fd)) {
			err = EEXIST;
			break;
		}
		e = calloc(1, sizeof(*e));
		if (!e) {
			err = ENOMEM;
			break;
		}
		e->fd = fd;
		e->events = event->events;
		e->data = event->data;
		e->next = s->ents;
		s->ents = e;
		break;
	case EPOLL_CTL_MOD:
		s = set_find(epfd);
		e = s ? ent_find(s, fd) : NULL;
		if (!e) {
			err = ENOENT;
			break;
		}
		e->events = event->events;
		e->data = event->data;
		e->disabled = 0;
		break;
	case EPOLL_CTL_DEL:
		s = set_find(epfd);
		err = s ? ent_del(s, fd) : ENOENT;
		break;
	default:
		err = EINVAL;
	}
	pthread_mutex_unlock(&ep_lock);
	return err;
}

NTO_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	int err;

	if (!SIM(fd))
		return NTO_REAL(epoll_ctl)(epfd, op, fd, event);
	err = sim_ctl(epfd, op, fd, event);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* A snapshot of one simulated member, taken under ep_lock. */
struct ep_snap {
	int fd;
	uint32_t events;
	epoll_data_t data;
	int armed;
};

/*
 * epoll_pwait2 for a set with simulated members. tmo NULL: no limit.
 * Returns the events stored, or -errno.
 */
static int sim_wait(struct ep_set *s, struct epoll_event *out, int max,
		    const struct timespec *tmo, const sigset_t *mask)
{
	struct ep_snap *snap = NULL;
	struct epoll_event *buf = NULL;
	struct sigevent ev;
	struct timespec zero = {0, 0}, left, *wait;
	struct ep_ent *e;
	int64_t deadline = 0, now;
	unsigned conds, met;
	int n = 0, i, r, ready = 0, efd, coid, rc = 0, gone;
	void *self = s;

	coid = nto__bridge_coid();
	if (coid < 0)
		return coid;
	SIGEV_PULSE_INT_INIT(&ev, coid, SIGEV_PULSE_PRIO_INHERIT,
			     NTO_BRIDGE_CODE, (int)s->token);
	efd = nto__waiter_efd(s->slot);
	buf = malloc((size_t)(max + 1) * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	if (tmo)
		deadline = (int64_t)nto__now_ns() +
			   (int64_t)tmo->tv_sec * 1000000000LL + tmo->tv_nsec;

	for (;;) {
		/* snapshot the simulated members */
		pthread_mutex_lock(&ep_lock);
		for (n = 0, e = s->ents; e; e = e->next)
			n++;
		free(snap);
		snap = calloc((size_t)n + 1, sizeof(*snap));
		if (!snap) {
			pthread_mutex_unlock(&ep_lock);
			rc = -ENOMEM;
			break;
		}
		for (n = 0, e = s->ents; e; e = e->next) {
			if (e->disabled)
				continue;
			snap[n].fd = e->fd;
			snap[n].events = e->events;
			snap[n].data = e->data;
			n++;
		}
		pthread_mutex_unlock(&ep_lock);

		/* arm them, or learn they are ready */
		ready = 0;
		for (i = 0; i < n && ready < max; i++) {
			conds = nto__poll_conds(
				(short)(snap[i].events & EP_POLLBITS));
			met = 0;
			r = nto__notify_send(snap[i].fd, _NOTIFY_ACTION_POLLARM,
					     conds, &ev, &met);
			gone = 0;
			if (r == -ENOSYS) {
				met = conds; /* no io_notify: always ready */
			} else if (r == -EBADF && !SIM(snap[i].fd)) {
				gone = 1; /* closed: Linux drops it too */
			} else if (r < 0) {
				out[ready].events = EPOLLERR | EPOLLHUP;
				out[ready].data = snap[i].data;
				ready++;
				continue;
			} else if (!met) {
				snap[i].armed = 1;
				continue;
			}
			if (gone) {
				pthread_mutex_lock(&ep_lock);
				ent_del(s, snap[i].fd);
				pthread_mutex_unlock(&ep_lock);
				continue;
			}
			out[ready].events = (uint32_t)nto__conds_poll(
				met, (short)(snap[i].events & EP_POLLBITS));
			out[ready].data = snap[i].data;
			ready++;
			if (snap[i].events & EPOLLONESHOT) {
				pthread_mutex_lock(&ep_lock);
				for (e = s->ents; e; e = e->next)
					if (e->fd == snap[i].fd)
						e->disabled = 1;
				pthread_mutex_unlock(&ep_lock);
			}
		}

		/* the real members, and our eventfd */
		if (ready) {
			wait = &zero;
		} else if (tmo) {
			now = (int64_t)nto__now_ns();
			if (now > deadline)
				now = deadline;
			left.tv_sec = (time_t)((deadline - now) / 1000000000LL);
			left.tv_nsec = (long)((deadline - now) % 1000000000LL);
			wait = &left;
		} else {
			wait = NULL;
		}
		r = real_pwait(s->epfd, buf, max - ready + 1, wait, mask);
		if (r < 0) {
			rc = -errno;
			break;
		}
		for (i = 0; i < r; i++) {
			if (buf[i].data.ptr == self) {
				eventfd_t v;

				(void)eventfd_read(efd, &v);
				continue;
			}
			if (ready < max)
				out[ready++] = buf[i];
		}
		if (ready) {
			rc = ready;
			break;
		}
		if (r == 0)
			break; /* the timeout ran out */
		/* only our eventfd: a simulated member changed; look again */
		for (i = 0; i < n; i++)
			snap[i].armed = 0; /* re-armed (replaced) next round */
	}
	/* disarm what is still armed */
	for (i = 0; snap && i < n; i++)
		if (snap[i].armed)
			(void)nto__notify_send(
				snap[i].fd, _NOTIFY_ACTION_POLLARM,
				nto__poll_conds(
					(short)(snap[i].events & EP_POLLBITS)),
				NULL, &met);
	free(snap);
	free(buf);
	return rc;
}

static int ep_wait(int epfd, struct epoll_event *out, int max,
		   const struct timespec *tmo, const sigset_t *mask)
{
	struct ep_set *s;
	int rc;

	if (max <= 0)
		return -EINVAL;
	pthread_mutex_lock(&ep_lock);
	s = set_find(epfd);
	if (s && !set_alive(s)) {
		set_drop(epfd);
		s = NULL;
	}
	pthread_mutex_unlock(&ep_lock);
	if (!s) {
		rc = real_pwait(epfd, out, max, tmo, mask);
		return rc < 0 ? -errno : rc;
	}
	/* s stays valid: only a close of epfd (set_alive) or this process's
	 * epoll_ctl frees a set, and neither runs for a live set */
	return sim_wait(s, out, max, tmo, mask);
}

static int ret(int rc)
{
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

NTO_EXPORT int epoll_pwait2(int epfd, struct epoll_event *out, int max,
			    const struct timespec *tmo, const sigset_t *mask)
{
	if (atomic_load_explicit(&nsets, memory_order_relaxed) == 0)
		return NTO_REAL(epoll_pwait2)(epfd, out, max, tmo, mask);
	return ret(ep_wait(epfd, out, max, tmo, mask));
}

NTO_EXPORT int epoll_pwait(int epfd, struct epoll_event *out, int max,
			   int timeout, const sigset_t *mask)
{
	struct timespec ts;

	if (atomic_load_explicit(&nsets, memory_order_relaxed) == 0)
		return NTO_REAL(epoll_pwait)(epfd, out, max, timeout, mask);
	ts.tv_sec = timeout / 1000;
	ts.tv_nsec = (long)(timeout % 1000) * 1000000L;
	return ret(ep_wait(epfd, out, max, timeout < 0 ? NULL : &ts, mask));
}

NTO_EXPORT int epoll_wait(int epfd, struct epoll_event *out, int max,
			  int timeout)
{
	if (atomic_load_explicit(&nsets, memory_order_relaxed) == 0)
		return NTO_REAL(epoll_wait)(epfd, out, max, timeout);
	return epoll_pwait(epfd, out, max, timeout, NULL);
}
