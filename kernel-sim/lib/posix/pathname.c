/*
 * Pathname resolution as QNX libc's _connect_ctrl does it: ask ipcd which
 * registrations may own a path (longest prefix first), ConnectAttach to each
 * in turn and send it an _IO_CONNECT carrying the rest of the path, falling
 * through to the next on QNX's fall-through errnos. It also remembers for a
 * second that ipcd is unreachable, so unsimulated paths cost nothing then.
 * The POSIX entry points built on it live in posix*.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sys/iomsg.h>

#include "posix_internal.h"

#define RESMGR_FLAG_SELF 0x200u /* _RESMGR_FLAG_SELF: may resolve to itself */
#define SH_DENYNO_QNX	 0x0040 /* <share.h>: what a plain open() asks for */
#define DOWN_RECHECK_NS	 1000000000ll

/* CLOCK_MONOTONIC_COARSE deadline before which ipcd is not asked again;
 * 0 while it is (or may be) reachable. down_env identifies the socket path
 * settings that failed: changing $NTOSIM_SOCKET (as a test fixture does
 * when it starts a private ipcd) ends the wait at once. */
static _Atomic int64_t down_until_ns;
static _Atomic uint64_t down_env;

static int64_t coarse_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* FNV-1a over the variables that choose ipcd's socket (proto/sockpath). */
static uint64_t env_hash(void)
{
	const char *v[2] = {getenv(NTO_SOCKET_ENV), getenv("XDG_RUNTIME_DIR")};
	uint64_t h = 1469598103934665603ull;
	int i;

	for (i = 0; i < 2; i++) {
		const char *p = v[i] ? v[i] : "";

		while (*p)
			h = (h ^ (unsigned char)*p++) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
	}
	return h;
}

int nto__pathspace_maybe_up(void)
{
	int64_t until =
		atomic_load_explicit(&down_until_ns, memory_order_relaxed);

	if (until == 0 || coarse_now_ns() >= until)
		return 1;
	return env_hash() !=
	       atomic_load_explicit(&down_env, memory_order_relaxed);
}

static void pathspace_mark(int up)
{
	if (up) {
		if (atomic_load_explicit(&down_until_ns, memory_order_relaxed))
			atomic_store(&down_until_ns, 0);
		return;
	}
	atomic_store(&down_env, env_hash());
	atomic_store(&down_until_ns, coarse_now_ns() + DOWN_RECHECK_NS);
}

int nto__path_normalize(const char *in, char *out, size_t outsz)
{
	const char *p = in;
	size_t o = 1;

	if (!in || in[0] != '/')
		return -EINVAL;
	if (outsz < 2)
		return -ENAMETOOLONG;
	out[0] = '/';
	while (*p) {
		const char *s;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		s = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n == 1 && s[0] == '.')
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 1 && out[o - 1] != '/')
				o--;
			if (o > 1)
				o--;
			continue;
		}
		if (o + (o > 1) + n + 1 > outsz)
			return -ENAMETOOLONG;
		if (o > 1)
			out[o++] = '/';
		memcpy(out + o, s, n);
		o += n;
	}
	out[o] = '\0';
	return (int)o;
}

/* What the client asked for at the end of the path (QNX's eflag). */
static unsigned path_eflag(const char *path)
{
	size_t n = strlen(path);

	if (n > 0 && path[n - 1] == '/')
		return _IO_CONNECT_EFLAG_DIR;
	if ((n == 1 && path[0] == '.') ||
	    (n >= 2 && !strcmp(path + n - 2, "/.")))
		return _IO_CONNECT_EFLAG_DIR | _IO_CONNECT_EFLAG_DOT;
	if ((n == 2 && !strcmp(path, "..")) ||
	    (n >= 3 && !strcmp(path + n - 3, "/..")))
		return _IO_CONNECT_EFLAG_DIR | _IO_CONNECT_EFLAG_DOTDOT;
	return 0;
}

/* The process umask, read without changing it (umask(2) cannot be read
 * atomically from a threaded process). 022 if /proc is unavailable. */
static mode_t proc_umask(void)
{
	char buf[4096], *p;
	long fd, n;
	mode_t m = 022;

	fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/status",
		     O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return m;
	n = syscall(SYS_read, (int)fd, buf, sizeof(buf) - 1);
	nto__sys_close((int)fd);
	if (n <= 0)
		return m;
	buf[n] = '\0';
	p = strstr(buf, "\nUmask:");
	if (p)
		m = (mode_t)strtoul(p + 7, NULL, 8) & 0777;
	return m;
}

/* QNX's ioflag: the O_* flags with the access mode stored plus one (O_PATH,
 * i.e. "neither read nor write", as 0). */
static uint32_t oflag_to_ioflag(int oflag)
{
	uint32_t acc;

	if (oflag & O_PATH)
		acc = 0;
	else
		acc = (uint32_t)(oflag & O_ACCMODE) + 1;
	return ((uint32_t)oflag & ~(uint32_t)(O_ACCMODE | O_PATH)) | acc;
}

