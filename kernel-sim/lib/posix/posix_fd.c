/*
 * POSIX I/O over messages, descriptor part: dup/dup2/dup3/fcntl as QNX libc
 * does them (ConnectServerInfo, ConnectAttach at the wanted number, _IO_DUP
 * so the server binds the new fd to the same OCB), close_range/closefrom,
 * the metadata calls that become messages (fchmod, fchown, futimens,
 * ftruncate), and the calls that must not reach a simulated fd's /dev/null
 * placeholder (ioctl, copy_file_range, sendfile, locks, xattrs, fadvise).
 */
#include "config.h"
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <sys/iomsg.h>

#include "posix_internal.h"

/* <linux/fs.h> clashes with <sys/mount.h> users; the two ioctls cp uses: */
struct nto_file_clone_range {
	int64_t src_fd;
	uint64_t src_offset;
	uint64_t src_length;
	uint64_t dest_offset;
};
#define NTO_FICLONE	 _IOW(0x94, 9, int)
#define NTO_FICLONERANGE _IOW(0x94, 13, struct nto_file_clone_range)

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int fcntl64(int fd, int cmd, ...);

NTO_REAL_DECL(dup);
NTO_REAL_DECL(dup2);
NTO_REAL_DECL(dup3);
NTO_REAL_DECL(fcntl);
NTO_REAL_DECL(fcntl64);
NTO_REAL_DECL(close);
NTO_REAL_DECL(close_range);
NTO_REAL_DECL(closefrom);
NTO_REAL_DECL(ioctl);
NTO_REAL_DECL(posix_fadvise);
NTO_REAL_DECL(posix_fadvise64);
NTO_REAL_DECL(posix_fallocate);
NTO_REAL_DECL(posix_fallocate64);
NTO_REAL_DECL(fallocate);
NTO_REAL_DECL(fallocate64);
NTO_REAL_DECL(copy_file_range);
NTO_REAL_DECL(sendfile);
NTO_REAL_DECL(sendfile64);
NTO_REAL_DECL(splice);
NTO_REAL_DECL(tee);
NTO_REAL_DECL(flock);
NTO_REAL_DECL(lockf);
NTO_REAL_DECL(lockf64);
NTO_REAL_DECL(fchmod);
NTO_REAL_DECL(fchown);
NTO_REAL_DECL(futimens);
NTO_REAL_DECL(futimes);
NTO_REAL_DECL(ftruncate);
NTO_REAL_DECL(ftruncate64);
NTO_REAL_DECL(fgetxattr);
NTO_REAL_DECL(fsetxattr);
NTO_REAL_DECL(flistxattr);
NTO_REAL_DECL(fremovexattr);

#define SIM(fd) __builtin_expect(nto__coid_is_fd(fd), 0)

static int set_errno(int rc)
{
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

static int fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > INT32_MAX)
		return 1 << 20;
	return (int)rl.rlim_cur;
}

/* ---- dup family ---- */

/* The live connection behind a simulated fd, or -EBADF (dead or none). */
static int sim_info(int fd, struct _server_info *info)
{
	int rc = ConnectServerInfo_r(0, fd, info);

	if (rc != fd || (info->flags & _NTO_COF_DEAD))
		return -EBADF;
	return 0;
}

/* Bind nfd to the OCB behind info's fd on the server (_IO_DUP). */
static int send_io_dup(int nfd, const struct _server_info *info)
{
	struct _io_dup msg;
	iov_t s;

	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_DUP;
	msg.combine_len = sizeof(msg);
	msg.info = *info; /* nd, pid, chid, scoid and coid of the original */
	SETIOV(&s, &msg, sizeof(msg));
	return nto__msgsendv(nfd, &s, 1, NULL, 0);
}

