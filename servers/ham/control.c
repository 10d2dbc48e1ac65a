/*
 * ntosim-ham's control channel: the name it attaches (default
 * "ntosim-ham"), the receive thread that answers name_open's handshake and
 * turns hamctl requests and heartbeat pulses into notes for the loop, and
 * the loop-side handling of requests, including the ones that reply later
 * (waiters: START/RESTART until ready, STOP until gone, WAIT, SHUTDOWN).
 * The protocol is hamproto.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "ham.h"

#define DEFAULT_WAIT_MS 30000

enum waiter_kind { W_STATE, W_START, W_STOP, W_SHUTDOWN };

struct waiter {
	struct waiter *next;
	struct ham *h;
	int rcvid;
	int idx;
	enum waiter_kind kind;
	uint32_t want; /* W_STATE: the state */
	uint32_t min;  /* W_STATE: restarts; W_START: instance gen */
	struct event *timer;
};

static void *control_thread(void *arg)
{
	struct ham *h = arg;
	int chid = h->ctl_chid;
	union {
		struct _pulse pulse;
		uint16_t type;
		struct ham_req req;
		char bytes[512];
	} msg;
	struct _msg_info info;
	struct ham_note n;

	for (;;) {
		int rcvid = MsgReceive(chid, &msg, sizeof(msg), &info);

		if (rcvid < 0) {
			if (errno == EINTR)
				continue;
			/* ham_control_stop destroyed the channel: the loop
			 * is gone, nobody reads notes any more */
			if (!atomic_load(&h->ctl_ending)) {
				memset(&n, 0, sizeof(n));
				n.kind = HAM_NOTE_IPC_DOWN;
				n.err = errno;
				ham_note_post(h, &n);
			}
			atomic_store(&h->ctl_done, 1);
			return NULL;
		}
		if (atomic_load(&h->ctl_ending)) {
			/* the loop has ended: a request now would wait for
			 * a note nobody reads */
			if (rcvid > 0)
				MsgError(rcvid, ESHUTDOWN);
			continue;
		}
		memset(&n, 0, sizeof(n));
		n.t_ns = ham_now_ns();
		if (rcvid == 0) {
			switch (msg.pulse.code) {
			case NTO_HAM_PULSE_HEARTBEAT:
				n.kind = HAM_NOTE_BEAT;
				n.value = (uint32_t)msg.pulse.value.sival_int;
				ham_note_post(h, &n);
				break;
			case _PULSE_CODE_UNBLOCK:
				n.kind = HAM_NOTE_UNBLOCK;
				n.rcvid = msg.pulse.value.sival_int;
				ham_note_post(h, &n);
				break;
			case _PULSE_CODE_DISCONNECT:
				ConnectDetach(msg.pulse.scoid);
				break;
			default:
				break;
			}
			continue;
		}
		if (info.msglen < (int)sizeof(msg.type)) {
			MsgError(rcvid, EBADMSG);
			continue;
		}
		if (msg.type == _IO_CONNECT) {
			MsgReply(rcvid, EOK, NULL, 0); /* name_open */
			continue;
		}
		if (msg.type != HAM_MSG_TYPE) {
			MsgError(rcvid, ENOSYS);
			continue;
		}
		if (info.msglen < (int)sizeof(msg.req)) {
			MsgError(rcvid, EBADMSG);
			continue;
		}
		n.kind = HAM_NOTE_REQ;
		n.rcvid = rcvid;
		n.req = msg.req;
		n.req.name[HAM_NAME_MAX - 1] = '\0';
		ham_note_post(h, &n);
	}
}

int ham_control_start(struct ham *h)
{
	name_attach_t *att = name_attach(NULL, h->name, 0);
	int rc;

	if (!att) {
		ham_log(h, NULL, "cannot attach the name %s: %s", h->name,
			errno == EEXIST ? "another manager has it"
			: errno == ENOTCONN
				? "ipcd is not running (set NTOSIM_SOCKET?)"
				: strerror(errno));
		return -1;
	}
	h->attach = att;
	h->ctl_chid = att->chid;
	atomic_store(&h->ctl_ending, 0);
	atomic_store(&h->ctl_done, 0);
	rc = pthread_create(&h->ctl_thread, NULL, control_thread, h);
	if (rc) {
		ham_log(h, NULL, "cannot start the control thread: %s",
			strerror(rc));
		ham_control_stop(h);
		return -1;
	}
	h->ctl_started = 1;
	h->ipc_ok = 1;
	return 0;
}

