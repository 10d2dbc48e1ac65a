/*
 * The resource-manager layer: path registrations (resmgr_attach/detach,
 * registered with ipcd), the per-dispatch table of open-file bindings keyed
 * by the client's (scoid, coid), and the routing of _IO_* messages and the
 * DISCONNECT / UNBLOCK pulses to the connect and I/O function tables with
 * QNX's handler return conventions. The receive loop is dispatch.c; the
 * default handlers are iofunc*.c.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch-internal.h"

/* ---- registrations ("links") ---- */

struct nto_link {
	struct nto_link *next;
	unsigned handle; /* _io_connect.handle of this registration */
	int id;		 /* resmgr id */
	int ready;	 /* 0 while ipcd is being told */
	int registered;	 /* in ipcd's pathname space */
	int dead;	 /* detached: freed once refs is 0 */
	int refs;
	dispatch_t *dpp;
	unsigned ftype;
	const resmgr_connect_funcs_t *connect_funcs;
	const resmgr_io_funcs_t *io_funcs;
	void *handle_ptr;
	char *path;
};

static pthread_mutex_t links_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t links_cond = PTHREAD_COND_INITIALIZER;
static struct nto_link *links;
static unsigned next_handle = 1;

static void link_free(struct nto_link *l)
{
	free(l->path);
	free(l);
}

/* Unlink l from the list; links_lock held. */
static void link_unlist(struct nto_link *l)
{
	struct nto_link **pp;

	for (pp = &links; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			return;
		}
	}
}

/* The live registration of dpp with this connect handle, referenced; waits
 * while its registration with ipcd is still in flight. */
static struct nto_link *link_get_handle(dispatch_t *dpp, unsigned handle)
{
	struct nto_link *l;

	pthread_mutex_lock(&links_lock);
	for (;;) {
		for (l = links; l; l = l->next)
			if (l->handle == handle && l->dpp == dpp && !l->dead)
				break;
		if (!l || l->ready)
			break;
		pthread_cond_wait(&links_cond, &links_lock);
	}
	if (l)
		l->refs++;
	pthread_mutex_unlock(&links_lock);
	return l;
}

static struct nto_link *link_get_id(dispatch_t *dpp, int id)
{
	struct nto_link *l;

	pthread_mutex_lock(&links_lock);
	for (l = links; l; l = l->next)
		if (l->ready && l->id == id && l->dpp == dpp && !l->dead)
			break;
	if (l)
		l->refs++;
	pthread_mutex_unlock(&links_lock);
	return l;
}

static void link_put(struct nto_link *l)
{
	int gone;

	pthread_mutex_lock(&links_lock);
	gone = --l->refs == 0 && l->dead;
	pthread_mutex_unlock(&links_lock);
	if (gone)
		link_free(l);
}

static int ctl_path_detach(int id)
{
	struct nto_ctl_id req = {.id = id};

	return nto__ctl_call(NTO_CTL_PATH_DETACH, &req, sizeof(req), NULL, 0,
			     NULL, NULL, 0, NULL);
}

