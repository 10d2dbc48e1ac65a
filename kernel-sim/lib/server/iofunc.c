/*
 * The iofunc building blocks resource managers (and the iofunc_*_default
 * handlers in iofunc_default.c) are made of: attribute init and locking,
 * OCB allocation and binding, the open permission checks, read/write
 * verification, lseek, stat and time bookkeeping. No message routing here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dispatch-internal.h"

/* One lock and condition for all attributes: waits are short (a handler)
 * and this keeps iofunc_attr_t QNX's size. */
static pthread_mutex_t attr_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t attr_cv = PTHREAD_COND_INITIALIZER;
static __thread int32_t my_tid;

static int32_t self_tid(void)
{
	if (!my_tid)
		my_tid = (int32_t)syscall(SYS_gettid);
	return my_tid;
}

/* The mount's override of iofunc function `off`, if it has one. */
static void *mount_func(const iofunc_attr_t *attr, size_t off)
{
	const iofunc_funcs_t *f;
	void *fn = NULL;

	if (!attr->mount || !(f = attr->mount->funcs))
		return NULL;
	if (f->nfuncs <
	    (off - offsetof(iofunc_funcs_t, ocb_calloc)) / sizeof(void *) + 1)
		return NULL;
	memcpy(&fn, (const char *)f + off, sizeof(fn));
	return fn;
}

unsigned nto__connect_ioflag(const struct _io_connect *c)
{
	unsigned access = c->access ? c->access : _IO_FLAG_MASK;

	return c->ioflag & (~(unsigned)_IO_FLAG_MASK | access);
}

NTO_EXPORT void iofunc_attr_init(iofunc_attr_t *attr, mode_t mode,
				 iofunc_attr_t *dattr,
				 struct _client_info *info)
{
	memset(attr, 0, sizeof(*attr));
	attr->mount = dattr ? dattr->mount : NULL;
	attr->flags = IOFUNC_ATTR_DIRTY_TIME | IOFUNC_ATTR_MTIME |
		      IOFUNC_ATTR_ATIME | IOFUNC_ATTR_CTIME;
	attr->uid = info ? info->cred.euid : getuid();
	attr->mode = mode;
	if (dattr && (dattr->mode & S_ISGID)) {
		attr->gid = dattr->gid;
		if (S_ISDIR(mode))
			attr->mode |= S_ISGID;
	} else {
		attr->gid = info ? info->cred.egid : getgid();
	}
	attr->nlink = 1;
}

NTO_EXPORT int iofunc_attr_lock(iofunc_attr_t *attr)
{
	int (*fn)(iofunc_attr_t *);
	int32_t tid = self_tid();

	fn = (int (*)(iofunc_attr_t *))mount_func(
		attr, offsetof(iofunc_funcs_t, attr_lock));
	if (fn)
		return fn(attr);
	pthread_mutex_lock(&attr_mtx);
	while (attr->lock_count && attr->lock_tid != tid)
		pthread_cond_wait(&attr_cv, &attr_mtx);
	attr->lock_tid = tid;
	attr->lock_count++;
	pthread_mutex_unlock(&attr_mtx);
	return EOK;
}

NTO_EXPORT int iofunc_attr_trylock(iofunc_attr_t *attr)
{
	int (*fn)(iofunc_attr_t *);
	int32_t tid = self_tid();
	int r = EOK;

	fn = (int (*)(iofunc_attr_t *))mount_func(
		attr, offsetof(iofunc_funcs_t, attr_trylock));
	if (fn)
		return fn(attr);
	pthread_mutex_lock(&attr_mtx);
	if (attr->lock_count && attr->lock_tid != tid) {
		r = EBUSY;
	} else {
		attr->lock_tid = tid;
		attr->lock_count++;
	}
	pthread_mutex_unlock(&attr_mtx);
	return r;
}

NTO_EXPORT int iofunc_attr_unlock(iofunc_attr_t *attr)
{
	int (*fn)(iofunc_attr_t *);
	int r = EOK;

	fn = (int (*)(iofunc_attr_t *))mount_func(
		attr, offsetof(iofunc_funcs_t, attr_unlock));
	if (fn)
		return fn(attr);
	pthread_mutex_lock(&attr_mtx);
	if (!attr->lock_count || attr->lock_tid != self_tid()) {
		r = EPERM;
	} else if (--attr->lock_count == 0) {
		attr->lock_tid = 0;
		pthread_cond_broadcast(&attr_cv);
	}
	pthread_mutex_unlock(&attr_mtx);
	return r;
}

