/*
 * iofunc_devctl and iofunc_devctl_default: the device commands every QNX
 * resource manager answers for free (DCMD_ALL_GETFLAGS, SETFLAGS,
 * GETMOUNTFLAGS, FADVISE on a FIFO). Anything else is _RESMGR_DEFAULT: the
 * caller's own io_devctl handles it, or the client gets ENOTTY.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <devctl.h>
#include <sys/dcmd_all.h>

#include "dispatch-internal.h"

/* The open flags DCMD_ALL_SETFLAGS may change (QNX's O_SETFLAG). */
#define NTO_O_SETFLAG (O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_RSYNC)

NTO_EXPORT int iofunc_devctl(resmgr_context_t *ctp, io_devctl_t *msg,
			     iofunc_ocb_t *ocb, iofunc_attr_t *attr)
{
	int *data = _DEVCTL_DATA(msg->i);
	unsigned acc;
	int v;

	if (!ocb || !attr)
		return _RESMGR_DEFAULT;
	switch ((unsigned)msg->i.dcmd) {
	case (unsigned)DCMD_ALL_GETFLAGS:
		acc = (unsigned)ocb->ioflag & _IO_FLAG_MASK;
		v = (ocb->ioflag & NTO_O_SETFLAG) | (int)(acc ? acc - 1 : 0);
		break;
	case (unsigned)DCMD_ALL_SETFLAGS:
		if (msg->i.nbytes < (int)sizeof(int) ||
		    ctp->size < (int)(sizeof(msg->i) + sizeof(int)))
			return EINVAL;
		memcpy(&v, data, sizeof(v));
		if ((v & (O_SYNC | O_DSYNC | O_RSYNC)) &&
		    (!attr->mount || !(attr->mount->conf & IOFUNC_PC_SYNC_IO)))
			return EINVAL;
		ocb->ioflag =
			(ocb->ioflag & ~NTO_O_SETFLAG) | (v & NTO_O_SETFLAG);
		return EOK;
	case (unsigned)DCMD_ALL_GETMOUNTFLAGS:
		v = attr->mount ? (int)(attr->mount->flags & IOFUNC_MOUNT_FLAGS)
				: 0;
		break;
	case (unsigned)DCMD_ALL_FADVISE:
		return S_ISFIFO(attr->mode) ? ESPIPE : _RESMGR_DEFAULT;
	default:
		return _RESMGR_DEFAULT;
	}
	/* reply: the header, then the int right after it */
	memset(&msg->o, 0, sizeof(msg->o));
	msg->o.nbytes = sizeof(v);
	memcpy(_DEVCTL_DATA(msg->o), &v, sizeof(v));
	return _RESMGR_PTR(ctp, &msg->o, sizeof(msg->o) + sizeof(v));
}

NTO_EXPORT int iofunc_devctl_default(resmgr_context_t *ctp, io_devctl_t *msg,
				     iofunc_ocb_t *ocb)
{
	return iofunc_devctl(ctp, msg, ocb, ocb ? ocb->attr : NULL);
}
