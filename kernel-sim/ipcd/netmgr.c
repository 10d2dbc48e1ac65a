/*
 * The network manager's side of ipcd (issue 13, Qnet; proto/netmgr.h):
 * the one registration per ipcd, the channel a remote ConnectAttach
 * (nd != 0) connects to and the target its coid keeps, and proxy
 * connections (NETMGR_ATTACH): the registered network manager attached to
 * a local channel as a remote process, one connection per (nd, pid) per
 * channel. Nothing here carries messages.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/neutrino.h>
#include <unistd.h>

#include "ipcd/internal.h"

/* The registration: a process (by pid and serial, so a recycled pid or a
 * dead process never holds it) and its channel. */
static struct {
	pid_t pid;
	uint64_t serial;
	int chid;
} reg = {0, 0, -1};

/* The live network manager and its channel, or NULL: the mark dies with
 * the process and with the channel. */
struct proc *netmgr_proc(struct chan **chp)
{
	struct proc *p;
	struct chan *ch;

	if (reg.pid <= 0)
		return NULL;
	p = proc_find(reg.pid);
	if (!p || p->serial != reg.serial || !p->peer) {
		reg.pid = 0;
		return NULL;
	}
	ch = chan_lookup(p, reg.chid);
	if (!ch) {
		reg.pid = 0;
		return NULL;
	}
	if (chp)
		*chp = ch;
	return p;
}

static int netmgr_register(struct req *rq, int chid)
{
	struct proc *p = rq->proc, *cur = netmgr_proc(NULL);

	if (p->uid != 0 && p->uid != geteuid())
		return -EPERM;
	if (cur && cur != p)
		return -EBUSY;
	if (!chan_lookup(p, chid))
		return -ESRCH;
	reg.pid = p->pid;
	reg.serial = p->serial;
	reg.chid = chid;
	log_info("pid %d (chid %d) is the network manager", (int)p->pid, chid);
	return 0;
}

/* The coid of c's client that names it (a remote coid's connection is
 * never shared), or NULL. */
static struct coid *conn_coid(struct conn *c)
{
	struct coid *co;

	if (!c->client)
		return NULL;
	TAILQ_FOREACH(co, &c->client->coids, link)
	{
		if (co->conn == c)
			return co;
	}
	return NULL;
}

static int netmgr_target(struct req *rq, int scoid)
{
	struct nto_ctl_netmgr_target *out = rq->rbuf;
	struct chan *ch;
	struct proc *p = netmgr_proc(&ch);
	struct conn *c;
	struct coid *co;

	if (p != rq->proc)
		return -EPERM;
	c = scoid_lookup(p, scoid);
	if (!c || c->chan != ch)
		return -ESRCH;
	co = conn_coid(c);
	if (!co || co->nd == 0)
		return -ESRCH;
	out->nd = co->nd;
	out->pid = co->rpid;
	out->chid = co->rchid;
	out->flags = co->rflags;
	out->client_pid = c->client_pid;
	out->uid = c->client_uid;
	out->gid = c->client_gid;
	out->coid = co->coid;
	rq->rlen = sizeof(*out);
	return 0;
}

/* The remote server behind scoid is gone for the network manager: its
 * client sees what a local server's death shows (libha recovers on it). */
static int netmgr_sever(struct req *rq, int scoid)
{
	struct chan *ch;
	struct proc *p = netmgr_proc(&ch);
	struct conn *c;

	if (p != rq->proc)
		return -EPERM;
	c = scoid_lookup(p, scoid);
	if (!c || c->chan != ch)
		return -ESRCH;
	log_dbg("network manager severs scoid %#x (client pid %d)", scoid,
		(int)c->client_pid);
	conn_server_gone(c);
	return 0;
}

/* Anyone may ask where the network manager listens (libnto's netctl). */
static int netmgr_find(struct req *rq)
{
	struct nto_ctl_netmgr_target *out = rq->rbuf;
	struct chan *ch;
	struct proc *p = netmgr_proc(&ch);

	if (!p)
		return -ENOREMOTE;
	memset(out, 0, sizeof(*out));
	out->pid = p->pid;
	out->chid = ch->chid;
	rq->rlen = sizeof(*out);
	return 0;
}

int dispatch_netmgr(struct req *rq)
{
	const struct nto_ctl_netmgr *in = rq->data;

	switch (in->op) {
	case NTO_NETMGR_REGISTER:
		return netmgr_register(rq, in->id);
	case NTO_NETMGR_TARGET:
		return netmgr_target(rq, in->id);
	case NTO_NETMGR_FIND:
		return netmgr_find(rq);
	case NTO_NETMGR_SEVER:
		return netmgr_sever(rq, in->id);
	default:
		return -EINVAL;
	}
}

/* A remote ConnectAttach: the network manager's channel, or ENOREMOTE
 * without one. The caller makes the connection NOSHARE. */
int netmgr_remote_target(struct proc **sp, struct chan **ch)
{
	*sp = netmgr_proc(ch);
	return *sp ? 0 : -ENOREMOTE;
}

void netmgr_coid_note(struct coid *co, const struct nto_ctl_attach *in)
{
	co->nd = in->nd;
	co->rpid = in->pid;
	co->rchid = in->chid;
	co->rflags = in->flags;
}