NTO_EXPORT IOFUNC_OCB_T *iofunc_ocb_calloc(resmgr_context_t *ctp,
					   IOFUNC_ATTR_T *attr)
{
	iofunc_ocb_t *ocb;

	(void)ctp;
	(void)attr;
	ocb = calloc(1, sizeof(*ocb));
	if (!ocb)
		errno = ENOMEM;
	return ocb;
}

NTO_EXPORT void iofunc_ocb_free(IOFUNC_OCB_T *ocb)
{
	free(ocb);
}

NTO_EXPORT int iofunc_client_info(resmgr_context_t *ctp, int ioflag,
				  struct _client_info *info)
{
	int r;

	(void)ioflag;
	r = ConnectClientInfo_r(ctp->info.scoid, info,
				(int)(sizeof(info->cred.grouplist) /
				      sizeof(info->cred.grouplist[0])));
	return r;
}

NTO_EXPORT int iofunc_check_access(resmgr_context_t *ctp,
				   const iofunc_attr_t *attr, mode_t checkmode,
				   const struct _client_info *info)
{
	mode_t need = (checkmode & (S_IRUSR | S_IWUSR | S_IXUSR)) >> 6;
	mode_t have;
	unsigned i;

	(void)ctp;
	if (!need)
		return EOK;
	if (info->cred.euid == 0) {
		/* root: anything but executing a file nobody may execute */
		if ((need & 1) && !(attr->mode & (S_IXUSR | S_IXGRP | S_IXOTH)))
			return EACCES;
		return EOK;
	}
	if (info->cred.euid == attr->uid) {
		have = (attr->mode >> 6) & 7;
	} else {
		int ingroup = info->cred.egid == attr->gid;

		for (i = 0; !ingroup && i < info->cred.ngroups &&
			    i < sizeof(info->cred.grouplist) /
					    sizeof(info->cred.grouplist[0]);
		     i++)
			ingroup = info->cred.grouplist[i] == attr->gid;
		have = ingroup ? (attr->mode >> 3) & 7 : attr->mode & 7;
	}
	return (need & ~have) ? EACCES : EOK;
}

NTO_EXPORT int iofunc_open(resmgr_context_t *ctp, io_open_t *msg,
			   iofunc_attr_t *attr, iofunc_attr_t *dattr,
			   struct _client_info *info)
{
	struct _client_info buf;
	iofunc_mount_t *mountp;
	unsigned ioflag, sflag;
	mode_t mode;
	int status;

	if (!info) {
		status =
			iofunc_client_info(ctp, (int)msg->connect.ioflag, &buf);
		if (status != EOK)
			return status;
		info = &buf;
	}
	ioflag = nto__connect_ioflag(&msg->connect);
	mountp = (dattr && dattr->mount) ? dattr->mount
					 : (attr ? attr->mount : NULL);

	if ((ioflag & (O_SYNC | O_DSYNC | O_RSYNC)) &&
	    (!mountp || !(mountp->conf & IOFUNC_PC_SYNC_IO)))
		return EINVAL;

	if (dattr) {
		/* attr is to be created in directory dattr */
		if (!(ioflag & O_CREAT))
			return ENOENT;
		status = iofunc_check_access(ctp, dattr, S_IWUSR | S_IXUSR,
					     info);
		if (status != EOK)
			return status;
		if (mountp && (mountp->flags & _MOUNT_READONLY))
			return EROFS;
		msg->connect.mode &= ~(unsigned)S_ISVTX;
		if (!(msg->connect.mode & S_IFMT))
			msg->connect.mode |= S_IFREG;
		if (attr)
			iofunc_attr_init(attr, (mode_t)msg->connect.mode, dattr,
					 info);
		return EOK;
	}
	if (!attr)
		return ENOENT;

