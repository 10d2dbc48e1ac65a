/*
 * The client's node: ntosim-qnet stands in for every remote server. A
 * remote coid is a connection to our channel (ipcd made it, one per coid);
 * what the client sends on it goes over the link to the server's node, and
 * the answer comes back as our MsgReply/MsgError. The server's node side
 * is sproxy.c; the links are link.c.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "qnet/qnet.h"

#define RBUF	 65536 /* receive buffer: larger messages are MsgRead */
#define NHASH	 1024
#define PARK_MAX 4096 /* CHECKs parked waiting for a link to come up */

/* A connection to our channel: the remote (nd, pid, chid) it names and
 * the binding (the proxy coid on the server's node) for the link
 * generation it was made in. */
struct target {
	LIST_ENTRY(target) hl;
	int scoid;
	struct nto_netmgr_target t;
	struct qlink *l;
	unsigned lgen;
	int binding; /* -1: none for lgen */
	int attaching;
	uint32_t serial; /* names its ATTACHes (a scoid can be reused) */
	TAILQ_HEAD(, pend) waiting; /* requests waiting for the binding */
};

enum pend_kind { P_CHECK = 1, P_SEND, P_RESOLVE, P_NAME };

struct nameq {
	int rcvid;
	unsigned left;
	int done;
};

/* A request of a local client, answered when the remote answer comes. */
struct pend {
	LIST_ENTRY(pend) hl;
	TAILQ_ENTRY(pend) wl; /* in target->waiting, or the park list */
	uint64_t id;
	int kind;
	int rcvid;
	int scoid;
	struct qlink *l;
	unsigned lgen;
	struct qframe *deferred; /* P_SEND not yet on the wire */
	struct nameq *nq;
	uint64_t park_until; /* P_CHECK parked until its link is up */
};

static void target_server_gone(int scoid);

static LIST_HEAD(, target) targets[NHASH];
static LIST_HEAD(, pend) pends[NHASH];
static TAILQ_HEAD(, pend) parked = TAILQ_HEAD_INITIALIZER(parked);
static unsigned nparked;
static uint64_t next_id = 1;
static uint32_t next_serial = 1;

/* A scoid names a connection by its low bits: MsgReceive and pulses may
 * differ in the side-channel bit (0x40000000). */
#define SKEY(scoid) ((unsigned)(scoid)&0xffffu)

static unsigned scoid_hash(int scoid)
{
	return SKEY(scoid) % NHASH;
}

static struct target *target_find(int scoid)
{
	struct target *t;

	LIST_FOREACH(t, &targets[scoid_hash(scoid)], hl)
	if (SKEY(t->scoid) == SKEY(scoid))
		return t;
	return NULL;
}

static struct pend *pend_find(uint64_t id)
{
	struct pend *p;

	LIST_FOREACH(p, &pends[id % NHASH], hl)
	if (p->id == id)
		return p;
	return NULL;
}

static struct pend *pend_new(int kind, int rcvid, int scoid, struct qlink *l)
{
	struct pend *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->id = next_id++;
	p->kind = kind;
	p->rcvid = rcvid;
	p->scoid = scoid;
	p->l = l;
	p->lgen = l ? l->gen : 0;
	LIST_INSERT_HEAD(&pends[p->id % NHASH], p, hl);
	return p;
}

static void pend_free(struct pend *p)
{
	LIST_REMOVE(p, hl);
	free(p->deferred);
	free(p);
}

/* MsgError for a request; `received`: the remote server may have taken
 * it (else libha knows it was not delivered and may send it again). */
static void answer_error(int rcvid, int err, int received)
{
	if (received)
		MsgError(rcvid, err);
	else
		nto_netmgr_error(rcvid, err, 0);
}

/* ---- binding a target on its server's node ---- */

