/*
 * The resmgr routing of one received message or pulse: _IO_CONNECT to the
 * connect table, _IO_* to the binding's I/O table (lock_ocb / combine
 * handling), DISCONNECT and UNBLOCK pulses, and the reply QNX's handler
 * return conventions call for. The receive loop is dispatch.c; the table
 * it looks bindings up in is resmgr_bind.c.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "resmgr-internal.h"

/* Answer the current message according to handler result n. */
static void reply(resmgr_context_t *ctp, int n)
{
	if (n == _RESMGR_NOREPLY || ctp->rcvid <= 0)
		return;
	if (n == _RESMGR_DEFAULT)
		n = ENOSYS;
	if (n <= 0)
		(void)MsgReplyv_r(ctp->rcvid, ctp->status, ctp->iov, -n);
	else
		(void)MsgError_r(ctp->rcvid, n);
}

/*
 * Run the I/O message at msg (and the ones combined after it) on binding
 * b, whose reference the caller passes in. lock_ocb / unlock_ocb bracket
 * the handlers; an _IO_CLOSE removes the coid's entry and runs close_dup.
 */
static int io_handler(resmgr_context_t *ctp, resmgr_iomsgs_t *msg,
		      struct nto_binding *b)
{
	_resmgr_func_t fn, lock;
	struct nto_binding *rm;
	int n = EBADMSG, locked = 0, rcvid, rcvid2, combine;
	int len = ctp->info.msglen;

	ctp->id = b->id;
	for (;;) {
		ctp->offset = (int)((char *)msg - (char *)ctp->msg);
		if (ctp->offset + (int)sizeof(struct _io_combine) > len) {
			n = EBADMSG;
			break;
		}
		ctp->size = len - ctp->offset;
		rcvid = ctp->rcvid;
		combine = 0;
		if (msg->combine.combine_len & _IO_COMBINE_FLAG) {
			combine = msg->combine.combine_len & ~_IO_COMBINE_FLAG;
			if (combine < (int)sizeof(struct _io_combine) ||
			    ctp->offset + combine > len) {
				n = EBADMSG;
				break;
			}
			ctp->size = combine;
			/* Only the last message of a combine is replied to. */
			ctp->rcvid = 0;
		}
		fn = nto__io_func(b->funcs, msg->type);
		/* The reserved slots (close_ocb, unblock, lock_ocb ...) are
		 * the framework's to call, never a client's message: one
		 * sent as _IO_RSVD_CLOSE_OCB would free the OCB under us. */
		if (msg->type == _IO_RSVD_CLOSE_OCB ||
		    msg->type == _IO_RSVD_UNBLOCK || msg->type == _IO_RSVD ||
		    msg->type == _IO_RSVD_LOCK_OCB ||
		    msg->type == _IO_RSVD_UNLOCK_OCB)
			fn = NULL;
		if (msg->type == _IO_CLOSE) {
			rm = nto__bind_remove(ctp->dpp, &ctp->info, b);
			if (rm) {
				if (locked) {
					lock = nto__io_func(
						b->funcs, _IO_RSVD_UNLOCK_OCB);
					if (lock)
						(void)lock(ctp, NULL, b->ocb);
					locked = 0;
				}
				n = fn ? fn(ctp, msg, b->ocb) : EOK;
				/* notify: drop what the closed coid armed */
				nto__notify_forget(ctp->info.scoid,
						   ctp->info.coid);
				nto__bind_release(ctp, rm);
			} else {
				n = EBADF;
			}
			combine = 0;
		} else if (fn) {
			lock = locked ? NULL
				      : nto__io_func(b->funcs,
						     _IO_RSVD_LOCK_OCB);
			if (lock) {
				rcvid2 = ctp->rcvid;
				ctp->rcvid = rcvid;
				n = lock(ctp, NULL, b->ocb);
				ctp->rcvid = rcvid2;
				if (n != EOK) {
					ctp->rcvid = rcvid;
					break;
				}
				locked = 1;
			}
			n = fn(ctp, msg, b->ocb);
		} else {
			n = ENOSYS;
		}
		ctp->rcvid = rcvid;
		if (!combine || n != EOK)
			break;
		ctp->status = 0;
		msg = (resmgr_iomsgs_t *)(void *)((char *)msg + combine);
	}
	if (locked) {
		lock = nto__io_func(b->funcs, _IO_RSVD_UNLOCK_OCB);
		if (lock)
			(void)lock(ctp, NULL, b->ocb);
	}
	nto__bind_release(ctp, b);
	return n;
}

