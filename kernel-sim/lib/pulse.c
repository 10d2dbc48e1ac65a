/*
 * Pulses: MsgSendPulse (a non-blocking entry in the connection's pulse
 * table) and MsgDeliverEvent (a server notifying a client, through ipcd
 * for SIGEV_PULSE since the client's coid is in the client's space).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "internal.h"

int nto__pulse_post(int coid, int priority, int code, union sigval value)
{
	struct nto_coid *c;
	struct nto_conn *conn;
	struct nto_conn_region *r;
	int rc = EAGAIN;

	nto__timeout_clear();
	if (priority < -1 || priority > 255 || code < -128 || code > 127 ||
	    nto__kernel_pulse_code(code))
		return EINVAL; /* the kernel's own codes are the kernel's */
	if (priority == -1)
		priority = nto_thread_priority();
	c = nto__coid_get(coid);
	if (!c)
		return EBADF;
	conn = c->conn;
	r = conn->region;
	if (atomic_load(&r->hdr.dead) == NTO_CONN_SERVER_GONE) {
		rc = EBADF;
		goto out;
	}
	if (nto_pulse_post(
		    r->pulse, NTO_CONN_PULSES, &r->hdr.pulsemask, priority,
		    code, value.sival_int,
		    (uint32_t)((uint64_t)(uintptr_t)value.sival_ptr >> 32),
		    conn->scoid, nto__now_ns()) >= 0) {
		nto__doorbell_ring(conn);
		NTO_FAULT(NTO_FP_PULSE, NULL);
		rc = EOK;
	}
out:
	nto__coid_put(c);
	return rc;
}

NTO_EXPORT int MsgSendPulse_r(int coid, int priority, int code, int value)
{
	union sigval v;

	memset(&v, 0, sizeof(v));
	v.sival_int = value;
	return nto__pulse_post(coid, priority, code, v);
}

NTO_EXPORT int MsgSendPulsePtr_r(int coid, int priority, int code, void *value)
{
	union sigval v;

	v.sival_ptr = value;
	return nto__pulse_post(coid, priority, code, v);
}

NTO_EXPORT int MsgSendPulsePtr(int coid, int priority, int code, void *value)
{
	return nto__ret_eok(MsgSendPulsePtr_r(coid, priority, code, value));
}

NTO_EXPORT int MsgSendPulse(int coid, int priority, int code, int value)
{
	return nto__ret_eok(MsgSendPulse_r(coid, priority, code, value));
}

/* The client process behind an rcvid (or scoid): its pid, or 0; its node
 * in *nd (a proxy connection's remote client: netctl.c). */
static pid_t client_of(int rcvid, uint32_t *nd)
{
	struct nto_srv_conn *sc;
	pid_t pid = 0;

	*nd = 0;
	nto__srv_rdlock();
	sc = rcvid > 0 ? nto__srv_conn_by_scoid(rcvid & 0xffff) : NULL;
	if (sc) {
		pid = sc->client_pid;
		*nd = sc->nd;
	}
	nto__srv_unlock();
	return pid;
}

/* ---- time area: a secure event (MsgRegisterEvent's handle) is delivered
 * or verified by ipcd, which holds the registration. ---- */
static int handle_event(pid_t pid, const struct sigevent *event, uint32_t flags)
{
	struct nto_ctl_evdeliver req = {pid, event->sigev_handle, flags};
	int rc = nto__ctl_call(NTO_CTL_EVENT_DELIVER, &req, sizeof(req), NULL,
			       0, NULL, NULL, 0, NULL);

	return rc < 0 ? -rc : EOK;
}

/* Where MsgDeliverEvent and MsgVerifyEvent start: the client behind rcvid
 * in *pid; a handle event is settled here (*done = 1). EOK or an errno. */
static int event_begin(int rcvid, const struct sigevent *event, uint32_t flags,
		       pid_t *pid, int *done)
{
	uint32_t nd;
	int rc;

	*done = 1;
	if (!event)
		return EFAULT;
	*pid = client_of(rcvid, &nd);
	if (!*pid)
		return ESRCH;
	/* a remote client (issue 13): its node's network manager delivers
	 * (secure handles included: its ipcd holds them); a verify checks
	 * the event's form here only */
	if (nd && !(flags & NTO_EVDELIVER_VERIFY)) {
		rc = nto__netctl_event(nd, *pid, event);
		return rc < 0 ? -rc : EOK;
	}
	if (nd && (event->sigev_notify & SIGEV_FLAG_HANDLE))
		return EOK;
	if (event->sigev_notify & SIGEV_FLAG_HANDLE)
		return handle_event(*pid, event, flags);
	*done = 0;
	return EOK;
}

NTO_EXPORT int MsgVerifyEvent_r(int rcvid, const struct sigevent *event)
{
	pid_t pid;
	int done, rc = event_begin(rcvid, event, NTO_EVDELIVER_VERIFY, &pid,
				   &done);

	if (done)
		return rc;
	switch (SIGEV_GET_TYPE(event)) {
	case SIGEV_PULSE:
		if (event->sigev_priority < -1 || event->sigev_priority > 255 ||
		    event->sigev_code < -128 || event->sigev_code > 127)
			return EINVAL;
		return EOK;
	case SIGEV_SIGNAL:
	case SIGEV_SIGNAL_CODE:
	case SIGEV_SIGNAL_THREAD:
		return event->sigev_signo > 0 && event->sigev_signo < NSIG
			       ? EOK
			       : EINVAL;
	case SIGEV_NONE:
	case SIGEV_UNBLOCK:
		return EOK;
	default:
		return EINVAL;
	}
}

NTO_EXPORT int MsgVerifyEvent(int rcvid, const struct sigevent *event)
{
	return nto__ret_eok(MsgVerifyEvent_r(rcvid, event));
}
/* ---- end of the time area ---- */

NTO_EXPORT int MsgDeliverEvent_r(int rcvid, const struct sigevent *event)
{
	pid_t pid;
	int done, rc = event_begin(rcvid, event, 0, &pid, &done);

	if (done) /* an error, or a secure event (time area) */
		return rc;
	switch (SIGEV_GET_TYPE(event)) {
	case SIGEV_PULSE: {
		struct nto_ctl_event req = {
			pid, event->sigev_coid, event->sigev_priority,
			event->sigev_code, event->sigev_value.sival_int};

		if (req.priority == -1)
			req.priority = nto_thread_priority();
		rc = nto__ctl_call(NTO_CTL_DELIVER_PULSE, &req, sizeof(req),
				   NULL, 0, NULL, NULL, 0, NULL);
		return rc < 0 ? -rc : EOK;
	}
	case SIGEV_SIGNAL:
	case SIGEV_SIGNAL_CODE:	  /* time area: the code is not carried */
	case SIGEV_SIGNAL_THREAD: /* time area: to the process */
		if (sigqueue(pid, event->sigev_signo, event->sigev_value) < 0)
			return errno;
		return EOK;
	case SIGEV_NONE:
		return EOK;
	default:
		return EINVAL;
	}
}

NTO_EXPORT int MsgDeliverEvent(int rcvid, const struct sigevent *event)
{
	return nto__ret_eok(MsgDeliverEvent_r(rcvid, event));
}
