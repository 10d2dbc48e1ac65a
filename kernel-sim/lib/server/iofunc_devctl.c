/*
 * iofunc_devctl and iofunc_devctl_default: the device commands every QNX
 * resource manager answers for free (DCMD_ALL_GETFLAGS, SETFLAGS,
 * GETMOUNTFLAGS, FADVISE on a FIFO). Anything else is _RESMGR_DEFAULT: the
 * caller's own io_devctl handles it, or the client gets ENOTTY. Also
 * iofunc_devctl_verify, the checks a handler asks for on its own commands.
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

/* The caller is in group gid (effective or supplementary). */
static int in_group(const struct _client_info *ci, gid_t gid)
{
	unsigned i, n = ci->cred.ngroups;

	if (ci->cred.egid == gid)
		return 1;
	if (n > sizeof(ci->cred.grouplist) / sizeof(ci->cred.grouplist[0]))
		n = sizeof(ci->cred.grouplist) / sizeof(ci->cred.grouplist[0]);
	for (i = 0; i < n; i++)
		if (ci->cred.grouplist[i] == gid)
			return 1;
	return 0;
}

NTO_EXPORT int iofunc_devctl_verify(const resmgr_context_t *ctp,
				    const io_devctl_t *msg,
				    const iofunc_ocb_t *ocb,
				    unsigned requested_checks)
{
	unsigned dcmd = (unsigned)msg->i.dcmd, c = requested_checks;
	unsigned len = (dcmd >> 16) & 0x3fffu, acc;
	const iofunc_attr_t *attr = ocb ? ocb->attr : NULL;
	struct _client_info ci;
	mode_t want = 0;
	int status;

	if ((c & _IO_DEVCTL_VERIFY_ACC_ISUID) &&
	    (c & _IO_DEVCTL_VERIFY_ACC_ISGID))
		return EINVAL;
	if ((c & _IO_DEVCTL_VERIFY_LEN) && msg->i.nbytes != (int)len)
		return EINVAL;
	if ((c & _IO_DEVCTL_VERIFY_MSG_LEN) && (dcmd & DEVDIR_TO) &&
	    (ctp->size < (int)sizeof(msg->i) ||
	     (unsigned)ctp->size - sizeof(msg->i) < len))
		return EINVAL;
	acc = ocb ? (unsigned)ocb->ioflag & _IO_FLAG_MASK : 0;
	if ((c & _IO_DEVCTL_VERIFY_OCB_READ) && !(acc & _IO_FLAG_RD))
		return EBADF;
	if ((c & _IO_DEVCTL_VERIFY_OCB_WRITE) && !(acc & _IO_FLAG_WR))
		return EBADF;
	if ((c & _IO_DEVCTL_VERIFY_DIR) &&
	    (((dcmd & DEVDIR_TO) && !(acc & _IO_FLAG_WR)) ||
	     ((dcmd & DEVDIR_FROM) && !(acc & _IO_FLAG_RD))))
		return EBADF;
	if (!(c & (_IO_DEVCTL_VERIFY_PRIV | _IO_DEVCTL_VERIFY_ACC_MASK)))
		return EOK;
	status = iofunc_client_info((resmgr_context_t *)(uintptr_t)ctp, 0, &ci);
	if (status != EOK)
		return status;
	if ((c & _IO_DEVCTL_VERIFY_PRIV) && ci.cred.euid != 0)
		return EPERM;
	if (!(c & _IO_DEVCTL_VERIFY_ACC_MASK))
		return EOK;
	if (!attr)
		return EPERM;
	if ((c & _IO_DEVCTL_VERIFY_ACC_ISUID) && ci.cred.euid != 0 &&
	    ci.cred.euid != attr->uid)
		return EPERM;
	if ((c & _IO_DEVCTL_VERIFY_ACC_ISGID) && ci.cred.euid != 0 &&
	    !in_group(&ci, attr->gid))
		return EPERM;
	if (c & _IO_DEVCTL_VERIFY_ACC_IREAD)
		want |= S_IRUSR;
	if (c & _IO_DEVCTL_VERIFY_ACC_IWRITE)
		want |= S_IWUSR;
	if (c & _IO_DEVCTL_VERIFY_ACC_IEXEC)
		want |= S_IXUSR;
	if (want && iofunc_check_access(NULL, attr, want, &ci) != EOK)
		return EACCES;
	return EOK;
}