static void reply_ent(int rcvid, const struct ent *e)
{
	struct ham_ent_status st;

	ent_fill_status(e, &st);
	MsgReply(rcvid, EOK, &st, sizeof(st));
}

static void waiter_free(struct ham *h, struct waiter *w)
{
	struct waiter **pp;

	for (pp = &h->waiters; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	if (w->timer)
		event_free(w->timer);
	free(w);
}

static void waiter_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;

	MsgError(w->rcvid, ETIMEDOUT);
	waiter_free(w->h, w);
}

static int waiter_done(const struct waiter *w, const struct ent *e)
{
	switch (w->kind) {
	case W_STATE:
		return e->state == w->want && e->restarts >= w->min;
	case W_START:
		return e->gen >= w->min && e->state != HAM_ST_STARTING &&
		       e->state != HAM_ST_BACKOFF &&
		       e->state != HAM_ST_STOPPING;
	case W_STOP:
		return e->pid <= 0 &&
		       (e->state == HAM_ST_STOPPED ||
			e->state == HAM_ST_EXITED || e->state == HAM_ST_FAILED);
	default:
		return 0;
	}
}

void ham_waiters_check(struct ham *h, struct ent *e)
{
	struct waiter *w, *next;

	for (w = h->waiters; w; w = next) {
		next = w->next;
		if (w->idx == e->idx && waiter_done(w, e)) {
			reply_ent(w->rcvid, e);
			waiter_free(h, w);
		}
	}
}

void ham_waiters_fail(struct ham *h, int err)
{
	while (h->waiters) {
		struct waiter *w = h->waiters;

		if (w->kind == W_SHUTDOWN)
			MsgReply(w->rcvid, EOK, NULL, 0);
		else
			MsgError(w->rcvid, err);
		waiter_free(h, w);
	}
}

void ham_control_stop(struct ham *h)
{
	int woken;

	ham_waiters_fail(h, ESHUTDOWN);
	if (!h->attach)
		return;
	/* The name goes before the process does, so what name_attach
	 * allocated (the name and its dispatch_t) is freed on every exit
	 * path, ipcd gone or not. Destroying the channel ends the thread's
	 * MsgReceive (ESRCH); when ipcd is gone it has ended already (that
	 * is how we learnt of it), and ChannelDestroy then succeeds
	 * locally. Only a stalled ipcd makes it fail: the thread stays
	 * blocked, and waiting for it would hang the exit. */
	atomic_store(&h->ctl_ending, 1);
	woken = ChannelDestroy(h->ctl_chid) == 0 || atomic_load(&h->ctl_done);
	if (!woken)
		ham_log(h, NULL,
			"ChannelDestroy: %s: leaving the control thread "
			"blocked",
			strerror(errno));
	if (name_detach(h->attach, 0) < 0)
		ham_dbg(h, NULL, "name_detach(%s): %s", h->name,
			strerror(errno));
	h->attach = NULL;
	h->ipc_ok = 0;
	if (h->ctl_started) {
		if (woken)
			pthread_join(h->ctl_thread, NULL);
		else
			pthread_detach(h->ctl_thread);
		h->ctl_started = 0;
	}
}

/* Park the request until its condition holds. Replies ENOMEM itself. */
static void waiter_add(struct ham *h, int rcvid, int idx, enum waiter_kind kind,
		       uint32_t want, uint32_t min, int timeout_ms)
{
	struct waiter *w = calloc(1, sizeof(*w));

	if (!w) {
		MsgError(rcvid, ENOMEM);
		return;
	}
	w->h = h;
	w->rcvid = rcvid;
	w->idx = idx;
	w->kind = kind;
	w->want = want;
	w->min = min;
	if (kind != W_SHUTDOWN) {
		struct timeval tv;

		if (timeout_ms <= 0)
			timeout_ms = DEFAULT_WAIT_MS;
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		w->timer = evtimer_new(h->base, waiter_timeout_cb, w);
		if (!w->timer) {
			free(w);
			MsgError(rcvid, ENOMEM);
			return;
		}
		evtimer_add(w->timer, &tv);
	}
	w->next = h->waiters;
	h->waiters = w;
}

