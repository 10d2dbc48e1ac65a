/*
 * POSIX I/O over messages, core part: the libc functions libnto forwards to,
 * the per-fd open-file state kept beside the coid tables, the _IO_* message
 * helpers, and the byte-moving entry points (read, write, their p/v forms,
 * lseek, fstat, close, fsync). Every fd libnto does not own goes straight to
 * libc after one table load (nto__coid_is_fd). Paths, dup/fcntl, stdio and
 * the per-fd open-file state are in posix_path.c, posix_fd.c, posix_stdio.c
 * and posix_ofd.c.
 */
#include "config.h"
/* We define read(), open()...: no fortify wrappers, no 64-bit renames. */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <sys/iomsg.h>

#include "posix_internal.h"

/* QNX <fcntl.h> _IO_SPACE subtypes (ftruncate's messages). */
#ifndef F_ALLOCSP64
#define F_ALLOCSP64 110
#endif
#ifndef F_FREESP64
#define F_FREESP64 111
#endif

/* glibc's compatibility stat entry points (no longer in its headers). */
int __fxstat(int ver, int fd, struct stat *st);
int __fxstat64(int ver, int fd, struct stat64 *st);
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen);

_Static_assert(sizeof(struct stat) == sizeof(struct stat64),
	       "struct stat and stat64 must share a layout");

__thread int nto__posix_busy;
static __thread int in_dlsym;

NTO_REAL_DECL(read);
NTO_REAL_DECL(write);
NTO_REAL_DECL(pread);
NTO_REAL_DECL(pwrite);
NTO_REAL_DECL(pread64);
NTO_REAL_DECL(pwrite64);
NTO_REAL_DECL(readv);
NTO_REAL_DECL(writev);
NTO_REAL_DECL(preadv);
NTO_REAL_DECL(pwritev);
NTO_REAL_DECL(preadv64);
NTO_REAL_DECL(pwritev64);
NTO_REAL_DECL(preadv2);
NTO_REAL_DECL(pwritev2);
NTO_REAL_DECL(lseek);
NTO_REAL_DECL(lseek64);
NTO_REAL_DECL(fstat);
NTO_REAL_DECL(fstat64);
NTO_REAL_DECL(__fxstat);
NTO_REAL_DECL(__fxstat64);
NTO_REAL_DECL(close);
NTO_REAL_DECL(fsync);
NTO_REAL_DECL(fdatasync);
NTO_REAL_DECL(__read_chk);
NTO_REAL_DECL(__pread_chk);
NTO_REAL_DECL(__pread64_chk);

void *nto__libc_sym(const char *name, void **cache)
{
	void *p = __atomic_load_n(cache, __ATOMIC_ACQUIRE);

	if (p || in_dlsym)
		return p;
	in_dlsym = 1;
	p = dlsym(RTLD_NEXT, name);
	in_dlsym = 0;
	if (p)
		__atomic_store_n(cache, p, __ATOMIC_RELEASE);
	return p;
}

__attribute__((constructor)) static void posix_init(void)
{
	/* resolve the hot paths before main() runs */
	NTO_REAL(read);
	NTO_REAL(write);
	NTO_REAL(close);
	NTO_REAL(fstat);
	NTO_REAL(lseek);
}

/* ---- _IO_* messages on a coid ---- */

static int send1(int coid, const void *msg, size_t len, void *rep,
		 size_t replen)
{
	iov_t s, r;

	SETIOV(&s, msg, len);
	SETIOV(&r, rep, replen);
	return nto__msgsendv(coid, &s, 1, &r, rep ? 1 : 0);
}

/* send1 for a message answered in the status only: 0 or -errno. */
static int send0(int coid, const void *msg, size_t len)
{
	int rc = send1(coid, msg, len, NULL, 0);

	return rc < 0 ? rc : 0;
}

static uint32_t xflags_of(int coid)
{
	return (nto__ofd_flags(coid) & O_NONBLOCK) ? _IO_XFLAG_NONBLOCK : 0;
}

