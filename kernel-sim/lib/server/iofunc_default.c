/*
 * The iofunc_*_default handlers and iofunc_func_init, which installs them:
 * the POSIX behaviour a resource manager gets for free. Each is a thin
 * layer over the building blocks in iofunc.c.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "dispatch-internal.h"

NTO_EXPORT void iofunc_func_init(unsigned nconnect,
				 resmgr_connect_funcs_t *connect, unsigned nio,
				 resmgr_io_funcs_t *io)
{
	resmgr_connect_funcs_t dc;
	resmgr_io_funcs_t dio;
	size_t n;

	memset(&dc, 0, sizeof(dc));
	dc.open = iofunc_open_default;

	memset(&dio, 0, sizeof(dio));
	dio.read = iofunc_read_default;
	dio.write = iofunc_write_default;
	dio.close_ocb = iofunc_close_ocb_default;
	dio.stat = iofunc_stat_default;
	dio.devctl = iofunc_devctl_default;
	dio.unblock = iofunc_unblock_default;
	dio.pathconf = iofunc_pathconf_default;
	dio.lseek = iofunc_lseek_default;
	dio.chmod = iofunc_chmod_default;
	dio.chown = iofunc_chown_default;
	dio.utime = iofunc_utime_default;
	dio.close_dup = iofunc_close_dup_default;
	dio.lock_ocb = iofunc_lock_ocb_default;
	dio.unlock_ocb = iofunc_unlock_ocb_default;
	dio.sync = iofunc_sync_default;
	dio.power = iofunc_power_default;
	dio.openfd = iofunc_openfd_default;
	dio.fdinfo = iofunc_fdinfo_default;

	/* Fill only the entries the caller's table has. */
	if (connect) {
		n = nconnect < _RESMGR_CONNECT_NFUNCS ? nconnect
						      : _RESMGR_CONNECT_NFUNCS;
		memcpy((char *)connect + offsetof(resmgr_connect_funcs_t, open),
		       (char *)&dc + offsetof(resmgr_connect_funcs_t, open),
		       n * sizeof(dc.open));
		connect->nfuncs = nconnect;
	}
	if (io) {
		n = nio < _RESMGR_IO_NFUNCS ? nio : _RESMGR_IO_NFUNCS;
		memcpy((char *)io + offsetof(resmgr_io_funcs_t, read),
		       (char *)&dio + offsetof(resmgr_io_funcs_t, read),
		       n * sizeof(dio.read));
		io->nfuncs = nio;
	}
}

NTO_EXPORT int iofunc_open_default(resmgr_context_t *ctp, io_open_t *msg,
				   iofunc_attr_t *attr, void *extra)
{
	int status;

	(void)extra;
	iofunc_attr_lock(attr);
	status = iofunc_open(ctp, msg, attr, NULL, NULL);
	if (status == EOK)
		status = iofunc_ocb_attach(ctp, msg, NULL, attr, NULL);
	iofunc_attr_unlock(attr);
	return status;
}

NTO_EXPORT int iofunc_read_default(resmgr_context_t *ctp, io_read_t *msg,
				   iofunc_ocb_t *ocb)
{
	int status;

	status = iofunc_read_verify(ctp, msg, ocb, NULL);
	if (status != EOK)
		return status;
	if ((msg->i.xtype & _IO_XTYPE_MASK) != _IO_XTYPE_NONE)
		return ENOSYS;
	_IO_SET_READ_NBYTES(ctp, 0);
	if (msg->i.nbytes > 0)
		ocb->attr->flags |= IOFUNC_ATTR_ATIME;
	return EOK;
}

NTO_EXPORT int iofunc_write_default(resmgr_context_t *ctp, io_write_t *msg,
				    iofunc_ocb_t *ocb)
{
	int status;

	status = iofunc_write_verify(ctp, msg, ocb, NULL);
	if (status != EOK)
		return status;
	if ((msg->i.xtype & _IO_XTYPE_MASK) != _IO_XTYPE_NONE)
		return ENOSYS;
	if (msg->i.nbytes < 0)
		return EINVAL;
	_IO_SET_WRITE_NBYTES(ctp, msg->i.nbytes);
	if (msg->i.nbytes > 0)
		ocb->attr->flags |= IOFUNC_ATTR_MTIME | IOFUNC_ATTR_CTIME |
				    IOFUNC_ATTR_DIRTY_TIME;
	return EOK;
}

NTO_EXPORT int iofunc_lseek_default(resmgr_context_t *ctp, io_lseek_t *msg,
				    iofunc_ocb_t *ocb)
{
	return iofunc_lseek(ctp, msg, ocb, ocb->attr);
}

NTO_EXPORT int iofunc_stat_default(resmgr_context_t *ctp, io_stat_t *msg,
				   iofunc_ocb_t *ocb)
{
	(void)iofunc_time_update(ocb->attr);
	(void)iofunc_stat(ctp, ocb->attr, &msg->o);
	return _RESMGR_PTR(ctp, &msg->o, sizeof(msg->o));
}