/* p's proxy connection to ch for the remote process (nd, rpid), if any */
static struct conn *proxy_find(struct proc *p, struct chan *ch, uint32_t nd,
			       pid_t rpid)
{
	struct conn *c;

	TAILQ_FOREACH(c, &p->cconns, clink)
	{
		if (c->chan == ch && c->proxy && c->px_nd == nd &&
		    c->client_pid == rpid)
			return c;
	}
	return NULL;
}

/* c stands for the remote process (nd, rpid) with its credentials. */
static void proxy_mark(struct conn *c, uint32_t nd, uint32_t srcnd, pid_t rpid,
		       uid_t uid, gid_t gid)
{
	c->proxy = 1;
	c->noshare = 1;
	c->px_nd = nd;
	c->px_srcnd = srcnd;
	c->client_pid = rpid;
	c->client_uid = uid;
	c->client_gid = gid;
}

/* A new proxy connection: the server sees the remote process. */
static int proxy_create(struct proc *p, struct chan *ch,
			const struct nto_ctl_netmgr_attach *in,
			struct conn **out)
{
	struct conn *c;
	int rc = conn_create(p, ch, 1, &c); /* never shared with p's own */

	if (rc < 0)
		return rc;
	proxy_mark(c, in->nd, in->srcnd, in->rpid, in->uid, in->gid);
	c->r->hdr.client_pid = in->rpid;
	ch->r->conn[c->tindex].client_pid = in->rpid;
	*out = c;
	return 0;
}

int dispatch_netmgr_attach(struct req *rq)
{
	const struct nto_ctl_netmgr_attach *in = rq->data;
	struct proc *p = rq->proc, *sp;
	struct chan *ch = NULL;
	struct conn *c;
	struct coid *co;
	int fresh = 0, rc;

	if (netmgr_proc(NULL) != p)
		return -EPERM;
	if (in->nd == 0 || in->rpid <= 0 || (in->flags & ~_NTO_COF_CLOEXEC))
		return -EINVAL;
	if (in->coid != -1 &&
	    (in->coid < 0 || in->coid >= SIDE_BIT || coid_lookup(p, in->coid)))
		return -EINVAL;
	sp = proc_find(in->pid);
	if (sp)
		ch = chan_lookup(sp, in->chid);
	if (!ch)
		return -ESRCH;
	rc = coid_new(p, in->coid, &co);
	if (rc < 0)
		return rc;
	c = proxy_find(p, ch, in->nd, in->rpid);
	if (!c) {
		rc = proxy_create(p, ch, in, &c);
		if (rc < 0) {
			coid_abandon(co);
			return rc;
		}
		fresh = 1;
	}
	c->refs++;
	coid_link(co, c, in->flags);
	attach_reply(rq, co, c, ch, sp->pid, fresh);
	log_dbg("network manager: coid %#x -> pid %d chid %d as nd %u pid %d "
		"(conn %u%s)",
		co->coid, (int)sp->pid, ch->chid, in->nd, (int)in->rpid, c->id,
		fresh ? ", new" : "");
	return 0;
}

/* ---- a restarted ipcd (RESTORE_NET; docs/protocol.md section 7) ----
 * What a survivor re-tells about Qnet beyond its plain objects: the
 * target of a remote coid (after the coid itself), the network manager's
 * proxy coids, a server's proxy connections. A proxy connection's client
 * is the network manager (a ghost until it re-tells), never the remote
 * pid it stands for, which names no process of this node. */

void restore_proxy_mark(struct conn *c, const struct nto_ctl_rs_net *px)
{
	proxy_mark(c, px->nd, px->srcnd, px->rpid, px->uid, px->gid);
}

/* The client's own word about its own coid: a lie costs only that coid
 * (TARGET hands the network manager what the client could have named in
 * a ConnectAttach anyway). */
static int restore_remote(struct req *rq, const struct nto_ctl_rs_net *in)
{
	struct coid *co;
	int rc = rs_check(rq, 0);

	if (rc == 0 && (in->nd == 0 || in->rpid <= 0 || in->rchid < 0))
		rc = -EINVAL;
	co = rc == 0 ? coid_lookup(rq->proc, in->coid.coid) : NULL;
	if (rc == 0 && !co)
		rc = -EBADF;
	if (rc == 0 && co->nd)
		rc = -EBUSY; /* re-told twice */
	if (rc == 0) {
		co->conn->noshare = 1; /* as every remote coid's */
		co->nd = in->nd;
		co->rpid = in->rpid;
		co->rchid = in->rchid;
		co->rflags = in->rflags;
	}
	return rs_result(rq, rc, "remote coid", in->coid.coid);
}

int dispatch_restore_net(struct req *rq)
{
	const struct nto_ctl_rs_net *in = rq->data;

	switch (in->what) {
	case NTO_RS_NET_REMOTE:
		return restore_remote(rq, in);
	case NTO_RS_NET_PROXY:
		if (in->nd == 0 || in->rpid <= 0)
			return rs_result(rq, -EINVAL, "proxy coid",
					 in->coid.coid);
		return restore_coid(rq, &in->coid, in);
	case NTO_RS_NET_SCONN:
		if (in->nd == 0 || in->rpid != in->sconn.client_pid)
			return rs_result(rq, -EINVAL, "proxy scoid",
					 in->sconn.scoid);
		return restore_sconn(rq, &in->sconn, in);
	default:
		return IPCD_DROP;
	}
}
