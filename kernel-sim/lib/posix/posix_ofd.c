/*
 * The per-fd open-file state of the POSIX layer: what F_GETFL reports and
 * the path openat() resolves relative to, kept beside connect.c's coid
 * table and shared by dup'ed fds like Linux's open file description. The
 * file offset is not here: it lives in the server's OCB.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "posix_internal.h"

/* What F_GETFL reports and dup'ed fds share (Linux's open file
 * description, minus the offset, which the server's OCB holds). */
struct ofd {
	int refs;
	int flags;
	char *path;
};

#define OFD_GETFL_MASK                                                     \
	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_SYNC | O_DSYNC | O_DIRECT | \
	 O_NOATIME | O_LARGEFILE | O_PATH | O_ASYNC | O_DIRECTORY)
#define OFD_SETFL_MASK (O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME | O_NONBLOCK)

static pthread_mutex_t ofd_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ofd **ofdtab; /* mmap'd, ofdtab_n entries, indexed by fd */
static size_t ofdtab_n;

static int ofdtab_init_locked(void)
{
	struct rlimit rl;
	size_t n = 1u << 20;
	void *p;

	if (ofdtab)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n)
		n = (size_t)rl.rlim_cur;
	/* calloc of a table this size is backed by fresh zero pages, so
	 * untouched entries cost nothing; unlike a private mmap, leak
	 * checkers scan it, so what it points to is never reported */
	p = calloc(n, sizeof(*ofdtab));
	if (!p)
		return -ENOMEM;
	ofdtab = p;
	ofdtab_n = n;
	return 0;
}

static void ofd_unref_locked(struct ofd *o)
{
	if (o && --o->refs == 0) {
		free(o->path);
		free(o);
	}
}

static struct ofd *ofd_at_locked(int fd)
{
	return ofdtab && fd >= 0 && (size_t)fd < ofdtab_n ? ofdtab[fd] : NULL;
}

int nto__ofd_new(int fd, int oflag, const char *path)
{
	struct ofd *o = calloc(1, sizeof(*o));
	int rc;

	if (o && path) {
		o->path = strdup(path);
		if (!o->path) {
			free(o);
			o = NULL;
		}
	}
	pthread_mutex_lock(&ofd_lock);
	rc = ofdtab_init_locked();
	if (rc == 0 && (fd < 0 || (size_t)fd >= ofdtab_n))
		rc = -EBADF;
	if (rc == 0) {
		ofd_unref_locked(ofdtab[fd]);
		ofdtab[fd] = o;
		if (o) {
			o->refs = 1;
			o->flags = oflag & OFD_GETFL_MASK;
		} else {
			rc = -ENOMEM;
		}
	} else if (o) {
		free(o->path);
		free(o);
	}
	pthread_mutex_unlock(&ofd_lock);
	return rc;
}

void nto__ofd_share(int oldfd, int newfd)
{
	struct ofd *o;

	pthread_mutex_lock(&ofd_lock);
	if (ofdtab_init_locked() == 0 && newfd >= 0 &&
	    (size_t)newfd < ofdtab_n) {
		o = ofd_at_locked(oldfd);
		if (o)
			o->refs++;
		ofd_unref_locked(ofdtab[newfd]);
		ofdtab[newfd] = o;
	}
	pthread_mutex_unlock(&ofd_lock);
}

void nto__ofd_drop(int fd)
{
	pthread_mutex_lock(&ofd_lock);
	if (ofd_at_locked(fd)) {
		ofd_unref_locked(ofdtab[fd]);
		ofdtab[fd] = NULL;
	}
	pthread_mutex_unlock(&ofd_lock);
}

int nto__ofd_flags(int fd)
{
	struct ofd *o;
	int fl = O_RDWR;

	pthread_mutex_lock(&ofd_lock);
	o = ofd_at_locked(fd);
	if (o)
		fl = o->flags;
	pthread_mutex_unlock(&ofd_lock);
	return fl;
}

void nto__ofd_setfl(int fd, int flags)
{
	struct ofd *o;

	pthread_mutex_lock(&ofd_lock);
	o = ofd_at_locked(fd);
	if (!o && ofdtab_init_locked() == 0 && fd >= 0 &&
	    (size_t)fd < ofdtab_n) {
		o = calloc(1, sizeof(*o)); /* a coid attached without open() */
		if (o) {
			o->refs = 1;
			o->flags = O_RDWR;
			ofdtab[fd] = o;
		}
	}
	if (o)
		o->flags =
			(o->flags & ~OFD_SETFL_MASK) | (flags & OFD_SETFL_MASK);
	pthread_mutex_unlock(&ofd_lock);
}

int nto__ofd_path(int fd, char *buf, size_t len)
{
	struct ofd *o;
	int rc = -ENOENT;

	pthread_mutex_lock(&ofd_lock);
	o = ofd_at_locked(fd);
	if (o && o->path) {
		size_t n = strlen(o->path);

		rc = n < len ? (int)n : -ENAMETOOLONG;
		if (rc >= 0)
			memcpy(buf, o->path, n + 1);
	}
	pthread_mutex_unlock(&ofd_lock);
	return rc;
}

static void posix_atfork_child(void)
{
	/* another thread may have held it at fork() */
	pthread_mutex_init(&ofd_lock, NULL);
}

__attribute__((constructor)) static void ofd_init(void)
{
	pthread_atfork(NULL, NULL, posix_atfork_child);
}
