/*
 * Server-side I/O notification (QNX's iofunc_notify family): arming a
 * client's event on a resource's iofunc_notify_t lists, triggering and
 * removing it, and the framework's sweep that drops what a closing or
 * departed client connection left armed. The client side (ionotify,
 * select, poll) is lib/posix/poll.c.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch-internal.h"

/*
 * Every entry iofunc_notify allocates is also on one process-wide list,
 * with the list head (nop[i]) it was put on, so the framework can find a
 * connection's entries without knowing where the resource manager keeps
 * its iofunc_notify_t arrays. One lock covers both kinds of list: user
 * code calls the iofunc_notify* functions under its own attribute lock,
 * which is never taken inside this one.
 */
struct nto_nev {
	struct nto_nev *tnext;
	iofunc_notify_t *head; /* the nop[i] whose list holds ev */
	iofunc_notify_event_t ev;
};

static pthread_mutex_t notify_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nto_nev *tracked;

#define NOTIFY_NONE ((int)((~0u) >> 1))
#define NOTIFY_CONDS                                                    \
	((unsigned)_NOTIFY_COND_INPUT | (unsigned)_NOTIFY_COND_OUTPUT | \
	 (unsigned)_NOTIFY_COND_OBAND)

/* scoids compare without the _NTO_SIDE_CHANNEL bit (the binding table
 * keeps them that way). */
static int same_scoid(int a, int b)
{
	return (a & ~_NTO_SIDE_CHANNEL) == (b & ~_NTO_SIDE_CHANNEL);
}

static struct nto_nev *nev_of(iofunc_notify_event_t *ev)
{
	return (struct nto_nev *)(void *)((char *)ev -
					  offsetof(struct nto_nev, ev));
}

/* Is ev one of ours (allocated by iofunc_notify)? notify_lock held. */
static struct nto_nev **tracked_slot(iofunc_notify_event_t *ev)
{
	struct nto_nev **pp;

	for (pp = &tracked; *pp; pp = &(*pp)->tnext)
		if (&(*pp)->ev == ev)
			return pp;
	return NULL;
}

/* Recompute head->cnt from its entries; notify_lock held. */
static void head_recount(iofunc_notify_t *head)
{
	iofunc_notify_event_t *e;
	int min = NOTIFY_NONE;

	for (e = head->list; e; e = e->next)
		if (e->cnt < min)
			min = e->cnt;
	head->cnt = min;
}

/* Unlink ev from head's list and from the tracked list and free it (an
 * entry someone else allocated is only unlinked). notify_lock held. */
static void entry_drop(iofunc_notify_t *head, iofunc_notify_event_t *ev)
{
	iofunc_notify_event_t **pp;
	struct nto_nev **tp;

	for (pp = &head->list; *pp; pp = &(*pp)->next) {
		if (*pp == ev) {
			*pp = ev->next;
			break;
		}
	}
	tp = tracked_slot(ev);
	if (tp) {
		*tp = (*tp)->tnext;
		free(nev_of(ev));
	}
}

/* The _NOTIFY_COND_* bits a message asks for (extended POLL* conditions
 * folded onto the three basic ones). */
static unsigned msg_conds(const io_notify_t *msg)
{
	unsigned f = (unsigned)msg->i.flags & NOTIFY_CONDS;

	if ((unsigned)msg->i.flags & _NOTIFY_COND_EXTEN) {
		unsigned x = (unsigned)msg->i.flags_exten;

		if (x & _NOTIFY_CONDE_RDNORM)
			f |= _NOTIFY_COND_INPUT;
		if (x & (_NOTIFY_CONDE_WRNORM | _NOTIFY_CONDE_WRBAND))
			f |= _NOTIFY_COND_OUTPUT;
		if (x & (_NOTIFY_CONDE_RDBAND | _NOTIFY_CONDE_PRI))
			f |= _NOTIFY_COND_OBAND;
	}
	return f;
}

/* Remove the entries of (scoid, coid) from nop[0..lim) for the condition
 * bits in conds (coid -1: any coid). notify_lock held. */
static void remove_conn(iofunc_notify_t *nop, int lim, int scoid, int coid,
			unsigned conds)
{
	iofunc_notify_event_t *e, *next;
	int i;

	for (i = 0; i < lim && i < 3; i++) {
		if (!(conds & ((unsigned)_NOTIFY_COND_INPUT << i)))
			continue;
		for (e = nop[i].list; e; e = next) {
			next = e->next;
			if (same_scoid(e->scoid, scoid) &&
			    (coid == -1 || e->coid == coid))
				entry_drop(&nop[i], e);
		}
		head_recount(&nop[i]);
	}
}

/* Arm (or re-arm) the current connection on nop[i]; notify_lock held.
 * Returns 0 or -ENOMEM. */
static int arm_one(resmgr_context_t *ctp, const io_notify_t *msg,
		   iofunc_notify_t *head, int i, int cnt)
{
	iofunc_notify_event_t *e;
	struct nto_nev *n;

	for (e = head->list; e; e = e->next)
		if (same_scoid(e->scoid, ctp->info.scoid) &&
		    e->coid == ctp->info.coid)
			break;
	if (!e) {
		n = calloc(1, sizeof(*n));
		if (!n)
			return -ENOMEM;
		n->head = head;
		n->tnext = tracked;
		tracked = n;
		e = &n->ev;
		e->next = head->list;
		head->list = e;
	}
	e->rcvid = ctp->rcvid;
	e->scoid = ctp->info.scoid;
	e->coid = ctp->info.coid;
	e->cnt = cnt < 0 ? 0 : cnt;
	e->event = msg->i.event;
	e->flags = (unsigned)_NOTIFY_COND_INPUT << i;
	if (e->cnt < head->cnt)
		head->cnt = e->cnt;
	else
		head_recount(head);
	return 0;
}

