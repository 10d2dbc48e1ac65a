/*
 * The dispatch layer: dispatch handles and their lazily created channel,
 * contexts, the receive (dispatch_block) and the routing of what was
 * received to message_attach / pulse_attach handlers or the resmgr layer
 * (dispatch_handler). The resmgr routing itself is resmgr_route.c.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch-internal.h"

/* The process whose dispatch channel has the death-channel role
 * (_NTO_CHF_COID_DISCONNECT); a forked child starts without one. */
static pthread_mutex_t death_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t death_pid;

static void set_errno(int err)
{
	errno = err;
}

static unsigned umax(unsigned a, unsigned b)
{
	return a > b ? a : b;
}

/* Create dpp's channel; called with dpp->lock held. */
static int channel_create(dispatch_t *dpp)
{
	unsigned flags = _NTO_CHF_UNBLOCK | _NTO_CHF_DISCONNECT;
	int chid = -EBUSY;
	int mine = 0;

	pthread_mutex_lock(&death_lock);
	if (death_pid != nto__pid()) {
		chid = ChannelCreate_r(flags | _NTO_CHF_COID_DISCONNECT);
		if (chid >= 0) {
			death_pid = nto__pid();
			mine = 1;
		}
	}
	pthread_mutex_unlock(&death_lock);
	/* Another channel of the process is already the death channel. */
	if (chid == -EBUSY)
		chid = ChannelCreate_r(flags);
	if (chid < 0)
		return chid;
	dpp->chid = chid;
	if (mine)
		dpp->flags |= _DISPATCH_CHANNEL_COIDDEATH;
	return 0;
}