ssize_t nto__io_readv(int coid, const struct iovec *iov, int cnt,
		      const off_t *off)
{
	struct {
		struct _io_read i;
		struct _xtype_offset o;
	} msg;
	struct iovec stackv[8], *v = (struct iovec *)iov;
	size_t total = 0;
	int i, n = cnt, rc;

	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	for (i = 0; i < cnt; i++) {
		if (iov[i].iov_len > NTO_POSIX_CHUNK - total) {
			/* clip to one chunk: a short read is allowed */
			n = i + 1;
			v = n <= 8 ? stackv : malloc((size_t)n * sizeof(*v));
			if (!v)
				return -ENOMEM;
			memcpy(v, iov, (size_t)n * sizeof(*v));
			v[i].iov_len = NTO_POSIX_CHUNK - total;
			total = NTO_POSIX_CHUNK;
			break;
		}
		total += iov[i].iov_len;
	}
	memset(&msg, 0, sizeof(msg));
	msg.i.type = _IO_READ;
	msg.i.combine_len = off ? sizeof(msg) : sizeof(msg.i);
	msg.i.nbytes = (_Int32t)total;
	msg.i.xtype =
		(off ? _IO_XTYPE_OFFSET : _IO_XTYPE_NONE) | xflags_of(coid);
	if (off)
		msg.o.offset = *off;
	{
		iov_t s;

		SETIOV(&s, &msg, msg.i.combine_len);
		rc = nto__msgsendv(coid, &s, 1, v, n);
	}
	if (v != iov && v != stackv)
		free(v);
	if (rc >= 0 && (size_t)rc > total)
		rc = (int)total; /* never claim more than we asked for */
	return rc;
}

ssize_t nto__io_read(int coid, void *buf, size_t n, const off_t *off)
{
	struct iovec v = {buf, n};

	return nto__io_readv(coid, &v, 1, off);
}

/* One _IO_WRITE of at most NTO_POSIX_CHUNK bytes gathered from iov. */
static ssize_t io_write1(int coid, const struct iovec *iov, int cnt,
			 size_t total, const off_t *off)
{
	struct {
		struct _io_write i;
		struct _xtype_offset o;
	} msg;
	iov_t stackv[10], *s = stackv;
	int rc;

	if (cnt + 1 > 10) {
		s = malloc((size_t)(cnt + 1) * sizeof(*s));
		if (!s)
			return -ENOMEM;
	}
	memset(&msg, 0, sizeof(msg));
	msg.i.type = _IO_WRITE;
	msg.i.combine_len = off ? sizeof(msg) : sizeof(msg.i);
	msg.i.nbytes = (_Int32t)total;
	msg.i.xtype =
		(off ? _IO_XTYPE_OFFSET : _IO_XTYPE_NONE) | xflags_of(coid);
	if (off)
		msg.o.offset = *off;
	SETIOV(&s[0], &msg, msg.i.combine_len);
	memcpy(s + 1, iov, (size_t)cnt * sizeof(*s));
	rc = nto__msgsendv(coid, s, cnt + 1, NULL, 0);
	if (s != stackv)
		free(s);
	if (rc >= 0 && (size_t)rc > total)
		rc = (int)total;
	return rc;
}

