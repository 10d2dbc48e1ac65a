/*
 * The fd covers: ha_open/open64/creat/creat64, ha_fopen/fclose, ha_close,
 * ha_dup, and ha_reopen for recovery functions. Each wraps the POSIX call
 * libnto provides (open, close, dup, dup2, fopen over messages) and the
 * record table; none of them sends a message itself.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "internal.h"

static int needs_mode(int oflag)
{
#ifdef O_TMPFILE
	if ((oflag & O_TMPFILE) == O_TMPFILE)
		return 1;
#endif
	return (oflag & O_CREAT) != 0;
}

static int open_attach(const char *path, int oflag, mode_t mode, RFp rfn,
		       void *rhdl, unsigned haflags)
{
	int fd, rc;

	/* argument errors first, so nothing is opened for nothing */
	if (!rfn || (haflags & ~(unsigned)HAREPLACERECOVERYFN)) {
		errno = EINVAL;
		return -1;
	}
	fd = open(path, oflag, mode);
	if (fd < 0)
		return -1;
	rc = ha__attach(fd, rfn, rhdl, haflags, NULL, 0, 1);
	if (rc < 0) {
		close(fd);
		errno = -rc;
		return -1;
	}
	return fd;
}

/*
 * ha_open: open() and ha_attach() (see <ha/fcntl.h>). Returns the fd, or -1
 * with errno EINVAL, ENOMEM, EBADF, or open()'s errno.
 */
