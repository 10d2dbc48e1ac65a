/*
 * RESOLVE_ATTACH (issue 10): open() and name_open resolve a path and then
 * attach to the first registration they would try; this does both in one
 * round trip, attaching exactly as CONNECT_ATTACH would (the client
 * detaches the coid again if it does not use it).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/ftype.h>

#include "ipcd/internal.h"

/* The first entry the caller would try, or -1. */
static int ra_pick(const struct proc *p,
		   const struct nto_ctl_resolve_attach *in,
		   const struct nto_ctl_resolve_ent *ent, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if ((in->ra_flags & NTO_RA_SKIP_SELF) && ent[i].pid == p->pid &&
		    !(ent[i].flags & NTO_RA_FLAG_SELF))
			continue;
		if (in->ftype != _FTYPE_ANY && ent[i].ftype != _FTYPE_ANY &&
		    ent[i].ftype != in->ftype)
			continue;
		return i;
	}
	return -1;
}

int dispatch_resolve_attach(struct req *rq)
{
	const struct nto_ctl_resolve_attach *in = rq->data;
	struct nto_ctl_resolve_attach_rep *out = rq->rbuf;
	size_t max = rq->len - sizeof(*in);
	struct nto_ctl_attach att;
	struct req sub;
	int n, i, rc;

	if (!memchr(in->path, '\0', max) || (in->ra_flags & ~NTO_RA_SKIP_SELF))
		return IPCD_DROP;
	n = pathspace_resolve(in->path, out->ent);
	if (n < 0)
		return n;
	memset(out, 0, sizeof(*out));
	out->n = (uint32_t)n;
	out->index = -1;
	rq->rlen = (uint32_t)(sizeof(*out) +
			      (size_t)n * sizeof(struct nto_ctl_resolve_ent));
	i = ra_pick(rq->proc, in, out->ent, n);
	if (i < 0)
		return 0;
	/* CONNECT_ATTACH's own handler, checks and all, on a request of
	 * its own; its reply (and fds) become ours */
	att = in->att;
	att.pid = out->ent[i].pid;
	att.chid = out->ent[i].chid;
	sub = *rq;
	sub.data = &att;
	sub.len = sizeof(att);
	sub.rbuf = &out->att;
	sub.rlen = 0;
	sub.nfds = 0;
	rc = dispatch_connect_attach(&sub);
	if (rc == IPCD_DROP)
		return rc;
	if (rc < 0) {
		out->att_err = rc;
		return 0;
	}
	out->index = i;
	memcpy(rq->fds, sub.fds, sizeof(rq->fds));
	rq->nfds = sub.nfds;
	return 0;
}