ssize_t nto__io_writev(int coid, const struct iovec *iov, int cnt,
		       const off_t *off)
{
	size_t total = 0, done = 0;
	off_t pos = off ? *off : 0;
	int i;

	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	for (i = 0; i < cnt; i++) {
		if (iov[i].iov_len > SSIZE_MAX - total)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	if (total <= NTO_POSIX_CHUNK)
		return io_write1(coid, iov, cnt, total, off);
	/* big: one message per chunk, stopping at the first short write */
	for (i = 0; i < cnt; i++) {
		const char *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		while (left > 0) {
			size_t k =
				left < NTO_POSIX_CHUNK ? left : NTO_POSIX_CHUNK;
			struct iovec one = {(void *)p, k};
			ssize_t r =
				io_write1(coid, &one, 1, k, off ? &pos : NULL);

			if (r < 0)
				return done ? (ssize_t)done : r;
			done += (size_t)r;
			pos += r;
			p += r;
			left -= (size_t)r;
			if ((size_t)r < k)
				return (ssize_t)done;
		}
	}
	return (ssize_t)done;
}

ssize_t nto__io_write(int coid, const void *buf, size_t n, const off_t *off)
{
	struct iovec v = {(void *)buf, n};

	return nto__io_writev(coid, &v, 1, off);
}

off_t nto__io_lseek(int coid, off_t off, int whence)
{
	struct _io_lseek msg;
	uint64_t pos = UINT64_MAX;
	int rc;

	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_LSEEK;
	msg.combine_len = sizeof(msg);
	msg.whence = (short)whence;
	msg.offset = (uint64_t)off;
	rc = send1(coid, &msg, sizeof(msg), &pos, sizeof(pos));
	if (rc < 0)
		return rc;
	if (pos == UINT64_MAX)
		return rc; /* a server that answered in the status only */
	if ((int64_t)pos < 0)
		return -EOVERFLOW;
	return (off_t)pos;
}

int nto__io_stat(int coid, struct stat *st)
{
	struct _io_stat msg;
	int rc;

	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_STAT;
	msg.combine_len = sizeof(msg);
	memset(st, 0, sizeof(*st));
	rc = send1(coid, &msg, sizeof(msg), st, sizeof(*st));
	return rc < 0 ? rc : 0;
}

int nto__io_close(int coid)
{
	struct _io_close msg = {_IO_CLOSE, sizeof(msg)};
	int rc, tries = 0;

	do /* the binding must go even if a signal interrupted us */
		rc = send1(coid, &msg, sizeof(msg), NULL, 0);
	while (rc == -EINTR && ++tries < 3);
	return rc < 0 ? rc : 0;
}

int nto__io_chmod(int coid, mode_t mode)
{
	struct _io_chmod msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_CHMOD;
	msg.combine_len = sizeof(msg);
	msg.mode = mode;
	return send0(coid, &msg, sizeof(msg));
}

int nto__io_chown(int coid, uid_t uid, gid_t gid)
{
	struct _io_chown msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_CHOWN;
	msg.combine_len = sizeof(msg);
	msg.uid = (_Int32t)uid;
	msg.gid = (_Int32t)gid;
	return send0(coid, &msg, sizeof(msg));
}

int nto__io_utime(int coid, const struct timespec ts[2])
{
	struct _io_utime msg;
	struct stat st = {0};
	time_t now = time(NULL);
	int rc;

	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_UTIME;
	msg.combine_len = sizeof(msg);
	if (!ts || (ts[0].tv_nsec == UTIME_NOW && ts[1].tv_nsec == UTIME_NOW)) {
		msg.cur_flag = 1;
	} else {
		if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
			return 0;
		if (ts[0].tv_nsec == UTIME_OMIT ||
		    ts[1].tv_nsec == UTIME_OMIT) {
			/* _IO_UTIME sets both: keep the omitted one */
			rc = nto__io_stat(coid, &st);
			if (rc < 0)
				return rc;
		}
		msg.times.actime = ts[0].tv_nsec == UTIME_OMIT	? st.st_atime
				   : ts[0].tv_nsec == UTIME_NOW ? now
								: ts[0].tv_sec;
		msg.times.modtime = ts[1].tv_nsec == UTIME_OMIT	 ? st.st_mtime
				    : ts[1].tv_nsec == UTIME_NOW ? now
								 : ts[1].tv_sec;
	}
	return send0(coid, &msg, sizeof(msg));
}

/* ftruncate, as QNX libc does it: free space from `length` on, and if
 * the file was shorter, allocate up to `length`. */
int nto__io_space(int coid, off_t length)
{
	struct _io_space msg;
	uint64_t size = UINT64_MAX;
	int rc;

	if (length < 0)
		return -EINVAL;
	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_SPACE;
	msg.combine_len = sizeof(msg);
	msg.subtype = F_FREESP64;
	msg.whence = SEEK_SET;
	msg.start = (uint64_t)length;
	msg.len = 0; /* to the end of the file */
	rc = send1(coid, &msg, sizeof(msg), &size, sizeof(size));
	if (rc < 0)
		return rc;
	if (size == UINT64_MAX || size >= (uint64_t)length)
		return 0;
	msg.subtype = F_ALLOCSP64;
	msg.start = size;
	msg.len = (uint64_t)length - size;
	return send0(coid, &msg, sizeof(msg));
}

int nto__io_sync(int coid, int flag)
{
	struct _io_sync msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_SYNC;
	msg.combine_len = sizeof(msg);
	msg.flag = (uint32_t)flag;
	return send0(coid, &msg, sizeof(msg));
}

int nto__sim_close(int fd)
{
	/* a remote fd dup'd by sharing its connection: the server sees one
	 * open, closed with the last number */
	int rc = nto__coid_unalias(fd) ? 0 : nto__io_close(fd);

	/* QNX close(): _IO_CLOSE, then ConnectDetach whatever the server
	 * said, so a dead server's fd gives EBADF but its number is free */
	nto__ofd_drop(fd);
	ConnectDetach_r(fd);
	return rc;
}

/* ---- entry points ---- */

static ssize_t set_errno(ssize_t rc)
{
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

#define SIM(fd) __builtin_expect(nto__coid_is_fd(fd), 0)

NTO_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	__typeof__(&read) real;

	if (SIM(fd))
		return set_errno(nto__io_read(fd, buf, n, NULL));
	real = NTO_REAL(read);
	if (__builtin_expect(!real, 0))
		return syscall(SYS_read, fd, buf, n);
	return real(fd, buf, n);
}

NTO_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (SIM(fd) && n <= buflen)
		return set_errno(nto__io_read(fd, buf, n, NULL));
	/* libc's reports the overflow (and aborts) */
	return NTO_REAL(__read_chk)(fd, buf, n, buflen);
}