int nto__connect_falls_through(int err)
{
	switch (err) {
	case ENOENT:
	case ENOSYS:
	case ENXIO:
	case ESRCH:
	case EROFS:
	case EBADFSYS:
	case EBADF: /* the server died between RESOLVE and our _IO_CONNECT */
		return 1;
	default:
		/* QNX also falls through on network errors ENETDOWN ..
		 * EHOSTUNREACH; Linux numbers them 100 .. 113 */
		return err >= ENETDOWN && err <= EHOSTUNREACH;
	}
}

/*
 * Classify an _IO_CONNECT result. A status with _IO_CONNECT_RET_FLAG (bit
 * 31) is not an error even though it is negative as an int.
 */
static int connect_result(int rc, const struct _io_connect_ftype_reply *fr,
			  unsigned subtype)
{
	uint32_t st = (uint32_t)rc;

	if (rc >= 0)
		return 0;
	if (rc > -4096)
		return rc; /* -errno from the server or the kernel */
	if (!(st & _IO_CONNECT_RET_FLAG))
		return -EPROTO;
	if ((st & _IO_CONNECT_RET_LINK) && subtype == _IO_CONNECT_READLINK)
		return 0; /* the link reply is readlink's answer */
	if (st & _IO_CONNECT_RET_LINK)
		return -ENOSYS; /* redirects (symlinks) are not supported */
	if (st & _IO_CONNECT_RET_FTYPE)
		return fr->status ? -(int)fr->status : 0;
	return 0; /* informational: UMASK, NOCTTY, CHROOT, MSG */
}

/* Try one registration (entry i of ra's resolution: its coid may be
 * attached already; on node nd: Qnet). Returns the coid, or -errno. */
static int connect_entry(struct nto_ra *ra, int i,
			 const struct nto_ctl_resolve_ent *ent, uint32_t nd,
			 const char *rem, unsigned subtype, unsigned ftype,
			 int oflag, mode_t mode, unsigned eflag, int base,
			 const struct nto_connect_x *x)
{
	struct _io_connect hdr;
	union {
		struct _io_connect_link_reply link;
		struct _io_connect_ftype_reply ftype;
		char pad[128];
	} rep;
	static const char zeros[8];
	iov_t siov[4], riov[1];
	size_t plen = strlen(rem) + 1;
	size_t end = offsetof(struct _io_connect, path) + plen;
	int coid, rc, n = 2;

	if (plen > UINT16_MAX)
		return -ENAMETOOLONG;
	coid = nd != ND_LOCAL_NODE
		       ? ConnectAttach_r(nd, ent->pid, ent->chid,
					 (unsigned)base, _NTO_COF_CLOEXEC)
		       : nto__ra_take(ra, i, ent, (unsigned)base,
				      _NTO_COF_CLOEXEC);
	if (coid < 0)
		return coid; /* ESRCH: a stale registration, tried no more */
	memset(&hdr, 0, sizeof(hdr));
	memset(&rep, 0, sizeof(rep));
	hdr.type = _IO_CONNECT;
	hdr.subtype = (_Uint16t)subtype;
	hdr.file_type = ftype;
	hdr.reply_max = sizeof(rep);
	hdr.handle = ent->handle;
	hdr.ioflag = oflag_to_ioflag(oflag);
	hdr.mode = (uint32_t)mode;
	hdr.sflag = SH_DENYNO_QNX;
	hdr.access = (_Uint16t)(hdr.ioflag & _IO_FLAG_MASK);
	hdr.path_len = (_Uint16t)plen;
	hdr.eflag = (_Uint8t)eflag;
	hdr.extra_type = (_Uint8t)(x ? x->extra_type : 0);
	hdr.extra_len = (_Uint16t)(x ? x->extra_len : 0);
	SETIOV(&siov[0], &hdr, offsetof(struct _io_connect, path));
	SETIOV(&siov[1], rem, plen);
	if (x && x->extra && x->extra_len) {
		/* as QNX's libc: the extra starts 8-aligned after the path, so
		 * a server may read it in place as io_link_extra_t & co */
		if (end % 8) {
			SETIOV(&siov[n], zeros, 8 - end % 8);
			n++;
		}
		SETIOV(&siov[n], x->extra, x->extra_len); /* no n++ inside */
		n++;
	}
	if (x && x->rep && x->rep_len >= sizeof(rep.ftype)) {
		memset(x->rep, 0, x->rep_len);
		hdr.reply_max =
			(_Uint16t)(x->rep_len > UINT16_MAX ? UINT16_MAX
							   : x->rep_len);
		SETIOV(&riov[0], x->rep, x->rep_len);
	} else {
		SETIOV(&riov[0], &rep, sizeof(rep));
	}
	rc = nto__msgsendv(coid, siov, n, riov, 1);
	rc = connect_result(rc, riov[0].iov_base, subtype);
	if (rc < 0) {
		ConnectDetach_r(coid); /* no binding was made: no _IO_CLOSE */
		return rc;
	}
	if (!(base & _NTO_SIDE_CHANNEL) && !(oflag & O_CLOEXEC))
		ConnectFlags_r(0, coid, _NTO_COF_CLOEXEC, 0);
	return coid;
}

