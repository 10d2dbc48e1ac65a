/*
 * The process's control socket to ipcd: connect and HELLO on first use,
 * one request at a time under a mutex, replies with SCM_RIGHTS fds, every
 * wait bounded (NTOSIM_CTL_TIMEOUT_MS). When ipcd dies the socket is
 * re-opened on a new ipcd and re-told what the process owns (retell.c).
 * A forked child drops its inherited copy at once (it is a new process to
 * ipcd) and resets libnto's tables. Not on the message path.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sys/netmgr.h>

#include "internal.h"
#include "proto/sockpath.h"

static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;
static int ctl_fd = -1;
static uint32_t ctl_seq;
/* ---- restart area: the gap between two ipcds ---- */
/* CLOCK_MONOTONIC ns when the socket was found dead, 0 while it is up */
static _Atomic uint64_t ctl_lost_ns;
static unsigned ctl_gen;   /* bumped whenever ctl_fd changes */
static int ctl_registered; /* a HELLO was accepted once: re-tell */
static int keeper_started; /* the reconnecting thread runs */
/* requests whose reply we stopped waiting for: a late success is undone */
#define CTL_ABANDONED 16
static struct {
	uint32_t seq, type;
} abandoned[CTL_ABANDONED];
static unsigned abandoned_next;
/* ---- end of the restart area ---- */
static pid_t cached_pid;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static __thread pid_t cached_tid;
/* procmgr_daemon: this thread forks a child that continues the process */
static __thread int fork_keep;
static int handover_fd = -1; /* that child: the parent's control socket */

static void atfork_prepare(void)
{
	pthread_mutex_lock(&ctl_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&ctl_lock);
}

static void atfork_child(void)
{
	if (fork_keep) {
		/* procmgr_daemon's child keeps every table; it takes the
		 * process over in ipcd on a socket of its own (see
		 * nto__ctl_adopt), never on this one */
		handover_fd = ctl_fd;
		ctl_fd = -1;
		keeper_started = 0; /* threads do not survive fork */
		cached_pid = 0;
		cached_tid = 0;
		pthread_mutex_init(&ctl_lock, NULL);
		return;
	}
	/* The child is a new process to ipcd: never speak on the parent's
	 * socket, and forget the parent's objects (QNX does not give a child
	 * its parent's channels or side-channel connections either). */
	if (ctl_fd >= 0)
		nto__sys_close(ctl_fd);
	ctl_fd = -1;
	ctl_registered = 0;
	keeper_started = 0;
	atomic_store(&ctl_lost_ns, 0);
	memset(abandoned, 0, sizeof(abandoned));
	nto__retell_fork_reset();
	cached_pid = 0;
	cached_tid = 0;
	pthread_mutex_init(&ctl_lock, NULL);
	nto__conn_fork_reset();
	nto__srv_fork_reset();
}

static void install_atfork(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

pid_t nto__pid(void)
{
	if (cached_pid == 0)
		cached_pid = getpid();
	return cached_pid;
}

pid_t nto__tid(void)
{
	if (cached_tid == 0) {
		cached_tid = (pid_t)syscall(SYS_gettid);
		nto__thread_register();
	}
	return cached_tid;
}

/* ---- bounded waits (restart area) ---- */

static int env_ms(const char *name, int dflt)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return dflt;
	n = strtol(v, &end, 10);
	if (*end || n <= 0 || n > 3600000)
		return dflt;
	return (int)n;
}

int nto__ctl_timeout_ms(void)
{
	static int ms;

	if (ms == 0)
		ms = env_ms("NTOSIM_CTL_TIMEOUT_MS", NTO_CTL_TIMEOUT_MS);
	return ms;
}

int nto__ctl_reconnect_ms(void)
{
	static int ms;

	if (ms == 0)
		ms = env_ms("NTOSIM_CTL_RECONNECT_MS", NTO_CTL_RECONNECT_MS);
	return ms;
}

