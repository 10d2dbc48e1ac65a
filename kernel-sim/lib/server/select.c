/*
 * select_attach / select_detach / select_query: fds in a dispatch loop.
 * Every wake-up is a pulse on the dispatch's own channel (a code taken
 * with pulse_attach), so it is received and handled like any message, in
 * any pool thread. A simulated fd is armed with ionotify() to send that
 * pulse, as QNX does; real Linux fds are polled by one helper thread per
 * dispatch, which sends the pulse when one is ready and leaves it
 * disarmed until its handler has run. The handler re-checks readiness
 * before calling the user's function, so a late pulse costs nothing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dispatch-internal.h"

#define SEL_CONDS                                                   \
	((unsigned)SELECT_FLAG_READ | (unsigned)SELECT_FLAG_WRITE | \
	 (unsigned)SELECT_FLAG_EXCEPT)

typedef int (*select_fn)(select_context_t *ctp, int fd, unsigned flags,
			 void *handle);

struct sel_ent {
	struct sel_ent *next;
	int fd;
	unsigned flags; /* SELECT_FLAG_* as attached */
	select_fn func;
	void *handle;
	int sim;   /* a simulated fd: armed with ionotify */
	int armed; /* a real fd: in the watcher's poll set */
};

struct nto_select {
	pthread_mutex_t lock; /* ents, armed, stop */
	struct sel_ent *ents;
	int code; /* our pulse code on the dispatch's channel */
	int coid; /* side channel to that channel */
	int efd;  /* wakes the watcher when the set changes */
	int stop;
	int thread_started;
	pthread_t thread;
};

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

static struct sel_ent *ent_find(struct nto_select *sel, int fd)
{
	struct sel_ent *e;

	for (e = sel->ents; e; e = e->next)
		if (e->fd == fd)
			return e;
	return NULL;
}

static void kick(struct nto_select *sel)
{
	(void)eventfd_write(sel->efd, 1);
}

static short sel_events(unsigned flags)
{
	short ev = 0;

	if (flags & SELECT_FLAG_READ)
		ev |= POLLIN;
	if (flags & SELECT_FLAG_WRITE)
		ev |= POLLOUT;
	if (flags & SELECT_FLAG_EXCEPT)
		ev |= POLLPRI;
	return ev;
}

/* The SELECT_FLAG_* conditions fd meets now (of those in flags). */
static unsigned met_now(int fd, unsigned flags, int sim)
{
	struct pollfd p;
	unsigned met = 0;
	int r;

	if (sim) {
		r = ionotify(fd, _NOTIFY_ACTION_POLL, (int)(flags & SEL_CONDS),
			     NULL);
		if (r == -1 && errno == ENOSYS)
			return flags & SEL_CONDS; /* no io_notify: ready */
		return r == -1 ? 0 : (unsigned)r & flags & SEL_CONDS;
	}
	p.fd = fd;
	p.events = sel_events(flags);
	p.revents = 0;
	if (poll(&p, 1, 0) != 1 || (p.revents & POLLNVAL))
		return 0;
	if (p.revents & (POLLIN | POLLHUP | POLLERR))
		met |= SELECT_FLAG_READ;
	if (p.revents & (POLLOUT | POLLERR))
		met |= SELECT_FLAG_WRITE;
	if (p.revents & POLLPRI)
		met |= SELECT_FLAG_EXCEPT;
	return met & flags;
}

/* Arm a simulated fd to pulse us (or pulse now if it is ready). */
static void sim_arm(struct nto_select *sel, int fd, unsigned flags)
{
	struct sigevent ev;
	int r;

	SIGEV_PULSE_INT_INIT(&ev, sel->coid, SIGEV_PULSE_PRIO_INHERIT,
			     sel->code, fd);
	r = ionotify(fd, _NOTIFY_ACTION_POLLARM, (int)(flags & SEL_CONDS), &ev);
	if (r > 0 || (r == -1 && errno == ENOSYS))
		(void)MsgSendPulse_r(sel->coid, -1, sel->code, fd);
}