int nto__connect_path(const char *path, unsigned subtype, unsigned ftype,
		      int oflag, mode_t mode, int base, const void *extra,
		      size_t extra_len)
{
	struct nto_connect_x x = {_IO_CONNECT_EXTRA_NONE, extra, extra_len,
				  NULL, 0};

	return nto__connect_path_x(path, subtype, ftype, oflag, mode, base, &x);
}

int nto__connect_path_x(const char *path, unsigned subtype, unsigned ftype,
			int oflag, mode_t mode, int base,
			const struct nto_connect_x *x)
{
	struct nto_ctl_resolve_ent ents[NTO_RESOLVE_MAX];
	char norm[NTO_PATH_MAX];
	struct nto_ra ra = {-1, -1};
	const char *rpath = norm; /* what the resolving node sees */
	uint32_t nd = ND_LOCAL_NODE;
	unsigned eflag;
	int len, n, i, rc, err = -ENOENT;
	pid_t self;

	if (!path)
		return -EFAULT;
	if (x && x->extra_len > UINT16_MAX)
		return -EINVAL;
	len = nto__path_normalize(path, norm, sizeof(norm));
	if (len == -EINVAL)
		return -ENOENT; /* nothing is registered at a relative path */
	if (len < 0)
		return len;
	if (!nto__pathspace_maybe_up())
		return -ENOTCONN;
	/* Qnet: "/net/NODE/rest" is "/rest" on that node: resolved here for
	 * this node, by its network manager for another (netctl.c) */
	if (nto__net_path(norm, &nd, &rpath)) {
		if (!*rpath)
			rpath = "/";
		if (nd == ND_LOCAL_NODE) {
			memmove(norm, rpath, strlen(rpath) + 1);
			rpath = norm;
			len = (int)strlen(norm);
		} else {
			len = (int)strlen(rpath);
		}
	}
	nto__posix_busy++;
	/* another node's path: its network manager resolves it; here, with
	 * the attach to the first entry we would try (one round trip) */
	if (nd != ND_LOCAL_NODE)
		n = nto__netctl_resolve(nd, rpath, ents, NTO_RESOLVE_MAX);
	else
		n = nto__resolve_attach(norm, ftype, NTO_RA_SKIP_SELF,
					(unsigned)base, _NTO_COF_CLOEXEC, ents,
					NTO_RESOLVE_MAX, &ra);
	nto__posix_busy--;
	if (n == -ENOREMOTE)
		return -ENOENT; /* no network manager: no such node here */
	/* no ipcd, a stalled one (after NTOSIM_CTL_TIMEOUT_MS) or none we
	 * trust (EPERM, proto/sockpath.h): the host's file system answers,
	 * as without ntosim; only kernel calls fail */
	if (n == -ENOTCONN || n == -ETIMEDOUT || n == -EPERM) {
		pathspace_mark(0);
		return -ENOTCONN;
	}
	pathspace_mark(1);
	if (n < 0)
		return n;
	if (subtype == _IO_CONNECT_OPEN && (oflag & O_CREAT)) {
		mode = (mode & 07777 & ~proc_umask());
		if (!(mode & S_IFMT))
			mode |= S_IFREG;
	} else if (subtype == _IO_CONNECT_MKNOD) {
		/* mkdir/mknod: the type stays, the umask applies */
		mode = (mode & S_IFMT) | (mode & 07777 & ~proc_umask());
		if (!(mode & S_IFMT))
			mode |= S_IFREG;
	}
	eflag = path_eflag(path);
	self = nto__pid();
	rc = err;
	for (i = 0; i < n; i++) {
		const struct nto_ctl_resolve_ent *e = &ents[i];
		const char *rem;

		if (nd == ND_LOCAL_NODE && e->pid == self &&
		    !(e->flags & RESMGR_FLAG_SELF))
			continue; /* never resolve to ourselves (deadlock) */
		if (ftype != _FTYPE_ANY && e->ftype != _FTYPE_ANY &&
		    e->ftype != ftype)
			continue;
		if (e->prefix_len > (uint32_t)len)
			continue; /* a broken reply: ignore the entry */
		rem = rpath + e->prefix_len;
		while (*rem == '/')
			rem++;
		nto__posix_busy++;
		rc = connect_entry(&ra, i, e, nd, rem, subtype, ftype, oflag,
				   mode, eflag, base, x);
		nto__posix_busy--;
		if (rc >= 0 || !nto__connect_falls_through(-rc))
			break;
		if (rc == -EROFS)
			err = rc; /* more telling than "no such file" */
		rc = err;
	}
	nto__ra_done(&ra); /* attached to an entry we never tried */
	return rc;
}
