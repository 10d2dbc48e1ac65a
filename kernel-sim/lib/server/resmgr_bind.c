/*
 * The per-dispatch table of open-file bindings: which OCB and I/O table a
 * client's (scoid, coid) refers to, with the reference counting that runs
 * close_ocb when the last one goes. Not the routing that uses it
 * (resmgr_route.c) nor the registrations (resmgr.c).
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "resmgr-internal.h"

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
struct nto_binding *nto__bind_find(dispatch_t *dpp,
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
int nto__bind_set(dispatch_t *dpp, const struct _msg_info *info,
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
struct nto_binding *nto__bind_remove(dispatch_t *dpp,
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
struct nto_binding *nto__bind_remove_scoid(dispatch_t *dpp, int scoid,
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
_resmgr_func_t nto__io_func(const resmgr_io_funcs_t *f, unsigned type)
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
void nto__bind_release(resmgr_context_t *ctp, struct nto_binding *b)
{
	_resmgr_func_t fn;
	int rcvid;

	if (atomic_fetch_sub(&b->count, 1) != 1)
		return;
	fn = b->noclose ? NULL : nto__io_func(b->funcs, _IO_RSVD_CLOSE_OCB);
	if (fn) {
		rcvid = ctp->rcvid;
		ctp->rcvid = 0;
		(void)fn(ctp, NULL, b->ocb);
		ctp->rcvid = rcvid;
	}
	free(b);
}

void nto__bind_drop_id(dispatch_t *dpp, int id, int run_close)
{
	struct nto_bindent **pp, *e, *drop = NULL;
	struct nto_binding *b;
	resmgr_context_t ctx;
	unsigned i;

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
		if (!run_close)
			b->noclose = 1;
		/* notify: the connection's entries go with its binding */
		nto__notify_forget(e->scoid, e->coid);
		nto__bind_release(&ctx, b);
		free(e);
	}
}

void nto__bind_clear(dispatch_t *dpp)
{
	struct nto_bindent *e;
	unsigned i;

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