/* Where the extra data of a connect message starts: right after the path
 * (ntosim senders), or 8-aligned after it (QNX senders). */
static char *connect_extra(resmgr_context_t *ctp, struct _io_connect *c)
{
	size_t end = offsetof(struct _io_connect, path) + c->path_len;
	size_t aligned = (end + 7) & ~(size_t)7;
	size_t len = (size_t)ctp->info.msglen;

	if (c->extra_len && len != end + c->extra_len &&
	    len >= aligned + c->extra_len)
		return (char *)c + aligned;
	return (char *)c + end;
}

/* _IO_CONNECT_COMBINE[_CLOSE]: open, run the I/O message in the extra on
 * the new binding, and for COMBINE_CLOSE close it again. */
static int combine_handler(resmgr_context_t *ctp, struct nto_link *l,
			   struct _io_connect *c, char *extra)
{
	size_t off = (size_t)(extra - (char *)ctp->msg);
	size_t aligned = (off + 7) & ~(size_t)7;
	struct nto_binding *b, *rm;
	_resmgr_func_t fn;
	int n, rcvid, status;
	unsigned subtype = c->subtype;

	if (!l->connect_funcs->open || l->connect_funcs->nfuncs < 1)
		return ENOSYS;
	ctp->size = (int)(offsetof(struct _io_connect, path) + c->path_len);
	n = l->connect_funcs->open(ctp, (io_open_t *)(void *)c, l->handle_ptr,
				   NULL);
	if (n != EOK || ((unsigned)ctp->status & _IO_CONNECT_RET_FLAG))
		return n;
	b = nto__bind_find(ctp->dpp, &ctp->info);
	if (!b)
		return EBADF;
	if (c->extra_len >= sizeof(struct _io_combine)) {
		/* handlers need the I/O message aligned */
		if (aligned != off) {
			if (aligned + c->extra_len > ctp->msg_max_size) {
				nto__bind_release(ctp, b);
				return EBADMSG;
			}
			memmove((char *)ctp->msg + aligned, extra,
				c->extra_len);
		}
		ctp->info.msglen = (int)(aligned + c->extra_len);
		ctp->status = 0;
		atomic_fetch_add(&b->count, 1);
		n = io_handler(
			ctp,
			(resmgr_iomsgs_t *)(void *)((char *)ctp->msg + aligned),
			b);
	}
	if (subtype == _IO_CONNECT_COMBINE_CLOSE &&
	    (rm = nto__bind_remove(ctp->dpp, &ctp->info, b))) {
		status = ctp->status;
		rcvid = ctp->rcvid;
		ctp->rcvid = 0;
		fn = nto__io_func(b->funcs, _IO_CLOSE);
		if (fn) {
			io_close_t cl = {.i = {.type = _IO_CLOSE,
					       .combine_len = sizeof(cl.i)}};

			(void)fn(ctp, (resmgr_iomsgs_t *)(void *)&cl, b->ocb);
		}
		/* notify: drop what the closed coid armed */
		nto__notify_forget(ctp->info.scoid, ctp->info.coid);
		nto__bind_release(ctp, rm);
		ctp->rcvid = rcvid;
		ctp->status = status;
	}
	nto__bind_release(ctp, b);
	return n;
}

/*
 * A hard link's extra (_IO_CONNECT_EXTRA_LINK) names, as a struct
 * _msg_info, the sender's open of the existing file: the handler gets that
 * open's OCB in extra->ocb instead (QNX's io_link_extra_t). The extra is
 * moved to an aligned place first. Returns EOK with the binding (release
 * it after the handler) in *out and the extra's new place in *extrap,
 * EXDEV if the open is not ours, EBADMSG if the extra is short.
 */