int nto__link_add(dispatch_t *dpp, const char *path, unsigned ftype,
		  unsigned flags, const resmgr_connect_funcs_t *connect_funcs,
		  const resmgr_io_funcs_t *io_funcs, void *handle)
{
	struct nto_ctl_path *req = NULL;
	struct nto_ctl_id rep;
	struct nto_link *l;
	size_t len = 0, got = 0;
	int r, id;

	if (path && (len = strlen(path)) >= NTO_PATH_MAX)
		return -ENAMETOOLONG;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	if (path && !(l->path = strdup(path))) {
		free(l);
		return -ENOMEM;
	}
	l->dpp = dpp;
	l->ftype = ftype;
	l->connect_funcs = connect_funcs;
	l->io_funcs = io_funcs;
	l->handle_ptr = handle;
	l->refs = 1; /* ours until ready */

	pthread_mutex_lock(&links_lock);
	l->handle = next_handle++;
	if (next_handle >= NTO_LOCAL_ID_BASE)
		next_handle = 1;
	l->next = links;
	links = l;
	pthread_mutex_unlock(&links_lock);

	if (!path) {
		id = NTO_LOCAL_ID_BASE + (int)l->handle;
		goto ready;
	}
	/* The tables are in place before ipcd can hand our handle to a
	 * client: its _IO_CONNECT finds them (waiting for `ready`). */
	req = calloc(1, sizeof(*req) + len + 1);
	if (!req) {
		r = -ENOMEM;
		goto fail;
	}
	pthread_mutex_lock(&dpp->lock);
	req->chid = dpp->chid;
	pthread_mutex_unlock(&dpp->lock);
	req->handle = l->handle;
	req->flags = flags & _RESMGR_FLAG_MASK;
	req->ftype = ftype;
	memcpy(req->path, path, len + 1);
	memset(&rep, 0, sizeof(rep));
	r = nto__ctl_call(NTO_CTL_PATH_ATTACH, req, sizeof(*req) + len + 1,
			  &rep, sizeof(rep), &got, NULL, 0, NULL);
	free(req);
	if (r < 0)
		goto fail;
	id = got >= sizeof(rep) ? rep.id : r;
	l->registered = 1;
ready:
	pthread_mutex_lock(&links_lock);
	l->id = id;
	l->ready = 1;
	l->refs--;
	pthread_cond_broadcast(&links_cond);
	pthread_mutex_unlock(&links_lock);
	return id;
fail:
	pthread_mutex_lock(&links_lock);
	link_unlist(l);
	pthread_cond_broadcast(&links_cond);
	pthread_mutex_unlock(&links_lock);
	link_free(l);
	return r;
}

/* ---- bindings ---- */

static unsigned bucket(int scoid, int coid)
{
	return ((unsigned)scoid * 31u + (unsigned)coid) % NTO_BIND_BUCKETS;
}

static int scoid_key(int scoid)
{
	return scoid & ~_NTO_SIDE_CHANNEL;
}

/*
 * The binding of the client connection info describes, referenced.
 * info->scoid < 0 finds the coid among all connections of info->pid.
 */
static struct nto_binding *bind_find(dispatch_t *dpp,
				     const struct _msg_info *info)
{
	struct nto_bindent *e = NULL;
	struct nto_binding *b = NULL;
	unsigned i;

	pthread_mutex_lock(&dpp->lock);
	if (info->scoid < 0) {
		for (i = 0; i < NTO_BIND_BUCKETS && !e; i++)
			for (e = dpp->bind[i]; e; e = e->next)
				if (e->coid == info->coid &&
				    e->pid == info->pid)
					break;
	} else {
		int scoid = scoid_key(info->scoid);

		for (e = dpp->bind[bucket(scoid, info->coid)]; e; e = e->next)
			if (e->scoid == scoid && e->coid == info->coid)
				break;
		/* a scoid is one client process's: another pid is stale */
		if (e && e->pid != info->pid)
			e = NULL;
	}
	if (e) {
		b = e->b;
		atomic_fetch_add(&b->count, 1);
	}
	pthread_mutex_unlock(&dpp->lock);
	return b;
}

/*
 * Make (scoid, coid) of info refer to b, taking over one reference of b.
 * An entry left by another process that had the same scoid is replaced and
 * returned in *stale (its reference is the caller's to release). Returns 0,
 * -EINVAL (the coid already has a binding), -ENOMEM.
 */
static int bind_set(dispatch_t *dpp, const struct _msg_info *info,
		    struct nto_binding *b, struct nto_binding **stale)
{
	struct nto_bindent *e;
	int scoid = scoid_key(info->scoid);
	unsigned k = bucket(scoid, info->coid);

	*stale = NULL;
	if (info->scoid < 0)
		return -EINVAL;
	pthread_mutex_lock(&dpp->lock);
	for (e = dpp->bind[k]; e; e = e->next)
		if (e->scoid == scoid && e->coid == info->coid)
			break;
	if (e && e->pid == info->pid) {
		pthread_mutex_unlock(&dpp->lock);
		return -EINVAL;
	}
	if (e) {
		*stale = e->b;
	} else {
		e = calloc(1, sizeof(*e));
		if (!e) {
			pthread_mutex_unlock(&dpp->lock);
			return -ENOMEM;
		}
		e->scoid = scoid;
		e->coid = info->coid;
		e->next = dpp->bind[k];
		dpp->bind[k] = e;
	}
	e->pid = info->pid;
	e->b = b;
	pthread_mutex_unlock(&dpp->lock);
	return 0;
}

