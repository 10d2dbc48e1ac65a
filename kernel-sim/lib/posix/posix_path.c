/*
 * POSIX I/O over messages, pathname part: open/openat/creat and the
 * path-based calls (stat family, statx, access, unlink, chmod, chown,
 * utimensat, truncate). A path is simulated only if ipcd resolves it and a
 * server accepts it (nto__connect_path); otherwise, and always while ipcd is
 * unreachable, the call goes to libc untouched. Relative paths are resolved
 * against getcwd() (AT_FDCWD) or against the path a simulated directory fd
 * was opened with; relative to a real directory fd they are never simulated.
 */
#include "config.h"
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <sys/iomsg.h>

#include "posix_internal.h"

/* glibc's fortify and compatibility entry points (not in its headers). */
int __open_2(const char *path, int oflag);
int __open64_2(const char *path, int oflag);
int __openat_2(int dirfd, const char *path, int oflag);
int __openat64_2(int dirfd, const char *path, int oflag);
int __xstat(int ver, const char *path, struct stat *st);
int __xstat64(int ver, const char *path, struct stat64 *st);
int __lxstat(int ver, const char *path, struct stat *st);
int __lxstat64(int ver, const char *path, struct stat64 *st);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *st,
	       int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st,
		 int flags);

NTO_REAL_DECL(open);
NTO_REAL_DECL(open64);
NTO_REAL_DECL(openat);
NTO_REAL_DECL(openat64);
NTO_REAL_DECL(__open_2);
NTO_REAL_DECL(__open64_2);
NTO_REAL_DECL(__openat_2);
NTO_REAL_DECL(__openat64_2);
NTO_REAL_DECL(creat);
NTO_REAL_DECL(creat64);
NTO_REAL_DECL(stat);
NTO_REAL_DECL(stat64);
NTO_REAL_DECL(lstat);
NTO_REAL_DECL(lstat64);
NTO_REAL_DECL(fstatat);
NTO_REAL_DECL(fstatat64);
NTO_REAL_DECL(__xstat);
NTO_REAL_DECL(__xstat64);
NTO_REAL_DECL(__lxstat);
NTO_REAL_DECL(__lxstat64);
NTO_REAL_DECL(__fxstatat);
NTO_REAL_DECL(__fxstatat64);
NTO_REAL_DECL(statx);
NTO_REAL_DECL(access);
NTO_REAL_DECL(faccessat);
NTO_REAL_DECL(euidaccess);
NTO_REAL_DECL(eaccess);
NTO_REAL_DECL(unlink);
NTO_REAL_DECL(unlinkat);
NTO_REAL_DECL(rmdir);
NTO_REAL_DECL(chmod);
NTO_REAL_DECL(fchmodat);
NTO_REAL_DECL(chown);
NTO_REAL_DECL(lchown);
NTO_REAL_DECL(fchownat);
NTO_REAL_DECL(utimensat);
NTO_REAL_DECL(truncate);
NTO_REAL_DECL(truncate64);