static int link_extra_ocb(resmgr_context_t *ctp, struct _io_connect *c,
			  char **extrap, struct nto_binding **out)
{
	size_t off = (size_t)(*extrap - (char *)ctp->msg);
	size_t aligned = (off + 7) & ~(size_t)7;
	struct nto_binding *b;
	struct _msg_info orig;
	void *ocb;

	if (c->extra_len < sizeof(orig) ||
	    off + sizeof(orig) > (size_t)ctp->info.msglen ||
	    aligned + sizeof(io_link_extra_t) > ctp->msg_max_size)
		return EBADMSG;
	memcpy(&orig, *extrap, sizeof(orig));
	orig.pid = ctp->info.pid; /* only the sender's own opens */
	b = nto__bind_find(ctp->dpp, &orig);
	if (!b)
		return EXDEV;
	ocb = b->ocb;
	*extrap = (char *)ctp->msg + aligned;
	memset(*extrap, 0, sizeof(io_link_extra_t));
	((io_link_extra_t *)(void *)*extrap)->ocb = ocb;
	*out = b;
	return EOK;
}

/*
 * A rename's extra (_IO_CONNECT_EXTRA_RENAME) comes from the client as the
 * old path, absolute; handlers see it as they see connect.path: relative
 * to this registration (QNX's resmgr layer does the same). Rewritten in
 * place; EXDEV if the old path is not below this registration, EBADMSG if
 * the extra is not a string inside the message.
 */
static int rename_extra_rel(resmgr_context_t *ctp, const struct nto_link *l,
			    const struct _io_connect *c, char *extra)
{
	size_t off = (size_t)(extra - (char *)ctp->msg), plen, n;
	char *rel;

	if (!c->extra_len || off + c->extra_len > (size_t)ctp->info.msglen ||
	    !memchr(extra, '\0', c->extra_len))
		return EBADMSG;
	if (!l->path)
		return EXDEV;
	plen = strlen(l->path);
	while (plen > 0 && l->path[plen - 1] == '/')
		plen--; /* "/dev/x/" is "/dev/x"; "/" holds every path */
	if (strncmp(extra, l->path, plen) != 0 ||
	    (extra[plen] != '/' && extra[plen] != '\0'))
		return EXDEV;
	for (rel = extra + plen; *rel == '/'; rel++)
		;
	n = strlen(rel);
	memmove(extra, rel, n + 1);
	return EOK;
}

static int connect_handler(resmgr_context_t *ctp, resmgr_iomsgs_t *msg)
{
	typedef int (*connect_fn)(resmgr_context_t *, void *, void *, void *);
	struct _io_connect *c = &msg->connect;
	struct nto_binding *lb = NULL;
	size_t hdr = offsetof(struct _io_connect, path);
	struct nto_link *l;
	connect_fn fn = NULL;
	unsigned idx;
	char *extra;
	int n;

	/* Everything here is the client's: check it before use. */
	if ((size_t)ctp->info.msglen < hdr + 1 || c->path_len == 0)
		return EBADMSG;
	if (hdr + c->path_len > (size_t)ctp->info.msglen)
		return hdr + c->path_len > ctp->msg_max_size ? ENAMETOOLONG
							     : EBADMSG;
	if (c->path[c->path_len - 1] != '\0')
		return EBADMSG;
	extra = connect_extra(ctp, c);

	l = nto__link_get_handle(ctp->dpp, c->handle);
	if (!l)
		return ENOENT;
	ctp->id = l->id;
	ctp->offset = 0;
	if (!l->connect_funcs) {
		/* A name_attach registration: the name_open handshake. */
		n = (l->ftype == _FTYPE_NAME && c->subtype == _IO_CONNECT_OPEN)
			    ? EOK
			    : _RESMGR_DEFAULT;
		nto__link_put(l);
		return n;
	}
	if (c->subtype == _IO_CONNECT_COMBINE ||
	    c->subtype == _IO_CONNECT_COMBINE_CLOSE) {
		n = combine_handler(ctp, l, c, extra);
		nto__link_put(l);
		return n;
	}
	if (c->subtype >= _IO_CONNECT_OPEN) {
		idx = c->subtype - _IO_CONNECT_OPEN;
		if (idx < l->connect_funcs->nfuncs &&
		    idx < _RESMGR_CONNECT_NFUNCS)
			memcpy(&fn,
			       (const char *)l->connect_funcs +
				       offsetof(resmgr_connect_funcs_t, open) +
				       idx * sizeof(fn),
			       sizeof(fn));
	}
	if (!fn) {
		nto__link_put(l);
		return _RESMGR_DEFAULT;
	}
	ctp->size = ctp->info.msglen;
	if (c->subtype == _IO_CONNECT_RENAME &&
	    c->extra_type == _IO_CONNECT_EXTRA_RENAME) {
		n = rename_extra_rel(ctp, l, c, extra);
		if (n != EOK) {
			nto__link_put(l);
			return n;
		}
	}
	if (c->subtype == _IO_CONNECT_LINK &&
	    c->extra_type == _IO_CONNECT_EXTRA_LINK) {
		n = link_extra_ocb(ctp, c, &extra, &lb);
		if (n != EOK) {
			nto__link_put(l);
			return n;
		}
	}
	n = fn(ctp, msg, l->handle_ptr, extra);
	if (lb)
		nto__bind_release(ctp, lb);
	nto__link_put(l);
	return n;
}

