/*
 * POSIX I/O over messages, the pathname calls that change names: rename,
 * mkdir and mknod, link, symlink and readlink, and QNX's openfd(). Each is one
 * _IO_CONNECT of the matching subtype (_IO_CONNECT_RENAME with the old
 * path as an _IO_CONNECT_EXTRA_RENAME extra, _IO_CONNECT_MKNOD,
 * _IO_CONNECT_LINK with an _IO_CONNECT_EXTRA_SYMLINK extra or, for a hard
 * link, an _IO_CONNECT_EXTRA_LINK extra naming an open of the old file,
 * _IO_CONNECT_READLINK answered with a link reply). Paths no server
 * accepts go to libc, as in posix_path.c.
 */
#include "config.h"
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/iomsg.h>

#include "posix_internal.h"

ssize_t __readlink_chk(const char *path, char *buf, size_t len, size_t buflen);
ssize_t __readlinkat_chk(int dirfd, const char *path, char *buf, size_t len,
			 size_t buflen);
int openfd(int fd, int oflag);

NTO_REAL_DECL(rename);
NTO_REAL_DECL(renameat);
NTO_REAL_DECL(renameat2);
NTO_REAL_DECL(mkdir);
NTO_REAL_DECL(mkdirat);
NTO_REAL_DECL(mknod);
NTO_REAL_DECL(mknodat);
NTO_REAL_DECL(link);
NTO_REAL_DECL(linkat);
NTO_REAL_DECL(symlink);
NTO_REAL_DECL(symlinkat);
NTO_REAL_DECL(readlink);
NTO_REAL_DECL(readlinkat);
NTO_REAL_DECL(__readlink_chk);
NTO_REAL_DECL(__readlinkat_chk);

int nto__path_connect(int dirfd, const char *path, unsigned subtype,
		      mode_t mode, const struct nto_connect_x *x)
{
	char abs[NTO_PATH_MAX];
	int rc, coid;

	rc = nto__sim_abspath(dirfd, path, abs, sizeof(abs));
	if (rc <= 0)
		return rc == 0 ? NTO_NOT_SIM : rc;
	coid = nto__connect_path_x(abs, subtype, _FTYPE_ANY, O_PATH, mode,
				   _NTO_SIDE_CHANNEL, x);
	if (coid == -ENOENT || coid == -ENOTCONN)
		return nto__sim_not_found(dirfd, path);
	if (coid < 0)
		return coid;
	ConnectDetach_r(coid); /* no binding was made: no _IO_CLOSE */
	return 0;
}

/* Is (dirfd, path) in the simulated pathname space (some registration
 * could own it)? 1, 0, or -errno. */
static int in_pathspace(int dirfd, const char *path)
{
	struct nto_ctl_resolve_ent ent[1];
	char abs[NTO_PATH_MAX], norm[NTO_PATH_MAX];
	int rc;

	rc = nto__sim_abspath(dirfd, path, abs, sizeof(abs));
	if (rc <= 0)
		return rc;
	rc = nto__path_normalize(abs, norm, sizeof(norm));
	if (rc < 0)
		return rc;
	nto__posix_busy++;
	rc = nto__resolve(norm, ent, 1);
	nto__posix_busy--;
	return rc > 0;
}

/* ---- rename ---- */

static int sim_rename(int olddirfd, const char *old, int newdirfd,
		      const char *new_)
{
	char oldabs[NTO_PATH_MAX], norm[NTO_PATH_MAX];
	struct nto_connect_x x = {_IO_CONNECT_EXTRA_RENAME, norm, 0, NULL, 0};
	int rc, len;

	if (!old || !new_)
		return NTO_NOT_SIM;
	rc = nto__sim_abspath(olddirfd, old, oldabs, sizeof(oldabs));
	if (rc < 0)
		return rc;
	if (rc == 0)
		return in_pathspace(newdirfd, new_) > 0 ? -EXDEV : NTO_NOT_SIM;
	len = nto__path_normalize(oldabs, norm, sizeof(norm));
	if (len < 0)
		return len;
	x.extra_len = (size_t)len + 1; /* the old path, absolute */
	rc = nto__path_connect(newdirfd, new_, _IO_CONNECT_RENAME, 0, &x);
	if (rc == NTO_NOT_SIM && in_pathspace(olddirfd, old) > 0)
		return -EXDEV; /* from the simulated space to Linux's */
	return rc;
}