int nto__sim_dupfd(int fd, int minfd, int cloexec)
{
	struct _server_info info;
	int rc, nfd;

	if (minfd < 0)
		return -EINVAL;
	rc = sim_info(fd, &info);
	if (rc < 0)
		return rc;
	nfd = ConnectAttach_r(0, info.pid, info.chid, (unsigned)minfd,
			      _NTO_COF_CLOEXEC);
	if (nfd < 0)
		return nfd;
	rc = send_io_dup(nfd, &info);
	if (rc < 0) {
		ConnectDetach_r(nfd); /* nothing was bound: no _IO_CLOSE */
		return rc;
	}
	if (!cloexec)
		ConnectFlags_r(0, nfd, _NTO_COF_CLOEXEC, 0);
	nto__ofd_share(fd, nfd);
	return nfd;
}

/* dup2 onto a simulated number: close what it had (_IO_CLOSE), then rebind
 * the same number in place, so it is never free for another thread (or
 * libc) to take while libha swaps a recovered connection in. */
static int sim_dup2_in_place(int oldfd, int newfd, int cloexec,
			     const struct _server_info *info)
{
	int rc;

	nto__io_close(newfd); /* EBADF from a dead server: fine */
	nto__ofd_drop(newfd);
	if (info->nd != ND_LOCAL_NODE) {
		/* a remote fd: the server's node cannot tell which of our
		 * connections an _IO_DUP names, so both numbers share the
		 * one connection (and its open file: one _IO_CLOSE, last) */
		rc = nto__coid_alias(newfd, oldfd,
				     cloexec ? _NTO_COF_CLOEXEC : 0);
		if (rc < 0)
			return rc;
		nto__ofd_share(oldfd, newfd);
		return newfd;
	}
	rc = nto__coid_rebind_nd(newfd, info->nd, info->pid, info->chid,
				 cloexec ? _NTO_COF_CLOEXEC : 0);
	if (rc < 0)
		return rc;
	rc = send_io_dup(newfd, info);
	if (rc < 0) {
		ConnectDetach_r(newfd);
		return rc;
	}
	nto__ofd_share(oldfd, newfd);
	return newfd;
}

NTO_EXPORT int dup(int fd)
{
	if (SIM(fd))
		return set_errno(nto__sim_dupfd(fd, 0, 0));
	return NTO_REAL(dup)(fd);
}

/* dup2/dup3 with at least one simulated fd. The target is closed first
 * (QNX's dup2 does the same), then the source is attached at its number. */
static int sim_dup2(int oldfd, int newfd, int cloexec)
{
	struct _server_info info;
	int rc;

	if (newfd < 0 || newfd >= fd_limit())
		return -EBADF;
	if (!nto__coid_is_fd(oldfd)) {
		/* a real fd onto a simulated number */
		if (NTO_REAL(fcntl)(oldfd, F_GETFD) < 0)
			return -EBADF;
		nto__sim_close(newfd);
		rc = (cloexec ? NTO_REAL(dup3)(oldfd, newfd, O_CLOEXEC)
			      : NTO_REAL(dup2)(oldfd, newfd));
		return rc < 0 ? -errno : rc;
	}
	rc = sim_info(oldfd, &info);
	if (rc < 0)
		return rc;
	if (nto__coid_is_fd(newfd))
		return sim_dup2_in_place(oldfd, newfd, cloexec, &info);
	NTO_REAL(close)(newfd); /* EBADF if it was not open: fine */
	rc = nto__sim_dupfd(oldfd, newfd, cloexec);
	if (rc >= 0 && rc != newfd) {
		/* another thread took the number between close and attach */
		nto__sim_close(rc);
		return -EBUSY;
	}
	return rc;
}

NTO_EXPORT int dup2(int oldfd, int newfd)
{
	if (!SIM(oldfd) && !SIM(newfd))
		return NTO_REAL(dup2)(oldfd, newfd);
	if (oldfd == newfd) {
		struct _server_info info;

		return set_errno(sim_info(oldfd, &info) < 0 ? -EBADF : newfd);
	}
	return set_errno(sim_dup2(oldfd, newfd, 0));
}