static uint64_t ctl_deadline(void)
{
	return nto__now_ns() + (uint64_t)nto__ctl_timeout_ms() * 1000000ull;
}

/* Wait until fd is ready for `events` or the deadline (0: none) passes.
 * 1 ready (or hung up), 0 timed out. */
static int ctl_wait(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = {fd, events, 0};
		uint64_t now = nto__now_ns();
		int ms = -1, n;

		if (deadline) {
			if (now >= deadline)
				return 0;
			ms = (int)((deadline - now + 999999) / 1000000);
		}
		n = nto__sys_poll(&p, 1, ms);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return 1; /* let the call itself report it */
	}
}

/* Forget a request we stopped waiting for; its late reply is undone. */
static void ctl_abandon(uint32_t seq, uint32_t type)
{
	abandoned[abandoned_next].seq = seq;
	abandoned[abandoned_next].type = type;
	abandoned_next = (abandoned_next + 1) % CTL_ABANDONED;
}

static int ctl_send(int fd, uint32_t seq, uint32_t type, int32_t flags,
		    const void *req, size_t reqlen, const int *sfds, int nsfds,
		    uint64_t deadline);

/* A reply that is not the one we wait for: the late answer to a request
 * that timed out. If it created something the caller never learnt of, the
 * matching release is sent (its own reply is ignored the same way). */
static void ctl_late_reply(int fd, const struct nto_ctl_hdr *rh,
			   const void *rep, size_t n)
{
	unsigned i;

	for (i = 0; i < CTL_ABANDONED; i++) {
		uint32_t type = abandoned[i].type, utype = 0;
		int32_t id = 0;

		if (abandoned[i].seq != rh->seq || type == 0)
			continue;
		abandoned[i].type = 0;
		if (rh->status < 0 || n < sizeof(int32_t))
			return;
		if (type == NTO_CTL_CHANNEL_CREATE) {
			utype = NTO_CTL_CHANNEL_DESTROY;
			id = ((const struct nto_ctl_chan *)rep)->chid;
		} else if (type == NTO_CTL_CONNECT_ATTACH) {
			utype = NTO_CTL_CONNECT_DETACH;
			id = ((const struct nto_ctl_attach_rep *)rep)->coid;
		} else if (type == NTO_CTL_RESOLVE_ATTACH) {
			const struct nto_ctl_resolve_attach_rep *ra = rep;

			/* issue 10: the attach it made, if any */
			if (n >= sizeof(*ra) && ra->index >= 0) {
				utype = NTO_CTL_CONNECT_DETACH;
				id = ra->att.coid;
			}
		} else if (type == NTO_CTL_PATH_ATTACH) {
			utype = NTO_CTL_PATH_DETACH;
			id = ((const struct nto_ctl_id *)rep)->id;
		} else if (type == NTO_CTL_EVENT_REGISTER) {
			utype = NTO_CTL_EVENT_UNREGISTER;
			id = ((const struct nto_ctl_id *)rep)->id;
		}
		if (utype) {
			struct nto_ctl_chan req = {id,
						   0}; /* chid or id first */
			uint32_t seq = ++ctl_seq;

			if (ctl_send(fd, seq, utype, 0, &req,
				     utype == NTO_CTL_CHANNEL_DESTROY
					     ? sizeof(req)
					     : sizeof(struct nto_ctl_id),
				     NULL, 0, ctl_deadline()) == 0)
				ctl_abandon(seq, 0);
		}
		return;
	}
}