static void req_status(struct ham *h, int rcvid, const char *name)
{
	struct ham_status_rep *rep;
	size_t len;
	int n = 0;

	len = sizeof(*rep) + (size_t)(h->n ? h->n : 1) * sizeof(rep->ent[0]);
	rep = calloc(1, len);
	if (!rep) {
		MsgError(rcvid, ENOMEM);
		return;
	}
	for (int i = 0; i < h->n; i++)
		if (!*name || !strcmp(name, h->ent[i].spec.name))
			ent_fill_status(&h->ent[i], &rep->ent[n++]);
	if (*name && n == 0) {
		free(rep);
		MsgError(rcvid, ENOENT);
		return;
	}
	rep->n = (uint32_t)n;
	rep->total = (uint32_t)h->n;
	rep->ham_pid = (int32_t)getpid();
	rep->ham_uptime_ms = (int64_t)((ham_now_ns() - h->start_ns) / 1000000);
	MsgReply(rcvid, EOK, rep,
		 sizeof(*rep) + (size_t)n * sizeof(rep->ent[0]));
	free(rep);
}

void ham_control_request(struct ham *h, const struct ham_note *n)
{
	const struct ham_req *r = &n->req;
	int rcvid = n->rcvid, nowait = !!(r->flags & HAM_F_NOWAIT);
	struct ent *e;
	uint32_t gen;

	if (n->kind == HAM_NOTE_UNBLOCK) {
		/* hamctl gave up (signal or timeout): release its waiter */
		for (struct waiter *w = h->waiters; w; w = w->next)
			if (w->rcvid == n->rcvid) {
				MsgError(w->rcvid, EINTR);
				waiter_free(h, w);
				break;
			}
		return;
	}
	if (r->op == HAM_OP_STATUS) {
		req_status(h, rcvid, r->name);
		return;
	}
	if (r->op == HAM_OP_SHUTDOWN) {
		ham_log(h, NULL, "shutdown requested by hamctl");
		waiter_add(h, rcvid, -1, W_SHUTDOWN, 0, 0, 0);
		ham_shutdown(h);
		return;
	}
	if (r->op < HAM_OP_START || r->op > HAM_OP_WAIT) {
		MsgError(rcvid, ENOSYS);
		return;
	}
	e = ham_find(h, r->name);
	if (!e) {
		MsgError(rcvid, ENOENT);
		return;
	}
	if (h->shutting_down && r->op != HAM_OP_WAIT && r->op != HAM_OP_STOP) {
		MsgError(rcvid, ESHUTDOWN);
		return;
	}
	switch (r->op) {
	case HAM_OP_START:
		if (e->state == HAM_ST_RUNNING || e->state == HAM_ST_STARTING) {
			if (!nowait && e->state == HAM_ST_STARTING)
				waiter_add(h, rcvid, e->idx, W_START, 0, e->gen,
					   r->timeout_ms);
			else
				reply_ent(rcvid, e);
			return;
		}
		ham_log(h, e, "start requested by hamctl");
		/* an operator's start clears the give-up and the back-off */
		ham_window_clear(&e->window);
		e->streak = 0;
		gen = e->gen + 1;
		if (e->state == HAM_ST_STOPPING || e->state == HAM_ST_BACKOFF)
			ent_stop(e, 1);
		else
			ent_start(e);
		break;
	case HAM_OP_RESTART:
		ham_log(h, e, "restart requested by hamctl");
		ham_window_clear(&e->window);
		e->streak = 0;
		gen = e->gen + 1;
		ent_stop(e, 1);
		break;
	case HAM_OP_STOP:
		ham_log(h, e, "stop requested by hamctl");
		ent_stop(e, 0);
		if (nowait || waiter_done(&(struct waiter){.kind = W_STOP}, e))
			reply_ent(rcvid, e);
		else
			waiter_add(h, rcvid, e->idx, W_STOP, 0, 0,
				   r->timeout_ms);
		ham_state_save(h);
		return;
	case HAM_OP_WAIT:
	default:
		if (r->state >= HAM_ST_MAX) {
			MsgError(rcvid, EINVAL);
			return;
		}
		if (e->state == r->state && e->restarts >= r->min)
			reply_ent(rcvid, e);
		else
			waiter_add(h, rcvid, e->idx, W_STATE, r->state, r->min,
				   r->timeout_ms);
		return;
	}
	/* START and RESTART */
	if (nowait ||
	    waiter_done(&(struct waiter){.kind = W_START, .min = gen}, e))
		reply_ent(rcvid, e);
	else
		waiter_add(h, rcvid, e->idx, W_START, 0, gen, r->timeout_ms);
	ham_state_save(h);
}