NTO_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (!SIM(oldfd) && !SIM(newfd))
		return NTO_REAL(dup3)(oldfd, newfd, flags);
	if (oldfd == newfd || (flags & ~O_CLOEXEC))
		return set_errno(-EINVAL);
	return set_errno(sim_dup2(oldfd, newfd, flags & O_CLOEXEC));
}

/* fcntl on a simulated fd. Locks would need _IO_LOCK, which ntosim's
 * servers do not implement: ENOLCK rather than a lock on /dev/null. */
static int sim_fcntl(int fd, int cmd, void *arg)
{
	int rc;

	switch (cmd) {
	case F_DUPFD:
		return nto__sim_dupfd(fd, (int)(intptr_t)arg, 0);
	case F_DUPFD_CLOEXEC:
		return nto__sim_dupfd(fd, (int)(intptr_t)arg, 1);
	case F_GETFD:
		rc = ConnectFlags_r(0, fd, 0, 0);
		if (rc < 0)
			return rc;
		return (rc & _NTO_COF_CLOEXEC) ? FD_CLOEXEC : 0;
	case F_SETFD:
		rc = ConnectFlags_r(
			0, fd, _NTO_COF_CLOEXEC,
			((intptr_t)arg & FD_CLOEXEC) ? _NTO_COF_CLOEXEC : 0);
		return rc < 0 ? rc : 0;
	case F_GETFL:
		return nto__ofd_flags(fd);
	case F_SETFL:
		nto__ofd_setfl(fd, (int)(intptr_t)arg);
		return 0;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return -ENOLCK;
	default:
		return -EINVAL;
	}
}

NTO_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *); /* what glibc does: int or pointer */
	va_end(ap);
	if (SIM(fd))
		return set_errno(sim_fcntl(fd, cmd, arg));
	return NTO_REAL(fcntl)(fd, cmd, arg);
}

NTO_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (SIM(fd))
		return set_errno(sim_fcntl(fd, cmd, arg));
	return NTO_REAL(fcntl64)(fd, cmd, arg);
}

/* Close (or mark close-on-exec) the simulated fds in [first, last]; the
 * caller then hands the range to libc for the real ones. */
static void sim_close_range(unsigned first, unsigned last, int cloexec)
{
	unsigned lim = (unsigned)fd_limit(), i;

	if (last >= lim)
		last = lim - 1;
	for (i = first; i <= last && i < lim; i++)
		if (nto__coid_is_fd((int)i)) {
			if (cloexec)
				ConnectFlags_r(0, (int)i, _NTO_COF_CLOEXEC,
					       _NTO_COF_CLOEXEC);
			else
				nto__sim_close((int)i);
		}
}

NTO_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	if (first <= last)
		sim_close_range(first, last, flags & CLOSE_RANGE_CLOEXEC);
	return NTO_REAL(close_range)(first, last, flags);
}

NTO_EXPORT void closefrom(int lowfd)
{
	if (lowfd >= 0)
		sim_close_range((unsigned)lowfd, ~0u, 0);
	NTO_REAL(closefrom)(lowfd);
}

/* ---- calls that must not reach the placeholder ---- */

NTO_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (SIM(fd))
		return set_errno(-ENOTTY); /* no _IO_DEVCTL mapping */
	if (req == NTO_FICLONE && nto__coid_is_fd((int)(intptr_t)arg))
		return set_errno(-EXDEV); /* cp --reflink=auto falls back */
	if (req == NTO_FICLONERANGE && arg &&
	    nto__coid_is_fd(
		    (int)((const struct nto_file_clone_range *)arg)->src_fd))
		return set_errno(-EXDEV);
	return NTO_REAL(ioctl)(fd, req, arg);
}

static int fadvise_check(int advice)
{
	return advice >= POSIX_FADV_NORMAL && advice <= POSIX_FADV_NOREUSE
		       ? 0
		       : EINVAL;
}

