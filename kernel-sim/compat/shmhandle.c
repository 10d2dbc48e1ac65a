/*
 * QNX 7.1 shared-memory handles: shm_create_handle lets one named process
 * open an object the caller has open, once; shm_open_handle is that
 * process's open. ipcd brokers them (ipcd/secure.c): it opens the object
 * through /proc/<creator>/fd/<fd> with the access the handle grants, and
 * passes that fd to the named process over its control socket. Works for
 * memfds, shm_open() objects and files alike; nothing in /dev/shm.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "compat/time-internal.h"

NTO_EXPORT int shm_create_handle(int fd, pid_t pid, int flags,
				 shm_handle_t *handlep, unsigned options)
{
	struct nto_ctl_shmh req, rep;
	int rc;

	if (!handlep || (options & ~SHM_CREATE_HANDLE_OPT_NOFD)) {
		errno = EINVAL;
		return -1;
	}
	if (options & SHM_CREATE_HANDLE_OPT_NOFD) {
		/* a handle only the kernel's mappings could use: nothing on
		 * Linux can honour it */
		errno = nto__unsupported("shm_create_handle("
					 "SHM_CREATE_HANDLE_OPT_NOFD)",
					 ENOTSUP);
		return -1;
	}
	if (fcntl(fd, F_GETFD) < 0)
		return -1; /* EBADF; ipcd checks the access mode */
	memset(&req, 0, sizeof(req));
	req.fd = fd;
	req.pid = pid;
	req.flags = flags;
	rc = nto__ctl_call(NTO_CTL_SHM_HANDLE_CREATE, &req, sizeof(req), &rep,
			   sizeof(rep), NULL, NULL, 0, NULL);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	*handlep = rep.handle;
	return 0;
}

NTO_EXPORT int shm_open_handle(shm_handle_t handle, int flags)
{
	struct nto_ctl_shmh req;
	int rc, fd = -1, nfds = 0;

	if ((flags & ~(O_ACCMODE | O_CLOEXEC)) != 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.handle = handle;
	req.flags = flags & O_ACCMODE;
	rc = nto__ctl_call(NTO_CTL_SHM_HANDLE_OPEN, &req, sizeof(req), NULL, 0,
			   NULL, &fd, 1, &nfds);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	if (nfds != 1) {
		errno = ENOTCONN;
		return -1;
	}
	if (!(flags & O_CLOEXEC))
		fcntl(fd, F_SETFD, 0); /* it arrived close-on-exec */
	return fd;
}
