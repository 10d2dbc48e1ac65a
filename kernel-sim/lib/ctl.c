/*
 * The process's control socket to ipcd: connect and HELLO on first use,
 * one request at a time under a mutex, replies with SCM_RIGHTS fds. A
 * forked child drops its inherited copy at once (it is a new process to
 * ipcd) and resets libnto's tables. Not on the message path.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"
#include "proto/sockpath.h"

static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;
static int ctl_fd = -1;
static int ctl_gone; /* ipcd closed on us: stay failed */
static uint32_t ctl_seq;
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
	ctl_gone = 0;
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

static int ctl_open(uint32_t hello_flags)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct nto_ctl_hello hello = {
		.version = NTO_CTL_VERSION,
		.pid = (int32_t)nto__pid(),
		.flags = hello_flags,
	};
	struct {
		struct nto_ctl_hdr h;
		struct nto_ctl_hello b;
	} pkt = {{NTO_CTL_HELLO, sizeof(hello), 0, 0}, hello};
	struct nto_ctl_hdr rep;
	int fd, rc;
	ssize_t n;

	rc = nto__socket_path(NULL, 0, sa.sun_path, sizeof(sa.sun_path));
	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* trust the directory and the daemon's uid before saying a word */
	rc = nto__socket_connect(fd, sa.sun_path, "libnto");
	if (rc == -EPERM) {
		nto__sys_close(fd);
		return rc;
	}
	if (rc < 0)
		goto fail_notconn;
	if (send(fd, &pkt, sizeof(pkt), MSG_NOSIGNAL) != (ssize_t)sizeof(pkt))
		goto fail_notconn;
	do
		n = recv(fd, &rep, sizeof(rep), 0);
	while (n < 0 && errno == EINTR);
	if (n < (ssize_t)sizeof(rep))
		goto fail_notconn;
	if (rep.status < 0) {
		nto__sys_close(fd);
		return rep.status;
	}
	return fd;
fail_notconn:
	nto__sys_close(fd);
	return -ENOTCONN;
}

/* Send one request and read its reply on fd. Caller serialises. */
static int ctl_exchange(int fd, uint32_t seq, uint32_t type, const void *req,
			size_t reqlen, void *rep, size_t replen,
			size_t *replen_out, int *fds, int nfds_max,
			int *nfds_out)
{
	struct nto_ctl_hdr h = {type, (uint32_t)reqlen, seq, 0};
	struct iovec siov[2] = {{&h, sizeof(h)}, {(void *)req, reqlen}};
	struct msghdr sm = {.msg_iov = siov, .msg_iovlen = reqlen ? 2 : 1};
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	struct nto_ctl_hdr rh;
	struct iovec riov[2] = {{&rh, sizeof(rh)}, {rep, replen}};
	struct msghdr rm;
	struct cmsghdr *cm;
	ssize_t n;
	int got = 0;

	if (nfds_out)
		*nfds_out = 0;
	if (sizeof(h) + reqlen > NTO_CTL_MAX)
		return -ENAMETOOLONG;
	do
		n = sendmsg(fd, &sm, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -ENOTCONN;
	for (;;) {
		memset(&rm, 0, sizeof(rm));
		rm.msg_iov = riov;
		rm.msg_iovlen = rep && replen ? 2 : 1;
		rm.msg_control = cbuf;
		rm.msg_controllen = sizeof(cbuf);
		do
			n = recvmsg(fd, &rm, MSG_CMSG_CLOEXEC);
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
				if (fds && got < nfds_max)
					fds[got++] = p[k];
				else
					nto__sys_close(p[k]);
			}
		}
		if (rh.seq == seq)
			break;
		/* a stale reply (cannot happen with one request in flight) */
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

/* Connect the process's main socket if needed. Caller holds ctl_lock. */
static int ctl_ensure_locked(void)
{
	int rc;

	pthread_once(&atfork_once, install_atfork);
	if (ctl_gone)
		return -ENOTCONN;
	if (ctl_fd >= 0)
		return 0;
	rc = ctl_open(0);
	if (rc < 0)
		return rc;
	ctl_fd = rc;
	return 0;
}

int nto__ctl_call(uint32_t type, const void *req, size_t reqlen, void *rep,
		  size_t replen, size_t *replen_out, int *fds, int nfds_max,
		  int *nfds_out)
{
	int rc;

	/* every kernel call spends a pending TimerTimeout (it is one-shot) */
	nto__timeout_clear();
	pthread_mutex_lock(&ctl_lock);
	rc = ctl_ensure_locked();
	if (rc < 0)
		goto out;
	rc = ctl_exchange(ctl_fd, ++ctl_seq, type, req, reqlen, rep, replen,
			  replen_out, fds, nfds_max, nfds_out);
	if (rc == -ENOTCONN)
		ctl_gone = 1;
out:
	pthread_mutex_unlock(&ctl_lock);
	return rc;
}

int nto__ctl_call_aux(uint32_t type, const void *req, size_t reqlen)
{
	int fd, rc;

	/* the process must be registered before an AUX connection is accepted
	 */
	pthread_mutex_lock(&ctl_lock);
	rc = ctl_ensure_locked();
	pthread_mutex_unlock(&ctl_lock);
	if (rc < 0)
		return rc;
	fd = ctl_open(NTO_HELLO_AUX);
	if (fd < 0)
		return fd;
	rc = ctl_exchange(fd, 1, type, req, reqlen, NULL, 0, NULL, NULL, 0,
			  NULL);
	nto__sys_close(fd);
	return rc;
}

int nto__ipcd_alive(void)
{
	struct pollfd p;
	int fd = ctl_fd;

	if (ctl_gone)
		return 0;
	if (fd < 0)
		return 1;
	p.fd = fd;
	p.events = POLLRDHUP;
	p.revents = 0;
	if (nto__sys_poll(&p, 1, 0) > 0 &&
	    (p.revents & (POLLHUP | POLLRDHUP | POLLERR)))
		return 0;
	return 1;
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

	if (!path || path[0] != '/' || (len = strlen(path)) >= NTO_PATH_MAX) {
		errno = EINVAL;
		return -1;
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
	registered = ctl_fd >= 0 && !ctl_gone;
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
					  &req, sizeof(req), NULL, 0, NULL,
					  NULL, 0, NULL);
			/* on success this socket is the process now */
			if (rc < 0)
				nto__sys_close(fd);
			else
				ctl_fd = fd;
		}
	} else {
		rc = ctl_ensure_locked();
		if (rc == 0)
			rc = ctl_exchange(
				ctl_fd, ++ctl_seq, NTO_CTL_PROC_HANDOVER, &req,
				sizeof(req), NULL, 0, NULL, NULL, 0, NULL);
	}
	if (handover_fd >= 0) {
		nto__sys_close(handover_fd);
		handover_fd = -1;
	}
	pthread_mutex_unlock(&ctl_lock);
	if (rc < 0 && op == NTO_HANDOVER_ADOPT) {
		/* we are a new, empty process after all */
		nto__conn_fork_reset();
		nto__srv_fork_reset();
	}
	return rc;
}

int nto__ctl_fd(void)
{
	return ctl_fd;
}
