/*
 * The server's node: ntosim-qnet stands in for every remote client. Each
 * binding is a coid attached "as" the remote process (nto_netmgr_attach),
 * so the server sees the remote nd, pid and credentials; each remote send
 * runs in a thread blocked in nto_netmgr_sendv, as the remote client's
 * thread would be: the link's reader that read it (link.c hands the link
 * to another reader), or the next free pool thread when every one is busy.
 * The client's node side is cproxy.c.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "qnet/qnet.h"

#define NHASH 1024

/* A coid attached on behalf of a remote process's connection. */
struct proxy {
	LIST_ENTRY(proxy) hl;
	struct qlink *l;
	unsigned lgen;
	int binding;	  /* our coid */
	int client_scoid; /* the client node's scoid (events name it) */
	pid_t rpid;	  /* the remote client */
	pid_t spid;	  /* the local server */
	int chid;
	unsigned refs; /* calls and pulses using the coid */
	int gone;      /* DETACH or link down: detach when refs drop to 0 */
};

/* One remote send in progress (or queued for a worker). */
struct call {
	LIST_ENTRY(call) hl;
	struct qjob job; /* when no reader could run it at once */
	uint64_t id;
	struct qlink *l;
	struct proxy *px;
	struct nto_netmgr_call c;
	unsigned char *body; /* struct qn_send + message */
	size_t len;
	unsigned refs; /* its thread, and each canceller at work */
};

static LIST_HEAD(, proxy) proxies[NHASH];
static LIST_HEAD(, call) calls[NHASH];

static struct proxy *proxy_find(const struct qlink *l, int binding)
{
	struct proxy *px;

	LIST_FOREACH(px, &proxies[(unsigned)binding % NHASH], hl)
	if (px->l == l && px->binding == binding && !px->gone)
		return px;
	return NULL;
}

static struct call *call_find(const struct qlink *l, uint64_t id)
{
	struct call *c;

	LIST_FOREACH(c, &calls[id % NHASH], hl)
	if (c->l == l && c->id == id)
		return c;
	return NULL;
}

static void call_unref_locked(struct call *c)
{
	if (--c->refs)
		return;
	free(c->body);
	free(c);
}

/* Cancel calls outside the lock (nto_netmgr_cancel waits, boundedly, for
 * the sending thread to notice): each holds a reference meanwhile. */
static void calls_cancel(struct call **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		nto_netmgr_cancel(&v[i]->c);
	pthread_mutex_lock(&Q.mu);
	for (i = 0; i < n; i++)
		call_unref_locked(v[i]);
	pthread_mutex_unlock(&Q.mu);
}

/* Drop a reference; the last one of a gone proxy detaches it. Q.mu held;
 * returns the coid to ConnectDetach (outside the lock), or -1. */
static int proxy_unref_locked(struct proxy *px)
{
	int coid;

	if (--px->refs || !px->gone)
		return -1;
	coid = px->binding;
	LIST_REMOVE(px, hl);
	free(px);
	return coid;
}

/* Collect (with a reference each) the calls of px, or of every proxy of
 * link l when px is NULL, for calls_cancel. Q.mu held. */
static size_t calls_of_locked(const struct proxy *px, const struct qlink *l,
			      struct call ***out)
{
	struct call **v = NULL, *c;
	size_t n = 0, cap = 0;
	unsigned i;

	for (i = 0; i < NHASH; i++)
		LIST_FOREACH(c, &calls[i], hl)
		{
			if (px ? c->px != px : c->l != l)
				continue;
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 16;
				struct call **nv = realloc(v, nc * sizeof(*v));

				if (!nv)
					break;
				v = nv;
				cap = nc;
			}
			c->refs++;
			v[n++] = c;
		}
	*out = v;
	return n;
}

/* The proxy's remote client is gone: detach when its calls are done (the
 * caller cancels them). Q.mu held; returns a coid to detach now, or -1. */
static int proxy_gone_locked(struct proxy *px)
{
	px->gone = 1;
	return proxy_unref_locked(px); /* the binding's own reference */
}