static int dup_handler(resmgr_context_t *ctp, resmgr_iomsgs_t *msg)
{
	struct nto_binding *b, *stale;
	struct _msg_info orig;
	_resmgr_func_t fn;
	int n = EOK, r;

	if ((size_t)ctp->info.msglen < sizeof(struct _io_dup))
		return EBADMSG;
	orig = msg->dup.i.info;
	/* Only the sender's own bindings can be dup'ed. */
	orig.pid = ctp->info.pid;
	b = nto__bind_find(ctp->dpp, &orig);
	if (!b)
		return EBADF;
	ctp->id = b->id;
	fn = nto__io_func(b->funcs, _IO_DUP);
	if (fn) {
		n = fn(ctp, msg, b->ocb);
		if (n == _RESMGR_DEFAULT)
			n = EOK;
		if (n != EOK) {
			nto__bind_release(ctp, b);
			return n;
		}
	}
	r = nto__bind_set(ctp->dpp, &ctp->info, b, &stale);
	if (r < 0) {
		nto__bind_release(ctp, b);
		return -r;
	}
	if (stale)
		nto__bind_release(ctp, stale);
	return n;
}

/* _IO_OPENFD arrives on a fresh connection and names (in .info, as
 * _IO_DUP does) the sender's open it is to be opened through: run that
 * binding's openfd handler, which binds a new OCB to this connection. */
static int openfd_handler(resmgr_context_t *ctp, resmgr_iomsgs_t *msg)
{
	struct nto_binding *b;
	struct _msg_info orig;
	_resmgr_func_t fn, lock;
	int n;

	if ((size_t)ctp->info.msglen < sizeof(struct _io_openfd))
		return EBADMSG;
	orig = msg->openfd.i.info;
	orig.pid = ctp->info.pid; /* only the sender's own opens */
	b = nto__bind_find(ctp->dpp, &orig);
	if (!b)
		return EBADF;
	ctp->id = b->id;
	ctp->offset = 0;
	ctp->size = ctp->info.msglen;
	fn = nto__io_func(b->funcs, _IO_OPENFD);
	lock = nto__io_func(b->funcs, _IO_RSVD_LOCK_OCB);
	n = fn ? EOK : ENOSYS;
	if (n == EOK && lock)
		n = lock(ctp, NULL, b->ocb);
	if (n == EOK) {
		n = fn(ctp, msg, b->ocb);
		lock = nto__io_func(b->funcs, _IO_RSVD_UNLOCK_OCB);
		if (lock)
			(void)lock(ctp, NULL, b->ocb);
	}
	nto__bind_release(ctp, b);
	return n;
}

static int close_handler(resmgr_context_t *ctp, resmgr_iomsgs_t *msg)
{
	struct nto_binding *b;
	_resmgr_func_t fn;
	int n;

	b = nto__bind_remove(ctp->dpp, &ctp->info, NULL);
	if (!b)
		return EBADF;
	ctp->id = b->id;
	ctp->offset = 0;
	ctp->size = ctp->info.msglen;
	fn = nto__io_func(b->funcs, _IO_CLOSE);
	n = fn ? fn(ctp, msg, b->ocb) : EOK;
	/* notify: nothing stays armed for a closed connection */
	nto__notify_forget(ctp->info.scoid, ctp->info.coid);
	nto__bind_release(ctp, b);
	return n;
}

/* A client connection is gone: close every binding it still had, as if
 * each coid had sent _IO_CLOSE, then release the scoid. */
