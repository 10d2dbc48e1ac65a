/*
 * name_attach / name_detach (a _FTYPE_NAME registration under
 * /dev/name/{local,global}/ on a dispatch channel) and name_open /
 * name_close (resolve the name and attach a side channel to its server, as
 * QNX does without gns: no message; a resource manager owning a prefix of
 * the name gets open()'s _IO_CONNECT, bounded in time). The registration
 * itself is resmgr.c's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch-internal.h"

static const char name_local[] = "/dev/name/local/";
static const char name_global[] = "/dev/name/global/";

/* 0 if name may be attached / opened, else -EINVAL or -ENAMETOOLONG;
 * the full path goes to path[NTO_PATH_MAX]. */
static int name_path(const char *name, unsigned flags, char *path)
{
	const char *p, *slash, *pref;
	size_t len, plen;

	if (!name || !*name || *name == '/')
		return -EINVAL;
	for (p = name;; p = slash + 1) {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		/* ".." would let a name escape its directory */
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -EINVAL;
		if (!slash)
			break;
	}
	pref = (flags & NAME_FLAG_ATTACH_GLOBAL) ? name_global : name_local;
	plen = strlen(pref);
	len = strlen(name);
	if (plen + len >= NTO_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(path, pref, plen);
	memcpy(path + plen, name, len + 1);
	return 0;
}

NTO_EXPORT name_attach_t *name_attach(dispatch_t *dpp, const char *name,
				      unsigned flags)
{
	char path[NTO_PATH_MAX];
	name_attach_t *att;
	int created = 0, id = -1, r;

	r = name_path(name, flags, path);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	if (!dpp) {
		dpp = dispatch_create();
		if (!dpp)
			return NULL;
		created = 1;
	}
	att = calloc(1, sizeof(*att));
	if (!att) {
		r = -ENOMEM;
		goto fail;
	}
	/* The channel and the resmgr routing (DISCONNECT handling) first. */
	if (resmgr_attach(dpp, NULL, NULL, _FTYPE_ANY, 0, NULL, NULL, NULL) ==
	    -1) {
		r = -errno;
		goto fail;
	}
	id = nto__link_add(dpp, path, _FTYPE_NAME, 0, NULL, NULL, NULL);
	if (id < 0) {
		r = id;
		goto fail;
	}
	att->dpp = dpp;
	pthread_mutex_lock(&dpp->lock);
	att->chid = dpp->chid;
	pthread_mutex_unlock(&dpp->lock);
	att->mntid = id;
	return att;
fail:
	free(att);
	if (created)
		(void)dispatch_destroy(dpp);
	errno = -r;
	return NULL;
}

NTO_EXPORT int name_detach(name_attach_t *attach, unsigned flags)
{
	int r, err = 0;

	if (!attach) {
		errno = EINVAL;
		return -1;
	}
	r = resmgr_detach(attach->dpp, attach->mntid, 0);
	if (r == -1)
		err = errno;
	if (!(flags & NAME_FLAG_DETACH_SAVEDPP))
		(void)dispatch_destroy(attach->dpp);
	free(attach);
	if (r == -1)
		errno = err;
	return r;
}

/* name_open's bound on its _IO_CONNECT handshake (ms); see DEVELOPERS.md */
#define NAME_OPEN_TIMEOUT_MS 10000

/* The handshake's absolute deadline: the caller's TimerTimeout (SEND or
 * REPLY; QNX would spend it on the first kernel call) if sooner, else
 * now + $NTOSIM_NAME_OPEN_TIMEOUT_MS (default NAME_OPEN_TIMEOUT_MS). */
static uint64_t name_open_deadline(void)
{
	const char *env = getenv("NTOSIM_NAME_OPEN_TIMEOUT_MS");
	unsigned long ms = NAME_OPEN_TIMEOUT_MS;
	uint64_t dl, bound;
	char *end;

	if (env && *env) {
		unsigned long v = strtoul(env, &end, 10);

		if (*end == '\0' && v > 0 && v <= 86400000ul)
			ms = v;
	}
	bound = nto__now_ns() + (uint64_t)ms * 1000000ull;
	if (nto__timeout_take(_NTO_TIMEOUT_SEND | _NTO_TIMEOUT_REPLY, &dl) &&
	    dl < bound)
		return dl;
	return bound;
}

/* Qnet (issue 13): a name not found here, asked of the network manager
 * (NTO_NETCTL_NAME), which searches every node's global names; without
 * one, or if it knows none, the local error `err` stands. */
static int name_open_remote(const char *name, int flags, int err)
{
	int coid = nto__netctl_name(name, (unsigned)flags);

	if (coid >= 0)
		return coid;
	errno = coid == -ENOREMOTE || coid == -ENOENT ? err : -coid;
	return -1;
}

NTO_EXPORT int name_open(const char *name, int flags)
{
	struct nto_ctl_resolve_ent ents[NTO_RESOLVE_MAX];
	char path[NTO_PATH_MAX];
	union {
		struct _io_connect c;
		char buf[offsetof(struct _io_connect, path) + NTO_PATH_MAX];
	} m;
	const char *rest;
	struct nto_ra ra;
	size_t hdr = offsetof(struct _io_connect, path), rlen;
	uint64_t deadline = name_open_deadline();
	int n, i, coid = -1, r, err = ENOENT;

	r = name_path(name, (unsigned)flags, path);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	/* with the attach to the first entry we would try (one round trip;
	 * ra_done detaches it if we never take it) */
	n = nto__resolve_attach(path, _FTYPE_NAME, 0, _NTO_SIDE_CHANNEL,
				_NTO_COF_CLOEXEC, ents, NTO_RESOLVE_MAX, &ra);
	if (n == 0 || n == -ENOENT) /* not here: perhaps another node's */
		return name_open_remote(name, flags, ENOENT);
	if (n < 0) {
		errno = -n;
		return -1;
	}
	for (i = 0; i < n; i++) {
		const struct nto_ctl_resolve_ent *e = &ents[i];

		if (e->ftype != _FTYPE_ANY && e->ftype != _FTYPE_NAME)
			continue;
		rest = e->prefix_len <= strlen(path) ? path + e->prefix_len
						     : "";
		while (*rest == '/')
			rest++;
		/* The name itself, name_attach'ed: as QNX's process manager
		 * (no gns) answers name_open with the server's pid/chid and
		 * libc only attaches, the server sees no message. So a raw
		 * server that answers unknown types (_IO_CONNECT included)
		 * with ENOSYS works, a server may name_open its own name,
		 * and two servers that name_open each other before they
		 * receive do not deadlock. A path below a name is no name
		 * (QNX: ENOENT). */
		if (e->ftype == _FTYPE_NAME) {
			if (*rest)
				continue;
			coid = nto__ra_take(&ra, i, e, _NTO_SIDE_CHANNEL,
					    _NTO_COF_CLOEXEC);
			if (coid >= 0)
				break;
			if (nto__connect_falls_through(-coid))
				continue;
			err = -coid;
			break;
		}
		/* A resource manager owning a prefix of the name: open()'s
		 * _IO_CONNECT handshake, never to ourselves (a
		 * single-threaded caller would deadlock) unless it asked. */
		if (e->pid == nto__pid() && !(e->flags & _RESMGR_FLAG_SELF))
			continue;
		rlen = strlen(rest) + 1;

		coid = nto__ra_take(&ra, i, e, _NTO_SIDE_CHANNEL,
				    _NTO_COF_CLOEXEC);
		if (coid < 0) {
			if (nto__connect_falls_through(-coid))
				continue;
			err = -coid;
			break;
		}
		memset(&m.c, 0, hdr);
		m.c.type = _IO_CONNECT;
		m.c.subtype = _IO_CONNECT_OPEN;
		m.c.file_type = _FTYPE_NAME;
		m.c.handle = e->handle;
		/* open()'s encoding: O_ACCMODE + 1 in the access bits */
		m.c.ioflag =
			(O_RDWR & ~O_ACCMODE) | ((O_RDWR + 1) & _IO_FLAG_MASK);
		m.c.access = _IO_FLAG_RD | _IO_FLAG_WR;
		m.c.sflag = SH_DENYNO;
		m.c.path_len = (_Uint16t)rlen;
		memcpy(m.buf + hdr, rest, rlen);
		/* bounded: a server that never answers cannot hang us, even
		 * on an _NTO_CHF_UNBLOCK channel (beyond QNX) */
		nto__timeout_arm(_NTO_TIMEOUT_SEND | _NTO_TIMEOUT_REPLY |
					 NTO__TIMEOUT_HARD,
				 deadline);
		r = MsgSend_r(coid, &m, (int)(hdr + rlen), NULL, 0);
		if (r >= 0)
			break;
		(void)ConnectDetach_r(coid);
		coid = -1;
		if (!nto__connect_falls_through(-r)) {
			err = -r;
			break;
		}
		if (r == -ETIMEDOUT)
			err = ETIMEDOUT; /* (falls through, like open) */
	}
	nto__ra_done(&ra); /* attached to an entry we never took */
	if (coid >= 0 && i < n)
		return coid;
	return err == ENOENT ? name_open_remote(name, flags, err)
			     : (errno = err, -1);
}

NTO_EXPORT int name_close(int coid)
{
	return ConnectDetach(coid);
}
