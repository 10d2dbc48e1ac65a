/*
 * The process manager's part of ipcd: procmgr_event_notify registrations
 * (a pulse on the subscriber's coid, or a signal, when a process ipcd knows
 * is created or dies, when the path space changes, or when someone
 * triggers an event) and
 * procmgr_daemon's handover (a forked child becomes the process its parent
 * was, keeping its channels, connections and paths). Not the reaper.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/procmgr.h>
#include <sys/queue.h>
#include <sys/random.h>

#include "ipcd/internal.h"

/* The events a process may fire with procmgr_event_trigger(). */
#define TRIGGERABLE                                                         \
	(PROCMGR_EVENT_SYNC | PROCMGR_EVENT_PATHSPACE | PROCMGR_EVENT_TOD | \
	 PROCMGR_EVENT_SYSCONF | PROCMGR_EVENT_CONFSTR |                    \
	 PROCMGR_EVENT_CONTIG_ALLOC_FAIL | PROCMGR_EVENT_APS_BANKRUPTCY)
#define KNOWN_EVENTS                                \
	(TRIGGERABLE | PROCMGR_EVENT_DAEMON_DEATH | \
	 PROCMGR_EVENT_PROCESS_DEATH | PROCMGR_EVENT_PROCESS_CREATE)

/* One registration. id 0 is the process's procmgr_event_notify() one;
 * procmgr_event_notify_add() ones count up from 1. */
struct procsub {
	TAILQ_ENTRY(procsub) link;
	struct proc *owner;
	int id;
	uint32_t events;
	uint32_t notify;
	uint32_t flags;
	int coid, priority, code, value, signo;
};

static TAILQ_HEAD(, procsub) subs = TAILQ_HEAD_INITIALIZER(subs);
static int next_sub_id;

static void sub_free(struct procsub *s)
{
	TAILQ_REMOVE(&subs, s, link);
	s->owner->nsubs--;
	free(s);
}

static struct procsub *sub_find(struct proc *p, int id)
{
	struct procsub *s;

	TAILQ_FOREACH(s, &subs, link)
	{
		if (s->owner == p && s->id == id)
			return s;
	}
	return NULL;
}

/* Deliver one registration; `pid` replaces the value of an updateable
 * event when has_pid. A subscriber whose coid is gone just misses it. */
static void sub_fire(const struct procsub *s, int has_pid, int pid)
{
	int value = (has_pid && (s->flags & NTO_PROC_EVF_UPDATEABLE))
			    ? pid
			    : s->value;
	union sigval sv = {.sival_int = value};
	struct coid *co;
	int rc = 0;

	switch (s->notify) {
	case NTO_PROC_NOTIFY_PULSE:
		co = coid_lookup(s->owner, s->coid);
		rc = co ? coid_post_pulse(co, s->priority, s->code, value)
			: -EBADF;
		break;
	case NTO_PROC_NOTIFY_SIGNAL:
		if (sigqueue(s->owner->pid, s->signo, sv) < 0)
			rc = -errno;
		break;
	default:
		break;
	}
	if (rc < 0)
		log_dbg("pid %d: procmgr event %#x not delivered: %d",
			(int)s->owner->pid, s->events, rc);
}

static void fire(uint32_t event, const struct proc *skip, int has_pid, int pid)
{
	struct procsub *s;

	TAILQ_FOREACH(s, &subs, link)
	{
		if ((s->events & event) && s->owner != skip)
			sub_fire(s, has_pid, pid);
	}
}

void procevent_proc_death(struct proc *p)
{
	struct procsub *s, *next;

	for (s = TAILQ_FIRST(&subs); s; s = next) {
		next = TAILQ_NEXT(s, link);
		if (s->owner == p)
			sub_free(s);
	}
	fire(PROCMGR_EVENT_PROCESS_DEATH |
		     (p->daemon ? PROCMGR_EVENT_DAEMON_DEATH : 0),
	     p, 1, (int)p->pid);
}

void procevent_proc_create(struct proc *p)
{
	fire(PROCMGR_EVENT_PROCESS_CREATE, p, 1, (int)p->pid);
}

/* A path or name was attached or removed. */
void procevent_pathspace(void)
{
	fire(PROCMGR_EVENT_PATHSPACE, NULL, 0, 0);
}

/* Check a registration's event; 0, -EINVAL, or IPCD_DROP for a request
 * libnto never builds. */
static int sub_check(struct proc *p, const struct nto_ctl_proc_event *in)
{
	switch (in->notify) {
	case NTO_PROC_NOTIFY_PULSE:
		if (!coid_lookup(p, in->coid))
			return -EINVAL;
		return 0;
	case NTO_PROC_NOTIFY_SIGNAL:
		return in->signo > 0 && in->signo < NSIG ? 0 : -EINVAL;
	case NTO_PROC_NOTIFY_NONE:
		return 0;
	default:
		return IPCD_DROP;
	}
}

static int sub_set(struct proc *p, const struct nto_ctl_proc_event *in, int id)
{
	struct procsub *s = id == 0 ? sub_find(p, 0) : NULL;

	if (!s) {
		if (p->nsubs >= IPCD_PROCSUBS_MAX)
			return -EAGAIN;
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		s->owner = p;
		s->id = id;
		p->nsubs++;
		TAILQ_INSERT_TAIL(&subs, s, link);
	}
	s->events = in->events;
	s->notify = in->notify;
	s->flags = in->flags;
	s->coid = in->coid;
	s->priority = in->priority;
	s->code = in->code;
	s->value = in->value;
	s->signo = in->signo;
	return 0;
}

/* PROC_EVENT. EINVAL: bad events, coid or signal; EAGAIN: too many
 * registrations; ESRCH: DELETE of an id the caller does not have. */