NTO_EXPORT int rename(const char *old, const char *new_)
{
	int rc = sim_rename(AT_FDCWD, old, AT_FDCWD, new_);

	return rc != NTO_NOT_SIM ? (int)nto__posix_ret(rc)
				 : NTO_REAL(rename)(old, new_);
}

NTO_EXPORT int renameat(int olddirfd, const char *old, int newdirfd,
			const char *new_)
{
	int rc = sim_rename(olddirfd, old, newdirfd, new_);

	return rc != NTO_NOT_SIM
		       ? (int)nto__posix_ret(rc)
		       : NTO_REAL(renameat)(olddirfd, old, newdirfd, new_);
}

NTO_EXPORT int renameat2(int olddirfd, const char *old, int newdirfd,
			 const char *new_, unsigned flags)
{
	int rc;

	/* RENAME_NOREPLACE/EXCHANGE/WHITEOUT have no QNX message */
	if (flags && (in_pathspace(olddirfd, old) > 0 ||
		      in_pathspace(newdirfd, new_) > 0))
		return (int)nto__posix_ret(-EINVAL);
	rc = sim_rename(olddirfd, old, newdirfd, new_);
	return rc != NTO_NOT_SIM ? (int)nto__posix_ret(rc)
				 : NTO_REAL(renameat2)(olddirfd, old, newdirfd,
						       new_, flags);
}

/* ---- mkdir, mknod ---- */

NTO_EXPORT int mkdir(const char *path, mode_t mode)
{
	int rc = nto__path_connect(AT_FDCWD, path, _IO_CONNECT_MKNOD,
				   S_IFDIR | (mode & 07777), NULL);

	return rc != NTO_NOT_SIM ? (int)nto__posix_ret(rc)
				 : NTO_REAL(mkdir)(path, mode);
}

NTO_EXPORT int mkdirat(int dirfd, const char *path, mode_t mode)
{
	int rc = nto__path_connect(dirfd, path, _IO_CONNECT_MKNOD,
				   S_IFDIR | (mode & 07777), NULL);

	return rc != NTO_NOT_SIM ? (int)nto__posix_ret(rc)
				 : NTO_REAL(mkdirat)(dirfd, path, mode);
}

NTO_EXPORT int mknod(const char *path, mode_t mode, dev_t dev)
{
	int rc = nto__path_connect(AT_FDCWD, path, _IO_CONNECT_MKNOD, mode,
				   NULL);

	return rc != NTO_NOT_SIM ? (int)nto__posix_ret(rc)
				 : NTO_REAL(mknod)(path, mode, dev);
}

NTO_EXPORT int mknodat(int dirfd, const char *path, mode_t mode, dev_t dev)
{
	int rc = nto__path_connect(dirfd, path, _IO_CONNECT_MKNOD, mode, NULL);

	return rc != NTO_NOT_SIM ? (int)nto__posix_ret(rc)
				 : NTO_REAL(mknodat)(dirfd, path, mode, dev);
}

/* ---- link: the new name's server gets the old file's open ---- */