/* The helper thread: poll the armed real fds, pulse for the ready ones. */
static void *watch_main(void *arg)
{
	struct nto_select *sel = arg;
	struct pollfd *p = NULL, *np;
	struct sel_ent *e;
	size_t cap = 0, n, i;
	eventfd_t v;
	int r, fire;

	for (;;) {
		pthread_mutex_lock(&sel->lock);
		if (sel->stop) {
			pthread_mutex_unlock(&sel->lock);
			break;
		}
		n = 0;
		for (e = sel->ents; e; e = e->next)
			n += !e->sim && e->armed;
		if (n + 1 > cap) {
			np = realloc(p, (n + 1) * sizeof(*p));
			if (!np) { /* poll the eventfd only, retry later */
				n = 0;
			} else {
				p = np;
				cap = n + 1;
			}
		}
		n = 0;
		for (e = sel->ents; e && n + 1 < cap; e = e->next) {
			if (e->sim || !e->armed)
				continue;
			p[n].fd = e->fd;
			p[n].events = sel_events(e->flags);
			p[n].revents = 0;
			n++;
		}
		if (!p) {
			pthread_mutex_unlock(&sel->lock);
			break;
		}
		p[n].fd = sel->efd;
		p[n].events = POLLIN;
		p[n].revents = 0;
		pthread_mutex_unlock(&sel->lock);

		r = poll(p, n + 1, -1);
		if (r < 0)
			continue; /* EINTR */
		if (p[n].revents)
			(void)eventfd_read(sel->efd, &v);
		for (i = 0; i < n; i++) {
			if (!p[i].revents)
				continue;
			fire = 0;
			pthread_mutex_lock(&sel->lock);
			e = ent_find(sel, p[i].fd);
			if (e && !e->sim && e->armed) {
				e->armed = 0; /* until its handler ran */
				/* a closed fd stays disarmed: no busy loop */
				fire = !(p[i].revents & POLLNVAL);
			}
			pthread_mutex_unlock(&sel->lock);
			if (fire)
				(void)MsgSendPulse_r(sel->coid, -1, sel->code,
						     p[i].fd);
		}
	}
	free(p);
	return NULL;
}

/* The pulse handler: run the attachment's function, then re-arm. */
static int sel_pulse(message_context_t *ctp, int code, unsigned flags,
		     void *handle)
{
	struct nto_select *sel = handle;
	dispatch_context_t *dctp = (dispatch_context_t *)(void *)ctp;
	dispatch_context_t save;
	select_context_t *sc = &dctp->select_context;
	struct _msg_info info;
	resmgr_iomsgs_t *msg;
	dispatch_t *dpp;
	struct sel_ent *e;
	select_fn func;
	void *uhandle;
	unsigned want, met;
	int fd, sim, called = 0;

	(void)code;
	(void)flags;
	fd = ctp->msg->pulse.value.sival_int;
	pthread_mutex_lock(&sel->lock);
	e = ent_find(sel, fd);
	if (!e) {
		pthread_mutex_unlock(&sel->lock);
		return 0; /* detached since */
	}
	want = e->flags;
	func = e->func;
	uhandle = e->handle;
	sim = e->sim;
	pthread_mutex_unlock(&sel->lock);

	met = met_now(fd, want, sim);
	if (met) {
		/* the context becomes a select_context_t for the call */
		memcpy(&save, dctp, sizeof(save));
		info = ctp->info;
		msg = ctp->msg;
		dpp = ctp->dpp;
		memset(sc, 0, offsetof(select_context_t, iov));
		sc->info.msginfo = info;
		sc->msg = msg;
		sc->dpp = dpp;
		sc->fd = fd;
		sc->tid = (unsigned)nto__tid();
		sc->flags = (int)met;
		(void)func(sc, fd, met, uhandle);
		memcpy(dctp, &save, sizeof(save));
		called = 1;
	}
	if (called && (want & SELECT_FLAG_NOREARM))
		return 0;
	pthread_mutex_lock(&sel->lock);
	e = ent_find(sel, fd);
	if (e) {
		want = e->flags;
		sim = e->sim;
		if (!sim) {
			e->armed = 1;
			kick(sel);
		}
	}
	pthread_mutex_unlock(&sel->lock);
	if (e && sim)
		sim_arm(sel, fd, want);
	return 0;
}

/* dpp's select state, created on first use; NULL with errno. */
static struct nto_select *sel_get(dispatch_t *dpp)
{
	struct nto_select *sel;
	int r;

	pthread_mutex_lock(&init_lock);
	sel = dpp->select;
	if (sel)
		goto out;
	sel = calloc(1, sizeof(*sel));
	if (!sel) {
		errno = ENOMEM;
		goto out;
	}
	pthread_mutex_init(&sel->lock, NULL);
	sel->coid = -1;
	sel->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sel->efd < 0)
		goto fail;
	r = pulse_attach(dpp, MSG_FLAG_ALLOC_PULSE, 0, sel_pulse, sel);
	if (r == -1)
		goto fail;
	sel->code = r;
	sel->coid = message_connect(dpp, MSG_FLAG_SIDE_CHANNEL);
	if (sel->coid == -1) {
		r = errno;
		(void)pulse_detach(dpp, sel->code, 0);
		errno = r;
		goto fail;
	}
	dpp->select = sel;
	goto out;