static int set_errno(int rc)
{
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

static int join(char *buf, size_t len, size_t dlen, const char *rel)
{
	size_t rlen = strlen(rel);

	if (dlen + 1 + rlen + 1 > len)
		return -ENAMETOOLONG;
	buf[dlen] = '/';
	memcpy(buf + dlen + 1, rel, rlen + 1);
	return 1;
}

int nto__sim_abspath(int dirfd, const char *path, char *buf, size_t len)
{
	size_t n;
	int rc;

	if (nto__posix_busy || !path || !path[0])
		return 0;
	if (path[0] == '/') {
		n = strlen(path);
		if (n >= len || !nto__pathspace_maybe_up())
			return 0; /* libc reports ENAMETOOLONG itself */
		memcpy(buf, path, n + 1);
		return 1;
	}
	if (dirfd == AT_FDCWD) {
		if (!nto__pathspace_maybe_up() || !getcwd(buf, len))
			return 0;
		return join(buf, len, strlen(buf), path);
	}
	if (!nto__coid_is_fd(dirfd))
		return 0;
	rc = nto__ofd_path(dirfd, buf, len);
	if (rc < 0)
		return rc == -ENOENT ? -ENOTDIR : rc;
	return join(buf, len, (size_t)rc, path);
}

/* Unresolved: libc's business, unless the path was relative to a
 * simulated directory (libc would look in its /dev/null placeholder). */
int nto__sim_not_found(int dirfd, const char *path)
{
	if (path[0] != '/' && dirfd != AT_FDCWD)
		return -ENOENT;
	return NTO_NOT_SIM;
}

int nto__sim_openat(int dirfd, const char *path, int oflag, mode_t mode)
{
	char abs[NTO_PATH_MAX], norm[NTO_PATH_MAX];
	struct stat st;
	int rc, fd;

	rc = nto__sim_abspath(dirfd, path, abs, sizeof(abs));
	if (rc <= 0)
		return rc == 0 ? NTO_NOT_SIM : rc;
	if ((oflag & O_TMPFILE) == O_TMPFILE) /* unnamed files: libc's only */
		return nto__sim_not_found(dirfd, path) == NTO_NOT_SIM
			       ? NTO_NOT_SIM
			       : -EOPNOTSUPP;
	fd = nto__connect_path(abs, _IO_CONNECT_OPEN, _FTYPE_ANY, oflag, mode,
			       0, NULL, 0);
	if (fd == -ENOENT || fd == -ENOTCONN)
		return nto__sim_not_found(dirfd, path);
	if (fd < 0)
		return fd;
	rc = nto__path_normalize(abs, norm, sizeof(norm));
	nto__ofd_new(fd, oflag, rc >= 0 ? norm : NULL);
	if (oflag & O_DIRECTORY) {
		rc = nto__io_stat(fd, &st);
		if (rc == 0 && !S_ISDIR(st.st_mode))
			rc = -ENOTDIR;
		if (rc < 0) {
			nto__sim_close(fd);
			return rc;
		}
	}
	return fd;
}

static mode_t open_mode(int oflag, va_list ap)
{
	if ((oflag & O_CREAT) || (oflag & O_TMPFILE) == O_TMPFILE)
		return (mode_t)va_arg(ap, int);
	return 0;
}

static int do_openat(int dirfd, const char *path, int oflag, mode_t mode,
		     int *handled)
{
	int rc = nto__sim_openat(dirfd, path, oflag, mode);

	*handled = rc != NTO_NOT_SIM;
	return *handled ? set_errno(rc) : -1;
}

NTO_EXPORT int open(const char *path, int oflag, ...)
{
	__typeof__(&open) real;
	va_list ap;
	mode_t mode;
	int h, rc;

	va_start(ap, oflag);
	mode = open_mode(oflag, ap);
	va_end(ap);
	rc = do_openat(AT_FDCWD, path, oflag, mode, &h);
	if (h)
		return rc;
	real = NTO_REAL(open);
	if (__builtin_expect(!real, 0))
		return (int)syscall(SYS_openat, AT_FDCWD, path, oflag, mode);
	return real(path, oflag, mode);
}

NTO_EXPORT int open64(const char *path, int oflag, ...)
{
	va_list ap;
	mode_t mode;
	int h, rc;

	va_start(ap, oflag);
	mode = open_mode(oflag, ap);
	va_end(ap);
	rc = do_openat(AT_FDCWD, path, oflag, mode, &h);
	return h ? rc : NTO_REAL(open64)(path, oflag, mode);
}

NTO_EXPORT int openat(int dirfd, const char *path, int oflag, ...)
{
	va_list ap;
	mode_t mode;
	int h, rc;

	va_start(ap, oflag);
	mode = open_mode(oflag, ap);
	va_end(ap);
	rc = do_openat(dirfd, path, oflag, mode, &h);
	return h ? rc : NTO_REAL(openat)(dirfd, path, oflag, mode);
}

NTO_EXPORT int openat64(int dirfd, const char *path, int oflag, ...)
{
	va_list ap;
	mode_t mode;
	int h, rc;

	va_start(ap, oflag);
	mode = open_mode(oflag, ap);
	va_end(ap);
	rc = do_openat(dirfd, path, oflag, mode, &h);
	return h ? rc : NTO_REAL(openat64)(dirfd, path, oflag, mode);
}

/* The _FORTIFY_SOURCE forms (no mode argument: O_CREAT is refused by
 * libc's version, which we call for unsimulated paths). */
NTO_EXPORT int __open_2(const char *path, int oflag)
{
	int h, rc = do_openat(AT_FDCWD, path, oflag, 0, &h);

	return h ? rc : NTO_REAL(__open_2)(path, oflag);
}

NTO_EXPORT int __open64_2(const char *path, int oflag)
{
	int h, rc = do_openat(AT_FDCWD, path, oflag, 0, &h);

	return h ? rc : NTO_REAL(__open64_2)(path, oflag);
}

NTO_EXPORT int __openat_2(int dirfd, const char *path, int oflag)
{
	int h, rc = do_openat(dirfd, path, oflag, 0, &h);

	return h ? rc : NTO_REAL(__openat_2)(dirfd, path, oflag);
}

NTO_EXPORT int __openat64_2(int dirfd, const char *path, int oflag)
{
	int h, rc = do_openat(dirfd, path, oflag, 0, &h);

	return h ? rc : NTO_REAL(__openat64_2)(dirfd, path, oflag);
}

NTO_EXPORT int creat(const char *path, mode_t mode)
{
	int h, rc = do_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC,
			      mode, &h);

	return h ? rc : NTO_REAL(creat)(path, mode);
}