	sflag = msg->connect.sflag & SH_MASK;
	if (((ioflag & _IO_FLAG_RD) && attr->rlocks) ||
	    ((ioflag & _IO_FLAG_WR) && attr->wlocks) ||
	    ((sflag == SH_DENYRW || sflag == SH_DENYRD) && attr->rcount) ||
	    ((sflag == SH_DENYRW || sflag == SH_DENYWR) && attr->wcount))
		return EBUSY;
	if ((ioflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return EEXIST;
	/* O_TRUNC without write access is ignored */
	if ((ioflag & (_IO_FLAG_WR | O_TRUNC)) == O_TRUNC) {
		msg->connect.ioflag &= ~(unsigned)O_TRUNC;
		ioflag &= ~(unsigned)O_TRUNC;
	}
	if (ioflag & _IO_FLAG_WR) {
		if (S_ISDIR(attr->mode))
			return EISDIR;
		if (mountp && (mountp->flags & _MOUNT_READONLY))
			return EROFS;
	}
	mode = 0;
	if (ioflag & _IO_FLAG_RD)
		mode |= S_IRUSR;
	if (ioflag & _IO_FLAG_WR)
		mode |= S_IWUSR;
	status = iofunc_check_access(ctp, attr, mode, info);
	if (status != EOK)
		return status;
	if ((ioflag & O_TRUNC) && !S_ISFIFO(attr->mode))
		attr->flags |= IOFUNC_ATTR_DIRTY_TIME | IOFUNC_ATTR_MTIME |
			       IOFUNC_ATTR_CTIME;
	return EOK;
}

NTO_EXPORT int iofunc_ocb_attach(resmgr_context_t *ctp, io_open_t *msg,
				 iofunc_ocb_t *ocb, iofunc_attr_t *attr,
				 const resmgr_io_funcs_t *io_funcs)
{
	iofunc_ocb_t *(*ocb_calloc)(resmgr_context_t *, iofunc_attr_t *);
	void (*ocb_free)(iofunc_ocb_t *);
	iofunc_ocb_t *mine = NULL;
	unsigned sflag;
	int status;

	if (!ocb) {
		ocb_calloc = (iofunc_ocb_t *
			      (*)(resmgr_context_t *, iofunc_attr_t *))
			mount_func(attr, offsetof(iofunc_funcs_t, ocb_calloc));
		ocb = ocb_calloc ? ocb_calloc(ctp, attr)
				 : iofunc_ocb_calloc(ctp, attr);
		if (!ocb)
			return errno ? errno : ENOMEM;
		mine = ocb;
	}
	ocb->ioflag = (int32_t)nto__connect_ioflag(&msg->connect);
	ocb->sflag = msg->connect.sflag;
	ocb->flags = 0;
	ocb->offset = 0;
	ocb->attr = attr;

	if (resmgr_open_bind(ctp, ocb, io_funcs) == -1) {
		status = errno;
		if (mine) {
			ocb_free = (void (*)(iofunc_ocb_t *))mount_func(
				attr, offsetof(iofunc_funcs_t, ocb_free));
			if (ocb_free)
				ocb_free(mine);
			else
				iofunc_ocb_free(mine);
		}
		return status;
	}
	if (ocb->ioflag & _IO_FLAG_WR)
		attr->wcount++;
	if (ocb->ioflag & _IO_FLAG_RD)
		attr->rcount++;
	sflag = ocb->sflag & SH_MASK;
	if (sflag == SH_DENYRW || sflag == SH_DENYRD)
		attr->rlocks++;
	if (sflag == SH_DENYRW || sflag == SH_DENYWR)
		attr->wlocks++;
	attr->count++;
	return EOK;
}

NTO_EXPORT int iofunc_ocb_detach(resmgr_context_t *ctp, iofunc_ocb_t *ocb)
{
	iofunc_attr_t *attr = ocb->attr;
	unsigned sflag;
	int flag = 0;

	(void)ctp;
	(void)iofunc_time_update(attr);
	if ((ocb->ioflag & _IO_FLAG_WR) && attr->wcount && --attr->wcount == 0)
		flag |= IOFUNC_OCB_LAST_WRITER;
	if ((ocb->ioflag & _IO_FLAG_RD) && attr->rcount && --attr->rcount == 0)
		flag |= IOFUNC_OCB_LAST_READER;
	sflag = ocb->sflag & SH_MASK;
	if ((sflag == SH_DENYRW || sflag == SH_DENYRD) && attr->rlocks &&
	    --attr->rlocks == 0)
		flag |= IOFUNC_OCB_LAST_RDLOCK;
	if ((sflag == SH_DENYRW || sflag == SH_DENYWR) && attr->wlocks &&
	    --attr->wlocks == 0)
		flag |= IOFUNC_OCB_LAST_WRLOCK;
	if (attr->count && --attr->count == 0)
		flag |= IOFUNC_OCB_LAST_INUSE;
	return flag;
}

NTO_EXPORT int iofunc_close_ocb(resmgr_context_t *ctp, iofunc_ocb_t *ocb,
				iofunc_attr_t *attr)
{
	void (*ocb_free)(iofunc_ocb_t *);

	(void)iofunc_ocb_detach(ctp, ocb);
	ocb_free = (void (*)(iofunc_ocb_t *))mount_func(
		attr, offsetof(iofunc_funcs_t, ocb_free));
	if (ocb_free)
		ocb_free(ocb);
	else
		iofunc_ocb_free(ocb);
	return EOK;
}

NTO_EXPORT int iofunc_close_dup(resmgr_context_t *ctp, io_close_t *msg,
				iofunc_ocb_t *ocb, iofunc_attr_t *attr)
{
	/* No record locks are kept, so a closing dup has nothing of its own
	 * to release. */
	(void)ctp;
	(void)msg;
	(void)ocb;
	(void)attr;
	return EOK;
}

NTO_EXPORT int iofunc_unblock(resmgr_context_t *ctp, iofunc_attr_t *attr)
{
	/* Nobody waits on a lock list: let the client stay blocked until
	 * its request is answered (QNX's default). */
	(void)ctp;
	(void)attr;
	return _RESMGR_DEFAULT;
}

static int is_nonblock(int32_t ioflag, uint32_t xtype)
{
	if (xtype & _IO_XFLAG_NONBLOCK)
		return 1;
	if (xtype & _IO_XFLAG_BLOCK)
		return 0;
	return !!(ioflag & O_NONBLOCK);
}

NTO_EXPORT int iofunc_read_verify(resmgr_context_t *ctp, io_read_t *msg,
				  iofunc_ocb_t *ocb, int *nonblock)
{
	(void)ctp;
	if (!(ocb->ioflag & _IO_FLAG_RD))
		return EBADF;
	if (nonblock)
		*nonblock = is_nonblock(ocb->ioflag, msg->i.xtype);
	return EOK;
}

NTO_EXPORT int iofunc_write_verify(resmgr_context_t *ctp, io_write_t *msg,
				   iofunc_ocb_t *ocb, int *nonblock)
{
	(void)ctp;
	if (!(ocb->ioflag & _IO_FLAG_WR))
		return EBADF;
	if (nonblock)
		*nonblock = is_nonblock(ocb->ioflag, msg->i.xtype);
	return EOK;
}

NTO_EXPORT int iofunc_lseek(resmgr_context_t *ctp, io_lseek_t *msg,
			    iofunc_ocb_t *ocb, iofunc_attr_t *attr)
{
	int64_t offset = (int64_t)msg->i.offset;

	switch (msg->i.whence) {
	case SEEK_SET:
		break;
	case SEEK_CUR:
		offset += ocb->offset;
		break;
	case SEEK_END:
		offset += attr->nbytes;
		break;
	default:
		return EINVAL;
	}
	if (offset < 0)
		return EINVAL;
	ocb->offset = offset;
	if (msg->i.combine_len & _IO_COMBINE_FLAG)
		return EOK;
	msg->o = (_Uint64t)offset;
	return _RESMGR_PTR(ctp, &msg->o, sizeof(msg->o));
}

NTO_EXPORT int iofunc_time_update(iofunc_attr_t *attr)
{
	time_t now;

	if (!(attr->flags &
	      (IOFUNC_ATTR_MTIME | IOFUNC_ATTR_ATIME | IOFUNC_ATTR_CTIME)))
		return EOK;
	now = time(NULL);
	if (attr->flags & IOFUNC_ATTR_MTIME)
		attr->mtime = now;
	if (attr->flags & IOFUNC_ATTR_ATIME)
		attr->atime = now;
	if (attr->flags & IOFUNC_ATTR_CTIME)
		attr->ctime = now;
	attr->flags &= ~(uint32_t)(IOFUNC_ATTR_MTIME | IOFUNC_ATTR_ATIME |
				   IOFUNC_ATTR_CTIME);
	attr->flags |= IOFUNC_ATTR_DIRTY_TIME;
	return EOK;
}

NTO_EXPORT int iofunc_stat(resmgr_context_t *ctp, iofunc_attr_t *attr,
			   struct stat *st)
{
	int32_t bs = 512;

	(void)ctp;
	memset(st, 0, sizeof(*st));
	st->st_mode = attr->mode;
	st->st_nlink = attr->nlink;
	st->st_uid = attr->uid;
	st->st_gid = attr->gid;
	st->st_ino = (ino_t)attr->inode;
	st->st_atime = attr->atime;
	st->st_mtime = attr->mtime;
	st->st_ctime = attr->ctime;
	if (attr->mount) {
		st->st_dev = attr->mount->dev;
		if (attr->mount->blocksize > 0)
			bs = attr->mount->blocksize;
	}
	/* a name special's rdev means something else (QNX) */
	if (!st->st_dev && !S_ISNAM(attr->mode))
		st->st_dev = attr->rdev;
	if (S_ISCHR(attr->mode) || S_ISBLK(attr->mode))
		st->st_rdev = attr->rdev;
	st->st_blksize = bs > 512 ? bs : 512;
	st->st_blocks = (blkcnt_t)((attr->nbytes + 511) / 512);
	st->st_size = S_ISBLK(attr->mode) ? (off_t)st->st_blocks
					  : (off_t)attr->nbytes;
	return EOK;
}
