/*
 * The connection covers: ha_ConnectAttach[_r], ha_ConnectDetach[_r], and
 * the same-number re-attach behind ha_ReConnectAttach and ntosim's
 * ha_name_open / ha_name_reopen (name_open connections, whose side-channel
 * numbers cannot be chosen, recovered onto their old number anyway).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/dispatch.h>
#include <sys/neutrino.h>
#include <sys/ntosim.h>

#include "internal.h"

/* Detach ids held while hunting for a side-channel number. */
static void release_held(int *held, int n)
{
	while (n-- > 0)
		ConnectDetach_r(held[n]);
	free(held);
}

/*
 * ipcd hands out side-channel ids lowest-free-first from the process's id
 * pool, and the caller has just freed `want`. So attach repeatedly: lower
 * numbers are holes (freed ids of this process) and are held until `want`
 * comes back, then let go. A higher number means someone else (another
 * thread's ChannelCreate/ConnectAttach/name_open, or a client connecting to
 * one of our channels) took `want` in the instant it was free: EBUSY. The
 * hunt is bounded by want's index; the extra connections share the kernel
 * connection of the one we keep, so the server sees nothing of them.
 */
int ha__attach_at(int want, pid_t pid, int chid, unsigned flags)
{
	int *held = NULL, nheld = 0, cap = 0, c, rc;

	if (!(want & _NTO_SIDE_CHANNEL)) {
		/* fd space: the lowest free number >= index */
		c = ConnectAttach_r(0, pid, chid, (unsigned)want, (int)flags);
		if (c < 0 || c == want)
			return c;
		ConnectDetach_r(c);
		return -EBUSY;
	}
	for (;;) {
		c = ConnectAttach_r(0, pid, chid, _NTO_SIDE_CHANNEL,
				    (int)flags);
		if (c < 0 || c == want) {
			rc = c;
			break;
		}
		if ((c & ~_NTO_SIDE_CHANNEL) > (want & ~_NTO_SIDE_CHANNEL)) {
			ConnectDetach_r(c);
			rc = -EBUSY;
			break;
		}
		if (nheld == cap) {
			int ncap = cap ? cap * 2 : 16;
			int *nh = realloc(held, (size_t)ncap * sizeof(*nh));

			if (!nh) {
				ConnectDetach_r(c);
				rc = -ENOMEM;
				break;
			}
			held = nh;
			cap = ncap;
		}
		held[nheld++] = c;
	}
	release_held(held, nheld);
	return rc;
}

/*
 * ha_ConnectAttach_r: ConnectAttach_r() and ha_attach() (see
 * <ha/neutrino.h>). Returns the coid, or a negative errno: -EINVAL (rfn
 * NULL, unknown haflags), -EBADF, -ENOMEM, or ConnectAttach_r()'s. errno is
 * left alone.
 */
HA_EXPORT int ha_ConnectAttach_r(_Uint32t nd, pid_t pid, int chid,
				 unsigned index, unsigned flags, RFp rfn,
				 void *rhdl, unsigned haflags)
{
	int saved = errno, coid, rc;

	if (!rfn || (haflags & ~(unsigned)HAREPLACERECOVERYFN))
		return -EINVAL;
	coid = ConnectAttach_r(nd, pid, chid, index, (int)flags);
	if (coid >= 0) {
		rc = ha__attach(coid, rfn, rhdl, haflags, NULL, 0, 1);
		if (rc < 0) {
			ConnectDetach_r(coid);
			coid = rc;
		}
	}
	errno = saved;
	return coid;
}

/*
 * ha_ConnectAttach: as ha_ConnectAttach_r, but returns -1 with errno on
 * failure.
 */
HA_EXPORT int ha_ConnectAttach(_Uint32t nd, pid_t pid, int chid, unsigned index,
			       unsigned flags, RFp rfn, void *rhdl,
			       unsigned haflags)
{
	int coid = ha_ConnectAttach_r(nd, pid, chid, index, flags, rfn, rhdl,
				      haflags);

	if (coid < 0) {
		errno = -coid;
		return -1;
	}
	return coid;
}

/*
 * ha_ConnectDetach_r: ha_detach() then ConnectDetach_r() (see
 * <ha/neutrino.h>). Returns EOK, EBADF (not HA-aware: nothing detached) or
 * ConnectDetach_r()'s errno; errno is left alone.
 */
HA_EXPORT int ha_ConnectDetach_r(int coid)
{
	int saved = errno, rc;

	if (ha__ent_del(coid, NULL) < 0)
		return EBADF;
	rc = ConnectDetach_r(coid);
	errno = saved;
	return rc;
}

/*
 * ha_ConnectDetach: as ha_ConnectDetach_r, but returns 0, or -1 with errno.
 */
HA_EXPORT int ha_ConnectDetach(int coid)
{
	int rc = ha_ConnectDetach_r(coid);

	if (rc != EOK) {
		errno = rc;
		return -1;
	}
	return 0;
}

/* Replace oldcoid by a connection to (pid, chid) on the same number. The
 * number is re-bound in place (nto_connect_rebind), never free in between,
 * so no other thread can take it. Sets *gone if the number was given up. */