NTO_EXPORT int creat64(const char *path, mode_t mode)
{
	int h, rc = do_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC,
			      mode, &h);

	return h ? rc : NTO_REAL(creat64)(path, mode);
}

/* ---- one message on a path: open, act, close ---- */

enum path_op { OP_STAT, OP_CHMOD, OP_CHOWN, OP_UTIME, OP_TRUNC };

struct path_args {
	struct stat *st;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	const struct timespec *ts;
	off_t length;
};

/* Open `path` on a side channel (it takes no fd number), run one I/O
 * message on it, close. Returns 0, -errno, or NTO_NOT_SIM. */
static int path_op(int dirfd, const char *path, enum path_op op,
		   const struct path_args *a)
{
	char abs[NTO_PATH_MAX];
	int rc, coid;

	rc = nto__sim_abspath(dirfd, path, abs, sizeof(abs));
	if (rc <= 0)
		return rc == 0 ? NTO_NOT_SIM : rc;
	coid = nto__connect_path(abs, _IO_CONNECT_OPEN, _FTYPE_ANY,
				 op == OP_TRUNC ? O_WRONLY : O_PATH, 0,
				 _NTO_SIDE_CHANNEL, NULL, 0);
	if (coid == -ENOENT || coid == -ENOTCONN)
		return nto__sim_not_found(dirfd, path);
	if (coid < 0)
		return coid;
	switch (op) {
	case OP_STAT:
		rc = nto__io_stat(coid, a->st);
		break;
	case OP_CHMOD:
		rc = nto__io_chmod(coid, a->mode);
		break;
	case OP_CHOWN:
		rc = nto__io_chown(coid, a->uid, a->gid);
		break;
	case OP_UTIME:
		rc = nto__io_utime(coid, a->ts);
		break;
	case OP_TRUNC:
		rc = nto__io_space(coid, a->length);
		break;
	}
	nto__io_close(coid);
	ConnectDetach_r(coid);
	return rc;
}

static int sim_stat(int dirfd, const char *path, struct stat *st)
{
	struct path_args a = {.st = st};

	return path_op(dirfd, path, OP_STAT, &a);
}

/*
 * stat and its glibc spellings: the simulated space first, libc's function
 * of the same name for a path it does not hold. No symbolic links in the
 * simulated space: lstat is stat.
 */