/* Remove the entry of info's (scoid, coid) (only if it refers to `hint`,
 * when given) and return its binding with the entry's reference. */
static struct nto_binding *bind_remove(dispatch_t *dpp,
				       const struct _msg_info *info,
				       struct nto_binding *hint)
{
	struct nto_bindent **pp, *e;
	struct nto_binding *b = NULL;
	int scoid = scoid_key(info->scoid);

	if (info->scoid < 0)
		return NULL;
	pthread_mutex_lock(&dpp->lock);
	for (pp = &dpp->bind[bucket(scoid, info->coid)]; (e = *pp);
	     pp = &e->next) {
		if (e->scoid == scoid && e->coid == info->coid) {
			if (e->pid != info->pid || (hint && e->b != hint))
				break;
			*pp = e->next;
			b = e->b;
			free(e);
			break;
		}
	}
	pthread_mutex_unlock(&dpp->lock);
	return b;
}

/* Remove any one entry of scoid (DISCONNECT), reporting its coid and pid. */
static struct nto_binding *bind_remove_scoid(dispatch_t *dpp, int scoid,
					     int *coid, pid_t *pid)
{
	struct nto_bindent **pp, *e;
	struct nto_binding *b = NULL;
	unsigned i;

	scoid = scoid_key(scoid);
	pthread_mutex_lock(&dpp->lock);
	for (i = 0; i < NTO_BIND_BUCKETS && !b; i++) {
		for (pp = &dpp->bind[i]; (e = *pp); pp = &e->next) {
			if (e->scoid == scoid) {
				*pp = e->next;
				b = e->b;
				*coid = e->coid;
				*pid = e->pid;
				free(e);
				break;
			}
		}
	}
	pthread_mutex_unlock(&dpp->lock);
	return b;
}

/* The I/O handler for message `type` (_IO_READ.._IO_POWER) in f, or NULL. */
static _resmgr_func_t io_func(const resmgr_io_funcs_t *f, unsigned type)
{
	_resmgr_func_t fn;
	unsigned idx;

	if (!f || type < _IO_READ)
		return NULL;
	idx = type - _IO_READ;
	if (idx >= f->nfuncs || idx >= _RESMGR_IO_NFUNCS)
		return NULL;
	/* the table is nfuncs function pointers in message-type order */
	memcpy(&fn,
	       (const char *)f + offsetof(resmgr_io_funcs_t, read) +
		       idx * sizeof(fn),
	       sizeof(fn));
	return fn;
}

/* Drop one reference to b; the last one runs close_ocb (as QNX, with
 * ctp->rcvid 0: there is nobody to reply to) and frees it. */
static void bind_release(resmgr_context_t *ctp, struct nto_binding *b)
{
	_resmgr_func_t fn;
	int rcvid;

	if (atomic_fetch_sub(&b->count, 1) != 1)
		return;
	fn = b->noclose ? NULL : io_func(b->funcs, _IO_RSVD_CLOSE_OCB);
	if (fn) {
		rcvid = ctp->rcvid;
		ctp->rcvid = 0;
		(void)fn(ctp, NULL, b->ocb);
		ctp->rcvid = rcvid;
	}
	free(b);
}

void nto__resmgr_forget(dispatch_t *dpp)
{
	struct nto_link *l, **pp, *dead = NULL;
	struct nto_bindent *e;
	unsigned i;

	pthread_mutex_lock(&links_lock);
	for (pp = &links; (l = *pp);) {
		if (l->dpp != dpp || l->dead || !l->ready) {
			pp = &l->next;
			continue;
		}
		*pp = l->next;
		l->dead = 1;
		l->refs++; /* ours until detached from ipcd */
		l->next = dead;
		dead = l;
	}
	pthread_mutex_unlock(&links_lock);
	while ((l = dead)) {
		dead = l->next;
		if (l->registered)
			(void)ctl_path_detach(l->id);
		l->registered = 0;
		link_put(l);
	}
	pthread_mutex_lock(&dpp->lock);
	for (i = 0; i < NTO_BIND_BUCKETS; i++) {
		while ((e = dpp->bind[i])) {
			dpp->bind[i] = e->next;
			if (atomic_fetch_sub(&e->b->count, 1) == 1)
				free(e->b);
			free(e);
		}
	}
	pthread_mutex_unlock(&dpp->lock);
}