static void attach_send_locked(struct target *t)
{
	struct qframe *f;
	struct qn_attach *a;

	f = qn_frame_new(QN_ATTACH, 0, sizeof(*a));
	if (!f)
		return;
	a = qn_frame_body(f);
	memset(a, 0, sizeof(*a));
	a->client_scoid = t->scoid;
	a->client_pid = t->t.client_pid;
	a->uid = t->t.uid;
	a->gid = t->t.gid;
	a->pid = t->t.pid;
	a->chid = t->t.chid;
	a->flags = t->t.flags;
	a->srcnd = t->t.nd;
	/* the answer names the target: its scoid, and which target that
	 * scoid was then */
	f->h->id = (uint64_t)t->serial << 32 | (uint32_t)t->scoid;
	t->attaching = 1;
	t->lgen = t->l->gen;
	if (qn_link_send_locked(t->l, f) < 0)
		t->attaching = 0;
}

/* The target is bound for the current link generation. */
static int bound(const struct target *t)
{
	return t->binding >= 0 && t->l->up && t->lgen == t->l->gen;
}

/* Queue p behind t's binding, starting an ATTACH if none is in flight.
 * Returns 0, or -ENOTCONN (link down: p not queued). Q.mu held. */
static int wait_binding_locked(struct target *t, struct pend *p)
{
	if (!t->l->up)
		return -ENOTCONN;
	if (t->attaching && t->lgen != t->l->gen)
		t->attaching = 0; /* its link generation ended */
	TAILQ_INSERT_TAIL(&t->waiting, p, wl);
	if (!t->attaching)
		attach_send_locked(t);
	if (!t->attaching) {
		TAILQ_REMOVE(&t->waiting, p, wl);
		return -ENOTCONN;
	}
	return 0;
}

/* Look up (or learn from ipcd) what scoid is bound to. Q.mu not held. */
static struct target *target_get(int scoid, int *err)
{
	struct nto_netmgr_target nt;
	struct target *t;
	int rc;

	pthread_mutex_lock(&Q.mu);
	t = target_find(scoid);
	pthread_mutex_unlock(&Q.mu);
	if (t)
		return t;
	rc = nto_netmgr_target(scoid, &nt);
	if (rc < 0) {
		*err = -rc;
		return NULL;
	}
	if (!qn_link_by_nd(nt.nd) || !qn_link_by_nd(nt.nd)->node.name[0]) {
		*err = EHOSTUNREACH; /* no such node in the node table */
		return NULL;
	}
	pthread_mutex_lock(&Q.mu);
	t = target_find(scoid);
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (t) {
			t->scoid = scoid;
			t->t = nt;
			t->l = qn_link_by_nd(nt.nd);
			t->binding = -1;
			t->serial = next_serial++;
			TAILQ_INIT(&t->waiting);
			LIST_INSERT_HEAD(&targets[scoid_hash(scoid)], t, hl);
		}
	}
	pthread_mutex_unlock(&Q.mu);
	if (!t)
		*err = ENOMEM;
	return t;
}

/* ---- requests from local clients ---- */

static void check_take(int rcvid, int scoid)
{
	struct target *t;
	struct pend *p;
	int err = 0;

	t = target_get(scoid, &err);
	if (!t) {
		MsgError(rcvid, err);
		return;
	}
	pthread_mutex_lock(&Q.mu);
	if (bound(t)) {
		pthread_mutex_unlock(&Q.mu);
		MsgReply(rcvid, 0, NULL, 0);
		return;
	}
	p = pend_new(P_CHECK, rcvid, scoid, t->l);
	if (!p) {
		pthread_mutex_unlock(&Q.mu);
		MsgError(rcvid, ENOMEM);
		return;
	}
	if (wait_binding_locked(t, p) < 0) {
		/* the node is not reachable yet: wait for the link a while */
		if (nparked >= PARK_MAX) {
			pend_free(p);
			pthread_mutex_unlock(&Q.mu);
			MsgError(rcvid, EAGAIN);
			return;
		}
		p->park_until = qn_now_ms() + Q.timeout_ms;
		TAILQ_INSERT_TAIL(&parked, p, wl);
		nparked++;
	}
	pthread_mutex_unlock(&Q.mu);
}

