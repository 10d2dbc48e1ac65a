/*
 * The pathname space: resmgr/name registrations (PATH_ATTACH/DETACH),
 * resolution of a path to the ordered list of servers that may own it
 * (RESOLVE), and requests parked until a path appears (WAIT_PATH).
 * Resolution rules are documented in ipcd(8).
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "ipcd/internal.h"

#define RESMGR_FLAG_BEFORE 0x1u
#define RESMGR_FLAG_AFTER  0x2u
#define RESMGR_FLAG_OPAQUE 0x4u
#define RESMGR_FLAG_DIR	   0x100u
#define FTYPE_NAME	   12u

/* The path of a nto_ctl_path request; IPCD_DROP if it is not terminated. */
static const char *path_arg(const struct req *rq)
{
	const char *path = (const char *)rq->data + sizeof(struct nto_ctl_path);
	size_t max = rq->len - sizeof(struct nto_ctl_path);

	return memchr(path, '\0', max) ? path : NULL;
}

/* Collapse duplicate slashes and strip a trailing one (except for "/").
 * Returns the length, -EINVAL if not absolute, -ENAMETOOLONG. */
static int path_normalize(const char *in, char out[NTO_PATH_MAX])
{
	size_t n = strlen(in), i, o = 0;

	if (n >= NTO_PATH_MAX)
		return -ENAMETOOLONG;
	if (in[0] != '/')
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (in[i] == '/' && o > 0 && out[o - 1] == '/')
			continue;
		out[o++] = in[i];
	}
	if (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	return (int)o;
}

static int path_matches(const struct pathreg *r, const char *x, size_t xlen)
{
	if (r->plen == xlen && memcmp(r->path, x, xlen) == 0)
		return 1;
	if (!(r->flags & RESMGR_FLAG_DIR))
		return 0;
	if (r->plen == 1)
		return 1; /* "/" as a directory holds every absolute path */
	return xlen > r->plen && memcmp(r->path, x, r->plen) == 0 &&
	       x[r->plen] == '/';
}

static int path_group(uint32_t flags)
{
	if (flags & RESMGR_FLAG_BEFORE)
		return 0;
	if (flags & RESMGR_FLAG_AFTER)
		return 2;
	return 1;
}

/* Longest prefix first; at one prefix BEFORE (newest first), plain (newest
 * first), AFTER (oldest first). */
static int resolve_cmp(const void *pa, const void *pb)
{
	const struct pathreg *a = *(const struct pathreg *const *)pa;
	const struct pathreg *b = *(const struct pathreg *const *)pb;
	int ga = path_group(a->flags), gb = path_group(b->flags);

	if (a->plen != b->plen)
		return a->plen > b->plen ? -1 : 1;
	if (ga != gb)
		return ga < gb ? -1 : 1;
	if (a->serial == b->serial)
		return 0;
	if (ga == 2)
		return a->serial < b->serial ? -1 : 1;
	return a->serial > b->serial ? -1 : 1;
}

static int path_resolve(const char *x, size_t xlen,
			struct nto_ctl_resolve_ent *ent, unsigned max)
{
	struct pathreg *r, **v;
	size_t n = 0, i, cutoff = 0;
	unsigned out = 0;

	TAILQ_FOREACH(r, &ipcd.paths, link)
	{
		if (path_matches(r, x, xlen))
			n++;
	}
	if (n == 0)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	TAILQ_FOREACH(r, &ipcd.paths, link)
	{
		if (path_matches(r, x, xlen))
			v[n++] = r;
	}
	qsort(v, n, sizeof(*v), resolve_cmp);
	for (i = 0; i < n && out < max; i++) {
		r = v[i];
		if (r->plen < cutoff)
			break; /* hidden by an OPAQUE registration */
		ent[out].pid = r->proc->pid;
		ent[out].chid = r->chid;
		ent[out].handle = r->handle;
		ent[out].ftype = r->ftype;
		ent[out].flags = r->flags;
		ent[out].prefix_len = (uint32_t)r->plen;
		out++;
		if (r->flags & RESMGR_FLAG_OPAQUE)
			cutoff = r->plen;
	}
	free(v);
	return (int)out;
}

static int path_resolvable(const char *x, size_t xlen)
{
	struct pathreg *r;

	TAILQ_FOREACH(r, &ipcd.paths, link)
	{
		if (path_matches(r, x, xlen))
			return 1;
	}
	return 0;
}

static void pathreg_free(struct pathreg *r)
{
	TAILQ_REMOVE(&ipcd.paths, r, link);
	r->proc->npaths--;
	quota_give(r->proc->uid, &r->proc->quse, QUOTA_PATHS, 1);
	ipcd.npaths--;
	log_dbg("path %s (id %d) of pid %d removed", r->path, r->id,
		(int)r->proc->pid);
	free(r->path);
	free(r);
	procevent_pathspace(); /* procmgr: the path space changed */
}