static void answer(struct qlink *l, uint32_t type, uint64_t id, int status,
		   int err, int value, int value2)
{
	struct qframe *f = qn_frame_new(type, id, sizeof(struct qn_result));
	struct qn_result *r;

	if (!f)
		return;
	r = qn_frame_body(f);
	r->status = status;
	r->err = err;
	r->value = value;
	r->value2 = value2;
	qn_link_send(l, f);
}

static void attach_take(struct qlink *l, uint64_t id, const struct qn_attach *a)
{
	struct nto_netmgr_proxy px = {l->node.nd, a->srcnd, a->client_pid,
				      a->uid, a->gid};
	struct proxy *p;
	int coid;

	coid = nto_netmgr_attach(&px, a->pid, a->chid,
				 a->flags & ~(unsigned)_NTO_COF_CLOEXEC);
	if (coid < 0) {
		answer(l, QN_ATTACH_REP, id, 0, -coid, -1, 0);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		ConnectDetach(coid);
		answer(l, QN_ATTACH_REP, id, 0, ENOMEM, -1, 0);
		return;
	}
	p->l = l;
	p->binding = coid;
	p->client_scoid = a->client_scoid;
	p->rpid = a->client_pid;
	p->spid = a->pid;
	p->chid = a->chid;
	p->refs = 1; /* the binding itself */
	pthread_mutex_lock(&Q.mu);
	p->lgen = l->gen;
	LIST_INSERT_HEAD(&proxies[(unsigned)coid % NHASH], p, hl);
	pthread_mutex_unlock(&Q.mu);
	answer(l, QN_ATTACH_REP, id, 0, 0, coid, 0);
}

/* Run one remote send, as its client's thread would. */
static void call_run(struct call *c)
{
	const struct qn_send *s = (const void *)c->body;
	struct nto_reqid id = {s->id_client, s->id_seq, s->id_done};
	size_t rbytes = s->rbytes, rlen = 0;
	struct qn_result *r;
	struct qframe *f;
	iov_t siov, riov;
	int rc, received = 1, coid;

	if (rbytes > NTO_MSG_MAX)
		rbytes = NTO_MSG_MAX;
	f = qn_frame_new(QN_REPLY, c->id, sizeof(*r) + rbytes);
	if (!f) {
		answer(c->l, QN_REPLY, c->id, 0, ENOMEM, 0, 0);
		goto out;
	}
	r = qn_frame_body(f);
	memset(r, 0, sizeof(*r));
	SETIOV(&siov, (void *)(s + 1), c->len - sizeof(*s));
	SETIOV(&riov, r + 1, rbytes);
	rc = nto_netmgr_sendv(c->px->binding, &c->c, s->tid, s->prio,
			      s->has_id ? &id : NULL, &siov, 1, &riov, 1, &rlen,
			      &received);
	if (rc < 0) {
		struct _server_info si;

		r->err = -rc;
		r->value2 = received;
		/* the server died (its connection is dead), as opposed to
		 * a live server answering this errno itself */
		r->value = ConnectServerInfo_r(0, c->px->binding, &si) !=
				   c->px->binding ||
			   (si.flags & _NTO_COF_DEAD);
		rlen = 0;
	} else {
		r->status = rc;
		if (rlen > rbytes)
			rlen = rbytes;
	}
	f->len = sizeof(struct qn_hdr) + sizeof(*r) + rlen;
	f->h->len = (uint32_t)(sizeof(*r) + rlen);
	qn_link_send(c->l, f);
out:
	pthread_mutex_lock(&Q.mu);
	LIST_REMOVE(c, hl);
	coid = proxy_unref_locked(c->px);
	free(c->body);
	c->body = NULL;
	call_unref_locked(c);
	pthread_mutex_unlock(&Q.mu);
	if (coid >= 0)
		ConnectDetach(coid);
}

static void call_job(struct qjob *j)
{
	call_run((struct call *)((char *)j - offsetof(struct call, job)));
}

