/*
 * libnto's side of the network manager contract (proto/netmgr.h): the
 * calls only the network manager makes (register, target, proxy attach,
 * proxied send and its cancel) and the netctl requests libnto sends it
 * (CHECK after a remote ConnectAttach). The node table is netmgr.c's.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include <sys/netmgr.h>

#include "internal.h"
#include "proto/netmgr.h"

NTO_EXPORT int nto_netmgr_register(int chid)
{
	struct nto_ctl_netmgr req = {NTO_NETMGR_REGISTER, chid};
	int rc = nto__ctl_call(NTO_CTL_NETMGR, &req, sizeof(req), NULL, 0, NULL,
			       NULL, 0, NULL);

	return rc < 0 ? rc : 0;
}

NTO_EXPORT int nto_netmgr_sever(int scoid)
{
	struct nto_ctl_netmgr req = {NTO_NETMGR_SEVER, scoid};
	int rc = nto__ctl_call(NTO_CTL_NETMGR, &req, sizeof(req), NULL, 0, NULL,
			       NULL, 0, NULL);

	return rc < 0 ? rc : 0;
}

NTO_EXPORT int nto_netmgr_target(int scoid, struct nto_netmgr_target *t)
{
	struct nto_ctl_netmgr req = {NTO_NETMGR_TARGET, scoid};
	struct nto_ctl_netmgr_target rep;
	size_t got = 0;
	int rc;

	if (!t)
		return -EFAULT;
	rc = nto__ctl_call(NTO_CTL_NETMGR, &req, sizeof(req), &rep, sizeof(rep),
			   &got, NULL, 0, NULL);
	if (rc >= 0 && got < sizeof(rep))
		rc = -EPROTO;
	if (rc < 0)
		return rc;
	memset(t, 0, sizeof(*t));
	t->nd = rep.nd;
	t->pid = rep.pid;
	t->chid = rep.chid;
	t->flags = rep.flags;
	t->client_pid = rep.client_pid;
	t->uid = rep.uid;
	t->gid = rep.gid;
	t->coid = rep.coid;
	return 0;
}

/* One netctl request on coid (a connection to the network manager's
 * channel): the reply's status, or -errno. */
static int netctl_send(int coid, const void *req, size_t len, void *rep,
		       size_t replen)
{
	struct nto__send_opts o = {.slot_flags = NTO_SLOTF_NETCTL};
	iov_t si = {(void *)req, len}, ri = {rep, replen};
	int status = 0, rc;

	rc = nto__msgsendv_opts(coid, &si, 1, &ri, rep ? 1 : 0, &o, &status);
	return rc < 0 ? rc : status;
}

int nto__netctl_check(int coid, uint32_t nd, pid_t pid, int chid)
{
	struct nto_netctl_hdr h = {NTO_NETCTL_MAGIC, NTO_NETCTL_CHECK};
	struct nto_coid *c = nto__coid_get(coid);
	int rc;

	if (!c)
		return -EBADF;
	/* a remote coid's connection is NOSHARE: this one is ours alone */
	c->conn->rpid = pid;
	c->conn->rchid = chid;
	c->conn->nd = nd;
	nto__coid_put(c);
	rc = netctl_send(coid, &h, sizeof(h), NULL, 0);
	return rc < 0 ? rc : 0;
}

NTO_EXPORT int nto_netmgr_attach(const struct nto_netmgr_proxy *px, pid_t pid,
				 int chid, unsigned flags)
{
	struct nto_ctl_netmgr_attach req;

	if (!px)
		return -EFAULT;
	memset(&req, 0, sizeof(req));
	req.nd = px->nd;
	req.srcnd = px->srcnd;
	req.rpid = px->pid;
	req.uid = px->uid;
	req.gid = px->gid;
	req.pid = pid;
	req.chid = chid;
	req.flags = flags;
	return nto__attach_ctl(NTO_CTL_NETMGR_ATTACH, &req, sizeof(req),
			       &req.coid, _NTO_SIDE_CHANNEL, (int)flags);
}

/*
 * Cancellable proxied sends. A call in progress is in `calls` with the
 * futex word its thread sleeps on now; nto_netmgr_cancel sets call->cancel
 * and wakes that word until the sending thread says it saw the flag, so a
 * cancel that lands between the sender's look and its sleep is never lost
 * (the word itself is the slot's, which only the protocol may change).
 */
struct call_ent {
	struct nto_netmgr_call *call;
	_Atomic(_Atomic uint32_t *) word;
	_Atomic int seen;
	struct call_ent *next;
};
static pthread_mutex_t calls_lock = PTHREAD_MUTEX_INITIALIZER;
static struct call_ent *calls;