static int ctl_send(int fd, uint32_t seq, uint32_t type, int32_t flags,
		    const void *req, size_t reqlen, const int *sfds, int nsfds,
		    uint64_t deadline)
{
	struct nto_ctl_hdr h = {type, (uint32_t)reqlen, seq, flags};
	struct iovec siov[2] = {{&h, sizeof(h)}, {(void *)req, reqlen}};
	struct msghdr sm = {.msg_iov = siov, .msg_iovlen = reqlen ? 2 : 1};
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int) * NTO_RS_FDS_MAX)];
	} cbuf;
	ssize_t n;

	if (sizeof(h) + reqlen > NTO_CTL_MAX)
		return -ENAMETOOLONG;
	if (nsfds < 0 || nsfds > NTO_RS_FDS_MAX)
		return -EINVAL;
	if (nsfds > 0) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		sm.msg_control = cbuf.b;
		sm.msg_controllen = CMSG_SPACE((size_t)nsfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&sm);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nsfds * sizeof(int));
		memcpy(CMSG_DATA(cm), sfds, (size_t)nsfds * sizeof(int));
	}
	for (;;) {
		n = sendmsg(fd, &sm, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EBADF && nsfds > 0 &&
		    syscall(SYS_fcntl, fd, F_GETFD) >= 0)
			return -EBADF; /* an fd to pass was closed under us */
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -ENOTCONN;
		/* ipcd does not read (stopped?): wait, bounded */
		if (!ctl_wait(fd, POLLOUT, deadline))
			return -ETIMEDOUT;
	}
}

/* Send one request (with sfds, if any) and read its reply on fd, waiting
 * until `deadline` (CLOCK_MONOTONIC ns, 0: no bound). Caller serialises.
 * -ETIMEDOUT: no reply in time (the request is remembered, see
 * ctl_late_reply); -ENOTCONN: the socket is dead. */
static int ctl_exchange(int fd, uint32_t seq, uint32_t type, const void *req,
			size_t reqlen, const int *sfds, int nsfds, void *rep,
			size_t replen, size_t *replen_out, int *fds,
			int nfds_max, int *nfds_out, uint64_t deadline)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int) * 8)];
	} cbuf;
	union {
		uint64_t align;
		char b[512];
	} late;
	struct nto_ctl_hdr rh;
	struct iovec riov[2];
	struct msghdr rm;
	struct cmsghdr *cm;
	ssize_t n;
	int got = 0, rc;

	if (nfds_out)
		*nfds_out = 0;
	rc = ctl_send(fd, seq, type, 0, req, reqlen, sfds, nsfds, deadline);
	if (rc == -ETIMEDOUT)
		return rc; /* not sent: nothing to undo */
	if (rc < 0)
		return rc;
	for (;;) {
		int stale;

		if (!ctl_wait(fd, POLLIN, deadline)) {
			ctl_abandon(seq, type);
			return -ETIMEDOUT;
		}
		/* peek at the header first (no control buffer: fds stay
		 * queued): a late reply must not land in the caller's buffer */
		riov[0].iov_base = &rh;
		riov[0].iov_len = sizeof(rh);
		memset(&rm, 0, sizeof(rm));
		rm.msg_iov = riov;
		rm.msg_iovlen = 1;
		n = recvmsg(fd, &rm, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < (ssize_t)sizeof(rh))
			return -ENOTCONN;
		riov[1].iov_base = rep;
		riov[1].iov_len = replen;
		rm.msg_iovlen = rep && replen ? 2 : 1;
		stale = rh.seq != seq;
		if (stale) {
			riov[1].iov_base = late.b;
			riov[1].iov_len = sizeof(late.b);
			rm.msg_iovlen = 2;
		}
		rm.msg_control = cbuf.b;
		rm.msg_controllen = sizeof(cbuf);
		rm.msg_flags = 0;
		do
			n = recvmsg(fd, &rm, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		while (n < 0 && errno == EINTR);
		if (n < (ssize_t)sizeof(rh))
			return -ENOTCONN;
		for (cm = CMSG_FIRSTHDR(&rm); cm; cm = CMSG_NXTHDR(&rm, cm)) {
			int *p = (int *)CMSG_DATA(cm);
			size_t k, cnt;

			if (cm->cmsg_level != SOL_SOCKET ||
			    cm->cmsg_type != SCM_RIGHTS)
				continue;
			cnt = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (k = 0; k < cnt; k++) {
				if (!stale && fds && got < nfds_max)
					fds[got++] = p[k];
				else
					nto__sys_close(p[k]);
			}
		}
		if (!stale)
			break;
		ctl_late_reply(fd, &rh, late.b, (size_t)n - sizeof(rh));
	}
	if (nfds_out)
		*nfds_out = got;
	else
		while (got > 0)
			nto__sys_close(fds[--got]);
	if (replen_out)
		*replen_out = (size_t)n - sizeof(rh);
	return rh.status;
}