static void waiter_free(struct waiter *w)
{
	TAILQ_REMOVE(&ipcd.waiters, w, link);
	w->peer->nwaiters--;
	if (w->timer)
		event_free(w->timer);
	free(w->path);
	free(w);
}

static void waiter_finish(struct waiter *w, int status)
{
	struct peer *pe = w->peer;

	if (!pe->closing && peer_send(pe, NTO_CTL_WAIT_PATH, w->seq, status,
				      NULL, 0, NULL, 0) < 0)
		peer_drop(pe, "reply failed");
	waiter_free(w);
}

static void waiter_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	waiter_finish(arg, -ETIMEDOUT);
}

void pathspace_drop_proc(struct proc *p)
{
	struct pathreg *r, *n;

	for (r = TAILQ_FIRST(&ipcd.paths); r; r = n) {
		n = TAILQ_NEXT(r, link);
		if (r->proc == p)
			pathreg_free(r);
	}
}

void pathspace_drop_chan(struct proc *p, int chid)
{
	struct pathreg *r, *n;

	for (r = TAILQ_FIRST(&ipcd.paths); r; r = n) {
		n = TAILQ_NEXT(r, link);
		if (r->proc == p && r->chid == chid)
			pathreg_free(r);
	}
}

void pathspace_drop_peer(struct peer *pe)
{
	struct waiter *w, *n;

	for (w = TAILQ_FIRST(&ipcd.waiters); w; w = n) {
		n = TAILQ_NEXT(w, link);
		if (w->peer == pe)
			waiter_free(w);
	}
}

void pathspace_shutdown(void)
{
	while (!TAILQ_EMPTY(&ipcd.waiters))
		waiter_free(TAILQ_FIRST(&ipcd.waiters));
}

static int link_id_next(void)
{
	struct pathreg *r;
	int id;

	for (;;) {
		id = ipcd.next_link_id;
		ipcd.next_link_id = (id <= 0 || id == INT32_MAX) ? 1 : id + 1;
		if (id <= 0)
			continue;
		TAILQ_FOREACH(r, &ipcd.paths, link)
		{
			if (r->id == id)
				break;
		}
		if (!r)
			return id;
	}
}

/* Register arg for p's channel chid; id 0 takes a new link id, else that
 * one (restore.c: the id the process knows; -EEXIST if taken). Returns the
 * link id or -errno. */
int pathspace_attach(struct proc *p, const char *arg, int chid, uint32_t handle,
		     uint32_t flags, uint32_t ftype, int id)
{
	char path[NTO_PATH_MAX];
	struct waiter *w, *wn;
	struct pathreg *r;
	int n;

	if (!chan_lookup(p, chid))
		return -EINVAL;
	n = path_normalize(arg, path);
	if (n < 0)
		return n;
	TAILQ_FOREACH(r, &ipcd.paths, link)
	{
		if (ftype == FTYPE_NAME && r->plen == (size_t)n &&
		    memcmp(r->path, path, n) == 0)
			return -EEXIST;
		if (id && r->id == id)
			return -EEXIST;
	}
	if (quota_take(p->uid, &p->quse, p->pid, QUOTA_PATHS, 1) < 0)
		return -EAGAIN; /* quota.c: the process's or uid's paths */
	r = calloc(1, sizeof(*r));
	if (r)
		r->path = strdup(path);
	if (!r || !r->path) {
		free(r);
		quota_give(p->uid, &p->quse, QUOTA_PATHS, 1);
		return -ENOMEM;
	}
	r->plen = (size_t)n;
	r->proc = p;
	r->chid = chid;
	r->handle = handle;
	r->flags = flags;
	r->ftype = ftype;
	r->id = id ? id : link_id_next();
	r->serial = ++ipcd.path_serial;
	TAILQ_INSERT_TAIL(&ipcd.paths, r, link);
	p->npaths++;
	ipcd.npaths++;
	log_info("pid %d: path %s attached (chid %d, flags %#x, ftype %u, "
		 "id %d)",
		 (int)p->pid, r->path, r->chid, r->flags, r->ftype, r->id);
	for (w = TAILQ_FIRST(&ipcd.waiters); w; w = wn) {
		wn = TAILQ_NEXT(w, link);
		if (path_matches(r, w->path, strlen(w->path)))
			waiter_finish(w, 0);
	}
	procevent_pathspace(); /* procmgr: the path space changed */
	return r->id;
}

int dispatch_path_attach(struct req *rq)
{
	const struct nto_ctl_path *in = rq->data;
	struct nto_ctl_id *out = rq->rbuf;
	const char *arg = path_arg(rq);
	int id;

	if (!arg)
		return IPCD_DROP;
	id = pathspace_attach(rq->proc, arg, in->chid, in->handle, in->flags,
			      in->ftype, 0);
	if (id < 0)
		return id;
	out->id = id;
	rq->rlen = sizeof(*out);
	return 0;
}