static void call_enter(struct call_ent *e, struct nto_netmgr_call *call)
{
	e->call = call;
	atomic_init(&e->word, NULL);
	atomic_init(&e->seen, 0);
	pthread_mutex_lock(&calls_lock);
	e->next = calls;
	calls = e;
	pthread_mutex_unlock(&calls_lock);
}

static void call_leave(struct call_ent *e)
{
	struct call_ent **pp;

	pthread_mutex_lock(&calls_lock);
	for (pp = &calls; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	pthread_mutex_unlock(&calls_lock);
}

/* The sender's side needs no lock: its entry is its own (o->cancel_ent)
 * and stays listed until call_leave, which the canceller's walk (under
 * calls_lock) is ordered against. */
void nto__call_waiting(const struct nto__send_opts *o, _Atomic uint32_t *word)
{
	struct call_ent *e = o->cancel_ent;

	if (e)
		atomic_store(&e->word, word);
}

int nto__call_cancelled(const struct nto__send_opts *o)
{
	struct call_ent *e = o->cancel_ent;

	if (!atomic_load(&o->call->cancel))
		return 0;
	if (e)
		atomic_store(&e->seen, 1);
	return 1;
}

NTO_EXPORT void nto_netmgr_cancel(struct nto_netmgr_call *call)
{
	uint64_t deadline = nto__now_ns() + 10ull * 1000000000ull;

	if (!call)
		return;
	atomic_store(&call->cancel, 1);
	for (;;) {
		struct call_ent *e;
		_Atomic uint32_t *w = NULL;
		int done = 1;

		pthread_mutex_lock(&calls_lock);
		for (e = calls; e; e = e->next)
			if (e->call == call && !atomic_load(&e->seen)) {
				done = 0;
				w = atomic_load(&e->word);
				if (w)
					nto__futex_wake(w, INT32_MAX);
			}
		pthread_mutex_unlock(&calls_lock);
		/* bounded: a sender that never runs again is not ours to
		 * wait for (it sees the flag whenever it does) */
		if (done || nto__now_ns() >= deadline)
			return;
		sched_yield();
	}
}

NTO_EXPORT int nto_netmgr_sendv(int coid, struct nto_netmgr_call *call, int tid,
				int prio, const struct nto_reqid *id,
				const iov_t *siov, int sparts,
				const iov_t *riov, int rparts,
				size_t *reply_len, int *received)
{
	struct call_ent e;
	struct nto__send_opts o = {0,	 tid, prio,	reply_len,
				   call, id,  received, call ? &e : NULL};
	int status = 0, rc;

	if (reply_len)
		*reply_len = 0;
	if (received)
		*received = 0;
	if (prio < 0 || prio > 255)
		return -EINVAL;
	if (call) {
		call_enter(&e, call);
		atomic_store(&call->tid, nto__tid()); /* ours, while it sends */
		if (nto__call_cancelled(&o)) {	      /* before it started */
			atomic_store(&call->tid, 0);
			call_leave(&e);
			return -EINTR;
		}
	}
	rc = nto__msgsendv_opts(coid, siov, sparts, riov, rparts, &o, &status);
	if (call) {
		atomic_store(&call->tid, 0);
		call_leave(&e);
	}
	return rc < 0 ? rc : status;
}

NTO_EXPORT int nto_netmgr_resolve(const char *path,
				  struct nto_ctl_resolve_ent *ents, int max)
{
	if (!path || !ents || max < 0)
		return -EFAULT;
	return nto__resolve(path, ents, max);
}

/*
 * libnto's own connection to the network manager (for EVENT, NAME and
 * RESOLVE; a remote ConnectAttach's CHECK goes on the new coid instead):
 * found through ipcd (NETMGR FIND), kept, and found again once if it
 * went dead (the network manager restarted).
 */
static pthread_mutex_t nm_lock = PTHREAD_MUTEX_INITIALIZER;
static int nm_coid = -1;
static pid_t nm_owner; /* the process that attached it (fork) */

static int netmgr_coid(int fresh)
{
	struct nto_ctl_netmgr req = {NTO_NETMGR_FIND, 0};
	struct nto_ctl_netmgr_target rep;
	size_t got = 0;
	int rc;

	pthread_mutex_lock(&nm_lock);
	if (nm_owner != nto__pid())
		nm_coid = -1; /* a forked child: the parent's coid is gone */
	if (fresh && nm_coid >= 0) {
		(void)ConnectDetach_r(nm_coid);
		nm_coid = -1;
	}
	if (nm_coid >= 0) {
		rc = nm_coid;
		goto out;
	}
	rc = nto__ctl_call(NTO_CTL_NETMGR, &req, sizeof(req), &rep, sizeof(rep),
			   &got, NULL, 0, NULL);
	if (rc >= 0 && got < sizeof(rep))
		rc = -EPROTO;
	if (rc < 0)
		goto out;
	rc = ConnectAttach_r(0, rep.pid, rep.chid, _NTO_SIDE_CHANNEL,
			     _NTO_COF_CLOEXEC);
	if (rc >= 0) {
		nm_coid = rc;
		nm_owner = nto__pid();
	}
out:
	pthread_mutex_unlock(&nm_lock);
	return rc;
}

/* One netctl request to the network manager: its status or -errno
 * (ENOREMOTE: none registered). */
static int netctl_call(const void *req, size_t len, void *rep, size_t replen)
{
	int coid = netmgr_coid(0), rc;

	if (coid < 0)
		return coid;
	rc = netctl_send(coid, req, len, rep, replen);
	if (rc == -EBADF || rc == -ESRCH) { /* it went away: once more */
		coid = netmgr_coid(1);
		if (coid < 0)
			return coid;
		rc = netctl_send(coid, req, len, rep, replen);
	}
	return rc;
}

int nto__netctl_event(uint32_t nd, pid_t pid, const struct sigevent *ev)
{
	struct nto_netctl_event req;

	memset(&req, 0, sizeof(req));
	req.hdr.magic = NTO_NETCTL_MAGIC;
	req.hdr.op = NTO_NETCTL_EVENT;
	req.nd = nd;
	req.pid = pid;
	req.event = *ev;
	return netctl_call(&req, sizeof(req), NULL, 0);
}

/* A NTO_NETCTL_RESOLVE or NAME request for path, in buf. Its length. */
static size_t netctl_path_req(char *buf, uint32_t op, uint32_t nd,
			      uint32_t flags, const char *path, size_t plen)
{
	struct nto_netctl_resolve *r = (struct nto_netctl_resolve *)buf;

	memset(r, 0, sizeof(*r));
	r->hdr.magic = NTO_NETCTL_MAGIC;
	r->hdr.op = op;
	r->nd = nd;
	r->flags = flags;
	memcpy(r->path, path, plen + 1);
	return sizeof(*r) + plen + 1;
}

int nto__netctl_resolve(uint32_t nd, const char *path,
			struct nto_ctl_resolve_ent *ents, int max)
{
	char buf[sizeof(struct nto_netctl_resolve) + NTO_PATH_MAX];
	char rbuf[sizeof(struct nto_ctl_resolve_rep) +
		  NTO_RESOLVE_MAX * sizeof(struct nto_ctl_resolve_ent)];
	struct nto_ctl_resolve_rep *rep = (struct nto_ctl_resolve_rep *)rbuf;
	size_t plen = strlen(path), len;
	uint32_t i;
	int rc;

	if (plen >= NTO_PATH_MAX)
		return -ENAMETOOLONG;
	len = netctl_path_req(buf, NTO_NETCTL_RESOLVE, nd, 0, path, plen);
	memset(rbuf, 0, sizeof(rbuf));
	rc = netctl_call(buf, len, rbuf, sizeof(rbuf));
	if (rc < 0)
		return rc;
	/* the network manager's answer is untrusted: n bounded by what we
	 * can hold, each entry used only after the caller's own checks */
	for (i = 0; i < rep->n && (int)i < max && i < NTO_RESOLVE_MAX; i++)
		ents[i] = rep->ent[i];
	return (int)i;
}

int nto__netctl_name(const char *name, unsigned flags)
{
	char buf[sizeof(struct nto_netctl_resolve) + NTO_PATH_MAX];
	struct nto_netctl_name_rep rep;
	size_t plen = strlen(name), len;
	int rc;

	if (plen >= NTO_PATH_MAX)
		return -ENAMETOOLONG;
	len = netctl_path_req(buf, NTO_NETCTL_NAME, 0, flags, name, plen);
	memset(&rep, 0, sizeof(rep));
	rc = netctl_call(buf, len, &rep, sizeof(rep));
	if (rc < 0)
		return rc;
	return ConnectAttach_r(rep.nd, rep.pid, rep.chid, _NTO_SIDE_CHANNEL,
			       _NTO_COF_CLOEXEC);
}

int nto__net_path(const char *path, uint32_t *nd, const char **rest)
{
	char *end = NULL;
	int saved = errno, r;

	if (strncmp(path, "/net/", 5) != 0)
		return 0;
	r = netmgr_strtond(path, &end);
	errno = saved;
	if (r < 0 || !end)
		return 0; /* not a node we know: the path space answers */
	*nd = (uint32_t)r;
	*rest = end;
	return 1;
}
