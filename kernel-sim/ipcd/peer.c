/*
 * Control-socket peers: the listening socket, accepting (SO_PEERCRED uid
 * check), reading one request per packet, checking its framing, dispatching
 * it, and replying with fds over SCM_RIGHTS. A peer that misbehaves is
 * logged and dropped; dropping a registered process's socket is its death.
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipcd/internal.h"

#define RX_MAX		 (NTO_CTL_MAX + 1)
#define PACKETS_PER_WAKE 64 /* fairness between busy peers */

/* one request in, one reply out at a time: both buffers are static */
static union {
	uint64_t align;
	unsigned char b[RX_MAX];
} rxbuf;
static union {
	uint64_t align;
	unsigned char b[NTO_CTL_REPLY_MAX];
} txbuf;

struct handler {
	int (*fn)(struct req *rq);
	const char *name;
	uint32_t minlen;
	uint32_t maxlen;
	int needs_proc; /* needs a registered process (else ESRCH) */
};

#define FIXED(f, t, np)                         \
	{                                       \
		f, #t, sizeof(t), sizeof(t), np \
	}
#define PATHREQ(f, np)                                               \
	{                                                            \
		f, "path", sizeof(struct nto_ctl_path) + 1,          \
			NTO_CTL_MAX - sizeof(struct nto_ctl_hdr), np \
	}

static const struct handler handlers[NTO_CTL_TYPE_MAX] = {
	[NTO_CTL_CHANNEL_CREATE] =
		FIXED(dispatch_channel_create, struct nto_ctl_chan, 1),
	[NTO_CTL_CHANNEL_DESTROY] =
		FIXED(dispatch_channel_destroy, struct nto_ctl_chan, 1),
	[NTO_CTL_CONNECT_ATTACH] =
		FIXED(dispatch_connect_attach, struct nto_ctl_attach, 1),
	[NTO_CTL_CONNECT_DETACH] =
		FIXED(dispatch_connect_detach, struct nto_ctl_id, 1),
	[NTO_CTL_CONNECT_REBIND] =
		FIXED(dispatch_connect_rebind, struct nto_ctl_attach, 1),
	[NTO_CTL_CONN_FD] = FIXED(dispatch_conn_fd, struct nto_ctl_connfd, 1),
	[NTO_CTL_PATH_ATTACH] = PATHREQ(dispatch_path_attach, 1),
	[NTO_CTL_PATH_DETACH] =
		FIXED(dispatch_path_detach, struct nto_ctl_id, 1),
	[NTO_CTL_RESOLVE] = PATHREQ(dispatch_resolve, 0),
	[NTO_CTL_THREAD_DEATH] =
		FIXED(dispatch_thread_death, struct nto_ctl_id, 1),
	[NTO_CTL_INFO] = FIXED(dispatch_info, struct nto_ctl_id, 0),
	[NTO_CTL_DELIVER_PULSE] =
		FIXED(dispatch_deliver_pulse, struct nto_ctl_event, 1),
	[NTO_CTL_WAIT_PATH] = PATHREQ(dispatch_wait_path, 0),
	[NTO_CTL_PATH_LIST] = PATHREQ(dispatch_path_list, 0),
	/* connection set-up: RESOLVE + CONNECT_ATTACH (resolve_attach.c) */
	[NTO_CTL_RESOLVE_ATTACH] = {dispatch_resolve_attach, "resolve_attach",
				    sizeof(struct nto_ctl_resolve_attach) + 1,
				    NTO_CTL_MAX - sizeof(struct nto_ctl_hdr),
				    1},
	[NTO_CTL_CLIENT_INFO] =
		FIXED(dispatch_client_info, struct nto_ctl_id, 1),
	/* procmgr (procevent.c); ADOPT comes from an unregistered AUX peer */
	[NTO_CTL_PROC_EVENT] =
		FIXED(dispatch_proc_event, struct nto_ctl_proc_event, 1),
	[NTO_CTL_PROC_HANDOVER] =
		FIXED(dispatch_proc_handover, struct nto_ctl_handover, 0),
	/* time area */
	[NTO_CTL_EVENT_REGISTER] =
		FIXED(dispatch_event_register, struct nto_ctl_evreg, 1),
	[NTO_CTL_EVENT_UNREGISTER] =
		FIXED(dispatch_event_unregister, struct nto_ctl_id, 1),
	[NTO_CTL_EVENT_DELIVER] =
		FIXED(dispatch_event_deliver, struct nto_ctl_evdeliver, 1),
	[NTO_CTL_SHM_HANDLE_CREATE] =
		FIXED(dispatch_shm_handle_create, struct nto_ctl_shmh, 1),
	[NTO_CTL_SHM_HANDLE_OPEN] =
		FIXED(dispatch_shm_handle_open, struct nto_ctl_shmh, 1),
	/* restart area (restore.c) */
	[NTO_CTL_RESTORE_CHAN] =
		FIXED(dispatch_restore_chan, struct nto_ctl_rs_chan, 1),
	[NTO_CTL_RESTORE_SCONN] =
		FIXED(dispatch_restore_sconn, struct nto_ctl_rs_sconn, 1),
	[NTO_CTL_RESTORE_COID] =
		FIXED(dispatch_restore_coid, struct nto_ctl_rs_coid, 1),
	[NTO_CTL_RESTORE_PATH] = {dispatch_restore_path, "rs_path",
				  sizeof(struct nto_ctl_rs_path) + 1,
				  NTO_CTL_MAX - sizeof(struct nto_ctl_hdr), 1},
	[NTO_CTL_RESTORE_DONE] = {dispatch_restore_done, "rs_done", 0, 0, 1},
	[NTO_CTL_RESTORE_PROC] =
		FIXED(dispatch_restore_proc, struct nto_ctl_rs_proc, 1),
	[NTO_CTL_RESTORE_EVENT] =
		FIXED(dispatch_restore_event, struct nto_ctl_rs_event, 1),
	/* network manager (netmgr.c) */
	[NTO_CTL_NETMGR] = FIXED(dispatch_netmgr, struct nto_ctl_netmgr, 1),
	[NTO_CTL_NETMGR_ATTACH] =
		FIXED(dispatch_netmgr_attach, struct nto_ctl_netmgr_attach, 1),
	/* restart area, Qnet (netmgr.c) */
	[NTO_CTL_RESTORE_NET] =
		FIXED(dispatch_restore_net, struct nto_ctl_rs_net, 1),
	/* connection set-up (issue 10; connection.c) */
	[NTO_CTL_CONN_FDS] = FIXED(dispatch_conn_fds, struct nto_ctl_id, 1),
};