int qn_sproxy_send(struct qlink *l, uint64_t id, unsigned char **body,
		   size_t len, struct qstream *st)
{
	const struct qn_send *s = (const void *)*body;
	struct proxy *px;
	struct call *c;

	pthread_mutex_lock(&Q.mu);
	px = proxy_find(l, s->binding);
	if (!px || call_find(l, id)) {
		pthread_mutex_unlock(&Q.mu);
		/* the binding is gone (its server died, or it was never
		 * made): as a send on a dead coid, never received */
		answer(l, QN_REPLY, id, 0, EBADF, 1, 0);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		pthread_mutex_unlock(&Q.mu);
		answer(l, QN_REPLY, id, 0, ENOMEM, 0, 0);
		return 0;
	}
	c->id = id;
	c->l = l;
	c->px = px;
	c->body = *body;
	c->len = len;
	c->refs = 1;
	*body = NULL;
	px->refs++;
	LIST_INSERT_HEAD(&calls[id % NHASH], c, hl);
	pthread_mutex_unlock(&Q.mu);
	/* only now may another thread read the link: an UNBLOCK or DETACH
	 * that follows this SEND finds the call */
	if (qn_link_handoff(st)) {
		call_run(c);
		return 1;
	}
	pthread_mutex_lock(&Q.mu);
	c->job.run = call_job;
	qn_pool_queue_locked(&c->job);
	pthread_mutex_unlock(&Q.mu);
	return 0;
}

static void pulse_take(struct qlink *l, const struct qn_pulse *p)
{
	struct proxy *px;
	int coid;

	if (p->code < _PULSE_CODE_MINAVAIL || p->code > _PULSE_CODE_MAXAVAIL)
		return; /* kernel codes cannot be carried */
	pthread_mutex_lock(&Q.mu);
	px = proxy_find(l, p->binding);
	if (px)
		px->refs++;
	pthread_mutex_unlock(&Q.mu);
	if (!px)
		return;
	if (MsgSendPulse(px->binding, p->prio, p->code, p->value) < 0)
		qn_dbg("pulse to coid %#x: %s", px->binding, strerror(errno));
	pthread_mutex_lock(&Q.mu);
	coid = proxy_unref_locked(px);
	pthread_mutex_unlock(&Q.mu);
	if (coid >= 0)
		ConnectDetach(coid);
}

static void detach_take(struct qlink *l, const struct qn_binding *b)
{
	struct call **v = NULL;
	struct proxy *px;
	size_t n = 0;
	int coid = -1;

	pthread_mutex_lock(&Q.mu);
	px = proxy_find(l, b->binding);
	qn_dbg("DETACH of binding %#x from %s: %s", b->binding, l->node.name,
	       px ? "detaching" : "no such binding");
	if (px) {
		n = calls_of_locked(px, NULL, &v);
		coid = proxy_gone_locked(px);
	}
	pthread_mutex_unlock(&Q.mu);
	calls_cancel(v, n);
	free(v);
	if (coid >= 0)
		ConnectDetach(coid);
}

/* RESOLVE and NAME: this node's pathname space, for another node. */
static void resolve_take(struct qlink *l, const struct qn_hdr *h,
			 const unsigned char *body)
{
	const struct qn_path *qp = (const void *)body;
	struct nto_ctl_resolve_ent ents[NTO_RESOLVE_MAX];
	char path[NTO_PATH_MAX + 32];
	struct qn_result *r;
	struct qframe *f;
	int n;

	/* frame.c: the path is NUL-terminated, shorter than NTO_PATH_MAX */
	if (h->type == QN_NAME) {
		if (strchr(qp->path, '/') || !qp->path[0]) {
			answer(l, QN_NAME_REP, h->id, 0, EINVAL, 0, 0);
			return;
		}
		snprintf(path, sizeof(path), "/dev/name/global/%s", qp->path);
	} else {
		snprintf(path, sizeof(path), "%s", qp->path);
	}
	n = nto_netmgr_resolve(path, ents, NTO_RESOLVE_MAX);
	if (h->type == QN_NAME) {
		if (n <= 0)
			answer(l, QN_NAME_REP, h->id, 0, n < 0 ? -n : ENOENT, 0,
			       0);
		else
			answer(l, QN_NAME_REP, h->id, 0, 0, ents[0].pid,
			       ents[0].chid);
		return;
	}
	if (n < 0) {
		answer(l, QN_RESOLVE_REP, h->id, 0, -n, 0, 0);
		return;
	}
	f = qn_frame_new(QN_RESOLVE_REP, h->id,
			 sizeof(*r) + sizeof(struct nto_ctl_resolve_rep) +
				 (size_t)n * sizeof(ents[0]));
	if (!f)
		return;
	r = qn_frame_body(f);
	memset(r, 0, sizeof(*r));
	{
		struct nto_ctl_resolve_rep *rep = (void *)(r + 1);

		rep->n = (uint32_t)n;
		memcpy(rep->ent, ents, (size_t)n * sizeof(ents[0]));
	}
	qn_link_send(l, f);
}