static void send_take(int rcvid, const struct _msg_info *info, void *buf)
{
	size_t total = info->srcmsglen > 0 ? (size_t)info->srcmsglen : 0;
	size_t have = info->msglen > 0 ? (size_t)info->msglen : 0;
	struct nto_reqid id;
	struct qn_send *s;
	struct qframe *f;
	struct target *t;
	struct pend *p;
	int err = 0;

	t = target_get(info->scoid, &err);
	if (!t) {
		MsgError(rcvid, err == ESRCH ? EBADF : err);
		return;
	}
	if (have > total)
		have = total;
	f = qn_frame_new(QN_SEND, 0, sizeof(*s) + total);
	if (!f) {
		answer_error(rcvid, ENOMEM, 0);
		return;
	}
	s = qn_frame_body(f);
	memset(s, 0, sizeof(*s));
	s->tid = info->tid;
	s->prio = info->priority;
	s->rbytes = info->dstmsglen > 0 ? (uint32_t)info->dstmsglen : 0;
	memcpy(s + 1, buf, have);
	if (total > have &&
	    MsgRead(rcvid, (char *)(s + 1) + have, total - have, have) < 0) {
		free(f);
		return; /* the client left */
	}
	if (nto_rcvid_reqid(rcvid, &id) == 0) {
		s->has_id = 1;
		s->id_client = id.client;
		s->id_seq = id.seq;
		s->id_done = id.done;
	}
	pthread_mutex_lock(&Q.mu);
	p = pend_new(P_SEND, rcvid, info->scoid, t->l);
	if (!p) {
		pthread_mutex_unlock(&Q.mu);
		free(f);
		answer_error(rcvid, ENOMEM, 0);
		return;
	}
	f->h->id = p->id;
	f->pid = p->id;
	if (bound(t)) {
		struct qlink *l = t->l;
		uint64_t pid = p->id;

		/* written by this thread, outside the lock (link.c) */
		s->binding = t->binding;
		f->gen = t->lgen; /* the binding is only good there */
		pthread_mutex_unlock(&Q.mu);
		if (qn_link_send(l, f) == 0)
			return;
		/* the link went down before a byte was sent; unless its
		 * going down failed the request already, we do */
		pthread_mutex_lock(&Q.mu);
		p = pend_find(pid);
		if (!p) {
			pthread_mutex_unlock(&Q.mu);
			return;
		}
	} else {
		p->deferred = f;
		if (wait_binding_locked(t, p) == 0) {
			pthread_mutex_unlock(&Q.mu);
			return;
		}
	}
	pend_free(p);
	pthread_mutex_unlock(&Q.mu);
	answer_error(rcvid, ESRCH, 0); /* the link is down: never sent */
}

static void resolve_take(int rcvid, const void *buf, size_t len, int name)
{
	const struct nto_netctl_resolve *rq = buf;
	size_t plen;
	unsigned i, sent = 0;
	struct nameq *nq = NULL;

	if (len < sizeof(*rq) + 1 || ((const char *)buf)[len - 1] != '\0') {
		MsgError(rcvid, EINVAL);
		return;
	}
	plen = strlen(rq->path) + 1;
	if (plen > 1024) {
		MsgError(rcvid, ENAMETOOLONG);
		return;
	}
	pthread_mutex_lock(&Q.mu);
	if (name) {
		nq = calloc(1, sizeof(*nq));
		if (!nq) {
			pthread_mutex_unlock(&Q.mu);
			MsgError(rcvid, ENOMEM);
			return;
		}
		nq->rcvid = rcvid;
		nq->left = 1; /* held until every query is out */
	}
	for (i = 0; i < Q.nlinks; i++) {
		struct qlink *l = &Q.links[i];
		struct qframe *f;
		struct qn_path *qp;
		struct pend *p;

		if (!l->up || (!name && l->node.nd != rq->nd))
			continue;
		f = qn_frame_new(name ? QN_NAME : QN_RESOLVE, 0,
				 sizeof(*qp) + plen);
		p = f ? pend_new(name ? P_NAME : P_RESOLVE, rcvid, 0, l) : NULL;
		if (!p) {
			free(f);
			continue;
		}
		qp = qn_frame_body(f);
		qp->flags = rq->flags;
		memcpy(qp->path, rq->path, plen);
		f->h->id = p->id;
		p->nq = nq;
		if (nq)
			nq->left++;
		if (qn_link_send_locked(l, f) < 0) {
			if (nq)
				nq->left--;
			pend_free(p);
			continue;
		}
		sent++;
	}
	if (nq && --nq->left == 0) {
		free(nq);
		nq = NULL;
	}
	pthread_mutex_unlock(&Q.mu);
	if (!sent)
		MsgError(rcvid, name ? ENOENT : EHOSTDOWN);
}