int nto__ctl_exchange(int fd, uint32_t type, const void *req, size_t reqlen,
		      const int *sfds, int nsfds, void *rep, size_t replen,
		      size_t *replen_out)
{
	return ctl_exchange(fd, ++ctl_seq, type, req, reqlen, sfds, nsfds, rep,
			    replen, replen_out, NULL, 0, NULL, ctl_deadline());
}

static int ctl_open(uint32_t hello_flags)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct nto_ctl_hello hello = {
		.version = NTO_CTL_VERSION,
		.pid = (int32_t)nto__pid(),
		.flags = hello_flags,
	};
	struct nto_ctl_hello rep;
	uint64_t deadline = ctl_deadline();
	int fd, rc;

	rc = nto__socket_path(NULL, 0, sa.sun_path, sizeof(sa.sun_path));
	if (rc < 0)
		return rc;
	/* non-blocking: a stopped ipcd's full backlog must not hang us */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* trust the directory and the daemon's uid before saying a word */
	rc = nto__socket_connect(fd, sa.sun_path, "libnto");
	if (rc < 0) {
		if (rc != -EPERM)
			rc = rc == -EAGAIN ? -ETIMEDOUT : -ENOTCONN;
		nto__sys_close(fd);
		return rc;
	}
	rc = ctl_exchange(fd, 0, NTO_CTL_HELLO, &hello, sizeof(hello), NULL, 0,
			  &rep, sizeof(rep), NULL, NULL, 0, NULL, deadline);
	if (rc < 0) {
		nto__sys_close(fd);
		return rc;
	}
	return fd;
}

/* ---- restart area: reconnecting to a new ipcd ---- */

static void ctl_mark_lost(void)
{
	uint64_t zero = 0;

	atomic_compare_exchange_strong(&ctl_lost_ns, &zero, nto__now_ns());
}

/* Open a socket to a new ipcd and re-tell it what we own, retrying until
 * `deadline` while no ipcd listens. Caller holds ctl_lock; ctl_fd < 0. */
static int ctl_reconnect_locked(uint64_t deadline)
{
	int fd, rc;

	for (;;) {
		fd = ctl_open(NTO_HELLO_RESTORE);
		if (fd >= 0)
			break;
		if (fd != -ENOTCONN && fd != -ETIMEDOUT)
			return fd;
		if (nto__now_ns() >= deadline)
			return -ENOTCONN;
		/* nobody listens yet: a bounded retry, not synchronisation */
		nanosleep(&(struct timespec){0, 20000000}, NULL);
	}
	rc = nto__retell(fd);
	if (rc == -ENOTCONN) {
		nto__sys_close(fd); /* that ipcd died meanwhile */
		return -ENOTCONN;
	}
	/* -ETIMEDOUT: that ipcd stalls; keep the socket (closing it would be
	 * our death to it, and destroy what it was re-told) and go on with
	 * what it took */
	ctl_fd = fd;
	ctl_gen++;
	atomic_store(&ctl_lost_ns, 0);
	return 0;
}

/* The socket is dead: close it, and reconnect within the bound. */
static int ctl_lost_locked(void)
{
	uint64_t lost;

	if (ctl_fd >= 0) {
		nto__sys_close(ctl_fd);
		ctl_fd = -1;
		ctl_gen++;
	}
	ctl_mark_lost();
	lost = atomic_load(&ctl_lost_ns);
	return ctl_reconnect_locked(lost + (uint64_t)nto__ctl_reconnect_ms() *
						   1000000ull);
}