#define STAT_ENTRY(name, stat_type)                                           \
	NTO_EXPORT int name(const char *path, stat_type *st)                  \
	{                                                                     \
		int rc = sim_stat(AT_FDCWD, path, (struct stat *)st);         \
                                                                              \
		if (rc != NTO_NOT_SIM)                                        \
			return set_errno(rc);                                 \
		return nto__stat_fallback(NTO_REAL(name)(path, st), AT_FDCWD, \
					  path, (struct stat *)st);           \
	}
#define XSTAT_ENTRY(name, stat_type)                                          \
	NTO_EXPORT int name(int ver, const char *path, stat_type *st)         \
	{                                                                     \
		int rc = sim_stat(AT_FDCWD, path, (struct stat *)st);         \
                                                                              \
		if (rc != NTO_NOT_SIM)                                        \
			return set_errno(rc);                                 \
		return nto__stat_fallback(NTO_REAL(name)(ver, path, st),      \
					  AT_FDCWD, path, (struct stat *)st); \
	}

STAT_ENTRY(stat, struct stat)
STAT_ENTRY(stat64, struct stat64)
STAT_ENTRY(lstat, struct stat)
STAT_ENTRY(lstat64, struct stat64)
XSTAT_ENTRY(__xstat, struct stat)
XSTAT_ENTRY(__xstat64, struct stat64)
XSTAT_ENTRY(__lxstat, struct stat)
XSTAT_ENTRY(__lxstat64, struct stat64)

/* fstatat and friends: "" with AT_EMPTY_PATH is the fd itself. */
static int sim_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	if (path && !path[0] && (flags & AT_EMPTY_PATH))
		return nto__coid_is_fd(dirfd) ? nto__io_stat(dirfd, st)
					      : NTO_NOT_SIM;
	return sim_stat(dirfd, path, st);
}

/* fstatat and its glibc spellings, as STAT_ENTRY. */
#define FSTATAT_ENTRY(name, stat_type)                                       \
	NTO_EXPORT int name(int dirfd, const char *path, stat_type *st,      \
			    int flags)                                       \
	{                                                                    \
		int rc = sim_fstatat(dirfd, path, (struct stat *)st, flags); \
                                                                             \
		if (rc != NTO_NOT_SIM)                                       \
			return set_errno(rc);                                \
		return nto__stat_fallback(                                   \
			NTO_REAL(name)(dirfd, path, st, flags), dirfd, path, \
			(struct stat *)st);                                  \
	}
#define FXSTATAT_ENTRY(name, stat_type)                                      \
	NTO_EXPORT int name(int ver, int dirfd, const char *path,            \
			    stat_type *st, int flags)                        \
	{                                                                    \
		int rc = sim_fstatat(dirfd, path, (struct stat *)st, flags); \
                                                                             \
		if (rc != NTO_NOT_SIM)                                       \
			return set_errno(rc);                                \
		return nto__stat_fallback(                                   \
			NTO_REAL(name)(ver, dirfd, path, st, flags), dirfd,  \
			path, (struct stat *)st);                            \
	}

FSTATAT_ENTRY(fstatat, struct stat)
FSTATAT_ENTRY(fstatat64, struct stat64)
FXSTATAT_ENTRY(__fxstatat, struct stat)
FXSTATAT_ENTRY(__fxstatat64, struct stat64)

static void stat_to_statx(const struct stat *st, struct statx *x)
{
	memset(x, 0, sizeof(*x));
	x->stx_mask = STATX_BASIC_STATS;
	x->stx_blksize = (__u32)st->st_blksize;
	x->stx_nlink = (__u32)st->st_nlink;
	x->stx_uid = st->st_uid;
	x->stx_gid = st->st_gid;
	x->stx_mode = (__u16)st->st_mode;
	x->stx_ino = st->st_ino;
	x->stx_size = (__u64)st->st_size;
	x->stx_blocks = (__u64)st->st_blocks;
	x->stx_atime.tv_sec = st->st_atim.tv_sec;
	x->stx_atime.tv_nsec = (__u32)st->st_atim.tv_nsec;
	x->stx_mtime.tv_sec = st->st_mtim.tv_sec;
	x->stx_mtime.tv_nsec = (__u32)st->st_mtim.tv_nsec;
	x->stx_ctime.tv_sec = st->st_ctim.tv_sec;
	x->stx_ctime.tv_nsec = (__u32)st->st_ctim.tv_nsec;
	x->stx_rdev_major = major(st->st_rdev);
	x->stx_rdev_minor = minor(st->st_rdev);
	x->stx_dev_major = major(st->st_dev);
	x->stx_dev_minor = minor(st->st_dev);
}