static int sim_link(int olddirfd, const char *old, int newdirfd,
		    const char *new_, int flags)
{
	char oldabs[NTO_PATH_MAX];
	struct _server_info info;
	struct nto_connect_x x = {_IO_CONNECT_EXTRA_LINK, &info, sizeof(info),
				  NULL, 0};
	int rc, coid;

	if (!old || !new_)
		return NTO_NOT_SIM;
	rc = nto__sim_abspath(olddirfd, old, oldabs, sizeof(oldabs));
	if (rc < 0)
		return rc;
	coid = rc == 0 ? -ENOENT
		       : nto__connect_path(oldabs, _IO_CONNECT_OPEN, _FTYPE_ANY,
					   O_PATH | ((flags & AT_SYMLINK_FOLLOW)
							     ? 0
							     : O_NOFOLLOW),
					   0, _NTO_SIDE_CHANNEL, NULL, 0);
	if (coid == -ENOENT || coid == -ENOTCONN) {
		if (in_pathspace(newdirfd, new_) > 0)
			return -EXDEV; /* from Linux's space to ours */
		return rc == 0 ? NTO_NOT_SIM
			       : nto__sim_not_found(olddirfd, old);
	}
	if (coid < 0)
		return coid;
	rc = ConnectServerInfo_r(0, coid, &info);
	if (rc == coid)
		rc = nto__path_connect(newdirfd, new_, _IO_CONNECT_LINK, 0, &x);
	else
		rc = -EBADF;
	nto__io_close(coid);
	ConnectDetach_r(coid);
	return rc == NTO_NOT_SIM ? -EXDEV : rc; /* ours to Linux's: EXDEV */
}

NTO_EXPORT int link(const char *old, const char *new_)
{
	int rc = sim_link(AT_FDCWD, old, AT_FDCWD, new_, 0);

	return rc != NTO_NOT_SIM ? (int)nto__posix_ret(rc)
				 : NTO_REAL(link)(old, new_);
}

NTO_EXPORT int linkat(int olddirfd, const char *old, int newdirfd,
		      const char *new_, int flags)
{
	int rc = sim_link(olddirfd, old, newdirfd, new_, flags);

	return rc != NTO_NOT_SIM
		       ? (int)nto__posix_ret(rc)
		       : NTO_REAL(linkat)(olddirfd, old, newdirfd, new_, flags);
}

/* ---- symlink, readlink ---- */

static int sim_symlink(const char *target, int dirfd, const char *path)
{
	struct nto_connect_x x = {_IO_CONNECT_EXTRA_SYMLINK, target, 0, NULL,
				  0};

	if (!target || !path)
		return NTO_NOT_SIM;
	x.extra_len = strlen(target) + 1;
	if (x.extra_len > NTO_PATH_MAX)
		return in_pathspace(dirfd, path) > 0 ? -ENAMETOOLONG
						     : NTO_NOT_SIM;
	return nto__path_connect(dirfd, path, _IO_CONNECT_LINK, S_IFLNK | 0777,
				 &x);
}

NTO_EXPORT int symlink(const char *target, const char *path)
{
	int rc = sim_symlink(target, AT_FDCWD, path);

	return rc != NTO_NOT_SIM ? (int)nto__posix_ret(rc)
				 : NTO_REAL(symlink)(target, path);
}

NTO_EXPORT int symlinkat(const char *target, int dirfd, const char *path)
{
	int rc = sim_symlink(target, dirfd, path);

	return rc != NTO_NOT_SIM ? (int)nto__posix_ret(rc)
				 : NTO_REAL(symlinkat)(target, dirfd, path);
}

/* readlink: the server answers with a link reply and the link's text. */
static ssize_t sim_readlink(int dirfd, const char *path, char *buf,
			    size_t bufsiz)
{
	struct {
		struct _io_connect_link_reply r;
		char path[NTO_PATH_MAX + 1];
	} rep;
	struct nto_connect_x x = {_IO_CONNECT_EXTRA_NONE, NULL, 0, &rep,
				  sizeof(rep) - 1};
	size_t len;
	int rc;

	rc = nto__path_connect(dirfd, path, _IO_CONNECT_READLINK, S_IFLNK, &x);
	if (rc != 0)
		return rc;
	rep.path[NTO_PATH_MAX] = '\0';
	len = rep.r.path_len ? rep.r.path_len : strlen(rep.path);
	if (len > NTO_PATH_MAX)
		len = NTO_PATH_MAX;
	if (len > bufsiz)
		len = bufsiz;
	memcpy(buf, rep.path, len);
	return (ssize_t)len;
}

