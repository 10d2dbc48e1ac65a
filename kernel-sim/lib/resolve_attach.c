/*
 * open() and name_open in one ipcd round trip instead of two: resolve the
 * path and attach to the first registration the caller would try
 * (NTO_CTL_RESOLVE_ATTACH); the caller takes that coid when it reaches the
 * entry, and it is detached again if it never does.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "internal.h"

int nto__resolve_attach(const char *path, unsigned ftype, uint32_t ra_flags,
			unsigned index, int flags,
			struct nto_ctl_resolve_ent *ents, int max,
			struct nto_ra *ra)
{
	char buf[sizeof(struct nto_ctl_resolve_attach) + NTO_PATH_MAX];
	struct nto_ctl_resolve_attach *req =
		(struct nto_ctl_resolve_attach *)buf;
	char rbuf[sizeof(struct nto_ctl_resolve_attach_rep) +
		  NTO_RESOLVE_MAX * sizeof(struct nto_ctl_resolve_ent)];
	struct nto_ctl_resolve_attach_rep *rep =
		(struct nto_ctl_resolve_attach_rep *)rbuf;
	int fds[NTO_CTL_FDS_MAX], nfds = 0, ph, rc, i;
	size_t len = strlen(path), got = 0;
	uint32_t n;

	ra->idx = ra->coid = -1;
	if (len >= NTO_PATH_MAX)
		return -ENAMETOOLONG;
	/* no fd for a placeholder (EMFILE): resolve alone, as the path may
	 * be the host's (libc then opens it in that last fd) */
	if (nto__attach_begin(index, &ph) < 0)
		return nto__resolve(path, ents, max);
	memset(req, 0, sizeof(*req));
	req->att.coid = ph >= 0 ? ph : -1;
	req->att.flags = (uint32_t)flags;
	req->ftype = ftype;
	req->ra_flags = ra_flags;
	memcpy(req->path, path, len + 1);
	rc = nto__ctl_call(NTO_CTL_RESOLVE_ATTACH, req, sizeof(*req) + len + 1,
			   rbuf, sizeof(rbuf), &got, fds, NTO_CTL_FDS_MAX,
			   &nfds);
	if (rc >= 0 && got < sizeof(*rep))
		rc = -EPROTO;
	if (rc < 0 || rep->index < 0) {
		/* nothing attached: the placeholder goes */
		nto__attach_end(rc < 0 ? rc : -ENOENT, &rep->att, 0, fds, nfds,
				flags, ph);
		if (rc < 0)
			return rc;
	} else {
		/* attached (the coid is ours, whatever else the reply says) */
		ra->coid = nto__attach_end(0, &rep->att, sizeof(rep->att), fds,
					   nfds, flags, ph);
		if (ra->coid >= 0)
			ra->idx = rep->index;
	}
	n = rep->n;
	if (sizeof(*rep) + (size_t)n * sizeof(rep->ent[0]) > got ||
	    (ra->coid >= 0 && ((uint32_t)ra->idx >= n || ra->idx >= max ||
			       rep->ent[ra->idx].pid != rep->att.server_pid))) {
		nto__ra_done(ra);
		return -EPROTO;
	}
	for (i = 0; i < (int)n && i < max; i++)
		ents[i] = rep->ent[i];
	return i;
}

int nto__ra_take(struct nto_ra *ra, int i, const struct nto_ctl_resolve_ent *e,
		 unsigned index, int flags)
{
	int coid = ra->coid;

	if (i == ra->idx && coid >= 0) {
		ra->coid = -1;
		return coid;
	}
	return ConnectAttach_r(0, e->pid, e->chid, index, flags);
}

void nto__ra_done(struct nto_ra *ra)
{
	if (ra->coid >= 0)
		(void)ConnectDetach_r(ra->coid);
	ra->coid = -1;
}
