/*
 * devctl() and devctlv(), the QNX client side of device control: an
 * _IO_DEVCTL message on the fd's connection, the data going out and coming
 * back as the caller's iovs say. Real (Linux) fds get the few DCMD_ALL_*
 * commands fcntl can answer; everything else on them is ENOTTY.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <devctl.h>
#include <sys/dcmd_all.h>
#include <sys/iomsg.h>

#include "lib/internal.h"

#undef get_device_command
#undef get_device_direction
#undef set_device_direction

NTO_EXPORT int get_device_command(int command)
{
	return command & DEVDIR_CMD_MASK;
}

NTO_EXPORT int get_device_direction(int command)
{
	return command & (int)DEVDIR_TOFROM;
}

NTO_EXPORT int set_device_direction(int command, int direction)
{
	return command | direction;
}

/* The DCMD_ALL_* commands a Linux fd can answer, through fcntl. Returns
 * EOK or an error number. */
static int devctl_real_fd(int fd, int dcmd, const struct iovec *sv, int sparts,
			  const struct iovec *rv, int rparts, int *info)
{
	int v = 0, r, cmd;

	if (fcntl(fd, F_GETFD) < 0)
		return errno;
	switch (dcmd) {
	case DCMD_ALL_GETFLAGS:
		cmd = F_GETFL;
		break;
	case DCMD_ALL_GETOWN:
		cmd = F_GETOWN;
		break;
	case DCMD_ALL_SETFLAGS:
		cmd = F_SETFL;
		break;
	case DCMD_ALL_SETOWN:
		cmd = F_SETOWN;
		break;
	default:
		return ENOTTY;
	}
	if (cmd == F_SETFL || cmd == F_SETOWN) {
		if (sparts < 1 || sv[0].iov_len < sizeof(int) ||
		    !sv[0].iov_base)
			return EINVAL;
		memcpy(&v, sv[0].iov_base, sizeof(v));
		if (fcntl(fd, cmd, v) < 0)
			return errno;
	} else {
		if (rparts < 1 || rv[0].iov_len < sizeof(int) ||
		    !rv[0].iov_base)
			return EINVAL;
		r = fcntl(fd, cmd);
		if (r < 0 && cmd == F_GETFL)
			return errno;
		memcpy(rv[0].iov_base, &r, sizeof(r));
	}
	if (info)
		*info = 0;
	return EOK;
}

NTO_EXPORT int devctlv(int fd, int dcmd, int sparts, int rparts,
		       const struct iovec *sv, const struct iovec *rv,
		       int *dev_info_ptr)
{
	struct _io_devctl in;
	struct _io_devctl_reply out;
	iov_t small[16], *iov = small;
	size_t sbytes = 0, rbytes = 0;
	int i, rc, status = 0;

	if (sparts < 0 || rparts < 0 || (sparts && !sv) || (rparts && !rv))
		return EINVAL;
	if (fd < 0)
		return EBADF;
	if (!(fd & _NTO_SIDE_CHANNEL) && !nto__coid_is_fd(fd))
		return devctl_real_fd(fd, dcmd, sv, sparts, rv, rparts,
				      dev_info_ptr);
	if ((size_t)sparts + (size_t)rparts + 2 >
	    sizeof(small) / sizeof(*iov)) {
		iov = malloc(((size_t)sparts + (size_t)rparts + 2) *
			     sizeof(*iov));
		if (!iov)
			return ENOMEM;
	}
	SETIOV(&iov[0], &in, sizeof(in));
	for (i = 0; i < sparts; i++) {
		iov[1 + i] = sv[i];
		sbytes += sv[i].iov_len;
	}
	SETIOV(&iov[1 + sparts], &out, sizeof(out));
	for (i = 0; i < rparts; i++) {
		iov[2 + sparts + i] = rv[i];
		rbytes += rv[i].iov_len;
	}
	memset(&in, 0, sizeof(in));
	in.type = _IO_DEVCTL;
	in.combine_len = sizeof(in);
	in.dcmd = dcmd;
	in.nbytes = (_Int32t)(sbytes > rbytes ? sbytes : rbytes);
	/* A server that answers in the status only leaves ret_val 0. */
	memset(&out, 0, sizeof(out));
	rc = nto__msgsendv_st(fd, iov, 1 + sparts, iov + 1 + sparts, 1 + rparts,
			      &status);
	if (iov != small)
		free(iov);
	if (rc < 0)
		return rc == -ENOSYS ? ENOTTY : -rc;
	if (dev_info_ptr)
		*dev_info_ptr = out.ret_val;
	return EOK;
}

NTO_EXPORT int devctl(int fd, int dcmd, void *dev_data_ptr, size_t nbytes,
		      int *dev_info_ptr)
{
	struct iovec iov;

	SETIOV(&iov, dev_data_ptr, dev_data_ptr ? nbytes : 0);
	return devctlv(fd, dcmd, (dcmd & DEVDIR_TO) ? 1 : 0,
		       (dcmd & DEVDIR_FROM) ? 1 : 0, &iov, &iov, dev_info_ptr);
}