NTO_EXPORT ssize_t readlink(const char *path, char *buf, size_t bufsiz)
{
	ssize_t rc = sim_readlink(AT_FDCWD, path, buf, bufsiz);

	if (rc == NTO_NOT_SIM)
		return NTO_REAL(readlink)(path, buf, bufsiz);
	return rc < 0 ? nto__posix_ret(rc) : rc;
}

NTO_EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf,
			      size_t bufsiz)
{
	ssize_t rc = sim_readlink(dirfd, path, buf, bufsiz);

	if (rc == NTO_NOT_SIM)
		return NTO_REAL(readlinkat)(dirfd, path, buf, bufsiz);
	return rc < 0 ? nto__posix_ret(rc) : rc;
}

NTO_EXPORT ssize_t __readlink_chk(const char *path, char *buf, size_t len,
				  size_t buflen)
{
	ssize_t rc;

	if (len > buflen) /* what fortify's own check would do */
		return NTO_REAL(__readlink_chk)(path, buf, len, buflen);
	rc = sim_readlink(AT_FDCWD, path, buf, len);
	if (rc == NTO_NOT_SIM)
		return NTO_REAL(__readlink_chk)(path, buf, len, buflen);
	return rc < 0 ? nto__posix_ret(rc) : rc;
}

NTO_EXPORT ssize_t __readlinkat_chk(int dirfd, const char *path, char *buf,
				    size_t len, size_t buflen)
{
	ssize_t rc;

	if (len > buflen)
		return NTO_REAL(__readlinkat_chk)(dirfd, path, buf, len,
						  buflen);
	rc = sim_readlink(dirfd, path, buf, len);
	if (rc == NTO_NOT_SIM)
		return NTO_REAL(__readlinkat_chk)(dirfd, path, buf, len,
						  buflen);
	return rc < 0 ? nto__posix_ret(rc) : rc;
}

/* ---- openfd: a second, private open through an existing fd ---- */

NTO_EXPORT int openfd(int fd, int oflag)
{
	struct _server_info info;
	struct _io_openfd msg;
	iov_t s;
	int rc, nfd;

	if (!nto__coid_is_fd(fd)) {
		/* a Linux fd: reopen what it refers to */
		char proc[64];

		if (fcntl(fd, F_GETFD) < 0)
			return -1;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		return open(proc, oflag & ~(O_CREAT | O_TRUNC | O_EXCL));
	}
	rc = ConnectServerInfo_r(0, fd, &info);
	if (rc != fd || (info.flags & _NTO_COF_DEAD))
		return (int)nto__posix_ret(-EBADF);
	nfd = ConnectAttach_r(0, info.pid, info.chid, 0, _NTO_COF_CLOEXEC);
	if (nfd < 0)
		return (int)nto__posix_ret(nfd);
	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_OPENFD;
	msg.combine_len = sizeof(msg);
	msg.ioflag = (_Uint32t)(((unsigned)oflag & ~(unsigned)O_ACCMODE) |
				((unsigned)(oflag & O_ACCMODE) + 1));
	msg.sflag = 0x0040; /* SH_DENYNO */
	msg.xtype = _IO_OPENFD_NONE;
	msg.info = info; /* the open to go through */
	SETIOV(&s, &msg, sizeof(msg));
	rc = nto__msgsendv(nfd, &s, 1, NULL, 0);
	if (rc < 0) {
		ConnectDetach_r(nfd); /* nothing was bound */
		return (int)nto__posix_ret(rc);
	}
	if (!(oflag & O_CLOEXEC))
		ConnectFlags_r(0, nfd, _NTO_COF_CLOEXEC, 0);
	nto__ofd_new(nfd, oflag, NULL);
	return nfd;
}