void qn_sproxy_frame(struct qlink *l, const struct qn_hdr *h,
		     unsigned char **body)
{
	struct call *c;

	switch (h->type) {
	case QN_ATTACH:
		attach_take(l, h->id, (const void *)*body);
		break;
	case QN_UNBLOCK:
		pthread_mutex_lock(&Q.mu);
		c = call_find(l, h->id);
		if (c)
			c->refs++;
		pthread_mutex_unlock(&Q.mu);
		if (c)
			calls_cancel(&c, 1);
		break;
	case QN_PULSE:
		pulse_take(l, (const void *)*body);
		break;
	case QN_DETACH:
		detach_take(l, (const void *)*body);
		break;
	case QN_RESOLVE:
	case QN_NAME:
		resolve_take(l, h, *body);
		break;
	}
}

/* Every remote client behind generation `gen` of l is gone for us: as
 * when a local client dies, its servers see UNBLOCK and DISCONNECT. */
void qn_sproxy_link_down(struct qlink *l, unsigned gen)
{
	int *det = NULL;
	size_t n = 0, cap = 0, i, ncalls;
	struct call **cv = NULL;
	struct proxy *px, *nx;
	unsigned h;

	pthread_mutex_lock(&Q.mu);
	ncalls = calls_of_locked(NULL, l, &cv);
	for (h = 0; h < NHASH; h++)
		for (px = LIST_FIRST(&proxies[h]); px; px = nx) {
			int coid;

			nx = LIST_NEXT(px, hl);
			if (px->l != l || px->lgen > gen || px->gone)
				continue;
			coid = proxy_gone_locked(px);
			if (coid < 0)
				continue;
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 64;
				int *nd = realloc(det, nc * sizeof(*det));

				if (!nd) {
					ConnectDetach(coid);
					continue;
				}
				det = nd;
				cap = nc;
			}
			det[n++] = coid;
		}
	pthread_mutex_unlock(&Q.mu);
	calls_cancel(cv, ncalls);
	free(cv);
	for (i = 0; i < n; i++)
		ConnectDetach(det[i]);
	free(det);
}

int qn_sproxy_event(pid_t server_pid, const struct nto_netctl_event *ev)
{
	struct proxy *px, *hit = NULL;
	struct qn_event *e;
	struct qframe *f;
	unsigned h;
	int rc;

	pthread_mutex_lock(&Q.mu);
	for (h = 0; h < NHASH && !hit; h++)
		LIST_FOREACH(px, &proxies[h], hl)
	if (!px->gone && px->l->node.nd == ev->nd && px->rpid == ev->pid &&
	    px->spid == server_pid) {
		hit = px;
		break;
	}
	if (!hit) {
		pthread_mutex_unlock(&Q.mu);
		return -ESRCH;
	}
	f = qn_frame_new(QN_EVENT, 0, sizeof(*e));
	if (!f) {
		pthread_mutex_unlock(&Q.mu);
		return -ENOMEM;
	}
	e = qn_frame_body(f);
	memset(e, 0, sizeof(*e));
	e->client_scoid = hit->client_scoid;
	e->notify = SIGEV_GET_TYPE(&ev->event);
	e->coid = ev->event.sigev_coid;
	e->prio = ev->event.sigev_priority;
	e->code = ev->event.sigev_code;
	e->signo = ev->event.sigev_signo;
	e->value = ev->event.sigev_value.sival_int;
	rc = qn_link_send_locked(hit->l, f);
	pthread_mutex_unlock(&Q.mu);
	return rc < 0 ? -ESRCH : 0;
}

int qn_sproxy_start(void)
{
	return 0;
}