fail:
	r = errno;
	if (sel->efd >= 0)
		(void)nto__sys_close(sel->efd);
	pthread_mutex_destroy(&sel->lock);
	free(sel);
	sel = NULL;
	errno = r;
out:
	pthread_mutex_unlock(&init_lock);
	return sel;
}

/* Start the watcher thread (sel->lock held). Returns 0 or an errno. */
static int watcher_start(struct nto_select *sel)
{
	sigset_t all, old;
	int r;

	if (sel->thread_started)
		return 0;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&sel->thread, NULL, watch_main, sel);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		sel->thread_started = 1;
	return r;
}

NTO_EXPORT int select_attach(void *dpp_, select_attr_t *attr, int fd,
			     unsigned flags, select_fn func, void *handle)
{
	dispatch_t *dpp = dpp_;
	struct nto_select *sel;
	struct sel_ent *e, *fresh = NULL;
	int sim, r;

	(void)attr;
	if (!dpp || !func || fd < 0 || !(flags & SEL_CONDS)) {
		errno = EINVAL;
		return -1;
	}
	sim = nto__coid_is_fd(fd);
	if (!sim && fcntl(fd, F_GETFD) == -1) {
		errno = EBADF;
		return -1;
	}
	/* the dispatch's channel and the context sizes */
	r = nto__dispatch_attach(dpp, 0, 0, 0);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	sel = sel_get(dpp);
	if (!sel)
		return -1;
	pthread_mutex_lock(&sel->lock);
	e = ent_find(sel, fd);
	if (!e) {
		fresh = e = calloc(1, sizeof(*e));
		if (!e) {
			pthread_mutex_unlock(&sel->lock);
			errno = ENOMEM;
			return -1;
		}
		e->fd = fd;
	}
	if (!sim && (r = watcher_start(sel)) != 0) {
		pthread_mutex_unlock(&sel->lock);
		free(fresh);
		errno = EAGAIN;
		return -1;
	}
	if (fresh) {
		e->next = sel->ents;
		sel->ents = e;
	}
	e->flags = flags;
	e->func = func;
	e->handle = handle;
	e->sim = sim;
	e->armed = !sim;
	if (!sim)
		kick(sel);
	pthread_mutex_unlock(&sel->lock);
	if (sim)
		sim_arm(sel, fd, flags);
	return 0;
}

NTO_EXPORT int select_detach(void *dpp_, int fd)
{
	dispatch_t *dpp = dpp_;
	struct nto_select *sel;
	struct sel_ent **pp, *e = NULL;

	if (!dpp || !(sel = dpp->select)) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&sel->lock);
	for (pp = &sel->ents; *pp; pp = &(*pp)->next) {
		if ((*pp)->fd == fd) {
			e = *pp;
			*pp = e->next;
			break;
		}
	}
	if (e && !e->sim)
		kick(sel);
	pthread_mutex_unlock(&sel->lock);
	if (!e) {
		errno = EINVAL;
		return -1;
	}
	if (e->sim) /* a NULL event disarms */
		(void)ionotify(fd, _NOTIFY_ACTION_POLLARM,
			       (int)(e->flags & SEL_CONDS), NULL);
	free(e);
	return 0;
}

NTO_EXPORT int select_query(select_context_t *ctp, int *fd, unsigned *flags,
			    select_fn *func, void **handle)
{
	struct nto_select *sel;
	struct sel_ent *e;
	dispatch_t *dpp;

	if (!ctp || !(dpp = ctp->dpp) || !(sel = dpp->select)) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&sel->lock);
	e = ent_find(sel, ctp->fd);
	if (e) {
		if (fd)
			*fd = e->fd;
		if (flags)
			*flags = e->flags;
		if (func)
			*func = e->func;
		if (handle)
			*handle = e->handle;
	}
	pthread_mutex_unlock(&sel->lock);
	if (!e) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

void nto__select_destroy(dispatch_t *dpp)
{
	struct nto_select *sel = dpp->select;
	struct sel_ent *e;

	if (!sel)
		return;
	pthread_mutex_lock(&sel->lock);
	sel->stop = 1;
	kick(sel);
	pthread_mutex_unlock(&sel->lock);
	if (sel->thread_started)
		pthread_join(sel->thread, NULL);
	while ((e = sel->ents)) {
		sel->ents = e->next;
		if (e->sim)
			(void)ionotify(e->fd, _NOTIFY_ACTION_POLLARM,
				       (int)(e->flags & SEL_CONDS), NULL);
		free(e);
	}
	if (sel->coid != -1)
		(void)ConnectDetach_r(sel->coid);
	(void)nto__sys_close(sel->efd);
	pthread_mutex_destroy(&sel->lock);
	free(sel);
	dpp->select = NULL;
}