/* ---- public registration API ---- */

NTO_EXPORT int resmgr_attach(dispatch_t *dpp, resmgr_attr_t *attr,
			     const char *path, enum _file_type file_type,
			     unsigned flags,
			     const resmgr_connect_funcs_t *connect_funcs,
			     const resmgr_io_funcs_t *io_funcs,
			     RESMGR_HANDLE_T *handle)
{
	resmgr_attr_t null_attr;
	unsigned msgmax;
	int r, local;

	if (!attr) {
		memset(&null_attr, 0, sizeof(null_attr));
		attr = &null_attr;
	}
	if (!dpp || (path && path[0] != '/')) {
		errno = EINVAL;
		return -1;
	}
	if (path && strlen(path) >= NTO_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	msgmax = attr->msg_max_size;
	if (msgmax < NTO_RESMGR_MSG_MIN)
		msgmax = NTO_RESMGR_MSG_MIN;
	if (msgmax < sizeof(resmgr_iomsgs_t))
		msgmax = sizeof(resmgr_iomsgs_t);
	r = nto__dispatch_attach(dpp, attr->nparts_max, msgmax, 1);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	if (attr->other_func) {
		pthread_mutex_lock(&dpp->lock);
		if (!dpp->other_func)
			dpp->other_func = attr->other_func;
		pthread_mutex_unlock(&dpp->lock);
	}
	local = !!(attr->flags & RESMGR_FLAG_ATTACH_LOCAL);
	if (!path && !local)
		return 0;
	r = nto__link_add(dpp, local ? NULL : path, (unsigned)file_type, flags,
			  connect_funcs, io_funcs, handle);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

NTO_EXPORT int resmgr_detach(dispatch_t *dpp, int id, unsigned flags)
{
	struct nto_bindent **pp, *e, *drop = NULL;
	struct nto_link *l;
	struct nto_binding *b;
	resmgr_context_t ctx;
	int registered;
	unsigned i;

	if (!dpp) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&links_lock);
	for (l = links; l; l = l->next)
		if (l->ready && l->id == id && l->dpp == dpp && !l->dead)
			break;
	if (!l) {
		pthread_mutex_unlock(&links_lock);
		errno = EINVAL;
		return -1;
	}
	registered = l->registered;
	l->registered = 0;
	if (!(flags & _RESMGR_DETACH_PATHNAME)) {
		link_unlist(l);
		l->dead = 1;
	}
	l->refs++;
	pthread_mutex_unlock(&links_lock);

	if (registered)
		(void)ctl_path_detach(id);

	if (!(flags & _RESMGR_DETACH_PATHNAME)) {
		/* Invalidate the bindings made through this attach: later
		 * I/O on those coids gets EBADF. */
		pthread_mutex_lock(&dpp->lock);
		for (i = 0; i < NTO_BIND_BUCKETS; i++) {
			for (pp = &dpp->bind[i]; (e = *pp);) {
				if (e->b->id != id) {
					pp = &e->next;
					continue;
				}
				*pp = e->next;
				e->next = drop;
				drop = e;
			}
		}
		pthread_mutex_unlock(&dpp->lock);
		memset(&ctx, 0, sizeof(ctx));
		ctx.dpp = dpp;
		ctx.id = id;
		while ((e = drop)) {
			drop = e->next;
			b = e->b;
			if (!(flags & _RESMGR_DETACH_CLOSE))
				b->noclose = 1;
			bind_release(&ctx, b);
			free(e);
		}
	}
	link_put(l);
	return 0;
}

NTO_EXPORT int resmgr_pathname(int id, unsigned flags, char *path, int maxbuf)
{
	struct nto_link *l;
	int len = -1;

	(void)flags;
	pthread_mutex_lock(&links_lock);
	for (l = links; l; l = l->next) {
		if (l->ready && l->id == id && !l->dead && l->path) {
			len = (int)strlen(l->path);
			if (path && maxbuf > 0) {
				strncpy(path, l->path, (size_t)maxbuf - 1);
				path[maxbuf - 1] = '\0';
			}
			break;
		}
	}
	pthread_mutex_unlock(&links_lock);
	if (len < 0)
		errno = EINVAL;
	return len;
}

NTO_EXPORT int resmgr_open_bind(resmgr_context_t *ctp, RESMGR_OCB_T *ocb,
				const resmgr_io_funcs_t *io_funcs)
{
	struct nto_binding *b, *stale;
	struct nto_link *l;
	int r;

	if (!ctp || !(l = link_get_id(ctp->dpp, ctp->id))) {
		errno = ENOENT;
		return -1;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		link_put(l);
		errno = ENOMEM;
		return -1;
	}
	atomic_init(&b->count, 1);
	b->id = l->id;
	b->ocb = ocb;
	b->funcs = io_funcs ? io_funcs : l->io_funcs;
	link_put(l);
	r = bind_set(ctp->dpp, &ctp->info, b, &stale);
	if (r < 0) {
		free(b);
		errno = -r;
		return -1;
	}
	if (stale)
		bind_release(ctp, stale);
	return 0;
}

NTO_EXPORT int resmgr_unbind(resmgr_context_t *ctp)
{
	struct nto_binding *b;

	if (!ctp || !(b = bind_remove(ctp->dpp, &ctp->info, NULL))) {
		errno = EBADF;
		return -1;
	}
	bind_release(ctp, b);
	return 0;
}

/* ---- reply helpers ---- */

NTO_EXPORT int resmgr_msgread(resmgr_context_t *ctp, void *msg, int size,
			      int offset)
{
	return MsgRead(ctp->rcvid, msg, size, ctp->offset + offset);
}

NTO_EXPORT int resmgr_msgreadv(resmgr_context_t *ctp, iov_t *iov, int parts,
			       int offset)
{
	return MsgReadv(ctp->rcvid, iov, parts, ctp->offset + offset);
}

NTO_EXPORT int resmgr_msgwrite(resmgr_context_t *ctp, const void *msg, int size,
			       int offset)
{
	return MsgWrite(ctp->rcvid, msg, size, offset);
}

NTO_EXPORT int resmgr_msgwritev(resmgr_context_t *ctp, const iov_t *iov,
				int parts, int offset)
{
	return MsgWritev(ctp->rcvid, iov, parts, offset);
}

NTO_EXPORT int resmgr_msgreplyv(resmgr_context_t *ctp, iov_t *iov, int parts)
{
	return MsgReplyv(ctp->rcvid, ctp->status, iov, parts) < 0 ? -1 : 0;
}

NTO_EXPORT int resmgr_msgreply(resmgr_context_t *ctp, void *ptr, int len)
{
	return MsgReply(ctp->rcvid, ctp->status, ptr, len) < 0 ? -1 : 0;
}

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

/* ---- message routing ---- */

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
		fn = io_func(b->funcs, msg->type);
		if (msg->type == _IO_CLOSE) {
			rm = bind_remove(ctp->dpp, &ctp->info, b);
			if (rm) {
				if (locked) {
					lock = io_func(b->funcs,
						       _IO_RSVD_UNLOCK_OCB);
					if (lock)
						(void)lock(ctp, NULL, b->ocb);
					locked = 0;
				}
				n = fn ? fn(ctp, msg, b->ocb) : EOK;
				bind_release(ctp, rm);
			} else {
				n = EBADF;
			}
			combine = 0;
		} else if (fn) {
			lock = locked ? NULL
				      : io_func(b->funcs, _IO_RSVD_LOCK_OCB);
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
		lock = io_func(b->funcs, _IO_RSVD_UNLOCK_OCB);
		if (lock)
			(void)lock(ctp, NULL, b->ocb);
	}
	bind_release(ctp, b);
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
	b = bind_find(ctp->dpp, &ctp->info);
	if (!b)
		return EBADF;
	if (c->extra_len >= sizeof(struct _io_combine)) {
		/* handlers need the I/O message aligned */
		if (aligned != off) {
			if (aligned + c->extra_len > ctp->msg_max_size) {
				bind_release(ctp, b);
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
	    (rm = bind_remove(ctp->dpp, &ctp->info, b))) {
		status = ctp->status;
		rcvid = ctp->rcvid;
		ctp->rcvid = 0;
		fn = io_func(b->funcs, _IO_CLOSE);
		if (fn) {
			io_close_t cl = {.i = {.type = _IO_CLOSE,
					       .combine_len = sizeof(cl.i)}};

			(void)fn(ctp, (resmgr_iomsgs_t *)(void *)&cl, b->ocb);
		}
		bind_release(ctp, rm);
		ctp->rcvid = rcvid;
		ctp->status = status;
	}
	bind_release(ctp, b);
	return n;
}

static int connect_handler(resmgr_context_t *ctp, resmgr_iomsgs_t *msg)
{
	typedef int (*connect_fn)(resmgr_context_t *, void *, void *, void *);
	struct _io_connect *c = &msg->connect;
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

	l = link_get_handle(ctp->dpp, c->handle);
	if (!l)
		return ENOENT;
	ctp->id = l->id;
	ctp->offset = 0;
	if (!l->connect_funcs) {
		/* A name_attach registration: the name_open handshake. */
		n = (l->ftype == _FTYPE_NAME && c->subtype == _IO_CONNECT_OPEN)
			    ? EOK
			    : _RESMGR_DEFAULT;
		link_put(l);
		return n;
	}
	if (c->subtype == _IO_CONNECT_COMBINE ||
	    c->subtype == _IO_CONNECT_COMBINE_CLOSE) {
		n = combine_handler(ctp, l, c, extra);
		link_put(l);
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
		link_put(l);
		return _RESMGR_DEFAULT;
	}
	ctp->size = ctp->info.msglen;
	n = fn(ctp, msg, l->handle_ptr, extra);
	link_put(l);
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
	b = bind_find(ctp->dpp, &orig);
	if (!b)
		return EBADF;
	ctp->id = b->id;
	fn = io_func(b->funcs, _IO_DUP);
	if (fn) {
		n = fn(ctp, msg, b->ocb);
		if (n == _RESMGR_DEFAULT)
			n = EOK;
		if (n != EOK) {
			bind_release(ctp, b);
			return n;
		}
	}
	r = bind_set(ctp->dpp, &ctp->info, b, &stale);
	if (r < 0) {
		bind_release(ctp, b);
		return -r;
	}
	if (stale)
		bind_release(ctp, stale);
	return n;
}

static int close_handler(resmgr_context_t *ctp, resmgr_iomsgs_t *msg)
{
	struct nto_binding *b;
	_resmgr_func_t fn;
	int n;

	b = bind_remove(ctp->dpp, &ctp->info, NULL);
	if (!b)
		return EBADF;
	ctp->id = b->id;
	ctp->offset = 0;
	ctp->size = ctp->info.msglen;
	fn = io_func(b->funcs, _IO_CLOSE);
	n = fn ? fn(ctp, msg, b->ocb) : EOK;
	bind_release(ctp, b);
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
	while ((b = bind_remove_scoid(ctp->dpp, scoid, &coid, &pid))) {
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
		fn = io_func(b->funcs, _IO_CLOSE);
		if (fn)
			(void)fn(ctp, msg, b->ocb);
		bind_release(ctp, b);
	}
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
	b = bind_find(ctp->dpp, &ctp->info);
	if (!b)
		return _RESMGR_DEFAULT;
	ctp->id = b->id;
	fn = io_func(b->funcs, _IO_RSVD_UNBLOCK);
	if (fn)
		n = fn(ctp, ctp->msg, b->ocb);
	bind_release(ctp, b);
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
	default:
		if (msg->type >= _IO_BASE && msg->type <= _IO_MAX) {
			b = bind_find(ctp->dpp, &ctp->info);
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

/* ---- resmgr_* spellings of the dispatch calls ---- */

NTO_EXPORT resmgr_context_t *resmgr_context_alloc(dispatch_t *dpp)
{
	/* resmgr_context is the union's first member */
	return (resmgr_context_t *)(void *)dispatch_context_alloc(dpp);
}

NTO_EXPORT void resmgr_context_free(resmgr_context_t *ctp)
{
	dispatch_context_free((dispatch_context_t *)(void *)ctp);
}

NTO_EXPORT resmgr_context_t *resmgr_block(resmgr_context_t *ctp)
{
	return (resmgr_context_t *)(void *)dispatch_block(
		(dispatch_context_t *)(void *)ctp);
}

NTO_EXPORT void resmgr_unblock(resmgr_context_t *ctp)
{
	dispatch_unblock((dispatch_context_t *)(void *)ctp);
}

NTO_EXPORT int resmgr_handler(resmgr_context_t *ctp)
{
	if (ctp)
		nto__resmgr_handler(ctp);
	return 0;
}