static void disconnect_handler(resmgr_context_t *ctp, int scoid)
{
	resmgr_iomsgs_t *msg = ctp->msg;
	struct nto_binding *b;
	_resmgr_func_t fn;
	pid_t pid;
	int coid;

	ctp->info.scoid = scoid;
	while ((b = nto__bind_remove_scoid(ctp->dpp, scoid, &coid, &pid))) {
		ctp->info.coid = coid;
		ctp->info.pid = pid;
		ctp->info.tid = 0;
		ctp->info.msglen = (int)sizeof(msg->close.i);
		ctp->rcvid = 0;
		ctp->id = b->id;
		ctp->offset = 0;
		ctp->size = (int)sizeof(msg->close.i);
		msg->close.i.type = _IO_CLOSE;
		msg->close.i.combine_len = sizeof(msg->close.i);
		fn = nto__io_func(b->funcs, _IO_CLOSE);
		if (fn)
			(void)fn(ctp, msg, b->ocb);
		/* notify: a departed client leaves nothing armed */
		nto__notify_forget(scoid, coid);
		nto__bind_release(ctp, b);
	}
	nto__notify_forget(scoid, -1); /* e.g. armed on a name_open coid */
	(void)ConnectDetach_r(scoid);
}

/* A REPLY-blocked client wants out: ask its binding's unblock handler. */
static int unblock_handler(resmgr_context_t *ctp, int rcvid)
{
	struct nto_binding *b;
	_resmgr_func_t fn;
	int n = _RESMGR_DEFAULT;

	if (rcvid <= 0 || MsgInfo_r(rcvid, &ctp->info) != EOK)
		return _RESMGR_DEFAULT;
	ctp->rcvid = rcvid;
	b = nto__bind_find(ctp->dpp, &ctp->info);
	if (!b)
		return _RESMGR_DEFAULT;
	ctp->id = b->id;
	fn = nto__io_func(b->funcs, _IO_RSVD_UNBLOCK);
	if (fn)
		n = fn(ctp, ctp->msg, b->ocb);
	nto__bind_release(ctp, b);
	return n;
}

void nto__resmgr_handler(resmgr_context_t *ctp)
{
	resmgr_iomsgs_t *msg = ctp->msg;
	int (*other)(resmgr_context_t *, void *);
	struct nto_binding *b;
	struct _pulse pulse;
	int n = _RESMGR_DEFAULT;

	pthread_mutex_lock(&ctp->dpp->lock);
	other = ctp->dpp->other_func;
	pthread_mutex_unlock(&ctp->dpp->lock);
	ctp->status = 0;
	if (ctp->rcvid == -1)
		return;
	if (ctp->rcvid == 0) {
		if (msg->pulse.type != _PULSE_TYPE ||
		    msg->pulse.subtype != _PULSE_SUBTYPE ||
		    msg->pulse.code == NTO_PULSE_CODE_DISPATCH_WAKE)
			return;
		switch (msg->pulse.code) {
		case _PULSE_CODE_DISCONNECT:
			disconnect_handler(ctp, msg->pulse.scoid);
			return;
		case _PULSE_CODE_UNBLOCK:
			pulse = msg->pulse;
			n = unblock_handler(ctp, pulse.value.sival_int);
			if (n == _RESMGR_DEFAULT) {
				msg->pulse = pulse;
				ctp->rcvid = 0;
				if (other)
					n = other(ctp, msg);
			}
			break;
		default:
			if (other)
				(void)other(ctp, msg);
			return;
		}
		if (n == _RESMGR_DEFAULT)
			return;
		reply(ctp, n);
		return;
	}

	switch (msg->type) {
	case _IO_CONNECT:
		n = connect_handler(ctp, msg);
		break;
	case _IO_DUP:
		n = dup_handler(ctp, msg);
		break;
	case _IO_CLOSE:
		n = close_handler(ctp, msg);
		break;
	case _IO_OPENFD:
		n = openfd_handler(ctp, msg);
		break;
	default:
		if (msg->type >= _IO_BASE && msg->type <= _IO_MAX) {
			b = nto__bind_find(ctp->dpp, &ctp->info);
			n = b ? io_handler(ctp, msg, b) : EBADF;
		}
		break;
	}
	if (n == _RESMGR_DEFAULT && other)
		n = other(ctp, msg);
	reply(ctp, n);
}

int nto__resmgr_msg_handler(message_context_t *ctp, int code, unsigned flags,
			    void *handle)
{
	(void)code;
	(void)flags;
	(void)handle;
	nto__resmgr_handler(ctp);
	return 0;
}