NTO_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	__typeof__(&write) real;

	if (SIM(fd))
		return set_errno(nto__io_write(fd, buf, n, NULL));
	real = NTO_REAL(write);
	if (__builtin_expect(!real, 0))
		return syscall(SYS_write, fd, buf, n);
	return real(fd, buf, n);
}

static ssize_t sim_pread(int fd, void *buf, size_t n, off_t off)
{
	if (off < 0)
		return set_errno(-EINVAL);
	return set_errno(nto__io_read(fd, buf, n, &off));
}

static ssize_t sim_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (off < 0)
		return set_errno(-EINVAL);
	return set_errno(nto__io_write(fd, buf, n, &off));
}

NTO_EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	if (SIM(fd))
		return sim_pread(fd, buf, n, off);
	return NTO_REAL(pread)(fd, buf, n, off);
}

NTO_EXPORT ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
	if (SIM(fd))
		return sim_pread(fd, buf, n, off);
	return NTO_REAL(pread64)(fd, buf, n, off);
}

NTO_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off,
			       size_t buflen)
{
	if (SIM(fd) && n <= buflen)
		return sim_pread(fd, buf, n, off);
	return NTO_REAL(__pread_chk)(fd, buf, n, off, buflen);
}

NTO_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off,
				 size_t buflen)
{
	if (SIM(fd) && n <= buflen)
		return sim_pread(fd, buf, n, off);
	return NTO_REAL(__pread64_chk)(fd, buf, n, off, buflen);
}

NTO_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (SIM(fd))
		return sim_pwrite(fd, buf, n, off);
	return NTO_REAL(pwrite)(fd, buf, n, off);
}

NTO_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	if (SIM(fd))
		return sim_pwrite(fd, buf, n, off);
	return NTO_REAL(pwrite64)(fd, buf, n, off);
}

NTO_EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	if (SIM(fd))
		return set_errno(nto__io_readv(fd, iov, cnt, NULL));
	return NTO_REAL(readv)(fd, iov, cnt);
}

NTO_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	if (SIM(fd))
		return set_errno(nto__io_writev(fd, iov, cnt, NULL));
	return NTO_REAL(writev)(fd, iov, cnt);
}

/*
 * preadv/pwritev and their 64 and v2 forms: a positioned io (nto__io_readv
 * or nto__io_writev) on a simulated fd, where offset -1 means "current" in
 * the v2 forms (cur_ok); libc's function of the same name on any other fd.
 */
