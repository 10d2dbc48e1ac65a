/*
 * Private to libnto's POSIX layer (pathname.c and posix*.c): the libc
 * functions it forwards to, the per-fd open-file state it keeps beside the
 * coid tables, and the message helpers its entry points share. Nothing
 * outside kernel-sim/lib/pathname.c and kernel-sim/lib/posix*.c includes it.
 * Internal functions here return 0 / a value, or -errno, and never touch
 * errno.
 */
#ifndef NTOSIM_LIB_POSIX_INTERNAL_H
#define NTOSIM_LIB_POSIX_INTERNAL_H

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "lib/internal.h"

/* Largest single _IO_READ / _IO_WRITE payload: bigger requests become a
 * short read or several messages, so one call never needs a huge extent in
 * the connection region. */
#define NTO_POSIX_CHUNK (4u << 20)

/* An entry point's return: rc >= 0 as is, -errno as errno and -1. */
static inline long nto__posix_ret(long rc)
{
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

/* ---- pathname.c ---- */

/*
 * 0 when ipcd was found unreachable less than a second ago (every path then
 * goes to libc without asking), else 1. Cheap: one coarse clock read.
 */
int nto__pathspace_maybe_up(void);
/*
 * Lexically normalise an absolute path the way ipcd matches it (duplicate
 * slashes collapsed, "." and ".." components removed, no trailing slash
 * except for "/"). Returns the length, or -EINVAL (not absolute),
 * -ENAMETOOLONG.
 */
int nto__path_normalize(const char *in, char *out, size_t outsz);

/*
 * nto__connect_path with the extra's type (_IO_CONNECT_EXTRA_*) and a
 * reply buffer of the caller's (rep may be NULL): what rename, symlink and
 * readlink need. For _IO_CONNECT_READLINK a _IO_CONNECT_RET_LINK reply is
 * a success (the link reply is in rep). Returns the coid or -errno.
 */
struct nto_connect_x {
	unsigned extra_type;
	const void *extra;
	size_t extra_len;
	void *rep;
	size_t rep_len;
};
int nto__connect_path_x(const char *path, unsigned subtype, unsigned ftype,
			int oflag, mode_t mode, int base,
			const struct nto_connect_x *x);

/* ---- posix.c: the libc functions the POSIX layer forwards to ---- */

/*
 * libc's definition of `name` (dlsym RTLD_NEXT, resolved once into *cache),
 * or NULL if libc has none or a resolution is already running on this
 * thread (dlsym may allocate, and an allocator may open files).
 */
void *nto__libc_sym(const char *name, void **cache);
static inline void *nto__real(const char *name, void **cache)
{
	void *p = __atomic_load_n(cache, __ATOMIC_RELAXED);

	return __builtin_expect(p != NULL, 1) ? p : nto__libc_sym(name, cache);
}
/* NTO_REAL_DECL(read) once per file, then NTO_REAL(read)(fd, buf, n). */
#define NTO_REAL_DECL(name) static void *nto__real_##name
#define NTO_REAL(name)	    ((__typeof__(&name))nto__real(#name, &nto__real_##name))

/* 1 on this thread while libnto itself resolves a path: path-based entry
 * points then go straight to libc, so nothing re-enters ipcd's socket. */
extern __thread int nto__posix_busy;

/* ---- posix_ofd.c: per-fd open-file state, shared by dup'ed fds ---- */

/*
 * Record a freshly opened simulated fd: its open flags (for F_GETFL) and
 * the absolute path it was opened with (for openat relative to it; may be
 * NULL). Returns 0 or -ENOMEM (the fd stays usable, with default flags).
 */
int nto__ofd_new(int fd, int oflag, const char *path);
/* Make `newfd` share `oldfd`'s open-file state (after a dup). */
void nto__ofd_share(int oldfd, int newfd);
/* Forget fd's state (after close). */
void nto__ofd_drop(int fd);
/* The open flags of a simulated fd (O_RDWR if none were recorded). */
int nto__ofd_flags(int fd);
/* Replace the F_SETFL-settable flags. */
void nto__ofd_setfl(int fd, int flags);
/* Copy fd's path into buf; returns its length or -ENOENT / -ENAMETOOLONG. */
int nto__ofd_path(int fd, char *buf, size_t len);

/* ---- posix.c: I/O messages on a coid (fd-space or side channel) ---- */
ssize_t nto__io_read(int coid, void *buf, size_t n, const off_t *off);
ssize_t nto__io_write(int coid, const void *buf, size_t n, const off_t *off);
ssize_t nto__io_readv(int coid, const struct iovec *iov, int cnt,
		      const off_t *off);
ssize_t nto__io_writev(int coid, const struct iovec *iov, int cnt,
		       const off_t *off);
off_t nto__io_lseek(int coid, off_t off, int whence);
int nto__io_stat(int coid, struct stat *st);
int nto__io_close(int coid);
int nto__io_chmod(int coid, mode_t mode);
int nto__io_chown(int coid, uid_t uid, gid_t gid);
int nto__io_utime(int coid, const struct timespec ts[2]);
int nto__io_space(int coid, off_t length);
int nto__io_sync(int coid, int flag);
/* The whole POSIX close of a simulated fd: _IO_CLOSE, ConnectDetach,
 * forget its state. The number is free afterwards whatever the result. */
int nto__sim_close(int fd);

/* ---- posix_fd.c ---- */
/* dup onto the lowest free number >= minfd (F_DUPFD), with close-on-exec
 * bookkeeping set if cloexec. Returns the new fd or -errno. */
int nto__sim_dupfd(int fd, int minfd, int cloexec);

/* ---- posix_path.c ---- */
/*
 * Turn (dirfd, path) into the absolute path to resolve. Returns 1 with the
 * path in buf, 0 if the pair is not a candidate for simulation (relative
 * to a real directory fd, or ipcd known to be unreachable), or -errno.
 */
int nto__sim_abspath(int dirfd, const char *path, char *buf, size_t len);
/*
 * open() of a path libnto may simulate. Returns the fd (>= 0), -errno for
 * a simulated path that failed, or NTO_NOT_SIM when the path is not
 * simulated and libc should handle the call.
 */
#define NTO_NOT_SIM (-100000)
/* What an unresolved (dirfd, path) means: NTO_NOT_SIM (libc's business),
 * or -ENOENT when it was relative to a simulated directory fd. */
int nto__sim_not_found(int dirfd, const char *path);
/* One connect message of `subtype` on (dirfd, path) that makes no binding
 * (unlink, link, rename, mknod ...; x may be NULL): 0, -errno, or
 * NTO_NOT_SIM when the path is not simulated (posix_link.c). */
int nto__path_connect(int dirfd, const char *path, unsigned subtype,
		      mode_t mode, const struct nto_connect_x *x);
int nto__sim_openat(int dirfd, const char *path, int oflag, mode_t mode);

/* ---- posix_dir.c: directory streams, pathname-space directories ---- */
/*
 * The names one level below `path` in ipcd's pathname space (PATH_LIST),
 * NUL-separated in a malloc'd *names of *len bytes (names may be NULL to
 * only ask whether there are any). Returns 0, or -ENOENT (none), -ENOMEM.
 */
int nto__pathspace_list(const char *path, char **names, size_t *len);
/* A directory's stat for a pathname-space directory (registrations below
 * it, no server at it): 0, or -ENOENT. */
int nto__pathspace_dir_stat(int dirfd, const char *path, struct stat *st);
/* After libc's stat family returned rc (errno set): if it failed with
 * ENOENT on a pathname-space directory, fill *st and return 0; otherwise
 * return rc with errno untouched. */
int nto__stat_fallback(int rc, int dirfd, const char *path, struct stat *st);

/* ---- posix_stdio.c ---- */
/* fileno() for a FILE* libnto made over a simulated fd, else -1. */
int nto__stdio_fileno(FILE *f);

#endif /* NTOSIM_LIB_POSIX_INTERNAL_H */
