/*
 * fpathconf() and pathconf() on simulated fds and paths: an _IO_PATHCONF
 * message whose reply status is the value (iofunc_pathconf on the server).
 * Everything else goes to libc.
 */
#include "config.h"
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <sys/iomsg.h>

#include "posix_internal.h"

NTO_REAL_DECL(fpathconf);
NTO_REAL_DECL(pathconf);

/* The value, or -errno. */
static long io_pathconf(int coid, int name)
{
	struct _io_pathconf msg;
	iov_t s;
	int rc;

	if (name < SHRT_MIN || name > SHRT_MAX)
		return -EINVAL;
	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_PATHCONF;
	msg.combine_len = sizeof(msg);
	msg.name = (short)name;
	SETIOV(&s, &msg, sizeof(msg));
	rc = nto__msgsendv(coid, &s, 1, NULL, 0);
	return rc;
}

NTO_EXPORT long fpathconf(int fd, int name)
{
	if (!nto__coid_is_fd(fd))
		return NTO_REAL(fpathconf)(fd, name);
	return nto__posix_ret(io_pathconf(fd, name));
}

NTO_EXPORT long pathconf(const char *path, int name)
{
	char abs[NTO_PATH_MAX];
	long rc;
	int coid;

	rc = nto__sim_abspath(AT_FDCWD, path, abs, sizeof(abs));
	if (rc < 0)
		return nto__posix_ret(rc);
	if (rc == 0)
		return NTO_REAL(pathconf)(path, name);
	coid = nto__connect_path(abs, _IO_CONNECT_OPEN, _FTYPE_ANY, O_PATH, 0,
				 _NTO_SIDE_CHANNEL, NULL, 0);
	if (coid == -ENOENT || coid == -ENOTCONN)
		return NTO_REAL(pathconf)(path, name);
	if (coid < 0)
		return nto__posix_ret(coid);
	rc = io_pathconf(coid, name);
	nto__io_close(coid);
	ConnectDetach_r(coid);
	return nto__posix_ret(rc);
}