int dispatch_path_detach(struct req *rq)
{
	const struct nto_ctl_id *in = rq->data;
	struct pathreg *r;

	TAILQ_FOREACH(r, &ipcd.paths, link)
	{
		if (r->id == in->id && r->proc == rq->proc) {
			pathreg_free(r);
			return 0;
		}
	}
	return -EINVAL;
}

int pathspace_resolve(const char *arg, struct nto_ctl_resolve_ent *ent)
{
	char path[NTO_PATH_MAX];
	int n = path_normalize(arg, path);

	if (n == -EINVAL)
		return -ENOENT; /* nothing is registered at a relative path */
	if (n < 0)
		return n;
	n = path_resolve(path, (size_t)n, ent, NTO_RESOLVE_MAX);
	return n == 0 ? -ENOENT : n;
}

int dispatch_resolve(struct req *rq)
{
	struct nto_ctl_resolve_rep *out = rq->rbuf;
	const char *arg = path_arg(rq);
	int n;

	if (!arg)
		return IPCD_DROP;
	n = pathspace_resolve(arg, out->ent);
	if (n < 0)
		return n;
	out->n = (uint32_t)n;
	rq->rlen = (uint32_t)(sizeof(*out) +
			      (size_t)n * sizeof(struct nto_ctl_resolve_ent));
	return 0;
}

int dispatch_wait_path(struct req *rq)
{
	const struct nto_ctl_path *in = rq->data;
	const char *arg = path_arg(rq);
	struct peer *pe = rq->peer;
	char path[NTO_PATH_MAX];
	struct waiter *w;
	int n;

	if (!arg)
		return IPCD_DROP;
	n = path_normalize(arg, path);
	if (n < 0)
		return n;
	if (path_resolvable(path, (size_t)n))
		return 0;
	if (in->handle == 0)
		return -ETIMEDOUT;
	if (pe->nwaiters >= IPCD_WAITERS_MAX)
		return -EAGAIN;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->path = strdup(path);
	if (!w->path)
		goto nomem;
	if (in->handle != UINT32_MAX) {
		struct timeval tv = {(time_t)(in->handle / 1000),
				     (suseconds_t)(in->handle % 1000) * 1000};

		w->timer = evtimer_new(ipcd.base, waiter_timeout_cb, w);
		if (!w->timer)
			goto nomem;
		evtimer_add(w->timer, &tv);
	}
	w->peer = pe;
	w->seq = rq->seq;
	TAILQ_INSERT_TAIL(&ipcd.waiters, w, link);
	pe->nwaiters++;
	rq->noreply = 1;
	return 0;
nomem:
	free(w->path);
	free(w);
	return -ENOMEM;
}

/* PATH_LIST: the distinct next components of every registered path below
 * the asked directory (what `ls /dev/name/local` shows), as many as fit. */
int dispatch_path_list(struct req *rq)
{
	struct nto_ctl_path_list_rep *out = rq->rbuf;
	size_t cap =
		NTO_CTL_REPLY_MAX - sizeof(struct nto_ctl_hdr) - sizeof(*out);
	const char *arg = path_arg(rq), *name, *p;
	char dir[NTO_PATH_MAX];
	struct pathreg *r;
	size_t used = 0, nlen, dlen, off;
	int n;

	if (!arg)
		return IPCD_DROP;
	n = path_normalize(arg, dir);
	if (n == -EINVAL)
		return -ENOENT;
	if (n < 0)
		return n;
	dlen = (size_t)n == 1 ? 0 : (size_t)n; /* "/": every path is below */
	out->n = 0;
	out->truncated = 0;
	TAILQ_FOREACH(r, &ipcd.paths, link)
	{
		if (r->plen <= dlen + 1 || memcmp(r->path, dir, dlen) != 0 ||
		    r->path[dlen] != '/')
			continue;
		name = r->path + dlen + 1;
		p = strchr(name, '/');
		nlen = p ? (size_t)(p - name) : strlen(name);
		if (nlen == 0)
			continue;
		for (off = 0; off < used; off += strlen(out->names + off) + 1)
			if (strlen(out->names + off) == nlen &&
			    memcmp(out->names + off, name, nlen) == 0)
				break;
		if (off < used)
			continue; /* already listed */
		if (used + nlen + 1 > cap) {
			out->truncated = 1;
			break;
		}
		memcpy(out->names + used, name, nlen);
		out->names[used + nlen] = '\0';
		used += nlen + 1;
		out->n++;
	}
	if (out->n == 0)
		return -ENOENT;
	rq->rlen = (uint32_t)(sizeof(*out) + used);
	return 0;
}