NTO_EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask,
		     struct statx *x)
{
	struct stat st;
	int rc = sim_fstatat(dirfd, path, &st, flags);

	if (rc == NTO_NOT_SIM) {
		rc = NTO_REAL(statx)(dirfd, path, flags, mask, x);
		if (rc == 0 || nto__stat_fallback(rc, dirfd, path, &st) != 0)
			return rc;
		stat_to_statx(&st, x);
		return 0;
	}
	if (rc == 0)
		stat_to_statx(&st, x);
	return set_errno(rc);
}

/* ---- access ---- */

static int in_groups(gid_t g)
{
	gid_t groups[256];
	int n = getgroups(256, groups), i;

	for (i = 0; i < n; i++)
		if (groups[i] == g)
			return 1;
	return 0;
}

/* access(2)'s check against the server's st_mode and owners. */
static int sim_access(int dirfd, const char *path, int amode, int flags)
{
	struct stat st;
	uid_t uid;
	gid_t gid;
	mode_t bits;
	int rc = sim_stat(dirfd, path, &st);

	if (rc < 0 || amode == F_OK)
		return rc;
	if (amode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	uid = (flags & AT_EACCESS) ? geteuid() : getuid();
	gid = (flags & AT_EACCESS) ? getegid() : getgid();
	if (uid == 0) {
		/* root: everything but executing a file nobody may execute */
		if ((amode & X_OK) && !S_ISDIR(st.st_mode) &&
		    !(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)))
			return -EACCES;
		return 0;
	}
	if (st.st_uid == uid)
		bits = (st.st_mode >> 6) & 7;
	else if (st.st_gid == gid || in_groups(st.st_gid))
		bits = (st.st_mode >> 3) & 7;
	else
		bits = st.st_mode & 7;
	return ((mode_t)amode & ~bits) ? -EACCES : 0;
}

NTO_EXPORT int access(const char *path, int amode)
{
	int rc = sim_access(AT_FDCWD, path, amode, 0);

	return rc != NTO_NOT_SIM ? set_errno(rc)
				 : NTO_REAL(access)(path, amode);
}

NTO_EXPORT int faccessat(int dirfd, const char *path, int amode, int flags)
{
	int rc = sim_access(dirfd, path, amode, flags);

	return rc != NTO_NOT_SIM
		       ? set_errno(rc)
		       : NTO_REAL(faccessat)(dirfd, path, amode, flags);
}

NTO_EXPORT int euidaccess(const char *path, int amode)
{
	int rc = sim_access(AT_FDCWD, path, amode, AT_EACCESS);

	return rc != NTO_NOT_SIM ? set_errno(rc)
				 : NTO_REAL(euidaccess)(path, amode);
}

NTO_EXPORT int eaccess(const char *path, int amode)
{
	int rc = sim_access(AT_FDCWD, path, amode, AT_EACCESS);

	return rc != NTO_NOT_SIM ? set_errno(rc)
				 : NTO_REAL(eaccess)(path, amode);
}

/* ---- unlink: an _IO_CONNECT of subtype _IO_CONNECT_UNLINK ---- */

static int sim_unlink(int dirfd, const char *path, int rmdir_)
{
	return nto__path_connect(dirfd, path, _IO_CONNECT_UNLINK,
				 rmdir_ ? S_IFDIR : 0, NULL);
}

NTO_EXPORT int unlink(const char *path)
{
	int rc = sim_unlink(AT_FDCWD, path, 0);

	return rc != NTO_NOT_SIM ? set_errno(rc) : NTO_REAL(unlink)(path);
}