static int ctl_hung_up(int fd)
{
	struct pollfd p = {fd, POLLRDHUP, 0};

	return nto__sys_poll(&p, 1, 0) > 0 &&
	       (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL));
}

/* The keeper: notices ipcd's death while no call is made (a server busy
 * on the message path never asks ipcd anything) and re-tells a new ipcd
 * at once, so names, paths and reaping come back without waiting for the
 * process's next control call. */
static _Atomic uint32_t keeper_up; /* the keeper has started running */

static void *keeper(void *arg)
{
	(void)arg;
	atomic_store(&keeper_up, 1);
	nto__futex_wake(&keeper_up, 1);
	for (;;) {
		unsigned gen;
		int fd, rc;

		pthread_mutex_lock(&ctl_lock);
		fd = ctl_fd;
		gen = ctl_gen;
		pthread_mutex_unlock(&ctl_lock);
		if (fd >= 0) {
			struct pollfd p = {fd, POLLRDHUP, 0};

			/* the period only bounds noticing an fd swap */
			if (nto__sys_poll(&p, 1, 1000) <= 0 ||
			    !(p.revents &
			      (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL)))
				continue;
		}
		pthread_mutex_lock(&ctl_lock);
		if (ctl_gen != gen) {
			pthread_mutex_unlock(&ctl_lock);
			continue;
		}
		if (ctl_fd >= 0) {
			rc = ctl_lost_locked();
		} else {
			/* past the bound: keep trying, briefly each time */
			ctl_mark_lost();
			rc = ctl_reconnect_locked(nto__now_ns() + 50000000ull);
		}
		pthread_mutex_unlock(&ctl_lock);
		if (rc < 0)
			nanosleep(&(struct timespec){0, 100000000}, NULL);
	}
	return NULL;
}

/* Start the keeper once the process owns something to re-tell. Caller
 * holds ctl_lock. */