NTO_EXPORT int iofunc_notify(resmgr_context_t *ctp, io_notify_t *msg,
			     iofunc_notify_t *nop, int trig,
			     const int *notifycounts, int *armed)
{
	unsigned want, met;
	int action, i, r = 0, did = 0;

	if (armed)
		*armed = 0;
	if (!ctp || !msg || !nop)
		return EINVAL;
	if (ctp->info.msglen >= 0 &&
	    (size_t)ctp->info.msglen <
		    offsetof(struct _io_notify, event) + sizeof(msg->i.event))
		return EBADMSG;
	action = msg->i.action & _NOTIFY_ACTION_MASK;
	if (msg->i.action & ~_NOTIFY_ACTION_MASK)
		return EINVAL;
	want = msg_conds(msg);
	met = (unsigned)trig & want;

	pthread_mutex_lock(&notify_lock);
	if (SIGEV_GET_TYPE(&msg->i.event) == SIGEV_NONE) {
		/* ionotify(fd, ..., NULL): disarm this connection */
		remove_conn(nop, 3, ctp->info.scoid, ctp->info.coid, want);
	} else if (action == _NOTIFY_ACTION_TRANARM ||
		   ((action == _NOTIFY_ACTION_POLLARM ||
		     action == _NOTIFY_ACTION_CONDARM) &&
		    !met)) {
		for (i = 0; i < 3 && r == 0; i++) {
			if (!(want & ((unsigned)_NOTIFY_COND_INPUT << i)))
				continue;
			r = arm_one(ctp, msg, &nop[i], i,
				    notifycounts ? notifycounts[i] : 1);
			did = 1;
		}
		if (r < 0) /* all or nothing */
			remove_conn(nop, 3, ctp->info.scoid, ctp->info.coid,
				    want);
	}
	pthread_mutex_unlock(&notify_lock);
	if (r < 0)
		return -r;
	if (armed)
		*armed = did;
	if (action == _NOTIFY_ACTION_TRANARM)
		met = 0;
	else if (action == _NOTIFY_ACTION_CONDARM && did)
		return EAGAIN;
	memset(&msg->o, 0, sizeof(msg->o));
	msg->o.flags = met;
	msg->o.flags2 = (_Int32t)met;
	return _RESMGR_PTR(ctp, &msg->o, sizeof(msg->o));
}

/* Deliver one fired entry's event, unmodified (QNX ORs the condition into
 * the value only for SI_NOTIFY-coded signals, which ntosim does not
 * have). Its client may be gone: the delivery then fails and the entry is
 * dropped just the same. */
static void deliver(const iofunc_notify_event_t *e, int index)
{
	(void)index;
	(void)MsgDeliverEvent_r(e->rcvid, &e->event);
}

NTO_EXPORT void iofunc_notify_trigger(iofunc_notify_t *nop, int cnt, int index)
{
	iofunc_notify_event_t *e, **pp, *foreign = NULL;
	struct nto_nev *ours = NULL, **tp, *n;

	if (!nop || index < 0 || index > 2)
		return;
	/* Unlink what fires under the lock, deliver without it: delivery is
	 * a round trip to ipcd, and a fired entry is nobody else's now. */
	pthread_mutex_lock(&notify_lock);
	pp = &nop[index].list;
	while ((e = *pp) != NULL) {
		if (e->cnt > cnt) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		tp = tracked_slot(e);
		if (tp) {
			n = *tp;
			*tp = n->tnext;
			n->tnext = ours;
			ours = n;
		} else {
			e->next = foreign;
			foreign = e;
		}
	}
	head_recount(&nop[index]);
	pthread_mutex_unlock(&notify_lock);

	while (ours) {
		n = ours;
		ours = n->tnext;
		deliver(&n->ev, index);
		free(n);
	}
	while (foreign) {
		e = foreign;
		foreign = e->next;
		e->next = NULL;
		deliver(e, index);
	}
}

NTO_EXPORT void iofunc_notify_trigger_strict(resmgr_context_t *ctp,
					     iofunc_notify_t *nop, int cnt,
					     int index)
{
	(void)ctp;
	iofunc_notify_trigger(nop, cnt, index);
}

NTO_EXPORT void iofunc_notify_remove_strict(resmgr_context_t *ctp,
					    iofunc_notify_t *nop, int lim)
{
	if (!ctp || !nop)
		return;
	pthread_mutex_lock(&notify_lock);
	remove_conn(nop, lim, ctp->info.scoid, ctp->info.coid, NOTIFY_CONDS);
	pthread_mutex_unlock(&notify_lock);
}

NTO_EXPORT void iofunc_notify_remove(resmgr_context_t *ctp,
				     iofunc_notify_t *nop)
{
	iofunc_notify_remove_strict(ctp, nop, 3);
}

void nto__notify_forget(int scoid, int coid)
{
	struct nto_nev *n, *next;
	iofunc_notify_t *head;

	pthread_mutex_lock(&notify_lock);
	for (n = tracked; n; n = next) {
		next = n->tnext;
		if (!same_scoid(n->ev.scoid, scoid) ||
		    (coid != -1 && n->ev.coid != coid))
			continue;
		head = n->head;
		entry_drop(head, &n->ev); /* frees n */
		head_recount(head);
	}
	pthread_mutex_unlock(&notify_lock);
}