static void netctl_take(int rcvid, const struct _msg_info *info, void *buf)
{
	size_t len = info->msglen > 0 ? (size_t)info->msglen : 0;
	const struct nto_netctl_hdr *h = buf;

	if (len < sizeof(*h) || h->magic != NTO_NETCTL_MAGIC) {
		MsgError(rcvid, EINVAL);
		return;
	}
	switch (h->op) {
	case NTO_NETCTL_CHECK:
		check_take(rcvid, info->scoid);
		break;
	case NTO_NETCTL_EVENT: {
		int rc = len < sizeof(struct nto_netctl_event)
				 ? -EINVAL
				 : qn_sproxy_event(info->pid, buf);

		if (rc < 0)
			MsgError(rcvid, -rc);
		else
			MsgReply(rcvid, 0, NULL, 0);
		break;
	}
	case NTO_NETCTL_RESOLVE:
	case NTO_NETCTL_NAME:
		resolve_take(rcvid, buf, len, h->op == NTO_NETCTL_NAME);
		break;
	default:
		MsgError(rcvid, ENOSYS);
	}
}

/* The client of scoid is gone (DISCONNECT): its binding goes too. */
static void target_drop(int scoid)
{
	struct target *t;
	struct pend *p, *nx;
	unsigned i;

	pthread_mutex_lock(&Q.mu);
	t = target_find(scoid);
	qn_dbg("client of scoid %#x gone: %s", scoid,
	       !t	  ? "no target"
	       : bound(t) ? "detach its binding"
			  : "unbound");
	if (t) {
		LIST_REMOVE(t, hl);
		if (bound(t)) {
			struct qframe *f = qn_frame_new(
				QN_DETACH, 0, sizeof(struct qn_binding));

			if (f) {
				((struct qn_binding *)qn_frame_body(f))
					->binding = t->binding;
				qn_link_send_locked(t->l, f);
			}
		}
		while ((p = TAILQ_FIRST(&t->waiting))) {
			TAILQ_REMOVE(&t->waiting, p, wl);
			pend_free(p);
		}
		free(t);
	}
	/* its requests in flight: the server's node cancels them on DETACH */
	for (i = 0; i < NHASH; i++)
		for (p = LIST_FIRST(&pends[i]); p; p = nx) {
			nx = LIST_NEXT(p, hl);
			if (SKEY(p->scoid) == SKEY(scoid) && p->kind == P_SEND)
				pend_free(p);
		}
	pthread_mutex_unlock(&Q.mu);
	ConnectDetach(scoid);
}