/* Advice only: accepted and ignored for a simulated fd. */
NTO_EXPORT int posix_fadvise(int fd, off_t off, off_t len, int advice)
{
	if (SIM(fd))
		return fadvise_check(advice);
	return NTO_REAL(posix_fadvise)(fd, off, len, advice);
}

NTO_EXPORT int posix_fadvise64(int fd, off64_t off, off64_t len, int advice)
{
	if (SIM(fd))
		return fadvise_check(advice);
	return NTO_REAL(posix_fadvise64)(fd, off, len, advice);
}

/* posix_fallocate on a simulated fd: make the file at least off+len long
 * (returns an errno value, as posix_fallocate does). */
static int sim_fallocate(int fd, off_t off, off_t len)
{
	struct stat st;
	int rc;

	if (off < 0 || len <= 0)
		return EINVAL;
	rc = nto__io_stat(fd, &st);
	if (rc == 0 && st.st_size < off + len)
		rc = nto__io_space(fd, off + len);
	return -rc;
}

NTO_EXPORT int posix_fallocate(int fd, off_t off, off_t len)
{
	if (SIM(fd))
		return sim_fallocate(fd, off, len);
	return NTO_REAL(posix_fallocate)(fd, off, len);
}

NTO_EXPORT int posix_fallocate64(int fd, off64_t off, off64_t len)
{
	if (SIM(fd))
		return sim_fallocate(fd, off, len);
	return NTO_REAL(posix_fallocate64)(fd, off, len);
}

NTO_EXPORT int fallocate(int fd, int mode, off_t off, off_t len)
{
	if (SIM(fd))
		return set_errno(-EOPNOTSUPP);
	return NTO_REAL(fallocate)(fd, mode, off, len);
}

NTO_EXPORT int fallocate64(int fd, int mode, off64_t off, off64_t len)
{
	if (SIM(fd))
		return set_errno(-EOPNOTSUPP);
	return NTO_REAL(fallocate64)(fd, mode, off, len);
}

/* The kernel cannot copy between a simulated fd and anything: EXDEV makes
 * cat and cp fall back to read/write. */
NTO_EXPORT ssize_t copy_file_range(int infd, off64_t *inoff, int outfd,
				   off64_t *outoff, size_t len, unsigned flags)
{
	if (SIM(infd) || SIM(outfd))
		return set_errno(-EXDEV);
	return NTO_REAL(copy_file_range)(infd, inoff, outfd, outoff, len,
					 flags);
}

/* sendfile with a simulated end: a read/write loop through the entry
 * points (which route each side to the right place). */
static ssize_t sim_sendfile(int out, int in, off_t *off, size_t count)
{
	char buf[65536];
	size_t done = 0;
	off_t pos = off ? *off : 0;

	while (done < count) {
		size_t k =
			count - done < sizeof(buf) ? count - done : sizeof(buf);
		ssize_t r = off ? pread(in, buf, k, pos) : read(in, buf, k);
		ssize_t w = 0;

		if (r < 0) {
			if (done)
				break;
			return -1;
		}
		if (r == 0)
			break;
		while (w < r) {
			ssize_t x = write(out, buf + w, (size_t)(r - w));

			if (x < 0) {
				if (done || w)
					goto out;
				return -1;
			}
			w += x;
			done += (size_t)x;
			pos += x;
		}
	}
out:
	if (off)
		*off = pos;
	return (ssize_t)done;
}

NTO_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	if (SIM(out) || SIM(in))
		return sim_sendfile(out, in, off, count);
	return NTO_REAL(sendfile)(out, in, off, count);
}

NTO_EXPORT ssize_t sendfile64(int out, int in, off64_t *off, size_t count)
{
	if (SIM(out) || SIM(in))
		return sim_sendfile(out, in, off, count);
	return NTO_REAL(sendfile64)(out, in, off, count);
}

