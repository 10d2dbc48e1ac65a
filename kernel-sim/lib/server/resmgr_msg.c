/*
 * More resource-manager helpers around the current message: reading it
 * from the receive buffer or the client (resmgr_msgget/resmgr_msggetv),
 * handling a held message again (resmgr_msg_again), and the device and
 * inode numbers of a registration (resmgr_devino).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dispatch-internal.h"

/* Major number of the devices resmgr_devino reports ('N'). */
#define NTO_DEVINO_MAJOR 0x4e

NTO_EXPORT int resmgr_devino(int id, dev_t *pdevno, ino_t *pino)
{
	char path[NTO_PATH_MAX];

	if (id < 0 || resmgr_pathname(id, 0, path, sizeof(path)) < 0) {
		errno = EINVAL;
		return -1;
	}
	/* one device per server process, one inode per registration */
	if (pdevno)
		*pdevno = makedev(NTO_DEVINO_MAJOR,
				  (unsigned)getpid() & 0xfffffu);
	if (pino)
		*pino = (ino_t)id + 1;
	return 0;
}

NTO_EXPORT int resmgr_msg_again(resmgr_context_t *ctp, int rcvid)
{
	int n;

	if (!ctp || rcvid <= 0) {
		errno = EINVAL;
		return -1;
	}
	n = MsgInfo_r(rcvid, &ctp->info);
	if (n != EOK) {
		errno = n;
		return -1;
	}
	n = MsgRead_r(rcvid, ctp->msg, (int)ctp->msg_max_size, 0);
	if (n < 0) {
		errno = -n;
		return -1;
	}
	ctp->rcvid = rcvid;
	ctp->info.msglen = n;
	if ((size_t)n < sizeof(resmgr_iomsgs_t))
		memset((char *)ctp->msg + n, 0,
		       sizeof(resmgr_iomsgs_t) - (size_t)n);
	(void)resmgr_handler(ctp);
	return 0;
}

NTO_EXPORT ssize_t resmgr_msggetv(resmgr_context_t *ctp, const iov_t *iov,
				  size_t parts, size_t offset)
{
	size_t have, start = (size_t)ctp->offset + offset, done = 0, i, k;
	int n;

	have = ctp->info.msglen > 0 ? (size_t)ctp->info.msglen : 0;
	if (have > ctp->msg_max_size)
		have = ctp->msg_max_size;
	for (i = 0; i < parts; i++) {
		char *dst = iov[i].iov_base;
		size_t len = iov[i].iov_len, pos = start + done;

		if (len == 0)
			continue;
		if (pos < have) { /* what the receive buffer holds */
			k = have - pos < len ? have - pos : len;
			memcpy(dst, (char *)ctp->msg + pos, k);
			done += k;
			dst += k;
			len -= k;
			pos += k;
		}
		if (len == 0)
			continue;
		if (ctp->rcvid <= 0)
			break; /* a pulse or a finished message: no more */
		n = MsgRead_r(ctp->rcvid, dst, (int)len, (int)pos);
		if (n < 0) {
			errno = -n;
			return -1;
		}
		done += (size_t)n;
		if ((size_t)n < len)
			break; /* the message ends here */
	}
	return (ssize_t)done;
}

NTO_EXPORT ssize_t resmgr_msgget(resmgr_context_t *ctp, void *msg, size_t size,
				 size_t offset)
{
	iov_t iov;

	SETIOV(&iov, msg, size);
	return resmgr_msggetv(ctp, &iov, 1, offset);
}