/* The client of rcvid wants out (timeout or signal, _NTO_CHF_UNBLOCK). */
static void unblock_take(int rcvid)
{
	struct pend *p = NULL;
	struct qframe *f;
	unsigned i;

	pthread_mutex_lock(&Q.mu);
	for (i = 0; i < NHASH && !p; i++)
		LIST_FOREACH(p, &pends[i], hl)
	if (p->rcvid == rcvid && p->kind == P_SEND)
		break;
	if (!p) {
		pthread_mutex_unlock(&Q.mu);
		return;
	}
	if (p->deferred) { /* never sent: the client may simply leave */
		struct target *t = target_find(p->scoid);

		if (t)
			TAILQ_REMOVE(&t->waiting, p, wl);
		pend_free(p);
		pthread_mutex_unlock(&Q.mu);
		answer_error(rcvid, EINTR, 0);
		return;
	}
	f = qn_frame_new(QN_UNBLOCK, p->id, 0);
	if (f)
		qn_link_send_locked(p->l, f);
	pthread_mutex_unlock(&Q.mu);
}

static void pulse_take(const struct _pulse *pu, int prio)
{
	struct target *t;
	struct qframe *f;

	qn_dbg("pulse code %d value %d scoid %#x", pu->code,
	       pu->value.sival_int, pu->scoid);
	switch (pu->code) {
	case _PULSE_CODE_DISCONNECT:
		target_drop(pu->scoid);
		return;
	case _PULSE_CODE_UNBLOCK:
		unblock_take(pu->value.sival_int);
		return;
	default:
		if (pu->code < 0)
			return; /* other kernel pulses: nothing to carry */
	}
	pthread_mutex_lock(&Q.mu);
	t = target_find(pu->scoid);
	if (t && bound(t)) {
		struct qn_pulse *qp;

		f = qn_frame_new(QN_PULSE, 0, sizeof(*qp));
		if (f) {
			qp = qn_frame_body(f);
			qp->binding = t->binding;
			qp->prio = prio;
			qp->code = pu->code;
			qp->value = pu->value.sival_int;
			qn_link_send_locked(t->l, f);
		}
	} else {
		qn_dbg("pulse on scoid %#x dropped: not bound", pu->scoid);
	}
	pthread_mutex_unlock(&Q.mu);
}

static void *recv_main(void *arg)
{
	unsigned char *buf = malloc(RBUF);

	(void)arg;
	if (!buf)
		return NULL;
	for (;;) {
		struct _msg_info info;
		int rcvid = MsgReceive(Q.chid, buf, RBUF, &info);

		if (rcvid < 0) {
			/* the channel or ipcd is gone: main.c waits a
			 * bounded gap for a new ipcd, or stops the node */
			if (errno == EINTR || qn_ipcd_gone(errno) == 0)
				continue;
			break;
		}
		if (rcvid == 0)
			pulse_take((struct _pulse *)buf,
				   info.priority > 0 ? info.priority : 10);
		else if (nto_netmgr_is_netctl(rcvid))
			netctl_take(rcvid, &info, buf);
		else
			send_take(rcvid, &info, buf);
	}
	free(buf);
	return NULL;
}

int qn_cproxy_start(int nthreads)
{
	pthread_attr_t a;
	int i;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < nthreads; i++) {
		pthread_t th;
		int rc = pthread_create(&th, &a, recv_main, NULL);

		if (rc) {
			pthread_attr_destroy(&a);
			return -rc;
		}
	}
	pthread_attr_destroy(&a);
	return 0;
}

/* ---- answers from the server's node ---- */