NTO_EXPORT int iofunc_close_ocb_default(resmgr_context_t *ctp, void *reserved,
					iofunc_ocb_t *ocb)
{
	iofunc_attr_t *attr = ocb->attr;

	(void)reserved;
	iofunc_attr_lock(attr);
	(void)iofunc_close_ocb(ctp, ocb, attr);
	iofunc_attr_unlock(attr);
	return EOK;
}

NTO_EXPORT int iofunc_close_dup_default(resmgr_context_t *ctp, io_close_t *msg,
					iofunc_ocb_t *ocb)
{
	return iofunc_close_dup(ctp, msg, ocb, ocb->attr);
}

NTO_EXPORT int iofunc_unblock_default(resmgr_context_t *ctp, io_pulse_t *msg,
				      iofunc_ocb_t *ocb)
{
	(void)msg;
	return iofunc_unblock(ctp, ocb->attr);
}

NTO_EXPORT int iofunc_pathconf_default(resmgr_context_t *ctp,
				       io_pathconf_t *msg, iofunc_ocb_t *ocb)
{
	return iofunc_pathconf(ctp, msg, ocb, ocb->attr);
}

/* Only the owner or root may change an attribute's metadata. */
static int owner_check(resmgr_context_t *ctp, const iofunc_attr_t *attr,
		       struct _client_info *info)
{
	int status = iofunc_client_info(ctp, 0, info);

	if (status != EOK)
		return status;
	if (info->cred.euid != 0 && info->cred.euid != attr->uid)
		return EPERM;
	return EOK;
}

/* A metadata change went through: ctime, and what is dirty (the times and
 * `dirty`). Returns EOK. */
static int meta_changed(iofunc_attr_t *attr, uint32_t dirty)
{
	attr->flags |= IOFUNC_ATTR_CTIME | IOFUNC_ATTR_DIRTY_TIME | dirty;
	return EOK;
}

NTO_EXPORT int iofunc_chmod_default(resmgr_context_t *ctp, io_chmod_t *msg,
				    iofunc_ocb_t *ocb)
{
	iofunc_attr_t *attr = ocb->attr;
	struct _client_info info;
	int status;

	if ((status = owner_check(ctp, attr, &info)) != EOK)
		return status;
	attr->mode = (attr->mode & S_IFMT) | (msg->i.mode & ~(mode_t)S_IFMT);
	return meta_changed(attr, IOFUNC_ATTR_DIRTY_MODE);
}

NTO_EXPORT int iofunc_chown_default(resmgr_context_t *ctp, io_chown_t *msg,
				    iofunc_ocb_t *ocb)
{
	iofunc_attr_t *attr = ocb->attr;
	struct _client_info info;
	int status;

	if ((status = owner_check(ctp, attr, &info)) != EOK)
		return status;
	/* giving a file away is root's */
	if (info.cred.euid != 0 && msg->i.uid != -1 &&
	    (uid_t)msg->i.uid != attr->uid)
		return EPERM;
	if (msg->i.uid != -1)
		attr->uid = (uid_t)msg->i.uid;
	if (msg->i.gid != -1)
		attr->gid = (gid_t)msg->i.gid;
	if (info.cred.euid != 0)
		attr->mode &= ~(mode_t)(S_ISUID | S_ISGID);
	return meta_changed(attr, IOFUNC_ATTR_DIRTY_OWNER);
}

NTO_EXPORT int iofunc_utime_default(resmgr_context_t *ctp, io_utime_t *msg,
				    iofunc_ocb_t *ocb)
{
	iofunc_attr_t *attr = ocb->attr;
	struct _client_info info;
	int status;

	if ((status = owner_check(ctp, attr, &info)) != EOK)
		return status;
	if (msg->i.cur_flag) {
		attr->flags |= IOFUNC_ATTR_MTIME | IOFUNC_ATTR_ATIME;
	} else {
		attr->atime = msg->i.times.actime;
		attr->mtime = msg->i.times.modtime;
		attr->flags &=
			~(uint32_t)(IOFUNC_ATTR_MTIME | IOFUNC_ATTR_ATIME);
	}
	return meta_changed(attr, 0);
}

NTO_EXPORT int iofunc_sync_default(resmgr_context_t *ctp, io_sync_t *msg,
				   iofunc_ocb_t *ocb)
{
	(void)ctp;
	(void)msg;
	if (!(ocb->ioflag & _IO_FLAG_WR))
		return EBADF;
	return EOK;
}

NTO_EXPORT int iofunc_power_default(resmgr_context_t *ctp, io_power_t *msg,
				    iofunc_ocb_t *ocb)
{
	(void)ctp;
	(void)msg;
	(void)ocb;
	return ENOSYS;
}

NTO_EXPORT int iofunc_lock_ocb_default(resmgr_context_t *ctp, void *reserved,
				       iofunc_ocb_t *ocb)
{
	(void)ctp;
	(void)reserved;
	return iofunc_attr_lock(ocb->attr);
}

NTO_EXPORT int iofunc_unlock_ocb_default(resmgr_context_t *ctp, void *reserved,
					 iofunc_ocb_t *ocb)
{
	(void)ctp;
	(void)reserved;
	return iofunc_attr_unlock(ocb->attr);
}