/* Append a vec entry; dpp->lock held. Returns the index or -ENOMEM. */
static int vec_add(dispatch_t *dpp, const struct nto_msgvec *v)
{
	struct nto_msgvec *nv;
	int i;

	for (i = 0; i < dpp->nvec; i++) {
		if (!(dpp->vec[i].flags & _VEC_VALID)) {
			dpp->vec[i] = *v;
			return i;
		}
	}
	nv = realloc(dpp->vec, (size_t)(dpp->nvec + 4) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	memset(nv + dpp->nvec, 0, 4 * sizeof(*nv));
	dpp->vec = nv;
	dpp->vec[dpp->nvec] = *v;
	i = dpp->nvec;
	dpp->nvec += 4;
	return i;
}

int nto__dispatch_attach(dispatch_t *dpp, unsigned nparts, unsigned msgmax,
			 int resmgr)
{
	struct nto_msgvec v;
	int r = 0;

	pthread_mutex_lock(&dpp->lock);
	/* Contexts already handed out have nparts_max iovs: a handler must
	 * not be allowed to reply with more. (A bigger msg_max_size is fine:
	 * older contexts just receive less and MsgRead the rest.) */
	if ((dpp->flags & _DISPATCH_CONTEXT_ALLOCED) &&
	    nparts > dpp->nparts_max) {
		r = -EINVAL;
		goto out;
	}
	if (dpp->chid == -1) {
		r = channel_create(dpp);
		if (r < 0)
			goto out;
	}
	if (resmgr && !(dpp->flags & _DISPATCH_RESMGR)) {
		/* The resmgr layer takes the I/O message range and the two
		 * kernel pulses it acts on, ahead of later attaches (as QNX's
		 * resmgr_attach does with message_attach). */
		memset(&v, 0, sizeof(v));
		v.flags = _VEC_VALID | MSG_FLAG_TYPE_RESMGR;
		v.lo = _IO_BASE;
		v.hi = _IO_MAX;
		v.func = nto__resmgr_msg_handler;
		if ((r = vec_add(dpp, &v)) < 0)
			goto out;
		v.flags |= MSG_FLAG_TYPE_PULSE;
		v.lo = v.hi = _PULSE_CODE_DISCONNECT;
		if ((r = vec_add(dpp, &v)) < 0)
			goto out;
		v.lo = v.hi = _PULSE_CODE_UNBLOCK;
		if ((r = vec_add(dpp, &v)) < 0)
			goto out;
		r = 0;
		dpp->flags |= _DISPATCH_RESMGR;
	}
	dpp->nparts_max = umax(dpp->nparts_max, umax(nparts, 1));
	dpp->msg_max_size = umax(dpp->msg_max_size, msgmax);
out:
	pthread_mutex_unlock(&dpp->lock);
	return r;
}

NTO_EXPORT dispatch_t *dispatch_create_channel(int chid, unsigned flags)
{
	dispatch_t *dpp;
	int r;

	dpp = calloc(1, sizeof(*dpp));
	if (!dpp) {
		set_errno(ENOMEM);
		return NULL;
	}
	r = pthread_mutex_init(&dpp->lock, NULL);
	if (r) {
		free(dpp);
		set_errno(r);
		return NULL;
	}
	dpp->chid = chid;
	(void)flags; /* DISPATCH_FLAG_NOLOCK: we always lock */
	dpp->self_coid = -1;
	dpp->msg_max_size =
		(unsigned)umax(sizeof(resmgr_iomsgs_t), sizeof(struct _pulse));
	dpp->nparts_max = 1;
	return dpp;
}

NTO_EXPORT dispatch_t *dispatch_create(void)
{
	return dispatch_create_channel(-1, 0);
}

NTO_EXPORT int dispatch_destroy(dispatch_t *dpp)
{
	if (!dpp) {
		set_errno(EINVAL);
		return -1;
	}
	nto__resmgr_forget(dpp);
	/* select_attach: stop the fd watcher before the channel goes */
	nto__select_destroy(dpp);
	if (dpp->self_coid != -1)
		(void)ConnectDetach_r(dpp->self_coid);
	if (dpp->chid != -1)
		(void)ChannelDestroy_r(dpp->chid);
	if (dpp->flags & _DISPATCH_CHANNEL_COIDDEATH) {
		pthread_mutex_lock(&death_lock);
		if (death_pid == nto__pid())
			death_pid = 0;
		pthread_mutex_unlock(&death_lock);
	}
	free(dpp->vec);
	pthread_mutex_destroy(&dpp->lock);
	free(dpp);
	return 0;
}

NTO_EXPORT dispatch_context_t *dispatch_context_alloc(dispatch_t *dpp)
{
	resmgr_context_t *ctp;
	size_t hdr, total;
	unsigned nparts, msgmax;

	if (!dpp) {
		set_errno(EINVAL);
		return NULL;
	}
	pthread_mutex_lock(&dpp->lock);
	if (dpp->chid == -1) {
		pthread_mutex_unlock(&dpp->lock);
		set_errno(EINVAL);
		return NULL;
	}
	nparts = dpp->nparts_max;
	msgmax = dpp->msg_max_size;
	dpp->flags |= _DISPATCH_CONTEXT_ALLOCED;
	pthread_mutex_unlock(&dpp->lock);

	/* [context with nparts iovs][message buffer][extended context] */
	hdr = offsetof(resmgr_context_t, iov) + nparts * sizeof(iov_t);
	hdr = (hdr + 15) & ~(size_t)15;
	if (hdr < sizeof(dispatch_context_t))
		hdr = (sizeof(dispatch_context_t) + 15) & ~(size_t)15;
	total = hdr + ((msgmax + 15) & ~15u) + sizeof(struct _extended_context);
	ctp = calloc(1, total);
	if (!ctp) {
		set_errno(ENOMEM);
		return NULL;
	}
	ctp->dpp = dpp;
	ctp->msg = (resmgr_iomsgs_t *)(void *)((char *)ctp + hdr);
	ctp->msg_max_size = msgmax;
	ctp->extra =
		(struct _extended_context *)(void *)((char *)ctp + hdr +
						     ((msgmax + 15) & ~15u));
	ctp->extra->length = sizeof(struct _extended_context);
	ctp->rcvid = -1;
	ctp->id = -1;
	return (dispatch_context_t *)ctp;
}

NTO_EXPORT void dispatch_context_free(dispatch_context_t *ctp)
{
	free(ctp);
}

NTO_EXPORT dispatch_context_t *dispatch_block(dispatch_context_t *dctp)
{
	resmgr_context_t *ctp;
	dispatch_t *dpp;
	struct timespec to;
	int timed, rcvid, n;
	_Uint64t ns;

	if (!dctp) {
		set_errno(EINVAL);
		return NULL;
	}
	ctp = &dctp->resmgr_context;
	dpp = ctp->dpp;
	pthread_mutex_lock(&dpp->lock);
	timed = !!(dpp->flags & _DISPATCH_TIMEOUT);
	to = dpp->timeout;
	pthread_mutex_unlock(&dpp->lock);

again:
	ctp->id = -1;
	ctp->info.msglen = 0;
	if (timed) {
		ns = (_Uint64t)to.tv_sec * 1000000000ull + (_Uint64t)to.tv_nsec;
		(void)TimerTimeout_r(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE,
				     NULL, &ns, NULL);
	}
	rcvid = MsgReceive_r(dpp->chid, ctp->msg, (int)ctp->msg_max_size,
			     &ctp->info);
	if (rcvid < 0) {
		if (rcvid == -ETIMEDOUT) {
			ctp->rcvid = -1;
			set_errno(ETIMEDOUT);
			return dctp;
		}
		ctp->rcvid = -1;
		set_errno(-rcvid);
		return NULL;
	}
	ctp->rcvid = rcvid;
	if (rcvid == 0) {
		ctp->info.msglen = (int)sizeof(struct _pulse);
		return dctp;
	}
	/* The kernel copied what fit; fetch the rest that fits the buffer. */
	if (ctp->info.srcmsglen > ctp->info.msglen && ctp->info.msglen >= 0 &&
	    (unsigned)ctp->info.msglen < ctp->msg_max_size) {
		n = MsgRead_r(rcvid, (char *)ctp->msg + ctp->info.msglen,
			      (int)ctp->msg_max_size - ctp->info.msglen,
			      ctp->info.msglen);
		if (n < 0) {
			(void)MsgError_r(rcvid, -n);
			goto again;
		}
		ctp->info.msglen += n;
	}
	/* Past msglen the buffer keeps what it held (as on QNX): handlers
	 * check ctp->info.msglen / ctp->size before reading a header. */
	return dctp;
}

NTO_EXPORT void dispatch_unblock(dispatch_context_t *dctp)
{
	dispatch_t *dpp;
	int coid;

	if (!dctp)
		return;
	dpp = dctp->resmgr_context.dpp;
	pthread_mutex_lock(&dpp->lock);
	if (dpp->self_coid == -1 && dpp->chid != -1)
		dpp->self_coid =
			ConnectAttach_r(0, 0, dpp->chid, _NTO_SIDE_CHANNEL, 0);
	coid = dpp->self_coid;
	if (coid < 0)
		dpp->self_coid = -1;
	pthread_mutex_unlock(&dpp->lock);
	/* a pulse dispatch_handler ignores: the receiver just returns */
	if (coid >= 0)
		(void)MsgSendPulse_r(coid, -1, NTO_PULSE_CODE_DISPATCH_WAKE, 0);
}

NTO_EXPORT int dispatch_timeout(dispatch_t *dpp, struct timespec *reltime)
{
	if (!dpp || (reltime && (reltime->tv_sec < 0 || reltime->tv_nsec < 0 ||
				 reltime->tv_nsec >= 1000000000L))) {
		set_errno(EINVAL);
		return -1;
	}
	pthread_mutex_lock(&dpp->lock);
	if (reltime) {
		dpp->timeout = *reltime;
		dpp->flags |= _DISPATCH_TIMEOUT;
	} else {
		dpp->flags &= ~(unsigned)_DISPATCH_TIMEOUT;
	}
	pthread_mutex_unlock(&dpp->lock);
	return 0;
}

NTO_EXPORT int dispatch_handler(dispatch_context_t *dctp)
{
	message_context_t *ctp;
	dispatch_t *dpp;
	struct nto_msgvec hit, def;
	int found = 0, have_def = 0, is_pulse, i, resmgr;
	int (*other)(resmgr_context_t *, void *);
	int code;

	if (!dctp)
		return -1;
	ctp = &dctp->message_context;
	dpp = ctp->dpp;
	if (ctp->rcvid == -1)
		return -1;
	if (ctp->rcvid > 0 && ctp->info.msglen < 2) {
		(void)MsgError_r(ctp->rcvid, EINVAL);
		return -1;
	}
	is_pulse = ctp->rcvid == 0;
	if (is_pulse && (ctp->msg->pulse.type != _PULSE_TYPE ||
			 ctp->msg->pulse.subtype != _PULSE_SUBTYPE))
		return -1;
	code = is_pulse ? ctp->msg->pulse.code : ctp->msg->type;
	if (is_pulse && code == NTO_PULSE_CODE_DISPATCH_WAKE)
		return -1; /* dispatch_unblock's wake-up */

	memset(&hit, 0, sizeof(hit));
	memset(&def, 0, sizeof(def));
	pthread_mutex_lock(&dpp->lock);
	for (i = 0; i < dpp->nvec && !found; i++) {
		const struct nto_msgvec *v = &dpp->vec[i];

		if (!(v->flags & _VEC_VALID))
			continue;
		if (v->flags & MSG_FLAG_DEFAULT_FUNC) {
			def = *v;
			have_def = 1;
		} else if (is_pulse && (v->flags & MSG_FLAG_TYPE_PULSE)) {
			if (code >= v->lo && code <= v->hi) {
				hit = *v;
				found = 1;
			}
		} else if (!is_pulse && !(v->flags & MSG_FLAG_TYPE_PULSE)) {
			/* message types compare as unsigned 16-bit values */
			if (code >= (v->lo & 0xffff) &&
			    code <= (v->hi & 0xffff)) {
				hit = *v;
				found = 1;
			}
		}
	}
	other = dpp->other_func;
	resmgr = !!(dpp->flags & _DISPATCH_RESMGR);
	pthread_mutex_unlock(&dpp->lock);

	if (found)
		return hit.func(ctp, code, 0, hit.handle);
	if (have_def)
		return def.func(ctp, code, 0, def.handle);
	if (!is_pulse) {
		if (other && resmgr) {
			/* resmgr_attr_t.other_func takes what nothing else did
			 */
			nto__resmgr_handler(ctp);
			return 0;
		}
		(void)MsgError_r(ctp->rcvid, ENOSYS);
		return -1;
	}
	if (code == _PULSE_CODE_DISCONNECT) {
		/* Nobody tracks this client: still release its scoid, or ipcd
		 * keeps it reserved for good. */
		(void)ConnectDetach_r(ctp->msg->pulse.scoid);
		return -1;
	}
	if (other && resmgr)
		nto__resmgr_handler(ctp);
	return -1;
}

/* Lowest pulse code in 0.._PULSE_CODE_MAXAVAIL no pulse entry covers;
 * dpp->lock held. */
static int pulse_code_alloc(dispatch_t *dpp)
{
	int code, i, used;

	for (code = _PULSE_CODE_MINAVAIL; code <= _PULSE_CODE_MAXAVAIL;
	     code++) {
		used = 0;
		for (i = 0; i < dpp->nvec && !used; i++) {
			const struct nto_msgvec *v = &dpp->vec[i];

			used = (v->flags & _VEC_VALID) &&
			       (v->flags & MSG_FLAG_TYPE_PULSE) &&
			       code >= v->lo && code <= v->hi;
		}
		if (!used)
			return code;
	}
	return -EAGAIN;
}

NTO_EXPORT int message_attach(dispatch_t *dpp, message_attr_t *attr, int low,
			      int high,
			      int (*func)(message_context_t *ctp, int code,
					  unsigned flags, void *handle),
			      void *handle)
{
	struct nto_msgvec v;
	unsigned flags = attr ? attr->flags : 0;
	unsigned nparts = attr ? attr->nparts_max : 0;
	unsigned msgmax = attr ? attr->msg_max_size : 0;
	int pulse = !!(flags & MSG_FLAG_TYPE_PULSE);
	int r;

	if (!dpp || !func) {
		set_errno(EINVAL);
		return -1;
	}
	if (!(pulse && (flags & MSG_FLAG_ALLOC_PULSE))) {
		if (low > high ||
		    (pulse && (low < SCHAR_MIN || high > SCHAR_MAX))) {
			set_errno(EINVAL);
			return -1;
		}
	}
	r = nto__dispatch_attach(dpp, nparts, msgmax, 0);
	if (r < 0) {
		set_errno(-r);
		return -1;
	}
	memset(&v, 0, sizeof(v));
	v.flags = _VEC_VALID |
		  (flags & (MSG_FLAG_TYPE_PULSE | MSG_FLAG_DEFAULT_FUNC));
	v.lo = low;
	v.hi = high;
	v.func = func;
	v.handle = handle;

	pthread_mutex_lock(&dpp->lock);
	if (pulse && (flags & MSG_FLAG_ALLOC_PULSE)) {
		r = pulse_code_alloc(dpp);
		if (r < 0)
			goto fail;
		v.lo = v.hi = r;
	} else if (pulse && low <= _PULSE_CODE_COIDDEATH &&
		   high >= _PULSE_CODE_COIDDEATH &&
		   !(dpp->flags & _DISPATCH_CHANNEL_COIDDEATH)) {
		/* COIDDEATH pulses go to the process's death channel only */
		r = -EBUSY;
		goto fail;
	}
	r = vec_add(dpp, &v);
	if (r < 0)
		goto fail;
	pthread_mutex_unlock(&dpp->lock);
	return pulse ? v.lo : 0;
fail:
	pthread_mutex_unlock(&dpp->lock);
	set_errno(-r);
	return -1;
}

NTO_EXPORT int pulse_attach(dispatch_t *dpp, int flags, int code,
			    int (*func)(message_context_t *ctp, int code,
					unsigned flags, void *handle),
			    void *handle)
{
	message_attr_t attr;

	memset(&attr, 0, sizeof(attr));
	attr.flags = MSG_FLAG_TYPE_PULSE;
	if (flags & MSG_FLAG_ALLOC_PULSE)
		attr.flags |= MSG_FLAG_ALLOC_PULSE;
	return message_attach(dpp, &attr, code, code, func, handle);
}

NTO_EXPORT int message_detach(dispatch_t *dpp, int low, int high, int flags)
{
	unsigned want = (unsigned)flags & MSG_FLAG_TYPE_PULSE;
	int i;

	if (!dpp) {
		set_errno(EINVAL);
		return -1;
	}
	pthread_mutex_lock(&dpp->lock);
	for (i = 0; i < dpp->nvec; i++) {
		struct nto_msgvec *v = &dpp->vec[i];

		if (!(v->flags & _VEC_VALID) ||
		    (v->flags & MSG_FLAG_TYPE_RESMGR))
			continue;
		if ((v->lo == low && v->hi == high &&
		     (v->flags & MSG_FLAG_TYPE_PULSE) == want) ||
		    ((flags & MSG_FLAG_DEFAULT_FUNC) &&
		     (v->flags & MSG_FLAG_DEFAULT_FUNC))) {
			v->flags = 0;
			pthread_mutex_unlock(&dpp->lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&dpp->lock);
	set_errno(EINVAL);
	return -1;
}

NTO_EXPORT int pulse_detach(dispatch_t *dpp, int code, int flags)
{
	(void)flags;
	return message_detach(dpp, code, code, MSG_FLAG_TYPE_PULSE);
}

NTO_EXPORT int message_connect(dispatch_t *dpp, int flags)
{
	int chid;

	if (!dpp) {
		set_errno(EINVAL);
		return -1;
	}
	pthread_mutex_lock(&dpp->lock);
	chid = dpp->chid;
	pthread_mutex_unlock(&dpp->lock);
	if (chid == -1) {
		set_errno(EINVAL);
		return -1;
	}
	return ConnectAttach(
		0, 0, chid,
		(flags & MSG_FLAG_SIDE_CHANNEL) ? _NTO_SIDE_CHANNEL : 0, 0);
}