HA_EXPORT int ha_open(const char *path, int oflag, RFp rfn, void *rhdl,
		      unsigned haflags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (needs_mode(oflag)) {
		va_start(ap, haflags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return open_attach(path, oflag, mode, rfn, rhdl, haflags);
}

/*
 * ha_open64: ha_open with O_LARGEFILE (offsets are 64-bit here anyway).
 * Returns as ha_open.
 */
HA_EXPORT int ha_open64(const char *path, int oflag, RFp rfn, void *rhdl,
			unsigned haflags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (needs_mode(oflag)) {
		va_start(ap, haflags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return open_attach(path, oflag | O_LARGEFILE, mode, rfn, rhdl, haflags);
}

/*
 * ha_creat: ha_open(path, O_WRONLY | O_CREAT | O_TRUNC, ..., mode).
 * Returns as ha_open.
 */
HA_EXPORT int ha_creat(const char *path, mode_t mode, RFp rfn, void *rhdl,
		       unsigned haflags)
{
	return open_attach(path, O_WRONLY | O_CREAT | O_TRUNC, mode, rfn, rhdl,
			   haflags);
}

/* ha_creat64: ha_creat with O_LARGEFILE. Returns as ha_open. */
HA_EXPORT int ha_creat64(const char *path, mode_t mode, RFp rfn, void *rhdl,
			 unsigned haflags)
{
	return open_attach(path, O_WRONLY | O_CREAT | O_TRUNC | O_LARGEFILE,
			   mode, rfn, rhdl, haflags);
}

/*
 * ha_close: ha_detach() then close() (see <ha/unistd.h>). Returns 0, or -1
 * with errno EBADF (not HA-aware: nothing closed; or the connection was
 * dead: closed anyway) or close()'s errno.
 */
HA_EXPORT int ha_close(int fd)
{
	int rc = ha__ent_del(fd, NULL);

	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return close(fd);
}

/*
 * ha_dup: dup() sharing oldfd's recovery record (see <ha/unistd.h>).
 * Returns the new fd, or -1 with errno EBADF, ENOMEM, or dup()'s errno.
 */
HA_EXPORT int ha_dup(int oldfd)
{
	struct ha_rec *r = ha__ent_get(oldfd);
	int nfd, rc, e;

	if (!r) {
		errno = EBADF;
		return -1;
	}
	nfd = dup(oldfd);
	if (nfd < 0) {
		e = errno;
		ha__rec_put(r);
		errno = e;
		return -1;
	}
	/* a fresh number: any entry left on it is stale */
	rc = ha__ent_add(nfd, r, 1);
	ha__rec_put(r);
	if (rc < 0) {
		close(nfd);
		errno = -rc;
		return -1;
	}
	return nfd;
}

/*
 * ha_fopen: fopen() and ha_attach() of its fd (see <ha/stdio.h>). Returns
 * the stream, or NULL with errno EINVAL, ENOMEM, EBADF, or fopen()'s errno.
 */
HA_EXPORT FILE *ha_fopen(const char *path, const char *mode, RFp rfn,
			 void *rhdl, unsigned haflags)
{
	FILE *fp;
	int rc;

	if (!rfn || (haflags & ~(unsigned)HAREPLACERECOVERYFN)) {
		errno = EINVAL;
		return NULL;
	}
	fp = fopen(path, mode);
	if (!fp)
		return NULL;
	rc = ha__attach(fileno(fp), rfn, rhdl, haflags, NULL, 0, 1);
	if (rc < 0) {
		fclose(fp);
		errno = -rc;
		return NULL;
	}
	return fp;
}

/*
 * ha_fclose: ha_detach() of the stream's fd, then fclose() (see
 * <ha/stdio.h>). Returns 0, or EOF with errno EBADF (not HA-aware: the
 * stream stays open) or fclose()'s errno.
 */
HA_EXPORT int ha_fclose(FILE *stream)
{
	int rc;

	if (!stream) {
		errno = EBADF;
		return EOF;
	}
	rc = ha__ent_del(fileno(stream), NULL);
	if (rc < 0) {
		errno = -rc;
		return EOF;
	}
	return fclose(stream);
}

/*
 * ha_reopen: see <ha/fcntl.h>. Returns oldfd, or -1 with errno ENOENT,
 * ETIMEDOUT, EBUSY, or open()'s / dup2()'s errno.
 */
HA_EXPORT int ha_reopen(int oldfd, const char *path, int oflag, ...)
{
	struct ha_wait w;
	struct ha_rec *r;
	mode_t mode = 0;
	int nfd, rc, pushed = 0;
	va_list ap;

	if (needs_mode(oflag)) {
		va_start(ap, oflag);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (oldfd < 0 || (oldfd & _NTO_SIDE_CHANNEL)) {
		errno = EBADF;
		return -1;
	}
	if (!path) {
		errno = EFAULT;
		return -1;
	}
	r = ha__ent_get(oldfd);
	if (r)
		pushed = ha__recovering_push(r); /* dup2's close of oldfd
						  * must not recover it */
	/*
	 * Open first, while oldfd still holds its number, then dup2 onto it
	 * (dup2 closes the dead connection: EBADF there is expected). So the
	 * number is never free for another thread's open to take (only
	 * inside dup2, which reports EBUSY if that happens), and a failed
	 * open leaves oldfd as it was, to be recovered later. Before the
	 * open, wait for a server to have the path (HA_RECOVERY_WAIT_MS).
	 */
	ha__wait_begin(&w, oldfd);
	for (;;) {
		rc = ha__path_wait(&w, path);
		if (rc < 0) {
			HA_DBG("ha_reopen(%d, %s): no server (%d)\n",
			       (int)getpid(), oldfd, path, -rc);
			break;
		}
		nfd = open(path, oflag, mode);
		if (nfd < 0) {
			rc = -errno;
			HA_DBG("ha_reopen(%d, %s): open: errno %d\n",
			       (int)getpid(), oldfd, path, -rc);
		} else {
			rc = dup2(nfd, oldfd) < 0 ? -errno : 0;
			close(nfd); /* oldfd keeps the open-file context */
			if (rc == 0)
				break;
			HA_DBG("ha_reopen(%d, %s): dup2: errno %d\n",
			       (int)getpid(), oldfd, path, -rc);
		}
		/* the server went away again (or was not really there):
		 * wait for the next one, if the budget allows */
		if (!ha__server_gone(rc) || !ha__wait_more(&w))
			break;
	}
	/* dup2 may have failed after closing oldfd: if the number is free
	 * now, or someone else's (EBUSY), it is not ours any more */
	if (rc < 0 && r && (rc == -EBUSY || fcntl(oldfd, F_GETFD) == -1))
		ha__ent_del(oldfd, r);
	if (pushed)
		ha__recovering_pop(r);
	ha__rec_put(r);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return oldfd;
}