static void attach_rep(struct qlink *l, uint64_t id, const struct qn_result *r)
{
	struct target *t;
	struct pend *p;
	TAILQ_HEAD(, pend) go = TAILQ_HEAD_INITIALIZER(go);

	pthread_mutex_lock(&Q.mu);
	t = target_find((int)(uint32_t)id);
	if (!t || t->serial != (uint32_t)(id >> 32) || t->l != l ||
	    !t->attaching) {
		/* its client left meanwhile: the binding made for it goes */
		if (!r->err) {
			struct qframe *f = qn_frame_new(
				QN_DETACH, 0, sizeof(struct qn_binding));

			if (f) {
				((struct qn_binding *)qn_frame_body(f))
					->binding = r->value;
				qn_link_send_locked(l, f);
			}
		}
		pthread_mutex_unlock(&Q.mu);
		return;
	}
	t->attaching = 0;
	if (!r->err)
		t->binding = r->value;
	while ((p = TAILQ_FIRST(&t->waiting))) {
		TAILQ_REMOVE(&t->waiting, p, wl);
		TAILQ_INSERT_TAIL(&go, p, wl);
	}
	while ((p = TAILQ_FIRST(&go))) {
		TAILQ_REMOVE(&go, p, wl);
		if (r->err) {
			int rcvid = p->rcvid, kind = p->kind;

			pend_free(p);
			pthread_mutex_unlock(&Q.mu);
			/* ESRCH at attach: the server is gone; for a send on
			 * a coid that worked, that is EBADF (never sent) */
			if (kind == P_CHECK)
				MsgError(rcvid, r->err);
			else
				answer_error(rcvid,
					     r->err == ESRCH ? EBADF : r->err,
					     0);
			pthread_mutex_lock(&Q.mu);
			continue;
		}
		if (p->kind == P_CHECK) {
			int rcvid = p->rcvid;

			pend_free(p);
			pthread_mutex_unlock(&Q.mu);
			MsgReply(rcvid, 0, NULL, 0);
			pthread_mutex_lock(&Q.mu);
			continue;
		}
		/* a send that waited: on the wire now */
		((struct qn_send *)qn_frame_body(p->deferred))->binding =
			t->binding;
		if (qn_link_send_locked(l, p->deferred) < 0) {
			int rcvid = p->rcvid;

			p->deferred = NULL;
			pend_free(p);
			pthread_mutex_unlock(&Q.mu);
			answer_error(rcvid, ESRCH, 0);
			pthread_mutex_lock(&Q.mu);
			continue;
		}
		p->deferred = NULL;
	}
	pthread_mutex_unlock(&Q.mu);
}

static void reply_rep(struct qlink *l, const struct qn_hdr *h,
		      const unsigned char *body)
{
	const struct qn_result *r = (const void *)body;
	struct pend *p;
	int rcvid, kind, scoid;
	struct nameq *nq;

	pthread_mutex_lock(&Q.mu);
	p = pend_find(h->id);
	if (!p || p->l != l) {
		pthread_mutex_unlock(&Q.mu);
		return;
	}
	rcvid = p->rcvid;
	kind = p->kind;
	nq = p->nq;
	scoid = p->scoid;
	pend_free(p);
	if (kind == P_NAME) {
		int answer = !nq->done && !r->err;
		int last = --nq->left == 0;
		int none = last && !nq->done && !answer;

		if (answer)
			nq->done = 1;
		if (last)
			free(nq);
		pthread_mutex_unlock(&Q.mu);
		if (answer) {
			struct nto_netctl_name_rep nr = {l->node.nd, r->value,
							 r->value2};

			MsgReply(rcvid, 0, &nr, sizeof(nr));
		} else if (none) {
			MsgError(rcvid, ENOENT);
		}
		return;
	}
	pthread_mutex_unlock(&Q.mu);
	if (r->err && kind == P_SEND && r->value) {
		/* the server died: its client sees a death (libha recovers) */
		if (!r->value2)
			nto_netmgr_unreceive(rcvid);
		target_server_gone(scoid);
		return;
	}
	if (r->err) {
		if (kind == P_SEND)
			answer_error(rcvid, r->err, r->value2);
		else
			MsgError(rcvid, r->err);
		return;
	}
	MsgReply(rcvid, kind == P_SEND ? r->status : 0, r + 1,
		 h->len - sizeof(*r));
}