void nto__ctl_keeper_start(void)
{
	sigset_t all, old;
	pthread_attr_t a;
	pthread_t t;

	if (keeper_started || fork_keep)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* no signal is ours */
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	atomic_store(&keeper_up, 0);
	if (pthread_create(&t, &a, keeper, NULL) == 0) {
		uint64_t until = nto__now_ns() + 1000000000ull;
		struct timespec ts = {(time_t)(until / 1000000000ull),
				      (long)(until % 1000000000ull)};

		keeper_started = 1;
		/* return only once it runs: a fork while a new thread is still
		 * starting up (allocating) can leave the child's allocator
		 * locked (ASan's is) */
		while (!atomic_load(&keeper_up) && nto__now_ns() < until)
			nto__futex_wait(&keeper_up, 0, &ts);
	}
	pthread_attr_destroy(&a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
/* ---- end of the restart area ---- */

/* Connect the process's main socket if needed; with may_start, start an
 * ipcd if none ever answered (autostart.c). Caller holds ctl_lock. */
static int ctl_ensure_locked(int may_start)
{
	int rc;

	pthread_once(&atfork_once, install_atfork);
	if (ctl_fd >= 0)
		return 0;
	if (ctl_registered)
		return ctl_lost_locked(); /* ipcd died earlier: a new one? */
	rc = ctl_open(0);
	/* autostart.c: no ipcd on the default socket? start one (only
	 * here: a reconnect after ipcd's death never does, see there) */
	if (rc == -ENOTCONN && may_start && nto__autostart() == 0)
		rc = ctl_open(0);
	if (rc < 0)
		return rc;
	ctl_fd = rc;
	ctl_gen++;
	ctl_registered = 1;
	return 0;
}

int nto__ctl_call(uint32_t type, const void *req, size_t reqlen, void *rep,
		  size_t replen, size_t *replen_out, int *fds, int nfds_max,
		  int *nfds_out)
{
	int rc, tries;

	/* every kernel call spends a pending TimerTimeout (it is one-shot) */
	nto__timeout_clear();
	pthread_mutex_lock(&ctl_lock);
	for (tries = 0; tries < 2; tries++) {
		/* a path lookup without an ipcd falls back to libc: no ipcd
		 * could have a registration for it, so none is started */
		rc = ctl_ensure_locked(type != NTO_CTL_RESOLVE &&
				       type != NTO_CTL_RESOLVE_ATTACH);
		if (rc < 0)
			break;
		rc = ctl_exchange(ctl_fd, ++ctl_seq, type, req, reqlen, NULL, 0,
				  rep, replen, replen_out, fds, nfds_max,
				  nfds_out, ctl_deadline());
		if (rc != -ENOTCONN)
			break;
		/* ipcd died (before or during the request: the new one has
		 * no trace of it): re-tell a new ipcd, then ask it once */
		rc = ctl_lost_locked();
		if (rc < 0)
			break;
	}
	/* autostart.c: no ipcd ever: say how to get one, unless the caller
	 * is a path lookup, which falls back to libc without an error */
	if (rc == -ENOTCONN && !ctl_registered && type != NTO_CTL_RESOLVE &&
	    type != NTO_CTL_RESOLVE_ATTACH)
		nto__autostart_tell();
	/* a release the library carries out whatever ipcd said (detaches)
	 * or when no ipcd is left (ChannelDestroy) is forgotten too */
	if (rc >= 0 || type == NTO_CTL_CONNECT_DETACH ||
	    type == NTO_CTL_PATH_DETACH ||
	    (type == NTO_CTL_CHANNEL_DESTROY && rc == -ENOTCONN))
		nto__retell_note(type, req, reqlen, rep,
				 replen_out ? *replen_out : 0, fds,
				 nfds_out ? *nfds_out : 0);
	pthread_mutex_unlock(&ctl_lock);
	return rc;
}

int nto__ctl_post(uint32_t type, const void *req, size_t reqlen)
{
	int rc;

	nto__timeout_clear();
	pthread_mutex_lock(&ctl_lock);
	/* noted first: if ipcd is gone, the next one is never told of it */
	nto__retell_note(type, req, reqlen, NULL, 0, NULL, 0);
	rc = ctl_ensure_locked(0); /* a coid: ipcd was there */
	if (rc == 0)
		rc = ctl_send(ctl_fd, ++ctl_seq, type, NTO_CTL_F_NOREPLY, req,
			      reqlen, NULL, 0, ctl_deadline());
	/* -ENOTCONN: the next call finds the socket dead and re-tells */
	pthread_mutex_unlock(&ctl_lock);
	return rc;
}

int nto__ctl_call_aux(uint32_t type, const void *req, size_t reqlen)
{
	union {
		struct nto_ctl_path p;
		char b[NTO_CTL_MAX];
	} copy;
	uint64_t deadline = 0, until = 0;
	int fd, rc;

	if (reqlen > sizeof(copy))
		return -ENAMETOOLONG;
	memcpy(copy.b, req, reqlen);
	/* WAIT_PATH carries its own timeout (UINT32_MAX: none): the reply
	 * may take that long, plus the usual bound */
	if (type == NTO_CTL_WAIT_PATH && reqlen >= sizeof(copy.p) &&
	    copy.p.handle != UINT32_MAX) {
		until = nto__now_ns() + (uint64_t)copy.p.handle * 1000000ull;
		deadline = until + (uint64_t)nto__ctl_timeout_ms() * 1000000ull;
	} else if (type != NTO_CTL_WAIT_PATH) {
		deadline = ctl_deadline();
	}
	for (;;) {
		/* the process must be registered before an AUX connection is
		 * accepted; after ipcd's death this re-tells a new one */
		pthread_mutex_lock(&ctl_lock);
		rc = ctl_ensure_locked(1);
		if (rc == 0 && ctl_hung_up(ctl_fd))
			rc = ctl_lost_locked();
		if (rc == -ENOTCONN && !ctl_registered)
			nto__autostart_tell(); /* autostart.c: no ipcd ever */
		pthread_mutex_unlock(&ctl_lock);
		if (rc < 0)
			return rc;
		fd = ctl_open(NTO_HELLO_AUX);
		if (fd == -ENOTCONN && type == NTO_CTL_WAIT_PATH)
			continue; /* ipcd just died: the next one, if any */
		if (fd < 0)
			return fd;
		rc = ctl_exchange(fd, 1, type, copy.b, reqlen, NULL, 0, NULL, 0,
				  NULL, NULL, 0, NULL, deadline);
		nto__sys_close(fd);
		if (rc != -ENOTCONN || type != NTO_CTL_WAIT_PATH)
			return rc;
		/* restart area: ipcd died with the request parked; ask the
		 * next one for the time left */
		if (until) {
			uint64_t now = nto__now_ns();

			if (now >= until)
				return -ETIMEDOUT;
			copy.p.handle = (uint32_t)((until - now) / 1000000ull);
		}
	}
}

int nto__ipcd_alive(void)
{
	uint64_t lost;
	int fd = ctl_fd;

	if (fd >= 0 && ctl_hung_up(fd))
		ctl_mark_lost(); /* the keeper (or the next call) reconnects */
	lost = atomic_load(&ctl_lost_ns);
	if (lost == 0)
		return 1;
	/* during the gap a blocked call keeps waiting for a new ipcd, up to
	 * the bound: its peer may well be alive and answer */
	return nto__now_ns() - lost <
	       (uint64_t)nto__ctl_reconnect_ms() * 1000000ull;
}

int nto__resolve(const char *path, struct nto_ctl_resolve_ent *ents, int max)
{
	char buf[sizeof(struct nto_ctl_path) + NTO_PATH_MAX];
	struct nto_ctl_path *req = (struct nto_ctl_path *)buf;
	char rbuf[sizeof(struct nto_ctl_resolve_rep) +
		  NTO_RESOLVE_MAX * sizeof(struct nto_ctl_resolve_ent)];
	struct nto_ctl_resolve_rep *rep = (struct nto_ctl_resolve_rep *)rbuf;
	size_t len = strlen(path), got = 0;
	uint32_t i;
	int rc;

	if (len >= NTO_PATH_MAX)
		return -ENAMETOOLONG;
	memset(req, 0, sizeof(*req));
	memcpy(req->path, path, len + 1);
	rc = nto__ctl_call(NTO_CTL_RESOLVE, req, sizeof(*req) + len + 1, rbuf,
			   sizeof(rbuf), &got, NULL, 0, NULL);
	if (rc < 0)
		return rc;
	if (got < sizeof(*rep))
		return -ENOENT;
	for (i = 0; i < rep->n && (int)i < max &&
		    sizeof(*rep) + (i + 1) * sizeof(rep->ent[0]) <= got;
	     i++)
		ents[i] = rep->ent[i];
	return (int)i;
}

NTO_EXPORT int nto_path_wait(const char *path, int timeout_ms)
{
	char buf[sizeof(struct nto_ctl_path) + NTO_PATH_MAX];
	struct nto_ctl_path *req = (struct nto_ctl_path *)buf;
	size_t len;
	int rc;

	uint32_t nd;
	const char *rest;

	if (!path || path[0] != '/' || (len = strlen(path)) >= NTO_PATH_MAX) {
		errno = EINVAL;
		return -1;
	}
	/* Qnet: another node's path space cannot be waited on from here (an
	 * open tries it); this node's own /net/NODE/rest is rest */
	if (nto__net_path(path, &nd, &rest)) {
		if (nd != ND_LOCAL_NODE) {
			errno = EINVAL;
			return -1;
		}
		path = rest;
		len = strlen(path);
	}
	memset(req, 0, sizeof(*req));
	req->handle = timeout_ms < 0 ? UINT32_MAX : (uint32_t)timeout_ms;
	memcpy(req->path, path, len + 1);
	rc = nto__ctl_call_aux(NTO_CTL_WAIT_PATH, req, sizeof(*req) + len + 1);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

/* ---- procmgr_daemon's handover (compat/procmgr.c) ---- */

int nto__ctl_handover_prepare(pid_t *pid, uint64_t *token)
{
	struct nto_ctl_handover req = {.op = NTO_HANDOVER_PREPARE};
	struct nto_ctl_handover rep;
	size_t got = 0;
	int rc, registered;

	pthread_mutex_lock(&ctl_lock);
	registered = ctl_fd >= 0;
	pthread_mutex_unlock(&ctl_lock);
	*token = 0;
	if (!registered)
		return 0; /* nothing in ipcd to hand over */
	rc = nto__ctl_call(NTO_CTL_PROC_HANDOVER, &req, sizeof(req), &rep,
			   sizeof(rep), &got, NULL, 0, NULL);
	if (rc < 0)
		return rc;
	if (got < sizeof(rep) || rep.token == 0)
		return -EPROTO;
	*pid = rep.pid;
	*token = rep.token;
	return 0;
}

pid_t nto__ctl_fork_keep(void)
{
	pid_t pid;

	fork_keep = 1;
	pid = fork();
	fork_keep = 0;
	return pid;
}

int nto__ctl_adopt(pid_t pid, uint64_t token, uint32_t op)
{
	struct nto_ctl_handover req = {
		.op = op, .pid = (int32_t)pid, .token = token};
	int fd, rc;

	pthread_mutex_lock(&ctl_lock);
	if (op == NTO_HANDOVER_ADOPT) {
		fd = ctl_open(NTO_HELLO_AUX);
		rc = fd;
		if (fd >= 0) {
			rc = ctl_exchange(fd, ++ctl_seq, NTO_CTL_PROC_HANDOVER,
					  &req, sizeof(req), NULL, 0, NULL, 0,
					  NULL, NULL, 0, NULL, ctl_deadline());
			/* on success this socket is the process now */
			if (rc < 0) {
				nto__sys_close(fd);
			} else {
				ctl_fd = fd;
				ctl_gen++;
				ctl_registered = 1;
				if (nto__retell_owns())
					nto__ctl_keeper_start();
			}
		}
	} else {
		rc = ctl_ensure_locked(1);
		if (rc == 0)
			rc = ctl_exchange(ctl_fd, ++ctl_seq,
					  NTO_CTL_PROC_HANDOVER, &req,
					  sizeof(req), NULL, 0, NULL, 0, NULL,
					  NULL, 0, NULL, ctl_deadline());
	}
	if (handover_fd >= 0) {
		nto__sys_close(handover_fd);
		handover_fd = -1;
	}
	if (rc >= 0) /* ipcd marked us a daemon: re-told too (hamsoak) */
		nto__retell_daemon();
	pthread_mutex_unlock(&ctl_lock);
	if (rc < 0 && op == NTO_HANDOVER_ADOPT) {
		/* we are a new, empty process after all */
		nto__retell_fork_reset();
		nto__conn_fork_reset();
		nto__srv_fork_reset();
	}
	return rc;
}

int nto__ctl_fd(void)
{
	return ctl_fd;
}

/* ---- connection set-up (issue 10): retell notes made outside a call */
void nto__ctl_lock(void)
{
	pthread_mutex_lock(&ctl_lock);
}

void nto__ctl_unlock(void)
{
	pthread_mutex_unlock(&ctl_lock);
}
/* ---- end of connection set-up ---- */