static void peer_destroy(struct peer *pe)
{
	TAILQ_REMOVE(&ipcd.peers, pe, link);
	ipcd.npeers--;
	if (pe->proc) {
		restore_proc_death(pe->proc); /* restart area */
		reaper_proc_death(pe->proc);
	}
	pathspace_drop_peer(pe);
	event_free(pe->rd_ev);
	event_free(pe->kill_ev);
	outq_free(pe); /* outq.c: unsent replies */
	if (!pe->quota_err)
		quota_give(pe->uid, NULL, QUOTA_PEERS, 1);
	close(pe->fd);
	free(pe);
}

static void peer_kill_cb(evutil_socket_t fd, short what, void *arg)
{
	peer_destroy(arg);
}

/* Schedule the drop: it runs from its own callback, so no caller ever has
 * a peer, process or list freed under it. */
void peer_drop(struct peer *pe, const char *why)
{
	if (pe->closing)
		return;
	pe->closing = 1;
	if (why)
		log_err("pid %d%s: %s: dropping the connection", (int)pe->pid,
			pe->aux ? " (aux)" : "", why);
	else
		log_dbg("pid %d%s: closed", (int)pe->pid,
			pe->aux ? " (aux)" : "");
	event_del(pe->rd_ev);
	event_active(pe->kill_ev, EV_TIMEOUT, 0);
}