static void event_rep(struct qlink *l, const struct qn_hdr *h,
		      const unsigned char *body)
{
	const struct qn_event *e = (const void *)body;
	struct sigevent ev;
	struct target *t;

	pthread_mutex_lock(&Q.mu);
	t = target_find(e->client_scoid);
	pthread_mutex_unlock(&Q.mu);
	if (!t || t->l != l) {
		qn_dbg("event from %s for scoid %#x: no such remote "
		       "connection",
		       l->node.name, e->client_scoid);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	switch (e->notify) {
	case SIGEV_PULSE:
		SIGEV_PULSE_INIT(&ev, e->coid, e->prio, e->code, 0);
		ev.sigev_value.sival_int = e->value;
		break;
	case SIGEV_SIGNAL:
	case SIGEV_SIGNAL_CODE:
	case SIGEV_SIGNAL_THREAD:
		ev.sigev_notify = SIGEV_SIGNAL;
		ev.sigev_signo = e->signo;
		ev.sigev_value.sival_int = e->value;
		break;
	default:
		return;
	}
	/* MsgDeliverEvent finds the client through the scoid's low bits */
	if (MsgDeliverEvent(e->client_scoid & 0xffff, &ev) < 0)
		qn_dbg("event to scoid %#x: %s", e->client_scoid,
		       strerror(errno));
}

void qn_cproxy_frame(struct qlink *l, const struct qn_hdr *h,
		     unsigned char **body)
{
	switch (h->type) {
	case QN_ATTACH_REP:
		attach_rep(l, h->id, (const void *)*body);
		break;
	case QN_REPLY:
	case QN_RESOLVE_REP:
	case QN_NAME_REP:
		reply_rep(l, h, *body);
		break;
	case QN_EVENT:
		event_rep(l, h, *body);
		break;
	}
}

/* What severing targets leaves to do outside the lock, in this order:
 * mark the never-sent requests not received, fail the pending CHECKs,
 * then sever the connections (ipcd fails what they still hold, as a
 * local server's death would), then answer path and name queries. */
struct severing {
	struct {
		int rcvid, what;
	} * v;
	size_t n, cap;
};
enum { SV_UNRECEIVE = 1, SV_CHECK, SV_SEVER, SV_RESOLVE, SV_NAME };

static void sv_add(struct severing *sv, int rcvid, int what)
{
	if (sv->n == sv->cap) {
		size_t nc = sv->cap ? sv->cap * 2 : 64;
		void *nv = realloc(sv->v, nc * sizeof(*sv->v));

		if (!nv)
			return;
		sv->v = nv;
		sv->cap = nc;
	}
	sv->v[sv->n].rcvid = rcvid;
	sv->v[sv->n].what = what;
	sv->n++;
}

/* Forget t and its requests; say what is left to do in *sv. Q.mu held. */
static void target_sever_locked(struct target *t, struct severing *sv)
{
	struct pend *p, *nx;
	unsigned i;

	for (i = 0; i < NHASH; i++)
		for (p = LIST_FIRST(&pends[i]); p; p = nx) {
			nx = LIST_NEXT(p, hl);
			if (SKEY(p->scoid) != SKEY(t->scoid) || p->park_until ||
			    (p->kind != P_SEND && p->kind != P_CHECK))
				continue;
			if (p->kind == P_CHECK)
				sv_add(sv, p->rcvid, SV_CHECK);
			else if (p->deferred)
				sv_add(sv, p->rcvid, SV_UNRECEIVE);
			pend_free(p);
		}
	if (t->binding >= 0 && t->l->up && t->lgen == t->l->gen) {
		struct qframe *f =
			qn_frame_new(QN_DETACH, 0, sizeof(struct qn_binding));

		if (f) {
			((struct qn_binding *)qn_frame_body(f))->binding =
				t->binding;
			qn_link_send_locked(t->l, f);
		}
	}
	sv_add(sv, t->scoid, SV_SEVER);
	LIST_REMOVE(t, hl);
	free(t);
}

static void sv_run(struct severing *sv)
{
	int pass, what[] = {SV_UNRECEIVE, SV_CHECK, SV_SEVER, SV_RESOLVE,
			    SV_NAME};
	size_t i;

	for (pass = 0; pass < 5; pass++)
		for (i = 0; i < sv->n; i++) {
			if (sv->v[i].what != what[pass])
				continue;
			switch (what[pass]) {
			case SV_UNRECEIVE:
				nto_netmgr_unreceive(sv->v[i].rcvid);
				break;
			case SV_CHECK:
			case SV_RESOLVE:
				MsgError(sv->v[i].rcvid, EHOSTDOWN);
				break;
			case SV_SEVER:
				nto_netmgr_sever(sv->v[i].rcvid);
				break;
			case SV_NAME:
				MsgError(sv->v[i].rcvid, ENOENT);
				break;
			}
		}
	free(sv->v);
}

/* The remote server behind scoid died: its client sees a death. */
static void target_server_gone(int scoid)
{
	struct severing sv = {0};
	struct target *t;

	pthread_mutex_lock(&Q.mu);
	t = target_find(scoid);
	if (t)
		target_sever_locked(t, &sv);
	pthread_mutex_unlock(&Q.mu);
	if (!t)
		nto_netmgr_sever(scoid);
	sv_run(&sv);
}

/* Generation `gen` of l went down: its remote servers are unreachable, so
 * every connection bound through it dies for its client (libha recovers,
 * maybe on another node); path and name queries on it fail. A target not
 * yet bound (a CHECK parked until the link comes up) stays. */
void qn_cproxy_link_down(struct qlink *l, unsigned gen)
{
	struct severing sv = {0};
	struct target *t, *tn;
	struct pend *p, *nx;
	unsigned i;

	pthread_mutex_lock(&Q.mu);
	for (i = 0; i < NHASH; i++)
		for (t = LIST_FIRST(&targets[i]); t; t = tn) {
			tn = LIST_NEXT(t, hl);
			if (t->l == l && t->lgen <= gen &&
			    (t->binding >= 0 || t->attaching))
				target_sever_locked(t, &sv);
		}
	for (i = 0; i < NHASH; i++)
		for (p = LIST_FIRST(&pends[i]); p; p = nx) {
			nx = LIST_NEXT(p, hl);
			if (p->l != l || p->lgen > gen || p->park_until ||
			    (p->kind != P_RESOLVE && p->kind != P_NAME))
				continue;
			if (p->kind == P_RESOLVE) {
				sv_add(&sv, p->rcvid, SV_RESOLVE);
			} else if (--p->nq->left == 0) {
				if (!p->nq->done)
					sv_add(&sv, p->rcvid, SV_NAME);
				free(p->nq);
			}
			pend_free(p);
		}
	pthread_mutex_unlock(&Q.mu);
	sv_run(&sv);
}

/* Parked CHECKs: retry those whose link came up, fail the expired ones. */
void qn_cproxy_tick(void)
{
	uint64_t now = qn_now_ms();
	struct pend *p, *nx;

	pthread_mutex_lock(&Q.mu);
	for (p = TAILQ_FIRST(&parked); p; p = nx) {
		struct target *t = target_find(p->scoid);
		int rcvid = p->rcvid;

		nx = TAILQ_NEXT(p, wl);
		if (t && !t->l->up && now < p->park_until)
			continue;
		TAILQ_REMOVE(&parked, p, wl);
		nparked--;
		p->park_until = 0;
		if (t && t->l->up) {
			p->lgen = t->l->gen;
			if (bound(t)) {
				pend_free(p);
				pthread_mutex_unlock(&Q.mu);
				MsgReply(rcvid, 0, NULL, 0);
				pthread_mutex_lock(&Q.mu);
				nx = TAILQ_FIRST(&parked);
				continue;
			}
			if (wait_binding_locked(t, p) == 0)
				continue;
		}
		pend_free(p);
		pthread_mutex_unlock(&Q.mu);
		MsgError(rcvid, t ? EHOSTDOWN : EBADF);
		pthread_mutex_lock(&Q.mu);
		nx = TAILQ_FIRST(&parked);
	}
	pthread_mutex_unlock(&Q.mu);
}
