/*
 * The resource-manager layer's registrations and public API: path
 * registrations (resmgr_attach/detach, registered with ipcd), resmgr_pathname,
 * resmgr_open_bind/unbind, the reply helpers and the resmgr_* spellings of
 * the dispatch calls. The binding table is resmgr_bind.c, the routing of
 * messages to handlers resmgr_route.c, the receive loop dispatch.c and the
 * default handlers iofunc*.c.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "resmgr-internal.h"

/* ---- registrations ("links") ---- */

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
struct nto_link *nto__link_get_handle(dispatch_t *dpp, unsigned handle)
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

void nto__link_put(struct nto_link *l)
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

void nto__resmgr_forget(dispatch_t *dpp)
{
	struct nto_link *l, **pp, *dead = NULL;

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
		nto__link_put(l);
	}
	nto__bind_clear(dpp);
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
	struct nto_link *l;
	int registered;

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

	/* Invalidate the bindings made through this attach: later I/O on
	 * those coids gets EBADF. */
	if (!(flags & _RESMGR_DETACH_PATHNAME))
		nto__bind_drop_id(dpp, id, !!(flags & _RESMGR_DETACH_CLOSE));
	nto__link_put(l);
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
		nto__link_put(l);
		errno = ENOMEM;
		return -1;
	}
	atomic_init(&b->count, 1);
	b->id = l->id;
	b->ocb = ocb;
	b->funcs = io_funcs ? io_funcs : l->io_funcs;
	nto__link_put(l);
	r = nto__bind_set(ctp->dpp, &ctp->info, b, &stale);
	if (r < 0) {
		free(b);
		errno = -r;
		return -1;
	}
	if (stale)
		nto__bind_release(ctp, stale);
	return 0;
}

NTO_EXPORT int resmgr_unbind(resmgr_context_t *ctp)
{
	struct nto_binding *b;

	if (!ctp || !(b = nto__bind_remove(ctp->dpp, &ctp->info, NULL))) {
		errno = EBADF;
		return -1;
	}
	nto__bind_release(ctp, b);
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