static int move_onto(int oldcoid, pid_t pid, int chid, unsigned flags,
		     int *gone)
{
	if (nto_connect_rebind(oldcoid, 0, pid, chid, (int)flags) == oldcoid)
		return 0;
	if (errno != EBADF)
		return -errno; /* oldcoid is as it was: it can recover later */
	/* oldcoid was already detached (say, by the recovery function):
	 * take the number again if it is still free, else EBUSY */
	*gone = 1;
	return ha__attach_at(oldcoid, pid, chid, flags);
}

/*
 * ha_ReConnectAttach: see <ha/neutrino.h>. Returns oldcoid, or -1 with
 * errno EBADF, EBUSY, or ConnectAttach()'s errno.
 */
HA_EXPORT int ha_ReConnectAttach(int oldcoid, _Uint32t nd, pid_t pid, int chid,
				 unsigned index, unsigned flags)
{
	int tmp, rc, gone = 0;

	(void)index; /* the number is oldcoid's, whatever index says */
	if (oldcoid < 0) {
		errno = EBADF;
		return -1;
	}
	/* reach the new server first: if it is not there, oldcoid stays */
	tmp = ConnectAttach_r(nd, pid, chid, _NTO_SIDE_CHANNEL, (int)flags);
	if (tmp < 0) {
		errno = -tmp;
		return -1;
	}
	rc = move_onto(oldcoid, pid, chid, flags, &gone);
	ConnectDetach_r(tmp);
	if (rc < 0) {
		/* the number is free or someone else's now: not HA any more */
		ha__ent_del(oldcoid, NULL);
		errno = -rc;
		return -1;
	}
	return oldcoid;
}

static int name_path(char *buf, size_t len, const char *name, int flags)
{
	int n;

	if (!name || !*name || name[0] == '/')
		return -EINVAL;
	n = snprintf(buf, len, "/dev/name/%s/%s",
		     (flags & NAME_FLAG_ATTACH_GLOBAL) ? "global" : "local",
		     name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * ha_name_reopen: see <ha/neutrino.h>. Returns oldcoid, or -1 with errno
 * EBADF, EINVAL, ENAMETOOLONG, ENOENT, ETIMEDOUT, EBUSY, or name_open()'s
 * errno.
 */
HA_EXPORT int ha_name_reopen(int oldcoid, const char *name, int flags)
{
	struct _server_info info;
	struct ha_wait w;
	char path[4096];
	int tmp, rc, gone = 0;

	if (oldcoid < 0) {
		errno = EBADF;
		return -1;
	}
	rc = name_path(path, sizeof(path), name, flags);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	/* reach the server first (waiting for it as HA_RECOVERY_WAIT_MS
	 * says); if it is not there, oldcoid stays as it was */
	ha__wait_begin(&w, oldcoid);
	for (;;) {
		rc = ha__path_wait(&w, path);
		if (rc < 0)
			break;
		tmp = name_open(name, flags);
		if (tmp < 0) {
			rc = -errno;
		} else {
			rc = ConnectServerInfo_r(0, tmp, &info);
			if (rc == tmp)
				rc = move_onto(oldcoid, info.pid, info.chid,
					       _NTO_COF_CLOEXEC, &gone);
			else if (rc >= 0)
				rc = -EBADF;
			name_close(tmp);
			if (rc >= 0)
				break;
		}
		HA_DBG("ha_name_reopen(%#x, %s): errno %d\n", (int)getpid(),
		       oldcoid, name, -rc);
		/* the server went away again: wait for the next one, if
		 * the budget allows */
		if (!ha__server_gone(rc) || !ha__wait_more(&w))
			break;
	}
	if (rc < 0) {
		/* once given up, the number is free or someone else's */
		if (gone)
			ha__ent_del(oldcoid, NULL);
		errno = -rc;
		return -1;
	}
	return oldcoid;
}

/* The recovery function ha_name_open uses when given none. */
static int name_rfn(int coid, void *rhdl)
{
	struct ha_rec *r = ha__ent_get(coid);
	char *name = NULL;
	int flags = 0, rc;

	(void)rhdl;
	if (!r)
		return -1;
	pthread_mutex_lock(&r->lock);
	if (r->name) {
		name = strdup(r->name);
		flags = r->name_flags;
	}
	pthread_mutex_unlock(&r->lock);
	ha__rec_put(r);
	if (!name)
		return -1;
	rc = ha_name_reopen(coid, name, flags);
	free(name);
	return rc;
}

/*
 * ha_name_open: name_open() and ha_attach() (see <ha/neutrino.h>). Returns
 * the coid, or -1 with errno EINVAL, ENOMEM, or name_open()'s errno.
 */
HA_EXPORT int ha_name_open(const char *name, int flags, RFp rfn, void *rhdl,
			   unsigned haflags)
{
	int coid, rc;

	if (!name || (haflags & ~(unsigned)HAREPLACERECOVERYFN)) {
		errno = EINVAL;
		return -1;
	}
	coid = name_open(name, flags);
	if (coid < 0)
		return -1;
	rc = ha__attach(coid, rfn ? rfn : name_rfn, rhdl, haflags, name, flags,
			1);
	if (rc < 0) {
		name_close(coid);
		errno = -rc;
		return -1;
	}
	return coid;
}