static int peer_hung_up(struct peer *pe)
{
	struct pollfd pfd = {pe->fd, POLLIN | POLLRDHUP, 0};

	if (pe->closing)
		return 1;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	return !!(pfd.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

static int dispatch_hello(struct req *rq)
{
	const struct nto_ctl_hello *in = rq->data;
	struct nto_ctl_hello *out = rq->rbuf;
	struct peer *pe = rq->peer;
	struct proc *old;
	int rc;

	if (rq->len != sizeof(*in))
		return IPCD_DROP;
	rq->drop_after = 1; /* unless accepted below */
	if (pe->quota_err)  /* quota.c: over the uid's control sockets */
		return pe->quota_err;
	if (in->version != NTO_CTL_VERSION) {
		log_err("pid %d: protocol version %u, expected %u",
			(int)pe->pid, in->version, NTO_CTL_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (in->pid != 0 && in->pid != pe->pid) {
		log_err("pid %d: HELLO claims pid %d", (int)pe->pid,
			(int)in->pid);
		return -EPERM;
	}
	if (in->flags & NTO_HELLO_AUX) {
		pe->aux = 1;
	} else {
		old = proc_find(pe->pid);
		/* the old socket's EOF may simply not have been read yet */
		if (old && old->peer && peer_hung_up(old->peer)) {
			peer_destroy(old->peer);
			old = NULL;
		}
		if (old && !old->peer) { /* restart area: a ghost */
			rc = restore_adopt(old, pe);
			if (rc < 0)
				return rc;
		} else if (old) {
			log_err("pid %d: already registered, second HELLO "
				"refused",
				(int)pe->pid);
			return -EBUSY;
		} else {
			rc = proc_create(pe, &pe->proc);
			if (rc < 0)
				return rc;
			procevent_proc_create(pe->proc);
		}
		/* restart area: RESTORE_* claims follow */
		pe->proc->restoring = !!(in->flags & NTO_HELLO_RESTORE);
	}
	pe->hello = 1;
	rq->drop_after = 0;
	out->version = NTO_CTL_VERSION;
	out->pid = (int32_t)getpid();
	out->flags = 0;
	rq->rlen = sizeof(*out);
	log_info("pid %d%s: hello (uid %u)", (int)pe->pid,
		 pe->aux ? " (aux)" : "", (unsigned)pe->uid);
	return 0;
}

static void peer_dispatch(struct peer *pe, const struct nto_ctl_hdr *h,
			  const void *payload, const int *fds, int nfds)
{
	const struct handler *hd = NULL;
	struct req rq = {0};
	int st, rc, i;

	for (i = 0; i < nfds; i++) /* restart area: fds in, checked below */
		rq.in_fds[i] = fds[i];
	rq.in_nfds = nfds;
	rq.peer = pe;
	rq.type = h->type;
	rq.seq = h->seq;
	rq.data = payload;
	rq.len = h->len;
	rq.rbuf = txbuf.b + sizeof(struct nto_ctl_hdr);
	if (!pe->hello) {
		if (h->type != NTO_CTL_HELLO) {
			peer_drop(pe, "first request is not HELLO");
			return;
		}
		st = dispatch_hello(&rq);
	} else {
		if (h->type == 0 || h->type >= NTO_CTL_TYPE_MAX ||
		    !handlers[h->type].fn) {
			peer_drop(pe, h->type == NTO_CTL_HELLO
					      ? "second HELLO"
					      : "unknown request type");
			return;
		}
		hd = &handlers[h->type];
		if (h->len < hd->minlen || h->len > hd->maxlen) {
			peer_drop(pe, "request of the wrong size");
			return;
		}
		rq.proc = pe->aux ? proc_find(pe->pid) : pe->proc;
		if (hd->needs_proc && !rq.proc)
			st = -ESRCH;
		else
			st = hd->fn(&rq);
	}
	for (i = 0; i < rq.in_nfds; i++) /* fds no handler kept */
		if (rq.in_fds[i] >= 0)
			close(rq.in_fds[i]);
	if (st == IPCD_DROP) {
		peer_drop(pe, "malformed request");
		return;
	}
	log_dbg("pid %d: request %u seq %u -> %d", (int)pe->pid, h->type,
		h->seq, st);
	if (rq.noreply || (h->status & NTO_CTL_F_NOREPLY))
		return;
	if (st < 0) {
		rq.rlen = 0;
		rq.nfds = 0;
	}
	rc = peer_send(pe, h->type, h->seq, st, rq.rbuf, rq.rlen, rq.fds,
		       rq.nfds);
	if (rc < 0)
		peer_drop(pe,
			  rc == -EAGAIN ? "reply buffer full" : "reply failed");
	else if (rq.drop_after)
		peer_drop(pe, NULL);
}

/* ---- restart area: fds a RESTORE_* request carries ---- */
static void peer_close_fds(const int *fds, int n)
{
	while (n > 0)
		close(fds[--n]);
}

static int peer_take_fds(struct msghdr *mh, int *fds)
{
	struct cmsghdr *cm;
	int n = 0;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		const int *p = (const int *)CMSG_DATA(cm);
		size_t k, cnt;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < cnt; k++) {
			if (n < NTO_RS_FDS_MAX)
				fds[n++] = p[k];
			else
				close(p[k]);
		}
	}
	return n;
}
/* ---- end of the restart area ---- */

static void peer_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer *pe = arg;
	int i;

	for (i = 0; i < PACKETS_PER_WAKE && !pe->closing; i++) {
		struct iovec iov = {rxbuf.b, RX_MAX};
		struct msghdr mh = {0};
		struct nto_ctl_hdr h;
		union {
			struct cmsghdr align;
			char b[CMSG_SPACE(NTO_RS_FDS_MAX * sizeof(int))];
		} cbuf;
		int fds[NTO_RS_FDS_MAX], nfds = 0;
		ssize_t n;

		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		/* restart area: RESTORE_* requests carry fds; anything more
		 * than NTO_RS_FDS_MAX sets MSG_CTRUNC and drops the peer */
		mh.msg_control = cbuf.b;
		mh.msg_controllen = sizeof(cbuf);
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		nfds = n > 0 ? peer_take_fds(&mh, fds) : 0;
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			/* a process killed with a reply unread resets the
			 * socket: that is a death like EOF, not an error */
			peer_drop(pe, errno == ECONNRESET ? NULL
							  : "receive failed");
			return;
		}
		if (n == 0) {
			peer_drop(pe, NULL); /* EOF: the process is gone */
			return;
		}
		if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
		    (size_t)n > NTO_CTL_MAX) {
			peer_close_fds(fds, nfds);
			peer_drop(pe, "oversized packet or fds sent");
			return;
		}
		if ((size_t)n < sizeof(h)) {
			peer_close_fds(fds, nfds);
			peer_drop(pe, "short packet");
			return;
		}
		memcpy(&h, rxbuf.b, sizeof(h));
		if (h.len != (size_t)n - sizeof(h)) {
			peer_close_fds(fds, nfds);
			peer_drop(pe, "length field does not match the packet");
			return;
		}
		if (nfds > 0 && (!pe->hello || !restore_takes_fds(h.type))) {
			peer_close_fds(fds, nfds);
			peer_drop(pe,
				  "fds sent with a request that takes none");
			return;
		}
		peer_dispatch(pe, &h, rxbuf.b + sizeof(h), fds, nfds);
	}
}