int dispatch_proc_event(struct req *rq)
{
	const struct nto_ctl_proc_event *in = rq->data;
	struct nto_ctl_id *out = rq->rbuf;
	struct procsub *s;
	int rc, id;

	if (in->flags & ~(NTO_PROC_EVF_UPDATEABLE | NTO_PROC_EVF_HAS_VALUE))
		return IPCD_DROP;
	switch (in->op) {
	case NTO_PROC_EVENT_NOTIFY:
		if (in->events == 0) {
			s = sub_find(rq->proc, 0);
			if (s)
				sub_free(s);
			return 0;
		}
		/* fall through */
	case NTO_PROC_EVENT_ADD:
		if (in->events == 0 || (in->events & ~KNOWN_EVENTS))
			return -EINVAL;
		rc = sub_check(rq->proc, in);
		if (rc != 0)
			return rc;
		id = 0;
		if (in->op == NTO_PROC_EVENT_ADD) {
			/* not one the caller re-told a new ipcd it holds */
			do
				id = next_sub_id =
					(next_sub_id + 1) & INT32_MAX;
			while (id == 0 || sub_find(rq->proc, id));
		}
		rc = sub_set(rq->proc, in, id);
		if (rc < 0)
			return rc;
		out->id = id;
		rq->rlen = sizeof(*out);
		return 0;
	case NTO_PROC_EVENT_DELETE:
		s = in->id > 0 ? sub_find(rq->proc, in->id) : NULL;
		if (!s)
			return -ESRCH;
		sub_free(s);
		return 0;
	case NTO_PROC_EVENT_TRIGGER:
		if (in->events == 0 || (in->events & ~TRIGGERABLE))
			return -EINVAL;
		fire(in->events, NULL, !!(in->flags & NTO_PROC_EVF_HAS_VALUE),
		     in->value);
		return 0;
	default:
		return IPCD_DROP;
	}
}

/* restart area (hamsoak): a registration a survivor re-tells a new ipcd,
 * under the id it knows it by, checked as a new one would be (its coid was
 * re-told before it). */
int procevent_restore(struct proc *p, const struct nto_ctl_proc_event *in)
{
	int rc;

	if (in->flags & ~(NTO_PROC_EVF_UPDATEABLE | NTO_PROC_EVF_HAS_VALUE))
		return IPCD_DROP;
	if (in->op == NTO_PROC_EVENT_NOTIFY ? in->id != 0
	    : in->op == NTO_PROC_EVENT_ADD  ? in->id <= 0
					    : 1)
		return -EINVAL;
	if (in->events == 0 || (in->events & ~KNOWN_EVENTS))
		return -EINVAL;
	rc = sub_check(p, in);
	if (rc != 0)
		return rc;
	if (sub_find(p, in->id))
		return -EEXIST;
	return sub_set(p, in, in->id);
}

/* PREPARE (owner socket): a fresh token. DAEMON (owner socket): the
 * process is a daemon from now on (its death is also a DAEMON_DEATH). ADOPT
 * (the child's own AUX socket, pid checked by the kernel): the child becomes
 * the process that prepared the token; the old socket then owns nothing, so its
 * closing is no death. EPERM: wrong token; EBUSY: the child is registered
 * already; ESRCH: no such process. */
int dispatch_proc_handover(struct req *rq)
{
	const struct nto_ctl_handover *in = rq->data;
	struct nto_ctl_handover *out = rq->rbuf;
	struct peer *pe = rq->peer;
	struct proc *p;
	struct chan *ch;
	struct conn *c;
	unsigned i;

	switch (in->op) {
	case NTO_HANDOVER_PREPARE:
		if (pe->aux || !pe->proc)
			return -ESRCH;
		do
			if (getrandom(&pe->proc->handover_token,
				      sizeof(pe->proc->handover_token),
				      0) != sizeof(pe->proc->handover_token))
				return -EAGAIN;
		while (pe->proc->handover_token == 0);
		out->op = NTO_HANDOVER_PREPARE;
		out->pid = (int32_t)pe->proc->pid;
		out->token = pe->proc->handover_token;
		rq->rlen = sizeof(*out);
		return 0;
	case NTO_HANDOVER_DAEMON:
		if (pe->aux || !pe->proc)
			return -ESRCH;
		pe->proc->daemon = 1;
		return 0;
	case NTO_HANDOVER_ADOPT:
		break;
	default:
		return IPCD_DROP;
	}
	p = proc_find(in->pid);
	if (!p)
		return -ESRCH;
	if (p->handover_token == 0 || in->token != p->handover_token)
		return -EPERM;
	if (pe->uid != p->uid)
		return -EPERM;
	if (!pe->aux || proc_find(pe->pid))
		return -EBUSY;
	p->handover_token = 0;
	p->daemon = 1;
	log_info("pid %d (%s) continues as pid %d (procmgr_daemon)",
		 (int)p->pid, p->name, (int)pe->pid);
	if (p->peer)
		p->peer->proc = NULL;
	p->peer = pe;
	pe->aux = 0;
	pe->proc = p;
	proc_rekey(p, pe->pid);
	/* the pids ipcd wrote into shared regions (informational to peers) */
	TAILQ_FOREACH(c, &p->cconns, clink)
	{
		c->client_pid = p->pid;
		c->r->hdr.client_pid = p->pid;
		if (c->chan)
			c->chan->r->conn[c->tindex].client_pid = p->pid;
	}
	TAILQ_FOREACH(ch, &p->chans, link)
	{
		ch->r->hdr.pid = p->pid;
		for (i = 0; i < ch->conns_cap; i++) {
			if (!ch->conns[i])
				continue;
			ch->conns[i]->server_pid = p->pid;
			ch->conns[i]->r->hdr.server_pid = p->pid;
		}
	}
	return 0;
}