typedef ssize_t (*io_vec_fn)(int coid, const struct iovec *iov, int cnt,
			     const off_t *off);

static ssize_t sim_prwv(io_vec_fn io, int fd, const struct iovec *iov, int cnt,
			off_t off, int cur_ok)
{
	if (off == -1 && cur_ok)
		return set_errno(io(fd, iov, cnt, NULL));
	if (off < 0)
		return set_errno(-EINVAL);
	return set_errno(io(fd, iov, cnt, &off));
}

#define PRWV_ENTRY(name, io, off_type)                                    \
	NTO_EXPORT ssize_t name(int fd, const struct iovec *iov, int cnt, \
				off_type off)                             \
	{                                                                 \
		if (SIM(fd))                                              \
			return sim_prwv(io, fd, iov, cnt, off, 0);        \
		return NTO_REAL(name)(fd, iov, cnt, off);                 \
	}
#define PRWV2_ENTRY(name, io)                                             \
	NTO_EXPORT ssize_t name(int fd, const struct iovec *iov, int cnt, \
				off_t off, int flags)                     \
	{                                                                 \
		if (SIM(fd))                                              \
			return sim_prwv(io, fd, iov, cnt, off, 1);        \
		return NTO_REAL(name)(fd, iov, cnt, off, flags);          \
	}

PRWV_ENTRY(preadv, nto__io_readv, off_t)
PRWV_ENTRY(preadv64, nto__io_readv, off64_t)
PRWV2_ENTRY(preadv2, nto__io_readv)
PRWV_ENTRY(pwritev, nto__io_writev, off_t)
PRWV_ENTRY(pwritev64, nto__io_writev, off64_t)
PRWV2_ENTRY(pwritev2, nto__io_writev)

NTO_EXPORT off_t lseek(int fd, off_t off, int whence)
{
	if (SIM(fd))
		return (off_t)set_errno(nto__io_lseek(fd, off, whence));
	return NTO_REAL(lseek)(fd, off, whence);
}

NTO_EXPORT off64_t lseek64(int fd, off64_t off, int whence)
{
	if (SIM(fd))
		return (off64_t)set_errno(nto__io_lseek(fd, off, whence));
	return NTO_REAL(lseek64)(fd, off, whence);
}

NTO_EXPORT int fstat(int fd, struct stat *st)
{
	__typeof__(&fstat) real;

	if (SIM(fd))
		return (int)set_errno(nto__io_stat(fd, st));
	real = NTO_REAL(fstat);
	if (__builtin_expect(!real, 0))
		return (int)syscall(SYS_fstat, fd, st);
	return real(fd, st);
}

NTO_EXPORT int fstat64(int fd, struct stat64 *st)
{
	if (SIM(fd))
		return (int)set_errno(nto__io_stat(fd, (struct stat *)st));
	return NTO_REAL(fstat64)(fd, st);
}

NTO_EXPORT int __fxstat(int ver, int fd, struct stat *st)
{
	if (SIM(fd))
		return (int)set_errno(nto__io_stat(fd, st));
	return NTO_REAL(__fxstat)(ver, fd, st);
}

NTO_EXPORT int __fxstat64(int ver, int fd, struct stat64 *st)
{
	if (SIM(fd))
		return (int)set_errno(nto__io_stat(fd, (struct stat *)st));
	return NTO_REAL(__fxstat64)(ver, fd, st);
}

NTO_EXPORT int close(int fd)
{
	__typeof__(&close) real;

	if (SIM(fd))
		return (int)set_errno(nto__sim_close(fd));
	real = NTO_REAL(close);
	if (__builtin_expect(!real, 0))
		return nto__sys_close(fd);
	return real(fd);
}

NTO_EXPORT int fsync(int fd)
{
	if (SIM(fd))
		return (int)set_errno(nto__io_sync(fd, O_SYNC));
	return NTO_REAL(fsync)(fd);
}

NTO_EXPORT int fdatasync(int fd)
{
	if (SIM(fd))
		return (int)set_errno(nto__io_sync(fd, O_DSYNC));
	return NTO_REAL(fdatasync)(fd);
}