static void peer_accept(int cfd)
{
	struct ucred cred;
	socklen_t sl = sizeof(cred);
	struct peer *pe;

	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &sl) < 0) {
		log_err("SO_PEERCRED: %s", strerror(errno));
		close(cfd);
		return;
	}
	if (cred.uid != geteuid() && cred.uid != 0) {
		log_err("pid %d: uid %u is not allowed (ipcd runs as %u)",
			(int)cred.pid, (unsigned)cred.uid, (unsigned)geteuid());
		close(cfd);
		return;
	}
	pe = calloc(1, sizeof(*pe));
	if (!pe) {
		close(cfd);
		return;
	}
	pe->fd = cfd;
	pe->pid = cred.pid;
	pe->uid = cred.uid;
	pe->gid = cred.gid;
	outq_init(pe);
	pe->quota_err = quota_take(pe->uid, NULL, pe->pid, QUOTA_PEERS, 1);
	pe->rd_ev = event_new(ipcd.base, cfd, EV_READ | EV_PERSIST,
			      peer_read_cb, pe);
	pe->kill_ev = event_new(ipcd.base, -1, 0, peer_kill_cb, pe);
	if (!pe->rd_ev || !pe->kill_ev || event_add(pe->rd_ev, NULL) < 0) {
		if (pe->rd_ev)
			event_free(pe->rd_ev);
		if (pe->kill_ev)
			event_free(pe->kill_ev);
		if (!pe->quota_err)
			quota_give(pe->uid, NULL, QUOTA_PEERS, 1);
		close(cfd);
		free(pe);
		return;
	}
	TAILQ_INSERT_TAIL(&ipcd.peers, pe, link);
	ipcd.npeers++;
}