NTO_EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	int rc = sim_unlink(dirfd, path, flags & AT_REMOVEDIR);

	return rc != NTO_NOT_SIM ? set_errno(rc)
				 : NTO_REAL(unlinkat)(dirfd, path, flags);
}

NTO_EXPORT int rmdir(const char *path)
{
	int rc = sim_unlink(AT_FDCWD, path, 1);

	return rc != NTO_NOT_SIM ? set_errno(rc) : NTO_REAL(rmdir)(path);
}

/* ---- chmod, chown, utimensat, truncate on paths ---- */

/* The fd itself rather than a path under it? (glibc declares these path
 * arguments nonnull, but Linux's utimensat takes NULL for futimens.) */
static int is_self(int dirfd, const char *path, int flags)
{
	return (!path || (!path[0] && (flags & AT_EMPTY_PATH))) &&
	       nto__coid_is_fd(dirfd);
}

NTO_EXPORT int chmod(const char *path, mode_t mode)
{
	struct path_args a = {.mode = mode};
	int rc = path_op(AT_FDCWD, path, OP_CHMOD, &a);

	return rc != NTO_NOT_SIM ? set_errno(rc) : NTO_REAL(chmod)(path, mode);
}

NTO_EXPORT int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	struct path_args a = {.mode = mode};
	int rc;

	if (is_self(dirfd, path, flags))
		return set_errno(nto__io_chmod(dirfd, mode));
	rc = path_op(dirfd, path, OP_CHMOD, &a);
	return rc != NTO_NOT_SIM ? set_errno(rc)
				 : NTO_REAL(fchmodat)(dirfd, path, mode, flags);
}

NTO_EXPORT int chown(const char *path, uid_t uid, gid_t gid)
{
	struct path_args a = {.uid = uid, .gid = gid};
	int rc = path_op(AT_FDCWD, path, OP_CHOWN, &a);

	return rc != NTO_NOT_SIM ? set_errno(rc)
				 : NTO_REAL(chown)(path, uid, gid);
}

NTO_EXPORT int lchown(const char *path, uid_t uid, gid_t gid)
{
	struct path_args a = {.uid = uid, .gid = gid};
	int rc = path_op(AT_FDCWD, path, OP_CHOWN, &a);

	return rc != NTO_NOT_SIM ? set_errno(rc)
				 : NTO_REAL(lchown)(path, uid, gid);
}

NTO_EXPORT int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid,
			int flags)
{
	struct path_args a = {.uid = uid, .gid = gid};
	int rc;

	if (is_self(dirfd, path, flags))
		return set_errno(nto__io_chown(dirfd, uid, gid));
	rc = path_op(dirfd, path, OP_CHOWN, &a);
	return rc != NTO_NOT_SIM
		       ? set_errno(rc)
		       : NTO_REAL(fchownat)(dirfd, path, uid, gid, flags);
}

NTO_EXPORT int utimensat(int dirfd, const char *path,
			 const struct timespec ts[2], int flags)
{
	struct path_args a = {.ts = ts};
	int rc;

	if (is_self(dirfd, path, flags))
		return set_errno(nto__io_utime(dirfd, ts)); /* futimens */
	rc = path_op(dirfd, path, OP_UTIME, &a);
	return rc != NTO_NOT_SIM ? set_errno(rc)
				 : NTO_REAL(utimensat)(dirfd, path, ts, flags);
}

NTO_EXPORT int truncate(const char *path, off_t length)
{
	struct path_args a = {.length = length};
	int rc = path_op(AT_FDCWD, path, OP_TRUNC, &a);

	return rc != NTO_NOT_SIM ? set_errno(rc)
				 : NTO_REAL(truncate)(path, length);
}

NTO_EXPORT int truncate64(const char *path, off64_t length)
{
	struct path_args a = {.length = length};
	int rc = path_op(AT_FDCWD, path, OP_TRUNC, &a);

	return rc != NTO_NOT_SIM ? set_errno(rc)
				 : NTO_REAL(truncate64)(path, length);
}
