/*
 * QNX 7.1 secure events, the client's side: MsgRegisterEvent turns a
 * sigevent into a handle (SIGEV_FLAG_HANDLE set, sigev_handle the handle,
 * the other fields cleared) that only the named server may deliver;
 * MsgUnregisterEvent forgets it. ipcd keeps the registrations
 * (ipcd/secure.c); the server's side is MsgDeliverEvent/MsgVerifyEvent in
 * lib/pulse.c. Events that were never registered are still delivered, as
 * QNX 7.1 does by default.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "compat/time-internal.h"

NTO_EXPORT int MsgRegisterEvent_r(struct sigevent *event, int coid)
{
	struct nto_ctl_evreg req;
	struct nto_ctl_id rep;
	size_t got = 0; /* lib/retell.c records the handle from the reply */
	uint64_t v;
	int rc, type;

	if (!event)
		return EFAULT;
	if (event->sigev_notify & SIGEV_FLAG_HANDLE)
		return EINVAL; /* already a handle */
	type = SIGEV_GET_TYPE(event);
	memset(&req, 0, sizeof(req));
	req.notify = type;
	req.server_coid = coid;
	req.coid = event->sigev_coid;
	req.priority = event->sigev_priority;
	req.code = event->sigev_code;
	req.signo = event->sigev_signo;
	v = (uint64_t)(uintptr_t)event->sigev_value.sival_ptr;
	req.value = event->sigev_value.sival_int;
	req.value_hi = (int32_t)(v >> 32);
	if (type == SIGEV_PULSE && req.priority == SIGEV_PULSE_PRIO_INHERIT)
		req.priority = nto_thread_priority();
	rc = nto__ctl_call(NTO_CTL_EVENT_REGISTER, &req, sizeof(req), &rep,
			   sizeof(rep), &got, NULL, 0, NULL);
	if (rc < 0)
		return -rc;
	memset(&event->sigev_value, 0, sizeof(event->sigev_value));
	event->sigev_signo = 0;
	event->sigev_coid = 0;
	event->sigev_priority = 0;
	event->sigev_code = 0;
	event->sigev_notify = type | SIGEV_FLAG_HANDLE;
	event->sigev_handle = rep.id;
	return EOK;
}

NTO_EXPORT int MsgRegisterEvent(struct sigevent *event, int coid)
{
	return nto__ret_eok(MsgRegisterEvent_r(event, coid));
}

NTO_EXPORT int MsgUnregisterEvent_r(const struct sigevent *event)
{
	struct nto_ctl_id req;
	int rc;

	if (!event)
		return EFAULT;
	if (!(event->sigev_notify & SIGEV_FLAG_HANDLE))
		return ESRCH; /* no handle, so no registration */
	req.id = event->sigev_handle;
	rc = nto__ctl_call(NTO_CTL_EVENT_UNREGISTER, &req, sizeof(req), NULL, 0,
			   NULL, NULL, 0, NULL);
	return rc < 0 ? -rc : EOK;
}

NTO_EXPORT int MsgUnregisterEvent(const struct sigevent *event)
{
	return nto__ret_eok(MsgUnregisterEvent_r(event));
}
