/*
 * POSIX I/O over messages, stdio part: fopen/fopen64/fdopen give a FILE*
 * over a simulated fd, and fileno() returns that fd. glibc's own fopen and
 * fdopen use internal, non-interposable syscalls, so the FILE is built with
 * fopencookie on libnto's read/write/lseek/close, and a FILE* -> fd map
 * answers fileno(). fclose needs no wrapper: it calls the cookie's close.
 * Streams libc opened itself (stdin, stdout, stderr) are not redirected.
 */
#include "config.h"
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "posix_internal.h"

FILE *fopen64(const char *path, const char *mode);

NTO_REAL_DECL(fopen);
NTO_REAL_DECL(fopen64);
NTO_REAL_DECL(fdopen);
NTO_REAL_DECL(fileno);
NTO_REAL_DECL(fileno_unlocked);

struct cookie {
	int fd;
	pid_t pid; /* a forked child's copy must not touch the number */
	FILE *f;
	struct cookie *next;
};

static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cookie *map; /* every FILE* made here, for fileno() */
static _Atomic int nmap;   /* 0: fileno() need not look */

static void map_atfork_child(void)
{
	pthread_mutex_init(&map_lock, NULL);
}

__attribute__((constructor)) static void stdio_init(void)
{
	pthread_atfork(NULL, NULL, map_atfork_child);
}

int nto__stdio_fileno(FILE *f)
{
	struct cookie *c;
	int fd = -1;

	if (atomic_load_explicit(&nmap, memory_order_relaxed) == 0)
		return -1;
	pthread_mutex_lock(&map_lock);
	for (c = map; c; c = c->next)
		if (c->f == f) {
			fd = c->fd;
			break;
		}
	pthread_mutex_unlock(&map_lock);
	return fd;
}

/* In a forked child the parent's simulated fds are gone (their numbers
 * may be reused by the child's own files): fail instead. */
static int ck_stale(const struct cookie *c)
{
	if (c->pid == getpid())
		return 0;
	errno = EBADF;
	return 1;
}

static ssize_t ck_read(void *arg, char *buf, size_t n)
{
	struct cookie *c = arg;

	return ck_stale(c) ? -1 : read(c->fd, buf, n);
}

/* stdio wants the bytes written, or 0 (never < 0) on error. */
static ssize_t ck_write(void *arg, const char *buf, size_t n)
{
	struct cookie *c = arg;
	size_t done = 0;

	if (ck_stale(c))
		return 0;
	while (done < n) {
		ssize_t r = write(c->fd, buf + done, n - done);

		if (r <= 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

static int ck_seek(void *arg, off64_t *pos, int whence)
{
	struct cookie *c = arg;
	off_t r;

	if (ck_stale(c))
		return -1;
	r = lseek(c->fd, *pos, whence);
	if (r < 0)
		return -1;
	*pos = r;
	return 0;
}

static int ck_close(void *arg)
{
	struct cookie *c = arg, **pp;
	int rc;

	pthread_mutex_lock(&map_lock);
	for (pp = &map; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			atomic_fetch_sub(&nmap, 1);
			break;
		}
	pthread_mutex_unlock(&map_lock);
	rc = ck_stale(c) ? 0 : close(c->fd);
	free(c);
	return rc;
}

/* fopen's mode string -> open flags and the plain mode fopencookie gets.
 * Returns 0 or -EINVAL. */
static int parse_mode(const char *m, int *oflag, char cmode[3])
{
	int fl, plus = 0;
	const char *p;

	switch (m[0]) {
	case 'r':
		fl = 0;
		break;
	case 'w':
		fl = O_CREAT | O_TRUNC;
		break;
	case 'a':
		fl = O_CREAT | O_APPEND;
		break;
	default:
		return -EINVAL;
	}
	for (p = m + 1; *p && *p != ','; p++) {
		if (*p == '+')
			plus = 1;
		else if (*p == 'x')
			fl |= O_EXCL;
		else if (*p == 'e')
			fl |= O_CLOEXEC;
	}
	if (plus)
		fl |= O_RDWR;
	else if (m[0] != 'r')
		fl |= O_WRONLY;
	*oflag = fl;
	cmode[0] = m[0];
	cmode[1] = plus ? '+' : '\0';
	cmode[2] = '\0';
	return 0;
}

/* A FILE* over simulated fd `fd`; on failure NULL with errno (the fd is
 * left to the caller). */
static FILE *file_over(int fd, const char *cmode)
{
	cookie_io_functions_t io = {ck_read, ck_write, ck_seek, ck_close};
	struct cookie *c = calloc(1, sizeof(*c));

	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->fd = fd;
	c->pid = getpid();
	c->f = fopencookie(c, cmode, io);
	if (!c->f) {
		free(c);
		return NULL;
	}
	pthread_mutex_lock(&map_lock);
	c->next = map;
	map = c;
	atomic_fetch_add(&nmap, 1);
	pthread_mutex_unlock(&map_lock);
	return c->f;
}

static FILE *sim_fopen(const char *path, const char *mode, int *handled)
{
	char cmode[3];
	FILE *f;
	int oflag, fd, rc;

	*handled = 0;
	if (parse_mode(mode, &oflag, cmode) < 0)
		return NULL; /* libc reports EINVAL */
	fd = nto__sim_openat(AT_FDCWD, path, oflag, 0666);
	if (fd == NTO_NOT_SIM)
		return NULL;
	*handled = 1;
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	f = file_over(fd, cmode);
	if (!f) {
		rc = errno;
		nto__sim_close(fd);
		errno = rc;
	}
	return f;
}

NTO_EXPORT FILE *fopen(const char *path, const char *mode)
{
	int h;
	FILE *f = sim_fopen(path, mode, &h);

	return h ? f : NTO_REAL(fopen)(path, mode);
}

NTO_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	int h;
	FILE *f = sim_fopen(path, mode, &h);

	return h ? f : NTO_REAL(fopen64)(path, mode);
}

NTO_EXPORT FILE *fdopen(int fd, const char *mode)
{
	char cmode[3];
	int oflag;

	if (!nto__coid_is_fd(fd))
		return NTO_REAL(fdopen)(fd, mode);
	if (parse_mode(mode, &oflag, cmode) < 0) {
		errno = EINVAL;
		return NULL;
	}
	return file_over(fd, cmode);
}

NTO_EXPORT int fileno(FILE *f)
{
	int fd = nto__stdio_fileno(f);

	return fd >= 0 ? fd : NTO_REAL(fileno)(f);
}

NTO_EXPORT int fileno_unlocked(FILE *f)
{
	int fd = nto__stdio_fileno(f);

	return fd >= 0 ? fd : NTO_REAL(fileno_unlocked)(f);
}
