/*
 * iofunc helpers about one open: pathconf values, the _fdinfo an
 * _IO_FDINFO asks for, and a second open of the same file through an
 * existing one (_IO_OPENFD, what openfd() sends).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "dispatch-internal.h"

NTO_EXPORT int iofunc_pathconf(resmgr_context_t *ctp, io_pathconf_t *msg,
			       iofunc_ocb_t *ocb, iofunc_attr_t *attr)
{
	uint32_t conf = attr && attr->mount ? attr->mount->conf : 0;
	int v;

	(void)ocb;
	switch (msg->i.name) {
	case _PC_LINK_MAX:
		v = (conf & IOFUNC_PC_LINK_DIR) ? UINT16_MAX : 1;
		break;
	case _PC_NAME_MAX:
		v = NAME_MAX;
		break;
	case _PC_PATH_MAX:
		v = PATH_MAX;
		break;
	case _PC_PIPE_BUF:
		v = PIPE_BUF;
		break;
	case _PC_CHOWN_RESTRICTED:
		v = !!(conf & IOFUNC_PC_CHOWN_RESTRICTED);
		break;
	case _PC_NO_TRUNC:
		v = !!(conf & IOFUNC_PC_NO_TRUNC);
		break;
	case _PC_VDISABLE:
		v = 0;
		break;
	case _PC_SYNC_IO:
		v = !!(conf & IOFUNC_PC_SYNC_IO);
		break;
	case _PC_ASYNC_IO:
	case _PC_PRIO_IO:
		v = 0;
		break;
	default:
		return EINVAL;
	}
	_IO_SET_PATHCONF_VALUE(ctp, v);
	return EOK;
}

NTO_EXPORT int iofunc_fdinfo(resmgr_context_t *ctp, iofunc_ocb_t *ocb,
			     iofunc_attr_t *attr, struct _fdinfo *info)
{
	(void)ctp;
	memset(info, 0, sizeof(*info));
	info->mode = (_Uint32t)attr->mode;
	info->ioflag = (_Uint32t)ocb->ioflag;
	info->offset = (_Uint64t)ocb->offset;
	info->size = (_Uint64t)attr->nbytes;
	info->flags = ocb->flags;
	info->sflag = ocb->sflag;
	info->count = attr->count;
	info->rcount = attr->rcount;
	info->wcount = attr->wcount;
	info->rlocks = attr->rlocks;
	info->wlocks = attr->wlocks;
	return EOK;
}

NTO_EXPORT int iofunc_fdinfo_default(resmgr_context_t *ctp, io_fdinfo_t *msg,
				     iofunc_ocb_t *ocb)
{
	char path[NTO_PATH_MAX], *tail;
	int want = msg->i.path_len, len;

	len = resmgr_pathname(ctp->id, 0, path, sizeof(path));
	if (len < 0)
		len = 0;
	(void)iofunc_fdinfo(ctp, ocb, ocb->attr, &msg->o.info);
	memset(msg->o.zero, 0, sizeof(msg->o.zero));
	_IO_SET_FDINFO_LEN(ctp, len);
	if (want <= 0)
		return _RESMGR_PTR(ctp, &msg->o, sizeof(msg->o));
	/* the path right after the reply, as far as the client has room */
	if (want > len + 1)
		want = len + 1;
	if ((size_t)ctp->offset + sizeof(msg->o) + (size_t)want >
	    ctp->msg_max_size)
		want = (int)ctp->msg_max_size - ctp->offset -
		       (int)sizeof(msg->o);
	if (want > 0) {
		/* the buffer msg lives in goes on past the reply header */
		tail = (char *)ctp->msg + ((char *)&msg->o - (char *)ctp->msg) +
		       sizeof(msg->o);
		memcpy(tail, path, (size_t)want);
		if (want <= len)
			tail[want - 1] = '\0';
	}
	return _RESMGR_PTR(ctp, &msg->o, sizeof(msg->o) + (size_t)want);
}

NTO_EXPORT int iofunc_openfd(resmgr_context_t *ctp, io_openfd_t *msg,
			     iofunc_ocb_t *ocb, iofunc_attr_t *attr)
{
	io_open_t open;
	unsigned want = msg->i.ioflag & _IO_FLAG_MASK;

	/* never more access than the open it comes through */
	if (want & ~((unsigned)ocb->ioflag & _IO_FLAG_MASK))
		return EACCES;
	memset(&open, 0, sizeof(open));
	open.connect.type = _IO_CONNECT;
	open.connect.subtype = _IO_CONNECT_OPEN;
	open.connect.ioflag = msg->i.ioflag;
	open.connect.access = (_Uint16t)want;
	open.connect.sflag = msg->i.sflag;
	open.connect.mode = (_Uint32t)attr->mode;
	return iofunc_ocb_attach(ctp, &open, NULL, attr, NULL);
}

NTO_EXPORT int iofunc_openfd_default(resmgr_context_t *ctp, io_openfd_t *msg,
				     iofunc_ocb_t *ocb)
{
	return iofunc_openfd(ctp, msg, ocb, ocb->attr);
}