NTO_EXPORT ssize_t splice(int in, off64_t *inoff, int out, off64_t *outoff,
			  size_t len, unsigned flags)
{
	if (SIM(in) || SIM(out))
		return set_errno(-EINVAL);
	return NTO_REAL(splice)(in, inoff, out, outoff, len, flags);
}

NTO_EXPORT ssize_t tee(int in, int out, size_t len, unsigned flags)
{
	if (SIM(in) || SIM(out))
		return set_errno(-EINVAL);
	return NTO_REAL(tee)(in, out, len, flags);
}

/* Locks on the placeholder would contend on /dev/null across processes. */
NTO_EXPORT int flock(int fd, int op)
{
	if (SIM(fd))
		return set_errno(-ENOLCK);
	return NTO_REAL(flock)(fd, op);
}

NTO_EXPORT int lockf(int fd, int cmd, off_t len)
{
	if (SIM(fd))
		return set_errno(-ENOLCK);
	return NTO_REAL(lockf)(fd, cmd, len);
}

NTO_EXPORT int lockf64(int fd, int cmd, off64_t len)
{
	if (SIM(fd))
		return set_errno(-ENOLCK);
	return NTO_REAL(lockf64)(fd, cmd, len);
}

/* ---- metadata: messages to the server (never chmod /dev/null) ---- */

NTO_EXPORT int fchmod(int fd, mode_t mode)
{
	if (SIM(fd))
		return set_errno(nto__io_chmod(fd, mode));
	return NTO_REAL(fchmod)(fd, mode);
}

NTO_EXPORT int fchown(int fd, uid_t uid, gid_t gid)
{
	if (SIM(fd))
		return set_errno(nto__io_chown(fd, uid, gid));
	return NTO_REAL(fchown)(fd, uid, gid);
}

NTO_EXPORT int futimens(int fd, const struct timespec ts[2])
{
	if (SIM(fd))
		return set_errno(nto__io_utime(fd, ts));
	return NTO_REAL(futimens)(fd, ts);
}

NTO_EXPORT int futimes(int fd, const struct timeval tv[2])
{
	struct timespec ts[2];

	if (!SIM(fd))
		return NTO_REAL(futimes)(fd, tv);
	if (!tv)
		return set_errno(nto__io_utime(fd, NULL));
	ts[0].tv_sec = tv[0].tv_sec;
	ts[0].tv_nsec = tv[0].tv_usec * 1000;
	ts[1].tv_sec = tv[1].tv_sec;
	ts[1].tv_nsec = tv[1].tv_usec * 1000;
	return set_errno(nto__io_utime(fd, ts));
}

NTO_EXPORT int ftruncate(int fd, off_t length)
{
	if (SIM(fd))
		return set_errno(nto__io_space(fd, length));
	return NTO_REAL(ftruncate)(fd, length);
}

NTO_EXPORT int ftruncate64(int fd, off64_t length)
{
	if (SIM(fd))
		return set_errno(nto__io_space(fd, length));
	return NTO_REAL(ftruncate64)(fd, length);
}

/* Simulated files carry no extended attributes. */
NTO_EXPORT ssize_t fgetxattr(int fd, const char *name, void *value, size_t size)
{
	if (SIM(fd))
		return set_errno(-ENOTSUP);
	return NTO_REAL(fgetxattr)(fd, name, value, size);
}

NTO_EXPORT ssize_t flistxattr(int fd, char *list, size_t size)
{
	if (SIM(fd))
		return 0;
	return NTO_REAL(flistxattr)(fd, list, size);
}

NTO_EXPORT int fsetxattr(int fd, const char *name, const void *value,
			 size_t size, int flags)
{
	if (SIM(fd))
		return set_errno(-ENOTSUP);
	return NTO_REAL(fsetxattr)(fd, name, value, size, flags);
}

NTO_EXPORT int fremovexattr(int fd, const char *name)
{
	if (SIM(fd))
		return set_errno(-ENOTSUP);
	return NTO_REAL(fremovexattr)(fd, name);
}