static void accept_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	event_add(ipcd.listen_ev, NULL);
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct timeval tv = {0, 100000};

	for (;;) {
		int cfd =
			accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (cfd >= 0) {
			peer_accept(cfd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		/* out of fds or memory: pause accepting instead of spinning */
		log_err("accept: %s", strerror(errno));
		event_del(ipcd.listen_ev);
		evtimer_add(ipcd.accept_retry_ev, &tv);
		return;
	}
}

/* Refuse to start over a live ipcd; replace a stale socket file. */
static int peer_check_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("%s exists and is not a socket", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (rc == 0 || errno != ECONNREFUSED) {
		rc = rc == 0 ? -EADDRINUSE : -errno;
		close(fd);
		if (rc == -EADDRINUSE)
			log_err("another ipcd is already listening on %s",
				path);
		else
			log_err("%s: cannot probe the existing socket: %s",
				path, strerror(-rc));
		return rc == -EADDRINUSE ? rc : -EEXIST;
	}
	close(fd);
	log_info("removing stale socket %s", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int peer_listen(const char *path)
{
	struct sockaddr_un sa = {0};
	mode_t old;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	rc = peer_check_stale(path, &sa);
	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	old = umask(0177); /* the socket is created 0600 */
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0) {
		rc = -errno;
		log_err("bind %s: %s", path, strerror(-rc));
		close(fd);
		return rc;
	}
	if (listen(fd, 128) < 0) {
		rc = -errno;
		log_err("listen %s: %s", path, strerror(-rc));
		goto fail;
	}
	rc = peer_listen_fd(fd, path, 0);
	if (rc == 0)
		return 0;
fail:
	unlink(path);
	close(fd);
	return rc;
}

/* Socket activation (sdlisten.c) and peer_listen: accept on fd, a
 * listening socket bound to path. An inherited socket belongs to whoever
 * passed it (systemd): ipcd never unlinks its path. */
static int listen_inherited;

int peer_listen_fd(int fd, const char *path, int inherited)
{
	ipcd.listen_ev =
		event_new(ipcd.base, fd, EV_READ | EV_PERSIST, accept_cb, NULL);
	ipcd.accept_retry_ev = evtimer_new(ipcd.base, accept_retry_cb, NULL);
	if (!ipcd.listen_ev || !ipcd.accept_retry_ev ||
	    event_add(ipcd.listen_ev, NULL) < 0) {
		if (ipcd.listen_ev)
			event_free(ipcd.listen_ev);
		if (ipcd.accept_retry_ev)
			event_free(ipcd.accept_retry_ev);
		ipcd.listen_ev = ipcd.accept_retry_ev = NULL;
		return -ENOMEM;
	}
	ipcd.listen_fd = fd;
	listen_inherited = inherited;
	if (path != ipcd.sock_path)
		snprintf(ipcd.sock_path, sizeof(ipcd.sock_path), "%s", path);
	return 0;
}

/* Clean shutdown: every process is treated as dead (its clients and servers
 * see what they would see), then the socket goes away. */
void peer_shutdown(void)
{
	while (!TAILQ_EMPTY(&ipcd.peers))
		peer_destroy(TAILQ_FIRST(&ipcd.peers));
	if (ipcd.listen_ev)
		event_free(ipcd.listen_ev);
	if (ipcd.accept_retry_ev)
		event_free(ipcd.accept_retry_ev);
	ipcd.listen_ev = ipcd.accept_retry_ev = NULL;
	if (ipcd.listen_fd >= 0) {
		close(ipcd.listen_fd);
		ipcd.listen_fd = -1;
		if (!listen_inherited)
			unlink(ipcd.sock_path);
	}
}
